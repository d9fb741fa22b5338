//! The one place that knows the browser's extension API.
//!
//! Architecture invariant: no other crate names `chrome` or `browser` (xtask/tidy.rs checks
//! it; the JS files that do, and why, are listed in ARCHITECTURE.md). Chromium exposes
//! `chrome.*`; Firefox exposes `browser.*` (and a `chrome.*` alias). Both return promises
//! in Manifest V3, so every call here is `async` and resolves to a Rust value. Values cross
//! as JSON text (`serde_json` on this side, `JSON.parse`/`JSON.stringify` on the other),
//! which keeps the bindings small and makes every boundary a serde type.

pub mod action;
pub mod alarms;
mod api;
pub mod early;
pub mod installed;
pub mod listener;
pub mod panels;
pub mod port;
pub mod runtime;
pub mod scripting;
pub mod storage;
pub mod tabs;
pub mod timer;

pub use api::install;
pub use listener::{DomListener, ExtListener};

use wasm_bindgen::JsValue;

/// A failed browser call, with the browser's own message.
#[derive(Debug, Clone, PartialEq)]
pub struct BrowserError(pub String);

impl std::fmt::Display for BrowserError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BrowserError {}

impl From<JsValue> for BrowserError {
    fn from(value: JsValue) -> Self {
        let text = js_sys::Reflect::get(&value, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .or_else(|| value.as_string())
            .unwrap_or_else(|| format!("{value:?}"));
        BrowserError(text)
    }
}

pub type Result<T> = std::result::Result<T, BrowserError>;

/// Converts a serde value to a plain JS object through JSON.
pub fn to_js<T: serde::Serialize>(value: &T) -> Result<JsValue> {
    let text = serde_json::to_string(value).map_err(|e| BrowserError(e.to_string()))?;
    js_sys::JSON::parse(&text).map_err(BrowserError::from)
}

/// Reads any JS value as JSON. `undefined` and values JSON cannot hold become `null`.
pub fn from_js(value: &JsValue) -> serde_json::Value {
    if value.is_undefined() {
        return serde_json::Value::Null;
    }
    js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(serde_json::Value::Null)
}
