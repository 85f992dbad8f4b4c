//! The two ways in: `loadproof compare BASE NEW` ([`run`]) and `run --baseline` ([`Baseline`]),
//! from parsed arguments to an exit code and the files and lines they promise.

use std::io::Write as _;
use std::path::Path;

use super::{Comparability, Comparison, Loaded, render};
use crate::cli::{BudgetArgs, CompareArgs, CompareFormat, RunArgs};
use crate::report::WriteError;
use crate::report::model::Report;
use crate::scenario::compare::{BudgetMetric, CompareSpec};
use crate::{Error, RuntimeError};

/// The `--max-…` flags as a `[compare]`-shaped spec.
fn flags(b: &BudgetArgs) -> Result<CompareSpec, Error> {
    super::budget::from_flags(&[
        (BudgetMetric::P50, b.max_p50_increase.as_deref()),
        (BudgetMetric::P90, b.max_p90_increase.as_deref()),
        (BudgetMetric::P99, b.max_p99_increase.as_deref()),
        (BudgetMetric::P999, b.max_p999_increase.as_deref()),
        (BudgetMetric::Max, b.max_max_increase.as_deref()),
        (
            BudgetMetric::ErrorRate,
            b.max_error_rate_increase.as_deref(),
        ),
        (BudgetMetric::Rps, b.max_rps_decrease.as_deref()),
    ])
    .map_err(Error::Usage)
}

/// Write `bytes` to `path` whole or not at all (a temporary name, then a rename).
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let name = path
        .file_name()
        .map_or("comparison".into(), |n| n.to_string_lossy().into_owned());
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|source| {
            let _ = std::fs::remove_file(&tmp);
            Error::Runtime(RuntimeError::Output(WriteError {
                path: path.to_path_buf(),
                source,
            }))
        })
}

/// `loadproof compare`: exit 0 (no regression), 5 (a regression), 1 (usage, unreadable or
/// incomparable reports), 3 (the --out file could not be written).
pub fn run(args: &CompareArgs) -> Result<i32, Error> {
    let flags = flags(&args.budget)?;
    let scenario = match &args.scenario {
        Some(path) => crate::scenario::load(path)?.compare,
        None => CompareSpec::default(),
    };
    let base = super::load(&args.base).map_err(Error::Usage)?;
    let new = super::load(&args.new).map_err(Error::Usage)?;
    let comparability = if args.force {
        Comparability::Forced
    } else {
        Comparability::Strict
    };
    let c = super::compare(&base, &new, &flags, &scenario, comparability).map_err(|d| {
        Error::Usage(super::refusal(
            &d,
            "compare runs of one scenario under one load model, or pass --force to compare them anyway",
        ))
    })?;
    let body = match args.format {
        CompareFormat::Text => render::text(&c),
        CompareFormat::Markdown => render::markdown(&c),
        CompareFormat::Json => render::json(&c),
    };
    let mut out = std::io::stdout().lock();
    match &args.out {
        Some(path) => {
            write_file(path, body.as_bytes())?;
            for l in render::verdict_lines(&c) {
                let _ = writeln!(out, "{l}");
            }
            let _ = writeln!(out, "Written    {}", path.display());
        }
        None => {
            let _ = out.write_all(body.as_bytes());
        }
    }
    Ok(c.exit_code())
}

/// `run --baseline`: the baseline, read before the run, and the budget of the run's scenario.
pub struct Baseline {
    base: Loaded,
    spec: CompareSpec,
}

impl Baseline {
    /// Read the baseline named by `--baseline`, if any. An unreadable one is a usage error,
    /// found before any load is sent.
    pub fn read(
        args: &RunArgs,
        scenario: Option<&crate::scenario::Scenario>,
    ) -> Result<Option<Baseline>, String> {
        let Some(path) = &args.baseline else {
            return Ok(None);
        };
        let base = super::load(path).map_err(|e| format!("--baseline: {e}"))?;
        Ok(Some(Baseline {
            base,
            spec: scenario.map(|s| s.compare.clone()).unwrap_or_default(),
        }))
    }

    /// Compare the run just measured (its report, to be written in `dir`) against the
    /// baseline. Done before the reports are written, so `report.html` can show it. `Err` is
    /// the refusal (the runs are not comparable), said in full.
    pub fn compare(&self, report: &Report, dir: &Path) -> Result<Comparison, String> {
        let new = super::from_report(dir.join("report.json"), report.clone())?;
        super::compare(
            &self.base,
            &new,
            &CompareSpec::default(),
            &self.spec,
            Comparability::Strict,
        )
        .map_err(|d| {
            super::refusal(
                &d,
                "give a baseline run of this scenario and load model, or compare the two \
                 folders with `loadproof compare --force`",
            )
        })
    }
}

/// After the run's reports are written: write `comparison.md` and `comparison.json` into `dir`
/// and print the verdict lines. The exit code is the run's own when it is not 0, else 5 for a
/// regression. Runs that are not comparable are said so on stderr, and exit 1 when the run
/// itself passed.
pub fn conclude(
    comparison: Result<Comparison, String>,
    dir: &Path,
    run_code: i32,
    out: &mut impl std::io::Write,
) -> Result<i32, Error> {
    let c = match comparison {
        Ok(c) => c,
        Err(refusal) => {
            let _ = writeln!(std::io::stderr(), "--baseline: {refusal}");
            return Ok(if run_code != 0 { run_code } else { 1 });
        }
    };
    write_file(&dir.join("comparison.md"), render::markdown(&c).as_bytes())?;
    write_file(&dir.join("comparison.json"), render::json(&c).as_bytes())?;
    for l in render::verdict_lines(&c) {
        let _ = writeln!(out, "{l}");
    }
    Ok(if run_code != 0 {
        run_code
    } else {
        c.exit_code()
    })
}
