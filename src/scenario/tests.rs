//! Unit tests for the scenario loader. No network, no real environment.

use std::time::Duration;

use super::*;

fn no_env(_: &str) -> Option<String> {
    None
}

fn test_env(name: &str) -> Option<String> {
    match name {
        "API_TOKEN" => Some("tok-123".to_string()),
        "SHOP_API_KEY" => Some("shop-key".to_string()),
        "SECOND_KEY" => Some("second-key".to_string()),
        _ => None,
    }
}

fn toml_ok(src: &str) -> Scenario {
    match load_str(src, "test.toml", Format::Toml, &test_env) {
        Ok(s) => s,
        Err(d) => panic!("expected a valid scenario, got:\n{d}"),
    }
}

fn toml_err(src: &str) -> Diagnostics {
    match load_str(src, "test.toml", Format::Toml, &test_env) {
        Ok(s) => panic!("expected errors, got {s:#?}"),
        Err(d) => d,
    }
}

/// `(line, col, message)` of every diagnostic.
fn locs(d: &Diagnostics) -> Vec<(usize, usize, String)> {
    d.items
        .iter()
        .map(|i| (i.line, i.col, i.message.clone()))
        .collect()
}

fn has(d: &Diagnostics, needle: &str) -> bool {
    d.items.iter().any(|i| i.message.contains(needle))
}

const MINIMAL_TAIL: &str = r#"
[[requests]]
name = "health"
path = "/health"

[load]
rate = 10
duration = "10s"
"#;

fn with_target(body: &str) -> String {
    format!("target = \"reference\"\n{body}")
}

const FULL_TOML: &str = r#"
name = "full"
description = "everything at once"
target = "https://api.example.com/v1"

[vars]
tenant = "acme"
token_header = "Bearer ${env.API_TOKEN}"

[secrets]
second = "${env.SECOND_KEY}"

[defaults]
timeout = "3s"
headers = { Accept = "application/json", Authorization = "${vars.token_header}" }

[[requests]]
name = "create_order"
method = "post"
path = "/tenants/${vars.tenant}/orders"
weight = 3
timeout = "750ms"
headers = { Idempotency-Key = "${uuid}" }
json = { customer = "c-${seq}", amount = "${rand.int(1, 500)}", tags = ["a", 1, 2.5, true], nested = { ok = false } }

[requests.expect]
status = [201, 200]
headers = { Location = { present = true }, X-Debug = { absent = true }, Content-Type = { equals = "application/json" }, X-Id = { matches = "^[a-f0-9-]+$" } }
json = [
  { pointer = "/id", exists = true },
  { pointer = "/status", equals = "pending" },
  { pointer = "", equals = { a = [1, 2] } },
]

[[requests]]
name = "list_orders"
path = "/orders"
query = { limit = 10, expand = true, ratio = 0.5, tag = ["x", "y"], cursor = "$${literal}" }

[[requests]]
name = "raw"
method = "PUT"
path = "/raw"
weight = 0
body = "hello ${secrets.second}"
expect = { status = 204 }

[load]
users = 5
think_time = "100ms"
duration = "1m30s"
requests = 1000
connections = 8
protocol = "h2c"
timeout = "2s"
warmup = "3s"

[[thresholds]]
metric = "p99.9"
max = "250ms"

[[thresholds]]
metric = "error_rate"
request = "list_orders"
max = 0.01

[[thresholds]]
metric = "rps"
min = 100

[checks]
fail_on = "warn"
passive = false

[checks.idempotency]
request = "create_order"
profile = "stripe"
concurrency = 5
required = false
id_pointer = "/data/id"
mismatch_request = "raw"
error_request = "raw"
second_credential = { header = "Authorization", value = "Bearer ${secrets.second}" }

[checks.rate_limit]
request = "list_orders"
tolerance = 0.2
honesty = false
partition = { header = "X-Api-Key", value = "${secrets.second}" }

[checks.pagination]
request = "list_orders"
style = "body_next"
items = "/items"
id = "/key"
sort_key = "/created_at"
limit_param = "per_page"
page_size = 25
max_pages = 50
walkers = 3
writers = 1
insert_request = "create_order"
delete_request = "raw"

[checks.error_format]
profile = "schema"
schema = "errors.schema.json"
request_id_headers = ["X-Trace"]
probes = [{ request = "raw", status = [400, 422] }, { request = "list_orders", status = 404 }]
"#;

const FULL_JSON: &str = r#"{
  "name": "full",
  "description": "everything at once",
  "target": "https://api.example.com/v1",
  "vars": { "tenant": "acme", "token_header": "Bearer ${env.API_TOKEN}" },
  "secrets": { "second": "${env.SECOND_KEY}" },
  "defaults": {
    "timeout": "3s",
    "headers": { "Accept": "application/json", "Authorization": "${vars.token_header}" }
  },
  "requests": [
    {
      "name": "create_order",
      "method": "post",
      "path": "/tenants/${vars.tenant}/orders",
      "weight": 3,
      "timeout": "750ms",
      "headers": { "Idempotency-Key": "${uuid}" },
      "json": { "customer": "c-${seq}", "amount": "${rand.int(1, 500)}", "tags": ["a", 1, 2.5, true], "nested": { "ok": false } },
      "expect": {
        "status": [201, 200],
        "headers": {
          "Location": { "present": true },
          "X-Debug": { "absent": true },
          "Content-Type": { "equals": "application/json" },
          "X-Id": { "matches": "^[a-f0-9-]+$" }
        },
        "json": [
          { "pointer": "/id", "exists": true },
          { "pointer": "/status", "equals": "pending" },
          { "pointer": "", "equals": { "a": [1, 2] } }
        ]
      }
    },
    {
      "name": "list_orders",
      "path": "/orders",
      "query": { "limit": 10, "expand": true, "ratio": 0.5, "tag": ["x", "y"], "cursor": "$${literal}" }
    },
    {
      "name": "raw", "method": "PUT", "path": "/raw", "weight": 0,
      "body": "hello ${secrets.second}",
      "expect": { "status": 204 }
    }
  ],
  "load": {
    "users": 5, "think_time": "100ms", "duration": "1m30s", "requests": 1000,
    "connections": 8, "protocol": "h2c", "timeout": "2s", "warmup": "3s"
  },
  "thresholds": [
    { "metric": "p99.9", "max": "250ms" },
    { "metric": "error_rate", "request": "list_orders", "max": 0.01 },
    { "metric": "rps", "min": 100 }
  ],
  "checks": {
    "fail_on": "warn",
    "passive": false,
    "idempotency": {
      "request": "create_order", "profile": "stripe", "concurrency": 5, "required": false,
      "id_pointer": "/data/id", "mismatch_request": "raw", "error_request": "raw",
      "second_credential": { "header": "Authorization", "value": "Bearer ${secrets.second}" }
    },
    "rate_limit": {
      "request": "list_orders", "tolerance": 0.2, "honesty": false,
      "partition": { "header": "X-Api-Key", "value": "${secrets.second}" }
    },
    "pagination": {
      "request": "list_orders", "style": "body_next", "items": "/items", "id": "/key",
      "sort_key": "/created_at", "limit_param": "per_page", "page_size": 25, "max_pages": 50,
      "walkers": 3, "writers": 1, "insert_request": "create_order", "delete_request": "raw"
    },
    "error_format": {
      "profile": "schema",
      "schema": "errors.schema.json",
      "request_id_headers": ["X-Trace"],
      "probes": [{ "request": "raw", "status": [400, 422] }, { "request": "list_orders", "status": 404 }]
    }
  }
}"#;

fn lit(s: &str) -> Part {
    Part::Lit(s.to_string())
}

fn tpl(parts: Vec<Part>) -> Template {
    Template { parts }
}

#[test]
fn full_scenario_toml_and_json_are_equal() {
    let a = toml_ok(FULL_TOML);
    let b = match load_str(FULL_JSON, "full.json", Format::Json, &test_env) {
        Ok(s) => s,
        Err(d) => panic!("{d}"),
    };
    assert_eq!(a, b);

    assert_eq!(a.name, "full");
    assert_eq!(a.target, Target::Url("https://api.example.com/v1".into()));
    assert_eq!(
        a.secrets,
        vec!["tok-123".to_string(), "second-key".to_string()]
    );
    assert_eq!(a.defaults.timeout, Some(Duration::from_secs(3)));
    assert_eq!(
        a.defaults.headers[1],
        (
            "Authorization".to_string(),
            tpl(vec![lit("Bearer "), Part::Secret("tok-123".into())])
        )
    );

    let create = &a.requests[0];
    assert_eq!(create.method, "POST");
    assert_eq!(create.path, tpl(vec![lit("/tenants/acme/orders")]));
    assert_eq!(create.weight, 3);
    assert_eq!(create.timeout, Some(Duration::from_millis(750)));
    assert_eq!(create.expect.status, vec![201, 200]);
    let names: Vec<&str> = create
        .expect
        .headers
        .iter()
        .map(|h| h.name.as_str())
        .collect();
    assert_eq!(names, ["Location", "X-Debug", "Content-Type", "X-Id"]);
    assert_eq!(create.expect.headers[1].rule, HeaderRule::Absent);
    assert_eq!(
        create.expect.json[2].rule,
        JsonRule::Equals(serde_json::json!({ "a": [1, 2] }))
    );
    let Body::Json(JsonTemplate::Object(fields)) = &create.body else {
        panic!("expected a JSON object body");
    };
    let keys: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        ["customer", "amount", "tags", "nested"],
        "file order is kept"
    );
    assert_eq!(
        fields[1].1,
        JsonTemplate::String(tpl(vec![Part::RandInt { lo: 1, hi: 500 }]))
    );

    let list = &a.requests[1];
    assert_eq!(list.method, "GET");
    assert_eq!(list.weight, 1);
    let query: Vec<(&str, &Template)> = list.query.iter().map(|(k, v)| (k.as_str(), v)).collect();
    assert_eq!(
        query,
        [
            ("limit", &tpl(vec![lit("10")])),
            ("expand", &tpl(vec![lit("true")])),
            ("ratio", &tpl(vec![lit("0.5")])),
            ("tag", &tpl(vec![lit("x")])),
            ("tag", &tpl(vec![lit("y")])),
            ("cursor", &tpl(vec![lit("${literal}")])),
        ]
    );
    assert_eq!(
        a.requests[2].body,
        Body::Raw(tpl(vec![lit("hello "), Part::Secret("second-key".into())]))
    );

    assert_eq!(
        a.load,
        LoadSpec {
            model: LoadModel::Closed {
                users: 5,
                stages: vec![],
                think_time: Some(Duration::from_millis(100)),
            },
            duration: Some(Duration::from_secs(90)),
            requests: Some(1000),
            connections: Some(8),
            protocol: Protocol::H2c,
            timeout: Some(Duration::from_secs(2)),
            warmup: Some(Duration::from_secs(3)),
            drain: None,
        }
    );
    assert_eq!(a.thresholds[0].metric, Metric::Percentile(99.9));
    assert_eq!(
        a.thresholds[0].bound,
        Bound::MaxLatency(Duration::from_millis(250))
    );
    assert_eq!(a.thresholds[1].bound, Bound::MaxValue(0.01));
    assert_eq!(a.thresholds[1].request.as_deref(), Some("list_orders"));
    assert_eq!(a.thresholds[2].bound, Bound::MinValue(100.0));

    let c = &a.checks;
    assert!(c.fail_on_warn);
    assert!(!c.passive);
    let idem = c.idempotency.as_ref().unwrap();
    assert_eq!(idem.header, "Idempotency-Key");
    assert_eq!(idem.profile, IdemProfile::Stripe);
    assert_eq!(
        idem.oracle,
        Oracle::Get {
            path: "/tenants/acme/orders/{id}".into()
        }
    );
    assert_eq!(idem.error_request.as_deref(), Some("raw"));
    assert_eq!(
        idem.second_credential,
        Some((
            "Authorization".to_string(),
            tpl(vec![lit("Bearer "), Part::Secret("second-key".into())])
        ))
    );
    let rl = c.rate_limit.as_ref().unwrap();
    assert_eq!(
        rl.partition,
        Some((
            "X-Api-Key".to_string(),
            tpl(vec![Part::Secret("second-key".into())])
        ))
    );
    let page = c.pagination.as_ref().unwrap();
    assert_eq!(page.style, PageStyle::BodyNext);
    assert_eq!(page.delete_request.as_deref(), Some("raw"));
    let ef = c.error_format.as_ref().unwrap();
    assert_eq!(ef.profile, ErrorProfile::Schema);
    assert_eq!(ef.probes[0].status, vec![400, 422]);
    assert_eq!(ef.probes[1].status, vec![404]);
}

#[test]
fn minimal_scenario_gets_defaults() {
    let s = load_str(
        &with_target(MINIMAL_TAIL),
        "scenarios/smoke.toml",
        Format::Toml,
        &no_env,
    )
    .unwrap();
    assert_eq!(s.name, "smoke", "name defaults to the file stem");
    assert_eq!(s.target, Target::Reference);
    assert_eq!(s.requests[0].method, "GET");
    assert_eq!(s.requests[0].weight, 1);
    assert_eq!(s.requests[0].body, Body::None);
    assert_eq!(
        s.load.model,
        LoadModel::Open {
            start_rate: 10.0,
            stages: vec![]
        }
    );
    assert_eq!(s.load.protocol, Protocol::Http1);
    assert!(s.checks.passive);
    assert!(!s.checks.fail_on_warn);
    assert!(s.checks.idempotency.is_none());
    assert!(s.thresholds.is_empty());
    assert!(s.secrets.is_empty());
}

#[test]
fn three_mistakes_are_all_reported_with_locations() {
    let src = r#"target = "reference"

[[requests]]
name = "a"
path = "/a"
weight = -1

[load]
rate = 10
durration = "30s"
duration = 30
"#;
    let d = toml_err(src);
    assert_eq!(
        locs(&d),
        vec![
            (6, 10, "`weight` must be at least 0, found -1".to_string()),
            (10, 1, "unknown key `durration` in [load]".to_string()),
            (
                11,
                12,
                "wrong type for `duration`: expected a duration string like \"30s\", found integer 30"
                    .to_string()
            ),
        ]
    );
    assert_eq!(d.items[1].hint.as_deref(), Some("did you mean `duration`?"));
    assert!(d.items[2].hint.as_deref().unwrap().contains("\"30s\""));
    assert!(d.to_string().ends_with("error: 3 problems in test.toml"));
}

const IDEM_REQUESTS: &str = r#"
[[requests]]
name = "create_order"
method = "POST"
path = "/orders"
json = { amount = 1 }

[[requests]]
name = "create_order_failing"
method = "POST"
path = "/orders"
headers = { X-Fail-After-Execution = "1" }
json = { amount = 1 }
weight = 0

[load]
rate = 5
duration = "1s"
"#;

fn idem_scenario(settings: &str) -> String {
    with_target(&format!(
        "{IDEM_REQUESTS}\n[checks.idempotency]\nrequest = \"create_order\"\n{settings}"
    ))
}

#[test]
fn idempotency_error_request_and_second_credential() {
    // Both optional: absent means IDEM-02/07 skip.
    let s = toml_ok(&idem_scenario(""));
    let idem = s.checks.idempotency.unwrap();
    assert_eq!(idem.error_request, None);
    assert_eq!(idem.second_credential, None);

    let s = toml_ok(&idem_scenario(
        "error_request = \"create_order_failing\"\n\
         second_credential = { header = \"X-Api-Key\", value = \"other-${env.SECOND_KEY}\" }",
    ));
    let idem = s.checks.idempotency.unwrap();
    assert_eq!(idem.error_request.as_deref(), Some("create_order_failing"));
    assert_eq!(
        idem.second_credential,
        Some((
            "X-Api-Key".to_string(),
            // `${env.…}` is a secret: kept out of reports, rendered at send time.
            tpl(vec![lit("other-"), Part::Secret("second-key".into())])
        ))
    );
}

#[test]
fn idempotency_error_request_must_name_a_request() {
    let d = toml_err(&idem_scenario("error_request = \"create_order_failin\""));
    let item = d
        .items
        .iter()
        .find(|i| i.message == "unknown request `create_order_failin` in `error_request`")
        .unwrap_or_else(|| panic!("{d}"));
    assert_eq!(
        item.hint.as_deref(),
        Some("did you mean `create_order_failing`?")
    );
    let d = toml_err(&idem_scenario("error_request = 3"));
    assert_eq!(d.items.len(), 1, "{d}");
}

#[test]
fn idempotency_second_credential_shape() {
    // Not a table.
    let d = toml_err(&idem_scenario("second_credential = \"X-Api-Key: other\""));
    assert_eq!(d.items.len(), 1, "{d}");
    // Missing value, unknown key, invalid header name: each reported, with the place.
    let d = toml_err(&idem_scenario(
        "second_credential = { header = \"X-Api-Key\", vaule = \"x\" }",
    ));
    assert!(has(&d, "unknown key `vaule`"), "{d}");
    assert!(
        d.items
            .iter()
            .any(|i| i.message.contains("value") && i.message.contains("second_credential")),
        "{d}"
    );
    let d = toml_err(&idem_scenario(
        "second_credential = { header = \"X Api Key\", value = \"x\" }",
    ));
    assert!(has(&d, "invalid header name \"X Api Key\""), "{d}");
    // Templates are checked like a request header's.
    let d = toml_err(&idem_scenario(
        "second_credential = { header = \"X-Api-Key\", value = \"${secrets.nope}\" }",
    ));
    assert!(has(&d, "secrets.nope"), "{d}");
}

#[test]
fn did_you_mean_on_keys_and_request_names() {
    let src = with_target(
        r#"
[[requests]]
name = "list_orders"
pth = "/orders"
path = "/orders"

[load]
rate = 5
requests = 100

[[tresholds]]
metric = "p99"

[[thresholds]]
metric = "p99"
request = "list_order"
max = "1s"

[checks.pagination]
request = "lst_orders"
"#,
    );
    let d = toml_err(&src);
    let hints: Vec<(String, Option<String>)> = d
        .items
        .iter()
        .map(|i| (i.message.clone(), i.hint.clone()))
        .collect();
    assert!(hints.contains(&(
        "unknown key `pth` in request `list_orders`".into(),
        Some("did you mean `path`?".into())
    )));
    assert!(hints.contains(&(
        "unknown key `tresholds` in the top level".into(),
        Some("did you mean `thresholds`?".into())
    )));
    assert!(hints.contains(&(
        "unknown request `list_order` in `request`".into(),
        Some("did you mean `list_orders`?".into())
    )));
    assert!(hints.contains(&(
        "unknown request `lst_orders` in `request`".into(),
        Some("did you mean `list_orders`?".into())
    )));
    // The typo'd request name is pointed at exactly.
    let item = d
        .items
        .iter()
        .find(|i| i.message.contains("`list_order`"))
        .unwrap();
    assert_eq!((item.line, item.col), (17, 11));
}

#[test]
fn env_placeholders_missing_and_present() {
    let src = with_target(&format!(
        "[defaults]\nheaders = {{ Authorization = \"Bearer ${{env.TOKEN}}\" }}\n{MINIMAL_TAIL}"
    ));
    let d = load_str(&src, "t.toml", Format::Toml, &no_env).unwrap_err();
    assert_eq!(d.items.len(), 1);
    let item = &d.items[0];
    assert_eq!(
        item.message,
        "environment variable `TOKEN` is not set (used by `${env.TOKEN}`)"
    );
    assert_eq!(item.hint.as_deref(), Some("set TOKEN in the environment"));
    // Located at the placeholder inside the string, not at the string.
    assert_eq!((item.line, item.col), (3, 37));
    assert_eq!(&src[item.span.clone()], "${env.TOKEN}");

    let env = |n: &str| (n == "TOKEN").then(|| "s3cr3t".to_string());
    let s = load_str(&src, "t.toml", Format::Toml, &env).unwrap();
    assert_eq!(s.secrets, vec!["s3cr3t".to_string()]);
    assert_eq!(
        s.defaults.headers[0].1,
        tpl(vec![lit("Bearer "), Part::Secret("s3cr3t".into())])
    );
}

#[test]
fn templates_compile_with_escapes_and_merging() {
    let src = with_target(
        r#"
[vars]
base = "v1"
[[requests]]
name = "t"
path = "/${vars.base}/items/$${not_a_placeholder}/x$y/${seq}"
body = "${uuid}${rand.int(-5, 5)}${ rand.int( 3 , 3 ) }$$${seq}"
[load]
rate = 1
requests = 1
"#,
    );
    let s = toml_ok(&src);
    let r = &s.requests[0];
    assert_eq!(
        r.path,
        tpl(vec![lit("/v1/items/${not_a_placeholder}/x$y/"), Part::Seq])
    );
    assert_eq!(
        r.body,
        Body::Raw(tpl(vec![
            Part::Uuid,
            Part::RandInt { lo: -5, hi: 5 },
            Part::RandInt { lo: 3, hi: 3 },
            lit("$${seq}"),
        ]))
    );
}

#[test]
fn template_errors_are_located_inside_the_string() {
    let src = with_target(
        r#"
[vars]
host = "x"
[[requests]]
name = "t"
path = "/a/${uid}/${rand.int(9, 1)}/${vars.hots}/${evn.HOME}"
body = "tail ${unclosed"
[load]
rate = 1
requests = 1
"#,
    );
    let d = toml_err(&src);
    let got: Vec<(usize, usize, &str, Option<&str>)> = d
        .items
        .iter()
        .map(|i| (i.line, i.col, &src[i.span.clone()], i.hint.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            (7, 12, "${uid}", Some("did you mean `${uuid}`?")),
            (7, 19, "${rand.int(9, 1)}", None),
            (7, 37, "${vars.hots}", Some("did you mean `${vars.host}`?")),
            (7, 50, "${evn.HOME}", Some("did you mean `${env.HOME}`?")),
            (
                8,
                14,
                "${",
                Some("close it with `}`, or write `$${` for a literal `${`")
            ),
        ]
    );
    assert!(has(&d, "LO must not exceed HI"));
    assert!(has(&d, "unknown placeholder `${uid}`"));
}

#[test]
fn vars_are_constants_and_secrets_are_secret() {
    let src = with_target(&format!(
        r#"
[vars]
id = "${{uuid}}"
[secrets]
key = "k-${{env.API_TOKEN}}"
[defaults]
headers = {{ X-Key = "${{secrets.key}}", X-Other = "${{vars.key}}" }}
{MINIMAL_TAIL}"#
    ));
    let d = toml_err(&src);
    assert!(has(&d, "`${uuid}` is not allowed in [vars]"));
    let other = d
        .items
        .iter()
        .find(|i| i.message.contains("`${vars.key}`"))
        .unwrap();
    assert_eq!(
        other.hint.as_deref(),
        Some("`key` is declared in [secrets]; write `${secrets.key}`")
    );

    let src = with_target(&format!(
        "[secrets]\nkey = \"k-${{env.API_TOKEN}}\"\n[defaults]\nheaders = {{ X-Key = \"${{secrets.key}}\" }}\n{MINIMAL_TAIL}"
    ));
    let s = toml_ok(&src);
    assert_eq!(
        s.secrets,
        vec!["tok-123".to_string(), "k-tok-123".to_string()]
    );
    assert_eq!(
        s.defaults.headers[0].1,
        tpl(vec![Part::Secret("k-tok-123".into())])
    );
}

fn load_errors(load: &str) -> Vec<String> {
    let src = with_target(&format!(
        "[[requests]]\nname = \"a\"\npath = \"/a\"\n[load]\n{load}"
    ));
    match load_str(&src, "t.toml", Format::Toml, &no_env) {
        Ok(s) => panic!("expected errors for {load:?}, got {:?}", s.load),
        Err(d) => d.items.iter().map(|i| i.message.clone()).collect(),
    }
}

fn load_ok(load: &str) -> LoadSpec {
    let src = with_target(&format!(
        "[[requests]]\nname = \"a\"\npath = \"/a\"\n[load]\n{load}"
    ));
    match load_str(&src, "t.toml", Format::Toml, &no_env) {
        Ok(s) => s.load,
        Err(d) => panic!("{d}"),
    }
}

#[test]
fn contradictory_load_settings() {
    let e = load_errors("rate = 10\nusers = 5\nduration = \"10s\"");
    assert_eq!(
        e,
        [
            "contradictory load settings: `rate` (open loop) and `users` (closed loop) cannot be combined"
        ]
    );
    let e = load_errors(
        "mode = \"open\"\nrate = 10\nusers = 5\nthink_time = \"1s\"\nduration = \"10s\"",
    );
    assert_eq!(e.len(), 2);
    assert!(e[0].starts_with("`users` is only for closed-loop load"));
    assert!(e[1].starts_with("`think_time` is only for closed-loop load"));
    let e = load_errors("mode = \"closed\"\nrate = 10\nduration = \"10s\"");
    assert!(
        e.iter()
            .any(|m| m.starts_with("`rate` is only for open-loop load"))
    );
    let e = load_errors("rate = 10");
    assert_eq!(
        e,
        ["the run is unbounded: [load] needs `duration`, `requests` or [[load.stages]]"]
    );
    let e = load_errors("duration = \"10s\"");
    assert_eq!(
        e,
        ["cannot tell the load model: [load] has neither `rate` nor `users`"]
    );
    let e = load_errors("duration = \"10s\"\n[[load.stages]]\nduration = \"5s\"\nrate = 5");
    assert_eq!(e, ["`duration` cannot be combined with [[load.stages]]"]);
    let e = load_errors("[[load.stages]]\nduration = \"5s\"\nrate = 5\nusers = 3");
    assert!(e.contains(&"a stage cannot set both `rate` and `users`".to_string()));
    let e = load_errors("rate = 0\nrequests = 5");
    assert!(e[0].starts_with("`rate` must be greater than zero"));
    let e = load_errors("rate = 10\nduration = \"0s\"");
    assert_eq!(e, ["`duration` must be greater than zero"]);
    let e = load_errors("rate = 10\nduration = \"10s\"\nconnections = 0\nprotocol = \"http3\"");
    assert_eq!(e.len(), 2);

    // Valid shapes.
    assert_eq!(
        load_ok("rate = 10\nrequests = 500").model,
        LoadModel::Open {
            start_rate: 10.0,
            stages: vec![]
        }
    );
    let l = load_ok(
        "start_rate = 2\n[[load.stages]]\nduration = \"10s\"\nrate = 20\n[[load.stages]]\nduration = \"5s\"\nrate = 0",
    );
    assert_eq!(l.duration, Some(Duration::from_secs(15)));
    assert_eq!(
        l.model,
        LoadModel::Open {
            start_rate: 2.0,
            stages: vec![
                Stage {
                    duration: Duration::from_secs(10),
                    target: 20.0
                },
                Stage {
                    duration: Duration::from_secs(5),
                    target: 0.0
                },
            ]
        }
    );
    let l = load_ok(
        "think_time = \"1s\"\n[[load.stages]]\nduration = \"10s\"\nusers = 4\n[[load.stages]]\nduration = \"10s\"\nusers = 8",
    );
    assert_eq!(
        l.model,
        LoadModel::Closed {
            users: 4,
            stages: vec![
                Stage {
                    duration: Duration::from_secs(10),
                    target: 4.0
                },
                Stage {
                    duration: Duration::from_secs(10),
                    target: 8.0
                },
            ],
            think_time: Some(Duration::from_secs(1)),
        }
    );
}

#[test]
fn request_level_errors() {
    let src = with_target(
        r#"
[[requests]]
name = "a"
path = "a"
json = { x = 1 }
body = "raw"
[requests.expect]
status = [200, 700]
headers = { Location = { present = true, absent = true }, X-Re = { matches = "([" } }
json = [{ pointer = "id", exists = true }]

[[requests]]
name = "a"
method = "GE T"
path = "/b"
weight = 0

[[requests]]
path = "/c"
weight = 0

[load]
rate = 1
requests = 1
"#,
    );
    let d = toml_err(&src);
    for needle in [
        "`path` must start with `/`",
        "`json` and `body` cannot both be set",
        "invalid HTTP status 700",
        "has more than one rule",
        "invalid regular expression for header `X-Re`",
        "invalid JSON pointer \"id\"",
        "duplicate request name `a` (first defined on line 4)",
        "invalid HTTP method \"GE T\"",
        "missing required key `name` in [[requests]]",
    ] {
        assert!(has(&d, needle), "missing {needle:?} in\n{d}");
    }
    // Missing `name` is located at the [[requests]] header.
    let missing = d
        .items
        .iter()
        .find(|i| i.message.contains("`name`"))
        .unwrap();
    assert_eq!(&src[missing.span.clone()], "[[requests]]");
    assert_eq!(missing.line, 19);
}

#[test]
fn weights_all_zero_and_missing_sections() {
    let src = "target = \"reference\"\n[[requests]]\nname = \"a\"\npath = \"/a\"\nweight = 0\n[load]\nrate = 1\nrequests = 1\n";
    let d = toml_err(src);
    assert_eq!(
        locs(&d),
        [(
            5,
            1,
            "all requests have weight 0: nothing to send".to_string()
        )]
    );

    let d = toml_err("name = \"x\"\n");
    let msgs: Vec<&str> = d.items.iter().map(|i| i.message.as_str()).collect();
    assert_eq!(
        msgs,
        [
            "missing required key `target` in the top level",
            "missing required key `requests` in the top level",
            "missing required key `load` in the top level",
        ]
    );
    assert!(d.items.iter().all(|i| (i.line, i.col) == (1, 1)));
}

#[test]
fn target_validation() {
    for (target, ok) in [
        ("reference", true),
        ("http://127.0.0.1:8080", true),
        ("https://api.example.com/v1/", true),
        ("ftp://x", false),
        ("api.example.com", false),
        ("http://", false),
        ("https://x.com/?a=1", false),
        ("Reference", false),
    ] {
        let src = format!("target = \"{target}\"\n{MINIMAL_TAIL}");
        let r = load_str(&src, "t.toml", Format::Toml, &no_env);
        assert_eq!(r.is_ok(), ok, "{target}: {r:?}");
        if !ok {
            let d = r.unwrap_err();
            assert!(d.items[0].message.starts_with("invalid target"));
            assert_eq!((d.items[0].line, d.items[0].col), (1, 10));
        }
    }
}

#[test]
fn thresholds_and_checks_errors() {
    let src = with_target(&format!(
        r#"{MINIMAL_TAIL}
[[thresholds]]
metric = "p100"
max = "1s"
[[thresholds]]
metric = "rps"
max = 10
[[thresholds]]
metric = "error_rate"
max = 1.5
[[thresholds]]
metric = "p99"
max = 250
[[thresholds]]
metric = "mean"
max = "1s"
min = "1ms"
[checks]
fail_on = "warning"
[checks.idempotency]
concurrency = 1
[checks.error_format]
profile = "schema"
[checks.rate_limt]
"#
    ));
    let d = toml_err(&src);
    for needle in [
        "invalid metric \"p100\"",
        "an `rps` threshold takes `min`, not `max`",
        "`max` for error_rate must be between 0 and 1, found 1.5",
        "wrong type for `max`: expected a duration string like \"30s\", found integer 250",
        "a threshold takes exactly one of `max` or `min`, not both",
        "invalid value \"warning\" for `fail_on`",
        "missing required key `request` in [checks.idempotency]",
        "`concurrency` must be between 2 and 1000, found 1",
        "missing required key `schema` in [checks.error_format]",
        "unknown key `rate_limt` in [checks]",
    ] {
        assert!(has(&d, needle), "missing {needle:?} in\n{d}");
    }
}

#[test]
fn toml_syntax_errors_are_located() {
    let src = "target = \"reference\"\nname = \"unterminated\n[load]\nrate = = 3\n";
    let d = toml_err(src);
    assert!(d.items.len() >= 2, "{d}");
    assert_eq!(d.items[0].line, 2);
    assert!(d.items.iter().any(|i| i.line == 4), "{d}");
    let rendered = d.to_string();
    assert!(rendered.contains("--> test.toml:2:"), "{rendered}");
}

#[test]
fn json_syntax_errors_are_located() {
    let src = "{\n  \"target\": \"reference\",\n  \"requests\": [\n    { \"name\": \"a\" \"path\": \"/a\" }\n  ]\n}";
    let d = load_str(src, "gen.json", Format::Json, &no_env).unwrap_err();
    assert_eq!(
        locs(&d),
        [(4, 19, "unexpected '\"', expected `,` or `}`".to_string())]
    );
    let d = load_str("{\"a\": [1, 2", "gen.json", Format::Json, &no_env).unwrap_err();
    assert_eq!(
        d.items[0].message,
        "unexpected end of file, expected `,` or `]`"
    );
    assert_eq!((d.items[0].line, d.items[0].col), (1, 12));
    let d = load_str("{\"a\": \"\\q\"}", "gen.json", Format::Json, &no_env).unwrap_err();
    assert_eq!(d.items[0].message, "invalid escape in string");
    let d = load_str("{\"a\": 1, \"a\": 2}", "gen.json", Format::Json, &no_env).unwrap_err();
    assert_eq!(
        d.items[0].message,
        "duplicate key `a` (first defined on line 1)"
    );
    let d = load_str("[]", "gen.json", Format::Json, &no_env).unwrap_err();
    assert!(
        d.items[0]
            .message
            .starts_with("a scenario must be a table/object")
    );
}

#[test]
fn json_values_and_schema_errors() {
    let src = r#"{
  "target": "reference",
  "requests": [{ "name": "a", "path": "/a", "json": { "n": null, "u": "\u00e9\ud83d\ude00" } }],
  "load": { "rate": 1, "duration": 30 }
}"#;
    let d = load_str(src, "g.json", Format::Json, &no_env).unwrap_err();
    assert_eq!(
        locs(&d),
        [(
            4,
            36,
            "wrong type for `duration`: expected a duration string like \"30s\", found integer 30"
                .to_string()
        )]
    );
    let fixed = src.replace("\"duration\": 30", "\"duration\": \"30s\"");
    let s = load_str(&fixed, "g.json", Format::Json, &no_env).unwrap();
    assert_eq!(
        s.requests[0].body,
        Body::Json(JsonTemplate::Object(vec![
            ("n".into(), JsonTemplate::Null),
            ("u".into(), JsonTemplate::String(tpl(vec![lit("é😀")]))),
        ]))
    );
}

#[test]
fn rendering_snapshot() {
    let src = "target = \"reference\"\n[[requests]]\nname = \"a\"\npath = \"/a\"\n\n[load]\nrate = 5\n\n\n\n\ndurration = \"30s\"\n";
    let d = load_str(src, "scenarios/bad.toml", Format::Toml, &no_env).unwrap_err();
    let expected = "\
error: unknown key `durration` in [load]
  --> scenarios/bad.toml:12:1
   |
12 | durration = \"30s\"
   | ^^^^^^^^^
   = help: did you mean `duration`?

error: the run is unbounded: [load] needs `duration`, `requests` or [[load.stages]]
 --> scenarios/bad.toml:6:1
  |
6 | [load]
  | ^^^^^^
  = help: add e.g. `duration = \"30s\"` or `requests = 10000`

error: 2 problems in scenarios/bad.toml";
    // Diagnostics are sorted by position.
    let rendered = d.to_string();
    let (first, second) = expected.split_at(expected.find("error: the run").unwrap());
    assert!(
        rendered.starts_with(&second[..second.find("error: 2").unwrap()]),
        "{rendered}"
    );
    assert!(rendered.contains(first), "{rendered}");
    assert!(rendered.ends_with("error: 2 problems in scenarios/bad.toml"));

    let one = Diagnostics::new(
        "x.toml",
        "a = 1\n",
        vec![diag::make("x.toml", "a = 1\n", 4..5, "bad".into(), None)],
    );
    assert_eq!(
        one.to_string(),
        "error: bad\n --> x.toml:1:5\n  |\n1 | a = 1\n  |     ^\n\nerror: 1 problem in x.toml"
    );
}

#[test]
fn rendering_is_robust() {
    // Tabs, CRLF, non-ASCII, spans at EOF and past it, multi-line spans, empty source.
    let src = "k\t= \"é\"\r\nnext = 1\r\n";
    let cases = [
        (0..1),
        (3..8),
        (5..6),
        (0..src.len()),
        (src.len()..src.len()),
        (999..1000),
        #[allow(clippy::reversed_empty_ranges)]
        (6..5),
    ];
    for span in cases {
        let d = diag::make("f.toml", src, span, "m".into(), Some("h".into()));
        let text = Diagnostics::new("f.toml", src, vec![d]).to_string();
        assert!(text.contains('^'), "{text}");
        assert!(!text.contains('\r'), "{text:?}");
    }
    let d = diag::make("f.toml", src, 4..8, "m".into(), None);
    assert_eq!((d.line, d.col), (1, 5));
    let text = Diagnostics::new("f.toml", src, vec![d]).to_string();
    assert!(
        text.contains("1 | k    = \"é\"\n  |        ^^^\n"),
        "{text}"
    );
    let d = diag::make("f.toml", src, 10..15, "m".into(), None);
    assert_eq!((d.line, d.col), (2, 1));
    let d = diag::make("e.toml", "", 0..0, "m".into(), None);
    assert_eq!((d.line, d.col), (1, 1));
    let text = Diagnostics::new("e.toml", "", vec![d]).to_string();
    assert!(text.contains("1 |\n  | ^\n"), "{text}");
    // Column counts chars, not bytes.
    let src = "x = \"ééé\" # ü\nname = 1";
    let d = load_str(src, "u.toml", Format::Toml, &no_env).unwrap_err();
    assert!(
        d.items
            .iter()
            .any(|i| i.message == "unknown key `x` in the top level" && i.col == 1)
    );
    let src = "name = \"ü\"\ntarget = \"ééé\"\n";
    let d = load_str(src, "u.toml", Format::Toml, &no_env).unwrap_err();
    let t = d
        .items
        .iter()
        .find(|i| i.message.starts_with("invalid target"))
        .unwrap();
    assert_eq!((t.line, t.col), (2, 10));
}

#[test]
fn empty_and_garbage_files_do_not_panic() {
    for src in [
        "",
        "\n",
        "\u{feff}",
        "[",
        "{",
        "[[requests]]",
        "\"",
        "}",
        "é",
        "\r\n\r\n",
    ] {
        for format in [Format::Toml, Format::Json] {
            let r = load_str(src, "x", format, &no_env);
            let d = r.expect_err("garbage must not load");
            assert!(!d.items.is_empty());
            let _ = d.to_string();
        }
    }
}

#[test]
fn truncations_never_panic() {
    let sources = [
        (FULL_TOML, Format::Toml),
        (FULL_JSON, Format::Json),
        (
            include_str!("../../scenarios/examples/ecommerce-checkout.toml"),
            Format::Toml,
        ),
    ];
    for (src, format) in sources {
        for cut in 0..=src.len() {
            if !src.is_char_boundary(cut) {
                continue;
            }
            let part = &src[..cut];
            if let Err(d) = load_str(part, "cut", format, &test_env) {
                assert!(!d.items.is_empty(), "an error must come with a diagnostic");
                let text = d.to_string();
                assert!(text.contains("error:"));
            }
        }
    }
}

#[test]
fn example_files_load() {
    let env = |name: &str| (name == "SHOP_API_KEY").then(|| "demo-key".to_string());
    let shop = load_str(
        include_str!("../../scenarios/examples/ecommerce-checkout.toml"),
        "scenarios/examples/ecommerce-checkout.toml",
        Format::Toml,
        &env,
    )
    .unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(shop.name, "ecommerce-checkout");
    assert!(matches!(
        shop.load.model,
        LoadModel::Closed {
            users: 20,
            think_time: Some(_),
            ..
        }
    ));
    assert_eq!(shop.secrets, vec!["demo-key".to_string()]);
    assert!(shop.checks.idempotency.is_some());
    assert!(shop.checks.pagination.is_some());
    assert!(shop.checks.error_format.is_some());

    let ramp = load_str(
        include_str!("../../scenarios/examples/ramp-and-thresholds.toml"),
        "scenarios/examples/ramp-and-thresholds.toml",
        Format::Toml,
        &no_env,
    )
    .unwrap_or_else(|d| panic!("{d}"));
    assert!(matches!(&ramp.load.model, LoadModel::Open { stages, .. } if stages.len() == 3));
    assert_eq!(ramp.thresholds.len(), 5);

    // Without the env var the first example fails, pointing at the placeholder.
    let d = load_str(
        include_str!("../../scenarios/examples/ecommerce-checkout.toml"),
        "ecommerce-checkout.toml",
        Format::Toml,
        &no_env,
    )
    .unwrap_err();
    assert_eq!(d.items.len(), 1);
    assert_eq!(
        d.items[0].hint.as_deref(),
        Some("set SHOP_API_KEY in the environment")
    );
}

#[test]
fn format_from_extension() {
    use std::path::Path;
    assert_eq!(Format::from_path(Path::new("a.json")), Format::Json);
    assert_eq!(Format::from_path(Path::new("a.JSON")), Format::Json);
    assert_eq!(Format::from_path(Path::new("a.toml")), Format::Toml);
    assert_eq!(Format::from_path(Path::new("scenario")), Format::Toml);
}

#[test]
fn load_reports_io_errors() {
    let err = load(std::path::Path::new("/nonexistent/dir/x.toml")).unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("cannot read scenario file /nonexistent/dir/x.toml: "),
        "{text}"
    );
}

#[test]
fn suggestions_threshold() {
    use validate::suggest;
    let keys = ["duration", "requests", "rate", "users", "mode"];
    assert_eq!(suggest("durration", keys), Some("duration"));
    assert_eq!(suggest("rat", keys), Some("rate"));
    assert_eq!(suggest("Users", keys), Some("users"));
    assert_eq!(suggest("zebra", keys), None);
    assert_eq!(suggest("x", keys), None);
}

#[test]
fn deep_nesting_does_not_overflow() {
    for depth in [200, 5000] {
        let toml = format!("x = {}{}\n", "[".repeat(depth), "]".repeat(depth));
        let _ = load_str(&toml, "d.toml", Format::Toml, &no_env);
        let json = format!("{{\"x\": {}{}}}", "[".repeat(depth), "]".repeat(depth));
        let d = load_str(&json, "d.json", Format::Json, &no_env).unwrap_err();
        assert!(!d.items.is_empty());
    }
}

const DOC: &str = include_str!("../../docs/scenario-format.md");

/// The bad file whose rendered errors are shown in the "Error messages" section of the docs.
const DOC_BAD: &str = r#"target = "reference"

[[requests]]
name = "health"
path = "/health"

[load]
rate = 10
requests = 100

# a typo:
durration = "30s"

# a header that needs a token from the environment:


[defaults]
headers = { Authorization = "Bearer ${env.API_TOKEN}" }
"#;

#[test]
fn docs_error_example_is_real_output() {
    let d = load_str(DOC_BAD, "scenarios/bad.toml", Format::Toml, &no_env).unwrap_err();
    let rendered = d.to_string();
    assert!(
        DOC.contains(&format!("```\n{rendered}\n```")),
        "update the docs example to:\n{rendered}"
    );
}

/// Every complete example in the docs (fenced blocks with both a target and a load section) loads.
#[test]
fn docs_examples_load() {
    let env = |n: &str| Some(format!("value-of-{n}"));
    let mut count = 0;
    for (fence, format) in [("```toml\n", Format::Toml), ("```json\n", Format::Json)] {
        for block in DOC.split(fence).skip(1) {
            let block = &block[..block.find("```").unwrap()];
            let complete = (block.contains("target =") && block.contains("[load]"))
                || (block.contains("\"target\"") && block.contains("\"load\""));
            if !complete {
                continue;
            }
            count += 1;
            if let Err(d) = load_str(block, "doc", format, &env) {
                panic!("docs example does not load:\n{block}\n{d}");
            }
        }
    }
    assert!(count >= 2);
}

fn page_scenario(settings: &str) -> String {
    with_target(&format!(
        "{MINIMAL_TAIL}\n[checks.pagination]\nrequest = \"health\"\n{settings}"
    ))
}

#[test]
fn pagination_page_and_offset_names_first_page_and_total() {
    let s = toml_ok(&page_scenario(
        "style = \"page\"\npage_param = \"_page\"\noffset_param = \"start\"\nfirst_page = 0\nlimit_param = \"_limit\"\nitems = \"\"\ntotal = \"/meta/total\"\n",
    ));
    let p = s.checks.pagination.unwrap();
    assert_eq!(p.style, PageStyle::Page);
    assert_eq!(
        (p.page_param.as_str(), p.offset_param.as_str(), p.first_page),
        ("_page", "start", 0)
    );
    assert_eq!(p.items, "", "the empty pointer: a bare-array body");
    assert_eq!(p.total.as_deref(), Some("/meta/total"));
    // Defaults.
    let p = toml_ok(&page_scenario("")).checks.pagination.unwrap();
    assert_eq!(
        (
            p.page_param.as_str(),
            p.offset_param.as_str(),
            p.first_page,
            p.total
        ),
        ("page", "offset", 1, None)
    );
}

#[test]
fn pagination_new_keys_are_validated_with_locations() {
    let d = toml_err(&page_scenario(
        "first_page = 2\npage_param = \"\"\noffset_param = \"a b\"\ntotal = \"count\"\npage_parm = \"p\"\n",
    ));
    let l = locs(&d);
    let at = |needle: &str| {
        l.iter()
            .find(|(_, _, m)| m.contains(needle))
            .unwrap_or_else(|| panic!("no {needle:?} in\n{d}"))
            .clone()
    };
    // [checks.pagination] is on line 11, `request` on 12; the new keys follow.
    let first = at("`first_page` must be 0 or 1, found 2");
    assert_eq!((first.0, first.1), (13, 14), "{l:?}");
    let fp = d
        .items
        .iter()
        .find(|i| i.message.contains("first_page"))
        .unwrap();
    assert!(fp.hint.as_deref().unwrap().contains("0"), "{fp:?}");
    assert_eq!(
        at("invalid query parameter name \"\" for `page_param`").0,
        14
    );
    assert_eq!(
        at("invalid query parameter name \"a b\" for `offset_param`").0,
        15
    );
    let tp = d
        .items
        .iter()
        .find(|i| i.message.contains("`total`"))
        .unwrap();
    assert_eq!((tp.line, tp.col), (16, 9));
    assert_eq!(
        tp.hint.as_deref().map(|h| h.contains("\"/count\"")),
        Some(true)
    );
    let d2 = toml_err(&page_scenario(
        "limit_param = \"size\"\noffset_param = \"size\"\n",
    ));
    let same = d2
        .items
        .iter()
        .find(|i| i.message.contains("both name"))
        .unwrap();
    assert_eq!((same.line, same.col), (14, 16), "{d2}");
    let typo = d
        .items
        .iter()
        .find(|i| i.message.contains("page_parm"))
        .unwrap();
    assert_eq!(typo.hint.as_deref(), Some("did you mean `page_param`?"));
}

// ---------------------------------------------------------------------------------------------
// Waivers: `[checks] skip`

#[test]
fn skip_waives_ids_and_families_in_toml_and_json() {
    let toml = toml_ok(&with_target(&format!(
        "{MINIMAL_TAIL}\n[checks]\nskip = [\"ERR-06\", \"RL-*\", \"ERR-06\"]\n"
    )));
    let want = vec![
        Waiver {
            pattern: "ERR-06".into(),
            by: WaivedBy::Scenario,
        },
        Waiver {
            pattern: "RL-*".into(),
            by: WaivedBy::Scenario,
        },
    ];
    assert_eq!(toml.checks.skip, want, "a repeated ID is listed once");
    let json = r#"{"target": "reference",
      "requests": [{"name": "health", "path": "/health"}],
      "load": {"rate": 10, "duration": "10s"},
      "checks": {"skip": ["ERR-06", "RL-*"]}}"#;
    let s = load_str(json, "t.json", Format::Json, &no_env).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(s.checks.skip, want);
    assert!(want[1].matches("RL-09") && !want[1].matches("ERR-01"));
    assert!(want[0].matches("ERR-06") && !want[0].matches("ERR-05"));
    assert!(toml_ok(&with_target(MINIMAL_TAIL)).checks.skip.is_empty());
}

#[test]
fn an_unknown_waiver_is_located_with_did_you_mean() {
    let src = with_target(&format!(
        "{MINIMAL_TAIL}\n[checks]\nskip = [\"ERR-6\", \"RATE-*\", 3]\n"
    ));
    let d = toml_err(&src);
    let line = src.lines().position(|l| l.starts_with("skip")).unwrap() + 1;
    assert_eq!(
        locs(&d),
        [
            (line, 9, "unknown check `ERR-6`".to_string()),
            (line, 18, "unknown check `RATE-*`".to_string()),
            (
                line,
                28,
                "expected a check ID (string), found integer 3".to_string()
            ),
        ]
    );
    assert_eq!(d.items[0].hint.as_deref(), Some("did you mean `ERR-06`?"));
    let far = d.items[1].hint.as_deref().unwrap();
    assert!(far.contains("RL-*") && far.contains("IDEM-*"), "{far}");
    // The rendering shows the line and a caret under the value.
    let text = d.to_string();
    assert!(text.contains("test.toml:") && text.contains('^'), "{text}");
    let d = toml_err(&with_target(&format!(
        "{MINIMAL_TAIL}\n[checks]\nskip = \"ERR-06\"\n"
    )));
    assert!(has(&d, "wrong type for `skip`"), "{d}");
}

/// `request_id_headers = []` used to validate and then fail ERR-06 with "no request id ()".
#[test]
fn empty_request_id_headers_point_to_the_waiver() {
    let src = with_target(&format!(
        "{MINIMAL_TAIL}\n[checks.error_format]\nrequest_id_headers = []\n"
    ));
    let d = toml_err(&src);
    assert_eq!(d.items.len(), 1, "{d}");
    assert_eq!(d.items[0].message, "`request_id_headers` is an empty list");
    let hint = d.items[0].hint.as_deref().unwrap();
    assert!(hint.contains(r#"skip = ["ERR-06"]"#), "{hint}");
    let line = src
        .lines()
        .position(|l| l.starts_with("request_id_headers"))
        .unwrap()
        + 1;
    assert_eq!((d.items[0].line, d.items[0].col), (line, 22));
}

// ---------------------------------------------------------------------------------------------
// `[checks.rate_limit]`: declared quota and window, the time budget, RL-10

fn rl_scenario(settings: &str) -> String {
    with_target(&format!(
        "{MINIMAL_TAIL}\n[checks.rate_limit]\nrequest = \"health\"\n{settings}"
    ))
}

#[test]
fn rate_limit_quota_window_budget_and_burst() {
    let s = toml_ok(&rl_scenario(
        "quota = 4\nwindow = \"40s\"\nmax_wait = \"2m\"\nmax_burst = 1.0\nalgorithm = false\n",
    ));
    let r = s.checks.rate_limit.unwrap();
    assert_eq!(r.quota, Some(4));
    assert_eq!(r.window, Some(std::time::Duration::from_secs(40)));
    assert_eq!(r.max_wait, std::time::Duration::from_secs(120));
    assert_eq!(r.max_burst, Some(1.0));
    assert!(!r.algorithm);
    let r = toml_ok(&rl_scenario("")).checks.rate_limit.unwrap();
    assert_eq!(
        (r.quota, r.window, r.max_wait, r.max_burst, r.algorithm),
        (None, None, DEFAULT_RL_MAX_WAIT, None, true)
    );
}

/// Every wrong key is reported in one pass, each at its place (a bad `max_wait` once hid a bad
/// `max_burst` after it).
#[test]
fn rate_limit_new_keys_are_all_reported_with_locations() {
    let d = toml_err(&rl_scenario(
        "quota = 0\nmax_wait = \"soon\"\nmax_burst = 0.5\n",
    ));
    let l = locs(&d);
    let at = |needle: &str| {
        l.iter()
            .find(|(_, _, m)| m.contains(needle))
            .unwrap_or_else(|| panic!("no {needle:?} in\n{d}"))
            .clone()
    };
    let base = l.iter().map(|x| x.0).min().unwrap();
    let quota = at("`quota`");
    let wait = at("max_wait");
    let burst = at("`max_burst` is a multiple of the quota");
    assert!(
        quota.0 == base && wait.0 > quota.0 && burst.0 > wait.0,
        "{l:?}"
    );
    assert!(has(&d, "`quota` without `window`"), "{d}");
    assert_eq!(burst.1, 13, "{l:?}");
}
