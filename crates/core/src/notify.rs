//! How often the background tells the open inspector pages that the log changed
//! ([`crate::protocol::Notice::LogChanged`]): at once after a quiet spell, so a panel beside
//! the page shows an event as soon as it is stored; then at most once per [`GAP_MS`] while
//! writes keep coming, so a burst (some 25 writes in two seconds) costs each open page a
//! few small reads instead of one per write. The last change of a run is always told: a
//! change inside the gap sets one timer, which tells it at the gap's end.
//!
//! And how an open page listens for those notices ([`Listening`]): a port while the log is
//! busy, passive listeners while it is quiet.
//!
//! Time is passed in (ms, any one clock); the shells (`crates/background/src/notify.rs`,
//! `crates/popup/src/live.rs`) own the timers and the listeners.

/// The least time between two notices.
pub const GAP_MS: f64 = 50.0;

/// What the shell does about a change.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pace {
    /// Tell the pages now.
    Now,
    /// Set a timer for this time, and call [`Pacer::due`] when it fires.
    At(f64),
    /// A timer is set already; the notice it sends covers this change too.
    Wait,
}

/// The coalescing state: when the last notice went, and whether a timer is set.
#[derive(Debug, Default, Clone)]
pub struct Pacer {
    last: Option<f64>,
    timer: bool,
}

impl Pacer {
    pub fn new() -> Pacer {
        Pacer::default()
    }

    /// The log changed at `now`.
    pub fn changed(&mut self, now: f64) -> Pace {
        if self.timer {
            return Pace::Wait;
        }
        match self.last {
            // A clock that went back counts as a quiet spell: tell at once.
            Some(last) if now >= last && now < last + GAP_MS => {
                self.timer = true;
                Pace::At(last + GAP_MS)
            }
            _ => {
                self.last = Some(now);
                Pace::Now
            }
        }
    }

    /// The timer [`Pacer::changed`] asked for fired at `now`: tell the pages now.
    pub fn due(&mut self, now: f64) {
        self.timer = false;
        self.last = Some(now);
    }
}

/// An open page drops its port after this long without a notice, and waits for the next
/// change with its passive listeners again: the background may then sleep. (Chromium stops
/// an idle service worker after about 30 s, which also ends the port.)
pub const QUIET_MS: f64 = 20_000.0;

/// What an open inspector page heard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heard {
    /// A passive listener fired: `storage.onChanged` (the log changed) or a status
    /// broadcast. The page holds those only while it has no port.
    Woken,
    /// A notice arrived on the port.
    Notice,
    /// The port went: the background stopped, or the extension was reloaded.
    PortGone,
    /// Time passed (the page's timer).
    Tick,
}

/// What the page does about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Open the port (the background is awake: it just wrote), drop the passive
    /// listeners, and reload: the background's greeting on the port will ask for another
    /// reload, which covers every change from then on.
    Connect,
    /// Add the passive listeners, then drop the port; reload if `reload` (the port went
    /// on its own, and a change may have come with it).
    GoQuiet {
        reload: bool,
    },
    /// Read what is new.
    Reload,
    Nothing,
}

/// How an open page hears of changes. While the log is busy it holds a port to the
/// background, which tells it of each change in a small notice and carries nothing else.
/// While it is quiet it holds passive listeners instead (`storage.onChanged`, and the
/// status broadcasts on `runtime.onMessage`): they wake no background, but they carry the
/// changed chunks' contents and every capture message, which during a burst would be
/// parsed on the page's main thread. So a page never opens a port by itself (that would
/// start a sleeping background), only when it is woken by a change.
#[derive(Debug, Default, Clone)]
pub struct Listening {
    /// While the port is open: when it last carried a notice (or opened).
    port: Option<f64>,
}

impl Listening {
    pub fn new() -> Listening {
        Listening::default()
    }

    /// Whether the page holds a port now (else its passive listeners).
    pub fn connected(&self) -> bool {
        self.port.is_some()
    }

    pub fn heard(&mut self, what: Heard, now: f64) -> Step {
        match (what, self.port) {
            (Heard::Woken, None) => {
                self.port = Some(now);
                Step::Connect
            }
            // A passive listener's event that was already queued when the port opened.
            (Heard::Woken, Some(_)) => Step::Reload,
            (Heard::Notice, Some(_)) => {
                self.port = Some(now);
                Step::Reload
            }
            // A notice that was already on its way when the port was dropped.
            (Heard::Notice, None) => Step::Reload,
            (Heard::PortGone, Some(_)) => {
                self.port = None;
                Step::GoQuiet { reload: true }
            }
            (Heard::Tick, Some(last)) if now - last >= QUIET_MS || now < last => {
                self.port = None;
                Step::GoQuiet { reload: false }
            }
            (Heard::PortGone, None) | (Heard::Tick, _) => Step::Nothing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_holds_a_port_only_while_the_log_is_busy() {
        // (what, at) steps, and the step each gives, and whether a port is held after.
        type Steps<'a> = &'a [(Heard, f64)];
        type Expect<'a> = &'a [(Step, bool)];
        let cases: [(Steps, Expect); 6] = [
            // Quiet: ticks do nothing; a change connects.
            (
                &[(Heard::Tick, 1000.0), (Heard::Woken, 2000.0)],
                &[(Step::Nothing, false), (Step::Connect, true)],
            ),
            // Busy: each notice reloads and keeps the port; a queued passive event reloads.
            (
                &[
                    (Heard::Woken, 0.0),
                    (Heard::Notice, 10.0),
                    (Heard::Woken, 20.0),
                    (Heard::Tick, 19_000.0),
                ],
                &[
                    (Step::Connect, true),
                    (Step::Reload, true),
                    (Step::Reload, true),
                    (Step::Nothing, true),
                ],
            ),
            // Quiet for QUIET_MS after the last notice: back to the passive listeners.
            (
                &[
                    (Heard::Woken, 0.0),
                    (Heard::Notice, 5000.0),
                    (Heard::Tick, 24_999.0),
                    (Heard::Tick, 25_000.0),
                    (Heard::Tick, 30_000.0),
                ],
                &[
                    (Step::Connect, true),
                    (Step::Reload, true),
                    (Step::Nothing, true),
                    (Step::GoQuiet { reload: false }, false),
                    (Step::Nothing, false),
                ],
            ),
            // The background stopped: back to the passive listeners, and read once.
            (
                &[
                    (Heard::Woken, 0.0),
                    (Heard::PortGone, 100.0),
                    (Heard::PortGone, 200.0),
                    (Heard::Woken, 300.0),
                ],
                &[
                    (Step::Connect, true),
                    (Step::GoQuiet { reload: true }, false),
                    (Step::Nothing, false),
                    (Step::Connect, true),
                ],
            ),
            // A notice still on its way after the port was dropped reloads.
            (
                &[
                    (Heard::Woken, 0.0),
                    (Heard::Tick, 20_000.0),
                    (Heard::Notice, 20_001.0),
                ],
                &[
                    (Step::Connect, true),
                    (Step::GoQuiet { reload: false }, false),
                    (Step::Reload, false),
                ],
            ),
            // A clock that went back ends the port too (it cannot tell how long it was).
            (
                &[(Heard::Woken, 5000.0), (Heard::Tick, 4000.0)],
                &[
                    (Step::Connect, true),
                    (Step::GoQuiet { reload: false }, false),
                ],
            ),
        ];
        for (steps, expect) in cases {
            let mut listening = Listening::new();
            let got: Vec<(Step, bool)> = steps
                .iter()
                .map(|(what, at)| (listening.heard(*what, *at), listening.connected()))
                .collect();
            assert_eq!(got, expect, "{steps:?}");
        }
    }

    /// Steps: `c@t` a change at `t`, `d@t` the timer firing at `t`; each gives what the
    /// shell does (`now`, `at T`, `wait`, or `-` for a timer firing).
    fn check(steps: &str, expect: &str) {
        let mut pacer = Pacer::new();
        let got: Vec<String> = steps
            .split_whitespace()
            .map(|step| {
                let (what, at) = step.split_once('@').expect("step is x@t");
                let at: f64 = at.parse().expect("a time");
                match what {
                    "c" => match pacer.changed(at) {
                        Pace::Now => "now".to_string(),
                        Pace::At(t) => format!("at {t}"),
                        Pace::Wait => "wait".to_string(),
                    },
                    "d" => {
                        pacer.due(at);
                        "-".to_string()
                    }
                    other => panic!("unknown step {other}"),
                }
            })
            .collect();
        assert_eq!(got.join(", "), expect, "{steps}");
    }

    #[test]
    fn tells_at_once_then_at_most_once_per_gap() {
        let cases = [
            // A lone change, and another after a quiet spell: both at once.
            ("c@1000", "now"),
            ("c@1000 c@1050", "now, now"),
            ("c@1000 c@2000", "now, now"),
            // Inside the gap: one timer for the gap's end, which covers later changes too.
            ("c@1000 c@1010", "now, at 1050"),
            ("c@1000 c@1010 c@1020 c@1049", "now, at 1050, wait, wait"),
            // After the timer: the gap counts from when it fired.
            ("c@1000 c@1010 d@1050 c@1060", "now, at 1050, -, at 1100"),
            ("c@1000 c@1010 d@1052 c@1200", "now, at 1050, -, now"),
            // A burst: one notice per gap, the last change always told.
            (
                "c@0 c@5 c@20 d@50 c@55 c@70 d@100 c@160",
                "now, at 50, wait, -, at 100, wait, -, now",
            ),
            // The clock went back: at once.
            ("c@1000 c@900", "now, now"),
        ];
        for (steps, expect) in cases {
            check(steps, expect);
        }
    }
}
