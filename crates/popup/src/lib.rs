//! The popup (also opened as a full tab): shows the log as per-call timelines with the
//! core's analysis, filters it, exports it and imports exports read-only.
//!
//! Data flow: `load` (storage.local → typed records) → `state::App` (core timeline →
//! `model`, updated per load) → view models (`calls_list::RowView`, `texts`: plain data)
//! → one render (`view::render_all`) that patches the DOM, the list through keyed rows.
//! `view` wires the page, holds its listeners, and owns the element contract the tests use.

mod actions;
mod calls_list;
mod dom;
mod export;
mod filters;
mod find;
mod fire_view;
#[cfg(test)]
mod fixtures;
mod format;
mod handlers_view;
mod host;
mod import;
mod live;
mod load;
mod model;
mod replay_view;
mod state;
mod texts;
mod timeline_view;
mod view;

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;

/// Entry point, called by popup/boot.js with the extension namespace and the promise of the
/// storage reads it started while the wasm compiled (`fvi_browser::storage::Prefetched`).
#[wasm_bindgen]
pub fn start(api: JsValue, prefetch: JsValue) -> Result<(), JsValue> {
    fvi_browser::install(api);
    // When the wasm is up: separates module start-up from loading and rendering in the
    // first-paint figure.
    if let Some(root) = dom::document().document_element() {
        dom::attr(
            &root,
            "data-fvi-start-ms",
            &format!("{:.1}", dom::perf_now()),
        );
    }
    let app = Rc::new(RefCell::new(state::App::new()));
    let mounted = view::mount(&app)?;
    // The page holds its view, and with it every listener and timer, for its whole life.
    VIEW.with(|v| *v.borrow_mut() = Some(mounted));
    wasm_bindgen_futures::spawn_local(view::start(app, prefetch));
    Ok(())
}

thread_local! {
    /// The mounted view (`view::View`): dropping it would remove its listeners.
    static VIEW: RefCell<Option<view::View>> = const { RefCell::new(None) };
}
