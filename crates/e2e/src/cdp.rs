//! A minimal blocking Chrome DevTools Protocol client over the browser's own WebSocket.
//!
//! chromedriver's `goog/cdp/execute` reaches only the current tab's session: it cannot
//! attach to a service worker or an out-of-process iframe, and browser-only domains
//! (`SystemInfo`) refuse it. chromedriver starts Chromium with `--remote-debugging-port=0`,
//! so Chromium writes the port it picked to `<profile>/DevToolsActivePort`; this client
//! connects there as a second DevTools client with a browser-level session and uses flat
//! sessions (`sessionId`) for targets. Plain std networking, like the rest of the rig.
//!
//! The one copy: the benchmarks (`xtask/bench`) and the end-to-end tests (a test that
//! evaluates code in the extension's service worker) both use it.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub struct Cdp {
    stream: TcpStream,
    /// Bytes read but not yet parsed into a whole frame.
    buffer: Vec<u8>,
    /// Text of a fragmented message being reassembled.
    partial: Vec<u8>,
    /// Events received while waiting for something else, oldest first.
    events: VecDeque<Value>,
    next_id: u64,
    mask_seed: u32,
}

impl Cdp {
    /// Connects to the browser whose profile folder is `profile` (waits up to 10 s for
    /// Chromium to write `DevToolsActivePort`).
    pub fn connect(profile: &Path) -> Result<Cdp, String> {
        let file = profile.join("DevToolsActivePort");
        let deadline = Instant::now() + Duration::from_secs(10);
        let text = loop {
            match std::fs::read_to_string(&file) {
                Ok(t) if t.lines().count() >= 2 => break t,
                _ if Instant::now() > deadline => {
                    return Err(format!("no {} (is this Chromium?)", file.display()))
                }
                _ => std::thread::sleep(Duration::from_millis(100)),
            }
        };
        let mut lines = text.lines();
        let port = lines.next().unwrap_or_default().trim();
        let path = lines.next().unwrap_or_default().trim();
        let stream = TcpStream::connect(format!("127.0.0.1:{port}"))
            .map_err(|e| format!("DevTools port {port}: {e}"))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        let mut cdp = Cdp {
            stream,
            buffer: Vec::new(),
            partial: Vec::new(),
            events: VecDeque::new(),
            next_id: 0,
            mask_seed: std::process::id() ^ 0x9e37_79b9,
        };
        cdp.handshake(port, path)?;
        Ok(cdp)
    }

    fn handshake(&mut self, port: &str, path: &str) -> Result<(), String> {
        // No Origin header: Chromium checks --remote-allow-origins only when one is sent.
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: ZnZpLWJlbmNoLWNkcC1rZXk=\r\n\
             Sec-WebSocket-Version: 13\r\n\r\n"
        );
        self.stream
            .write_all(request.as_bytes())
            .map_err(|e| format!("DevTools handshake: {e}"))?;
        self.stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .map_err(|e| e.to_string())?;
        let mut chunk = [0u8; 4096];
        loop {
            if let Some(end) = find(&self.buffer, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buffer[..end]).to_string();
                self.buffer.drain(..end + 4);
                if !head.starts_with("HTTP/1.1 101") {
                    return Err(format!("DevTools refused the WebSocket: {head}"));
                }
                return Ok(());
            }
            let n = self
                .stream
                .read(&mut chunk)
                .map_err(|e| format!("DevTools handshake: {e}"))?;
            if n == 0 {
                return Err("DevTools closed the connection during the handshake".into());
            }
            self.buffer.extend_from_slice(&chunk[..n]);
        }
    }

    fn send_frame(&mut self, opcode: u8, payload: &[u8]) -> Result<(), String> {
        let mut frame = Vec::with_capacity(payload.len() + 14);
        frame.push(0x80 | opcode);
        // Clients must mask; the key needs no secrecy here, only to vary.
        self.mask_seed = self
            .mask_seed
            .wrapping_mul(1_664_525)
            .wrapping_add(1_013_904_223);
        let mask = self.mask_seed.to_be_bytes();
        match payload.len() {
            n if n < 126 => frame.push(0x80 | n as u8),
            n if n <= 0xffff => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.stream
            .write_all(&frame)
            .map_err(|e| format!("DevTools send: {e}"))
    }

    /// Parses one whole frame from the buffer, if there is one: `(fin, opcode, payload)`.
    fn take_frame(&mut self) -> Option<(bool, u8, Vec<u8>)> {
        let b = &self.buffer;
        if b.len() < 2 {
            return None;
        }
        let (fin, opcode, masked) = (b[0] & 0x80 != 0, b[0] & 0x0f, b[1] & 0x80 != 0);
        let (len, mut at) = match b[1] & 0x7f {
            126 if b.len() >= 4 => (u16::from_be_bytes([b[2], b[3]]) as usize, 4),
            127 if b.len() >= 10 => {
                let mut n = [0u8; 8];
                n.copy_from_slice(&b[2..10]);
                (u64::from_be_bytes(n) as usize, 10)
            }
            126 | 127 => return None,
            n => (n as usize, 2),
        };
        let mask = if masked {
            if b.len() < at + 4 {
                return None;
            }
            at += 4;
            Some([b[at - 4], b[at - 3], b[at - 2], b[at - 1]])
        } else {
            None
        };
        if b.len() < at + len {
            return None;
        }
        let mut payload = b[at..at + len].to_vec();
        if let Some(m) = mask {
            payload
                .iter_mut()
                .enumerate()
                .for_each(|(i, x)| *x ^= m[i % 4]);
        }
        self.buffer.drain(..at + len);
        Some((fin, opcode, payload))
    }

    /// The next whole message, or `None` once `deadline` passes. Partial data stays
    /// buffered, so a timeout never loses the stream's place.
    fn read_message(&mut self, deadline: Instant) -> Result<Option<Value>, String> {
        let mut chunk = vec![0u8; 1 << 16];
        loop {
            while let Some((fin, opcode, payload)) = self.take_frame() {
                match opcode {
                    0x0 | 0x1 => {
                        self.partial.extend_from_slice(&payload);
                        if fin {
                            let text = std::mem::take(&mut self.partial);
                            let value = serde_json::from_slice(&text)
                                .map_err(|e| format!("DevTools sent non-JSON: {e}"))?;
                            return Ok(Some(value));
                        }
                    }
                    0x8 => return Err("DevTools closed the connection".into()),
                    0x9 => self.send_frame(0xA, &payload)?,
                    _ => {}
                }
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            self.stream
                .set_read_timeout(Some((deadline - now).max(Duration::from_millis(1))))
                .map_err(|e| e.to_string())?;
            match self.stream.read(&mut chunk) {
                Ok(0) => return Err("DevTools closed the connection".into()),
                Ok(n) => self.buffer.extend_from_slice(&chunk[..n]),
                Err(e)
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
        self.send_frame(0x1, message.to_string().as_bytes())?;
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

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
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
