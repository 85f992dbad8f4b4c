//! The noise model: how far apart two runs of an unchanged system may land, estimated from the
//! two reports alone, and the verdict on one difference. Pure functions, no I/O; the model is
//! described for users in `docs/compare.md`.
//!
//! A metric's noise half-width `h` for one comparison combines:
//! - **sampling noise** within each run: the spread of the statistic over bootstrap resamples
//!   of that run's latency histogram ([`bootstrap_sd`]), or the binomial spread of an error
//!   rate ([`rate_sd`]);
//! - **drift** between runs: the spread of the per-second values (p50, p99, completions, error
//!   rate) across the full seconds of each run, as the variance of a run-level mean
//!   (`sd² / seconds`), scaled by Student's t for the few seconds it is estimated from
//!   ([`t975`]), so that short runs get wide intervals;
//! - **the client's own delay** (open loop only): the send delay loadproof measured at the same
//!   level, which every open-loop latency contains;
//! - **floors**: 2 ms of latency (about one scheduler time slice on a busy machine: what a
//!   change of load on the machine *between* runs moves a latency, which no figure inside one
//!   run shows) and 5 % of the baseline's value.
//!
//! `h = max(floor, sqrt((z·s)² + (t·drift)²) + client delay)`, with `s² = s_base² + s_new²`.
//! Too few samples or seconds make `h` unbounded: nothing is then ever called a regression.

use rand::rngs::SmallRng;
use rand::{Rng as _, SeedableRng as _};

/// Bootstrap replicates per histogram.
pub const REPLICATES: usize = 200;
/// The fixed seed: the same two reports always give the same comparison.
pub const SEED: u64 = 0x10ad_9f00_c0a1_2e5e;
/// Up to this many samples a replicate draws every sample; above it, each replicate draws the
/// rank of the order statistic directly (its normal approximation), which costs nothing per
/// sample and is accurate at such counts.
const LITERAL_MAX: u64 = 5_000;
/// Fewer latency samples than this (either run) and a percentile's noise is unbounded.
pub const MIN_SAMPLES: u64 = 20;
/// Fewer full seconds than this (either run) and the drift between runs cannot be estimated.
pub const MIN_SECONDS: usize = 2;
/// No latency difference below this is told apart from scheduling noise: a runnable thread on a
/// busy machine waits up to a time slice for its CPU (Linux's EEVDF base slice, 0.75 ms × (1 +
/// log2 CPUs), is 1.5 ms on two CPUs), and one more job on the machine in one run and not the
/// other shows as a steady shift within that run, invisible to its per-second spread.
pub const LATENCY_FLOOR_MS: f64 = 2.0;
/// No difference below this fraction of the baseline's value is told apart from noise.
pub const RELATIVE_FLOOR: f64 = 0.05;
/// The normal quantile for a two-sided 95 % interval.
const Z: f64 = 1.96;

/// Student's t quantile for a two-sided 95 % interval with `df` degrees of freedom.
pub fn t975(df: usize) -> f64 {
    const T: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::INFINITY,
        d if d <= 30 => T[d - 1],
        d if d <= 120 => 2.0,
        _ => Z,
    }
}

/// The value at quantile level `u` (0..=1) of a distribution given as ascending
/// `(value, count)` buckets with cumulative counts `cum`: the value of rank `ceil(u·n)`.
fn value_at(buckets: &[(f64, u64)], cum: &[u64], u: f64) -> f64 {
    let n = cum.last().copied().unwrap_or(0);
    if n == 0 {
        return 0.0;
    }
    let rank = ((u * n as f64).ceil() as u64).clamp(1, n);
    let i = cum.partition_point(|&c| c < rank).min(buckets.len() - 1);
    buckets[i].0
}

fn cumulative(counts: impl Iterator<Item = u64>) -> Vec<u64> {
    counts
        .scan(0u64, |acc, c| {
            *acc += c;
            Some(*acc)
        })
        .collect()
}

/// The sample standard deviation (0 for fewer than two values).
pub fn sd(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return 0.0;
    }
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (values.len() - 1) as f64;
    var.sqrt()
}

/// For each quantile level in `qs` (1.0 is the maximum), the standard deviation of that
/// quantile over [`REPLICATES`] resamples of the same size drawn from the histogram's
/// distribution: how much the figure would move if the run were repeated under identical
/// conditions. Deterministic for a given `seed`.
pub fn bootstrap_sd(buckets: &[(f64, u64)], qs: &[f64], seed: u64) -> Vec<f64> {
    let cum = cumulative(buckets.iter().map(|b| b.1));
    let n = cum.last().copied().unwrap_or(0);
    if n == 0 {
        return vec![0.0; qs.len()];
    }
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut stats: Vec<Vec<f64>> = vec![Vec::with_capacity(REPLICATES); qs.len()];
    if n <= LITERAL_MAX {
        let mut counts = vec![0u64; buckets.len()];
        for _ in 0..REPLICATES {
            counts.fill(0);
            for _ in 0..n {
                let r = rng.random_range(0..n);
                counts[cum.partition_point(|&c| c <= r)] += 1;
            }
            let rcum = cumulative(counts.iter().copied());
            for (j, &q) in qs.iter().enumerate() {
                stats[j].push(value_at(buckets, &rcum, q));
            }
        }
    } else {
        let nf = n as f64;
        for _ in 0..REPLICATES {
            for (j, &q) in qs.iter().enumerate() {
                // The resample's order statistic at level q sits at a level of the original
                // distribution that is ~N(q, q(1−q)/n); its maximum at 1 − Exp(1)/n.
                let u = if q >= 1.0 {
                    1.0 - exponential(&mut rng) / nf
                } else {
                    q + normal(&mut rng) * (q * (1.0 - q) / nf).sqrt()
                };
                stats[j].push(value_at(buckets, &cum, u.clamp(0.0, 1.0)));
            }
        }
    }
    stats.iter().map(|s| sd(s)).collect()
}

fn normal(rng: &mut SmallRng) -> f64 {
    // Box–Muller; `1 − u` keeps the logarithm's argument in (0, 1].
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn exponential(rng: &mut SmallRng) -> f64 {
    -(1.0 - rng.random::<f64>()).ln()
}

/// The binomial standard deviation of an error rate of `errors` in `n` (Agresti–Coull: a rate of
/// 0 in a few requests is not known to be 0).
pub fn rate_sd(errors: u64, n: u64) -> f64 {
    let nt = n as f64 + 4.0;
    let p = (errors as f64 + 2.0) / nt;
    (p * (1.0 - p) / nt).sqrt()
}

/// The full seconds of a run's series, by their completion counts: a second with fewer than
/// half the median's completions (the ramp at the start, the drain at the end) is a partial
/// one and would read as drift.
pub fn full_seconds(counts: &[u64]) -> Vec<usize> {
    let mut sorted: Vec<u64> = counts.to_vec();
    sorted.sort_unstable();
    let median = sorted.get(sorted.len() / 2).copied().unwrap_or(0);
    (0..counts.len())
        .filter(|&i| counts[i] > 0 && counts[i] * 2 >= median)
        .collect()
}

/// One run's side of a comparison, for one line.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Side {
    pub value: f64,
    /// Sampling standard deviation of `value` (bootstrap, or binomial).
    pub sampling_sd: f64,
    /// Standard deviation of the per-second values around `value`, in its unit.
    pub drift_sd: f64,
    /// Full seconds the drift was estimated from.
    pub seconds: usize,
    /// Samples the value was computed from (responses, or requests for a rate).
    pub samples: u64,
    /// The client's own delay at the same level (open-loop send delay), in the value's unit.
    pub client_delay: f64,
}

/// The noise half-width of a difference.
#[derive(Debug, Clone, PartialEq)]
pub enum Noise {
    Bounded(f64),
    /// Not enough data to bound the noise; the reason, for the output.
    Unbounded(String),
}

impl Noise {
    pub fn half_width(&self) -> f64 {
        match self {
            Noise::Bounded(h) => *h,
            Noise::Unbounded(_) => f64::INFINITY,
        }
    }
}

/// What kind of figure a line compares, serialized as its unit (decides the floors and the
/// sample minimum).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Figure {
    #[serde(rename = "ms")]
    LatencyMs,
    #[serde(rename = "ratio")]
    ErrorRate,
    #[serde(rename = "req/s")]
    Throughput,
}

/// The noise half-width of `new − base`.
pub fn noise(figure: Figure, base: &Side, new: &Side) -> Noise {
    if figure == Figure::LatencyMs && base.samples.min(new.samples) < MIN_SAMPLES {
        return Noise::Unbounded(format!(
            "fewer than {MIN_SAMPLES} responses in a run: too few to tell a change from noise"
        ));
    }
    if base.seconds.min(new.seconds) < MIN_SECONDS {
        return Noise::Unbounded(format!(
            "fewer than {MIN_SECONDS} full seconds in a run: the drift between runs cannot be estimated"
        ));
    }
    let t = t975(base.seconds.min(new.seconds) - 1);
    let sampling = Z * (base.sampling_sd.powi(2) + new.sampling_sd.powi(2)).sqrt();
    let drift = t
        * (base.drift_sd.powi(2) / base.seconds as f64 + new.drift_sd.powi(2) / new.seconds as f64)
            .sqrt();
    let client = base.client_delay.max(new.client_delay);
    let floor = match figure {
        Figure::LatencyMs => LATENCY_FLOOR_MS.max(RELATIVE_FLOOR * base.value),
        Figure::ErrorRate | Figure::Throughput => RELATIVE_FLOOR * base.value,
    };
    Noise::Bounded(floor.max((sampling.powi(2) + drift.powi(2)).sqrt() + client))
}

/// The verdict on one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineVerdict {
    /// Worse by more than the budget and by more than the noise.
    Regression,
    /// Better by more than the budget's size and by more than the noise.
    Improvement,
    /// The change exceeds the budget (or, with no budget, is not zero) but lies within the
    /// noise: nothing can be concluded from it.
    Noise,
    /// Within the budget (or, with no budget, a change beyond noise that nothing limits).
    Ok,
    /// A run has no data for this line.
    #[serde(rename = "n/a")]
    NotApplicable,
}

impl LineVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            LineVerdict::Regression => "regression",
            LineVerdict::Improvement => "improvement",
            LineVerdict::Noise => "noise",
            LineVerdict::Ok => "ok",
            LineVerdict::NotApplicable => "n/a",
        }
    }
}

/// Judge `worse` (the change in the bad direction: new − base for latency and errors, base −
/// new for throughput) against the noise and the budget (absolute, in the same unit; `None`:
/// no budget on this metric).
pub fn judge(worse: f64, noise: &Noise, budget: Option<f64>) -> LineVerdict {
    let h = noise.half_width();
    let b = budget.unwrap_or(0.0);
    let size = worse.abs();
    if budget.is_some() && worse > b && worse > h {
        LineVerdict::Regression
    } else if worse < 0.0 && size > b && size > h {
        LineVerdict::Improvement
    } else if size > b && size <= h {
        LineVerdict::Noise
    } else {
        LineVerdict::Ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A lognormal-ish latency distribution around `median_ms`, `n` samples, as HDR-like
    /// buckets (0.01 ms wide), drawn with `seed`.
    fn sample(median_ms: f64, n: usize, seed: u64) -> Vec<(f64, u64)> {
        let mut rng = SmallRng::seed_from_u64(seed);
        let mut values: Vec<u64> = (0..n)
            .map(|_| {
                let v = median_ms * (0.35 * normal(&mut rng)).exp();
                (v * 100.0).round() as u64
            })
            .collect();
        values.sort_unstable();
        let mut out: Vec<(f64, u64)> = Vec::new();
        for v in values {
            let ms = v as f64 / 100.0;
            match out.last_mut() {
                Some(last) if last.0 == ms => last.1 += 1,
                _ => out.push((ms, 1)),
            }
        }
        out
    }

    fn quantile(b: &[(f64, u64)], q: f64) -> f64 {
        value_at(b, &cumulative(b.iter().map(|x| x.1)), q)
    }

    /// One side for percentile `q` of `buckets`, with per-second values spread by `rel_sd`.
    fn side(b: &[(f64, u64)], q: f64, seconds: usize, rel_sd: f64) -> Side {
        Side {
            sampling_sd: bootstrap_sd(b, &[q], SEED)[0],
            ..side_without_bootstrap(b, q, seconds, rel_sd)
        }
    }

    fn side_without_bootstrap(b: &[(f64, u64)], q: f64, seconds: usize, rel_sd: f64) -> Side {
        let value = quantile(b, q);
        Side {
            value,
            sampling_sd: 0.0,
            drift_sd: rel_sd * value,
            seconds,
            samples: b.iter().map(|x| x.1).sum(),
            client_delay: 0.0,
        }
    }

    fn verdict(base: &[(f64, u64)], new: &[(f64, u64)], q: f64, seconds: usize) -> LineVerdict {
        let (a, b) = (side(base, q, seconds, 0.05), side(new, q, seconds, 0.05));
        let n = noise(Figure::LatencyMs, &a, &b);
        judge(b.value - a.value, &n, Some(0.10 * a.value))
    }

    #[test]
    fn the_same_distribution_sampled_twice_is_never_a_regression() {
        let qs = [0.5, 0.9, 0.99, 0.999];
        let sides = |b: &[(f64, u64)]| -> Vec<Side> {
            let sds = bootstrap_sd(b, &qs, SEED);
            qs.iter()
                .zip(sds)
                .map(|(&q, sd)| Side {
                    sampling_sd: sd,
                    ..side_without_bootstrap(b, q, 5, 0.05)
                })
                .collect()
        };
        for seed in 0..12 {
            let base = sides(&sample(20.0, 2_000, seed));
            let new = sides(&sample(20.0, 2_000, seed + 1000));
            for (i, q) in qs.iter().enumerate() {
                let (a, b) = (base[i], new[i]);
                let v = judge(
                    b.value - a.value,
                    &noise(Figure::LatencyMs, &a, &b),
                    Some(0.10 * a.value),
                );
                assert!(
                    matches!(v, LineVerdict::Ok | LineVerdict::Noise),
                    "seed {seed} q {q}: {v:?} {a:?} {b:?}"
                );
            }
        }
    }

    #[test]
    fn a_distribution_shifted_by_half_is_a_regression() {
        let base = sample(20.0, 2_000, 1);
        let new = sample(30.0, 2_000, 2);
        for q in [0.5, 0.9, 0.99] {
            assert_eq!(verdict(&base, &new, q, 5), LineVerdict::Regression, "q {q}");
            assert_eq!(
                verdict(&new, &base, q, 5),
                LineVerdict::Improvement,
                "q {q}"
            );
        }
    }

    #[test]
    fn large_samples_use_the_order_statistic_and_still_separate_a_shift() {
        let base = sample(20.0, 50_000, 3);
        let new = sample(30.0, 50_000, 4);
        let same = sample(20.0, 50_000, 5);
        assert_eq!(verdict(&base, &new, 0.99, 10), LineVerdict::Regression);
        assert_ne!(verdict(&base, &same, 0.99, 10), LineVerdict::Regression);
        let sd = bootstrap_sd(&base, &[0.5, 1.0], SEED);
        assert!(sd[0] > 0.0 && sd[0] < 0.5, "{sd:?}");
    }

    #[test]
    fn tiny_samples_get_wide_intervals_and_five_samples_never_a_regression() {
        let small = bootstrap_sd(&sample(20.0, 30, 1), &[0.5], SEED)[0];
        let large = bootstrap_sd(&sample(20.0, 3_000, 1), &[0.5], SEED)[0];
        assert!(small > 3.0 * large, "small {small} large {large}");
        // Five samples, even doubled: unbounded noise, never a regression.
        let base = sample(20.0, 5, 1);
        let new = sample(40.0, 5, 2);
        for q in [0.5, 0.99, 1.0] {
            let (a, b) = (side(&base, q, 5, 0.0), side(&new, q, 5, 0.0));
            let n = noise(Figure::LatencyMs, &a, &b);
            assert!(matches!(n, Noise::Unbounded(_)), "{n:?}");
            assert_ne!(
                judge(b.value - a.value, &n, Some(0.0)),
                LineVerdict::Regression
            );
        }
    }

    #[test]
    fn few_seconds_widen_the_drift_and_one_second_bounds_nothing() {
        let a = Side {
            value: 10.0,
            drift_sd: 1.0,
            seconds: 2,
            samples: 1000,
            ..Side::default()
        };
        let two = noise(Figure::LatencyMs, &a, &a).half_width();
        let ten = noise(
            Figure::LatencyMs,
            &Side { seconds: 10, ..a },
            &Side { seconds: 10, ..a },
        )
        .half_width();
        assert!(two > 3.0 * ten, "two {two} ten {ten}");
        let one = Side { seconds: 1, ..a };
        assert!(matches!(
            noise(Figure::LatencyMs, &one, &a),
            Noise::Unbounded(_)
        ));
    }

    #[test]
    fn floors_and_the_client_delay_bound_the_noise_from_below() {
        let a = Side {
            value: 0.4,
            seconds: 5,
            samples: 1000,
            ..Side::default()
        };
        assert_eq!(
            noise(Figure::LatencyMs, &a, &a),
            Noise::Bounded(LATENCY_FLOOR_MS)
        );
        let slow = Side {
            client_delay: 3.0,
            ..a
        };
        assert_eq!(noise(Figure::LatencyMs, &a, &slow).half_width(), 3.0);
        let rps = Side { value: 200.0, ..a };
        assert_eq!(noise(Figure::Throughput, &rps, &rps).half_width(), 10.0);
    }

    #[test]
    fn the_verdict_table() {
        use LineVerdict::*;
        let h = super::Noise::Bounded(1.0);
        assert_eq!(judge(3.0, &h, Some(2.0)), Regression);
        assert_eq!(judge(1.5, &h, Some(2.0)), Ok, "within budget");
        assert_eq!(
            judge(0.8, &h, Some(0.5)),
            Noise,
            "beyond budget, within noise"
        );
        assert_eq!(judge(-3.0, &h, Some(2.0)), Improvement);
        assert_eq!(judge(-1.5, &h, Some(2.0)), Ok);
        assert_eq!(judge(0.0, &h, Some(0.0)), Ok, "unchanged");
        assert_eq!(judge(5.0, &h, None), Ok, "no budget: never a regression");
        assert_eq!(judge(0.5, &h, None), Noise);
        let unbounded = super::Noise::Unbounded("few".into());
        assert_eq!(judge(100.0, &unbounded, Some(1.0)), Noise);
    }

    #[test]
    fn error_rates_and_seconds() {
        assert!(rate_sd(0, 10) > rate_sd(0, 10_000));
        assert!(rate_sd(0, 10) > 0.0);
        assert_eq!(full_seconds(&[3, 100, 98, 102, 20]), vec![1, 2, 3]);
        assert_eq!(full_seconds(&[]), Vec::<usize>::new());
        assert!(t975(1) > 12.0 && t975(0).is_infinite() && t975(500) == Z);
    }

    #[test]
    fn the_bootstrap_is_reproducible() {
        let b = sample(20.0, 500, 9);
        assert_eq!(
            bootstrap_sd(&b, &[0.5, 0.99], SEED),
            bootstrap_sd(&b, &[0.5, 0.99], SEED)
        );
    }
}
