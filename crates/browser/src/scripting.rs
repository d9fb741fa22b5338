//! `scripting.executeScript`: injects extension files into one frame of one tab.

use crate::{api, to_js, Result};

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
