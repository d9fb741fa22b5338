//! What the log stores: one [`EventRecord`] per captured event, and [`TabNote`]s for what
//! happened to tabs. These are the public shapes of the export format, so renaming a
//! field here is a breaking change (see `docs/export-format.md`).

use crate::event::EventKind;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One captured `fullview:*` event, tagged by the background.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EventRecord {
    /// Unique and increasing in capture order; assigned by the background.
    pub seq: u64,
    #[serde(rename = "type")]
    pub kind: EventKind,
    /// The detail's string `callId`, or `null`.
    pub call_id: Option<String>,
    /// Browser tab id, from the message sender; never from the page.
    pub tab_id: i64,
    /// Browser frame id; 0 is the top frame.
    pub frame_id: i64,
    /// URL of the frame that fired the event.
    pub url: String,
    /// URL of the tab's top-level page when the event arrived, where the browser told us.
    #[serde(default)]
    pub top_url: Option<String>,
    /// Title of the tab's top-level page when the event arrived, where the browser told us
    /// (export format version 2; absent in version 1 files and in logs stored before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_title: Option<String>,
    /// Milliseconds since the Unix epoch when the page fired the event.
    pub captured_at: f64,
    /// Milliseconds since the Unix epoch when the background stored it.
    pub stored_at: f64,
    /// The event's detail as JSON, bounded and marked (see `detail.rs`).
    pub detail: Value,
    /// True when `detail` was cut to the per-event cap.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub detail_truncated: bool,
    /// Where in its document the event was: a random token per document and a counter.
    /// Lets the background drop a batch it already stored when a content script retries.
    pub origin: Origin,
    /// Set when the background itself fired this event into the page (export format
    /// version 3): from its own list of what it dispatched, never from the page
    /// (`fire::Pending`).
    #[serde(
        default,
        rename = "firedByInspector",
        skip_serializing_if = "Option::is_none"
    )]
    pub fired: Option<crate::fire::Fired>,
}

/// A document's own numbering of the events it sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Origin {
    pub document: String,
    pub n: u64,
}

/// Something that happened to a tab, shown in the timeline so gaps can be explained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TabNote {
    pub seq: u64,
    pub tab_id: i64,
    pub at: f64,
    pub kind: TabNoteKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum TabNoteKind {
    /// The tab was closed.
    Closed,
    /// The tab's top frame loaded another page.
    Navigated { url: String },
}
