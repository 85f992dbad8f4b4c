//! `loadproof compare` and `run --baseline` end to end: two runs of the unchanged reference API
//! are noise, a run against `serve-reference --delay 5ms` is a regression, runs of different
//! scenarios are refused unless `--force`, and bad input is a located usage error.

use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::common::*;

/// Open loop, 3 s at 150 req/s: enough full seconds for the drift between runs to be estimated,
/// short enough for a test. No check family table: no probes after the load.
const SCENARIO: &str = r#"
name = "compare-it"
target = "reference"

[[requests]]
name = "list_orders"
path = "/orders"
query = { limit = 5 }

[load]
rate = 150
duration = "3s"
connections = 10
"#;

fn scenario(dir: &Path) -> PathBuf {
    write(dir, "compare-it.toml", SCENARIO)
}

/// `loadproof run SCENARIO --out OUT ARGS…`, bounded in time.
fn run_to(scenario: &Path, out: &Path, args: &[&str]) -> std::process::Output {
    run(
        bin()
            .arg("run")
            .arg(scenario)
            .arg("--out")
            .arg(out)
            .args(args),
        Duration::from_secs(120),
    )
}

fn compare(args: &[&str]) -> std::process::Output {
    run(bin().arg("compare").args(args), Duration::from_secs(120))
}

/// `serve-reference --port 0 ARGS…`, started by this test; its URL read from the first line
/// of its output (within 30 s), and the child to stop by PID.
fn serve_reference(args: &[&str]) -> (Child, String) {
    let mut child = bin()
        .args(["serve-reference", "--port", "0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn serve-reference");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = std::io::BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(line) => line,
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("serve-reference announced no address within 30 s");
        }
    };
    let url = line
        .trim()
        .strip_prefix("reference API listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    (child, url)
}

fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(stdout).expect("compare --format json");
    v["lines"].as_array().cloned().unwrap()
}

/// Two runs of the unchanged reference API are never a regression: `run --baseline` writes
/// comparison.md and comparison.json and exits 0, and `compare` agrees.
#[test]
fn two_runs_of_the_unchanged_reference_api_are_noise() {
    let dir = scratch("compare-noise");
    let s = scenario(&dir);
    let (a, b) = (dir.join("a"), dir.join("b"));
    let o = run_to(&s, &a, &["--quiet"]);
    assert_eq!(code(&o), 0, "{:?}", text(&o));
    let o = run_to(&s, &b, &["--quiet", "--baseline", a.to_str().unwrap()]);
    let (out, err) = text(&o);
    assert_eq!(code(&o), 0, "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.contains("Compare    no regression"), "{out}");
    assert!(out.contains("Budget     p50 +10% (default)"), "{out}");
    let html = std::fs::read_to_string(b.join("report.html")).unwrap();
    assert!(
        html.contains(">no regression</strong>"),
        "report.html has no comparison"
    );
    let md = std::fs::read_to_string(b.join("comparison.md")).expect("comparison.md");
    assert!(
        md.starts_with("**loadproof compare: no regression**"),
        "{md}"
    );
    let cj: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(b.join("comparison.json")).unwrap()).unwrap();
    assert_eq!(cj["verdict"], "no_regression");

    let o = compare(&[a.to_str().unwrap(), b.to_str().unwrap(), "--format", "json"]);
    let (out, err) = text(&o);
    assert_eq!(code(&o), 0, "stdout:\n{out}\nstderr:\n{err}");
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 14, "7 metrics × (all, list_orders)");
    assert!(lines.iter().all(|l| l["verdict"] != "regression"), "{out}");
}

/// The reference API with 5 ms added to every response is a regression (exit 5), from
/// `run --baseline` and from `compare`, whose text names the p50 line.
#[test]
fn a_planted_delay_is_a_regression() {
    let dir = scratch("compare-delay");
    let s = scenario(&dir);
    let (a, c) = (dir.join("a"), dir.join("c"));
    let o = run_to(&s, &a, &["--quiet"]);
    assert_eq!(code(&o), 0, "{:?}", text(&o));
    let (mut server, url) = serve_reference(&["--delay", "5ms"]);
    let o = run_to(
        &s,
        &c,
        &[
            "--quiet",
            "--target",
            &url,
            "--baseline",
            a.to_str().unwrap(),
        ],
    );
    let _ = server.kill();
    let _ = server.wait();
    let (out, err) = text(&o);
    assert_eq!(code(&o), 5, "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.contains("Compare    regression: p50 (all) +"), "{out}");
    let md = std::fs::read_to_string(c.join("comparison.md")).unwrap();
    assert!(md.starts_with("**loadproof compare: regression**"), "{md}");
    // report.html shows the comparison after the verdict, the regression marked in words.
    let html = std::fs::read_to_string(c.join("report.html")).unwrap();
    let section = html
        .split(r#"<section id="comparison">"#)
        .nth(1)
        .unwrap_or_else(|| panic!("no comparison section in report.html"));
    assert!(section.contains(">regression</strong>"), "{section}");

    let o = compare(&[a.to_str().unwrap(), c.to_str().unwrap()]);
    let (out, err) = text(&o);
    assert_eq!(code(&o), 5, "stdout:\n{out}\nstderr:\n{err}");
    let p50 = out
        .lines()
        .find(|l| l.starts_with("all ") && l.contains(" p50 "))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(p50.ends_with("regression"), "{p50}");
    // A budget wider than the delay lets it through: the budget decides, beyond the noise.
    let o = compare(&[
        a.to_str().unwrap(),
        c.to_str().unwrap(),
        "--max-p50-increase",
        "10s",
        "--max-p90-increase",
        "10s",
        "--max-p99-increase",
        "off",
        "--format",
        "markdown",
        "--out",
        dir.join("pr.md").to_str().unwrap(),
    ]);
    let (out, err) = text(&o);
    assert_eq!(code(&o), 0, "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.contains("p50 +10000ms (command line)"), "{out}");
    let md = std::fs::read_to_string(dir.join("pr.md")).unwrap();
    assert!(
        md.starts_with("**loadproof compare: no regression**"),
        "{md}"
    );
}

/// Runs of different scenarios or load models are refused (exit 1) with every difference
/// named; `--force` compares them and says what differed.
#[test]
fn different_scenarios_are_refused_unless_forced() {
    let dir = scratch("compare-refuse");
    let s = write(
        &dir,
        "short.toml",
        &SCENARIO.replace("duration = \"3s\"", "duration = \"1s\""),
    );
    let a = dir.join("a");
    let o = run_to(&s, &a, &["--quiet"]);
    assert_eq!(code(&o), 0, "{:?}", text(&o));
    let mut other = report(&a);
    other["scenario"]["name"] = "checkout".into();
    other["load"]["rate"] = 300.0.into();
    let b = write(&dir, "other.json", &other.to_string());

    let o = compare(&[a.to_str().unwrap(), b.to_str().unwrap()]);
    let (out, err) = text(&o);
    assert_eq!(code(&o), 1, "stdout:\n{out}\nstderr:\n{err}");
    assert!(err.contains("refusing to compare"), "{err}");
    assert!(
        err.contains("scenario name: \"compare-it\" (base) vs \"checkout\" (new)"),
        "{err}"
    );
    assert!(
        err.contains("rate: 150 req/s (base) vs 300 req/s (new)"),
        "{err}"
    );
    assert!(err.contains("--force"), "{err}");

    let o = compare(&[a.to_str().unwrap(), b.to_str().unwrap(), "--force"]);
    let (out, err) = text(&o);
    assert_eq!(code(&o), 0, "stdout:\n{out}\nstderr:\n{err}");
    assert!(
        out.contains("Forced     compared despite: scenario name"),
        "{out}"
    );

    // `run --baseline` with another scenario's run: the run is made and reported, the
    // comparison refused (exit 1 for a run that passed), and no comparison file written.
    let c = dir.join("c");
    let o = run_to(&s, &c, &["--quiet", "--baseline", b.to_str().unwrap()]);
    let (out, err) = text(&o);
    assert_eq!(code(&o), 1, "stdout:\n{out}\nstderr:\n{err}");
    assert!(err.contains("--baseline: refusing to compare"), "{err}");
    assert!(err.contains("scenario name: \"checkout\" (base)"), "{err}");
    assert!(c.join("report.json").exists());
    assert!(!c.join("comparison.md").exists());
}

/// Bad input is a usage error (exit 1) that names the file or flag, with a hint, and
/// `run --baseline` with an unreadable baseline sends nothing.
#[test]
fn unreadable_reports_and_bad_budgets_are_usage_errors() {
    let dir = scratch("compare-usage");
    let missing = dir.join("nope");
    let o = compare(&[missing.to_str().unwrap(), missing.to_str().unwrap()]);
    let (_, err) = text(&o);
    assert_eq!(code(&o), 1, "{err}");
    assert!(
        err.contains("nope") && err.contains("hint: give a run folder"),
        "{err}"
    );

    let s = scenario(&dir);
    let o = compare(&[s.to_str().unwrap(), s.to_str().unwrap()]);
    let (_, err) = text(&o);
    assert_eq!(code(&o), 1, "{err}");
    assert!(
        err.contains("compare-it.toml: not a loadproof report"),
        "{err}"
    );

    let o = compare(&["a", "b", "--max-p99-increase", "10"]);
    let (_, err) = text(&o);
    assert_eq!(code(&o), 1, "{err}");
    assert!(err.contains("--max-p99-increase: "), "{err}");

    let out = dir.join("never");
    let o = run_to(&s, &out, &["--baseline", missing.to_str().unwrap()]);
    let (_, err) = text(&o);
    assert_eq!(code(&o), 1, "{err}");
    assert!(err.contains("--baseline: cannot read report"), "{err}");
    assert!(!out.join("report.json").exists(), "nothing was run");

    let bad = write(
        &dir,
        "bad.toml",
        &format!("{SCENARIO}\n[compare]\nmax_p99_increse = \"5%\"\n"),
    );
    let o = run_to(&bad, &out, &[]);
    let (_, err) = text(&o);
    assert_eq!(code(&o), 2, "{err}");
    assert!(err.contains("did you mean `max_p99_increase`?"), "{err}");
}
