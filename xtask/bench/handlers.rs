//! Benchmark 6 (issue 13, item 5): what the handlers hook costs per listener call on a site
//! opted in to "page handlers", against the same page on a site that is not, in the same
//! browser and the same run. One browser with the built extension; the page is served from
//! `127.0.0.1` (opted in: the hook and the bridge run) and from `localhost` (a different
//! site: neither runs). Each round loads both (order alternating), adds LISTENERS listeners
//! for `fullview:callRequested` on `window`, dispatches EVENTS events in one task, and
//! times the loop in the page (`performance.now()`); per listener call is that time over
//! the calls made. Both sides pay the sentinel's capture of each event; the difference is
//! the hook's wrapper, its timing, and its report to the bridge. EVENTS × LISTENERS stays
//! under the hook's per-document report bound (5,000), past which it stops reporting.

use std::time::Duration;

use fvi_e2e::{Browser, BrowserKind, FixtureServer, LaunchOptions, Route};
use serde_json::{json, Value};

use super::extensions;
use super::stats::{bootstrap_ratio, env_count, load_average, median, show};

const LISTENERS: usize = 10;
const EVENTS: usize = 400;
/// Rounds per browser unless `FVI_HANDLER_ROUNDS` says otherwise.
const ROUNDS: usize = 30;

const PAGE: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>handlers bench</title>\
<script>\
window.bench = (events, listeners) => {\
  const fns = []; let calls = 0;\
  for (let i = 0; i < listeners; i++) {\
    const f = function () { calls++; };\
    fns.push(f);\
    window.addEventListener('fullview:callRequested', f);\
  }\
  const t0 = performance.now();\
  for (let i = 0; i < events; i++) {\
    window.dispatchEvent(new CustomEvent('fullview:callRequested', { detail: { callId: 'bench' } }));\
  }\
  const ms = performance.now() - t0;\
  for (const f of fns) window.removeEventListener('fullview:callRequested', f);\
  return { ms, calls, hooked: !String(EventTarget.prototype.addEventListener).includes('[native code]') };\
};\
</script></head><body>bench</body></html>";

pub fn run() -> Result<(), String> {
    let rounds = env_count("FVI_HANDLER_ROUNDS", 2, ROUNDS);
    println!(
        "  {LISTENERS} listeners x {EVENTS} events per load, {rounds} loads per side, load average {}",
        load_average()
    );
    for kind in [BrowserKind::Chromium, BrowserKind::Firefox] {
        run_browser(kind, rounds)?;
    }
    Ok(())
}

/// One timed load: `(ms per listener call, hooked)`.
fn sample(browser: &Browser, url: &str) -> Result<(f64, bool), String> {
    browser.navigate(url)?;
    let v = browser.execute(
        "return window.bench(arguments[0], arguments[1]);",
        &[json!(EVENTS), json!(LISTENERS)],
    )?;
    let calls = v["calls"].as_f64().unwrap_or(0.0);
    if calls != (EVENTS * LISTENERS) as f64 {
        return Err(format!(
            "{url}: {calls} listener calls, expected {}",
            EVENTS * LISTENERS
        ));
    }
    let ms = v["ms"]
        .as_f64()
        .ok_or_else(|| format!("{url}: no time in {v}"))?;
    Ok((ms / calls, v["hooked"] == Value::Bool(true)))
}

fn run_browser(kind: BrowserKind, rounds: usize) -> Result<(), String> {
    let server = FixtureServer::start([("/bench", Route::html(PAGE))])?;
    let browser = Browser::launch_with(kind, &extensions::ours(kind), LaunchOptions::default())?;
    let opted = server.url("/bench");
    let plain = server.localhost_url("/bench");
    browser.open_extension_page("popup/popup.html")?;
    let answer = browser.execute_async(
        "const done = arguments[arguments.length - 1];\
         (globalThis.browser || globalThis.chrome).runtime\
           .sendMessage({ kind: 'setHandlerSite', v: 1, url: arguments[0], on: true })\
           .then(done, (e) => done({ thrown: String(e) }));",
        &[json!(opted)],
    )?;
    if answer["kind"] != "done" {
        return Err(format!("opting in {opted}: {answer}"));
    }
    let tab = browser.new_window()?;
    browser.switch_to_window(&tab)?;
    // Warm both pages (caches, the engine's first load).
    for url in [&opted, &plain] {
        sample(&browser, url)?;
    }
    let (mut hooked, mut bare) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let order = if round % 2 == 0 {
            [(&opted, true), (&plain, false)]
        } else {
            [(&plain, false), (&opted, true)]
        };
        for (url, expect_hook) in order {
            let (ms, has_hook) = sample(&browser, url)?;
            if has_hook != expect_hook {
                return Err(format!("{url}: hook {has_hook}, expected {expect_hook}"));
            }
            if expect_hook {
                hooked.push(ms);
            } else {
                bare.push(ms);
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let (h, b) = (median(&hooked), median(&bare));
    println!("  {}:", kind.name());
    println!(
        "    per listener call, opted-in site (hook):  {} ms",
        show(&hooked, 4)
    );
    println!(
        "    per listener call, site not opted in:     {} ms",
        show(&bare, 4)
    );
    let interval = bootstrap_ratio(&hooked, &bare)
        .map(|(lo, hi)| format!(" (95% interval {lo:.2}–{hi:.2})"))
        .unwrap_or_default();
    println!(
        "    ratio {:.2}x{interval}; added {:.4} ms per listener call (medians)",
        h / b,
        h - b
    );
    Ok(())
}
