//! How times, durations, counts and `detail` JSON read on screen. Relative times and
//! durations use the core's readable formats (`850 ms`, `+4.0 s`, `10 min 2 s`), so the
//! popup, the copies and tests agree.

use serde_json::Value;

/// Most characters of one `detail` shown inline. The background bounds details already,
/// but an imported file need not come from it, and a multi-megabyte text node makes the
/// pane sluggish; the full value is still in the export.
pub const MAX_DETAIL_CHARS: usize = 20_000;

/// Local wall-clock time with milliseconds: `14:03:07.125`. Local, because that is the
/// clock the engineer and the customer talk in; the UTC form is in the `title`.
pub fn local_time(ms: f64) -> String {
    if !valid_time(ms) {
        return "invalid time".into();
    }
    let d = js_sys::Date::new(&ms.into());
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        d.get_hours(),
        d.get_minutes(),
        d.get_seconds(),
        d.get_milliseconds()
    )
}

/// Local date and time: `2026-11-24 14:03:07`.
pub fn local_date_time(ms: f64) -> String {
    if !valid_time(ms) {
        return "invalid time".into();
    }
    let d = js_sys::Date::new(&ms.into());
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes(),
        d.get_seconds()
    )
}

/// The clock and the local-time formats the view models are derived with: the browser's
/// in the page ([`Local`]), a fixed one in host tests. Texts that depend on time take it
/// from here at render time, never from when the model was built, so they cannot go stale.
pub trait Clock {
    /// Milliseconds since the epoch.
    fn now(&self) -> f64;
    /// `2026-11-24 14:03:07`, local.
    fn date_time(&self, ms: f64) -> String;
}

/// The browser's clock and local time zone.
pub struct Local {
    pub now: f64,
}

impl Local {
    pub fn now() -> Local {
        Local {
            now: js_sys::Date::now(),
        }
    }
}

impl Clock for Local {
    fn now(&self) -> f64 {
        self.now
    }
    fn date_time(&self, ms: f64) -> String {
        local_date_time(ms)
    }
}

/// A fixed clock in UTC, for host tests: they have no browser to ask for the local zone.
#[cfg(test)]
pub struct FixedClock(pub f64);

#[cfg(test)]
impl Clock for FixedClock {
    fn now(&self) -> f64 {
        self.0
    }
    fn date_time(&self, ms: f64) -> String {
        fvi_core::time::Zone::UTC.date_time(ms)
    }
}

/// Full UTC time for tooltips and tickets: `2026-11-24 07:18:51.123Z`.
pub fn utc(ms: f64) -> String {
    fvi_core::time::format_utc(ms)
}

/// The browser's time zone at `ms`, for the copies (the core has no clock and no zone).
pub fn zone(ms: f64) -> fvi_core::time::Zone {
    let offset = if valid_time(ms) {
        js_sys::Date::new(&ms.into()).get_timezone_offset()
    } else {
        0.0
    };
    fvi_core::time::Zone {
        offset_min: -(offset as i32),
    }
}

fn valid_time(ms: f64) -> bool {
    ms.is_finite() && ms.abs() <= 8.64e15
}

/// `850 ms`, `4.0 s`, `10 min 2 s`, `1 h 12 min`: the unit that fits (the core's format,
/// so the popup and the copies agree).
pub fn duration(ms: f64) -> String {
    fvi_core::time::readable_duration(ms)
}

/// `+4.0 s`: a time after the call's start.
pub fn rel(ms: f64) -> String {
    fvi_core::time::readable_rel(ms)
}

/// `12,345`.
pub fn count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1 call`, `3 calls`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", count(n), if n == 1 { one } else { many })
}

/// `detail` as indented JSON, cut at [`MAX_DETAIL_CHARS`] with a note saying so.
pub fn detail_json(detail: &Value, truncated_by_capture: bool) -> String {
    let mut text = serde_json::to_string_pretty(detail).unwrap_or_else(|_| "null".into());
    if text.len() > MAX_DETAIL_CHARS {
        let mut cut = MAX_DETAIL_CHARS;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let rest = text.len() - cut;
        text.truncate(cut);
        text.push_str(&format!(
            "\n… {} more characters not shown here; the export has them all",
            count(rest)
        ));
    }
    if truncated_by_capture {
        text.push_str("\n(detail was cut to the capture limit when it was recorded)");
    }
    text
}

/// `https://shop.example` → `shop.example`: the scheme is noise in a narrow list.
pub fn short_site(site: &str) -> &str {
    site.strip_prefix("https://")
        .or_else(|| site.strip_prefix("http://"))
        .unwrap_or(site)
}

/// A page-supplied string for a one-line slot, cut to `max` characters.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_have_separators() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(100_000), "100,000");
        assert_eq!(count(1_234_567), "1,234,567");
    }

    #[test]
    fn durations_read_in_the_unit_that_fits() {
        let cases = [
            (850.0, "850 ms"),
            (4200.0, "4.2 s"),
            (95_500.0, "1 min 36 s"),
            (3_725_000.0, "1 h 2 min"),
        ];
        for (ms, want) in cases {
            assert_eq!(duration(ms), want, "{ms} ms");
        }
        assert_eq!(rel(-1200.0), "−1.2 s");
        assert_eq!(rel(0.0), "+0 ms");
    }

    #[test]
    fn huge_details_are_cut_on_a_char_boundary() {
        let v = Value::String("é".repeat(MAX_DETAIL_CHARS));
        let text = detail_json(&v, false);
        assert!(text.len() < MAX_DETAIL_CHARS + 200);
        assert!(text.contains("more characters not shown"));
    }

    #[test]
    fn clip_marks_the_cut() {
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("abc", 4), "abc");
    }
}
