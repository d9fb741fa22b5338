//! Small DOM helpers. Architecture invariant: page-supplied strings reach the DOM only as
//! text nodes (`text`, `set_text`) or attribute values (`attr`), never through
//! `innerHTML`, so a hostile page cannot run markup here.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, HtmlElement, Node, Window};

pub fn window() -> Window {
    web_sys::window().expect("popup has a window")
}

pub fn document() -> Document {
    window().document().expect("popup has a document")
}

/// `<tag class=...>` with no content.
pub fn el(tag: &str, class: &str) -> Element {
    let e = document().create_element(tag).expect("valid tag");
    if !class.is_empty() {
        e.set_class_name(class);
    }
    e
}

/// `<tag class=...>text</tag>`, the text set as a text node.
pub fn text(tag: &str, class: &str, content: &str) -> Element {
    let e = el(tag, class);
    e.set_text_content(Some(content));
    e
}

/// Replaces an element's content with one text node.
pub fn set_text(e: &Element, content: &str) {
    // Skipping equal writes keeps live updates from disturbing screen readers and selection.
    if e.text_content().as_deref() != Some(content) {
        e.set_text_content(Some(content));
    }
}

pub fn attr(e: &Element, name: &str, value: &str) {
    let _ = e.set_attribute(name, value);
}

/// Appends `child` and returns it, so trees read top-down.
pub fn add<T: AsRef<Node>>(parent: &Element, child: T) -> T {
    let _ = parent.append_child(child.as_ref());
    child
}

/// Appends a text node (no element).
pub fn add_text(parent: &Element, content: &str) {
    let _ = parent.append_child(&document().create_text_node(content));
}

/// A `<button type=button>` whose clicks are routed by `data-action` (see `actions.rs`).
pub fn button(label: &str, action: &str, arg: &str) -> Element {
    let b = text("button", "", label);
    attr(&b, "type", "button");
    attr(&b, "data-action", action);
    if !arg.is_empty() {
        attr(&b, "data-arg", arg);
    }
    b
}

pub fn by_id(id: &str) -> Option<HtmlElement> {
    document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into().ok())
}

/// An element of a known type by id (`HtmlInputElement`, `HtmlSelectElement`, ...).
pub fn by_id_as<T: JsCast>(id: &str) -> Option<T> {
    document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into().ok())
}

pub fn set_hidden(id: &str, hidden: bool) {
    if let Some(e) = by_id(id) {
        if e.hidden() != hidden {
            e.set_hidden(hidden);
        }
    }
}

pub fn clear(e: &Element) {
    e.set_text_content(None);
}

/// Milliseconds since the page started loading: what the first-paint figures are in.
pub fn perf_now() -> f64 {
    window().performance().map_or(0.0, |p| p.now())
}

/// The element an event targeted, or its closest ancestor matching `selector`.
pub fn closest(event: &web_sys::Event, selector: &str) -> Option<Element> {
    event
        .target()
        .and_then(|t| t.dyn_into::<Element>().ok())
        .and_then(|e| e.closest(selector).ok().flatten())
}

/// Runs `f` after `ms`, once. Used for debouncing; the closure frees itself after running.
pub fn after(ms: i32, f: impl FnOnce() + 'static) {
    let callback = wasm_bindgen::closure::Closure::once_into_js(f);
    let _ = window()
        .set_timeout_with_callback_and_timeout_and_arguments_0(callback.unchecked_ref(), ms);
}

/// Resolves once the next frame is painted (a task queued from the frame callback runs
/// once that frame is out), or after `at_most_ms`, whichever comes first: a hidden page
/// gets no frame callbacks at all.
pub async fn next_paint(at_most_ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let on_frame = resolve.clone();
        let frame = wasm_bindgen::closure::Closure::once_into_js(move || {
            after(0, move || {
                let _ = on_frame.call0(&JsValue::UNDEFINED);
            });
        });
        let _ = window().request_animation_frame(frame.unchecked_ref());
        after(at_most_ms, move || {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        });
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Yields to the browser: resolves in a new task, so input (a click) and frames waiting
/// behind the current work run first. Long work is split with it, so no task of a live
/// update holds the page for long.
pub async fn yield_now() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        after(0, move || {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        });
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// A repeating timer, stopped when dropped: held by whoever needs it (the view, the app).
pub struct Interval {
    id: i32,
    _callback: wasm_bindgen::closure::Closure<dyn FnMut()>,
}

impl Interval {
    pub fn new(ms: i32, f: impl FnMut() + 'static) -> Interval {
        let callback = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(f);
        let id = window()
            .set_interval_with_callback_and_timeout_and_arguments_0(
                callback.as_ref().unchecked_ref(),
                ms,
            )
            .unwrap_or(0);
        Interval {
            id,
            _callback: callback,
        }
    }
}

impl Drop for Interval {
    fn drop(&mut self) {
        window().clear_interval_with_handle(self.id);
    }
}
