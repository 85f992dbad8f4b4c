//! Per-request expectations (`[requests.expect]`), compiled once and evaluated per response.
//!
//! `evaluate` is a pure function of the response parts, so it is unit-tested without a network.
//! A response that misses an expectation is a finding (check `EXPECT-<request>`), never an abort.
//! Every rule is judged and every miss listed (a report shows [`MAX_MISSES`]); a conforming response
//! allocates nothing. A body cut at the keep limit (`max_body`) is never judged as if it were
//! whole: the body rules (`json`, `schema`) of that response are not judged
//! ([`Judgement::Unjudged`]), rather than blaming the server for "invalid JSON" that is only the
//! cut; its status and headers still are.

use std::sync::Arc;

use crate::metrics::stats::{RESPONSE_SAMPLE_BODY, ResponseSample};
use crate::observe::Headers;
use crate::scenario::{Bounds, Expectations, HeaderRule, JsonRule, JsonType};

/// How many misses one response lists; past it, one last line says how many more there were.
pub const MAX_MISSES: usize = 10;
/// How many schema errors one response lists (each is a miss).
const MAX_SCHEMA_ERRORS: usize = 3;

#[derive(Debug, Clone)]
pub struct CompiledExpectations {
    status: Vec<u16>,
    headers: Vec<(String, CompiledRule)>,
    json: Vec<(String, CompiledJson)>,
    /// `schema`: as written, and compiled.
    schema: Option<(String, Arc<jsonschema::Validator>)>,
    /// How much of a body is kept for the body rules.
    max_body: usize,
}

/// The body as the expectations see it.
#[derive(Debug, Clone, Copy)]
pub enum SeenBody<'a> {
    /// Not kept (nothing asked for it) or no body at all.
    None,
    /// The whole body.
    Whole(&'a [u8]),
    /// Only a prefix: the body was longer than what was kept.
    Cut(&'a [u8]),
}

impl<'a> SeenBody<'a> {
    /// What a body read kept: `kept` and whether it is shorter than the body.
    pub fn of(kept: Option<&'a [u8]>, cut: bool) -> SeenBody<'a> {
        match kept {
            None => SeenBody::None,
            Some(b) if cut => SeenBody::Cut(b),
            Some(b) => SeenBody::Whole(b),
        }
    }
}

/// What the expectations concluded about one response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Judgement {
    Met,
    /// Every miss, each a one-line "expected …, got …", in rule order (status, headers, json,
    /// schema). At most one per rule (and [`MAX_SCHEMA_ERRORS`] + 1 for the schema), so the list
    /// is bounded by the scenario, not by the response; [`capped`] shortens it for a report.
    Missed(Vec<String>),
    /// Neither met nor missed: what would decide it could not be seen.
    Unjudged(Unjudged),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unjudged {
    /// The body the body rules read was longer than `max_body` (this many bytes).
    BodyTooLarge { max_body: usize },
}

#[derive(Debug, Clone)]
enum CompiledRule {
    Present,
    Absent,
    Equals(String),
    Matches(regex::Regex),
}

#[derive(Debug, Clone)]
enum CompiledJson {
    Exists,
    Equals(serde_json::Value),
    Matches(regex::Regex),
    Type(JsonType),
    Range(Bounds),
    Len(Bounds),
    OneOf(Vec<serde_json::Value>),
}

impl CompiledExpectations {
    /// `max_body`: how much of a body to keep for the body rules.
    pub fn compile(e: &Expectations, max_body: usize) -> Result<Self, String> {
        let headers = e
            .headers
            .iter()
            .map(|h| {
                let rule = match &h.rule {
                    HeaderRule::Present => CompiledRule::Present,
                    HeaderRule::Absent => CompiledRule::Absent,
                    HeaderRule::Equals(v) => CompiledRule::Equals(v.clone()),
                    HeaderRule::Matches(re) => CompiledRule::Matches(
                        regex::Regex::new(re).map_err(|err| format!("header {}: {err}", h.name))?,
                    ),
                };
                Ok((h.name.clone(), rule))
            })
            .collect::<Result<_, String>>()?;
        let json = e
            .json
            .iter()
            .map(|j| {
                let rule = match &j.rule {
                    JsonRule::Exists => CompiledJson::Exists,
                    JsonRule::Equals(v) => CompiledJson::Equals(v.clone()),
                    JsonRule::Matches(re) => CompiledJson::Matches(
                        regex::Regex::new(re)
                            .map_err(|err| format!("json {}: {err}", j.pointer))?,
                    ),
                    JsonRule::Type(t) => CompiledJson::Type(*t),
                    JsonRule::Range(b) => CompiledJson::Range(*b),
                    JsonRule::Len(b) => CompiledJson::Len(*b),
                    JsonRule::OneOf(v) => CompiledJson::OneOf(v.clone()),
                };
                Ok((j.pointer.clone(), rule))
            })
            .collect::<Result<_, String>>()?;
        Ok(CompiledExpectations {
            status: e.status.clone(),
            headers,
            json,
            schema: e
                .schema
                .as_ref()
                .map(|s| (s.path.clone(), s.validator.clone())),
            max_body,
        })
    }

    /// How much of the body to keep for evaluation, if any (only the body rules read it).
    pub fn body_keep(&self) -> Option<usize> {
        self.reads_body().then_some(self.max_body)
    }

    fn reads_body(&self) -> bool {
        !self.json.is_empty() || self.schema.is_some()
    }

    /// Whether the status or a header already misses, before the body is read: then the body
    /// is worth keeping as evidence even when no rule reads it.
    pub fn head_misses(&self, status: u16, headers: Headers<'_>) -> bool {
        let mut any = false;
        self.check_head(status, headers, &mut |_| any = true);
        any
    }

    /// `Met` when the response meets every expectation, else every miss. Status and headers
    /// are judged whatever the body (a cut body does not hide a wrong status); the body rules
    /// only on a whole body.
    pub fn evaluate(&self, status: u16, headers: Headers<'_>, body: SeenBody<'_>) -> Judgement {
        let mut misses = Vec::new();
        self.check_head(status, headers, &mut |m| misses.push(m));
        if self.reads_body() {
            match body {
                SeenBody::Whole(b) => self.check_body(b, &mut misses),
                SeenBody::Cut(_) if misses.is_empty() => {
                    return Judgement::Unjudged(Unjudged::BodyTooLarge {
                        max_body: self.max_body,
                    });
                }
                SeenBody::Cut(_) => {}
                SeenBody::None => misses.push("expected a JSON body, got none".to_string()),
            }
        }
        if misses.is_empty() {
            Judgement::Met
        } else {
            Judgement::Missed(misses)
        }
    }

    /// Whether `status` meets the status rule (2xx or 3xx when none is given).
    pub fn status_ok(&self, status: u16) -> bool {
        if self.status.is_empty() {
            (200..400).contains(&status)
        } else {
            self.status.contains(&status)
        }
    }

    /// Whether any rule reads more than the status: a header or body rule.
    pub fn reads_more_than_status(&self) -> bool {
        !self.headers.is_empty() || self.reads_body()
    }

    fn check_head(&self, status: u16, headers: Headers<'_>, miss: &mut dyn FnMut(String)) {
        if !self.status_ok(status) {
            let wanted = if self.status.is_empty() {
                "a 2xx or 3xx status".to_string()
            } else {
                format!("status in {:?}", self.status)
            };
            miss(format!("expected {wanted}, got {status}"));
        }
        for (name, rule) in &self.headers {
            let value = headers.get(name.as_str()).map(String::from_utf8_lossy);
            match (rule, value) {
                (CompiledRule::Present, None) => {
                    miss(format!("expected header {name}, it is absent"));
                }
                (CompiledRule::Absent, Some(v)) => {
                    miss(format!("expected no header {name}, got {name}: {v}"));
                }
                (CompiledRule::Equals(want), got) if got.as_deref() != Some(want.as_str()) => {
                    miss(format!("expected {name}: {want}, got {}", show(got)));
                }
                (CompiledRule::Matches(re), got)
                    if !got.as_deref().is_some_and(|g| re.is_match(g)) =>
                {
                    miss(format!(
                        "expected {name} matching /{re}/, got {}",
                        show(got)
                    ));
                }
                _ => {}
            }
        }
    }

    fn check_body(&self, body: &[u8], misses: &mut Vec<String>) {
        let doc: serde_json::Value = match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => {
                misses.push(format!("expected a JSON body, it does not parse: {e}"));
                return;
            }
        };
        for (pointer, rule) in &self.json {
            if let Some(m) = json_miss(pointer, rule, doc.pointer(pointer)) {
                misses.push(m);
            }
        }
        if let Some((path, validator)) = &self.schema {
            let mut errors = validator.iter_errors(&doc);
            for e in errors.by_ref().take(MAX_SCHEMA_ERRORS) {
                let at = e.instance_path().to_string();
                let at = if at.is_empty() { "/".to_string() } else { at };
                misses.push(format!(
                    "expected the body to match the schema {path}: at {at:?}, {}",
                    truncate(&e.to_string(), 160)
                ));
            }
            let more = errors.count();
            if more > 0 {
                misses.push(format!(
                    "… and {more} more schema error{}",
                    if more == 1 { "" } else { "s" }
                ));
            }
        }
    }
}

/// `misses` as a report lists them: the first [`MAX_MISSES`], then "… and N more".
pub fn capped(mut misses: Vec<String>) -> Vec<String> {
    if misses.len() > MAX_MISSES {
        let more = misses.len() - MAX_MISSES;
        misses.truncate(MAX_MISSES);
        misses.push(format!("… and {more} more"));
    }
    misses
}

/// The response behind a miss, as its evidence keeps it: every header (lossy UTF-8), the first
/// [`RESPONSE_SAMPLE_BODY`] bytes of what was kept of the body, and the capped misses. Redaction
/// is the report's job. Called once per request and thread (the first miss), never per response.
pub fn response_sample(
    headers: Headers<'_>,
    kept: Option<&[u8]>,
    kept_cut: bool,
    misses: &[String],
) -> ResponseSample {
    ResponseSample {
        headers: headers.to_list(),
        body: kept.map(|b| b[..b.len().min(RESPONSE_SAMPLE_BODY)].to_vec()),
        body_cut: kept_cut || kept.is_some_and(|b| b.len() > RESPONSE_SAMPLE_BODY),
        misses: capped(misses.to_vec()),
    }
}

/// The one-line summary of `misses`: the first, and how many more there are.
pub fn summary(misses: &[String]) -> String {
    match misses {
        [] => String::new(),
        [one] => one.clone(),
        [first, rest @ ..] => format!("{first} (+{} more)", rest.len()),
    }
}

/// The miss of one JSON rule on the value found at `pointer`, if it misses.
fn json_miss(
    pointer: &str,
    rule: &CompiledJson,
    found: Option<&serde_json::Value>,
) -> Option<String> {
    use serde_json::Value as V;
    let Some(v) = found else {
        let wanted = match rule {
            CompiledJson::Exists => "something".to_string(),
            CompiledJson::Equals(want) => format!("= {}", shown(want)),
            CompiledJson::Matches(re) => format!("a string matching /{re}/"),
            CompiledJson::Type(t) => format!("of type {}", t.name()),
            CompiledJson::Range(b) => format!("a number {}", b.describe()),
            CompiledJson::Len(b) => format!("a length {}", b.describe()),
            CompiledJson::OneOf(vs) => format!("one of {}", shown_list(vs)),
        };
        return Some(format!("expected {pointer:?}: {wanted}, nothing there"));
    };
    match rule {
        CompiledJson::Exists => None,
        CompiledJson::Equals(want) => {
            (v != want).then(|| format!("expected {pointer:?} = {want}, got {}", shown(v)))
        }
        CompiledJson::Matches(re) => match v {
            V::String(s) if re.is_match(s) => None,
            V::String(_) => Some(format!(
                "expected {pointer:?} matching /{re}/, got {}",
                shown(v)
            )),
            _ => Some(format!(
                "expected {pointer:?} to be a string matching /{re}/, got {} {}",
                JsonType::of(v).name(),
                shown(v)
            )),
        },
        CompiledJson::Type(t) => (!t.admits(v)).then(|| {
            format!(
                "expected {pointer:?} of type {}, got {} {}",
                t.name(),
                JsonType::of(v).name(),
                shown(v)
            )
        }),
        CompiledJson::Range(b) => match v.as_f64() {
            Some(x) if b.contains(x) => None,
            Some(_) => Some(format!(
                "expected {pointer:?} {}, got {}",
                b.describe(),
                shown(v)
            )),
            None => Some(format!(
                "expected {pointer:?} to be a number {}, got {} {}",
                b.describe(),
                JsonType::of(v).name(),
                shown(v)
            )),
        },
        CompiledJson::Len(b) => {
            let len = match v {
                V::Array(a) => a.len(),
                V::String(s) => s.chars().count(),
                V::Object(o) => o.len(),
                _ => {
                    return Some(format!(
                        "expected {pointer:?} to have a length {} (an array, string or object), got {} {}",
                        b.describe(),
                        JsonType::of(v).name(),
                        shown(v)
                    ));
                }
            };
            (!b.contains(len as f64)).then(|| {
                format!(
                    "expected the length of {pointer:?} {}, got {len} ({})",
                    b.describe(),
                    JsonType::of(v).name()
                )
            })
        }
        CompiledJson::OneOf(vs) => (!vs.contains(v)).then(|| {
            format!(
                "expected {pointer:?} one of {}, got {}",
                shown_list(vs),
                shown(v)
            )
        }),
    }
}

fn show(v: Option<std::borrow::Cow<'_, str>>) -> String {
    v.map_or_else(|| "no such header".to_string(), |v| format!("{v:?}"))
}

/// A JSON value in a miss: compact, cut at 80 characters.
fn shown(v: &serde_json::Value) -> String {
    truncate(&v.to_string(), 80)
}

fn shown_list(vs: &[serde_json::Value]) -> String {
    truncate(&serde_json::Value::Array(vs.to_vec()).to_string(), 120)
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests;
