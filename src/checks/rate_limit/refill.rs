//! Pure decisions over the *refill experiment*, the one long observation the family makes of a
//! limiter (RL-06 for windows too long for open-loop phases, RL-07 for long waits, and RL-10):
//!
//! 1. at a fresh window (time S) send one request, the **opener**;
//! 2. half a window later (time P) send sequentially until the first 429, the **burst**: how many
//!    are accepted against what the first of them advertised as remaining is exact enforcement,
//!    "first 429 at request q+1";
//! 3. then probe at a steady pace (a few probes per `window / quota`); whenever a probe is
//!    accepted, send sequentially until the next 429 (a **refill run**): how much came back, and
//!    when, is the refill pattern.
//!
//! Splitting the consumption in two is what tells the classes apart from outside:
//!
//! | class | the burst at P | refills | most accepted in a window-long interval |
//! |---|---|---|---|
//! | fixed window (on a clock grid, or opened by the first request) | q − 1, or q past an edge | ≈ q at once, at an edge before P + w | up to 2q: the boundary burst |
//! | sliding log | q − 1 (the opener still counts) | 1 at S + w as the opener ages out, then the burst's q − 1 at P + w | ≤ q |
//! | sliding-window counter | q − 1 or so | one at a time, beginning at an edge | between q and 2q |
//! | token / leaky bucket | q (the opener's token is back) | one at a time, w/q after the burst | up to 2q |

use super::advert::{Advert, secs};
use super::judge::{Decision, Obs};
use crate::verdict::CheckStatus;

/// How sure the burst started from a fresh window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fresh {
    /// Its first response advertised remaining = quota − 1.
    Verified,
    /// It started a full window after the last accepted request, with no field to confirm it.
    Waited,
    /// Neither: the burst is judged against the advertised remaining only.
    Unknown,
}

/// What the refill experiment observed, as indices into the family's observations.
#[derive(Debug, Clone, PartialEq)]
pub struct Experiment {
    /// The single request at the fresh window's start (`None`: judged on a burst alone).
    pub opener: Option<usize>,
    /// Sequential requests half a window later, up to and including the first 429.
    pub burst: Vec<usize>,
    pub fresh: Fresh,
    /// Every paced probe, in order.
    pub probes: Vec<usize>,
    /// One run per accepted probe: that probe and the requests sent right after it until a 429.
    pub refills: Vec<Vec<usize>>,
    /// When observation stopped (ms since the family's origin).
    pub end_ms: f64,
    /// Time between paced probes, ms.
    pub pace_ms: f64,
    /// Observation stopped at the time budget, not because the pattern was clear.
    pub cut: bool,
}

impl Experiment {
    fn burst_start(&self, obs: &[Obs]) -> Option<f64> {
        self.burst.first().map(|&i| obs[i].sent_ms)
    }
    fn opener_at(&self, obs: &[Obs]) -> Option<f64> {
        self.opener.map(|i| obs[i].sent_ms)
    }
    fn burst_end(&self, obs: &[Obs]) -> Option<f64> {
        self.burst
            .iter()
            .rev()
            .find(|&&i| obs[i].accepted())
            .map(|&i| obs[i].done_ms)
    }
}

fn accepted_count(obs: &[Obs], run: &[usize]) -> usize {
    run.iter().filter(|&&i| obs[i].accepted()).count()
}

/// RL-06 for long windows: the burst from a fresh window is cut off exactly at the quota (or at
/// the advertised remaining, when the window was not fresh). Sequential requests have nothing in
/// flight, so the comparison is exact up to `tolerance`.
pub fn exhaustion(obs: &[Obs], exp: &Experiment, ad: &Advert, tolerance: f64) -> Decision {
    let Some(&first) = exp.burst.first() else {
        return Decision::new(CheckStatus::Skip, "no request of the burst was sent");
    };
    let q = ad.quota;
    let accepted = accepted_count(obs, &exp.burst);
    let limited = exp.burst.iter().copied().find(|&i| obs[i].throttled());
    let failed = exp
        .burst
        .iter()
        .filter(|&&i| obs[i].status.is_none() || (!obs[i].accepted() && !obs[i].throttled()))
        .count();
    if failed > 0 {
        return Decision::new(
            CheckStatus::Skip,
            format!(
                "inconclusive: {failed} requests of the burst failed without a rate-limit answer"
            ),
        )
        .with(first, "burst start");
    }
    let margin = ((tolerance * q as f64).ceil() as usize).max(1);
    // What the first response says is left, plus itself.
    let expected = match (exp.fresh, obs[first].remaining()) {
        (_, Some(r)) if obs[first].accepted() => Some(r as usize + 1),
        (Fresh::Verified | Fresh::Waited, _) => {
            let used = exp.opener.is_some_and(|o| obs[o].accepted());
            Some((q as usize).saturating_sub(usize::from(used)))
        }
        _ => None,
    };
    let start = match exp.fresh {
        Fresh::Verified => "in a fresh window (remaining = quota − 1 on its first response)",
        Fresh::Waited => "in a fresh window (a full window after the last accepted request)",
        Fresh::Unknown => "in a window that was not fresh",
    };
    let Some(l) = limited else {
        let over = accepted > expected.unwrap_or(q as usize) + margin;
        let msg = format!(
            "{accepted} sequential requests {start} were all accepted against a quota of {}",
            ad.describe()
        );
        return if over {
            Decision::new(
                CheckStatus::Fail,
                format!("more accepted than advertised: {msg}"),
            )
            .with(*exp.burst.last().unwrap_or(&first), "still accepted")
        } else {
            Decision::new(
                CheckStatus::Skip,
                format!("inconclusive: no 429 ended the burst; {msg}"),
            )
        };
    };
    let onset = format!("first 429 at request {}", accepted + 1);
    let Some(expected) = expected else {
        let upper = q as usize + margin;
        if accepted > upper {
            return Decision::new(
                CheckStatus::Fail,
                format!(
                    "more accepted than advertised: {onset} {start}, against a quota of {}",
                    ad.describe()
                ),
            )
            .with(l, "the first 429");
        }
        return Decision::new(
            CheckStatus::Pass,
            format!(
                "{onset} {start}: within the quota of {} (exactness not judged)",
                ad.describe()
            ),
        );
    };
    let diff = accepted as i64 - expected as i64;
    if diff > margin as i64 {
        return Decision::new(
            CheckStatus::Fail,
            format!(
                "more accepted than advertised: {onset} {start}, expected at request {}; quota {}",
                expected + 1,
                ad.describe()
            ),
        )
        .with(l, "the first 429, late");
    }
    if -diff > margin as i64 {
        let prev = exp
            .burst
            .iter()
            .rev()
            .find(|&&i| obs[i].accepted())
            .copied();
        let left = prev.and_then(|p| obs[p].remaining());
        let status = if ad.declared {
            // The scenario's figure, not the server's promise: worth a look, not a failure.
            CheckStatus::Warn
        } else {
            CheckStatus::Fail
        };
        let mut d = Decision::new(
            status,
            format!(
                "throttled while quota remained: {onset} {start}, expected at request {}{}; quota {}",
                expected + 1,
                left.map_or(String::new(), |r| format!(
                    " (the response before it advertised {r} remaining)"
                )),
                ad.describe()
            ),
        );
        if let Some(p) = prev {
            d = d.with(p, "last accepted");
        }
        return d.with(l, "the first 429, early");
    }
    let exact = if diff == 0 {
        "exact".to_string()
    } else {
        format!("{diff:+} within tolerance")
    };
    Decision::new(
        CheckStatus::Pass,
        format!(
            "{onset} {start} ({exact}); quota {}{}",
            ad.describe(),
            recovery_note(obs, exp, l)
        ),
    )
}

/// "; served again 9.8 s after the first 429 (advertised 10 s)".
fn recovery_note(obs: &[Obs], exp: &Experiment, limited: usize) -> String {
    let wait = obs[limited]
        .retry_after
        .as_ref()
        .and_then(|r| r.as_ref().ok().copied())
        .or(obs[limited].reset_in);
    let back = exp
        .refills
        .first()
        .and_then(|r| r.first())
        .map(|&i| (obs[i].sent_ms - obs[limited].done_ms) / 1000.0);
    match (back, wait) {
        (Some(b), Some(w)) => format!(
            "; served again {} after the first 429 (advertised wait {})",
            secs_1(b),
            secs_1(w)
        ),
        (Some(b), None) => format!("; served again {} after the first 429", secs_1(b)),
        (None, _) if exp.cut => "; recovery not seen within the time budget".into(),
        (None, _) => "; not served again while watched".into(),
    }
}

fn secs_1(s: f64) -> String {
    format!("{s:.1} s")
}

/// The most requests accepted in any interval `window_ms` long (shortened by `slack_ms`, the
/// client/server clock offset a send time carries), and the first and last of them.
pub fn busiest(obs: &[Obs], window_ms: f64, slack_ms: f64) -> Option<(usize, usize, usize)> {
    let mut acc: Vec<usize> = (0..obs.len()).filter(|&i| obs[i].accepted()).collect();
    acc.sort_by(|&a, &b| obs[a].sent_ms.total_cmp(&obs[b].sent_ms));
    let span = (window_ms - slack_ms).max(1.0);
    let mut best: Option<(usize, usize, usize)> = None;
    let mut lo = 0;
    for hi in 0..acc.len() {
        while obs[acc[hi]].sent_ms - obs[acc[lo]].sent_ms >= span {
            lo += 1;
        }
        let n = hi - lo + 1;
        if best.is_none_or(|(m, _, _)| n > m) {
            best = Some((n, acc[lo], acc[hi]));
        }
    }
    best
}

/// The refill pattern the experiment saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refill {
    /// Most of the quota came back in one go.
    AllAtOnce,
    /// One (or a few) requests at a time.
    Steady,
    /// Something in between.
    Mixed,
}

/// The limiter's class, as RL-10 reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    FixedWindow,
    SlidingLog,
    SlidingCounter,
    Bucket,
}

impl Class {
    pub fn label(self) -> &'static str {
        match self {
            Class::FixedWindow => "fixed window",
            Class::SlidingLog => "sliding window (log)",
            Class::SlidingCounter => "sliding window (counter)",
            Class::Bucket => "token or leaky bucket",
        }
    }
}

/// RL-10: classify the limiter from the experiment, and hold its boundary burst to `max_burst`.
pub fn algorithm(
    obs: &[Obs],
    exp: &Experiment,
    ad: &Advert,
    window_s: f64,
    max_burst: Option<f64>,
) -> Decision {
    let q = ad.quota.max(1) as f64;
    let w_ms = window_s * 1000.0;
    let (Some(p), Some(_)) = (exp.burst_start(obs), exp.burst_end(obs)) else {
        return Decision::new(
            CheckStatus::Skip,
            "no request of the burst was accepted, so there is nothing to watch refill",
        );
    };
    if !exp.burst.iter().any(|&i| obs[i].throttled()) {
        return Decision::new(
            CheckStatus::Skip,
            "the burst was never throttled, so there is no refill to watch",
        );
    }
    // Client send times lead the server's clock by about half a round trip.
    let rtt = median_rtt(obs, &exp.burst);
    let slack = (2.0 * rtt).max(20.0);
    let busy = busiest(obs, w_ms, slack);
    let factor = busy.map_or(0.0, |(n, _, _)| n as f64 / q);
    let origin = exp.opener_at(obs).unwrap_or(p);
    let timeline = timeline(obs, exp, origin);
    let bf_text = format!(
        "boundary-burst factor {factor:.2} (most accepted in any {} interval ÷ quota {})",
        secs(window_s),
        ad.quota
    );
    let cite = |d: Decision| -> Decision {
        let mut d = d;
        if let Some((_, a, b)) = busy {
            d = d
                .with(a, "first of the busiest window-long interval")
                .with(b, "last of the busiest window-long interval");
        }
        d
    };
    let class = classify(obs, exp, q, w_ms);
    if let Some(m) = max_burst {
        if factor > m + 1e-9 {
            return cite(Decision::new(
                CheckStatus::Fail,
                format!(
                    "{bf_text} exceeds max_burst {m:.2}{}; {timeline}",
                    class.as_ref().map_or(String::new(), |(c, _, _)| format!(
                        ": behaves as a {}",
                        c.label()
                    ))
                ),
            ));
        }
    }
    if exp.refills.is_empty() {
        let watched = (exp.end_ms - p) / 1000.0;
        let why = if exp.cut {
            format!(
                "no quota came back within the time budget ({} watched after the burst; the window is {})",
                secs_1(watched),
                secs(window_s)
            )
        } else {
            format!("no quota came back in {} after the burst", secs_1(watched))
        };
        let status = if exp.cut || watched < window_s {
            CheckStatus::Skip
        } else {
            CheckStatus::Warn
        };
        return Decision::new(status, format!("{why}; {bf_text}; {timeline}"));
    }
    match class {
        Some((class, refill, why)) => cite(Decision::new(
            CheckStatus::Pass,
            format!(
                "{}: {why}; refill {}; {bf_text}; quota {}; {timeline}",
                class.label(),
                match refill {
                    Refill::AllAtOnce => "all at once",
                    Refill::Steady => "steady, one at a time",
                    Refill::Mixed => "as old requests age",
                },
                ad.describe()
            ),
        )),
        None => cite(Decision::new(
            CheckStatus::Warn,
            format!("behaviour no class explains; {bf_text}; {timeline}"),
        )),
    }
}

fn median_rtt(obs: &[Obs], idx: &[usize]) -> f64 {
    let mut v: Vec<f64> = idx
        .iter()
        .map(|&i| obs[i].done_ms - obs[i].sent_ms)
        .filter(|x| x.is_finite() && *x >= 0.0)
        .collect();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// The class, the refill pattern, and why. Times are relative to the burst's start P.
fn classify(obs: &[Obs], exp: &Experiment, q: f64, w_ms: f64) -> Option<(Class, Refill, String)> {
    let p = exp.burst_start(obs)?;
    let b_end = exp.burst_end(obs)?;
    let runs: Vec<(f64, f64)> = exp
        .refills
        .iter()
        .filter_map(|r| {
            r.first()
                .map(|&i| (obs[i].sent_ms - p, accepted_count(obs, r) as f64))
        })
        .collect();
    let &(t1, _) = runs.first()?;
    let k_burst = accepted_count(obs, &exp.burst) as f64;
    let opener_counted = exp.opener.is_some_and(|o| obs[o].accepted()) && k_burst < q;
    let big = (q / 2.0).ceil().max(2.0).min(q);
    let tol = (1.5 * exp.pace_ms).max(250.0).max(0.1 * w_ms);
    let step = w_ms / q;
    let text = |x: f64| secs_1(x / 1000.0);
    let gap_text = {
        let gaps = refill_gaps(obs, exp);
        if gaps.is_empty() {
            String::new()
        } else {
            let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
            format!(
                ", then every {} (window ÷ quota = {})",
                text(mean),
                text(step)
            )
        }
    };
    let since_end = t1 + p - b_end;
    if q <= 1.0 {
        // Quota 1: every refill is the whole quota. A fixed window gives it back at an edge,
        // before a window has passed; a log and a bucket a window after use (the same limiter).
        if since_end < w_ms - tol {
            return Some((
                Class::FixedWindow,
                Refill::AllAtOnce,
                format!(
                    "the quota came back {} after use, before a window had passed: a window edge",
                    text(since_end)
                ),
            ));
        }
        return Some((
            Class::Bucket,
            Refill::Steady,
            format!(
                "the quota came back {} after use; at quota 1 a bucket and a sliding log are the same limiter",
                text(since_end)
            ),
        ));
    }
    // A refill of most of the quota at once.
    if let Some(&(tb, kb)) = runs.iter().find(|(_, k)| *k >= big) {
        // A log gives the burst back one window after it, and the opener (still counted when
        // the burst ran) before that; a fixed window gives everything back at an edge, sooner.
        if q > 1.0 && opener_counted && tb >= w_ms - tol {
            let before = runs
                .iter()
                .take_while(|(t, _)| *t < tb)
                .map(|(_, k)| k)
                .sum::<f64>();
            return Some((
                Class::SlidingLog,
                Refill::Mixed,
                format!(
                    "the opener's {before:.0} came back first, then {kb:.0} together {} after the burst, as each aged out of the window",
                    text(tb)
                ),
            ));
        }
        if tb < w_ms - tol || !opener_counted {
            return Some((
                Class::FixedWindow,
                Refill::AllAtOnce,
                format!(
                    "{kb:.0} came back together {} after the burst{}: a window edge",
                    text(tb),
                    if tb < w_ms - tol {
                        ", before a window had passed"
                    } else {
                        ""
                    }
                ),
            ));
        }
        return None;
    }
    // A bucket is empty (less than one token) when the burst ends, so its first token is back
    // within one step (window ÷ quota); a counter's first request comes back only after the next
    // window edge, plus a step. The probes' pace and a round trip blur the boundary.
    if since_end <= step + 1.5 * exp.pace_ms + 2.0 * median_rtt(obs, &exp.burst) + 50.0 {
        return Some((
            Class::Bucket,
            Refill::Steady,
            format!(
                "the first request came back {} after the burst{gap_text}",
                text(since_end)
            ),
        ));
    }
    if since_end <= w_ms + step + tol {
        return Some((
            Class::SlidingCounter,
            Refill::Steady,
            format!(
                "nothing came back for {} after the burst (until a window edge), then one at a time{gap_text}",
                text(since_end)
            ),
        ));
    }
    None
}

/// Time between successive refills, ms.
fn refill_gaps(obs: &[Obs], exp: &Experiment) -> Vec<f64> {
    let starts: Vec<f64> = exp
        .refills
        .iter()
        .filter_map(|r| r.first().map(|&i| obs[i].sent_ms))
        .collect();
    starts.windows(2).map(|w| w[1] - w[0]).collect()
}

/// "timeline: opener at 0.0 s; burst at +5.0 s: 3 accepted then 429; +10.1 s: 1 back; …".
fn timeline(obs: &[Obs], exp: &Experiment, s: f64) -> String {
    let mut parts = Vec::new();
    if exp.opener.is_some() {
        parts.push("timeline: opener at 0.0 s".to_string());
    }
    let b = exp.burst.first().map_or(0.0, |&i| obs[i].sent_ms - s);
    parts.push(format!(
        "{}burst at +{}: {} accepted then 429",
        if parts.is_empty() { "timeline: " } else { "" },
        secs_1(b / 1000.0),
        accepted_count(obs, &exp.burst)
    ));
    for r in exp.refills.iter().take(6) {
        if let Some(&i) = r.first() {
            parts.push(format!(
                "+{}: {} back",
                secs_1((obs[i].sent_ms - s) / 1000.0),
                accepted_count(obs, r)
            ));
        }
    }
    if exp.refills.len() > 6 {
        parts.push(format!("… {} refills in all", exp.refills.len()));
    }
    parts.push(format!(
        "watched until +{} with {} probes",
        secs_1((exp.end_ms - s) / 1000.0),
        exp.probes.len()
    ));
    parts.join("; ")
}
