//! Long-lived ports between the extension's pages and its background (`runtime.connect`,
//! `runtime.onConnect`). The background tells each open inspector page over its own port
//! that the log changed (`fvi_core::protocol::Notice`). Not `runtime.sendMessage`: a page
//! that listens to `runtime.onMessage` also receives every capture message the content
//! scripts send the background (up to 2,000 events each), parsed on its main thread; and
//! not `storage.onChanged`, which hands every listening page the changed chunks' whole
//! contents. A port carries only what is posted on it.
//!
//! A [`Port`] owns its listeners: dropping it removes them and disconnects it.

use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use crate::runtime::MessageSender;
use crate::{api, from_js, to_js, ExtListener, Result};

/// One end of a port. Dropping it disconnects the port.
pub struct Port {
    port: JsValue,
    listeners: Vec<ExtListener>,
}

impl Port {
    fn new(port: JsValue) -> Port {
        Port {
            port,
            listeners: Vec::new(),
        }
    }

    /// The name the opener gave the port.
    pub fn name(&self) -> String {
        js_sys::Reflect::get(&self.port, &"name".into())
            .ok()
            .and_then(|n| n.as_string())
            .unwrap_or_default()
    }

    /// Who opened the port, as the browser reports it (on the receiving end).
    pub fn sender(&self) -> MessageSender {
        let sender = js_sys::Reflect::get(&self.port, &"sender".into()).unwrap_or_default();
        serde_json::from_value(from_js(&sender)).unwrap_or_default()
    }

    /// Posts `value` (as plain JSON data). Fails when the port is gone.
    pub fn post(&self, value: &impl Serialize) -> Result<()> {
        let js = to_js(value)?;
        let post: js_sys::Function =
            js_sys::Reflect::get(&self.port, &"postMessage".into())?.unchecked_into();
        post.call1(&self.port, &js)?;
        Ok(())
    }

    /// Calls `handler` with each message that arrives on the port, as JSON.
    pub fn on_message(&mut self, mut handler: impl FnMut(Value) + 'static) -> Result<()> {
        let closure = Closure::<dyn FnMut(JsValue)>::new(move |message: JsValue| {
            handler(from_js(&message));
        });
        let event = js_sys::Reflect::get(&self.port, &"onMessage".into())?;
        self.listeners.push(ExtListener::on(event, closure)?);
        Ok(())
    }

    /// Calls `handler` once when the other end goes: it disconnected, its page closed, or
    /// the background stopped. Not when this end drops the port. The handler must not drop
    /// this [`Port`] while it runs (the listener is part of it): defer that to a task.
    pub fn on_disconnect(&mut self, handler: impl FnOnce() + 'static) -> Result<()> {
        let mut handler = Some(handler);
        let closure = Closure::<dyn FnMut(JsValue)>::new(move |_port: JsValue| {
            if let Some(handler) = handler.take() {
                handler();
            }
        });
        let event = js_sys::Reflect::get(&self.port, &"onDisconnect".into())?;
        self.listeners.push(ExtListener::on(event, closure)?);
        Ok(())
    }
}

impl Drop for Port {
    fn drop(&mut self) {
        // Listeners first, so our own disconnect calls none of them.
        self.listeners.clear();
        if let Ok(disconnect) = js_sys::Reflect::get(&self.port, &"disconnect".into()) {
            let disconnect: js_sys::Function = disconnect.unchecked_into();
            let _ = disconnect.call0(&self.port);
        }
    }
}

/// Opens a port named `name` to the extension's background (`runtime.connect`), starting it
/// if it sleeps. Add the listeners at once: nothing that arrives before is kept.
pub fn connect(name: &str) -> Result<Port> {
    let options = to_js(&serde_json::json!({ "name": name }))?;
    let port = api::call_sync(&["runtime"], "connect", &[options])?;
    if !port.is_object() {
        return Err(crate::BrowserError("runtime.connect gave no port".into()));
    }
    Ok(Port::new(port))
}

/// A port another context opened to this one, from `runtime.onConnect` (see [`on_connect`])
/// or from the background's early buffer (`crate::early`).
pub fn incoming(port: JsValue) -> Port {
    Port::new(port)
}

/// `runtime.onConnect`: calls `handler` with each port another context opens to this one.
pub fn on_connect(mut handler: impl FnMut(Port) + 'static) -> Result<ExtListener> {
    let closure = Closure::<dyn FnMut(JsValue)>::new(move |port: JsValue| {
        handler(Port::new(port));
    });
    ExtListener::add(&["runtime", "onConnect"], closure)
}
