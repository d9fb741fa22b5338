//! Compiles the three wasm crates, then runs wasm-opt and wasm-bindgen on them.
//!
//! Not `wasm-pack build`: it runs wasm-opt after wasm-bindgen, which Debian's binaryen 108
//! cannot do (below), and the alternatives measured worse (ARCHITECTURE.md, "Building the
//! wasm: why not `wasm-pack build`").

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::shell::run;

/// The crates compiled to wasm, and the extension folder their output goes to.
pub const CRATES: [(&str, &str); 3] = [
    ("fvi_content", "content-script"),
    ("fvi_background", "background"),
    ("fvi_popup", "popup"),
];

/// The wasm features rustc 1.95 emits by default for wasm32-unknown-unknown; wasm-opt must
/// be told, or it refuses the module.
const BINARYEN_FEATURES: [&str; 6] = [
    "--enable-bulk-memory",
    "--enable-sign-ext",
    "--enable-nontrapping-float-to-int",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];

pub fn target_dir() -> PathBuf {
    crate::root().join("target/wasm")
}

/// Builds every wasm crate into `stage/<folder>/wasm/`.
pub fn build(stage: &Path) -> Result<(), String> {
    let mut cargo = Command::new("cargo");
    cargo
        .current_dir(crate::root())
        .args([
            "build",
            "--profile",
            "wasm",
            "--target",
            "wasm32-unknown-unknown",
        ])
        .arg("--target-dir")
        .arg(target_dir());
    for (name, _) in CRATES {
        cargo.args(["-p", &name.replace('_', "-")]);
    }
    run(&mut cargo)?;
    for (name, folder) in CRATES {
        let out = stage.join(folder).join("wasm");
        std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
        let input = target_dir().join(format!("wasm32-unknown-unknown/wasm/{name}.wasm"));
        // wasm-opt runs before wasm-bindgen, not after: Debian's binaryen 108 rewrites the
        // externref table that wasm-bindgen adds into one the browser rejects
        // ("WebAssembly.Table.set(): Argument 1 is invalid for table"). Before bindgen the
        // module has no such table, and wasm-bindgen keeps what wasm-opt produced.
        let optimised = target_dir().join(format!("{name}.opt.wasm"));
        run(Command::new("wasm-opt")
            .arg("-Oz")
            .args(BINARYEN_FEATURES)
            .arg(&input)
            .arg("-o")
            .arg(&optimised))?;
        run(Command::new("wasm-bindgen")
            .args(["--target", "no-modules", "--no-typescript", "--out-dir"])
            .arg(&out)
            .args(["--out-name", name])
            .arg(&optimised))?;
    }
    Ok(())
}
