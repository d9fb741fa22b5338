//! Benchmark 1 (issue 3, point 7): what the extension costs a page that never fires a
//! Fullview event. One page with three iframes (same-origin, cross-origin same-site, and
//! cross-site, which Chromium puts in its own process), loaded many times in three browsers
//! kept open side by side: no extension, the plain-JS baseline, ours. Loads are interleaved
//! round by round (the order rotating) so drift on a busy 2-core machine hits all three
//! alike.
//!
//! Chromium: each variant loads in one tab of its own, driven through our own DevTools
//! connection. `Performance` is enabled there in CPU time and, before they run a line, in
//! its out-of-process iframes (auto-attach with `waitForDebuggerOnStart`), so
//! `TaskDuration` covers all four frames; the load time is the top document's
//! `PerformanceNavigationTiming.loadEventEnd`; the heap is `JSHeapUsedSize` summed over the
//! page's processes, right after load and after a forced GC. Both browsers: the main-thread
//! CPU of the renderer / content processes between navigation and load, from `/proc`
//! (scheduler nanoseconds), and the CPU of the extension process (where our background
//! answers `tabs.onUpdated` on every navigation). Firefox has no DevTools protocol here: load
//! time and the `/proc` figures.

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

use fvi_e2e::{Browser, BrowserKind, FixtureServer, LaunchOptions, Route};
use serde_json::{json, Value};

use super::extensions::{self, Variant};
use super::procs;
use super::stats::{bootstrap_median, bootstrap_ratio, env_count, load_average, median, show};
use fvi_e2e::cdp::{metric, Cdp};

/// Measured loads per variant, unless `FVI_PAGE_LOADS` says otherwise: 80 take about 3
/// minutes for both browsers, but cannot resolve a 20 % difference between two added costs
/// of ~20 ms each on this machine (BENCHMARKS.md); 400 can.
const LOADS: usize = 80;

fn loads() -> usize {
    env_count("FVI_PAGE_LOADS", 10, LOADS)
}
const WARMUP: usize = 3;
const HEAP_LOADS: usize = 8;

/// One load's figures (NaN where not measured).
#[derive(Clone, Copy, Debug)]
struct Sample {
    load_ms: f64,
    task_ms: f64,
    heap_mb: f64,
    heap_gc_mb: f64,
    /// Main-thread CPU of the processes that hold the page's frames (`/proc`).
    page_cpu_ms: f64,
    /// CPU of the extension process (all threads): the background's share of a page load.
    ext_cpu_ms: f64,
    /// Page processes that started during the load (their start-up is in `page_cpu_ms`).
    new_processes: usize,
}

pub(super) struct Fixture {
    pub(super) a: FixtureServer,
    _b: FixtureServer,
    url: String,
    /// The cross-site iframe's page, opened on its own in a second tab (see
    /// [`launch_options`]).
    keeper: String,
}

/// A shop-like page (a few hundred nodes, some script) with three iframes; nothing on it
/// ever dispatches a `fullview:*` event.
pub(super) fn fixture() -> Result<Fixture, String> {
    let frame = Route::html(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>frame</title></head><body>\
         <h2>Widget</h2><p>Some embedded content.</p><ul id=\"l\"></ul>\
         <script>for (let i = 0; i < 30; i++) { const li = document.createElement('li'); \
         li.textContent = 'item ' + i; document.getElementById('l').append(li); }</script>\
         </body></html>",
    );
    let a = FixtureServer::start([("/frame.html", frame.clone())])?;
    let b = FixtureServer::start([("/frame.html", frame)])?;
    let items: String = (0..200)
        .map(|i| {
            format!(
                "<li class=\"p\"><b>Product {i}</b> <span>{}.99 €</span></li>",
                i % 90 + 9
            )
        })
        .collect();
    let host = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>shop</title>\
         <style>body{{font:14px sans-serif}} li.p{{margin:2px}} iframe{{width:300px;height:150px}}</style>\
         </head><body><header><h1>Shop</h1><nav><a href=\"#a\">A</a> <a href=\"#b\">B</a></nav></header>\
         <ul>{items}</ul>\
         <iframe title=\"same-origin\" src=\"/frame.html\"></iframe>\
         <iframe title=\"cross-origin, same site\" src=\"{}\"></iframe>\
         <iframe title=\"cross-site\" src=\"{}\"></iframe>\
         <script>document.querySelectorAll('li.p').forEach((li, i) => {{ li.dataset.i = i; \
         li.addEventListener('click', () => li.classList.toggle('on')); }});</script>\
         </body></html>",
        b.url("/frame.html"),
        a.localhost_url("/frame.html"),
    );
    // The same page, loading itself again `of` times, then `/done.html`: for loads driven
    // by nothing outside the browser (page_bare.rs).
    let looping = host.replace(
        "</body>",
        "<script>addEventListener('load', () => setTimeout(() => { \
         const q = new URLSearchParams(location.search); const i = +q.get('load') + 1; \
         const t = performance.getEntriesByType('navigation')[0].loadEventEnd.toFixed(1); \
         location.replace((i < +q.get('of') ? '?' : '/done.html?') + `load=${i}&of=${q.get('of')}&prev=${t}`); \
         }, 20));</script></body>",
    );
    a.route("/shop-loop.html", Route::html(looping));
    a.route(
        "/done.html",
        Route::html("<!doctype html><title>done</title>"),
    );
    a.route("/shop.html", Route::html(host));
    let url = a.url("/shop.html");
    let keeper = a.localhost_url("/frame.html?keeper");
    Ok(Fixture {
        a,
        _b: b,
        url,
        keeper,
    })
}

pub fn run() -> Result<(), String> {
    let fixture = fixture()?;
    println!(
        "Page: {} (top + same-origin + cross-origin same-site + cross-site iframe;",
        fixture.url
    );
    println!(
        "never fires an event). {} measured loads per variant after {WARMUP} warm-up loads,",
        loads()
    );
    println!("interleaved round by round. Figures: median [IQR, min, max, n].");
    let mut failures = Vec::new();
    for kind in BrowserKind::ALL {
        // `FVI_PAGE_BROWSERS=chromium` (or `firefox`) measures one browser only.
        if std::env::var("FVI_PAGE_BROWSERS").is_ok_and(|only| !only.contains(kind.name())) {
            continue;
        }
        if let Err(e) = run_browser(kind, &fixture.url, &fixture.keeper) {
            println!("  {}: FAILED: {e}", kind.name());
            failures.push(kind.name());
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!("page cost failed in {}", failures.join(", ")))
    }
}

/// Firefox starts a spare content process whenever it hands one to a page: with that
/// off, no load pays for another's spare. See also `keeper` in [`run_browser`].
fn launch_options(kind: BrowserKind) -> LaunchOptions {
    let mut options = LaunchOptions::default();
    if kind == BrowserKind::Firefox {
        options.extra_prefs = vec![("dom.ipc.processPrelaunch.enabled".into(), json!(false))];
    }
    options
}

struct Running {
    variant: Variant,
    browser: Browser,
    cdp: Option<Cdp>,
    /// Chromium: the tab every load of this variant happens in, and its flat session.
    tab: (String, String),
    /// Firefox's extension process, found once after start.
    firefox_ext: Option<u32>,
    samples: Vec<Sample>,
    /// Chromium: the heap pass (fresh tabs).
    heap: Vec<Sample>,
}

fn run_browser(kind: BrowserKind, url: &str, keeper: &str) -> Result<(), String> {
    println!();
    println!("-- {} --", kind.name());
    let baseline = extensions::baseline(kind)?;
    let blocks = blocks();
    let per_block = loads().div_ceil(blocks);
    let mut totals: Vec<Totals> = Variant::ALL
        .iter()
        .map(|&variant| Totals {
            variant,
            samples: Vec::new(),
            heap: Vec::new(),
        })
        .collect();
    println!("  load average before: {}", load_average());
    let started = Instant::now();
    for block in 0..blocks {
        let mut running = launch_all(kind, &baseline.path, keeper)?;
        if kind == BrowserKind::Chromium && block == 0 {
            for r in &mut running {
                let cdp = r.cdp.as_mut().expect("Chromium has a DevTools connection");
                let (with, frames) = chromium_injected_frames(cdp, url)?;
                println!(
                    "  check, {}: an extension's isolated world exists in {with} of {frames} frames",
                    r.variant.label()
                );
            }
        }
        measure_block(kind, &mut running, url, block, per_block)?;
        if kind == BrowserKind::Chromium && block + 1 == blocks {
            heap_pass(&mut running, url)?;
        }
        if blocks > 1 {
            let cpu = |r: &Running| r.samples.iter().map(|s| s.page_cpu_ms).collect::<Vec<_>>();
            let none = cpu(&running[0]);
            let (base_p, ours_p) = (
                median(&added(&cpu(&running[1]), &none)),
                median(&added(&cpu(&running[2]), &none)),
            );
            println!(
                "  block {} of {blocks} (fresh browsers): main-thread CPU, paired, ours/baseline = {}",
                block + 1,
                ratio(ours_p, base_p)
            );
        }
        for (t, r) in totals.iter_mut().zip(running) {
            t.samples.extend(r.samples);
            t.heap.extend(r.heap);
        }
    }
    println!(
        "  {} loads in {:.0} s ({blocks} block(s) of fresh browsers); load average after: {}",
        totals.len() * (WARMUP + per_block) * blocks,
        started.elapsed().as_secs_f64(),
        load_average()
    );
    for t in &totals {
        let loads = t.samples.iter().filter(|s| s.new_processes > 0).count();
        println!(
            "  {}: a page process started during {loads} of {} measured loads",
            t.variant.label(),
            t.samples.len()
        );
    }
    report(kind, &totals);
    Ok(())
}

/// Fresh browsers measured in one block, unless `FVI_PAGE_BLOCKS` says otherwise. Each
/// variant runs in a browser of its own, and a browser instance carries effects of its own
/// for its whole life (which processes it reuses, where its heap lies): with one block, six
/// 300-load runs of the same build gave ratios from 0.97x to 1.75x, each with a tight
/// interval. Several blocks of fresh browsers average those effects out.
const BLOCKS: usize = 1;

fn blocks() -> usize {
    env_count("FVI_PAGE_BLOCKS", 1, BLOCKS)
}

/// The three browsers (no extension, the baseline, ours), each with its tab open.
fn launch_all(kind: BrowserKind, baseline: &Path, keeper: &str) -> Result<Vec<Running>, String> {
    let mut running = Vec::new();
    for variant in Variant::ALL {
        let browser = extensions::launch(kind, variant, baseline, launch_options(kind))
            .map_err(|e| format!("{}: {e}", variant.label()))?;
        let (cdp, tab, firefox_ext) = match kind {
            BrowserKind::Chromium => {
                let mut cdp = Cdp::connect(browser.profile_dir())?;
                let tab = chromium_tab(&mut cdp)?;
                (Some(cdp), tab, None)
            }
            BrowserKind::Firefox => {
                // Firefox ends the cross-site iframe's process with the iframe, so every
                // load would start one (seen with requestProcInfo) and count its start-up.
                // A second tab showing that site keeps the process, which the next
                // iframe then reuses. (Chromium reuses its renderers here already.)
                let first = browser.window_handle()?;
                browser.open_tab(keeper)?;
                browser.switch_to_window(&first)?;
                let pid = procs::firefox_extension_pid(&browser)?;
                (None, (String::new(), String::new()), pid)
            }
        };
        running.push(Running {
            variant,
            browser,
            cdp,
            tab,
            firefox_ext,
            samples: Vec::new(),
            heap: Vec::new(),
        });
    }
    // Let start-up work (extension install, service worker start) settle first.
    std::thread::sleep(Duration::from_secs(2));
    Ok(running)
}

/// `WARMUP` then `loads` measured rounds, the variants' order rotating each round.
fn measure_block(
    kind: BrowserKind,
    running: &mut [Running],
    url: &str,
    block: usize,
    loads: usize,
) -> Result<(), String> {
    for round in 0..WARMUP + loads {
        for i in 0..running.len() {
            let r = &mut running[(round + i) % 3];
            // A new URL each time (the same page): a reload could be served differently.
            let url = format!("{url}?block={block}&load={round}");
            let sample = match kind {
                BrowserKind::Chromium => chromium_load(
                    r.cdp.as_mut().expect("Chromium has a DevTools connection"),
                    &r.tab.1,
                    r.browser.profile_dir(),
                    &url,
                ),
                BrowserKind::Firefox => firefox_load(&r.browser, r.firefox_ext, &url),
            }
            .map_err(|e| format!("{}, load {round}: {e}", r.variant.label()))?;
            if round >= WARMUP {
                r.samples.push(sample);
            }
        }
    }
    Ok(())
}

/// The heap in a reused tab still holds the previous document for a while (the figures
/// double after the first load and stay there), so it gets a pass of its own, one fresh
/// tab per load. It varies little, so a few loads suffice. The measuring tabs go first: a
/// fresh tab on the same site shares their process, whose heap would then hold their last
/// page too.
fn heap_pass(running: &mut [Running], url: &str) -> Result<(), String> {
    for r in running.iter_mut() {
        let cdp = r.cdp.as_mut().expect("Chromium has a DevTools connection");
        cdp.call("Target.closeTarget", json!({ "targetId": r.tab.0 }), None)?;
    }
    for round in 0..HEAP_LOADS {
        for i in 0..running.len() {
            let r = &mut running[(round + i) % 3];
            let cdp = r.cdp.as_mut().expect("Chromium has a DevTools connection");
            let sample = chromium_heap(cdp, &format!("{url}?heap={round}"))
                .map_err(|e| format!("{}, heap load {round}: {e}", r.variant.label()))?;
            r.heap.push(sample);
        }
    }
    Ok(())
}

/// One variant's samples over every block.
struct Totals {
    variant: Variant,
    samples: Vec<Sample>,
    heap: Vec<Sample>,
}

type Pick = fn(&Sample) -> f64;

fn report(kind: BrowserKind, running: &[Totals]) {
    let mut rows: Vec<(&str, &str, Pick, usize)> = vec![
        ("page load (loadEventEnd)", "ms", |s| s.load_ms, 1),
        (
            "main-thread CPU, page processes (/proc)",
            "ms",
            |s| s.page_cpu_ms,
            1,
        ),
        // Not a page cost, so no ratio: what our background spends per navigation.
        (
            "extension process CPU, all threads (/proc; not a page cost)",
            "ms",
            |s| s.ext_cpu_ms,
            1,
        ),
    ];
    if kind == BrowserKind::Chromium {
        rows.insert(
            1,
            (
                "main-thread task time (TaskDuration, all frames)",
                "ms",
                |s| s.task_ms,
                1,
            ),
        );
        // Three decimals (1 kB): the two extensions differ by tens of kB over 4 frames,
        // which two decimals round away.
        rows.push((
            "JS heap used after load (all frames)",
            "MB",
            |s| s.heap_mb,
            3,
        ));
        rows.push(("JS heap used after forced GC", "MB", |s| s.heap_gc_mb, 3));
    }
    for (name, unit, pick, digits) in &rows {
        println!("  {name}, {unit}:");
        let heap = *unit == "MB";
        let values: Vec<Vec<f64>> = running
            .iter()
            .map(|r| {
                let samples = if heap { &r.heap } else { &r.samples };
                samples.iter().map(pick).collect()
            })
            .collect();
        for (r, v) in running.iter().zip(&values) {
            println!("    {:<18} {}", r.variant.label(), show(v, *digits));
        }
        let none = median(&values[0]);
        let base_added = median(&values[1]) - none;
        let ours_added = median(&values[2]) - none;
        if name.contains("not a page cost") {
            println!(
                "    added over no extension: baseline {base_added:+.d$} {unit}, ours {ours_added:+.d$} {unit}",
                d = digits
            );
            continue;
        }
        println!(
            "    added over no extension: baseline {base_added:+.d$} {unit}, ours {ours_added:+.d$} {unit}; \
             ours/baseline = {}",
            ratio(ours_added, base_added),
            d = digits
        );
        // The same from differences within each round (the three loads of a round ran
        // back to back), which cancels drift between rounds.
        let diffs = |v: &[f64]| added(v, &values[0]);
        let (base_p, ours_p) = (median(&diffs(&values[1])), median(&diffs(&values[2])));
        let interval = bootstrap_ratio(&diffs(&values[2]), &diffs(&values[1]))
            .filter(|_| base_p > 0.0)
            .map_or(String::new(), |(lo, hi)| {
                let hi = if hi.is_finite() {
                    format!("{hi:.2}x")
                } else {
                    "unbounded".into()
                };
                format!(", 95% bootstrap interval {lo:.2}x–{hi}")
            });
        println!(
            "    paired by round (median of differences): baseline {base_p:+.d$}, ours {ours_p:+.d$}; \
             ours/baseline = {}{interval}",
            ratio(ours_p, base_p),
            d = digits
        );
        // Where the baseline's own cost is within noise of zero the ratio says nothing;
        // what ours costs beyond the baseline, in the measure's own unit, still does.
        let beyond: Vec<f64> = values[2]
            .iter()
            .zip(&values[1])
            .map(|(o, b)| o - b)
            .collect();
        if let Some((lo, hi)) = bootstrap_median(&beyond) {
            println!(
                "    ours minus baseline, same round: median {:+.d$} {unit}, 95% bootstrap interval \
                 {lo:+.d$} to {hi:+.d$}",
                median(&beyond),
                d = digits
            );
        }
    }
}

/// What each load of a variant added over the same round's load with no extension.
fn added(variant: &[f64], none: &[f64]) -> Vec<f64> {
    variant.iter().zip(none).map(|(x, n)| x - n).collect()
}

/// `ours / baseline` of added costs, with a note where the ratio says nothing.
fn ratio(ours: f64, baseline: f64) -> String {
    if !ours.is_finite() || !baseline.is_finite() {
        return "n/a".into();
    }
    if baseline <= 0.0 {
        return format!("n/a (baseline adds {baseline:.2}, nothing to divide by)");
    }
    if ours <= 0.0 {
        return format!(
            "{:.2}x (ours adds nothing measurable; within 1.2x)",
            ours / baseline
        );
    }
    let r = ours / baseline;
    let verdict = if r <= 1.2 {
        "within 1.2x"
    } else {
        "ABOVE 1.2x"
    };
    format!("{r:.2}x ({verdict})")
}

/// The renderer processes of the browser whose profile is `profile`, split into the
/// extension process (at most one matters here) and the rest.
fn chromium_renderers(profile: &Path) -> (Vec<u32>, Option<u32>) {
    let tree = procs::browser_tree(profile);
    let renderers: Vec<&procs::Proc> = tree
        .iter()
        .filter(|p| procs::is_chromium_renderer(p))
        .collect();
    let ext = renderers
        .iter()
        .find(|p| p.cmdline.contains("--extension-process"))
        .map(|p| p.pid);
    let pages = renderers
        .iter()
        .filter(|p| !p.cmdline.contains("--extension-process"))
        .map(|p| p.pid)
        .collect();
    (pages, ext)
}

/// Opens the tab a variant's loads happen in, and returns its flat session: `Performance`
/// is enabled in CPU time (`threadTicks`, so a task preempted by another process does not
/// count the wait), and out-of-process iframes are held at start until served by
/// [`navigate_and_wait`]. The tab is reused so the renderer processes are too: a fresh
/// tab would put process start-up, and its noise, into every load.
fn chromium_tab(cdp: &mut Cdp) -> Result<(String, String), String> {
    let (target, s) = cdp.new_tab()?;
    cdp.call(
        "Performance.enable",
        json!({ "timeDomain": "threadTicks" }),
        Some(&s),
    )?;
    Ok((target, s))
}

/// One Chromium load in the variant's tab; see the module comment for what is measured.
/// Each new document starts its own `Performance` counters (checked: the top document's
/// `TaskDuration` restarts on every navigation, and each iframe target is new), so the
/// figures after load are this load's alone.
fn chromium_load(cdp: &mut Cdp, s: &str, profile: &Path, url: &str) -> Result<Sample, String> {
    let (pages, ext) = chromium_renderers(profile);
    let ext: Vec<u32> = ext.into_iter().collect();
    let (cpu_before, ext_before) = (procs::cpu_of(&pages), procs::all_threads_cpu(&ext));
    let children = navigate_and_wait(cdp, s, url)?;
    let (pages_after, _) = chromium_renderers(profile);
    let (cpu_after, ext_after) = (procs::cpu_of(&pages_after), procs::all_threads_cpu(&ext));
    let load_ms = wait_load_event_end(cdp, s)?;

    let mut task = 0.0;
    for session in std::iter::once(s).chain(children.iter().map(String::as_str)) {
        let m = cdp.call("Performance.getMetrics", json!({}), Some(session))?;
        task += metric(&m, "TaskDuration");
    }
    Ok(Sample {
        load_ms,
        task_ms: task * 1000.0,
        heap_mb: f64::NAN,
        heap_gc_mb: f64::NAN,
        page_cpu_ms: procs::cpu_delta_ms(&cpu_before, &cpu_after),
        ext_cpu_ms: if ext.is_empty() {
            0.0
        } else {
            procs::cpu_delta_ms(&ext_before, &ext_after)
        },
        new_processes: pages_after.iter().filter(|p| !pages.contains(p)).count(),
    })
}

/// The JS heap of one load in a fresh tab: `JSHeapUsedSize` summed over the page's
/// processes (the top one and the cross-site iframe's), after load and after a full GC.
fn chromium_heap(cdp: &mut Cdp, url: &str) -> Result<Sample, String> {
    let (target, s) = cdp.new_tab()?;
    let result = (|| {
        cdp.call("Performance.enable", json!({}), Some(&s))?;
        let children = navigate_and_wait(cdp, &s, url)?;
        wait_load_event_end(cdp, &s)?;
        let sessions: Vec<&str> = std::iter::once(s.as_str())
            .chain(children.iter().map(String::as_str))
            .collect();
        let (mut heap, mut heap_gc) = (0.0, 0.0);
        for session in &sessions {
            let m = cdp.call("Performance.getMetrics", json!({}), Some(session))?;
            heap += metric(&m, "JSHeapUsedSize");
        }
        for session in &sessions {
            cdp.call("HeapProfiler.collectGarbage", json!({}), Some(session))?;
            let m = cdp.call("Performance.getMetrics", json!({}), Some(session))?;
            heap_gc += metric(&m, "JSHeapUsedSize");
        }
        Ok(Sample {
            load_ms: f64::NAN,
            task_ms: f64::NAN,
            heap_mb: heap / 1e6,
            heap_gc_mb: heap_gc / 1e6,
            page_cpu_ms: f64::NAN,
            ext_cpu_ms: f64::NAN,
            new_processes: 0,
        })
    })();
    let _ = cdp.call("Target.closeTarget", json!({ "targetId": target }), None);
    result
}

/// Navigates the tab in session `s` and serves auto-attached iframes until its load event:
/// each out-of-process iframe gets `Performance` enabled before it runs a line. Returns
/// the iframes' sessions.
fn navigate_and_wait(cdp: &mut Cdp, s: &str, url: &str) -> Result<Vec<String>, String> {
    cdp.send("Page.navigate", json!({ "url": url }), Some(s))?;
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut children: Vec<String> = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let Some(event) = cdp.next_event(left)? else {
            return Err(format!("no load event for {url} within 30 s"));
        };
        let from = event["sessionId"].as_str().unwrap_or_default();
        match event["method"].as_str().unwrap_or_default() {
            "Target.attachedToTarget" if from == s || children.iter().any(|c| c == from) => {
                let child = event["params"]["sessionId"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                if event["params"]["targetInfo"]["type"] == "iframe" {
                    cdp.call("Performance.enable", json!({}), Some(&child))?;
                    children.push(child.clone());
                }
                cdp.call("Runtime.runIfWaitingForDebugger", json!({}), Some(&child))?;
            }
            "Page.loadEventFired" if from == s => return Ok(children),
            _ => {}
        }
    }
}

/// `loadEventEnd` of the top document (set just after the load handlers return).
fn wait_load_event_end(cdp: &mut Cdp, s: &str) -> Result<f64, String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let v = cdp.eval(
            s,
            "performance.getEntriesByType('navigation')[0]?.loadEventEnd || 0",
        )?;
        let end = v.as_f64().unwrap_or(0.0);
        if end > 0.0 {
            return Ok(end);
        }
        if Instant::now() > deadline {
            return Err("loadEventEnd stayed 0".into());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A check before measuring: in how many of the page's frames does an extension's isolated
/// world exist (i.e. did a content script run)? `(with, frames)`.
fn chromium_injected_frames(cdp: &mut Cdp, url: &str) -> Result<(usize, usize), String> {
    let (target, s) = cdp.new_tab()?;
    let result = (|| {
        let children = navigate_and_wait(cdp, &s, url)?;
        let tree = cdp.call("Page.getFrameTree", json!({}), Some(&s))?;
        // The tree of the top process lists out-of-process iframes without their frames.
        let frames = count_frames(&tree["frameTree"]) + children.len();
        let mut isolated: HashSet<String> = HashSet::new();
        for session in std::iter::once(&s).chain(&children) {
            cdp.call("Runtime.enable", json!({}), Some(session))?;
        }
        // Runtime.enable reports the contexts that already exist, right away.
        while let Some(event) = cdp.next_event(Duration::from_millis(300))? {
            if event["method"] == "Runtime.executionContextCreated" {
                let aux = &event["params"]["context"]["auxData"];
                if aux["type"] == "isolated" {
                    isolated.insert(aux["frameId"].as_str().unwrap_or_default().to_string());
                }
            }
        }
        Ok((isolated.len(), frames))
    })();
    let _ = cdp.call("Target.closeTarget", json!({ "targetId": target }), None);
    result
}

/// Frames in a `Page.getFrameTree` node.
fn count_frames(node: &Value) -> usize {
    1 + node["childFrames"]
        .as_array()
        .map_or(0, |c| c.iter().map(count_frames).sum())
}

/// Firefox's content processes that may hold the page (all but the extension process).
fn firefox_pages(browser: &Browser, ext: Option<u32>) -> Vec<u32> {
    procs::browser_tree(browser.profile_dir())
        .iter()
        .filter(|p| procs::is_firefox_content(p) && Some(p.pid) != ext)
        .map(|p| p.pid)
        .collect()
}

/// One Firefox load in the variant's tab. WebDriver's navigate returns after the load
/// event; the CPU snapshot is taken before any WebDriver script runs in the page.
fn firefox_load(browser: &Browser, ext: Option<u32>, url: &str) -> Result<Sample, String> {
    let ext: Vec<u32> = ext.into_iter().collect();
    let pages = firefox_pages(browser, ext.first().copied());
    let (cpu_before, ext_before) = (procs::cpu_of(&pages), procs::all_threads_cpu(&ext));
    browser.navigate(url)?;
    let pages_after = firefox_pages(browser, ext.first().copied());
    let (cpu_after, ext_after) = (procs::cpu_of(&pages_after), procs::all_threads_cpu(&ext));
    let deadline = Instant::now() + Duration::from_secs(10);
    let load_ms = loop {
        let v = browser.execute(
            "const n = performance.getEntriesByType('navigation')[0]; return n ? n.loadEventEnd : 0;",
            &[],
        )?;
        let end = v.as_f64().unwrap_or(0.0);
        if end > 0.0 {
            break end;
        }
        if Instant::now() > deadline {
            return Err("loadEventEnd stayed 0".into());
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Ok(Sample {
        load_ms,
        task_ms: f64::NAN,
        heap_mb: f64::NAN,
        heap_gc_mb: f64::NAN,
        page_cpu_ms: procs::cpu_delta_ms(&cpu_before, &cpu_after),
        ext_cpu_ms: procs::cpu_delta_ms(&ext_before, &ext_after),
        new_processes: pages_after.iter().filter(|p| !pages.contains(p)).count(),
    })
}
