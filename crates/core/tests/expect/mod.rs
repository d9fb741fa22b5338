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

/// Fails when a file in `dir` has a stem that is not in `names`: a fixture without a test
/// would silently check nothing.
#[allow(dead_code)] // Each test binary compiles this module; fire_fixtures lists its own.
pub fn every_file_has_a_test(dir: &Path, names: &[&str]) {
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("dir entry").path();
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        if !names.contains(&stem) {
            missing.push(path.display().to_string());
        }
    }
    assert!(
        missing.is_empty(),
        "files without a test in fixtures!{{}}: {missing:?}"
    );
}

/// `fixtures! { dir, render; name, … }` declares one test per fixture name, checking
/// `<dir>/<name>.json` rendered by `render` against `<dir>/<name>.txt` ([`check_fixture`]),
/// and `every_fixture_file_has_a_test` ([`every_file_has_a_test`]).
#[allow(unused_macros)]
macro_rules! fixtures {
    ($dir:expr, $render:expr; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $crate::expect::check_fixture(&$dir, stringify!($name), $render);
            }
        )*

        #[test]
        fn every_fixture_file_has_a_test() {
            $crate::expect::every_file_has_a_test(&$dir, &[$(stringify!($name)),*]);
        }
    };
}
#[allow(unused_imports)]
pub(crate) use fixtures;
