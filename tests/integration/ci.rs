//! Running in CI: progress lines on a pipe, the GitHub step summary, report folders that never
//! collide, and no empty folder from a run that sent nothing.

use std::path::{Path, PathBuf};
use std::time::Duration;

use loadproof::reference::ReferenceConfig;

use crate::common::*;

const LIMIT: Duration = Duration::from_secs(120);

fn quickstart() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.toml")
}

/// The progress lines of a run's stderr.
fn progress_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("progress: "))
        .collect()
}

#[test]
fn progress_lines_show_the_load_and_each_check_family_on_a_pipe() {
    let (rt, server) = reference(ReferenceConfig::default());
    let dir = scratch("ci-progress-lines");
    // stderr is a pipe (see `run`), so no bar could be drawn; lines are asked for explicitly.
    let o = run(
        bin()
            .arg("run")
            .arg(quickstart())
            .args(["--target", &server.base_url(), "--duration", "3s"])
            .args(["--progress", "lines", "--progress-interval", "1s", "--out"])
            .arg(&dir),
        LIMIT,
    );
    rt.block_on(server.shutdown());
    let (stdout, stderr) = text(&o);
    assert_eq!(code(&o), 0, "{stdout}\n{stderr}");
    let lines = progress_lines(&stderr);
    let load: Vec<_> = lines
        .iter()
        .filter(|l| l.starts_with("progress: load ") && !l.contains(" finished at "))
        .collect();
    assert!(load.len() >= 2, "two load lines in 3 s at 1 s: {stderr}");
    assert!(
        load.iter()
            .all(|l| l.contains(" done, ") && l.contains("/s, ") && l.contains(" errors, p99 ")),
        "{stderr}"
    );
    // Each family that runs says so when it starts and when it ends.
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("progress: checks: idempotency (") && l.ends_with("started")),
        "{stderr}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("progress: checks: ") && l.contains(" finished in ")),
        "{stderr}"
    );
    // Plain lines for a log: no escape sequence, no carriage return, anywhere on stderr.
    assert!(
        !stderr.contains('\u{1b}') && !stderr.contains('\r'),
        "{stderr:?}"
    );
}

#[test]
fn progress_none_and_quiet_print_no_progress() {
    let (rt, server) = reference(ReferenceConfig::default());
    let url = format!("{}/health", server.base_url());
    for (flags, name) in [
        (&["--progress", "none"][..], "ci-progress-none"),
        (&["--quiet"][..], "ci-progress-quiet"),
    ] {
        let dir = scratch(name);
        let o = run(
            bin()
                .args(["run", "--url", &url, "--rate", "50", "--duration", "2s"])
                .args(["--progress-interval", "1s"])
                .args(flags)
                .arg("--out")
                .arg(&dir),
            LIMIT,
        );
        let (stdout, stderr) = text(&o);
        assert_eq!(code(&o), 0, "{flags:?}: {stdout}\n{stderr}");
        assert!(progress_lines(&stderr).is_empty(), "{flags:?}: {stderr}");
    }
    rt.block_on(server.shutdown());
}

#[test]
fn warmup_shows_progress_too() {
    let (rt, server) = reference(ReferenceConfig::default());
    let dir = scratch("ci-progress-warmup");
    let o = run(
        bin()
            .args(["run", "--url", &format!("{}/health", server.base_url())])
            .args(["--rate", "50", "--warmup", "3s", "--duration", "1s"])
            .args(["--progress", "lines", "--progress-interval", "1s", "--out"])
            .arg(&dir),
        LIMIT,
    );
    rt.block_on(server.shutdown());
    let (stdout, stderr) = text(&o);
    assert_eq!(code(&o), 0, "{stdout}\n{stderr}");
    assert!(
        progress_lines(&stderr)
            .iter()
            .any(|l| l.starts_with("progress: warm-up ") && l.contains("/3s, ")),
        "{stderr}"
    );
}

#[test]
fn the_markdown_summary_is_appended_to_the_github_step_summary() {
    let (rt, server) = reference(ReferenceConfig::default());
    let dir = scratch("ci-step-summary");
    let summary = write(&dir, "step-summary.md", "# an earlier step\n");
    let out = dir.join("out");
    let o = run(
        bin()
            .env("GITHUB_STEP_SUMMARY", &summary)
            .args([
                "run",
                "--quiet",
                "--url",
                &format!("{}/health", server.base_url()),
            ])
            .args(["--requests", "20", "--out"])
            .arg(&out),
        LIMIT,
    );
    rt.block_on(server.shutdown());
    assert_eq!(code(&o), 0, "{:?}", text(&o));
    let page = std::fs::read_to_string(&summary).unwrap();
    let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(
        page.starts_with("# an earlier step\n"),
        "appended, not overwritten: {page}"
    );
    assert!(page.contains(&md), "the run's summary.md: {page}");
}

#[test]
fn github_summary_flag_without_the_variable_is_a_usage_error() {
    let dir = scratch("ci-step-summary-unset");
    let out = dir.join("out");
    let o = run(
        bin()
            .args(["run", "--github-summary", "--url", "http://127.0.0.1:9/"])
            .args(["--requests", "1", "--out"])
            .arg(&out),
        LIMIT,
    );
    let (_, stderr) = text(&o);
    assert_eq!(code(&o), 1, "{stderr}");
    assert!(
        stderr.contains("GITHUB_STEP_SUMMARY is not set"),
        "{stderr}"
    );
    assert!(!out.exists(), "nothing is created for a usage error");
}

/// The folder a run printed on its `Reports` line.
fn reports_line(stdout: &str) -> PathBuf {
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Reports"))
        .unwrap_or_else(|| panic!("no Reports line: {stdout}"));
    PathBuf::from(line.trim())
}

#[test]
fn two_runs_started_together_get_two_folders() {
    let (rt, server) = reference(ReferenceConfig::default());
    let cwd = scratch("ci-two-runs");
    let url = format!("{}/health", server.base_url());
    let children: Vec<_> = (0..2)
        .map(|_| {
            bin()
                .current_dir(&cwd)
                .args(["run", "--quiet", "--url", &url, "--requests", "20"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn loadproof")
        })
        .collect();
    let outputs: Vec<_> = children
        .into_iter()
        .map(|c| wait_with_limit(c, LIMIT))
        .collect();
    rt.block_on(server.shutdown());
    let dirs: Vec<PathBuf> = outputs
        .iter()
        .map(|o| {
            assert_eq!(code(o), 0, "{:?}", text(o));
            reports_line(&text(o).0)
        })
        .collect();
    assert_ne!(dirs[0], dirs[1]);
    for d in &dirs {
        assert!(d.starts_with("reports"), "{d:?}");
        report(&cwd.join(d));
    }
}

#[test]
fn a_run_that_sends_nothing_leaves_no_empty_folder() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/");
    let cwd = scratch("ci-no-empty-folder");
    let unreachable = |extra: &[&std::ffi::OsStr]| {
        let o = run(
            bin()
                .current_dir(&cwd)
                .args(["run", "--quiet", "--url", &url, "--requests", "5"])
                .args(extra),
            LIMIT,
        );
        assert_eq!(code(&o), 3, "{:?}", text(&o));
        assert!(text(&o).1.contains("target unreachable"), "{:?}", text(&o));
    };
    // The default folder, and the `reports/` it would have been made in.
    unreachable(&[]);
    assert!(!cwd.join("reports").exists(), "no empty reports/ left");
    // A --out folder the run had to create goes too.
    let fresh = cwd.join("fresh/run");
    unreachable(&["--out".as_ref(), fresh.as_os_str()]);
    assert!(
        !cwd.join("fresh").exists(),
        "created for the run, left empty"
    );
    // A --out folder that existed is the user's: it stays, and holds no lock file.
    let theirs = cwd.join("theirs");
    std::fs::create_dir_all(&theirs).unwrap();
    unreachable(&["--out".as_ref(), theirs.as_os_str()]);
    assert!(theirs.is_dir());
    assert_eq!(std::fs::read_dir(&theirs).unwrap().count(), 0);
}
