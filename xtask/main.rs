//! `cargo fvi`: the project's one driver. It installs what is missing, builds both
//! extensions, runs them on the simulator, runs every test, and runs the benchmarks.
//!
//! - `cargo fvi run [--build-only] [--browser chromium|firefox]`
//! - `cargo fvi test`
//! - `cargo fvi fuzz [target] [seconds]`
//! - `cargo fvi bench`

mod bench;
mod fuzz;
mod pack;
mod run;
mod setup;
mod shell;
mod test;
#[cfg(test)]
mod tidy;
mod wasm;

use std::path::PathBuf;

/// The workspace root (this package is the root package).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The one version, from `[workspace.package]` in Cargo.toml.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run::main(&args[1..]),
        Some("build") => setup::ensure(setup::Need::Build).and_then(|()| pack::build()),
        Some("setup") => setup::ensure(setup::Need::Everything),
        Some("test") => test::main(&args[1..]),
        Some("fuzz") => setup::fuzzing().and_then(|()| fuzz::main(&args[1..])),
        Some("bench") => test::bench(&args[1..]),
        _ => Err(USAGE.to_string()),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

const USAGE: &str = "usage: cargo fvi <command>
  run [--build-only] [--browser chromium|firefox]   build both extensions, then try one on the simulator
  build                                             build dist/ only
  setup                                             install every tool the build and tests need
  test                                              run every test (core, wasm, both real browsers, lints, fuzzing)
  fuzz [target] [seconds]                           run the fuzz targets (all, 60 s each, when not told)
  bench                                             run the benchmarks and print figures";
