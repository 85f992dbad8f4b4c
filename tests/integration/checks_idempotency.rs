//! The idempotency checks (IDEM-01..08) end to end: the quickstart scenario against the
//! in-process reference API, correct and with each idempotency fault.

use loadproof::reference::{Fault, ReferenceConfig};
use serde_json::Value;

use crate::common::*;

const IDS: [&str; 8] = [
    "IDEM-01", "IDEM-02", "IDEM-03", "IDEM-04", "IDEM-05", "IDEM-06", "IDEM-07", "IDEM-08",
];

/// Run the quickstart against the reference API with `faults`; the exit code and the checks.
fn run_against(faults: &[Fault], name: &str) -> (i32, Vec<Value>) {
    let r = quickstart_against(ReferenceConfig::with_faults(faults.iter().copied()), name);
    (r.code(), r.checks)
}

/// The one result for `id` (each IDEM id appears exactly once).
fn status_of<'a>(checks: &'a [Value], id: &str) -> &'a str {
    let found: Vec<&Value> = checks.iter().filter(|c| c["id"] == id).collect();
    assert_eq!(found.len(), 1, "{id} must appear exactly once: {checks:#?}");
    found[0]["status"].as_str().unwrap()
}

fn failing(checks: &[Value]) -> Vec<String> {
    checks
        .iter()
        .filter(|c| c["status"] == "fail")
        .map(|c| format!("{}: {}", c["id"].as_str().unwrap(), c["message"]))
        .collect()
}

/// `must` fails; besides it only the ids in `may` (same broken behaviour) may fail, and no
/// check outside the idempotency family fails.
fn assert_fault(checks: &[Value], must: &str, may: &[&str]) {
    for id in IDS {
        status_of(checks, id);
    }
    assert_eq!(status_of(checks, must), "fail", "{must}: {checks:#?}");
    let unexpected: Vec<String> = failing(checks)
        .into_iter()
        .filter(|f| !f.starts_with(must) && !may.iter().any(|m| f.starts_with(m)))
        .collect();
    assert!(
        unexpected.is_empty(),
        "unexpected failures: {unexpected:#?}"
    );
    for c in checks.iter().filter(|c| c["status"] == "fail") {
        let ev = c["evidence"].as_array().unwrap();
        assert!(!ev.is_empty(), "a failure carries evidence: {c:#}");
        assert!(
            ev[0]["curl"]
                .as_str()
                .is_some_and(|s| s.starts_with("curl "))
        );
    }
}

#[test]
fn correct_server_passes_every_idempotency_check() {
    let (code, checks) = run_against(&[], "idem-correct");
    assert!(failing(&checks).is_empty(), "{:#?}", failing(&checks));
    for id in IDS {
        let s = status_of(&checks, id);
        assert_ne!(s, "fail", "{id}");
        assert_ne!(s, "error", "{id}: {checks:#?}");
    }
    // The quickstart configures every check (IDEM-02 through `error_request`, IDEM-07 through
    // `second_credential`).
    for id in IDS {
        assert_eq!(status_of(&checks, id), "pass", "{id}: {checks:#?}");
    }
    assert_eq!(code, 0);
}

#[test]
fn race_fault_fails_concurrent_duplicates() {
    let (code, checks) = run_against(&[Fault::IdempotencyRace], "idem-race");
    // IDEM-06 races one key with different bodies: with check-then-insert not atomic, the
    // racers all see "absent" before the fingerprint is stored, so several create. That is the
    // same broken behaviour, seen through a different request mix.
    assert_fault(&checks, "IDEM-05", &["IDEM-06"]);
    assert_eq!(code, 4);
}

#[test]
fn no_replay_fault_fails_replay() {
    let (code, checks) = run_against(&[Fault::IdempotencyNoReplay], "idem-no-replay");
    // The key is ignored altogether, which genuinely breaks every check that relies on it being
    // remembered: the retry of a failed request executes again (IDEM-02), a reused key with
    // another body creates a second order (IDEM-03), and racing duplicates (IDEM-05) and racing
    // mismatches (IDEM-06) each create one order per racer. IDEM-04 still passes: the header is
    // still required. IDEM-07 passes too: client B gets its own order (nothing is shared).
    assert_fault(
        &checks,
        "IDEM-01",
        &["IDEM-02", "IDEM-03", "IDEM-05", "IDEM-06"],
    );
    assert_eq!(status_of(&checks, "IDEM-04"), "pass");
    assert_eq!(code, 4);
}

#[test]
fn ignore_mismatch_fault_fails_payload_mismatch() {
    let (code, checks) = run_against(&[Fault::IdempotencyIgnoreMismatch], "idem-ignore-mismatch");
    // Nothing else may fail: under concurrency the mismatched racers get 409 or the winner's
    // replay, which IDEM-06 reports as a warning pointing at IDEM-03 (one resource, one state).
    assert_fault(&checks, "IDEM-03", &[]);
    assert_ne!(status_of(&checks, "IDEM-06"), "fail");
    assert_eq!(code, 4);
}

#[test]
fn error_not_stored_fault_fails_error_replay() {
    let (code, checks) = run_against(&[Fault::IdempotencyErrorNotStored], "idem-error-not-stored");
    // Only a failed execution is forgotten; every other outcome is stored as before.
    assert_fault(&checks, "IDEM-02", &[]);
    let idem02 = checks.iter().find(|c| c["id"] == "IDEM-02").unwrap();
    assert!(
        idem02["message"]
            .as_str()
            .unwrap()
            .contains("the retry executed: 201"),
        "{idem02:#}"
    );
    assert_eq!(code, 4);
}

#[test]
fn global_keys_fault_fails_key_scope() {
    let (code, checks) = run_against(&[Fault::IdempotencyGlobalKeys], "idem-global-keys");
    // Every other idempotency check sends from one credential, where a global key space behaves
    // exactly like a per-credential one, so nothing else may fail.
    assert_fault(&checks, "IDEM-07", &[]);
    let idem07 = checks.iter().find(|c| c["id"] == "IDEM-07").unwrap();
    assert!(
        idem07["message"]
            .as_str()
            .unwrap()
            .contains("client B received client A's response"),
        "{idem07:#}"
    );
    assert_eq!(code, 4);
}

/// Issue 11: the text summary showed the first step of IDEM-03's chain (the harmless 201). It
/// shows the decisive exchange now, the reused key with body B that the API accepted, and no
/// timeline (IDEM-03 is not a race); report.json marks that exchange `decisive`.
#[test]
fn the_summary_shows_the_decisive_exchange_of_a_finding() {
    let (rt, server) = reference(ReferenceConfig::with_faults([
        Fault::IdempotencyIgnoreMismatch,
    ]));
    let dir = scratch("idem-decisive");
    let output = run(
        bin()
            .args(["run", "scenarios/quickstart.toml", "--target"])
            .arg(server.base_url())
            .args(["--duration", "1s", "--out"])
            .arg(&dir),
        std::time::Duration::from_secs(120),
    );
    rt.block_on(server.shutdown());
    let (stdout, stderr) = text(&output);
    let at = stdout
        .find("  IDEM-03 evidence:\n")
        .unwrap_or_else(|| panic!("no IDEM-03 evidence:\n{stdout}\n{stderr}"));
    let section: String = stdout[at..].lines().take(4).collect::<Vec<_>>().join("\n");
    assert!(
        section.contains("same key K, different body B"),
        "{section}"
    );
    assert!(section.contains("--data-binary"), "{section}");
    assert!(!stdout.contains("IDEM-03 timeline"), "{stdout}");
    let checks = report(&dir)["checks"].as_array().cloned().unwrap();
    let idem03 = checks.iter().find(|c| c["id"] == "IDEM-03").unwrap();
    let decisive: Vec<&Value> = idem03["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["decisive"] == true)
        .collect();
    assert_eq!(decisive.len(), 1, "{idem03:#}");
    assert_eq!(decisive[0]["note"], "same key K, different body B");
}
