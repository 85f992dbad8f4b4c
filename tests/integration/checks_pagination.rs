//! PAGE-01..06 end to end: the quickstart scenario against the in-process reference API, correct
//! and with each pagination fault. One fault must fail its one check and nothing outside the
//! pagination family.

use std::path::PathBuf;
use std::process::Output;

use loadproof::reference::{Fault, ReferenceConfig};
use serde_json::Value;

use crate::common::*;

const IDS: [&str; 6] = [
    "PAGE-01", "PAGE-02", "PAGE-03", "PAGE-04", "PAGE-05", "PAGE-06",
];

fn run_against(config: ReferenceConfig, name: &str) -> (Output, Vec<Value>, PathBuf) {
    let r = quickstart_against(config, name);
    (r.output, r.checks, r.dir)
}

fn check<'a>(checks: &'a [Value], id: &str) -> &'a Value {
    let found: Vec<&Value> = checks.iter().filter(|c| c["id"] == id).collect();
    assert_eq!(found.len(), 1, "{id} must appear exactly once: {checks:#?}");
    found[0]
}

/// Every PAGE id once; the failing checks are exactly `expect_fail` (ids outside the family must
/// never fail).
fn assert_fails(o: &Output, checks: &[Value], expect_fail: &[&str]) {
    let (out, err) = text(o);
    for id in IDS {
        let c = check(checks, id);
        let s = c["status"].as_str().unwrap();
        assert!(["pass", "warn", "fail", "skip"].contains(&s), "{id}: {c:#}");
        if s == "skip" {
            assert!(!c["message"].as_str().unwrap().is_empty(), "{c:#}");
        }
    }
    let failing: Vec<&str> = checks
        .iter()
        .filter(|c| c["status"] == "fail" || c["status"] == "error")
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        failing, expect_fail,
        "failing checks differ\nchecks: {checks:#?}\nstdout:\n{out}\nstderr:\n{err}"
    );
    let want = if expect_fail.is_empty() { 0 } else { 4 };
    assert_eq!(code(o), want, "stdout:\n{out}\nstderr:\n{err}");
}

fn message(checks: &[Value], id: &str) -> String {
    check(checks, id)["message"].as_str().unwrap().to_string()
}

#[test]
fn correct_server_passes_and_is_cursor_stable() {
    let (o, checks, _) = run_against(ReferenceConfig::default(), "page-correct");
    assert_fails(&o, &checks, &[]);
    let m3 = message(&checks, "PAGE-03");
    assert!(
        m3.starts_with("cursor-stable") || m3.starts_with("snapshot-consistent"),
        "{m3}"
    );
    assert!(m3.contains("0 duplicate(s), 0 skipped survivor(s)"), "{m3}");
    // The writers really wrote: deletes before the cursor and of the cursor item.
    assert!(!m3.contains(", 0 of the cursor item"), "{m3}");
    assert!(message(&checks, "PAGE-01").contains("auto-detected link"));
    assert!(message(&checks, "PAGE-04").contains("maximum of 100"));
    for id in ["PAGE-01", "PAGE-02", "PAGE-04", "PAGE-05", "PAGE-06"] {
        assert_eq!(check(&checks, id)["status"], "pass", "{id}: {checks:#?}");
    }
}

#[test]
fn offset_cursor_is_caught_by_page03_only() {
    let (o, checks, _) = run_against(
        ReferenceConfig::with_faults([Fault::PaginationOffset]),
        "page-offset",
    );
    // Only PAGE-03: the cursor is as opaque and HMAC'd as the correct one, and a walk with no
    // writers is complete, so PAGE-01/02/05 have nothing to find.
    assert_fails(&o, &checks, &["PAGE-03"]);
    let m3 = message(&checks, "PAGE-03");
    assert!(m3.starts_with("offset-unstable"), "{m3}");
    assert!(
        !check(&checks, "PAGE-03")["evidence"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn looping_last_page_is_caught_by_page01_only() {
    let (o, checks, _) = run_against(
        ReferenceConfig::with_faults([Fault::PaginationLoop]),
        "page-loop",
    );
    // Only PAGE-01: PAGE-02 and PAGE-03 judge their walks up to the loop and leave termination
    // to PAGE-01.
    assert_fails(&o, &checks, &["PAGE-01"]);
    assert!(message(&checks, "PAGE-01").contains("loops"));
    let c = check(&checks, "PAGE-01");
    assert_eq!(c["evidence"].as_array().unwrap().len(), 2, "{c:#}");
}

#[test]
fn cursor_500_is_caught_by_page05_only() {
    let (o, checks, _) = run_against(
        ReferenceConfig::with_faults([Fault::PaginationCursor500]),
        "page-cursor500",
    );
    // Only PAGE-05: valid cursors still work, so every walk is unaffected.
    assert_fails(&o, &checks, &["PAGE-05"]);
    let c = check(&checks, "PAGE-05");
    assert!(c["message"].as_str().unwrap().contains("500"), "{c:#}");
    let ev = c["evidence"].as_array().unwrap();
    assert!(!ev.is_empty() && ev[0]["curl"].as_str().unwrap().contains("cursor="));
}

mod listings;
