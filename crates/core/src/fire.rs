//! Firing events into a page from the inspector (issue 13): the rules for a fire request,
//! what the background expects back so it can mark the captured event as the inspector's,
//! the lifecycle presets, and "copy as code".
//!
//! Architecture invariant: the inspector-fired mark on a record comes only from the
//! background's own [`Pending`] list, filled before it dispatches; nothing a page sends can
//! set it (`PageEvent` has no such field, and the store never reads one from a page).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::detail::{call_id_of, MAX_DETAIL_BYTES};
use crate::record::EventRecord;
use crate::EventKind;

/// How long after it dispatched an event the background still takes a capture for it: the
/// sentinel sends the first event of a task at once, so it is usually back within a few
/// milliseconds; a busy worker can take seconds.
pub const FIRE_WINDOW_MS: f64 = 10_000.0;

/// At most this many fires are expected at once; older ones are forgotten first.
pub const MAX_PENDING: usize = 256;

/// Where in a tab an event is fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "camelCase", deny_unknown_fields)]
pub enum FireTarget {
    /// The tab's top frame.
    Top,
    /// One frame, by the browser's frame id (opaque: Firefox's are large numbers).
    Frame {
        #[serde(rename = "frameId")]
        frame_id: i64,
    },
    /// Every frame of the tab.
    AllFrames,
    /// The top frame of every open tab of the same site (origin) as the tab, as Fullview
    /// fires `callRequested`.
    SiteTabs,
}

/// A fire request, validated: a known event, an object detail, a callId where one belongs.
#[derive(Debug, Clone, PartialEq)]
pub struct Fire {
    pub kind: EventKind,
    /// The detail to dispatch: always a JSON object.
    pub detail: Value,
    /// The detail's callId as the store will read it (`detail::call_id_of`).
    pub call_id: Option<String>,
}

/// Checks a fire request. `fresh_call_id` (made by the caller: the core makes no ids) is put
/// into a detail that has no `callId` key, unless `no_call_id` asks to send the detail as
/// it is (inbound `support*` events usually carry none; a replay sends what was recorded,
/// which may be any JSON value). Every refusal is final: the same
/// request will never pass.
pub fn validate(
    kind: &str,
    detail: Value,
    no_call_id: bool,
    fresh_call_id: &str,
) -> Result<Fire, String> {
    let Some(event) = EventKind::from_name(kind) else {
        return Err(format!(
            "{} is not one of the eight fullview:* events",
            clip(&Value::String(kind.to_string()).to_string(), 80)
        ));
    };
    // Sent as it is (a replay of what a page recorded): any JSON value.
    let detail = match detail {
        Value::Object(mut map) => {
            if !no_call_id && !map.contains_key("callId") {
                map.insert("callId".into(), Value::String(fresh_call_id.to_string()));
            }
            Value::Object(map)
        }
        other if no_call_id => other,
        other => {
            return Err(format!(
                "the detail must be a JSON object, not {}",
                json_type(&other)
            ))
        }
    };
    let size = detail.to_string().len();
    if size > MAX_DETAIL_BYTES {
        return Err(format!(
            "the detail is {size} bytes of JSON; the log keeps at most {MAX_DETAIL_BYTES}, so \
             what is captured would not be what was fired"
        ));
    }
    Ok(Fire {
        kind: event,
        call_id: call_id_of(&detail),
        detail,
    })
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// The inspector-fired mark on a stored record (export format version 3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Fired {
    /// The background's random token for the fire request it came from.
    pub nonce: String,
    /// When the background dispatched it, ms since the epoch (the background's clock).
    pub at: f64,
}

/// One dispatch the background made and expects to see captured.
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    pub nonce: String,
    pub tab_id: i64,
    /// The frame it went to; `None`: every frame of the tab (each frame's capture is marked
    /// once).
    pub frame_id: Option<i64>,
    pub kind: EventKind,
    pub call_id: Option<String>,
    /// When it was dispatched (the background's clock, as the store's `now`).
    pub at: f64,
    /// For `frame_id: None`, the frames whose capture was marked already.
    pub taken: Vec<i64>,
}

/// The background's list of what it fired and has not yet seen captured. Kept in memory
/// only: a worker stopped between a fire and its capture (within [`FIRE_WINDOW_MS`]) loses
/// the mark, never the event, and a page can never gain one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pending {
    expected: Vec<Expected>,
}

impl Pending {
    /// Notes a dispatch before it is made (so its capture cannot arrive first).
    pub fn expect(&mut self, expected: Expected, now: f64) {
        self.prune(now);
        if self.expected.len() >= MAX_PENDING {
            self.expected.remove(0);
        }
        self.expected.push(expected);
    }

    pub fn len(&self) -> usize {
        self.expected.len()
    }

    pub fn is_empty(&self) -> bool {
        self.expected.is_empty()
    }

    fn prune(&mut self, now: f64) {
        self.expected.retain(|e| now - e.at <= FIRE_WINDOW_MS);
    }

    /// Marks `record`, stored at `now`, when it is the capture of a dispatch on the list:
    /// same tab, frame, type and callId, within [`FIRE_WINDOW_MS`]; the oldest such dispatch
    /// is used up. Returns whether it marked.
    pub fn mark(&mut self, record: &mut EventRecord, now: f64) -> bool {
        self.take(record, now).is_some()
    }

    /// [`Pending::mark`], returning what it used up, for [`Pending::apply`].
    pub fn take(&mut self, record: &mut EventRecord, now: f64) -> Option<Used> {
        self.prune(now);
        let i = self.expected.iter().position(|e| {
            e.tab_id == record.tab_id
                && e.kind == record.kind
                && e.call_id == record.call_id
                && now >= e.at
                && match e.frame_id {
                    Some(frame) => frame == record.frame_id,
                    None => !e.taken.contains(&record.frame_id),
                }
        })?;
        let e = &mut self.expected[i];
        record.fired = Some(Fired {
            nonce: e.nonce.clone(),
            at: e.at,
        });
        let used = Used {
            nonce: e.nonce.clone(),
            tab_id: e.tab_id,
            frame_id: e.frame_id,
            frame: record.frame_id,
        };
        if e.frame_id.is_some() {
            self.expected.remove(i);
        } else {
            e.taken.push(record.frame_id);
        }
        Some(used)
    }

    /// Uses up on this list what [`Pending::take`] used up on a copy of it. The store marks
    /// on a copy and applies once the records are written; fires noted meanwhile stay.
    pub fn apply(&mut self, used: &[Used]) {
        for u in used {
            let found = self.expected.iter().position(|e| {
                e.nonce == u.nonce && e.tab_id == u.tab_id && e.frame_id == u.frame_id
            });
            let Some(i) = found else {
                continue;
            };
            if u.frame_id.is_some() {
                self.expected.remove(i);
            } else if !self.expected[i].taken.contains(&u.frame) {
                self.expected[i].taken.push(u.frame);
            }
        }
    }
}

/// One expected dispatch [`Pending::take`] used up: which (nonce, tab, frame or all
/// frames), and the frame whose capture it marked.
#[derive(Debug, Clone, PartialEq)]
pub struct Used {
    nonce: String,
    tab_id: i64,
    frame_id: Option<i64>,
    frame: i64,
}

/// Whether an error from `scripting.executeScript` may pass on a later try (the frame was
/// loading or navigating) or never will (the tab or frame is gone, or the browser forbids
/// scripting that page).
pub fn injection_may_retry(error: &str) -> bool {
    let e = error.to_ascii_lowercase();
    let never = [
        "no tab with id",
        "invalid tab id",
        "no frame with id",
        "cannot access",
        "cannot be scripted",
        "missing host permission",
        "extensions gallery",
    ];
    !never.iter().any(|n| e.contains(n))
}

/// The origin of a URL (`https://shop.example:8443`), lower-cased; `None` for a URL
/// without an authority (`about:blank`, `data:`).
pub fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.rsplit('@').next()?;
    (!host.is_empty() && !scheme.is_empty())
        .then(|| format!("{scheme}://{host}").to_ascii_lowercase())
}

/// The tabs of `tabs` (id, URL) on the site of `tab_id`, `tab_id` first: where a preset's
/// `callRequested` goes. Only `tab_id` when its site is unknown.
pub fn site_tabs(tab_id: i64, tabs: &[(i64, Option<String>)]) -> Vec<i64> {
    let site = tabs
        .iter()
        .find(|(id, _)| *id == tab_id)
        .and_then(|(_, url)| url.as_deref().and_then(origin));
    let mut out = vec![tab_id];
    if let Some(site) = site {
        out.extend(tabs.iter().filter_map(|(id, url)| {
            let same = url.as_deref().and_then(origin).as_ref() == Some(&site);
            (same && *id != tab_id).then_some(*id)
        }));
    }
    out
}

/// One step of a preset: fire `kind` `at_ms` after the preset started.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    pub kind: EventKind,
    pub at_ms: u32,
    /// The detail carries the preset's callId; false: an empty detail (inbound requests).
    pub call_id: bool,
    /// Fired into every open tab of the site, as Fullview fires `callRequested`.
    pub site_tabs: bool,
}

/// A lifecycle from `docs/lifecycle.md`, as data, with the delays a real session shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Preset {
    pub id: &'static str,
    pub label: &'static str,
    pub steps: &'static [Step],
}

const fn step(kind: EventKind, at_ms: u32) -> Step {
    Step {
        kind,
        at_ms,
        call_id: true,
        site_tabs: matches!(kind, EventKind::CallRequested),
    }
}

const fn inbound(kind: EventKind, at_ms: u32) -> Step {
    Step {
        kind,
        at_ms,
        call_id: false,
        site_tabs: false,
    }
}

/// Every preset, outbound first.
pub const PRESETS: [Preset; 6] = [
    Preset {
        id: "outbound-accepted",
        label: "Outbound: accepted, then ended",
        steps: &[
            step(EventKind::CallRequested, 0),
            step(EventKind::CallAccepted, 4_000),
            step(EventKind::CallEnded, 24_000),
        ],
    },
    Preset {
        id: "outbound-denied",
        label: "Outbound: denied",
        steps: &[
            step(EventKind::CallRequested, 0),
            step(EventKind::CallDenied, 3_000),
        ],
    },
    Preset {
        id: "outbound-withdrawn",
        label: "Outbound: withdrawn by the agent",
        steps: &[
            step(EventKind::CallRequested, 0),
            step(EventKind::CallEnded, 8_000),
        ],
    },
    Preset {
        id: "inbound-taken",
        label: "Inbound: taken, leading to a call",
        steps: &[
            inbound(EventKind::SupportRequested, 0),
            inbound(EventKind::SupportRequestTaken, 6_000),
            step(EventKind::CallAccepted, 8_000),
            step(EventKind::CallEnded, 28_000),
        ],
    },
    Preset {
        id: "inbound-cancelled-by-customer",
        label: "Inbound: cancelled by the customer",
        steps: &[
            inbound(EventKind::SupportRequested, 0),
            inbound(EventKind::SupportRequestCancelledByCustomer, 7_000),
        ],
    },
    Preset {
        id: "inbound-cancelled-by-agent",
        label: "Inbound: cancelled by the agent",
        steps: &[
            inbound(EventKind::SupportRequested, 0),
            inbound(EventKind::SupportRequestCancelledByAgent, 5_000),
        ],
    },
];

/// The preset with this id.
pub fn preset(id: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.id == id)
}

/// One fire a preset makes, `at_ms` after it started.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedFire {
    pub at_ms: u32,
    pub kind: EventKind,
    pub target: FireTarget,
    pub detail: Value,
    /// Send the detail as it is, without a generated callId.
    pub no_call_id: bool,
}

/// The fires of `preset` for one run with `call_id`: call events go to `frame` (the chosen
/// target), `callRequested` to every tab of the site.
pub fn plan(preset: &Preset, call_id: &str, frame: FireTarget) -> Vec<PlannedFire> {
    preset
        .steps
        .iter()
        .map(|s| {
            let mut detail = Map::new();
            if s.call_id {
                detail.insert("callId".into(), Value::String(call_id.to_string()));
            }
            PlannedFire {
                at_ms: s.at_ms,
                kind: s.kind,
                target: if s.site_tabs {
                    FireTarget::SiteTabs
                } else {
                    frame
                },
                detail: Value::Object(detail),
                no_call_id: !s.call_id,
            }
        })
        .collect()
}

/// `value` as a JavaScript literal: JSON, with `<`, `>`, `&`, U+2028 and U+2029 escaped so
/// it stays valid inside an inline `<script>` and in engines before ES2019. (They can only
/// occur inside strings in JSON, where the `\u` escape means the same character.)
pub fn js_literal(value: &Value) -> String {
    let json = value.to_string();
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// The statement that fires one event in a page's console.
pub fn event_snippet(kind: EventKind, detail: &Value) -> String {
    format!(
        "window.dispatchEvent(new CustomEvent({}, {{ detail: {} }}));",
        js_literal(&Value::String(kind.name().to_string())),
        js_literal(detail)
    )
}

/// How a whole call's snippet paces its events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Pace {
    /// Each event after its original delay from the first (`setTimeout`).
    Original,
    /// One after another, at once.
    Sequential,
}

/// A snippet that fires `events` (in the order given: the timeline's) in a page's console.
pub fn call_snippet(events: &[&EventRecord], pace: Pace) -> String {
    let mut out = String::new();
    let n = events.len();
    let noun = if n == 1 { "event" } else { "events" };
    out.push_str(&match pace {
        Pace::Original => {
            format!("// {n} Fullview {noun} at their original pace (ms after the first)\n")
        }
        Pace::Sequential => format!("// {n} Fullview {noun}, one after another\n"),
    });
    if events.iter().any(|e| has_marker(&e.detail)) {
        out.push_str(
            "// Some details hold {\"$fvi\": …} markers where the page's value was not JSON \
             (see docs/export-format.md).\n",
        );
    }
    let start = events.first().map_or(0.0, |e| e.captured_at);
    for e in events {
        let fire = event_snippet(e.kind, &e.detail);
        match pace {
            Pace::Original => {
                let delay = (e.captured_at - start).max(0.0).round() as u64;
                let call = fire.trim_end_matches(';');
                out.push_str(&format!("setTimeout(() => {call}, {delay});\n"));
            }
            Pace::Sequential => {
                out.push_str(&fire);
                out.push('\n');
            }
        }
    }
    out
}

fn has_marker(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.contains_key("$fvi") || map.values().any(has_marker),
        Value::Array(items) => items.iter().any(has_marker),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Origin;
    use serde_json::json;

    #[test]
    fn validation_fills_and_refuses() {
        let cases: [(&str, Value, bool, Result<Value, &str>); 8] = [
            (
                "fullview:supportRequested",
                json!(null),
                true,
                Ok(json!(null)),
            ),
            (
                "fullview:callAccepted",
                json!({}),
                false,
                Ok(json!({"callId": "fresh"})),
            ),
            (
                "fullview:callAccepted",
                json!({"callId": "mine", "x": 1}),
                false,
                Ok(json!({"callId": "mine", "x": 1})),
            ),
            ("fullview:supportRequested", json!({}), true, Ok(json!({}))),
            (
                "fullview:callEnded",
                json!({"callId": null}),
                false,
                Ok(json!({"callId": null})),
            ),
            (
                "fullview:callaccepted",
                json!({}),
                false,
                Err("\"fullview:callaccepted\" is not one of the eight fullview:* events"),
            ),
            (
                "fullview:callEnded",
                json!("c1"),
                false,
                Err("the detail must be a JSON object, not a string"),
            ),
            (
                "fullview:callEnded",
                json!({"big": "x".repeat(20_000)}),
                false,
                Err("the detail is 20027 bytes of JSON; the log keeps at most 16384"),
            ),
        ];
        for (kind, detail, no_call_id, expect) in cases {
            let got = validate(kind, detail.clone(), no_call_id, "fresh");
            match (got, expect) {
                (Ok(fire), Ok(want)) => {
                    assert_eq!(fire.detail, want, "{kind} {detail}");
                    assert_eq!(fire.call_id, call_id_of(&want));
                }
                (Err(e), Err(want)) => assert!(e.starts_with(want), "{e}"),
                (got, want) => panic!("{kind} {detail}: {got:?}, expected {want:?}"),
            }
        }
    }

    fn record(tab: i64, frame: i64, kind: EventKind, call: Option<&str>) -> EventRecord {
        EventRecord {
            seq: 1,
            kind,
            call_id: call.map(String::from),
            tab_id: tab,
            frame_id: frame,
            url: "https://x/".into(),
            top_url: None,
            top_title: None,
            captured_at: 0.0,
            stored_at: 0.0,
            detail: json!({ "callId": call }),
            detail_truncated: false,
            origin: Origin {
                document: "d".into(),
                n: 1,
            },
            fired: None,
        }
    }

    fn expected(nonce: &str, frame: Option<i64>, at: f64) -> Expected {
        Expected {
            nonce: nonce.into(),
            tab_id: 7,
            frame_id: frame,
            kind: EventKind::CallAccepted,
            call_id: Some("c1".into()),
            at,
            taken: Vec::new(),
        }
    }

    /// Each capture, in order, against a list of expected fires: which nonce marks it.
    #[test]
    fn marks_only_what_the_background_fired() {
        type Capture = (i64, i64, EventKind, Option<&'static str>, f64);
        /// Name, the fires expected, the captures in order, the nonce each gets.
        type Case = (
            &'static str,
            Vec<Expected>,
            Vec<Capture>,
            Vec<Option<&'static str>>,
        );
        let accepted = EventKind::CallAccepted;
        let cases: [Case; 6] = [
            (
                "the capture of a fire is marked once; the page's copy after it is not",
                vec![expected("n1", Some(0), 100.0)],
                vec![
                    (7, 0, accepted, Some("c1"), 105.0),
                    (7, 0, accepted, Some("c1"), 110.0),
                ],
                vec![Some("n1"), None],
            ),
            (
                "another tab, frame, type or callId is not marked",
                vec![expected("n1", Some(0), 100.0)],
                vec![
                    (8, 0, accepted, Some("c1"), 105.0),
                    (7, 3, accepted, Some("c1"), 105.0),
                    (7, 0, EventKind::CallEnded, Some("c1"), 105.0),
                    (7, 0, accepted, Some("c2"), 105.0),
                    (7, 0, accepted, None, 105.0),
                ],
                vec![None, None, None, None, None],
            ),
            (
                "too late: past the window",
                vec![expected("n1", Some(0), 100.0)],
                vec![(7, 0, accepted, Some("c1"), 100.0 + FIRE_WINDOW_MS + 1.0)],
                vec![None],
            ),
            (
                "stored before it was fired",
                vec![expected("n1", Some(0), 100.0)],
                vec![(7, 0, accepted, Some("c1"), 99.0)],
                vec![None],
            ),
            (
                "all frames: each frame once",
                vec![expected("n1", None, 100.0)],
                vec![
                    (7, 0, accepted, Some("c1"), 101.0),
                    (7, 5, accepted, Some("c1"), 101.0),
                    (7, 0, accepted, Some("c1"), 102.0),
                ],
                vec![Some("n1"), Some("n1"), None],
            ),
            (
                "two fires of the same event: oldest first",
                vec![
                    expected("n1", Some(0), 100.0),
                    expected("n2", Some(0), 200.0),
                ],
                vec![
                    (7, 0, accepted, Some("c1"), 201.0),
                    (7, 0, accepted, Some("c1"), 202.0),
                    (7, 0, accepted, Some("c1"), 203.0),
                ],
                vec![Some("n1"), Some("n2"), None],
            ),
        ];
        for (name, list, captures, want) in cases {
            let mut pending = Pending::default();
            for e in list {
                let at = e.at;
                pending.expect(e, at);
            }
            let got: Vec<Option<String>> = captures
                .iter()
                .map(|&(tab, frame, kind, call, now)| {
                    let mut r = record(tab, frame, kind, call);
                    pending.mark(&mut r, now);
                    r.fired.map(|f| f.nonce)
                })
                .collect();
            let want: Vec<Option<String>> = want.into_iter().map(|w| w.map(String::from)).collect();
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn the_list_is_bounded() {
        let mut pending = Pending::default();
        for i in 0..MAX_PENDING + 10 {
            pending.expect(expected(&format!("n{i}"), Some(0), 100.0), 100.0);
        }
        assert_eq!(pending.len(), MAX_PENDING);
        pending.expect(expected("late", Some(0), 100.0 + FIRE_WINDOW_MS + 1.0), 0.0);
        let mut pending2 = pending.clone();
        pending2.expect(
            expected("x", Some(0), 2.0 * FIRE_WINDOW_MS),
            2.0 * FIRE_WINDOW_MS + 200.0,
        );
        assert_eq!(pending2.len(), 1, "the old ones are pruned");
    }

    #[test]
    fn retry_or_not() {
        let cases = [
            ("No tab with id: 5.", false),
            ("Cannot access contents of url \"chrome://newtab/\".", false),
            ("No frame with id 3 in tab 5.", false),
            ("Frame with ID 0 is showing error page", true),
            ("The frame was removed.", true),
        ];
        for (error, retry) in cases {
            assert_eq!(injection_may_retry(error), retry, "{error}");
        }
    }

    #[test]
    fn the_sites_tabs() {
        let tabs = [
            (1, Some("https://shop.example/a".to_string())),
            (2, Some("https://SHOP.example/b?x#y".to_string())),
            (3, Some("https://shop.example:8443/".to_string())),
            (4, Some("http://shop.example/".to_string())),
            (5, None),
            (6, Some("about:blank".to_string())),
            (7, Some("https://user@shop.example/c".to_string())),
        ];
        assert_eq!(site_tabs(2, &tabs), vec![2, 1, 7]);
        assert_eq!(site_tabs(5, &tabs), vec![5]);
        assert_eq!(site_tabs(6, &tabs), vec![6]);
        assert_eq!(site_tabs(9, &tabs), vec![9]);
    }

    /// A literal reads back as the same value (the escapes are JSON's too), and holds none
    /// of the characters that end a script element or a line in older engines.
    #[test]
    fn literals_read_back() {
        let values = [
            json!({"callId": "</script><!-- & \u{2028}\u{2029} \" \\ \n"}),
            json!(["<", ">", "&", 1.5, null, true, {"a<b": {"c>d": []}}]),
            json!("\u{0}\u{1f}\u{7f}😀"),
        ];
        for value in values {
            let literal = js_literal(&value);
            assert_eq!(serde_json::from_str::<Value>(&literal).unwrap(), value);
            for bad in ['<', '>', '&', '\u{2028}', '\u{2029}', '\n'] {
                assert!(!literal.contains(bad), "{literal} holds {bad:?}");
            }
        }
    }

    #[test]
    fn target_wire_shapes() {
        let cases = [
            (FireTarget::Top, json!({"to": "top"})),
            (
                FireTarget::Frame { frame_id: 17 },
                json!({"to": "frame", "frameId": 17}),
            ),
            (FireTarget::AllFrames, json!({"to": "allFrames"})),
            (FireTarget::SiteTabs, json!({"to": "siteTabs"})),
        ];
        for (target, wire) in cases {
            assert_eq!(serde_json::to_value(target).unwrap(), wire);
            assert_eq!(serde_json::from_value::<FireTarget>(wire).unwrap(), target);
        }
    }
}
