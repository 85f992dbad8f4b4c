//! What the load phase measured, as plain data: per-request counters and histograms, the
//! open-loop accounting, and the kinds of request error. The engine fills these in; the report
//! and (later) merge and compare read them without knowing the engine.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use super::LatencyHistogram;
use super::series::SeriesPoint;

/// Why a request produced no usable response. Counted per kind in the report; never aborts a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ErrorKind {
    /// TCP connect failed (refused, unreachable, DNS).
    Connect,
    /// TLS handshake or certificate problem.
    Tls,
    /// No complete response within the request timeout.
    Timeout,
    /// The connection was reset or closed before the response was complete.
    Reset,
    /// The response could not be parsed as HTTP.
    Protocol,
    /// The body failed while being read.
    BodyRead,
    /// A request that could not be built (a template rendered to an invalid header, say).
    Request,
    /// In flight when the run was interrupted and not finished within the drain time.
    Cancelled,
    /// The client itself ran out of a resource (file descriptors, socket buffers, local ports)
    /// before it could send: nothing reached the target, which is not to blame.
    Local,
    Other,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 10] = [
        ErrorKind::Connect,
        ErrorKind::Tls,
        ErrorKind::Timeout,
        ErrorKind::Reset,
        ErrorKind::Protocol,
        ErrorKind::BodyRead,
        ErrorKind::Request,
        ErrorKind::Cancelled,
        ErrorKind::Local,
        ErrorKind::Other,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Connect => "connect",
            ErrorKind::Tls => "tls",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Reset => "reset",
            ErrorKind::Protocol => "protocol",
            ErrorKind::BodyRead => "body_read",
            ErrorKind::Request => "request",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Local => "local",
            ErrorKind::Other => "other",
        }
    }

    pub fn index(self) -> usize {
        ErrorKind::ALL
            .iter()
            .position(|k| *k == self)
            .unwrap_or(ErrorKind::ALL.len() - 1)
    }
}

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

/// Closed loop: how often users backed off from a target refusing connections, and for how long
/// in all (summed over users).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BackoffCounts {
    pub count: u64,
    pub total: Duration,
}

/// A send later than this after its due time counts as late. Tokio's timer has millisecond
/// granularity and a shared machine adds scheduling jitter, so anything tighter would call
/// healthy sends late.
pub const LATE_AFTER: Duration = Duration::from_millis(5);

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
    /// Open loop: how late each request was actually sent against its due time (the tool's own
    /// precision; part of every open-loop latency). `None` in closed loop.
    pub send_delay: Option<LatencyHistogram>,
    /// Closed loop only: the users' back-offs after failed connects.
    pub backoff: Option<BackoffCounts>,
    pub series: Vec<SeriesPoint>,
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
