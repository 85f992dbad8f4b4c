//! Rate-limit checks RL-01..09 (RFC 6585, RFC 9110 Retry-After, draft-ietf-httpapi-ratelimit-headers).

use super::{CheckCtx, Observation, skip};
use crate::redact::Redactor;
use crate::report::model::CheckResult;
use crate::scenario::RateLimitSpec;

/// The passive part (RL-01, RL-02) of one worker thread.
#[derive(Debug, Default)]
pub struct Passive {}

impl Passive {
    pub fn new(_spec: &RateLimitSpec) -> Passive {
        Passive {}
    }

    pub fn observe(&mut self, _o: &Observation<'_>) {}

    pub fn merge(&mut self, _other: Passive) {}

    pub fn verdicts(self, _redactor: &Redactor) -> Vec<CheckResult> {
        vec![]
    }
}

pub async fn run(_ctx: &CheckCtx<'_>, _spec: &RateLimitSpec) -> Vec<CheckResult> {
    vec![skip("RL-*", "rate-limit checks are not implemented yet")]
}
