//! Data-driven checks of the words issue 12 asks for: durations in the unit that fits
//! (`time::readable_duration`) and hints for integrators whose `callId` the rules could not
//! take (`detail::call_id_hints`). Each case is (input, expected output).

use fvi_core::detail::{call_id_hints, call_id_of};
use fvi_core::time::{readable_duration, readable_rel, Zone};
use serde_json::{json, Value};

#[test]
fn durations_read_in_the_unit_that_fits() {
    let cases: &[(f64, &str)] = &[
        (0.0, "0 ms"),
        (0.4, "0 ms"),
        (850.0, "850 ms"),
        (999.4, "999 ms"),
        (999.6, "1.0 s"),
        (4_000.0, "4.0 s"),
        (13_040.0, "13.0 s"),
        (59_940.0, "59.9 s"),
        (59_960.0, "1 min 0 s"),
        (602_850.0, "10 min 3 s"),
        (602_000.0, "10 min 2 s"),
        (3_599_400.0, "59 min 59 s"),
        (3_599_600.0, "1 h 0 min"),
        (4_320_000.0, "1 h 12 min"),
        (90_000_000.0, "25 h 0 min"),
        (-850.0, "−850 ms"),
        (f64::NAN, "unknown duration"),
        (f64::INFINITY, "unknown duration"),
    ];
    for (ms, want) in cases {
        assert_eq!(readable_duration(*ms), *want, "{ms} ms");
    }
}

/// (ms after the call's start, as read): a step before the start is negative.
#[test]
fn relative_times_read_in_the_unit_that_fits() {
    let cases: &[(f64, &str)] = &[
        (0.0, "+0 ms"),
        (-0.3, "+0 ms"),
        (850.0, "+850 ms"),
        (4_020.0, "+4.0 s"),
        (602_000.0, "+10 min 2 s"),
        (-31_100.0, "−31.1 s"),
        (f64::NAN, "+unknown duration"),
    ];
    for (ms, want) in cases {
        assert_eq!(readable_rel(*ms), *want, "{ms} ms");
    }
}

/// (offset in minutes east of UTC, instant) → (local date and time, zone name): the shell
/// passes the zone in, the core only adds it.
#[test]
fn local_times_shift_by_the_zone_passed_in() {
    let t = 1_795_504_731_123.0; // 2026-11-24 07:18:51.123Z
    let cases: &[(i32, f64, &str, &str)] = &[
        (0, t, "2026-11-24 07:18:51", "UTC"),
        (60, t, "2026-11-24 08:18:51", "UTC+01:00"),
        (-330, t, "2026-11-24 01:48:51", "UTC−05:30"),
        // Across midnight, and a year.
        (
            -480,
            1_798_761_599_000.0,
            "2026-12-31 15:59:59",
            "UTC−08:00",
        ),
        (840, 1_798_761_599_000.0, "2027-01-01 13:59:59", "UTC+14:00"),
        (60, f64::NAN, "invalid time", "UTC+01:00"),
    ];
    for &(offset_min, ms, date_time, name) in cases {
        let zone = Zone { offset_min };
        assert_eq!(
            (zone.date_time(ms), zone.name()),
            (date_time.to_string(), name.to_string()),
            "{offset_min} min at {ms}"
        );
    }
    assert_eq!(Zone { offset_min: 60 }.time(t), "08:18:51");
    assert_eq!(
        Zone { offset_min: 60 }.date_time_zoned(t),
        "2026-11-24 08:18:51 (UTC+01:00)"
    );
}

#[test]
fn near_misses_of_call_id_get_a_hint_and_stay_without_a_call() {
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({"callId": "c1"}), vec![]),
        // Beside a usable callId, `id` and `call_id` mean something else.
        (json!({"callId": "c1", "id": "x", "call_id": "y"}), vec![]),
        (
            json!({"callid": "c1"}),
            vec!["`detail.callid` looks like a mis-cased `callId`"],
        ),
        (
            json!({"callID": "c1"}),
            vec!["`detail.callID` looks like a mis-cased `callId`"],
        ),
        (
            json!({"call_id": "c1"}),
            vec!["`detail.call_id` looks like a misspelt `callId`"],
        ),
        (
            json!({"id": "c1"}),
            vec!["`detail.id` may be meant as `callId`: the rules read only `callId`"],
        ),
        (json!({"id": 7}), vec![]),
        (
            json!({"callId": 7}),
            vec!["`detail.callId` is a number (7), not a string, so the event belongs to no call"],
        ),
        (
            json!({"callId": ""}),
            vec!["`detail.callId` is an empty string, so the event belongs to no call"],
        ),
        (
            json!({"callId": "", "call_id": "c1"}),
            vec![
                "`detail.callId` is an empty string, so the event belongs to no call",
                "`detail.call_id` looks like a misspelt `callId`",
            ],
        ),
        (
            json!({"callId": {"$fvi": "undefined"}}),
            vec!["`detail.callId` is something JSON cannot hold (see its marker), not a string, so the event belongs to no call"],
        ),
        (
            json!({"callId": "x".repeat(300)}),
            vec!["`detail.callId` is 300 characters long, more than the 256 an id may have, so the event belongs to no call"],
        ),
        (json!(null), vec![]),
        (json!("c1"), vec![]),
    ];
    for (detail, want) in cases {
        assert_eq!(call_id_hints(&detail), want, "{detail}");
        // A hint never changes where the rules put the event.
        if !want.is_empty() {
            assert_eq!(call_id_of(&detail), None, "{detail}");
        }
    }
}
