//! The left pane: the calls list (or the inbound requests per tab, or the call events
//! without a callId), newest first, as a listbox. Renders a window of rows (`App::limit`)
//! with "Show more", keeps the selected row and the scroll position steady across live
//! updates, and moves the selection with the keyboard.

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

use crate::dom::{self, add, attr, el, text};
use crate::format;
use crate::model::{CallView, InboundView};
use crate::state::{App, Pane, PAGE_ROWS};

/// Rows' `id`s are `row-<position>`: positions are ours, never page data.
fn row_dom_id(position: usize) -> String {
    format!("row-{position}")
}

/// The first visible row of the list and how far below the list's top edge it is, read
/// before a re-render so [`restore_anchor`] can keep it where it was on screen.
pub struct Anchor(Option<(String, i32)>);

/// Reads the anchor. Call before changing anything on the page: a layout read after a
/// change makes the browser lay the page out twice.
pub fn capture_anchor() -> Anchor {
    Anchor(dom::by_id("list-scroll").and_then(|scroll| visible_anchor(&scroll)))
}

/// Puts the anchored row back where it was, even when new calls arrived above it.
pub fn restore_anchor(anchor: Anchor) {
    let (Some((key, offset)), Some(scroll)) = (anchor.0, dom::by_id("list-scroll")) else {
        return;
    };
    let list = Pane::ALL
        .iter()
        .filter_map(|p| dom::by_id(p.list_id()))
        .find(|l| !l.hidden());
    if let Some(row) = list.and_then(|list| row_by_key(&list, &key)) {
        let top = row.offset_top() - scroll.offset_top();
        scroll.set_scroll_top(top - offset);
    }
}

/// Re-renders the current list (writes only; see [`capture_anchor`]).
pub fn render(app: &App) {
    let focused_row = focused_key();

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
        return;
    };
    let fragment = dom::document().create_document_fragment();
    let rows = app.shown_rows();
    let end = rows.len().min(app.limit).min(if app.first_screen {
        first_screen_rows()
    } else {
        usize::MAX
    });
    append_rows(app, &fragment, 0, end);
    dom::clear(&list);
    let _ = list.append_child(&fragment);
    update_footer(app, end);

    // Re-rendering replaced the focused row; give focus to its replacement.
    if let Some(key) = focused_row {
        if let Some(row) = row_by_key(&list, &key) {
            let options = web_sys::FocusOptions::new();
            options.set_prevent_scroll(true);
            let _ = row.focus_with_options(&options);
        }
    }
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

/// Renders more rows after "Show more" (or arrowing past the last one, or once the first
/// screen is painted), without touching the rows already there.
pub fn render_more(app: &App) {
    let Some(list) = dom::by_id(app.pane.list_id()) else {
        return;
    };
    let have = list
        .query_selector_all("[role=option]")
        .map_or(0, |l| l.length()) as usize;
    let end = app.shown_rows().len().min(app.limit);
    if end > have {
        let fragment = dom::document().create_document_fragment();
        append_rows(app, &fragment, have, end);
        let _ = list.append_child(&fragment);
    }
    update_footer(app, end);
}

/// Moves `aria-selected` and the roving `tabindex` to the selected row, without
/// re-rendering.
pub fn mark_selected(app: &App) {
    let Some(list) = dom::by_id(app.pane.list_id()) else {
        return;
    };
    let key = app.selected_key();
    if let Ok(rows) = list.query_selector_all("[aria-selected=true]") {
        for i in 0..rows.length() {
            if let Some(row) = rows.get(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                attr(&row, "aria-selected", "false");
                attr(&row, "tabindex", "-1");
            }
        }
    }
    let selected = key.as_deref().and_then(|k| row_by_key(&list, k));
    // Focus moves onto the rows themselves (roving tabindex), so no aria-activedescendant.
    match &selected {
        Some(row) => {
            attr(row, "aria-selected", "true");
            attr(row, "tabindex", "0");
        }
        None => {
            // Without a selection the first row takes Tab focus.
            if let Ok(Some(first)) = list.query_selector("[role=option]") {
                attr(&first, "tabindex", "0");
            }
        }
    }
}

/// Focuses the selected row and scrolls it into view (keyboard moves).
pub fn focus_selected(app: &App) {
    let Some(list) = dom::by_id(app.pane.list_id()) else {
        return;
    };
    if let Some(row) = app.selected_key().and_then(|k| row_by_key(&list, &k)) {
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

fn row_by_key(list: &Element, key: &str) -> Option<HtmlElement> {
    // Compared in Rust rather than through a CSS attribute selector, which would need the
    // page-supplied key escaped.
    let rows = list.query_selector_all("[role=option]").ok()?;
    (0..rows.length())
        .filter_map(|i| rows.get(i)?.dyn_into::<HtmlElement>().ok())
        .find(|row| row.get_attribute("data-key").as_deref() == Some(key))
}

fn focused_key() -> Option<String> {
    let active = dom::document().active_element()?;
    if active.get_attribute("role").as_deref() != Some("option") {
        return None;
    }
    active.get_attribute("data-key")
}

/// The first row at least partly visible, and how far below the list's top edge it is.
fn visible_anchor(scroll: &HtmlElement) -> Option<(String, i32)> {
    let top = scroll.scroll_top();
    if top <= 0 {
        // At the top the user wants to see new calls arrive.
        return None;
    }
    let base = scroll.offset_top();
    let rows = scroll.query_selector_all("[role=option]").ok()?;
    (0..rows.length())
        .filter_map(|i| rows.get(i)?.dyn_into::<HtmlElement>().ok())
        .filter(|row| !row.hidden() && row.offset_parent().is_some())
        .find(|row| row.offset_top() - base + row.offset_height() > top)
        .and_then(|row| {
            Some((
                row.get_attribute("data-key")?,
                row.offset_top() - base - top,
            ))
        })
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
        let tab_note = if app.filters.current_tab_only && app.current_tab.is_none() {
            " (the current tab is not known here)"
        } else {
            ""
        };
        return format!(
            "No {what} match the filters ({}){tab_note}.",
            app.filters.describe()
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

fn append_rows(app: &App, parent: &web_sys::DocumentFragment, from: usize, to: usize) {
    let rows = app.shown_rows();
    let selected = app.selected_key();
    let mut last_tab = from
        .checked_sub(1)
        .filter(|_| app.pane == Pane::Inbound)
        .map(|p| app.model.inbound[rows[p]].tab_id);
    for (position, row) in rows.iter().enumerate().take(to).skip(from) {
        let li = match app.pane {
            Pane::Calls => call_row(app, &app.model.calls[*row]),
            Pane::Inbound => {
                let req = &app.model.inbound[*row];
                if last_tab != Some(req.tab_id) {
                    last_tab = Some(req.tab_id);
                    let head = text("li", "group-head", &format!("Tab {}", req.tab_id));
                    attr(&head, "role", "presentation");
                    let _ = parent.append_child(&head);
                }
                inbound_row(app, req)
            }
            Pane::Unassigned => unassigned_row(app, app.model.unassigned[*row]),
        };
        attr(&li, "role", "option");
        attr(&li, "id", &row_dom_id(position));
        let key = li.get_attribute("data-key").unwrap_or_default();
        let is_selected = selected.as_deref() == Some(key.as_str());
        attr(
            &li,
            "aria-selected",
            if is_selected { "true" } else { "false" },
        );
        let first_without_selection = selected.is_none() && position == 0;
        attr(
            &li,
            "tabindex",
            if is_selected || first_without_selection {
                "0"
            } else {
                "-1"
            },
        );
        let _ = parent.append_child(&li);
    }
}

/// `14:03:07` today, `2026-11-23 14:03:07` on other days.
fn when(ms: f64) -> String {
    let today = format::local_date(js_sys::Date::now());
    let date_time = format::local_date_time(ms);
    if date_time.starts_with(&today) {
        date_time[11..].to_string()
    } else {
        date_time
    }
}

fn call_row(app: &App, call: &CallView) -> Element {
    let data = app.data();
    let li = el("li", "row call");
    attr(&li, "data-key", &call.call_id);
    attr(&li, "data-call-id", &call.call_id);

    let line = add(&li, el("div", "row-line"));
    let id = add(
        &line,
        text("span", "call-id mono", &format::clip(&call.call_id, 60)),
    );
    attr(&id, "title", &call.call_id);
    let state = add(
        &line,
        text(
            "span",
            &format!("state state-{}", call.state.as_str()),
            call.state.as_str(),
        ),
    );
    attr(&state, "title", call.state.label());
    if !call.flags.is_empty() {
        li.class_list().add_1("flagged").ok();
        add(&line, anomaly_mark(&call.flags));
    }

    let sites: Vec<String> = call
        .sites(data)
        .iter()
        .map(|s| format::short_site(s).to_string())
        .collect();
    let tabs = tabs_text(&call.tabs);
    let meta = if sites.is_empty() {
        tabs
    } else {
        format!("{tabs} · {}", format::clip(&sites.join(", "), 80))
    };
    add(&li, text("div", "row-meta", &meta));

    let mut timing = vec![when(call.start)];
    match (call.duration_ms, call.accept_delay_ms) {
        (Some(d), _) => timing.push(format!("lasted {}", format::duration(d))),
        (None, _) if call.last_at > call.start => timing.push(format!(
            "last event after {}",
            format::duration(call.last_at - call.start)
        )),
        _ => {}
    }
    if let Some(d) = call.accept_delay_ms {
        timing.push(format!("accepted after {}", format::duration(d)));
    }
    if let Some(d) = call.deny_delay_ms {
        timing.push(format!("denied after {}", format::duration(d)));
    }
    let time = add(&li, text("div", "row-meta", &timing.join(" · ")));
    attr(
        &time,
        "title",
        &format!("started {}", format::utc(call.start)),
    );

    if let Some(flag) = call.flags.first() {
        let more = match call.flags.len() {
            1 => String::new(),
            n => format!(" (+{} more)", n - 1),
        };
        add(
            &li,
            text("div", "row-flag", &format!("⚠ {}{more}", flag.message())),
        );
    }
    li
}

fn inbound_row(app: &App, req: &InboundView) -> Element {
    let data = app.data();
    let li = el("li", "row inbound");
    attr(&li, "data-key", &req.id.to_string());
    attr(&li, "data-inbound-id", &req.id.to_string());
    let line = add(&li, el("div", "row-line"));
    add(
        &line,
        text(
            "span",
            "row-title",
            &format!("Request #{} · tab {}", req.id, req.tab_id),
        ),
    );
    let state = add(
        &line,
        text(
            "span",
            &format!("state state-{}", req.state.as_str()),
            req.state.label(),
        ),
    );
    attr(&state, "title", req.state.as_str());
    if !req.flags.is_empty() {
        li.class_list().add_1("flagged").ok();
        add(&line, anomaly_mark(&req.flags));
    }
    let sites: Vec<String> = req
        .sites(data)
        .iter()
        .map(|s| format::short_site(s).to_string())
        .collect();
    let mut meta = vec![format!("asked {}", when(req.start))];
    if let Some(end) = req.end {
        meta.push(format!(
            "closed after {}",
            format::duration(end - req.start)
        ));
    }
    if !sites.is_empty() {
        meta.push(format::clip(&sites.join(", "), 60));
    }
    add(&li, text("div", "row-meta", &meta.join(" · ")));
    match &req.linked_call {
        Some(call) => {
            add(
                &li,
                text(
                    "div",
                    "row-meta",
                    &format!("→ answered by call {}", format::clip(call, 60)),
                ),
            );
        }
        None if req.state.is_closed() => {}
        None => {
            add(&li, text("div", "row-meta", "no call linked"));
        }
    }
    if let Some(flag) = req.flags.first() {
        add(
            &li,
            text("div", "row-flag", &format!("⚠ {}", flag.message())),
        );
    }
    li
}

fn unassigned_row(app: &App, index: usize) -> Element {
    let e = &app.events()[index];
    let li = el("li", "row unassigned");
    attr(&li, "data-key", &e.seq.to_string());
    attr(&li, "data-seq", &e.seq.to_string());
    let line = add(&li, el("div", "row-line"));
    add(&line, text("span", "row-title mono", e.kind.short()));
    add(&line, text("span", "state state-warn", "no callId"));
    add(
        &li,
        text(
            "div",
            "row-meta",
            &format!(
                "{} · tab {} · frame {}",
                when(e.captured_at),
                e.tab_id,
                e.frame_id
            ),
        ),
    );
    let url = add(&li, text("div", "row-meta url", &format::clip(&e.url, 90)));
    attr(&url, "title", &e.url);
    li
}

fn tabs_text(tabs: &[i64]) -> String {
    let list: Vec<String> = tabs.iter().map(i64::to_string).collect();
    match tabs.len() {
        1 => format!("tab {}", list[0]),
        _ => format!("tabs {}", list.join(", ")),
    }
}

/// "⚠ 2": the anomaly mark, with the messages in plain words for hover and screen readers.
fn anomaly_mark(flags: &[fvi_core::lifecycle::Flag]) -> Element {
    let mark = text("span", "mark", &format!("⚠ {}", flags.len()));
    let messages: Vec<String> = flags.iter().map(|f| f.message()).collect();
    attr(&mark, "title", &messages.join("\n"));
    attr(
        &mark,
        "aria-label",
        &format!(
            "{}: {}",
            format::plural(flags.len(), "problem", "problems"),
            messages.join("; ")
        ),
    );
    mark
}

#[cfg(test)]
mod tests {
    use super::*;

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
