//! Calendar arithmetic and time formatting, without a clock: every function takes the time
//! (ms since the Unix epoch) as an argument.

use crate::lifecycle::format_secs;

/// Formats ms since the Unix epoch as RFC 3339 in UTC with milliseconds,
/// e.g. `2026-11-24T07:18:51.123Z`. The caller passes the time in; the core reads no clock.
pub fn rfc3339(ms: f64) -> String {
    let total_ms = ms.max(0.0).floor() as i64;
    let (secs, millis) = (total_ms.div_euclid(1000), total_ms.rem_euclid(1000));
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// `2026-11-24 07:18:51.123Z`: UTC, millisecond precision, from ms since the Unix epoch.
pub fn format_utc(ms: f64) -> String {
    // ±8.64e15 ms is the range of a JavaScript Date; outside it there is no date to show.
    if !ms.is_finite() || ms.abs() > 8.64e15 {
        return "invalid time".to_string();
    }
    let total = ms.floor() as i64;
    let (y, m, d) = civil_from_days(total.div_euclid(86_400_000));
    let rem = total.rem_euclid(86_400_000);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000
    )
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`): eras of 400 years, years starting in March so
/// the leap day is last.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `95.50 s (1 min 35 s)`: exact seconds for comparing, minutes and hours for reading.
pub fn format_duration(ms: f64) -> String {
    let secs = format_secs(ms);
    if !ms.is_finite() || ms < 60_000.0 {
        return secs;
    }
    let total = (ms / 1000.0).floor() as u64;
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    if h > 0 {
        format!("{secs} ({h} h {m} min {s} s)")
    } else {
        format!("{secs} ({m} min {s} s)")
    }
}

/// A duration in the unit that fits, for reading (issue 12): `850 ms`, `4.0 s`,
/// `10 min 2 s`, `1 h 12 min`. Each form rounds to its last unit, and a value that rounds
/// up into the next form is written in that form (`59.96 s` is `1 min 0 s`). Exact
/// figures for comparing stay in [`format_duration`].
pub fn readable_duration(ms: f64) -> String {
    if !ms.is_finite() {
        return "unknown duration".to_string();
    }
    if ms < 0.0 {
        return format!("−{}", readable_duration(-ms));
    }
    let whole_ms = ms.round();
    if whole_ms < 1000.0 {
        return format!("{whole_ms} ms");
    }
    let tenths = (ms / 100.0).round();
    if tenths < 600.0 {
        return format!("{:.1} s", tenths / 10.0);
    }
    let secs = (ms / 1000.0).round() as u64;
    if secs < 3600 {
        return format!("{} min {} s", secs / 60, secs % 60);
    }
    let mins = (ms / 60_000.0).round() as u64;
    format!("{} h {} min", mins / 60, mins % 60)
}

/// A time after a call's start, for reading: `+850 ms`, `+4.0 s`, `−1.2 s` (before it, as
/// a linked inbound request can be), in the units of [`readable_duration`].
pub fn readable_rel(ms: f64) -> String {
    if ms.is_finite() && ms.round() < 0.0 {
        readable_duration(ms)
    } else {
        format!("+{}", readable_duration(ms.abs()))
    }
}

/// The local time zone as an offset from UTC, in minutes east (UTC+01:00 is 60). The core
/// has no clock and no zone database: the shell reads the offset from its own clock
/// (`-Date.getTimezoneOffset()` in the browser) and passes it in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Zone {
    pub offset_min: i32,
}

impl Zone {
    pub const UTC: Zone = Zone { offset_min: 0 };

    /// `2026-11-24 08:18:51`: local date and time to the second.
    pub fn date_time(self, ms: f64) -> String {
        self.shifted(ms).map_or_else(
            || "invalid time".to_string(),
            |utc| utc.get(..19).unwrap_or_default().to_string(),
        )
    }

    /// `08:18:51`: local time of day to the second.
    pub fn time(self, ms: f64) -> String {
        self.shifted(ms).map_or_else(
            || "invalid time".to_string(),
            |utc| utc.get(11..19).unwrap_or_default().to_string(),
        )
    }

    /// `UTC+01:00`, `UTC−05:30`, `UTC`.
    pub fn name(self) -> String {
        if self.offset_min == 0 {
            return "UTC".to_string();
        }
        let sign = if self.offset_min < 0 { '−' } else { '+' };
        let abs = self.offset_min.unsigned_abs();
        format!("UTC{sign}{:02}:{:02}", abs / 60, abs % 60)
    }

    /// `2026-11-24 08:18:51 (UTC+01:00)`: local for reading, with the zone, so a reader
    /// elsewhere can place it.
    pub fn date_time_zoned(self, ms: f64) -> String {
        format!("{} ({})", self.date_time(ms), self.name())
    }

    fn shifted(self, ms: f64) -> Option<String> {
        let local = ms + f64::from(self.offset_min) * 60_000.0;
        let formatted = format_utc(local);
        (formatted != "invalid time").then_some(formatted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_rfc3339() {
        assert_eq!(rfc3339(0.0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_764_000_000_000.5), "2025-11-24T16:00:00.000Z");
        assert_eq!(rfc3339(951_782_400_123.0), "2000-02-29T00:00:00.123Z");
    }

    #[test]
    fn utc_formatting_matches_known_instants() {
        assert_eq!(format_utc(0.0), "1970-01-01 00:00:00.000Z");
        assert_eq!(format_utc(1_795_504_731_123.0), "2026-11-24 07:18:51.123Z");
        assert_eq!(format_utc(1_795_504_731_123.9), "2026-11-24 07:18:51.123Z");
        assert_eq!(format_utc(951_868_799_999.0), "2000-02-29 23:59:59.999Z");
        assert_eq!(format_utc(4_107_542_400_000.0), "2100-03-01 00:00:00.000Z");
        assert_eq!(format_utc(-1.0), "1969-12-31 23:59:59.999Z");
        assert_eq!(format_utc(f64::NAN), "invalid time");
    }

    #[test]
    fn every_day_of_four_centuries_round_trips() {
        // Inverse (days_from_civil) to check the conversion over a full 400-year cycle.
        fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
            let y = if m <= 2 { y - 1 } else { y };
            let era = y.div_euclid(400);
            let yoe = y.rem_euclid(400);
            let m = i64::from(m);
            let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
            let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
            era * 146_097 + doe - 719_468
        }
        let mut previous = civil_from_days(-1);
        for days in 0..146_097 {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
            assert!((y, m, d) > previous);
            previous = (y, m, d);
        }
    }
}
