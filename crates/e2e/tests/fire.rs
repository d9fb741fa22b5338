//! Firing events from the inspector (issue 13), in real Chromium and Firefox: the Fire box
//! of the panel page (`?host=devtools&tab=<id>`) dispatches in the page's own world, so the
//! page's listeners get an object `detail`; the capture is stored and marked as fired by
//! the inspector, and a page-dispatched copy with the same callId is not; all frames, one
//! frame, the refusals, the mark on the timeline, copy as code (the call's snippet, run in
//! the page, dispatches the same events), and a preset whose `callRequested` goes to
//! every tab of the site, run by the background.

mod common;

use std::time::Duration;

use common::{
    allow_clipboard_read, clipboard, clipboard_options, js, run, send_from_extension_page,
    tab_id_of, wait_eq, wait_for_log,
};
use fvi_e2e::{wait_until, Browser, BrowserKind, FixtureServer, Route};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(30);

/// Records what the page's own listeners received, for every one of the eight events.
const LISTEN_JS: &str = "window.seen = [];\
    for (const t of ['callRequested','callAccepted','callDenied','callEnded','supportRequested',\
      'supportRequestCancelledByCustomer','supportRequestCancelledByAgent','supportRequestTaken']) {\
      window.addEventListener('fullview:' + t, (e) => window.seen.push({\
        type: e.type,\
        object: e.detail !== null && typeof e.detail === 'object' && !Array.isArray(e.detail),\
        callId: e.detail && e.detail.callId,\
        nested: e.detail && e.detail.nested ? e.detail.nested.x : null,\
      }));\
    }";

fn app_page(title: &str, body: &str) -> Route {
    Route::html(common::page(
        title,
        &format!("<script>{LISTEN_JS}</script>{body}"),
    ))
}

/// The inspector page's `#status` text.
fn status(browser: &Browser) -> Value {
    run(
        browser,
        "return document.getElementById('status').textContent;",
    )
}

fn seen(browser: &Browser) -> Value {
    run(browser, "return window.seen;")
}

/// The Fire box's answer once it has one.
fn fire_status(browser: &Browser) -> (String, String) {
    let v = wait_until(WAIT, "the Fire box's answer", || {
        let v = run(
            browser,
            "const s = document.getElementById('fire-status');\
             return s.dataset.result ? [s.dataset.result, s.textContent] : null;",
        );
        Ok((!v.is_null()).then_some(v))
    })
    .unwrap();
    (
        v[0].as_str().unwrap().to_string(),
        v[1].as_str().unwrap().to_string(),
    )
}

fn fire_request(tab: i64, target: Value, kind: &str, detail: Value) -> Value {
    json!({"kind": "fire", "v": 1, "tabId": tab, "target": target, "type": kind, "detail": detail})
}

fn events_of(events: &[Value], call: &str) -> Vec<Value> {
    events
        .iter()
        .filter(|e| e["callId"] == call)
        .cloned()
        .collect()
}

fn fire_from_the_panel(kind: BrowserKind) {
    let browser = common::launch_with(kind, clipboard_options(kind));
    let b = &browser;
    let server = FixtureServer::start([
        (
            "/app",
            app_page("App", "<iframe id=\"f\" src=\"/frame\"></iframe>"),
        ),
        ("/frame", app_page("Frame", "")),
    ])
    .unwrap();
    let app = b.open_tab(&server.url("/app")).unwrap();
    // Both frames run their listeners (and the sentinel) before anything is fired.
    wait_eq(b, "the frame's listeners", json!(true), |b| {
        run(
            b,
            "const f = document.getElementById('f');\
             return !!(f && f.contentWindow && f.contentWindow.seen);",
        )
    });
    let tab = tab_id_of(b, &server.url("/app"));

    // 1. The Fire box of the panel page: callAccepted into the top frame, with a nested
    //    detail; the page's listener gets an object.
    let panel = b
        .open_extension_page(&format!("popup/popup.html?host=devtools&tab={tab}"))
        .unwrap();
    // The page is up once its wasm has filled the box's choices.
    wait_eq(b, "the Fire box's choices", json!(14), |b| {
        run(
            b,
            "return document.querySelectorAll('#fire-kind option').length;",
        )
    });
    js(
        b,
        "document.getElementById('fire-box').open = true;\
         document.getElementById('fire-kind').value = 'event:fullview:callAccepted';\
         document.getElementById('fire-detail').value = arguments[0];\
         document.getElementById('fire-target').value = 'top';\
         document.getElementById('fire-button').click();",
        &[json!("{\"callId\": \"fire-1\", \"nested\": {\"x\": 42}}")],
    );
    let (result, text) = fire_status(b);
    assert_eq!(
        (result.as_str(), text.as_str()),
        ("fired", "Fired callAccepted (callId fire-1) in 1 frame."),
    );
    b.switch_to_window(&app).unwrap();
    assert_eq!(
        seen(b),
        json!([{"type": "fullview:callAccepted", "object": true, "callId": "fire-1", "nested": 42}])
    );
    assert_eq!(
        run(b, "return document.getElementById('f').contentWindow.seen;"),
        json!([]),
        "the top frame only"
    );

    // 2. The page dispatches the same event with the same callId itself: not marked.
    run(b, "fire('callAccepted', { callId: 'fire-1' });");
    let (_, events) = wait_for_log(b, WAIT, "both callAccepted of fire-1", |_, events| {
        events_of(events, "fire-1").len() == 2
    });
    let fire_1 = events_of(&events, "fire-1");
    assert_eq!(fire_1[0]["frameId"], 0);
    assert!(
        fire_1[0]["firedByInspector"]["nonce"]
            .as_str()
            .is_some_and(|n| n.starts_with("fire-")),
        "the inspector's event is marked: {}",
        fire_1[0]
    );
    assert_eq!(
        fire_1[0]["detail"],
        json!({"callId": "fire-1", "nested": {"x": 42}})
    );
    assert!(
        fire_1[1].get("firedByInspector").is_none(),
        "the page's own event is not marked: {}",
        fire_1[1]
    );

    // 3. All frames: one request, both frames, each capture marked with its nonce.
    let answer = send_from_extension_page(
        b,
        &fire_request(
            tab,
            json!({"to": "allFrames"}),
            "fullview:callEnded",
            json!({"callId": "fire-2"}),
        ),
    );
    assert_eq!(answer["kind"], "fired", "{answer}");
    assert_eq!(answer["frames"], 2, "{answer}");
    let nonce = answer["nonce"].clone();
    let (_, events) = wait_for_log(b, WAIT, "fire-2 in both frames", |_, events| {
        events_of(events, "fire-2").len() == 2
    });
    let fire_2 = events_of(&events, "fire-2");
    let frames: Vec<i64> = fire_2
        .iter()
        .map(|e| e["frameId"].as_i64().unwrap())
        .collect();
    assert!(
        frames.contains(&0) && frames.iter().any(|f| *f != 0),
        "{frames:?}"
    );
    for e in &fire_2 {
        assert_eq!(e["firedByInspector"]["nonce"], nonce, "{e}");
    }

    // 4. One frame by id, a generated callId; the frame's own listener gets it.
    let frame_id = *frames.iter().find(|f| **f != 0).unwrap();
    let answer = send_from_extension_page(
        b,
        &fire_request(
            tab,
            json!({"to": "frame", "frameId": frame_id}),
            "fullview:callDenied",
            json!({"reason": "test"}),
        ),
    );
    assert_eq!(answer["kind"], "fired", "{answer}");
    assert_eq!(answer["frames"], 1, "{answer}");
    let generated = answer["callId"].as_str().unwrap().to_string();
    assert!(generated.starts_with("fvi-"), "{answer}");
    let (_, events) = wait_for_log(b, WAIT, "the generated call", |_, events| {
        events_of(events, &generated).len() == 1
    });
    let denied = &events_of(&events, &generated)[0];
    assert_eq!(denied["frameId"], frame_id);
    assert_eq!(
        denied["detail"],
        json!({"reason": "test", "callId": generated})
    );
    assert!(denied["firedByInspector"].is_object(), "{denied}");

    // 5. Refusals, each saying whether to retry; nothing is dispatched.
    let refusals = [
        (
            fire_request(
                tab,
                json!({"to": "top"}),
                "fullview:callaccepted",
                json!({}),
            ),
            "\"fullview:callaccepted\" is not one of the eight fullview:* events",
        ),
        (
            fire_request(
                tab,
                json!({"to": "top"}),
                "fullview:callEnded",
                json!("fire-3"),
            ),
            "the detail must be a JSON object, not a string",
        ),
        (
            fire_request(
                99_999_999,
                json!({"to": "top"}),
                "fullview:callEnded",
                json!({}),
            ),
            "could not fire into the page",
        ),
    ];
    for (request, reason) in refusals {
        let answer = send_from_extension_page(b, &request);
        assert_eq!(answer["kind"], "refused", "{answer}");
        assert_eq!(answer["retry"], false, "{answer}");
        assert!(
            answer["reason"].as_str().unwrap().starts_with(reason),
            "{answer}"
        );
    }

    // 6. The panel shows the mark on the inspector's steps only.
    b.switch_to_window(&panel).unwrap();
    wait_eq(b, "call fire-1 listed", json!(true), |b| {
        run(
            b,
            "return !!document.querySelector('#calls .call[data-call-id=\"fire-1\"]');",
        )
    });
    run(
        b,
        "document.querySelector('#calls .call[data-call-id=\"fire-1\"]').click();",
    );
    wait_eq(
        b,
        "the marks on fire-1's steps",
        json!([true, false]),
        |b| {
            run(
                b,
                "return [...document.querySelectorAll('#timeline li.step[data-seq]')]\
               .map((s) => !!s.querySelector(':scope > .fire-line .fired-mark'));",
            )
        },
    );

    // The page's listener saw each fire once more, in its frame.
    b.switch_to_window(&app).unwrap();
    let top: Vec<String> = seen(b)
        .as_array()
        .unwrap()
        .iter()
        .map(|s| format!("{} {}", s["type"].as_str().unwrap(), s["object"]))
        .collect();
    assert_eq!(
        top,
        [
            "fullview:callAccepted true",
            "fullview:callAccepted true",
            "fullview:callEnded true"
        ]
    );
    let framed = run(b, "return document.getElementById('f').contentWindow.seen;");
    assert_eq!(framed.as_array().unwrap().len(), 2, "{framed}");

    // 7. Copy as code: the call, and one step; the snippet, run in the page, dispatches
    //    the same events, which are captured and, being the page's, not marked.
    b.switch_to_window(&panel).unwrap();
    allow_clipboard_read(b, kind);
    if kind == BrowserKind::Chromium {
        // Several tabs are open: the clipboard wants its document focused.
        b.cdp(
            "Emulation.setFocusEmulationEnabled",
            json!({"enabled": true}),
        )
        .unwrap();
    }
    run(b, "document.getElementById('copy-call-code-seq').click();");
    wait_eq(
        b,
        "the call copied",
        json!("Copied call fire-1 as code."),
        status,
    );
    let first = "window.dispatchEvent(new CustomEvent(\"fullview:callAccepted\", \
                 { detail: {\"callId\":\"fire-1\",\"nested\":{\"x\":42}} }));";
    let second = "window.dispatchEvent(new CustomEvent(\"fullview:callAccepted\", \
                  { detail: {\"callId\":\"fire-1\"} }));";
    let snippet = clipboard(b);
    assert_eq!(
        snippet,
        format!("// 2 Fullview events, one after another\n{first}\n{second}\n")
    );
    run(
        b,
        "document.querySelector('#timeline li.step[data-seq] button.copy-code').click();",
    );
    let seq = fire_1[0]["seq"].as_u64().unwrap();
    wait_eq(
        b,
        "the step copied",
        json!(format!("Copied event #{seq} as code.")),
        status,
    );
    assert_eq!(clipboard(b), first);
    b.switch_to_window(&app).unwrap();
    js(b, &snippet, &[]);
    let (_, events) = wait_for_log(b, WAIT, "the snippet's two events", |_, events| {
        events_of(events, "fire-1").len() == 4
    });
    let replayed = &events_of(&events, "fire-1")[2..];
    assert_eq!(replayed[0]["detail"], fire_1[0]["detail"]);
    assert!(
        replayed.iter().all(|e| e.get("firedByInspector").is_none()),
        "{replayed:?}"
    );

    // 8. A preset from the Fire box: its callRequested goes to every open tab of the site
    //    (not to another origin's), then callDenied 3 s later to the chosen tab; all marked.
    server.route("/other", app_page("Other page of the site", ""));
    let same_site = b.open_tab(&server.url("/other")).unwrap();
    let other_site = b.open_tab(&server.localhost_url("/other")).unwrap();
    b.switch_to_window(&panel).unwrap();
    js(
        b,
        "document.getElementById('fire-kind').value = 'preset:outbound-denied';\
         document.getElementById('fire-detail').value = arguments[0];\
         document.getElementById('fire-target').value = 'top';\
         document.getElementById('fire-button').click();",
        &[json!("{\"callId\": \"preset-1\"}")],
    );
    let (_, events) = wait_for_log(b, WAIT, "the preset's three events", |_, events| {
        events_of(events, "preset-1").len() >= 3
    });
    let preset: Vec<(String, i64, bool)> = events_of(&events, "preset-1")
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap().to_string(),
                e["tabId"].as_i64().unwrap(),
                e["firedByInspector"].is_object(),
            )
        })
        .collect();
    let same_site_id = tab_id_of(b, &server.url("/other"));
    let mut requested: Vec<i64> = preset
        .iter()
        .filter(|p| p.0 == "fullview:callRequested")
        .map(|p| p.1)
        .collect();
    requested.sort_unstable();
    let mut want = vec![tab, same_site_id];
    want.sort_unstable();
    assert_eq!(requested, want, "{preset:?}");
    assert_eq!(
        preset.last().unwrap(),
        &("fullview:callDenied".to_string(), tab, true),
        "{preset:?}"
    );
    assert!(preset.iter().all(|p| p.2), "all marked: {preset:?}");
    // The preset is a run the background owns; the box shows its progress.
    wait_eq(
        b,
        "the preset's run, done",
        json!([
            "Preset started (original pace, callId preset-1).",
            "Preset: Outbound: denied: 2 of 2 fired, done.",
            "done"
        ]),
        |b| {
            run(
                b,
                "const r = document.getElementById('fire-run-status');                 return [document.getElementById('fire-status').textContent, r.textContent,                   r.dataset.state];",
            )
        },
    );
    for (handle, want) in [(&same_site, 1), (&other_site, 0)] {
        b.switch_to_window(handle).unwrap();
        assert_eq!(seen(b).as_array().unwrap().len(), want, "{handle}");
    }
}

#[test]
fn fire_from_the_panel_in_chromium() {
    fire_from_the_panel(BrowserKind::Chromium);
}

#[test]
fn fire_from_the_panel_in_firefox() {
    fire_from_the_panel(BrowserKind::Firefox);
}
