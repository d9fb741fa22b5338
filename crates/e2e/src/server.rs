//! Fixture HTTP server on 127.0.0.1:<free port> (tiny_http): static routes (content type,
//! body, extra headers such as `Content-Security-Policy`), and a log of what was asked. Two
//! servers are two origins (the port is part of the origin), which is what cross-origin
//! iframe tests need.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

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
    server: Arc<tiny_http::Server>,
    routes: Routes,
    log: Arc<Mutex<Vec<Request>>>,
    thread: Option<JoinHandle<()>>,
}

impl FixtureServer {
    /// Binds 127.0.0.1:0 (a free port, so parallel tests never collide) and serves `routes`
    /// (path without query string → response).
    pub fn start<P: Into<String>>(
        routes: impl IntoIterator<Item = (P, Route)>,
    ) -> Result<FixtureServer, String> {
        let server = tiny_http::Server::http("127.0.0.1:0")
            .map_err(|e| format!("fixture server bind: {e}"))?;
        let addr = server
            .server_addr()
            .to_ip()
            .ok_or("fixture server: not an IP address")?;
        let server = Arc::new(server);
        let routes: Routes = Arc::new(Mutex::new(
            routes.into_iter().map(|(p, r)| (p.into(), r)).collect(),
        ));
        let log = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let (server, routes, log) = (server.clone(), routes.clone(), log.clone());
            std::thread::Builder::new()
                .name(format!("fixture-{}", addr.port()))
                // Ends when `unblock` (Drop) makes `incoming_requests` stop.
                .spawn(move || {
                    for request in server.incoming_requests() {
                        let (routes, log) = (routes.clone(), log.clone());
                        // A thread per request: a browser that stops reading one answer
                        // must not hold up the others.
                        std::thread::spawn(move || {
                            // A browser that drops a speculative connection is not an error.
                            let _ = serve(request, &routes, &log);
                        });
                    }
                })
                .map_err(|e| format!("fixture server thread: {e}"))?
        };
        Ok(FixtureServer {
            addr,
            server,
            routes,
            log,
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
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(
    mut request: tiny_http::Request,
    routes: &Routes,
    log: &Mutex<Vec<Request>>,
) -> Result<(), String> {
    let mut body = Vec::new();
    request
        .as_reader()
        .read_to_end(&mut body)
        .map_err(|e| e.to_string())?;
    let target = request.url().to_string();
    let path = target.split(['?', '#']).next().unwrap_or("/").to_string();
    log.lock().unwrap_or_else(|e| e.into_inner()).push(Request {
        method: request.method().as_str().to_string(),
        path: target,
        headers: request
            .headers()
            .iter()
            .map(|h| {
                (
                    h.field.as_str().as_str().to_ascii_lowercase(),
                    h.value.as_str().to_string(),
                )
            })
            .collect(),
        body,
    });

    // Unknown paths (favicon.ico included, which browsers ask for on their own) are 404.
    let route = routes
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&path)
        .cloned()
        .unwrap_or_else(|| Route::text("not found").status(404));
    let header = |name: &str, value: &str| {
        tiny_http::Header::from_bytes(name, value)
            .map_err(|()| format!("route {path}: bad header {name}: {value}"))
    };
    let mut response = tiny_http::Response::from_data(route.body)
        .with_status_code(route.status)
        .with_header(header("Content-Type", &route.content_type)?)
        .with_header(header("Cache-Control", "no-store")?);
    for (name, value) in &route.headers {
        response.add_header(header(name, value)?);
    }
    // tiny_http leaves the body out of an answer to HEAD.
    request.respond(response).map_err(|e| e.to_string())
}
