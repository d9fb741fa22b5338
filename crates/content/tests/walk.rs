//! Runs the detail walker on hostile page values in a real browser (wasm-bindgen-test):
//! each case is a JavaScript expression in, the expected JSON out.

use fvi_content::walk::walk_detail;
use serde_json::json;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn check(js: &str, expect: serde_json::Value, expect_cut: bool) {
    let value = js_sys::eval(js).unwrap_or_else(|e| panic!("{js}: {e:?}"));
    let (got, cut) = walk_detail(&value);
    assert_eq!(got, expect, "{js}");
    assert_eq!(cut, expect_cut, "{js}: truncated flag");
}

#[wasm_bindgen_test]
fn plain_values() {
    check(
        "({callId: 'abc', n: 1, ok: true, list: [1, 'x', null]})",
        json!({"callId": "abc", "n": 1, "ok": true, "list": [1, "x", null]}),
        false,
    );
    check("null", json!(null), false);
    check("'just a string'", json!("just a string"), false);
    check("42", json!(42), false);
    check("[1, [2, [3]]]", json!([1, [2, [3]]]), false);
}

#[wasm_bindgen_test]
fn what_json_cannot_hold_is_marked() {
    check("undefined", json!({"$fvi": "undefined"}), false);
    check("({callId: 7})", json!({"callId": 7}), false);
    check(
        "({a: NaN, b: Infinity, c: 10n})",
        json!({
            "a": {"$fvi": "number", "value": "NaN"},
            "b": {"$fvi": "number", "value": "Infinity"},
            "c": {"$fvi": "number", "value": "10"},
        }),
        false,
    );
    check(
        "({f: function hello() {}, s: Symbol('x')})",
        json!({
            "f": {"$fvi": "function", "name": "hello"},
            "s": {"$fvi": "symbol", "description": "Symbol(x)"},
        }),
        false,
    );
    check(
        "({node: document.createElement('div')})",
        json!({"node": {"$fvi": "domNode", "nodeName": "DIV"}}),
        false,
    );
}

#[wasm_bindgen_test]
fn cycles_and_shared_objects() {
    check(
        "(() => { const o = {callId: 'c'}; o.self = o; return o; })()",
        json!({"callId": "c", "self": {"$fvi": "cycle"}}),
        false,
    );
    // The same object twice, not a cycle: both copies are kept.
    check(
        "(() => { const s = {x: 1}; return {a: s, b: s}; })()",
        json!({"a": {"x": 1}, "b": {"x": 1}}),
        false,
    );
}

#[wasm_bindgen_test]
fn throwing_getters_and_revoked_proxies_do_not_escape() {
    check(
        "({callId: 'g', get bad() { throw new Error('boom'); }})",
        json!({"callId": "g", "bad": {"$fvi": "unreadable", "reason": "Error: boom"}}),
        false,
    );
    // The browsers word the TypeError differently; the marker and its kind are the same.
    let revoked = js_sys::eval(
        "(() => { const p = Proxy.revocable({}, {}); p.revoke(); return {p: p.proxy}; })()",
    )
    .unwrap();
    let (got, cut) = walk_detail(&revoked);
    assert!(!cut);
    assert_eq!(got["p"]["$fvi"], "unreadable", "{got}");
    assert!(
        got["p"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("TypeError: "),
        "{got}"
    );
    check(
        "({callId: 'x', list: new Proxy([1, 2], {get(t, k) { if (k === '1') throw new Error('trap'); return t[k]; }})})",
        json!({"callId": "x", "list": [1, {"$fvi": "unreadable", "reason": "Error: trap"}]}),
        false,
    );
}

#[wasm_bindgen_test]
fn megabytes_are_cut_but_keep_the_call_id() {
    let value = js_sys::eval(
        "(() => { const o = {}; for (let i = 0; i < 200000; i++) o['k' + i] = 'v'.repeat(20); o.callId = 'big'; return o; })()",
    )
    .unwrap();
    let (got, cut) = walk_detail(&value);
    assert!(cut);
    assert_eq!(got["callId"], "big");
    assert_eq!(got["$fvi"]["$fvi"], "truncated");
    let size = serde_json::to_string(&got).unwrap().len();
    assert!(size <= fvi_core::detail::MAX_DETAIL_BYTES, "{size} bytes");
}

/// What made the old, approximate bound overflow (up to ~96 KB): escapes, empty
/// containers, markers with long page text, many tiny keys. Each stays within the exact cap,
/// keeps its callId, and is left as it is by the background's re-bounding.
#[wasm_bindgen_test]
fn the_cap_is_exact_for_hostile_details() {
    let cases = [
        "({callId: 'c', s: '\\u0001'.repeat(4000)})",
        "(() => { const q = '\"\\\\'.repeat(2000); return {callId: 'c', s: q, t: q, u: q}; })()",
        "({callId: 'c', a: Array.from({length: 20000}, () => [])})",
        "({callId: 'c', a: new Array(1e6)})",
        "(() => { const f = () => 0; Object.defineProperty(f, 'name', {value: '\\u0002'.repeat(1e5)}); return {callId: 'c', a: Array(5000).fill(f)}; })()",
        "(() => { const o = {callId: 'c'}; for (let i = 0; i < 50000; i++) o['\\u0000' + i] = 0; return o; })()",
        "({callId: 'c', a: Array(5000).fill(Symbol('\\u0003'.repeat(500)))})",
        "(() => { let v = 1; for (let i = 0; i < 100; i++) v = [v, 'x'.repeat(200)]; return {callId: 'c', v}; })()",
    ];
    for js in cases {
        let value = js_sys::eval(js).unwrap_or_else(|e| panic!("{js}: {e:?}"));
        let (got, cut) = walk_detail(&value);
        assert!(cut, "{js}");
        assert_eq!(got["callId"], "c", "{js}");
        let size = serde_json::to_string(&got).unwrap().len();
        assert!(
            size <= fvi_core::detail::MAX_DETAIL_BYTES,
            "{js}: {size} bytes"
        );
        assert_eq!(
            fvi_core::detail::sanitize(&got),
            (got.clone(), false),
            "{js}: re-bounding changed it"
        );
    }
}
