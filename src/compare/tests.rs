//! Comparisons of reports built in memory, in the oldest (1.0) shape of `report.json`: loading,
//! refusal, verdicts and rendering. No network.

use std::time::Duration;

use serde_json::json;

use super::noise::LineVerdict;
use super::*;
use crate::metrics::{LatencyHistogram, LatencySummary};

/// `n` latencies spread evenly over `median ± 30 %` (deterministic), in ms.
fn latencies(median: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| median * (0.7 + 0.6 * (i as f64 + 0.5) / n as f64))
        .collect()
}

fn hist(ms: &[f64]) -> LatencyHistogram {
    let mut h = LatencyHistogram::new();
    for &m in ms {
        h.record(Duration::from_secs_f64(m / 1000.0));
    }
    h
}

/// A report as schema 1.0 wrote it (no field added since), for a run of `seconds` seconds with
/// `per_second` responses each, of one request `list`, all at `median` ms ± 30 %.
fn report_json(
    name: &str,
    rate: f64,
    median: f64,
    seconds: u64,
    per_second: u64,
) -> serde_json::Value {
    let n = (seconds * per_second) as usize;
    let h = hist(&latencies(median, n));
    let summary = serde_json::to_value(LatencySummary::from(&h)).unwrap();
    let series: Vec<_> = (0..seconds)
        .map(|s| {
            // A little drift from second to second, as in any run.
            let wobble = 1.0 + 0.02 * ((s % 3) as f64 - 1.0);
            json!({"second": s, "count": per_second, "errors": 0,
                   "p50_ms": median * wobble, "p99_ms": median * 1.29 * wobble})
        })
        .collect();
    let rps = per_second as f64;
    json!({
        "schema_version": "1.0.0",
        "tool": {"name": "loadproof", "version": "0.1.0"},
        "scenario": {"name": name, "file": format!("scenarios/{name}.toml"), "target": "http://127.0.0.1:1"},
        "started_at": "2026-11-30T00:00:00Z", "finished_at": "2026-11-30T00:00:10Z",
        "outcome": "pass", "exit_code": 0, "interrupted": false,
        "load": {"mode": "open", "protocol": "http1", "connections": 10, "threads": 1,
                 "planned_duration_s": seconds as f64, "max_requests": null, "rate": rate,
                 "users": null, "timeout_s": 5.0},
        "totals": {"requests": n, "responses": n, "errors": 0, "request_errors": 0,
                   "failed_expectations": 0, "error_rate": 0.0, "rps": rps,
                   "elapsed_s": seconds as f64, "bytes_received": 0, "bodies_truncated": 0},
        "latency_ms": summary,
        "open_loop": null,
        "status_codes": {"200": n}, "status_classes": [], "errors_by_kind": {},
        "error_samples": [],
        "requests": [{"name": "list", "method": "GET", "requests": n, "responses": n,
                      "errors": 0, "request_errors": 0, "failed_expectations": 0, "rps": rps,
                      "latency_ms": summary, "status_codes": {"200": n}, "errors_by_kind": {}}],
        "series": series,
        "checks": [], "thresholds": [],
        "histograms": {"encoding": "hdr-v2-deflate-base64", "unit": "us",
                       "overall": h.to_base64(), "requests": {"list": h.to_base64()}}
    })
}

fn loaded(v: serde_json::Value) -> Loaded {
    let report: Report = serde_json::from_value(v).expect("a 1.0 report deserializes");
    from_report("r/report.json".into(), report).unwrap()
}

fn run(base: &Loaded, new: &Loaded) -> Comparison {
    compare(
        base,
        new,
        &CompareSpec::default(),
        &CompareSpec::default(),
        Comparability::Strict,
    )
    .unwrap()
}

fn verdict_of(c: &Comparison, scope: &str, metric: BudgetMetric) -> LineVerdict {
    c.lines
        .iter()
        .find(|l| l.scope == scope && l.metric == metric)
        .unwrap()
        .verdict
}

#[test]
fn the_same_run_twice_is_no_regression_and_a_slower_one_is() {
    let base = loaded(report_json("s", 100.0, 20.0, 5, 100));
    let same = loaded(report_json("s", 100.0, 20.3, 5, 100));
    let c = run(&base, &same);
    assert_eq!(c.verdict, Verdict::NoRegression, "{}", render::text(&c));
    assert_eq!(c.exit_code(), 0);
    // Every metric of the whole run and of the request, once each.
    assert_eq!(c.lines.len(), 2 * BudgetMetric::ALL.len());

    let slow = loaded(report_json("s", 100.0, 30.0, 5, 100));
    let c = run(&base, &slow);
    assert_eq!(c.verdict, Verdict::Regression, "{}", render::text(&c));
    assert_eq!(c.exit_code(), 5);
    for scope in ["all", "list"] {
        assert_eq!(
            verdict_of(&c, scope, BudgetMetric::P50),
            LineVerdict::Regression
        );
        assert_eq!(
            verdict_of(&c, scope, BudgetMetric::P99),
            LineVerdict::Regression
        );
        // No budget on max by default: a change, never a regression.
        assert_ne!(
            verdict_of(&c, scope, BudgetMetric::Max),
            LineVerdict::Regression
        );
    }
    let back = run(&slow, &base);
    assert_eq!(
        verdict_of(&back, "all", BudgetMetric::P50),
        LineVerdict::Improvement
    );
}

#[test]
fn a_budget_beyond_the_change_lets_it_pass() {
    let base = loaded(report_json("s", 100.0, 20.0, 5, 100));
    let slow = loaded(report_json("s", 100.0, 30.0, 5, 100));
    let flags = budget::from_flags(&[
        (BudgetMetric::P50, Some("60%")),
        (BudgetMetric::P90, Some("13ms")),
        (BudgetMetric::P99, Some("off")),
    ])
    .unwrap();
    let c = compare(
        &base,
        &slow,
        &flags,
        &CompareSpec::default(),
        Comparability::Strict,
    )
    .unwrap();
    assert_eq!(c.verdict, Verdict::NoRegression, "{}", render::text(&c));
}

#[test]
fn too_short_runs_are_never_a_regression() {
    // One second each: the drift between runs cannot be estimated.
    let base = loaded(report_json("s", 100.0, 20.0, 1, 100));
    let slow = loaded(report_json("s", 100.0, 30.0, 1, 100));
    let c = run(&base, &slow);
    assert_eq!(c.verdict, Verdict::NoRegression);
    let p50 = c
        .lines
        .iter()
        .find(|l| l.metric == BudgetMetric::P50)
        .unwrap();
    assert_eq!(p50.verdict, LineVerdict::Noise);
    assert!(
        p50.note.as_deref().unwrap().contains("full seconds"),
        "{p50:?}"
    );
}

#[test]
fn different_scenarios_or_load_models_are_refused_unless_forced() {
    let base = loaded(report_json("s", 100.0, 20.0, 5, 100));
    let other = loaded(report_json("t", 200.0, 20.0, 5, 100));
    let diffs = compare(
        &base,
        &other,
        &CompareSpec::default(),
        &CompareSpec::default(),
        Comparability::Strict,
    )
    .unwrap_err();
    assert_eq!(
        diffs,
        vec![
            "scenario name: \"s\" (base) vs \"t\" (new)".to_string(),
            "scenario file: \"s.toml\" (base) vs \"t.toml\" (new)".to_string(),
            "rate: 100 req/s (base) vs 200 req/s (new)".to_string(),
        ]
    );
    let message = refusal(&diffs, "pass --force");
    assert!(
        message.contains("rate: 100 req/s (base) vs 200 req/s (new)"),
        "{message}"
    );
    let forced = compare(
        &base,
        &other,
        &CompareSpec::default(),
        &CompareSpec::default(),
        Comparability::Forced,
    )
    .unwrap();
    assert_eq!(forced.forced, diffs);
    assert!(render::text(&forced).contains("Forced     compared despite: scenario name"));
}

#[test]
fn a_request_in_one_run_only_is_not_applicable() {
    let base = loaded(report_json("s", 100.0, 20.0, 5, 100));
    let mut v = report_json("s", 100.0, 20.0, 5, 100);
    v["requests"][0]["name"] = json!("other");
    let h = v["histograms"]["requests"]["list"].take();
    v["histograms"]["requests"] = json!({ "other": h });
    let c = run(&base, &loaded(v));
    assert_eq!(
        verdict_of(&c, "list", BudgetMetric::P50),
        LineVerdict::NotApplicable
    );
    assert_eq!(
        verdict_of(&c, "other", BudgetMetric::P50),
        LineVerdict::NotApplicable
    );
    assert_eq!(c.verdict, Verdict::NoRegression);
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("loadproof-compare-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_run_folder_or_its_report_loads_and_anything_else_is_named() {
    let dir = scratch("load");
    let v = report_json("s", 100.0, 20.0, 5, 100);
    std::fs::write(dir.join("report.json"), v.to_string()).unwrap();
    assert_eq!(load(&dir).unwrap().report.scenario.name, "s");
    assert_eq!(
        load(&dir.join("report.json")).unwrap().path,
        dir.join("report.json")
    );

    let missing = load(&dir.join("nope")).unwrap_err();
    assert!(
        missing.contains("nope") && missing.contains("hint: give a run folder"),
        "{missing}"
    );
    std::fs::write(dir.join("scenario.toml"), "name = 1").unwrap();
    let e = load(&dir.join("scenario.toml")).unwrap_err();
    assert!(
        e.contains("scenario.toml: not a loadproof report (not JSON"),
        "{e}"
    );
    std::fs::write(dir.join("other.json"), "{\"a\": 1}").unwrap();
    let e = load(&dir.join("other.json")).unwrap_err();
    assert!(e.contains("no schema_version"), "{e}");
    let mut newer = v.clone();
    newer["schema_version"] = json!("2.0.0");
    std::fs::write(dir.join("newer.json"), newer.to_string()).unwrap();
    let e = load(&dir.join("newer.json")).unwrap_err();
    assert!(e.contains("schema 2.0.0"), "{e}");
    let mut broken = v;
    broken["histograms"]["overall"] = json!("not base64!");
    std::fs::write(dir.join("broken.json"), broken.to_string()).unwrap();
    let e = load(&dir.join("broken.json")).unwrap_err();
    assert!(e.contains("overall histogram"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn markdown_leads_with_the_verdict_then_the_table() {
    let base = loaded(report_json("s", 100.0, 20.0, 5, 100));
    let slow = loaded(report_json("s", 100.0, 30.0, 5, 100));
    let md = render::markdown(&run(&base, &slow));
    let first = md.lines().next().unwrap();
    assert!(
        first.starts_with("**loadproof compare: regression**: p50 (all) +"),
        "{first}"
    );
    assert!(md.contains("| scope | metric | base | new |"), "{md}");
    assert!(md.contains("**regression**"), "{md}");
    let text = render::text(&run(&base, &base));
    assert!(
        text.contains("Compare    no regression: every change within the budget (exit 0)"),
        "{text}"
    );
    assert!(text.contains("Budget     p50 +10% (default)"), "{text}");
    let json: serde_json::Value = serde_json::from_str(&render::json(&run(&base, &slow))).unwrap();
    assert_eq!(json["verdict"], "regression");
    assert_eq!(json["lines"][0]["metric"], "p50");
    assert_eq!(json["lines"][0]["unit"], "ms");
    assert_eq!(json["lines"][6]["unit"], "req/s");
    assert_eq!(json["budget"][0]["limit"]["kind"], "percent");
}

#[test]
fn the_html_fragment_escapes_the_reports_words_and_marks_verdicts_in_words() {
    let name = "<script>alert(1)</script>";
    let base = loaded(report_json(name, 100.0, 20.0, 5, 100));
    let slow = loaded(report_json(name, 100.0, 30.0, 5, 100));
    let html = render::html(&run(&base, &slow));
    assert!(!html.contains("<script>"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(
        html.starts_with(
            r#"<p class="comparison-verdict"><strong class="st fail">regression</strong>"#
        ),
        "{html}"
    );
    // One row per line, the regression said in words (not only in colour).
    let c = run(&base, &slow);
    assert_eq!(html.matches("<tr>").count(), 1 + c.lines.len());
    assert!(
        html.contains(r#"<span class="st fail">regression</span>"#),
        "{html}"
    );
    let same = render::html(&run(&base, &base));
    assert!(same.contains(">no regression</strong>"), "{same}");
}
