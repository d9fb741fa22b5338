//! The expectation check the data-driven fixtures share (rust-analyzer's `expect` in
//! miniature): a fixture's rendered transcript must equal the `.txt` beside its input, and
//! `UPDATE_EXPECT=1` rewrites the `.txt` instead.

use std::path::Path;

use serde::de::DeserializeOwned;

/// Reads the fixture `<dir>/<name>.json`, renders it, and checks the transcript against
/// `<dir>/<name>.txt` ([`assert_expected`]).
pub fn check_fixture<F: DeserializeOwned>(dir: &Path, name: &str, render: impl Fn(&F) -> String) {
    let input_path = dir.join(format!("{name}.json"));
    let input = std::fs::read_to_string(&input_path)
        .unwrap_or_else(|e| panic!("{}: {e}", input_path.display()));
    let fixture: F =
        serde_json::from_str(&input).unwrap_or_else(|e| panic!("{}: {e}", input_path.display()));
    assert_expected(name, &dir.join(format!("{name}.txt")), &render(&fixture));
}

/// Fails with both texts and the first differing line when `actual` is not what
/// `expect_path` holds; with `UPDATE_EXPECT` set, writes `actual` there instead.
pub fn assert_expected(name: &str, expect_path: &Path, actual: &str) {
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(expect_path, actual).expect("write expectation");
        return;
    }
    let expected = std::fs::read_to_string(expect_path).unwrap_or_default();
    if actual != expected {
        let first_diff = actual
            .lines()
            .zip(expected.lines())
            .position(|(a, e)| a != e)
            .unwrap_or_else(|| actual.lines().count().min(expected.lines().count()));
        panic!(
            "fixture {name} differs from {} (first difference at line {}).\n\
             --- expected\n{expected}\n--- actual\n{actual}\n\
             Rerun with UPDATE_EXPECT=1 to accept the new output.",
            expect_path.display(),
            first_diff + 1
        );
    }
}

/// The names of the `<name>.json` fixtures in `dir`, sorted; at least `min` of them, or
/// the test fails (a fixture directory that went missing must not pass as empty).
#[allow(dead_code)] // each test binary includes this module and uses what it needs
pub fn fixture_names(dir: &Path, min: usize) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| {
            let path = e.ok()?.path();
            (path.extension()? == "json")
                .then(|| path.file_stem().unwrap().to_string_lossy().into_owned())
        })
        .collect();
    names.sort();
    assert!(names.len() >= min, "fixtures missing: {names:?}");
    names
}
