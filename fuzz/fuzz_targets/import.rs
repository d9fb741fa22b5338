//! Fuzzes the import parser, `fvi_core::export::parse`: the popup's Import hands it the
//! text of any file a user picks (crates/popup/src/import.rs). Every file must be an
//! `ExportFile` or an `ImportError` with its message, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The popup reads the file as text (`File.text()` replaces invalid UTF-8), so the
    // parser only ever sees a `&str`.
    let text = String::from_utf8_lossy(data);
    match fvi_core::export::parse(&text) {
        Ok(file) => {
            std::hint::black_box(file);
        }
        Err(e) => {
            std::hint::black_box(e.to_string());
        }
    }
});
