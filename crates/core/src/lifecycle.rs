//! The two lifecycles Fullview's events describe, as explicit state machines: an outbound
//! call (`callRequested` → `callAccepted` → `callEnded`) and an inbound support request
//! (`supportRequested` → taken or cancelled). Also the [`Flag`]s raised where a log breaks
//! them. See `docs/lifecycle.md` for the tables this code implements.
//!
//! Pure: the timeline feeds events in time order with their time relative to the group's
//! first event; nothing here reads a clock.

use crate::event::EventKind;
use crate::record::EventRecord;
use crate::time::{readable_duration, readable_rel};
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
    /// The [`FlagCode`] this anomaly becomes.
    pub fn code(self) -> FlagCode {
        match self {
            CallAnomaly::AcceptedWithoutRequest => FlagCode::AcceptedWithoutRequest,
            CallAnomaly::DeniedWithoutRequest => FlagCode::DeniedWithoutRequest,
            CallAnomaly::EndedWithoutStart => FlagCode::EndedWithoutStart,
            CallAnomaly::AcceptedAndDenied => FlagCode::AcceptedAndDenied,
            CallAnomaly::AcceptedTwice => FlagCode::AcceptedTwice,
            CallAnomaly::RequestedAfterAnswer => FlagCode::RequestedAfterAnswer,
            CallAnomaly::EventAfterEnd => FlagCode::EventAfterEnd,
            CallAnomaly::TwoTerminalEvents => FlagCode::TwoTerminalEvents,
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
    /// The [`FlagCode`] this anomaly becomes.
    pub fn code(self) -> FlagCode {
        match self {
            InboundAnomaly::TakenWithoutRequest => FlagCode::TakenWithoutRequest,
            InboundAnomaly::CancelledWithoutRequest => FlagCode::CancelledWithoutRequest,
            InboundAnomaly::CancelledAfterTaken => FlagCode::CancelledAfterTaken,
            InboundAnomaly::TakenAfterCancel => FlagCode::TakenAfterCancel,
            InboundAnomaly::ClosedTwice => FlagCode::InboundClosedTwice,
            InboundAnomaly::RequestedAgain => FlagCode::InboundRequestedAgain,
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

/// Something in a call or inbound request that breaks its lifecycle: the offending event
/// (`seq`; for tab-closed flags the tab note's seq), its time `at`, milliseconds after the
/// group's first event, and what is wrong (`kind`).
#[derive(Debug, Clone, PartialEq)]
pub struct Flag {
    pub seq: u64,
    pub at: f64,
    pub kind: FlagKind,
}

/// Declares [`FlagKind`] and its fieldless twin [`FlagCode`] from one list, so a kind
/// cannot exist without its own code, and [`FlagCode::ALL`] cannot miss one.
macro_rules! flag_kinds {
    ($(
        $(#[$doc:meta])*
        $name:ident $({ $($field:ident: $ty:ty),* $(,)? })? => $code:literal,
    )*) => {
        /// What a [`Flag`] found, with what its message needs to point back to.
        #[derive(Debug, Clone, PartialEq)]
        pub enum FlagKind {
            $($(#[$doc])* $name $({ $($field: $ty),* })?,)*
        }

        /// A [`FlagKind`] without its data: what the UI and filters match on.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum FlagCode {
            $($name,)*
        }

        impl FlagCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [FlagCode] = &[$(FlagCode::$name,)*];

            /// Stable identifier, used in the export file and in filters. Never reworded.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(FlagCode::$name => $code,)*
                }
            }
        }

        impl FlagKind {
            pub fn code(&self) -> FlagCode {
                match self {
                    $(FlagKind::$name { .. } => FlagCode::$name,)*
                }
            }
        }
    };
}

flag_kinds! {
    AcceptedWithoutRequest => "accepted-without-request",
    DeniedWithoutRequest => "denied-without-request",
    EndedWithoutStart => "ended-without-start",
    /// `kind` is the later, contradicting answer; `earlier` the first one.
    AcceptedAndDenied { kind: EventKind, earlier: Mark } => "accepted-and-denied",
    AcceptedTwice { tab: i64, earlier: Mark } => "accepted-twice",
    RequestedAfterAnswer { tab: i64, earlier: Mark } => "requested-after-answer",
    EventAfterEnd { kind: EventKind, earlier: Mark } => "event-after-end",
    TwoTerminalEvents { kind: EventKind, tab: i64, earlier: Mark } => "two-terminal-events",
    /// Still requested at `now`; the flag's `seq` is the request.
    Unanswered { waited_ms: f64, threshold_ms: f64 } => "unanswered",
    /// Accepted or denied in a tab that never got this call's `callRequested`.
    AnsweredInOtherTab { kind: EventKind, tab: i64, requested_tabs: Vec<i64> }
        => "answered-in-other-tab",
    /// A tab of a call that never ended was closed.
    TabClosedBeforeEnd { tab: i64 } => "tab-closed-before-end",
    TakenWithoutRequest { tab: i64 } => "taken-without-request",
    CancelledWithoutRequest { kind: EventKind, tab: i64 } => "cancelled-without-request",
    CancelledAfterTaken { kind: EventKind, earlier: Mark } => "cancelled-after-taken",
    TakenAfterCancel { earlier: Mark } => "taken-after-cancel",
    InboundClosedTwice { kind: EventKind, earlier: Mark } => "inbound-closed-twice",
    InboundRequestedAgain { earlier: Mark } => "inbound-requested-again",
    /// Still open at `now`; the flag's `seq` is the `supportRequested`.
    InboundUnanswered { waited_ms: f64, threshold_ms: f64 } => "inbound-unanswered",
}

impl std::fmt::Display for FlagCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Flag {
    pub fn code(&self) -> FlagCode {
        self.kind.code()
    }

    /// One sentence in plain words, for the popup and for tickets; times in the unit that
    /// fits (`crate::time`), as everywhere a person reads them.
    pub fn message(&self) -> String {
        let at = readable_rel(self.at);
        match &self.kind {
            FlagKind::AcceptedWithoutRequest => {
                format!("Accepted at {at} but no callRequested was captured for this call")
            }
            FlagKind::DeniedWithoutRequest => {
                format!("Denied at {at} but no callRequested was captured for this call")
            }
            FlagKind::EndedWithoutStart => format!(
                "Ended at {at} but neither a callRequested, a callAccepted nor a taken inbound \
                 request was captured for this call"
            ),
            FlagKind::AcceptedAndDenied { kind, earlier } => format!(
                "{} at {at} although the call was already {} ({})",
                verb(*kind),
                past(earlier.kind),
                earlier.describe()
            ),
            FlagKind::AcceptedTwice { tab, earlier } => format!(
                "Accepted again at {at} in tab {tab}; it was first accepted in tab {} ({})",
                earlier.tab,
                earlier.describe()
            ),
            FlagKind::RequestedAfterAnswer { tab, earlier } => format!(
                "Requested again at {at} in tab {tab} after the customer had already answered \
                 ({} {})",
                earlier.kind.short(),
                earlier.describe()
            ),
            FlagKind::EventAfterEnd { kind, earlier } => format!(
                "{} at {at} came after the call ended ({})",
                kind.short(),
                earlier.describe()
            ),
            FlagKind::TwoTerminalEvents { kind, tab, earlier } => format!(
                "{} at {at} in tab {tab} although the call was already over ({} {} in tab {})",
                verb(*kind),
                earlier.kind.short(),
                earlier.describe(),
                earlier.tab
            ),
            FlagKind::Unanswered {
                waited_ms,
                threshold_ms,
            } => format!(
                "Requested at {at} and still unanswered {} later (threshold {})",
                readable_duration(*waited_ms),
                readable_duration(*threshold_ms)
            ),
            FlagKind::AnsweredInOtherTab {
                kind,
                tab,
                requested_tabs,
            } => format!(
                "{} at {at} in tab {tab}, which never received the callRequested (requested in \
                 {} {})",
                verb(*kind),
                if requested_tabs.len() == 1 {
                    "tab"
                } else {
                    "tabs"
                },
                join_ids(requested_tabs)
            ),
            FlagKind::TabClosedBeforeEnd { tab } => {
                format!("Tab {tab} was closed at {at} and no callEnded was captured for this call")
            }
            FlagKind::TakenWithoutRequest { tab } => format!(
                "Taken by an agent at {at} in tab {tab} but no supportRequested was captured in \
                 that tab"
            ),
            FlagKind::CancelledWithoutRequest { kind, tab } => format!(
                "{} at {at} in tab {tab} but no supportRequested was captured in that tab",
                verb(*kind)
            ),
            FlagKind::CancelledAfterTaken { kind, earlier } => format!(
                "{} at {at} after the request was already taken ({})",
                verb(*kind),
                earlier.describe()
            ),
            FlagKind::TakenAfterCancel { earlier } => format!(
                "Taken by an agent at {at} after the request was already {} ({})",
                past(earlier.kind),
                earlier.describe()
            ),
            FlagKind::InboundClosedTwice { kind, earlier } => format!(
                "{} at {at} although the request was already {} ({})",
                verb(*kind),
                past(earlier.kind),
                earlier.describe()
            ),
            FlagKind::InboundRequestedAgain { earlier } => format!(
                "Support requested again at {at} while the earlier request ({}) was still open",
                earlier.describe()
            ),
            FlagKind::InboundUnanswered {
                waited_ms,
                threshold_ms,
            } => format!(
                "Support requested at {at} and still open {} later (threshold {})",
                readable_duration(*waited_ms),
                readable_duration(*threshold_ms)
            ),
        }
    }
}

impl Mark {
    /// `#12 at +1.2 s`.
    pub fn describe(&self) -> String {
        format!("#{} at {}", self.seq, readable_rel(self.at))
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

/// A time relative to a group's first event, `+1.24 s`, for the fixture dumps
/// (`timeline::dump`), where hundredths keep fan-out gaps visible; what people read uses
/// [`readable_rel`] (issue 12: "850 ms", "4.0 s", "10 min 2 s").
pub fn format_rel(ms: f64) -> String {
    if !ms.is_finite() {
        return "+? s".to_string();
    }
    // Anything that rounds to zero shows as +0.00, never as -0.00.
    let sign = if ms <= -5.0 { "-" } else { "+" };
    format!("{sign}{:.2} s", (ms / 1000.0).abs())
}

/// A duration, `75.00 s`, for the fixture dumps; people read [`readable_duration`].
pub fn format_secs(ms: f64) -> String {
    if !ms.is_finite() {
        return "? s".to_string();
    }
    format!("{:.2} s", ms / 1000.0)
}

// ---------------------------------------------------------------------------------------
// Machines with context: they turn anomalies into flags
// ---------------------------------------------------------------------------------------

/// The flag for a call or request still open at `now` (`start` + `open.at` is when it was
/// asked), if it waited longer than the threshold; `kind` makes it from the wait and the
/// threshold.
fn unanswered(
    open: Mark,
    start: f64,
    now: f64,
    thresholds: &Thresholds,
    kind: fn(f64, f64) -> FlagKind,
) -> Option<Flag> {
    let waited = now - (start + open.at);
    (waited > thresholds.unanswered_ms).then(|| Flag {
        seq: open.seq,
        at: open.at,
        kind: kind(waited, thresholds.unanswered_ms),
    })
}

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
        let kind = mark.kind;
        // The earlier marks always exist when these anomalies fire (the state could only
        // be reached through them); falling back to the event itself keeps this total.
        let answer = self.answer.unwrap_or(mark);
        let terminal = self.terminal.unwrap_or(mark);
        let what = match anomaly {
            CallAnomaly::AcceptedWithoutRequest => FlagKind::AcceptedWithoutRequest,
            CallAnomaly::DeniedWithoutRequest => FlagKind::DeniedWithoutRequest,
            CallAnomaly::EndedWithoutStart => FlagKind::EndedWithoutStart,
            CallAnomaly::AcceptedAndDenied => FlagKind::AcceptedAndDenied {
                kind,
                earlier: answer,
            },
            CallAnomaly::AcceptedTwice => FlagKind::AcceptedTwice {
                tab,
                earlier: self.first_accept.unwrap_or(answer),
            },
            CallAnomaly::RequestedAfterAnswer => FlagKind::RequestedAfterAnswer {
                tab,
                earlier: answer,
            },
            CallAnomaly::EventAfterEnd => FlagKind::EventAfterEnd {
                kind,
                earlier: terminal,
            },
            CallAnomaly::TwoTerminalEvents => FlagKind::TwoTerminalEvents {
                kind,
                tab,
                earlier: terminal,
            },
        };
        Flag {
            seq: mark.seq,
            at: mark.at,
            kind: what,
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

    /// The flags found while feeding, plus [`FlagKind::Unanswered`] when the call is still
    /// requested `now`. `start` is the absolute time of the call's first event.
    pub fn finish(
        mut self,
        start: f64,
        now: f64,
        thresholds: &Thresholds,
    ) -> (CallState, Vec<Flag>) {
        if let (CallState::Requested, Some(since)) = (self.state, self.requested_since) {
            self.flags
                .extend(unanswered(since, start, now, thresholds, |w, t| {
                    FlagKind::Unanswered {
                        waited_ms: w,
                        threshold_ms: t,
                    }
                }));
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
            let (kind, tab) = (mark.kind, event.tab_id);
            let request = self.request.unwrap_or(mark);
            let close = self.close.unwrap_or(mark);
            let what = match anomaly {
                InboundAnomaly::TakenWithoutRequest => FlagKind::TakenWithoutRequest { tab },
                InboundAnomaly::CancelledWithoutRequest => {
                    FlagKind::CancelledWithoutRequest { kind, tab }
                }
                InboundAnomaly::CancelledAfterTaken => FlagKind::CancelledAfterTaken {
                    kind,
                    earlier: close,
                },
                InboundAnomaly::TakenAfterCancel => FlagKind::TakenAfterCancel { earlier: close },
                InboundAnomaly::ClosedTwice => FlagKind::InboundClosedTwice {
                    kind,
                    earlier: close,
                },
                InboundAnomaly::RequestedAgain => {
                    FlagKind::InboundRequestedAgain { earlier: request }
                }
            };
            self.flags.push(Flag {
                seq: mark.seq,
                at,
                kind: what,
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

    /// The flags found, plus [`FlagKind::InboundUnanswered`] when the request is still open
    /// `now`. `start` is the absolute time of the request's first event.
    pub fn finish(
        mut self,
        start: f64,
        now: f64,
        thresholds: &Thresholds,
    ) -> (InboundState, Vec<Flag>) {
        if let (InboundState::Requested, Some(request)) = (self.state, self.request) {
            self.flags
                .extend(unanswered(request, start, now, thresholds, |w, t| {
                    FlagKind::InboundUnanswered {
                        waited_ms: w,
                        threshold_ms: t,
                    }
                }));
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

    /// A flag of each code. The match has no wildcard, so a new code does not compile
    /// until it has an example here too.
    fn example(code: FlagCode) -> FlagKind {
        let earlier = Mark {
            seq: 1,
            at: 0.0,
            kind: EventKind::CallAccepted,
            tab: 1,
        };
        let kind = EventKind::CallDenied;
        match code {
            FlagCode::AcceptedWithoutRequest => FlagKind::AcceptedWithoutRequest,
            FlagCode::DeniedWithoutRequest => FlagKind::DeniedWithoutRequest,
            FlagCode::EndedWithoutStart => FlagKind::EndedWithoutStart,
            FlagCode::AcceptedAndDenied => FlagKind::AcceptedAndDenied { kind, earlier },
            FlagCode::AcceptedTwice => FlagKind::AcceptedTwice { tab: 1, earlier },
            FlagCode::RequestedAfterAnswer => FlagKind::RequestedAfterAnswer { tab: 1, earlier },
            FlagCode::EventAfterEnd => FlagKind::EventAfterEnd { kind, earlier },
            FlagCode::TwoTerminalEvents => FlagKind::TwoTerminalEvents {
                kind,
                tab: 1,
                earlier,
            },
            FlagCode::Unanswered => FlagKind::Unanswered {
                waited_ms: 1.0,
                threshold_ms: 1.0,
            },
            FlagCode::AnsweredInOtherTab => FlagKind::AnsweredInOtherTab {
                kind,
                tab: 1,
                requested_tabs: vec![2],
            },
            FlagCode::TabClosedBeforeEnd => FlagKind::TabClosedBeforeEnd { tab: 1 },
            FlagCode::TakenWithoutRequest => FlagKind::TakenWithoutRequest { tab: 1 },
            FlagCode::CancelledWithoutRequest => FlagKind::CancelledWithoutRequest { kind, tab: 1 },
            FlagCode::CancelledAfterTaken => FlagKind::CancelledAfterTaken { kind, earlier },
            FlagCode::TakenAfterCancel => FlagKind::TakenAfterCancel { earlier },
            FlagCode::InboundClosedTwice => FlagKind::InboundClosedTwice { kind, earlier },
            FlagCode::InboundRequestedAgain => FlagKind::InboundRequestedAgain { earlier },
            FlagCode::InboundUnanswered => FlagKind::InboundUnanswered {
                waited_ms: 1.0,
                threshold_ms: 1.0,
            },
        }
    }

    /// `FlagKind` and `FlagCode` come from one list (`flag_kinds!`), so every kind has its
    /// own code and `FlagCode::ALL` holds them all; this checks that the strings differ and
    /// that every kind says something.
    #[test]
    fn every_flag_has_a_distinct_code() {
        let mut codes: Vec<&str> = FlagCode::ALL.iter().map(|c| c.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), FlagCode::ALL.len());
        for &code in FlagCode::ALL {
            let flag = Flag {
                seq: 2,
                at: 0.0,
                kind: example(code),
            };
            assert_eq!(flag.code(), code);
            assert!(!flag.message().is_empty(), "{code}");
        }
    }
}
