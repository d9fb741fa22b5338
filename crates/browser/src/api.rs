//! Finds the extension namespace object: `browser` where it exists (Firefox), else `chrome`.

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::{BrowserError, Result};

thread_local! {
    static INSTALLED: std::cell::RefCell<Option<JsValue>> = const { std::cell::RefCell::new(None) };
}

/// Hands the bindings the namespace object the boot script sees. Needed in Firefox
/// content scripts, where the global object wasm-bindgen finds is the page window's Xray,
/// on which the content script's `browser` is not visible.
pub fn install(namespace: JsValue) {
    if namespace.is_object() {
        INSTALLED.with(|i| *i.borrow_mut() = Some(namespace));
    }
}

/// `browser` (Firefox, promise-native) or `chrome` (Chromium, promises in MV3).
pub(crate) fn namespace() -> JsValue {
    if let Some(ns) = INSTALLED.with(|i| i.borrow().clone()) {
        return ns;
    }
    let global = js_sys::global();
    for name in ["browser", "chrome"] {
        if let Ok(ns) = Reflect::get(&global, &name.into()) {
            if ns.is_object() {
                return ns;
            }
        }
    }
    JsValue::UNDEFINED
}

/// `namespace.<path...>`, e.g. `get(&["storage", "local"])`.
pub(crate) fn get(path: &[&str]) -> Result<JsValue> {
    let mut value = namespace();
    for part in path {
        if !value.is_object() {
            return Err(BrowserError(format!(
                "the extension API has no `{}` here",
                path.join(".")
            )));
        }
        value = Reflect::get(&value, &(*part).into())?;
    }
    Ok(value)
}

/// Calls `object.method(args...)` and, if it returns a promise, awaits it.
pub(crate) async fn call(object: &[&str], method: &str, args: &[JsValue]) -> Result<JsValue> {
    let target = get(object)?;
    let function: Function = Reflect::get(&target, &method.into())?
        .dyn_into()
        .map_err(|_| BrowserError(format!("{}.{method} is not a function", object.join("."))))?;
    let array: js_sys::Array = args.iter().collect();
    let result = function.apply(&target, &array)?;
    if result.has_type::<Promise>() {
        Ok(JsFuture::from(result.unchecked_into::<Promise>()).await?)
    } else {
        Ok(result)
    }
}

/// Same as [`call`] for calls whose result is not awaited (fire-and-forget UI updates).
pub(crate) fn call_sync(object: &[&str], method: &str, args: &[JsValue]) -> Result<JsValue> {
    let target = get(object)?;
    let function: Function = Reflect::get(&target, &method.into())?
        .dyn_into()
        .map_err(|_| BrowserError(format!("{}.{method} is not a function", object.join("."))))?;
    let array: js_sys::Array = args.iter().collect();
    Ok(function.apply(&target, &array)?)
}
