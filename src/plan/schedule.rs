//! Open-loop arrival schedule: when request *i* is due.
//!
//! This is the heart of "no coordinated omission": the due time of every request is fixed before
//! the run starts, from the rate profile alone, so a slow response can delay when a request is
//! *sent* but never when it was *due*. Latency is then measured from the due time.
//!
//! The profile is piecewise linear in rate: a start rate, then stages that ramp linearly to their
//! target rate over their duration. The cumulative arrival function Λ(t) = ∫ rate is quadratic in
//! each stage, so `due(i)` solves Λ(t) = i in closed form (no iteration, no drift over long runs).

use std::time::Duration;

use super::segment::Segment as Slice;

/// One linear piece of the rate profile.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Segment {
    /// Seconds from the start of the run at which this segment begins.
    start: f64,
    /// Length in seconds; `f64::INFINITY` for an open-ended constant rate.
    len: f64,
    rate_from: f64,
    rate_to: f64,
    /// Arrivals before this segment: Λ(start).
    before: f64,
}

impl Segment {
    fn slope(&self) -> f64 {
        if self.len.is_finite() && self.len > 0.0 {
            (self.rate_to - self.rate_from) / self.len
        } else {
            0.0
        }
    }

    fn arrivals(&self) -> f64 {
        if self.len.is_finite() {
            (self.rate_from + self.rate_to) / 2.0 * self.len
        } else {
            f64::INFINITY
        }
    }

    /// Λ(start + tau) − Λ(start).
    fn arrivals_within(&self, tau: f64) -> f64 {
        self.rate_from * tau + self.slope() * tau * tau / 2.0
    }

    /// Solve arrivals_within(tau) = n for tau ≥ 0.
    fn time_of(&self, n: f64) -> f64 {
        // k·τ² + r·τ − n = 0 with k = slope/2. The form 2n / (r + √(r² + 4kn)) is the
        // cancellation-free root; it also covers k = 0 (τ = n/r) and r = 0 (τ = √(n/k)).
        let k = self.slope() / 2.0;
        let r = self.rate_from;
        let disc = (r * r + 4.0 * k * n).max(0.0);
        let denom = r + disc.sqrt();
        if denom <= 0.0 { 0.0 } else { 2.0 * n / denom }
    }
}

/// The full open-loop arrival schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    segments: Vec<Segment>,
    /// Seconds; infinite when the run is bounded only by a request count.
    length: f64,
    /// `--segment I/N`: this schedule is the arrivals k ≡ I (mod N) of the whole one; its
    /// index j is the whole schedule's arrival `j·N + I`.
    slice: Slice,
}

impl Schedule {
    /// A constant rate for `duration` (or open-ended when `None`).
    pub fn constant(rate: f64, duration: Option<Duration>) -> Schedule {
        Schedule::ramped(
            rate,
            &[(duration.map_or(f64::INFINITY, |d| d.as_secs_f64()), rate)],
        )
    }

    /// Linear ramps: from `start_rate`, each `(seconds, rate)` stage ramps to `rate`.
    pub fn ramped(start_rate: f64, stages: &[(f64, f64)]) -> Schedule {
        let mut segments = Vec::with_capacity(stages.len());
        let (mut t, mut before, mut from) = (0.0, 0.0, start_rate.max(0.0));
        for &(len, to) in stages {
            let to = to.max(0.0);
            let seg = Segment {
                start: t,
                len,
                rate_from: from,
                rate_to: to,
                before,
            };
            before += seg.arrivals();
            t += len;
            from = to;
            segments.push(seg);
        }
        Schedule {
            segments,
            length: t,
            slice: Slice::WHOLE,
        }
    }

    /// This schedule's share for `--segment`: every N-th arrival, starting at the I-th, at the
    /// whole schedule's due times.
    pub fn sliced(mut self, slice: Slice) -> Schedule {
        self.slice = slice;
        self
    }

    /// The share of the whole schedule's rate this schedule offers (1 for the whole).
    fn share(&self) -> f64 {
        1.0 / f64::from(self.slice.count)
    }

    /// The rate at the start, as the scenario gave it (not derived from the first gap, which
    /// for a ramp is already past the start and for any rate carries float error).
    pub fn start_rate(&self) -> f64 {
        self.segments.first().map_or(0.0, |s| s.rate_from) * self.share()
    }

    /// The stages as `(seconds, rate reached at its end)`; a constant run is one stage.
    pub fn stages(&self) -> Vec<(f64, f64)> {
        self.segments
            .iter()
            .map(|s| (s.len, s.rate_to * self.share()))
            .collect()
    }

    /// Length of the schedule; `None` if open-ended.
    pub fn length(&self) -> Option<Duration> {
        self.length
            .is_finite()
            .then(|| Duration::from_secs_f64(self.length))
    }

    /// Cumulative arrivals Λ(t) at `t` seconds.
    fn cumulative(&self, t: f64) -> f64 {
        let mut total = 0.0;
        for s in &self.segments {
            if t <= s.start {
                break;
            }
            let tau = (t - s.start).min(s.len);
            total = s.before + s.arrivals_within(tau);
        }
        total
    }

    /// How many requests are due strictly before `t` (the integers i ≥ 0 with Λ⁻¹(i) < t).
    pub fn due_before(&self, t: Duration) -> u64 {
        let lambda = self.cumulative(t.as_secs_f64());
        if lambda <= 0.0 {
            return 0;
        }
        // The epsilon absorbs float error so that e.g. 500/s × 15 s counts 7500, not 7501.
        let whole = (lambda - 1e-9).ceil().max(0.0) as u64;
        self.slice.local_before(whole)
    }

    /// The rate a warm-up runs at: the highest rate of the first stage. A load that ramps up
    /// from zero is warmed at the rate its first stage reaches, not at zero.
    pub fn warmup_rate(&self) -> f64 {
        self.segments
            .iter()
            .find(|s| s.rate_from > 0.0 || s.rate_to > 0.0)
            .map_or(0.0, |s| s.rate_from.max(s.rate_to))
            * self.share()
    }

    /// Total requests the schedule produces, or `None` if open-ended.
    pub fn total(&self) -> Option<u64> {
        self.length
            .is_finite()
            .then(|| self.due_before(Duration::from_secs_f64(self.length)))
    }

    /// Offset from the run start at which request `i` is due; `None` past the schedule's end.
    pub fn due(&self, i: u64) -> Option<Duration> {
        let n = self.slice.global(i) as f64;
        let seg = self
            .segments
            .iter()
            .find(|s| n < s.before + s.arrivals() && s.arrivals() > 0.0)?;
        let tau = seg.time_of(n - seg.before).min(seg.len);
        let t = seg.start + tau;
        (t < self.length || !self.length.is_finite()).then(|| Duration::from_secs_f64(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// N sliced schedules offer exactly the whole one: every due time once, each slice evenly
    /// spread over the whole run (a ramp included), and their rates add up.
    #[test]
    fn slices_partition_the_whole_schedule() {
        let whole = Schedule::ramped(10.0, &[(3.0, 100.0), (2.0, 40.0)]);
        let total = whole.total().unwrap();
        let mut all: Vec<Duration> = (0..total).map(|i| whole.due(i).unwrap()).collect();
        let n = 4;
        let mut union = Vec::new();
        let mut start_rates = 0.0;
        for index in 0..n {
            let s = whole.clone().sliced(Slice { index, count: n });
            let mine = s.total().unwrap();
            assert_eq!(mine, Slice { index, count: n }.share(total));
            union.extend((0..mine).map(|j| s.due(j).unwrap()));
            assert!(s.due(mine).is_none());
            // Spread: the slice's last arrival is within the whole's last 4 arrivals.
            assert!(s.due(mine - 1).unwrap() >= all[all.len() - 4]);
            start_rates += s.start_rate();
            let half = Duration::from_millis(2500);
            let g = whole.due_before(half);
            assert_eq!(
                s.due_before(half),
                Slice { index, count: n }.local_before(g)
            );
        }
        all.sort();
        union.sort();
        assert_eq!(union, all);
        assert!((start_rates - 10.0).abs() < 1e-9);
    }

    /// The report states the rate the scenario gave, not one derived from the first gap (for
    /// `start_rate = 10` ramping up, the first gap already says 11.1).
    #[test]
    fn the_start_rate_and_stages_are_the_scenarios() {
        let s = Schedule::ramped(10.0, &[(30.0, 100.0), (60.0, 100.0)]);
        assert_eq!(s.start_rate(), 10.0);
        assert_eq!(s.stages(), vec![(30.0, 100.0), (60.0, 100.0)]);
        let c = Schedule::constant(150.0, None);
        assert_eq!(c.start_rate(), 150.0);
        assert_eq!(c.stages(), vec![(f64::INFINITY, 150.0)]);
    }

    #[test]
    fn warmup_rate_is_the_first_stage_peak() {
        assert_eq!(Schedule::constant(80.0, None).warmup_rate(), 80.0);
        assert_eq!(
            Schedule::ramped(0.0, &[(10.0, 50.0), (10.0, 200.0)]).warmup_rate(),
            50.0
        );
        assert_eq!(
            Schedule::ramped(0.0, &[(5.0, 0.0), (10.0, 30.0)]).warmup_rate(),
            30.0
        );
    }

    fn secs(d: Duration) -> f64 {
        d.as_secs_f64()
    }

    #[test]
    fn constant_rate_is_evenly_spaced() {
        let s = Schedule::constant(500.0, Some(Duration::from_secs(15)));
        assert_eq!(s.total(), Some(7500));
        assert_eq!(s.due(0), Some(Duration::ZERO));
        assert!((secs(s.due(1).unwrap()) - 0.002).abs() < 1e-9);
        assert!((secs(s.due(7499).unwrap()) - 14.998).abs() < 1e-9);
        assert_eq!(s.due(7500), None);
    }

    #[test]
    fn open_ended_schedule_has_no_end() {
        let s = Schedule::constant(10.0, None);
        assert_eq!(s.total(), None);
        assert_eq!(s.length(), None);
        assert!((secs(s.due(1_000_000).unwrap()) - 100_000.0).abs() < 1e-6);
    }

    #[test]
    fn ramp_from_zero_follows_the_quadratic() {
        // 0 → 100 req/s over 10 s: Λ(t) = 5 t², 500 arrivals in all.
        let s = Schedule::ramped(0.0, &[(10.0, 100.0)]);
        assert_eq!(s.total(), Some(500));
        for i in [1u64, 20, 125, 499] {
            let expected = (i as f64 / 5.0).sqrt();
            assert!((secs(s.due(i).unwrap()) - expected).abs() < 1e-9, "i={i}");
        }
    }

    #[test]
    fn stages_chain_and_due_times_are_monotone() {
        let s = Schedule::ramped(10.0, &[(5.0, 50.0), (10.0, 50.0), (5.0, 0.0)]);
        // 150 + 500 + 125
        assert_eq!(s.total(), Some(775));
        let mut last = Duration::ZERO;
        for i in 0..775 {
            let d = s.due(i).unwrap();
            assert!(d >= last, "due times must not go backwards at {i}");
            last = d;
        }
        assert!(s.due(775).is_none());
        assert_eq!(s.due_before(Duration::from_secs(5)), 150);
    }

    #[test]
    fn ramp_down_solves_the_decreasing_branch() {
        // 100 → 0 over 2 s: Λ(t) = 100 t − 25 t², 100 in total; Λ(1) = 75.
        let s = Schedule::ramped(100.0, &[(2.0, 0.0)]);
        assert_eq!(s.total(), Some(100));
        assert!((secs(s.due(75).unwrap()) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn zero_rate_stage_is_a_pause() {
        let s = Schedule::ramped(0.0, &[(1.0, 0.0), (1.0, 0.0), (1.0, 10.0)]);
        // The first arrival is due during the third stage (Λ(t)=5(t−2)² ⇒ request 0 at 2 s).
        assert!((secs(s.due(0).unwrap()) - 2.0).abs() < 1e-9);
        assert_eq!(s.total(), Some(5));
    }
}
