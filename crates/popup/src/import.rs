//! Import: opens an export file read-only. The file is read in the page, parsed with the
//! core's checked parser, and shown instead of the live log under a banner saying so. It is
//! never written to storage; "Back to the live log" drops it.
//!
//! A file that is too large is refused from its size before it is read; one that is not
//! JSON, not an export, of another version or damaged is refused with the parser's own
//! words (`ImportError`'s Display), and the screen stays as it was.

use std::cell::RefCell;
use std::rc::Rc;

use fvi_core::export::{parse, ImportError, MAX_IMPORT_BYTES};
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlInputElement;

use crate::dom;
use crate::format;
use crate::state::{App, Imported, Selection};
use crate::view;

/// Handles a file chosen in `#import`.
pub async fn on_file_chosen(app: Rc<RefCell<App>>) {
    let Some(input) = dom::by_id_as::<HtmlInputElement>("import") else {
        return;
    };
    let Some(file) = input.files().and_then(|f| f.get(0)) else {
        return;
    };
    let name = file.name();
    // Cleared so that choosing the same file again (after fixing it) fires `change` again.
    input.set_value("");

    let size = file.size();
    if size > MAX_IMPORT_BYTES as f64 {
        refuse(&name, &ImportError::TooLarge(size as usize));
        return;
    }
    view::status(&format!("Reading {name}…"), false);
    let text = match JsFuture::from(file.text()).await {
        Ok(text) => text.as_string().unwrap_or_default(),
        Err(e) => {
            let reason = js_sys::Reflect::get(&e, &"message".into())
                .ok()
                .and_then(|m| m.as_string())
                .unwrap_or_else(|| "the browser could not read it".into());
            view::status(&format!("Could not open {name}: {reason}."), true);
            return;
        }
    };
    let file = match parse(&text) {
        Ok(file) => file,
        Err(e) => {
            refuse(&name, &e);
            return;
        }
    };
    drop(text);

    // Judge "unanswered" as of the export, not as of today.
    let exported = js_sys::Date::parse(&file.exported_at);
    let now = if exported.is_finite() {
        exported
    } else {
        file.events
            .iter()
            .map(|e| e.stored_at.max(e.captured_at))
            .fold(0.0, f64::max)
    };
    let events = file.events.len();
    {
        let mut app = app.borrow_mut();
        if app.imported.is_none() {
            app.saved_selection = Some(std::mem::take(&mut app.selection));
        } else {
            app.selection = Selection::default();
        }
        app.imported = Some(Imported { name, file, now });
        app.limit = crate::state::PAGE_ROWS;
        app.rebuild();
        app.ensure_selection();
    }
    view::render_all(&app);
    let app = app.borrow();
    view::status(
        &format!(
            "Opened {} read-only: {} in {}.",
            app.imported.as_ref().map_or("", |i| i.name.as_str()),
            format::plural(events, "event", "events"),
            format::plural(app.model.calls.len(), "call", "calls"),
        ),
        false,
    );
}

/// Leaves the imported file and shows the live log again, as it is now.
pub fn back_to_live(app: &Rc<RefCell<App>>) {
    {
        let mut app = app.borrow_mut();
        if app.imported.take().is_none() {
            return;
        }
        app.selection = app.saved_selection.take().unwrap_or_default();
        app.limit = crate::state::PAGE_ROWS;
        app.rebuild();
        app.ensure_selection();
    }
    view::render_all(app);
    view::status("Back to the live log.", false);
    // Changes that arrived while the file was open were not loaded; catch up now.
    view::schedule_reload(app, 0);
}

fn refuse(name: &str, error: &ImportError) {
    view::status(
        &format!("{name} was not opened, and nothing changed. {error}"),
        true,
    );
}
