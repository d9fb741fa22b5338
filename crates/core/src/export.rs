//! Export format version 1: the file a support engineer attaches to a ticket, and the file
//! the popup imports read-only. A public contract, documented in `docs/export-format.md`
//! with a JSON Schema beside it; renaming a field needs version 2.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::record::{EventRecord, TabNote};
use crate::time::rfc3339;

pub const FORMAT: &str = "fullview-event-log";
pub const VERSION: u32 = 1;
/// Largest file the importer reads; larger is refused before parsing.
pub const MAX_IMPORT_BYTES: usize = 200 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportFile {
    pub format: String,
    pub version: u32,
    /// RFC 3339, UTC.
    pub exported_at: String,
    pub generator: Generator,
    pub events: Vec<EventRecord>,
    /// Per-call summary (see `summary.rs`); free-form on read so a richer summary from a
    /// later 1.x writer still imports.
    pub calls: Vec<Value>,
    /// Inbound (customer-initiated) requests, grouped per tab (see `summary.rs`).
    #[serde(default)]
    pub inbound: Vec<Value>,
    /// What happened to tabs (closed, navigated).
    #[serde(default)]
    pub tab_notes: Vec<TabNote>,
    /// How much the log lost to retention or refused, so a reader knows it is partial.
    #[serde(default)]
    pub stats: Stats,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Generator {
    pub name: String,
    pub version: String,
    pub browser: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    pub evicted_calls: u64,
    pub evicted_events: u64,
    pub malformed_messages: u64,
    pub unknown_event_types: u64,
}

impl ExportFile {
    pub fn new(
        exported_at_ms: f64,
        generator: Generator,
        events: Vec<EventRecord>,
        calls: Vec<Value>,
        tab_notes: Vec<TabNote>,
        stats: Stats,
    ) -> ExportFile {
        ExportFile {
            format: FORMAT.to_string(),
            version: VERSION,
            exported_at: rfc3339(exported_at_ms),
            generator,
            events,
            calls,
            inbound: Vec::new(),
            tab_notes,
            stats,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("export serialises")
    }
}

/// Why an import was refused, in words for the person who chose the file.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportError {
    TooLarge(usize),
    NotJson(String),
    /// Valid JSON, perhaps, but nested past serde_json's recursion limit (128): no export
    /// nests that deep, so this is a hostile or foreign file, not a damaged one.
    TooDeep(String),
    NotAnExport,
    WrongVersion(u64),
    BadShape(String),
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImportError::TooLarge(n) => write!(
                f,
                "The file is {} MB; the inspector opens files up to {} MB.",
                n / (1024 * 1024),
                MAX_IMPORT_BYTES / (1024 * 1024)
            ),
            ImportError::NotJson(e) => write!(f, "The file is not valid JSON ({e})."),
            ImportError::TooDeep(e) => write!(
                f,
                "The file nests values more than 128 levels deep, which no export does ({e})."
            ),
            ImportError::NotAnExport => write!(
                f,
                "The file is JSON but not a Fullview Event Inspector export (no \"format\": \"{FORMAT}\")."
            ),
            ImportError::WrongVersion(v) => write!(
                f,
                "The file is export format version {v}; this inspector reads version {VERSION}."
            ),
            ImportError::BadShape(e) => write!(f, "The file is a version {VERSION} export but is damaged: {e}."),
        }
    }
}

/// Parses an export file. Checks size, then JSON, then format and version, then shape,
/// so each failure has its own clear message. serde_json's recursion limit (128) refuses
/// pathologically deep nesting without overflowing the stack.
pub fn parse(text: &str) -> Result<ExportFile, ImportError> {
    if text.len() > MAX_IMPORT_BYTES {
        return Err(ImportError::TooLarge(text.len()));
    }
    let value: Value = serde_json::from_str(text).map_err(|e| {
        // serde_json has no error category of its own for this; its message is stable.
        let e = e.to_string();
        if e.contains("recursion limit exceeded") {
            ImportError::TooDeep(e)
        } else {
            ImportError::NotJson(e)
        }
    })?;
    if value.get("format").and_then(Value::as_str) != Some(FORMAT) {
        return Err(ImportError::NotAnExport);
    }
    match value.get("version").and_then(Value::as_u64) {
        Some(v) if v == u64::from(VERSION) => {}
        Some(v) => return Err(ImportError::WrongVersion(v)),
        None => return Err(ImportError::BadShape("\"version\" is missing".into())),
    }
    let file: ExportFile =
        serde_json::from_value(value).map_err(|e| ImportError::BadShape(e.to_string()))?;
    let mut seqs: Vec<u64> = file.events.iter().map(|e| e.seq).collect();
    seqs.sort_unstable();
    if seqs.windows(2).any(|w| w[0] == w[1]) {
        return Err(ImportError::BadShape("two events share a seq".into()));
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_errors_are_specific() {
        let cases = [
            ("not json", "The file is not valid JSON"),
            (
                "{\"a\":1}",
                "The file is JSON but not a Fullview Event Inspector export",
            ),
            (
                "{\"format\":\"fullview-event-log\",\"version\":2}",
                "The file is export format version 2; this inspector reads version 1.",
            ),
            (
                "{\"format\":\"fullview-event-log\",\"version\":1,\"events\":5}",
                "The file is a version 1 export but is damaged",
            ),
        ];
        for (input, expect) in cases {
            let err = parse(input).unwrap_err().to_string();
            assert!(err.starts_with(expect), "{input}: {err}");
        }
        // Valid JSON 200 levels deep, and an unclosed 100,000: both too deep, not "invalid".
        for deep in ["[".repeat(200) + &"]".repeat(200), "[".repeat(100_000)] {
            let err = parse(&deep).unwrap_err();
            assert!(matches!(err, ImportError::TooDeep(_)), "{err}");
            assert!(err
                .to_string()
                .starts_with("The file nests values more than 128 levels deep"));
        }
    }

    #[test]
    fn round_trips() {
        let file = ExportFile::new(
            0.0,
            Generator {
                name: "fvi".into(),
                version: "0.1.0".into(),
                browser: "test".into(),
            },
            vec![],
            vec![],
            vec![],
            Stats::default(),
        );
        assert_eq!(parse(&file.to_json()).unwrap(), file);
    }
}
