//! `loadproof compare BASE NEW` and `run --baseline`: two reports → one [`Comparison`].
//!
//! This module sits above `report` (it reads [`Report`] values and nothing of the engine):
//! - this file: loading a report from a run folder or file ([`load`]), refusing runs that are not
//!   comparable ([`differences`]), and building the [`Comparison`], line by line;
//! - `noise`: the noise model and the verdict on one difference (pure);
//! - `budget`: the regression budget in force (flags > scenario `[compare]` > defaults);
//! - `render`: text, Markdown and JSON;
//! - `cli`: the `compare` command and `run --baseline`, arguments to exit code.

pub mod budget;
pub mod cli;
pub mod noise;
pub mod render;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::metrics::LatencyHistogram;
use crate::report::model::Report;
use crate::scenario::compare::{BudgetMetric, CompareSpec};
use budget::Budget;
use noise::{Figure, LineVerdict, Noise, Side};

/// A report as read for a comparison: the value, where it came from, and its histograms
/// decoded.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The `report.json` read (or, for the run just made, the one written).
    pub path: PathBuf,
    pub report: Report,
    overall: LatencyHistogram,
    requests: Vec<(String, LatencyHistogram)>,
}

/// The largest report `load` reads: far beyond any real one, small enough for any machine.
const MAX_REPORT_BYTES: u64 = 512 << 20;

const LOAD_HINT: &str =
    "give a run folder (reports/<scenario>-<timestamp>/) or the report.json in it";

/// Read a run folder (its `report.json`) or a `report.json` file. Every error names the file
/// and says what to give instead.
pub fn load(path: &Path) -> Result<Loaded, String> {
    use std::io::Read as _;
    let file = if path.is_dir() {
        path.join("report.json")
    } else {
        path.to_path_buf()
    };
    let shown = file.display();
    let mut bytes = Vec::new();
    std::fs::File::open(&file)
        .and_then(|f| f.take(MAX_REPORT_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("cannot read report {shown}: {e}\n  hint: {LOAD_HINT}"))?;
    if bytes.len() as u64 > MAX_REPORT_BYTES {
        return Err(format!(
            "cannot read report {shown}: larger than {} MiB, not a loadproof report\n  hint: {LOAD_HINT}",
            MAX_REPORT_BYTES >> 20
        ));
    }
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
        format!("{shown}: not a loadproof report (not JSON: {e})\n  hint: {LOAD_HINT}")
    })?;
    let version = value
        .get("schema_version")
        .and_then(|v| v.as_str())
        .ok_or_else(|| {
            format!("{shown}: not a loadproof report (no schema_version)\n  hint: {LOAD_HINT}")
        })?;
    if version.split('.').next() != Some("1") {
        return Err(format!(
            "{shown}: report schema {version} is not one this loadproof reads (1.x)\n  hint: \
             compare it with the loadproof version that wrote it"
        ));
    }
    let report: Report = serde_json::from_value(value)
        .map_err(|e| format!("{shown}: not a loadproof report ({e})\n  hint: {LOAD_HINT}"))?;
    from_report(file, report)
}

/// A report value already in memory (the run just made), as [`load`] would read it.
pub fn from_report(path: PathBuf, report: Report) -> Result<Loaded, String> {
    let decode = |what: &str, text: &str| {
        LatencyHistogram::from_base64(text)
            .map_err(|e| format!("{}: the {what} histogram: {e}", path.display()))
    };
    let overall = decode("overall", &report.histograms.overall)?;
    let requests = report
        .histograms
        .requests
        .iter()
        .map(|(name, text)| Ok((name.clone(), decode(name, text)?)))
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Loaded {
        path,
        report,
        overall,
        requests,
    })
}

/// What makes two runs incomparable: the scenario (name, file) and the load model (mode,
/// rate or users, protocol). Each difference is one sentence naming both values.
pub fn differences(base: &Report, new: &Report) -> Vec<String> {
    let mut out = Vec::new();
    let mut differ = |what: &str, a: String, b: String| {
        if a != b {
            out.push(format!("{what}: {a} (base) vs {b} (new)"));
        }
    };
    differ(
        "scenario name",
        format!("{:?}", base.scenario.name),
        format!("{:?}", new.scenario.name),
    );
    // The file's name, not its path: the same scenario run from another directory is the same.
    let file = |r: &Report| {
        r.scenario
            .file
            .as_deref()
            .map(|f| {
                Path::new(f)
                    .file_name()
                    .map_or(f.to_string(), |n| n.to_string_lossy().into_owned())
            })
            .map_or("none (ad hoc)".to_string(), |f| format!("{f:?}"))
    };
    differ("scenario file", file(base), file(new));
    differ("load mode", base.load.mode.clone(), new.load.mode.clone());
    // To a thousandth: the report's rate is computed, not copied (149.9999925 for 150).
    let rate = |r: &Report| {
        r.load.rate.map_or("none".into(), |x| {
            let s = format!("{x:.3}");
            format!("{} req/s", s.trim_end_matches('0').trim_end_matches('.'))
        })
    };
    differ("rate", rate(base), rate(new));
    let users = |r: &Report| r.load.users.map_or("none".into(), |x| format!("{x} users"));
    differ("users", users(base), users(new));
    differ(
        "protocol",
        base.load.protocol.clone(),
        new.load.protocol.clone(),
    );
    out
}

/// Why two runs were not compared: every difference, one a line, and what to do (`hint`).
pub fn refusal(diffs: &[String], hint: &str) -> String {
    format!(
        "refusing to compare runs of different scenarios or load models:\n  {}\n  hint: {hint}",
        diffs.join("\n  ")
    )
}

/// One side of a comparison, as every output shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunInfo {
    pub report: String,
    pub scenario: String,
    pub started_at: String,
    pub mode: String,
    pub requests: u64,
    pub outcome: String,
}

impl RunInfo {
    fn of(l: &Loaded) -> RunInfo {
        let r = &l.report;
        RunInfo {
            report: l.path.display().to_string(),
            scenario: r.scenario.name.clone(),
            started_at: r.started_at.clone(),
            mode: r.load.mode.clone(),
            requests: r.totals.requests,
            outcome: r.outcome.as_str().to_string(),
        }
    }
}

/// The conclusion of a whole comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Regression,
    NoRegression,
}

/// One line: one metric of one scope (`all`, or a request's name).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    pub scope: String,
    pub metric: BudgetMetric,
    /// Serialized as the unit: `ms`, `ratio` or `req/s`.
    pub unit: Figure,
    pub base: Option<f64>,
    pub new: Option<f64>,
    /// `new − base`.
    pub change: Option<f64>,
    /// The change in percent of the base value (none when the base is 0).
    pub change_pct: Option<f64>,
    /// The noise half-width: a change within ±this is not told apart from noise. None when
    /// unbounded (then `note` says why).
    pub noise: Option<f64>,
    /// The budget, in the line's unit (none: no budget on this metric).
    pub budget: Option<f64>,
    pub verdict: LineVerdict,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// How the noise was estimated (stated in every output).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NoiseModel {
    pub confidence: f64,
    pub bootstrap_replicates: usize,
    pub seed: u64,
    pub latency_floor_ms: f64,
    pub relative_floor: f64,
}

/// A whole comparison: a plain value every renderer (and the HTML report) reads.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub base: RunInfo,
    pub new: RunInfo,
    pub verdict: Verdict,
    /// What made the runs incomparable, compared anyway (`--force`); empty otherwise.
    pub forced: Vec<String>,
    pub budget: Budget,
    pub noise_model: NoiseModel,
    pub lines: Vec<Line>,
    /// Caveats about the runs (interrupted, not passing).
    pub notes: Vec<String>,
}

impl Comparison {
    pub fn exit_code(&self) -> i32 {
        match self.verdict {
            Verdict::Regression => 5,
            Verdict::NoRegression => 0,
        }
    }

    pub fn count(&self, v: LineVerdict) -> usize {
        self.lines.iter().filter(|l| l.verdict == v).count()
    }
}

/// Whether differing runs may be compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparability {
    Strict,
    Forced,
}

/// Compare `new` against `base` under the budget (flags over the scenario's `[compare]` over
/// defaults). Runs of different scenarios or load models are refused (the error lists what
/// differs, see [`refusal`]) unless `Forced`, when the comparison says what differed.
pub fn compare(
    base: &Loaded,
    new: &Loaded,
    flags: &CompareSpec,
    scenario: &CompareSpec,
    comparability: Comparability,
) -> Result<Comparison, Vec<String>> {
    let diffs = differences(&base.report, &new.report);
    if !diffs.is_empty() && comparability == Comparability::Strict {
        return Err(diffs);
    }
    let budget = Budget::resolve(flags, scenario);
    let (a, b) = (RunData::of(base), RunData::of(new));
    let mut lines = Vec::new();
    lines.extend(scope_lines(
        "all",
        (&a, Some(&a.all())),
        (&b, Some(&b.all())),
        &budget,
    ));
    let mut names: Vec<&str> = base
        .report
        .requests
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    for r in &new.report.requests {
        if !names.contains(&r.name.as_str()) {
            names.push(&r.name);
        }
    }
    for name in names {
        lines.extend(scope_lines(
            name,
            (&a, a.request(name).as_ref()),
            (&b, b.request(name).as_ref()),
            &budget,
        ));
    }
    let verdict = if lines.iter().any(|l| l.verdict == LineVerdict::Regression) {
        Verdict::Regression
    } else {
        Verdict::NoRegression
    };
    let mut notes = Vec::new();
    for (which, l) in [("base", base), ("new", new)] {
        if l.report.interrupted {
            notes.push(format!(
                "the {which} run was interrupted: its figures cover part of the load"
            ));
        } else if l.report.exit_code != 0 {
            notes.push(format!(
                "the {which} run's outcome is {} (exit {})",
                l.report.outcome.as_str(),
                l.report.exit_code
            ));
        }
    }
    Ok(Comparison {
        base: RunInfo::of(base),
        new: RunInfo::of(new),
        verdict,
        forced: diffs,
        budget,
        noise_model: NoiseModel {
            confidence: 0.95,
            bootstrap_replicates: noise::REPLICATES,
            seed: noise::SEED,
            latency_floor_ms: noise::LATENCY_FLOOR_MS,
            relative_floor: noise::RELATIVE_FLOOR,
        },
        lines,
        notes,
    })
}

/// What one run contributes to every line: its per-second spread and client delay (from the
/// whole run), and per scope a histogram and counts.
struct RunData<'a> {
    loaded: &'a Loaded,
    seconds: usize,
    /// Relative spread of the per-second p50 and p99, and of the completions per second.
    rel_p50: f64,
    rel_p99: f64,
    rel_count: f64,
    /// Absolute spread of the per-second error rate.
    error_rate_sd: f64,
}

/// One scope of one run.
struct Scope<'a> {
    hist: &'a LatencyHistogram,
    requests: u64,
    errors: u64,
    rps: f64,
}

fn rel_sd(values: &[f64]) -> f64 {
    let mean = values.iter().sum::<f64>() / values.len().max(1) as f64;
    if mean > 0.0 {
        noise::sd(values) / mean
    } else {
        0.0
    }
}

impl<'a> RunData<'a> {
    fn of(loaded: &'a Loaded) -> RunData<'a> {
        let series = &loaded.report.series;
        let counts: Vec<u64> = series.iter().map(|p| p.count).collect();
        let full: Vec<_> = noise::full_seconds(&counts)
            .into_iter()
            .map(|i| &series[i])
            .collect();
        let pick = |f: &dyn Fn(&crate::metrics::series::SeriesPoint) -> f64| -> Vec<f64> {
            full.iter().map(|p| f(p)).collect()
        };
        RunData {
            loaded,
            seconds: full.len(),
            rel_p50: rel_sd(&pick(&|p| p.p50_ms)),
            rel_p99: rel_sd(&pick(&|p| p.p99_ms)),
            rel_count: rel_sd(&pick(&|p| p.count as f64)),
            error_rate_sd: noise::sd(&pick(&|p| p.errors as f64 / p.count.max(1) as f64)),
        }
    }

    fn all(&self) -> Scope<'a> {
        let t = &self.loaded.report.totals;
        Scope {
            hist: &self.loaded.overall,
            requests: t.requests,
            errors: t.errors,
            rps: t.rps,
        }
    }

    fn request(&self, name: &str) -> Option<Scope<'a>> {
        let r = self
            .loaded
            .report
            .requests
            .iter()
            .find(|r| r.name == name)?;
        let hist = self
            .loaded
            .requests
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, h)| h)?;
        Some(Scope {
            hist,
            requests: r.requests,
            errors: r.errors,
            rps: r.rps,
        })
    }

    /// The open-loop send delay at the level of `metric` (0 in a closed loop).
    fn client_delay(&self, metric: BudgetMetric) -> f64 {
        let Some(ol) = &self.loaded.report.open_loop else {
            return 0.0;
        };
        let d = &ol.send_delay_ms;
        match metric {
            BudgetMetric::P50 => d.p50,
            BudgetMetric::P90 => d.p90,
            BudgetMetric::P99 => d.p99,
            BudgetMetric::P999 => d.p99_9,
            BudgetMetric::Max => d.max,
            BudgetMetric::ErrorRate | BudgetMetric::Rps => 0.0,
        }
    }

    /// This run's side of one line, or `None` when it has nothing to measure it on.
    fn side(&self, scope: &Scope<'_>, metric: BudgetMetric) -> Option<Side> {
        let level = |m: BudgetMetric| match m {
            BudgetMetric::P50 => 0.5,
            BudgetMetric::P90 => 0.9,
            BudgetMetric::P99 => 0.99,
            BudgetMetric::P999 => 0.999,
            _ => 1.0,
        };
        match metric {
            BudgetMetric::ErrorRate => (scope.requests > 0).then(|| Side {
                value: scope.errors as f64 / scope.requests as f64,
                sampling_sd: noise::rate_sd(scope.errors, scope.requests),
                drift_sd: self.error_rate_sd,
                seconds: self.seconds,
                samples: scope.requests,
                client_delay: 0.0,
            }),
            BudgetMetric::Rps => (scope.requests > 0).then_some(Side {
                value: scope.rps,
                // The count of a run is not a sample of anything: its spread is the drift's.
                sampling_sd: 0.0,
                drift_sd: self.rel_count * scope.rps,
                seconds: self.seconds,
                samples: scope.requests,
                client_delay: 0.0,
            }),
            m => {
                if scope.hist.is_empty() {
                    return None;
                }
                let q = level(m);
                let value = if q >= 1.0 {
                    scope.hist.max_ms()
                } else {
                    scope.hist.percentile_ms(q * 100.0)
                };
                // The series has p50 and p99 per second: p50 stands for the centre, p99 for
                // every tail figure.
                let rel = if m == BudgetMetric::P50 {
                    self.rel_p50
                } else {
                    self.rel_p99
                };
                let seed = noise::SEED ^ (m as u64);
                Some(Side {
                    value,
                    sampling_sd: noise::bootstrap_sd(&scope.hist.buckets_ms(), &[q], seed)[0],
                    drift_sd: rel * value,
                    seconds: self.seconds,
                    samples: scope.hist.count(),
                    client_delay: self.client_delay(m),
                })
            }
        }
    }
}

fn scope_lines(
    scope: &str,
    base: (&RunData<'_>, Option<&Scope<'_>>),
    new: (&RunData<'_>, Option<&Scope<'_>>),
    budget: &Budget,
) -> Vec<Line> {
    BudgetMetric::ALL
        .into_iter()
        .map(|metric| {
            let a = base.1.and_then(|s| base.0.side(s, metric));
            let b = new.1.and_then(|s| new.0.side(s, metric));
            line(scope, metric, a, b, budget.limit(metric))
        })
        .collect()
}

fn line(
    scope: &str,
    metric: BudgetMetric,
    a: Option<Side>,
    b: Option<Side>,
    limit: Option<crate::scenario::compare::Limit>,
) -> Line {
    let figure = match metric {
        BudgetMetric::ErrorRate => Figure::ErrorRate,
        BudgetMetric::Rps => Figure::Throughput,
        _ => Figure::LatencyMs,
    };
    let mut out = Line {
        scope: scope.to_string(),
        metric,
        unit: figure,
        base: a.map(|s| s.value),
        new: b.map(|s| s.value),
        change: None,
        change_pct: None,
        noise: None,
        budget: None,
        verdict: LineVerdict::NotApplicable,
        note: None,
    };
    let (Some(a), Some(b)) = (a, b) else {
        out.note = Some(match (a, b) {
            (None, None) => "no data in either run".to_string(),
            (None, _) => "no data in the base run".to_string(),
            _ => "no data in the new run".to_string(),
        });
        return out;
    };
    let change = b.value - a.value;
    let worse = if metric == BudgetMetric::Rps {
        -change
    } else {
        change
    };
    let n = noise::noise(figure, &a, &b);
    let budget = limit.map(|l| l.absolute(a.value));
    out.change = Some(change);
    out.change_pct = (a.value != 0.0).then(|| change / a.value * 100.0);
    out.budget = budget;
    out.verdict = noise::judge(worse, &n, budget);
    match n {
        Noise::Bounded(h) => out.noise = Some(h),
        Noise::Unbounded(why) => out.note = Some(why),
    }
    out
}

#[cfg(test)]
mod tests;
