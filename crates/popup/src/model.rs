//! The view model: the core's timeline parts ([`Call`], [`InboundRequest`], whose
//! [`EventIx`]s point into the log on screen), kept up to date as the log grows.
//!
//! The model holds no events: the log is replaced or extended on every live update, and
//! indices let the model live next to the log it describes, and let a selection change
//! re-render from the model without regrouping 100,000 events.

use std::collections::{HashMap, HashSet};

use fvi_core::lifecycle::{CallState, Flag, InboundState, Thresholds};
use fvi_core::tabs::TabLabels;
use fvi_core::timeline::{self, Call, EventIx, InboundRequest};
use fvi_core::{EventRecord, TabNote};

use crate::filters::Query;

/// The log being shown (the live one or an imported file), borrowed from whoever owns it.
#[derive(Clone, Copy)]
pub struct Data<'a> {
    pub events: &'a [EventRecord],
    pub notes: &'a [TabNote],
    /// The time the "unanswered" checks are judged at: now for the live log, the export
    /// time for an imported file (judging an old file against today flags everything).
    pub now: f64,
}

pub struct Model {
    /// Newest first.
    pub calls: Vec<Call>,
    /// Newest first.
    pub inbound: Vec<InboundRequest>,
    /// Call events without a callId, newest first.
    pub unassigned: Vec<EventIx>,
    /// Each tab's label ("T2 · Acme CRM – Customers"), built with the model so a tab's
    /// number stays the same on every render of this log.
    pub tabs: TabLabels,
    call_index: HashMap<String, usize>,
    /// What [`Model::extend`] needs to regroup only what new events touch: the events of
    /// each call, each tab's inbound events and call starts (seq order), the requests
    /// linked to each call, and how many events of the log the model holds.
    by_call: HashMap<String, Vec<EventIx>>,
    inbound_by_tab: HashMap<i64, Vec<EventIx>>,
    starts_by_tab: HashMap<i64, Vec<EventIx>>,
    links: HashMap<String, Vec<(u64, InboundState)>>,
    seen: usize,
    notes: NotesStamp,
}

/// Which tab notes the model was built with (they come with the meta, not as events; a
/// change of them rebuilds the model).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct NotesStamp(usize, Option<u64>, Option<u64>);

impl NotesStamp {
    pub fn of(notes: &[fvi_core::TabNote]) -> NotesStamp {
        NotesStamp(
            notes.len(),
            notes.first().map(|n| n.seq),
            notes.last().map(|n| n.seq),
        )
    }
}

/// Newest first, as the lists show them (the timeline keeps them in seq order).
fn sort_unassigned(list: &mut [EventIx], events: &[EventRecord]) {
    list.sort_by(|a, b| {
        let (a, b) = (&events[*a], &events[*b]);
        b.captured_at
            .total_cmp(&a.captured_at)
            .then(b.seq.cmp(&a.seq))
    });
}

impl Model {
    pub fn empty() -> Model {
        Model {
            calls: Vec::new(),
            inbound: Vec::new(),
            unassigned: Vec::new(),
            tabs: TabLabels::default(),
            call_index: HashMap::new(),
            by_call: HashMap::new(),
            inbound_by_tab: HashMap::new(),
            starts_by_tab: HashMap::new(),
            links: HashMap::new(),
            seen: 0,
            notes: NotesStamp::default(),
        }
    }

    /// The model of the whole log.
    pub fn build(data: Data) -> Model {
        let mut model = Model::empty();
        model.notes = NotesStamp::of(data.notes);
        model.extend(data, &HashSet::new(), &HashSet::new());
        model
    }

    /// How many events of the log the model holds (the rest are new to it).
    pub fn seen(&self) -> usize {
        self.seen
    }

    /// Whether the model was built with these notes ([`Model::extend`] needs that).
    pub fn same_notes(&self, notes: &[fvi_core::TabNote]) -> bool {
        self.notes == NotesStamp::of(notes)
    }

    /// Takes in the events of `data` after the ones the model holds (`data.events` starts
    /// with exactly those, as a live log grows), and judges again the calls and the tabs'
    /// requests in `also_calls`/`also_tabs` (whose verdicts depend on time). Only the calls
    /// and tabs the new events touch are rebuilt, with the core's own rules
    /// (`timeline::call`, `timeline::inbound_of_tab`): a live update costs what it adds,
    /// not the whole log, and the result equals [`Model::build`] over the whole log.
    pub fn extend(&mut self, data: Data, also_calls: &HashSet<String>, also_tabs: &HashSet<i64>) {
        let thresholds = Thresholds::default();
        let mut dirty_calls: HashSet<String> = also_calls.clone();
        let mut dirty_tabs: HashSet<i64> = also_tabs.clone();
        let mut new_unassigned = Vec::new();
        for (i, e) in data.events.iter().enumerate().skip(self.seen) {
            let i = EventIx::new(i);
            self.tabs.add(e);
            match e.call_id.as_deref() {
                Some(id) => {
                    match self.by_call.get_mut(id) {
                        Some(list) => list.push(i),
                        None => {
                            self.by_call.insert(id.to_string(), vec![i]);
                        }
                    }
                    if !dirty_calls.contains(id) {
                        dirty_calls.insert(id.to_string());
                    }
                    if timeline::starts_call(e) {
                        self.starts_by_tab.entry(e.tab_id).or_default().push(i);
                        dirty_tabs.insert(e.tab_id);
                    }
                }
                None if !e.kind.is_inbound() => new_unassigned.push(i),
                None => {}
            }
            if e.kind.is_inbound() {
                self.inbound_by_tab.entry(e.tab_id).or_default().push(i);
                dirty_tabs.insert(e.tab_id);
            }
        }
        self.seen = data.events.len();
        let ixs = |list: Option<&Vec<EventIx>>| list.cloned().unwrap_or_default();

        // The requests of the tabs touched, regrouped; a call whose links changed is
        // rebuilt too (a taken request lets it start without a call request).
        if !dirty_tabs.is_empty() {
            let mut old_links: HashMap<String, Vec<(u64, InboundState)>> = HashMap::new();
            let mut kept = Vec::with_capacity(self.inbound.len());
            for r in std::mem::take(&mut self.inbound) {
                if dirty_tabs.contains(&r.tab_id) {
                    if let Some(call) = &r.linked_call {
                        old_links
                            .entry(call.clone())
                            .or_default()
                            .push((r.id, r.state));
                    }
                } else {
                    kept.push(r);
                }
            }
            self.inbound = kept;
            let mut new_links: HashMap<String, Vec<(u64, InboundState)>> = HashMap::new();
            for tab in &dirty_tabs {
                let requests = timeline::inbound_of_tab(
                    data.events,
                    *tab,
                    ixs(self.inbound_by_tab.get(tab)),
                    ixs(self.starts_by_tab.get(tab)),
                    data.now,
                    &thresholds,
                );
                for r in requests {
                    if let Some(call) = &r.linked_call {
                        new_links
                            .entry(call.clone())
                            .or_default()
                            .push((r.id, r.state));
                    }
                    self.inbound.push(r);
                }
            }
            let tabs_of = |links: &[(u64, InboundState)]| -> Vec<(u64, InboundState)> {
                let mut l = links.to_vec();
                l.sort_by_key(|(id, _)| *id);
                l
            };
            let calls: HashSet<&String> = old_links.keys().chain(new_links.keys()).collect();
            for call in calls {
                let old = tabs_of(old_links.get(call).map_or(&[][..], Vec::as_slice));
                let new = tabs_of(new_links.get(call).map_or(&[][..], Vec::as_slice));
                if old == new {
                    continue;
                }
                let links = self.links.entry(call.clone()).or_default();
                links.retain(|l| !old.contains(l));
                links.extend(new);
                dirty_calls.insert(call.clone());
            }
            self.inbound
                .sort_by(|a, b| b.start.total_cmp(&a.start).then(b.id.cmp(&a.id)));
        }

        if !dirty_calls.is_empty() {
            let notes = timeline::NotesByTab::new(data.notes);
            for id in &dirty_calls {
                let Some(members) = self.by_call.get(id) else {
                    continue;
                };
                let linked = self.links.get(id).cloned().unwrap_or_default();
                let call = timeline::call(
                    data.events,
                    members.clone(),
                    linked,
                    &notes,
                    data.now,
                    &thresholds,
                );
                match self.call_index.get(id) {
                    Some(at) => self.calls[*at] = call,
                    None => {
                        self.call_index.insert(id.clone(), self.calls.len());
                        self.calls.push(call);
                    }
                }
            }
            // Mostly in order already (new calls start last), which the sort is fast at.
            let events = data.events;
            self.calls.sort_by(|a, b| {
                b.start
                    .total_cmp(&a.start)
                    .then_with(|| b.first_seq(events).cmp(&a.first_seq(events)))
            });
            self.call_index = self
                .calls
                .iter()
                .enumerate()
                .map(|(i, c)| (c.call_id.clone(), i))
                .collect();
        }

        if !new_unassigned.is_empty() {
            self.unassigned.extend(new_unassigned);
            sort_unassigned(&mut self.unassigned, data.events);
        }
    }

    /// Calls and tabs whose verdicts time can change: open ones, judged "unanswered" once
    /// they wait long enough.
    pub fn open_now(&self) -> (HashSet<String>, HashSet<i64>) {
        let calls = self
            .calls
            .iter()
            .filter(|c| c.state == CallState::Requested)
            .map(|c| c.call_id.clone())
            .collect();
        let tabs = self
            .inbound
            .iter()
            .filter(|r| r.state == InboundState::Requested)
            .map(|r| r.tab_id)
            .collect();
        (calls, tabs)
    }

    /// The model as the core's one-pass [`timeline::build`] makes it (what
    /// [`Model::extend`] must equal).
    #[cfg(test)]
    fn from_core(data: Data) -> Model {
        let t = timeline::build(data.events, data.notes, data.now, &Thresholds::default());
        let mut unassigned = t.unassigned;
        sort_unassigned(&mut unassigned, data.events);
        let call_index = t
            .calls
            .iter()
            .enumerate()
            .map(|(i, c)| (c.call_id.clone(), i))
            .collect();
        Model {
            calls: t.calls,
            inbound: t.inbound,
            unassigned,
            tabs: TabLabels::of(data.events),
            call_index,
            ..Model::empty()
        }
    }

    pub fn call(&self, call_id: &str) -> Option<&Call> {
        self.call_index.get(call_id).map(|i| &self.calls[*i])
    }

    pub fn call_position(&self, call_id: &str) -> Option<usize> {
        self.call_index.get(call_id).copied()
    }

    pub fn inbound_request(&self, id: u64) -> Option<&InboundRequest> {
        self.inbound.iter().find(|r| r.id == id)
    }

    pub fn flag_count(&self) -> usize {
        self.calls.iter().map(|c| c.flags.len()).sum::<usize>()
            + self.inbound.iter().map(|r| r.flags.len()).sum::<usize>()
    }
}

/// Inbound requests grouped per tab, as the list shows them: the tab with the newest
/// request first, newest first inside a tab. `rows` is newest first.
fn by_tab(model: &Model, mut rows: Vec<usize>) -> Vec<usize> {
    let mut rank: HashMap<i64, usize> = HashMap::new();
    for r in &rows {
        let next = rank.len();
        rank.entry(model.inbound[*r].tab_id).or_insert(next);
    }
    rows.sort_by_key(|r| rank[&model.inbound[*r].tab_id]);
    rows
}

/// What the filters let through, as positions in the model's lists.
///
/// The filters select whole groups: a call is shown when any of its events matches, and
/// then with all its events (matching ones marked). Rebuilding the timeline from only the
/// matching events would judge lifecycles on a partial call: filtering to `callAccepted`
/// would flag every call as "accepted without a request".
pub struct Shown {
    pub calls: Vec<usize>,
    pub inbound: Vec<usize>,
    pub unassigned: Vec<usize>,
    /// Per event: does it match? `None` when no filter is set (everything matches).
    pub matched: Option<Vec<bool>>,
}

impl Shown {
    /// What `query` lets through. The search matches an event by its own facts
    /// (`Search::event`) or by its call's or request's state and problems
    /// (`Search::group`); either way only events within the tab and type filters count.
    /// Problems only keeps the calls and requests with flags (events without a callId have
    /// no lifecycle, so that list is left as the other filters make it).
    pub fn compute(model: &Model, data: Data, query: &Query) -> Shown {
        let problem = |flags: &[Flag]| !query.problems_only || !flags.is_empty();
        if query.filter.is_empty() && query.search.is_empty() {
            let calls = (0..model.calls.len())
                .filter(|i| problem(&model.calls[*i].flags))
                .collect();
            let inbound = (0..model.inbound.len())
                .filter(|i| problem(&model.inbound[*i].flags))
                .collect();
            return Shown {
                calls,
                inbound: by_tab(model, inbound),
                unassigned: (0..model.unassigned.len()).collect(),
                matched: None,
            };
        }
        let mut in_scope = vec![false; data.events.len()];
        for ix in timeline::filter_events(data.events, &query.filter) {
            in_scope[ix.get()] = true;
        }
        let mut matched: Vec<bool> = in_scope
            .iter()
            .zip(data.events)
            .map(|(scope, e)| *scope && query.search.event(e))
            .collect();
        if !query.search.is_empty() {
            let groups = model
                .calls
                .iter()
                .filter(|c| query.search.group(c.state.as_str(), &c.flags))
                .map(|c| &c.events)
                .chain(
                    model
                        .inbound
                        .iter()
                        .filter(|r| query.search.group(r.state.as_str(), &r.flags))
                        .map(|r| &r.events),
                );
            for events in groups {
                for i in events {
                    matched[i.get()] |= in_scope[i.get()];
                }
            }
        }
        let any = |events: &[EventIx]| events.iter().any(|i| matched[i.get()]);
        let calls = (0..model.calls.len())
            .filter(|i| problem(&model.calls[*i].flags) && any(&model.calls[*i].events))
            .collect();
        let inbound = (0..model.inbound.len())
            .filter(|i| problem(&model.inbound[*i].flags) && any(&model.inbound[*i].events))
            .collect();
        let inbound = by_tab(model, inbound);
        let unassigned = (0..model.unassigned.len())
            .filter(|i| matched[model.unassigned[*i].get()])
            .collect();
        Shown {
            calls,
            inbound,
            unassigned,
            matched: Some(matched),
        }
    }

    pub fn empty() -> Shown {
        Shown {
            calls: Vec::new(),
            inbound: Vec::new(),
            unassigned: Vec::new(),
            matched: None,
        }
    }

    pub fn is_match(&self, event: EventIx) -> bool {
        self.matched.as_ref().is_none_or(|m| m[event.get()])
    }

    /// The events of everything shown, for "export what the filter shows": whole calls and
    /// requests, so the summaries in the file describe events that are in the file.
    pub fn event_indices(&self, model: &Model) -> Vec<EventIx> {
        let mut out: Vec<EventIx> = Vec::new();
        for i in &self.calls {
            out.extend(&model.calls[*i].events);
        }
        for i in &self.inbound {
            out.extend(&model.inbound[*i].events);
        }
        for i in &self.unassigned {
            out.push(model.unassigned[*i]);
        }
        // An inbound event with a callId is in both its call and its request.
        out.sort_unstable();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fvi_core::timeline::StepBody;
    use fvi_core::EventKind;

    fn ixs(list: &[u32]) -> Vec<EventIx> {
        list.iter().map(|i| EventIx(*i)).collect()
    }

    fn event(seq: u64, kind: EventKind, call: Option<&str>, tab: i64, at: f64) -> EventRecord {
        crate::fixtures::record(seq, kind, call, tab, at)
    }

    fn session() -> Vec<EventRecord> {
        use EventKind::*;
        vec![
            event(1, SupportRequested, None, 5, 1000.0),
            event(2, SupportRequestTaken, None, 5, 2000.0),
            event(3, CallRequested, Some("a"), 5, 3000.0),
            event(4, CallRequested, Some("a"), 6, 3010.0),
            event(5, CallAccepted, Some("a"), 5, 7200.0),
            event(6, CallEnded, Some("a"), 5, 9000.0),
            event(7, CallRequested, Some("b"), 6, 10_000.0),
            event(8, CallDenied, Some("b"), 6, 12_500.0),
            event(9, CallEnded, None, 7, 13_000.0),
        ]
    }

    fn log_of(events: &[EventRecord]) -> Data<'_> {
        Data {
            events,
            notes: &[],
            now: 20_000.0,
        }
    }

    #[test]
    fn model_points_at_the_right_events() {
        let events = session();
        let data = log_of(&events);
        let model = Model::build(data);
        assert_eq!(model.calls.len(), 2);
        let b = &model.calls[0];
        assert_eq!(b.call_id, "b");
        assert_eq!(b.deny_delay_ms, Some(2500.0));
        let a = model.call("a").unwrap();
        assert_eq!(a.accept_delay_ms, Some(4200.0));
        assert!(matches!(&a.steps[0].body, StepBody::FanOut(m) if m == &ixs(&[2, 3])));
        assert_eq!(
            a.sites(data.events),
            vec!["https://site5.example", "https://site6.example"]
        );
        assert_eq!(model.inbound.len(), 1);
        assert_eq!(model.inbound[0].events, ixs(&[0, 1]));
        assert_eq!(model.inbound[0].linked_call.as_deref(), Some("a"));
        assert_eq!(model.unassigned, ixs(&[8]));
    }

    /// A log of `n` events over three tabs, every kind, a few calls, some without a
    /// callId, times mostly rising (pseudo-random, the same every run).
    fn random_log(n: u64, seed: u64) -> Vec<EventRecord> {
        let mut x = seed;
        let mut next = move |m: u64| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) % m
        };
        let mut at = 1000.0;
        (1..=n)
            .map(|seq| {
                let kind = EventKind::ALL[next(8) as usize];
                let call = match next(10) {
                    0 => None,
                    k => Some(format!("c{}", (seq / 6 + k % 3) % 40)),
                };
                at += next(3000) as f64 - 200.0;
                event(seq, kind, call.as_deref(), 1 + next(3) as i64, at)
            })
            .collect()
    }

    fn assert_same(got: &Model, want: &Model, what: &str) {
        assert_eq!(got.calls, want.calls, "{what}: calls");
        assert_eq!(got.inbound, want.inbound, "{what}: inbound");
        assert_eq!(got.unassigned, want.unassigned, "{what}: unassigned");
        assert_eq!(got.tabs, want.tabs, "{what}: tab labels");
        for (i, c) in got.calls.iter().enumerate() {
            assert_eq!(got.call_position(&c.call_id), Some(i), "{what}: index");
        }
    }

    /// The live model, extended by each update with only what it added, equals the core's
    /// one-pass build over the whole log, wherever the updates split it.
    #[test]
    fn extending_equals_building_the_whole_log() {
        for seed in 1..=12 {
            let events = random_log(400, seed);
            let data = |n: usize| Data {
                events: &events[..n],
                notes: &[],
                now: 2_000_000.0,
            };
            let mut model = Model::build(data(0));
            let mut at = 0;
            let mut step = 1;
            while at < events.len() {
                at = (at + step).min(events.len());
                step = step * 3 % 97 + 1;
                model.extend(data(at), &HashSet::new(), &HashSet::new());
                assert_same(
                    &model,
                    &Model::from_core(data(at)),
                    &format!("seed {seed}, {at} events"),
                );
            }
        }
    }

    /// Judging the open calls and requests again at a later time equals a build at it.
    #[test]
    fn rejudging_the_open_ones_equals_a_build_later() {
        let events = session();
        let early = Data {
            events: &events[..4],
            notes: &[],
            now: 4_000.0,
        };
        let mut model = Model::build(early);
        let later = Data {
            now: 4_000_000.0,
            ..early
        };
        let (calls, tabs) = model.open_now();
        assert!(!calls.is_empty(), "a call is open");
        model.extend(later, &calls, &tabs);
        assert_same(&model, &Model::from_core(later), "rejudged");
        assert_ne!(
            Model::from_core(early).calls,
            model.calls,
            "the verdict changed"
        );
    }

    /// Each filter setting over the session and one anomalous call `c` (accepted with no
    /// request, in tab 5): (filters, shown calls, inbound requests, events without callId).
    #[test]
    fn filters_select_whole_groups() {
        use crate::filters::{Filters, TabScope};
        let mut events = session();
        events.push(crate::fixtures::titled(
            event(10, EventKind::CallAccepted, Some("c"), 5, 14_000.0),
            "Acme CRM",
        ));
        let data = log_of(&events);
        let model = Model::build(data);
        let labels = fvi_core::tabs::TabLabels::of(&events);
        let text = |t: &str| Filters {
            text: t.into(),
            ..Filters::default()
        };
        let problems = Filters {
            problems_only: true,
            ..Filters::default()
        };
        let cases: Vec<(Filters, &[&str], usize, usize)> = vec![
            (Filters::default(), &["c", "b", "a"], 1, 1),
            (
                Filters {
                    kind: Some(EventKind::CallDenied),
                    ..Filters::default()
                },
                &["b"],
                0,
                0,
            ),
            (
                Filters {
                    tab: TabScope::Tab(6),
                    ..Filters::default()
                },
                &["b", "a"],
                0,
                0,
            ),
            // State and type: b was denied.
            (text("DENIED"), &["b"], 0, 0),
            // A problem's words; a page title (c's tab is labelled by it, so the tab's
            // other calls and request match too).
            (text("no callRequested"), &["c"], 0, 0),
            (text("acme crm"), &["c", "a"], 1, 0),
            // The tab label's number: tab 7 is the log's third tab.
            (text("t3"), &[], 0, 1),
            (problems.clone(), &["c"], 0, 1),
            (
                Filters {
                    tab: TabScope::Tab(6),
                    ..problems
                },
                &[],
                0,
                0,
            ),
        ];
        for (filters, calls, inbound, unassigned) in cases {
            let shown = Shown::compute(&model, data, &filters.query(None, &labels));
            let ids: Vec<&str> = shown
                .calls
                .iter()
                .map(|i| model.calls[*i].call_id.as_str())
                .collect();
            assert_eq!(ids, calls, "{filters:?}");
            assert_eq!(shown.inbound.len(), inbound, "{filters:?}: inbound");
            assert_eq!(
                shown.unassigned.len(),
                unassigned,
                "{filters:?}: unassigned"
            );
        }
    }

    #[test]
    fn filters_mark_the_matching_steps() {
        let events = session();
        let data = log_of(&events);
        let model = Model::build(data);
        let filters = crate::filters::Filters {
            kind: Some(EventKind::CallDenied),
            ..Default::default()
        };
        let query = filters.query(None, &fvi_core::tabs::TabLabels::of(&events));
        let shown = Shown::compute(&model, data, &query);
        assert_eq!(shown.event_indices(&model), ixs(&[6, 7]));
        assert!(shown.is_match(EventIx(7)) && !shown.is_match(EventIx(6)));
    }
}
