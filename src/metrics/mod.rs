//! Latency recording: an HDR histogram wrapper (microseconds, 3 significant figures) and the
//! per-second series.
//!
//! Histograms are the only place latencies live: memory depends on the range of values seen, never
//! on how many requests were made. Serialization uses the HdrHistogram V2 + DEFLATE format so that
//! reports written on different machines can later be merged exactly.

pub mod flow;
pub mod series;
pub mod stats;

pub use stats::{ErrorKind, OpenLoopCounts};

use std::time::Duration;

use base64::Engine as _;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};

/// Highest trackable latency. One hour covers any sane request timeout; larger values are clamped
/// (and still counted) rather than dropped, so a count is never lost.
const MAX_US: u64 = 3_600_000_000;
const SIGFIGS: u8 = 3;

/// A latency histogram in microseconds.
#[derive(Clone, Debug)]
pub struct LatencyHistogram {
    // u32 counts halve the memory of u64 ones; a single bucket would need 4 billion identical
    // latencies to saturate, and recording saturates rather than overflowing even then.
    h: Histogram<u32>,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        Self::new()
    }
}

impl LatencyHistogram {
    pub fn new() -> Self {
        Self::with_sigfigs(SIGFIGS)
    }

    /// A coarser histogram for the per-second series (2 significant figures is ample there and
    /// keeps the per-second cost small).
    pub fn with_sigfigs(sigfigs: u8) -> Self {
        // Auto-resizing keeps a fresh histogram tiny; it grows only to the largest value seen.
        let mut h = Histogram::new_with_bounds(1, 2, sigfigs).expect("valid HDR bounds");
        h.auto(true);
        LatencyHistogram { h }
    }

    pub fn record(&mut self, latency: Duration) {
        let us = (latency.as_micros() as u64).clamp(1, MAX_US);
        // Auto-resizing record: it grows the histogram to fit `us` (bounded by MAX_US above), and
        // an existing bucket saturates instead of overflowing. `saturating_record` would instead
        // clamp to the *current* size, silently flattening every new maximum.
        let _ = self.h.record(us);
    }

    pub fn merge(&mut self, other: &LatencyHistogram) {
        // Both are auto-resizing, so adding cannot fail on range.
        let _ = self.h.add(&other.h);
    }

    pub fn count(&self) -> u64 {
        self.h.len()
    }

    pub fn is_empty(&self) -> bool {
        self.h.is_empty()
    }

    /// Percentile in milliseconds (`p` in 0..=100); 0 for an empty histogram.
    pub fn percentile_ms(&self, p: f64) -> f64 {
        if self.h.is_empty() {
            return 0.0;
        }
        self.h.value_at_quantile(p / 100.0) as f64 / 1000.0
    }

    pub fn max_ms(&self) -> f64 {
        if self.h.is_empty() {
            0.0
        } else {
            self.h.max() as f64 / 1000.0
        }
    }

    pub fn min_ms(&self) -> f64 {
        if self.h.is_empty() {
            0.0
        } else {
            self.h.min() as f64 / 1000.0
        }
    }

    pub fn mean_ms(&self) -> f64 {
        if self.h.is_empty() {
            0.0
        } else {
            self.h.mean() / 1000.0
        }
    }

    /// Every recorded value (in milliseconds, each bucket's highest equivalent value, as the
    /// percentiles report it) with its count, in ascending order: what a resampling reads.
    pub fn buckets_ms(&self) -> Vec<(f64, u64)> {
        self.h
            .iter_recorded()
            .map(|v| {
                (
                    self.h.highest_equivalent(v.value_iterated_to()) as f64 / 1000.0,
                    v.count_at_value() as u64,
                )
            })
            .collect()
    }

    /// The percentile distribution as HdrHistogram's own tools iterate it: steps that halve
    /// the distance to 100% `ticks_per_half_distance` at a time, so the tail gets as many points
    /// as the body. The last step is the maximum at quantile 1. Empty for an empty histogram.
    pub fn distribution(&self, ticks_per_half_distance: u32) -> Vec<QuantileStep> {
        let mut count_to = 0;
        self.h
            .iter_quantiles(ticks_per_half_distance)
            .map(|v| {
                count_to += v.count_since_last_iteration();
                QuantileStep {
                    value_ms: self.h.highest_equivalent(v.value_iterated_to()) as f64 / 1000.0,
                    quantile: v.quantile_iterated_to(),
                    count_to,
                }
            })
            .collect()
    }

    /// Standard deviation in milliseconds; 0 for an empty histogram.
    pub fn stdev_ms(&self) -> f64 {
        if self.h.is_empty() {
            0.0
        } else {
            self.h.stdev() / 1000.0
        }
    }

    /// `(buckets, sub-buckets)` of the HDR layout, as HdrHistogram's `.hgrm` footer states them.
    pub fn layout(&self) -> (u8, u32) {
        // The sub-bucket count is the power of two that holds 2 × 10^sigfig (2048 for 3 digits).
        let needed = 2 * 10u32.pow(u32::from(self.h.sigfig()));
        (self.h.buckets(), needed.next_power_of_two())
    }

    /// V2 + DEFLATE, base64 (standard alphabet, padded).
    pub fn to_base64(&self) -> String {
        let mut bytes = Vec::new();
        // Serializing into a Vec cannot fail for I/O reasons; an error here would be a bug in
        // the histogram itself, so an empty string (never a panic) is the fallback.
        if V2DeflateSerializer::new()
            .serialize(&self.h, &mut bytes)
            .is_err()
        {
            return String::new();
        }
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    pub fn from_base64(text: &str) -> Result<LatencyHistogram, String> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|e| format!("histogram is not valid base64: {e}"))?;
        let h: Histogram<u32> = Deserializer::new()
            .deserialize(&mut bytes.as_slice())
            .map_err(|e| format!("histogram is not a valid HDR V2 encoding: {e:?}"))?;
        let mut out = LatencyHistogram::new();
        let _ = out.h.add(&h);
        Ok(out)
    }
}

/// One step of [`LatencyHistogram::distribution`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuantileStep {
    /// The highest latency equivalent to the step's bucket, in milliseconds.
    pub value_ms: f64,
    /// The fraction of samples at or below it (0..=1).
    pub quantile: f64,
    /// How many samples that is.
    pub count_to: u64,
}

/// The summary figures written to every report, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LatencySummary {
    pub count: u64,
    pub min: f64,
    pub p50: f64,
    pub p90: f64,
    pub p95: f64,
    pub p99: f64,
    pub p99_9: f64,
    pub max: f64,
    pub mean: f64,
}

impl From<&LatencyHistogram> for LatencySummary {
    fn from(h: &LatencyHistogram) -> Self {
        LatencySummary {
            count: h.count(),
            min: h.min_ms(),
            p50: h.percentile_ms(50.0),
            p90: h.percentile_ms(90.0),
            p95: h.percentile_ms(95.0),
            p99: h.percentile_ms(99.0),
            p99_9: h.percentile_ms(99.9),
            max: h.max_ms(),
            mean: h.mean_ms(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_have_three_significant_figures() {
        let mut h = LatencyHistogram::new();
        for ms in 1..=1000u64 {
            h.record(Duration::from_millis(ms));
        }
        let s = LatencySummary::from(&h);
        assert_eq!(s.count, 1000);
        assert!((s.p50 - 500.0).abs() <= 0.5, "{}", s.p50);
        assert!((s.p99 - 990.0).abs() <= 1.0, "{}", s.p99);
        assert!((s.max - 1000.0).abs() <= 1.0);
        assert!((s.mean - 500.5).abs() <= 0.5);
    }

    #[test]
    fn round_trip_through_base64_is_exact() {
        let mut h = LatencyHistogram::new();
        for us in [1u64, 7, 999, 12_345, 2_000_000] {
            h.record(Duration::from_micros(us));
        }
        let back = LatencyHistogram::from_base64(&h.to_base64()).unwrap();
        assert_eq!(LatencySummary::from(&back), LatencySummary::from(&h));
    }

    #[test]
    fn merge_adds_counts_and_extremes_are_clamped_not_dropped() {
        let mut a = LatencyHistogram::new();
        let mut b = LatencyHistogram::new();
        a.record(Duration::ZERO);
        b.record(Duration::from_secs(10 * 3600));
        a.merge(&b);
        assert_eq!(a.count(), 2);
        assert!(a.max_ms() >= 3_599_000.0);
    }

    #[test]
    fn empty_histogram_reports_zeros() {
        let s = LatencySummary::from(&LatencyHistogram::new());
        assert_eq!(s, LatencySummary::default());
    }
}
