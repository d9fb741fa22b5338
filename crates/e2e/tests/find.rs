//! Finding what matters (issue 12), end to end in real Chromium and Firefox: a day of calls
//! in two titled tabs, two of them flagged deep in the list. The next-problem key and the
//! summary's problem count reach each flagged call and scroll it into view, "Problems only"
//! keeps just those, the search finds calls by their page's title, the tab filter lists
//! the tabs by label, and a mark says where the selection is once it scrolled away.
//!
//! Data-driven: [`day`] is the fixture fired into the pages and [`PROBLEMS`] the calls that
//! must be found; the list order is derived from the fixture.

mod common;

use std::time::Duration;

use common::{js, page, press_keys, rows, run, send_keys, wait_eq, wait_for_events};
use fvi_e2e::{Browser, BrowserKind, FixtureServer, Route};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(60);

const CRM_TITLE: &str = "Acme CRM – Customers";
const BILLING_TITLE: &str = "Billing Portal";

/// Calls fired in the CRM tab, oldest first; then [`BILLING_CALLS`] in the billing tab.
const CRM_CALLS: usize = 40;
const BILLING_CALLS: usize = 3;

/// The CRM calls accepted with no request (flagged), newest first as the list shows them.
const PROBLEMS: [&str; 2] = ["crm-31", "crm-12"];

/// The calls of a tab, oldest first, each `(type, callId)` to fire: requested and
/// accepted, or for a flagged call accepted only.
fn day(prefix: &str, n: usize) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for i in 0..n {
        let id = format!("{prefix}-{i:02}");
        if !PROBLEMS.contains(&id.as_str()) {
            out.push(("callRequested".to_string(), id.clone()));
        }
        out.push(("callAccepted".to_string(), id));
    }
    out
}

/// The calls list as it must show: newest first (the billing tab fired last).
fn all_calls() -> Vec<String> {
    let crm = (0..CRM_CALLS).map(|i| format!("crm-{i:02}"));
    let billing = (0..BILLING_CALLS).map(|i| format!("bill-{i:02}"));
    let mut all: Vec<String> = crm.chain(billing).collect();
    all.reverse();
    all
}

fn fire_all(b: &Browser, events: &[(String, String)]) {
    let pairs: Vec<Value> = events.iter().map(|(t, id)| json!([t, id])).collect();
    js(
        b,
        "for (const [type, id] of arguments[0]) window.fire(type, { callId: id });",
        &[json!(pairs)],
    );
}

fn selected(b: &Browser) -> Value {
    run(
        b,
        "const r = document.querySelector('#calls [aria-selected=true]');\
         return r ? r.dataset.callId : null;",
    )
}

/// Whether the selected row is (at least partly) inside the list's visible area.
fn selected_on_screen(b: &Browser) -> Value {
    run(
        b,
        "const s = document.getElementById('list-scroll');\
         const r = document.querySelector('#calls [aria-selected=true]');\
         if (!r) return false;\
         const a = s.getBoundingClientRect(), c = r.getBoundingClientRect();\
         return c.bottom > a.top && c.top < a.bottom;",
    )
}

fn click(b: &Browser, css: &str) {
    let element = b.find(css).unwrap_or_else(|e| panic!("{css}: {e}"));
    b.click(&element)
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

fn wait_rows(b: &Browser, what: &str, want: &[&str]) {
    wait_eq(b, what, json!(want), rows);
}

/// Takes the keyboard focus off any control, as after a click on the page's background.
fn blur(b: &Browser) {
    run(
        b,
        "document.activeElement && document.activeElement.blur && document.activeElement.blur();",
    );
}

/// Presses `key` (with nothing focused) and waits until `want` is selected and on screen.
fn press_to(b: &Browser, key: &str, want: &str) {
    press_keys(b, &[key]);
    wait_eq(b, &format!("{key} → {want}"), json!(want), selected);
    wait_eq(
        b,
        &format!("{want} scrolled into view"),
        json!(true),
        selected_on_screen,
    );
}

fn find(kind: BrowserKind) {
    let server = FixtureServer::start([
        ("/crm.html", Route::html(page(CRM_TITLE, ""))),
        ("/billing.html", Route::html(page(BILLING_TITLE, ""))),
    ])
    .unwrap();
    let b = &common::launch(kind);
    b.navigate(&server.url("/crm.html")).unwrap();
    let crm = day("crm", CRM_CALLS);
    fire_all(b, &crm);
    let billing_tab = b.open_tab(&server.url("/billing.html")).unwrap();
    b.switch_to_window(&billing_tab).unwrap();
    let billing = day("bill", BILLING_CALLS);
    fire_all(b, &billing);
    let events = wait_for_events(b, crm.len() + billing.len(), WAIT);
    assert_eq!(events.len(), crm.len() + billing.len());
    let billing_id = events.last().unwrap()["tabId"].as_i64().unwrap();

    b.open_extension_page("popup/popup.html?view=tab").unwrap();
    wait_eq(b, "the whole log on screen", json!(true), |b| {
        run(b, "return !!document.documentElement.dataset.fviFullMs;")
    });
    let all = all_calls();
    wait_eq(b, "every call, newest first", json!(all), rows);
    let deep = all.iter().position(|c| c == PROBLEMS[1]).unwrap();
    assert!(deep > 25, "a problem far down the list ({deep})");
    assert_eq!(selected(b), json!(all[0]), "the newest call selected");
    let summary = run(
        b,
        "return document.getElementById('show-problems').textContent;",
    );
    assert_eq!(summary, json!("⚠ 2 problems"));
    assert!(
        !run(b, "return document.getElementById('problem-keys').hidden;")
            .as_bool()
            .unwrap()
    );

    // The keys: n to the next problem, p to the previous, round at the ends; each one
    // selected and scrolled into view.
    blur(b);
    press_to(b, "n", PROBLEMS[0]);
    let status = run(b, "return document.getElementById('status').textContent;");
    assert!(
        status.as_str().unwrap().starts_with("Problem 1 of 2"),
        "{status}"
    );
    press_to(b, "n", PROBLEMS[1]);
    press_to(b, "n", PROBLEMS[0]);
    press_to(b, "p", PROBLEMS[1]);
    // Typed in the search box, n is a letter, not a step: the selection stays, and the
    // search finds the billing tab's title and the problems' words ("no callRequested").
    let search = b.find("#filter-text").unwrap();
    send_keys(b, &search, "n");
    let typed = ["bill-02", "bill-01", "bill-00", PROBLEMS[0], PROBLEMS[1]];
    wait_rows(b, "calls with an n", &typed);
    assert_eq!(selected(b), json!(PROBLEMS[1]), "n typed in a field");
    click(b, "#filter-reset");
    wait_eq(b, "every call after Reset", json!(all), rows);
    assert_eq!(selected(b), json!(PROBLEMS[1]));
    blur(b);

    // Scrolled away from the selection: the mark says where it is, and leads back.
    run(b, "document.getElementById('list-scroll').scrollTop = 0;");
    let mark = format!("↓ Selected call · {deep} newer calls above");
    wait_eq(b, "the selection mark", json!(mark), |b| {
        run(
            b,
            "const m = document.getElementById('selected-mark');\
             return m.hidden ? null : m.textContent;",
        )
    });
    click(b, "#selected-mark");
    wait_eq(b, "back at the selection", json!(true), selected_on_screen);
    wait_eq(b, "the mark gone", json!(true), |b| {
        run(b, "return document.getElementById('selected-mark').hidden;")
    });

    // Problems only.
    click(b, "#filter-problems");
    wait_rows(b, "the calls with problems", &PROBLEMS);
    click(b, "#filter-problems");
    wait_eq(b, "every call again", json!(all), rows);

    // The problem count leads to them: problems only, the first selected.
    run(b, "document.getElementById('list-scroll').scrollTop = 1e6;");
    click(b, "#show-problems");
    wait_rows(b, "the problems, from the count", &PROBLEMS);
    wait_eq(
        b,
        "the first problem selected",
        json!(PROBLEMS[0]),
        selected,
    );
    assert_eq!(
        run(
            b,
            "return document.getElementById('filter-problems').checked;"
        ),
        json!(true)
    );
    press_to(b, "n", PROBLEMS[1]);
    click(b, "#filter-reset");
    wait_eq(b, "every call after Reset", json!(all), rows);

    // Search by the page's title, whichever case.
    let search = b.find("#filter-text").unwrap();
    send_keys(b, &search, "billing PORTAL");
    wait_rows(
        b,
        "the billing tab's calls",
        &["bill-02", "bill-01", "bill-00"],
    );
    click(b, "#filter-reset");
    wait_eq(b, "every call after Reset", json!(all), rows);

    // The tab filter lists the tabs by label, numbered in order of appearance.
    let options = run(
        b,
        "return [...document.querySelectorAll('#filter-tab option')]\
           .map(o => [o.value, o.textContent]);",
    );
    let crm_id = events[0]["tabId"].as_i64().unwrap();
    let want_options = json!([
        ["all", "All tabs"],
        ["current", "Current tab"],
        [format!("tab:{crm_id}"), format!("T1 · {CRM_TITLE}")],
        [format!("tab:{billing_id}"), format!("T2 · {BILLING_TITLE}")],
    ]);
    assert_eq!(options, want_options);
    click(
        b,
        &format!("#filter-tab option[value=\"tab:{billing_id}\"]"),
    );
    wait_rows(
        b,
        "the billing tab's calls",
        &["bill-02", "bill-01", "bill-00"],
    );
    click(b, "#filter-reset");
    wait_eq(b, "every call after Reset", json!(all), rows);
}

#[test]
fn find_in_chromium() {
    find(BrowserKind::Chromium);
}

#[test]
fn find_in_firefox() {
    find(BrowserKind::Firefox);
}
