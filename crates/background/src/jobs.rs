//! One queue of jobs, run strictly one after another, so that sequence numbers and the
//! read-modify-write of `meta` can never interleave, even though each job awaits storage.

use std::cell::RefCell;
use std::collections::VecDeque;

use fvi_browser::runtime::{Message, Responder};
use fvi_core::log::Sender;
use fvi_core::protocol::Request;
use fvi_core::store::Input;
use fvi_core::TabNoteKind;

use crate::store;

pub enum Job {
    Capture {
        /// `None` when the message came without a tab: then the document must be bound.
        sender: Option<Sender>,
        /// Decoded only when this job runs: a burst queues 25 messages of 2,000 events at
        /// once, and decoding them all on arrival held every event in wasm memory at the
        /// same time (37 MB for 50,000, which the instance then keeps; BENCHMARKS.md §3).
        message: Message,
        respond: Responder,
    },
    Note(i64, TabNoteKind),
    /// A document asked for the engine from this tab and frame (see `LogMeta::bind`).
    Bind(String, Sender),
    Command(Request, Responder),
    /// A message was refused (already answered); count it.
    Malformed(String),
    /// The browser started: empty the log unless the user keeps it across restarts.
    Startup,
}

impl Job {
    /// The core's input, and who waits for the answer. A capture's text is copied out of
    /// the JS heap only now (see `Job::Capture`).
    pub fn into_input(self) -> (Input, Option<Responder>) {
        match self {
            Job::Capture {
                sender,
                message,
                respond,
            } => (
                Input::Capture {
                    sender,
                    text: message.text(),
                },
                Some(respond),
            ),
            Job::Note(tab, kind) => (Input::Note { tab, kind }, None),
            Job::Bind(document, sender) => (Input::Bind { document, sender }, None),
            Job::Command(request, respond) => (Input::Command(request), Some(respond)),
            Job::Malformed(reason) => (Input::Malformed { reason }, None),
            Job::Startup => (Input::Startup, None),
        }
    }
}

thread_local! {
    static QUEUE: RefCell<VecDeque<Job>> = const { RefCell::new(VecDeque::new()) };
    static RUNNING: RefCell<bool> = const { RefCell::new(false) };
}

pub fn push(job: Job) {
    QUEUE.with(|q| q.borrow_mut().push_back(job));
    if RUNNING.with(|r| std::mem::replace(&mut *r.borrow_mut(), true)) {
        return;
    }
    wasm_bindgen_futures::spawn_local(async {
        while let Some(job) = QUEUE.with(|q| q.borrow_mut().pop_front()) {
            store::run(job).await;
        }
        RUNNING.with(|r| *r.borrow_mut() = false);
    });
}
