//! What a worker thread records during one phase.
//!
//! Each worker thread owns one `ThreadStats` (behind an `Rc<RefCell<..>>`: the thread's tasks
//! all run on one current-thread runtime, so no lock and no atomic is needed on the hot path).
//! Everything in it is a counter or a histogram: memory does not grow with the request count.
//! The threads are merged into one [`Observed`] at the end of the run.

use crate::metrics::LatencyHistogram;
use crate::metrics::series::SecondAccumulator;
pub use crate::metrics::stats::{
    BackoffCounts, LATE_AFTER, Observed, OpenLoopCounts, RequestStats, Sample, status_class,
};

#[derive(Debug)]
pub struct ThreadStats {
    pub requests: Vec<RequestStats>,
    /// Latency by status class 1xx..5xx (index 0..5).
    pub by_class: [LatencyHistogram; 5],
    pub sent_on_time: u64,
    pub sent_late: u64,
    /// Open loop: actual send − due time, per request sent.
    pub send_delay: LatencyHistogram,
    /// Closed-loop back-offs after failed connects.
    pub backoff: BackoffCounts,
    /// Per request: sent but not yet recorded.
    pub in_flight: Vec<u64>,
    pub series: SecondAccumulator,
    /// Per flow: iterations started, completed, cut and ended early.
    pub flows: Vec<super::flow::FlowStats>,
    /// Picks of the mix (a flow iteration counts once).
    pub picks: u64,
}

impl ThreadStats {
    pub fn new(requests: usize, flows: usize, series: SecondAccumulator) -> Self {
        ThreadStats {
            requests: vec![RequestStats::default(); requests],
            by_class: Default::default(),
            sent_on_time: 0,
            sent_late: 0,
            send_delay: LatencyHistogram::new(),
            backoff: BackoffCounts::default(),
            in_flight: vec![0; requests],
            series,
            flows: vec![Default::default(); flows],
            picks: 0,
        }
    }

    /// `--metrics-listen`: copy the cumulative figures into the thread's slot (from the
    /// thread's ticker, never per request).
    pub fn publish(&self, slot: &crate::live_metrics::Slot) {
        slot.publish(
            &self.requests,
            &self.in_flight,
            self.sent_on_time,
            self.sent_late,
        );
    }
}
