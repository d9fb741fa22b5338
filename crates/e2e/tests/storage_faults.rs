//! Storage failing under capture (issue 10, item 1), in real Chromium and Firefox: the
//! background's `storage.local.set` is made to reject for a few seconds while pages fire
//! events, then restored. Nothing may be lost and nothing stored twice: every refusal the
//! background answers while its writes fail asks the sender to retry, and the senders (the
//! sentinel's relay, the Rust engine) keep each batch until it is stored. Meanwhile the
//! popup says that storage is failing, with how many events wait, and a command it sends is
//! reported as not done, its control left as it was.
//!
//! How the fault gets in: the background looks `storage.local.set` up on every call
//! (crates/browser/src/api.rs), so replacing the method on its API object makes every
//! write fail, and putting it back heals it.
//! - Chromium: the service worker is a separate DevTools target, which chromedriver's
//!   `goog/cdp/execute` cannot address; the rig's own DevTools client
//!   (`fvi_e2e::cdp`) attaches to it and evaluates the patch there.
//! - Firefox: from an extension page, `runtime.getBackgroundPage()` gives the event
//!   page's window, and the patch is set on its `browser.storage.local`. The failure is a
//!   promise of the background's own realm, so its code awaits it as its own.
//!
//! The browser may restart its background meanwhile (Chromium stops idle workers), which
//! would drop the patch: [`Fault::hold`] re-applies it while the test waits.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use common::{
    assert_well_formed, extension_eval, of_tab, page, read_log, send_from_extension_page,
    tab_id_of, to_extension_page, wait_for_stored,
};
use fvi_e2e::cdp::Cdp;
use fvi_e2e::{wait_until, Browser, BrowserKind, FixtureServer, Route};
use serde_json::{json, Value};

/// Long enough for a cold wasm start on a loaded 2-core machine.
const WAIT: Duration = Duration::from_secs(60);

/// `fire('callAccepted', {...})` on the page, for tests to call through WebDriver.
/// Patches (`on`) or restores `storage.local.set` in the background whose global is `G`;
/// returns `{calls, patched}`: how many writes it failed so far, and on how many API
/// objects (`browser` and `chrome` may be two) the patch is in place. Idempotent, so it can
/// be applied again after the background restarted.
const PATCH_JS: &str = "(G, on) => {\
      let f = G.__fviFault;\
      if (on && !f) {\
        f = G.__fviFault = { calls: 0, originals: [] };\
        f.patch = function () {\
          f.calls += 1;\
          return G.Promise.reject(new G.Error('injected fault: storage.local.set failed'));\
        };\
      }\
      if (!f) return { calls: 0, patched: 0 };\
      let patched = 0;\
      for (const ns of [G.browser, G.chrome]) {\
        const local = ns && ns.storage && ns.storage.local;\
        if (!local) continue;\
        if (on && local.set !== f.patch) {\
          f.originals.push([local, local.set]);\
          local.set = f.patch;\
        }\
        if (local.set === f.patch) patched += 1;\
      }\
      const calls = f.calls;\
      if (!on) {\
        for (const [local, set] of f.originals.reverse()) {\
          delete local.set;\
          if (local.set !== set) local.set = set;\
        }\
        delete G.__fviFault;\
        patched = 0;\
        for (const ns of [G.browser, G.chrome]) {\
          const local = ns && ns.storage && ns.storage.local;\
          if (local && local.set === f.patch) patched += 1;\
        }\
      }\
      return { calls, patched };\
    }";

/// The failure injected into one browser's background.
struct Fault<'a> {
    browser: &'a Browser,
    /// Chromium: the DevTools connection and the session attached to the worker.
    cdp: Option<(Cdp, Option<String>)>,
    /// Writes failed by the patches applied before the background restarted.
    earlier_calls: u64,
    /// Writes failed by the patch in place now, when last asked.
    current_calls: u64,
}

impl<'a> Fault<'a> {
    /// Makes every `storage.local.set` of the background reject from now on.
    fn inject(browser: &'a Browser) -> Fault<'a> {
        let cdp = match browser.kind() {
            BrowserKind::Chromium => Some((
                Cdp::connect(browser.profile_dir()).unwrap_or_else(|e| panic!("{e}")),
                None,
            )),
            BrowserKind::Firefox => None,
        };
        let mut fault = Fault {
            browser,
            cdp,
            earlier_calls: 0,
            current_calls: 0,
        };
        let state = fault.apply(true);
        assert!(
            state["patched"].as_u64() >= Some(1),
            "the patch did not take: {state}"
        );
        fault
    }

    /// Runs [`PATCH_JS`] in the background; `{calls, patched}`.
    fn apply(&mut self, on: bool) -> Value {
        match self.browser.kind() {
            BrowserKind::Chromium => {
                let expression = format!("({PATCH_JS})(globalThis, {on})");
                let origin = self.browser.extension_origin();
                let (cdp, session) = self.cdp.as_mut().expect("a DevTools connection");
                // The attached worker may have stopped: then attach to the one running now
                // (a failed evaluation says so), once.
                for _ in 0..2 {
                    if session.is_none() {
                        *session =
                            Some(cdp.attach_worker(&origin).unwrap_or_else(|e| panic!("{e}")));
                    }
                    match cdp.eval(session.as_deref().unwrap(), &expression) {
                        Ok(v) => return v,
                        Err(_) => *session = None,
                    }
                }
                panic!("could not evaluate in the service worker")
            }
            BrowserKind::Firefox => {
                // From the extension page, then back to whatever window the test was in.
                let here = self.browser.window_handle().unwrap();
                let state = extension_eval(
                    self.browser,
                    &format!(
                        "const bg = await api.runtime.getBackgroundPage();\
                         return ({PATCH_JS})(bg, args[0]);"
                    ),
                    &[json!(on)],
                );
                self.browser.switch_to_window(&here).unwrap();
                state
            }
        }
    }

    /// Puts the patch back if the background restarted without it; returns how many
    /// writes have failed so far, in all.
    fn hold(&mut self) -> u64 {
        let state = self.apply(true);
        let calls = state["calls"].as_u64().unwrap_or(0);
        // A fresh patch counts from zero: the background restarted.
        if calls < self.current_calls {
            self.earlier_calls += self.current_calls;
        }
        self.current_calls = calls;
        self.earlier_calls + calls
    }

    /// Waits until at least `n` writes have failed, keeping the patch in place.
    fn wait_failed_writes(&mut self, n: u64, what: &str) {
        let mut last = 0;
        wait_until(WAIT, &format!("{n} failed writes ({what})"), || {
            last = self.hold();
            Ok((last >= n).then_some(()))
        })
        .unwrap_or_else(|e| panic!("{e} (had {last})"));
    }

    /// Restores `storage.local.set`; returns how many writes failed in all.
    fn restore(mut self) -> u64 {
        let total = self.hold();
        let state = self.apply(false);
        assert_eq!(state["patched"], 0, "the patch is still there: {state}");
        if let Some((cdp, Some(session))) = self.cdp.as_mut() {
            let _ = cdp.call(
                "Target.detachFromTarget",
                json!({ "sessionId": session }),
                None,
            );
        }
        total
    }
}

/// The background's health, asked from the extension page (`Request::Status`).
fn health(browser: &Browser) -> Value {
    let answer = send_from_extension_page(browser, &json!({ "kind": "status", "v": 1 }));
    assert_eq!(answer["kind"], "status", "{answer}");
    answer["health"].clone()
}

/// The popup page's storage notice, if shown: `(text, waiting)`.
fn storage_notice(browser: &Browser) -> Option<(String, u64)> {
    let v = browser
        .execute(
            "const b = document.getElementById('storage-banner');\
             return b && !b.hidden ? [b.textContent, b.dataset.waiting] : null;",
            &[],
        )
        .unwrap();
    let text = v[0].as_str()?.to_string();
    let waiting = v[1].as_str().and_then(|w| w.parse().ok()).unwrap_or(0);
    Some((text, waiting))
}

/// The popup's `#status` text if it is styled as an error, else "".
fn status_error(browser: &Browser) -> String {
    browser
        .execute(
            "const s = document.getElementById('status');\
             return s.classList.contains('error') ? s.textContent : '';",
            &[],
        )
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Waits until the popup page in the current window shows the notice with events waiting,
/// keeping the fault in place meanwhile.
fn wait_notice(browser: &Browser, fault: &mut Fault) -> (String, u64) {
    let mut last = None;
    wait_until(WAIT, "the popup's failing-storage notice", || {
        fault.hold();
        last = storage_notice(browser);
        Ok(last.clone().filter(|(_, waiting)| *waiting > 0))
    })
    .unwrap_or_else(|e| panic!("{e}; last: {last:?}"))
}

/// Every stored event is well formed, its `seq` unique and increasing, and its
/// `(document, n)` stored once.
fn assert_no_duplicates(events: &[Value]) {
    assert_well_formed(events);
    let mut origins = HashSet::new();
    for e in events {
        let origin = (
            e["origin"]["document"].as_str().unwrap().to_string(),
            e["origin"]["n"].as_u64().unwrap(),
        );
        assert!(origins.insert(origin), "stored twice: {e}");
    }
}

/// Waits until the log holds `n` events and the background has nothing waiting, then
/// returns the log: an event stored twice would show as more than `n`.
fn wait_recovered(browser: &Browser, n: u64) -> Vec<Value> {
    wait_for_stored(browser, n, WAIT);
    let mut last = Value::Null;
    wait_until(WAIT, "the background to have nothing waiting", || {
        last = health(browser);
        Ok((last["storageFailingSince"].is_null() && last["waitingEvents"] == 0).then_some(()))
    })
    .unwrap_or_else(|e| panic!("{e}; health: {last}"));
    let (_, events) = read_log(browser);
    assert_eq!(events.len() as u64, n, "events lost or stored twice");
    assert_no_duplicates(&events);
    events
}

/// `detail.i` of each event.
fn indices(events: &[Value]) -> Vec<u64> {
    events
        .iter()
        .map(|e| e["detail"]["i"].as_u64().unwrap())
        .collect()
}

// ---------------------------------------------------------------------------------------
// (a) A burst while storage fails, from a frame whose engine runs; a command meanwhile.

const BURST: u64 = 3_000;

fn during_a_burst(kind: BrowserKind) {
    let server = FixtureServer::start([("/app.html", Route::html(page("app", "")))]).unwrap();
    let url = server.url("/app.html?burst");
    let browser = common::launch(kind);
    browser.navigate(&url).unwrap();
    let app = browser.window_handle().unwrap();
    // `undefined` needs the engine's marker: once this is stored, the engine runs.
    browser
        .execute(
            "fire('supportRequested', { callId: 'warm', i: 0, gone: undefined })",
            &[],
        )
        .unwrap();
    wait_for_stored(&browser, 1, WAIT);
    to_extension_page(&browser);
    let popup = browser.window_handle().unwrap();

    let mut fault = Fault::inject(&browser);
    browser.switch_to_window(&app).unwrap();
    browser
        .execute(
            &format!("for (let i = 1; i <= {BURST}; i++) fire('callAccepted', {{ callId: 'burst', i }});"),
            &[],
        )
        .unwrap();
    // Both messages of the burst were refused, and some sent again and refused again.
    fault.wait_failed_writes(4, "the burst, refused and resent");

    // The popup, open since before the failure, hears it from the background's broadcast.
    browser.switch_to_window(&popup).unwrap();
    let (text, waiting) = wait_notice(&browser, &mut fault);
    assert!(text.starts_with("Storage is failing since "), "{text}");
    assert!(text.contains("injected fault"), "{text}");
    assert!(waiting <= BURST, "{waiting} waiting: {text}");

    // A command whose write fails is reported as not done, and its control stays.
    browser.click(&browser.find("#pause").unwrap()).unwrap();
    let mut status = String::new();
    wait_until(WAIT, "the pause command's refusal", || {
        fault.hold();
        status = status_error(&browser);
        Ok(status.starts_with("Could not change capture").then_some(()))
    })
    .unwrap_or_else(|e| panic!("{e}; status: {status}"));
    let pause = browser.find("#pause").unwrap();
    assert_eq!(
        browser
            .attribute(&pause, "aria-pressed")
            .unwrap()
            .as_deref(),
        Some("false")
    );
    assert_eq!(browser.text(&pause).unwrap(), "Pause capture");

    // The other commands the same way: the reason in `#status`, the control as it was.
    let commands = [
        (
            "const r = document.getElementById('retention');\
             r.value = '5000'; r.dispatchEvent(new Event('change'));",
            "Could not change the limit",
            "return document.getElementById('retention').value;",
            json!("200000"),
        ),
        (
            "document.getElementById('keep-across-restarts').click();",
            "Could not change the setting",
            "return document.getElementById('keep-across-restarts').checked;",
            json!(true),
        ),
        (
            "document.getElementById('clear').click();\
             document.getElementById('clear-confirm').click();",
            "Could not clear the log",
            "return document.getElementById('retention-hint').textContent;",
            json!("events (now 1)"),
        ),
    ];
    for (act, refused, probe, control) in commands {
        browser.execute(act, &[]).unwrap();
        wait_until(WAIT, refused, || {
            fault.hold();
            status = status_error(&browser);
            Ok(status.starts_with(refused).then_some(()))
        })
        .unwrap_or_else(|e| panic!("{e}; status: {status}"));
        assert!(status.contains("storage failed"), "{status}");
        assert_eq!(browser.execute(probe, &[]).unwrap(), control, "{act}");
    }

    let failed = fault.restore();
    assert!(failed >= 4, "{failed}");
    let events = wait_recovered(&browser, 1 + BURST);
    let tab = tab_id_of(&browser, &url);
    // By `n`: once storage recovers, each batch is resent on its own back-off, so the
    // frame's batches may be stored in either order (seq is arrival order).
    let mut burst = of_tab(&events, tab);
    burst.sort_by_key(|e| e["origin"]["n"].as_u64());
    let ns: Vec<u64> = burst
        .iter()
        .map(|e| e["origin"]["n"].as_u64().unwrap())
        .collect();
    assert_eq!(ns, (1..=1 + BURST).collect::<Vec<_>>());
    assert_eq!(indices(&burst), (0..=BURST).collect::<Vec<_>>());
    // The refused commands changed nothing (and clear deleted nothing: all are there).
    let (meta, _) = read_log(&browser);
    assert_eq!(meta["paused"], false, "{meta}");
    assert_eq!(meta["maxEvents"], 200_000, "{meta}");
    assert_eq!(meta["keepAcrossRestarts"], true, "{meta}");
    // Recovered: the notice goes away.
    wait_until(WAIT, "the notice to go away", || {
        Ok(storage_notice(&browser).is_none().then_some(()))
    })
    .unwrap();
}

#[test]
fn failed_writes_during_a_burst_in_chromium() {
    during_a_burst(BrowserKind::Chromium);
}

#[test]
fn failed_writes_during_a_burst_in_firefox() {
    during_a_burst(BrowserKind::Firefox);
}

// ---------------------------------------------------------------------------------------
// (b) Single events from fresh frames while storage fails: a tab fires 50 events one by
// one from its first on (sentinel copies, relay, engine all meet the failure), another tab
// fires its first event. The reproduction: 0 of these 51 were stored.

const SINGLES: u64 = 50;

fn single_events_in_fresh_frames(kind: BrowserKind) {
    let server = FixtureServer::start([("/app.html", Route::html(page("app", "")))]).unwrap();
    let (one, two) = (server.url("/app.html?one"), server.url("/app.html?two"));
    let browser = common::launch(kind);
    to_extension_page(&browser);
    let mut fault = Fault::inject(&browser);

    // One event per task, 20 ms apart; `{callId}` alone is what the sentinel copies.
    browser.open_tab(&one).unwrap();
    browser
        .execute(
            &format!(
                "let i = 0; window.firing = true;\
                 const t = setInterval(() => {{\
                   i += 1; fire('callAccepted', {{ callId: 'single-' + i }});\
                   if (i === {SINGLES}) {{ clearInterval(t); window.firing = false; }}\
                 }}, 20);"
            ),
            &[],
        )
        .unwrap();
    let tab_one = browser.window_handle().unwrap();
    browser.open_tab(&two).unwrap();
    browser
        .execute("fire('supportRequested', { callId: 'first' })", &[])
        .unwrap();
    browser.switch_to_window(&tab_one).unwrap();
    wait_until(WAIT, "the 50 events to be fired", || {
        fault.hold();
        let firing = browser.execute("return window.firing;", &[])?;
        Ok((firing == false).then_some(()))
    })
    .unwrap();
    let fired = fault.hold();
    // Writes refused after the last event was fired: it met the failure too.
    fault.wait_failed_writes(fired + 3, "resends after the last event");

    // A popup opened now learns it by asking (`Request::Status`).
    browser.open_extension_page("popup/popup.html").unwrap();
    let (text, waiting) = wait_notice(&browser, &mut fault);
    assert!(text.starts_with("Storage is failing since "), "{text}");
    assert!(waiting <= SINGLES + 1, "{waiting} waiting: {text}");

    fault.restore();
    let events = wait_recovered(&browser, SINGLES + 1);
    let first = of_tab(&events, tab_id_of(&browser, &one));
    let mut by_n = BTreeMap::new();
    for e in &first {
        by_n.insert(e["origin"]["n"].as_u64().unwrap(), e["callId"].clone());
    }
    let want: BTreeMap<u64, Value> = (1..=SINGLES)
        .map(|n| (n, json!(format!("single-{n}"))))
        .collect();
    assert_eq!(by_n, want);
    let second = of_tab(&events, tab_id_of(&browser, &two));
    assert_eq!(second.len(), 1);
    assert_eq!(second[0]["callId"], "first");
}

#[test]
fn failed_writes_during_single_events_in_fresh_frames_in_chromium() {
    single_events_in_fresh_frames(BrowserKind::Chromium);
}

#[test]
fn failed_writes_during_single_events_in_fresh_frames_in_firefox() {
    single_events_in_fresh_frames(BrowserKind::Firefox);
}

// ---------------------------------------------------------------------------------------
// (c) A tab closes while its events wait for storage: nothing will send them again, so the
// notice must stop saying they wait and say they were lost, and why, instead of showing
// "N events waiting" for good. Chromium only, for now (below).

const CLOSING: u64 = 3;

fn tab_closed_while_its_events_wait(kind: BrowserKind) {
    let server = FixtureServer::start([("/app.html", Route::html(page("app", "")))]).unwrap();
    let url = server.url("/app.html?closing");
    let browser = common::launch(kind);
    to_extension_page(&browser);
    let popup = browser.window_handle().unwrap();
    let mut fault = Fault::inject(&browser);

    let tab = browser.open_tab(&url).unwrap();
    browser
        .execute(
            &format!("for (let i = 1; i <= {CLOSING}; i++) fire('callAccepted', {{ callId: 'gone-' + i }});"),
            &[],
        )
        .unwrap();
    // All of them reached the background and wait: the notice can only count those.
    let mut last = Value::Null;
    wait_until(WAIT, "the tab's events to wait", || {
        fault.hold();
        last = health(&browser);
        Ok((last["waitingEvents"] == CLOSING).then_some(()))
    })
    .unwrap_or_else(|e| panic!("{e}; health: {last}"));

    // The tab closes before storage recovers (`tabs.onRemoved`).
    browser.switch_to_window(&tab).unwrap();
    browser.close_window().unwrap();
    browser.switch_to_window(&popup).unwrap();
    let mut notice = None;
    wait_until(WAIT, "the notice to count the events as lost", || {
        fault.hold();
        let v = browser.execute(
            "const b = document.getElementById('storage-banner');\
             return b && !b.hidden ? [b.textContent, b.dataset.waiting, b.dataset.lost] : null;",
            &[],
        )?;
        notice = Some(v.clone());
        let lost = v[2].as_str().and_then(|l| l.parse::<u64>().ok());
        Ok((v[1] == "0" && lost == Some(CLOSING)).then_some(()))
    })
    .unwrap_or_else(|e| {
        let tabs = common::tabs(&browser);
        panic!(
            "{e}; notice: {notice:?}; health: {}; tabs: {tabs:?}",
            health(&browser)
        )
    });
    let text = notice.unwrap()[0].as_str().unwrap().to_string();
    assert!(text.starts_with("Storage is failing since "), "{text}");
    assert!(
        text.contains(&format!("{CLOSING} events were lost"))
            && text.contains(&format!("{CLOSING} because their tab closed")),
        "{text}"
    );
    let health_now = health(&browser);
    assert_eq!(health_now["waitingEvents"], 0, "{health_now}");
    assert_eq!(
        health_now["lostEvents"],
        json!({ "tabClosed": CLOSING, "pageGone": 0 }),
        "{health_now}"
    );

    // Storage recovers: the failure is gone from the notice, the loss stays said; the log
    // holds none of them (nothing could send them again).
    fault.restore();
    // The failure clears with the next write that succeeds: an event from another tab.
    browser.open_tab(&server.url("/app.html?after")).unwrap();
    browser
        .execute("fire('callRequested', { callId: 'after' })", &[])
        .unwrap();
    wait_for_stored(&browser, 1, WAIT);
    let mut last = Value::Null;
    wait_until(WAIT, "storage to work again", || {
        last = health(&browser);
        Ok(last["storageFailingSince"].is_null().then_some(()))
    })
    .unwrap_or_else(|e| panic!("{e}; health: {last}"));
    browser.switch_to_window(&popup).unwrap();
    let mut shown = None;
    wait_until(WAIT, "the notice to say only what was lost", || {
        shown = storage_notice(&browser).map(|(t, _)| t);
        Ok(shown
            .as_deref()
            .filter(|t| t.starts_with(&format!("{CLOSING} events were lost")))
            .map(str::to_string))
    })
    .unwrap_or_else(|e| panic!("{e}; notice: {shown:?}"));
    let (_, events) = read_log(&browser);
    assert!(
        events
            .iter()
            .all(|e| !e["callId"].as_str().is_some_and(|c| c.starts_with("gone-"))),
        "an event counted as lost was stored"
    );
}

#[test]
fn tab_closed_while_its_events_wait_in_chromium() {
    tab_closed_while_its_events_wait(BrowserKind::Chromium);
}

// Not in Firefox yet: there, in the one run made, the event page's memory was gone by the
// time the tab closed (health read all zeros with the fault still injected: a new
// instance), so nothing was counted as lost and the popup kept the old instance's
// "3 waiting". Health lives in the background's memory (ARCHITECTURE.md, "Health"); see
// the report of issue 10's follow-up for keeping it in `storage.session` instead.
