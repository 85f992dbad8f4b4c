//! Merging split reports: exact percentiles of the union, thresholds judged again on the merged
//! figures, checks united, and each refusal with its message.

use std::path::PathBuf;

use super::*;
use crate::metrics::LatencyHistogram;
use crate::report::model::*;

/// A minimal segment report whose overall and `r` histograms hold `samples_ms`.
fn segment(index: u32, count: u32, samples_ms: &[f64]) -> Input {
    let mut h = LatencyHistogram::new();
    for s in samples_ms {
        h.record(std::time::Duration::from_secs_f64(s / 1000.0));
    }
    let n = samples_ms.len() as u64;
    let text = h.to_base64();
    let report: Report = serde_json::from_value(serde_json::json!({
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "loadproof", "version": "0"},
        "scenario": {"name": "s", "file": null, "target": "http://127.0.0.1:1"},
        "started_at": "2026-12-01T10:00:00.000Z",
        "finished_at": "2026-12-01T10:00:02.000Z",
        "segment": {"index": index, "count": count},
        "outcome": "pass", "outcome_reason": null, "exit_code": 0,
        "interrupted": false, "interrupted_phase": null,
        "load": {"mode": "open", "protocol": "http1", "connections": 5, "threads": 1,
                 "planned_duration_s": 2.0, "max_requests": null, "rate": 50.0, "users": null,
                 "timeout_s": 10.0},
        "warmup": null,
        "totals": {"requests": n, "responses": n, "errors": 0, "request_errors": 0,
                   "failed_expectations": 0, "error_rate": 0.0, "rps": 0.0, "elapsed_s": 2.0,
                   "bytes_received": 0, "bodies_truncated": 0, "load_phase_s": 2.0,
                   "kept_bodies_truncated": 0},
        "latency_ms": crate::metrics::LatencySummary::from(&h),
        "open_loop": {"due": n, "sent_on_time": n, "sent_late": 0, "not_sent": 0,
                      "late_after_ms": 5.0},
        "status_codes": {"200": n}, "status_classes": [], "errors_by_kind": {},
        "error_samples": [],
        "requests": [{"name": "r", "method": "GET", "requests": n, "responses": n, "errors": 0,
                      "request_errors": 0, "failed_expectations": 0, "rps": 0.0,
                      "latency_ms": crate::metrics::LatencySummary::from(&h),
                      "status_codes": {"200": n}, "errors_by_kind": {}}],
        "series": [{"second": 0, "count": n, "errors": 0, "p50_ms": 1.0, "p99_ms": 2.0}],
        "checks": [{"id": "EXPECT-r", "status": "pass", "message": "ok", "count": n, "evidence": []}],
        "thresholds": [{"metric": "p99", "request": null, "op": "<=", "limit": 50.0,
                        "actual": h.percentile_ms(99.0), "unit": "ms", "passed": true,
                        "source": "scenario"}],
        "histograms": {"encoding": "hdr-v2-deflate-base64", "unit": "us", "overall": text,
                       "requests": {"r": text}}
    }))
    .expect("a valid report");
    Input {
        origin: PathBuf::from(format!("seg{index}")),
        report,
    }
}

#[test]
fn merged_percentiles_are_the_unions_and_a_merged_threshold_can_breach() {
    // Three segments each with 1% slow samples stay under p99 <= 50 ms alone... and one
    // segment whose tail is far above the others: merged, the union's p99 is what counts.
    let fast: Vec<f64> = (0..99)
        .map(|i| 1.0 + f64::from(i) * 0.01)
        .chain([40.0])
        .collect();
    let slow: Vec<f64> = (0..96).map(|_| 2.0).chain([400.0; 4]).collect();
    let inputs = [
        segment(0, 3, &fast),
        segment(1, 3, &fast),
        segment(2, 3, &slow),
    ];
    let mut union = LatencyHistogram::new();
    for s in fast.iter().chain(&fast).chain(&slow) {
        union.record(std::time::Duration::from_secs_f64(s / 1000.0));
    }
    let m = merge(&inputs, false).unwrap();
    assert_eq!(m.totals.requests, 300);
    for p in [50.0, 90.0, 99.0, 99.9] {
        let got = LatencyHistogram::from_base64(&m.histograms.overall)
            .unwrap()
            .percentile_ms(p);
        assert_eq!(got, union.percentile_ms(p), "p{p}");
    }
    assert_eq!(m.latency_ms, crate::metrics::LatencySummary::from(&union));
    assert_eq!(m.requests[0].latency_ms, m.latency_ms);
    // Segments 0 and 1 pass p99 <= 50 ms (their p99 is 40 ms); merged, 4 of 300 samples are
    // 400 ms, so the p99 of the union is 400 ms: a breach no segment showed alone.
    assert!(inputs[0].report.thresholds[0].passed);
    assert!(!m.thresholds[0].passed, "{:?}", m.thresholds[0]);
    assert_eq!(m.outcome, Outcome::ThresholdBreached);
    assert_eq!(m.exit_code, 5);
    let info = m.merge.as_ref().unwrap();
    assert_eq!((info.segments, info.start_skew_ms), (3, 0.0));
    assert_eq!(m.series[0].count, 300);
    // A second's percentiles cannot be added: the merge keeps the highest, an upper bound.
    assert_eq!((m.series[0].p50_ms, m.series[0].p99_ms), (1.0, 2.0));
    assert_eq!(
        m.series[0].due,
        Some(0),
        "open loop: the open-loop fields are present"
    );
    assert_eq!(m.open_loop.as_ref().unwrap().counts.due, 300);
    assert_eq!(m.load.rate, Some(150.0));
}

#[test]
fn a_finding_in_any_segment_is_a_finding_and_other_segments_skips_give_way() {
    let mut a = segment(0, 2, &[1.0]);
    let mut b = segment(1, 2, &[1.0]);
    b.report.checks[0].status = CheckStatus::Fail;
    b.report.checks[0].message = "1 of 1 responses missed".into();
    a.report.checks.push(CheckResult {
        id: "IDEM-*".into(),
        status: CheckStatus::Skip,
        message: format!("{} 1/2", crate::checks::OTHER_SEGMENT),
        count: 0,
        evidence: vec![],
    });
    b.report.checks.push(CheckResult {
        id: "IDEM-01".into(),
        status: CheckStatus::Pass,
        message: "one order".into(),
        count: 1,
        evidence: vec![],
    });
    let m = merge(&[b, a], false).unwrap();
    let ids: Vec<(&str, CheckStatus)> =
        m.checks.iter().map(|c| (c.id.as_str(), c.status)).collect();
    assert_eq!(
        ids,
        [
            ("EXPECT-r", CheckStatus::Fail),
            ("IDEM-01", CheckStatus::Pass)
        ]
    );
    assert_eq!(
        m.checks[0].message,
        "1 of 1 responses missed (segment 1 of 2)"
    );
    assert_eq!(m.exit_code, 4);
}

#[test]
fn refusals_name_the_files() {
    let err = |inputs: &[Input]| merge(inputs, false).unwrap_err().0;
    let e = err(&[segment(0, 3, &[1.0]), segment(2, 3, &[1.0])]);
    assert_eq!(e, "missing segments: 1/3 (have 0/3 (seg0), 2/3 (seg2))");
    let mut dup = segment(0, 2, &[1.0]);
    dup.origin = PathBuf::from("again");
    let e = err(&[segment(0, 2, &[1.0]), dup, segment(1, 2, &[1.0])]);
    assert_eq!(e, "overlapping segments: segment 0/2 in seg0 and again");
    let mut other = segment(1, 2, &[1.0]);
    other.report.scenario.name = "t".into();
    other.report.load.mode = "closed".into();
    let e = err(&[segment(0, 2, &[1.0]), other]);
    assert!(
        e.contains("different scenarios: seg0 ran \"s\", seg1 ran \"t\""),
        "{e}"
    );
    assert!(
        e.contains("different load models: seg0 is open loop"),
        "{e}"
    );
    let e = err(&[segment(0, 2, &[1.0]), segment(1, 3, &[1.0])]);
    assert!(
        e.contains("different splits: seg0 is segment 0/2, seg1 is 1/3"),
        "{e}"
    );
    let mut whole = segment(0, 1, &[1.0]);
    whole.report.segment = None;
    assert!(err(&[whole]).starts_with("not a segment of a split run"));
}
