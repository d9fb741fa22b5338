//! Helpers shared by the extension's end-to-end tests: launching a browser with the built
//! extension, reading the stored log, waiting for events.

#![allow(dead_code)] // each test file uses a different subset

use std::path::PathBuf;
use std::time::Duration;

use fvi_e2e::{dist_dir, wait_until, Browser, BrowserKind, LaunchOptions};
use serde_json::Value;

/// How long a page gets to show what a test waits for ([`wait_eq`]).
const UI_WAIT: Duration = Duration::from_secs(30);

/// Defines `window.fire(type, detail)`, which dispatches `fullview:<type>` as the widget does.
pub const FIRE_JS: &str = "window.fire = (type, detail) => \
    window.dispatchEvent(new CustomEvent('fullview:' + type, { detail }));";

/// A fixture page titled `title` that defines `fire` ([`FIRE_JS`]) and holds `body`.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title>\
         <script>{FIRE_JS}</script></head><body><h1>{title}</h1>{body}</body></html>"
    )
}

/// Runs `script` in the current frame (`arguments[i]` are `args`); a WebDriver error fails
/// the test, naming the script.
pub fn js(browser: &Browser, script: &str, args: &[Value]) -> Value {
    browser
        .execute(script, args)
        .unwrap_or_else(|e| panic!("{script}: {e}"))
}

/// [`js`] without arguments.
pub fn run(browser: &Browser, script: &str) -> Value {
    js(browser, script, &[])
}

/// Waits until `probe` (a value the page computes) equals `want`; fails showing both.
pub fn wait_eq(browser: &Browser, what: &str, want: Value, probe: impl Fn(&Browser) -> Value) {
    let mut last = Value::Null;
    let result = wait_until(UI_WAIT, what, || {
        last = probe(browser);
        Ok((last == want).then_some(()))
    });
    if let Err(e) = result {
        panic!("{e}\n  want: {want}\n  last: {last}");
    }
}

/// The callIds of the inspector's call rows (`#calls .call`), top to bottom.
pub fn rows(browser: &Browser) -> Value {
    run(
        browser,
        "return [...document.querySelectorAll('#calls .call')].map(r => r.dataset.callId);",
    )
}

/// The events of tab `tab`, in the order given.
pub fn of_tab(events: &[Value], tab: i64) -> Vec<Value> {
    events
        .iter()
        .filter(|e| e["tabId"] == tab)
        .cloned()
        .collect()
}

/// Launches `kind` with the built extension; panics (fails the test) if it cannot start.
pub fn launch(kind: BrowserKind) -> Browser {
    launch_with(kind, LaunchOptions::default())
}

pub fn launch_with(kind: BrowserKind, options: LaunchOptions) -> Browser {
    let dir = dist_dir(kind).unwrap_or_else(|e| panic!("{e}"));
    Browser::launch_with(kind, &dir, options)
        .unwrap_or_else(|e| panic!("{} could not start: {e}", kind.name()))
}

/// The stored log, read from `storage.local` in an extension page: `(meta, events)` with
/// events in `seq` order. Reads what `meta` lists, as every reader of the log does: a chunk
/// key `meta` does not list is not part of the log (an eviction's old chunk between its
/// `set` and its `remove`; see ARCHITECTURE.md, "The store"). Opens the page on first use
/// and leaves the browser on it.
pub fn read_log(browser: &Browser) -> (Value, Vec<Value>) {
    let (meta, all) = read_storage(browser);
    let events = listed_events(&meta, &all);
    (meta, events)
}

/// The records in the chunks `meta` lists, in `seq` order.
pub fn listed_events(meta: &Value, all: &serde_json::Map<String, Value>) -> Vec<Value> {
    let listed = meta["chunks"].as_array().cloned().unwrap_or_default();
    let mut events: Vec<Value> = listed
        .iter()
        .filter_map(|c| all.get(&format!("chunk:{}", c["id"])))
        // Chunks are stored as JSON text (fvi_core::log::encode_chunk); arrays still read.
        .flat_map(|v| match v {
            Value::String(text) => serde_json::from_str::<Vec<Value>>(text).unwrap_or_default(),
            other => other.as_array().cloned().unwrap_or_default(),
        })
        .collect();
    events.sort_by_key(|e| e["seq"].as_u64());
    events
}

/// Everything in `storage.local`, read in one `get(null)`: `(meta, all keys and values)`.
pub fn read_storage(browser: &Browser) -> (Value, serde_json::Map<String, Value>) {
    let page = browser.extension_url("popup/popup.html");
    let on_page = browser
        .current_url()
        .map(|u| u.starts_with(&page))
        .unwrap_or(false);
    if !on_page {
        let handles = browser.window_handles().unwrap();
        let mut found = false;
        for h in handles {
            browser.switch_to_window(&h).unwrap();
            if browser.current_url().unwrap_or_default().starts_with(&page) {
                found = true;
                break;
            }
        }
        if !found {
            browser.open_extension_page("popup/popup.html").unwrap();
        }
    }
    let text = browser
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             (globalThis.browser || globalThis.chrome).storage.local.get(null)\
               .then((all) => done(JSON.stringify(all)), (e) => done('ERR ' + e));",
            &[],
        )
        .unwrap();
    let text = text.as_str().expect("a string");
    assert!(!text.starts_with("ERR"), "{text}");
    let all: serde_json::Map<String, Value> = serde_json::from_str(text).unwrap();
    let meta = all.get("meta").cloned().unwrap_or(Value::Null);
    (meta, all)
}

/// Waits until at least `n` events are stored; returns them.
pub fn wait_for_events(browser: &Browser, n: usize, timeout: Duration) -> Vec<Value> {
    let mut last = 0;
    wait_until(timeout, &format!("{n} stored events"), || {
        let (_, events) = read_log(browser);
        last = events.len();
        Ok((events.len() >= n).then_some(events))
    })
    .unwrap_or_else(|e| panic!("{e} (had {last})"))
}

/// Where the rig saves screenshots the README shows.
pub fn screenshot_path(name: &str) -> PathBuf {
    fvi_e2e::workspace_root()
        .join("docs/screenshots")
        .join(name)
}

/// The event types of `events`, without the `fullview:` prefix.
pub fn types(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            e["type"]
                .as_str()
                .unwrap()
                .trim_start_matches("fullview:")
                .to_string()
        })
        .collect()
}

/// Asserts `seq` is unique and increasing and every event is fully tagged.
pub fn assert_well_formed(events: &[Value]) {
    let mut last = 0;
    for e in events {
        let seq = e["seq"].as_u64().expect("seq");
        assert!(seq > last, "seq not increasing: {e}");
        last = seq;
        assert!(e["tabId"].as_i64().is_some(), "no tabId: {e}");
        assert!(e["frameId"].as_i64().is_some(), "no frameId: {e}");
        assert!(
            e["url"]
                .as_str()
                .is_some_and(|u| u.starts_with("http") || u.starts_with("about:")),
            "{e}"
        );
        let t = e["capturedAt"].as_f64().expect("capturedAt");
        assert!(
            t > 1.7e12 && t < 4e12,
            "capturedAt not ms since the epoch: {e}"
        );
    }
}

/// Switches to the extension page [`read_log`] uses, opening it if no tab shows it.
pub fn to_extension_page(browser: &Browser) {
    let page = browser.extension_url("popup/popup.html");
    if browser.current_url().is_ok_and(|u| u.starts_with(&page)) {
        return;
    }
    for h in browser.window_handles().unwrap() {
        browser.switch_to_window(&h).unwrap();
        if browser.current_url().unwrap_or_default().starts_with(&page) {
            return;
        }
    }
    browser.open_extension_page("popup/popup.html").unwrap();
}

/// Runs `body`, the body of an `async` function, on the extension page with `api` bound to
/// `browser`/`chrome` and `args` to the arguments; returns what it returns (JSON), and
/// panics with the error it throws.
pub fn extension_eval(browser: &Browser, body: &str, args: &[Value]) -> Value {
    to_extension_page(browser);
    let script = format!(
        "const done = arguments[arguments.length - 1];\
         const args = Array.from(arguments).slice(0, -1);\
         const api = globalThis.browser || globalThis.chrome;\
         (async (...args) => {{ {body} }})(...args)\
           .then((v) => done({{ ok: v === undefined ? null : v }}), (e) => done({{ err: String(e) }}));"
    );
    let v = browser.execute_async(&script, args).unwrap();
    match v.get("ok") {
        Some(ok) => ok.clone(),
        None => panic!("extension page script failed: {v}\n{body}"),
    }
}

/// Every tab the browser has (`tabs.query({})`), as `(id, url)`.
pub fn tabs(browser: &Browser) -> Vec<(i64, String)> {
    let v = extension_eval(
        browser,
        "return (await api.tabs.query({})).map((t) => [t.id, t.url || '']);",
        &[],
    );
    v.as_array()
        .unwrap()
        .iter()
        .map(|t| (t[0].as_i64().unwrap(), t[1].as_str().unwrap().to_string()))
        .collect()
}

/// The id of the one tab showing exactly `url`; panics if there is not exactly one.
pub fn tab_id_of(browser: &Browser, url: &str) -> i64 {
    let all = tabs(browser);
    let found: Vec<i64> = all
        .iter()
        .filter(|(_, u)| u == url)
        .map(|(id, _)| *id)
        .collect();
    assert_eq!(found.len(), 1, "tabs showing {url}: {all:?}");
    found[0]
}

/// The toolbar badge text for one tab (`action.getBadgeText`).
pub fn badge_text(browser: &Browser, tab_id: i64) -> String {
    let v = extension_eval(
        browser,
        "return await api.action.getBadgeText({ tabId: args[0] });",
        &[serde_json::json!(tab_id)],
    );
    v.as_str()
        .unwrap_or_else(|| panic!("badge: {v}"))
        .to_string()
}

/// Sends `message` with `runtime.sendMessage` from the extension page; returns the answer
/// (or `{"thrown": "..."}` if sending itself threw).
pub fn send_from_extension_page(browser: &Browser, message: &Value) -> Value {
    extension_eval(
        browser,
        "try { return await api.runtime.sendMessage(args[0]); }\
         catch (e) { return { thrown: String(e) }; }",
        std::slice::from_ref(message),
    )
}

/// Polls the stored log until `done(meta, events)` holds; returns it. Panics after
/// `timeout` with what was there.
pub fn wait_for_log(
    browser: &Browser,
    timeout: Duration,
    what: &str,
    done: impl Fn(&Value, &[Value]) -> bool,
) -> (Value, Vec<Value>) {
    let mut last = (Value::Null, Vec::new());
    let result = wait_until(timeout, what, || {
        let (meta, events) = read_log(browser);
        if done(&meta, &events) {
            return Ok(Some((meta, events)));
        }
        last = (meta, events);
        Ok(None)
    });
    result.unwrap_or_else(|e| {
        let (meta, events) = &last;
        let shown: Vec<&Value> = events.iter().rev().take(3).collect();
        panic!(
            "{e}\nmeta: {meta}\n{} events, the last (newest first): {shown:#?}",
            events.len()
        )
    })
}

/// The tab notes in `meta` (`{"seq", "tabId", "at", "kind": {"type", ...}}`).
pub fn notes(meta: &Value) -> Vec<Value> {
    meta["notes"].as_array().cloned().unwrap_or_default()
}

// ---------------------------------------------------------------------------------------
// WebDriver input helpers (popup tests): typing into an element, key presses to whatever
// has focus, and the browser's own accessible name of an element.

/// W3C WebDriver "Element Send Keys": types `text` into `element`. For an
/// `<input type=file>`, `text` is a local file path and the file gets chosen (the input's
/// `change` fires), which is how tests drive an "Import…" button.
pub fn send_keys(browser: &Browser, element: &fvi_e2e::Element, text: &str) {
    browser
        .raw(
            "POST",
            &format!("/element/{}/value", element.id),
            Some(&serde_json::json!({ "text": text })),
        )
        .unwrap_or_else(|e| panic!("send keys {text:?}: {e}"));
}

/// Presses and releases each key in turn (W3C "Perform Actions"), delivered to the
/// focused element as trusted key events. Keys are characters or WebDriver key codes:
/// see [`keys`].
pub fn press_keys(browser: &Browser, keys: &[&str]) {
    let actions: Vec<Value> = keys
        .iter()
        .flat_map(|k| {
            [
                serde_json::json!({ "type": "keyDown", "value": k }),
                serde_json::json!({ "type": "keyUp", "value": k }),
            ]
        })
        .collect();
    browser
        .raw(
            "POST",
            "/actions",
            Some(&serde_json::json!({
                "actions": [{ "type": "key", "id": "keyboard", "actions": actions }]
            })),
        )
        .unwrap_or_else(|e| panic!("key presses {keys:?}: {e}"));
    browser
        .raw("DELETE", "/actions", None)
        .unwrap_or_else(|e| panic!("release actions: {e}"));
}

/// WebDriver codes of the keys [`press_keys`] takes.
pub mod keys {
    pub const ENTER: &str = "\u{E007}";
    pub const ESCAPE: &str = "\u{E00C}";
    pub const TAB: &str = "\u{E004}";
    pub const ARROW_LEFT: &str = "\u{E012}";
    pub const ARROW_UP: &str = "\u{E013}";
    pub const ARROW_RIGHT: &str = "\u{E014}";
    pub const ARROW_DOWN: &str = "\u{E015}";
}

/// The accessible name the browser computes for `element` (W3C WebDriver "Get Computed
/// Label", from the browser's accessibility tree, not a guess from attributes).
pub fn computed_label(browser: &Browser, element: &fvi_e2e::Element) -> String {
    let v = browser
        .raw(
            "GET",
            &format!("/element/{}/computedlabel", element.id),
            None,
        )
        .unwrap_or_else(|e| panic!("computed label: {e}"));
    v.as_str().unwrap_or_default().to_string()
}

/// An element reference a script returned (`return document.querySelector(...)`).
pub fn element_of(value: &Value) -> fvi_e2e::Element {
    let id = value
        .get("element-6066-11e4-a52e-4f735466cecf")
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("not an element reference: {value}"));
    fvi_e2e::Element { id: id.to_string() }
}

/// How many events `meta` says are stored (the sum of its chunk counts), read without the
/// events themselves: cheap to poll while thousands arrive.
pub fn stored_count(browser: &Browser) -> u64 {
    let v = extension_eval(
        browser,
        "const { meta } = await api.storage.local.get('meta');\
         return meta ? meta.chunks.reduce((sum, c) => sum + c.count, 0) : 0;",
        &[],
    );
    v.as_u64().unwrap_or_else(|| panic!("stored count: {v}"))
}

/// Waits until `meta` counts at least `n` events, then returns the log once.
pub fn wait_for_stored(browser: &Browser, n: u64, timeout: Duration) -> (Value, Vec<Value>) {
    let mut last = 0;
    wait_until(timeout, &format!("{n} stored events"), || {
        last = stored_count(browser);
        Ok((last >= n).then_some(()))
    })
    .unwrap_or_else(|e| panic!("{e} (had {last})"));
    read_log(browser)
}

/// The callId of [`prime_describer`]'s event.
pub const PRIME: &str = "prime";

/// Makes `url`'s origin one that has fired events: fires one plain event there (callId
/// [`PRIME`]; the log must be empty before) and waits until it is stored. In Chromium, also
/// waits until the background has registered the describer for the origin, which a fresh
/// load of `url` shows: `window.__fviDescriber` is there before any event (ARCHITECTURE.md,
/// "A detail the browser cannot copy"). Leaves the current window on a fresh load of `url`,
/// which has fired nothing.
pub fn prime_describer(browser: &Browser, kind: BrowserKind, url: &str, timeout: Duration) {
    let page = browser.window_handle().unwrap();
    browser.navigate(url).unwrap();
    browser
        .execute(
            "window.dispatchEvent(new CustomEvent('fullview:callRequested', \
             { detail: { callId: arguments[0] } }));",
            &[Value::from(PRIME)],
        )
        .unwrap();
    wait_for_stored(browser, 1, timeout);
    browser.switch_to_window(&page).unwrap();
    browser.navigate(url).unwrap();
    if kind == BrowserKind::Chromium {
        wait_until(timeout, "the describer registered for the origin", || {
            browser.navigate(url)?;
            Ok((browser.execute("return !!window.__fviDescriber;", &[])? == true).then_some(()))
        })
        .unwrap_or_else(|e| panic!("{e}"));
    }
}

/// `events` without [`prime_describer`]'s.
pub fn without_prime(events: Vec<Value>) -> Vec<Value> {
    events
        .into_iter()
        .filter(|e| e["callId"] != PRIME)
        .collect()
}

/// Launch options under which a test can read the clipboard back ([`clipboard`]).
pub fn clipboard_options(kind: BrowserKind) -> LaunchOptions {
    let mut options = LaunchOptions::default();
    if kind == BrowserKind::Firefox {
        // navigator.clipboard.readText() in the test: without these Firefox shows a
        // "Paste" prompt (which headless never answers) or refuses.
        options.extra_prefs = vec![
            (
                "dom.events.testing.asyncClipboard".into(),
                serde_json::json!(true),
            ),
            (
                "dom.events.asyncClipboard.readText".into(),
                serde_json::json!(true),
            ),
        ];
    }
    options
}

/// Lets the extension page read the clipboard back: Chromium asks for the
/// clipboard-read permission, granted here through CDP.
pub fn allow_clipboard_read(browser: &Browser, kind: BrowserKind) {
    if kind == BrowserKind::Chromium {
        browser
            .cdp(
                "Browser.grantPermissions",
                serde_json::json!({
                    "origin": browser.extension_origin(),
                    "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"],
                }),
            )
            .unwrap();
    }
}

/// The clipboard's text, read on the current (extension) page.
pub fn clipboard(browser: &Browser) -> String {
    let v = browser
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             navigator.clipboard.readText().then(done, (e) => done({ err: String(e) }));",
            &[],
        )
        .unwrap();
    v.as_str()
        .unwrap_or_else(|| panic!("reading the clipboard: {v}"))
        .to_string()
}
