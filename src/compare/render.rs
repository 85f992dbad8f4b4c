//! A [`Comparison`] as text (the terminal), Markdown (a pull-request comment: the verdict line
//! first, then the table) and JSON (the value itself).

use std::fmt::Write as _;

use super::noise::{Figure, LineVerdict};
use super::{Comparison, Line, Verdict};

/// How many regressions the verdict line names before "and N more".
const NAMED: usize = 3;

/// A figure in its line's unit: `12.34` ms, `0.0123` for a ratio, `100.0` req/s.
fn figure(line: &Line, x: f64) -> String {
    match line.unit {
        Figure::ErrorRate => format!("{x:.4}"),
        Figure::Throughput => format!("{x:.1}"),
        Figure::LatencyMs => format!("{x:.2}"),
    }
}

fn signed(line: &Line, x: f64) -> String {
    let s = figure(line, x);
    if x >= 0.0 { format!("+{s}") } else { s }
}

fn unit_suffix(line: &Line) -> &'static str {
    match line.unit {
        Figure::LatencyMs => " ms",
        Figure::Throughput => " req/s",
        Figure::ErrorRate => "",
    }
}

fn opt(line: &Line, x: Option<f64>) -> String {
    x.map_or("-".to_string(), |x| figure(line, x))
}

fn pct(x: Option<f64>) -> String {
    x.map_or("-".to_string(), |p| format!("{p:+.1}%"))
}

fn noise_cell(line: &Line) -> String {
    match (line.noise, line.verdict) {
        (Some(h), _) => format!("±{}", figure(line, h)),
        (None, LineVerdict::NotApplicable) => "-".to_string(),
        (None, _) => "±∞".to_string(),
    }
}

fn budget_cell(line: &Line) -> String {
    match line.budget {
        // Throughput's budget is a decrease.
        Some(b) if line.unit == Figure::Throughput => format!("-{}", figure(line, b)),
        Some(b) => format!("+{}", figure(line, b)),
        None => "none".to_string(),
    }
}

/// `p99 (all) +5.21 ms (+801.0%)`.
fn named(line: &Line) -> String {
    format!(
        "{} ({}) {}{} ({})",
        line.metric.label(),
        line.scope,
        signed(line, line.change.unwrap_or(0.0)),
        unit_suffix(line),
        pct(line.change_pct)
    )
}

/// The verdict in one sentence: `regression: …` or `no regression: …`.
pub fn verdict_sentence(c: &Comparison) -> String {
    let label = match c.verdict {
        Verdict::Regression => "regression",
        Verdict::NoRegression => "no regression",
    };
    format!("{label}: {}", verdict_detail(c))
}

/// What the verdict rests on: which lines regressed, or how many changes were noise.
fn verdict_detail(c: &Comparison) -> String {
    let regressions: Vec<&Line> = c
        .lines
        .iter()
        .filter(|l| l.verdict == LineVerdict::Regression)
        .collect();
    match c.verdict {
        Verdict::Regression => {
            let mut names: Vec<String> = regressions.iter().take(NAMED).map(|l| named(l)).collect();
            if regressions.len() > NAMED {
                names.push(format!("and {} more", regressions.len() - NAMED));
            }
            format!(
                "{} beyond the budget and the noise (exit 5)",
                names.join(", ")
            )
        }
        Verdict::NoRegression => {
            let (noise, better) = (
                c.count(LineVerdict::Noise),
                c.count(LineVerdict::Improvement),
            );
            let mut parts = vec![];
            if noise > 0 {
                parts.push(format!(
                    "{noise} change{} beyond the budget but within the noise",
                    if noise == 1 { "" } else { "s" }
                ));
            }
            if better > 0 {
                parts.push(format!(
                    "{better} improvement{}",
                    if better == 1 { "" } else { "s" }
                ));
            }
            if parts.is_empty() {
                "every change within the budget (exit 0)".to_string()
            } else {
                format!("{} (exit 0)", parts.join(", "))
            }
        }
    }
}

/// The lines printed after a run's summary (`run --baseline`) and under the text table.
pub fn verdict_lines(c: &Comparison) -> Vec<String> {
    let mut out = vec![format!("Baseline   {}", c.base.report)];
    if !c.forced.is_empty() {
        out.push(format!(
            "Forced     compared despite: {}",
            c.forced.join("; ")
        ));
    }
    out.push(format!("Budget     {}", c.budget.describe()));
    out.push(format!("Compare    {}", verdict_sentence(c)));
    out
}

fn noise_sentence(c: &Comparison) -> String {
    let m = &c.noise_model;
    format!(
        "{:.0}% intervals from {} bootstrap resamples of each histogram (seed {:#x}) and the \
         spread of the per-second series; floors {} ms and {:.0}% of the base (docs/compare.md)",
        m.confidence * 100.0,
        m.bootstrap_replicates,
        m.seed,
        m.latency_floor_ms,
        m.relative_floor * 100.0
    )
}

const HEADERS: [&str; 9] = [
    "scope", "metric", "base", "new", "change", "%", "noise", "budget", "verdict",
];

fn cells(l: &Line) -> [String; 9] {
    [
        l.scope.clone(),
        l.metric.label().to_string(),
        opt(l, l.base),
        opt(l, l.new),
        l.change.map_or("-".to_string(), |x| signed(l, x)),
        pct(l.change_pct),
        noise_cell(l),
        budget_cell(l),
        l.verdict.as_str().to_string(),
    ]
}

/// The terminal table: the runs, the budget and the noise model, one line per metric and
/// scope, the notes, then the verdict.
pub fn text(c: &Comparison) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Base       {} · {} · {} · {} requests · {}",
        c.base.report, c.base.scenario, c.base.mode, c.base.requests, c.base.started_at
    );
    let _ = writeln!(
        out,
        "New        {} · {} · {} · {} requests · {}",
        c.new.report, c.new.scenario, c.new.mode, c.new.requests, c.new.started_at
    );
    let _ = writeln!(out, "Noise      {}", noise_sentence(c));
    let _ = writeln!(out);
    let rows: Vec<[String; 9]> = c.lines.iter().map(cells).collect();
    let mut widths = HEADERS.map(|h| h.chars().count());
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let row = |out: &mut String, cells: &[String]| {
        let mut line = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            // Names to the left, figures to the right, the verdict last and unpadded.
            match i {
                0 | 1 => line.push_str(&format!("{cell:<w$}  ")),
                8 => line.push_str(cell),
                _ => line.push_str(&format!("{cell:>w$}  ")),
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    };
    row(&mut out, &HEADERS.map(String::from));
    for (r, l) in rows.iter().zip(&c.lines) {
        let mut cells = r.to_vec();
        if let Some(note) = &l.note {
            cells[8] = format!("{} ({note})", cells[8]);
        }
        row(&mut out, &cells);
    }
    let _ = writeln!(out);
    for n in &c.notes {
        let _ = writeln!(out, "Note       {n}");
    }
    for l in verdict_lines(c) {
        let _ = writeln!(out, "{l}");
    }
    out
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|")
}

/// For a pull-request comment: the verdict first, then the table.
pub fn markdown(c: &Comparison) -> String {
    let mut out = String::new();
    let head = match c.verdict {
        Verdict::Regression => "**loadproof compare: regression**",
        Verdict::NoRegression => "**loadproof compare: no regression**",
    };
    let _ = writeln!(out, "{head}: {}", md_escape(&verdict_detail(c)));
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Base `{}` ({}, {}) · new `{}` ({}, {})  ",
        c.base.report,
        c.base.scenario,
        c.base.started_at,
        c.new.report,
        c.new.scenario,
        c.new.started_at
    );
    let _ = writeln!(out, "Budget: {}  ", md_escape(&c.budget.describe()));
    let _ = writeln!(out, "Noise: {}", noise_sentence(c));
    if !c.forced.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "Compared with `--force` although they differ: {}",
            md_escape(&c.forced.join("; "))
        );
    }
    for n in &c.notes {
        let _ = writeln!(out, "\n> {}", md_escape(n));
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "| {} |", HEADERS.join(" | "));
    let _ = writeln!(
        out,
        "|{}",
        HEADERS
            .iter()
            .enumerate()
            .map(|(i, _)| if i < 2 || i == 8 { "---|" } else { "---:|" })
            .collect::<String>()
    );
    for l in &c.lines {
        let mut cells = cells(l).map(|c| md_escape(&c));
        cells[8] = match l.verdict {
            LineVerdict::Regression => "**regression**".to_string(),
            _ => cells[8].clone(),
        };
        if let Some(note) = &l.note {
            cells[8] = format!("{} ({})", cells[8], md_escape(note));
        }
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    out
}

/// The comparison as an HTML fragment for `report.html`'s "Compared with baseline" section: the
/// verdict, what was compared, the budget and the noise, then the lines. Every text is escaped;
/// the page's own styles (`verdict`, `st` classes) mark the verdicts, in words as well as
/// colour.
pub fn html(c: &Comparison) -> String {
    use crate::report::html::esc;
    let mut out = String::new();
    let (class, head) = match c.verdict {
        Verdict::Regression => ("fail", "regression"),
        Verdict::NoRegression => ("pass", "no regression"),
    };
    let _ = write!(
        out,
        r#"<p class="comparison-verdict"><strong class="st {class}">{head}</strong>: {}</p>"#,
        esc(&verdict_detail(c))
    );
    let _ = write!(
        out,
        "<p>Base <code>{}</code> ({}, {}) · new <code>{}</code> ({}, {})<br>Budget: {}<br>Noise: {}</p>",
        esc(&c.base.report),
        esc(&c.base.scenario),
        esc(&c.base.started_at),
        esc(&c.new.report),
        esc(&c.new.scenario),
        esc(&c.new.started_at),
        esc(&c.budget.describe()),
        esc(&noise_sentence(c)),
    );
    if !c.forced.is_empty() {
        let _ = write!(
            out,
            "<p>Compared with <code>--force</code> although they differ: {}</p>",
            esc(&c.forced.join("; "))
        );
    }
    for n in &c.notes {
        let _ = write!(out, "<p class=\"note\">{}</p>", esc(n));
    }
    out.push_str("<table class=\"comparison\"><thead><tr>");
    for h in HEADERS {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    for l in &c.lines {
        let cells = cells(l);
        let class = match l.verdict {
            LineVerdict::Regression => "fail",
            LineVerdict::Improvement => "pass",
            LineVerdict::Noise | LineVerdict::NotApplicable => "skip",
            LineVerdict::Ok => "pass",
        };
        out.push_str("<tr>");
        for (i, cell) in cells.iter().enumerate() {
            if i == 8 {
                let note = l
                    .note
                    .as_deref()
                    .map(|n| format!(" ({})", esc(n)))
                    .unwrap_or_default();
                let _ = write!(
                    out,
                    r#"<td><span class="st {class}">{}</span>{note}</td>"#,
                    esc(cell)
                );
            } else {
                let _ = write!(out, "<td>{}</td>", esc(cell));
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    out
}

/// The comparison as JSON (the [`Comparison`] value).
pub fn json(c: &Comparison) -> String {
    let mut s = serde_json::to_string_pretty(c).unwrap_or_else(|_| "{}".to_string());
    s.push('\n');
    s
}
