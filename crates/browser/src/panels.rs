//! The hosts the inspector's page runs in besides the popup: the DevTools panel, the side
//! panel (Chromium `sidePanel`) or sidebar (Firefox `sidebarAction`), and which tab and
//! window they belong to.

use serde_json::Value;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use crate::{api, from_js, to_js, BrowserError, ExtListener, Result};

/// In a DevTools panel, the inspected tab's id (`devtools.inspectedWindow.tabId`, the real
/// `tabs.Tab.id` in both browsers). `None` anywhere else: the same page opened as an
/// ordinary extension page has no `devtools` namespace.
pub fn inspected_tab_id() -> Option<i64> {
    api::get(&["devtools", "inspectedWindow", "tabId"])
        .ok()
        .and_then(|id| id.as_f64())
        .map(|id| id as i64)
}

/// The id of the window this page is shown in.
pub async fn current_window_id() -> Result<Option<i64>> {
    let window = api::call(&["windows"], "getCurrent", &[]).await?;
    Ok(from_js(&window).get("id").and_then(Value::as_i64))
}

/// What the browser says of a tab now; `Ok(None)` when it is closed.
#[derive(Debug, Clone, PartialEq)]
pub struct TabInfo {
    pub url: Option<String>,
    pub title: Option<String>,
}

pub async fn tab_info(tab_id: i64) -> Result<Option<TabInfo>> {
    match api::call(&["tabs"], "get", &[JsValue::from_f64(tab_id as f64)]).await {
        Ok(tab) => {
            let tab = from_js(&tab);
            let text = |key: &str| tab.get(key).and_then(Value::as_str).map(str::to_string);
            Ok(Some(TabInfo {
                url: text("url"),
                title: text("title"),
            }))
        }
        // Both browsers reject `tabs.get` of a closed tab ("No tab with id: 5." in
        // Chromium, "Invalid tab ID: 5" in Firefox).
        Err(e) if e.0.contains("No tab with id") || e.0.contains("Invalid tab ID") => Ok(None),
        Err(e) => Err(e),
    }
}

/// Opens the side panel (Chromium) or sidebar (Firefox) of `window_id`. Both browsers accept
/// this only during a user gesture, so it must be called synchronously from a click handler,
/// with the window id fetched beforehand (../shared/platform-notes.md); the promise it
/// returns is not awaited for the same reason.
pub fn open_side_panel(window_id: Option<i64>) -> Result<()> {
    if api::get(&["sidePanel", "open"]).is_ok_and(|f| f.is_function()) {
        let window_id = window_id.ok_or_else(|| BrowserError("no window to open in".into()))?;
        let options = to_js(&serde_json::json!({ "windowId": window_id }))?;
        let promise = api::call_sync(&["sidePanel"], "open", &[options])?;
        ignore_rejection(promise);
        return Ok(());
    }
    let promise = api::call_sync(&["sidebarAction"], "open", &[])?;
    ignore_rejection(promise);
    Ok(())
}

/// Whether this browser has a side panel or sidebar the page can open.
pub fn has_side_panel() -> bool {
    api::get(&["sidePanel", "open"]).is_ok_and(|f| f.is_function())
        || api::get(&["sidebarAction", "open"]).is_ok_and(|f| f.is_function())
}

/// A rejection of a call made during a gesture is reported where the call was made; this
/// settles the promise in Rust so it does not also show as an unhandled rejection.
fn ignore_rejection(value: JsValue) {
    if let Ok(promise) = value.dyn_into::<js_sys::Promise>() {
        wasm_bindgen_futures::spawn_local(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        });
    }
}

/// `tabs.onActivated`: the newly active tab and its window.
pub fn on_tab_activated(mut handler: impl FnMut(i64, i64) + 'static) -> Result<ExtListener> {
    let closure = Closure::<dyn FnMut(JsValue)>::new(move |info: JsValue| {
        let info = from_js(&info);
        if let (Some(tab), Some(window)) = (
            info.get("tabId").and_then(Value::as_i64),
            info.get("windowId").and_then(Value::as_i64),
        ) {
            handler(tab, window);
        }
    });
    ExtListener::add(&["tabs", "onActivated"], closure)
}
