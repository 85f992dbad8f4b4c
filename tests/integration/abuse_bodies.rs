//! Issue 12, the honest-numbers part about what a run measured: req/s over the load phase's
//! length (not the time to the last response), the `EXPECT-*` row of a request that was never
//! sent, and bodies longer than what is kept for an expectation (never judged as if whole).

use std::time::Duration;

use loadproof::reference::ReferenceConfig;

use crate::common::*;

const LIMIT: Duration = Duration::from_secs(120);

/// `--rate 5 -z 2s` sends 10 requests, the last due at 1.8 s: 5 req/s over the 2 s phase, not
/// 10 / 1.8 = 5.6 over the time to the last response. The same figure per request in
/// `summary.csv`.
#[test]
fn requests_per_second_is_over_the_load_phase_not_to_the_last_response() {
    let (rt, server) = reference(ReferenceConfig::default());
    let dir = scratch("rps-load-phase");
    let scenario = write(
        &dir,
        "rps.toml",
        r#"
name = "rps"
target = "reference"
[load]
rate = 5
duration = "2s"
connections = 2
[[requests]]
name = "health"
path = "/health"
"#,
    );
    let out = dir.join("out");
    let o = run(
        bin()
            .arg("run")
            .arg(&scenario)
            .args(["--target", &server.base_url(), "--quiet", "--out"])
            .arg(&out),
        LIMIT,
    );
    rt.block_on(server.shutdown());
    let (stdout, stderr) = text(&o);
    assert_eq!(code(&o), 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    let r = report(&out);
    let sent = r["totals"]["requests"].as_u64().unwrap();
    let rps = r["totals"]["rps"].as_f64().unwrap();
    let phase = r["totals"]["load_phase_s"].as_f64().unwrap();
    assert!(
        (phase - 2.0).abs() < 1e-6,
        "load phase {phase} s, planned 2 s"
    );
    // Generous on the count (a noisy machine may leave one unsent), exact on the division.
    assert!((9..=10).contains(&sent), "sent {sent}");
    assert!(
        (rps - sent as f64 / 2.0).abs() < 1e-9,
        "rps {rps} for {sent} over 2 s"
    );
    assert!(
        rps <= 5.0 + 1e-9,
        "rps {rps} overstates the 5 req/s asked for"
    );
    assert!(rps >= 4.0, "rps {rps}");
    let csv = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let row = csv.lines().find(|l| l.starts_with("health,")).expect(&csv);
    let csv_rps: f64 = row.split(',').nth(3).unwrap().parse().unwrap();
    assert!(
        (csv_rps - rps).abs() < 0.001,
        "summary.csv rps {csv_rps}, report {rps}"
    );
}
