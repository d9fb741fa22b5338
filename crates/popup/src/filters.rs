//! The filter bar: which tabs (all, the default; the current one; or one tab of the log,
//! by its label), which event type, problems only, and a text search
//! (`fvi_core::search`). Remembered in `localStorage` with gloo-storage, one key per
//! control, holding plain strings: the scope is saved as "current" or "all", never as a
//! tab id, because tab ids mean nothing in the next session (a tab picked by its label is
//! remembered as "all").

use fvi_core::search::Search;
use fvi_core::tabs::TabLabels;
use fvi_core::timeline::Filter;
use fvi_core::EventKind;
use gloo_storage::{LocalStorage, Storage};
use web_sys::{HtmlInputElement, HtmlSelectElement};

use crate::dom;
use crate::host::{Host, Placement};

const KEY_TYPE: &str = "fvi.filter.type";
const KEY_TEXT: &str = "fvi.filter.text";
const KEY_PROBLEMS: &str = "fvi.filter.problems";

/// A tab id no browser hands out: "current tab" while the current tab is unknown selects
/// nothing (and says so) rather than quietly showing every tab.
pub const UNKNOWN_TAB: i64 = i64::MIN;

/// Which tabs the list shows (`#filter-tab`: `all`, `current`, `tab:<id>`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TabScope {
    #[default]
    All,
    /// The tab this host belongs to ("this tab", see `host`).
    Current,
    /// One tab of the log, picked by its label.
    Tab(i64),
}

impl TabScope {
    /// The `<option>` value.
    pub fn value(self) -> String {
        match self {
            TabScope::All => "all".into(),
            TabScope::Current => "current".into(),
            TabScope::Tab(id) => format!("tab:{id}"),
        }
    }

    pub fn from_value(value: &str) -> TabScope {
        match value {
            "current" => TabScope::Current,
            _ => value
                .strip_prefix("tab:")
                .and_then(|id| id.parse().ok())
                .map_or(TabScope::All, TabScope::Tab),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    pub tab: TabScope,
    pub kind: Option<EventKind>,
    /// Only calls and inbound requests with problems (lifecycle flags).
    pub problems_only: bool,
    pub text: String,
}

/// What the filters select, for `model::Shown::compute`: the core's tab and type filter
/// (its text left empty), the search, and problems only.
pub struct Query {
    pub filter: Filter,
    pub search: Search,
    pub problems_only: bool,
}

/// One `<option>` of `#filter-tab`.
#[derive(Debug, Clone, PartialEq)]
pub struct TabOption {
    pub value: String,
    pub text: String,
    pub title: String,
}

/// The tab filter's options: all tabs, this tab (its label on hover when the log has it), then
/// every tab of the log by its label ("T2 · Acme CRM"), the browser's id on hover; and the
/// chosen tab even when the log no longer has it, so the choice stays visible.
pub fn tab_options(
    labels: &TabLabels,
    this_tab: &str,
    current: Option<i64>,
    chosen: TabScope,
) -> Vec<TabOption> {
    let current_label = current.and_then(|id| labels.get(id));
    let mut options = vec![
        TabOption {
            value: TabScope::All.value(),
            text: "All tabs".into(),
            title: "Every tab of the log".into(),
        },
        TabOption {
            value: TabScope::Current.value(),
            text: this_tab.to_string(),
            title: current_label.map_or_else(
                || format!("{this_tab}: the tab this view belongs to"),
                |l| l.hover(),
            ),
        },
    ];
    let all = labels.all();
    for label in &all {
        options.push(TabOption {
            value: TabScope::Tab(label.tab_id).value(),
            text: label.short(),
            title: label.hover(),
        });
    }
    if let TabScope::Tab(id) = chosen {
        if labels.get(id).is_none() {
            options.push(TabOption {
                value: chosen.value(),
                text: labels.short(id),
                title: "This tab has no events in the log now".into(),
            });
        }
    }
    options
}

impl Filters {
    /// The filters as last left in this kind of host (each panel keeps its own tab scope).
    pub fn restore(placement: &Placement) -> Filters {
        let get = |key: &str| LocalStorage::get::<String>(key).unwrap_or_default();
        let tab = if placement.starts_on_this_tab(&get(placement.host.scope_key())) {
            TabScope::Current
        } else {
            TabScope::All
        };
        Filters {
            tab,
            kind: EventKind::from_name(&get(KEY_TYPE)),
            problems_only: get(KEY_PROBLEMS) == "on",
            text: get(KEY_TEXT),
        }
    }

    pub fn save(&self, host: Host) {
        // Storage can be unavailable (private windows, quota); the filters then last only
        // for this page, which is no reason to bother the user.
        let scope = if self.tab == TabScope::Current {
            "current"
        } else {
            "all"
        };
        let _ = LocalStorage::set(host.scope_key(), scope);
        let _ = LocalStorage::set(KEY_TYPE, self.kind.map_or("", EventKind::name));
        let _ = LocalStorage::set(KEY_PROBLEMS, if self.problems_only { "on" } else { "" });
        let _ = LocalStorage::set(KEY_TEXT, &self.text);
    }

    pub fn is_empty(&self) -> bool {
        *self == Filters::default()
    }

    /// What these settings select in a log whose tabs are `labels`; `current_tab` is the
    /// tab the popup belongs to.
    pub fn query(&self, current_tab: Option<i64>, labels: &TabLabels) -> Query {
        let tab = match self.tab {
            TabScope::All => None,
            TabScope::Current => Some(current_tab.unwrap_or(UNKNOWN_TAB)),
            TabScope::Tab(id) => Some(id),
        };
        Query {
            filter: Filter {
                tab,
                kinds: self.kind.map(|k| [k].into()),
                text: String::new(),
            },
            search: Search::new(&self.text, labels),
            problems_only: self.problems_only,
        }
    }

    /// Fills the type menu from the core's event list (the one source of event names).
    pub fn install_type_options() {
        let Some(select) = dom::by_id("filter-type") else {
            return;
        };
        for kind in EventKind::ALL {
            let option = dom::text("option", "", kind.short());
            dom::attr(&option, "value", kind.name());
            dom::attr(&option, "title", kind.label());
            dom::add(&select, option);
        }
    }

    pub fn read_controls() -> Filters {
        let scope = dom::by_id_as::<HtmlSelectElement>("filter-tab").map(|s| s.value());
        let kind = dom::by_id_as::<HtmlSelectElement>("filter-type").map(|s| s.value());
        let text = dom::by_id_as::<HtmlInputElement>("filter-text").map(|i| i.value());
        let problems = dom::by_id_as::<HtmlInputElement>("filter-problems");
        Filters {
            tab: TabScope::from_value(scope.as_deref().unwrap_or("all")),
            kind: kind.as_deref().and_then(EventKind::from_name),
            problems_only: problems.is_some_and(|p| p.checked()),
            text: text.unwrap_or_default(),
        }
    }

    pub fn write_controls(&self) {
        if let Some(s) = dom::by_id_as::<HtmlSelectElement>("filter-tab") {
            s.set_value(&self.tab.value());
        }
        if let Some(s) = dom::by_id_as::<HtmlSelectElement>("filter-type") {
            s.set_value(self.kind.map_or("", EventKind::name));
        }
        if let Some(p) = dom::by_id_as::<HtmlInputElement>("filter-problems") {
            p.set_checked(self.problems_only);
        }
        if let Some(i) = dom::by_id_as::<HtmlInputElement>("filter-text") {
            if i.value() != self.text {
                i.set_value(&self.text);
            }
        }
        dom::set_hidden("filter-reset", self.is_empty());
    }

    /// "type callDenied, search "shop"": what is active, for the empty-list message.
    /// `labels` names a tab picked by its label.
    pub fn describe(&self, labels: &TabLabels) -> String {
        let mut parts = Vec::new();
        match self.tab {
            TabScope::All => {}
            TabScope::Current => parts.push("current tab only".to_string()),
            TabScope::Tab(id) => parts.push(format!("only {}", labels.short(id))),
        }
        if let Some(kind) = self.kind {
            parts.push(format!("type {}", kind.short()));
        }
        if self.problems_only {
            parts.push("problems only".to_string());
        }
        if !self.text.trim().is_empty() {
            parts.push(format!("search \u{201c}{}\u{201d}", self.text.trim()));
        }
        parts.join(", ")
    }
}

thread_local! {
    /// The tab filter's options as last rendered.
    static TAB_OPTIONS: std::cell::RefCell<Vec<TabOption>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Puts `options` in `#filter-tab` (only when they changed: rebuilding a select's options
/// while it is open would close it) and selects `chosen`.
pub fn render_tab_options(select: &HtmlSelectElement, options: &[TabOption], chosen: &str) {
    let changed = TAB_OPTIONS.with(|last| *last.borrow() != options);
    if changed {
        dom::clear(select);
        for o in options {
            let option = dom::text("option", "", &o.text);
            dom::attr(&option, "value", &o.value);
            dom::attr(&option, "title", &o.title);
            dom::add(select, option);
        }
        TAB_OPTIONS.with(|last| *last.borrow_mut() = options.to_vec());
    }
    if select.value() != chosen {
        select.set_value(chosen);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{event, titled};

    /// Each scope, with the popup's tab known (4) or not: the tab the core filter keeps.
    #[test]
    fn scope_maps_to_a_tab_or_nothing() {
        let cases = [
            (TabScope::All, Some(4), None),
            (TabScope::Current, Some(4), Some(4)),
            (TabScope::Current, None, Some(UNKNOWN_TAB)),
            (TabScope::Tab(9), Some(4), Some(9)),
            (TabScope::Tab(9), None, Some(9)),
        ];
        let labels = TabLabels::default();
        for (scope, current, want) in cases {
            let f = Filters {
                tab: scope,
                ..Filters::default()
            };
            let query = f.query(current, &labels);
            assert_eq!(query.filter.tab, want, "{scope:?} with {current:?}");
            assert_eq!(query.filter.is_empty(), want.is_none(), "{scope:?}");
            assert!(query.search.is_empty() && !query.problems_only);
        }
    }

    #[test]
    fn scope_values_round_trip() {
        for scope in [
            TabScope::All,
            TabScope::Current,
            TabScope::Tab(-3),
            TabScope::Tab(1465902118),
        ] {
            assert_eq!(TabScope::from_value(&scope.value()), scope);
        }
        for junk in ["", "tab:", "tab:x", "everything"] {
            assert_eq!(TabScope::from_value(junk), TabScope::All, "{junk:?}");
        }
    }

    /// The options list the log's tabs by label, the browser id on hover.
    #[test]
    fn tab_options_name_the_logs_tabs() {
        let events = [
            titled(event(1, 1465902118), "Acme CRM – Customers"),
            titled(event(2, 7), "Billing"),
        ];
        let labels = TabLabels::of(&events);
        let text = |o: &[TabOption]| -> Vec<(String, String, String)> {
            o.iter()
                .map(|o| (o.value.clone(), o.text.clone(), o.title.clone()))
                .collect()
        };
        let own = |v: &str, t: &str, h: &str| (v.to_string(), t.to_string(), h.to_string());
        let cases = [
            (
                Some(7),
                TabScope::All,
                vec![
                    own("all", "All tabs", "Every tab of the log"),
                    own("current", "Current tab", "Billing (tab 7)"),
                    own(
                        "tab:1465902118",
                        "T1 · Acme CRM – Customers",
                        "Acme CRM – Customers (tab 1465902118)",
                    ),
                    own("tab:7", "T2 · Billing", "Billing (tab 7)"),
                ],
            ),
            (
                // This tab fired nothing; a tab picked before the log was cleared stays.
                None,
                TabScope::Tab(99),
                vec![
                    own("all", "All tabs", "Every tab of the log"),
                    own(
                        "current",
                        "Current tab",
                        "Current tab: the tab this view belongs to",
                    ),
                    own(
                        "tab:1465902118",
                        "T1 · Acme CRM – Customers",
                        "Acme CRM – Customers (tab 1465902118)",
                    ),
                    own("tab:7", "T2 · Billing", "Billing (tab 7)"),
                    own("tab:99", "tab 99", "This tab has no events in the log now"),
                ],
            ),
        ];
        for (current, chosen, want) in cases {
            let got = tab_options(&labels, "Current tab", current, chosen);
            assert_eq!(text(&got), want, "{current:?} {chosen:?}");
        }
    }

    #[test]
    fn describes_active_filters() {
        let labels = TabLabels::of(&[titled(event(1, 7), "Billing")]);
        let cases = [
            (
                Filters {
                    tab: TabScope::Current,
                    kind: Some(EventKind::CallDenied),
                    problems_only: false,
                    text: " shop ".into(),
                },
                "current tab only, type callDenied, search \u{201c}shop\u{201d}",
            ),
            (
                Filters {
                    tab: TabScope::Tab(7),
                    problems_only: true,
                    ..Filters::default()
                },
                "only T1 · Billing, problems only",
            ),
            (Filters::default(), ""),
        ];
        for (f, want) in cases {
            assert_eq!(f.describe(&labels), want, "{f:?}");
        }
    }
}
