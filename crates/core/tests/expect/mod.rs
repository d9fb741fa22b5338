//! The expectation check the data-driven fixtures share (rust-analyzer's `expect` in
//! miniature): a fixture's rendered transcript must equal the `.txt` beside its input, and
//! `UPDATE_EXPECT=1` rewrites the `.txt` instead.

use std::path::Path;

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
