//! Property test of the store (`fvi_core::store`) against a simulated `storage.local` (a
//! map that takes a plan's writes, or not when a write "fails"): whatever the arrival
//! order, the resends, the evictions, the failing writes and the worker stops (between a
//! set and its remove, too), every event is stored exactly once (or counted as evicted),
//! `seq` stays unique and increasing, a reader that reads what `meta` lists never sees a
//! record twice, and once the next worker has run a job nothing lives outside what `meta`
//! lists.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use fvi_core::log::{chunk_id, chunk_key, decode_chunk, Sender, META_KEY};
use fvi_core::protocol::{PageEvent, Request, Response, PROTOCOL_VERSION};
use fvi_core::store::{read_meta, Input, Store, Written};
use fvi_core::EventRecord;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

/// How one round of a job's writes goes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    Ok,
    /// The `set` is refused: nothing changes in storage.
    SetFails,
    /// The `set` lands, the `remove` is refused.
    RemoveFails,
    /// The worker is stopped after the `set` landed, before the `remove` and the answer.
    StopAfterSet,
    /// The worker is stopped before writing anything.
    StopBeforeSet,
    /// Reading the log fails (a load, or eviction's read).
    ReadFails,
}

fn mode() -> impl Strategy<Value = Mode> {
    prop_oneof![
        6 => Just(Mode::Ok),
        2 => Just(Mode::SetFails),
        1 => Just(Mode::RemoveFails),
        1 => Just(Mode::StopAfterSet),
        1 => Just(Mode::StopBeforeSet),
        1 => Just(Mode::ReadFails),
    ]
}

#[derive(Debug, Clone)]
enum Action {
    /// Deliver the pending batch at this index (any arrival order).
    Send(usize, Vec<Mode>),
    /// Deliver an already acknowledged batch again (a resend after a lost answer).
    Resend(usize, Vec<Mode>),
    /// The user changes the retention limit.
    Retention(u64, Vec<Mode>),
    /// The worker stops between jobs.
    Restart,
}

fn action() -> impl Strategy<Value = Action> {
    let modes = || prop::collection::vec(mode(), 1..3);
    prop_oneof![
        8 => (any::<usize>(), modes()).prop_map(|(i, m)| Action::Send(i, m)),
        2 => (any::<usize>(), modes()).prop_map(|(i, m)| Action::Resend(i, m)),
        1 => (100u64..220, modes()).prop_map(|(k, m)| Action::Retention(k, m)),
        1 => Just(Action::Restart),
    ]
}

/// One document's batches: consecutive ranges of its counters, as its engine sends them.
#[derive(Debug, Clone)]
struct Batch {
    document: String,
    tab: i64,
    ns: std::ops::RangeInclusive<u64>,
}

fn documents() -> impl Strategy<Value = Vec<Vec<usize>>> {
    // Per document, its batch sizes.
    prop::collection::vec(prop::collection::vec(1usize..25, 1..8), 1..4)
}

fn batches(sizes: &[Vec<usize>]) -> Vec<Batch> {
    let mut out = Vec::new();
    for (d, sizes) in sizes.iter().enumerate() {
        let mut n = 1;
        for &size in sizes {
            let size = size as u64;
            out.push(Batch {
                document: format!("doc{d}"),
                tab: d as i64 + 1,
                ns: n..=n + size - 1,
            });
            n += size;
        }
    }
    out
}

fn capture_text(batch: &Batch) -> String {
    let events: Vec<PageEvent> = batch
        .ns
        .clone()
        .map(|n| PageEvent {
            n,
            kind: "fullview:callAccepted".into(),
            captured_at: n as f64,
            url: "https://shop.example/".into(),
            // Calls of five events, and every seventh event without a call.
            detail: if n % 7 == 0 {
                Value::Null
            } else {
                json!({ "callId": format!("{}-{}", batch.document, n / 5) })
            },
            detail_truncated: false,
        })
        .collect();
    serde_json::to_string(&Request::Capture {
        v: PROTOCOL_VERSION,
        document: batch.document.clone(),
        events,
    })
    .unwrap()
}

struct World {
    storage: BTreeMap<String, Value>,
    store: Store,
    now: f64,
}

/// What a job ended with, as its sender sees it.
#[derive(Debug)]
enum Outcome {
    Answer(Response),
    /// The worker stopped: no answer.
    Stopped,
}

impl World {
    fn restart(&mut self) {
        self.store = Store::new();
    }

    /// Runs one job as the background does; `modes` says how each round's I/O goes.
    fn job(&mut self, input: Input, modes: &[Mode]) -> Outcome {
        self.now += 1000.0;
        let mut modes = modes.iter().copied().chain(std::iter::repeat(Mode::Ok));
        let mut mode = modes.next().unwrap();
        if !self.store.is_loaded() {
            if mode == Mode::ReadFails {
                let effects = self.store.read_failed(input, "read failed", self.now);
                return effects.reply.map_or(Outcome::Stopped, Outcome::Answer);
            }
            let keys: Vec<String> = self.storage.keys().cloned().collect();
            let meta = read_meta(self.storage.get(META_KEY));
            let tail = meta
                .tail_chunk()
                .and_then(|c| self.storage.get(&chunk_key(c.id)));
            self.store.loaded(meta, tail, &keys);
        }
        let mut input = input;
        let mut reply = None;
        loop {
            let plan = self.store.handle(input, self.now);
            let written = match mode {
                _ if !plan.writes() => Written::Ok,
                Mode::StopBeforeSet => {
                    self.restart();
                    return reply.map_or(Outcome::Stopped, Outcome::Answer);
                }
                Mode::SetFails => Written::SetFailed("set failed".into()),
                Mode::StopAfterSet => {
                    self.apply_set(&plan.set);
                    self.restart();
                    return reply.map_or(Outcome::Stopped, Outcome::Answer);
                }
                Mode::RemoveFails => {
                    self.apply_set(&plan.set);
                    Written::RemoveFailed("remove failed".into())
                }
                Mode::Ok | Mode::ReadFails => {
                    self.apply_set(&plan.set);
                    for key in &plan.remove {
                        self.storage.remove(key);
                    }
                    Written::Ok
                }
            };
            let effects = self.store.finish(plan, written);
            check_reader(&self.storage);
            if reply.is_none() {
                reply = effects.reply;
            }
            if effects.load.is_empty() {
                break;
            }
            mode = modes.next().unwrap();
            if mode == Mode::ReadFails {
                self.store
                    .read_failed(Input::Chunks(Map::new()), "read failed", self.now);
                break;
            }
            let got: Map<String, Value> = effects
                .load
                .iter()
                .filter_map(|k| self.storage.get(k).map(|v| (k.clone(), v.clone())))
                .collect();
            input = Input::Chunks(got);
        }
        reply.map_or(Outcome::Stopped, Outcome::Answer)
    }

    fn apply_set(&mut self, set: &Map<String, Value>) {
        for (k, v) in set {
            self.storage.insert(k.clone(), v.clone());
        }
    }
}

/// What a reader that reads only what `meta` lists gets, checked: every listed chunk is
/// there and holds what `meta` says, no record twice, `seq` increasing.
fn check_reader(storage: &BTreeMap<String, Value>) -> Vec<EventRecord> {
    let meta = read_meta(storage.get(META_KEY));
    let mut out: Vec<EventRecord> = Vec::new();
    let mut seen = HashSet::new();
    for info in &meta.chunks {
        let key = chunk_key(info.id);
        let value = storage.get(&key);
        assert!(value.is_some(), "meta lists {key}, storage lacks it");
        let records = decode_chunk(value.unwrap());
        assert_eq!(records.len(), info.count, "{key}: count");
        assert_eq!(
            (records[0].seq, records[records.len() - 1].seq),
            (info.first_seq, info.last_seq),
            "{key}: seq range"
        );
        for r in records {
            if let Some(last) = out.last() {
                assert!(r.seq > last.seq, "seq {} after {}", r.seq, last.seq);
            }
            assert!(
                seen.insert((r.origin.document.clone(), r.origin.n)),
                "{:?} listed twice",
                r.origin
            );
            out.push(r);
        }
    }
    out
}

fn sender(tab: i64) -> Sender {
    Sender {
        tab_id: tab,
        frame_id: 0,
        top_url: None,
        top_title: None,
    }
}

fn deliver(world: &mut World, batch: &Batch, modes: &[Mode]) -> bool {
    let input = Input::Capture {
        sender: Some(sender(batch.tab)),
        text: capture_text(batch),
    };
    match world.job(input, modes) {
        Outcome::Answer(Response::Stored { .. }) => true,
        Outcome::Answer(Response::Refused { retry: true, .. }) | Outcome::Stopped => false,
        Outcome::Answer(other) => panic!("a capture answered {other:?}"),
    }
}

fn run(sizes: Vec<Vec<usize>>, actions: Vec<Action>) {
    let all = batches(&sizes);
    let total: u64 = all.iter().map(|b| b.ns.clone().count() as u64).sum();
    let mut world = World {
        storage: BTreeMap::new(),
        store: Store::new(),
        now: 0.0,
    };
    let mut pending: Vec<Batch> = all.clone();
    let mut acknowledged: Vec<Batch> = Vec::new();
    for action in actions {
        match action {
            Action::Send(i, modes) if !pending.is_empty() => {
                let i = i % pending.len();
                if deliver(&mut world, &pending[i].clone(), &modes) {
                    acknowledged.push(pending.remove(i));
                }
            }
            Action::Resend(i, modes) if !acknowledged.is_empty() => {
                let batch = acknowledged[i % acknowledged.len()].clone();
                // A sender told to retry holds the batch again and resends it later.
                if !deliver(&mut world, &batch, &modes) {
                    pending.push(batch);
                }
            }
            Action::Retention(max_events, modes) => {
                let request = Request::SetRetention {
                    v: PROTOCOL_VERSION,
                    max_events,
                };
                match world.job(Input::Command(request), &modes) {
                    Outcome::Answer(Response::Done { .. })
                    | Outcome::Answer(Response::Refused { retry: true, .. })
                    | Outcome::Stopped => {}
                    Outcome::Answer(other) => panic!("retention answered {other:?}"),
                }
            }
            Action::Restart => world.restart(),
            _ => {}
        }
    }
    // Storage recovers: every sender resends what it still holds until it is stored.
    while let Some(batch) = pending.pop() {
        assert!(
            deliver(&mut world, &batch, &[Mode::Ok]),
            "stored once writes work"
        );
    }
    assert_eq!(
        world.store.health().waiting_events,
        0,
        "nothing waits any more"
    );

    let log = check_reader(&world.storage);
    let meta = read_meta(world.storage.get(META_KEY));
    let sent: BTreeSet<(String, u64)> = all
        .iter()
        .flat_map(|b| b.ns.clone().map(|n| (b.document.clone(), n)))
        .collect();
    for r in &log {
        assert!(sent.contains(&(r.origin.document.clone(), r.origin.n)));
    }
    // Each event once: in the log, or dropped by retention and counted as such.
    assert_eq!(
        log.len() as u64 + meta.evicted_events,
        total,
        "stored {} + evicted {} of {total}",
        log.len(),
        meta.evicted_events
    );
    if meta.evicted_events == 0 {
        assert_eq!(log.len() as u64, total);
    }

    // The next worker's first job removes whatever meta does not list.
    world.restart();
    world.job(
        Input::Note {
            tab: 999,
            kind: fvi_core::TabNoteKind::Closed,
        },
        &[Mode::Ok],
    );
    let listed: BTreeSet<String> = meta.chunk_keys().into_iter().collect();
    let unlisted: Vec<&String> = world
        .storage
        .keys()
        .filter(|k| chunk_id(k).is_some() && !listed.contains(*k))
        .collect();
    assert!(unlisted.is_empty(), "records outside meta: {unlisted:?}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 150, ..ProptestConfig::default() })]

    #[test]
    fn each_event_once_whatever_storage_does(
        sizes in documents(),
        actions in prop::collection::vec(action(), 0..60),
    ) {
        run(sizes, actions);
    }
}
