//! Data-driven tests of the page's handler reports (`fvi_core::handlers`): each
//! `handlers/<name>.json` is a list of messages as the bridge sends them and the captured
//! events they should be tied to; `handlers/<name>.txt` is what the store keeps and what the
//! inspector reads from it. `UPDATE_EXPECT=1` rewrites the `.txt` files; read the diff.
//!
//! Fixture format:
//! ```text
//! {
//!   "messages": [
//!     {"tab": 1, "frame": 0, "document": "d1", "at": 5,
//!      "reports": [{"r": "added", ...}, "raw text, sent as it is"]}
//!   ],
//!   "events": [[1000.5, "callAccepted", "c1"]],  // capturedAt, kind, callId
//!   "events_from": [1, 0]                         // their tab and frame (default 1, 0)
//! }
//! ```

mod expect;

use std::fmt::Write;
use std::path::{Path, PathBuf};

use fvi_core::handlers::{findings, parse_report, summary, HandlerLog, PageKey};
use fvi_core::record::Origin;
use fvi_core::{EventKind, EventRecord};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    messages: Vec<Message>,
    #[serde(default)]
    events: Vec<(f64, String, Option<String>)>,
    /// The tab and frame the captured events are from (default tab 1, frame 0).
    #[serde(default)]
    events_from: Option<(i64, i64)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Message {
    tab: i64,
    frame: i64,
    document: String,
    #[serde(default)]
    at: f64,
    reports: Vec<Value>,
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/handlers")
}

fn event(at: f64, kind: &str, call_id: Option<String>, seq: u64, from: (i64, i64)) -> EventRecord {
    EventRecord {
        seq,
        kind: EventKind::from_name(&format!("fullview:{kind}"))
            .unwrap_or_else(|| panic!("unknown kind {kind}")),
        call_id: call_id.clone(),
        tab_id: from.0,
        frame_id: from.1,
        url: "https://shop.example/".into(),
        top_url: None,
        top_title: None,
        captured_at: at,
        stored_at: at,
        detail: call_id.map_or(Value::Null, |c| serde_json::json!({ "callId": c })),
        detail_truncated: false,
        origin: Origin {
            document: "d".into(),
            n: seq,
        },
        fired: None,
    }
}

fn render(fixture: &Fixture) -> String {
    let mut log = HandlerLog::new();
    let mut out = String::new();
    for m in &fixture.messages {
        let texts: Vec<String> = m
            .reports
            .iter()
            .map(|r| match r {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        let page = PageKey {
            tab_id: m.tab,
            frame_id: m.frame,
            document: m.document.clone(),
        };
        let applied = log.apply(&page, Some("https://shop.example/"), &texts, m.at);
        writeln!(
            out,
            "message tab {} frame {} {}: {} accepted, {} refused",
            m.tab, m.frame, m.document, applied.accepted, applied.refused
        )
        .unwrap();
        for text in &texts {
            if let Err(reason) = parse_report(text) {
                writeln!(out, "  refused: {reason}").unwrap();
            }
        }
    }
    // What is stored is what is read back.
    let stored = serde_json::to_value(&log).unwrap();
    assert_eq!(HandlerLog::read(Some(&stored)), log);
    writeln!(
        out,
        "refused {} (last: {:?})",
        log.refused, log.last_refused
    )
    .unwrap();
    for p in &log.pages {
        writeln!(
            out,
            "page tab {} frame {} {} dropped {}",
            p.page.tab_id, p.page.frame_id, p.page.document, p.dropped
        )
        .unwrap();
        for l in &p.listeners {
            let site = l.site.as_ref().map_or("no site".to_string(), |s| {
                format!("{}:{}:{} ({})", s.url, s.line, s.column, s.short())
            });
            let flags: String = [
                (l.capture, " capture"),
                (l.once, " once"),
                (l.removed, " removed"),
            ]
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, f)| *f)
            .collect();
            writeln!(out, "  listener {} {} at {site}{flags}", l.id, l.kind).unwrap();
        }
        for f in findings(p) {
            writeln!(out, "  finding: {}", f.text()).unwrap();
        }
    }
    for r in &log.runs {
        writeln!(
            out,
            "run {} {} listener {} at {} {:?} {} ms threw {:?}",
            r.n,
            r.kind,
            r.listener,
            r.at,
            r.call_id,
            r.ms,
            r.threw
                .as_ref()
                .map(|t| (&t.name, t.message.chars().count(), t.stack.chars().count()))
        )
        .unwrap();
    }
    for (i, (at, kind, call_id)) in fixture.events.iter().enumerate() {
        let from = fixture.events_from.unwrap_or((1, 0));
        let e = event(*at, kind, call_id.clone(), i as u64 + 1, from);
        let runs = log.runs_for(&e);
        writeln!(out, "event {kind} {call_id:?} at {at}: {}", summary(&runs)).unwrap();
    }
    out
}

#[test]
fn fixtures() {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".json").map(String::from)
        })
        .collect();
    names.sort();
    assert!(names.len() >= 3, "fixtures missing: {names:?}");
    for name in names {
        expect::check_fixture(&dir(), &name, render);
    }
}
