//! The background's rules, as a pure state machine (in the shape of quinn-proto): the
//! background hands it each job's input and the time, and gets back a [`Plan`] (the storage
//! writes to make); it makes them and hands back how they went ([`Written`]), and gets the
//! [`Effects`]: the answer to send, badge updates, a status broadcast, a follow-up read.
//!
//! ```text
//!   load (once per worker life: Store::loaded) → handle → write → finish → reply
//! ```
//!
//! Rules kept here, and nowhere else:
//! - A plan's new state takes effect only when its write succeeded. When it fails, a
//!   request someone is waiting on (a capture, a command) keeps the old state and is
//!   answered with a refusal that says retry ([`Response::retry_later`]); a note, a binding
//!   or a malformed count, which nobody would resend, is kept in memory and written with the
//!   next write that succeeds.
//! - Refusals that are final (malformed, wrong version, wrong sender) say so (`retry:
//!   false`), whatever storage does.
//! - [`Health`] lives here, in memory, not only in storage (which may be what fails).
//! - A capture whose events are all stored already is answered `stored` without a write.
//! - Retention: at least [`MIN_MAX_EVENTS`]; past the limit the log is evicted (see
//!   `log::evict`) with fresh chunk ids, in one `set`, and the old keys removed after it.
//! - Events refused because storage failed wait in their senders, and [`Health`] counts
//!   them, until they are stored, or until the page holding them goes away: its tab closed
//!   ([`TabNoteKind::Closed`], from `tabs.onRemoved`), or it was not heard from for
//!   [`WAIT_SILENCE_MS`]. Then nothing will send them again: they are counted as lost, by
//!   cause, not as waiting. One that arrives after all is stored and no longer counted.
//! - Keys `meta` does not list are garbage: found at load (a worker stopped between a set
//!   and its remove) or left by a remove that failed, they are removed with a later write.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::fire::{Expected, Pending, Used};
use crate::log::{
    chunk_id, chunk_key, decode_chunk, encode_chunk, evict, LogMeta, Sender, META_KEY,
};
use crate::protocol::{decode, Health, LostEvents, Request, Response, PROTOCOL_VERSION};
use crate::record::{EventRecord, TabNoteKind};

/// The smallest retention limit accepted, in events: below it, eviction would run on nearly
/// every capture.
pub const MIN_MAX_EVENTS: u64 = 100;

/// How long a document's waiting events still count as waiting after its sender was last
/// heard from (a capture from it, stored or refused). A live sender resends at least every
/// 5 s (`deliver.rs`, `relay.js`), but a hidden tab's timers are throttled: Chromium's
/// intensive wake-up throttling lets a page hidden for 5 minutes wake once a minute, and
/// Firefox delays background tabs' timeouts too. Three minutes is well past that; a sender
/// silent for longer has gone (navigated away, frame removed, tab discarded) without a
/// browser event the background hears.
pub const WAIT_SILENCE_MS: f64 = 180_000.0;

/// One job for the store. Times come with [`Store::handle`].
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// A capture message, as its JSON text (decoded here, when its job runs), with the tab
    /// and frame the browser reported; `None` when the message came without a tab (then the
    /// document must have been bound).
    Capture {
        sender: Option<Sender>,
        text: String,
    },
    /// Something happened to a tab (the browser said so).
    Note { tab: i64, kind: TabNoteKind },
    /// A document asked for the engine from this tab and frame (see `LogMeta::bind`).
    Bind { document: String, sender: Sender },
    /// A message was refused as malformed; count it.
    Malformed { reason: String },
    /// The browser started: empty the log unless the user keeps it across restarts.
    Startup,
    /// A command from an extension page (clear, pause, retention, keep across restarts).
    Command(Request),
    /// An extension page asks how storage is going.
    Status,
    /// The chunks [`Effects::load`] asked for, as `storage.local.get` returned them.
    Chunks(Map<String, Value>),
}

/// How a plan's writes went: the `set` first, then (only if it succeeded) the `remove`.
#[derive(Debug, Clone, PartialEq)]
pub enum Written {
    /// Both succeeded, or there was nothing to write.
    Ok,
    /// The `set` failed, with the browser's words; nothing was removed.
    SetFailed(String),
    /// The `set` succeeded and the `remove` failed: the keys stay as garbage, which no
    /// reader reads (they are not listed), and are removed with a later write.
    RemoveFailed(String),
}

/// The log as loaded: `meta` and the contents of its tail chunk (empty if it has none).
#[derive(Debug, Clone, PartialEq)]
struct Log {
    meta: LogMeta,
    tail: Vec<EventRecord>,
}

/// A plan's new state: `meta`, and the tail chunk's contents if they changed.
#[derive(Debug)]
struct Next {
    meta: LogMeta,
    tail: Option<Vec<EventRecord>>,
}

/// What to answer when the write fails.
#[derive(Debug, Clone, PartialEq)]
enum OnFailure {
    /// Nobody waits for an answer.
    Nothing,
    /// The same answer as on success (a final refusal does not depend on storage).
    Same,
    /// "Storage failed, send it again."
    RetryLater,
}

/// The writes one input needs, and what follows from them. Make the writes, then hand the
/// plan back to [`Store::finish`] with how they went.
#[derive(Debug)]
pub struct Plan {
    /// Entries for ONE `storage.local.set` (always with `meta` when not empty); empty:
    /// nothing to set.
    pub set: Map<String, Value>,
    /// Keys to remove after the `set` succeeded (or alone, when `set` is empty).
    pub remove: Vec<String>,
    now: f64,
    /// The state after a successful write; `None`: unchanged.
    next: Option<Next>,
    /// Nobody will send this input again, so its change is kept even if the write fails.
    keep_on_failure: bool,
    reply: Option<Response>,
    on_failure: OnFailure,
    /// Tabs whose event count changed, with their new counts.
    badges: Vec<(i64, u64)>,
    /// A capture: its document and sender tab, its counters, and those of them that were
    /// new.
    batch: Option<Batch>,
    /// A tab closed: what its documents wait for is lost.
    closed_tab: Option<i64>,
    /// The log is over its limit: read it whole for eviction after this write.
    evict: bool,
    /// The toolbar setting to apply once written.
    toolbar: Option<bool>,
    /// A capture marked records as fired by the inspector: the expected fires it used up,
    /// applied to the list once written (fires noted during the write stay on it).
    pending: Option<Vec<Used>>,
}

impl Plan {
    fn new(now: f64) -> Plan {
        Plan {
            set: Map::new(),
            remove: Vec::new(),
            now,
            next: None,
            keep_on_failure: false,
            reply: None,
            on_failure: OnFailure::Nothing,
            badges: Vec::new(),
            batch: None,
            closed_tab: None,
            evict: false,
            toolbar: None,
            pending: None,
        }
    }

    /// True when the shell has to call storage at all.
    pub fn writes(&self) -> bool {
        !self.set.is_empty() || !self.remove.is_empty()
    }

    fn answer(mut self, reply: Response, on_failure: OnFailure) -> Plan {
        self.reply = Some(reply);
        self.on_failure = on_failure;
        self
    }
}

/// A capture's document, the tab it came from (if known), its counters, and the new ones.
#[derive(Debug)]
struct Batch {
    document: String,
    tab: Option<i64>,
    ns: Vec<u64>,
    fresh: Vec<u64>,
}

/// A document's events refused while storage failed, which its sender still holds.
#[derive(Debug, Clone)]
struct Waiting {
    tab: Option<i64>,
    ns: BTreeSet<u64>,
    /// When its sender was last heard from.
    heard: f64,
}

/// Why waiting events were given up on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum LostCause {
    TabClosed,
    PageGone,
}

/// What the shell does after the writes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Effects {
    /// The answer to the input's sender.
    pub reply: Option<Response>,
    /// Badge texts to show, per tab. Best effort: a closed tab has no badge.
    pub badges: Vec<(i64, String)>,
    /// [`Response::Status`] to send to the extension's pages: health changed.
    pub status: Option<Response>,
    /// Keys to read and hand back as [`Input::Chunks`] (the whole log, for eviction).
    pub load: Vec<String>,
    /// What the toolbar button now opens: the side panel (true) or the popup (false).
    pub toolbar: Option<bool>,
    /// The log in storage changed (a `set` succeeded): tell the open pages
    /// ([`crate::protocol::Notice::LogChanged`], paced by [`crate::notify::Pacer`]), with
    /// the last seq it holds now.
    pub log_changed: Option<u64>,
}

/// The store's state between jobs. The shell keeps one per worker life.
#[derive(Debug, Default)]
pub struct Store {
    /// `None` until [`Store::loaded`].
    log: Option<Log>,
    /// The in-memory state has changes storage does not (a write for a note, a binding or
    /// a malformed count failed); the next write carries them.
    dirty: bool,
    /// Storage keys `meta` does not list, still to remove.
    garbage: BTreeSet<String>,
    /// Since when writes fail, and the browser's words; `waiting_events` is from `waiting`.
    failing_since: Option<f64>,
    last_error: Option<String>,
    /// Per document, the counters of events refused because storage failed and not stored
    /// since; their senders hold them and send them again.
    waiting: BTreeMap<String, Waiting>,
    /// Per document and cause, waiting events whose page went away: lost. Kept by counter
    /// so that one arriving after all (a page restored from the back-forward cache) is
    /// stored and no longer counted.
    lost: BTreeMap<(String, LostCause), BTreeSet<u64>>,
    /// Malformed messages counted while the log could not be read; folded into `meta` when
    /// it loads.
    unloaded_malformed: Vec<String>,
    /// What the background fired into pages and has not seen captured yet (`fire.rs`).
    pending: Pending,
}

/// Reads a stored `meta`: absent is a new log; unreadable is a new log too (the chunks it
/// listed become garbage), as a log that cannot be read cannot be kept.
pub fn read_meta(value: Option<&Value>) -> LogMeta {
    value
        .and_then(|m| serde_json::from_value(m.clone()).ok())
        .unwrap_or_default()
}

/// The badge text for a tab's event count: empty for none, `12`, `3k`.
pub fn badge_text(count: u64) -> String {
    match count {
        0 => String::new(),
        1..=999 => count.to_string(),
        _ => format!("{}k", count / 1000),
    }
}

fn storage_failed(error: &str) -> Response {
    Response::retry_later(format!("storage failed: {error}"))
}

fn done() -> Response {
    Response::Done {
        v: PROTOCOL_VERSION,
    }
}

impl Store {
    pub fn new() -> Store {
        Store::default()
    }

    /// Notes an event the background is about to fire into a page, so that its capture is
    /// marked as the inspector's (see `fire::Pending`). Call it before dispatching.
    pub fn expect_fire(&mut self, expected: Expected, now: f64) {
        self.pending.expect(expected, now);
    }

    /// True once [`Store::loaded`] ran; until then the shell must load before handling
    /// anything but [`Input::Status`].
    pub fn is_loaded(&self) -> bool {
        self.log.is_some()
    }

    /// The log as the shell read it at the worker's start: `meta` (see [`read_meta`]), the
    /// value of its tail chunk's key (`meta.tail_chunk()`), and every key in storage. Keys
    /// `meta` does not list are garbage, removed by the next plan.
    pub fn loaded(&mut self, mut meta: LogMeta, tail: Option<&Value>, keys: &[String]) {
        let listed: BTreeSet<String> = meta.chunk_keys().into_iter().collect();
        for key in keys {
            if let Some(id) = chunk_id(key) {
                meta.reserve_chunk_id(id);
                if !listed.contains(key) {
                    self.garbage.insert(key.clone());
                }
            }
        }
        let tail = match meta.tail_chunk() {
            Some(_) => tail.map(decode_chunk).unwrap_or_default(),
            None => Vec::new(),
        };
        for reason in std::mem::take(&mut self.unloaded_malformed) {
            meta.count_malformed(&reason);
            self.dirty = true;
        }
        self.log = Some(Log { meta, tail });
    }

    /// The `meta` in memory (what the next write builds on), once loaded.
    pub fn meta(&self) -> Option<&LogMeta> {
        self.log.as_ref().map(|l| &l.meta)
    }

    /// How storage is going, as [`Response::Status`] carries it.
    pub fn health(&self) -> Health {
        Health {
            storage_failing_since: self.failing_since,
            last_storage_error: self.last_error.clone(),
            waiting_events: self.waiting.values().map(|w| w.ns.len() as u64).sum(),
            lost_events: self.lost.iter().fold(
                LostEvents::default(),
                |mut lost, ((_, cause), ns)| {
                    match cause {
                        LostCause::TabClosed => lost.tab_closed += ns.len() as u64,
                        LostCause::PageGone => lost.page_gone += ns.len() as u64,
                    }
                    lost
                },
            ),
        }
    }

    /// The plan for one input. Changes nothing: the state moves in [`Store::finish`].
    /// Must be loaded first, except for [`Input::Status`].
    pub fn handle(&self, input: Input, now: f64) -> Plan {
        let mut plan = Plan::new(now);
        if let Input::Status = input {
            return plan.answer(
                Response::Status {
                    v: PROTOCOL_VERSION,
                    health: self.health(),
                },
                OnFailure::Same,
            );
        }
        let Some(log) = &self.log else {
            // The shell loads first; should it not, nothing is decided without the log.
            return plan.answer(
                Response::retry_later("the log is not loaded yet"),
                OnFailure::Same,
            );
        };
        let mut plan = match input {
            Input::Status => unreachable!("answered above"),
            Input::Capture { sender, text } => self.capture(log, sender, &text, plan),
            Input::Note { tab, kind } => {
                if kind == TabNoteKind::Closed {
                    plan.closed_tab = Some(tab);
                }
                let mut meta = log.meta.clone();
                let changed = match kind {
                    TabNoteKind::Closed => meta.tab_closed(tab, now),
                    // Notes matter only for tabs that fired events.
                    kind if meta.tab_counts.contains_key(&tab) => {
                        meta.note(tab, now, kind);
                        true
                    }
                    _ => false,
                };
                if changed {
                    self.keep(meta, None, plan)
                } else {
                    plan
                }
            }
            Input::Bind { document, sender } => {
                if log.meta.bound(&document).as_ref() == Some(&sender) {
                    plan
                } else {
                    let mut meta = log.meta.clone();
                    meta.bind(&document, &sender);
                    self.keep(meta, None, plan)
                }
            }
            Input::Malformed { reason } => self.malformed(log, reason, plan),
            Input::Startup if log.meta.keep_across_restarts => plan,
            Input::Startup => {
                let mut meta = log.meta.clone();
                let removed = meta.clear();
                plan.badges = cleared_badges(&log.meta);
                plan.remove = removed;
                self.keep(meta, Some(Vec::new()), plan)
            }
            Input::Command(request) => self.command(log, request, plan),
            Input::Chunks(got) => self.evict(log, got, plan),
        };
        // Garbage goes with a write of `meta`, or alone while storage holds the same
        // `meta` as memory (then storage lists none of it either).
        if !plan.set.is_empty() || !self.dirty {
            let meta = plan.next.as_ref().map_or(&log.meta, |n| &n.meta);
            let listed: BTreeSet<String> = meta.chunk_keys().into_iter().collect();
            for key in &self.garbage {
                if !listed.contains(key) && !plan.remove.contains(key) {
                    plan.remove.push(key.clone());
                }
            }
        }
        plan
    }

    /// A change nobody will resend: written now, and kept in memory even if that fails.
    fn keep(&self, meta: LogMeta, tail: Option<Vec<EventRecord>>, mut plan: Plan) -> Plan {
        plan.set = meta_entry(&meta);
        plan.next = Some(Next { meta, tail });
        plan.keep_on_failure = true;
        plan
    }

    fn malformed(&self, log: &Log, reason: String, plan: Plan) -> Plan {
        let mut meta = log.meta.clone();
        meta.count_malformed(&reason);
        self.keep(meta, None, plan)
            .answer(Response::refused(reason), OnFailure::Same)
    }

    fn capture(&self, log: &Log, sender: Option<Sender>, text: &str, plan: Plan) -> Plan {
        let (document, events) = match decode(text) {
            Ok(Request::Capture {
                document, events, ..
            }) => (document, events),
            Ok(_) => return self.malformed(log, "malformed message: not a capture".into(), plan),
            Err(e) => return self.malformed(log, e.to_string(), plan),
        };
        let ns: Vec<u64> = events.iter().map(|e| e.n).collect();
        let mut plan = plan;
        if log.meta.paused {
            // Not stored, deliberately: the sender drops them, so none of them waits.
            plan.batch = Some(Batch {
                document,
                tab: sender.map(|s| s.tab_id),
                ns,
                fresh: Vec::new(),
            });
            return plan.answer(
                Response::Paused {
                    v: PROTOCOL_VERSION,
                },
                OnFailure::Same,
            );
        }
        let Some(sender) = sender.or_else(|| log.meta.bound(&document)) else {
            return self.malformed(log, "capture from outside a tab".into(), plan);
        };
        let mut meta = log.meta.clone();
        let first_new = meta.next_seq;
        let mut accepted = meta.accept(log.tail.clone(), &sender, &document, events, plan.now);
        // The inspector's mark, from the background's own list only, before anything is
        // encoded; the list's change takes effect with the write.
        if !self.pending.is_empty() {
            let mut pending = self.pending.clone();
            let mut used = Vec::new();
            for (_, records) in &mut accepted.chunks {
                for record in records.iter_mut().filter(|r| r.seq >= first_new) {
                    used.extend(pending.take(record, plan.now));
                }
            }
            if !used.is_empty() {
                plan.pending = Some(used);
            }
        }
        let fresh = accepted.fresh.clone();
        let reply = Response::Stored {
            v: PROTOCOL_VERSION,
            stored: accepted.stored,
            duplicates: accepted.duplicates,
        };
        plan.batch = Some(Batch {
            document,
            tab: Some(sender.tab_id),
            ns,
            fresh,
        });
        if accepted.stored == 0 && accepted.unknown == 0 {
            // Duplicates only (a resend after a lost answer): nothing changed.
            return plan.answer(reply, OnFailure::Same);
        }
        // The tail is now the last chunk written, if it has room.
        let tail = match meta.tail_chunk() {
            Some(info) => accepted
                .chunks
                .iter()
                .find(|(key, _)| *key == chunk_key(info.id))
                .map(|(_, records)| records.clone()),
            None => Some(Vec::new()),
        };
        plan.set = meta_entry(&meta);
        for (key, records) in &accepted.chunks {
            plan.set.insert(key.clone(), encode_chunk(records));
        }
        if accepted.stored > 0 {
            let count = meta.tab_counts.get(&sender.tab_id).copied().unwrap_or(0);
            plan.badges.push((sender.tab_id, count));
        }
        plan.evict = accepted.over_limit;
        plan.next = Some(Next { meta, tail });
        plan.answer(reply, OnFailure::RetryLater)
    }

    fn command(&self, log: &Log, request: Request, mut plan: Plan) -> Plan {
        let mut meta = log.meta.clone();
        let mut tail = None;
        match request {
            Request::Clear { .. } => {
                plan.remove = meta.clear();
                plan.badges = cleared_badges(&log.meta);
                tail = Some(Vec::new());
            }
            Request::SetPaused { paused, .. } => meta.paused = paused,
            Request::SetKeepAcrossRestarts { keep, .. } => meta.keep_across_restarts = keep,
            Request::SetToolbarOpensPanel { panel, .. } => {
                meta.toolbar_opens_panel = panel;
                plan.toolbar = Some(panel);
            }
            Request::SetRetention { max_events, .. } => {
                meta.max_events = max_events.max(MIN_MAX_EVENTS);
                plan.evict = meta.total_events() > meta.max_events;
            }
            // Not a command: the router sends only the five above here.
            other => {
                let reason = format!("not a command: {}", request_kind(&other));
                return self.malformed(log, reason, plan);
            }
        }
        plan.set = meta_entry(&meta);
        plan.next = Some(Next { meta, tail });
        plan.answer(done(), OnFailure::RetryLater)
    }

    /// The whole log, read for eviction: drops the oldest calls and writes the rest under
    /// fresh chunk ids with the `meta` that lists only them, in one `set`; the old keys are
    /// removed after it.
    fn evict(&self, log: &Log, got: Map<String, Value>, mut plan: Plan) -> Plan {
        if log.meta.total_events() <= log.meta.max_events {
            // Already done (a second read for the same eviction).
            return plan;
        }
        let mut all = Vec::with_capacity(log.meta.total_events() as usize);
        for info in &log.meta.chunks {
            let key = chunk_key(info.id);
            if log.meta.tail_chunk().is_some_and(|t| t.id == info.id) {
                // Memory has the tail as the last write left it.
                all.extend(log.tail.iter().cloned());
            } else if let Some(value) = got.get(&key) {
                all.extend(decode_chunk(value));
            }
        }
        let mut meta = log.meta.clone();
        let evicted = evict(&mut meta, all);
        plan.set = meta_entry(&meta);
        for (key, records) in &evicted.chunks {
            plan.set.insert(key.clone(), encode_chunk(records));
        }
        plan.remove = evicted.removed_keys;
        for (&tab, &old) in &log.meta.tab_counts {
            let new = meta.tab_counts.get(&tab).copied().unwrap_or(0);
            if new != old {
                plan.badges.push((tab, new));
            }
        }
        let tail = match meta.tail_chunk() {
            Some(_) => evicted.chunks.last().map(|(_, r)| r.clone()),
            None => None,
        };
        plan.next = Some(Next {
            meta,
            tail: Some(tail.unwrap_or_default()),
        });
        plan
    }

    /// Applies a plan after its writes: the new state if they succeeded (or if nobody
    /// would resend the input), health, and what the shell does next.
    pub fn finish(&mut self, plan: Plan, written: Written) -> Effects {
        let before = self.health();
        self.give_up(plan.now, plan.closed_tab);
        let mut plan = plan;
        if let Some(Response::Status { health, .. }) = &mut plan.reply {
            // Built before the silent senders were given up on just now.
            *health = self.health();
        }
        let mut effects = Effects::default();
        let set = !plan.set.is_empty();
        match written {
            Written::Ok | Written::RemoveFailed(_) => {
                if let Some(next) = plan.next {
                    self.apply(next);
                }
                if let Some(used) = plan.pending {
                    self.pending.apply(&used);
                }
                if set {
                    self.dirty = false;
                    self.failing_since = None;
                    self.last_error = None;
                    effects.log_changed = self
                        .log
                        .as_ref()
                        .map(|log| log.meta.next_seq.saturating_sub(1));
                }
                for key in &plan.remove {
                    self.garbage.remove(key);
                }
                if let Written::RemoveFailed(_) = written {
                    // Not listed any more, so never read; removed with a later write.
                    self.garbage.extend(plan.remove.iter().cloned());
                }
                if let Some(batch) = &plan.batch {
                    self.unwait(&batch.document, &batch.ns, plan.now);
                }
                effects.reply = plan.reply;
                effects.toolbar = plan.toolbar;
                effects.badges = plan
                    .badges
                    .iter()
                    .map(|&(tab, count)| (tab, badge_text(count)))
                    .collect();
                if plan.evict {
                    if let Some(log) = &self.log {
                        effects.load = log.meta.chunk_keys();
                    }
                }
            }
            Written::SetFailed(error) => {
                if plan.keep_on_failure {
                    if let Some(next) = plan.next {
                        self.apply(next);
                        self.dirty = true;
                        // Storage still lists these; only a later `meta` write unlists them.
                        self.garbage.extend(plan.remove.iter().cloned());
                    }
                }
                self.failed(plan.now, &error);
                if let Some(batch) = &plan.batch {
                    if plan.on_failure == OnFailure::RetryLater {
                        self.wait(&batch.document, batch.tab, &batch.fresh, plan.now);
                    }
                }
                effects.reply = match plan.on_failure {
                    OnFailure::Nothing => None,
                    OnFailure::Same => plan.reply,
                    OnFailure::RetryLater => Some(storage_failed(&error)),
                };
            }
        }
        effects.status = self.changed(before);
        effects
    }

    fn apply(&mut self, next: Next) {
        if let Some(log) = &mut self.log {
            log.meta = next.meta;
            if let Some(tail) = next.tail {
                log.tail = tail;
            }
        }
    }

    /// The log could not be read (at load, or for eviction): nothing is decided, a request
    /// someone waits on is refused with retry, and health says storage fails. A note, a
    /// binding or a startup that came meanwhile is lost: nothing would resend it, and the
    /// log it belongs to could not be read.
    pub fn read_failed(&mut self, input: Input, error: &str, now: f64) -> Effects {
        let before = self.health();
        let closed_tab = match &input {
            Input::Note {
                tab,
                kind: TabNoteKind::Closed,
            } => Some(*tab),
            _ => None,
        };
        self.give_up(now, closed_tab);
        let error = format!("could not read the log: {error}");
        self.failed(now, &error);
        let reply = match input {
            Input::Capture { text, sender } => match decode(&text) {
                Ok(Request::Capture {
                    document, events, ..
                }) => {
                    let ns: Vec<u64> = events.iter().map(|e| e.n).collect();
                    let (fresh, bound) = match &self.log {
                        Some(log) => (
                            log.meta.not_stored(&document, &ns),
                            log.meta.bound(&document),
                        ),
                        None => (ns, None),
                    };
                    let tab = sender.or(bound).map(|s| s.tab_id);
                    self.wait(&document, tab, &fresh, now);
                    Some(storage_failed(&error))
                }
                Ok(_) => Some(self.count_unloaded("malformed message: not a capture".into())),
                Err(e) => Some(self.count_unloaded(e.to_string())),
            },
            Input::Command(_) => Some(storage_failed(&error)),
            Input::Malformed { reason } => {
                self.count_unloaded(reason);
                None
            }
            Input::Status => Some(Response::Status {
                v: PROTOCOL_VERSION,
                health: self.health(),
            }),
            Input::Note { .. } | Input::Bind { .. } | Input::Startup | Input::Chunks(_) => None,
        };
        Effects {
            reply,
            status: self.changed(before),
            ..Effects::default()
        }
    }

    fn count_unloaded(&mut self, reason: String) -> Response {
        match &mut self.log {
            Some(log) => {
                log.meta.count_malformed(&reason);
                self.dirty = true;
            }
            None => self.unloaded_malformed.push(reason.clone()),
        }
        Response::refused(reason)
    }

    fn failed(&mut self, now: f64, error: &str) {
        self.failing_since.get_or_insert(now);
        self.last_error = Some(error.chars().take(300).collect());
    }

    fn wait(&mut self, document: &str, tab: Option<i64>, ns: &[u64], now: f64) {
        // Its sender was heard from, even if everything it sent was stored already.
        if let Some(waiting) = self.waiting.get_mut(document) {
            waiting.heard = now;
            waiting.tab = tab.or(waiting.tab);
        }
        if ns.is_empty() {
            return;
        }
        let waiting = self
            .waiting
            .entry(document.to_string())
            .or_insert_with(|| Waiting {
                tab,
                ns: BTreeSet::new(),
                heard: now,
            });
        waiting.ns.extend(ns.iter().copied());
        // Waiting again (its page came back after all): not lost.
        self.lost.retain(|(doc, _), lost| {
            if doc == document {
                for n in ns {
                    lost.remove(n);
                }
            }
            !lost.is_empty()
        });
    }

    /// `ns` of `document` are stored (or were already): neither waiting nor lost; its sender
    /// was heard from.
    fn unwait(&mut self, document: &str, ns: &[u64], now: f64) {
        if let Some(waiting) = self.waiting.get_mut(document) {
            waiting.heard = now;
            for n in ns {
                waiting.ns.remove(n);
            }
            if waiting.ns.is_empty() {
                self.waiting.remove(document);
            }
        }
        self.lost.retain(|(doc, _), lost| {
            if doc == document {
                for n in ns {
                    lost.remove(n);
                }
            }
            !lost.is_empty()
        });
    }

    /// Moves to `lost` what waits for a page that went away: every document of a tab that
    /// closed, and every document not heard from for [`WAIT_SILENCE_MS`] by `now`.
    fn give_up(&mut self, now: f64, closed_tab: Option<i64>) {
        let gone: Vec<(String, LostCause)> = self
            .waiting
            .iter()
            .filter_map(|(document, w)| {
                let cause = if closed_tab.is_some() && w.tab == closed_tab {
                    LostCause::TabClosed
                } else if now - w.heard > WAIT_SILENCE_MS {
                    LostCause::PageGone
                } else {
                    return None;
                };
                Some((document.clone(), cause))
            })
            .collect();
        for (document, cause) in gone {
            if let Some(w) = self.waiting.remove(&document) {
                self.lost.entry((document, cause)).or_default().extend(w.ns);
            }
        }
    }

    fn changed(&self, before: Health) -> Option<Response> {
        let health = self.health();
        (health != before).then_some(Response::Status {
            v: PROTOCOL_VERSION,
            health,
        })
    }
}

fn meta_entry(meta: &LogMeta) -> Map<String, Value> {
    let mut set = Map::new();
    set.insert(
        META_KEY.to_string(),
        serde_json::to_value(meta).expect("meta serialises"),
    );
    set
}

/// Every tab with events gets an empty badge.
fn cleared_badges(meta: &LogMeta) -> Vec<(i64, u64)> {
    meta.tab_counts.keys().map(|&tab| (tab, 0)).collect()
}

fn request_kind(request: &Request) -> String {
    serde_json::to_value(request)
        .ok()
        .and_then(|v| v["kind"].as_str().map(str::to_string))
        .unwrap_or_default()
}
