//! Hostile input at the edges (issue 12): a password in the target URL (sent as Basic auth, in
//! no output), diagnostics on huge lines, a closed or full stdout, CR/LF in header values, long
//! scenario names, oversized scenario files.

use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::*;

const LIMIT: Duration = Duration::from_secs(90);
const PASSWORD: &str = "Pa55-w0rd-zq";

/// Every file under `dir`, recursively, as text.
fn every_output_file(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(every_output_file(&p));
        } else {
            let bytes = std::fs::read(&p).unwrap();
            out.push((
                p.display().to_string(),
                String::from_utf8_lossy(&bytes).into_owned(),
            ));
        }
    }
    out
}

/// (path, Authorization) of every request a target received.
type Seen = Arc<Mutex<Vec<(String, String)>>>;

/// A target that records (path, Authorization) of every request and answers 404 as problem+json
/// on unknown paths (so the error-format probes have something to judge).
fn recording_target(rt: &tokio::runtime::Runtime) -> (String, Seen) {
    use axum::http::{HeaderMap, StatusCode, Uri};
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let app = axum::Router::new().fallback(move |uri: Uri, headers: HeaderMap| {
        let log = log.clone();
        async move {
            let auth = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            log.lock().unwrap().push((uri.path().to_string(), auth));
            if uri.path().starts_with("/api/items") {
                (
                    StatusCode::OK,
                    [("content-type", "application/json")],
                    "{\"ok\":true}",
                )
            } else {
                (
                    StatusCode::NOT_FOUND,
                    [("content-type", "application/problem+json")],
                    "{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404}",
                )
            }
        }
    });
    (serve_app(rt, app), seen)
}

#[test]
fn a_password_in_the_target_url_is_sent_as_basic_auth_and_reaches_no_output() {
    use base64::Engine as _;
    let rt = runtime();
    let (base, seen) = recording_target(&rt);
    let with_creds = base.replacen("http://", &format!("http://ann:{PASSWORD}@"), 1);
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("ann:{PASSWORD}"))
    );
    let dir = scratch("abuse-inputs-password");
    let scenario = write(
        &dir,
        "secret-target.toml",
        &format!(
            r#"name = "secret-target"
target = "{with_creds}/api"

[load]
rate = 40
requests = 20
connections = 2

[[requests]]
name = "items"
path = "/items"

[[requests]]
name = "own_auth"
path = "/items/own"
headers = {{ Authorization = "Bearer own-token" }}

# Sent only by the error-format check, as a probe.
[[requests]]
name = "missing"
path = "/missing"
weight = 0

[checks]
skip = ["ERR-06"]

[checks.error_format]
profile = "problem+json"

[[checks.error_format.probes]]
request = "missing"
status = 404
"#
        ),
    );
    for protocol in ["http1", "h2c"] {
        seen.lock().unwrap().clear();
        let out = dir.join(format!("out-{protocol}"));
        let o = run(
            bin()
                .args(["run", "--protocol", protocol, "--out"])
                .arg(&out)
                .arg(&scenario),
            LIMIT,
        );
        let (stdout, stderr) = text(&o);
        assert!(
            matches!(code(&o), 0 | 4),
            "{protocol}: exit {}\n{stdout}\n{stderr}",
            code(&o)
        );
        let seen = seen.lock().unwrap().clone();
        assert!(seen.len() >= 20, "{protocol}: {} requests", seen.len());
        let probes = seen
            .iter()
            .filter(|(p, _)| !p.starts_with("/api/items"))
            .count();
        assert!(probes > 0, "{protocol}: the checks sent probes: {seen:?}");
        for (path, auth) in &seen {
            let want = if path == "/api/items/own" {
                "Bearer own-token"
            } else {
                expected.as_str()
            };
            assert_eq!(auth, want, "{protocol}: {path}");
        }
        assert!(!stdout.contains(PASSWORD), "{protocol} stdout:\n{stdout}");
        assert!(!stderr.contains(PASSWORD), "{protocol} stderr:\n{stderr}");
        let files = every_output_file(&out);
        assert!(files.len() >= 3, "{files:?}");
        for (name, content) in files {
            assert!(!content.contains(PASSWORD), "{name} shows the password");
            assert!(!content.contains(&expected[6..]), "{name} shows the token");
        }
    }
    // `validate` and the "target unreachable" error do not show it either.
    let o = run(bin().arg("validate").arg(&scenario), LIMIT);
    assert_eq!(code(&o), 0, "{:?}", text(&o));
    let (stdout, stderr) = text(&o);
    assert!(stdout.contains("target http://127.0.0.1:"), "{stdout}");
    assert!(!stdout.contains(PASSWORD) && !stderr.contains(PASSWORD));
    let o = run(
        bin()
            .args(["run", "--quiet", "--target"])
            .arg(format!("http://ann:{PASSWORD}@127.0.0.1:1/api"))
            .arg("--out")
            .arg(dir.join("out-unreachable"))
            .arg(&scenario),
        LIMIT,
    );
    let (stdout, stderr) = text(&o);
    assert_eq!(code(&o), 3, "{stdout}\n{stderr}");
    assert!(stderr.contains("target unreachable"), "{stderr}");
    assert!(
        !stdout.contains(PASSWORD) && !stderr.contains(PASSWORD),
        "{stderr}"
    );
}

#[test]
fn a_typo_past_column_65535_is_located_not_a_crash() {
    let dir = scratch("abuse-inputs-wide");
    let pad = "x".repeat(70_000);
    let path = write(
        &dir,
        "generated.json",
        &format!(
            "{{\"description\": \"{pad}\", \"target\": \"reference\", \"load\": {{\"rate\": 1, \"requests\": 1}}, \"requests\": [{{\"name\": \"r\", \"path\": \"/\"}}], \"lod\": 1}}"
        ),
    );
    for cmd in ["validate", "run"] {
        let o = run(bin().arg(cmd).arg(&path), LIMIT);
        let (_, stderr) = text(&o);
        assert_eq!(code(&o), 2, "{cmd}: {stderr}");
        assert!(stderr.contains("generated.json:1:70122"), "{cmd}: {stderr}");
        assert!(stderr.contains("did you mean `load`?"), "{stderr}");
        assert!(stderr.len() < 4_000, "{cmd}: {} bytes", stderr.len());
    }
}

#[test]
fn validate_and_serve_reference_survive_a_closed_or_full_stdout() {
    // A closed pipe: the reader is gone before anything is written.
    let mut child = bin()
        .args([
            "validate",
            "scenarios/quickstart.toml",
            "scenarios/quickstart.toml",
            "scenarios/quickstart.toml",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = wait_with_limit(child, LIMIT);
    assert_eq!(code(&o), 0, "{:?}", text(&o));
    assert!(!text(&o).1.contains("panicked"), "{:?}", text(&o));
    if Path::new("/dev/full").exists() {
        let full = || {
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap()
        };
        let child = bin()
            .args(["validate", "scenarios/quickstart.toml"])
            .stdout(full())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let o = wait_with_limit(child, LIMIT);
        let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(code(&o), 3, "{stderr}");
        assert!(
            stderr.contains("cannot write to standard output"),
            "{stderr}"
        );
        // serve-reference announces its address on a full stdout and keeps serving until
        // stopped; stopped by its PID.
        let child = bin()
            .args(["serve-reference", "--port", "0"])
            .stdout(full())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(800));
        signal(&child, "-TERM");
        let o = wait_with_limit(child, LIMIT);
        let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(code(&o), 0, "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn a_line_break_in_a_header_value_is_a_usage_or_located_scenario_error() {
    let o = run(
        bin().args([
            "run",
            "--url",
            "http://127.0.0.1:9/",
            "-H",
            "X-A: a\r\nX-B: b",
        ]),
        LIMIT,
    );
    let (_, stderr) = text(&o);
    assert_eq!(code(&o), 1, "{stderr}");
    assert!(stderr.contains("header cannot carry"), "{stderr}");

    let dir = scratch("abuse-inputs-crlf");
    let path = write(
        &dir,
        "crlf.toml",
        "target = \"reference\"\n[load]\nrate = 1\nrequests = 1\n[[requests]]\nname = \"r\"\npath = \"/orders\"\nheaders = { Authorization = \"Bearer ${env.LOADPROOF_TEST_TOKEN}\" }\n",
    );
    for cmd in ["validate", "run"] {
        let o = run(
            bin()
                .arg(cmd)
                .arg(&path)
                .env("LOADPROOF_TEST_TOKEN", "tok-4711\nX-Evil: 1"),
            LIMIT,
        );
        let (_, stderr) = text(&o);
        assert_eq!(code(&o), 2, "{cmd}: {stderr}");
        assert!(stderr.contains("crlf.toml:8:37"), "{cmd}: {stderr}");
        assert!(stderr.contains("LOADPROOF_TEST_TOKEN"), "{cmd}: {stderr}");
        assert!(
            !stderr.contains("tok-4711") && !stderr.contains("X-Evil"),
            "{cmd}: {stderr}"
        );
    }
}

#[test]
fn a_long_scenario_name_still_gets_a_report_folder() {
    let dir = scratch("abuse-inputs-long-name");
    let name = "n".repeat(300);
    let path = write(
        &dir,
        "long.toml",
        &format!(
            "name = \"{name}\"\ntarget = \"reference\"\n[load]\nrate = 20\nrequests = 5\n[[requests]]\nname = \"r\"\npath = \"/orders\"\n[checks]\npassive = false\n"
        ),
    );
    // The default folder is relative to the working directory: run from the scratch dir.
    let o = run(
        bin().current_dir(&dir).args(["run", "--quiet"]).arg(&path),
        LIMIT,
    );
    let (stdout, stderr) = text(&o);
    assert_eq!(code(&o), 0, "{stdout}\n{stderr}");
    let reports: Vec<_> = std::fs::read_dir(dir.join("reports"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(reports.len(), 1, "{reports:?}");
    report(&reports[0]);
}

#[test]
fn validate_reads_at_most_16_mib_of_a_scenario_file() {
    let o = run(bin().args(["validate", "/dev/zero"]), LIMIT);
    let (_, stderr) = text(&o);
    assert_eq!(code(&o), 2, "{stderr}");
    assert!(
        stderr.contains("/dev/zero") && stderr.contains("16 MiB"),
        "{stderr}"
    );
}

#[test]
fn a_dot_dot_out_of_the_base_path_is_a_warning_in_validate() {
    let dir = scratch("abuse-inputs-dotdot");
    let path = write(
        &dir,
        "dots.toml",
        "target = \"http://127.0.0.1:9/api/v1\"\n[load]\nrate = 1\nrequests = 1\n[[requests]]\nname = \"r\"\npath = \"/../../admin\"\n",
    );
    let o = run(bin().arg("validate").arg(&path), LIMIT);
    let (stdout, stderr) = text(&o);
    assert_eq!(code(&o), 0, "{stderr}");
    assert!(stdout.starts_with("ok: "), "{stdout}");
    assert!(stderr.contains("warning: `..` in `path`"), "{stderr}");
    assert!(stderr.contains("dots.toml:7:10"), "{stderr}");
    let tab = write(
        &dir,
        "tab.toml",
        "target = \"reference\"\n[load]\nrate = 1\nrequests = 1\n[[requests]]\nname = \"r\"\npath = \"/orders\\tx\"\n",
    );
    let o = run(bin().arg("validate").arg(&tab), LIMIT);
    let (_, stderr) = text(&o);
    assert_eq!(code(&o), 2, "{stderr}");
    assert!(stderr.contains("`path` contains a tab"), "{stderr}");
}
