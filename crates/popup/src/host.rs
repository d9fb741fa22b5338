//! Where this page runs: the toolbar popup, a full tab, the side panel (Chromium) or sidebar
//! (Firefox), or the DevTools panel. One page and one UI serve all four; the host decides
//! which tab "this tab" means, whether it follows the active tab, and the window's shape.

/// The page's host, from its URL (`?host=`) and, in DevTools, the inspected tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    /// The toolbar popup: "this tab" is the tab it was opened over.
    Popup,
    /// "Open in a tab": "this tab" is the tab the popup was over (`?tab=`), if any.
    Tab,
    /// The side panel or sidebar: stays open while the user works in the page; "this tab"
    /// follows the active tab of its window unless `?tab=` pins it.
    Side,
    /// The DevTools panel: "this tab" is the inspected tab, for as long as DevTools is open
    /// (through reloads and navigations: a tab keeps its id).
    DevTools,
}

/// What the page's location and the browser say about where it runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    pub host: Host,
    /// The tab the page is bound to from the start, if any.
    pub tab: Option<i64>,
    /// Whether "this tab" changes with the window's active tab.
    pub follows_active_tab: bool,
}

impl Host {
    /// The value of `?host=` that opens the page as this host.
    pub fn name(self) -> &'static str {
        match self {
            Host::Popup => "popup",
            Host::Tab => "tab",
            Host::Side => "side",
            Host::DevTools => "devtools",
        }
    }

    /// The page fills its window (every host but the fixed-size toolbar popup).
    pub fn fills_window(self) -> bool {
        self != Host::Popup
    }

    /// Which key remembers the tab scope: the popup and the full tab share the original
    /// one; each panel remembers its own choice.
    pub fn scope_key(self) -> &'static str {
        match self {
            Host::Popup | Host::Tab => "fvi.filter.scope",
            Host::Side => "fvi.filter.scope.side",
            Host::DevTools => "fvi.filter.scope.devtools",
        }
    }

    /// The scope when none was chosen yet: a DevTools panel is about the inspected tab,
    /// everything else starts with all tabs.
    pub fn default_current_tab_only(self) -> bool {
        self == Host::DevTools
    }

    /// The tab filter's label for "this tab".
    pub fn this_tab_label(self) -> &'static str {
        match self {
            Host::Popup | Host::Tab => "Current tab",
            Host::Side => "Active tab",
            Host::DevTools => "Inspected tab",
        }
    }
}

impl Placement {
    /// Whether the list starts scoped to "this tab", given the scope this kind of host last
    /// remembered (`"current"`, `"all"`, or nothing). A side panel opened for one tab
    /// (`?tab=`) starts on that tab whatever it remembers: the URL asked for it.
    pub fn starts_on_this_tab(&self, remembered: &str) -> bool {
        if self.host == Host::Side && self.tab.is_some() {
            return true;
        }
        match remembered {
            "current" => true,
            "all" => false,
            _ => self.host.default_current_tab_only(),
        }
    }
}

/// Reads the placement from the query string's `host`, `view` and `tab` parameters and the
/// inspected tab id (only a real DevTools panel has one). `view=tab` is the older spelling
/// of `host=tab`, kept because "Open in a tab" links in open tabs still use it.
pub fn place(
    host: Option<&str>,
    view: Option<&str>,
    tab: Option<&str>,
    inspected: Option<i64>,
) -> Placement {
    let host = match (host, view, inspected) {
        (_, _, Some(_)) | (Some("devtools"), _, _) => Host::DevTools,
        (Some("side"), _, _) => Host::Side,
        (Some("tab"), _, _) | (None, Some("tab"), _) => Host::Tab,
        _ => Host::Popup,
    };
    let pinned = tab.and_then(|t| t.parse::<i64>().ok());
    let tab = inspected.or(pinned);
    Placement {
        host,
        tab,
        follows_active_tab: host == Host::Side && tab.is_none(),
    }
}

/// Why the extension cannot capture on a page with this URL, if it cannot: browsers keep
/// extensions out of their own pages and out of the extension stores.
pub fn restricted(url: &str) -> Option<&'static str> {
    const OWN_PAGES: [&str; 10] = [
        "chrome:",
        "chrome-extension:",
        "chrome-untrusted:",
        "devtools:",
        "edge:",
        "about:",
        "moz-extension:",
        "resource:",
        "view-source:",
        "chrome-search:",
    ];
    // Chromium keeps extensions off the Chrome Web Store; Firefox off addons.mozilla.org
    // and a few more of its own domains (extensions.webextensions.restrictedDomains).
    const STORES: [&str; 6] = [
        "https://chromewebstore.google.com/",
        "https://chrome.google.com/webstore",
        "https://microsoftedge.microsoft.com/addons",
        "https://addons.mozilla.org/",
        "https://accounts.firefox.com/",
        "https://support.mozilla.org/",
    ];
    let lower = url.to_ascii_lowercase();
    if OWN_PAGES.iter().any(|p| lower.starts_with(p)) {
        return Some("browsers keep extensions out of their own pages");
    }
    if STORES.iter().any(|p| lower.starts_with(p)) {
        return Some("browsers keep extensions out of the extension stores");
    }
    if lower.starts_with("file:") {
        return Some("file pages need \"Allow access to file URLs\" for the extension");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (host, view, tab, inspected) in; (host, tab, follows the active tab) out.
    type Case = (
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
        Option<i64>,
        Host,
        Option<i64>,
        bool,
    );

    #[test]
    fn placement_from_the_location() {
        let cases: [Case; 8] = [
            (None, None, None, None, Host::Popup, None, false),
            (
                None,
                Some("tab"),
                Some("7"),
                None,
                Host::Tab,
                Some(7),
                false,
            ),
            (Some("tab"), None, None, None, Host::Tab, None, false),
            (Some("side"), None, None, None, Host::Side, None, true),
            (
                Some("side"),
                None,
                Some("12"),
                None,
                Host::Side,
                Some(12),
                false,
            ),
            (
                Some("devtools"),
                None,
                Some("3"),
                None,
                Host::DevTools,
                Some(3),
                false,
            ),
            // A real DevTools panel: the inspected tab wins over anything in the URL.
            (
                None,
                None,
                Some("3"),
                Some(9),
                Host::DevTools,
                Some(9),
                false,
            ),
            (
                Some("side"),
                None,
                Some("not a number"),
                None,
                Host::Side,
                None,
                true,
            ),
        ];
        for (host, view, tab, inspected, want_host, want_tab, follows) in cases {
            let got = place(host, view, tab, inspected);
            assert_eq!(
                got,
                Placement {
                    host: want_host,
                    tab: want_tab,
                    follows_active_tab: follows
                },
                "{host:?} {view:?} {tab:?} {inspected:?}"
            );
        }
    }

    #[test]
    fn pages_the_extension_cannot_run_on() {
        let cases = [
            ("https://app.example.com/crm", None),
            ("http://127.0.0.1:8080/", None),
            ("chrome://extensions/", Some("own pages")),
            ("about:debugging#/runtime/this-firefox", Some("own pages")),
            ("about:blank", Some("own pages")),
            ("moz-extension://uuid/popup/popup.html", Some("own pages")),
            ("https://chromewebstore.google.com/detail/x", Some("stores")),
            ("https://addons.mozilla.org/en-US/firefox/", Some("stores")),
            ("file:///tmp/x.html", Some("file URLs")),
        ];
        for (url, want) in cases {
            let got = restricted(url);
            match want {
                None => assert_eq!(got, None, "{url}"),
                Some(part) => assert!(got.is_some_and(|g| g.contains(part)), "{url}: {got:?}"),
            }
        }
    }

    #[test]
    fn each_panel_remembers_its_own_scope() {
        let keys: Vec<&str> = [Host::Popup, Host::Tab, Host::Side, Host::DevTools]
            .iter()
            .map(|h| h.scope_key())
            .collect();
        assert_eq!(
            keys,
            [
                "fvi.filter.scope",
                "fvi.filter.scope",
                "fvi.filter.scope.side",
                "fvi.filter.scope.devtools"
            ]
        );
        assert!(Host::DevTools.default_current_tab_only());
        assert!(!Host::Side.default_current_tab_only());
    }

    #[test]
    fn which_scope_a_host_starts_with() {
        let cases = [
            // (host, view, tab, inspected, remembered, starts on this tab)
            (None, None, None, None, "", false),
            (None, None, None, None, "current", true),
            (Some("side"), None, None, None, "", false),
            (Some("side"), None, None, None, "current", true),
            (Some("side"), None, Some("4"), None, "all", true),
            (Some("devtools"), None, None, Some(4), "", true),
            (Some("devtools"), None, None, Some(4), "all", false),
            (None, Some("tab"), Some("4"), None, "all", false),
        ];
        for (host, view, tab, inspected, remembered, want) in cases {
            let placement = place(host, view, tab, inspected);
            assert_eq!(
                placement.starts_on_this_tab(remembered),
                want,
                "{placement:?} remembering {remembered:?}"
            );
        }
    }
}
