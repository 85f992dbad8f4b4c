//! One test per [`Fault`]: each shows the single broken behaviour against a server started with
//! only that fault (the correct behaviour is covered in `tests.rs`).

use std::time::Duration;

use serde_json::{Value, json};

use super::tests::{
    assert_problem, body_json, client, concurrent_same_key, create_n, header, parse_ratelimit,
    post_failing, post_order, start, walk,
};
use super::{Fault, RateLimitConfig, ReferenceConfig};

fn with(fault: Fault) -> ReferenceConfig {
    ReferenceConfig::with_faults([fault])
}

fn limited(fault: Fault, quota: u64) -> ReferenceConfig {
    ReferenceConfig {
        rate_limit: RateLimitConfig {
            quota,
            window: Duration::from_secs(60),
        },
        ..with(fault)
    }
}

#[tokio::test]
async fn idempotency_race_creates_duplicates() {
    let config = ReferenceConfig {
        create_delay: Duration::from_millis(300),
        ..with(Fault::IdempotencyRace)
    };
    let (_, created) = concurrent_same_key(config).await;
    assert!(created > 1, "created {created}");
}

#[tokio::test]
async fn idempotency_error_not_stored_executes_the_retry() {
    let srv = start(with(Fault::IdempotencyErrorNotStored)).await;
    let (c, base) = (client(), srv.base_url());
    let body = json!({"customer": "a", "amount": 1});
    let first = post_failing(&c, &base, "k", &body).await;
    assert_eq!(first.status(), 500);
    let retry = post_order(&c, &base, "k", &body).await;
    assert_eq!(retry.status(), 201);
    assert!(header(&retry, "idempotent-replayed").is_none());
    assert_eq!(srv.stats().orders_created, 2);
    // Successes are still stored and replayed.
    let replay = post_order(&c, &base, "k", &body).await;
    assert_eq!(header(&replay, "idempotent-replayed"), Some("true"));
    assert_eq!(srv.stats().orders_created, 2);
    srv.shutdown().await;
}

#[tokio::test]
async fn idempotency_global_keys_leak_across_credentials() {
    let srv = start(with(Fault::IdempotencyGlobalKeys)).await;
    let (c, base) = (client(), srv.base_url());
    let body = json!({"customer": "a", "amount": 1});
    let a = body_json(post_order(&c, &base, "k", &body).await).await;
    let res = c
        .post(format!("{base}/orders"))
        .header("idempotency-key", "k")
        .header("x-api-key", "client-b")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(header(&res, "idempotent-replayed"), Some("true"));
    let b = body_json(res).await;
    assert_eq!(a["id"], b["id"], "client B got client A's order");
    assert_eq!(srv.stats().orders_created, 1);
    srv.shutdown().await;
}

#[tokio::test]
async fn idempotency_no_replay_creates_every_time() {
    let srv = start(with(Fault::IdempotencyNoReplay)).await;
    let (c, base) = (client(), srv.base_url());
    let body = json!({"customer": "a", "amount": 1});
    let a = body_json(post_order(&c, &base, "k", &body).await).await;
    let res = post_order(&c, &base, "k", &body).await;
    assert!(header(&res, "idempotent-replayed").is_none());
    let b = body_json(res).await;
    assert_ne!(a["id"], b["id"]);
    // The key is still required.
    let res = c
        .post(format!("{base}/orders"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_problem(res, 400, "idempotency-key-missing").await;
    assert_eq!(srv.stats().orders_created, 2);
    srv.shutdown().await;
}

#[tokio::test]
async fn idempotency_ignore_mismatch_replays_first_response() {
    let srv = start(with(Fault::IdempotencyIgnoreMismatch)).await;
    let (c, base) = (client(), srv.base_url());
    let first = post_order(&c, &base, "k", &json!({"customer": "a", "amount": 1})).await;
    let first = body_json(first).await;
    let res = post_order(&c, &base, "k", &json!({"customer": "b", "amount": 7})).await;
    assert_eq!(res.status(), 201);
    assert_eq!(header(&res, "idempotent-replayed"), Some("true"));
    assert_eq!(body_json(res).await, first);
    srv.shutdown().await;
}

#[tokio::test]
async fn ratelimit_lying_throttles_with_quota_left() {
    let srv = start(limited(Fault::RatelimitLying, 4)).await;
    let (c, base) = (client(), srv.base_url());
    for expected in [3, 2] {
        let res = c.get(format!("{base}/orders")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(
            header(&res, "ratelimit-policy"),
            Some("\"default\";q=4;w=60")
        );
        assert_eq!(
            parse_ratelimit(header(&res, "ratelimit").unwrap()).0,
            expected
        );
    }
    let res = c.get(format!("{base}/orders")).send().await.unwrap();
    assert_eq!(
        res.status(),
        429,
        "throttled although 2 were advertised as remaining"
    );
    assert!(header(&res, "retry-after").is_some());
    srv.shutdown().await;
}

#[tokio::test]
async fn ratelimit_no_retry_after_on_429() {
    let srv = start(limited(Fault::RatelimitNoRetryAfter, 1)).await;
    let (c, base) = (client(), srv.base_url());
    let res = c.get(format!("{base}/orders")).send().await.unwrap();
    assert_eq!(parse_ratelimit(header(&res, "ratelimit").unwrap()).0, 0);
    let res = c.get(format!("{base}/orders")).send().await.unwrap();
    assert!(header(&res, "retry-after").is_none());
    assert!(header(&res, "ratelimit").is_none());
    assert!(header(&res, "ratelimit-policy").is_none());
    assert_problem(res, 429, "quota-exceeded").await;
    srv.shutdown().await;
}

#[tokio::test]
async fn ratelimit_malformed_field() {
    let srv = start(limited(Fault::RatelimitMalformed, 10)).await;
    let (c, base) = (client(), srv.base_url());
    let res = c.get(format!("{base}/orders")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        header(&res, "ratelimit-policy"),
        Some("\"default\";q=10;w=60")
    );
    let v = header(&res, "ratelimit").unwrap();
    // A bare `t=` has no bare-item: invalid RFC 9651.
    assert!(v.ends_with(";t="), "{v}");
    srv.shutdown().await;
}

#[tokio::test]
async fn pagination_offset_skips_survivors_after_deletes() {
    let srv = start(with(Fault::PaginationOffset)).await;
    let (c, base) = (client(), srv.base_url());
    let ids = create_n(&c, &base, 20).await;
    let res = c
        .get(format!("{base}/orders?limit=10"))
        .send()
        .await
        .unwrap();
    let page = body_json(res).await;
    let next = page["next"].as_str().unwrap().to_owned();
    for id in &ids[..5] {
        c.delete(format!("{base}/orders/{id}"))
            .send()
            .await
            .unwrap();
    }
    let rest = walk(&c, &base, &next).await;
    // Keyset would return ids[10..]; the offset cursor skips five survivors.
    assert_eq!(rest, ids[15..].to_vec());
    // Still opaque and tamper-evident.
    let res = c
        .get(format!("{base}/orders?cursor=AAAA"))
        .send()
        .await
        .unwrap();
    assert_problem(res, 400, "invalid-cursor").await;
    srv.shutdown().await;
}

#[tokio::test]
async fn pagination_loop_last_page_points_to_first() {
    let srv = start(with(Fault::PaginationLoop)).await;
    let (c, base) = (client(), srv.base_url());
    let ids = create_n(&c, &base, 5).await;
    let res = c
        .get(format!("{base}/orders?limit=3"))
        .send()
        .await
        .unwrap();
    let first = body_json(res).await;
    let res = c
        .get(format!("{base}{}", first["next"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    let last = body_json(res).await;
    assert_eq!(last["data"].as_array().unwrap().len(), 2);
    let looped = last["next"].as_str().expect("last page has a next link");
    let res = c.get(format!("{base}{looped}")).send().await.unwrap();
    assert!(header(&res, "link").is_some());
    let again = body_json(res).await;
    assert_eq!(again["data"], first["data"]);
    assert_eq!(again["data"][0]["id"], Value::String(ids[0].clone()));
    srv.shutdown().await;
}

#[tokio::test]
async fn pagination_cursor_500_on_tampering() {
    let srv = start(with(Fault::PaginationCursor500)).await;
    let (c, base) = (client(), srv.base_url());
    let res = c
        .get(format!("{base}/orders?cursor=tampered"))
        .send()
        .await
        .unwrap();
    assert_problem(res, 500, "internal-error").await;
    srv.shutdown().await;
}

#[tokio::test]
async fn errors_html_instead_of_problem_json() {
    let srv = start(with(Fault::ErrorsHtml)).await;
    let (c, base) = (client(), srv.base_url());
    let res = c.get(format!("{base}/orders/ord_x")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert!(
        header(&res, "content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(header(&res, "x-request-id").is_some());
    assert!(res.text().await.unwrap().contains("<html>"));
    srv.shutdown().await;
}

#[tokio::test]
async fn errors_stack_trace_in_detail() {
    let srv = start(with(Fault::ErrorsStackTrace)).await;
    let (c, base) = (client(), srv.base_url());
    let res = post_order(&c, &base, "k", &json!({"customer": "a"})).await;
    let doc = assert_problem(res, 400, "validation-failed").await;
    let detail = doc["detail"].as_str().unwrap();
    assert!(
        detail.contains("Traceback (most recent call last):"),
        "{detail}"
    );
    assert!(detail.contains("/srv/app/orders.py"));
    srv.shutdown().await;
}

#[tokio::test]
async fn errors_status_mismatch_in_body() {
    let srv = start(with(Fault::ErrorsStatusMismatch)).await;
    let (c, base) = (client(), srv.base_url());
    let res = c.get(format!("{base}/nope")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(
        header(&res, "content-type"),
        Some("application/problem+json")
    );
    let doc = body_json(res).await;
    assert_eq!(doc["status"], 500);
    srv.shutdown().await;
}

#[tokio::test]
async fn errors_no_request_id_on_errors_only() {
    let srv = start(with(Fault::ErrorsNoRequestId)).await;
    let (c, base) = (client(), srv.base_url());
    let res = c.get(format!("{base}/nope")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert!(header(&res, "x-request-id").is_none());
    let res = c.get(format!("{base}/health")).send().await.unwrap();
    assert!(header(&res, "x-request-id").is_some());
    srv.shutdown().await;
}

#[tokio::test]
async fn success_no_request_id_on_successes_only() {
    let srv = start(with(Fault::SuccessNoRequestId)).await;
    let (c, base) = (client(), srv.base_url());
    let res = c.get(format!("{base}/health")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(header(&res, "x-request-id").is_none());
    let res = c.get(format!("{base}/nope")).send().await.unwrap();
    assert!(header(&res, "x-request-id").is_some());
    srv.shutdown().await;
}

#[tokio::test]
async fn request_id_not_echoed_replaces_the_inbound_id() {
    for (faults, echoed) in [(vec![], true), (vec![Fault::RequestIdNotEchoed], false)] {
        let srv = start(ReferenceConfig::with_faults(faults)).await;
        let res = client()
            .get(format!("{}/health", srv.base_url()))
            .header("x-request-id", "client-chosen-42")
            .send()
            .await
            .unwrap();
        let id = header(&res, "x-request-id").unwrap();
        assert_eq!(id == "client-chosen-42", echoed, "{id}");
        srv.shutdown().await;
    }
}
