//! The right pane: the selected call's timeline (or an inbound request, or an event
//! without a callId). Each step shows its time relative to the call's first event and
//! its absolute time, the tab, frame and URL, and `detail` as indented JSON; a fan-out
//! ("requested in N tabs") is one step that expands. The accept delay and the problems
//! found come first, because they are what an engineer opens a call for.

use fvi_core::lifecycle::{format_rel, CallState, Flag};
use fvi_core::{EventKind, EventRecord, TabNoteKind};
use web_sys::Element;

use crate::dom::{self, add, add_text, attr, button, el, text};
use crate::format;
use crate::model::{CallView, Data, InboundView, StepKind};
use crate::state::{App, Pane};

/// Most timeline steps rendered at once; a call with more (only a hostile or broken page
/// makes those) gets a "show all" button instead of a frozen popup.
pub const MAX_STEPS: usize = 500;

/// What the pane currently shows, to skip re-rendering (and so keep open fan-outs, the
/// scroll position and focus) when a live update did not change it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rendered {
    key: String,
    signature: (usize, usize, usize, String),
    all_steps: bool,
}

/// Renders the pane for the selection of the current list. `scroll_before` is the pane's
/// scroll position read before anything on the page changed (reading it afterwards would
/// force a layout of the half-built page). Returns what it rendered (`previous` equal to
/// it means nothing needed doing) and the scroll position to set once every part of the
/// page is built, if any.
pub fn render(
    app: &App,
    previous: &Rendered,
    all_steps: bool,
    scroll_before: i32,
) -> (Rendered, Option<i32>) {
    let Some(pane) = dom::by_id("timeline") else {
        return (Rendered::default(), None);
    };
    let now = signature(app, all_steps);
    if now == *previous {
        return (now, None);
    }
    let same_item = now.key == previous.key;
    let open_fan_outs = if same_item {
        open_details(&pane)
    } else {
        Vec::new()
    };

    let content = el("div", "detail");
    let data = app.data();
    match app.pane {
        Pane::Calls => match app
            .selection
            .call
            .as_deref()
            .and_then(|id| app.model.call(id))
        {
            Some(call) => call_detail(&content, app, call, all_steps),
            None => empty(&content, "Select a call to see its timeline."),
        },
        Pane::Inbound => match app
            .selection
            .inbound
            .and_then(|id| app.model.inbound_request(id))
        {
            Some(req) => inbound_detail(&content, app, req),
            None => empty(&content, "Select an inbound request to see its events."),
        },
        Pane::Unassigned => match app
            .selection
            .event
            .and_then(|seq| data.events.iter().position(|e| e.seq == seq))
        {
            Some(index) => unassigned_detail(&content, app, index),
            None => empty(&content, "Select an event to see it."),
        },
    }
    name_steps(&content);
    dom::clear(&pane);
    let _ = pane.append_child(&content);

    let scroll = if same_item {
        restore_details(&pane, &open_fan_outs);
        // Replacing the content resets the position; put it back.
        (scroll_before != 0).then_some(scroll_before)
    } else {
        // A new item starts at its top.
        (scroll_before != 0).then_some(0)
    };
    (now, scroll)
}

fn signature(app: &App, all_steps: bool) -> Rendered {
    let key = format!("{:?}:{}", app.pane, app.selected_key().unwrap_or_default());
    let filter = format!("{:?}", app.filters);
    let signature = match app.pane {
        Pane::Calls => app
            .selection
            .call
            .as_deref()
            .and_then(|id| app.model.call(id))
            .map(|c| {
                (
                    c.events.len(),
                    c.steps.len(),
                    c.flags.len(),
                    format!("{filter}{:?}{:?}", c.state, c.linked_inbound),
                )
            }),
        Pane::Inbound => app
            .selection
            .inbound
            .and_then(|id| app.model.inbound_request(id))
            .map(|r| {
                (
                    r.events.len(),
                    0,
                    r.flags.len(),
                    format!("{filter}{:?}{:?}", r.state, r.linked_call),
                )
            }),
        Pane::Unassigned => Some((0, 0, 0, filter)),
    }
    .unwrap_or_default();
    // An imported file and the live log can hold the same keys; never reuse across them.
    // A preview (newest chunks only) is always redrawn once the whole log is in.
    let source = match (app.is_live(), app.is_partial()) {
        (false, _) => "imported",
        (true, true) => "preview",
        (true, false) => "live",
    };
    Rendered {
        key: format!("{source}:{key}"),
        signature,
        all_steps,
    }
}

fn empty(parent: &Element, message: &str) {
    add(parent, text("p", "empty", message));
}

fn call_detail(parent: &Element, app: &App, call: &CallView, all_steps: bool) {
    let data = app.data();
    let head = add(parent, el("div", "detail-head"));
    let h2 = add(&head, el("h2", ""));
    add_text(&h2, "Call ");
    let id = add(&h2, text("span", "mono", &call.call_id));
    attr(&id, "title", &call.call_id);
    let actions = add(&head, el("div", "detail-actions"));
    for (dom_id, label, action, title) in [
        (
            "copy-call-id",
            "Copy callId",
            "copy-call-id",
            "Copy this callId to the clipboard",
        ),
        (
            "copy-markdown",
            "Copy as Markdown",
            "copy-markdown",
            "Copy a ticket-ready Markdown timeline of this call",
        ),
        (
            "export-call",
            "Export call",
            "export-call",
            "Save this call as a JSON file",
        ),
    ] {
        let b = add(&actions, button(label, action, ""));
        attr(&b, "id", dom_id);
        attr(&b, "title", title);
        if action == "export-call" && app.is_partial() {
            attr(&b, "disabled", "");
        }
    }

    add(parent, answer_box(call, data, data.now));

    let facts = add(parent, el("dl", "facts"));
    fact(
        &facts,
        "State",
        &state_words(call.state.as_str(), call.state.label()),
    );
    let sites: Vec<String> = call.sites(data);
    let tabs: Vec<String> = call.tabs.iter().map(i64::to_string).collect();
    fact(&facts, "Tabs", &tabs.join(", "));
    if !sites.is_empty() {
        fact(&facts, "Sites", &sites.join(", "));
    }
    fact(&facts, "Started", &format::local_and_utc(call.start));
    match call.end {
        Some(end) => fact(
            &facts,
            "Duration",
            &format!(
                "{}, {} at {}",
                format::duration(end - call.start),
                if call.state == CallState::Denied {
                    "denied"
                } else {
                    "ended"
                },
                format::local_time(end)
            ),
        ),
        None => fact(
            &facts,
            "Duration",
            &format!(
                "not finished; last event {} after the start",
                format::duration(call.last_at - call.start)
            ),
        ),
    }
    fact(&facts, "Events", &call.events.len().to_string());

    flags_box(parent, app, &call.flags, "this call");

    for id in &call.linked_inbound {
        if let Some(req) = app.model.inbound_request(*id) {
            linked_request(parent, data, call, req);
        }
    }

    let heading = add(parent, text("h3", "steps-title", "Timeline"));
    attr(&heading, "id", "steps-title");
    let list = add(parent, el("ol", "steps"));
    attr(&list, "aria-labelledby", "steps-title");
    let limit = if all_steps { usize::MAX } else { MAX_STEPS };
    for (n, step) in call.steps.iter().enumerate().take(limit) {
        let li = add(&list, el("li", "step"));
        attr(&li, "tabindex", "0");
        attr(&li, "data-step", &n.to_string());
        match &step.body {
            StepKind::Event(i) => {
                event_body(&li, app, call, *i, step.rel_ms);
            }
            StepKind::FanOut(members) => {
                fan_out(&li, app, call, members, step.rel_ms, step.at);
            }
            StepKind::Note(n) => {
                let note = &data.notes[*n];
                li.class_list().add_2("note", "step-note").ok();
                let line = add(&li, el("div", "step-head"));
                times(&line, step.rel_ms, step.at);
                let label = match &note.kind {
                    TabNoteKind::Closed => format!("tab {} was closed", note.tab_id),
                    TabNoteKind::Navigated { .. } => {
                        format!("tab {} went to another page", note.tab_id)
                    }
                };
                add(&line, text("span", "label", &label));
                if let TabNoteKind::Navigated { url } = &note.kind {
                    add(&li, text("div", "where url", url));
                }
                step_flags(&li, call.flags_at(note.seq));
            }
        }
    }
    if call.steps.len() > limit {
        let more = add(
            parent,
            button(
                &format!(
                    "Show all {} steps ({} more)",
                    format::count(call.steps.len()),
                    format::count(call.steps.len() - limit)
                ),
                "all-steps",
                "",
            ),
        );
        more.class_list().add_1("more").ok();
    }
}

/// The answer box (`#accept-delay`), from its view model at the render's `now`.
fn answer_box(call: &CallView, data: Data, now: f64) -> Element {
    let answer = crate::texts::answer(call, data, now);
    let boxed = text("p", answer.class, &answer.text);
    attr(&boxed, "id", "accept-delay");
    boxed
}

/// Patches the answer box of the call on screen to `now`, without re-rendering the pane;
/// returns whether its text counts time (and so needs the next tick).
pub fn patch_answer(app: &App, now: f64) -> bool {
    if app.pane != Pane::Calls {
        return false;
    }
    let Some(call) = app
        .selection
        .call
        .as_deref()
        .and_then(|id| app.model.call(id))
    else {
        return false;
    };
    let answer = crate::texts::answer(call, app.data(), now);
    if let Some(boxed) = dom::by_id("accept-delay") {
        if boxed.class_name() != answer.class {
            boxed.set_class_name(answer.class);
        }
        dom::set_text(&boxed, &answer.text);
    }
    answer.ticking
}

/// "requested (waiting for the customer)", but "ended", not "ended (ended)".
fn state_words(name: &str, label: &str) -> String {
    if name == label {
        name.to_string()
    } else {
        format!("{name} ({label})")
    }
}

fn fact(dl: &Element, name: &str, value: &str) {
    let row = add(dl, el("div", ""));
    add(&row, text("dt", "", name));
    add(&row, text("dd", "", value));
}

fn flags_box(parent: &Element, app: &App, flags: &[Flag], what: &str) {
    if app.is_partial() {
        add(
            parent,
            text(
                "p",
                "flags-pending",
                "Checking for problems once the whole log is loaded…",
            ),
        );
        return;
    }
    if flags.is_empty() {
        add(
            parent,
            text("p", "flags-none", &format!("No problems found in {what}.")),
        );
        return;
    }
    let section = add(parent, el("section", "flags"));
    attr(&section, "aria-label", "Problems found");
    add(
        &section,
        text(
            "h3",
            "",
            &format!(
                "⚠ {} found",
                format::plural(flags.len(), "problem", "problems")
            ),
        ),
    );
    let ul = add(&section, el("ul", ""));
    for flag in flags {
        let li = add(&ul, text("li", "", &flag.message()));
        attr(&li, "data-flag", flag.code());
        attr(
            &li,
            "title",
            &format!("{} (event #{})", flag.code(), flag.seq()),
        );
    }
}

fn step_flags<'f>(li: &Element, flags: impl Iterator<Item = &'f Flag>) {
    for flag in flags {
        li.class_list().add_1("flagged").ok();
        add(li, text("p", "step-flag", &format!("⚠ {}", flag.message())));
    }
}

fn times(line: &Element, rel_ms: f64, at: f64) {
    add(line, text("span", "rel", &format_rel(rel_ms)));
    let abs = add(line, text("time", "abs", &format::local_time(at)));
    attr(&abs, "title", &format!("UTC {}", format::utc(at)));
}

/// One event: head line (times, what happened), where (tab, frame, URL), detail JSON.
fn event_body(li: &Element, app: &App, call: &CallView, index: usize, rel_ms: f64) {
    let e = &app.events()[index];
    li.class_list().add_1(&kind_class(e.kind)).ok();
    if app.shown.matched.is_some() && app.shown.is_match(index) {
        li.class_list().add_1("match").ok();
    }
    attr(li, "data-seq", &e.seq.to_string());
    let line = add(li, el("div", "step-head"));
    times(&line, rel_ms, e.captured_at);
    add(&line, text("span", "label", e.kind.label()));
    add(&line, text("span", "kind mono", e.kind.short()));
    add(&line, text("span", "seq", &format!("#{}", e.seq)));
    event_where(li, e);
    step_flags(li, call.flags_at(e.seq));
    add(
        li,
        text(
            "pre",
            "json",
            &format::detail_json(&e.detail, e.detail_truncated),
        ),
    );
}

fn event_where(parent: &Element, e: &EventRecord) {
    crate::fire_view::mark(parent, e);
    let where_ = add(parent, el("div", "where"));
    add(
        &where_,
        text(
            "span",
            "",
            &format!("tab {} · frame {}", e.tab_id, e.frame_id),
        ),
    );
    add_text(&where_, " · ");
    let url = add(&where_, text("span", "url", &format::clip(&e.url, 300)));
    attr(&url, "title", &e.url);
    if let Some(top) = e.top_url.as_deref().filter(|top| *top != e.url) {
        let top_el = add(
            parent,
            text(
                "div",
                "where url",
                &format!("in page {}", format::clip(top, 300)),
            ),
        );
        attr(&top_el, "title", top);
    }
}

/// "call requested by agent in 3 tabs": one step that opens to one entry per tab.
fn fan_out(li: &Element, app: &App, call: &CallView, members: &[usize], rel_ms: f64, at: f64) {
    let events = app.events();
    li.class_list()
        .add_2("fanout", &kind_class(EventKind::CallRequested))
        .ok();
    if members
        .iter()
        .any(|i| app.shown.matched.is_some() && app.shown.is_match(*i))
    {
        li.class_list().add_1("match").ok();
    }
    attr(li, "data-seq", &events[members[0]].seq.to_string());
    let details = add(li, el("details", "fanout"));
    let summary = add(&details, el("summary", "step-head"));
    times(&summary, rel_ms, at);
    let tabs: Vec<String> = members
        .iter()
        .map(|i| events[*i].tab_id.to_string())
        .collect();
    add(
        &summary,
        text(
            "span",
            "label",
            &format!("call requested by agent in {} tabs", members.len()),
        ),
    );
    add(
        &summary,
        text("span", "kind", &format!("tabs {}", tabs.join(", "))),
    );
    let spread = events[members[members.len() - 1]].captured_at - events[members[0]].captured_at;
    add(
        &summary,
        text(
            "span",
            "seq",
            &format!("within {}", format::duration(spread)),
        ),
    );
    let ol = add(&details, el("ol", "members"));
    for i in members {
        let e = &events[*i];
        let member = add(&ol, el("li", "member"));
        attr(&member, "data-seq", &e.seq.to_string());
        let line = add(&member, el("div", "step-head"));
        times(&line, e.captured_at - call.start, e.captured_at);
        add(
            &line,
            text("span", "label", &format!("in tab {}", e.tab_id)),
        );
        add(&line, text("span", "seq", &format!("#{}", e.seq)));
        event_where(&member, e);
        step_flags(&member, call.flags_at(e.seq));
        add(
            &member,
            text(
                "pre",
                "json",
                &format::detail_json(&e.detail, e.detail_truncated),
            ),
        );
    }
}

/// The inbound request a call answered, with its events on the call's clock (so the wait
/// before the call shows as negative times).
fn linked_request(parent: &Element, data: Data, call: &CallView, req: &InboundView) {
    let section = add(parent, el("section", "linked"));
    attr(&section, "aria-label", "Inbound request this call answered");
    let head = add(&section, el("div", "linked-head"));
    add(
        &head,
        text(
            "span",
            "",
            &format!(
                "Inbound request #{} in tab {}: {}; the customer asked {} before the call",
                req.id,
                req.tab_id,
                req.state.label(),
                format::duration(call.start - req.start)
            ),
        ),
    );
    let open = add(
        &head,
        button("Show request", "open-inbound", &req.id.to_string()),
    );
    attr(
        &open,
        "aria-label",
        &format!("Show inbound request #{}", req.id),
    );
    let ol = add(&section, el("ol", "linked-events"));
    for i in &req.events {
        let e = &data.events[*i];
        let li = add(&ol, el("li", ""));
        times(&li, e.captured_at - call.start, e.captured_at);
        add(&li, text("span", "label", e.kind.label()));
        add(
            &li,
            text("span", "seq", &format!("tab {} · #{}", e.tab_id, e.seq)),
        );
    }
}

fn inbound_detail(parent: &Element, app: &App, req: &InboundView) {
    let data = app.data();
    let head = add(parent, el("div", "detail-head"));
    add(
        &head,
        text(
            "h2",
            "",
            &format!("Inbound request #{} · tab {}", req.id, req.tab_id),
        ),
    );
    if let Some(call) = &req.linked_call {
        let actions = add(&head, el("div", "detail-actions"));
        let b = add(&actions, button("Open the call", "open-call", call));
        attr(&b, "aria-label", &format!("Open call {call}"));
    }
    let facts = add(parent, el("dl", "facts"));
    fact(
        &facts,
        "State",
        &state_words(req.state.as_str(), req.state.label()),
    );
    fact(&facts, "Asked", &format::local_and_utc(req.start));
    if let Some(end) = req.end {
        fact(&facts, "Closed after", &format::duration(end - req.start));
    }
    let sites = req.sites(data);
    if !sites.is_empty() {
        fact(&facts, "Sites", &sites.join(", "));
    }
    fact(
        &facts,
        "Answered by",
        req.linked_call
            .as_deref()
            .unwrap_or("no call linked (no call followed in this tab)"),
    );
    flags_box(parent, app, &req.flags, "this request");
    add(parent, text("h3", "steps-title", "Events"));
    let list = add(parent, el("ol", "steps"));
    for i in &req.events {
        let e = &data.events[*i];
        let li = add(&list, el("li", "step"));
        attr(&li, "tabindex", "0");
        li.class_list().add_1(&kind_class(e.kind)).ok();
        if app.shown.matched.is_some() && app.shown.is_match(*i) {
            li.class_list().add_1("match").ok();
        }
        attr(&li, "data-seq", &e.seq.to_string());
        let line = add(&li, el("div", "step-head"));
        times(&line, e.captured_at - req.start, e.captured_at);
        add(&line, text("span", "label", e.kind.label()));
        add(&line, text("span", "kind mono", e.kind.short()));
        add(&line, text("span", "seq", &format!("#{}", e.seq)));
        event_where(&li, e);
        for flag in req.flags.iter().filter(|f| f.seq() == e.seq) {
            li.class_list().add_1("flagged").ok();
            add(
                &li,
                text("p", "step-flag", &format!("⚠ {}", flag.message())),
            );
        }
        add(
            &li,
            text(
                "pre",
                "json",
                &format::detail_json(&e.detail, e.detail_truncated),
            ),
        );
    }
}

fn unassigned_detail(parent: &Element, app: &App, index: usize) {
    let e = &app.events()[index];
    let head = add(parent, el("div", "detail-head"));
    add(
        &head,
        text("h2", "", &format!("{} without a callId", e.kind.short())),
    );
    add(
        parent,
        text(
            "p",
            "answer unknown",
            "This call event carries no callId, so it cannot belong to a call. It is kept \
             and shown here so nothing captured is hidden.",
        ),
    );
    let facts = add(parent, el("dl", "facts"));
    fact(&facts, "When", &format::local_and_utc(e.captured_at));
    let list = add(parent, el("ol", "steps"));
    let li = add(&list, el("li", "step"));
    attr(&li, "tabindex", "0");
    li.class_list().add_1(&kind_class(e.kind)).ok();
    attr(&li, "data-seq", &e.seq.to_string());
    let line = add(&li, el("div", "step-head"));
    let abs = add(
        &line,
        text("time", "abs", &format::local_time(e.captured_at)),
    );
    attr(
        &abs,
        "title",
        &format!("UTC {}", format::utc(e.captured_at)),
    );
    add(&line, text("span", "label", e.kind.label()));
    add(&line, text("span", "kind mono", e.kind.short()));
    add(&line, text("span", "seq", &format!("#{}", e.seq)));
    event_where(&li, e);
    add(
        &li,
        text(
            "pre",
            "json",
            &format::detail_json(&e.detail, e.detail_truncated),
        ),
    );
}

fn kind_class(kind: EventKind) -> String {
    format!("kind-{}", kind.short())
}

/// Steps are keyboard stops (`tabindex=0`), and a list item takes no name from its
/// content: without this a screen reader announces a focused step with no name, or reads
/// its whole detail JSON. Each step is named by its head line (times, what happened, tab,
/// seq; for a fan-out, its summary). The ids are positions, never page data.
fn name_steps(content: &Element) {
    let Ok(steps) = content.query_selector_all("li.step") else {
        return;
    };
    for i in 0..steps.length() {
        let Some(step) = steps
            .get(i)
            .and_then(|n| wasm_bindgen::JsCast::dyn_into::<Element>(n).ok())
        else {
            continue;
        };
        if let Ok(Some(head)) = step.query_selector(".step-head") {
            let id = format!("step-head-{i}");
            attr(&head, "id", &id);
            attr(&step, "aria-labelledby", &id);
        }
    }
}

/// Which fan-outs are open, by step number, so a live re-render keeps them open.
fn open_details(pane: &Element) -> Vec<String> {
    let Ok(list) = pane.query_selector_all(".step details[open]") else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.get(i))
        .filter_map(|n| wasm_bindgen::JsCast::dyn_into::<Element>(n).ok())
        .filter_map(|d| d.closest(".step").ok().flatten())
        .filter_map(|step| step.get_attribute("data-step"))
        .collect()
}

fn restore_details(pane: &Element, open: &[String]) {
    for n in open {
        // `n` is our own step number, not page data, so it is safe in a selector.
        if let Ok(Some(d)) = pane.query_selector(&format!(".step[data-step=\"{n}\"] details")) {
            let _ = d.set_attribute("open", "");
        }
    }
}
