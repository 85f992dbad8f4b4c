//! The regression budget of `loadproof compare` and `run --baseline`: how much worse a metric
//! may get before a change beyond the noise is called a regression.
//!
//! This file owns the vocabulary (which metrics have a budget, what a limit is) and the parsing
//! of one limit's text, shared by the scenario's `[compare]` table (validated with located
//! diagnostics in `validate/compare.rs`) and the `--max-…` flags of the command line. Judging a
//! difference against a limit is `crate::compare`'s business.

/// A metric that can carry a budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BudgetMetric {
    P50,
    P90,
    P99,
    #[serde(rename = "p99.9")]
    P999,
    Max,
    ErrorRate,
    Rps,
}

impl BudgetMetric {
    pub const ALL: [BudgetMetric; 7] = [
        BudgetMetric::P50,
        BudgetMetric::P90,
        BudgetMetric::P99,
        BudgetMetric::P999,
        BudgetMetric::Max,
        BudgetMetric::ErrorRate,
        BudgetMetric::Rps,
    ];

    /// The key in the `[compare]` table.
    pub fn key(self) -> &'static str {
        match self {
            BudgetMetric::P50 => "max_p50_increase",
            BudgetMetric::P90 => "max_p90_increase",
            BudgetMetric::P99 => "max_p99_increase",
            BudgetMetric::P999 => "max_p999_increase",
            BudgetMetric::Max => "max_max_increase",
            BudgetMetric::ErrorRate => "max_error_rate_increase",
            BudgetMetric::Rps => "max_rps_decrease",
        }
    }

    /// The command-line flag (the key with dashes).
    pub fn flag(self) -> String {
        format!("--{}", self.key().replace('_', "-"))
    }

    /// How the metric is named in every output: `p50`, `p99.9`, `error_rate`, `rps`.
    pub fn label(self) -> &'static str {
        match self {
            BudgetMetric::P50 => "p50",
            BudgetMetric::P90 => "p90",
            BudgetMetric::P99 => "p99",
            BudgetMetric::P999 => "p99.9",
            BudgetMetric::Max => "max",
            BudgetMetric::ErrorRate => "error_rate",
            BudgetMetric::Rps => "rps",
        }
    }

    pub fn is_latency(self) -> bool {
        !matches!(self, BudgetMetric::ErrorRate | BudgetMetric::Rps)
    }

    /// What the metric's limit accepts, for messages.
    pub fn expected(self) -> &'static str {
        match self {
            BudgetMetric::ErrorRate => {
                "an absolute increase of the error rate between 0 and 1 (0.01 = one percentage point), or \"off\""
            }
            BudgetMetric::Rps => {
                "a percentage like \"10%\" (at most 100%), a number of req/s like 50, or \"off\""
            }
            _ => "a percentage like \"10%\", a duration like \"5ms\", or \"off\"",
        }
    }

    /// A valid value, as written in TOML, for hints.
    pub fn example(self) -> &'static str {
        match self {
            BudgetMetric::ErrorRate => "0.01",
            _ => "\"10%\"",
        }
    }

    /// Parse a limit written as text (a flag's value, or a string in the `[compare]` table).
    /// `Ok(None)` is `"off"`: no budget on this metric.
    pub fn parse_limit(self, text: &str) -> Result<Option<Limit>, String> {
        let t = text.trim();
        if t.eq_ignore_ascii_case("off") || t.eq_ignore_ascii_case("none") {
            return Ok(None);
        }
        let bad = || {
            format!(
                "invalid budget {text:?} for {}: expected {}",
                self.label(),
                self.expected()
            )
        };
        if let Some(p) = t.strip_suffix('%') {
            if self == BudgetMetric::ErrorRate {
                // "1%" would be ambiguous (relative, or one point?): the error rate takes points.
                return Err(format!(
                    "invalid budget {text:?} for error_rate: write the absolute increase as a \
                     number (0.01 for one percentage point)"
                ));
            }
            let p: f64 = p.trim().parse().map_err(|_| bad())?;
            return self.percent(p).map(Some);
        }
        match self {
            BudgetMetric::ErrorRate | BudgetMetric::Rps => {
                let x: f64 = t.parse().map_err(|_| bad())?;
                self.number(x).map(Some)
            }
            _ => {
                let d = humantime::parse_duration(t).map_err(|_| bad())?;
                Ok(Some(Limit::Millis(d.as_secs_f64() * 1000.0)))
            }
        }
    }

    /// A limit given as a bare number (TOML/JSON): only the error rate and throughput take one.
    pub fn number(self, x: f64) -> Result<Limit, String> {
        match self {
            BudgetMetric::ErrorRate if x.is_finite() && (0.0..=1.0).contains(&x) => {
                Ok(Limit::Ratio(x))
            }
            BudgetMetric::Rps if x.is_finite() && x >= 0.0 => Ok(Limit::Rps(x)),
            BudgetMetric::ErrorRate | BudgetMetric::Rps => Err(format!(
                "invalid budget {x} for {}: expected {}",
                self.label(),
                self.expected()
            )),
            _ => Err(format!(
                "a latency budget needs a unit: write \"{x}%\" or \"{x}ms\""
            )),
        }
    }

    fn percent(self, p: f64) -> Result<Limit, String> {
        let top = if self == BudgetMetric::Rps {
            100.0
        } else {
            f64::MAX
        };
        if p.is_finite() && p >= 0.0 && p <= top {
            Ok(Limit::Percent(p))
        } else {
            Err(format!(
                "invalid budget {p}% for {}: expected {}",
                self.label(),
                self.expected()
            ))
        }
    }
}

/// How much worse a metric may get: relative to the baseline's value, or absolute.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Limit {
    /// Percent of the baseline's value (`10%`).
    Percent(f64),
    /// Milliseconds of latency (`5ms`).
    Millis(f64),
    /// Absolute error-rate increase (`0.01`).
    Ratio(f64),
    /// Absolute throughput decrease in req/s (`50`).
    Rps(f64),
}

impl Limit {
    /// The limit in the metric's own unit, given the baseline's value.
    pub fn absolute(self, base: f64) -> f64 {
        match self {
            Limit::Percent(p) => base.abs() * p / 100.0,
            Limit::Millis(x) | Limit::Ratio(x) | Limit::Rps(x) => x,
        }
    }

    /// `+10%`, `+5ms`, `+0.01`, `-50 req/s` (`decrease` for throughput).
    pub fn show(self, decrease: bool) -> String {
        let sign = if decrease { '-' } else { '+' };
        match self {
            Limit::Percent(p) => format!("{sign}{}%", trim_num(p)),
            Limit::Millis(ms) => format!("{sign}{}ms", trim_num(ms)),
            Limit::Ratio(r) => format!("{sign}{}", trim_num(r)),
            Limit::Rps(r) => format!("{sign}{} req/s", trim_num(r)),
        }
    }
}

fn trim_num(x: f64) -> String {
    let s = format!("{x:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The `[compare]` table: a limit (or `off`) for each metric it names; the others take the
/// defaults (see `crate::compare::budget`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CompareSpec {
    pub limits: Vec<(BudgetMetric, Option<Limit>)>,
}

impl CompareSpec {
    /// The limit this table sets for `metric`: `None` when it does not name it, `Some(None)`
    /// for `off`.
    pub fn get(&self, metric: BudgetMetric) -> Option<Option<Limit>> {
        self.limits
            .iter()
            .find(|(m, _)| *m == metric)
            .map(|(_, l)| *l)
    }

    pub fn keys() -> Vec<&'static str> {
        BudgetMetric::ALL.iter().map(|m| m.key()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_parse_per_metric() {
        use BudgetMetric::*;
        assert_eq!(P99.parse_limit("10%"), Ok(Some(Limit::Percent(10.0))));
        assert_eq!(P50.parse_limit("5ms"), Ok(Some(Limit::Millis(5.0))));
        assert_eq!(P999.parse_limit("1s"), Ok(Some(Limit::Millis(1000.0))));
        assert_eq!(Max.parse_limit("off"), Ok(None));
        assert_eq!(ErrorRate.parse_limit("0.01"), Ok(Some(Limit::Ratio(0.01))));
        assert_eq!(Rps.parse_limit("10%"), Ok(Some(Limit::Percent(10.0))));
        assert_eq!(Rps.parse_limit("50"), Ok(Some(Limit::Rps(50.0))));
        for (m, bad) in [
            (P99, "10"),
            (P99, "fast"),
            (P99, "-5%"),
            (ErrorRate, "1%"),
            (ErrorRate, "2"),
            (Rps, "150%"),
            (Rps, "5ms"),
        ] {
            assert!(m.parse_limit(bad).is_err(), "{m:?} {bad}");
        }
        assert!(P99.number(10.0).unwrap_err().contains("10%"));
    }

    #[test]
    fn limits_scale_with_the_baseline_when_relative() {
        assert_eq!(Limit::Percent(10.0).absolute(20.0), 2.0);
        assert_eq!(Limit::Millis(5.0).absolute(20.0), 5.0);
        assert_eq!(Limit::Percent(10.0).show(false), "+10%");
        assert_eq!(Limit::Rps(12.5).show(true), "-12.5 req/s");
    }
}
