//! Tidy: the ARCHITECTURE.md invariants, checked over the source tree by `cargo test`
//! (in the style of rust-analyzer's `xtask/src/tidy.rs`), so a rule holds by construction
//! rather than by luck.
//!
//! Each rule is a function over file contents that returns its violations, so the tests
//! below plant a violation of each rule in memory and see it reported, and then run it over
//! the real tree. The rules:
//!
//! 1. `fvi-core` depends only on serde and serde_json (its normal dependencies, as
//!    `cargo metadata` reports them; dev-dependencies such as proptest are fine).
//! 2. No crate outside `fvi-browser` names the extension namespaces: in `crates/core`,
//!    `content`, `background` and `popup`, no string literal is `chrome` or `browser` or
//!    an API path under them (`"chrome.runtime"`), which is how a `Reflect` lookup on
//!    `js_sys::global()` or an `eval` would reach them, and no `js_namespace` names them.
//!    Comments and prose in strings ("the browser restarts") do not count. The JS files
//!    that may name them are listed in [`JS_NAMESPACE_ALLOWED`], each with its reason in
//!    ARCHITECTURE.md. Only `crates/popup/src/export.rs` reads the user agent (to label an
//!    export with its browser). `crates/e2e` and `xtask/` are test tooling that drives
//!    real browsers, and are not checked.
//! 3. The constants the JS files share with Rust ([`shared_constants`]: the batch size and
//!    the protocol version) are either a literal equal to Rust's value or a
//!    `/*@NAME@*/default` placeholder for that constant, which the build substitutes.
//! 4. No markup sink in `crates/` or the extension's JS files: no `innerHTML`,
//!    `outerHTML`, `insertAdjacentHTML`, `document.write` or `createContextualFragment`
//!    (nor web-sys's `inner_html`, `set_inner_html`, … methods). JavaScript inside the
//!    test rig's Rust strings may read `outerHTML` to report what a test saw, but never
//!    writes markup.
//! 5. Every Rust module opens with a `//!` line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::root;

// ---------------------------------------------------------------------------------------
// The rules.

/// Rule 1, over `cargo metadata --format-version 1 --no-deps` output.
fn core_dependency_violations(metadata: &Value) -> Vec<String> {
    const ALLOWED: [&str; 2] = ["serde", "serde_json"];
    let core = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == "fvi-core");
    let Some(core) = core else {
        return vec!["cargo metadata lists no fvi-core package".into()];
    };
    core["dependencies"]
        .as_array()
        .into_iter()
        .flatten()
        // `kind` is null for normal dependencies, "dev" or "build" otherwise.
        .filter(|d| d["kind"].is_null())
        .filter_map(|d| {
            let name = d["name"].as_str().unwrap_or("?");
            (!ALLOWED.contains(&name)).then(|| {
                format!(
                    "crates/core/Cargo.toml: fvi-core depends on {name}; the core depends only \
                     on serde and serde_json (ARCHITECTURE.md invariants)"
                )
            })
        })
        .collect()
}

/// The crates rule 2 covers: all but `fvi-browser` and the test tooling.
const NAMESPACE_CHECKED: [&str; 4] = [
    "crates/core/",
    "crates/content/",
    "crates/background/",
    "crates/popup/",
];

/// Rule 2 for a Rust file of a crate in [`NAMESPACE_CHECKED`].
fn rust_namespace_violations(path: &str, text: &str) -> Vec<String> {
    let tokens = rust_tokens(text);
    let mut out = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        match &t.tok {
            Tok::Str(s) if names_namespace(s) => out.push(format!(
                "{path}:{}: the string {s:?} names the extension namespace; only fvi-browser \
                 may (ARCHITECTURE.md invariants)",
                t.line
            )),
            Tok::Ident(id) if id == "js_namespace" => {
                // The attribute's value: up to the next `,` or `)` outside brackets.
                let mut depth = 0i32;
                for v in &tokens[i + 1..] {
                    match &v.tok {
                        Tok::Punct('[') => depth += 1,
                        Tok::Punct(']') => depth -= 1,
                        Tok::Punct(',' | ')') if depth <= 0 => break,
                        // (A string here is reported as a string, above.)
                        Tok::Ident(s) if names_namespace(s) => out.push(format!(
                            "{path}:{}: js_namespace = {s}: only fvi-browser binds the \
                             extension namespace (ARCHITECTURE.md invariants)",
                            v.line
                        )),
                        _ => {}
                    }
                }
            }
            Tok::Ident(id) if id == "user_agent" && path != USER_AGENT_ALLOWED => {
                out.push(format!(
                    "{path}:{}: reads the user agent; only {USER_AGENT_ALLOWED} may, to label \
                     an export (ARCHITECTURE.md invariants)",
                    t.line
                ))
            }
            _ => {}
        }
    }
    out
}

/// The one file outside fvi-browser that reads the user agent: the export's
/// `generator.browser` label (ARCHITECTURE.md invariants says why).
const USER_AGENT_ALLOWED: &str = "crates/popup/src/export.rs";

/// `chrome` or `browser`, or an API path under them.
fn names_namespace(s: &str) -> bool {
    let s = s.trim();
    ["chrome", "browser"]
        .iter()
        .any(|ns| s == *ns || s.strip_prefix(ns).is_some_and(|r| r.starts_with('.')))
}

/// The JS files that may name the extension namespace, each an exception stated in
/// ARCHITECTURE.md (invariants): the loaders hand the namespace to the wasm, the sentinel
/// and relay send captures before, or instead of, the engine, the handover sends what an
/// orphan kept through an update, the handlers bridge forwards an opted-in page's handler
/// reports, and the DevTools page makes its one call.
const JS_NAMESPACE_ALLOWED: [&str; 8] = [
    "content-script/sentinel.template.js",
    "content-script/relay.js",
    "content-script/handover.js",
    "content-script/bridge.js",
    "content-script/boot.js",
    "background/boot.js",
    "popup/boot.js",
    "devtools/devtools.js",
];

/// Rule 2 for an extension JS file: the namespace only in the allowed files, the user
/// agent in none.
fn js_namespace_violations(path: &str, text: &str) -> Vec<String> {
    let allowed = JS_NAMESPACE_ALLOWED.contains(&path);
    js_tokens(text)
        .into_iter()
        .filter_map(|t| match &t.tok {
            Tok::Ident(s) | Tok::Str(s) if names_namespace(s) && !allowed => Some(format!(
                "{path}:{}: names the extension namespace; only the loaders, the sentinel, the handover, \
                 the handlers bridge and the relay may (ARCHITECTURE.md invariants)",
                t.line
            )),
            Tok::Ident(s) if s == "userAgent" => Some(format!(
                "{path}:{}: reads the user agent; only {USER_AGENT_ALLOWED} may, to label an \
                 export (ARCHITECTURE.md invariants)",
                t.line
            )),
            _ => None,
        })
        .collect()
}

/// A constant a JS file shares with Rust, at one place in that file.
struct Shared {
    file: &'static str,
    /// The code just before the value, which runs to the next `;`, `,`, `)` or line end.
    anchor: &'static str,
    /// The Rust constant, as the placeholder names it.
    name: &'static str,
    value: String,
}

/// Rule 3's list. When a JS file changes shape, update the anchor here: a missing anchor
/// fails, so a shared constant never drops out of the check unnoticed.
fn shared_constants() -> Vec<Shared> {
    let batch = fvi_core::protocol::MAX_BATCH.to_string();
    let version = fvi_core::protocol::PROTOCOL_VERSION.to_string();
    vec![
        Shared {
            file: "content-script/relay.js",
            anchor: "const BATCH =",
            name: "MAX_BATCH",
            value: batch.clone(),
        },
        Shared {
            file: "content-script/relay.js",
            anchor: "const V =",
            name: "PROTOCOL_VERSION",
            value: version.clone(),
        },
        Shared {
            file: "content-script/sentinel.template.js",
            anchor: "{v:",
            name: "PROTOCOL_VERSION",
            value: version.clone(),
        },
        Shared {
            file: "content-script/sentinel.template.js",
            anchor: "slice(h,h+",
            name: "MAX_BATCH",
            value: batch.clone(),
        },
        Shared {
            file: "content-script/handover.js",
            anchor: "const BATCH =",
            name: "MAX_BATCH",
            value: batch,
        },
        Shared {
            file: "content-script/handover.js",
            anchor: "const V =",
            name: "PROTOCOL_VERSION",
            value: version.clone(),
        },
        Shared {
            file: "content-script/bridge.js",
            anchor: "const V =",
            name: "PROTOCOL_VERSION",
            value: version,
        },
    ]
}

/// Rule 3 for one constant. `build` is the text of the code that substitutes placeholders
/// (build.rs, xtask/pack.rs, crates/core/src/sentinel.rs): a placeholder is accepted only
/// if that code names it.
fn shared_constant_violations(shared: &Shared, js: &str, build: &str) -> Vec<String> {
    let mut found = 0;
    let mut out = Vec::new();
    for (n, line) in js.lines().enumerate() {
        if line.trim_start().starts_with("//") {
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find(shared.anchor) {
            rest = &rest[at + shared.anchor.len()..];
            found += 1;
            let end = rest.find([';', ',', ')', '}']).unwrap_or(rest.len());
            let value = rest[..end].trim();
            let ok = value == shared.value
                || placeholder_name(value).is_some_and(|name| {
                    name == shared.name
                        && (build.contains(&format!("@{name}@"))
                            || build.contains(&format!("\"{name}\"")))
                });
            if !ok {
                out.push(format!(
                    "{}:{}: `{} {value}` must be {} (fvi_core's {}) or the placeholder \
                     /*@{}@*/ the build substitutes",
                    shared.file,
                    n + 1,
                    shared.anchor,
                    shared.value,
                    shared.name,
                    shared.name
                ));
            }
        }
    }
    if found == 0 {
        out.push(format!(
            "{}: `{}` not found: where does this file now hold {}? Update \
             shared_constants() in xtask/tidy.rs",
            shared.file, shared.anchor, shared.name
        ));
    }
    out
}

/// `NAME` of a `/*@NAME@*/default` placeholder.
fn placeholder_name(value: &str) -> Option<&str> {
    let inner = value.strip_prefix("/*@")?;
    let (name, _default) = inner.split_once("@*/")?;
    (!name.is_empty() && name.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')).then_some(name)
}

/// Rule 4's names: JavaScript's markup sinks, and web-sys's methods for them.
const JS_SINKS: [&str; 4] = [
    "innerHTML",
    "outerHTML",
    "insertAdjacentHTML",
    "createContextualFragment",
];
const RUST_SINKS: [&str; 6] = [
    "inner_html",
    "set_inner_html",
    "outer_html",
    "set_outer_html",
    "insert_adjacent_html",
    "create_contextual_fragment",
];

/// Rule 4 for an extension JS file: no sink named in code at all.
fn js_sink_violations(path: &str, text: &str) -> Vec<String> {
    let tokens = js_tokens(text);
    let mut out = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        let name = match &t.tok {
            Tok::Ident(s) | Tok::Str(s) => s.as_str(),
            Tok::Punct(_) => continue,
        };
        let write = name == "document"
            && matches!(
                tokens.get(i + 1),
                Some(Token {
                    tok: Tok::Punct('.'),
                    ..
                })
            )
            && matches!(tokens.get(i + 2), Some(Token { tok: Tok::Ident(w), .. }) if w == "write" || w == "writeln");
        if JS_SINKS.contains(&name) || write {
            out.push(format!(
                "{path}:{}: {name}{} is a markup sink; put text in the DOM as text \
                 (ARCHITECTURE.md invariants)",
                t.line,
                if write { ".write" } else { "" }
            ));
        }
    }
    out
}

/// Rule 4 for a Rust file under `crates/`: no web-sys sink, no sink named in a string (a
/// `Reflect` property), no JavaScript in a string that writes markup.
fn rust_sink_violations(path: &str, text: &str) -> Vec<String> {
    let tokens = rust_tokens(text);
    let mut out = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        let found = match &t.tok {
            Tok::Ident(s) if RUST_SINKS.contains(&s.as_str()) => Some(s.clone()),
            // `document().write(…)`
            Tok::Ident(s)
                if (s == "write" || s == "writeln")
                    && i >= 4
                    && matches!(&tokens[i - 4].tok, Tok::Ident(d) if d == "document")
                    && tokens[i - 3].tok == Tok::Punct('(')
                    && tokens[i - 2].tok == Tok::Punct(')')
                    && tokens[i - 1].tok == Tok::Punct('.') =>
            {
                Some(format!("document().{s}"))
            }
            Tok::Str(s) if JS_SINKS.contains(&s.trim()) => Some(s.trim().to_string()),
            Tok::Str(s) => js_markup_write(s),
            _ => None,
        };
        if let Some(name) = found {
            out.push(format!(
                "{path}:{}: {name} is a markup sink; put text in the DOM as text \
                 (ARCHITECTURE.md invariants)",
                t.line
            ));
        }
    }
    out
}

/// A markup write in JavaScript source held in a Rust string: an assignment to
/// `innerHTML`/`outerHTML`, `insertAdjacentHTML`, `createContextualFragment` or
/// `document.write`. Reads (`e.outerHTML.slice(0, 100)`) are not writes.
fn js_markup_write(js: &str) -> Option<String> {
    let tokens = js_tokens(js);
    for (i, t) in tokens.iter().enumerate() {
        let Tok::Ident(name) = &t.tok else { continue };
        let next = |k: usize| tokens.get(i + k).map(|t| &t.tok);
        let assigned = (next(1) == Some(&Tok::Punct('=')) && next(2) != Some(&Tok::Punct('=')))
            || (next(1) == Some(&Tok::Punct('+')) && next(2) == Some(&Tok::Punct('=')));
        match name.as_str() {
            "innerHTML" | "outerHTML" if assigned => return Some(format!("{name} =")),
            "insertAdjacentHTML" | "createContextualFragment" => return Some(name.clone()),
            "document"
                if next(1) == Some(&Tok::Punct('.'))
                    && matches!(next(2), Some(Tok::Ident(w)) if w == "write" || w == "writeln") =>
            {
                return Some("document.write".into())
            }
            _ => {}
        }
    }
    None
}

/// Rule 5.
fn doc_line_violation(path: &str, text: &str) -> Option<String> {
    (!text.starts_with("//!")).then(|| {
        format!(
            "{path}:1: a Rust module opens with a `//!` line saying what it is \
             (ARCHITECTURE.md invariants)"
        )
    })
}

// ---------------------------------------------------------------------------------------
// Lexing, just enough to tell code from comments and strings.

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    /// A string literal's contents (escapes resolved where it matters: `\"`, `\\`).
    Str(String),
    Punct(char),
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    line: usize,
}

/// Rust tokens, without comments: identifiers, string literals (plain, byte, C, raw) and
/// punctuation. Numbers and char literals are dropped; lifetimes are not mistaken for chars.
fn rust_tokens(text: &str) -> Vec<Token> {
    let c: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if c[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if let Some((len, hashes)) = raw_string_start(&c, i) {
            // r"…", r#"…"#, br"…", cr#"…"#
            let start_line = line;
            let mut j = i + len;
            let mut s = String::new();
            loop {
                if j >= c.len() {
                    break;
                }
                if c[j] == '"' && (1..=hashes).all(|k| at(j + k) == '#') {
                    j += 1 + hashes;
                    break;
                }
                if c[j] == '\n' {
                    line += 1;
                }
                s.push(c[j]);
                j += 1;
            }
            out.push(Token {
                tok: Tok::Str(s),
                line: start_line,
            });
            i = j;
        } else if ch == '"' || ((ch == 'b' || ch == 'c') && at(i + 1) == '"') {
            let start_line = line;
            i += if ch == '"' { 1 } else { 2 };
            let mut s = String::new();
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    i += 1;
                    match at(i) {
                        'n' => s.push('\n'),
                        't' => s.push('\t'),
                        '\n' => {
                            // A line continuation: the newline and the next line's indent go.
                            line += 1;
                            while at(i + 1).is_whitespace() {
                                if at(i + 1) == '\n' {
                                    line += 1;
                                }
                                i += 1;
                            }
                        }
                        other => s.push(other),
                    }
                } else {
                    if c[i] == '\n' {
                        line += 1;
                    }
                    s.push(c[i]);
                }
                i += 1;
            }
            i += 1;
            out.push(Token {
                tok: Tok::Str(s),
                line: start_line,
            });
        } else if ch == '\'' || (ch == 'b' && at(i + 1) == '\'') {
            let q = if ch == '\'' { i } else { i + 1 };
            if at(q + 1) == '\\' {
                // An escaped char literal: '\n', '\'', '\u{1F600}'; past the escaped char.
                i = q + 3;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(q + 2) == '\'' {
                i = q + 3;
            } else {
                // A lifetime or label.
                out.push(Token {
                    tok: Tok::Punct('\''),
                    line,
                });
                i = q + 1;
            }
        } else if ch == '_' || ch.is_alphabetic() {
            let start = i;
            while i < c.len() && (c[i] == '_' || c[i].is_alphanumeric()) {
                i += 1;
            }
            let mut ident: String = c[start..i].iter().collect();
            // r#ident
            if ident == "r" && at(i) == '#' && (at(i + 1) == '_' || at(i + 1).is_alphabetic()) {
                let s = i + 1;
                i = s;
                while i < c.len() && (c[i] == '_' || c[i].is_alphanumeric()) {
                    i += 1;
                }
                ident = c[s..i].iter().collect();
            }
            out.push(Token {
                tok: Tok::Ident(ident),
                line,
            });
        } else if ch.is_ascii_digit() {
            while i < c.len() && (c[i] == '_' || c[i].is_ascii_alphanumeric()) {
                i += 1;
            }
        } else {
            out.push(Token {
                tok: Tok::Punct(ch),
                line,
            });
            i += 1;
        }
    }
    out
}

/// At `i`, a raw string's opening (`r"`, `r#"`, `br##"`, `cr"`): its length up to and
/// including the quote, and its number of `#`.
fn raw_string_start(c: &[char], i: usize) -> Option<(usize, usize)> {
    // Not the tail of an identifier (`for"` is not a raw string, `bar"` neither).
    if i > 0 && (c[i - 1] == '_' || c[i - 1].is_alphanumeric()) {
        return None;
    }
    let mut j = i;
    if matches!(c.get(j), Some('b' | 'c')) {
        j += 1;
    }
    if c.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let mut hashes = 0;
    while c.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    (c.get(j) == Some(&'"')).then_some((j + 1 - i, hashes))
}

/// JavaScript tokens, without comments: identifiers, string, template and regular-expression
/// literals (as `Str`), punctuation; code inside a template's `${…}` is tokenised too.
fn js_tokens(text: &str) -> Vec<Token> {
    let c: Vec<char> = text.chars().collect();
    let mut out: Vec<Token> = Vec::new();
    let mut line = 1;
    let mut i = 0;
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    // Brace depth, and the depths at which open `${` expressions return to their template.
    let mut depth = 0usize;
    let mut templates: Vec<usize> = Vec::new();
    // Reads a template's text from `i` up to its closing backtick or its next `${`.
    let template = |i: &mut usize, line: &mut usize, templates: &mut Vec<usize>, depth: usize| {
        let mut s = String::new();
        while *i < c.len() {
            match c[*i] {
                '\\' => {
                    s.push(at(*i + 1));
                    *i += 2;
                }
                '`' => {
                    *i += 1;
                    break;
                }
                '$' if at(*i + 1) == '{' => {
                    templates.push(depth);
                    *i += 2;
                    break;
                }
                ch => {
                    if ch == '\n' {
                        *line += 1;
                    }
                    s.push(ch);
                    *i += 1;
                }
            }
        }
        s
    };
    while i < c.len() {
        let ch = c[i];
        let start_line = line;
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && at(i + 1) == '*' {
            i += 2;
            while i < c.len() && !(c[i] == '*' && at(i + 1) == '/') {
                if c[i] == '\n' {
                    line += 1;
                }
                i += 1;
            }
            i += 2;
        } else if ch == '"' || ch == '\'' {
            i += 1;
            let mut s = String::new();
            while i < c.len() && c[i] != ch && c[i] != '\n' {
                if c[i] == '\\' {
                    i += 1;
                }
                s.push(at(i));
                i += 1;
            }
            i += 1;
            out.push(Token {
                tok: Tok::Str(s),
                line: start_line,
            });
        } else if ch == '`' {
            i += 1;
            let s = template(&mut i, &mut line, &mut templates, depth);
            out.push(Token {
                tok: Tok::Str(s),
                line: start_line,
            });
        } else if ch == '/' && regex_may_start(out.last()) {
            // A regular expression literal: up to the unescaped `/` outside a class.
            i += 1;
            let mut s = String::new();
            let mut class = false;
            while i < c.len() && c[i] != '\n' && (class || c[i] != '/') {
                match c[i] {
                    '\\' => {
                        s.push('\\');
                        i += 1;
                    }
                    '[' => class = true,
                    ']' => class = false,
                    _ => {}
                }
                s.push(at(i));
                i += 1;
            }
            i += 1;
            while i < c.len() && c[i].is_ascii_alphabetic() {
                i += 1;
            }
            out.push(Token {
                tok: Tok::Str(s),
                line: start_line,
            });
        } else if ch == '_' || ch == '$' || ch.is_alphabetic() {
            let start = i;
            while i < c.len() && (c[i] == '_' || c[i] == '$' || c[i].is_alphanumeric()) {
                i += 1;
            }
            out.push(Token {
                tok: Tok::Ident(c[start..i].iter().collect()),
                line,
            });
        } else if ch.is_ascii_digit() {
            while i < c.len() && (c[i] == '_' || c[i] == '.' || c[i].is_ascii_alphanumeric()) {
                i += 1;
            }
        } else if ch == '}' && templates.last() == Some(&depth) {
            templates.pop();
            i += 1;
            let s = template(&mut i, &mut line, &mut templates, depth);
            out.push(Token {
                tok: Tok::Str(s),
                line: start_line,
            });
        } else {
            match ch {
                '{' => depth += 1,
                '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
            out.push(Token {
                tok: Tok::Punct(ch),
                line,
            });
            i += 1;
        }
    }
    out
}

/// Whether a `/` after `prev` starts a regular expression rather than dividing.
fn regex_may_start(prev: Option<&Token>) -> bool {
    match prev.map(|t| &t.tok) {
        None => true,
        Some(Tok::Punct(p)) => "(,=:[!&|?{};+-*%<>~^".contains(*p),
        Some(Tok::Ident(k)) => matches!(
            k.as_str(),
            "return" | "typeof" | "case" | "do" | "else" | "in" | "of" | "void" | "yield"
        ),
        Some(Tok::Str(_)) => false,
    }
}

// ---------------------------------------------------------------------------------------
// The tree.

/// Every file under `dir` whose name ends with `ext`, by path relative to the root (with
/// `/`), skipping build output, dependencies and dot-directories.
fn files(dir: &str, ext: &str) -> BTreeMap<String, String> {
    fn walk(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if !(name.starts_with('.')
                    || [
                        "target",
                        "node_modules",
                        "dist",
                        "work",
                        "artifacts",
                        "corpus",
                    ]
                    .contains(&name.as_str()))
                {
                    walk(&path, ext, out);
                }
            } else if name.ends_with(ext) {
                out.push(path);
            }
        }
    }
    let root = root();
    let mut paths = Vec::new();
    let start = root.join(dir);
    if start.is_file() {
        paths.push(start);
    } else {
        walk(&start, ext, &mut paths);
    }
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p)
                .unwrap_or_else(|e| panic!("reading {}: {e}", p.display()));
            let rel = p.strip_prefix(&root).expect("below the root");
            (rel.to_string_lossy().replace('\\', "/"), text)
        })
        .collect()
}

/// The extension's own JS files (what `xtask/pack.rs` ships), not the test tooling's.
fn extension_js() -> BTreeMap<String, String> {
    let mut all = BTreeMap::new();
    for dir in ["content-script", "background", "popup", "devtools"] {
        all.extend(files(dir, ".js"));
    }
    assert!(
        all.contains_key("content-script/relay.js"),
        "the JS files were not found"
    );
    all
}

/// Fails with every violation listed, one a line.
fn assert_none(rule: &str, violations: Vec<String>) {
    assert!(
        violations.is_empty(),
        "\n{rule}: {} violation(s):\n  {}\n",
        violations.len(),
        violations.join("\n  ")
    );
}

// ---------------------------------------------------------------------------------------
// The tree passes.

#[test]
fn the_core_depends_only_on_serde() {
    let out = std::process::Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let metadata: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata's JSON");
    assert_none("core dependencies", core_dependency_violations(&metadata));
}

#[test]
fn only_fvi_browser_names_the_extension_namespace() {
    let mut violations = Vec::new();
    for krate in NAMESPACE_CHECKED {
        let rust = files(krate, ".rs");
        assert!(!rust.is_empty(), "no Rust files under {krate}");
        for (path, text) in rust {
            violations.extend(rust_namespace_violations(&path, &text));
        }
    }
    let js = extension_js();
    for allowed in JS_NAMESPACE_ALLOWED {
        // An exception for a file that is gone is stale: drop it here and in ARCHITECTURE.md.
        assert!(
            js.contains_key(allowed),
            "{allowed} is allowed but does not exist"
        );
    }
    for (path, text) in js {
        violations.extend(js_namespace_violations(&path, &text));
    }
    assert_none("extension namespace", violations);
}

#[test]
fn js_constants_equal_rusts() {
    let js = extension_js();
    let build: String = ["build.rs", "xtask/pack.rs", "crates/core/src/sentinel.rs"]
        .iter()
        .flat_map(|f| files(f, ".rs").into_values())
        .collect();
    let mut violations = Vec::new();
    for shared in shared_constants() {
        let text = js
            .get(shared.file)
            .unwrap_or_else(|| panic!("{} is missing", shared.file));
        violations.extend(shared_constant_violations(&shared, text, &build));
    }
    assert_none("shared constants", violations);
}

#[test]
fn no_markup_sinks() {
    let mut violations = Vec::new();
    for (path, text) in files("crates", ".rs") {
        violations.extend(rust_sink_violations(&path, &text));
    }
    for (path, text) in extension_js() {
        violations.extend(js_sink_violations(&path, &text));
    }
    assert_none("markup sinks", violations);
}

#[test]
fn every_rust_module_opens_with_a_doc_line() {
    let mut all = BTreeMap::new();
    for dir in ["crates", "xtask", "fuzz", "build.rs"] {
        all.extend(files(dir, ".rs"));
    }
    assert!(
        all.contains_key("xtask/tidy.rs"),
        "the Rust files were not found"
    );
    let violations = all
        .iter()
        .filter_map(|(path, text)| doc_line_violation(path, text))
        .collect();
    assert_none("module docs", violations);
}

// ---------------------------------------------------------------------------------------
// Each rule fails on a planted violation.

#[test]
fn a_core_dependency_beyond_serde_is_reported() {
    let metadata = |deps: Value| {
        serde_json::json!({"packages": [
            {"name": "fvi-browser", "dependencies": [{"name": "web-sys", "kind": null}]},
            {"name": "fvi-core", "dependencies": deps},
        ]})
    };
    let fine = metadata(serde_json::json!([
        {"name": "serde", "kind": null},
        {"name": "serde_json", "kind": null},
        {"name": "proptest", "kind": "dev"},
    ]));
    assert_eq!(core_dependency_violations(&fine), Vec::<String>::new());
    let planted = metadata(serde_json::json!([
        {"name": "serde", "kind": null},
        {"name": "js-sys", "kind": null},
    ]));
    let found = core_dependency_violations(&planted);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("depends on js-sys"), "{found:?}");
    assert_eq!(
        core_dependency_violations(&serde_json::json!({"packages": []})),
        vec!["cargo metadata lists no fvi-core package".to_string()]
    );
}

#[test]
fn naming_the_namespace_outside_fvi_browser_is_reported() {
    let path = "crates/popup/src/planted.rs";
    let planted = [
        (
            "let api = Reflect::get(&js_sys::global(), &\"chrome\".into());",
            1,
        ),
        ("let f = eval(\"browser.runtime.id\");", 1),
        (
            "#[wasm_bindgen(js_namespace = chrome)]\nextern \"C\" { fn x(); }",
            1,
        ),
        (
            "#[wasm_bindgen(js_namespace = [\"browser\", \"storage\"], js_name = get)]",
            1,
        ),
        ("let ua = window.navigator().user_agent();", 1),
        (r##"let s = r#"chrome"#;"##, 1),
        // Prose, comments, fields and other namespaces are not the extension namespace.
        (
            "// the browser restarts\n/* chrome.runtime */\nlet s = \"The browser restarts.\";",
            0,
        ),
        ("let b = by.browser; let u = \"chrome-extension://x/\";", 0),
        ("#[wasm_bindgen(js_namespace = console)]", 0),
        ("let c = 'x'; fn f<'a>(s: &'a str) {}", 0),
    ];
    for (text, want) in planted {
        let found = rust_namespace_violations(path, text);
        assert_eq!(found.len(), want, "{text:?}: {found:?}");
    }
    // The one file allowed to read the user agent.
    assert!(rust_namespace_violations(USER_AGENT_ALLOWED, "n.user_agent()").is_empty());

    let js = "const api = globalThis.chrome;\napi.runtime.sendMessage({});";
    let found = js_namespace_violations("background/worker.js", js);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("background/worker.js:1:"), "{found:?}");
    assert!(js_namespace_violations("content-script/relay.js", js).is_empty());
    assert_eq!(
        js_namespace_violations("popup/boot.js", "if (navigator.userAgent) {}").len(),
        1
    );
    assert!(js_namespace_violations(
        "background/worker.js",
        "// the browser\nconst s = \"the browser\";"
    )
    .is_empty());
}

#[test]
fn a_js_constant_unlike_rusts_is_reported() {
    let build = "text.replace(\"/*@PROTOCOL_VERSION@*/0\", v); (\"MAX_BATCH\", n)";
    let batch = &shared_constants()[0];
    assert_eq!(batch.anchor, "const BATCH =");
    let check = |js: &str| shared_constant_violations(batch, js, build);
    let rust = fvi_core::protocol::MAX_BATCH;
    assert!(check(&format!("  const BATCH = {rust};")).is_empty());
    assert!(check("  const BATCH = /*@MAX_BATCH@*/0;").is_empty());
    for planted in [
        format!("  const BATCH = {};", rust + 1),
        // Another constant's placeholder.
        "  const BATCH = /*@PROTOCOL_VERSION@*/0;".to_string(),
        // A placeholder no build step substitutes.
        "  const BATCH = /*@MAX_BATCH@*/0;".to_string(),
        // The constant moved: the list must follow it.
        "  const LIMIT = 2000;".to_string(),
    ] {
        let build = if planted.contains("MAX_BATCH@") {
            "nothing"
        } else {
            build
        };
        let found = shared_constant_violations(batch, &planted, build);
        assert_eq!(found.len(), 1, "{planted:?}: {found:?}");
    }
    // The sentinel's terse form, and a comment that mentions the anchor.
    let slice = &shared_constants()[3];
    assert!(
        shared_constant_violations(slice, "for(const e of s.queue.slice(h,h+2000)){", build)
            .is_empty()
    );
    let found = shared_constant_violations(
        slice,
        "// was slice(h,h+2000)\nfor(const e of s.queue.slice(h,h+500)){",
        build,
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("content-script/sentinel.template.js:2:"));
}

#[test]
fn a_markup_sink_is_reported() {
    let rust_path = "crates/popup/src/planted.rs";
    for (text, want) in [
        ("el.set_inner_html(&label);", 1),
        ("let h = el.inner_html();", 1),
        ("el.insert_adjacent_html(\"beforeend\", &s)?;", 1),
        ("dom::document().write(&parts);", 1),
        ("Reflect::set(&el, &\"innerHTML\".into(), &s);", 1),
        (
            "driver.execute(\"document.body.innerHTML = arguments[0]\");",
            1,
        ),
        (
            "driver.execute(\"el.insertAdjacentHTML('beforeend', x)\");",
            1,
        ),
        // A read in test JavaScript, a comment, prose.
        ("driver.execute(\"return e.outerHTML.slice(0, 100)\");", 0),
        (
            "// never innerHTML\nlet s = \"set as text, not as markup\";",
            0,
        ),
        ("if a.innerHTML == b {}", 0),
    ] {
        let found = rust_sink_violations(rust_path, text);
        assert_eq!(found.len(), want, "{text:?}: {found:?}");
    }
    for (text, want) in [
        ("el.innerHTML = label;", 1),
        ("const h = el.outerHTML;", 1),
        ("el.insertAdjacentHTML('beforeend', s);", 1),
        ("document.write(s);", 1),
        ("el[\"innerHTML\"] = s;", 1),
        ("`${x.innerHTML}`", 1),
        (
            "// never innerHTML\nel.textContent = s; const r = /<b>/.test(s) / 2;",
            0,
        ),
    ] {
        let found = js_sink_violations("popup/boot.js", text);
        assert_eq!(found.len(), want, "{text:?}: {found:?}");
    }
}

#[test]
fn a_module_without_a_doc_line_is_reported() {
    assert!(doc_line_violation("crates/core/src/x.rs", "//! The x module.\n").is_none());
    for planted in [
        "use std::fmt;\n",
        "/// An item's doc.\nfn f() {}\n",
        "\n//! Late.\n",
    ] {
        assert!(
            doc_line_violation("crates/core/src/x.rs", planted).is_some(),
            "{planted:?}"
        );
    }
}

#[test]
fn the_lexers_tell_code_from_comments_and_strings() {
    let toks = |text: &str| -> Vec<Tok> { rust_tokens(text).into_iter().map(|t| t.tok).collect() };
    assert_eq!(
        toks("a /* b /* nested */ c */ \"d \\\" e\" // f\n r#\"g\"h\"# b'i' 'j' '\\'' x"),
        vec![
            Tok::Ident("a".into()),
            Tok::Str("d \" e".into()),
            Tok::Str("g\"h".into()),
            Tok::Ident("x".into()),
        ]
    );
    assert_eq!(
        rust_tokens("a\n\"b\nc\"\nd").last().map(|t| t.line),
        Some(4)
    );
    let js = |text: &str| -> Vec<Tok> { js_tokens(text).into_iter().map(|t| t.tok).collect() };
    assert_eq!(
        js("a = /x\\/[/]y/g; // c\n'd//e' + `f${g + `h`}i`"),
        vec![
            Tok::Ident("a".into()),
            Tok::Punct('='),
            Tok::Str("x\\/[/]y".into()),
            Tok::Punct(';'),
            Tok::Str("d//e".into()),
            Tok::Punct('+'),
            Tok::Str("f".into()),
            Tok::Ident("g".into()),
            Tok::Punct('+'),
            Tok::Str("h".into()),
            Tok::Str("i".into()),
        ]
    );
}
