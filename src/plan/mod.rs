//! `RunPlan::resolve`: the only place where precedence (command line > scenario > defaults) and
//! defaults live. The raw `RunArgs` and the `Scenario` go in; a fully-resolved plan comes out, so
//! nothing downstream ever asks "was this set?".

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

pub mod output;
pub mod schedule;
pub mod segment;

#[cfg(test)]
mod defaults_tests;

pub use segment::Segment;

use crate::cli::{ProtocolArg, RunArgs};
use crate::redact::{Redactor, UrlCredentials, split_userinfo};
use crate::scenario::{
    Body, ChecksSpec, Defaults, Expectations, LoadModel, LoadSpec, MAX_DRAIN, MAX_TIMEOUT, Part,
    Protocol, RequestSpec, Scenario, Target, Template, Threshold, long_duration_text,
};
pub use output::{DirNaming, OutputPlan, default_out_dir};
use schedule::Schedule;

/// Used when neither a duration nor a request count bounds the run.
pub const DEFAULT_DURATION: Duration = Duration::from_secs(10);
/// No run lasts longer than this, whatever it asks for: a forgotten run must end by itself.
pub const MAX_DURATION: Duration = Duration::from_secs(24 * 3600);
/// A warm-up longer than this is a mistake, not a warm-up.
pub const MAX_WARMUP: Duration = Duration::from_secs(3600);
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_OPEN_CONNECTIONS: u32 = 50;
pub const DEFAULT_ADHOC_USERS: u32 = 50;
/// In-flight requests get this long to finish after the load phase ends or Ctrl-C is pressed
/// (`--drain` or `[load] drain` changes it); what is still in flight then is cut.
pub const DRAIN: Duration = Duration::from_secs(5);

#[derive(Debug, Clone)]
pub struct RunPlan {
    pub name: String,
    pub scenario_file: Option<PathBuf>,
    pub target: Target,
    /// Requests with `[defaults]` merged in (headers and timeout) and `max_body` resolved.
    pub requests: Vec<RequestSpec>,
    /// `[[flows]]`: each step is one of `requests` (by index).
    pub flows: Vec<crate::scenario::FlowSpec>,
    /// `[[data]]`: the feeders' tables, loaded by validation.
    pub data: Vec<crate::scenario::DataSpec>,
    pub load: LoadPlan,
    pub thresholds: Vec<Threshold>,
    pub checks: ChecksSpec,
    pub redactor: Redactor,
    pub output: OutputPlan,
    pub insecure: bool,
    /// `user:password@` of the target URL (scenario, `--target` or `--url`), taken out of
    /// `target`: sent as `Authorization: Basic …` on every request that sets no Authorization
    /// of its own (as curl does), and masked by `redactor`.
    pub credentials: Option<UrlCredentials>,
    /// `--segment I/N`; [`Segment::WHOLE`] without it.
    pub segment: Segment,
    /// `--start-at`: when the run's first phase is to begin.
    pub start_at: Option<SystemTime>,
}

#[derive(Debug, Clone)]
pub struct LoadPlan {
    pub mode: LoadMode,
    /// Hard end of the load phase.
    pub duration: Duration,
    pub max_requests: Option<u64>,
    pub connections: u32,
    pub protocol: Protocol,
    pub threads: usize,
    pub timeout: Duration,
    pub drain: Duration,
    /// Traffic sent before the load phase and not measured.
    pub warmup: Option<Warmup>,
}

/// The warm-up: the same requests, connections and protocol as the load phase, at the load's
/// opening shape held constant (open loop: its first stage's highest rate; closed loop: its
/// first stage's users). Its responses go into no histogram, no series and no check; only their
/// counts are reported. It warms the connections the load phase then reuses, and the target's
/// caches.
#[derive(Debug, Clone)]
pub struct Warmup {
    pub duration: Duration,
    pub mode: LoadMode,
}

impl Warmup {
    fn for_load(duration: Duration, load: &LoadMode) -> Warmup {
        let mode = match load {
            LoadMode::Open(s) => {
                LoadMode::Open(Schedule::constant(s.warmup_rate(), Some(duration)))
            }
            LoadMode::Closed { stages, think_time } => LoadMode::Closed {
                stages: vec![UserStage {
                    until: duration,
                    users: stages.iter().map(|s| s.users).find(|&u| u > 0).unwrap_or(1),
                }],
                think_time: *think_time,
            },
        };
        Warmup { duration, mode }
    }
}

#[derive(Debug, Clone)]
pub enum LoadMode {
    /// Arrivals at fixed, precomputed due times; latency measured from the due time.
    Open(Schedule),
    /// `users` concurrent users per stage; latency measured from the actual send.
    Closed {
        stages: Vec<UserStage>,
        think_time: Option<Duration>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UserStage {
    /// Offset from the start at which this stage ends.
    pub until: Duration,
    pub users: u32,
}

impl LoadMode {
    pub fn max_users(&self) -> u32 {
        match self {
            LoadMode::Open(_) => 0,
            LoadMode::Closed { stages, .. } => stages.iter().map(|s| s.users).max().unwrap_or(0),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            LoadMode::Open(_) => "open",
            LoadMode::Closed { .. } => "closed",
        }
    }
}

/// A problem with the command line (exit 1).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

impl RunPlan {
    pub fn resolve(args: RunArgs, scenario: Option<Scenario>) -> Result<RunPlan, UsageError> {
        let scenario_file = args.scenario.clone();
        let mut scenario = match scenario {
            Some(s) => s,
            None => adhoc_scenario(&args)?,
        };
        if let Some(t) = &args.target {
            scenario.target = parse_target(t)?;
        }
        if let Target::Unset { var, at } = &scenario.target {
            return Err(UsageError(format!(
                "{at}: the target is ${{env.{var}}}, and {var} is not set\n  hint: set {var} to \
                 the API's base URL (export {var}=http://127.0.0.1:8080), or pass --target URL"
            )));
        }
        // The URL every output shows, and every client is given, is the one without userinfo.
        let mut credentials = None;
        if let Target::Url(url) = &scenario.target {
            let (bare, userinfo) = split_userinfo(url);
            if let Some((creds, written)) = userinfo {
                scenario.secrets.extend(creds.secrets(&written));
                scenario.target = Target::Url(bare);
                credentials = Some(creds);
            }
        }
        let segment = match &args.segment {
            Some(text) => Segment::parse(text).map_err(UsageError)?,
            None => Segment::WHOLE,
        };
        let start_at = args.start_at.as_deref().map(parse_start_at).transpose()?;
        let load = resolve_load(&args, &scenario.load, scenario.defaults.timeout)?;
        let load = segment_load(load, segment)?;
        let thresholds = resolve_thresholds(&args, &mut scenario, &load)?;
        let requests = scenario
            .requests
            .iter()
            .map(|r| merge_defaults(r, &scenario.defaults, args.max_body))
            .collect();
        // A user schema for error bodies is named relative to the scenario file, like an include.
        if let (Some(file), Some(ef)) = (&scenario_file, scenario.checks.error_format.as_mut())
            && let Some(schema) = ef.schema.as_mut()
            && std::path::Path::new(schema.as_str()).is_relative()
            && let Some(dir) = file.parent()
        {
            *schema = dir.join(&*schema).display().to_string();
        }
        let output = OutputPlan::resolve(
            &args,
            &scenario.name,
            &output::Environment::current(),
            SystemTime::now(),
        )?;
        Ok(RunPlan {
            name: scenario.name,
            scenario_file,
            target: scenario.target,
            requests,
            flows: scenario.flows,
            data: scenario.data,
            load,
            thresholds,
            checks: scenario.checks,
            redactor: Redactor::new(scenario.secrets),
            output,
            insecure: args.insecure,
            credentials,
            segment,
            start_at,
        })
    }
}

/// The scenario's thresholds, `--threshold` flags (each replacing the scenario's on the same
/// metric and scope) and the defaults nothing overrode.
fn resolve_thresholds(
    args: &RunArgs,
    scenario: &mut Scenario,
    load: &LoadPlan,
) -> Result<Vec<Threshold>, UsageError> {
    let flags = args
        .thresholds
        .iter()
        .map(|t| crate::scenario::thresholds::parse_flag(t).map_err(UsageError))
        .collect::<Result<Vec<_>, _>>()?;
    for (t, text) in flags.iter().zip(&args.thresholds) {
        if let Some(name) = &t.request
            && !scenario.requests.iter().any(|r| &r.name == name)
        {
            let names: Vec<&str> = scenario.requests.iter().map(|r| r.name.as_str()).collect();
            return Err(UsageError(format!(
                "--threshold {text:?}: no request is named {name:?}\n  hint: the requests are {}",
                names.join(", ")
            )));
        }
    }
    Ok(crate::scenario::thresholds::resolve(
        std::mem::take(&mut scenario.thresholds),
        flags,
        matches!(load.mode, LoadMode::Open(_)),
        args.scenario.is_none(),
    ))
}

fn parse_target(text: &str) -> Result<Target, UsageError> {
    if text == "reference" {
        return Ok(Target::Reference);
    }
    // Error messages show the URL without its userinfo: a password never reaches an output.
    let shown = split_userinfo(text).0;
    let url = reqwest::Url::parse(text)
        .map_err(|e| UsageError(format!("--target {shown:?} is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(UsageError(format!(
            "--target {shown:?} must be an http:// or https:// URL with a host, or \"reference\""
        )));
    }
    Ok(Target::Url(text.trim_end_matches('/').to_string()))
}

/// Build a one-request scenario from `--url`, `-m`, `-H`, `-d`.
fn adhoc_scenario(args: &RunArgs) -> Result<Scenario, UsageError> {
    let text = args
        .url
        .as_deref()
        .ok_or_else(|| UsageError("give a scenario file or --url URL".into()))?;
    let shown = split_userinfo(text).0;
    let url = reqwest::Url::parse(text)
        .map_err(|e| UsageError(format!("--url {shown:?} is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(UsageError(format!(
            "--url {shown:?} must be an http:// or https:// URL with a host"
        )));
    }
    // The userinfo stays on the target, for `resolve` to take off and send as Basic auth.
    let origin = match text.find("://").map(|i| &text[i + 3..]) {
        Some(rest) if split_userinfo(text).1.is_some() => {
            let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
            let userinfo = &authority[..authority.rfind('@').map_or(0, |i| i + 1)];
            let o = url.origin().ascii_serialization();
            o.replacen("://", &format!("://{userinfo}"), 1)
        }
        _ => url.origin().ascii_serialization(),
    };
    let mut path = url.path().to_string();
    if let Some(q) = url.query() {
        path.push('?');
        path.push_str(q);
    }
    let mut headers = Vec::new();
    for h in &args.headers {
        let (name, value) = h
            .split_once(':')
            .ok_or_else(|| UsageError(format!("-H {h:?}: expected 'Name: value'")))?;
        let name = name.trim();
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic() && b != b':') {
            return Err(UsageError(format!(
                "-H {h:?}: {name:?} is not a valid header name"
            )));
        }
        // A CR or LF would split the header in two (or be refused at send time, too late):
        // a bad value on the command line is a usage error. The value is not echoed: it may
        // be a credential.
        if let Some(c) = value
            .trim()
            .chars()
            .find(|&c| (c.is_ascii_control() && c != '\t') || c == '\u{7f}')
        {
            let what = match c {
                '\r' => "a carriage return (CR)".to_string(),
                '\n' => "a line feed (LF)".to_string(),
                c => format!("the control character U+{:04X}", c as u32),
            };
            return Err(UsageError(format!(
                "-H {name:?}: the value contains {what}, which a header cannot carry\n  hint: a header value is one line of text"
            )));
        }
        headers.push((name.to_string(), literal(value.trim())));
    }
    let method = args
        .method
        .clone()
        .unwrap_or_else(|| "GET".into())
        .to_ascii_uppercase();
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(UsageError(format!("-m {method:?} is not an HTTP method")));
    }
    let model = match (args.rate, args.concurrency) {
        (Some(rate), _) => LoadModel::Open {
            start_rate: rate,
            stages: vec![],
        },
        (None, users) => LoadModel::Closed {
            users: users.unwrap_or(DEFAULT_ADHOC_USERS),
            stages: vec![],
            think_time: None,
        },
    };
    Ok(Scenario {
        flows: Vec::new(),
        data: Vec::new(),
        name: "adhoc".into(),
        description: None,
        target: Target::Url(origin),
        defaults: Defaults::default(),
        requests: vec![RequestSpec {
            name: "adhoc".into(),
            method,
            path: literal(&path),
            query: vec![],
            headers,
            body: args
                .body
                .as_deref()
                .map_or(Body::None, |b| Body::Raw(literal(b))),
            weight: 1,
            timeout: None,
            max_body: None,
            // Ad-hoc mode measures; it asserts nothing beyond "a response came back".
            expect: Expectations {
                status: (100..=599).collect(),
                ..Expectations::default()
            },
            remove_headers: vec![],
        }],
        load: LoadSpec {
            model,
            duration: None,
            requests: None,
            connections: None,
            protocol: Protocol::Http1,
            timeout: None,
            warmup: None,
            drain: None,
        },
        thresholds: vec![],
        checks: ChecksSpec {
            passive: false,
            ..ChecksSpec::default()
        },
        compare: Default::default(),
        secrets: vec![],
        warnings: None,
    })
}

fn literal(text: &str) -> Template {
    Template {
        parts: vec![Part::Lit(text.to_string())],
    }
}

/// `default_timeout` is `[defaults] timeout`: the timeout of every request that sets none, so
/// also the run's when neither `--timeout` nor `[load] timeout` is given (the report states it).
fn resolve_load(
    args: &RunArgs,
    spec: &LoadSpec,
    default_timeout: Option<Duration>,
) -> Result<LoadPlan, UsageError> {
    for (flag, value) in [("--rate", args.rate)] {
        if let Some(v) = value
            && !(v.is_finite() && v > 0.0)
        {
            return Err(UsageError(format!(
                "{flag} must be a positive number of requests per second, got {v}"
            )));
        }
    }
    if args.concurrency == Some(0) {
        return Err(UsageError("--concurrency must be at least 1".into()));
    }
    if args.connections == Some(0) {
        return Err(UsageError("--connections must be at least 1".into()));
    }
    if args.requests == Some(0) {
        return Err(UsageError("--requests must be at least 1".into()));
    }
    if args.threads == Some(0) {
        return Err(UsageError("--threads must be at least 1".into()));
    }
    // The command line replaces the scenario's load model wholesale when it names one.
    let model = match (args.rate, args.concurrency) {
        (Some(rate), _) => LoadModel::Open {
            start_rate: rate,
            stages: vec![],
        },
        (None, Some(users)) => LoadModel::Closed {
            users,
            stages: vec![],
            think_time: None,
        },
        (None, None) => spec.model.clone(),
    };
    let staged = match &model {
        LoadModel::Open { stages, .. } | LoadModel::Closed { stages, .. } => !stages.is_empty(),
    };
    if staged && args.duration.is_some() {
        return Err(UsageError(
            "--duration conflicts with the scenario's [[load.stages]], which define the duration; \
             drop --duration or pass --rate/--concurrency to replace the stages"
                .into(),
        ));
    }
    let max_requests = args.requests.or(spec.requests);
    let explicit_duration = args.duration.or(spec.duration);
    let (mode, duration) = match model {
        LoadModel::Open { start_rate, stages } if stages.is_empty() => {
            let d = explicit_duration.or(if max_requests.is_some() {
                None
            } else {
                Some(DEFAULT_DURATION)
            });
            let schedule = Schedule::constant(start_rate, d);
            (LoadMode::Open(schedule), d.unwrap_or(MAX_DURATION))
        }
        LoadModel::Open { start_rate, stages } => {
            let pieces: Vec<(f64, f64)> = stages
                .iter()
                .map(|s| (s.duration.as_secs_f64(), s.target))
                .collect();
            let total: Duration = stages.iter().map(|s| s.duration).sum();
            (LoadMode::Open(Schedule::ramped(start_rate, &pieces)), total)
        }
        LoadModel::Closed {
            users,
            stages,
            think_time,
        } => {
            if stages.is_empty() {
                let d = explicit_duration
                    .or(if max_requests.is_some() {
                        None
                    } else {
                        Some(DEFAULT_DURATION)
                    })
                    .unwrap_or(MAX_DURATION);
                (
                    LoadMode::Closed {
                        stages: vec![UserStage { until: d, users }],
                        think_time,
                    },
                    d,
                )
            } else {
                let mut until = Duration::ZERO;
                let stages: Vec<UserStage> = stages
                    .iter()
                    .map(|s| {
                        until += s.duration;
                        UserStage {
                            until,
                            users: s.target.round().max(0.0) as u32,
                        }
                    })
                    .collect();
                (LoadMode::Closed { stages, think_time }, until)
            }
        }
    };
    if duration > MAX_DURATION {
        return Err(UsageError(format!(
            "the load phase would last {}, more than the maximum of {}",
            humantime::format_duration(duration),
            humantime::format_duration(MAX_DURATION)
        )));
    }
    let warmup = args.warmup.or(spec.warmup);
    if let Some(w) = warmup
        && w > MAX_WARMUP
    {
        return Err(UsageError(format!(
            "the warm-up would last {}, more than the maximum of {}",
            humantime::format_duration(w),
            humantime::format_duration(MAX_WARMUP)
        )));
    }
    for (flag, value, max) in [
        ("--timeout", args.timeout, MAX_TIMEOUT),
        ("--drain", args.drain, MAX_DRAIN),
    ] {
        if let Some(v) = value
            && v > max
        {
            return Err(UsageError(format!(
                "{flag} {} is more than the maximum of {}: no run lasts more than {}",
                long_duration_text(v),
                long_duration_text(max),
                long_duration_text(MAX_DURATION)
            )));
        }
    }
    let warmup = warmup.map(|d| Warmup::for_load(d, &mode));
    let connections = args
        .connections
        .or(spec.connections)
        .unwrap_or(match &mode {
            LoadMode::Open(_) => DEFAULT_OPEN_CONNECTIONS,
            LoadMode::Closed { .. } => mode.max_users().max(1),
        });
    let protocol = match args.protocol {
        Some(ProtocolArg::Http1) => Protocol::Http1,
        Some(ProtocolArg::Http2) => Protocol::Http2,
        Some(ProtocolArg::H2c) => Protocol::H2c,
        None => spec.protocol,
    };
    Ok(LoadPlan {
        mode,
        duration,
        max_requests,
        connections,
        protocol,
        threads: args.threads.unwrap_or_else(default_threads),
        timeout: args
            .timeout
            .or(spec.timeout)
            .or(default_timeout)
            .unwrap_or(DEFAULT_TIMEOUT),
        drain: args.drain.or(spec.drain).unwrap_or(DRAIN),
        warmup,
    })
}

/// `--start-at`: an RFC 3339 UTC time.
fn parse_start_at(text: &str) -> Result<SystemTime, UsageError> {
    humantime::parse_rfc3339_weak(text.trim()).map_err(|e| {
        UsageError(format!(
            "--start-at {text:?} is not an RFC 3339 UTC time ({e})\n  hint: write it as 2026-12-01T10:00:00Z, e.g. --start-at \"$(date -u -d '+30 seconds' +%Y-%m-%dT%H:%M:%SZ)\""
        ))
    })
}

/// This segment's share of the load: every N-th open-loop arrival, an N-th of the users per
/// stage, of the connections and of the request bound (see [`segment`]). The warm-up is the
/// segmented load's, so N warm-ups together warm at the whole rate.
fn segment_load(mut load: LoadPlan, seg: Segment) -> Result<LoadPlan, UsageError> {
    if seg.is_whole() {
        return Ok(load);
    }
    let split = |mode: LoadMode| match mode {
        LoadMode::Open(s) => LoadMode::Open(s.sliced(seg)),
        LoadMode::Closed { stages, think_time } => LoadMode::Closed {
            stages: stages
                .into_iter()
                .map(|s| UserStage {
                    until: s.until,
                    users: seg.share(u64::from(s.users)) as u32,
                })
                .collect(),
            think_time,
        },
    };
    load.mode = split(load.mode);
    if let Some(w) = load.warmup.take() {
        load.warmup = Some(Warmup {
            duration: w.duration,
            mode: split(w.mode),
        });
    }
    load.connections = (seg.share(u64::from(load.connections)) as u32).max(1);
    if let Some(n) = load.max_requests {
        let mine = seg.share(n);
        if mine == 0 {
            return Err(UsageError(format!(
                "--segment {seg}: a request bound of {n} leaves this segment nothing to send\n  hint: use at most {n} segments, or a larger --requests"
            )));
        }
        load.max_requests = Some(mine);
    }
    if load.mode.max_users() == 0 && matches!(load.mode, LoadMode::Closed { .. }) {
        return Err(UsageError(format!(
            "--segment {seg}: the scenario's users leave this segment none\n  hint: use at most as many segments as users"
        )));
    }
    Ok(load)
}

/// One client thread on small machines: with the target usually on the same two cores, a second
/// client thread mostly adds contention (oha and wrk behave the same way there). Measured on 2
/// vCPUs against nginx (bench/results/2026-11-24-threads.txt): `--threads 2` gave 21% fewer
/// req/s and 19% more CPU per request than `--threads 1`.
fn default_threads() -> usize {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cpus <= 2 { 1 } else { (cpus / 2).min(8) }
}

/// Request headers override default headers of the same name (case-insensitively); the request
/// timeout overrides the default one. `max_body` is resolved here, whole: `--max-body` (someone
/// raising the limit after a "body too large to judge" means every request), then the request's,
/// then `[defaults]`, then [`crate::size::DEFAULT_MAX_BODY`].
fn merge_defaults(r: &RequestSpec, d: &Defaults, max_body: Option<u64>) -> RequestSpec {
    let mut merged = r.clone();
    let mut headers: Vec<(String, Template)> = d
        .headers
        .iter()
        .filter(|(n, _)| !r.headers.iter().any(|(m, _)| m.eq_ignore_ascii_case(n)))
        // `remove_headers`: the request opts out of these defaults.
        .filter(|(n, _)| !r.removes(n))
        .cloned()
        .collect();
    headers.extend(r.headers.iter().cloned());
    merged.headers = headers;
    merged.timeout = r.timeout.or(d.timeout);
    merged.max_body = Some(
        max_body
            .or(r.max_body)
            .or(d.max_body)
            .unwrap_or(crate::size::DEFAULT_MAX_BODY),
    );
    merged
}

#[cfg(test)]
mod tests;
