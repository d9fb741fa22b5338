//! `cargo fvi fuzz [target] [seconds]`: runs the cargo-fuzz targets in `fuzz/` (issue 10,
//! item 6), each for a fixed time, and fails on the first crash.
//!
//! The targets fuzz the core's parsers of untrusted input: the message decoder, the import
//! parser, the chunk decoder, detail sanitising and the page's handler reports
//! (`fuzz/fuzz_targets/`). libFuzzer needs `-Z sanitizer`, so they build with rustup's
//! `nightly` (platform-notes.md, "Fuzzing"), while everything else stays on the pinned
//! stable toolchain. `fuzz/` is its own workspace, excluded from the main one.
//!
//! Each target reads its committed seeds from `fuzz/corpus/<target>/` and writes what it
//! finds to `fuzz/work/<target>/` (ignored by git), so a run never changes the seeds but a
//! second run starts from where the first stopped. A crashing input is saved by libFuzzer
//! under `fuzz/artifacts/<target>/`; fix the core and keep the input in
//! `crates/core/tests/fuzz_regressions/<target>/`, where `crates/core/tests/fuzz_inputs.rs`
//! runs it (with the seeds) on every `cargo test`.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::root;
use crate::shell::{done, run, step};

/// The targets, as named in fuzz/Cargo.toml.
pub const TARGETS: [&str; 5] = ["decode", "import", "chunk", "sanitize", "report"];

/// How long `cargo fvi fuzz` runs each target when not told.
const DEFAULT_SECONDS: u64 = 60;

/// How long `cargo fvi test` runs each target: long enough for each to cover its parser's
/// branches from the seeds (coverage stops growing within seconds), short enough that the
/// four stay under two minutes.
pub const TEST_SECONDS: u64 = 20;

/// The toolchain cargo-fuzz builds with.
pub const TOOLCHAIN: &str = "nightly";

pub fn main(args: &[String]) -> Result<(), String> {
    let (targets, seconds) = parse_args(args)?;
    run_targets(&targets, seconds)
}

/// `[target] [seconds]`, in that order, either may be left out: `cargo fvi fuzz`,
/// `cargo fvi fuzz decode`, `cargo fvi fuzz 300`, `cargo fvi fuzz decode 300`.
fn parse_args(args: &[String]) -> Result<(Vec<&'static str>, u64), String> {
    let mut targets: Vec<&'static str> = TARGETS.to_vec();
    let mut seconds = DEFAULT_SECONDS;
    let mut rest = args.iter().map(String::as_str).peekable();
    if let Some(first) = rest.peek() {
        if first.parse::<u64>().is_err() {
            let name = *first;
            let target = TARGETS
                .iter()
                .find(|t| **t == name)
                .ok_or_else(|| format!("no fuzz target {name:?}; the targets are {TARGETS:?}"))?;
            targets = vec![target];
            rest.next();
        }
    }
    if let Some(s) = rest.next() {
        seconds = s
            .parse::<u64>()
            .ok()
            .filter(|s| *s > 0)
            .ok_or_else(|| format!("seconds must be a positive whole number, not {s:?}"))?;
    }
    if let Some(extra) = rest.next() {
        return Err(format!(
            "unexpected argument {extra:?}; usage: cargo fvi fuzz [target] [seconds]"
        ));
    }
    Ok((targets, seconds))
}

fn fuzz_dir() -> PathBuf {
    root().join("fuzz")
}

fn cargo_fuzz() -> Command {
    let mut cmd = Command::new("cargo");
    // `+nightly` overrides rust-toolchain.toml's pin for this command and the cargo builds
    // it starts (rustup hands the choice down in RUSTUP_TOOLCHAIN).
    cmd.arg(format!("+{TOOLCHAIN}"))
        .arg("fuzz")
        .current_dir(root())
        .env_remove("RUSTUP_TOOLCHAIN");
    cmd
}

/// Builds every target once, then runs each in turn for `seconds`. A target that fails
/// prints libFuzzer's report and where it saved the input; the others still run.
pub fn run_targets(targets: &[&str], seconds: u64) -> Result<(), String> {
    let timer = step("fuzz: building the targets (nightly, address sanitizer)");
    run(cargo_fuzz().arg("build"))?;
    done(timer);
    let mut failed = Vec::new();
    for target in targets {
        let timer = step(&format!("fuzz: {target} for {seconds} s"));
        let result = run_one(target, seconds);
        done(timer);
        if let Err(e) = result {
            eprintln!("    {e}");
            failed.push(*target);
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("fuzz targets failed: {}", failed.join(", ")))
    }
}

fn run_one(target: &str, seconds: u64) -> Result<(), String> {
    let work = fuzz_dir().join("work").join(target);
    let seeds = fuzz_dir().join("corpus").join(target);
    std::fs::create_dir_all(&work).map_err(|e| format!("creating {}: {e}", work.display()))?;
    let log_path = fuzz_dir().join("work").join(format!("{target}.log"));
    let log = std::fs::File::create(&log_path)
        .map_err(|e| format!("creating {}: {e}", log_path.display()))?;
    // The first corpus directory is where libFuzzer writes new inputs; the seeds are read
    // only. libFuzzer's progress goes to the log (thousands of lines); a summary is
    // printed.
    let status = cargo_fuzz()
        .args(["run", target])
        .arg(&work)
        .arg(&seeds)
        .args([
            "--",
            &format!("-max_total_time={seconds}"),
            // One input that takes this long is a finding too (a quadratic path).
            "-timeout=10",
            "-print_final_stats=1",
        ])
        .stdout(Stdio::null())
        .stderr(log)
        .status()
        .map_err(|e| format!("could not start cargo fuzz: {e}"))?;
    let text = std::fs::read_to_string(&log_path).unwrap_or_default();
    if status.success() {
        eprintln!("    {target}: {}", summary(&text));
        return Ok(());
    }
    let tail: Vec<&str> = text.lines().rev().take(60).collect();
    for line in tail.iter().rev() {
        eprintln!("    | {line}");
    }
    Err(format!(
        "fuzz target {target} failed ({status}); the input is under fuzz/artifacts/{target}/ \
         and the whole log in {}. Fix the core and keep the input in \
         crates/core/tests/fuzz_regressions/{target}/.",
        log_path.display()
    ))
}

/// libFuzzer's last progress line (`#N DONE cov: … exec/s: …`), which says how many inputs
/// ran and how much of the code they covered.
fn summary(log: &str) -> String {
    log.lines()
        .rev()
        .find(|l| l.starts_with('#') && l.contains("cov:"))
        .map(|l| l.trim().to_string())
        .unwrap_or_else(|| "done (libFuzzer printed no progress line)".into())
}

#[cfg(test)]
mod tests {
    use super::{parse_args, summary, DEFAULT_SECONDS, TARGETS};

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn arguments_are_target_then_seconds() {
        let all = TARGETS.to_vec();
        type Parsed = Result<(Vec<&'static str>, u64), String>;
        let cases: [(&[&str], Parsed); 7] = [
            (&[], Ok((all.clone(), DEFAULT_SECONDS))),
            (&["chunk"], Ok((vec!["chunk"], DEFAULT_SECONDS))),
            (&["30"], Ok((all.clone(), 30))),
            (&["decode", "300"], Ok((vec!["decode"], 300))),
            (
                &["nope"],
                Err(format!(
                    "no fuzz target \"nope\"; the targets are {TARGETS:?}"
                )),
            ),
            (
                &["decode", "0"],
                Err("seconds must be a positive whole number, not \"0\"".into()),
            ),
            (
                &["decode", "5", "x"],
                Err("unexpected argument \"x\"; usage: cargo fvi fuzz [target] [seconds]".into()),
            ),
        ];
        for (input, want) in cases {
            assert_eq!(parse_args(&args(input)), want, "{input:?}");
        }
    }

    #[test]
    fn every_target_has_a_harness_and_seeds() {
        let manifest = std::fs::read_to_string(crate::root().join("fuzz/Cargo.toml")).unwrap();
        for target in TARGETS {
            assert!(
                manifest.contains(&format!("name = \"{target}\"")),
                "fuzz/Cargo.toml has no [[bin]] {target}"
            );
            let harness = crate::root().join(format!("fuzz/fuzz_targets/{target}.rs"));
            assert!(harness.is_file(), "{} is missing", harness.display());
            let seeds = crate::root().join(format!("fuzz/corpus/{target}"));
            let count = std::fs::read_dir(&seeds).map(|d| d.count()).unwrap_or(0);
            assert!(count > 0, "{} holds no seeds", seeds.display());
        }
    }

    #[test]
    fn the_summary_is_libfuzzers_last_progress_line() {
        let log = "INFO: Seed: 1\n#2\tINITED cov: 10 ft: 11 corp: 3/40b exec/s: 0\n\
                   #9000\tDONE   cov: 312 ft: 900 corp: 80/2Kb exec/s: 450 rss: 60Mb\n\
                   Done 9000 runs in 20 second(s)\nstat::number_of_executed_units: 9000\n";
        assert_eq!(
            summary(log),
            "#9000\tDONE   cov: 312 ft: 900 corp: 80/2Kb exec/s: 450 rss: 60Mb"
        );
        assert_eq!(summary(""), "done (libFuzzer printed no progress line)");
    }
}
