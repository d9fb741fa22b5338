//! Bounding and marking of an event's `detail`, so hostile pages cannot hurt the log.
//!
//! A page may dispatch anything under a `fullview:*` name. The content script walks the
//! page's value into JSON under a [`Budget`] and puts a [`marker`] wherever JSON cannot say
//! what was there (a function, a DOM node, a cycle, `undefined`, `NaN`, a cut). The
//! background runs [`sanitize`] again on what arrives, because a message is never trusted.

use serde_json::{Map, Value};

/// Per-event cap on the serialized size of `detail`, in bytes of JSON. Documented in
/// `docs/export-format.md`; a larger detail is cut and marked, and its `callId` is kept.
pub const MAX_DETAIL_BYTES: usize = 16 * 1024;
/// Deepest nesting kept; deeper values become a `depth` marker.
pub const MAX_DEPTH: usize = 24;
/// Longest string kept whole; longer strings are cut and marked.
pub const MAX_STRING_CHARS: usize = 4096;
/// Longest `callId` accepted as an id; a longer one is kept only inside `detail`.
pub const MAX_CALL_ID_CHARS: usize = 256;
/// The key every marker object carries. Pages are unlikely to use it; if one does, its
/// object is still recorded, just shown as what it claims to be.
pub const MARKER_KEY: &str = "$fvi";

/// Running cost of the value being built, so one huge detail cannot take unbounded work.
#[derive(Debug, Clone)]
pub struct Budget {
    remaining: usize,
    truncated: bool,
}

impl Default for Budget {
    fn default() -> Self {
        Budget::new(MAX_DETAIL_BYTES)
    }
}

impl Budget {
    pub fn new(bytes: usize) -> Budget {
        Budget {
            remaining: bytes,
            truncated: false,
        }
    }

    /// Takes `cost` bytes if they are left. On `false` the caller writes a `truncated`
    /// marker instead and stops walking that branch.
    pub fn spend(&mut self, cost: usize) -> bool {
        if cost <= self.remaining {
            self.remaining -= cost;
            true
        } else {
            self.remaining = 0;
            self.truncated = true;
            false
        }
    }

    pub fn exhausted(&self) -> bool {
        self.remaining == 0
    }

    /// Whether anything was cut while building.
    pub fn truncated(&self) -> bool {
        self.truncated
    }

    pub fn mark_truncated(&mut self) {
        self.truncated = true;
    }
}

/// Constructors for the marker objects that stand in for what JSON cannot hold.
pub mod marker {
    use super::MARKER_KEY;
    use serde_json::{json, Value};

    pub fn function(name: &str) -> Value {
        json!({ MARKER_KEY: "function", "name": name })
    }
    pub fn dom_node(node_name: &str) -> Value {
        json!({ MARKER_KEY: "domNode", "nodeName": node_name })
    }
    pub fn cycle() -> Value {
        json!({ MARKER_KEY: "cycle" })
    }
    pub fn undefined() -> Value {
        json!({ MARKER_KEY: "undefined" })
    }
    /// `NaN`, `Infinity`, `-Infinity`, and BigInts, kept as their text.
    pub fn number(text: &str) -> Value {
        json!({ MARKER_KEY: "number", "value": text })
    }
    pub fn symbol(description: &str) -> Value {
        json!({ MARKER_KEY: "symbol", "description": description })
    }
    pub fn too_deep() -> Value {
        json!({ MARKER_KEY: "tooDeep" })
    }
    /// Something the walker could not read at all (a throwing getter, a revoked proxy).
    pub fn unreadable(reason: &str) -> Value {
        json!({ MARKER_KEY: "unreadable", "reason": reason })
    }
    /// Stands in for the rest of an object or array that did not fit the budget.
    pub fn truncated(omitted: usize) -> Value {
        json!({ MARKER_KEY: "truncated", "omitted": omitted })
    }
    /// A string cut to the cap, with its original length in UTF-16 units or chars.
    pub fn long_string(head: &str, original_chars: usize) -> Value {
        json!({ MARKER_KEY: "longString", "head": head, "length": original_chars })
    }
}

/// The `callId` of a detail: a string `callId` property of an object, non-empty and at most
/// [`MAX_CALL_ID_CHARS`] long. Anything else (missing, a number, an object) is `None`; the
/// raw value stays visible in `detail`.
pub fn call_id_of(detail: &Value) -> Option<String> {
    match detail.get("callId") {
        Some(Value::String(s)) if !s.is_empty() && s.chars().count() <= MAX_CALL_ID_CHARS => {
            Some(s.clone())
        }
        _ => None,
    }
}

/// Re-bounds a JSON value that came over a message. Returns the bounded value and whether
/// anything was cut. A detail that is an object keeps its `callId` first, so truncation
/// never loses the id.
pub fn sanitize(value: &Value) -> (Value, bool) {
    let mut budget = Budget::default();
    let out = match value {
        Value::Object(map) => {
            // Keep the id before anything else can spend the budget.
            let mut keep = Map::new();
            if let Some(id) = map.get("callId") {
                let v = walk(id, &mut budget, 1);
                keep.insert("callId".to_string(), v);
            }
            object_rest(map, &mut keep, &mut budget, 0, Some("callId"));
            Value::Object(keep)
        }
        other => walk(other, &mut budget, 0),
    };
    (out, budget.truncated())
}

fn walk(value: &Value, budget: &mut Budget, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        budget.mark_truncated();
        return marker::too_deep();
    }
    match value {
        Value::Null | Value::Bool(_) => {
            budget.spend(5);
            value.clone()
        }
        Value::Number(_) => {
            budget.spend(8);
            value.clone()
        }
        Value::String(s) => string(s, budget),
        Value::Array(items) => {
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                if !budget.spend(1) {
                    out.push(marker::truncated(items.len() - i));
                    break;
                }
                out.push(walk(item, budget, depth + 1));
            }
            Value::Array(out)
        }
        Value::Object(map) => {
            let mut out = Map::new();
            object_rest(map, &mut out, budget, depth, None);
            Value::Object(out)
        }
    }
}

fn object_rest(
    map: &Map<String, Value>,
    out: &mut Map<String, Value>,
    budget: &mut Budget,
    depth: usize,
    skip: Option<&str>,
) {
    let total = map.len();
    for (i, (key, v)) in map.iter().enumerate() {
        if Some(key.as_str()) == skip {
            continue;
        }
        if !budget.spend(key.len() + 4) {
            out.insert(MARKER_KEY.to_string(), marker::truncated(total - i));
            break;
        }
        let walked = walk(v, budget, depth + 1);
        out.insert(key.clone(), walked);
    }
}

/// Cuts a string to the per-string cap and the remaining budget.
pub fn string(s: &str, budget: &mut Budget) -> Value {
    let chars = s.chars().count();
    if chars <= MAX_STRING_CHARS && budget.spend(s.len() + 2) {
        return Value::String(s.to_string());
    }
    budget.mark_truncated();
    let head: String = s.chars().take(256).collect();
    budget.spend(head.len() + 40);
    marker::long_string(&head, chars)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(input: Value, expect_id: Option<&str>, expect: Value, expect_cut: bool) {
        let (out, cut) = sanitize(&input);
        assert_eq!(out, expect);
        assert_eq!(cut, expect_cut);
        assert_eq!(call_id_of(&out).as_deref(), expect_id);
    }

    #[test]
    fn plain_detail_passes_unchanged() {
        check(
            json!({"callId": "abc-123", "agent": {"name": "Ann"}}),
            Some("abc-123"),
            json!({"callId": "abc-123", "agent": {"name": "Ann"}}),
            false,
        );
    }

    #[test]
    fn non_object_details_are_kept_without_an_id() {
        check(json!(null), None, json!(null), false);
        check(json!("abc"), None, json!("abc"), false);
        check(json!(42), None, json!(42), false);
        check(json!([1, "x"]), None, json!([1, "x"]), false);
    }

    #[test]
    fn non_string_call_id_is_not_an_id_but_is_kept() {
        check(json!({"callId": 7}), None, json!({"callId": 7}), false);
        check(json!({"callId": ""}), None, json!({"callId": ""}), false);
        check(
            json!({"callId": {"x": 1}}),
            None,
            json!({"callId": {"x": 1}}),
            false,
        );
    }

    #[test]
    fn huge_detail_is_cut_and_keeps_its_call_id() {
        let mut big = Map::new();
        for i in 0..5000 {
            big.insert(format!("k{i:05}"), json!("x".repeat(20)));
        }
        big.insert("callId".into(), json!("keep-me"));
        let (out, cut) = sanitize(&Value::Object(big));
        assert!(cut);
        assert_eq!(call_id_of(&out).as_deref(), Some("keep-me"));
        let size = serde_json::to_string(&out).unwrap().len();
        assert!(size <= MAX_DETAIL_BYTES + 512, "size {size}");
        assert_eq!(out[MARKER_KEY][MARKER_KEY], "truncated");
    }

    #[test]
    fn deep_nesting_is_marked() {
        let mut v = json!(1);
        for _ in 0..100 {
            v = json!({ "a": v });
        }
        let (out, cut) = sanitize(&v);
        assert!(cut);
        assert!(serde_json::to_string(&out).unwrap().contains("tooDeep"));
    }

    #[test]
    fn long_strings_are_cut_with_their_length() {
        let (out, cut) = sanitize(&json!({"callId": "c", "s": "y".repeat(10_000)}));
        assert!(cut);
        assert_eq!(out["s"][MARKER_KEY], "longString");
        assert_eq!(out["s"]["length"], 10_000);
    }
}
