//! Properties of the timeline over generated logs: nothing is ever dropped, the build is
//! deterministic whatever order the events come in, and a large log of clean calls groups
//! and links without a flag.

mod common;

use common::record;
use fvi_core::lifecycle::Thresholds;
use fvi_core::timeline::{build, dump, filter_events, Filter};
use fvi_core::{EventKind, EventRecord, TabNote, TabNoteKind};
use std::collections::BTreeSet;

/// xorshift64*: deterministic, dependency-free randomness for generated logs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A messy log: random kinds, a few calls sharing ids, some ids missing, times jittered so
/// seq order and time order disagree.
fn random_log(seed: u64, events: usize, calls: u64, tabs: i64) -> (Vec<EventRecord>, Vec<TabNote>) {
    let mut rng = Rng(seed);
    let mut log = Vec::with_capacity(events);
    let mut notes = Vec::new();
    for i in 0..events {
        let seq = i as u64 + 1;
        let at = 1_000.0 * i as f64 + rng.below(5_000) as f64;
        let tab = rng.below(tabs as u64) as i64;
        if rng.below(50) == 0 {
            let kind = if rng.below(2) == 0 {
                TabNoteKind::Closed
            } else {
                TabNoteKind::Navigated {
                    url: "https://x.example/".into(),
                }
            };
            notes.push(TabNote {
                seq,
                tab_id: tab,
                at,
                kind,
            });
            continue;
        }
        let kind = EventKind::ALL[rng.below(8) as usize];
        let call_id = (rng.below(4) != 0).then(|| format!("call-{}", rng.below(calls)));
        log.push(record(seq, kind, call_id, tab, at));
    }
    (log, notes)
}

fn seen_seqs(events: &[EventRecord], notes: &[TabNote]) -> BTreeSet<u64> {
    let timeline = build(events, notes, 1e12, &Thresholds::default());
    let mut seen = BTreeSet::new();
    for call in &timeline.calls {
        seen.extend(call.seqs(events));
        let in_steps: usize = call.steps.iter().map(|s| s.members().len()).sum();
        assert_eq!(
            in_steps,
            call.events.len(),
            "every event of {} is a step",
            call.call_id
        );
    }
    for req in &timeline.inbound {
        seen.extend(req.seqs(events));
    }
    seen.extend(timeline.unassigned.iter().map(|ix| events[*ix].seq));
    seen
}

#[test]
fn no_event_is_ever_dropped() {
    for seed in 1..40 {
        let (events, notes) = random_log(seed, 400, 30, 5);
        let all: BTreeSet<u64> = events.iter().map(|e| e.seq).collect();
        assert_eq!(seen_seqs(&events, &notes), all, "seed {seed}");
    }
}

#[test]
fn input_order_does_not_change_the_result() {
    let (events, notes) = random_log(7, 600, 40, 6);
    let now = 1e12;
    let forward = dump(
        &build(&events, &notes, now, &Thresholds::default()),
        &events,
        &notes,
    );
    let reversed: Vec<EventRecord> = events.iter().rev().cloned().collect();
    let backward = dump(
        &build(&reversed, &notes, now, &Thresholds::default()),
        &reversed,
        &notes,
    );
    assert_eq!(forward, backward);
}

#[test]
fn filters_combine_and_keep_log_order() {
    let (events, _) = random_log(3, 500, 20, 4);
    let filter = Filter {
        tab: Some(2),
        kinds: Some([EventKind::CallAccepted, EventKind::SupportRequested].into()),
        text: " CALL-1 ".into(),
    };
    let selected: Vec<&EventRecord> = filter_events(&events, &filter)
        .into_iter()
        .map(|ix| ix.of(&events))
        .collect();
    assert!(!selected.is_empty());
    assert!(selected.windows(2).all(|w| w[0].seq < w[1].seq));
    for e in &events {
        let expected = e.tab_id == 2
            && matches!(
                e.kind,
                EventKind::CallAccepted | EventKind::SupportRequested
            )
            && e.call_id.as_deref().is_some_and(|id| id.contains("call-1"));
        assert_eq!(filter.matches(e), expected, "#{}", e.seq);
        assert_eq!(selected.iter().any(|s| s.seq == e.seq), expected);
    }
    assert!(Filter::default().is_empty());
    assert_eq!(
        filter_events(&events, &Filter::default()).len(),
        events.len()
    );
}

/// 100,000 events in 10,000 clean calls, the size the popup must handle: each call and
/// each inbound request is grouped, every request links to its call, and nothing is
/// flagged. How fast it builds is `cargo fvi bench popup`'s to say, not this test's.
#[test]
fn a_large_log_of_clean_calls_groups_without_flags() {
    let mut rng = Rng(42);
    let mut events = Vec::with_capacity(100_000);
    let mut seq = 0;
    for call in 0..10_000u64 {
        let base = call as f64 * 90_000.0;
        let tab = (call % 50) as i64;
        let id = Some(format!("call-{call}"));
        let mut push = |kind, tab, dt: u64| {
            seq += 1;
            events.push(record(seq, kind, id.clone(), tab, base + dt as f64));
        };
        for t in 0..6 {
            push(EventKind::CallRequested, tab + t * 100, rng.below(50));
        }
        push(EventKind::CallAccepted, tab, 1_000 + rng.below(5_000));
        push(EventKind::CallEnded, tab, 60_000);
        seq += 1;
        events.push(record(
            seq,
            EventKind::SupportRequested,
            None,
            tab,
            base - 500.0,
        ));
        seq += 1;
        events.push(record(
            seq,
            EventKind::SupportRequestTaken,
            None,
            tab,
            base - 100.0,
        ));
    }
    assert_eq!(events.len(), 100_000);
    // Speed is measured by `cargo fvi bench` against a baseline, never asserted here:
    // the machines are shared and wall-clock bounds would be flaky.
    let timeline = build(&events, &[], 1e13, &Thresholds::default());
    assert_eq!(timeline.calls.len(), 10_000);
    assert_eq!(timeline.inbound.len(), 10_000);
    assert!(timeline.inbound.iter().all(|r| r.linked_call.is_some()));
    assert_eq!(timeline.flag_count(), 0);
}
