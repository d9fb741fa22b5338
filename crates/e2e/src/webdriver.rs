//! A minimal blocking W3C WebDriver client (plus chromedriver's CDP bridge and
//! geckodriver's add-on and context endpoints). Every failure is an `Err` that names the
//! command and carries the driver's error body.

use std::sync::OnceLock;
use std::time::Duration;

use base64::Engine;
use serde_json::{json, Value};

/// The W3C key under which an element reference travels in JSON.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Long enough for a browser to start (new session) or for a script to hit its own
/// script timeout first; a hung driver still ends in an error instead of a hung test.
const HTTP_TIMEOUT: Duration = Duration::from_secs(90);

/// A reference to an element in the current browsing context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Element {
    pub id: String,
}

impl Element {
    /// The JSON form, for passing the element as a script argument.
    pub fn to_json(&self) -> Value {
        json!({ ELEMENT_KEY: self.id })
    }

    fn from_json(value: &Value) -> Result<Element, String> {
        value
            .get(ELEMENT_KEY)
            .and_then(Value::as_str)
            .map(|id| Element { id: id.to_string() })
            .ok_or_else(|| format!("not an element reference: {value}"))
    }
}

/// One WebDriver session on a driver at `host_port`.
#[derive(Debug)]
pub struct WebDriver {
    host_port: String,
    session: String,
    capabilities: Value,
}

/// The HTTP client every driver command goes through. WebDriver reports its errors in
/// the JSON body of a 4xx/5xx answer, so a status is not an error here. No proxy (a
/// `http_proxy` in the environment must not reroute 127.0.0.1), and no kept-alive
/// connections: a driver that restarts on the same port would otherwise be written to
/// through a dead socket.
fn agent() -> &'static ureq::Agent {
    static AGENT: OnceLock<ureq::Agent> = OnceLock::new();
    AGENT.get_or_init(|| {
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(None)
            .max_idle_connections(0)
            .timeout_global(Some(HTTP_TIMEOUT))
            .build()
            .into()
    })
}

/// Sends one command to a driver and returns the response's `value`.
fn command(
    host_port: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Result<Value, String> {
    let url = format!("http://{host_port}{path}");
    let sent = match method {
        "GET" => agent().get(&url).call(),
        "DELETE" => agent().delete(&url).call(),
        "POST" => agent()
            .post(&url)
            .header("Content-Type", "application/json; charset=utf-8")
            .send(body.map(Value::to_string).unwrap_or_default()),
        _ => return Err(format!("WebDriver {method} {path}: no such method here")),
    };
    let mut response = sent.map_err(|e| format!("WebDriver {method} {path}: {e}"))?;
    let status = response.status().as_u16();
    // Screenshots and large script results exceed ureq's default 10 MB cap.
    let bytes = response
        .body_mut()
        .with_config()
        .limit(u64::MAX)
        .read_to_vec()
        .map_err(|e| format!("WebDriver {method} {path}: reading the answer: {e}"))?;
    let text = String::from_utf8_lossy(&bytes);
    let parsed: Value = serde_json::from_str(&text).map_err(|e| {
        format!(
            "WebDriver {method} {path}: HTTP {status}: body is not JSON ({e}): {}",
            truncate(&text, 2000)
        )
    })?;
    let value = parsed.get("value").cloned().unwrap_or(Value::Null);
    let error = value.get("error").and_then(Value::as_str);
    if status >= 400 || error.is_some() {
        // The stack trace is mostly driver internals; keep its head only.
        let mut shown = value.clone();
        if let Some(trace) = shown.get_mut("stacktrace") {
            if let Some(s) = trace.as_str() {
                *trace = Value::String(truncate(s, 600));
            }
        }
        return Err(format!(
            "WebDriver {method} {path} failed (HTTP {status}): {}: {}\n  body: {}",
            error.unwrap_or("unknown error"),
            value.get("message").and_then(Value::as_str).unwrap_or(""),
            truncate(&shown.to_string(), 4000)
        ));
    }
    Ok(value)
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} more bytes)", &s[..end], s.len() - end)
}

impl WebDriver {
    /// `GET /status` on a driver (no session). Ready when `value.ready` is true.
    pub fn status(host_port: &str) -> Result<Value, String> {
        command(host_port, "GET", "/status", None)
    }

    /// `POST /session` with `capabilities` (the `alwaysMatch` object).
    pub fn new_session(host_port: &str, capabilities: Value) -> Result<WebDriver, String> {
        let value = command(
            host_port,
            "POST",
            "/session",
            Some(&json!({ "capabilities": { "alwaysMatch": capabilities } })),
        )?;
        let session = value
            .get("sessionId")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("new session: no sessionId in {value}"))?
            .to_string();
        Ok(WebDriver {
            host_port: host_port.to_string(),
            session,
            capabilities: value.get("capabilities").cloned().unwrap_or(Value::Null),
        })
    }

    pub fn session_id(&self) -> &str {
        &self.session
    }

    /// The capabilities the driver returned (browser version, etc.).
    pub fn capabilities(&self) -> &Value {
        &self.capabilities
    }

    /// Any session command: `path` is relative to `/session/{id}` (e.g. `"/url"`).
    pub fn raw(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
        command(
            &self.host_port,
            method,
            &format!("/session/{}{path}", self.session),
            body,
        )
    }

    /// `DELETE /session/{id}`: closes the browser.
    pub fn delete_session(&self) -> Result<(), String> {
        self.raw("DELETE", "", None).map(drop)
    }

    /// Script, page-load and implicit-wait timeouts.
    pub fn set_timeouts(
        &self,
        script: Duration,
        page_load: Duration,
        implicit: Duration,
    ) -> Result<(), String> {
        self.raw(
            "POST",
            "/timeouts",
            Some(&json!({
                "script": script.as_millis() as u64,
                "pageLoad": page_load.as_millis() as u64,
                "implicit": implicit.as_millis() as u64,
            })),
        )
        .map(drop)
    }

    /// Navigates the current top-level context and waits for the load (page-load strategy
    /// "normal").
    pub fn navigate(&self, url: &str) -> Result<(), String> {
        self.raw("POST", "/url", Some(&json!({ "url": url })))
            .map(drop)
    }

    pub fn current_url(&self) -> Result<String, String> {
        let v = self.raw("GET", "/url", None)?;
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("current url: not a string: {v}"))
    }

    pub fn title(&self) -> Result<String, String> {
        let v = self.raw("GET", "/title", None)?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }

    pub fn refresh(&self) -> Result<(), String> {
        self.raw("POST", "/refresh", Some(&json!({}))).map(drop)
    }

    /// Runs `script` as a function body (`arguments[i]` are `args`) and returns its result.
    pub fn execute(&self, script: &str, args: &[Value]) -> Result<Value, String> {
        self.raw(
            "POST",
            "/execute/sync",
            Some(&json!({ "script": script, "args": args })),
        )
    }

    /// Like [`WebDriver::execute`], but the script's result is what it passes to the
    /// callback that WebDriver appends as the last argument.
    pub fn execute_async(&self, script: &str, args: &[Value]) -> Result<Value, String> {
        self.raw(
            "POST",
            "/execute/async",
            Some(&json!({ "script": script, "args": args })),
        )
    }

    /// The first element matching a CSS selector.
    pub fn find(&self, css: &str) -> Result<Element, String> {
        let v = self.raw(
            "POST",
            "/element",
            Some(&json!({ "using": "css selector", "value": css })),
        )?;
        Element::from_json(&v)
    }

    /// Every element matching a CSS selector (possibly none).
    pub fn find_all(&self, css: &str) -> Result<Vec<Element>, String> {
        let v = self.raw(
            "POST",
            "/elements",
            Some(&json!({ "using": "css selector", "value": css })),
        )?;
        v.as_array()
            .ok_or_else(|| format!("find elements: not an array: {v}"))?
            .iter()
            .map(Element::from_json)
            .collect()
    }

    pub fn click(&self, element: &Element) -> Result<(), String> {
        self.raw(
            "POST",
            &format!("/element/{}/click", element.id),
            Some(&json!({})),
        )
        .map(drop)
    }

    /// The element's rendered text.
    pub fn text(&self, element: &Element) -> Result<String, String> {
        let v = self.raw("GET", &format!("/element/{}/text", element.id), None)?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }

    pub fn attribute(&self, element: &Element, name: &str) -> Result<Option<String>, String> {
        let v = self.raw(
            "GET",
            &format!("/element/{}/attribute/{name}", element.id),
            None,
        )?;
        Ok(v.as_str().map(str::to_string))
    }

    /// Switches into an iframe (`Some(element)`) or back to the top-level context (`None`).
    pub fn switch_to_frame(&self, frame: Option<&Element>) -> Result<(), String> {
        let id = frame.map_or(Value::Null, Element::to_json);
        self.raw("POST", "/frame", Some(&json!({ "id": id })))
            .map(drop)
    }

    pub fn switch_to_parent_frame(&self) -> Result<(), String> {
        self.raw("POST", "/frame/parent", Some(&json!({})))
            .map(drop)
    }

    pub fn window_handle(&self) -> Result<String, String> {
        let v = self.raw("GET", "/window", None)?;
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("window handle: not a string: {v}"))
    }

    pub fn window_handles(&self) -> Result<Vec<String>, String> {
        let v = self.raw("GET", "/window/handles", None)?;
        Ok(v.as_array()
            .ok_or_else(|| format!("window handles: not an array: {v}"))?
            .iter()
            .filter_map(|h| h.as_str().map(str::to_string))
            .collect())
    }

    pub fn switch_to_window(&self, handle: &str) -> Result<(), String> {
        self.raw("POST", "/window", Some(&json!({ "handle": handle })))
            .map(drop)
    }

    /// Opens a new tab (not switched to) and returns its handle.
    pub fn new_window(&self) -> Result<String, String> {
        let v = self.raw("POST", "/window/new", Some(&json!({ "type": "tab" })))?;
        v.get("handle")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| format!("new window: no handle in {v}"))
    }

    /// Closes the current tab; returns the remaining handles. Switch to one of them before
    /// the next command.
    pub fn close_window(&self) -> Result<Vec<String>, String> {
        let v = self.raw("DELETE", "/window", None)?;
        Ok(v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|h| h.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// A PNG of the current top-level viewport.
    pub fn screenshot(&self) -> Result<Vec<u8>, String> {
        png(self.raw("GET", "/screenshot", None)?, "screenshot")
    }

    /// A PNG of one element (WebDriver "Take Element Screenshot").
    pub fn element_screenshot(&self, element: &Element) -> Result<Vec<u8>, String> {
        let path = format!("/element/{}/screenshot", element.id);
        png(self.raw("GET", &path, None)?, "element screenshot")
    }

    pub fn set_window_rect(&self, x: i32, y: i32, width: u32, height: u32) -> Result<(), String> {
        self.raw(
            "POST",
            "/window/rect",
            Some(&json!({ "x": x, "y": y, "width": width, "height": height })),
        )
        .map(drop)
    }

    /// Chromium only: a Chrome DevTools Protocol command through chromedriver's
    /// `POST /session/{id}/goog/cdp/execute`, run on the current tab's target (browser-wide
    /// domains such as `Target` work from there too).
    pub fn cdp(&self, cmd: &str, params: Value) -> Result<Value, String> {
        self.raw(
            "POST",
            "/goog/cdp/execute",
            Some(&json!({ "cmd": cmd, "params": params })),
        )
    }

    /// Firefox only: installs an add-on from an `.xpi` or an unpacked directory; returns
    /// its id. `temporary` add-ons need no signature and vanish with the profile.
    pub fn install_addon(&self, path: &std::path::Path, temporary: bool) -> Result<String, String> {
        let v = self.raw(
            "POST",
            "/moz/addon/install",
            Some(&json!({ "path": path.to_string_lossy(), "temporary": temporary })),
        )?;
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("install addon: no id in {v}"))
    }

    /// Firefox only: `"chrome"` (privileged browser UI; needs geckodriver
    /// `--allow-system-access`) or `"content"` (web pages).
    pub fn set_context(&self, context: &str) -> Result<(), String> {
        self.raw("POST", "/moz/context", Some(&json!({ "context": context })))
            .map(drop)
    }
}

/// A screenshot answer: the PNG, base64-encoded.
fn png(answer: Value, what: &str) -> Result<Vec<u8>, String> {
    let b64 = answer
        .as_str()
        .ok_or_else(|| format!("{what}: not a string: {answer}"))?;
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|e| format!("{what}: {e}"))
}
