//! Bounding and marking of an event's `detail`, so hostile pages cannot hurt the log.
//!
//! A page may dispatch anything under a `fullview:*` name. The content script walks the
//! page's value into JSON and puts a [`marker`] wherever JSON cannot say what was there (a
//! function, a DOM node, a cycle, `undefined`, `NaN`, a cut). The background runs
//! [`sanitize`] again on what arrives, because a message is never trusted.
//!
//! The cap is exact: the compact JSON of a bounded detail (what `serde_json::to_string`
//! writes, and what a stored record holds) is at most [`MAX_DETAIL_BYTES`] long, whatever
//! the input: escapes (`\"`, `\u0001`), quotes, brackets, commas, colons, keys, numbers
//! and markers are all counted. Both walkers (this one over JSON, the engine's over page
//! values, `crates/content/src/walk.rs`) build through [`Bounds`], [`ArrayFill`] and
//! [`ObjectFill`], so the counting lives here once:
//!
//! - every value is built with a `room`: the bytes it may take, its separators and key
//!   already paid by its parent; a value that does not fit comes back `None`;
//! - a container, when opened, sets aside its brackets and the [`marker::truncated`] entry
//!   it would end with if cut, sized for its largest possible `omitted`, so a cut always
//!   has room for its marker;
//! - the first child that does not fit ends its container: the rest is counted as
//!   omitted, as before.
//!
//! The work is bounded by the output: every child kept costs at least one byte of room,
//! and a container stops at its first child that does not fit.

use serde_json::{Map, Value};

/// Per-event cap on the serialized size of `detail`, in bytes of compact JSON. Documented
/// in `docs/export-format.md`; a larger detail is cut and marked, and its `callId` is kept.
pub const MAX_DETAIL_BYTES: usize = 16 * 1024;
/// Deepest nesting kept; deeper values become a `tooDeep` marker.
pub const MAX_DEPTH: usize = 24;
/// Longest string kept whole; longer strings are cut and marked.
pub const MAX_STRING_CHARS: usize = 4096;
/// How much of a cut string a `longString` marker keeps (less when the room is short).
pub const LONG_STRING_HEAD_CHARS: usize = 256;
/// Longest page text inside a marker (a function's name, a symbol's description, an
/// error's words, a BigInt's digits); longer text is cut and ends with `…`.
pub const MAX_MARKER_TEXT_CHARS: usize = 200;
/// Longest `callId` accepted as an id; a longer one is kept only inside `detail`.
pub const MAX_CALL_ID_CHARS: usize = 256;
/// The key every marker object carries. Pages are unlikely to use it; if one does, its
/// object is still recorded, just shown as what it claims to be.
pub const MARKER_KEY: &str = "$fvi";

/// Bytes `s` takes as a JSON string, quotes included, as serde_json writes it: `"` and `\`
/// and the short escapes (`\n`, `\t`, …) take two, other control characters six
/// (`\u001f`), everything else its UTF-8 bytes.
pub fn str_json_len(s: &str) -> usize {
    2 + s.chars().map(char_json_len).sum::<usize>()
}

fn char_json_len(c: char) -> usize {
    match c {
        '"' | '\\' | '\u{8}' | '\u{c}' | '\n' | '\r' | '\t' => 2,
        c if (c as u32) < 0x20 => 6,
        c => c.len_utf8(),
    }
}

/// Bytes `value` takes as compact JSON: `serde_json::to_string(value).len()`, without
/// building the text.
pub fn json_len(value: &Value) -> usize {
    match value {
        Value::Null => 4,
        Value::Bool(true) => 4,
        Value::Bool(false) => 5,
        // The same digits serde_json writes (itoa / ryu); short, so the copy is cheap.
        Value::Number(n) => n.to_string().len(),
        Value::String(s) => str_json_len(s),
        Value::Array(items) => {
            2 + items.iter().map(json_len).sum::<usize>() + items.len().saturating_sub(1)
        }
        Value::Object(map) => {
            2 + map
                .iter()
                .map(|(k, v)| str_json_len(k) + 1 + json_len(v))
                .sum::<usize>()
                + map.len().saturating_sub(1)
        }
    }
}

/// Constructors for the marker objects that stand in for what JSON cannot hold. Page text
/// in them is cut to [`MAX_MARKER_TEXT_CHARS`], so a marker is small whatever the page.
pub mod marker {
    use super::{MARKER_KEY, MAX_MARKER_TEXT_CHARS};
    use serde_json::{json, Value};

    /// `text` cut to [`MAX_MARKER_TEXT_CHARS`], ending with `…` when it was cut.
    pub fn text(text: &str) -> String {
        let mut chars = text.chars();
        let head: String = chars.by_ref().take(MAX_MARKER_TEXT_CHARS).collect();
        if chars.next().is_some() {
            head + "…"
        } else {
            head
        }
    }

    pub fn function(name: &str) -> Value {
        json!({ MARKER_KEY: "function", "name": text(name) })
    }
    pub fn dom_node(node_name: &str) -> Value {
        json!({ MARKER_KEY: "domNode", "nodeName": text(node_name) })
    }
    pub fn cycle() -> Value {
        json!({ MARKER_KEY: "cycle" })
    }
    pub fn undefined() -> Value {
        json!({ MARKER_KEY: "undefined" })
    }
    /// `NaN`, `Infinity`, `-Infinity`, and BigInts, kept as their text.
    pub fn number(value: &str) -> Value {
        json!({ MARKER_KEY: "number", "value": text(value) })
    }
    pub fn symbol(description: &str) -> Value {
        json!({ MARKER_KEY: "symbol", "description": text(description) })
    }
    pub fn too_deep() -> Value {
        json!({ MARKER_KEY: "tooDeep" })
    }
    /// Something the walker could not read at all (a throwing getter, a revoked proxy).
    pub fn unreadable(reason: &str) -> Value {
        json!({ MARKER_KEY: "unreadable", "reason": text(reason) })
    }
    /// Stands in for the rest of an object or array that did not fit the cap.
    pub fn truncated(omitted: usize) -> Value {
        json!({ MARKER_KEY: "truncated", "omitted": omitted })
    }
    /// A string cut to the cap, with its original length in chars (UTF-16 units from the
    /// engine would differ only outside the BMP; the walkers count chars).
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

/// Hints for integrators about a detail whose `callId` the rules could not take (issue 12):
/// a key that is a near miss of `callId` (`callid`, `callID`, `call_id`, `CallId`, or `id`
/// alone), and a `callId` that is not a usable id (a number, an empty string, another
/// type, too long). Empty when the detail has a usable `callId`: a page that sends `id` or
/// `call_id` beside it means something else by them. The event stays where the rules put
/// it; the hints only say why it has no call.
pub fn call_id_hints(detail: &Value) -> Vec<String> {
    let Value::Object(map) = detail else {
        return Vec::new();
    };
    if call_id_of(detail).is_some() {
        return Vec::new();
    }
    let mut hints = Vec::new();
    match map.get("callId") {
        None => {}
        Some(Value::String(s)) if s.is_empty() => hints.push(
            "`detail.callId` is an empty string, so the event belongs to no call".to_string(),
        ),
        Some(Value::String(s)) => hints.push(format!(
            "`detail.callId` is {} characters long, more than the {MAX_CALL_ID_CHARS} an id \
             may have, so the event belongs to no call",
            s.chars().count()
        )),
        Some(other) => {
            let what = match other {
                Value::Number(n) => format!("a number ({})", marker::text(&n.to_string())),
                Value::Bool(b) => format!("a boolean ({b})"),
                Value::Null => "null".to_string(),
                Value::Array(_) => "an array".to_string(),
                Value::Object(o) if o.contains_key(MARKER_KEY) => {
                    "something JSON cannot hold (see its marker)".to_string()
                }
                _ => "an object".to_string(),
            };
            hints.push(format!(
                "`detail.callId` is {what}, not a string, so the event belongs to no call"
            ));
        }
    }
    for (key, value) in map {
        if key == "callId" {
            continue;
        }
        let folded: String = key
            .chars()
            .filter(|c| *c != '_' && *c != '-')
            .flat_map(char::to_lowercase)
            .collect();
        let shown = marker::text(key);
        if folded == "callid" {
            let how = if key.contains(['_', '-']) {
                "a misspelt"
            } else {
                "a mis-cased"
            };
            hints.push(format!("`detail.{shown}` looks like {how} `callId`"));
        } else if key == "id" && !map.contains_key("callId") && value.is_string() {
            hints.push(format!(
                "`detail.{shown}` may be meant as `callId`: the rules read only `callId`"
            ));
        }
    }
    hints
}

/// One walk's record of what it cut, and the builders of bounded values (module docs).
#[derive(Debug, Clone, Default)]
pub struct Bounds {
    truncated: bool,
}

impl Bounds {
    pub fn new() -> Bounds {
        Bounds::default()
    }

    /// Whether anything was cut or left out.
    pub fn truncated(&self) -> bool {
        self.truncated
    }

    /// `value` (a scalar or a marker) if it fits `room`.
    pub fn leaf(&mut self, value: Value, room: usize) -> Option<Value> {
        (json_len(&value) <= room).then_some(value)
    }

    /// `s` whole if it is at most [`MAX_STRING_CHARS`] long and fits `room`; else a
    /// `longString` marker with as much of its head as fits (at most
    /// [`LONG_STRING_HEAD_CHARS`]); `None` if not even an empty head fits.
    pub fn string(&mut self, s: &str, room: usize) -> Option<Value> {
        // Counting stops past the cap: a page's megabyte string costs no more than that.
        let short = s.chars().nth(MAX_STRING_CHARS).is_none();
        if short && str_json_len(s) <= room {
            return Some(Value::String(s.to_string()));
        }
        self.truncated = true;
        let chars = s.chars().count();
        let mut left = room.checked_sub(json_len(&marker::long_string("", chars)))?;
        let mut head = String::new();
        for c in s.chars().take(LONG_STRING_HEAD_CHARS) {
            let cost = char_json_len(c);
            if cost > left {
                break;
            }
            left -= cost;
            head.push(c);
        }
        Some(marker::long_string(&head, chars))
    }

    /// The `tooDeep` marker, if it fits.
    pub fn too_deep(&mut self, room: usize) -> Option<Value> {
        self.truncated = true;
        self.leaf(marker::too_deep(), room)
    }

    /// Starts an array of `total` items within `room`; `None` if its brackets and its
    /// possible cut marker do not fit.
    pub fn array(&self, room: usize, total: usize) -> Option<ArrayFill> {
        // The marker item, with its comma: `,{"$fvi":"truncated","omitted":<total>}`.
        let reserve = if total == 0 {
            0
        } else {
            1 + json_len(&marker::truncated(total))
        };
        let left = room.checked_sub(2 + reserve)?;
        Some(ArrayFill {
            items: Vec::new(),
            total,
            left,
        })
    }

    /// Starts an object of `total` keys within `room`; `None` if its braces and its
    /// possible cut marker do not fit.
    pub fn object(&self, room: usize, total: usize) -> Option<ObjectFill> {
        // The marker entry, with its comma: `,"$fvi":{"$fvi":"truncated","omitted":<n>}`;
        // `n` may reach `total + 1` when it replaces a page's own `$fvi` entry.
        let reserve = if total == 0 {
            0
        } else {
            1 + str_json_len(MARKER_KEY) + 1 + json_len(&marker::truncated(total + 1))
        };
        let left = room.checked_sub(2 + reserve)?;
        Some(ObjectFill {
            map: Map::new(),
            total,
            written: 0,
            left,
        })
    }

    /// The top-level value: `value`, or, if even that did not fit (it always does within
    /// [`MAX_DETAIL_BYTES`]), a `truncated` marker.
    pub fn root(&mut self, value: Option<Value>) -> Value {
        value.unwrap_or_else(|| {
            self.truncated = true;
            marker::truncated(1)
        })
    }
}

/// An array being built: push items while they fit, then [`ArrayFill::finish`].
#[derive(Debug)]
pub struct ArrayFill {
    items: Vec<Value>,
    total: usize,
    /// Bytes left for items and their commas (brackets and the cut marker set aside).
    left: usize,
}

impl ArrayFill {
    fn separator(&self) -> usize {
        usize::from(!self.items.is_empty())
    }

    /// The room for the next item.
    pub fn room(&self) -> usize {
        self.left.saturating_sub(self.separator())
    }

    /// Adds `item` if it is there and fits; `false` ends the array (the caller stops).
    pub fn push(&mut self, item: Option<Value>) -> bool {
        let Some(item) = item else { return false };
        let cost = self.separator() + json_len(&item);
        if cost > self.left || self.items.len() >= self.total {
            return false;
        }
        self.left -= cost;
        self.items.push(item);
        true
    }

    /// The array, ending with a `truncated` marker for the items not pushed; `None` when
    /// not one item fit (the parent counts the whole array as omitted instead).
    pub fn finish(mut self, bounds: &mut Bounds) -> Option<Value> {
        let omitted = self.total - self.items.len();
        if omitted > 0 {
            bounds.truncated = true;
            if self.items.is_empty() {
                return None;
            }
            self.items.push(marker::truncated(omitted));
        }
        Some(Value::Array(self.items))
    }
}

/// An object being built: push entries while they fit, then [`ObjectFill::finish`].
#[derive(Debug)]
pub struct ObjectFill {
    map: Map<String, Value>,
    total: usize,
    written: usize,
    /// Bytes left for entries and their commas (braces and the cut marker set aside).
    left: usize,
}

impl ObjectFill {
    fn separator(&self) -> usize {
        usize::from(!self.map.is_empty())
    }

    /// The room for the value of the next entry, under `key`; `None` if the key alone
    /// does not fit (the caller stops).
    pub fn room_for(&self, key: &str) -> Option<usize> {
        self.left
            .checked_sub(self.separator() + str_json_len(key) + 1)
    }

    /// Adds `key: value` if the value is there and fits; `false` ends the object (the
    /// caller stops).
    pub fn push(&mut self, key: String, value: Option<Value>) -> bool {
        let Some(value) = value else { return false };
        if self.map.contains_key(&key) || self.written >= self.total {
            // A key twice would overwrite what was counted; the walkers never do it.
            return false;
        }
        let cost = self.separator() + str_json_len(&key) + 1 + json_len(&value);
        if cost > self.left {
            return false;
        }
        self.left -= cost;
        self.written += 1;
        self.map.insert(key, value);
        true
    }

    /// The object, with a `truncated` marker under [`MARKER_KEY`] for the keys not pushed
    /// (a page's own `$fvi` entry gives way to it, and is counted as omitted); `None` when
    /// not one entry fit (the parent counts the whole object as omitted instead).
    pub fn finish(mut self, bounds: &mut Bounds) -> Option<Value> {
        let mut omitted = self.total - self.written;
        if omitted > 0 {
            bounds.truncated = true;
            if self.map.remove(MARKER_KEY).is_some() {
                omitted += 1;
            }
            if self.map.is_empty() {
                return None;
            }
            self.map
                .insert(MARKER_KEY.to_string(), marker::truncated(omitted));
        }
        Some(Value::Object(self.map))
    }
}

/// Re-bounds a JSON value that came over a message. Returns the bounded value and whether
/// anything was cut. A detail that is an object keeps its `callId` first, so truncation
/// never loses the id. A detail already within every bound ([`within_bounds`]: what the
/// engine sends, and what this returns) comes back as it is, so bounding twice changes
/// nothing.
pub fn sanitize(value: &Value) -> (Value, bool) {
    if within_bounds(value) {
        return (value.clone(), false);
    }
    let mut bounds = Bounds::new();
    let out = walk(value, &mut bounds, 0, MAX_DETAIL_BYTES, true);
    let out = bounds.root(out);
    (out, bounds.truncated())
}

/// Whether `value` is within every bound: at most [`MAX_DETAIL_BYTES`] of JSON, no string
/// longer than [`MAX_STRING_CHARS`], and nothing nested deeper than [`MAX_DEPTH`] but
/// markers (a cut container at the deepest level ends with one, one level further down).
pub fn within_bounds(value: &Value) -> bool {
    let mut left = MAX_DETAIL_BYTES;
    fits(value, &mut left) && shaped(value, 0)
}

/// Takes `value`'s JSON length from `left`; `false` as soon as it does not fit, so a huge
/// value is not measured whole.
fn fits(value: &Value, left: &mut usize) -> bool {
    let mut take = |n: usize| match left.checked_sub(n) {
        Some(rest) => {
            *left = rest;
            true
        }
        None => false,
    };
    match value {
        Value::Array(items) => {
            take(2 + items.len().saturating_sub(1)) && items.iter().all(|v| fits(v, left))
        }
        Value::Object(map) => {
            take(2 + map.len().saturating_sub(1))
                && map
                    .iter()
                    .all(|(k, v)| take_str(k, left) && take_one(left) && fits(v, left))
        }
        Value::String(s) => take_str(s, left),
        scalar => take(json_len(scalar)),
    }
}

fn take_str(s: &str, left: &mut usize) -> bool {
    // Cheap first: a string longer than `left` in bytes cannot be shorter as JSON.
    s.len() <= *left
        && match left.checked_sub(str_json_len(s)) {
            Some(rest) => {
                *left = rest;
                true
            }
            None => false,
        }
}

fn take_one(left: &mut usize) -> bool {
    match left.checked_sub(1) {
        Some(rest) => {
            *left = rest;
            true
        }
        None => false,
    }
}

fn shaped(value: &Value, depth: usize) -> bool {
    if is_marker(value) {
        return true;
    }
    if depth > MAX_DEPTH {
        return false;
    }
    match value {
        Value::String(s) => s.chars().nth(MAX_STRING_CHARS).is_none(),
        Value::Array(items) => items.iter().all(|v| shaped(v, depth + 1)),
        Value::Object(map) => map.values().all(|v| shaped(v, depth + 1)),
        _ => true,
    }
}

/// A marker object: a string under [`MARKER_KEY`], and only scalars beside it.
fn is_marker(value: &Value) -> bool {
    match value {
        Value::Object(map) => {
            map.get(MARKER_KEY).is_some_and(Value::is_string)
                && map.values().all(|v| match v {
                    Value::String(s) => s.chars().nth(MAX_STRING_CHARS).is_none(),
                    Value::Array(_) | Value::Object(_) => false,
                    _ => true,
                })
        }
        _ => false,
    }
}

/// `value` bounded to `room` at `depth`; `root`: the top level, whose `callId` goes first.
fn walk(
    value: &Value,
    bounds: &mut Bounds,
    depth: usize,
    room: usize,
    root: bool,
) -> Option<Value> {
    if depth > MAX_DEPTH {
        return bounds.too_deep(room);
    }
    match value {
        Value::Null | Value::Bool(_) | Value::Number(_) => bounds.leaf(value.clone(), room),
        Value::String(s) => bounds.string(s, room),
        Value::Array(items) => {
            let mut fill = bounds.array(room, items.len())?;
            for item in items {
                let room = fill.room();
                if !fill.push(walk(item, bounds, depth + 1, room, false)) {
                    break;
                }
            }
            fill.finish(bounds)
        }
        Value::Object(map) => {
            let mut fill = bounds.object(room, map.len())?;
            let first = map.get_key_value("callId").filter(|_| root);
            for (key, v) in first.into_iter().chain(
                map.iter()
                    .filter(|(k, _)| !(root && k.as_str() == "callId")),
            ) {
                let Some(room) = fill.room_for(key) else {
                    break;
                };
                if !fill.push(key.clone(), walk(v, bounds, depth + 1, room, false)) {
                    break;
                }
            }
            fill.finish(bounds)
        }
    }
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
        assert!(size <= MAX_DETAIL_BYTES, "size {size}");
        assert_eq!(out[MARKER_KEY][MARKER_KEY], "truncated");
    }

    #[test]
    fn lengths_are_what_serde_json_writes() {
        let chars = (0u32..0x900)
            .chain([0x2028, 0x2029, 0xfeff, 0xffff, 0x1f600, 0x10ffff])
            .filter_map(char::from_u32);
        for c in chars {
            let s = format!("a{c}b");
            assert_eq!(
                str_json_len(&s),
                serde_json::to_string(&s).unwrap().len(),
                "{c:?}"
            );
        }
        for v in [
            json!(null),
            json!(false),
            json!(true),
            json!(-9_223_372_036_854_775_808i64),
            json!(18_446_744_073_709_551_615u64),
            json!(-1.2345678901234567e-308),
            json!(1e300),
            json!(0.1),
            json!([]),
            json!({}),
            json!([1, [2, {"a\n": "\u{0}\"", "": []}], {}]),
        ] {
            assert_eq!(
                json_len(&v),
                serde_json::to_string(&v).unwrap().len(),
                "{v}"
            );
        }
    }

    #[test]
    fn marker_text_is_cut() {
        let long = "n".repeat(1000);
        let m = marker::function(&long);
        assert_eq!(
            m["name"].as_str().unwrap().chars().count(),
            MAX_MARKER_TEXT_CHARS + 1
        );
        assert!(m["name"].as_str().unwrap().ends_with('…'));
        assert_eq!(marker::symbol("Symbol(x)")["description"], "Symbol(x)");
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
