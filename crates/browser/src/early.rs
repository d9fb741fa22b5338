//! Events that arrived before the wasm was ready.
//!
//! Chromium only delivers the event that woke a service worker to listeners registered
//! synchronously in the worker's first turn ("Register listeners synchronously", Chrome
//! extension service-worker lifecycle docs), and wasm instantiation is asynchronous. So
//! background/boot.js registers buffering listeners first, and the Rust background replays
//! what they caught. Those listeners are one of the JS loaders' stated exceptions to the
//! namespace invariant (ARCHITECTURE.md invariants), and they only buffer.

use js_sys::{Array, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::from_js;
use crate::runtime::{Message, MessageSender, Responder};

/// One buffered event, as its listener would have received it.
pub enum EarlyEvent {
    Message(Message, MessageSender, Responder),
    TabRemoved(i64),
    TabUrl(i64, String),
    Startup,
    /// `runtime.onInstalled`, which fires in the worker's first turn after an install,
    /// update or reload (crates/browser/src/installed.rs).
    Installed(crate::installed::Reason),
    /// `runtime.onConnect`: a page opened a port (crates/browser/src/port.rs), which also
    /// starts a sleeping worker.
    Connect(crate::port::Port),
    /// `alarms.onAlarm`: the alarm's name (a run's wake-up, which also starts a stopped
    /// worker).
    Alarm(String),
}

/// Decodes boot.js's `early` array of `[eventName, arguments]` pairs.
pub fn decode(early: &JsValue) -> Vec<EarlyEvent> {
    let Some(items) = early.dyn_ref::<Array>() else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| {
            let name = Reflect::get(&item, &0.into()).ok()?.as_string()?;
            let args: Array = Reflect::get(&item, &1.into()).ok()?.dyn_into().ok()?;
            match name.as_str() {
                "runtime.onMessage" => {
                    let respond = args.get(2);
                    if !respond.is_function() {
                        return None;
                    }
                    let sender = serde_json::from_value(from_js(&args.get(1))).unwrap_or_default();
                    Some(EarlyEvent::Message(
                        Message::new(&args.get(0)),
                        sender,
                        Responder::new(respond.unchecked_into()),
                    ))
                }
                "runtime.onStartup" => Some(EarlyEvent::Startup),
                "runtime.onInstalled" => Some(EarlyEvent::Installed(
                    crate::installed::Reason::from_details(&args.get(0)),
                )),
                "runtime.onConnect" => {
                    let port = args.get(0);
                    port.is_object()
                        .then(|| EarlyEvent::Connect(crate::port::incoming(port)))
                }
                "alarms.onAlarm" => crate::alarms::name_of(&args.get(0)).map(EarlyEvent::Alarm),
                "tabs.onRemoved" => Some(EarlyEvent::TabRemoved(args.get(0).as_f64()? as i64)),
                "tabs.onUpdated" => {
                    let url = from_js(&args.get(1)).get("url")?.as_str()?.to_string();
                    Some(EarlyEvent::TabUrl(args.get(0).as_f64()? as i64, url))
                }
                _ => None,
            }
        })
        .collect()
}
