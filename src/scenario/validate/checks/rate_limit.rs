//! `[checks.rate_limit]`.

use super::Cx;
use crate::scenario::model::*;
use crate::scenario::tree::{Entry, get};

impl Cx<'_> {
    pub(super) fn rate_limit(&mut self, e: &Entry) -> Option<RateLimitSpec> {
        let t = self.table_of(e)?;
        let place = "[checks.rate_limit]";
        self.check_keys(t, &["request", "tolerance", "honesty", "partition"], place);
        let request = self.required_request(t, &e.value.span, place);
        let tolerance = match get(t, "tolerance") {
            Some(x) => {
                let v = self.number(x)?;
                if !(0.0..1.0).contains(&v) {
                    self.err(
                        x.value.span.clone(),
                        format!("`tolerance` must be at least 0 and below 1, found {v}"),
                    );
                    return None;
                }
                v
            }
            None => 0.1,
        };
        let honesty = get(t, "honesty").map_or(Some(true), |h| self.bool_of(h));
        let partition = match get(t, "partition") {
            Some(p) => Some(self.credential(p, "the rate_limit `partition`")?),
            None => None,
        };
        Some(RateLimitSpec {
            request: request?,
            tolerance,
            honesty: honesty?,
            partition,
        })
    }
}
