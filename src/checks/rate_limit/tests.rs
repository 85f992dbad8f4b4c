//! Unit tests of the passive collector and the decision functions (no network).

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use super::Passive;
use super::judge::{self, BodyKind, Obs, Phase, classify_body};
use crate::checks::{Observation, PassivePart as _, Source};
use crate::headers::ratelimit::{Generation, Reset, Snapshot};
use crate::redact::Redactor;
use crate::scenario::RateLimitSpec;
use crate::verdict::CheckStatus;

fn spec(name: &str) -> RateLimitSpec {
    RateLimitSpec {
        request: name.into(),
        tolerance: 0.1,
        honesty: true,
        partition: None,
        quota: None,
        window: None,
        max_wait: crate::scenario::DEFAULT_RL_MAX_WAIT,
        max_burst: None,
        algorithm: true,
    }
}

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.append(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    h
}

fn observe(p: &mut Passive, status: u16, pairs: &[(&str, &str)]) {
    observe_received(p, status, pairs, None);
}

/// [`observe`] of a response that arrived at `received` (a held one: `checks::held`).
fn observe_received(
    p: &mut Passive,
    status: u16,
    pairs: &[(&str, &str)],
    received: Option<std::time::SystemTime>,
) {
    let h = headers(pairs);
    p.observe(&Observation {
        source: Source::Load,
        request: Some("r"),
        method: "GET",
        url: "http://x/limited",
        sent: None,
        status,
        headers: crate::observe::Headers::Map(&h),
        body: None,
        body_truncated: false,
        at: Duration::ZERO,
        received,
    });
}

fn verdicts(p: Passive) -> (CheckStatus, String, CheckStatus, String) {
    let v = p.verdicts(&Redactor::new(Vec::<String>::new()));
    assert_eq!(v[0].id, "RL-01");
    assert_eq!(v[1].id, "RL-02");
    (
        v[0].status,
        v[0].message.clone(),
        v[1].status,
        v[1].message.clone(),
    )
}

#[test]
fn passive_conforming_draft10() {
    let mut p = Passive::new(&spec("a"));
    for r in (0..5).rev() {
        observe(
            &mut p,
            200,
            &[
                ("ratelimit-policy", r#""default";q=5;w=1"#),
                ("ratelimit", &format!(r#""default";r={r};t=1"#)),
            ],
        );
    }
    observe(&mut p, 200, &[("content-type", "text/plain")]);
    let (s1, m1, s2, m2) = verdicts(p);
    assert_eq!(s1, CheckStatus::Pass, "{m1}");
    assert!(
        m1.contains("5 responses") && m1.contains("draft-08..10"),
        "{m1}"
    );
    assert_eq!(s2, CheckStatus::Pass, "{m2}");
}

#[test]
fn passive_malformed_groups_identical_findings() {
    let mut a = Passive::new(&spec("a"));
    let mut b = Passive::new(&spec("a"));
    for (p, n) in [(&mut a, 3), (&mut b, 4)] {
        for r in 0..n {
            observe(
                p,
                200,
                &[
                    ("ratelimit-policy", r#""default";q=5;w=1"#),
                    ("ratelimit", &format!(r#""default";r={r};t="#)),
                ],
            );
        }
    }
    a.merge(b);
    let v = a.verdicts(&Redactor::new(Vec::<String>::new()));
    assert_eq!(v[0].status, CheckStatus::Fail);
    assert_eq!(v[0].count, 7);
    assert_eq!(
        v[0].evidence.len(),
        1,
        "one group: same field, same error kind"
    );
    assert!(v[0].evidence[0].response_headers.contains_key("ratelimit"));
    assert!(v[0].message.contains("RateLimit"), "{}", v[0].message);
}

#[test]
fn passive_no_fields_skips() {
    let mut p = Passive::new(&spec("a"));
    observe(&mut p, 200, &[]);
    let (s1, _, s2, _) = verdicts(p);
    assert_eq!((s1, s2), (CheckStatus::Skip, CheckStatus::Skip));
}

#[test]
fn passive_unit_flip_fails() {
    let mut p = Passive::new(&spec("a"));
    observe(
        &mut p,
        200,
        &[("x-ratelimit-remaining", "5"), ("x-ratelimit-reset", "30")],
    );
    observe(
        &mut p,
        200,
        &[
            ("x-ratelimit-remaining", "4"),
            ("x-ratelimit-reset", "1999999999"),
        ],
    );
    let (s1, _, s2, m2) = verdicts(p);
    assert_eq!(s1, CheckStatus::Pass);
    assert_eq!(s2, CheckStatus::Fail, "{m2}");
    assert!(
        m2.contains("epoch seconds") && m2.contains("delta seconds"),
        "{m2}"
    );
}

#[test]
fn passive_past_epoch_with_zero_remaining_fails() {
    let mut p = Passive::new(&spec("a"));
    observe(
        &mut p,
        429,
        &[
            ("date", "Sun, 06 Nov 2022 08:49:37 GMT"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1667724000"),
        ],
    );
    let (_, _, s2, m2) = verdicts(p);
    assert_eq!(s2, CheckStatus::Fail, "{m2}");
    // Consistent epoch seconds in the future are fine.
    let mut p = Passive::new(&spec("a"));
    observe(
        &mut p,
        200,
        &[
            ("date", "Sun, 06 Nov 2022 08:49:37 GMT"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1667724600"),
        ],
    );
    let (_, _, s2, m2) = verdicts(p);
    assert_eq!(s2, CheckStatus::Pass, "{m2}");
}

/// Without a `Date`, an epoch reset is read against the time the response arrived, which a held
/// response carries (`checks::held` judges load-phase responses a batch later): not against
/// the clock at judging time.
#[test]
fn passive_epoch_without_date_is_read_against_the_arrival_time() {
    let judged = |received: Option<std::time::SystemTime>| {
        let mut p = Passive::new(&spec("a"));
        observe_received(
            &mut p,
            429,
            &[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "1667724000"),
            ],
            received,
        );
        verdicts(p).2
    };
    let reset = std::time::UNIX_EPOCH + Duration::from_secs(1_667_724_000);
    // Arrived 5 s before its reset (judged years later): conforming.
    assert_eq!(
        judged(Some(reset - Duration::from_secs(5))),
        CheckStatus::Pass
    );
    // Arrived 5 s after it: the reset lies in the past.
    assert_eq!(
        judged(Some(reset + Duration::from_secs(5))),
        CheckStatus::Fail
    );
    // Judged as it arrives: the clock, years past that reset.
    assert_eq!(judged(None), CheckStatus::Fail);
}

fn snap(q: u64, r: u64, t: u64) -> Option<Snapshot> {
    Some(Snapshot {
        generation: Generation::Draft10,
        policy: Some("p".into()),
        quota: Some(q),
        window: Some(1),
        remaining: Some(r),
        reset: Some(Reset::delta(t as f64)),
    })
}

fn ok(at: f64, q: u64, r: u64, t: u64) -> Obs {
    Obs {
        sent_ms: at,
        done_ms: at + 1.0,
        status: Some(200),
        snap: snap(q, r, t),
        reset_in: Some(t as f64),
        ..Obs::default()
    }
}

fn limited(at: f64, fields: Option<(u64, u64)>, ra: Option<Result<f64, String>>) -> Obs {
    Obs {
        sent_ms: at,
        done_ms: at + 1.0,
        status: Some(429),
        snap: fields.and_then(|(r, t)| snap(20, r, t)),
        reset_in: fields.map(|(_, t)| t as f64),
        retry_after: ra,
        body: BodyKind::Problem(Some("https://x/quota-exceeded".into())),
    }
}

#[test]
fn shape_decisions() {
    let good = vec![
        ok(0.0, 2, 1, 1),
        ok(2.0, 2, 0, 1),
        limited(4.0, Some((0, 1)), Some(Ok(1.0))),
    ];
    assert_eq!(judge::shape(&good, Some(2), 3).status, CheckStatus::Pass);
    // Remaining 0 alone is enough.
    let fields_only = vec![limited(4.0, Some((0, 1)), None)];
    assert_eq!(
        judge::shape(&fields_only, Some(2), 3).status,
        CheckStatus::Pass
    );
    // Retry-After alone is enough.
    let ra_only = vec![limited(4.0, None, Some(Ok(1.0)))];
    assert_eq!(judge::shape(&ra_only, Some(2), 3).status, CheckStatus::Pass);
    let bare = vec![ok(0.0, 2, 0, 1), limited(4.0, None, None)];
    let d = judge::shape(&bare, Some(2), 2);
    assert_eq!(d.status, CheckStatus::Fail);
    assert_eq!(d.evidence[0].0, 1);
    let bad_ra = vec![limited(
        4.0,
        Some((0, 1)),
        Some(Err("Retry-After \"soon\"".into())),
    )];
    assert_eq!(judge::shape(&bad_ra, Some(2), 1).status, CheckStatus::Fail);
    let never = vec![ok(0.0, 2, 1, 1), ok(1.0, 2, 0, 1), ok(2.0, 2, 0, 1)];
    assert_eq!(judge::shape(&never, Some(2), 3).status, CheckStatus::Warn);
    assert_eq!(judge::shape(&never, None, 3).status, CheckStatus::Skip);
}

#[test]
fn retry_vs_reset_decisions() {
    let good = vec![limited(0.0, Some((0, 5)), Some(Ok(5.0)))];
    assert_eq!(judge::retry_vs_reset(&good).status, CheckStatus::Pass);
    let rounding = vec![limited(0.0, Some((0, 5)), Some(Ok(4.0)))];
    assert_eq!(judge::retry_vs_reset(&rounding).status, CheckStatus::Pass);
    let early = vec![limited(0.0, Some((0, 30)), Some(Ok(1.0)))];
    assert_eq!(judge::retry_vs_reset(&early).status, CheckStatus::Fail);
    // No fields on the 429: the latest served response's reset, less the time since.
    let from_prior = vec![ok(0.0, 5, 0, 30), limited(1000.0, None, Some(Ok(2.0)))];
    assert_eq!(judge::retry_vs_reset(&from_prior).status, CheckStatus::Fail);
    let none = vec![limited(0.0, None, None)];
    assert_eq!(judge::retry_vs_reset(&none).status, CheckStatus::Skip);
    // Earlier than the reset, but honoured: a request 1.2 s later was served (a sliding
    // limiter whose reset is the whole window's).
    let honoured = vec![
        limited(0.0, Some((0, 30)), Some(Ok(1.0))),
        ok(1201.0, 5, 0, 29),
    ];
    let d = judge::retry_vs_reset(&honoured);
    assert_eq!(d.status, CheckStatus::Pass, "{}", d.message);
    assert!(d.message.contains("sliding limiter"), "{}", d.message);
    // An epoch reset resolved against a whole-second `Date` gets one more second (slowapi:
    // `X-RateLimit-Reset: 1796061923.7283127`, Retry-After 60).
    let mut epoch = limited(0.0, Some((0, 61)), Some(Ok(60.0)));
    epoch.reset_in = Some(61.5);
    if let Some(s) = epoch.snap.as_mut() {
        s.reset = Some(Reset {
            value: 1_796_061_923.7,
            unit: crate::headers::ratelimit::ResetUnit::EpochSeconds,
        });
    }
    assert_eq!(judge::retry_vs_reset(&[epoch]).status, CheckStatus::Pass);
    // A served request *before* the Retry-After proves nothing.
    let before = vec![
        limited(0.0, Some((0, 30)), Some(Ok(5.0))),
        ok(1201.0, 5, 0, 29),
    ];
    assert_eq!(judge::retry_vs_reset(&before).status, CheckStatus::Fail);
}

#[test]
fn monotone_decisions() {
    let obs = vec![ok(0.0, 5, 4, 3), ok(10.0, 5, 3, 3), ok(20.0, 5, 2, 3)];
    assert_eq!(
        judge::monotone(&obs, &[vec![0, 1, 2]]).status,
        CheckStatus::Pass
    );
    let rise = vec![ok(0.0, 5, 4, 3), ok(10.0, 5, 2, 3), ok(20.0, 5, 3, 3)];
    let d = judge::monotone(&rise, &[vec![0, 1, 2]]);
    assert_eq!(d.status, CheckStatus::Warn);
    assert_eq!(d.evidence[0].0, 2);
    // A rise after the advertised reset is a new window.
    let reset = vec![ok(0.0, 5, 0, 1), ok(1200.0, 5, 4, 1)];
    assert_eq!(
        judge::monotone(&reset, &[vec![0, 1]]).status,
        CheckStatus::Pass
    );
    assert_eq!(
        judge::monotone(&reset, &[vec![0]]).status,
        CheckStatus::Skip
    );
}

#[test]
fn recovery_decisions() {
    let obs = vec![
        limited(0.0, Some((0, 1)), Some(Ok(1.0))),
        ok(1150.0, 20, 19, 1),
    ];
    assert_eq!(
        judge::recovery(&obs, 0, 1.0, &[1]).status,
        CheckStatus::Pass
    );
    let stuck = vec![
        limited(0.0, Some((0, 1)), Some(Ok(1.0))),
        limited(1150.0, Some((0, 1)), Some(Ok(1.0))),
        limited(2150.0, Some((0, 1)), Some(Ok(1.0))),
    ];
    assert_eq!(
        judge::recovery(&stuck, 0, 1.0, &[1, 2]).status,
        CheckStatus::Fail
    );
    // Not yet 2× the wait: inconclusive, never a failure.
    assert_eq!(
        judge::recovery(&stuck, 0, 1.0, &[1]).status,
        CheckStatus::Skip
    );
    assert_eq!(
        judge::recovery(&stuck, 0, 1.0, &[]).status,
        CheckStatus::Skip
    );
}

#[test]
fn body_decisions() {
    let mut o = limited(0.0, None, None);
    assert_eq!(judge::body(&[o.clone()], Some(0)).status, CheckStatus::Pass);
    for (ct, body, kind) in [
        (Some("text/html"), &b"<html>Too many</html>"[..], "html"),
        (None, b"", "empty"),
        (
            Some("application/json"),
            b"{\"error\":\"slow down\"}",
            "json",
        ),
        (Some("text/plain"), b"slow down", "other"),
        (Some("application/problem+json"), b"nope", "bad"),
    ] {
        o.body = classify_body(ct, body);
        let d = judge::body(&[o.clone()], Some(0));
        assert_eq!(d.status, CheckStatus::Warn, "{kind}: {}", d.message);
    }
    assert_eq!(
        classify_body(
            Some("application/problem+json; charset=utf-8"),
            b"{\"type\":\"t\"}"
        ),
        BodyKind::Problem(Some("t".into()))
    );
    assert_eq!(judge::body(&[], None).status, CheckStatus::Skip);
}

#[test]
fn partition_decisions() {
    let a_drained = limited(0.0, Some((0, 1)), Some(Ok(1.0)));
    let b_ok = ok(2.0, 20, 19, 1);
    let b_429 = limited(2.0, Some((0, 1)), Some(Ok(1.0)));
    let obs = vec![a_drained.clone(), b_ok, a_drained.clone(), b_429];
    assert_eq!(
        judge::partition(&obs, 0, 1, 2, "X-Api-Key").status,
        CheckStatus::Pass
    );
    assert_eq!(
        judge::partition(&obs, 0, 3, 2, "X-Api-Key").status,
        CheckStatus::Fail
    );
    // The window rolled between: inconclusive.
    let rolled = vec![a_drained, ok(2.0, 20, 19, 1), ok(3.0, 20, 18, 1)];
    assert_eq!(
        judge::partition(&rolled, 0, 1, 2, "k").status,
        CheckStatus::Skip
    );
}

/// An open-loop phase against a fixed-window server enforcing `enforced` per 1 s window while
/// advertising `q`. `fields_on_429` says whether 429s carry `RateLimit`.
fn simulate(
    q: u64,
    enforced: u64,
    phases: &[(f64, u32)],
    fields_on_429: bool,
) -> (Vec<Obs>, Vec<Phase>) {
    let mut obs = Vec::new();
    let mut out = Vec::new();
    let mut start = 3.0; // ms
    let mut counted: std::collections::HashMap<u64, u64> = Default::default();
    for &(factor, windows) in phases {
        let n = (factor * q as f64 * f64::from(windows)).round() as u64;
        let interval = 1000.0 * f64::from(windows) / n as f64;
        let mut idx = Vec::new();
        for j in 0..n {
            let at = start + interval * j as f64;
            let win = (at / 1000.0) as u64;
            let c = counted.entry(win).or_insert(0);
            let o = if *c < enforced {
                *c += 1;
                ok(at, q, q.saturating_sub(*c), 1)
            } else {
                limited(
                    at,
                    fields_on_429.then_some((q.saturating_sub(*c), 1)),
                    Some(Ok(1.0)),
                )
            };
            obs.push(o);
            idx.push(obs.len() - 1);
        }
        out.push(Phase {
            factor,
            windows,
            idx,
        });
        start += 1000.0 * f64::from(windows);
    }
    (obs, out)
}

const PH: [(f64, u32); 3] = [(0.5, 1), (1.0, 1), (2.0, 2)];

#[test]
fn honesty_passes_an_honest_server() {
    for fields in [true, false] {
        let (obs, phases) = simulate(20, 20, &PH, fields);
        let d = judge::honesty(&obs, &phases, 20, 1, 0.1);
        assert_eq!(d.status, CheckStatus::Pass, "{}", d.message);
        assert!(
            d.message.contains("accepted/advertised at 2× = 1.00"),
            "{}",
            d.message
        );
        assert!(
            d.message.contains("onset error +0%") || d.message.contains("onset error -0%"),
            "{}",
            d.message
        );
    }
}

#[test]
fn honesty_fails_a_lying_server() {
    let (obs, phases) = simulate(20, 10, &PH, true);
    let d = judge::honesty(&obs, &phases, 20, 1, 0.1);
    assert_eq!(d.status, CheckStatus::Fail, "{}", d.message);
    assert!(d.message.contains("-50%"), "{}", d.message);
    // Same without fields on the 429: the served responses before it tell.
    let (obs, phases) = simulate(20, 10, &PH, false);
    let d = judge::honesty(&obs, &phases, 20, 1, 0.1);
    assert_eq!(d.status, CheckStatus::Fail, "{}", d.message);
}

#[test]
fn honesty_fails_an_over_accepting_server() {
    let (obs, phases) = simulate(20, 1000, &PH, true);
    // Remaining saturates at 0 but everything is served.
    let d = judge::honesty(&obs, &phases, 20, 1, 0.1);
    assert_eq!(d.status, CheckStatus::Fail, "{}", d.message);
    assert!(
        d.message.contains("more accepted than advertised"),
        "{}",
        d.message
    );
}

#[test]
fn honesty_tolerates_in_flight_requests_and_one_stray_429() {
    // A 429 after a served response that said r=1 while one request was still in flight.
    let obs = vec![
        ok(0.0, 20, 1, 1),
        Obs {
            done_ms: 50.0,
            ..ok(5.0, 20, 0, 1)
        },
        limited(10.0, None, Some(Ok(1.0))),
    ];
    let phases = vec![Phase {
        factor: 2.0,
        windows: 2,
        idx: vec![0, 1, 2],
    }];
    assert_eq!(
        judge::honesty(&obs, &phases, 20, 1, 0.1).status,
        CheckStatus::Pass
    );
    // One clearly early 429 is still noise; the message says so.
    let obs = vec![ok(0.0, 20, 15, 1), limited(10.0, None, Some(Ok(1.0)))];
    let phases = vec![Phase {
        factor: 1.0,
        windows: 1,
        idx: vec![0, 1],
    }];
    let d = judge::honesty(&obs, &phases, 20, 1, 0.1);
    assert_eq!(d.status, CheckStatus::Pass);
    assert!(d.message.contains("timing noise"), "{}", d.message);
}

/// With `[checks.error_format] profile = "google"`, RL-08 wants a Google error body on a 429,
/// not problem+json: the same body is a pass under one profile and a warning under the other.
#[test]
fn body_is_judged_against_the_declared_error_format() {
    use crate::checks::error_format::judge::Config;
    use crate::scenario::ErrorProfile;
    use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
    let json = |ct: &'static str| {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_TYPE, HeaderValue::from_static(ct));
        h
    };
    let google = Config::plain(ErrorProfile::Google, &["x-request-id"]);
    let google_body =
        br#"{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"RATE_LIMIT_EXCEEDED","domain":"orders.example"}]}}"#;
    let problem_body = br#"{"type":"https://x/quota-exceeded","title":"Too many","status":429}"#;
    let mut o = limited(0.0, None, None);

    o.body = judge::classify_declared(&google, 429, &json("application/json"), google_body);
    let d = judge::body(&[o.clone()], Some(0));
    assert_eq!(d.status, CheckStatus::Pass, "{}", d.message);
    assert!(d.message.contains("(google)"), "{}", d.message);

    o.body = judge::classify_declared(
        &google,
        429,
        &json("application/problem+json"),
        problem_body,
    );
    let d = judge::body(&[o.clone()], Some(0));
    assert_eq!(d.status, CheckStatus::Warn, "{}", d.message);
    assert!(
        d.message
            .contains("not in the scenario's error format (google)")
    );

    // Without a declared format the problem+json body is the conforming one.
    o.body = classify_body(Some("application/problem+json"), problem_body);
    assert_eq!(judge::body(&[o], Some(0)).status, CheckStatus::Pass);
}

#[test]
fn a_429_body_longer_than_a_probe_keeps_is_not_judged() {
    // 256 KiB of a valid problem+json body, cut: it does not parse, through no fault of the API.
    let mut body = br#"{"type":"https://x/quota-exceeded","detail":""#.to_vec();
    body.resize(crate::checks::probe::BODY_CAP, b'x');
    let e = crate::checks::probe::Exchange {
        probe: crate::checks::probe::Probe {
            method: reqwest::Method::GET,
            url: "http://127.0.0.1:9/limited".parse().unwrap(),
            headers: HeaderMap::new(),
            body: None,
            timeout: Duration::from_secs(1),
        },
        status: Some(429),
        headers: headers(&[("content-type", "application/problem+json")]),
        body,
        body_truncated: true,
        error: None,
        timeline: crate::verdict::Timeline::default(),
    };
    assert_eq!(judge::body_kind(&e, None), BodyKind::TooLarge);
    let mut o = limited(0.0, None, None);
    o.body = judge::body_kind(&e, None);
    let d = judge::body(&[o], Some(0));
    assert_eq!(d.status, CheckStatus::Skip, "{}", d.message);
    assert!(d.message.contains("256 KiB"), "{}", d.message);
    // The same body whole is judged.
    let whole = crate::checks::probe::Exchange {
        body: br#"{"type":"https://x/quota-exceeded"}"#.to_vec(),
        body_truncated: false,
        ..e
    };
    assert!(matches!(
        judge::body_kind(&whole, None),
        BodyKind::Problem(Some(_))
    ));
}

mod refill_experiment;
