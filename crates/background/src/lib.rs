//! The background worker (a Chromium service worker, a Firefox event page).
//!
//! It owns the log: every capture is tagged with the tab and frame the browser reports,
//! numbered, and written to `storage.local` before the sender hears "stored". Nothing is
//! kept only in memory, because either browser may stop this worker at any idle moment.

mod jobs;
mod route;
mod store;

use wasm_bindgen::prelude::*;

/// Called by background/boot.js with the events its buffering listeners caught while the
/// wasm was loading. Registers the real listeners, then replays those events in order.
#[wasm_bindgen]
pub fn start(api: JsValue, early: JsValue) -> Result<(), JsValue> {
    fvi_browser::install(api);
    route::listen().map_err(|e| JsValue::from_str(&e.to_string()))?;
    for event in fvi_browser::early::decode(&early) {
        route::replay(event);
    }
    Ok(())
}
