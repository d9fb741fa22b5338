//! The durable log in `storage.local`, driven by the pure `fvi_core::log` model.
//!
//! `meta` and the tail chunk are cached in memory between jobs only as a read cache: every
//! change is written before it is acknowledged, and a restarted worker reloads them.

use std::cell::RefCell;

use fvi_browser::runtime::Responder;
use fvi_browser::{action, storage};
use fvi_core::log::{chunk_key, decode_chunk, encode_chunk, evict, LogMeta, META_KEY};
use fvi_core::protocol::{decode, Request, Response, PROTOCOL_VERSION};
use fvi_core::{EventRecord, TabNoteKind};
use serde_json::Map;

use crate::jobs::Job;

#[derive(Default)]
struct Cache {
    meta: Option<LogMeta>,
    tail: Vec<EventRecord>,
}

thread_local! {
    static CACHE: RefCell<Cache> = RefCell::new(Cache::default());
}

fn now() -> f64 {
    js_sys::Date::now()
}

/// Loads `meta` and the tail chunk once per worker life.
async fn load() -> (LogMeta, Vec<EventRecord>) {
    if let Some(meta) = CACHE.with(|c| c.borrow_mut().meta.take()) {
        let tail = CACHE.with(|c| std::mem::take(&mut c.borrow_mut().tail));
        return (meta, tail);
    }
    let got = storage::get(&[META_KEY.to_string()])
        .await
        .unwrap_or_default();
    let meta: LogMeta = got
        .get(META_KEY)
        .and_then(|m| serde_json::from_value(m.clone()).ok())
        .unwrap_or_default();
    let tail = match meta.tail_chunk() {
        Some(info) => {
            let key = chunk_key(info.id);
            let got = storage::get(std::slice::from_ref(&key))
                .await
                .unwrap_or_default();
            got.get(&key).map(decode_chunk).unwrap_or_default()
        }
        None => Vec::new(),
    };
    (meta, tail)
}

fn keep(meta: LogMeta, tail: Vec<EventRecord>) {
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        c.meta = Some(meta);
        c.tail = tail;
    });
}

/// Writes `meta` and the given chunks in one `storage.local.set`.
async fn write(meta: &LogMeta, chunks: &[(String, Vec<EventRecord>)]) -> fvi_browser::Result<()> {
    let mut entries = Map::new();
    entries.insert(
        META_KEY.to_string(),
        serde_json::to_value(meta).expect("meta serialises"),
    );
    for (key, records) in chunks {
        entries.insert(key.clone(), encode_chunk(records));
    }
    storage::set(&entries).await
}

pub async fn run(job: Job) {
    let (mut meta, tail) = load().await;
    match job {
        Job::Capture {
            sender,
            message,
            respond,
        } => {
            // Decoded now, one message at a time (see `Job::Capture`).
            let (document, events) = match decode(&message.text()) {
                Ok(Request::Capture {
                    document, events, ..
                }) => (document, events),
                other => {
                    let reason = match other {
                        Err(e) => e.to_string(),
                        Ok(_) => "malformed message: not a capture".to_string(),
                    };
                    return refuse(meta, tail, &respond, reason).await;
                }
            };
            drop(message);
            if meta.paused {
                respond.send(&Response::Paused {
                    v: PROTOCOL_VERSION,
                });
                keep(meta, tail);
                return;
            }
            let Some(sender) = sender.or_else(|| meta.bound(&document)) else {
                let reason = "capture from outside a tab".to_string();
                return refuse(meta, tail, &respond, reason).await;
            };
            let tab = sender.tab_id;
            let before = meta.clone();
            let accepted = meta.accept(tail.clone(), &sender, &document, events, now());
            if accepted.stored == 0 && accepted.unknown == 0 && accepted.duplicates > 0 {
                respond.send(&Response::Stored {
                    v: PROTOCOL_VERSION,
                    stored: 0,
                    duplicates: accepted.duplicates,
                });
                keep(meta, tail);
                return;
            }
            match write(&meta, &accepted.chunks).await {
                Ok(()) => {
                    respond.send(&Response::Stored {
                        v: PROTOCOL_VERSION,
                        stored: accepted.stored,
                        duplicates: accepted.duplicates,
                    });
                    let new_tail = match meta.tail_chunk() {
                        Some(_) => accepted
                            .chunks
                            .last()
                            .map(|(_, r)| r.clone())
                            .unwrap_or(tail),
                        None => Vec::new(),
                    };
                    let count = meta.tab_counts.get(&tab).copied().unwrap_or(0);
                    if accepted.over_limit {
                        enforce_retention(&mut meta).await;
                        keep(meta, Vec::new());
                        CACHE.with(|c| c.borrow_mut().meta = None);
                    } else {
                        keep(meta, new_tail);
                    }
                    badge(tab, count).await;
                }
                Err(e) => {
                    // Not stored: say so, and keep the old state, so the sender retries.
                    respond.send(&Response::retry_later(format!("storage failed: {e}")));
                    keep(before, tail);
                }
            }
        }
        Job::Note(tab, TabNoteKind::Closed) => {
            if meta.tab_closed(tab, now()) {
                let _ = write(&meta, &[]).await;
            }
            keep(meta, tail);
        }
        Job::Note(tab, kind) => {
            // Notes matter only for tabs that fired events.
            if meta.tab_counts.contains_key(&tab) {
                meta.note(tab, now(), kind);
                let _ = write(&meta, &[]).await;
            }
            keep(meta, tail);
        }
        Job::Bind(document, sender) => {
            if meta.bound(&document).as_ref() != Some(&sender) {
                meta.bind(&document, &sender);
                let _ = write(&meta, &[]).await;
            }
            keep(meta, tail);
        }
        Job::Malformed(reason) => {
            meta.count_malformed(&reason);
            let _ = write(&meta, &[]).await;
            keep(meta, tail);
        }
        Job::Startup => {
            let tail = if meta.keep_across_restarts {
                tail
            } else {
                command(
                    &mut meta,
                    tail,
                    Request::Clear {
                        v: PROTOCOL_VERSION,
                    },
                )
                .await
            };
            keep(meta, tail);
        }
        Job::Command(request, respond) => {
            let tail = command(&mut meta, tail, request).await;
            respond.send(&Response::Done {
                v: PROTOCOL_VERSION,
            });
            keep(meta, tail);
        }
    }
}

/// Answers a capture `refused`, and counts it in `meta` as malformed.
async fn refuse(mut meta: LogMeta, tail: Vec<EventRecord>, respond: &Responder, reason: String) {
    respond.send(&Response::refused(reason.clone()));
    meta.count_malformed(&reason);
    let _ = write(&meta, &[]).await;
    keep(meta, tail);
}

async fn command(meta: &mut LogMeta, tail: Vec<EventRecord>, request: Request) -> Vec<EventRecord> {
    match request {
        Request::Clear { .. } => {
            let tabs: Vec<i64> = meta.tab_counts.keys().copied().collect();
            let removed = meta.clear();
            let _ = write(meta, &[]).await;
            let _ = storage::remove(&removed).await;
            for tab in tabs {
                badge(tab, 0).await;
            }
            Vec::new()
        }
        Request::SetPaused { paused, .. } => {
            meta.paused = paused;
            let _ = write(meta, &[]).await;
            tail
        }
        Request::SetKeepAcrossRestarts { keep, .. } => {
            meta.keep_across_restarts = keep;
            let _ = write(meta, &[]).await;
            tail
        }
        Request::SetRetention { max_events, .. } => {
            meta.max_events = max_events.max(100);
            let _ = write(meta, &[]).await;
            if meta.total_events() > meta.max_events {
                enforce_retention(meta).await;
                return Vec::new();
            }
            tail
        }
        _ => tail,
    }
}

/// Reads the whole log, drops the oldest calls whole, and writes it back.
async fn enforce_retention(meta: &mut LogMeta) {
    let keys: Vec<String> = meta.chunks.iter().map(|c| chunk_key(c.id)).collect();
    let Ok(got) = storage::get(&keys).await else {
        return;
    };
    let mut all: Vec<EventRecord> = Vec::new();
    for key in &keys {
        if let Some(chunk) = got.get(key) {
            all.extend(decode_chunk(chunk));
        }
    }
    let evicted = evict(meta, all);
    if write(meta, &evicted.chunks).await.is_ok() {
        let _ = storage::remove(&evicted.removed_keys).await;
    }
}

async fn badge(tab: i64, count: u64) {
    let text = match count {
        0 => String::new(),
        1..=999 => count.to_string(),
        _ => format!("{}k", count / 1000),
    };
    let _ = action::set_badge(tab, &text).await;
}
