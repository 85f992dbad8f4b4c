//! `summary.md`: the run at a glance in Markdown, for a pull-request comment or a wiki page.

use std::fmt::Write as _;

use super::model::{CheckStatus, Report};

/// Keep table cells on one line and free of column separators.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

pub fn render(report: &Report) -> Vec<u8> {
    let mut o = String::new();
    let t = &report.totals;
    let _ = writeln!(
        o,
        "# loadproof: {} — {}\n",
        cell(&report.scenario.name),
        report.outcome.as_str()
    );
    let _ = writeln!(
        o,
        "Target `{}` · {} loop · {} requests · {:.1} req/s · {} errors ({:.2}%) · exit {}{}\n",
        cell(&report.scenario.target),
        report.load.mode,
        t.requests,
        t.rps,
        t.errors,
        t.error_rate * 100.0,
        report.exit_code,
        if report.interrupted {
            " · **interrupted**"
        } else {
            ""
        }
    );
    if let Some(why) = &report.outcome_reason {
        let _ = writeln!(o, "**Why**: {}\n", cell(why));
    }
    if let Some(w) = &report.warmup {
        let _ = writeln!(
            o,
            "Warm-up: {:.1}s before the load, not measured: {} sent, {} responses, {} errors.\n",
            w.duration_s, w.requests, w.responses, w.request_errors
        );
    }
    if let Some(ol) = &report.open_loop {
        let c = &ol.counts;
        let _ = writeln!(
            o,
            "Open loop: {} due, {} on time, {} late, {} not sent. Latency is measured from each request's due time; loadproof's own send delay (actual send − due time) was p50 {:.3} ms, p99 {:.3} ms.\n",
            c.due,
            c.sent_on_time,
            c.sent_late,
            c.not_sent,
            ol.send_delay_ms.p50,
            ol.send_delay_ms.p99
        );
    }
    o.push_str("| request | count | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | mean ms |\n");
    o.push_str("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    let mut row = |name: &str, l: &crate::metrics::LatencySummary| {
        // No response, no latency: a dash, not a 0.00 that reads as "instant".
        let ms = |v: f64| {
            if l.count == 0 {
                "-".to_string()
            } else {
                format!("{v:.2}")
            }
        };
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(name),
            l.count,
            ms(l.p50),
            ms(l.p90),
            ms(l.p99),
            ms(l.p99_9),
            ms(l.max),
            ms(l.mean)
        );
    };
    row("**all**", &report.latency_ms);
    for r in report.requests.iter().filter(|r| r.requests > 0) {
        row(&r.name, &r.latency_ms);
    }
    for f in &report.flows {
        let _ = writeln!(
            o,
            "\nFlow `{}`: {} started, {} completed, {} ended early, {} cut by the end of the load.",
            cell(&f.name),
            f.started,
            f.completed,
            f.ended_early,
            f.cut
        );
        for e in &f.ended {
            let _ = writeln!(
                o,
                "- {} × {} at `{}`: {}",
                e.count,
                cell(&e.reason),
                cell(&e.step),
                cell(&e.sample)
            );
        }
    }
    if !report.checks.is_empty() {
        o.push_str("\n| check | verdict | finding |\n|---|---|---|\n");
        for c in &report.checks {
            let verdict = match c.status {
                CheckStatus::Fail => "**fail**",
                CheckStatus::Error => "**error**",
                other => other.as_str(),
            };
            let _ = writeln!(o, "| {} | {verdict} | {} |", cell(&c.id), cell(&c.message));
        }
    }
    if !report.thresholds.is_empty() {
        o.push_str("\n| threshold | scope | measured | verdict |\n|---|---|---:|---|\n");
        for th in &report.thresholds {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} |",
                if th.source == "default" {
                    format!("{} (default)", th.bound())
                } else {
                    th.bound()
                },
                cell(th.request.as_deref().unwrap_or("all")),
                cell(&th.measured()),
                if th.passed { "pass" } else { "**breached**" }
            );
        }
    }
    o.into_bytes()
}
