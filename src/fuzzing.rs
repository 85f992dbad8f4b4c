//! Fuzzing entry points: one function per fuzz target, each taking raw bytes and panicking when
//! an invariant of the code under test is broken.
//!
//! They live in the library (not in `fuzz/`) so that exactly the same checks run in two places:
//! coverage-guided under cargo-fuzz (`fuzz/fuzz_targets/*.rs` are one-line wrappers, see
//! `scripts/fuzz.sh`) and on stable in CI, where `tests/integration/fuzz.rs` replays the committed
//! corpus (`fuzz/corpus/<target>/`) through them and mutates it for a bounded time. The module is
//! public only for those two callers; it is `#[doc(hidden)]`, no part of the CLI's API, and
//! compiled only with the `fuzzing` cargo feature (off by default): `fuzz/Cargo.toml` turns it on,
//! and so does the package's dev-dependency on itself, for every `cargo test`.
//!
//! What is asserted is what each parser documents, nothing more:
//! - scenario loader: never panics; every rejection is a non-empty list of diagnostics, each
//!   located at the line and column of its span and rendered as `--> file:line:col`, the source
//!   line and a caret under the span;
//! - rate-limit fields: never panic; what a parser accepts serializes back to a field value that
//!   parses to the same thing; [`parse_fields`] agrees with the per-field parsers (same numbers,
//!   one error per field that does not parse) and orders its snapshots newest generation first;
//! - `Link`: never panics; accepted links serialize back to a value that parses the same; names
//!   and relation types are lower-cased tokens; targets resolve only against a base;
//! - `Retry-After`: never panics; delay-seconds are exactly the digits written, dates survive an
//!   IMF-fixdate round trip, and a date's delay is measured from the given `Date`;
//! - problem details (and the other error profiles): never panic; a non-object body is one
//!   `not-object` finding and no shape findings; a `status` member is compared with the HTTP
//!   status; the extracted field names, trace ids and URI references have their documented form.

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use reqwest::Url;
use serde_json::Value;

use crate::headers::ratelimit::{
    self, Fields, Generation, Limit, Policy, RateLimitField, Reset, ResetUnit, RlError,
    parse_fields,
};
use crate::headers::{link, problem, retry_after};
use crate::scenario::{Diagnostics, ErrorProfile, Format, load_str};

// ---------------------------------------------------------------------------------------------
// Scenario loader

/// `scenario_toml`: the bytes as a TOML scenario file.
pub fn scenario_toml(data: &[u8]) {
    scenario(data, Format::Toml, "fuzz.toml");
}

/// `scenario_json`: the bytes as a JSON scenario file.
pub fn scenario_json(data: &[u8]) {
    scenario(data, Format::Json, "fuzz.json");
}

/// The environment the fuzzed scenarios see: every variable is set except those whose name says
/// otherwise, so both `${env.NAME}` resolution and the "not set" diagnostic are reachable.
fn fuzz_env(name: &str) -> Option<String> {
    (!name.contains("UNSET")).then(|| format!("value-of-{name}"))
}

fn scenario(data: &[u8], format: Format, origin: &str) {
    // `scenario::load` turns invalid UTF-8 into its own diagnostic before the parsers see the
    // text; the parsers are what is fuzzed here, so give them text.
    let source = String::from_utf8_lossy(data);
    if let Err(diags) = load_str(&source, origin, format, &fuzz_env) {
        assert_located(&source, origin, &diags);
    }
}

/// Lines longer than this many chars are rendered as a window around the caret.
const WINDOW: usize = 160;

/// The invariant for a source line too long to show whole: the rendering shows a bounded window
/// of it, and the caret sits on the span's first char: what is left of the caret ends the line's
/// text before the span (after an optional `…`), what is right of it starts the line's text from
/// the span on (before an optional `…`). Returns the rest of the rendering after the caret line.
fn windowed_line<'r>(
    mut rest: &'r str,
    d: &crate::scenario::Diagnostic,
    line: usize,
    line_start: usize,
    text: &str,
    masked: &str,
    rendered: &str,
) -> &'r str {
    let gutter = " ".repeat(line.to_string().len());
    expect_prefix(&mut rest, &format!("{line} | "), "source line", rendered);
    let body = &rest[..rest.find('\n').unwrap_or(rest.len())];
    rest = &rest[body.len()..];
    expect_prefix(
        &mut rest,
        &format!("\n{gutter} | "),
        "caret gutter",
        rendered,
    );
    let caret_line = &rest[..rest.find('\n').unwrap_or(rest.len())];
    rest = &rest[caret_line.len()..];
    let pad = caret_line.chars().take_while(|&c| c == ' ').count();
    assert!(
        caret_line.len() > pad && caret_line[pad..].chars().all(|c| c == '^'),
        "diagnostic {:?}: caret line {caret_line:?}",
        d.message
    );
    let body: Vec<char> = body.chars().collect();
    assert!(
        body.len() <= WINDOW * 4 + 2,
        "diagnostic {:?}: a window of {} columns",
        d.message,
        body.len()
    );
    assert!(
        pad <= body.len(),
        "diagnostic {:?}: caret past the line",
        d.message
    );
    // The masked line has the same chars, one for one: split it at the span's char index.
    let at = d.span.start.min(line_start + text.len()) - line_start;
    let split = masked
        .char_indices()
        .nth(text[..at].chars().count())
        .map_or(masked.len(), |(i, _)| i);
    let before: String = masked[..split].replace('\t', "    ");
    let after: String = masked[split..].replace('\t', "    ");
    let left: String = body[..pad].iter().collect();
    let right: String = body[pad..].iter().collect();
    let left_ok = before.ends_with(&left)
        || left
            .strip_prefix('…')
            .is_some_and(|l| before.ends_with(l) && l.len() < before.len());
    let right_ok = after.starts_with(&right)
        || right
            .strip_suffix('…')
            .is_some_and(|r| after.starts_with(r) && r.len() < after.len());
    assert!(
        left_ok && right_ok,
        "diagnostic {:?}: the window {:?} (caret at {pad}) is not the line around the span\nin the rendering:\n{rendered}",
        d.message,
        body.iter().collect::<String>()
    );
    rest
}

/// Width of `text` as rendered: a tab is four columns, anything else one (as `scenario::diag`).
fn rendered_width(text: &str) -> usize {
    text.chars().map(|c| if c == '\t' { 4 } else { 1 }).sum()
}

/// Consume `expected` from the front of `rest`, or panic showing both.
fn expect_prefix(rest: &mut &str, expected: &str, what: &str, all: &str) {
    assert!(
        rest.starts_with(expected),
        "{what}: expected {expected:?} at {:?}\nin the rendering:\n{all}",
        rest.chars().take(120).collect::<String>()
    );
    *rest = &rest[expected.len()..];
}

/// The "errors are located" invariant. Every diagnostic's line and column are recomputed from its
/// span, and the rendering is walked diagnostic by diagnostic: the message, `--> file:line:col`,
/// the source line itself and a caret line whose caret starts under the span.
pub fn assert_located(source: &str, origin: &str, diags: &Diagnostics) {
    assert!(!diags.items.is_empty(), "a rejection without a diagnostic");
    assert_eq!(diags.origin(), origin);
    assert_eq!(diags.source(), source);
    let rendered = diags.to_string();
    let mut rest = rendered.as_str();
    for d in &diags.items {
        let span = d.span.clone();
        assert!(
            span.start <= span.end
                && span.end <= source.len()
                && source.is_char_boundary(span.start)
                && source.is_char_boundary(span.end),
            "diagnostic {:?}: span {span:?} is not a char range of the {}-byte source",
            d.message,
            source.len()
        );
        assert!(
            !d.message.trim().is_empty(),
            "a diagnostic without a message"
        );
        assert_eq!(d.origin, origin);
        let before = &source[..span.start];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = source[line_start..span.start].chars().count() + 1;
        assert_eq!(
            (d.line, d.col),
            (line, col),
            "diagnostic {:?}: line:col disagrees with its span {span:?}",
            d.message
        );

        let label = match d.severity {
            crate::scenario::Severity::Error => "error",
            crate::scenario::Severity::Warning => "warning",
        };
        let head = format!("{label}: {}\n", d.message);
        let at = rest.find(&head).unwrap_or_else(|| {
            panic!(
                "diagnostic {:?} is not rendered in order:\n{rendered}",
                d.message
            )
        });
        rest = &rest[at + head.len()..];
        let width = line.to_string().len();
        let gutter = " ".repeat(width);
        expect_prefix(
            &mut rest,
            &format!("{gutter}--> {origin}:{line}:{col}\n{gutter} |\n"),
            "location",
            &rendered,
        );
        let line_end = source[span.start..]
            .find('\n')
            .map_or(source.len(), |i| span.start + i);
        let text = &source[line_start..line_end];
        let text = text.strip_suffix('\r').unwrap_or(text);
        // URL passwords are shown masked, char for char (a secret in a quoted line).
        let masked = crate::scenario::mask_url_passwords(text);
        if text.chars().count() > WINDOW {
            rest = windowed_line(rest, d, line, line_start, text, &masked, &rendered);
            continue;
        }
        let shown = masked.replace('\t', "    ");
        let source_line = if shown.is_empty() {
            format!("{line} |\n")
        } else {
            format!("{line} | {shown}\n")
        };
        expect_prefix(&mut rest, &source_line, "source line", &rendered);
        expect_prefix(
            &mut rest,
            &format!("{gutter} | "),
            "caret gutter",
            &rendered,
        );
        let caret_line = &rest[..rest.find('\n').unwrap_or(rest.len())];
        let pad = rendered_width(&source[line_start..span.start.min(line_start + text.len())]);
        let caret_bytes = caret_line.as_bytes();
        assert!(
            caret_bytes.len() > pad
                && caret_bytes[..pad].iter().all(|&b| b == b' ')
                && caret_bytes[pad..].iter().all(|&b| b == b'^'),
            "diagnostic {:?}: caret line {caret_line:?} does not point at column {pad}",
            d.message
        );
        rest = &rest[caret_line.len()..];
    }
}

// ---------------------------------------------------------------------------------------------
// Rate-limit fields

/// `ratelimit_headers`: the bytes as header lines, `name: value` one per line. Every value also
/// goes through each single-field parser on its own; the lines together go through
/// [`parse_fields`], as one response's headers do.
pub fn ratelimit_headers(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut fields = Fields::default();
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        // A line without a name is a `RateLimit` value, so bare values are fuzzed in context too.
        let (name, value) = line.split_once(':').unwrap_or(("RateLimit", line));
        fields.set(name.trim(), value.trim_matches([' ', '\t']));
        each_parser(value);
    }
    check_fields(&fields);
}

fn sf_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn sf_bytes(b: &[u8]) -> String {
    format!(":{}:", base64::engine::general_purpose::STANDARD.encode(b))
}

fn policy_field(policies: &[Policy]) -> String {
    let members: Vec<String> = policies
        .iter()
        .map(|p| {
            let mut m = match &p.name {
                Some(name) => format!("{};q={}", sf_string(name), p.quota),
                None => p.quota.to_string(),
            };
            if let Some(w) = p.window {
                m += &format!(";w={w}");
            }
            if let Some(u) = &p.unit {
                m += &format!(";qu={}", sf_string(u));
            }
            if let Some(pk) = &p.partition_key {
                m += &format!(";pk={}", sf_bytes(pk));
            }
            m
        })
        .collect();
    members.join(", ")
}

fn ratelimit_field(field: &RateLimitField) -> String {
    match field {
        RateLimitField::Dict {
            limit,
            remaining,
            reset,
        } => format!("limit={limit}, remaining={remaining}, reset={reset}"),
        RateLimitField::List(limits) => {
            let members: Vec<String> = limits
                .iter()
                .map(|l| {
                    let mut m = format!("{};r={}", sf_string(&l.policy), l.remaining);
                    if let Some(t) = l.reset {
                        m += &format!(";t={t}");
                    }
                    if let Some(pk) = &l.partition_key {
                        m += &format!(";pk={}", sf_bytes(pk));
                    }
                    m
                })
                .collect();
            members.join(", ")
        }
    }
}

fn check_reset(r: &Reset, value: &str) {
    assert!(
        r.value.is_finite() && r.value >= 0.0,
        "reset {r:?} from {value:?} is not a non-negative number"
    );
    match r.unit {
        ResetUnit::Duration => assert!(r.value <= 1e12, "duration {r:?} from {value:?}"),
        unit => assert_eq!(
            unit,
            ratelimit::infer_unit(r.value),
            "reset unit of {value:?}"
        ),
    }
}

/// Each single-field parser on one value: accepted values round-trip.
fn each_parser(value: &str) {
    if let Ok(policies) = ratelimit::parse_policy(value) {
        let again = policy_field(&policies);
        assert_eq!(
            ratelimit::parse_policy(&again),
            Ok(policies),
            "RateLimit-Policy {value:?} re-serialized as {again:?}"
        );
    }
    if let Ok(field) = ratelimit::parse_ratelimit(value) {
        let again = ratelimit_field(&field);
        assert_eq!(
            ratelimit::parse_ratelimit(&again),
            Ok(field),
            "RateLimit {value:?} re-serialized as {again:?}"
        );
    }
    if let Ok((limit, window)) = ratelimit::parse_draft_limit(value) {
        let again = match window {
            Some(w) => format!("{limit};w={w}"),
            None => limit.to_string(),
        };
        assert_eq!(
            ratelimit::parse_draft_limit(&again),
            Ok((limit, window)),
            "RateLimit-Limit {value:?} re-serialized as {again:?}"
        );
    }
    if let Ok(n) = ratelimit::parse_draft_integer(value, "remaining") {
        assert_eq!(
            ratelimit::parse_draft_integer(&n.to_string(), "remaining"),
            Ok(n)
        );
    }
    if let Ok(n) = ratelimit::parse_vendor_int(value) {
        assert_eq!(ratelimit::parse_vendor_int(&n.to_string()), Ok(n));
    }
    if let Ok(r) = ratelimit::parse_vendor_reset(value) {
        check_reset(&r, value);
        if r.unit != ResetUnit::Duration {
            // `f64`'s `Display` is the shortest text that parses back to the same number.
            assert_eq!(
                ratelimit::parse_vendor_reset(&r.value.to_string()),
                Ok(r),
                "vendor reset {value:?}"
            );
        }
    }
    if let Ok(d) = ratelimit::parse_duration(value) {
        assert!(
            d.as_secs() <= 1_000_000_000_000,
            "duration {value:?} = {d:?}"
        );
    }
}

/// `parse_fields` against the per-field parsers.
fn check_fields(f: &Fields<'_>) {
    let parsed = parse_fields(f);
    let generations: Vec<Generation> = parsed.snapshots.iter().map(|s| s.generation).collect();
    assert!(
        generations.windows(2).all(|w| w[0] < w[1]),
        "snapshots not one per generation, newest first: {generations:?}"
    );
    for s in &parsed.snapshots {
        if let Some(r) = &s.reset {
            assert!(r.value.is_finite() && r.value >= 0.0, "snapshot {s:?}");
        }
    }
    let snapshot = |g: Generation| parsed.snapshots.iter().find(|s| s.generation == g);
    let failed = |field: &str, error: RlError| {
        assert!(
            parsed
                .errors
                .iter()
                .any(|e| e.field == field && e.error == error),
            "{field} failed with {error:?} but parse_fields reports {:?}",
            parsed.errors
        );
    };

    match f.ratelimit.map(ratelimit::parse_ratelimit) {
        Some(Ok(RateLimitField::Dict {
            limit,
            remaining,
            reset,
        })) => {
            let s = snapshot(Generation::Draft07).expect("a draft-07 snapshot");
            assert_eq!(
                (s.quota, s.remaining, s.reset),
                (
                    Some(limit),
                    Some(remaining),
                    Some(Reset::delta(reset as f64))
                )
            );
        }
        Some(Ok(RateLimitField::List(limits))) => {
            let least = limits.iter().map(|l: &Limit| l.remaining).min();
            let s = snapshot(Generation::Draft10).expect("a draft-10 snapshot");
            assert_eq!(s.remaining, least, "the least remaining quota is reported");
        }
        Some(Err(e)) => failed("RateLimit", e),
        None => {}
    }
    if let Some(Err(e)) = f.policy.map(ratelimit::parse_policy) {
        failed("RateLimit-Policy", e);
    }

    type IntField<'a> = (Option<&'a str>, &'static str, Generation, bool);
    let ints: [IntField<'_>; 6] = [
        (f.x_limit, "X-RateLimit-Limit", Generation::XRateLimit, true),
        (
            f.x_remaining,
            "X-RateLimit-Remaining",
            Generation::XRateLimit,
            false,
        ),
        (
            f.xd_limit,
            "X-Rate-Limit-Limit",
            Generation::XRateLimitDash,
            true,
        ),
        (
            f.xd_remaining,
            "X-Rate-Limit-Remaining",
            Generation::XRateLimitDash,
            false,
        ),
        (
            f.oa_limit,
            "x-ratelimit-limit-requests",
            Generation::OpenAi,
            true,
        ),
        (
            f.oa_remaining,
            "x-ratelimit-remaining-requests",
            Generation::OpenAi,
            false,
        ),
    ];
    for (value, field, generation, is_limit) in ints {
        let Some(value) = value else { continue };
        match ratelimit::parse_vendor_int(value) {
            Ok(n) => {
                let s = snapshot(generation).expect("a vendor snapshot");
                let got = if is_limit { s.quota } else { s.remaining };
                assert_eq!(got, Some(n), "{field}: {value:?}");
            }
            Err(e) => failed(field, e),
        }
    }
    for (value, field, generation) in [
        (f.x_reset, "X-RateLimit-Reset", Generation::XRateLimit),
        (f.xd_reset, "X-Rate-Limit-Reset", Generation::XRateLimitDash),
    ] {
        let Some(value) = value else { continue };
        match ratelimit::parse_vendor_reset(value) {
            Ok(r) => assert_eq!(
                snapshot(generation).and_then(|s| s.reset),
                Some(r),
                "{field}: {value:?}"
            ),
            Err(e) => failed(field, e),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Link

/// The base relative targets resolve against in `link_header`.
const LINK_BASE: &str = "https://api.example.com/v1/orders?limit=10";

/// `link_header`: the bytes as one `Link` field value, parsed with and without a base URL.
pub fn link_header(data: &[u8]) {
    let value = String::from_utf8_lossy(data);
    let base = Url::parse(LINK_BASE).expect("the base is a URL");
    let with_base = link::parse(&value, Some(&base));
    let without = link::parse(&value, None);
    assert_eq!(
        with_base.as_ref().map(Vec::len),
        without.as_ref().map(Vec::len),
        "a base URL changed whether {value:?} parses"
    );
    let (Ok(links), Ok(bare)) = (with_base, without) else {
        return;
    };
    for (l, b) in links.iter().zip(&bare) {
        assert!(b.target.is_none(), "a target resolved without a base");
        assert_eq!(l.target, base.join(&l.raw_target).ok(), "{value:?}");
        assert_eq!(l.raw_target, l.raw_target.trim(), "{value:?}");
        assert!(!l.raw_target.contains('>'), "{value:?}");
        for (name, _) in &l.params {
            assert!(
                !name.is_empty()
                    && name.bytes().all(|c| !c.is_ascii_uppercase()
                        && (c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c))),
                "parameter name {name:?} in {value:?}"
            );
        }
        let first_rel = l.params.iter().find(|(k, _)| k == "rel");
        let expected: Vec<String> = first_rel.map_or_else(Vec::new, |(_, v)| {
            v.split_ascii_whitespace()
                .map(str::to_ascii_lowercase)
                .collect()
        });
        assert_eq!(l.rels, expected, "rels of {value:?}");
        for rel in &l.rels {
            assert!(l.has_rel(&rel.to_ascii_uppercase()), "{value:?}");
            assert!(link::find_rel(&links, rel).is_some());
        }
    }
    // Re-serialize with every value quoted: the same links come back.
    let again = bare
        .iter()
        .map(|l| {
            let mut s = format!("<{}>", l.raw_target);
            for (k, v) in &l.params {
                s += &format!("; {k}=\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""));
            }
            s
        })
        .collect::<Vec<_>>()
        .join(", ");
    assert_eq!(
        link::parse(&again, None).as_ref(),
        Ok(&bare),
        "{value:?} re-serialized as {again:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Retry-After

/// `retry_after`: the bytes as a `Retry-After` value (and as a `Date` value).
pub fn retry_after(data: &[u8]) {
    let value = String::from_utf8_lossy(data);
    let _ = retry_after::response_date(Some(&value));
    let parsed = retry_after::parse(&value);
    let trimmed = value.trim_matches([' ', '\t']);
    assert_eq!(
        trimmed.is_empty(),
        parsed == Err(retry_after::RetryAfterError::Empty),
        "{value:?}: {parsed:?}"
    );
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    match parsed {
        Ok(ra @ retry_after::RetryAfter::Delay(d)) => {
            assert_eq!(
                trimmed.parse::<u64>().ok(),
                Some(d.as_secs()),
                "delay-seconds of {value:?}"
            );
            assert_eq!(ra.delay(None, now), d);
            assert_eq!(ra.kind(), "delay-seconds");
        }
        Ok(ra @ retry_after::RetryAfter::Date(at)) => {
            let text = httpdate::fmt_http_date(at);
            assert_eq!(
                retry_after::parse(&text),
                Ok(ra),
                "{value:?} as IMF-fixdate {text:?}"
            );
            assert_eq!(ra.kind(), "HTTP-date");
            assert_eq!(ra.delay(Some(at), now), Duration::ZERO);
            if let Some(earlier) = at.checked_sub(Duration::from_secs(30)) {
                assert_eq!(
                    ra.delay(Some(earlier), now),
                    Duration::from_secs(30),
                    "the delay is measured from the response's Date"
                );
            }
        }
        Err(_) => {}
    }
}

// ---------------------------------------------------------------------------------------------
// Problem details and the other error profiles

const PROFILES: [ErrorProfile; 5] = [
    ErrorProfile::ProblemJson,
    ErrorProfile::Google,
    ErrorProfile::Stripe,
    ErrorProfile::JsonApi,
    ErrorProfile::Schema,
];

/// `problem_json`: an error response as `<header value>\n<body>`: the first line is used as the
/// `Content-Type`, a `traceparent` and a `Server` value, the rest is the body. Without a newline
/// the whole input is the body.
pub fn problem_json(data: &[u8]) {
    let (first_line, data) = match data.iter().position(|&b| b == b'\n') {
        Some(at) => (String::from_utf8_lossy(&data[..at]), &data[at + 1..]),
        None => (Default::default(), data),
    };
    let first_line = first_line.as_ref();
    let text = String::from_utf8_lossy(data);
    for profile in PROFILES {
        let class = problem::classify_media(profile, Some(first_line));
        if class == problem::MediaClass::Expected && profile != ErrorProfile::Schema {
            assert_eq!(
                problem::essence(first_line),
                problem::expected_media_type(profile)
            );
        }
    }
    if let Some(leak) = problem::find_leak(&text) {
        assert!(
            problem::LEAK_PATTERNS
                .iter()
                .any(|(name, _)| *name == leak.pattern)
        );
    }
    let _ = problem::discloses_version(first_line);
    if problem::is_uri_reference(&text) {
        assert!(text.is_ascii(), "a URI reference is ASCII: {text:?}");
    }
    if let Some((trace, parent)) = problem::parse_traceparent(first_line) {
        let lower_hex = |s: &str| s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        assert!(trace.len() == 32 && parent.len() == 16 && lower_hex(trace) && lower_hex(parent));
        let names = ["traceparent".to_string()];
        assert_eq!(
            problem::request_id(|_| Some(first_line), &names).as_deref(),
            Some(trace)
        );
    }

    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        assert!(
            problem::Json::parse(data).is_err(),
            "Json reads what Value refuses"
        );
        return;
    };
    let refs = problem::field_references(&value);
    let body = problem::Json::parse(data).expect("Json reads what Value reads");
    assert_eq!(
        body.to_value(),
        value,
        "Json and Value read the same document"
    );
    assert!(
        refs.windows(2).all(|w| w[0] < w[1]) && refs.iter().all(|r| !r.is_empty()),
        "field references {refs:?}"
    );
    let status = body
        .get("status")
        .and_then(problem::Json::as_u64)
        .and_then(|s| u16::try_from(s).ok());
    for profile in PROFILES {
        let members = problem::member_issues(profile, status.unwrap_or(400), &body);
        let shape = problem::shape_issues(profile, &body);
        let code = problem::error_code(profile, &body);
        let _ = problem::error_title(profile, &body);
        let mut keys: Vec<&str> = shape.iter().map(|i| i.key.as_str()).collect();
        keys.sort_unstable();
        assert!(
            keys.windows(2).all(|w| w[0] != w[1]),
            "duplicate shape findings {keys:?}"
        );
        if !body.is_object() {
            assert_eq!(members.len(), 1, "{profile:?}: {members:?}");
            assert_eq!(members[0].key, "not-object");
            assert!(shape.is_empty(), "{profile:?}: {shape:?}");
            continue;
        }
        if profile == ErrorProfile::ProblemJson {
            let typ = body.get("type").and_then(problem::Json::as_str);
            assert_eq!(code.as_deref(), Some(typ.unwrap_or("about:blank")));
            let mismatch =
                |issues: &[problem::Issue]| issues.iter().any(|i| i.key == "status-mismatch");
            if let Some(s) = status {
                assert!(
                    !mismatch(&members),
                    "status {s} matches itself: {members:?}"
                );
                let other = problem::member_issues(profile, s.wrapping_add(1), &body);
                assert!(
                    mismatch(&other),
                    "status {s} vs {}: {other:?}",
                    s.wrapping_add(1)
                );
            }
        }
    }
}
