//! Data-driven tests of detail bounding (`fvi_core::detail::sanitize`), in the style of
//! `store_fixtures.rs`: each `detail/<name>.json` builds one detail, `detail/<name>.txt` is
//! the expected transcript: the input's JSON size, the output's (never above the cap),
//! whether it was cut, its `callId`, and the output abbreviated (runs of equal items as
//! `×N`, long strings as their head and length).
//!
//! `UPDATE_EXPECT=1 cargo test -p fvi-core --test detail_fixtures` rewrites the `.txt` files
//! from the current output; read the diff before keeping it.
//!
//! Fixture format: `{"input": <template>}`, where a template is any JSON value, except that
//! an object with a `"$gen"` key builds one (so a fixture of megabytes stays a line):
//! ```text
//! {"$gen": "text", "n": 5000, "of": "\u0001"}                 // the string repeated n times
//! {"$gen": "repeat", "n": 3000, "of": <template>}            // an array of n copies
//! {"$gen": "keys", "n": 20000, "prefix": "k", "of": <template>,
//!  "with": {"callId": "c1"}}                                 // keys k0..k19999, and more
//! {"$gen": "nest", "n": 200, "key": "a", "of": <template>}   // n levels; "key": null: arrays
//! ```

mod expect;

use std::path::{Path, PathBuf};

use fvi_core::detail::{call_id_of, json_len, sanitize, MAX_DETAIL_BYTES};
use serde::Deserialize;
use serde_json::{json, Map, Value};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    input: Value,
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/detail")
}

fn build(template: &Value) -> Value {
    let Some(gen) = template.get("$gen").and_then(Value::as_str) else {
        return match template {
            Value::Array(items) => Value::Array(items.iter().map(build).collect()),
            Value::Object(map) => {
                Value::Object(map.iter().map(|(k, v)| (k.clone(), build(v))).collect())
            }
            other => other.clone(),
        };
    };
    let n = template["n"].as_u64().expect("n") as usize;
    let of = &template["of"];
    match gen {
        "text" => Value::String(of.as_str().expect("of: a string").repeat(n)),
        "repeat" => Value::Array(vec![build(of); n]),
        "keys" => {
            let prefix = template["prefix"].as_str().unwrap_or("k");
            let item = build(of);
            let mut map: Map<String, Value> = (0..n)
                .map(|i| (format!("{prefix}{i}"), item.clone()))
                .collect();
            if let Some(Value::Object(with)) = template.get("with") {
                for (k, v) in with {
                    map.insert(k.clone(), build(v));
                }
            }
            Value::Object(map)
        }
        "nest" => {
            let mut v = build(of);
            for _ in 0..n {
                v = match template["key"].as_str() {
                    Some(key) => json!({ key: v }),
                    None => json!([v]),
                };
            }
            v
        }
        other => panic!("$gen {other}"),
    }
}

/// One line: JSON, with runs of equal array items as `item ×N`, runs of object entries
/// with equal values as `"k0".."k9": value ×10`, and strings over 40 chars as their head.
fn abbrev(v: &Value) -> String {
    match v {
        Value::String(s) if s.chars().count() > 40 => {
            let head: String = s.chars().take(16).collect();
            format!(
                "{}…({} chars, {} bytes)",
                serde_json::to_string(&head).unwrap().trim_end_matches('"'),
                s.chars().count(),
                json_len(v)
            )
        }
        Value::Array(items) => {
            let mut parts = Vec::new();
            let mut i = 0;
            while i < items.len() {
                let j = (i..items.len())
                    .take_while(|&j| items[j] == items[i])
                    .count();
                let one = abbrev(&items[i]);
                parts.push(if j > 1 { format!("{one} ×{j}") } else { one });
                i += j;
            }
            format!("[{}]", parts.join(", "))
        }
        Value::Object(map) => {
            let entries: Vec<(&String, &Value)> = map.iter().collect();
            let mut parts = Vec::new();
            let mut i = 0;
            while i < entries.len() {
                let j = (i..entries.len())
                    .take_while(|&j| entries[j].1 == entries[i].1)
                    .count();
                let key = |k: &String| abbrev(&Value::String(k.clone()));
                let value = abbrev(entries[i].1);
                parts.push(if j > 2 {
                    format!(
                        "{}..{}: {value} ×{j}",
                        key(entries[i].0),
                        key(entries[i + j - 1].0)
                    )
                } else {
                    let j = 1;
                    format!("{}: {value}", key(entries[i].0)).repeat(j)
                });
                i += if j > 2 { j } else { 1 };
            }
            format!("{{{}}}", parts.join(", "))
        }
        other => other.to_string(),
    }
}

fn render(fixture: &Fixture) -> String {
    let input = build(&fixture.input);
    let (out, cut) = sanitize(&input);
    let size = serde_json::to_string(&out).unwrap().len();
    assert!(size <= MAX_DETAIL_BYTES, "{size} bytes");
    assert_eq!(call_id_of(&out), call_id_of(&input), "callId changed");
    format!(
        "input {} bytes\noutput {size} bytes (cap {MAX_DETAIL_BYTES}), truncated {cut}, callId {}\n{}\n",
        json_len(&input),
        call_id_of(&out).map_or("-".into(), |id| format!("{id:?}")),
        abbrev(&out)
    )
}

expect::fixtures! {
    dir(), render;
    ordinary_detail_unchanged,
    control_characters,
    quotes_and_backslashes,
    many_tiny_keys,
    keys_of_control_characters,
    deep_objects,
    deep_arrays_wide_at_every_level,
    long_numbers,
    many_markers,
    page_marker_key,
    call_id_of_quotes,
    call_id_object,
    root_string,
    nested_cut_strings,
}
