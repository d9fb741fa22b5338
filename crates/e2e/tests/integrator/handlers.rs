//! The page's own handlers on the fixture app (issue 13, item 5), in Chromium and Firefox,
//! one browser session each, in the order a user meets them:
//! - a site not opted in gets no hook (native `addEventListener`, no registration, no
//!   reports), while its events are captured as always;
//! - opted in (`setHandlerSite`), the reloaded app runs under the hook: its page behaviour is
//!   the same (listener order, `this`, `once`, `removeEventListener`, the throw reaching
//!   `onerror`, the channel's attribute gone before the first script), another site still
//!   has no hook, and the reports list the app's listeners with their script line, the
//!   runs of each captured event with the throw, and the findings (`?without=`, `?typo`);
//! - forged reports from a page that replaced `Object.prototype.toJSON` are bounded,
//!   refused or stored as the page's words under the browser's tab id, and change no event
//!   or setting;
//! - opting out removes the registrations, a page still running the old hook is no longer
//!   stored, and the reloaded page has no hook; clearing the log clears the reports.

use std::time::Duration;

use fvi_core::handlers::{findings, summary, HandlerLog, REPORTS_KEY};
use fvi_core::EventRecord;
use fvi_e2e::{wait_until, Browser, BrowserKind, FixtureServer, Route};
use serde_json::{json, Value};

use super::app;
use crate::common::{
    self, extension_eval, js, read_storage, run, send_from_extension_page, tab_id_of, wait_for_log,
};

const WAIT: Duration = Duration::from_secs(60);

/// A page whose first script records the attributes `<html>` has when it runs.
const PROBE: &str = "<!doctype html><html><head><script>\
    window.__attrs = document.documentElement.getAttributeNames();</script></head>\
    <body>probe</body></html>";

fn server() -> FixtureServer {
    let mut routes: Vec<(&str, Route)> = app::routes().into_iter().collect();
    routes.push(("/probe", Route::html(PROBE)));
    FixtureServer::start(routes).unwrap_or_else(|e| panic!("{e}"))
}

/// Turns handler reports on or off for the site of `url`; returns the answer.
fn set_site(b: &Browser, url: &str, on: bool) -> Value {
    send_from_extension_page(
        b,
        &json!({"kind": "setHandlerSite", "v": 1, "url": url, "on": on}),
    )
}

/// This extension's registered content scripts: `[id, matches, world]`.
fn registered(b: &Browser) -> Value {
    extension_eval(
        b,
        "return (await api.scripting.getRegisteredContentScripts())\
           .map((s) => [s.id, s.matches, s.world || null]);",
        &[],
    )
}

/// Whether the current page runs under the hook (its `addEventListener` is not native).
fn hooked(b: &Browser) -> bool {
    run(
        b,
        "return !String(EventTarget.prototype.addEventListener).includes('[native code]');",
    ) == json!(true)
}

/// The stored handler reports (an empty log when there are none).
fn reports(b: &Browser) -> HandlerLog {
    let (_, all) = read_storage(b);
    HandlerLog::read(all.get(REPORTS_KEY))
}

/// Waits until the stored reports satisfy `done`.
fn wait_reports(b: &Browser, what: &str, done: impl Fn(&HandlerLog) -> bool) -> HandlerLog {
    let mut last = HandlerLog::new();
    let result = wait_until(WAIT, what, || {
        last = reports(b);
        Ok(done(&last).then(|| last.clone()))
    });
    result.unwrap_or_else(|e| panic!("{e}\nlast: {last:#?}"))
}

/// The stored events of `tab`, as records.
fn events_of(events: &[Value], tab: i64) -> Vec<EventRecord> {
    events
        .iter()
        .filter(|e| e["tabId"] == tab)
        .map(|e| serde_json::from_value(e.clone()).unwrap())
        .collect()
}

/// Opens `url` in a new tab, waits for the app, and returns (window handle, tab id).
fn open_app(b: &Browser, url: &str) -> (String, i64) {
    let handle = b.open_tab(url).unwrap();
    app::wait_ready(b);
    let tab = tab_id_of(b, url);
    b.switch_to_window(&handle).unwrap();
    (handle, tab)
}

/// Closes the current tab and switches to one that is left.
fn close(b: &Browser) {
    let left = b.close_window().unwrap();
    b.switch_to_window(&left[0]).unwrap();
}

/// Fires `type` with `detail` in the current page as the widget does.
fn fire(b: &Browser, kind: &str, detail: Value) {
    js(
        b,
        "window.fire(arguments[0], arguments[1]);",
        &[json!(kind), detail],
    );
}

fn handlers(kind: BrowserKind) {
    let browser = common::launch(kind);
    let b = &browser;
    let server = server();
    let url = server.url(app::PATH);

    // Not opted in: no hook, no registration, no reports; events captured as always.
    let (plain, plain_tab) = open_app(b, &url);
    assert!(!hooked(b), "a site not opted in runs the hook");
    fire(b, "callAccepted", json!({"callId": "plain"}));
    wait_for_log(b, WAIT, "the plain page's event", |_, events| {
        events_of(events, plain_tab).len() == 1
    });
    let ours = |r: &Value| {
        r.as_array()
            .unwrap()
            .iter()
            .filter(|s| s[0].as_str().unwrap().starts_with("fvi-handlers"))
            .cloned()
            .collect::<Vec<Value>>()
    };
    assert_eq!(ours(&registered(b)), Vec::<Value>::new());
    assert_eq!(reports(b).runs.len(), 0);
    b.switch_to_window(&plain).unwrap();
    close(b);

    // Opt in: both scripts registered for the site, any port.
    assert_eq!(set_site(b, &url, true)["kind"], "done");
    let site = json!(["http://127.0.0.1/*"]);
    assert_eq!(
        ours(&registered(b)),
        vec![
            json!(["fvi-handlers-bridge", site, "ISOLATED"]),
            json!(["fvi-handlers-hook", site, "MAIN"]),
        ]
    );
    // Refusals: a URL no site names.
    assert_eq!(
        set_site(b, "about:blank", true)["kind"],
        "refused",
        "about:blank"
    );

    // The channel's attribute is gone before the page's first script.
    b.open_tab(&server.url("/probe")).unwrap();
    assert!(hooked(b), "the probe page runs the hook");
    assert_eq!(run(b, "return window.__attrs;"), json!([]));
    // Another site (localhost is not 127.0.0.1) has no hook.
    b.navigate(&server.localhost_url("/probe")).unwrap();
    assert!(!hooked(b), "a site not opted in runs the hook");
    close(b);

    // The app under the hook behaves as without it.
    let (app_window, tab) = open_app(b, &url);
    assert!(hooked(b), "the opted-in app runs the hook");
    fire(b, "callRequested", json!({"callId": "h1"}));
    fire(b, "callAccepted", json!({"callId": "h1"}));
    fire(b, "callEnded", json!({"callId": "h1"}));
    fire(b, "supportRequested", json!(null));
    fire(b, "supportRequested", json!(null));
    run(b, "window.__app.doNotDisturb(true);");
    fire(b, "callRequested", json!({"callId": "h2"}));
    assert_eq!(
        app::trace(b),
        json!([
            "machine:callRequested",
            "ringtone:callRequested",
            "machine:callAccepted",
            "analytics:callAccepted",
            "machine:callEnded",
            "analytics:callEnded",
            "machine:supportRequested",
            "welcome:supportRequested",
            "machine:supportRequested",
            "machine:callRequested",
        ]),
        "order, this, once and removeEventListener"
    );
    let errors = app::errors(b);
    assert_eq!(errors.as_array().unwrap().len(), 1, "onerror: {errors}");
    assert!(errors[0]["message"].as_str().unwrap().contains("TypeError"));
    assert_eq!(errors[0]["line"], app::throw_line());
    assert_eq!(
        app::log(b)[2],
        app::entry("callEnded", Some("h1"), "ended"),
        "the state machine"
    );

    // The reports: the app's listeners with their line, the runs, the findings.
    let (_, events) = wait_for_log(b, WAIT, "the app's six events", |_, events| {
        events_of(events, tab).len() == 6
    });
    let log = wait_reports(b, "ten listener runs", |log| {
        log.runs.iter().filter(|r| r.page.tab_id == tab).count() >= 10
    });
    let pages = log.pages_of(tab);
    assert_eq!(pages.len(), 1, "{pages:#?}");
    let page = pages[0];
    assert_eq!(page.page.frame_id, 0);
    let listed: Vec<(String, bool, bool, u32)> = page
        .listeners
        .iter()
        .map(|l| {
            let site = l.site.as_ref().expect("a registration site");
            assert!(site.url.ends_with("/app.js"), "{site:?}");
            (
                l.kind.trim_start_matches("fullview:").to_string(),
                l.once,
                l.removed,
                site.line,
            )
        })
        .collect();
    let machine = [
        "callRequested",
        "callAccepted",
        "callDenied",
        "callEnded",
        "supportRequested",
        "supportRequestTaken",
        "supportRequestCancelledByCustomer",
        "supportRequestCancelledByAgent",
    ];
    let line = |text: &str| app::line_of(text) as u32;
    let mut want: Vec<(String, bool, bool, u32)> = machine
        .iter()
        .map(|k| {
            (
                k.to_string(),
                false,
                false,
                line("'fullview:' + type, machine"),
            )
        })
        .collect();
    want.push((
        "callAccepted".into(),
        false,
        false,
        line("'fullview:callAccepted', analytics"),
    ));
    want.push((
        "callEnded".into(),
        false,
        false,
        line("'fullview:callEnded', analytics"),
    ));
    want.push((
        "supportRequested".into(),
        true,
        true,
        line("welcome, { once: true }"),
    ));
    want.push((
        "callRequested".into(),
        false,
        true,
        line("  if (on('callRequested')) window"),
    ));
    assert_eq!(listed, want, "the app's listeners, in order");
    assert_eq!(findings(page), vec![], "the app handles every lifecycle");

    let records = events_of(&events, tab);
    let accepted = records
        .iter()
        .find(|e| e.kind.short() == "callAccepted")
        .unwrap();
    let runs = log.runs_for(accepted);
    let text = summary(&runs);
    let throw_site = format!(" at app.js:{}", app::throw_line());
    assert!(
        text.starts_with("handled by 2 listeners; 1 threw TypeError: ")
            && text.ends_with(&throw_site),
        "{text}"
    );
    let ran: Vec<u32> = runs.iter().map(|(r, _)| r.listener).collect();
    assert_eq!(ran, vec![2, 9], "machine, then analytics");
    for record in &records {
        let expect = match (record.kind.short(), record.call_id.as_deref()) {
            ("callRequested", Some("h2")) => 1,
            ("supportRequested", _) => {
                // the first had welcome too
                if record.seq
                    == records
                        .iter()
                        .find(|r| r.kind.short() == "supportRequested")
                        .unwrap()
                        .seq
                {
                    2
                } else {
                    1
                }
            }
            _ => 2,
        };
        assert_eq!(log.runs_for(record).len(), expect, "{record:?}");
    }

    // Findings: a page without callEnded listeners, with a misspelt listener, that
    // dispatches a misspelt name.
    let (_, typo_tab) = open_app(b, &format!("{url}?without=callEnded&typo"));
    run(
        b,
        "window.dispatchEvent(new CustomEvent('fullview:callEndd'));",
    );
    let log = wait_reports(b, "the typo page's findings", |log| {
        log.pages_of(typo_tab)
            .first()
            .is_some_and(|p| p.unknown.iter().any(|u| u.dispatched > 0))
    });
    let texts: Vec<String> = findings(log.pages_of(typo_tab)[0])
        .iter()
        .map(|f| f.text())
        .collect();
    assert_eq!(
        texts,
        vec![
            "listens for callRequested but not for callEnded".to_string(),
            "listens for callAccepted but not for callEnded".into(),
            "listens for supportRequestTaken but not for callEnded".into(),
            "listens for fullview:callaccepted, which is not a Fullview event; did you mean \
             fullview:callAccepted?"
                .into(),
            "dispatched once fullview:callEndd, which is not a Fullview event; did you mean \
             fullview:callEnded?"
                .into(),
        ]
    );
    close(b);

    // Forged reports: the page replaces what the hook's JSON.stringify calls, so each
    // report it sends is one of these.
    let before = reports(b);
    let (meta_before, _) = common::read_log(b);
    b.switch_to_window(&app_window).unwrap();
    // Run as a page script (Firefox runs WebDriver's scripts in a sandbox with its own
    // `Object.prototype`).
    let forged = json!([
        {"r": "added", "v": 1, "type": "fullview:callEnded", "listener": 7777, "stack": ""},
        {"r": "ran", "v": 1, "type": "fullview:callEnded", "listener": 1, "at": 1, "ms": 1,
         "tabId": 999},
        {"r": "ran", "v": 1, "type": "fullview:callEnded", "listener": 8888, "at": 1, "ms": 1,
         "threw": {"name": "Forged", "message": "m".repeat(3000), "stack": ""}},
        {"r": "added", "v": 1, "type": "fullview:callEnded", "listener": 9999,
         "stack": "at https://evil.example/x.js:1:1"},
    ]);
    let code = format!(
        "const forged = {forged}; let i = 0; const made = new WeakSet();\
         forged[0].stack = 'x'.repeat(100000);\
         Object.defineProperty(Object.prototype, 'toJSON', {{ configurable: true, value() {{\
           if (!Object.prototype.hasOwnProperty.call(this, 'r') || made.has(this)) return this;\
           const f = forged[i++ % forged.length]; made.add(f); return f; }} }});"
    );
    js(
        b,
        "const s = document.createElement('script'); s.textContent = arguments[0];\
         document.head.appendChild(s);",
        &[json!(code)],
    );
    fire(b, "callEnded", json!({"callId": "h3"}));
    fire(b, "callEnded", json!({"callId": "h3"}));
    js(
        b,
        "const s = document.createElement('script');\
         s.textContent = 'delete Object.prototype.toJSON;'; document.head.appendChild(s);",
        &[],
    );
    let log = wait_reports(b, "the forged reports", |log| {
        log.refused >= before.refused + 2 && log.runs.iter().any(|r| r.listener == 8888)
    });
    assert_eq!(log.refused, before.refused + 2, "{:?}", log.last_refused);
    let forged = log.runs.iter().find(|r| r.listener == 8888).unwrap();
    assert_eq!(forged.page.tab_id, tab, "the tab is the browser's");
    let thrown = forged.threw.as_ref().unwrap();
    assert_eq!(thrown.name, "Forged");
    assert_eq!(thrown.message.chars().count(), 500, "cut to its bound");
    assert!(log.runs.iter().all(|r| r.page.tab_id != 999));
    let evil = log
        .listener(&forged.page, 9999)
        .expect("stored as the page's words");
    assert_eq!(
        evil.site.as_ref().map(|s| s.url.as_str()),
        Some("https://evil.example/x.js")
    );
    // The event log and the settings are the page's events and the user's settings.
    let (meta, events) = wait_for_log(b, WAIT, "the two callEnded", |_, events| {
        events_of(events, tab).len() == 8
    });
    for key in ["paused", "maxEvents", "keepAcrossRestarts", "malformed"] {
        assert_eq!(meta[key], meta_before[key], "{key}");
    }
    let last = events_of(&events, tab);
    assert_eq!(last[7].call_id.as_deref(), Some("h3"));

    // Opt out: no registration; the open page's old hook is no longer stored; a reload
    // runs none.
    assert_eq!(set_site(b, &url, false)["kind"], "done");
    assert_eq!(ours(&registered(b)), Vec::<Value>::new());
    let runs_before = reports(b).runs.len();
    b.switch_to_window(&app_window).unwrap();
    fire(b, "callAccepted", json!({"callId": "h4"}));
    wait_for_log(b, WAIT, "the event after opting out", |_, events| {
        events_of(events, tab).len() == 9
    });
    // The bridge sends within 50 ms of a run; give it far longer.
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        reports(b).runs.len(),
        runs_before,
        "stored after opting out"
    );
    b.switch_to_window(&app_window).unwrap();
    b.refresh().unwrap();
    app::wait_ready(b);
    assert!(!hooked(b), "the hook runs after opting out");

    // Clearing the log clears the reports too.
    assert!(!reports(b).runs.is_empty());
    let answer = send_from_extension_page(b, &json!({"kind": "clear", "v": 1}));
    assert_ne!(answer["kind"], "refused", "{answer}");
    wait_reports(b, "the reports cleared", |log| {
        log.runs.is_empty() && log.pages.is_empty()
    });
}

#[test]
fn page_handlers_in_chromium() {
    handlers(BrowserKind::Chromium);
}

#[test]
fn page_handlers_in_firefox() {
    handlers(BrowserKind::Firefox);
}
