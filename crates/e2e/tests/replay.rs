//! Replay (issue 13 item 2), in real Chromium and Firefox: an imported call replayed from
//! its timeline into a tab reaches the page's own listeners in its original order and
//! pace, each event captured and marked as the inspector's; step by step fires one event
//! per Next, and Stop ends a run; a run goes on after the page that started it closed and
//! the background was stopped (the run is in storage, and an alarm starts the worker).

mod common;

use std::path::Path;
use std::time::Duration;

use common::{js, run, send_keys, tab_id_of, wait_eq, wait_for_log};
use fvi_e2e::{temp_dir, wait_until, Browser, BrowserKind, FixtureServer, Route};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(30);

/// The page's own listeners: each records what it saw and when (`performance.now()`).
const APP_JS: &str = "window.seen = [];\
    for (const t of ['callRequested','callAccepted','callDenied','callEnded','supportRequested',\
      'supportRequestCancelledByCustomer','supportRequestCancelledByAgent','supportRequestTaken']) {\
      window.addEventListener('fullview:' + t, (e) => window.seen.push({\
        type: e.type.slice(9), callId: e.detail && e.detail.callId,\
        agent: e.detail && e.detail.agent ? e.detail.agent.name : null, at: performance.now(),\
      }));\
    }";

const T0: f64 = 1_764_000_000_000.0;

fn record(seq: u64, kind: &str, call: &str, at: f64, detail: Value) -> Value {
    json!({
        "seq": seq, "type": format!("fullview:{kind}"), "callId": call, "tabId": 41,
        "frameId": 0, "url": "https://shop.example/", "topUrl": "https://shop.example/",
        "capturedAt": at, "storedAt": at + 2.0, "detail": detail,
        "origin": { "document": "doc-41", "n": seq },
    })
}

/// An export from another machine: call `imp-1` accepted 1.5 s after its request and
/// ended 1.5 s later (the accept's detail carries more than the callId); call `imp-2`,
/// requested, then ended 8 s later.
fn export_file() -> Value {
    let c = |call: &str| json!({ "callId": call });
    json!({
        "format": "fullview-event-log",
        "version": 3,
        "exportedAt": "2025-11-24T16:05:00.000Z",
        "generator": { "name": "Fullview Event Inspector", "version": "0.1.0", "browser": "firefox" },
        "events": [
            record(1, "callRequested", "imp-1", T0, c("imp-1")),
            record(2, "callAccepted", "imp-1", T0 + 1_500.0,
                json!({ "callId": "imp-1", "agent": { "name": "Ann" } })),
            record(3, "callEnded", "imp-1", T0 + 3_000.0, c("imp-1")),
            record(4, "callRequested", "imp-2", T0 + 60_000.0, c("imp-2")),
            record(5, "callEnded", "imp-2", T0 + 68_000.0, c("imp-2")),
        ],
        "calls": [],
        "inbound": [],
        "tabNotes": [],
        "stats": { "evictedCalls": 0, "evictedEvents": 0, "malformedMessages": 0, "unknownEventTypes": 0 },
    })
}

fn seen(b: &Browser) -> Vec<Value> {
    run(b, "return window.seen;")
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn seen_names(b: &Browser) -> Vec<String> {
    seen(b)
        .iter()
        .map(|s| {
            format!(
                "{} {}",
                s["type"].as_str().unwrap(),
                s["callId"].as_str().unwrap()
            )
        })
        .collect()
}

fn wait_seen(b: &Browser, what: &str, n: usize) -> Vec<Value> {
    wait_until(WAIT, what, || {
        let s = seen(b);
        Ok((s.len() >= n).then_some(s))
    })
    .unwrap()
}

/// Opens the panel page on `tab`, imports the file and selects `call`.
fn open_imported_call(b: &Browser, tab: i64, file: &Path, call: &str) -> String {
    let panel = b
        .open_extension_page(&format!("popup/popup.html?host=devtools&tab={tab}"))
        .unwrap();
    wait_eq(b, "the page up", json!(true), |b| {
        run(
            b,
            "return document.querySelectorAll('#fire-kind option').length > 0;",
        )
    });
    let input = b.find("#import").unwrap();
    send_keys(b, &input, &file.to_string_lossy());
    // The file's calls are another machine's tab's: show every tab.
    run(
        b,
        "const s = document.getElementById('filter-tab'); s.value = 'all';\
         s.dispatchEvent(new Event('input', { bubbles: true }));\
         s.dispatchEvent(new Event('change', { bubbles: true }));",
    );
    select_call(b, call);
    panel
}

fn select_call(b: &Browser, call: &str) {
    let row = format!("#calls .call[data-call-id=\"{call}\"]");
    wait_eq(b, "the call listed", json!(true), |b| {
        js(
            b,
            "return !!document.querySelector(arguments[0]);",
            &[json!(row)],
        )
    });
    js(
        b,
        "document.querySelector(arguments[0]).click();",
        &[json!(row)],
    );
    wait_eq(b, "the Replay control", json!(true), |b| {
        run(b, "return !!document.getElementById('replay-start');")
    });
}

/// `#replay-status`'s state and text once its state is `state`.
fn wait_replay(b: &Browser, state: &str) -> String {
    let v = wait_until(WAIT, &format!("the run {state}"), || {
        let v = run(
            b,
            "const s = document.getElementById('replay-status');\
             return s ? [s.dataset.state || '', s.textContent] : null;",
        );
        Ok((v[0] == state).then_some(v))
    })
    .unwrap();
    v[1].as_str().unwrap().to_string()
}

fn replay(b: &Browser, speed: &str) {
    js(
        b,
        "document.getElementById('replay-speed').value = arguments[0];\
         document.getElementById('replay-start').click();",
        &[json!(speed)],
    );
}

fn replay_imported_call(kind: BrowserKind) {
    let browser = common::launch(kind);
    let b = &browser;
    let server = FixtureServer::start([(
        "/app",
        Route::html(common::page("App", &format!("<script>{APP_JS}</script>"))),
    )])
    .unwrap();
    let app = b.open_tab(&server.url("/app")).unwrap();
    let tab = tab_id_of(b, &server.url("/app"));
    let dir = temp_dir("replay").unwrap();
    let file = dir.path().join("export.json");
    std::fs::write(&file, export_file().to_string()).unwrap();

    // 1. At its original pace: the page's listeners see the call's events in order, with
    //    the recorded detail, about 1.5 s apart; each is captured and marked.
    let panel = open_imported_call(b, tab, &file, "imp-1");
    replay(b, "original");
    let text = wait_replay(b, "done");
    assert_eq!(text, "Replay of call imp-1: 3 of 3 fired, done.");
    b.switch_to_window(&app).unwrap();
    let s = seen(b);
    assert_eq!(
        seen_names(b),
        [
            "callRequested imp-1",
            "callAccepted imp-1",
            "callEnded imp-1"
        ]
    );
    assert_eq!(s[1]["agent"], "Ann", "the recorded detail: {s:?}");
    for pair in s.windows(2) {
        let gap = pair[1]["at"].as_f64().unwrap() - pair[0]["at"].as_f64().unwrap();
        assert!((1_300.0..6_000.0).contains(&gap), "gap {gap} ms: {s:?}");
    }
    let (_, events) = wait_for_log(b, WAIT, "the replayed call captured", |_, events| {
        events.iter().filter(|e| e["callId"] == "imp-1").count() == 3
    });
    let captured: Vec<(String, i64, bool)> = events
        .iter()
        .filter(|e| e["callId"] == "imp-1")
        .map(|e| {
            (
                e["type"].as_str().unwrap()[9..].to_string(),
                e["tabId"].as_i64().unwrap(),
                e["firedByInspector"]["nonce"].is_string(),
            )
        })
        .collect();
    assert_eq!(
        captured,
        [
            ("callRequested".to_string(), tab, true),
            ("callAccepted".to_string(), tab, true),
            ("callEnded".to_string(), tab, true),
        ]
    );

    // 2. Step by step: nothing fires until Next; each Next fires one; Stop ends the run.
    b.switch_to_window(&panel).unwrap();
    replay(b, "step");
    let text = wait_replay(b, "step");
    assert_eq!(
        text,
        "Replay of call imp-1: 0 of 3 fired, next callRequested: press Next."
    );
    std::thread::sleep(Duration::from_millis(500));
    b.switch_to_window(&app).unwrap();
    assert_eq!(seen(b).len(), 3, "nothing fired before Next");
    for n in 1..=2 {
        b.switch_to_window(&panel).unwrap();
        run(b, "document.getElementById('replay-next').click();");
        b.switch_to_window(&app).unwrap();
        wait_seen(b, "the step fired", 3 + n);
    }
    assert_eq!(
        seen_names(b)[3..],
        ["callRequested imp-1", "callAccepted imp-1"]
    );
    b.switch_to_window(&panel).unwrap();
    wait_eq(
        b,
        "two steps shown",
        json!("Replay of call imp-1: 2 of 3 fired, next callEnded: press Next."),
        |b| {
            run(
                b,
                "return document.getElementById('replay-status').textContent;",
            )
        },
    );
    run(b, "document.getElementById('replay-stop').click();");
    let text = wait_replay(b, "stopped");
    assert_eq!(text, "Replay of call imp-1: 2 of 3 fired, stopped.");
    assert_eq!(
        run(b, "return document.getElementById('replay-next').disabled;"),
        json!(true)
    );

    // 3. A run outlives its page and the worker: imp-2's end is due 8 s after its
    //    request; the panel closes and the background (with its timer) is stopped in
    //    between.
    select_call(b, "imp-2");
    replay(b, "original");
    b.switch_to_window(&app).unwrap();
    wait_seen(b, "imp-2's request", 6);
    b.switch_to_window(&panel).unwrap();
    b.webdriver().close_window().unwrap();
    b.switch_to_window(&app).unwrap();
    assert!(b.stop_background().unwrap(), "the background was running");
    assert_eq!(seen(b).len(), 6, "imp-2's end is not due yet");
    let s = wait_until(
        Duration::from_secs(90),
        "imp-2's end after the worker stopped",
        || {
            let s = seen(b);
            Ok((s.len() >= 7).then_some(s))
        },
    )
    .unwrap();
    assert_eq!(
        seen_names(b)[5..],
        ["callRequested imp-2", "callEnded imp-2"],
        "{s:?}"
    );
}

#[test]
fn replay_imported_call_in_chromium() {
    replay_imported_call(BrowserKind::Chromium);
}

#[test]
fn replay_imported_call_in_firefox() {
    replay_imported_call(BrowserKind::Firefox);
}
