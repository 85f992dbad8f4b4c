//! Pagination checks PAGE-01..06 (RFC 8288 Link, JSON:API cursor profile, AIP-158, Stripe).

use super::{CheckCtx, skip};
use crate::report::model::CheckResult;
use crate::scenario::PaginationSpec;

pub async fn run(_ctx: &CheckCtx<'_>, _spec: &PaginationSpec) -> Vec<CheckResult> {
    vec![skip("PAGE-*", "pagination checks are not implemented yet")]
}
