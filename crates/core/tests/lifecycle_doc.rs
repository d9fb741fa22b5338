//! Keeps `docs/lifecycle.md` true: its transition tables are rendered from the state
//! machines here and must match the text between the `<!-- …-table -->` markers, and every
//! flag code must be documented. `UPDATE_EXPECT=1` rewrites the tables in place.

use fvi_core::lifecycle::{
    call_transition, inbound_transition, CallInput, CallState, FlagCode, InboundState, InboundStep,
};
use fvi_core::EventKind;
use std::path::PathBuf;

fn doc_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/lifecycle.md")
}

fn call_table() -> String {
    let inputs = [
        (CallInput::Requested, "callRequested"),
        (CallInput::Accepted, "callAccepted"),
        (CallInput::Denied, "callDenied"),
        (CallInput::Ended, "callEnded"),
        (CallInput::InboundTaken, "supportRequestTaken¹"),
        (CallInput::OtherInbound, "other support*¹"),
    ];
    let mut out = String::from("| state \\ event |");
    for (_, name) in &inputs {
        out.push_str(&format!(" {name} |"));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(inputs.len()));
    out.push('\n');
    for from in CallState::ALL {
        out.push_str(&format!("| **{}** |", from.as_str()));
        for (input, _) in &inputs {
            let (to, anomaly) = call_transition(from, *input);
            out.push_str(&format!(" {}", to.as_str()));
            if let Some(anomaly) = anomaly {
                out.push_str(&format!(" ⚑ `{}`", anomaly.code()));
            }
            out.push_str(" |");
        }
        out.push('\n');
    }
    out
}

fn inbound_table() -> String {
    let kinds = [
        EventKind::SupportRequested,
        EventKind::SupportRequestCancelledByCustomer,
        EventKind::SupportRequestCancelledByAgent,
        EventKind::SupportRequestTaken,
    ];
    let mut out = String::from("| state \\ event |");
    for kind in &kinds {
        out.push_str(&format!(" {} |", kind.short()));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(kinds.len()));
    out.push('\n');
    for from in InboundState::ALL {
        out.push_str(&format!("| **{}** |", from.as_str()));
        for kind in kinds {
            match inbound_transition(from, kind) {
                InboundStep::NewRequest => out.push_str(" *opens a new request* |"),
                InboundStep::Next(to, anomaly) => {
                    out.push_str(&format!(" {}", to.as_str()));
                    if let Some(anomaly) = anomaly {
                        out.push_str(&format!(" ⚑ `{}`", anomaly.code()));
                    }
                    out.push_str(" |");
                }
            }
        }
        out.push('\n');
    }
    out
}

/// Replaces the text between `<!-- name -->` and `<!-- /name -->`; `None` if a marker is
/// missing.
fn splice(doc: &str, name: &str, body: &str) -> Option<String> {
    let open = format!("<!-- {name} -->\n");
    let close = format!("<!-- /{name} -->");
    let start = doc.find(&open)? + open.len();
    let end = start + doc[start..].find(&close)?;
    Some(format!("{}{}{}", &doc[..start], body, &doc[end..]))
}

#[test]
fn transition_tables_and_flag_codes_are_documented() {
    let path = doc_path();
    let doc = std::fs::read_to_string(&path).unwrap_or_default();
    let mut updated = doc.clone();
    for (name, table) in [
        ("call-table", call_table()),
        ("inbound-table", inbound_table()),
    ] {
        updated = splice(&updated, name, &table)
            .unwrap_or_else(|| panic!("{}: markers for {name} missing", path.display()));
    }
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, &updated).expect("write docs/lifecycle.md");
    } else {
        assert!(
            updated == doc,
            "{} is out of date with the state machines; rerun with UPDATE_EXPECT=1.\n{}\n{}",
            path.display(),
            call_table(),
            inbound_table()
        );
    }
    let missing: Vec<&str> = FlagCode::ALL
        .iter()
        .map(|code| code.as_str())
        .filter(|code| !doc.contains(&format!("`{code}`")))
        .collect();
    assert!(missing.is_empty(), "flag codes not documented: {missing:?}");
}
