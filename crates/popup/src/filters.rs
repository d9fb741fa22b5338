//! The filter bar: which tabs (all, the default, or the current one), which event type,
//! and a text search over callId and URL. Remembered in `localStorage` with gloo-storage,
//! one key per control, holding plain strings: the scope is saved as "current", not as a
//! tab id, because tab ids mean nothing in the next session.

use fvi_core::timeline::Filter;
use fvi_core::EventKind;
use gloo_storage::{LocalStorage, Storage};
use web_sys::{HtmlInputElement, HtmlSelectElement};

use crate::dom;
use crate::host::{Host, Placement};

const KEY_TYPE: &str = "fvi.filter.type";
const KEY_TEXT: &str = "fvi.filter.text";

/// A tab id no browser hands out: "current tab" while the current tab is unknown selects
/// nothing (and says so) rather than quietly showing every tab.
pub const UNKNOWN_TAB: i64 = i64::MIN;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    pub current_tab_only: bool,
    pub kind: Option<EventKind>,
    pub text: String,
}

impl Filters {
    /// The filters as last left in this kind of host (each panel keeps its own tab scope).
    pub fn restore(placement: &Placement) -> Filters {
        let get = |key: &str| LocalStorage::get::<String>(key).unwrap_or_default();
        Filters {
            current_tab_only: placement.starts_on_this_tab(&get(placement.host.scope_key())),
            kind: EventKind::from_name(&get(KEY_TYPE)),
            text: get(KEY_TEXT),
        }
    }

    pub fn save(&self, host: Host) {
        // Storage can be unavailable (private windows, quota); the filters then last only
        // for this page, which is no reason to bother the user.
        let scope = if self.current_tab_only {
            "current"
        } else {
            "all"
        };
        let _ = LocalStorage::set(host.scope_key(), scope);
        let _ = LocalStorage::set(KEY_TYPE, self.kind.map_or("", EventKind::name));
        let _ = LocalStorage::set(KEY_TEXT, &self.text);
    }

    pub fn is_empty(&self) -> bool {
        *self == Filters::default()
    }

    /// The core's filter for these settings; `current_tab` is the tab the popup belongs to.
    pub fn to_core(&self, current_tab: Option<i64>) -> Filter {
        Filter {
            tab: self
                .current_tab_only
                .then(|| current_tab.unwrap_or(UNKNOWN_TAB)),
            kinds: self.kind.map(|k| [k].into()),
            text: self.text.clone(),
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
        Filters {
            current_tab_only: scope.as_deref() == Some("current"),
            kind: kind.as_deref().and_then(EventKind::from_name),
            text: text.unwrap_or_default(),
        }
    }

    pub fn write_controls(&self) {
        if let Some(s) = dom::by_id_as::<HtmlSelectElement>("filter-tab") {
            s.set_value(if self.current_tab_only {
                "current"
            } else {
                "all"
            });
        }
        if let Some(s) = dom::by_id_as::<HtmlSelectElement>("filter-type") {
            s.set_value(self.kind.map_or("", EventKind::name));
        }
        if let Some(i) = dom::by_id_as::<HtmlInputElement>("filter-text") {
            if i.value() != self.text {
                i.set_value(&self.text);
            }
        }
        dom::set_hidden("filter-reset", self.is_empty());
    }

    /// "type callDenied, search "shop"": what is active, for the empty-list message.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.current_tab_only {
            parts.push("current tab only".to_string());
        }
        if let Some(kind) = self.kind {
            parts.push(format!("type {}", kind.short()));
        }
        if !self.text.trim().is_empty() {
            parts.push(format!("search \u{201c}{}\u{201d}", self.text.trim()));
        }
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_maps_to_the_current_tab_or_nothing() {
        let all = Filters::default();
        assert!(all.to_core(Some(4)).is_empty());
        let current = Filters {
            current_tab_only: true,
            ..Filters::default()
        };
        assert_eq!(current.to_core(Some(4)).tab, Some(4));
        assert_eq!(current.to_core(None).tab, Some(UNKNOWN_TAB));
    }

    #[test]
    fn describes_active_filters() {
        let f = Filters {
            current_tab_only: true,
            kind: Some(EventKind::CallDenied),
            text: " shop ".into(),
        };
        assert_eq!(
            f.describe(),
            "current tab only, type callDenied, search \u{201c}shop\u{201d}"
        );
    }
}
