//! Delivery: moves events from the sentinel's queue to the background, in batches, and
//! keeps each batch until the background says it is stored.
//!
//! The background may be stopped at any moment (Chromium stops an idle service worker
//! after about 30 s; Firefox suspends its event page), and a message sent while it stops
//! fails, and a write to `storage.local` may fail for seconds. So a batch is only dropped
//! from here on a `stored` (or `paused`) answer, or on a refusal the background marks final
//! (and counts); a failed message, and a refusal that asks for a retry (storage failed), are
//! retried with back-off. The background drops duplicates by `(document, n)`, in whatever
//! order they arrive.
//!
//! Every batch leaves the frame in the microtask after its events fired, without waiting
//! for earlier batches' answers: a tab can close a moment after a burst, and what is still
//! in the frame then is hard to get out. Firefox stops a closing tab's `pagehide` listener
//! after very little work (seen on Firefox ESR 153: two small messages left, building a
//! 2000-event one was cut off), so waiting for answers before sending the next batch lost
//! everything behind the first one. [`flush`] (called from the `pagehide` listener of
//! content-script/relay.js) only resends what is waiting for a retry.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use fvi_core::protocol::{PageEvent, Request, Response, MAX_BATCH, PROTOCOL_VERSION};
use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::walk::walk_detail;

struct Engine {
    /// The sentinel's state object (see sentinel.template.js).
    sentinel: JsValue,
    /// Batches sent and not yet acknowledged, by number, with whether each is waiting to
    /// be resent (its last attempt failed).
    unacked: BTreeMap<u64, (Rc<Request>, bool)>,
    next_batch: u64,
    scheduled: bool,
}

thread_local! {
    static ENGINE: RefCell<Option<Rc<RefCell<Engine>>>> = const { RefCell::new(None) };
}

/// Installs the engine as the sentinel's `engine` and drains what is already queued.
pub fn take_over(sentinel: JsValue) -> Result<(), JsValue> {
    if !sentinel.is_object() {
        return Err("no sentinel in this frame".into());
    }
    let engine = Rc::new(RefCell::new(Engine {
        sentinel: sentinel.clone(),
        unacked: BTreeMap::new(),
        next_batch: 0,
        scheduled: false,
    }));
    ENGINE.with(|e| *e.borrow_mut() = Some(engine));

    let notify = Closure::<dyn FnMut()>::new(schedule);
    let flush = Closure::<dyn FnMut()>::new(flush);
    let unacked = Closure::<dyn FnMut()>::new(hand_over_unacked);
    let handle = js_sys::Object::new();
    Reflect::set(&handle, &"notify".into(), notify.as_ref())?;
    Reflect::set(&handle, &"flush".into(), flush.as_ref())?;
    Reflect::set(&handle, &"unacked".into(), unacked.as_ref())?;
    // The sentinel's state holds these for the frame's life, as the engine lives as long.
    notify.forget();
    flush.forget();
    unacked.forget();
    Reflect::set(&sentinel, &"engine".into(), &handle)?;
    schedule();
    Ok(())
}

/// Sends on the next microtask, so a burst fired in one task becomes a few batches
/// instead of one message per event.
fn schedule() {
    let Some(engine) = current() else { return };
    if std::mem::replace(&mut engine.borrow_mut().scheduled, true) {
        return;
    }
    wasm_bindgen_futures::spawn_local(async move {
        engine.borrow_mut().scheduled = false;
        send_queued(&engine);
    });
}

fn current() -> Option<Rc<RefCell<Engine>>> {
    ENGINE.with(|e| e.borrow().clone())
}

fn document_of(engine: &Engine) -> String {
    Reflect::get(&engine.sentinel, &"document".into())
        .ok()
        .and_then(|d| d.as_string())
        .unwrap_or_default()
}

/// Takes everything from the sentinel's queue, walking each detail, and sends it.
fn send_queued(engine: &Rc<RefCell<Engine>>) {
    let (document, events) = {
        let engine = engine.borrow();
        let Ok(queue) = Reflect::get(&engine.sentinel, &"queue".into()) else {
            return;
        };
        // Swap in a fresh array: the sentinel pushes to `state.queue` by name each time.
        let _ = Reflect::set(&engine.sentinel, &"queue".into(), &Array::new());
        let raw: Array = queue.unchecked_into();
        let events: Vec<PageEvent> = raw.iter().map(|item| walk_event(&item)).collect();
        (document_of(&engine), events)
    };
    for batch in events.chunks(MAX_BATCH) {
        let request = Rc::new(Request::Capture {
            v: PROTOCOL_VERSION,
            document: document.clone(),
            events: batch.to_vec(),
        });
        let id = {
            let mut e = engine.borrow_mut();
            let id = e.next_batch;
            e.next_batch += 1;
            e.unacked.insert(id, (request.clone(), false));
            id
        };
        start(deliver(engine.clone(), id, request));
    }
}

fn walk_event(item: &JsValue) -> PageEvent {
    let field = |name: &str| Reflect::get(item, &name.into()).unwrap_or(JsValue::UNDEFINED);
    let (detail, cut) = walk_detail(&field("detail"));
    PageEvent {
        n: field("n").as_f64().unwrap_or(0.0) as u64,
        kind: field("type").as_string().unwrap_or_default(),
        captured_at: field("capturedAt").as_f64().unwrap_or(0.0),
        url: field("url").as_string().unwrap_or_default(),
        detail,
        detail_truncated: cut,
    }
}

/// Runs `task` up to its first `await` right now, so its message is sent before this
/// returns (not on a later microtask), then lets it finish as a task of its own.
fn start(task: impl Future<Output = ()> + 'static) {
    let mut task = Box::pin(task);
    if poll_once(task.as_mut()).is_pending() {
        wasm_bindgen_futures::spawn_local(task);
    }
}

fn poll_once(task: Pin<&mut impl Future<Output = ()>>) -> Poll<()> {
    task.poll(&mut Context::from_waker(Waker::noop()))
}

/// What to do with a batch after one attempt to send it.
#[derive(Debug, PartialEq)]
enum Outcome {
    /// Stored (or already), or deliberately not stored while capture is paused: forget it.
    Done,
    /// Refused for good (malformed, wrong version, wrong sender): the background counted
    /// it, and the same message would be refused again, so resending helps nobody.
    Refused,
    /// The message failed (the worker stopped mid-flight or is starting), the answer did
    /// not decode, or the refusal asks for a retry (storage failed): keep it and send it
    /// again after the back-off.
    Retry,
}

fn outcome(answer: &fvi_browser::Result<Response>) -> Outcome {
    match answer {
        Ok(Response::Stored { .. } | Response::Paused { .. }) => Outcome::Done,
        Ok(Response::Refused { retry: false, .. }) => Outcome::Refused,
        // `Done`, `Status`, `Fired` or `RunStarted` answer no capture: a background that
        // said so stored nothing we know of, so the batch stays.
        Ok(
            Response::Refused { retry: true, .. }
            | Response::Done { .. }
            | Response::Status { .. }
            | Response::Fired { .. }
            | Response::RunStarted { .. },
        )
        | Err(_) => Outcome::Retry,
    }
}

/// Sends one batch until the background is done with it (see [`Outcome`]).
async fn deliver(engine: Rc<RefCell<Engine>>, id: u64, request: Rc<Request>) {
    let mut delay_ms = 50;
    loop {
        let answer = fvi_browser::runtime::send(&request).await;
        match outcome(&answer) {
            Outcome::Done | Outcome::Refused => {
                engine.borrow_mut().unacked.remove(&id);
                return;
            }
            // An orphan (the extension was updated, reloaded or disabled) stands down: its
            // successor, injected into a new world, captures from now on, and nothing
            // this copy sends can arrive (ARCHITECTURE.md, "Extension updates"). The batch
            // goes to the relay, which hands what it keeps to the successor.
            Outcome::Retry if !fvi_browser::installed::extension_alive() => {
                let sentinel = {
                    let mut e = engine.borrow_mut();
                    e.unacked.remove(&id);
                    e.sentinel.clone()
                };
                keep_for_successor(&sentinel, &request);
                return;
            }
            // The worker stopped mid-flight, is starting, or storage failed: wait, then
            // send again.
            Outcome::Retry => {
                set_waiting(&engine, id, true);
                sleep(delay_ms).await;
                set_waiting(&engine, id, false);
                delay_ms = (delay_ms * 2).min(5000);
            }
        }
    }
}

/// Hands every batch not yet acknowledged to the relay's `keepOrphaned`, for its handover
/// to the new version after an update (relay.js, `fvi:hello`): a batch still in flight when
/// the successor greets this orphan fails only later. Some may have been stored; the
/// background drops those copies by (document, n). (A closure that returns a value, the
/// plainer shape, made wasm-bindgen 0.2.130's CLI panic on our wasm-opt'ed module.)
fn hand_over_unacked() {
    let Some(engine) = current() else { return };
    let (sentinel, requests) = {
        let engine = engine.borrow();
        let requests: Vec<Rc<Request>> = engine.unacked.values().map(|(r, _)| r.clone()).collect();
        (engine.sentinel.clone(), requests)
    };
    for request in requests {
        keep_for_successor(&sentinel, &request);
    }
}

/// Hands a batch this orphan can no longer send to the relay's `keepOrphaned` (as the
/// JSON of its events), which gives it to the new version's handover (relay.js). In
/// Chromium a reload first stops the worker while this frame's context still looks alive:
/// batches sent then fail, and by their retry the context is gone. Dropping them lost
/// 0.76 s of a tick every 10 ms in `update.rs`'s `through_an_update_in_chromium`.
fn keep_for_successor(sentinel: &JsValue, request: &Request) {
    let Request::Capture { events, .. } = request else {
        return;
    };
    let Ok(keep) = Reflect::get(sentinel, &"keepOrphaned".into()) else {
        return;
    };
    if let (Some(keep), Ok(text)) = (
        keep.dyn_ref::<js_sys::Function>(),
        serde_json::to_string(events),
    ) {
        let _ = keep.call1(&JsValue::NULL, &text.into());
    }
}

fn set_waiting(engine: &Rc<RefCell<Engine>>, id: u64, waiting: bool) {
    if let Some(entry) = engine.borrow_mut().unacked.get_mut(&id) {
        entry.1 = waiting;
    }
}

/// The frame is going away (`pagehide`): sends what is still queued, and resends now
/// every batch that is waiting out a back-off, without waiting for answers. Batches in
/// flight already left. If the page lives on (back/forward cache), the usual retries go
/// on and the background drops whatever arrives twice.
fn flush() {
    let Some(engine) = current() else { return };
    send_queued(&engine);
    let waiting: Vec<Rc<Request>> = engine
        .borrow()
        .unacked
        .values()
        .filter(|(_, waiting)| *waiting)
        .map(|(request, _)| request.clone())
        .collect();
    for request in waiting {
        start(async move {
            let _ = fvi_browser::runtime::send(&request).await;
        });
    }
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use fvi_browser::BrowserError;

    #[test]
    fn only_stored_paused_and_final_refusals_end_a_batch() {
        let v = PROTOCOL_VERSION;
        let cases = [
            (
                Ok(Response::Stored {
                    v,
                    stored: 3,
                    duplicates: 1,
                }),
                Outcome::Done,
            ),
            (Ok(Response::Paused { v }), Outcome::Done),
            (Ok(Response::refused("malformed message")), Outcome::Refused),
            (Ok(Response::retry_later("storage failed")), Outcome::Retry),
            (Ok(Response::Done { v }), Outcome::Retry),
            (
                Ok(Response::Status {
                    v,
                    health: Default::default(),
                }),
                Outcome::Retry,
            ),
            (
                Err(BrowserError("The message port closed".into())),
                Outcome::Retry,
            ),
        ];
        for (answer, expect) in cases {
            assert_eq!(outcome(&answer), expect, "{answer:?}");
        }
    }
}
