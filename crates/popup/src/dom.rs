//! Small DOM helpers. Architecture invariant: page-supplied strings reach the DOM only as
//! text nodes (`text`), never through `innerHTML`, so a hostile page cannot run markup here.

use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement};

pub fn document() -> Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("popup has a document")
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

pub fn by_id(id: &str) -> Option<HtmlElement> {
    document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into().ok())
}
