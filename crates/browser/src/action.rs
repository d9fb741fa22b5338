//! `action`: the toolbar button's badge, and whether it opens the popup or the side panel.

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

/// Makes the toolbar button open the side panel (`panel`) or the popup. Without a popup
/// the button opens Chromium's side panel through `sidePanel.setPanelBehavior`, and in
/// Firefox fires `action.onClicked`, where background/boot.js toggles the sidebar (it must
/// happen during the click, before the wasm could run). Neither browser keeps a popup
/// changed at run time across a restart, so the background applies the stored setting at
/// every start.
pub async fn set_opens_panel(panel: bool) -> Result<()> {
    let popup = if panel { "" } else { "popup/popup.html" };
    let details = to_js(&serde_json::json!({ "popup": popup }))?;
    api::call(&["action"], "setPopup", &[details]).await?;
    if api::get(&["sidePanel", "setPanelBehavior"]).is_ok_and(|f| f.is_function()) {
        let behavior = to_js(&serde_json::json!({ "openPanelOnActionClick": panel }))?;
        api::call(&["sidePanel"], "setPanelBehavior", &[behavior]).await?;
    }
    Ok(())
}
