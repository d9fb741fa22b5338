//! Fuzzes detail sanitising, `fvi_core::detail::sanitize`: the background bounds and marks
//! with it every detail a plain-mode page sent as JSON (ARCHITECTURE.md, "Pages whose CSP
//! forbids wasm"). Any JSON value must come back without a panic, keep its `callId`
//! (docs/export-format.md: "a cut never loses it"), be at most `MAX_DETAIL_BYTES` of JSON
//! (the cap is exact), and stay as it is when bounded again.
#![no_main]

use fvi_core::detail::{call_id_of, sanitize, MAX_DETAIL_BYTES};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The detail arrives inside a message that serde_json parsed, with its recursion limit.
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let (bounded, truncated) = sanitize(&value);
    assert_eq!(
        call_id_of(&bounded),
        call_id_of(&value),
        "sanitize changed the callId (truncated: {truncated})"
    );
    let size = serde_json::to_string(&bounded).unwrap().len();
    assert!(size <= MAX_DETAIL_BYTES, "{size} bytes of JSON, over the cap");
    assert!(
        sanitize(&bounded) == (bounded.clone(), false),
        "bounding again changed the detail"
    );
});
