//! `loadproof merge`: join the reports of a split run (`--segment I/N`) into the one report an
//! unsegmented run would have written, exactly.
//!
//! Exactness comes from what a report keeps: every latency histogram losslessly (HDR, base64),
//! so merged percentiles are those of the union of all samples, not an average of percentiles;
//! every count as a count. The merged run is then judged again: thresholds are recomputed on the
//! merged figures (a p99 that no segment breached alone can breach merged), checks are united (a
//! finding in any segment is a finding), and the exit code follows. Per-second series are
//! aligned on wall-clock time; their per-second p50/p99 are the segments' highest (an upper
//! bound: a report keeps no per-second histogram), while `latency_ms` is exact.
//!
//! [`merge`] is pure (reports in, a report out) and unit-tested without files; `cli` reads the
//! folders and writes every output of a normal run.

pub mod cli;
mod combine;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use crate::report::model::{MergeInfo, Report};

/// One segment's report and the folder it came from (for messages).
#[derive(Debug, Clone)]
pub struct Input {
    pub origin: PathBuf,
    pub report: Report,
}

/// Why a set of reports cannot be merged: each names the files.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{0}")]
pub struct Refusal(pub String);

/// Merge the segments `inputs` (any order). `fail_on_warn` is the scenario's `fail_on = "warn"`.
pub fn merge(inputs: &[Input], fail_on_warn: bool) -> Result<Report, Refusal> {
    let ordered = check(inputs)?;
    let merged = combine::combine(&ordered, fail_on_warn).map_err(Refusal)?;
    Ok(merged)
}

fn shown(i: &Input) -> String {
    i.origin.display().to_string()
}

/// The inputs in segment order, once every refusal has been ruled out: not a segment, segments
/// of different splits, different scenarios or load models, overlapping or missing segments.
fn check(inputs: &[Input]) -> Result<Vec<&Input>, Refusal> {
    if inputs.is_empty() {
        return Err(Refusal("nothing to merge: name the segment folders".into()));
    }
    let unsegmented: Vec<String> = inputs
        .iter()
        .filter(|i| i.report.segment.is_none())
        .map(shown)
        .collect();
    if !unsegmented.is_empty() {
        return Err(Refusal(format!(
            "not a segment of a split run (it was not run with --segment I/N): {}",
            unsegmented.join(", ")
        )));
    }
    let first = &inputs[0];
    let seg = |i: &Input| i.report.segment.clone().expect("checked above");
    let count = seg(first).count;
    let mut problems = Vec::new();
    for i in &inputs[1..] {
        let (a, b) = (&first.report, &i.report);
        if seg(i).count != count {
            problems.push(format!(
                "different splits: {} is segment {}/{}, {} is {}/{}",
                shown(first),
                seg(first).index,
                count,
                shown(i),
                seg(i).index,
                seg(i).count
            ));
        }
        if a.scenario.name != b.scenario.name {
            problems.push(format!(
                "different scenarios: {} ran {:?}, {} ran {:?}",
                shown(first),
                a.scenario.name,
                shown(i),
                b.scenario.name
            ));
        }
        let model = |r: &Report| {
            (
                r.load.mode.clone(),
                r.load.protocol.clone(),
                r.load.planned_duration_s,
            )
        };
        if model(a) != model(b) {
            problems.push(format!(
                "different load models: {} is {} loop, {}, {} s; {} is {} loop, {}, {} s",
                shown(first),
                a.load.mode,
                a.load.protocol,
                a.load.planned_duration_s,
                shown(i),
                b.load.mode,
                b.load.protocol,
                b.load.planned_duration_s
            ));
        }
    }
    if !problems.is_empty() {
        return Err(Refusal(problems.join("\n")));
    }
    let mut by_index: BTreeMap<u32, Vec<&Input>> = BTreeMap::new();
    for i in inputs {
        by_index.entry(seg(i).index).or_default().push(i);
    }
    let overlapping: Vec<String> = by_index
        .iter()
        .filter(|(_, v)| v.len() > 1)
        .map(|(k, v)| {
            format!(
                "segment {k}/{count} in {}",
                v.iter().map(|i| shown(i)).collect::<Vec<_>>().join(" and ")
            )
        })
        .collect();
    if !overlapping.is_empty() {
        return Err(Refusal(format!(
            "overlapping segments: {}",
            overlapping.join("; ")
        )));
    }
    let missing: Vec<String> = (0..count)
        .filter(|k| !by_index.contains_key(k))
        .map(|k| format!("{k}/{count}"))
        .collect();
    if !missing.is_empty() {
        let mut have = String::new();
        for (k, v) in &by_index {
            let _ = write!(
                have,
                "{}{k}/{count} ({})",
                if have.is_empty() { "" } else { ", " },
                shown(v[0])
            );
        }
        return Err(Refusal(format!(
            "missing segments: {} (have {have})",
            missing.join(", ")
        )));
    }
    Ok(by_index.into_values().flatten().collect())
}

/// What the merged report says about its making.
fn merge_info(ordered: &[&Input], start_skew_ms: f64) -> MergeInfo {
    MergeInfo {
        segments: ordered.len() as u32,
        sources: ordered.iter().map(|i| shown(i)).collect(),
        start_skew_ms,
    }
}

/// Checks united by ID: the merged status is the worst any segment reported (fail, then error,
/// then warn, then pass, then skip): a finding in any segment is a finding, and a segment that
/// could not judge keeps a pass from being claimed. A family's `skip` for running in another
/// segment gives way to that segment's verdicts. The message is the first worst segment's, with
/// which segments reported that status when it is not all of them.
fn combine_checks(ordered: &[&Input]) -> Vec<crate::report::model::CheckResult> {
    use crate::report::model::{CheckResult, CheckStatus};
    const MAX_EVIDENCE: usize = 5;
    let rank = |s: CheckStatus| match s {
        CheckStatus::Fail => 4,
        CheckStatus::Error => 3,
        CheckStatus::Warn => 2,
        CheckStatus::Pass => 1,
        CheckStatus::Skip => 0,
    };
    let n = ordered.len();
    let mut ids: Vec<String> = Vec::new();
    let mut rows: BTreeMap<String, Vec<(usize, &CheckResult)>> = BTreeMap::new();
    for (k, input) in ordered.iter().enumerate() {
        for c in &input.report.checks {
            let elsewhere = c.status == CheckStatus::Skip
                && c.message.starts_with(crate::checks::OTHER_SEGMENT);
            if elsewhere {
                continue;
            }
            if !rows.contains_key(&c.id) {
                ids.push(c.id.clone());
            }
            rows.entry(c.id.clone()).or_default().push((k, c));
        }
    }
    ids.iter()
        .map(|id| {
            let all = &rows[id];
            let worst = all.iter().map(|(_, c)| rank(c.status)).max().unwrap_or(0);
            let at: Vec<&(usize, &CheckResult)> = all
                .iter()
                .filter(|(_, c)| rank(c.status) == worst)
                .collect();
            let lead = at[0].1;
            let mut message = lead.message.clone();
            if at.len() < n || all.len() < n {
                let which: Vec<String> = at.iter().map(|(k, _)| k.to_string()).collect();
                let _ = write!(
                    message,
                    " (segment{} {} of {n})",
                    if which.len() == 1 { "" } else { "s" },
                    which.join(", ")
                );
            } else if n > 1 {
                // Every segment judged its own share and agreed: the figures in the message are
                // the first segment's, and the merged `count` is the sum.
                let _ = write!(message, " (all {n} segments agree; figures from segment 0)");
            }
            CheckResult {
                id: id.clone(),
                status: lead.status,
                message,
                count: at.iter().map(|(_, c)| c.count).sum(),
                evidence: at
                    .iter()
                    .flat_map(|(_, c)| c.evidence.iter().cloned())
                    .take(MAX_EVIDENCE)
                    .collect(),
            }
        })
        .collect()
}
