//! The inspector beside the page (issue 11), in real Chromium and Firefox: the one page in
//! its panel hosts (`?host=side`, `?host=devtools`, crates/popup/src/host.rs), scoped to a
//! tab, live while the page fires events, following its tab across a navigation, saying
//! when its tab closed or cannot be captured; and the real side panel (Chromium) or
//! sidebar (Firefox), opened by a click on "Open side panel", staying live.

mod common;

use std::time::Duration;

use common::{extension_eval, rows, run, tab_id_of, wait_eq, wait_for_events};
use fvi_e2e::{wait_until, Browser, BrowserKind, FixtureServer, Route};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(30);

fn page(title: &str) -> Route {
    Route::html(common::page(title, ""))
}

/// Opens the inspector page as `host`, waits until its whole log is on screen; returns its
/// window handle.
fn open_host(browser: &Browser, query: &str) -> String {
    let handle = browser
        .open_extension_page(&format!("popup/popup.html{query}"))
        .unwrap();
    wait_until(WAIT, "the page to load its log", || {
        let v = browser.execute(
            "return document.documentElement.dataset.fviFullMs || null;",
            &[],
        )?;
        Ok((!v.is_null()).then_some(()))
    })
    .unwrap();
    handle
}

/// Each call row's tab label (the first part of its `.row-meta`, before the site).
fn row_tabs(browser: &Browser) -> Value {
    run(
        browser,
        "return [...document.querySelectorAll('#calls .call')].map(r =>\
           r.querySelector('.row-meta').textContent.split(' · ').slice(0, 2).join(' · '));",
    )
}

fn banner(browser: &Browser) -> Value {
    run(
        browser,
        "const b = document.getElementById('tab-banner'); return b.hidden ? null : b.textContent;",
    )
}

struct Setup {
    browser: Browser,
    server: FixtureServer,
    /// Window handles of the two site tabs, and tab A's browser id.
    tab_a: String,
    tab_b: String,
    id_a: i64,
}

/// Two tabs of a fixture site, each of which fired one call.
fn two_tabs(kind: BrowserKind) -> Setup {
    let browser = common::launch(kind);
    let server = FixtureServer::start([("/a", page("Shop A")), ("/b", page("Shop B"))]).unwrap();
    server.route("/a2", page("Shop A, next page"));
    let tab_a = browser.open_tab(&server.url("/a")).unwrap();
    run(&browser, "fire('callRequested', { callId: 'a-1' });");
    let tab_b = browser.open_tab(&server.url("/b")).unwrap();
    run(&browser, "fire('callRequested', { callId: 'b-1' });");
    wait_for_events(&browser, 2, WAIT);
    let id_a = tab_id_of(&browser, &server.url("/a"));
    Setup {
        browser,
        server,
        tab_a,
        tab_b,
        id_a,
    }
}

// ---------------------------------------------------------------------------------------
// A panel bound to a tab: only its calls, live, across a navigation, and after it closes.

fn scoped_panel(kind: BrowserKind, query: &str) {
    let s = two_tabs(kind);
    let b = &s.browser;
    let panel = open_host(b, &query.replace("{tab}", &s.id_a.to_string()));
    wait_eq(b, "only tab A's call", json!(["a-1"]), rows);
    // Tabs by name (issue 12): "T1" (it fired first) and its page's title; the browser's
    // id on hover and in the facts.
    wait_eq(
        b,
        "tab A named by its title",
        json!(["T1 · Shop A"]),
        row_tabs,
    );
    run(b, "document.querySelector('#calls .call').click();");
    let tab_fact = format!("T1 · Shop A (browser tab {})", s.id_a);
    wait_eq(b, "the facts name the tab", json!(tab_fact), |b| {
        run(
            b,
            "const d = [...document.querySelectorAll('#timeline .facts div')]\
               .find(d => d.querySelector('dt').textContent === 'Tab');\
             return d ? d.querySelector('dd').textContent : null;",
        )
    });
    assert_eq!(
        run(
            b,
            "return document.querySelector('#timeline .where .tab').title;"
        ),
        json!(format!("Shop A (tab {})", s.id_a)),
        "the browser's id on hover"
    );
    assert_eq!(
        run(b, "return document.getElementById('filter-tab').value;"),
        "current",
        "a panel for one tab starts scoped to it"
    );

    // Live: new calls in A appear without a reload; B's stay out.
    run(b, "window.__sameDocument = true;");
    b.switch_to_window(&s.tab_b).unwrap();
    run(b, "fire('callRequested', { callId: 'b-2' });");
    b.switch_to_window(&s.tab_a).unwrap();
    run(b, "fire('callRequested', { callId: 'a-2' });");
    b.switch_to_window(&panel).unwrap();
    wait_eq(b, "A's new call, live", json!(["a-2", "a-1"]), rows);

    // The tab navigates to another page of the site: the panel follows it.
    b.switch_to_window(&s.tab_a).unwrap();
    b.webdriver().navigate(&s.server.url("/a2")).unwrap();
    run(b, "fire('callRequested', { callId: 'a-3' });");
    b.switch_to_window(&panel).unwrap();
    wait_eq(
        b,
        "the call fired after the navigation",
        json!(["a-3", "a-2", "a-1"]),
        rows,
    );
    // The tab keeps its number and takes its new title, on every row of it.
    let renamed = json!(vec!["T1 · Shop A, next page"; 3]);
    wait_eq(b, "tab A's new title", renamed.clone(), row_tabs);
    assert_eq!(
        run(b, "return window.__sameDocument === true;"),
        true,
        "the panel was not reloaded"
    );
    assert_eq!(banner(b), Value::Null, "no banner for an ordinary page");

    // Switching to all tabs shows B's calls too.
    run(
        b,
        "const s = document.getElementById('filter-tab'); s.value = 'all';\
         s.dispatchEvent(new Event('change'));",
    );
    wait_eq(
        b,
        "every tab's calls",
        json!(["a-3", "a-2", "b-2", "b-1", "a-1"]),
        rows,
    );
    assert_eq!(
        row_tabs(b),
        json!([
            "T1 · Shop A, next page",
            "T1 · Shop A, next page",
            "T2 · Shop B",
            "T2 · Shop B",
            "T1 · Shop A, next page"
        ])
    );
    run(
        b,
        "const s = document.getElementById('filter-tab'); s.value = 'current';\
         s.dispatchEvent(new Event('change'));",
    );
    wait_eq(b, "tab A again", json!(["a-3", "a-2", "a-1"]), rows);

    // The tab closes: the panel says so, and keeps what it recorded.
    b.switch_to_window(&s.tab_a).unwrap();
    b.webdriver().close_window().unwrap();
    b.switch_to_window(&panel).unwrap();
    let mut said = Value::Null;
    wait_until(WAIT, "the closed-tab banner", || {
        said = banner(b);
        Ok(said
            .as_str()
            .is_some_and(|t| t.contains("was closed"))
            .then_some(()))
    })
    .unwrap_or_else(|e| panic!("{e}: {said}"));
    assert_eq!(rows(b), json!(["a-3", "a-2", "a-1"]), "its calls stay");
    assert_eq!(row_tabs(b), renamed, "a closed tab keeps its last title");
}

#[test]
fn side_panel_for_a_tab_in_chromium() {
    scoped_panel(BrowserKind::Chromium, "?host=side&tab={tab}");
}

#[test]
fn side_panel_for_a_tab_in_firefox() {
    scoped_panel(BrowserKind::Firefox, "?host=side&tab={tab}");
}

#[test]
fn devtools_panel_page_in_chromium() {
    scoped_panel(BrowserKind::Chromium, "?host=devtools&tab={tab}");
}

#[test]
fn devtools_panel_page_in_firefox() {
    scoped_panel(BrowserKind::Firefox, "?host=devtools&tab={tab}");
}

// ---------------------------------------------------------------------------------------
// A page the extension cannot run on says why.

fn restricted_page(kind: BrowserKind) {
    let s = two_tabs(kind);
    let b = &s.browser;
    // A browser page of each browser's own (about:blank is already open in Firefox).
    let own = match kind {
        BrowserKind::Chromium => "chrome://version/",
        BrowserKind::Firefox => "about:robots",
    };
    b.open_tab(own).unwrap();
    let tab = tab_id_of(b, own);
    open_host(b, &format!("?host=side&tab={tab}"));
    let mut said = Value::Null;
    wait_until(WAIT, "the restricted-page banner", || {
        said = banner(b);
        Ok(said
            .as_str()
            .is_some_and(|t| t.contains(&format!("Nothing can be captured on this page ({own})")))
            .then_some(()))
    })
    .unwrap_or_else(|e| panic!("{e}: {said}"));
    let empty = run(
        b,
        "return document.getElementById('list-empty').textContent;",
    );
    assert!(
        empty.as_str().is_some_and(|t| !t.is_empty()),
        "the empty list says why it is empty: {empty}"
    );
}

#[test]
fn restricted_page_in_chromium() {
    restricted_page(BrowserKind::Chromium);
}

#[test]
fn restricted_page_in_firefox() {
    restricted_page(BrowserKind::Firefox);
}

// ---------------------------------------------------------------------------------------
// The real side panel (Chromium) or sidebar (Firefox), opened by a click, stays live.

/// The DOM of the open side panel, read through `extension.getViews()` from an extension
/// tab (both browsers list an open side panel there; ../shared/platform-notes.md).
fn side_panel_rows(browser: &Browser) -> Value {
    extension_eval(
        browser,
        "const views = (api.extension.getViews() || []).filter((w) => \
           w.location.search.includes('host=side'));\
         if (views.length !== 1) return { views: views.length };\
         const d = views[0].document;\
         if (!d.documentElement.dataset.fviFullMs) return { loading: true };\
         return [...d.querySelectorAll('#calls .call')].map((r) => r.dataset.callId);",
        &[],
    )
}

fn real_side_panel(kind: BrowserKind) {
    let s = two_tabs(kind);
    let b = &s.browser;
    // The popup page in a tab, over tab A: its "Open side panel" is a real click (a gesture).
    let popup = open_host(b, "");
    let button = b.webdriver().find("#open-side-panel").unwrap();
    assert_eq!(
        b.webdriver().attribute(&button, "hidden").unwrap(),
        None,
        "the popup offers the side panel"
    );
    b.webdriver().click(&button).unwrap();
    wait_eq(
        b,
        "the side panel, open and showing every tab's calls",
        json!(["b-1", "a-1"]),
        side_panel_rows,
    );
    // Clicking into the page and firing events: the panel stays open and live.
    b.switch_to_window(&s.tab_a).unwrap();
    b.webdriver()
        .click(&b.webdriver().find("h1").unwrap())
        .unwrap();
    run(b, "fire('callRequested', { callId: 'a-2' });");
    b.switch_to_window(&popup).unwrap();
    b.switch_to_window(&s.tab_b).unwrap();
    run(b, "fire('callRequested', { callId: 'b-2' });");
    b.switch_to_window(&popup).unwrap();
    wait_eq(
        b,
        "the side panel, live",
        json!(["b-2", "a-2", "b-1", "a-1"]),
        side_panel_rows,
    );
}

#[test]
fn real_side_panel_in_chromium() {
    real_side_panel(BrowserKind::Chromium);
}

#[test]
fn real_side_panel_in_firefox() {
    real_side_panel(BrowserKind::Firefox);
}

// ---------------------------------------------------------------------------------------
// The setting "the toolbar button opens the side panel", stored and applied.

/// What the toolbar button opens now: `[popup page, side panel on click]` (the second is
/// Chromium's `sidePanel.getPanelBehavior`, `null` in Firefox, whose background opens the
/// sidebar from `action.onClicked` when there is no popup).
fn toolbar(browser: &Browser) -> Value {
    extension_eval(
        browser,
        "const popup = await api.action.getPopup({});\
         const panel = api.sidePanel ? (await api.sidePanel.getPanelBehavior()).openPanelOnActionClick : null;\
         return [popup.replace(/^.*\\/popup\\//, 'popup/'), panel];",
        &[],
    )
}

fn toolbar_setting(kind: BrowserKind) {
    let b = common::launch(kind);
    open_host(&b, "?host=tab");
    let chromium = kind == BrowserKind::Chromium;
    let (popup, panel) = (
        json!("popup/popup.html"),
        json!(if chromium { json!(true) } else { Value::Null }),
    );
    assert_eq!(
        toolbar(&b),
        json!([
            "popup/popup.html",
            if chromium { json!(false) } else { Value::Null }
        ]),
        "the button opens the popup by default"
    );
    let click = |b: &Browser| {
        // The setting sits in the footer's folded Settings box: a person opens it first.
        if b.webdriver().find("#settings[open]").is_err() {
            let summary = b.webdriver().find("#settings > summary").unwrap();
            b.webdriver().click(&summary).unwrap();
        }
        let box_ = b.webdriver().find("#toolbar-opens-panel").unwrap();
        b.webdriver().click(&box_).unwrap();
    };
    click(&b);
    wait_eq(
        &b,
        "the button to open the side panel",
        json!(["", panel]),
        toolbar,
    );
    let meta = common::read_log(&b).0;
    assert_eq!(meta["toolbarOpensPanel"], true, "stored: {meta}");
    click(&b);
    wait_eq(
        &b,
        "the button to open the popup again",
        json!([popup, if chromium { json!(false) } else { Value::Null }]),
        toolbar,
    );
    assert_eq!(common::read_log(&b).0["toolbarOpensPanel"], false);
}

#[test]
fn toolbar_setting_in_chromium() {
    toolbar_setting(BrowserKind::Chromium);
}

#[test]
fn toolbar_setting_in_firefox() {
    toolbar_setting(BrowserKind::Firefox);
}

// ---------------------------------------------------------------------------------------
// A live update touches only the rows it changed: the selection, the focus and the scroll
// position survive it (the keyed list, crates/popup/src/calls_list.rs).

/// For each call row, in order: its callId and whether it is the element marked before
/// (`__kept`); the selected row, the focused one, and the selected row's top on screen.
fn list_state(browser: &Browser) -> Value {
    run(
        browser,
        "const rows = [...document.querySelectorAll('#calls .call')];\
         const sel = document.querySelector('#calls [aria-selected=true]');\
         const act = document.activeElement;\
         return { rows: rows.map(r => [r.dataset.callId, r.__kept === true]),\
           selected: sel && sel.dataset.callId, focused: act && act.dataset.callId || null,\
           focusedKept: !!(act && act.__kept), top: sel && sel.getBoundingClientRect().top,\
           scroll: document.getElementById('list-scroll').scrollTop };",
    )
}

fn live_update_keeps_place(kind: BrowserKind) {
    let s = two_tabs(kind);
    let b = &s.browser;
    b.switch_to_window(&s.tab_a).unwrap();
    run(
        b,
        // Answered calls only: an open one turns "unanswered" after a minute, which would
        // rightly change its row during the test on a slow machine.
        "fire('callEnded', { callId: 'a-1' });\
         for (let i = 1; i <= 80; i++) {\
           const callId = 'm-' + String(i).padStart(2, '0');\
           fire('callRequested', { callId }); fire('callAccepted', { callId });\
         }",
    );
    wait_for_events(b, 163, WAIT);
    let panel = open_host(b, &format!("?host=side&tab={}", s.id_a));
    wait_until(WAIT, "80 rows", || {
        Ok((rows(b).as_array().map_or(0, Vec::len) == 81).then_some(()))
    })
    .unwrap();
    // Select and focus a row in the middle, scroll the list, and mark every row element.
    run(
        b,
        "const row = [...document.querySelectorAll('#calls .call')].find(r => r.dataset.callId === 'm-40');\
         row.click(); row.focus({ preventScroll: true });\
         document.getElementById('list-scroll').scrollTop = 600;\
         row.scrollIntoView({ block: 'center' });\
         for (const r of document.querySelectorAll('#calls .call')) r.__kept = true;",
    );
    // Every row the update writes to (its attributes, text or children), by callId.
    run(
        b,
        "window.__touched = new Set();\
         new MutationObserver((list) => { for (const m of list) {\
           const t = m.target.nodeType === 1 ? m.target : m.target.parentElement;\
           const row = t && t.closest('#calls .call'); if (row) __touched.add(row.dataset.callId); } })\
           .observe(document.getElementById('calls'), { subtree: true, childList: true, attributes: true, characterData: true });",
    );
    wait_eq(b, "m-40 selected", json!("m-40"), |b| {
        list_state(b)["selected"].clone()
    });
    let before = list_state(b);
    assert!(
        before["scroll"].as_f64().unwrap_or(0.0) > 0.0,
        "the list scrolled: {before}"
    );
    assert_eq!(before["focused"], "m-40", "{before}");

    // Live: three new calls (above, newest first) and the end of an existing one.
    b.switch_to_window(&s.tab_a).unwrap();
    run(
        b,
        "fire('callEnded', { callId: 'm-10' });\
         for (const id of ['n-1', 'n-2', 'n-3']) {\
           fire('callRequested', { callId: id }); fire('callAccepted', { callId: id });\
         }",
    );
    b.switch_to_window(&panel).unwrap();
    wait_until(WAIT, "the new calls on the panel", || {
        Ok((rows(b).as_array().map_or(0, Vec::len) == 84).then_some(()))
    })
    .unwrap();
    let after = list_state(b);
    let touched = run(b, "return [...__touched].sort();");
    assert_eq!(
        touched,
        json!(["m-10", "n-1", "n-2", "n-3"]),
        "the update wrote to the rows it changed, and to no other"
    );
    let fresh: Vec<&Value> = after["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r[1] == false)
        .map(|r| &r[0])
        .collect();
    assert_eq!(
        fresh,
        [&json!("n-3"), &json!("n-2"), &json!("n-1")],
        "only the new calls' rows are new elements (m-10's is refilled in place): {after}"
    );
    assert_eq!(after["selected"], "m-40", "the selection stays: {after}");
    assert_eq!(after["focused"], "m-40", "the focus stays: {after}");
    assert_eq!(after["focusedKept"], true, "on the same element: {after}");
    let moved = after["top"].as_f64().unwrap() - before["top"].as_f64().unwrap();
    assert!(
        moved.abs() <= 2.0,
        "the selected row stays where it was on screen (moved {moved} px): {before} → {after}"
    );
    assert!(
        after["scroll"].as_f64().unwrap() > before["scroll"].as_f64().unwrap(),
        "the list scrolled by the rows added above: {before} → {after}"
    );
}

#[test]
fn live_update_keeps_place_in_chromium() {
    live_update_keeps_place(BrowserKind::Chromium);
}

#[test]
fn live_update_keeps_place_in_firefox() {
    live_update_keeps_place(BrowserKind::Firefox);
}

// ---------------------------------------------------------------------------------------
// A burst while the panel is open: it hears of the changes over its port (not from
// `storage.onChanged`, which would hand it every chunk), shows every call, answers a click
// meanwhile, and keeps its list to its window of rows even though the burst pushed the
// selected call a thousand rows down (crates/popup/src/live.rs, `App::keep_selection`).

/// Calls in each burst (eight events each, the eight kinds in turn).
const BURST_CALLS: usize = 1000;
/// The rows the list renders at first (`state::PAGE_ROWS`).
const WINDOW: usize = 200;

/// In the site's tab: fires `BURST_CALLS` calls `<prefix>-0`, `<prefix>-1`, … in one task.
fn fire_burst(b: &Browser, prefix: &str) {
    run(
        b,
        &format!(
            "const kinds = ['callRequested', 'callAccepted', 'callDenied', 'callEnded',\
               'supportRequested', 'supportRequestCancelledByCustomer',\
               'supportRequestCancelledByAgent', 'supportRequestTaken'];\
             for (let i = 0; i < {n}; i++)\
               fire(kinds[i % 8], {{ callId: '{prefix}-' + Math.floor(i / 8) }});",
            n = BURST_CALLS * 8
        ),
    );
}

fn top_row(b: &Browser) -> Value {
    run(
        b,
        "const r = document.querySelector('#calls .call'); return r && r.dataset.callId;",
    )
}

/// What the list and the detail pane show: rendered rows, the calls tab's count, the
/// selected row's call, and the detail pane's text.
fn shown(b: &Browser) -> Value {
    run(
        b,
        "const s = document.querySelector('#calls .call[aria-selected=true]');\
         return { rows: document.querySelectorAll('#calls .call').length,\
                  tab: document.getElementById('view-calls').textContent.replace(/,/g, ''),\
                  selected: s && s.dataset.callId,\
                  detail: document.getElementById('timeline').textContent };",
    )
}

fn burst_while_open(kind: BrowserKind) {
    let b = common::launch(kind);
    let server = FixtureServer::start([("/a", page("Shop A"))]).unwrap();
    let site = b.open_tab(&server.url("/a")).unwrap();
    run(&b, "fire('callRequested', { callId: 'first' });");
    wait_for_events(&b, 1, WAIT);
    let id = tab_id_of(&b, &server.url("/a"));
    let panel = open_host(&b, &format!("?host=side&tab={id}"));
    wait_eq(&b, "the first call", json!(["first"]), rows);
    assert_eq!(
        run(&b, "return document.documentElement.dataset.fviListening;"),
        "passive",
        "a quiet panel holds no port (it would keep the background awake)"
    );
    let first = b
        .webdriver()
        .find("#calls .call[data-call-id=first]")
        .unwrap();
    b.webdriver().click(&first).unwrap();

    // A burst pushes the selected call a thousand rows down: the panel shows the new calls,
    // keeps the selection in its detail pane, and renders only its window of rows (it
    // rendered every row down to the selected one, each update, before).
    b.switch_to_window(&site).unwrap();
    fire_burst(&b, "x");
    b.switch_to_window(&panel).unwrap();
    wait_eq(&b, "the whole burst on screen", json!("x-999"), top_row);
    assert_eq!(
        run(&b, "return document.documentElement.dataset.fviListening;"),
        "port",
        "a busy panel hears of changes over its port"
    );
    after_burst(&b, 1001, "first");

    // A click while a second burst comes in is answered, and that burst leaves the window
    // as it was too.
    b.switch_to_window(&site).unwrap();
    fire_burst(&b, "y");
    b.switch_to_window(&panel).unwrap();
    // Found and clicked in one script: the burst may push the row out of the window
    // between a WebDriver find and its click.
    let clicked = run(
        &b,
        "const r = document.querySelector('#calls .call'); r.click(); return r.dataset.callId;",
    );
    let clicked = clicked.as_str().unwrap();
    wait_eq(
        &b,
        "the whole second burst on screen",
        json!("y-999"),
        top_row,
    );
    after_burst(&b, 2001, clicked);
}

/// After a burst: every call counted, the list at its window of rows, and the detail pane
/// still showing `selected`, which the burst pushed below the window.
fn after_burst(b: &Browser, calls: usize, selected: &str) {
    let after = shown(b);
    assert!(
        after["tab"].as_str().unwrap().contains(&calls.to_string()),
        "every call is counted: {after}"
    );
    assert_eq!(after["rows"], WINDOW, "the list keeps its window: {after}");
    assert!(
        after["detail"].as_str().unwrap().contains(selected),
        "the detail pane still shows the selected call {selected}: {after}"
    );
}

#[test]
fn burst_while_open_in_chromium() {
    burst_while_open(BrowserKind::Chromium);
}

#[test]
fn burst_while_open_in_firefox() {
    burst_while_open(BrowserKind::Firefox);
}
