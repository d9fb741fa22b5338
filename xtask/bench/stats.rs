//! Summaries of repeated measurements: median with the interquartile range, since a
//! 2-core machine running a browser has outliers (GC, a background task) that a mean would
//! smear into every figure.

#[derive(Clone, Debug)]
pub struct Summary {
    pub n: usize,
    pub median: f64,
    pub p25: f64,
    pub p75: f64,
    pub min: f64,
    pub max: f64,
}

impl Summary {
    /// `None` for no (finite) samples.
    pub fn of(samples: &[f64]) -> Option<Summary> {
        let mut v: Vec<f64> = samples.iter().copied().filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        Some(Summary {
            n: v.len(),
            median: quantile(&v, 0.5),
            p25: quantile(&v, 0.25),
            p75: quantile(&v, 0.75),
            min: v[0],
            max: v[v.len() - 1],
        })
    }

    /// `12.3 [IQR 11.0–14.1, min 10.2, max 30.0, n=40]` with `digits` decimals.
    pub fn show(&self, digits: usize) -> String {
        format!(
            "{:.d$} [IQR {:.d$}–{:.d$}, min {:.d$}, max {:.d$}, n={}]",
            self.median,
            self.p25,
            self.p75,
            self.min,
            self.max,
            self.n,
            d = digits
        )
    }
}

/// Linear interpolation between closest ranks; `sorted` is ascending and not empty.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// The `q` quantile of `samples` (0.95: the 95th percentile), NaN for none.
pub fn percentile(samples: &[f64], q: f64) -> f64 {
    let mut v: Vec<f64> = samples.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    quantile(&v, q)
}

/// Median of `samples` (NaN for none).
pub fn median(samples: &[f64]) -> f64 {
    Summary::of(samples).map_or(f64::NAN, |s| s.median)
}

/// `Summary::show`, or `n/a` when nothing was measured.
pub fn show(samples: &[f64], digits: usize) -> String {
    Summary::of(samples).map_or_else(|| "n/a".to_string(), |s| s.show(digits))
}

/// A 95 % bootstrap interval for `ratio(median(a_diffs), median(b_diffs))` over paired
/// samples (index `i` of both is one round), resampling rounds with replacement.
pub fn bootstrap_ratio(a: &[f64], b: &[f64]) -> Option<(f64, f64)> {
    bootstrap(a.len().min(b.len()), |picks| {
        let ma = median(&picks.iter().map(|&i| a[i]).collect::<Vec<_>>());
        let mb = median(&picks.iter().map(|&i| b[i]).collect::<Vec<_>>());
        // A resample where the baseline adds nothing: the ratio is unbounded.
        if mb > 0.0 {
            ma / mb
        } else {
            f64::INFINITY
        }
    })
}

/// A 95 % bootstrap interval for the median of `samples` (for example the same-round
/// differences between two variants), resampling with replacement.
pub fn bootstrap_median(samples: &[f64]) -> Option<(f64, f64)> {
    bootstrap(samples.len(), |picks| {
        median(&picks.iter().map(|&i| samples[i]).collect::<Vec<_>>())
    })
}

/// The 2.5th and 97.5th percentiles of `stat` over 2000 resamples of `n` indices. A small
/// deterministic generator: the same data gives the same interval.
fn bootstrap(n: usize, stat: impl Fn(&[usize]) -> f64) -> Option<(f64, f64)> {
    if n < 5 {
        return None;
    }
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let mut values: Vec<f64> = (0..2000)
        .map(|_| {
            let picks: Vec<usize> = (0..n).map(|_| next()).collect();
            stat(&picks)
        })
        .collect();
    values.sort_by(f64::total_cmp);
    Some((values[values.len() / 40], values[values.len() * 39 / 40]))
}

/// The machine's load average over the last minute (`/proc/loadavg`): other work on a
/// 2-core machine moves every timing, so each benchmark prints it.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|t| t.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

/// A count a benchmark takes from the environment (`FVI_PAGE_LOADS=400`), or `default` when
/// the variable is unset, not a number, or below `min`.
pub fn env_count(name: &str, min: usize, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|n| *n >= min)
        .unwrap_or(default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quartiles_interpolate() {
        let s = Summary::of(&[4.0, 1.0, 3.0, 2.0, f64::NAN]).unwrap();
        assert_eq!((s.n, s.median, s.p25, s.p75), (4, 2.5, 1.75, 3.25));
        assert_eq!((s.min, s.max), (1.0, 4.0));
        assert!(Summary::of(&[]).is_none());
    }
}
