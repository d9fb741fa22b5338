//! What the buttons do: capture commands to the background (pause, clear, retention),
//! exports, clipboard copies, and opening the view in a tab. Commands act on the live
//! log only; while an imported file is shown they are disabled (see `view::render_controls`).

use std::cell::RefCell;
use std::rc::Rc;

use fvi_core::markdown;
use fvi_core::protocol::{Request, Response, PROTOCOL_VERSION};
use fvi_core::timeline;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlInputElement;

use crate::dom;
use crate::export;
use crate::format;
use crate::state::App;
use crate::texts::Holds;
use crate::view::{self, status};

/// Sends a command to the background and turns its answer into a result: `Ok` only on
/// `done`, which the background answers once the command's write succeeded. Otherwise the
/// reason, in words for the status line, and the control stays as it was.
async fn command(request: Request) -> Result<(), String> {
    match fvi_browser::runtime::send(&request).await {
        Ok(answer) => command_result(answer),
        Err(e) => Err(e.to_string()),
    }
}

fn command_result(answer: Response) -> Result<(), String> {
    match answer {
        Response::Done { .. } => Ok(()),
        Response::Refused {
            reason,
            retry: true,
            ..
        } => Err(format!(
            "{reason}; nothing was changed, try again in a moment"
        )),
        Response::Refused { reason, .. } => Err(format!("{reason}; nothing was changed")),
        other => Err(format!(
            "the background answered {:?} instead of done",
            kind_of(&other)
        )),
    }
}

fn kind_of(answer: &Response) -> String {
    serde_json::to_value(answer)
        .ok()
        .and_then(|v| v["kind"].as_str().map(str::to_string))
        .unwrap_or_default()
}

pub fn toggle_pause(app: &Rc<RefCell<App>>) {
    let Some(paused) = app.borrow().live.as_ref().map(|l| l.meta.paused) else {
        return;
    };
    let app = app.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let want = !paused;
        match command(Request::SetPaused {
            v: PROTOCOL_VERSION,
            paused: want,
        })
        .await
        {
            Ok(()) => {
                // Shown at once; the storage change that follows confirms it.
                if let Some(live) = app.borrow_mut().live.as_mut() {
                    live.meta.paused = want;
                }
                view::render_controls(&app.borrow());
                view::status_while(
                    if want {
                        "Capture paused: new events are not recorded."
                    } else {
                        "Capture resumed."
                    },
                    Holds::WhilePaused(want),
                );
            }
            Err(e) => status(&format!("Could not change capture: {e}."), true),
        }
    });
}

pub fn set_keep_across_restarts(app: &Rc<RefCell<App>>) {
    set_checkbox(
        app,
        "keep-across-restarts",
        |keep| Request::SetKeepAcrossRestarts {
            v: PROTOCOL_VERSION,
            keep,
        },
        |meta, keep| meta.keep_across_restarts = keep,
        |keep| {
            if keep {
                "The log is kept when the browser restarts."
            } else {
                "The log will be emptied when the browser restarts."
            }
        },
    );
}

pub fn set_toolbar_opens_panel(app: &Rc<RefCell<App>>) {
    set_checkbox(
        app,
        "toolbar-opens-panel",
        |panel| Request::SetToolbarOpensPanel {
            v: PROTOCOL_VERSION,
            panel,
        },
        |meta, panel| meta.toolbar_opens_panel = panel,
        |panel| {
            if panel {
                "The toolbar button now opens the side panel."
            } else {
                "The toolbar button now opens this popup."
            }
        },
    );
}

/// A setting behind a checkbox: sends its command, and on a refusal puts the box back as
/// it was and says why (the background answers only once the setting is stored).
fn set_checkbox(
    app: &Rc<RefCell<App>>,
    id: &str,
    request: fn(bool) -> Request,
    remember: fn(&mut fvi_core::log::LogMeta, bool),
    said: fn(bool) -> &'static str,
) {
    let Some(input) = dom::by_id_as::<HtmlInputElement>(id) else {
        return;
    };
    let on = input.checked();
    let app = app.clone();
    wasm_bindgen_futures::spawn_local(async move {
        match command(request(on)).await {
            Ok(()) => {
                if let Some(live) = app.borrow_mut().live.as_mut() {
                    remember(&mut live.meta, on);
                }
                status(said(on), false);
            }
            Err(e) => {
                input.set_checked(!on);
                status(&format!("Could not change the setting: {e}."), true);
            }
        }
    });
}

/// First step of Clear: an in-page question, with Cancel focused so a stray Enter is safe.
pub fn ask_clear(app: &App) {
    let events = app
        .live
        .as_ref()
        .map_or(0, |l| l.meta.total_events() as usize);
    if let Some(q) = dom::by_id("clear-question") {
        dom::set_text(
            &q,
            &format!(
                "Delete all {} from the log? This cannot be undone; export first to keep them.",
                format::plural(events, "event", "events")
            ),
        );
    }
    dom::set_hidden("clear-box", false);
    if let Some(cancel) = dom::by_id("clear-cancel") {
        let _ = cancel.focus();
    }
}

pub fn cancel_clear() {
    dom::set_hidden("clear-box", true);
    if let Some(clear) = dom::by_id("clear") {
        let _ = clear.focus();
    }
}

pub fn confirm_clear() {
    dom::set_hidden("clear-box", true);
    wasm_bindgen_futures::spawn_local(async move {
        match command(Request::Clear {
            v: PROTOCOL_VERSION,
        })
        .await
        {
            // True until events arrive again, not beside "18 events · 4 calls".
            Ok(()) => view::status_while(
                "The log was cleared.",
                Holds::UntilEventsAfter(view::shown_log_version()),
            ),
            Err(e) => status(&format!("Could not clear the log: {e}."), true),
        }
    });
}

pub fn set_retention(app: &Rc<RefCell<App>>) {
    let Some(input) = dom::by_id_as::<HtmlInputElement>("retention") else {
        return;
    };
    let value = input.value_as_number();
    if !value.is_finite() || value < 100.0 || value.fract() != 0.0 || value > 1e12 {
        status(
            "The retention limit must be a whole number of events, at least 100.",
            true,
        );
        if let Some(live) = app.borrow().live.as_ref() {
            input.set_value(&live.meta.max_events.to_string());
        }
        return;
    }
    let max_events = value as u64;
    let app = app.clone();
    wasm_bindgen_futures::spawn_local(async move {
        match command(Request::SetRetention {
            v: PROTOCOL_VERSION,
            max_events,
        })
        .await
        {
            Ok(()) => view::status_while(
                &format!(
                    "The log now keeps at most {} events; past that the oldest calls are dropped.",
                    format::count(max_events as usize)
                ),
                Holds::WhileLimit(max_events),
            ),
            Err(e) => {
                // Back to the limit that still applies.
                if let Some(live) = app.borrow().live.as_ref() {
                    input.set_value(&live.meta.max_events.to_string());
                }
                status(&format!("Could not change the limit: {e}."), true);
            }
        }
    });
}

pub fn open_in_tab(app: &App) {
    let mut url = fvi_browser::runtime::url("popup/popup.html");
    url.push_str("?view=tab");
    // The tab the popup was opened over stays "the current tab" in the full view.
    if let Some(tab) = app.current_tab {
        url.push_str(&format!("&tab={tab}"));
    }
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(e) = fvi_browser::tabs::open(&url).await {
            status(&format!("Could not open a tab: {e}."), true);
        }
    });
}

/// Exports wait until the whole live log is loaded (the buttons are disabled until then;
/// this catches a click that raced the last render).
fn still_loading(app: &App) -> bool {
    if app.is_partial() {
        status(
            "The older part of the log is still loading; export in a moment.",
            true,
        );
    }
    app.is_partial()
}

pub fn export_all(app: &Rc<RefCell<App>>) {
    let app = app.borrow();
    if still_loading(&app) {
        return;
    }
    let started = dom::perf_now();
    let written = export::write(&app, None);
    let name = export::file_name("fullview-events", &written.exported_at);
    save(&written, &name, started);
}

pub fn export_filtered(app: &Rc<RefCell<App>>) {
    let app = app.borrow();
    if still_loading(&app) {
        return;
    }
    let started = dom::perf_now();
    let indices = app.shown.event_indices(&app.model);
    let written = export::write(&app, Some(&indices));
    let name = export::file_name("fullview-events-filtered", &written.exported_at);
    save(&written, &name, started);
}

pub fn export_call(app: &Rc<RefCell<App>>) {
    let app = app.borrow();
    if still_loading(&app) {
        return;
    }
    let Some(indices) = selected_call_events(&app) else {
        return;
    };
    let started = dom::perf_now();
    let written = export::write(&app, Some(&indices));
    let call = app.selection.call.as_deref().unwrap_or_default();
    let prefix = format!("fullview-call-{}", export::file_part(call));
    let name = export::file_name(&prefix, &written.exported_at);
    save(&written, &name, started);
}

fn save(written: &export::Written, name: &str, started: f64) {
    match export::download(&written.json, name) {
        Ok(()) => {
            let ms = dom::perf_now() - started;
            // For the export benchmark: how long building and handing over the file took,
            // and where that time went.
            let root = dom::document().document_element().expect("root");
            dom::attr(&root, "data-fvi-export-ms", &format!("{ms:.1}"));
            let [summaries, serialise] = written.phases;
            dom::attr(
                &root,
                "data-fvi-export-phases",
                &format!("{summaries:.1} {serialise:.1}"),
            );
            status(
                &format!(
                    "Saved {name}: {} and {}.",
                    format::plural(written.events, "event", "events"),
                    format::plural(written.calls, "call", "calls")
                ),
                false,
            );
        }
        Err(e) => status(&format!("Export failed: {e:?}"), true),
    }
}

/// The selected call's events plus those of the inbound requests it answered: enough to
/// judge the call exactly as the full log does (see `model.rs`).
pub(crate) fn selected_call_events(app: &App) -> Option<Vec<timeline::EventIx>> {
    let call = app.model.call(app.selection.call.as_deref()?)?;
    let mut indices = call.events.clone();
    for id in &call.linked_inbound {
        if let Some(req) = app.model.inbound_request(*id) {
            indices.extend(&req.events);
        }
    }
    indices.sort_unstable();
    indices.dedup();
    Some(indices)
}

pub fn copy_call_id(app: &App) {
    if let Some(id) = app.selection.call.clone() {
        copy(&id, &format!("Copied callId {}.", format::clip(&id, 80)));
    }
}

/// Which copy of the selected call: Markdown, or plain text for ticket tools without it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyAs {
    Markdown,
    Text,
}

/// Copies the selected call's timeline, with the log's tab labels and the browser's zone.
pub fn copy_call(app: &App, how: CopyAs) {
    let (Some(indices), Some(call_id)) = (selected_call_events(app), app.selection.call.as_deref())
    else {
        return;
    };
    let data = app.data();
    let grouped = timeline::build_selected(
        data.events,
        &indices,
        data.notes,
        data.now,
        &Default::default(),
    );
    let log = markdown::Log {
        events: data.events,
        notes: data.notes,
    };
    let start = app.model.call(call_id).map_or(data.now, |c| c.start);
    let cx = markdown::Context {
        labels: &app.model.tabs,
        zone: format::zone(start),
    };
    let (copied, what) = match how {
        CopyAs::Markdown => (
            markdown::call_markdown(&grouped, log, call_id, cx),
            "Markdown",
        ),
        CopyAs::Text => (markdown::call_text(&grouped, log, call_id, cx), "text"),
    };
    if let Some(copied) = copied {
        let lines = copied.lines().count();
        copy(
            &copied,
            &format!(
                "Copied the timeline of call {} as {what} ({lines} lines).",
                format::clip(call_id, 80)
            ),
        );
    }
}

/// Writes `text` to the clipboard. Starts synchronously inside the click, which both
/// browsers require (transient user activation); falls back to a selected textarea and
/// `execCommand("copy")` where the async clipboard is refused.
pub(crate) fn copy(text: &str, done: &str) {
    let promise = dom::window().navigator().clipboard().write_text(text);
    let (text, done) = (text.to_string(), done.to_string());
    wasm_bindgen_futures::spawn_local(async move {
        match JsFuture::from(promise).await {
            Ok(_) => status(&done, false),
            Err(_) if copy_fallback(&text) => status(&done, false),
            Err(e) => status(
                &format!(
                    "Could not copy to the clipboard: {}.",
                    fvi_browser::BrowserError::from(e)
                ),
                true,
            ),
        }
    });
}

fn copy_fallback(text: &str) -> bool {
    let doc = dom::document();
    let Ok(area) = doc
        .create_element("textarea")
        .map(|e| e.unchecked_into::<web_sys::HtmlTextAreaElement>())
    else {
        return false;
    };
    area.set_value(text);
    dom::attr(&area, "readonly", "");
    dom::attr(&area, "class", "visually-hidden");
    let Some(body) = doc.body() else { return false };
    let _ = body.append_child(&area);
    area.select();
    let copied = doc
        .dyn_ref::<web_sys::HtmlDocument>()
        .and_then(|d| d.exec_command("copy").ok())
        .unwrap_or(false);
    area.remove();
    copied
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_succeeds_only_when_done() {
        let v = PROTOCOL_VERSION;
        let cases = [
            (Response::Done { v }, Ok(())),
            (
                Response::retry_later("storage failed: quota"),
                Err("storage failed: quota; nothing was changed, try again in a moment"),
            ),
            (
                Response::refused("command from a web page"),
                Err("command from a web page; nothing was changed"),
            ),
            (
                Response::Paused { v },
                Err("the background answered \"paused\" instead of done"),
            ),
        ];
        for (answer, expect) in cases {
            let expect: Result<(), &str> = expect;
            assert_eq!(
                command_result(answer.clone()),
                expect.map_err(str::to_string),
                "{answer:?}"
            );
        }
    }
}
