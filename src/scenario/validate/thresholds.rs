//! `[[thresholds]]`: a metric, an optional request and one bound.

use super::{Cx, suggest};
use crate::scenario::model::*;
use crate::scenario::tree::{Entry, Kind, Node, get};

/// Parse a percentile metric name like `p99.9`.
fn parse_percentile(s: &str) -> Option<f64> {
    let num = s.strip_prefix('p')?;
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let p: f64 = num.parse().ok()?;
    (p > 0.0 && p < 100.0).then_some(p)
}

impl Cx<'_> {
    pub(super) fn thresholds(&mut self, e: &Entry) -> Option<Vec<Threshold>> {
        let items = match &e.value.kind {
            Kind::Array(items) => items,
            _ => {
                self.type_err(e, "an array of tables ([[thresholds]])");
                return None;
            }
        };
        let mut out = Vec::new();
        let mut ok = true;
        for node in items {
            match self.threshold(node) {
                Some(t) => out.push(t),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn threshold(&mut self, node: &Node) -> Option<Threshold> {
        let Some(t) = node.table() else {
            self.err(
                node.span.clone(),
                format!("each threshold must be a table, found {}", node.describe()),
            );
            return None;
        };
        self.check_keys(t, &["metric", "request", "max", "min"], "[[thresholds]]");
        const METRICS: &[&str] = &[
            "p50",
            "p90",
            "p95",
            "p99",
            "p99.9",
            "max",
            "mean",
            "error_rate",
            "rps",
        ];
        let metric = match get(t, "metric") {
            Some(m) => self.str_of(m).and_then(|s| {
                let metric = match s.as_str() {
                    "max" => Some(Metric::Max),
                    "mean" => Some(Metric::Mean),
                    "error_rate" => Some(Metric::ErrorRate),
                    "rps" => Some(Metric::Rps),
                    other => parse_percentile(other).map(Metric::Percentile),
                };
                if metric.is_none() {
                    let message = format!(
                        "invalid metric {s:?}: expected a percentile like \"p99\" or \"p99.9\" (0 < p < 100), \"max\", \"mean\", \"error_rate\" or \"rps\""
                    );
                    match suggest(&s, METRICS.iter().copied()) {
                        Some(c) => self.err_hint(m.value.span.clone(), message, format!("did you mean \"{c}\"?")),
                        None => self.err(m.value.span.clone(), message),
                    }
                }
                metric
            }),
            None => {
                self.missing(node.span.clone(), "metric", "[[thresholds]]", "add e.g. `metric = \"p99\"`");
                None
            }
        };
        let request = match get(t, "request") {
            Some(r) => Some(self.request_ref(r)?),
            None => None,
        };
        let max = get(t, "max");
        let min = get(t, "min");
        let metric = metric?;
        let bound = match (max, min) {
            (Some(a), Some(b)) => {
                let second = if a.key_span.start > b.key_span.start {
                    a
                } else {
                    b
                };
                self.err(
                    second.key_span.clone(),
                    "a threshold takes exactly one of `max` or `min`, not both",
                );
                return None;
            }
            (None, None) => {
                let hint = match metric {
                    Metric::ErrorRate => "add e.g. `max = 0.01` (at most 1% errors)",
                    Metric::Rps => "add e.g. `min = 100` (at least 100 requests per second)",
                    _ => "add e.g. `max = \"250ms\"`",
                };
                self.err_hint(
                    node.span.clone(),
                    "a threshold needs a bound: `max` or `min`",
                    hint,
                );
                return None;
            }
            (Some(m), None) => match metric {
                Metric::Rps => {
                    self.err_hint(
                        m.key_span.clone(),
                        "an `rps` threshold takes `min`, not `max`",
                        "write e.g. `min = 100` (at least 100 requests per second)",
                    );
                    return None;
                }
                Metric::ErrorRate => {
                    let v = self.number(m)?;
                    if !(0.0..=1.0).contains(&v) {
                        self.err_hint(
                            m.value.span.clone(),
                            format!("`max` for error_rate must be between 0 and 1, found {v}"),
                            "error_rate is a fraction: 0.01 means 1%",
                        );
                        return None;
                    }
                    Bound::MaxValue(v)
                }
                _ => Bound::MaxLatency(self.duration(m, false)?),
            },
            (None, Some(m)) => match metric {
                Metric::Rps => {
                    let v = self.number(m)?;
                    if v < 0.0 {
                        self.err(
                            m.value.span.clone(),
                            format!("`min` for rps must not be negative, found {v}"),
                        );
                        return None;
                    }
                    Bound::MinValue(v)
                }
                Metric::ErrorRate => {
                    self.err_hint(
                        m.key_span.clone(),
                        "an `error_rate` threshold takes `max`, not `min`",
                        "write e.g. `max = 0.01` (at most 1% errors)",
                    );
                    return None;
                }
                _ => {
                    self.err_hint(
                        m.key_span.clone(),
                        "a latency threshold takes `max`, not `min`",
                        "write e.g. `max = \"250ms\"`",
                    );
                    return None;
                }
            },
        };
        Some(Threshold {
            metric,
            request,
            bound,
        })
    }
}
