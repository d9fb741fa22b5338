//! Ticket-ready Markdown for one call: a one-line verdict, a header (state, tabs, times), a
//! table of its steps and its flags; and the same call as plain text. Every string that came from a page (callId, URLs) is escaped, so a
//! hostile value cannot break out of its table cell or inject markup.

use crate::lifecycle::{format_rel, format_secs, CallState};
pub use crate::time::{format_duration, format_utc, readable_duration};
use crate::timeline::{Call, StepBody, Timeline};
use crate::{EventKind, EventRecord, TabNoteKind};
use std::fmt::Write as _;

/// Longest page-provided string put in a cell; the rest is cut with `…` so one huge URL
/// cannot make the ticket unreadable.
const MAX_CELL_CHARS: usize = 300;

/// The Markdown timeline of `call_id`, or `None` when the timeline has no such call.
pub fn call_markdown(timeline: &Timeline, call_id: &str) -> Option<String> {
    timeline.call(call_id).map(|call| render(timeline, call))
}

fn render(timeline: &Timeline, call: &Call) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### Fullview call {}\n", escape(call.call_id));
    // Our own words only (no page text), so nothing in it needs escaping.
    let _ = writeln!(out, "{}\n", verdict(call));
    let (state, label) = (call.state.as_str(), call.state.label());
    if state == label {
        let _ = writeln!(out, "- **State:** {state}");
    } else {
        let _ = writeln!(out, "- **State:** {state} ({label})");
    }
    let _ = writeln!(
        out,
        "- **Tabs:** {} ({})",
        join(call.tabs.iter().map(i64::to_string)),
        join(call.sites().iter().map(|s| escape(s)))
    );
    let _ = writeln!(out, "- **Started:** {}", format_utc(call.start));
    if let Some(end) = call.end {
        let _ = writeln!(out, "- **Ended:** {}", format_utc(end));
    }
    if let Some(d) = call.duration_ms {
        let _ = writeln!(out, "- **Duration:** {}", format_duration(d));
    }
    if let Some(d) = call.accept_delay_ms {
        let _ = writeln!(out, "- **Accept delay:** {}", format_duration(d));
    }
    if let Some(d) = call.deny_delay_ms {
        let _ = writeln!(out, "- **Deny delay:** {}", format_duration(d));
    }
    let _ = writeln!(out, "- **Events:** {}", call.events.len());

    let _ = writeln!(out, "\n| Time | UTC | Event | Tab/frame | URL | Seq |");
    let _ = writeln!(out, "|---:|---|---|---|---|---|");
    let start_day = utc_day(call.start);
    for step in &call.steps {
        // Time of day is enough inside one day; a call crossing midnight shows the date.
        let utc = format_utc(step.at);
        let utc = if utc_day(step.at) == start_day {
            utc.split_once(' ')
                .map_or(utc.clone(), |(_, time)| time.to_string())
        } else {
            utc
        };
        let (label, tabs, urls, seqs) = match &step.body {
            // Our own words; a navigated note's URL goes in the URL column, escaped.
            StepBody::Note(note) => {
                let (label, url) = match &note.kind {
                    TabNoteKind::Closed => ("tab closed", String::new()),
                    TabNoteKind::Navigated { url } => ("tab navigated", cell(url)),
                };
                (
                    label.to_string(),
                    note.tab_id.to_string(),
                    url,
                    format!("#{}", note.seq),
                )
            }
            StepBody::Event(_) | StepBody::FanOut(_) => {
                let events = step.events();
                (
                    step.label(),
                    join(
                        events
                            .iter()
                            .map(|e| format!("{}/{}", e.tab_id, e.frame_id)),
                    ),
                    distinct_urls(events),
                    join(events.iter().map(|e| format!("#{}", e.seq))),
                )
            }
        };
        let _ = writeln!(
            out,
            "| {} | {utc} | {} | {tabs} | {urls} | {seqs} |",
            format_rel(step.rel_ms),
            escape(&label)
        );
    }

    if !call.flags.is_empty() {
        let _ = writeln!(out, "\n**Flags**\n");
        for flag in &call.flags {
            let _ = writeln!(
                out,
                "- `{}` (#{}): {}",
                flag.code(),
                flag.seq,
                escape(&flag.message())
            );
        }
    }

    let linked: Vec<_> = call
        .linked_inbound
        .iter()
        .filter_map(|id| timeline.inbound_request(*id))
        .collect();
    if !linked.is_empty() {
        let _ = writeln!(out, "\n**Linked inbound requests**\n");
        for req in linked {
            let _ = writeln!(
                out,
                "- #{} in tab {}: {}, started {} ({} before the call)",
                req.id,
                req.tab_id,
                req.state.label(),
                format_utc(req.start),
                format_secs(call.start - req.start)
            );
        }
    }
    out
}

/// The one-line verdict a ticket starts with (issue 12): what happened, in which tab, after
/// how long, and whether anything looks wrong, e.g. "Accepted after 4.0 s in tab 2, ended
/// after 13.0 s; no problems found". Durations read in the unit that fits
/// ([`readable_duration`]). Plain words and tab ids only, no page text, so it reads the
/// same as Markdown and as plain text.
pub fn verdict(call: &Call) -> String {
    let tab_of = |kind: EventKind| {
        call.events
            .iter()
            .find(|e| e.kind == kind)
            .map(|e| format!(" in tab {}", e.tab_id))
            .unwrap_or_default()
    };
    let after = |ms: Option<f64>| {
        ms.map(|d| format!(" after {}", readable_duration(d)))
            .unwrap_or_default()
    };
    let what = match call.state {
        CallState::Ended => {
            let ended = format!("ended{}", after(call.duration_ms));
            match call.accept_delay_ms {
                Some(_) => format!(
                    "Accepted{}{}, {ended}",
                    after(call.accept_delay_ms),
                    tab_of(EventKind::CallAccepted)
                ),
                None => format!(
                    "Call {ended}{}, with no accept captured",
                    tab_of(EventKind::CallEnded)
                ),
            }
        }
        CallState::Accepted => format!(
            "Accepted{}{}; no end captured yet",
            after(call.accept_delay_ms),
            tab_of(EventKind::CallAccepted)
        ),
        CallState::Denied => format!(
            "Denied by the customer{}{}",
            after(call.deny_delay_ms),
            tab_of(EventKind::CallDenied)
        ),
        CallState::Requested => format!(
            "Requested{}; no answer captured",
            tab_of(EventKind::CallRequested)
        ),
        CallState::Taken => "Inbound request taken by an agent; no call event captured yet".into(),
        CallState::Unseen => "No call event captured, only inbound requests".into(),
    };
    let problems = match call.flags.len() {
        0 => "no problems found".to_string(),
        1 => "1 problem found".to_string(),
        n => format!("{n} problems found"),
    };
    format!("{what}; {problems}")
}

/// The call as plain text, for ticket tools that do not render Markdown: the verdict, then
/// one line per step (time after the start, what, tab and frame, URL), then the problems.
/// Page text is cut but not escaped: plain text has no markup to break out of; control
/// characters become spaces so a URL cannot forge a line.
pub fn call_text(timeline: &Timeline, call_id: &str) -> Option<String> {
    let call = timeline.call(call_id)?;
    let mut out = String::new();
    let _ = writeln!(out, "Fullview call {}", plain(call.call_id));
    let _ = writeln!(out, "{}", verdict(call));
    let _ = writeln!(out, "Started {}", format_utc(call.start));
    let _ = writeln!(out, "\nSteps:");
    for step in &call.steps {
        let (where_, url) = match &step.body {
            StepBody::Note(note) => (
                format!("tab {}", note.tab_id),
                match &note.kind {
                    TabNoteKind::Navigated { url } => plain(url),
                    TabNoteKind::Closed => String::new(),
                },
            ),
            StepBody::Event(_) | StepBody::FanOut(_) => {
                let events = step.events();
                (
                    join(
                        events
                            .iter()
                            .map(|e| format!("tab {}/{}", e.tab_id, e.frame_id)),
                    ),
                    events.first().map(|e| plain(&e.url)).unwrap_or_default(),
                )
            }
        };
        let url = if url.is_empty() {
            url
        } else {
            format!(", {url}")
        };
        let _ = writeln!(
            out,
            "- +{} {} ({where_}{url})",
            readable_duration(step.rel_ms),
            step.label()
        );
    }
    if !call.flags.is_empty() {
        let _ = writeln!(out, "\nProblems:");
        for flag in &call.flags {
            let _ = writeln!(out, "- {} (#{})", plain(&flag.message()), flag.seq);
        }
    }
    Some(out)
}

/// Page text for plain text: control characters as spaces, cut to [`MAX_CELL_CHARS`].
fn plain(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(MAX_CELL_CHARS)
        .map(|c| {
            if c.is_control() || c == '\u{2028}' || c == '\u{2029}' {
                ' '
            } else {
                c
            }
        })
        .collect();
    if s.chars().nth(MAX_CELL_CHARS).is_some() {
        out.push('…');
    }
    out
}

fn join(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(", ")
}

fn distinct_urls(events: &[&EventRecord]) -> String {
    let mut urls: Vec<&str> = Vec::new();
    for e in events {
        if !urls.contains(&e.url.as_str()) {
            urls.push(&e.url);
        }
    }
    // `<br>` is ours, not the page's: it stacks a fan-out's URLs inside one cell.
    urls.into_iter().map(cell).collect::<Vec<_>>().join("<br>")
}

/// A page-provided string for a table cell: escaped and cut to [`MAX_CELL_CHARS`].
fn cell(s: &str) -> String {
    if s.chars().count() > MAX_CELL_CHARS {
        let head: String = s.chars().take(MAX_CELL_CHARS).collect();
        format!("{}…", escape(&head))
    } else {
        escape(s)
    }
}

/// Makes untrusted text inert in Markdown: control characters and line breaks become
/// spaces (a newline would end the table row), and every character that can start markup
/// or end a cell (`|`, backtick, `*`, `_`, brackets, `<`, `>`, …) gets a backslash.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '|' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '~' | '!' | '&' | '$' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn utc_day(ms: f64) -> i64 {
    if ms.is_finite() {
        (ms.floor() as i64).div_euclid(86_400_000)
    } else {
        i64::MIN
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_minutes_and_hours() {
        assert_eq!(format_duration(1240.0), "1.24 s");
        assert_eq!(format_duration(95_500.0), "95.50 s (1 min 35 s)");
        assert_eq!(format_duration(86_468_880.0), "86468.88 s (24 h 1 min 8 s)");
        assert_eq!(format_duration(f64::NAN), "? s");
    }

    #[test]
    fn escape_neutralises_table_and_markup_characters() {
        assert_eq!(escape("a|b`c\nd"), "a\\|b\\`c d");
        assert_eq!(escape("<img src=x>"), "\\<img src=x\\>");
        assert_eq!(escape("[x](javascript:y)"), "\\[x\\](javascript:y)");
        assert_eq!(escape("plain-id_1"), "plain-id\\_1");
    }
}
