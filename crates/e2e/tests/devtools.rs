//! The real DevTools panel "Fullview" (issue 11) in real Chromium and Firefox, not the panel
//! page opened as a tab (that is `panels.rs`): DevTools opened on a tab after it fired
//! events shows them from the durable log, scoped to that tab (found through
//! `devtools.inspectedWindow.tabId`: the panel's URL names no tab); it updates live, and
//! keeps following its tab through a navigation within the site, one to another site and a
//! reload; and DevTools opened while its tab is in the middle of a navigation is bound to
//! the tab from the start.
//!
//! How each browser's panel is opened and read (../shared/platform-notes.md, "DevTools
//! panel"):
//! - Chromium: CDP `Target.openDevTools` on the tab's target opens a real DevTools window
//!   (Chromium 156; no `--auto-open-devtools-for-tabs`, so DevTools really opens after the
//!   events). The panel's iframe exists only once the panel is shown, which DevTools-internal
//!   code does (`InspectorView.showPanel`, evaluated in the `devtools://` target); the panel
//!   is then a CDP `iframe` target, read with `Runtime.evaluate` over the rig's own CDP
//!   websocket (chromedriver's CDP bridge reaches only the current tab).
//! - Firefox: from the chrome context, `gDevTools.showToolboxForTab`, then `selectTool` of
//!   the extension's panel. The panel is a remote `<browser>` in the extension process
//!   inside the toolbox: Marionette cannot switch into it (its toolbox `<browser>` is a
//!   separate top-level context, "no such frame"), and `extension.getViews()` does not list
//!   it. So the test reads its DOM through a one-shot frame script loaded into that
//!   `<browser>`'s message manager, which evaluates in the panel's window and sends the
//!   answer back.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use common::{tab_id_of, wait_for_events};
use fvi_e2e::cdp::Cdp;
use fvi_e2e::{wait_until, Browser, BrowserKind, FixtureServer, Route};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(30);

const FIRE_JS: &str = "window.fire = (type, detail) => \
    window.dispatchEvent(new CustomEvent('fullview:' + type, { detail }));";

fn page_html(title: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title>\
         <script>{FIRE_JS}</script></head><body><h1>{title}</h1></body></html>"
    )
}

fn page(title: &str) -> Route {
    Route::html(page_html(title))
}

/// Fires `fullview:callRequested` with `call_id` in the current tab.
fn fire(browser: &Browser, call_id: &str) {
    browser
        .execute(
            "fire('callRequested', { callId: arguments[0] });",
            &[json!(call_id)],
        )
        .unwrap_or_else(|e| panic!("firing {call_id}: {e}"));
}

// ---------------------------------------------------------------------------------------
// The real panel, per browser.

/// The panel page as the browser loads it: the DevTools panel's URL, with no `?tab=`.
const PANEL_PAGE: &str = "popup/popup.html?host=devtools";

/// Shows the Fullview panel in a Chromium DevTools window (DevTools-internal code; the
/// module layout is Chromium 156's and may change between versions). `null` until DevTools
/// has built its window and the extension's devtools page has registered the panel. It
/// must not create the window itself: `InspectorView.instance()` does, and called before
/// DevTools has loaded its settings it throws ("Unable to create settings"); in the run that
/// did so, the panel never appeared within 30 s.
const CHROMIUM_SHOW_PANEL: &str = "(async () => {\
     const ui = await import('./ui/legacy/legacy.js');\
     const view = ui.InspectorView.InspectorView.maybeGetInspectorViewInstance();\
     const tab = view && view.tabbedPane.tabs.find((t) => t.title === 'Fullview');\
     if (!tab) return null;\
     await view.showPanel(tab.id);\
     return view.tabbedPane.selectedTabId;\
   })()";

/// Firefox, chrome context: the XUL tab of extension tab id `arguments[0]`, and DevTools.
const FIREFOX_PRELUDE: &str = "\
    const { ExtensionParent } = ChromeUtils.importESModule(\
      'resource://gre/modules/ExtensionParent.sys.mjs');\
    const tab = ExtensionParent.apiManager.global.tabTracker.getTab(arguments[0]);\
    const { require } = ChromeUtils.importESModule(\
      'resource://devtools/shared/loader/Loader.sys.mjs');\
    const { gDevTools } = require('devtools/client/framework/devtools');";

/// Firefox, chrome context: evaluates `arguments[1]` (a function body) in the Fullview
/// panel of the toolbox of tab `arguments[0]`, through a one-shot frame script, and passes
/// back `{ ok: <JSON text> }` or `{ err }`. Only once the panel's `<browser>` shows the
/// panel page (`arguments[2]`): a frame script loaded before its frame exists never runs.
/// The answer is awaited 5 s at most, so one lost message cannot use up a whole wait. The
/// sandbox has the panel's principal and sees its window without Xrays (so expandos the
/// test sets stay visible to later reads), and is not subject to the page's CSP.
const FIREFOX_EVAL: &str = "\
    const done = arguments[arguments.length - 1];\
    const tb = gDevTools.getToolboxForTab(tab);\
    if (!tb) return done({ err: 'no toolbox for the tab' });\
    const tool = tb.getAdditionalTools().find((t) => t.label === 'Fullview');\
    const frame = tool && tb.doc.getElementById('toolbox-panel-iframe-' + tool.id);\
    const panel = frame && frame.contentDocument && frame.contentDocument.querySelector('browser');\
    if (!panel) return done({ err: 'no Fullview panel browser in the toolbox' });\
    const at = panel.currentURI ? panel.currentURI.spec : '';\
    if (!at.includes(arguments[2])) return done({ err: 'the panel shows ' + at });\
    const mm = panel.messageManager;\
    const name = 'fvi-e2e:' + Math.random();\
    const answer = (m) => { clearTimeout(timer); mm.removeMessageListener(name, answer); done(m.data); };\
    const timer = setTimeout(() => {\
      mm.removeMessageListener(name, answer); done({ err: 'no answer from the panel in 5 s' });\
    }, 5000);\
    mm.addMessageListener(name, answer);\
    const wrapped = 'JSON.stringify((() => {' + arguments[1] + '})() ?? null)';\
    const code = 'let a; try {' +\
      ' const sb = Components.utils.Sandbox(content, { sandboxPrototype: content, wantXrays: false });' +\
      ' a = { ok: Components.utils.evalInSandbox(' + JSON.stringify(wrapped) + ', sb) };' +\
      '} catch (e) { a = { err: String(e) }; }' +\
      'sendAsyncMessage(' + JSON.stringify(name) + ', a);';\
    mm.loadFrameScript('data:,' + encodeURIComponent(code), false);";

/// DevTools for one tab, before it is opened: what is needed to open it later.
enum Inspect {
    /// The tab's CDP page target, found while the tab still shows a known URL (during a
    /// navigation a target's URL may already be the pending one).
    Chromium {
        // Boxed: the CDP client (a websocket) is large beside the data-less variant.
        cdp: Box<Cdp>,
        target: String,
    },
    Firefox,
}

/// The open Fullview panel of one tab's DevTools.
enum Panel {
    Chromium { cdp: Box<Cdp>, session: String },
    Firefox,
}

impl Inspect {
    /// Picks the tab showing `url` (Chromium: its CDP target).
    fn tab(browser: &Browser, url: &str) -> Inspect {
        match browser.kind() {
            BrowserKind::Chromium => {
                let mut cdp = Cdp::connect(browser.profile_dir()).unwrap_or_else(|e| panic!("{e}"));
                let pages: Vec<String> = cdp
                    .targets()
                    .unwrap()
                    .into_iter()
                    .filter(|t| t["type"] == "page" && t["url"] == url)
                    .filter_map(|t| t["targetId"].as_str().map(str::to_string))
                    .collect();
                assert_eq!(pages.len(), 1, "page targets showing {url}: {pages:?}");
                Inspect::Chromium {
                    cdp: Box::new(cdp),
                    target: pages[0].clone(),
                }
            }
            BrowserKind::Firefox => Inspect::Firefox,
        }
    }

    /// Opens DevTools on the tab (extension tab id `tab_id`), with whatever panel it opens
    /// on.
    fn open(self, browser: &Browser, tab_id: i64) -> DevTools {
        match self {
            Inspect::Chromium { mut cdp, target } => {
                let opened = cdp
                    .call("Target.openDevTools", json!({ "targetId": target }), None)
                    .unwrap_or_else(|e| panic!("opening DevTools: {e}"));
                let window = opened["targetId"]
                    .as_str()
                    .unwrap_or_else(|| panic!("Target.openDevTools answered {opened}"));
                let front = cdp.attach(window).unwrap();
                DevTools::Chromium { cdp, front }
            }
            Inspect::Firefox => {
                browser
                    .in_chrome_context(|wd| {
                        wd.execute_async(
                            &format!(
                                "const done = arguments[arguments.length - 1];\
                                 {FIREFOX_PRELUDE}\
                                 gBrowser.selectedTab = tab;\
                                 gDevTools.showToolboxForTab(tab)\
                                   .then(() => done(null), (e) => done(String(e)));"
                            ),
                            &[json!(tab_id)],
                        )
                    })
                    .and_then(|v| match v.as_str() {
                        Some(e) => Err(format!("showToolboxForTab: {e}")),
                        None => Ok(()),
                    })
                    .unwrap_or_else(|e| panic!("opening DevTools: {e}"));
                DevTools::Firefox
            }
        }
    }
}

/// DevTools open on one tab.
enum DevTools {
    /// `front`: a CDP session in the DevTools window's own page.
    Chromium {
        cdp: Box<Cdp>,
        front: String,
    },
    Firefox,
}

impl DevTools {
    /// Shows the Fullview panel once DevTools offers it (the extension's devtools page
    /// registers it a moment after DevTools opens), and returns it once its page exists
    /// (not necessarily loaded).
    fn show_panel(self, browser: &Browser, tab_id: i64) -> Panel {
        match self {
            DevTools::Chromium { mut cdp, front } => {
                let shown = wait_until(WAIT, "DevTools to offer the Fullview panel", || {
                    let v = cdp.eval(&front, CHROMIUM_SHOW_PANEL)?;
                    Ok(v.as_str().map(str::to_string))
                })
                .unwrap();
                assert!(shown.ends_with("Fullview"), "the panel shown: {shown}");
                let url = browser.extension_url(PANEL_PAGE);
                let frame = wait_until(WAIT, "the Fullview panel's iframe target", || {
                    let frames: Vec<String> = cdp
                        .targets()?
                        .into_iter()
                        .filter(|t| t["type"] == "iframe" && t["url"] == url.as_str())
                        .filter_map(|t| t["targetId"].as_str().map(str::to_string))
                        .collect();
                    match frames.as_slice() {
                        [] => Ok(None),
                        [one] => Ok(Some(one.clone())),
                        many => Err(format!("several panel frames: {many:?}")),
                    }
                })
                .unwrap();
                let session = cdp.attach(&frame).unwrap();
                Panel::Chromium { cdp, session }
            }
            DevTools::Firefox => {
                wait_until(WAIT, "the toolbox to offer the Fullview panel", || {
                    let v = browser.in_chrome_context(|wd| {
                        wd.execute_async(
                            &format!(
                                "const done = arguments[arguments.length - 1];\
                                 {FIREFOX_PRELUDE}\
                                 const tb = gDevTools.getToolboxForTab(tab);\
                                 const tool = tb && tb.getAdditionalTools()\
                                   .find((t) => t.label === 'Fullview');\
                                 if (!tool) return done(null);\
                                 tb.selectTool(tool.id)\
                                   .then(() => done(tb.currentToolId), (e) => done('ERR ' + e));"
                            ),
                            &[json!(tab_id)],
                        )
                    })?;
                    match v.as_str() {
                        Some(e) if e.starts_with("ERR") => Err(e.to_string()),
                        Some(id) => Ok(Some(id.to_string())),
                        None => Ok(None),
                    }
                })
                .unwrap();
                Panel::Firefox
            }
        }
    }
}

impl Panel {
    /// Evaluates `body` (a function body; its result must be JSON) in the panel's page.
    fn eval(&mut self, browser: &Browser, tab_id: i64, body: &str) -> Result<Value, String> {
        match self {
            Panel::Chromium { cdp, session } => cdp.eval(session, &format!("(() => {{{body}}})()")),
            Panel::Firefox => {
                let v = browser.in_chrome_context(|wd| {
                    wd.execute_async(
                        &format!("{FIREFOX_PRELUDE}{FIREFOX_EVAL}"),
                        &[json!(tab_id), json!(body), json!(PANEL_PAGE)],
                    )
                })?;
                match (v.get("ok").and_then(Value::as_str), v.get("err")) {
                    (Some(text), _) => {
                        serde_json::from_str(text).map_err(|e| format!("{e}: {text}"))
                    }
                    (None, Some(e)) => Err(format!("in the panel: {e}")),
                    _ => Err(format!("the panel answered {v}")),
                }
            }
        }
    }
}

/// What the panel shows: its call rows' callIds, top to bottom, once its whole log is on
/// screen (`{"loading": true}` before).
const ROWS: &str = "\
    if (!document.documentElement.dataset.fviFullMs) return { loading: true };\
    return [...document.querySelectorAll('#calls .call')].map((r) => r.dataset.callId);";

/// Waits until `body` evaluated in the panel gives `want`; fails with the last answer.
fn wait_panel(
    browser: &Browser,
    panel: &mut Panel,
    tab_id: i64,
    what: &str,
    body: &str,
    want: Value,
) {
    let mut last = Err(String::from("not asked yet"));
    let result = wait_until(WAIT, what, || {
        last = panel.eval(browser, tab_id, body);
        Ok(last.as_ref().is_ok_and(|v| *v == want).then_some(()))
    });
    if let Err(e) = result {
        panic!("{e}\n  want: {want}\n  last: {last:?}");
    }
}

/// Whether the panel's banner about its tab (closed, or a page that cannot be captured) is
/// hidden.
const NO_BANNER: &str = "return document.getElementById('tab-banner').hidden;";

/// The panel's own facts: its URL's query, the tab scope chosen, and that choice's label.
const PLACEMENT: &str = "\
    const s = document.getElementById('filter-tab');\
    return [location.search, s.value, s.selectedOptions[0].textContent];";

// ---------------------------------------------------------------------------------------
// DevTools opened on a tab that already fired events: that tab's calls, live, through a
// navigation and a reload; all tabs on request.

fn follows_inspected_tab(kind: BrowserKind) {
    let browser = common::launch(kind);
    let b = &browser;
    let server = FixtureServer::start([
        ("/a", page("Shop A")),
        ("/a2", page("Shop A, next page")),
        ("/a3", page("Shop A, on another site")),
        ("/b", page("Shop B")),
    ])
    .unwrap();
    let url_a = server.url("/a");
    let tab_a = b.open_tab(&url_a).unwrap();
    fire(b, "a-1");
    let tab_b = b.open_tab(&server.url("/b")).unwrap();
    fire(b, "b-1");
    wait_for_events(b, 2, WAIT);
    let id_a = tab_id_of(b, &url_a);
    b.switch_to_window(&tab_a).unwrap();

    // DevTools opens only now: what tab A fired before comes from the durable log, and
    // tab B's call stays out.
    let mut panel = Inspect::tab(b, &url_a).open(b, id_a).show_panel(b, id_a);
    let p = &mut panel;
    wait_panel(
        b,
        p,
        id_a,
        "tab A's call, from before DevTools opened",
        ROWS,
        json!(["a-1"]),
    );
    assert_eq!(
        p.eval(b, id_a, PLACEMENT).unwrap(),
        json!(["?host=devtools", "current", "Inspected tab"]),
        "the panel's URL names no tab: it is scoped to the inspected tab through \
         devtools.inspectedWindow.tabId"
    );
    p.eval(b, id_a, "window.__sameDocument = true; return null;")
        .unwrap();

    // Live: a new call in A appears; B's stays out.
    b.switch_to_window(&tab_b).unwrap();
    fire(b, "b-2");
    b.switch_to_window(&tab_a).unwrap();
    fire(b, "a-2");
    wait_panel(
        b,
        p,
        id_a,
        "A's new call, live",
        ROWS,
        json!(["a-2", "a-1"]),
    );

    // Tab A navigates to another page of the site, then to another site (`localhost`:
    // both browsers move the tab to another process, and DevTools to another target),
    // then reloads: the panel follows it each time.
    let steps = [
        ("a navigation within the site", server.url("/a2")),
        ("a navigation to another site", server.localhost_url("/a3")),
        ("a reload", String::new()),
    ];
    let mut want = vec!["a-2", "a-1"];
    for (i, (what, url)) in steps.iter().enumerate() {
        if url.is_empty() {
            b.webdriver().refresh().unwrap();
        } else {
            b.webdriver().navigate(url).unwrap();
        }
        let call = ["a-3", "a-4", "a-5"][i];
        fire(b, call);
        want.insert(0, call);
        wait_panel(
            b,
            p,
            id_a,
            &format!("the call fired after {what}"),
            ROWS,
            json!(want),
        );
    }
    assert_eq!(
        p.eval(b, id_a, "return window.__sameDocument === true;")
            .unwrap(),
        json!(true),
        "the panel followed its tab live, without being loaded again"
    );
    assert_eq!(
        p.eval(b, id_a, NO_BANNER).unwrap(),
        json!(true),
        "no closed-tab or cannot-capture banner for an open ordinary page"
    );

    // All tabs, on request.
    p.eval(
        b,
        id_a,
        "const s = document.getElementById('filter-tab'); s.value = 'all';\
         s.dispatchEvent(new Event('change')); return null;",
    )
    .unwrap();
    wait_panel(
        b,
        p,
        id_a,
        "every tab's calls",
        ROWS,
        json!(["a-5", "a-4", "a-3", "a-2", "b-2", "b-1", "a-1"]),
    );
}

#[test]
fn devtools_panel_in_chromium() {
    follows_inspected_tab(BrowserKind::Chromium);
}

#[test]
fn devtools_panel_in_firefox() {
    follows_inspected_tab(BrowserKind::Firefox);
}

// ---------------------------------------------------------------------------------------
// DevTools opened while its tab is in the middle of a navigation (a peer's panel opened
// then never bound to its tab).

/// A page on its own port whose answer the test holds back: a navigation to it stays
/// under way (the request sent, no response) until [`HeldPage::release`].
struct HeldPage {
    url: String,
    /// Whether a request for the page arrived; and whether the answer may go.
    state: Arc<(Mutex<(bool, bool)>, Condvar)>,
    stop: Arc<AtomicBool>,
    port: u16,
}

impl HeldPage {
    fn start(body: String) -> HeldPage {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new((Mutex::new((false, false)), Condvar::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (accept_state, accept_stop) = (state.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if accept_stop.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(stream) = stream else { continue };
                let (state, body) = (accept_state.clone(), body.clone());
                // One thread per connection: a browser may open a socket it never uses.
                std::thread::spawn(move || serve(stream, &state, &body));
            }
        });
        HeldPage {
            url: format!("http://127.0.0.1:{port}/held"),
            state,
            stop,
            port,
        }
    }

    /// Waits until the browser has asked for the page.
    fn wait_request(&self) {
        let (lock, cv) = &*self.state;
        let (guard, timeout) = cv
            .wait_timeout_while(lock.lock().unwrap(), WAIT, |s| !s.0)
            .unwrap();
        assert!(
            !timeout.timed_out() && guard.0,
            "no request for {}",
            self.url
        );
    }

    fn release(&self) {
        let (lock, cv) = &*self.state;
        lock.lock().unwrap().1 = true;
        cv.notify_all();
    }
}

impl Drop for HeldPage {
    fn drop(&mut self) {
        self.release();
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees `stop`.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Answers one connection: `GET /held` after the release, anything else 404.
fn serve(mut stream: TcpStream, state: &(Mutex<(bool, bool)>, Condvar), body: &str) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
    let mut head = Vec::new();
    let mut chunk = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&chunk[..n]),
        }
    }
    let response = if head.starts_with(b"GET /held ") {
        let (lock, cv) = state;
        lock.lock().unwrap().0 = true;
        cv.notify_all();
        let _released = cv.wait_while(lock.lock().unwrap(), |s| !s.1).unwrap();
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\
             Content-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    } else {
        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string()
    };
    let _ = stream.write_all(response.as_bytes());
}

fn binds_mid_navigation(kind: BrowserKind) {
    let browser = common::launch(kind);
    let b = &browser;
    let server = FixtureServer::start([("/c", page("Shop C")), ("/d", page("Shop D"))]).unwrap();
    let held = HeldPage::start(page_html("Shop C, next page"));
    b.open_tab(&server.url("/d")).unwrap();
    fire(b, "d-1");
    let url_c = server.url("/c");
    let tab_c = b.open_tab(&url_c).unwrap();
    fire(b, "c-1");
    wait_for_events(b, 2, WAIT);
    let id_c = tab_id_of(b, &url_c);
    let inspect = Inspect::tab(b, &url_c);

    // Tab C starts navigating to the held page; its response does not come. Started from
    // the extension page (`tabs.update`), not from tab C: chromedriver waits for a
    // pending navigation of its current tab before each command, so WebDriver stays off
    // tab C until the page has answered.
    common::extension_eval(
        b,
        "await api.tabs.update(args[0], { url: args[1] }); return null;",
        &[json!(id_c), json!(held.url)],
    );
    held.wait_request();

    // DevTools opens now, mid-navigation.
    let devtools = inspect.open(b, id_c);
    let mut panel = match kind {
        // Firefox's toolbox offers extension panels at once: the panel loads, and must
        // bind to tab C, while the navigation is still under way.
        BrowserKind::Firefox => {
            let mut panel = devtools.show_panel(b, id_c);
            wait_panel(
                b,
                &mut panel,
                id_c,
                "tab C's call, in a panel loaded mid-navigation",
                ROWS,
                json!(["c-1"]),
            );
            held.release();
            panel
        }
        // Chromium's DevTools loads extensions' devtools pages only once it knows the
        // inspected page's URL, and while a navigation is pending it does not (seen on
        // 156: `primaryPageTarget().inspectedURL()` stays '' and no Fullview tab exists
        // for as long as the response is held). So the panel is created as the navigation
        // commits, the moment a panel that learns its tab from navigation events misses.
        BrowserKind::Chromium => {
            held.release();
            devtools.show_panel(b, id_c)
        }
    };
    let p = &mut panel;
    wait_panel(
        b,
        p,
        id_c,
        "tab C's call, in the panel of DevTools opened mid-navigation",
        ROWS,
        json!(["c-1"]),
    );
    assert_eq!(
        p.eval(b, id_c, PLACEMENT).unwrap(),
        json!(["?host=devtools", "current", "Inspected tab"])
    );

    // The navigation completes; a call on the new page shows in the panel.
    b.switch_to_window(&tab_c).unwrap();
    wait_until(WAIT, "the held page to load", || {
        let v = b.execute("return [document.readyState, document.title];", &[])?;
        Ok((v == json!(["complete", "Shop C, next page"])).then_some(()))
    })
    .unwrap();
    fire(b, "c-2");
    wait_panel(
        b,
        p,
        id_c,
        "the call fired on the page the navigation reached",
        ROWS,
        json!(["c-2", "c-1"]),
    );
    assert_eq!(
        p.eval(b, id_c, NO_BANNER).unwrap(),
        json!(true),
        "no closed-tab or cannot-capture banner for an open ordinary page"
    );
}

#[test]
fn devtools_opened_mid_navigation_in_chromium() {
    binds_mid_navigation(BrowserKind::Chromium);
}

#[test]
fn devtools_opened_mid_navigation_in_firefox() {
    binds_mid_navigation(BrowserKind::Firefox);
}
