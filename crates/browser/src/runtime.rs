//! `runtime`: messages between contexts, the extension's own id and URLs.

use js_sys::Function;
use serde::Deserialize;
use serde_json::Value;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use fvi_core::protocol::{Health, Request, Response, PROTOCOL_VERSION};

use crate::{api, from_js, to_js, BrowserError, ExtListener, Result};

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
    /// Needs the `tabs` permission, which the manifest has.
    pub title: Option<String>,
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

/// Sends a request to the background and decodes its answer: the one way every Rust sender
/// (the content-script engine, the popup) talks to it.
///
/// An `Err` means no usable answer came: the message failed (no background, or the worker
/// stopped before it answered, as Chromium does to an idle service worker), or what came
/// back is not a [`Response`] of this protocol version (the error says what it was). A
/// refusal is an `Ok`: whether to send again is the caller's decision, from its `retry`.
pub async fn send(request: &Request) -> Result<Response> {
    let js = to_js(request)?;
    let answer = api::call(&["runtime"], "sendMessage", &[js]).await?;
    decode_answer(from_js(&answer))
}

/// Reads the background's answer as a [`Response`] of this protocol version.
fn decode_answer(answer: Value) -> Result<Response> {
    let clip = |v: &Value| -> String { v.to_string().chars().take(200).collect() };
    if answer.is_null() {
        // Firefox resolves with `undefined` when no listener answered.
        return Err(BrowserError("the background gave no answer".into()));
    }
    let response = serde_json::from_value::<Response>(answer.clone()).map_err(|e| {
        BrowserError(format!(
            "the background's answer is not a protocol response ({e}): {}",
            clip(&answer)
        ))
    })?;
    let v = match &response {
        Response::Stored { v, .. }
        | Response::Paused { v }
        | Response::Done { v }
        | Response::Refused { v, .. }
        | Response::Status { v, .. }
        | Response::Fired { v, .. }
        | Response::RunStarted { v, .. } => *v,
    };
    if v != PROTOCOL_VERSION {
        return Err(BrowserError(format!(
            "the background answered in protocol version {v}, expected {PROTOCOL_VERSION}: {}",
            clip(&answer)
        )));
    }
    Ok(response)
}

/// Sends `response` unasked to the extension's own pages (the popup, a full-tab view): the
/// background's [`Response::Status`] when its health changes. Content scripts do not get
/// it (`runtime.sendMessage` reaches extension contexts only). With no page open the
/// browser reports that nobody received it, and with pages open that none answered (they
/// listen only); neither is a failure here.
pub async fn broadcast(response: &Response) -> Result<()> {
    let js = to_js(response)?;
    match api::call(&["runtime"], "sendMessage", &[js]).await {
        Ok(_) => Ok(()),
        // Chromium and Firefox: "Could not establish connection. Receiving end does not
        // exist."; Chromium, pages that listen and do not answer: "The message port closed
        // before a response was received."
        Err(e)
            if e.0.contains("Receiving end does not exist")
                || e.0.contains("message port closed") =>
        {
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Listens for the background's [`Response::Status`] broadcasts (see [`broadcast`]) and
/// calls `handler` with each [`Health`]. Dropping the listener removes it.
///
/// An extension page's `runtime.onMessage` also receives every message content scripts send
/// to the background, captures of up to 2,000 events included, so this reads the `kind`
/// first and converts only status messages; it takes them only from the extension's own
/// contexts (a content script's `sender.url` is its page), and never answers, so the
/// background's answer to a request is the one its sender gets.
pub fn on_status(mut handler: impl FnMut(Health) + 'static) -> Result<ExtListener> {
    let status_kind = serde_json::to_value(Response::Status {
        v: PROTOCOL_VERSION,
        health: Health::default(),
    })
    .ok()
    .and_then(|v| v["kind"].as_str().map(str::to_string))
    .unwrap_or_default();
    let closure = Closure::<dyn FnMut(JsValue, JsValue) -> JsValue>::new(
        move |message: JsValue, sender: JsValue| {
            let kind = js_sys::Reflect::get(&message, &"kind".into())
                .ok()
                .and_then(|k| k.as_string());
            if kind.as_deref() != Some(status_kind.as_str()) {
                return JsValue::UNDEFINED;
            }
            let sender: MessageSender =
                serde_json::from_value(from_js(&sender)).unwrap_or_default();
            let ours = sender.id.as_deref() == Some(id().as_str())
                && sender
                    .url
                    .as_deref()
                    .is_some_and(|u| u.starts_with(&url("")));
            if !ours {
                return JsValue::UNDEFINED;
            }
            // A page's own `Request::Status` has the same kind and no health: not ours to
            // read.
            if let Ok(Response::Status { v, health }) =
                serde_json::from_value::<Response>(from_js(&message))
            {
                if v == PROTOCOL_VERSION {
                    handler(health);
                }
            }
            JsValue::UNDEFINED
        },
    );
    ExtListener::add(&["runtime", "onMessage"], closure)
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_answer_is_a_response_of_this_version_or_a_clear_error() {
        let cases: [(Value, std::result::Result<Response, &str>); 7] = [
            (
                json!({"kind": "stored", "v": 1, "stored": 2, "duplicates": 0}),
                Ok(Response::Stored {
                    v: 1,
                    stored: 2,
                    duplicates: 0,
                }),
            ),
            (
                json!({"kind": "refused", "v": 1, "reason": "storage failed", "retry": true}),
                Ok(Response::retry_later("storage failed")),
            ),
            (
                json!({"kind": "refused", "v": 1, "reason": "malformed"}),
                Ok(Response::refused("malformed")),
            ),
            (Value::Null, Err("the background gave no answer")),
            (
                json!({"kind": "stored", "v": 1}),
                Err("the background's answer is not a protocol response (missing field"),
            ),
            (
                json!("ok"),
                Err("the background's answer is not a protocol response"),
            ),
            (
                json!({"kind": "done", "v": 2}),
                Err("the background answered in protocol version 2, expected 1"),
            ),
        ];
        for (answer, expect) in cases {
            match (decode_answer(answer.clone()), expect) {
                (Ok(got), Ok(want)) => assert_eq!(got, want, "{answer}"),
                (Err(e), Err(want)) => assert!(e.0.starts_with(want), "{answer}: {e}"),
                (got, want) => panic!("{answer}: got {got:?}, expected {want:?}"),
            }
        }
    }
}
