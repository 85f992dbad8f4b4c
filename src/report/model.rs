//! The one `Report` value: everything a run found, in the shape of `report.json`.
//!
//! Every writer renders this value and nothing else, so the text summary, the CSV and the JSON can
//! never disagree. The JSON shape is a versioned contract, described by
//! `schema/report.schema.json` and `docs/report-format.md`; bump `SCHEMA_VERSION` on any change
//! (minor for additions, major for anything that breaks a reader).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::metrics::LatencySummary;
pub use crate::metrics::OpenLoopCounts;
use crate::metrics::series::SeriesPoint;
pub use crate::signals::Phase;
// The verdict vocabulary lives below both checks and report (see `crate::verdict`).
pub use crate::verdict::{CheckResult, CheckStatus, Evidence, Timeline};

pub const SCHEMA_VERSION: &str = "1.7.0";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: String,
    pub tool: Tool,
    pub scenario: ScenarioInfo,
    pub started_at: String,
    pub finished_at: String,
    /// `--start-at`: when the run was planned to begin (`started_at` is when its load phase
    /// did). Added in 1.7.0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned_start_at: Option<String>,
    /// `--segment I/N`: this report is segment `index` of `count`, for `loadproof merge`.
    /// Added in 1.7.0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<SegmentInfo>,
    pub outcome: Outcome,
    /// One line saying why the outcome is not `pass` (which check, which threshold, what was
    /// missing); `None` for a pass. Added in 1.1.0.
    pub outcome_reason: Option<String>,
    pub exit_code: i32,
    pub interrupted: bool,
    /// The phase a stop arrived in: `warmup`, `load`, `checks` or `report`. Added in 1.1.0.
    pub interrupted_phase: Option<Phase>,
    pub load: LoadInfo,
    /// What the warm-up sent (counts only: nothing from it is in any other figure). Added in
    /// 1.1.0.
    pub warmup: Option<WarmupReport>,
    pub totals: Totals,
    pub latency_ms: LatencySummary,
    /// Present for open-loop runs only (LOAD-01).
    pub open_loop: Option<OpenLoop>,
    /// Closed-loop runs only: back-offs from a target refusing connections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff: Option<BackoffReport>,
    pub status_codes: BTreeMap<String, u64>,
    pub status_classes: Vec<StatusClass>,
    pub errors_by_kind: BTreeMap<String, u64>,
    pub error_samples: Vec<ErrorSample>,
    pub requests: Vec<RequestReport>,
    /// `[[flows]]`: iterations started, completed, cut and ended early (by step and reason).
    /// Their steps' figures are in `requests` (as `FLOW.STEP`). Added in 1.5.0.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flows: Vec<super::flows::FlowReport>,
    /// `[[data]]`: rows per data file, how many the run used, and whether a unique one ran
    /// out. Added in 1.5.0.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data: Vec<super::flows::DataReport>,
    pub series: Vec<SeriesPoint>,
    pub checks: Vec<CheckResult>,
    pub thresholds: Vec<ThresholdResult>,
    pub histograms: Histograms,
}

/// `--segment I/N` of a report; a merged report lists the segments it joined.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentInfo {
    pub index: u32,
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioInfo {
    pub name: String,
    pub file: Option<String>,
    /// The base URL the run used (redacted).
    pub target: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    CheckFailed,
    ThresholdBreached,
    Interrupted,
    /// Nothing contradicted the scenario, but the run could not show that it holds either: no
    /// request got a response, or a check could not gather its evidence (`error`). Added in 1.1.0.
    Inconclusive,
}

impl Outcome {
    pub fn exit_code(self) -> i32 {
        match self {
            Outcome::Pass => 0,
            Outcome::Interrupted | Outcome::Inconclusive => 3,
            Outcome::CheckFailed => 4,
            Outcome::ThresholdBreached => 5,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::CheckFailed => "check_failed",
            Outcome::ThresholdBreached => "threshold_breached",
            Outcome::Interrupted => "interrupted",
            Outcome::Inconclusive => "inconclusive",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadInfo {
    pub mode: String,
    pub protocol: String,
    pub connections: u32,
    pub threads: usize,
    /// The planned length of the load phase in seconds.
    pub planned_duration_s: f64,
    pub max_requests: Option<u64>,
    /// Open loop: the rate at the start (constant runs: the rate).
    pub rate: Option<f64>,
    /// Closed loop: the largest user count.
    pub users: Option<u32>,
    pub timeout_s: f64,
    /// Open loop: the schedule's stages after `rate` (the start), each ramping linearly to its
    /// rate over its duration; a constant run is one stage (`duration_s` null when bounded only
    /// by a request count). Added in 1.4.0.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stages: Vec<RateStage>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RateStage {
    pub duration_s: Option<f64>,
    pub rate: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WarmupReport {
    /// The planned length of the warm-up.
    pub duration_s: f64,
    pub requests: u64,
    pub responses: u64,
    pub request_errors: u64,
    pub errors_by_kind: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    /// Requests sent or attempted.
    pub requests: u64,
    pub responses: u64,
    /// `request_errors + failed_expectations`.
    pub errors: u64,
    pub request_errors: u64,
    pub failed_expectations: u64,
    pub error_rate: f64,
    /// `requests / load_phase_s`.
    pub rps: f64,
    /// Wall time from the start of the load phase to its last completion.
    pub elapsed_s: f64,
    pub bytes_received: u64,
    pub bodies_truncated: u64,
    /// The load phase's length, the divisor of every `rps`: the planned duration, the time until
    /// a stop, or (bounded by a request count) the time until the last response. Added in
    /// 1.2.0 (older reports read 0).
    #[serde(default)]
    pub load_phase_s: f64,
    /// Bodies the expectations needed that were longer than `max_body`: kept only up to it, and
    /// those expectations not judged.
    #[serde(default)]
    pub kept_bodies_truncated: u64,
}

/// How often closed-loop users waited after a failed connect, and for how long in all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackoffReport {
    pub count: u64,
    pub total_s: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenLoop {
    #[serde(flatten)]
    pub counts: OpenLoopCounts,
    /// A send later than this after its due time counts as late.
    pub late_after_ms: f64,
    /// Actual send − due time over the requests sent: loadproof's own timing precision, which
    /// every open-loop latency includes. A p50 of tens of microseconds is a precise run; a p99
    /// near `late_after_ms` means the client, not the target, was the bottleneck.
    #[serde(default)]
    pub send_delay_ms: LatencySummary,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusClass {
    pub class: String,
    pub count: u64,
    pub latency_ms: LatencySummary,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorSample {
    pub request: String,
    pub kind: String,
    pub method: String,
    pub url: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestReport {
    pub name: String,
    pub method: String,
    pub requests: u64,
    pub responses: u64,
    pub errors: u64,
    pub request_errors: u64,
    pub failed_expectations: u64,
    pub rps: f64,
    pub latency_ms: LatencySummary,
    pub status_codes: BTreeMap<String, u64>,
    pub errors_by_kind: BTreeMap<String, u64>,
    /// Bodies the expectations needed that were longer than `max_body`.
    #[serde(default)]
    pub kept_bodies_truncated: u64,
    /// Responses whose expectations could not be judged (body too large to judge).
    #[serde(default)]
    pub unjudged_expectations: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThresholdResult {
    /// `p99`, `max`, `mean`, `error_rate`, `rps`.
    pub metric: String,
    pub request: Option<String>,
    /// `<=` or `>=`.
    pub op: String,
    pub limit: f64,
    pub actual: f64,
    /// `ms` for latency metrics, `ratio` for error rate, `req/s` for throughput.
    pub unit: String,
    pub passed: bool,
    /// Why a threshold could not be judged on data (no responses to measure a latency on); such
    /// a threshold is never `passed`. Added in 1.1.0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// `scenario`, `command_line` or `default` (a bound applied to every run unless
    /// overridden). Added in 1.3.0.
    #[serde(default = "scenario_source")]
    pub source: String,
}

fn scenario_source() -> String {
    "scenario".into()
}

impl ThresholdResult {
    /// `p99 <= 500.00 ms`: the bound, as every writer shows it.
    pub fn bound(&self) -> String {
        format!(
            "{} {} {:.2} {}",
            self.metric, self.op, self.limit, self.unit
        )
    }

    /// `actual 21.09 ms`, or why there is no figure to show (then it was not met).
    pub fn measured(&self) -> String {
        match &self.note {
            Some(note) => note.clone(),
            None => format!("actual {:.2} {}", self.actual, self.unit),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Histograms {
    /// Always `hdr-v2-deflate-base64`.
    pub encoding: String,
    /// Always `us` (microseconds).
    pub unit: String,
    pub overall: String,
    pub requests: BTreeMap<String, String>,
}
