//! Data-driven tests for "copy as code" and the presets (`fvi_core::fire`): each
//! `fire/<name>.json` is a list of events in a compact form and a pace, `fire/<name>.txt`
//! the snippet expected. `UPDATE_EXPECT=1` rewrites the `.txt` files; read the diff.
//!
//! Fixture format:
//! ```text
//! {
//!   "pace": "original",                          // "original", "sequential" or "event"
//!   "events": [
//!     [1000, "callRequested", {"callId": "c1"}]  // capturedAt, kind, detail
//!   ]
//! }
//! ```

mod expect;

use std::path::{Path, PathBuf};

use fvi_core::fire::{call_snippet, event_snippet, plan, FireTarget, Pace, PRESETS};
use fvi_core::record::Origin;
use fvi_core::{EventKind, EventRecord};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    pace: String,
    events: Vec<(f64, String, Value)>,
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fire")
}

fn records(fixture: &Fixture) -> Vec<EventRecord> {
    fixture
        .events
        .iter()
        .enumerate()
        .map(|(i, (at, kind, detail))| EventRecord {
            seq: i as u64 + 1,
            kind: EventKind::from_name(&format!("fullview:{kind}"))
                .unwrap_or_else(|| panic!("unknown kind {kind}")),
            call_id: fvi_core::detail::call_id_of(detail),
            tab_id: 1,
            frame_id: 0,
            url: "https://shop.example/".into(),
            top_url: None,
            top_title: None,
            captured_at: *at,
            stored_at: *at,
            detail: detail.clone(),
            detail_truncated: false,
            origin: Origin {
                document: "d".into(),
                n: i as u64 + 1,
            },
            fired: None,
        })
        .collect()
}

fn render(fixture: &Fixture) -> String {
    let events = records(fixture);
    match fixture.pace.as_str() {
        "event" => events
            .iter()
            .map(|e| event_snippet(e.kind, &e.detail) + "\n")
            .collect(),
        "original" => call_snippet(&events.iter().collect::<Vec<_>>(), Pace::Original),
        "sequential" => call_snippet(&events.iter().collect::<Vec<_>>(), Pace::Sequential),
        other => panic!("unknown pace {other}"),
    }
}

#[test]
fn snippets() {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .filter_map(|e| {
            let path = e.unwrap().path();
            (path.extension()? == "json")
                .then(|| path.file_stem().unwrap().to_string_lossy().into_owned())
        })
        .collect();
    names.sort();
    assert!(names.len() >= 4, "fixtures missing: {names:?}");
    for name in names {
        expect::check_fixture(&dir(), &name, render);
    }
}

/// Every preset as its plan for one run: the lifecycles of docs/lifecycle.md as data.
#[test]
fn presets() {
    let mut out = String::new();
    for preset in &PRESETS {
        out.push_str(&format!("{} — {}\n", preset.id, preset.label));
        for fire in plan(preset, "c1", FireTarget::Top) {
            out.push_str(&format!(
                "  +{:>6} ms  {:<42} {:<28} {}{}\n",
                fire.at_ms,
                fire.kind.name(),
                serde_json::to_string(&fire.target).unwrap(),
                fire.detail,
                if fire.no_call_id { "  (no callId)" } else { "" }
            ));
        }
    }
    expect::assert_expected("presets", &dir().join("presets.txt"), &out);
}
