//! The rules of a threshold, shared by the two places one is written: a `[[thresholds]]` table in
//! a scenario (located errors, exit 2) and `--threshold 'p99<=250ms'` on the command line (usage
//! errors, exit 1). Which metrics exist, which take `max` or `min`, what range a bound may have and
//! which may be scoped to one request are decided here once, as pure functions.

use std::time::Duration;

use super::model::{Bound, Metric, Threshold, ThresholdSource};

/// The metric names, for `did you mean` and for the error message listing them.
pub const METRIC_NAMES: &[&str] = &[
    "p50",
    "p90",
    "p95",
    "p99",
    "p99.9",
    "max",
    "mean",
    "error_rate",
    "not_sent_rate",
    "rps",
];

/// What an invalid metric name is told.
pub const METRIC_EXPECTED: &str = "expected a percentile like \"p99\" or \"p99.9\" (0 < p < 100), \"max\", \"mean\", \"error_rate\", \"not_sent_rate\" or \"rps\"";

/// The default open-loop bound on requests left unsent: a run that could not deliver the load it
/// was asked for is not a pass.
pub const DEFAULT_MAX_NOT_SENT_RATE: f64 = 0.1;
/// The default bound on errors for an ad-hoc `--url` run, which has no expectations or checks to
/// fail: a target that answers most requests with an error is not a pass.
pub const DEFAULT_ADHOC_MAX_ERROR_RATE: f64 = 0.5;

impl Metric {
    pub fn parse(name: &str) -> Option<Metric> {
        match name {
            "max" => Some(Metric::Max),
            "mean" => Some(Metric::Mean),
            "error_rate" => Some(Metric::ErrorRate),
            "not_sent_rate" => Some(Metric::NotSentRate),
            "rps" => Some(Metric::Rps),
            other => parse_percentile(other).map(Metric::Percentile),
        }
    }

    /// Whether the bound is a duration (latency) rather than a plain number.
    pub fn is_latency(self) -> bool {
        matches!(self, Metric::Percentile(_) | Metric::Max | Metric::Mean)
    }

    /// Whether the metric exists per request. Requests left unsent are counted for the run as a
    /// whole: which request an unsent slot would have carried is never drawn.
    pub fn per_request(self) -> bool {
        !matches!(self, Metric::NotSentRate)
    }
}

/// Parse a percentile metric name like `p99.9`.
fn parse_percentile(s: &str) -> Option<f64> {
    let num = s.strip_prefix('p')?;
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let p: f64 = num.parse().ok()?;
    (p > 0.0 && p < 100.0).then_some(p)
}

/// Which side a bound is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// `max = …`, `<=`.
    Max,
    /// `min = …`, `>=`.
    Min,
}

/// A bound's value as written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    Number(f64),
    Duration(Duration),
}

/// Why a bound is refused: a message, and a hint showing what to write instead.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub message: String,
    pub hint: &'static str,
}

fn refuse(message: impl Into<String>, hint: &'static str) -> Refusal {
    Refusal {
        message: message.into(),
        hint,
    }
}

/// The side a metric's bound must be on, with the hint for the other side.
pub fn side_of(metric: Metric) -> (Side, &'static str) {
    match metric {
        Metric::Rps => (
            Side::Min,
            "write e.g. `min = 100` (at least 100 requests per second)",
        ),
        Metric::ErrorRate => (Side::Max, "write e.g. `max = 0.01` (at most 1% errors)"),
        Metric::NotSentRate => (
            Side::Max,
            "write e.g. `max = 0.01` (at most 1% of due requests unsent)",
        ),
        _ => (Side::Max, "write e.g. `max = \"250ms\"`"),
    }
}

/// Why a bound on `side` is refused for `metric`, if it is (judged before the value, so that
/// `min = "250ms"` on a latency says "takes `max`" rather than complaining about the value).
pub fn wrong_side(metric: Metric, side: Side) -> Option<Refusal> {
    let (want, hint) = side_of(metric);
    if side == want {
        return None;
    }
    let (got, need) = match want {
        Side::Max => ("min", "max"),
        Side::Min => ("max", "min"),
    };
    let what = match metric {
        Metric::Rps => "an `rps` threshold".to_string(),
        m if m.is_latency() => "a latency threshold".to_string(),
        m => format!("a `{}` threshold", name(m)),
    };
    Some(refuse(format!("{what} takes `{need}`, not `{got}`"), hint))
}

/// The bound of `metric` from a side and a value, or why it is refused.
pub fn bound(metric: Metric, side: Side, value: Value) -> Result<Bound, Refusal> {
    if let Some(r) = wrong_side(metric, side) {
        return Err(r);
    }
    let (_, hint) = side_of(metric);
    match (metric, value) {
        (m, Value::Duration(d)) if m.is_latency() => Ok(Bound::MaxLatency(d)),
        (m, Value::Number(_)) if m.is_latency() => Err(refuse(
            "a latency bound is a duration",
            "write e.g. `max = \"250ms\"`",
        )),
        (Metric::Rps, Value::Number(v)) if v < 0.0 || !v.is_finite() => Err(refuse(
            format!("`min` for rps must be a non-negative number, found {v}"),
            hint,
        )),
        (Metric::Rps, Value::Number(v)) => Ok(Bound::MinValue(v)),
        (m, Value::Number(v)) if !(0.0..=1.0).contains(&v) => Err(refuse(
            format!("`max` for {} must be between 0 and 1, found {v}", name(m)),
            "it is a fraction: 0.01 means 1%",
        )),
        (_, Value::Number(v)) => Ok(Bound::MaxValue(v)),
        (_, Value::Duration(_)) => Err(refuse("this bound is a number, not a duration", hint)),
    }
}

/// `p99`, `p99.9`, `error_rate`, …: a metric as written.
pub fn name(m: Metric) -> String {
    match m {
        Metric::Percentile(p) => format!("p{p}"),
        Metric::Max => "max".into(),
        Metric::Mean => "mean".into(),
        Metric::ErrorRate => "error_rate".into(),
        Metric::NotSentRate => "not_sent_rate".into(),
        Metric::Rps => "rps".into(),
    }
}

/// `--threshold 'METRIC[REQUEST] OP VALUE'`: `p99<=250ms`, `error_rate<=0.05`, `rps>=100`,
/// `p99[list_orders]<=300ms`. The request name is checked against the plan later.
pub fn parse_flag(text: &str) -> Result<Threshold, String> {
    let example = "write e.g. --threshold 'p99<=250ms', 'error_rate<=0.05', 'rps>=100' or 'p99[list_orders]<=300ms'";
    let (lhs, side, rhs) = if let Some((l, r)) = text.split_once("<=") {
        (l, Side::Max, r)
    } else if let Some((l, r)) = text.split_once(">=") {
        (l, Side::Min, r)
    } else {
        return Err(format!(
            "--threshold {text:?}: expected METRIC<=VALUE or METRIC>=VALUE\n  hint: {example}"
        ));
    };
    let lhs = lhs.trim();
    let (metric_text, request) = match lhs.split_once('[') {
        Some((m, rest)) => match rest.strip_suffix(']') {
            Some(r) if !r.trim().is_empty() => (m.trim(), Some(r.trim().to_string())),
            _ => {
                return Err(format!(
                    "--threshold {text:?}: a request scope is written METRIC[REQUEST], e.g. p99[list_orders]"
                ));
            }
        },
        None => (lhs, None),
    };
    let Some(metric) = Metric::parse(metric_text) else {
        let hint = match super::validate::suggest(metric_text, METRIC_NAMES.iter().copied()) {
            Some(c) => format!("did you mean {c:?}?"),
            None => example.to_string(),
        };
        return Err(format!(
            "--threshold {text:?}: invalid metric {metric_text:?}: {METRIC_EXPECTED}\n  hint: {hint}"
        ));
    };
    if request.is_some() && !metric.per_request() {
        return Err(format!(
            "--threshold {text:?}: {} is counted for the whole run, not per request\n  hint: drop the [request] scope",
            name(metric)
        ));
    }
    let rhs = rhs.trim();
    let value = if metric.is_latency() {
        humantime::parse_duration(rhs).map(Value::Duration).map_err(|e| {
            format!(
                "--threshold {text:?}: {rhs:?} is not a duration ({e})\n  hint: write e.g. 250ms or 1.5s"
            )
        })?
    } else {
        rhs.parse::<f64>().map(Value::Number).map_err(|_| {
            format!("--threshold {text:?}: {rhs:?} is not a number\n  hint: {example}")
        })?
    };
    let bound = bound(metric, side, value)
        .map_err(|r| format!("--threshold {text:?}: {}\n  hint: {}", r.message, r.hint))?;
    Ok(Threshold {
        metric,
        request,
        bound,
        source: ThresholdSource::CommandLine,
    })
}

/// The thresholds a run is judged by: the scenario's, those given on the command line (each
/// replacing the scenario's on the same metric and scope), then the defaults nothing overrode.
pub fn resolve(
    scenario: Vec<Threshold>,
    flags: Vec<Threshold>,
    open_loop: bool,
    adhoc: bool,
) -> Vec<Threshold> {
    let same = |a: &Threshold, b: &Threshold| a.metric == b.metric && a.request == b.request;
    let mut out: Vec<Threshold> = scenario
        .into_iter()
        .filter(|s| !flags.iter().any(|f| same(s, f)))
        .collect();
    out.extend(flags);
    let mut defaults = Vec::new();
    if open_loop {
        defaults.push(Threshold {
            metric: Metric::NotSentRate,
            request: None,
            bound: Bound::MaxValue(DEFAULT_MAX_NOT_SENT_RATE),
            source: ThresholdSource::Default,
        });
    }
    if adhoc {
        defaults.push(Threshold {
            metric: Metric::ErrorRate,
            request: None,
            bound: Bound::MaxValue(DEFAULT_ADHOC_MAX_ERROR_RATE),
            source: ThresholdSource::Default,
        });
    }
    for d in defaults {
        if !out.iter().any(|t| same(t, &d)) {
            out.push(d);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_parse_like_the_scenario_tables() {
        let t = parse_flag("p99<=250ms").unwrap();
        assert_eq!(t.metric, Metric::Percentile(99.0));
        assert_eq!(t.bound, Bound::MaxLatency(Duration::from_millis(250)));
        assert_eq!(t.source, ThresholdSource::CommandLine);
        let t = parse_flag(" error_rate <= 0.05 ").unwrap();
        assert_eq!(
            (t.metric, t.bound),
            (Metric::ErrorRate, Bound::MaxValue(0.05))
        );
        let t = parse_flag("rps>=100").unwrap();
        assert_eq!((t.metric, t.bound), (Metric::Rps, Bound::MinValue(100.0)));
        let t = parse_flag("p99.9[list_orders]<=1s").unwrap();
        assert_eq!(t.request.as_deref(), Some("list_orders"));
        let t = parse_flag("not_sent_rate<=0").unwrap();
        assert_eq!(t.bound, Bound::MaxValue(0.0));
    }

    #[test]
    fn bad_flags_say_what_to_write() {
        for (flag, says) in [
            ("p99=250ms", "expected METRIC<=VALUE"),
            ("p98.5.1<=1s", "invalid metric"),
            ("eror_rate<=0.1", "did you mean \"error_rate\""),
            ("rps<=100", "takes `min`, not `max`"),
            ("error_rate>=0.1", "takes `max`, not `min`"),
            ("error_rate<=5", "between 0 and 1"),
            ("p99<=fast", "not a duration"),
            ("not_sent_rate[x]<=0.1", "whole run"),
            ("p99[]<=1s", "METRIC[REQUEST]"),
            ("rps>=-1", "non-negative"),
        ] {
            let e = parse_flag(flag).unwrap_err();
            assert!(e.contains(says), "{flag}: {e}");
        }
    }

    #[test]
    fn defaults_apply_unless_overridden() {
        let flag = |s: &str| parse_flag(s).unwrap();
        // Open loop, ad hoc: both defaults.
        let all = resolve(vec![], vec![], true, true);
        assert_eq!(all.len(), 2);
        assert!(all.iter().all(|t| t.source == ThresholdSource::Default));
        // Closed loop, from a scenario: nothing is due, so no not-sent default.
        assert!(resolve(vec![], vec![], false, false).is_empty());
        // A flag on the same metric and scope replaces the default and the scenario's.
        let mut scenario = flag("error_rate<=0.2");
        scenario.source = ThresholdSource::Scenario;
        let out = resolve(
            vec![scenario.clone()],
            vec![flag("error_rate<=0.05"), flag("not_sent_rate<=0.5")],
            true,
            true,
        );
        assert_eq!(out.len(), 2, "{out:?}");
        assert!(out.iter().all(|t| t.source == ThresholdSource::CommandLine));
        assert!(out.contains(&flag("error_rate<=0.05")));
        // A per-request bound does not replace the run-wide default.
        let out = resolve(vec![], vec![flag("error_rate[a]<=0.05")], false, true);
        assert_eq!(out.len(), 2);
        // A scenario bound replaces the default on its own.
        let out = resolve(vec![scenario], vec![], false, true);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].source, ThresholdSource::Scenario);
    }
}
