//! Waiting for a finished download in a folder. Both browsers write to a partial file
//! first and rename at the end: Chromium `<name>.crdownload` (or `Unconfirmed
//! <n>.crdownload`), Firefox `<name>.part` next to a zero-byte `<name>` placeholder it
//! creates up front. So a match counts only when no partial file is left and its size held
//! still across two polls.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::wait::wait_until;

/// Partial-download suffixes (Chromium, Firefox).
const PARTIAL: [&str; 2] = [".crdownload", ".part"];

fn is_partial(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    name.is_some_and(|n| PARTIAL.iter().any(|s| n.ends_with(s)))
}

/// Finished files in `dir`, sorted by name.
pub fn finished(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && !is_partial(p))
        .collect();
    files.sort();
    files
}

/// Waits for a finished file in `dir` for which `matches` holds.
pub fn wait_for(
    dir: &Path,
    matches: impl Fn(&Path) -> bool,
    timeout: Duration,
) -> Result<PathBuf, String> {
    let mut sizes: HashMap<PathBuf, u64> = HashMap::new();
    wait_until(
        timeout,
        &format!("a finished download in {}", dir.display()),
        || {
            let entries: Vec<PathBuf> = std::fs::read_dir(dir)
                .map_err(|e| format!("reading {}: {e}", dir.display()))?
                .flatten()
                .map(|e| e.path())
                .collect();
            let names = || {
                entries
                    .iter()
                    .filter_map(|p| p.file_name())
                    .map(|n| n.to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            if entries.iter().any(|p| is_partial(p)) {
                return Err(format!("still in progress: [{}]", names()));
            }
            for path in entries.iter().filter(|p| p.is_file() && matches(p)) {
                let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
                if sizes.insert(path.clone(), size) == Some(size) {
                    return Ok(Some(path.clone()));
                }
            }
            Err(format!("no match yet among [{}]", names()))
        },
    )
}
