//! Turns any page value (an event's `detail`) into bounded JSON, marking what JSON cannot
//! hold. The bounds and markers themselves are defined in `fvi_core::detail`.
//!
//! Hostile input this must survive: cycles, functions, DOM nodes, throwing getters,
//! revoked proxies, BigInts, symbols, and megabytes of data (the walk stops spending once
//! the budget is gone, so its cost is bounded too).

use fvi_core::detail::{marker, string, Budget, MAX_DEPTH};
use js_sys::{Array, Object, Reflect};
use serde_json::{Map, Number, Value};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

// js-sys binds these without `catch`, but on a revoked proxy, or a proxy whose traps
// throw, they throw, and an exception through wasm would abort the whole walk.
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    fn is_array(value: &JsValue) -> Result<bool, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Object, js_name = keys)]
    fn object_keys(value: &JsValue) -> Result<Array, JsValue>;
}

/// The walked value and whether anything was cut.
pub fn walk_detail(value: &JsValue) -> (Value, bool) {
    let mut walker = Walker {
        budget: Budget::default(),
        path: Vec::new(),
    };
    let out = if is_plain_object(value) {
        // The callId goes first so that truncation can never lose it.
        let mut map = Map::new();
        if let Ok(id) = Reflect::get(value, &"callId".into()) {
            if !id.is_undefined() {
                map.insert("callId".into(), walker.value(&id, 1));
            }
        }
        walker.path.push(value.clone());
        walker.object_into(value, &mut map, 1, Some("callId"));
        Value::Object(map)
    } else {
        walker.value(value, 0)
    };
    (out, walker.budget.truncated())
}

struct Walker {
    budget: Budget,
    /// The objects on the path from the root: a value met again here is a cycle.
    path: Vec<JsValue>,
}

fn is_plain_object(value: &JsValue) -> bool {
    value.is_object() && is_array(value) == Ok(false) && !value.is_function() && !is_node(value)
}

fn is_node(value: &JsValue) -> bool {
    value.is_object()
        && Reflect::get(value, &"nodeType".into())
            .map(|t| t.as_f64().is_some())
            .unwrap_or(false)
        && Reflect::get(value, &"nodeName".into())
            .map(|n| n.is_string())
            .unwrap_or(false)
}

impl Walker {
    fn value(&mut self, v: &JsValue, depth: usize) -> Value {
        if depth > MAX_DEPTH {
            self.budget.mark_truncated();
            return marker::too_deep();
        }
        if v.is_undefined() {
            return marker::undefined();
        }
        if v.is_null() {
            self.budget.spend(4);
            return Value::Null;
        }
        if let Some(b) = v.as_bool() {
            self.budget.spend(5);
            return Value::Bool(b);
        }
        if let Some(n) = v.as_f64() {
            self.budget.spend(8);
            if v.js_typeof() != "number" || !n.is_finite() {
                return marker::number(&text_of(v));
            }
            // Integers stay integers (`1`, not `1.0`), as JSON.stringify writes them.
            const SAFE: f64 = 9_007_199_254_740_991.0;
            if n.fract() == 0.0 && n.abs() <= SAFE {
                return Value::Number(Number::from(n as i64));
            }
            return Number::from_f64(n).map_or_else(|| marker::number(&text_of(v)), Value::Number);
        }
        if let Some(s) = v.as_string() {
            return string(&s, &mut self.budget);
        }
        match v.js_typeof().as_string().as_deref() {
            Some("bigint") => return marker::number(&text_of(v)),
            Some("symbol") => return marker::symbol(&text_of(v)),
            Some("function") => {
                let name = Reflect::get(v, &"name".into())
                    .ok()
                    .and_then(|n| n.as_string())
                    .unwrap_or_default();
                return marker::function(&name);
            }
            _ => {}
        }
        if is_node(v) {
            let name = Reflect::get(v, &"nodeName".into())
                .ok()
                .and_then(|n| n.as_string())
                .unwrap_or_default();
            return marker::dom_node(&name);
        }
        if self.path.iter().any(|seen| Object::is(seen, v)) {
            return marker::cycle();
        }
        self.path.push(v.clone());
        let out = match is_array(v) {
            Ok(true) => self.array(v, depth),
            Ok(false) => {
                let mut map = Map::new();
                self.object_into(v, &mut map, depth, None);
                Value::Object(map)
            }
            Err(e) => marker::unreadable(&text_of(&e)),
        };
        self.path.pop();
        out
    }

    fn array(&mut self, array: &JsValue, depth: usize) -> Value {
        let len = Reflect::get(array, &"length".into())
            .ok()
            .and_then(|l| l.as_f64())
            .unwrap_or(0.0) as usize;
        let mut out = Vec::new();
        for i in 0..len {
            if !self.budget.spend(1) {
                out.push(marker::truncated(len - i));
                break;
            }
            out.push(match Reflect::get_u32(array, i as u32) {
                Ok(item) => self.value(&item, depth + 1),
                Err(e) => marker::unreadable(&text_of(&e)),
            });
        }
        Value::Array(out)
    }

    fn object_into(
        &mut self,
        v: &JsValue,
        out: &mut Map<String, Value>,
        depth: usize,
        skip: Option<&str>,
    ) {
        let keys = match object_keys(v) {
            Ok(keys) => keys,
            Err(e) => {
                out.insert(
                    fvi_core::detail::MARKER_KEY.into(),
                    marker::unreadable(&text_of(&e)),
                );
                return;
            }
        };
        let total = keys.length() as usize;
        for (i, key) in keys.iter().enumerate() {
            let Some(key) = key.as_string() else { continue };
            if Some(key.as_str()) == skip {
                continue;
            }
            if !self.budget.spend(key.len() + 4) {
                out.insert(
                    fvi_core::detail::MARKER_KEY.into(),
                    marker::truncated(total - i),
                );
                break;
            }
            let item = match Reflect::get(v, &key.as_str().into()) {
                Ok(item) => self.value(&item, depth + 1),
                // A getter that throws.
                Err(e) => marker::unreadable(&text_of(&e)),
            };
            out.insert(key, item);
        }
    }
}

/// `String(v)`: works for symbols and errors, where string concatenation would throw.
fn text_of(v: &JsValue) -> String {
    Reflect::get(&js_sys::global(), &"String".into())
        .ok()
        .map(|f| f.unchecked_into::<js_sys::Function>())
        .and_then(|f| f.call1(&JsValue::NULL, v).ok())
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| "(unprintable)".into())
}
