//! Installs what the build and the tests need, and skips what is already there, so the
//! second run is fast. Every step is idempotent and names what it installs.
//!
//! Sources are only the package registries reachable here (../shared/platform-notes.md):
//! Debian's packages for the browsers, drivers and binaryen; crates.io for the
//! wasm-bindgen CLI, wasm-pack, geckodriver and cargo-fuzz; npm for web-ext; rustup for the nightly
//! toolchain the fuzz targets build with.

use std::process::Command;

use crate::shell::{done, has, output, run, step};

#[derive(Clone, Copy, PartialEq)]
pub enum Need {
    /// Enough to build `dist/`.
    Build,
    /// Build, plus browsers and drivers to run the extension.
    Run,
    /// Everything, including linters.
    Everything,
}

pub fn ensure(need: Need) -> Result<(), String> {
    let timer = step("setup: checking tools");
    wasm_target()?;
    wasm_bindgen_cli()?;
    let mut apt = vec![];
    if !has("wasm-opt") || !has("wasm2js") {
        apt.push("binaryen");
    }
    if need != Need::Build {
        if !has("chromium") {
            apt.push("chromium");
        }
        if !has("chromedriver") {
            apt.push("chromium-driver");
        }
        if !has("firefox-esr") {
            apt.push("firefox-esr");
        }
    }
    if need == Need::Everything && (!has("node") || !has("npm")) {
        apt.extend(["nodejs", "npm"]);
    }
    apt_install(&apt)?;
    if need != Need::Build {
        geckodriver()?;
    }
    if need == Need::Everything {
        wasm_pack()?;
        web_ext()?;
        fuzzing()?;
    }
    done(timer);
    Ok(())
}

fn wasm_target() -> Result<(), String> {
    // rust-toolchain.toml lists the target, so rustup normally fetched it already.
    let installed =
        output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

/// The wasm-bindgen version in Cargo.lock: the CLI must equal it byte for byte.
pub fn locked_wasm_bindgen() -> Result<String, String> {
    let lock = std::fs::read_to_string(crate::root().join("Cargo.lock"))
        .map_err(|e| format!("reading Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\"" {
            if let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \"")) {
                return Ok(v.trim_end_matches('"').to_string());
            }
        }
    }
    Err("Cargo.lock has no wasm-bindgen entry".into())
}

fn wasm_bindgen_cli() -> Result<(), String> {
    let want = locked_wasm_bindgen()?;
    let have = output(Command::new("wasm-bindgen").arg("--version")).unwrap_or_default();
    if have.trim() == format!("wasm-bindgen {want}") {
        return Ok(());
    }
    eprintln!("    installing wasm-bindgen-cli {want} (about 2.5 minutes)");
    // Not --locked: the registry here lacks a crate version its lock file pins
    // (platform-notes.md).
    run(Command::new("cargo").args(["install", "wasm-bindgen-cli", "--version", &want]))
}

/// wasm-pack runs the browser-side Rust tests (`cargo fvi test`, xtask/test.rs). It finds the
/// wasm-bindgen CLI installed above on PATH, at Cargo.lock's version, so it downloads nothing.
fn wasm_pack() -> Result<(), String> {
    if has("wasm-pack") {
        return Ok(());
    }
    eprintln!("    installing wasm-pack (about 3 to 5 minutes)");
    // The version platform-notes.md checked here; its own lock file resolves on this registry.
    run(Command::new("cargo").args(["install", "wasm-pack", "--version", "0.15.1", "--locked"]))
}

fn geckodriver() -> Result<(), String> {
    if has("geckodriver") {
        return Ok(());
    }
    eprintln!("    installing geckodriver (about 1.5 minutes)");
    // The npm geckodriver package downloads a binary, which fails here; crates.io's builds.
    run(Command::new("cargo").args(["install", "geckodriver", "--version", "0.37.1"]))
}

/// cargo-fuzz and the toolchain it builds with (`cargo fvi fuzz`, xtask/fuzz.rs).
pub fn fuzzing() -> Result<(), String> {
    let toolchains = output(Command::new("rustup").args(["toolchain", "list"])).unwrap_or_default();
    let nightly = crate::fuzz::TOOLCHAIN;
    if !toolchains
        .lines()
        .any(|l| l.starts_with(&format!("{nightly}-")) || l.trim() == nightly)
    {
        eprintln!("    installing the {nightly} toolchain (the fuzz targets need it)");
        run(Command::new("rustup").args([
            "toolchain",
            "install",
            nightly,
            "--profile",
            "minimal",
        ]))?;
    }
    // cargo finds the `fuzz` subcommand as `cargo-fuzz` on PATH.
    if has("cargo-fuzz") {
        return Ok(());
    }
    eprintln!("    installing cargo-fuzz (about 90 s)");
    // The version platform-notes.md checked here.
    run(Command::new("cargo").args(["install", "cargo-fuzz", "--version", "0.13.2"]))
}

pub fn web_ext_bin() -> std::path::PathBuf {
    crate::root().join(".tools/node_modules/.bin/web-ext")
}

fn web_ext() -> Result<(), String> {
    if web_ext_bin().exists() {
        return Ok(());
    }
    let node = output(Command::new("node").arg("--version")).unwrap_or_default();
    let package = web_ext_for_node(&node)?;
    eprintln!("    installing {package} for node {}", node.trim());
    let dir = crate::root().join(".tools");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    run(Command::new("npm")
        .args([
            "install",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            "--prefix",
        ])
        .arg(&dir)
        .arg(package))
}

/// The newest web-ext major that runs on this node (`node --version`, e.g. `v20.20.2`):
/// web-ext 10 needs node >= 20, and Debian 12's own `nodejs` package is node 18, which
/// web-ext 9 still supports (`npm view web-ext@9 engines`: node >= 18).
fn web_ext_for_node(version: &str) -> Result<&'static str, String> {
    let major = version
        .trim()
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok())
        .ok_or_else(|| format!("cannot read the node version from {version:?}"))?;
    match major {
        20.. => Ok("web-ext@10"),
        18 | 19 => Ok("web-ext@9"),
        _ => Err(format!(
            "node {} is too old for web-ext (needs 18 or later)",
            version.trim()
        )),
    }
}

fn apt_install(packages: &[&str]) -> Result<(), String> {
    if packages.is_empty() {
        return Ok(());
    }
    eprintln!("    installing Debian packages: {}", packages.join(" "));
    let sudo = output(Command::new("id").arg("-u")).is_some_and(|u| u.trim() != "0");
    let apt = |args: &[&str]| {
        let mut cmd = if sudo {
            Command::new("sudo")
        } else {
            Command::new("apt-get")
        };
        if sudo {
            cmd.arg("apt-get");
        }
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut cmd)
    };
    apt(&["update", "-qq"])?;
    let mut args = vec!["install", "-y", "-qq", "--no-install-recommends"];
    args.extend_from_slice(packages);
    apt(&args)
}

#[cfg(test)]
mod tests {
    use super::web_ext_for_node;

    #[test]
    fn web_ext_follows_the_node_major() {
        for (node, want) in [
            ("v20.20.2\n", Ok("web-ext@10")),
            ("v22.1.0", Ok("web-ext@10")),
            ("v18.19.0", Ok("web-ext@9")),
            (
                "v16.0.0",
                Err("node v16.0.0 is too old for web-ext (needs 18 or later)".into()),
            ),
            ("", Err("cannot read the node version from \"\"".into())),
        ] {
            assert_eq!(web_ext_for_node(node), want, "node {node:?}");
        }
    }
}
