//! One pick of the mix: draw the data rows it reads, then send a request, or a flow iteration's
//! steps in turn with their captures. The worker loops keep one [`Pick`], call [`Pick::draw`] and [`run_pick`].

use rand::rngs::SmallRng;
use tokio::time::Instant;

use super::{Step, execute};
use crate::engine::client::ErrorKind;
use crate::engine::feed::{self, NO_ROW};
use crate::engine::request::Bindings;
use crate::engine::{ThreadCtx, Transport};
use crate::observe::Observer;

/// A worker's current pick of the mix: a request or a flow, with the rows drawn for it. One per
/// worker, reused pick after pick, so drawing rows and holding a flow's captures allocate once.
pub(super) struct Pick {
    /// `< requests.len()`: that request; else the flow `item - requests.len()`.
    item: usize,
    /// The row drawn from each feeder the pick reads ([`NO_ROW`] for the others); empty when
    /// the scenario has no data.
    rows: Vec<usize>,
    /// A flow iteration's captured values, by slot.
    vars: Vec<Option<serde_json::Value>>,
}

impl Pick {
    pub(super) fn new<O>(ctx: &ThreadCtx<O>) -> Pick {
        Pick {
            item: 0,
            rows: vec![NO_ROW; ctx.units.feeders.len()],
            vars: Vec::new(),
        }
    }

    /// Pick by weight and draw the rows; `false` when a unique feeder has run out.
    pub(super) fn draw<O>(&mut self, ctx: &ThreadCtx<O>, rng: &mut SmallRng) -> bool {
        self.item = ctx.mix.pick(rng);
        let units = &ctx.units;
        if !units.feeders.is_empty() {
            let uses = match self.item.checked_sub(ctx.requests.len()) {
                None => &units.uses[self.item],
                Some(f) => &units.flows[f].feeders,
            };
            if !feed::draw_rows(&units.feeders, uses, &mut self.rows, rng) {
                return false;
            }
        }
        ctx.stats.borrow_mut().picks += 1;
        true
    }
}

/// What sending a pick did, for the worker loops.
pub(super) struct Tried {
    /// The kind of the request error that ended it, if one did.
    pub(super) failed: Option<ErrorKind>,
    /// Its first request could not even be sent (no socket): nothing went out.
    pub(super) nothing_sent: bool,
}

pub(super) async fn run_pick<O: Observer>(
    ctx: &ThreadCtx<O>,
    transport: &Transport,
    pick: &mut Pick,
    rng: &mut SmallRng,
    due: Option<Instant>,
) -> Tried {
    let Some(f) = pick.item.checked_sub(ctx.requests.len()) else {
        let bind = Bindings {
            vars: &[],
            feeders: &ctx.units.feeders,
            rows: &pick.rows,
        };
        let failed = execute(ctx, transport, pick.item, rng, due, bind)
            .await
            .failed();
        return Tried {
            failed,
            nothing_sent: failed == Some(ErrorKind::Local),
        };
    };
    let Pick { rows, vars, .. } = pick;
    // Boxed: a flow's future is larger than a single request's, and every user task would
    // carry its size inline (see `h1::Lane::send` on why a task's size matters).
    Box::pin(run_flow(ctx, transport, f, rows, vars, rng, due)).await
}

/// One iteration of flow `f`: its steps in order on this worker's lane, each able to read what
/// earlier steps captured. The first step's latency runs from `due` (open loop); a later step is
/// due when the one before it completes, so its latency runs from its send. A request error or a
/// failed capture ends the iteration (counted, with the reason); so does the end of the load
/// phase (counted as cut, not as a failure).
async fn run_flow<O: Observer>(
    ctx: &ThreadCtx<O>,
    transport: &Transport,
    f: usize,
    rows: &[usize],
    vars: &mut Vec<Option<serde_json::Value>>,
    rng: &mut SmallRng,
    due: Option<Instant>,
) -> Tried {
    let plan = &ctx.units.flows[f];
    vars.clear();
    vars.resize(plan.vars, None);
    ctx.stats.borrow_mut().flows[f].started += 1;
    for (k, which) in plan.steps.iter().enumerate() {
        if k > 0 && (Instant::now() >= ctx.end || *ctx.stop.borrow()) {
            ctx.stats.borrow_mut().flows[f].cut += 1;
            return Tried {
                failed: None,
                nothing_sent: false,
            };
        }
        let bind = Bindings {
            vars,
            feeders: &ctx.units.feeders,
            rows,
        };
        let step_due = if k == 0 { due } else { None };
        match execute(ctx, transport, *which, rng, step_due, bind).await {
            Step::Responded(captured) => {
                for (slot, v) in captured {
                    vars[slot] = Some(v);
                }
            }
            Step::CaptureFailed { var, message } => {
                ctx.stats.borrow_mut().flows[f]
                    .end(k, format!("capture `{var}` failed"), || message);
                return Tried {
                    failed: None,
                    nothing_sent: false,
                };
            }
            Step::Failed(kind, message) => {
                ctx.stats.borrow_mut().flows[f].end(
                    k,
                    format!("request error: {}", kind.name()),
                    || message,
                );
                return Tried {
                    failed: Some(kind),
                    nothing_sent: k == 0 && kind == ErrorKind::Local,
                };
            }
        }
    }
    ctx.stats.borrow_mut().flows[f].completed += 1;
    Tried {
        failed: None,
        nothing_sent: false,
    }
}
