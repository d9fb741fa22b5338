//! Runs on screen (issue 13 item 2): the Replay control on a selected call's timeline
//! (replay its events, recorded or imported, into the tab this view is about, at a chosen
//! speed), and the progress of the tab's run, a replay or a preset from the Fire box. The
//! background owns runs (`crates/background/src/runs.rs`); this page starts them, presses
//! Next and Stop, and reads their progress from storage (`replay::RUNS_KEY`), which wakes
//! no background, every half second while one is going.
//!
//! | selector | what |
//! |---|---|
//! | `#replay-box` | in a call's timeline: the Replay control |
//! | `#replay-speed` | select: `original`, `faster`, `noGaps`, `step` |
//! | `#replay-start` | replays the selected call (and its inbound requests) into this tab |
//! | `#replay-status`, `#fire-run-status` | the tab's run: `data-state` is `running`, `step`, `done`, `stopped` or `refused` |
//! | `#replay-next`, `#fire-run-next` | fires the next step now (step by step) |
//! | `#replay-stop`, `#fire-run-stop` | stops the run |

use std::cell::RefCell;
use std::rc::Rc;

use fvi_core::protocol::{Request, Response, PROTOCOL_VERSION};
use fvi_core::replay::{ReplayEvent, Run, RunSource, Runs, Speed, RUNS_KEY};
use fvi_core::EventRecord;
use web_sys::{Element, HtmlSelectElement};

use crate::dom::{self, add, attr, by_id, by_id_as, el, text};
use crate::state::App;

type Shared = Rc<RefCell<App>>;

/// What this page knows of runs: the tab's run as last read, and the poll while it goes.
#[derive(Default)]
pub struct RunsUi {
    pub shown: Option<Run>,
    /// Set by a start, Next or Stop this page sent, until the next read.
    pub message: Option<(String, &'static str)>,
    poll: Option<dom::Interval>,
}

/// A run's line on screen, as plain data.
#[derive(Debug, Clone, PartialEq)]
pub struct RunView {
    pub text: String,
    /// `running`, `step`, `done` or `stopped`.
    pub state: &'static str,
    pub can_next: bool,
    pub can_stop: bool,
}

/// The run's line at `now`.
pub fn run_view(run: &Run, now: f64) -> RunView {
    let progress = run.progress(now);
    let state = if progress.stopped {
        "stopped"
    } else if progress.finished {
        "done"
    } else if progress.step_mode {
        "step"
    } else {
        "running"
    };
    RunView {
        text: format!("{}: {}.", run.label, progress.text()),
        state,
        can_next: !progress.finished,
        can_stop: !progress.finished,
    }
}

/// The events to replay, in the timeline's order (capture time, then seq), as the
/// background reads them.
pub fn replay_events(events: &[&EventRecord]) -> Vec<ReplayEvent> {
    let mut list: Vec<&EventRecord> = events.to_vec();
    list.sort_by(|a, b| {
        a.captured_at
            .total_cmp(&b.captured_at)
            .then(a.seq.cmp(&b.seq))
    });
    list.iter()
        .map(|e| ReplayEvent {
            kind: e.kind.name().to_string(),
            captured_at: e.captured_at,
            detail: e.detail.clone(),
        })
        .collect()
}

/// The words for the background's answer to a start, Next or Stop, and its state.
pub fn answer_text(answer: &Result<Response, String>) -> Option<(String, &'static str)> {
    match answer {
        Ok(Response::RunStarted { .. }) | Ok(Response::Done { .. }) => None,
        Ok(Response::Refused {
            reason,
            retry: true,
            ..
        }) => Some((
            format!("Not done: {reason}. Trying again may work."),
            "refused",
        )),
        Ok(Response::Refused { reason, .. }) => Some((format!("Not done: {reason}."), "refused")),
        Ok(other) => Some((format!("Unexpected answer: {other:?}"), "refused")),
        Err(e) => Some((format!("Not done: {e}"), "refused")),
    }
}

/// The Replay control in a call's timeline; called where the call's detail is built.
pub fn controls(parent: &Element, app: &App) {
    let box_ = add(parent, el("div", "replay"));
    attr(&box_, "id", "replay-box");
    let line = add(&box_, el("div", "replay-form"));
    let label = add(&line, text("label", "", "Replay into this tab "));
    let select = add(&label, el("select", ""));
    attr(&select, "id", "replay-speed");
    for speed in Speed::ALL {
        let option = add(&select, text("option", "", speed.label()));
        attr(&option, "value", speed.name());
    }
    for (id, label, title) in [
        (
            "replay-start",
            "Replay",
            "Fire this call's events into this tab again, in their order, as the inspector's",
        ),
        ("replay-next", "Next", "Fire the next step now"),
        ("replay-stop", "Stop", "Fire nothing more of this run"),
    ] {
        let b = add(&line, dom::button(label, id, ""));
        attr(&b, "id", id);
        attr(&b, "title", title);
    }
    if app.current_tab.is_none() {
        if let Some(b) = line.query_selector("#replay-start").ok().flatten() {
            attr(&b, "disabled", "");
        }
    }
    let status = add(&box_, el("p", "replay-status"));
    attr(&status, "id", "replay-status");
    attr(&status, "role", "status");
    paint(app);
}

/// Writes the tab's run (or the last answer) into both run lines.
pub fn paint(app: &App) {
    let run = app
        .runs
        .shown
        .as_ref()
        .filter(|r| Some(r.tab_id) == app.current_tab);
    let view = run.map(|r| run_view(r, js_sys::Date::now()));
    let (text, state) = match (&app.runs.message, &view) {
        (Some((text, state)), _) => (text.clone(), *state),
        (None, Some(v)) => (v.text.clone(), v.state),
        (None, None) => (String::new(), ""),
    };
    let (can_next, can_stop) = view
        .as_ref()
        .map_or((false, false), |v| (v.can_next, v.can_stop));
    for prefix in ["replay", "fire-run"] {
        if let Some(status) = by_id(&format!("{prefix}-status")) {
            dom::set_text(&status, &text);
            attr(&status, "data-state", state);
        }
        for (name, enabled) in [("next", can_next), ("stop", can_stop)] {
            if let Some(b) = by_id(&format!("{prefix}-{name}")) {
                if enabled {
                    let _ = b.remove_attribute("disabled");
                } else {
                    attr(&b, "disabled", "");
                }
            }
        }
    }
    dom::set_hidden("fire-run", run.is_none() && app.runs.message.is_none());
}

/// Reads the runs from storage and shows this tab's; polls while it is going.
pub fn refresh(app: &Shared) {
    let app = app.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let stored = fvi_browser::storage::session_get(RUNS_KEY)
            .await
            .ok()
            .flatten();
        let runs = Runs::decode(stored.as_ref());
        let going = {
            let mut a = app.borrow_mut();
            let tab = a.current_tab;
            a.runs.shown = tab.and_then(|t| runs.of_tab(t).cloned());
            let going = a.runs.shown.as_ref().is_some_and(|r| !r.finished());
            if !going {
                a.runs.poll = None;
            }
            paint(&a);
            going
        };
        if going && app.borrow().runs.poll.is_none() {
            let weak = Rc::downgrade(&app);
            let poll = dom::Interval::new(500, move || {
                if let Some(app) = weak.upgrade() {
                    refresh(&app);
                }
            });
            app.borrow_mut().runs.poll = Some(poll);
        }
    });
}

/// Sends a run request and shows what came of it.
pub fn send(app: &Shared, request: Request) {
    let app = app.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let answer = fvi_browser::runtime::send(&request)
            .await
            .map_err(|e| e.to_string());
        {
            let mut a = app.borrow_mut();
            a.runs.message = answer_text(&answer);
            paint(&a);
        }
        if app.borrow().runs.message.is_none() {
            refresh(&app);
        }
    });
}

/// Runs one of the run actions; false when `action` is not one of them.
pub fn action(app: &Shared, action: &str) -> bool {
    match action {
        "replay-start" => start_replay(app),
        "replay-next" | "fire-run-next" | "replay-stop" | "fire-run-stop" => {
            let Some(run_id) = app.borrow().runs.shown.as_ref().map(|r| r.id.clone()) else {
                return true;
            };
            let request = if action.ends_with("next") {
                Request::RunNext {
                    v: PROTOCOL_VERSION,
                    run_id,
                }
            } else {
                Request::RunStop {
                    v: PROTOCOL_VERSION,
                    run_id,
                }
            };
            send(app, request);
        }
        _ => return false,
    }
    true
}

fn start_replay(app: &Shared) {
    let speed = by_id_as::<HtmlSelectElement>("replay-speed")
        .and_then(|s| Speed::from_name(&s.value()))
        .unwrap_or(Speed::Original);
    let request = {
        let a = app.borrow();
        let (Some(tab_id), Some(indices), Some(call_id)) = (
            a.current_tab,
            crate::actions::selected_call_events(&a),
            a.selection.call.clone(),
        ) else {
            return;
        };
        let events = a.events();
        let list: Vec<&EventRecord> = indices.iter().map(|&i| &events[i]).collect();
        Request::RunStart {
            v: PROTOCOL_VERSION,
            tab_id,
            speed,
            source: RunSource::Replay {
                label: format!("call {call_id}"),
                events: replay_events(&list),
            },
        }
    };
    app.borrow_mut().runs.message = Some(("Starting…".into(), "running"));
    paint(&app.borrow());
    send(app, request);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::record;
    use fvi_core::fire::FireTarget;
    use fvi_core::EventKind;
    use serde_json::json;

    fn run(speed: Speed) -> Run {
        let source = RunSource::Preset {
            id: "outbound-accepted".into(),
            call_id: "c1".into(),
            target: FireTarget::Top,
        };
        Run::new("r".into(), 3, &source, speed, 1000.0).unwrap()
    }

    #[test]
    fn the_run_line() {
        let mut going = run(Speed::Original);
        going.take_next(1000.0);
        let mut stepping = run(Speed::Step);
        stepping.take_next(1000.0);
        let mut stopped = run(Speed::Original);
        stopped.stopped = true;
        let mut done = run(Speed::NoGaps);
        while done.take_next(1000.0).is_some() {}
        let label = "Preset: Outbound: accepted, then ended";
        let cases = [
            (
                going,
                RunView {
                    text: format!("{label}: 1 of 3 fired, next callAccepted in 3 s."),
                    state: "running",
                    can_next: true,
                    can_stop: true,
                },
            ),
            (
                stepping,
                RunView {
                    text: format!("{label}: 1 of 3 fired, next callAccepted: press Next."),
                    state: "step",
                    can_next: true,
                    can_stop: true,
                },
            ),
            (
                stopped,
                RunView {
                    text: format!("{label}: 0 of 3 fired, stopped."),
                    state: "stopped",
                    can_next: false,
                    can_stop: false,
                },
            ),
            (
                done,
                RunView {
                    text: format!("{label}: 3 of 3 fired, done."),
                    state: "done",
                    can_next: false,
                    can_stop: false,
                },
            ),
        ];
        for (run, want) in cases {
            assert_eq!(run_view(&run, 2000.0), want, "{:?}", run.speed);
        }
    }

    #[test]
    fn replayed_events_keep_the_timeline_order_and_the_recorded_detail() {
        let mut a = record(2, EventKind::CallAccepted, Some("c"), 1, 5000.0);
        a.detail = json!({"callId": "c", "agent": "Ann"});
        let r = record(1, EventKind::CallRequested, Some("c"), 1, 1000.0);
        let e = record(3, EventKind::CallEnded, Some("c"), 1, 5000.0);
        let got = replay_events(&[&e, &a, &r]);
        let kinds: Vec<&str> = got.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "fullview:callRequested",
                "fullview:callAccepted",
                "fullview:callEnded"
            ]
        );
        assert_eq!(got[1].detail, json!({"callId": "c", "agent": "Ann"}));
        assert_eq!(got[1].captured_at, 5000.0);
    }

    #[test]
    fn answers_say_what_failed() {
        let cases = [
            (
                Ok(Response::RunStarted {
                    v: 1,
                    run_id: "r".into(),
                    steps: 3,
                }),
                None,
            ),
            (
                Ok(Response::retry_later("busy")),
                Some(("Not done: busy. Trying again may work.", "refused")),
            ),
            (
                Ok(Response::refused("there is nothing to replay")),
                Some(("Not done: there is nothing to replay.", "refused")),
            ),
            (Err("gone".to_string()), Some(("Not done: gone", "refused"))),
        ];
        for (answer, want) in cases {
            assert_eq!(
                answer_text(&answer),
                want.map(|(t, s)| (t.to_string(), s)),
                "{answer:?}"
            );
        }
    }
}
