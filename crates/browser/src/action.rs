//! `action`: the toolbar button's badge.

use crate::{api, to_js, Result};

/// Shows `text` on the toolbar icon for one tab.
pub async fn set_badge(tab_id: i64, text: &str) -> Result<()> {
    let details = to_js(&serde_json::json!({ "tabId": tab_id, "text": text }))?;
    api::call(&["action"], "setBadgeText", &[details]).await?;
    Ok(())
}

pub async fn set_badge_color(color: &str) -> Result<()> {
    let details = to_js(&serde_json::json!({ "color": color }))?;
    api::call(&["action"], "setBadgeBackgroundColor", &[details]).await?;
    Ok(())
}
