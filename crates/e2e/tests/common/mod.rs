//! Helpers shared by the extension's end-to-end tests: launching a browser with the built
//! extension, reading the stored log, waiting for events.

#![allow(dead_code)] // each test file uses a different subset

use std::path::PathBuf;
use std::time::Duration;

use fvi_e2e::{dist_dir, wait_until, Browser, BrowserKind, LaunchOptions};
use serde_json::Value;

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
/// events in `seq` order. Opens the page on first use and leaves the browser on it.
pub fn read_log(browser: &Browser) -> (Value, Vec<Value>) {
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
    let all: Value = serde_json::from_str(text).unwrap();
    let meta = all.get("meta").cloned().unwrap_or(Value::Null);
    let mut events: Vec<Value> = all
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.starts_with("chunk:"))
        .flat_map(|(_, v)| v.as_array().cloned().unwrap_or_default())
        .collect();
    events.sort_by_key(|e| e["seq"].as_u64());
    (meta, events)
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
