//! Reads the log from `storage.local` (the layout is `fvi_core::log`'s), straight into
//! typed records. A reload while the popup is open re-reads only the chunks that changed:
//! capture appends to the tail chunk, so a live update of a 100,000-event log usually
//! parses one chunk instead of a hundred.
//!
//! It reads only the chunks `meta` lists: that is the log. A `chunk:*` key `meta` does not
//! list is an eviction's old chunk between its `set` and its `remove` (or left by a worker
//! stopped in between), holding records the listed chunks hold too; it is never read. A
//! listed chunk that is gone by the time it is read (an eviction between the two reads) is
//! left out, and the notice of that eviction's write reloads the log (`live.rs`).
//!
//! Two phases, so the log on screen is never taken apart while storage is read: [`fetch`]
//! (async) reads what changed given the chunks already held; [`Loaded::apply`] (sync, done
//! together with the model rebuild) splices it in.
//!
//! A large log is first shown from its newest chunks ([`fetch_tail`]): the list shows the
//! newest calls first, so those chunks are what the first screen needs, and reading them
//! does not wait for the whole log. popup/boot.js starts those two reads (the meta, then the
//! newest chunk) while the wasm compiles, and the first load takes what it read
//! ([`Prefetched`]); the keys are still chosen here, and a read it did not make, or made
//! for other keys, goes to storage.

use fvi_browser::storage::{Prefetched, StoredText};
use fvi_core::log::{chunk_key, ChunkInfo, LogMeta, META_KEY};
use fvi_core::EventRecord;

/// Chunks read for the first screen of a large log (see [`fetch_tail`]).
pub const TAIL_CHUNKS: usize = 1;

#[derive(Default)]
pub struct Loaded {
    pub meta: LogMeta,
    /// Every stored event, in chunk order (which is seq order); only the newest chunks
    /// while [`Loaded::is_partial`].
    pub events: Vec<EventRecord>,
    /// The chunks `events` was read from, with where each starts in `events`. Empty for a
    /// partial (tail) load, so the next [`fetch`] reads everything.
    chunks: Vec<(ChunkInfo, usize)>,
    partial: bool,
}

/// What [`fetch`] read: the new meta, how many held chunks are still valid, and the
/// contents of the rest.
pub struct Update {
    meta: LogMeta,
    keep: usize,
    fresh: Vec<(ChunkInfo, Vec<EventRecord>)>,
}

impl Loaded {
    /// The chunks held, to pass to [`fetch`].
    pub fn held(&self) -> Vec<ChunkInfo> {
        self.chunks.iter().map(|(info, _)| info.clone()).collect()
    }

    /// Only the newest chunks are loaded so far.
    pub fn is_partial(&self) -> bool {
        self.partial
    }

    /// Splices `update` in; returns how many leading events are unchanged (the same
    /// records at the same positions), so the model can take in only the rest.
    pub fn apply(&mut self, update: Update) -> usize {
        let keep = update.keep.min(self.chunks.len());
        let end = match self.chunks.get(keep) {
            Some((_, start)) => *start,
            // Keeping every chunk held keeps every event; a partial load holds no chunk,
            // and none of its events are kept.
            None if self.chunks.is_empty() => 0,
            None => self.events.len(),
        };
        // A re-read tail chunk starts with the records it held (records are never
        // rewritten in place; an eviction writes fresh chunks).
        let fresh = update.fresh.iter().flat_map(|(_, records)| records);
        let same = self.events[end.min(self.events.len())..]
            .iter()
            .zip(fresh)
            .take_while(|(old, new)| old.seq == new.seq)
            .count();
        let stable = if self.chunks.is_empty() {
            0
        } else {
            end + same
        };
        self.events.truncate(end);
        self.chunks.truncate(keep);
        self.events
            .reserve(update.fresh.iter().map(|(_, r)| r.len()).sum());
        for (info, records) in update.fresh {
            self.chunks.push((info, self.events.len()));
            self.events.extend(records);
        }
        self.meta = update.meta;
        self.partial = false;
        stable
    }
}

/// Reads `keys` as text: from what popup/boot.js already read, when it read all of them,
/// else from storage.
async fn read_texts(
    keys: &[String],
    prefetched: Option<&Prefetched>,
) -> Result<Vec<(String, StoredText)>, String> {
    match prefetched.and_then(|p| p.texts(keys)) {
        Some(got) => Ok(got),
        None => fvi_browser::storage::get_texts(keys)
            .await
            .map_err(|e| e.to_string()),
    }
}

async fn read_meta(prefetched: Option<&Prefetched>) -> Result<LogMeta, String> {
    let got = read_texts(&[META_KEY.to_string()], prefetched).await?;
    match got.first() {
        // Through `Value`, as before: parsing `LogMeta` straight from text would add a
        // second copy of its deserializer to the module (11.5 KB after wasm-opt).
        Some((_, StoredText::Json(json))) => serde_json::from_str::<serde_json::Value>(json)
            .and_then(serde_json::from_value)
            .map_err(|e| format!("The stored log is unreadable: {e}")),
        Some((_, StoredText::Text(_))) => {
            Err("The stored log is unreadable: its meta is a string".into())
        }
        None => Ok(LogMeta::default()),
    }
}

/// Reads the given chunks, in order; a chunk missing from storage is left out.
///
/// `pace` yields to the browser between chunks: parsing is the largest cost of a live
/// update (about 10 µs an event), and a burst brings several chunks at once, which parsed
/// in one task would hold a click for as long (BENCHMARKS.md, live).
async fn read_chunks(
    infos: &[ChunkInfo],
    prefetched: Option<&Prefetched>,
    pace: bool,
) -> Result<Vec<(ChunkInfo, Vec<EventRecord>)>, String> {
    if infos.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<String> = infos.iter().map(|c| chunk_key(c.id)).collect();
    let got = read_texts(&keys, prefetched).await?;
    let mut out = Vec::with_capacity(infos.len());
    let mut got = got.into_iter().peekable();
    for (info, key) in infos.iter().zip(&keys) {
        let Some((_, text)) = got.next_if(|(k, _)| k == key) else {
            continue;
        };
        // A chunk is an array of records, or (a layout that reads much faster in
        // Chromium) a string holding that array's JSON. Both parse the same way.
        if pace && !out.is_empty() {
            crate::dom::yield_now().await;
        }
        let (StoredText::Json(json) | StoredText::Text(json)) = &text;
        let records: Vec<EventRecord> = serde_json::from_str(json)
            .map_err(|e| format!("The stored log is unreadable ({key}): {e}"))?;
        out.push((info.clone(), records));
    }
    Ok(out)
}

/// Reads the meta, then every chunk after the leading `held` chunks that are unchanged
/// (`LogMeta::unchanged_prefix`: the meta says what changed, so no list of changed keys is
/// needed).
pub async fn fetch(held: &[ChunkInfo]) -> Result<Update, String> {
    let meta = read_meta(None).await?;
    let keep = meta.unchanged_prefix(held);
    // A chunk missing from storage is not remembered, so the next reload retries it (the
    // positions after it no longer line up with `meta`, which forces that).
    let fresh = read_chunks(&meta.chunks[keep..], None, true).await?;
    Ok(Update { meta, keep, fresh })
}

/// For a log of more than `min_chunks` chunks, reads the meta and only the newest
/// [`TAIL_CHUNKS`]; `None` for a smaller log (load it whole with [`fetch`]). What
/// popup/boot.js `prefetched` is used for the keys it covers (the first load only: the
/// full load after it reads storage afresh).
pub async fn fetch_tail(
    min_chunks: usize,
    prefetched: &Prefetched,
) -> Result<Option<Loaded>, String> {
    let meta = read_meta(Some(prefetched)).await?;
    if meta.chunks.len() <= min_chunks {
        return Ok(None);
    }
    let from = meta.chunks.len() - TAIL_CHUNKS;
    let tail = read_chunks(&meta.chunks[from..], Some(prefetched), false).await?;
    let events = tail.into_iter().flat_map(|(_, records)| records).collect();
    Ok(Some(Loaded {
        meta,
        events,
        chunks: Vec::new(),
        partial: true,
    }))
}
