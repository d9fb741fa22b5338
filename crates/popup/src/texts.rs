//! Texts that depend on time or on the log, derived from the state at render time so they
//! cannot go stale: the status line, the summary, and the answer box of a call. Plain data
//! in, plain data out (`PartialEq`), tested on the host.
//!
//! Two such texts went stale before: "No answer from the customer yet (N since the
//! request)" was judged once, when the model was built, and a render cache that ignored
//! the clock kept it; and the status line said "The log was cleared." beside "18 events ·
//! 4 calls", because a message, once written, stayed until the next one.

use fvi_core::lifecycle::CallState;
use fvi_core::tabs::{request_number, TabLabels};
use fvi_core::EventKind;
use serde_json::Value;

use crate::format::{self, Clock};
use crate::model::{Data, Model};
use fvi_core::timeline::{Call, InboundRequest};

/// What a status message says is true for as long as it is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holds {
    /// A message about an action (copied, exported, an error): it stays until the next.
    Always,
    /// About the log as it was at `log_version` ("Loaded 18 events."): gone once it changes.
    UntilLogChanges(u64),
    /// "The log was cleared.": until the log holds events again (it is not reloaded yet
    /// at `log_version`, so it still shows the old events then).
    UntilEventsAfter(u64),
    /// "Capture paused…" / "Capture resumed.": while capture is in that state.
    WhilePaused(bool),
    /// "The log now keeps at most N events…": while that is the limit.
    WhileLimit(u64),
}

/// The status line's message, and what it depends on.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub text: String,
    pub error: bool,
    pub holds: Holds,
}

impl Default for Status {
    fn default() -> Status {
        Status {
            text: String::new(),
            error: false,
            holds: Holds::Always,
        }
    }
}

/// What the status line's messages are judged against.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LogFacts {
    pub log_version: u64,
    pub events: usize,
    /// Capture paused, as the live meta says (`None` while there is no meta, or an
    /// imported file is shown).
    pub paused: Option<bool>,
    pub max_events: Option<u64>,
}

/// The status line as shown: the message while what it says still holds, else nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusView {
    pub text: String,
    pub error: bool,
}

pub fn status_view(status: &Status, facts: &LogFacts) -> StatusView {
    let holds = match status.holds {
        Holds::Always => true,
        Holds::UntilLogChanges(version) => facts.log_version == version,
        Holds::UntilEventsAfter(version) => facts.log_version == version || facts.events == 0,
        Holds::WhilePaused(paused) => facts.paused == Some(paused),
        Holds::WhileLimit(limit) => facts.max_events == Some(limit),
    };
    if holds {
        StatusView {
            text: status.text.clone(),
            error: status.error,
        }
    } else {
        StatusView {
            text: String::new(),
            error: false,
        }
    }
}

/// What `#summary` counts: the log on screen.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Figures {
    pub events: usize,
    pub calls: usize,
    pub tabs: usize,
    pub problems: usize,
    /// The first and last capture time, when the log holds events.
    pub span: Option<(f64, f64)>,
    /// The live log, or an imported file.
    pub live: bool,
}

/// `#summary`: its text, and the problem count, which is a button that leads to them.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryView {
    /// "18 events · 4 calls"; for an imported file, its figures: "Imported file: 18
    /// events · 4 calls · 2 tabs · 2026-11-23 14:03:07 to 14:20:11 (17 min)".
    pub text: String,
    /// "⚠ 2 problems", when there are any.
    pub problems: Option<String>,
}

pub fn summary(f: &Figures, clock: &dyn format::Clock) -> SummaryView {
    let mut parts = vec![
        format::plural(f.events, "event", "events"),
        format::plural(f.calls, "call", "calls"),
    ];
    if !f.live {
        parts.push(format::plural(f.tabs, "tab", "tabs"));
        if let Some((from, to)) = f.span {
            let (start, end) = (clock.date_time(from), clock.date_time(to));
            let end = match (start.get(..11), end.get(11..)) {
                (Some(day), Some(time)) if end.starts_with(day) => time.to_string(),
                _ => end,
            };
            parts.push(if to > from {
                format!(
                    "{start} to {end} ({})",
                    fvi_core::time::readable_duration(to - from)
                )
            } else {
                start
            });
        }
    }
    let text = parts.join(" · ");
    SummaryView {
        text: if f.live {
            text
        } else {
            format!("Imported file: {text}")
        },
        problems: (f.problems > 0)
            .then(|| format!("⚠ {}", format::plural(f.problems, "problem", "problems"))),
    }
}

/// `#accept-delay`: the answer the engineer looks for first.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub class: &'static str,
    pub text: String,
    /// The text counts time up to `now`, so it must be re-rendered as time passes.
    pub ticking: bool,
}

/// How long the customer took, or that they refused, or that nobody answered yet (and for
/// how long, up to `now`: the render's clock, not the model's).
pub fn answer(call: &Call, data: Data, now: f64) -> Answer {
    let (class, text, ticking) = match (call.accept_delay_ms, call.state) {
        (Some(d), _) => (
            "answer accepted",
            format!("The customer accepted after {}", format::duration(d)),
            false,
        ),
        (None, CallState::Denied) => match call.deny_delay_ms {
            Some(d) => (
                "answer denied",
                format!("The customer denied the call after {}", format::duration(d)),
                false,
            ),
            None => (
                "answer denied",
                "The customer denied the call".to_string(),
                false,
            ),
        },
        (None, CallState::Requested) => (
            "answer waiting",
            format!(
                "No answer from the customer yet ({} since the request)",
                format::duration((now - call.start).max(0.0))
            ),
            true,
        ),
        (None, _) => {
            let has = |kind: EventKind| call.events.iter().any(|i| data.events[*i].kind == kind);
            let line = match (has(EventKind::CallRequested), has(EventKind::CallAccepted)) {
                (false, true) if !call.linked_inbound.is_empty() => {
                    "The call answered the customer's own support request, so there was no call \
                     request to accept"
                }
                (false, true) => {
                    "The customer accepted, but no request was captured, so how long they took \
                     is unknown"
                }
                (true, false) if call.end.is_some() => {
                    "The call ended before the customer accepted (request withdrawn)"
                }
                _ => {
                    "No request and accept were captured, so how long the customer took is unknown"
                }
            };
            ("answer unknown", line.to_string(), false)
        }
    };
    Answer {
        class,
        text,
        ticking,
    }
}

/// One entry of the facts list (`dl.facts`): a name, a value, and the value's hover text.
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    pub name: &'static str,
    pub text: String,
    pub title: Option<String>,
}

fn fact(name: &'static str, text: impl Into<String>, title: Option<String>) -> Fact {
    Fact {
        name,
        text: text.into(),
        title,
    }
}

/// "requested (waiting for the customer)", but "ended", not "ended (ended)".
pub fn state_words(name: &str, label: &str) -> String {
    if name == label {
        name.to_string()
    } else {
        format!("{name} ({label})")
    }
}

/// The selected call's facts: its state, its tabs by label (with the browser's ids, which
/// the rest of the screen keeps to hover texts), its sites, its start in local time (UTC on
/// hover) and how long it lasted. What the answer box above says is not said again: a
/// denied call has no "lasted" (it lasted until the refusal).
pub fn call_facts(call: &Call, data: Data, tabs: &TabLabels, clock: &dyn Clock) -> Vec<Fact> {
    let mut facts = vec![fact(
        "State",
        state_words(call.state.as_str(), call.state.label()),
        None,
    )];
    let named: Vec<String> = call
        .tabs
        .iter()
        .map(|t| format!("{} (browser tab {t})", tabs.short(*t)))
        .collect();
    let hovers: Vec<String> = call.tabs.iter().map(|t| tabs.hover(*t)).collect();
    facts.push(fact(
        if call.tabs.len() == 1 { "Tab" } else { "Tabs" },
        named.join("; "),
        Some(hovers.join("\n")),
    ));
    let sites = call.sites(data.events);
    if !sites.is_empty() {
        facts.push(fact("Sites", sites.join(", "), None));
    }
    facts.push(fact(
        "Started",
        clock.date_time(call.start),
        Some(format!("UTC {}", format::utc(call.start))),
    ));
    let denied = call.state == CallState::Denied && call.deny_delay_ms.is_some();
    match call.end {
        Some(_) if denied => {}
        Some(end) => facts.push(fact(
            "Lasted",
            format::duration(end - call.start),
            Some(format!("ended UTC {}", format::utc(end))),
        )),
        None => facts.push(fact(
            "Lasted",
            format!(
                "not finished; last event {} after the start",
                format::duration(call.last_at - call.start)
            ),
            None,
        )),
    }
    facts.push(fact("Events", call.events.len().to_string(), None));
    facts
}

/// "request 2 of 2 in T1 · Shop": inbound requests numbered in order within their tab,
/// not by `seq`.
pub fn request_name(model: &Model, req: &InboundRequest) -> String {
    let (n, of) = request_number(
        model.inbound.iter().map(|r| (r.tab_id, r.start, r.id)),
        req.id,
    )
    .unwrap_or((1, 1));
    format!("request {n} of {of} in {}", model.tabs.short(req.tab_id))
}

/// Whether a step's `detail` only repeats the header (`{"callId": <this call>}`), so it
/// starts folded: the reader opens the details that say something.
pub fn detail_repeats_header(detail: &Value, call_id: &str) -> bool {
    match detail {
        Value::Object(map) => {
            map.len() == 1 && map.get("callId").and_then(Value::as_str) == Some(call_id)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;
    use fvi_core::EventRecord;
    use serde_json::json;

    fn requested(seq: u64, call: &str, at: f64) -> EventRecord {
        // The facts test below reads this site and no top URL.
        let mut e = crate::fixtures::record(seq, EventKind::CallRequested, Some(call), 1, at);
        e.url = "https://shop.example/".into();
        e.top_url = None;
        e.origin.document = "d".into();
        e
    }

    /// The waiting text counts up to the render's `now`, whatever "now" the model was
    /// built at: the same model rendered 5 s and 65 s after the request says so.
    #[test]
    fn the_waiting_answer_counts_to_the_render_clock() {
        let events = vec![requested(1, "c", 1_000.0)];
        let data = Data {
            events: &events,
            notes: &[],
            now: 2_000.0,
        };
        let model = Model::build(data);
        let call = model.call("c").unwrap();
        let cases = [
            (
                6_000.0,
                "No answer from the customer yet (5.0 s since the request)",
            ),
            (
                66_000.0,
                "No answer from the customer yet (1 min 5 s since the request)",
            ),
        ];
        for (now, want) in cases {
            let a = answer(call, data, now);
            assert_eq!(a.text, want, "at {now}");
            assert_eq!(a.class, "answer waiting");
            assert!(a.ticking, "a waiting answer re-renders as time passes");
        }
    }

    #[test]
    fn a_settled_answer_does_not_tick() {
        let mut events = vec![requested(1, "c", 1_000.0), requested(2, "c", 1_000.0)];
        events[1].seq = 2;
        events[1].kind = EventKind::CallAccepted;
        events[1].captured_at = 4_500.0;
        let data = Data {
            events: &events,
            notes: &[],
            now: 5_000.0,
        };
        let model = Model::build(data);
        let a = answer(model.call("c").unwrap(), data, 99_000.0);
        assert_eq!(
            (a.class, a.text.as_str(), a.ticking),
            (
                "answer accepted",
                "The customer accepted after 3.5 s",
                false
            )
        );
    }

    /// Each message against the log's facts: (message, facts now, what the line shows).
    #[test]
    fn status_messages_hold_only_while_true() {
        let at = |log_version, events, paused, max_events| LogFacts {
            log_version,
            events,
            paused,
            max_events,
        };
        let msg = |text: &str, holds| Status {
            text: text.into(),
            error: false,
            holds,
        };
        let cleared = msg("The log was cleared.", Holds::UntilEventsAfter(3));
        let loaded = msg("Loaded 18 events.", Holds::UntilLogChanges(3));
        let paused = msg("Capture paused.", Holds::WhilePaused(true));
        let limit = msg(
            "The log now keeps at most 500 events.",
            Holds::WhileLimit(500),
        );
        let copied = msg("Copied.", Holds::Always);
        let cases: Vec<(&Status, LogFacts, &str)> = vec![
            // Cleared, before the reload that empties the list: still true.
            (
                &cleared,
                at(3, 18, Some(false), None),
                "The log was cleared.",
            ),
            // Reloaded, and empty.
            (
                &cleared,
                at(4, 0, Some(false), None),
                "The log was cleared.",
            ),
            // Events arrived since: "cleared" beside "18 events · 4 calls" is gone.
            (&cleared, at(5, 18, Some(false), None), ""),
            (&loaded, at(3, 18, None, None), "Loaded 18 events."),
            (&loaded, at(4, 25, None, None), ""),
            (&paused, at(9, 1, Some(true), None), "Capture paused."),
            (&paused, at(9, 1, Some(false), None), ""),
            (
                &limit,
                at(9, 1, None, Some(500)),
                "The log now keeps at most 500 events.",
            ),
            (&limit, at(9, 1, None, Some(1000)), ""),
            (&copied, at(99, 5, Some(true), Some(1)), "Copied."),
        ];
        for (status, facts, want) in cases {
            assert_eq!(
                status_view(status, &facts).text,
                want,
                "{status:?} at {facts:?}"
            );
        }
    }

    /// The facts of an accepted call and of a denied one, with titled tabs: labels, the
    /// browser's ids, local time shown and UTC on hover, no fact said twice.
    #[test]
    fn call_facts_name_tabs_and_say_each_time_once() {
        let t = 1_795_504_731_123.0;
        let mut events = vec![
            requested(1, "a", t),
            requested(2, "a", t + 5.0),
            requested(3, "d", t + 20_000.0),
            requested(4, "d", t + 27_020.0),
        ];
        events[0].top_title = Some("Acme CRM – Customers".into());
        events[1].tab_id = 1465902118;
        events[1].kind = EventKind::CallAccepted;
        events[1].captured_at = t + 4_000.0;
        events[3].kind = EventKind::CallDenied;
        let data = Data {
            events: &events,
            notes: &[],
            now: t + 60_000.0,
        };
        let model = Model::build(data);
        let clock = crate::format::FixedClock(t + 60_000.0);
        let facts = |id: &str| -> Vec<(String, String, Option<String>)> {
            call_facts(model.call(id).unwrap(), data, &model.tabs, &clock)
                .into_iter()
                .map(|f| (f.name.to_string(), f.text, f.title))
                .collect()
        };
        let own = |name: &str, text: &str, title: Option<&str>| {
            (name.to_string(), text.to_string(), title.map(String::from))
        };
        assert_eq!(
            facts("a"),
            [
                own("State", "accepted (no end captured yet)", None),
                own(
                    "Tabs",
                    "T1 · Acme CRM – Customers (browser tab 1); T2 (browser tab 1465902118)",
                    Some("Acme CRM – Customers (tab 1)\ntab 1465902118")
                ),
                own("Sites", "https://shop.example", None),
                own(
                    "Started",
                    "2026-11-24 07:18:51",
                    Some("UTC 2026-11-24 07:18:51.123Z")
                ),
                own(
                    "Lasted",
                    "not finished; last event 4.0 s after the start",
                    None
                ),
                own("Events", "2", None),
            ]
        );
        let denied = facts("d");
        assert!(
            !denied.iter().any(|f| f.0 == "Lasted"),
            "the answer box says how long a refusal took: {denied:?}"
        );
    }

    #[test]
    fn only_a_bare_call_id_detail_is_folded() {
        let cases = [
            (json!({ "callId": "c" }), true),
            (json!({ "callId": "other" }), false),
            (json!({ "callId": "c", "reason": "x" }), false),
            (json!(null), false),
        ];
        for (detail, want) in cases {
            assert_eq!(detail_repeats_header(&detail, "c"), want, "{detail}");
        }
    }

    /// A fixed clock in UTC: host tests have no browser to ask for the local zone.
    struct Utc;
    impl format::Clock for Utc {
        fn now(&self) -> f64 {
            0.0
        }
        fn date_time(&self, ms: f64) -> String {
            fvi_core::time::format_utc(ms).chars().take(19).collect()
        }
    }

    /// (figures, text, problem button) for the live log and imported files.
    #[test]
    fn summary_counts_what_is_on_screen() {
        let t = 1_764_000_000_000.0; // 2025-11-24 16:00:00 UTC
        let live = Figures {
            events: 18,
            calls: 4,
            tabs: 2,
            span: Some((t, t + 60_000.0)),
            live: true,
            ..Figures::default()
        };
        let file = Figures {
            live: false,
            problems: 2,
            ..live.clone()
        };
        let cases = [
            (live.clone(), "18 events · 4 calls", None),
            (
                Figures {
                    problems: 1,
                    ..live.clone()
                },
                "18 events · 4 calls",
                Some("⚠ 1 problem"),
            ),
            (
                file.clone(),
                "Imported file: 18 events · 4 calls · 2 tabs · 2025-11-24 16:00:00 to \
                 16:01:00 (1 min 0 s)",
                Some("⚠ 2 problems"),
            ),
            (
                // Over midnight: both dates.
                Figures {
                    span: Some((t, t + 9.0 * 3_600_000.0)),
                    problems: 0,
                    ..file.clone()
                },
                "Imported file: 18 events · 4 calls · 2 tabs · 2025-11-24 16:00:00 to \
                 2025-11-25 01:00:00 (9 h 0 min)",
                None,
            ),
            (
                Figures {
                    events: 1,
                    calls: 1,
                    tabs: 1,
                    span: Some((t, t)),
                    ..file.clone()
                },
                "Imported file: 1 event · 1 call · 1 tab · 2025-11-24 16:00:00",
                Some("⚠ 2 problems"),
            ),
            (
                Figures {
                    events: 0,
                    calls: 0,
                    tabs: 0,
                    span: None,
                    problems: 0,
                    live: false,
                },
                "Imported file: 0 events · 0 calls · 0 tabs",
                None,
            ),
        ];
        for (figures, text, problems) in cases {
            let view = summary(&figures, &Utc);
            assert_eq!(view.text, text, "{figures:?}");
            assert_eq!(view.problems.as_deref(), problems, "{figures:?}");
        }
    }
}
