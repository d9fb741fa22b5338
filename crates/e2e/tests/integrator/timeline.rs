//! The page's own handlers on screen, in Chromium and Firefox, on the fixture app without
//! its `callEnded` listeners and with a misspelt one (`/app?without=callEnded&typo`): the
//! panel page's "Page handlers" box is off by default; one click turns it on for the
//! site and says to reload; after the reload it lists the app's listeners per event with
//! `app.js:<line>`, and the findings (no `callEnded` listener, the typo) in the box and a
//! banner, all labelled as reported by the page. The inspector then fires `callRequested`
//! and `callAccepted`: the call's timeline shows on each step the inspector's mark and
//! which listeners ran, and on `callAccepted` the TypeError the app's analytics listener
//! threw, at its line, with its stack; the page's own `onerror` still saw it. One click
//! turns the site off again.

use std::time::Duration;

use fvi_e2e::{Browser, BrowserKind};
use serde_json::{json, Value};

use super::app;
use crate::common::{
    self, extension_eval, run, send_from_extension_page, tab_id_of, wait_eq, wait_for_log,
};

const WAIT: Duration = Duration::from_secs(60);

const CALL: &str = "tl-1";

/// The box's summary, toggle label and `aria-pressed`, and whether Reload shows.
fn box_state(b: &Browser) -> Value {
    run(
        b,
        "const t = document.getElementById('handlers-toggle');\
         return [document.getElementById('handlers-summary').textContent,\
                 t.hidden ? null : t.textContent, t.getAttribute('aria-pressed'),\
                 !document.getElementById('handlers-reload').hidden];",
    )
}

/// Waits until the box says it is off and offers to turn it on.
fn wait_off(b: &Browser, what: &str) {
    let off = json!([
        "Page handlers: off",
        "Watch this site's handlers",
        "false",
        false
    ]);
    wait_eq(b, what, off, box_state);
}

/// The listeners the box lists: `[type, [line texts]]` per event, top frame.
fn listed(b: &Browser) -> Value {
    run(
        b,
        "const page = document.querySelector('#handlers-pages li.handlers-page');\
         if (!page) return null;\
         return [...page.querySelectorAll('li.handler-event')].map((e) =>\
           [e.dataset.type, [...e.querySelectorAll('li.listener')].map((l) => l.textContent)]);",
    )
}

/// What the background stored and registered for handlers, for a failure's message.
fn stored(b: &Browser) -> Value {
    extension_eval(
        b,
        "const all = await api.storage.local.get(['handlerSites', 'handlerReports']);\
         let registered = null;\
         try { registered = await api.scripting.getRegisteredContentScripts(); }\
         catch (e) { registered = String(e); }\
         return { all, registered };",
        &[],
    )
}

fn fire(b: &Browser, tab: i64, kind: &str) {
    let answer = send_from_extension_page(
        b,
        &json!({"kind": "fire", "v": 1, "tabId": tab, "target": {"to": "top"},
                "type": format!("fullview:{kind}"), "detail": {"callId": CALL}}),
    );
    assert_eq!(answer["kind"], "fired", "{answer}");
}

/// Per step of the selected call: `[type, marked, summary, runs, threw run texts, stacks]`.
fn steps(b: &Browser) -> Value {
    run(
        b,
        "return [...document.querySelectorAll('#timeline li.step[data-seq]')].map((s) => {\
           const h = s.querySelector('.handled');\
           return [s.querySelector('.kind').textContent,\
             !!s.querySelector('.fired-mark'),\
             h ? h.querySelector('.handled-summary').textContent : null,\
             h ? h.querySelectorAll('li.run').length : 0,\
             h ? [...h.querySelectorAll('li.run.threw')].map((r) => r.firstChild.textContent) : [],\
             h ? [...h.querySelectorAll('li.run.threw pre.stack')].map((p) => p.textContent) : []];\
         });",
    )
}

fn handlers_on_the_timeline(kind: BrowserKind) {
    let browser = common::launch(kind);
    let b = &browser;
    let server = app::server();
    let url = server.url(&format!("{}?without=callEnded&typo", app::PATH));
    let site = server.url("").trim_end_matches('/').to_string();
    let app_tab = b.open_tab(&url).unwrap();
    app::wait_ready(b);
    let tab = tab_id_of(b, &url);
    let panel = b
        .open_extension_page(&format!("popup/popup.html?host=devtools&tab={tab}"))
        .unwrap();

    // Off by default; one click turns it on and says to reload.
    run(b, "document.getElementById('handlers-box').open = true;");
    wait_off(b, "the box, off");
    run(b, "document.getElementById('handlers-toggle').click();");
    let on = format!("Page handlers: on for {site}");
    wait_eq(
        b,
        "the box, on, asking to reload",
        json!([on, "Turn off", "true", true]),
        box_state,
    );
    assert_eq!(
        run(
            b,
            "return document.getElementById('handlers-state').textContent;"
        ),
        json!(format!("On for {site}. Reload the page to start."))
    );

    // Reload: the page's listeners are listed, with where each was added.
    run(b, "document.getElementById('handlers-reload').click();");
    let machine = format!("app.js:{}", app::line_of("'fullview:' + type, machine"));
    let at = |text: &str| format!("app.js:{}", app::line_of(text));
    let want = json!([
        [
            "fullview:callRequested",
            [
                machine,
                at("  if (on('callRequested')) window.addEventListener")
            ]
        ],
        [
            "fullview:callAccepted",
            [machine, at("'fullview:callAccepted', analytics")]
        ],
        ["fullview:callDenied", [machine]],
        [
            "fullview:supportRequested",
            [
                machine,
                format!("{} · once", at("'fullview:supportRequested', welcome"))
            ]
        ],
        ["fullview:supportRequestCancelledByCustomer", [machine]],
        ["fullview:supportRequestCancelledByAgent", [machine]],
        ["fullview:supportRequestTaken", [machine]],
        // The misspelt name is listed too, after the eight; the inline script's site is
        // the page itself.
        [
            "fullview:callaccepted",
            [format!(
                "app:{}",
                app::html_line_of("'fullview:callaccepted'")
            )]
        ],
    ]);
    let mut last = Value::Null;
    fvi_e2e::wait_until(WAIT, "the app's listeners listed", || {
        last = listed(b);
        Ok((last == want).then_some(()))
    })
    .unwrap_or_else(|e| panic!("{e}\n  want: {want}\n  last: {last}\n{}", stored(b)));
    wait_eq(
        b,
        "the box, on, reporting",
        json!([on, "Turn off", "true", false]),
        box_state,
    );

    // The findings, in the box and the banner, as reported by the page.
    let findings = run(
        b,
        "return [...document.querySelectorAll('.handlers-findings li.finding')]\
           .map((f) => f.textContent);",
    );
    let reported = " (reported by the page)";
    assert_eq!(
        findings,
        json!([
            format!("The page listens for callRequested but not for callEnded{reported}"),
            format!("The page listens for callAccepted but not for callEnded{reported}"),
            format!("The page listens for supportRequestTaken but not for callEnded{reported}"),
            format!(
                "The page listens for fullview:callaccepted, which is not a Fullview event; \
                 did you mean fullview:callAccepted?{reported}"
            ),
        ])
    );
    let banner = run(
        b,
        "const e = document.getElementById('handlers-banner');\
         return e.hidden ? null : e.textContent;",
    );
    assert_eq!(
        banner,
        json!(
            "The page listens for callRequested but not for callEnded (and 3 more), \
             reported by the page."
        )
    );

    // The inspector fires; the timeline shows its marks, the runs and the throw.
    fire(b, tab, "callRequested");
    fire(b, tab, "callAccepted");
    wait_for_log(b, WAIT, "both fired events", |_, events| {
        events.iter().filter(|e| e["callId"] == CALL).count() == 2
    });
    b.switch_to_window(&panel).unwrap();
    wait_eq(b, "call tl-1 listed", json!(true), |b| {
        run(
            b,
            "return !!document.querySelector('#calls .call[data-call-id=\"tl-1\"]');",
        )
    });
    run(
        b,
        "document.querySelector('#calls .call[data-call-id=\"tl-1\"]').click();",
    );
    let throw_at = format!(" at app.js:{}", app::throw_line());
    let done = |v: &Value| {
        v.as_array().is_some_and(|s| {
            s.len() == 2 && s.iter().all(|step| step[2].is_string() && step[3] == 2)
        })
    };
    let mut last = Value::Null;
    let got = fvi_e2e::wait_until(WAIT, "the runs on both steps", || {
        last = steps(b);
        Ok(done(&last).then(|| last.clone()))
    })
    .unwrap_or_else(|e| panic!("{e}\nlast: {last}"));
    assert_eq!(got[0][0], "callRequested", "{got}");
    assert_eq!(got[0][1], true, "marked: {got}");
    assert_eq!(got[0][2], "handled by 2 listeners", "{got}");
    assert_eq!(got[0][4], json!([]), "{got}");
    assert_eq!(got[1][0], "callAccepted", "{got}");
    assert_eq!(got[1][1], true, "marked: {got}");
    let summary = got[1][2].as_str().unwrap();
    assert!(
        summary.starts_with("handled by 2 listeners; 1 threw TypeError: ")
            && summary.ends_with(&throw_at),
        "{summary}"
    );
    let threw = got[1][4][0].as_str().unwrap();
    let added = at("'fullview:callAccepted', analytics");
    assert!(
        threw.starts_with(&format!("listener added at {added} · "))
            && threw.contains(" · threw TypeError: ")
            && threw.ends_with(&throw_at),
        "{threw}"
    );
    let stack = got[1][5][0].as_str().unwrap();
    assert!(
        stack.contains(&format!("app.js:{}", app::throw_line())),
        "{stack}"
    );
    let labelled = run(
        b,
        "return [...document.querySelectorAll('#timeline .handled .reported')]\
           .map((r) => r.textContent);",
    );
    assert_eq!(labelled, json!([reported, reported]));

    // The page's own onerror still saw the throw, once.
    b.switch_to_window(&app_tab).unwrap();
    let errors = app::errors(b);
    assert_eq!(errors.as_array().unwrap().len(), 1, "{errors}");
    assert_eq!(errors[0]["line"], app::throw_line(), "{errors}");

    // One click turns it off.
    b.switch_to_window(&panel).unwrap();
    run(b, "document.getElementById('handlers-toggle').click();");
    wait_off(b, "the box, off again");
}

#[test]
fn handlers_on_the_timeline_in_chromium() {
    handlers_on_the_timeline(BrowserKind::Chromium);
}

#[test]
fn handlers_on_the_timeline_in_firefox() {
    handlers_on_the_timeline(BrowserKind::Firefox);
}
