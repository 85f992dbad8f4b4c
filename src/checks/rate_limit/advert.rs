//! Where the quota and window that RL-06, RL-07 and RL-10 hold a server to come from.
//!
//! Real limiters advertise in many ways, most of them without a window: draft-08+
//! `RateLimit-Policy` gives `q` and `w`; draft-07 gives both in `RateLimit-Policy`; draft-00..06
//! `RateLimit-Limit` and vendor `X-RateLimit-Limit` give only the quota. For those the window is
//! read off the longest reset seen (the first request of a fresh window sees the whole window
//! ahead of it), unless the scenario declares the window
//! (`window = "10s"`), which wins over that inference. A target that advertises nothing can still be judged against a quota and
//! window the scenario declares. Every verdict that uses these names the source, so a reader
//! knows what the server was held to.

use std::time::Duration;

use super::judge::Obs;

/// The quota and window the family judges against, and where each came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Advert {
    pub quota: u64,
    /// Window in seconds, when known.
    pub window_s: Option<f64>,
    /// True when the quota is the scenario's, not the target's.
    pub declared: bool,
    /// Human-readable source, quoted in verdicts.
    pub source: String,
}

impl Advert {
    /// "5 per 60 s (X-RateLimit-*; window read off the longest reset seen)".
    pub fn describe(&self) -> String {
        match self.window_s {
            Some(w) => format!("{} per {} ({})", self.quota, secs(w), self.source),
            None => format!("{} per unknown window ({})", self.quota, self.source),
        }
    }
}

pub(crate) fn secs(s: f64) -> String {
    if (s - s.round()).abs() < 1e-9 {
        format!("{s:.0} s")
    } else {
        format!("{s:.1} s")
    }
}

/// The quota and window from `obs` (the family's exchanges so far), else the scenario's
/// declaration. `None`: nothing advertised and nothing declared.
pub fn resolve(obs: &[Obs], quota: Option<u64>, window: Option<Duration>) -> Option<Advert> {
    let declared_w = window.map(|w| w.as_secs_f64());
    let with_quota = obs
        .iter()
        .filter_map(|o| o.snap.as_ref())
        .find(|s| s.quota.is_some());
    let Some(snap) = with_quota else {
        let q = quota?;
        return Some(Advert {
            quota: q,
            window_s: declared_w,
            declared: true,
            source: "declared in the scenario; the target advertises no quota".into(),
        });
    };
    let q = snap.quota.unwrap_or_default();
    let gen_label = snap.generation.label();
    // The scenario's window beats the inference: a bucket's reset is the time to its next
    // token, not its window, and only the user knows which the target is.
    let (window_s, how) = if let Some(w) = snap.window {
        (Some(w as f64), format!("{gen_label}, window advertised"))
    } else if let Some(w) = declared_w {
        (
            Some(w),
            format!("{gen_label}; window declared in the scenario"),
        )
    } else if let Some(w) = fresh_window(obs, q) {
        (
            Some(w),
            format!("{gen_label}; window read off the longest reset seen"),
        )
    } else {
        (None, format!("{gen_label}; no window advertised"))
    };
    let mut source = how;
    if let Some(dq) = quota.filter(|&dq| dq != q) {
        source.push_str(&format!(
            "; the scenario declares {dq}, the target's own figure is used"
        ));
    }
    Some(Advert {
        quota: q,
        window_s,
        declared: false,
        source,
    })
}

/// The window read off the resets: the longest reset any response advertised, rounded to a
/// second (the unit of every reset field). A fresh window's first request sees the whole window
/// ahead, and no reset of a fixed window or a log is ever longer; `quota` only gates that a
/// quota was advertised at all. A bucket's reset is the time to its next token and a clock-aligned
/// window may never be seen fresh: for those the scenario declares `window`.
pub fn fresh_window(obs: &[Obs], quota: u64) -> Option<f64> {
    if quota == 0 {
        return None;
    }
    obs.iter()
        .filter_map(|o| Some((o.reset_in?, o.snap.as_ref()?.reset?.unit.is_epoch())))
        .filter(|(r, _)| *r >= 0.5)
        .reduce(|longest, r| if r.0 > longest.0 { r } else { longest })
        .map(|(r, epoch)| snap_window(r, epoch))
}

/// Windows people configure, in seconds.
const USUAL_WINDOWS: [f64; 17] = [
    1.0, 2.0, 5.0, 10.0, 15.0, 20.0, 30.0, 45.0, 60.0, 90.0, 120.0, 300.0, 600.0, 900.0, 1800.0,
    3600.0, 86400.0,
];

/// A delta reset of a fresh window is the window itself, a whole number. An epoch reset is whole
/// seconds rounded either way by the server (an `int()` or a ceiling) and read against the
/// client's clock, so the longest one of a 10 s window reads 9.x to 10.9: within a second of a
/// usual window, that window; otherwise the nearest second. (Only a delta is taken as it reads
/// when whole: an epoch reset of a 10 s window read as 10.97 s is not an 11 s window.)
fn snap_window(r: f64, epoch: bool) -> f64 {
    if !epoch && (r - r.round()).abs() < 0.05 {
        return r.round().max(1.0);
    }
    USUAL_WINDOWS
        .iter()
        .copied()
        .find(|w| (r - w).abs() <= 1.0 + 1e-9)
        .unwrap_or_else(|| r.round().max(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::headers::ratelimit::{Generation, Reset, ResetUnit, Snapshot};

    fn seen(reset_in: f64, unit: ResetUnit) -> Obs {
        Obs {
            status: Some(200),
            snap: Some(Snapshot {
                generation: Generation::XRateLimit,
                policy: None,
                quota: Some(5),
                window: None,
                remaining: Some(4),
                reset: Some(Reset { value: 1.0, unit }),
            }),
            reset_in: Some(reset_in),
            ..Obs::default()
        }
    }

    /// The window read off the longest reset: a delta as it reads, an epoch reset (whole
    /// seconds either way, against the client's clock) as the usual window within a second,
    /// wherever in its second the reading falls (flask-limiter's 10 s moving window read 10.97
    /// once, and was taken for 11 s: every later judgement of the run was against 11 s).
    #[test]
    fn the_window_is_read_off_the_longest_reset() {
        let epoch = ResetUnit::EpochSeconds;
        for r in [9.03, 9.6, 10.0, 10.02, 10.5, 10.97] {
            let obs = [seen(3.0, epoch), seen(r, epoch), seen(2.0, epoch)];
            assert_eq!(fresh_window(&obs, 5), Some(10.0), "epoch {r}");
        }
        let delta = ResetUnit::DeltaSeconds;
        assert_eq!(fresh_window(&[seen(11.0, delta)], 5), Some(11.0));
        assert_eq!(
            fresh_window(&[seen(7.0, delta), seen(60.0, delta)], 5),
            Some(60.0)
        );
        // No usual window within a second: the nearest second.
        assert_eq!(fresh_window(&[seen(7.4, epoch)], 5), Some(7.0));
        // Nothing to read it off.
        assert_eq!(fresh_window(&[seen(0.2, delta)], 5), None);
        assert_eq!(fresh_window(&[seen(10.0, delta)], 0), None);
    }
}
