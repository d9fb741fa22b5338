//! Reads the log from `storage.local` (the layout is `fvi_core::log`'s), straight into
//! typed records. A reload while the popup is open re-reads only the chunks that changed:
//! capture appends to the tail chunk, so a live update of a 100,000-event log usually
//! parses one chunk instead of a hundred.
//!
//! Two phases, so the log on screen is never taken apart while storage is read: [`fetch`]
//! (async) reads what changed given the chunks already held; [`Loaded::apply`] (sync, done
//! together with the model rebuild) splices it in.

use std::collections::HashSet;

use fvi_core::log::{chunk_key, ChunkInfo, LogMeta, META_KEY};
use fvi_core::EventRecord;

#[derive(Default)]
pub struct Loaded {
    pub meta: LogMeta,
    /// Every stored event, in chunk order (which is seq order).
    pub events: Vec<EventRecord>,
    /// The chunks `events` was read from, with where each starts in `events`.
    chunks: Vec<(ChunkInfo, usize)>,
}

/// What [`fetch`] read: the new meta, how many held chunks are still valid, and the
/// contents of the rest.
pub struct Update {
    meta: LogMeta,
    keep: usize,
    fresh: Vec<(ChunkInfo, Vec<EventRecord>)>,
}

#[derive(serde::Deserialize)]
struct Chunks(std::collections::HashMap<String, Vec<EventRecord>>);

impl Loaded {
    /// The chunks held, to pass to [`fetch`].
    pub fn held(&self) -> Vec<ChunkInfo> {
        self.chunks.iter().map(|(info, _)| info.clone()).collect()
    }

    pub fn apply(&mut self, update: Update) {
        let keep = update.keep.min(self.chunks.len());
        let end = self
            .chunks
            .get(keep)
            .map_or(self.events.len(), |(_, start)| *start);
        self.events.truncate(end);
        self.chunks.truncate(keep);
        self.events
            .reserve(update.fresh.iter().map(|(_, r)| r.len()).sum());
        for (info, records) in update.fresh {
            self.chunks.push((info, self.events.len()));
            self.events.extend(records);
        }
        self.meta = update.meta;
    }
}

/// Reads the meta, then every chunk not among the leading `held` chunks that are unchanged
/// (same info in the new meta, and not among the `changed` storage keys).
pub async fn fetch(held: &[ChunkInfo], changed: &HashSet<String>) -> Result<Update, String> {
    let got = fvi_browser::storage::get(&[META_KEY.to_string()])
        .await
        .map_err(|e| e.to_string())?;
    let meta: LogMeta = match got.get(META_KEY) {
        Some(m) => serde_json::from_value(m.clone())
            .map_err(|e| format!("The stored log is unreadable: {e}"))?,
        None => LogMeta::default(),
    };
    let keep = held
        .iter()
        .zip(&meta.chunks)
        .take_while(|(old, new)| *old == *new && !changed.contains(&chunk_key(new.id)))
        .count();

    let missing = &meta.chunks[keep..];
    let mut fresh = Vec::with_capacity(missing.len());
    if !missing.is_empty() {
        let keys: Vec<String> = missing.iter().map(|c| chunk_key(c.id)).collect();
        let text = fvi_browser::storage::get_json(&keys)
            .await
            .map_err(|e| e.to_string())?;
        let Chunks(mut got) = serde_json::from_str(&text)
            .map_err(|e| format!("The stored log is unreadable: {e}"))?;
        for (info, key) in missing.iter().zip(&keys) {
            // A chunk missing from storage is not remembered, so the next reload retries
            // it (the positions after it no longer line up with `meta`, which forces that).
            if let Some(records) = got.remove(key) {
                fresh.push((info.clone(), records));
            }
        }
    }
    Ok(Update { meta, keep, fresh })
}
