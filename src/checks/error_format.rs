//! Error-format checks ERR-01..08 (RFC 9457 problem details, Google AIP-193, Stripe, JSON:API).
//!
//! Same shape as every family: `judge.rs` (pure decisions), `passive.rs`, `net.rs` (the active
//! part), `tests.rs`. The [`Passive`] part judges every 4xx/5xx loadproof receives: the load
//! phase's (one part per worker thread, merged) and every probe of every family, the declared
//! error probes among them. What only the active part can judge (ERR-08's declared statuses, ERR-04's repeated
//! probes, ERR-07's bad field, ERR-06's echo) it hands to the same part
//! ([`CheckCtx::contribute`]), so `Passive::verdicts` emits exactly one verdict per ID over all
//! sources.

pub mod judge;
mod net;
mod passive;

use futures::future::LocalBoxFuture;

use super::{CheckCtx, Family};
use crate::scenario::ChecksSpec;
use crate::verdict::CheckResult;
pub(crate) use passive::load_schema_file;
pub use passive::{Passive, config_for};

pub const IDS: [&str; 8] = [
    "ERR-01", "ERR-02", "ERR-03", "ERR-04", "ERR-05", "ERR-06", "ERR-07", "ERR-08",
];
const MEDIA: usize = 0;
const MEMBERS: usize = 1;
const SHAPE: usize = 2;
const STABLE: usize = 3;
const LEAK: usize = 4;
const CORREL: usize = 5;
const LOCAL: usize = 6;
const STATUS: usize = 7;

/// How many times each declared probe is sent (ERR-04 compares them).
pub const REPEATS: usize = 3;
/// Request ids remembered per worker thread (and after merging) for ERR-06 uniqueness.
pub const ID_WINDOW: usize = 65_536;
/// Distinct error types whose title is remembered for ERR-04.
pub const MAX_TYPES: usize = 256;

/// The error-format family: ERR-01..06 passive (and over every probe), ERR-04/06/07/08 probes.
pub struct ErrorFormat;

impl Family for ErrorFormat {
    fn key(&self) -> &'static str {
        "error_format"
    }
    fn prefix(&self) -> &'static str {
        "ERR"
    }
    fn ids(&self) -> &'static [&'static str] {
        &IDS
    }
    fn enabled(&self, checks: &ChecksSpec) -> bool {
        checks.error_format.is_some()
    }
    fn passive(&self, checks: &ChecksSpec) -> Option<Box<dyn super::BoxedPart>> {
        let spec = checks.error_format.as_ref()?;
        Some(Box::new(Passive::new(spec)))
    }
    /// Without `[checks.error_format]`, no format is declared: only what holds for every API
    /// is judged (an error response is JSON, any JSON type, and leaks nothing). The members, the shape and
    /// the titles (ERR-02..04) judge a declared format, and request ids (ERR-06) a declared
    /// convention, so they need the table.
    fn default_passive(&self) -> Option<Box<dyn super::BoxedPart>> {
        Some(Box::new(Passive::tableless()))
    }
    fn tableless_ids(&self) -> &'static [&'static str] {
        &["ERR-01", "ERR-05"]
    }
    fn active<'a>(&'a self, ctx: &'a CheckCtx<'_>) -> LocalBoxFuture<'a, Vec<CheckResult>> {
        Box::pin(async move {
            if let Some(spec) = &ctx.checks.error_format {
                ctx.contribute(net::active(ctx, spec).await);
            }
            Vec::new()
        })
    }
}
