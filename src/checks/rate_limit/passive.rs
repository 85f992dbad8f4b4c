//! RL-01 and RL-02, the passive part: every response loadproof receives (load phase and every
//! family's probes) is parsed for rate-limit fields; findings are grouped (a count and the first
//! sample), so memory stays constant however many responses go by.

use std::mem::Discriminant;
use std::time::SystemTime;

use crate::checks::{Observation, PassivePart, fail, pass, skip};
use crate::headers::ratelimit::{
    Fields, Generation, Parsed, PolicyMemo, ResetUnit, RlError, parse_fields_into,
};
use crate::headers::retry_after;
use crate::redact::Redactor;
use crate::scenario::RateLimitSpec;
use crate::verdict::{CheckResult, Evidence};

/// Distinct findings kept per check; further distinct ones are only counted.
const MAX_GROUPS: usize = 8;
/// Evidence items per verdict.
const MAX_EVIDENCE: usize = 3;

/// One response kept as evidence (only the rate-limit fields of it).
#[derive(Debug, Clone)]
struct Sample {
    /// The scenario request, for load-phase responses (probes have none).
    request: Option<String>,
    method: String,
    url: String,
    status: Option<u16>,
    headers: Vec<(String, String)>,
    note: String,
}

impl Sample {
    fn evidence(&self, r: &Redactor) -> Evidence {
        Evidence {
            method: Some(self.method.clone()),
            url: Some(r.text(&self.url)),
            status: self.status,
            response_headers: self
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), r.header_value(k, v)))
                .collect(),
            note: Some(r.text(&self.note)),
            request: self.request.clone(),
            ..Evidence::default()
        }
    }
}

/// Identical findings grouped: a count and the first sample.
#[derive(Debug, Clone)]
struct Group<K> {
    key: K,
    count: u64,
    sample: Sample,
}

#[derive(Debug, Clone)]
struct Groups<K> {
    items: Vec<Group<K>>,
    /// Findings whose group did not fit.
    overflow: u64,
}

impl<K> Default for Groups<K> {
    fn default() -> Self {
        Groups {
            items: Vec::new(),
            overflow: 0,
        }
    }
}

impl<K: PartialEq> Groups<K> {
    fn add(&mut self, key: K, n: u64, sample: impl FnOnce() -> Sample) {
        if let Some(g) = self.items.iter_mut().find(|g| g.key == key) {
            g.count += n;
        } else if self.items.len() < MAX_GROUPS {
            self.items.push(Group {
                key,
                count: n,
                sample: sample(),
            });
        } else {
            self.overflow += n;
        }
    }

    fn merge(&mut self, other: Groups<K>) {
        for g in other.items {
            let sample = g.sample;
            self.add(g.key, g.count, || sample);
        }
        self.overflow += other.overflow;
    }

    fn total(&self) -> u64 {
        self.items.iter().map(|g| g.count).sum::<u64>() + self.overflow
    }
}

/// The passive part (RL-01, RL-02) of one worker thread.
#[derive(Debug, Default)]
pub struct Passive {
    /// The scenario request RL-03..09 drive (the key of the hand-off).
    request: String,
    responses: u64,
    with_fields: u64,
    /// Bit per [`Generation`] seen.
    generations: u8,
    /// RL-01: parse failures by (field, error kind).
    parse: Groups<(&'static str, Discriminant<RlError>)>,
    /// RL-02: reset values seen by (field, unit).
    units: Groups<(&'static str, ResetUnit)>,
    /// RL-02: epoch resets in the past while remaining is 0, by field.
    past_epoch: Groups<&'static str>,
    /// The last policy parsed: most servers send the same one on every response.
    policy_memo: PolicyMemo,
    /// Every response's fields are parsed into this one (its buffers reused).
    scratch: Parsed,
}

const GENERATIONS: [Generation; 6] = [
    Generation::Draft10,
    Generation::Draft07,
    Generation::Draft00,
    Generation::XRateLimit,
    Generation::XRateLimitDash,
    Generation::OpenAi,
];

impl Passive {
    pub fn new(spec: &RateLimitSpec) -> Passive {
        Passive {
            request: spec.request.clone(),
            ..Passive::default()
        }
    }

    fn observe_response(&mut self, o: &Observation<'_>) {
        let headers = o.headers;
        self.responses += 1;
        let f = Fields::of(headers);
        if !f.any() {
            return;
        }
        self.with_fields += 1;
        let mut parsed = std::mem::take(&mut self.scratch);
        parse_fields_into(&f, &mut self.policy_memo, &mut parsed);
        let sample = |note: String| Sample {
            request: o.request.map(str::to_string),
            method: o.method.to_string(),
            url: o.url.to_string(),
            status: Some(o.status),
            headers: f
                .present()
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            note,
        };
        for s in &parsed.snapshots {
            if let Some(bit) = GENERATIONS.iter().position(|g| *g == s.generation) {
                self.generations |= 1 << bit;
            }
        }
        for e in &parsed.errors {
            self.parse
                .add((e.field, std::mem::discriminant(&e.error)), 1, || {
                    sample(e.to_string())
                });
        }
        for &(field, unit) in &parsed.reset_units {
            self.units.add((field, unit), 1, || {
                sample(format!("{field} read as {}", unit.label()))
            });
        }
        for s in &parsed.snapshots {
            let Some(reset) = s.reset else { continue };
            if s.remaining != Some(0) || !reset.unit.is_epoch() {
                continue;
            }
            // The response's own clock, else ours when it arrived (it may be judged later).
            let now = retry_after::response_date(headers.get_str("date"))
                .unwrap_or_else(|| o.received())
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64());
            let until = reset.seconds_until(now);
            if until < -1.0 {
                let field = match s.generation {
                    Generation::XRateLimitDash => "X-Rate-Limit-Reset",
                    _ => "X-RateLimit-Reset",
                };
                self.past_epoch.add(field, 1, || {
                    sample(format!(
                        "remaining is 0 but the epoch reset lies {:.0} s in the past",
                        -until
                    ))
                });
            }
        }
        self.scratch = parsed;
    }

    fn generation_labels(&self) -> String {
        GENERATIONS
            .iter()
            .enumerate()
            .filter(|(i, _)| self.generations & (1 << i) != 0)
            .map(|(_, g)| g.label())
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn rl01(&self, r: &Redactor) -> CheckResult {
        if self.with_fields == 0 {
            return skip(
                "RL-01",
                format!(
                    "none of {} responses carried rate-limit fields",
                    self.responses
                ),
            );
        }
        let failures = self.parse.total();
        if failures == 0 {
            return pass(
                "RL-01",
                format!(
                    "rate-limit fields of {} responses parse ({})",
                    self.with_fields,
                    self.generation_labels()
                ),
            );
        }
        let first = &self.parse.items[0].sample.note;
        let evidence = self
            .parse
            .items
            .iter()
            .take(MAX_EVIDENCE)
            .map(|g| {
                let mut e = g.sample.evidence(r);
                e.note = Some(r.text(&format!("{}× {}", g.count, g.sample.note)));
                e
            })
            .collect();
        let mut v = fail(
            "RL-01",
            format!(
                "{failures} malformed rate-limit field values in {} responses with rate-limit fields; first: {first}",
                self.with_fields
            ),
            evidence,
        );
        v.count = failures;
        v
    }

    fn rl02(&self, r: &Redactor) -> CheckResult {
        // Fields read in more than one unit.
        let mut flipped: Vec<&'static str> = Vec::new();
        for g in &self.units.items {
            let field = g.key.0;
            if !flipped.contains(&field)
                && self
                    .units
                    .items
                    .iter()
                    .any(|h| h.key.0 == field && h.key.1 != g.key.1)
            {
                flipped.push(field);
            }
        }
        if let Some(field) = flipped.first() {
            let groups: Vec<&Group<_>> = self
                .units
                .items
                .iter()
                .filter(|g| g.key.0 == *field)
                .collect();
            let seen = groups
                .iter()
                .map(|g| format!("{} ({}×)", g.key.1.label(), g.count))
                .collect::<Vec<_>>()
                .join(" and ");
            return fail(
                "RL-02",
                format!("the reset unit changes between responses: {field} read as {seen}"),
                groups
                    .iter()
                    .take(MAX_EVIDENCE)
                    .map(|g| g.sample.evidence(r))
                    .collect(),
            );
        }
        if let Some(g) = self.past_epoch.items.first() {
            let mut v = fail(
                "RL-02",
                format!(
                    "{} responses with remaining 0 advertise an epoch reset in the past ({})",
                    self.past_epoch.total(),
                    g.key
                ),
                vec![g.sample.evidence(r)],
            );
            v.count = self.past_epoch.total();
            return v;
        }
        let resets = self.units.total();
        if resets == 0 {
            return skip(
                "RL-02",
                if self.with_fields == 0 {
                    format!(
                        "none of {} responses carried rate-limit fields",
                        self.responses
                    )
                } else {
                    "no response carried a reset value".to_string()
                },
            );
        }
        let units = self
            .units
            .items
            .iter()
            .map(|g| format!("{}: {}", g.key.0, g.key.1.label()))
            .collect::<Vec<_>>()
            .join(", ");
        pass(
            "RL-02",
            format!("one reset unit per field across {resets} reset values ({units})"),
        )
    }
}

impl PassivePart for Passive {
    fn observe(&mut self, o: &Observation<'_>) {
        self.observe_response(o);
    }

    fn merge(&mut self, other: Passive) {
        if self.request.is_empty() {
            self.request = other.request;
        }
        self.responses += other.responses;
        self.with_fields += other.with_fields;
        self.generations |= other.generations;
        self.parse.merge(other.parse);
        self.units.merge(other.units);
        self.past_epoch.merge(other.past_epoch);
    }

    /// RL-01 and RL-02 over everything observed: the load phase's responses and the active
    /// part's own (which `run` feeds into the same collector).
    fn verdicts(self, r: &Redactor) -> Vec<CheckResult> {
        vec![self.rl01(r), self.rl02(r)]
    }
}
