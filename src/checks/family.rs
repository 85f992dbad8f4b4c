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
use super::held::Held;
use crate::observe::{Observation, Observer, Source};
use crate::redact::Redactor;
use crate::scenario::ChecksSpec;
use crate::verdict::{CheckResult, CheckStatus};

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
    /// Without its table (and with `passive = true`), the passive part with the table's
    /// defaults, if the family can judge anything undeclared: it then reports only
    /// [`Family::tableless_ids`], and only those that saw something to judge.
    fn default_passive(&self) -> Option<Box<dyn BoxedPart>> {
        None
    }
    /// The IDs [`Family::default_passive`] reports: those that hold for every API, with no
    /// convention declared in the table.
    fn tableless_ids(&self) -> &'static [&'static str] {
        &[]
    }
    /// The active part: send probes through `ctx.client()` and judge them. Verdicts of IDs the
    /// passive part also judges are reported by the passive part, once.
    fn active<'a>(&'a self, _ctx: &'a CheckCtx<'_>) -> LocalBoxFuture<'a, Vec<CheckResult>> {
        Box::pin(async { Vec::new() })
    }
}

/// A family's passive part, as the family writes it: counters and capped samples, never a list
/// of responses (it runs on the hot path). A load-phase response may reach `observe` a few dozen
/// responses after it arrived (`checks::held`): a part that needs the time of a response reads
/// what the response carries (its `Date`, or [`Observation::received`]), never the clock.
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

/// The passive parts of the enabled families (and, under `passive = true`, the defaults of
/// those whose table is absent): the observer of one load thread, or of the checks phase.
///
/// Load-phase responses are held and judged a batch at a time ([`Held`]); everything that reads
/// the parts (`part_mut`, `merge`, `verdicts`) judges what is held first.
#[derive(Default)]
pub struct PassiveSet {
    parts: Vec<Part>,
    held: Held,
}

struct Part {
    key: &'static str,
    part: Box<dyn BoxedPart>,
    /// `Some(ids)`: the family has no table; only these IDs are reported, and only when they
    /// judged something (a `skip` "nothing seen" from it is left out of the report).
    tableless: Option<&'static [&'static str]>,
}

impl std::fmt::Debug for PassiveSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.parts.iter().map(|p| p.key))
            .finish()
    }
}

/// Whether the waivers cover every ID of `family`: then nothing of it runs.
pub fn waived_whole(family: &dyn Family, checks: &ChecksSpec) -> bool {
    family
        .ids()
        .iter()
        .all(|id| checks.skip.iter().any(|w| w.matches(id)))
}

impl PassiveSet {
    /// The parts of every enabled family of `families` (the probes of the checks phase are
    /// judged by these even under `passive = false`), and, under `passive = true`, the
    /// defaults of the families without a table. A family waived whole has no part.
    pub fn new(families: &[&dyn Family], checks: &ChecksSpec) -> PassiveSet {
        let parts = families
            .iter()
            .filter(|f| !waived_whole(**f, checks))
            .filter_map(|f| {
                if f.enabled(checks) {
                    f.passive(checks).map(|part| Part {
                        key: f.key(),
                        part,
                        tableless: None,
                    })
                } else if checks.passive {
                    f.default_passive().map(|part| Part {
                        key: f.key(),
                        part,
                        tableless: Some(f.tableless_ids()),
                    })
                } else {
                    None
                }
            })
            .collect();
        PassiveSet {
            parts,
            held: Held::default(),
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

    /// Show every held response to every part.
    fn judge_held(&mut self) {
        if self.held.is_empty() {
            return;
        }
        let parts = &mut self.parts;
        self.held.drain(|o| {
            for p in parts.iter_mut() {
                p.part.observe(o);
            }
        });
    }

    /// The part of type `T`, to add what an active part found to its family's one verdict.
    pub fn part_mut<T: PassivePart>(&mut self) -> Option<&mut T> {
        self.judge_held();
        self.parts
            .iter_mut()
            .find_map(|p| p.part.as_any_mut().downcast_mut::<T>())
    }

    /// The keys of the families whose passive part runs without their table.
    pub fn tableless(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.parts
            .iter()
            .filter(|p| p.tableless.is_some())
            .map(|p| p.key)
    }

    pub fn verdicts(mut self, r: &Redactor) -> Vec<CheckResult> {
        self.judge_held();
        self.parts
            .into_iter()
            .flat_map(|p| {
                let tableless = p.tableless;
                p.part
                    .verdicts_boxed(r)
                    .into_iter()
                    .filter(move |v| match tableless {
                        None => true,
                        Some(ids) => ids.contains(&v.id.as_str()) && v.status != CheckStatus::Skip,
                    })
            })
            .collect()
    }
}

impl Observer for PassiveSet {
    fn wants_body(&self, source: Source, status: u16) -> bool {
        self.parts.iter().any(|p| p.part.wants_body(source, status))
    }

    fn is_idle(&self) -> bool {
        self.parts.is_empty()
    }

    fn observe(&mut self, o: &Observation<'_>) {
        // Every response is judged, the warm-up's included (issue 11): an error page served
        // only while caches are cold is as much a finding as one served under load. The
        // warm-up stays out of every figure (latency, series, thresholds), not out of the
        // verdicts; passive parts count its responses with the load phase's.
        if self.parts.is_empty() {
            return;
        }
        if self.held.hold(o) {
            if self.held.full() {
                self.judge_held();
            }
            return;
        }
        // Judged now, after what arrived before it.
        self.judge_held();
        for p in &mut self.parts {
            p.part.observe(o);
        }
    }

    fn merge(&mut self, mut other: PassiveSet) {
        self.judge_held();
        other.judge_held();
        for theirs in other.parts {
            match self.parts.iter_mut().find(|p| p.key == theirs.key) {
                Some(mine) => mine.part.merge_boxed(theirs.part),
                None => self.parts.push(theirs),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};

    use super::*;
    use crate::checks::FAMILIES;
    use crate::scenario::{WaivedBy, Waiver};

    fn no_tables(passive: bool) -> ChecksSpec {
        ChecksSpec {
            passive,
            ..ChecksSpec::default()
        }
    }

    fn observe_html_500(set: &mut PassiveSet) {
        observe_error(
            set,
            "text/html",
            b"<html>Traceback (most recent call last):</html>",
        );
    }

    fn observe_error(set: &mut PassiveSet, content_type: &'static str, body: &[u8]) {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        set.observe(&Observation {
            source: Source::Load,
            request: Some("create"),
            method: "POST",
            url: "http://127.0.0.1:1/orders",
            sent: None,
            status: 500,
            headers: crate::observe::Headers::Map(&headers),
            body: Some(body),
            body_truncated: false,
            at: Duration::ZERO,
            received: None,
        });
    }

    /// Without any `[checks.*]` table, ERR-01/05 and RL-01/02 still judge (passive = true);
    /// a family that saw nothing to judge adds no verdict at all.
    #[test]
    fn passive_parts_run_without_their_table_and_stay_quiet_when_idle() {
        let set = PassiveSet::new(FAMILIES, &no_tables(true));
        assert_eq!(
            set.tableless().collect::<Vec<_>>(),
            ["rate_limit", "error_format"]
        );
        assert!(set.verdicts(&Redactor::default()).is_empty());

        let mut set = PassiveSet::new(FAMILIES, &no_tables(true));
        observe_html_500(&mut set);
        let v = set.verdicts(&Redactor::default());
        let ids: Vec<(&str, CheckStatus)> = v.iter().map(|c| (c.id.as_str(), c.status)).collect();
        // ERR-06 (no request id) is a declared convention: not judged without the table.
        assert_eq!(
            ids,
            [("ERR-01", CheckStatus::Fail), ("ERR-05", CheckStatus::Fail)],
            "{v:#?}"
        );

        assert!(format!("{:?}", PassiveSet::new(FAMILIES, &no_tables(false))) == "[]");
    }

    /// No error format is declared without the table: a JSON error body in a vendor shape
    /// under `application/json` is what ERR-01 expects, not a "not problem+json" warning.
    #[test]
    fn without_its_table_err_01_accepts_any_json_error() {
        let mut set = PassiveSet::new(FAMILIES, &no_tables(true));
        observe_error(&mut set, "application/json", br#"{"error":"not found"}"#);
        observe_error(
            &mut set,
            "application/problem+json",
            br#"{"title":"Not Found"}"#,
        );
        let v = set.verdicts(&Redactor::default());
        let err01 = v.iter().find(|c| c.id == "ERR-01").unwrap();
        assert_eq!(err01.status, CheckStatus::Pass, "{err01:#?}");
        assert!(
            err01.message.contains("a JSON media type"),
            "{}",
            err01.message
        );
    }

    /// A part that writes down what it was shown, in order.
    #[derive(Default)]
    struct Recorder(Vec<String>);

    impl PassivePart for Recorder {
        fn observe(&mut self, o: &Observation<'_>) {
            self.0.push(format!("{} {}", o.url, o.status));
        }
        fn merge(&mut self, other: Recorder) {
            self.0.extend(other.0);
        }
        fn verdicts(self, _: &Redactor) -> Vec<CheckResult> {
            self.0
                .into_iter()
                .map(|s| crate::verdict::pass("REC", s))
                .collect()
        }
    }

    fn recording() -> PassiveSet {
        let mut set = PassiveSet::default();
        set.parts.push(Part {
            key: "recorder",
            part: Box::new(Recorder::default()),
            tableless: None,
        });
        set
    }

    /// Load-phase responses are held and judged a batch at a time: every one of them reaches
    /// the parts, in the order they arrived, whichever way the set is read (`part_mut`,
    /// `merge`, `verdicts`), and one that is not held (a header map) waits for those before it.
    #[test]
    fn held_responses_all_reach_the_parts_in_order() {
        let head = b"HTTP/1.1 200 OK\r\nDate: Tue, 01 Dec 2026 21:00:00 GMT\r\n\r\n";
        let mut fields = [httparse::EMPTY_HEADER; 4];
        let mut resp = httparse::Response::new(&mut fields);
        resp.parse(head).unwrap();
        let raw = crate::observe::RawHeaders::from_parsed(head, resp.headers);
        let map = HeaderMap::new();
        let show = |set: &mut PassiveSet, i: usize, map_headers: bool| {
            let url = format!("/{i}");
            set.observe(&Observation {
                source: Source::Load,
                request: None,
                method: "GET",
                url: &url,
                sent: None,
                status: 200,
                headers: if map_headers {
                    crate::observe::Headers::Map(&map)
                } else {
                    crate::observe::Headers::Raw(&raw)
                },
                body: None,
                body_truncated: false,
                at: Duration::ZERO,
                received: None,
            });
        };
        let urls = |range: std::ops::Range<usize>| -> Vec<String> {
            range.map(|i| format!("/{i} 200")).collect()
        };
        let n = 2 * super::super::held::HELD + 5;

        let mut set = recording();
        for i in 0..n {
            show(&mut set, i, i == 40);
        }
        let seen = set.part_mut::<Recorder>().unwrap().0.clone();
        assert_eq!(seen, urls(0..n), "part_mut judges what is held first");

        let (mut a, mut b) = (recording(), recording());
        for i in 0..3 {
            show(&mut a, i, false);
            show(&mut b, 3 + i, false);
        }
        a.merge(b);
        show(&mut a, 6, false);
        let v = a.verdicts(&Redactor::default());
        let got: Vec<&str> = v.iter().map(|c| c.message.as_str()).collect();
        assert_eq!(got, urls(0..7), "merge and verdicts judge what is held");
    }

    #[test]
    fn a_family_waived_whole_has_no_passive_part() {
        let mut checks = no_tables(true);
        checks.skip = vec![Waiver {
            pattern: "ERR-*".into(),
            by: WaivedBy::Scenario,
        }];
        let set = PassiveSet::new(FAMILIES, &checks);
        assert_eq!(set.tableless().collect::<Vec<_>>(), ["rate_limit"]);
        let err = FAMILIES.iter().find(|f| f.prefix() == "ERR").unwrap();
        assert!(waived_whole(*err, &checks));
        checks.skip[0].pattern = "ERR-06".into();
        assert!(!waived_whole(*err, &checks));
    }
}
