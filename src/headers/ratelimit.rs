//! Rate-limit header fields of every generation, parsed into one normalized [`Snapshot`].
//!
//! - draft-ietf-httpapi-ratelimit-headers-08…10: `RateLimit-Policy: "burst";q=100;w=60` (an
//!   sf-list of named policies: `q` quota REQUIRED, `w` window seconds, `qu` quota unit, `pk`
//!   partition key) and `RateLimit: "burst";r=42;t=30` (`r` remaining REQUIRED, `t` seconds until
//!   more quota, `pk`);
//! - draft-07: `RateLimit: limit=100, remaining=50, reset=5` (a dictionary) and
//!   `RateLimit-Policy: 100;w=10` (unnamed integer policies);
//! - draft-00…06: `RateLimit-Limit` (a list whose first member is the limit), `RateLimit-Remaining`
//!   and `RateLimit-Reset` (delta seconds);
//! - vendor: `X-RateLimit-Limit/-Remaining/-Reset/-Used`, `X-Rate-Limit-*` (reset in delta seconds,
//!   Unix epoch seconds or epoch milliseconds: inferred from the magnitude), and OpenAI's
//!   `x-ratelimit-{limit,remaining,reset}-requests` with Go-style durations (`6m0s`).
//!
//! Structured fields are parsed by `sfv` (RFC 9651). No I/O, no clock: resolving an epoch reset
//! takes the caller's "now". This file holds the per-field parsers; `fields` gathers one
//! response's fields and combines them into snapshots; `members` reads `RateLimit` lists.

use std::time::Duration;

use sfv::{BareItem, List, ListEntry, Parameters, Parser};

pub use fields::{
    Fields, Parsed, PolicyMemo, Snapshot, parse_fields, parse_fields_into, parse_fields_with,
};

/// Which generation of the fields a value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Generation {
    /// draft-08…10 named policies.
    Draft10,
    /// draft-07 dictionary.
    Draft07,
    /// draft-00…06 `RateLimit-Limit/-Remaining/-Reset`.
    Draft00,
    /// `X-RateLimit-*`.
    XRateLimit,
    /// `X-Rate-Limit-*`.
    XRateLimitDash,
    /// OpenAI's `x-ratelimit-*-requests`.
    OpenAi,
}

impl Generation {
    pub fn label(self) -> &'static str {
        match self {
            Generation::Draft10 => "draft-08..10 RateLimit/RateLimit-Policy",
            Generation::Draft07 => "draft-07 RateLimit dictionary",
            Generation::Draft00 => "draft-00..06 RateLimit-Limit/-Remaining/-Reset",
            Generation::XRateLimit => "X-RateLimit-*",
            Generation::XRateLimitDash => "X-Rate-Limit-*",
            Generation::OpenAi => "x-ratelimit-*-requests (OpenAI)",
        }
    }
}

/// The unit a reset value is expressed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResetUnit {
    /// Seconds from now (every IETF draft; many vendors).
    DeltaSeconds,
    /// Unix time in seconds (GitHub, X).
    EpochSeconds,
    /// Unix time in milliseconds.
    EpochMillis,
    /// A duration string such as `6m0s` (OpenAI).
    Duration,
}

impl ResetUnit {
    pub fn label(self) -> &'static str {
        match self {
            ResetUnit::DeltaSeconds => "delta seconds",
            ResetUnit::EpochSeconds => "epoch seconds",
            ResetUnit::EpochMillis => "epoch milliseconds",
            ResetUnit::Duration => "duration string",
        }
    }

    pub fn is_epoch(self) -> bool {
        matches!(self, ResetUnit::EpochSeconds | ResetUnit::EpochMillis)
    }
}

/// A reset value with its unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reset {
    /// In the unit's own scale (seconds, epoch seconds, epoch ms, or seconds for durations).
    pub value: f64,
    pub unit: ResetUnit,
}

impl Reset {
    pub fn delta(secs: f64) -> Reset {
        Reset {
            value: secs,
            unit: ResetUnit::DeltaSeconds,
        }
    }

    /// Seconds until the reset, `now` being Unix seconds (the response's `Date` or the local
    /// clock). Negative when an epoch reset lies in the past.
    pub fn seconds_until(&self, now_epoch_secs: f64) -> f64 {
        match self.unit {
            ResetUnit::DeltaSeconds | ResetUnit::Duration => self.value,
            ResetUnit::EpochSeconds => self.value - now_epoch_secs,
            ResetUnit::EpochMillis => self.value / 1000.0 - now_epoch_secs,
        }
    }
}

/// Numeric resets at or above this are epoch seconds (2001-09-09)…
const EPOCH_SECONDS_FROM: f64 = 1e9;
/// …and at or above this, epoch milliseconds.
const EPOCH_MILLIS_FROM: f64 = 1e12;

/// Infer the unit of a numeric vendor reset from its magnitude.
pub fn infer_unit(value: f64) -> ResetUnit {
    if value >= EPOCH_MILLIS_FROM {
        ResetUnit::EpochMillis
    } else if value >= EPOCH_SECONDS_FROM {
        ResetUnit::EpochSeconds
    } else {
        ResetUnit::DeltaSeconds
    }
}

/// A typed parse error. The field name is added by [`FieldError`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RlError {
    #[error("empty value")]
    Empty,
    #[error("not a valid structured field: {0}")]
    Syntax(String),
    #[error("`{0}` is missing (REQUIRED)")]
    Missing(&'static str),
    #[error("`{param}` is negative ({value})")]
    Negative { param: String, value: i64 },
    #[error("`{param}` must be {expected}, found {found}")]
    WrongType {
        param: String,
        expected: &'static str,
        found: &'static str,
    },
    #[error("`w` must be at least 1 second, found 0")]
    ZeroWindow,
    #[error("`RateLimit` names policy {0:?}, which `RateLimit-Policy` does not declare")]
    UndeclaredPolicy(String),
    #[error("an inner list where an item was expected")]
    InnerList,
    #[error("{0:?} is not a non-negative integer")]
    NotInteger(String),
    #[error("{0:?} is not a non-negative number")]
    NotNumber(String),
    #[error("{0:?} is not a duration such as `6m0s` or `20ms`")]
    BadDuration(String),
    #[error("{0}")]
    Mixed(&'static str),
}

/// A parse error in one named field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub error: RlError,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.error)
    }
}

/// One quota policy (`RateLimit-Policy` member, any generation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// draft-08+ names every policy; draft-07 policies are unnamed.
    pub name: Option<String>,
    pub quota: u64,
    /// Window in seconds (`w`).
    pub window: Option<u64>,
    /// Quota unit (`qu`), e.g. `requests`.
    pub unit: Option<String>,
    /// Partition key (`pk`), a byte sequence.
    pub partition_key: Option<Vec<u8>>,
}

/// One draft-08+ `RateLimit` member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    pub policy: String,
    pub remaining: u64,
    /// `t`: seconds until more quota.
    pub reset: Option<u64>,
    pub partition_key: Option<Vec<u8>>,
}

/// A parsed `RateLimit` field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RateLimitField {
    /// draft-08+: one member per policy.
    List(Vec<Limit>),
    /// draft-07: `limit=…, remaining=…, reset=…`.
    Dict {
        limit: u64,
        remaining: u64,
        reset: u64,
    },
}

fn type_name(b: &BareItem) -> &'static str {
    match b {
        BareItem::Integer(_) => "an integer",
        BareItem::Decimal(_) => "a decimal",
        BareItem::String(_) => "a string",
        BareItem::Token(_) => "a token",
        BareItem::ByteSequence(_) => "a byte sequence",
        BareItem::Boolean(_) => "a boolean",
        BareItem::Date(_) => "a date",
        BareItem::DisplayString(_) => "a display string",
    }
}

fn non_negative(param: &str, b: &BareItem) -> Result<u64, RlError> {
    match b {
        BareItem::Integer(i) => {
            let v = i64::from(*i);
            u64::try_from(v).map_err(|_| RlError::Negative {
                param: param.to_string(),
                value: v,
            })
        }
        other => Err(RlError::WrongType {
            param: param.to_string(),
            expected: "an integer",
            found: type_name(other),
        }),
    }
}

fn param_u64(params: &Parameters, name: &'static str) -> Result<Option<u64>, RlError> {
    u64_of(name, params.get(name))
}

fn u64_of(name: &'static str, item: Option<&BareItem>) -> Result<Option<u64>, RlError> {
    item.map(|b| non_negative(name, b)).transpose()
}

fn param_string(params: &Parameters, name: &'static str) -> Result<Option<String>, RlError> {
    match params.get(name) {
        None => Ok(None),
        Some(BareItem::String(s)) => Ok(Some(s.as_str().to_string())),
        Some(other) => Err(RlError::WrongType {
            param: name.to_string(),
            expected: "a string",
            found: type_name(other),
        }),
    }
}

fn param_bytes(params: &Parameters, name: &'static str) -> Result<Option<Vec<u8>>, RlError> {
    bytes_of(name, params.get(name))
}

fn bytes_of(name: &'static str, item: Option<&BareItem>) -> Result<Option<Vec<u8>>, RlError> {
    match item {
        None => Ok(None),
        Some(BareItem::ByteSequence(b)) => Ok(Some(b.clone())),
        Some(other) => Err(RlError::WrongType {
            param: name.to_string(),
            expected: "a byte sequence",
            found: type_name(other),
        }),
    }
}

fn window(params: &Parameters, name: &'static str) -> Result<Option<u64>, RlError> {
    match param_u64(params, name)? {
        Some(0) => Err(RlError::ZeroWindow),
        w => Ok(w),
    }
}

fn parse_list(value: &str) -> Result<List, RlError> {
    if value.trim().is_empty() {
        return Err(RlError::Empty);
    }
    Parser::new(value)
        .parse::<List>()
        .map_err(|e| RlError::Syntax(e.to_string()))
}

/// `RateLimit-Policy`, draft-07 (integer members) or draft-08+ (string members).
pub fn parse_policy(value: &str) -> Result<Vec<Policy>, RlError> {
    let list = parse_list(value)?;
    let mut out = Vec::with_capacity(list.len());
    let mut named = None;
    for entry in &list {
        let ListEntry::Item(item) = entry else {
            return Err(RlError::InnerList);
        };
        let p = &item.params;
        let policy = match &item.bare_item {
            BareItem::String(name) => Policy {
                name: Some(name.as_str().to_string()),
                quota: param_u64(p, "q")?.ok_or(RlError::Missing("q"))?,
                window: window(p, "w")?,
                unit: param_string(p, "qu")?,
                partition_key: param_bytes(p, "pk")?,
            },
            BareItem::Integer(_) => Policy {
                name: None,
                quota: non_negative("quota", &item.bare_item)?,
                window: window(p, "w")?,
                unit: None,
                partition_key: None,
            },
            other => {
                return Err(RlError::WrongType {
                    param: "policy".into(),
                    expected: "a string (policy name) or an integer (draft-07 quota)",
                    found: type_name(other),
                });
            }
        };
        match named {
            None => named = Some(policy.name.is_some()),
            Some(n) if n != policy.name.is_some() => {
                return Err(RlError::Mixed(
                    "mixes named (draft-08+) and unnamed (draft-07) policies",
                ));
            }
            _ => {}
        }
        out.push(policy);
    }
    Ok(out)
}

/// `RateLimit`: an sf-list of named limits (draft-08+) when it starts with a string, else the
/// draft-07 dictionary.
pub fn parse_ratelimit(value: &str) -> Result<RateLimitField, RlError> {
    let v = value.trim_start_matches([' ', '\t']);
    if v.is_empty() {
        return Err(RlError::Empty);
    }
    if v.starts_with('"') {
        return match members::plain_limits(v) {
            Some(limits) => Ok(RateLimitField::List(limits)),
            None => ratelimit_list(v),
        };
    }
    let dict = Parser::new(v)
        .parse::<sfv::Dictionary>()
        .map_err(|e| RlError::Syntax(e.to_string()))?;
    let get = |k: &'static str| -> Result<u64, RlError> {
        match dict.get(k) {
            None => Err(RlError::Missing(k)),
            Some(ListEntry::InnerList(_)) => Err(RlError::InnerList),
            Some(ListEntry::Item(i)) => non_negative(k, &i.bare_item),
        }
    };
    Ok(RateLimitField::Dict {
        limit: get("limit")?,
        remaining: get("remaining")?,
        reset: get("reset")?,
    })
}

/// A draft-08+ `RateLimit` list (`v` starts with its first member), parsed by `sfv`: what
/// [`members::plain_limits`] leaves, and the reference it is tested against.
fn ratelimit_list(v: &str) -> Result<RateLimitField, RlError> {
    let list = members::members(v).map_err(|e| RlError::Syntax(e.to_string()))?;
    let mut out = Vec::with_capacity(list.len());
    for m in list {
        // (Every item has a bare item: `name` is `None` only for an inner list.)
        let name = match m.name {
            _ if m.inner_list => return Err(RlError::InnerList),
            Some(Ok(name)) => name,
            Some(Err(other)) => {
                return Err(RlError::WrongType {
                    param: "policy".into(),
                    expected: "a string (policy name)",
                    found: type_name(&other),
                });
            }
            None => return Err(RlError::InnerList),
        };
        out.push(Limit {
            policy: name,
            remaining: u64_of("r", m.r.as_ref())?.ok_or(RlError::Missing("r"))?,
            reset: u64_of("t", m.t.as_ref())?,
            partition_key: bytes_of("pk", m.pk.as_ref())?,
        });
    }
    Ok(RateLimitField::List(out))
}

/// draft-00…06 `RateLimit-Limit`: a list whose first member is the limit, optionally followed
/// by quota policies (`10, 10;w=1`). Returns the limit and, if stated, its window.
pub fn parse_draft_limit(value: &str) -> Result<(u64, Option<u64>), RlError> {
    let list = parse_list(value)?;
    let Some(ListEntry::Item(first)) = list.first() else {
        return Err(RlError::InnerList);
    };
    let limit = non_negative("limit", &first.bare_item)?;
    let mut w = window(&first.params, "w")?;
    if w.is_none() {
        w = window(&first.params, "window")?;
    }
    // The quota policies after the first member must be integers with sane windows too.
    for entry in list.iter().skip(1) {
        let ListEntry::Item(i) = entry else {
            return Err(RlError::InnerList);
        };
        non_negative("quota", &i.bare_item)?;
        window(&i.params, "w")?;
        window(&i.params, "window")?;
    }
    Ok((limit, w))
}

/// draft-00…06 `RateLimit-Remaining` / `RateLimit-Reset`: an sf-integer item.
pub fn parse_draft_integer(value: &str, param: &'static str) -> Result<u64, RlError> {
    if value.trim().is_empty() {
        return Err(RlError::Empty);
    }
    let item = Parser::new(value)
        .parse::<sfv::Item>()
        .map_err(|e| RlError::Syntax(e.to_string()))?;
    non_negative(param, &item.bare_item)
}

/// A vendor integer (`X-RateLimit-Limit: 60`): plain ASCII digits.
pub fn parse_vendor_int(value: &str) -> Result<u64, RlError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(RlError::Empty);
    }
    if !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(RlError::NotInteger(v.to_string()));
    }
    v.parse().map_err(|_| RlError::NotInteger(v.to_string()))
}

/// A vendor reset: a non-negative number (unit inferred: delta seconds, epoch seconds or epoch
/// milliseconds) or a duration string.
pub fn parse_vendor_reset(value: &str) -> Result<Reset, RlError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(RlError::Empty);
    }
    let numeric = v.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    if numeric {
        let n: f64 = v.parse().map_err(|_| RlError::NotNumber(v.to_string()))?;
        if !n.is_finite() {
            return Err(RlError::NotNumber(v.to_string()));
        }
        return Ok(Reset {
            value: n,
            unit: infer_unit(n),
        });
    }
    if v.starts_with('-') {
        return Err(RlError::NotNumber(v.to_string()));
    }
    parse_duration(v).map(|d| Reset {
        value: d.as_secs_f64(),
        unit: ResetUnit::Duration,
    })
}

/// A Go-style duration: one or more `<number><unit>` with units `h`, `m`, `s`, `ms`, `us`/`µs`,
/// `ns` (`6m0s`, `1.5s`, `20ms`).
pub fn parse_duration(value: &str) -> Result<Duration, RlError> {
    let bad = || RlError::BadDuration(value.to_string());
    let mut rest = value.trim();
    if rest.is_empty() {
        return Err(bad());
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let num_len = rest
            .bytes()
            .take_while(|b| b.is_ascii_digit() || *b == b'.')
            .count();
        if num_len == 0 {
            return Err(bad());
        }
        let n: f64 = rest[..num_len].parse().map_err(|_| bad())?;
        rest = &rest[num_len..];
        let unit_len = rest
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit() || *c == '.')
            .map_or(rest.len(), |(i, _)| i);
        let scale = match &rest[..unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return Err(bad()),
        };
        rest = &rest[unit_len..];
        total += n * scale;
    }
    if !total.is_finite() || total > 1e12 {
        return Err(bad());
    }
    Ok(Duration::from_secs_f64(total))
}

mod fields;
mod members;
#[cfg(test)]
mod tests;
