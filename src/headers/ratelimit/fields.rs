//! One response's rate-limit fields, gathered ([`Fields`]) and parsed together into one
//! snapshot per generation ([`parse_fields`]): which generation wins, how draft-10 limits meet
//! their policies, and every field's error. The per-field parsers live in the parent module.

use crate::observe::{Headers, as_str};

use super::{
    FieldError, Generation, Limit, Policy, RateLimitField, Reset, ResetUnit, RlError, members,
    parse_draft_integer, parse_draft_limit, parse_duration, parse_policy, parse_ratelimit,
    parse_vendor_int, parse_vendor_reset,
};

/// The raw rate-limit fields of one response (borrowed header values): [`Fields::of`] its
/// headers, or [`Fields::set`] one field at a time; names are matched case-insensitively.
#[derive(Debug, Default, Clone, Copy)]
pub struct Fields<'a> {
    pub policy: Option<&'a str>,
    pub ratelimit: Option<&'a str>,
    pub draft_limit: Option<&'a str>,
    pub draft_remaining: Option<&'a str>,
    pub draft_reset: Option<&'a str>,
    pub x_limit: Option<&'a str>,
    pub x_remaining: Option<&'a str>,
    pub x_reset: Option<&'a str>,
    pub x_used: Option<&'a str>,
    pub xd_limit: Option<&'a str>,
    pub xd_remaining: Option<&'a str>,
    pub xd_reset: Option<&'a str>,
    pub oa_limit: Option<&'a str>,
    pub oa_remaining: Option<&'a str>,
    pub oa_reset: Option<&'a str>,
    pub oa_reset_tokens: Option<&'a str>,
}

impl<'a> Fields<'a> {
    /// The rate-limit fields of one response's headers: each name in any case, the first
    /// textual value of a name wins (a value that is not visible ASCII is skipped, as
    /// `HeaderValue::to_str` would refuse it). Unrelated fields cost a prefix test or two; no
    /// value is read unless its slot is still empty.
    pub fn of(headers: Headers<'a>) -> Fields<'a> {
        let mut f = Fields::default();
        for (name, value) in headers.iter() {
            if let Some(slot) = f.slot(name)
                && slot.is_none()
            {
                *slot = as_str(value);
            }
        }
        f
    }

    /// Record one header (the first occurrence of a name wins), its name in any case.
    pub fn set(&mut self, name: impl AsRef<[u8]>, value: &'a str) {
        if let Some(slot) = self.slot(name.as_ref())
            && slot.is_none()
        {
            *slot = Some(value);
        }
    }

    /// Where a field of this name goes; `None` for any other name. No allocation and no copy:
    /// the name is matched by its prefix (`ratelimit`, `x-ratelimit-`, `x-rate-limit-`), then
    /// its rest against that prefix's few endings, each comparison ignoring ASCII case.
    fn slot(&mut self, name: &[u8]) -> Option<&mut Option<&'a str>> {
        // Every name below starts with an `r` or an `x` and is at least as long as `ratelimit`:
        // most of a response's fields are turned away on their first byte.
        if name.len() < b"ratelimit".len() || !matches!(name[0] | 0x20, b'r' | b'x') {
            return None;
        }
        let rest = |prefix: &[u8]| {
            name.get(..prefix.len())
                .filter(|p| p.eq_ignore_ascii_case(prefix))
                .map(|_| &name[prefix.len()..])
        };
        let pick = |rest: &[u8], endings: &[&[u8]]| {
            endings.iter().position(|e| rest.eq_ignore_ascii_case(e))
        };
        if let Some(r) = rest(b"ratelimit") {
            return Some(
                match pick(r, &[b"", b"-policy", b"-limit", b"-remaining", b"-reset"])? {
                    0 => &mut self.ratelimit,
                    1 => &mut self.policy,
                    2 => &mut self.draft_limit,
                    3 => &mut self.draft_remaining,
                    _ => &mut self.draft_reset,
                },
            );
        }
        if let Some(r) = rest(b"x-ratelimit-") {
            let endings: [&[u8]; 8] = [
                b"limit",
                b"remaining",
                b"reset",
                b"used",
                b"limit-requests",
                b"remaining-requests",
                b"reset-requests",
                b"reset-tokens",
            ];
            return Some(match pick(r, &endings)? {
                0 => &mut self.x_limit,
                1 => &mut self.x_remaining,
                2 => &mut self.x_reset,
                3 => &mut self.x_used,
                4 => &mut self.oa_limit,
                5 => &mut self.oa_remaining,
                6 => &mut self.oa_reset,
                _ => &mut self.oa_reset_tokens,
            });
        }
        let r = rest(b"x-rate-limit-")?;
        Some(match pick(r, &[b"limit", b"remaining", b"reset"])? {
            0 => &mut self.xd_limit,
            1 => &mut self.xd_remaining,
            _ => &mut self.xd_reset,
        })
    }

    /// Whether any rate-limit field is present.
    pub fn any(&self) -> bool {
        [
            self.policy,
            self.ratelimit,
            self.draft_limit,
            self.draft_remaining,
            self.draft_reset,
            self.x_limit,
            self.x_remaining,
            self.x_reset,
            self.x_used,
            self.xd_limit,
            self.xd_remaining,
            self.xd_reset,
            self.oa_limit,
            self.oa_remaining,
            self.oa_reset,
            self.oa_reset_tokens,
        ]
        .iter()
        .any(Option::is_some)
    }

    /// The fields present, as (name, value) pairs, for evidence.
    pub fn present(&self) -> Vec<(&'static str, &'a str)> {
        let all = [
            ("ratelimit-policy", self.policy),
            ("ratelimit", self.ratelimit),
            ("ratelimit-limit", self.draft_limit),
            ("ratelimit-remaining", self.draft_remaining),
            ("ratelimit-reset", self.draft_reset),
            ("x-ratelimit-limit", self.x_limit),
            ("x-ratelimit-remaining", self.x_remaining),
            ("x-ratelimit-reset", self.x_reset),
            ("x-ratelimit-used", self.x_used),
            ("x-rate-limit-limit", self.xd_limit),
            ("x-rate-limit-remaining", self.xd_remaining),
            ("x-rate-limit-reset", self.xd_reset),
            ("x-ratelimit-limit-requests", self.oa_limit),
            ("x-ratelimit-remaining-requests", self.oa_remaining),
            ("x-ratelimit-reset-requests", self.oa_reset),
            ("x-ratelimit-reset-tokens", self.oa_reset_tokens),
        ];
        all.into_iter()
            .filter_map(|(n, v)| v.map(|v| (n, v)))
            .collect()
    }
}

/// What one response says about its rate limit, normalized across generations. When several
/// generations are present, the newest wins; for several draft-08+ policies, the one with the
/// least remaining quota.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub generation: Generation,
    pub policy: Option<String>,
    pub quota: Option<u64>,
    /// Window seconds.
    pub window: Option<u64>,
    pub remaining: Option<u64>,
    pub reset: Option<Reset>,
}

/// Everything parsed from one response: the snapshot (if any field parsed) and every error.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    /// One snapshot per generation present, newest first.
    pub snapshots: Vec<Snapshot>,
    /// One entry per reset value: (field, unit), for unit-consistency tracking.
    pub reset_units: Vec<(&'static str, ResetUnit)>,
    pub errors: Vec<FieldError>,
}

fn note<T>(errors: &mut Vec<FieldError>, field: &'static str, r: Result<T, RlError>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(error) => {
            errors.push(FieldError { field, error });
            None
        }
    }
}

/// The last `RateLimit-Policy` value parsed, with its result. A server repeats one policy on
/// every response while `RateLimit` changes; the passive observer reads every response, and
/// parsing the policy once per distinct value instead of once per response took about a third
/// off the fields' parse (profiled on the `bench/run.sh passive` scenario).
#[derive(Debug, Default)]
pub struct PolicyMemo {
    last: Option<(String, Result<Vec<Policy>, RlError>)>,
}

impl PolicyMemo {
    fn parse(&mut self, value: &str) -> &Result<Vec<Policy>, RlError> {
        if !matches!(&self.last, Some((v, _)) if v == value) {
            self.last = None;
        }
        &self
            .last
            .get_or_insert_with(|| (value.to_string(), parse_policy(value)))
            .1
    }
}

/// Parse every rate-limit field present. Never panics; errors are collected per field.
pub fn parse_fields(f: &Fields<'_>) -> Parsed {
    parse_fields_with(f, &mut PolicyMemo::default())
}

/// [`parse_fields`], reusing the policy parsed for the previous response when its
/// `RateLimit-Policy` value is the same (same result, fewer parses).
pub fn parse_fields_with(f: &Fields<'_>, memo: &mut PolicyMemo) -> Parsed {
    let mut out = Parsed::default();
    parse_fields_into(f, memo, &mut out);
    out
}

/// [`parse_fields_with`] into `out`, whatever it held before, reusing its buffers: the passive
/// observer parses every response, and keeps one `Parsed` for it instead of allocating three
/// vectors per response.
pub fn parse_fields_into(f: &Fields<'_>, memo: &mut PolicyMemo, out: &mut Parsed) {
    // The previous response's policy name: its buffer takes this one's (no allocation per
    // response for the name of the same policy).
    let mut spare_name = out.snapshots.iter_mut().find_map(|s| s.policy.take());
    out.snapshots.clear();
    out.reset_units.clear();
    out.errors.clear();
    let Parsed {
        snapshots: candidates,
        reset_units,
        errors,
    } = out;

    let policies: Option<&[Policy]> = match f.policy.map(|v| memo.parse(v)) {
        None => None,
        Some(Ok(ps)) => Some(ps),
        Some(Err(error)) => {
            errors.push(FieldError {
                field: "RateLimit-Policy",
                error: error.clone(),
            });
            None
        }
    };
    // A list in its common shape is summed up straight off the value (no list, no copies);
    // anything else is parsed into one first.
    let slow: Vec<Limit>;
    let ratelimit = match f.ratelimit {
        None => None,
        Some(v) => match plain_list(v, policies) {
            Some(least) => Some(Field::List(least)),
            None => match note(errors, "RateLimit", parse_ratelimit(v)) {
                None => None,
                Some(RateLimitField::List(limits)) => {
                    slow = limits;
                    let mut least = Least::default();
                    for l in &slow {
                        least.add(&l.policy, l.remaining, l.reset, policies);
                    }
                    Some(Field::List(least))
                }
                Some(RateLimitField::Dict {
                    limit,
                    remaining,
                    reset,
                }) => Some(Field::Dict {
                    limit,
                    remaining,
                    reset,
                }),
            },
        },
    };
    match (ratelimit, &policies) {
        (Some(Field::List(least)), policies) => {
            if let Some(ps) = policies {
                if ps.iter().any(|p| p.name.is_none()) {
                    errors.push(FieldError {
                        field: "RateLimit-Policy",
                        error: RlError::Mixed(
                            "draft-07 unnamed policies with a draft-08+ `RateLimit` list",
                        ),
                    });
                } else if let Some(name) = least.undeclared {
                    errors.push(FieldError {
                        field: "RateLimit",
                        error: RlError::UndeclaredPolicy(name.to_string()),
                    });
                }
            }
            if let Some((name, remaining, reset)) = least.least {
                let p = policies
                    .as_ref()
                    .and_then(|ps| ps.iter().find(|p| p.name.as_deref() == Some(name)));
                let mut policy = spare_name.take().unwrap_or_default();
                policy.clear();
                policy.push_str(name);
                candidates.push(Snapshot {
                    generation: Generation::Draft10,
                    policy: Some(policy),
                    quota: p.map(|p| p.quota),
                    window: p.and_then(|p| p.window),
                    remaining: Some(remaining),
                    reset: reset.map(|t| Reset::delta(t as f64)),
                });
            }
        }
        (
            Some(Field::Dict {
                limit,
                remaining,
                reset,
            }),
            policies,
        ) => {
            if policies
                .as_ref()
                .is_some_and(|ps| ps.iter().any(|p| p.name.is_some()))
            {
                errors.push(FieldError {
                    field: "RateLimit-Policy",
                    error: RlError::Mixed(
                        "draft-08+ named policies with a draft-07 `RateLimit` dictionary",
                    ),
                });
            }
            let window = policies
                .as_ref()
                .and_then(|ps| ps.iter().find(|p| p.quota == limit).and_then(|p| p.window));
            candidates.push(Snapshot {
                generation: Generation::Draft07,
                policy: None,
                quota: Some(limit),
                window,
                remaining: Some(remaining),
                reset: Some(Reset::delta(reset as f64)),
            });
        }
        (None, Some(ps)) => {
            // A policy without a (valid) `RateLimit` field: the policy alone advertises quota.
            if let Some(p) = ps.first() {
                let generation = if p.name.is_some() {
                    Generation::Draft10
                } else if f.draft_limit.is_some() {
                    Generation::Draft00
                } else {
                    Generation::Draft07
                };
                if generation != Generation::Draft00 {
                    candidates.push(Snapshot {
                        generation,
                        policy: p.name.clone(),
                        quota: Some(p.quota),
                        window: p.window,
                        remaining: None,
                        reset: None,
                    });
                }
            }
        }
        _ => {}
    }

    // draft-00…06
    if f.draft_limit.is_some() || f.draft_remaining.is_some() || f.draft_reset.is_some() {
        let limit = f
            .draft_limit
            .and_then(|v| note(errors, "RateLimit-Limit", parse_draft_limit(v)));
        let remaining = f.draft_remaining.and_then(|v| {
            note(
                errors,
                "RateLimit-Remaining",
                parse_draft_integer(v, "remaining"),
            )
        });
        let reset = f
            .draft_reset
            .and_then(|v| note(errors, "RateLimit-Reset", parse_draft_integer(v, "reset")));
        let window = limit.and_then(|(_, w)| w).or_else(|| {
            policies
                .as_ref()
                .and_then(|ps| ps.first().and_then(|p| p.window))
        });
        candidates.push(Snapshot {
            generation: Generation::Draft00,
            policy: None,
            quota: limit.map(|(l, _)| l),
            window,
            remaining,
            reset: reset.map(|r| Reset::delta(r as f64)),
        });
    }

    // Vendors.
    type VendorFields<'b> = (
        Generation,
        [&'static str; 3],
        Option<&'b str>,
        Option<&'b str>,
        Option<&'b str>,
    );
    let vendors: [VendorFields<'_>; 3] = [
        (
            Generation::XRateLimit,
            [
                "X-RateLimit-Limit",
                "X-RateLimit-Remaining",
                "X-RateLimit-Reset",
            ],
            f.x_limit,
            f.x_remaining,
            f.x_reset,
        ),
        (
            Generation::XRateLimitDash,
            [
                "X-Rate-Limit-Limit",
                "X-Rate-Limit-Remaining",
                "X-Rate-Limit-Reset",
            ],
            f.xd_limit,
            f.xd_remaining,
            f.xd_reset,
        ),
        (
            Generation::OpenAi,
            [
                "x-ratelimit-limit-requests",
                "x-ratelimit-remaining-requests",
                "x-ratelimit-reset-requests",
            ],
            f.oa_limit,
            f.oa_remaining,
            f.oa_reset,
        ),
    ];
    for (generation, names, limit, remaining, reset) in vendors {
        if limit.is_none() && remaining.is_none() && reset.is_none() {
            continue;
        }
        let limit = limit.and_then(|v| note(errors, names[0], parse_vendor_int(v)));
        let remaining = remaining.and_then(|v| note(errors, names[1], parse_vendor_int(v)));
        let reset = reset.and_then(|v| {
            let r = if generation == Generation::OpenAi {
                parse_duration(v).map(|d| Reset {
                    value: d.as_secs_f64(),
                    unit: ResetUnit::Duration,
                })
            } else {
                parse_vendor_reset(v)
            };
            note(errors, names[2], r)
        });
        if let Some(r) = reset {
            reset_units.push((names[2], r.unit));
        }
        candidates.push(Snapshot {
            generation,
            policy: None,
            quota: limit,
            window: None,
            remaining,
            reset,
        });
    }
    if let Some(v) = f.x_used {
        let _ = note(errors, "X-RateLimit-Used", parse_vendor_int(v));
    }
    if let Some(v) = f.oa_reset_tokens {
        let _ = note(errors, "x-ratelimit-reset-tokens", parse_duration(v));
    }

    candidates.sort_by_key(|c| c.generation);
    for c in candidates.iter() {
        if let (Some(_), Generation::Draft10 | Generation::Draft07) = (c.reset, c.generation) {
            reset_units.insert(0, ("RateLimit", ResetUnit::DeltaSeconds));
        } else if let (Some(_), Generation::Draft00) = (c.reset, c.generation) {
            reset_units.insert(0, ("RateLimit-Reset", ResetUnit::DeltaSeconds));
        }
    }
}

/// The `RateLimit` field as [`parse_fields_into`] uses it.
enum Field<'v> {
    List(Least<'v>),
    Dict {
        limit: u64,
        remaining: u64,
        reset: u64,
    },
}

/// What a snapshot needs of a draft-08+ list: the member with the least remaining quota (the
/// first of equals) and the first member naming a policy `RateLimit-Policy` does not declare.
#[derive(Default)]
struct Least<'v> {
    least: Option<(&'v str, u64, Option<u64>)>,
    undeclared: Option<&'v str>,
}

impl<'v> Least<'v> {
    fn add(
        &mut self,
        name: &'v str,
        remaining: u64,
        reset: Option<u64>,
        policies: Option<&[Policy]>,
    ) {
        if self.undeclared.is_none()
            && policies.is_some_and(|ps| !ps.iter().any(|p| p.name.as_deref() == Some(name)))
        {
            self.undeclared = Some(name);
        }
        if self.least.is_none_or(|(_, r, _)| remaining < r) {
            self.least = Some((name, remaining, reset));
        }
    }
}

/// A list in the common shape ([`members::plain_members`]), summed up; `None` for anything else.
fn plain_list<'v>(value: &'v str, policies: Option<&[Policy]>) -> Option<Least<'v>> {
    let v = value.trim_start_matches([' ', '\t']);
    if !v.starts_with('"') {
        return None;
    }
    let mut least = Least::default();
    members::plain_members(v, |name, r, t| least.add(name, r, t, policies))?;
    Some(least)
}

impl Parsed {
    /// The newest generation's snapshot.
    pub fn snapshot(&self) -> Option<&Snapshot> {
        self.snapshots.first()
    }
}
