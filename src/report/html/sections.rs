//! The text sections of `report.html`: the verdict, the per-request table, the checks with
//! their evidence and `curl` lines, and the scenario and run parameters. Every text taken from
//! the report goes through [`esc`]: names, messages, headers and bodies are the target's words.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::esc;
use crate::metrics::LatencySummary;
use crate::report::model::{CheckStatus, Evidence, Outcome, Phase, Report};

/// `1.23`: a latency cell.
fn ms(v: f64) -> String {
    format!("{v:.2}")
}

/// The verdict first: outcome in words, exit code, why, and what failed or was breached.
pub fn verdict(report: &Report) -> String {
    let mut o = String::new();
    let (class, headline) = match report.outcome {
        Outcome::Pass => ("pass", "PASS"),
        Outcome::CheckFailed => ("fail", "CHECK FAILED"),
        Outcome::ThresholdBreached => ("fail", "THRESHOLD BREACHED"),
        Outcome::Interrupted => ("open", "INTERRUPTED"),
        Outcome::Inconclusive => ("open", "INCONCLUSIVE"),
    };
    let t = &report.totals;
    let _ = write!(
        o,
        r#"<section id="verdict" class="verdict {class}"><h2><span class="outcome">{headline}</span> <span class="exit">exit {}</span></h2>"#,
        report.exit_code
    );
    if let Some(why) = &report.outcome_reason {
        let _ = write!(o, r#"<p class="reason">{}</p>"#, esc(why));
    }
    // No response, no latency: a dash, not a 0.00 that reads as "instant".
    let figure = |v: f64| {
        if report.latency_ms.count == 0 {
            "-".to_string()
        } else {
            ms(v)
        }
    };
    let _ = write!(
        o,
        r#"<p class="figures"><b>{}</b> sent · <b>{}</b> responses · <b>{}</b> errors ({:.2}%) · <b>{:.1}</b> req/s over {:.2} s · p50 <b>{}</b> ms · p99 <b>{}</b> ms · max <b>{}</b> ms</p>"#,
        t.requests,
        t.responses,
        t.errors,
        t.error_rate * 100.0,
        t.rps,
        t.load_phase_s,
        figure(report.latency_ms.p50),
        figure(report.latency_ms.p99),
        figure(report.latency_ms.max),
    );
    // What was judged, in one line: checks by verdict, thresholds met.
    let mut by_status = std::collections::BTreeMap::new();
    for c in &report.checks {
        *by_status.entry(c.status).or_insert(0u64) += 1;
    }
    let checks = by_status
        .iter()
        .map(|(s, n)| format!("{n} {}", s.as_str()))
        .collect::<Vec<_>>()
        .join(" · ");
    let met = report.thresholds.iter().filter(|t| t.passed).count();
    let _ = write!(
        o,
        r#"<p class="judged">{} check(s){}{} · {met} of {} threshold(s) met</p>"#,
        report.checks.len(),
        if checks.is_empty() { "" } else { ": " },
        esc(&checks),
        report.thresholds.len()
    );
    let failed: Vec<_> = report
        .checks
        .iter()
        .filter(|c| {
            matches!(
                c.status,
                CheckStatus::Fail | CheckStatus::Warn | CheckStatus::Error
            )
        })
        .collect();
    if !failed.is_empty() {
        o.push_str(r#"<h3>Checks not passed</h3><ul class="failed">"#);
        for c in failed {
            let _ = write!(
                o,
                r##"<li><span class="st {st}">{st}</span> <a href="#check-{}">{}</a>: {}</li>"##,
                anchor(&c.id),
                esc(&c.id),
                esc(&c.message),
                st = c.status.as_str()
            );
        }
        o.push_str("</ul>");
    }
    let breached: Vec<_> = report.thresholds.iter().filter(|t| !t.passed).collect();
    if !breached.is_empty() {
        o.push_str(r#"<h3>Thresholds breached</h3><ul class="breached">"#);
        for t in breached {
            let _ = write!(
                o,
                "<li>{} ({}): {}</li>",
                esc(&t.bound()),
                esc(t.request.as_deref().unwrap_or("all")),
                esc(&t.measured())
            );
        }
        o.push_str("</ul>");
    }
    o.push_str("</section>");
    o
}

/// An id fragment from a check ID (`EXPECT-a b` → `EXPECT-a_b`), safe in an attribute and a URL.
fn anchor(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn codes_text(codes: &BTreeMap<String, u64>) -> String {
    codes
        .iter()
        .map(|(k, n)| format!("{k} ×{n}"))
        .collect::<Vec<_>>()
        .join(" · ")
}

fn latency_cells(l: &LatencySummary) -> String {
    if l.count == 0 {
        return r#"<td class="num" colspan="5">no response</td>"#.into();
    }
    [l.p50, l.p90, l.p99, l.p99_9, l.max]
        .iter()
        .map(|v| format!(r#"<td class="num">{}</td>"#, ms(*v)))
        .collect()
}

/// One row per scenario request, then the whole run.
pub fn requests(report: &Report) -> String {
    let mut o = String::from(
        r#"<section id="requests"><h2>Requests</h2><div class="scroll"><table class="requests"><thead><tr><th>request</th><th class="num">sent</th><th class="num">responses</th><th class="num">errors</th><th class="num">req/s</th><th class="num">p50 ms</th><th class="num">p90 ms</th><th class="num">p99 ms</th><th class="num">p99.9 ms</th><th class="num">max ms</th><th>status codes</th></tr></thead><tbody>"#,
    );
    for r in &report.requests {
        let mut status = codes_text(&r.status_codes);
        if !r.errors_by_kind.is_empty() {
            if !status.is_empty() {
                status.push_str(" · ");
            }
            status.push_str(&codes_text(&r.errors_by_kind));
        }
        let _ = write!(
            o,
            r#"<tr><th scope="row">{} <span class="method">{}</span></th><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{:.1}</td>{}<td>{}</td></tr>"#,
            esc(&r.name),
            esc(&r.method),
            r.requests,
            r.responses,
            r.errors,
            r.rps,
            latency_cells(&r.latency_ms),
            esc(&status)
        );
    }
    let t = &report.totals;
    let mut status = codes_text(&report.status_codes);
    if !report.errors_by_kind.is_empty() {
        if !status.is_empty() {
            status.push_str(" · ");
        }
        status.push_str(&codes_text(&report.errors_by_kind));
    }
    let _ = write!(
        o,
        r#"</tbody><tfoot><tr><th scope="row">all</th><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{:.1}</td>{}<td>{}</td></tr></tfoot></table></div>"#,
        t.requests,
        t.responses,
        t.errors,
        t.rps,
        latency_cells(&report.latency_ms),
        esc(&status)
    );
    if !report.error_samples.is_empty() {
        o.push_str(r#"<h3>First error of each kind</h3><ul class="samples">"#);
        for s in &report.error_samples {
            let _ = write!(
                o,
                "<li><b>{}</b> {} <code>{} {}</code>: {}</li>",
                esc(&s.kind),
                esc(&s.request),
                esc(&s.method),
                esc(&s.url),
                esc(&s.message)
            );
        }
        o.push_str("</ul>");
    }
    flows(report, &mut o);
    o.push_str("</section>");
    o
}

/// The flows' iterations (their steps are rows of the requests table above) and the data
/// files' use.
fn flows(report: &Report, o: &mut String) {
    if !report.flows.is_empty() {
        o.push_str(r#"<h3>Flows</h3><div class="scroll"><table class="flows"><thead><tr><th>flow</th><th>steps</th><th class="num">started</th><th class="num">completed</th><th class="num">ended early</th><th class="num">cut at the end</th></tr></thead><tbody>"#);
        for f in &report.flows {
            let _ = write!(
                o,
                r#"<tr><th scope="row">{}</th><td>{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td></tr>"#,
                esc(&f.name),
                esc(&f.steps.join(" → ")),
                f.started,
                f.completed,
                f.ended_early,
                f.cut
            );
        }
        o.push_str("</tbody></table></div>");
        let ended: Vec<_> = report.flows.iter().flat_map(|f| &f.ended).collect();
        if !ended.is_empty() {
            o.push_str(r#"<ul class="samples">"#);
            for e in ended {
                let _ = write!(
                    o,
                    "<li><b>{} × {}</b> at {}: {}</li>",
                    e.count,
                    esc(&e.reason),
                    esc(&e.step),
                    esc(&e.sample)
                );
            }
            o.push_str("</ul>");
        }
    }
    if !report.data.is_empty() {
        o.push_str(r#"<h3>Data files</h3><ul class="samples">"#);
        for d in &report.data {
            let _ = write!(
                o,
                "<li><b>{}</b> <code>{}</code>: {} rows, {} handed out ({}){}</li>",
                esc(&d.name),
                esc(&d.file),
                d.rows,
                d.used,
                esc(&d.order),
                if d.exhausted {
                    " — ran out: the load stopped there"
                } else {
                    ""
                }
            );
        }
        o.push_str("</ul>");
    }
}

/// Every check: a summary table, then each one with evidence shown in full.
pub fn checks(report: &Report) -> String {
    let mut o = String::from(r#"<section id="checks"><h2>Checks</h2>"#);
    if report.checks.is_empty() {
        o.push_str(r#"<p class="nodata">No check ran in this run.</p></section>"#);
        return o;
    }
    o.push_str(
        r#"<table class="checks"><thead><tr><th>check</th><th>verdict</th><th class="num">seen</th><th>message</th></tr></thead><tbody>"#,
    );
    for c in &report.checks {
        let _ = write!(
            o,
            r#"<tr id="check-{}"><th scope="row">{}</th><td><span class="st {st}">{st}</span></td><td class="num">{}</td><td>{}{}</td></tr>"#,
            anchor(&c.id),
            esc(&c.id),
            c.count,
            esc(&c.message),
            if c.evidence.is_empty() {
                String::new()
            } else {
                format!(
                    r##" <a class="evlink" href="#evidence-{}">evidence ({})</a>"##,
                    anchor(&c.id),
                    c.evidence.len()
                )
            },
            st = c.status.as_str()
        );
    }
    o.push_str("</tbody></table>");
    for c in report.checks.iter().filter(|c| !c.evidence.is_empty()) {
        let _ = write!(
            o,
            r#"<article class="evidence {st}" id="evidence-{}"><h3>{} <span class="st {st}">{st}</span></h3><p>{}</p>"#,
            anchor(&c.id),
            esc(&c.id),
            esc(&c.message),
            st = c.status.as_str()
        );
        if c.evidence.iter().any(|e| e.timeline.is_some()) {
            o.push_str(&timeline_table(&c.evidence));
        }
        for (i, e) in c.evidence.iter().enumerate() {
            o.push_str(&exchange(i, e, c.decisive() == Some(e)));
        }
        o.push_str("</article>");
    }
    o.push_str("</section>");
    o
}

/// The evidence's timelines as a table, as the JSON has them (ms from the check's origin).
fn timeline_table(evidence: &[Evidence]) -> String {
    let mut o = String::from(
        r#"<table class="timeline"><thead><tr><th>#</th><th class="num">conn</th><th class="num">sent ms</th><th class="num">first byte ms</th><th class="num">done ms</th><th class="num">status</th></tr></thead><tbody>"#,
    );
    for (i, e) in evidence.iter().enumerate() {
        let Some(t) = &e.timeline else { continue };
        let _ = write!(
            o,
            r#"<tr><td>{}</td><td class="num">{}</td><td class="num">{:.2}</td><td class="num">{}</td><td class="num">{:.2}</td><td class="num">{}</td></tr>"#,
            i + 1,
            t.connection,
            t.sent_ms,
            t.first_byte_ms.map_or("—".into(), |v| format!("{v:.2}")),
            t.done_ms,
            e.status.map_or("—".into(), |s| s.to_string())
        );
    }
    o.push_str("</tbody></table>");
    o
}

fn headers_block(label: &str, headers: &BTreeMap<String, String>, body: Option<&str>) -> String {
    if headers.is_empty() && body.is_none() {
        return String::new();
    }
    let mut text = String::new();
    for (k, v) in headers {
        let _ = writeln!(text, "{k}: {v}");
    }
    if let Some(b) = body {
        if !headers.is_empty() {
            text.push('\n');
        }
        text.push_str(b);
    }
    format!(
        r#"<div class="msg"><span class="label">{label}</span><pre>{}</pre></div>"#,
        esc(&text)
    )
}

/// One request/response pair as the JSON has it, with its `curl` line.
fn exchange(i: usize, e: &Evidence, decisive: bool) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        r#"<div class="exchange{}"><p class="line"><span class="n">{}{}</span> "#,
        if decisive { " decisive" } else { "" },
        i + 1,
        if decisive { " · decisive" } else { "" }
    );
    if let (Some(m), Some(u)) = (&e.method, &e.url) {
        let _ = write!(o, "<code>{} {}</code>", esc(m), esc(u));
    }
    if let Some(s) = e.status {
        let _ = write!(o, " → <b>{s}</b>");
    }
    if let Some(r) = &e.request {
        let _ = write!(o, r#" <span class="from">(request {})</span>"#, esc(r));
    }
    o.push_str("</p>");
    if !e.misses.is_empty() {
        o.push_str(r#"<ul class="misses">"#);
        for m in &e.misses {
            let _ = write!(o, "<li>{}</li>", esc(m));
        }
        o.push_str("</ul>");
    } else if let Some(n) = &e.note {
        let _ = write!(o, r#"<p class="note">{}</p>"#, esc(n));
    }
    o.push_str(&headers_block(
        "request",
        &e.request_headers,
        e.request_body.as_deref(),
    ));
    o.push_str(&headers_block(
        "response",
        &e.response_headers,
        e.response_body.as_deref(),
    ));
    if let Some(c) = &e.curl {
        let _ = write!(
            o,
            r#"<div class="msg"><span class="label">reproduce</span><pre class="curl">{}</pre></div>"#,
            esc(c)
        );
        if let Some(note) = crate::verdict::reproduce_note(c) {
            let _ = write!(o, r#"<div class="msg">{}</div>"#, esc(note));
        }
    }
    o.push_str("</div>");
    o
}

/// The scenario and run parameters, the warm-up, the open-loop counts and the thresholds.
pub fn parameters(report: &Report) -> String {
    let mut rows: Vec<(&str, String)> = Vec::new();
    let s = &report.scenario;
    let l = &report.load;
    rows.push(("scenario", s.name.clone()));
    rows.push((
        "file",
        s.file.clone().unwrap_or_else(|| "— (ad hoc)".into()),
    ));
    rows.push(("target", s.target.clone()));
    rows.push((
        "load phase",
        format!("{} → {}", report.started_at, report.finished_at),
    ));
    let model = match (l.rate, l.users) {
        (Some(rate), _) => format!("{} loop, {rate:.1} req/s at the start", l.mode),
        (None, Some(users)) => format!("{} loop, {users} users", l.mode),
        _ => format!("{} loop", l.mode),
    };
    rows.push(("load model", model));
    rows.push((
        "planned",
        match l.max_requests {
            Some(n) => format!("{:.1} s or {n} requests", l.planned_duration_s),
            None => format!("{:.1} s", l.planned_duration_s),
        },
    ));
    rows.push((
        "connections",
        format!(
            "{} · {} · {} thread(s) · timeout {:.1} s",
            l.connections, l.protocol, l.threads, l.timeout_s
        ),
    ));
    if let Some(w) = &report.warmup {
        rows.push((
            "warm-up",
            format!(
                "{:.1} s, not measured: {} sent · {} responses · {} errors",
                w.duration_s, w.requests, w.responses, w.request_errors
            ),
        ));
    }
    if let Some(ol) = &report.open_loop {
        let c = &ol.counts;
        rows.push((
            "open loop",
            format!(
                "{} due · {} on time · {} late (> {} ms) · {} not sent",
                c.due, c.sent_on_time, c.sent_late, ol.late_after_ms, c.not_sent
            ),
        ));
        let d = &ol.send_delay_ms;
        rows.push((
            "send delay",
            format!(
                "p50 {} ms · p99 {} ms · max {} ms (actual send − due time; part of every latency)",
                ms(d.p50),
                ms(d.p99),
                ms(d.max)
            ),
        ));
    }
    if let Some(b) = &report.backoff {
        rows.push((
            "back-off",
            format!("{} waits, {:.2} s in all", b.count, b.total_s),
        ));
    }
    if report.interrupted {
        rows.push((
            "interrupted",
            report.interrupted_phase.map_or("yes".into(), |p| {
                let when = match p {
                    Phase::Warmup => "the warm-up",
                    Phase::Load => "the load phase",
                    Phase::Checks => "the checks",
                    Phase::Report => "the writing of the reports",
                };
                format!("during {when}")
            }),
        ));
    }
    rows.push((
        "tool",
        format!(
            "{} {} · report format {}",
            report.tool.name, report.tool.version, report.schema_version
        ),
    ));
    let mut o = String::from(
        r#"<section id="parameters"><h2>Scenario and run</h2><table class="params"><tbody>"#,
    );
    for (k, v) in rows {
        let _ = write!(
            o,
            r#"<tr><th scope="row">{k}</th><td>{}</td></tr>"#,
            esc(&v)
        );
    }
    o.push_str("</tbody></table>");
    o.push_str(r#"<h3>Thresholds</h3>"#);
    if report.thresholds.is_empty() {
        o.push_str(r#"<p class="nodata">No threshold was set.</p>"#);
    } else {
        o.push_str(r#"<table class="thresholds"><thead><tr><th>bound</th><th>applies to</th><th>measured</th><th>verdict</th><th>source</th></tr></thead><tbody>"#);
        for t in &report.thresholds {
            let st = if t.passed { "pass" } else { "fail" };
            let _ = write!(
                o,
                r#"<tr><td>{}</td><td>{}</td><td>{}</td><td><span class="st {st}">{}</span></td><td>{}</td></tr>"#,
                esc(&t.bound()),
                esc(t.request.as_deref().unwrap_or("all")),
                esc(&t.measured()),
                if t.passed { "met" } else { "breached" },
                esc(&t.source)
            );
        }
        o.push_str("</tbody></table>");
    }
    o.push_str("</section>");
    o
}
