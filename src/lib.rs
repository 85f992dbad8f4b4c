//! loadproof: load-test HTTP APIs and verify their conventions under concurrency, with honest
//! latency (no coordinated omission).
//!
//! The data path, one module per step:
//! - [`cli`]: raw command-line arguments (clap), nothing resolved;
//! - [`scenario`]: scenario files (TOML/JSON) → a validated [`scenario::Scenario`], with located
//!   diagnostics for every problem at once;
//! - [`plan`]: command line + scenario + defaults → one resolved [`plan::RunPlan`];
//! - [`target`]: the system under test: a URL (checked reachable) or the in-process reference API;
//! - [`engine`]: the load phase (open or closed loop) → [`metrics::stats::Observed`], showing
//!   every exchange to an [`observe::Observer`];
//! - [`checks`]: the check families ([`checks::FAMILIES`]): passive parts observe every
//!   exchange, active parts send probes after the load;
//! - [`report`]: the one [`report::model::Report`] value and its writers (JSON, CSV, text);
//! - [`compare`]: two reports → a [`compare::Comparison`] (noise model, regression budget), for
//!   `loadproof compare` and `run --baseline`;
//! - [`live_metrics`]: `--metrics-listen`, the run's counters served to Prometheus while it goes;
//! - [`reference`]: the built-in reference "orders" API;
//! - [`install`]: shell completions and man pages, generated from [`cli`];
//! - [`redact`]: what must never reach an output; [`printer`]: stdout/stderr/progress policy.
//!
//! Below them all, the vocabulary: [`verdict`] (what a check concludes), [`observe`] (one record
//! of every exchange), [`metrics`] (histograms and counters), [`size`] (byte sizes). Imports
//! point one way, down this list: `tests/integration/layering.rs` fails on a circle between
//! top-level modules.
//!
//! [`run`] reads as the pipeline; the exit code is computed from the report at the end.

pub mod checks;
pub mod cli;
pub mod compare;
pub mod engine;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod headers;
pub mod install;
pub mod live_metrics;
pub mod merge;
pub mod metrics;
pub mod observe;
pub mod plan;
pub mod printer;
pub mod redact;
pub mod reference;
pub mod report;
pub mod scenario;
pub mod signals;
pub mod size;
pub mod target;
pub mod verdict;

use std::io::Write as _;

use cli::{Cli, Command, RunArgs, ServeArgs, ValidateArgs};
use plan::RunPlan;
use printer::Progress;
use report::model::Report;

/// A harness fault: the run could not be carried out. Findings are never errors.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A bad command line (exit 1).
    #[error("{0}")]
    Usage(String),
    /// The scenario could not be loaded or is invalid (exit 2).
    #[error("{0}")]
    Scenario(#[from] scenario::LoadError),
    /// Something failed while running: target unreachable, output not writable (exit 3).
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
}

/// What stopped a run that had begun (exit 3). Findings are never among them: a target that
/// answers badly is measured, not an error.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// A report file could not be written.
    #[error(transparent)]
    Output(#[from] report::WriteError),
    /// The output folder cannot take the reports (not writable, no room, in use by another
    /// run); found before any load is sent.
    #[error(transparent)]
    OutDir(#[from] report::outdir::OutDirError),
    /// The run needs more file descriptors than the hard limit allows (found before any load).
    #[error(transparent)]
    Fds(#[from] engine::fds::FdError),
    /// The target does not accept a TCP connection.
    #[error("target unreachable: {url}: {why}")]
    Unreachable { url: String, why: String },
    /// The target's TLS handshake fails (the message says why, with the `--insecure` hint).
    #[error("{0}")]
    Tls(String),
    /// The in-process reference API could not start.
    #[error("cannot start the reference API: {0}")]
    Reference(std::io::Error),
    /// `serve-reference` could not bind its address.
    #[error("cannot bind {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    /// The engine could not run the load (a request that cannot be prepared, a worker thread
    /// that failed).
    #[error(transparent)]
    Engine(#[from] engine::EngineError),
    /// Standard output cannot be written (a full disk; a closed pipe is not an error).
    #[error("cannot write to standard output: {0}")]
    Stdout(std::io::Error),
    /// `$GITHUB_STEP_SUMMARY` could not be appended to (the reports are written).
    #[error(
        "cannot append the summary to {} ($GITHUB_STEP_SUMMARY): {source}",
        path.display()
    )]
    Summary {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    /// `loadproof man --out DIR` could not write its pages.
    #[error("cannot write the man pages to {}: {source}", dir.display())]
    ManPages {
        dir: std::path::PathBuf,
        source: std::io::Error,
    },
    /// The report writer's thread did not finish.
    #[error("the report writer failed: {0}")]
    Writer(String),
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) => 1,
            Error::Scenario(_) => 2,
            Error::Runtime(_) => 3,
        }
    }
}

/// Dispatch a parsed command line; returns the process exit code.
pub async fn run(cli: Cli) -> Result<i32, Error> {
    match cli.command {
        Command::Run(args) => run_load(*args).await,
        Command::Validate(args) => validate(&args),
        Command::ServeReference(args) => serve_reference(args).await,
        Command::Compare(args) => compare::cli::run(&args),
        Command::Merge(args) => merge::cli::run(&args),
        Command::Completions(args) => {
            let mut out = Vec::new();
            install::completions(args.shell, &mut out);
            print_bytes(&out)
        }
        Command::Man(args) => man(&args),
    }
}

/// `loadproof run`: the main pipeline, with every check family of the catalog.
pub async fn run_load(args: RunArgs) -> Result<i32, Error> {
    run_load_with(args, checks::FAMILIES).await
}

/// The main pipeline with the given check families (the catalog's, or more in tests).
pub async fn run_load_with(args: RunArgs, families: &[&dyn checks::Family]) -> Result<i32, Error> {
    if let Some(message) = args.scenario.as_deref().and_then(cli::url_as_scenario) {
        return Err(Error::Usage(message));
    }
    let scenario = args.scenario.as_deref().map(scenario::load).transpose()?;
    // Read before any load is sent: a baseline that cannot be read is a usage error now, not
    // after the run.
    let baseline = compare::cli::Baseline::read(&args, scenario.as_ref()).map_err(Error::Usage)?;
    if let Some(w) = scenario.as_ref().and_then(|s| s.warnings.as_ref()) {
        let _ = writeln!(std::io::stderr(), "{w}");
    }
    let waivers = cli_waivers(&args.skip_checks, families)?;
    let mut plan = RunPlan::resolve(args, scenario).map_err(|e| Error::Usage(e.0))?;
    for w in waivers {
        // The flag's reason wins over the scenario's for the same pattern.
        plan.checks.skip.retain(|s| s.pattern != w.pattern);
        plan.checks.skip.insert(0, w);
    }
    // The handler lives for the rest of the process: a second Ctrl-C, even while the reports
    // are being written, exits at once.
    // Held until the run returns: no other run may write into this folder meanwhile.
    // Dropped on every way out: a folder this run created and left empty (the target was
    // unreachable, too few fds…) is removed with it.
    let out_lock = report::outdir::prepare(&plan.output.dir, plan.output.naming)
        .map_err(RuntimeError::from)?;
    plan.output.dir = out_lock.dir().to_path_buf();
    engine::fds::ensure(&plan).map_err(RuntimeError::from)?;
    // Bound before any load is sent: an address in use is a usage error now, not mid-run.
    let metrics = live_metrics::start(&plan)
        .await
        .map_err(|e| Error::Usage(e.to_string()))?;
    let board = metrics.as_ref().map(|m| m.board().clone());
    let phase = |p| board.iter().for_each(|b| b.set_phase(p));
    let (_signal_task, interrupted) = signals::install();
    let target = target::Target::start(&plan).await?;
    if let Some(at) = plan.start_at {
        wait_for_start(at, interrupted.clone()).await;
    }
    let progress = Progress::new(plan.output.progress);
    let load_observer = || checks::PassiveSet::for_load(families, &plan.checks);
    phase(live_metrics::Phase::Load);
    let observed = engine::run(
        &plan,
        target.base_url(),
        interrupted.clone(),
        &progress,
        load_observer,
        board.as_ref(),
    )
    .await;
    progress.finish();
    let (mut observed, passive) = match observed {
        Ok(o) => o,
        Err(e) => {
            target.shutdown().await;
            return Err(RuntimeError::from(e).into());
        }
    };
    phase(live_metrics::Phase::Checks);
    let checks = checks::run(
        families,
        &plan,
        target.base_url(),
        interrupted.clone(),
        passive,
        &progress,
    )
    .await;
    progress.finish();
    target.shutdown().await;
    // A stop during the checks phase interrupts the run just as one during the load does.
    if observed.interrupted.is_none() && *interrupted.borrow() {
        observed.interrupted = Some(signals::Phase::Checks);
    }
    phase(live_metrics::Phase::Done);
    let mut report = Report::build(&plan, &observed, checks);
    // Compared before the reports are written, so that report.html shows the comparison.
    let comparison = baseline
        .as_ref()
        .map(|b| b.compare(&report, &plan.output.dir));
    let comparison_html = comparison
        .as_ref()
        .and_then(|c| c.as_ref().ok())
        .map(compare::render::html);
    let html = comparison_html.as_deref();
    report = write_reports(report, &plan, html).await?;
    // A first stop while writing does not cut a file short (each is whole or absent), but the
    // run was interrupted all the same, and the reports must say so: write them again.
    if !report.interrupted && *interrupted.borrow() {
        report.mark_interrupted_while_writing();
        report = write_reports(report, &plan, html).await?;
    }
    if let Some(path) = &plan.output.github_summary {
        append_summary(path, &report)?;
    }
    drop(out_lock);
    let mut out = std::io::stdout().lock();
    if !plan.output.quiet {
        let _ = write!(out, "{}", report::text::render(&report));
    }
    let _ = writeln!(out, "Reports    {}", plan.output.dir.display());
    let code = report.exit_code();
    let result = match comparison {
        Some(c) => compare::cli::conclude(c, &plan.output.dir, code, &mut out),
        None => Ok(code),
    };
    drop(out);
    // Last, once everything is written and printed: `--metrics-hold` keeps the final figures
    // up for a scraper meanwhile.
    if let Some(m) = metrics {
        m.stop(plan.output.metrics_hold, interrupted.clone()).await;
    }
    result
}

/// `--start-at`: sleep until `at` (a stop ends the wait: the engine then sees the stop). A
/// time already past starts at once, and says by how much, since the report's start skew will.
async fn wait_for_start(at: std::time::SystemTime, mut stop: tokio::sync::watch::Receiver<bool>) {
    match at.duration_since(std::time::SystemTime::now()) {
        Ok(wait) => {
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = stop.wait_for(|s| *s) => {}
            }
        }
        Err(past) => {
            let _ = writeln!(
                std::io::stderr(),
                "warning: --start-at was {:.3} s ago; starting now",
                past.duration().as_secs_f64()
            );
        }
    }
}

/// `--skip-check ID`: each an ID of `families` or `FAM-*`, else a usage error with a hint.
fn cli_waivers(
    patterns: &[String],
    families: &[&dyn checks::Family],
) -> Result<Vec<scenario::Waiver>, Error> {
    let catalog: Vec<(&str, &[&str])> = families.iter().map(|f| (f.prefix(), f.ids())).collect();
    patterns
        .iter()
        .map(|p| {
            scenario::Waiver::check(p, &catalog)
                .map(|()| scenario::Waiver {
                    pattern: p.clone(),
                    by: scenario::WaivedBy::CommandLine,
                })
                .map_err(|(message, hint)| {
                    Error::Usage(format!("--skip-check: {message}\n  hint: {hint}"))
                })
        })
        .collect()
}

/// Write every report file off the async workers: a slow disk must not hold up the signal
/// handler, which has to see a stop that arrives while the files are written.
/// `comparison_html` is the `--baseline` comparison, rendered for report.html.
async fn write_reports(
    report: Report,
    plan: &RunPlan,
    comparison_html: Option<&str>,
) -> Result<Report, Error> {
    let (dir, fail_on_warn) = (plan.output.dir.clone(), plan.checks.fail_on_warn);
    let comparison_html = comparison_html.map(str::to_owned);
    tokio::task::spawn_blocking(move || {
        report::write_all(&report, &dir, fail_on_warn, comparison_html.as_deref()).map(|_| report)
    })
    .await
    .map_err(|e| RuntimeError::Writer(e.to_string()))?
    .map_err(|e| RuntimeError::from(e).into())
}

/// Append the run's Markdown summary to the GitHub step summary file, after the reports are
/// written: a page that says more than the reports would be wrong.
fn append_summary(path: &std::path::Path, report: &Report) -> Result<(), Error> {
    let text = report::markdown::render(report);
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        // GitHub joins every step's summary in one page: a blank line keeps this one apart.
        .and_then(|mut f| f.write_all(&text).and_then(|()| f.write_all(b"\n")))
        .map_err(|source| {
            RuntimeError::Summary {
                path: path.to_path_buf(),
                source,
            }
            .into()
        })
}

/// `loadproof validate`: load every file, print every problem, send nothing.
///
/// A closed standard output (`validate … | head -1`) stops the printing, not the validation:
/// the exit code still says whether every file is valid. Any other failure to write it (a full
/// disk) is a runtime error (exit 3), never a panic.
pub fn validate(args: &ValidateArgs) -> Result<i32, Error> {
    let env = if args.no_env {
        scenario::EnvValues::NotChecked
    } else {
        scenario::EnvValues::Required
    };
    let mut worst = 0;
    let mut out = StdoutLines::default();
    for file in &args.files {
        match scenario::check(file, env) {
            Ok(s) => {
                out.line(format_args!(
                    "ok: {} ({}, target {})",
                    file.display(),
                    s.contents,
                    match &s.target {
                        scenario::Target::Reference => "reference".to_string(),
                        scenario::Target::Unset { var, .. } if args.no_env => {
                            format!("${{env.{var}}}, not checked")
                        }
                        scenario::Target::Unset { var, .. } => {
                            format!("${{env.{var}}}, unset: set it or pass --target")
                        }
                        scenario::Target::Url(u) => redact::Redactor::new(s.secrets.clone())
                            .text(&redact::split_userinfo(u).0),
                    }
                ))?;
                if let Some(line) = unchecked_env_line(&s.unchecked_env) {
                    out.line(format_args!("  {line}"))?;
                }
                if let Some(w) = &s.warnings {
                    let _ = writeln!(std::io::stderr(), "{w}");
                }
            }
            Err(e) => {
                let _ = writeln!(std::io::stderr(), "{e}");
                worst = 2;
            }
        }
    }
    Ok(worst)
}

/// `validate --no-env`'s account of what it did not check: "3 `${env.*}` values not checked
/// (--no-env): API_TOKEN, BASE_URL" (a count of placeholders, then each variable once).
fn unchecked_env_line(names: &[String]) -> Option<String> {
    if names.is_empty() {
        return None;
    }
    let mut unique: Vec<&str> = names.iter().map(String::as_str).collect();
    unique.sort_unstable();
    unique.dedup();
    let n = names.len();
    Some(format!(
        "{n} `${{env.*}}` value{} not checked (--no-env): {}",
        if n == 1 { "" } else { "s" },
        unique.join(", ")
    ))
}

/// Standard output for line-by-line results: once the reader is gone (a broken pipe), the
/// rest is dropped silently; any other write error is a runtime error.
#[derive(Default)]
struct StdoutLines {
    closed: bool,
}

impl StdoutLines {
    fn line(&mut self, text: std::fmt::Arguments<'_>) -> Result<(), Error> {
        if self.closed {
            return Ok(());
        }
        let mut out = std::io::stdout().lock();
        match writeln!(out, "{text}").and_then(|()| out.flush()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            Err(e) => Err(RuntimeError::Stdout(e).into()),
        }
    }
}

/// Write generated bytes (a completion script, a man page) to stdout; a closed pipe is not an
/// error (`loadproof man | head`).
fn print_bytes(bytes: &[u8]) -> Result<i32, Error> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(0),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(RuntimeError::Stdout(e).into()),
    }
}

/// `loadproof man`: the top page on stdout, or every page into `--out DIR`.
fn man(args: &cli::ManArgs) -> Result<i32, Error> {
    match &args.out {
        Some(dir) => {
            install::man_pages_to(dir).map_err(|source| RuntimeError::ManPages {
                dir: dir.clone(),
                source,
            })?;
            Ok(0)
        }
        None => {
            let mut page = Vec::new();
            // Rendering into a Vec cannot fail.
            install::man_page(&mut page).map_err(RuntimeError::Stdout)?;
            print_bytes(&page)
        }
    }
}

/// `loadproof serve-reference`: the reference API until Ctrl-C or SIGTERM.
pub async fn serve_reference(args: ServeArgs) -> Result<i32, Error> {
    let faults = args
        .faults
        .iter()
        .map(|f| f.parse::<reference::Fault>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::Usage(e.to_string()))?;
    if !args.host.is_loopback() {
        let _ = writeln!(
            std::io::stderr(),
            "warning: binding {}, which is reachable from other machines",
            args.host
        );
    }
    let stall = match (args.stall_every, args.stall_for) {
        (Some(every), Some(duration)) if duration >= every => {
            return Err(Error::Usage(format!(
                "--stall-for ({}) must be shorter than --stall-every ({})",
                humantime::format_duration(duration),
                humantime::format_duration(every)
            )));
        }
        (Some(every), Some(duration)) => Some(reference::Stall { every, duration }),
        _ => None,
    };
    let config = reference::ReferenceConfig {
        faults,
        stall,
        response_delay: args.delay.unwrap_or_default(),
        ..reference::ReferenceConfig::default()
    };
    let server =
        reference::ReferenceServer::start(config, std::net::SocketAddr::new(args.host, args.port))
            .await
            .map_err(|source| RuntimeError::Bind {
                addr: std::net::SocketAddr::new(args.host, args.port),
                source,
            })?;
    // Listening for Ctrl-C before announcing the address: whoever reads the line may stop the
    // server at once.
    let mut stop = signals::Termination::listen();
    // The announcement is best effort: with standard output closed or full the server still
    // serves (on the --port asked for), and a failed print must not panic.
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "reference API listening on {}", server.base_url())
            .and_then(|()| out.flush());
    }
    stop.recv().await;
    server.shutdown().await;
    Ok(0)
}
