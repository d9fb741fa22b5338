//! RAII listeners: dropping one removes it, so a listener's lifetime is a Rust value's.
//! Modelled on gloo-events' `EventListener`, for both DOM events and extension events.

use js_sys::Function;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use crate::api;
use crate::Result;

/// A listener on a WebExtension event such as `runtime.onMessage`.
pub struct ExtListener {
    event: JsValue,
    function: Function,
    _closure: Box<dyn std::any::Any>,
}

impl ExtListener {
    /// Adds `closure` to `namespace.<path>` (e.g. `["runtime", "onMessage"]`).
    pub(crate) fn add<F: ?Sized + 'static>(
        path: &[&str],
        closure: Closure<F>,
    ) -> Result<ExtListener> {
        ExtListener::on(api::get(path)?, closure)
    }

    /// Adds `closure` to an event object already at hand (a port's `onMessage`).
    pub(crate) fn on<F: ?Sized + 'static>(
        event: JsValue,
        closure: Closure<F>,
    ) -> Result<ExtListener> {
        let function: Function = closure.as_ref().clone().unchecked_into();
        let add: Function = js_sys::Reflect::get(&event, &"addListener".into())?.unchecked_into();
        add.call1(&event, &function)?;
        Ok(ExtListener {
            event,
            function,
            _closure: Box::new(closure),
        })
    }

    /// Keeps the listener for the life of the page or worker.
    pub fn forget(self) {
        std::mem::forget(self);
    }
}

impl Drop for ExtListener {
    fn drop(&mut self) {
        if let Ok(remove) = js_sys::Reflect::get(&self.event, &"removeListener".into()) {
            let remove: Function = remove.unchecked_into();
            let _ = remove.call1(&self.event, &self.function);
        }
    }
}

/// A DOM event listener removed on drop (what gloo-events does, without the dependency).
pub struct DomListener {
    target: web_sys::EventTarget,
    name: String,
    capture: bool,
    closure: Closure<dyn FnMut(web_sys::Event)>,
}

impl DomListener {
    pub fn new(
        target: &web_sys::EventTarget,
        name: &str,
        capture: bool,
        callback: impl FnMut(web_sys::Event) + 'static,
    ) -> DomListener {
        let closure = Closure::<dyn FnMut(web_sys::Event)>::new(callback);
        let options = web_sys::AddEventListenerOptions::new();
        options.set_capture(capture);
        let _ = target.add_event_listener_with_callback_and_add_event_listener_options(
            name,
            closure.as_ref().unchecked_ref(),
            &options,
        );
        DomListener {
            target: target.clone(),
            name: name.to_string(),
            capture,
            closure,
        }
    }

    pub fn forget(self) {
        std::mem::forget(self);
    }
}

impl Drop for DomListener {
    fn drop(&mut self) {
        let _ = self.target.remove_event_listener_with_callback_and_bool(
            &self.name,
            self.closure.as_ref().unchecked_ref(),
            self.capture,
        );
    }
}
