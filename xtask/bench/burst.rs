//! Benchmark 2 (issue 3, point 7): a page fires 50,000 events in one task. How many are
//! lost, and how long until all are durably stored?
//!
//! "Stored" is what a reader of `storage.local` sees: an extension page (our build plus an
//! empty probe page, see `extensions.rs`) polls `meta` every 25 ms, and the clock stops at
//! the first poll whose `meta.chunks[].count` add up to the burst. The clock starts just
//! before the page's dispatch loop; both read `Date.now()` in the same browser. Each trial
//! runs in a fresh browser (an empty log, a running background), so trials are independent.

use std::time::{Duration, Instant};

use fvi_core::EventKind;
use fvi_e2e::{Browser, BrowserKind, FixtureServer, LaunchOptions, Route};
use serde_json::{json, Value};

use super::extensions::{self, Variant, PROBE_PAGE};
use super::stats::{load_average, median, show};

pub const BURST: u64 = 50_000;
const TRIALS: usize = 3;
/// Longest a trial may take: 50,000 events at 500/s.
const TIMEOUT: Duration = Duration::from_secs(100);

pub fn run() -> Result<(), String> {
    let server = FixtureServer::start([(
        "/burst.html",
        Route::html(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>burst</title></head>\
             <body><h1>burst</h1></body></html>",
        ),
    )])?;
    let url = server.url("/burst.html");
    println!(
        "{BURST} events (the eight kinds in turn, detail {{callId, i}}) dispatched in one task; \
         {TRIALS} trials per browser, each in a fresh browser with an empty log."
    );
    let mut failures = Vec::new();
    for kind in BrowserKind::ALL {
        println!();
        println!("-- {} --", kind.name());
        let mut rates = Vec::new();
        let mut times = Vec::new();
        let mut dispatch = Vec::new();
        let mut lost_total = 0;
        for trial in 1..=TRIALS {
            match trial_run(kind, &url, BURST, trial) {
                Ok(t) => {
                    println!(
                        "  trial {trial}: dispatch loop {:.0} ms; all {} stored after {:.0} ms \
                         ({:.0} events/s); lost {}, duplicated {}; first events stored after {} \
                         (load average {})",
                        t.dispatch_ms,
                        t.stored,
                        t.durable_ms,
                        t.rate(),
                        t.lost,
                        t.duplicates,
                        t.first_stored_ms
                            .map_or("?".to_string(), |ms| format!("{ms:.0} ms")),
                        load_average(),
                    );
                    lost_total += t.lost;
                    dispatch.push(t.dispatch_ms);
                    rates.push(t.rate());
                    times.push(t.durable_ms);
                }
                Err(e) => {
                    println!("  trial {trial}: FAILED: {e}");
                    failures.push(format!("{} trial {trial}", kind.name()));
                }
            }
        }
        match dispatch_baselines(kind, &url) {
            Ok((none, baseline)) => {
                println!(
                    "  the page's dispatch loop alone (the synchronous cost to the page), ms:"
                );
                println!("    no extension       {}", show(&none, 0));
                println!("    plain-JS baseline  {}", show(&baseline, 0));
                println!("    ours               {}", show(&dispatch, 0));
            }
            Err(e) => {
                println!("  dispatch-loop baselines FAILED: {e}");
                failures.push(format!("{} dispatch baselines", kind.name()));
            }
        }
        println!("  time until all durably stored, ms: {}", show(&times, 0));
        println!("  throughput, events/s:              {}", show(&rates, 0));
        println!(
            "  lost: {lost_total} in all (target 0: {})",
            if lost_total == 0 { "met" } else { "NOT met" }
        );
        if kind == BrowserKind::Chromium {
            let m = median(&rates);
            println!(
                "  target >= 10,000 events/s in Chromium: {} (median {m:.0}/s)",
                if m >= 10_000.0 { "met" } else { "NOT met" }
            );
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!("failed: {}", failures.join(", ")))
    }
}

/// The same dispatch loop with no extension and with the plain-JS baseline: what firing
/// 50,000 events costs the page before any capture work. One browser each, one trial per
/// fresh page load.
fn dispatch_baselines(kind: BrowserKind, url: &str) -> Result<(Vec<f64>, Vec<f64>), String> {
    let baseline = extensions::baseline(kind)?;
    let mut out = Vec::new();
    for variant in [Variant::None, Variant::Baseline] {
        let browser = extensions::launch(kind, variant, &baseline.path, LaunchOptions::default())?;
        let mut ms = Vec::new();
        for trial in 1..=TRIALS {
            browser.navigate(&format!("{url}?trial={trial}"))?;
            let fired = fire(&browser, BURST, trial)?;
            ms.push(fired["dispatchMs"].as_f64().unwrap_or(f64::NAN));
        }
        out.push(ms);
    }
    let baseline_ms = out.pop().unwrap_or_default();
    Ok((out.pop().unwrap_or_default(), baseline_ms))
}

pub struct Trial {
    pub dispatch_ms: f64,
    pub durable_ms: f64,
    pub first_stored_ms: Option<f64>,
    pub stored: u64,
    pub lost: u64,
    pub duplicates: u64,
    n: u64,
}

impl Trial {
    fn rate(&self) -> f64 {
        self.n as f64 / (self.durable_ms / 1000.0)
    }
}

/// Launches a fresh browser with our build (plus the probe page).
pub fn launch(kind: BrowserKind) -> Result<(Browser, extensions::BuiltExtension), String> {
    let ext = extensions::ours_with_probe(kind)?;
    let options = LaunchOptions {
        // Firefox clamps timers in background tabs to 1 s; the probe polls from one.
        extra_prefs: vec![
            ("dom.min_background_timeout_value".into(), json!(4)),
            (
                "dom.timeout.enable_budget_timer_throttling".into(),
                json!(false),
            ),
        ],
        ..LaunchOptions::default()
    };
    let options = match kind {
        BrowserKind::Firefox => options,
        BrowserKind::Chromium => LaunchOptions::default(),
    };
    let browser = Browser::launch_with(kind, &ext.path, options)?;
    Ok((browser, ext))
}

fn trial_run(kind: BrowserKind, url: &str, n: u64, trial: usize) -> Result<Trial, String> {
    let (browser, _ext) = launch(kind)?;
    browser.navigate(url)?;
    let page = browser.window_handle()?;
    let probe = browser.open_extension_page(PROBE_PAGE)?;
    std::thread::sleep(Duration::from_millis(500));
    start_watch(&browser, n)?;
    browser.switch_to_window(&page)?;
    let fired = fire(&browser, n, trial)?;
    browser.switch_to_window(&probe)?;
    let done = wait_watch(&browser, TIMEOUT)?;
    let check = check_stored(&browser, trial)?;
    let t0 = fired["t0"].as_f64().unwrap_or(f64::NAN);
    let stored = check["distinct"].as_u64().unwrap_or(0);
    Ok(Trial {
        dispatch_ms: fired["dispatchMs"].as_f64().unwrap_or(f64::NAN),
        durable_ms: done.map_or(f64::NAN, |d| d - t0),
        first_stored_ms: check["firstStoredAt"].as_f64().map(|f| f - t0),
        stored,
        lost: n.saturating_sub(stored),
        duplicates: check["total"].as_u64().unwrap_or(0).saturating_sub(stored),
        n,
    })
}

/// Fires `n` events in one task (one WebDriver script) in the current tab; returns
/// `{t0, dispatchMs}` (`t0` in ms since the epoch).
pub fn fire(browser: &Browser, n: u64, trial: usize) -> Result<Value, String> {
    let names: Vec<&str> = EventKind::ALL.iter().map(|k| k.name()).collect();
    browser.execute(
        "const [names, n, trial] = arguments;\
         const t0 = Date.now(); const p0 = performance.now();\
         for (let i = 1; i <= n; i++) {\
           window.dispatchEvent(new CustomEvent(names[i % 8], \
             { detail: { callId: 'burst-' + trial + '-' + Math.floor(i / 8), i, trial } }));\
         }\
         return { t0, dispatchMs: performance.now() - p0 };",
        &[json!(names), json!(n), json!(trial)],
    )
}

/// In the probe page (current tab): polls `meta` every 25 ms from now on and notes the
/// time the stored total first reaches `target`.
pub fn start_watch(browser: &Browser, target: u64) -> Result<(), String> {
    browser
        .execute(
            "const target = arguments[0];\
             const api = globalThis.browser || globalThis.chrome;\
             const w = window.__fviWatch = { done: null, total: 0, polls: 0, error: null };\
             const tick = () => api.storage.local.get('meta').then((got) => {\
               const chunks = (got.meta && got.meta.chunks) || [];\
               w.total = chunks.reduce((a, c) => a + c.count, 0); w.polls++;\
               if (w.total >= target) w.done = Date.now(); else setTimeout(tick, 25);\
             }, (e) => { w.error = String(e); });\
             tick();",
            &[json!(target)],
        )
        .map(drop)
}

/// Waits for [`start_watch`]'s result; `Ok(None)` if the total never got there.
pub fn wait_watch(browser: &Browser, timeout: Duration) -> Result<Option<f64>, String> {
    let deadline = Instant::now() + timeout;
    loop {
        let w = browser.execute("return window.__fviWatch;", &[])?;
        if let Some(e) = w["error"].as_str() {
            return Err(format!("reading storage.local: {e}"));
        }
        if let Some(done) = w["done"].as_f64() {
            return Ok(Some(done));
        }
        if Instant::now() > deadline {
            println!(
                "    gave up after {:.0} s with {} stored",
                timeout.as_secs_f64(),
                w["total"]
            );
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Reads every stored event in the probe page and counts this trial's: `{total, distinct,
/// firstStoredAt}` (distinct by the page's `i`).
fn check_stored(browser: &Browser, trial: usize) -> Result<Value, String> {
    browser.execute_async(
        "const [trial, done] = arguments;\
         const api = globalThis.browser || globalThis.chrome;\
         api.storage.local.get(null).then((all) => {\
           const seen = new Set(); let total = 0; let first = Infinity;\
           for (const [k, v] of Object.entries(all)) {\
             if (!k.startsWith('chunk:')) continue;\
             for (const e of (typeof v === 'string' ? JSON.parse(v) : v)) {\
               if (!e.detail || e.detail.trial !== trial) continue;\
               total++; seen.add(e.detail.i); first = Math.min(first, e.storedAt);\
             }\
           }\
           done({ total, distinct: seen.size, firstStoredAt: isFinite(first) ? first : null });\
         }, (e) => done({ error: String(e) }));",
        &[json!(trial)],
    )
}
