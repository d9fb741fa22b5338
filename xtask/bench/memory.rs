//! Benchmark 3 (issue 3, point 7): the background's memory after 100,000 events, against
//! the same background idle after start, in the same browser.
//!
//! Chromium: our DevTools connection attaches to the extension's service worker and reads
//! `Runtime.getHeapUsage` (the worker's JS heap) before and after a forced GC
//! (`HeapProfiler.collectGarbage`), and the wasm linear memory (`memory.buffer.byteLength`
//! through the glue's `initSync()`, which returns the running instance). The extension's
//! renderer process, which then hosts only the worker, is read from `/proc` (RSS and PSS).
//! The session stays attached throughout, which keeps the worker from idling out between
//! the two readings (a stopped worker holds no memory at all).
//!
//! Firefox has no DevTools protocol here. After asking every child process to GC
//! (`child-gc-request` from the chrome context), Firefox's memory reporters (what
//! about:memory shows, `nsIMemoryReporterManager.getReports`) give the "explicit" memory of
//! our event page's window: its JS, its wasm linear memory and wasm code. Its process (the
//! extension process, shared with the built-in add-ons and our probe page, so only the
//! growth is ours) is read from `/proc`.

use std::time::{Duration, Instant};

use fvi_e2e::{Browser, BrowserKind, FixtureServer, Route, FIREFOX_EXTENSION_UUID};
use serde_json::json;

use super::burst;
use super::extensions::PROBE_PAGE;
use super::procs;
use super::stats::load_average;
use fvi_e2e::cdp::Cdp;

const EVENTS: u64 = 100_000;
/// Fired as two bursts of 50,000 (one task each), the second once the first is stored.
const BURSTS: u64 = 2;

/// One reading: named sizes in bytes (`None`: could not be read).
type Reading = Vec<(&'static str, Option<f64>)>;

pub fn run() -> Result<(), String> {
    let server = FixtureServer::start([(
        "/events.html",
        Route::html("<!doctype html><meta charset=\"utf-8\"><title>events</title><h1>events</h1>"),
    )])?;
    let url = server.url("/events.html");
    println!(
        "{EVENTS} events fired as {BURSTS} bursts of {} in one page, each stored before the \
         next; one run per browser (N=1: a state, not a timing). Load average {}.",
        EVENTS / BURSTS,
        load_average()
    );
    let mut failures = Vec::new();
    for (kind, f) in [
        (
            BrowserKind::Chromium,
            chromium as fn(&str) -> Result<(), String>,
        ),
        (BrowserKind::Firefox, firefox),
    ] {
        println!();
        println!("-- {} --", kind.name());
        if let Err(e) = f(&url) {
            println!("  FAILED: {e}");
            failures.push(kind.name());
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!("failed in {}", failures.join(", ")))
    }
}

fn chromium(url: &str) -> Result<(), String> {
    let (browser, _ext) = burst::launch(BrowserKind::Chromium)?;
    let mut cdp = Cdp::connect(browser.profile_dir())?;
    let session = cdp.attach_worker(&browser.extension_origin())?;
    browser.navigate(url)?;
    // Let the start-up settle (wasm instantiated, first storage reads done).
    std::thread::sleep(Duration::from_secs(2));
    let before = chromium_reading(&mut cdp, &session, &browser)?;
    print_reading("idle after start, 0 events", &before);
    let started = Instant::now();
    let mut after = before.clone();
    for round in 1..=BURSTS {
        burst::fire(&browser, EVENTS / BURSTS, round as usize)?;
        let target = round * EVENTS / BURSTS;
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let total = cdp
                .eval(
                    &session,
                    "chrome.storage.local.get('meta').then((g) => \
                     ((g.meta && g.meta.chunks) || []).reduce((a, c) => a + c.count, 0))",
                )?
                .as_u64()
                .unwrap_or(0);
            if total >= target {
                break;
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "only {total} of {target} events stored after 120 s"
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        println!(
            "  {target} events stored after {:.1} s",
            started.elapsed().as_secs_f64()
        );
        after = chromium_reading(&mut cdp, &session, &browser)?;
        print_reading(&format!("right after {target} events stored"), &after);
    }
    std::thread::sleep(Duration::from_secs(5));
    print_reading(
        "5 s later",
        &chromium_reading(&mut cdp, &session, &browser)?,
    );
    print_growth(&before, &after);
    Ok(())
}

fn chromium_reading(cdp: &mut Cdp, session: &str, browser: &Browser) -> Result<Reading, String> {
    let heap = cdp.call("Runtime.getHeapUsage", json!({}), Some(session))?;
    cdp.call("HeapProfiler.collectGarbage", json!({}), Some(session))?;
    let heap_gc = cdp.call("Runtime.getHeapUsage", json!({}), Some(session))?;
    let wasm = cdp.eval(session, "wasm_bindgen.initSync().memory.buffer.byteLength")?;
    let ext = procs::browser_tree(browser.profile_dir())
        .into_iter()
        .find(|p| procs::is_chromium_renderer(p) && p.cmdline.contains("--extension-process"));
    let mem = ext.and_then(|p| procs::memory(p.pid));
    Ok(vec![
        ("worker JS heap used", heap["usedSize"].as_f64()),
        (
            "worker JS heap used after forced GC",
            heap_gc["usedSize"].as_f64(),
        ),
        ("wasm linear memory", wasm.as_f64()),
        ("extension process RSS", mem.map(|m| m.0 as f64)),
        ("extension process PSS", mem.map(|m| m.1 as f64)),
    ])
}

fn firefox(url: &str) -> Result<(), String> {
    let (browser, _ext) = burst::launch(BrowserKind::Firefox)?;
    browser.navigate(url)?;
    let page = browser.window_handle()?;
    let probe = browser.open_extension_page(PROBE_PAGE)?;
    std::thread::sleep(Duration::from_secs(2));
    let ext_pid = procs::firefox_extension_pid(&browser)?.ok_or("no extension process")?;
    let before = firefox_reading(&browser, ext_pid)?;
    print_reading("idle after start, 0 events", &before);
    let started = Instant::now();
    let mut after = before.clone();
    for round in 1..=BURSTS {
        let target = round * EVENTS / BURSTS;
        browser.switch_to_window(&probe)?;
        burst::start_watch(&browser, target)?;
        browser.switch_to_window(&page)?;
        burst::fire(&browser, EVENTS / BURSTS, round as usize)?;
        browser.switch_to_window(&probe)?;
        if burst::wait_watch(&browser, Duration::from_secs(150))?.is_none() {
            return Err(format!("burst {round} was not stored in time"));
        }
        println!(
            "  {target} events stored after {:.1} s",
            started.elapsed().as_secs_f64()
        );
        after = firefox_reading(&browser, ext_pid)?;
        print_reading(&format!("right after {target} events stored"), &after);
    }
    std::thread::sleep(Duration::from_secs(5));
    print_reading("5 s later", &firefox_reading(&browser, ext_pid)?);
    print_growth(&before, &after);
    Ok(())
}

/// Firefox: GC every child process, then our event page's memory as Firefox's memory
/// reporters account it, and the extension process's from `/proc`.
fn firefox_reading(browser: &Browser, ext_pid: u32) -> Result<Reading, String> {
    browser.in_chrome_context(|wd| {
        wd.execute(
            "Services.obs.notifyObservers(null, 'child-gc-request');\
             Services.obs.notifyObservers(null, 'child-cc-request');",
            &[],
        )
    })?;
    std::thread::sleep(Duration::from_secs(1));
    // Reporter paths put a window's URL inside one path segment, its slashes turned into
    // backslashes: `explicit/window-objects/top(moz-extension:\\<uuid>\_generated_…)/…`.
    let r = browser.in_chrome_context(|wd| {
        wd.execute_async(
            "const [uuid, done] = arguments;\
             const mgr = Cc['@mozilla.org/memory-reporter-manager;1']\
               .getService(Ci.nsIMemoryReporterManager);\
             const r = { explicit: 0, wasm: 0, wasmCode: 0, js: 0 };\
             mgr.getReports((process, path, kind, units, amount) => {\
               if (units !== Ci.nsIMemoryReporter.UNITS_BYTES) return;\
               const top = path.split('/')[2] || '';\
               if (!path.startsWith('explicit/window-objects/') || !top.includes(uuid)\
                   || !top.includes('_generated_background_page.html')) return;\
               r.explicit += amount;\
               if (path.endsWith('/elements/wasm')) r.wasm += amount;\
               else if (path.endsWith('/code/wasm')) r.wasmCode += amount;\
               else if (path.includes('/js-realm(') || path.includes('/js-zone(')) r.js += amount;\
             }, null, () => done(r), null, false);",
            &[json!(FIREFOX_EXTENSION_UUID)],
        )
    })?;
    let mem = procs::memory(ext_pid);
    Ok(vec![
        (
            "event page, all explicit memory (about:memory)",
            r["explicit"].as_f64(),
        ),
        ("  of which JS (not wasm)", r["js"].as_f64()),
        ("  of which wasm linear memory", r["wasm"].as_f64()),
        ("  of which wasm code", r["wasmCode"].as_f64()),
        ("extension process RSS", mem.map(|m| m.0 as f64)),
        ("extension process PSS", mem.map(|m| m.1 as f64)),
    ])
}

fn mb(v: Option<f64>) -> String {
    v.map_or("n/a".into(), |b| format!("{:.2} MB", b / 1e6))
}

fn print_reading(label: &str, r: &Reading) {
    println!("  {label}:");
    for (name, value) in r {
        println!("    {name:<48} {}", mb(*value));
    }
}

fn print_growth(before: &Reading, after: &Reading) {
    println!("  growth from idle to after {EVENTS} events:");
    for ((name, a), (_, b)) in before.iter().zip(after) {
        let d = match (a, b) {
            (Some(a), Some(b)) => format!("{:+.2} MB", (b - a) / 1e6),
            _ => "n/a".into(),
        };
        println!("    {name:<48} {d}");
    }
}
