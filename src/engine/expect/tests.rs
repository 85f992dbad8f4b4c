//! Unit tests of [`super::CompiledExpectations`]: no network, response parts in, a verdict out.
use reqwest::header::HeaderMap;

use super::*;
use crate::scenario::{HeaderExpectation, JsonExpectation};

fn expect(
    status: &[u16],
    headers: Vec<HeaderExpectation>,
    json: Vec<JsonExpectation>,
) -> CompiledExpectations {
    CompiledExpectations::compile(
        &Expectations {
            status: status.to_vec(),
            headers,
            json,
            schema: None,
        },
        16,
    )
    .unwrap()
}

/// `evaluate` on a whole body (or none), as a `Result` of the one-line finding.
fn ev(
    e: &CompiledExpectations,
    status: u16,
    h: Headers<'_>,
    body: Option<&[u8]>,
) -> Result<(), String> {
    match e.evaluate(status, h, SeenBody::of(body, false)) {
        Judgement::Met => Ok(()),
        Judgement::Missed(m) => Err(m.join("; ")),
        Judgement::Unjudged(u) => panic!("a whole body was not judged: {u:?}"),
    }
}

fn json_exists(pointer: &str) -> Vec<JsonExpectation> {
    vec![JsonExpectation {
        pointer: pointer.into(),
        rule: JsonRule::Exists,
    }]
}

fn hm(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.insert(*k, v.parse().unwrap());
    }
    h
}

#[test]
fn default_status_is_2xx_or_3xx() {
    let e = expect(&[], vec![], vec![]);
    assert!(ev(&e, 204, Headers::none(), None).is_ok());
    assert!(ev(&e, 302, Headers::none(), None).is_ok());
    assert_eq!(
        ev(&e, 500, Headers::none(), None).unwrap_err(),
        "expected a 2xx or 3xx status, got 500"
    );
}

#[test]
fn header_rules() {
    let e = expect(
        &[201],
        vec![
            HeaderExpectation {
                name: "Location".into(),
                rule: HeaderRule::Present,
            },
            HeaderExpectation {
                name: "Content-Type".into(),
                rule: HeaderRule::Matches("^application/json".into()),
            },
            HeaderExpectation {
                name: "X-Debug".into(),
                rule: HeaderRule::Absent,
            },
        ],
        vec![],
    );
    let ok = hm(&[
        ("location", "/orders/1"),
        ("content-type", "application/json"),
    ]);
    assert!(ev(&e, 201, Headers::Map(&ok), None).is_ok());
    let missing = hm(&[("content-type", "application/json")]);
    assert_eq!(
        ev(&e, 201, Headers::Map(&missing), None).unwrap_err(),
        "expected header Location, it is absent"
    );
    let wrong = hm(&[("location", "/x"), ("content-type", "text/html")]);
    assert!(
        ev(&e, 201, Headers::Map(&wrong), None)
            .unwrap_err()
            .contains("matching")
    );
    let extra = hm(&[
        ("location", "/x"),
        ("content-type", "application/json"),
        ("x-debug", "1"),
    ]);
    assert!(
        ev(&e, 201, Headers::Map(&extra), None)
            .unwrap_err()
            .contains("no header X-Debug")
    );
}

#[test]
fn json_rules() {
    let e = expect(
        &[200],
        vec![],
        vec![
            JsonExpectation {
                pointer: "/id".into(),
                rule: JsonRule::Exists,
            },
            JsonExpectation {
                pointer: "/status".into(),
                rule: JsonRule::Equals(serde_json::json!("pending")),
            },
        ],
    );
    assert_eq!(e.body_keep(), Some(16));
    let h = HeaderMap::new();
    assert!(
        ev(
            &e,
            200,
            Headers::Map(&h),
            Some(br#"{"id":"o1","status":"pending"}"#)
        )
        .is_ok()
    );
    assert!(
        ev(&e, 200, Headers::Map(&h), Some(br#"{"status":"pending"}"#))
            .unwrap_err()
            .contains("\"/id\"")
    );
    assert!(
        ev(
            &e,
            200,
            Headers::Map(&h),
            Some(br#"{"id":1,"status":"paid"}"#)
        )
        .unwrap_err()
        .contains("got \"paid\"")
    );
    assert!(
        ev(&e, 200, Headers::Map(&h), Some(b"<html>"))
            .unwrap_err()
            .contains("does not parse")
    );
}

#[test]
fn a_cut_body_is_not_judged_by_the_json_rules() {
    // Valid JSON, cut at the keep limit: the cut is not the server's fault (issue 12).
    let e = expect(&[200], vec![], json_exists("/id"));
    let h = HeaderMap::new();
    let whole = br#"{"id":"o1","pad":"xxxxxxxxxxxxxxxxxxxxxxxx"}"#;
    assert_eq!(
        e.evaluate(200, Headers::Map(&h), SeenBody::Cut(&whole[..16])),
        Judgement::Unjudged(Unjudged::BodyTooLarge { max_body: 16 })
    );
    assert_eq!(
        e.evaluate(200, Headers::Map(&h), SeenBody::Whole(whole)),
        Judgement::Met
    );
    // What the cut body cannot hide is still judged: a wrong status is a miss.
    assert_eq!(
        e.evaluate(500, Headers::Map(&h), SeenBody::Cut(&whole[..16])),
        Judgement::Missed(vec!["expected status in [200], got 500".into()])
    );
}

#[test]
fn without_json_rules_nothing_is_kept_and_a_cut_body_does_not_matter() {
    let e = expect(&[200], vec![], vec![]);
    assert_eq!(e.body_keep(), None);
    assert_eq!(
        e.evaluate(200, Headers::none(), SeenBody::Cut(b"{")),
        Judgement::Met
    );
}

fn rule(pointer: &str, rule: JsonRule) -> JsonExpectation {
    JsonExpectation {
        pointer: pointer.into(),
        rule,
    }
}

/// The misses of `e` on a whole JSON body with status 200 (empty: met).
fn misses(e: &CompiledExpectations, body: &str) -> Vec<String> {
    match e.evaluate(200, Headers::none(), SeenBody::Whole(body.as_bytes())) {
        Judgement::Met => vec![],
        Judgement::Missed(m) => m,
        Judgement::Unjudged(u) => panic!("a whole body was not judged: {u:?}"),
    }
}

fn one(r: JsonRule) -> CompiledExpectations {
    expect(&[200], vec![], vec![rule("/v", r)])
}

#[test]
fn matches_wants_a_matching_string() {
    let e = one(JsonRule::Matches("^[0-9a-f-]{36}$".into()));
    assert!(misses(&e, r#"{"v":"0b6f2a8e-5d1c-4c3e-9a7b-2f1e0d9c8b7a"}"#).is_empty());
    assert_eq!(
        misses(&e, r#"{"v":"nope"}"#),
        [r#"expected "/v" matching /^[0-9a-f-]{36}$/, got "nope""#]
    );
    // Not a string: a miss, never a match of its JSON text.
    assert_eq!(
        misses(&e, r#"{"v":12}"#),
        [r#"expected "/v" to be a string matching /^[0-9a-f-]{36}$/, got integer 12"#]
    );
    assert_eq!(
        misses(&e, r#"{}"#),
        [r#"expected "/v": a string matching /^[0-9a-f-]{36}$/, nothing there"#]
    );
}

#[test]
fn type_names_json_types_and_an_integer_is_a_number() {
    let number = one(JsonRule::Type(JsonType::Number));
    assert!(misses(&number, r#"{"v":1.5}"#).is_empty());
    assert!(misses(&number, r#"{"v":2}"#).is_empty());
    assert_eq!(
        misses(&number, r#"{"v":"2"}"#),
        [r#"expected "/v" of type number, got string "2""#]
    );
    let integer = one(JsonRule::Type(JsonType::Integer));
    assert!(misses(&integer, r#"{"v":7}"#).is_empty());
    assert_eq!(
        misses(&integer, r#"{"v":7.5}"#),
        [r#"expected "/v" of type integer, got number 7.5"#]
    );
    let null = one(JsonRule::Type(JsonType::Null));
    assert!(misses(&null, r#"{"v":null}"#).is_empty());
    assert_eq!(misses(&null, r#"{"v":[]}"#).len(), 1);
    for (t, ok, bad) in [
        (JsonType::String, r#""s""#, "1"),
        (JsonType::Boolean, "true", "0"),
        (JsonType::Array, "[1]", r#"{"a":1}"#),
        (JsonType::Object, "{}", "[]"),
    ] {
        let e = one(JsonRule::Type(t));
        assert!(misses(&e, &format!(r#"{{"v":{ok}}}"#)).is_empty(), "{t:?}");
        assert_eq!(misses(&e, &format!(r#"{{"v":{bad}}}"#)).len(), 1, "{t:?}");
    }
}

#[test]
fn bounds_want_a_number_within_all_of_them() {
    let e = one(JsonRule::Range(Bounds {
        gt: Some(0.0),
        le: Some(100.0),
        ..Bounds::default()
    }));
    assert!(misses(&e, r#"{"v":100}"#).is_empty());
    assert!(misses(&e, r#"{"v":0.5}"#).is_empty());
    assert_eq!(
        misses(&e, r#"{"v":0}"#),
        [r#"expected "/v" > 0, <= 100, got 0"#]
    );
    assert_eq!(misses(&e, r#"{"v":100.5}"#).len(), 1);
    assert_eq!(
        misses(&e, r#"{"v":"5"}"#),
        [r#"expected "/v" to be a number > 0, <= 100, got string "5""#]
    );
    let lt = one(JsonRule::Range(Bounds {
        ge: Some(-1.0),
        lt: Some(1.0),
        ..Bounds::default()
    }));
    assert!(misses(&lt, r#"{"v":-1}"#).is_empty());
    assert_eq!(misses(&lt, r#"{"v":1}"#).len(), 1);
}

#[test]
fn len_counts_items_characters_and_members() {
    let exact = one(JsonRule::Len(Bounds {
        ge: Some(2.0),
        le: Some(2.0),
        ..Bounds::default()
    }));
    assert!(misses(&exact, r#"{"v":[1,2]}"#).is_empty());
    // Characters, not bytes.
    assert!(misses(&exact, r#"{"v":"éé"}"#).is_empty());
    assert!(misses(&exact, r#"{"v":{"a":1,"b":2}}"#).is_empty());
    assert_eq!(
        misses(&exact, r#"{"v":[1,2,3]}"#),
        [r#"expected the length of "/v" = 2, got 3 (array)"#]
    );
    assert_eq!(
        misses(&exact, r#"{"v":12}"#),
        [r#"expected "/v" to have a length = 2 (an array, string or object), got integer 12"#]
    );
    let at_least = one(JsonRule::Len(Bounds {
        ge: Some(1.0),
        ..Bounds::default()
    }));
    assert!(misses(&at_least, r#"{"v":[0]}"#).is_empty());
    assert_eq!(misses(&at_least, r#"{"v":[]}"#).len(), 1);
}

#[test]
fn one_of_compares_whole_values() {
    let e = one(JsonRule::OneOf(vec![
        serde_json::json!("pending"),
        serde_json::json!("paid"),
        serde_json::json!(3),
    ]));
    assert!(misses(&e, r#"{"v":"paid"}"#).is_empty());
    assert!(misses(&e, r#"{"v":3}"#).is_empty());
    assert_eq!(
        misses(&e, r#"{"v":"void"}"#),
        [r#"expected "/v" one of ["pending","paid",3], got "void""#]
    );
}

#[test]
fn every_miss_is_listed_in_rule_order_and_capped() {
    let e = expect(
        &[201],
        vec![HeaderExpectation {
            name: "Location".into(),
            rule: HeaderRule::Present,
        }],
        vec![
            rule("/id", JsonRule::Type(JsonType::String)),
            rule(
                "/n",
                JsonRule::Range(Bounds {
                    gt: Some(0.0),
                    ..Bounds::default()
                }),
            ),
            rule("/ok", JsonRule::Exists),
        ],
    );
    let Judgement::Missed(m) = e.evaluate(
        200,
        Headers::none(),
        SeenBody::Whole(br#"{"id":1,"n":0,"ok":true}"#),
    ) else {
        panic!("expected misses");
    };
    assert_eq!(
        m,
        [
            "expected status in [201], got 200",
            "expected header Location, it is absent",
            r#"expected "/id" of type string, got integer 1"#,
            r#"expected "/n" > 0, got 0"#,
        ]
    );
    // Every miss is returned; a report shows MAX_MISSES and counts the rest.
    let many: Vec<_> = (0..15)
        .map(|i| rule(&format!("/k{i}"), JsonRule::Exists))
        .collect();
    let e = expect(&[200], vec![], many);
    let m = misses(&e, "{}");
    assert_eq!(m.len(), 15);
    assert_eq!(summary(&m), format!("{} (+14 more)", m[0]));
    let shown = capped(m);
    assert_eq!(shown.len(), MAX_MISSES + 1);
    assert_eq!(shown[MAX_MISSES], "… and 5 more");
}

fn schema_expect(schema: serde_json::Value) -> CompiledExpectations {
    CompiledExpectations::compile(
        &Expectations {
            status: vec![200],
            schema: Some(crate::scenario::BodySchema {
                path: "order.json".into(),
                validator: std::sync::Arc::new(jsonschema::validator_for(&schema).unwrap()),
            }),
            ..Expectations::default()
        },
        1 << 20,
    )
    .unwrap()
}

#[test]
fn schema_validates_the_whole_body_and_lists_errors_with_their_paths() {
    let e = schema_expect(serde_json::json!({
        "type": "object",
        "required": ["id", "amount"],
        "properties": {
            "id": { "type": "string" },
            "amount": { "type": "integer", "minimum": 1 },
            "items": { "type": "array", "items": { "type": "string" } }
        }
    }));
    assert_eq!(e.body_keep(), Some(1 << 20));
    assert!(misses(&e, r#"{"id":"o1","amount":5}"#).is_empty());
    let m = misses(&e, r#"{"id":7,"amount":0,"items":["a",1,2,3]}"#);
    assert_eq!(m.len(), 4, "{m:?}");
    assert!(
        m[0].starts_with("expected the body to match the schema order.json: at "),
        "{m:?}"
    );
    assert!(m.iter().any(|x| x.contains(r#"at "/id""#)), "{m:?}");
    assert_eq!(m[3], "… and 2 more schema errors");
    let missing = misses(&e, r#"{"id":"o1"}"#);
    assert_eq!(missing.len(), 1);
    assert!(
        missing[0].contains(r#"at "/""#) && missing[0].contains("amount"),
        "{missing:?}"
    );
    // A cut body is not judged by the schema either.
    assert_eq!(
        e.evaluate(200, Headers::none(), SeenBody::Cut(b"{")),
        Judgement::Unjudged(Unjudged::BodyTooLarge { max_body: 1 << 20 })
    );
}

#[test]
fn head_misses_are_known_before_the_body() {
    let e = expect(&[200], vec![], json_exists("/id"));
    assert!(e.head_misses(500, Headers::none()));
    assert!(!e.head_misses(200, Headers::none()));
}
