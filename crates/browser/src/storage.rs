//! `storage.local`: the background's durable store (see ARCHITECTURE.md, "The store").

use serde_json::{Map, Value};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use crate::{api, from_js, to_js, ExtListener, Result};

/// Reads the given keys; absent keys are absent from the map.
pub async fn get(keys: &[String]) -> Result<Map<String, Value>> {
    let array: js_sys::Array = keys.iter().map(|k| JsValue::from_str(k)).collect();
    let got = api::call(&["storage", "local"], "get", &[array.into()]).await?;
    Ok(match from_js(&got) {
        Value::Object(map) => map,
        _ => Map::new(),
    })
}

/// Writes all entries in one call, which both browsers apply as one transaction.
pub async fn set(entries: &Map<String, Value>) -> Result<()> {
    let js = to_js(entries)?;
    api::call(&["storage", "local"], "set", &[js]).await?;
    Ok(())
}

/// Writes pre-serialised JSON text (an object) without building a `serde_json::Value`;
/// the large chunk writes use this.
pub async fn set_json(object_json: &str) -> Result<()> {
    let js = js_sys::JSON::parse(object_json)?;
    api::call(&["storage", "local"], "set", &[js]).await?;
    Ok(())
}

/// Every key in the store. `getKeys()` where the browser has it (Chromium 130+, Firefox
/// 143+: both browsers we test, Chromium 156 and Firefox ESR 153), else the keys of
/// `get(null)`, which reads every value too: slower, same answer.
pub async fn keys() -> Result<Vec<String>> {
    let local = api::get(&["storage", "local"])?;
    let has_get_keys = js_sys::Reflect::get(&local, &"getKeys".into())
        .map(|f| f.is_function())
        .unwrap_or(false);
    let keys = if has_get_keys {
        api::call(&["storage", "local"], "getKeys", &[]).await?
    } else {
        let all = api::call(&["storage", "local"], "get", &[JsValue::NULL]).await?;
        js_sys::Object::keys(all.unchecked_ref::<js_sys::Object>()).into()
    };
    Ok(js_sys::Array::from(&keys)
        .iter()
        .filter_map(|k| k.as_string())
        .collect())
}

pub async fn remove(keys: &[String]) -> Result<()> {
    let array: js_sys::Array = keys.iter().map(|k| JsValue::from_str(k)).collect();
    api::call(&["storage", "local"], "remove", &[array.into()]).await?;
    Ok(())
}

/// Reads keys and returns the raw JSON text of the result object, so large logs can be
/// parsed straight into typed records.
pub async fn get_json(keys: &[String]) -> Result<String> {
    let array: js_sys::Array = keys.iter().map(|k| JsValue::from_str(k)).collect();
    let got = api::call(&["storage", "local"], "get", &[array.into()]).await?;
    Ok(js_sys::JSON::stringify(&got)?
        .as_string()
        .unwrap_or_else(|| "{}".into()))
}

/// Bytes in use by the store (Chromium; Firefox lacks `getBytesInUse` on `storage.local`
/// before 131, so `None` there).
pub async fn bytes_in_use() -> Option<f64> {
    api::call(&["storage", "local"], "getBytesInUse", &[JsValue::NULL])
        .await
        .ok()
        .and_then(|v| v.as_f64())
}

/// Calls `handler` with the names of the `storage.local` keys that changed.
pub fn on_changed(mut handler: impl FnMut(Vec<String>) + 'static) -> Result<ExtListener> {
    let closure =
        Closure::<dyn FnMut(JsValue, JsValue)>::new(move |changes: JsValue, area: JsValue| {
            if area.as_string().as_deref() != Some("local") {
                return;
            }
            let keys = js_sys::Object::keys(&changes.into())
                .iter()
                .filter_map(|k| k.as_string())
                .collect();
            handler(keys);
        });
    ExtListener::add(&["storage", "onChanged"], closure)
}

/// One stored value as text, from [`get_texts`].
#[derive(Debug, Clone, PartialEq)]
pub enum StoredText {
    /// The value is a string; this is the string itself.
    Text(String),
    /// The value is anything else; this is its JSON.
    Json(String),
}

/// Reads keys and returns each present value as text, in the order of `keys`: a stored
/// string as it is, anything else as JSON. Large values stored as JSON text cross into
/// wasm once, with no `JSON.stringify` pass; Chromium also reads a string value many
/// times faster than an array of objects (one string to copy instead of a tree to convert).
pub async fn get_texts(keys: &[String]) -> Result<Vec<(String, StoredText)>> {
    let array: js_sys::Array = keys.iter().map(|k| JsValue::from_str(k)).collect();
    let got = api::call(&["storage", "local"], "get", &[array.into()]).await?;
    texts_of(&got, keys)
}

/// The values of `keys` in a `storage.local.get` result object, as [`get_texts`] returns
/// them.
fn texts_of(got: &JsValue, keys: &[String]) -> Result<Vec<(String, StoredText)>> {
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        let value = js_sys::Reflect::get(got, &JsValue::from_str(key))?;
        if value.is_undefined() {
            continue;
        }
        let text = match value.as_string() {
            Some(s) => StoredText::Text(s),
            None => StoredText::Json(
                js_sys::JSON::stringify(&value)?
                    .as_string()
                    .unwrap_or_else(|| "null".into()),
            ),
        };
        out.push((key.clone(), text));
    }
    Ok(out)
}

/// Reads a page's loader started before its wasm ran (popup/boot.js; ARCHITECTURE.md, "The
/// popup's first paint"): the settled value of a promise of `{ keys, items }`, where
/// `items` is what `storage.local.get(keys)` returned. It only saves reads; it never
/// decides what is read: [`Prefetched::texts`] answers only for keys it covers.
pub struct Prefetched {
    keys: Vec<String>,
    items: JsValue,
    used: std::cell::Cell<usize>,
}

impl Prefetched {
    /// Awaits the loader's promise. Anything else, or a failed read, is an empty prefetch
    /// (every read then goes to storage).
    pub async fn resolve(promise: JsValue) -> Prefetched {
        let empty = Prefetched {
            keys: Vec::new(),
            items: JsValue::UNDEFINED,
            used: Default::default(),
        };
        let Ok(promise) = promise.dyn_into::<js_sys::Promise>() else {
            return empty;
        };
        let Ok(value) = wasm_bindgen_futures::JsFuture::from(promise).await else {
            return empty;
        };
        let keys = js_sys::Reflect::get(&value, &"keys".into())
            .ok()
            .filter(js_sys::Array::is_array)
            .map(|k| {
                js_sys::Array::from(&k)
                    .iter()
                    .filter_map(|k| k.as_string())
                    .collect()
            })
            .unwrap_or_default();
        let items = js_sys::Reflect::get(&value, &"items".into()).unwrap_or(JsValue::UNDEFINED);
        if !items.is_object() {
            return empty;
        }
        Prefetched {
            keys,
            items,
            used: Default::default(),
        }
    }

    /// How many keys [`Prefetched::texts`] has answered so far.
    pub fn used(&self) -> usize {
        self.used.get()
    }

    /// The values of `keys` as [`get_texts`] would return them, if the prefetch read every
    /// one of them; `None` if it did not (read them with [`get_texts`]).
    pub fn texts(&self, keys: &[String]) -> Option<Vec<(String, StoredText)>> {
        if !keys.iter().all(|k| self.keys.contains(k)) {
            return None;
        }
        let got = texts_of(&self.items, keys).ok()?;
        self.used.set(self.used.get() + keys.len());
        Some(got)
    }
}

/// The area for state that lives as long as the browser session: `storage.session` where
/// the browser has it (Chromium 102+, Firefox 115+), else `storage.local`.
fn session_area() -> [&'static str; 2] {
    let has_session = api::get(&["storage", "session"]).is_ok_and(|s| s.is_object());
    if has_session {
        ["storage", "session"]
    } else {
        ["storage", "local"]
    }
}

/// Reads one key of the session area ([`session_area`]); `None` when absent.
pub async fn session_get(key: &str) -> Result<Option<Value>> {
    let got = api::call(&session_area(), "get", &[JsValue::from_str(key)]).await?;
    Ok(from_js(&got).get(key).cloned())
}

/// Writes one key of the session area ([`session_area`]).
pub async fn session_set(key: &str, value: &Value) -> Result<()> {
    let mut entries = Map::new();
    entries.insert(key.to_string(), value.clone());
    api::call(&session_area(), "set", &[to_js(&entries)?]).await?;
    Ok(())
}
