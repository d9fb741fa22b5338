//! Data-driven tests for runs (`fvi_core::replay`): each `replay/<name>.json` is a source, a
//! speed and a list of moments at which the background wakes (`tick`), the user presses
//! Next (`next`) or Stop (`stop`); `replay/<name>.txt` is the transcript: what fired at
//! each moment, the progress text, and when the background must wake next.
//! `UPDATE_EXPECT=1` rewrites the `.txt` files; read the diff.
//!
//! Fixture format:
//! ```text
//! {
//!   "source": {"from": "replay", "label": "call c1", "events": [
//!     {"type": "fullview:callRequested", "capturedAt": 1000, "detail": {"callId": "c1"}}
//!   ]},                                            // or {"from": "preset", "id", "callId", "target"}
//!   "speed": "original",                           // original, faster, noGaps, step
//!   "at": [["tick", 0], ["next", 500], ["stop", 900]]  // ms after the start
//! }
//! ```

mod expect;

use std::path::{Path, PathBuf};

use fvi_core::replay::{Run, RunSource, Speed};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    source: RunSource,
    speed: Speed,
    at: Vec<(String, f64)>,
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/replay")
}

fn render(fixture: &Fixture) -> String {
    let start = 1_000_000.0;
    let mut run = match Run::new("r1".into(), 7, &fixture.source, fixture.speed, start) {
        Ok(run) => run,
        Err(e) => return format!("refused: {e}\n"),
    };
    let mut out = format!(
        "{} ({} steps, {})\n",
        run.label,
        run.steps.len(),
        fixture.speed.label()
    );
    for (what, t) in &fixture.at {
        let now = start + t;
        let mut fired = Vec::new();
        match what.as_str() {
            "tick" => {
                while run.due(now).is_some() {
                    fired.extend(run.take_next(now));
                }
            }
            "next" => fired.extend(run.take_next(now)),
            "stop" => run.stopped = true,
            other => panic!("unknown action {other}"),
        }
        out.push_str(&format!("+{t} ms {what}:"));
        for (i, step) in &fired {
            out.push_str(&format!(
                " #{} {} {} {}{};",
                i + 1,
                step.kind.short(),
                serde_json::to_string(&step.target).unwrap(),
                step.detail,
                if step.no_call_id { " as is" } else { "" }
            ));
        }
        if fired.is_empty() && what != "stop" {
            out.push_str(" nothing due;");
        }
        let wake = run
            .wake_in(now)
            .map_or("no wake".to_string(), |ms| format!("wake in {ms} ms"));
        out.push_str(&format!(" {} ({wake})\n", run.progress(now).text()));
    }
    out
}

expect::fixtures! {
    dir(), render;
    preset_inbound_stopped,
    preset_outbound_accepted,
    refused,
    refused_empty,
    replay_faster,
    replay_late_wake,
    replay_no_gaps,
    replay_original,
    replay_step,
}
