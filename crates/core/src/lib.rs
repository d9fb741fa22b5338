//! Pure core of Fullview Event Inspector: everything that can be decided without a browser.
//!
//! Architecture invariant: this crate never touches a browser API, never reads a clock and
//! never makes up an id. Times, tab ids, frame ids and sequence numbers are passed in.
//! It depends on serde and serde_json only, and is tested with plain `cargo test`.

pub mod describer;
pub mod detail;
pub mod event;
pub mod export;
pub mod fire;
pub mod handlers;
pub mod lifecycle;
pub mod log;
pub mod markdown;
pub mod notify;
pub mod protocol;
pub mod record;
pub mod replay;
pub mod search;
pub mod sentinel;
pub mod store;
pub mod summary;
pub mod tabs;
pub mod time;
pub mod timeline;

pub use event::EventKind;
pub use record::{EventRecord, TabNote, TabNoteKind};
