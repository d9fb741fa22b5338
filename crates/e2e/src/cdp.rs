//! A minimal blocking Chrome DevTools Protocol client over the browser's own WebSocket.
//!
//! chromedriver's `goog/cdp/execute` reaches only the current tab's session: it cannot
//! attach to a service worker or an out-of-process iframe, and browser-only domains
//! (`SystemInfo`) refuse it. chromedriver starts Chromium with `--remote-debugging-port=0`,
//! so Chromium writes the port it picked to `<profile>/DevToolsActivePort`; this client
//! connects there as a second DevTools client with a browser-level session and uses flat
//! sessions (`sessionId`) for targets. The WebSocket is tungstenite's, blocking, over a
//! std `TcpStream`.
//!
//! The one copy: the benchmarks (`xtask/bench`) and the end-to-end tests (a test that
//! evaluates code in the extension's service worker) both use it.

use std::collections::VecDeque;
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::protocol::WebSocketConfig;
use tungstenite::{Message, WebSocket};

use crate::wait::wait_until;

pub struct Cdp {
    socket: WebSocket<TcpStream>,
    /// Events received while waiting for something else, oldest first.
    events: VecDeque<Value>,
    next_id: u64,
}

impl Cdp {
    /// Connects to the browser whose profile folder is `profile` (waits up to 10 s for
    /// Chromium to write `DevToolsActivePort`).
    pub fn connect(profile: &Path) -> Result<Cdp, String> {
        let file = profile.join("DevToolsActivePort");
        let text = wait_until(
            Duration::from_secs(10),
            &format!("{} (is this Chromium?)", file.display()),
            || {
                let text = std::fs::read_to_string(&file).map_err(|e| e.to_string())?;
                Ok((text.lines().count() >= 2).then_some(text))
            },
        )?;
        let mut lines = text.lines();
        let port = lines.next().unwrap_or_default().trim();
        let path = lines.next().unwrap_or_default().trim();
        let stream = TcpStream::connect(format!("127.0.0.1:{port}"))
            .map_err(|e| format!("DevTools port {port}: {e}"))?;
        stream
            .set_nodelay(true)
            .and_then(|()| stream.set_read_timeout(Some(Duration::from_secs(10))))
            .map_err(|e| e.to_string())?;
        // tungstenite sends no Origin header, and Chromium checks --remote-allow-origins
        // only when one is sent. No size limits: a large `Runtime.evaluate` result is one
        // message.
        let config = WebSocketConfig::default()
            .max_message_size(None)
            .max_frame_size(None);
        let (socket, _) = tungstenite::client::client_with_config(
            format!("ws://127.0.0.1:{port}{path}"),
            stream,
            Some(config),
        )
        .map_err(|e| format!("DevTools refused the WebSocket: {e}"))?;
        Ok(Cdp {
            socket,
            events: VecDeque::new(),
            next_id: 0,
        })
    }

    /// The next whole message, or `None` once `deadline` passes. tungstenite keeps a
    /// partial frame buffered across a read timeout, so a timeout never loses the stream's
    /// place; it answers pings itself.
    fn read_message(&mut self, deadline: Instant) -> Result<Option<Value>, String> {
        loop {
            let now = Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            self.socket
                .get_mut()
                .set_read_timeout(Some((deadline - now).max(Duration::from_millis(1))))
                .map_err(|e| e.to_string())?;
            match self.socket.read() {
                Ok(Message::Text(text)) => {
                    return serde_json::from_str(text.as_str())
                        .map(Some)
                        .map_err(|e| format!("DevTools sent non-JSON: {e}"));
                }
                Ok(Message::Close(_)) => return Err("DevTools closed the connection".into()),
                Ok(_) => {}
                Err(tungstenite::Error::Io(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(e) => return Err(format!("DevTools read: {e}")),
            }
        }
    }

    /// Sends a command without waiting; returns its id.
    pub fn send(
        &mut self,
        method: &str,
        params: Value,
        session: Option<&str>,
    ) -> Result<u64, String> {
        self.next_id += 1;
        let mut message = json!({ "id": self.next_id, "method": method, "params": params });
        if let Some(s) = session {
            message["sessionId"] = json!(s);
        }
        self.socket
            .send(Message::text(message.to_string()))
            .map_err(|e| format!("DevTools send: {e}"))?;
        Ok(self.next_id)
    }

    /// Sends a command and waits (up to 60 s) for its result; events that arrive meanwhile
    /// are kept for [`Cdp::next_event`].
    pub fn call(
        &mut self,
        method: &str,
        params: Value,
        session: Option<&str>,
    ) -> Result<Value, String> {
        let id = self.send(method, params, session)?;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let Some(message) = self.read_message(deadline)? else {
                return Err(format!("DevTools {method}: no answer in 60 s"));
            };
            if message["id"].as_u64() == Some(id) {
                if let Some(error) = message.get("error") {
                    return Err(format!("DevTools {method}: {error}"));
                }
                return Ok(message["result"].clone());
            }
            if message.get("method").is_some() {
                self.events.push_back(message);
            }
        }
    }

    /// The next event (buffered first), or `None` after `timeout`.
    pub fn next_event(&mut self, timeout: Duration) -> Result<Option<Value>, String> {
        if let Some(e) = self.events.pop_front() {
            return Ok(Some(e));
        }
        let deadline = Instant::now() + timeout;
        loop {
            match self.read_message(deadline)? {
                None => return Ok(None),
                // A late answer to a command sent with `send` is not an event.
                Some(m) if m.get("method").is_none() => continue,
                Some(m) => return Ok(Some(m)),
            }
        }
    }

    /// Attaches to `target_id` with a flat session and returns the session id.
    pub fn attach(&mut self, target_id: &str) -> Result<String, String> {
        let r = self.call(
            "Target.attachToTarget",
            json!({ "targetId": target_id, "flatten": true }),
            None,
        )?;
        r["sessionId"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("attachToTarget: no sessionId in {r}"))
    }

    /// Every target (`Target.getTargets`).
    pub fn targets(&mut self) -> Result<Vec<Value>, String> {
        let r = self.call("Target.getTargets", json!({}), None)?;
        Ok(r["targetInfos"].as_array().cloned().unwrap_or_default())
    }

    /// A new tab (`about:blank`), attached with a flat session: `Page` enabled, and its
    /// out-of-process iframes and workers auto-attached, each held before it runs a line
    /// (`waitForDebuggerOnStart`) until the caller lets it go with
    /// `Runtime.runIfWaitingForDebugger`. Returns `(target id, session id)`.
    pub fn new_tab(&mut self) -> Result<(String, String), String> {
        let r = self.call("Target.createTarget", json!({ "url": "about:blank" }), None)?;
        let target = r["targetId"]
            .as_str()
            .ok_or_else(|| format!("createTarget: no targetId in {r}"))?
            .to_string();
        let session = self.attach(&target)?;
        self.call("Page.enable", json!({}), Some(&session))?;
        self.call(
            "Target.setAutoAttach",
            json!({ "autoAttach": true, "waitForDebuggerOnStart": true, "flatten": true }),
            Some(&session),
        )?;
        Ok((target, session))
    }

    /// Attaches to the service worker of the extension at `origin`
    /// (`chrome-extension://<id>`), waiting up to 20 s for it to run (it registers a moment
    /// after the browser starts, and again after it was stopped); returns the session id.
    pub fn attach_worker(&mut self, origin: &str) -> Result<String, String> {
        let worker = wait_until(
            Duration::from_secs(20),
            &format!("the service worker target of {origin}"),
            || Ok(service_workers(&self.targets()?, origin).into_iter().next()),
        )?;
        self.attach(&worker)
    }

    /// `Runtime.evaluate` in `session`, awaiting a promise; returns the value (by value).
    pub fn eval(&mut self, session: &str, expression: &str) -> Result<Value, String> {
        let r = self.call(
            "Runtime.evaluate",
            json!({ "expression": expression, "awaitPromise": true, "returnByValue": true }),
            Some(session),
        )?;
        if let Some(e) = r.get("exceptionDetails") {
            return Err(format!("evaluate {expression:.60}…: {e}"));
        }
        Ok(r["result"]["value"].clone())
    }
}

/// The target ids of the service workers of the extension at `origin`
/// (`chrome-extension://<id>`) among `targets` (`Target.getTargets`' `targetInfos`, from
/// this client or from chromedriver's bridge).
pub fn service_workers(targets: &[Value], origin: &str) -> Vec<String> {
    let prefix = format!("{origin}/");
    targets
        .iter()
        .filter(|t| t["type"] == "service_worker")
        .filter(|t| t["url"].as_str().is_some_and(|u| u.starts_with(&prefix)))
        .filter_map(|t| t["targetId"].as_str().map(str::to_string))
        .collect()
}

/// `Performance.getMetrics` as `name → value`.
pub fn metric(metrics: &Value, name: &str) -> f64 {
    metrics["metrics"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|m| m["name"] == name)
        .and_then(|m| m["value"].as_f64())
        .unwrap_or(f64::NAN)
}
