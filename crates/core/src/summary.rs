//! Per-call and per-request summaries for the export file's `calls` and `inbound` arrays
//! (export format version 1). These are a public contract: fields are only ever added, and
//! reading is tolerant (unknown fields are ignored, missing optional ones default), so
//! a reader of version 1 can load files written by later minor versions.

use crate::lifecycle::Flag;
use crate::record::EventRecord;
use crate::timeline::{Call, InboundRequest, Timeline};
use serde::{Deserialize, Serialize};

/// One call, as exported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallSummary {
    pub call_id: String,
    /// `unseen` | `taken` | `requested` | `accepted` | `denied` | `ended` (a string, so a
    /// reader does not fail on states added later).
    pub state: String,
    /// Tab ids, ascending.
    #[serde(default)]
    pub tabs: Vec<i64>,
    /// Distinct URL origins, in order of appearance.
    #[serde(default)]
    pub sites: Vec<String>,
    /// Lowest seq of the call.
    pub first_seq: u64,
    /// Every event's seq, ascending.
    #[serde(default)]
    pub seqs: Vec<u64>,
    /// Ms since the epoch of the first event.
    pub started_at: f64,
    /// Ms since the epoch of the deny or end that finished it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<f64>,
    /// First `callRequested` to first `callAccepted`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept_delay_ms: Option<f64>,
    #[serde(default)]
    pub flags: Vec<FlagSummary>,
    /// Ids (first seq) of the inbound requests linked to this call.
    #[serde(default)]
    pub linked_inbound: Vec<u64>,
}

/// One flag, as exported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlagSummary {
    /// Stable code, e.g. `accepted-without-request` (see `docs/lifecycle.md`).
    pub code: String,
    /// Plain words; may be reworded between versions, match on `code`.
    pub message: String,
    /// The offending event's (or tab note's) seq.
    pub seq: u64,
}

/// One inbound support request, as exported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InboundSummary {
    /// Seq of its first event.
    pub id: u64,
    pub tab_id: i64,
    /// `requested` | `cancelled-by-customer` | `cancelled-by-agent` | `taken`.
    pub state: String,
    #[serde(default)]
    pub sites: Vec<String>,
    #[serde(default)]
    pub seqs: Vec<u64>,
    pub started_at: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linked_call: Option<String>,
    #[serde(default)]
    pub flags: Vec<FlagSummary>,
}

impl From<&Flag> for FlagSummary {
    fn from(flag: &Flag) -> Self {
        FlagSummary {
            code: flag.code().as_str().to_string(),
            message: flag.message(),
            seq: flag.seq,
        }
    }
}

impl CallSummary {
    /// `call` of a timeline built from `events`.
    pub fn of(call: &Call, events: &[EventRecord]) -> CallSummary {
        CallSummary {
            call_id: call.call_id.clone(),
            state: call.state.as_str().to_string(),
            tabs: call.tabs.clone(),
            sites: call.sites(events),
            first_seq: call.first_seq(events),
            seqs: call.seqs(events),
            started_at: call.start,
            ended_at: call.end,
            duration_ms: call.duration_ms,
            accept_delay_ms: call.accept_delay_ms,
            flags: call.flags.iter().map(FlagSummary::from).collect(),
            linked_inbound: call.linked_inbound.clone(),
        }
    }
}

impl InboundSummary {
    /// `req` of a timeline built from `events`.
    pub fn of(req: &InboundRequest, events: &[EventRecord]) -> InboundSummary {
        InboundSummary {
            id: req.id,
            tab_id: req.tab_id,
            state: req.state.as_str().to_string(),
            sites: req.sites(events),
            seqs: req.seqs(events),
            started_at: req.start,
            ended_at: req.end,
            linked_call: req.linked_call.clone(),
            flags: req.flags.iter().map(FlagSummary::from).collect(),
        }
    }
}

/// Summaries of every call and inbound request of a timeline built from `events`, in the
/// timeline's order (newest first).
pub fn summarize(
    timeline: &Timeline,
    events: &[EventRecord],
) -> (Vec<CallSummary>, Vec<InboundSummary>) {
    (
        timeline
            .calls
            .iter()
            .map(|c| CallSummary::of(c, events))
            .collect(),
        timeline
            .inbound
            .iter()
            .map(|r| InboundSummary::of(r, events))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reading_ignores_unknown_fields_and_defaults_missing_lists() {
        let call: CallSummary = serde_json::from_value(json!({
            "callId": "c1",
            "state": "someFutureState",
            "firstSeq": 3,
            "startedAt": 1000.0,
            "addedInVersion2": true
        }))
        .unwrap();
        assert_eq!(call.state, "someFutureState");
        assert!(call.flags.is_empty() && call.seqs.is_empty() && call.ended_at.is_none());

        let req: InboundSummary = serde_json::from_value(json!({
            "id": 4, "tabId": 2, "state": "taken", "startedAt": 5.0, "extra": [1]
        }))
        .unwrap();
        assert_eq!(req.linked_call, None);
    }

    #[test]
    fn round_trips() {
        let call = CallSummary {
            call_id: "c1".into(),
            state: "ended".into(),
            tabs: vec![1, 2],
            sites: vec!["https://shop.example".into()],
            first_seq: 1,
            seqs: vec![1, 2, 3],
            started_at: 1000.0,
            ended_at: Some(6000.0),
            duration_ms: Some(5000.0),
            accept_delay_ms: Some(1200.0),
            flags: vec![FlagSummary {
                code: "accepted-twice".into(),
                message: "m".into(),
                seq: 3,
            }],
            linked_inbound: vec![7],
        };
        let json = serde_json::to_value(&call).unwrap();
        assert_eq!(json["acceptDelayMs"], json!(1200.0));
        assert_eq!(json["linkedInbound"], json!([7]));
        assert_eq!(serde_json::from_value::<CallSummary>(json).unwrap(), call);
    }
}
