//! Each of the six lifecycle presets drives the fixture app through its lifecycle, in
//! Chromium and Firefox: all six run at once, each from the Fire box of a panel page
//! (`?host=devtools&tab=<id>`) into an app tab on an origin of its own (a preset's
//! `callRequested` goes to every tab of the site). Then, per preset, the app's state
//! machine saw each event with the preset's callId and reached the lifecycle's end state,
//! its listeners ran in registration order (the throwing one reached `onerror` on each
//! `callAccepted`), and the inspector's log holds exactly the preset's events for that
//! tab, each marked as fired by the inspector.
//!
//! Data-driven: [`CASES`] gives each preset's end states; the event types come from
//! `fvi_core::fire::PRESETS`, so a preset that changes its steps fails here until the
//! states are checked again.

use std::time::Duration;

use fvi_core::fire::{self, Preset};
use fvi_e2e::{Browser, BrowserKind, FixtureServer};
use serde_json::{json, Value};

use super::app;
use crate::common::{self, js, run, tab_id_of, wait_eq, wait_for_log};

/// The longest preset takes 28 s; a loaded machine and two browsers' worth of slack.
const WAIT: Duration = Duration::from_secs(120);

/// Each preset and the app's state after each of its steps (the call state after a
/// `call*` event, the inbound state after a `support*` event).
const CASES: [(&str, &[&str]); 6] = [
    ("outbound-accepted", &["ringing", "in-call", "ended"]),
    ("outbound-denied", &["ringing", "denied"]),
    ("outbound-withdrawn", &["ringing", "withdrawn"]),
    ("inbound-taken", &["requested", "taken", "in-call", "ended"]),
    (
        "inbound-cancelled-by-customer",
        &["requested", "cancelled-by-customer"],
    ),
    (
        "inbound-cancelled-by-agent",
        &["requested", "cancelled-by-agent"],
    ),
];

/// The app's listeners for one event type, in registration order (see `app.js`); `welcome`
/// is registered `once` and runs only on the first `supportRequested`.
fn listeners(kind: &str, first_support_request: bool) -> Vec<&'static str> {
    match kind {
        "callRequested" => vec!["machine", "ringtone"],
        "callAccepted" | "callEnded" => vec!["machine", "analytics"],
        "supportRequested" if first_support_request => vec!["machine", "welcome"],
        _ => vec!["machine"],
    }
}

/// The short event types of a preset's steps, in order.
fn kinds(preset: &Preset) -> Vec<&'static str> {
    preset
        .steps
        .iter()
        .map(|s| s.kind.name().trim_start_matches("fullview:"))
        .collect()
}

/// One preset's run: its own server (origin), app tab and panel page.
struct Run {
    preset: &'static Preset,
    states: &'static [&'static str],
    call_id: String,
    _server: FixtureServer,
    app_tab: String,
    tab_id: i64,
}

fn start(b: &Browser, preset_id: &'static str, states: &'static [&'static str]) -> Run {
    let preset = fire::preset(preset_id).unwrap_or_else(|| panic!("no preset {preset_id}"));
    assert_eq!(
        kinds(preset).len(),
        states.len(),
        "{preset_id}: one state per step"
    );
    let server = app::server();
    let url = server.url(app::PATH);
    let app_tab = b.open_tab(&url).unwrap();
    app::wait_ready(b);
    let tab_id = tab_id_of(b, &url);
    b.open_extension_page(&format!("popup/popup.html?host=devtools&tab={tab_id}"))
        .unwrap();
    wait_eq(b, "the Fire box's choices", json!(true), |b| {
        run(
            b,
            "return !!document.querySelector(\
             '#fire-kind option[value=\"preset:outbound-accepted\"]');",
        )
    });
    let call_id = format!("preset-{preset_id}");
    js(
        b,
        "document.getElementById('fire-box').open = true;\
         document.getElementById('fire-kind').value = 'preset:' + arguments[0];\
         document.getElementById('fire-detail').value = JSON.stringify({ callId: arguments[1] });\
         document.getElementById('fire-target').value = 'top';\
         document.getElementById('fire-button').click();",
        &[json!(preset_id), json!(call_id)],
    );
    Run {
        preset,
        states,
        call_id,
        _server: server,
        app_tab,
        tab_id,
    }
}

/// The `(type, callId, marked)` of the stored events of a tab, in log order.
fn stored(events: &[Value], tab: i64) -> Vec<(String, Option<String>, bool)> {
    events
        .iter()
        .filter(|e| e["tabId"] == tab)
        .map(|e| {
            (
                e["type"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("fullview:")
                    .to_string(),
                e["callId"].as_str().map(str::to_string),
                e["firedByInspector"]["nonce"].is_string(),
            )
        })
        .collect()
}

fn check(b: &Browser, r: &Run, events: &[Value]) {
    let id = r.preset.id;
    let kinds = kinds(r.preset);
    let call_id = |kind: &str| (!kind.starts_with("support")).then(|| r.call_id.clone());

    // The inspector's log: the preset's events, in order, all marked.
    let want: Vec<(String, Option<String>, bool)> = kinds
        .iter()
        .map(|k| (k.to_string(), call_id(k), true))
        .collect();
    assert_eq!(stored(events, r.tab_id), want, "{id}: the inspector's log");

    // The app: what its state machine saw, and where it ended.
    b.switch_to_window(&r.app_tab).unwrap();
    let want: Vec<Value> = kinds
        .iter()
        .zip(r.states)
        .map(|(k, s)| app::entry(k, call_id(k).as_deref(), s))
        .collect();
    assert_eq!(app::log(b), json!(want), "{id}: the app's log");

    // Every listener ran, in registration order, with its own `this`.
    let mut first_support_request = true;
    let mut want = Vec::new();
    for k in &kinds {
        for l in listeners(k, first_support_request) {
            want.push(format!("{l}:{k}"));
        }
        first_support_request &= *k != "supportRequested";
    }
    assert_eq!(app::trace(b), json!(want), "{id}: the app's listeners");

    // The throwing listener reached the page's onerror once per callAccepted, from its line.
    let errors = app::errors(b);
    let thrown = errors.as_array().unwrap();
    let accepted = kinds.iter().filter(|k| **k == "callAccepted").count();
    assert_eq!(thrown.len(), accepted, "{id}: onerror: {errors}");
    for e in thrown {
        assert!(
            e["message"].as_str().unwrap().contains("TypeError"),
            "{id}: {e}"
        );
        assert_eq!(e["line"], app::throw_line(), "{id}: {e}");
    }

    // What the page shows.
    let last = r.states.last().unwrap();
    let shown = run(
        b,
        "return [document.getElementById('call-state').textContent,\
                 document.getElementById('inbound-state').textContent,\
                 document.querySelectorAll('#app-log li').length];",
    );
    let shown_state = if kinds.last().unwrap().starts_with("support") {
        &shown[1]
    } else {
        &shown[0]
    };
    assert_eq!(shown_state, &json!(last), "{id}: shown {shown}");
    assert_eq!(shown[2], kinds.len(), "{id}: shown {shown}");
}

fn presets_drive_the_app(kind: BrowserKind) {
    let browser = common::launch(kind);
    let b = &browser;
    let runs: Vec<Run> = CASES
        .iter()
        .map(|(id, states)| start(b, id, states))
        .collect();
    let (_, events) = wait_for_log(b, WAIT, "every preset's events", |_, events| {
        runs.iter()
            .all(|r| stored(events, r.tab_id).len() >= r.preset.steps.len())
    });
    for r in &runs {
        check(b, r, &events);
    }
}

#[test]
fn presets_drive_the_app_in_chromium() {
    presets_drive_the_app(BrowserKind::Chromium);
}

#[test]
fn presets_drive_the_app_in_firefox() {
    presets_drive_the_app(BrowserKind::Firefox);
}
