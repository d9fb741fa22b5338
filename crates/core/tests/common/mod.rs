//! The event builder the timeline tests share.

use fvi_core::record::Origin;
use fvi_core::{EventKind, EventRecord};
use serde_json::json;

/// An event in the top frame of tab `tab` (page `https://site<tab % 7>.example/page`) at
/// `at` ms, with `call_id` as its detail's callId.
pub fn record(
    seq: u64,
    kind: EventKind,
    call_id: Option<String>,
    tab: i64,
    at: f64,
) -> EventRecord {
    EventRecord {
        seq,
        kind,
        detail: call_id
            .as_ref()
            .map_or(json!({}), |id| json!({ "callId": id })),
        call_id,
        tab_id: tab,
        frame_id: 0,
        url: format!("https://site{}.example/page", tab % 7),
        top_url: None,
        top_title: None,
        captured_at: at,
        stored_at: at,
        detail_truncated: false,
        origin: Origin {
            document: format!("doc-{tab}"),
            n: seq,
        },
        fired: None,
    }
}
