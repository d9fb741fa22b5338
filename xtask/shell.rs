//! Running external commands with clear errors and timings.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// Runs `cmd`, streaming its output; an error names the command and its exit status.
pub fn run(cmd: &mut Command) -> Result<(), String> {
    let shown = format!("{cmd:?}");
    let status = cmd
        .status()
        .map_err(|e| format!("could not start {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed with {status}"))
    }
}

/// Runs `cmd` and returns its standard output, or `None` if it cannot run or fails.
pub fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// True when `program` is on PATH.
pub fn has(program: &str) -> bool {
    which(program).is_some()
}

pub fn which(program: &str) -> Option<std::path::PathBuf> {
    if program.contains('/') {
        return Path::new(program).exists().then(|| program.into());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// Prints a step heading and returns a timer for [`done`].
pub fn step(name: &str) -> (String, Instant) {
    eprintln!("==> {name}");
    (name.to_string(), Instant::now())
}

pub fn done((name, start): (String, Instant)) {
    eprintln!("    {name}: {:.1} s", start.elapsed().as_secs_f64());
}
