//! The page's own handlers, as reported by the page: report types, their validation, the
//! stored layout, the per-site opt-in list, and what the inspector reads from them (the
//! listeners that ran for a captured event, the page's listener list, findings).
//!
//! Where reports come from: on a site the user opted in (off by default), the background
//! registers `content-script/hook.js` in the page's own world (MAIN), which wraps
//! `addEventListener`/`removeEventListener`/`dispatchEvent` for `fullview:*` types, and
//! `content-script/bridge.js` in the content-script world, which forwards what the hook
//! sends to the background as [`crate::protocol::Request::HandlerReports`].
//!
//! Architecture invariant: everything here that came from the page is untrusted. Each
//! report is a string the page's world made (a page can forge them); [`parse_report`]
//! bounds its size before parsing, checks the version, the shape, every number (finite, in
//! range) and every string (cut to its bound), and refuses anything else with a reason.
//! Reports live under their own storage keys ([`REPORTS_KEY`]), apart from the event log
//! and the settings: nothing in a report can change a captured event, a tab or frame id
//! (those come from the browser's sender) or a setting. The inspector shows them labelled
//! "as reported by the page".

use serde::{Deserialize, Serialize};

use crate::event::EventKind;
use crate::record::EventRecord;

/// Version of a report's shape (the `v` in each report the hook writes).
pub const REPORT_VERSION: u32 = 1;
/// Version of the stored layout under [`REPORTS_KEY`] and [`SITES_KEY`].
pub const HANDLERS_STORAGE_VERSION: u32 = 1;

/// `storage.local` key of the opted-in sites ([`Sites`]). Written only by the background,
/// on a request from the extension's own pages.
pub const SITES_KEY: &str = "handlerSites";
/// `storage.local` key of the stored reports ([`HandlerLog`]). Written only by the
/// background.
pub const REPORTS_KEY: &str = "handlerReports";

/// Reports one message may carry; the bridge sends more in further messages.
pub const MAX_REPORTS_PER_MESSAGE: usize = 200;
/// Longest report text, in bytes, that is parsed at all.
pub const MAX_REPORT_BYTES: usize = 8192;
/// Longest event type kept (`fullview:` and a name).
pub const MAX_TYPE_CHARS: usize = 100;
/// Longest script URL kept.
pub const MAX_URL_CHARS: usize = 500;
/// Longest error name kept.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest error message kept.
pub const MAX_MESSAGE_CHARS: usize = 500;
/// Longest stack kept.
pub const MAX_STACK_CHARS: usize = 2000;
/// Longest callId kept.
pub const MAX_CALL_ID_CHARS: usize = 200;
/// Longest duration a listener run may report, in ms (an hour: anything longer is not a
/// measurement).
pub const MAX_MS: f64 = 3_600_000.0;
/// Pages (documents) kept; the one heard from least recently goes first.
pub const MAX_PAGES: usize = 32;
/// Listeners kept per page; later ones are counted in [`PageHandlers::dropped`].
pub const MAX_LISTENERS: usize = 100;
/// Listener runs kept over all pages; the oldest go first.
pub const MAX_RUNS: usize = 1000;
/// Unknown `fullview:` names kept per page.
pub const MAX_UNKNOWN: usize = 32;
/// Sites that can be opted in at once.
pub const MAX_SITES: usize = 64;
/// Longest document token the bridge may send.
pub const MAX_DOCUMENT_CHARS: usize = 64;
/// How far apart, in ms, a run's event time and a captured event's `capturedAt` may be to
/// be the same dispatch (both are `performance.timeOrigin + event.timeStamp`, computed in
/// two worlds; Firefox may round them differently).
pub const SAME_EVENT_MS: f64 = 2.0;

/// One report from the page's world, as the hook writes it (JSON text, one per report).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "r",
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum Report {
    /// A listener was added for a `fullview:*` type on `window`.
    Added {
        v: u32,
        #[serde(rename = "type")]
        kind: String,
        /// The hook's number for the listener, unique in its document.
        listener: u32,
        #[serde(default)]
        capture: bool,
        #[serde(default)]
        once: bool,
        /// `new Error().stack` where it was added; the registration site is read from it.
        #[serde(default)]
        stack: String,
    },
    /// A listener was removed (`removeEventListener`, or after its `once` run).
    Removed {
        v: u32,
        #[serde(rename = "type")]
        kind: String,
        listener: u32,
    },
    /// A listener ran for an event.
    Ran {
        v: u32,
        #[serde(rename = "type")]
        kind: String,
        listener: u32,
        /// `performance.timeOrigin + event.timeStamp`, as the sentinel computes `capturedAt`.
        at: f64,
        /// The detail's string `callId`, if it had one.
        #[serde(default)]
        call_id: Option<String>,
        /// How long the listener took, in ms.
        ms: f64,
        #[serde(default)]
        threw: Option<Thrown>,
    },
    /// A `fullview:` name that is not one of the eight was dispatched on `window`.
    Dispatched {
        v: u32,
        #[serde(rename = "type")]
        kind: String,
        at: f64,
    },
    /// The hook reached its own bound and left out `count` reports.
    Dropped { v: u32, count: u64 },
}

/// What a listener threw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Thrown {
    /// `e.name` (`TypeError`), or the thrown value's type for a non-error.
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub stack: String,
}

/// Where something was in the page's scripts: read from a stack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Site {
    pub url: String,
    pub line: u32,
    pub column: u32,
}

impl Site {
    /// `app.js:42` (the URL's last path segment and the line), as the inspector shows it.
    pub fn short(&self) -> String {
        let path = self.url.split(['?', '#']).next().unwrap_or_default();
        let file = path.rsplit('/').find(|s| !s.is_empty()).unwrap_or(path);
        format!("{file}:{}", self.line)
    }
}

/// Reads one report the page's world sent: bounded before it is parsed, then checked.
/// Long strings are cut to their bound; anything else out of shape is refused with a reason
/// in plain words. Never panics.
pub fn parse_report(text: &str) -> Result<Report, String> {
    if text.len() > MAX_REPORT_BYTES {
        return Err(format!(
            "report of {} bytes, at most {MAX_REPORT_BYTES}",
            text.len()
        ));
    }
    let report: Report =
        serde_json::from_str(text).map_err(|e| format!("malformed report: {e}"))?;
    let v = match &report {
        Report::Added { v, .. }
        | Report::Removed { v, .. }
        | Report::Ran { v, .. }
        | Report::Dispatched { v, .. }
        | Report::Dropped { v, .. } => *v,
    };
    if v != REPORT_VERSION {
        return Err(format!("report version {v}, expected {REPORT_VERSION}"));
    }
    bound(report)
}

fn bound(mut report: Report) -> Result<Report, String> {
    match &mut report {
        Report::Added { kind, stack, .. } => {
            event_type(kind)?;
            *stack = clip(stack, MAX_STACK_CHARS);
        }
        Report::Removed { kind, .. } => event_type(kind)?,
        Report::Ran {
            kind,
            at,
            call_id,
            ms,
            threw,
            ..
        } => {
            event_type(kind)?;
            time(*at)?;
            duration(*ms)?;
            if let Some(c) = call_id {
                *c = clip(c, MAX_CALL_ID_CHARS);
            }
            if let Some(t) = threw {
                t.name = clip(&t.name, MAX_NAME_CHARS);
                t.message = clip(&t.message, MAX_MESSAGE_CHARS);
                t.stack = clip(&t.stack, MAX_STACK_CHARS);
            }
        }
        Report::Dispatched { kind, at, .. } => {
            event_type(kind)?;
            if EventKind::from_name(kind).is_some() {
                return Err(format!(
                    "{kind} is one of the eight; only unknown names are reported"
                ));
            }
            time(*at)?;
        }
        Report::Dropped { .. } => {}
    }
    Ok(report)
}

fn event_type(kind: &str) -> Result<(), String> {
    if kind.chars().count() > MAX_TYPE_CHARS {
        return Err(format!(
            "event type longer than {MAX_TYPE_CHARS} characters"
        ));
    }
    if !kind.starts_with("fullview:") {
        return Err("event type outside fullview:".into());
    }
    if kind.chars().any(char::is_control) {
        return Err("event type with control characters".into());
    }
    Ok(())
}

fn time(at: f64) -> Result<(), String> {
    if at.is_finite() && at >= 0.0 {
        Ok(())
    } else {
        Err(format!("event time {at} is not a time"))
    }
}

fn duration(ms: f64) -> Result<(), String> {
    if ms.is_finite() && (0.0..=MAX_MS).contains(&ms) {
        Ok(())
    } else {
        Err(format!("duration {ms} ms is not between 0 and {MAX_MS}"))
    }
}

use crate::protocol::clip;

/// The first frame of `stack` that is the page's (not the extension's own hook), as script
/// URL, line and column. Reads Chromium's `    at f (https://x/app.js:10:5)` and
/// `    at https://x/app.js:10:5`, and Firefox's `f@https://x/app.js:10:5`. `None` when no
/// frame names an http(s) or file URL.
pub fn site_of(stack: &str) -> Option<Site> {
    stack.lines().find_map(|line| {
        let line = line.trim();
        let location = if let Some(rest) = line.strip_prefix("at ") {
            match (rest.rfind('('), rest.ends_with(')')) {
                (Some(open), true) => &rest[open + 1..rest.len() - 1],
                _ => rest,
            }
        } else {
            line.rsplit_once('@').map(|(_, l)| l)?
        };
        let (rest, column) = location.rsplit_once(':')?;
        let (url, line) = rest.rsplit_once(':')?;
        let page = ["http://", "https://", "file://"]
            .iter()
            .any(|s| url.starts_with(s));
        Some(Site {
            url: clip(url, MAX_URL_CHARS),
            line: line.parse().ok()?,
            column: column.parse().ok()?,
        })
        .filter(|_| page)
    })
}

/// The opted-in sites, under [`SITES_KEY`]: match patterns (`https://host/*`, any port),
/// as `crate::describer::pattern_for` makes them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sites {
    pub storage_version: u32,
    pub sites: Vec<String>,
}

impl Sites {
    /// Reads the stored value; anything unreadable or of another version is no sites
    /// (opt-in is off by default, so a value that cannot be read turns nothing on).
    pub fn read(value: Option<&serde_json::Value>) -> Sites {
        value
            .and_then(|v| serde_json::from_value::<Sites>(v.clone()).ok())
            .filter(|s| s.storage_version == HANDLERS_STORAGE_VERSION)
            .map(|s| Sites {
                storage_version: s.storage_version,
                sites: s
                    .sites
                    .into_iter()
                    .filter(|p| {
                        crate::describer::pattern_for(&p.replace("/*", "/")).as_ref() == Some(p)
                    })
                    .take(MAX_SITES)
                    .collect(),
            })
            .unwrap_or_default()
    }

    /// Whether the page at `url` is on an opted-in site.
    pub fn covers(&self, url: &str) -> bool {
        crate::describer::pattern_for(url).is_some_and(|p| self.sites.contains(&p))
    }

    /// The list after turning the site of `url` on or off, or an error for a URL no site
    /// can name (an extension page, `about:blank`) or a full list. Unchanged when it
    /// already was as asked.
    pub fn set(&self, url: &str, on: bool) -> Result<Sites, String> {
        let pattern = crate::describer::pattern_for(url)
            .ok_or_else(|| format!("{} is not on a site that can be opted in", clip(url, 200)))?;
        let mut sites: Vec<String> = self.sites.clone();
        sites.retain(|p| *p != pattern);
        if on {
            if sites.len() >= MAX_SITES {
                return Err(format!("at most {MAX_SITES} sites can be opted in"));
            }
            sites.push(pattern);
        }
        Ok(Sites {
            storage_version: HANDLERS_STORAGE_VERSION,
            sites,
        })
    }
}

/// Which page a stored report came from: the tab and frame the browser reported for the
/// message (never the report), and the bridge's token for the document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PageKey {
    pub tab_id: i64,
    pub frame_id: i64,
    pub document: String,
}

/// Everything stored about one page's handlers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PageHandlers {
    pub page: PageKey,
    /// The frame's URL as the browser reported it with the first message.
    pub url: Option<String>,
    /// When the background first and last heard from the page (ms since the epoch).
    pub first_at: f64,
    pub last_at: f64,
    /// Listeners in the order the page added them.
    pub listeners: Vec<Listener>,
    /// Unknown `fullview:` names the page listened to or dispatched.
    pub unknown: Vec<UnknownName>,
    /// Reports left out by a bound, the hook's and the background's together.
    pub dropped: u64,
}

/// One listener the page added for a `fullview:*` type on `window`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Listener {
    pub id: u32,
    #[serde(rename = "type")]
    pub kind: String,
    /// Where it was added, read from the stack the page sent.
    pub site: Option<Site>,
    pub capture: bool,
    pub once: bool,
    /// Removed since (`removeEventListener`, or its `once` run).
    pub removed: bool,
}

/// A `fullview:` name that is not one of the eight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UnknownName {
    pub name: String,
    /// The page added a listener for it.
    pub listened: bool,
    /// How many times the page dispatched it.
    pub dispatched: u64,
}

/// One listener run, stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Run {
    /// The log's number for this run, increasing.
    pub n: u64,
    pub page: PageKey,
    #[serde(rename = "type")]
    pub kind: String,
    pub listener: u32,
    pub at: f64,
    pub call_id: Option<String>,
    pub ms: f64,
    pub threw: Option<Thrown>,
}

/// The reports as stored under [`REPORTS_KEY`], bounded: [`MAX_PAGES`] pages,
/// [`MAX_RUNS`] runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HandlerLog {
    pub storage_version: u32,
    pub next_n: u64,
    pub pages: Vec<PageHandlers>,
    pub runs: Vec<Run>,
    /// Reports refused (malformed, out of bounds), with the last reason.
    pub refused: u64,
    pub last_refused: Option<String>,
}

impl Default for HandlerLog {
    fn default() -> HandlerLog {
        HandlerLog::new()
    }
}

/// What [`HandlerLog::apply`] did with one message's reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Applied {
    pub accepted: u32,
    pub refused: u32,
}

impl HandlerLog {
    /// Reads the stored value; anything unreadable or of another version is an empty log.
    pub fn read(value: Option<&serde_json::Value>) -> HandlerLog {
        value
            .and_then(|v| serde_json::from_value::<HandlerLog>(v.clone()).ok())
            .filter(|l| l.storage_version == HANDLERS_STORAGE_VERSION)
            .unwrap_or_default()
    }

    pub fn new() -> HandlerLog {
        HandlerLog {
            storage_version: HANDLERS_STORAGE_VERSION,
            next_n: 1,
            pages: Vec::new(),
            runs: Vec::new(),
            refused: 0,
            last_refused: None,
        }
    }

    /// Takes one message's report texts from `page` (tab and frame from the browser's
    /// sender; `url` the frame's URL as the browser reported it), received at `now`. Each
    /// report is parsed and bounded on its own ([`parse_report`]); a refused one is counted
    /// and changes nothing else.
    pub fn apply(
        &mut self,
        page: &PageKey,
        url: Option<&str>,
        reports: &[String],
        now: f64,
    ) -> Applied {
        let mut applied = Applied::default();
        for text in reports.iter().take(MAX_REPORTS_PER_MESSAGE) {
            match parse_report(text) {
                Ok(report) => {
                    self.take(page, url, report, now);
                    applied.accepted += 1;
                }
                Err(reason) => {
                    self.refused += 1;
                    self.last_refused = Some(reason);
                    applied.refused += 1;
                }
            }
        }
        let over = reports.len().saturating_sub(MAX_REPORTS_PER_MESSAGE) as u32;
        if over > 0 {
            self.refused += u64::from(over);
            self.last_refused = Some(format!(
                "{} reports in one message, at most {MAX_REPORTS_PER_MESSAGE}",
                reports.len()
            ));
            applied.refused += over;
        }
        applied
    }

    fn page_mut(&mut self, page: &PageKey, url: Option<&str>, now: f64) -> &mut PageHandlers {
        let at = match self.pages.iter().position(|p| p.page == *page) {
            Some(at) => at,
            None => {
                if self.pages.len() >= MAX_PAGES {
                    let oldest = self
                        .pages
                        .iter()
                        .enumerate()
                        .min_by(|a, b| a.1.last_at.total_cmp(&b.1.last_at))
                        .map(|(i, _)| i)
                        .unwrap_or(0);
                    let gone = self.pages.remove(oldest).page;
                    self.runs.retain(|r| r.page != gone);
                }
                self.pages.push(PageHandlers {
                    page: page.clone(),
                    url: url.map(|u| clip(u, MAX_URL_CHARS)),
                    first_at: now,
                    last_at: now,
                    listeners: Vec::new(),
                    unknown: Vec::new(),
                    dropped: 0,
                });
                self.pages.len() - 1
            }
        };
        let entry = &mut self.pages[at];
        entry.last_at = entry.last_at.max(now);
        entry
    }

    fn take(&mut self, page: &PageKey, url: Option<&str>, report: Report, now: f64) {
        let n = self.next_n;
        let entry = self.page_mut(page, url, now);
        match report {
            Report::Added {
                kind,
                listener,
                capture,
                once,
                stack,
                ..
            } => {
                if EventKind::from_name(&kind).is_none() {
                    note_unknown(entry, &kind, true, 0);
                }
                if let Some(known) = entry.listeners.iter_mut().find(|l| l.id == listener) {
                    // Added again after a removal (the hook reuses a listener's number).
                    known.removed = false;
                } else if entry.listeners.len() >= MAX_LISTENERS {
                    entry.dropped += 1;
                } else {
                    entry.listeners.push(Listener {
                        id: listener,
                        kind,
                        site: site_of(&stack),
                        capture,
                        once,
                        removed: false,
                    });
                }
            }
            Report::Removed { listener, .. } => {
                if let Some(known) = entry.listeners.iter_mut().find(|l| l.id == listener) {
                    known.removed = true;
                }
            }
            Report::Dispatched { kind, .. } => note_unknown(entry, &kind, false, 1),
            Report::Dropped { count, .. } => entry.dropped = entry.dropped.saturating_add(count),
            Report::Ran {
                kind,
                listener,
                at,
                call_id,
                ms,
                threw,
                ..
            } => {
                self.next_n += 1;
                self.runs.push(Run {
                    n,
                    page: page.clone(),
                    kind,
                    listener,
                    at,
                    call_id,
                    ms,
                    threw,
                });
                let over = self.runs.len().saturating_sub(MAX_RUNS);
                self.runs.drain(..over);
            }
        }
    }

    /// The runs reported for the captured event `event`: same tab and frame, same type, the
    /// same event time within [`SAME_EVENT_MS`], and the same callId where both have one;
    /// in the order they ran, each with its listener where the page reported it.
    pub fn runs_for<'a>(&'a self, event: &EventRecord) -> Vec<(&'a Run, Option<&'a Listener>)> {
        self.runs
            .iter()
            .filter(|r| {
                r.page.tab_id == event.tab_id
                    && r.page.frame_id == event.frame_id
                    && r.kind == event.kind.name()
                    && (r.at - event.captured_at).abs() <= SAME_EVENT_MS
                    && match (&r.call_id, &event.call_id) {
                        (Some(a), Some(b)) => a == b,
                        _ => true,
                    }
            })
            .map(|r| (r, self.listener(&r.page, r.listener)))
            .collect()
    }

    /// The listener `id` of `page`, if the page reported it.
    pub fn listener(&self, page: &PageKey, id: u32) -> Option<&Listener> {
        self.pages
            .iter()
            .find(|p| p.page == *page)
            .and_then(|p| p.listeners.iter().find(|l| l.id == id))
    }

    /// The pages of `tab_id`, most recently heard from first.
    pub fn pages_of(&self, tab_id: i64) -> Vec<&PageHandlers> {
        let mut pages: Vec<&PageHandlers> = self
            .pages
            .iter()
            .filter(|p| p.page.tab_id == tab_id)
            .collect();
        pages.sort_by(|a, b| b.last_at.total_cmp(&a.last_at));
        pages
    }

    /// Forgets every report (the log was cleared); the refusal count stays.
    pub fn clear(&mut self) {
        self.pages.clear();
        self.runs.clear();
    }
}

fn note_unknown(page: &mut PageHandlers, name: &str, listened: bool, dispatched: u64) {
    if let Some(known) = page.unknown.iter_mut().find(|u| u.name == name) {
        known.listened |= listened;
        known.dispatched = known.dispatched.saturating_add(dispatched);
    } else if page.unknown.len() >= MAX_UNKNOWN {
        page.dropped += 1;
    } else {
        page.unknown.push(UnknownName {
            name: name.to_string(),
            listened,
            dispatched,
        });
    }
}

/// The events a page that listens for the first should also listen for: what can follow
/// it in the lifecycles of `docs/lifecycle.md`.
pub const FOLLOWS: [(EventKind, &[EventKind]); 4] = [
    (
        EventKind::CallRequested,
        &[
            EventKind::CallAccepted,
            EventKind::CallDenied,
            EventKind::CallEnded,
        ],
    ),
    (EventKind::CallAccepted, &[EventKind::CallEnded]),
    (
        EventKind::SupportRequested,
        &[
            EventKind::SupportRequestTaken,
            EventKind::SupportRequestCancelledByCustomer,
            EventKind::SupportRequestCancelledByAgent,
        ],
    ),
    (EventKind::SupportRequestTaken, &[EventKind::CallEnded]),
];

/// Something worth a look in how a page listens, as reported by the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// The page listens for `listens` but not for `missing`, which can follow it.
    Missing {
        listens: EventKind,
        missing: EventKind,
    },
    /// The page listened to or dispatched a `fullview:` name that is not one of the eight;
    /// `like` is the one it most resembles, if any.
    Unknown {
        name: String,
        listened: bool,
        dispatched: u64,
        like: Option<EventKind>,
    },
}

impl Finding {
    /// The finding in plain words.
    pub fn text(&self) -> String {
        match self {
            Finding::Missing { listens, missing } => format!(
                "listens for {} but not for {}",
                listens.short(),
                missing.short()
            ),
            Finding::Unknown {
                name,
                listened,
                dispatched,
                like,
            } => {
                let what = match (*listened, *dispatched) {
                    (true, 0) => "listens for".to_string(),
                    (false, n) => format!("dispatched {}", times(n)),
                    (true, n) => format!("listens for and dispatched {}", times(n)),
                };
                let hint = like
                    .map(|k| format!("; did you mean {}?", k.name()))
                    .unwrap_or_default();
                format!("{what} {name}, which is not a Fullview event{hint}")
            }
        }
    }
}

fn times(n: u64) -> String {
    if n == 1 {
        "once".into()
    } else {
        format!("{n} times")
    }
}

/// The findings for one page: missing listeners (by [`FOLLOWS`]; a listener removed since,
/// such as a `once` one that ran, still counts as handling its event), then unknown names.
pub fn findings(page: &PageHandlers) -> Vec<Finding> {
    let listens = |k: EventKind| page.listeners.iter().any(|l| l.kind == k.name());
    let mut out = Vec::new();
    for (first, follows) in FOLLOWS {
        if !listens(first) {
            continue;
        }
        for &missing in follows {
            if !listens(missing) {
                out.push(Finding::Missing {
                    listens: first,
                    missing,
                });
            }
        }
    }
    for unknown in &page.unknown {
        out.push(Finding::Unknown {
            name: unknown.name.clone(),
            listened: unknown.listened,
            dispatched: unknown.dispatched,
            like: resembles(&unknown.name),
        });
    }
    out
}

/// The one of the eight `name` most likely means: the same name in another case, or one at
/// most two edits away.
pub fn resembles(name: &str) -> Option<EventKind> {
    let lower = name.to_lowercase();
    EventKind::ALL
        .iter()
        .map(|k| (distance(&lower, &k.name().to_lowercase()), *k))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Levenshtein distance, by characters; names are at most [`MAX_TYPE_CHARS`].
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let next = (row[j] + 1).min(row[j + 1] + 1).min(prev + cost);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// The one-line summary of a captured event's runs: "handled by 2 listeners; 1 threw
/// TypeError: x is undefined at app.js:42", or "no listener ran" for none.
pub fn summary(runs: &[(&Run, Option<&Listener>)]) -> String {
    if runs.is_empty() {
        return "no listener ran".into();
    }
    let mut text = format!(
        "handled by {}",
        if runs.len() == 1 {
            "1 listener".to_string()
        } else {
            format!("{} listeners", runs.len())
        }
    );
    let threw: Vec<&Thrown> = runs.iter().filter_map(|(r, _)| r.threw.as_ref()).collect();
    if let Some(first) = threw.first() {
        text.push_str(&format!("; {} threw {}", threw.len(), thrown_text(first)));
    }
    text
}

/// `TypeError: x is undefined at app.js:42` (the site from its stack, where one names the
/// page's script).
pub fn thrown_text(thrown: &Thrown) -> String {
    let mut text = match (thrown.name.is_empty(), thrown.message.is_empty()) {
        (false, false) => format!("{}: {}", thrown.name, thrown.message),
        (false, true) => thrown.name.clone(),
        (true, false) => thrown.message.clone(),
        (true, true) => "a value".into(),
    };
    if let Some(site) = site_of(&thrown.stack) {
        text.push_str(&format!(" at {}", site.short()));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oversized_reports_are_refused_before_parsing() {
        let big = format!(
            r#"{{"r":"dropped","v":1,"count":1,"pad":"{}"}}"#,
            "x".repeat(MAX_REPORT_BYTES)
        );
        assert_eq!(
            parse_report(&big),
            Err(format!(
                "report of {} bytes, at most {MAX_REPORT_BYTES}",
                big.len()
            ))
        );
        assert_eq!(
            parse_report(r#"{"r":"dropped","v":1,"count":3}"#),
            Ok(Report::Dropped { v: 1, count: 3 })
        );
    }

    #[test]
    fn sites_are_origins_turned_on_and_off() {
        let none = Sites::default();
        let on = none.set("http://127.0.0.1:8123/app.html?x", true).unwrap();
        assert_eq!(on.sites, vec!["http://127.0.0.1/*".to_string()]);
        assert_eq!(on.storage_version, HANDLERS_STORAGE_VERSION);
        let cases: &[(&str, bool)] = &[
            ("http://127.0.0.1:9/other", true),
            ("https://127.0.0.1/", false),
            ("http://localhost/", false),
            ("about:blank", false),
        ];
        for (url, expect) in cases {
            assert_eq!(on.covers(url), *expect, "{url}");
        }
        assert_eq!(on.set("http://127.0.0.1/", true).unwrap(), on);
        assert!(on.set("http://127.0.0.1/", false).unwrap().sites.is_empty());
        assert!(none.set("chrome-extension://x/popup.html", true).is_err());
        // Stored values are read back; anything else is no sites.
        let stored = serde_json::to_value(&on).unwrap();
        assert_eq!(Sites::read(Some(&stored)), on);
        let bad = [
            serde_json::json!({"storageVersion": 2, "sites": ["http://a/*"]}),
            serde_json::json!({"storageVersion": 1, "sites": ["<all_urls>", "*://*/*"]}),
            serde_json::json!("http://a/*"),
        ];
        for value in bad {
            assert!(Sites::read(Some(&value)).sites.is_empty(), "{value}");
        }
    }

    #[test]
    fn distance_counts_edits() {
        assert_eq!(distance("abc", "abc"), 0);
        assert_eq!(distance("abc", "abd"), 1);
        assert_eq!(distance("", "ab"), 2);
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
