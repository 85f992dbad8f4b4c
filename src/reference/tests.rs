//! Tests of the correct reference API over real HTTP (HTTP/1.1 and h2c), on 127.0.0.1:0.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

use super::{RateLimitConfig, ReferenceConfig, ReferenceServer};

pub(super) async fn start(config: ReferenceConfig) -> ReferenceServer {
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    ReferenceServer::start(config, addr).await.unwrap()
}

pub(super) fn client() -> Client {
    // No proxy: environment proxy settings must not intercept loopback test traffic.
    Client::builder().no_proxy().build().unwrap()
}

pub(super) async fn post_order(c: &Client, base: &str, key: &str, body: &Value) -> Response {
    c.post(format!("{base}/orders"))
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

pub(super) fn header<'a>(res: &'a Response, name: &str) -> Option<&'a str> {
    res.headers().get(name).map(|v| v.to_str().unwrap())
}

pub(super) async fn body_json(res: Response) -> Value {
    res.json().await.unwrap()
}

/// Asserts an RFC 9457 problem with the given status and type slug; returns the document.
pub(super) async fn assert_problem(res: Response, status: u16, slug: &str) -> Value {
    assert_eq!(res.status().as_u16(), status);
    assert_eq!(
        header(&res, "content-type"),
        Some("application/problem+json")
    );
    let rid = header(&res, "x-request-id").expect("request id").to_owned();
    let doc = body_json(res).await;
    assert_eq!(
        doc["type"],
        format!("https://loadproof.dev/problems/{slug}")
    );
    assert_eq!(doc["status"], status);
    assert!(
        doc["title"].is_string() && doc["detail"].is_string(),
        "{doc}"
    );
    assert!(doc["instance"].as_str().unwrap().starts_with('/'));
    assert_eq!(doc["request_id"], rid.as_str());
    doc
}

/// Walks `/orders` from `first` following `next`, returning the ids (bounded, to catch loops).
pub(super) async fn walk(c: &Client, base: &str, first: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut url = Some(first.to_owned());
    let mut pages = 0;
    while let Some(u) = url {
        pages += 1;
        assert!(pages <= 50, "pagination does not terminate");
        let res = c.get(format!("{base}{u}")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let link = header(&res, "link").map(str::to_owned);
        let page = body_json(res).await;
        for o in page["data"].as_array().unwrap() {
            ids.push(o["id"].as_str().unwrap().to_owned());
        }
        url = page["next"].as_str().map(str::to_owned);
        match &url {
            Some(n) => assert_eq!(link.unwrap(), format!("<{n}>; rel=\"next\"")),
            None => assert!(link.is_none()),
        }
    }
    ids
}

pub(super) async fn create_n(c: &Client, base: &str, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let res = post_order(
            c,
            base,
            &format!("k{i}"),
            &json!({"customer": "c", "amount": i + 1}),
        )
        .await;
        assert_eq!(res.status(), 201);
        ids.push(body_json(res).await["id"].as_str().unwrap().to_owned());
    }
    ids
}

#[tokio::test]
async fn happy_path_and_exact_counters() {
    let srv = start(ReferenceConfig::default()).await;
    let (c, base) = (client(), srv.base_url());
    assert!(base.starts_with("http://127.0.0.1:"));

    let res = post_order(
        &c,
        &base,
        "\"k-1\"",
        &json!({"customer": "alice", "amount": 1250}),
    )
    .await;
    assert_eq!(res.status(), 201);
    assert_eq!(header(&res, "content-type"), Some("application/json"));
    assert!(header(&res, "idempotent-replayed").is_none());
    let rid1 = header(&res, "x-request-id").unwrap().to_owned();
    let location = header(&res, "location").unwrap().to_owned();
    let order = body_json(res).await;
    let id = order["id"].as_str().unwrap();
    assert!(id.starts_with("ord_"));
    assert_eq!(location, format!("/orders/{id}"));
    assert_eq!(order["customer"], "alice");
    assert_eq!(order["amount"], 1250);
    assert_eq!(order["currency"], "EUR");
    assert_eq!(order["status"], "pending");
    assert!(order["created_at"].is_u64());

    let res = post_order(
        &c,
        &base,
        "k-2",
        &json!({"customer": "bob", "amount": 5, "currency": "USD"}),
    )
    .await;
    assert_eq!(res.status(), 201);
    assert_ne!(header(&res, "x-request-id").unwrap(), rid1);
    let second = body_json(res).await;
    assert!(
        second["id"].as_str().unwrap() > id,
        "ids sort in creation order"
    );
    assert!(second["created_at"].as_u64() > order["created_at"].as_u64());

    let res = c.get(format!("{base}{location}")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(body_json(res).await, order);

    let res = c.get(format!("{base}/orders")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let page = body_json(res).await;
    assert_eq!(page["data"], json!([order, second]));
    assert_eq!(page["next"], Value::Null);

    let res = c.delete(format!("{base}{location}")).send().await.unwrap();
    assert_eq!(res.status(), 204);
    let res = c.delete(format!("{base}{location}")).send().await.unwrap();
    assert_problem(res, 404, "order-not-found").await;
    let res = c.get(format!("{base}{location}")).send().await.unwrap();
    assert_problem(res, 404, "order-not-found").await;

    let res = c.get(format!("{base}/health")).send().await.unwrap();
    assert_eq!(body_json(res).await, json!({"status": "ok"}));

    // /_stats is not counted, and reports the same numbers as stats().
    let res = c.get(format!("{base}/_stats")).send().await.unwrap();
    let served: Value = body_json(res).await;
    let s = srv.stats();
    assert_eq!(served, serde_json::to_value(&s).unwrap());
    assert_eq!(s.requests, 8);
    assert_eq!(s.by_route["POST /orders"], 2);
    assert_eq!(s.by_route["GET /orders/{id}"], 2);
    assert_eq!(s.by_route["DELETE /orders/{id}"], 2);
    assert_eq!(s.by_route["GET /orders"], 1);
    assert_eq!(s.by_route["GET /health"], 1);
    assert_eq!(s.by_status[&201], 2);
    assert_eq!(s.by_status[&404], 2);
    assert_eq!(s.by_route.values().sum::<u64>(), s.requests);
    assert_eq!((s.orders_created, s.orders_live), (2, 1));
    srv.shutdown().await;
}

#[tokio::test]
async fn idempotent_replay_is_byte_identical() {
    let srv = start(ReferenceConfig::default()).await;
    let (c, base) = (client(), srv.base_url());
    let body = json!({"customer": "alice", "amount": 10});
    let first = post_order(&c, &base, "same", &body).await;
    assert_eq!(first.status(), 201);
    let loc = header(&first, "location").unwrap().to_owned();
    let first_bytes = first.bytes().await.unwrap();
    // A quoted sf-string key is the same key; member order does not change the fingerprint.
    let replay = c
        .post(format!("{base}/orders"))
        .header("idempotency-key", "\"same\"")
        .header("content-type", "application/json")
        .body(r#"{ "amount": 10, "customer": "alice" }"#)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 201);
    assert_eq!(header(&replay, "idempotent-replayed"), Some("true"));
    assert_eq!(header(&replay, "location"), Some(loc.as_str()));
    assert_eq!(replay.bytes().await.unwrap(), first_bytes);
    // Keys are per credential: another caller's identical key is a new request.
    let other = c
        .post(format!("{base}/orders"))
        .header("idempotency-key", "same")
        .header("authorization", "Bearer other")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 201);
    assert!(header(&other, "idempotent-replayed").is_none());
    assert_eq!(srv.stats().orders_created, 2);
    srv.shutdown().await;
}

/// `POST /orders` with `X-Fail-After-Execution: 1`.
pub(super) async fn post_failing(c: &Client, base: &str, key: &str, body: &Value) -> Response {
    c.post(format!("{base}/orders"))
        .header("idempotency-key", key)
        .header("x-fail-after-execution", "1")
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn failure_after_execution_is_stored_and_replayed() {
    let srv = start(ReferenceConfig::default()).await;
    let (c, base) = (client(), srv.base_url());
    let body = json!({"customer": "erin", "amount": 7});
    let first = post_failing(&c, &base, "fails", &body).await;
    assert!(header(&first, "idempotent-replayed").is_none());
    let rid = header(&first, "x-request-id").unwrap().to_owned();
    let first_bytes = first.bytes().await.unwrap();
    let doc: Value = serde_json::from_slice(&first_bytes).unwrap();
    assert_eq!(doc["status"], 500);
    assert_eq!(doc["type"], "https://loadproof.dev/problems/internal-error");
    assert_eq!(doc["request_id"], rid.as_str());
    // The order was created before the failure.
    assert_eq!(srv.stats().orders_created, 1);
    // The retry (without the header: it is not part of the fingerprint) gets the stored 500.
    let retry = post_order(&c, &base, "fails", &body).await;
    assert_eq!(retry.status(), 500);
    assert_eq!(header(&retry, "idempotent-replayed"), Some("true"));
    assert_eq!(
        header(&retry, "content-type"),
        Some("application/problem+json")
    );
    assert_ne!(header(&retry, "x-request-id"), Some(rid.as_str()));
    assert_eq!(retry.bytes().await.unwrap(), first_bytes);
    // With the header again, too: still a replay, not a second execution.
    let again = post_failing(&c, &base, "fails", &body).await;
    assert_eq!(again.status(), 500);
    assert_eq!(header(&again, "idempotent-replayed"), Some("true"));
    assert_eq!(srv.stats().orders_created, 1);
    // A different body with the key is still a mismatch; other values of the header are ignored.
    let other = post_order(
        &c,
        &base,
        "fails",
        &json!({"customer": "erin", "amount": 8}),
    )
    .await;
    assert_problem(other, 422, "idempotency-key-mismatch").await;
    let res = c
        .post(format!("{base}/orders"))
        .header("idempotency-key", "not-failing")
        .header("x-fail-after-execution", "0")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    srv.shutdown().await;
}

#[tokio::test]
async fn idempotency_mismatch_missing_and_validation_errors() {
    let srv = start(ReferenceConfig::default()).await;
    let (c, base) = (client(), srv.base_url());
    let res = post_order(&c, &base, "k", &json!({"customer": "a", "amount": 1})).await;
    assert_eq!(res.status(), 201);
    let res = post_order(&c, &base, "k", &json!({"customer": "a", "amount": 2})).await;
    assert_problem(res, 422, "idempotency-key-mismatch").await;

    let res = c
        .post(format!("{base}/orders"))
        .json(&json!({"customer": "a", "amount": 1}))
        .send()
        .await
        .unwrap();
    let doc = assert_problem(res, 400, "idempotency-key-missing").await;
    assert_eq!(doc["instance"], "/orders");

    let res = post_order(
        &c,
        &base,
        "v",
        &json!({"customer": "", "amount": 0, "currency": "eur"}),
    )
    .await;
    let doc = assert_problem(res, 400, "validation-failed").await;
    let pointers: BTreeSet<_> = doc["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        pointers,
        ["/amount", "/currency", "/customer"]
            .map(String::from)
            .into()
    );

    let res = c
        .post(format!("{base}/orders"))
        .header("idempotency-key", "m")
        .header("content-type", "application/json")
        .body("{\"customer\": ")
        .send()
        .await
        .unwrap();
    assert_problem(res, 400, "malformed-json").await;

    let res = c
        .post(format!("{base}/orders"))
        .header("idempotency-key", "t")
        .header("content-type", "text/plain")
        .body("customer=a")
        .send()
        .await
        .unwrap();
    assert_problem(res, 415, "unsupported-media-type").await;

    let res = c.get(format!("{base}/nope")).send().await.unwrap();
    assert_problem(res, 404, "not-found").await;

    let res = c.put(format!("{base}/orders")).send().await.unwrap();
    let allow = header(&res, "allow").unwrap().to_owned();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    assert_problem(res, 405, "method-not-allowed").await;

    // The validation failure did not consume key "v": a fixed body succeeds with it.
    let res = post_order(&c, &base, "v", &json!({"customer": "a", "amount": 1})).await;
    assert_eq!(res.status(), 201);
    assert_eq!(srv.stats().orders_created, 2);
    srv.shutdown().await;
}

pub(super) async fn concurrent_same_key(config: ReferenceConfig) -> (Vec<(StatusCode, bool)>, u64) {
    let srv = start(config).await;
    let (c, base) = (client(), srv.base_url());
    let body = json!({"customer": "alice", "amount": 99});
    let futs = (0..20).map(|_| {
        let (c, base, body) = (c.clone(), base.clone(), body.clone());
        async move {
            let res = post_order(&c, &base, "race", &body).await;
            (res.status(), header(&res, "idempotent-replayed").is_some())
        }
    });
    let results = futures::future::join_all(futs).await;
    let created = srv.stats().orders_created;
    srv.shutdown().await;
    (results, created)
}

#[tokio::test]
async fn concurrent_same_key_creates_exactly_one_order() {
    let config = ReferenceConfig {
        create_delay: Duration::from_millis(300),
        ..ReferenceConfig::default()
    };
    let (results, created) = concurrent_same_key(config).await;
    assert_eq!(created, 1);
    let fresh = results
        .iter()
        .filter(|(s, replayed)| *s == StatusCode::CREATED && !replayed)
        .count();
    assert_eq!(fresh, 1, "{results:?}");
    // Everyone else either raced the in-flight window (409) or came after it (replay).
    assert!(
        results
            .iter()
            .all(|(s, _)| *s == StatusCode::CONFLICT || *s == StatusCode::CREATED),
        "{results:?}"
    );
    assert!(results.iter().any(|(s, _)| *s == StatusCode::CONFLICT));
}

#[tokio::test]
async fn pagination_walk_is_complete_ordered_and_terminates() {
    let srv = start(ReferenceConfig::default()).await;
    let (c, base) = (client(), srv.base_url());
    let ids = create_n(&c, &base, 57).await;
    let walked = walk(&c, &base, "/orders?limit=10").await;
    assert_eq!(walked, ids);
    // The default limit is 10; 100 is accepted.
    let res = c.get(format!("{base}/orders")).send().await.unwrap();
    assert_eq!(body_json(res).await["data"].as_array().unwrap().len(), 10);
    let res = c
        .get(format!("{base}/orders?limit=100"))
        .send()
        .await
        .unwrap();
    let page = body_json(res).await;
    assert_eq!(page["data"].as_array().unwrap().len(), 57);
    assert_eq!(page["next"], Value::Null);
    srv.shutdown().await;
}

#[tokio::test]
async fn keyset_walk_is_stable_under_inserts_and_deletes() {
    let srv = start(ReferenceConfig::default()).await;
    let (c, base) = (client(), srv.base_url());
    let ids = create_n(&c, &base, 20).await;
    let res = c
        .get(format!("{base}/orders?limit=10"))
        .send()
        .await
        .unwrap();
    let page = body_json(res).await;
    let mut seen: Vec<String> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect();
    let next = page["next"].as_str().unwrap().to_owned();
    // Concurrent writers: delete five already-seen orders, insert two new ones.
    for id in &ids[..5] {
        c.delete(format!("{base}/orders/{id}"))
            .send()
            .await
            .unwrap();
    }
    for i in 0..2 {
        let res = post_order(
            &c,
            &base,
            &format!("late{i}"),
            &json!({"customer": "c", "amount": 1}),
        )
        .await;
        assert_eq!(res.status(), 201);
    }
    seen.extend(walk(&c, &base, &next).await);
    let unique: BTreeSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no duplicates");
    for id in &ids {
        assert!(seen.contains(id), "survivor {id} skipped");
    }
    assert_eq!(seen.len(), 22);
    srv.shutdown().await;
}

#[tokio::test]
async fn bad_cursors_and_limits_are_400() {
    let srv = start(ReferenceConfig::default()).await;
    let (c, base) = (client(), srv.base_url());
    create_n(&c, &base, 3).await;
    let res = c
        .get(format!("{base}/orders?limit=1"))
        .send()
        .await
        .unwrap();
    let next = body_json(res).await["next"].as_str().unwrap().to_owned();
    let cursor = next.rsplit("cursor=").next().unwrap().to_owned();
    let mut tampered = cursor.clone().into_bytes();
    tampered[4] = if tampered[4] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    for bad in [
        tampered.as_str(),
        &cursor[..cursor.len() - 3],
        "garbage!",
        "AAAA",
        "",
    ] {
        let res = c
            .get(format!("{base}/orders?cursor={bad}"))
            .send()
            .await
            .unwrap();
        assert_problem(res, 400, "invalid-cursor").await;
    }
    // A different limit with the same cursor is fine; a different filter is not.
    let res = c
        .get(format!("{base}/orders?limit=5&cursor={cursor}"))
        .send()
        .await
        .unwrap();
    assert_eq!(body_json(res).await["data"].as_array().unwrap().len(), 2);
    let res = c
        .get(format!("{base}/orders?customer=c&cursor={cursor}"))
        .send()
        .await
        .unwrap();
    assert_problem(res, 400, "invalid-cursor").await;

    for limit in ["0", "-1", "abc", "1.5"] {
        let res = c
            .get(format!("{base}/orders?limit={limit}"))
            .send()
            .await
            .unwrap();
        assert_problem(res, 400, "invalid-parameter").await;
    }
    let res = c
        .get(format!("{base}/orders?limit=101"))
        .send()
        .await
        .unwrap();
    let doc = assert_problem(res, 400, "invalid-parameter").await;
    assert!(doc["detail"].as_str().unwrap().contains("100"));
    srv.shutdown().await;
}

#[tokio::test]
async fn customer_filter_pages_only_that_customer() {
    let srv = start(ReferenceConfig::default()).await;
    let (c, base) = (client(), srv.base_url());
    for i in 0..9 {
        let who = if i % 3 == 0 { "a b" } else { "x" };
        post_order(
            &c,
            &base,
            &format!("f{i}"),
            &json!({"customer": who, "amount": 1}),
        )
        .await;
    }
    let ids = walk(&c, &base, "/orders?limit=2&customer=a%20b").await;
    assert_eq!(ids.len(), 3);
    srv.shutdown().await;
}

pub(super) fn parse_ratelimit(v: &str) -> (u64, u64) {
    // `"default";r=<n>;t=<n>`
    let rest = v.strip_prefix("\"default\";").unwrap();
    let mut r = None;
    let mut t = None;
    for p in rest.split(';') {
        let (k, val) = p.split_once('=').unwrap();
        let n: u64 = val.parse().unwrap();
        match k {
            "r" => r = Some(n),
            "t" => t = Some(n),
            other => panic!("unexpected parameter {other}"),
        }
    }
    (r.unwrap(), t.unwrap())
}

#[tokio::test]
async fn rate_limit_headers_and_429() {
    let config = ReferenceConfig {
        rate_limit: RateLimitConfig {
            quota: 3,
            window: Duration::from_secs(60),
        },
        ..ReferenceConfig::default()
    };
    let srv = start(config).await;
    let (c, base) = (client(), srv.base_url());
    for expected in [2, 1, 0] {
        let res = c.get(format!("{base}/orders")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(
            header(&res, "ratelimit-policy"),
            Some("\"default\";q=3;w=60")
        );
        let (r, t) = parse_ratelimit(header(&res, "ratelimit").unwrap());
        assert_eq!(r, expected);
        assert!((1..=60).contains(&t));
    }
    for _ in 0..2 {
        let res = c.get(format!("{base}/orders")).send().await.unwrap();
        let retry: u64 = header(&res, "retry-after").unwrap().parse().unwrap();
        assert!((1..=60).contains(&retry));
        let (r, t) = parse_ratelimit(header(&res, "ratelimit").unwrap());
        assert_eq!((r, t), (0, retry));
        let doc = assert_problem(res, 429, "quota-exceeded").await;
        assert_eq!(doc["violated-policies"], json!(["default"]));
    }
    // Other routes are not limited; other credentials have their own quota.
    let res = c.get(format!("{base}/health")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(header(&res, "ratelimit").is_none());
    let res = c
        .get(format!("{base}/orders"))
        .header("x-api-key", "k2")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(parse_ratelimit(header(&res, "ratelimit").unwrap()).0, 2);
    assert_eq!(srv.stats().by_status[&429], 2);
    srv.shutdown().await;
}

#[tokio::test]
async fn h2c_prior_knowledge_and_http1_share_the_port() {
    let srv = start(ReferenceConfig::default()).await;
    let base = srv.base_url();
    let h2 = Client::builder()
        .no_proxy()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    let res = h2.get(format!("{base}/health")).send().await.unwrap();
    assert_eq!(res.version(), reqwest::Version::HTTP_2);
    assert_eq!(res.status(), 200);
    let res = post_order(&h2, &base, "h2", &json!({"customer": "a", "amount": 1})).await;
    assert_eq!(res.status(), 201);
    let res = client().get(format!("{base}/health")).send().await.unwrap();
    assert_eq!(res.version(), reqwest::Version::HTTP_11);
    assert_eq!(srv.stats().requests, 3);
    srv.shutdown().await;
}

#[tokio::test]
async fn delay_request_id_and_shutdown() {
    let srv = start(ReferenceConfig {
        max_delay: Duration::from_millis(500),
        ..ReferenceConfig::default()
    })
    .await;
    let (c, base) = (client(), srv.base_url());
    let res = c.get(format!("{base}/delay?ms=30")).send().await.unwrap();
    assert_eq!(body_json(res).await, json!({"delayed_ms": 30}));
    for bad in ["ms=501", "ms=-1", "ms=x", ""] {
        let res = c.get(format!("{base}/delay?{bad}")).send().await.unwrap();
        assert_problem(res, 400, "invalid-parameter").await;
    }
    let res = c
        .get(format!("{base}/health"))
        .header("x-request-id", "trace-123")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&res, "x-request-id"), Some("trace-123"));
    let res = c
        .get(format!("{base}/health"))
        .header("x-request-id", "x".repeat(201))
        .send()
        .await
        .unwrap();
    assert!(header(&res, "x-request-id").unwrap().starts_with("req_"));

    // Shutdown lets an in-flight request finish, then the port stops accepting.
    let inflight = tokio::spawn({
        let (c, base) = (c.clone(), base.clone());
        async move {
            c.get(format!("{base}/delay?ms=200"))
                .send()
                .await
                .unwrap()
                .status()
        }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let addr = srv.addr();
    let started = std::time::Instant::now();
    srv.shutdown().await;
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(inflight.await.unwrap(), 200);
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

/// `response_delay` (`serve-reference --delay`) slows every route, successes and errors alike,
/// and the server still answers them correctly.
#[tokio::test]
async fn a_response_delay_slows_every_route() {
    let srv = start(ReferenceConfig {
        response_delay: Duration::from_millis(60),
        ..ReferenceConfig::default()
    })
    .await;
    let (c, base) = (client(), srv.base_url());
    for (path, status) in [
        ("/health", 200),
        ("/orders?limit=2", 200),
        ("/orders/nope", 404),
    ] {
        let started = std::time::Instant::now();
        let res = c.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(res.status().as_u16(), status, "{path}");
        // A lower bound only: the machine may add any amount on top.
        assert!(
            started.elapsed() >= Duration::from_millis(60),
            "{path} answered in {:?}",
            started.elapsed()
        );
    }
    srv.shutdown().await;
}
