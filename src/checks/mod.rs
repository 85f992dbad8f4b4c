//! Conformance checks (see `docs/checks.md` and the catalog the IDs come from).
//!
//! Two kinds, one shape per family file (`idempotency`, `rate_limit`, `pagination`,
//! `error_format`):
//! - **passive** checks see every response of the load phase through [`PassiveSet::observe`]. They
//!   run on the hot path, so they keep counters and a capped sample, never a list of responses;
//!   each worker thread has its own `PassiveSet`, merged after the run;
//! - **active** checks run after the load phase (`run_active`): they send their own probes (races
//!   on separate connections, pagination walks under concurrent writes, rate-limit drives) and
//!   judge them with pure decision functions that unit tests call without a network.
//!
//! Findings are data: every outcome is a [`CheckResult`]; a check that could not gather its
//! evidence is `skip` or `error` with the reason, never `pass`.

pub mod error_format;
pub mod idempotency;
pub mod pagination;
pub mod probe;
pub mod rate_limit;

use std::time::Duration;

use reqwest::header::HeaderMap;
use tokio::sync::watch;

use crate::plan::RunPlan;
use crate::redact::Redactor;
use crate::report::model::{CheckResult, CheckStatus, Evidence};
use crate::scenario::{ChecksSpec, Protocol, RequestSpec};

pub fn verdict(
    id: &str,
    status: CheckStatus,
    message: impl Into<String>,
    evidence: Vec<Evidence>,
) -> CheckResult {
    CheckResult {
        id: id.to_string(),
        status,
        message: message.into(),
        count: 1,
        evidence,
    }
}

pub fn pass(id: &str, message: impl Into<String>) -> CheckResult {
    verdict(id, CheckStatus::Pass, message, vec![])
}

pub fn fail(id: &str, message: impl Into<String>, evidence: Vec<Evidence>) -> CheckResult {
    verdict(id, CheckStatus::Fail, message, evidence)
}

pub fn warn(id: &str, message: impl Into<String>, evidence: Vec<Evidence>) -> CheckResult {
    verdict(id, CheckStatus::Warn, message, evidence)
}

pub fn skip(id: &str, reason: impl Into<String>) -> CheckResult {
    verdict(id, CheckStatus::Skip, reason, vec![])
}

pub fn error(id: &str, reason: impl Into<String>) -> CheckResult {
    verdict(id, CheckStatus::Error, reason, vec![])
}

/// Everything an active check needs to talk to the target.
pub struct CheckCtx<'a> {
    pub base_url: &'a str,
    /// The scenario's requests, `[defaults]` merged in.
    pub requests: &'a [RequestSpec],
    pub redactor: &'a Redactor,
    pub protocol: Protocol,
    pub insecure: bool,
    pub timeout: Duration,
    /// The scenario's error format, when it declares one: families other than ERR-* judge
    /// error bodies against it instead of assuming problem+json.
    pub error_format: Option<&'a crate::scenario::ErrorFormatSpec>,
}

impl<'a> CheckCtx<'a> {
    pub fn from_plan(plan: &'a RunPlan, base_url: &'a str) -> Self {
        CheckCtx {
            base_url,
            requests: &plan.requests,
            redactor: &plan.redactor,
            protocol: plan.load.protocol,
            insecure: plan.insecure,
            timeout: plan.load.timeout,
            error_format: plan.checks.error_format.as_ref(),
        }
    }

    /// A request by name. Names in `[checks]` were validated by the loader, so `None` only
    /// happens for hand-built plans.
    pub fn request(&self, name: &str) -> Option<&'a RequestSpec> {
        self.requests.iter().find(|r| r.name == name)
    }

    /// A fresh client: its own connection pool, so clients made here never share a connection.
    pub fn client(&self) -> Result<reqwest::Client, String> {
        crate::engine::client::build(
            self.protocol,
            self.insecure,
            self.base_url.starts_with("https:"),
        )
        .map_err(|e| format!("cannot build an HTTP client: {e}"))
    }
}

/// Run every configured active check family, in catalog order. `passive` is the load phase's
/// merged passive state: the families with a passive part (rate limit, error format) feed their
/// own probes' responses into it, so each of their IDs is judged over both and reported once, by
/// [`PassiveSet::verdicts`]. A stop request (Ctrl-C) abandons what is left: those families report
/// `skip` with the reason, and nothing measured is lost.
pub async fn run_active(
    plan: &RunPlan,
    base_url: &str,
    mut stop: watch::Receiver<bool>,
    passive: &mut PassiveSet,
) -> Vec<CheckResult> {
    let ctx = CheckCtx::from_plan(plan, base_url);
    let spec = &plan.checks;
    // With passive checks off there is no collector yet; the probes still need one.
    if let Some(s) = &spec.rate_limit {
        passive
            .rate_limit
            .get_or_insert_with(|| rate_limit::Passive::new(s));
    }
    if let Some(s) = &spec.error_format {
        passive
            .error_format
            .get_or_insert_with(|| error_format::Passive::new(s));
    }
    let mut out = Vec::new();
    macro_rules! family {
        ($spec:expr, $prefix:literal, $s:ident => $run:expr) => {
            if let Some($s) = $spec {
                if *stop.borrow() {
                    out.push(skip(concat!($prefix, "-*"), "not run: the run was interrupted"));
                } else {
                    tokio::select! {
                        r = $run => out.extend(r),
                        _ = stop.wait_for(|v| *v) => {
                            out.push(skip(concat!($prefix, "-*"), "abandoned: the run was interrupted"));
                        }
                    }
                }
            }
        };
    }
    family!(&spec.idempotency, "IDEM", s => idempotency::run(&ctx, s));
    if let Some(collector) = passive.rate_limit.as_mut() {
        family!(&spec.rate_limit, "RL", s => rate_limit::run(&ctx, s, collector));
    }
    family!(&spec.pagination, "PAGE", s => pagination::run(&ctx, s));
    if let Some(collector) = passive.error_format.as_mut() {
        family!(&spec.error_format, "ERR", s => error_format::run(&ctx, s, collector));
    }
    out
}

/// One response of the load phase, as the passive checks see it.
pub struct Observation<'a> {
    /// The scenario's request name.
    pub request: &'a str,
    pub method: &'a str,
    pub url: &'a str,
    pub status: u16,
    pub headers: &'a HeaderMap,
    /// Present when [`PassiveSet::wants_body`] asked for it (capped at [`PASSIVE_BODY_CAP`]).
    pub body: Option<&'a [u8]>,
    /// When the request was sent, since the start of the load phase.
    pub at: Duration,
}

/// Passive checks keep at most this much of a body they asked for.
pub const PASSIVE_BODY_CAP: usize = 64 * 1024;

/// The passive checks of one worker thread.
#[derive(Debug, Default)]
pub struct PassiveSet {
    pub rate_limit: Option<rate_limit::Passive>,
    pub error_format: Option<error_format::Passive>,
}

impl PassiveSet {
    pub fn new(spec: &ChecksSpec) -> PassiveSet {
        if !spec.passive {
            return PassiveSet::default();
        }
        PassiveSet {
            rate_limit: spec.rate_limit.as_ref().map(rate_limit::Passive::new),
            error_format: spec.error_format.as_ref().map(error_format::Passive::new),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.rate_limit.is_none() && self.error_format.is_none()
    }

    /// Whether the body of a response with this status must be kept for the passive checks.
    pub fn wants_body(&self, status: u16) -> bool {
        self.error_format
            .as_ref()
            .is_some_and(|e| e.wants_body(status))
    }

    pub fn observe(&mut self, o: &Observation<'_>) {
        if let Some(r) = &mut self.rate_limit {
            r.observe(o);
        }
        if let Some(e) = &mut self.error_format {
            e.observe(o);
        }
    }

    pub fn merge(&mut self, other: PassiveSet) {
        match (&mut self.rate_limit, other.rate_limit) {
            (Some(a), Some(b)) => a.merge(b),
            (a @ None, b) => *a = b,
            _ => {}
        }
        match (&mut self.error_format, other.error_format) {
            (Some(a), Some(b)) => a.merge(b),
            (a @ None, b) => *a = b,
            _ => {}
        }
    }

    pub fn verdicts(self, redactor: &Redactor) -> Vec<CheckResult> {
        let mut out = Vec::new();
        if let Some(r) = self.rate_limit {
            out.extend(r.verdicts(redactor));
        }
        if let Some(e) = self.error_format {
            out.extend(e.verdicts(redactor));
        }
        out
    }
}
