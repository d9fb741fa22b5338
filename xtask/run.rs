//! `cargo fvi run`: builds both extensions, then shows one working the way a person would
//! try it: the browser with the extension loaded, on the simulator page served from
//! 127.0.0.1.
//!
//! With a display (`$DISPLAY` or `$WAYLAND_DISPLAY`) it opens the browser for you to use.
//! Without one it runs headless: it plays the scripted two-tab session in each browser,
//! presses **Export JSON** in the popup page, and prints the captured timeline and the path
//! of the exported file.
//!
//! Flags: `--build-only`, `--headless` (even with a display), `--browser chromium|firefox`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use fvi_e2e::{dist_dir, wait_until, Browser, BrowserKind, FixtureServer, Route};

use crate::pack;
use crate::setup::{self, Need};
use crate::shell::{done, run, step};

const SIMULATOR_HTML: &str = include_str!("simulator/index.html");
const SIMULATOR_JS: &str = include_str!("simulator/simulator.js");

pub fn main(args: &[String]) -> Result<(), String> {
    let build_only = args.iter().any(|a| a == "--build-only");
    setup::ensure(if build_only { Need::Build } else { Need::Run })?;
    pack::build()?;
    if build_only {
        return Ok(());
    }
    let browsers = match args.iter().position(|a| a == "--browser") {
        Some(i) => match args.get(i + 1).map(String::as_str) {
            Some("chromium") => vec![BrowserKind::Chromium],
            Some("firefox") => vec![BrowserKind::Firefox],
            other => {
                return Err(format!(
                    "--browser takes chromium or firefox, not {other:?}"
                ))
            }
        },
        None => BrowserKind::ALL.to_vec(),
    };
    let server = FixtureServer::start([
        ("/", Route::html(SIMULATOR_HTML)),
        ("/simulator.js", Route::js(SIMULATOR_JS)),
    ])?;
    let url = server.url("/");
    let has_display =
        std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some();
    if has_display && !args.iter().any(|a| a == "--headless") {
        eprintln!("==> simulator at {url}");
        return interactive(browsers[0], &url);
    }
    for kind in browsers {
        headless(kind, &url)?;
    }
    Ok(())
}

/// Opens a real browser window with the extension, on the simulator, until it is closed.
fn interactive(kind: BrowserKind, url: &str) -> Result<(), String> {
    let dir = dist_dir(kind)?;
    let profile =
        std::env::temp_dir().join(format!("fvi-run-{}-{}", kind.name(), std::process::id()));
    eprintln!(
        "==> opening {} with the extension; close the window to stop",
        kind.name()
    );
    match kind {
        BrowserKind::Chromium => run(Command::new("chromium")
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(format!("--load-extension={}", dir.display()))
            .arg(format!("--disable-extensions-except={}", dir.display()))
            .args([
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ])
            .arg(url)),
        // A temporary add-on needs a WebDriver or web-ext; web-ext is what people use.
        BrowserKind::Firefox => run(Command::new(setup::web_ext_bin())
            .args(["run", "--firefox", "/usr/bin/firefox-esr", "--source-dir"])
            .arg(&dir)
            .args(["--start-url", url])),
    }
}

/// Plays the scripted session headless and prints what the extension captured.
fn headless(kind: BrowserKind, url: &str) -> Result<(), String> {
    let timer = step(&format!(
        "run: scripted session in headless {}",
        kind.name()
    ));
    let browser = Browser::launch(kind, &dist_dir(kind)?)?;
    // Two tabs of the customer's app, so callRequested fans out as it does in real life.
    browser.navigate(url)?;
    let first = browser.window_handle()?;
    browser.open_tab(url)?;
    browser.switch_to_window(&first)?;
    wait_until(
        Duration::from_secs(10),
        "the simulator tabs to see each other",
        || {
            let peers =
                browser.execute("return document.getElementById('peers').textContent", &[])?;
            Ok((peers.as_str() == Some("2")).then_some(()))
        },
    )?;
    browser.click(&browser.find("#play")?)?;
    let call_id = wait_until(
        Duration::from_secs(20),
        "the scripted session to finish",
        || {
            let played = browser.execute("return document.body.dataset.played || null", &[])?;
            Ok(played.as_str().map(str::to_string))
        },
    )?;

    browser.open_extension_page("popup/popup.html")?;
    // 6 events: request, taken, callRequested in 2 tabs, accepted, ended.
    wait_until(Duration::from_secs(20), "6 events in the log", || {
        let n = browser.execute_async(
            "const done = arguments[arguments.length - 1];\
             (globalThis.browser || globalThis.chrome).storage.local.get('meta').then((m) =>\
               done(((m.meta && m.meta.chunks) || []).reduce((a, c) => a + c.count, 0)));",
            &[],
        )?;
        Ok((n.as_u64() >= Some(6)).then_some(()))
    })?;
    std::thread::sleep(Duration::from_millis(300));
    browser.click(&browser.find("#export")?)?;
    let downloaded = browser.wait_for_download_ending(".json", Duration::from_secs(20))?;
    let kept = keep_export(kind, &downloaded)?;
    done(timer);
    print_timeline(kind, &call_id, &kept)
}

/// Copies the export out of the browser's temporary download folder into dist/run/.
fn keep_export(kind: BrowserKind, downloaded: &Path) -> Result<PathBuf, String> {
    let dir = pack::dist().join("run");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let target = dir.join(format!("fullview-events-{}.json", kind.name()));
    std::fs::copy(downloaded, &target).map_err(|e| e.to_string())?;
    Ok(target)
}

fn print_timeline(kind: BrowserKind, call_id: &str, export_path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(export_path).map_err(|e| e.to_string())?;
    let file = fvi_core::export::parse(&text).map_err(|e| e.to_string())?;
    let timeline = fvi_core::timeline::build(
        &file.events,
        &file.tab_notes,
        f64::MAX,
        &fvi_core::lifecycle::Thresholds::default(),
    );
    println!();
    println!(
        "Captured in {} ({} events; scripted call {call_id}):",
        kind.name(),
        file.events.len()
    );
    for line in fvi_core::timeline::dump(&timeline, &file.events, &file.tab_notes).lines() {
        println!("  {line}");
    }
    println!("Exported JSON: {}", export_path.display());
    println!();
    Ok(())
}
