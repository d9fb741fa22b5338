//! Fuzzes the chunk decoder, `fvi_core::log::decode_chunk`, fed as storage hands it a stored
//! chunk: a JSON string (the layout `encode_chunk` writes), or any other JSON value (an
//! older layout, or storage that something else wrote). It must return the records that
//! parse, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The input as the stored string itself, and, where it is JSON, as a stored value.
    let stored = [
        Some(Value::String(text.to_owned())),
        serde_json::from_str::<Value>(text).ok(),
    ];
    for value in stored.iter().flatten() {
        let records = fvi_core::log::decode_chunk(value);
        std::hint::black_box(records);
    }
});
