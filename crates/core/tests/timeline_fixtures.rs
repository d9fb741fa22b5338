//! Data-driven timeline tests (rust-analyzer style `check(input, expect)`): each
//! `fixtures/<name>.json` is a log in a compact form, `fixtures/<name>.txt` the expected
//! [`dump`] (plus any Markdown or summary the fixture asks for).
//!
//! `UPDATE_EXPECT=1 cargo test -p fvi-core --test timeline_fixtures` rewrites the `.txt`
//! files from the current output; read the diff before keeping it.
//!
//! Fixture format:
//! ```text
//! {
//!   "now": 90000,                                // optional; default: the latest time
//!   "thresholds": {"unansweredMs": 60000},       // optional
//!   "filter": {"tab": 2, "kinds": ["fullview:callAccepted"], "text": "abc"},  // optional
//!   "zone": 60,                                  // optional: the reader's UTC offset, minutes
//!   "show": ["markdown:c1", "text:c1", "verdicts", "summary", "labels"],  // optional extra output
//!   "log": [                                     // store order: entry i gets seq i+1
//!     [1000, "callRequested", "c1", 1],          // at, kind, callId|null, tab[, url[, frame[, title]]]
//!     [2000, "tab-closed", 1],                   // a tab note
//!     [3000, "tab-navigated", 1, "https://x/"]
//!   ]
//! }
//! ```

mod common;
mod expect;

use common::record;
use fvi_core::lifecycle::Thresholds;
use fvi_core::summary::summarize;
use fvi_core::tabs::TabLabels;
use fvi_core::time::Zone;
use fvi_core::timeline::{build, build_selected, dump, filter_events, Filter};
use fvi_core::{markdown, EventKind, EventRecord, TabNote, TabNoteKind};
use serde::Deserialize;
use serde_json::Value;
use std::path::{Path, PathBuf};

const DEFAULT_URL: &str = "https://shop.example/";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    now: Option<f64>,
    #[serde(default)]
    thresholds: Thresholds,
    filter: Option<Filter>,
    #[serde(default)]
    zone: i32,
    #[serde(default)]
    show: Vec<String>,
    log: Vec<Vec<Value>>,
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Turns the compact log into records and notes, numbering both in one seq space as the
/// background does.
fn parse_log(log: &[Vec<Value>]) -> (Vec<EventRecord>, Vec<TabNote>) {
    let mut events = Vec::new();
    let mut notes = Vec::new();
    for (i, entry) in log.iter().enumerate() {
        let seq = i as u64 + 1;
        let at = entry[0]
            .as_f64()
            .unwrap_or_else(|| panic!("entry {seq}: time"));
        let kind = entry[1]
            .as_str()
            .unwrap_or_else(|| panic!("entry {seq}: kind"));
        match kind {
            "tab-closed" | "tab-navigated" => {
                let tab_id = entry[2].as_i64().expect("note tab");
                let kind = if kind == "tab-closed" {
                    TabNoteKind::Closed
                } else {
                    TabNoteKind::Navigated {
                        url: entry[3].as_str().expect("navigated url").to_string(),
                    }
                };
                notes.push(TabNote {
                    seq,
                    tab_id,
                    at,
                    kind,
                });
            }
            _ => {
                let kind = EventKind::from_name(&format!("fullview:{kind}"))
                    .unwrap_or_else(|| panic!("entry {seq}: unknown kind {kind}"));
                let call_id = entry[2].as_str().map(str::to_string);
                let url = entry.get(4).and_then(Value::as_str).unwrap_or(DEFAULT_URL);
                let tab = entry[3]
                    .as_i64()
                    .unwrap_or_else(|| panic!("entry {seq}: tab"));
                events.push(EventRecord {
                    frame_id: entry.get(5).and_then(Value::as_i64).unwrap_or(0),
                    url: url.to_string(),
                    top_url: Some(url.to_string()),
                    top_title: entry.get(6).and_then(Value::as_str).map(str::to_string),
                    ..record(seq, kind, call_id, tab, at)
                });
            }
        }
    }
    (events, notes)
}

fn render(fixture: &Fixture) -> String {
    let (events, notes) = parse_log(&fixture.log);
    let now = fixture.now.unwrap_or_else(|| {
        let last_event = events.iter().map(|e| e.captured_at).fold(0.0, f64::max);
        notes.iter().map(|n| n.at).fold(last_event, f64::max)
    });
    let timeline = match &fixture.filter {
        Some(filter) => build_selected(
            &events,
            &filter_events(&events, filter),
            &notes,
            now,
            &fixture.thresholds,
        ),
        None => build(&events, &notes, now, &fixture.thresholds),
    };
    let log = markdown::Log {
        events: &events,
        notes: &notes,
    };
    let labels = TabLabels::of(&events);
    let cx = markdown::Context {
        labels: &labels,
        zone: Zone {
            offset_min: fixture.zone,
        },
    };
    let mut out = dump(&timeline, &events, &notes);
    for extra in &fixture.show {
        if let Some(id) = extra.strip_prefix("markdown:") {
            out.push_str(&format!("--- markdown {id:?}\n"));
            out.push_str(
                &markdown::call_markdown(&timeline, log, id, cx)
                    .unwrap_or_else(|| "(no such call)\n".into()),
            );
        } else if let Some(id) = extra.strip_prefix("text:") {
            out.push_str(&format!("--- text {id:?}\n"));
            out.push_str(
                &markdown::call_text(&timeline, log, id, cx)
                    .unwrap_or_else(|| "(no such call)\n".into()),
            );
        } else if extra == "verdicts" {
            // Every call's one-line verdict, in the timeline's order.
            out.push_str("--- verdicts\n");
            for call in &timeline.calls {
                out.push_str(&format!(
                    "{}: {}\n",
                    call.call_id,
                    markdown::verdict(call, &events, &labels)
                ));
            }
        } else if extra == "labels" {
            // Every tab's label: short form, then the hover text.
            out.push_str("--- labels\n");
            for label in labels.all() {
                out.push_str(&format!("{} | {}\n", label.short(), label.hover()));
            }
        } else if extra == "summary" {
            // One compact line per summary, in the struct's field order (as exported).
            let (calls, inbound) = summarize(&timeline, &events);
            out.push_str("--- summary\n");
            for call in &calls {
                let line = serde_json::to_string(call).expect("summaries serialize");
                out.push_str(&format!("call {line}\n"));
            }
            for req in &inbound {
                let line = serde_json::to_string(req).expect("summaries serialize");
                out.push_str(&format!("inbound {line}\n"));
            }
        } else {
            panic!("unknown show entry {extra}");
        }
    }
    out
}

expect::fixtures! {
    fixtures_dir(), render;
    verdicts_and_text,
    copies_with_titles,
    accepted_then_ended,
    fan_out_three_tabs,
    denied,
    calls_newest_first,
    inbound_taken_then_call,
    inbound_taken_with_call_id,
    inbound_cancelled_by_customer,
    inbound_cancelled_by_agent,
    inbound_without_call_id_never_hidden,
    inbound_link_window,
    flag_accepted_without_request,
    flag_denied_without_request,
    flag_ended_without_start,
    flag_accepted_and_denied,
    flag_accepted_twice,
    flag_requested_after_answer,
    flag_events_after_end,
    flag_two_terminal_events,
    flag_unanswered,
    flag_answered_in_other_tab,
    flag_tab_closed_before_end,
    flag_taken_without_request,
    flag_cancelled_without_request,
    flag_cancelled_after_taken,
    flag_taken_after_cancel,
    flag_inbound_closed_twice,
    flag_inbound_requested_again,
    flag_inbound_unanswered,
    filter_by_tab,
    filter_by_kind,
    filter_by_text,
    markdown_hostile_strings,
}
