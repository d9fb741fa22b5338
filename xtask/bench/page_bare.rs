//! Benchmark 1b (issue 3, point 7), Chromium: the page cost again, with nothing attached to
//! the browser. Benchmark 1 drives Chromium through chromedriver and DevTools, which attach
//! to every page and frame; this one starts Chromium itself, on a copy of the same page
//! that loads itself again and again (`/shop-loop.html`), and reads only `/proc`. So it
//! says whether a cost seen in benchmark 1 is the extension's or the instrumentation's.
//!
//! Per run: one fresh browser and profile, `WARM` loads to settle (the worker started, the
//! caches warm), then `MEASURED` loads between two readings of the CPU of every process of
//! that browser: the renderers' main threads (the page's share), and all threads of all its
//! processes (what the machine paid, the extension's worker included). The fixture server
//! sees each load's request, which is when the readings are taken. Runs rotate through the
//! three variants round by round, as in benchmark 1; the figure per run is ms per load.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fvi_e2e::{chromium_args, temp_dir, BrowserKind};

use super::extensions::{self, Variant};
use super::page_cost::fixture;
use super::procs;
use super::stats::{bootstrap_ratio, env_count, load_average, median, show};

/// Loads before the first reading, and between the two.
const WARM: usize = 10;
const MEASURED: usize = 50;

fn rounds() -> usize {
    env_count("FVI_BARE_ROUNDS", 3, 8)
}

/// One run's figures, ms per load.
struct Run {
    page_main_ms: f64,
    all_ms: f64,
    /// Median `loadEventEnd` of the measured loads (each page reports its own in the next
    /// load's URL, `prev`).
    load_ms: f64,
}

pub fn run() -> Result<(), String> {
    let fixture = fixture()?;
    let baseline = extensions::baseline(BrowserKind::Chromium)?;
    let ours = extensions::ours(BrowserKind::Chromium);
    let rounds = rounds();
    println!(
        "Chromium started by us (no chromedriver, no DevTools), the page of benchmark 1 loading \
         itself: {WARM} loads to settle, then CPU over {MEASURED} loads; {rounds} rounds \
         (FVI_BARE_ROUNDS), the three variants in turn."
    );
    println!("  load average before: {}", load_average());
    let started = Instant::now();
    let mut runs: [Vec<Run>; 3] = Default::default();
    for round in 0..rounds {
        for i in 0..3 {
            let v = (round + i) % 3;
            let extension = match Variant::ALL[v] {
                Variant::None => None,
                Variant::Baseline => Some(baseline.path.as_path()),
                Variant::Ours => Some(ours.as_path()),
            };
            let tag = format!("r{round}v{v}");
            let r = one_run(&fixture.a, extension, &tag)
                .map_err(|e| format!("{}, round {round}: {e}", Variant::ALL[v].label()))?;
            runs[v].push(r);
        }
    }
    println!(
        "  {} runs in {:.0} s; load average after: {}",
        3 * rounds,
        started.elapsed().as_secs_f64(),
        load_average()
    );
    type Pick = fn(&Run) -> f64;
    let figures: [(&str, Pick); 3] = [
        (
            "renderer main threads (the page's share), ms per load",
            |r| r.page_main_ms,
        ),
        (
            "all threads of all the browser's processes (the machine's share), ms per load",
            |r| r.all_ms,
        ),
        (
            "page load (loadEventEnd), median of the run's loads, ms",
            |r| r.load_ms,
        ),
    ];
    for (name, pick) in figures {
        println!("  {name}:");
        let values: Vec<Vec<f64>> = runs.iter().map(|v| v.iter().map(pick).collect()).collect();
        for (variant, v) in Variant::ALL.iter().zip(&values) {
            println!("    {:<18} {}", variant.label(), show(v, 2));
        }
        let diffs =
            |v: &[f64]| -> Vec<f64> { v.iter().zip(&values[0]).map(|(x, n)| x - n).collect() };
        let (base, ours) = (median(&diffs(&values[1])), median(&diffs(&values[2])));
        let interval = bootstrap_ratio(&diffs(&values[2]), &diffs(&values[1]))
            .filter(|_| base > 0.0)
            .map_or("n/a".to_string(), |(lo, hi)| {
                if hi.is_finite() {
                    format!("{lo:.2}x–{hi:.2}x")
                } else {
                    format!("{lo:.2}x–unbounded")
                }
            });
        let verdict = if base <= 0.0 {
            "n/a (the baseline adds nothing measurable)".to_string()
        } else {
            let r = ours / base;
            format!(
                "{r:.2}x ({})",
                if r <= 1.2 {
                    "within 1.2x"
                } else {
                    "ABOVE 1.2x"
                }
            )
        };
        println!(
            "    paired by round: baseline {base:+.2}, ours {ours:+.2}; ours/baseline = {verdict}, \
             95% bootstrap interval {interval}"
        );
    }
    Ok(())
}

/// Starts Chromium on the looping page, takes the two readings, stops it.
fn one_run(
    server: &fvi_e2e::FixtureServer,
    extension: Option<&Path>,
    tag: &str,
) -> Result<Run, String> {
    let profile = temp_dir(&format!("bench-bare-{tag}"))?;
    let of = WARM + MEASURED;
    let url = server.url(&format!("/shop-loop.html?load=0&of={of}&run={tag}"));
    // The rig's own command line, as chromedriver would get it.
    let mut args = chromium_args((1280, 900), profile.path(), extension);
    args.push(url);
    let child = Command::new("chromium")
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("starting chromium: {e}"))?;
    let mut child = Killed(child);
    // The loop's later loads drop `run`: the page keeps only `load` and `of`. A run is
    // told apart from the previous one by the requests seen before it started.
    let seen_before = server.requests().len();
    let reached = |prefix: &str| {
        server.requests()[seen_before..]
            .iter()
            .any(|r| r.path.starts_with(prefix))
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    let wait = |path: &str| -> Result<(), String> {
        while !reached(path) {
            if Instant::now() > deadline {
                return Err(format!("the page never reached {path}"));
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        Ok(())
    };
    let reading = || {
        let tree = procs::browser_tree(profile.path());
        let pids: Vec<u32> = tree.iter().map(|p| p.pid).collect();
        let renderers: Vec<u32> = tree
            .iter()
            // The extension's own process (its worker) is not the page's.
            .filter(|p| {
                procs::is_chromium_renderer(p) && !p.cmdline.contains("--extension-process")
            })
            .map(|p| p.pid)
            .collect();
        (procs::cpu_of(&renderers), procs::all_threads_cpu(&pids))
    };
    wait(&format!("/shop-loop.html?load={WARM}&of={of}&"))?;
    let (main0, all0) = reading();
    wait("/done.html")?;
    let (main1, all1) = reading();
    child.0.kill().ok();
    child.0.wait().ok();
    // Load i reports load i-1's time: the measured loads are WARM..of, reported by
    // WARM+1..=of (the last by /done.html).
    let loads: Vec<f64> = server.requests()[seen_before..]
        .iter()
        .filter_map(|r| {
            let query = r.path.split_once('?')?.1;
            let field = |name: &str| {
                query
                    .split('&')
                    .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
            };
            let load: usize = field("load")?.parse().ok()?;
            let prev: f64 = field("prev")?.parse().ok()?;
            (load > WARM).then_some(prev)
        })
        .collect();
    Ok(Run {
        page_main_ms: procs::cpu_delta_ms(&main0, &main1) / MEASURED as f64,
        all_ms: procs::cpu_delta_ms(&all0, &all1) / MEASURED as f64,
        load_ms: median(&loads),
    })
}

/// Kills the browser if a run fails half-way.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
