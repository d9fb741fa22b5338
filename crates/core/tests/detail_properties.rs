//! Property tests of detail bounding (`fvi_core::detail`): whatever JSON arrives, the
//! bounded detail's compact JSON is at most `MAX_DETAIL_BYTES` long, its `callId` is the
//! input's, bounding it again changes nothing, and a detail within every bound passes
//! unchanged. The generator leans on what made the old, approximate bound overflow:
//! escapes (quotes, backslashes, control characters), many tiny keys, deep nesting, long
//! numbers, and many markers.

use fvi_core::detail::{
    call_id_of, json_len, sanitize, within_bounds, MAX_DEPTH, MAX_DETAIL_BYTES, MAX_STRING_CHARS,
};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

/// Characters JSON writes longer than they are, and a few that are plain.
fn text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("\u{0}"),
        Just("\u{1f}"),
        Just("\""),
        Just("\\"),
        Just("\n"),
        Just("a"),
        Just("é"),
        Just("😀"),
        Just("$fvi"),
        Just("callId"),
    ];
    (prop::collection::vec(piece, 0..6), 0usize..3000).prop_map(|(pieces, times)| {
        let unit = pieces.concat();
        // Mostly short, sometimes long: a unit repeated up to 3000 times.
        if times % 3 == 0 {
            unit.repeat(times)
        } else {
            unit
        }
    })
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        Just(json!(-1.2345678901234567e-308)),
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        text().prop_map(Value::String),
        Just(json!({"$fvi": "undefined"})),
        Just(json!({"$fvi": "truncated", "omitted": 18_446_744_073_709_551_615u64})),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(6, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(text(), inner.clone(), 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            // The same value many times: wide arrays and objects of tiny keys.
            (inner.clone(), 0usize..6000)
                .prop_map(|(v, n)| Value::Array(vec![v.clone(); wide(&v, n)])),
            (inner.clone(), text(), 0usize..6000).prop_map(|(v, prefix, n)| {
                let n = wide(&v, n);
                Value::Object(
                    (0..n)
                        .map(|i| (format!("{prefix}{i}"), v.clone()))
                        .collect(),
                )
            }),
            // Deep nesting, past the depth limit.
            (inner.clone(), 0usize..60, any::<bool>()).prop_map(|(mut v, n, arrays)| {
                for _ in 0..n {
                    v = if arrays {
                        json!([v])
                    } else {
                        json!({ "a": v })
                    };
                }
                v
            }),
            // A detail with its callId (a string, or anything else) among the rest.
            (
                inner.clone(),
                prop_oneof![text().prop_map(Value::String), inner.clone()]
            )
                .prop_map(|(v, id)| {
                    let mut m = match v {
                        Value::Object(m) => m,
                        other => Map::from_iter([("x".to_string(), other)]),
                    };
                    m.insert("callId".into(), id);
                    Value::Object(m)
                }),
        ]
    })
}

/// `n` copies of `v`, or fewer, so that one input stays under about 60 KB of JSON (four
/// times the cap) and the test stays fast.
fn wide(v: &Value, n: usize) -> usize {
    n.min(60_000 / (json_len(v) + 1))
}

fn depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        Value::Object(m) => 1 + m.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

fn longest_string(v: &Value) -> usize {
    match v {
        Value::String(s) => s.chars().count(),
        Value::Array(a) => a.iter().map(longest_string).max().unwrap_or(0),
        Value::Object(m) => m.values().map(longest_string).max().unwrap_or(0),
        _ => 0,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn bounded_json_never_exceeds_the_cap(x in value()) {
        let (out, cut) = sanitize(&x);
        let text = serde_json::to_string(&out).unwrap();
        prop_assert!(text.len() <= MAX_DETAIL_BYTES, "{} bytes", text.len());
        prop_assert_eq!(json_len(&out), text.len());
        prop_assert_eq!(json_len(&x), serde_json::to_string(&x).unwrap().len());
        prop_assert_eq!(call_id_of(&out), call_id_of(&x));
        // What is bounded stays as it is (the background re-bounds what the engine
        // bounded), and a detail within every bound passes whole.
        prop_assert!(within_bounds(&out), "{}", text);
        prop_assert_eq!(sanitize(&out), (out.clone(), false));
        if within_bounds(&x) {
            prop_assert_eq!(&out, &x);
            prop_assert!(!cut);
        }
        let ordinary = depth(&x) <= MAX_DEPTH
            && longest_string(&x) <= MAX_STRING_CHARS
            && json_len(&x) <= MAX_DETAIL_BYTES;
        // (`within_bounds` also lets a marker sit one level deeper, where a cut ends.)
        if ordinary {
            prop_assert!(within_bounds(&x));
        }
        if out != x {
            prop_assert!(cut, "changed without saying so");
        }
    }
}
