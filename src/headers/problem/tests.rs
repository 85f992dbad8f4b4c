//! Unit tests of `problem.rs`: the RFC 9457 parser and conformance rules.

use super::*;
use serde_json::json;

// The rules read a `Json`; these tests write their bodies as `Value`s (`json!`), seen as one.
fn member_issues(profile: ErrorProfile, status: u16, body: &Value) -> Vec<Issue> {
    super::member_issues(profile, status, &Json::from(body))
}
fn shape_issues(profile: ErrorProfile, body: &Value) -> Vec<Issue> {
    super::shape_issues(profile, &Json::from(body))
}
fn error_code(profile: ErrorProfile, body: &Value) -> Option<String> {
    super::error_code(profile, &Json::from(body))
}
fn error_title(profile: ErrorProfile, body: &Value) -> Option<String> {
    super::error_title(profile, &Json::from(body))
}

fn keys(v: &[Issue]) -> Vec<&str> {
    v.iter().map(|i| i.key.as_str()).collect()
}

#[test]
fn essence_drops_parameters_and_lowercases_borrowing_when_it_can() {
    use std::borrow::Cow;
    let e = essence(" application/problem+json ; charset=utf-8");
    assert!(matches!(e, Cow::Borrowed("application/problem+json")));
    let e = essence("Application/Problem+JSON;charset=UTF-8");
    assert!(matches!(&e, Cow::Owned(s) if s == "application/problem+json"));
    assert_eq!(essence(""), "");
}

#[test]
fn media_types_by_profile() {
    use ErrorProfile::*;
    let c = |p, ct| classify_media(p, ct);
    assert_eq!(
        c(ProblemJson, Some("application/problem+json")),
        MediaClass::Expected
    );
    assert_eq!(
        c(ProblemJson, Some("Application/Problem+JSON; charset=utf-8")),
        MediaClass::Expected
    );
    assert_eq!(
        c(ProblemJson, Some("application/json")),
        MediaClass::OtherJson
    );
    assert_eq!(
        c(ProblemJson, Some("text/html; charset=utf-8")),
        MediaClass::Html
    );
    assert_eq!(c(ProblemJson, Some("text/plain")), MediaClass::Text);
    assert_eq!(c(ProblemJson, Some("application/xml")), MediaClass::Other);
    assert_eq!(c(ProblemJson, None), MediaClass::Missing);
    assert_eq!(c(Google, Some("application/json")), MediaClass::Expected);
    assert_eq!(c(Stripe, Some("application/json")), MediaClass::Expected);
    assert_eq!(
        c(JsonApi, Some("application/vnd.api+json")),
        MediaClass::Expected
    );
    assert_eq!(c(JsonApi, Some("application/json")), MediaClass::OtherJson);
    assert_eq!(
        c(Schema, Some("application/problem+json")),
        MediaClass::Expected
    );
    assert!(MediaClass::OtherJson.is_json() && !MediaClass::Html.is_json());
}

#[test]
fn uri_references() {
    for ok in [
        "https://loadproof.dev/problems/not-found",
        "about:blank",
        "/problems/x",
        "x#y",
        "",
        "urn:ietf:rfc:9457",
        "a%20b",
    ] {
        assert!(is_uri_reference(ok), "{ok}");
    }
    for bad in [
        "has space",
        "https://x/<y>",
        "1http://x",
        "a%2",
        "a%zz",
        "a\"b",
        "é",
    ] {
        assert!(!is_uri_reference(bad), "{bad}");
    }
}

#[test]
fn aip_reasons() {
    for ok in ["API_DISABLED", "RESOURCE_EXHAUSTED", "ABC", "A_1"] {
        assert!(is_aip_reason(ok), "{ok}");
    }
    for bad in [
        "api_disabled",
        "A",
        "AB",
        "_AB",
        "AB_",
        "Api",
        "1AB",
        &"A".repeat(64),
    ] {
        assert!(!is_aip_reason(bad), "{bad}");
    }
}

#[test]
fn problem_members() {
    use ErrorProfile::ProblemJson as P;
    let good = json!({"type": "https://x/p/nf", "title": "Not found", "status": 404, "detail": "d", "instance": "/o/1", "request_id": "r"});
    assert!(member_issues(P, 404, &good).is_empty());
    assert_eq!(keys(&member_issues(P, 400, &good)), ["status-mismatch"]);
    assert_eq!(keys(&member_issues(P, 404, &json!([1]))), ["not-object"]);
    assert_eq!(
        keys(&member_issues(P, 404, &json!({"type": "not a uri"}))),
        ["type-not-uri"]
    );
    assert_eq!(
        keys(&member_issues(P, 404, &json!({"title": 3, "detail": []}))),
        ["title-not-string", "detail-not-string"]
    );
    let short = member_issues(P, 404, &json!({"title": "t", "id": 1, "x": 2, "abc": 3}));
    assert_eq!(keys(&short), ["short-extension"]);
    assert_eq!(short[0].severity, Severity::Warn);
    assert!(short[0].message.contains("id, x"), "{}", short[0].message);
    // A non-integer status is ERR-03's finding, not ERR-02's.
    assert!(member_issues(P, 404, &json!({"status": "404"})).is_empty());
}

#[test]
fn other_profiles_members() {
    let g = json!({"error": {"code": 404, "message": "m", "status": "NOT_FOUND"}});
    assert!(member_issues(ErrorProfile::Google, 404, &g).is_empty());
    assert_eq!(
        keys(&member_issues(ErrorProfile::Google, 400, &g)),
        ["status-mismatch"]
    );
    let j = json!({"errors": [{"status": "422", "title": "Invalid"}]});
    assert!(member_issues(ErrorProfile::JsonApi, 422, &j).is_empty());
    assert_eq!(
        keys(&member_issues(ErrorProfile::JsonApi, 400, &j)),
        ["status-mismatch"]
    );
    let s = json!({"error": {"type": "invalid_request_error", "message": 5}});
    assert_eq!(
        keys(&member_issues(ErrorProfile::Stripe, 400, &s)),
        ["error.message-not-string"]
    );
}

#[test]
fn problem_shape() {
    use ErrorProfile::ProblemJson as P;
    assert!(
        shape_issues(
            P,
            &json!({"type": "about:blank", "status": 404, "title": "x"})
        )
        .is_empty()
    );
    assert_eq!(
        keys(&shape_issues(P, &json!({"status": "404"}))),
        ["status-type"]
    );
    assert_eq!(keys(&shape_issues(P, &json!({"type": 1}))), ["type-type"]);
    assert_eq!(
        keys(&shape_issues(P, &json!({"message": "boom"}))),
        ["no-problem-members"]
    );
    // Another vocabulary under problem+json: nothing for a problem-details client.
    assert_eq!(
        keys(&shape_issues(
            P,
            &json!({"type": "validation_error", "message": "amount is required"})
        )),
        ["not-problem-details"]
    );
    // Minimal but conformant: a URI type alone, a relative path type with a title, or only
    // a detail (type defaults to about:blank).
    for ok in [
        json!({"type": "https://example.com/probs/out-of-credit", "detail": "x"}),
        json!({"type": "/probs/out-of-credit"}),
        json!({"type": "out-of-credit", "title": "Out of credit"}),
        json!({"detail": "no such order"}),
    ] {
        assert!(shape_issues(P, &ok).is_empty(), "{ok}");
    }
    assert!(
        shape_issues(P, &json!("text")).is_empty(),
        "non-objects are ERR-02's"
    );
}

#[test]
fn google_shape() {
    use ErrorProfile::Google as G;
    let info = |reason: &str| json!({"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason, "domain": "x.example.com"});
    let doc = |details: Value| json!({"error": {"code": 429, "message": "m", "status": "RESOURCE_EXHAUSTED", "details": details}});
    assert!(shape_issues(G, &doc(json!([info("RATE_LIMIT_EXCEEDED")]))).is_empty());
    assert_eq!(keys(&shape_issues(G, &doc(json!([])))), ["errorinfo-count"]);
    assert_eq!(
        keys(&shape_issues(G, &doc(json!([info("A_B"), info("C_D")])))),
        ["errorinfo-count"]
    );
    assert_eq!(
        keys(&shape_issues(G, &doc(json!([info("rate_limit")])))),
        ["errorinfo-reason"]
    );
    assert_eq!(
        keys(&shape_issues(G, &json!({"message": "m"}))),
        ["error-missing"]
    );
    let missing = shape_issues(G, &json!({"error": {"code": "x"}}));
    assert!(
        keys(&missing).contains(&"error.message-missing"),
        "{missing:?}"
    );
    assert!(keys(&missing).contains(&"error.code-type"), "{missing:?}");
}

#[test]
fn stripe_and_jsonapi_shape() {
    use ErrorProfile::{JsonApi, Stripe};
    assert!(shape_issues(Stripe, &json!({"error": {"type": "card_error", "code": "card_declined", "param": "number", "message": "m"}})).is_empty());
    assert_eq!(
        keys(&shape_issues(Stripe, &json!({"error": {"code": "x"}}))),
        ["error.type-missing"]
    );
    assert_eq!(
        keys(&shape_issues(Stripe, &json!({"error": "x"}))),
        ["error-type"]
    );
    assert!(shape_issues(JsonApi, &json!({"errors": [{"status": "422", "source": {"pointer": "/data/attributes/amount"}}]})).is_empty());
    assert_eq!(
        keys(&shape_issues(
            JsonApi,
            &json!({"errors": [{"status": 422}]})
        )),
        ["errors[].status-type"]
    );
    assert_eq!(
        keys(&shape_issues(JsonApi, &json!({"errors": []}))),
        ["errors-empty"]
    );
    assert_eq!(
        keys(&shape_issues(JsonApi, &json!({"error": {}}))),
        ["errors-missing"]
    );
    assert_eq!(
        keys(&shape_issues(
            JsonApi,
            &json!({"errors": [{}], "data": null})
        )),
        ["data-with-errors"]
    );
}

#[test]
fn codes_and_titles() {
    let p = json!({"type": "https://x/a", "title": "A"});
    assert_eq!(
        error_code(ErrorProfile::ProblemJson, &p).as_deref(),
        Some("https://x/a")
    );
    assert_eq!(
        error_code(ErrorProfile::ProblemJson, &json!({})).as_deref(),
        Some("about:blank")
    );
    assert_eq!(
        error_title(ErrorProfile::ProblemJson, &p).as_deref(),
        Some("A")
    );
    let s = json!({"error": {"type": "card_error", "code": "expired_card"}});
    assert_eq!(
        error_code(ErrorProfile::Stripe, &s).as_deref(),
        Some("card_error/expired_card")
    );
    let g = json!({"error": {"status": "NOT_FOUND", "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "GONE"}]}});
    assert_eq!(
        error_code(ErrorProfile::Google, &g).as_deref(),
        Some("NOT_FOUND/GONE")
    );
    assert_eq!(
        error_code(ErrorProfile::JsonApi, &json!({"errors": [{"code": "c"}]})).as_deref(),
        Some("c")
    );
}

#[test]
fn field_references_in_every_profile() {
    let cases = [
        json!({"type": "/x", "instance": "/orders", "errors": [{"pointer": "/amount", "detail": "d"}]}),
        json!({"errors": [{"pointer": "#/amount"}]}),
        json!({"invalid-params": [{"name": "amount", "reason": "r"}]}),
        json!({"error": {"type": "invalid_request_error", "param": "amount"}}),
        json!({"errors": [{"source": {"pointer": "/data/attributes/amount"}}]}),
        json!({"error": {"details": [{"fieldViolations": [{"field": "order.amount"}]}]}}),
        json!({"errors": [{"pointer": "/items/0/amount"}]}),
    ];
    for c in cases {
        assert_eq!(field_references(&c), ["amount"], "{c}");
    }
    assert!(field_references(&json!({"instance": "/amount", "name": "amount"})).is_empty());
    assert_eq!(
        field_references(&json!({"errors": [{"pointer": "/a~1b"}]})),
        ["a/b"]
    );
}

#[test]
fn each_leak_pattern_matches() {
    let samples = [
        (
            "Python traceback",
            "Traceback (most recent call last):\n  x",
        ),
        (
            "Java stack frame",
            "\tat java.base/java.lang.Thread.run(Thread.java:833)",
        ),
        (
            "uncaught Java exception",
            "Exception in thread \"main\" java.lang.NullPointerException",
        ),
        ("Go panic", "panic: runtime error: index out of range"),
        ("Go goroutine dump", "goroutine 1 [running]:"),
        ("Go source location", "main.go:42 +0x1d"),
        ("Python source location", "  File \"x.py\", line 3, in f"),
        ("SQLSTATE code", "ERROR: SQLSTATE[23505]: unique violation"),
        (
            "Oracle error code",
            "ORA-00942: table or view does not exist",
        ),
        (
            "MySQL syntax error",
            "You have an error in your SQL syntax; check the manual",
        ),
        ("absolute file path", "cannot open /var/lib/app/data.db"),
        ("absolute file path", "error in \"/opt/app/handler.rb\""),
        ("absolute file path", "at C:\\inetpub\\wwwroot\\app.dll"),
        ("absolute file path", "see /x/y/handler.php for details"),
    ];
    for (name, text) in samples {
        let leak = find_leak(text).unwrap_or_else(|| panic!("{name}: {text:?}"));
        if name != "absolute file path" || !text.contains(".py") {
            assert_eq!(leak.pattern, name, "{text:?}");
        }
    }
}

#[test]
fn clean_texts_do_not_leak() {
    for clean in [
        r#"{"type":"https://loadproof.dev/problems/order-not-found","title":"Order not found","status":404,"detail":"no order with id `ord_0000000000000000`","instance":"/orders/ord_0000000000000000","request_id":"req_4f1c"}"#,
        "PATCH is not allowed on /orders; allowed: GET,POST",
        "/amount: must be an integer greater than 0",
        "the goroutine count is high",
        "an exception occurred; we are looking at javascript",
        "see https://example.com/home/docs.py for help",
        "the panic button",
        "ORA-12 is not five digits",
        "<!DOCTYPE html><html><body><h1>404 Not found</h1><address>orders-api</address></body></html>",
    ] {
        assert_eq!(find_leak(clean), None, "{clean}");
    }
}

#[test]
fn versions_in_server_headers() {
    for v in [
        "nginx/1.25.3",
        "Apache/2.4.57 (Unix)",
        "PHP/8.1",
        "Express 4.18",
        "gunicorn/21",
    ] {
        assert!(discloses_version(v), "{v}");
    }
    for v in ["nginx", "cloudflare", "Express", "orders-api"] {
        assert!(!discloses_version(v), "{v}");
    }
}

#[test]
fn traceparents_and_request_ids() {
    let tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    assert_eq!(
        parse_traceparent(tp),
        Some(("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"))
    );
    for bad in [
        "00-not-a-trace-id-at-all-01",
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",
        "",
    ] {
        assert_eq!(parse_traceparent(bad), None, "{bad}");
    }
    let names = vec!["X-Request-Id".to_string(), "traceparent".to_string()];
    let get = |h: &'static [(&'static str, &'static str)]| {
        move |n: &str| {
            h.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(n))
                .map(|(_, v)| *v)
        }
    };
    assert_eq!(
        request_id(get(&[("x-request-id", "req_1")]), &names).as_deref(),
        Some("req_1")
    );
    assert_eq!(
        request_id(
            get(&[
                ("x-request-id", " "),
                (
                    "traceparent",
                    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
                )
            ]),
            &names
        )
        .as_deref(),
        Some("4bf92f3577b34da6a3ce929d0e0e4736")
    );
    assert_eq!(request_id(get(&[("traceparent", "garbage")]), &names), None);
    assert_eq!(request_id(get(&[]), &names), None);
}

/// Bounded fuzz: random bytes and mutated documents never panic any parser.
#[test]
fn fuzz_no_panic() {
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};
    let mut rng = SmallRng::seed_from_u64(9457);
    let alphabet: &[u8] = b"{}[]\":,0123456789abcxyzAZ_-/.#%~ \\\n\tTraceback()ORA-SQLSTATEgoroutine panic:.go:.py\", line/usr/";
    let seeds = [
        r#"{"type":"https://x/p","title":"T","status":404,"detail":"d","errors":[{"pointer":"/a"}]}"#,
        r#"{"error":{"code":400,"message":"m","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"BAD","domain":"d"}]}}"#,
        r#"{"errors":[{"status":"422","source":{"pointer":"/data/attributes/x"}}]}"#,
    ];
    let profiles = [
        ErrorProfile::ProblemJson,
        ErrorProfile::Google,
        ErrorProfile::Stripe,
        ErrorProfile::JsonApi,
        ErrorProfile::Schema,
    ];
    for i in 0..3000 {
        let text: String = if i % 2 == 0 {
            let n = rng.random_range(0..200);
            (0..n)
                .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
                .collect()
        } else {
            let mut s = seeds[i % seeds.len()].as_bytes().to_vec();
            for _ in 0..rng.random_range(1..6) {
                let at = rng.random_range(0..s.len());
                s[at] = alphabet[rng.random_range(0..alphabet.len())];
            }
            String::from_utf8_lossy(&s).into_owned()
        };
        let _ = find_leak(&text);
        let _ = is_uri_reference(&text);
        let _ = parse_traceparent(&text);
        let _ = discloses_version(&text);
        let _ = classify_media(profiles[i % 5], Some(&text));
        if let Ok(v) = serde_json::from_str::<Value>(&text) {
            for p in profiles {
                let _ = member_issues(p, 400, &v);
                let _ = shape_issues(p, &v);
                let _ = error_code(p, &v);
                let _ = error_title(p, &v);
            }
            let _ = field_references(&v);
        }
    }
}
