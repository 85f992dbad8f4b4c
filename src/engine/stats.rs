//! What a worker thread records, and the merge of all threads into one `Observed` value.
//!
//! Each worker thread owns one `ThreadStats` (behind an `Rc<RefCell<..>>`: the thread's tasks
//! all run on one current-thread runtime, so no lock and no atomic is needed on the hot path).
//! Everything in it is a counter or a histogram: memory does not grow with the request count.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use super::client::ErrorKind;
use crate::checks::PassiveSet;
use crate::metrics::LatencyHistogram;
use crate::metrics::series::{SecondAccumulator, SeriesPoint};

/// A sample kept for evidence: the first occurrence only, so memory stays constant.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub message: String,
    pub url: String,
    pub method: String,
    pub status: Option<u16>,
}

#[derive(Debug, Clone, Default)]
pub struct RequestStats {
    /// Requests that were sent (or attempted): responses + request errors.
    pub sent: u64,
    pub responses: u64,
    pub hist: LatencyHistogram,
    pub status: BTreeMap<u16, u64>,
    pub errors: [u64; ErrorKind::ALL.len()],
    pub error_samples: BTreeMap<ErrorKind, Sample>,
    pub expectation_failures: u64,
    pub expectation_sample: Option<Sample>,
    pub bytes_received: u64,
    /// Bodies cut off at the body cap (the rest was not read; the connection was dropped).
    pub body_truncated: u64,
}

impl RequestStats {
    pub fn error_total(&self) -> u64 {
        self.errors.iter().sum()
    }

    pub fn merge(&mut self, o: &RequestStats) {
        self.sent += o.sent;
        self.responses += o.responses;
        self.hist.merge(&o.hist);
        for (s, n) in &o.status {
            *self.status.entry(*s).or_default() += n;
        }
        for (a, b) in self.errors.iter_mut().zip(o.errors) {
            *a += b;
        }
        for (k, s) in &o.error_samples {
            self.error_samples.entry(*k).or_insert_with(|| s.clone());
        }
        self.expectation_failures += o.expectation_failures;
        if self.expectation_sample.is_none() {
            self.expectation_sample = o.expectation_sample.clone();
        }
        self.bytes_received += o.bytes_received;
        self.body_truncated += o.body_truncated;
    }
}

/// Open-loop accounting (LOAD-01).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OpenLoopCounts {
    /// Requests whose due time fell inside the load phase.
    pub due: u64,
    pub sent_on_time: u64,
    pub sent_late: u64,
    /// Due but never sent: the backlog when the run ended.
    pub not_sent: u64,
}

/// A send later than this after its due time counts as late. Tokio's timer has millisecond
/// granularity and a shared machine adds scheduling jitter, so anything tighter would call
/// healthy sends late.
pub const LATE_AFTER: Duration = Duration::from_millis(5);

#[derive(Debug)]
pub struct ThreadStats {
    pub requests: Vec<RequestStats>,
    /// Latency by status class 1xx..5xx (index 0..5).
    pub by_class: [LatencyHistogram; 5],
    pub sent_on_time: u64,
    pub sent_late: u64,
    /// Per request: sent but not yet recorded.
    pub in_flight: Vec<u64>,
    pub series: SecondAccumulator,
    pub passive: PassiveSet,
}

impl ThreadStats {
    pub fn new(requests: usize, series: SecondAccumulator, passive: PassiveSet) -> Self {
        ThreadStats {
            requests: vec![RequestStats::default(); requests],
            by_class: Default::default(),
            sent_on_time: 0,
            sent_late: 0,
            in_flight: vec![0; requests],
            series,
            passive,
        }
    }
}

/// Everything the load phase measured: the engine's single output.
#[derive(Debug)]
pub struct Observed {
    pub base_url: String,
    pub started_at: SystemTime,
    /// Wall time of the load phase, from the first due time to the last completion.
    pub elapsed: Duration,
    /// Where a stop arrived, if one did (`Warmup` or `Load`; the pipeline adds later phases).
    pub interrupted: Option<crate::signals::Phase>,
    /// The warm-up's counts merged over requests (`None` without a warm-up). Nothing from it
    /// is in `requests`, `by_class`, `series` or `passive`.
    pub warmup: Option<RequestStats>,
    /// Aligned with `RunPlan::requests`.
    pub requests: Vec<RequestStats>,
    pub by_class: [LatencyHistogram; 5],
    pub open_loop: Option<OpenLoopCounts>,
    pub series: Vec<SeriesPoint>,
    /// The passive checks' state, merged over all threads; `Report::build` turns it into verdicts.
    pub passive: PassiveSet,
}

impl Observed {
    pub fn overall(&self) -> RequestStats {
        let mut all = RequestStats::default();
        for r in &self.requests {
            all.merge(r);
        }
        all
    }
}

pub fn status_class(status: u16) -> usize {
    (usize::from(status / 100)).clamp(1, 5) - 1
}
