//! What the popup holds between events: the live log (and an imported one, if any), the
//! model built from whichever is shown, the filters, and the selection. Plain Rust
//! structs: internal view state derives no serde traits (ARCHITECTURE.md).

use std::collections::HashSet;

use fvi_browser::ExtListener;
use fvi_core::export::{ExportFile, Stats};
use fvi_core::protocol::Health;
use fvi_core::EventRecord;

use crate::filters::Filters;
use crate::host::Placement;
use crate::load::Loaded;
use crate::model::{Data, Model, Shown};

/// How many list rows are rendered at first, and added per "Show more". A few hundred
/// rows fill any screen; rendering 10,000 would cost more than everything else together.
pub const PAGE_ROWS: usize = 200;

/// Which list the left pane shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Calls,
    Inbound,
    Unassigned,
}

impl Pane {
    pub fn list_id(self) -> &'static str {
        match self {
            Pane::Calls => "calls",
            Pane::Inbound => "inbound",
            Pane::Unassigned => "unassigned",
        }
    }

    pub fn tab_id(self) -> &'static str {
        match self {
            Pane::Calls => "view-calls",
            Pane::Inbound => "view-inbound",
            Pane::Unassigned => "view-unassigned",
        }
    }

    pub fn from_arg(arg: &str) -> Option<Pane> {
        match arg {
            "calls" => Some(Pane::Calls),
            "inbound" => Some(Pane::Inbound),
            "unassigned" => Some(Pane::Unassigned),
            _ => None,
        }
    }

    pub const ALL: [Pane; 3] = [Pane::Calls, Pane::Inbound, Pane::Unassigned];
}

/// The tab a host is bound to, as the browser last reported it.
#[derive(Debug, Clone, PartialEq)]
pub enum TabState {
    /// Not asked yet, or no tab is bound.
    Unknown,
    Open {
        url: String,
    },
    Closed,
}

/// An export file opened read-only. Never written anywhere.
pub struct Imported {
    pub name: String,
    pub file: ExportFile,
    /// When the file was exported: the "now" its unanswered checks are judged at.
    pub now: f64,
}

/// What is selected in each list (kept per list, so switching lists and back keeps it).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selection {
    pub call: Option<String>,
    pub inbound: Option<u64>,
    /// Seq of an event without a callId.
    pub event: Option<u64>,
}

pub struct App {
    pub live: Option<Loaded>,
    /// When set, this is what the screen shows, and the live log waits behind it.
    pub imported: Option<Imported>,
    /// The "now" the live model was judged at.
    pub live_now: f64,
    pub model: Model,
    pub shown: Shown,
    pub filters: Filters,
    /// The tab "this tab" means (for the tab filter): the tab the popup was opened over, the
    /// inspected tab, or the side panel's active tab (see `host`).
    pub current_tab: Option<i64>,
    /// Where the page runs, and whether "this tab" follows the active tab.
    pub placement: Placement,
    /// The window the page is shown in (a side panel follows activations in it only, and
    /// "Open side panel" opens it there).
    pub window_id: Option<i64>,
    /// What the browser says of `current_tab` now: open (with its URL), closed, or unknown.
    pub tab_state: TabState,
    pub pane: Pane,
    pub selection: Selection,
    /// The live log's selection while an imported file is shown.
    pub saved_selection: Option<Selection>,
    /// Rows rendered in the current list.
    pub limit: usize,
    /// When the last reload started (`performance.now()`), for the reload throttle.
    pub last_reload_ms: Option<f64>,
    /// A reload is running; changes meanwhile set `reload_again`.
    pub loading: bool,
    pub reload_again: bool,
    /// Bumped by every storage change; a debounced reload runs only if it is still current.
    pub change_generation: u64,
    /// Bumped by every keystroke in the search box, for the same reason.
    pub search_generation: u64,
    /// What the detail pane shows now, so live updates that do not change it leave it be.
    pub detail: crate::timeline_view::Rendered,
    /// The list's rows as rendered, by key (`calls_list::render` patches them).
    pub rows: crate::calls_list::Keyed,
    /// Bumped by every live update applied: a status message about the log holds only
    /// until the log changes (`texts::Holds`).
    pub log_version: u64,
    /// While a text that counts time is on screen ("no answer yet, 12 s since the
    /// request"), re-renders it every second; dropped (and stopped) when none is.
    pub tick: Option<crate::dom::Interval>,
    /// Browser listeners the page holds for as long as the app lives (tab activations,
    /// tab removal and navigation); they hold the app weakly.
    pub held: Vec<ExtListener>,
    /// The user asked for every step of a very long call.
    pub all_steps: bool,
    /// The first render after the first load has not happened yet (timing figures).
    pub first_paint_pending: bool,
    /// Until the first screen is painted, lists render only the rows that fit on it
    /// (`calls_list::first_screen_rows`); the rest follow once that frame is out.
    pub first_screen: bool,
    /// The whole log has not been on screen yet (a large log shows its newest part first).
    pub full_load_pending: bool,
    /// How the background's writes are going, as it last said (`#storage-banner`).
    pub health: Health,
    /// The tab's run (a replay or a preset) as last read, and its poll.
    pub runs: crate::replay_view::RunsUi,
    /// The page's own handlers, as the background stored their reports (`handlers_view`).
    pub handlers: crate::handlers_view::Handlers,
}

impl App {
    pub fn new() -> App {
        App {
            live: None,
            imported: None,
            live_now: 0.0,
            model: Model::empty(),
            shown: Shown::empty(),
            filters: Filters::default(),
            current_tab: None,
            placement: crate::host::place(None, None, None, None),
            window_id: None,
            tab_state: TabState::Unknown,
            pane: Pane::Calls,
            selection: Selection::default(),
            saved_selection: None,
            limit: PAGE_ROWS,
            last_reload_ms: None,
            loading: false,
            reload_again: false,
            change_generation: 0,
            search_generation: 0,
            detail: Default::default(),
            rows: Default::default(),
            log_version: 0,
            tick: None,
            runs: Default::default(),
            held: Vec::new(),
            all_steps: false,
            first_paint_pending: true,
            first_screen: true,
            full_load_pending: true,
            health: Health::default(),
            handlers: Default::default(),
        }
    }

    /// The log on screen.
    pub fn data(&self) -> Data<'_> {
        match (&self.imported, &self.live) {
            (Some(i), _) => Data {
                events: &i.file.events,
                notes: &i.file.tab_notes,
                now: i.now,
            },
            (None, Some(live)) => Data {
                events: &live.events,
                notes: &live.meta.notes,
                now: self.live_now,
            },
            (None, None) => Data {
                events: &[],
                notes: &[],
                now: self.live_now,
            },
        }
    }

    /// Stats to put in an export of what is on screen.
    pub fn stats(&self) -> Stats {
        match (&self.imported, &self.live) {
            (Some(i), _) => i.file.stats.clone(),
            (None, Some(live)) => Stats {
                evicted_calls: live.meta.evicted_calls,
                evicted_events: live.meta.evicted_events,
                malformed_messages: live.meta.malformed,
                unknown_event_types: live.meta.unknown_types,
            },
            (None, None) => Stats::default(),
        }
    }

    pub fn events(&self) -> &[EventRecord] {
        self.data().events
    }

    /// Rebuilds the model from the log on screen (once per load), then what is shown.
    pub fn rebuild(&mut self) {
        self.log_version += 1;
        self.build();
    }

    /// Takes in a live update whose first `stable` events are the ones shown already:
    /// when the log only grew, the model takes in just the new events (`Model::extend`,
    /// work proportional to what changed); anything else rebuilds it.
    pub fn update(&mut self, stable: usize) {
        let incremental = self.is_live()
            && !self.is_partial()
            && self.model.seen() <= stable
            && self.model.seen() > 0
            && self.model.same_notes(self.data().notes);
        if !incremental {
            self.rebuild();
            return;
        }
        self.log_version += 1;
        self.live_now = js_sys::Date::now();
        let none = (HashSet::new(), HashSet::new());
        let mut model = std::mem::replace(&mut self.model, Model::empty());
        model.extend(self.data(), &none.0, &none.1);
        self.model = model;
        self.refilter();
    }

    /// Judges the log again at the time now (an open request turns "unanswered" as time
    /// passes): only the open calls and requests, whose verdicts time can change.
    pub fn rejudge(&mut self) {
        if !self.is_live() || self.is_partial() {
            self.build();
            return;
        }
        self.live_now = js_sys::Date::now();
        let (calls, tabs) = self.model.open_now();
        let mut model = std::mem::replace(&mut self.model, Model::empty());
        model.extend(self.data(), &calls, &tabs);
        self.model = model;
        self.refilter();
    }

    fn build(&mut self) {
        if self.imported.is_none() {
            self.live_now = js_sys::Date::now();
        }
        self.model = Model::build(self.data());
        if self.is_partial() {
            // The newest chunks alone can cut a call in two, and its newer half would look
            // broken ("accepted without a request"). No verdicts until the whole log is in.
            for call in &mut self.model.calls {
                call.flags.clear();
            }
            for req in &mut self.model.inbound {
                req.flags.clear();
            }
        }
        self.refilter();
    }

    /// Recomputes what the filters let through, without regrouping.
    pub fn refilter(&mut self) {
        let query = self.filters.query(self.current_tab, &self.model.tabs);
        self.shown = Shown::compute(&self.model, self.data(), &query);
    }

    /// Whether the shown row at `position` of the current pane has problems.
    fn has_problems(&self, row: usize) -> bool {
        match self.pane {
            Pane::Calls => !self.model.calls[row].flags.is_empty(),
            Pane::Inbound => !self.model.inbound[row].flags.is_empty(),
            Pane::Unassigned => false,
        }
    }

    /// Positions (among the shown rows of the current pane) of the rows with problems.
    pub fn problem_positions(&self) -> Vec<usize> {
        let rows = self.shown_rows();
        (0..rows.len())
            .filter(|p| self.has_problems(rows[*p]))
            .collect()
    }

    /// Selects the next (or previous) row with problems in the current list, round at the
    /// ends (`find::step`); returns which problem it is and how many the list shows
    /// (`(1, 2)`: the first of two), or `None` when it shows none.
    pub fn step_problem(&mut self, forward: bool) -> Option<(usize, usize)> {
        let problems = self.problem_positions();
        let to = crate::find::step(&problems, self.selected_position(), forward)?;
        let key = self.key_at(to)?;
        if self.selected_key().as_deref() != Some(&key) {
            self.all_steps = false;
        }
        self.select_key(&key);
        self.ensure_selection();
        let nth = problems.iter().position(|p| *p == to)? + 1;
        Some((nth, problems.len()))
    }

    /// Leads to the problems (a click on the summary's problem count): the list that has
    /// them (calls first), problems only, the first one selected. Other filters stay
    /// unless they would hide every problem. `false` when the log has none.
    pub fn show_problems(&mut self) -> bool {
        let calls = self.model.calls.iter().any(|c| !c.flags.is_empty());
        let inbound = self.model.inbound.iter().any(|r| !r.flags.is_empty());
        self.pane = match (calls, inbound) {
            (true, _) => Pane::Calls,
            (false, true) => Pane::Inbound,
            (false, false) => return false,
        };
        self.filters.problems_only = true;
        self.limit = PAGE_ROWS;
        self.refilter();
        if self.shown_rows().is_empty() {
            self.filters = Filters {
                problems_only: true,
                ..Filters::default()
            };
            self.refilter();
        }
        if let Some(key) = self.key_at(0) {
            if self.selected_key().as_deref() != Some(&key) {
                self.all_steps = false;
            }
            self.select_key(&key);
        }
        self.ensure_selection();
        true
    }

    /// Positions (into the model) of the shown rows of the current pane.
    pub fn shown_rows(&self) -> &[usize] {
        match self.pane {
            Pane::Calls => &self.shown.calls,
            Pane::Inbound => &self.shown.inbound,
            Pane::Unassigned => &self.shown.unassigned,
        }
    }

    /// The key (as in `data-key`) of the selected row of the current pane.
    pub fn selected_key(&self) -> Option<String> {
        match self.pane {
            Pane::Calls => self.selection.call.clone(),
            Pane::Inbound => self.selection.inbound.map(|id| id.to_string()),
            Pane::Unassigned => self.selection.event.map(|seq| seq.to_string()),
        }
    }

    pub fn select_key(&mut self, key: &str) {
        match self.pane {
            Pane::Calls => self.selection.call = Some(key.to_string()),
            Pane::Inbound => self.selection.inbound = key.parse().ok(),
            Pane::Unassigned => self.selection.event = key.parse().ok(),
        }
    }

    /// The row key of the shown row at `position` in the current pane.
    pub fn key_at(&self, position: usize) -> Option<String> {
        let row = *self.shown_rows().get(position)?;
        Some(match self.pane {
            Pane::Calls => self.model.calls[row].call_id.clone(),
            Pane::Inbound => self.model.inbound[row].id.to_string(),
            Pane::Unassigned => self.events()[self.model.unassigned[row]].seq.to_string(),
        })
    }

    /// Where the selected row is among the shown rows of the current pane.
    pub fn selected_position(&self) -> Option<usize> {
        let key = self.selected_key()?;
        let rows = self.shown_rows();
        match self.pane {
            Pane::Calls => {
                let pos = self.model.call_position(&key)?;
                rows.iter().position(|r| *r == pos)
            }
            Pane::Inbound => {
                let id: u64 = key.parse().ok()?;
                rows.iter().position(|r| self.model.inbound[*r].id == id)
            }
            Pane::Unassigned => {
                let seq: u64 = key.parse().ok()?;
                rows.iter()
                    .position(|r| self.events()[self.model.unassigned[*r]].seq == seq)
            }
        }
    }

    /// Keeps the selection on something shown: the first row when nothing (or something
    /// filtered out) is selected, so a timeline is on screen from the first paint.
    pub fn ensure_selection(&mut self) {
        self.keep_selection();
        // The selected row is always rendered, even deep in a long list.
        if let Some(pos) = self.selected_position() {
            if pos >= self.limit {
                self.limit = (pos / PAGE_ROWS + 1) * PAGE_ROWS;
            }
        }
    }

    /// [`App::ensure_selection`] for a live update: keeps the selection on something shown,
    /// but does not widen the rendered window to reach it. New calls arrive above the
    /// selected one, and during a burst they push it thousands of rows down: widening the
    /// window to follow it made every update render (and lay out) every row above it, up to
    /// 2.6 s in one task (BENCHMARKS.md, live panel). The window stays [`App::limit`] rows;
    /// the detail pane still shows the selection, and selecting it again (or "Show more")
    /// brings its row back.
    pub fn keep_selection(&mut self) {
        if self.selected_position().is_none() {
            match self.key_at(0) {
                Some(key) => self.select_key(&key),
                None => match self.pane {
                    Pane::Calls => self.selection.call = None,
                    Pane::Inbound => self.selection.inbound = None,
                    Pane::Unassigned => self.selection.event = None,
                },
            }
        }
    }

    pub fn is_live(&self) -> bool {
        self.imported.is_none()
    }

    /// Only the newest part of the live log is loaded yet; exports wait for the rest.
    pub fn is_partial(&self) -> bool {
        self.is_live() && self.live.as_ref().is_some_and(|l| l.is_partial())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::record;
    use fvi_core::export::{ExportFile, Generator};
    use fvi_core::EventKind;

    /// A day of `calls` calls, one a minute, each requested and accepted, except those at
    /// the list rows in `flagged` (newest first), which are accepted with no request;
    /// opened the way an imported file is, so no clock is read.
    fn day(calls: usize, flagged: &[usize]) -> App {
        let mut events = Vec::new();
        for n in 0..calls {
            let row = calls - 1 - n;
            let id = format!("call-{row:03}");
            let at = 1_764_000_000_000.0 + n as f64 * 60_000.0;
            let tab = 1 + (n % 3) as i64;
            let seq = events.len() as u64 + 1;
            if !flagged.contains(&row) {
                events.push(record(seq, EventKind::CallRequested, Some(&id), tab, at));
            }
            let seq = events.len() as u64 + 1;
            events.push(record(
                seq,
                EventKind::CallAccepted,
                Some(&id),
                tab,
                at + 4_000.0,
            ));
        }
        let now = 1_764_000_000_000.0 + calls as f64 * 60_000.0;
        let mut app = App::new();
        app.imported = Some(Imported {
            name: "day.json".into(),
            file: ExportFile {
                format: "fullview-event-inspector".into(),
                version: 1,
                exported_at: String::new(),
                generator: Generator {
                    name: "test".into(),
                    version: "0".into(),
                    browser: "none".into(),
                },
                events,
                calls: Vec::new(),
                inbound: Vec::new(),
                tab_notes: Vec::new(),
                stats: Stats::default(),
            },
            now,
        });
        app.rebuild();
        app.ensure_selection();
        app
    }

    #[derive(Debug, Clone, Copy)]
    enum Action {
        /// A click on the summary's problem count.
        ProblemCount,
        Next,
        Previous,
    }

    /// Issue 12's target: in a day of 300 calls whose two problems are rows 67 and 177,
    /// each is selected, and rendered (the view scrolls the selection into view), within
    /// two actions of the first screen.
    #[test]
    fn each_problem_of_a_300_call_day_is_two_actions_away() {
        use Action::*;
        let cases: &[(&[Action], &str, usize)] = &[
            // (actions from the first screen, the call selected, its position in the list)
            (&[ProblemCount], "call-067", 0),
            (&[ProblemCount, Next], "call-177", 1),
            (&[Next], "call-067", 67),
            (&[Next, Next], "call-177", 177),
            (&[Previous], "call-177", 177),
            (&[ProblemCount, Previous], "call-177", 1),
        ];
        for (actions, want, position) in cases {
            let mut app = day(300, &[67, 177]);
            assert_eq!(app.model.calls.len(), 300);
            assert_eq!(
                app.selection.call.as_deref(),
                Some("call-000"),
                "the newest first"
            );
            for action in *actions {
                match action {
                    ProblemCount => assert!(app.show_problems()),
                    Next => assert!(app.step_problem(true).is_some()),
                    Previous => assert!(app.step_problem(false).is_some()),
                }
            }
            assert_eq!(app.selection.call.as_deref(), Some(*want), "{actions:?}");
            assert_eq!(app.selected_position(), Some(*position), "{actions:?}");
            assert!(*position < app.limit, "{actions:?}: the row is rendered");
            assert!(!app.model.calls[app.shown.calls[*position]].flags.is_empty());
        }
    }

    /// The problem count leads to the problems even when the filters hid them all, and
    /// says which problem of how many each step reaches.
    #[test]
    fn the_problem_count_clears_filters_that_hide_every_problem() {
        let mut app = day(10, &[4]);
        app.filters.text = "call-001".into();
        app.refilter();
        app.ensure_selection();
        assert_eq!(app.problem_positions(), Vec::<usize>::new());
        assert_eq!(app.step_problem(true), None);
        assert!(app.show_problems());
        assert_eq!(
            app.filters,
            Filters {
                problems_only: true,
                ..Filters::default()
            }
        );
        assert_eq!(app.selection.call.as_deref(), Some("call-004"));
        assert_eq!(app.step_problem(true), Some((1, 1)));

        let mut clean = day(10, &[]);
        assert!(!clean.show_problems(), "no problems: nothing to show");
        assert!(!clean.filters.problems_only);
    }

    use crate::model::Data;

    fn call(seq: u64) -> EventRecord {
        let mut e = record(
            seq,
            EventKind::CallRequested,
            Some(&format!("c{seq}")),
            1,
            seq as f64,
        );
        e.detail = serde_json::Value::Null;
        e
    }

    /// An app showing `calls` calls (one event each, newest first), `c<selected>` selected.
    fn app(calls: u64, selected: u64) -> App {
        let mut app = App::new();
        let mut live = Loaded::default();
        live.events = (1..=calls).map(call).collect();
        app.live = Some(live);
        app.model = Model::build(Data {
            events: app.events(),
            notes: &[],
            now: 0.0,
        });
        app.refilter();
        app.selection.call = Some(format!("c{selected}"));
        app
    }

    #[test]
    fn a_live_update_keeps_the_window_a_selection_widens_it() {
        // (calls, selected, live update?, the window after, the selection after)
        let cases = [
            // Selected call near the top: nothing to do either way.
            (300, 300, true, PAGE_ROWS, "c300"),
            (300, 300, false, PAGE_ROWS, "c300"),
            // A burst pushed it 5,000 rows down: a live update leaves the window as it was...
            (5_300, 300, true, PAGE_ROWS, "c300"),
            // ...while selecting it widens the window to its row.
            (5_300, 300, false, 5_200, "c300"),
            // Nothing (shown) selected: the first row, in both.
            (5_300, 0, true, PAGE_ROWS, "c5300"),
            (5_300, 0, false, PAGE_ROWS, "c5300"),
        ];
        for (calls, selected, live, limit, expect) in cases {
            let mut a = app(calls, selected);
            if live {
                a.keep_selection();
            } else {
                a.ensure_selection();
            }
            assert_eq!(
                (a.limit, a.selection.call.as_deref()),
                (limit, Some(expect)),
                "{calls} calls, c{selected} selected, live {live}"
            );
        }
    }
}
