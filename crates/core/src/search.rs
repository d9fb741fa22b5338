//! What the search box matches (issue 12): a case-insensitive substring of an event's
//! callId, URL or top-level URL, its page title, its tab's label ("T2 · Acme CRM"), its
//! event type (`fullview:callDenied` or `callDenied`), or of its call's or request's state
//! and problem texts.
//!
//! Event facts are matched per event; state and flags belong to a call or request as a
//! whole, so they are matched per group ([`Search::group`]) and a matching group matches
//! all its events. Built once per search from the log's [`TabLabels`]: the tabs and event
//! types that match are decided up front, so each event costs a few substring checks.

use std::collections::HashSet;

use crate::event::EventKind;
use crate::lifecycle::Flag;
use crate::record::EventRecord;
use crate::tabs::TabLabels;
use crate::timeline::contains_ci;

/// A search over one log.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Search {
    /// Trimmed, lower case; empty matches everything.
    needle: String,
    /// Tabs whose label (number, title or host) matches.
    tabs: HashSet<i64>,
    /// Event types whose name matches.
    kinds: Vec<EventKind>,
}

impl Search {
    /// A search for `text` in a log whose tabs are `labels`.
    pub fn new(text: &str, labels: &TabLabels) -> Search {
        let needle = text.trim().to_lowercase();
        if needle.is_empty() {
            return Search::default();
        }
        let tabs = labels
            .all()
            .into_iter()
            .filter(|l| {
                contains_ci(&l.short(), &needle)
                    || l.title.as_deref().is_some_and(|t| contains_ci(t, &needle))
            })
            .map(|l| l.tab_id)
            .collect();
        let kinds = EventKind::ALL
            .into_iter()
            .filter(|k| contains_ci(k.name(), &needle))
            .collect();
        Search {
            needle,
            tabs,
            kinds,
        }
    }

    /// Nothing to search for: everything matches.
    pub fn is_empty(&self) -> bool {
        self.needle.is_empty()
    }

    /// Whether `text` holds the search (any text: a state, a flag's message).
    pub fn text(&self, text: &str) -> bool {
        contains_ci(text, &self.needle)
    }

    /// Whether the event's own facts match: callId, URL, top-level URL, page title, tab
    /// label, event type.
    pub fn event(&self, e: &EventRecord) -> bool {
        self.is_empty()
            || self.tabs.contains(&e.tab_id)
            || self.kinds.contains(&e.kind)
            || e.call_id.as_deref().is_some_and(|id| self.text(id))
            || self.text(&e.url)
            || e.top_url.as_deref().is_some_and(|u| self.text(u))
            || e.top_title.as_deref().is_some_and(|t| self.text(t))
    }

    /// Whether a call's or request's own facts match: its state (`denied`, `ended`…) or
    /// the text of one of its problems.
    pub fn group(&self, state: &str, flags: &[Flag]) -> bool {
        self.is_empty() || self.text(state) || flags.iter().any(|f| self.text(&f.message()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::Thresholds;
    use crate::record::Origin;
    use crate::timeline;
    use serde_json::Value;

    fn event(
        seq: u64,
        kind: EventKind,
        call: &str,
        tab: i64,
        url: &str,
        title: Option<&str>,
    ) -> EventRecord {
        EventRecord {
            seq,
            kind,
            call_id: Some(call.to_string()),
            tab_id: tab,
            frame_id: 0,
            url: format!("{url}/frame"),
            top_url: Some(url.to_string()),
            top_title: title.map(String::from),
            captured_at: seq as f64 * 1000.0,
            stored_at: seq as f64 * 1000.0,
            detail: Value::Null,
            detail_truncated: false,
            fired: None,
            origin: Origin {
                document: "d".into(),
                n: seq,
            },
        }
    }

    /// A log of three calls: `ok-1` accepted in "Acme CRM – Customers" (T1), `no-2`
    /// denied in "Billing" (T2), `odd-3` accepted with no request in T2 (flagged).
    fn log() -> Vec<EventRecord> {
        use EventKind::*;
        let crm = "https://crm.acme.example/customers";
        let bill = "https://pay.example/billing";
        vec![
            event(
                1,
                CallRequested,
                "ok-1",
                11,
                crm,
                Some("Acme CRM – Customers"),
            ),
            event(
                2,
                CallAccepted,
                "ok-1",
                11,
                crm,
                Some("Acme CRM – Customers"),
            ),
            event(3, CallRequested, "no-2", 22, bill, Some("Billing")),
            event(4, CallDenied, "no-2", 22, bill, Some("Billing")),
            event(5, CallAccepted, "odd-3", 22, bill, None),
        ]
    }

    /// Which calls a search finds: those with an event whose own facts match, or whose
    /// state or problems match.
    fn found(text: &str) -> Vec<String> {
        let events = log();
        let t = timeline::build(&events, &[], 10_000.0, &Thresholds::default());
        let search = Search::new(text, &TabLabels::of(&events));
        let mut ids: Vec<String> = t
            .calls
            .iter()
            .filter(|c| {
                search.group(c.state.as_str(), &c.flags)
                    || c.events.iter().any(|ix| search.event(ix.of(&events)))
            })
            .map(|c| c.call_id.to_string())
            .collect();
        ids.sort();
        ids
    }

    #[test]
    fn search_matches_ids_urls_titles_labels_types_states_and_flags() {
        let cases: &[(&str, &[&str])] = &[
            // Nothing to search: everything.
            ("", &["no-2", "odd-3", "ok-1"]),
            ("   ", &["no-2", "odd-3", "ok-1"]),
            // callId, case-insensitive, trimmed.
            (" OK-1 ", &["ok-1"]),
            // URL (the frame's and the top page's).
            ("crm.acme", &["ok-1"]),
            ("/frame", &["no-2", "odd-3", "ok-1"]),
            // Page title, whichever case.
            ("acme crm", &["ok-1"]),
            ("billing", &["no-2", "odd-3"]),
            // A tab's label: its number; odd-3's event has no title of its own but its
            // tab is "T2 · Billing".
            ("t2", &["no-2", "odd-3"]),
            ("T1 · Acme", &["ok-1"]),
            // Event type, full or short.
            ("fullview:callDenied", &["no-2"]),
            ("callaccepted", &["odd-3", "ok-1"]),
            // State.
            ("denied", &["no-2"]),
            // A problem's words.
            ("no callRequested was captured", &["odd-3"]),
            // Non-ASCII, case-folded.
            ("– CUSTOMERS", &["ok-1"]),
            ("nowhere", &[]),
        ];
        for (text, want) in cases {
            assert_eq!(found(text), *want, "search {text:?}");
        }
    }

    #[test]
    fn an_empty_search_is_empty() {
        let labels = TabLabels::of(&log());
        assert!(Search::new("  ", &labels).is_empty());
        assert!(!Search::new("x", &labels).is_empty());
    }
}
