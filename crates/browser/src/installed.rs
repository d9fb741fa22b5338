//! `runtime.onInstalled`: the extension was installed, updated or reloaded.
//!
//! Chromium does not inject manifest content scripts into tabs already open when the
//! extension is installed, updated or reloaded (checked on Chromium 156: such a tab is not
//! captured until it is reloaded), so the background injects the sentinel itself on this
//! event (crates/background/src/route.rs). Chromium under `--load-extension` fires it with
//! reason `install` on every launch.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsValue;

use crate::{from_js, ExtListener, Result};

/// Why `runtime.onInstalled` fired (`runtime.OnInstalledReason`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// A first install (and, in Chromium under `--load-extension`, every launch).
    Install,
    /// A new version, or a reload of the same one.
    Update,
    /// `chrome_update`, `shared_module_update`, or anything newer: the browser changed,
    /// not this extension, so its content scripts are the ones the tabs already run.
    Other(String),
}

impl Reason {
    /// Reads the listener's `details` object; a missing reason is `Other("")`.
    pub fn from_details(details: &JsValue) -> Reason {
        match from_js(details).get("reason").and_then(|r| r.as_str()) {
            Some("install") => Reason::Install,
            Some("update") => Reason::Update,
            other => Reason::Other(other.unwrap_or_default().to_string()),
        }
    }

    /// Install or update: this extension's code is new, and tabs already open may hold only
    /// an orphaned copy of its content scripts, or none.
    pub fn code_is_new(&self) -> bool {
        matches!(self, Reason::Install | Reason::Update)
    }
}

/// Listens to `runtime.onInstalled`.
pub fn on_installed(mut handler: impl FnMut(Reason) + 'static) -> Result<ExtListener> {
    let closure = Closure::<dyn FnMut(JsValue)>::new(move |details: JsValue| {
        handler(Reason::from_details(&details));
    });
    ExtListener::add(&["runtime", "onInstalled"], closure)
}

/// False in an orphaned content script: after the extension is updated, reloaded or
/// disabled, Chromium leaves the old copy running in open tabs, with `chrome.runtime` gone
/// (reload) or `runtime.id` gone (disable), and every call throws ("Extension context
/// invalidated."). A new copy runs beside it, in a new world, so the orphan stands down.
pub fn extension_alive() -> bool {
    crate::api::get(&["runtime", "id"])
        .ok()
        .and_then(|id| id.as_string())
        .is_some_and(|id| !id.is_empty())
}
