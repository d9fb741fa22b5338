//! Self-test of the end-to-end rig, in real headless Chromium and Firefox ESR, with a
//! throwaway MV3 extension (the real one may not be built yet): content script on a
//! fixture page and in a cross-site iframe, an extension page, a Blob download, a
//! screenshot, and stopping the background. Nothing is skipped: a browser that cannot
//! start fails its test.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use fvi_e2e::{
    temp_dir, wait_until, Browser, BrowserKind, FixtureServer, LaunchOptions, Route, TempDir,
    CHROMIUM_EXTENSION_ID, FIREFOX_EXTENSION_UUID,
};
use serde_json::{json, Value};

/// The public key from the project's manifest.json: it fixes the Chromium id at
/// `olbjfehhgbmckklpmlopphdbjbdbkgai`.
const CHROME_KEY: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAuLBkIB7uRpyE1TL3gaJ63k7ACOdfW7oFohdo7xsonr3xRlnCscuVkXTBtcOocUajvgN99m/rsx57LGXC4L31XNLDv8TQPmb67b2sntM/j4ADc0QyGGJVNBGIXU0FD+bCHNF7ux9m4CkZhJwYHyiMwUHzJdHArpWgu1Sa1qXVt8BhDaq1q+36f4MceJrqzHQmGGTUjRFBgBOFYB2judOxT4OxF9p+C6OVJ/K2x8+4Trh7twuqIsaP+F5/onrOJ94Uu6T4XUI0U5iWv0hVO7MMfw0IEjV3MnWKmQ+tXvu2n+pDm/mTe1hAoRYuBIzz8i6E0JN2gCfPOY3a7W1ns/vDqwIDAQAB";

/// One manifest for both browsers: Chromium 156 runs `background.service_worker`, Firefox
/// 153 runs `background.scripts`; each only warns about the other key.
fn manifest() -> Value {
    json!({
        "manifest_version": 3,
        "name": "fvi e2e harness",
        "version": "1.0",
        "key": CHROME_KEY,
        "background": { "service_worker": "bg.js", "scripts": ["bg.js"] },
        "content_scripts": [{
            "matches": ["<all_urls>"],
            "js": ["cs.js"],
            // The fixture fires its event on load; document_idle may inject after that.
            "run_at": "document_start",
            "all_frames": true
        }],
        "host_permissions": ["<all_urls>"],
        "browser_specific_settings": { "gecko": { "id": "fullview-event-inspector@example.com" } }
    })
}

const BACKGROUND: &str = r#"
chrome.runtime.onInstalled.addListener(() => console.log('fvi harness installed'));
chrome.runtime.onMessage.addListener((message, _sender, reply) => {
  if (message === 'ping') reply({ pong: true });
});
"#;

const CONTENT: &str = r#"
window.addEventListener('fullview:callAccepted', (e) => {
  const d = document.createElement('div');
  d.className = 'fvi-harness-seen';
  d.textContent = 'accepted ' + (e.detail && e.detail.callId);
  (document.body || document.documentElement).appendChild(d);
});
"#;

const PAGE_HTML: &str = r#"<!doctype html>
<meta charset="utf-8"><title>harness page</title>
<a id="dl" download="x.json">download</a>
<button id="export">Export JSON</button>
<script src="page.js"></script>
"#;

/// Extension pages allow no inline script (MV3 CSP), hence a file.
const PAGE_JS: &str = r#"
const blob = new Blob([JSON.stringify({ harness: 'fvi', calls: ['x'] })], { type: 'application/json' });
const a = document.getElementById('dl');
a.href = URL.createObjectURL(blob);
document.getElementById('export').addEventListener('click', () => a.click());
"#;

fn fires(call_id: &str) -> String {
    format!(
        "<script>window.addEventListener('load', () => window.dispatchEvent(         new CustomEvent('fullview:callAccepted', {{ detail: {{ callId: '{call_id}' }} }})));</script>"
    )
}

fn write_extension() -> TempDir {
    let dir = temp_dir("harness-extension").unwrap();
    let files = [
        ("manifest.json", manifest().to_string()),
        ("bg.js", BACKGROUND.to_string()),
        ("cs.js", CONTENT.to_string()),
        ("page.html", PAGE_HTML.to_string()),
        ("page.js", PAGE_JS.to_string()),
    ];
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// Text of the content script's marker in the current frame, once it is there.
fn seen(browser: &Browser, what: &str) -> String {
    wait_until(Duration::from_secs(10), what, || {
        let v = browser.execute(
            "const d = document.querySelector('.fvi-harness-seen'); return d && d.textContent;",
            &[],
        )?;
        Ok(v.as_str().map(str::to_string))
    })
    .unwrap_or_else(|e| panic!("{e}\n{}", browser.driver_log()))
}

/// Unwraps, or panics with the error and the driver log (the browser's console output).
fn ok<T>(browser: &Browser, result: Result<T, String>) -> T {
    result.unwrap_or_else(|e| panic!("{e}\n--- driver log ---\n{}", browser.driver_log()))
}

fn run(kind: BrowserKind) {
    let started = Instant::now();
    let extension = write_extension();
    // Two servers = two origins; the frame is loaded through `localhost`, a different site,
    // so Chromium puts it in its own process (site isolation ignores ports).
    let other = FixtureServer::start([(
        "/frame.html",
        Route::html(format!("<!doctype html><p>frame</p>{}", fires("frame"))),
    )])
    .unwrap();
    let server = FixtureServer::start([(
        "/page.html",
        Route::html(format!(
            "<!doctype html><title>fixture</title><h1>Fixture</h1><iframe id=\"frame\" src=\"{}\"></iframe>{}",
            other.localhost_url("/frame.html"),
            fires("x")
        )),
    )])
    .unwrap();

    let options = LaunchOptions {
        background_idle_timeout: Some(Duration::from_secs(2)),
        ..LaunchOptions::default()
    };
    let browser = Browser::launch_with(kind, extension.path(), options)
        .unwrap_or_else(|e| panic!("{} failed to launch: {e}", kind.name()));
    let launched = started.elapsed();
    assert_eq!(
        browser.extension_origin(),
        match kind {
            BrowserKind::Chromium => format!("chrome-extension://{CHROMIUM_EXTENSION_ID}"),
            BrowserKind::Firefox => format!("moz-extension://{FIREFOX_EXTENSION_UUID}"),
        }
    );

    // Content script, top frame and cross-site iframe.
    ok(&browser, browser.navigate(&server.url("/page.html")));
    assert_eq!(seen(&browser, "the content script's marker"), "accepted x");
    let frame = ok(&browser, browser.find("#frame"));
    ok(&browser, browser.switch_to_frame(Some(&frame)));
    assert_eq!(seen(&browser, "the marker in the iframe"), "accepted frame");
    ok(&browser, browser.switch_to_frame(None));
    assert!(other.requests().iter().any(|r| r.path == "/frame.html"));

    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("harness-{}.png", kind.name()));
    ok(&browser, browser.screenshot_to(&shot));
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "not a PNG: {}",
        shot.display()
    );

    // Extension page and a download from it.
    ok(&browser, browser.open_extension_page("page.html"));
    assert!(ok(&browser, browser.current_url()).starts_with(&browser.extension_origin()));
    let button = ok(&browser, browser.find("#export"));
    assert_eq!(ok(&browser, browser.text(&button)), "Export JSON");
    ok(&browser, browser.click(&button));
    let file = ok(
        &browser,
        browser.wait_for_download_ending(".json", Duration::from_secs(15)),
    );
    assert_eq!(file.file_name().unwrap(), "x.json");
    let content: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(content, json!({ "harness": "fvi", "calls": ["x"] }));

    // Background lifetime: stopped (as at idle), woken by a message, stopped again.
    let ping = || {
        let reply = ok(
            &browser,
            browser.execute_async(
                "const done = arguments[0];\
                 chrome.runtime.sendMessage('ping').then(done, e => done(String(e)));",
                &[],
            ),
        );
        assert_eq!(reply, json!({ "pong": true }), "background did not answer");
        assert!(ok(&browser, browser.background_running()), "not woken");
    };
    match kind {
        BrowserKind::Chromium => {
            assert!(
                ok(&browser, browser.background_running()),
                "no service worker"
            );
            assert!(ok(&browser, browser.stop_background()), "none stopped");
            assert!(!ok(&browser, browser.background_running()));
            assert!(!ok(&browser, browser.stop_background()), "stopped twice");
            ping();
        }
        BrowserKind::Firefox => {
            // The 2 s idle timeout (LaunchOptions) suspends the event page on its own.
            ok(&browser, browser.wait_background_idle());
            assert!(!ok(&browser, browser.background_running()));
            ping();
            assert!(ok(&browser, browser.stop_background()), "none stopped");
            assert!(!ok(&browser, browser.background_running()));
            assert!(!ok(&browser, browser.stop_background()), "stopped twice");
        }
    }
    eprintln!(
        "harness {}: launch {:.1} s, total {:.1} s",
        kind.name(),
        launched.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn harness_chromium() {
    run(BrowserKind::Chromium);
}

#[test]
fn harness_firefox() {
    run(BrowserKind::Firefox);
}

/// Raw HTTP against the fixture server: GET with extra headers, HEAD without a body,
/// favicon 404, never cached, and the connection closed when the client asks.
#[test]
fn fixture_server_speaks_http() {
    let server =
        FixtureServer::start([("/a.html", Route::html("<p>a</p>").csp("script-src 'self'"))])
            .unwrap();
    let fetch = |request: &str| {
        let mut s = TcpStream::connect(("127.0.0.1", server.port())).unwrap();
        s.write_all(request.as_bytes()).unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    };
    // `read_to_string` ends only when the server closes the connection.
    let get = fetch("GET /a.html?q=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert!(get.starts_with("HTTP/1.1 200 OK\r\n"), "{get}");
    assert!(get.contains("Content-Security-Policy: script-src 'self'\r\n"));
    assert!(get.contains("Cache-Control: no-store\r\n"), "{get}");
    assert!(get.ends_with("\r\n\r\n<p>a</p>"), "{get}");
    let head = fetch("HEAD /a.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert!(
        head.contains("Content-Length: 8\r\n") && head.ends_with("\r\n\r\n"),
        "{head}"
    );
    let favicon = fetch("GET /favicon.ico HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert!(favicon.starts_with("HTTP/1.1 404"), "{favicon}");
    assert_eq!(server.requests().len(), 3);
    assert_eq!(server.requests()[0].path, "/a.html?q=1");
}
