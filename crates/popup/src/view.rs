//! The popup's screen as a whole: wires the controls, loads and live-reloads the log, and
//! renders the parts (`calls_list`, `timeline_view`, banners and controls here).
//!
//! # Element contract (tests and the benchmark rely on these; keep them stable)
//!
//! | selector | what |
//! |---|---|
//! | `#export` | "Export JSON": the whole log, the current export version (`fvi_core::export::VERSION`), `calls`/`inbound` filled |
//! | `#export-filtered` | export what the filters show (whole calls) |
//! | `#import` | file input ("Import…"), opens an export read-only |
//! | `#imported-banner` | visible while an imported file is shown: "Imported: <name> — read-only"; `#back-to-live` leaves it |
//! | `#open-tab` | opens this view in a browser tab |
//! | `#filter-tab` | select: `all` (default), `current`, or `tab:<id>` for each tab of the log, its text the tab's label (`T2 · Title`) |
//! | `#filter-type` | select: `""` (all) or a full event name (`fullview:callDenied`) |
//! | `#filter-problems` | checkbox: only calls and inbound requests with problems |
//! | `#problem-keys` | the hint for the keys `n` (next problem) and `p` (previous), shown while the log has problems |
//! | `#filter-text` | search over callId, URL, page title, tab label, event type, state and problem texts (`fvi_core::search`) |
//! | `#filter-reset` | clears the filters (hidden when none is set) |
//! | `#view-calls`, `#view-inbound`, `#view-unassigned` | switch the list; text says the count |
//! | `#calls` | listbox of calls, newest first: `li.call[role=option]` with `data-call-id` (and `data-key`), `aria-selected` |
//! | `#inbound` | listbox of inbound requests per tab: `li.inbound` with `data-inbound-id`; `li.group-head` per tab |
//! | `#unassigned` | listbox of call events without a callId: `li.unassigned` with `data-seq` |
//! | `.row.flagged`, `.row .mark` | a row with problems, and its mark (messages in `title`/`aria-label`) |
//! | `#show-more` | renders the next rows of a long list |
//! | `#timeline` | detail pane of the selection |
//! | `#accept-delay` | in `#timeline`: how long the customer took to accept (or denied / no answer) |
//! | `.flags li[data-flag=<code>]` | in `#timeline`: each problem in plain words |
//! | `.step` | one timeline step (`data-seq`); `.step.fanout` holds a `<details>` with one `.member` per tab; `.step.note` a tab note; `.step.match` matches the filters |
//! | `pre.json` | an event's `detail` as indented JSON |
//! | `#copy-call-id`, `#copy-markdown`, `#copy-text`, `#export-call` | in `#timeline`, for the selected call |
//! | `#pause` | pause/resume capture (`aria-pressed`) |
//! | `#clear`, `#clear-confirm`, `#clear-cancel` | clear the log, after the in-page confirmation |
//! | `#settings` | `<details>`, folded: the three settings below, in a box over the list when open |
//! | `#retention` | most events kept (number input; applies on change) |
//! | `#keep-across-restarts` | checkbox: keep the log when the browser restarts |
//! | `#toolbar-opens-panel` | checkbox: the toolbar button opens the side panel instead of the popup (in `#toolbar-setting`) |
//! | `#open-side-panel` | opens the side panel (Chromium) or sidebar (Firefox) of this window |
//! | `#tab-banner` | shown when "this tab" has closed, or is a page the extension cannot run on |
//! | `#back-to-list` | in a narrow window, from the timeline back to the list (`html.detail-open` shows the timeline) |
//! | `html[data-fvi-host]` | `popup`, `tab`, `side` or `devtools` (crates/popup/src/host.rs) |
//! | `#status` | the latest message (loading, errors, import refusals, "Copied …") |
//! | `#summary` | counts of the log on screen (`#summary-text`; an imported file's figures: events, calls, tabs, time span); `#show-problems` is its problem count, a button that turns on problems only and selects the first |
//! | `#selected-mark` | shown while the selected row is scrolled out of the list: "↓ Selected call · 67 newer calls above" (class `up` or `down`, `data-position`); a click scrolls back to it |
//! | `#paused-banner`, `#evicted-banner`, `#malformed-banner` | shown when capture is paused, retention dropped calls, messages were refused |
//! | `#storage-banner` | shown while the background's writes to storage fail: since when, how many events wait (also in `data-waiting`), the browser's words |
//! | `html[data-fvi-renders]` | increments after every render (wait on it in tests) |
//! | `html[data-fvi-list-patch]` | what the last render did to the list's rows: `<created> <refilled> <removed>` |
//! | `html[data-fvi-boot-ms]` | `performance.now()` when popup/boot.js ran (it starts the wasm and the first reads) |
//! | `html[data-fvi-prefetched]` | how many storage keys the first load took from popup/boot.js's reads instead of reading them itself |
//! | `html[data-fvi-start-ms]` | `performance.now()` when the wasm started |
//! | `html[data-fvi-first-paint-ms]` | `performance.now()` once the first frame after the first load is painted |
//! | `html[data-fvi-full-ms]` | `performance.now()` once the whole log is on screen (a large log shows its newest chunks first) |
//! | `html[data-fvi-export-ms]` | how long the last export took to build and hand over |
//! | `html[data-fvi-export-phases]` | of that, ms summarising the calls and ms serialising the file |
//! | `html[data-fvi-load-ms]`, `[data-fvi-build-ms]`, `[data-fvi-render-ms]` | last load, model build, render durations |
//! | `html[data-fvi-listening]` | how the page hears of changes now: `port` (the log is busy) or `passive` (`live.rs`) |
//! | `html[data-fvi-heard-ms]` | `performance.now()` when the page last heard the log changed |

use std::cell::RefCell;
use std::rc::Rc;

use fvi_browser::DomListener;
use fvi_core::protocol::{Request, Response, PROTOCOL_VERSION};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, HtmlElement, HtmlInputElement, KeyboardEvent};

use crate::actions;
use crate::calls_list;
use crate::dom::{self, attr, by_id};
use crate::filters::{Filters, TabScope};
use crate::find;
use crate::format;
use crate::host::Host;
use crate::import;
use crate::load;
use crate::state::{App, Pane, TabState, PAGE_ROWS};
use crate::texts;
use crate::timeline_view;

/// Storage writes come in bursts while a page fires events. The first change after a quiet
/// spell reloads at once, so a panel beside the page shows an event as soon as it is stored
/// (it waited 250 ms for the burst to end before, which was most of the live latency);
/// later changes reload at most once per this gap, so a burst costs a reload every gap.
const RELOAD_GAP_MS: f64 = 250.0;
const SEARCH_DEBOUNCE_MS: i32 = 200;
/// The longest the full load waits for the first screen to be painted (a hidden page
/// paints nothing).
const FIRST_PAINT_WAIT_MS: i32 = 200;
/// How often open requests are re-judged for "unanswered" while the log is quiet.
const REJUDGE_MS: i32 = 10_000;
/// How often a text that counts time ("12.00 s since the request") is brought up to date.
const TICK_MS: i32 = 1_000;

type Shared = Rc<RefCell<App>>;

/// The mounted view: the page's listeners and timers, held for as long as it lives and
/// removed with it (dropping it removes every listener and stops the timers). The page
/// holds it from `start` on (`lib.rs`).
pub struct View {
    _listeners: Vec<DomListener>,
    _live: crate::live::Live,
    _rejudge: dom::Interval,
}

pub fn mount(app: &Shared) -> Result<View, JsValue> {
    read_location(&mut app.borrow_mut());
    let host = app.borrow().placement.host;
    let root_element = root();
    attr(&root_element, "data-fvi-host", host.name());
    if host.fills_window() {
        root_element.class_list().add_1("in-tab").ok();
    }
    dom::set_hidden("open-tab", host != Host::Popup);
    dom::set_hidden(
        "open-side-panel",
        !(matches!(host, Host::Popup | Host::Tab) && fvi_browser::panels::has_side_panel()),
    );
    Filters::install_type_options();
    {
        let mut a = app.borrow_mut();
        a.filters = Filters::restore(&a.placement);
        a.filters.write_controls();
    }

    let mut listeners = Vec::new();
    let body: web_sys::EventTarget = dom::document().body().ok_or("no body")?.into();
    let on_click = app.clone();
    listeners.push(DomListener::new(&body, "click", false, move |event| {
        click(&on_click, &event)
    }));
    let on_keys = app.clone();
    listeners.push(DomListener::new(&body, "keydown", false, move |event| {
        if let Some(event) = event.dyn_ref::<KeyboardEvent>() {
            keydown(&on_keys, event);
        }
    }));

    for id in ["filter-tab", "filter-type", "filter-problems"] {
        let app = app.clone();
        listeners.push(listen(id, "change", move |_| apply_filters(&app))?);
    }
    let on_search = app.clone();
    listeners.push(listen("filter-text", "input", move |_| {
        let generation = {
            let mut a = on_search.borrow_mut();
            a.search_generation += 1;
            a.search_generation
        };
        let app = on_search.clone();
        dom::after(SEARCH_DEBOUNCE_MS, move || {
            if app.borrow().search_generation == generation {
                apply_filters(&app);
            }
        });
    })?);
    // The selected row's mark follows the list's scrolling.
    let on_scroll = app.clone();
    listeners.push(listen("list-scroll", "scroll", move |_| {
        find::schedule_mark(&on_scroll)
    })?);
    let on_retention = app.clone();
    listeners.push(listen("retention", "change", move |_| {
        actions::set_retention(&on_retention)
    })?);
    let on_toolbar = app.clone();
    listeners.push(listen("toolbar-opens-panel", "change", move |_| {
        actions::set_toolbar_opens_panel(&on_toolbar)
    })?);
    // A browser without a side panel has nothing for the button to open instead.
    if !fvi_browser::panels::has_side_panel() {
        dom::set_hidden("toolbar-setting", true);
    }
    let on_keep = app.clone();
    listeners.push(listen("keep-across-restarts", "change", move |_| {
        actions::set_keep_across_restarts(&on_keep)
    })?);
    let on_import = app.clone();
    listeners.push(listen("import", "change", move |_| {
        wasm_bindgen_futures::spawn_local(import::on_file_chosen(on_import.clone()));
    })?);

    // The list follows the log, and the banner the background's health, while open
    // (`live.rs`: [`log_changed`] for each change).
    listeners.extend(crate::fire_view::mount(app));
    Ok(View {
        _listeners: listeners,
        _live: crate::live::Live::start(app),
        _rejudge: rejudge_timer(app),
    })
}

/// The log changed: read what is new, at once after a quiet spell, else once the reload
/// gap since the last reload has passed.
pub fn log_changed(app: &Shared) {
    let delay = reload_delay(&app.borrow());
    schedule_reload(app, delay);
}

/// Asks the background how its writes are going. Sent after the first load, not with it:
/// the message may have to start the background, and on two cores that start competes with
/// the first paint (ARCHITECTURE.md, "The popup's first paint").
async fn ask_health(app: &Shared) {
    let request = Request::Status {
        v: PROTOCOL_VERSION,
    };
    // Any other outcome leaves the banner as the broadcasts leave it.
    if let Ok(Response::Status { health, .. }) = fvi_browser::runtime::send(&request).await {
        app.borrow_mut().health = health;
        render_health(&app.borrow());
    }
}

/// `#storage-banner`: while storage writes fail, says so, since when, and how many events
/// wait in their pages to be sent again; and how many were lost, and why, when their page
/// went away first. Text only: the error is the browser's words.
pub fn render_health(app: &App) {
    let Some(banner) = by_id("storage-banner") else {
        return;
    };
    let health = &app.health;
    let waiting = health.waiting_events as usize;
    attr(&banner, "data-waiting", &waiting.to_string());
    attr(
        &banner,
        "data-lost",
        &health.lost_events.total().to_string(),
    );
    // The words live in the core (`Health::notice`), fixture-tested there.
    let since = health
        .storage_failing_since
        .map(format::local_time)
        .unwrap_or_default();
    let text = health.notice(&since);
    banner.set_hidden(text.is_empty());
    dom::set_text(&banner, &text);
}

fn listen(
    id: &str,
    event: &str,
    f: impl FnMut(web_sys::Event) + 'static,
) -> Result<DomListener, JsValue> {
    let target = by_id(id).ok_or_else(|| format!("popup.html lacks #{id}"))?;
    Ok(DomListener::new(target.unchecked_ref(), event, false, f))
}

/// Where the page runs (`crate::host::place`): `?host=side|devtools|tab` (or the older
/// `?view=tab` of "Open in a tab"), `?tab=<id>` to bind it to a tab, and in a real DevTools
/// panel the inspected tab.
fn read_location(app: &mut App) {
    let search = dom::window().location().search().unwrap_or_default();
    let params = web_sys::UrlSearchParams::new_with_str(&search).ok();
    let get = |key: &str| params.as_ref().and_then(|p| p.get(key));
    app.placement = crate::host::place(
        get("host").as_deref(),
        get("view").as_deref(),
        get("tab").as_deref(),
        fvi_browser::panels::inspected_tab_id(),
    );
    app.current_tab = app.placement.tab;
}

thread_local! {
    /// Bumped by every change of "this tab"; an answer about an older one is dropped.
    static TAB_GENERATION: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Keeps `listener` for as long as the app lives (`App::held`).
fn hold(app: &Shared, listener: fvi_browser::Result<fvi_browser::ExtListener>) {
    match listener {
        Ok(listener) => app.borrow_mut().held.push(listener),
        Err(e) => status(&format!("Live updates of tabs are unavailable: {e}."), true),
    }
}

/// Finds which tab "this tab" is, and keeps it current: the side panel follows the active
/// tab of its window, and every host notices its tab closing or changing page.
async fn bind_tab(app: Shared) {
    let placement = app.borrow().placement.clone();
    let window = fvi_browser::panels::current_window_id()
        .await
        .ok()
        .flatten();
    app.borrow_mut().window_id = window;
    let tab = match (placement.tab, placement.host, window) {
        (Some(tab), _, _) => Some(tab),
        (None, Host::Popup, _) => fvi_browser::tabs::active_tab_id().await.ok().flatten(),
        (None, Host::Side, Some(window)) => fvi_browser::tabs::active_tab_of(window)
            .await
            .ok()
            .flatten(),
        _ => None,
    };
    set_current_tab(&app, tab).await;
    // The app holds these listeners, so they hold it weakly (no cycle).
    if placement.follows_active_tab {
        let on_activated = Rc::downgrade(&app);
        let listener = fvi_browser::panels::on_tab_activated(move |tab, window| {
            let Some(app) = on_activated.upgrade() else {
                return;
            };
            if app.borrow().window_id == Some(window) {
                wasm_bindgen_futures::spawn_local(async move {
                    set_current_tab(&app, Some(tab)).await;
                });
            }
        });
        hold(&app, listener);
    }
    let on_removed = Rc::downgrade(&app);
    let listener = fvi_browser::tabs::on_removed(move |tab| {
        let Some(app) = on_removed.upgrade() else {
            return;
        };
        if app.borrow().current_tab == Some(tab) {
            app.borrow_mut().tab_state = TabState::Closed;
            render_controls(&app.borrow());
        }
    });
    hold(&app, listener);
    let on_url = Rc::downgrade(&app);
    let listener = fvi_browser::tabs::on_url_changed(move |tab, url| {
        let Some(app) = on_url.upgrade() else {
            return;
        };
        if app.borrow().current_tab == Some(tab) {
            app.borrow_mut().tab_state = TabState::Open { url };
            render_controls(&app.borrow());
        }
    });
    hold(&app, listener);
}

/// Makes `tab` "this tab", asks the browser what state it is in, and shows the result.
async fn set_current_tab(app: &Shared, tab: Option<i64>) {
    let generation = TAB_GENERATION.with(|g| {
        g.set(g.get() + 1);
        g.get()
    });
    let state = match tab {
        Some(id) => match fvi_browser::panels::tab_info(id).await {
            Ok(Some(info)) => TabState::Open {
                url: info.url.unwrap_or_default(),
            },
            Ok(None) => TabState::Closed,
            Err(_) => TabState::Unknown,
        },
        None => TabState::Unknown,
    };
    if TAB_GENERATION.with(|g| g.get()) != generation {
        return;
    }
    let refilter = {
        let mut a = app.borrow_mut();
        let changed = a.current_tab != tab;
        a.current_tab = tab;
        a.tab_state = state;
        changed && a.filters.tab == TabScope::Current && !a.loading
    };
    if refilter {
        {
            let mut a = app.borrow_mut();
            a.refilter();
            a.ensure_selection();
        }
        render_all(app);
    } else {
        render_controls(&app.borrow());
    }
}

/// What the banner says about "this tab": closed, or a page the extension cannot run on.
fn tab_banner(app: &App) -> Option<String> {
    if !app.is_live() {
        return None;
    }
    match &app.tab_state {
        TabState::Closed if app.placement.host != Host::Popup => Some(format!(
            "The tab this view follows (tab {}) was closed. What it recorded stays in the log.",
            app.current_tab.map_or_else(String::new, |t| t.to_string())
        )),
        // This very page, opened as a tab and following the active tab: nothing to say.
        TabState::Open { url } if url.starts_with(&fvi_browser::runtime::url("")) => None,
        TabState::Open { url } => crate::host::restricted(url)
            .map(|why| format!("Nothing can be captured on this page ({url}): {why}.")),
        _ => None,
    }
}

/// First load: which tab is current, then the log; a large log shows its newest chunks
/// first, then the whole of it. `prefetch` is popup/boot.js's promise of the first reads.
pub async fn start(app: Shared, prefetch: JsValue) {
    // Asked alongside the load, not before it: only the tab filter and banner need it.
    wasm_bindgen_futures::spawn_local(bind_tab(app.clone()));
    // Storage changes meanwhile wait for the full load below.
    app.borrow_mut().loading = true;
    let t0 = dom::perf_now();
    let prefetched = fvi_browser::storage::Prefetched::resolve(prefetch).await;
    let preview = load::fetch_tail(2 * load::TAIL_CHUNKS, &prefetched).await;
    attr(
        &root(),
        "data-fvi-prefetched",
        &prefetched.used().to_string(),
    );
    app.borrow_mut().loading = false;
    match preview {
        Ok(Some(preview)) => {
            let t1 = dom::perf_now();
            let (shown, total) = (preview.events.len(), preview.meta.total_events());
            {
                let mut a = app.borrow_mut();
                a.live = Some(preview);
                a.rebuild();
                a.ensure_selection();
            }
            let t2 = dom::perf_now();
            render_all(&app);
            timings(t1 - t0, t2 - t1, dom::perf_now() - t2);
            first_paint(&app);
            status_while(
                &format!(
                    "Showing the newest {} of {} events; loading the rest…",
                    format::count(shown),
                    format::count(total as usize)
                ),
                texts::Holds::UntilLogChanges(shown_log_version()),
            );
            // The rest of the log waits until this first screen is painted: parsing and
            // rendering it is one long task, which would otherwise hold that frame back
            // (BENCHMARKS.md §4).
            dom::next_paint(FIRST_PAINT_WAIT_MS).await;
        }
        Ok(None) => {}
        Err(e) => status(&e, true),
    }
    reload(app.clone()).await;
    ask_health(&app).await;
}

fn timings(load_ms: f64, build_ms: f64, render_ms: f64) {
    let root = root();
    attr(&root, "data-fvi-load-ms", &format!("{load_ms:.1}"));
    attr(&root, "data-fvi-build-ms", &format!("{build_ms:.1}"));
    attr(&root, "data-fvi-render-ms", &format!("{render_ms:.1}"));
}

/// Reloads after `delay_ms`, unless another change comes first (which restarts the wait).
pub fn schedule_reload(app: &Shared, delay_ms: i32) {
    let generation = {
        let mut a = app.borrow_mut();
        a.change_generation += 1;
        a.change_generation
    };
    let app = app.clone();
    dom::after(delay_ms, move || {
        if app.borrow().change_generation == generation {
            wasm_bindgen_futures::spawn_local(reload(app));
        }
    });
}

async fn reload(app: Shared) {
    let held = {
        let mut a = app.borrow_mut();
        if a.loading {
            a.reload_again = true;
            return;
        }
        a.loading = true;
        a.last_reload_ms = Some(dom::perf_now());
        a.live.as_ref().map(load::Loaded::held).unwrap_or_default()
    };
    let t0 = dom::perf_now();
    let result = load::fetch(&held).await;
    let t1 = dom::perf_now();
    let live = {
        let mut a = app.borrow_mut();
        a.loading = false;
        match result {
            Ok(update) => {
                let stable = a.live.get_or_insert_with(Default::default).apply(update);
                if a.is_live() {
                    a.update(stable);
                    a.keep_selection();
                }
                true
            }
            Err(e) => {
                drop(a);
                status(&e, true);
                false
            }
        }
    };
    let t2 = dom::perf_now();
    if live {
        if app.borrow().is_live() {
            render_all(&app);
        } else {
            render_controls(&app.borrow());
        }
        timings(t1 - t0, t2 - t1, dom::perf_now() - t2);
        let full = std::mem::take(&mut app.borrow_mut().full_load_pending);
        if full {
            // When the whole log (not only its newest chunks) is on screen.
            attr(
                &root(),
                "data-fvi-full-ms",
                &format!("{:.1}", dom::perf_now()),
            );
            if !app.borrow().first_paint_pending {
                let events = app.borrow().events().len();
                status_while(
                    &format!("Loaded {}.", format::plural(events, "event", "events")),
                    texts::Holds::UntilLogChanges(shown_log_version()),
                );
            }
        }
        first_paint(&app);
        // The page's handler reports live beside the log: read them again too.
        wasm_bindgen_futures::spawn_local(crate::handlers_view::refresh(app.clone()));
    }
    let again = std::mem::take(&mut app.borrow_mut().reload_again);
    if again {
        let delay = reload_delay(&app.borrow());
        schedule_reload(&app, delay);
    }
}

/// How long until the next reload may start: at once after a quiet spell, else the rest of
/// [`RELOAD_GAP_MS`] since the last one started.
fn reload_delay(app: &App) -> i32 {
    app.last_reload_ms.map_or(0.0, |last| {
        (last + RELOAD_GAP_MS - dom::perf_now()).max(0.0)
    }) as i32
}

fn root() -> Element {
    dom::document().document_element().expect("root element")
}

/// Records when the first frame after the first load is painted: the benchmark's figure.
fn first_paint(app: &Shared) {
    let pending = std::mem::take(&mut app.borrow_mut().first_paint_pending);
    if !pending {
        return;
    }
    let ready = format!(
        "{} events",
        app.borrow().live.as_ref().map_or(0, |l| l.events.len())
    );
    status_while(
        &format!("Loaded {ready}."),
        texts::Holds::UntilLogChanges(shown_log_version()),
    );
    // The frame callback runs just before the frame is painted; a task queued from it runs
    // once that frame is out.
    let callback = wasm_bindgen::closure::Closure::once_into_js(move || {
        dom::after(0, || {
            attr(
                &root(),
                "data-fvi-first-paint-ms",
                &format!("{:.1}", dom::perf_now()),
            );
        });
    });
    let _ = dom::window().request_animation_frame(callback.unchecked_ref());
    // Then the rows below the first screen. A hidden page gets no frame callbacks, hence
    // the bound on the wait.
    let app = app.clone();
    wasm_bindgen_futures::spawn_local(async move {
        dom::next_paint(FIRST_PAINT_WAIT_MS).await;
        let rest = std::mem::take(&mut app.borrow_mut().first_screen);
        if rest {
            render_list(&app);
        }
    });
}

/// The clock texts are rendered with: the browser's, or for an imported file the time it
/// was exported (what its "no answer yet" is judged at).
fn clock(app: &App) -> format::Local {
    match &app.imported {
        Some(imported) => format::Local { now: imported.now },
        None => format::Local::now(),
    }
}

/// Renders everything from the state: the one render path. The list is patched through
/// its keyed rows, the detail pane re-rendered only when what it shows changed, and the
/// texts that count time are derived at this render's clock. All layout reads (scroll
/// positions) happen first and all scroll writes last, so the browser lays the page out at
/// most once, not once per part.
pub fn render_all(app: &Shared) {
    let anchor = calls_list::capture_anchor(&app.borrow());
    let detail_scroll = by_id("timeline").map_or(0, |p| p.scroll_top());
    let clock = clock(&app.borrow());
    render_controls(&app.borrow());
    crate::handlers_view::render(&app.borrow());
    let patch = calls_list::render(&mut app.borrow_mut(), &clock);
    let detail_scroll_to = render_detail(app, detail_scroll);
    calls_list::restore_anchor(&app.borrow(), anchor);
    set_detail_scroll(detail_scroll_to);
    tick_while_counting(app, &clock);
    find::schedule_mark(app);
    let root = root();
    let renders: u64 = root
        .get_attribute("data-fvi-renders")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    attr(&root, "data-fvi-renders", &(renders + 1).to_string());
    attr(
        &root,
        "data-fvi-list-patch",
        &format!("{} {} {}", patch.created, patch.refilled, patch.removed),
    );
}

/// Patches the texts that count time to `clock`, and keeps a one-second tick running for
/// as long as one is on screen (the tick holds the app weakly; dropping it stops it).
fn tick_while_counting(app: &Shared, clock: &format::Local) {
    let ticking = timeline_view::patch_answer(&app.borrow(), clock.now) && app.borrow().is_live();
    let running = app.borrow().tick.is_some();
    if ticking && !running {
        let weak = Rc::downgrade(app);
        let tick = dom::Interval::new(TICK_MS, move || {
            let Some(app) = weak.upgrade() else {
                return;
            };
            let ticking = timeline_view::patch_answer(&app.borrow(), js_sys::Date::now());
            if !ticking {
                // Dropped from a task of its own: a closure must not free itself while
                // it runs.
                let weak = Rc::downgrade(&app);
                dom::after(0, move || {
                    if let Some(app) = weak.upgrade() {
                        app.borrow_mut().tick = None;
                    }
                });
            }
        });
        app.borrow_mut().tick = Some(tick);
    } else if !ticking && running {
        app.borrow_mut().tick = None;
    }
}

fn render_detail(app: &Shared, scroll_before: i32) -> Option<i32> {
    let mut a = app.borrow_mut();
    let previous = std::mem::take(&mut a.detail);
    let all_steps = a.all_steps;
    let (shown, scroll) = timeline_view::render(&a, &previous, all_steps, scroll_before);
    a.detail = shown;
    scroll
}

/// Patches the list alone (more rows, the first screen's rest): the same keyed render,
/// which leaves the rows already there untouched.
fn render_list(app: &Shared) {
    let clock = clock(&app.borrow());
    calls_list::render(&mut app.borrow_mut(), &clock);
    find::schedule_mark(app);
}

fn set_detail_scroll(to: Option<i32>) {
    if let (Some(to), Some(pane)) = (to, by_id("timeline")) {
        pane.set_scroll_top(to);
    }
}

/// Banners, summary, and the capture controls.
pub fn render_controls(app: &App) {
    let live = app.is_live();
    let meta = app.live.as_ref().map(|l| &l.meta);

    // "This tab" is closed, or a page the extension cannot run on.
    let banner = tab_banner(app);
    if let Some(b) = by_id("tab-banner") {
        dom::set_text(&b, banner.as_deref().unwrap_or(""));
        b.set_hidden(banner.is_none());
    }

    // Imported file banner.
    dom::set_hidden("imported-banner", live);
    if let (Some(imported), Some(label)) = (&app.imported, by_id("imported-label")) {
        let by = &imported.file.generator;
        dom::set_text(
            &label,
            &format!(
                "Imported: {} — read-only. Exported {} by {} {} ({}). The live log is untouched.",
                imported.name,
                format::local_date_time(imported.now),
                by.name,
                by.version,
                by.browser
            ),
        );
    }

    // Banners about the log on screen: the live meta, or the imported file's stats.
    let stats = app.stats();
    let paused = live && meta.is_some_and(|m| m.paused);
    dom::set_hidden("paused-banner", !paused);
    if let Some(b) = by_id("evicted-banner") {
        let evicted = stats.evicted_calls > 0 || stats.evicted_events > 0;
        b.set_hidden(!evicted);
        if evicted {
            let limit = meta
                .filter(|_| live)
                .map(|m| format!(" of {} events", format::count(m.max_events as usize)))
                .unwrap_or_default();
            dom::set_text(
                &b,
                &format!(
                    "The log reached its limit{limit}, so the oldest {} ({}) were dropped. \
                     Raise the limit below to keep more.",
                    format::plural(stats.evicted_calls as usize, "call", "calls"),
                    format::plural(stats.evicted_events as usize, "event", "events")
                ),
            );
        }
    }
    if let Some(b) = by_id("malformed-banner") {
        let refused = stats.malformed_messages;
        b.set_hidden(refused == 0);
        if refused > 0 {
            let last = meta
                .filter(|_| live)
                .and_then(|m| m.last_malformed.as_deref())
                .map(|r| format!(" The last one: {}.", format::clip(r, 200)))
                .unwrap_or_default();
            dom::set_text(
                &b,
                &format!(
                    "{} refused as malformed and not recorded.{last}",
                    format::plural(refused as usize, "message was", "messages were")
                ),
            );
        }
    }

    render_summary(app);
    if let Some(select) = dom::by_id_as::<web_sys::HtmlSelectElement>("filter-tab") {
        let options = crate::filters::tab_options(
            &app.model.tabs,
            app.placement.host.this_tab_label(),
            app.current_tab,
            app.filters.tab,
        );
        crate::filters::render_tab_options(&select, &options, &app.filters.tab.value());
    }
    // The status line, judged against the log on screen now.
    FACTS.with(|f| f.set(log_facts(app)));
    render_status();

    // Capture controls act on the live log only.
    if let Some(pause) = dom::by_id_as::<web_sys::HtmlButtonElement>("pause") {
        let paused = meta.is_some_and(|m| m.paused);
        dom::set_text(
            &pause,
            if paused {
                "Resume capture"
            } else {
                "Pause capture"
            },
        );
        attr(
            &pause,
            "aria-pressed",
            if paused { "true" } else { "false" },
        );
        pause.set_disabled(!live || meta.is_none());
    }
    if let Some(clear) = dom::by_id_as::<web_sys::HtmlButtonElement>("clear") {
        clear.set_disabled(!live || meta.is_none());
    }
    if let Some(keep) = dom::by_id_as::<HtmlInputElement>("keep-across-restarts") {
        keep.set_disabled(!live || meta.is_none());
        keep.set_checked(meta.is_none_or(|m| m.keep_across_restarts));
    }
    if let Some(panel) = dom::by_id_as::<HtmlInputElement>("toolbar-opens-panel") {
        panel.set_disabled(!live || meta.is_none());
        panel.set_checked(meta.is_some_and(|m| m.toolbar_opens_panel));
    }
    // Exports of a log whose older part is still loading would be silently partial.
    let partial = app.is_partial();
    for id in ["export", "export-filtered", "export-call"] {
        if let Some(b) = dom::by_id_as::<web_sys::HtmlButtonElement>(id) {
            b.set_disabled(partial);
        }
    }
    if let Some(input) = dom::by_id_as::<HtmlInputElement>("retention") {
        input.set_disabled(!live || meta.is_none());
        let focused = dom::document()
            .active_element()
            .is_some_and(|e| e.id() == "retention");
        // Never overwrite what the user is typing.
        if let (Some(m), false) = (meta, focused) {
            let value = m.max_events.to_string();
            if input.value() != value {
                input.set_value(&value);
            }
        }
    }
    if let Some(hint) = by_id("retention-hint") {
        let stored = format::count(app.live.as_ref().map_or(0, |l| l.events.len()));
        // An imported file is read-only: these controls are the live log's.
        let text = if live {
            format!("events (now {stored})")
        } else {
            format!("events in the live log (now {stored})")
        };
        dom::set_text(&hint, &text);
    }
    if !live {
        dom::set_hidden("clear-box", true);
    }
}

/// `#summary`: the counts of the log on screen (an imported file's figures), and the
/// problem count as a button that leads to the problems.
fn render_summary(app: &App) {
    let events = app.events();
    let span = if app.is_live() {
        None
    } else {
        let times = events.iter().map(|e| e.captured_at);
        let first = times.clone().fold(f64::INFINITY, f64::min);
        let last = times.fold(f64::NEG_INFINITY, f64::max);
        (first <= last).then_some((first, last))
    };
    let figures = texts::Figures {
        events: events.len(),
        calls: app.model.calls.len(),
        tabs: app.model.tabs.all().len(),
        problems: app.model.flag_count(),
        span,
        live: app.is_live(),
    };
    let view = texts::summary(&figures, &clock(app));
    if let Some(text) = by_id("summary-text") {
        dom::set_text(&text, &view.text);
    }
    if let Some(button) = by_id("show-problems") {
        button.set_hidden(view.problems.is_none());
        // Hidden, it keeps a name (its last count, or popup.html's words).
        if let Some(problems) = &view.problems {
            dom::set_text(&button, problems);
        }
    }
    dom::set_hidden("problem-keys", view.problems.is_none());
}

thread_local! {
    /// The status line's message and what it depends on (`texts::Holds`).
    static STATUS: RefCell<texts::Status> = RefCell::new(texts::Status::default());
    /// The log on screen, as of the last render, that the message is judged against.
    static FACTS: std::cell::Cell<texts::LogFacts> = std::cell::Cell::new(texts::LogFacts::default());
}

fn log_facts(app: &App) -> texts::LogFacts {
    let meta = app.live.as_ref().map(|l| &l.meta).filter(|_| app.is_live());
    texts::LogFacts {
        log_version: app.log_version,
        events: app.events().len(),
        paused: meta.map(|m| m.paused),
        max_events: meta.map(|m| m.max_events),
    }
}

/// Shows a message about an action in `#status`; `error` styles it as one.
pub fn status(message: &str, error: bool) {
    set_status(texts::Status {
        text: message.to_string(),
        error,
        holds: texts::Holds::Always,
    });
}

/// Shows a message that holds only while `holds` says (a message about the log).
pub fn status_while(message: &str, holds: texts::Holds) {
    set_status(texts::Status {
        text: message.to_string(),
        error: false,
        holds,
    });
}

/// The version of the log on screen as of the last render: a message about the log as it
/// is now holds for it (`texts::Holds`).
pub fn shown_log_version() -> u64 {
    FACTS.with(|f| f.get().log_version)
}

fn set_status(new: texts::Status) {
    STATUS.with(|s| *s.borrow_mut() = new);
    render_status();
}

fn render_status() {
    let view = STATUS.with(|s| texts::status_view(&s.borrow(), &FACTS.with(|f| f.get())));
    if let Some(s) = by_id("status") {
        dom::set_text(&s, &view.text);
        let _ = s.class_list().toggle_with_force("error", view.error);
    }
}

fn apply_filters(app: &Shared) {
    {
        let mut a = app.borrow_mut();
        let filters = Filters::read_controls();
        if filters == a.filters {
            return;
        }
        filters.save(a.placement.host);
        filters.write_controls();
        a.filters = filters;
        a.limit = PAGE_ROWS;
        a.refilter();
        a.ensure_selection();
    }
    render_all(app);
}

fn reset_filters(app: &Shared) {
    Filters::default().write_controls();
    apply_filters(app);
}

/// One click handler for the whole page: buttons by `data-action` (rendered ones) or by
/// id (the fixed ones in popup.html), and list rows.
fn click(app: &Shared, event: &web_sys::Event) {
    if let Some(target) = dom::closest(event, "[data-action], button[id]") {
        let action = target
            .get_attribute("data-action")
            .unwrap_or_else(|| target.id());
        let arg = target.get_attribute("data-arg").unwrap_or_default();
        run_action(app, &action, &arg);
        return;
    }
    if let Some(row) = dom::closest(event, "[role=option][data-key]") {
        if let Some(key) = row.get_attribute("data-key") {
            select(app, &key, false);
            // A narrow window shows one pane at a time: the chosen row's timeline now.
            root().class_list().add_1("detail-open").ok();
        }
    }
}

fn run_action(app: &Shared, action: &str, arg: &str) {
    match action {
        "export" => actions::export_all(app),
        "export-filtered" => actions::export_filtered(app),
        "export-call" => actions::export_call(app),
        "copy-call-id" => actions::copy_call_id(&app.borrow()),
        "copy-markdown" => actions::copy_call(&app.borrow(), actions::CopyAs::Markdown),
        "copy-text" => actions::copy_call(&app.borrow(), actions::CopyAs::Text),
        "open-tab" => actions::open_in_tab(&app.borrow()),
        // Synchronously, inside the click: both browsers open a panel only during a gesture.
        "open-side-panel" => {
            let window = app.borrow().window_id;
            if let Err(e) = fvi_browser::panels::open_side_panel(window) {
                status(&format!("Could not open the side panel: {e}."), true);
            }
        }
        "back-to-list" => {
            root().class_list().remove_1("detail-open").ok();
            calls_list::focus_selected(&app.borrow());
        }
        "pause" => actions::toggle_pause(app),
        "clear" => actions::ask_clear(&app.borrow()),
        "clear-cancel" => actions::cancel_clear(),
        "clear-confirm" => actions::confirm_clear(),
        "back-to-live" => import::back_to_live(app),
        "filter-reset" => reset_filters(app),
        "show-problems" => show_problems(app),
        "to-selected" => {
            // A live update keeps the list's window (App::keep_selection), so after a burst
            // the selected call can sit below it, with no row: widen the window to it first.
            widen_to_selection(app);
            calls_list::focus_selected(&app.borrow());
            find::schedule_mark(app);
        }
        "show-more" => {
            app.borrow_mut().limit += PAGE_ROWS;
            render_list(app);
        }
        "all-steps" => {
            app.borrow_mut().all_steps = true;
            let scroll = by_id("timeline").map_or(0, |p| p.scroll_top());
            let to = render_detail(app, scroll);
            set_detail_scroll(to);
        }
        "view" => {
            if let Some(pane) = Pane::from_arg(arg) {
                switch_pane(app, pane);
            }
        }
        "open-call" => {
            switch_pane(app, Pane::Calls);
            select(app, arg, true);
        }
        "open-inbound" => {
            switch_pane(app, Pane::Inbound);
            select(app, arg, true);
        }
        other => {
            let _ = crate::fire_view::action(app, other, arg)
                || crate::handlers_view::action(app, other);
        }
    }
}

fn switch_pane(app: &Shared, pane: Pane) {
    {
        let mut a = app.borrow_mut();
        if a.pane == pane {
            return;
        }
        a.pane = pane;
        a.limit = PAGE_ROWS;
        a.all_steps = false;
        a.ensure_selection();
    }
    if let Some(scroll) = by_id("list-scroll") {
        scroll.set_scroll_top(0);
    }
    render_all(app);
}

/// Selects the row with `key` in the current list and shows it; `focus` also moves the
/// keyboard focus to it (and scrolls it into view).
fn select(app: &Shared, key: &str, focus: bool) {
    let scroll = by_id("timeline").map_or(0, |p| p.scroll_top());
    {
        let mut a = app.borrow_mut();
        if a.selected_key().as_deref() != Some(key) {
            a.all_steps = false;
        }
        a.select_key(key);
    }
    widen_to_selection(app);
    calls_list::mark_selected(&mut app.borrow_mut());
    let to = render_detail(app, scroll);
    set_detail_scroll(to);
    let clock = clock(&app.borrow());
    tick_while_counting(app, &clock);
    if focus {
        calls_list::focus_selected(&app.borrow());
    }
    find::schedule_mark(app);
}

/// Widens the list's window to the selected row ([`App::ensure_selection`]) and renders the
/// list again when that added rows, so the selected row exists to be shown or focused.
fn widen_to_selection(app: &Shared) {
    let widened = {
        let mut a = app.borrow_mut();
        let before = a.limit;
        a.ensure_selection();
        a.limit != before
    };
    if widened {
        render_list(app);
    }
}

fn keydown(app: &Shared, event: &KeyboardEvent) {
    let key = event.key();
    let target: Option<Element> = event.target().and_then(|t| t.dyn_into().ok());
    let Some(target) = target else { return };

    if key == "Escape" && target.closest("#clear-box").ok().flatten().is_some() {
        actions::cancel_clear();
        event.prevent_default();
        return;
    }
    // Escape folds the open Settings box, focus back on its summary, as it closes a menu.
    if key == "Escape" {
        if let Some(settings) = target.closest("#settings[open]").ok().flatten() {
            settings.remove_attribute("open").ok();
            if let Some(summary) = settings.first_element_child() {
                summary.dyn_ref::<HtmlElement>().map(|s| s.focus().ok());
            }
            event.prevent_default();
            return;
        }
    }

    // `n` and `p`: the next and previous problem, from anywhere but a text field.
    let modified = event.ctrl_key() || event.meta_key() || event.alt_key();
    if (key == find::NEXT_KEY || key == find::PREVIOUS_KEY) && !modified {
        let editable = target
            .dyn_ref::<HtmlElement>()
            .is_some_and(|e| e.is_content_editable());
        let kind = target.get_attribute("type").unwrap_or_default();
        if !find::is_typing(&target.tag_name(), &kind, editable) {
            event.prevent_default();
            step_problem(app, key == find::NEXT_KEY);
            return;
        }
    }

    // The list switcher is a tab list: arrows move between its tabs.
    if target.get_attribute("role").as_deref() == Some("tab") {
        let current = app.borrow().pane;
        let at = Pane::ALL.iter().position(|p| *p == current).unwrap_or(0);
        let to = match key.as_str() {
            "ArrowRight" => (at + 1) % Pane::ALL.len(),
            "ArrowLeft" => (at + Pane::ALL.len() - 1) % Pane::ALL.len(),
            "Home" => 0,
            "End" => Pane::ALL.len() - 1,
            _ => return,
        };
        event.prevent_default();
        switch_pane(app, Pane::ALL[to]);
        if let Some(tab) = by_id(Pane::ALL[to].tab_id()) {
            let _ = tab.focus();
        }
        return;
    }

    // The list: arrows move the selection, Enter opens the timeline.
    if target.get_attribute("role").as_deref() == Some("option") {
        if key == "Enter" || key == " " {
            event.prevent_default();
            focus_first_step();
            return;
        }
        let (current, len) = {
            let a = app.borrow();
            (a.selected_position(), a.shown_rows().len())
        };
        if let Some(to) = calls_list::key_target(&key, current, len) {
            event.prevent_default();
            let target_key = app.borrow().key_at(to);
            if let Some(k) = target_key {
                select(app, &k, true);
            }
        }
        return;
    }

    // The timeline: arrows move between steps, Escape goes back to the list.
    if let Some(step) = target.closest(".step").ok().flatten() {
        if !target.is_same_node(Some(&step)) {
            return;
        }
        match key.as_str() {
            "ArrowDown" | "ArrowUp" => {
                event.prevent_default();
                let next = if key == "ArrowDown" {
                    step.next_element_sibling()
                } else {
                    step.previous_element_sibling()
                };
                if let Some(next) = next.and_then(|n| n.dyn_into::<HtmlElement>().ok()) {
                    let _ = next.focus();
                }
            }
            "Enter" | " " => {
                // Enter on a fan-out opens or closes it.
                if let Ok(Some(details)) = step.query_selector("details") {
                    event.prevent_default();
                    if details.has_attribute("open") {
                        let _ = details.remove_attribute("open");
                    } else {
                        let _ = details.set_attribute("open", "");
                    }
                }
            }
            "Escape" => {
                event.prevent_default();
                calls_list::focus_selected(&app.borrow());
            }
            _ => {}
        }
    }
}

/// Selects the next (or previous) problem of the list, scrolls it into view and focuses
/// it, and says which it is.
fn step_problem(app: &Shared, forward: bool) {
    let limit = app.borrow().limit;
    let step = app.borrow_mut().step_problem(forward);
    let key = app.borrow().selected_key();
    match (step, key) {
        (Some((nth, total)), Some(key)) => {
            // A problem far down the list: its rows are rendered first.
            if app.borrow().limit != limit {
                render_list(app);
            }
            select(app, &key, true);
            status_while(
                &format!(
                    "Problem {nth} of {total} in this list · {}",
                    find::KEYS_HINT
                ),
                texts::Holds::UntilLogChanges(shown_log_version()),
            );
        }
        _ => status("No problems in this list.", false),
    }
}

/// Leads to the problems (the summary's problem count): problems only, the first one
/// selected and in view.
fn show_problems(app: &Shared) {
    {
        let mut a = app.borrow_mut();
        if !a.show_problems() {
            return;
        }
        a.filters.save(a.placement.host);
        a.filters.write_controls();
    }
    if let Some(scroll) = by_id("list-scroll") {
        scroll.set_scroll_top(0);
    }
    render_all(app);
    calls_list::focus_selected(&app.borrow());
    let (total, pane) = {
        let a = app.borrow();
        (a.problem_positions().len(), a.pane)
    };
    let rows = match pane {
        Pane::Inbound => format::plural(total, "request", "requests"),
        _ => format::plural(total, "call", "calls"),
    };
    status_while(
        &format!("Showing the {rows} with problems · {}", find::KEYS_HINT),
        texts::Holds::UntilLogChanges(shown_log_version()),
    );
}

fn focus_first_step() {
    let first = dom::document()
        .query_selector("#timeline .step")
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into::<HtmlElement>().ok());
    match first {
        Some(step) => {
            let _ = step.focus();
        }
        None => {
            if let Some(pane) = by_id("timeline") {
                let _ = pane.focus();
            }
        }
    }
}

/// "Unanswered" depends on time passing, not only on new events: while a live request is
/// open, re-judge now and then so its flag appears without a storage change.
fn rejudge_timer(app: &Shared) -> dom::Interval {
    use fvi_core::lifecycle::FlagCode;
    let app = app.clone();
    dom::Interval::new(REJUDGE_MS, move || {
        let open = {
            let a = app.borrow();
            a.is_live()
                && !a.loading
                && (a.model.calls.iter().any(|c| {
                    c.state == fvi_core::lifecycle::CallState::Requested
                        && !c.flags.iter().any(|f| f.code() == FlagCode::Unanswered)
                }) || a.model.inbound.iter().any(|r| {
                    r.state == fvi_core::lifecycle::InboundState::Requested
                        && !r
                            .flags
                            .iter()
                            .any(|f| f.code() == FlagCode::InboundUnanswered)
                }))
        };
        if open && !dom::document().hidden() {
            {
                let mut a = app.borrow_mut();
                a.rejudge();
                // A timer, like a live update: it must not widen the window either.
                a.keep_selection();
            }
            render_all(&app);
        }
    })
}
