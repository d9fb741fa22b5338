//! Replaying a recorded or imported call into the fixture app (issue 13, item 2), in
//! Chromium and Firefox: an imported call replayed from its timeline (the panel page,
//! `?host=devtools&tab=<id>`) drives the app's own handlers in its original order and pace
//! (the app's state machine, its listeners in order, the throwing one reaching `onerror`),
//! and each event is captured and marked as the inspector's; step by step fires one event
//! per Next, and Stop ends a run; a run goes on after the page that started it closed and
//! the background was stopped (the run is in storage, and an alarm starts the worker), and a
//! view opened later (the side panel) shows how it ended.

use std::path::Path;
use std::time::Duration;

use fvi_e2e::{temp_dir, wait_until, Browser, BrowserKind};
use serde_json::{json, Value};

use super::app;
use crate::common::{self, js, run, send_keys, tab_id_of, wait_eq, wait_for_log};

const WAIT: Duration = Duration::from_secs(30);

/// Added to the app after it loaded: when each event reached the page (`performance.now()`),
/// to check the pace; the app's own listeners record what they did.
const TIMES_JS: &str = "window.seenAt = [];\
    for (const t of ['callRequested','callAccepted','callDenied','callEnded']) {\
      window.addEventListener('fullview:' + t, () => window.seenAt.push(performance.now()));\
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
/// requested, then denied 8 s later.
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
            record(5, "callDenied", "imp-2", T0 + 68_000.0, c("imp-2")),
        ],
        "calls": [],
        "inbound": [],
        "tabNotes": [],
        "stats": { "evictedCalls": 0, "evictedEvents": 0, "malformedMessages": 0, "unknownEventTypes": 0 },
    })
}

/// The app's log as `"<type> <callId> <state>"`.
fn handled(b: &Browser) -> Vec<String> {
    app::log(b)
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {} {}",
                e["type"].as_str().unwrap(),
                e["callId"].as_str().unwrap_or("-"),
                e["state"].as_str().unwrap()
            )
        })
        .collect()
}

fn wait_handled(b: &Browser, what: &str, n: usize) -> Vec<String> {
    wait_until(WAIT, what, || {
        let h = handled(b);
        Ok((h.len() >= n).then_some(h))
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
    let server = app::server();
    let url = server.url(app::PATH);
    let app_tab = b.open_tab(&url).unwrap();
    app::wait_ready(b);
    run(b, TIMES_JS);
    let tab = tab_id_of(b, &url);
    let dir = temp_dir("replay").unwrap();
    let file = dir.path().join("export.json");
    std::fs::write(&file, export_file().to_string()).unwrap();

    // 1. At its original pace: the app's handlers run on the call's events in order, with
    //    the recorded detail, about 1.5 s apart; each is captured and marked.
    let panel = open_imported_call(b, tab, &file, "imp-1");
    replay(b, "original");
    let text = wait_replay(b, "done");
    assert_eq!(text, "Replay of call imp-1: 3 of 3 fired, done.");
    b.switch_to_window(&app_tab).unwrap();
    assert_eq!(
        handled(b),
        [
            "callRequested imp-1 ringing",
            "callAccepted imp-1 in-call",
            "callEnded imp-1 ended"
        ]
    );
    assert_eq!(
        app::trace(b),
        json!([
            "machine:callRequested",
            "ringtone:callRequested",
            "machine:callAccepted",
            "analytics:callAccepted",
            "machine:callEnded",
            "analytics:callEnded"
        ])
    );
    let errors = app::errors(b);
    assert_eq!(errors.as_array().unwrap().len(), 1, "{errors}");
    assert_eq!(errors[0]["line"], app::throw_line(), "{errors}");
    let at = run(b, "return window.seenAt;");
    let at: Vec<f64> = at
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_f64().unwrap())
        .collect();
    for pair in at.windows(2) {
        let gap = pair[1] - pair[0];
        assert!((1_300.0..6_000.0).contains(&gap), "gap {gap} ms: {at:?}");
    }
    let (_, events) = wait_for_log(b, WAIT, "the replayed call captured", |_, events| {
        events.iter().filter(|e| e["callId"] == "imp-1").count() == 3
    });
    let captured: Vec<(String, i64, bool, Value)> = events
        .iter()
        .filter(|e| e["callId"] == "imp-1")
        .map(|e| {
            (
                e["type"].as_str().unwrap()[9..].to_string(),
                e["tabId"].as_i64().unwrap(),
                e["firedByInspector"]["nonce"].is_string(),
                e["detail"].clone(),
            )
        })
        .collect();
    let plain = json!({ "callId": "imp-1" });
    assert_eq!(
        captured,
        [
            ("callRequested".to_string(), tab, true, plain.clone()),
            (
                "callAccepted".to_string(),
                tab,
                true,
                json!({ "callId": "imp-1", "agent": { "name": "Ann" } })
            ),
            ("callEnded".to_string(), tab, true, plain),
        ]
    );

    // 2. Step by step: nothing fires until Next; Next fires one; Stop ends the run.
    b.switch_to_window(&panel).unwrap();
    replay(b, "step");
    let text = wait_replay(b, "step");
    assert_eq!(
        text,
        "Replay of call imp-1: 0 of 3 fired, next callRequested: press Next."
    );
    std::thread::sleep(Duration::from_millis(500));
    b.switch_to_window(&app_tab).unwrap();
    assert_eq!(handled(b).len(), 3, "nothing fired before Next");
    b.switch_to_window(&panel).unwrap();
    run(b, "document.getElementById('replay-next').click();");
    b.switch_to_window(&app_tab).unwrap();
    assert_eq!(
        wait_handled(b, "the step fired", 4)[3..],
        ["callRequested imp-1 ringing"]
    );
    b.switch_to_window(&panel).unwrap();
    wait_eq(
        b,
        "one step shown",
        json!("Replay of call imp-1: 1 of 3 fired, next callAccepted: press Next."),
        |b| {
            run(
                b,
                "return document.getElementById('replay-status').textContent;",
            )
        },
    );
    run(b, "document.getElementById('replay-stop').click();");
    let text = wait_replay(b, "stopped");
    assert_eq!(text, "Replay of call imp-1: 1 of 3 fired, stopped.");
    assert_eq!(
        run(b, "return document.getElementById('replay-next').disabled;"),
        json!(true)
    );

    // 3. A run outlives its page and the worker: imp-2's denial is due 8 s after its
    //    request; the panel closes and the background (with its timer) is stopped in
    //    between.
    select_call(b, "imp-2");
    replay(b, "original");
    b.switch_to_window(&app_tab).unwrap();
    wait_handled(b, "imp-2's request", 5);
    b.switch_to_window(&panel).unwrap();
    b.webdriver().close_window().unwrap();
    b.switch_to_window(&app_tab).unwrap();
    assert!(b.stop_background().unwrap(), "the background was running");
    assert_eq!(handled(b).len(), 5, "imp-2's denial is not due yet");
    let h = wait_until(
        Duration::from_secs(90),
        "imp-2's denial after the worker stopped",
        || {
            let h = handled(b);
            Ok((h.len() >= 6).then_some(h))
        },
    )
    .unwrap();
    assert_eq!(
        h[4..],
        ["callRequested imp-2 ringing", "callDenied imp-2 denied"],
        "{h:?}"
    );

    // 4. A view opened later shows the tab's run, from storage: the side panel's Fire box.
    b.open_extension_page(&format!("popup/popup.html?host=side&tab={tab}"))
        .unwrap();
    wait_eq(
        b,
        "the side panel's run line",
        json!(["Replay of call imp-2: 2 of 2 fired, done.", "done", false]),
        |b| {
            run(
                b,
                "const s = document.getElementById('fire-run-status');\
                 return s ? [s.textContent, s.dataset.state || '',\
                   document.getElementById('fire-run').hidden] : null;",
            )
        },
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
