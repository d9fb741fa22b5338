//! Turns any page value (an event's `detail`) into bounded JSON, marking what JSON cannot
//! hold. The bounds and markers themselves are defined in `fvi_core::detail`.
//!
//! Hostile input this must survive: cycles, functions, DOM nodes, throwing getters,
//! revoked proxies, BigInts, symbols, and megabytes of data. The output is bounded exactly
//! (`fvi_core::detail`'s builders count every byte of its JSON, markers and escapes too),
//! and so is the work: a container stops at its first item that does not fit, and every
//! item kept costs room.

use fvi_core::detail::{marker, Bounds, MARKER_KEY, MAX_DEPTH, MAX_DETAIL_BYTES};
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

/// The walked value and whether anything was cut. Its compact JSON is at most
/// `MAX_DETAIL_BYTES` long, counted exactly by `fvi_core::detail`'s builders, so the
/// background's re-bounding (`detail::sanitize`) leaves it as it is.
pub fn walk_detail(value: &JsValue) -> (Value, bool) {
    let mut walker = Walker {
        bounds: Bounds::new(),
        path: Vec::new(),
    };
    let out = if is_plain_object(value) {
        walker.path.push(value.clone());
        walker.object(value, 0, MAX_DETAIL_BYTES, true)
    } else {
        walker.value(value, 0, MAX_DETAIL_BYTES)
    };
    let out = walker.bounds.root(out);
    (out, walker.bounds.truncated())
}

struct Walker {
    bounds: Bounds,
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
    /// `v` as JSON within `room` bytes, or `None` when not even its marker fits (the
    /// parent then ends with its `truncated` marker).
    fn value(&mut self, v: &JsValue, depth: usize, room: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return self.bounds.too_deep(room);
        }
        let leaf = self.leaf(v);
        if let Some(leaf) = leaf {
            return match leaf {
                Leaf::Value(json) => self.bounds.leaf(json, room),
                Leaf::String(s) => self.bounds.string(&s, room),
            };
        }
        if self.path.iter().any(|seen| Object::is(seen, v)) {
            return self.bounds.leaf(marker::cycle(), room);
        }
        self.path.push(v.clone());
        let out = match is_array(v) {
            Ok(true) => self.array(v, depth, room),
            Ok(false) => self.object(v, depth, room, false),
            Err(e) => self.bounds.leaf(marker::unreadable(&text_of(&e)), room),
        };
        self.path.pop();
        out
    }

    /// What `v` is when it is not an array or an object to walk into.
    fn leaf(&self, v: &JsValue) -> Option<Leaf> {
        if v.is_undefined() {
            return Some(Leaf::Value(marker::undefined()));
        }
        if v.is_null() {
            return Some(Leaf::Value(Value::Null));
        }
        if let Some(b) = v.as_bool() {
            return Some(Leaf::Value(Value::Bool(b)));
        }
        if let Some(n) = v.as_f64() {
            if v.js_typeof() != "number" || !n.is_finite() {
                return Some(Leaf::Value(marker::number(&text_of(v))));
            }
            // Integers stay integers (`1`, not `1.0`), as JSON.stringify writes them.
            const SAFE: f64 = 9_007_199_254_740_991.0;
            if n.fract() == 0.0 && n.abs() <= SAFE {
                return Some(Leaf::Value(Value::Number(Number::from(n as i64))));
            }
            return Some(Leaf::Value(
                Number::from_f64(n).map_or_else(|| marker::number(&text_of(v)), Value::Number),
            ));
        }
        if let Some(s) = v.as_string() {
            return Some(Leaf::String(s));
        }
        match v.js_typeof().as_string().as_deref() {
            Some("bigint") => return Some(Leaf::Value(marker::number(&text_of(v)))),
            Some("symbol") => return Some(Leaf::Value(marker::symbol(&text_of(v)))),
            Some("function") => {
                let name = Reflect::get(v, &"name".into())
                    .ok()
                    .and_then(|n| n.as_string())
                    .unwrap_or_default();
                return Some(Leaf::Value(marker::function(&name)));
            }
            _ => {}
        }
        if is_node(v) {
            let name = Reflect::get(v, &"nodeName".into())
                .ok()
                .and_then(|n| n.as_string())
                .unwrap_or_default();
            return Some(Leaf::Value(marker::dom_node(&name)));
        }
        None
    }

    fn array(&mut self, array: &JsValue, depth: usize, room: usize) -> Option<Value> {
        let len = Reflect::get(array, &"length".into())
            .ok()
            .and_then(|l| l.as_f64())
            .unwrap_or(0.0) as usize;
        let mut fill = self.bounds.array(room, len)?;
        // Every item kept costs at least a byte of room, so this stops within the cap
        // however long the array says it is.
        for i in 0..len {
            let room = fill.room();
            let item = match Reflect::get_u32(array, i as u32) {
                Ok(item) => self.value(&item, depth + 1, room),
                Err(e) => self.bounds.leaf(marker::unreadable(&text_of(&e)), room),
            };
            if !fill.push(item) {
                break;
            }
        }
        fill.finish(&mut self.bounds)
    }

    /// An object's own enumerable keys, within `room`; `root`: the detail itself, whose
    /// `callId` goes first so that truncation can never lose it.
    fn object(&mut self, v: &JsValue, depth: usize, room: usize, root: bool) -> Option<Value> {
        // Kept as the JS array and read lazily: a page's object of a million keys costs
        // only the keys that fit.
        let keys = match object_keys(v) {
            Ok(keys) => keys,
            Err(e) => {
                let mut unreadable = Map::new();
                unreadable.insert(MARKER_KEY.into(), marker::unreadable(&text_of(&e)));
                return self.bounds.leaf(Value::Object(unreadable), room);
            }
        };
        // The callId is read even when it is not an own enumerable key (a getter on the
        // prototype), and then counts as one more key.
        let id = if root {
            Reflect::get(v, &"callId".into())
                .ok()
                .filter(|id| !id.is_undefined())
        } else {
            None
        };
        let listed = keys.includes(&"callId".into(), 0);
        let total = keys.length() as usize + usize::from(id.is_some() && !listed);
        let mut fill = self.bounds.object(room, total)?;
        if let Some(id) = id {
            let item = fill
                .room_for("callId")
                .and_then(|room| self.value(&id, depth + 1, room));
            fill.push("callId".into(), item);
        }
        for key in keys.iter() {
            let Some(key) = key.as_string() else { continue };
            if root && key == "callId" {
                continue;
            }
            let Some(room) = fill.room_for(&key) else {
                break;
            };
            let item = match Reflect::get(v, &key.as_str().into()) {
                Ok(item) => self.value(&item, depth + 1, room),
                // A getter that throws.
                Err(e) => self.bounds.leaf(marker::unreadable(&text_of(&e)), room),
            };
            if !fill.push(key, item) {
                break;
            }
        }
        fill.finish(&mut self.bounds)
    }
}

enum Leaf {
    Value(Value),
    String(String),
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
