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

    /// The title, else the host of the URL, else nothing.
    pub fn name(&self) -> Option<String> {
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
            labels.add(e);
        }
        labels
    }

    /// Takes in one more event, later (by `seq`) than every event taken in so far, as a live
    /// log grows: a new tab gets the next number, a known one keeps its number and takes the
    /// event's title and URL. The result equals [`TabLabels::of`] over all the events.
    pub fn add(&mut self, e: &EventRecord) {
        let next = self.by_tab.len() + 1;
        let label = self.by_tab.entry(e.tab_id).or_insert(TabLabel {
            tab_id: e.tab_id,
            number: next,
            title: None,
            url: None,
        });
        if let Some(title) = e.top_title.as_ref().filter(|t| !t.trim().is_empty()) {
            if label.title.as_ref() != Some(title) {
                label.title = Some(title.clone());
            }
        }
        if let Some(url) = &e.top_url {
            if label.url.as_ref() != Some(url) {
                label.url = Some(url.clone());
            }
        }
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

    /// The tab in a sentence: "T2 (Acme CRM – Customers)", "T2", or "tab 9" for a tab with
    /// no events in the log.
    pub fn in_words(&self, tab_id: i64) -> String {
        match self.get(tab_id) {
            Some(label) => match label.name() {
                Some(name) => format!("{} ({})", label.tag(), cut(&name, TITLE_CHARS)),
                None => label.tag(),
            },
            None => format!("tab {tab_id}"),
        }
    }

    /// The hover text of a tab: "Acme CRM – Customers (tab 1465902118)", or "tab 9".
    pub fn hover(&self, tab_id: i64) -> String {
        self.get(tab_id)
            .map_or_else(|| format!("tab {tab_id}"), TabLabel::hover)
    }

    /// A sentence about tabs by browser id (a flag's message: "Accepted again in tab
    /// 1465902118; it was first accepted in tab 7", "requested in tabs 3, 4") with each
    /// known tab named by its label instead: "in T2 (Acme CRM – Customers)", "in tabs T1
    /// (Shop), T3". Ids the log has no events of stay as they are.
    pub fn relabel(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(at) = find_tab_word(rest) {
            let (before, from) = rest.split_at(at);
            out.push_str(before);
            let word_len = if from[3..].starts_with('s') { 5 } else { 4 };
            let (word, mut after) = from.split_at(word_len);
            let known = |s: &str| leading_id(s).filter(|(id, _)| self.get(*id).is_some());
            let mut ids = Vec::new();
            while let Some((id, len)) = known(after) {
                ids.push(id);
                after = &after[len..];
                // "tabs 3, 4": a list goes on while the next id is a tab of the log.
                match after.strip_prefix(", ") {
                    Some(next) if word_len == 5 && known(next).is_some() => after = next,
                    _ => break,
                }
            }
            if ids.is_empty() {
                out.push_str(word);
            } else {
                if word_len == 5 {
                    out.push_str(word);
                }
                let named: Vec<String> = ids.iter().map(|id| self.in_words(*id)).collect();
                out.push_str(&named.join(", "));
            }
            rest = after;
        }
        out.push_str(rest);
        out
    }

    /// Every label, by number.
    pub fn all(&self) -> Vec<&TabLabel> {
        let mut all: Vec<&TabLabel> = self.by_tab.values().collect();
        all.sort_by_key(|l| l.number);
        all
    }
}

/// Inbound requests are numbered in order within their tab ("request 2 of 2 in T1"), not by
/// their `seq`: of `requests` as (tab, start, id), the place of request `id` among its
/// tab's requests by start (then id), and how many that tab has.
pub fn request_number(
    requests: impl IntoIterator<Item = (i64, f64, u64)>,
    id: u64,
) -> Option<(usize, usize)> {
    let requests: Vec<(i64, f64, u64)> = requests.into_iter().collect();
    let tab = requests.iter().find(|r| r.2 == id)?.0;
    let mut same: Vec<(f64, u64)> = requests
        .iter()
        .filter(|r| r.0 == tab)
        .map(|r| (r.1, r.2))
        .collect();
    same.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let n = same.iter().position(|r| r.1 == id)? + 1;
    Some((n, same.len()))
}

/// Where "tab " or "tabs " (or "Tab ", "Tabs ") starts a word in `s`.
fn find_tab_word(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    (0..s.len()).find(|&i| {
        s.is_char_boundary(i)
            && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric())
            && ["tab ", "Tab ", "tabs ", "Tabs "]
                .iter()
                .any(|w| s[i..].starts_with(w))
    })
}

/// The id at the start of `s` ("-1" too), and how many bytes it takes.
fn leading_id(s: &str) -> Option<(i64, usize)> {
    let len = s
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && c == '-')))
        .map_or(s.len(), |(i, _)| i);
    s[..len].parse().ok().map(|id| (id, len))
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

    /// (requests as (tab, start, id), id) → (number, of): by start within the tab.
    #[test]
    fn requests_are_numbered_in_order_within_their_tab() {
        let requests = [(1, 500.0, 9), (2, 100.0, 4), (1, 100.0, 12), (1, 900.0, 3)];
        let cases = [
            (12, Some((1, 3))),
            (9, Some((2, 3))),
            (3, Some((3, 3))),
            (4, Some((1, 1))),
            (77, None),
        ];
        for (id, want) in cases {
            assert_eq!(request_number(requests, id), want, "request {id}");
        }
    }

    /// (message, relabelled): known ids named, unknown ones and other words kept.
    #[test]
    fn flag_messages_name_tabs_by_label() {
        let labels = TabLabels::of(&[
            event(1, 1465902118, None, Some("Acme CRM – Customers")),
            event(2, 7, None, None),
        ]);
        let cases = [
            (
                "Accepted again at +4.0 s in tab 7; it was first accepted in tab 1465902118 (#2)",
                "Accepted again at +4.0 s in T2; it was first accepted in T1 (Acme CRM – Customers) (#2)",
            ),
            (
                "Tab 1465902118 was closed at +9.0 s",
                "T1 (Acme CRM – Customers) was closed at +9.0 s",
            ),
            (
                "requested in tabs 7, 1465902118)",
                "requested in tabs T2, T1 (Acme CRM – Customers))",
            ),
            ("in tab 99 and tabs 99, 7", "in tab 99 and tabs 99, 7"),
            ("stable tab 7", "stable T2"),
            ("a table 7, tab", "a table 7, tab"),
        ];
        for (message, want) in cases {
            assert_eq!(labels.relabel(message), want, "{message}");
        }
    }

    /// Adding events one by one, in seq order, gives the labels of the whole log.
    #[test]
    fn labels_grow_with_the_log() {
        let events = [
            event(1, 7, Some("https://a.example/"), None),
            event(2, 3, None, Some("Three")),
            event(3, 7, Some("https://a.example/b"), Some("Seven")),
        ];
        let mut grown = TabLabels::default();
        for e in &events {
            grown.add(e);
        }
        assert_eq!(grown, TabLabels::of(&events));
        assert_eq!(grown.in_words(7), "T1 (Seven)");
        assert_eq!(grown.hover(3), "Three (tab 3)");
        assert_eq!(grown.in_words(8), "tab 8");
    }

    #[test]
    fn a_tab_without_events_is_named_by_its_id() {
        let labels = TabLabels::of(&[event(1, 5, None, Some("Five"))]);
        assert_eq!(labels.short(5), "T1 · Five");
        assert_eq!(labels.short(9), "tab 9");
    }
}
