//! Error bodies: RFC 9457 problem details and the other error profiles (Google AIP-193, Stripe,
//! JSON:API), leakage patterns (stack traces, SQL errors, file paths) and request ids.
//!
//! Everything here is pure: text or a parsed JSON value in, findings out. The error-format checks
//! (`checks::error_format`) decide verdicts from these findings. The leakage scan (ERR-05) is in
//! `problem/leak.rs`; the rules read a body as a [`Json`] (`problem/json.rs`: a document that
//! borrows its strings from the body), ERR-07's field references a `serde_json::Value`.

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;

use crate::scenario::ErrorProfile;

pub use json::{Json, Object};

pub use leak::{LEAK_PATTERNS, Leak, discloses_version, find_leak, may_leak};

/// How bad one finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Warn,
    Fail,
}

/// One thing wrong with an error response. `key` groups identical findings (it never contains
/// per-response values); `message` describes the first one seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub severity: Severity,
    pub key: String,
    pub message: String,
}

impl Issue {
    pub fn fail(key: impl Into<String>, message: impl Into<String>) -> Issue {
        Issue {
            severity: Severity::Fail,
            key: key.into(),
            message: message.into(),
        }
    }

    pub fn warn(key: impl Into<String>, message: impl Into<String>) -> Issue {
        Issue {
            severity: Severity::Warn,
            key: key.into(),
            message: message.into(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Media types (ERR-01)

/// The media type a profile's error bodies must carry.
pub fn expected_media_type(profile: ErrorProfile) -> &'static str {
    match profile {
        ErrorProfile::ProblemJson => "application/problem+json",
        ErrorProfile::Google | ErrorProfile::Stripe | ErrorProfile::Schema => "application/json",
        ErrorProfile::JsonApi => "application/vnd.api+json",
    }
}

/// The profile's name as a scenario writes it (`profile = "google"`).
pub fn profile_name(profile: ErrorProfile) -> &'static str {
    match profile {
        ErrorProfile::ProblemJson => "problem+json",
        ErrorProfile::Google => "google",
        ErrorProfile::Stripe => "stripe",
        ErrorProfile::JsonApi => "jsonapi",
        ErrorProfile::Schema => "schema",
    }
}

/// `type/subtype` of a `Content-Type` value, lower-cased, parameters dropped. Borrowed when
/// it is lower case already (the common case: every error response is classified).
pub fn essence(content_type: &str) -> Cow<'_, str> {
    let e = content_type.split(';').next().unwrap_or("").trim();
    if e.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(e.to_ascii_lowercase())
    } else {
        Cow::Borrowed(e)
    }
}

fn is_json_essence(e: &str) -> bool {
    e == "application/json" || (e.starts_with("application/") && e.ends_with("+json"))
}

/// What kind of media type an error response has, relative to the profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaClass {
    /// The profile's own type (for `schema`: any JSON type).
    Expected,
    /// JSON, but not the profile's type (`application/json` for problem+json).
    OtherJson,
    Html,
    /// `text/plain` and other `text/*`.
    Text,
    /// Anything else (XML, octet-stream, …).
    Other,
    /// No `Content-Type` at all.
    Missing,
}

impl MediaClass {
    /// Whether the body may be judged as the profile's JSON (ERR-02/03/04/07 apply).
    pub fn is_json(self) -> bool {
        matches!(self, MediaClass::Expected | MediaClass::OtherJson)
    }
}

pub fn classify_media(profile: ErrorProfile, content_type: Option<&str>) -> MediaClass {
    let Some(ct) = content_type else {
        return MediaClass::Missing;
    };
    let e = essence(ct);
    let expected = expected_media_type(profile);
    if e == expected || (profile == ErrorProfile::Schema && is_json_essence(&e)) {
        MediaClass::Expected
    } else if is_json_essence(&e) {
        MediaClass::OtherJson
    } else if e == "text/html" || e == "application/xhtml+xml" {
        MediaClass::Html
    } else if e.starts_with("text/") {
        MediaClass::Text
    } else {
        MediaClass::Other
    }
}

// ---------------------------------------------------------------------------------------------
// Syntax helpers

/// RFC 3986 URI-reference syntax (absolute URI or relative reference), without normalisation.
pub fn is_uri_reference(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'%' {
            if i + 2 >= b.len() {
                return false;
            }
            if !(b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit()) {
                return false;
            }
            i += 3;
            continue;
        }
        let ok = c.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=".contains(&c);
        if !ok {
            return false;
        }
        i += 1;
    }
    // A colon in the first segment makes it a scheme, which must be well formed.
    let first = s.split(['/', '?', '#']).next().unwrap_or("");
    if let Some(colon) = first.find(':') {
        let scheme = &first[..colon];
        let mut chars = scheme.chars();
        let starts = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
        if !starts || !chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) {
            return false;
        }
    }
    true
}

/// AIP-193 `ErrorInfo.reason`: `[A-Z][A-Z0-9_]+[A-Z0-9]`, at most 63 characters.
pub fn is_aip_reason(s: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| Regex::new(r"^[A-Z][A-Z0-9_]+[A-Z0-9]$").expect("regex"));
    s.len() <= 63 && re.is_match(s)
}

fn type_name(v: &Json<'_>) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

fn short(s: &str) -> String {
    let mut out: String = s.chars().take(80).collect();
    if s.chars().count() > 80 {
        out.push('…');
    }
    out
}

/// The members RFC 9457 defines.
pub const PROBLEM_MEMBERS: &[&str] = &["type", "title", "status", "detail", "instance"];

fn is_error_info(v: &Json<'_>) -> bool {
    v.get("@type")
        .and_then(Json::as_str)
        .is_some_and(|t| t.ends_with("google.rpc.ErrorInfo"))
}

// ---------------------------------------------------------------------------------------------
// ERR-02: member values

/// ERR-02: the values of the members (does the body say what the response says?). A body that
/// is not a JSON object fails here; wrong member *types* are ERR-03's business, except `title` and
/// `detail`, which the catalog puts here.
pub fn member_issues(profile: ErrorProfile, http_status: u16, body: &Json<'_>) -> Vec<Issue> {
    let mut out = Vec::new();
    let Some(obj) = body.as_object() else {
        out.push(Issue::fail(
            "not-object",
            format!("the body is {}, not a JSON object", type_name(body)),
        ));
        return out;
    };
    let status_mismatch = |member: &str, got: String| {
        Issue::fail(
            "status-mismatch",
            format!("`{member}` is {got} but the HTTP status is {http_status}"),
        )
    };
    let string_member = |out: &mut Vec<Issue>, name: &str, v: Option<&Json<'_>>| {
        if let Some(v) = v
            && !v.is_string()
        {
            out.push(Issue::fail(
                format!("{name}-not-string"),
                format!("`{name}` is {}, not a string", type_name(v)),
            ));
        }
    };
    match profile {
        ErrorProfile::ProblemJson | ErrorProfile::Schema => {
            if let Some(t) = obj.get("type").and_then(Json::as_str)
                && !is_uri_reference(t)
            {
                out.push(Issue::fail(
                    "type-not-uri",
                    format!("`type` {:?} is not a URI reference", short(t)),
                ));
            }
            if let Some(s) = obj.get("status").and_then(Json::as_u64)
                && s != u64::from(http_status)
            {
                out.push(status_mismatch("status", s.to_string()));
            }
            if profile == ErrorProfile::ProblemJson {
                string_member(&mut out, "title", obj.get("title"));
                string_member(&mut out, "detail", obj.get("detail"));
                let mut short_names: Vec<&str> = obj
                    .keys()
                    .filter(|k| !PROBLEM_MEMBERS.contains(k) && k.chars().count() < 3)
                    .collect();
                if !short_names.is_empty() {
                    short_names.sort_unstable();
                    out.push(Issue::warn(
                        "short-extension",
                        format!(
                            "extension member name(s) shorter than 3 characters: {}",
                            short_names.join(", ")
                        ),
                    ));
                }
            }
        }
        ErrorProfile::Google => {
            if let Some(e) = obj.get("error").and_then(Json::as_object) {
                if let Some(c) = e.get("code").and_then(Json::as_u64)
                    && c != u64::from(http_status)
                {
                    out.push(status_mismatch("error.code", c.to_string()));
                }
                string_member(&mut out, "error.message", e.get("message"));
            }
        }
        ErrorProfile::Stripe => {
            if let Some(e) = obj.get("error").and_then(Json::as_object) {
                string_member(&mut out, "error.message", e.get("message"));
            }
        }
        ErrorProfile::JsonApi => {
            if let Some(errors) = obj.get("errors").and_then(Json::as_array) {
                for e in errors {
                    if let Some(s) = e.get("status").and_then(Json::as_str)
                        && s.trim() != http_status.to_string()
                    {
                        out.push(status_mismatch("errors[].status", format!("{s:?}")));
                        break;
                    }
                }
                for e in errors {
                    string_member(&mut out, "errors[].title", e.get("title"));
                    string_member(&mut out, "errors[].detail", e.get("detail"));
                }
                out.dedup_by(|a, b| a.key == b.key);
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// ERR-03: profile shape

/// ERR-03 for a body that does not even declare the profile's media type (`application/json`
/// under problem+json): with neither `title` nor `status` and no URI `type`, it is another
/// vocabulary (FastAPI's `{"detail": "Not Found"}`, `{"error": "…"}`), and a problem-details
/// client gets nothing from it. The same members under `application/problem+json` are a minimal
/// RFC 9457 body (every member is optional; `type` defaults to `about:blank`) and pass.
pub fn undeclared_vocabulary(profile: ErrorProfile, body: &Json<'_>) -> Vec<Issue> {
    let Some(obj) = body.as_object() else {
        return Vec::new();
    };
    if profile != ErrorProfile::ProblemJson
        || obj.contains_key("title")
        || obj.contains_key("status")
        // A `type` of any kind is judged by `shape_issues` (a bare word there fails already).
        || obj.get("type").and_then(Json::as_str).is_some()
    {
        return Vec::new();
    }
    let keys: Vec<&str> = obj.keys().take(4).collect();
    vec![Issue::fail(
        "not-problem-details",
        format!(
            "an `application/json` body with no `title`, no `status` and no `type` (members: {}): another vocabulary, nothing a problem-details client can use",
            keys.join(", ")
        ),
    )]
}

/// ERR-03: the structure the profile prescribes. A body that is not an object is ERR-02's
/// finding and yields nothing here. (`schema` is validated by the caller with its validator.)
pub fn shape_issues(profile: ErrorProfile, body: &Json<'_>) -> Vec<Issue> {
    let mut out = Vec::new();
    let Some(obj) = body.as_object() else {
        return out;
    };
    let typed = |out: &mut Vec<Issue>,
                 name: &str,
                 v: Option<&Json<'_>>,
                 ok: fn(&Json<'_>) -> bool,
                 want: &str| {
        if let Some(v) = v
            && !ok(v)
        {
            out.push(Issue::fail(
                format!("{name}-type"),
                format!("`{name}` is {}, not {want}", type_name(v)),
            ));
        }
    };
    match profile {
        ErrorProfile::ProblemJson => {
            if !PROBLEM_MEMBERS.iter().any(|m| obj.contains_key(m)) {
                out.push(Issue::fail(
                    "no-problem-members",
                    "none of the problem details members (type, title, status, detail, instance)",
                ));
            }
            // A body in another vocabulary that happens to have a `type` member (`"type":
            // "validation_error"` with a `message`): no `title`, no `status`, and a `type` that is
            // a bare word rather than a URI, so a problem-details client gets nothing from it.
            // (Every member is optional in RFC 9457, and a missing `type` means `about:blank`:
            // a body without `type` is not judged by this rule.)
            if let Some(t) = obj.get("type").and_then(Json::as_str)
                && !t.contains([':', '/'])
                && !obj.contains_key("title")
                && !obj.contains_key("status")
            {
                out.push(Issue::fail(
                    "not-problem-details",
                    format!(
                        "no `title`, no `status`, and `type` {:?} is a bare word, not a URI: \
                         nothing a problem-details client can use",
                        short(t)
                    ),
                ));
            }
            typed(
                &mut out,
                "type",
                obj.get("type"),
                |v| v.is_string(),
                "a string",
            );
            typed(
                &mut out,
                "instance",
                obj.get("instance"),
                |v| v.is_string(),
                "a string",
            );
            typed(
                &mut out,
                "status",
                obj.get("status"),
                |v| v.as_u64().is_some_and(|s| (100..=599).contains(&s)),
                "an integer HTTP status code",
            );
        }
        ErrorProfile::Google => match obj.get("error") {
            Some(Json::Object(e)) => {
                let required = |out: &mut Vec<Issue>, name: &str| {
                    if !e.contains_key(name) {
                        out.push(Issue::fail(
                            format!("error.{name}-missing"),
                            format!("`error.{name}` is missing"),
                        ));
                    }
                };
                required(&mut out, "code");
                required(&mut out, "message");
                required(&mut out, "status");
                typed(
                    &mut out,
                    "error.code",
                    e.get("code"),
                    |v| v.is_u64(),
                    "an integer",
                );
                typed(
                    &mut out,
                    "error.status",
                    e.get("status"),
                    |v| {
                        v.as_str().is_some_and(|s| {
                            !s.is_empty() && s.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
                        })
                    },
                    "an UPPER_SNAKE_CASE canonical code",
                );
                match e.get("details") {
                    Some(Json::Array(details)) => {
                        let infos: Vec<&Json<'_>> =
                            details.iter().filter(|d| is_error_info(d)).collect();
                        if details.iter().any(|d| d.get("@type").and_then(Json::as_str).is_none()) {
                            out.push(Issue::fail(
                                "details-type",
                                "an `error.details` entry has no `@type`",
                            ));
                        }
                        match infos.as_slice() {
                            [] => out.push(Issue::fail(
                                "errorinfo-count",
                                "`error.details` has no google.rpc.ErrorInfo (AIP-193 wants exactly one)",
                            )),
                            [info] => {
                                match info.get("reason").and_then(Json::as_str) {
                                    Some(r) if is_aip_reason(r) => {}
                                    Some(r) => out.push(Issue::fail(
                                        "errorinfo-reason",
                                        format!("ErrorInfo reason {:?} does not match [A-Z][A-Z0-9_]+[A-Z0-9]", short(r)),
                                    )),
                                    None => out.push(Issue::fail(
                                        "errorinfo-reason",
                                        "ErrorInfo has no `reason`",
                                    )),
                                }
                                if info.get("domain").and_then(Json::as_str).is_none_or(str::is_empty) {
                                    out.push(Issue::fail("errorinfo-domain", "ErrorInfo has no `domain`"));
                                }
                            }
                            many => out.push(Issue::fail(
                                "errorinfo-count",
                                format!("`error.details` has {} ErrorInfo entries (AIP-193 wants exactly one)", many.len()),
                            )),
                        }
                    }
                    Some(v) => out.push(Issue::fail(
                        "details-type",
                        format!("`error.details` is {}, not an array", type_name(v)),
                    )),
                    None => out.push(Issue::fail(
                        "errorinfo-count",
                        "no `error.details` with a google.rpc.ErrorInfo (AIP-193 wants exactly one)",
                    )),
                }
            }
            Some(v) => out.push(Issue::fail(
                "error-type",
                format!("`error` is {}, not an object", type_name(v)),
            )),
            None => out.push(Issue::fail("error-missing", "no top-level `error` object")),
        },
        ErrorProfile::Stripe => match obj.get("error") {
            Some(Json::Object(e)) => {
                if !e.get("type").is_some_and(Json::is_string) {
                    out.push(Issue::fail(
                        "error.type-missing",
                        "`error.type` (a string) is missing",
                    ));
                }
                for name in ["code", "param", "decline_code", "doc_url"] {
                    typed(
                        &mut out,
                        &format!("error.{name}"),
                        e.get(name),
                        |v| v.is_string() || v.is_null(),
                        "a string",
                    );
                }
            }
            Some(v) => out.push(Issue::fail(
                "error-type",
                format!("`error` is {}, not an object", type_name(v)),
            )),
            None => out.push(Issue::fail("error-missing", "no top-level `error` object")),
        },
        ErrorProfile::JsonApi => {
            match obj.get("errors") {
                Some(Json::Array(errors)) if !errors.is_empty() => {
                    for e in errors {
                        let Some(eo) = e.as_object() else {
                            out.push(Issue::fail(
                                "errors-entry",
                                "an `errors` entry is not an object",
                            ));
                            continue;
                        };
                        typed(
                            &mut out,
                            "errors[].status",
                            eo.get("status"),
                            |v| v.is_string(),
                            "a string",
                        );
                        typed(
                            &mut out,
                            "errors[].code",
                            eo.get("code"),
                            |v| v.is_string(),
                            "a string",
                        );
                        typed(
                            &mut out,
                            "errors[].id",
                            eo.get("id"),
                            |v| v.is_string(),
                            "a string",
                        );
                        match eo.get("source") {
                            None => {}
                            Some(Json::Object(src)) => {
                                for name in ["pointer", "parameter", "header"] {
                                    typed(
                                        &mut out,
                                        &format!("errors[].source.{name}"),
                                        src.get(name),
                                        |v| v.is_string(),
                                        "a string",
                                    );
                                }
                            }
                            Some(v) => out.push(Issue::fail(
                                "errors[].source-type",
                                format!("`errors[].source` is {}, not an object", type_name(v)),
                            )),
                        }
                    }
                }
                Some(Json::Array(_)) => out.push(Issue::fail("errors-empty", "`errors` is empty")),
                Some(v) => out.push(Issue::fail(
                    "errors-type",
                    format!("`errors` is {}, not an array", type_name(v)),
                )),
                None => out.push(Issue::fail("errors-missing", "no top-level `errors` array")),
            }
            if obj.contains_key("data") {
                out.push(Issue::fail(
                    "data-with-errors",
                    "`data` and `errors` in one document",
                ));
            }
        }
        ErrorProfile::Schema => {}
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|i| seen.insert(i.key.clone()));
    out
}

// ---------------------------------------------------------------------------------------------
// ERR-04: what identifies an error

/// The error's machine-readable identity: what must stay the same when the same fault repeats.
pub fn error_code(profile: ErrorProfile, body: &Json<'_>) -> Option<String> {
    let s = |v: Option<&Json<'_>>| v.and_then(Json::as_str).map(str::to_owned);
    match profile {
        ErrorProfile::ProblemJson => {
            body.as_object()?;
            Some(s(body.get("type")).unwrap_or_else(|| "about:blank".to_owned()))
        }
        ErrorProfile::Google => {
            let e = body.get("error")?;
            let status = s(e.get("status")).unwrap_or_default();
            let reason = e
                .get("details")
                .and_then(Json::as_array)
                .and_then(|d| d.iter().find(|x| is_error_info(x)))
                .and_then(|i| s(i.get("reason")))
                .unwrap_or_default();
            Some(format!("{status}/{reason}"))
        }
        ErrorProfile::Stripe => {
            let e = body.get("error")?;
            Some(format!(
                "{}/{}",
                s(e.get("type")).unwrap_or_default(),
                s(e.get("code")).unwrap_or_default()
            ))
        }
        ErrorProfile::JsonApi => {
            let e = body.get("errors")?.as_array()?.first()?;
            s(e.get("code")).or_else(|| s(e.get("title")))
        }
        ErrorProfile::Schema => s(body.get("type"))
            .or_else(|| s(body.get("code")))
            .or_else(|| {
                body.get("code")
                    .filter(|c| c.is_number())
                    .map(|c| c.to_string())
            })
            .or_else(|| s(body.pointer("/error/code")))
            .or_else(|| s(body.pointer("/error/type"))),
    }
}

/// The human title that must be constant per [`error_code`] (RFC 9457 §3.1.3), where the profile
/// has one.
pub fn error_title(profile: ErrorProfile, body: &Json<'_>) -> Option<String> {
    match profile {
        ErrorProfile::ProblemJson | ErrorProfile::Schema => {
            body.get("title")?.as_str().map(str::to_owned)
        }
        ErrorProfile::JsonApi => body.pointer("/errors/0/title")?.as_str().map(str::to_owned),
        ErrorProfile::Google | ErrorProfile::Stripe => None,
    }
}

// ---------------------------------------------------------------------------------------------
// ERR-07: which fields an error names

const FIELD_KEYS: &[&str] = &["pointer", "param", "parameter", "field", "location", "path"];

/// Every field the body names, normalised to its last segment: JSON pointers (`/amount`,
/// `#/amount`, `/data/attributes/amount`), Stripe `param` (`amount`, `card[number]`), AIP
/// `fieldViolations[].field` (`order.amount`), RFC 9457 `invalid-params[].name`.
pub fn field_references(body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(body, 0, false, &mut out);
    out.sort();
    out.dedup();
    out
}

fn walk(v: &Value, depth: usize, in_list: bool, out: &mut Vec<String>) {
    if depth > 16 || out.len() > 64 {
        return;
    }
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                if depth == 0 && PROBLEM_MEMBERS.contains(&k.as_str()) {
                    continue;
                }
                let named = FIELD_KEYS.contains(&k.as_str()) || (in_list && k == "name");
                match x {
                    Value::String(s) if named => {
                        if let Some(f) = last_segment(s) {
                            out.push(f);
                        }
                    }
                    _ => walk(
                        x,
                        depth + 1,
                        k == "invalid-params" || k == "invalid_params",
                        out,
                    ),
                }
            }
        }
        Value::Array(a) => {
            for x in a {
                walk(x, depth + 1, in_list, out);
            }
        }
        _ => {}
    }
}

fn last_segment(s: &str) -> Option<String> {
    let s = s.trim().trim_start_matches('#');
    let seg = s
        .split(['/', '.', '['])
        .map(|x| x.trim_end_matches(']'))
        .rfind(|x| !x.is_empty() && !x.bytes().all(|b| b.is_ascii_digit()))?;
    Some(seg.replace("~1", "/").replace("~0", "~"))
}

// ---------------------------------------------------------------------------------------------
// ERR-06: request ids

/// W3C Trace Context `traceparent`: `(trace-id, parent-id)` if well formed.
pub fn parse_traceparent(s: &str) -> Option<(&str, &str)> {
    let s = s.trim();
    let parts: Vec<&str> = s.split('-').collect();
    let hex = |x: &str, n: usize| {
        x.len() == n
            && x.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    let [version, trace, parent, flags, rest @ ..] = parts.as_slice() else {
        return None;
    };
    let ok = hex(version, 2)
        && *version != "ff"
        && (rest.is_empty() || *version != "00")
        && hex(trace, 32)
        && trace.bytes().any(|b| b != b'0')
        && hex(parent, 16)
        && parent.bytes().any(|b| b != b'0')
        && hex(flags, 2);
    ok.then_some((*trace, *parent))
}

/// The request id a response carries: the first of `names` present and non-empty; for
/// `traceparent`, its trace id. `get` looks a header up by name.
pub fn request_id<'a>(get: impl Fn(&str) -> Option<&'a str>, names: &[String]) -> Option<String> {
    for name in names {
        let Some(v) = get(name) else { continue };
        let v = v.trim();
        if v.is_empty() {
            continue;
        }
        if name.eq_ignore_ascii_case("traceparent") {
            if let Some((trace, _)) = parse_traceparent(v) {
                return Some(trace.to_owned());
            }
            continue;
        }
        return Some(v.to_owned());
    }
    None
}

mod json;
mod leak;
#[cfg(test)]
mod tests;
