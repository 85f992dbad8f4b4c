//! The validated scenario: what a scenario file *means*, after parsing and validation.
//!
//! Everything here is already checked: names referenced by thresholds and checks exist, weights
//! are positive, templates are compiled and every `${env.*}` is resolved. Nothing in this module
//! knows about TOML, JSON or source spans; the loader (`scenario::load`) owns those. Precedence
//! against the command line lives in `plan.rs`, not here.

use std::time::Duration;

/// A whole scenario file.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// `name` key, or the file stem when absent. Used in the report folder name.
    pub name: String,
    pub description: Option<String>,
    /// `target`: `"reference"` or an absolute `http://`/`https://` base URL.
    pub target: Target,
    /// `[defaults]`: applied to every request unless the request overrides them.
    pub defaults: Defaults,
    /// `[[requests]]`, in file order, then the steps of every `[[flows]]` entry (named
    /// `FLOW.STEP`, weight 0: only their flow sends them). Never empty; names are unique.
    pub requests: Vec<RequestSpec>,
    /// `[[flows]]`: ordered sequences of requests with captures, picked by the mix beside the
    /// single requests.
    pub flows: Vec<FlowSpec>,
    /// `[[data]]`: the data files `${data.COLUMN}` reads, loaded once at validation.
    pub data: Vec<DataSpec>,
    /// `[load]`.
    pub load: LoadSpec,
    /// `[[thresholds]]`.
    pub thresholds: Vec<Threshold>,
    /// `[checks]`: the conformance checks (implemented by the next issue; parsed now).
    pub checks: ChecksSpec,
    /// `[compare]`: the regression budget against a baseline (empty: the defaults).
    pub compare: crate::scenario::compare::CompareSpec,
    /// Every value that must never reach an output: resolved `${env.*}` values and the values of
    /// variables declared in `[secrets]`. The redactor is built from this list.
    pub secrets: Vec<String>,
    /// Located warnings about a scenario that is valid all the same (e.g. a path whose `..`
    /// segments climb out of the target's base path): `validate` and `run` print them.
    pub warnings: Option<crate::scenario::Diagnostics>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The built-in reference API, started in-process on 127.0.0.1:0.
    Reference,
    /// A base URL such as `http://127.0.0.1:8080/api`; request paths are appended to it.
    Url(String),
    /// `target = "${env.NAME}"` with `NAME` unset: not an error until a run needs the target
    /// (`--target` overrides it; `validate` reports it). `at` is `file:line:col` of the value.
    Unset { var: String, at: String },
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Defaults {
    /// Header name (as written) and value template, in file order.
    pub headers: Vec<(String, Template)>,
    pub timeout: Option<Duration>,
    /// `max_body`: how much of a response body is kept for the expectations that read it.
    pub max_body: Option<u64>,
}

/// One named request of the traffic mix.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestSpec {
    pub name: String,
    /// Upper-case HTTP method (`GET`, `POST`, ...). Any token is accepted.
    pub method: String,
    /// Path template, appended to the target base URL. Starts with `/`.
    pub path: Template,
    /// Query parameters in file order (name, value template).
    pub query: Vec<(String, Template)>,
    /// Headers in file order; merged over `defaults.headers` (request wins, case-insensitively).
    pub headers: Vec<(String, Template)>,
    pub body: Body,
    /// Relative weight in the traffic mix. 0 means "never picked by the mix" (it may still be used
    /// by checks); at least one request has a positive weight.
    pub weight: u32,
    pub timeout: Option<Duration>,
    /// How much of a response body is kept for the expectations that read it (bytes, at most
    /// [`crate::size::MAX_MAX_BODY`]); a longer body is not judged. `None`: the default.
    pub max_body: Option<u64>,
    pub expect: Expectations,
    /// `remove_headers`: default headers (and the target URL's `Authorization`) not sent with
    /// this request, as written (compared case-insensitively).
    pub remove_headers: Vec<String>,
}

impl RequestSpec {
    /// Whether `remove_headers` names `header` (case-insensitively).
    pub fn removes(&self, header: &str) -> bool {
        self.remove_headers
            .iter()
            .any(|h| h.eq_ignore_ascii_case(header))
    }
}

impl RequestSpec {
    /// Every template part the request sends (path, query, headers, body), for questions such
    /// as "which data files does it read" or "does it need a captured value".
    pub fn each_part(&self, f: &mut impl FnMut(&Part)) {
        fn json(j: &JsonTemplate, f: &mut impl FnMut(&Part)) {
            match j {
                JsonTemplate::String(t) => t.parts.iter().for_each(&mut *f),
                JsonTemplate::Array(items) => items.iter().for_each(|i| json(i, f)),
                JsonTemplate::Object(fields) => fields.iter().for_each(|(_, v)| json(v, f)),
                _ => {}
            }
        }
        let templates = std::iter::once(&self.path)
            .chain(self.query.iter().map(|(_, t)| t))
            .chain(self.headers.iter().map(|(_, t)| t));
        for t in templates {
            t.parts.iter().for_each(&mut *f);
        }
        match &self.body {
            Body::None => {}
            Body::Raw(t) => t.parts.iter().for_each(&mut *f),
            Body::Json(j) => json(j, f),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub enum Body {
    #[default]
    None,
    /// `json = { ... }`: serialized as JSON, `Content-Type: application/json` unless set.
    Json(JsonTemplate),
    /// `body = "..."`: sent as-is (after interpolation).
    Raw(Template),
}

/// Per-request expectations. A response that does not meet them is a finding (check
/// `EXPECT-<request name>`), never an abort.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Expectations {
    /// `status = [200, 201]`; empty means "any 2xx or 3xx".
    pub status: Vec<u16>,
    pub headers: Vec<HeaderExpectation>,
    pub json: Vec<JsonExpectation>,
    /// `schema = "order.json"`: the whole body validates against this JSON Schema.
    pub schema: Option<BodySchema>,
}

impl Expectations {
    /// True when every status is accepted and nothing else is asserted (ad-hoc mode).
    pub fn accepts_anything(&self) -> bool {
        self.headers.is_empty()
            && self.json.is_empty()
            && self.schema.is_none()
            && (100..=599).all(|s| self.status.contains(&s))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct HeaderExpectation {
    pub name: String,
    pub rule: HeaderRule,
}

#[derive(Debug, Clone, PartialEq)]
pub enum HeaderRule {
    Present,
    Absent,
    Equals(String),
    /// A regular expression (Rust `regex` syntax), already checked to compile.
    Matches(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct JsonExpectation {
    /// RFC 6901 JSON pointer, e.g. `/data/0/id`.
    pub pointer: String,
    pub rule: JsonRule,
}

/// One rule on the value at a JSON pointer. An entry of `json = [...]` that gives several rules
/// becomes one [`JsonExpectation`] per rule (the bounds `gt`/`ge`/`lt`/`le` are one rule).
#[derive(Debug, Clone, PartialEq)]
pub enum JsonRule {
    Exists,
    Equals(serde_json::Value),
    /// A regular expression (Rust `regex` syntax, unanchored), already checked to compile; the
    /// value must be a string that matches.
    Matches(String),
    Type(JsonType),
    /// The value is a JSON number within every bound given.
    Range(Bounds),
    /// The length of an array (items), a string (characters) or an object (members) is within
    /// every bound given (`len = 3` is `ge = 3, le = 3`).
    Len(Bounds),
    /// The value equals one of these.
    OneOf(Vec<serde_json::Value>),
}

/// `gt`/`ge`/`lt`/`le`: each bound is optional, at least one is given.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Bounds {
    pub gt: Option<f64>,
    pub ge: Option<f64>,
    pub lt: Option<f64>,
    pub le: Option<f64>,
}

impl Bounds {
    pub fn contains(&self, x: f64) -> bool {
        self.gt.is_none_or(|b| x > b)
            && self.ge.is_none_or(|b| x >= b)
            && self.lt.is_none_or(|b| x < b)
            && self.le.is_none_or(|b| x <= b)
    }

    /// `> 0, <= 10`; `= 3` when `ge` and `le` are the same and nothing else is given.
    pub fn describe(&self) -> String {
        if let (None, Some(a), None, Some(b)) = (self.gt, self.ge, self.lt, self.le)
            && a == b
        {
            return format!("= {a}");
        }
        [
            (">", self.gt),
            (">=", self.ge),
            ("<", self.lt),
            ("<=", self.le),
        ]
        .iter()
        .filter_map(|(op, b)| b.map(|b| format!("{op} {b}")))
        .collect::<Vec<_>>()
        .join(", ")
    }
}

/// The JSON types `type = "..."` names. `integer` is a number without a fractional part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonType {
    String,
    Number,
    Integer,
    Boolean,
    Array,
    Object,
    Null,
}

impl JsonType {
    pub const NAMES: &[&str] = &[
        "string", "number", "integer", "boolean", "array", "object", "null",
    ];

    pub fn parse(name: &str) -> Option<JsonType> {
        Some(match name {
            "string" => JsonType::String,
            "number" => JsonType::Number,
            "integer" => JsonType::Integer,
            "boolean" => JsonType::Boolean,
            "array" => JsonType::Array,
            "object" => JsonType::Object,
            "null" => JsonType::Null,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            JsonType::String => "string",
            JsonType::Number => "number",
            JsonType::Integer => "integer",
            JsonType::Boolean => "boolean",
            JsonType::Array => "array",
            JsonType::Object => "object",
            JsonType::Null => "null",
        }
    }

    /// The type of `v` as `type` names it (`integer` for a number without a fraction).
    pub fn of(v: &serde_json::Value) -> JsonType {
        use serde_json::Value as V;
        match v {
            V::String(_) => JsonType::String,
            V::Number(n) if n.is_i64() || n.is_u64() => JsonType::Integer,
            V::Number(n) if n.as_f64().is_some_and(|x| x.fract() == 0.0) => JsonType::Integer,
            V::Number(_) => JsonType::Number,
            V::Bool(_) => JsonType::Boolean,
            V::Array(_) => JsonType::Array,
            V::Object(_) => JsonType::Object,
            V::Null => JsonType::Null,
        }
    }

    /// Whether `v` is of this type (an integer is also a number).
    pub fn admits(self, v: &serde_json::Value) -> bool {
        let actual = JsonType::of(v);
        actual == self || (self == JsonType::Number && actual == JsonType::Integer)
    }
}

/// A JSON Schema file for `[requests.expect] schema`, read and compiled when the scenario is
/// loaded. Two are equal when they name the same file.
#[derive(Clone)]
pub struct BodySchema {
    /// As written in the scenario.
    pub path: String,
    pub validator: std::sync::Arc<jsonschema::Validator>,
}

impl PartialEq for BodySchema {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path
    }
}

impl std::fmt::Debug for BodySchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BodySchema({:?})", self.path)
    }
}

/// A string with `${...}` placeholders, compiled once at load time.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Template {
    pub parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// Literal text, including values of `[vars]` (which are per-run constants).
    Lit(String),
    /// The resolved value of `${env.NAME}` or of a `[secrets]` variable: sent, never reported.
    Secret(String),
    /// `${uuid}`: a fresh random (v4) UUID per request.
    Uuid,
    /// `${seq}`: a per-run sequence number, 0, 1, 2, ... shared by all workers.
    Seq,
    /// `${rand.int(LO, HI)}`: a uniform random integer in `LO..=HI`.
    RandInt { lo: i64, hi: i64 },
    /// `${flow.NAME}`: a value captured by an earlier step of the same flow; `slot` indexes the
    /// flow's variables ([`FlowSpec::vars`]).
    Flow { slot: usize },
    /// `${data.COLUMN}`: a cell of the row drawn from feeder `feeder` (index into
    /// [`Scenario::data`]) for this request or flow iteration.
    Data { feeder: usize, column: usize },
}

/// A JSON body whose strings are templates. A string that is exactly one `${seq}` or
/// `${rand.int(..)}` placeholder renders as a JSON number.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonTemplate {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(Template),
    Array(Vec<JsonTemplate>),
    Object(Vec<(String, JsonTemplate)>),
}

/// `[[flows]]`: an ordered sequence of requests one virtual user (closed loop) or one arrival
/// (open loop) sends in turn, each step able to use what earlier steps captured.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowSpec {
    pub name: String,
    /// Relative weight in the traffic mix, beside the single requests' weights.
    pub weight: u32,
    /// Its steps, in order.
    pub steps: Vec<StepSpec>,
    /// The names of the variables its steps capture; `Part::Flow { slot }` indexes this.
    pub vars: Vec<String>,
}

/// One step of a flow: a request of [`Scenario::requests`] (by index) and what it captures.
#[derive(Debug, Clone, PartialEq)]
pub struct StepSpec {
    /// The step's own name (the request is named `FLOW.STEP`).
    pub name: String,
    pub request: usize,
    pub captures: Vec<Capture>,
}

/// `capture.NAME = { json = "/id" }`: a value taken from a step's response into a variable.
#[derive(Debug, Clone, PartialEq)]
pub struct Capture {
    pub var: String,
    /// Index into the flow's [`FlowSpec::vars`].
    pub slot: usize,
    pub from: CaptureFrom,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CaptureFrom {
    /// A JSON pointer into the response body.
    Json(String),
    /// A response header (its first value).
    Header(String),
    /// The response status code.
    Status,
}

/// `[[data]]`: a CSV or JSON Lines file, read once, whose rows feed `${data.COLUMN}`.
#[derive(Debug, Clone, PartialEq)]
pub struct DataSpec {
    pub name: String,
    /// The file as written in the scenario (relative to the scenario file).
    pub file: String,
    pub order: DataOrder,
    pub table: std::sync::Arc<crate::scenario::data::Table>,
}

/// In which order a feeder hands out its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataOrder {
    /// Row 0, 1, 2, ... shared by every worker, starting over after the last.
    Sequential,
    /// A uniformly random row each time.
    Random,
    /// Each row at most once in the run; when they are used up the run stops sending.
    Unique,
}

impl DataOrder {
    pub fn as_str(self) -> &'static str {
        match self {
            DataOrder::Sequential => "sequential",
            DataOrder::Random => "random",
            DataOrder::Unique => "unique",
        }
    }
}

/// `[load]`.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadSpec {
    pub model: LoadModel,
    /// `duration = "30s"`: how long the load phase lasts. With stages it is their sum.
    pub duration: Option<Duration>,
    /// `requests = 10000`: stop after this many requests (whichever comes first with duration).
    pub requests: Option<u64>,
    /// `connections = 50`.
    pub connections: Option<u32>,
    pub protocol: Protocol,
    /// Default per-request timeout for the load phase.
    pub timeout: Option<Duration>,
    /// `warmup = "5s"`: traffic before the load phase whose results are not measured.
    pub warmup: Option<Duration>,
    /// `drain = "5s"`: how long requests still in flight at the end may take to finish.
    pub drain: Option<Duration>,
}

/// No request timeout may exceed the run's own bound (no run lasts more than 24 h): a longer
/// one could only ever be cut, and would hide a run that is meant to end.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 3600);
/// The drain after the load phase is a grace period, not a second phase.
pub const MAX_DRAIN: Duration = Duration::from_secs(3600);
pub(crate) const TIMEOUT_HINT: &str =
    "no run lasts more than 24 h, so no request may wait longer than that";
pub(crate) const DRAIN_HINT: &str =
    "the drain is a grace period for requests in flight at the end; a few seconds is typical";

/// A long duration as people write it: whole hours as `1000h` (humantime would say
/// `1month 11days 5h 26m 24s`), anything else as humantime does.
pub fn long_duration_text(d: Duration) -> String {
    if d.subsec_nanos() == 0 && d.as_secs() % 3600 == 0 && d.as_secs() > 0 {
        format!("{}h", d.as_secs() / 3600)
    } else {
        humantime::format_duration(d).to_string()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum LoadModel {
    /// Open loop: arrivals follow a schedule independent of responses.
    /// `rate = R` becomes `start_rate = R` and no stages (constant).
    /// With stages, the rate ramps linearly from the previous stage's end rate (the first from
    /// `start_rate`, default 0) to the stage's `rate` over its `duration`.
    Open { start_rate: f64, stages: Vec<Stage> },
    /// Closed loop: `users` concurrent users, each sends, waits for the response, thinks, repeats.
    /// With stages, the user count steps to each stage's `users` for its `duration`.
    Closed {
        users: u32,
        stages: Vec<Stage>,
        think_time: Option<Duration>,
    },
}

/// One stage of a load model. `target` is a rate (req/s) for open loop, a user count for closed.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    pub duration: Duration,
    pub target: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// HTTP/1.1 with keep-alive (default).
    #[default]
    Http1,
    /// HTTP/2 over TLS (ALPN); for `http://` targets this is the same as `H2c`.
    Http2,
    /// HTTP/2 over cleartext with prior knowledge.
    H2c,
}

/// `[[thresholds]]`: a latency, error-rate or throughput bound. A breach exits 5.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    pub metric: Metric,
    /// Restrict to one request name (validated to exist); `None` means the whole run.
    pub request: Option<String>,
    pub bound: Bound,
    /// Where the threshold was written (a default is one nobody wrote).
    pub source: ThresholdSource,
}

/// Where a threshold comes from; a command-line bound replaces the scenario's on the same
/// metric and scope, and either replaces a default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThresholdSource {
    Scenario,
    CommandLine,
    /// Applied to every run unless overridden: `not_sent_rate <= 0.1` in open loop, and
    /// `error_rate <= 0.5` for an ad-hoc `--url` run.
    Default,
}

impl ThresholdSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ThresholdSource::Scenario => "scenario",
            ThresholdSource::CommandLine => "command_line",
            ThresholdSource::Default => "default",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Metric {
    /// A latency percentile, 0 < p < 100 (p50, p90, p95, p99, p99.9 ...).
    Percentile(f64),
    Max,
    Mean,
    /// Fraction of requests that were request errors or failed expectations, 0..=1.
    ErrorRate,
    /// Open loop: fraction of due requests never sent (the backlog at the end), 0..=1.
    NotSentRate,
    /// Achieved requests per second.
    Rps,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// The metric must be at most this (latency metrics: a duration; error rate: a fraction).
    MaxLatency(Duration),
    MaxValue(f64),
    /// The metric must be at least this (throughput).
    MinValue(f64),
}

/// `[checks]`: conformance checks. Each family is `None` when its table is absent.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChecksSpec {
    /// `fail_on = "warn"` makes warnings fail the run too (default: only failures).
    pub fail_on_warn: bool,
    /// `passive = false` turns off the checks that look at every response of the load phase.
    pub passive: bool,
    pub idempotency: Option<IdempotencySpec>,
    pub rate_limit: Option<RateLimitSpec>,
    pub pagination: Option<PaginationSpec>,
    pub error_format: Option<ErrorFormatSpec>,
    /// Waived checks: `skip = ["ERR-06", "RL-*"]`, and `--skip-check` appended by `run`. A
    /// waived check is reported `skip`; a family waived whole does not run at all.
    pub skip: Vec<Waiver>,
}

/// One waived check ID (`"ERR-06"`) or family (`"RL-*"`), and who waived it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiver {
    pub pattern: String,
    pub by: WaivedBy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaivedBy {
    /// `[checks] skip = [...]`.
    Scenario,
    /// `loadproof run --skip-check ID`.
    CommandLine,
}

impl Waiver {
    /// Whether it waives `id`: the same ID, or `FAM-*` and an ID of family `FAM`.
    pub fn matches(&self, id: &str) -> bool {
        match self.pattern.strip_suffix('*') {
            Some(prefix) => id.starts_with(prefix),
            None => self.pattern == id,
        }
    }

    /// The message of a waived check's `skip` verdict.
    pub fn reason(&self) -> &'static str {
        match self.by {
            WaivedBy::Scenario => "waived by the scenario",
            WaivedBy::CommandLine => "waived by --skip-check",
        }
    }

    /// Check `pattern` against a catalog of `(prefix, ids)`: `Ok` for a known ID or `FAM-*` of a
    /// known prefix, else the error and a hint (with "did you mean" when one is close).
    pub fn check(pattern: &str, catalog: &[(&str, &[&str])]) -> Result<(), (String, String)> {
        let ids = catalog.iter().flat_map(|(_, ids)| ids.iter().copied());
        let families = catalog.iter().map(|(p, _)| format!("{p}-*"));
        let known: Vec<String> = ids.map(str::to_string).chain(families).collect();
        if known.iter().any(|k| k == pattern) {
            return Ok(());
        }
        let message = format!("unknown check `{pattern}`");
        let hint = match super::validate::suggest(pattern, known.iter().map(String::as_str)) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!(
                "name a check ID such as `{}` or a whole family such as `{}-*` (families: {})",
                catalog
                    .first()
                    .and_then(|(_, ids)| ids.first())
                    .unwrap_or(&"ERR-06"),
                catalog.first().map(|(p, _)| *p).unwrap_or("RL"),
                catalog
                    .iter()
                    .map(|(p, _)| format!("{p}-*"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        Err((message, hint))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct IdempotencySpec {
    /// The request (by name) that creates a resource, e.g. `create_order`.
    pub request: String,
    /// Header name, default `Idempotency-Key`.
    pub header: String,
    /// `profile = "ietf" | "stripe"`.
    pub profile: IdemProfile,
    /// Number of racing clients for IDEM-05/06 (default 20).
    pub concurrency: u32,
    /// Whether the API requires the key (enables IDEM-04).
    pub required: bool,
    /// JSON pointer to the created resource's id in the response body (default `/id`).
    pub id_pointer: String,
    pub oracle: Oracle,
    /// A request (by name) whose body differs from `request`'s, for IDEM-03/06. Optional.
    pub mismatch_request: Option<String>,
    /// A request (by name) whose send makes the API fail *after* it began executing (the same
    /// create with whatever the API offers to inject that failure), for IDEM-02. Optional.
    pub error_request: Option<String>,
    /// Header name and value template of a second client's credential, for IDEM-07. Optional.
    pub second_credential: Option<(String, Template)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdemProfile {
    Ietf,
    Stripe,
}

/// How the idempotency checks count side effects.
#[derive(Debug, Clone, PartialEq)]
pub enum Oracle {
    /// GET the created resource at this path template, where `{id}` is the created id.
    Get { path: String },
    /// Count items with this request (by name) before and after; `pointer` to a count, or to an
    /// array whose length is the count.
    Count { request: String, pointer: String },
    /// A user-given probe request (by name) whose JSON at `pointer` is compared before/after.
    Probe { request: String, pointer: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct RateLimitSpec {
    /// The request (by name) used to drive the limiter.
    pub request: String,
    /// Relative tolerance for RL-06 (default 0.1).
    pub tolerance: f64,
    /// Run RL-06 (open loop at 0.5x, 1x, 2x the advertised quota). Default true.
    pub honesty: bool,
    /// Optional second credential for RL-09: header name and value template.
    pub partition: Option<(String, Template)>,
    /// Quota per window the scenario declares, used when the target advertises none.
    pub quota: Option<u64>,
    /// Window the scenario declares, used when the target advertises none.
    pub window: Option<Duration>,
    /// Time budget of the family's waits (RL-06 long windows, RL-07, RL-10). Default 3 min.
    pub max_wait: Duration,
    /// RL-10 fails when more than `max_burst` × quota is accepted in a window-long interval.
    pub max_burst: Option<f64>,
    /// Run RL-10 (the limiter's algorithm). Default true.
    pub algorithm: bool,
}

/// Default `max_wait`: long enough for a 60 s window to be exhausted fresh and watched refill.
pub const DEFAULT_RL_MAX_WAIT: Duration = Duration::from_secs(180);

#[derive(Debug, Clone, PartialEq)]
pub struct PaginationSpec {
    /// The listing request (by name).
    pub request: String,
    pub style: PageStyle,
    /// JSON pointer to the item array (default `/data`); `""` is the body itself (a bare array).
    pub items: String,
    /// Field of each item holding its id (JSON pointer relative to the item, default `/id`).
    pub id: String,
    /// Optional sort key (JSON pointer relative to the item) for the order invariant.
    pub sort_key: Option<String>,
    /// Query parameter that sets the page size (default `limit`) and the size to use.
    pub limit_param: String,
    /// Query parameter holding the page number of the `page` style (default `page`).
    pub page_param: String,
    /// Query parameter holding the offset of the `offset` style (default `offset`).
    pub offset_param: String,
    /// The number of the first page: 0 or 1 (default 1).
    pub first_page: u32,
    /// Optional JSON pointer to a total-count member of the body (`/count`, `/meta/total`);
    /// without it, `X-Total-Count`, a top-level `total`/`count`/`total_count`/`totalCount`
    /// and a `Link rel="last"` page number are looked for.
    pub total: Option<String>,
    pub page_size: u32,
    /// Give up after this many pages (default 1000).
    pub max_pages: u32,
    /// PAGE-03: walkers and writers, and the requests (by name) the writers use.
    pub walkers: u32,
    pub writers: u32,
    pub insert_request: Option<String>,
    pub delete_request: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageStyle {
    Auto,
    Link,
    BodyNext,
    Cursor,
    Stripe,
    Offset,
    Page,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ErrorFormatSpec {
    pub profile: ErrorProfile,
    /// Path of a JSON Schema file for `profile = "schema"` (relative to the scenario file).
    pub schema: Option<String>,
    /// Header names that carry a request id (default: X-Request-Id, Request-Id, X-Correlation-Id).
    pub request_id_headers: Vec<String>,
    /// Declared error probes.
    pub probes: Vec<ErrorProbe>,
    /// `request_id_on`: which responses must carry a request id (ERR-06).
    pub request_id_on: RequestIdScope,
    /// `echo_request_id = true`: an inbound request id must come back unchanged (ERR-06 fails
    /// otherwise; by default a different id back is only a warning).
    pub echo_request_id: bool,
}

/// Which responses ERR-06 expects a request id on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RequestIdScope {
    /// Error responses (4xx/5xx), where a client needs the id to report a problem.
    #[default]
    Errors,
    /// Every response.
    EveryResponse,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorProfile {
    ProblemJson,
    Google,
    Stripe,
    JsonApi,
    Schema,
}

/// A declared error probe: a request (by name) and the status(es) it must get.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorProbe {
    pub request: String,
    pub status: Vec<u16>,
}
