//! A tiny blocking HTTP/1.1 client and the message-head parser the fixture server shares:
//! chromedriver and geckodriver only ever talk to us on 127.0.0.1, one request per
//! connection, so std's `TcpStream` is all that is needed (no async runtime, no TLS).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A parsed HTTP response.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

/// Reads a message head (start line and headers, up to the blank line). Header names are
/// lower-cased.
pub fn read_head(reader: &mut impl BufRead) -> Result<(String, Vec<(String, String)>), String> {
    let mut start = String::new();
    if reader
        .read_line(&mut start)
        .map_err(|e| format!("reading start line: {e}"))?
        == 0
    {
        return Err("connection closed before a start line".into());
    }
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader
            .read_line(&mut line)
            .map_err(|e| format!("reading headers: {e}"))?
            == 0
        {
            break;
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    Ok((start.trim_end().to_string(), headers))
}

/// The value of header `name` (lower-case), if present.
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// Sends one request to `host_port` (e.g. `127.0.0.1:9515`) with `Connection: close` and
/// reads the whole response. The body, when given, is sent as JSON.
pub fn request(
    host_port: &str,
    method: &str,
    path: &str,
    body: Option<&[u8]>,
    timeout: Duration,
) -> Result<Response, String> {
    let stream =
        TcpStream::connect(host_port).map_err(|e| format!("connect to {host_port}: {e}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .map_err(|e| format!("setting socket timeouts: {e}"))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host_port}\r\nConnection: close\r\nAccept: application/json\r\n"
    );
    let body = body.unwrap_or_default();
    if !body.is_empty() || method == "POST" {
        head.push_str(&format!(
            "Content-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    head.push_str("\r\n");
    let mut writer = &stream;
    writer
        .write_all(head.as_bytes())
        .and_then(|()| writer.write_all(body))
        .and_then(|()| writer.flush())
        .map_err(|e| format!("sending {method} {path}: {e}"))?;

    let mut reader = BufReader::new(&stream);
    let (status_line, headers) = read_head(&mut reader)?;
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let mut body = Vec::new();
    let read_err = |e: std::io::Error| format!("reading response to {method} {path}: {e}");
    if method == "HEAD" || status == 204 || status == 304 || (100..200).contains(&status) {
        // No body by definition.
    } else if let Some(len) = header(&headers, "content-length").and_then(|v| v.parse().ok()) {
        body.resize(len, 0);
        reader.read_exact(&mut body).map_err(read_err)?;
    } else if header(&headers, "transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
    {
        loop {
            let mut size_line = String::new();
            reader.read_line(&mut size_line).map_err(read_err)?;
            let size_text = size_line.trim().split(';').next().unwrap_or("");
            let size = usize::from_str_radix(size_text, 16)
                .map_err(|_| format!("bad chunk size {size_line:?}"))?;
            if size == 0 {
                break;
            }
            let start = body.len();
            body.resize(start + size, 0);
            reader.read_exact(&mut body[start..]).map_err(read_err)?;
            let mut crlf = String::new();
            reader.read_line(&mut crlf).map_err(read_err)?;
        }
    } else {
        reader.read_to_end(&mut body).map_err(read_err)?;
    }
    Ok(Response { status, body })
}
