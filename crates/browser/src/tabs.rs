//! `tabs`: which tab is current, and what happens to tabs.

use serde_json::Value;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsValue;

use crate::{api, from_js, to_js, ExtListener, Result};

/// The active tab of the focused window, if there is one (the popup's "current tab").
pub async fn active_tab_id() -> Result<Option<i64>> {
    first_tab(serde_json::json!({"active": true, "lastFocusedWindow": true})).await
}

/// The active tab of a window (the side panel's "active tab").
pub async fn active_tab_of(window_id: i64) -> Result<Option<i64>> {
    first_tab(serde_json::json!({"active": true, "windowId": window_id})).await
}

/// The id of the first tab `tabs.query(query)` finds.
async fn first_tab(query: Value) -> Result<Option<i64>> {
    let tabs = api::call(&["tabs"], "query", &[to_js(&query)?]).await?;
    Ok(from_js(&tabs)
        .get(0)
        .and_then(|t| t.get("id"))
        .and_then(Value::as_i64))
}

/// Every open tab, with its URL where the browser tells it.
pub async fn all() -> Result<Vec<(i64, Option<String>)>> {
    let tabs = api::call(&["tabs"], "query", &[to_js(&serde_json::json!({}))?]).await?;
    Ok(from_js(&tabs)
        .as_array()
        .map(|tabs| {
            tabs.iter()
                .filter_map(|t| {
                    let id = t.get("id").and_then(Value::as_i64)?;
                    Some((id, t.get("url").and_then(Value::as_str).map(String::from)))
                })
                .collect()
        })
        .unwrap_or_default())
}

/// `tabs.onRemoved`: the closed tab's id.
pub fn on_removed(mut handler: impl FnMut(i64) + 'static) -> Result<ExtListener> {
    let closure = Closure::<dyn FnMut(JsValue)>::new(move |tab_id: JsValue| {
        if let Some(id) = tab_id.as_f64() {
            handler(id as i64);
        }
    });
    ExtListener::add(&["tabs", "onRemoved"], closure)
}

/// `tabs.onUpdated` for URL changes only: the tab id and its new URL.
pub fn on_url_changed(mut handler: impl FnMut(i64, String) + 'static) -> Result<ExtListener> {
    let closure =
        Closure::<dyn FnMut(JsValue, JsValue)>::new(move |tab_id: JsValue, change: JsValue| {
            let change = from_js(&change);
            if let (Some(id), Some(url)) =
                (tab_id.as_f64(), change.get("url").and_then(Value::as_str))
            {
                handler(id as i64, url.to_string());
            }
        });
    ExtListener::add(&["tabs", "onUpdated"], closure)
}

/// Opens an extension page in a new tab.
pub async fn open(url: &str) -> Result<()> {
    let props = to_js(&serde_json::json!({ "url": url }))?;
    api::call(&["tabs"], "create", &[props]).await?;
    Ok(())
}

/// Reloads a tab (`tabs.reload`), as the user would.
pub async fn reload(tab_id: i64) -> Result<()> {
    api::call(&["tabs"], "reload", &[JsValue::from_f64(tab_id as f64)]).await?;
    Ok(())
}
