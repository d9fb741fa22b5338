//! Builds version 1 export files (the whole log, one call, or what the filters show) and
//! hands them to the browser as a download.

use fvi_core::export::{Export, Generator};
use fvi_core::timeline::EventIx;
use fvi_core::TabNote;
use wasm_bindgen::{JsCast, JsValue};

use crate::dom;
use crate::state::App;

/// The export's `generator.browser` label. Architecture invariant: the one user-agent read
/// outside fvi-browser, a label only (Chromium has no extension API that names the browser);
/// nothing branches on it.
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

/// A serialised export, ready to save.
pub struct Written {
    pub json: Vec<u8>,
    pub exported_at: String,
    pub events: usize,
    pub calls: usize,
    /// ms spent summarising the calls and serialising the file (the export benchmark
    /// prints them; `data-fvi-export-phases`).
    pub phases: [f64; 2],
}

/// Builds and serialises the export of `events` (indices into the log on screen; `None`
/// for all of it), in the core's format (`fvi_core::export::Export`).
pub fn write(app: &App, events: Option<&[EventIx]>) -> Written {
    let started = dom::perf_now();
    let data = app.data();
    let notes: Vec<TabNote> = match events {
        None => data.notes.to_vec(),
        Some(indices) => {
            let mut tabs: Vec<i64> = indices.iter().map(|i| data.events[*i].tab_id).collect();
            tabs.sort_unstable();
            tabs.dedup();
            // Only what happened to the exported events' tabs.
            data.notes
                .iter()
                .filter(|n| tabs.binary_search(&n.tab_id).is_ok())
                .cloned()
                .collect()
        }
    };
    let export = Export::new(
        data.events,
        events,
        &notes,
        data.now,
        js_sys::Date::now(),
        Generator {
            name: "Fullview Event Inspector".into(),
            version: fvi_browser::runtime::version(),
            browser: browser_name(),
        },
        app.stats(),
    );
    let summarised = dom::perf_now();
    let json = export.to_bytes();
    Written {
        json,
        exported_at: export.exported_at().to_string(),
        events: export.event_count(),
        calls: export.call_count(),
        phases: [summarised - started, dom::perf_now() - summarised],
    }
}

/// Saves `json` as `file_name` through a Blob URL on an `<a download>`. The Blob copies the
/// bytes straight out of the wasm memory: no JavaScript copy, and no UTF-16 string, of a
/// 40 MB export is ever made.
pub fn download(json: &[u8], file_name: &str) -> Result<(), JsValue> {
    // SAFETY: the view is of `json`, which outlives it, and nothing runs between making it
    // and the Blob constructor, which copies it synchronously: no Rust allocation can grow
    // (and so detach) the memory the view points into.
    let blob = unsafe {
        let bytes = js_sys::Uint8Array::view(json);
        let parts = js_sys::Array::of1(&bytes);
        let options = web_sys::BlobPropertyBag::new();
        options.set_type("application/json");
        web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)?
    };
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let a: web_sys::HtmlAnchorElement = dom::el("a", "").dyn_into()?;
    a.set_href(&url);
    a.set_download(file_name);
    dom::document().body().expect("body").append_child(&a)?;
    a.click();
    a.remove();
    // Revoking at once can cancel the download in Firefox; a minute is plenty.
    dom::after(60_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
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

/// A callId made safe for a file name: page-supplied, so anything but letters, digits,
/// `-` and `_` goes, and it is cut short.
pub fn file_part(call_id: &str) -> String {
    let safe: String = call_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(40)
        .collect();
    if safe.is_empty() {
        "call".into()
    } else {
        safe
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe() {
        assert_eq!(
            file_name("fullview-events", "2026-11-24T07:18:51.123Z"),
            "fullview-events-2026-11-24T07-18-51Z.json"
        );
        assert_eq!(file_part("../<b>abc-1</b>"), "babc-1b");
        assert_eq!(file_part("///"), "call");
    }
}
