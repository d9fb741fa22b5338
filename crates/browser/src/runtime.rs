//! `runtime`: messages between contexts, the extension's own id and URLs.

use js_sys::Function;
use serde::Deserialize;
use serde_json::Value;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use crate::{api, from_js, to_js, ExtListener, Result};

/// Who sent a message, as the browser reports it (`runtime.MessageSender`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageSender {
    /// The sending extension's id; messages from other extensions are refused.
    pub id: Option<String>,
    pub url: Option<String>,
    pub tab: Option<SenderTab>,
    pub frame_id: Option<i64>,
    /// Chromium 80+ only: the origin of the frame.
    pub origin: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SenderTab {
    pub id: Option<i64>,
    pub url: Option<String>,
}

/// Answers one message. Calling it is optional; dropping it answers nothing.
pub struct Responder(Function);

impl Responder {
    pub(crate) fn new(function: Function) -> Responder {
        Responder(function)
    }

    pub fn send(&self, value: &impl serde::Serialize) {
        if let Ok(js) = to_js(value) {
            let _ = self.0.call1(&JsValue::NULL, &js);
        }
    }
}

/// This extension's id.
pub fn id() -> String {
    api::get(&["runtime", "id"])
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// `runtime.getURL(path)`.
pub fn url(path: &str) -> String {
    api::call_sync(&["runtime"], "getURL", &[path.into()])
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// The manifest's `version`.
pub fn version() -> String {
    api::call_sync(&["runtime"], "getManifest", &[])
        .ok()
        .map(|m| from_js(&m))
        .and_then(|m| m.get("version").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_default()
}

/// Sends a message to the background and waits for its answer.
pub async fn send(message: &impl serde::Serialize) -> Result<Value> {
    let js = to_js(message)?;
    let answer = api::call(&["runtime"], "sendMessage", &[js]).await?;
    Ok(from_js(&answer))
}

/// A message as it arrived, not yet decoded: its `kind` is read at once, the rest is kept
/// as JSON text in the JS heap until [`Message::text`] copies it into Rust. A burst of
/// capture messages waiting for their turn then does not sit decoded in wasm linear
/// memory, which never shrinks while the instance lives (BENCHMARKS.md, background
/// memory).
pub struct Message {
    kind: Option<String>,
    text: Option<js_sys::JsString>,
}

impl Message {
    pub(crate) fn new(value: &JsValue) -> Message {
        let kind = js_sys::Reflect::get(value, &"kind".into())
            .ok()
            .and_then(|k| k.as_string());
        // `undefined`, a function, a cycle: no JSON text, read as `null`.
        let text = js_sys::JSON::stringify(value)
            .ok()
            .filter(|t| t.is_string());
        Message { kind, text }
    }

    /// The message's `kind` field, if it is a string.
    pub fn kind(&self) -> Option<&str> {
        self.kind.as_deref()
    }

    /// The message as JSON text (`null` for what JSON cannot say).
    pub fn text(&self) -> String {
        self.text
            .as_ref()
            .and_then(|t| t.as_string())
            .unwrap_or_else(|| "null".into())
    }
}

/// Listens to `runtime.onMessage`. The handler gets the message undecoded (see
/// [`Message`]); when it returns `true` it promises to call the [`Responder`] later (the
/// channel stays open, as both browsers require for asynchronous answers).
pub fn on_message(
    mut handler: impl FnMut(Message, MessageSender, Responder) -> bool + 'static,
) -> Result<ExtListener> {
    let closure = Closure::<dyn FnMut(JsValue, JsValue, JsValue) -> bool>::new(
        move |message: JsValue, sender: JsValue, respond: JsValue| {
            let sender: MessageSender =
                serde_json::from_value(from_js(&sender)).unwrap_or_default();
            handler(
                Message::new(&message),
                sender,
                Responder(respond.unchecked_into()),
            )
        },
    );
    ExtListener::add(&["runtime", "onMessage"], closure)
}

/// `runtime.onStartup`: the browser (profile) started.
pub fn on_startup(handler: impl FnMut() + 'static) -> Result<ExtListener> {
    let closure = Closure::<dyn FnMut()>::new(handler);
    ExtListener::add(&["runtime", "onStartup"], closure)
}

/// Sends `response` unasked to the extension's own pages (the background's status when
/// its health changes). With no page open the browser reports that nobody received it
/// ("Receiving end does not exist", both browsers), which is not a failure here.
// H1: a stand-in with H2's signature until H2's runtime.rs (which has the same function)
// is merged; drop this one then.
pub async fn broadcast(response: &impl serde::Serialize) -> Result<()> {
    let js = to_js(response)?;
    match api::call(&["runtime"], "sendMessage", &[js]).await {
        Ok(_) => Ok(()),
        Err(e) if e.0.contains("Receiving end does not exist") => Ok(()),
        Err(e) => Err(e),
    }
}
