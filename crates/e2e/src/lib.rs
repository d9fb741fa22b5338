//! End-to-end rig: loads the built extension into real headless Chromium and Firefox ESR
//! through chromedriver/geckodriver, and serves fixture pages from 127.0.0.1.
//!
//! Typical test:
//!
//! ```no_run
//! use fvi_e2e::{dist_dir, Browser, BrowserKind, FixtureServer, Route};
//! let server = FixtureServer::start([("/page.html", Route::html("<p>hi</p>"))]).unwrap();
//! let dir = dist_dir(BrowserKind::Chromium).unwrap_or_else(|e| panic!("{e}"));
//! let browser = Browser::launch(BrowserKind::Chromium, &dir).unwrap_or_else(|e| panic!("{e}"));
//! browser.navigate(&server.url("/page.html")).unwrap();
//! ```
//!
//! Nothing here skips: a browser or driver that cannot start is an `Err`, and tests
//! panic with it.

pub mod browser;
mod capabilities;
pub mod cdp;
pub use capabilities::{chromium_args, CHROMIUM_FLAGS};
mod downloads;
mod driver;
pub mod server;
mod wait;
pub mod webdriver;

use std::path::PathBuf;

pub use browser::{
    Browser, BrowserKind, LaunchOptions, CHROMIUM_EXTENSION_ID, FIREFOX_ADDON_ID,
    FIREFOX_EXTENSION_UUID,
};
pub use server::{FixtureServer, Request, Route};
/// Every browser gets its own profile and downloads folder, so tests running in parallel
/// threads never share state.
pub use tempfile::TempDir;
pub use wait::wait_until;
pub use webdriver::{Element, WebDriver};

/// A fresh directory `<tmp>/fvi-e2e-<label>-<random>`, removed (best effort) when dropped.
pub fn temp_dir(label: &str) -> Result<TempDir, String> {
    tempfile::Builder::new()
        .prefix(&format!("fvi-e2e-{label}-"))
        .tempdir()
        .map_err(|e| format!("cannot create a temp dir for {label}: {e}"))
}

/// The workspace root (this crate lives in `<root>/crates/e2e`).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|_| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")))
}

/// The unpacked extension the build driver produced for `kind`: `<root>/dist/chrome` or
/// `<root>/dist/firefox` (or under `$FVI_DIST`, which the driver honours too, so two
/// people can build side by side).
pub fn dist_dir(kind: BrowserKind) -> Result<PathBuf, String> {
    let dist = std::env::var_os("FVI_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("dist"));
    let dir = dist.join(kind.dist_name());
    if dir.join("manifest.json").is_file() {
        Ok(dir)
    } else {
        Err(format!(
            "no built extension at {} (missing manifest.json): run `cargo fvi build` first",
            dir.display()
        ))
    }
}
