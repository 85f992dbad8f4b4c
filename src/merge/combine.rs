//! Field by field, how N segment reports become one: counts are summed, histograms added and
//! their summaries recomputed, series aligned on wall-clock time, checks united, thresholds and
//! the outcome judged again on the merged figures.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use super::Input;
use crate::metrics::series::SeriesPoint;
use crate::metrics::{LatencyHistogram, LatencySummary};
use crate::report::flows::{DataReport, FlowReport};
use crate::report::model::*;
use crate::report::thresholds::{Figures, evaluate};
use crate::scenario::{Bound, Metric, Threshold, ThresholdSource};

/// The merged report of `ordered` (segment order, already checked compatible).
pub(super) fn combine(ordered: &[&Input], fail_on_warn: bool) -> Result<Report, String> {
    let reports: Vec<&Report> = ordered.iter().map(|i| &i.report).collect();
    let first = reports[0];
    let decode = |what: &str, text: &str, origin: &Input| {
        LatencyHistogram::from_base64(text).map_err(|e| {
            format!(
                "{}: the {what} histogram does not decode: {e}",
                origin.origin.display()
            )
        })
    };
    // Histograms: added exactly.
    let mut overall = LatencyHistogram::new();
    let mut per_request: BTreeMap<String, LatencyHistogram> = BTreeMap::new();
    let mut by_class: BTreeMap<String, LatencyHistogram> = BTreeMap::new();
    let mut send_delay: Option<LatencyHistogram> = None;
    for (input, r) in ordered.iter().zip(&reports) {
        overall.merge(&decode("overall", &r.histograms.overall, input)?);
        for (name, text) in &r.histograms.requests {
            let h = decode(&format!("`{name}`"), text, input)?;
            per_request.entry(name.clone()).or_default().merge(&h);
        }
        for (class, text) in &r.histograms.by_class {
            let h = decode(class, text, input)?;
            by_class.entry(class.clone()).or_default().merge(&h);
        }
        if let Some(text) = &r.histograms.send_delay {
            let h = decode("send delay", text, input)?;
            send_delay
                .get_or_insert_with(LatencyHistogram::new)
                .merge(&h);
        }
    }

    let starts: Vec<SystemTime> = reports
        .iter()
        .map(|r| parse_time(&r.started_at))
        .collect::<Result<_, _>>()?;
    let ends: Vec<SystemTime> = reports
        .iter()
        .map(|r| parse_time(&r.finished_at))
        .collect::<Result<_, _>>()?;
    let earliest = *starts.iter().min().expect("at least one report");
    let latest_start = *starts.iter().max().expect("at least one report");
    let latest_end = *ends.iter().max().expect("at least one report");
    let skew = latest_start.duration_since(earliest).unwrap_or_default();
    // The segments run side by side: the merged load phase is the longest of theirs.
    let load_phase_s = reports
        .iter()
        .map(|r| r.totals.load_phase_s)
        .fold(0.0, f64::max);
    let elapsed_s = latest_end
        .duration_since(earliest)
        .unwrap_or_default()
        .as_secs_f64();
    let rps = |n: u64| {
        if load_phase_s > 0.0 {
            n as f64 / load_phase_s
        } else {
            0.0
        }
    };

    let requests = merge_requests(&reports, &per_request, &rps);
    let sum = |f: &dyn Fn(&Report) -> u64| reports.iter().map(|r| f(r)).sum::<u64>();
    let totals = Totals {
        requests: sum(&|r| r.totals.requests),
        responses: sum(&|r| r.totals.responses),
        errors: sum(&|r| r.totals.errors),
        request_errors: sum(&|r| r.totals.request_errors),
        failed_expectations: sum(&|r| r.totals.failed_expectations),
        error_rate: 0.0,
        rps: 0.0,
        elapsed_s,
        bytes_received: sum(&|r| r.totals.bytes_received),
        bodies_truncated: sum(&|r| r.totals.bodies_truncated),
        load_phase_s,
        kept_bodies_truncated: sum(&|r| r.totals.kept_bodies_truncated),
    };
    let totals = Totals {
        error_rate: ratio(totals.errors, totals.requests),
        rps: rps(totals.requests),
        ..totals
    };
    let open_loop = first.open_loop.as_ref().map(|o| OpenLoop {
        counts: OpenLoopCounts {
            due: sum(&|r| r.open_loop.as_ref().map_or(0, |o| o.counts.due)),
            sent_on_time: sum(&|r| r.open_loop.as_ref().map_or(0, |o| o.counts.sent_on_time)),
            sent_late: sum(&|r| r.open_loop.as_ref().map_or(0, |o| o.counts.sent_late)),
            not_sent: sum(&|r| r.open_loop.as_ref().map_or(0, |o| o.counts.not_sent)),
        },
        late_after_ms: o.late_after_ms,
        send_delay_ms: send_delay
            .as_ref()
            .map(LatencySummary::from)
            .unwrap_or_default(),
    });
    let status_classes = ["1xx", "2xx", "3xx", "4xx", "5xx"]
        .iter()
        .filter_map(|c| {
            let count: u64 = reports
                .iter()
                .flat_map(|r| &r.status_classes)
                .filter(|s| s.class == *c)
                .map(|s| s.count)
                .sum();
            (count > 0).then(|| StatusClass {
                class: c.to_string(),
                count,
                latency_ms: by_class
                    .get(*c)
                    .map(LatencySummary::from)
                    .unwrap_or_default(),
            })
        })
        .collect();
    let mut error_samples: Vec<ErrorSample> = Vec::new();
    for s in reports.iter().flat_map(|r| &r.error_samples) {
        if !error_samples
            .iter()
            .any(|e| e.request == s.request && e.kind == s.kind)
        {
            error_samples.push(s.clone());
        }
    }
    let checks = super::combine_checks(ordered);
    let flows = merge_flows(&reports);
    let data = merge_data(&reports);
    let thresholds = rejudge(
        first,
        &overall,
        &per_request,
        &totals,
        &requests,
        open_loop.as_ref(),
        &rps,
    )?;
    let interrupted_phase = reports.iter().find_map(|r| r.interrupted_phase);
    let (outcome, outcome_reason) = crate::report::decide_outcome(
        interrupted_phase,
        &checks,
        &thresholds,
        fail_on_warn,
        (totals.requests, totals.responses),
        crate::report::flows::exhausted_reason(&data).as_deref(),
    );
    let series = merge_series(&reports, &starts, earliest);
    Ok(Report {
        schema_version: SCHEMA_VERSION.into(),
        tool: Tool {
            name: "loadproof".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        scenario: first.scenario.clone(),
        started_at: humantime::format_rfc3339_millis(earliest).to_string(),
        finished_at: humantime::format_rfc3339_millis(latest_end).to_string(),
        planned_start_at: first.planned_start_at.clone(),
        segment: None,
        merge: Some(super::merge_info(ordered, skew.as_secs_f64() * 1000.0)),
        outcome,
        outcome_reason,
        exit_code: outcome.exit_code(),
        interrupted: reports.iter().any(|r| r.interrupted),
        interrupted_phase,
        load: merge_load(&reports),
        warmup: first.warmup.as_ref().map(|w| WarmupReport {
            duration_s: w.duration_s,
            requests: sum(&|r| r.warmup.as_ref().map_or(0, |w| w.requests)),
            responses: sum(&|r| r.warmup.as_ref().map_or(0, |w| w.responses)),
            request_errors: sum(&|r| r.warmup.as_ref().map_or(0, |w| w.request_errors)),
            errors_by_kind: add_maps(
                reports
                    .iter()
                    .filter_map(|r| r.warmup.as_ref().map(|w| &w.errors_by_kind)),
            ),
        }),
        latency_ms: LatencySummary::from(&overall),
        totals,
        open_loop,
        backoff: first.backoff.as_ref().map(|_| BackoffReport {
            count: sum(&|r| r.backoff.as_ref().map_or(0, |b| b.count)),
            total_s: reports
                .iter()
                .filter_map(|r| r.backoff.as_ref())
                .map(|b| b.total_s)
                .sum(),
        }),
        status_codes: add_maps(reports.iter().map(|r| &r.status_codes)),
        status_classes,
        errors_by_kind: add_maps(reports.iter().map(|r| &r.errors_by_kind)),
        error_samples,
        requests,
        flows,
        data,
        series,
        checks,
        thresholds,
        histograms: Histograms {
            encoding: first.histograms.encoding.clone(),
            unit: first.histograms.unit.clone(),
            overall: overall.to_base64(),
            requests: per_request
                .iter()
                .map(|(k, h)| (k.clone(), h.to_base64()))
                .collect(),
            by_class: by_class
                .iter()
                .map(|(k, h)| (k.clone(), h.to_base64()))
                .collect(),
            send_delay: send_delay.as_ref().map(LatencyHistogram::to_base64),
        },
    })
}

fn parse_time(text: &str) -> Result<SystemTime, String> {
    humantime::parse_rfc3339_weak(text)
        .map_err(|e| format!("a report's time {text:?} does not parse: {e}"))
}

fn ratio(n: u64, d: u64) -> f64 {
    if d == 0 { 0.0 } else { n as f64 / d as f64 }
}

fn add_maps<'a>(maps: impl Iterator<Item = &'a BTreeMap<String, u64>>) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for m in maps {
        for (k, v) in m {
            *out.entry(k.clone()).or_default() += v;
        }
    }
    out
}

/// Requests by name, in the first report's order (every segment runs the same scenario).
fn merge_requests(
    reports: &[&Report],
    hists: &BTreeMap<String, LatencyHistogram>,
    rps: &dyn Fn(u64) -> f64,
) -> Vec<RequestReport> {
    reports[0]
        .requests
        .iter()
        .map(|first| {
            let same: Vec<&RequestReport> = reports
                .iter()
                .flat_map(|r| r.requests.iter().filter(|q| q.name == first.name))
                .collect();
            let sum = |f: &dyn Fn(&RequestReport) -> u64| same.iter().map(|q| f(q)).sum::<u64>();
            let requests = sum(&|q| q.requests);
            RequestReport {
                name: first.name.clone(),
                method: first.method.clone(),
                requests,
                responses: sum(&|q| q.responses),
                errors: sum(&|q| q.errors),
                request_errors: sum(&|q| q.request_errors),
                failed_expectations: sum(&|q| q.failed_expectations),
                rps: rps(requests),
                latency_ms: hists
                    .get(&first.name)
                    .map(LatencySummary::from)
                    .unwrap_or_default(),
                status_codes: add_maps(same.iter().map(|q| &q.status_codes)),
                errors_by_kind: add_maps(same.iter().map(|q| &q.errors_by_kind)),
                kept_bodies_truncated: sum(&|q| q.kept_bodies_truncated),
                unjudged_expectations: sum(&|q| q.unjudged_expectations),
            }
        })
        .collect()
}

fn merge_flows(reports: &[&Report]) -> Vec<FlowReport> {
    reports[0]
        .flows
        .iter()
        .map(|f| {
            let mut out = FlowReport {
                ended: Vec::new(),
                started: 0,
                completed: 0,
                cut: 0,
                ended_early: 0,
                ..f.clone()
            };
            for g in reports
                .iter()
                .flat_map(|r| r.flows.iter().filter(|g| g.name == f.name))
            {
                out.started += g.started;
                out.completed += g.completed;
                out.cut += g.cut;
                out.ended_early += g.ended_early;
                for e in &g.ended {
                    match out
                        .ended
                        .iter_mut()
                        .find(|m| m.step == e.step && m.reason == e.reason)
                    {
                        Some(m) => m.count += e.count,
                        None => out.ended.push(e.clone()),
                    }
                }
            }
            out
        })
        .collect()
}

fn merge_data(reports: &[&Report]) -> Vec<DataReport> {
    reports[0]
        .data
        .iter()
        .map(|d| {
            let same: Vec<&DataReport> = reports
                .iter()
                .flat_map(|r| r.data.iter().filter(|e| e.name == d.name))
                .collect();
            DataReport {
                rows: same.iter().map(|e| e.rows).sum(),
                used: same.iter().map(|e| e.used).sum(),
                exhausted: same.iter().any(|e| e.exhausted),
                ..d.clone()
            }
        })
        .collect()
}

/// The load as the whole split offered it: the segments' connections, rates, users and
/// request bounds added up.
fn merge_load(reports: &[&Report]) -> LoadInfo {
    let first = &reports[0].load;
    let add_f = |f: &dyn Fn(&LoadInfo) -> Option<f64>| -> Option<f64> {
        reports.iter().map(|r| f(&r.load)).sum::<Option<f64>>()
    };
    LoadInfo {
        connections: reports.iter().map(|r| r.load.connections).sum(),
        threads: reports.iter().map(|r| r.load.threads).sum(),
        max_requests: reports
            .iter()
            .map(|r| r.load.max_requests)
            .sum::<Option<u64>>(),
        rate: add_f(&|l| l.rate),
        users: reports.iter().map(|r| r.load.users).sum::<Option<u32>>(),
        stages: first
            .stages
            .iter()
            .enumerate()
            .map(|(i, s)| RateStage {
                duration_s: s.duration_s,
                rate: reports
                    .iter()
                    .filter_map(|r| r.load.stages.get(i))
                    .map(|t| t.rate)
                    .sum(),
            })
            .collect(),
        ..first.clone()
    }
}

/// Per-second points on one wall clock: each segment's second k is shifted by how much later
/// than the earliest segment it started (to the nearest second), and added to the others'
/// ([`SeriesPoint::absorb`]).
fn merge_series(
    reports: &[&Report],
    starts: &[SystemTime],
    earliest: SystemTime,
) -> Vec<SeriesPoint> {
    let open_loop = reports[0].open_loop.is_some();
    let mut out: BTreeMap<u64, SeriesPoint> = BTreeMap::new();
    for (r, start) in reports.iter().zip(starts) {
        let shift = start
            .duration_since(earliest)
            .unwrap_or_default()
            .as_secs_f64()
            .round() as u64;
        for p in &r.series {
            let second = p.second + shift;
            out.entry(second)
                .or_insert_with(|| SeriesPoint::empty(second, open_loop))
                .absorb(p);
        }
    }
    // Seconds no segment had (a gap from the shift) are present with zeros, as in a run.
    let last = out.keys().next_back().copied();
    if let Some(last) = last {
        for s in 0..=last {
            out.entry(s)
                .or_insert_with(|| SeriesPoint::empty(s, open_loop));
        }
    }
    out.into_values().collect()
}

/// Every threshold of the run, judged again on the merged figures.
fn rejudge(
    first: &Report,
    overall: &LatencyHistogram,
    per_request: &BTreeMap<String, LatencyHistogram>,
    totals: &Totals,
    requests: &[RequestReport],
    open_loop: Option<&OpenLoop>,
    rps: &dyn Fn(u64) -> f64,
) -> Result<Vec<ThresholdResult>, String> {
    let not_sent_rate = open_loop.map(|o| ratio(o.counts.not_sent, o.counts.due));
    let empty = LatencyHistogram::new();
    first
        .thresholds
        .iter()
        .map(|t| {
            let spec = threshold_of(t)?;
            let (hist, errors, sent, responses) = match &t.request {
                Some(name) => {
                    let q = requests.iter().find(|q| &q.name == name);
                    (
                        per_request.get(name).unwrap_or(&empty),
                        q.map_or(0, |q| q.request_errors + q.failed_expectations),
                        q.map_or(0, |q| q.requests),
                        q.map_or(0, |q| q.responses),
                    )
                }
                None => (overall, totals.errors, totals.requests, totals.responses),
            };
            let summary = LatencySummary::from(hist);
            let pct = |p: f64| hist.percentile_ms(p);
            Ok(evaluate(
                &spec,
                Figures {
                    latency: &summary,
                    percentile: &pct,
                    error_rate: ratio(errors, sent),
                    not_sent_rate,
                    rps: rps(sent),
                    responses,
                },
            ))
        })
        .collect()
}

/// The threshold a result was judged against, read back from the result.
fn threshold_of(t: &ThresholdResult) -> Result<Threshold, String> {
    let metric = Metric::parse(&t.metric)
        .ok_or_else(|| format!("unknown threshold metric {:?}", t.metric))?;
    let bound = match (t.op.as_str(), t.unit.as_str()) {
        ("<=", "ms") => Bound::MaxLatency(Duration::from_secs_f64(t.limit / 1000.0)),
        ("<=", _) => Bound::MaxValue(t.limit),
        (">=", _) => Bound::MinValue(t.limit),
        (op, _) => return Err(format!("unknown threshold operator {op:?}")),
    };
    let source = match t.source.as_str() {
        "command_line" => ThresholdSource::CommandLine,
        "default" => ThresholdSource::Default,
        _ => ThresholdSource::Scenario,
    };
    Ok(Threshold {
        metric,
        request: t.request.clone(),
        bound,
        source,
    })
}
