//! Fires an event into a page for an extension page (`Request::Fire`): validated by
//! `fvi_core::fire`, noted in the store's list of expected fires, then dispatched in the
//! page's own world, so the capture that follows is marked as the inspector's.

use fvi_browser::runtime::Responder;
use fvi_browser::{scripting, tabs};
use fvi_core::fire::{self, Expected, FireTarget};
use fvi_core::protocol::{Response, PROTOCOL_VERSION};
use serde_json::Value;

use crate::store;

/// What an extension page asked to fire.
pub struct FireRequest {
    pub tab_id: i64,
    pub target: FireTarget,
    pub kind: String,
    pub detail: Value,
    pub no_call_id: bool,
}

/// Answers `respond` once the event was dispatched (or refused).
pub fn start(request: FireRequest, respond: Responder) {
    wasm_bindgen_futures::spawn_local(async move {
        respond.send(&run(request).await);
    });
}

/// A random token: the core makes no ids.
pub(crate) fn token(prefix: &str) -> String {
    let high = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    let low = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    format!("{prefix}-{high:08x}{low:08x}")
}

/// Validates, notes and dispatches one fire (a step of a run too).
pub(crate) async fn run(request: FireRequest) -> Response {
    let fresh = token("fvi");
    let fired = match fire::validate(&request.kind, request.detail, request.no_call_id, &fresh) {
        Ok(fired) => fired,
        Err(reason) => return Response::refused(reason),
    };
    if let FireTarget::Frame { frame_id } = request.target {
        if frame_id < 0 {
            return Response::refused(format!("no frame has the id {frame_id}"));
        }
    }
    // (tab, frame; None: all frames)
    let targets: Vec<(i64, Option<i64>)> = match request.target {
        FireTarget::Top => vec![(request.tab_id, Some(0))],
        FireTarget::Frame { frame_id } => vec![(request.tab_id, Some(frame_id))],
        FireTarget::AllFrames => vec![(request.tab_id, None)],
        FireTarget::SiteTabs => match tabs::all().await {
            Ok(all) => fire::site_tabs(request.tab_id, &all)
                .into_iter()
                .map(|tab| (tab, Some(0)))
                .collect(),
            Err(e) => return Response::retry_later(format!("could not list the tabs: {e}")),
        },
    };
    let nonce = token("fire");
    // Noted before dispatching: the capture may come back before executeScript answers.
    for &(tab_id, frame_id) in &targets {
        store::expect_fire(Expected {
            nonce: nonce.clone(),
            tab_id,
            frame_id,
            kind: fired.kind,
            call_id: fired.call_id.clone(),
            at: js_sys::Date::now(),
            taken: Vec::new(),
        });
    }
    let mut frames = 0u32;
    let mut error = None;
    for (tab_id, frame_id) in targets {
        match scripting::fire_main(tab_id, frame_id, fired.kind.name(), &fired.detail).await {
            Ok(ran) => frames += ran.len() as u32,
            Err(e) => {
                error.get_or_insert(e.0);
            }
        }
    }
    match error {
        Some(e) if frames == 0 => {
            let reason = format!("could not fire into the page: {e}");
            if fire::injection_may_retry(&e) {
                Response::retry_later(reason)
            } else {
                Response::refused(reason)
            }
        }
        _ => Response::Fired {
            v: PROTOCOL_VERSION,
            call_id: fired.call_id,
            nonce,
            frames,
        },
    }
}
