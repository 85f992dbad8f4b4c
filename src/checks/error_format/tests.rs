use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::json;

use super::*;
use crate::observe::Headers;
use crate::verdict::CheckStatus;

fn headers(h: &[(&str, &str)]) -> HeaderMap {
    let mut m = HeaderMap::new();
    for (k, v) in h {
        m.append(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    m
}

fn cfg() -> Config {
    Config::plain(ErrorProfile::ProblemJson, &["X-Request-Id"])
}

const GOOD: &str = r#"{"type":"https://loadproof.dev/problems/order-not-found","title":"Order not found","status":404,"detail":"no order","instance":"/orders/x","request_id":"req_1"}"#;

fn problem_headers() -> HeaderMap {
    headers(&[
        ("content-type", "application/problem+json"),
        ("x-request-id", "req_1"),
    ])
}

fn keys(v: &[Issue]) -> Vec<&str> {
    v.iter().map(|i| i.key.as_str()).collect()
}

/// Which of ERR-01/02/03/05/06 a judgement fails (the passive one-fault-one-check property).
fn failing(j: &Reading) -> Vec<&'static str> {
    let bad = |v: &[Issue]| v.iter().any(|i| i.severity == Severity::Fail);
    let mut out = vec![];
    if bad(&j.media) {
        out.push("ERR-01");
    }
    if j.members.as_deref().is_some_and(bad) {
        out.push("ERR-02");
    }
    if j.shape.as_deref().is_some_and(bad) {
        out.push("ERR-03");
    }
    if bad(&j.leak) {
        out.push("ERR-05");
    }
    if j.request_id.is_err() {
        out.push("ERR-06");
    }
    out
}

/// `judge` under the default config, for a whole body and headers held in a map.
fn judged(status: u16, h: &HeaderMap, body: &[u8]) -> Reading {
    judge(&cfg(), status, Headers::Map(h), body, false)
}

#[test]
fn conforming_response_has_no_findings() {
    let j = judged(404, &problem_headers(), GOOD.as_bytes());
    assert!(failing(&j).is_empty(), "{j:?}");
    assert_eq!(j.request_id.as_deref(), Ok("req_1"));
    assert_eq!(
        j.code.as_deref(),
        Some("https://loadproof.dev/problems/order-not-found")
    );
    assert_eq!(j.title.as_deref(), Some("Order not found"));
}

#[test]
fn html_fails_only_err01_and_is_not_judged_as_json() {
    let h = headers(&[
        ("content-type", "text/html; charset=utf-8"),
        ("x-request-id", "r"),
    ]);
    let body = "<!DOCTYPE html><html><body><h1>404 Order not found</h1></body></html>";
    let j = judged(404, &h, body.as_bytes());
    assert_eq!(failing(&j), ["ERR-01"]);
    assert!(j.members.is_none() && j.shape.is_none() && j.code.is_none());
}

#[test]
fn stack_trace_fails_only_err05() {
    let body = json!({"type": "https://x/p/e", "title": "E", "status": 400, "detail": "bad\n\nTraceback (most recent call last):\n  File \"/srv/app/orders.py\", line 42, in create"});
    let j = judged(400, &problem_headers(), body.to_string().as_bytes());
    assert_eq!(failing(&j), ["ERR-05"]);
}

#[test]
fn status_mismatch_fails_only_err02() {
    let j = judged(400, &problem_headers(), GOOD.as_bytes());
    assert_eq!(failing(&j), ["ERR-02"]);
    assert_eq!(keys(j.members.as_ref().unwrap()), ["status-mismatch"]);
}

#[test]
fn missing_request_id_fails_only_err06() {
    let h = headers(&[("content-type", "application/problem+json")]);
    let j = judged(404, &h, GOOD.as_bytes());
    assert_eq!(failing(&j), ["ERR-06"]);
}

#[test]
fn media_decisions() {
    use ErrorProfile::ProblemJson as P;
    assert!(media_issues(P, Some("application/problem+json"), 10).is_empty());
    let w = media_issues(P, Some("application/json"), 10);
    assert_eq!(
        (w[0].severity, w[0].key.as_str()),
        (Severity::Warn, "other-json")
    );
    assert_eq!(keys(&media_issues(P, Some("text/plain"), 10)), ["text"]);
    assert_eq!(keys(&media_issues(P, None, 0)), ["empty"]);
    assert_eq!(keys(&media_issues(P, None, 5)), ["missing"]);
}

#[test]
fn json_that_is_broken_or_truncated() {
    let j = judged(400, &problem_headers(), b"{\"type\":");
    assert_eq!(keys(j.members.as_ref().unwrap()), ["not-json"]);
    let j = judge(
        &cfg(),
        400,
        Headers::Map(&problem_headers()),
        b"{\"type\":",
        true,
    );
    assert!(j.members.is_none(), "a body cut at the cap is not judged");
}

#[test]
fn leaks_in_headers_and_versions() {
    let h = headers(&[
        ("content-type", "application/problem+json"),
        ("x-request-id", "r"),
        ("server", "nginx/1.25.3"),
        ("x-debug", "panic: boom"),
    ]);
    let issues = leak_issues(Headers::Map(&h), GOOD.as_bytes());
    assert_eq!(keys(&issues), ["header:Go panic", "version:server"]);
    assert_eq!(issues[1].severity, Severity::Warn);
    assert!(leak_issues(Headers::Map(&problem_headers()), GOOD.as_bytes()).is_empty());
}

/// Fields as the lean client keeps them (one search over the whole head first) give the same
/// findings as a map: a leak in any one value, in the first, the last, or none.
#[test]
fn leaks_in_raw_headers_are_found_as_in_a_map() {
    let cases: [&[(&str, &str)]; 4] = [
        &[
            ("x-debug", "panic: boom"),
            ("content-type", "application/problem+json"),
        ],
        &[
            ("content-type", "application/problem+json"),
            ("x-trace", "at /srv/app/handler.py"),
        ],
        &[("server", "nginx/1.25.3"), ("x-request-id", "r")],
        &[
            ("content-type", "application/problem+json"),
            ("x-request-id", "r"),
        ],
    ];
    for pairs in cases {
        let mut head = b"HTTP/1.1 500 Internal Server Error\r\n".to_vec();
        for (n, v) in pairs {
            head.extend_from_slice(format!("{n}: {v}\r\n").as_bytes());
        }
        head.extend_from_slice(b"\r\n");
        let mut fields = [httparse::EMPTY_HEADER; 8];
        let mut resp = httparse::Response::new(&mut fields);
        resp.parse(&head).unwrap();
        let raw = crate::observe::RawHeaders::from_parsed(&head, resp.headers);
        let map = headers(pairs);
        assert_eq!(
            leak_issues(Headers::Raw(&raw), GOOD.as_bytes()),
            leak_issues(Headers::Map(&map), GOOD.as_bytes()),
            "{pairs:?}"
        );
    }
    let leaky = |pairs: &[(&str, &str)]| {
        let map = headers(pairs);
        leak_issues(Headers::Map(&map), GOOD.as_bytes())
            .into_iter()
            .map(|i| i.key)
            .collect::<Vec<_>>()
    };
    assert_eq!(leaky(cases[0]), ["header:Go panic"]);
    assert_eq!(leaky(cases[1]), ["header:absolute file path"]);
    assert!(leaky(cases[3]).is_empty());
}

#[test]
fn schema_profile_uses_the_validator() {
    let schema =
        json!({"type": "object", "required": ["code"], "properties": {"code": {"type": "string"}}});
    let mut c = Config::plain(ErrorProfile::Schema, &["X-Request-Id"]);
    c.schema = Some(Ok(std::sync::Arc::new(
        jsonschema::validator_for(&schema).unwrap(),
    )));
    let h = headers(&[("content-type", "application/json"), ("x-request-id", "r")]);
    let ok = judge(&c, 400, Headers::Map(&h), br#"{"code":"bad"}"#, false);
    assert_eq!(ok.shape, Some(vec![]));
    let bad = judge(&c, 400, Headers::Map(&h), br#"{"code":1}"#, false);
    assert_eq!(keys(bad.shape.as_ref().unwrap()), ["schema"]);
}

#[test]
fn status_decisions() {
    assert!(decide_status(&[404], 404, false).is_empty());
    assert!(decide_status(&[400, 422], 422, false).is_empty());
    assert_eq!(keys(&decide_status(&[404], 400, false)), ["status:400"]);
    assert_eq!(keys(&decide_status(&[400], 500, false)), ["5xx"]);
    assert_eq!(keys(&decide_status(&[405], 405, false)), ["405-no-allow"]);
    assert!(decide_status(&[405], 405, true).is_empty());
}

#[test]
fn stability_decisions() {
    let s = |v: &[Option<&str>]| v.iter().map(|x| x.map(str::to_string)).collect::<Vec<_>>();
    assert_eq!(decide_stability(&s(&[None, None])), None);
    assert_eq!(
        decide_stability(&s(&[Some("a"), Some("a"), None])),
        Some(vec![])
    );
    assert_eq!(
        keys(&decide_stability(&s(&[Some("a"), Some("b")])).unwrap()),
        ["code-drift"]
    );
    assert!(decide_title("t", "A", "A").is_none());
    assert_eq!(decide_title("t", "A", "B").unwrap().key, "title-drift");
}

#[test]
fn correlation_decisions() {
    assert!(decide_echo("X-Request-Id", "a", Some("a"), false).is_empty());
    assert!(
        decide_echo("X-Request-Id", "a", None, false).is_empty(),
        "absence is missing-id"
    );
    let other = decide_echo("X-Request-Id", "a", Some("b"), false);
    assert_eq!(
        (keys(&other), other[0].severity),
        (vec!["not-echoed"], Severity::Warn)
    );
    // `echo_request_id = true`: the echo is required, so anything but the same id fails.
    assert!(decide_echo("X-Request-Id", "a", Some("a"), true).is_empty());
    for got in [Some("b"), None] {
        let i = decide_echo("X-Request-Id", "a", got, true);
        assert_eq!(
            (keys(&i), i[0].severity),
            (vec!["not-echoed"], Severity::Fail)
        );
    }
    assert!(decide_traceparent(Some(400)).is_empty());
    assert!(decide_traceparent(None).is_empty());
    assert_eq!(keys(&decide_traceparent(Some(500))), ["traceparent-5xx"]);
}

#[test]
fn locality_decisions() {
    let named = json!({"errors": [{"pointer": "/amount"}, {"pointer": "/currency"}]});
    assert_eq!(decide_locality("amount", 400, Some(&named)), Some(vec![]));
    let other = json!({"errors": [{"pointer": "/customer"}]});
    assert_eq!(
        keys(&decide_locality("amount", 422, Some(&other)).unwrap()),
        ["points-elsewhere"]
    );
    assert_eq!(
        keys(&decide_locality("amount", 400, Some(&json!({"title": "x"}))).unwrap()),
        ["names-nothing"]
    );
    assert_eq!(decide_locality("amount", 500, Some(&named)), None);
    assert_eq!(decide_locality("amount", 400, None), None);
}

#[test]
fn bad_field_discovery() {
    let probe = json!({"customer": "cust-1", "amount": "not a number"});
    assert_eq!(
        field_from_name("invalid_amount", &probe).as_deref(),
        Some("amount")
    );
    assert_eq!(field_from_name("invalid_price", &probe), None);
    assert_eq!(field_from_name("missing_order", &probe), None);
    let sibling = json!({"customer": "cust-7", "amount": "1234", "currency": "EUR"});
    assert_eq!(differing_field(&probe, &sibling).as_deref(), Some("amount"));
    let no_currency = json!({"customer": "c", "amount": 5});
    assert_eq!(
        differing_field(&no_currency, &sibling).as_deref(),
        Some("currency")
    );
    assert_eq!(
        differing_field(&json!({"customer": 1, "amount": "x"}), &sibling),
        None
    );
}

fn sample(_: &Issue) -> Sample {
    Sample::Evidence(Box::default())
}

#[test]
fn tally_groups_and_verdicts() {
    let r = Redactor::default();
    let t = Tally::default();
    let v = t.verdict("ERR-01", "responses", "nothing seen", "ok", &r);
    assert_eq!(
        (v.status, v.message.as_str()),
        (CheckStatus::Skip, "nothing seen")
    );

    let mut t = Tally::default();
    t.record(&[], &mut sample);
    t.record(&[], &mut sample);
    let v = t.verdict("ERR-01", "responses", "x", "ok", &r);
    assert_eq!((v.status, v.count), (CheckStatus::Pass, 2));

    let mut a = Tally::default();
    let html = Issue::fail("html", "an HTML page");
    let warn = Issue::warn("other-json", "json");
    a.record(std::slice::from_ref(&html), &mut sample);
    a.record(std::slice::from_ref(&warn), &mut sample);
    let mut b = Tally::default();
    b.record(std::slice::from_ref(&html), &mut sample);
    b.record(&[], &mut sample);
    a.merge(b);
    assert_eq!(a.judged, 4);
    let v = a.verdict("ERR-01", "responses", "x", "ok", &r);
    assert_eq!(v.status, CheckStatus::Fail);
    assert_eq!(v.count, 2);
    assert_eq!(v.evidence.len(), 2, "one sample per kind");
    assert!(
        v.message
            .starts_with("2 findings in 4 responses: an HTML page (×2)"),
        "{}",
        v.message
    );

    let mut w = Tally::default();
    w.record(&[warn], &mut sample);
    assert_eq!(
        w.verdict("ERR-01", "r", "x", "ok", &r).status,
        CheckStatus::Warn
    );
}

#[test]
fn tally_is_bounded() {
    let mut t = Tally::default();
    let mut calls = 0;
    for i in 0..100 {
        t.record(&[Issue::fail(format!("k{i}"), "m")], &mut |_| {
            calls += 1;
            Sample::Evidence(Box::default())
        });
    }
    assert_eq!(t.findings.len(), MAX_KINDS);
    assert_eq!(calls, MAX_KINDS, "samples are taken only for new kinds");
    assert_eq!(t.overflow, 100 - MAX_KINDS as u64);
    let v = t.verdict("ERR-02", "r", "x", "ok", &Redactor::default());
    assert_eq!(v.count, MAX_KINDS as u64);
    assert!(v.evidence.len() <= MAX_EVIDENCE);
}

/// RFC 9457 §4.2.1: with `about:blank` the title is the status phrase, so it differs between a
/// 400 and a 404 and that is conformant; a drifting title for one status still fails.
#[test]
fn about_blank_titles_are_keyed_on_the_status() {
    let key = |code: &str, status| title_key(ErrorProfile::ProblemJson, code, status);
    assert_ne!(key("about:blank", 400), key("about:blank", 404));
    assert_eq!(key("about:blank", 404), key("about:blank", 404));
    assert_eq!(
        key("https://example.com/probs/x", 400),
        key("https://example.com/probs/x", 404)
    );
    // Only problem+json gives `about:blank` that meaning.
    assert_eq!(
        title_key(ErrorProfile::Schema, "about:blank", 400),
        title_key(ErrorProfile::Schema, "about:blank", 404)
    );
    assert!(decide_title(&key("about:blank", 404), "Not Found", "Not found!").is_some());
}

/// FastAPI's default `{"detail": "Not Found"}` as `application/json` is another vocabulary under
/// the problem+json profile (ERR-03 fail; ERR-01 only warns on the media type); the same body as
/// `application/problem+json` is a minimal RFC 9457 body and passes.
#[test]
fn a_generic_json_body_without_problem_members_fails_err03() {
    let body = br#"{"detail":"Not Found"}"#;
    let json = headers(&[("content-type", "application/json"), ("x-request-id", "r1")]);
    let j = judged(404, &json, body);
    assert_eq!(failing(&j), vec!["ERR-03"]);
    assert!(keys(j.shape.as_deref().unwrap()).contains(&"not-problem-details"));
    let problem = headers(&[
        ("content-type", "application/problem+json"),
        ("x-request-id", "r1"),
    ]);
    let j = judged(404, &problem, body);
    assert!(failing(&j).is_empty(), "{:?}", j.shape);
    // A complete problem body under `application/json`: a media-type warning only.
    let full = br#"{"type":"about:blank","title":"Not Found","status":404}"#;
    let j = judged(404, &json, full);
    assert!(failing(&j).is_empty(), "{:?}", j.shape);
}
