//! The extensions the benchmarks load besides the plain build: the plain-JS baseline that
//! issue 3 asks the benchmark to build itself, and a copy of ours with one empty page added
//! (`fvi-bench/probe.html`), from which a benchmark reads or seeds `storage.local` without
//! running the popup (whose live updates would compete for the CPU being measured).

use std::path::{Path, PathBuf};

use fvi_core::EventKind;
use fvi_e2e::{temp_dir, Browser, BrowserKind, LaunchOptions, TempDir};
use serde_json::{json, Value};

use crate::pack;

/// The page added to our extension's copy.
pub const PROBE_PAGE: &str = "fvi-bench/probe.html";

/// An extension folder in a temporary directory (removed on drop).
pub struct BuiltExtension {
    _dir: TempDir,
    pub path: PathBuf,
}

/// Our built extension (`$FVI_DIST/<browser>`), as the store would ship it.
pub fn ours(kind: BrowserKind) -> PathBuf {
    pack::dist().join(kind.dist_name())
}

/// The plain-JS baseline: one content script, declared exactly as ours is (same matches,
/// `run_at`, frames), whose only work is registering the same eight capturing listeners.
/// The names come from `fvi_core::EventKind::ALL`, as the sentinel's do.
pub fn baseline(kind: BrowserKind) -> Result<BuiltExtension, String> {
    let dir = temp_dir(&format!("bench-baseline-{}", kind.name()))?;
    let path = dir.path().to_path_buf();
    let ours_manifest: Value = read_json(&ours(kind).join("manifest.json"))?;
    // The sentinel's entry, the only one (the describer is registered at run time, only
    // for origins that fired events: ARCHITECTURE.md); an entry in the page's world would
    // not be mirrored.
    let mut content_script = ours_manifest["content_scripts"]
        .as_array()
        .and_then(|all| all.iter().find(|c| c["world"] != "MAIN"))
        .cloned()
        .unwrap_or(Value::Null);
    if !content_script.is_object() {
        return Err("our manifest has no content script to mirror".into());
    }
    content_script["js"] = json!(["baseline.js"]);
    let mut manifest = json!({
        "manifest_version": 3,
        "name": "FVI bench baseline (eight plain listeners)",
        "version": "1.0",
        "content_scripts": [content_script],
        "host_permissions": ours_manifest["host_permissions"].clone(),
    });
    if kind == BrowserKind::Firefox {
        manifest["browser_specific_settings"] =
            json!({ "gecko": { "id": "fvi-bench-baseline@example.com" } });
    }
    let names: Vec<&str> = EventKind::ALL.iter().map(|k| k.name()).collect();
    let script = format!(
        "// Benchmark baseline: the same eight listeners as the sentinel, doing nothing.\n\
         (() => {{\n  const onEvent = () => {{}};\n  for (const name of {})\n    \
         globalThis.addEventListener(name, onEvent, true);\n}})();\n",
        serde_json::to_string(&names).expect("names serialise")
    );
    write(&path.join("manifest.json"), &pretty(&manifest))?;
    write(&path.join("baseline.js"), &script)?;
    Ok(BuiltExtension { _dir: dir, path })
}

/// A copy of our built extension plus [`PROBE_PAGE`]; nothing else differs (same manifest,
/// so the same Chromium id and Firefox add-on id).
pub fn ours_with_probe(kind: BrowserKind) -> Result<BuiltExtension, String> {
    let dir = temp_dir(&format!("bench-ours-{}", kind.name()))?;
    let path = dir.path().join(kind.dist_name());
    let from = ours(kind);
    for file in pack::walk(&from)? {
        let to = path.join(file.strip_prefix(&from).expect("below from"));
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::copy(&file, &to).map_err(|e| format!("copying {}: {e}", file.display()))?;
    }
    write(
        &path.join(PROBE_PAGE),
        "<!doctype html><meta charset=\"utf-8\"><title>benchmark probe</title>\
         <p>Benchmark probe: an empty extension page.</p>\n",
    )?;
    Ok(BuiltExtension { _dir: dir, path })
}

/// What a page-cost variant runs with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    None,
    Baseline,
    Ours,
}

impl Variant {
    pub const ALL: [Variant; 3] = [Variant::None, Variant::Baseline, Variant::Ours];
    pub fn label(self) -> &'static str {
        match self {
            Variant::None => "no extension",
            Variant::Baseline => "plain-JS baseline",
            Variant::Ours => "ours (dist)",
        }
    }
}

/// Launches `kind` as `variant` with `options`: nothing loaded, the baseline at
/// `baseline_dir`, or our plain build.
pub fn launch(
    kind: BrowserKind,
    variant: Variant,
    baseline_dir: &Path,
    options: LaunchOptions,
) -> Result<Browser, String> {
    match (variant, kind) {
        (Variant::Ours, _) => Browser::launch_with(kind, &ours(kind), options),
        (Variant::None, _) => Browser::launch_without_extension(kind, options),
        (Variant::Baseline, BrowserKind::Chromium) => {
            let dir = baseline_dir.display();
            let mut options = options;
            options.extra_args.extend([
                format!("--load-extension={dir}"),
                format!("--disable-extensions-except={dir}"),
            ]);
            Browser::launch_without_extension(kind, options)
        }
        (Variant::Baseline, BrowserKind::Firefox) => {
            let browser = Browser::launch_without_extension(kind, options)?;
            browser.install_addon(baseline_dir, true)?;
            Ok(browser)
        }
    }
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).expect("JSON serialises")
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
    }
    std::fs::write(path, text).map_err(|e| format!("writing {}: {e}", path.display()))
}
