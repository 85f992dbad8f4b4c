//! `report.junit.xml`: checks and thresholds as JUnit test cases, so CI systems (GitLab, Jenkins,
//! GitHub test reporters) show each verdict natively. A `fail` is a `<failure>`, an `error` an
//! `<error>`, a `skip` `<skipped>`; a `warn` is a failure only under `fail_on = "warn"`. An
//! interrupted run adds a `loadproof.run` / `interrupted` test case in error, first, so a CI
//! page never shows a stopped run as all green.

use std::fmt::Write as _;

use super::model::{CheckStatus, Report};
use crate::signals::Phase;

/// The interruption as a test case in error, or `None` for a run that was not interrupted.
fn interruption(report: &Report) -> Option<String> {
    if !report.interrupted {
        return None;
    }
    let phase = match report.interrupted_phase {
        Some(Phase::Warmup) => "the warm-up",
        Some(Phase::Load) => "the load phase",
        Some(Phase::Checks) => "the checks phase",
        Some(Phase::Report) => "report writing",
        None => "an unknown phase",
    };
    let reason = report
        .outcome_reason
        .as_deref()
        .unwrap_or("stopped by a signal");
    Some(format!(
        "    <testcase classname=\"loadproof.run\" name=\"interrupted\"><error type=\"interrupted\" message=\"interrupted during {phase}\">{}</error></testcase>\n",
        esc(reason)
    ))
}

/// Escape text for XML attributes and character data, dropping characters XML 1.0 forbids.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

pub fn render(report: &Report, fail_on_warn: bool) -> Vec<u8> {
    let mut checks = String::new();
    let (mut failures, mut errors, mut skipped) = (0, 0, 0);
    for c in &report.checks {
        let _ = write!(
            checks,
            "    <testcase classname=\"loadproof.checks\" name=\"{}\">",
            esc(&c.id)
        );
        // The decisive exchange first (what a CI reader acts on), then up to two more steps of
        // the chain, in order.
        let decisive = c.decisive();
        let rest = c
            .evidence
            .iter()
            .filter(|e| !decisive.is_some_and(|d| std::ptr::eq(*e, d)))
            .take(2);
        let details: String = decisive
            .into_iter()
            .chain(rest)
            .map(|e| {
                let mut d = String::new();
                if let (Some(m), Some(u)) = (&e.method, &e.url) {
                    let _ = writeln!(
                        d,
                        "{m} {u}{}",
                        e.status.map_or(String::new(), |s| format!(" -> {s}"))
                    );
                }
                if !e.misses.is_empty() {
                    for m in &e.misses {
                        let _ = writeln!(d, "- {m}");
                    }
                } else if let Some(n) = &e.note {
                    let _ = writeln!(d, "{n}");
                }
                if let Some(curl) = &e.curl {
                    let _ = writeln!(d, "reproduce: {curl}");
                    if let Some(note) = crate::verdict::reproduce_note(curl) {
                        let _ = writeln!(d, "({note})");
                    }
                }
                d
            })
            .collect();
        match c.status {
            CheckStatus::Fail => {
                failures += 1;
                let _ = write!(
                    checks,
                    "<failure message=\"{}\">{}</failure>",
                    esc(&c.message),
                    esc(&details)
                );
            }
            CheckStatus::Warn if fail_on_warn => {
                failures += 1;
                let _ = write!(
                    checks,
                    "<failure message=\"warning: {}\">{}</failure>",
                    esc(&c.message),
                    esc(&details)
                );
            }
            CheckStatus::Error => {
                errors += 1;
                let _ = write!(checks, "<error message=\"{}\"/>", esc(&c.message));
            }
            CheckStatus::Skip => {
                skipped += 1;
                let _ = write!(checks, "<skipped message=\"{}\"/>", esc(&c.message));
            }
            CheckStatus::Pass | CheckStatus::Warn => {
                let _ = write!(checks, "<system-out>{}</system-out>", esc(&c.message));
            }
        }
        checks.push_str("</testcase>\n");
    }
    let mut thresholds = String::new();
    let mut breached = 0;
    for t in &report.thresholds {
        let name = format!("{} ({})", t.bound(), t.request.as_deref().unwrap_or("all"));
        let _ = write!(
            thresholds,
            "    <testcase classname=\"loadproof.thresholds\" name=\"{}\">",
            esc(&name)
        );
        if !t.passed {
            breached += 1;
            let _ = write!(thresholds, "<failure message=\"{}\"/>", esc(&t.measured()));
        }
        thresholds.push_str("</testcase>\n");
    }
    let mut o = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let run = interruption(report);
    let run_cases = usize::from(run.is_some());
    let total = report.checks.len() + report.thresholds.len() + run_cases;
    let _ = writeln!(
        o,
        "<testsuites name=\"loadproof {}\" tests=\"{total}\" failures=\"{}\" errors=\"{}\" skipped=\"{skipped}\" time=\"{:.3}\">",
        esc(&report.scenario.name),
        failures + breached,
        errors + run_cases,
        report.totals.elapsed_s
    );
    if let Some(case) = run {
        let _ = writeln!(
            o,
            "  <testsuite name=\"run\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\" timestamp=\"{}\">",
            esc(&report.started_at)
        );
        o.push_str(&case);
        o.push_str("  </testsuite>\n");
    }
    let _ = writeln!(
        o,
        "  <testsuite name=\"checks\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" timestamp=\"{}\">",
        report.checks.len(),
        esc(&report.started_at)
    );
    o.push_str(&checks);
    o.push_str("  </testsuite>\n");
    let _ = writeln!(
        o,
        "  <testsuite name=\"thresholds\" tests=\"{}\" failures=\"{breached}\" errors=\"0\" skipped=\"0\">",
        report.thresholds.len()
    );
    o.push_str(&thresholds);
    o.push_str("  </testsuite>\n</testsuites>\n");
    o.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn escapes_markup_and_drops_control_characters() {
        assert_eq!(
            esc("a<b & \"c\" 'd'>\u{1}"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;"
        );
    }
}
