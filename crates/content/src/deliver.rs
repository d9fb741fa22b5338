//! Delivery: moves events from the sentinel's queue to the background, in order, in
//! batches, and keeps each batch until the background says it is stored.
//!
//! The background may be stopped at any moment (Chromium stops an idle service worker
//! after about 30 s; Firefox suspends its event page), and a message sent while it stops
//! fails. So a batch is only dropped from here on a `stored` (or `paused`) answer, and a
//! failure is retried with back-off. The background drops duplicates by `(document, n)`.

use std::cell::RefCell;
use std::rc::Rc;

use fvi_core::protocol::{PageEvent, Request, Response, MAX_BATCH, PROTOCOL_VERSION};
use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::walk::walk_detail;

struct Engine {
    /// The sentinel's state object (see sentinel.template.js).
    sentinel: JsValue,
    /// Walked events not yet acknowledged, oldest first.
    pending: Vec<PageEvent>,
    sending: bool,
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
        pending: Vec::new(),
        sending: false,
        scheduled: false,
    }));
    ENGINE.with(|e| *e.borrow_mut() = Some(engine.clone()));

    let notify = Closure::<dyn FnMut()>::new(schedule);
    let handle = js_sys::Object::new();
    Reflect::set(&handle, &"notify".into(), notify.as_ref())?;
    notify.forget();
    Reflect::set(&sentinel, &"engine".into(), &handle)?;
    schedule();
    Ok(())
}

/// Drains on the next microtask, so a burst fired in one task becomes a few batches
/// instead of one message per event.
fn schedule() {
    let Some(engine) = current() else { return };
    if std::mem::replace(&mut engine.borrow_mut().scheduled, true) {
        return;
    }
    wasm_bindgen_futures::spawn_local(async move {
        engine.borrow_mut().scheduled = false;
        drain(&engine);
        pump(engine).await;
    });
}

fn current() -> Option<Rc<RefCell<Engine>>> {
    ENGINE.with(|e| e.borrow().clone())
}

/// Moves everything from the sentinel's queue into `pending`, walking each detail.
fn drain(engine: &Rc<RefCell<Engine>>) {
    let mut engine = engine.borrow_mut();
    let Ok(queue) = Reflect::get(&engine.sentinel, &"queue".into()) else {
        return;
    };
    // Swap in a fresh array: the sentinel pushes to `state.queue` by name each time.
    let _ = Reflect::set(&engine.sentinel, &"queue".into(), &Array::new());
    let raw: Array = queue.unchecked_into();
    for item in raw.iter() {
        let field = |name: &str| Reflect::get(&item, &name.into()).unwrap_or(JsValue::UNDEFINED);
        let (detail, cut) = walk_detail(&field("detail"));
        engine.pending.push(PageEvent {
            n: field("n").as_f64().unwrap_or(0.0) as u64,
            kind: field("type").as_string().unwrap_or_default(),
            captured_at: field("capturedAt").as_f64().unwrap_or(0.0),
            url: field("url").as_string().unwrap_or_default(),
            detail,
            detail_truncated: cut,
        });
    }
}

/// Sends pending batches one at a time until none are left.
async fn pump(engine: Rc<RefCell<Engine>>) {
    if std::mem::replace(&mut engine.borrow_mut().sending, true) {
        return;
    }
    let mut delay_ms = 50;
    loop {
        let (document, batch) = {
            let e = engine.borrow();
            if e.pending.is_empty() {
                break;
            }
            let document = Reflect::get(&e.sentinel, &"document".into())
                .ok()
                .and_then(|d| d.as_string())
                .unwrap_or_default();
            let batch: Vec<PageEvent> = e.pending.iter().take(MAX_BATCH).cloned().collect();
            (document, batch)
        };
        let count = batch.len();
        let request = Request::Capture {
            v: PROTOCOL_VERSION,
            document,
            events: batch,
        };
        let answer = fvi_browser::runtime::send(&request).await;
        match answer.map(serde_json::from_value::<Response>) {
            Ok(Ok(Response::Stored { .. } | Response::Paused { .. })) => {
                engine.borrow_mut().pending.drain(..count);
                delay_ms = 50;
            }
            // Refused means the background will never take this batch (for example a
            // malformed event we built); keeping it would block every later event.
            Ok(Ok(Response::Refused { .. })) => {
                engine.borrow_mut().pending.drain(..count);
            }
            // The worker stopped mid-flight or is starting: wait, then send again.
            _ => {
                sleep(delay_ms).await;
                delay_ms = (delay_ms * 2).min(5000);
            }
        }
        // Events that arrived while this batch was in flight.
        drain(&engine);
    }
    engine.borrow_mut().sending = false;
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
