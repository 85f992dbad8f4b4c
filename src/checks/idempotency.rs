//! Idempotency checks IDEM-01..08 (draft-ietf-httpapi-idempotency-key-header-06, Stripe, RFC 9110).
//!
//! Same shape as every family: `net.rs` (the thin network part: it sends the probes, asks the
//! side-effect oracle, and hands the exchanges to) `judge.rs` (pure decision functions), and
//! `tests.rs`. Active only. Every ID is reported exactly once, in order. User documentation:
//! `docs/checks/idempotency.md`.

pub mod judge;
mod net;
#[cfg(test)]
mod tests;

use futures::future::LocalBoxFuture;

use super::{CheckCtx, Family};
use crate::scenario::{ChecksSpec, IdempotencySpec};
use crate::verdict::CheckResult;
pub use net::fresh_key;

pub const IDS: [&str; 8] = [
    "IDEM-01", "IDEM-02", "IDEM-03", "IDEM-04", "IDEM-05", "IDEM-06", "IDEM-07", "IDEM-08",
];

/// The idempotency family: IDEM-01..08, active only.
pub struct Idempotency;

impl Family for Idempotency {
    fn key(&self) -> &'static str {
        "idempotency"
    }
    fn prefix(&self) -> &'static str {
        "IDEM"
    }
    fn ids(&self) -> &'static [&'static str] {
        &IDS
    }
    fn enabled(&self, checks: &ChecksSpec) -> bool {
        checks.idempotency.is_some()
    }
    fn active<'a>(&'a self, ctx: &'a CheckCtx<'_>) -> LocalBoxFuture<'a, Vec<CheckResult>> {
        Box::pin(async move {
            match &ctx.checks.idempotency {
                Some(spec) => run(ctx, spec).await,
                None => Vec::new(),
            }
        })
    }
}

/// Every IDEM check against `spec.request`.
pub async fn run(ctx: &CheckCtx<'_>, spec: &IdempotencySpec) -> Vec<CheckResult> {
    net::run(ctx, spec).await
}
