//! One observation path: every response loadproof receives — the load phase's and every active
//! check's probe — is judged by every passive family, and a family plugs in with one line.
//!
//! Each target here is an in-process axum app on 127.0.0.1:0 whose faulty route only a probe
//! reaches (the load mix never sends to it), so a finding on it proves the probe was judged.

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{get, post};
use loadproof::checks::{CheckCtx, Family, Observation, PassivePart, Source};
use loadproof::redact::Redactor;
use loadproof::scenario::ChecksSpec;
use loadproof::verdict::{CheckResult, pass};
use serde_json::Value;

use crate::common::*;

/// Run `scenario` (with `target` filled in) for 1 s; (exit code, checks).
fn run_scenario(name: &str, target: &str, scenario: &str) -> (i32, Vec<Value>) {
    let dir = scratch(name);
    let file = write(
        &dir,
        "scenario.toml",
        &scenario.replace("__TARGET__", target),
    );
    let out_dir = dir.join("out");
    let output = run(
        bin()
            .arg("run")
            .arg(&file)
            .args(["--duration", "1s", "--quiet", "--out"])
            .arg(&out_dir),
        std::time::Duration::from_secs(120),
    );
    let checks = report(&out_dir)["checks"].as_array().cloned().unwrap();
    (code(&output), checks)
}

fn check<'a>(checks: &'a [Value], id: &str) -> &'a Value {
    checks
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {checks:#?}"))
}

const OK_JSON: &str = r#"{"ok":true}"#;

fn json_ok() -> (StatusCode, HeaderMap, &'static str) {
    let mut h = HeaderMap::new();
    h.insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
    (StatusCode::OK, h, OK_JSON)
}

/// The create route crashes with a Python traceback in an HTML page; the load never calls it.
#[test]
fn a_stack_trace_only_an_idempotency_probe_receives_fails_err05() {
    let rt = runtime();
    let app = Router::new().route("/ok", get(|| async { json_ok() })).route(
        "/orders",
        post(|| async {
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "text/html")],
                "<html><pre>Traceback (most recent call last):\n  File \"app.py\", line 12, in create\nKeyError: 'amount'</pre></html>",
            )
        }),
    );
    let url = serve_app(&rt, app);
    let (code, checks) = run_scenario(
        "observe-idem-leak",
        &url,
        r#"
name = "idempotency probe sees a stack trace"
target = "__TARGET__"
[load]
rate = 20
duration = "1s"
[[requests]]
name = "ok"
path = "/ok"
[[requests]]
name = "create"
method = "POST"
path = "/orders"
headers = { "Idempotency-Key" = "${uuid}" }
json = { amount = 1 }
weight = 0
[checks.idempotency]
request = "create"
concurrency = 2
[checks.error_format]
profile = "problem+json"
"#,
    );
    let err05 = check(&checks, "ERR-05");
    assert_eq!(err05["status"], "fail", "{err05:#}");
    let note = err05["evidence"][0]["note"].as_str().unwrap_or("");
    assert!(note.contains("seen by a probe of IDEM-*"), "{err05:#}");
    assert!(
        err05["evidence"][0]["curl"]
            .as_str()
            .is_some_and(|c| c.contains("-X POST")),
        "a probe's evidence reproduces the probe: {err05:#}"
    );
    assert_eq!(code, 4, "{checks:#?}");
}

/// The limited route answers an HTML 429; only the rate-limit drive calls it.
#[test]
fn an_html_429_only_the_rate_limit_drive_receives_fails_err01() {
    let rt = runtime();
    let app = Router::new()
        .route("/ok", get(|| async { json_ok() }))
        .route(
            "/limited",
            get(|| async {
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    [
                        (header::CONTENT_TYPE, "text/html"),
                        (header::RETRY_AFTER, "1"),
                    ],
                    "<html><body>Too Many Requests</body></html>",
                )
            }),
        );
    let url = serve_app(&rt, app);
    let (code, checks) = run_scenario(
        "observe-rl-html",
        &url,
        r#"
name = "rate-limit drive sees an HTML 429"
target = "__TARGET__"
[load]
rate = 20
duration = "1s"
[[requests]]
name = "ok"
path = "/ok"
[[requests]]
name = "limited"
path = "/limited"
weight = 0
[checks.rate_limit]
request = "limited"
[checks.error_format]
profile = "problem+json"
"#,
    );
    let err01 = check(&checks, "ERR-01");
    assert_eq!(err01["status"], "fail", "{err01:#}");
    assert!(
        err01["evidence"][0]["note"]
            .as_str()
            .is_some_and(|n| n.contains("seen by a probe of RL-*")),
        "{err01:#}"
    );
    assert_eq!(code, 4, "{checks:#?}");
}

/// A family registered only here: it counts what it sees by source and reports `SPY-01`.
struct Spy;

#[derive(Default)]
struct SpySeen {
    load: u64,
    warmup: u64,
    probes: std::collections::BTreeMap<&'static str, u64>,
}

impl PassivePart for SpySeen {
    fn observe(&mut self, o: &Observation<'_>) {
        match o.source {
            Source::Load => self.load += 1,
            Source::Warmup => self.warmup += 1,
            Source::Probe(family) => *self.probes.entry(family).or_default() += 1,
        }
    }
    fn merge(&mut self, other: SpySeen) {
        self.load += other.load;
        self.warmup += other.warmup;
        for (k, n) in other.probes {
            *self.probes.entry(k).or_default() += n;
        }
    }
    fn verdicts(self, _: &Redactor) -> Vec<CheckResult> {
        vec![pass(
            "SPY-01",
            format!(
                "load {} warmup {} probes {:?}",
                self.load, self.warmup, self.probes
            ),
        )]
    }
}

impl Family for Spy {
    fn key(&self) -> &'static str {
        "spy"
    }
    fn prefix(&self) -> &'static str {
        "SPY"
    }
    fn ids(&self) -> &'static [&'static str] {
        &["SPY-01"]
    }
    fn enabled(&self, _: &ChecksSpec) -> bool {
        true
    }
    fn passive(&self, _: &ChecksSpec) -> Option<Box<dyn loadproof::checks::BoxedPart>> {
        Some(Box::new(SpySeen::default()))
    }
    fn active<'a>(
        &'a self,
        ctx: &'a CheckCtx<'_>,
    ) -> futures::future::LocalBoxFuture<'a, Vec<CheckResult>> {
        Box::pin(async move {
            // One probe of its own, to an order that does not exist: the error-format family
            // must judge it like any other error response.
            let client = ctx.client().unwrap();
            let probe = loadproof::checks::probe::Probe::get(ctx, "/orders/ord_spy").unwrap();
            let ex =
                loadproof::checks::probe::send(&client, &probe, std::time::Instant::now(), 0).await;
            assert_eq!(ex.status, Some(404));
            Vec::new()
        })
    }
}

/// The spy sees the load phase and the probes of every family, its own included, and the
/// error-format family judges the spy's probe: registering a family is one line.
#[test]
fn a_family_registered_in_one_line_sees_load_and_probe_exchanges() {
    let dir = scratch("observe-spy");
    let out = dir.join("out");
    let scenario = write(
        &dir,
        "scenario.toml",
        r#"
name = "spy"
target = "reference"
[load]
rate = 20
duration = "1s"
warmup = "1s"
[[requests]]
name = "list"
path = "/orders"
[[requests]]
name = "missing_order"
path = "/orders/ord_0000000000000000"
weight = 0
[checks.error_format]
profile = "problem+json"
  [[checks.error_format.probes]]
  request = "missing_order"
  status = 404
"#,
    );
    let mut families: Vec<&dyn Family> = loadproof::checks::FAMILIES.to_vec();
    families.push(&Spy); // the one line
    let cli = <loadproof::cli::Cli as clap::Parser>::try_parse_from([
        "loadproof".as_ref(),
        "run".as_ref(),
        scenario.as_os_str(),
        "--duration".as_ref(),
        "1s".as_ref(),
        "--quiet".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ])
    .unwrap();
    let loadproof::cli::Command::Run(args) = cli.command else {
        panic!("not a run");
    };
    let code = runtime()
        .block_on(loadproof::run_load_with(*args, &families))
        .unwrap();
    let r = report(&out);
    let checks = r["checks"].as_array().unwrap();
    let spy = check(checks, "SPY-01");
    let message = spy["message"].as_str().unwrap();
    let load = r["totals"]["responses"].as_u64().unwrap();
    assert!(load > 0);
    // Every load response, and the warm-up's too (issue 11: every response is judged).
    assert!(
        message.starts_with(&format!("load {load} warmup ")),
        "{message}"
    );
    let warm: u64 = message["load  warmup ".len() + load.to_string().len()..]
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(
        warm > 0,
        "the warm-up's responses reach the passive parts: {message}"
    );
    assert!(
        message.contains("\"ERR\": "),
        "the error-format probes: {message}"
    );
    assert!(message.contains("\"SPY\": 1"), "its own probe: {message}");
    // The error-format family judged the spy's 404 with its own: 3 declared probes + the
    // echo and traceparent probes + the spy's.
    let err01 = check(checks, "ERR-01");
    assert!(
        err01["message"]
            .as_str()
            .is_some_and(|m| m.contains("6 error responses (6 from probes, 0 from the load phase)")),
        "{err01:#}"
    );
    // The report orders it after the catalog's families, before the per-request expectations.
    let ids: Vec<&str> = checks.iter().map(|c| c["id"].as_str().unwrap()).collect();
    let spy_at = ids.iter().position(|id| *id == "SPY-01").unwrap();
    // (RL-01/02 judge the reference's rate-limit fields without a [checks.rate_limit] table.)
    assert!(
        ids[..spy_at]
            .iter()
            .all(|id| id.starts_with("ERR-") || id.starts_with("RL-")),
        "{ids:?}"
    );
    assert_eq!(&ids[..2], ["RL-01", "RL-02"], "{ids:?}");
    assert!(
        ids[spy_at + 1..].iter().all(|id| id.starts_with("EXPECT-")),
        "{ids:?}"
    );
    assert_eq!(code, 0, "{checks:#?}");
}

#[test]
fn the_catalog_lists_each_family_once_with_its_ids() {
    let families = loadproof::checks::FAMILIES;
    let prefixes: Vec<&str> = families.iter().map(|f| f.prefix()).collect();
    assert_eq!(prefixes, ["IDEM", "RL", "PAGE", "ERR"]);
    // The validator accepts exactly the catalog's `[checks.*]` sections, in its order, and the
    // scenario format documents each.
    let keys: Vec<&str> = families.iter().map(|f| f.key()).collect();
    assert_eq!(keys, loadproof::scenario::FAMILY_SECTIONS);
    let format = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/scenario-format.md"),
    )
    .unwrap();
    for key in keys {
        assert!(
            format.contains(&format!("`[checks.{key}]`")),
            "docs/scenario-format.md does not document [checks.{key}]"
        );
    }
    for f in families {
        assert!(!f.ids().is_empty());
        for id in f.ids() {
            assert!(id.starts_with(&format!("{}-", f.prefix())), "{id}");
        }
    }
}

/// Each family's page under docs/checks/ names exactly the IDs the family reports.
#[test]
fn each_family_page_documents_exactly_its_ids() {
    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/checks");
    let id_re = regex::Regex::new(r"\b([A-Z]+)-(\d+)\b").unwrap();
    for f in loadproof::checks::FAMILIES {
        let page = docs.join(format!("{}.md", f.key().replace('_', "-")));
        let text =
            std::fs::read_to_string(&page).unwrap_or_else(|e| panic!("{}: {e}", page.display()));
        let mut named: Vec<String> = id_re
            .captures_iter(&text)
            .filter(|c| &c[1] == f.prefix())
            .map(|c| c[0].to_string())
            .collect();
        named.sort();
        named.dedup();
        assert_eq!(named, f.ids(), "{}", page.display());
    }
}

/// `[checks] skip` is validated against the scenario module's copy of the catalog's IDs (the
/// scenario module sits below the checks): it must list exactly each family's IDs, in order.
#[test]
fn the_waiver_catalog_is_the_families_catalog() {
    let catalog: Vec<(&str, Vec<&str>)> = loadproof::checks::FAMILIES
        .iter()
        .map(|f| (f.prefix(), f.ids().to_vec()))
        .collect();
    let copy: Vec<(&str, Vec<&str>)> = loadproof::scenario::CHECK_IDS
        .iter()
        .map(|(p, ids)| (*p, ids.to_vec()))
        .collect();
    assert_eq!(copy, catalog);
}

/// A server that answers the first request of each connection and closes the connection when a
/// second one arrives on it, without a word (what uvicorn does after an unhandled 500): a
/// probe that meets that stale connection is sent again on a fresh one, not reported as "no
/// response" against the target.
#[test]
fn a_probe_on_a_connection_the_server_closed_is_sent_again() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rt = runtime();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let target = format!("http://{}", listener.local_addr().unwrap());
    rt.spawn(async move {
        for _ in 0..500 {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16 * 1024];
                let mut seen = Vec::new();
                // Read one request head.
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                let (status, body) = if seen.starts_with(b"GET /missing") {
                    (
                        "404 Not Found",
                        r#"{"type":"about:blank","title":"Not Found","status":404}"#,
                    )
                } else {
                    (
                        "200 OK",
                        r#"{"type":"about:blank","title":"OK","status":200}"#,
                    )
                };
                let ct = if status.starts_with("404") {
                    "application/problem+json"
                } else {
                    "application/json"
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: {ct}\r\ncontent-length: {}\r\n\r\n",
                    body.len()
                );
                let _ = sock.write_all(head.as_bytes()).await;
                let _ = sock.write_all(body.as_bytes()).await;
                // Wait for the next request on this connection, then close without answering.
                let _ = sock.read(&mut buf).await;
            });
        }
    });
    let (_, checks) = run_scenario(
        "stale-connection",
        &target,
        r#"name = "stale"
target = "__TARGET__"

[load]
rate = 5
duration = "1s"

[[requests]]
name = "ok"
path = "/ok"

[[requests]]
name = "missing"
path = "/missing"
weight = 0

[checks]
skip = ["ERR-06"]

[checks.error_format]
probes = [{ request = "missing", status = 404 }, { request = "missing", status = 404 }]
"#,
    );
    let err08 = check(&checks, "ERR-08");
    assert_eq!(err08["status"], "pass", "{err08:#}");
}
