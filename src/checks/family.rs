//! What a check family implements to plug in, and the passive set every family's passive part
//! lives in.
//!
//! A family is a folder under `checks/` and one line in [`super::FAMILIES`]. The engine never
//! names a family: it shows every observation to a [`PassiveSet`] (an [`Observer`]), and the
//! checks phase runs each family's active part with a [`super::CheckCtx`] whose probe client
//! records every exchange into the same kind of set. So a family cannot forget to show its
//! probes to the others, and its passive part judges the load phase and every probe alike.

use std::any::Any;

use futures::future::LocalBoxFuture;

use super::CheckCtx;
use crate::observe::{Observation, Observer, Source};
use crate::redact::Redactor;
use crate::scenario::ChecksSpec;
use crate::verdict::CheckResult;

/// A check family: its IDs, its scenario section, its passive and active parts.
pub trait Family: Sync {
    /// The `[checks.<key>]` section that configures it (`"idempotency"`).
    fn key(&self) -> &'static str;
    /// The prefix of its IDs (`"IDEM"`); also the [`Source`] tag of its probes.
    fn prefix(&self) -> &'static str;
    /// Every ID it reports, in catalog order.
    fn ids(&self) -> &'static [&'static str];
    /// Whether its active part must run once per run, not once per load generator (races,
    /// walks and drives change the target's state; a passive part can run anywhere).
    fn runs_once(&self) -> bool {
        true
    }
    /// Whether the scenario turns it on.
    fn enabled(&self, checks: &ChecksSpec) -> bool;
    /// A fresh passive part, if the family has one: one per load thread and one for the
    /// checks phase, merged at the end.
    fn passive(&self, _checks: &ChecksSpec) -> Option<Box<dyn BoxedPart>> {
        None
    }
    /// The active part: send probes through `ctx.client()` and judge them. Verdicts of IDs the
    /// passive part also judges are reported by the passive part, once.
    fn active<'a>(&'a self, _ctx: &'a CheckCtx<'_>) -> LocalBoxFuture<'a, Vec<CheckResult>> {
        Box::pin(async { Vec::new() })
    }
}

/// A family's passive part, as the family writes it: counters and capped samples, never a list
/// of responses (it runs on the hot path).
pub trait PassivePart: Any + Send {
    /// Whether it needs the body of a response with this status.
    fn wants_body(&self, _source: Source, _status: u16) -> bool {
        false
    }
    fn observe(&mut self, o: &Observation<'_>);
    /// Fold in another thread's part (or the checks phase's).
    fn merge(&mut self, other: Self)
    where
        Self: Sized;
    /// One verdict per ID it judges, over everything it observed.
    fn verdicts(self, r: &Redactor) -> Vec<CheckResult>
    where
        Self: Sized;
}

/// [`PassivePart`] behind a box: what the set holds. Implemented for every `PassivePart`.
pub trait BoxedPart: Send {
    fn wants_body(&self, source: Source, status: u16) -> bool;
    fn observe(&mut self, o: &Observation<'_>);
    fn merge_boxed(&mut self, other: Box<dyn BoxedPart>);
    fn verdicts_boxed(self: Box<Self>, r: &Redactor) -> Vec<CheckResult>;
    fn as_any_mut(&mut self) -> &mut dyn Any;
    fn into_any(self: Box<Self>) -> Box<dyn Any>;
}

impl<T: PassivePart> BoxedPart for T {
    fn wants_body(&self, source: Source, status: u16) -> bool {
        PassivePart::wants_body(self, source, status)
    }
    fn observe(&mut self, o: &Observation<'_>) {
        PassivePart::observe(self, o)
    }
    fn merge_boxed(&mut self, other: Box<dyn BoxedPart>) {
        // Parts are merged by family key, so `other` is always a `T`.
        if let Ok(other) = other.into_any().downcast::<T>() {
            PassivePart::merge(self, *other);
        }
    }
    fn verdicts_boxed(self: Box<Self>, r: &Redactor) -> Vec<CheckResult> {
        PassivePart::verdicts(*self, r)
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }
}

/// The passive parts of the enabled families: the observer of one load thread, or of the
/// checks phase.
#[derive(Default)]
pub struct PassiveSet {
    parts: Vec<(&'static str, Box<dyn BoxedPart>)>,
}

impl std::fmt::Debug for PassiveSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.parts.iter().map(|(k, _)| k))
            .finish()
    }
}

impl PassiveSet {
    /// The parts of every enabled family of `families`.
    pub fn new(families: &[&dyn Family], checks: &ChecksSpec) -> PassiveSet {
        PassiveSet {
            parts: families
                .iter()
                .filter(|f| f.enabled(checks))
                .filter_map(|f| f.passive(checks).map(|p| (f.key(), p)))
                .collect(),
        }
    }

    /// For the load phase: empty under `passive = false`.
    pub fn for_load(families: &[&dyn Family], checks: &ChecksSpec) -> PassiveSet {
        if checks.passive {
            PassiveSet::new(families, checks)
        } else {
            PassiveSet::default()
        }
    }

    /// The part of type `T`, to add what an active part found to its family's one verdict.
    pub fn part_mut<T: PassivePart>(&mut self) -> Option<&mut T> {
        self.parts
            .iter_mut()
            .find_map(|(_, p)| p.as_any_mut().downcast_mut::<T>())
    }

    pub fn verdicts(self, r: &Redactor) -> Vec<CheckResult> {
        self.parts
            .into_iter()
            .flat_map(|(_, p)| p.verdicts_boxed(r))
            .collect()
    }
}

impl Observer for PassiveSet {
    fn wants_body(&self, source: Source, status: u16) -> bool {
        source != Source::Warmup && self.parts.iter().any(|(_, p)| p.wants_body(source, status))
    }

    fn observe(&mut self, o: &Observation<'_>) {
        // The warm-up is outside the measured run by contract: nothing it sees is judged.
        if o.source == Source::Warmup {
            return;
        }
        for (_, p) in &mut self.parts {
            p.observe(o);
        }
    }

    fn merge(&mut self, other: PassiveSet) {
        for (key, part) in other.parts {
            match self.parts.iter_mut().find(|(k, _)| *k == key) {
                Some((_, mine)) => mine.merge_boxed(part),
                None => self.parts.push((key, part)),
            }
        }
    }
}
