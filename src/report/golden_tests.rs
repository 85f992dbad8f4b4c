//! Golden-file tests for the text, Markdown and JUnit writers.
//!
//! Each case takes a [`Report`] built by hand (`report/fixtures.rs`), renders it with
//! the three writers and compares the output byte for byte with `src/report/golden/<case>.txt`,
//! `<case>.md` and `<case>.junit.xml` (JUnit as under the default `fail_on`; a case with a warning
//! also has `<case>.fail-on-warn.junit.xml`, JUnit as under `fail_on = "warn"`).
//!
//! When a writer changes on purpose, regenerate the files and review the diff before committing:
//!
//! ```text
//! UPDATE_GOLDEN=1 cargo test --lib report::golden_tests
//! git diff src/report/golden/
//! ```
//!
//! With `UPDATE_GOLDEN=1` the tests write every golden file (only those whose content changed)
//! instead of comparing, and pass. Without it, a missing or different file fails the test, naming
//! the first line that differs.

use std::path::{Path, PathBuf};

use crate::report::fixtures::*;
use crate::report::model::{CheckStatus, Phase, Report};
use crate::report::{junit, markdown, text};

// ---------------------------------------------------------------------------------------------
// Comparing and updating

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/report/golden")
}

fn updating() -> bool {
    std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1")
}

/// Render `report` with every writer and compare (or, under `UPDATE_GOLDEN=1`, write) each output.
fn golden(case: &str, report: &Report) {
    let mut outputs = vec![
        (format!("{case}.txt"), text::render(report).into_bytes()),
        (format!("{case}.md"), markdown::render(report)),
        (format!("{case}.junit.xml"), junit::render(report, false)),
    ];
    if report.checks.iter().any(|c| c.status == CheckStatus::Warn) {
        outputs.push((
            format!("{case}.fail-on-warn.junit.xml"),
            junit::render(report, true),
        ));
    }
    let mut problems = Vec::new();
    for (name, actual) in outputs {
        let path = golden_dir().join(&name);
        let expected = std::fs::read(&path).ok();
        if updating() {
            if expected.as_deref() != Some(actual.as_slice()) {
                std::fs::create_dir_all(golden_dir()).unwrap();
                std::fs::write(&path, &actual)
                    .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
            }
            continue;
        }
        match expected {
            None => problems.push(format!("{name}: missing")),
            Some(expected) if expected != actual => {
                problems.push(format!("{name}: {}", first_difference(&expected, &actual)));
            }
            Some(_) => {}
        }
    }
    assert!(
        problems.is_empty(),
        "golden files of case `{case}` do not match the writers' output \
         (if the change is intended: UPDATE_GOLDEN=1 cargo test --lib report::golden_tests, \
         then review `git diff src/report/golden/`):\n{}",
        problems.join("\n")
    );
}

/// `line 7: expected "…" / actual "…"`: the first line that differs.
fn first_difference(expected: &[u8], actual: &[u8]) -> String {
    let (e, a) = (
        String::from_utf8_lossy(expected),
        String::from_utf8_lossy(actual),
    );
    let (mut e_lines, mut a_lines) = (e.split_inclusive('\n'), a.split_inclusive('\n'));
    for n in 1.. {
        match (e_lines.next(), a_lines.next()) {
            (Some(x), Some(y)) if x == y => {}
            (None, None) => break,
            (x, y) => {
                return format!(
                    "line {n}: expected {:?} / actual {:?}",
                    x.unwrap_or("<end of file>"),
                    y.unwrap_or("<end of file>")
                );
            }
        }
    }
    "the bytes differ".into()
}

/// Every case, so a golden file no case writes any more is noticed.
const CASES: [&str; 6] = [
    "pass",
    "failed",
    "breached",
    "interrupted",
    "inconclusive",
    "open_loop",
];

#[test]
fn every_golden_file_belongs_to_a_case() {
    if updating() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(golden_dir()) else {
        panic!("{} is missing", golden_dir().display());
    };
    let mut stray = Vec::new();
    for entry in entries {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let case = name.split('.').next().unwrap_or_default();
        if !name.starts_with('.') && !CASES.contains(&case) {
            stray.push(name);
        }
    }
    assert!(stray.is_empty(), "golden files of no case: {stray:?}");
}

// ---------------------------------------------------------------------------------------------
// The cases

#[test]
fn pass_run() {
    golden("pass", &pass());
}

#[test]
fn failed_checks_with_evidence_warnings_and_a_breach() {
    golden("failed", &failed());
}

#[test]
fn breached_thresholds_with_and_without_a_figure() {
    golden("breached", &breached());
}

#[test]
fn interrupted_during_the_load() {
    golden("interrupted", &interrupted());
}

/// JUnit never shows an interrupted run all green: whatever the phase, a `loadproof.run`
/// test case in error names it, and a run that was not interrupted has no such case.
#[test]
fn an_interrupted_run_is_an_error_test_case_in_junit() {
    for (phase, says) in [
        (Phase::Warmup, "during the warm-up"),
        (Phase::Load, "during the load phase"),
        (Phase::Checks, "during the checks phase"),
        (Phase::Report, "during report writing"),
    ] {
        let mut r = interrupted();
        r.interrupted_phase = Some(phase);
        let xml = String::from_utf8(junit::render(&r, false)).unwrap();
        assert!(
            xml.contains("<testcase classname=\"loadproof.run\" name=\"interrupted\"><error"),
            "{xml}"
        );
        assert!(xml.contains(says), "{phase:?}: {xml}");
        assert!(xml.contains("errors=\"1\""), "{xml}");
    }
    let xml = String::from_utf8(junit::render(&pass(), false)).unwrap();
    assert!(!xml.contains("loadproof.run"), "{xml}");
}

#[test]
fn inconclusive_with_no_response() {
    golden("inconclusive", &inconclusive());
}

#[test]
fn open_loop_with_late_and_unsent_requests_after_a_warm_up() {
    golden("open_loop", &open_loop());
}

/// The timeline is the race's alone: an exchange after the race (IDEM-06's GET of the winner's
/// resource) is evidence, not a racer; a check without a race draws no timeline at all.
#[test]
fn the_text_summary_draws_only_race_timelines() {
    let mut race = check("IDEM-06", CheckStatus::Fail, 1, "mixed state");
    race.evidence = race_evidence();
    let mut state = race.evidence[0].clone();
    state.note = Some("the winner's resource after the race".into());
    state.timeline.as_mut().unwrap().race = false;
    state.status = Some(299);
    race.evidence.push(state);
    let mut report = pass();
    report.checks = vec![race, mismatch_check()];
    let text = text::render(&report);
    assert!(text.contains("IDEM-06 timeline"), "{text}");
    assert!(!text.contains("IDEM-03 timeline"), "{text}");
    let timeline =
        &text[text.find("IDEM-06 timeline").unwrap()..text.find("IDEM-06 evidence").unwrap()];
    assert!(
        !timeline.contains("299"),
        "the GET is not a racer:\n{timeline}"
    );
    assert!(
        timeline.contains("… 2 more in report.json"),
        "14 racers, 12 shown:\n{timeline}"
    );
    // IDEM-06's decisive exchange is its last step here; IDEM-03's is marked.
    assert!(
        text.contains("    the winner's resource after the race\n"),
        "{text}"
    );
    assert!(
        text.contains("    same key K, different body B\n"),
        "{text}"
    );
}

/// A request name wider than `format!` can pad (65,535) must not crash the summary: the name
/// column is capped and the name cut with `…`.
#[test]
fn a_huge_request_name_is_cut_in_the_text_summary() {
    let mut report = pass();
    assert!(report.requests.len() > 1, "the table lists each request");
    report.requests[0].name = "n".repeat(70_000);
    let text = text::render(&report);
    let row = text
        .lines()
        .find(|l| l.starts_with("nnnn"))
        .expect("a row for the long name");
    assert!(row.chars().count() < 200, "{row}");
    assert!(row.contains('…'), "{row}");
}
