//! The page's own handlers (issue 13, item 5), everything labelled "reported by the page":
//! the per-site opt-in (off by default, one click off; the hook starts when the page
//! reloads), the listeners each page of this tab registered per event with where, the
//! findings (a missing listener, unknown `fullview:` names), and on each captured event of
//! the timeline which listeners ran, how long each took and what threw.
//!
//! The reports are the background's, under their own storage keys
//! (`fvi_core::handlers::SITES_KEY`, `REPORTS_KEY`), re-read after every reload of the log.
//! The view models here are plain data, tested on the host; [`render`] and [`on_step`] put
//! them on screen.
//!
//! | selector | what |
//! |---|---|
//! | `#handlers-box` | the section (`<details>`); its `<summary>` is `#handlers-summary` |
//! | `#handlers-toggle` | turns reports on or off for this tab's site (`aria-pressed`) |
//! | `#handlers-state` | what is on, and for which site; "reload the page to start" |
//! | `#handlers-reload` | reloads this tab, so the hook starts (shown while on and nothing reported yet) |
//! | `#handlers-pages` | per page (frame) of this tab: `li.handlers-page` with `li.handler-event[data-type]`, each with `li.listener` ("app.js:91 · once") |
//! | `.handlers-findings li.finding` | findings per page, also counted in `#handlers-banner` |
//! | `.handled` | on a timeline step: `.handled-summary` ("handled by 2 listeners; 1 threw …"), `li.run` per listener run (`.threw` with a `pre.stack`) |

use std::cell::RefCell;
use std::rc::Rc;

use fvi_core::handlers::{
    self, HandlerLog, Listener, PageHandlers, Run, Sites, REPORTS_KEY, SITES_KEY,
};
use fvi_core::protocol::{Request, Response, PROTOCOL_VERSION};
use fvi_core::{EventKind, EventRecord};
use web_sys::Element;

use crate::dom::{self, add, attr, by_id, el, text};
use crate::state::{App, TabState};

type Shared = Rc<RefCell<App>>;

/// The words every report is shown with.
pub const REPORTED: &str = "reported by the page";

/// While this tab's site is on, the reports are read again this often: they are written
/// apart from the log, so a page whose port is open (a busy log) hears of no change.
const POLL_MS: i32 = 2_000;

thread_local! {
    /// The poll, while this tab's site is on (dropping it stops it).
    static POLL: RefCell<Option<dom::Interval>> = const { RefCell::new(None) };
}

/// How much earlier than a page's first report an event may have been captured and still
/// count as seen by its hook: the hook reports in batches, after the page's first script.
const FIRST_REPORT_SLACK_MS: f64 = 10_000.0;

/// What the background stored, as last read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Handlers {
    pub sites: Sites,
    pub log: HandlerLog,
    /// This view turned the site on and nothing was reported since: say to reload.
    pub just_turned_on: bool,
    /// A toggle was asked for and not answered yet: the hook may not be registered, so no
    /// Reload button.
    pub busy: bool,
}

/// The box, as shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    /// `#handlers-summary`.
    pub summary: String,
    /// The site the toggle is about (`http://127.0.0.1`); `None`: this view has no web page.
    pub site: Option<String>,
    pub on: bool,
    /// `#handlers-toggle`'s label; `None` hides it.
    pub toggle: Option<String>,
    /// `#handlers-state`.
    pub state: String,
    /// Show `#handlers-reload`.
    pub reload: bool,
    pub pages: Vec<PageView>,
}

/// One page (document) of the tab.
#[derive(Debug, Clone, PartialEq)]
pub struct PageView {
    /// "Top frame · http://…/app" or "Frame 4 · …".
    pub title: String,
    pub events: Vec<EventListeners>,
    pub findings: Vec<String>,
    /// "3 reports left out by a bound", if any.
    pub dropped: Option<String>,
}

/// The listeners of one event type, in the order the page added them.
#[derive(Debug, Clone, PartialEq)]
pub struct EventListeners {
    /// The full name, `fullview:callAccepted`.
    pub kind: String,
    pub listeners: Vec<ListenerLine>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ListenerLine {
    /// `app.js:91 · once · removed`.
    pub text: String,
    /// The whole registration site (URL:line:column), on hover.
    pub title: String,
}

/// What the page reported for one captured event.
#[derive(Debug, Clone, PartialEq)]
pub struct Handled {
    /// "handled by 2 listeners; 1 threw TypeError: … at app.js:82", or "no listener ran".
    pub summary: String,
    pub runs: Vec<RunLine>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunLine {
    /// `listener added at app.js:91 · 0.2 ms`, then `· threw TypeError: …` when it threw.
    pub text: String,
    pub threw: bool,
    /// The stack of what it threw.
    pub stack: Option<String>,
}

/// The origin of a web page's URL, for the toggle; `None` for pages the hook cannot run on.
fn site_of(url: &str) -> Option<String> {
    let web = url.starts_with("http://") || url.starts_with("https://");
    web.then(|| fvi_core::fire::origin(url)).flatten()
}

/// The box for the tab this view is about (`tab`, showing `url`).
pub fn panel(handlers: &Handlers, tab: Option<i64>, url: Option<&str>) -> Panel {
    let site = url.and_then(site_of);
    let on = url.is_some_and(|u| site.is_some() && handlers.sites.covers(u));
    let pages = tab.map(|t| pages(&handlers.log, t)).unwrap_or_default();
    let reporting = !pages.is_empty();
    let (summary, toggle, state) = match (&site, on) {
        (None, _) => (
            "Page handlers".to_string(),
            None,
            "Open a web page in this tab to watch its own fullview:* listeners.".to_string(),
        ),
        (Some(site), false) => (
            "Page handlers: off".to_string(),
            Some("Watch this site's handlers".to_string()),
            format!(
                "Off for {site}. Turned on, the inspector lists the page's own fullview:* \
                 listeners and which of them ran or threw ({REPORTED}). Off by default; \
                 nothing extra runs in pages of sites that are off."
            ),
        ),
        (Some(_), _) if handlers.busy => (
            "Page handlers".to_string(),
            None,
            "Changing the setting…".to_string(),
        ),
        (Some(site), true) => (
            format!("Page handlers: on for {site}"),
            Some("Turn off".to_string()),
            if reporting && !handlers.just_turned_on {
                format!("On for {site}: the page's listeners, {REPORTED}.")
            } else {
                format!("On for {site}. Reload the page to start.")
            },
        ),
    };
    Panel {
        summary,
        reload: on && !handlers.busy && (!reporting || handlers.just_turned_on),
        site,
        on,
        toggle,
        state,
        pages,
    }
}

/// The newest page of each frame of `tab`, top frame first.
fn pages(log: &HandlerLog, tab: i64) -> Vec<PageView> {
    let mut newest: Vec<&PageHandlers> = Vec::new();
    for page in log.pages_of(tab) {
        if !newest.iter().any(|p| p.page.frame_id == page.page.frame_id) {
            newest.push(page);
        }
    }
    newest.sort_by_key(|p| p.page.frame_id != 0);
    newest.into_iter().map(page_view).collect()
}

fn page_view(page: &PageHandlers) -> PageView {
    let frame = if page.page.frame_id == 0 {
        "Top frame".to_string()
    } else {
        format!("Frame {}", page.page.frame_id)
    };
    let title = match &page.url {
        Some(url) => format!("{frame} · {}", crate::format::clip(url, 200)),
        None => frame,
    };
    let mut events: Vec<EventListeners> = Vec::new();
    let order = |kind: &str| {
        EventKind::ALL
            .iter()
            .position(|k| k.name() == kind)
            .unwrap_or(EventKind::ALL.len())
    };
    for l in &page.listeners {
        let line = listener_line(l);
        match events.iter_mut().find(|e| e.kind == l.kind) {
            Some(e) => e.listeners.push(line),
            None => events.push(EventListeners {
                kind: l.kind.clone(),
                listeners: vec![line],
            }),
        }
    }
    events.sort_by_key(|e| order(&e.kind));
    PageView {
        title,
        events,
        findings: handlers::findings(page).iter().map(|f| f.text()).collect(),
        dropped: (page.dropped > 0).then(|| {
            format!(
                "{} left out by a bound",
                crate::format::plural(page.dropped as usize, "report", "reports")
            )
        }),
    }
}

fn listener_line(l: &Listener) -> ListenerLine {
    let mut text = match &l.site {
        Some(site) => site.short(),
        None => "added at an unknown place".to_string(),
    };
    for (on, word) in [
        (l.once, "once"),
        (l.capture, "capture"),
        (l.removed, "removed"),
    ] {
        if on {
            text.push_str(" · ");
            text.push_str(word);
        }
    }
    let title = match &l.site {
        Some(site) => format!("Added at {}:{}:{}", site.url, site.line, site.column),
        None => "The page's stack did not say where it was added".to_string(),
    };
    ListenerLine { text, title }
}

/// What the page reported for `event`; `None` when no hook was watching its page.
pub fn handled(log: &HandlerLog, event: &EventRecord) -> Option<Handled> {
    let runs = log.runs_for(event);
    if runs.is_empty() {
        let watched = log.pages.iter().any(|p| {
            p.page.tab_id == event.tab_id
                && p.page.frame_id == event.frame_id
                && event.captured_at >= p.first_at - FIRST_REPORT_SLACK_MS
        });
        if !watched {
            return None;
        }
    }
    Some(Handled {
        summary: handlers::summary(&runs),
        runs: runs.iter().map(|(r, l)| run_line(r, *l)).collect(),
    })
}

fn run_line(run: &Run, listener: Option<&Listener>) -> RunLine {
    let at = listener
        .and_then(|l| l.site.as_ref())
        .map(|s| format!("listener added at {}", s.short()))
        .unwrap_or_else(|| format!("listener {}", run.listener));
    let mut text = format!("{at} · {}", ms(run.ms));
    if let Some(thrown) = &run.threw {
        text.push_str(&format!(" · threw {}", handlers::thrown_text(thrown)));
    }
    RunLine {
        text,
        threw: run.threw.is_some(),
        stack: run
            .threw
            .as_ref()
            .map(|t| t.stack.clone())
            .filter(|s| !s.is_empty()),
    }
}

fn ms(ms: f64) -> String {
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.0} ms")
    }
}

/// `#handlers-banner`: the findings of this tab's pages, counted, with the first.
pub fn banner(panel: &Panel) -> Option<String> {
    let findings: Vec<&String> = panel.pages.iter().flat_map(|p| &p.findings).collect();
    let first = findings.first()?;
    let more = match findings.len() {
        1 => String::new(),
        n => format!(" (and {} more)", n - 1),
    };
    Some(format!("The page {first}{more}, {REPORTED}."))
}

// ---------------------------------------------------------------------------------------
// On screen.

/// The tab's URL, if this view is about an open tab.
fn tab_url(app: &App) -> Option<&str> {
    match &app.tab_state {
        TabState::Open { url } => Some(url.as_str()),
        _ => None,
    }
}

/// Renders the box and the banner from what is held.
pub fn render(app: &App) {
    let panel = panel(&app.handlers, app.current_tab, tab_url(app));
    if let Some(summary) = by_id("handlers-summary") {
        dom::set_text(&summary, &panel.summary);
    }
    if let Some(state) = by_id("handlers-state") {
        dom::set_text(&state, &panel.state);
    }
    if let Some(toggle) = by_id("handlers-toggle") {
        dom::set_text(&toggle, panel.toggle.as_deref().unwrap_or_default());
        attr(
            &toggle,
            "aria-pressed",
            if panel.on { "true" } else { "false" },
        );
    }
    dom::set_hidden("handlers-toggle", panel.toggle.is_none());
    dom::set_hidden("handlers-reload", !panel.reload);
    if let Some(box_) = by_id("handlers-box") {
        let _ = box_.class_list().toggle_with_force("on", panel.on);
    }
    if let Some(list) = by_id("handlers-pages") {
        dom::clear(&list);
        for page in &panel.pages {
            page_element(&list, page);
        }
    }
    let banner = app.is_live().then(|| banner(&panel)).flatten();
    if let Some(b) = by_id("handlers-banner") {
        dom::set_text(&b, banner.as_deref().unwrap_or_default());
    }
    dom::set_hidden("handlers-banner", banner.is_none());
}

fn page_element(list: &Element, page: &PageView) {
    let li = add(list, el("li", "handlers-page"));
    add(&li, text("p", "page-title", &page.title));
    if page.events.is_empty() {
        add(
            &li,
            text("p", "empty", "No fullview:* listeners reported yet."),
        );
    }
    let events = add(&li, el("ul", "handler-events"));
    for e in &page.events {
        let item = add(&events, el("li", "handler-event"));
        attr(&item, "data-type", &e.kind);
        add(&item, text("span", "kind mono", &e.kind));
        let listeners = add(&item, el("ul", "listeners"));
        for l in &e.listeners {
            let line = add(&listeners, text("li", "listener", &l.text));
            attr(&line, "title", &l.title);
        }
    }
    if !page.findings.is_empty() {
        let findings = add(&li, el("ul", "handlers-findings flags"));
        for f in &page.findings {
            add(
                &findings,
                text("li", "finding", &format!("The page {f} ({REPORTED})")),
            );
        }
    }
    if let Some(dropped) = &page.dropped {
        add(&li, text("p", "hint", dropped));
    }
}

/// On a timeline step: what the page reported for `e`. Called wherever the timeline shows
/// an event; shows nothing for an imported log or a page no hook watched.
pub fn on_step(parent: &Element, app: &App, e: &EventRecord) {
    if !app.is_live() {
        return;
    }
    let Some(handled) = handled(&app.handlers.log, e) else {
        return;
    };
    let block = add(parent, el("div", "handled"));
    let line = add(&block, el("p", "handled-line"));
    add(&line, text("span", "handled-summary", &handled.summary));
    add(&line, text("span", "reported", &format!(" ({REPORTED})")));
    if handled.runs.is_empty() {
        return;
    }
    let details = add(&block, el("details", "handled-runs"));
    add(&details, text("summary", "", "Listeners that ran"));
    let list = add(&details, el("ol", "runs"));
    for run in &handled.runs {
        let item = add(&list, text("li", "run", &run.text));
        if run.threw {
            item.class_list().add_1("threw").ok();
            // A throw is what the reader came for: open.
            attr(&details, "open", "");
        }
        if let Some(stack) = &run.stack {
            add(&item, text("pre", "stack", stack));
        }
    }
}

// ---------------------------------------------------------------------------------------
// Reading and the toggle.

/// Re-reads what the background stored; re-renders when it changed. Errors leave what is
/// held (the box says nothing new).
pub async fn refresh(app: Shared) {
    let keys = [SITES_KEY.to_string(), REPORTS_KEY.to_string()];
    let Ok(got) = fvi_browser::storage::get(&keys).await else {
        return;
    };
    let sites = Sites::read(got.get(SITES_KEY));
    let log = HandlerLog::read(got.get(REPORTS_KEY));
    let changed = {
        let mut a = app.borrow_mut();
        let tab = a.current_tab;
        let h = &mut a.handlers;
        let changed = h.sites != sites || h.log != log;
        // A page of this tab that had not reported before: it reloaded with the hook.
        let new_page = tab.is_some_and(|t| {
            log.pages_of(t)
                .iter()
                .any(|p| !h.log.pages.iter().any(|old| old.page == p.page))
        });
        if new_page {
            h.just_turned_on = false;
        }
        h.sites = sites;
        h.log = log;
        if changed {
            // The timeline shows the runs: draw it again.
            a.detail = Default::default();
        }
        changed
    };
    if changed {
        crate::view::render_all(&app);
    }
    render(&app.borrow());
    let on = {
        let a = app.borrow();
        a.is_live() && tab_url(&a).is_some_and(|u| a.handlers.sites.covers(u))
    };
    poll_while(&app, on);
}

/// Starts or stops the poll.
fn poll_while(app: &Shared, on: bool) {
    let running = POLL.with(|p| p.borrow().is_some());
    if on == running {
        return;
    }
    let poll = on.then(|| {
        let weak = Rc::downgrade(app);
        dom::Interval::new(POLL_MS, move || {
            if let Some(app) = weak.upgrade() {
                wasm_bindgen_futures::spawn_local(refresh(app));
            }
        })
    });
    // Not dropped inside its own callback: a stop only ever comes from a refresh, which
    // runs in a task of its own.
    POLL.with(|p| *p.borrow_mut() = poll);
}

/// `#handlers-toggle`: turns reports on or off for the tab's site.
fn toggle(app: &Shared) {
    let (url, on) = {
        let a = app.borrow();
        let Some(url) = tab_url(&a).map(str::to_string) else {
            return;
        };
        let on = a.handlers.sites.covers(&url);
        (url, on)
    };
    app.borrow_mut().handlers.busy = true;
    render(&app.borrow());
    let app = app.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let request = Request::SetHandlerSite {
            v: PROTOCOL_VERSION,
            url,
            on: !on,
        };
        let answer = fvi_browser::runtime::send(&request).await;
        {
            let mut a = app.borrow_mut();
            a.handlers.busy = false;
            a.handlers.just_turned_on = matches!(answer, Ok(Response::Done { .. })) && !on;
        }
        refresh(app.clone()).await;
        match answer {
            Ok(Response::Done { .. }) => {}
            Ok(Response::Refused { reason, .. }) => {
                crate::view::status(&format!("Page handlers: {reason}."), true)
            }
            Ok(other) => crate::view::status(&format!("Unexpected answer: {other:?}"), true),
            Err(e) => crate::view::status(&format!("Page handlers: {e}"), true),
        }
    });
}

/// Runs one of the box's actions; false when `action` is not one of them.
pub fn action(app: &Shared, action: &str) -> bool {
    match action {
        "handlers-toggle" => toggle(app),
        "handlers-reload" => reload_tab(app),
        _ => return false,
    }
    true
}

/// `#handlers-reload`: reloads the tab, so the hook runs from its start.
fn reload_tab(app: &Shared) {
    let Some(tab) = app.borrow().current_tab else {
        return;
    };
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(e) = fvi_browser::tabs::reload(tab).await {
            crate::view::status(&format!("Could not reload the page: {e}"), true);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use fvi_core::handlers::{PageKey, Site, Thrown};

    fn page(tab: i64, frame: i64, doc: &str, at: f64, listeners: Vec<Listener>) -> PageHandlers {
        PageHandlers {
            page: PageKey {
                tab_id: tab,
                frame_id: frame,
                document: doc.into(),
            },
            url: Some("http://127.0.0.1:8123/app".into()),
            first_at: at,
            last_at: at,
            listeners,
            unknown: Vec::new(),
            dropped: 0,
        }
    }

    fn listener(id: u32, kind: &str, line: u32, once: bool) -> Listener {
        Listener {
            id,
            kind: format!("fullview:{kind}"),
            site: Some(Site {
                url: "http://127.0.0.1:8123/app.js".into(),
                line,
                column: 7,
            }),
            capture: false,
            once,
            removed: false,
        }
    }

    fn on_for_app() -> Sites {
        Sites::default()
            .set("http://127.0.0.1:8123/app", true)
            .unwrap()
    }

    const URL: &str = "http://127.0.0.1:8123/app";

    /// A log of one page, tab 7's top frame, first heard from at 1000.
    fn top_page_of_tab_7(listeners: Vec<Listener>) -> HandlerLog {
        HandlerLog {
            pages: vec![page(7, 0, "d1", 1000.0, listeners)],
            ..HandlerLog::new()
        }
    }

    #[test]
    fn the_box_says_what_is_on() {
        let watched = top_page_of_tab_7(vec![
            listener(1, "callAccepted", 90, false),
            listener(2, "callRequested", 90, false),
            listener(3, "callAccepted", 100, false),
            listener(4, "supportRequested", 101, true),
        ]);
        // (name, held, tab URL, (summary, toggle, reload button))
        type Case<'a> = (
            &'a str,
            Handlers,
            Option<&'a str>,
            (&'a str, Option<&'a str>, bool),
        );
        let cases: Vec<Case> = vec![
            (
                "no web page",
                Handlers::default(),
                Some("about:blank"),
                ("Page handlers", None, false),
            ),
            (
                "off by default",
                Handlers::default(),
                Some(URL),
                (
                    "Page handlers: off",
                    Some("Watch this site's handlers"),
                    false,
                ),
            ),
            (
                "on, nothing reported yet: reload",
                Handlers {
                    sites: on_for_app(),
                    ..Handlers::default()
                },
                Some(URL),
                (
                    "Page handlers: on for http://127.0.0.1:8123",
                    Some("Turn off"),
                    true,
                ),
            ),
            (
                "asked, not answered yet: no reload",
                Handlers {
                    sites: on_for_app(),
                    busy: true,
                    ..Handlers::default()
                },
                Some(URL),
                ("Page handlers", None, false),
            ),
            (
                "on and reporting",
                Handlers {
                    sites: on_for_app(),
                    log: watched.clone(),
                    ..Handlers::default()
                },
                Some(URL),
                (
                    "Page handlers: on for http://127.0.0.1:8123",
                    Some("Turn off"),
                    false,
                ),
            ),
        ];
        for (name, handlers, url, (summary, toggle, reload)) in cases {
            let p = panel(&handlers, Some(7), url);
            assert_eq!(
                (p.summary.as_str(), p.toggle.as_deref(), p.reload),
                (summary, toggle, reload),
                "{name}"
            );
        }
        let p = panel(
            &Handlers {
                sites: on_for_app(),
                log: watched,
                ..Handlers::default()
            },
            Some(7),
            Some(URL),
        );
        assert_eq!(
            p.state,
            format!("On for http://127.0.0.1:8123: the page's listeners, {REPORTED}.")
        );
        let listed: Vec<(String, Vec<String>)> = p.pages[0]
            .events
            .iter()
            .map(|e| {
                (
                    e.kind.clone(),
                    e.listeners.iter().map(|l| l.text.clone()).collect(),
                )
            })
            .collect();
        let want = |k: &str, l: &[&str]| {
            (
                format!("fullview:{k}"),
                l.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            )
        };
        assert_eq!(
            listed,
            vec![
                want("callRequested", &["app.js:90"]),
                want("callAccepted", &["app.js:90", "app.js:100"]),
                want("supportRequested", &["app.js:101 · once"]),
            ]
        );
        assert_eq!(p.pages[0].title, "Top frame · http://127.0.0.1:8123/app");
        assert_eq!(
            p.pages[0].findings,
            vec![
                "listens for callRequested but not for callDenied".to_string(),
                "listens for callRequested but not for callEnded".to_string(),
                "listens for callAccepted but not for callEnded".to_string(),
                "listens for supportRequested but not for supportRequestTaken".to_string(),
                "listens for supportRequested but not for supportRequestCancelledByCustomer"
                    .to_string(),
                "listens for supportRequested but not for supportRequestCancelledByAgent"
                    .to_string(),
            ]
        );
        assert_eq!(
            banner(&p).as_deref(),
            Some(
                "The page listens for callRequested but not for callDenied (and 5 more), \
                 reported by the page."
            )
        );
    }

    fn event(tab: i64, frame: i64, kind: EventKind, call: &str, at: f64) -> EventRecord {
        let mut r = crate::fixtures::record(1, kind, Some(call), tab, at);
        r.frame_id = frame;
        r
    }

    fn run(n: u64, listener: u32, at: f64, ms: f64, threw: Option<Thrown>) -> Run {
        Run {
            n,
            page: PageKey {
                tab_id: 7,
                frame_id: 0,
                document: "d1".into(),
            },
            kind: "fullview:callAccepted".into(),
            listener,
            at,
            call_id: Some("c1".into()),
            ms,
            threw,
        }
    }

    #[test]
    fn each_event_says_which_listeners_ran() {
        let thrown = Thrown {
            name: "TypeError".into(),
            message: "session is undefined".into(),
            stack: "handleEvent@http://127.0.0.1:8123/app.js:82:9\n".into(),
        };
        let log = HandlerLog {
            runs: vec![
                run(1, 1, 5000.0, 0.25, None),
                run(2, 2, 5000.0, 12.4, Some(thrown)),
            ],
            ..top_page_of_tab_7(vec![
                listener(1, "callAccepted", 90, false),
                listener(2, "callAccepted", 91, false),
            ])
        };
        let cases: Vec<(&str, EventRecord, Option<Handled>)> = vec![
            (
                "two ran, one threw",
                event(7, 0, EventKind::CallAccepted, "c1", 5000.0),
                Some(Handled {
                    summary: "handled by 2 listeners; 1 threw TypeError: session is undefined \
                              at app.js:82"
                        .into(),
                    runs: vec![
                        RunLine {
                            text: "listener added at app.js:90 · 0.2 ms".into(),
                            threw: false,
                            stack: None,
                        },
                        RunLine {
                            text: "listener added at app.js:91 · 12 ms · threw TypeError: \
                                   session is undefined at app.js:82"
                                .into(),
                            threw: true,
                            stack: Some("handleEvent@http://127.0.0.1:8123/app.js:82:9\n".into()),
                        },
                    ],
                }),
            ),
            (
                "watched, none ran",
                event(7, 0, EventKind::CallEnded, "c1", 6000.0),
                Some(Handled {
                    summary: "no listener ran".into(),
                    runs: Vec::new(),
                }),
            ),
            (
                "another tab: not watched",
                event(8, 0, EventKind::CallAccepted, "c1", 5000.0),
                None,
            ),
            (
                "long before the hook's first report",
                event(7, 0, EventKind::CallEnded, "c1", -20_000.0),
                None,
            ),
        ];
        for (name, e, want) in cases {
            assert_eq!(handled(&log, &e), want, "{name}");
        }
    }
}
