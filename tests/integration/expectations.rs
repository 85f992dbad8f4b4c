//! The rules of `[requests.expect]` against real servers (issue 14): every rule met exits 0;
//! missed ones exit 4, every miss listed, the response (status, headers, body) as evidence;
//! `remove_headers` leaves the named defaults and the URL's `Authorization` unsent, on both send
//! paths.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::*;

const LIMIT: Duration = Duration::from_secs(90);

const ORDER_SCHEMA: &str = r#"{
  "type": "object",
  "required": ["id", "customer", "amount", "currency", "status"],
  "properties": {
    "id": { "type": "string", "pattern": "^ord_" },
    "amount": { "type": "integer", "minimum": 1 },
    "currency": { "enum": ["EUR", "USD"] }
  }
}"#;

/// The reference API's create and list, with a status line, a `Location`, and a body.
fn scenario(create_expect: &str, list_expect: &str) -> String {
    format!(
        r#"target = "reference"

[load]
rate = 40
requests = 20
connections = 2

[[requests]]
name = "create_order"
method = "POST"
path = "/orders"
headers = {{ "Idempotency-Key" = "${{uuid}}" }}
json = {{ customer = "cust-${{rand.int(1, 50)}}", amount = "${{rand.int(100, 5000)}}", currency = "EUR" }}

  [requests.expect]
{create_expect}

[[requests]]
name = "list_orders"
path = "/orders"
query = {{ limit = 5 }}

  [requests.expect]
{list_expect}
"#
    )
}

fn check<'a>(r: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {}", r["checks"]))
}

#[test]
fn every_new_rule_met_exits_0() {
    let (rt, server) = reference(loadproof::reference::ReferenceConfig::default());
    let dir = scratch("expect-rules-pass");
    write(&dir, "order.json", ORDER_SCHEMA);
    let path = write(
        &dir,
        "pass.toml",
        &scenario(
            r#"  status = 201
  schema = "order.json"
  json = [
    { pointer = "/id", type = "string", matches = "^ord_[0-9]{16}$" },
    { pointer = "/amount", type = "integer", ge = 100, le = 5000 },
    { pointer = "/currency", one_of = ["EUR", "USD"], len = 3 },
    { pointer = "/customer", len = { ge = 6, le = 7 } },
  ]"#,
            r#"  status = 200
  json = [{ pointer = "/data", type = "array", len = { le = 5 } }]"#,
        ),
    );
    let o = run(
        bin()
            .arg("run")
            .arg(&path)
            .args(["--target", &server.base_url(), "--quiet", "--out"])
            .arg(dir.join("out")),
        LIMIT,
    );
    rt.block_on(server.shutdown());
    assert_eq!(code(&o), 0, "{:?}", text(&o));
    let r = report(&dir.join("out"));
    for id in ["EXPECT-create_order", "EXPECT-list_orders"] {
        assert_eq!(check(&r, id)["status"], "pass", "{}", check(&r, id));
    }
}

#[test]
fn every_miss_is_listed_with_the_response_as_evidence() {
    let (rt, server) = reference(loadproof::reference::ReferenceConfig::default());
    let dir = scratch("expect-rules-fail");
    write(
        &dir,
        "order.json",
        ORDER_SCHEMA
            .replace("\"USD\"", "\"GBP\"")
            .replace("EUR", "JPY")
            .as_str(),
    );
    let path = write(
        &dir,
        "fail.toml",
        &scenario(
            r#"  status = 200
  headers = { X-Missing = { present = true } }
  schema = "order.json"
  json = [
    { pointer = "/id", type = "integer" },
    { pointer = "/amount", gt = 100000 },
    { pointer = "/status", one_of = ["paid"] },
    { pointer = "/id", matches = "^ord_" },
  ]"#,
            // Only the status misses: the body is still kept as evidence.
            r#"  status = 201"#,
        ),
    );
    let o = run(
        bin()
            .arg("run")
            .arg(&path)
            .args(["--target", &server.base_url(), "--out"])
            .arg(dir.join("out")),
        LIMIT,
    );
    rt.block_on(server.shutdown());
    let (stdout, stderr) = text(&o);
    assert_eq!(code(&o), 4, "{stdout}\n{stderr}");
    let r = report(&dir.join("out"));
    let c = check(&r, "EXPECT-create_order");
    assert_eq!(c["status"], "fail", "{c}");
    assert!(
        c["message"]
            .as_str()
            .unwrap()
            .contains("first: expected status in [200], got 201 (+5 more)"),
        "{c}"
    );
    let e = &c["evidence"][0];
    assert_eq!(e["status"], 201, "{e}");
    assert!(
        e["response_headers"]["content-type"]
            .as_str()
            .is_some_and(|t| t.starts_with("application/json")),
        "{e}"
    );
    assert!(e["response_headers"]["location"].is_string(), "{e}");
    let body: serde_json::Value =
        serde_json::from_str(e["response_body"].as_str().expect("a body")).expect("whole JSON");
    assert!(body["id"].as_str().unwrap().starts_with("ord_"), "{e}");
    let misses: Vec<&str> = e["misses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert_eq!(misses.len(), 6, "{misses:#?}");
    assert_eq!(misses[0], "expected status in [200], got 201");
    assert_eq!(misses[1], "expected header X-Missing, it is absent");
    assert!(
        misses[2].starts_with(r#"expected "/id" of type integer, got string "ord_"#),
        "{misses:#?}"
    );
    assert!(
        misses[3].starts_with(r#"expected "/amount" > 100000, got "#),
        "{misses:#?}"
    );
    assert!(
        misses[4].starts_with(r#"expected "/status" one of ["paid"], got "pending""#),
        "{misses:#?}"
    );
    assert!(
        misses[5]
            .starts_with(r#"expected the body to match the schema order.json: at "/currency""#),
        "{misses:#?}"
    );
    // A status-only expectation: no rule reads the body, the evidence still shows it.
    let list = &check(&r, "EXPECT-list_orders")["evidence"][0];
    assert_eq!(list["status"], 200, "{list}");
    assert!(
        list["response_body"]
            .as_str()
            .unwrap()
            .starts_with(r#"{"data":["#),
        "{list}"
    );
    assert_eq!(list["misses"][0], "expected status in [201], got 200");
    // report.html lists them with the response.
    let html = std::fs::read_to_string(dir.join("out/report.html")).unwrap();
    assert!(
        html.contains(r#"<ul class="misses"><li>expected status in [200], got 201</li>"#),
        "no misses in report.html"
    );
    // The text summary lists the misses.
    assert!(
        stdout.contains(r#"    - expected "/status" one of ["paid"], got "pending""#),
        "{stdout}"
    );
}

type Seen = Arc<Mutex<Vec<(String, Option<String>, Option<String>)>>>;

/// A server that records, per request, its path, `Authorization` and `X-Tenant`.
fn recording_target(rt: &tokio::runtime::Runtime) -> (String, Seen) {
    use axum::http::{HeaderMap, Uri};
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let app = axum::Router::new().fallback(move |uri: Uri, headers: HeaderMap| {
        let log = log.clone();
        async move {
            let get = |n: &str| {
                headers
                    .get(n)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            };
            log.lock().unwrap().push((
                uri.path().to_string(),
                get("authorization"),
                get("x-tenant"),
            ));
            ([("content-type", "application/json")], "{\"ok\":true}")
        }
    });
    (serve_app(rt, app), seen)
}

#[test]
fn remove_headers_is_honoured_on_both_send_paths() {
    let rt = runtime();
    let (base, seen) = recording_target(&rt);
    let with_creds = base.replacen("http://", "http://ann:s3cr3t-pw@", 1);
    let dir = scratch("expect-remove-headers");
    let path = write(
        &dir,
        "remove.toml",
        &format!(
            r#"target = "{with_creds}"

[defaults]
headers = {{ X-Tenant = "t1" }}

[load]
rate = 40
requests = 20
connections = 2

[[requests]]
name = "signed"
path = "/signed"

[[requests]]
name = "anonymous"
path = "/anonymous"
remove_headers = ["authorization", "X-Tenant"]
"#
        ),
    );
    for protocol in ["http1", "h2c"] {
        seen.lock().unwrap().clear();
        let o = run(
            bin()
                .args(["run", "--protocol", protocol, "--quiet", "--out"])
                .arg(dir.join(protocol))
                .arg(&path),
            LIMIT,
        );
        assert_eq!(code(&o), 0, "{protocol}: {:?}", text(&o));
        let seen = seen.lock().unwrap().clone();
        // The load phase's 20 (the checks may add probes of their own: not judged here).
        let load: Vec<_> = seen
            .iter()
            .filter(|(p, _, _)| p == "/signed" || p == "/anonymous")
            .collect();
        assert!(load.len() >= 20, "{protocol}: {seen:?}");
        let anonymous = load.iter().filter(|(p, _, _)| p == "/anonymous").count();
        assert!(
            anonymous > 0 && anonymous < load.len(),
            "{protocol}: {seen:?}"
        );
        for (p, auth, tenant) in load {
            if p == "/anonymous" {
                assert_eq!((auth, tenant), (&None, &None), "{protocol}");
            } else {
                assert!(
                    auth.as_deref().is_some_and(|a| a.starts_with("Basic ")),
                    "{protocol}"
                );
                assert_eq!(tenant.as_deref(), Some("t1"), "{protocol}");
            }
        }
    }
}
