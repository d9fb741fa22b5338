//! Benchmark 4 (issue 4, point 7), headless Chromium: how soon the popup paints its first
//! timeline rows over a large stored log, how long exporting 100,000 events takes, and the
//! size of the popup's wasm.
//!
//! The log is made here with the core's own types (`EventRecord`, `LogMeta`, the chunked
//! layout of `fvi_core::log`) and written straight into `storage.local` from the probe page,
//! as the background would have left it (each chunk one JSON string, `encode_chunk`). The
//! popup then opens in a tab over and over.
//!
//! Timing is taken from outside the popup's code, so it holds whatever the popup renders: a
//! script DevTools injects before any page script (`Page.addScriptToEvaluateOnNewDocument`)
//! watches `#calls` for its first `li.call` row, then waits for the next animation frame
//! and a task after it (the frame is painted by then), and notes `performance.now()`,
//! i.e. ms since navigation start (`performance.timeOrigin`). The popup's own marks
//! (`data-fvi-first-paint-ms`, `data-fvi-full-ms`, `data-fvi-export-ms`) are printed beside
//! as a cross-check. The window is 800×600, the largest a toolbar popup gets. Beside the
//! popup, the same first screen saved as a static page is timed the same way: the floor
//! (see [`floor`]). Export: from the click on `#export` to the moment the popup hands the
//! finished file to the browser (the injected script sees the `<a download>` click), and
//! to the file complete on disk (polled, so up to ~0.2 s coarser).

use std::path::Path;
use std::time::{Duration, Instant};

use fvi_core::log::{chunk_key, encode_chunk, ChunkInfo, LogMeta, CHUNK_EVENTS, META_KEY};
use fvi_core::record::Origin;
use fvi_core::{EventKind, EventRecord};
use fvi_e2e::{wait_until, Browser, BrowserKind};
use serde_json::{json, Map, Value};

use super::burst;
use super::extensions::PROBE_PAGE;
use super::stats::{median, show};
use crate::pack;

/// The window the popup is timed in: the toolbar popup's largest size.
const POPUP_SIZE: (u32, u32) = (800, 600);

/// Opens of the popup per log size (the first, with a cold cache, is reported apart).
const OPENS: usize = 8;
const EXPORTS: usize = 3;

/// Injected into every document of the popup's tab before its scripts run.
const WATCH_JS: &str = r#"(() => {
  const w = window.__fviBench = { firstRow: null, rowsAtFirst: 0, exportClick: null, exportHanded: null,
    created: performance.now() };
  const seen = () => {
    // When the parser reaches the glue's <script> (everything above it is parsed by then).
    if (w.glueSeen === undefined && document.querySelector('script[src$="fvi_popup.js"]'))
      w.glueSeen = performance.now();
    const list = document.getElementById('calls');
    const rows = list ? list.querySelectorAll('li.call').length : 0;
    if (!rows || w.firstRow !== null) return;
    w.firstRow = -1;
    w.rowsAtFirst = rows;
    observer.disconnect();
    const seenAt = performance.now();
    let frameAt = NaN;
    requestAnimationFrame(() => { frameAt = performance.now(); setTimeout(() => {
      w.firstRow = performance.now();
      // The popup's own breakdown of that first load, if it marks one.
      const r = document.documentElement;
      w.marks = {};
      for (const k of ['start', 'load', 'build', 'render'])
        w.marks[k] = parseFloat(r.getAttribute('data-fvi-' + k + '-ms'));
      // What comes before the wasm starts: the page itself, then the module's fetch.
      const nav = performance.getEntriesByType('navigation')[0];
      w.marks.html = nav ? nav.responseEnd : NaN;
      w.marks.glue = w.glueSeen === undefined ? NaN : w.glueSeen;
      w.marks.boot = parseFloat(r.getAttribute('data-fvi-boot-ms'));
      w.marks.dcl = nav ? nav.domContentLoadedEventStart : NaN;
      w.marks.created = w.created;
      w.marks.rowSeen = seenAt;
      w.marks.frame = frameAt;
      // The screen as first painted, for the floor (see `floor`).
      w.firstScreen = document.documentElement.outerHTML;
    }, 0); });
  };
  const observer = new MutationObserver(seen);
  observer.observe(document, { childList: true, subtree: true });
  document.addEventListener('click', (e) => {
    if (e.target && e.target.id === 'export') w.exportClick = performance.now();
  }, true);
  const click = HTMLAnchorElement.prototype.click;
  HTMLAnchorElement.prototype.click = function () {
    if (this.download) w.exportHanded = performance.now();
    return click.call(this);
  };
})();"#;

pub fn run() -> Result<(), String> {
    wasm_size()?;
    let (browser, ext) = burst::launch(BrowserKind::Chromium)?;
    let probe = browser.open_extension_page(PROBE_PAGE)?;
    let popup = browser.new_window()?;
    browser.switch_to_window(&popup)?;
    // The toolbar popup's largest size (browsers cap it at 800×600): the figure is about the
    // popup, and how many rows its first screen needs depends on the height.
    let inner = || -> Result<(u32, u32), String> {
        let v = browser.execute("return [innerWidth, innerHeight];", &[])?;
        Ok((
            v[0].as_u64().unwrap_or(0) as u32,
            v[1].as_u64().unwrap_or(0) as u32,
        ))
    };
    // The size set is the window's outer size; the page gets it less the window's frame.
    browser.set_window_rect(0, 0, POPUP_SIZE.0, POPUP_SIZE.1)?;
    let (w, h) = inner()?;
    browser.set_window_rect(
        0,
        0,
        2 * POPUP_SIZE.0 - w.min(POPUP_SIZE.0),
        2 * POPUP_SIZE.1 - h.min(POPUP_SIZE.1),
    )?;
    let (w, h) = inner()?;
    println!("Popup window: {w} × {h} CSS px inside");
    browser.cdp(
        "Page.addScriptToEvaluateOnNewDocument",
        json!({ "source": WATCH_JS }),
    )?;
    let mut failed = Vec::new();
    for (events, calls) in [(10_000, 1_000), (100_000, 10_000)] {
        println!();
        println!("-- {events} events in {calls} calls --");
        browser.switch_to_window(&probe)?;
        let t = Instant::now();
        seed(&browser, calls, events / calls)?;
        println!(
            "  seeded storage.local in {:.1} s",
            t.elapsed().as_secs_f64()
        );
        browser.switch_to_window(&popup)?;
        let result = opens(&browser, events);
        if let Err(e) = &result {
            println!("  FAILED: {e}");
            failed.push(format!("{events} events"));
        }
        if events == 100_000 && result.is_ok() {
            if let Err(e) = exports(&browser) {
                println!("  export FAILED: {e}");
                failed.push("export".into());
            }
        }
        if result.is_ok() {
            if let Err(e) = floor(&browser, &ext.path) {
                println!("  floor FAILED: {e}");
                failed.push(format!("floor at {events} events"));
            }
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("failed: {}", failed.join(", ")))
    }
}

fn wasm_size() -> Result<(), String> {
    let dir = pack::dist().join("chrome/popup/wasm");
    let wasm = dir.join("fvi_popup_bg.wasm");
    let glue = dir.join("fvi_popup.js");
    let size = |p: &Path| {
        std::fs::metadata(p)
            .map(|m| m.len())
            .map_err(|e| format!("{}: {e}", p.display()))
    };
    let (w, g) = (size(&wasm)?, size(&glue)?);
    let gz = std::process::Command::new("gzip")
        .args(["-9", "-c"])
        .arg(&wasm)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| o.stdout.len());
    println!(
        "Popup wasm (popup/wasm/fvi_popup_bg.wasm, wasm-opt -Oz): {w} bytes = {:.1} KiB ({}); \
         JS glue {:.1} KiB",
        w as f64 / 1024.0,
        gz.map_or("gzip size n/a".into(), |z| format!(
            "{:.1} KiB gzip -9",
            z as f64 / 1024.0
        )),
        g as f64 / 1024.0
    );
    Ok(())
}

/// A log of `calls` calls with `per_call` events each (10 by default): an inbound request
/// taken in one tab, the call requested in several tabs (fan-out), then accepted and ended
/// (every tenth call denied instead). Times are one minute apart, ending an hour ago.
fn make_log(calls: usize, per_call: usize) -> (LogMeta, Vec<(String, Vec<EventRecord>)>) {
    let now = 1.79e12;
    let start = now - 3_600_000.0 - calls as f64 * 60_000.0;
    let mut records = Vec::with_capacity(calls * per_call);
    let mut seq = 0;
    for c in 0..calls {
        let call_id = format!(
            "call-{c:05}-{:08x}",
            (c as u64).wrapping_mul(2_654_435_761) as u32
        );
        let tab = 100 + (c % 40) as i64 * 7;
        let t0 = start + c as f64 * 60_000.0;
        let denied = c % 10 == 9;
        let mut kinds = vec![EventKind::SupportRequested, EventKind::SupportRequestTaken];
        let ends: &[EventKind] = if denied {
            &[EventKind::CallDenied]
        } else {
            &[EventKind::CallAccepted, EventKind::CallEnded]
        };
        let fanout = per_call.saturating_sub(kinds.len() + ends.len()).max(1);
        kinds.extend(std::iter::repeat_n(EventKind::CallRequested, fanout));
        kinds.extend_from_slice(ends);
        kinds.truncate(per_call);
        let mut requested = 0;
        for (i, kind) in kinds.into_iter().enumerate() {
            seq += 1;
            let inbound = kind.is_inbound();
            let (tab_id, frame_id) = if kind == EventKind::CallRequested {
                requested += 1;
                (tab + requested - 1, if requested == 3 { 5 } else { 0 })
            } else {
                (tab, 0)
            };
            let at = t0 + i as f64 * 1_700.0;
            let url = format!("https://shop.example.com/checkout/step-{}?cart={c}", i % 3);
            let detail = if inbound {
                json!({ "customerId": format!("cus_{c}"), "topic": "billing" })
            } else {
                json!({ "callId": call_id, "agent": { "name": format!("Agent {}", c % 12) } })
            };
            records.push(EventRecord {
                seq,
                kind,
                call_id: (!inbound).then(|| call_id.clone()),
                tab_id,
                frame_id,
                url: url.clone(),
                top_url: Some(url),
                top_title: None,
                captured_at: at,
                stored_at: at + 3.0,
                detail,
                detail_truncated: false,
                origin: Origin {
                    document: format!("doc-{tab_id}-{c}"),
                    n: i as u64 + 1,
                },
                fired: None,
            });
        }
    }
    let mut meta = LogMeta::default();
    let mut chunks = Vec::new();
    for (i, chunk) in records.chunks(CHUNK_EVENTS).enumerate() {
        let id = i as u64 + 1;
        meta.chunks.push(ChunkInfo {
            id,
            count: chunk.len(),
            first_seq: chunk[0].seq,
            last_seq: chunk[chunk.len() - 1].seq,
        });
        for r in chunk {
            *meta.tab_counts.entry(r.tab_id).or_default() += 1;
        }
        chunks.push((chunk_key(id), chunk.to_vec()));
    }
    meta.next_seq = seq + 1;
    (meta, chunks)
}

/// Replaces `storage.local` with a generated log (current tab: the probe page).
fn seed(browser: &Browser, calls: usize, per_call: usize) -> Result<(), String> {
    let (meta, chunks) = make_log(calls, per_call);
    let set = |items: Value| -> Result<(), String> {
        let r = browser.execute_async(
            "const [items, done] = arguments;\
             chrome.storage.local.set(items).then(() => done(null), (e) => done(String(e)));",
            &[items],
        )?;
        match r.as_str() {
            Some(e) => Err(format!("storage.local.set: {e}")),
            None => Ok(()),
        }
    };
    let r = browser.execute_async(
        "const done = arguments[0]; chrome.storage.local.clear().then(() => done(null), (e) => done(String(e)));",
        &[],
    )?;
    if let Some(e) = r.as_str() {
        return Err(format!("storage.local.clear: {e}"));
    }
    for group in chunks.chunks(5) {
        let mut items = Map::new();
        for (key, records) in group {
            // As the background stores a chunk: one JSON string (`encode_chunk`).
            items.insert(key.clone(), encode_chunk(records));
        }
        set(Value::Object(items))?;
    }
    // The meta last, as the background writes it with (never before) its chunks.
    set(json!({ META_KEY: serde_json::to_value(&meta).map_err(|e| e.to_string())? }))
}

/// The marks the watcher notes at the first paint: the popup's own (`data-fvi-*-ms`), then
/// the navigation's, and the watcher's own. (Chromium keeps no Resource Timing entry for
/// `chrome-extension://` fetches, so the wasm's fetch cannot be timed from here.)
const MARKS: [&str; 11] = [
    "start", "load", "build", "render", "html", "dcl", "glue", "boot", "created", "rowSeen",
    "frame",
];

/// Opens the popup [`OPENS`] times (current tab) and prints the figures.
fn opens(browser: &Browser, events: usize) -> Result<(), String> {
    let url = browser.extension_url("popup/popup.html");
    let mut first_row = Vec::new();
    let mut own_first = Vec::new();
    let mut full = Vec::new();
    let mut parts: [Vec<f64>; MARKS.len()] = Default::default();
    let mut rows_at_first = 0;
    for i in 0..OPENS {
        browser.navigate(&url)?;
        let deadline = Instant::now() + Duration::from_secs(60);
        let (w, marks) = loop {
            let v = browser.execute(
                "const r = document.documentElement;\
                 return [window.__fviBench || null, {\
                   first: r.getAttribute('data-fvi-first-paint-ms'),\
                   full: r.getAttribute('data-fvi-full-ms'),\
                   calls: document.querySelectorAll('#calls li.call').length,\
                   exportDisabled: (document.getElementById('export') || {}).disabled }];",
                &[],
            )?;
            let first_done = v[0]["firstRow"].as_f64().is_some_and(|f| f > 0.0);
            // A log of a few chunks is loaded whole at once and never sets a "full" mark.
            let settled =
                v[1]["full"].is_string() || (first_done && v[1]["exportDisabled"] == false);
            if first_done && settled {
                break (v[0].clone(), v[1].clone());
            }
            if v[0].is_null() {
                return Err("the injected watcher is missing from the popup".into());
            }
            if Instant::now() > deadline {
                return Err(format!("popup not done after 60 s: {v}"));
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let ms = w["firstRow"].as_f64().unwrap_or(f64::NAN);
        let own: f64 = marks["first"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .unwrap_or(f64::NAN);
        let whole: f64 = marks["full"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .unwrap_or(ms);
        rows_at_first = w["rowsAtFirst"].as_u64().unwrap_or(0);
        if i == 0 {
            println!(
                "  first open (cold): first row painted at {ms:.0} ms (popup's own mark {own:.0} ms), \
                 whole log on screen at {whole:.0} ms"
            );
            continue;
        }
        first_row.push(ms);
        own_first.push(own);
        full.push(whole);
        for (k, part) in MARKS.iter().zip(parts.iter_mut()) {
            part.push(w["marks"][k].as_f64().unwrap_or(f64::NAN));
        }
    }
    let target = if events <= 10_000 { 100.0 } else { 300.0 };
    println!("  warm opens, ms from navigation start (median [IQR, min, max, n]):");
    println!(
        "    first timeline row painted:      {}",
        show(&first_row, 0)
    );
    println!(
        "    popup's own first-paint mark:    {}",
        show(&own_first, 0)
    );
    println!("    whole log on screen:             {}", show(&full, 0));
    println!("    rows in #calls at first paint:   {rows_at_first}");
    println!("  where the time goes before the first paint (the popup's own marks, ms):");
    // (label, the marks shown, by index into MARKS), in the order they happen.
    let rows: [(&str, &[usize]); 8] = [
        ("page received / DOMContentLoaded:", &[4, 5]),
        ("document made (first script):", &[8]),
        ("parser at the glue / boot.js ran:", &[6, 7]),
        ("wasm started at:", &[0]),
        ("reading storage (first load):", &[1]),
        ("building the model:", &[2]),
        ("rendering:", &[3]),
        ("first row in the DOM / frame:", &[9, 10]),
    ];
    for (label, marks) in rows {
        let shown: Vec<String> = marks.iter().map(|m| show(&parts[*m], 0)).collect();
        println!("    {label:<33} {}", shown.join(" / "));
    }
    let m = median(&first_row);
    println!(
        "  target <= {target:.0} ms to the first painted timeline: {} (median {m:.0} ms{})",
        if m <= target { "met" } else { "NOT met" },
        if m > target {
            format!(", {:.0} ms over", m - target)
        } else {
            String::new()
        }
    );
    Ok(())
}

/// The floor under the first-paint figure, measured in the same run: the popup's first
/// screen as it has just rendered it, saved as a static page of the extension
/// (`popup/floor.html`: the same markup and stylesheet, every script removed), opened and
/// timed exactly as the popup is. No popup, whatever it runs, paints that screen sooner than
/// the browser paints a page that already holds it.
fn floor(browser: &Browser, ext_dir: &Path) -> Result<(), String> {
    let html = browser.execute(
        "const d = new DOMParser().parseFromString(window.__fviBench.firstScreen, 'text/html');\
         for (const s of d.querySelectorAll('script')) s.remove();\
         const r = d.documentElement;\
         for (const a of [...r.attributes]) if (a.name !== 'lang') r.removeAttribute(a.name);\
         return '<!doctype html>\\n' + r.outerHTML;",
        &[],
    )?;
    let html = html
        .as_str()
        .ok_or("no first screen recorded by the watcher")?;
    std::fs::write(ext_dir.join("popup/floor.html"), html)
        .map_err(|e| format!("writing popup/floor.html: {e}"))?;
    let url = browser.extension_url("popup/floor.html");
    let mut painted = Vec::new();
    for i in 0..OPENS {
        browser.navigate(&url)?;
        let ms = wait_until(Duration::from_secs(20), "popup/floor.html painted", || {
            let v = browser.execute(
                "return window.__fviBench && window.__fviBench.firstRow;",
                &[],
            )?;
            Ok(v.as_f64().filter(|ms| *ms > 0.0))
        })?;
        if i > 0 {
            painted.push(ms);
        }
    }
    let rows = html.matches("<li class=\"row call\"").count();
    println!(
        "  floor: that first screen ({rows} rows) as a static page, no script: first row painted at {}",
        show(&painted, 0)
    );
    Ok(())
}

/// Exports the 100,000-event log [`EXPORTS`] times from the loaded popup (current tab).
fn exports(browser: &Browser) -> Result<(), String> {
    let mut handed = Vec::new();
    let mut own = Vec::new();
    let mut on_disk = Vec::new();
    let mut summarising = Vec::new();
    let mut serialising = Vec::new();
    let mut size = 0;
    for _ in 0..EXPORTS {
        for f in browser.downloads() {
            let _ = std::fs::remove_file(f);
        }
        browser.execute(
            "window.__fviBench.exportClick = null; window.__fviBench.exportHanded = null;\
             document.documentElement.removeAttribute('data-fvi-export-ms');",
            &[],
        )?;
        let button = browser.find("#export")?;
        let clicked = Instant::now();
        browser.click(&button)?;
        let file = browser.wait_for_download_ending(".json", Duration::from_secs(60))?;
        on_disk.push(clicked.elapsed().as_secs_f64() * 1000.0);
        size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
        let v = browser.execute(
            "return [window.__fviBench.exportClick, window.__fviBench.exportHanded,\
             document.documentElement.getAttribute('data-fvi-export-ms'),\
             document.documentElement.getAttribute('data-fvi-export-phases')];",
            &[],
        )?;
        let phases: Vec<f64> = v[3]
            .as_str()
            .unwrap_or_default()
            .split(' ')
            .filter_map(|s| s.parse().ok())
            .collect();
        if let [summaries, serialise] = phases[..] {
            summarising.push(summaries);
            serialising.push(serialise);
        }
        if let (Some(a), Some(b)) = (v[0].as_f64(), v[1].as_f64()) {
            handed.push(b - a);
        }
        own.push(
            v[2].as_str()
                .and_then(|s| s.parse().ok())
                .unwrap_or(f64::NAN),
        );
    }
    println!(
        "  export of 100,000 events (\"Export JSON\"), {EXPORTS} times; file {:.1} MB:",
        size as f64 / 1e6
    );
    println!(
        "    click to file handed to the browser, ms: {}",
        show(&handed, 0)
    );
    println!(
        "    popup's own export mark, ms:             {}",
        show(&own, 0)
    );
    println!(
        "    … of which summarising the calls, ms:    {}",
        show(&summarising, 0)
    );
    println!(
        "    … serialising the file, ms:              {}",
        show(&serialising, 0)
    );
    println!(
        "    click to file complete on disk, ms:      {}",
        show(&on_disk, 0)
    );
    let m = median(&handed);
    println!(
        "  target <= 1 s to export 100,000 events: {} (median {m:.0} ms to hand over; {:.0} ms to the file on disk)",
        if m <= 1000.0 { "met" } else { "NOT met" },
        median(&on_disk)
    );
    Ok(())
}
