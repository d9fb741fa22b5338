//! Where Chromium's describer runs from document start: the origins that have fired events.
//!
//! The describer (`content-script/describe.template.js`) is what keeps the callId of a detail
//! Chromium cannot clone into the content script's world. At document start in every frame
//! it cost pages that never fire an event more than the 1.2x page-cost bound (BENCHMARKS.md),
//! so the background injects it into a frame with the relay, on the frame's first event, and
//! registers it from document start only for origins that have fired one (a site that runs
//! Fullview's widget fires on every visit). This module holds that list's rules; the
//! background applies them with `scripting.registerContentScripts`.

/// How many origins are kept; the oldest goes first. A support engineer's day touches a few
/// sites, so this is far more than needed, and it keeps the registration small.
pub const MAX_ORIGINS: usize = 64;

/// The match pattern that covers the document at `url` and every other page of its origin
/// (all ports: a Chromium match pattern without a port matches any), or `None` where a
/// pattern cannot name it: `about:`, `data:`, `blob:` and other schemes, whose frames the
/// registration reaches through their creator's origin (`matchOriginAsFallback`).
pub fn pattern_for(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    match scheme.as_str() {
        "http" | "https" => {}
        "file" => return Some("file:///*".to_string()),
        _ => return None,
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // user:pass@host:port → host
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        // An IPv6 literal keeps its brackets.
        let end = v6.find(']')?;
        &host_port[..end + 2]
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    let host = host.to_ascii_lowercase();
    let valid = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '[' | ']' | ':'));
    valid.then(|| format!("{scheme}://{host}/*"))
}

/// The new list once `pattern` has fired an event, or `None` when it is already in `current`
/// (nothing to register). New patterns go last; past [`MAX_ORIGINS`] the first (oldest) go.
pub fn remember(current: &[String], pattern: &str) -> Option<Vec<String>> {
    if current.iter().any(|p| p == pattern) {
        return None;
    }
    let mut next: Vec<String> = current.to_vec();
    next.push(pattern.to_string());
    let over = next.len().saturating_sub(MAX_ORIGINS);
    next.drain(..over);
    Some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_name_the_origin_on_any_port() {
        let cases: &[(&str, Option<&str>)] = &[
            (
                "https://app.example.com/crm?x=1#y",
                Some("https://app.example.com/*"),
            ),
            (
                "http://127.0.0.1:8123/hostile.html",
                Some("http://127.0.0.1/*"),
            ),
            ("HTTP://LocalHost:80", Some("http://localhost/*")),
            (
                "https://user:pw@example.com:8443/",
                Some("https://example.com/*"),
            ),
            ("http://[::1]:8080/x", Some("http://[::1]/*")),
            ("file:///home/me/page.html", Some("file:///*")),
            ("about:blank", None),
            ("about:srcdoc", None),
            ("data:text/html,<p>x", None),
            ("blob:https://example.com/1234", None),
            ("chrome-extension://abc/popup.html", None),
            ("https:///nohost", None),
            ("https://bad host/", None),
            ("https://evil.com*/", None),
        ];
        for (url, expect) in cases {
            assert_eq!(pattern_for(url).as_deref(), *expect, "{url}");
        }
    }

    #[test]
    fn remember_adds_once_and_drops_the_oldest() {
        let p = |i: usize| format!("https://site{i}.example/*");
        assert_eq!(remember(&[], &p(0)), Some(vec![p(0)]));
        assert_eq!(remember(&[p(0), p(1)], &p(1)), None);
        assert_eq!(remember(&[p(0)], &p(1)), Some(vec![p(0), p(1)]));
        let full: Vec<String> = (0..MAX_ORIGINS).map(p).collect();
        let next = remember(&full, &p(MAX_ORIGINS)).unwrap();
        assert_eq!(next.len(), MAX_ORIGINS);
        assert_eq!(next[0], p(1));
        assert_eq!(next.last(), Some(&p(MAX_ORIGINS)));
    }
}
