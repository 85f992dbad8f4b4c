//! The `flows` and `data` sections of the report: how each user flow's iterations went (started,
//! completed, cut by the end of the load, ended early by step and reason) and how much of each
//! data file the run used. Per-step latency is not here: every step is a request of the report
//! (`FLOW.STEP`), with its own latency, status codes and histogram.

use serde::{Deserialize, Serialize};

use crate::metrics::stats::Observed;
use crate::plan::RunPlan;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowReport {
    pub name: String,
    /// The steps' request names (`FLOW.STEP`), in order.
    pub steps: Vec<String>,
    pub started: u64,
    pub completed: u64,
    /// Stopped between two steps because the load phase ended (not a failure).
    pub cut: u64,
    pub ended_early: u64,
    /// Why iterations ended early, by step.
    pub ended: Vec<FlowEnded>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowEnded {
    /// The request name of the step (`FLOW.STEP`).
    pub step: String,
    pub reason: String,
    pub count: u64,
    /// The first such iteration's message (redacted).
    pub sample: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataReport {
    pub name: String,
    pub file: String,
    /// `sequential`, `random` or `unique`.
    pub order: String,
    pub rows: u64,
    /// Rows handed out, warm-up included (a sequential or random feeder repeats rows).
    pub used: u64,
    /// A unique feeder ran out of rows: the load stopped there.
    pub exhausted: bool,
}

pub(super) fn flows(plan: &RunPlan, observed: &Observed) -> Vec<FlowReport> {
    plan.flows
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let stats = observed.flows.get(i).cloned().unwrap_or_default();
            let step_name = |k: usize| {
                f.steps
                    .get(k)
                    .map_or_else(String::new, |s| plan.requests[s.request].name.clone())
            };
            FlowReport {
                name: f.name.clone(),
                steps: (0..f.steps.len()).map(step_name).collect(),
                started: stats.started,
                completed: stats.completed,
                cut: stats.cut,
                ended_early: stats.ended_early(),
                ended: stats
                    .ended
                    .iter()
                    .map(|e| FlowEnded {
                        step: step_name(e.step),
                        reason: e.reason.clone(),
                        count: e.count,
                        sample: plan.redactor.text(&e.sample),
                    })
                    .collect(),
            }
        })
        .collect()
}

pub(super) fn data(plan: &RunPlan, observed: &Observed) -> Vec<DataReport> {
    plan.data
        .iter()
        .zip(&observed.data)
        .map(|(spec, used)| DataReport {
            name: spec.name.clone(),
            file: spec.file.clone(),
            order: spec.order.as_str().into(),
            rows: used.rows,
            used: used.used,
            exhausted: used.exhausted,
        })
        .collect()
}

/// Why the run is inconclusive when a unique feeder ran out: the load the scenario asks for
/// was not offered, so neither a pass nor a breach would be true.
pub(super) fn exhausted_reason(data: &[DataReport]) -> Option<String> {
    let out: Vec<String> = data
        .iter()
        .filter(|d| d.exhausted)
        .map(|d| {
            format!(
                "data `{}` ({}, order = \"unique\") ran out after {} rows",
                d.name, d.file, d.rows
            )
        })
        .collect();
    (!out.is_empty()).then(|| {
        format!(
            "{}: the load stopped before the scenario's end (add rows, lower `requests`, or use order = \"sequential\")",
            out.join("; ")
        )
    })
}

/// The text summary's lines for flows and data.
pub(super) fn text(flows: &[FlowReport], data: &[DataReport], out: &mut String) {
    use std::fmt::Write as _;
    if !flows.is_empty() {
        out.push('\n');
    }
    for f in flows {
        let _ = writeln!(
            out,
            "Flow {}: {} started · {} completed · {} ended early · {} cut by the end of the load",
            f.name, f.started, f.completed, f.ended_early, f.cut
        );
        for e in &f.ended {
            let _ = writeln!(
                out,
                "    {} × {} at {}: {}",
                e.count, e.reason, e.step, e.sample
            );
        }
    }
    for d in data.iter().filter(|d| d.exhausted) {
        let _ = writeln!(
            out,
            "Data `{}` ({}): all {} rows used once (order = \"unique\"); the load stopped there",
            d.name, d.file, d.rows
        );
    }
}
