//! The integrator fixture app (issue 13): `app.html` and `app.js` beside this file, a
//! support page with its own listeners for the eight `fullview:*` events (one throws a
//! TypeError on `callAccepted`), served by the fixture server; and the helpers that read
//! what its handlers recorded (`window.__app`). See the comment at the top of `app.js`.

use fvi_e2e::{Browser, FixtureServer, Route};
use serde_json::{json, Value};

use crate::common::{run, wait_eq};

/// The page: `window.fire(type, detail)` as the widget dispatches, and `/app.js`.
pub const HTML: &str = include_str!("app.html");
/// The app's handlers.
pub const JS: &str = include_str!("app.js");

/// Where the app is served; add `?without=callEnded` or `?typo` (see `app.js`).
pub const PATH: &str = "/app";
/// The app's script, where its listeners are registered.
pub const SCRIPT_PATH: &str = "/app.js";

/// The app's routes, to serve with other pages.
pub fn routes() -> [(&'static str, Route); 2] {
    [(PATH, Route::html(HTML)), (SCRIPT_PATH, Route::js(JS))]
}

/// A fixture server with the app only (each server is an origin of its own).
pub fn server() -> FixtureServer {
    FixtureServer::start(routes()).unwrap_or_else(|e| panic!("{e}"))
}

/// The 1-based line of `app.js` on which the `analytics` listener throws.
pub fn throw_line() -> usize {
    JS.lines()
        .position(|l| l.contains("// THROWS"))
        .expect("app.js marks its throwing line")
        + 1
}

/// The 1-based line of `app.js` that holds `text` (once).
pub fn line_of(text: &str) -> usize {
    line_in(JS, text)
}

/// The 1-based line of `app.html` that holds `text` (once).
pub fn html_line_of(text: &str) -> usize {
    line_in(HTML, text)
}

fn line_in(file: &str, text: &str) -> usize {
    let found: Vec<usize> = file
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(text))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(found.len(), 1, "lines holding {text:?}: {found:?}");
    found[0]
}

/// Waits until the current tab shows the app with its listeners registered.
pub fn wait_ready(browser: &Browser) {
    wait_eq(browser, "the app's listeners", json!("idle"), |b| {
        run(
            b,
            "return window.__app && document.readyState !== 'loading' ? \
             document.getElementById('call-state').textContent : null;",
        )
    });
}

/// What the app's state machine handled: `[{type, callId, state}]`.
pub fn log(browser: &Browser) -> Value {
    run(browser, "return window.__app.log;")
}

/// Every listener run, in order: `"<listener>:<type>"` (see `app.js`).
pub fn trace(browser: &Browser) -> Value {
    run(browser, "return window.__app.trace;")
}

/// What reached the page's `window.onerror`: `[{message, line}]`.
pub fn errors(browser: &Browser) -> Value {
    run(browser, "return window.__app.errors;")
}

/// One expected `log` entry.
pub fn entry(kind: &str, call_id: Option<&str>, state: &str) -> Value {
    json!({"type": kind, "callId": call_id, "state": state})
}
