//! Ticket-ready copies of one call (issue 12): "Copy as Markdown" and "Copy as text".
//! Both start with the one-line verdict ("Accepted after 4.0 s in T2 (Acme CRM –
//! Customers), ended after 13.0 s; no problems found"), then the call's start, its steps as
//! a list, its problems, its tabs (label, browser id, page) and the inbound requests it
//! answered. Both come from one document, so they say the same; the Markdown escapes page
//! text only where CommonMark would read it as markup ([`escape`]), so it reads well as
//! plain text too.

use std::fmt::Write as _;

use crate::lifecycle::CallState;
use crate::tabs::{request_number, TabLabels, TITLE_CHARS};
pub use crate::time::{format_duration, format_utc, readable_duration, readable_rel, Zone};
use crate::timeline::{Call, StepBody, Timeline};
use crate::{EventKind, EventRecord, TabNote, TabNoteKind};

/// Longest page-provided string put in a copy; the rest is cut with `…`. Copies carry full
/// URLs and callIds (the screen shortens them), but one multi-megabyte value must not make
/// the ticket unusable.
const MAX_PAGE_CHARS: usize = 2_000;

/// What a copy needs besides the timeline: the log's tab labels (built once per log, so
/// "T2" means the same tab in every copy of it) and the reader's time zone.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub labels: &'a TabLabels,
    pub zone: Zone,
}

/// The Markdown copy of `call_id`, or `None` when the timeline has no such call. `log` is
/// what the timeline was built from.
pub fn call_markdown(timeline: &Timeline, log: Log, call_id: &str, cx: Context) -> Option<String> {
    timeline
        .call(call_id)
        .map(|call| document(timeline, log, call, cx).markdown())
}

/// The same call as plain text, for ticket tools that do not render Markdown.
pub fn call_text(timeline: &Timeline, log: Log, call_id: &str, cx: Context) -> Option<String> {
    timeline
        .call(call_id)
        .map(|call| document(timeline, log, call, cx).text())
}

/// The events and tab notes a timeline was built from (its indices point into them).
#[derive(Debug, Clone, Copy)]
pub struct Log<'a> {
    pub events: &'a [EventRecord],
    pub notes: &'a [TabNote],
}

/// A piece of a line: our own words, or text that came from a page (escaped in Markdown).
enum Part {
    Ours(String),
    Page(String),
}

enum Block {
    Paragraph(Vec<Part>),
    Heading(&'static str),
    Item(Vec<Part>),
}

struct Document(Vec<Block>);

fn ours(s: impl Into<String>) -> Part {
    Part::Ours(s.into())
}

fn page(s: &str) -> Part {
    Part::Page(s.to_string())
}

fn document(timeline: &Timeline, log: Log, call: &Call, cx: Context) -> Document {
    let labels = cx.labels;
    let mut blocks = vec![Block::Paragraph(vec![page(&verdict(
        call, log.events, labels,
    ))])];
    let mut head = vec![ours("Fullview call "), page(&call.call_id)];
    head.push(ours(format!(
        " · {}, started {}",
        call.state.as_str(),
        cx.zone.date_time_zoned(call.start)
    )));
    blocks.push(Block::Paragraph(head));

    blocks.push(Block::Heading("Steps"));
    // A step names its page when it differs from the last one named for that tab.
    let mut last_url: Vec<(i64, String)> = Vec::new();
    let mut url_if_new = |tab: i64, url: &str| -> Option<String> {
        match last_url.iter_mut().find(|(t, _)| *t == tab) {
            Some((_, last)) if last == url => None,
            Some((_, last)) => {
                *last = url.to_string();
                Some(url.to_string())
            }
            None => {
                last_url.push((tab, url.to_string()));
                Some(url.to_string())
            }
        }
    };
    for step in &call.steps {
        let mut line = vec![ours(readable_rel(step.rel_ms))];
        match &step.body {
            // The step's own label would hold the URL; the tab's name comes first instead.
            StepBody::Note(ix) => {
                let note = &log.notes[*ix];
                line.push(ours(" "));
                line.push(page(&labels.short(note.tab_id)));
                match &note.kind {
                    TabNoteKind::Closed => line.push(ours(" was closed")),
                    TabNoteKind::Navigated { url } => {
                        line.push(ours(" went to "));
                        line.push(page(url));
                        url_if_new(note.tab_id, url);
                    }
                }
            }
            StepBody::Event(_) | StepBody::FanOut(_) => {
                line.push(ours(format!(" {}", step.label(log.events, log.notes))));
                for e in step.events(log.events) {
                    line.push(ours(" · "));
                    line.push(page(&labels.short(e.tab_id)));
                    if e.frame_id != 0 {
                        line.push(ours(format!(" (frame {})", e.frame_id)));
                    }
                    if let Some(url) = url_if_new(e.tab_id, &e.url) {
                        line.push(ours(" · "));
                        line.push(page(&url));
                    }
                }
            }
        }
        blocks.push(Block::Item(line));
    }

    if !call.flags.is_empty() {
        blocks.push(Block::Heading("Problems"));
        for flag in &call.flags {
            blocks.push(Block::Item(vec![page(&labels.relabel(&flag.message()))]));
        }
    }

    blocks.push(Block::Heading("Tabs"));
    for tab in &call.tabs {
        let mut line = vec![
            page(&labels.short(*tab)),
            ours(format!(": browser tab {tab}")),
        ];
        if let Some(label) = labels.get(*tab) {
            // The whole title, where the label had to shorten it.
            if let Some(title) = label
                .title
                .as_deref()
                .filter(|t| t.chars().count() > TITLE_CHARS)
            {
                line.push(ours(", title "));
                line.push(page(title));
            }
            if let Some(url) = label.url.as_deref() {
                line.push(ours(", last page "));
                line.push(page(url));
            }
        }
        blocks.push(Block::Item(line));
    }

    let linked: Vec<_> = call
        .linked_inbound
        .iter()
        .filter_map(|id| timeline.inbound_request(*id))
        .collect();
    if !linked.is_empty() {
        blocks.push(Block::Heading("Inbound requests this call answered"));
        for req in linked {
            let (n, of) = request_number(
                timeline.inbound.iter().map(|r| (r.tab_id, r.start, r.id)),
                req.id,
            )
            .unwrap_or((1, 1));
            blocks.push(Block::Item(vec![
                ours(format!("request {n} of {of} in ")),
                page(&labels.short(req.tab_id)),
                ours(format!(
                    ": {}, asked {} before the call",
                    req.state.label(),
                    readable_duration(call.start - req.start)
                )),
            ]));
        }
    }
    Document(blocks)
}

impl Document {
    fn markdown(&self) -> String {
        self.write(true)
    }

    fn text(&self) -> String {
        self.write(false)
    }

    /// Page text escaped for Markdown, or only kept on its line for plain text; headings
    /// read as "**Steps**" in Markdown and "Steps:" in plain text.
    fn write(&self, markdown: bool) -> String {
        let part = |part: &Part| match part {
            Part::Ours(s) => s.clone(),
            Part::Page(s) if markdown => escape(&cut(s)),
            Part::Page(s) => plain(&cut(s)),
        };
        let line = |parts: &[Part]| parts.iter().map(&part).collect::<String>();
        let mut out = String::new();
        let mut in_list = false;
        for block in &self.0 {
            match block {
                Block::Paragraph(parts) => {
                    if !out.is_empty() {
                        out.push('\n');
                    }
                    let _ = writeln!(out, "{}", line(parts));
                    in_list = false;
                }
                Block::Heading(title) => {
                    if markdown {
                        let _ = writeln!(out, "\n**{title}**\n");
                    } else {
                        let _ = writeln!(out, "\n{title}:");
                    }
                    in_list = true;
                }
                Block::Item(parts) => {
                    if !in_list {
                        out.push('\n');
                        in_list = true;
                    }
                    let _ = writeln!(out, "- {}", line(parts));
                }
            }
        }
        out
    }
}

/// The one-line verdict a copy starts with (issue 12): what happened, in which tab, after
/// how long, and whether anything looks wrong, e.g. "Accepted after 4.0 s in T2 (Acme CRM
/// – Customers), ended after 13.0 s; no problems found". Durations read in the unit that
/// fits ([`readable_duration`]). It holds page text (a tab's title): escape it for Markdown.
pub fn verdict(call: &Call, events: &[EventRecord], labels: &TabLabels) -> String {
    let tab_of = |kind: EventKind| {
        call.events
            .iter()
            .map(|ix| ix.of(events))
            .find(|e| e.kind == kind)
            .map(|e| format!(" in {}", labels.in_words(e.tab_id)))
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

/// Page text cut to [`MAX_PAGE_CHARS`].
fn cut(s: &str) -> String {
    match s.char_indices().nth(MAX_PAGE_CHARS) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

fn is_line_break(c: char) -> bool {
    c.is_control() || c == '\u{2028}' || c == '\u{2029}'
}

/// Page text for plain text: control characters and line breaks as spaces, so a URL
/// cannot forge a line of the copy; nothing else changes.
fn plain(s: &str) -> String {
    s.chars()
        .map(|c| if is_line_break(c) { ' ' } else { c })
        .collect()
}

/// Makes page text inert in Markdown, escaping only what CommonMark (and GitHub's
/// strikethrough) would read as markup where our copies put page text, which is never at
/// the start of a line: control characters and line breaks become spaces (so no text
/// starts a line, and `#`, `>`, `-`, `1.` stay plain); `` ` ``, `*`, `[`, `]`, `<` and `~`
/// always get a backslash; `_` only where it can open or close emphasis (not inside a word
/// such as `plain_id_1`); `\` only before punctuation (where it would escape it); `&` only
/// where it could start an entity (`&amp;`, `&#38;`). `|`, `!`, `(`, `#` need nothing in a
/// paragraph or list item.
pub fn escape(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        let needs = match c {
            '`' | '*' | '[' | ']' | '<' | '~' => true,
            '_' => {
                !prev.is_some_and(char::is_alphanumeric) || !next.is_some_and(char::is_alphanumeric)
            }
            '\\' => next.is_none_or(|n| n.is_ascii_punctuation()),
            '&' => next.is_some_and(|n| n == '#' || n.is_ascii_alphabetic()),
            _ => false,
        };
        if is_line_break(c) {
            out.push(' ');
            continue;
        }
        if needs {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (page text, its Markdown): escaped only where CommonMark would read markup.
    #[test]
    fn escape_only_where_commonmark_needs_it() {
        let cases = [
            ("Acme CRM – Customers", "Acme CRM – Customers"),
            ("plain-id_1", "plain-id_1"),
            ("_x_ and snake_case", "\\_x\\_ and snake_case"),
            ("a|b`c\nd", "a|b\\`c d"),
            ("<img src=x>", "\\<img src=x>"),
            ("[x](javascript:y)", "\\[x\\](javascript:y)"),
            ("*bold* ~~gone~~", "\\*bold\\* \\~\\~gone\\~\\~"),
            ("Tom & Jerry &amp; &#38;", "Tom & Jerry \\&amp; \\&#38;"),
            ("C:\\path\\*", "C:\\path\\\\\\*"),
            ("# 1. > - !", "# 1. > - !"),
            ("https://x.example/a_b?q=1", "https://x.example/a_b?q=1"),
        ];
        for (input, want) in cases {
            assert_eq!(escape(input), want, "{input:?}");
        }
    }
}
