//! Error-format checks ERR-01..08 (RFC 9457 problem details, Google AIP-193, Stripe, JSON:API).

use super::{CheckCtx, Observation, skip};
use crate::redact::Redactor;
use crate::report::model::CheckResult;
use crate::scenario::ErrorFormatSpec;

/// The passive part (every 4xx/5xx of the load phase) of one worker thread.
#[derive(Debug, Default)]
pub struct Passive {}

impl Passive {
    pub fn new(_spec: &ErrorFormatSpec) -> Passive {
        Passive {}
    }

    pub fn wants_body(&self, status: u16) -> bool {
        status >= 400
    }

    pub fn observe(&mut self, _o: &Observation<'_>) {}

    pub fn merge(&mut self, _other: Passive) {}

    pub fn verdicts(self, _redactor: &Redactor) -> Vec<CheckResult> {
        vec![]
    }
}

pub async fn run(_ctx: &CheckCtx<'_>, _spec: &ErrorFormatSpec) -> Vec<CheckResult> {
    vec![skip("ERR-*", "error-format checks are not implemented yet")]
}
