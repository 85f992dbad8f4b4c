//! Pure decisions: one error response judged against ERR-01/02/03/05/06, the active-only decisions
//! (ERR-04 stability, ERR-06 echo and traceparent, ERR-07 locality, ERR-08 status), and the
//! tallies that group identical findings with a count and keep one sample per kind.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use crate::checks::{pass, skip, verdict};
use crate::headers::problem::{
    self as pd, Issue, Json, MediaClass, Severity, classify_media, essence, expected_media_type,
};
use crate::observe::{Headers, as_str};
use crate::redact::Redactor;
use crate::scenario::ErrorProfile;
use crate::verdict::{CheckResult, CheckStatus, Evidence};

/// Distinct finding kinds kept per check (more are counted, not described).
pub const MAX_KINDS: usize = 8;
/// Evidence entries per check.
pub const MAX_EVIDENCE: usize = 3;
/// Bytes of a body kept in a load-phase sample.
pub const SAMPLE_BODY_CAP: usize = 2048;

/// How the responses are judged: the scenario's settings, compiled once.
pub struct Config {
    pub profile: ErrorProfile,
    pub request_id_headers: Vec<String>,
    /// `profile = "schema"`: the compiled validator, or why it could not be loaded.
    pub schema: Option<Result<Arc<jsonschema::Validator>, String>>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("profile", &self.profile)
            .field("request_id_headers", &self.request_id_headers)
            .field("schema", &self.schema.as_ref().map(|s| s.is_ok()))
            .finish()
    }
}

impl Config {
    pub fn plain(profile: ErrorProfile, request_id_headers: &[&str]) -> Config {
        Config {
            profile,
            request_id_headers: request_id_headers.iter().map(|s| s.to_string()).collect(),
            schema: None,
        }
    }
}

/// What one error response says about each passive check. `None` = not applicable.
#[derive(Debug, Clone)]
pub struct Reading {
    /// ERR-01 (always applicable).
    pub media: Vec<Issue>,
    /// ERR-02 (only for a JSON media type).
    pub members: Option<Vec<Issue>>,
    /// ERR-03 (only for a JSON object body).
    pub shape: Option<Vec<Issue>>,
    /// ERR-04 inputs: the error code and title (JSON bodies only).
    pub code: Option<String>,
    pub title: Option<String>,
    /// ERR-05 (always applicable).
    pub leak: Vec<Issue>,
    /// ERR-06: the request id, or the finding that there is none.
    pub request_id: Result<String, Issue>,
}

/// ERR-01: the media type of an error response.
pub fn media_issues(
    profile: ErrorProfile,
    content_type: Option<&str>,
    body_len: usize,
) -> Vec<Issue> {
    media_issues_of(
        profile,
        classify_media(profile, content_type),
        content_type,
        body_len,
    )
}

/// [`media_issues`] for a media type already classified (the judge needs the class itself too).
fn media_issues_of(
    profile: ErrorProfile,
    class: MediaClass,
    content_type: Option<&str>,
    body_len: usize,
) -> Vec<Issue> {
    let want = expected_media_type(profile);
    let got = content_type.map(essence).unwrap_or_default();
    match class {
        MediaClass::Expected => vec![],
        MediaClass::OtherJson => vec![Issue::warn(
            "other-json",
            format!("`{got}` is JSON but not `{want}`"),
        )],
        MediaClass::Html => vec![Issue::fail(
            "html",
            format!("an HTML error page (`{got}`), not `{want}`"),
        )],
        MediaClass::Text => vec![Issue::fail(
            "text",
            format!("plain text (`{got}`), not `{want}`"),
        )],
        MediaClass::Other => vec![Issue::fail("other", format!("`{got}`, not `{want}`"))],
        MediaClass::Missing if body_len == 0 => vec![Issue::fail(
            "empty",
            format!("an empty body without a Content-Type, not `{want}`"),
        )],
        MediaClass::Missing => vec![Issue::fail(
            "missing",
            format!("no Content-Type, not `{want}`"),
        )],
    }
}

/// ERR-05: stack traces and internals in the body or in header values; a versioned `Server` /
/// `X-Powered-By` is a warning.
pub fn leak_issues(headers: Headers<'_>, body: &[u8]) -> Vec<Issue> {
    let mut out = Vec::new();
    // Most error responses leak nothing: a literal search over the bytes (`may_leak`) clears a
    // clean text before it is decoded or meets the patterns.
    if pd::may_leak(body)
        && let Some(l) = pd::find_leak(&String::from_utf8_lossy(body))
    {
        out.push(Issue::fail(
            format!("body:{}", l.pattern),
            format!("{} in the body: {:?}", l.pattern, l.excerpt),
        ));
    }
    // The values one by one only when one of them may leak: a search costs more to start than
    // to run over a head's few hundred bytes, so one over the whole head clears it at once.
    if headers.all_bytes().is_none_or(pd::may_leak) {
        for (name, value) in headers.iter() {
            // (`find_leak` runs the literal search on each value itself.)
            let Some(v) = as_str(value) else { continue };
            if let Some(l) = pd::find_leak(v) {
                out.push(Issue::fail(
                    format!("header:{}", l.pattern),
                    format!(
                        "{} in the `{}` header: {:?}",
                        l.pattern,
                        String::from_utf8_lossy(name).to_ascii_lowercase(),
                        l.excerpt
                    ),
                ));
            }
        }
    }
    for name in ["server", "x-powered-by"] {
        for v in headers.get_all(name) {
            if let Some(v) = as_str(v)
                && pd::discloses_version(v)
            {
                out.push(Issue::warn(
                    format!("version:{name}"),
                    format!("`{name}: {v}` discloses a software version"),
                ));
            }
        }
    }
    out
}

/// Judge one error response (status >= 400). Responses whose media type is not JSON are not
/// judged by ERR-02/03/04 (ERR-01 has already failed them): one fault, one failing check.
/// ERR-06: the response's request id, or the finding that it has none.
pub fn request_id_of(cfg: &Config, headers: Headers<'_>) -> Result<String, Issue> {
    pd::request_id(|n| headers.get_str(n), &cfg.request_id_headers).ok_or_else(|| {
        Issue::fail(
            "missing-id",
            format!("no request id ({})", cfg.request_id_headers.join(", ")),
        )
    })
}

pub fn judge(
    cfg: &Config,
    status: u16,
    headers: Headers<'_>,
    body: &[u8],
    truncated: bool,
) -> Reading {
    let content_type = headers.get_str("content-type");
    let class = classify_media(cfg.profile, content_type);
    let mut j = Reading {
        media: media_issues_of(cfg.profile, class, content_type, body.len()),
        leak: leak_issues(headers, body),
        request_id: request_id_of(cfg, headers),
        members: None,
        shape: None,
        code: None,
        title: None,
    };
    if !class.is_json() {
        return j;
    }
    let json = match Json::parse(body) {
        Ok(v) => v,
        // A body cut at the passive cap cannot be judged.
        Err(_) if truncated => return j,
        Err(_) => {
            j.members = Some(vec![Issue::fail(
                "not-json",
                if body.is_empty() {
                    "the body is empty".to_string()
                } else {
                    "the body is not valid JSON".to_string()
                },
            )]);
            return j;
        }
    };
    j.members = Some(pd::member_issues(cfg.profile, status, &json));
    if json.is_object() {
        j.shape = match &cfg.schema {
            Some(Ok(v)) => Some(
                v.iter_errors(&json.to_value())
                    .next()
                    .map(|e| {
                        vec![Issue::fail(
                            "schema",
                            format!(
                                "does not validate against the schema: {e} at `{}`",
                                e.instance_path()
                            ),
                        )]
                    })
                    .unwrap_or_default(),
            ),
            // The schema could not be loaded: ERR-03 reports that instead.
            Some(Err(_)) => None,
            None => {
                let mut issues = pd::shape_issues(cfg.profile, &json);
                if class == MediaClass::OtherJson {
                    issues.extend(pd::undeclared_vocabulary(cfg.profile, &json));
                }
                Some(issues)
            }
        };
        j.code = pd::error_code(cfg.profile, &json);
        j.title = pd::error_title(cfg.profile, &json);
    }
    j
}

// ---------------------------------------------------------------------------------------------
// Active decisions

/// ERR-08: a declared probe's status. 405 must carry `Allow`; a 5xx for a client error fails.
pub fn decide_status(declared: &[u16], status: u16, has_allow: bool) -> Vec<Issue> {
    let mut out = Vec::new();
    let list = declared
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join("/");
    if status >= 500 && !declared.contains(&status) {
        out.push(Issue::fail(
            "5xx",
            format!("a client error got {status} (a server error); the scenario declares {list}"),
        ));
    } else if !declared.contains(&status) {
        out.push(Issue::fail(
            format!("status:{status}"),
            format!("got {status}; the scenario declares {list}"),
        ));
    }
    if status == 405 && !has_allow {
        out.push(Issue::fail("405-no-allow", "405 without an `Allow` header"));
    }
    out
}

/// ERR-04: the codes of one probe repeated N times. `None` when no repeat had a JSON error body.
pub fn decide_stability(codes: &[Option<String>]) -> Option<Vec<Issue>> {
    let mut distinct: Vec<&str> = codes.iter().flatten().map(String::as_str).collect();
    if distinct.is_empty() {
        return None;
    }
    distinct.sort_unstable();
    distinct.dedup();
    Some(if distinct.len() > 1 {
        vec![Issue::fail(
            "code-drift",
            format!(
                "the same request repeated gave different error codes: {}",
                distinct.join(" / ")
            ),
        )]
    } else {
        vec![]
    })
}

/// What ERR-04 holds a title constant for: the error's type, except that under problem+json
/// `about:blank` (also what a missing `type` means) is keyed on the status too, because its title
/// is the status's reason phrase (RFC 9457 §4.2.1): a 400 and a 404 rightly have different ones.
pub fn title_key(profile: ErrorProfile, code: &str, status: u16) -> String {
    if profile == ErrorProfile::ProblemJson && code == "about:blank" {
        format!("about:blank ({status})")
    } else {
        code.to_string()
    }
}

/// ERR-04: `title` must be constant per `type` (RFC 9457 §3.1.3).
pub fn decide_title(code: &str, known: &str, seen: &str) -> Option<Issue> {
    (known != seen).then(|| {
        Issue::fail(
            "title-drift",
            format!("type {code:?} has more than one title: {known:?} and {seen:?}"),
        )
    })
}

/// ERR-06: an inbound request id must come back. Absence is the missing-id finding already.
/// `required` (`echo_request_id = true`): the id must come back unchanged, and anything else
/// fails; otherwise a different id back is a warning and no id back is left to the
/// missing-id finding.
pub fn decide_echo(header: &str, sent: &str, got: Option<&str>, required: bool) -> Vec<Issue> {
    match got {
        Some(g) if g.trim() == sent => vec![],
        Some(g) => {
            let message = format!("sent `{header}: {sent}`, got `{g}` back");
            vec![if required {
                Issue::fail("not-echoed", message)
            } else {
                Issue::warn("not-echoed", message)
            }]
        }
        None if required => vec![Issue::fail(
            "not-echoed",
            format!("sent `{header}: {sent}`, got no `{header}` back"),
        )],
        None => vec![],
    }
}

/// ERR-06: a malformed `traceparent` must not cause a server error.
pub fn decide_traceparent(status: Option<u16>) -> Vec<Issue> {
    match status {
        Some(s) if s >= 500 => vec![Issue::fail(
            "traceparent-5xx",
            format!("a malformed `traceparent` caused {s}"),
        )],
        _ => vec![],
    }
}

/// ERR-07: a response to a request with one bad field must name that field. `None` when not
/// applicable (not a 400/422, or not a JSON body).
pub fn decide_locality(field: &str, status: u16, body: Option<&Value>) -> Option<Vec<Issue>> {
    if status != 400 && status != 422 {
        return None;
    }
    let refs = pd::field_references(body?);
    Some(if refs.iter().any(|r| r == field) {
        vec![]
    } else if refs.is_empty() {
        vec![Issue::warn(
            "names-nothing",
            format!(
                "the error names no field; expected a pointer / `param` / `source` naming `{field}`"
            ),
        )]
    } else {
        vec![Issue::warn(
            "points-elsewhere",
            format!("the error names {} but not `{field}`", refs.join(", ")),
        )]
    })
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Number(_) => "number",
        Value::String(s) if s.trim().parse::<f64>().is_ok() => "number",
        Value::String(_) => "string",
        Value::Bool(_) => "bool",
        Value::Null => "null",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The one field a probe's JSON body gets wrong compared with a well-formed sibling request: a
/// field whose kind differs, or else the one field it leaves out. `None` if not exactly one.
pub fn differing_field(probe: &Value, sibling: &Value) -> Option<String> {
    let (p, s) = (probe.as_object()?, sibling.as_object()?);
    let changed: Vec<&String> = p
        .iter()
        .filter(|(k, v)| s.get(*k).is_some_and(|w| kind(v) != kind(w)))
        .map(|(k, _)| k)
        .collect();
    match changed.as_slice() {
        [one] => return Some((*one).clone()),
        [] => {}
        _ => return None,
    }
    let missing: Vec<&String> = s.keys().filter(|k| !p.contains_key(*k)).collect();
    match missing.as_slice() {
        [one] => Some((*one).clone()),
        _ => None,
    }
}

/// The naming convention `invalid_<field>` / `bad_<field>` / `wrong_<field>`, if the probe's
/// JSON body has that field.
pub fn field_from_name(name: &str, probe: &Value) -> Option<String> {
    let field = ["invalid_", "bad_", "wrong_"]
        .iter()
        .find_map(|p| name.strip_prefix(p))?;
    probe
        .as_object()?
        .contains_key(field)
        .then(|| field.to_string())
}

// ---------------------------------------------------------------------------------------------
// Tallies

/// An observed response kept as a sample (raw; redacted when it becomes evidence).
#[derive(Debug, Clone)]
pub struct Seen {
    /// The scenario request, for a load-phase response.
    pub request: Option<String>,
    /// Which family's probe, for a probe's response.
    pub probe_of: Option<&'static str>,
    pub method: String,
    pub url: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub body_len: usize,
    /// What a probe sent: a load-phase request is rebuilt from the scenario.
    pub sent: Option<SentSample>,
}

/// A probe's request, raw.
#[derive(Debug, Clone)]
pub struct SentSample {
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

impl Seen {
    /// Keep what evidence needs of one observed response (raw: redacted when shown).
    pub fn of(o: &crate::observe::Observation<'_>) -> Seen {
        let body = o.body.unwrap_or(&[]);
        Seen {
            request: o.request.map(str::to_string),
            probe_of: match o.source {
                crate::observe::Source::Probe(family) => Some(family),
                _ => None,
            },
            method: o.method.to_string(),
            url: o.url.to_string(),
            status: o.status,
            headers: o.headers.to_list(),
            body: String::from_utf8_lossy(&body[..body.len().min(SAMPLE_BODY_CAP)]).into_owned(),
            body_len: body.len(),
            sent: o.sent.map(|s| SentSample {
                headers: Headers::Map(s.headers).to_list(),
                body: s.body.map(|b| String::from_utf8_lossy(b).into_owned()),
            }),
        }
    }

    fn evidence(&self, r: &Redactor, note: &str) -> Evidence {
        let mut body = r.text(&self.body);
        if self.body_len > SAMPLE_BODY_CAP {
            body.push_str(&format!("… ({} bytes in all)", self.body_len));
        }
        let shown = |h: &[(String, String)]| -> BTreeMap<String, String> {
            h.iter()
                .map(|(k, v)| (k.clone(), r.header_value(k, v)))
                .collect()
        };
        let place = match (self.probe_of, &self.request) {
            (Some(family), _) => format!("seen by a probe of {family}-*"),
            (None, Some(req)) => format!("seen during the load phase (request `{req}`)"),
            (None, None) => "seen during the load phase".to_string(),
        };
        Evidence {
            method: Some(self.method.clone()),
            url: Some(r.text(&self.url)),
            status: Some(self.status),
            request_headers: self
                .sent
                .as_ref()
                .map(|s| shown(&s.headers))
                .unwrap_or_default(),
            request_body: self
                .sent
                .as_ref()
                .and_then(|s| s.body.as_deref())
                .map(|b| r.text(b)),
            response_headers: shown(&self.headers),
            response_body: (!self.body.is_empty()).then_some(body),
            curl: self.sent.as_ref().map(|s| {
                crate::verdict::curl(
                    &self.method,
                    &self.url,
                    s.headers.iter().map(|(k, v)| (k.as_str(), v.clone())),
                    s.body.as_deref(),
                    r,
                )
            }),
            note: Some(r.text(&format!("{place}: {note}"))),
            request: self.request.clone(),
            ..Evidence::default()
        }
    }
}

#[derive(Debug, Clone)]
pub enum Sample {
    Seen(Box<Seen>),
    /// A probe's exchange, already redacted.
    Evidence(Box<Evidence>),
}

#[derive(Debug, Clone)]
pub struct Finding {
    pub severity: Severity,
    pub key: String,
    pub message: String,
    pub count: u64,
    pub sample: Option<Sample>,
}

/// One check's state: how many responses it judged, and its findings grouped by kind.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    pub judged: u64,
    pub findings: Vec<Finding>,
    /// Findings of kinds beyond [`MAX_KINDS`].
    pub overflow: u64,
}

impl Tally {
    /// One judged response (or probe) and its issues; `sample` is called only for a new kind.
    pub fn record(&mut self, issues: &[Issue], sample: &mut dyn FnMut(&Issue) -> Sample) {
        self.judged += 1;
        for i in issues {
            self.add(i, &mut *sample);
        }
    }

    /// A finding that is not tied to one more judged response.
    pub fn add(&mut self, issue: &Issue, sample: &mut dyn FnMut(&Issue) -> Sample) {
        if let Some(f) = self.findings.iter_mut().find(|f| f.key == issue.key) {
            f.count += 1;
        } else if self.findings.len() < MAX_KINDS {
            self.findings.push(Finding {
                severity: issue.severity,
                key: issue.key.clone(),
                message: issue.message.clone(),
                count: 1,
                sample: Some(sample(issue)),
            });
        } else {
            self.overflow += 1;
        }
    }

    pub fn add_unsampled(&mut self, issue: &Issue, count: u64) {
        if let Some(f) = self.findings.iter_mut().find(|f| f.key == issue.key) {
            f.count += count;
        } else if self.findings.len() < MAX_KINDS {
            self.findings.push(Finding {
                severity: issue.severity,
                key: issue.key.clone(),
                message: issue.message.clone(),
                count,
                sample: None,
            });
        } else {
            self.overflow += count;
        }
    }

    pub fn merge(&mut self, other: Tally) {
        self.judged += other.judged;
        self.overflow += other.overflow;
        for f in other.findings {
            if let Some(mine) = self.findings.iter_mut().find(|m| m.key == f.key) {
                mine.count += f.count;
                if mine.sample.is_none() {
                    mine.sample = f.sample;
                }
            } else if self.findings.len() < MAX_KINDS {
                self.findings.push(f);
            } else {
                self.overflow += f.count;
            }
        }
    }

    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// The one verdict of this check. `noun` names what was judged ("error responses");
    /// `skip_reason` is used when nothing was; `pass_message` when nothing was wrong.
    pub fn verdict(
        self,
        id: &str,
        noun: &str,
        skip_reason: &str,
        pass_message: &str,
        r: &Redactor,
    ) -> CheckResult {
        let Some(worst) = self.worst() else {
            if self.judged == 0 {
                return skip(id, skip_reason);
            }
            let mut c = pass(id, format!("{pass_message}: {} {noun}", self.judged));
            c.count = self.judged;
            return c;
        };
        let mut fs = self.findings;
        fs.sort_by(|a, b| b.severity.cmp(&a.severity).then(b.count.cmp(&a.count)));
        let total: u64 = fs
            .iter()
            .filter(|f| f.severity == worst)
            .map(|f| f.count)
            .sum();
        let mut parts: Vec<String> = fs
            .iter()
            .take(4)
            .map(|f| {
                let tag = if f.severity == Severity::Warn && worst == Severity::Fail {
                    " [warn]"
                } else {
                    ""
                };
                format!("{}{tag} (×{})", f.message, f.count)
            })
            .collect();
        let more = fs.len().saturating_sub(4) as u64 + self.overflow;
        if more > 0 {
            parts.push(format!("and {more} more"));
        }
        let message = format!(
            "{total} finding{} in {} {noun}: {}",
            if total == 1 { "" } else { "s" },
            self.judged,
            parts.join("; ")
        );
        let evidence: Vec<Evidence> = fs
            .iter()
            .filter_map(|f| {
                let e = match f.sample.as_ref()? {
                    Sample::Seen(s) => s.evidence(r, &f.message),
                    Sample::Evidence(e) => (**e).clone(),
                };
                Some(e)
            })
            .take(MAX_EVIDENCE)
            .collect();
        let status = match worst {
            Severity::Fail => CheckStatus::Fail,
            Severity::Warn => CheckStatus::Warn,
        };
        let mut c = verdict(id, status, message, evidence);
        c.count = total;
        c
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
