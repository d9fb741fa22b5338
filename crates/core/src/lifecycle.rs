//! The two lifecycles Fullview's events describe, as explicit state machines: an outbound
//! call (`callRequested` → `callAccepted` → `callEnded`) and an inbound support request
//! (`supportRequested` → taken or cancelled). Also the [`Flag`]s raised where a log breaks
//! them. See `docs/lifecycle.md` for the tables this code implements.
//!
//! Pure: the timeline feeds events in time order with their time relative to the group's
//! first event; nothing here reads a clock.

use crate::event::EventKind;
use crate::record::EventRecord;
use serde::{Deserialize, Serialize};

/// Limits for the checks that depend on time passing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Thresholds {
    /// A call still `requested` (or an inbound request still open) this long after it was
    /// made, measured against `now`, is flagged as unanswered.
    pub unanswered_ms: f64,
    /// How long after an inbound request was taken a call in the same tab still counts as
    /// the call that answered it. Bounds the linking guess so an unrelated call hours later
    /// is not attributed to an old request.
    pub link_window_ms: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            unanswered_ms: 60_000.0,
            link_window_ms: 60_000.0,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Outbound call
// ---------------------------------------------------------------------------------------

/// Where a call is, after the events captured so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallState {
    /// Only inbound events carry this callId so far; no call event was captured.
    Unseen,
    /// An inbound request linked to this call was taken by an agent: the customer asked
    /// for the call, so it may start without a `callRequested`.
    Taken,
    /// The agent asked; the customer has not answered.
    Requested,
    Accepted,
    Denied,
    Ended,
}

impl CallState {
    pub const ALL: [CallState; 6] = [
        CallState::Unseen,
        CallState::Taken,
        CallState::Requested,
        CallState::Accepted,
        CallState::Denied,
        CallState::Ended,
    ];

    /// Stable name used in exports and test dumps.
    pub fn as_str(self) -> &'static str {
        match self {
            CallState::Unseen => "unseen",
            CallState::Taken => "taken",
            CallState::Requested => "requested",
            CallState::Accepted => "accepted",
            CallState::Denied => "denied",
            CallState::Ended => "ended",
        }
    }

    /// Plain words for people.
    pub fn label(self) -> &'static str {
        match self {
            CallState::Unseen => "no call event captured",
            CallState::Taken => "inbound request taken",
            CallState::Requested => "waiting for the customer",
            CallState::Accepted => "no end captured yet",
            CallState::Denied => "denied by the customer",
            CallState::Ended => "ended",
        }
    }

    /// Denied and ended calls are over; anything after them is suspicious.
    pub fn is_terminal(self) -> bool {
        matches!(self, CallState::Denied | CallState::Ended)
    }
}

/// What an event means to the call machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallInput {
    Requested,
    Accepted,
    Denied,
    Ended,
    /// A `supportRequestTaken` carrying this call's id.
    InboundTaken,
    /// Any other inbound event carrying this call's id: no effect except after the end.
    OtherInbound,
}

impl CallInput {
    pub const ALL: [CallInput; 6] = [
        CallInput::Requested,
        CallInput::Accepted,
        CallInput::Denied,
        CallInput::Ended,
        CallInput::InboundTaken,
        CallInput::OtherInbound,
    ];

    pub fn of(kind: EventKind) -> CallInput {
        match kind {
            EventKind::CallRequested => CallInput::Requested,
            EventKind::CallAccepted => CallInput::Accepted,
            EventKind::CallDenied => CallInput::Denied,
            EventKind::CallEnded => CallInput::Ended,
            EventKind::SupportRequestTaken => CallInput::InboundTaken,
            EventKind::SupportRequested
            | EventKind::SupportRequestCancelledByCustomer
            | EventKind::SupportRequestCancelledByAgent => CallInput::OtherInbound,
        }
    }
}

/// A broken rule found by [`call_transition`], before context (seq, time) is attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallAnomaly {
    AcceptedWithoutRequest,
    DeniedWithoutRequest,
    EndedWithoutStart,
    AcceptedAndDenied,
    AcceptedTwice,
    RequestedAfterAnswer,
    EventAfterEnd,
    TwoTerminalEvents,
}

impl CallAnomaly {
    /// The [`Flag::code`] this anomaly becomes.
    pub fn code(self) -> &'static str {
        match self {
            CallAnomaly::AcceptedWithoutRequest => "accepted-without-request",
            CallAnomaly::DeniedWithoutRequest => "denied-without-request",
            CallAnomaly::EndedWithoutStart => "ended-without-start",
            CallAnomaly::AcceptedAndDenied => "accepted-and-denied",
            CallAnomaly::AcceptedTwice => "accepted-twice",
            CallAnomaly::RequestedAfterAnswer => "requested-after-answer",
            CallAnomaly::EventAfterEnd => "event-after-end",
            CallAnomaly::TwoTerminalEvents => "two-terminal-events",
        }
    }
}

/// The call state machine. Rules (the table in `docs/lifecycle.md`):
/// - the normal path is Unseen/Taken → Requested → Accepted → Ended, or Requested → Denied;
/// - Requested → Ended is allowed without a flag: the agent may withdraw a request before
///   the customer answers, and Fullview reports that as `callEnded`;
/// - the first answer wins: a contradicting later answer is flagged and changes nothing;
/// - an answer with no request still moves the state (the log may have started late), but
///   is flagged.
pub fn call_transition(from: CallState, input: CallInput) -> (CallState, Option<CallAnomaly>) {
    use CallAnomaly as A;
    use CallInput as I;
    use CallState as S;
    match (from, input) {
        // The normal path. Repeated requests are the documented one-per-tab fan-out.
        (S::Unseen | S::Taken | S::Requested, I::Requested) => (S::Requested, None),
        (S::Taken | S::Requested, I::Accepted) => (S::Accepted, None),
        (S::Taken | S::Requested, I::Denied) => (S::Denied, None),
        (S::Taken | S::Requested | S::Accepted, I::Ended) => (S::Ended, None),
        (S::Unseen | S::Taken, I::InboundTaken) => (S::Taken, None),
        // Answers with nothing before them.
        (S::Unseen, I::Accepted) => (S::Accepted, Some(A::AcceptedWithoutRequest)),
        (S::Unseen, I::Denied) => (S::Denied, Some(A::DeniedWithoutRequest)),
        (S::Unseen, I::Ended) => (S::Ended, Some(A::EndedWithoutStart)),
        // After the customer answered.
        (S::Accepted | S::Denied, I::Requested) => (from, Some(A::RequestedAfterAnswer)),
        (S::Accepted, I::Accepted) => (from, Some(A::AcceptedTwice)),
        (S::Accepted, I::Denied) | (S::Denied, I::Accepted) => (from, Some(A::AcceptedAndDenied)),
        (S::Denied | S::Ended, I::Denied | I::Ended) => (from, Some(A::TwoTerminalEvents)),
        (S::Ended, I::Requested | I::Accepted | I::InboundTaken | I::OtherInbound) => {
            (from, Some(A::EventAfterEnd))
        }
        // A taken inbound request next to an outbound call that is already under way adds
        // nothing; the inbound machine judges the request itself.
        (S::Requested | S::Accepted | S::Denied, I::InboundTaken) => (from, None),
        (S::Unseen | S::Taken | S::Requested | S::Accepted | S::Denied, I::OtherInbound) => {
            (from, None)
        }
    }
}

// ---------------------------------------------------------------------------------------
// Inbound support request
// ---------------------------------------------------------------------------------------

/// Where an inbound request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InboundState {
    /// Nothing captured yet (only the start of the machine).
    Unseen,
    /// The customer asked; no agent or customer closed it yet.
    Requested,
    CancelledByCustomer,
    CancelledByAgent,
    Taken,
}

impl InboundState {
    pub const ALL: [InboundState; 5] = [
        InboundState::Unseen,
        InboundState::Requested,
        InboundState::CancelledByCustomer,
        InboundState::CancelledByAgent,
        InboundState::Taken,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InboundState::Unseen => "unseen",
            InboundState::Requested => "requested",
            InboundState::CancelledByCustomer => "cancelled-by-customer",
            InboundState::CancelledByAgent => "cancelled-by-agent",
            InboundState::Taken => "taken",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            InboundState::Unseen => "nothing captured",
            InboundState::Requested => "waiting for an agent",
            InboundState::CancelledByCustomer => "cancelled by the customer",
            InboundState::CancelledByAgent => "declined by the agent",
            InboundState::Taken => "taken by an agent",
        }
    }

    /// Taken and cancelled requests are closed: a new `supportRequested` starts a new one.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            InboundState::CancelledByCustomer
                | InboundState::CancelledByAgent
                | InboundState::Taken
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboundAnomaly {
    TakenWithoutRequest,
    CancelledWithoutRequest,
    CancelledAfterTaken,
    TakenAfterCancel,
    ClosedTwice,
    RequestedAgain,
}

impl InboundAnomaly {
    /// The [`Flag::code`] this anomaly becomes.
    pub fn code(self) -> &'static str {
        match self {
            InboundAnomaly::TakenWithoutRequest => "taken-without-request",
            InboundAnomaly::CancelledWithoutRequest => "cancelled-without-request",
            InboundAnomaly::CancelledAfterTaken => "cancelled-after-taken",
            InboundAnomaly::TakenAfterCancel => "taken-after-cancel",
            InboundAnomaly::ClosedTwice => "inbound-closed-twice",
            InboundAnomaly::RequestedAgain => "inbound-requested-again",
        }
    }
}

/// Result of [`inbound_transition`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboundStep {
    /// The event belongs to this request.
    Next(InboundState, Option<InboundAnomaly>),
    /// A `supportRequested` after the request closed: it opens a new request.
    NewRequest,
}

/// The inbound state machine (table in `docs/lifecycle.md`). First close wins, like calls.
/// Events that are not inbound leave it unchanged.
pub fn inbound_transition(from: InboundState, kind: EventKind) -> InboundStep {
    use EventKind as K;
    use InboundAnomaly as A;
    use InboundState as S;
    let closing = match kind {
        K::SupportRequestCancelledByCustomer => S::CancelledByCustomer,
        K::SupportRequestCancelledByAgent => S::CancelledByAgent,
        K::SupportRequestTaken => S::Taken,
        K::SupportRequested => {
            return match from {
                S::Unseen => InboundStep::Next(S::Requested, None),
                S::Requested => InboundStep::Next(S::Requested, Some(A::RequestedAgain)),
                _ => InboundStep::NewRequest,
            };
        }
        K::CallRequested | K::CallAccepted | K::CallDenied | K::CallEnded => {
            return InboundStep::Next(from, None);
        }
    };
    let (to, anomaly) = match (from, closing) {
        (S::Requested, _) => (closing, None),
        (S::Unseen, S::Taken) => (closing, Some(A::TakenWithoutRequest)),
        (S::Unseen, _) => (closing, Some(A::CancelledWithoutRequest)),
        (S::Taken, S::Taken) => (from, Some(A::ClosedTwice)),
        (S::Taken, _) => (from, Some(A::CancelledAfterTaken)),
        (_, S::Taken) => (from, Some(A::TakenAfterCancel)),
        _ => (from, Some(A::ClosedTwice)),
    };
    InboundStep::Next(to, anomaly)
}

// ---------------------------------------------------------------------------------------
// Flags
// ---------------------------------------------------------------------------------------

/// An earlier event a flag points back to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mark {
    pub seq: u64,
    /// Milliseconds after the group's first event.
    pub at: f64,
    pub kind: EventKind,
    pub tab: i64,
}

/// Something in a call or inbound request that breaks its lifecycle. Every flag names the
/// offending event (`seq`; for tab-closed flags the tab note's seq) and its time `at`,
/// milliseconds after the group's first event.
#[derive(Debug, Clone, PartialEq)]
pub enum Flag {
    AcceptedWithoutRequest {
        seq: u64,
        at: f64,
    },
    DeniedWithoutRequest {
        seq: u64,
        at: f64,
    },
    EndedWithoutStart {
        seq: u64,
        at: f64,
    },
    /// `kind` is the later, contradicting answer; `earlier` the first one.
    AcceptedAndDenied {
        seq: u64,
        at: f64,
        kind: EventKind,
        earlier: Mark,
    },
    AcceptedTwice {
        seq: u64,
        at: f64,
        tab: i64,
        earlier: Mark,
    },
    RequestedAfterAnswer {
        seq: u64,
        at: f64,
        tab: i64,
        earlier: Mark,
    },
    EventAfterEnd {
        seq: u64,
        at: f64,
        kind: EventKind,
        earlier: Mark,
    },
    TwoTerminalEvents {
        seq: u64,
        at: f64,
        kind: EventKind,
        tab: i64,
        earlier: Mark,
    },
    /// Still requested at `now`; `seq` is the request.
    Unanswered {
        seq: u64,
        at: f64,
        waited_ms: f64,
        threshold_ms: f64,
    },
    /// Accepted or denied in a tab that never got this call's `callRequested`.
    AnsweredInOtherTab {
        seq: u64,
        at: f64,
        kind: EventKind,
        tab: i64,
        requested_tabs: Vec<i64>,
    },
    /// A tab of a call that never ended was closed.
    TabClosedBeforeEnd {
        seq: u64,
        at: f64,
        tab: i64,
    },
    TakenWithoutRequest {
        seq: u64,
        at: f64,
        tab: i64,
    },
    CancelledWithoutRequest {
        seq: u64,
        at: f64,
        kind: EventKind,
        tab: i64,
    },
    CancelledAfterTaken {
        seq: u64,
        at: f64,
        kind: EventKind,
        earlier: Mark,
    },
    TakenAfterCancel {
        seq: u64,
        at: f64,
        earlier: Mark,
    },
    InboundClosedTwice {
        seq: u64,
        at: f64,
        kind: EventKind,
        earlier: Mark,
    },
    InboundRequestedAgain {
        seq: u64,
        at: f64,
        earlier: Mark,
    },
    /// Still open at `now`; `seq` is the `supportRequested`.
    InboundUnanswered {
        seq: u64,
        at: f64,
        waited_ms: f64,
        threshold_ms: f64,
    },
}

impl Flag {
    /// Every code [`Flag::code`] can return, for filters and documentation.
    pub const CODES: [&'static str; 18] = [
        "accepted-without-request",
        "denied-without-request",
        "ended-without-start",
        "accepted-and-denied",
        "accepted-twice",
        "requested-after-answer",
        "event-after-end",
        "two-terminal-events",
        "unanswered",
        "answered-in-other-tab",
        "tab-closed-before-end",
        "taken-without-request",
        "cancelled-without-request",
        "cancelled-after-taken",
        "taken-after-cancel",
        "inbound-closed-twice",
        "inbound-requested-again",
        "inbound-unanswered",
    ];

    /// Stable identifier, used in the export file and in filters. Never reworded.
    pub fn code(&self) -> &'static str {
        match self {
            Flag::AcceptedWithoutRequest { .. } => "accepted-without-request",
            Flag::DeniedWithoutRequest { .. } => "denied-without-request",
            Flag::EndedWithoutStart { .. } => "ended-without-start",
            Flag::AcceptedAndDenied { .. } => "accepted-and-denied",
            Flag::AcceptedTwice { .. } => "accepted-twice",
            Flag::RequestedAfterAnswer { .. } => "requested-after-answer",
            Flag::EventAfterEnd { .. } => "event-after-end",
            Flag::TwoTerminalEvents { .. } => "two-terminal-events",
            Flag::Unanswered { .. } => "unanswered",
            Flag::AnsweredInOtherTab { .. } => "answered-in-other-tab",
            Flag::TabClosedBeforeEnd { .. } => "tab-closed-before-end",
            Flag::TakenWithoutRequest { .. } => "taken-without-request",
            Flag::CancelledWithoutRequest { .. } => "cancelled-without-request",
            Flag::CancelledAfterTaken { .. } => "cancelled-after-taken",
            Flag::TakenAfterCancel { .. } => "taken-after-cancel",
            Flag::InboundClosedTwice { .. } => "inbound-closed-twice",
            Flag::InboundRequestedAgain { .. } => "inbound-requested-again",
            Flag::InboundUnanswered { .. } => "inbound-unanswered",
        }
    }

    /// The offending event's (or tab note's) seq.
    pub fn seq(&self) -> u64 {
        self.seq_at().0
    }

    /// Milliseconds after the group's first event.
    pub fn at(&self) -> f64 {
        self.seq_at().1
    }

    fn seq_at(&self) -> (u64, f64) {
        match self {
            Flag::AcceptedWithoutRequest { seq, at }
            | Flag::DeniedWithoutRequest { seq, at }
            | Flag::EndedWithoutStart { seq, at }
            | Flag::AcceptedAndDenied { seq, at, .. }
            | Flag::AcceptedTwice { seq, at, .. }
            | Flag::RequestedAfterAnswer { seq, at, .. }
            | Flag::EventAfterEnd { seq, at, .. }
            | Flag::TwoTerminalEvents { seq, at, .. }
            | Flag::Unanswered { seq, at, .. }
            | Flag::AnsweredInOtherTab { seq, at, .. }
            | Flag::TabClosedBeforeEnd { seq, at, .. }
            | Flag::TakenWithoutRequest { seq, at, .. }
            | Flag::CancelledWithoutRequest { seq, at, .. }
            | Flag::CancelledAfterTaken { seq, at, .. }
            | Flag::TakenAfterCancel { seq, at, .. }
            | Flag::InboundClosedTwice { seq, at, .. }
            | Flag::InboundRequestedAgain { seq, at, .. }
            | Flag::InboundUnanswered { seq, at, .. } => (*seq, *at),
        }
    }

    /// One sentence in plain words, for the popup and for tickets.
    pub fn message(&self) -> String {
        match self {
            Flag::AcceptedWithoutRequest { at, .. } => format!(
                "Accepted at {} but no callRequested was captured for this call",
                format_rel(*at)
            ),
            Flag::DeniedWithoutRequest { at, .. } => format!(
                "Denied at {} but no callRequested was captured for this call",
                format_rel(*at)
            ),
            Flag::EndedWithoutStart { at, .. } => format!(
                "Ended at {} but neither a callRequested, a callAccepted nor a taken inbound \
                 request was captured for this call",
                format_rel(*at)
            ),
            Flag::AcceptedAndDenied {
                at, kind, earlier, ..
            } => format!(
                "{} at {} although the call was already {} ({})",
                verb(*kind),
                format_rel(*at),
                past(earlier.kind),
                earlier.describe()
            ),
            Flag::AcceptedTwice {
                at, tab, earlier, ..
            } => format!(
                "Accepted again at {} in tab {tab}; it was first accepted in tab {} ({})",
                format_rel(*at),
                earlier.tab,
                earlier.describe()
            ),
            Flag::RequestedAfterAnswer {
                at, tab, earlier, ..
            } => format!(
                "Requested again at {} in tab {tab} after the customer had already answered \
                 ({} {})",
                format_rel(*at),
                earlier.kind.short(),
                earlier.describe()
            ),
            Flag::EventAfterEnd {
                at, kind, earlier, ..
            } => format!(
                "{} at {} came after the call ended ({})",
                kind.short(),
                format_rel(*at),
                earlier.describe()
            ),
            Flag::TwoTerminalEvents {
                at,
                kind,
                tab,
                earlier,
                ..
            } => format!(
                "{} at {} in tab {tab} although the call was already over ({} {} in tab {})",
                verb(*kind),
                format_rel(*at),
                earlier.kind.short(),
                earlier.describe(),
                earlier.tab
            ),
            Flag::Unanswered {
                at,
                waited_ms,
                threshold_ms,
                ..
            } => format!(
                "Requested at {} and still unanswered {} later (threshold {})",
                format_rel(*at),
                format_secs(*waited_ms),
                format_secs(*threshold_ms)
            ),
            Flag::AnsweredInOtherTab {
                at,
                kind,
                tab,
                requested_tabs,
                ..
            } => format!(
                "{} at {} in tab {tab}, which never received the callRequested (requested in \
                 {} {})",
                verb(*kind),
                format_rel(*at),
                if requested_tabs.len() == 1 {
                    "tab"
                } else {
                    "tabs"
                },
                join_ids(requested_tabs)
            ),
            Flag::TabClosedBeforeEnd { at, tab, .. } => format!(
                "Tab {tab} was closed at {} and no callEnded was captured for this call",
                format_rel(*at)
            ),
            Flag::TakenWithoutRequest { at, tab, .. } => format!(
                "Taken by an agent at {} in tab {tab} but no supportRequested was captured in \
                 that tab",
                format_rel(*at)
            ),
            Flag::CancelledWithoutRequest { at, kind, tab, .. } => format!(
                "{} at {} in tab {tab} but no supportRequested was captured in that tab",
                verb(*kind),
                format_rel(*at)
            ),
            Flag::CancelledAfterTaken {
                at, kind, earlier, ..
            } => format!(
                "{} at {} after the request was already taken ({})",
                verb(*kind),
                format_rel(*at),
                earlier.describe()
            ),
            Flag::TakenAfterCancel { at, earlier, .. } => format!(
                "Taken by an agent at {} after the request was already {} ({})",
                format_rel(*at),
                past(earlier.kind),
                earlier.describe()
            ),
            Flag::InboundClosedTwice {
                at, kind, earlier, ..
            } => format!(
                "{} at {} although the request was already {} ({})",
                verb(*kind),
                format_rel(*at),
                past(earlier.kind),
                earlier.describe()
            ),
            Flag::InboundRequestedAgain { at, earlier, .. } => format!(
                "Support requested again at {} while the earlier request ({}) was still open",
                format_rel(*at),
                earlier.describe()
            ),
            Flag::InboundUnanswered {
                at,
                waited_ms,
                threshold_ms,
                ..
            } => format!(
                "Support requested at {} and still open {} later (threshold {})",
                format_rel(*at),
                format_secs(*waited_ms),
                format_secs(*threshold_ms)
            ),
        }
    }
}

impl Mark {
    /// `#12 at +1.20 s`.
    pub fn describe(&self) -> String {
        format!("#{} at {}", self.seq, format_rel(self.at))
    }
}

/// "Accepted", "Denied", … : the event as the subject of a sentence.
fn verb(kind: EventKind) -> &'static str {
    match kind {
        EventKind::CallRequested => "Requested",
        EventKind::CallAccepted => "Accepted",
        EventKind::CallDenied => "Denied",
        EventKind::CallEnded => "Ended",
        EventKind::SupportRequested => "Support requested",
        EventKind::SupportRequestCancelledByCustomer => "Cancelled by the customer",
        EventKind::SupportRequestCancelledByAgent => "Cancelled by the agent",
        EventKind::SupportRequestTaken => "Taken by an agent",
    }
}

/// "accepted", "denied", … : the state an earlier event left behind.
fn past(kind: EventKind) -> &'static str {
    match kind {
        EventKind::CallRequested => "requested",
        EventKind::CallAccepted => "accepted",
        EventKind::CallDenied => "denied",
        EventKind::CallEnded => "ended",
        EventKind::SupportRequested => "requested",
        EventKind::SupportRequestCancelledByCustomer => "cancelled by the customer",
        EventKind::SupportRequestCancelledByAgent => "cancelled by the agent",
        EventKind::SupportRequestTaken => "taken",
    }
}

fn join_ids(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A time relative to a group's first event: `+1.24 s`. Hundredths keep fan-out gaps
/// visible without drowning the reader in digits.
pub fn format_rel(ms: f64) -> String {
    if !ms.is_finite() {
        return "+? s".to_string();
    }
    // Anything that rounds to zero shows as +0.00, never as -0.00.
    let sign = if ms <= -5.0 { "-" } else { "+" };
    format!("{sign}{:.2} s", (ms / 1000.0).abs())
}

/// A duration: `75.00 s`.
pub fn format_secs(ms: f64) -> String {
    if !ms.is_finite() {
        return "? s".to_string();
    }
    format!("{:.2} s", ms / 1000.0)
}

// ---------------------------------------------------------------------------------------
// Machines with context: they turn anomalies into flags
// ---------------------------------------------------------------------------------------

/// Runs [`call_transition`] over one call's events (fed in time order) and remembers what
/// the flag messages need to point back to.
#[derive(Debug, Clone)]
pub struct CallMachine {
    state: CallState,
    first_request: Option<Mark>,
    /// When the state last became `Requested` (for the unanswered check).
    requested_since: Option<Mark>,
    first_accept: Option<Mark>,
    /// The first accept or deny that moved the state.
    answer: Option<Mark>,
    /// The first deny or end that moved the state.
    terminal: Option<Mark>,
    flags: Vec<Flag>,
}

impl CallMachine {
    /// `taken` starts the call in [`CallState::Taken`]: a linked inbound request was taken.
    pub fn new(taken: bool) -> CallMachine {
        CallMachine {
            state: if taken {
                CallState::Taken
            } else {
                CallState::Unseen
            },
            first_request: None,
            requested_since: None,
            first_accept: None,
            answer: None,
            terminal: None,
            flags: Vec::new(),
        }
    }

    /// Feeds one event; `at` is milliseconds after the call's first event.
    pub fn feed(&mut self, event: &EventRecord, at: f64) {
        let mark = Mark {
            seq: event.seq,
            at,
            kind: event.kind,
            tab: event.tab_id,
        };
        let (to, anomaly) = call_transition(self.state, CallInput::of(event.kind));
        if let Some(anomaly) = anomaly {
            let flag = self.flag(anomaly, mark, event.tab_id);
            self.flags.push(flag);
        }
        if event.kind == EventKind::CallRequested && self.first_request.is_none() {
            self.first_request = Some(mark);
        }
        if event.kind == EventKind::CallAccepted && self.first_accept.is_none() {
            self.first_accept = Some(mark);
        }
        if to != self.state {
            match to {
                CallState::Requested => self.requested_since = Some(mark),
                CallState::Accepted => self.answer = Some(mark),
                CallState::Denied => {
                    self.answer = Some(mark);
                    self.terminal = Some(mark);
                }
                CallState::Ended => self.terminal = Some(mark),
                CallState::Unseen | CallState::Taken => {}
            }
        }
        self.state = to;
    }

    fn flag(&self, anomaly: CallAnomaly, mark: Mark, tab: i64) -> Flag {
        let (seq, at, kind) = (mark.seq, mark.at, mark.kind);
        // The earlier marks always exist when these anomalies fire (the state could only
        // be reached through them); falling back to the event itself keeps this total.
        let answer = self.answer.unwrap_or(mark);
        let terminal = self.terminal.unwrap_or(mark);
        match anomaly {
            CallAnomaly::AcceptedWithoutRequest => Flag::AcceptedWithoutRequest { seq, at },
            CallAnomaly::DeniedWithoutRequest => Flag::DeniedWithoutRequest { seq, at },
            CallAnomaly::EndedWithoutStart => Flag::EndedWithoutStart { seq, at },
            CallAnomaly::AcceptedAndDenied => Flag::AcceptedAndDenied {
                seq,
                at,
                kind,
                earlier: answer,
            },
            CallAnomaly::AcceptedTwice => Flag::AcceptedTwice {
                seq,
                at,
                tab,
                earlier: self.first_accept.unwrap_or(answer),
            },
            CallAnomaly::RequestedAfterAnswer => Flag::RequestedAfterAnswer {
                seq,
                at,
                tab,
                earlier: answer,
            },
            CallAnomaly::EventAfterEnd => Flag::EventAfterEnd {
                seq,
                at,
                kind,
                earlier: terminal,
            },
            CallAnomaly::TwoTerminalEvents => Flag::TwoTerminalEvents {
                seq,
                at,
                kind,
                tab,
                earlier: terminal,
            },
        }
    }

    pub fn state(&self) -> CallState {
        self.state
    }
    pub fn first_request(&self) -> Option<Mark> {
        self.first_request
    }
    pub fn first_accept(&self) -> Option<Mark> {
        self.first_accept
    }
    /// The accept or deny that counted (the first answer wins).
    pub fn answer(&self) -> Option<Mark> {
        self.answer
    }
    /// The deny or end that finished the call.
    pub fn terminal(&self) -> Option<Mark> {
        self.terminal
    }

    /// The flags found while feeding, plus [`Flag::Unanswered`] when the call is still
    /// requested `now`. `start` is the absolute time of the call's first event.
    pub fn finish(
        mut self,
        start: f64,
        now: f64,
        thresholds: &Thresholds,
    ) -> (CallState, Vec<Flag>) {
        if let (CallState::Requested, Some(since)) = (self.state, self.requested_since) {
            let waited = now - (start + since.at);
            if waited > thresholds.unanswered_ms {
                self.flags.push(Flag::Unanswered {
                    seq: since.seq,
                    at: since.at,
                    waited_ms: waited,
                    threshold_ms: thresholds.unanswered_ms,
                });
            }
        }
        (self.state, self.flags)
    }
}

/// Runs [`inbound_transition`] over one request's events in one tab.
#[derive(Debug, Clone)]
pub struct InboundMachine {
    state: InboundState,
    /// The `supportRequested` that opened the request, if captured.
    request: Option<Mark>,
    /// The first taken or cancel that closed it.
    close: Option<Mark>,
    flags: Vec<Flag>,
}

impl Default for InboundMachine {
    fn default() -> Self {
        InboundMachine::new()
    }
}

impl InboundMachine {
    pub fn new() -> InboundMachine {
        InboundMachine {
            state: InboundState::Unseen,
            request: None,
            close: None,
            flags: Vec::new(),
        }
    }

    /// Feeds one event; returns false (and changes nothing) when the event opens a new
    /// request instead. `at` is milliseconds after the request's first event.
    pub fn feed(&mut self, event: &EventRecord, at: f64) -> bool {
        let mark = Mark {
            seq: event.seq,
            at,
            kind: event.kind,
            tab: event.tab_id,
        };
        let (to, anomaly) = match inbound_transition(self.state, event.kind) {
            InboundStep::NewRequest => return false,
            InboundStep::Next(to, anomaly) => (to, anomaly),
        };
        if let Some(anomaly) = anomaly {
            let (seq, kind, tab) = (mark.seq, mark.kind, event.tab_id);
            let request = self.request.unwrap_or(mark);
            let close = self.close.unwrap_or(mark);
            self.flags.push(match anomaly {
                InboundAnomaly::TakenWithoutRequest => Flag::TakenWithoutRequest { seq, at, tab },
                InboundAnomaly::CancelledWithoutRequest => {
                    Flag::CancelledWithoutRequest { seq, at, kind, tab }
                }
                InboundAnomaly::CancelledAfterTaken => Flag::CancelledAfterTaken {
                    seq,
                    at,
                    kind,
                    earlier: close,
                },
                InboundAnomaly::TakenAfterCancel => Flag::TakenAfterCancel {
                    seq,
                    at,
                    earlier: close,
                },
                InboundAnomaly::ClosedTwice => Flag::InboundClosedTwice {
                    seq,
                    at,
                    kind,
                    earlier: close,
                },
                InboundAnomaly::RequestedAgain => Flag::InboundRequestedAgain {
                    seq,
                    at,
                    earlier: request,
                },
            });
        }
        if event.kind == EventKind::SupportRequested && self.request.is_none() {
            self.request = Some(mark);
        }
        if to.is_closed() && self.close.is_none() {
            self.close = Some(mark);
        }
        self.state = to;
        true
    }

    pub fn state(&self) -> InboundState {
        self.state
    }
    /// The event that closed the request, if any.
    pub fn close(&self) -> Option<Mark> {
        self.close
    }

    /// The flags found, plus [`Flag::InboundUnanswered`] when the request is still open
    /// `now`. `start` is the absolute time of the request's first event.
    pub fn finish(
        mut self,
        start: f64,
        now: f64,
        thresholds: &Thresholds,
    ) -> (InboundState, Vec<Flag>) {
        if let (InboundState::Requested, Some(request)) = (self.state, self.request) {
            let waited = now - (start + request.at);
            if waited > thresholds.unanswered_ms {
                self.flags.push(Flag::InboundUnanswered {
                    seq: request.seq,
                    at: request.at,
                    waited_ms: waited,
                    threshold_ms: thresholds.unanswered_ms,
                });
            }
        }
        (self.state, self.flags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn happy_call_paths_raise_nothing() {
        let paths: &[&[CallInput]] = &[
            &[
                CallInput::Requested,
                CallInput::Requested,
                CallInput::Accepted,
                CallInput::Ended,
            ],
            &[CallInput::Requested, CallInput::Denied],
            &[CallInput::Requested, CallInput::Ended],
            &[
                CallInput::InboundTaken,
                CallInput::Accepted,
                CallInput::Ended,
            ],
            &[
                CallInput::InboundTaken,
                CallInput::Requested,
                CallInput::Accepted,
            ],
            &[CallInput::InboundTaken, CallInput::Ended],
        ];
        for path in paths {
            let mut state = CallState::Unseen;
            for input in *path {
                let (to, anomaly) = call_transition(state, *input);
                assert_eq!(anomaly, None, "{state:?} + {input:?} in {path:?}");
                state = to;
            }
        }
    }

    #[test]
    fn terminal_states_stay_terminal_and_flag_every_call_event() {
        for from in [CallState::Denied, CallState::Ended] {
            for input in [
                CallInput::Requested,
                CallInput::Accepted,
                CallInput::Denied,
                CallInput::Ended,
            ] {
                let (to, anomaly) = call_transition(from, input);
                assert_eq!(to, from);
                assert!(anomaly.is_some(), "{from:?} + {input:?}");
            }
        }
    }

    #[test]
    fn only_call_events_leave_a_state_changed_by_other_inbound() {
        for from in CallState::ALL {
            let (to, _) = call_transition(from, CallInput::OtherInbound);
            assert_eq!(to, from);
        }
    }

    #[test]
    fn anomalies_become_flags_with_the_same_code() {
        let machine = CallMachine::new(false);
        let mark = Mark {
            seq: 1,
            at: 0.0,
            kind: EventKind::CallEnded,
            tab: 1,
        };
        for from in CallState::ALL {
            for input in CallInput::ALL {
                if let (_, Some(anomaly)) = call_transition(from, input) {
                    assert_eq!(machine.flag(anomaly, mark, 1).code(), anomaly.code());
                }
            }
        }
        let kinds = EventKind::ALL.into_iter().filter(|k| k.is_inbound());
        for kind in kinds {
            for from in InboundState::ALL {
                let mut machine = InboundMachine {
                    state: from,
                    request: None,
                    close: None,
                    flags: Vec::new(),
                };
                let event = crate::EventRecord {
                    seq: 1,
                    kind,
                    call_id: None,
                    tab_id: 1,
                    frame_id: 0,
                    url: String::new(),
                    top_url: None,
                    top_title: None,
                    captured_at: 0.0,
                    stored_at: 0.0,
                    detail: serde_json::Value::Null,
                    detail_truncated: false,
                    origin: crate::record::Origin {
                        document: String::new(),
                        n: 1,
                    },
                    fired: None,
                };
                if let InboundStep::Next(_, Some(anomaly)) = inbound_transition(from, kind) {
                    assert!(machine.feed(&event, 0.0));
                    assert_eq!(machine.flags[0].code(), anomaly.code());
                }
            }
        }
    }

    #[test]
    fn inbound_first_close_wins() {
        use InboundState as S;
        let mut state = S::Unseen;
        for (kind, want, anomaly) in [
            (EventKind::SupportRequested, S::Requested, None),
            (EventKind::SupportRequestTaken, S::Taken, None),
            (
                EventKind::SupportRequestCancelledByCustomer,
                S::Taken,
                Some(InboundAnomaly::CancelledAfterTaken),
            ),
            (
                EventKind::SupportRequestTaken,
                S::Taken,
                Some(InboundAnomaly::ClosedTwice),
            ),
        ] {
            match inbound_transition(state, kind) {
                InboundStep::Next(to, got) => {
                    assert_eq!((to, got), (want, anomaly), "{kind:?}");
                    state = to;
                }
                InboundStep::NewRequest => panic!("unexpected new request"),
            }
        }
        assert_eq!(
            inbound_transition(state, EventKind::SupportRequested),
            InboundStep::NewRequest
        );
    }

    #[test]
    fn relative_times_round_to_hundredths_without_negative_zero() {
        assert_eq!(format_rel(1240.0), "+1.24 s");
        assert_eq!(format_rel(0.0), "+0.00 s");
        assert_eq!(format_rel(-1.0), "+0.00 s");
        assert_eq!(format_rel(-1500.0), "-1.50 s");
        assert_eq!(format_rel(f64::NAN), "+? s");
        assert_eq!(format_secs(75_000.0), "75.00 s");
    }

    #[test]
    fn every_flag_has_a_distinct_code() {
        let m = Mark {
            seq: 1,
            at: 0.0,
            kind: EventKind::CallAccepted,
            tab: 1,
        };
        let k = EventKind::CallDenied;
        let flags = [
            Flag::AcceptedWithoutRequest { seq: 2, at: 0.0 },
            Flag::DeniedWithoutRequest { seq: 2, at: 0.0 },
            Flag::EndedWithoutStart { seq: 2, at: 0.0 },
            Flag::AcceptedAndDenied {
                seq: 2,
                at: 0.0,
                kind: k,
                earlier: m,
            },
            Flag::AcceptedTwice {
                seq: 2,
                at: 0.0,
                tab: 1,
                earlier: m,
            },
            Flag::RequestedAfterAnswer {
                seq: 2,
                at: 0.0,
                tab: 1,
                earlier: m,
            },
            Flag::EventAfterEnd {
                seq: 2,
                at: 0.0,
                kind: k,
                earlier: m,
            },
            Flag::TwoTerminalEvents {
                seq: 2,
                at: 0.0,
                kind: k,
                tab: 1,
                earlier: m,
            },
            Flag::Unanswered {
                seq: 2,
                at: 0.0,
                waited_ms: 1.0,
                threshold_ms: 1.0,
            },
            Flag::AnsweredInOtherTab {
                seq: 2,
                at: 0.0,
                kind: k,
                tab: 1,
                requested_tabs: vec![2],
            },
            Flag::TabClosedBeforeEnd {
                seq: 2,
                at: 0.0,
                tab: 1,
            },
            Flag::TakenWithoutRequest {
                seq: 2,
                at: 0.0,
                tab: 1,
            },
            Flag::CancelledWithoutRequest {
                seq: 2,
                at: 0.0,
                kind: k,
                tab: 1,
            },
            Flag::CancelledAfterTaken {
                seq: 2,
                at: 0.0,
                kind: k,
                earlier: m,
            },
            Flag::TakenAfterCancel {
                seq: 2,
                at: 0.0,
                earlier: m,
            },
            Flag::InboundClosedTwice {
                seq: 2,
                at: 0.0,
                kind: k,
                earlier: m,
            },
            Flag::InboundRequestedAgain {
                seq: 2,
                at: 0.0,
                earlier: m,
            },
            Flag::InboundUnanswered {
                seq: 2,
                at: 0.0,
                waited_ms: 1.0,
                threshold_ms: 1.0,
            },
        ];
        let mut codes: Vec<&str> = flags.iter().map(Flag::code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), flags.len());
        let mut listed = Flag::CODES.to_vec();
        listed.sort_unstable();
        assert_eq!(codes, listed);
        for flag in &flags {
            assert_eq!(flag.seq(), 2);
            assert!(!flag.message().is_empty());
        }
    }
}
