//! Fuzzes the background's message decoder, `fvi_core::protocol::decode`, with whatever a
//! page or a stale sender could put in a message: it must answer every text with a
//! `Request` or a `DecodeError`, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Messages cross as JSON text, which is always UTF-8.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Branch on the result so the optimiser keeps the call and coverage can grow.
    match fvi_core::protocol::decode(text) {
        Ok(request) => {
            std::hint::black_box(request);
        }
        Err(e) => {
            std::hint::black_box(e.to_string());
        }
    }
});
