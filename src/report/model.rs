//! The one `Report` value: everything a run found, in the shape of `report.json`.
//!
//! Every writer renders this value and nothing else, so the text summary, the CSV and the JSON can
//! never disagree. The JSON shape is a versioned contract, described by
//! `schema/report.schema.json` and `docs/report-format.md`; bump `SCHEMA_VERSION` on any change
//! (minor for additions, major for anything that breaks a reader).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::engine::stats::OpenLoopCounts;
use crate::metrics::LatencySummary;
use crate::metrics::series::SeriesPoint;
pub use crate::signals::Phase;

pub const SCHEMA_VERSION: &str = "1.1.0";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: String,
    pub tool: Tool,
    pub scenario: ScenarioInfo,
    pub started_at: String,
    pub finished_at: String,
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
    pub status_codes: BTreeMap<String, u64>,
    pub status_classes: Vec<StatusClass>,
    pub errors_by_kind: BTreeMap<String, u64>,
    pub error_samples: Vec<ErrorSample>,
    pub requests: Vec<RequestReport>,
    pub series: Vec<SeriesPoint>,
    pub checks: Vec<CheckResult>,
    pub thresholds: Vec<ThresholdResult>,
    pub histograms: Histograms,
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
    pub rps: f64,
    pub elapsed_s: f64,
    pub bytes_received: u64,
    pub bodies_truncated: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenLoop {
    #[serde(flatten)]
    pub counts: OpenLoopCounts,
    /// A send later than this after its due time counts as late.
    pub late_after_ms: f64,
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Pass,
    Warn,
    Fail,
    Skip,
    /// The check could not gather its evidence (the reason is in the message).
    Error,
}

impl CheckStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Pass => "pass",
            CheckStatus::Warn => "warn",
            CheckStatus::Fail => "fail",
            CheckStatus::Skip => "skip",
            CheckStatus::Error => "error",
        }
    }
}

/// One check verdict. Identical findings are grouped: `count` says how many times it was seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    pub id: String,
    pub status: CheckStatus,
    /// One line: what was expected and what was seen.
    pub message: String,
    pub count: u64,
    pub evidence: Vec<Evidence>,
}

/// A request/response pair (bodies truncated, secrets redacted) and how to reproduce it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Evidence {
    pub method: Option<String>,
    pub url: Option<String>,
    pub status: Option<u16>,
    pub request_headers: BTreeMap<String, String>,
    pub request_body: Option<String>,
    pub response_headers: BTreeMap<String, String>,
    pub response_body: Option<String>,
    pub curl: Option<String>,
    pub note: Option<String>,
    /// For concurrent checks: when this request was sent, got its first byte and finished.
    pub timeline: Option<Timeline>,
    /// The scenario request that produced it, for evidence from the load phase (its `curl`
    /// is rebuilt from the scenario). Added in 1.1.0.
    #[serde(default)]
    pub request: Option<String>,
}

/// Milliseconds from the check's origin (a race's release, or the check's start).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Timeline {
    pub sent_ms: f64,
    pub first_byte_ms: Option<f64>,
    pub done_ms: f64,
    /// Which connection (client) carried the request.
    pub connection: usize,
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
