//! `cargo fvi test`: every check, in order, each a step that must pass. Nothing is
//! skipped: a browser that cannot start fails its step. The tidy test (xtask/tidy.rs, the
//! ARCHITECTURE.md invariants) runs with `cargo test --workspace`.
//!
//! `cargo fvi bench`: the benchmarks (figures go in BENCHMARKS.md).

use std::process::Command;

use crate::shell::{done, run, step, which};
use crate::{fuzz, pack, root, setup};

const WASM_CRATES: [&str; 4] = ["fvi-browser", "fvi-content", "fvi-background", "fvi-popup"];

pub fn main(_args: &[String]) -> Result<(), String> {
    let started = std::time::Instant::now();
    setup::ensure(setup::Need::Everything)?;
    let mut failed = Vec::new();
    let mut check = |name: &str, result: Result<(), String>| {
        if let Err(e) = result {
            eprintln!("FAILED: {name}: {e}");
            failed.push(name.to_string());
        }
    };

    check(
        "rustfmt",
        timed("cargo fmt --check", || {
            run(cargo().args(["fmt", "--all", "--check"]))
        }),
    );
    check(
        "clippy (host)",
        timed("clippy, host", || {
            run(cargo().args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]))
        }),
    );
    check(
        "clippy (wasm)",
        timed("clippy, wasm32", || {
            let mut cmd = cargo();
            cmd.args([
                "clippy",
                "--target",
                "wasm32-unknown-unknown",
                "--all-targets",
            ]);
            for c in WASM_CRATES {
                cmd.args(["-p", c]);
            }
            run(cmd.args(["--", "-D", "warnings"]))
        }),
    );
    // Everything below needs dist/.
    pack::build()?;
    check(
        "web-ext lint",
        timed("web-ext lint dist/firefox", web_ext_lint),
    );
    check(
        "core and end-to-end tests",
        timed("cargo test (core, driver, real browsers)", || {
            run(cargo().args(["test", "--workspace", "--", "--test-threads=2"]))
        }),
    );
    // The browser-side Rust tests (crates/content/tests/) through `wasm-pack test`, one
    // browser per step so that a failure names its browser. wasm-pack ignores the
    // CHROMEDRIVER/GECKODRIVER variables and then tries to download a driver, which fails
    // offline (platform-notes.md), so the installed driver is given as a flag. A browser or
    // driver that cannot start fails the step: wasm-bindgen-test-runner exits non-zero.
    for (browser, browser_flag, driver_flag, driver) in [
        ("chromium", "--chrome", "--chromedriver", "chromedriver"),
        ("firefox", "--firefox", "--geckodriver", "geckodriver"),
    ] {
        let name = format!("wasm-pack tests in {browser}");
        check(
            &name.clone(),
            timed(&name, || {
                let driver = which(driver).ok_or(format!("{driver} is not installed"))?;
                run(Command::new("wasm-pack")
                    .args(["test", "--headless", browser_flag, driver_flag])
                    .arg(driver)
                    // webdriver.json beside the crate carries the browsers' flags and
                    // Firefox ESR's binary.
                    .current_dir(root().join("crates/content")))
            }),
        );
    }
    // Each target for a short fixed time from its seeds: enough to catch a parser that
    // panics on input near the realistic ones (issue 10, item 6).
    check(
        "fuzzing",
        fuzz::run_targets(&fuzz::TARGETS, fuzz::TEST_SECONDS),
    );
    eprintln!("test: {:.0} s in all", started.elapsed().as_secs_f64());
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("failed steps: {}", failed.join(", ")))
    }
}

fn cargo() -> Command {
    let mut cmd = Command::new("cargo");
    cmd.current_dir(root());
    cmd
}

fn timed(name: &str, f: impl FnOnce() -> Result<(), String>) -> Result<(), String> {
    let timer = step(name);
    let result = f();
    done(timer);
    result
}

/// web-ext lint must end with 0 errors and 0 warnings; notices are printed.
fn web_ext_lint() -> Result<(), String> {
    let out = Command::new(setup::web_ext_bin())
        .args(["lint", "--output", "json", "--source-dir"])
        .arg(pack::dist().join("firefox"))
        .output()
        .map_err(|e| format!("could not start web-ext: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let report: serde_json::Value = serde_json::from_str(text.trim())
        .map_err(|e| format!("web-ext printed no JSON report ({e}): {text}"))?;
    for kind in ["errors", "warnings", "notices"] {
        for item in report[kind].as_array().into_iter().flatten() {
            eprintln!(
                "    {kind}: {} {} ({})",
                item["code"], item["message"], item["file"]
            );
        }
    }
    eprintln!(
        "    web-ext lint: {} errors, {} warnings, {} notices",
        report["summary"]["errors"], report["summary"]["warnings"], report["summary"]["notices"]
    );
    let errors = report["summary"]["errors"].as_u64().unwrap_or(u64::MAX);
    let warnings = report["summary"]["warnings"].as_u64().unwrap_or(u64::MAX);
    if errors == 0 && warnings == 0 {
        Ok(())
    } else {
        Err(format!("{errors} errors, {warnings} warnings"))
    }
}

pub fn bench(args: &[String]) -> Result<(), String> {
    crate::bench::main(args)
}
