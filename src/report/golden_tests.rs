//! Golden-file tests for the text, Markdown and JUnit writers.
//!
//! Each case builds a [`Report`] by hand (no run, no clock, no machine paths), renders it with
//! the three writers and compares the output byte for byte with `src/report/golden/<case>.txt`,
//! `<case>.md` and `<case>.junit.xml` (JUnit as under the default `fail_on`; a case with a warning
//! also has `<case>.fail-on-warn.junit.xml`, JUnit as under `fail_on = "warn"`).
//!
//! When a writer changes on purpose, regenerate the files and review the diff before committing:
//!
//! ```text
//! UPDATE_GOLDEN=1 cargo test --lib report::golden_tests
//! git diff src/report/golden/
//! ```
//!
//! With `UPDATE_GOLDEN=1` the tests write every golden file (only those whose content changed)
//! instead of comparing, and pass. Without it, a missing or different file fails the test, naming
//! the first line that differs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::metrics::LatencySummary;
use crate::metrics::OpenLoopCounts;
use crate::report::model::{
    CheckResult, CheckStatus, ErrorSample, Evidence, Histograms, LoadInfo, OpenLoop, Outcome,
    Phase, Report, RequestReport, SCHEMA_VERSION, ScenarioInfo, StatusClass, ThresholdResult,
    Timeline, Tool, Totals, WarmupReport,
};
use crate::report::{junit, markdown, text};

// ---------------------------------------------------------------------------------------------
// Comparing and updating

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/report/golden")
}

fn updating() -> bool {
    std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1")
}

/// Render `report` with every writer and compare (or, under `UPDATE_GOLDEN=1`, write) each output.
fn golden(case: &str, report: &Report) {
    let mut outputs = vec![
        (format!("{case}.txt"), text::render(report).into_bytes()),
        (format!("{case}.md"), markdown::render(report)),
        (format!("{case}.junit.xml"), junit::render(report, false)),
    ];
    if report.checks.iter().any(|c| c.status == CheckStatus::Warn) {
        outputs.push((
            format!("{case}.fail-on-warn.junit.xml"),
            junit::render(report, true),
        ));
    }
    let mut problems = Vec::new();
    for (name, actual) in outputs {
        let path = golden_dir().join(&name);
        let expected = std::fs::read(&path).ok();
        if updating() {
            if expected.as_deref() != Some(actual.as_slice()) {
                std::fs::create_dir_all(golden_dir()).unwrap();
                std::fs::write(&path, &actual)
                    .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
            }
            continue;
        }
        match expected {
            None => problems.push(format!("{name}: missing")),
            Some(expected) if expected != actual => {
                problems.push(format!("{name}: {}", first_difference(&expected, &actual)));
            }
            Some(_) => {}
        }
    }
    assert!(
        problems.is_empty(),
        "golden files of case `{case}` do not match the writers' output \
         (if the change is intended: UPDATE_GOLDEN=1 cargo test --lib report::golden_tests, \
         then review `git diff src/report/golden/`):\n{}",
        problems.join("\n")
    );
}

/// `line 7: expected "…" / actual "…"`: the first line that differs.
fn first_difference(expected: &[u8], actual: &[u8]) -> String {
    let (e, a) = (
        String::from_utf8_lossy(expected),
        String::from_utf8_lossy(actual),
    );
    let (mut e_lines, mut a_lines) = (e.split_inclusive('\n'), a.split_inclusive('\n'));
    for n in 1.. {
        match (e_lines.next(), a_lines.next()) {
            (Some(x), Some(y)) if x == y => {}
            (None, None) => break,
            (x, y) => {
                return format!(
                    "line {n}: expected {:?} / actual {:?}",
                    x.unwrap_or("<end of file>"),
                    y.unwrap_or("<end of file>")
                );
            }
        }
    }
    "the bytes differ".into()
}

/// Every case, so a golden file no case writes any more is noticed.
const CASES: [&str; 6] = [
    "pass",
    "failed",
    "breached",
    "interrupted",
    "inconclusive",
    "open_loop",
];

#[test]
fn every_golden_file_belongs_to_a_case() {
    if updating() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(golden_dir()) else {
        panic!("{} is missing", golden_dir().display());
    };
    let mut stray = Vec::new();
    for entry in entries {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let case = name.split('.').next().unwrap_or_default();
        if !name.starts_with('.') && !CASES.contains(&case) {
            stray.push(name);
        }
    }
    assert!(stray.is_empty(), "golden files of no case: {stray:?}");
}

// ---------------------------------------------------------------------------------------------
// Building reports

fn latency(count: u64, p50: f64, p90: f64, p99: f64, p99_9: f64, max: f64) -> LatencySummary {
    if count == 0 {
        return LatencySummary::default();
    }
    LatencySummary {
        count,
        min: p50 / 4.0,
        p50,
        p90,
        p95: (p90 + p99) / 2.0,
        p99,
        p99_9,
        max,
        mean: (p50 * 3.0 + p90) / 4.0,
    }
}

fn codes(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(k, n)| (k.to_string(), *n)).collect()
}

fn request(
    name: &str,
    method: &str,
    (requests, responses, request_errors, failed_expectations): (u64, u64, u64, u64),
    elapsed_s: f64,
    latency_ms: LatencySummary,
    status_codes: &[(&str, u64)],
    errors_by_kind: &[(&str, u64)],
) -> RequestReport {
    RequestReport {
        name: name.into(),
        method: method.into(),
        requests,
        responses,
        errors: request_errors + failed_expectations,
        request_errors,
        failed_expectations,
        rps: requests as f64 / elapsed_s,
        latency_ms,
        status_codes: codes(status_codes),
        errors_by_kind: codes(errors_by_kind),
        kept_bodies_truncated: 0,
        unjudged_expectations: 0,
    }
}

fn check(id: &str, status: CheckStatus, count: u64, message: &str) -> CheckResult {
    CheckResult {
        id: id.into(),
        status,
        message: message.into(),
        count,
        evidence: vec![],
    }
}

fn threshold(
    metric: &str,
    request: Option<&str>,
    op: &str,
    (limit, actual): (f64, f64),
    unit: &str,
    passed: bool,
) -> ThresholdResult {
    ThresholdResult {
        metric: metric.into(),
        request: request.map(Into::into),
        op: op.into(),
        limit,
        actual,
        unit: unit.into(),
        passed,
        note: None,
        source: "scenario".into(),
    }
}

const TARGET: &str = "http://127.0.0.1:8080";

/// Totals consistent with the per-request rows.
fn totals(requests: &[RequestReport], elapsed_s: f64) -> Totals {
    let sum = |f: fn(&RequestReport) -> u64| requests.iter().map(f).sum::<u64>();
    let (sent, errors) = (sum(|r| r.requests), sum(|r| r.errors));
    Totals {
        requests: sent,
        responses: sum(|r| r.responses),
        errors,
        request_errors: sum(|r| r.request_errors),
        failed_expectations: sum(|r| r.failed_expectations),
        error_rate: if sent == 0 {
            0.0
        } else {
            errors as f64 / sent as f64
        },
        rps: sent as f64 / elapsed_s,
        elapsed_s,
        bytes_received: sum(|r| r.responses) * 312,
        bodies_truncated: 0,
        load_phase_s: elapsed_s,
        kept_bodies_truncated: 0,
    }
}

/// A clean closed-loop run of the quickstart: two requests, every check and threshold met.
pub(super) fn pass() -> Report {
    let elapsed_s = 10.004;
    let requests = vec![
        request(
            "create_order",
            "POST",
            (402, 402, 0, 0),
            elapsed_s,
            latency(402, 1.51, 1.90, 3.92, 4.20, 4.20),
            &[("201", 402)],
            &[],
        ),
        request(
            "list_orders",
            "GET",
            (801, 801, 0, 0),
            elapsed_s,
            latency(801, 1.54, 1.98, 2.31, 4.38, 4.38),
            &[("200", 801)],
            &[],
        ),
    ];
    Report {
        schema_version: SCHEMA_VERSION.into(),
        tool: Tool {
            name: "loadproof".into(),
            version: "0.1.0".into(),
        },
        scenario: ScenarioInfo {
            name: "quickstart".into(),
            file: Some("scenarios/quickstart.toml".into()),
            target: TARGET.into(),
        },
        planned_start_at: None,
        segment: None,
        started_at: "2026-01-15T09:30:00.000Z".into(),
        finished_at: "2026-01-15T09:30:10.004Z".into(),
        outcome: Outcome::Pass,
        outcome_reason: None,
        exit_code: 0,
        interrupted: false,
        interrupted_phase: None,
        load: LoadInfo {
            mode: "closed".into(),
            protocol: "http1".into(),
            connections: 10,
            threads: 1,
            planned_duration_s: 10.0,
            max_requests: None,
            rate: None,
            users: Some(10),
            timeout_s: 10.0,
            stages: vec![],
        },
        warmup: None,
        totals: totals(&requests, elapsed_s),
        latency_ms: latency(1203, 1.53, 1.95, 3.10, 4.38, 4.38),
        open_loop: None,
        backoff: None,
        status_codes: codes(&[("200", 801), ("201", 402)]),
        status_classes: vec![StatusClass {
            class: "2xx".into(),
            count: 1203,
            latency_ms: latency(1203, 1.53, 1.95, 3.10, 4.38, 4.38),
        }],
        errors_by_kind: BTreeMap::new(),
        error_samples: vec![],
        requests,
        flows: vec![],
        data: vec![],
        series: vec![],
        checks: vec![
            check(
                "IDEM-01",
                CheckStatus::Pass,
                1,
                "expected the retry replays the first response (same status, same id, same \
                 body); saw 201 twice with the same resource (ord_00000001)",
            ),
            check(
                "ERR-01",
                CheckStatus::Pass,
                14,
                "every error response is application/problem+json: 14 error responses (14 from \
                 probes, 0 from the load phase)",
            ),
            check(
                "EXPECT-create_order",
                CheckStatus::Pass,
                402,
                "all 402 responses met the expectations",
            ),
            check(
                "EXPECT-list_orders",
                CheckStatus::Pass,
                801,
                "all 801 responses met the expectations",
            ),
        ],
        thresholds: vec![
            threshold("p99", None, "<=", (500.0, 3.1), "ms", true),
            threshold("error_rate", None, "<=", (0.01, 0.0), "ratio", true),
        ],
        histograms: Histograms {
            encoding: "hdr-v2-deflate-base64".into(),
            unit: "us".into(),
            overall: String::new(),
            requests: BTreeMap::new(),
        },
    }
}

const ORDER_BODY: &str = r#"{"amount":2142,"currency":"EUR","customer":"cust-43"}"#;

fn order_curl(key: &str) -> String {
    format!(
        "curl -sS -i -X POST '{TARGET}/orders' -H 'accept: application/json' \
         -H 'content-type: application/json' -H 'idempotency-key: \"{key}\"' \
         --data-binary '{ORDER_BODY}'"
    )
}

/// IDEM-03, a chain of three sequential probes (their timelines are not a race): the harmless
/// first 201, the mismatched body the API accepted (the decisive exchange), a GET of the first
/// resource.
fn mismatch_check() -> CheckResult {
    let step = |i: usize, method: &str, path: &str, body: Option<&str>, status, note: &str| {
        let key = "loadproof-5b1f0c0a7e3d4c7f9f0e2a4b6c8d0e1f";
        let mut request_headers = BTreeMap::from([("accept".into(), "application/json".into())]);
        let mut curl =
            format!("curl -sS -i -X {method} '{TARGET}{path}' -H 'accept: application/json'");
        if let Some(b) = body {
            request_headers.insert("content-type".into(), "application/json".into());
            request_headers.insert("idempotency-key".into(), format!("\"{key}\""));
            curl = format!(
                "{curl} -H 'content-type: application/json' -H 'idempotency-key: \"{key}\"' \
                 --data-binary '{b}'"
            );
        }
        Evidence {
            method: Some(method.into()),
            url: Some(format!("{TARGET}{path}")),
            status: Some(status),
            request_headers,
            request_body: body.map(str::to_string),
            curl: Some(curl),
            note: Some(note.into()),
            timeline: Some(Timeline {
                sent_ms: 30.0 * i as f64,
                first_byte_ms: Some(30.0 * i as f64 + 2.5),
                done_ms: 30.0 * i as f64 + 2.6,
                connection: 0,
                race: false,
            }),
            ..Evidence::default()
        }
    };
    let mut c = check(
        "IDEM-03",
        CheckStatus::Fail,
        1,
        "expected 422 for a reused key with a different body; saw 201 (a second resource, \
         ord_00000002)",
    );
    c.evidence = vec![
        step(
            0,
            "POST",
            "/orders",
            Some(ORDER_BODY),
            201,
            "first request (key K, body A)",
        ),
        step(
            1,
            "POST",
            "/orders",
            Some(r#"{"amount":9999,"currency":"EUR","customer":"cust-43"}"#),
            201,
            "same key K, different body B",
        ),
        step(
            2,
            "GET",
            "/orders/ord_00000001",
            None,
            200,
            "the first resource after the mismatched request",
        ),
    ];
    c.decided_by(1)
}

/// The IDEM-05 race: 14 racers (more than the text writer shows), racer 9 got no response.
fn race_evidence() -> Vec<Evidence> {
    (0..14u32)
        .map(|i| {
            let sent_ms = 0.04 + f64::from(i) * 0.07;
            let answered = i != 9;
            let first = 26.5 + f64::from(i * 37 % 11) * 0.13;
            let mut response_headers = BTreeMap::new();
            if answered {
                response_headers.insert("content-type".into(), "application/json".into());
                response_headers.insert("location".into(), format!("/orders/ord_{:08}", i + 1));
            }
            Evidence {
                method: Some("POST".into()),
                url: Some(format!("{TARGET}/orders")),
                status: answered.then_some(201),
                request_headers: BTreeMap::from([
                    ("content-type".into(), "application/json".into()),
                    (
                        "idempotency-key".into(),
                        "\"loadproof-d1cf4c54b0a24fb6a80ff467ef58ca85\"".into(),
                    ),
                ]),
                request_body: Some(ORDER_BODY.into()),
                response_headers,
                response_body: answered.then(|| format!(r#"{{"id":"ord_{:08}"}}"#, i + 1)),
                curl: Some(order_curl("loadproof-d1cf4c54b0a24fb6a80ff467ef58ca85")),
                note: Some(if answered {
                    format!("racer {i}")
                } else {
                    format!("racer {i}: no response (timeout after 10s)")
                }),
                timeline: Some(Timeline {
                    sent_ms,
                    first_byte_ms: answered.then_some(first),
                    done_ms: if answered { first + 0.02 } else { 10_000.0 },
                    connection: i as usize,
                    race: true,
                }),
                request: None,
                decisive: false,
                misses: vec![],
            }
        })
        .collect()
}

/// Failed checks with evidence (a race with a timeline, a load-phase expectation with a `curl`
/// rebuilt from the scenario), warnings with and without evidence, a skip, errors of two kinds,
/// a breached threshold (an error rate of 0.0233 over a bound of 0.02): the verdict is the failed
/// checks.
pub(super) fn failed() -> Report {
    let elapsed_s = 5.012;
    let requests = vec![
        request(
            "create_order",
            "POST",
            (200, 194, 6, 4),
            elapsed_s,
            latency(194, 1.62, 2.20, 26.97, 31.02, 31.02),
            &[("201", 190), ("500", 4)],
            &[("reset", 6)],
        ),
        request(
            "list_orders",
            "GET",
            (400, 396, 4, 0),
            elapsed_s,
            latency(396, 1.49, 1.88, 2.40, 3.75, 3.75),
            &[("200", 396)],
            &[("timeout", 4)],
        ),
    ];
    let mut idem05 = check(
        "IDEM-05",
        CheckStatus::Fail,
        13,
        "expected 20 identical concurrent requests to create one resource; losers 409 or the \
         replay; saw 13 racers got 2xx with 13 different resources",
    );
    // The judge marks the first racer with a second id (racer 1) as the decisive exchange.
    idem05.evidence = race_evidence();
    let idem05 = idem05.decided_by(1);
    let idem03 = mismatch_check();
    let mut err03 = check(
        "ERR-03",
        CheckStatus::Warn,
        1,
        "expected a problem+json 404 for an unknown resource; saw text/html 404",
    );
    err03.evidence = vec![Evidence {
        method: Some("GET".into()),
        url: Some(format!("{TARGET}/orders/loadproof-missing-0")),
        status: Some(404),
        response_headers: BTreeMap::from([("content-type".into(), "text/html".into())]),
        response_body: Some("<h1>Not Found</h1>".into()),
        curl: Some(format!(
            "curl -sS -i -X GET '{TARGET}/orders/loadproof-missing-0' -H 'accept: application/json'"
        )),
        note: Some("content-type is text/html, not application/problem+json".into()),
        ..Evidence::default()
    }];
    let mut expect_create = check(
        "EXPECT-create_order",
        CheckStatus::Fail,
        4,
        "4 of 194 responses missed the expectations; first: expected status in [201], got 500 (+2 more)",
    );
    expect_create.evidence = vec![Evidence {
        method: Some("POST".into()),
        url: Some(format!("{TARGET}/orders")),
        status: Some(500),
        curl: Some(format!(
            "curl -sS -i -X POST '{TARGET}/orders' -H 'authorization: Bearer ********' \
             -H 'idempotency-key: <uuid>' --data-binary '{ORDER_BODY}'"
        )),
        note: Some("expected status in [201], got 500 (+2 more)".into()),
        request: Some("create_order".into()),
        response_headers: BTreeMap::from([
            ("content-type".into(), "application/problem+json".into()),
            ("set-cookie".into(), "[REDACTED]".into()),
        ]),
        response_body: Some(r#"{"type":"about:blank","title":"Internal Server Error"}"#.into()),
        misses: vec![
            "expected status in [201], got 500".into(),
            "expected header Location, it is absent".into(),
            r#"expected "/id" of type string, nothing there"#.into(),
        ],
        ..Evidence::default()
    }];
    Report {
        scenario: ScenarioInfo {
            name: "checkout".into(),
            file: Some("scenarios/examples/ecommerce-checkout.toml".into()),
            target: TARGET.into(),
        },
        planned_start_at: None,
        segment: None,
        started_at: "2026-01-15T10:00:00.000Z".into(),
        finished_at: "2026-01-15T10:00:05.012Z".into(),
        outcome: Outcome::CheckFailed,
        outcome_reason: Some("failed: IDEM-03, IDEM-05, EXPECT-create_order".into()),
        exit_code: 4,
        load: LoadInfo {
            connections: 20,
            planned_duration_s: 5.0,
            users: Some(20),
            ..pass().load
        },
        totals: totals(&requests, elapsed_s),
        latency_ms: latency(590, 1.53, 1.97, 24.10, 31.02, 31.02),
        status_codes: codes(&[("200", 396), ("201", 190), ("500", 4)]),
        status_classes: vec![
            StatusClass {
                class: "2xx".into(),
                count: 586,
                latency_ms: latency(586, 1.52, 1.95, 23.80, 31.02, 31.02),
            },
            StatusClass {
                class: "5xx".into(),
                count: 4,
                latency_ms: latency(4, 2.10, 2.60, 2.60, 2.60, 2.60),
            },
        ],
        errors_by_kind: codes(&[("reset", 6), ("timeout", 4)]),
        error_samples: vec![
            ErrorSample {
                request: "create_order".into(),
                kind: "reset".into(),
                method: "POST".into(),
                url: format!("{TARGET}/orders"),
                message: "connection reset by peer".into(),
            },
            ErrorSample {
                request: "list_orders".into(),
                kind: "timeout".into(),
                method: "GET".into(),
                url: format!("{TARGET}/orders?limit=20"),
                message: "no response within 10s".into(),
            },
        ],
        requests,
        checks: vec![
            check(
                "IDEM-01",
                CheckStatus::Pass,
                1,
                "expected the retry replays the first response (same status, same id, same \
                 body); saw 201 twice with the same resource (ord_00000001)",
            ),
            idem03,
            idem05,
            check(
                "RL-01",
                CheckStatus::Skip,
                0,
                "not configured: no [checks.rate_limit] in the scenario",
            ),
            err03,
            check("ERR-06", CheckStatus::Skip, 1, "waived by the scenario"),
            check("PAGE-01", CheckStatus::Skip, 1, "waived by --skip-check"),
            check("PAGE-02", CheckStatus::Skip, 1, "waived by --skip-check"),
            check("PAGE-03", CheckStatus::Skip, 1, "waived by --skip-check"),
            expect_create,
            check(
                "EXPECT-list_orders",
                CheckStatus::Warn,
                4,
                "all 396 responses met the expectations, but 4 of 400 requests got no response \
                 (timeout ×4)",
            ),
        ],
        thresholds: vec![
            threshold("p99", None, "<=", (500.0, 24.1), "ms", true),
            threshold(
                "error_rate",
                None,
                "<=",
                (0.02, 14.0 / 600.0),
                "ratio",
                false,
            ),
        ],
        ..pass()
    }
}

/// Every check met, thresholds breached: one over a measured figure, one over a request that got
/// no response at all (a note instead of a figure), and two met.
fn breached() -> Report {
    let elapsed_s = 10.001;
    let requests = vec![
        request(
            "create_order",
            "POST",
            (380, 380, 0, 0),
            elapsed_s,
            latency(380, 180.2, 251.7, 312.48, 340.9, 340.9),
            &[("201", 380)],
            &[],
        ),
        request(
            "slow_report",
            "GET",
            (10, 0, 10, 0),
            elapsed_s,
            latency(0, 0.0, 0.0, 0.0, 0.0, 0.0),
            &[],
            &[("timeout", 10)],
        ),
    ];
    let t_errors = threshold(
        "error_rate",
        None,
        "<=",
        (0.05, 10.0 / 390.0),
        "ratio",
        true,
    );
    let mut t_report = threshold("p99", Some("slow_report"), "<=", (500.0, 0.0), "ms", false);
    t_report.note = Some("no responses to measure a latency on".into());
    Report {
        scenario: ScenarioInfo {
            name: "ramp-and-thresholds".into(),
            file: Some("scenarios/examples/ramp-and-thresholds.toml".into()),
            target: TARGET.into(),
        },
        planned_start_at: None,
        segment: None,
        started_at: "2026-01-15T11:00:00.000Z".into(),
        finished_at: "2026-01-15T11:00:10.001Z".into(),
        outcome: Outcome::ThresholdBreached,
        outcome_reason: Some(
            "breached: p99 <= 250.00 ms (create_order), p99 <= 500.00 ms (slow_report)".into(),
        ),
        exit_code: 5,
        totals: totals(&requests, elapsed_s),
        latency_ms: latency(380, 180.2, 251.7, 312.48, 340.9, 340.9),
        status_codes: codes(&[("201", 380)]),
        status_classes: vec![StatusClass {
            class: "2xx".into(),
            count: 380,
            latency_ms: latency(380, 180.2, 251.7, 312.48, 340.9, 340.9),
        }],
        errors_by_kind: codes(&[("timeout", 10)]),
        error_samples: vec![ErrorSample {
            request: "slow_report".into(),
            kind: "timeout".into(),
            method: "GET".into(),
            url: format!("{TARGET}/reports/slow"),
            message: "no response within 10s".into(),
        }],
        requests,
        checks: vec![
            check(
                "EXPECT-create_order",
                CheckStatus::Pass,
                380,
                "all 380 responses met the expectations",
            ),
            check(
                "EXPECT-slow_report",
                CheckStatus::Error,
                10,
                "none of 10 requests got a response to judge (timeout ×10)",
            ),
        ],
        thresholds: vec![
            threshold(
                "p99",
                Some("create_order"),
                "<=",
                (250.0, 312.48),
                "ms",
                false,
            ),
            t_report,
            t_errors,
            threshold("rps", None, ">=", (30.0, 390.0 / elapsed_s), "req/s", true),
        ],
        ..pass()
    }
}

/// Ctrl-C during the load phase, on one connection: partial figures, active checks not run.
fn interrupted() -> Report {
    let elapsed_s = 3.217;
    let requests = vec![request(
        "get_health",
        "GET",
        (41, 40, 1, 0),
        elapsed_s,
        latency(40, 0.81, 1.10, 1.62, 1.62, 1.62),
        &[("200", 40)],
        &[("cancelled", 1)],
    )];
    Report {
        scenario: ScenarioInfo {
            name: "health".into(),
            file: None,
            target: TARGET.into(),
        },
        planned_start_at: None,
        segment: None,
        started_at: "2026-01-15T12:00:00.000Z".into(),
        finished_at: "2026-01-15T12:00:03.217Z".into(),
        outcome: Outcome::Interrupted,
        outcome_reason: Some(
            "stopped by a signal during the load phase; the report holds what was measured until \
             then"
                .into(),
        ),
        exit_code: 3,
        interrupted: true,
        interrupted_phase: Some(Phase::Load),
        load: LoadInfo {
            connections: 1,
            planned_duration_s: 30.0,
            users: Some(1),
            ..pass().load
        },
        totals: totals(&requests, elapsed_s),
        latency_ms: latency(40, 0.81, 1.10, 1.62, 1.62, 1.62),
        status_codes: codes(&[("200", 40)]),
        status_classes: vec![StatusClass {
            class: "2xx".into(),
            count: 40,
            latency_ms: latency(40, 0.81, 1.10, 1.62, 1.62, 1.62),
        }],
        errors_by_kind: codes(&[("cancelled", 1)]),
        error_samples: vec![ErrorSample {
            request: "get_health".into(),
            kind: "cancelled".into(),
            method: "GET".into(),
            url: format!("{TARGET}/health"),
            message: "the run was stopped before the response arrived".into(),
        }],
        requests,
        checks: vec![
            check(
                "IDEM-*",
                CheckStatus::Skip,
                0,
                "not run: the run was interrupted",
            ),
            check(
                "EXPECT-get_health",
                CheckStatus::Warn,
                1,
                "all 40 responses met the expectations, but 1 of 41 requests got no response \
                 (cancelled ×1)",
            ),
        ],
        thresholds: vec![threshold("p99", None, "<=", (100.0, 1.62), "ms", true)],
        ..pass()
    }
}

/// Nothing answered: every request failed, the one expectation has nothing to judge. Bounded by a
/// request count only (no duration in the scenario).
fn inconclusive() -> Report {
    let elapsed_s = 20.031;
    let requests = vec![request(
        "get_health",
        "GET",
        (20, 0, 20, 0),
        elapsed_s,
        latency(0, 0.0, 0.0, 0.0, 0.0, 0.0),
        &[],
        &[("reset", 8), ("timeout", 12)],
    )];
    Report {
        scenario: ScenarioInfo {
            name: "health".into(),
            file: Some("health.json".into()),
            target: "https://api.example.test/v1".into(),
        },
        planned_start_at: None,
        segment: None,
        started_at: "2026-01-15T13:00:00.000Z".into(),
        finished_at: "2026-01-15T13:00:20.031Z".into(),
        outcome: Outcome::Inconclusive,
        outcome_reason: Some("none of 20 requests got a response: nothing was measured".into()),
        exit_code: 3,
        load: LoadInfo {
            protocol: "http2".into(),
            connections: 2,
            planned_duration_s: 86_400.0,
            max_requests: Some(20),
            users: Some(2),
            ..pass().load
        },
        totals: totals(&requests, elapsed_s),
        latency_ms: LatencySummary::default(),
        status_codes: BTreeMap::new(),
        status_classes: vec![],
        errors_by_kind: codes(&[("reset", 8), ("timeout", 12)]),
        error_samples: vec![
            ErrorSample {
                request: "get_health".into(),
                kind: "reset".into(),
                method: "GET".into(),
                url: "https://api.example.test/v1/health".into(),
                message: "stream reset by the server (REFUSED_STREAM)".into(),
            },
            ErrorSample {
                request: "get_health".into(),
                kind: "timeout".into(),
                method: "GET".into(),
                url: "https://api.example.test/v1/health".into(),
                message: "no response within 10s".into(),
            },
        ],
        requests,
        checks: vec![check(
            "EXPECT-get_health",
            CheckStatus::Error,
            20,
            "none of 20 requests got a response to judge (reset ×8, timeout ×12)",
        )],
        thresholds: vec![],
        ..pass()
    }
}

/// An open-loop run after a warm-up: some sends late, some never sent; a request name longer
/// than the latency table's first column, and a request the mix never sends (weight 0).
pub(super) fn open_loop() -> Report {
    let elapsed_s = 30.002;
    let requests = vec![
        request(
            "create_order",
            "POST",
            (1_991, 1_991, 0, 0),
            elapsed_s,
            latency(1_991, 2.10, 6.85, 48.20, 95.31, 102.44),
            &[("201", 1_991)],
            &[],
        ),
        request(
            "search_orders_by_customer",
            "GET",
            (3_972, 3_972, 0, 0),
            elapsed_s,
            latency(3_972, 3.02, 9.77, 61.06, 120.93, 131.70),
            &[("200", 3_972)],
            &[],
        ),
        request(
            "cleanup",
            "DELETE",
            (0, 0, 0, 0),
            elapsed_s,
            LatencySummary::default(),
            &[],
            &[],
        ),
    ];
    Report {
        scenario: ScenarioInfo {
            name: "search-under-load".into(),
            file: Some("scenarios/search.toml".into()),
            target: TARGET.into(),
        },
        planned_start_at: None,
        segment: None,
        started_at: "2026-01-15T14:00:00.000Z".into(),
        finished_at: "2026-01-15T14:00:35.002Z".into(),
        load: LoadInfo {
            mode: "open".into(),
            protocol: "http1".into(),
            connections: 32,
            threads: 2,
            planned_duration_s: 30.0,
            max_requests: Some(6_000),
            rate: Some(200.0),
            users: None,
            timeout_s: 5.0,
            stages: vec![],
        },
        warmup: Some(WarmupReport {
            duration_s: 5.0,
            requests: 1_000,
            responses: 998,
            request_errors: 2,
            errors_by_kind: codes(&[("timeout", 2)]),
        }),
        totals: totals(&requests, elapsed_s),
        latency_ms: latency(5_963, 2.71, 8.93, 57.40, 118.02, 131.70),
        open_loop: Some(OpenLoop {
            counts: OpenLoopCounts {
                due: 6_000,
                sent_on_time: 5_712,
                sent_late: 251,
                not_sent: 37,
            },
            late_after_ms: 5.0,
            send_delay_ms: latency(5_963, 0.041, 0.083, 6.2, 40.1, 52.7),
        }),
        backoff: None,
        status_codes: codes(&[("200", 3_972), ("201", 1_991)]),
        status_classes: vec![StatusClass {
            class: "2xx".into(),
            count: 5_963,
            latency_ms: latency(5_963, 2.71, 8.93, 57.40, 118.02, 131.70),
        }],
        requests,
        checks: vec![
            check(
                "EXPECT-create_order",
                CheckStatus::Pass,
                1_991,
                "all 1991 responses met the expectations",
            ),
            check(
                "EXPECT-search_orders_by_customer",
                CheckStatus::Pass,
                3_972,
                "all 3972 responses met the expectations",
            ),
        ],
        thresholds: vec![
            threshold("p99.9", None, "<=", (250.0, 118.02), "ms", true),
            threshold(
                "p99",
                Some("search_orders_by_customer"),
                "<=",
                (100.0, 61.06),
                "ms",
                true,
            ),
            threshold(
                "rps",
                None,
                ">=",
                (190.0, 5_963.0 / elapsed_s),
                "req/s",
                true,
            ),
            ThresholdResult {
                source: "default".into(),
                ..threshold(
                    "not_sent_rate",
                    None,
                    "<=",
                    (0.1, 37.0 / 6_000.0),
                    "ratio",
                    true,
                )
            },
        ],
        ..pass()
    }
}

// ---------------------------------------------------------------------------------------------
// The cases

#[test]
fn pass_run() {
    golden("pass", &pass());
}

#[test]
fn failed_checks_with_evidence_warnings_and_a_breach() {
    golden("failed", &failed());
}

#[test]
fn breached_thresholds_with_and_without_a_figure() {
    golden("breached", &breached());
}

#[test]
fn interrupted_during_the_load() {
    golden("interrupted", &interrupted());
}

/// JUnit never shows an interrupted run all green: whatever the phase, a `loadproof.run`
/// test case in error names it, and a run that was not interrupted has no such case.
#[test]
fn an_interrupted_run_is_an_error_test_case_in_junit() {
    for (phase, says) in [
        (Phase::Warmup, "during the warm-up"),
        (Phase::Load, "during the load phase"),
        (Phase::Checks, "during the checks phase"),
        (Phase::Report, "during report writing"),
    ] {
        let mut r = interrupted();
        r.interrupted_phase = Some(phase);
        let xml = String::from_utf8(junit::render(&r, false)).unwrap();
        assert!(
            xml.contains("<testcase classname=\"loadproof.run\" name=\"interrupted\"><error"),
            "{xml}"
        );
        assert!(xml.contains(says), "{phase:?}: {xml}");
        assert!(xml.contains("errors=\"1\""), "{xml}");
    }
    let xml = String::from_utf8(junit::render(&pass(), false)).unwrap();
    assert!(!xml.contains("loadproof.run"), "{xml}");
}

#[test]
fn inconclusive_with_no_response() {
    golden("inconclusive", &inconclusive());
}

#[test]
fn open_loop_with_late_and_unsent_requests_after_a_warm_up() {
    golden("open_loop", &open_loop());
}

/// The timeline is the race's alone: an exchange after the race (IDEM-06's GET of the winner's
/// resource) is evidence, not a racer; a check without a race draws no timeline at all.
#[test]
fn the_text_summary_draws_only_race_timelines() {
    let mut race = check("IDEM-06", CheckStatus::Fail, 1, "mixed state");
    race.evidence = race_evidence();
    let mut state = race.evidence[0].clone();
    state.note = Some("the winner's resource after the race".into());
    state.timeline.as_mut().unwrap().race = false;
    state.status = Some(299);
    race.evidence.push(state);
    let mut report = pass();
    report.checks = vec![race, mismatch_check()];
    let text = text::render(&report);
    assert!(text.contains("IDEM-06 timeline"), "{text}");
    assert!(!text.contains("IDEM-03 timeline"), "{text}");
    let timeline =
        &text[text.find("IDEM-06 timeline").unwrap()..text.find("IDEM-06 evidence").unwrap()];
    assert!(
        !timeline.contains("299"),
        "the GET is not a racer:\n{timeline}"
    );
    assert!(
        timeline.contains("… 2 more in report.json"),
        "14 racers, 12 shown:\n{timeline}"
    );
    // IDEM-06's decisive exchange is its last step here; IDEM-03's is marked.
    assert!(
        text.contains("    the winner's resource after the race\n"),
        "{text}"
    );
    assert!(
        text.contains("    same key K, different body B\n"),
        "{text}"
    );
}

/// A request name wider than `format!` can pad (65,535) must not crash the summary: the name
/// column is capped and the name cut with `…`.
#[test]
fn a_huge_request_name_is_cut_in_the_text_summary() {
    let mut report = pass();
    assert!(report.requests.len() > 1, "the table lists each request");
    report.requests[0].name = "n".repeat(70_000);
    let text = text::render(&report);
    let row = text
        .lines()
        .find(|l| l.starts_with("nnnn"))
        .expect("a row for the long name");
    assert!(row.chars().count() < 200, "{row}");
    assert!(row.contains('…'), "{row}");
}
