//! `[[thresholds]]`: a metric, an optional request and one bound.

use super::{Cx, suggest};
use crate::scenario::model::*;
use crate::scenario::thresholds::{
    METRIC_EXPECTED, METRIC_NAMES, Side, Value, bound, name, side_of, wrong_side,
};
use crate::scenario::tree::{Entry, Kind, Node, get};

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
        let metric = match get(t, "metric") {
            Some(m) => self.str_of(m).and_then(|s| {
                let metric = Metric::parse(&s);
                if metric.is_none() {
                    let message = format!("invalid metric {s:?}: {METRIC_EXPECTED}");
                    match suggest(&s, METRIC_NAMES.iter().copied()) {
                        Some(c) => self.err_hint(
                            m.value.span.clone(),
                            message,
                            format!("did you mean \"{c}\"?"),
                        ),
                        None => self.err(m.value.span.clone(), message),
                    }
                }
                metric
            }),
            None => {
                self.missing(
                    node.span.clone(),
                    "metric",
                    "[[thresholds]]",
                    "add e.g. `metric = \"p99\"`",
                );
                None
            }
        };
        // An unknown request name is reported beside any bad bound, not instead of it.
        let request = get(t, "request").map(|r| self.request_ref(r));
        let max = get(t, "max");
        let min = get(t, "min");
        let metric = metric?;
        if let (Some(r), false) = (get(t, "request"), metric.per_request()) {
            self.err_hint(
                r.key_span.clone(),
                format!(
                    "`{}` is counted for the whole run, not per request",
                    name(metric)
                ),
                "remove `request`",
            );
            return None;
        }
        let (side, e) = match (max, min) {
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
                let (_, hint) = side_of(metric);
                self.err_hint(
                    node.span.clone(),
                    "a threshold needs a bound: `max` or `min`",
                    hint.replacen("write", "add", 1),
                );
                return None;
            }
            (Some(m), None) => (Side::Max, m),
            (None, Some(m)) => (Side::Min, m),
        };
        if let Some(r) = wrong_side(metric, side) {
            self.err_hint(e.key_span.clone(), r.message, r.hint);
            return None;
        }
        let value = if metric.is_latency() {
            Value::Duration(self.duration(e, false)?)
        } else {
            Value::Number(self.number(e)?)
        };
        let bound = match bound(metric, side, value) {
            Ok(b) => b,
            Err(r) => {
                self.err_hint(e.value.span.clone(), r.message, r.hint);
                return None;
            }
        };
        let request = match request {
            Some(r) => Some(r?),
            None => None,
        };
        Some(Threshold {
            metric,
            request,
            bound,
            source: ThresholdSource::Scenario,
        })
    }
}
