//! Rate-limit checks RL-01..10 (RFC 6585, RFC 9110 Retry-After, draft-ietf-httpapi-ratelimit-headers).
//!
//! - RL-01 (parse) and RL-02 (reset unit) are passive: [`Passive`] sees every response loadproof
//!   receives (the load phase's and every family's probes, the drive's included), so each is one
//!   verdict in total.
//! - RL-03..10 are active ([`run`]): they drive `spec.request` past its limit and judge the
//!   exchanges with the pure functions in [`judge`] and [`refill`]; [`advert`] says which quota
//!   and window the server is held to, and where they came from.
//!
//! Same shape as every family: `judge.rs` (pure decisions), `passive.rs`, `net.rs` (the drive),
//! `tests.rs`.

pub mod advert;
pub mod judge;
mod net;
mod passive;
pub mod refill;
#[cfg(test)]
mod tests;

use futures::future::LocalBoxFuture;

use super::{CheckCtx, Family};
use crate::scenario::{ChecksSpec, RateLimitSpec};
use crate::verdict::CheckResult;
pub use passive::Passive;

/// The rate-limit family: RL-01/02 passive, RL-03..10 active.
pub struct RateLimit;

impl Family for RateLimit {
    fn key(&self) -> &'static str {
        "rate_limit"
    }
    fn prefix(&self) -> &'static str {
        "RL"
    }
    fn ids(&self) -> &'static [&'static str] {
        &IDS
    }
    fn enabled(&self, checks: &ChecksSpec) -> bool {
        checks.rate_limit.is_some()
    }
    fn passive(&self, checks: &ChecksSpec) -> Option<Box<dyn super::BoxedPart>> {
        let spec = checks.rate_limit.as_ref()?;
        Some(Box::new(Passive::new(spec)))
    }
    /// Without `[checks.rate_limit]`, RL-01/02 still judge the rate-limit fields of every
    /// response (there is nothing to declare for them).
    fn default_passive(&self) -> Option<Box<dyn super::BoxedPart>> {
        Some(Box::new(Passive::default()))
    }
    fn tableless_ids(&self) -> &'static [&'static str] {
        &["RL-01", "RL-02"]
    }
    fn active<'a>(&'a self, ctx: &'a CheckCtx<'_>) -> LocalBoxFuture<'a, Vec<CheckResult>> {
        Box::pin(async move {
            match &ctx.checks.rate_limit {
                Some(spec) => run(ctx, spec).await,
                None => Vec::new(),
            }
        })
    }
}

pub const IDS: [&str; 10] = [
    "RL-01", "RL-02", "RL-03", "RL-04", "RL-05", "RL-06", "RL-07", "RL-08", "RL-09", "RL-10",
];

/// The active checks RL-03..09. Every response they get reaches the run's RL-01/02 collector
/// through the probe client, so those two IDs judge the load phase and the probes together and
/// are reported once (by the passive part).
pub async fn run(ctx: &CheckCtx<'_>, spec: &RateLimitSpec) -> Vec<CheckResult> {
    let mut out = net::run(ctx, spec).await;
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}
