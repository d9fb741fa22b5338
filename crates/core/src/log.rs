//! The log as the background stores it: sequence numbers, de-duplication of retried
//! batches, chunked storage layout and retention. Pure: the background passes in the
//! sender, the time and what it loaded, and writes back what this module returns.
//!
//! Storage layout (one key-value store, `storage.local`):
//! - `meta`: [`LogMeta`], small, rewritten with every change;
//! - `chunk:<id>`: a JSON array of at most [`CHUNK_EVENTS`] [`EventRecord`]s.
//!
//! Architecture invariant: one `storage.local.set` call carries the new events together
//! with the `meta` that counts them, so a stop between two writes cannot lose or double
//! count an event.
//!
//! Architecture invariant: the log is what `meta` lists, and nothing else. A chunk is
//! rewritten in place only while it is the tail (appending); every other rewrite (eviction)
//! writes its records under chunk ids never used before ([`LogMeta::next_chunk`]), in the
//! same `set` as the `meta` that lists them, and removes the old keys afterwards. A reader
//! that reads only what `meta` lists therefore sees every record once at every instant, and
//! a key `meta` does not list is garbage, removed by the store (`crate::store`).

use crate::detail::{call_id_of, sanitize};
use crate::event::EventKind;
use crate::protocol::PageEvent;
use crate::record::{EventRecord, Origin, TabNote, TabNoteKind};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Version of the stored layout. A future version migrates or starts afresh, never guesses.
pub const STORAGE_VERSION: u32 = 1;
/// Events per storage chunk: big enough that a long session is few keys, small enough that
/// rewriting the tail chunk for one event stays cheap.
pub const CHUNK_EVENTS: usize = 1000;
/// Default retention, in events. The popup shows and changes it.
pub const DEFAULT_MAX_EVENTS: u64 = 200_000;
/// How many documents' counters are remembered for de-duplication.
const SEEN_DOCUMENTS: usize = 4096;
/// Most tab notes kept.
const MAX_NOTES: usize = 2000;
/// Most recently closed tabs remembered (see [`LogMeta::tab_closed`]).
const CLOSED_TABS: usize = 256;
/// Most document bindings kept (see [`LogMeta::bind`]). `meta` is rewritten with every
/// capture, so this stays small; bindings of tabs closed a while ago are dropped first.
const BOUND_DOCUMENTS: usize = 1024;
/// How long after its tab closed a capture still moves the tab's `closed` note after it,
/// in ms. What a page sends from `pagehide` arrives within milliseconds; the bound keeps a
/// tab id the browser hands out again after a restart from being taken for the closed one.
const LATE_CAPTURE_MS: f64 = 60_000.0;

pub const META_KEY: &str = "meta";
/// What every chunk key starts with.
pub const CHUNK_PREFIX: &str = "chunk:";

pub fn chunk_key(id: u64) -> String {
    format!("{CHUNK_PREFIX}{id}")
}

/// The id in a chunk key (`chunk:<id>`); `None` for any other key.
pub fn chunk_id(key: &str) -> Option<u64> {
    key.strip_prefix(CHUNK_PREFIX)?.parse().ok()
}

/// A chunk as stored: one JSON string holding the array of records. Chromium's
/// `storage.local` reads a string many times faster than the same data as nested objects
/// (100,000 events: about 0.45 s against 2.9 s, measured in the popup), and the popup
/// parses the text straight into typed records.
pub fn encode_chunk(records: &[EventRecord]) -> serde_json::Value {
    serde_json::Value::String(serde_json::to_string(records).expect("records serialise"))
}

/// Reads a stored chunk: the JSON string [`encode_chunk`] writes, or a plain array (the
/// layout before strings, and what tests seed). Records that do not parse are skipped
/// rather than losing the whole chunk.
pub fn decode_chunk(value: &serde_json::Value) -> Vec<EventRecord> {
    let parsed;
    let items = match value {
        serde_json::Value::String(text) => match serde_json::from_str::<serde_json::Value>(text) {
            Ok(v) => {
                parsed = v;
                &parsed
            }
            Err(_) => return Vec::new(),
        },
        other => other,
    };
    items
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|i| serde_json::from_value(i.clone()).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Bookkeeping persisted under [`META_KEY`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogMeta {
    pub storage_version: u32,
    pub next_seq: u64,
    pub chunks: Vec<ChunkInfo>,
    /// Per document token, most recent last: every event counter up to this one is stored
    /// (see [`LogMeta::accept`]).
    pub seen: Vec<(String, u64)>,
    /// Counters stored ahead of a document's `seen` mark, as inclusive ranges. A document's
    /// batches leave in order, but one resent after a failure can arrive after later ones
    /// got through; usually empty. `default`: a log stored before this field still loads.
    #[serde(default)]
    pub seen_ahead: Vec<(String, Vec<(u64, u64)>)>,
    /// Events per tab, for the badge.
    pub tab_counts: BTreeMap<i64, u64>,
    pub notes: Vec<TabNote>,
    pub paused: bool,
    /// Keep the log when the browser restarts (default on). Off: the first background
    /// start after a browser start empties it.
    #[serde(default = "yes")]
    pub keep_across_restarts: bool,
    /// The toolbar button opens the side panel instead of the popup (a setting; default
    /// off). `default`: a log stored before this field still loads.
    #[serde(default)]
    pub toolbar_opens_panel: bool,
    pub max_events: u64,
    pub evicted_calls: u64,
    pub evicted_events: u64,
    /// Messages refused as malformed, with the last reason, shown in the popup.
    pub malformed: u64,
    pub last_malformed: Option<String>,
    /// Events whose `type` was not one of the eight; counted, never stored as events.
    pub unknown_types: u64,
    /// The tab and frame the browser reported with each recent document's `loadEngine`
    /// request, most recent last (see [`LogMeta::bind`]). `default`: a log stored before
    /// this field existed still loads.
    #[serde(default)]
    pub documents: Vec<BoundDocument>,
    /// Recently closed tabs the log knows, with when they closed (ms since the epoch), most
    /// recent last (see [`LogMeta::tab_closed`]).
    #[serde(default)]
    pub closed_tabs: Vec<(i64, f64)>,
    /// The id the next new chunk gets. Ids are never used twice, so a rewrite never writes
    /// over a key an older `meta` listed (see the module's invariant). `default` (0, read as
    /// "above the last listed chunk"): a log stored before this field still loads.
    #[serde(default)]
    pub next_chunk: u64,
}

/// Where a document's events come from, as the browser reported it for the document's
/// `loadEngine` request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BoundDocument {
    pub document: String,
    pub tab_id: i64,
    pub frame_id: i64,
    pub top_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_title: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChunkInfo {
    pub id: u64,
    pub count: usize,
    pub first_seq: u64,
    pub last_seq: u64,
}

fn yes() -> bool {
    true
}

impl Default for LogMeta {
    fn default() -> Self {
        LogMeta {
            storage_version: STORAGE_VERSION,
            next_seq: 1,
            chunks: Vec::new(),
            seen: Vec::new(),
            seen_ahead: Vec::new(),
            tab_counts: BTreeMap::new(),
            notes: Vec::new(),
            paused: false,
            keep_across_restarts: true,
            toolbar_opens_panel: false,
            max_events: DEFAULT_MAX_EVENTS,
            evicted_calls: 0,
            evicted_events: 0,
            malformed: 0,
            last_malformed: None,
            unknown_types: 0,
            documents: Vec::new(),
            closed_tabs: Vec::new(),
            next_chunk: 1,
        }
    }
}

/// Who sent a capture, as the browser (not the page) reported it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sender {
    pub tab_id: i64,
    pub frame_id: i64,
    pub top_url: Option<String>,
    /// The tab's title (`sender.tab.title`), where the browser gives it.
    pub top_title: Option<String>,
}

/// Which event counters of one document are stored: all up to `upto`, and `ahead`.
#[derive(Debug, Default)]
struct Counters {
    upto: u64,
    /// Sorted, disjoint, non-adjacent inclusive ranges above `upto + 1`.
    ahead: Vec<(u64, u64)>,
}

impl Counters {
    fn contains(&self, n: u64) -> bool {
        n <= self.upto || self.ahead.iter().any(|&(lo, hi)| lo <= n && n <= hi)
    }

    /// Adds `n`, which [`Counters::contains`] said is new.
    fn insert(&mut self, n: u64) {
        if n == self.upto + 1 {
            self.upto = n;
        } else {
            let i = self.ahead.partition_point(|&(lo, _)| lo < n);
            let at = if i > 0 && self.ahead[i - 1].1 + 1 == n {
                self.ahead[i - 1].1 = n;
                i - 1
            } else {
                self.ahead.insert(i, (n, n));
                i
            };
            if at + 1 < self.ahead.len() && self.ahead[at + 1].0 == self.ahead[at].1 + 1 {
                self.ahead[at].1 = self.ahead[at + 1].1;
                self.ahead.remove(at + 1);
            }
        }
        while let Some(&(lo, hi)) = self.ahead.first() {
            if lo > self.upto + 1 {
                break;
            }
            self.upto = self.upto.max(hi);
            self.ahead.remove(0);
        }
    }
}

/// What the background must write after accepting a batch.
#[derive(Debug, Default, PartialEq)]
pub struct Accepted {
    /// Full new contents of each chunk touched, by key.
    pub chunks: Vec<(String, Vec<EventRecord>)>,
    pub stored: u32,
    pub duplicates: u32,
    pub unknown: u32,
    /// The batch's counters that were not stored before (stored now, or of unknown type).
    pub fresh: Vec<u64>,
    /// True when the log is over its limit and [`evict`] should run.
    pub over_limit: bool,
}

impl LogMeta {
    pub fn total_events(&self) -> u64 {
        self.chunks.iter().map(|c| c.count as u64).sum()
    }

    /// Id of the chunk new events go into, if it still has room.
    pub fn tail_chunk(&self) -> Option<&ChunkInfo> {
        self.chunks.last().filter(|c| c.count < CHUNK_EVENTS)
    }

    /// The keys of the chunks this meta lists, in order: the whole log.
    pub fn chunk_keys(&self) -> Vec<String> {
        self.chunks.iter().map(|c| chunk_key(c.id)).collect()
    }

    /// What a reader holding the chunks `held` (as an earlier meta listed them, in order)
    /// must read to have the log this meta lists: how many leading held chunks are still
    /// the log's, unchanged. It reads the chunks after them. A chunk changes only while it is
    /// the tail, and then its count grows; an eviction or a clear lists fresh ids (ids are
    /// never used twice). So comparing what each meta says of a chunk is enough, and a
    /// reader needs no list of changed keys.
    pub fn unchanged_prefix(&self, held: &[ChunkInfo]) -> usize {
        held.iter()
            .zip(&self.chunks)
            .take_while(|(old, new)| old == new)
            .count()
    }

    /// A chunk id never used before: above [`LogMeta::next_chunk`] and every listed chunk.
    fn fresh_chunk_id(&mut self) -> u64 {
        let id = self
            .next_chunk
            .max(self.chunks.iter().map(|c| c.id + 1).max().unwrap_or(1));
        self.next_chunk = id + 1;
        id
    }

    /// Makes sure no new chunk gets an id at or below `id` (a key found in storage).
    pub fn reserve_chunk_id(&mut self, id: u64) {
        self.next_chunk = self.next_chunk.max(id.saturating_add(1));
    }

    /// Those of `ns` this document has not had stored yet.
    pub fn not_stored(&self, document: &str, ns: &[u64]) -> Vec<u64> {
        let counters = self.counters(document);
        ns.iter()
            .copied()
            .filter(|&n| !counters.contains(n))
            .collect()
    }

    fn counters(&self, document: &str) -> Counters {
        Counters {
            upto: self
                .seen
                .iter()
                .rev()
                .find(|(d, _)| d == document)
                .map_or(0, |(_, n)| *n),
            ahead: self
                .seen_ahead
                .iter()
                .find(|(d, _)| d == document)
                .map(|(_, r)| r.clone())
                .unwrap_or_default(),
        }
    }

    fn set_counters(&mut self, document: &str, counters: Counters) {
        self.seen.retain(|(d, _)| d != document);
        self.seen.push((document.to_string(), counters.upto));
        self.seen_ahead.retain(|(d, _)| d != document);
        if !counters.ahead.is_empty() {
            self.seen_ahead.push((document.to_string(), counters.ahead));
        }
        if self.seen.len() > SEEN_DOCUMENTS {
            let extra = self.seen.len() - SEEN_DOCUMENTS;
            let gone: HashSet<String> = self.seen.drain(..extra).map(|(d, _)| d).collect();
            self.seen_ahead.retain(|(d, _)| !gone.contains(d));
        }
    }

    /// Turns a batch from one document into records, numbering them and splitting them
    /// into chunks. `tail` is the current contents of [`LogMeta::tail_chunk`] (empty if
    /// there is none). Events this document already sent (a retry) are skipped, whatever
    /// order its batches arrive in.
    pub fn accept(
        &mut self,
        tail: Vec<EventRecord>,
        sender: &Sender,
        document: &str,
        events: Vec<PageEvent>,
        now: f64,
    ) -> Accepted {
        let mut out = Accepted::default();
        let mut counters = self.counters(document);
        let mut changed = false;
        let mut records = Vec::new();
        for ev in events {
            if counters.contains(ev.n) {
                out.duplicates += 1;
                continue;
            }
            counters.insert(ev.n);
            out.fresh.push(ev.n);
            changed = true;
            let Some(kind) = EventKind::from_name(&ev.kind) else {
                out.unknown += 1;
                continue;
            };
            // Never trust the content script's bounding: a compromised or buggy frame
            // could send anything.
            let (detail, cut) = sanitize(&ev.detail);
            records.push(EventRecord {
                seq: self.next_seq,
                kind,
                call_id: call_id_of(&detail),
                tab_id: sender.tab_id,
                frame_id: sender.frame_id,
                url: ev.url,
                top_url: sender.top_url.clone(),
                top_title: sender.top_title.clone(),
                captured_at: ev.captured_at,
                stored_at: now,
                detail,
                detail_truncated: cut || ev.detail_truncated,
                origin: Origin {
                    document: document.to_string(),
                    n: ev.n,
                },
                fired: None,
            });
            self.next_seq += 1;
        }
        if changed {
            self.set_counters(document, counters);
        }
        self.unknown_types += u64::from(out.unknown);
        out.stored = records.len() as u32;
        if records.is_empty() {
            return out;
        }
        *self.tab_counts.entry(sender.tab_id).or_default() += records.len() as u64;
        self.renote_closed(sender.tab_id, now);
        out.chunks = self.place(tail, records);
        out.over_limit = self.total_events() > self.max_events;
        out
    }

    /// Appends records to the tail chunk and new chunks; returns every touched chunk whole.
    fn place(
        &mut self,
        tail: Vec<EventRecord>,
        records: Vec<EventRecord>,
    ) -> Vec<(String, Vec<EventRecord>)> {
        let mut touched = Vec::new();
        let mut current = self.tail_chunk().map(|_| tail);
        for record in records {
            let chunk = match current.as_mut() {
                Some(c) if c.len() < CHUNK_EVENTS => c,
                _ => {
                    if let Some(full) = current.take() {
                        touched.push(self.finish_chunk(full));
                    }
                    let id = self.fresh_chunk_id();
                    self.chunks.push(ChunkInfo {
                        id,
                        count: 0,
                        first_seq: record.seq,
                        last_seq: record.seq,
                    });
                    current.insert(Vec::new())
                }
            };
            chunk.push(record);
        }
        if let Some(last) = current {
            touched.push(self.finish_chunk(last));
        }
        touched
    }

    fn finish_chunk(&mut self, records: Vec<EventRecord>) -> (String, Vec<EventRecord>) {
        let info = self.chunks.last_mut().expect("a chunk is open");
        info.count = records.len();
        info.first_seq = records.first().map_or(info.first_seq, |r| r.seq);
        info.last_seq = records.last().map_or(info.last_seq, |r| r.seq);
        (chunk_key(info.id), records)
    }

    /// Remembers the tab and frame the browser reported for a document's `loadEngine`
    /// request. Architecture invariant: tab and frame ids come from the browser, never from
    /// the page; this keeps what the browser said for a capture from the same document
    /// that arrives without a tab: Firefox leaves `sender.tab` out of messages a content
    /// script sends from `pagehide` while its tab closes (seen on Firefox ESR 153).
    pub fn bind(&mut self, document: &str, sender: &Sender) {
        self.documents.retain(|d| d.document != document);
        self.documents.push(BoundDocument {
            document: document.to_string(),
            tab_id: sender.tab_id,
            frame_id: sender.frame_id,
            top_url: sender.top_url.clone(),
            top_title: sender.top_title.clone(),
        });
        if self.documents.len() > BOUND_DOCUMENTS {
            let extra = self.documents.len() - BOUND_DOCUMENTS;
            self.documents.drain(..extra);
        }
    }

    /// The sender remembered for `document` by [`LogMeta::bind`].
    pub fn bound(&self, document: &str) -> Option<Sender> {
        self.documents
            .iter()
            .rev()
            .find(|d| d.document == document)
            .map(|d| Sender {
                tab_id: d.tab_id,
                frame_id: d.frame_id,
                top_url: d.top_url.clone(),
                top_title: d.top_title.clone(),
            })
    }

    /// A tab closed. A tab that stored events gets a `closed` note; a tab the log knows
    /// (events, or a document bound to it) is remembered for a while, because what its
    /// page sent while closing can arrive after the browser reported the close. Returns
    /// whether anything changed (a tab the log never heard of changes nothing).
    pub fn tab_closed(&mut self, tab_id: i64, at: f64) -> bool {
        let has_events = self.tab_counts.contains_key(&tab_id);
        if !has_events && !self.documents.iter().any(|d| d.tab_id == tab_id) {
            return false;
        }
        // Tabs closed long enough ago that nothing more will come from them: forget them
        // and their documents.
        let gone: HashSet<i64> = self
            .closed_tabs
            .iter()
            .filter(|(t, when)| *t == tab_id || at - when > LATE_CAPTURE_MS)
            .map(|(t, _)| *t)
            .collect();
        self.closed_tabs.retain(|(t, _)| !gone.contains(t));
        self.documents
            .retain(|d| d.tab_id == tab_id || !gone.contains(&d.tab_id));
        self.closed_tabs.push((tab_id, at));
        if self.closed_tabs.len() > CLOSED_TABS {
            let extra = self.closed_tabs.len() - CLOSED_TABS;
            self.closed_tabs.drain(..extra);
        }
        if has_events {
            self.note(tab_id, at, TabNoteKind::Closed);
        }
        true
    }

    /// Events from a tab that has already closed (sent from its `pagehide`, arriving after
    /// the close): the tab's `closed` note moves after them, with its time kept, so the
    /// timeline never shows a tab firing after it closed.
    fn renote_closed(&mut self, tab_id: i64, now: f64) {
        let Some(&(_, at)) = self.closed_tabs.iter().find(|(t, _)| *t == tab_id) else {
            return;
        };
        if now - at > LATE_CAPTURE_MS {
            return;
        }
        self.notes
            .retain(|n| !(n.tab_id == tab_id && n.kind == TabNoteKind::Closed));
        self.note(tab_id, at, TabNoteKind::Closed);
    }

    /// Records something that happened to a tab, under the next sequence number.
    pub fn note(&mut self, tab_id: i64, at: f64, kind: TabNoteKind) -> &TabNote {
        self.notes.push(TabNote {
            seq: self.next_seq,
            tab_id,
            at,
            kind,
        });
        self.next_seq += 1;
        if self.notes.len() > MAX_NOTES {
            let extra = self.notes.len() - MAX_NOTES;
            self.notes.drain(..extra);
        }
        self.notes.last().expect("just pushed")
    }

    pub fn count_malformed(&mut self, reason: &str) {
        self.malformed += 1;
        self.last_malformed = Some(reason.chars().take(300).collect());
    }

    /// Empties the log but keeps settings and the sequence and chunk counters, so seqs and
    /// chunk ids stay unique across a clear. Returns the keys that are no longer listed.
    pub fn clear(&mut self) -> Vec<String> {
        let keys = self.chunk_keys();
        *self = LogMeta {
            next_seq: self.next_seq,
            next_chunk: self.next_chunk,
            paused: self.paused,
            keep_across_restarts: self.keep_across_restarts,
            toolbar_opens_panel: self.toolbar_opens_panel,
            max_events: self.max_events,
            seen: std::mem::take(&mut self.seen),
            seen_ahead: std::mem::take(&mut self.seen_ahead),
            documents: std::mem::take(&mut self.documents),
            ..LogMeta::default()
        };
        keys
    }
}

/// The result of [`evict`]: the new chunks (under fresh ids) and the old keys, no longer
/// listed, to remove once the new ones and `meta` are written.
#[derive(Debug, PartialEq)]
pub struct Evicted {
    pub chunks: Vec<(String, Vec<EventRecord>)>,
    pub removed_keys: Vec<String>,
    pub calls: u64,
    pub events: u64,
}

/// Drops the oldest calls whole until the log holds at most 90% of its limit (the slack
/// keeps eviction from running on every event once the log is full). Events without a
/// callId count as their own unit each. Rewrites the kept records into chunks with ids never
/// used before, so that no key an older `meta` listed is written over (the module's
/// invariant).
pub fn evict(meta: &mut LogMeta, all: Vec<EventRecord>) -> Evicted {
    let target = (meta.max_events.saturating_mul(9) / 10) as usize;
    let old_keys = meta.chunk_keys();
    let mut first_seen: HashMap<Option<&str>, u64> = HashMap::new();
    let mut sizes: HashMap<Option<&str>, usize> = HashMap::new();
    for r in &all {
        let unit = r.call_id.as_deref();
        first_seen.entry(unit).or_insert(r.seq);
        *sizes.entry(unit).or_default() += 1;
    }
    // Units oldest first; id-less events are each their own unit, ordered by their seq.
    let mut units: Vec<(u64, Option<&str>)> = first_seen
        .iter()
        .filter(|(k, _)| k.is_some())
        .map(|(k, s)| (*s, *k))
        .collect();
    units.sort();
    let mut drop_calls: HashSet<&str> = HashSet::new();
    let mut drop_loose: HashSet<u64> = HashSet::new();
    let mut remaining = all.len();
    let mut loose = all
        .iter()
        .filter(|r| r.call_id.is_none())
        .map(|r| r.seq)
        .peekable();
    let mut calls = units.into_iter().peekable();
    while remaining > target {
        // Take whichever is older: the next call or the next id-less event.
        let next_call = calls.peek().map(|(s, _)| *s);
        let next_loose = loose.peek().copied();
        match (next_call, next_loose) {
            (Some(c), Some(l)) if l < c => {
                drop_loose.insert(l);
                loose.next();
                remaining -= 1;
            }
            (Some(_), _) => {
                let (_, id) = calls.next().expect("peeked");
                let id = id.expect("calls have ids");
                drop_calls.insert(id);
                remaining -= sizes[&Some(id)];
            }
            (None, Some(l)) => {
                drop_loose.insert(l);
                loose.next();
                remaining -= 1;
            }
            (None, None) => break,
        }
    }
    let dropped_calls = drop_calls.len() as u64;
    let drop_calls: HashSet<String> = drop_calls.into_iter().map(str::to_string).collect();
    let kept: Vec<EventRecord> = all
        .into_iter()
        .filter(|r| match &r.call_id {
            Some(id) => !drop_calls.contains(id),
            None => !drop_loose.contains(&r.seq),
        })
        .collect();
    let events_dropped = (meta.total_events() as usize).saturating_sub(kept.len()) as u64;
    meta.chunks.clear();
    meta.tab_counts.clear();
    for r in &kept {
        *meta.tab_counts.entry(r.tab_id).or_default() += 1;
    }
    let chunks = meta.place(Vec::new(), kept);
    let new_keys: HashSet<&String> = chunks.iter().map(|(k, _)| k).collect();
    // None is new (fresh ids); the filter only keeps that true if it ever changes.
    let removed_keys = old_keys
        .into_iter()
        .filter(|k| !new_keys.contains(k))
        .collect();
    meta.evicted_calls += dropped_calls;
    meta.evicted_events += events_dropped;
    Evicted {
        chunks,
        removed_keys,
        calls: dropped_calls,
        events: events_dropped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_reader_reads_only_the_chunks_that_changed() {
        let c = |id: u64, count: usize, first_seq: u64| ChunkInfo {
            id,
            count,
            first_seq,
            last_seq: first_seq + count as u64 - 1,
        };
        let cases = [
            // (held, listed now, unchanged)
            (vec![], vec![c(1, 1000, 1)], 0),
            (vec![c(1, 1000, 1)], vec![c(1, 1000, 1)], 1),
            // The tail grew: re-read it, keep the full chunks before it.
            (
                vec![c(1, 1000, 1), c(2, 10, 1001)],
                vec![c(1, 1000, 1), c(2, 400, 1001)],
                1,
            ),
            // New chunks after the held ones.
            (
                vec![c(1, 1000, 1)],
                vec![c(1, 1000, 1), c(2, 1000, 1001), c(3, 5, 2001)],
                1,
            ),
            // An eviction: fresh ids from the start.
            (
                vec![c(1, 1000, 1), c(2, 1000, 1001)],
                vec![c(3, 900, 101), c(4, 1000, 1001)],
                0,
            ),
            // A clear: nothing listed.
            (vec![c(1, 1000, 1)], vec![], 0),
        ];
        for (held, now, expect) in cases {
            let meta = LogMeta {
                chunks: now.clone(),
                ..LogMeta::default()
            };
            assert_eq!(meta.unchanged_prefix(&held), expect, "{held:?} -> {now:?}");
        }
    }

    fn page(n: u64, kind: &str, call: Option<&str>) -> PageEvent {
        PageEvent {
            n,
            kind: kind.to_string(),
            captured_at: 1000.0 + n as f64,
            url: "https://shop.example/".into(),
            detail: call.map_or(json!(null), |c| json!({ "callId": c })),
            detail_truncated: false,
        }
    }

    fn sender(tab: i64) -> Sender {
        Sender {
            tab_id: tab,
            frame_id: 0,
            top_url: Some("https://shop.example/".into()),
            top_title: None,
        }
    }

    #[test]
    fn chunks_round_trip_as_strings_and_arrays() {
        let mut meta = LogMeta::default();
        let out = meta.accept(
            vec![],
            &sender(3),
            "d",
            vec![page(1, "fullview:callEnded", Some("c"))],
            0.0,
        );
        let records = &out.chunks[0].1;
        let stored = encode_chunk(records);
        assert!(stored.is_string());
        assert_eq!(&decode_chunk(&stored), records);
        assert_eq!(
            &decode_chunk(&serde_json::to_value(records).unwrap()),
            records
        );
        assert_eq!(decode_chunk(&json!("not json")), Vec::<EventRecord>::new());
    }

    #[test]
    fn numbers_events_and_skips_retried_ones() {
        let mut meta = LogMeta::default();
        let batch = vec![
            page(1, "fullview:callRequested", Some("a")),
            page(2, "fullview:callAccepted", Some("a")),
        ];
        let out = meta.accept(vec![], &sender(7), "doc1", batch.clone(), 5.0);
        assert_eq!((out.stored, out.duplicates), (2, 0));
        let (key, records) = &out.chunks[0];
        assert_eq!(key, "chunk:1");
        assert_eq!(records.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(records[1].call_id.as_deref(), Some("a"));
        assert_eq!(records[1].tab_id, 7);

        // The content script retries the same batch after a lost answer.
        let tail = records.clone();
        let again = meta.accept(tail, &sender(7), "doc1", batch, 6.0);
        assert_eq!((again.stored, again.duplicates), (0, 2));
        assert_eq!(meta.total_events(), 2);
        assert_eq!(meta.tab_counts[&7], 2);
    }

    #[test]
    fn batches_arriving_out_of_order_are_all_kept_once() {
        let mut meta = LogMeta::default();
        let batch = |ns: std::ops::RangeInclusive<u64>| -> Vec<PageEvent> {
            ns.map(|n| page(n, "fullview:callAccepted", Some("a")))
                .collect()
        };
        // The first batch failed and was resent after the second and fourth got through.
        let out = meta.accept(vec![], &sender(1), "d", batch(3..=4), 0.0);
        assert_eq!((out.stored, out.duplicates), (2, 0));
        let tail = out.chunks[0].1.clone();
        let out = meta.accept(tail, &sender(1), "d", batch(7..=8), 0.0);
        assert_eq!(out.stored, 2);
        assert_eq!(meta.seen, [("d".to_string(), 0)]);
        assert_eq!(meta.seen_ahead, [("d".to_string(), vec![(3, 4), (7, 8)])]);
        let tail = out.chunks[0].1.clone();
        let out = meta.accept(tail, &sender(1), "d", batch(1..=5), 0.0);
        assert_eq!((out.stored, out.duplicates), (3, 2));
        assert_eq!(meta.seen, [("d".to_string(), 5)]);
        assert_eq!(meta.seen_ahead, [("d".to_string(), vec![(7, 8)])]);
        let tail = out.chunks[0].1.clone();
        let out = meta.accept(tail, &sender(1), "d", batch(1..=8), 0.0);
        assert_eq!((out.stored, out.duplicates), (1, 7));
        assert_eq!(meta.seen, [("d".to_string(), 8)]);
        assert!(meta.seen_ahead.is_empty());
        let ns: Vec<u64> = out.chunks[0].1.iter().map(|r| r.origin.n).collect();
        assert_eq!(ns, [3, 4, 7, 8, 1, 2, 5, 6]);
        assert_eq!(meta.total_events(), 8);
    }

    #[test]
    fn unknown_types_are_counted_not_stored() {
        let mut meta = LogMeta::default();
        let out = meta.accept(
            vec![],
            &sender(1),
            "d",
            vec![
                page(1, "fullview:madeUp", None),
                page(2, "fullview:callEnded", Some("x")),
            ],
            0.0,
        );
        assert_eq!((out.stored, out.unknown), (1, 1));
        assert_eq!(meta.unknown_types, 1);
    }

    #[test]
    fn fills_the_tail_chunk_then_opens_new_ones() {
        let mut meta = LogMeta::default();
        let first: Vec<_> = (1..=10)
            .map(|n| page(n, "fullview:callEnded", Some("c")))
            .collect();
        let out = meta.accept(vec![], &sender(1), "d", first, 0.0);
        let tail = out.chunks[0].1.clone();
        let many: Vec<_> = (11..=(CHUNK_EVENTS as u64 + 20))
            .map(|n| page(n, "fullview:callEnded", Some("c")))
            .collect();
        let out = meta.accept(tail, &sender(1), "d", many, 0.0);
        assert_eq!(out.chunks.len(), 2);
        assert_eq!(out.chunks[0].1.len(), CHUNK_EVENTS);
        assert_eq!(out.chunks[1].1.len(), 20);
        assert_eq!(meta.total_events(), CHUNK_EVENTS as u64 + 20);
        assert_eq!(meta.chunks[1].first_seq, CHUNK_EVENTS as u64 + 1);
    }

    #[test]
    fn eviction_drops_oldest_calls_whole() {
        let mut meta = LogMeta {
            max_events: 10,
            ..LogMeta::default()
        };
        let mut events = Vec::new();
        for (i, call) in ["old", "mid", "new"].iter().enumerate() {
            for k in 0..4 {
                events.push(page(
                    (i * 4 + k + 1) as u64,
                    "fullview:callEnded",
                    Some(call),
                ));
            }
        }
        let out = meta.accept(vec![], &sender(1), "d", events, 0.0);
        assert!(out.over_limit);
        let all = out.chunks.into_iter().flat_map(|(_, r)| r).collect();
        let ev = evict(&mut meta, all);
        // 12 events, limit 10, target 9: only "old" (4 events) must go, and whole.
        assert_eq!((ev.calls, ev.events), (1, 4));
        let kept: Vec<_> = ev.chunks.iter().flat_map(|(_, r)| r).collect();
        assert!(kept.iter().all(|r| r.call_id.as_deref() != Some("old")));
        assert_eq!(kept.len(), 8);
        assert_eq!(meta.total_events(), 8);
        assert_eq!(meta.evicted_calls, 1);
        // The kept records go under a fresh id, and the old key is to be removed.
        assert_eq!(ev.chunks[0].0, "chunk:2");
        assert_eq!(ev.removed_keys, ["chunk:1"]);
        assert_eq!(meta.next_chunk, 3);
    }

    #[test]
    fn new_chunks_never_reuse_an_id() {
        // A log stored before `nextChunk` existed: ids continue above the listed ones.
        let mut meta: LogMeta = serde_json::from_value(json!({
            "storageVersion": 1, "nextSeq": 11, "seen": [], "tabCounts": {"1": 10},
            "notes": [], "paused": false, "maxEvents": 200000, "evictedCalls": 0,
            "evictedEvents": 0, "malformed": 0, "lastMalformed": null, "unknownTypes": 0,
            "chunks": [{"id": 4, "count": 1000, "firstSeq": 1, "lastSeq": 10}]
        }))
        .unwrap();
        // A key found in storage above them (an orphan of the old layout) is skipped too.
        meta.reserve_chunk_id(6);
        let out = meta.accept(
            vec![],
            &sender(1),
            "d",
            vec![page(1, "fullview:callEnded", Some("c"))],
            0.0,
        );
        assert_eq!(out.chunks[0].0, "chunk:7");
        assert_eq!(meta.next_chunk, 8);
        assert_eq!(chunk_id("chunk:7"), Some(7));
        assert_eq!(chunk_id("chunk:x"), None);
        assert_eq!(chunk_id("meta"), None);
    }

    #[test]
    fn a_document_keeps_the_sender_the_browser_reported() {
        let mut meta = LogMeta::default();
        assert_eq!(meta.bound("doc"), None);
        meta.bind("doc", &sender(4));
        meta.bind("other", &sender(5));
        assert_eq!(meta.bound("doc"), Some(sender(4)));
        assert_eq!(meta.bound("other"), Some(sender(5)));
        // Survives a round trip through storage, and a log stored before the field existed
        // still loads.
        let text = serde_json::to_value(&meta).unwrap();
        let back: LogMeta = serde_json::from_value(text.clone()).unwrap();
        assert_eq!(back, meta);
        let mut old = text;
        old.as_object_mut().unwrap().remove("documents");
        old.as_object_mut().unwrap().remove("closedTabs");
        old.as_object_mut().unwrap().remove("nextChunk");
        let old: LogMeta = serde_json::from_value(old).unwrap();
        assert!(old.documents.is_empty() && old.closed_tabs.is_empty());
        assert_eq!(old.next_chunk, 0);
    }

    #[test]
    fn closing_notes_tabs_with_events_only() {
        let mut meta = LogMeta::default();
        assert!(!meta.tab_closed(9, 100.0), "a tab the log never heard of");
        assert!(meta.notes.is_empty() && meta.closed_tabs.is_empty());
        meta.accept(
            vec![],
            &sender(1),
            "d",
            vec![page(1, "fullview:callEnded", Some("c"))],
            0.0,
        );
        assert!(meta.tab_closed(1, 100.0));
        assert_eq!(meta.notes.len(), 1);
        assert_eq!(
            (meta.notes[0].tab_id, meta.notes[0].seq, &meta.notes[0].kind),
            (1, 2, &TabNoteKind::Closed)
        );
    }

    #[test]
    fn events_arriving_after_the_close_come_before_its_note() {
        let mut meta = LogMeta::default();
        // Tab 1 stored an event, then closed, then its pagehide batch arrived.
        let first = meta.accept(
            vec![],
            &sender(1),
            "d1",
            vec![page(1, "fullview:callRequested", Some("c"))],
            0.0,
        );
        meta.tab_closed(1, 50.0);
        let tail = first.chunks[0].1.clone();
        let late = meta.accept(
            tail,
            &sender(1),
            "d1",
            vec![page(2, "fullview:callEnded", Some("c"))],
            60.0,
        );
        assert_eq!(late.chunks[0].1[1].seq, 3);
        assert_eq!(meta.notes.len(), 1, "{:?}", meta.notes);
        assert_eq!((meta.notes[0].seq, meta.notes[0].at), (4, 50.0));

        // Tab 2 only asked for the engine before it closed: no note until its events come.
        meta.bind("d2", &sender(2));
        assert!(meta.tab_closed(2, 70.0));
        assert_eq!(meta.notes.len(), 1);
        meta.accept(
            vec![],
            &sender(2),
            "d2",
            vec![page(1, "fullview:callRequested", Some("e"))],
            80.0,
        );
        let note = meta.notes.last().unwrap();
        assert_eq!((note.tab_id, note.seq, note.at), (2, 6, 70.0));

        // Closing another tab much later forgets tabs 1 and 2 and their documents.
        meta.bind("d9", &sender(9));
        let later = 70.0 + LATE_CAPTURE_MS + 1.0;
        assert!(meta.tab_closed(9, later));
        assert_eq!(meta.closed_tabs, [(9, later)]);
        assert_eq!(meta.bound("d2"), None);
        assert_eq!(meta.bound("d9"), Some(sender(9)));

        // Long after a close, the same tab id is another tab (ids restart with the browser).
        meta.accept(
            vec![],
            &sender(2),
            "d3",
            vec![page(1, "fullview:callRequested", Some("f"))],
            70.0 + LATE_CAPTURE_MS + 1.0,
        );
        assert_eq!(meta.notes.last().unwrap().seq, 6);
    }

    #[test]
    fn clear_keeps_sequence_and_settings() {
        let mut meta = LogMeta::default();
        meta.accept(
            vec![],
            &sender(1),
            "d",
            vec![page(1, "fullview:callEnded", Some("c"))],
            0.0,
        );
        meta.paused = true;
        let removed = meta.clear();
        assert_eq!(removed, ["chunk:1"]);
        assert_eq!(meta.next_seq, 2);
        assert!(meta.paused);
        assert_eq!(meta.total_events(), 0);
        // Chunk ids are not used again either: the removed key may still be in storage.
        let out = meta.accept(
            vec![],
            &sender(1),
            "d",
            vec![page(2, "fullview:callEnded", Some("c"))],
            0.0,
        );
        assert_eq!(out.chunks[0].0, "chunk:2");
    }
}
