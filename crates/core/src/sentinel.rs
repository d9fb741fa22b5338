//! Turns `content-script/sentinel.template.js` into the shipped `sentinel.js`: substitutes
//! the event names and the protocol's constants, and strips comments and indentation. Also
//! substitutes the same constants into the other shipped scripts (`relay.js`), so the JS
//! senders and the Rust protocol cannot drift ([`substitute`]).
//!
//! The sentinel runs in every frame of every page, and in Chromium its per-frame cost follows
//! its size (BENCHMARKS.md, page cost), so the shipped file holds code only, and no more of
//! it than [`BUDGET`] allows. The minification is deliberately small and checkable rather than a general
//! JS minifier: it drops whole-line `//` comments, blank lines and each line's leading and
//! trailing whitespace, and keeps every line break, so automatic semicolon insertion sees
//! the same program. It refuses a template where that would not be safe: a `//` or `/*`
//! left inside a line (a trailing comment, or a string or regular expression holding one),
//! or a template literal (which may span lines).

use crate::EventKind;

/// Marks where the event-name list goes: a JSON array of the names without [`PREFIX`],
/// which the template puts back (eight copies of it would cost every frame 72 bytes).
pub const EVENT_NAMES: &str = "/*@EVENT_NAMES@*/[]";
/// What every event name starts with.
pub const PREFIX: &str = "fullview:";
/// The most the shipped sentinel may weigh, in bytes. In Chromium a document-start
/// script's per-frame cost follows its size (BENCHMARKS.md, page cost): at 4.6 KB it cost a
/// page 2.35 times what a 330-byte listener script costs, at 1.2 KB about 1.1 times. It was
/// 1,280 until the describer moved off document start (issue 10): the 40 bytes that let the
/// describer's description follow the event (`fvi:d`) replace a second, 1.4 KB,
/// document-start script in Chromium.
pub const BUDGET: usize = 1320;
/// Marks where the protocol version goes.
pub const PROTOCOL_VERSION: &str = "/*@PROTOCOL_VERSION@*/0";
/// What starts every placeholder; none may be left in a shipped script.
pub const PLACEHOLDER_START: &str = "/*@";

/// Every placeholder a shipped script may hold, with what replaces it. A placeholder is
/// `/*@NAME@*/` followed by a literal of the value's type (`0`, `""`, `[]`), so the template
/// stays valid JavaScript and keeps its size roughly. The kinds come from serialising the
/// protocol's own types, so a renamed variant changes the scripts too.
pub fn constants() -> Vec<(&'static str, String)> {
    use crate::protocol::{self, Request, Response, MAX_BATCH, PROTOCOL_VERSION as V};
    /// The `kind` serde writes for a message, as a JS string literal.
    fn kind(value: serde_json::Value) -> String {
        value["kind"].to_string()
    }
    let request = |r: Request| kind(serde_json::to_value(r).expect("requests serialise"));
    let response = |r: Response| kind(serde_json::to_value(r).expect("responses serialise"));
    vec![
        (EVENT_NAMES, event_names()),
        (PROTOCOL_VERSION, V.to_string()),
        ("/*@MAX_BATCH@*/0", MAX_BATCH.to_string()),
        (
            "/*@REQUEST_CAPTURE@*/\"\"",
            request(Request::Capture {
                v: V,
                document: String::new(),
                events: Vec::new(),
            }),
        ),
        (
            "/*@REQUEST_LOAD_ENGINE@*/\"\"",
            request(Request::LoadEngine {
                v: V,
                document: None,
            }),
        ),
        (
            "/*@ANSWER_STORED@*/\"\"",
            response(Response::Stored {
                v: V,
                stored: 0,
                duplicates: 0,
            }),
        ),
        (
            "/*@ANSWER_PAUSED@*/\"\"",
            response(Response::Paused { v: V }),
        ),
        ("/*@ANSWER_DONE@*/\"\"", response(Response::Done { v: V })),
        (
            "/*@REQUEST_HANDLER_REPORTS@*/\"\"",
            request(Request::HandlerReports {
                v: V,
                document: String::new(),
                reports: Vec::new(),
            }),
        ),
        (
            "/*@REPORT_VERSION@*/0",
            crate::handlers::REPORT_VERSION.to_string(),
        ),
        (
            "/*@MAX_HANDLER_REPORTS@*/0",
            crate::handlers::MAX_REPORTS_PER_MESSAGE.to_string(),
        ),
        (
            "/*@ANSWER_REFUSED@*/\"\"",
            response(protocol::Response::refused("")),
        ),
    ]
}

/// Replaces every placeholder of [`constants`] in `js`, or says which one it does not know
/// (a typo, a placeholder without its literal): a script shipped with a placeholder left in
/// would send version 0 or batches of 0 events.
pub fn substitute(js: &str) -> Result<String, String> {
    let mut out = js.to_string();
    for (placeholder, value) in constants() {
        out = out.replace(placeholder, &value);
    }
    match out.find(PLACEHOLDER_START) {
        None => Ok(out),
        Some(at) => {
            let line = out[..at].lines().count().max(1);
            let rest: String = out[at..].chars().take(60).collect();
            Err(format!(
                "line {line}: unknown placeholder (fvi_core::sentinel::constants lists the \
                 known ones, each followed by its literal): {rest}"
            ))
        }
    }
}

/// The event names without [`PREFIX`], as a JSON array.
fn event_names() -> String {
    let names: Vec<&str> = EventKind::ALL
        .iter()
        .map(|k| k.name().strip_prefix(PREFIX).unwrap_or(k.name()))
        .collect();
    serde_json::to_string(&names).expect("names serialise")
}

/// The shipped sentinel from its template, or why the template cannot be shipped.
pub fn generate(template: &str) -> Result<String, String> {
    for placeholder in [EVENT_NAMES, PROTOCOL_VERSION] {
        if !template.contains(placeholder) {
            return Err(format!(
                "sentinel template lost its {placeholder} placeholder"
            ));
        }
    }
    if let Some(k) = EventKind::ALL
        .iter()
        .find(|k| !k.name().starts_with(PREFIX))
    {
        return Err(format!("event name {} lacks the {PREFIX} prefix", k.name()));
    }
    let substituted = substitute(template)?;
    // No "generated" header: every byte is paid by every frame.
    minify(&substituted)
}

/// The most the shipped describer (`content-script/describe.js`, Chromium only) may weigh,
/// in bytes. It runs only in frames that fired an event, and from document start on the
/// origins that did (ARCHITECTURE.md, "A detail the browser cannot copy"), where its size is
/// paid as the sentinel's is; so it is kept small too, though not to the sentinel's budget.
pub const DESCRIBER_BUDGET: usize = 1600;

/// The shipped describer from its template (`content-script/describe.template.js`): the
/// event names substituted as in [`generate`], comments and indentation dropped.
pub fn generate_describer(template: &str) -> Result<String, String> {
    if !template.contains(EVENT_NAMES) {
        return Err(format!(
            "describer template lost its {EVENT_NAMES} placeholder"
        ));
    }
    let names = EventKind::ALL
        .iter()
        .map(|k| {
            k.name()
                .strip_prefix(PREFIX)
                .ok_or_else(|| format!("event name {} lacks the {PREFIX} prefix", k.name()))
        })
        .collect::<Result<Vec<&str>, String>>()?;
    let names = serde_json::to_string(&names).expect("names serialise");
    minify(&template.replace(EVENT_NAMES, &names))
}

/// Drops whole-line `//` comments, blank lines and indentation; see the module comment
/// for what it refuses.
pub fn minify(js: &str) -> Result<String, String> {
    let mut out = String::with_capacity(js.len() / 2);
    for (i, line) in js.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with("//") {
            continue;
        }
        if line.contains("//") || line.contains("/*") || line.contains('`') {
            return Err(format!(
                "line {}: `//`, `/*` or a backtick inside a line; put comments on lines of \
                 their own (the minifier keeps no comment and does not parse strings): {line}",
                i + 1
            ));
        }
        out.push_str(line);
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = include_str!("../../../content-script/sentinel.template.js");
    const RELAY: &str = include_str!("../../../content-script/relay.js");

    #[test]
    fn strips_comment_lines_blank_lines_and_indentation() {
        let js = "// head\n(() => {\n  // why\n\n  const a = 1;\n    f(a);  \n})();\n";
        assert_eq!(
            minify(js).unwrap(),
            "(() => {\nconst a = 1;\nf(a);\n})();\n"
        );
    }

    #[test]
    fn keeps_line_breaks_so_semicolon_insertion_is_unchanged() {
        // `a\n(b)` without a semicolon: joining the lines would make it a call.
        let js = "let x = a\n  ;(b)\nreturn\n  x\n";
        assert_eq!(minify(js).unwrap(), "let x = a\n;(b)\nreturn\nx\n");
    }

    #[test]
    fn refuses_what_it_cannot_strip_safely() {
        for js in [
            "f(); // trailing comment\n",
            "const u = \"http://x/\";\n",
            "/* block */ f();\n",
            "const t = `a\n// not a comment\nb`;\n",
        ] {
            assert!(minify(js).is_err(), "accepted {js:?}");
        }
    }

    #[test]
    fn the_real_template_ships_as_code_only() {
        let shipped = generate(TEMPLATE).unwrap();
        let code = &shipped;
        assert!(!code.contains("//") && !code.contains("/*"), "{code}");
        assert!(code.lines().all(|l| l == l.trim() && !l.is_empty()));
        // Every event name, and the protocol version, substituted; the template puts the
        // prefix back.
        let names: Vec<String> = EventKind::ALL
            .iter()
            .map(|k| format!("{:?}", &k.name()[PREFIX.len()..]))
            .collect();
        assert!(code.contains(&format!("[{}]", names.join(","))), "{code}");
        assert!(code.contains(&format!("\"{PREFIX}\"+t")), "{code}");
        assert!(code.contains(&format!("{{v:{},", crate::protocol::PROTOCOL_VERSION)));
        // The message kinds and the batch size come from Rust too.
        for placeholder in [
            "/*@MAX_BATCH@*/0",
            "/*@REQUEST_CAPTURE@*/\"\"",
            "/*@REQUEST_LOAD_ENGINE@*/\"\"",
            "/*@ANSWER_DONE@*/\"\"",
        ] {
            assert_eq!(TEMPLATE.matches(placeholder).count(), 1, "{placeholder}");
        }
        assert!(code.contains("{kind:\"capture\",events:c}"), "{code}");
    }

    #[test]
    fn the_shipped_sentinel_stays_within_its_budget() {
        let shipped = generate(TEMPLATE).unwrap();
        assert!(
            shipped.len() <= BUDGET,
            "sentinel.js is {} bytes, over its {BUDGET}-byte budget: move what a frame needs \
             only after its first event to content-script/relay.js",
            shipped.len()
        );
    }

    const DESCRIBER: &str = include_str!("../../../content-script/describe.template.js");

    #[test]
    fn the_describer_ships_as_code_only_within_its_budget() {
        let shipped = generate_describer(DESCRIBER).unwrap();
        assert!(
            !shipped.contains("//") && !shipped.contains("/*"),
            "{shipped}"
        );
        assert!(shipped.contains(&format!("\"{PREFIX}\"+t")), "{shipped}");
        assert!(
            shipped.len() <= DESCRIBER_BUDGET,
            "describe.js is {} bytes, over its {DESCRIBER_BUDGET}-byte budget",
            shipped.len()
        );
        assert!(generate_describer("(() => {})();\n").is_err());
    }

    #[test]
    fn a_template_without_its_placeholders_is_refused() {
        assert!(generate("(() => {})();\n").is_err());
    }

    #[test]
    fn the_constants_are_the_protocols_own() {
        let expect = [
            (PROTOCOL_VERSION, "1"),
            ("/*@MAX_BATCH@*/0", "2000"),
            ("/*@REQUEST_CAPTURE@*/\"\"", "\"capture\""),
            ("/*@REQUEST_LOAD_ENGINE@*/\"\"", "\"loadEngine\""),
            ("/*@ANSWER_STORED@*/\"\"", "\"stored\""),
            ("/*@ANSWER_PAUSED@*/\"\"", "\"paused\""),
            ("/*@ANSWER_DONE@*/\"\"", "\"done\""),
            ("/*@ANSWER_REFUSED@*/\"\"", "\"refused\""),
            ("/*@REQUEST_HANDLER_REPORTS@*/\"\"", "\"handlerReports\""),
            ("/*@REPORT_VERSION@*/0", "1"),
            ("/*@MAX_HANDLER_REPORTS@*/0", "200"),
        ];
        let constants = constants();
        for (placeholder, value) in expect {
            let found = constants.iter().find(|(p, _)| *p == placeholder);
            assert_eq!(found.map(|(_, v)| v.as_str()), Some(value), "{placeholder}");
        }
    }

    #[test]
    fn substitutes_known_placeholders_and_refuses_any_other() {
        let cases: [(&str, Result<&str, &str>); 5] = [
            (
                "const V = /*@PROTOCOL_VERSION@*/0, B = /*@MAX_BATCH@*/0;",
                Ok("const V = 1, B = 2000;"),
            ),
            (
                "if (a.kind === /*@ANSWER_STORED@*/\"\") f();",
                Ok("if (a.kind === \"stored\") f();"),
            ),
            // A typo, and a placeholder without its literal.
            (
                "x\nconst B = /*@MAX_BACTH@*/0;",
                Err("line 2: unknown placeholder"),
            ),
            (
                "const V = /*@PROTOCOL_VERSION@*/1;",
                Err("line 1: unknown placeholder"),
            ),
            (
                "const S = /*@ANSWER_STORED@*/0;",
                Err("line 1: unknown placeholder"),
            ),
        ];
        for (input, expect) in cases {
            match (substitute(input), expect) {
                (Ok(out), Ok(want)) => assert_eq!(out, want, "{input}"),
                (Err(e), Err(want)) => assert!(e.starts_with(want), "{input}: {e}"),
                (got, want) => panic!("{input}: got {got:?}, expected {want:?}"),
            }
        }
    }

    #[test]
    fn the_relay_takes_its_constants_from_rust() {
        let shipped = substitute(RELAY).unwrap();
        assert!(!shipped.contains(PLACEHOLDER_START));
        // The relay names none of them itself: each comes through its placeholder.
        for placeholder in [
            PROTOCOL_VERSION,
            "/*@MAX_BATCH@*/0",
            "/*@REQUEST_CAPTURE@*/\"\"",
            "/*@ANSWER_STORED@*/\"\"",
            "/*@ANSWER_PAUSED@*/\"\"",
            "/*@ANSWER_REFUSED@*/\"\"",
        ] {
            assert_eq!(RELAY.matches(placeholder).count(), 1, "{placeholder}");
        }
        for literal in [
            "2000",
            "\"stored\"",
            "\"paused\"",
            "\"refused\"",
            "\"capture\"",
        ] {
            assert!(!RELAY.contains(literal), "relay.js spells {literal} itself");
        }
    }
}
