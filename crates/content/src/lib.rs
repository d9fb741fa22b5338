//! The content-script engine, injected into a frame on its first `fullview:*` event.
//!
//! The sentinel (content-script/sentinel.template.js) keeps raw events in a queue; this
//! engine takes that queue over, turns each page value into bounded JSON ([`walk`]), and
//! delivers batches to the background until each is acknowledged ([`deliver`]).

pub mod deliver;
pub mod walk;

use wasm_bindgen::prelude::*;

/// Entry point, called by content-script/boot.js once the module is instantiated. Where the
/// page's CSP forbids wasm this never runs: the relay delivers the frame in plain mode.
#[wasm_bindgen]
pub fn start(api: JsValue, sentinel: JsValue) -> Result<(), JsValue> {
    fvi_browser::install(api);
    deliver::take_over(sentinel)
}
