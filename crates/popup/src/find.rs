//! Finding what matters (issue 12): the next and previous problem (keys `n` and `p`), which
//! keys count as typing, and the mark that says where the selected row is once it has
//! scrolled out of the list ("↓ Selected call · 67 newer calls above"). The decisions are
//! plain functions of plain data, tested on the host; [`update_mark`] puts the mark on the
//! page.

use std::cell::Cell;
use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;

use crate::dom::{self, attr};
use crate::format;
use crate::state::{App, Pane};

/// The key for the next problem, and for the previous one.
pub const NEXT_KEY: &str = "n";
pub const PREVIOUS_KEY: &str = "p";

/// The hint the keys are shown with (`#problem-keys`, the summary's problem button).
pub const KEYS_HINT: &str = "n: next problem · p: previous problem";

/// Where the next (`forward`) or previous problem is, among the shown rows: `problems` are
/// the positions of the rows with problems, in list order, and `current` the selected
/// row's. Wraps around at either end, so from anywhere every problem is at most
/// `problems.len() / 2 + 1` presses away. `None` when there is no problem.
pub fn step(problems: &[usize], current: Option<usize>, forward: bool) -> Option<usize> {
    let (first, last) = (*problems.first()?, *problems.last()?);
    let Some(at) = current else {
        return Some(if forward { first } else { last });
    };
    Some(if forward {
        problems.iter().copied().find(|p| *p > at).unwrap_or(first)
    } else {
        problems
            .iter()
            .rev()
            .copied()
            .find(|p| *p < at)
            .unwrap_or(last)
    })
}

/// Whether a key pressed in this element is typing, not a command: text fields, selects
/// and editable content keep their keys. `input_type` is an `<input>`'s `type`.
pub fn is_typing(tag: &str, input_type: &str, editable: bool) -> bool {
    let text_input = !matches!(
        input_type.to_ascii_lowercase().as_str(),
        "checkbox" | "radio" | "button" | "submit" | "reset" | "file" | "range" | "color"
    );
    editable
        || match tag.to_ascii_lowercase().as_str() {
            "input" => text_input,
            "textarea" | "select" => true,
            _ => false,
        }
}

/// Where the selected row is, relative to the visible part of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// At least partly visible, or nothing is selected.
    Visible,
    Above,
    Below,
}

/// The selected-row mark as plain data.
#[derive(Debug, Clone, PartialEq)]
pub struct MarkView {
    /// `up` or `down`: which edge of the list it sits at.
    pub class: &'static str,
    pub text: String,
}

/// The mark for the selected row at `position` (how many shown rows are above it) of
/// `pane`, when it is out of view; `None` while it is visible.
pub fn mark(pane: Pane, position: usize, place: Place) -> Option<MarkView> {
    let (class, arrow) = match place {
        Place::Visible => return None,
        Place::Above => ("up", "↑"),
        Place::Below => ("down", "↓"),
    };
    let (what, above) = match pane {
        Pane::Calls => (
            "call",
            format::plural(position, "newer call", "newer calls"),
        ),
        Pane::Inbound => ("request", format::plural(position, "request", "requests")),
        Pane::Unassigned => (
            "event",
            format::plural(position, "newer event", "newer events"),
        ),
    };
    let text = if position == 0 {
        format!("{arrow} Selected {what} · at the top")
    } else {
        format!("{arrow} Selected {what} · {above} above")
    };
    Some(MarkView { class, text })
}

/// Where a row spanning `top..bottom` (in list content coordinates) is, when the list
/// shows `view_top..view_bottom`.
pub fn place(top: i32, bottom: i32, view_top: i32, view_bottom: i32) -> Place {
    if bottom <= view_top {
        Place::Above
    } else if top >= view_bottom {
        Place::Below
    } else {
        Place::Visible
    }
}

thread_local! {
    /// A mark update is waiting for the next frame.
    static PENDING: Cell<bool> = const { Cell::new(false) };
}

/// Updates `#selected-mark` in the next frame (once however often it is asked): its layout
/// reads then cost nothing extra, as the browser lays the page out for that frame anyway.
pub fn schedule_mark(app: &Rc<RefCell<App>>) {
    if PENDING.with(|p| p.replace(true)) {
        return;
    }
    let app = app.clone();
    let callback = wasm_bindgen::closure::Closure::once_into_js(move || {
        PENDING.with(|p| p.set(false));
        update_mark(&app.borrow());
    });
    let _ = dom::window().request_animation_frame(callback.unchecked_ref());
}

/// Shows `#selected-mark` at the list's top or bottom edge while the selected row is out of
/// view, and hides it otherwise.
fn update_mark(app: &App) {
    let (Some(scroll), Some(button)) = (dom::by_id("list-scroll"), dom::by_id("selected-mark"))
    else {
        return;
    };
    let row = app
        .selected_key()
        .and_then(|key| crate::calls_list::row_by_key(app, &key));
    let (view, position) = match (row, app.selected_position()) {
        (Some(row), Some(position)) => {
            let top = row.offset_top() - scroll.offset_top();
            let at = place(
                top,
                top + row.offset_height(),
                scroll.scroll_top(),
                scroll.scroll_top() + scroll.client_height(),
            );
            (mark(app.pane, position, at), position)
        }
        // No row: a live update kept the list's window and the selected call is below it
        // (App::keep_selection); the mark leads there.
        (None, Some(position)) => (mark(app.pane, position, Place::Below), position),
        _ => (None, 0),
    };
    button.set_hidden(view.is_none());
    let Some(view) = view else { return };
    button.set_class_name(&format!("selected-mark {}", view.class));
    dom::set_text(&button, &view.text);
    attr(&button, "data-position", &position.to_string());
    let style = match view.class {
        "up" => format!("top: {}px", scroll.offset_top() + 6),
        _ => String::new(),
    };
    attr(&button, "style", &style);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (problem positions, selected position, forward, the position selected next).
    type StepCase = (&'static [usize], Option<usize>, bool, Option<usize>);

    #[test]
    fn steps_go_round_the_problems() {
        let cases: &[StepCase] = &[
            (&[], Some(3), true, None),
            (&[], None, false, None),
            // From the newest (unflagged) row: the first problem, or round to the last.
            (&[67, 177], Some(0), true, Some(67)),
            (&[67, 177], Some(0), false, Some(177)),
            (&[67, 177], Some(67), true, Some(177)),
            (&[67, 177], Some(177), true, Some(67)),
            (&[67, 177], Some(177), false, Some(67)),
            (&[67, 177], Some(100), false, Some(67)),
            (&[67, 177], None, true, Some(67)),
            (&[67, 177], None, false, Some(177)),
            (&[5], Some(5), true, Some(5)),
        ];
        for (problems, current, forward, want) in cases {
            assert_eq!(
                step(problems, *current, *forward),
                *want,
                "{problems:?} from {current:?}, forward {forward}"
            );
        }
    }

    #[test]
    fn typing_keeps_its_keys() {
        let cases = [
            ("INPUT", "search", false, true),
            ("input", "text", false, true),
            ("input", "number", false, true),
            ("input", "", false, true),
            ("input", "checkbox", false, false),
            ("input", "file", false, false),
            ("textarea", "", false, true),
            ("select", "", false, true),
            ("div", "", true, true),
            ("li", "", false, false),
            ("button", "", false, false),
        ];
        for (tag, kind, editable, want) in cases {
            assert_eq!(
                is_typing(tag, kind, editable),
                want,
                "{tag} {kind} {editable}"
            );
        }
    }

    #[test]
    fn the_mark_says_where_the_selection_is() {
        let cases = [
            (Pane::Calls, 67, Place::Visible, None),
            (
                Pane::Calls,
                67,
                Place::Below,
                Some(("down", "↓ Selected call · 67 newer calls above")),
            ),
            (
                Pane::Calls,
                1,
                Place::Above,
                Some(("up", "↑ Selected call · 1 newer call above")),
            ),
            (
                Pane::Calls,
                0,
                Place::Above,
                Some(("up", "↑ Selected call · at the top")),
            ),
            (
                Pane::Inbound,
                3,
                Place::Below,
                Some(("down", "↓ Selected request · 3 requests above")),
            ),
            (
                Pane::Unassigned,
                2,
                Place::Above,
                Some(("up", "↑ Selected event · 2 newer events above")),
            ),
        ];
        for (pane, position, at, want) in cases {
            let got = mark(pane, position, at);
            let got = got.as_ref().map(|m| (m.class, m.text.as_str()));
            assert_eq!(got, want, "{pane:?} {position} {at:?}");
        }
    }

    /// A row (top, bottom) against a view of 100..300.
    #[test]
    fn a_row_is_out_of_view_only_when_wholly_out() {
        let cases = [
            ((0, 100), Place::Above),
            ((0, 101), Place::Visible),
            ((150, 180), Place::Visible),
            ((299, 330), Place::Visible),
            ((300, 330), Place::Below),
        ];
        for ((top, bottom), want) in cases {
            assert_eq!(place(top, bottom, 100, 300), want, "{top}..{bottom}");
        }
    }
}
