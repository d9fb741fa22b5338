//! Generates, from the core crate's Rust list of events, the JavaScript the page-side
//! sentinel needs, so the event names in JS and Rust cannot drift.
//!
//! The sentinel (content-script/sentinel.template.js) is the only code that runs in every
//! frame of every page; it must be tiny plain JS (see ARCHITECTURE.md, "Why a sentinel").
//! `fvi_core::sentinel::generate` substitutes the event-name list and protocol version
//! into it and strips its comments (tested there); this script writes the result to
//! OUT_DIR, where the `fvi` driver picks it up with `include_str!`.

use std::path::PathBuf;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let template_path = manifest_dir.join("content-script/sentinel.template.js");
    println!("cargo:rerun-if-changed={}", template_path.display());
    println!("cargo:rerun-if-changed=crates/core/src/event.rs");
    println!("cargo:rerun-if-changed=crates/core/src/sentinel.rs");
    let template = std::fs::read_to_string(&template_path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", template_path.display()));
    let generated = fvi_core::sentinel::generate(&template)
        .unwrap_or_else(|e| panic!("{}: {e}", template_path.display()));
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("sentinel.js");
    std::fs::write(&out, generated).unwrap();
}
