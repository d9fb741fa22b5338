//! What the operating system says about a browser's processes (Linux `/proc`): which
//! processes belong to which browser, how much CPU their main threads used, and how much
//! memory they hold. Used where the browsers' own APIs cannot see (Firefox has no CDP; a
//! Chromium service worker's process memory is not a DevTools metric).

use std::collections::HashMap;
use std::path::Path;

use fvi_e2e::Browser;

#[derive(Clone, Debug)]
pub struct Proc {
    pub pid: u32,
    pub ppid: u32,
    /// The command line, arguments joined by spaces (Chromium rewrites its argv into one
    /// string anyway).
    pub cmdline: String,
}

/// Every process we can read.
pub fn all() -> Vec<Proc> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // `pid (comm) state ppid …`: comm may hold spaces and parentheses.
            let ppid = stat
                .rsplit(')')
                .next()?
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()?;
            let raw = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
            let cmdline = raw
                .split(|b| *b == 0)
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect::<Vec<_>>()
                .join(" ");
            Some(Proc { pid, ppid, cmdline })
        })
        .collect()
}

/// The browser process started with `profile` and all its descendants (zygotes,
/// renderers, Firefox's fork server and content processes).
pub fn browser_tree(profile: &Path) -> Vec<Proc> {
    let procs = all();
    let profile = profile.to_string_lossy();
    let by_pid: HashMap<u32, &Proc> = procs.iter().map(|p| (p.pid, p)).collect();
    let names_profile = |p: &Proc| p.cmdline.contains(profile.as_ref());
    // The topmost process naming the profile: the browser (its children name it too).
    let Some(root) = procs.iter().filter(|p| names_profile(p)).find(|p| {
        by_pid
            .get(&p.ppid)
            .is_none_or(|parent| !names_profile(parent))
    }) else {
        return Vec::new();
    };
    let mut tree = vec![root.clone()];
    let mut i = 0;
    while i < tree.len() {
        let pid = tree[i].pid;
        tree.extend(procs.iter().filter(|p| p.ppid == pid).cloned());
        i += 1;
    }
    tree
}

/// Chromium renderers (web pages, extension pages and the extension service worker).
pub fn is_chromium_renderer(p: &Proc) -> bool {
    p.cmdline.contains("--type=renderer") && !p.cmdline.contains("--top-chrome-webui")
}

/// Firefox content processes (web pages, and the extension process, which
/// [`firefox_extension_pid`] tells apart); socket, RDD and utility processes carry no
/// `-isForBrowser`.
pub fn is_firefox_content(p: &Proc) -> bool {
    p.cmdline.contains("-contentproc") && p.cmdline.contains("-isForBrowser")
}

/// Nanoseconds the process's main thread (tid = pid) has spent on a CPU
/// (`/proc/<pid>/schedstat`, first field): scheduler-exact, unlike the 10 ms ticks of
/// `/proc/<pid>/stat`.
pub fn main_thread_cpu_ns(pid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/schedstat")).ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// Nanoseconds all of the process's threads have spent on a CPU, per pid.
pub fn all_threads_cpu(pids: &[u32]) -> HashMap<u32, u64> {
    pids.iter()
        .filter_map(|&pid| {
            let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
            let ns = tasks
                .flatten()
                .filter_map(|t| {
                    let text = std::fs::read_to_string(t.path().join("schedstat")).ok()?;
                    text.split_whitespace().next()?.parse::<u64>().ok()
                })
                .sum();
            Some((pid, ns))
        })
        .collect()
}

/// Firefox's extension process (`ChromeUtils.requestProcInfo`, from the chrome context):
/// it hosts every add-on's background page, built-in add-ons' included.
pub fn firefox_extension_pid(browser: &Browser) -> Result<Option<u32>, String> {
    let v = browser.in_chrome_context(|wd| {
        wd.execute_async(
            "const done = arguments[arguments.length - 1];\
             ChromeUtils.requestProcInfo().then(\
               (i) => done(i.children.filter((c) => c.type === 'extension').map((c) => c.pid)),\
               (e) => done(String(e)));",
            &[],
        )
    })?;
    let pids = v
        .as_array()
        .ok_or_else(|| format!("requestProcInfo failed: {v}"))?;
    Ok(pids.first().and_then(|p| p.as_u64()).map(|p| p as u32))
}

/// `(rss, pss)` in bytes from `/proc/<pid>/smaps_rollup`. PSS shares pages mapped by
/// several processes (the browser's code) fairly, so it is the better "what this process
/// costs" figure.
pub fn memory(pid: u32) -> Option<(u64, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = text.lines().find(|l| l.starts_with(name))?;
        let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb * 1024)
    };
    Some((field("Rss:")?, field("Pss:")?))
}

/// Sum of main-thread CPU over `pids` (processes that are gone count 0).
pub fn cpu_of(pids: &[u32]) -> HashMap<u32, u64> {
    pids.iter()
        .filter_map(|&p| main_thread_cpu_ns(p).map(|ns| (p, ns)))
        .collect()
}

/// Main-thread CPU used between two snapshots, in ms. A process new in `after` counts
/// from zero; one that ended in between is lost (the kernel keeps no record), which here
/// is only the previous page's teardown.
pub fn cpu_delta_ms(before: &HashMap<u32, u64>, after: &HashMap<u32, u64>) -> f64 {
    after
        .iter()
        .map(|(pid, ns)| ns.saturating_sub(before.get(pid).copied().unwrap_or(0)))
        .sum::<u64>() as f64
        / 1e6
}
