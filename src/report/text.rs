//! The text summary printed on stdout: a table a person reads at a glance. Plain text, no colour
//! and no cursor movement, so it reads the same in a terminal, a CI log and a file.

use std::fmt::Write as _;

use super::model::{CheckStatus, Phase, Report};

pub fn render(report: &Report) -> String {
    let mut o = String::new();
    let l = &report.load;
    let t = &report.totals;
    let _ = writeln!(
        o,
        "loadproof {} · {} → {}",
        report.tool.version, report.scenario.name, report.scenario.target
    );
    let shape = match (l.mode.as_str(), l.rate, l.users) {
        ("open", Some(rate), _) => format!("open loop from {rate:.1} req/s"),
        ("open", None, _) => "open loop".to_string(),
        (_, _, Some(users)) => format!("closed loop, {users} users"),
        _ => l.mode.clone(),
    };
    let bound = match l.max_requests {
        Some(n) if l.planned_duration_s >= crate::plan::MAX_DURATION.as_secs_f64() => {
            format!("up to {n} requests")
        }
        Some(n) => format!("{:.1}s or {n} requests", l.planned_duration_s),
        None => format!("{:.1}s planned", l.planned_duration_s),
    };
    let _ = writeln!(
        o,
        "{shape} · {bound} · {} connections · {} · {} thread{}",
        l.connections,
        l.protocol,
        l.threads,
        if l.threads == 1 { "" } else { "s" }
    );
    match report.interrupted_phase {
        Some(Phase::Warmup) => {
            let _ = writeln!(o, "INTERRUPTED during the warm-up: nothing was measured");
        }
        Some(Phase::Load) | Some(Phase::Checks) => {
            let _ = writeln!(
                o,
                "INTERRUPTED: the figures below cover the run up to the interruption"
            );
        }
        // Stopped while writing: the figures are complete; the outcome line says the rest.
        Some(Phase::Report) | None => {}
    }
    o.push('\n');
    let _ = writeln!(
        o,
        "Requests   {} sent · {} responses · {} errors ({:.2}%) · {:.1} req/s over {:.2}s",
        t.requests,
        t.responses,
        t.errors,
        t.error_rate * 100.0,
        t.rps,
        t.load_phase_s
    );
    if let Some(w) = &report.warmup {
        let _ = writeln!(
            o,
            "Warm-up    {:.1}s before the load, not measured: {} sent · {} responses · {} errors",
            w.duration_s, w.requests, w.responses, w.request_errors
        );
    }
    if let Some(ol) = &report.open_loop {
        let c = &ol.counts;
        let _ = writeln!(
            o,
            "Open loop  {} due · {} on time · {} late (> {} ms) · {} not sent",
            c.due, c.sent_on_time, c.sent_late, ol.late_after_ms, c.not_sent
        );
        let d = &ol.send_delay_ms;
        let _ = writeln!(
            o,
            "Send delay p50 {} · p99 {} · max {} (actual send − due time; part of every latency)",
            ms_short(d.p50),
            ms_short(d.p99),
            ms_short(d.max)
        );
    }
    if let Some(b) = report.backoff.as_ref().filter(|b| b.count > 0) {
        let _ = writeln!(
            o,
            "Back-off   {} waits after refused connects · {:.1}s in all (10 ms doubling to 1 s)",
            b.count, b.total_s
        );
    }
    o.push('\n');
    // The name column is at most NAME_COLUMN wide (longer names are cut with `…`): a table
    // stays readable, and `format!` widths are `u16` (a wider pad panics).
    let name_w = report
        .requests
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(3)
        .clamp(12, NAME_COLUMN);
    let _ = writeln!(
        o,
        "{:<name_w$} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "Latency (ms)", "count", "p50", "p90", "p99", "p99.9", "max", "mean"
    );
    let mut row = |name: &str, s: &crate::metrics::LatencySummary| {
        // No response, no latency: a dash, not a 0.00 that reads as "instant".
        let ms = |v: f64| {
            if s.count == 0 {
                "-".to_string()
            } else {
                format!("{v:.2}")
            }
        };
        let _ = writeln!(
            o,
            "{:<name_w$} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
            fit(name, name_w),
            s.count,
            ms(s.p50),
            ms(s.p90),
            ms(s.p99),
            ms(s.p99_9),
            ms(s.max),
            ms(s.mean)
        );
    };
    row("all", &report.latency_ms);
    // Requests the mix never sent (weight 0: used only by checks) would be rows of zeros.
    let sent: Vec<_> = report.requests.iter().filter(|r| r.requests > 0).collect();
    if sent.len() > 1 {
        for r in sent {
            row(&r.name, &r.latency_ms);
        }
    }
    super::flows::text(&report.flows, &report.data, &mut o);
    o.push('\n');
    if !report.status_codes.is_empty() {
        let codes: Vec<String> = report
            .status_codes
            .iter()
            .map(|(c, n)| format!("{c} ×{n}"))
            .collect();
        let _ = writeln!(o, "Status     {}", codes.join(" · "));
    }
    if !report.errors_by_kind.is_empty() {
        let kinds: Vec<String> = report
            .errors_by_kind
            .iter()
            .map(|(k, n)| format!("{k} ×{n}"))
            .collect();
        let _ = writeln!(o, "Errors     {}", kinds.join(" · "));
        for s in report.error_samples.iter().take(5) {
            let _ = writeln!(
                o,
                "           {} ({}): {} {} — {}",
                s.kind, s.request, s.method, s.url, s.message
            );
        }
    }
    if !report.checks.is_empty() {
        let _ = writeln!(o, "\nChecks");
        let rows = check_rows(&report.checks);
        let id_w = rows
            .iter()
            .map(|(id, _)| id.chars().count())
            .max()
            .unwrap_or(8);
        for (id, c) in rows {
            let mark = match c.status {
                CheckStatus::Fail => "FAIL",
                CheckStatus::Warn => "warn",
                CheckStatus::Pass => "pass",
                CheckStatus::Skip => "skip",
                CheckStatus::Error => "ERR ",
            };
            let _ = writeln!(o, "  {mark}  {id:<id_w$}  {}", c.message);
        }
        // The `$REFERENCE` note is said once, under the first curl line that needs it.
        let mut noted = false;
        for c in report
            .checks
            .iter()
            .filter(|c| matches!(c.status, CheckStatus::Fail | CheckStatus::Warn))
        {
            if c.is_race() {
                race_timeline(&mut o, c);
            }
            // The exchange that decides the finding (the family marks it, else the chain's
            // last step), not the first step of its chain.
            if let Some(e) = c.decisive() {
                let _ = writeln!(o, "\n  {} evidence:", c.id);
                if let (Some(m), Some(u)) = (&e.method, &e.url) {
                    let status = e.status.map_or(String::new(), |s| format!(" → {s}"));
                    let _ = writeln!(o, "    {m} {u}{status}");
                }
                // Every miss of the response, else the one-line note.
                if !e.misses.is_empty() {
                    for m in &e.misses {
                        let _ = writeln!(o, "    - {m}");
                    }
                } else if let Some(n) = &e.note {
                    let _ = writeln!(o, "    {n}");
                }
                if let Some(curl) = &e.curl {
                    let _ = writeln!(o, "    reproduce: {curl}");
                    if let Some(note) = crate::verdict::reproduce_note(curl).filter(|_| !noted) {
                        let _ = writeln!(o, "    ({note})");
                        noted = true;
                    }
                }
            }
        }
    }
    if !report.thresholds.is_empty() {
        let _ = writeln!(o, "\nThresholds");
        for th in &report.thresholds {
            let scope = th.request.as_deref().unwrap_or("all");
            let default = if th.source == "default" {
                " · default"
            } else {
                ""
            };
            let _ = writeln!(
                o,
                "  {}  {} ({scope}{default}): {}",
                if th.passed { "pass" } else { "FAIL" },
                th.bound(),
                th.measured()
            );
        }
    }
    let _ = writeln!(
        o,
        "\nOutcome    {} (exit {})",
        report.outcome.as_str(),
        report.exit_code
    );
    if let Some(why) = &report.outcome_reason {
        let _ = writeln!(o, "           {why}");
    }
    o
}

/// One row per check, except that skips of one family in a row with the same message (a family
/// waived whole: "waived by the scenario") share one row, `PAGE-01…PAGE-06`; the JSON and JUnit
/// keep one verdict per ID.
fn check_rows(checks: &[super::model::CheckResult]) -> Vec<(String, &super::model::CheckResult)> {
    let family = |id: &str| id.split('-').next().unwrap_or(id).to_string();
    let mut rows: Vec<(String, &super::model::CheckResult)> = Vec::new();
    let mut i = 0;
    while i < checks.len() {
        let c = &checks[i];
        let run = checks[i..]
            .iter()
            .take_while(|d| {
                c.status == CheckStatus::Skip
                    && d.status == CheckStatus::Skip
                    && d.message == c.message
                    && family(&d.id) == family(&c.id)
            })
            .count()
            .max(1);
        let label = if run > 2 {
            format!("{}…{}", c.id, checks[i + run - 1].id)
        } else {
            c.id.clone()
        };
        if run > 2 {
            rows.push((label, c));
        } else {
            rows.extend(checks[i..i + run].iter().map(|d| (d.id.clone(), d)));
        }
        i += run;
    }
    rows
}

/// For a race (several requests released together), one line per request: which
/// connection carried it, when it was sent, got its first byte and finished (ms from the race's
/// release), and what it got. Capped so a big race stays readable; the JSON has every one.
fn race_timeline(o: &mut String, c: &super::model::CheckResult) {
    let timed: Vec<_> = c
        .evidence
        .iter()
        .filter_map(|e| e.timeline.as_ref().filter(|t| t.race).map(|t| (e, t)))
        .collect();
    if timed.len() < 2 {
        return;
    }
    let _ = writeln!(o, "\n  {} timeline (ms from release):", c.id);
    let _ = writeln!(
        o,
        "    {:>4}  {:>8}  {:>10}  {:>8}  status",
        "conn", "sent", "first byte", "done"
    );
    const SHOWN: usize = 12;
    for (e, t) in timed.iter().take(SHOWN) {
        let first = t
            .first_byte_ms
            .map_or_else(|| "-".to_string(), |f| format!("{f:.2}"));
        let status = e
            .status
            .map_or_else(|| "no response".to_string(), |s| s.to_string());
        let _ = writeln!(
            o,
            "    {:>4}  {:>8.2}  {:>10}  {:>8.2}  {status}",
            t.connection, t.sent_ms, first, t.done_ms
        );
    }
    if timed.len() > SHOWN {
        let _ = writeln!(o, "    … {} more in report.json", timed.len() - SHOWN);
    }
}

/// A small duration in milliseconds, to the microsecond: send delays are tens of microseconds.
fn ms_short(ms: f64) -> String {
    format!("{ms:.3} ms")
}

/// Widest name column of the latency table.
const NAME_COLUMN: usize = 60;

/// `name` cut to `width` chars, the last one `…` when it was cut.
fn fit(name: &str, width: usize) -> std::borrow::Cow<'_, str> {
    if name.chars().count() <= width {
        return name.into();
    }
    let mut cut: String = name.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut.into()
}
