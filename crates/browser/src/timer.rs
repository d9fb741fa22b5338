//! `setTimeout` as a future, in whichever global the code runs: Chromium's service worker
//! (`ServiceWorkerGlobalScope`), Firefox's event page (`Window`) or an extension page. Both
//! have `setTimeout` on the global object, so it is taken from there rather than through a
//! `Window` that a worker does not have.

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::BrowserError;

/// Resolves after about `ms` milliseconds (the browser may run it later, never sooner);
/// an error, at once, if this global has no `setTimeout`. In Chromium a stopped service
/// worker never runs it: anything that waits on it must be state that dies with the
/// worker too.
pub async fn sleep(ms: u32) -> Result<(), BrowserError> {
    let global = js_sys::global();
    let set_timeout = Reflect::get(&global, &"setTimeout".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or_else(|| BrowserError("no setTimeout in this context".into()))?;
    let mut failed = None;
    let promise = Promise::new(&mut |resolve, _reject| {
        if let Err(e) = set_timeout.call2(&global, &resolve, &JsValue::from(ms)) {
            failed = Some(e);
        }
    });
    if let Some(e) = failed {
        return Err(BrowserError::from(e));
    }
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(BrowserError::from)
}
