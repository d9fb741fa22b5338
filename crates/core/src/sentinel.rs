//! Turns `content-script/sentinel.template.js` into the shipped `sentinel.js`: substitutes
//! the event names and protocol version, and strips comments and indentation.
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
/// page 2.35 times what a 330-byte listener script costs, at 1.2 KB about 1.1 times.
pub const BUDGET: usize = 1280;
/// Marks where the protocol version goes.
pub const PROTOCOL_VERSION: &str = "/*@PROTOCOL_VERSION@*/0";

/// The shipped sentinel from its template, or why the template cannot be shipped.
pub fn generate(template: &str) -> Result<String, String> {
    for placeholder in [EVENT_NAMES, PROTOCOL_VERSION] {
        if !template.contains(placeholder) {
            return Err(format!(
                "sentinel template lost its {placeholder} placeholder"
            ));
        }
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
    let substituted = template.replace(EVENT_NAMES, &names).replace(
        PROTOCOL_VERSION,
        &crate::protocol::PROTOCOL_VERSION.to_string(),
    );
    // No "generated" header: every byte is paid by every frame.
    minify(&substituted)
}

/// The most the shipped describer (`content-script/describe.js`, Chromium only) may weigh,
/// in bytes. It runs at document start in every frame beside the sentinel, and its size is
/// paid the same way (ARCHITECTURE.md, "A detail the browser cannot copy").
pub const DESCRIBER_BUDGET: usize = 1450;

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
}
