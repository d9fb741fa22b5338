//! The fuzz targets' inputs as ordinary tests, on stable: every seed in
//! `fuzz/corpus/<target>/` and every input a fuzz run found crashing, kept after its fix in
//! `tests/fuzz_regressions/<target>/`, goes through the same call as its target in
//! `fuzz/fuzz_targets/<target>.rs` and must come back without a panic.

use std::path::{Path, PathBuf};

use fvi_core::detail::{call_id_of, sanitize, MAX_DETAIL_BYTES};
use serde_json::Value;

/// What each fuzz target does with one input (keep in step with `fuzz/fuzz_targets/`).
fn run(target: &str, data: &[u8]) {
    match target {
        "decode" => {
            if let Ok(text) = std::str::from_utf8(data) {
                let _ = fvi_core::protocol::decode(text).map_err(|e| e.to_string());
            }
        }
        "import" => {
            let text = String::from_utf8_lossy(data);
            let _ = fvi_core::export::parse(&text).map_err(|e| e.to_string());
        }
        "chunk" => {
            if let Ok(text) = std::str::from_utf8(data) {
                let stored = [
                    Some(Value::String(text.to_owned())),
                    serde_json::from_str::<Value>(text).ok(),
                ];
                for value in stored.iter().flatten() {
                    fvi_core::log::decode_chunk(value);
                }
            }
        }
        "sanitize" => {
            if let Ok(value) = serde_json::from_slice::<Value>(data) {
                let (bounded, _) = sanitize(&value);
                assert_eq!(call_id_of(&bounded), call_id_of(&value), "callId changed");
                let size = serde_json::to_string(&bounded).unwrap().len();
                assert!(
                    size <= MAX_DETAIL_BYTES,
                    "{size} bytes of JSON, over the cap"
                );
                assert!(
                    sanitize(&bounded) == (bounded.clone(), false),
                    "not idempotent"
                );
            }
        }
        "report" => {
            if let Ok(text) = std::str::from_utf8(data) {
                let _ = fvi_core::handlers::parse_report(text);
                let mut log = fvi_core::handlers::HandlerLog::new();
                let page = fvi_core::handlers::PageKey {
                    tab_id: 1,
                    frame_id: 0,
                    document: "d".into(),
                };
                log.apply(&page, Some("https://x/"), &[text.to_owned()], 0.0);
                let stored = serde_json::to_value(&log).unwrap();
                fvi_core::handlers::HandlerLog::read(Some(&stored));
            }
        }
        other => panic!("no fuzz target {other}"),
    }
}

const TARGETS: [&str; 5] = ["decode", "import", "chunk", "sanitize", "report"];

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn seeds_and_former_crashes_run_clean() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let seeds = here.join("../../fuzz/corpus");
    let regressions = here.join("tests/fuzz_regressions");
    for target in TARGETS {
        let files = [
            inputs(&seeds.join(target)),
            inputs(&regressions.join(target)),
        ]
        .concat();
        // Every target has seeds (xtask/fuzz.rs checks each directory too).
        assert!(
            !files.is_empty(),
            "no seeds for {target} under {}",
            seeds.display()
        );
        for path in files {
            let data = std::fs::read(&path).unwrap();
            let result = std::panic::catch_unwind(|| run(target, &data));
            assert!(result.is_ok(), "{target} panicked on {}", path.display());
        }
    }
}
