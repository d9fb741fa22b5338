//! Polling with a deadline: browsers do things asynchronously (service workers start,
//! tabs appear, downloads finish) and WebDriver gives no event for most of it.

use std::time::{Duration, Instant};

/// Calls `probe` every 100 ms until it returns `Ok(Some(value))`, or fails after `timeout`
/// with a message naming `what` and the last error `probe` returned. `Err` from `probe`
/// does not stop the polling: the thing may simply not exist yet.
pub fn wait_until<T>(
    timeout: Duration,
    what: &str,
    mut probe: impl FnMut() -> Result<Option<T>, String>,
) -> Result<T, String> {
    let deadline = Instant::now() + timeout;
    let mut last_error = None;
    loop {
        match probe() {
            Ok(Some(value)) => return Ok(value),
            Ok(None) => {}
            Err(e) => last_error = Some(e),
        }
        if Instant::now() >= deadline {
            return Err(match last_error {
                Some(e) => format!(
                    "timed out after {:.1} s waiting for {what}; last error: {e}",
                    timeout.as_secs_f64()
                ),
                None => format!(
                    "timed out after {:.1} s waiting for {what}",
                    timeout.as_secs_f64()
                ),
            });
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
