//! Data-driven tests of the background's rules (`fvi_core::store`), in the style of
//! `timeline_fixtures.rs`: each `store/<name>.json` is a run of jobs against a simulated
//! `storage.local` (a map), with the writes of chosen steps failing; `store/<name>.txt` is
//! the expected transcript: per job, the writes planned, how they went, the answer, badges,
//! status broadcasts and follow-up reads; then what storage holds at the end.
//!
//! `UPDATE_EXPECT=1 cargo test -p fvi-core --test store_fixtures` rewrites the `.txt` files
//! from the current output; read the diff before keeping it.
//!
//! Fixture format:
//! ```text
//! {
//!   "storage": {"meta": {...}, "chunk:3": [records]},  // optional: storage at the start
//!   "steps": [                                          // one job each
//!     {"at": 1000, "capture": {"tab": 1, "document": "d1",    // "tab": null: no sender tab
//!        "events": [[1, "callRequested", "c1"],                // n, type, callId|null
//!                   {"ns": [2, 60], "type": "callAccepted", "call": "c1"}]}},
//!     {"raw": "{not json", "tab": 1},                   // a capture message's text as is
//!     {"command": {"kind": "setPaused", "v": 1, "paused": true}},
//!     {"status": true}, {"malformed": "why"}, {"startup": true},
//!     {"note": [1, "closed"]}, {"note": [1, "navigated", "https://x/"]},
//!     {"bind": ["d2", 1, 0]},                           // document, tab, frame
//!     {"restart": true},                                // a new worker: memory is lost
//!     {"expectFire": {"nonce": "n1", "tab": 1, "frame": 0, "type": "callAccepted",
//!        "call": "c1"}},                                 // the background fires (frame null: all)
//!     // any step: "firesWhileWriting": {like expectFire}: the background fires while the
//!     // step's writes are under way (between the plan and its outcome)
//!     // any step: "write": "ok" | "set fails: <error>" | "remove fails: <error>", or a
//!     // list, one per round (a follow-up read makes a second round); "read": "fails: <e>"
//!     // makes the reads of this step fail. "at" defaults to the previous step's + 1000.
//!   ]
//! }
//! ```

mod expect;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use fvi_core::log::{chunk_id, decode_chunk, LogMeta, Sender, META_KEY};
use fvi_core::protocol::{PageEvent, Request, Response, PROTOCOL_VERSION};
use fvi_core::store::{read_meta, Effects, Input, Store, Written};
use fvi_core::{EventRecord, TabNoteKind};
use serde::Deserialize;
use serde_json::{json, Map, Value};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    #[serde(default)]
    storage: Map<String, Value>,
    steps: Vec<Step>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
struct Step {
    at: Option<f64>,
    capture: Option<Capture>,
    raw: Option<String>,
    /// With `raw`: the sender's tab.
    tab: Option<i64>,
    command: Option<Value>,
    #[serde(default)]
    status: bool,
    malformed: Option<String>,
    #[serde(default)]
    startup: bool,
    note: Option<Vec<Value>>,
    bind: Option<(String, i64, i64)>,
    #[serde(default)]
    restart: bool,
    expect_fire: Option<ExpectFire>,
    /// The background fires while this step's writes are under way.
    fires_while_writing: Option<ExpectFire>,
    write: Option<Value>,
    read: Option<String>,
}

/// A dispatch the background notes before firing (`Store::expect_fire`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectFire {
    nonce: String,
    tab: i64,
    frame: Option<i64>,
    #[serde(rename = "type")]
    kind: String,
    call: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Capture {
    tab: Option<i64>,
    #[serde(default)]
    frame: i64,
    document: String,
    events: Vec<Value>,
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/store")
}

fn sender(tab: i64, frame: i64) -> Sender {
    Sender {
        tab_id: tab,
        frame_id: frame,
        top_url: Some("https://shop.example/".into()),
        top_title: None,
    }
}

fn page_events(events: &[Value], at: f64) -> Vec<PageEvent> {
    let mut out = Vec::new();
    let mut push = |n: u64, kind: &str, call: &Value| {
        out.push(PageEvent {
            n,
            kind: format!("fullview:{kind}"),
            captured_at: at,
            url: "https://shop.example/".into(),
            detail: match call.as_str() {
                Some(id) => json!({ "callId": id }),
                None => Value::Null,
            },
            detail_truncated: false,
        })
    };
    for e in events {
        match e {
            Value::Array(a) => push(
                a[0].as_u64().expect("n"),
                a[1].as_str().expect("type"),
                &a[2],
            ),
            Value::Object(o) => {
                let ns = o["ns"].as_array().expect("ns: [from, to]");
                let (from, to) = (ns[0].as_u64().unwrap(), ns[1].as_u64().unwrap());
                for n in from..=to {
                    push(n, o["type"].as_str().expect("type"), &o["call"]);
                }
            }
            other => panic!("event {other}"),
        }
    }
    out
}

/// What a step's input is, and its one-line title.
fn input_of(step: &Step, at: f64) -> Option<(Input, String)> {
    if let Some(c) = &step.capture {
        let events = page_events(&c.events, at);
        let ns: Vec<String> = runs(&events.iter().map(|e| e.n).collect::<Vec<_>>());
        let title = format!(
            "capture {} [{}] from {}",
            c.document,
            ns.join(","),
            c.tab
                .map_or("no tab".into(), |t| format!("tab {t} frame {}", c.frame))
        );
        let text = serde_json::to_string(&Request::Capture {
            v: PROTOCOL_VERSION,
            document: c.document.clone(),
            events,
        })
        .unwrap();
        let sender = c.tab.map(|t| sender(t, c.frame));
        return Some((Input::Capture { sender, text }, title));
    }
    if let Some(text) = &step.raw {
        let sender = step.tab.map(|t| sender(t, 0));
        return Some((
            Input::Capture {
                sender,
                text: text.clone(),
            },
            format!("capture message {text}"),
        ));
    }
    if let Some(c) = &step.command {
        let request: Request = serde_json::from_value(c.clone()).expect("a request");
        return Some((Input::Command(request), format!("command {c}")));
    }
    if step.status {
        return Some((Input::Status, "status".into()));
    }
    if let Some(reason) = &step.malformed {
        return Some((
            Input::Malformed {
                reason: reason.clone(),
            },
            format!("malformed {reason:?}"),
        ));
    }
    if step.startup {
        return Some((Input::Startup, "browser startup".into()));
    }
    if let Some(note) = &step.note {
        let tab = note[0].as_i64().expect("note tab");
        let kind = match note[1].as_str() {
            Some("closed") => TabNoteKind::Closed,
            Some("navigated") => TabNoteKind::Navigated {
                url: note[2].as_str().expect("url").to_string(),
            },
            other => panic!("note {other:?}"),
        };
        let title = format!("note {}", Value::from(note.clone()));
        return Some((Input::Note { tab, kind }, title));
    }
    if let Some((document, tab, frame)) = &step.bind {
        return Some((
            Input::Bind {
                document: document.clone(),
                sender: sender(*tab, *frame),
            },
            format!("bind {document} to tab {tab} frame {frame}"),
        ));
    }
    None
}

/// `1..3,7` for `[1, 2, 3, 7]`.
fn runs(ns: &[u64]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < ns.len() {
        let mut j = i;
        while j + 1 < ns.len() && ns[j + 1] == ns[j] + 1 {
            j += 1;
        }
        out.push(if i == j {
            ns[i].to_string()
        } else {
            format!("{}..{}", ns[i], ns[j])
        });
        i = j + 1;
    }
    out
}

/// Records as runs: `seq 1..3 d1#1..3 callRequested c1 tab 1.0`.
fn dump_records(records: &[EventRecord]) -> String {
    let mut out = Vec::new();
    let mut i = 0;
    while i < records.len() {
        let same = |a: &EventRecord, b: &EventRecord| {
            b.seq == a.seq + 1
                && b.origin.n == a.origin.n + 1
                && b.origin.document == a.origin.document
                && b.kind == a.kind
                && b.call_id == a.call_id
                && (b.tab_id, b.frame_id) == (a.tab_id, a.frame_id)
                && b.fired == a.fired
        };
        let mut j = i;
        while j + 1 < records.len() && same(&records[j], &records[j + 1]) {
            j += 1;
        }
        let (a, b) = (&records[i], &records[j]);
        let span = |x: u64, y: u64| {
            if x == y {
                x.to_string()
            } else {
                format!("{x}..{y}")
            }
        };
        out.push(format!(
            "seq {} {}#{} {} {} tab {}.{}",
            span(a.seq, b.seq),
            a.origin.document,
            span(a.origin.n, b.origin.n),
            a.kind.name().trim_start_matches("fullview:"),
            a.call_id.as_deref().unwrap_or("-"),
            a.tab_id,
            a.frame_id
        ));
        if let Some(fired) = &a.fired {
            let last = out.last_mut().expect("just pushed");
            last.push_str(&format!(" fired {} at {}", fired.nonce, fired.at));
        }
        i = j + 1;
    }
    out.join("; ")
}

/// Only the fields of `meta` that differ from a new log's, as compact JSON.
fn dump_meta(meta: &Value) -> String {
    let default = serde_json::to_value(LogMeta::default()).unwrap();
    let mut out = Vec::new();
    for (k, v) in meta.as_object().expect("meta is an object") {
        if default.get(k) != Some(v) {
            out.push(format!("{k}={v}"));
        }
    }
    format!("{{{}}}", out.join(" "))
}

fn dump_value(key: &str, value: &Value) -> String {
    if key == META_KEY {
        dump_meta(value)
    } else if chunk_id(key).is_some() {
        format!("[{}]", dump_records(&decode_chunk(value)))
    } else {
        value.to_string()
    }
}

fn dump_response(r: &Response) -> String {
    match r {
        Response::Stored {
            stored, duplicates, ..
        } => format!("stored {stored}, duplicates {duplicates}"),
        Response::Paused { .. } => "paused".into(),
        Response::Done { .. } => "done".into(),
        Response::Refused { reason, retry, .. } => {
            format!("refused (retry {retry}): {reason}")
        }
        Response::Fired { .. } | Response::RunStarted { .. } => {
            unreachable!("the store does not fire")
        }
        Response::Status { health, .. } => {
            let mut out = format!(
                "status: failing since {}, last error {}, waiting {}",
                health
                    .storage_failing_since
                    .map_or("-".into(), |t| t.to_string()),
                health.last_storage_error.as_deref().unwrap_or("-"),
                health.waiting_events
            );
            // Only when there is any, so the fixtures from before lost events stay as
            // they were; with the notice the popup shows ("since" as the page would).
            let lost = health.lost_events;
            if lost.total() > 0 {
                out.push_str(&format!(
                    ", lost {} (tab closed {}, page gone {})\n    notice: {}",
                    lost.total(),
                    lost.tab_closed,
                    lost.page_gone,
                    health.notice("SINCE")
                ));
            }
            out
        }
    }
}

fn dump_effects(out: &mut String, effects: &Effects) {
    if let Some(reply) = &effects.reply {
        out.push_str(&format!("  reply {}\n", dump_response(reply)));
    }
    for (tab, text) in &effects.badges {
        out.push_str(&format!("  badge tab {tab} {text:?}\n"));
    }
    if let Some(status) = &effects.status {
        out.push_str(&format!("  broadcast {}\n", dump_response(status)));
    }
    if !effects.load.is_empty() {
        out.push_str(&format!("  read {}\n", effects.load.join(" ")));
    }
    if let Some(seq) = effects.log_changed {
        out.push_str(&format!("  notify log changed, last seq {seq}\n"));
    }
}

/// Loads the store from `storage` as the background does (keys, meta, tail chunk).
fn load(store: &mut Store, storage: &BTreeMap<String, Value>) {
    let keys: Vec<String> = storage.keys().cloned().collect();
    let meta = read_meta(storage.get(META_KEY));
    let tail = meta
        .tail_chunk()
        .and_then(|c| storage.get(&fvi_core::log::chunk_key(c.id)));
    store.loaded(meta, tail, &keys);
}

fn render(fixture: &Fixture) -> String {
    let mut storage: BTreeMap<String, Value> = fixture
        .storage
        .iter()
        .map(|(k, v)| {
            // Chunks are given as arrays of records; stored as the background stores them.
            let v = match (chunk_id(k), v) {
                (Some(_), Value::Array(_)) => Value::String(v.to_string()),
                _ => v.clone(),
            };
            (k.clone(), v)
        })
        .collect();
    let mut store = Store::new();
    let mut out = String::new();
    let mut at = 0.0;
    for (i, step) in fixture.steps.iter().enumerate() {
        at = step.at.unwrap_or(at + 1000.0);
        if step.restart {
            out.push_str(&format!("#{} restart: a new worker\n", i + 1));
            store = Store::new();
            continue;
        }
        if let Some(f) = &step.expect_fire {
            out.push_str(&format!(
                "#{} at {at}: {}\n",
                i + 1,
                expect_fire(&mut store, f, at)
            ));
            continue;
        }
        let (input, title) =
            input_of(step, at).unwrap_or_else(|| panic!("step {}: no input", i + 1));
        out.push_str(&format!("#{} at {at}: {title}\n", i + 1));
        let writes: Vec<String> = match &step.write {
            None => Vec::new(),
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) => a.iter().map(|s| s.as_str().unwrap().to_string()).collect(),
            Some(other) => panic!("write {other}"),
        };
        let read_error = step.read.as_deref().map(|r| {
            r.strip_prefix("fails: ")
                .unwrap_or_else(|| panic!("read: {r}"))
                .to_string()
        });
        if matches!(input, Input::Status) {
            let plan = store.handle(input, at);
            assert!(!plan.writes(), "a status request writes nothing");
            let effects = store.finish(plan, Written::Ok);
            dump_effects(&mut out, &effects);
            continue;
        }
        if !store.is_loaded() {
            if let Some(error) = &read_error {
                out.push_str(&format!("  load fails: {error}\n"));
                let effects = store.read_failed(input, error, at);
                dump_effects(&mut out, &effects);
                continue;
            }
            load(&mut store, &storage);
            out.push_str("  load\n");
        }
        let mut input = input;
        let mut round = 0;
        loop {
            let plan = store.handle(input, at);
            for (k, v) in &plan.set {
                out.push_str(&format!("  set {k} {}\n", dump_value(k, v)));
            }
            if !plan.remove.is_empty() {
                out.push_str(&format!("  remove {}\n", plan.remove.join(" ")));
            }
            if let (Some(f), 0) = (&step.fires_while_writing, round) {
                out.push_str(&format!(
                    "  while writing, {}\n",
                    expect_fire(&mut store, f, at)
                ));
            }
            let mode = writes.get(round).map(String::as_str).unwrap_or("ok");
            let written = if !plan.writes() {
                Written::Ok
            } else if let Some(e) = mode.strip_prefix("set fails: ") {
                out.push_str(&format!("  set fails: {e}\n"));
                Written::SetFailed(e.into())
            } else {
                for (k, v) in &plan.set {
                    storage.insert(k.clone(), v.clone());
                }
                if let Some(e) = mode.strip_prefix("remove fails: ") {
                    out.push_str(&format!("  remove fails: {e}\n"));
                    Written::RemoveFailed(e.into())
                } else {
                    assert_eq!(mode, "ok", "step {}: write mode", i + 1);
                    for k in &plan.remove {
                        storage.remove(k);
                    }
                    Written::Ok
                }
            };
            let effects = store.finish(plan, written);
            dump_effects(&mut out, &effects);
            check_consistent(&storage, i + 1);
            if effects.load.is_empty() {
                break;
            }
            round += 1;
            if let Some(error) = &read_error {
                out.push_str(&format!("  read fails: {error}\n"));
                let effects = store.read_failed(Input::Chunks(Map::new()), error, at);
                dump_effects(&mut out, &effects);
                break;
            }
            let got: Map<String, Value> = effects
                .load
                .iter()
                .filter_map(|k| storage.get(k).map(|v| (k.clone(), v.clone())))
                .collect();
            input = Input::Chunks(got);
        }
    }
    out.push_str("--- storage\n");
    for (k, v) in &storage {
        out.push_str(&format!("{k} {}\n", dump_value(k, v)));
    }
    out
}

/// Notes the fire `f` at `at` in `store` (`Store::expect_fire`); returns its line.
fn expect_fire(store: &mut Store, f: &ExpectFire, at: f64) -> String {
    store.expect_fire(
        fvi_core::fire::Expected {
            nonce: f.nonce.clone(),
            tab_id: f.tab,
            frame_id: f.frame,
            kind: fvi_core::EventKind::from_name(&format!("fullview:{}", f.kind))
                .expect("a known type"),
            call_id: f.call.clone(),
            at,
            taken: Vec::new(),
        },
        at,
    );
    format!(
        "the background fires {} {} into tab {} frame {} ({})",
        f.kind,
        f.call.as_deref().unwrap_or("-"),
        f.tab,
        f.frame.map_or("all".into(), |f| f.to_string()),
        f.nonce
    )
}

/// The reader's invariant, at every instant: every chunk `meta` lists is there and holds
/// what `meta` says, and no record is listed twice.
fn check_consistent(storage: &BTreeMap<String, Value>, step: usize) {
    let meta = read_meta(storage.get(META_KEY));
    let mut seen = std::collections::HashSet::new();
    let mut last = 0;
    for info in &meta.chunks {
        let key = fvi_core::log::chunk_key(info.id);
        let records = decode_chunk(
            storage
                .get(&key)
                .unwrap_or_else(|| panic!("step {step}: meta lists {key}, storage lacks it")),
        );
        assert_eq!(records.len(), info.count, "step {step}: {key} count");
        for r in &records {
            assert!(r.seq > last, "step {step}: seq {} after {last}", r.seq);
            last = r.seq;
            assert!(
                seen.insert((r.origin.document.clone(), r.origin.n)),
                "step {step}: {:?} listed twice",
                r.origin
            );
        }
    }
}

expect::fixtures! {
    dir(), render;
    capture_then_resent,
    capture_write_fails_then_retried,
    paused_capture,
    command_write_fails,
    malformed_kept_while_storage_fails,
    final_refusals,
    retention_floor_and_eviction,
    eviction_write_fails,
    orphans_swept_after_restart,
    read_fails_at_load,
    startup_clears_unless_kept,
    notes_and_binds,
    remove_fails_keeps_garbage,
    waiting_lost_when_tab_closes,
    waiting_lost_when_sender_silent,
    lost_events_arrive_after_all,
    fire_marks,
    fire_while_writing,
}
