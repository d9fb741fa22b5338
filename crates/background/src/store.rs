//! The background's side of the store: the I/O for the pure `fvi_core::store` state
//! machine, which holds every rule. Once per job, in this one place: load (once per worker
//! life), handle, write, then reply, badge and broadcast what changed. No storage result is
//! ignored: each goes back to the core, which decides the answer and the health.
//!
//! The core's state (`meta`, the tail chunk, health) is kept in memory between jobs. It is
//! only a read cache of storage plus what storage could not take yet: every change a sender
//! waits on is written before it is acknowledged, and a restarted worker loads it again.

use std::cell::RefCell;

use fvi_browser::runtime::{self, Responder};
use fvi_browser::{action, storage, timer};
use fvi_core::log::{chunk_key, META_KEY};
use fvi_core::protocol::{Health, Notice, Response, PROTOCOL_VERSION};
use fvi_core::store::{read_meta, Effects, Input, Plan, Store, Written, WAIT_SILENCE_MS};

use crate::jobs::Job;

thread_local! {
    /// Borrowed only synchronously (never across an `await`), so the router can answer a
    /// status request while a job waits for storage.
    static STORE: RefCell<Store> = RefCell::new(Store::new());
    /// A [`look_again`] is pending.
    static LOOKING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn now() -> f64 {
    js_sys::Date::now()
}

/// Runs one job: load, handle, write, finish, act; and again for a follow-up read the core
/// asks for (the whole log, for eviction).
pub async fn run(job: Job) {
    let now = now();
    let (mut input, mut respond) = job.into_input();
    if let Err(error) = load().await {
        let effects = STORE.with(|s| s.borrow_mut().read_failed(input, &error, now));
        act(effects, respond).await;
        look_again_while_waiting();
        return;
    }
    loop {
        let plan = STORE.with(|s| s.borrow().handle(input, now));
        let written = write(&plan).await;
        let effects = STORE.with(|s| s.borrow_mut().finish(plan, written));
        let load = act(effects, respond.take()).await;
        look_again_while_waiting();
        if load.is_empty() {
            return;
        }
        input = match storage::get(&load).await {
            Ok(got) => Input::Chunks(got),
            Err(e) => {
                // Eviction waits for the next capture over the limit; health says why.
                let input = Input::Chunks(Default::default());
                let effects =
                    STORE.with(|s| s.borrow_mut().read_failed(input, &e.to_string(), now));
                act(effects, None).await;
                return;
            }
        };
    }
}

/// While events wait, looks at the health again once their senders could have fallen
/// silent for [`WAIT_SILENCE_MS`], and broadcasts it if it changed: the core then counts a
/// silent sender's events as lost (`fvi_core::store`), and an open page's notice must say so
/// without waiting for the next event. A closed tab needs no timer: `tabs.onRemoved` is a
/// job of its own. The timer dies with the worker, and so does the health it would update.
fn look_again_while_waiting() {
    let waiting = STORE.with(|s| s.borrow().health().waiting_events) > 0;
    if !waiting || LOOKING.with(|l| l.replace(true)) {
        return;
    }
    wasm_bindgen_futures::spawn_local(async {
        loop {
            let slept = timer::sleep(WAIT_SILENCE_MS as u32 + 1000).await;
            let effects = STORE.with(|s| {
                let plan = s.borrow().handle(Input::Status, now());
                s.borrow_mut().finish(plan, Written::Ok)
            });
            act(effects, None).await;
            let waiting = STORE.with(|s| s.borrow().health().waiting_events) > 0;
            if slept.is_err() || !waiting {
                break;
            }
        }
        LOOKING.with(|l| l.set(false));
    });
}

/// Notes an event the background is about to fire into a page (`fire.rs`), now.
pub fn expect_fire(expected: fvi_core::fire::Expected) {
    STORE.with(|s| s.borrow_mut().expect_fire(expected, now()));
}

/// Answers a status request from an extension page at once, from memory: it must not wait
/// behind a burst of captures in the job queue.
pub fn status(respond: Responder) {
    let effects = STORE.with(|s| {
        let plan = s.borrow().handle(Input::Status, now());
        s.borrow_mut().finish(plan, Written::Ok)
    });
    if let Some(reply) = effects.reply {
        respond.send(&reply);
    }
}

/// The health as the store knows it now (a page's greeting, `notify`).
pub fn health() -> Health {
    STORE.with(|s| s.borrow().health())
}

/// Loads `meta`, its tail chunk and the list of keys, once per worker life. The keys let
/// the core find chunks `meta` does not list (a worker stopped between an eviction's set
/// and its remove) and remove them with its first write.
async fn load() -> Result<(), String> {
    if STORE.with(|s| s.borrow().is_loaded()) {
        return Ok(());
    }
    let keys = storage::keys().await.map_err(|e| e.to_string())?;
    let got = storage::get(&[META_KEY.to_string()])
        .await
        .map_err(|e| e.to_string())?;
    let meta = read_meta(got.get(META_KEY));
    let tail = match meta.tail_chunk() {
        Some(info) => {
            let key = chunk_key(info.id);
            let mut got = storage::get(std::slice::from_ref(&key))
                .await
                .map_err(|e| e.to_string())?;
            got.remove(&key)
        }
        None => None,
    };
    let panel = meta.toolbar_opens_panel;
    STORE.with(|s| s.borrow_mut().loaded(meta, tail.as_ref(), &keys));
    // The browser forgets a popup changed at run time when it restarts: apply the setting
    // once per worker life. Only a non-default setting needs it.
    if panel {
        apply_toolbar(panel).await;
    }
    Ok(())
}

/// Best effort, deliberately: the setting is stored, and a failure here (an API missing
/// from this browser version) leaves the button opening the popup, which still works.
async fn apply_toolbar(panel: bool) {
    let _ = action::set_opens_panel(panel).await;
}

/// The plan's writes: one `set` (new events and the `meta` that lists them together), then
/// the removal of keys that `meta` no longer lists.
async fn write(plan: &Plan) -> Written {
    if !plan.set.is_empty() {
        if let Err(e) = storage::set(&plan.set).await {
            return Written::SetFailed(e.to_string());
        }
    }
    if !plan.remove.is_empty() {
        if let Err(e) = storage::remove(&plan.remove).await {
            return Written::RemoveFailed(e.to_string());
        }
    }
    Written::Ok
}

/// Sends the answer, then badges and the status broadcast; returns the keys to read next.
async fn act(effects: Effects, respond: Option<Responder>) -> Vec<String> {
    if let (Some(reply), Some(respond)) = (effects.reply, respond) {
        respond.send(&reply);
    }
    if let Some(seq) = effects.log_changed {
        crate::notify::log_changed(seq);
    }
    if let Some(status) = effects.status {
        // To the pages holding a port (`notify`), and to those listening for broadcasts.
        if let Response::Status { health, .. } = &status {
            crate::notify::post(&Notice::Status {
                v: PROTOCOL_VERSION,
                health: health.clone(),
            });
        }
        // Not awaited in the queue: an open page may take its time to take it.
        wasm_bindgen_futures::spawn_local(async move {
            // Ignored deliberately. `broadcast` already takes "Receiving end does not exist"
            // (no extension page open: the usual case, in both browsers) as success; any
            // other error means no page can be told now, and each page asks for the health
            // when it opens (`Request::Status`), so there is nothing to retry.
            let _ = runtime::broadcast(&status).await;
        });
    }
    if let Some(panel) = effects.toolbar {
        apply_toolbar(panel).await;
    }
    for (tab, text) in effects.badges {
        // Best effort, deliberately: the tab may have closed since its events came
        // (`setBadgeText` then rejects with "No tab with id"), and the log is unaffected.
        let _ = action::set_badge(tab, &text).await;
    }
    effects.load
}
