//! The eight `fullview:*` events the widget dispatches on `window`, as one Rust enum.
//!
//! This list is the single source of truth: the top-level `build.rs` turns it into the
//! JavaScript sentinel that registers the page listeners, so the two cannot drift.

use serde::{Deserialize, Serialize};

/// One of Fullview's documented `CustomEvent`s (see `../shared/seeds/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EventKind {
    #[serde(rename = "fullview:callRequested")]
    CallRequested,
    #[serde(rename = "fullview:callAccepted")]
    CallAccepted,
    #[serde(rename = "fullview:callDenied")]
    CallDenied,
    #[serde(rename = "fullview:callEnded")]
    CallEnded,
    #[serde(rename = "fullview:supportRequested")]
    SupportRequested,
    #[serde(rename = "fullview:supportRequestCancelledByCustomer")]
    SupportRequestCancelledByCustomer,
    #[serde(rename = "fullview:supportRequestCancelledByAgent")]
    SupportRequestCancelledByAgent,
    #[serde(rename = "fullview:supportRequestTaken")]
    SupportRequestTaken,
}

impl EventKind {
    /// Every event, in the order the documentation lists them.
    pub const ALL: [EventKind; 8] = [
        EventKind::CallRequested,
        EventKind::CallAccepted,
        EventKind::CallDenied,
        EventKind::CallEnded,
        EventKind::SupportRequested,
        EventKind::SupportRequestCancelledByCustomer,
        EventKind::SupportRequestCancelledByAgent,
        EventKind::SupportRequestTaken,
    ];

    /// The full DOM event name, e.g. `fullview:callAccepted`.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::CallRequested => "fullview:callRequested",
            EventKind::CallAccepted => "fullview:callAccepted",
            EventKind::CallDenied => "fullview:callDenied",
            EventKind::CallEnded => "fullview:callEnded",
            EventKind::SupportRequested => "fullview:supportRequested",
            EventKind::SupportRequestCancelledByCustomer => {
                "fullview:supportRequestCancelledByCustomer"
            }
            EventKind::SupportRequestCancelledByAgent => "fullview:supportRequestCancelledByAgent",
            EventKind::SupportRequestTaken => "fullview:supportRequestTaken",
        }
    }

    /// The name without the `fullview:` prefix, for compact display.
    pub fn short(self) -> &'static str {
        &self.name()["fullview:".len()..]
    }

    /// Parses a full DOM event name. Anything else is `None`: a page cannot invent kinds.
    pub fn from_name(name: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// A plain-words label for people reading the timeline.
    pub fn label(self) -> &'static str {
        match self {
            EventKind::CallRequested => "call requested by agent",
            EventKind::CallAccepted => "call accepted by customer",
            EventKind::CallDenied => "call denied by customer",
            EventKind::CallEnded => "call ended",
            EventKind::SupportRequested => "customer asked for support",
            EventKind::SupportRequestCancelledByCustomer => "customer cancelled the request",
            EventKind::SupportRequestCancelledByAgent => "agent declined the request",
            EventKind::SupportRequestTaken => "agent took the request",
        }
    }

    /// True for the inbound (customer-initiated) request events, which often carry no callId.
    pub fn is_inbound(self) -> bool {
        matches!(
            self,
            EventKind::SupportRequested
                | EventKind::SupportRequestCancelledByCustomer
                | EventKind::SupportRequestCancelledByAgent
                | EventKind::SupportRequestTaken
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_serde_and_from_name() {
        for kind in EventKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.name()));
            assert_eq!(EventKind::from_name(kind.name()), Some(kind));
            assert_eq!(format!("fullview:{}", kind.short()), kind.name());
        }
        assert_eq!(EventKind::from_name("fullview:callaccepted"), None);
        assert_eq!(EventKind::from_name("callAccepted"), None);
    }
}
