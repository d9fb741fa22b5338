//! `alarms`: a wake-up that outlives a stopped background (the background's runs wait on
//! one; `setTimeout` dies with the worker). Browsers round short alarms up (Chromium to
//! 30 s at the least).

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsValue;

use crate::{api, from_js, to_js, ExtListener, Result};

/// Sets (or moves) the alarm `name` to ring at `when` (ms since the epoch).
pub async fn set(name: &str, when: f64) -> Result<()> {
    let info = to_js(&serde_json::json!({ "when": when }))?;
    api::call(&["alarms"], "create", &[JsValue::from_str(name), info]).await?;
    Ok(())
}

/// Removes the alarm `name`, if set.
pub async fn clear(name: &str) -> Result<()> {
    api::call(&["alarms"], "clear", &[JsValue::from_str(name)]).await?;
    Ok(())
}

/// Reads the name out of an `alarms.onAlarm` argument.
pub fn name_of(alarm: &JsValue) -> Option<String> {
    from_js(alarm)
        .get("name")
        .and_then(|n| n.as_str())
        .map(String::from)
}

/// `alarms.onAlarm`: the name of the alarm that rang.
pub fn on_alarm(mut handler: impl FnMut(String) + 'static) -> Result<ExtListener> {
    let closure = Closure::<dyn FnMut(JsValue)>::new(move |alarm: JsValue| {
        if let Some(name) = name_of(&alarm) {
            handler(name);
        }
    });
    ExtListener::add(&["alarms", "onAlarm"], closure)
}
