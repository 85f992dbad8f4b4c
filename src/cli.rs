//! Raw command-line arguments (clap derive). Nothing here is resolved or defaulted beyond what
//! clap parses: `plan.rs` turns these plus a scenario into a `RunPlan`. The `///` docs are the
//! help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  all good
  1  command-line usage error
  2  scenario invalid
  3  runtime error (target unreachable at start, output not writable or in use,
     too few file descriptors, interrupted)
  4  a conformance check or expectation failed
  5  a threshold was breached (run), or a regression against the baseline
     (run --baseline, compare)";

pub const COMPARE_HELP: &str = "\
Each line compares one metric (p50, p90, p99, p99.9, max, error_rate, rps) of the whole run and
of each request: both values, the change, the noise half-width and the budget. A change is a
regression only when it is worse by more than the budget AND by more than the noise estimated
from the two reports (histogram resampling, per-second series); see docs/compare.md.

Default budget: p50, p90, p99 +10%; error_rate +0.01; rps -10%; none on p99.9 and max.
Limits: '10%' or '5ms' (latency), 0.01 (error rate, absolute), '10%' or 50 (rps), 'off'.

Exit codes:
  0  no regression
  1  usage error, unreadable report, or runs that are not comparable (without --force)
  2  the --scenario file is invalid
  3  the output file could not be written
  5  a regression beyond the budget and the noise";

/// Load-test HTTP APIs and verify their conventions under concurrency, with honest latency.
#[derive(Debug, Parser)]
#[command(name = "loadproof", version, about, after_help = EXIT_CODES_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario file, or an ad-hoc load with --url.
    #[command(after_help = EXIT_CODES_HELP)]
    Run(Box<RunArgs>),
    /// Check scenario files and report every problem, located; sends nothing.
    #[command(after_help = EXIT_CODES_HELP)]
    Validate(ValidateArgs),
    /// Serve the built-in reference "orders" API on 127.0.0.1 until Ctrl-C.
    ServeReference(ServeArgs),
    /// Compare two runs (run folders or report.json files): a regression beyond the budget and
    /// the run-to-run noise exits 5.
    #[command(after_help = COMPARE_HELP)]
    Compare(CompareArgs),
    /// Merge the reports of a split run (--segment I/N) into one: histograms added exactly,
    /// checks united, thresholds and the exit code judged again on the merged figures.
    #[command(after_help = EXIT_CODES_HELP)]
    Merge(MergeArgs),
    /// Print a shell completion script for bash, zsh, fish, elvish or powershell.
    Completions(CompletionsArgs),
    /// Print the man page (roff), or write one page per subcommand with --out.
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write loadproof.1 and one page per subcommand (loadproof-run.1, ...) into this directory
    /// instead of printing loadproof.1.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args, Clone, Default)]
pub struct RunArgs {
    /// Scenario file (TOML, or JSON with the same schema). Omit it and pass --url for an ad-hoc run.
    #[arg(
        value_name = "SCENARIO",
        required_unless_present = "url",
        conflicts_with = "url"
    )]
    pub scenario: Option<PathBuf>,

    /// Ad-hoc mode: send requests to this URL without a scenario.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,

    /// Override the scenario's target base URL.
    #[arg(long, value_name = "URL", conflicts_with = "url")]
    pub target: Option<String>,

    /// Open loop: send at this many requests per second, whatever the responses do.
    #[arg(long, value_name = "REQ_PER_S", conflicts_with = "concurrency")]
    pub rate: Option<f64>,

    /// Closed loop: this many concurrent users, each waiting for its response before sending again.
    #[arg(short = 'c', long, value_name = "USERS")]
    pub concurrency: Option<u32>,

    /// How long the load phase lasts, e.g. 30s, 2m, 1m30s.
    #[arg(short = 'z', long, value_name = "DURATION", value_parser = parse_duration)]
    pub duration: Option<std::time::Duration>,

    /// Stop after this many requests.
    #[arg(short = 'n', long, value_name = "N")]
    pub requests: Option<u64>,

    /// Number of connections to the target.
    #[arg(long, value_name = "N")]
    pub connections: Option<u32>,

    /// Send traffic for this long before the load phase, unmeasured (warms connections and
    /// caches), e.g. 5s.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub warmup: Option<std::time::Duration>,

    /// Per-request timeout, e.g. 5s.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<std::time::Duration>,

    /// How long requests still in flight when the load phase ends (or at Ctrl-C) may take to
    /// finish before they are cut (default 5s, at most 1h).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub drain: Option<std::time::Duration>,

    /// Keep up to this much of a response body for the expectations that read it (JSON rules,
    /// `schema`), e.g. 4MiB; a longer body is not judged. Overrides `max_body` in the scenario.
    /// Default 1MiB, at most 256MiB.
    #[arg(long, value_name = "SIZE", value_parser = crate::size::parse_max_body)]
    pub max_body: Option<u64>,

    /// HTTP method for ad-hoc mode.
    #[arg(short = 'm', long, value_name = "METHOD", requires = "url")]
    pub method: Option<String>,

    /// Extra header for ad-hoc mode, 'Name: value' (repeatable).
    #[arg(short = 'H', long = "header", value_name = "HEADER", requires = "url")]
    pub headers: Vec<String>,

    /// Request body for ad-hoc mode.
    #[arg(short = 'd', long = "data", value_name = "BODY", requires = "url")]
    pub body: Option<String>,

    /// Protocol: http1 (keep-alive), http2 (TLS/ALPN), h2c (cleartext HTTP/2, prior knowledge).
    #[arg(long, value_enum, value_name = "PROTOCOL")]
    pub protocol: Option<ProtocolArg>,

    /// Worker threads for the load engine (default: chosen from the CPU count).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// Directory for the reports (default: reports/<scenario>-<UTC timestamp>/).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// No progress display (unless --progress asks for one) and no summary table; reports are
    /// still written.
    #[arg(short, long)]
    pub quiet: bool,

    /// How progress is shown on stderr: a live bar, one plain line every --progress-interval
    /// (for CI logs and pipes), or none. auto: a bar on a terminal outside CI, lines otherwise.
    #[arg(long, value_enum, value_name = "HOW")]
    pub progress: Option<ProgressArg>,

    /// Time between two progress lines, e.g. 10s, 1m (default 10s).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub progress_interval: Option<std::time::Duration>,

    /// Append the run's Markdown summary to the file named by $GITHUB_STEP_SUMMARY (done
    /// anyway whenever that variable is set; with this flag, the variable must be set).
    #[arg(long)]
    pub github_summary: bool,

    /// Accept invalid TLS certificates (self-signed test servers).
    #[arg(long)]
    pub insecure: bool,

    /// A threshold, replacing the scenario's on the same metric and scope (repeatable):
    /// 'p99<=250ms', 'error_rate<=0.05', 'rps>=100', 'not_sent_rate<=0.01',
    /// 'p99[list_orders]<=300ms'. A breach exits 5.
    #[arg(long = "threshold", value_name = "METRIC<=VALUE")]
    pub thresholds: Vec<String>,

    /// Waive a check: an ID (ERR-06) or a whole family (RL-*); repeatable. It is reported as
    /// skip, and a family waived whole does not run.
    #[arg(long = "skip-check", value_name = "ID")]
    pub skip_checks: Vec<String>,

    /// Serve live Prometheus metrics at http://ADDR/metrics while the run goes, e.g.
    /// 127.0.0.1:9464 (port 0: a free port, printed on stderr).
    #[arg(long, value_name = "ADDR", value_parser = parse_listen)]
    pub metrics_listen: Option<std::net::SocketAddr>,

    /// Keep serving /metrics this long after the reports are written, so that a scraper's last
    /// scrape sees the final figures, e.g. 5s (default: stop at once).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, requires = "metrics_listen")]
    pub metrics_hold: Option<std::time::Duration>,

    /// Compare this run against a baseline (a run folder or its report.json) once its reports
    /// are written: comparison.md and comparison.json go into the run folder, the scenario's
    /// [compare] table sets the budget, and a regression exits 5.
    #[arg(long, value_name = "DIR|FILE")]
    pub baseline: Option<PathBuf>,

    /// Run instance I of N (0-based, as Kubernetes' JOB_COMPLETION_INDEX): take every N-th
    /// arrival, an N-th of the users, connections, request bound and data rows, and only the
    /// check families this segment owns; `loadproof merge` joins the N reports exactly.
    #[arg(long, value_name = "I/N")]
    pub segment: Option<String>,

    /// Begin the run at this UTC time (RFC 3339, e.g. 2026-12-01T10:00:00Z), so that the
    /// segments of a split run start together; the report records the planned and actual start.
    #[arg(long, value_name = "TIME")]
    pub start_at: Option<String>,
}

#[derive(Debug, Args, Clone)]
pub struct MergeArgs {
    /// The segments' run folders (or their report.json files), one per segment of the split.
    #[arg(value_name = "DIR", required = true)]
    pub dirs: Vec<PathBuf>,

    /// Where to write the merged reports (created; it must not already hold a report).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    /// Warnings fail the merged run too (the scenario's `[checks] fail_on = "warn"`).
    #[arg(long)]
    pub fail_on_warn: bool,

    /// Print only the report folder, not the summary.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args, Clone)]
pub struct CompareArgs {
    /// The baseline: a run folder (holding report.json) or a report.json file.
    #[arg(value_name = "BASE")]
    pub base: PathBuf,

    /// The run to judge against it: a run folder or a report.json file.
    #[arg(value_name = "NEW")]
    pub new: PathBuf,

    #[command(flatten)]
    pub budget: BudgetArgs,

    /// A scenario file whose [compare] table sets the budget (the flags above win over it).
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,

    /// Compare runs of different scenarios or load models anyway (the output says what
    /// differed).
    #[arg(long)]
    pub force: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = CompareFormat::Text)]
    pub format: CompareFormat,

    /// Write the output to this file instead of standard output (the verdict is still printed).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// The regression budget's flags: how much worse each metric may get.
#[derive(Debug, Args, Clone, Default)]
pub struct BudgetArgs {
    /// Largest p50 increase, e.g. 10% or 5ms ('off': no budget). Default 10%.
    #[arg(long, value_name = "LIMIT")]
    pub max_p50_increase: Option<String>,
    /// Largest p90 increase. Default 10%.
    #[arg(long, value_name = "LIMIT")]
    pub max_p90_increase: Option<String>,
    /// Largest p99 increase. Default 10%.
    #[arg(long, value_name = "LIMIT")]
    pub max_p99_increase: Option<String>,
    /// Largest p99.9 increase. Default: none.
    #[arg(long, value_name = "LIMIT")]
    pub max_p999_increase: Option<String>,
    /// Largest increase of the maximum latency. Default: none.
    #[arg(long, value_name = "LIMIT")]
    pub max_max_increase: Option<String>,
    /// Largest absolute error-rate increase, e.g. 0.01 (one percentage point). Default 0.01.
    #[arg(long, value_name = "RATIO")]
    pub max_error_rate_increase: Option<String>,
    /// Largest throughput decrease, e.g. 10% or 50 (req/s). Default 10%.
    #[arg(long, value_name = "LIMIT")]
    pub max_rps_decrease: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompareFormat {
    Text,
    Markdown,
    Json,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario files to check.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,

    /// Do not require the values of `${env.NAME}` (a CI lint step without the secrets): an
    /// unset variable is not an error and is listed as not checked; a malformed placeholder
    /// still is. Only for validate: run always needs every value.
    #[arg(long)]
    pub no_env: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Port to bind on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,

    /// Address to bind. Loopback by default; anything else exposes the API to the network.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,

    /// Break one convention on purpose (repeatable); see the README for the names.
    #[arg(long = "fault", value_name = "NAME")]
    pub faults: Vec<String>,

    /// Freeze the whole server for --stall-for at the start of every period of this length
    /// (a target for coordinated-omission measurements), e.g. --stall-every 5s --stall-for 1s.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, requires = "stall_for")]
    pub stall_every: Option<std::time::Duration>,

    /// How long each stall lasts (see --stall-every).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, requires = "stall_every")]
    pub stall_for: Option<std::time::Duration>,

    /// Add this much latency to every response, e.g. 3ms (a planted regression for
    /// `loadproof compare`).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub delay: Option<std::time::Duration>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgressArg {
    Auto,
    Bar,
    Lines,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProtocolArg {
    Http1,
    Http2,
    H2c,
}

/// A URL given where the scenario file is expected (`loadproof run http://…`): the usage
/// message pointing at `--url`, or `None` for anything else. Checked before the file is read so
/// the user hears "use --url", not "cannot read scenario file". Userinfo is dropped from the
/// echo: a password typed into the URL must not reach an output.
pub fn url_as_scenario(path: &std::path::Path) -> Option<String> {
    let text = path.to_str()?;
    let scheme = text.split_once("://")?.0;
    if !(scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")) {
        return None;
    }
    let shown = crate::redact::split_userinfo(text).0;
    Some(format!(
        "'{shown}' is a URL, not a scenario file\n  hint: use --url {shown} for an ad-hoc run"
    ))
}

fn parse_listen(s: &str) -> Result<std::net::SocketAddr, String> {
    s.parse().map_err(|_| {
        "expected IP:PORT, e.g. 127.0.0.1:9464 or [::1]:9464 (a host name is not resolved; port 0 \
         picks a free port)"
            .to_string()
    })
}

fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let d = humantime::parse_duration(s)
        .map_err(|e| format!("{e} (expected a duration like 30s, 500ms or 1m30s)"))?;
    if d.is_zero() {
        return Err("must be greater than zero".into());
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::url_as_scenario;

    #[test]
    fn a_url_in_place_of_the_scenario_points_at_url() {
        let m = url_as_scenario(Path::new("http://127.0.0.1:8080/orders")).unwrap();
        assert!(
            m.contains("hint: use --url http://127.0.0.1:8080/orders for an ad-hoc run"),
            "{m}"
        );
        assert!(url_as_scenario(Path::new("HTTPS://[::1]/x")).is_some());
    }

    #[test]
    fn the_hint_drops_url_credentials() {
        let m = url_as_scenario(Path::new("http://bob:hunter2@127.0.0.1/")).unwrap();
        assert!(!m.contains("hunter2") && !m.contains("bob"), "{m}");
    }

    #[test]
    fn scenario_paths_are_not_urls() {
        for p in [
            "scenarios/quickstart.toml",
            "http.toml",
            "ftp://x/y",
            "./http:/x",
        ] {
            assert_eq!(url_as_scenario(Path::new(p)), None, "{p}");
        }
    }
}
