//! The left pane: the calls list (or the inbound requests per tab, or the call events
//! without a callId), newest first, as a listbox.
//!
//! One render path: the state gives each row a [`RowView`] (plain data, host-tested), and
//! [`render`] patches the list through its keyed rows ([`Keyed`]): rows are keyed by call
//! (request id, event seq), a row whose view is unchanged is left alone, a changed one is
//! refilled in place (the same element, so focus stays on it), new ones are inserted where
//! they belong and gone ones removed. A live update that adds a call touches that one row.
//! It renders a window of rows (`App::limit`) with "Show more", keeps the scroll position
//! steady across live updates, and moves the selection with the keyboard.

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

use crate::dom::{self, add, attr, el, text};
use crate::format::{self, Clock};
use crate::model::{Data, Model};
use crate::state::{App, Pane, PAGE_ROWS};
use fvi_core::tabs::TabLabels;
use fvi_core::timeline::{Call, EventIx, InboundRequest};

/// One list item as plain data: everything the render puts in the DOM for it, apart from
/// the selection and the position (patched on their own, so moving the selection touches
/// two rows).
#[derive(Debug, Clone, PartialEq)]
pub struct RowView {
    /// The row's key (`data-key`): a callId, a request id, an event seq; `tab:<id>` for an
    /// inbound group's head, which is not an option.
    pub key: String,
    pub kind: RowKind,
    pub flagged: bool,
    /// The spans of the first line (`.row-line`).
    pub line: Vec<Cell>,
    pub mark: Option<Mark>,
    /// The lines below it (`div.row-meta`, `div.row-flag`).
    pub lines: Vec<Cell>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    Call,
    Inbound,
    Unassigned,
    /// `li.group-head`: the tab an inbound group belongs to.
    GroupHead,
}

/// An element with a class, a text and maybe a `title`.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub class: String,
    pub text: String,
    pub title: Option<String>,
}

fn cell(class: &str, text: impl Into<String>) -> Cell {
    Cell {
        class: class.to_string(),
        text: text.into(),
        title: None,
    }
}

fn titled(class: &str, text: impl Into<String>, title: impl Into<String>) -> Cell {
    Cell {
        title: Some(title.into()),
        ..cell(class, text)
    }
}

/// "⚠ 2": the anomaly mark, with the messages in plain words for hover and screen readers.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    pub text: String,
    pub title: String,
    pub label: String,
}

impl RowView {
    /// Whether the row is a listbox option (a group head is not).
    pub fn is_option(&self) -> bool {
        self.kind != RowKind::GroupHead
    }
}

/// The rows of the current list, `from..to` of the shown rows, with the inbound list's
/// group heads between them (a head is part of the row after it).
pub fn row_views(app: &App, clock: &dyn Clock, from: usize, to: usize) -> Vec<RowView> {
    let rows = app.shown_rows();
    let data = app.data();
    let mut out = Vec::with_capacity(to.saturating_sub(from));
    let mut last_tab = None;
    for row in rows.iter().take(to).skip(from) {
        match app.pane {
            Pane::Calls => out.push(call_row(
                data,
                clock,
                &app.model.tabs,
                &app.model.calls[*row],
            )),
            Pane::Inbound => {
                let req = &app.model.inbound[*row];
                if last_tab != Some(req.tab_id) {
                    last_tab = Some(req.tab_id);
                    out.push(RowView {
                        key: format!("tab:{}", req.tab_id),
                        kind: RowKind::GroupHead,
                        flagged: false,
                        line: vec![titled(
                            "group-head",
                            app.model.tabs.short(req.tab_id),
                            app.model.tabs.hover(req.tab_id),
                        )],
                        mark: None,
                        lines: Vec::new(),
                    });
                }
                out.push(inbound_row(data, clock, &app.model, req));
            }
            Pane::Unassigned => out.push(unassigned_row(
                data,
                clock,
                &app.model.tabs,
                app.model.unassigned[*row],
            )),
        }
    }
    out
}

/// The list's rows as they are in the DOM, by key, in order.
#[derive(Default)]
pub struct Keyed {
    /// Which list they are in (`Pane::list_id`): switching lists starts afresh.
    list: Option<Pane>,
    rows: Vec<KeyedRow>,
}

struct KeyedRow {
    view: RowView,
    element: Element,
    /// What the selection patch last wrote: `aria-selected`, `tabindex` 0.
    applied: Option<(bool, bool)>,
}

/// Counts of what one [`render`] did to the DOM (the e2e test and the live benchmark read
/// them from `html[data-fvi-list-patch]`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Patch {
    pub created: usize,
    pub refilled: usize,
    pub removed: usize,
}

/// Patches `list` from the `wanted` rows: keeps each row whose key and view are unchanged,
/// refills changed ones in place, inserts new ones, moves only rows whose order changed,
/// and removes the rest.
fn patch(keyed: &mut Keyed, list: &Element, wanted: Vec<RowView>) -> Patch {
    let mut done = Patch::default();
    let mut old: std::collections::HashMap<String, KeyedRow> = std::mem::take(&mut keyed.rows)
        .into_iter()
        .map(|r| (r.view.key.clone(), r))
        .collect();
    let mut rows = Vec::with_capacity(wanted.len());
    // Walks the list's children in step with `wanted`: a row already in its place is
    // passed over, not re-inserted, so unchanged rows never leave the DOM (a focused row
    // keeps its focus, the browser keeps its layout).
    let mut cursor = list.first_element_child();
    for view in wanted {
        let row = match old.remove(&view.key) {
            Some(mut row) => {
                if row.view != view {
                    fill(&row.element, &view);
                    row.view = view;
                    done.refilled += 1;
                }
                row
            }
            None => {
                let element = el("li", "");
                fill(&element, &view);
                done.created += 1;
                KeyedRow {
                    view,
                    element,
                    applied: None,
                }
            }
        };
        let in_place = cursor
            .as_ref()
            .is_some_and(|c| c.is_same_node(Some(&row.element)));
        if in_place {
            cursor = cursor.and_then(|c| c.next_element_sibling());
        } else {
            let _ = list.insert_before(&row.element, cursor.as_ref().map(|c| c.as_ref()));
        }
        rows.push(row);
    }
    for (_, row) in old {
        row.element.remove();
        done.removed += 1;
    }
    keyed.rows = rows;
    done
}

/// Writes a row's content from its view (a new row, or a changed one refilled in place).
fn fill(li: &Element, view: &RowView) {
    dom::clear(li);
    if view.kind == RowKind::GroupHead {
        li.set_class_name("group-head");
        attr(li, "role", "presentation");
        if let Some(head) = view.line.first() {
            li.set_text_content(Some(&head.text));
            if let Some(title) = &head.title {
                attr(li, "title", title);
            }
        }
        return;
    }
    let (class, data) = match view.kind {
        RowKind::Call => ("row call", "data-call-id"),
        RowKind::Inbound => ("row inbound", "data-inbound-id"),
        _ => ("row unassigned", "data-seq"),
    };
    li.set_class_name(if view.flagged {
        match view.kind {
            RowKind::Call => "row call flagged",
            RowKind::Inbound => "row inbound flagged",
            _ => "row unassigned flagged",
        }
    } else {
        class
    });
    attr(li, "role", "option");
    attr(li, "data-key", &view.key);
    attr(li, data, &view.key);
    let line = add(li, el("div", "row-line"));
    for c in &view.line {
        add(&line, cell_element("span", c));
    }
    if let Some(mark) = &view.mark {
        let m = add(&line, text("span", "mark", &mark.text));
        attr(&m, "title", &mark.title);
        attr(&m, "aria-label", &mark.label);
    }
    for c in &view.lines {
        add(li, cell_element("div", c));
    }
}

fn cell_element(tag: &str, c: &Cell) -> Element {
    let e = text(tag, &c.class, &c.text);
    if let Some(title) = &c.title {
        attr(&e, "title", title);
    }
    e
}

/// The first visible row of the list and how far below the list's top edge it is, read
/// before a re-render so [`restore_anchor`] can keep it where it was on screen.
pub struct Anchor(Option<(String, i32)>);

/// Reads the anchor. Call before changing anything on the page: a layout read after a
/// change makes the browser lay the page out twice.
pub fn capture_anchor(app: &App) -> Anchor {
    Anchor(dom::by_id("list-scroll").and_then(|scroll| visible_anchor(app, &scroll)))
}

/// Puts the anchored row back where it was, even when new calls arrived above it.
pub fn restore_anchor(app: &App, anchor: Anchor) {
    let (Some((key, offset)), Some(scroll)) = (anchor.0, dom::by_id("list-scroll")) else {
        return;
    };
    if let Some(row) = row_by_key(app, &key) {
        let top = row.offset_top() - scroll.offset_top();
        if scroll.scroll_top() != top - offset {
            scroll.set_scroll_top(top - offset);
        }
    }
}

/// Renders the current list from the state (writes only; see [`capture_anchor`]): the
/// tabs and their counts, the rows through the keyed patch, the selection, the footer.
pub fn render(app: &mut App, clock: &dyn Clock) -> Patch {
    for pane in Pane::ALL {
        let active = pane == app.pane;
        dom::set_hidden(pane.list_id(), !active);
        if let Some(tab) = dom::by_id(pane.tab_id()) {
            attr(&tab, "aria-selected", if active { "true" } else { "false" });
            attr(&tab, "tabindex", if active { "0" } else { "-1" });
        }
    }
    update_pane_counts(app);

    let Some(list) = dom::by_id(app.pane.list_id()) else {
        return Patch::default();
    };
    let end = rendered_rows(app);
    let wanted = row_views(app, clock, 0, end);
    let mut keyed = std::mem::take(&mut app.rows);
    if keyed.list != Some(app.pane) {
        // Another list's rows: that list is hidden now, and starts afresh when shown.
        for row in keyed.rows.drain(..) {
            row.element.remove();
        }
        dom::clear(&list);
        keyed.list = Some(app.pane);
    }
    let done = patch(&mut keyed, &list, wanted);
    app.rows = keyed;
    mark_selected(app);
    update_footer(app, end);
    done
}

/// How many of the shown rows the list renders: the window (`App::limit`), and until the
/// first screen is out only the rows that fit on it.
fn rendered_rows(app: &App) -> usize {
    app.shown_rows()
        .len()
        .min(app.limit)
        .min(if app.first_screen {
            first_screen_rows()
        } else {
            usize::MAX
        })
}

/// How many rows the first screen needs: as many as the window could show (a row is at
/// least two lines, about 36 px) and a few more. Rendering and laying out the first
/// screen's rows is most of what stands between the popup's start and its first frame: a
/// static page holding 100 rows paints some 100 ms later than one holding one
/// (BENCHMARKS.md §4c).
pub fn first_screen_rows() -> usize {
    let height = dom::window()
        .inner_height()
        .ok()
        .and_then(|h| h.as_f64())
        .unwrap_or(600.0);
    (height / 36.0).ceil() as usize + 4
}

/// Moves `aria-selected` and the roving `tabindex` to where the state says, touching only
/// the rows where they change (so a live update that adds rows above leaves the others
/// be: rows carry no position).
pub fn mark_selected(app: &mut App) {
    let key = app.selected_key();
    let any_selected = key
        .as_deref()
        .is_some_and(|k| app.rows.rows.iter().any(|r| r.view.key == k));
    let options = app.rows.rows.iter_mut().filter(|r| r.view.is_option());
    for (position, row) in options.enumerate() {
        let selected = key.as_deref() == Some(row.view.key.as_str());
        // Without a selection the first row takes Tab focus.
        let tab_stop = selected || (!any_selected && position == 0);
        let want = (selected, tab_stop);
        if row.applied != Some(want) {
            attr(
                &row.element,
                "aria-selected",
                if selected { "true" } else { "false" },
            );
            attr(&row.element, "tabindex", if tab_stop { "0" } else { "-1" });
            row.applied = Some(want);
        }
    }
}

/// Focuses the selected row and scrolls it into view (keyboard moves).
pub fn focus_selected(app: &App) {
    if let Some(row) = app.selected_key().and_then(|k| row_by_key(app, &k)) {
        let _ = row.focus();
        let options = web_sys::ScrollIntoViewOptions::new();
        options.set_block(web_sys::ScrollLogicalPosition::Nearest);
        row.scroll_into_view_with_scroll_into_view_options(&options);
    }
}

/// The new position for a navigation key, or `None` for keys the list does not handle.
pub fn key_target(key: &str, current: Option<usize>, len: usize) -> Option<usize> {
    if len == 0 {
        return None;
    }
    let last = len - 1;
    let at = current.unwrap_or(0);
    Some(match key {
        "ArrowDown" if current.is_none() => 0,
        "ArrowDown" => (at + 1).min(last),
        "ArrowUp" => at.saturating_sub(1),
        "PageDown" => (at + 10).min(last),
        "PageUp" => at.saturating_sub(10),
        "Home" => 0,
        "End" => last,
        _ => return None,
    })
}

/// A rendered row by key, from the keyed rows (never through a CSS selector, which would
/// need the page-supplied key escaped).
pub fn row_by_key(app: &App, key: &str) -> Option<HtmlElement> {
    app.rows
        .rows
        .iter()
        .find(|r| r.view.is_option() && r.view.key == key)
        .and_then(|r| r.element.clone().dyn_into::<HtmlElement>().ok())
}

/// The first row at least partly visible, and how far below the list's top edge it is.
fn visible_anchor(app: &App, scroll: &HtmlElement) -> Option<(String, i32)> {
    let top = scroll.scroll_top();
    if top <= 0 {
        // At the top the user wants to see new calls arrive.
        return None;
    }
    let base = scroll.offset_top();
    // Rows are in order, so the first one whose bottom is below the top edge is found by
    // bisection: a few layout reads instead of one per row.
    let rows: Vec<&KeyedRow> = app
        .rows
        .rows
        .iter()
        .filter(|r| r.view.is_option())
        .collect();
    let bottom = |r: &KeyedRow| {
        r.element
            .dyn_ref::<HtmlElement>()
            .map_or(0, |e| e.offset_top() - base + e.offset_height())
    };
    let at = rows.partition_point(|r| bottom(r) <= top);
    let row = rows.get(at)?.element.dyn_ref::<HtmlElement>()?;
    Some((rows[at].view.key.clone(), row.offset_top() - base - top))
}

fn update_pane_counts(app: &App) {
    let filtered = !app.filters.is_empty();
    let counts = [
        (
            Pane::Calls,
            "Calls",
            app.shown.calls.len(),
            app.model.calls.len(),
        ),
        (
            Pane::Inbound,
            "Inbound",
            app.shown.inbound.len(),
            app.model.inbound.len(),
        ),
        (
            Pane::Unassigned,
            "Without callId",
            app.shown.unassigned.len(),
            app.model.unassigned.len(),
        ),
    ];
    for (pane, label, shown, total) in counts {
        let Some(tab) = dom::by_id(pane.tab_id()) else {
            continue;
        };
        let count = if filtered && shown != total {
            format!("{} of {}", format::count(shown), format::count(total))
        } else {
            format::count(total)
        };
        dom::set_text(&tab, &format!("{label} ({count})"));
        // Events without a callId are themselves a sign that something is off; inbound
        // requests are marked when one has a problem (calls show theirs row by row).
        let warn = match pane {
            Pane::Calls => false,
            Pane::Inbound => app.model.inbound.iter().any(|r| !r.flags.is_empty()),
            Pane::Unassigned => total > 0,
        };
        let _ = tab.class_list().toggle_with_force("warn", warn);
    }
}

fn update_footer(app: &App, rendered: usize) {
    let total = app.shown_rows().len();
    if let Some(more) = dom::by_id("show-more") {
        let rest = total.saturating_sub(rendered);
        more.set_hidden(rest == 0);
        dom::set_text(
            &more,
            &format!(
                "Show {} more ({} not shown yet)",
                format::count(rest.min(PAGE_ROWS)),
                format::count(rest)
            ),
        );
    }
    if let Some(empty) = dom::by_id("list-empty") {
        let message = empty_message(app);
        empty.set_hidden(total > 0);
        dom::set_text(&empty, &message);
    }
}

fn empty_message(app: &App) -> String {
    let what = match app.pane {
        Pane::Calls => "calls",
        Pane::Inbound => "inbound requests",
        Pane::Unassigned => "call events without a callId",
    };
    if !app.filters.is_empty() {
        let current = app.filters.tab == crate::filters::TabScope::Current;
        let tab_note = if current && app.current_tab.is_none() {
            " (the current tab is not known here)"
        } else {
            ""
        };
        return format!(
            "No {what} match the filters ({}){tab_note}.",
            app.filters.describe(&app.model.tabs)
        );
    }
    if app.events().is_empty() {
        return if app.is_live() {
            "No Fullview events captured yet. Open a page with the Fullview widget; its \
             events appear here as they happen."
                .into()
        } else {
            "The imported file holds no events.".into()
        };
    }
    format!("No {what} in this log.")
}

/// `14:03:07` today, `2026-11-23 14:03:07` on other days ("today" by the clock).
fn when(clock: &dyn Clock, ms: f64) -> String {
    let today = clock.date_time(clock.now());
    let date_time = clock.date_time(ms);
    if date_time.get(..10) == today.get(..10) && date_time.len() > 11 {
        date_time[11..].to_string()
    } else {
        date_time
    }
}

fn state_cell(class_name: &str, text: &str, title: &str) -> Cell {
    titled(&format!("state state-{class_name}"), text, title)
}

pub fn call_row(data: Data, clock: &dyn Clock, tabs: &TabLabels, call: &Call) -> RowView {
    let line = vec![
        titled(
            "call-id mono",
            format::clip(&call.call_id, 60),
            call.call_id.clone(),
        ),
        state_cell(call.state.as_str(), call.state.as_str(), call.state.label()),
    ];
    let sites: Vec<String> = call
        .sites(data.events)
        .iter()
        .map(|s| format::short_site(s).to_string())
        .collect();
    let (names, hover) = tabs_text(tabs, &call.tabs);
    let meta = if sites.is_empty() {
        names
    } else {
        format!("{names} · {}", sites.join(", "))
    };
    let mut lines = vec![titled("row-meta", format::clip(&meta, 100), hover)];

    // Each duration once: a refusal's time is the call's whole length, an answer's is not.
    let mut timing = vec![when(clock, call.start)];
    if let Some(d) = call.accept_delay_ms {
        timing.push(format!("accepted after {}", format::duration(d)));
    }
    if let Some(d) = call.deny_delay_ms {
        timing.push(format!("denied after {}", format::duration(d)));
    }
    match call.duration_ms {
        Some(d) if call.deny_delay_ms != Some(d) => {
            timing.push(format!("lasted {}", format::duration(d)));
        }
        Some(_) => {}
        None if call.last_at > call.start && call.accept_delay_ms.is_none() => {
            timing.push(format!(
                "last event after {}",
                format::duration(call.last_at - call.start)
            ))
        }
        None => {}
    }
    lines.push(titled(
        "row-meta",
        timing.join(" · "),
        format!("started UTC {}", format::utc(call.start)),
    ));
    if let Some(flag) = call.flags.first() {
        let more = match call.flags.len() {
            1 => String::new(),
            n => format!(" (+{} more)", n - 1),
        };
        lines.push(cell(
            "row-flag",
            format!("⚠ {}{more}", tabs.relabel(&flag.message())),
        ));
    }
    RowView {
        key: call.call_id.clone(),
        kind: RowKind::Call,
        flagged: !call.flags.is_empty(),
        line,
        mark: anomaly_mark(&call.flags, tabs),
        lines,
    }
}

pub fn inbound_row(data: Data, clock: &dyn Clock, model: &Model, req: &InboundRequest) -> RowView {
    let name = crate::texts::request_name(model, req);
    let line = vec![
        titled(
            "row-title",
            format::clip(&upper_first(&name), 80),
            format!("{name} ({})", model.tabs.hover(req.tab_id)),
        ),
        state_cell(req.state.as_str(), req.state.label(), req.state.as_str()),
    ];
    let sites: Vec<String> = req
        .sites(data.events)
        .iter()
        .map(|s| format::short_site(s).to_string())
        .collect();
    let mut meta = vec![format!("asked {}", when(clock, req.start))];
    if let Some(end) = req.end {
        meta.push(format!(
            "closed after {}",
            format::duration(end - req.start)
        ));
    }
    if !sites.is_empty() {
        meta.push(format::clip(&sites.join(", "), 60));
    }
    let mut lines = vec![titled(
        "row-meta",
        meta.join(" · "),
        format!("asked UTC {}", format::utc(req.start)),
    )];
    match &req.linked_call {
        Some(call) => lines.push(titled(
            "row-meta",
            format!("→ answered by call {}", format::clip(call, 60)),
            call.clone(),
        )),
        None if req.state.is_closed() => {}
        None => lines.push(cell("row-meta", "no call linked")),
    }
    if let Some(flag) = req.flags.first() {
        lines.push(cell(
            "row-flag",
            format!("⚠ {}", model.tabs.relabel(&flag.message())),
        ));
    }
    RowView {
        key: req.id.to_string(),
        kind: RowKind::Inbound,
        flagged: !req.flags.is_empty(),
        line,
        mark: anomaly_mark(&req.flags, &model.tabs),
        lines,
    }
}

pub fn unassigned_row(data: Data, clock: &dyn Clock, tabs: &TabLabels, index: EventIx) -> RowView {
    let e = &data.events[index];
    let frame = if e.frame_id == 0 {
        String::new()
    } else {
        format!(" · frame {}", e.frame_id)
    };
    let mut lines = vec![
        titled(
            "row-meta",
            format!(
                "{} · {}{frame}",
                when(clock, e.captured_at),
                tabs.short(e.tab_id)
            ),
            format!(
                "UTC {} · {}",
                format::utc(e.captured_at),
                tabs.hover(e.tab_id)
            ),
        ),
        titled("row-meta url", format::clip(&e.url, 90), e.url.clone()),
    ];
    // Why it has no call, when the detail shows a near miss (issue 12).
    if let Some(hint) = fvi_core::detail::call_id_hints(&e.detail).first() {
        lines.push(titled("row-hint", format::clip(hint, 120), hint.clone()));
    }
    RowView {
        key: e.seq.to_string(),
        kind: RowKind::Unassigned,
        flagged: false,
        line: vec![
            cell("row-title mono", e.kind.short()),
            cell("state state-warn", "no callId"),
        ],
        mark: None,
        lines,
    }
}

/// "T1 · Acme CRM – Customers, T2 · Shop", and the hover with each tab's full title and
/// browser id, one per line.
fn tabs_text(labels: &TabLabels, tabs: &[i64]) -> (String, String) {
    let names: Vec<String> = tabs.iter().map(|t| labels.short(*t)).collect();
    let hovers: Vec<String> = tabs.iter().map(|t| labels.hover(*t)).collect();
    (names.join(", "), hovers.join("\n"))
}

/// "request 2 of 2 in T1" → "Request 2 of 2 in T1".
fn upper_first(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

fn anomaly_mark(flags: &[fvi_core::lifecycle::Flag], tabs: &TabLabels) -> Option<Mark> {
    if flags.is_empty() {
        return None;
    }
    let messages: Vec<String> = flags.iter().map(|f| tabs.relabel(&f.message())).collect();
    Some(Mark {
        text: format!("⚠ {}", flags.len()),
        title: messages.join("\n"),
        label: format!(
            "{}: {}",
            format::plural(flags.len(), "problem", "problems"),
            messages.join("; ")
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;
    use fvi_core::{EventKind, EventRecord};

    use crate::format::FixedClock as Fixed;

    fn event(seq: u64, kind: EventKind, call: &str, at: f64) -> EventRecord {
        let mut e = crate::fixtures::record(seq, kind, Some(call), 3, at);
        e.url = "https://shop.example/cart".into();
        e.top_url = None;
        e.origin.document = "d".into();
        e
    }

    fn rows(events: &[EventRecord], clock: &dyn Clock) -> Vec<RowView> {
        let data = Data {
            events,
            notes: &[],
            now: clock.now(),
        };
        let model = Model::build(data);
        model
            .calls
            .iter()
            .map(|c| call_row(data, clock, &model.tabs, c))
            .collect()
    }

    /// The view model of a call row: what each part of it says.
    #[test]
    fn a_call_row_says_state_tab_site_and_timing() {
        let t = 1_764_000_000_000.0;
        let events = [
            event(1, EventKind::CallRequested, "c-1", t),
            event(2, EventKind::CallAccepted, "c-1", t + 4_200.0),
        ];
        let row = &rows(&events, &Fixed(t + 10_000.0))[0];
        assert_eq!(row.key, "c-1");
        assert_eq!(row.kind, RowKind::Call);
        let texts: Vec<&str> = row
            .line
            .iter()
            .chain(&row.lines)
            .map(|c| c.text.as_str())
            .collect();
        assert_eq!(
            texts,
            [
                "c-1",
                "accepted",
                "T1 · shop.example",
                "16:00:00 · accepted after 4.2 s"
            ]
        );
    }

    /// Rows name tabs by label (the browser's id on hover), say each duration once, and
    /// an event without a callId says why when its detail shows a near miss.
    #[test]
    fn rows_name_tabs_and_say_each_duration_once() {
        let t = 1_764_000_000_000.0;
        let mut events = vec![
            event(1, EventKind::CallRequested, "d", t),
            event(2, EventKind::CallDenied, "d", t + 7_020.0),
            event(3, EventKind::CallAccepted, "x", t + 8_000.0),
        ];
        for e in &mut events {
            e.top_title = Some("Acme CRM – Customers".into());
        }
        events[2].call_id = None;
        events[2].detail = serde_json::json!({ "callid": "x" });
        let clock = Fixed(t + 10_000.0);
        let texts = |row: &RowView| -> Vec<(String, Option<String>)> {
            row.lines
                .iter()
                .map(|c| (c.text.clone(), c.title.clone()))
                .collect()
        };
        let denied = &rows(&events, &clock)[0];
        assert_eq!(
            texts(denied),
            [
                (
                    "T1 · Acme CRM – Customers · shop.example".to_string(),
                    Some("Acme CRM – Customers (tab 3)".to_string())
                ),
                (
                    "16:00:00 · denied after 7.0 s".to_string(),
                    Some("started UTC 2025-11-24 16:00:00.000Z".to_string())
                ),
            ]
        );
        let data = Data {
            events: &events,
            notes: &[],
            now: t,
        };
        let model = Model::build(data);
        let unassigned = unassigned_row(data, &clock, &model.tabs, model.unassigned[0]);
        assert_eq!(
            unassigned
                .lines
                .iter()
                .map(|c| c.text.as_str())
                .collect::<Vec<_>>(),
            [
                "16:00:08 · T1 · Acme CRM – Customers",
                "https://shop.example/cart",
                "`detail.callid` looks like a mis-cased `callId`",
            ]
        );
    }

    /// A live update that adds a call and an event to another leaves every other row's
    /// view equal, so the keyed render touches those two rows only.
    #[test]
    fn a_live_update_changes_only_the_rows_it_touches() {
        let t = 1_764_000_000_000.0;
        let clock = Fixed(t + 60_000.0);
        let mut events: Vec<EventRecord> = (0..5)
            .map(|i| {
                event(
                    i + 1,
                    EventKind::CallRequested,
                    &format!("c-{i}"),
                    t + i as f64 * 1000.0,
                )
            })
            .collect();
        let before = rows(&events, &clock);
        events.push(event(6, EventKind::CallAccepted, "c-2", t + 9_000.0));
        events.push(event(7, EventKind::CallRequested, "c-new", t + 10_000.0));
        let after = rows(&events, &clock);
        let changed: Vec<&str> = after
            .iter()
            .filter(|row| !before.contains(row))
            .map(|row| row.key.as_str())
            .collect();
        assert_eq!(changed, ["c-new", "c-2"]);
        assert_eq!(after.len(), before.len() + 1);
    }

    #[test]
    fn navigation_keys_stay_in_range() {
        assert_eq!(key_target("ArrowDown", Some(3), 4), Some(3));
        assert_eq!(key_target("ArrowDown", None, 4), Some(0));
        assert_eq!(key_target("ArrowUp", Some(0), 4), Some(0));
        assert_eq!(key_target("PageDown", Some(1), 4), Some(3));
        assert_eq!(key_target("End", Some(1), 4), Some(3));
        assert_eq!(key_target("Enter", Some(1), 4), None);
        assert_eq!(key_target("ArrowDown", None, 0), None);
    }
}
