//! `[checks.rate_limit]`.

use super::Cx;
use crate::scenario::model::*;
use crate::scenario::tree::{Entry, get};

impl Cx<'_> {
    pub(super) fn rate_limit(&mut self, e: &Entry) -> Option<RateLimitSpec> {
        let t = self.table_of(e)?;
        let place = "[checks.rate_limit]";
        self.check_keys(
            t,
            &[
                "request",
                "tolerance",
                "honesty",
                "partition",
                "quota",
                "window",
                "max_wait",
                "max_burst",
                "algorithm",
            ],
            place,
        );
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
        // Each key is judged even when an earlier one is wrong, so one pass reports them all:
        // `None` is "invalid, already reported".
        let quota = match get(t, "quota") {
            Some(x) => self.u32_in(x, 1, 1_000_000).map(|q| Some(u64::from(q))),
            None => Some(None),
        };
        let window = match get(t, "window") {
            Some(x) => self.duration(x, true).map(Some),
            None => Some(None),
        };
        if let (Some(q), None) = (get(t, "quota"), get(t, "window")) {
            self.err_hint(
                q.key_span.clone(),
                "`quota` without `window`: a quota is counted per window",
                "add `window = \"10s\"` (the limiter's window) next to `quota`",
            );
        }
        let max_wait = match get(t, "max_wait") {
            Some(x) => self.duration(x, true),
            None => Some(DEFAULT_RL_MAX_WAIT),
        };
        let max_burst = match get(t, "max_burst") {
            Some(x) => self.number(x).and_then(|v| {
                if (1.0..=100.0).contains(&v) {
                    Some(Some(v))
                } else {
                    self.err(
                        x.value.span.clone(),
                        format!(
                            "`max_burst` is a multiple of the quota, at least 1.0 (never more than the quota in a window-long interval), found {v}"
                        ),
                    );
                    None
                }
            }),
            None => Some(None),
        };
        let algorithm = get(t, "algorithm").map_or(Some(true), |h| self.bool_of(h));
        Some(RateLimitSpec {
            request: request?,
            tolerance,
            honesty: honesty?,
            partition,
            quota: quota?,
            window: window?,
            max_wait: max_wait?,
            max_burst: max_burst?,
            algorithm: algorithm?,
        })
    }
}
