//! The "Fire" box (issue 13): fire one of the eight events, or start a lifecycle preset (a
//! run the background owns, `replay_view.rs`), into the tab this view is about (the
//! inspected tab in DevTools, the current tab in the popup and side panel); copy an event
//! or the selected call as a console snippet; and the inspector-fired mark on timeline
//! steps.
//!
//! | selector | what |
//! |---|---|
//! | `#fire-box` | the box (`<details>`) |
//! | `#fire-kind` | select: `event:<full name>` or `preset:<id>` |
//! | `#fire-detail` | textarea: the detail JSON (an object; `callId` pre-filled) |
//! | `#fire-new-call` | puts a fresh callId into the detail |
//! | `#fire-target` | select: `top`, `all` (every frame), `frame` (the id in `#fire-frame`) |
//! | `#fire-frame` | frame id for `frame`; `#fire-frames` lists the tab's frames (the browser's, else those seen in the log) |
//! | `#fire-button` | fires |
//! | `#fire-speed` | select: a preset's pace, `original`, `faster`, `noGaps` or `step` |
//! | `#fire-status` | what happened: `data-result` is `fired`, `started` (a preset's run), `refused`, `retry` or `error` |
//! | `#fire-run` | the tab's run and its Next and Stop (`replay_view.rs`) |
//! | `#copy-call-code`, `#copy-call-code-seq` | copy the selected call as code: original pace, or one after another |
//! | `.fired-mark` | on a step the inspector fired (`title` has the fire's token) |
//! | `button.copy-code` | on each step: copy that event as code |

use std::cell::RefCell;
use std::rc::Rc;

use fvi_browser::DomListener;
use fvi_core::fire::{self, FireTarget, Pace, PlannedFire, PRESETS};
use fvi_core::protocol::{Request, Response, PROTOCOL_VERSION};
use fvi_core::replay::{RunSource, Speed};
use fvi_core::{EventKind, EventRecord};
use serde_json::{Map, Value};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};

use crate::dom::{self, add, attr, by_id, by_id_as};
use crate::state::App;

type Shared = Rc<RefCell<App>>;

/// The Fire form as read from its controls.
#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    /// `event:<full name>` or `preset:<id>`.
    pub choice: String,
    pub detail: String,
    /// `top`, `all` or `frame`.
    pub target: String,
    pub frame: String,
}

/// The options of `#fire-kind`: (value, label), events first, then the presets.
pub fn choices() -> Vec<(String, String)> {
    let events = EventKind::ALL
        .iter()
        .map(|k| (format!("event:{}", k.name()), k.short().to_string()));
    let presets = PRESETS
        .iter()
        .map(|p| (format!("preset:{}", p.id), format!("Preset: {}", p.label)));
    events.chain(presets).collect()
}

/// The detail the form starts with: the callId, indented.
pub fn prefill(call_id: &str) -> String {
    let mut map = Map::new();
    map.insert("callId".into(), Value::String(call_id.to_string()));
    serde_json::to_string_pretty(&Value::Object(map)).unwrap_or_default()
}

/// What pressing Fire does: fire one event, or start a preset's run in the background.
#[derive(Debug, Clone, PartialEq)]
pub enum Planned {
    Event(PlannedFire),
    Preset {
        id: String,
        call_id: String,
        target: FireTarget,
    },
}

/// What pressing Fire does, or why it does nothing. `fresh_call_id` is used by a preset
/// whose detail has no callId.
pub fn plan_form(form: &Form, fresh_call_id: &str) -> Result<Planned, String> {
    let target = match form.target.as_str() {
        "top" => FireTarget::Top,
        "all" => FireTarget::AllFrames,
        "frame" => match form.frame.trim().parse::<i64>() {
            Ok(frame_id) if frame_id >= 0 => FireTarget::Frame { frame_id },
            _ => return Err("Give the frame id as a whole number (0 is the top frame).".into()),
        },
        other => return Err(format!("Unknown target {other}.")),
    };
    let detail: Value = serde_json::from_str(&form.detail)
        .map_err(|e| format!("The detail is not valid JSON: {e}."))?;
    if !detail.is_object() {
        return Err("The detail must be a JSON object ({…}).".into());
    }
    if let Some(name) = form.choice.strip_prefix("event:") {
        let kind = EventKind::from_name(name).ok_or_else(|| format!("Unknown event {name}."))?;
        return Ok(Planned::Event(PlannedFire {
            at_ms: 0,
            kind,
            target,
            detail,
            no_call_id: false,
        }));
    }
    if let Some(id) = form.choice.strip_prefix("preset:") {
        let preset = fire::preset(id).ok_or_else(|| format!("Unknown preset {id}."))?;
        let call_id = detail
            .get("callId")
            .and_then(Value::as_str)
            .unwrap_or(fresh_call_id);
        return Ok(Planned::Preset {
            id: preset.id.to_string(),
            call_id: call_id.to_string(),
            target,
        });
    }
    Err("Choose an event or a preset.".into())
}

/// The words for a fire's answer, and its `data-result`.
pub fn answer_text(kind: EventKind, answer: &Result<Response, String>) -> (String, &'static str) {
    match answer {
        Ok(Response::Fired {
            call_id, frames, ..
        }) => (
            format!(
                "Fired {} (callId {}) in {} {}.",
                kind.short(),
                call_id.as_deref().unwrap_or("none"),
                frames,
                if *frames == 1 { "frame" } else { "frames" }
            ),
            "fired",
        ),
        Ok(Response::Refused {
            reason,
            retry: true,
            ..
        }) => (
            format!("Not fired: {reason}. Trying again may work."),
            "retry",
        ),
        Ok(Response::Refused { reason, .. }) => (format!("Not fired: {reason}."), "refused"),
        Ok(other) => (format!("Unexpected answer: {other:?}"), "error"),
        Err(e) => (format!("Not fired: {e}"), "error"),
    }
}

/// A callId for a new fire (the core makes no ids).
fn fresh_call_id() -> String {
    let n = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    format!("fvi-test-{n:08x}")
}

/// Fills the box's controls and listens to them; the caller holds the listeners.
pub fn mount(app: &Shared) -> Vec<DomListener> {
    let mut listeners = Vec::new();
    let Some(select) = by_id_as::<HtmlSelectElement>("fire-kind") else {
        return listeners;
    };
    for (value, label) in choices() {
        let option = dom::text("option", "", &label);
        attr(&option, "value", &value);
        add(&select, option);
    }
    if let Some(area) = by_id_as::<HtmlTextAreaElement>("fire-detail") {
        area.set_value(&prefill(&fresh_call_id()));
    }
    if let Some(target) = by_id("fire-target") {
        listeners.push(DomListener::new(
            target.unchecked_ref(),
            "change",
            false,
            |_| {
                let frame = value_of("fire-target") == "frame";
                dom::set_hidden("fire-frame-label", !frame);
            },
        ));
    }
    crate::replay_view::refresh(app);
    if let Some(details) = by_id("fire-box") {
        let app = app.clone();
        listeners.push(DomListener::new(
            details.unchecked_ref(),
            "toggle",
            false,
            move |_| list_frames(&app.borrow()),
        ));
    }
    listeners
}

fn value_of(id: &str) -> String {
    if let Some(s) = by_id_as::<HtmlSelectElement>(id) {
        return s.value();
    }
    if let Some(a) = by_id_as::<HtmlTextAreaElement>(id) {
        return a.value();
    }
    by_id_as::<HtmlInputElement>(id)
        .map(|i| i.value())
        .unwrap_or_default()
}

/// The `#fire-frames` choices, `(frame id, label)`: the tab's frames as the browser lists
/// them now (`live`), else the frames of the tab that fired events in the log (`seen`).
pub fn frame_options(live: Option<&[(i64, String)]>, seen: &[i64]) -> Vec<(String, String)> {
    match live {
        Some(frames) if !frames.is_empty() => frames
            .iter()
            .map(|(id, url)| {
                let what = if *id == 0 { "top frame" } else { "frame" };
                (
                    id.to_string(),
                    format!("{what}: {}", crate::format::clip(url, 120)),
                )
            })
            .collect(),
        _ => {
            let mut seen = seen.to_vec();
            seen.sort_unstable();
            seen.dedup();
            seen.into_iter()
                .map(|id| (id.to_string(), "seen in the log".to_string()))
                .collect()
        }
    }
}

fn fill_frames(options: &[(String, String)]) {
    let Some(list) = by_id("fire-frames") else {
        return;
    };
    dom::clear(&list);
    for (value, label) in options {
        let option = dom::el("option", "");
        attr(&option, "value", value);
        attr(&option, "label", label);
        add(&list, option);
    }
}

/// `#fire-frames`: the tab's frames, to choose from: those seen in the log at once, then
/// the browser's list of the frames there now.
fn list_frames(app: &App) {
    let Some(tab) = app.current_tab else {
        fill_frames(&[]);
        return;
    };
    let seen: Vec<i64> = app
        .events()
        .iter()
        .filter(|e| e.tab_id == tab)
        .map(|e| e.frame_id)
        .collect();
    fill_frames(&frame_options(None, &seen));
    wasm_bindgen_futures::spawn_local(async move {
        if let Ok(live) = fvi_browser::scripting::frames(tab).await {
            if !live.is_empty() {
                fill_frames(&frame_options(Some(&live), &seen));
            }
        }
    });
}

/// Runs one of the box's actions; false when `action` is not one of them.
pub fn action(app: &Shared, action: &str, arg: &str) -> bool {
    match action {
        "fire-button" => fire_now(app),
        "fire-new-call" => {
            if let Some(area) = by_id_as::<HtmlTextAreaElement>("fire-detail") {
                area.set_value(&prefill(&fresh_call_id()));
            }
        }
        "copy-event-code" => {
            let a = app.borrow();
            let seq = arg.parse::<u64>().ok();
            if let Some(e) = a.events().iter().find(|e| Some(e.seq) == seq) {
                let snippet = fire::event_snippet(e.kind, &e.detail);
                crate::actions::copy(&snippet, &format!("Copied event #{} as code.", e.seq));
            }
        }
        "copy-call-code" | "copy-call-code-seq" => {
            let pace = if action == "copy-call-code" {
                Pace::Original
            } else {
                Pace::Sequential
            };
            copy_call(&app.borrow(), pace);
        }
        other => return crate::replay_view::action(app, other),
    }
    true
}

/// The selected call, with the inbound requests that led to it, in page time.
fn copy_call(app: &App, pace: Pace) {
    let (Some(indices), Some(call_id)) = (
        crate::actions::selected_call_events(app),
        app.selection.call.as_deref(),
    ) else {
        crate::view::status("Select a call to copy it as code.", true);
        return;
    };
    let events = app.events();
    let mut list: Vec<&EventRecord> = indices.iter().map(|&i| &events[i]).collect();
    list.sort_by(|a, b| {
        a.captured_at
            .total_cmp(&b.captured_at)
            .then(a.seq.cmp(&b.seq))
    });
    crate::actions::copy(
        &fire::call_snippet(&list, pace),
        &format!("Copied call {} as code.", crate::format::clip(call_id, 80)),
    );
}

fn show(text: &str, result: &str) {
    if let Some(status) = by_id("fire-status") {
        dom::set_text(&status, text);
        attr(&status, "data-result", result);
    }
}

fn fire_now(app: &Shared) {
    let Some(tab_id) = app.borrow().current_tab else {
        show(
            "No tab to fire into: this view is not about one tab.",
            "error",
        );
        return;
    };
    let form = Form {
        choice: value_of("fire-kind"),
        detail: value_of("fire-detail"),
        target: value_of("fire-target"),
        frame: value_of("fire-frame"),
    };
    let plan = match plan_form(&form, &fresh_call_id()) {
        Ok(plan) => plan,
        Err(e) => {
            show(&e, "error");
            return;
        }
    };
    let planned = match plan {
        Planned::Event(planned) => planned,
        Planned::Preset {
            id,
            call_id,
            target,
        } => {
            // A preset is a run the background owns: it goes on when this page closes.
            let speed = by_id_as::<HtmlSelectElement>("fire-speed")
                .and_then(|s| Speed::from_name(&s.value()))
                .unwrap_or(Speed::Original);
            show(
                &format!("Preset started ({}, callId {call_id}).", speed.label()),
                "started",
            );
            let request = Request::RunStart {
                v: PROTOCOL_VERSION,
                tab_id,
                speed,
                source: RunSource::Preset {
                    id,
                    call_id,
                    target,
                },
            };
            crate::replay_view::send(app, request);
            return;
        }
    };
    wasm_bindgen_futures::spawn_local(async move {
        let kind = planned.kind;
        let request = Request::Fire {
            v: PROTOCOL_VERSION,
            tab_id,
            target: planned.target,
            kind: kind.name().to_string(),
            detail: planned.detail,
            no_call_id: planned.no_call_id,
        };
        let answer = fvi_browser::runtime::send(&request)
            .await
            .map_err(|e| e.to_string());
        let (text, result) = answer_text(kind, &answer);
        show(&text, result);
    });
}

/// On a step: the inspector-fired mark, when the background fired it, and "Copy as code".
/// Called wherever the timeline shows an event.
pub fn mark(parent: &Element, e: &EventRecord) {
    let line = add(parent, dom::el("div", "fire-line"));
    if let Some(fired) = &e.fired {
        parent.class_list().add_1("fired").ok();
        let mark = add(
            &line,
            dom::text("span", "fired-mark", "fired by the inspector"),
        );
        attr(
            &mark,
            "title",
            &format!("Fired from this inspector ({})", fired.nonce),
        );
    }
    let copy = add(
        &line,
        dom::button("Copy as code", "copy-event-code", &e.seq.to_string()),
    );
    copy.class_list().add_1("copy-code").ok();
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn form(choice: &str, detail: &str, target: &str, frame: &str) -> Form {
        Form {
            choice: choice.into(),
            detail: detail.into(),
            target: target.into(),
            frame: frame.into(),
        }
    }

    #[test]
    fn the_form_plans_fires() {
        let one = |kind, target, detail: Value| {
            Planned::Event(PlannedFire {
                at_ms: 0,
                kind,
                target,
                detail,
                no_call_id: false,
            })
        };
        let preset = |call_id: &str| Planned::Preset {
            id: "outbound-denied".into(),
            call_id: call_id.into(),
            target: FireTarget::Top,
        };
        let cases = [
            (
                form(
                    "event:fullview:callAccepted",
                    "{\"callId\": \"c\"}",
                    "top",
                    "",
                ),
                Ok(one(
                    EventKind::CallAccepted,
                    FireTarget::Top,
                    json!({"callId": "c"}),
                )),
            ),
            (
                form("event:fullview:callEnded", "{}", "frame", " 17 "),
                Ok(one(
                    EventKind::CallEnded,
                    FireTarget::Frame { frame_id: 17 },
                    json!({}),
                )),
            ),
            (
                form("event:fullview:callEnded", "{}", "all", ""),
                Ok(one(EventKind::CallEnded, FireTarget::AllFrames, json!({}))),
            ),
            (
                form("preset:outbound-denied", "{\"callId\": \"p\"}", "top", ""),
                Ok(preset("p")),
            ),
            (
                form("preset:outbound-denied", "{}", "top", ""),
                Ok(preset("fresh")),
            ),
            (
                form("event:fullview:callEnded", "{}", "frame", "x"),
                Err("Give the frame id as a whole number (0 is the top frame)."),
            ),
            (
                form("event:fullview:callEnded", "[1]", "top", ""),
                Err("The detail must be a JSON object ({…})."),
            ),
            (
                form("event:fullview:callEnded", "{", "top", ""),
                Err(
                    "The detail is not valid JSON: EOF while parsing an object at line 1 column 1.",
                ),
            ),
            (
                form("preset:nope", "{}", "top", ""),
                Err("Unknown preset nope."),
            ),
        ];
        for (input, expect) in cases {
            assert_eq!(
                plan_form(&input, "fresh"),
                expect.map_err(String::from),
                "{input:?}"
            );
        }
    }

    #[test]
    fn frames_to_choose_from() {
        let live = [
            (0, "https://a.example/".to_string()),
            (17179869185, "about:blank".to_string()),
        ];
        assert_eq!(
            frame_options(Some(&live), &[3]),
            [
                ("0".to_string(), "top frame: https://a.example/".to_string()),
                ("17179869185".to_string(), "frame: about:blank".to_string()),
            ]
        );
        let seen = |id: &str| (id.to_string(), "seen in the log".to_string());
        assert_eq!(frame_options(None, &[5, 0, 5]), [seen("0"), seen("5")]);
        assert_eq!(frame_options(Some(&[]), &[2]), [seen("2")]);
    }

    #[test]
    fn choices_list_every_event_then_every_preset() {
        let values: Vec<String> = choices().into_iter().map(|(v, _)| v).collect();
        assert_eq!(values.len(), 8 + PRESETS.len());
        assert_eq!(values[0], "event:fullview:callRequested");
        assert_eq!(values[8], "preset:outbound-accepted");
        assert_eq!(prefill("abc"), "{\n  \"callId\": \"abc\"\n}");
    }

    #[test]
    fn answers_say_whether_to_retry() {
        let k = EventKind::CallAccepted;
        let cases = [
            (
                Ok(Response::Fired {
                    v: 1,
                    call_id: Some("c".into()),
                    nonce: "n".into(),
                    frames: 1,
                }),
                ("Fired callAccepted (callId c) in 1 frame.", "fired"),
            ),
            (
                Ok(Response::retry_later("busy")),
                ("Not fired: busy. Trying again may work.", "retry"),
            ),
            (Ok(Response::refused("no")), ("Not fired: no.", "refused")),
            (Err("gone".to_string()), ("Not fired: gone", "error")),
        ];
        for (answer, (text, result)) in cases {
            assert_eq!(answer_text(k, &answer), (text.to_string(), result));
        }
    }
}
