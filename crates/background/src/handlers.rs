//! The page's own handlers (issue 13): the per-site opt-in, the registration of the hook on
//! exactly the opted-in sites, and the page's reports, stored apart from the event log
//! (`fvi_core::handlers` holds the rules; ARCHITECTURE.md, "The page's own handlers").
//!
//! One queue, run one job at a time, owns both keys (`handlers::SITES_KEY`,
//! `handlers::REPORTS_KEY`): each job reads what it needs, changes it, and writes it before
//! answering, so two messages never write over each other. Nothing here touches the event
//! log, its settings or a record.

use std::cell::RefCell;
use std::collections::VecDeque;

use fvi_browser::runtime::Responder;
use fvi_browser::{scripting, storage};
use fvi_core::handlers::{HandlerLog, PageKey, Sites, REPORTS_KEY, SITES_KEY};
use fvi_core::protocol::{Response, PROTOCOL_VERSION};

/// Runs in the page's own world on opted-in sites: wraps the page's `fullview:*` listeners.
const HOOK_FILE: &str = "content-script/hook.js";
/// Runs in the content-script world beside it: forwards the hook's reports.
const BRIDGE_FILE: &str = "content-script/bridge.js";
/// Registration ids.
const HOOK_ID: &str = "fvi-handlers-hook";
const BRIDGE_ID: &str = "fvi-handlers-bridge";

/// One unit of work on the two keys.
pub enum Work {
    /// A bridge's message: reports from `page`, whose frame is at `urls` (as the browser
    /// reported the sender: its URL, origin, tab URL; the first naming a site counts).
    Reports {
        page: PageKey,
        urls: [Option<String>; 3],
        reports: Vec<String>,
        respond: Responder,
    },
    /// An extension page turns the site of `url` on or off.
    SetSite {
        url: String,
        on: bool,
        respond: Responder,
    },
    /// The log was cleared: forget the reports too.
    Clear,
    /// The background started: make the registrations match the stored sites (Chromium
    /// under `--load-extension` forgets them at every launch; a registration that failed
    /// once is tried again).
    Reconcile,
}

thread_local! {
    static QUEUE: RefCell<VecDeque<Work>> = const { RefCell::new(VecDeque::new()) };
    static RUNNING: RefCell<bool> = const { RefCell::new(false) };
}

/// Queues `work`; the queue runs it after everything queued before.
pub fn push(work: Work) {
    QUEUE.with(|q| q.borrow_mut().push_back(work));
    if RUNNING.with(|r| std::mem::replace(&mut *r.borrow_mut(), true)) {
        return;
    }
    wasm_bindgen_futures::spawn_local(async {
        while let Some(work) = QUEUE.with(|q| q.borrow_mut().pop_front()) {
            run(work).await;
        }
        RUNNING.with(|r| *r.borrow_mut() = false);
    });
}

async fn read(key: &str) -> fvi_browser::Result<Option<serde_json::Value>> {
    Ok(storage::get(&[key.to_string()]).await?.remove(key))
}

async fn write(key: &str, value: serde_json::Value) -> fvi_browser::Result<()> {
    let mut entries = serde_json::Map::new();
    entries.insert(key.to_string(), value);
    storage::set(&entries).await
}

fn done() -> Response {
    Response::Done {
        v: PROTOCOL_VERSION,
    }
}

async fn run(work: Work) {
    match work {
        Work::Reports {
            page,
            urls,
            reports,
            respond,
        } => respond.send(&reports_of(page, urls, reports).await),
        Work::SetSite { url, on, respond } => respond.send(&set_site(&url, on).await),
        Work::Clear => {
            // Nothing stored (no site was ever opted in): nothing to write.
            if let Ok(Some(value)) = read(REPORTS_KEY).await {
                let mut log = HandlerLog::read(Some(&value));
                log.clear();
                if write(REPORTS_KEY, serde_json::to_value(&log).unwrap_or_default())
                    .await
                    .is_ok()
                {
                    crate::notify::handlers_changed();
                }
            }
        }
        Work::Reconcile => {
            if let Ok(value) = read(SITES_KEY).await {
                let _ = register(&Sites::read(value.as_ref())).await;
            }
        }
    }
}

async fn reports_of(page: PageKey, urls: [Option<String>; 3], reports: Vec<String>) -> Response {
    let sites = match read(SITES_KEY).await {
        Ok(value) => Sites::read(value.as_ref()),
        Err(e) => return Response::retry_later(format!("could not read the sites: {e}")),
    };
    let Some(url) = urls
        .iter()
        .flatten()
        .find(|u| fvi_core::describer::pattern_for(u).is_some())
    else {
        return Response::refused("handler reports from a page on no site");
    };
    // Opted out since the page loaded (its hook still runs until it reloads): the bridge
    // stops on this final refusal.
    if !sites.covers(url) {
        return Response::refused("handler reports are off for this site");
    }
    let value = match read(REPORTS_KEY).await {
        Ok(value) => value,
        Err(e) => return Response::retry_later(format!("could not read the reports: {e}")),
    };
    let mut log = HandlerLog::read(value.as_ref());
    log.apply(&page, urls[0].as_deref(), &reports, js_sys::Date::now());
    let value = serde_json::to_value(&log).unwrap_or_default();
    match write(REPORTS_KEY, value).await {
        Ok(()) => {
            crate::notify::handlers_changed();
            done()
        }
        Err(e) => Response::retry_later(format!("could not store the reports: {e}")),
    }
}

async fn set_site(url: &str, on: bool) -> Response {
    let sites = match read(SITES_KEY).await {
        Ok(value) => Sites::read(value.as_ref()),
        Err(e) => return Response::retry_later(format!("could not read the sites: {e}")),
    };
    let next = match sites.set(url, on) {
        Ok(next) => next,
        Err(reason) => return Response::refused(reason),
    };
    if let Err(e) = write(SITES_KEY, serde_json::to_value(&next).unwrap_or_default()).await {
        return Response::retry_later(format!("could not store the setting: {e}"));
    }
    crate::notify::handlers_changed();
    match register(&next).await {
        Ok(()) => done(),
        // The setting is stored; the next background start registers it again.
        Err(e) => Response::retry_later(format!("could not register the hook: {e}")),
    }
}

/// Makes the two registrations cover exactly `sites`: none at all when it is empty, so a
/// site not opted in runs nothing extra.
async fn register(sites: &Sites) -> fvi_browser::Result<()> {
    for (id, files, main) in [(BRIDGE_ID, BRIDGE_FILE, false), (HOOK_ID, HOOK_FILE, true)] {
        let current = scripting::registered_matches(id).await?;
        if sites.sites.is_empty() {
            if current.is_some() {
                scripting::unregister(id).await?;
            }
            continue;
        }
        if current.as_deref() == Some(&sites.sites[..]) {
            continue;
        }
        scripting::register_in(id, &[files], &sites.sites, current.is_some(), main).await?;
    }
    Ok(())
}
