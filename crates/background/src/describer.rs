//! Chromium's describer (content-script/describe.js) where it is needed, and only there: in a
//! frame that fired its first event, and from document start on the origins that have fired
//! events (`fvi_core::describer` holds the list's rules; ARCHITECTURE.md, "A detail the
//! browser cannot copy").

use std::cell::RefCell;
use std::collections::VecDeque;

use fvi_browser::scripting;
use fvi_core::describer::{pattern_for, remember};

/// The describer, as pack.rs ships it in Chromium's package (Firefox's has none).
const DESCRIBER_FILE: &str = "content-script/describe.js";
/// The id of its registration.
const REGISTRATION: &str = "fvi-describer";

thread_local! {
    /// Patterns waiting to be registered, one update at a time (two frames' first events
    /// arriving together must not both read the old list and write over each other).
    static PENDING: RefCell<VecDeque<String>> = const { RefCell::new(VecDeque::new()) };
    static RUNNING: RefCell<bool> = const { RefCell::new(false) };
}

/// A frame (`tab_id`, `frame_id`, at `urls`, the first that names an origin wins) fired its
/// first event: injects the describer into it, and registers it for the frame's origin.
/// Nothing in Firefox, whose content scripts read details whole. Failures are left alone:
/// a frame that went away needs no describer, and the origin is registered again at its next
/// first event.
pub fn first_event(tab_id: i64, frame_id: i64, urls: &[Option<&str>]) {
    if scripting::details_reach_content_scripts_whole() {
        return;
    }
    wasm_bindgen_futures::spawn_local(async move {
        let _ = scripting::inject_main(tab_id, frame_id, &[DESCRIBER_FILE]).await;
    });
    let Some(pattern) = urls.iter().flatten().find_map(|u| pattern_for(u)) else {
        return;
    };
    PENDING.with(|p| p.borrow_mut().push_back(pattern));
    if RUNNING.with(|r| std::mem::replace(&mut *r.borrow_mut(), true)) {
        return;
    }
    wasm_bindgen_futures::spawn_local(async {
        while let Some(pattern) = PENDING.with(|p| p.borrow_mut().pop_front()) {
            let _ = register(&pattern).await;
        }
        RUNNING.with(|r| *r.borrow_mut() = false);
    });
}

async fn register(pattern: &str) -> fvi_browser::Result<()> {
    let current = scripting::registered_matches(REGISTRATION).await?;
    let exists = current.is_some();
    let Some(next) = remember(&current.unwrap_or_default(), pattern) else {
        return Ok(());
    };
    scripting::register_main(REGISTRATION, &[DESCRIBER_FILE], &next, exists).await
}
