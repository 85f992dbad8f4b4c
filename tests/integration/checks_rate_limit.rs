//! The rate-limit family (RL-01..10) against the in-process reference API: the correct server
//! passes, and each rate-limit fault fails its check, with no failure outside the family.

use std::time::Duration;

use loadproof::reference::{Fault, ReferenceConfig};
use serde_json::Value;

use crate::common::{quickstart_against, text};

const IDS: [&str; 10] = [
    "RL-01", "RL-02", "RL-03", "RL-04", "RL-05", "RL-06", "RL-07", "RL-08", "RL-09", "RL-10",
];

fn quickstart(config: ReferenceConfig, name: &str) -> (i32, Vec<Value>) {
    let r = quickstart_against(config, name);
    let (stdout, stderr) = text(&r.output);
    assert!(
        r.elapsed < Duration::from_secs(30),
        "the quickstart took {:?}\n{stdout}\n{stderr}",
        r.elapsed
    );
    for id in IDS {
        let n = r.checks.iter().filter(|c| c["id"] == id).count();
        assert_eq!(n, 1, "{id} appears {n} times:\n{:#?}", r.checks);
    }
    (r.code(), r.checks)
}

fn status<'a>(checks: &'a [Value], id: &str) -> &'a str {
    checks
        .iter()
        .find(|c| c["id"] == id)
        .and_then(|c| c["status"].as_str())
        .unwrap_or("missing")
}

/// Every failing check is in `allowed`.
fn only_fails(checks: &[Value], allowed: &[&str]) {
    let failing: Vec<&Value> = checks.iter().filter(|c| c["status"] == "fail").collect();
    for c in &failing {
        assert!(
            allowed.contains(&c["id"].as_str().unwrap_or("")),
            "unexpected failure: {c:#}"
        );
    }
}

#[test]
fn correct_server_passes_every_rate_limit_check() {
    let (exit, checks) = quickstart(ReferenceConfig::default(), "rl-correct");
    only_fails(&checks, &[]);
    // Everything the reference offers is exercised: no warn or skip either.
    for id in IDS {
        assert_eq!(status(&checks, id), "pass", "{id}: {checks:#?}");
    }
    assert_eq!(exit, 0, "{checks:#?}");
}

#[test]
fn lying_server_fails_honesty() {
    let (exit, checks) = quickstart(
        ReferenceConfig::with_faults([Fault::RatelimitLying]),
        "rl-lying",
    );
    assert_eq!(status(&checks, "RL-06"), "fail", "{checks:#?}");
    // Only RL-06: the 429s still carry Retry-After (RL-03), the wait is honest (RL-07) and the
    // second client keeps its own budget (RL-09).
    only_fails(&checks, &["RL-06"]);
    assert_eq!(exit, 4);
}

#[test]
fn missing_retry_after_fails_429_shape() {
    let (exit, checks) = quickstart(
        ReferenceConfig::with_faults([Fault::RatelimitNoRetryAfter]),
        "rl-no-retry-after",
    );
    assert_eq!(status(&checks, "RL-03"), "fail", "{checks:#?}");
    // Only RL-03: RL-04 has nothing to compare (skip), RL-07 waits for the reset advertised by
    // the last served response and recovers.
    only_fails(&checks, &["RL-03"]);
    assert_eq!(exit, 4);
}

#[test]
fn malformed_field_fails_parse() {
    let (exit, checks) = quickstart(
        ReferenceConfig::with_faults([Fault::RatelimitMalformed]),
        "rl-malformed",
    );
    assert_eq!(status(&checks, "RL-01"), "fail", "{checks:#?}");
    // Only RL-01: without a parseable `RateLimit`, RL-04/05 skip, and RL-06 still holds the
    // server to the (valid) `RateLimit-Policy`.
    only_fails(&checks, &["RL-01"]);
    assert_eq!(exit, 4);
}
