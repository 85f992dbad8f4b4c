//! User flows and data feeders against the reference API: captures chain real resources (the
//! server's own counters agree with the report), a unique feeder hands out each row once and
//! then stops the load (inconclusive, exit 3), a failed capture ends its iteration with the
//! reason, and in open loop an arrival starts a flow.

use std::path::Path;
use std::time::Duration;

use loadproof::reference::ReferenceConfig;

use crate::common::{bin, code, reference, report, run, scratch, text, write};

/// Run `scenario` (written into a scratch folder with `files`) against a fresh reference API;
/// returns the exit code, the report and the server's counters (read before it stops), and the
/// orders still listed by the server.
fn run_flow(
    name: &str,
    scenario: &str,
    files: &[(&str, &str)],
) -> (
    i32,
    serde_json::Value,
    loadproof::reference::StatsSnapshot,
    Vec<serde_json::Value>,
) {
    let dir = scratch(name);
    for (f, content) in files {
        write(&dir, f, content);
    }
    let file = write(&dir, "s.toml", scenario);
    let (rt, server) = reference(ReferenceConfig::default());
    let out = dir.join("out");
    let output = run(
        bin()
            .arg("run")
            .arg(&file)
            .args(["--target", &server.base_url(), "--quiet", "--out"])
            .arg(&out),
        Duration::from_secs(60),
    );
    let stats = server.stats();
    let url = format!("{}/orders?limit=100", server.base_url());
    let listed: serde_json::Value = rt.block_on(async {
        reqwest::get(&url)
            .await
            .expect("list orders")
            .json()
            .await
            .expect("a JSON listing")
    });
    rt.block_on(server.shutdown());
    let (o, e) = text(&output);
    assert!(
        out.join("report.json").exists(),
        "no report\nstdout:\n{o}\nstderr:\n{e}"
    );
    let orders = listed["data"].as_array().cloned().unwrap_or_default();
    if scenario.contains("[[flows]]") {
        // Every output shows the flows, not only report.json.
        let html = std::fs::read_to_string(out.join("report.html")).unwrap();
        assert!(
            html.contains(r#"<table class="flows">"#),
            "report.html has no flows table"
        );
        let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
        assert!(md.contains("\nFlow `"), "summary.md has no flow line");
    }
    (code(&output), report(&out), stats, orders)
}

fn request<'a>(r: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    r["requests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["name"] == name)
        .unwrap_or_else(|| panic!("no request {name} in the report"))
}

const CUSTOMERS: &str = "customer,currency\ncust-a,EUR\ncust-b,USD\ncust-c,GBP\n";

#[test]
fn a_flow_chains_create_read_delete_and_the_server_agrees() {
    let scenario = r#"
target = "reference"
[load]
users = 4
duration = "1500ms"
[[data]]
file = "customers.csv"
[[flows]]
name = "life"
  [[flows.steps]]
  name = "create"
  method = "POST"
  path = "/orders"
  headers = { Idempotency-Key = "${uuid}" }
  json = { customer = "${data.customer}", amount = 100, currency = "${data.currency}" }
  capture.id = { json = "/id" }
  expect.status = [201]
  [[flows.steps]]
  name = "read"
  path = "/orders/${flow.id}"
  expect = { status = [200], json = [{ pointer = "/status", equals = "pending" }] }
  [[flows.steps]]
  name = "delete"
  method = "DELETE"
  path = "/orders/${flow.id}"
  expect.status = [204]
"#;
    let (exit, r, stats, _) = run_flow("flows-life", scenario, &[("customers.csv", CUSTOMERS)]);
    assert_eq!(exit, 0, "{:#}", r["checks"]);
    let f = &r["flows"][0];
    let (started, completed, cut) = (
        f["started"].as_u64().unwrap(),
        f["completed"].as_u64().unwrap(),
        f["cut"].as_u64().unwrap(),
    );
    assert!(started > 20, "only {started} iterations in 1.5 s");
    assert_eq!(f["ended_early"], 0, "{f:#}");
    assert_eq!(started, completed + cut, "{f:#}");
    let created = request(&r, "life.create")["responses"].as_u64().unwrap();
    let read = request(&r, "life.read")["responses"].as_u64().unwrap();
    let deleted = request(&r, "life.delete")["responses"].as_u64().unwrap();
    assert_eq!(created, started);
    assert_eq!(deleted, completed);
    // The server saw exactly the resources the flows chained: every read and delete named an
    // order that one of the creates made (no 404), and what is left is what cut iterations left.
    assert_eq!(stats.orders_created, created);
    assert_eq!(stats.by_route.get("GET /orders/{id}"), Some(&read));
    assert_eq!(stats.by_route.get("DELETE /orders/{id}"), Some(&deleted));
    assert_eq!(stats.by_status.get(&404), None, "{stats:?}");
    assert_eq!(stats.orders_live, created - deleted);
    assert_eq!(
        r["data"][0]["used"].as_u64(),
        Some(started),
        "one row per iteration"
    );
}

#[test]
fn a_unique_feeder_hands_each_row_out_once_then_the_run_is_inconclusive() {
    let scenario = r#"
target = "reference"
[load]
rate = 40
duration = "3s"
connections = 4
[[data]]
file = "customers.csv"
order = "unique"
[[requests]]
name = "create"
method = "POST"
path = "/orders"
headers = { Idempotency-Key = "${uuid}" }
json = { customer = "${data.customer}", amount = 100, currency = "${data.currency}" }
expect.status = [201]
"#;
    let (exit, r, stats, orders) =
        run_flow("flows-unique", scenario, &[("customers.csv", CUSTOMERS)]);
    assert_eq!(exit, 3, "{:#}", r["outcome_reason"]);
    let why = r["outcome_reason"].as_str().unwrap();
    assert!(
        why.contains("data `customers` (customers.csv, order = \"unique\") ran out after 3 rows"),
        "{why}"
    );
    assert_eq!(r["data"][0]["exhausted"], true);
    assert_eq!(r["data"][0]["used"], 3);
    assert_eq!(stats.orders_created, 3);
    let mut customers: Vec<(&str, &str)> = orders
        .iter()
        .map(|o| {
            (
                o["customer"].as_str().unwrap(),
                o["currency"].as_str().unwrap(),
            )
        })
        .collect();
    customers.sort();
    assert_eq!(
        customers,
        [("cust-a", "EUR"), ("cust-b", "USD"), ("cust-c", "GBP")],
        "each row exactly once, its columns together"
    );
    // The load stopped when the rows did: far less than 3 s of 40 req/s was offered.
    assert_eq!(r["totals"]["requests"], 3);
}

#[test]
fn a_failed_capture_ends_the_iteration_and_says_why() {
    let scenario = r#"
target = "reference"
[load]
users = 2
duration = "1s"
[[flows]]
name = "f"
  [[flows.steps]]
  name = "create"
  method = "POST"
  path = "/orders"
  headers = { Idempotency-Key = "${uuid}" }
  json = { customer = "c", amount = 1, currency = "EUR" }
  capture.id = { json = "/order_id" }
  [[flows.steps]]
  name = "read"
  path = "/orders/${flow.id}"
"#;
    let (exit, r, stats, _) = run_flow("flows-capture", scenario, &[]);
    assert_eq!(
        exit, 4,
        "a response without what the flow needs is a finding"
    );
    let f = &r["flows"][0];
    assert_eq!(f["completed"], 0);
    assert_eq!(f["ended_early"], f["started"]);
    let ended = &f["ended"][0];
    assert_eq!(ended["step"], "f.create");
    assert_eq!(ended["reason"], "capture `id` failed");
    assert!(
        ended["sample"]
            .as_str()
            .unwrap()
            .contains("capture `id`: nothing at \"/order_id\" in the body (status 201)"),
        "{ended:#}"
    );
    // The step after a failed capture is never sent.
    assert_eq!(request(&r, "f.read")["requests"], 0);
    assert_eq!(stats.by_route.get("GET /orders/{id}"), None);
    let check = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "EXPECT-f.create")
        .expect("EXPECT-f.create");
    assert_eq!(check["status"], "fail");
}

#[test]
fn in_open_loop_each_arrival_starts_a_flow() {
    let scenario = r#"
target = "reference"
[load]
rate = 40
duration = "1s"
connections = 8
[[flows]]
name = "f"
  [[flows.steps]]
  name = "create"
  method = "POST"
  path = "/orders"
  headers = { Idempotency-Key = "${uuid}" }
  json = { customer = "c", amount = 1, currency = "EUR" }
  capture.id = { json = "/id" }
  [[flows.steps]]
  name = "read"
  path = "/orders/${flow.id}"
"#;
    let (exit, r, _, _) = run_flow("flows-open", scenario, &[]);
    assert_eq!(exit, 0, "{:#}", r["outcome_reason"]);
    let ol = &r["open_loop"];
    let arrivals = ol["sent_on_time"].as_u64().unwrap() + ol["sent_late"].as_u64().unwrap();
    assert_eq!(r["flows"][0]["started"].as_u64(), Some(arrivals));
    assert_eq!(ol["due"], 40);
    assert_eq!(request(&r, "f.create")["requests"].as_u64(), Some(arrivals));
    assert!(Path::new(&r["scenario"]["file"].as_str().unwrap_or("")).ends_with("s.toml"));
}

#[test]
fn a_check_sending_a_request_with_data_reads_the_first_row() {
    // The idempotency checks race `create`, whose body comes from the data file: without a row
    // the customer would be empty and the reference API would answer 422, failing IDEM-01.
    let scenario = r#"
target = "reference"
[load]
users = 1
duration = "300ms"
[[data]]
file = "customers.csv"
[[requests]]
name = "create"
method = "POST"
path = "/orders"
headers = { Idempotency-Key = "${uuid}" }
json = { customer = "${data.customer}", amount = 100, currency = "${data.currency}" }
expect.status = [201]
[checks.idempotency]
request = "create"
concurrency = 4
oracle = { kind = "get", path = "/orders/{id}" }
"#;
    let (exit, r, _, orders) = run_flow(
        "flows-check-data",
        scenario,
        &[("customers.csv", CUSTOMERS)],
    );
    let idem: Vec<_> = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["id"].as_str().unwrap().starts_with("IDEM-"))
        .map(|c| (c["id"].as_str().unwrap(), c["status"].as_str().unwrap()))
        .collect();
    assert_eq!(exit, 0, "{idem:?}");
    assert!(
        idem.iter()
            .any(|(id, st)| *id == "IDEM-01" && *st == "pass"),
        "{idem:?}"
    );
    assert!(
        orders.iter().all(|o| o["customer"] != ""),
        "an order without its customer"
    );
}
