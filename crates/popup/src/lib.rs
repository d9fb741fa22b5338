//! The popup (also opened as a full tab): shows the log as calls and exports it.

mod dom;
mod export;
mod load;
mod view;

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;

/// Entry point, called by popup/boot.js.
#[wasm_bindgen]
pub fn start(api: JsValue) -> Result<(), JsValue> {
    fvi_browser::install(api);
    let app = Rc::new(RefCell::new(view::App::default()));
    view::mount(&app)?;
    wasm_bindgen_futures::spawn_local(async move { view::refresh(&app).await });
    Ok(())
}
