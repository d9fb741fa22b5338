//! Builds the version 1 export file and hands it to the browser as a download.

use fvi_core::export::{ExportFile, Generator, Stats};
use wasm_bindgen::{JsCast, JsValue};

use crate::dom;
use crate::load::Loaded;

pub fn browser_name() -> String {
    web_sys::window()
        .and_then(|w| w.navigator().user_agent().ok())
        .map(|ua| {
            if ua.contains("Firefox/") {
                "firefox".to_string()
            } else {
                "chromium".to_string()
            }
        })
        .unwrap_or_default()
}

pub fn build(log: &Loaded, calls: Vec<serde_json::Value>) -> ExportFile {
    ExportFile::new(
        js_sys::Date::now(),
        Generator {
            name: "Fullview Event Inspector".into(),
            version: fvi_browser::runtime::version(),
            browser: browser_name(),
        },
        log.events.clone(),
        calls,
        log.meta.notes.clone(),
        Stats {
            evicted_calls: log.meta.evicted_calls,
            evicted_events: log.meta.evicted_events,
            malformed_messages: log.meta.malformed,
            unknown_event_types: log.meta.unknown_types,
        },
    )
}

/// Saves `json` as `file_name` through a Blob URL on an `<a download>`.
pub fn download(json: &str, file_name: &str) -> Result<(), JsValue> {
    let parts = js_sys::Array::of1(&JsValue::from_str(json));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let a: web_sys::HtmlAnchorElement = dom::el("a", "").dyn_into()?;
    a.set_href(&url);
    a.set_download(file_name);
    dom::document().body().expect("body").append_child(&a)?;
    a.click();
    a.remove();
    // Revoking at once can cancel the download in Firefox; a minute is plenty.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    if let Some(w) = web_sys::window() {
        let _ =
            w.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 60_000);
    }
    Ok(())
}

/// `fullview-events-2026-11-24T07-18-51Z.json`: sortable, and safe on every file system.
pub fn file_name(prefix: &str, exported_at: &str) -> String {
    let stamp: String = exported_at
        .chars()
        .take(19)
        .map(|c| if c == ':' { '-' } else { c })
        .collect();
    format!("{prefix}-{stamp}Z.json")
}
