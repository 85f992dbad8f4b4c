//! Where a run's results go: the report folder (and how it is named), the progress display, and
//! the GitHub step summary. Resolved once from the command line and the environment.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::SystemTime;

use super::UsageError;
use crate::cli::{ProgressArg, RunArgs};
use crate::printer::{Console, DEFAULT_LINE_INTERVAL, ProgressChoice, ProgressMode};

/// The variable GitHub Actions sets in every step: a file whose Markdown shows on the run's page.
pub const STEP_SUMMARY_VAR: &str = "GITHUB_STEP_SUMMARY";

#[derive(Debug, Clone)]
pub struct OutputPlan {
    /// The report folder; with [`DirNaming::Unique`], the name to start from (the folder the
    /// run gets may carry a suffix, known once it is created).
    pub dir: PathBuf,
    pub naming: DirNaming,
    pub quiet: bool,
    pub progress: ProgressMode,
    /// The file the Markdown summary is appended to at the end of the run.
    pub github_summary: Option<PathBuf>,
    /// `--metrics-listen`: where the live Prometheus metrics are served during the run.
    pub metrics_listen: Option<std::net::SocketAddr>,
    /// `--metrics-hold`: how long they are still served once the reports are written.
    pub metrics_hold: std::time::Duration,
}

/// How the report folder's name is settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirNaming {
    /// `--out`: this folder, existing or not.
    Exact,
    /// The default folder: a new one, never another run's; `-2`, `-3`, … is appended to the
    /// name when it is taken.
    Unique,
}

/// What the environment says about where output goes.
#[derive(Debug, Clone)]
pub struct Environment {
    pub console: Console,
    /// `$GITHUB_STEP_SUMMARY`, if set.
    pub step_summary: Option<OsString>,
}

impl Environment {
    pub fn current() -> Environment {
        Environment {
            console: Console::detect(),
            step_summary: std::env::var_os(STEP_SUMMARY_VAR),
        }
    }
}

impl OutputPlan {
    pub fn resolve(
        args: &RunArgs,
        scenario_name: &str,
        env: &Environment,
        now: SystemTime,
    ) -> Result<OutputPlan, UsageError> {
        let (dir, naming) = match &args.out {
            Some(dir) => (dir.clone(), DirNaming::Exact),
            None => (default_out_dir(scenario_name, now), DirNaming::Unique),
        };
        let choice = args.progress.map(|p| match p {
            ProgressArg::Auto => ProgressChoice::Auto,
            ProgressArg::Bar => ProgressChoice::Bar,
            ProgressArg::Lines => ProgressChoice::Lines,
            ProgressArg::None => ProgressChoice::None,
        });
        let every = args.progress_interval.unwrap_or(DEFAULT_LINE_INTERVAL);
        Ok(OutputPlan {
            dir,
            naming,
            quiet: args.quiet,
            progress: ProgressMode::resolve(choice, args.quiet, env.console, every),
            github_summary: github_summary(args.github_summary, env.step_summary.as_deref())?,
            metrics_listen: args.metrics_listen,
            metrics_hold: args.metrics_hold.unwrap_or_default(),
        })
    }
}

/// The step summary file: whenever `$GITHUB_STEP_SUMMARY` names one; `--github-summary`
/// without it is a usage error, since the user expects a summary that would not appear.
pub fn github_summary(
    flag: bool,
    var: Option<&std::ffi::OsStr>,
) -> Result<Option<PathBuf>, UsageError> {
    match var.filter(|v| !v.is_empty()) {
        Some(path) => Ok(Some(PathBuf::from(path))),
        None if flag => Err(UsageError(format!(
            "--github-summary: ${STEP_SUMMARY_VAR} is not set, so there is no summary file to \
             append to\n  = hint: GitHub Actions sets it in every step; elsewhere set it to the \
             file to append to, or drop the flag"
        ))),
        None => Ok(None),
    }
}

/// How much of the scenario name goes into the default report folder name.
pub const MAX_DIR_NAME_CHARS: usize = 64;

/// `reports/<name>-<UTC timestamp with milliseconds>/`, e.g.
/// `reports/quickstart-20261124T101500.123Z`. Two runs may still start in the same millisecond:
/// the folder itself is claimed atomically when it is created (`report::outdir`).
pub fn default_out_dir(name: &str, now: SystemTime) -> PathBuf {
    let stamp: String = humantime::format_rfc3339_millis(now)
        .to_string()
        .chars()
        .filter(|c| !matches!(c, '-' | ':'))
        .collect();
    // At most MAX_DIR_NAME_CHARS of the name: a file name has a limit (255 bytes on most file
    // systems) and a long `name` would otherwise fail the run at the first write.
    let safe: String = name
        .chars()
        .take(MAX_DIR_NAME_CHARS)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    PathBuf::from("reports").join(format!("{safe}-{stamp}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn out_dir_is_named_after_the_scenario_and_utc_time_to_the_millisecond() {
        // 1_795_000_000 s after the epoch is 2026-11-18T11:06:40Z.
        let t = SystemTime::UNIX_EPOCH + Duration::from_millis(1_795_000_000_042);
        assert_eq!(
            default_out_dir("quick start", t),
            PathBuf::from("reports/quick_start-20261118T110640.042Z")
        );
        // Two runs in the same second, a few milliseconds apart, no longer share a folder.
        assert_ne!(
            default_out_dir("adhoc", t),
            default_out_dir("adhoc", t + Duration::from_millis(5))
        );
    }

    #[test]
    fn out_dir_name_fits_a_file_name_whatever_the_scenario_name() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_000_000);
        for name in ["a".repeat(300), "é".repeat(300)] {
            let dir = default_out_dir(&name, t);
            let leaf = dir.file_name().unwrap().to_str().unwrap();
            assert!(leaf.len() <= 100, "{} bytes: {leaf}", leaf.len());
            assert!(leaf.ends_with("-20261118T110640.000Z"), "{leaf}");
        }
    }

    #[test]
    fn the_step_summary_is_written_where_the_variable_says_and_the_flag_needs_it() {
        let path = std::ffi::OsStr::new("/tmp/summary.md");
        assert_eq!(
            github_summary(false, Some(path)).unwrap(),
            Some(PathBuf::from("/tmp/summary.md"))
        );
        assert_eq!(
            github_summary(true, Some(path)).unwrap(),
            Some(PathBuf::from("/tmp/summary.md"))
        );
        assert_eq!(github_summary(false, None).unwrap(), None);
        assert_eq!(
            github_summary(false, Some(std::ffi::OsStr::new(""))).unwrap(),
            None
        );
        for var in [None, Some(std::ffi::OsStr::new(""))] {
            let e = github_summary(true, var).unwrap_err().0;
            assert!(e.contains("GITHUB_STEP_SUMMARY is not set"), "{e}");
        }
    }

    #[test]
    fn out_flag_names_the_folder_exactly_and_the_default_is_unique() {
        let env = Environment {
            console: Console::Log,
            step_summary: None,
        };
        let now = SystemTime::UNIX_EPOCH;
        let given = RunArgs {
            out: Some(PathBuf::from("mine")),
            ..RunArgs::default()
        };
        let o = OutputPlan::resolve(&given, "x", &env, now).unwrap();
        assert_eq!((o.dir, o.naming), (PathBuf::from("mine"), DirNaming::Exact));
        let o = OutputPlan::resolve(&RunArgs::default(), "x", &env, now).unwrap();
        assert_eq!(o.naming, DirNaming::Unique);
        assert_eq!(
            o.progress,
            ProgressMode::Lines {
                every: DEFAULT_LINE_INTERVAL
            }
        );
    }
}
