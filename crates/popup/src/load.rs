//! Reads the log from `storage.local` (the layout is `fvi_core::log`'s).

use fvi_core::log::{chunk_key, LogMeta, META_KEY};
use fvi_core::EventRecord;

pub struct Loaded {
    pub meta: LogMeta,
    pub events: Vec<EventRecord>,
}

#[derive(serde::Deserialize)]
struct Chunks(std::collections::HashMap<String, Vec<EventRecord>>);

pub async fn load() -> Result<Loaded, String> {
    let got = fvi_browser::storage::get(&[META_KEY.to_string()])
        .await
        .map_err(|e| e.to_string())?;
    let meta: LogMeta = match got.get(META_KEY) {
        Some(m) => serde_json::from_value(m.clone())
            .map_err(|e| format!("stored log is unreadable: {e}"))?,
        None => LogMeta::default(),
    };
    let keys: Vec<String> = meta.chunks.iter().map(|c| chunk_key(c.id)).collect();
    let text = fvi_browser::storage::get_json(&keys)
        .await
        .map_err(|e| e.to_string())?;
    let Chunks(mut chunks) =
        serde_json::from_str(&text).map_err(|e| format!("stored log is unreadable: {e}"))?;
    let mut events = Vec::with_capacity(meta.total_events() as usize);
    for key in &keys {
        if let Some(records) = chunks.remove(key) {
            events.extend(records);
        }
    }
    Ok(Loaded { meta, events })
}
