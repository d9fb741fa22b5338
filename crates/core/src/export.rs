//! Export format version 3: the file a support engineer attaches to a ticket, and the file
//! the popup imports read-only. A public contract, documented in `docs/export-format.md`
//! with a JSON Schema beside it. Every change to it is a new version, and every version
//! since 1 still imports (version 2 added each event's `topTitle`, version 3 the
//! inspector-fired mark `firedByInspector`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::lifecycle::Thresholds;
use crate::record::{EventRecord, TabNote};
use crate::summary::{summarize, CallSummary, InboundSummary};
use crate::time::rfc3339;
use crate::timeline::{self, EventIx};

pub const FORMAT: &str = "fullview-event-log";
/// The version this writes; it reads every version from [`OLDEST_VERSION`] to this one.
pub const VERSION: u32 = 3;
/// The oldest version it still reads.
pub const OLDEST_VERSION: u32 = 1;
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

/// Files of up to this many events are written indented, so they read in any editor; larger
/// ones compact: a third smaller (100,000 events: 43.6 MB against 64.5 MB), which keeps a
/// whole log under the attachment limits of ticket systems, and faster to write
/// (BENCHMARKS.md §4c). Readers must not care either way.
pub const INDENT_UP_TO_EVENTS: usize = 10_000;

/// An export being written: the summaries are built from the given events (so every seq a
/// summary names is in the file), and the file is serialised straight from the borrowed
/// log, without cloning 100,000 records or turning summaries into `Value`s first.
pub struct Export<'a> {
    exported_at: String,
    generator: Generator,
    events: Vec<&'a EventRecord>,
    calls: Vec<CallSummary>,
    inbound: Vec<InboundSummary>,
    tab_notes: &'a [TabNote],
    stats: Stats,
}

/// What [`Export::to_bytes`] serialises: [`ExportFile`]'s fields, in its order, borrowed
/// (`written_files_read_back` checks that the one reads what the other writes).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Writing<'w> {
    format: &'static str,
    version: u32,
    exported_at: &'w str,
    generator: &'w Generator,
    events: &'w [&'w EventRecord],
    calls: &'w [CallSummary],
    inbound: &'w [InboundSummary],
    tab_notes: &'w [TabNote],
    stats: &'w Stats,
}

impl<'a> Export<'a> {
    /// Summarises the events `selected` from `log` (indices; `None` for all of it), with
    /// `tab_notes`, judged at `now`, for a file stamped `exported_at_ms`; both times are
    /// passed in, as everywhere in the core.
    pub fn new(
        log: &'a [EventRecord],
        selected: Option<&[EventIx]>,
        tab_notes: &'a [TabNote],
        now: f64,
        exported_at_ms: f64,
        generator: Generator,
        stats: Stats,
    ) -> Export<'a> {
        let thresholds = Thresholds::default();
        let (events, grouped) = match selected {
            None => (
                log.iter().collect(),
                timeline::build(log, tab_notes, now, &thresholds),
            ),
            Some(selected) => (
                selected.iter().map(|ix| ix.of(log)).collect(),
                timeline::build_selected(log, selected, tab_notes, now, &thresholds),
            ),
        };
        let (calls, inbound) = summarize(&grouped, log);
        Export {
            exported_at: rfc3339(exported_at_ms),
            generator,
            events,
            calls,
            inbound,
            tab_notes,
            stats,
        }
    }

    /// RFC 3339, UTC.
    pub fn exported_at(&self) -> &str {
        &self.exported_at
    }

    pub fn event_count(&self) -> usize {
        self.events.len()
    }

    pub fn call_count(&self) -> usize {
        self.calls.len()
    }

    /// The file, UTF-8 JSON: indented up to [`INDENT_UP_TO_EVENTS`] events, compact above.
    pub fn to_bytes(&self) -> Vec<u8> {
        let file = Writing {
            format: FORMAT,
            version: VERSION,
            exported_at: &self.exported_at,
            generator: &self.generator,
            events: &self.events,
            calls: &self.calls,
            inbound: &self.inbound,
            tab_notes: self.tab_notes,
            stats: &self.stats,
        };
        // About 440 bytes per event compact (the benchmark's log); reserving it up front
        // spares the copies of a buffer doubling its way to tens of MB.
        let mut out = Vec::with_capacity(4096 + self.events.len() * 512);
        let written = if self.events.len() <= INDENT_UP_TO_EVENTS {
            serde_json::to_writer_pretty(&mut out, &file)
        } else {
            serde_json::to_writer(&mut out, &file)
        };
        written.expect("an export serialises: every field is plain data");
        out
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
    /// The file's version, and what is wrong with its shape.
    BadShape(u64, String),
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
                "The file is export format version {v}; this inspector reads versions {OLDEST_VERSION} to {VERSION}."
            ),
            ImportError::BadShape(v, e) => write!(f, "The file is a version {v} export but is damaged: {e}."),
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
    let version = match value.get("version").and_then(Value::as_u64) {
        Some(v) if (u64::from(OLDEST_VERSION)..=u64::from(VERSION)).contains(&v) => v,
        Some(v) => return Err(ImportError::WrongVersion(v)),
        None => return Err(ImportError::BadShape(0, "\"version\" is missing".into())),
    };
    let file: ExportFile =
        serde_json::from_value(value).map_err(|e| ImportError::BadShape(version, e.to_string()))?;
    // Version 1 has no `topTitle`: a version 1 file that has one is not what it says.
    if version < 2 && file.events.iter().any(|e| e.top_title.is_some()) {
        return Err(ImportError::BadShape(
            version,
            "unknown field `topTitle` (version 2 added it)".into(),
        ));
    }
    // Only version 3 has the inspector's mark.
    if version < 3 && file.events.iter().any(|e| e.fired.is_some()) {
        return Err(ImportError::BadShape(
            version,
            "unknown field `firedByInspector` (version 3 added it)".into(),
        ));
    }
    let mut seqs: Vec<u64> = file.events.iter().map(|e| e.seq).collect();
    seqs.sort_unstable();
    if seqs.windows(2).any(|w| w[0] == w[1]) {
        return Err(ImportError::BadShape(
            version,
            "two events share a seq".into(),
        ));
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
                "{\"format\":\"fullview-event-log\",\"version\":4}",
                "The file is export format version 4; this inspector reads versions 1 to 3.",
            ),
            (
                "{\"format\":\"fullview-event-log\",\"version\":2,\"events\":5}",
                "The file is a version 2 export but is damaged",
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

    use crate::record::{Origin, TabNoteKind};
    use crate::EventKind;

    fn record(seq: u64, kind: EventKind, call_id: Option<&str>, tab_id: i64) -> EventRecord {
        EventRecord {
            seq,
            kind,
            call_id: call_id.map(str::to_string),
            tab_id,
            frame_id: 0,
            url: "https://shop.example/".into(),
            top_url: Some("https://shop.example/".into()),
            top_title: Some("Shop – Checkout".into()),
            captured_at: 1_764_000_000_000.0 + seq as f64 * 1000.0,
            stored_at: 1_764_000_000_003.0 + seq as f64 * 1000.0,
            detail: serde_json::json!({ "callId": call_id, "<b>": [1, 2.5, null] }),
            detail_truncated: false,
            origin: Origin {
                document: format!("doc-{tab_id}"),
                n: seq,
            },
            fired: None,
        }
    }

    /// What the writer writes, the reader reads: every field, the summaries included, so a
    /// field missing from `Writing` (or misnamed) fails here rather than in a user's import.
    #[test]
    fn written_files_read_back() {
        let mut fired = record(4, EventKind::CallAccepted, Some("c1"), 7);
        fired.fired = Some(crate::fire::Fired {
            nonce: "n-4".into(),
            at: 1_764_000_003_999.0,
        });
        let events = [
            record(1, EventKind::SupportRequested, None, 7),
            record(2, EventKind::CallRequested, Some("c1"), 7),
            record(3, EventKind::CallRequested, Some("c1"), 8),
            fired,
        ];
        let notes = [TabNote {
            seq: 5,
            tab_id: 8,
            at: 1_764_000_009_000.0,
            kind: TabNoteKind::Closed,
        }];
        let stats = Stats {
            evicted_calls: 1,
            evicted_events: 2,
            malformed_messages: 3,
            unknown_event_types: 4,
        };
        let generator = Generator {
            name: "fvi".into(),
            version: "0.1.0".into(),
            browser: "test".into(),
        };
        let export = Export::new(
            &events,
            None,
            &notes,
            1.8e12,
            1_764_000_010_000.0,
            generator.clone(),
            stats.clone(),
        );
        let text = String::from_utf8(export.to_bytes()).unwrap();
        let read = parse(&text).unwrap();
        let (calls, inbound) = summarize(
            &timeline::build(&events, &notes, 1.8e12, &Thresholds::default()),
            &events,
        );
        let expected = ExportFile {
            format: FORMAT.into(),
            version: VERSION,
            exported_at: "2025-11-24T16:00:10.000Z".into(),
            generator,
            events: events.to_vec(),
            calls: calls
                .iter()
                .map(|c| serde_json::to_value(c).unwrap())
                .collect(),
            inbound: inbound
                .iter()
                .map(|r| serde_json::to_value(r).unwrap())
                .collect(),
            tab_notes: notes.to_vec(),
            stats,
        };
        assert_eq!(read, expected);
        assert_eq!((export.event_count(), export.call_count()), (4, 1));
        assert_eq!(expected.inbound.len(), 1);
        assert!(text.starts_with("{\n  \"format\": \"fullview-event-log\",\n  \"version\": 3,"));
        assert!(text.contains("\"firedByInspector\": {\n        \"nonce\": \"n-4\","));
        assert!(text.contains("\"topTitle\": \"Shop – Checkout\""));
    }

    /// Exporting a selection of the log (by index) writes what exporting a copy of those
    /// events would: the same events, and summaries judged on them alone.
    #[test]
    fn a_selection_exports_like_a_copy_of_it() {
        let events = [
            record(1, EventKind::SupportRequested, None, 7),
            record(2, EventKind::CallRequested, Some("c1"), 7),
            record(3, EventKind::CallRequested, Some("c2"), 8),
            record(4, EventKind::CallAccepted, Some("c1"), 7),
        ];
        let generator = Generator {
            name: "fvi".into(),
            version: "0.1.0".into(),
            browser: "test".into(),
        };
        let write = |log: &[EventRecord], selected: Option<&[EventIx]>| {
            let export = Export::new(
                log,
                selected,
                &[],
                1.8e12,
                1_764_000_010_000.0,
                generator.clone(),
                Stats::default(),
            );
            parse(&String::from_utf8(export.to_bytes()).unwrap()).unwrap()
        };
        let selected = write(&events, Some(&[EventIx(3), EventIx(1)]));
        let copy = write(&[events[3].clone(), events[1].clone()], None);
        assert_eq!(selected, copy);
        assert_eq!(selected.events.len(), 2);
        assert_eq!(selected.calls.len(), 1);
        assert!(selected.inbound.is_empty());
    }

    /// Version 1 files (no `topTitle`) still import; one that claims version 1 but has a
    /// title does not.
    #[test]
    fn version_1_files_still_import() {
        let v1 = include_str!("../../../fuzz/corpus/import/doc_example.json");
        assert!(v1.contains("\"version\": 1"));
        let file = parse(v1).unwrap();
        assert_eq!(file.version, 1);
        assert!(file.events.iter().all(|e| e.top_title.is_none()));
        let titled = v1.replacen("\"topUrl\":", "\"topTitle\": \"Shop\", \"topUrl\":", 1);
        let err = parse(&titled).unwrap_err().to_string();
        assert!(
            err.starts_with(
                "The file is a version 1 export but is damaged: unknown field `topTitle`"
            ),
            "{err}"
        );
        let v2 = titled.replacen("\"version\": 1", "\"version\": 2", 1);
        assert_eq!(
            parse(&v2).unwrap().events[0].top_title.as_deref(),
            Some("Shop")
        );
    }

    /// The inspector's mark is version 3's: a version 1 or 2 file that has one is refused,
    /// a version 3 file reads it, and files without it read the same in every version.
    #[test]
    fn the_mark_is_version_3s() {
        let v1 = include_str!("../../../fuzz/corpus/import/doc_example.json");
        let marked = v1.replacen(
            "\"topUrl\":",
            "\"firedByInspector\": {\"nonce\": \"n\", \"at\": 5}, \"topUrl\":",
            1,
        );
        let cases = [
            (v1.to_string(), Ok(None)),
            (v1.replacen("\"version\": 1", "\"version\": 3", 1), Ok(None)),
            (
                marked.clone(),
                Err("The file is a version 1 export but is damaged: unknown field `firedByInspector`"),
            ),
            (
                marked.replacen("\"version\": 1", "\"version\": 2", 1),
                Err("The file is a version 2 export but is damaged: unknown field `firedByInspector`"),
            ),
            (
                marked.replacen("\"version\": 1", "\"version\": 3", 1),
                Ok(Some("n")),
            ),
            (
                marked.replacen("\"at\": 5}", "\"at\": 5, \"page\": true}", 1)
                    .replacen("\"version\": 1", "\"version\": 3", 1),
                Err("The file is a version 3 export but is damaged: unknown field `page`"),
            ),
        ];
        for (text, expect) in cases {
            match (parse(&text), expect) {
                (Ok(file), Ok(nonce)) => assert_eq!(
                    file.events[0].fired.as_ref().map(|f| f.nonce.as_str()),
                    nonce
                ),
                (Err(e), Err(want)) => {
                    assert!(e.to_string().starts_with(want), "{e}")
                }
                (got, want) => panic!("{got:?}, expected {want:?}"),
            }
        }
    }

    /// Above the threshold the file is compact, and reads back the same.
    #[test]
    fn large_files_are_compact() {
        let events: Vec<EventRecord> = (1..=INDENT_UP_TO_EVENTS as u64 + 1)
            .map(|seq| record(seq, EventKind::CallEnded, Some("c"), 1))
            .collect();
        let export = Export::new(
            &events,
            None,
            &[],
            0.0,
            0.0,
            Generator {
                name: "fvi".into(),
                version: "0".into(),
                browser: "test".into(),
            },
            Stats::default(),
        );
        let text = String::from_utf8(export.to_bytes()).unwrap();
        assert!(text.starts_with("{\"format\":\"fullview-event-log\",\"version\":3,"));
        assert!(!text.contains('\n'));
        assert_eq!(parse(&text).unwrap().events, events);
    }
}
