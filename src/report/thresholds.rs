//! Threshold evaluation (LAT-xx): a pure function from the thresholds and the measured figures to
//! verdicts. A breach makes the run exit 5.

use crate::metrics::LatencySummary;
use crate::report::model::ThresholdResult;
#[cfg(test)]
use crate::scenario::ThresholdSource;
use crate::scenario::thresholds::name;
use crate::scenario::{Bound, Metric, Threshold};

/// The figures a threshold can be judged against, for the whole run or one request name.
#[derive(Clone, Copy)]
pub struct Figures<'a> {
    pub latency: &'a LatencySummary,
    /// Full-precision percentiles come from the histogram, not the rounded summary.
    pub percentile: &'a dyn Fn(f64) -> f64,
    pub error_rate: f64,
    /// Open loop: due requests never sent over due requests; `None` in closed loop, where
    /// nothing is due and so nothing can go unsent.
    pub not_sent_rate: Option<f64>,
    pub rps: f64,
    /// How many responses the latency figures rest on.
    pub responses: u64,
}

pub fn evaluate(t: &Threshold, f: Figures<'_>) -> ThresholdResult {
    let (actual, unit) = match t.metric {
        Metric::Percentile(p) => ((f.percentile)(p), "ms"),
        Metric::Max => (f.latency.max, "ms"),
        Metric::Mean => (f.latency.mean, "ms"),
        Metric::ErrorRate => (f.error_rate, "ratio"),
        Metric::NotSentRate => (f.not_sent_rate.unwrap_or(0.0), "ratio"),
        Metric::Rps => (f.rps, "req/s"),
    };
    let (op, limit, mut passed) = match t.bound {
        Bound::MaxLatency(d) => {
            let limit = d.as_secs_f64() * 1000.0;
            ("<=", limit, actual <= limit)
        }
        Bound::MaxValue(v) => ("<=", v, actual <= v),
        Bound::MinValue(v) => (">=", v, actual >= v),
    };
    // An empty histogram reads as 0 ms, which would "meet" every latency bound: a latency
    // nothing measured is not a pass.
    let latency_metric = matches!(t.metric, Metric::Percentile(_) | Metric::Max | Metric::Mean);
    let note = if latency_metric && f.responses == 0 {
        passed = false;
        Some("no responses to measure a latency on".to_string())
    } else if t.metric == Metric::NotSentRate && f.not_sent_rate.is_none() {
        Some("closed loop: no request is ever due, so none goes unsent".to_string())
    } else {
        None
    };
    ThresholdResult {
        metric: name(t.metric),
        request: t.request.clone(),
        op: op.into(),
        limit,
        actual,
        unit: unit.into(),
        passed,
        note,
        source: t.source.as_str().into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn figures<'a>(l: &'a LatencySummary, pct: &'a dyn Fn(f64) -> f64) -> Figures<'a> {
        Figures {
            latency: l,
            percentile: pct,
            error_rate: 0.02,
            not_sent_rate: Some(0.0),
            rps: 95.0,
            responses: 100,
        }
    }

    #[test]
    fn latency_error_rate_and_throughput_bounds() {
        let l = LatencySummary {
            p99: 120.0,
            max: 300.0,
            mean: 40.0,
            ..Default::default()
        };
        let pct = |p: f64| if p >= 99.0 { 120.0 } else { 10.0 };
        let th = |metric, bound| Threshold {
            metric,
            request: None,
            bound,
            source: ThresholdSource::Scenario,
        };
        let ok = evaluate(
            &th(
                Metric::Percentile(99.0),
                Bound::MaxLatency(Duration::from_millis(150)),
            ),
            figures(&l, &pct),
        );
        assert!(ok.passed && ok.metric == "p99" && ok.unit == "ms");
        let bad = evaluate(
            &th(Metric::Max, Bound::MaxLatency(Duration::from_millis(250))),
            figures(&l, &pct),
        );
        assert!(!bad.passed);
        assert!(
            !evaluate(
                &th(Metric::ErrorRate, Bound::MaxValue(0.01)),
                figures(&l, &pct)
            )
            .passed
        );
        assert!(
            evaluate(
                &th(Metric::ErrorRate, Bound::MaxValue(0.05)),
                figures(&l, &pct)
            )
            .passed
        );
        assert!(!evaluate(&th(Metric::Rps, Bound::MinValue(100.0)), figures(&l, &pct)).passed);
        assert_eq!(name(Metric::Percentile(99.9)), "p99.9");
    }

    #[test]
    fn a_latency_bound_over_no_responses_is_never_met() {
        let l = LatencySummary::default();
        let pct = |_: f64| 0.0;
        let empty = Figures {
            responses: 0,
            error_rate: 1.0,
            ..figures(&l, &pct)
        };
        let th = |metric, bound| Threshold {
            metric,
            request: None,
            bound,
            source: ThresholdSource::Scenario,
        };
        let p99 = evaluate(
            &th(
                Metric::Percentile(99.0),
                Bound::MaxLatency(Duration::from_millis(500)),
            ),
            empty,
        );
        assert!(!p99.passed, "0 ms from an empty histogram is not a pass");
        assert!(p99.note.as_deref().unwrap().contains("no responses"));
        // Throughput needs no response to be judged: 95 req/s attempted is a figure.
        let rps = evaluate(&th(Metric::Rps, Bound::MinValue(10.0)), empty);
        assert!(rps.passed && rps.note.is_none());
    }
}
