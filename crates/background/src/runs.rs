//! The background's runs (issue 13 item 2): presets and replays, fired step by step at
//! their times through the same path as one fire (`fire.rs`, so every step is noted and
//! marked as the inspector's). The pure rules are `fvi_core::replay`; this keeps the runs
//! in storage (`storage.session`, else `storage.local`, under `replay::RUNS_KEY`), where
//! they outlive the page that started them and the worker's stops, and wakes for the next
//! step: a timer when it is near (`replay::TIMER_MAX_MS`), and always an alarm, which
//! starts a stopped worker again (`lib.rs` resumes the runs at every start).

use std::cell::{Cell, RefCell};

use fvi_browser::runtime::Responder;
use fvi_browser::{alarms, storage, timer};
use fvi_core::protocol::{Response, PROTOCOL_VERSION};
use fvi_core::replay::{Outcome, Run, RunSource, RunStep, Runs, Speed, RUNS_KEY, TIMER_MAX_MS};

use crate::fire;

/// The alarm a run's wake-up uses.
pub const ALARM: &str = "fvi-run";

thread_local! {
    /// The runs as last read or written; read from storage once per worker start.
    static RUNS: RefCell<Option<Runs>> = const { RefCell::new(None) };
    /// A tick is running; another asked meanwhile.
    static BUSY: Cell<bool> = const { Cell::new(false) };
    static AGAIN: Cell<bool> = const { Cell::new(false) };
    /// Bumped by every schedule, so only the newest timer ticks.
    static TIMER: Cell<u64> = const { Cell::new(0) };
}

async fn loaded() {
    if RUNS.with(|r| r.borrow().is_some()) {
        return;
    }
    let stored = storage::session_get(RUNS_KEY).await.ok().flatten();
    let runs = Runs::decode(stored.as_ref());
    RUNS.with(|r| {
        let mut r = r.borrow_mut();
        if r.is_none() {
            *r = Some(runs);
        }
    });
}

fn with_runs<T>(f: impl FnOnce(&mut Runs) -> T) -> T {
    RUNS.with(|r| f(r.borrow_mut().get_or_insert_with(Runs::default)))
}

async fn save() -> Result<(), String> {
    let value = with_runs(|runs| runs.encode());
    storage::session_set(RUNS_KEY, &value)
        .await
        .map_err(|e| e.to_string())
}

/// Starts a run for an extension page; answers once it is kept.
pub fn start(tab_id: i64, speed: Speed, source: RunSource, respond: Responder) {
    wasm_bindgen_futures::spawn_local(async move {
        let id = fire::token("run");
        let run = match Run::new(id.clone(), tab_id, &source, speed, js_sys::Date::now()) {
            Ok(run) => run,
            Err(reason) => {
                respond.send(&Response::refused(reason));
                return;
            }
        };
        let steps = run.steps.len() as u32;
        loaded().await;
        with_runs(|runs| runs.add(run));
        let answer = match save().await {
            Ok(()) => Response::RunStarted {
                v: PROTOCOL_VERSION,
                run_id: id,
                steps,
            },
            Err(e) => Response::retry_later(format!("could not keep the run: {e}")),
        };
        respond.send(&answer);
        tick();
    });
}

/// Fires a run's next step now; answers once it was fired.
pub fn next(run_id: String, respond: Responder) {
    wasm_bindgen_futures::spawn_local(async move {
        loaded().await;
        let now = js_sys::Date::now();
        let taken = with_runs(|runs| {
            let run = runs.get_mut(&run_id)?;
            let tab = run.tab_id;
            run.take_next(now).map(|(i, step)| (tab, i, step))
        });
        let Some((tab_id, i, step)) = taken else {
            respond.send(&Response::refused("that run has nothing left to fire"));
            return;
        };
        let _ = save().await;
        let outcome = fire_step(tab_id, i, step).await;
        let answer = if outcome.ok {
            Response::Done {
                v: PROTOCOL_VERSION,
            }
        } else {
            Response::refused(outcome.text.clone())
        };
        record(&run_id, outcome).await;
        respond.send(&answer);
        tick();
    });
}

/// Stops a run: nothing more of it fires.
pub fn stop(run_id: String, respond: Responder) {
    wasm_bindgen_futures::spawn_local(async move {
        loaded().await;
        let found = with_runs(|runs| runs.get_mut(&run_id).map(|r| r.stopped = true));
        if found.is_none() {
            respond.send(&Response::refused("no such run"));
            return;
        }
        let answer = match save().await {
            Ok(()) => Response::Done {
                v: PROTOCOL_VERSION,
            },
            Err(e) => Response::retry_later(format!("could not stop the run: {e}")),
        };
        respond.send(&answer);
        tick();
    });
}

async fn record(run_id: &str, outcome: Outcome) {
    with_runs(|runs| {
        if let Some(run) = runs.get_mut(run_id) {
            run.last = Some(outcome);
        }
    });
    let _ = save().await;
}

async fn fire_step(tab_id: i64, step_index: usize, step: RunStep) -> Outcome {
    let request = fire::FireRequest {
        tab_id,
        target: step.target,
        kind: step.kind.name().to_string(),
        detail: step.detail,
        no_call_id: step.no_call_id,
    };
    let (ok, text) = match fire::run(request).await {
        Response::Fired { frames, .. } => (
            frames > 0,
            format!(
                "{} fired in {frames} {}",
                step.kind.short(),
                if frames == 1 { "frame" } else { "frames" }
            ),
        ),
        Response::Refused { reason, .. } => (false, format!("not fired: {reason}")),
        other => (false, format!("unexpected answer {other:?}")),
    };
    Outcome {
        step: step_index,
        at: js_sys::Date::now(),
        ok,
        text,
    }
}

/// Resumes the stored runs (every worker start, and an alarm).
pub fn resume() {
    tick();
}

/// Fires every due step of every run, in order, then waits for the next.
pub fn tick() {
    if BUSY.with(|b| b.replace(true)) {
        AGAIN.with(|a| a.set(true));
        return;
    }
    wasm_bindgen_futures::spawn_local(async {
        loop {
            AGAIN.with(|a| a.set(false));
            loaded().await;
            loop {
                let now = js_sys::Date::now();
                let taken = with_runs(|runs| {
                    runs.runs.iter_mut().find_map(|run| {
                        run.due(now)?;
                        let (i, step) = run.take_next(now)?;
                        Some((run.id.clone(), run.tab_id, i, step))
                    })
                });
                let Some((run_id, tab_id, i, step)) = taken else {
                    break;
                };
                // Moved on before the fire: a worker stopped mid-fire skips the step
                // rather than firing it twice.
                let _ = save().await;
                let outcome = fire_step(tab_id, i, step).await;
                record(&run_id, outcome).await;
            }
            if !AGAIN.with(|a| a.get()) {
                break;
            }
        }
        schedule().await;
        BUSY.with(|b| b.set(false));
        if AGAIN.with(|a| a.replace(false)) {
            tick();
        }
    });
}

async fn schedule() {
    let now = js_sys::Date::now();
    // No run in this browser session (the usual worker start): no alarm to move or clear.
    if with_runs(|runs| runs.runs.is_empty()) {
        return;
    }
    let wake = with_runs(|runs| runs.wake_in(now));
    let generation = TIMER.with(|t| {
        t.set(t.get() + 1);
        t.get()
    });
    let Some(ms) = wake else {
        let _ = alarms::clear(ALARM).await;
        return;
    };
    // The alarm outlives a stopped worker; the browser may ring it late (Chromium: 30 s
    // at the least), which the run's pace absorbs (`Run::take_next` re-anchors).
    let _ = alarms::set(ALARM, now + ms).await;
    if ms <= TIMER_MAX_MS {
        wasm_bindgen_futures::spawn_local(async move {
            let _ = timer::sleep(ms.ceil() as u32).await;
            if TIMER.with(|t| t.get()) == generation {
                tick();
            }
        });
    }
}

/// A run that ended stays in storage (its progress is what the pages show) until the tab
/// starts another or [`fvi_core::replay::MAX_RUNS`] pushes it out.
pub fn on_alarm(name: &str) {
    if name == ALARM {
        tick();
    }
}
