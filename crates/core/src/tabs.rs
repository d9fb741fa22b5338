//! Tabs by name: a short label for each tab of a log ("T2 · Acme CRM – Customers"), so a
//! reader tells the customer's tabs apart without the browser's ids (issue 12).
//!
//! A tab's number is its order of first appearance in the log (by `seq`), so it stays the
//! same while the log grows; its title is the last one the browser reported with its events
//! (so a closed tab keeps its last title), else its page's host, else nothing. The
//! browser's id goes in the hover text and the detail, where it is still needed.

use std::collections::BTreeMap;

use crate::record::EventRecord;

/// The longest title shown in a label, in characters; longer ones are cut with "…" (the
/// whole title is in the hover text).
pub const TITLE_CHARS: usize = 40;

/// One tab's label.
#[derive(Debug, Clone, PartialEq)]
pub struct TabLabel {
    pub tab_id: i64,
    /// 1 for the log's first tab.
    pub number: usize,
    /// The last title the browser reported for the tab, if any.
    pub title: Option<String>,
    /// The tab's last top-level URL, if any.
    pub url: Option<String>,
}

impl TabLabel {
    /// "T2"
    pub fn tag(&self) -> String {
        format!("T{}", self.number)
    }

    /// "T2 · Acme CRM – Customers", "T2 · shop.example" (no title), or "T2".
    pub fn short(&self) -> String {
        match self.name() {
            Some(name) => format!("{} · {}", self.tag(), cut(&name, TITLE_CHARS)),
            None => self.tag(),
        }
    }

    /// The full title (or host), and the browser's id: "Acme CRM – Customers (tab 1465902118)".
    pub fn hover(&self) -> String {
        match self.name() {
            Some(name) => format!("{name} (tab {})", self.tab_id),
            None => format!("tab {}", self.tab_id),
        }
    }

    fn name(&self) -> Option<String> {
        let title = self
            .title
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        title
            .map(String::from)
            .or_else(|| self.url.as_deref().and_then(host).map(String::from))
    }
}

/// The labels of every tab in a log.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TabLabels {
    by_tab: BTreeMap<i64, TabLabel>,
}

impl TabLabels {
    /// Labels for the tabs of `events`, numbered by their first event's `seq`.
    pub fn of<'a>(events: impl IntoIterator<Item = &'a EventRecord>) -> TabLabels {
        let mut sorted: Vec<&EventRecord> = events.into_iter().collect();
        sorted.sort_by_key(|e| e.seq);
        let mut labels = TabLabels::default();
        for e in sorted {
            let next = labels.by_tab.len() + 1;
            let label = labels.by_tab.entry(e.tab_id).or_insert(TabLabel {
                tab_id: e.tab_id,
                number: next,
                title: None,
                url: None,
            });
            if let Some(title) = e.top_title.as_ref().filter(|t| !t.trim().is_empty()) {
                label.title = Some(title.clone());
            }
            if let Some(url) = &e.top_url {
                label.url = Some(url.clone());
            }
        }
        labels
    }

    pub fn get(&self, tab_id: i64) -> Option<&TabLabel> {
        self.by_tab.get(&tab_id)
    }

    /// The label's short form, or "tab <id>" for a tab with no events in the log (a note
    /// about a tab whose events were evicted).
    pub fn short(&self, tab_id: i64) -> String {
        self.get(tab_id)
            .map_or_else(|| format!("tab {tab_id}"), TabLabel::short)
    }

    /// Every label, by number.
    pub fn all(&self) -> Vec<&TabLabel> {
        let mut all: Vec<&TabLabel> = self.by_tab.values().collect();
        all.sort_by_key(|l| l.number);
        all
    }
}

/// `s` cut to `max` characters, with "…" when cut.
fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The host of an http(s) URL.
fn host(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    Some(host).filter(|h| !h.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Origin;
    use crate::EventKind;
    use serde_json::Value;

    fn event(seq: u64, tab: i64, url: Option<&str>, title: Option<&str>) -> EventRecord {
        EventRecord {
            seq,
            kind: EventKind::CallRequested,
            call_id: None,
            tab_id: tab,
            frame_id: 0,
            url: url.unwrap_or("about:blank").into(),
            top_url: url.map(String::from),
            top_title: title.map(String::from),
            captured_at: seq as f64,
            stored_at: seq as f64,
            detail: Value::Null,
            detail_truncated: false,
            origin: Origin {
                document: "d".into(),
                n: seq,
            },
            fired: None,
        }
    }

    /// (events as (seq, tab, url, title)) → each tab's (short, hover), by number.
    #[test]
    fn labels_name_tabs_in_order_of_first_appearance() {
        type Case = (
            &'static [(u64, i64, Option<&'static str>, Option<&'static str>)],
            &'static [(&'static str, &'static str)],
        );
        const LONG: &str = "A very long page title that goes on and on past forty characters";
        let cases: &[Case] = &[
            (&[], &[]),
            (
                // Out of order: numbered by seq. The last title wins; a blank one does not.
                &[
                    (
                        3,
                        1465902118,
                        Some("https://crm.acme.example/c"),
                        Some("Acme CRM – Customers"),
                    ),
                    (1, 7, Some("https://shop.example/"), Some("Shop")),
                    (4, 7, Some("https://shop.example/cart"), Some("Shop – Cart")),
                    (5, 7, Some("https://shop.example/cart"), Some("  ")),
                ],
                &[
                    ("T1 · Shop – Cart", "Shop – Cart (tab 7)"),
                    (
                        "T2 · Acme CRM – Customers",
                        "Acme CRM – Customers (tab 1465902118)",
                    ),
                ],
            ),
            (
                // No title: the host; no URL either: the tag alone.
                &[
                    (1, 2, Some("http://user@localhost:8080/x"), None),
                    (2, 3, None, None),
                ],
                &[
                    ("T1 · localhost:8080", "localhost:8080 (tab 2)"),
                    ("T2", "tab 3"),
                ],
            ),
            (
                &[(1, 4, None, Some(LONG))],
                &[(
                    "T1 · A very long page title that goes on and…",
                    "A very long page title that goes on and on past forty characters (tab 4)",
                )],
            ),
        ];
        for (events, expect) in cases {
            let events: Vec<EventRecord> = events
                .iter()
                .map(|&(seq, tab, url, title)| event(seq, tab, url, title))
                .collect();
            let labels = TabLabels::of(&events);
            let got: Vec<(String, String)> = labels
                .all()
                .iter()
                .map(|l| (l.short(), l.hover()))
                .collect();
            let want: Vec<(String, String)> = expect
                .iter()
                .map(|(s, h)| (s.to_string(), h.to_string()))
                .collect();
            assert_eq!(got, want, "{events:?}");
        }
    }

    #[test]
    fn a_tab_without_events_is_named_by_its_id() {
        let labels = TabLabels::of(&[event(1, 5, None, Some("Five"))]);
        assert_eq!(labels.short(5), "T1 · Five");
        assert_eq!(labels.short(9), "tab 9");
    }
}
