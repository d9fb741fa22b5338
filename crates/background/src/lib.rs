//! The background worker (a Chromium service worker, a Firefox event page).
//!
//! It owns the log: every capture is tagged with the tab and frame the browser reports,
//! numbered, and written to `storage.local` before the sender hears "stored". Nothing is
//! kept only in memory, because either browser may stop this worker at any idle moment.

mod describer;
mod fire;
mod handlers;
mod jobs;
mod notify;
mod route;
mod runs;
mod store;

use wasm_bindgen::prelude::*;

thread_local! {
    /// The `runtime.onInstalled` listener, held for the worker's life.
    static INSTALLED: std::cell::RefCell<Option<fvi_browser::ExtListener>> =
        const { std::cell::RefCell::new(None) };
}

/// Called by background/boot.js with the events its buffering listeners caught while the
/// wasm was loading. Registers the real listeners, then replays those events in order.
#[wasm_bindgen]
pub fn start(api: JsValue, early: JsValue) -> Result<(), JsValue> {
    fvi_browser::install(api);
    route::listen().map_err(|e| JsValue::from_str(&e.to_string()))?;
    notify::listen().map_err(|e| JsValue::from_str(&e.to_string()))?;
    let installed = route::listen_installed().map_err(|e| JsValue::from_str(&e.to_string()))?;
    INSTALLED.with(|i| *i.borrow_mut() = Some(installed));
    fvi_browser::alarms::on_alarm(|name| runs::on_alarm(&name))
        .map(|l| l.forget())
        .map_err(|e| JsValue::from_str(&e.to_string()))?;
    // Registrations of the handlers hook match the stored opt-in list at every start.
    handlers::push(handlers::Work::Reconcile);
    for event in fvi_browser::early::decode(&early) {
        route::replay(event);
    }
    // A run kept in storage goes on after the worker stopped.
    runs::resume();
    Ok(())
}
