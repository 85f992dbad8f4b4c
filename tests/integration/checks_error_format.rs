//! Error-format checks ERR-01..08 end to end: the binary against the in-process reference API,
//! correct and with each `errors-*` fault (one fault, one failing check), and the passive part
//! judging the load phase's own error responses.

use std::path::Path;

use loadproof::reference::{Fault, ReferenceConfig};
use serde_json::Value;

use crate::common::*;

const IDS: [&str; 8] = [
    "ERR-01", "ERR-02", "ERR-03", "ERR-04", "ERR-05", "ERR-06", "ERR-07", "ERR-08",
];

/// Run `scenario` against a reference server with `faults`; (exit code, checks).
fn run_against(name: &str, scenario: &Path, faults: &[Fault]) -> (i32, Vec<Value>) {
    let r = run_scenario_against(
        ReferenceConfig::with_faults(faults.iter().copied()),
        scenario,
        name,
    );
    (r.code(), r.checks)
}

fn quickstart(name: &str, faults: &[Fault]) -> (i32, Vec<Value>) {
    run_against(name, Path::new("scenarios/quickstart.toml"), faults)
}

fn err_checks(checks: &[Value]) -> Vec<&Value> {
    checks
        .iter()
        .filter(|c| c["id"].as_str().unwrap().starts_with("ERR-"))
        .collect()
}

fn assert_each_id_once(checks: &[Value]) {
    for id in IDS {
        let n = checks.iter().filter(|c| c["id"] == id).count();
        assert_eq!(n, 1, "{id} appears {n} times: {checks:#?}");
    }
    assert!(
        !checks.iter().any(|c| c["id"] == "ERR-*"),
        "the family did not run: {checks:#?}"
    );
}

fn failing(checks: &[Value]) -> Vec<String> {
    checks
        .iter()
        .filter(|c| c["status"] == "fail" || c["status"] == "error")
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn correct_server_passes_every_error_check() {
    let (code, checks) = quickstart("err-correct", &[]);
    assert_each_id_once(&checks);
    assert!(failing(&checks).is_empty(), "{:#?}", err_checks(&checks));
    for c in err_checks(&checks) {
        assert!(
            c["status"] == "pass",
            "against a correct server every ERR check judges something: {c:#}"
        );
    }
    assert_eq!(code, 0, "{checks:#?}");
}

fn one_fault_one_check(name: &str, fault: Fault, id: &str) {
    let (code, checks) = quickstart(name, &[fault]);
    assert_each_id_once(&checks);
    assert_eq!(
        failing(&checks),
        [id],
        "{fault}: only {id} may fail: {:#?}",
        err_checks(&checks)
    );
    let c = checks.iter().find(|c| c["id"] == id).unwrap();
    assert!(
        !c["evidence"].as_array().unwrap().is_empty(),
        "a failure carries evidence: {c:#}"
    );
    assert!(c["count"].as_u64().unwrap() >= 1);
    assert_eq!(code, 4, "{checks:#?}");
}

#[test]
fn errors_html_fails_only_err01() {
    one_fault_one_check("err-html", Fault::ErrorsHtml, "ERR-01");
}

#[test]
fn errors_stack_trace_fails_only_err05() {
    one_fault_one_check("err-stack", Fault::ErrorsStackTrace, "ERR-05");
}

#[test]
fn errors_status_mismatch_fails_only_err02() {
    one_fault_one_check("err-status", Fault::ErrorsStatusMismatch, "ERR-02");
}

#[test]
fn errors_no_request_id_fails_only_err06() {
    one_fault_one_check("err-no-id", Fault::ErrorsNoRequestId, "ERR-06");
}

/// The quickstart asks for an id on every response (`request_id_on = "every_response"`), so
/// successes without one fail ERR-06, though every error response has its id.
#[test]
fn success_no_request_id_fails_only_err06() {
    one_fault_one_check("err-success-no-id", Fault::SuccessNoRequestId, "ERR-06");
}

/// The quickstart requires the echo (`echo_request_id = true`): a fresh id in place of the
/// client's fails ERR-06 (without the setting it is a warning).
#[test]
fn request_id_not_echoed_fails_only_err06() {
    one_fault_one_check("err-not-echoed", Fault::RequestIdNotEchoed, "ERR-06");
}

/// No probes at all: the only error responses are the load phase's own, and ERR-01 counts them.
#[test]
fn passive_part_judges_load_phase_errors() {
    let dir = scratch("err-passive-scenario");
    let scenario = write(
        &dir,
        "passive.toml",
        r#"
name = "passive-errors"
target = "reference"

[load]
rate = 50
duration = "1s"
connections = 4

[[requests]]
name = "missing_order"
path = "/orders/ord_0000000000000000"
weight = 1

  [requests.expect]
  status = [404]

[checks]
passive = true

[checks.error_format]
profile = "problem+json"
request_id_headers = ["X-Request-Id"]
"#,
    );
    let (code, checks) = run_against("err-passive", &scenario, &[Fault::ErrorsHtml]);
    assert_each_id_once(&checks);
    let err01 = checks.iter().find(|c| c["id"] == "ERR-01").unwrap();
    assert_eq!(err01["status"], "fail", "{err01:#}");
    let count = err01["count"].as_u64().unwrap();
    assert!(
        count >= 20,
        "ERR-01 judged the load phase: count {count}: {err01:#}"
    );
    assert!(
        err01["message"].as_str().unwrap().contains("0 from probes"),
        "{err01:#}"
    );
    let note = err01["evidence"][0]["note"].as_str().unwrap();
    assert!(note.contains("load phase"), "{note}");
    assert_eq!(failing(&checks), ["ERR-01"], "{checks:#?}");
    // Without probes, the probe-only checks say why they did not run.
    let err08 = checks.iter().find(|c| c["id"] == "ERR-08").unwrap();
    assert_eq!(err08["status"], "skip");
    assert!(
        err08["message"]
            .as_str()
            .unwrap()
            .contains("no error probes")
    );
    assert_eq!(code, 4);
}
