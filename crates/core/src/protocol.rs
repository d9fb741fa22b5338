//! The versioned messages between content script, background and popup.
//!
//! Architecture invariant: every message that crosses a context boundary is one of these
//! serde types and carries `v`. The background decodes with [`decode`], which never
//! panics; a message that fails is counted as malformed and dropped on its own.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Version of the message protocol. Bump it when a message's meaning changes.
pub const PROTOCOL_VERSION: u32 = 1;

/// The most events one capture message may carry; a sender splits larger batches.
pub const MAX_BATCH: usize = 2000;

/// A message to the background.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum Request {
    /// Events from one document, in the order the page fired them.
    Capture {
        v: u32,
        /// Random per-document token (see `record::Origin`).
        document: String,
        events: Vec<PageEvent>,
    },
    /// A frame's sentinel saw its first event: inject the Rust engine into that frame.
    LoadEngine {
        v: u32,
        /// The frame's document token. The background remembers which tab and frame the
        /// browser reported for this message, for captures from the same document that
        /// arrive without a tab (Firefox sends none while the tab closes).
        #[serde(default)]
        document: Option<String>,
    },
    /// The popup asks to empty the log.
    Clear { v: u32 },
    /// The popup pauses or resumes capture.
    SetPaused { v: u32, paused: bool },
    /// The popup chooses whether the log survives a browser restart.
    SetKeepAcrossRestarts { v: u32, keep: bool },
    /// The popup changes the retention limit, in events.
    SetRetention { v: u32, max_events: u64 },
    /// Whether the toolbar button opens the side panel (true) or the popup (false).
    SetToolbarOpensPanel { v: u32, panel: bool },
    /// An extension page asks how capture is going; answered with [`Response::Status`].
    Status { v: u32 },
    /// An extension page fires one event into a tab, in the page's own world; answered
    /// with [`Response::Fired`] or a refusal (see `fire::validate`).
    #[serde(rename_all = "camelCase")]
    Fire {
        v: u32,
        tab_id: i64,
        target: crate::fire::FireTarget,
        /// The DOM event name: one of the eight, or the request is refused.
        #[serde(rename = "type")]
        kind: String,
        /// A JSON object; a `callId` is added when it has none, unless `no_call_id`.
        detail: Value,
        #[serde(default)]
        no_call_id: bool,
    },
    /// An extension page starts a run in a tab: a preset, or the replay of a recorded or
    /// imported call (`replay::RunSource`). The background owns it from then on (it
    /// outlives the page); answered with [`Response::RunStarted`] or a refusal. A tab has
    /// one run at a time: this replaces the tab's earlier run.
    #[serde(rename_all = "camelCase")]
    RunStart {
        v: u32,
        tab_id: i64,
        speed: crate::replay::Speed,
        source: crate::replay::RunSource,
    },
    /// Fires a run's next step now (step by step, or ahead of its time); answered `Done`
    /// once it was fired, or a refusal.
    #[serde(rename_all = "camelCase")]
    RunNext { v: u32, run_id: String },
    /// Stops a run: no further step fires. Answered `Done`.
    #[serde(rename_all = "camelCase")]
    RunStop { v: u32, run_id: String },
    /// From `content-script/bridge.js`, which runs only on sites opted in to handler
    /// reports: what the page's world reported about its own `fullview:*` listeners
    /// (`crate::handlers`). Each report is the page's text, parsed and bounded one by one by
    /// `handlers::parse_report`; the tab and frame come from the browser's sender. Answered
    /// [`Response::Done`] or a refusal.
    HandlerReports {
        v: u32,
        /// The bridge's random token for its document (at most
        /// `handlers::MAX_DOCUMENT_CHARS`).
        document: String,
        /// At most `handlers::MAX_REPORTS_PER_MESSAGE`.
        reports: Vec<String>,
    },
    /// An extension page turns handler reports on or off for the site of `url` (stored under
    /// `handlers::SITES_KEY`; the background registers the hook only there). Answered
    /// [`Response::Done`] or a refusal.
    SetHandlerSite { v: u32, url: String, on: bool },
}

/// One event as the content script saw it. The background adds tab, frame and seq.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PageEvent {
    /// Counter within the document, from 1.
    pub n: u64,
    /// The DOM event name; validated against `EventKind` by the background.
    #[serde(rename = "type")]
    pub kind: String,
    /// Milliseconds since the epoch: `performance.timeOrigin + event.timeStamp`.
    pub captured_at: f64,
    pub url: String,
    #[serde(default)]
    pub detail: Value,
    #[serde(default)]
    pub detail_truncated: bool,
}

/// The background's answer to a [`Request`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum Response {
    /// The events are durably stored (or were already); the sender may forget them.
    Stored {
        v: u32,
        stored: u32,
        duplicates: u32,
    },
    /// Capture is paused; the events were not stored, deliberately.
    Paused {
        v: u32,
    },
    Done {
        v: u32,
    },
    /// The request was refused; `reason` says why in plain words.
    Refused {
        v: u32,
        reason: String,
        /// True when the same request may succeed later (storage failed, the worker was
        /// busy starting), so the sender keeps it and sends it again; false when it never
        /// will (malformed, wrong version, wrong sender), so resending helps nobody.
        /// Absent means false: a refusal is final unless it says otherwise.
        #[serde(default)]
        retry: bool,
    },
    /// The answer to [`Request::Fire`]: dispatched, with the callId the detail carried and
    /// the frames that ran it.
    #[serde(rename_all = "camelCase")]
    Fired {
        v: u32,
        call_id: Option<String>,
        /// The background's token for this fire; the captured records carry it.
        nonce: String,
        /// How many frames the event was dispatched in (all tabs together).
        frames: u32,
    },
    /// The answer to [`Request::RunStart`]: the run is kept and going. Its progress is in
    /// storage (`replay::RUNS_KEY`), where the pages read it.
    #[serde(rename_all = "camelCase")]
    RunStarted {
        v: u32,
        run_id: String,
        steps: u32,
    },
    /// The answer to [`Request::Status`], also sent unasked to the extension's pages
    /// whenever it changes.
    Status {
        v: u32,
        health: Health,
    },
}

/// What the background tells the open inspector pages unasked, over the port each page
/// opens ([`LOG_PORT`]). Small on purpose: a page reads what changed from storage itself,
/// so a burst never carries the log's contents to the pages' main threads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum Notice {
    /// The log in storage changed (events, notes, settings, a clear): `last_seq` is the last
    /// seq given out so far (0 when the background does not know yet); after a clear or an
    /// eviction the log holds fewer. Sent at most once per `notify::GAP_MS`, and once
    /// when a page connects, so a page that connected just after a write still hears of it.
    LogChanged { v: u32, last_seq: u64 },
    /// How the background's writes are going, whenever that changes (as
    /// [`Response::Status`] answers [`Request::Status`]).
    Status { v: u32, health: Health },
}

/// The name of the port an inspector page opens to the background (`runtime.connect`) to
/// hear [`Notice`]s. The background accepts it only from the extension's own pages.
pub const LOG_PORT: &str = "fvi-log";

impl Notice {
    /// Reads a notice; `None` for anything else, or another protocol version. A page that
    /// gets one it cannot read reloads the log anyway: that is always safe, as the log in
    /// storage is the truth.
    pub fn decode(value: Value) -> Option<Notice> {
        let notice: Notice = serde_json::from_value(value).ok()?;
        let v = match &notice {
            Notice::LogChanged { v, .. } | Notice::Status { v, .. } => *v,
        };
        (v == PROTOCOL_VERSION).then_some(notice)
    }
}

/// How the background's writes are going, for the extension's pages to show.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Health {
    /// When storage writes started failing (ms since the epoch); `None` while they work.
    pub storage_failing_since: Option<f64>,
    /// The browser's words for the last failed write.
    pub last_storage_error: Option<String>,
    /// Events refused because storage failed and not stored since: their senders hold them
    /// and send them again.
    pub waiting_events: u64,
    /// Events that were waiting when the page holding them went away, before storage took
    /// them: nothing will send them again, so they are lost, by cause. (Should one arrive
    /// after all, it is stored and no longer counted.)
    #[serde(default)]
    pub lost_events: LostEvents,
}

/// Waiting events given up on, by why (see [`Health::lost_events`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LostEvents {
    /// Their tab closed (`tabs.onRemoved`).
    pub tab_closed: u64,
    /// Their page was not heard from for `store::WAIT_SILENCE_MS` while they waited: it
    /// navigated away, its frame was removed, or the browser discarded it.
    pub page_gone: u64,
}

impl LostEvents {
    pub fn total(&self) -> u64 {
        self.tab_closed + self.page_gone
    }
}

impl Health {
    /// The storage notice for the extension's pages, in plain words; empty when there is
    /// nothing to say. `since` is `storage_failing_since` as the page shows times (local).
    pub fn notice(&self, since: &str) -> String {
        let waiting = self.waiting_events;
        let mut text = match self.storage_failing_since {
            Some(_) => {
                let error = self
                    .last_storage_error
                    .as_deref()
                    .map(|e| format!(" The browser said: {}.", clip(e, 200)))
                    .unwrap_or_default();
                if waiting > 0 {
                    format!(
                        "Storage is failing since {since}: {} waiting to be stored. Their \
                         pages keep them and send them again; keep those tabs open until \
                         this notice goes away.{error}",
                        plural(waiting, "event is", "events are")
                    )
                } else {
                    format!(
                        "Storage is failing since {since}: no event is waiting to be stored \
                         now, but new ones cannot be stored until it works again.{error}"
                    )
                }
            }
            None if waiting > 0 => format!(
                "Storage works again; {} refused while it failed not stored yet (their pages \
                 send them again).",
                plural(waiting, "event", "events")
            ),
            None => String::new(),
        };
        let lost = self.lost_events;
        if lost.total() > 0 {
            let mut causes = Vec::new();
            if lost.tab_closed > 0 {
                causes.push(format!(
                    "{} because {} tab closed",
                    count(lost.tab_closed),
                    if lost.tab_closed == 1 { "its" } else { "their" }
                ));
            }
            if lost.page_gone > 0 {
                causes.push(format!(
                    "{} because {} page went silent for {} min (navigated away, or its frame \
                     was removed)",
                    count(lost.page_gone),
                    if lost.page_gone == 1 { "its" } else { "their" },
                    crate::store::WAIT_SILENCE_MS / 60_000.0
                ));
            }
            let lost_text = format!(
                "{} lost, refused while storage failed and no longer held by any page: {}.",
                plural(lost.total(), "event was", "events were"),
                causes.join("; ")
            );
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(&lost_text);
        }
        text
    }
}

/// `1 event`, `1,234 events`.
fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", count(n), if n == 1 { one } else { many })
}

/// `1,234`, grouped as the popup writes counts.
fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    grouped
}

/// `s` cut to `max` characters, with `…` in place of what went.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

impl Response {
    /// A refusal that is final: the request will never be accepted as it is.
    pub fn refused(reason: impl Into<String>) -> Response {
        Response::Refused {
            v: PROTOCOL_VERSION,
            reason: reason.into(),
            retry: false,
        }
    }

    /// A refusal worth retrying: the same request may succeed later.
    pub fn retry_later(reason: impl Into<String>) -> Response {
        Response::Refused {
            v: PROTOCOL_VERSION,
            reason: reason.into(),
            retry: true,
        }
    }
}

/// Why a message was not accepted.
#[derive(Debug, Clone, PartialEq)]
pub enum DecodeError {
    WrongVersion(Option<u64>),
    Malformed(String),
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::WrongVersion(Some(v)) => {
                write!(f, "protocol version {v}, expected {PROTOCOL_VERSION}")
            }
            DecodeError::WrongVersion(None) => write!(f, "message has no protocol version"),
            DecodeError::Malformed(e) => write!(f, "malformed message: {e}"),
        }
    }
}

/// Decodes a message from its JSON text. Checks the version before the shape, so an old or
/// future sender gets a clear answer. It takes text, not a `Value`: the background keeps
/// large capture messages as text until their job runs and decodes one at a time, without
/// building a `Value` of the whole message first (BENCHMARKS.md, background memory).
pub fn decode(text: &str) -> Result<Request, DecodeError> {
    /// Only `v`; the rest of the message is skipped, not built.
    #[derive(Deserialize)]
    struct Versioned {
        #[serde(default)]
        v: Option<Value>,
    }
    // Only an object has a `v` (serde would also read a struct from an array).
    let v = Some(text)
        .filter(|t| t.trim_start().starts_with('{'))
        .and_then(|t| serde_json::from_str::<Versioned>(t).ok())
        .and_then(|m| m.v)
        .and_then(|v| v.as_u64());
    match v {
        Some(v) if v == u64::from(PROTOCOL_VERSION) => {}
        other => return Err(DecodeError::WrongVersion(other)),
    }
    let request: Request =
        serde_json::from_str(text).map_err(|e| DecodeError::Malformed(e.to_string()))?;
    within_batch(request)
}

fn within_batch(request: Request) -> Result<Request, DecodeError> {
    if let Request::Capture { events, .. } = &request {
        if events.len() > MAX_BATCH {
            return Err(DecodeError::Malformed(format!(
                "{} events in one message, at most {MAX_BATCH}",
                events.len()
            )));
        }
    }
    if let Request::HandlerReports {
        document, reports, ..
    } = &request
    {
        use crate::handlers::{MAX_DOCUMENT_CHARS, MAX_REPORTS_PER_MESSAGE};
        if reports.len() > MAX_REPORTS_PER_MESSAGE {
            return Err(DecodeError::Malformed(format!(
                "{} reports in one message, at most {MAX_REPORTS_PER_MESSAGE}",
                reports.len()
            )));
        }
        if document.is_empty() || document.chars().count() > MAX_DOCUMENT_CHARS {
            return Err(DecodeError::Malformed(format!(
                "a document token of 1 to {MAX_DOCUMENT_CHARS} characters"
            )));
        }
    }
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_a_capture() {
        let msg = json!({"kind": "capture", "v": 1, "document": "d1", "events": [
            {"n": 1, "type": "fullview:callAccepted", "capturedAt": 1.5, "url": "http://x/",
             "detail": {"callId": "c"}}
        ]});
        let Request::Capture { events, .. } = decode(&msg.to_string()).unwrap() else {
            panic!("not a capture")
        };
        assert_eq!(events[0].kind, "fullview:callAccepted");
        assert!(!events[0].detail_truncated);
    }

    #[test]
    fn load_engine_may_name_its_document() {
        assert_eq!(
            decode(&json!({"kind": "loadEngine", "v": 1}).to_string()).unwrap(),
            Request::LoadEngine {
                v: 1,
                document: None
            }
        );
        assert_eq!(
            decode(&json!({"kind": "loadEngine", "v": 1, "document": "d1"}).to_string()).unwrap(),
            Request::LoadEngine {
                v: 1,
                document: Some("d1".into())
            }
        );
    }

    #[test]
    fn refuses_other_versions_and_shapes() {
        let cases = [
            (json!({"kind": "clear"}), "message has no protocol version"),
            (
                json!({"kind": "clear", "v": 2}),
                "protocol version 2, expected 1",
            ),
            (json!("hello"), "message has no protocol version"),
            (
                json!({"kind": "nope", "v": 1}),
                "malformed message: unknown variant",
            ),
            (
                json!({"kind": "capture", "v": 1, "document": 5, "events": []}),
                "malformed message: invalid type",
            ),
        ];
        for (input, expect) in cases {
            let err = decode(&input.to_string()).unwrap_err().to_string();
            assert!(err.starts_with(expect), "{input}: {err}");
        }
    }

    #[test]
    fn decodes_a_fire() {
        let msg = json!({"kind": "fire", "v": 1, "tabId": 4, "target": {"to": "frame", "frameId": 2},
            "type": "fullview:callEnded", "detail": {"callId": "c"}});
        assert_eq!(
            decode(&msg.to_string()).unwrap(),
            Request::Fire {
                v: 1,
                tab_id: 4,
                target: crate::fire::FireTarget::Frame { frame_id: 2 },
                kind: "fullview:callEnded".into(),
                detail: json!({"callId": "c"}),
                no_call_id: false,
            }
        );
        let answer = Response::Fired {
            v: 1,
            call_id: Some("c".into()),
            nonce: "n".into(),
            frames: 1,
        };
        assert_eq!(
            serde_json::to_value(&answer).unwrap(),
            json!({"kind": "fired", "v": 1, "callId": "c", "nonce": "n", "frames": 1})
        );
    }

    #[test]
    fn handler_reports_are_bounded_in_number_and_token() {
        let ok = json!({"kind": "handlerReports", "v": 1, "document": "d", "reports": ["{}"]});
        assert!(decode(&ok.to_string()).is_ok());
        let many: Vec<String> = vec!["{}".into(); crate::handlers::MAX_REPORTS_PER_MESSAGE + 1];
        let cases = [
            (
                json!({"kind": "handlerReports", "v": 1, "document": "d", "reports": many}),
                "malformed message: 201 reports in one message, at most 200",
            ),
            (
                json!({"kind": "handlerReports", "v": 1, "document": "", "reports": []}),
                "malformed message: a document token of 1 to 64 characters",
            ),
            (
                json!({"kind": "handlerReports", "v": 1, "document": "d", "reports": [{}]}),
                "malformed message: invalid type",
            ),
            (
                json!({"kind": "setHandlerSite", "v": 1, "url": "http://a/", "on": "yes"}),
                "malformed message: invalid type",
            ),
        ];
        for (input, expect) in cases {
            let err = decode(&input.to_string()).unwrap_err().to_string();
            assert!(err.starts_with(expect), "{input}: {err}");
        }
    }

    #[test]
    fn a_refusal_is_final_unless_it_says_retry() {
        let cases = [
            (json!({"kind": "refused", "v": 1, "reason": "r"}), false),
            (
                json!({"kind": "refused", "v": 1, "reason": "r", "retry": true}),
                true,
            ),
        ];
        for (input, expect) in cases {
            let Response::Refused { retry, .. } = serde_json::from_value(input.clone()).unwrap()
            else {
                panic!("not a refusal: {input}")
            };
            assert_eq!(retry, expect, "{input}");
        }
        assert_eq!(
            serde_json::to_value(Response::retry_later("storage failed")).unwrap(),
            json!({"kind": "refused", "v": 1, "reason": "storage failed", "retry": true})
        );
    }

    /// The run requests as an extension page writes them, and what the background reads.
    #[test]
    fn run_requests_on_the_wire() {
        use crate::fire::FireTarget;
        use crate::replay::{ReplayEvent, RunSource, Speed};
        let cases = [
            (
                json!({"kind": "runStart", "v": 1, "tabId": 4, "speed": "noGaps",
                    "source": {"from": "replay", "label": "c1", "events": [
                        {"type": "fullview:callEnded", "capturedAt": 5.0, "detail": {"callId": "c1"}}]}}),
                Request::RunStart {
                    v: 1,
                    tab_id: 4,
                    speed: Speed::NoGaps,
                    source: RunSource::Replay {
                        label: "c1".into(),
                        events: vec![ReplayEvent {
                            kind: "fullview:callEnded".into(),
                            captured_at: 5.0,
                            detail: json!({"callId": "c1"}),
                        }],
                    },
                },
            ),
            (
                json!({"kind": "runStart", "v": 1, "tabId": 4, "speed": "step",
                    "source": {"from": "preset", "id": "outbound-denied", "callId": "p",
                        "target": {"to": "allFrames"}}}),
                Request::RunStart {
                    v: 1,
                    tab_id: 4,
                    speed: Speed::Step,
                    source: RunSource::Preset {
                        id: "outbound-denied".into(),
                        call_id: "p".into(),
                        target: FireTarget::AllFrames,
                    },
                },
            ),
            (
                json!({"kind": "runNext", "v": 1, "runId": "r"}),
                Request::RunNext {
                    v: 1,
                    run_id: "r".into(),
                },
            ),
            (
                json!({"kind": "runStop", "v": 1, "runId": "r"}),
                Request::RunStop {
                    v: 1,
                    run_id: "r".into(),
                },
            ),
        ];
        for (wire, request) in cases {
            assert_eq!(decode(&wire.to_string()), Ok(request.clone()), "{wire}");
            assert_eq!(serde_json::to_value(&request).unwrap(), wire);
        }
        let unknown = json!({"kind": "runStart", "v": 1, "tabId": 4, "speed": "warp",
            "source": {"from": "preset", "id": "x", "callId": "p", "target": {"to": "top"}}});
        assert!(decode(&unknown.to_string()).is_err());
    }

    #[test]
    fn notices_are_read_only_in_this_version() {
        let cases = [
            (
                json!({"kind": "logChanged", "v": 1, "lastSeq": 42}),
                Some(Notice::LogChanged { v: 1, last_seq: 42 }),
            ),
            (
                json!({"kind": "status", "v": 1, "health": {"storageFailingSince": null,
                    "lastStorageError": null, "waitingEvents": 3}}),
                Some(Notice::Status {
                    v: 1,
                    health: Health {
                        waiting_events: 3,
                        ..Health::default()
                    },
                }),
            ),
            (json!({"kind": "logChanged", "v": 2, "lastSeq": 42}), None),
            (json!({"kind": "logChanged", "lastSeq": 42}), None),
            (
                json!({"kind": "stored", "v": 1, "stored": 1, "duplicates": 0}),
                None,
            ),
            (json!("logChanged"), None),
        ];
        for (input, expect) in cases {
            assert_eq!(Notice::decode(input.clone()), expect, "{input}");
        }
        // What the background sends is what the page reads.
        let sent = Notice::LogChanged {
            v: PROTOCOL_VERSION,
            last_seq: 7,
        };
        assert_eq!(
            Notice::decode(serde_json::to_value(&sent).unwrap()),
            Some(sent)
        );
    }

    #[test]
    fn decodes_what_serde_reads_from_a_value() {
        let event = json!({"n": 1, "type": "fullview:callAccepted", "capturedAt": 1.5,
            "url": "http://x/", "detail": {"callId": "c", "deep": [1, {"a": null}]}});
        let cases = [
            json!({"kind": "capture", "v": 1, "document": "d1", "events": [event]}),
            json!({"kind": "loadEngine", "v": 1, "document": "d1"}),
            json!({"kind": "clear", "v": 1}),
            json!({"v": 1, "kind": "setPaused", "paused": true}),
        ];
        for input in cases {
            // The oracle: serde reading the parsed value directly, without our checks.
            let direct: Request = serde_json::from_value(input.clone()).unwrap();
            assert_eq!(decode(&input.to_string()), Ok(direct), "{input}");
        }
        // Not JSON at all (the browser gave `undefined`), or not an object.
        for text in ["null", "", "[1]", "{\"v\": \"1\"}"] {
            assert!(
                matches!(decode(text), Err(DecodeError::WrongVersion(None))),
                "{text}"
            );
        }
        // Too many events: refused like a decoded value.
        let events: Vec<Value> = (1..=MAX_BATCH as u64 + 1)
            .map(|n| json!({"n": n, "type": "t", "capturedAt": 0, "url": "u"}))
            .collect();
        let big = json!({"kind": "capture", "v": 1, "document": "d", "events": events});
        assert!(decode(&big.to_string())
            .unwrap_err()
            .to_string()
            .contains("at most 2000"));
    }
}
