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

pub const META_KEY: &str = "meta";

pub fn chunk_key(id: u64) -> String {
    format!("chunk:{id}")
}

/// Bookkeeping persisted under [`META_KEY`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogMeta {
    pub storage_version: u32,
    pub next_seq: u64,
    pub chunks: Vec<ChunkInfo>,
    /// Highest event counter stored per document token, most recent last.
    pub seen: Vec<(String, u64)>,
    /// Events per tab, for the badge.
    pub tab_counts: BTreeMap<i64, u64>,
    pub notes: Vec<TabNote>,
    pub paused: bool,
    /// Keep the log when the browser restarts (default on). Off: the first background
    /// start after a browser start empties it.
    #[serde(default = "yes")]
    pub keep_across_restarts: bool,
    pub max_events: u64,
    pub evicted_calls: u64,
    pub evicted_events: u64,
    /// Messages refused as malformed, with the last reason, shown in the popup.
    pub malformed: u64,
    pub last_malformed: Option<String>,
    /// Events whose `type` was not one of the eight; counted, never stored as events.
    pub unknown_types: u64,
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
            tab_counts: BTreeMap::new(),
            notes: Vec::new(),
            paused: false,
            keep_across_restarts: true,
            max_events: DEFAULT_MAX_EVENTS,
            evicted_calls: 0,
            evicted_events: 0,
            malformed: 0,
            last_malformed: None,
            unknown_types: 0,
        }
    }
}

/// Who sent a capture, as the browser (not the page) reported it.
#[derive(Debug, Clone, PartialEq)]
pub struct Sender {
    pub tab_id: i64,
    pub frame_id: i64,
    pub top_url: Option<String>,
}

/// What the background must write after accepting a batch.
#[derive(Debug, Default, PartialEq)]
pub struct Accepted {
    /// Full new contents of each chunk touched, by key.
    pub chunks: Vec<(String, Vec<EventRecord>)>,
    pub stored: u32,
    pub duplicates: u32,
    pub unknown: u32,
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

    fn seen_mark(&self, document: &str) -> u64 {
        self.seen
            .iter()
            .rev()
            .find(|(d, _)| d == document)
            .map_or(0, |(_, n)| *n)
    }

    fn set_seen(&mut self, document: &str, n: u64) {
        self.seen.retain(|(d, _)| d != document);
        self.seen.push((document.to_string(), n));
        if self.seen.len() > SEEN_DOCUMENTS {
            let extra = self.seen.len() - SEEN_DOCUMENTS;
            self.seen.drain(..extra);
        }
    }

    /// Turns a batch from one document into records, numbering them and splitting them
    /// into chunks. `tail` is the current contents of [`LogMeta::tail_chunk`] (empty if
    /// there is none). Events this document already sent (a retry) are skipped.
    pub fn accept(
        &mut self,
        tail: Vec<EventRecord>,
        sender: &Sender,
        document: &str,
        events: Vec<PageEvent>,
        now: f64,
    ) -> Accepted {
        let mut out = Accepted::default();
        let mut mark = self.seen_mark(document);
        let mut records = Vec::new();
        for ev in events {
            if ev.n <= mark {
                out.duplicates += 1;
                continue;
            }
            mark = ev.n;
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
                captured_at: ev.captured_at,
                stored_at: now,
                detail,
                detail_truncated: cut || ev.detail_truncated,
                origin: Origin {
                    document: document.to_string(),
                    n: ev.n,
                },
            });
            self.next_seq += 1;
        }
        if mark > 0 {
            self.set_seen(document, mark);
        }
        self.unknown_types += u64::from(out.unknown);
        out.stored = records.len() as u32;
        if records.is_empty() {
            return out;
        }
        *self.tab_counts.entry(sender.tab_id).or_default() += records.len() as u64;
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
                    let id = self.chunks.last().map_or(1, |c| c.id + 1);
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

    /// Empties the log but keeps settings and the sequence counter, so seqs stay unique
    /// across a clear.
    pub fn clear(&mut self) -> Vec<String> {
        let keys = self.chunks.iter().map(|c| chunk_key(c.id)).collect();
        *self = LogMeta {
            next_seq: self.next_seq,
            paused: self.paused,
            keep_across_restarts: self.keep_across_restarts,
            max_events: self.max_events,
            seen: std::mem::take(&mut self.seen),
            ..LogMeta::default()
        };
        keys
    }
}

/// The result of [`evict`]: the new chunk layout and what to remove.
#[derive(Debug, PartialEq)]
pub struct Evicted {
    pub chunks: Vec<(String, Vec<EventRecord>)>,
    pub removed_keys: Vec<String>,
    pub calls: u64,
    pub events: u64,
}

/// Drops the oldest calls whole until the log holds at most 90% of its limit (the slack
/// keeps eviction from running on every event once the log is full). Events without a
/// callId count as their own unit each. Rewrites the log into fresh chunks.
pub fn evict(meta: &mut LogMeta, all: Vec<EventRecord>) -> Evicted {
    let target = (meta.max_events.saturating_mul(9) / 10) as usize;
    let old_keys: Vec<String> = meta.chunks.iter().map(|c| chunk_key(c.id)).collect();
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
        }
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
        assert_eq!(ev.removed_keys, Vec::<String>::new());
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
    }
}
