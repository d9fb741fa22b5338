//! How the open page hears that the log changed, and its health (the rules are
//! `fvi_core::notify::Listening`'s): while the log is busy, a port to the background
//! (`fvi_core::protocol::LOG_PORT`) that carries only small notices; while it is quiet,
//! passive listeners, `storage.onChanged` and the status broadcasts on
//! `runtime.onMessage`, which wake no background. The passive listeners are dropped while
//! the port is open: during a burst `storage.onChanged` would hand this page every changed
//! chunk's contents, and `runtime.onMessage` every capture message the content scripts
//! send, each parsed on this page's main thread (BENCHMARKS.md, live panel).
//!
//! Held by the mounted view (`view::View`); dropping it drops the port, the listeners and
//! the timer.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use fvi_browser::port::Port;
use fvi_browser::ExtListener;
use fvi_core::notify::{Heard, Listening, Step};
use fvi_core::protocol::{Health, Notice, LOG_PORT};

use crate::dom;
use crate::state::App;

/// How often the page looks whether its port has been quiet for `notify::QUIET_MS`.
const TICK_MS: i32 = 5_000;

type Shared = Rc<RefCell<App>>;

pub struct Live {
    _link: Rc<RefCell<Link>>,
    _tick: dom::Interval,
}

struct Link {
    app: Weak<RefCell<App>>,
    listening: Listening,
    port: Option<Port>,
    passive: Vec<ExtListener>,
}

impl Live {
    /// Starts listening passively; every change of the log calls `view::log_changed`.
    pub fn start(app: &Shared) -> Live {
        let link = Rc::new(RefCell::new(Link {
            app: Rc::downgrade(app),
            listening: Listening::new(),
            port: None,
            passive: Vec::new(),
        }));
        listen_passively(&link);
        show(&link);
        let weak = Rc::downgrade(&link);
        let tick = dom::Interval::new(TICK_MS, move || {
            if let Some(link) = weak.upgrade() {
                heard(&link, Heard::Tick);
            }
        });
        Live {
            _link: link,
            _tick: tick,
        }
    }
}

/// Drops `value` in a task of its own: a listener must not be freed while it runs, and
/// these steps run inside the listeners they replace.
fn drop_later<T: 'static>(value: T) {
    dom::after(0, move || drop(value));
}

fn heard(link: &Rc<RefCell<Link>>, what: Heard) {
    let now = dom::perf_now();
    if matches!(what, Heard::Woken | Heard::Notice) {
        if let Some(root) = dom::document().document_element() {
            dom::attr(&root, "data-fvi-heard-ms", &format!("{now:.1}"));
        }
    }
    let step = link.borrow_mut().listening.heard(what, now);
    match step {
        Step::Connect => {
            if connect(link) {
                let passive = std::mem::take(&mut link.borrow_mut().passive);
                drop_later(passive);
            }
            changed(link);
        }
        Step::GoQuiet { reload } => {
            listen_passively(link);
            let port = link.borrow_mut().port.take();
            drop_later(port);
            if reload {
                changed(link);
            }
        }
        Step::Reload => changed(link),
        Step::Nothing => {}
    }
    show(link);
}

/// `html[data-fvi-listening]`: `port` or `passive` (tests wait on it).
fn show(link: &Rc<RefCell<Link>>) {
    let how = if link.borrow().port.is_some() {
        "port"
    } else {
        "passive"
    };
    if let Some(root) = dom::document().document_element() {
        dom::attr(&root, "data-fvi-listening", how);
    }
}

fn changed(link: &Rc<RefCell<Link>>) {
    let app = link.borrow().app.upgrade();
    if let Some(app) = app {
        crate::view::log_changed(&app);
    }
}

fn health(link: &Weak<RefCell<Link>>, health: Health) {
    let app = link.upgrade().and_then(|l| l.borrow().app.upgrade());
    if let Some(app) = app {
        app.borrow_mut().health = health;
        crate::view::render_health(&app.borrow());
    }
}

/// The passive listeners: a storage change wakes the page (and opens its port); a status
/// broadcast updates the health.
fn listen_passively(link: &Rc<RefCell<Link>>) {
    let on_change = Rc::downgrade(link);
    let storage = fvi_browser::storage::on_changed(move |_keys| {
        if let Some(link) = on_change.upgrade() {
            heard(&link, Heard::Woken);
        }
    });
    let on_status = Rc::downgrade(link);
    let status = fvi_browser::runtime::on_status(move |h| health(&on_status, h));
    let mut l = link.borrow_mut();
    for listener in [storage, status] {
        match listener {
            Ok(listener) => l.passive.push(listener),
            Err(e) => crate::view::status(&format!("Live updates are unavailable: {e}."), true),
        }
    }
}

/// Opens the port; its notices reload (or update the health), and its end sends the page
/// back to its passive listeners. False if it could not: the page stays with its passive
/// listeners, which are still there.
fn connect(link: &Rc<RefCell<Link>>) -> bool {
    let failed = |link: &Rc<RefCell<Link>>| {
        let mut l = link.borrow_mut();
        l.listening.heard(Heard::PortGone, dom::perf_now());
        false
    };
    let Ok(mut port) = fvi_browser::port::connect(LOG_PORT) else {
        return failed(link);
    };
    let on_notice = Rc::downgrade(link);
    let listening = port.on_message(move |message| {
        let Some(link) = on_notice.upgrade() else {
            return;
        };
        match Notice::decode(message) {
            Some(Notice::Status { health: h, .. }) => health(&on_notice, h),
            // A notice this page cannot read reloads too: the log in storage is the truth.
            Some(Notice::LogChanged { .. }) | None => heard(&link, Heard::Notice),
        }
    });
    let on_gone = Rc::downgrade(link);
    let watching = port.on_disconnect(move || {
        if let Some(link) = on_gone.upgrade() {
            heard(&link, Heard::PortGone);
        }
    });
    if listening.is_err() || watching.is_err() {
        return failed(link);
    }
    link.borrow_mut().port = Some(port);
    true
}
