//! `cargo fvi bench [page|burst|memory|popup|live|handlers …]`: the benchmarks of issues 3, 4, 11 and 13 in real
//! headless Chromium and Firefox, printed as figures (medians with spread, and n) for
//! BENCHMARKS.md. Nothing here asserts a wall-clock time: a target missed is reported, not
//! failed, because timings on a shared 2-core machine are evidence, not a test. A
//! benchmark that cannot run at all (a browser that does not start) is an error.

mod burst;
mod extensions;
mod handlers;
mod live;
mod memory;
mod page_bare;
mod page_cost;
mod popup;
mod procs;
mod stats;

use std::process::Command;
use std::time::Instant;

use crate::{pack, setup};

type Bench = fn() -> Result<(), String>;

const BENCHES: [(&str, &str, Bench); 7] = [
    (
        "page",
        "1. Page cost of the extension on pages that never fire an event (issue 3.7)",
        page_cost::run,
    ),
    (
        "page-bare",
        "1b. Page cost, Chromium with nothing attached (issue 3.7)",
        page_bare::run,
    ),
    (
        "burst",
        "2. Burst: 50,000 events in one task (issue 3.7)",
        burst::run,
    ),
    (
        "memory",
        "3. Background memory after 100,000 events (issue 3.7)",
        memory::run,
    ),
    (
        "popup",
        "4. Popup: first painted timeline, export, wasm size (issue 4.7)",
        popup::run,
    ),
    (
        "live",
        "5. Live side panel: dispatch to painted row, and a burst (issue 11.4)",
        live::run,
    ),
    (
        "handlers",
        "6. Page handlers: cost per listener call on an opted-in site (issue 13.5)",
        handlers::run,
    ),
];

pub fn main(args: &[String]) -> Result<(), String> {
    let names: Vec<&str> = BENCHES.iter().map(|(n, _, _)| *n).collect();
    if let Some(unknown) = args.iter().find(|a| !names.contains(&a.as_str())) {
        return Err(format!(
            "unknown benchmark {unknown:?}; choose from {}",
            names.join(", ")
        ));
    }
    let started = Instant::now();
    setup::ensure(setup::Need::Run)?;
    pack::build()?;
    println!("Fullview Event Inspector benchmarks");
    println!(
        "  date:     {}",
        command_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"])
    );
    println!(
        "  machine:  {} cores, {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        command_line("uname", &["-sm"])
    );
    println!("  chromium: {}", command_line("chromium", &["--version"]));
    println!(
        "  firefox:  {}",
        command_line("firefox-esr", &["--version"])
    );
    println!("  build:    {}", pack::dist().display());
    println!(
        "  load average (1 min) at start: {} (anything else running moves every figure)",
        stats::load_average()
    );
    let mut failed = Vec::new();
    for (name, title, bench) in BENCHES {
        if !args.is_empty() && !args.iter().any(|a| a == name) {
            continue;
        }
        println!();
        println!("== {title} ==");
        let t = Instant::now();
        match bench() {
            Ok(()) => println!("({name}: {:.0} s)", t.elapsed().as_secs_f64()),
            Err(e) => {
                println!("{name}: FAILED: {e}");
                failed.push(name);
            }
        }
    }
    println!();
    println!("bench: {:.0} s in all", started.elapsed().as_secs_f64());
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "benchmarks that could not run: {}",
            failed.join(", ")
        ))
    }
}

/// The first line a command prints, or `?` when it cannot run.
fn command_line(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .find(|l| !l.trim().is_empty())
                .map(|l| l.trim().to_string())
        })
        .unwrap_or_else(|| "?".into())
}
