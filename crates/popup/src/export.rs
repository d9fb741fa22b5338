//! Builds version 1 export files (the whole log, one call, or what the filters show) and
//! hands them to the browser as a download.

use fvi_core::export::{ExportFile, Generator};
use fvi_core::summary::summarize;
use fvi_core::timeline;
use fvi_core::{EventRecord, TabNote};
use wasm_bindgen::{JsCast, JsValue};

use crate::dom;
use crate::state::App;

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
    pub json: String,
    pub exported_at: String,
    pub events: usize,
    pub calls: usize,
}

/// Builds and serialises the export of `events` (indices into the log on screen; `None`
/// for all of it). `calls` and `inbound` are summarised from those same events, so every
/// seq a summary names is in the file.
///
/// The whole log is exported without copying it: its events are moved into the file for
/// the time of serialisation and moved back (nothing else runs meanwhile), which saves
/// cloning 100,000 records.
pub fn write(app: &mut App, events: Option<&[usize]>) -> Written {
    let data = app.data();
    let subset: Option<Vec<&EventRecord>> =
        events.map(|indices| indices.iter().map(|i| &data.events[*i]).collect());
    let notes: Vec<TabNote> = match &subset {
        None => data.notes.to_vec(),
        Some(records) => {
            let mut tabs: Vec<i64> = records.iter().map(|e| e.tab_id).collect();
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
    let (calls, inbound) = {
        let grouped = match &subset {
            None => timeline::build(data.events, &notes, data.now, &Default::default()),
            Some(records) => timeline::build(
                records.iter().copied(),
                &notes,
                data.now,
                &Default::default(),
            ),
        };
        let (calls, inbound) = summarize(&grouped);
        let calls: Vec<serde_json::Value> = calls
            .iter()
            .map(|c| serde_json::to_value(c).expect("summaries serialise"))
            .collect();
        let inbound: Vec<serde_json::Value> = inbound
            .iter()
            .map(|r| serde_json::to_value(r).expect("summaries serialise"))
            .collect();
        (calls, inbound)
    };
    let records: Vec<EventRecord> = match subset {
        Some(records) => records.into_iter().cloned().collect(),
        None => app.take_events(),
    };
    let mut file = ExportFile::new(
        js_sys::Date::now(),
        Generator {
            name: "Fullview Event Inspector".into(),
            version: fvi_browser::runtime::version(),
            browser: browser_name(),
        },
        records,
        calls,
        notes,
        app.stats(),
    );
    file.inbound = inbound;
    let json = file.to_json();
    let written = Written {
        json,
        exported_at: file.exported_at,
        events: file.events.len(),
        calls: file.calls.len(),
    };
    if events.is_none() {
        app.restore_events(file.events);
    }
    written
}

/// Saves `json` as `file_name` through a Blob URL on an `<a download>`. The bytes go into
/// the Blob as they are: no UTF-16 JavaScript string of a 40 MB export is ever made.
pub fn download(json: &str, file_name: &str) -> Result<(), JsValue> {
    let bytes = js_sys::Uint8Array::from(json.as_bytes());
    let parts = js_sys::Array::of1(&bytes);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)?;
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
