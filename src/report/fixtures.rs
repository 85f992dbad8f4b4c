//! Reports built by hand for the writers' tests: no run, no clock, no machine paths. The golden
//! files (`golden_tests.rs`) render each; the HTML and CSV tests start from them and change what
//! they test. Here: the builders and the two runs most tests start from (a clean pass, and failed
//! checks with evidence); [`abnormal`] holds the runs that end otherwise (thresholds breached,
//! interrupted, inconclusive, open loop).
//!
//! Long because every report is written out field by field: that is what makes a golden diff
//! readable.

mod abnormal;

pub(crate) use abnormal::{breached, inconclusive, interrupted, open_loop};

use std::collections::BTreeMap;

use crate::metrics::LatencySummary;
use crate::metrics::OpenLoopCounts;
use crate::report::model::{
    CheckResult, CheckStatus, ErrorSample, Evidence, Histograms, LoadInfo, OpenLoop, Outcome,
    Phase, Report, RequestReport, SCHEMA_VERSION, ScenarioInfo, StatusClass, ThresholdResult,
    Timeline, Tool, Totals, WarmupReport,
};

pub(crate) fn latency(
    count: u64,
    p50: f64,
    p90: f64,
    p99: f64,
    p99_9: f64,
    max: f64,
) -> LatencySummary {
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

pub(crate) fn codes(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(k, n)| (k.to_string(), *n)).collect()
}

pub(crate) fn request(
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

pub(crate) fn check(id: &str, status: CheckStatus, count: u64, message: &str) -> CheckResult {
    CheckResult {
        id: id.into(),
        status,
        message: message.into(),
        count,
        evidence: vec![],
    }
}

pub(crate) fn threshold(
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

pub(crate) const TARGET: &str = "http://127.0.0.1:8080";

/// Totals consistent with the per-request rows.
pub(crate) fn totals(requests: &[RequestReport], elapsed_s: f64) -> Totals {
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
pub(crate) fn pass() -> Report {
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
        merge: None,
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
            by_class: BTreeMap::new(),
            send_delay: None,
        },
    }
}

pub(crate) const ORDER_BODY: &str = r#"{"amount":2142,"currency":"EUR","customer":"cust-43"}"#;

pub(crate) fn order_curl(key: &str) -> String {
    format!(
        "curl -sS -i -X POST '{TARGET}/orders' -H 'accept: application/json' \
         -H 'content-type: application/json' -H 'idempotency-key: \"{key}\"' \
         --data-binary '{ORDER_BODY}'"
    )
}

/// IDEM-03, a chain of three sequential probes (their timelines are not a race): the harmless
/// first 201, the mismatched body the API accepted (the decisive exchange), a GET of the first
/// resource.
pub(crate) fn mismatch_check() -> CheckResult {
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
pub(crate) fn race_evidence() -> Vec<Evidence> {
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
pub(crate) fn failed() -> Report {
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
        merge: None,
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
