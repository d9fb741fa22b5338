//! Eviction end to end (issue 10, item 5), in real Chromium and Firefox: a page floods past
//! a small retention limit while an extension page reads the whole store again and again.
//! Every snapshot, read as every reader of the log reads it (what `meta` lists), must hold
//! each record once, inside the chunk `meta` says, and every chunk `meta` lists. Afterwards
//! nothing is left outside `meta`, and a chunk key `meta` does not list (left by a worker
//! stopped between an eviction's set and its remove) is removed by the next worker's first
//! job.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::{
    assert_well_formed, extension_eval, read_log, read_storage, run, send_from_extension_page,
    to_extension_page, wait_for_log,
};
use fvi_e2e::{wait_until, Browser, BrowserKind, FixtureServer, Route};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(60);
/// Events the page fires: with the limit at 100, about 15 times the log, so eviction runs
/// many times while the reader reads.
const FLOOD: u64 = 1500;
/// The smallest retention limit (`fvi_core::store::MIN_MAX_EVENTS`).
const LIMIT: u64 = 100;

const PAGE: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>flood</title>\
    <script>window.fire = (type, detail) => \
    window.dispatchEvent(new CustomEvent('fullview:' + type, { detail }));</script></head>\
    <body><h1>flood</h1></body></html>";

/// Starts, in the extension page, a loop that reads the whole store with one
/// `storage.local.get(null)` (one snapshot) after another, with no timer in between (a
/// background tab's timers are throttled; its promises are not), and checks each snapshot.
const READER_JS: &str = r#"
const api = globalThis.browser || globalThis.chrome;
const r = { reads: 0, withUnlisted: 0, problems: [], stop: false };
window.__fviReader = r;
r.done = (async () => {
  while (!r.stop && r.problems.length < 20) {
    let all;
    try { all = await api.storage.local.get(null); }
    catch (e) { r.problems.push('get failed: ' + e); continue; }
    r.reads++;
    const meta = all.meta;
    if (!meta) continue;
    const listed = new Set(meta.chunks.map((c) => 'chunk:' + c.id));
    if (Object.keys(all).some((k) => k.startsWith('chunk:') && !listed.has(k))) r.withUnlisted++;
    const seqs = new Set();
    const origins = new Set();
    for (const c of meta.chunks) {
      const v = all['chunk:' + c.id];
      if (v === undefined) { r.problems.push(`read ${r.reads}: meta lists chunk:${c.id}, storage lacks it`); continue; }
      const records = typeof v === 'string' ? JSON.parse(v) : v;
      if (records.length !== c.count) r.problems.push(`read ${r.reads}: chunk:${c.id} holds ${records.length}, meta says ${c.count}`);
      for (const e of records) {
        const o = e.origin.document + '#' + e.origin.n;
        if (seqs.has(e.seq) || origins.has(o)) r.problems.push(`read ${r.reads}: ${o} (seq ${e.seq}) twice`);
        if (e.seq < c.firstSeq || e.seq > c.lastSeq) r.problems.push(`read ${r.reads}: seq ${e.seq} outside chunk:${c.id}'s ${c.firstSeq}..${c.lastSeq}`);
        seqs.add(e.seq);
        origins.add(o);
      }
    }
  }
})();
return null;
"#;

/// Chunk keys in storage that `meta` does not list.
fn unlisted(browser: &Browser) -> Vec<String> {
    let (meta, all) = read_storage(browser);
    let listed: HashSet<String> = meta["chunks"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|c| format!("chunk:{}", c["id"]))
        .collect();
    all.keys()
        .filter(|k| k.starts_with("chunk:") && !listed.contains(*k))
        .cloned()
        .collect()
}

fn counted(meta: &Value, events: &[Value]) -> u64 {
    meta["evictedEvents"].as_u64().unwrap_or(0) + events.len() as u64
}

fn flood(kind: BrowserKind) {
    let server = FixtureServer::start([("/flood.html", Route::html(PAGE))]).unwrap();
    let url = server.url("/flood.html");
    let browser = common::launch(kind);
    let b = &browser;

    // An extension page asks how storage is going: nothing has failed.
    let status = send_from_extension_page(b, &json!({ "kind": "status", "v": 1 }));
    assert_eq!(
        status,
        json!({ "kind": "status", "v": 1, "health": {
            "storageFailingSince": null, "lastStorageError": null, "waitingEvents": 0,
            "lostEvents": { "tabClosed": 0, "pageGone": 0 } } }),
        "{}",
        kind.name()
    );

    // The popup's retention box sends this.
    let answer = send_from_extension_page(
        b,
        &json!({ "kind": "setRetention", "v": 1, "max_events": LIMIT }),
    );
    assert_eq!(answer["kind"], "done", "{answer}");

    to_extension_page(b);
    run(b, READER_JS);

    // Bursts of 50 events, calls of 10 events each, from one page.
    b.open_tab(&url).unwrap();
    let page = b.window_handle().unwrap();
    run(
        b,
        &format!(
            "let i = 0; const burst = () => {{\
               for (let k = 0; k < 50 && i < {FLOOD}; k++) {{\
                 i++; fire('callAccepted', {{ callId: 'flood-' + Math.floor((i - 1) / 10), i }});\
               }}\
               if (i < {FLOOD}) setTimeout(burst, 10);\
             }}; burst();"
        ),
    );
    let (meta, _) = wait_for_log(b, WAIT, "every flooded event stored or evicted", |m, e| {
        counted(m, e) >= FLOOD
    });
    let reader = extension_eval(
        b,
        "const r = window.__fviReader; r.stop = true; await r.done;\
         return { reads: r.reads, withUnlisted: r.withUnlisted, problems: r.problems };",
        &[],
    );
    eprintln!(
        "{}: {} snapshots read during the flood, {} of them with a chunk meta does not list \
         (between an eviction's set and its remove); {} evictions of calls",
        kind.name(),
        reader["reads"],
        reader["withUnlisted"],
        meta["evictedCalls"]
    );
    assert_eq!(reader["problems"], json!([]), "{}", kind.name());
    // The reader ran while eviction did: a loop that read nothing would prove nothing.
    assert!(
        reader["reads"].as_u64().unwrap() >= 20,
        "too few snapshots: {reader}"
    );
    assert!(meta["evictedCalls"].as_u64().unwrap() >= 10, "{meta}");

    // Each flooded event once: in the log, or evicted and counted.
    let (meta, events) = read_log(b);
    assert_eq!(counted(&meta, &events), FLOOD, "{meta}");
    assert!(events.len() as u64 <= LIMIT, "{} events kept", events.len());
    assert_well_formed(&events);
    let ns: HashSet<u64> = events
        .iter()
        .map(|e| e["origin"]["n"].as_u64().unwrap())
        .collect();
    assert_eq!(ns.len(), events.len(), "an event kept twice");
    assert!(ns.iter().all(|n| (1..=FLOOD).contains(n)));
    // The newest event is kept (eviction drops the oldest calls).
    assert_eq!(events.last().unwrap()["detail"]["i"], FLOOD);
    // Nothing outside meta once the last job removed the old chunks.
    wait_until(Duration::from_secs(10), "no chunk outside meta", || {
        Ok(unlisted(b).is_empty().then_some(()))
    })
    .unwrap_or_else(|e| panic!("{e}: {:?}", unlisted(b)));

    // A chunk key meta does not list, as a worker stopped between an eviction's set and its
    // remove leaves it: the next worker's first job removes it (found with
    // `storage.local.getKeys()`), and new chunks get ids above it.
    let orphan = "chunk:987654";
    extension_eval(
        b,
        "await api.storage.local.set({ [args[0]]: '[]' });",
        &[json!(orphan)],
    );
    assert!(b.stop_background().unwrap(), "no background to stop");
    b.switch_to_window(&page).unwrap();
    run(
        b,
        &format!(
            "for (let i = {FLOOD} + 1; i <= {FLOOD} + {LIMIT}; i++)\
               fire('callEnded', {{ callId: 'after-' + i, i }});"
        ),
    );
    let (meta, events) = wait_for_log(b, WAIT, "the events after the restart", |m, e| {
        counted(m, e) >= FLOOD + LIMIT
    });
    assert_eq!(counted(&meta, &events), FLOOD + LIMIT, "{meta}");
    assert_eq!(events.last().unwrap()["detail"]["i"], FLOOD + LIMIT);
    wait_until(Duration::from_secs(10), "the orphan removed", || {
        Ok(unlisted(b).is_empty().then_some(()))
    })
    .unwrap_or_else(|e| panic!("{e}: {:?}", unlisted(b)));
    let (meta, _) = read_log(b);
    let last_id = meta["chunks"].as_array().unwrap().last().unwrap()["id"]
        .as_u64()
        .unwrap();
    assert!(last_id > 987654, "new chunks above the orphan's id: {meta}");
}

#[test]
fn flood_past_the_limit_in_chromium() {
    flood(BrowserKind::Chromium);
}

#[test]
fn flood_past_the_limit_in_firefox() {
    flood(BrowserKind::Firefox);
}
