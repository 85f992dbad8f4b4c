//! Interruption at every phase of a run: warm-up, load, checks and report writing. Each test
//! signals a child process it started (by PID) and checks that the reports are complete, valid
//! and say which phase the stop hit, and that a second signal exits at once.

use std::io::BufRead as _;
use std::path::Path;
use std::time::{Duration, Instant};

use loadproof::reference::ReferenceConfig;

use crate::common::*;

#[test]
fn ctrl_c_still_writes_a_complete_report_marked_interrupted() {
    load_stopped_by("-INT", "interrupt");
}

/// SIGHUP (the terminal closed, a parent hung up) is a stop like Ctrl-C and SIGTERM: the reports
/// are written, marked interrupted, exit 3 — not the default action that kills the run unreported.
#[test]
fn sighup_stops_like_sigterm_with_the_reports_written() {
    load_stopped_by("-HUP", "sighup");
}

/// Stop an open-loop run with `sig` 1.5 s into its load: a complete report marked interrupted in
/// the load phase, its figures cut at the stop.
fn load_stopped_by(sig: &str, name: &str) {
    let (rt, server) = reference(ReferenceConfig::default());
    let dir = scratch(name);
    let child = spawn_run(
        &[
            "--url",
            &format!("{}/health", server.base_url()),
            "--rate",
            "100",
            "--duration",
            "60s",
        ],
        &dir,
    );
    std::thread::sleep(Duration::from_millis(1500));
    signal(&child, sig);
    let o = wait_with_limit(child, Duration::from_secs(30));
    assert_eq!(code(&o), 3, "{:?}", text(&o));
    let r = report(&dir);
    assert_eq!(r["interrupted"], true);
    assert_eq!(r["interrupted_phase"], "load");
    assert_eq!(r["outcome"], "interrupted");
    // JUnit shows the interruption as an error, never all green.
    let junit = std::fs::read_to_string(dir.join("report.junit.xml")).unwrap();
    assert!(
        junit.contains(
            "<testcase classname=\"loadproof.run\" name=\"interrupted\"><error type=\"interrupted\" message=\"interrupted during the load phase\">"
        ),
        "{junit}"
    );
    let sent = r["totals"]["requests"].as_u64().unwrap();
    assert!((50..1000).contains(&sent), "sent {sent}");
    assert_eq!(
        server.stats().requests,
        r["totals"]["responses"].as_u64().unwrap()
    );
    let ol = &r["open_loop"];
    assert!(
        ol["due"].as_u64().unwrap() < 1000,
        "due must stop at the interruption: {ol}"
    );
    rt.block_on(server.shutdown());
}

#[test]
fn sigterm_acts_like_ctrl_c_and_a_second_signal_exits_at_once() {
    let (rt, server) = reference(ReferenceConfig::default());
    // SIGTERM: same as Ctrl-C, a complete report marked interrupted.
    let dir = scratch("sigterm");
    let child = spawn_run(
        &[
            "--url",
            &format!("{}/health", server.base_url()),
            "--rate",
            "50",
            "--duration",
            "60s",
        ],
        &dir,
    );
    std::thread::sleep(Duration::from_millis(1000));
    signal(&child, "-TERM");
    let o = wait_with_limit(child, Duration::from_secs(30));
    assert_eq!(code(&o), 3, "{:?}", text(&o));
    assert_eq!(report(&dir)["interrupted"], true);

    // Two signals while slow requests are in flight: the second one does not wait for the drain.
    let dir = scratch("double-interrupt");
    let child = spawn_run(
        &[
            "--url",
            &format!("{}/delay?ms=4000", server.base_url()),
            "-c",
            "4",
            "--duration",
            "60s",
        ],
        &dir,
    );
    std::thread::sleep(Duration::from_millis(1000));
    let t = std::time::Instant::now();
    signal(&child, "-INT");
    std::thread::sleep(Duration::from_millis(300));
    signal(&child, "-INT");
    let o = wait_with_limit(child, Duration::from_secs(30));
    assert_eq!(code(&o), 130, "{:?}", text(&o));
    assert!(
        t.elapsed() < Duration::from_secs(3),
        "the second signal must not wait for the 5 s drain"
    );
    rt.block_on(server.shutdown());
}

/// Ctrl-C while the conformance checks run (after the load phase): the checks still running are
/// abandoned with a reason, and the report is complete and marked interrupted.
#[test]
fn ctrl_c_during_the_checks_phase_still_writes_the_report() {
    let (rt, server) = reference(ReferenceConfig::default());
    let dir = scratch("interrupt-checks");
    let child = spawn_run(
        &[
            "scenarios/quickstart.toml",
            "--target",
            &server.base_url(),
            "--duration",
            "1s",
        ],
        &dir,
    );
    // The load phase ends after ~1 s; the rate-limit drives keep the checks busy for seconds more.
    std::thread::sleep(Duration::from_millis(3000));
    signal(&child, "-INT");
    let o = wait_with_limit(child, Duration::from_secs(30));
    assert_eq!(code(&o), 3, "{:?}", text(&o));
    let r = report(&dir);
    assert_eq!(r["interrupted"], true);
    assert_eq!(r["interrupted_phase"], "checks");
    assert_eq!(
        r["totals"]["requests"], 100,
        "the whole load phase is in the report"
    );
    let checks = r["checks"].as_array().unwrap();
    assert!(
        checks.iter().any(
            |c| c["status"] == "skip" && c["message"].as_str().unwrap().contains("interrupted")
        ),
        "a family must say it was abandoned: {checks:#?}"
    );
    rt.block_on(server.shutdown());
}

#[test]
fn warmup_is_not_measured_and_its_connections_carry_the_load() {
    let (rt, server) = reference(ReferenceConfig::default());
    for (name, shape) in [
        ("warmup-open", ["--rate", "100"]),
        ("warmup-closed", ["-c", "4"]),
    ] {
        let dir = scratch(name);
        let before = server.stats().requests;
        let o = run(
            bin()
                .args(["run", "--url", &format!("{}/health", server.base_url())])
                .args(shape)
                .args(["--warmup", "1s", "--duration", "1s", "--quiet", "--out"])
                .arg(&dir),
            Duration::from_secs(60),
        );
        assert_eq!(code(&o), 0, "{:?}", text(&o));
        let r = report(&dir);
        let w = &r["warmup"];
        let warm = w["responses"].as_u64().unwrap();
        let measured = r["totals"]["responses"].as_u64().unwrap();
        assert!(warm > 0 && measured > 0, "{w} {}", r["totals"]);
        assert_eq!(w["duration_s"], 1.0);
        let md = std::fs::read_to_string(dir.join("summary.md")).unwrap();
        assert!(
            md.contains("Warm-up: 1.0s before the load, not measured"),
            "{md}"
        );
        // The server saw both phases; the figures hold only the load phase.
        assert_eq!(server.stats().requests - before, warm + measured, "{name}");
        assert_eq!(r["latency_ms"]["count"].as_u64().unwrap(), measured);
        if name == "warmup-open" {
            assert_eq!(r["open_loop"]["due"], 100, "{}", r["open_loop"]);
            assert_eq!(
                w["requests"], 100,
                "the warm-up runs at the load's rate: {w}"
            );
        }
    }
    rt.block_on(server.shutdown());

    // The load phase reuses the warm-up's connections: a keep-alive server counting accepts
    // sees the reachability probe and 4 connections for 4 users, not 8.
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let counter = accepted.clone();
    let server = rt.spawn(async move {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
        while let Ok((sock, _)) = listener.accept().await {
            counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tokio::spawn(async move {
                let mut sock = tokio::io::BufReader::new(sock);
                let mut line = String::new();
                // Bodiless GETs: a request ends at its blank line.
                while matches!(sock.read_line(&mut line).await, Ok(n) if n > 0) {
                    if line == "\r\n" {
                        let ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
                        if sock.get_mut().write_all(ok).await.is_err() {
                            break;
                        }
                    }
                    line.clear();
                }
            });
        }
    });
    let dir = scratch("warmup-connections");
    let o = run(
        bin()
            .args(["run", "--url", &url, "-c", "4", "--warmup", "500ms"])
            .args(["--duration", "500ms", "--quiet", "--out"])
            .arg(&dir),
        Duration::from_secs(60),
    );
    assert_eq!(code(&o), 0, "{:?}", text(&o));
    let r = report(&dir);
    assert!(r["warmup"]["responses"].as_u64().unwrap() > 0);
    assert_eq!(r["totals"]["request_errors"], 0, "{}", r["errors_by_kind"]);
    assert_eq!(accepted.load(std::sync::atomic::Ordering::Relaxed), 1 + 4);
    server.abort();
}

#[test]
fn ctrl_c_during_the_warmup_writes_a_report_that_says_nothing_was_measured() {
    let (rt, server) = reference(ReferenceConfig::default());
    let dir = scratch("interrupt-warmup");
    let child = spawn_run(
        &[
            "--url",
            &format!("{}/health", server.base_url()),
            "--rate",
            "100",
            "--warmup",
            "60s",
            "--duration",
            "10s",
        ],
        &dir,
    );
    std::thread::sleep(Duration::from_millis(1500));
    let t = Instant::now();
    signal(&child, "-INT");
    let o = wait_with_limit(child, Duration::from_secs(30));
    assert_eq!(code(&o), 3, "{:?}", text(&o));
    assert!(
        t.elapsed() < Duration::from_secs(15),
        "stopped in {:?}",
        t.elapsed()
    );
    let r = report(&dir);
    assert_eq!(r["interrupted"], true);
    assert_eq!(r["interrupted_phase"], "warmup");
    assert_eq!(
        r["totals"]["requests"], 0,
        "nothing of the warm-up is measured"
    );
    assert_eq!(r["open_loop"]["due"], 0);
    let warm = r["warmup"]["responses"].as_u64().unwrap();
    assert!((50..1000).contains(&warm), "warm-up responses {warm}");
    assert_eq!(server.stats().requests, warm);
    let (out, _) = text(&o);
    assert!(out.contains("INTERRUPTED during the warm-up"), "{out}");
    rt.block_on(server.shutdown());
}

/// Make `path` a FIFO: a writer opening it blocks until a reader opens it, which holds the run
/// inside its report-writing phase for as long as the test needs.
fn mkfifo(path: &Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo");
    assert!(ok.success());
}

/// Start a short run whose last report file (`summary.md`) is written through a FIFO, and wait
/// until it is blocked there (the files before it exist). Returns the child and a channel that
/// yields its stderr lines.
fn run_blocked_in_report_writing(
    base_url: &str,
    out: &Path,
) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    std::fs::create_dir_all(out).unwrap();
    mkfifo(&out.join(".summary.md.tmp"));
    let mut child = spawn_run(
        &[
            "--url",
            &format!("{base_url}/health"),
            "--requests",
            "20",
            "-c",
            "2",
        ],
        out,
    );
    let (tx, lines) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    while !out.join("report.junit.xml").exists() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the run never reached its last report file");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    (child, lines)
}

/// Wait (bounded) for a stderr line containing `needle`.
fn wait_for_line(lines: &std::sync::mpsc::Receiver<String>, needle: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match lines.recv_timeout(left) {
            Ok(l) if l.contains(needle) => return,
            Ok(_) => {}
            Err(_) => break,
        }
    }
    panic!("no stderr line with {needle:?}");
}

#[test]
fn ctrl_c_while_the_reports_are_written_finishes_them_marked_interrupted() {
    let (rt, server) = reference(ReferenceConfig::default());
    let out = scratch("interrupt-report").join("out");
    let (child, lines) = run_blocked_in_report_writing(&server.base_url(), &out);
    signal(&child, "-INT");
    wait_for_line(&lines, "interrupted: stopping");
    // Let the blocked write through: read the FIFO to its end.
    let mut fifo = std::fs::File::open(out.join(".summary.md.tmp")).unwrap();
    std::io::copy(&mut fifo, &mut std::io::sink()).unwrap();
    let o = wait_with_limit(child, Duration::from_secs(30));
    assert_eq!(code(&o), 3, "{:?}", text(&o));
    let r = report(&out);
    assert_eq!(r["interrupted"], true);
    assert_eq!(r["interrupted_phase"], "report");
    assert_eq!(r["totals"]["requests"], 20, "everything measured is in it");
    assert_eq!(r["totals"]["responses"], 20);
    // Every file was rewritten as a whole, regular file that says the same.
    let md = out.join("summary.md");
    assert!(std::fs::metadata(&md).unwrap().is_file());
    assert!(
        std::fs::read_to_string(&md)
            .unwrap()
            .contains("interrupted")
    );
    rt.block_on(server.shutdown());
}

#[test]
fn a_second_ctrl_c_while_the_reports_are_written_exits_at_once_leaving_no_partial_file() {
    let (rt, server) = reference(ReferenceConfig::default());
    let out = scratch("interrupt-report-twice").join("out");
    let (child, lines) = run_blocked_in_report_writing(&server.base_url(), &out);
    signal(&child, "-INT");
    wait_for_line(&lines, "interrupted: stopping");
    let t = Instant::now();
    signal(&child, "-INT");
    let o = wait_with_limit(child, Duration::from_secs(10));
    assert_eq!(code(&o), 130, "{:?}", text(&o));
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "took {:?}",
        t.elapsed()
    );
    // The files finished before the stop are whole; the one being written is not presented.
    assert_eq!(report(&out)["totals"]["requests"], 20);
    assert!(!out.join("summary.md").exists());
    rt.block_on(server.shutdown());
}
