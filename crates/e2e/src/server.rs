//! Fixture HTTP server on 127.0.0.1:<free port>: static routes (content type, body, extra
//! headers such as `Content-Security-Policy`). Two servers are two origins (the port is part
//! of the origin), which is what cross-origin iframe tests need.

use std::collections::HashMap;
use std::io::{BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::http::{header, read_head};

/// One static response.
#[derive(Clone, Debug)]
pub struct Route {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
    /// Extra response headers, e.g. `("Content-Security-Policy", "script-src 'self'")`.
    pub headers: Vec<(String, String)>,
}

impl Route {
    pub fn new(content_type: &str, body: impl Into<Vec<u8>>) -> Route {
        Route {
            status: 200,
            content_type: content_type.to_string(),
            body: body.into(),
            headers: Vec::new(),
        }
    }

    pub fn html(body: impl Into<Vec<u8>>) -> Route {
        Route::new("text/html; charset=utf-8", body)
    }

    pub fn js(body: impl Into<Vec<u8>>) -> Route {
        Route::new("text/javascript; charset=utf-8", body)
    }

    pub fn json(body: impl Into<Vec<u8>>) -> Route {
        Route::new("application/json", body)
    }

    pub fn text(body: impl Into<Vec<u8>>) -> Route {
        Route::new("text/plain; charset=utf-8", body)
    }

    /// Adds a response header.
    pub fn header(mut self, name: &str, value: &str) -> Route {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Shorthand for a `Content-Security-Policy` header.
    pub fn csp(self, policy: &str) -> Route {
        self.header("Content-Security-Policy", policy)
    }

    pub fn status(mut self, status: u16) -> Route {
        self.status = status;
        self
    }
}

/// A request the server received (for tests that check what the page fetched).
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    /// The request target as sent, query string included.
    pub path: String,
    /// Lower-cased names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

type Routes = Arc<Mutex<HashMap<String, Route>>>;

/// A running fixture server; stops when dropped.
pub struct FixtureServer {
    addr: SocketAddr,
    routes: Routes,
    log: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FixtureServer {
    /// Binds 127.0.0.1:0 (a free port, so parallel tests never collide) and serves `routes`
    /// (path without query string → response) on a thread per connection.
    pub fn start<P: Into<String>>(
        routes: impl IntoIterator<Item = (P, Route)>,
    ) -> Result<FixtureServer, String> {
        let listener =
            TcpListener::bind("127.0.0.1:0").map_err(|e| format!("fixture server bind: {e}"))?;
        let addr = listener
            .local_addr()
            .map_err(|e| format!("fixture server address: {e}"))?;
        let routes: Routes = Arc::new(Mutex::new(
            routes.into_iter().map(|(p, r)| (p.into(), r)).collect(),
        ));
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (routes, log, stop) = (routes.clone(), log.clone(), stop.clone());
            std::thread::Builder::new()
                .name(format!("fixture-{}", addr.port()))
                .spawn(move || {
                    for conn in listener.incoming() {
                        if stop.load(Ordering::SeqCst) {
                            break;
                        }
                        let Ok(conn) = conn else { continue };
                        let (routes, log) = (routes.clone(), log.clone());
                        std::thread::spawn(move || {
                            // A browser that drops a speculative connection is not an error.
                            let _ = serve(conn, &routes, &log);
                        });
                    }
                })
                .map_err(|e| format!("fixture server thread: {e}"))?
        };
        Ok(FixtureServer {
            addr,
            routes,
            log,
            stop,
            thread: Some(thread),
        })
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://127.0.0.1:<port>`.
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.addr.port())
    }

    /// `http://127.0.0.1:<port><path>`; `path` starts with `/`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin())
    }

    /// The same route through `http://localhost:<port>`: a different *site*, not just a
    /// different origin. Chromium isolates processes per site (scheme + registrable
    /// domain, ports ignored), so only this gives an out-of-process iframe.
    pub fn localhost_url(&self, path: &str) -> String {
        format!("http://localhost:{}{path}", self.addr.port())
    }

    /// Adds or replaces a route while running (e.g. a page that embeds the other
    /// server's URL, known only after both started).
    pub fn route(&self, path: &str, route: Route) {
        self.routes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(path.to_string(), route);
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Drop for FixtureServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // `accept` blocks; one connection wakes the loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(conn: TcpStream, routes: &Routes, log: &Mutex<Vec<Request>>) -> Result<(), String> {
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(&conn);
    let (start, headers) = read_head(&mut reader)?;
    let mut parts = start.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("/").to_string();
    let mut body = Vec::new();
    if let Some(len) = header(&headers, "content-length").and_then(|v| v.parse::<usize>().ok()) {
        body.resize(len, 0);
        reader.read_exact(&mut body).map_err(|e| e.to_string())?;
    }
    let path = target.split(['?', '#']).next().unwrap_or("/").to_string();
    log.lock().unwrap_or_else(|e| e.into_inner()).push(Request {
        method: method.clone(),
        path: target,
        headers,
        body,
    });

    // Unknown paths (favicon.ico included, which browsers ask for on their own) are 404.
    let route = routes
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&path)
        .cloned()
        .unwrap_or_else(|| Route::text("not found").status(404));
    let reason = match route.status {
        200 => "OK",
        404 => "Not Found",
        _ => "Status",
    };
    let mut head = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\nCache-Control: no-store\r\n",
        route.status,
        route.content_type,
        route.body.len()
    );
    for (name, value) in &route.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut writer = &conn;
    writer
        .write_all(head.as_bytes())
        .map_err(|e| e.to_string())?;
    if method != "HEAD" {
        writer.write_all(&route.body).map_err(|e| e.to_string())?;
    }
    writer.flush().map_err(|e| e.to_string())
}
