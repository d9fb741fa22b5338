//! The right pane: the selected call's timeline (or an inbound request, or an event
//! without a callId). Each step shows its time relative to the call's first event and
//! its absolute time, the tab, frame and URL, and `detail` as indented JSON; a fan-out
//! ("requested in N tabs") is one step that expands. The accept delay and the problems
//! found come first, because they are what an engineer opens a call for.

use fvi_core::lifecycle::Flag;
use fvi_core::tabs::TabLabels;
use fvi_core::{EventKind, EventRecord, TabNoteKind};
use web_sys::Element;

use crate::dom::{self, add, add_text, attr, button, el, text};
use crate::format;
use crate::model::Data;
use crate::state::{App, Pane};
use crate::texts::{self, Fact};
use fvi_core::timeline::{Call, EventIx, InboundRequest, StepBody};

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
            Some(index) => unassigned_detail(&content, app, EventIx::new(index)),
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

fn call_detail(parent: &Element, app: &App, call: &Call, all_steps: bool) {
    let data = app.data();
    let tabs = &app.model.tabs;
    let head = add(parent, el("div", "detail-head"));
    let h2 = add(&head, el("h2", ""));
    add_text(&h2, "Call ");
    // A long callId is shortened on screen; the whole of it is on hover and in the copies.
    let id = add(&h2, text("span", "mono", &format::clip(&call.call_id, 80)));
    attr(&id, "title", &call.call_id);
    let actions = add(&head, el("div", "detail-actions"));
    for (dom_id, label, title) in [
        (
            "copy-call-id",
            "Copy callId",
            "Copy this callId to the clipboard",
        ),
        (
            "copy-markdown",
            "Copy as Markdown",
            "Copy a ticket-ready Markdown timeline of this call",
        ),
        (
            "copy-text",
            "Copy as text",
            "Copy the timeline as plain text, for ticket tools without Markdown",
        ),
        (
            "export-call",
            "Export call",
            "Save this call as a JSON file",
        ),
    ] {
        let b = add(&actions, button(label, dom_id, ""));
        attr(&b, "id", dom_id);
        attr(&b, "title", title);
        if dom_id == "export-call" && app.is_partial() {
            attr(&b, "disabled", "");
        }
    }

    add(parent, answer_box(call, data, data.now));

    facts_list(
        parent,
        &texts::call_facts(call, data, tabs, &format::Local::now()),
    );

    flags_box(parent, app, &call.flags, "this call");
    crate::replay_view::controls(parent, app);

    for id in &call.linked_inbound {
        if let Some(req) = app.model.inbound_request(*id) {
            linked_request(parent, app, call, req);
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
            StepBody::Event(i) => {
                event_body(&li, app, call, *i, step.rel_ms);
            }
            StepBody::FanOut(members) => {
                fan_out(&li, app, call, members, step.rel_ms, step.at);
            }
            StepBody::Note(n) => {
                let note = &data.notes[*n];
                li.class_list().add_2("note", "step-note").ok();
                let line = add(&li, el("div", "step-head"));
                times(&line, step.rel_ms, step.at);
                let what = match &note.kind {
                    TabNoteKind::Closed => "was closed",
                    TabNoteKind::Navigated { .. } => "went to another page",
                };
                let label = add(
                    &line,
                    text(
                        "span",
                        "label",
                        &format!("{} {what}", tabs.short(note.tab_id)),
                    ),
                );
                attr(&label, "title", &tabs.hover(note.tab_id));
                if let TabNoteKind::Navigated { url } = &note.kind {
                    let u = add(&li, text("div", "where url", &format::clip(url, 300)));
                    attr(&u, "title", url);
                }
                step_flags(&li, tabs, call.flags_at(note.seq));
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
fn answer_box(call: &Call, data: Data, now: f64) -> Element {
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

fn facts_list(parent: &Element, facts: &[Fact]) {
    let dl = add(parent, el("dl", "facts"));
    for f in facts {
        let dd = fact(&dl, f.name, &f.text);
        if let Some(title) = &f.title {
            attr(&dd, "title", title);
        }
    }
}

fn fact(dl: &Element, name: &str, value: &str) -> Element {
    let row = add(dl, el("div", ""));
    add(&row, text("dt", "", name));
    add(&row, text("dd", "", value))
}

/// A local time fact, with UTC on hover.
fn time_fact(dl: &Element, name: &str, ms: f64) {
    let dd = fact(dl, name, &format::local_date_time(ms));
    attr(&dd, "title", &format!("UTC {}", format::utc(ms)));
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
        let li = add(
            &ul,
            text("li", "", &app.model.tabs.relabel(&flag.message())),
        );
        attr(&li, "data-flag", flag.code().as_str());
        attr(
            &li,
            "title",
            &format!("{} (event #{})", flag.code(), flag.seq),
        );
    }
}

fn step_flags<'f>(li: &Element, tabs: &TabLabels, flags: impl Iterator<Item = &'f Flag>) {
    for flag in flags {
        li.class_list().add_1("flagged").ok();
        add(
            li,
            text(
                "p",
                "step-flag",
                &format!("⚠ {}", tabs.relabel(&flag.message())),
            ),
        );
    }
}

fn times(line: &Element, rel_ms: f64, at: f64) {
    add(line, text("span", "rel", &format::rel(rel_ms)));
    let abs = add(line, text("time", "abs", &format::local_time(at)));
    attr(&abs, "title", &format!("UTC {}", format::utc(at)));
}

/// An event's `detail` as indented JSON, its hints for integrators above it (issue 12);
/// folded when it only repeats the call's header (`{"callId": …}`).
fn detail_block(parent: &Element, e: &EventRecord, call_id: Option<&str>) {
    for hint in fvi_core::detail::call_id_hints(&e.detail) {
        add(parent, text("p", "hint", &format!("ℹ {hint}")));
    }
    let json = format::detail_json(&e.detail, e.detail_truncated);
    if call_id.is_some_and(|id| texts::detail_repeats_header(&e.detail, id)) {
        let folded = add(parent, el("details", "detail-fold"));
        add(&folded, text("summary", "", "detail: only the callId"));
        add(&folded, text("pre", "json", &json));
    } else {
        add(parent, text("pre", "json", &json));
    }
}

/// One event: head line (times, what happened), where (tab, frame, URL), detail JSON.
fn event_body(li: &Element, app: &App, call: &Call, index: EventIx, rel_ms: f64) {
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
    event_where(li, app, e);
    step_flags(li, &app.model.tabs, call.flags_at(e.seq));
    detail_block(li, e, Some(&call.call_id));
}

/// Where an event fired: its tab by label (the browser's id on hover), its frame when not
/// the top one, its URL (shortened; the whole of it on hover).
fn event_where(parent: &Element, app: &App, e: &EventRecord) {
    let tabs = &app.model.tabs;
    crate::fire_view::mark(parent, e);
    crate::handlers_view::on_step(parent, app, e);
    let where_ = add(parent, el("div", "where"));
    let tab = add(&where_, text("span", "tab", &tabs.short(e.tab_id)));
    attr(&tab, "title", &tabs.hover(e.tab_id));
    if e.frame_id != 0 {
        add_text(&where_, &format!(" · frame {}", e.frame_id));
    }
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
fn fan_out(li: &Element, app: &App, call: &Call, members: &[EventIx], rel_ms: f64, at: f64) {
    let events = app.events();
    let tabs = &app.model.tabs;
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
    let tags: Vec<String> = members
        .iter()
        .map(|i| {
            tabs.get(events[*i].tab_id)
                .map_or_else(|| format!("tab {}", events[*i].tab_id), |l| l.tag())
        })
        .collect();
    let hovers: Vec<String> = members
        .iter()
        .map(|i| tabs.hover(events[*i].tab_id))
        .collect();
    add(
        &summary,
        text(
            "span",
            "label",
            &format!("call requested by agent in {} tabs", members.len()),
        ),
    );
    let in_tabs = add(&summary, text("span", "kind", &tags.join(", ")));
    attr(&in_tabs, "title", &hovers.join("\n"));
    // How far apart the copies came, only when a reader would notice (no "within 0 ms").
    let spread = events[members[members.len() - 1]].captured_at - events[members[0]].captured_at;
    if spread >= 100.0 {
        add(
            &summary,
            text(
                "span",
                "seq",
                &format!("last tab {} later", format::duration(spread)),
            ),
        );
    }
    let ol = add(&details, el("ol", "members"));
    for i in members {
        let e = &events[*i];
        let member = add(&ol, el("li", "member"));
        attr(&member, "data-seq", &e.seq.to_string());
        let line = add(&member, el("div", "step-head"));
        times(&line, e.captured_at - call.start, e.captured_at);
        let label = add(
            &line,
            text("span", "label", &format!("in {}", tabs.short(e.tab_id))),
        );
        attr(&label, "title", &tabs.hover(e.tab_id));
        add(&line, text("span", "seq", &format!("#{}", e.seq)));
        event_where(&member, app, e);
        step_flags(&member, tabs, call.flags_at(e.seq));
        detail_block(&member, e, Some(&call.call_id));
    }
}

/// The inbound request a call answered, with its events on the call's clock (so the wait
/// before the call shows as negative times).
fn linked_request(parent: &Element, app: &App, call: &Call, req: &InboundRequest) {
    let data = app.data();
    let name = texts::request_name(&app.model, req);
    let section = add(parent, el("section", "linked"));
    attr(&section, "aria-label", "Inbound request this call answered");
    let head = add(&section, el("div", "linked-head"));
    let line = add(
        &head,
        text(
            "span",
            "",
            &format!(
                "Answered inbound {name}: {}; the customer asked {} before the call",
                req.state.label(),
                format::duration(call.start - req.start)
            ),
        ),
    );
    attr(&line, "title", &app.model.tabs.hover(req.tab_id));
    let open = add(
        &head,
        button("Show request", "open-inbound", &req.id.to_string()),
    );
    attr(&open, "aria-label", &format!("Show inbound {name}"));
    let ol = add(&section, el("ol", "linked-events"));
    for i in &req.events {
        let e = &data.events[*i];
        let li = add(&ol, el("li", ""));
        times(&li, e.captured_at - call.start, e.captured_at);
        add(&li, text("span", "label", e.kind.label()));
        add(&li, text("span", "seq", &format!("#{}", e.seq)));
    }
}

fn inbound_detail(parent: &Element, app: &App, req: &InboundRequest) {
    let data = app.data();
    let tabs = &app.model.tabs;
    let head = add(parent, el("div", "detail-head"));
    let name = texts::request_name(&app.model, req);
    let h2 = add(&head, text("h2", "", &format!("Inbound {name}")));
    attr(&h2, "title", &tabs.hover(req.tab_id));
    if let Some(call) = &req.linked_call {
        let actions = add(&head, el("div", "detail-actions"));
        let b = add(&actions, button("Open the call", "open-call", call));
        attr(&b, "aria-label", &format!("Open call {call}"));
    }
    let facts = add(parent, el("dl", "facts"));
    fact(
        &facts,
        "State",
        &texts::state_words(req.state.as_str(), req.state.label()),
    );
    fact(
        &facts,
        "Tab",
        &format!("{} (browser tab {})", tabs.short(req.tab_id), req.tab_id),
    );
    time_fact(&facts, "Asked", req.start);
    if let Some(end) = req.end {
        fact(&facts, "Closed after", &format::duration(end - req.start));
    }
    let sites = req.sites(data.events);
    if !sites.is_empty() {
        fact(&facts, "Sites", &sites.join(", "));
    }
    let answered = fact(
        &facts,
        "Answered by",
        &req.linked_call.as_deref().map_or_else(
            || "no call linked (no call followed in this tab)".to_string(),
            |c| format::clip(c, 80),
        ),
    );
    if let Some(call) = &req.linked_call {
        attr(&answered, "title", call);
    }
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
        event_where(&li, app, e);
        step_flags(&li, tabs, req.flags.iter().filter(|f| f.seq == e.seq));
        detail_block(&li, e, None);
    }
}

fn unassigned_detail(parent: &Element, app: &App, index: EventIx) {
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
    time_fact(&facts, "When", e.captured_at);
    let tabs = &app.model.tabs;
    fact(
        &facts,
        "Tab",
        &format!("{} (browser tab {})", tabs.short(e.tab_id), e.tab_id),
    );
    let list = add(parent, el("ol", "steps"));
    let li = add(&list, el("li", "step"));
    attr(&li, "tabindex", "0");
    li.class_list().add_1(&kind_class(e.kind)).ok();
    attr(&li, "data-seq", &e.seq.to_string());
    let line = add(&li, el("div", "step-head"));
    add(&line, text("span", "label", e.kind.label()));
    add(&line, text("span", "kind mono", e.kind.short()));
    add(&line, text("span", "seq", &format!("#{}", e.seq)));
    event_where(&li, app, e);
    detail_block(&li, e, None);
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
