//! Launching headless Chromium or Firefox ESR with the unpacked extension loaded, through
//! chromedriver/geckodriver, each with a fresh profile and downloads folder, plus the
//! extension-specific operations tests need (open an extension page, stop the background,
//! wait for a download).

use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};

pub use crate::capabilities::LaunchOptions;

use crate::capabilities;
use crate::downloads;
use crate::driver::DriverProcess;
use crate::wait::wait_until;
use crate::webdriver::WebDriver;
use crate::{temp_dir, TempDir};

/// The Chromium extension id, fixed by the manifest's `key` (the id is derived from the
/// public key, not from the folder, so it is the same on every machine).
pub const CHROMIUM_EXTENSION_ID: &str = "olbjfehhgbmckklpmlopphdbjbdbkgai";
/// `browser_specific_settings.gecko.id` in the manifest.
pub const FIREFOX_ADDON_ID: &str = "fullview-event-inspector@example.com";
/// The moz-extension host, pinned through the `extensions.webextensions.uuids` pref.
pub const FIREFOX_EXTENSION_UUID: &str = "6f1e4c2a-2b4d-4f57-9a55-0f5b3a1c9e11";

const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BrowserKind {
    Chromium,
    Firefox,
}

impl BrowserKind {
    pub const ALL: [BrowserKind; 2] = [BrowserKind::Chromium, BrowserKind::Firefox];

    /// `"chromium"` or `"firefox"` (for labels and file names).
    pub fn name(self) -> &'static str {
        match self {
            BrowserKind::Chromium => "chromium",
            BrowserKind::Firefox => "firefox",
        }
    }

    /// The folder under `dist/` the build driver writes for this browser.
    pub fn dist_name(self) -> &'static str {
        match self {
            BrowserKind::Chromium => "chrome",
            BrowserKind::Firefox => "firefox",
        }
    }
}

/// A headless browser with the extension loaded. Derefs to its [`WebDriver`] session.
/// Dropping it ends the session and kills the driver and the browser.
pub struct Browser {
    kind: BrowserKind,
    webdriver: WebDriver,
    extension_host: String,
    /// The unpacked extension loaded (empty without one), for [`Browser::reload_extension`].
    extension_dir: PathBuf,
    options: LaunchOptions,
    // Field order matters for Drop: the driver (and browser) die before their folders go.
    driver: DriverProcess,
    downloads: TempDir,
    profile: TempDir,
}

impl Deref for Browser {
    type Target = WebDriver;
    fn deref(&self) -> &WebDriver {
        &self.webdriver
    }
}

/// `$env` if set, else the first candidate that exists (a bare name is looked up on PATH).
fn program(env: &str, candidates: &[&str]) -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os(env) {
        return Ok(PathBuf::from(p));
    }
    let path_dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    for c in candidates {
        let c = c.replace('~', &std::env::var("HOME").unwrap_or_default());
        let p = PathBuf::from(&c);
        if p.is_absolute() {
            if p.is_file() {
                return Ok(p);
            }
        } else if let Some(found) = path_dirs.iter().map(|d| d.join(&c)).find(|p| p.is_file()) {
            return Ok(found);
        }
    }
    Err(format!(
        "none of {candidates:?} found (set {env} to its path)"
    ))
}

/// Starts chromedriver or geckodriver on a free port, logging to `log_path`.
fn spawn_driver(kind: BrowserKind, log_path: &Path) -> Result<DriverProcess, String> {
    let driver = match kind {
        BrowserKind::Chromium => {
            let driver = program("CHROMEDRIVER", &["chromedriver", "/usr/bin/chromedriver"])?;
            DriverProcess::spawn(
                &driver,
                // --enable-chrome-logs: Chromium's own stderr (extension load errors)
                // lands in the driver log.
                |port| {
                    Ok(vec![
                        format!("--port={port}"),
                        "--enable-chrome-logs".into(),
                    ])
                },
                log_path,
                STARTUP_TIMEOUT,
            )?
        }
        BrowserKind::Firefox => {
            let driver = program("GECKODRIVER", &["geckodriver", "~/.cargo/bin/geckodriver"])?;
            DriverProcess::spawn(
                &driver,
                |port| {
                    Ok(vec![
                        "--port".into(),
                        port.to_string(),
                        // The chrome context (to open moz-extension:// tabs) needs it.
                        "--allow-system-access".into(),
                        // The BiDi port defaults to 9222 for every geckodriver: two
                        // Firefox tests in parallel would fight over it.
                        "--websocket-port".into(),
                        crate::driver::free_port()?.to_string(),
                    ])
                },
                log_path,
                STARTUP_TIMEOUT,
            )?
        }
    };
    Ok(driver)
}

impl Browser {
    /// [`Browser::launch_with`] default options.
    pub fn launch(kind: BrowserKind, extension_dir: &Path) -> Result<Browser, String> {
        Browser::launch_with(kind, extension_dir, LaunchOptions::default())
    }

    /// Starts the driver on a free port, a headless browser with a fresh profile and
    /// downloads folder, and loads the unpacked extension in `extension_dir`. Checks that
    /// the extension got its fixed id/UUID. Binaries come from `CHROMIUM_BIN`,
    /// `CHROMEDRIVER`, `FIREFOX_BIN`, `GECKODRIVER` or the Debian/cargo defaults.
    pub fn launch_with(
        kind: BrowserKind,
        extension_dir: &Path,
        options: LaunchOptions,
    ) -> Result<Browser, String> {
        let extension_dir = extension_dir
            .canonicalize()
            .map_err(|e| format!("extension folder {}: {e}", extension_dir.display()))?;
        if !extension_dir.join("manifest.json").is_file() {
            return Err(format!("{} has no manifest.json", extension_dir.display()));
        }
        Browser::start(kind, Some(extension_dir), options)
    }

    /// Starts `kind` like [`Browser::launch_with`] (same flags, prefs, fresh profile and
    /// downloads folder) but loads no extension, for benchmarks that need a browser as the
    /// user had it before installing anything. [`Browser::extension_host`] is empty, and
    /// the extension-page helpers must not be used.
    ///
    /// Chromium: a caller may load another unpacked extension through
    /// [`LaunchOptions::extra_args`] (no service worker or fixed id is required of it).
    /// Firefox: no add-on is installed; [`WebDriver::install_addon`] can install one.
    pub fn launch_without_extension(
        kind: BrowserKind,
        options: LaunchOptions,
    ) -> Result<Browser, String> {
        Browser::start(kind, None, options)
    }

    /// The one launch path: the driver, the session with its capabilities, then (with an
    /// extension) loading it and checking its id.
    fn start(
        kind: BrowserKind,
        extension_dir: Option<PathBuf>,
        options: LaunchOptions,
    ) -> Result<Browser, String> {
        let mut profile = temp_dir(&format!("{}-profile", kind.name()))?;
        let mut downloads = temp_dir(&format!("{}-downloads", kind.name()))?;
        profile.disable_cleanup(options.keep_dirs);
        downloads.disable_cleanup(options.keep_dirs);
        // The log lives next to (not inside) the profile so the browser never sees it.
        let log_path = profile.path().with_extension("driver.log");
        let driver = spawn_driver(kind, &log_path)?;
        let caps = match kind {
            BrowserKind::Chromium => capabilities::chromium(
                &program("CHROMIUM_BIN", &["/usr/bin/chromium"])?,
                extension_dir.as_deref(),
                profile.path(),
                downloads.path(),
                &options,
            ),
            BrowserKind::Firefox => capabilities::firefox(
                &program("FIREFOX_BIN", &["/usr/bin/firefox-esr"])?,
                profile.path(),
                downloads.path(),
                (FIREFOX_ADDON_ID, FIREFOX_EXTENSION_UUID),
                &options,
            ),
        };
        let fail = |e: String, driver: &DriverProcess| format!("{e}\n{}", driver.log_tail(60));
        let webdriver = WebDriver::new_session(driver.host_port(), caps)
            .map_err(|e| fail(format!("{} did not start: {e}", kind.name()), &driver))?;
        let mut browser = Browser {
            kind,
            webdriver,
            extension_host: String::new(),
            extension_dir: extension_dir.unwrap_or_default(),
            options,
            driver,
            downloads,
            profile,
        };
        browser
            .after_start()
            .map_err(|e| fail(e, &browser.driver))?;
        Ok(browser)
    }

    fn after_start(&mut self) -> Result<(), String> {
        self.set_timeouts(
            Duration::from_secs(30),
            Duration::from_secs(30),
            Duration::ZERO,
        )?;
        let (w, h) = self.options.window_size;
        self.set_window_rect(0, 0, w, h)?;
        if self.extension_dir.as_os_str().is_empty() {
            return Ok(());
        }
        match self.kind {
            BrowserKind::Chromium => {
                // Belt and braces: on Chromium 156 `--headless=new` the download prefs
                // alone suffice (checked), but the old headless mode refused downloads
                // unless this CDP behaviour was set, and it costs one round trip.
                self.cdp(
                    "Browser.setDownloadBehavior",
                    json!({
                        "behavior": "allow",
                        "downloadPath": self.downloads.path().to_string_lossy(),
                    }),
                )?;
                let found = self.discover_chromium_extension_id()?;
                if found != CHROMIUM_EXTENSION_ID {
                    return Err(format!(
                        "extension id {found} (from its service worker target) is not the \
                         expected {CHROMIUM_EXTENSION_ID}: is the manifest `key` right?"
                    ));
                }
                self.extension_host = found;
            }
            BrowserKind::Firefox => {
                let id = self.install_addon(&self.extension_dir, true)?;
                if id != FIREFOX_ADDON_ID {
                    return Err(format!(
                        "installed add-on id {id} is not {FIREFOX_ADDON_ID}: check \
                         browser_specific_settings.gecko.id"
                    ));
                }
                let host = self.in_chrome_context(|wd| {
                    wd.execute(
                        "const p = WebExtensionPolicy.getByID(arguments[0]);\
                         return p ? p.mozExtensionHostname : null;",
                        &[json!(FIREFOX_ADDON_ID)],
                    )
                })?;
                if host.as_str() != Some(FIREFOX_EXTENSION_UUID) {
                    return Err(format!(
                        "moz-extension host is {host}, not the pinned {FIREFOX_EXTENSION_UUID}: \
                         the extensions.webextensions.uuids pref did not apply"
                    ));
                }
                self.extension_host = FIREFOX_EXTENSION_UUID.to_string();
            }
        }
        Ok(())
    }

    /// Chromium: the id from the URL of the extension's `service_worker` target. The
    /// worker registers a moment after the browser starts, hence the wait.
    fn discover_chromium_extension_id(&self) -> Result<String, String> {
        wait_until(
            Duration::from_secs(20),
            "the extension's service_worker target (CDP Target.getTargets)",
            || {
                let ids: Vec<String> = self
                    .targets()?
                    .iter()
                    .filter(|t| t["type"] == "service_worker")
                    .filter_map(|t| t["url"].as_str())
                    .filter_map(|u| u.strip_prefix("chrome-extension://"))
                    .filter_map(|rest| rest.split('/').next())
                    .map(str::to_string)
                    .collect();
                match ids.as_slice() {
                    [] => Ok(None),
                    [one] => Ok(Some(one.clone())),
                    many => Err(format!("several extension service workers: {many:?}")),
                }
            },
        )
    }

    /// Chromium: every CDP target (`Target.getTargets` → `targetInfos`).
    pub fn targets(&self) -> Result<Vec<Value>, String> {
        let v = self.cdp("Target.getTargets", json!({}))?;
        Ok(v["targetInfos"].as_array().cloned().unwrap_or_default())
    }

    /// Runs `f` in Firefox's chrome (privileged) context, then returns to content even if
    /// `f` failed.
    pub fn in_chrome_context<T>(
        &self,
        f: impl FnOnce(&WebDriver) -> Result<T, String>,
    ) -> Result<T, String> {
        if self.kind != BrowserKind::Firefox {
            return Err("the chrome context exists only in Firefox".into());
        }
        self.set_context("chrome")?;
        let result = f(&self.webdriver);
        let back = self.set_context("content");
        let value = result?;
        back?;
        Ok(value)
    }

    pub fn kind(&self) -> BrowserKind {
        self.kind
    }

    /// The WebDriver session (also reachable through `Deref`).
    pub fn webdriver(&self) -> &WebDriver {
        &self.webdriver
    }

    /// `olbjfehhgbmckklpmlopphdbjbdbkgai` or the pinned Firefox UUID.
    pub fn extension_host(&self) -> &str {
        &self.extension_host
    }

    /// `chrome-extension://<id>` or `moz-extension://<uuid>`.
    pub fn extension_origin(&self) -> String {
        match self.kind {
            BrowserKind::Chromium => format!("chrome-extension://{}", self.extension_host),
            BrowserKind::Firefox => format!("moz-extension://{}", self.extension_host),
        }
    }

    /// `<origin>/<path>`; `path` with or without a leading `/`.
    pub fn extension_url(&self, path: &str) -> String {
        format!(
            "{}/{}",
            self.extension_origin(),
            path.trim_start_matches('/')
        )
    }

    /// The profile folder (fresh per launch).
    pub fn profile_dir(&self) -> &Path {
        self.profile.path()
    }

    /// Where downloads land (fresh per launch).
    pub fn downloads_dir(&self) -> &Path {
        self.downloads.path()
    }

    /// Everything the driver and browser printed so far (Firefox: including `console.*`
    /// from pages and the extension).
    pub fn driver_log(&self) -> String {
        self.driver.log()
    }

    /// Opens `url` (an ordinary web page) in a new tab, switches to it and returns its handle.
    pub fn open_tab(&self, url: &str) -> Result<String, String> {
        let handle = self.new_window()?;
        self.switch_to_window(&handle)?;
        self.navigate(url)?;
        Ok(handle)
    }

    /// Opens an extension page (e.g. `"popup/popup.html"`) in a new tab, switches to it once
    /// loaded, and returns its window handle.
    ///
    /// Firefox: WebDriver refuses to navigate to `moz-extension://` URLs ("insecure"), so
    /// the tab is opened from the chrome context with the system principal, and the new
    /// content handle is found by difference.
    pub fn open_extension_page(&self, path: &str) -> Result<String, String> {
        let url = self.extension_url(path);
        match self.kind {
            BrowserKind::Chromium => self.open_tab(&url),
            BrowserKind::Firefox => {
                let before = self.window_handles()?;
                self.in_chrome_context(|wd| {
                    wd.execute(
                        "gBrowser.selectedTab = gBrowser.addTab(arguments[0], {\
                           triggeringPrincipal: \
                             Services.scriptSecurityManager.getSystemPrincipal()});",
                        &[json!(url)],
                    )
                })?;
                let handle = wait_until(
                    Duration::from_secs(10),
                    &format!("a window handle for {url}"),
                    || {
                        Ok(self
                            .window_handles()?
                            .into_iter()
                            .find(|h| !before.contains(h)))
                    },
                )?;
                self.switch_to_window(&handle)?;
                let base = url.split('#').next().unwrap_or(&url).to_string();
                wait_until(Duration::from_secs(15), &format!("{url} to load"), || {
                    let state =
                        self.execute("return [document.readyState, location.href];", &[])?;
                    let loaded = state[0] == "complete"
                        && state[1].as_str().is_some_and(|h| h.starts_with(&base));
                    Ok(loaded.then_some(()))
                })?;
                Ok(handle)
            }
        }
    }

    /// Is the extension's background (Chromium service worker / Firefox event page)
    /// running right now?
    ///
    /// Chromium: a `service_worker` target for the extension exists. Firefox: the
    /// privileged `Extension.backgroundState` is `"running"`.
    pub fn background_running(&self) -> Result<bool, String> {
        match self.kind {
            BrowserKind::Chromium => Ok(!self.background_targets()?.is_empty()),
            BrowserKind::Firefox => {
                let state = self.firefox_background_state()?;
                Ok(state == "running")
            }
        }
    }

    fn background_targets(&self) -> Result<Vec<String>, String> {
        Ok(crate::cdp::service_workers(
            &self.targets()?,
            &self.extension_origin(),
        ))
    }

    /// Firefox: `Extension.backgroundState` (`"stopped"`, `"starting"`, `"running"`,
    /// `"suspending"`), read from the chrome context.
    fn firefox_background_state(&self) -> Result<String, String> {
        let v = self.in_chrome_context(|wd| {
            wd.execute(
                "const p = WebExtensionPolicy.getByID(arguments[0]);\
                 return p && p.extension ? String(p.extension.backgroundState) : null;",
                &[json!(FIREFOX_ADDON_ID)],
            )
        })?;
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("no background state for {FIREFOX_ADDON_ID}: {v}"))
    }

    /// Stops the extension's background right now, as the browser does when it idles out;
    /// returns whether one was running.
    ///
    /// Chromium: CDP `Target.closeTarget` on the extension's `service_worker` target (the
    /// same as Chrome's ~30 s idle stop); waits until the target is gone.
    /// Firefox: the privileged `Extension.terminateBackground()` (what about:debugging's
    /// "Terminate background script" does), then waits for `backgroundState == "stopped"`.
    pub fn stop_background(&self) -> Result<bool, String> {
        match self.kind {
            BrowserKind::Chromium => {
                let targets = self.background_targets()?;
                for id in &targets {
                    self.cdp("Target.closeTarget", json!({ "targetId": id }))?;
                }
                wait_until(
                    Duration::from_secs(10),
                    "the service worker target to go away",
                    || Ok(self.background_targets()?.is_empty().then_some(())),
                )?;
                Ok(!targets.is_empty())
            }
            BrowserKind::Firefox => {
                // "starting" and "suspending" count as running: terminateBackground waits
                // for the start to finish first.
                if self.firefox_background_state()? == "stopped" {
                    return Ok(false);
                }
                // An event that reaches the background just after it was terminated (a
                // tab update, a message) starts it again at once, and it then stays up for
                // the idle timeout: seen once in a full run (the state read "running" for
                // the whole 10 s after terminateBackground had resolved). So terminate
                // again, at most three times, until it is seen stopped.
                let mut last = Ok(());
                for _ in 0..3 {
                    self.in_chrome_context(|wd| {
                        wd.execute_async(
                            "const done = arguments[arguments.length - 1];\
                             const p = WebExtensionPolicy.getByID(arguments[0]);\
                             p.extension.terminateBackground({ ignoreDevToolsAttached: true })\
                               .then(() => done(null), e => done(String(e)));",
                            &[json!(FIREFOX_ADDON_ID)],
                        )
                    })
                    .and_then(|v| match v.as_str() {
                        Some(e) => Err(format!("terminateBackground failed: {e}")),
                        None => Ok(()),
                    })?;
                    last = self.wait_background_state_stopped(Duration::from_secs(10));
                    if last.is_ok() {
                        break;
                    }
                }
                last?;
                Ok(true)
            }
        }
    }

    fn wait_background_state_stopped(&self, timeout: Duration) -> Result<(), String> {
        wait_until(timeout, "Firefox's background to be stopped", || {
            let state = self.firefox_background_state()?;
            if state == "stopped" {
                Ok(Some(()))
            } else {
                Err(format!("backgroundState is {state:?}"))
            }
        })
    }

    /// Lets the background idle out the natural way, and returns once it has.
    ///
    /// Firefox: nothing forces the idle path from outside, so this waits out
    /// [`LaunchOptions::background_idle_timeout`] (required; Firefox's own default is 30 s,
    /// too slow for tests), then for `backgroundState == "stopped"`.
    /// Chromium: its ~30 s idle timer has no switch, so this is [`Browser::stop_background`]
    /// (the same stop Chrome performs at idle).
    pub fn wait_background_idle(&self) -> Result<(), String> {
        match self.kind {
            BrowserKind::Chromium => self.stop_background().map(drop),
            BrowserKind::Firefox => {
                let idle = self.options.background_idle_timeout.ok_or(
                    "wait_background_idle on Firefox needs LaunchOptions::background_idle_timeout",
                )?;
                std::thread::sleep(idle);
                self.wait_background_state_stopped(idle + Duration::from_secs(10))
            }
        }
    }

    /// Reloads the extension the way an update does, with the tabs left open, and returns
    /// once its new background runs. Leaves the current window unspecified: switch to a
    /// known handle afterwards.
    ///
    /// Chromium: `runtime.reload()` from an extension page. An extension loaded with
    /// `--load-extension` is then left disabled (`unsupportedDeveloperExtension`) unless
    /// developer mode is on, so this first turns it on from a `chrome://extensions/` tab
    /// (`developerPrivate.updateProfileConfiguration`), then waits for a service worker
    /// target other than the ones before.
    /// Firefox: installs the temporary add-on again from its folder (an upgrade: the id,
    /// the pinned UUID and `storage.local` stay), then waits for its background to run.
    pub fn reload_extension(&self) -> Result<(), String> {
        match self.kind {
            BrowserKind::Chromium => {
                let before = self.background_targets()?;
                self.open_tab("chrome://extensions/")?;
                let v = self.execute_async(
                    "const done = arguments[arguments.length - 1];\
                     chrome.developerPrivate.updateProfileConfiguration({ inDeveloperMode: true }, \
                       () => done(chrome.runtime.lastError ? String(chrome.runtime.lastError.message) : null));",
                    &[],
                )?;
                if let Some(e) = v.as_str() {
                    return Err(format!("turning developer mode on: {e}"));
                }
                self.navigate(&self.extension_url("popup/popup.html"))?;
                // The page goes away with the extension, so the script may not answer.
                let _ = self.execute("setTimeout(() => chrome.runtime.reload(), 0);", &[]);
                wait_until(
                    Duration::from_secs(30),
                    "the reloaded extension's service worker",
                    || {
                        // CDP goes through the current tab, which the reload may close.
                        if let Some(h) = self.window_handles()?.first() {
                            self.switch_to_window(h)?;
                        }
                        let now = self.background_targets()?;
                        Ok(now.iter().any(|t| !before.contains(t)).then_some(()))
                    },
                )
            }
            BrowserKind::Firefox => {
                let id = self.install_addon(&self.extension_dir, true)?;
                if id != FIREFOX_ADDON_ID {
                    return Err(format!(
                        "reinstalled add-on id {id} is not {FIREFOX_ADDON_ID}"
                    ));
                }
                wait_until(
                    Duration::from_secs(30),
                    "the reinstalled add-on's background to run",
                    || Ok((self.firefox_background_state()? == "running").then_some(())),
                )
            }
        }
    }

    /// Waits for a finished download whose path satisfies `matches` (partial files,
    /// Chromium `.crdownload` and Firefox `.part`, never count).
    pub fn wait_for_download(
        &self,
        matches: impl Fn(&Path) -> bool,
        timeout: Duration,
    ) -> Result<PathBuf, String> {
        downloads::wait_for(self.downloads.path(), matches, timeout)
    }

    /// Waits for a finished download whose file name ends with `suffix` (e.g. `".json"`).
    pub fn wait_for_download_ending(
        &self,
        suffix: &str,
        timeout: Duration,
    ) -> Result<PathBuf, String> {
        self.wait_for_download(
            |p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().ends_with(suffix))
            },
            timeout,
        )
    }

    /// Finished downloads so far.
    pub fn downloads(&self) -> Vec<PathBuf> {
        downloads::finished(self.downloads.path())
    }

    /// Saves a PNG of the current tab's viewport to `path` (parent folders created).
    pub fn screenshot_to(&self, path: &Path) -> Result<(), String> {
        let png = self.screenshot()?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("creating {}: {e}", parent.display()))?;
        }
        std::fs::write(path, png).map_err(|e| format!("writing {}: {e}", path.display()))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Quits the browser cleanly; the driver's process group is killed right after
        // (DriverProcess::drop) in case this fails.
        let _ = self.webdriver.delete_session();
        if !self.options.keep_dirs {
            let _ = std::fs::remove_file(self.profile.path().with_extension("driver.log"));
        }
    }
}
