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
    /// For a missed expectation: the response that missed, kept once per request (built on
    /// the first miss only, never for a conforming response). Not redacted yet: the report
    /// redacts it.
    pub response: Option<Box<ResponseSample>>,
}

/// The response behind an `EXPECT-*` finding.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResponseSample {
    pub headers: Vec<(String, String)>,
    /// The start of the body (at most [`RESPONSE_SAMPLE_BODY`] bytes), when it was read.
    pub body: Option<Vec<u8>>,
    /// Whether `body` is only the start of the body.
    pub body_cut: bool,
    /// Every miss, capped ([`crate::engine::expect::capped`]).
    pub misses: Vec<String>,
}

/// How much of a missed response's body its sample keeps.
pub const RESPONSE_SAMPLE_BODY: usize = 4096;

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
    /// Bodies the expectations needed that were longer than `max_body` (kept only up to it).
    pub kept_bodies_truncated: u64,
    /// Responses whose expectations could not be judged (their body was too large to judge):
    /// neither met nor missed.
    pub expectation_unjudged: u64,
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
        self.kept_bodies_truncated += o.kept_bodies_truncated;
        self.expectation_unjudged += o.expectation_unjudged;
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
    /// The load phase's length, the divisor of every req/s figure (see [`load_phase_length`]).
    pub load_phase: Duration,
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
    /// Aligned with `RunPlan::flows`.
    pub flows: Vec<super::flow::FlowStats>,
    /// Aligned with `RunPlan::data`: how much of each data file the run used.
    pub data: Vec<DataUse>,
}

/// How a `[[data]]` feeder was used by the load (warm-up included).
#[derive(Debug, Clone, PartialEq)]
pub struct DataUse {
    pub name: String,
    pub order: crate::scenario::DataOrder,
    pub rows: u64,
    /// Rows handed out (a sequential or random feeder may hand a row out many times).
    pub used: u64,
    /// A unique feeder was asked for more rows than it has: the load phase stopped there.
    pub exhausted: bool,
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

/// How the load phase ended, which decides its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhaseEnd {
    /// It ran to its planned end (its duration, or its last stage).
    Planned,
    /// Its request count was reached before the planned end.
    RequestBound,
    /// A stop (Ctrl-C, SIGTERM) arrived this long after the start.
    Stopped(Duration),
}

/// The load phase's length, the divisor of req/s. Not the time to the last response: a run at
/// 0.01 req/s sends its one request at once and would otherwise report hundreds of req/s, and a
/// run at 5 req/s for 2 s, whose last request is due at 1.8 s, would report 5.5.
/// - ran to its end: the planned duration;
/// - stopped: the time until the stop (never more than planned);
/// - bounded by a request count: the time until the last response (also capped by the plan).
pub fn load_phase_length(planned: Duration, end: PhaseEnd, last_completion: Duration) -> Duration {
    match end {
        PhaseEnd::Planned => planned,
        PhaseEnd::RequestBound => last_completion.min(planned),
        PhaseEnd::Stopped(at) => at.min(planned),
    }
}

/// `n` requests over `phase`; 0 over an empty phase (a stop during the warm-up) rather than a
/// division by zero.
pub fn per_second(n: u64, phase: Duration) -> f64 {
    let s = phase.as_secs_f64();
    if s > 0.0 { n as f64 / s } else { 0.0 }
}

pub fn status_class(status: u16) -> usize {
    (usize::from(status / 100)).clamp(1, 5) - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(f64) -> Duration = Duration::from_secs_f64;

    #[test]
    fn a_run_to_its_end_lasts_its_planned_duration() {
        // --rate 0.01 -z 10s: one request, answered after 2 ms.
        let phase = load_phase_length(S(10.0), PhaseEnd::Planned, S(0.002));
        assert_eq!(phase, S(10.0));
        assert!((per_second(1, phase) - 0.1).abs() < 1e-9);
        // --rate 5 -z 2s: ten requests, the last due at 1.8 s.
        let phase = load_phase_length(S(2.0), PhaseEnd::Planned, S(1.803));
        assert!((per_second(10, phase) - 5.0).abs() < 1e-9);
        // Responses drained after the end do not lengthen it either.
        assert_eq!(load_phase_length(S(2.0), PhaseEnd::Planned, S(2.4)), S(2.0));
    }

    #[test]
    fn a_stopped_run_lasts_until_the_stop() {
        assert_eq!(
            load_phase_length(S(10.0), PhaseEnd::Stopped(S(3.0)), S(3.2)),
            S(3.0)
        );
        // A stop after the planned end (during the drain) does not lengthen it.
        assert_eq!(
            load_phase_length(S(2.0), PhaseEnd::Stopped(S(2.5)), S(2.6)),
            S(2.0)
        );
        // A stop during the warm-up: an empty load phase, and no division by zero.
        let phase = load_phase_length(S(2.0), PhaseEnd::Stopped(Duration::ZERO), S(0.0));
        assert_eq!(per_second(0, phase), 0.0);
    }

    #[test]
    fn a_request_bounded_run_lasts_until_its_last_response() {
        // -n 100 with no duration: the plan is the 24 h cap, the run took 1.5 s.
        let phase = load_phase_length(S(86_400.0), PhaseEnd::RequestBound, S(1.5));
        assert_eq!(phase, S(1.5));
        assert!((per_second(100, phase) - 66.666).abs() < 0.01);
    }
}
