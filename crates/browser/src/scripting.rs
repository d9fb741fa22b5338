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
