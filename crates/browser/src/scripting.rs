//! `scripting.executeScript`: injects extension files into one frame of one tab, or into
//! every frame of every open tab.

use serde_json::Value;

use js_sys::Promise;
use wasm_bindgen_futures::JsFuture;

use crate::{api, from_js, to_js, BrowserError, Result};

/// Runs `files` (extension paths) in the content-script world of `frame_id` in `tab_id`.
/// Injected files are not subject to the page's CSP, unlike anything the page could load.
pub async fn inject(tab_id: i64, frame_id: i64, files: &[&str]) -> Result<()> {
    let details = to_js(&serde_json::json!({
        "target": { "tabId": tab_id, "frameIds": [frame_id] },
        "files": files,
    }))?;
    api::call(&["scripting"], "executeScript", &[details]).await?;
    Ok(())
}

/// What [`inject_everywhere`] did: tabs injected, and tabs the browser refused (pages no
/// extension may script, such as `chrome://` or `about:addons`, a discarded tab, one
/// closing), each with the browser's message.
#[derive(Debug, Default)]
pub struct Everywhere {
    pub injected: Vec<i64>,
    pub refused: Vec<(i64, String)>,
}

/// Runs `files` in the content-script world of every frame of every open tab
/// (`tabs.query({})`, then one `executeScript` with `allFrames` per tab, all started at
/// once so a tab that is slow to answer, loading or closing, holds no other back). A tab the
/// browser refuses does not stop the others.
pub async fn inject_everywhere(files: &[&str]) -> Result<Everywhere> {
    let query = to_js(&serde_json::json!({}))?;
    let tabs = from_js(&api::call(&["tabs"], "query", &[query]).await?);
    let ids: Vec<i64> = tabs
        .as_array()
        .map(|tabs| {
            tabs.iter()
                .filter_map(|t| t.get("id").and_then(Value::as_i64))
                .collect()
        })
        .unwrap_or_default();
    let mut started = Vec::new();
    for tab_id in ids {
        let details = to_js(&serde_json::json!({
            "target": { "tabId": tab_id, "allFrames": true },
            "files": files,
        }))?;
        started.push((
            tab_id,
            api::call_sync(&["scripting"], "executeScript", &[details]),
        ));
    }
    let mut done = Everywhere::default();
    for (tab_id, call) in started {
        let result = match call {
            Ok(promise) => JsFuture::from(Promise::resolve(&promise))
                .await
                .map_err(BrowserError::from),
            Err(e) => Err(e),
        };
        match result {
            Ok(_) => done.injected.push(tab_id),
            Err(e) => done.refused.push((tab_id, e.0)),
        }
    }
    Ok(done)
}

/// Runs `files` in the page's own world (`world: "MAIN"`) of `frame_id` in `tab_id`.
pub async fn inject_main(tab_id: i64, frame_id: i64, files: &[&str]) -> Result<()> {
    let details = to_js(&serde_json::json!({
        "target": { "tabId": tab_id, "frameIds": [frame_id] },
        "files": files,
        "world": "MAIN",
    }))?;
    api::call(&["scripting"], "executeScript", &[details]).await?;
    Ok(())
}

/// Fires the `CustomEvent` `name` with `detail` on `window` in the page's own world
/// (`world: "MAIN"`) of `frame_id` in `tab_id`, or of every frame when `frame_id` is
/// `None`, so the page's listeners get a real object `detail`; returns the ids of the
/// frames that ran it. The function comes from `background/boot.js` (`fviFire`): the
/// worker's CSP forbids making one from text, and `executeScript` takes a function.
pub async fn fire_main(
    tab_id: i64,
    frame_id: Option<i64>,
    name: &str,
    detail: &Value,
) -> Result<Vec<i64>> {
    let func = js_sys::Reflect::get(&js_sys::global(), &"fviFire".into())?;
    if !func.is_function() {
        return Err(BrowserError("background/boot.js defines no fviFire".into()));
    }
    let target = match frame_id {
        Some(frame) => serde_json::json!({ "tabId": tab_id, "frameIds": [frame] }),
        None => serde_json::json!({ "tabId": tab_id, "allFrames": true }),
    };
    let details = to_js(&serde_json::json!({
        "target": target,
        "world": "MAIN",
        "args": [name, detail],
    }))?;
    js_sys::Reflect::set(&details, &"func".into(), &func)?;
    let results = from_js(&api::call(&["scripting"], "executeScript", &[details]).await?);
    Ok(results
        .as_array()
        .map(|r| {
            r.iter()
                .filter(|r| r.get("result") == Some(&Value::Bool(true)))
                .filter_map(|r| r.get("frameId").and_then(Value::as_i64))
                .collect()
        })
        .unwrap_or_default())
}

/// The frames of `tab_id` now, as `(frame id, URL)`, top frame first: `executeScript` of
/// `fviFrameUrl` (defined by `popup/boot.js`) in every frame. Frames the browser will not
/// script (another extension's) are left out.
pub async fn frames(tab_id: i64) -> Result<Vec<(i64, String)>> {
    let func = js_sys::Reflect::get(&js_sys::global(), &"fviFrameUrl".into())?;
    if !func.is_function() {
        return Err(BrowserError("this page defines no fviFrameUrl".into()));
    }
    let details = to_js(&serde_json::json!({
        "target": { "tabId": tab_id, "allFrames": true },
    }))?;
    js_sys::Reflect::set(&details, &"func".into(), &func)?;
    let results = from_js(&api::call(&["scripting"], "executeScript", &[details]).await?);
    let mut frames: Vec<(i64, String)> = results
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(|r| {
                    let id = r.get("frameId").and_then(Value::as_i64)?;
                    let url = r.get("result").and_then(Value::as_str).unwrap_or_default();
                    Some((id, url.to_string()))
                })
                .collect()
        })
        .unwrap_or_default();
    frames.sort_by_key(|(id, _)| *id);
    Ok(frames)
}

/// The match patterns of the registered content script `id`, or `None` when none is
/// registered under that id.
pub async fn registered_matches(id: &str) -> Result<Option<Vec<String>>> {
    let filter = to_js(&serde_json::json!({ "ids": [id] }))?;
    let scripts =
        from_js(&api::call(&["scripting"], "getRegisteredContentScripts", &[filter]).await?);
    Ok(scripts.as_array().and_then(|s| s.first()).map(|script| {
        script
            .get("matches")
            .and_then(Value::as_array)
            .map(|m| {
                m.iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default()
    }))
}

/// Registers `files` to run in the page's own world from document_start, in every frame of
/// the documents `matches` names (and in `about:`, `data:` and `blob:` frames those documents
/// create: `matchOriginAsFallback`), under `id`; or, when `exists`, changes that
/// registration's patterns. Kept across browser restarts where the browser allows (see
/// `../shared/platform-notes.md`: not under Chromium's `--load-extension`, nor for Firefox's
/// temporary add-ons).
pub async fn register_main(
    id: &str,
    files: &[&str],
    matches: &[String],
    exists: bool,
) -> Result<()> {
    register_in(id, files, matches, exists, true).await
}

/// [`register_main`] in the page's own world (`main`) or in the content-script world.
pub async fn register_in(
    id: &str,
    files: &[&str],
    matches: &[String],
    exists: bool,
    main: bool,
) -> Result<()> {
    let script = serde_json::json!({
        "id": id,
        "js": files,
        "matches": matches,
        "runAt": "document_start",
        "allFrames": true,
        "matchOriginAsFallback": true,
        "world": if main { "MAIN" } else { "ISOLATED" },
        "persistAcrossSessions": true,
    });
    let method = if exists {
        "updateContentScripts"
    } else {
        "registerContentScripts"
    };
    let scripts = to_js(&serde_json::json!([script]))?;
    api::call(&["scripting"], method, &[scripts]).await?;
    Ok(())
}

/// Removes the registered content script `id`.
pub async fn unregister(id: &str) -> Result<()> {
    let filter = to_js(&serde_json::json!({ "ids": [id] }))?;
    api::call(&["scripting"], "unregisterContentScripts", &[filter]).await?;
    Ok(())
}

/// True where content scripts read a page's objects through Xray wrappers (Firefox), so a
/// page event's `detail` reaches them whole; false where they get a structured clone, `null`
/// when the clone fails (Chromium), and need the describer. The worker cannot probe that
/// behaviour itself; `runtime.getBrowserInfo` exists only in Firefox's extension API (MDN,
/// "runtime.getBrowserInfo": Firefox only), so its presence tells the two apart without
/// reading the user agent.
pub fn details_reach_content_scripts_whole() -> bool {
    api::get(&["runtime", "getBrowserInfo"]).is_ok_and(|f| f.is_function())
}
