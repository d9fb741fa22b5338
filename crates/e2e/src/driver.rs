//! The chromedriver/geckodriver child process: a free port, a log file, a `/status` wait,
//! and a kill of its whole process group on drop (so a browser it started cannot outlive
//! a panicking test).

use std::fs::File;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::wait::wait_until;
use crate::webdriver::WebDriver;

/// A running driver, listening on `host_port`.
pub struct DriverProcess {
    child: Child,
    host_port: String,
    log_path: PathBuf,
}

/// Asks the kernel for a free port. Another process may take it before the driver binds
/// it; [`DriverProcess::spawn`] retries on a fresh port when the driver dies at startup.
pub fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

impl DriverProcess {
    /// Starts `program` with `args(port)`, output appended to `log_path`, and waits up to
    /// `timeout` for `GET /status` to report `ready`.
    pub fn spawn(
        program: &Path,
        args: impl Fn(u16) -> Result<Vec<String>, String>,
        log_path: &Path,
        timeout: Duration,
    ) -> Result<DriverProcess, String> {
        let mut last_error = String::new();
        for _attempt in 0..3 {
            let port = free_port()?;
            let log = File::options()
                .create(true)
                .append(true)
                .open(log_path)
                .map_err(|e| format!("driver log {}: {e}", log_path.display()))?;
            let log2 = log
                .try_clone()
                .map_err(|e| format!("driver log {}: {e}", log_path.display()))?;
            let child = Command::new(program)
                .args(args(port)?)
                .stdin(Stdio::null())
                .stdout(log)
                .stderr(log2)
                // Own process group: Drop kills the driver *and* the browser it launched,
                // even when the session could not be deleted cleanly.
                .process_group(0)
                .spawn()
                .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
            let mut driver = DriverProcess {
                child,
                host_port: format!("127.0.0.1:{port}"),
                log_path: log_path.to_path_buf(),
            };
            let ready = wait_until(timeout, &format!("{} /status", program.display()), || {
                if let Ok(Some(status)) = driver.child.try_wait() {
                    // Dead driver: most likely the port was taken in the meantime.
                    return Err(format!("exited with {status}"));
                }
                let status = WebDriver::status(&driver.host_port)?;
                Ok(status
                    .get("ready")
                    .and_then(Value::as_bool)
                    .unwrap_or(false)
                    .then_some(()))
            });
            match ready {
                Ok(()) => return Ok(driver),
                Err(e) => {
                    let exited = matches!(driver.child.try_wait(), Ok(Some(_)));
                    last_error = format!("{e}\n{}", driver.log_tail(40));
                    if !exited {
                        // Alive but never ready: retrying will not help.
                        break;
                    }
                }
            }
        }
        Err(format!(
            "{} did not become ready: {last_error}",
            program.display()
        ))
    }

    /// `127.0.0.1:<port>`.
    pub fn host_port(&self) -> &str {
        &self.host_port
    }

    /// The driver's (and, through it, the browser's) output so far.
    pub fn log(&self) -> String {
        std::fs::read(&self.log_path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// The last `lines` lines of the log, labelled, for error messages.
    pub fn log_tail(&self, lines: usize) -> String {
        let log = self.log();
        let all: Vec<&str> = log.lines().collect();
        let start = all.len().saturating_sub(lines);
        format!(
            "--- last {} lines of {} ---\n{}",
            all.len() - start,
            self.log_path.display(),
            all[start..].join("\n")
        )
    }
}

impl Drop for DriverProcess {
    fn drop(&mut self) {
        // std has no killpg; kill(1) with a negative pid signals the group we created,
        // and only that group.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
