//! Groups a captured log into what the popup shows: [`Call`]s by callId, inbound support
//! requests ([`InboundRequest`]) per tab, and an `unassigned` bucket, so no event is ever
//! hidden. Also the event [`Filter`] and a compact text [`dump`] used by the fixture tests.
//!
//! A [`Timeline`] owns no events: it points into the log it was built from by index
//! ([`EventIx`], [`NoteIx`]), so a caller can keep it next to a log that grows, and look
//! an event up with [`EventIx::of`] (or `events[ix]` on a `&[EventRecord]`). A part of the
//! log is a selection of indices ([`build_selected`], [`filter_events`]), never a slice of
//! references: every function here takes the one type `&[EventRecord]`, so the popup's
//! wasm holds one copy of the grouping (a generic over both cost it 28 KB).
//!
//! Ordering rule: inside a call or request, events are judged in page time (`captured_at`,
//! ties broken by `seq`). `seq` is the order the background stored them in, and batches
//! from different tabs can arrive late, so seq order would invent anomalies across tabs.
//! All tabs of one browser share one clock, which makes page times comparable.

use crate::event::EventKind;
use crate::lifecycle::{
    format_rel, format_secs, CallMachine, CallState, Flag, FlagKind, InboundMachine, InboundState,
    Thresholds,
};
use crate::record::{EventRecord, TabNote, TabNoteKind};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Index;

/// Position of an event in the slice a timeline was built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventIx(pub u32);

/// Position of a tab note in the notes a timeline was built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NoteIx(pub u32);

impl EventIx {
    pub fn new(i: usize) -> EventIx {
        EventIx(u32::try_from(i).expect("fewer than 2^32 events"))
    }
    pub fn get(self) -> usize {
        self.0 as usize
    }
    /// The event in `events`, the log the timeline was built from.
    pub fn of(self, events: &[EventRecord]) -> &EventRecord {
        &events[self.get()]
    }
}

impl NoteIx {
    pub fn new(i: usize) -> NoteIx {
        NoteIx(u32::try_from(i).expect("fewer than 2^32 notes"))
    }
    pub fn get(self) -> usize {
        self.0 as usize
    }
}

impl Index<EventIx> for [EventRecord] {
    type Output = EventRecord;
    fn index(&self, ix: EventIx) -> &EventRecord {
        &self[ix.get()]
    }
}

impl Index<NoteIx> for [TabNote] {
    type Output = TabNote;
    fn index(&self, ix: NoteIx) -> &TabNote {
        &self[ix.get()]
    }
}

/// Everything the popup renders, built by [`build`]. Its indices point into the events and
/// notes it was built from.
#[derive(Debug, Clone)]
pub struct Timeline {
    /// Newest first (by start time).
    pub calls: Vec<Call>,
    /// Newest first (by start time).
    pub inbound: Vec<InboundRequest>,
    /// Call events without a callId: they belong to no call, but are never dropped. In seq
    /// order.
    pub unassigned: Vec<EventIx>,
    /// The `now` the unanswered checks were evaluated against.
    pub now: f64,
    pub thresholds: Thresholds,
}

/// One call: every event carrying its callId.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub call_id: String,
    /// In seq order.
    pub events: Vec<EventIx>,
    /// In time order: events (fan-out requests collapsed) and the notes of its tabs.
    pub steps: Vec<Step>,
    /// Tab ids, ascending.
    pub tabs: Vec<i64>,
    /// Time of the first event (ms since the epoch).
    pub start: f64,
    /// Time of the latest event.
    pub last_at: f64,
    /// Time of the deny or end that finished the call.
    pub end: Option<f64>,
    pub duration_ms: Option<f64>,
    /// First `callRequested` to the `callAccepted` that counted: how long the customer took.
    pub accept_delay_ms: Option<f64>,
    /// First `callRequested` to the `callDenied` that counted: how long the customer took
    /// to refuse. At most one of this and `accept_delay_ms` is set.
    pub deny_delay_ms: Option<f64>,
    pub state: CallState,
    /// In time order.
    pub flags: Vec<Flag>,
    /// Ids ([`InboundRequest::id`]) of inbound requests linked to this call.
    pub linked_inbound: Vec<u64>,
}

impl Call {
    /// Lowest seq of the call.
    pub fn first_seq(&self, events: &[EventRecord]) -> u64 {
        self.events.first().map_or(0, |ix| ix.of(events).seq)
    }

    /// Distinct URL origins ([`site_of`]), in the order they first appear. Computed on
    /// demand: it reads every event's URL, which a list of thousands of calls rarely needs.
    pub fn sites(&self, events: &[EventRecord]) -> Vec<String> {
        sites_of(
            self.steps
                .iter()
                .flat_map(Step::members)
                .map(|ix| ix.of(events)),
        )
    }

    pub fn seqs(&self, events: &[EventRecord]) -> Vec<u64> {
        self.events.iter().map(|ix| ix.of(events).seq).collect()
    }

    /// Flags pointing at event (or note) `seq`.
    pub fn flags_at(&self, seq: u64) -> impl Iterator<Item = &Flag> {
        self.flags.iter().filter(move |f| f.seq == seq)
    }
}

/// One row of a call's timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Absolute time (ms since the epoch) of the step's first member.
    pub at: f64,
    /// Milliseconds after the call's first event.
    pub rel_ms: f64,
    pub body: StepBody,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StepBody {
    /// One event.
    Event(EventIx),
    /// `callRequested` fired in several tabs (the documented fan-out): one member per tab,
    /// in time order. Always at least two members.
    FanOut(Vec<EventIx>),
    /// Something that happened to one of the call's tabs.
    Note(NoteIx),
}

impl Step {
    /// Member events: one, several for a fan-out, none for a note.
    pub fn members(&self) -> &[EventIx] {
        match &self.body {
            StepBody::Event(ix) => std::slice::from_ref(ix),
            StepBody::FanOut(members) => members,
            StepBody::Note(_) => &[],
        }
    }

    /// The member events themselves.
    pub fn events<'e>(&self, events: &'e [EventRecord]) -> Vec<&'e EventRecord> {
        self.members().iter().map(|ix| ix.of(events)).collect()
    }

    pub fn is_fan_out(&self) -> bool {
        matches!(self.body, StepBody::FanOut(_))
    }

    /// Plain words: "call requested by agent in 3 tabs", "call accepted by customer",
    /// "tab 4 closed".
    pub fn label(&self, events: &[EventRecord], notes: &[TabNote]) -> String {
        match &self.body {
            StepBody::Event(ix) => ix.of(events).kind.label().to_string(),
            StepBody::FanOut(members) => {
                format!(
                    "{} in {} tabs",
                    EventKind::CallRequested.label(),
                    members.len()
                )
            }
            StepBody::Note(ix) => note_label(&notes[*ix]),
        }
    }
}

fn note_label(note: &TabNote) -> String {
    match &note.kind {
        TabNoteKind::Closed => format!("tab {} closed", note.tab_id),
        TabNoteKind::Navigated { url } => format!("tab {} navigated to {url}", note.tab_id),
    }
}

/// An inbound (customer-initiated) support request in one tab.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundRequest {
    /// Seq of its first event: unique, stable across rebuilds, used in exports.
    pub id: u64,
    pub tab_id: i64,
    /// In time order.
    pub events: Vec<EventIx>,
    pub state: InboundState,
    pub start: f64,
    /// Time of the taken or cancel that closed it.
    pub end: Option<f64>,
    /// The call that answered it, by the linking rule (see `docs/lifecycle.md`).
    pub linked_call: Option<String>,
    pub flags: Vec<Flag>,
}

impl InboundRequest {
    /// Distinct URL origins, in the order they first appear.
    pub fn sites(&self, events: &[EventRecord]) -> Vec<String> {
        sites_of(self.events.iter().map(|ix| ix.of(events)))
    }

    pub fn seqs(&self, events: &[EventRecord]) -> Vec<u64> {
        let mut seqs: Vec<u64> = self.events.iter().map(|ix| ix.of(events).seq).collect();
        seqs.sort_unstable();
        seqs
    }
}

impl Timeline {
    pub fn call(&self, call_id: &str) -> Option<&Call> {
        self.calls.iter().find(|c| c.call_id == call_id)
    }

    pub fn inbound_request(&self, id: u64) -> Option<&InboundRequest> {
        self.inbound.iter().find(|r| r.id == id)
    }

    /// Flags over all calls and requests, for a badge.
    pub fn flag_count(&self) -> usize {
        self.calls.iter().map(|c| c.flags.len()).sum::<usize>()
            + self.inbound.iter().map(|r| r.flags.len()).sum::<usize>()
    }
}

/// Page time, then seq: the order lifecycles are judged in.
fn by_time(a: &EventRecord, b: &EventRecord) -> Ordering {
    a.captured_at
        .total_cmp(&b.captured_at)
        .then(a.seq.cmp(&b.seq))
}

/// Sorts indices into `events` by [`by_time`].
fn sort_by_time(list: &mut [EventIx], events: &[EventRecord]) {
    list.sort_by(|a, b| by_time(a.of(events), b.of(events)));
}

/// The origin of a URL (`https://shop.example:8443`), without credentials, path or query:
/// enough to tell sites apart without copying page data into summaries. Borrows from `url`
/// in the common case (already lower case, no credentials): it runs for every event.
pub fn site_of(url: &str) -> Cow<'_, str> {
    let url = url.trim_ascii();
    let lower = |s: &str| -> String { s.to_ascii_lowercase() };
    if let Some(i) = url.find("://") {
        let rest = &url[i + 3..];
        // Byte scan: these delimiters are ASCII, and char-pattern searches are slow here.
        let end = rest
            .bytes()
            .position(|b| matches!(b, b'/' | b'?' | b'#' | b'\\'))
            .unwrap_or(rest.len());
        let authority = &rest[..end];
        let origin = &url[..i + 3 + authority.len()];
        return match authority.rsplit_once('@') {
            Some((_, host)) => Cow::Owned(format!("{}://{}", lower(&url[..i]), lower(host))),
            None if origin.bytes().any(|b| b.is_ascii_uppercase()) => Cow::Owned(lower(origin)),
            None => Cow::Borrowed(origin),
        };
    }
    // Scheme-only URLs: `about:blank` says something, `data:…` could be huge.
    let Some(colon) = url.find(':') else {
        return Cow::Borrowed("");
    };
    let site = if url[..colon].eq_ignore_ascii_case("about") {
        &url[..url.find(['?', '#']).unwrap_or(url.len())]
    } else {
        &url[..=colon]
    };
    if site.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(lower(site))
    } else {
        Cow::Borrowed(site)
    }
}

/// A map keyed by tab id. Tab ids come from the browser, never from the page, so a fast
/// unkeyed hash is safe here; maps keyed by page-provided callIds keep the default SipHash,
/// which a hostile page cannot flood with collisions.
type TabMap<V> = HashMap<i64, V, BuildHasherDefault<TabHasher>>;

#[derive(Default)]
struct TabHasher(u64);

impl Hasher for TabHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_i64(&mut self, n: i64) {
        self.write_u64(n as u64);
    }
    fn write_u64(&mut self, n: u64) {
        // Multiply to spread low bits upwards, then fold the high bits back down: the table
        // uses both ends of the hash.
        let h = (self.0 ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 = h ^ (h >> 29);
    }
}

fn sites_of<'e>(events: impl IntoIterator<Item = &'e EventRecord>) -> Vec<String> {
    let mut sites: Vec<String> = Vec::new();
    for e in events {
        let site = site_of(&e.url);
        if !site.is_empty() && !sites.iter().any(|s| *s == site) {
            sites.push(site.into_owned());
        }
    }
    sites
}

/// Groups the whole log `events` and the tab `notes` into a [`Timeline`] whose indices
/// point into `events` and `notes`. `now` is only used for the unanswered checks.
/// One pass into hash maps, then a sort per group: linear apart from the sorts.
pub fn build(
    events: &[EventRecord],
    notes: &[TabNote],
    now: f64,
    thresholds: &Thresholds,
) -> Timeline {
    let all: Vec<EventIx> = (0..events.len()).map(EventIx::new).collect();
    build_selected(events, &all, notes, now, thresholds)
}

/// [`build`] over the events `selected` (indices into `events`, any order; a
/// [`filter_events`] result, or one call's events): the timeline's indices still point
/// into `events`, so the caller reads it with the log it already holds.
pub fn build_selected(
    events: &[EventRecord],
    selected: &[EventIx],
    notes: &[TabNote],
    now: f64,
    thresholds: &Thresholds,
) -> Timeline {
    let mut by_call: HashMap<&str, Vec<EventIx>> = HashMap::new();
    let mut inbound_by_tab: TabMap<Vec<EventIx>> = TabMap::default();
    // Events that can start a call, per tab: the candidates for linking inbound requests.
    let mut call_starts: TabMap<Vec<EventIx>> = TabMap::default();
    let mut unassigned = Vec::new();
    for &ix in selected {
        let e = ix.of(events);
        match e.call_id.as_deref() {
            Some(id) => {
                by_call.entry(id).or_default().push(ix);
                if starts_call(e) {
                    call_starts.entry(e.tab_id).or_default().push(ix);
                }
            }
            None if !e.kind.is_inbound() => unassigned.push(ix),
            None => {}
        }
        // Inbound events with a callId belong to that call and still take part here.
        if e.kind.is_inbound() {
            inbound_by_tab.entry(e.tab_id).or_default().push(ix);
        }
    }
    unassigned.sort_by_key(|ix| ix.of(events).seq);

    let mut inbound = Vec::new();
    for (tab, list) in inbound_by_tab {
        let starts = call_starts.remove(&tab).unwrap_or_default();
        inbound.extend(inbound_of_tab(events, tab, list, starts, now, thresholds));
    }

    // Which requests each call answered; a taken one lets the call start without a request.
    let mut links: HashMap<&str, Vec<(u64, InboundState)>> = HashMap::new();
    for r in &inbound {
        if let Some(call) = &r.linked_call {
            links.entry(call).or_default().push((r.id, r.state));
        }
    }

    let notes_by_tab = NotesByTab::new(notes);
    let mut calls: Vec<Call> = by_call
        .into_iter()
        .map(|(id, list)| {
            let linked = links.remove(id).unwrap_or_default();
            call(events, list, linked, &notes_by_tab, now, thresholds)
        })
        .collect();
    calls.sort_by(|a, b| {
        b.start
            .total_cmp(&a.start)
            .then_with(|| b.first_seq(events).cmp(&a.first_seq(events)))
    });
    inbound.sort_by(|a, b| b.start.total_cmp(&a.start).then(b.id.cmp(&a.id)));

    Timeline {
        calls,
        inbound,
        unassigned,
        now,
        thresholds: thresholds.clone(),
    }
}

// The parts of [`build`], for a caller that keeps a timeline up to date as events arrive
// (the popup): it regroups only the tabs and rebuilds only the calls that new events
// touched, with the same rules, since `build` itself is made of these.

/// One tab's inbound requests, each linked to a call: `inbound` are the tab's inbound
/// events and `starts` its events that can start a call ([`starts_call`]), both indices
/// into `events` in any order.
pub fn inbound_of_tab(
    events: &[EventRecord],
    tab: i64,
    mut inbound: Vec<EventIx>,
    mut starts: Vec<EventIx>,
    now: f64,
    thresholds: &Thresholds,
) -> Vec<InboundRequest> {
    sort_by_time(&mut inbound, events);
    sort_by_time(&mut starts, events);
    let mut out = Vec::new();
    group_inbound(events, tab, &inbound, &starts, now, thresholds, &mut out);
    out
}

/// Whether an event can start a call, for [`inbound_of_tab`]'s `starts`.
pub fn starts_call(e: &EventRecord) -> bool {
    e.call_id.is_some() && matches!(e.kind, EventKind::CallRequested | EventKind::CallAccepted)
}

/// The tab notes by tab, sorted, for [`call`].
pub struct NotesByTab<'a> {
    notes: &'a [TabNote],
    by_tab: TabMap<Vec<NoteIx>>,
}

impl<'a> NotesByTab<'a> {
    pub fn new(notes: &'a [TabNote]) -> NotesByTab<'a> {
        let mut by_tab: TabMap<Vec<NoteIx>> = TabMap::default();
        for (i, note) in notes.iter().enumerate() {
            by_tab.entry(note.tab_id).or_default().push(NoteIx::new(i));
        }
        for list in by_tab.values_mut() {
            list.sort_by(|a, b| {
                let (a, b) = (&notes[*a], &notes[*b]);
                a.at.total_cmp(&b.at).then(a.seq.cmp(&b.seq))
            });
        }
        NotesByTab { notes, by_tab }
    }
}

/// Splits one tab's inbound events (time order) into requests and links each to a call.
fn group_inbound(
    events: &[EventRecord],
    tab: i64,
    list: &[EventIx],
    starts: &[EventIx],
    now: f64,
    thresholds: &Thresholds,
    out: &mut Vec<InboundRequest>,
) {
    let mut groups: Vec<(InboundMachine, Vec<EventIx>)> = Vec::new();
    for &ix in list {
        let e = ix.of(events);
        if let Some((machine, members)) = groups.last_mut() {
            let start = members[0].of(events).captured_at;
            if machine.feed(e, e.captured_at - start) {
                members.push(ix);
                continue;
            }
        }
        let mut machine = InboundMachine::new();
        machine.feed(e, 0.0);
        groups.push((machine, vec![ix]));
    }
    let next_starts: Vec<Option<EventIx>> = groups
        .iter()
        .skip(1)
        .map(|(_, members)| Some(members[0]))
        .chain([None])
        .collect();
    for ((machine, members), next) in groups.into_iter().zip(next_starts) {
        let first = members[0].of(events);
        let start = first.captured_at;
        let close = machine.close().map(|m| (m.kind, start + m.at, m.seq));
        let linked_call = link(events, &members, close, next, starts, thresholds);
        let (state, flags) = machine.finish(start, now, thresholds);
        out.push(InboundRequest {
            id: first.seq,
            tab_id: tab,
            state,
            start,
            end: close.map(|(_, at, _)| at),
            linked_call: linked_call.map(str::to_string),
            flags,
            events: members,
        });
    }
}

/// The linking rule (`docs/lifecycle.md`): a callId on one of the request's own events
/// wins; otherwise the first `callRequested`/`callAccepted` with a callId in the same tab
/// at or after the request's first event, if it comes before the tab's next request and
/// while the request was open (or within the link window after it was taken).
fn link<'e>(
    events: &'e [EventRecord],
    members: &[EventIx],
    close: Option<(EventKind, f64, u64)>,
    next: Option<EventIx>,
    starts: &[EventIx],
    thresholds: &Thresholds,
) -> Option<&'e str> {
    if let Some(id) = members
        .iter()
        .find_map(|ix| ix.of(events).call_id.as_deref())
    {
        return Some(id);
    }
    let first = members[0].of(events);
    let from = starts.partition_point(|s| by_time(s.of(events), first) == Ordering::Less);
    let candidate = starts[from..].first()?.of(events);
    if next.is_some_and(|n| by_time(candidate, n.of(events)) != Ordering::Less) {
        return None;
    }
    let fits = match close {
        None => true,
        Some((EventKind::SupportRequestTaken, at, _)) => {
            candidate.captured_at <= at + thresholds.link_window_ms
        }
        // Cancelled: only a call that came while the request was still open answered it.
        Some((_, at, seq)) => (candidate.captured_at, candidate.seq) < (at, seq),
    };
    if fits {
        candidate.call_id.as_deref()
    } else {
        None
    }
}

/// One call from all its events (indices into `events`, any order) and the requests
/// linked to it (their ids and states, from [`inbound_of_tab`]'s `linked_call`).
pub fn call(
    events: &[EventRecord],
    mut members: Vec<EventIx>,
    linked: Vec<(u64, InboundState)>,
    notes_by_tab: &NotesByTab,
    now: f64,
    thresholds: &Thresholds,
) -> Call {
    let ev = |ix: &EventIx| ix.of(events);
    let mut ordered = members.clone();
    sort_by_time(&mut ordered, events);
    members.sort_by_key(|ix| ev(ix).seq);
    let first = ev(&ordered[0]);
    let call_id = first.call_id.clone().unwrap_or_default();
    let start = first.captured_at;
    let last_at = ev(&ordered[ordered.len() - 1]).captured_at;

    let mut machine = CallMachine::new(linked.iter().any(|(_, s)| *s == InboundState::Taken));
    for ix in &ordered {
        let e = ev(ix);
        machine.feed(e, e.captured_at - start);
    }
    // Only an accept that counted: one after a deny (a flagged contradiction) is no delay.
    // The same for a deny that counted, so the popup and the Markdown need not work it out.
    let delay_until = |answer: EventKind| match (machine.first_request(), machine.answer()) {
        (Some(req), Some(ans)) if ans.kind == answer && ans.at >= req.at => Some(ans.at - req.at),
        _ => None,
    };
    let accept_delay_ms = delay_until(EventKind::CallAccepted);
    let deny_delay_ms = delay_until(EventKind::CallDenied);
    let end = machine.terminal().map(|t| start + t.at);
    let (state, mut flags) = machine.finish(start, now, thresholds);

    let mut requested_tabs: Vec<i64> = ordered
        .iter()
        .map(ev)
        .filter(|e| e.kind == EventKind::CallRequested)
        .map(|e| e.tab_id)
        .collect();
    requested_tabs.sort_unstable();
    requested_tabs.dedup();
    if !requested_tabs.is_empty() {
        for e in ordered.iter().map(ev) {
            if matches!(e.kind, EventKind::CallAccepted | EventKind::CallDenied)
                && requested_tabs.binary_search(&e.tab_id).is_err()
            {
                flags.push(Flag {
                    seq: e.seq,
                    at: e.captured_at - start,
                    kind: FlagKind::AnsweredInOtherTab {
                        kind: e.kind,
                        tab: e.tab_id,
                        requested_tabs: requested_tabs.clone(),
                    },
                });
            }
        }
    }

    let mut tabs: Vec<i64> = ordered.iter().map(|ix| ev(ix).tab_id).collect();
    tabs.sort_unstable();
    tabs.dedup();

    // Notes of the call's tabs while it ran; for a call that never finished, also the first
    // note after its last event, which often explains why it stopped.
    let all_notes = notes_by_tab.notes;
    let window_end = end.unwrap_or(last_at);
    let mut notes: Vec<NoteIx> = Vec::new();
    for tab in &tabs {
        let Some(list) = notes_by_tab.by_tab.get(tab) else {
            continue;
        };
        let from = list.partition_point(|n| all_notes[*n].at < start);
        let to = list.partition_point(|n| all_notes[*n].at <= window_end);
        notes.extend(&list[from..to]);
        if end.is_none() {
            notes.extend(list.get(to));
        }
        // A closed tab explains a call that is still live in the log; the note is shown
        // as a step too, so the flag points at something visible.
        if matches!(
            state,
            CallState::Taken | CallState::Requested | CallState::Accepted
        ) {
            if let Some(closed) = list[from..]
                .iter()
                .find(|n| all_notes[**n].kind == TabNoteKind::Closed)
            {
                let note = &all_notes[*closed];
                flags.push(Flag {
                    seq: note.seq,
                    at: note.at - start,
                    kind: FlagKind::TabClosedBeforeEnd { tab: *tab },
                });
                notes.push(*closed);
            }
        }
    }
    notes.sort_by(|a, b| {
        let (a, b) = (&all_notes[*a], &all_notes[*b]);
        a.at.total_cmp(&b.at).then(a.seq.cmp(&b.seq))
    });
    notes.dedup_by_key(|n| all_notes[*n].seq);
    flags.sort_by(|a, b| a.at.total_cmp(&b.at).then(a.seq.cmp(&b.seq)));

    let mut linked_inbound: Vec<u64> = linked.into_iter().map(|(id, _)| id).collect();
    linked_inbound.sort_unstable();

    Call {
        call_id,
        steps: steps_of(events, &ordered, all_notes, &notes, start),
        events: members,
        tabs,
        start,
        last_at,
        end,
        duration_ms: end.map(|end| end - start),
        accept_delay_ms,
        deny_delay_ms,
        state,
        flags,
        linked_inbound,
    }
}

/// Merges events and notes by time. Consecutive `callRequested` events from tabs not yet in
/// the current step are the documented one-per-tab fan-out and collapse into one step.
fn steps_of(
    events: &[EventRecord],
    ordered: &[EventIx],
    all_notes: &[TabNote],
    notes: &[NoteIx],
    start: f64,
) -> Vec<Step> {
    let note_step = |ix: NoteIx| {
        let at = all_notes[ix].at;
        Step {
            at,
            rel_ms: at - start,
            body: StepBody::Note(ix),
        }
    };
    let mut steps: Vec<Step> = Vec::with_capacity(ordered.len() + notes.len());
    let mut notes = notes.iter().peekable();
    for &ix in ordered {
        let e = ix.of(events);
        while let Some(note) = notes.next_if(|n| all_notes[**n].at < e.captured_at) {
            steps.push(note_step(*note));
        }
        if e.kind == EventKind::CallRequested {
            if let Some(last) = steps.last_mut() {
                let members = last.members();
                let joins = members
                    .first()
                    .is_some_and(|m| m.of(events).kind == EventKind::CallRequested)
                    && members.iter().all(|m| m.of(events).tab_id != e.tab_id);
                if joins {
                    match &mut last.body {
                        StepBody::Event(first) => last.body = StepBody::FanOut(vec![*first, ix]),
                        StepBody::FanOut(members) => members.push(ix),
                        StepBody::Note(_) => {}
                    }
                    continue;
                }
            }
        }
        steps.push(Step {
            at: e.captured_at,
            rel_ms: e.captured_at - start,
            body: StepBody::Event(ix),
        });
    }
    steps.extend(notes.map(|n| note_step(*n)));
    steps
}

// ---------------------------------------------------------------------------------------
// Filter
// ---------------------------------------------------------------------------------------

/// What the popup's filter bar selects. Empty fields select everything.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Filter {
    pub tab: Option<i64>,
    /// `None` is every kind; an empty set selects nothing.
    pub kinds: Option<BTreeSet<EventKind>>,
    /// Case-insensitive substring of the callId, URL or top-level URL; trimmed.
    pub text: String,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        self.tab.is_none() && self.kinds.is_none() && self.text.trim().is_empty()
    }

    pub fn matches(&self, event: &EventRecord) -> bool {
        self.matches_with(event, &self.text.trim().to_lowercase())
    }

    fn matches_with(&self, e: &EventRecord, needle: &str) -> bool {
        if self.tab.is_some_and(|tab| tab != e.tab_id) {
            return false;
        }
        if self
            .kinds
            .as_ref()
            .is_some_and(|kinds| !kinds.contains(&e.kind))
        {
            return false;
        }
        needle.is_empty()
            || e.call_id
                .as_deref()
                .is_some_and(|id| contains_ci(id, needle))
            || contains_ci(&e.url, needle)
            || e.top_url
                .as_deref()
                .is_some_and(|url| contains_ci(url, needle))
    }
}

/// The events `filter` selects, as indices into `events` in their original order. Group
/// them with [`build`] over the selected events. Note that lifecycle flags are judged on
/// what is grouped: filtering out a kind (say `callRequested`) makes the remaining answers
/// look unrequested.
pub fn filter_events(events: &[EventRecord], filter: &Filter) -> Vec<EventIx> {
    let needle = filter.text.trim().to_lowercase();
    events
        .iter()
        .enumerate()
        .filter(|(_, e)| filter.matches_with(e, &needle))
        .map(|(i, _)| EventIx::new(i))
        .collect()
}

/// `needle` is already lower case. ASCII needles compare bytes without allocating: ASCII
/// bytes never occur inside a multi-byte UTF-8 character, so this cannot match half a char.
pub(crate) fn contains_ci(hay: &str, needle: &str) -> bool {
    if needle.is_ascii() {
        let (h, n) = (hay.as_bytes(), needle.as_bytes());
        return n.len() <= h.len() && h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n));
    }
    hay.to_lowercase().contains(needle)
}

// ---------------------------------------------------------------------------------------
// Debug dump
// ---------------------------------------------------------------------------------------

/// A compact, deterministic text rendering of a timeline for tests and bug reports, with
/// the events and notes it was built from.
pub fn dump(timeline: &Timeline, events: &[EventRecord], notes: &[TabNote]) -> String {
    let ev = |ix: &EventIx| ix.of(events);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "calls={} inbound={} unassigned={}",
        timeline.calls.len(),
        timeline.inbound.len(),
        timeline.unassigned.len()
    );
    for call in &timeline.calls {
        let _ = write!(
            out,
            "call {} state={} tabs={:?} sites=[{}] start={}",
            call.call_id.escape_debug(),
            call.state.as_str(),
            call.tabs,
            call.sites(events).join(", "),
            call.start
        );
        if let Some(end) = call.end {
            let _ = write!(out, " end={end}");
        }
        if let Some(d) = call.duration_ms {
            let _ = write!(out, " duration={}", format_secs(d));
        }
        if let Some(d) = call.accept_delay_ms {
            let _ = write!(out, " acceptDelay={}", format_secs(d));
        }
        if let Some(d) = call.deny_delay_ms {
            let _ = write!(out, " denyDelay={}", format_secs(d));
        }
        let _ = writeln!(out, " seqs={:?}", call.seqs(events));
        for step in &call.steps {
            let _ = write!(out, "  {:>9}  ", format_rel(step.rel_ms));
            match &step.body {
                StepBody::FanOut(members) => {
                    let members: Vec<String> = members
                        .iter()
                        .map(ev)
                        .map(|e| {
                            format!(
                                "#{} tab {} {}",
                                e.seq,
                                e.tab_id,
                                format_rel(e.captured_at - call.start)
                            )
                        })
                        .collect();
                    let _ = writeln!(
                        out,
                        "{} x{}: {}",
                        EventKind::CallRequested.short(),
                        members.len(),
                        members.join(", ")
                    );
                }
                StepBody::Event(ix) => {
                    let _ = writeln!(out, "{}", event_line(ev(ix), false));
                }
                StepBody::Note(ix) => {
                    let note = &notes[*ix];
                    let _ = writeln!(
                        out,
                        "note #{} {}",
                        note.seq,
                        note_label(note).escape_debug()
                    );
                }
            }
        }
        dump_flags(&mut out, &call.flags);
        if !call.linked_inbound.is_empty() {
            let ids: Vec<String> = call
                .linked_inbound
                .iter()
                .map(|id| format!("#{id}"))
                .collect();
            let _ = writeln!(out, "  linked inbound {}", ids.join(", "));
        }
    }
    for req in &timeline.inbound {
        let _ = write!(
            out,
            "inbound #{} tab={} state={} sites=[{}] start={}",
            req.id,
            req.tab_id,
            req.state.as_str(),
            req.sites(events).join(", "),
            req.start
        );
        if let Some(end) = req.end {
            let _ = write!(out, " end={end}");
        }
        if let Some(call) = &req.linked_call {
            let _ = write!(out, " linked={}", call.escape_debug());
        }
        let _ = writeln!(out, " seqs={:?}", req.seqs(events));
        for e in req.events.iter().map(ev) {
            let _ = writeln!(
                out,
                "  {:>9}  {}",
                format_rel(e.captured_at - req.start),
                event_line(e, true)
            );
        }
        dump_flags(&mut out, &req.flags);
    }
    if !timeline.unassigned.is_empty() {
        let _ = writeln!(out, "unassigned");
        for e in timeline.unassigned.iter().map(ev) {
            let _ = writeln!(out, "  at={}  {}", e.captured_at, event_line(e, false));
        }
    }
    out
}

fn event_line(e: &EventRecord, with_call: bool) -> String {
    let mut line = format!(
        "#{} {} tab {}/{}",
        e.seq,
        e.kind.short(),
        e.tab_id,
        e.frame_id
    );
    if let (true, Some(id)) = (with_call, &e.call_id) {
        let _ = write!(line, " call={}", id.escape_debug());
    }
    line
}

fn dump_flags(out: &mut String, flags: &[Flag]) {
    for flag in flags {
        let _ = writeln!(out, "  ! {} #{}: {}", flag.code(), flag.seq, flag.message());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sites_are_origins_without_credentials() {
        assert_eq!(
            site_of("https://shop.example/cart?x=1"),
            "https://shop.example"
        );
        assert_eq!(
            site_of("HTTPS://Shop.Example:8443#top"),
            "https://shop.example:8443"
        );
        assert_eq!(
            site_of("https://user:secret@shop.example/"),
            "https://shop.example"
        );
        assert_eq!(site_of("about:blank"), "about:blank");
        assert_eq!(site_of("data:text/html,<b>hi</b>"), "data:");
        assert_eq!(site_of(""), "");
    }

    #[test]
    fn case_insensitive_search_handles_unicode() {
        assert!(contains_ci("https://SHOP.example/", "shop"));
        assert!(contains_ci("Grüße-Call", "grüße"));
        assert!(!contains_ci("ab", "abc"));
    }
}
