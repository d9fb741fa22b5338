//! Capture end to end (issue 3, point 8), in real Chromium and Firefox: every `fullview:*`
//! event any frame of any tab fires is in the stored log, exactly once, tagged with the tab
//! and frame the browser reports, on hostile and locked-down pages, through bursts, tab
//! closes and background stops.
//!
//! Every test reads the log back from `storage.local` (through an extension page) and
//! checks it is complete: the exact number of events, in the order the page fired them,
//! each with its tab, frame, URL and time.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::{
    assert_well_formed, badge_text, notes, of_tab, page, read_log, run, send_from_extension_page,
    tab_id_of, to_extension_page, types, wait_for_log, wait_for_stored, without_prime,
};
use fvi_e2e::{Browser, BrowserKind, FixtureServer, LaunchOptions, Route};
use serde_json::{json, Value};

/// Long enough for a cold wasm start on a loaded 2-core machine; a test that passes takes
/// a fraction of it.
const WAIT: Duration = Duration::from_secs(30);

/// `fire('callAccepted', {...})` on the page, for tests to call through WebDriver.
/// Waits until at least `n` events are stored (polling the cheap count), then returns all
/// of them in seq order.
fn stored(browser: &Browser, n: usize, timeout: Duration) -> Vec<Value> {
    wait_for_stored(browser, n as u64, timeout).1
}

/// `origin.n` of each event.
fn ns(events: &[Value]) -> Vec<u64> {
    events
        .iter()
        .map(|e| e["origin"]["n"].as_u64().unwrap())
        .collect()
}

fn call_ids(events: &[Value]) -> Vec<Value> {
    events.iter().map(|e| e["callId"].clone()).collect()
}

// ---------------------------------------------------------------------------------------
// 1. Fan-out: the same callId from two tabs.

fn fan_out(kind: BrowserKind) {
    let server = FixtureServer::start([("/app.html", Route::html(page("app", "")))]).unwrap();
    let browser = common::launch(kind);
    let (url1, url2) = (server.url("/app.html?tab=1"), server.url("/app.html?tab=2"));
    browser.navigate(&url1).unwrap();
    let first = browser.window_handle().unwrap();
    let second = browser.open_tab(&url2).unwrap();

    // callRequested reaches every tab of the customer's app with the same callId.
    run(&browser, "fire('callRequested', { callId: 'call-fan' })");
    browser.switch_to_window(&first).unwrap();
    run(&browser, "fire('callRequested', { callId: 'call-fan' })");
    browser.switch_to_window(&second).unwrap();
    run(&browser, "fire('callAccepted', { callId: 'call-fan' })");

    let events = stored(&browser, 3, WAIT);
    assert_eq!(events.len(), 3, "{events:#?}");
    assert_well_formed(&events);
    let (tab1, tab2) = (tab_id_of(&browser, &url1), tab_id_of(&browser, &url2));
    assert_ne!(tab1, tab2);
    // The tab ids are the browser's own, matched to the tab each event came from. (Seq
    // is arrival order: across tabs it need not follow dispatch order, since each tab's
    // first event waits for its own engine.)
    let tagged = |tab: i64| -> Vec<(String, String)> {
        of_tab(&events, tab)
            .iter()
            .map(|e| {
                (
                    types(std::slice::from_ref(e))[0].clone(),
                    e["url"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let s = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(tagged(tab1), [s("callRequested", &url1)]);
    assert_eq!(
        tagged(tab2),
        [s("callRequested", &url2), s("callAccepted", &url2)]
    );
    for e in &events {
        assert_eq!(e["callId"], "call-fan", "{e}");
        assert_eq!(e["frameId"], 0, "{e}");
        assert_eq!(e["topUrl"], e["url"], "{e}");
        // The tab's title, as the browser reported it with the message (issue 12).
        assert_eq!(e["topTitle"], "app", "{e}");
        assert_eq!(e["detail"], json!({ "callId": "call-fan" }), "{e}");
    }
    // Two documents: each counts its own events from 1.
    assert_eq!(ns(&of_tab(&events, tab2)), [1, 2]);
    assert_eq!(ns(&of_tab(&events, tab1)), [1]);
}

#[test]
fn fan_out_in_chromium() {
    fan_out(BrowserKind::Chromium);
}

#[test]
fn fan_out_in_firefox() {
    fan_out(BrowserKind::Firefox);
}

// ---------------------------------------------------------------------------------------
// 2. Every kind of frame.

/// The srcdoc frame fires one event from its own inline script while it parses.
const SRCDOC: &str = "<script>window.dispatchEvent(new CustomEvent('fullview:callRequested', \
    { detail: { callId: 'srcdoc-parse' } }));</script><p>srcdoc</p>";

/// Fires, in the frame the script runs in (or `w`, a frame's window), an event the sentinel
/// copies at once (`{ callId }`) and one only the engine can record (`undefined` becomes a
/// marker), so each kind of frame shows both paths: the sentinel's, and the relay and engine
/// injected into that frame.
fn fire_both(id: &str, w: &str) -> String {
    format!(
        "const w = {w}; \
         w.dispatchEvent(new w.CustomEvent('fullview:callAccepted', {{ detail: {{ callId: '{id}' }} }})); \
         w.dispatchEvent(new w.CustomEvent('fullview:callEnded', \
           {{ detail: {{ callId: '{id}-engine', gone: undefined }} }}));"
    )
}

fn iframes(kind: BrowserKind) {
    let server = FixtureServer::start([("/child.html", Route::html(page("child", "")))]).unwrap();
    let same = server.url("/child.html?same");
    let cross = server.localhost_url("/child.html?cross");
    let top_body = format!(
        "<iframe id=\"same\" src=\"{same}\"></iframe>\
         <iframe id=\"cross\" src=\"{cross}\"></iframe>\
         <iframe id=\"srcdoc\" srcdoc=\"{}\"></iframe>\
         <iframe id=\"sandboxed\" sandbox=\"allow-scripts\" srcdoc=\"<p>sandboxed</p>\"></iframe>\
         <iframe id=\"blank\"></iframe>",
        SRCDOC.replace('"', "&quot;")
    );
    server.route("/top.html", Route::html(page("top", &top_body)));
    let top = server.url("/top.html");
    let browser = common::launch(kind);
    browser.navigate(&top).unwrap();
    fvi_e2e::wait_until(WAIT, "the frames to load", || {
        let v = run(
            &browser,
            "return document.readyState === 'complete' && \
             [...document.querySelectorAll('iframe')].every((f) => { \
               try { return f.id === 'cross' || f.id === 'sandboxed' || \
                 f.contentDocument.readyState === 'complete'; } \
               catch (e) { return false; } })",
        );
        Ok(v.as_bool().unwrap_or(false).then_some(()))
    })
    .unwrap();

    run(&browser, "fire('supportRequested', { callId: 'top' })");
    for id in ["same", "cross", "srcdoc", "sandboxed"] {
        let frame = browser.find(&format!("#{id}")).unwrap();
        browser.switch_to_frame(Some(&frame)).unwrap();
        run(&browser, &fire_both(id, "window"));
        browser.switch_to_frame(None).unwrap();
    }
    // The about:blank frame runs no script of its own: the parent dispatches into it, with
    // the frame's own CustomEvent constructor.
    run(
        &browser,
        &fire_both("blank", "document.getElementById('blank').contentWindow"),
    );

    let events = stored(&browser, 12, WAIT);
    assert_eq!(events.len(), 12, "{events:#?}");
    assert_well_formed(&events);
    let tab = tab_id_of(&browser, &top);
    let find = |call: &str| -> &Value {
        let found: Vec<&Value> = events.iter().filter(|e| e["callId"] == call).collect();
        assert_eq!(found.len(), 1, "{call}: {events:#?}");
        found[0]
    };
    let mut expect = vec![
        ("top".to_string(), top.as_str()),
        ("srcdoc-parse".to_string(), "about:srcdoc"),
    ];
    for (id, url) in [
        ("same", same.as_str()),
        ("cross", cross.as_str()),
        ("srcdoc", "about:srcdoc"),
        ("sandboxed", "about:srcdoc"),
        ("blank", "about:blank"),
    ] {
        expect.push((id.to_string(), url));
        expect.push((format!("{id}-engine"), url));
        // The engine ran in that frame: it marks what JSON cannot say.
        assert_eq!(
            find(&format!("{id}-engine"))["detail"],
            json!({ "callId": format!("{id}-engine"), "gone": { "$fvi": "undefined" } })
        );
    }
    for (call, url) in &expect {
        let e = find(call);
        assert_eq!(e["url"], *url, "{call}: {e}");
        assert_eq!(e["topUrl"], top.as_str(), "{call}: {e}");
        // Every frame's events carry the tab's (the top page's) title.
        assert_eq!(e["topTitle"], "top", "{call}: {e}");
        assert_eq!(e["tabId"], tab, "{call}: {e}");
    }
    assert_eq!(find("top")["frameId"], 0);
    // One frame id per frame: non-zero, distinct, shared by a frame's events.
    let frame_of = |call: &str| find(call)["frameId"].as_i64().unwrap();
    assert_eq!(frame_of("srcdoc-parse"), frame_of("srcdoc"));
    let frames = ["same", "cross", "srcdoc", "sandboxed", "blank"];
    for id in frames {
        assert_eq!(frame_of(id), frame_of(&format!("{id}-engine")), "{id}");
    }
    let child_frames: Vec<i64> = frames.into_iter().map(frame_of).collect();
    assert!(child_frames.iter().all(|f| *f != 0), "{child_frames:?}");
    let distinct: HashSet<i64> = child_frames.iter().copied().collect();
    assert_eq!(distinct.len(), 5, "frame ids {child_frames:?}");
}

#[test]
fn iframes_in_chromium() {
    iframes(BrowserKind::Chromium);
}

#[test]
fn iframes_in_firefox() {
    iframes(BrowserKind::Firefox);
}

// ---------------------------------------------------------------------------------------
// 3. An event fired while the page is still parsing, before any wasm could have loaded.

const PARSING_PAGE: &str = "<!doctype html><html><head><meta charset=\"utf-8\">\
    <script>window.dispatchEvent(new CustomEvent('fullview:supportRequested', \
      { detail: { callId: 'parse-head' } }));</script>\
    <title>parsing</title></head><body><p>body</p>\
    <script>window.dispatchEvent(new CustomEvent('fullview:supportRequestTaken', \
      { detail: { callId: 'parse-body' } }));</script>\
    <p>after</p></body></html>";

fn during_parsing(kind: BrowserKind) {
    let server = FixtureServer::start([("/parse.html", Route::html(PARSING_PAGE))]).unwrap();
    let url = server.url("/parse.html");
    let browser = common::launch(kind);
    browser.navigate(&url).unwrap();
    // A later event, once the page has loaded (navigate returns after `load`).
    run(
        &browser,
        "window.dispatchEvent(new CustomEvent('fullview:callRequested', \
         { detail: { callId: 'parse-later' } }))",
    );
    let events = stored(&browser, 3, WAIT);
    assert_eq!(events.len(), 3, "{events:#?}");
    assert_well_formed(&events);
    assert_eq!(
        call_ids(&events),
        [
            json!("parse-head"),
            json!("parse-body"),
            json!("parse-later")
        ]
    );
    assert_eq!(ns(&events), [1, 2, 3]);
    let at: Vec<f64> = events
        .iter()
        .map(|e| e["capturedAt"].as_f64().unwrap())
        .collect();
    assert!(at[0] <= at[1] && at[1] < at[2], "capturedAt {at:?}");
    for e in &events {
        assert_eq!(e["url"], url.as_str());
        assert_eq!(e["frameId"], 0);
    }
}

#[test]
fn during_parsing_in_chromium() {
    during_parsing(BrowserKind::Chromium);
}

#[test]
fn during_parsing_in_firefox() {
    during_parsing(BrowserKind::Firefox);
}

// ---------------------------------------------------------------------------------------
// 4. A page whose CSP forbids wasm (and inline script).

const STRICT_CSP: &str = "default-src 'self'; script-src 'self'";

/// Served from the page's own origin, as `script-src 'self'` requires. Fires one event
/// while the page parses, one at DOMContentLoaded, one at load.
const CSP_JS: &str = "window.fire = (type, detail) => \
    window.dispatchEvent(new CustomEvent('fullview:' + type, { detail }));\n\
    fire('supportRequested', { callId: 'csp-parse' });\n\
    document.addEventListener('DOMContentLoaded', () => fire('supportRequestTaken', { callId: 'csp-ready' }));\n\
    window.addEventListener('load', () => fire('callRequested', { callId: 'csp-load' }));\n";

const CSP_PAGE: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>csp</title>\
    <script src=\"/csp.js\"></script></head><body><h1>locked down</h1>\
    <script>window.inlineRan = true;</script></body></html>";

fn strict_csp(kind: BrowserKind) {
    let server = FixtureServer::start([
        ("/csp.html", Route::html(CSP_PAGE).csp(STRICT_CSP)),
        ("/csp.js", Route::js(CSP_JS).csp(STRICT_CSP)),
    ])
    .unwrap();
    let url = server.url("/csp.html");
    let browser = common::launch(kind);
    browser.navigate(&url).unwrap();
    // The policy is really in force: the inline script did not run.
    assert_eq!(run(&browser, "return window.inlineRan === true"), false);
    // WebDriver's script is not the page's, but the event it dispatches is the page's.
    run(
        &browser,
        "fire('callAccepted', { callId: 'csp-call' });\
         const cyc = { callId: 'csp-cycle' }; cyc.self = cyc; fire('callEnded', cyc);",
    );
    let events = stored(&browser, 5, WAIT);
    assert_eq!(events.len(), 5, "{events:#?}");
    assert_well_formed(&events);
    assert_eq!(
        call_ids(&events),
        [
            json!("csp-parse"),
            json!("csp-ready"),
            json!("csp-load"),
            json!("csp-call"),
            json!("csp-cycle")
        ]
    );
    assert_eq!(ns(&events), [1, 2, 3, 4, 5]);
    for e in &events {
        assert_eq!(e["url"], url.as_str());
        assert_eq!(e["topUrl"], url.as_str());
    }
    // The cyclic detail tells which path delivered the frame's events.
    let cyclic = &events[4]["detail"];
    match kind {
        // Chromium refuses to compile the engine under this CSP, so the relay sent the
        // events as JSON (plain mode): JSON.stringify cannot write a cycle, so the detail
        // keeps its callId and gets one `unreadable` marker.
        BrowserKind::Chromium => {
            assert_eq!(cyclic["callId"], "csp-cycle", "{cyclic}");
            assert_eq!(cyclic["$fvi"]["$fvi"], "unreadable", "{cyclic}");
        }
        // Firefox does not apply the page's CSP to content-script wasm: the Rust engine
        // walked the detail and marked the cycle where it is.
        BrowserKind::Firefox => {
            assert_eq!(
                *cyclic,
                json!({ "callId": "csp-cycle", "self": { "$fvi": "cycle" } })
            );
        }
    }
}

#[test]
fn strict_csp_in_chromium() {
    strict_csp(BrowserKind::Chromium);
}

#[test]
fn strict_csp_in_firefox() {
    strict_csp(BrowserKind::Firefox);
}

// ---------------------------------------------------------------------------------------
// 5. Hostile details.

/// Fires sixteen events in one task: normal ones around hostile ones, and last the four
/// details Chromium cannot clone into a content script's world (a DOM node, a symbol, a
/// throwing getter, 10,000 levels of nesting), each with its callId.
const HOSTILE_JS: &str = "\
    fire('callRequested', { callId: 'h-start' });\
    window.dispatchEvent(new CustomEvent('fullview:supportRequested'));\
    fire('supportRequested', null);\
    fire('supportRequested', 'just a string');\
    fire('supportRequested', 42.5);\
    fire('supportRequested', [1, 'two', { three: 3 }]);\
    fire('callAccepted', { callId: 7 });\
    fire('callAccepted', { callId: { nested: true } });\
    const cyc = { callId: 'h-cycle', name: 'loop' }; cyc.self = cyc;\
    fire('callAccepted', cyc);\
    fire('callAccepted', { callId: 'h-fn', f: function namedFn() {}, node: document.body, keep: 'yes' });\
    const rows = [];\
    for (let i = 0; i < 20000; i++) rows.push('row-' + i + '-' + 'y'.repeat(96));\
    fire('callEnded', { rows, callId: 'h-huge' });\
    fire('callEnded', { callId: 'h-end' });\
    fire('callEnded', { callId: 'h-node', node: document.body });\
    fire('callEnded', { callId: 'h-symbol', s: Symbol('sym'), keep: 1 });\
    fire('callEnded', { callId: 'h-getter', get bad() { throw new Error('no'); }, keep: 2 });\
    let deep = {}; for (let i = 0; i < 10000; i++) deep = { inner: deep }; deep.callId = 'h-deep';\
    fire('callEnded', deep);\
    return JSON.stringify({ rows, callId: 'h-huge' }).length;";

fn hostile_details(kind: BrowserKind) {
    let server =
        FixtureServer::start([("/hostile.html", Route::html(page("hostile", "")))]).unwrap();
    let url = server.url("/hostile.html");
    let browser = common::launch(kind);
    // In Chromium the describer runs from document start only on origins that have fired
    // events; this one has. (A new origin's first events: `new_origin_uncloneable_*`.)
    common::prime_describer(&browser, kind, &url, WAIT);
    let page_handle = browser.window_handle().unwrap();
    let huge = run(&browser, HOSTILE_JS).as_u64().unwrap();
    assert!(huge > 2_000_000, "the huge detail is {huge} bytes");

    let events = without_prime(stored(&browser, 17, WAIT));
    assert_eq!(events.len(), 16, "{events:#?}");
    assert_well_formed(&events);
    // Every event recorded, in the order fired, from one document.
    assert_eq!(ns(&events), (1..=16).collect::<Vec<_>>());
    assert_eq!(
        types(&events),
        [
            "callRequested",
            "supportRequested",
            "supportRequested",
            "supportRequested",
            "supportRequested",
            "supportRequested",
            "callAccepted",
            "callAccepted",
            "callAccepted",
            "callAccepted",
            "callEnded",
            "callEnded",
            "callEnded",
            "callEnded",
            "callEnded",
            "callEnded"
        ]
    );
    let detail = |i: usize| events[i]["detail"].clone();
    assert_eq!(detail(0), json!({ "callId": "h-start" }));
    // Missing detail: CustomEvent's default detail is null.
    assert_eq!(detail(1), Value::Null);
    assert_eq!(detail(2), Value::Null);
    assert_eq!(detail(3), json!("just a string"));
    assert_eq!(detail(4), json!(42.5));
    assert_eq!(detail(5), json!([1, "two", { "three": 3 }]));
    // A non-string callId is no id, but stays visible in the detail.
    assert_eq!(detail(6), json!({ "callId": 7 }));
    assert_eq!(detail(7), json!({ "callId": { "nested": true } }));
    assert_eq!(
        detail(8),
        json!({ "callId": "h-cycle", "name": "loop", "self": { "$fvi": "cycle" } })
    );
    match kind {
        // Chromium structured-clones the detail into the content script's world; a
        // function (or DOM node) cannot be cloned, so the content script sees null, and
        // content-script/describe.js, in the page's world, describes it instead.
        BrowserKind::Chromium => assert_eq!(
            detail(9),
            json!({ "callId": "h-fn", "f": { "$fvi": "function", "name": "namedFn" },
                    "node": { "$fvi": "domNode", "nodeName": "BODY" }, "keep": "yes" })
        ),
        // Firefox shows the page's object through Xray, which hides function-valued
        // properties; the DOM node comes through as a node, and is marked.
        BrowserKind::Firefox => assert_eq!(
            detail(9),
            json!({ "callId": "h-fn", "node": { "$fvi": "domNode", "nodeName": "BODY" }, "keep": "yes" })
        ),
    }
    let expect_ids = [
        json!("h-start"),
        Value::Null,
        Value::Null,
        Value::Null,
        Value::Null,
        Value::Null,
        Value::Null,
        Value::Null,
        json!("h-cycle"),
        json!("h-fn"),
        json!("h-huge"),
        json!("h-end"),
        // What Chromium cannot clone keeps its callId in both browsers (issue 10, item 2).
        json!("h-node"),
        json!("h-symbol"),
        json!("h-getter"),
        json!("h-deep"),
    ];
    assert_eq!(call_ids(&events), expect_ids);
    // The 2 MB detail: cut to the cap, marked, its callId kept although it came last.
    let big = &events[10];
    assert_eq!(big["detailTruncated"], true, "{big}");
    assert_eq!(big["detail"]["callId"], "h-huge");
    let size = serde_json::to_string(&big["detail"]).unwrap().len();
    assert!(size <= 17 * 1024, "truncated detail is {size} bytes");
    let rows = big["detail"]["rows"].as_array().unwrap();
    assert_eq!(rows[0], "row-0-".to_string() + &"y".repeat(96));
    assert_eq!(rows.last().unwrap()["$fvi"], "truncated", "{big}");
    // What can be said of the four uncloneable details, the same in both browsers.
    assert_eq!(
        detail(12),
        json!({ "callId": "h-node", "node": { "$fvi": "domNode", "nodeName": "BODY" } })
    );
    assert_eq!(detail(13)["keep"], 1, "{}", detail(13));
    assert_eq!(detail(14)["keep"], 2, "{}", detail(14));
    // Cut at the depth bound, and marked.
    assert_eq!(events[15]["detailTruncated"], true, "{}", events[15]);
    assert_eq!(
        detail(13)["s"],
        json!({ "$fvi": "symbol", "description": "Symbol(sym)" })
    );
    match kind {
        // The describer reads the page's object itself: the getter's throw is marked
        // where it was.
        BrowserKind::Chromium => {
            assert_eq!(
                detail(14)["bad"],
                json!({ "$fvi": "unreadable", "reason": "Error: no" })
            );
        }
        // Xray shows only plain data properties: the getter is not there at all.
        BrowserKind::Firefox => assert!(detail(14).get("bad").is_none(), "{}", detail(14)),
    }
    // Nothing else is marked truncated.
    for (i, e) in events.iter().enumerate() {
        if i != 10 && i != 15 {
            assert!(e.get("detailTruncated").is_none(), "{e}");
        }
    }
    // And the page is still captured normally afterwards.
    browser.switch_to_window(&page_handle).unwrap();
    run(&browser, "fire('callEnded', { callId: 'h-after' })");
    let events = without_prime(stored(&browser, 18, WAIT));
    assert_eq!(events.len(), 17);
    assert_eq!(events[16]["callId"], "h-after");

    // The first round went partly as JSON before the engine ran (events 1-8: JSON says
    // them exactly; the sentinel's copies of 1-3, the relay's of the rest) and partly
    // through the engine (from the cycle on; in Chromium, the engine walked the
    // describer's descriptions). With the engine running, the same events come out exactly the same.
    browser.switch_to_window(&page_handle).unwrap();
    run(&browser, HOSTILE_JS);
    let events = without_prime(stored(&browser, 34, WAIT));
    assert_eq!(events.len(), 33);
    assert_eq!(ns(&events[17..]), (18..=33).collect::<Vec<_>>());
    for (first, again) in events[..16].iter().zip(&events[17..]) {
        for field in ["type", "callId", "detail", "detailTruncated"] {
            assert_eq!(
                first.get(field),
                again.get(field),
                "{field}: {first} / {again}"
            );
        }
    }
}

#[test]
fn hostile_details_in_chromium() {
    hostile_details(BrowserKind::Chromium);
}

#[test]
fn hostile_details_in_firefox() {
    hostile_details(BrowserKind::Firefox);
}

/// A detail Chromium cannot clone, on an origin that has never fired an event: the
/// describer is not there yet for the frame's first event (ARCHITECTURE.md, "A detail the
/// browser cannot copy": the stated limit), arrives with the relay for the frame's later
/// events, and runs from document start on the origin's next page. Firefox reads all
/// three whole.
fn new_origin_uncloneable(kind: BrowserKind) {
    let server = FixtureServer::start([("/new.html", Route::html(page("new", "")))]).unwrap();
    let url = server.url("/new.html");
    let browser = common::launch(kind);
    browser.navigate(&url).unwrap();
    let page_handle = browser.window_handle().unwrap();
    // Before any event, no describer in any frame (pages that never fire pay nothing).
    assert_eq!(run(&browser, "return !!window.__fviDescriber;"), false);
    let fire_fn = |id: &str| {
        browser
            .execute(
                "fire('callAccepted', { callId: arguments[0], f: function named() {} });",
                &[json!(id)],
            )
            .unwrap();
    };
    // The page notes when the describer arrives (polling every 5 ms), for the printed figure.
    browser
        .execute(
            "const t0 = performance.now();\
             fire('callAccepted', { callId: 'n-first', f: function named() {} });\
             const poll = setInterval(() => { if (window.__fviDescriber) {\
               window.describerAfterMs = performance.now() - t0; clearInterval(poll); } }, 5);",
            &[],
        )
        .unwrap();
    let events = stored(&browser, 1, WAIT);
    let described =
        |id: &str| json!({ "callId": id, "f": { "$fvi": "function", "name": "named" } });
    match kind {
        BrowserKind::Chromium => {
            // The limit: kept, in order, but without its callId.
            assert_eq!(events[0]["detail"], Value::Null, "{}", events[0]);
            assert!(
                events[0].get("callId").is_none_or(Value::is_null),
                "{}",
                events[0]
            );
        }
        BrowserKind::Firefox => assert_eq!(events[0]["detail"], json!({ "callId": "n-first" })),
    }
    browser.switch_to_window(&page_handle).unwrap();
    if kind == BrowserKind::Chromium {
        fvi_e2e::wait_until(WAIT, "the describer injected with the relay", || {
            Ok(browser
                .execute("return window.describerAfterMs;", &[])?
                .as_f64()
                .map(drop))
        })
        .unwrap_or_else(|e| panic!("{e}"));
        // How long a new origin's frame goes without a describer: printed, not asserted.
        eprintln!(
            "describer in the frame {} ms after its first event",
            run(&browser, "return Math.round(window.describerAfterMs);")
        );
    }
    fire_fn("n-later");
    let events = stored(&browser, 2, WAIT);
    assert_eq!(events[1]["callId"], "n-later", "{}", events[1]);
    if kind == BrowserKind::Chromium {
        assert_eq!(events[1]["detail"], described("n-later"));
    }
    // The origin's next page: the describer runs from document start, so that page's very
    // first event keeps its callId, also when its frame is the one delivering it.
    browser.switch_to_window(&page_handle).unwrap();
    browser.navigate(&url).unwrap();
    if kind == BrowserKind::Chromium {
        assert_eq!(run(&browser, "return !!window.__fviDescriber;"), true);
    }
    fire_fn("n-reload");
    let events = stored(&browser, 3, WAIT);
    assert_eq!(events.len(), 3, "{events:#?}");
    assert_eq!(events[2]["callId"], "n-reload", "{}", events[2]);
    if kind == BrowserKind::Chromium {
        assert_eq!(events[2]["detail"], described("n-reload"));
    }
}

#[test]
fn new_origin_uncloneable_in_chromium() {
    new_origin_uncloneable(BrowserKind::Chromium);
}

#[test]
fn new_origin_uncloneable_in_firefox() {
    new_origin_uncloneable(BrowserKind::Firefox);
}

// ---------------------------------------------------------------------------------------
// 6. A burst in one task.

const BURST: usize = 10_000;
/// The burst a frame fires as its very first events: more than one message holds.
const FIRST_BURST: usize = 3_000;

/// A burst of `count` events in one task, through the engine (`warm`: the frame's engine
/// already runs) or as the frame's very first events (sent by the sentinel before any
/// engine could load). Returns the tab id.
fn fire_burst(browser: &Browser, url: &str, warm: bool, already: usize, count: usize) -> i64 {
    browser.open_tab(url).unwrap();
    let page = browser.window_handle().unwrap();
    if warm {
        // `undefined` needs the engine's marker, so this event waits for the engine.
        run(
            browser,
            "fire('supportRequested', { callId: 'warm', missing: undefined })",
        );
        let events = stored(browser, already + 1, WAIT);
        assert_eq!(
            events.last().unwrap()["detail"],
            json!({ "callId": "warm", "missing": { "$fvi": "undefined" } })
        );
        browser.switch_to_window(&page).unwrap();
    }
    run(
        browser,
        &format!(
            "for (let i = 1; i <= {count}; i++) fire('callAccepted', {{ callId: 'burst', i }});"
        ),
    );
    tab_id_of(browser, url)
}

fn check_burst(events: &[Value], count: usize, first_n: u64) {
    assert_eq!(events.len(), count);
    let documents: HashSet<&str> = events
        .iter()
        .map(|e| e["origin"]["document"].as_str().unwrap())
        .collect();
    assert_eq!(documents.len(), 1);
    let want: Vec<u64> = (first_n..first_n + count as u64).collect();
    assert_eq!(ns(events), want);
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e["detail"], json!({ "callId": "burst", "i": i + 1 }), "{e}");
        assert_eq!(e["callId"], "burst");
    }
}

fn burst(kind: BrowserKind) {
    let server = FixtureServer::start([("/burst.html", Route::html(page("burst", "")))]).unwrap();
    let browser = common::launch(kind);
    let warm_url = server.url("/burst.html?engine");
    let cold_url = server.url("/burst.html?first");
    let warm = fire_burst(&browser, &warm_url, true, 0, BURST);
    let cold = fire_burst(&browser, &cold_url, false, 1 + BURST, FIRST_BURST);
    let events = stored(&browser, 1 + BURST + FIRST_BURST, Duration::from_secs(60));
    assert_eq!(events.len(), 1 + BURST + FIRST_BURST);
    assert_well_formed(&events);
    let seqs: HashSet<u64> = events.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs.len(), events.len(), "seqs not unique");
    let warm_events = of_tab(&events, warm);
    assert_eq!(warm_events[0]["callId"], "warm");
    check_burst(&warm_events[1..], BURST, 2);
    check_burst(&of_tab(&events, cold), FIRST_BURST, 1);
}

#[test]
fn burst_in_chromium() {
    burst(BrowserKind::Chromium);
}

#[test]
fn burst_in_firefox() {
    burst(BrowserKind::Firefox);
}

// ---------------------------------------------------------------------------------------
// 7. The background stopped between events.

fn stop(browser: &Browser) {
    assert!(
        browser.stop_background().unwrap(),
        "no background was running to stop"
    );
    assert!(!browser.background_running().unwrap());
}

fn background_stopped(kind: BrowserKind) {
    let server = FixtureServer::start([("/app.html", Route::html(page("app", "")))]).unwrap();
    let url = server.url("/app.html");
    let browser = common::launch(kind);
    browser.navigate(&url).unwrap();
    let app = browser.window_handle().unwrap();

    run(&browser, "fire('callRequested', { callId: 'stop-A' })");
    stored(&browser, 1, WAIT);
    browser.switch_to_window(&app).unwrap();
    stop(&browser);
    run(&browser, "fire('callAccepted', { callId: 'stop-A' })");
    let events = stored(&browser, 2, WAIT);
    assert_eq!(call_ids(&events), [json!("stop-A"), json!("stop-A")]);
    assert_eq!(types(&events), ["callRequested", "callAccepted"]);
    assert_well_formed(&events);
}

fn background_stopped_twice(kind: BrowserKind) {
    let server = FixtureServer::start([("/app.html", Route::html(page("app", "")))]).unwrap();
    let url = server.url("/app.html?one");
    let url2 = server.url("/app.html?two");
    let browser = common::launch(kind);
    browser.navigate(&url).unwrap();
    let app = browser.window_handle().unwrap();
    run(&browser, "fire('callRequested', { callId: 'twice' })");
    stored(&browser, 1, WAIT);

    // Stopped: one event wakes it, the next is fired while it is still starting.
    browser.switch_to_window(&app).unwrap();
    stop(&browser);
    run(&browser, "fire('callAccepted', { callId: 'twice' })");
    run(
        &browser,
        "fire('supportRequested', { callId: 'twice-waking' })",
    );
    stored(&browser, 3, WAIT);

    // Stopped again: an event from the frame whose engine runs, and the first event of a
    // new tab, whose sentinel must ask the stopped background for the engine.
    browser.switch_to_window(&app).unwrap();
    stop(&browser);
    run(&browser, "fire('callEnded', { callId: 'twice' })");
    browser.open_tab(&url2).unwrap();
    run(
        &browser,
        "fire('supportRequestTaken', { callId: 'twice-new-tab' })",
    );
    let events = stored(&browser, 5, WAIT);
    assert_eq!(events.len(), 5, "{events:#?}");
    assert_well_formed(&events);
    let tab1 = tab_id_of(&browser, &url);
    let tab2 = tab_id_of(&browser, &url2);
    let first = of_tab(&events, tab1);
    assert_eq!(
        types(&first),
        [
            "callRequested",
            "callAccepted",
            "supportRequested",
            "callEnded"
        ]
    );
    assert_eq!(ns(&first), [1, 2, 3, 4]);
    let second = of_tab(&events, tab2);
    assert_eq!(call_ids(&second), [json!("twice-new-tab")]);
}

fn background_idle(kind: BrowserKind) {
    let server = FixtureServer::start([("/app.html", Route::html(page("app", "")))]).unwrap();
    let url = server.url("/app.html");
    let browser = common::launch_with(
        kind,
        LaunchOptions {
            background_idle_timeout: Some(Duration::from_secs(2)),
            ..LaunchOptions::default()
        },
    );
    browser.navigate(&url).unwrap();
    let app = browser.window_handle().unwrap();
    run(&browser, "fire('callRequested', { callId: 'idle' })");
    stored(&browser, 1, WAIT);
    browser.switch_to_window(&app).unwrap();
    // Firefox suspends the idle event page by itself, as it would minutes into a call.
    browser.wait_background_idle().unwrap();
    assert!(!browser.background_running().unwrap());
    run(&browser, "fire('callAccepted', { callId: 'idle' })");
    let events = stored(&browser, 2, WAIT);
    assert_eq!(events.len(), 2, "{events:#?}");
    assert_eq!(types(&events), ["callRequested", "callAccepted"]);
    assert_eq!(ns(&events), [1, 2]);
    assert_well_formed(&events);
}

#[test]
fn background_stopped_in_chromium() {
    background_stopped(BrowserKind::Chromium);
}

#[test]
fn background_stopped_in_firefox() {
    background_stopped(BrowserKind::Firefox);
}

#[test]
fn background_stopped_twice_in_chromium() {
    background_stopped_twice(BrowserKind::Chromium);
}

#[test]
fn background_stopped_twice_in_firefox() {
    background_stopped_twice(BrowserKind::Firefox);
}

#[test]
fn background_idle_in_firefox() {
    background_idle(BrowserKind::Firefox);
}

// ---------------------------------------------------------------------------------------
// 8. Tabs closed and navigated.

fn tab_closed(kind: BrowserKind) {
    let server = FixtureServer::start([
        ("/app.html", Route::html(page("app", ""))),
        ("/next.html", Route::html(page("next", ""))),
    ])
    .unwrap();
    let browser = common::launch(kind);
    let url = |name: &str| server.url(&format!("/app.html?{name}"));

    // A: the engine runs; one more event right before the tab closes.
    browser.navigate(&url("a")).unwrap();
    let a = browser.window_handle().unwrap();
    run(&browser, "fire('callRequested', { callId: 'close-a' })");
    stored(&browser, 1, WAIT);
    let tab_a = tab_id_of(&browser, &url("a"));
    // B: the tab's first event, then closed at once, before its engine can load.
    let b = browser.open_tab(&url("b")).unwrap();
    let tab_b = tab_id_of(&browser, &url("b"));
    // C: the engine runs; a burst larger than one message, then closed at once.
    let c = browser.open_tab(&url("c")).unwrap();
    run(&browser, "fire('callRequested', { callId: 'close-c' })");
    stored(&browser, 2, WAIT);
    let tab_c = tab_id_of(&browser, &url("c"));
    // D: navigated away, one event fired right before.
    let d = browser.open_tab(&url("d")).unwrap();
    run(&browser, "fire('callRequested', { callId: 'nav-d' })");
    stored(&browser, 3, WAIT);
    let tab_d = tab_id_of(&browser, &url("d"));

    browser.switch_to_window(&a).unwrap();
    run(&browser, "fire('callEnded', { callId: 'close-a' })");
    browser.close_window().unwrap();
    browser.switch_to_window(&b).unwrap();
    run(&browser, "fire('callRequested', { callId: 'close-b' })");
    browser.close_window().unwrap();
    browser.switch_to_window(&c).unwrap();
    run(
        &browser,
        "for (let i = 1; i <= 3000; i++) fire('callAccepted', { callId: 'close-c', i });",
    );
    browser.close_window().unwrap();
    browser.switch_to_window(&d).unwrap();
    run(&browser, "fire('callEnded', { callId: 'nav-d' })");
    let next = server.url("/next.html");
    browser.navigate(&next).unwrap();

    struct G<'a>(&'a Browser);
    impl Drop for G<'_> {
        fn drop(&mut self) {
            for l in self.0.driver_log().lines().filter(|l| l.contains("FVI")) {
                println!("{l}");
            }
        }
    }
    let _g = G(&browser);
    let want = 3 + 1 + 1 + 3000 + 1;
    stored(&browser, want, WAIT);
    let (meta, events) = wait_for_log(
        &browser,
        WAIT,
        "every event and the tab notes",
        |meta, events| {
            let noted = notes(meta);
            let has = |tab: i64, ty: &str| {
                noted
                    .iter()
                    .any(|n| n["tabId"] == tab && n["kind"]["type"] == ty)
            };
            events.len() >= want
                && has(tab_a, "closed")
                && has(tab_b, "closed")
                && has(tab_c, "closed")
                && has(tab_d, "navigated")
        },
    );
    assert_eq!(events.len(), want);
    assert_well_formed(&events);
    assert_eq!(
        call_ids(&of_tab(&events, tab_a)),
        [json!("close-a"), json!("close-a")]
    );
    assert_eq!(call_ids(&of_tab(&events, tab_b)), [json!("close-b")]);
    let from_c = of_tab(&events, tab_c);
    assert_eq!(from_c.len(), 3001);
    assert_eq!(ns(&from_c), (1..=3001).collect::<Vec<_>>());
    assert_eq!(
        call_ids(&of_tab(&events, tab_d)),
        [json!("nav-d"), json!("nav-d")]
    );

    let noted = notes(&meta);
    let note = |tab: i64| -> Vec<Value> {
        noted
            .iter()
            .filter(|n| n["tabId"] == tab)
            .cloned()
            .collect()
    };
    for tab in [tab_a, tab_b, tab_c] {
        let got = note(tab);
        assert_eq!(got.len(), 1, "tab {tab}: {noted:#?}");
        assert_eq!(got[0]["kind"], json!({ "type": "closed" }));
        // The note comes after the tab's last event.
        let last = of_tab(&events, tab).last().unwrap()["seq"]
            .as_u64()
            .unwrap();
        assert!(
            got[0]["seq"].as_u64().unwrap() > last,
            "{:?} before seq {last}",
            got[0]
        );
    }
    let nav = note(tab_d);
    assert_eq!(nav.len(), 1, "{noted:#?}");
    assert_eq!(nav[0]["kind"], json!({ "type": "navigated", "url": next }));
    // The tab still showing something is not noted closed.
    assert!(noted
        .iter()
        .all(|n| n["kind"]["type"] != "closed" || n["tabId"] != tab_d));
}

#[test]
fn tab_closed_in_chromium() {
    tab_closed(BrowserKind::Chromium);
}

#[test]
fn tab_closed_in_firefox() {
    tab_closed(BrowserKind::Firefox);
}

// ---------------------------------------------------------------------------------------
// 9. The badge counts each tab's events.

fn badge(kind: BrowserKind) {
    let server = FixtureServer::start([("/app.html", Route::html(page("app", "")))]).unwrap();
    let (url1, url2, url3) = (
        server.url("/app.html?1"),
        server.url("/app.html?2"),
        server.url("/app.html?3"),
    );
    let browser = common::launch(kind);
    browser.navigate(&url1).unwrap();
    run(
        &browser,
        "for (let i = 0; i < 3; i++) fire('callAccepted', { callId: 'badge-1' });",
    );
    browser.open_tab(&url2).unwrap();
    run(
        &browser,
        "for (let i = 0; i < 5; i++) fire('callAccepted', { callId: 'badge-2' });",
    );
    browser.open_tab(&url3).unwrap();
    stored(&browser, 8, WAIT);
    let (tab1, tab2, tab3) = (
        tab_id_of(&browser, &url1),
        tab_id_of(&browser, &url2),
        tab_id_of(&browser, &url3),
    );
    let (_, events) = read_log(&browser);
    assert_eq!(of_tab(&events, tab1).len(), 3);
    assert_eq!(of_tab(&events, tab2).len(), 5);
    // The badge is set right after the answer; poll for it.
    fvi_e2e::wait_until(WAIT, "the badges", || {
        let got = (
            badge_text(&browser, tab1),
            badge_text(&browser, tab2),
            badge_text(&browser, tab3),
        );
        if got == ("3".into(), "5".into(), String::new()) {
            Ok(Some(()))
        } else {
            Err(format!("badges {got:?}"))
        }
    })
    .unwrap();
}

#[test]
fn badge_in_chromium() {
    badge(BrowserKind::Chromium);
}

#[test]
fn badge_in_firefox() {
    badge(BrowserKind::Firefox);
}

// ---------------------------------------------------------------------------------------
// 10. Malformed messages.

fn malformed_messages(kind: BrowserKind) {
    let server = FixtureServer::start([("/app.html", Route::html(page("app", "")))]).unwrap();
    let url = server.url("/app.html");
    let browser = common::launch(kind);
    to_extension_page(&browser);
    let capture = json!({
        "v": 1, "kind": "capture", "document": "forged",
        "events": [{ "n": 1, "type": "fullview:callAccepted", "capturedAt": 1.8e12,
                     "url": "https://forged.example/", "detail": { "callId": "forged" } }]
    });
    let messages = [
        json!({ "v": 99, "kind": "capture" }),
        json!("garbage"),
        json!(42),
        json!({ "kind": "capture" }),
        json!({ "v": 1, "kind": "nope" }),
        json!({ "v": 1, "kind": "capture", "document": 5, "events": [] }),
        json!({ "v": 1, "kind": "capture", "document": "d", "events": [{ "n": "x" }] }),
        // Well formed, but a capture from an extension page has no content script behind
        // it (even in a tab): refused too.
        capture,
    ];
    for m in &messages {
        let answer = send_from_extension_page(&browser, m);
        assert_eq!(answer["kind"], "refused", "{m} → {answer}");
        assert_eq!(answer["v"], 1, "{answer}");
        assert!(
            answer["reason"].as_str().is_some_and(|r| !r.is_empty()),
            "{answer}"
        );
    }
    let n = messages.len() as u64;
    let (meta, events) = wait_for_log(&browser, WAIT, "the malformed count", |meta, _| {
        meta["malformed"].as_u64() == Some(n)
    });
    assert!(events.is_empty(), "{events:#?}");
    assert!(meta["lastMalformed"].as_str().is_some(), "{meta}");

    // Real capture from a page still works.
    browser.open_tab(&url).unwrap();
    run(
        &browser,
        "fire('callRequested', { callId: 'after-garbage' })",
    );
    let (meta, events) = wait_for_log(&browser, WAIT, "the real event", |_, e| !e.is_empty());
    assert_eq!(events.len(), 1);
    assert_well_formed(&events);
    assert_eq!(events[0]["callId"], "after-garbage");
    assert_eq!(events[0]["url"], url.as_str());
    assert_eq!(meta["malformed"], n);
}

#[test]
fn malformed_messages_in_chromium() {
    malformed_messages(BrowserKind::Chromium);
}

#[test]
fn malformed_messages_in_firefox() {
    malformed_messages(BrowserKind::Firefox);
}
