//! Routes browser events to jobs, after checking who sent them.
//!
//! Captures are accepted only from this extension's content scripts (a sender with our id,
//! not one of our pages, and a tab, or a document the browser already tied to a tab);
//! commands only from this extension's own pages. Anything else, and anything that fails to
//! decode, is answered `refused` (finally: `retry` false, resending cannot help), counted,
//! and otherwise ignored.

use fvi_browser::early::EarlyEvent;
use fvi_browser::installed::{self, Reason};
use fvi_browser::runtime::{Message, MessageSender, Responder};
use fvi_browser::{runtime, scripting, tabs};
use fvi_core::log::Sender;
use fvi_core::protocol::{decode, Request, Response, PROTOCOL_VERSION};
use fvi_core::TabNoteKind;

use crate::describer;
use crate::fire;
use crate::handlers::{self, Work};
use crate::jobs::{self, Job};
use crate::store;

/// Files injected into a frame on its first event, in this order: the relay (delivery until
/// the engine runs, and plain mode), then the engine's glue and content-script/boot.js.
const ENGINE_FILES: [&str; 3] = [
    "content-script/relay.js",
    "content-script/wasm/fvi_content.js",
    "content-script/boot.js",
];

pub fn listen() -> fvi_browser::Result<()> {
    runtime::on_message(on_message)?.forget();
    runtime::on_startup(|| jobs::push(Job::Startup))?.forget();
    tabs::on_removed(|tab| jobs::push(Job::Note(tab, TabNoteKind::Closed)))?.forget();
    tabs::on_url_changed(|tab, url| jobs::push(Job::Note(tab, TabNoteKind::Navigated { url })))?
        .forget();
    Ok(())
}

pub fn replay(event: EarlyEvent) {
    match event {
        EarlyEvent::Message(message, sender, respond) => {
            on_message(message, sender, respond);
        }
        EarlyEvent::Startup => jobs::push(Job::Startup),
        EarlyEvent::TabRemoved(tab) => jobs::push(Job::Note(tab, TabNoteKind::Closed)),
        EarlyEvent::TabUrl(tab, url) => jobs::push(Job::Note(tab, TabNoteKind::Navigated { url })),
        EarlyEvent::Installed(reason) => on_installed(reason),
        EarlyEvent::Connect(port) => crate::notify::accept(port),
        EarlyEvent::Alarm(name) => crate::runs::on_alarm(&name),
    }
}

/// The sentinel, as the manifest declares it for every frame.
const SENTINEL_FILE: &str = "content-script/sentinel.js";
/// Injected after the sentinel on an update: takes over what the previous version's orphan
/// kept while nothing could send (content-script/handover.js).
const HANDOVER_FILE: &str = "content-script/handover.js";

/// Listens to `runtime.onInstalled`; the caller owns the listener.
pub fn listen_installed() -> fvi_browser::Result<fvi_browser::ExtListener> {
    installed::on_installed(on_installed)
}

/// After an install, update or reload, injects the sentinel into every frame of every open
/// tab. Chromium does not inject manifest content scripts into tabs already open then, so
/// without this such a tab is not captured until the user reloads it (measured on Chromium
/// 156, issue 10). Firefox does inject them again by itself; the sentinel stands back where
/// a live one already runs (sentinel.template.js), so no frame listens twice. Then the
/// handover, which collects from the previous version's orphan (Chromium) the events fired
/// while neither could send. Tabs the browser refuses (its own pages, other extensions'
/// pages) are expected and ignored.
fn on_installed(reason: Reason) {
    if !reason.code_is_new() {
        return;
    }
    wasm_bindgen_futures::spawn_local(async {
        let _ = scripting::inject_everywhere(&[SENTINEL_FILE, HANDOVER_FILE]).await;
    });
}

fn refuse(respond: &Responder, reason: String) {
    respond.send(&Response::refused(reason.clone()));
    jobs::push(Job::Malformed(reason));
}

/// Returns true when it will answer later (the channel must stay open).
fn on_message(message: Message, sender: MessageSender, respond: Responder) -> bool {
    if sender.id.as_deref() != Some(runtime::id().as_str()) {
        // Another extension; `externally_connectable` is not declared, so this should not
        // happen, but a message is never trusted.
        refuse(&respond, "message from another extension".into());
        return false;
    }
    let from_extension_page = sender
        .url
        .as_deref()
        .is_some_and(|u| u.starts_with(&runtime::url("")));
    // Captures are decoded when their job runs (see `Job::Capture`); the store refuses
    // and counts one that fails then, as this would.
    if message.kind() == Some("capture") {
        return capture(message, sender, from_extension_page, respond);
    }
    let request = match decode(&message.text()) {
        Ok(request) => request,
        Err(e) => {
            refuse(&respond, e.to_string());
            return false;
        }
    };
    let from_tab = sender.tab.as_ref().and_then(|t| t.id).zip(sender.frame_id);
    match request {
        Request::Capture { .. } => capture(message, sender, from_extension_page, respond),
        Request::LoadEngine { document, .. } => {
            let Some((tab_id, frame_id)) = from_tab else {
                refuse(&respond, "engine request from outside a tab".into());
                return false;
            };
            describer::first_event(
                tab_id,
                frame_id,
                &[
                    sender.url.as_deref(),
                    sender.origin.as_deref(),
                    sender.tab.as_ref().and_then(|t| t.url.as_deref()),
                ],
            );
            if let Some(document) = document.filter(|d| !d.is_empty()) {
                let top_url = sender.tab.as_ref().and_then(|t| t.url.clone());
                let top_title = sender.tab.as_ref().and_then(|t| t.title.clone());
                jobs::push(Job::Bind(
                    document,
                    Sender {
                        tab_id,
                        frame_id,
                        top_url,
                        top_title,
                    },
                ));
            }
            wasm_bindgen_futures::spawn_local(async move {
                let answer = match scripting::inject(tab_id, frame_id, &ENGINE_FILES).await {
                    Ok(()) => Response::Done {
                        v: PROTOCOL_VERSION,
                    },
                    // The frame was changing; the sentinel asks again.
                    Err(e) => Response::retry_later(format!("could not inject the engine: {e}")),
                };
                respond.send(&answer);
            });
            true
        }
        Request::Status { .. } => {
            if !from_extension_page {
                refuse(&respond, "status request from a web page".into());
                return false;
            }
            // Answered at once from the store's memory (see `store::status`).
            store::status(respond);
            false
        }
        Request::Fire {
            tab_id,
            target,
            kind,
            detail,
            no_call_id,
            ..
        } => {
            if !from_extension_page {
                refuse(&respond, "fire request from a web page".into());
                return false;
            }
            let request = fire::FireRequest {
                tab_id,
                target,
                kind,
                detail,
                no_call_id,
            };
            fire::start(request, respond);
            true
        }
        Request::RunStart { .. } | Request::RunNext { .. } | Request::RunStop { .. }
            if !from_extension_page =>
        {
            refuse(&respond, "run request from a web page".into());
            false
        }
        Request::RunStart {
            tab_id,
            speed,
            source,
            ..
        } => {
            crate::runs::start(tab_id, speed, source, respond);
            true
        }
        Request::RunNext { run_id, .. } => {
            crate::runs::next(run_id, respond);
            true
        }
        Request::RunStop { run_id, .. } => {
            crate::runs::stop(run_id, respond);
            true
        }
        Request::HandlerReports {
            document, reports, ..
        } => {
            // Only from a content script in a tab (the bridge); tab and frame from the
            // browser, never from the report.
            let Some((tab_id, frame_id)) = from_tab.filter(|_| !from_extension_page) else {
                refuse(&respond, "handler reports from outside a web page".into());
                return false;
            };
            let urls = [
                sender.url.clone(),
                sender.origin.clone(),
                sender.tab.as_ref().and_then(|t| t.url.clone()),
            ];
            handlers::push(Work::Reports {
                page: fvi_core::handlers::PageKey {
                    tab_id,
                    frame_id,
                    document,
                },
                urls,
                reports,
                respond,
            });
            true
        }
        Request::SetHandlerSite { url, on, .. } => {
            if !from_extension_page {
                refuse(&respond, "command from a web page".into());
                return false;
            }
            handlers::push(Work::SetSite { url, on, respond });
            true
        }
        Request::Clear { .. } => {
            if !from_extension_page {
                refuse(&respond, "command from a web page".into());
                return false;
            }
            handlers::push(Work::Clear);
            jobs::push(Job::Command(request, respond));
            true
        }
        Request::SetPaused { .. }
        | Request::SetRetention { .. }
        | Request::SetKeepAcrossRestarts { .. }
        | Request::SetToolbarOpensPanel { .. } => {
            if !from_extension_page {
                refuse(&respond, "command from a web page".into());
                return false;
            }
            jobs::push(Job::Command(request, respond));
            true
        }
    }
}

/// Queues a capture message, undecoded, with the tab and frame the browser reports.
fn capture(
    message: Message,
    sender: MessageSender,
    from_extension_page: bool,
    respond: Responder,
) -> bool {
    // An extension page opened in a tab has a `sender.tab` too (both browsers), but no
    // content script behind it.
    if from_extension_page {
        refuse(&respond, "capture from an extension page".into());
        return false;
    }
    let from_tab = sender.tab.as_ref().and_then(|t| t.id).zip(sender.frame_id);
    let (top_url, top_title) = sender.tab.map_or((None, None), |t| (t.url, t.title));
    // Without a tab (Firefox, while the tab closes), the store looks the document up among
    // those the browser tied to a tab, and refuses it if it is not there.
    let sender = from_tab.map(|(tab_id, frame_id)| Sender {
        tab_id,
        frame_id,
        top_url,
        top_title,
    });
    jobs::push(Job::Capture {
        sender,
        message,
        respond,
    });
    true
}
