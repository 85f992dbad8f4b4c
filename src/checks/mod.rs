//! Conformance checks: one folder per family, plugged in through [`FAMILIES`].
//!
//! Each family's user documentation is its page under `docs/checks/` (a test checks that it names
//! every ID the family reports). Every family implements [`Family`] (its IDs, its `[checks.*]`
//! section, whether its active part must run once) and has one or both parts:
//! - a **passive** part ([`PassivePart`]) that sees every response loadproof receives — the load
//!   phase's (each load thread has its own [`PassiveSet`], merged after the run) and every
//!   active check's probe — as [`Observation`]s. It runs on the hot path, so it keeps counters
//!   and a capped sample, never a list of responses;
//! - an **active** part that runs after the load phase and sends its own probes (races on
//!   separate connections, pagination walks under concurrent writes, rate-limit drives) through
//!   [`CheckCtx::client`], whose every exchange reaches every passive part; it judges them with
//!   pure decision functions that unit tests call without a network.
//!
//! Findings are data: every outcome is a [`CheckResult`]; a check that could not gather its
//! evidence is `skip` or `error` with the reason, never `pass`.

pub mod error_format;
pub mod family;
mod held;
pub mod idempotency;
pub mod pagination;
pub mod probe;
pub mod rate_limit;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

pub use crate::observe::{Observation, Source};
use crate::plan::RunPlan;
use crate::printer::{Progress, Step};
use crate::redact::Redactor;
use crate::scenario::{ChecksSpec, Protocol, RequestSpec, Waiver};
use crate::verdict::CheckResult;
pub use crate::verdict::{error, fail, pass, skip, verdict, warn};
pub use family::{BoxedPart, Family, PassivePart, PassiveSet};
use probe::ProbeClient;

/// Every family, in catalog order: adding a family is its folder and one line here. The report
/// orders verdicts by this table.
pub static FAMILIES: &[&dyn Family] = &[
    &idempotency::Idempotency,
    &rate_limit::RateLimit,
    &pagination::Pagination,
    &error_format::ErrorFormat,
];

/// Where an ID sorts in the catalog: its family's place in `families`, or after them all.
pub fn catalog_rank(families: &[&dyn Family], id: &str) -> usize {
    families
        .iter()
        .position(|f| {
            id.strip_prefix(f.prefix())
                .is_some_and(|rest| rest.starts_with('-'))
        })
        .unwrap_or(families.len())
}

/// The checks phase's observer, shared by every probe client of every family.
pub type Hub = Arc<Mutex<PassiveSet>>;

/// Everything an active check needs to talk to the target.
pub struct CheckCtx<'a> {
    pub base_url: &'a str,
    /// The scenario's requests, `[defaults]` merged in.
    pub requests: &'a [RequestSpec],
    /// The scenario's `[[data]]` files: a probe's `${data.*}` reads their first row.
    pub data: &'a [crate::scenario::DataSpec],
    /// The scenario's `[checks]`: each family reads its own section.
    pub checks: &'a ChecksSpec,
    pub redactor: &'a Redactor,
    pub protocol: Protocol,
    pub insecure: bool,
    pub timeout: Duration,
    /// The scenario's error format, when it declares one: families other than ERR-* judge
    /// error bodies against it instead of assuming problem+json.
    pub error_format: Option<&'a crate::scenario::ErrorFormatSpec>,
    /// The tag of this family's probes.
    pub source: Source,
    /// `Authorization: Basic …` from the target URL's userinfo: every probe that sets no
    /// Authorization of its own sends it, like the load does.
    pub authorization: Option<reqwest::header::HeaderValue>,
    hub: Hub,
}

impl<'a> CheckCtx<'a> {
    /// A request by name. Names in `[checks]` were validated by the loader, so `None` only
    /// happens for hand-built plans.
    pub fn request(&self, name: &str) -> Option<&'a RequestSpec> {
        self.requests.iter().find(|r| r.name == name)
    }

    /// A fresh probe client: its own connection pool (clients made here never share a
    /// connection), and every exchange it makes is shown to every passive part.
    pub fn client(&self) -> Result<ProbeClient, String> {
        let http = crate::engine::client::build(
            self.protocol,
            self.insecure,
            self.base_url.starts_with("https:"),
        )
        .map_err(|e| format!("cannot build an HTTP client: {e}"))?;
        Ok(ProbeClient::new(
            http,
            self.hub.clone(),
            self.source,
            self.authorization.clone(),
        ))
    }

    /// Add what an active part found to its family's passive part, so each ID the two share is
    /// one verdict over the load and the probes.
    pub fn contribute<T: PassivePart>(&self, found: T) {
        let mut set = self.hub.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(part) = set.part_mut::<T>() {
            part.merge(found);
        }
    }
}

/// The start of the `skip` message of a family another segment runs (`merge` drops those rows).
pub const OTHER_SEGMENT: &str = "runs in segment";

/// The checks phase: every enabled family's active part in catalog order, then every passive
/// verdict over the load phase (`load`, its merged passive set) and all the probes together.
/// A stop request (Ctrl-C) abandons what is left: those families report `skip` with the reason,
/// and nothing measured is lost.
pub async fn run(
    families: &[&dyn Family],
    plan: &RunPlan,
    base_url: &str,
    mut stop: watch::Receiver<bool>,
    load: PassiveSet,
    progress: &Progress,
) -> Vec<CheckResult> {
    let spec = &plan.checks;
    // Probes are judged by every enabled family's passive part, even under `passive = false`
    // (which turns off judging the load phase only).
    let mut set = PassiveSet::new(families, spec);
    crate::observe::Observer::merge(&mut set, load);
    // The families whose verdicts this run reports, and so the ones a waiver shows up in.
    let reported: Vec<(&dyn Family, bool)> = families
        .iter()
        .filter_map(|f| {
            let tableless = set.tableless().any(|k| k == f.key());
            (f.enabled(spec) || tableless).then_some((*f, tableless))
        })
        .collect();
    let hub: Hub = Arc::new(Mutex::new(set));
    let authorization = plan.credentials.as_ref().and_then(|c| {
        let mut v = reqwest::header::HeaderValue::from_str(&c.basic()).ok()?;
        v.set_sensitive(true);
        Some(v)
    });
    let mut out = Vec::new();
    // A family waived whole does not run: its active part may drive load at the target.
    let active: Vec<_> = families
        .iter()
        .filter(|f| f.enabled(spec) && !family::waived_whole(**f, spec))
        .collect();
    // Each active family's position among the once-only ones (`None`: it may run anywhere).
    let once_position: Vec<Option<usize>> = active
        .iter()
        .scan(0, |k, f| {
            Some(f.runs_once().then(|| {
                *k += 1;
                *k - 1
            }))
        })
        .collect();
    for (i, family) in active.iter().enumerate() {
        // The display learns each family's name from the family itself: a new family shows up
        // in the progress without a change to the display.
        let step = Step {
            phase: "checks",
            name: family.key(),
            index: i + 1,
            of: active.len(),
        };
        let ctx = CheckCtx {
            base_url,
            requests: &plan.requests,
            data: &plan.data,
            checks: spec,
            redactor: &plan.redactor,
            protocol: plan.load.protocol,
            insecure: plan.insecure,
            timeout: plan.load.timeout,
            error_format: spec.error_format.as_ref(),
            source: Source::Probe(family.prefix()),
            authorization: authorization.clone(),
            hub: hub.clone(),
        };
        let all = format!("{}-*", family.prefix());
        if *stop.borrow() {
            out.push(skip(&all, "not run: the run was interrupted"));
            continue;
        }
        // A split run (`--segment`) sends each once-only family's races, walks and drives
        // from one segment only (the `Family::runs_once` families, dealt out in order);
        // `loadproof merge` takes the owner's verdicts. A family that may run anywhere runs in
        // every segment.
        if let Some(k) = once_position[i]
            && !plan.segment.owns_family(k)
        {
            out.push(skip(
                &all,
                format!(
                    "{} {}/{}",
                    OTHER_SEGMENT,
                    plan.segment.owner_of(k),
                    plan.segment.count
                ),
            ));
            continue;
        }
        progress.step_started(step);
        let run = family.active(&ctx);
        tokio::pin!(run);
        // The tick lets a long family say it is still running (lines mode), bounded by the
        // family itself finishing or a stop.
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                r = &mut run => {
                    out.extend(r);
                    break;
                }
                _ = stop.wait_for(|v| *v) => {
                    out.push(skip(&all, "abandoned: the run was interrupted"));
                    break;
                }
                _ = tick.tick() => progress.step_running(step),
            }
        }
        progress.step_finished(step);
    }
    // A probe task abandoned by a stop may still hold the hub: take the set, not the Arc.
    let set = std::mem::take(&mut *hub.lock().unwrap_or_else(|p| p.into_inner()));
    out.extend(set.verdicts(&plan.redactor));
    waive(&mut out, &reported, &spec.skip);
    // Catalog order: by family, then by ID.
    out.sort_by(|a, b| {
        (catalog_rank(families, &a.id), &a.id).cmp(&(catalog_rank(families, &b.id), &b.id))
    });
    out
}

/// Replace the verdict of every waived ID of a `reported` family (`(family, tableless)`) by a
/// `skip` naming who waived it; a family without its table shows only its tableless IDs.
pub fn waive(out: &mut Vec<CheckResult>, reported: &[(&dyn Family, bool)], skip: &[Waiver]) {
    if skip.is_empty() {
        return;
    }
    out.retain(|v| !skip.iter().any(|w| w.matches(&v.id)));
    for (family, tableless) in reported {
        let ids = if *tableless {
            family.tableless_ids()
        } else {
            family.ids()
        };
        for id in ids {
            if let Some(w) = skip.iter().find(|w| w.matches(id)) {
                out.push(crate::verdict::skip(id, w.reason()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::WaivedBy;
    use crate::verdict::CheckStatus;

    fn fam(prefix: &str) -> &'static dyn Family {
        *FAMILIES.iter().find(|f| f.prefix() == prefix).unwrap()
    }

    #[test]
    fn waived_verdicts_are_replaced_by_skips_naming_who_waived_them() {
        let mut out = vec![
            fail("ERR-06", "no request id", vec![]),
            pass("ERR-01", "fine"),
            fail("RL-01", "bad field", vec![]),
        ];
        let skip = [
            Waiver {
                pattern: "ERR-06".into(),
                by: WaivedBy::Scenario,
            },
            Waiver {
                pattern: "RL-*".into(),
                by: WaivedBy::CommandLine,
            },
        ];
        // ERR has its table; RL runs without it (only RL-01/02 are its verdicts then).
        waive(&mut out, &[(fam("ERR"), false), (fam("RL"), true)], &skip);
        let got: Vec<(&str, CheckStatus, &str)> = out
            .iter()
            .map(|v| (v.id.as_str(), v.status, v.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("ERR-01", CheckStatus::Pass, "fine"),
                ("ERR-06", CheckStatus::Skip, "waived by the scenario"),
                ("RL-01", CheckStatus::Skip, "waived by --skip-check"),
                ("RL-02", CheckStatus::Skip, "waived by --skip-check"),
            ]
        );
    }
}
