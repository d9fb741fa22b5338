//! Ticket-ready Markdown for one call: a header (state, tabs, times), a table of its steps
//! and its flags. Every string that came from a page (callId, URLs) is escaped, so a
//! hostile value cannot break out of its table cell or inject markup.

use crate::lifecycle::{format_rel, format_secs};
use crate::timeline::{Call, StepBody, Timeline};
use crate::{EventRecord, TabNoteKind};
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
                flag.seq(),
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

/// `95.50 s (1 min 35 s)`: exact seconds for comparing, minutes and hours for reading.
fn format_duration(ms: f64) -> String {
    let secs = format_secs(ms);
    if !ms.is_finite() || ms < 60_000.0 {
        return secs;
    }
    let total = (ms / 1000.0).floor() as u64;
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    if h > 0 {
        format!("{secs} ({h} h {m} min {s} s)")
    } else {
        format!("{secs} ({m} min {s} s)")
    }
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

/// `2026-11-24 07:18:51.123Z`: UTC, millisecond precision, from ms since the Unix epoch.
pub fn format_utc(ms: f64) -> String {
    // ±8.64e15 ms is the range of a JavaScript Date; outside it there is no date to show.
    if !ms.is_finite() || ms.abs() > 8.64e15 {
        return "invalid time".to_string();
    }
    let total = ms.floor() as i64;
    let (y, m, d) = civil_from_days(total.div_euclid(86_400_000));
    let rem = total.rem_euclid(86_400_000);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000
    )
}

fn utc_day(ms: f64) -> i64 {
    if ms.is_finite() {
        (ms.floor() as i64).div_euclid(86_400_000)
    } else {
        i64::MIN
    }
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`): eras of 400 years, years starting in March so
/// the leap day is last.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_formatting_matches_known_instants() {
        assert_eq!(format_utc(0.0), "1970-01-01 00:00:00.000Z");
        assert_eq!(format_utc(1_795_504_731_123.0), "2026-11-24 07:18:51.123Z");
        assert_eq!(format_utc(1_795_504_731_123.9), "2026-11-24 07:18:51.123Z");
        assert_eq!(format_utc(951_868_799_999.0), "2000-02-29 23:59:59.999Z");
        assert_eq!(format_utc(4_107_542_400_000.0), "2100-03-01 00:00:00.000Z");
        assert_eq!(format_utc(-1.0), "1969-12-31 23:59:59.999Z");
        assert_eq!(format_utc(f64::NAN), "invalid time");
    }

    #[test]
    fn every_day_of_four_centuries_round_trips() {
        // Inverse (days_from_civil) to check the conversion over a full 400-year cycle.
        fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
            let y = if m <= 2 { y - 1 } else { y };
            let era = y.div_euclid(400);
            let yoe = y.rem_euclid(400);
            let m = i64::from(m);
            let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
            let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
            era * 146_097 + doe - 719_468
        }
        let mut previous = civil_from_days(-1);
        for days in 0..146_097 {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
            assert!((y, m, d) > previous);
            previous = (y, m, d);
        }
    }

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
