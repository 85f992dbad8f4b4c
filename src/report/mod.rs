//! Reports: building the one `Report` value from a plan and what the engine observed, and writing
//! it out. `model.rs` is the shape; each writer (`json`, `csv`, `text`) renders it and nothing else.

pub mod csv;
mod expect;
pub mod flows;
pub mod hgrm;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod model;
pub mod outdir;
pub mod series_csv;
pub mod text;
pub mod thresholds;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod golden_tests;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::metrics::LatencySummary;
use crate::metrics::stats::{ErrorKind, LATE_AFTER, Observed, RequestStats, per_second};
use crate::plan::{LoadMode, RunPlan};
use crate::scenario::{Body, JsonTemplate, Part, Protocol, RequestSpec, Template};
use model::*;

impl Report {
    /// Assemble the report. `checks` are the verdicts of the conformance checks (if any ran), in
    /// catalog order.
    pub fn build(plan: &RunPlan, observed: &Observed, mut checks: Vec<CheckResult>) -> Report {
        let r = &plan.redactor;
        let overall = observed.overall();
        let elapsed_s = observed.elapsed.as_secs_f64();
        let request_errors = overall.error_total();
        let errors = request_errors + overall.expectation_failures;
        // Over the load phase's length, not the time to the last response (issue 12, defect 9).
        let rps = |n: u64| per_second(n, observed.load_phase);
        let rate = |e: u64, n: u64| if n == 0 { 0.0 } else { e as f64 / n as f64 };

        let requests: Vec<RequestReport> = plan
            .requests
            .iter()
            .zip(&observed.requests)
            .map(|(spec, s)| RequestReport {
                name: spec.name.clone(),
                method: spec.method.clone(),
                requests: s.sent,
                responses: s.responses,
                errors: s.error_total() + s.expectation_failures,
                request_errors: s.error_total(),
                failed_expectations: s.expectation_failures,
                rps: rps(s.sent),
                latency_ms: LatencySummary::from(&s.hist),
                status_codes: status_codes(s),
                errors_by_kind: errors_by_kind(s),
                kept_bodies_truncated: s.kept_bodies_truncated,
                unjudged_expectations: s.expectation_unjudged,
            })
            .collect();

        let mut error_samples = Vec::new();
        for (spec, s) in plan.requests.iter().zip(&observed.requests) {
            for (kind, sample) in &s.error_samples {
                error_samples.push(ErrorSample {
                    request: spec.name.clone(),
                    kind: kind.name().into(),
                    method: sample.method.clone(),
                    url: r.text(&sample.url),
                    message: r.text(&sample.message),
                });
            }
        }

        // Per-request expectations are checks too: a miss is a finding with evidence. They go
        // after the families' checks, by ID.
        let families_end = checks.len();
        for (spec, s) in plan.requests.iter().zip(&observed.requests) {
            checks.extend(expect::check(plan, spec, s, overall.sent));
        }

        // Load-phase evidence names its request; the scenario has what it takes to reproduce it.
        for e in checks.iter_mut().flat_map(|c| c.evidence.iter_mut()) {
            if let (None, Some(name), Some(method), Some(url)) =
                (&e.curl, &e.request, &e.method, &e.url)
                && let Some(spec) = plan.requests.iter().find(|q| &q.name == name)
            {
                e.curl = Some(curl(plan, spec, method, url));
            }
        }
        // The in-process reference API is gone after the run: its port would reproduce nothing.
        if plan.target == crate::scenario::Target::Reference {
            for c in checks.iter_mut().flat_map(|c| c.evidence.iter_mut()) {
                if let Some(line) = &c.curl {
                    c.curl = Some(crate::verdict::curl_for_reference(line, &observed.base_url));
                }
            }
        }

        checks[families_end..].sort_by(|a, b| a.id.cmp(&b.id));
        let latency = LatencySummary::from(&overall.hist);
        let mut threshold_results = Vec::new();
        for t in &plan.thresholds {
            let stats = match &t.request {
                Some(name) => match plan.requests.iter().position(|q| &q.name == name) {
                    Some(i) => &observed.requests[i],
                    None => continue,
                },
                None => &overall,
            };
            let summary = LatencySummary::from(&stats.hist);
            let pct = |p: f64| stats.hist.percentile_ms(p);
            threshold_results.push(thresholds::evaluate(
                t,
                thresholds::Figures {
                    latency: &summary,
                    percentile: &pct,
                    error_rate: rate(stats.error_total() + stats.expectation_failures, stats.sent),
                    not_sent_rate: observed.open_loop.map(|c| rate(c.not_sent, c.due)),
                    rps: rps(stats.sent),
                    responses: stats.responses,
                },
            ));
        }

        let flows = flows::flows(plan, observed);
        let data = flows::data(plan, observed);
        let (outcome, outcome_reason) = decide_outcome(
            observed.interrupted,
            &checks,
            &threshold_results,
            plan.checks.fail_on_warn,
            (overall.sent, overall.responses),
            flows::exhausted_reason(&data).as_deref(),
        );

        let class_names = ["1xx", "2xx", "3xx", "4xx", "5xx"];
        let status_classes = observed
            .by_class
            .iter()
            .zip(class_names)
            .filter(|(h, _)| !h.is_empty())
            .map(|(h, c)| StatusClass {
                class: c.into(),
                count: h.count(),
                latency_ms: LatencySummary::from(h),
            })
            .collect();

        let finished = observed.started_at + observed.elapsed;
        Report {
            schema_version: SCHEMA_VERSION.into(),
            tool: Tool {
                name: "loadproof".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            scenario: ScenarioInfo {
                name: plan.name.clone(),
                file: plan.scenario_file.as_ref().map(|p| p.display().to_string()),
                target: r.text(&observed.base_url),
            },
            started_at: rfc3339(observed.started_at),
            finished_at: rfc3339(finished),
            planned_start_at: plan.start_at.map(rfc3339),
            segment: (!plan.segment.is_whole()).then_some(SegmentInfo {
                index: plan.segment.index,
                count: plan.segment.count,
            }),
            merge: None,
            outcome,
            outcome_reason,
            exit_code: outcome.exit_code(),
            interrupted: observed.interrupted.is_some(),
            interrupted_phase: observed.interrupted,
            load: load_info(plan),
            warmup: plan
                .load
                .warmup
                .as_ref()
                .zip(observed.warmup.as_ref())
                .map(|(w, s)| WarmupReport {
                    duration_s: w.duration.as_secs_f64(),
                    requests: s.sent,
                    responses: s.responses,
                    request_errors: s.error_total(),
                    errors_by_kind: errors_by_kind(s),
                }),
            totals: Totals {
                requests: overall.sent,
                responses: overall.responses,
                errors,
                request_errors,
                failed_expectations: overall.expectation_failures,
                error_rate: rate(errors, overall.sent),
                rps: rps(overall.sent),
                elapsed_s,
                load_phase_s: observed.load_phase.as_secs_f64(),
                kept_bodies_truncated: overall.kept_bodies_truncated,
                bytes_received: overall.bytes_received,
                bodies_truncated: overall.body_truncated,
            },
            latency_ms: latency,
            open_loop: observed.open_loop.map(|counts| OpenLoop {
                counts,
                late_after_ms: LATE_AFTER.as_secs_f64() * 1000.0,
                send_delay_ms: observed
                    .send_delay
                    .as_ref()
                    .map(LatencySummary::from)
                    .unwrap_or_default(),
            }),
            backoff: observed.backoff.map(|b| BackoffReport {
                count: b.count,
                total_s: b.total.as_secs_f64(),
            }),
            status_codes: status_codes(&overall),
            status_classes,
            errors_by_kind: errors_by_kind(&overall),
            error_samples,
            requests,
            flows,
            data,
            series: observed.series.clone(),
            checks,
            thresholds: threshold_results,
            histograms: Histograms {
                encoding: "hdr-v2-deflate-base64".into(),
                unit: "us".into(),
                overall: overall.hist.to_base64(),
                requests: plan
                    .requests
                    .iter()
                    .zip(&observed.requests)
                    .map(|(spec, s)| (spec.name.clone(), s.hist.to_base64()))
                    .collect(),
                by_class: observed
                    .by_class
                    .iter()
                    .zip(["1xx", "2xx", "3xx", "4xx", "5xx"])
                    .filter(|(h, _)| !h.is_empty())
                    .map(|(h, c)| (c.to_string(), h.to_base64()))
                    .collect(),
                send_delay: observed.send_delay.as_ref().map(|h| h.to_base64()),
            },
        }
    }

    pub fn exit_code(&self) -> i32 {
        self.exit_code
    }

    /// A stop that arrived while this report was being written: the figures are complete, but
    /// the run was still interrupted, and the report (rewritten) says so.
    pub fn mark_interrupted_while_writing(&mut self) {
        self.interrupted = true;
        self.interrupted_phase = Some(Phase::Report);
        self.outcome = Outcome::Interrupted;
        self.outcome_reason = Some(interruption_reason(Phase::Report).into());
        self.exit_code = self.outcome.exit_code();
    }
}

/// The run's verdict and, unless it is a pass, one line saying why. The order is the exit-code
/// contract: an interruption outranks findings, a failed check outranks everything else, a run
/// that measured nothing (no request sent, or none answered) is inconclusive whatever its
/// thresholds say, a breached threshold outranks an unproven pass, and only a run that showed
/// what it claims passes.
pub fn decide_outcome(
    interrupted: Option<Phase>,
    checks: &[CheckResult],
    thresholds: &[ThresholdResult],
    fail_on_warn: bool,
    (sent, responses): (u64, u64),
    data_exhausted: Option<&str>,
) -> (Outcome, Option<String>) {
    let ids = |keep: &dyn Fn(&CheckResult) -> bool| {
        let ids: Vec<&str> = checks
            .iter()
            .filter(|c| keep(c))
            .map(|c| c.id.as_str())
            .collect();
        (!ids.is_empty()).then(|| ids.join(", "))
    };
    if let Some(phase) = interrupted {
        return (
            Outcome::Interrupted,
            Some(interruption_reason(phase).into()),
        );
    }
    let failing =
        ids(&|c| c.status == CheckStatus::Fail || (fail_on_warn && c.status == CheckStatus::Warn));
    if let Some(ids) = failing {
        return (Outcome::CheckFailed, Some(format!("failed: {ids}")));
    }
    // A unique feeder that ran out cut the load short of what the scenario asks for: a pass or
    // a breach on the load that was offered would not answer the question the scenario asks.
    if let Some(why) = data_exhausted {
        return (Outcome::Inconclusive, Some(why.to_string()));
    }
    // Nothing measured outranks a breach: a run with no response says nothing of the target's
    // latency or throughput, and "no answer at all" is the finding a user must see first.
    if sent == 0 {
        return (
            Outcome::Inconclusive,
            Some(
                "the load phase sent no request (none fell due in it): nothing was measured".into(),
            ),
        );
    }
    if sent > 0 && responses == 0 {
        return (
            Outcome::Inconclusive,
            Some(format!(
                "none of {sent} requests got a response: nothing was measured"
            )),
        );
    }
    let breached: Vec<String> = thresholds
        .iter()
        .filter(|t| !t.passed)
        .map(|t| match &t.request {
            Some(r) => format!("{} ({r})", t.bound()),
            None => t.bound(),
        })
        .collect();
    if !breached.is_empty() {
        return (
            Outcome::ThresholdBreached,
            Some(format!("breached: {}", breached.join(", "))),
        );
    }
    if let Some(ids) = ids(&|c| c.status == CheckStatus::Error) {
        return (
            Outcome::Inconclusive,
            Some(format!("could not gather evidence: {ids}")),
        );
    }
    (Outcome::Pass, None)
}

fn interruption_reason(phase: Phase) -> &'static str {
    match phase {
        Phase::Warmup => "stopped by a signal during the warm-up: nothing was measured",
        Phase::Load => {
            "stopped by a signal during the load phase; the report holds what was measured until then"
        }
        Phase::Checks => {
            "stopped by a signal during the checks; the load phase is complete, and the checks \
             that did not finish are skipped"
        }
        Phase::Report => {
            "a signal arrived while the reports were being written; everything measured is in them"
        }
    }
}

/// `reset ×3, timeout ×1`: request errors by kind, for one-line messages.
fn kinds_text(kinds: &BTreeMap<String, u64>) -> String {
    kinds
        .iter()
        .map(|(k, n)| format!("{k} ×{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn status_codes(s: &RequestStats) -> BTreeMap<String, u64> {
    s.status.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

fn errors_by_kind(s: &RequestStats) -> BTreeMap<String, u64> {
    ErrorKind::ALL
        .iter()
        .filter(|k| s.errors[k.index()] > 0)
        .map(|k| (k.name().to_string(), s.errors[k.index()]))
        .collect()
}

fn load_info(plan: &RunPlan) -> LoadInfo {
    let l = &plan.load;
    let (rate, users, stages) = match &l.mode {
        LoadMode::Open(s) => (
            Some(s.start_rate()),
            None,
            s.stages()
                .into_iter()
                .map(|(len, rate)| RateStage {
                    duration_s: len.is_finite().then_some(len),
                    rate,
                })
                .collect(),
        ),
        LoadMode::Closed { .. } => (None, Some(l.mode.max_users()), Vec::new()),
    };
    LoadInfo {
        mode: l.mode.name().into(),
        protocol: match l.protocol {
            Protocol::Http1 => "http1",
            Protocol::Http2 => "http2",
            Protocol::H2c => "h2c",
        }
        .into(),
        connections: l.connections,
        threads: l.threads,
        planned_duration_s: l.duration.as_secs_f64(),
        max_requests: l.max_requests,
        rate,
        users,
        timeout_s: l.timeout.as_secs_f64(),
        stages,
    }
}

fn rfc3339(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}

/// A `curl` command that reproduces a load-phase request from the scenario: method, URL, the
/// scenario's headers and body, with secrets masked and per-request placeholders shown as
/// `<uuid>`, `<seq>`, `<rand.int>` (their values were not kept: that would cost the hot path).
fn curl(plan: &RunPlan, spec: &RequestSpec, method: &str, url: &str) -> String {
    let mut headers: Vec<(&str, String)> = spec
        .headers
        .iter()
        .map(|(name, value)| (name.as_str(), shown_template(value)))
        .collect();
    // The engine sends a `json` body as application/json unless the scenario sets a type;
    // without it, curl would send `--data-binary` as a form and the request would not reproduce.
    if matches!(spec.body, Body::Json(_))
        && !headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
    {
        headers.push(("content-type", "application/json".to_string()));
    }
    let body = match &spec.body {
        Body::None => None,
        Body::Raw(t) => Some(shown_template(t)),
        Body::Json(j) => Some(shown_json(j).to_string()),
    };
    crate::verdict::curl(method, url, headers, body.as_deref(), &plan.redactor)
}

/// A template as evidence shows it: literals as they are, secrets masked, placeholders named.
fn shown_template(t: &Template) -> String {
    let mut text = String::new();
    for p in &t.parts {
        match p {
            Part::Lit(s) => text.push_str(s),
            Part::Secret(_) => text.push_str(crate::redact::MASK),
            Part::Uuid => text.push_str("<uuid>"),
            Part::Seq => text.push_str("<seq>"),
            Part::RandInt { .. } => text.push_str("<rand.int>"),
            Part::Flow { .. } => text.push_str("<flow>"),
            Part::Data { .. } => text.push_str("<data>"),
        }
    }
    text
}

fn shown_json(j: &JsonTemplate) -> serde_json::Value {
    use serde_json::Value;
    match j {
        JsonTemplate::Null => Value::Null,
        JsonTemplate::Bool(b) => Value::Bool(*b),
        JsonTemplate::Number(n) => Value::Number(n.clone()),
        JsonTemplate::String(t) => Value::String(shown_template(t)),
        JsonTemplate::Array(items) => Value::Array(items.iter().map(shown_json).collect()),
        JsonTemplate::Object(members) => Value::Object(
            members
                .iter()
                .map(|(k, v)| (k.clone(), shown_json(v)))
                .collect(),
        ),
    }
}

/// A report file that could not be written (exit 3, with the path).
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}", path.display())]
pub struct WriteError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

/// Write every report file into `dir`. Each file is written under a temporary name and renamed,
/// so a reader never sees a half-written report presented as complete.
/// `fail_on_warn` decides whether JUnit shows warnings as failures (as the exit code does).
/// `comparison_html` is a comparison with a baseline, already rendered (by `compare`, which sits
/// above this module), for report.html.
pub fn write_all(
    report: &Report,
    dir: &Path,
    fail_on_warn: bool,
    comparison_html: Option<&str>,
) -> Result<Vec<PathBuf>, WriteError> {
    std::fs::create_dir_all(dir).map_err(|source| WriteError {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("report.json".into(), json::render(report)),
        ("report.html".into(), html::render(report, comparison_html)),
        ("summary.csv".into(), csv::render(report)),
        ("series.csv".into(), series_csv::render(report)),
        (
            "report.junit.xml".into(),
            junit::render(report, fail_on_warn),
        ),
        ("summary.md".into(), markdown::render(report)),
    ];
    files.extend(hgrm_files(report));
    let mut written = Vec::new();
    for (name, bytes) in files {
        let path = dir.join(&name);
        let tmp = dir.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, &bytes)
            .and_then(|()| std::fs::rename(&tmp, &path))
            .map_err(|source| {
                let _ = std::fs::remove_file(&tmp);
                WriteError {
                    path: path.clone(),
                    source,
                }
            })?;
        written.push(path);
    }
    Ok(written)
}

/// `latency.hgrm` for the whole run and `latency-<request>.hgrm` per request, decoded from the
/// report's own histograms (the one value every writer renders). A histogram that does not
/// decode (it was written by this run, so only a bug could cause it) is left out, not guessed.
fn hgrm_files(report: &Report) -> Vec<(String, Vec<u8>)> {
    let h = &report.histograms;
    let decode = |text: &str| crate::metrics::LatencyHistogram::from_base64(text).ok();
    let mut files = Vec::new();
    if let Some(overall) = decode(&h.overall) {
        files.push(("latency.hgrm".to_string(), hgrm::render(&overall)));
    }
    let names = hgrm::file_names(h.requests.keys().map(String::as_str));
    for (file, text) in names.into_iter().zip(h.requests.values()) {
        if let Some(hist) = decode(text) {
            files.push((file, hgrm::render(&hist)));
        }
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(id: &str, status: CheckStatus) -> CheckResult {
        CheckResult {
            id: id.into(),
            status,
            message: String::new(),
            count: 1,
            evidence: vec![],
        }
    }

    fn threshold(passed: bool) -> ThresholdResult {
        ThresholdResult {
            metric: "p99".into(),
            request: Some("create".into()),
            op: "<=".into(),
            limit: 500.0,
            actual: 0.0,
            unit: "ms".into(),
            passed,
            note: None,
            source: "scenario".into(),
        }
    }

    #[test]
    fn only_a_run_that_showed_what_it_claims_passes() {
        let pass = [check("RL-01", CheckStatus::Pass)];
        assert_eq!(
            decide_outcome(None, &pass, &[threshold(true)], false, (10, 10), None),
            (Outcome::Pass, None)
        );
        // Every request failed: nothing was measured, so nothing passed.
        let (o, why) = decide_outcome(None, &[], &[], false, (0, 0), None);
        assert_eq!(o, Outcome::Inconclusive, "a run that sent nothing passed");
        assert!(why.unwrap().contains("sent no request"));
        let (o, why) = decide_outcome(None, &[], &[], false, (20, 0), None);
        assert_eq!(o, Outcome::Inconclusive);
        assert!(why.unwrap().contains("none of 20 requests"));
        // A unique data file that ran out: the load asked for was not offered.
        let (o, why) = decide_outcome(
            None,
            &[],
            &[threshold(false)],
            false,
            (10, 10),
            Some("data `users` ran out"),
        );
        assert_eq!(
            (o, why.as_deref()),
            (Outcome::Inconclusive, Some("data `users` ran out"))
        );
        // A check that could not gather its evidence leaves the verdict open.
        let (o, why) = decide_outcome(
            None,
            &[check("PAGE-01", CheckStatus::Error)],
            &[],
            false,
            (10, 10),
            None,
        );
        assert_eq!((o, o.exit_code()), (Outcome::Inconclusive, 3));
        assert_eq!(why.unwrap(), "could not gather evidence: PAGE-01");
        // Skips are not evidence of anything, and not a problem either.
        let skip = [check("IDEM-01", CheckStatus::Skip)];
        assert_eq!(
            decide_outcome(None, &skip, &[], false, (5, 5), None).0,
            Outcome::Pass
        );
    }

    #[test]
    fn a_threshold_without_data_says_why_instead_of_a_figure() {
        let mut t = threshold(true);
        t.actual = 21.094;
        assert_eq!(t.bound(), "p99 <= 500.00 ms");
        assert_eq!(t.measured(), "actual 21.09 ms");
        t.note = Some("no responses to measure a latency on".into());
        assert_eq!(t.measured(), "no responses to measure a latency on");
    }

    #[test]
    fn findings_outrank_open_questions_and_interruption_outranks_all() {
        let mixed = [
            check("ERR-01", CheckStatus::Error),
            check("RL-03", CheckStatus::Fail),
            check("RL-08", CheckStatus::Warn),
        ];
        let (o, why) = decide_outcome(None, &mixed, &[threshold(false)], false, (10, 0), None);
        assert_eq!(
            (o, why.unwrap().as_str()),
            (Outcome::CheckFailed, "failed: RL-03")
        );
        let (o, why) = decide_outcome(None, &mixed, &[], true, (10, 10), None);
        assert_eq!(
            (o, why.unwrap().as_str()),
            (Outcome::CheckFailed, "failed: RL-03, RL-08")
        );
        let (o, why) = decide_outcome(None, &mixed[..1], &[threshold(false)], false, (10, 3), None);
        assert_eq!(
            (o, why.unwrap().as_str()),
            (
                Outcome::ThresholdBreached,
                "breached: p99 <= 500.00 ms (create)"
            )
        );
        // With no response at all, the breach (e.g. the default error_rate) is not the news.
        let (o, why) = decide_outcome(None, &mixed[..1], &[threshold(false)], false, (10, 0), None);
        assert_eq!(o, Outcome::Inconclusive);
        assert!(why.unwrap().contains("none of 10 requests"));
        assert_eq!(
            decide_outcome(
                Some(Phase::Load),
                &mixed,
                &[threshold(false)],
                false,
                (10, 0),
                None
            )
            .0,
            Outcome::Interrupted
        );
    }
}
