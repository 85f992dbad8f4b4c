//! The scenario's requests made ready once for every thread and phase: prepared requests, their
//! compiled expectations, the weighted mix of requests and flows, and the [`Units`] a pick needs
//! beyond the request itself (flows, captures, feeders).

use std::sync::Arc;

use super::expect::CompiledExpectations;
use super::request::{Mix, PreparedRequest};
use super::{EngineError, feed, flow};
use crate::plan::RunPlan;

/// The scenario's requests made ready to send, once, for every thread and phase.
pub(super) struct Prepared {
    pub(super) requests: Arc<Vec<PreparedRequest>>,
    pub(super) expectations: Arc<Vec<CompiledExpectations>>,
    /// Picks requests and flows: index `i < requests.len()` is request `i`, the rest are flows.
    pub(super) mix: Mix,
    pub(super) units: Arc<Units>,
}

/// What a pick of the mix needs beyond the request itself: the flows, each request's captures
/// and feeders, and the feeders (shared by both phases, so unique rows stay unique).
pub(super) struct Units {
    pub(super) flows: Vec<flow::FlowPlan>,
    /// Per request: the captures it makes when sent as a flow step (empty otherwise).
    pub(super) captures: Vec<Vec<crate::scenario::Capture>>,
    /// Per request: how much body to keep for its JSON captures, if any.
    pub(super) capture_keep: Vec<Option<usize>>,
    /// Per request: the feeders its templates read.
    pub(super) uses: Vec<Vec<usize>>,
    pub(super) feeders: Vec<feed::Feeder>,
}

impl Prepared {
    pub(super) fn new(plan: &RunPlan, base_url: &str) -> Result<Prepared, EngineError> {
        let timeout = plan.load.timeout;
        let basic = plan.credentials.as_ref().map(|c| c.basic());
        let requests: Vec<PreparedRequest> = plan
            .requests
            .iter()
            .map(|r| {
                PreparedRequest::prepare(r, base_url, timeout)?.with_authorization(basic.as_deref())
            })
            .collect::<Result<_, _>>()?;
        let expectations: Vec<CompiledExpectations> = plan
            .requests
            .iter()
            .map(|r| {
                let max_body = r.max_body.unwrap_or(crate::size::DEFAULT_MAX_BODY);
                // `max_body` is bounded by validation (256 MiB), so it fits a usize.
                let max_body = usize::try_from(max_body).unwrap_or(usize::MAX);
                CompiledExpectations::compile(&r.expect, max_body).map_err(EngineError::Expectation)
            })
            .collect::<Result<_, _>>()?;
        let weights: Vec<u32> = plan
            .requests
            .iter()
            .map(|r| r.weight)
            .chain(plan.flows.iter().map(|f| f.weight))
            .collect();
        let mut captures = vec![Vec::new(); plan.requests.len()];
        for f in &plan.flows {
            for s in &f.steps {
                captures[s.request] = s.captures.clone();
            }
        }
        let capture_keep = captures
            .iter()
            .zip(&plan.requests)
            .map(|(c, r)| {
                c.iter()
                    .any(|c| matches!(c.from, crate::scenario::CaptureFrom::Json(_)))
                    .then(|| {
                        let max = r.max_body.unwrap_or(crate::size::DEFAULT_MAX_BODY);
                        usize::try_from(max).unwrap_or(usize::MAX)
                    })
            })
            .collect();
        let uses = plan
            .requests
            .iter()
            .map(|r| {
                let mut u = Vec::new();
                feed::used_by(r, &mut u);
                u
            })
            .collect();
        let units = Units {
            flows: plan
                .flows
                .iter()
                .map(|f| flow::FlowPlan::new(f, &plan.requests))
                .collect(),
            captures,
            capture_keep,
            uses,
            feeders: plan
                .data
                .iter()
                .map(|d| feed::Feeder::new(d, plan.segment))
                .collect(),
        };
        Ok(Prepared {
            requests: Arc::new(requests),
            expectations: Arc::new(expectations),
            mix: Mix::new(&weights),
            units: Arc::new(units),
        })
    }
}
