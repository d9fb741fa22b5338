//! Test fixtures: event records built in one line, for the host tests of the filters, the
//! search and the problem navigation.

use fvi_core::record::Origin;
use fvi_core::{EventKind, EventRecord};
use serde_json::json;

/// A `kind` event of `call` (or none) in `tab`, `at` ms, on the tab's own site (no
/// top-level URL or title: see [`titled`]).
pub fn record(seq: u64, kind: EventKind, call: Option<&str>, tab: i64, at: f64) -> EventRecord {
    EventRecord {
        seq,
        kind,
        call_id: call.map(str::to_string),
        tab_id: tab,
        frame_id: 0,
        url: format!("https://site{tab}.example/page"),
        top_url: None,
        top_title: None,
        captured_at: at,
        stored_at: at,
        detail: json!({ "callId": call }),
        detail_truncated: false,
        fired: None,
        origin: Origin {
            document: format!("d{tab}"),
            n: seq,
        },
    }
}

/// A `callRequested` of call `c<seq>` in `tab`, `seq` seconds in.
pub fn event(seq: u64, tab: i64) -> EventRecord {
    let call = format!("c{seq}");
    record(
        seq,
        EventKind::CallRequested,
        Some(&call),
        tab,
        seq as f64 * 1000.0,
    )
}

/// `e`, reported from a page titled `title`.
pub fn titled(mut e: EventRecord, title: &str) -> EventRecord {
    e.top_title = Some(title.to_string());
    e
}
