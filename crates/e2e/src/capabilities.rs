//! Session capabilities for each browser: headless, a fresh profile, downloads into a
//! fresh folder without asking, and nothing that phones home (the machine is offline, and
//! background network chatter slows startup and pollutes logs).

use std::path::Path;
use std::time::Duration;

use serde_json::{json, Map, Value};

/// Knobs for [`crate::Browser::launch_with`].
#[derive(Clone, Debug)]
pub struct LaunchOptions {
    /// Firefox: `extensions.background.idle.timeout`, how long the MV3 event page may sit
    /// idle before Firefox suspends it (Firefox's default is 30 s). Chromium has no
    /// equivalent switch (its service worker idles out after ~30 s); use
    /// [`crate::Browser::stop_background`] there.
    pub background_idle_timeout: Option<Duration>,
    /// Window (and so viewport/screenshot) size.
    pub window_size: (u32, u32),
    /// Extra prefs: Firefox pref names, or Chromium dotted pref paths
    /// (`"download.prompt_for_download"`).
    pub extra_prefs: Vec<(String, Value)>,
    /// Extra browser command-line arguments.
    pub extra_args: Vec<String>,
    /// Leave the profile and downloads folders on disk after drop (debugging).
    pub keep_dirs: bool,
}

impl Default for LaunchOptions {
    fn default() -> Self {
        LaunchOptions {
            background_idle_timeout: None,
            window_size: (1280, 900),
            extra_prefs: Vec::new(),
            extra_args: Vec::new(),
            keep_dirs: false,
        }
    }
}

/// The flags every headless Chromium here starts with (the benchmarks that start Chromium
/// without chromedriver use them too).
pub const CHROMIUM_FLAGS: &[&str] = &[
    // `--headless=new` is the real browser without a window; the old headless mode
    // had no extension support.
    "--headless=new",
    // Containers run as root without user namespaces: the sandbox cannot start.
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--password-store=basic",
    "--use-mock-keychain",
    "--disable-client-side-phishing-detection",
    // Branded Chrome 137+ ignores --load-extension unless this feature is off; Debian's
    // unbranded Chromium honours it anyway, and the flag is harmless there.
    "--disable-features=DisableLoadExtensionCommandLineSwitch,Translate,MediaRouter,OptimizationHints",
];

/// Chromium's command line: [`CHROMIUM_FLAGS`], the window size, the profile, and the
/// unpacked extension at `extension` (loaded alone) when there is one. The benchmark that
/// starts Chromium without chromedriver (`xtask/bench/page_bare.rs`) uses it too.
pub fn chromium_args(
    window_size: (u32, u32),
    profile: &Path,
    extension: Option<&Path>,
) -> Vec<String> {
    let (w, h) = window_size;
    let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|s| s.to_string()).collect();
    args.push(format!("--window-size={w},{h}"));
    args.push(format!("--user-data-dir={}", profile.display()));
    if let Some(extension) = extension {
        args.push(format!("--load-extension={}", extension.display()));
        args.push(format!(
            "--disable-extensions-except={}",
            extension.display()
        ));
    }
    args
}

/// chromedriver capabilities for Chromium, with the unpacked extension at `extension` when
/// there is one.
pub fn chromium(
    binary: &Path,
    extension: Option<&Path>,
    profile: &Path,
    downloads: &Path,
    options: &LaunchOptions,
) -> Value {
    let mut args = chromium_args(options.window_size, profile, extension);
    args.extend(options.extra_args.iter().cloned());

    let mut prefs = json!({
        "download": {
            "default_directory": downloads.to_string_lossy(),
            "prompt_for_download": false,
            "directory_upgrade": true,
        },
        // A second download from the same page would otherwise wait on a permission
        // prompt ("download multiple files") that headless never shows.
        "profile": { "default_content_setting_values": { "automatic_downloads": 1 } },
        "safebrowsing": { "enabled": false },
    });
    for (name, value) in &options.extra_prefs {
        set_dotted(&mut prefs, name, value.clone());
    }

    json!({
        "pageLoadStrategy": "normal",
        "goog:chromeOptions": {
            "binary": binary.to_string_lossy(),
            "args": args,
            "prefs": prefs,
            // chromedriver adds --enable-automation (an infobar, and on some builds
            // extension restrictions); the harness does not need it.
            "excludeSwitches": ["enable-automation"],
        },
    })
}

/// Chromium's `prefs` are a nested object; `a.b.c` names a leaf.
fn set_dotted(root: &mut Value, dotted: &str, value: Value) {
    let mut node = root;
    let parts: Vec<&str> = dotted.split('.').collect();
    for part in &parts[..parts.len() - 1] {
        if !node.get(*part).is_some_and(Value::is_object) {
            node[*part] = Value::Object(Map::new());
        }
        node = &mut node[*part];
    }
    node[parts[parts.len() - 1]] = value;
}

/// geckodriver capabilities for Firefox ESR (the add-on is installed after the session
/// starts, through `moz/addon/install`). `pinned_uuid` is `(add-on id, moz-extension host)`.
pub fn firefox(
    binary: &Path,
    profile: &Path,
    downloads: &Path,
    pinned_uuid: (&str, &str),
    options: &LaunchOptions,
) -> Value {
    let mut prefs = Map::new();
    let mut set = |name: &str, value: Value| {
        prefs.insert(name.to_string(), value);
    };
    // Pin the moz-extension://<uuid> host before install; Firefox otherwise picks a random
    // UUID per profile.
    set(
        "extensions.webextensions.uuids",
        Value::String(json!({ pinned_uuid.0: pinned_uuid.1 }).to_string()),
    );
    // Downloads: straight into our folder, never a dialog, never the downloads panel.
    set("browser.download.folderList", json!(2));
    set("browser.download.dir", json!(downloads.to_string_lossy()));
    set("browser.download.useDownloadDir", json!(true));
    set(
        "browser.download.always_ask_before_handling_new_types",
        json!(false),
    );
    set(
        "browser.helperApps.neverAsk.saveToDisk",
        json!("application/json"),
    );
    set("browser.download.start_downloads_in_tmp_dir", json!(false));
    set("browser.download.alwaysOpenPanel", json!(false));
    set("browser.download.manager.showWhenStarting", json!(false));
    set("browser.download.panel.shown", json!(true));
    // Safe Browsing's download reputation check would try the network first.
    set("browser.safebrowsing.downloads.enabled", json!(false));
    set(
        "browser.safebrowsing.downloads.remote.enabled",
        json!(false),
    );
    set("browser.safebrowsing.malware.enabled", json!(false));
    set("browser.safebrowsing.phishing.enabled", json!(false));
    set("browser.safebrowsing.blockedURIs.enabled", json!(false));
    // Offline quiet: no updates, telemetry, start pages, or connectivity probes.
    for name in [
        "app.update.disabledForTesting",
        "browser.newtabpage.enabled",
        "browser.shell.checkDefaultBrowser",
        "browser.aboutwelcome.enabled",
        "browser.uitour.enabled",
        "browser.discovery.enabled",
        "browser.region.update.enabled",
        "browser.search.update",
        "datareporting.policy.dataSubmissionEnabled",
        "datareporting.healthreport.uploadEnabled",
        "toolkit.telemetry.enabled",
        "toolkit.telemetry.unified",
        "extensions.update.enabled",
        "extensions.update.autoUpdateDefault",
        "extensions.getAddons.cache.enabled",
        "extensions.systemAddon.update.enabled",
        "extensions.blocklist.enabled",
        "media.gmp-manager.updateEnabled",
        "network.captive-portal-service.enabled",
        "network.connectivity-service.enabled",
        // Nimbus/Normandy fetch experiments from Remote Settings and log a sync error
        // offline.
        "messaging-system.rsexperimentloader.enabled",
        "app.normandy.enabled",
        "app.shield.optoutstudies.enabled",
    ] {
        set(name, json!(name == "app.update.disabledForTesting"));
    }
    set("browser.startup.page", json!(0));
    set("browser.startup.homepage", json!("about:blank"));
    set("startup.homepage_welcome_url", json!("about:blank"));
    set("browser.startup.homepage_override.mstone", json!("ignore"));
    set("network.proxy.type", json!(0));
    // Unsigned add-ons: needed only for non-temporary installs of unpacked builds.
    set("xpinstall.signatures.required", json!(false));
    // console.* from pages, extension pages and background scripts goes to stdout, i.e.
    // the driver log (Browser::driver_log), instead of only to the invisible devtools.
    set("devtools.console.stdout.content", json!(true));
    set("devtools.console.stdout.chrome", json!(true));
    if let Some(idle) = options.background_idle_timeout {
        // Milliseconds of inactivity before Firefox suspends the MV3 event page
        // (default 30 000).
        set(
            "extensions.background.idle.timeout",
            json!(idle.as_millis() as u64),
        );
    }
    for (name, value) in &options.extra_prefs {
        set(name, value.clone());
    }

    // No -width/-height: Firefox 153 logs them as unrecognized; the launcher sets the
    // window rect through WebDriver instead.
    let mut args = vec![
        "-headless".to_string(),
        "-profile".to_string(),
        profile.to_string_lossy().into_owned(),
    ];
    args.extend(options.extra_args.iter().cloned());
    json!({
        "browserName": "firefox",
        "pageLoadStrategy": "normal",
        "moz:firefoxOptions": {
            "binary": binary.to_string_lossy(),
            "args": args,
            "prefs": prefs,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_prefs_nest() {
        let mut v = json!({ "download": { "a": 1 } });
        set_dotted(&mut v, "download.b.c", json!(true));
        set_dotted(&mut v, "x", json!(2));
        assert_eq!(
            v,
            json!({ "download": { "a": 1, "b": { "c": true } }, "x": 2 })
        );
    }
}
