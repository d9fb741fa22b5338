//! Fuzzes the handler-report parser, `fvi_core::handlers::parse_report`, with whatever a page
//! could make the hook send (every report is page-controlled text), and the stored log that
//! takes it (`HandlerLog::apply`, then stored and read back): it must accept or refuse each
//! text, and never panic.
#![no_main]

use fvi_core::handlers::{parse_report, HandlerLog, PageKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse_report(text) {
        Ok(report) => {
            std::hint::black_box(report);
        }
        Err(reason) => {
            std::hint::black_box(reason);
        }
    }
    let mut log = HandlerLog::new();
    let page = PageKey {
        tab_id: 1,
        frame_id: 0,
        document: "d".into(),
    };
    log.apply(&page, Some("https://x/"), &[text.to_owned()], 0.0);
    let stored = serde_json::to_value(&log).expect("a log serialises");
    std::hint::black_box(HandlerLog::read(Some(&stored)));
});
