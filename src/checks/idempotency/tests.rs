//! Unit tests of the decision functions: hand-built exchanges, no network.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Value, json};

use super::judge::*;
use super::net::{effect, fresh_key, with_id};
use crate::checks::probe::{Exchange, Probe};
use crate::redact::Redactor;
use crate::scenario::IdemProfile;
use crate::verdict::{CheckStatus, Timeline};

fn redactor() -> &'static Redactor {
    static R: std::sync::OnceLock<Redactor> = std::sync::OnceLock::new();
    R.get_or_init(|| Redactor::new(Vec::<String>::new()))
}

fn judge(profile: IdemProfile) -> Judge<'static> {
    Judge {
        profile,
        id_pointer: "/id",
        redactor: redactor(),
    }
}

fn ietf() -> Judge<'static> {
    judge(IdemProfile::Ietf)
}

fn probe(method: &str, path: &str, body: Option<Value>) -> Probe {
    Probe {
        method: reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
        url: reqwest::Url::parse(&format!(
            "http://127.0.0.1:9/{}",
            path.trim_start_matches('/')
        ))
        .unwrap(),
        headers: HeaderMap::new(),
        body: body.map(|b| b.to_string().into_bytes()),
        timeout: Duration::from_secs(5),
    }
}

fn post(body: Value) -> Probe {
    probe("POST", "/orders", Some(body))
        .with_header("Idempotency-Key", "\"k\"")
        .with_header("Content-Type", "application/json")
}

fn ex(p: Probe, status: u16, body: Value, headers: &[(&str, &str)]) -> Exchange {
    let mut h = HeaderMap::new();
    for (k, v) in headers {
        h.insert(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    Exchange {
        probe: p,
        status: Some(status),
        headers: h,
        body: if body.is_null() {
            Vec::new()
        } else {
            body.to_string().into_bytes()
        },
        body_truncated: false,
        error: None,
        timeline: Timeline::default(),
    }
}

fn order(id: &str, amount: u64) -> Value {
    json!({"id": id, "customer": "c", "amount": amount, "currency": "EUR", "status": "pending"})
}

fn created(id: &str, amount: u64) -> Exchange {
    ex(
        post(json!({"customer": "c", "amount": amount})),
        201,
        order(id, amount),
        &[("location", &format!("/orders/{id}"))],
    )
}

fn replayed(id: &str, amount: u64) -> Exchange {
    let mut e = created(id, amount);
    e.headers
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    e
}

fn status(s: u16) -> Exchange {
    ex(
        post(json!({"customer": "c", "amount": 1})),
        s,
        json!({"type": "about:blank", "status": s}),
        &[],
    )
}

fn no_response() -> Exchange {
    let mut e = status(200);
    e.status = None;
    e.body.clear();
    e.error = Some("connection reset".into());
    e
}

// ---------------------------------------------------------------------------------------------
// helpers

#[test]
fn created_id_from_body_or_location() {
    assert_eq!(
        created_id(&created("ord_1", 5), "/id").as_deref(),
        Some("ord_1")
    );
    let e = ex(
        post(json!({})),
        201,
        Value::Null,
        &[("location", "/orders/ord_9?x=1")],
    );
    assert_eq!(created_id(&e, "/id").as_deref(), Some("ord_9"));
    let e = ex(post(json!({})), 201, json!({"data": {"id": 42}}), &[]);
    assert_eq!(created_id(&e, "/data/id").as_deref(), Some("42"));
    assert_eq!(created_id(&status(400), "/id"), None);
}

#[test]
fn mutation_is_deterministic_and_changes_one_leaf() {
    let body = json!({"customer": "c-1", "amount": 100, "currency": "EUR"});
    let (b1, p) = mutate(&body, 1).unwrap();
    assert_eq!(p, "/amount");
    assert_eq!(b1["amount"], 101);
    assert_eq!(mutate(&body, 1).unwrap().0, b1);
    assert_eq!(mutate(&body, 0).unwrap().0, body);
    assert_eq!(differing_pointers(&body, &b1), vec!["/amount".to_string()]);
    let (s, p) = mutate(&json!({"name": "x", "tags": ["a"]}), 2).unwrap();
    assert_eq!((s["name"].as_str(), p.as_str()), (Some("x-2"), "/name"));
    assert!(mutate(&json!({"ok": true}), 1).is_none());
}

#[test]
fn state_matching_compares_only_echoed_fields() {
    let res = order("ord_1", 7);
    let ptrs = vec!["/amount".to_string()];
    assert_eq!(
        state_matches(&res, &json!({"amount": 7}), &ptrs),
        Some(true)
    );
    assert_eq!(
        state_matches(&res, &json!({"amount": 8}), &ptrs),
        Some(false)
    );
    assert_eq!(
        state_matches(&res, &json!({"qty": 8}), &["/qty".into()]),
        None
    );
}

#[test]
fn keys_follow_the_profile() {
    let k = fresh_key(IdemProfile::Ietf);
    assert!(
        k.starts_with('"') && k.ends_with('"') && k.len() > 10,
        "{k}"
    );
    let s = fresh_key(IdemProfile::Stripe);
    assert!(!s.contains('"'), "{s}");
    assert_ne!(fresh_key(IdemProfile::Stripe), s);
}

#[test]
fn id_substitution_in_rendered_urls() {
    let p = probe("GET", "/orders/{id}", None);
    assert_eq!(
        with_id(p, "ord 1").unwrap().url.as_str(),
        "http://127.0.0.1:9/orders/ord%201"
    );
}

#[test]
fn oracle_effects() {
    let n = |v: Value| Some(Ok(v));
    assert_eq!(effect(n(json!(3)), n(json!(4))), Effect::Count(1));
    assert_eq!(effect(n(json!("a")), n(json!("a"))), Effect::Changed(false));
    assert_eq!(effect(None, None), Effect::NotMeasured);
    assert!(matches!(
        effect(Some(Err("x".into())), n(json!(1))),
        Effect::Unavailable(_)
    ));
}

// ---------------------------------------------------------------------------------------------
// IDEM-01

#[test]
fn replay_conforming() {
    let v = judge_replay(
        &ietf(),
        &created("ord_1", 5),
        &replayed("ord_1", 5),
        &Effect::NotMeasured,
    );
    assert_eq!(v.status, CheckStatus::Pass, "{}", v.message);
    assert!(v.evidence.is_empty());
    let v = judge_replay(
        &judge(IdemProfile::Stripe),
        &created("ord_1", 5),
        &replayed("ord_1", 5),
        &Effect::Count(0),
    );
    assert_eq!(v.status, CheckStatus::Pass, "{}", v.message);
}

#[test]
fn replay_and_races_without_ids_or_a_measuring_oracle_skip_instead_of_passing() {
    // 200 with a body that has no id and no Location: nothing shows what was created.
    let blank = || {
        ex(
            post(serde_json::json!({"a": 1})),
            200,
            serde_json::json!({"status": "ok"}),
            &[],
        )
    };
    let v = judge_replay(&ietf(), &blank(), &blank(), &Effect::NotMeasured);
    assert_eq!(v.status, CheckStatus::Skip, "{}", v.message);
    assert!(v.message.contains("id_pointer"), "{}", v.message);
    // A counting oracle is evidence enough.
    let v = judge_replay(&ietf(), &blank(), &blank(), &Effect::Count(0));
    assert_eq!(v.status, CheckStatus::Pass, "{}", v.message);
    let racers: Vec<Exchange> = (0..5).map(|_| blank()).collect();
    let v = judge_race(&ietf(), &racers, &Effect::NotMeasured);
    assert_eq!(v.status, CheckStatus::Skip, "{}", v.message);
    let v = judge_race(&ietf(), &racers, &Effect::Count(1));
    assert_eq!(v.status, CheckStatus::Pass, "{}", v.message);
}

#[test]
fn replay_violations() {
    let v = judge_replay(
        &ietf(),
        &created("ord_1", 5),
        &created("ord_2", 5),
        &Effect::NotMeasured,
    );
    assert_eq!(v.status, CheckStatus::Fail);
    assert!(v.message.contains("second resource"), "{}", v.message);
    assert_eq!(v.evidence.len(), 2);
    assert!(v.evidence[0].curl.is_some());
    // Same id in the body, but the oracle counted another resource.
    let v = judge_replay(
        &ietf(),
        &created("ord_1", 5),
        &created("ord_1", 5),
        &Effect::Count(1),
    );
    assert_eq!(v.status, CheckStatus::Fail, "{}", v.message);
    let v = judge_replay(
        &ietf(),
        &created("ord_1", 5),
        &status(500),
        &Effect::NotMeasured,
    );
    assert_eq!(v.status, CheckStatus::Fail);
    // Stripe wants the replay marked.
    let v = judge_replay(
        &judge(IdemProfile::Stripe),
        &created("ord_1", 5),
        &created("ord_1", 5),
        &Effect::NotMeasured,
    );
    assert_eq!(v.status, CheckStatus::Warn);
    assert!(v.message.contains("Idempotent-Replayed"), "{}", v.message);
    // A 409 on a sequential retry is no replay, but no second resource either.
    let v = judge_replay(
        &ietf(),
        &created("ord_1", 5),
        &status(409),
        &Effect::NotMeasured,
    );
    assert_eq!(v.status, CheckStatus::Warn, "{}", v.message);
    // The first request failing means nothing was tested.
    let v = judge_replay(&ietf(), &status(400), &status(400), &Effect::NotMeasured);
    assert_eq!(v.status, CheckStatus::Error);
}

// ---------------------------------------------------------------------------------------------
// IDEM-03

fn mismatch_case(
    second: Exchange,
    control: Exchange,
    state: Option<Exchange>,
) -> (CheckStatus, String) {
    let v = judge_mismatch(
        &ietf(),
        &created("ord_1", 5),
        &second,
        &control,
        state.as_ref(),
        &["/amount".to_string()],
        &Effect::NotMeasured,
    );
    (v.status, v.message)
}

fn second_body(s: u16, resp: Value) -> Exchange {
    ex(post(json!({"customer": "c", "amount": 6})), s, resp, &[])
}

#[test]
fn mismatch_conforming() {
    let (s, m) = mismatch_case(
        second_body(422, json!({"status": 422})),
        created("ord_2", 6),
        Some(ex(
            probe("GET", "/orders/ord_1", None),
            200,
            order("ord_1", 5),
            &[],
        )),
    );
    assert_eq!(s, CheckStatus::Pass, "{m}");
    let v = judge_mismatch(
        &judge(IdemProfile::Stripe),
        &created("ord_1", 5),
        &second_body(400, json!({})),
        &created("ord_2", 6),
        None,
        &[],
        &Effect::Count(0),
    );
    assert_eq!(v.status, CheckStatus::Pass, "{}", v.message);
}

#[test]
fn mismatch_violations() {
    // The first response replayed for a different body.
    let (s, m) = mismatch_case(
        second_body(201, order("ord_1", 5)),
        created("ord_2", 6),
        None,
    );
    assert_eq!(s, CheckStatus::Fail);
    assert!(m.contains("replayed"), "{m}");
    // A second resource.
    let (s, m) = mismatch_case(
        second_body(201, order("ord_3", 6)),
        created("ord_2", 6),
        None,
    );
    assert_eq!(s, CheckStatus::Fail);
    assert!(m.contains("second resource"), "{m}");
    // Rejected, but body B was applied to the first resource.
    let (s, m) = mismatch_case(
        second_body(422, json!({})),
        created("ord_2", 6),
        Some(ex(
            probe("GET", "/orders/ord_1", None),
            200,
            order("ord_1", 6),
            &[],
        )),
    );
    assert_eq!(s, CheckStatus::Fail);
    assert!(m.contains("took effect"), "{m}");
    // Rejected, but the count oracle saw a creation.
    let v = judge_mismatch(
        &ietf(),
        &created("ord_1", 5),
        &second_body(422, json!({})),
        &created("ord_2", 6),
        None,
        &[],
        &Effect::Count(1),
    );
    assert_eq!(v.status, CheckStatus::Fail);
    // Wrong 4xx for the profile: a warning.
    let (s, _) = mismatch_case(second_body(409, json!({})), created("ord_2", 6), None);
    assert_eq!(s, CheckStatus::Warn);
    let (s, _) = mismatch_case(second_body(500, json!({})), created("ord_2", 6), None);
    assert_eq!(s, CheckStatus::Fail);
}

#[test]
fn mismatch_cannot_pass_vacuously() {
    // Body B is invalid on its own: a 422 proves nothing about the key.
    let (s, m) = mismatch_case(
        second_body(422, json!({})),
        second_body(422, json!({})),
        None,
    );
    assert_eq!(s, CheckStatus::Skip);
    assert!(m.contains("mismatch_request"), "{m}");
}

// ---------------------------------------------------------------------------------------------
// IDEM-04

#[test]
fn missing_key() {
    let j = ietf();
    assert_eq!(
        judge_missing_key(&j, "Idempotency-Key", &status(400)).status,
        CheckStatus::Pass
    );
    let v = judge_missing_key(&j, "Idempotency-Key", &created("ord_1", 5));
    assert_eq!(v.status, CheckStatus::Fail);
    assert_eq!(v.evidence.len(), 1);
    assert_eq!(
        judge_missing_key(&j, "Idempotency-Key", &status(422)).status,
        CheckStatus::Warn
    );
    assert_eq!(
        judge_missing_key(&j, "Idempotency-Key", &no_response()).status,
        CheckStatus::Error
    );
}

// ---------------------------------------------------------------------------------------------
// IDEM-05

#[test]
fn race_conforming() {
    let mut racers = vec![created("ord_1", 5)];
    racers.extend((0..5).map(|_| status(409)));
    racers.extend((0..3).map(|_| replayed("ord_1", 5)));
    let v = judge_race(&ietf(), &racers, &Effect::Count(1));
    assert_eq!(v.status, CheckStatus::Pass, "{}", v.message);
    let v = judge_race(&ietf(), &racers, &Effect::NotMeasured);
    assert_eq!(v.status, CheckStatus::Pass, "{}", v.message);
}

#[test]
fn race_violations() {
    let racers: Vec<_> = (0..4).map(|i| created(&format!("ord_{i}"), 5)).collect();
    let v = judge_race(&ietf(), &racers, &Effect::NotMeasured);
    assert_eq!(v.status, CheckStatus::Fail);
    assert!(v.message.contains("4 different ids"), "{}", v.message);
    assert_eq!(v.evidence.len(), 4, "every racer is evidence");
    // Same id everywhere, but the oracle counted three creations.
    let racers = vec![
        created("ord_1", 5),
        replayed("ord_1", 5),
        replayed("ord_1", 5),
    ];
    let v = judge_race(&ietf(), &racers, &Effect::Count(3));
    assert_eq!(v.status, CheckStatus::Fail, "{}", v.message);
    // A 5xx loser.
    let racers = vec![created("ord_1", 5), status(409), status(503)];
    assert_eq!(
        judge_race(&ietf(), &racers, &Effect::NotMeasured).status,
        CheckStatus::Fail
    );
    // Losers with another 4xx, or nobody winning: warnings.
    let racers = vec![created("ord_1", 5), status(429)];
    assert_eq!(
        judge_race(&ietf(), &racers, &Effect::NotMeasured).status,
        CheckStatus::Warn
    );
    let racers = vec![status(409), status(409)];
    assert_eq!(
        judge_race(&ietf(), &racers, &Effect::NotMeasured).status,
        CheckStatus::Warn
    );
}

// ---------------------------------------------------------------------------------------------
// IDEM-06

fn mismatch_racer(amount: u64, s: u16, resp: Value) -> Exchange {
    ex(
        post(json!({"customer": "c", "amount": amount})),
        s,
        resp,
        &[],
    )
}

fn state(amount: u64) -> Exchange {
    ex(
        probe("GET", "/orders/ord_1", None),
        200,
        order("ord_1", amount),
        &[],
    )
}

#[test]
fn concurrent_mismatch_conforming() {
    let racers = vec![
        mismatch_racer(5, 422, json!({})),
        mismatch_racer(6, 201, order("ord_1", 6)),
        mismatch_racer(7, 409, json!({})),
    ];
    let ptrs = vec!["/amount".to_string()];
    let v = judge_concurrent_mismatch(
        &ietf(),
        &racers,
        Some(&state(6)),
        &ptrs,
        &Effect::NotMeasured,
    );
    assert_eq!(v.status, CheckStatus::Pass, "{}", v.message);
    let v = judge_concurrent_mismatch(&ietf(), &racers, None, &ptrs, &Effect::Count(1));
    assert_eq!(v.status, CheckStatus::Pass, "{}", v.message);
    // Bodies alternate: a racer that sent the winner's very body gets the replay, which is
    // right (fastapi-idempotency in the zoo); only a 2xx to another body is a finding.
    let racers = vec![
        mismatch_racer(6, 201, order("ord_1", 6)),
        mismatch_racer(7, 422, json!({})),
        mismatch_racer(6, 201, order("ord_1", 6)),
        mismatch_racer(7, 422, json!({})),
    ];
    let v = judge_concurrent_mismatch(&ietf(), &racers, Some(&state(6)), &ptrs, &Effect::Count(1));
    assert_eq!(v.status, CheckStatus::Pass, "{}", v.message);
    let mut racers = racers;
    racers[3] = mismatch_racer(7, 201, order("ord_1", 6));
    let v = judge_concurrent_mismatch(&ietf(), &racers, Some(&state(6)), &ptrs, &Effect::Count(1));
    assert_eq!(v.status, CheckStatus::Warn, "{}", v.message);
    assert!(
        v.message.contains("1 racers with a different body"),
        "{}",
        v.message
    );
}

#[test]
fn concurrent_mismatch_violations() {
    let ptrs = vec!["/amount".to_string()];
    // Two winners with different resources.
    let racers = vec![
        mismatch_racer(5, 201, order("ord_1", 5)),
        mismatch_racer(6, 201, order("ord_2", 6)),
    ];
    let v = judge_concurrent_mismatch(
        &ietf(),
        &racers,
        Some(&state(5)),
        &ptrs,
        &Effect::NotMeasured,
    );
    assert_eq!(v.status, CheckStatus::Fail);
    assert!(v.message.contains("mixed state"), "{}", v.message);
    assert_eq!(v.evidence.len(), 3, "both racers and the state read");
    // One 2xx, but the final state carries a loser's body.
    let racers = vec![
        mismatch_racer(5, 201, order("ord_1", 5)),
        mismatch_racer(6, 422, json!({})),
    ];
    let v = judge_concurrent_mismatch(
        &ietf(),
        &racers,
        Some(&state(6)),
        &ptrs,
        &Effect::NotMeasured,
    );
    assert_eq!(v.status, CheckStatus::Fail, "{}", v.message);
    // Nobody's body.
    let v = judge_concurrent_mismatch(
        &ietf(),
        &racers,
        Some(&state(99)),
        &ptrs,
        &Effect::NotMeasured,
    );
    assert_eq!(v.status, CheckStatus::Fail, "{}", v.message);
    // The oracle counted two creations.
    let v = judge_concurrent_mismatch(&ietf(), &racers, None, &ptrs, &Effect::Count(2));
    assert_eq!(v.status, CheckStatus::Fail, "{}", v.message);
    // A 5xx.
    let racers = vec![
        mismatch_racer(5, 201, order("ord_1", 5)),
        mismatch_racer(6, 500, json!({})),
    ];
    let v = judge_concurrent_mismatch(&ietf(), &racers, None, &ptrs, &Effect::NotMeasured);
    assert_eq!(v.status, CheckStatus::Fail);
    // Losers replayed the winner (same effect): the mismatch rule is IDEM-03's, so only a warning.
    let racers = vec![
        mismatch_racer(5, 201, order("ord_1", 5)),
        mismatch_racer(6, 201, order("ord_1", 5)),
    ];
    let v = judge_concurrent_mismatch(
        &ietf(),
        &racers,
        Some(&state(5)),
        &ptrs,
        &Effect::NotMeasured,
    );
    assert_eq!(v.status, CheckStatus::Warn, "{}", v.message);
    assert!(v.message.contains("IDEM-03"), "{}", v.message);
}

// ---------------------------------------------------------------------------------------------
// IDEM-08

fn del(s1: u16, s2: u16, after: Option<u16>, effect: Effect) -> DeleteRun {
    let d = |s: u16| ex(probe("DELETE", "/orders/ord_1", None), s, Value::Null, &[]);
    DeleteRun {
        first: d(s1),
        second: d(s2),
        after: after.map(|s| ex(probe("GET", "/orders/ord_1", None), s, json!({}), &[])),
        effect,
    }
}

const NO_PUT: Result<&PutRun, &str> = Err("PUT not tested: no PUT request");

#[test]
fn methods_conforming() {
    for (s1, s2) in [(204, 404), (200, 410), (204, 204)] {
        let v = judge_methods(
            &ietf(),
            &del(s1, s2, Some(404), Effect::NotMeasured),
            NO_PUT,
        );
        assert_eq!(v.status, CheckStatus::Pass, "{}", v.message);
        assert!(v.message.contains("PUT not tested"), "{}", v.message);
    }
    let put = |amount| {
        ex(
            probe("PUT", "/orders/ord_1", Some(json!({"amount": amount}))),
            200,
            order("ord_1", amount),
            &[],
        )
    };
    let run = PutRun {
        puts: vec![put(3), put(3), put(3)],
        states: vec![state(3), state(3), state(3)],
    };
    let v = judge_methods(&ietf(), &del(204, 404, None, Effect::Count(0)), Ok(&run));
    assert_eq!(v.status, CheckStatus::Pass, "{}", v.message);
}

#[test]
fn methods_violations() {
    let v = judge_methods(
        &ietf(),
        &del(204, 500, Some(404), Effect::NotMeasured),
        NO_PUT,
    );
    assert_eq!(v.status, CheckStatus::Fail);
    // Still there after a completed DELETE.
    let v = judge_methods(
        &ietf(),
        &del(204, 204, Some(200), Effect::NotMeasured),
        NO_PUT,
    );
    assert_eq!(v.status, CheckStatus::Fail);
    assert!(v.message.contains("drift"), "{}", v.message);
    // The oracle saw the repeated DELETE remove something else.
    let v = judge_methods(&ietf(), &del(204, 204, None, Effect::Count(-1)), NO_PUT);
    assert_eq!(v.status, CheckStatus::Fail);
    // A 409 on the repeat is odd, not a failure.
    let v = judge_methods(
        &ietf(),
        &del(204, 409, Some(404), Effect::NotMeasured),
        NO_PUT,
    );
    assert_eq!(v.status, CheckStatus::Warn);
    // DELETE not allowed: nothing to test.
    let v = judge_methods(&ietf(), &del(405, 405, None, Effect::NotMeasured), NO_PUT);
    assert_eq!(v.status, CheckStatus::Skip);
    // PUT drift.
    let run = PutRun {
        puts: vec![status(200), status(200)],
        states: vec![state(3), state(4)],
    };
    let v = judge_methods(
        &ietf(),
        &del(204, 404, Some(404), Effect::NotMeasured),
        Ok(&run),
    );
    assert_eq!(v.status, CheckStatus::Fail);
    assert!(v.message.contains("identical PUTs"), "{}", v.message);
}

// ---------------------------------------------------------------------------------------------
// IDEM-02 error replay

fn server_error(replayed: bool) -> Exchange {
    let body = json!({"type": "https://loadproof.dev/problems/internal-error", "status": 500, "request_id": "req_1"});
    let h: &[(&str, &str)] = if replayed {
        &[("idempotent-replayed", "true")]
    } else {
        &[]
    };
    ex(post(json!({"customer": "c", "amount": 5})), 500, body, h)
}

#[test]
fn error_replay_conforming() {
    for profile in [IdemProfile::Ietf, IdemProfile::Stripe] {
        let v = judge_error_replay(
            &judge(profile),
            "create_order_failing",
            &server_error(false),
            &server_error(true),
            &Effect::Count(0),
        );
        assert_eq!(v.status, CheckStatus::Pass, "{}", v.message);
        assert!(v.message.starts_with("expected "), "{}", v.message);
        assert!(v.message.contains("; saw 500 twice"), "{}", v.message);
        assert!(v.evidence.is_empty());
    }
}

#[test]
fn error_replay_violations() {
    // The retry silently executes.
    let v = judge_error_replay(
        &ietf(),
        "create_order_failing",
        &server_error(false),
        &created("ord_2", 5),
        &Effect::NotMeasured,
    );
    assert_eq!(v.status, CheckStatus::Fail, "{}", v.message);
    assert!(
        v.message
            .contains("the retry executed: 201 (resource ord_2)"),
        "{}",
        v.message
    );
    assert_eq!(v.evidence.len(), 2);
    assert!(v.evidence[1].curl.as_deref().unwrap().starts_with("curl "));
    // The same error comes back, but the oracle counted a new resource.
    let v = judge_error_replay(
        &ietf(),
        "create_order_failing",
        &server_error(false),
        &server_error(true),
        &Effect::Count(1),
    );
    assert_eq!(v.status, CheckStatus::Fail, "{}", v.message);
    assert!(v.message.contains("side effect"), "{}", v.message);
    // Another error, or another body: not the stored error, but nothing executed.
    let v = judge_error_replay(
        &ietf(),
        "create_order_failing",
        &server_error(false),
        &status(409),
        &Effect::NotMeasured,
    );
    assert_eq!(v.status, CheckStatus::Warn, "{}", v.message);
    let mut other = server_error(true);
    other.body = br#"{"status": 500, "request_id": "req_2"}"#.to_vec();
    let v = judge_error_replay(
        &ietf(),
        "create_order_failing",
        &server_error(false),
        &other,
        &Effect::NotMeasured,
    );
    assert_eq!(v.status, CheckStatus::Warn, "{}", v.message);
    assert!(v.message.contains("body differs"), "{}", v.message);
    // Stripe marks replays.
    let v = judge_error_replay(
        &judge(IdemProfile::Stripe),
        "create_order_failing",
        &server_error(false),
        &server_error(false),
        &Effect::NotMeasured,
    );
    assert_eq!(v.status, CheckStatus::Warn, "{}", v.message);
}

#[test]
fn error_replay_needs_a_failing_first_attempt() {
    let v = judge_error_replay(
        &ietf(),
        "create_order_failing",
        &created("ord_1", 5),
        &replayed("ord_1", 5),
        &Effect::NotMeasured,
    );
    assert_eq!(v.status, CheckStatus::Skip, "{}", v.message);
    assert!(
        v.message
            .starts_with("the error request did not fail: \"create_order_failing\" got 201"),
        "{}",
        v.message
    );
    let v = judge_error_replay(
        &ietf(),
        "create_order_failing",
        &no_response(),
        &created("ord_1", 5),
        &Effect::NotMeasured,
    );
    assert_eq!(v.status, CheckStatus::Error, "{}", v.message);
    let v = judge_error_replay(
        &ietf(),
        "create_order_failing",
        &server_error(false),
        &no_response(),
        &Effect::NotMeasured,
    );
    assert_eq!(v.status, CheckStatus::Error, "{}", v.message);
}

// ---------------------------------------------------------------------------------------------
// IDEM-07 key scope

fn scope_run(b: Exchange, a_again: Exchange, effect: Effect) -> KeyScopeRun {
    KeyScopeRun {
        a: created("ord_1", 5),
        b,
        a_again,
        effect,
    }
}

#[test]
fn key_scope_conforming() {
    let run = scope_run(created("ord_2", 5), replayed("ord_1", 5), Effect::Count(1));
    let v = judge_key_scope(&ietf(), "X-Api-Key", &run);
    assert_eq!(v.status, CheckStatus::Pass, "{}", v.message);
    assert!(v.message.starts_with("expected client B"), "{}", v.message);
    assert!(
        v.message
            .contains("; saw client A 201 (ord_1), client B 201 (ord_2)"),
        "{}",
        v.message
    );
    assert!(v.evidence.is_empty());
}

#[test]
fn key_scope_violations() {
    // Client B gets client A's cached response.
    let run = scope_run(
        replayed("ord_1", 5),
        replayed("ord_1", 5),
        Effect::NotMeasured,
    );
    let v = judge_key_scope(&ietf(), "X-Api-Key", &run);
    assert_eq!(v.status, CheckStatus::Fail, "{}", v.message);
    assert!(
        v.message
            .contains("client B received client A's response (resource ord_1)"),
        "{}",
        v.message
    );
    assert_eq!(v.evidence.len(), 3);
    assert!(v.evidence[1].curl.as_deref().unwrap().starts_with("curl "));
    // Without ids, an identical body is A's.
    let mut a = status(201);
    a.body = br#"{"ok": true}"#.to_vec();
    let run = KeyScopeRun {
        a: a.clone(),
        b: a.clone(),
        a_again: a,
        effect: Effect::NotMeasured,
    };
    assert_eq!(
        judge_key_scope(&ietf(), "X-Api-Key", &run).status,
        CheckStatus::Fail
    );
    // A replay marker on B's first use of the key; a 2xx that created nothing.
    let mut b = replayed("ord_2", 5);
    b.status = Some(201);
    let run = scope_run(b, replayed("ord_1", 5), Effect::NotMeasured);
    assert_eq!(
        judge_key_scope(&ietf(), "X-Api-Key", &run).status,
        CheckStatus::Fail
    );
    let run = scope_run(created("ord_2", 5), replayed("ord_1", 5), Effect::Count(0));
    assert_eq!(
        judge_key_scope(&ietf(), "X-Api-Key", &run).status,
        CheckStatus::Fail
    );
    // The other direction: A's retry gets B's response.
    let run = scope_run(
        created("ord_2", 5),
        replayed("ord_2", 5),
        Effect::NotMeasured,
    );
    let v = judge_key_scope(&ietf(), "X-Api-Key", &run);
    assert_eq!(v.status, CheckStatus::Fail, "{}", v.message);
    assert!(
        v.message.contains("client A's retry received client B's"),
        "{}",
        v.message
    );
    // B rejected for A's key: no body leaked, but the key is shared.
    let run = scope_run(status(409), replayed("ord_1", 5), Effect::NotMeasured);
    assert_eq!(
        judge_key_scope(&ietf(), "X-Api-Key", &run).status,
        CheckStatus::Warn
    );
    let run = scope_run(status(500), replayed("ord_1", 5), Effect::NotMeasured);
    assert_eq!(
        judge_key_scope(&ietf(), "X-Api-Key", &run).status,
        CheckStatus::Fail
    );
}

#[test]
fn key_scope_setup_problems() {
    let run = KeyScopeRun {
        a: status(400),
        b: created("ord_2", 5),
        a_again: status(400),
        effect: Effect::NotMeasured,
    };
    assert_eq!(
        judge_key_scope(&ietf(), "X-Api-Key", &run).status,
        CheckStatus::Error
    );
    let run = scope_run(status(401), replayed("ord_1", 5), Effect::NotMeasured);
    let v = judge_key_scope(&ietf(), "X-Api-Key", &run);
    assert_eq!(v.status, CheckStatus::Error, "{}", v.message);
    assert!(v.message.contains("second_credential"), "{}", v.message);
    let run = scope_run(no_response(), replayed("ord_1", 5), Effect::NotMeasured);
    assert_eq!(
        judge_key_scope(&ietf(), "X-Api-Key", &run).status,
        CheckStatus::Error
    );
}

// ---------------------------------------------------------------------------------------------
// The decisive exchange: what the summary shows of each finding

#[test]
fn idem_03_shows_the_accepted_mismatch_not_the_harmless_first_201() {
    // A GET of the first resource follows the mismatch: the last step is not the finding.
    let state = ex(
        probe("GET", "/orders/ord_1", None),
        200,
        order("ord_1", 5),
        &[],
    );
    let v = judge_mismatch(
        &ietf(),
        &created("ord_1", 5),
        &second_body(201, order("ord_2", 6)),
        &created("ord_3", 6),
        Some(&state),
        &["/amount".to_string()],
        &Effect::NotMeasured,
    );
    assert_eq!(v.status, CheckStatus::Fail, "{}", v.message);
    let d = v.decisive().unwrap();
    assert_eq!(d.note.as_deref(), Some("same key K, different body B"));
    assert_eq!(d.status, Some(201));
    // When the resource itself shows the finding, the GET decides.
    let state = ex(
        probe("GET", "/orders/ord_1", None),
        200,
        order("ord_1", 6),
        &[],
    );
    let v = judge_mismatch(
        &ietf(),
        &created("ord_1", 5),
        &second_body(422, json!({})),
        &created("ord_2", 6),
        Some(&state),
        &["/amount".to_string()],
        &Effect::NotMeasured,
    );
    assert_eq!(v.status, CheckStatus::Fail, "{}", v.message);
    assert_eq!(
        v.decisive().unwrap().note.as_deref(),
        Some("the first resource after the mismatched request")
    );
}

#[test]
fn idem_05_shows_the_racer_that_created_a_duplicate() {
    let racers = vec![
        created("ord_1", 5),
        ex(
            post(json!({"customer": "c", "amount": 5})),
            409,
            json!({}),
            &[],
        ),
        created("ord_2", 5),
        ex(
            post(json!({"customer": "c", "amount": 5})),
            409,
            json!({}),
            &[],
        ),
    ];
    let v = judge_race(&ietf(), &racers, &Effect::NotMeasured);
    assert_eq!(v.status, CheckStatus::Fail, "{}", v.message);
    assert_eq!(v.decisive().unwrap().note.as_deref(), Some("racer 2"));
}
