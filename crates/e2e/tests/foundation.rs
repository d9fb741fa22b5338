//! The thin slice end to end, in both browsers: page events → content script → background
//! → popup → **Export JSON** → the file, checked field by field against format version 1.

mod common;

use std::time::Duration;

use common::{assert_well_formed, screenshot_path, types, wait_for_events};
use fvi_e2e::{BrowserKind, FixtureServer, Route};
use serde_json::Value;

const PAGE: &str = r#"<!doctype html><html><head><title>shop</title></head><body>
<h1>Shop</h1>
<script>
  const fire = (type, detail) => window.dispatchEvent(new CustomEvent(type, { detail }));
  window.play = (second) => {
    if (second) { fire('fullview:callRequested', { callId: 'call-A' }); return; }
    fire('fullview:supportRequested', {});
    fire('fullview:supportRequestTaken', {});
    fire('fullview:callRequested', { callId: 'call-A' });
    setTimeout(() => {
      fire('fullview:callAccepted', { callId: 'call-A' });
      fire('fullview:callEnded', { callId: 'call-A' });
    }, 250);
  };
</script></body></html>"#;

fn thin_slice(kind: BrowserKind) {
    let server = FixtureServer::start([("/shop.html", Route::html(PAGE))]).unwrap();
    let browser = common::launch(kind);
    let url = server.url("/shop.html");

    // Two tabs of the customer's app: callRequested fires once per tab.
    browser.navigate(&url).unwrap();
    let first = browser.window_handle().unwrap();
    let second = browser.open_tab(&url).unwrap();
    browser.execute("window.play(true)", &[]).unwrap();
    browser.switch_to_window(&first).unwrap();
    browser.execute("window.play(false)", &[]).unwrap();

    let events = wait_for_events(&browser, 6, Duration::from_secs(20));
    assert_eq!(events.len(), 6, "{events:#?}");
    assert_well_formed(&events);
    let _ = second;

    // The popup, opened in an ordinary tab, shows every call from every tab.
    browser.open_extension_page("popup/popup.html").unwrap();
    let export = browser.find("#export").unwrap();
    assert_eq!(browser.text(&export).unwrap(), "Export JSON");
    std::thread::sleep(Duration::from_millis(500));
    browser
        .screenshot_to(&screenshot_path(&format!("popup-{}.png", kind.name())))
        .unwrap();
    browser.click(&export).unwrap();
    let file = browser
        .wait_for_download_ending(".json", Duration::from_secs(20))
        .unwrap();
    let export: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();

    assert_eq!(export["format"], "fullview-event-log");
    assert_eq!(export["version"], fvi_core::export::VERSION);
    let exported_at = export["exportedAt"].as_str().unwrap();
    assert!(
        exported_at.len() == 24 && exported_at.ends_with('Z'),
        "{exported_at}"
    );
    assert_eq!(export["generator"]["name"], "Fullview Event Inspector");
    assert_eq!(export["generator"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(export["generator"]["browser"], kind.name());

    let events = export["events"].as_array().unwrap();
    assert_well_formed(events);
    let mut kinds = types(events);
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "callAccepted",
            "callEnded",
            "callRequested",
            "callRequested",
            "supportRequestTaken",
            "supportRequested",
        ]
    );
    // The fan-out: the same callId from two tabs, with distinct tab ids.
    let requested: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == "fullview:callRequested")
        .collect();
    assert_ne!(requested[0]["tabId"], requested[1]["tabId"]);
    for e in events {
        assert_eq!(e["frameId"], 0, "{e}");
        assert_eq!(e["url"], url.as_str(), "{e}");
        let inbound = e["type"].as_str().unwrap().starts_with("fullview:support");
        if inbound {
            assert_eq!(e["callId"], Value::Null, "{e}");
        } else {
            assert_eq!(e["callId"], "call-A", "{e}");
            assert_eq!(e["detail"], serde_json::json!({"callId": "call-A"}));
        }
    }
    let calls = export["calls"].as_array().unwrap();
    let call = calls
        .iter()
        .find(|c| c["callId"] == "call-A")
        .expect("call-A summarised");
    assert_eq!(call["state"], "ended", "{call}");
    assert_eq!(call["tabs"].as_array().unwrap().len(), 2, "{call}");
}

#[test]
fn thin_slice_in_chromium() {
    thin_slice(BrowserKind::Chromium);
}

#[test]
fn thin_slice_in_firefox() {
    thin_slice(BrowserKind::Firefox);
}
