//! The regression budget in force for one comparison: per metric, the command line's limit,
//! else the scenario's `[compare]` table, else the default; and where it came from, which every
//! output states.

use serde::Serialize;

use crate::scenario::compare::{BudgetMetric, CompareSpec, Limit};

/// The budget when nothing else is given: the centre and the tail of the latency distribution,
/// the error rate and the throughput. p99.9 and max have none by default: from runs of a few
/// thousand requests they are a handful of samples, too few to gate a build on.
pub fn default_limit(metric: BudgetMetric) -> Option<Limit> {
    match metric {
        BudgetMetric::P50 | BudgetMetric::P90 | BudgetMetric::P99 => Some(Limit::Percent(10.0)),
        BudgetMetric::ErrorRate => Some(Limit::Ratio(0.01)),
        BudgetMetric::Rps => Some(Limit::Percent(10.0)),
        BudgetMetric::P999 | BudgetMetric::Max => None,
    }
}

/// Where a metric's limit came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BudgetSource {
    Default,
    Scenario,
    CommandLine,
}

impl BudgetSource {
    pub fn as_str(self) -> &'static str {
        match self {
            BudgetSource::Default => "default",
            BudgetSource::Scenario => "scenario",
            BudgetSource::CommandLine => "command line",
        }
    }
}

/// One metric's limit (`None`: no budget, never a regression).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BudgetEntry {
    pub metric: BudgetMetric,
    pub limit: Option<Limit>,
    pub source: BudgetSource,
}

/// The budget of every metric, in [`BudgetMetric::ALL`] order.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Budget(pub Vec<BudgetEntry>);

impl Budget {
    /// Command line over scenario over defaults, metric by metric.
    pub fn resolve(flags: &CompareSpec, scenario: &CompareSpec) -> Budget {
        Budget(
            BudgetMetric::ALL
                .into_iter()
                .map(|metric| {
                    let (limit, source) = match (flags.get(metric), scenario.get(metric)) {
                        (Some(l), _) => (l, BudgetSource::CommandLine),
                        (None, Some(l)) => (l, BudgetSource::Scenario),
                        (None, None) => (default_limit(metric), BudgetSource::Default),
                    };
                    BudgetEntry {
                        metric,
                        limit,
                        source,
                    }
                })
                .collect(),
        )
    }

    pub fn limit(&self, metric: BudgetMetric) -> Option<Limit> {
        self.0
            .iter()
            .find(|e| e.metric == metric)
            .and_then(|e| e.limit)
    }

    /// `p50 +10% (default) · … · rps -10% (default); no budget: p99.9, max`.
    pub fn describe(&self) -> String {
        let set: Vec<String> = self
            .0
            .iter()
            .filter_map(|e| {
                e.limit.map(|l| {
                    format!(
                        "{} {} ({})",
                        e.metric.label(),
                        l.show(e.metric == BudgetMetric::Rps),
                        e.source.as_str()
                    )
                })
            })
            .collect();
        let unset: Vec<&str> = self
            .0
            .iter()
            .filter(|e| e.limit.is_none())
            .map(|e| e.metric.label())
            .collect();
        let mut out = if set.is_empty() {
            "none".to_string()
        } else {
            set.join(" · ")
        };
        if !unset.is_empty() {
            out.push_str(&format!("; no budget: {}", unset.join(", ")));
        }
        out
    }
}

/// The `--max-…` flags, as given: `(flag value, metric)`; a bad value is a usage error naming
/// the flag.
pub fn from_flags(given: &[(BudgetMetric, Option<&str>)]) -> Result<CompareSpec, String> {
    let mut spec = CompareSpec::default();
    for (metric, text) in given {
        if let Some(text) = text {
            let limit = metric
                .parse_limit(text)
                .map_err(|e| format!("{}: {e}", metric.flag()))?;
            spec.limits.push((*metric, limit));
        }
    }
    Ok(spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_the_scenario_which_wins_over_defaults() {
        let flags =
            from_flags(&[(BudgetMetric::P99, Some("25%")), (BudgetMetric::P50, None)]).unwrap();
        let scenario = CompareSpec {
            limits: vec![
                (BudgetMetric::P99, Some(Limit::Percent(5.0))),
                (BudgetMetric::Max, Some(Limit::Millis(50.0))),
                (BudgetMetric::Rps, None),
            ],
        };
        let b = Budget::resolve(&flags, &scenario);
        assert_eq!(b.limit(BudgetMetric::P99), Some(Limit::Percent(25.0)));
        assert_eq!(b.limit(BudgetMetric::Max), Some(Limit::Millis(50.0)));
        assert_eq!(b.limit(BudgetMetric::Rps), None, "off in the scenario");
        assert_eq!(b.limit(BudgetMetric::P50), Some(Limit::Percent(10.0)));
        let text = b.describe();
        assert!(text.contains("p99 +25% (command line)"), "{text}");
        assert!(text.contains("max +50ms (scenario)"), "{text}");
        assert!(text.contains("p50 +10% (default)"), "{text}");
        assert!(text.ends_with("no budget: p99.9, rps"), "{text}");
    }

    #[test]
    fn a_bad_flag_names_itself() {
        let e = from_flags(&[(BudgetMetric::ErrorRate, Some("5%"))]).unwrap_err();
        assert!(e.starts_with("--max-error-rate-increase: "), "{e}");
        let e = from_flags(&[(BudgetMetric::P999, Some("soon"))]).unwrap_err();
        assert!(e.starts_with("--max-p999-increase: "), "{e}");
    }

    #[test]
    fn the_defaults_are_stated() {
        let b = Budget::resolve(&CompareSpec::default(), &CompareSpec::default());
        assert_eq!(
            b.describe(),
            "p50 +10% (default) · p90 +10% (default) · p99 +10% (default) · error_rate +0.01 \
             (default) · rps -10% (default); no budget: p99.9, max"
        );
    }
}
