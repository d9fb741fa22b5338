//! Runs: a preset, or the replay of a recorded or imported call, as a list of fires the
//! background makes at their times (issue 13 item 2), and the pure state machine that says
//! which fire is due at `now` and when to wake next. The background owns runs and keeps
//! them in storage, so a run survives the page that started it and the worker's stops; the
//! core only decides, with every time passed in.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::detail::MAX_DETAIL_BYTES;
use crate::fire::{self, FireTarget};
use crate::EventKind;

/// A run's steps are at most this many (a replay of a longer call is refused).
pub const MAX_STEPS: usize = 500;

/// At most this many runs are kept at once (one per tab; the oldest finished go first).
pub const MAX_RUNS: usize = 16;

/// How much faster than the original pace [`Speed::Faster`] is.
pub const FASTER: f64 = 10.0;

/// Version of the stored runs ([`Runs`]); a stored value of another version is dropped.
pub const RUNS_VERSION: u32 = 1;

/// Where the background keeps its runs (`storage.session` where the browser has it, else
/// `storage.local`), and where the extension's pages read their progress.
pub const RUNS_KEY: &str = "fviRuns";

/// How a run paces its steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Speed {
    /// The recorded gaps (a preset's realistic delays).
    Original,
    /// The gaps divided by [`FASTER`].
    Faster,
    /// One after another, with no gap.
    NoGaps,
    /// One step each time the user presses Next.
    Step,
}

impl Speed {
    pub const ALL: [Speed; 4] = [Speed::Original, Speed::Faster, Speed::NoGaps, Speed::Step];

    /// The wire name (`original`, `faster`, `noGaps`, `step`).
    pub fn name(self) -> &'static str {
        match self {
            Speed::Original => "original",
            Speed::Faster => "faster",
            Speed::NoGaps => "noGaps",
            Speed::Step => "step",
        }
    }

    pub fn from_name(name: &str) -> Option<Speed> {
        Speed::ALL.into_iter().find(|s| s.name() == name)
    }

    pub fn label(self) -> &'static str {
        match self {
            Speed::Original => "original pace",
            Speed::Faster => "10× faster",
            Speed::NoGaps => "no gaps",
            Speed::Step => "step by step",
        }
    }

    /// A plan gap of `ms` at this speed; `None` in step mode (only Next moves on).
    fn scale(self, ms: f64) -> Option<f64> {
        match self {
            Speed::Original => Some(ms),
            Speed::Faster => Some(ms / FASTER),
            Speed::NoGaps => Some(0.0),
            Speed::Step => None,
        }
    }
}

/// One event of a call to replay, as an extension page sends it: the recorded type,
/// detail (callId included) and capture time, in the timeline's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReplayEvent {
    #[serde(rename = "type")]
    pub kind: String,
    pub captured_at: f64,
    #[serde(default)]
    pub detail: Value,
}

/// What a run fires: a preset, or recorded events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "from",
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum RunSource {
    /// A preset (`fire::PRESETS`) with its callId; call events go to `target`.
    Preset {
        id: String,
        call_id: String,
        target: FireTarget,
    },
    /// A recorded or imported call, replayed into the tab's top frame.
    Replay {
        /// What the page calls it ("call abc").
        label: String,
        events: Vec<ReplayEvent>,
    },
}

/// One fire of a run, `at_ms` after its first (plan time, before the speed applies).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RunStep {
    pub at_ms: f64,
    pub kind: EventKind,
    pub target: FireTarget,
    pub detail: Value,
    /// Sent as it is: no callId is added.
    pub no_call_id: bool,
}

/// The steps of a source, or why there are none. Replayed events keep their order (the
/// page sends the timeline's), their details as recorded and their gaps (a gap that
/// would go back in time counts as none).
pub fn steps(source: &RunSource) -> Result<(String, Vec<RunStep>), String> {
    match source {
        RunSource::Preset {
            id,
            call_id,
            target,
        } => {
            let preset = fire::preset(id).ok_or_else(|| format!("no preset is called {id}"))?;
            let steps = fire::plan(preset, call_id, *target)
                .into_iter()
                .map(|p| RunStep {
                    at_ms: f64::from(p.at_ms),
                    kind: p.kind,
                    target: p.target,
                    detail: p.detail,
                    no_call_id: p.no_call_id,
                })
                .collect();
            Ok((format!("Preset: {}", preset.label), steps))
        }
        RunSource::Replay { label, events } => {
            if events.is_empty() {
                return Err("there is nothing to replay".into());
            }
            if events.len() > MAX_STEPS {
                return Err(format!(
                    "{} events to replay; a run has at most {MAX_STEPS}",
                    events.len()
                ));
            }
            let first = events[0].captured_at;
            let mut last = 0.0f64;
            let mut out = Vec::with_capacity(events.len());
            for (i, e) in events.iter().enumerate() {
                let kind = EventKind::from_name(&e.kind).ok_or_else(|| {
                    format!(
                        "event {}: {} is not a fullview:* event",
                        i + 1,
                        clip(&e.kind)
                    )
                })?;
                let size = e.detail.to_string().len();
                if size > MAX_DETAIL_BYTES {
                    return Err(format!(
                        "event {}: its detail is {size} bytes, more than {MAX_DETAIL_BYTES}",
                        i + 1
                    ));
                }
                let at = e.captured_at - first;
                if at.is_finite() && at > last {
                    last = at;
                }
                out.push(RunStep {
                    at_ms: last,
                    kind,
                    target: FireTarget::Top,
                    detail: e.detail.clone(),
                    no_call_id: true,
                });
            }
            Ok((format!("Replay of {}", clip(label)), out))
        }
    }
}

fn clip(s: &str) -> String {
    if s.chars().count() <= 80 {
        return s.to_string();
    }
    let mut out: String = s.chars().take(79).collect();
    out.push('…');
    out
}

/// What happened to a step the run fired.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Outcome {
    pub step: usize,
    /// When it was fired (the background's clock).
    pub at: f64,
    /// Dispatched in at least one frame.
    pub ok: bool,
    /// The background's words ("fired in 1 frame", a refusal's reason).
    pub text: String,
}

/// A run: its steps, how far it is, and its pace. Kept by the background in storage
/// ([`Runs`]); every decision takes `now` from the caller.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Run {
    /// The background's token for the run.
    pub id: String,
    pub tab_id: i64,
    pub label: String,
    pub speed: Speed,
    pub steps: Vec<RunStep>,
    /// The next step to fire; `steps.len()` when all have been.
    pub next: usize,
    /// The wall time the pace counts from, and the plan time it stands for: the start, then
    /// each fire (so a late wake delays the rest instead of bunching them).
    pub anchor_at: f64,
    pub anchor_ms: f64,
    pub started_at: f64,
    /// Stopped by the user before its end.
    pub stopped: bool,
    /// The last step's outcome.
    pub last: Option<Outcome>,
}

impl Run {
    /// A new run, nothing fired yet; at `Original`, `Faster` and `NoGaps` its first step is
    /// due at once.
    pub fn new(
        id: String,
        tab_id: i64,
        source: &RunSource,
        speed: Speed,
        now: f64,
    ) -> Result<Run, String> {
        let (label, steps) = steps(source)?;
        let anchor_ms = steps.first().map_or(0.0, |s| s.at_ms);
        Ok(Run {
            id,
            tab_id,
            label,
            speed,
            steps,
            next: 0,
            anchor_at: now,
            anchor_ms,
            started_at: now,
            stopped: false,
            last: None,
        })
    }

    /// All steps fired, or stopped.
    pub fn finished(&self) -> bool {
        self.stopped || self.next >= self.steps.len()
    }

    /// When the next step is due (wall time); `None` when finished or in step mode.
    pub fn due_at(&self) -> Option<f64> {
        if self.finished() {
            return None;
        }
        let gap = self.steps[self.next].at_ms - self.anchor_ms;
        self.speed.scale(gap.max(0.0)).map(|d| self.anchor_at + d)
    }

    /// The next step, if it is due at `now` (never in step mode: see [`Run::take_next`]).
    pub fn due(&self, now: f64) -> Option<usize> {
        self.due_at().filter(|&at| at <= now).map(|_| self.next)
    }

    /// Takes the next step to fire now (a due one, or the one Next asks for), moving the
    /// run on before the fire is made: a worker stopped mid-fire skips a step rather than
    /// firing it twice.
    pub fn take_next(&mut self, now: f64) -> Option<(usize, RunStep)> {
        if self.finished() {
            return None;
        }
        let i = self.next;
        self.next += 1;
        self.anchor_at = now;
        self.anchor_ms = self.steps[i].at_ms;
        Some((i, self.steps[i].clone()))
    }

    /// Milliseconds from `now` until this run needs the background again.
    pub fn wake_in(&self, now: f64) -> Option<f64> {
        self.due_at().map(|at| (at - now).max(0.0))
    }

    /// Progress in plain data, for the pages.
    pub fn progress(&self, now: f64) -> Progress {
        let next = (!self.finished()).then(|| self.steps[self.next].kind);
        Progress {
            done: self.next,
            total: self.steps.len(),
            next,
            next_in_ms: self.wake_in(now).map(|ms| ms.round()),
            step_mode: self.speed == Speed::Step,
            stopped: self.stopped,
            finished: self.finished(),
            last: self.last.clone(),
        }
    }
}

/// A run's progress at a moment: what the pages show.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
    pub next: Option<EventKind>,
    pub next_in_ms: Option<f64>,
    pub step_mode: bool,
    pub stopped: bool,
    pub finished: bool,
    pub last: Option<Outcome>,
}

impl Progress {
    /// "3 of 5 fired, next callEnded in 4 s".
    pub fn text(&self) -> String {
        let mut out = format!("{} of {} fired", self.done, self.total);
        if self.stopped {
            out.push_str(", stopped");
        } else if self.finished {
            out.push_str(", done");
        } else if let Some(kind) = self.next {
            match self.next_in_ms {
                _ if self.step_mode => {
                    out.push_str(&format!(", next {}: press Next", kind.short()))
                }
                Some(ms) if ms > 0.0 => out.push_str(&format!(
                    ", next {} in {} s",
                    kind.short(),
                    (ms / 1000.0).ceil()
                )),
                _ => out.push_str(&format!(", next {} now", kind.short())),
            }
        }
        if let Some(last) = &self.last {
            if !last.ok {
                out.push_str(&format!(". Step {}: {}", last.step + 1, last.text));
            }
        }
        out
    }
}

/// The background's runs as stored under [`RUNS_KEY`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Runs {
    pub v: u32,
    pub runs: Vec<Run>,
}

impl Runs {
    /// Reads the stored value; anything else (absent, another version, malformed) is no
    /// runs.
    pub fn decode(value: Option<&Value>) -> Runs {
        value
            .and_then(|v| serde_json::from_value::<Runs>(v.clone()).ok())
            .filter(|r| r.v == RUNS_VERSION)
            .unwrap_or(Runs {
                v: RUNS_VERSION,
                runs: Vec::new(),
            })
    }

    pub fn encode(&self) -> Value {
        let mut runs = self.clone();
        runs.v = RUNS_VERSION;
        serde_json::to_value(&runs).unwrap_or(Value::Object(Map::new()))
    }

    /// Adds `run`, replacing the tab's earlier run (a tab has one run at a time), keeping
    /// at most [`MAX_RUNS`] (finished ones are dropped first, then the oldest).
    pub fn add(&mut self, run: Run) {
        self.runs.retain(|r| r.tab_id != run.tab_id);
        while self.runs.len() >= MAX_RUNS {
            let i = self.runs.iter().position(Run::finished).unwrap_or(0);
            self.runs.remove(i);
        }
        self.runs.push(run);
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut Run> {
        self.runs.iter_mut().find(|r| r.id == id)
    }

    /// The tab's run, if any.
    pub fn of_tab(&self, tab_id: i64) -> Option<&Run> {
        self.runs.iter().find(|r| r.tab_id == tab_id)
    }

    /// Milliseconds from `now` until some run needs the background again.
    pub fn wake_in(&self, now: f64) -> Option<f64> {
        self.runs
            .iter()
            .filter_map(|r| r.wake_in(now))
            .min_by(f64::total_cmp)
    }
}

/// How the background waits for the next wake: a timer while it is near (the worker stays
/// up that long), and always an alarm as well, which outlives a stopped worker (browsers
/// round an alarm up: Chromium to 30 s at the least).
pub const TIMER_MAX_MS: f64 = 20_000.0;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn speeds_round_trip_their_names() {
        for s in Speed::ALL {
            assert_eq!(Speed::from_name(s.name()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), json!(s.name()));
        }
    }

    #[test]
    fn stored_runs_of_another_version_are_dropped() {
        let run = Run::new(
            "r".into(),
            1,
            &RunSource::Preset {
                id: "outbound-denied".into(),
                call_id: "c".into(),
                target: FireTarget::Top,
            },
            Speed::Original,
            0.0,
        )
        .unwrap();
        let mut runs = Runs::default();
        runs.add(run);
        let stored = runs.encode();
        assert_eq!(Runs::decode(Some(&stored)).runs.len(), 1);
        let mut old = stored.clone();
        old["v"] = json!(0);
        assert!(Runs::decode(Some(&old)).runs.is_empty());
        assert!(Runs::decode(Some(&json!("x"))).runs.is_empty());
        assert!(Runs::decode(None).runs.is_empty());
    }

    #[test]
    fn a_tab_has_one_run_and_the_list_is_bounded() {
        let source = RunSource::Preset {
            id: "outbound-denied".into(),
            call_id: "c".into(),
            target: FireTarget::Top,
        };
        let mut runs = Runs::default();
        for i in 0..(MAX_RUNS as i64 + 5) {
            runs.add(Run::new(format!("r{i}"), i, &source, Speed::Step, 0.0).unwrap());
        }
        assert_eq!(runs.runs.len(), MAX_RUNS);
        runs.add(
            Run::new(
                "again".into(),
                MAX_RUNS as i64 + 4,
                &source,
                Speed::Step,
                0.0,
            )
            .unwrap(),
        );
        assert_eq!(runs.runs.len(), MAX_RUNS);
        assert_eq!(runs.of_tab(MAX_RUNS as i64 + 4).unwrap().id, "again");
    }
}
