//! The popup's screen: header with counts and actions, then one row per call.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use fvi_browser::DomListener;
use wasm_bindgen::{JsCast, JsValue};

use crate::dom::{by_id, el, text};
use crate::export;
use crate::load::{load, Loaded};

#[derive(Default)]
pub struct App {
    log: Option<Loaded>,
}

pub fn mount(app: &Rc<RefCell<App>>) -> Result<(), JsValue> {
    let export_button = by_id("export").ok_or("popup.html lacks #export")?;
    let app_for_export = app.clone();
    DomListener::new(export_button.unchecked_ref(), "click", false, move |_| {
        if let Some(log) = &app_for_export.borrow().log {
            let file = export::build(log, Vec::new());
            let name = export::file_name("fullview-events", &file.exported_at);
            if let Err(e) = export::download(&file.to_json(), &name) {
                show_error(&format!("Export failed: {e:?}"));
            }
        }
    })
    .forget();
    // The list follows the log while open.
    let app_for_changes = app.clone();
    fvi_browser::storage::on_changed(move |_| {
        let app = app_for_changes.clone();
        wasm_bindgen_futures::spawn_local(async move { refresh(&app).await });
    })
    .map_err(|e| JsValue::from_str(&e.to_string()))?
    .forget();
    Ok(())
}

pub async fn refresh(app: &Rc<RefCell<App>>) {
    match load().await {
        Ok(log) => {
            render(&log);
            app.borrow_mut().log = Some(log);
        }
        Err(e) => show_error(&e),
    }
}

fn show_error(message: &str) {
    if let Some(status) = by_id("status") {
        status.set_text_content(Some(message));
    }
}

fn render(log: &Loaded) {
    let Some(list) = by_id("calls") else { return };
    let mut calls: BTreeMap<Option<&str>, Vec<&fvi_core::EventRecord>> = BTreeMap::new();
    for e in &log.events {
        calls.entry(e.call_id.as_deref()).or_default().push(e);
    }
    if let Some(status) = by_id("status") {
        status.set_text_content(Some(&format!(
            "{} events in {} calls",
            log.events.len(),
            calls.keys().filter(|k| k.is_some()).count()
        )));
    }
    list.set_text_content(None);
    for (id, events) in calls.iter().rev() {
        let row = el("li", "call");
        row.append_child(&text("span", "call-id", id.unwrap_or("(no callId)")))
            .ok();
        let tabs: std::collections::BTreeSet<i64> = events.iter().map(|e| e.tab_id).collect();
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.short()).collect();
        row.append_child(&text(
            "span",
            "call-meta",
            &format!(
                "{} events, {} tabs: {}",
                events.len(),
                tabs.len(),
                kinds.join(" → ")
            ),
        ))
        .ok();
        list.append_child(&row).ok();
    }
}
