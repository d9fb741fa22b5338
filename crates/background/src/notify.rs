//! Tells the open inspector pages what changed, over the port each opens while the log is
//! busy (`fvi_core::protocol::LOG_PORT`; `fvi_core::notify` says when a page holds one):
//! that the log changed, paced by `fvi_core::notify::Pacer` (at once after a quiet spell,
//! then at most once per `GAP_MS`), and the health whenever it changes. A notice is a few
//! bytes: the page reads what is new from storage itself, off its main thread's critical
//! path, instead of being handed the changed chunks by `storage.onChanged`.

use std::cell::{Cell, RefCell};

use fvi_browser::port::{self, Port};
use fvi_browser::runtime;
use fvi_core::notify::{Pace, Pacer};
use fvi_core::protocol::{Notice, LOG_PORT, PROTOCOL_VERSION};

thread_local! {
    /// The open pages' ports, by a number of our own.
    static PAGES: RefCell<Vec<(u64, Port)>> = const { RefCell::new(Vec::new()) };
    static NEXT_PAGE: Cell<u64> = const { Cell::new(0) };
    static PACER: RefCell<Pacer> = RefCell::new(Pacer::new());
    /// The last seq the log held at the last change this worker saw (0: none yet).
    static LAST_SEQ: Cell<u64> = const { Cell::new(0) };
}

fn now() -> f64 {
    js_sys::Date::now()
}

/// Listens for pages opening their port, for the worker's life.
pub fn listen() -> fvi_browser::Result<()> {
    port::on_connect(accept)?.forget();
    Ok(())
}

/// Takes a port a page opened: only [`LOG_PORT`] from one of the extension's own pages (a
/// content script's sender URL is its page's). Greets it with the log's state and the
/// health, so a page that connected just after a write hears of it.
pub fn accept(mut port: Port) {
    let sender = port.sender();
    let ours = port.name() == LOG_PORT
        && sender.id.as_deref() == Some(runtime::id().as_str())
        && sender
            .url
            .as_deref()
            .is_some_and(|u| u.starts_with(&runtime::url("")));
    if !ours {
        // Dropping it disconnects it.
        return;
    }
    let id = NEXT_PAGE.with(|n| {
        n.set(n.get() + 1);
        n.get()
    });
    // Removed from a task of its own: the listener that runs is part of the port.
    let gone = port.on_disconnect(move || {
        wasm_bindgen_futures::spawn_local(async move {
            PAGES.with(|p| p.borrow_mut().retain(|(page, _)| *page != id));
        });
    });
    let greeting = [
        Notice::LogChanged {
            v: PROTOCOL_VERSION,
            last_seq: LAST_SEQ.with(Cell::get),
        },
        Notice::Status {
            v: PROTOCOL_VERSION,
            health: crate::store::health(),
        },
    ];
    if gone.is_err() || greeting.iter().any(|n| port.post(n).is_err()) {
        return;
    }
    PAGES.with(|p| p.borrow_mut().push((id, port)));
}

/// The log changed (a write succeeded); `last_seq` is the last seq it holds now.
pub fn log_changed(last_seq: u64) {
    LAST_SEQ.with(|s| s.set(last_seq));
    match PACER.with(|p| p.borrow_mut().changed(now())) {
        Pace::Now => tell_log(),
        Pace::At(at) => {
            let wait = (at - now()).max(0.0) as u32;
            wasm_bindgen_futures::spawn_local(async move {
                // A worker without timers tells at once; a stopped worker tells nobody,
                // and its pages' ports are gone with it.
                let _ = fvi_browser::timer::sleep(wait).await;
                PACER.with(|p| p.borrow_mut().due(now()));
                tell_log();
            });
        }
        Pace::Wait => {}
    }
}

/// The page-handler keys changed (reports stored, a site turned on or off, a clear): told
/// as a log change, paced the same way, so an open page re-reads them with the log.
pub fn handlers_changed() {
    log_changed(LAST_SEQ.with(Cell::get));
}

fn tell_log() {
    post(&Notice::LogChanged {
        v: PROTOCOL_VERSION,
        last_seq: LAST_SEQ.with(Cell::get),
    });
}

/// Posts `notice` to every open page; a port that fails is gone.
pub fn post(notice: &Notice) {
    PAGES.with(|p| p.borrow_mut().retain(|(_, port)| port.post(notice).is_ok()));
}
