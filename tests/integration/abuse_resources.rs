//! The run's own resources under abuse: how long it may last after its plan (the drain), the
//! file descriptors it needs, the output folder it writes to (room, one run at a time), how it
//! treats a failing target (back-off) and statuses no HTTP server may send.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::common::*;

/// A server that accepts every connection, reads what comes and never answers. Aborting the
/// returned task stops it.
fn silent_server(rt: &tokio::runtime::Runtime) -> (String, tokio::task::JoinHandle<()>) {
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let task = rt.spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                // Hold the connection open without a byte of response, bounded in time.
                let until = tokio::time::Instant::now() + Duration::from_secs(120);
                while tokio::time::Instant::now() < until {
                    match tokio::time::timeout(Duration::from_secs(1), sock.read(&mut buf)).await {
                        Ok(Ok(0)) | Ok(Err(_)) => return,
                        _ => {}
                    }
                }
            });
        }
    });
    (url, task)
}

fn errors(r: &serde_json::Value, kind: &str) -> u64 {
    r["errors_by_kind"][kind].as_u64().unwrap_or(0)
}

#[test]
fn the_drain_bounds_a_run_whose_requests_outlast_its_plan() {
    let rt = runtime();
    let (url, server) = silent_server(&rt);
    let dir = scratch("drain-bound");
    let started = Instant::now();
    // A 1 h timeout against a server that never answers: before, the run waited the whole hour.
    let o = run(
        bin()
            .args([
                "run",
                "--url",
                &url,
                "-c",
                "3",
                "-z",
                "1s",
                "--timeout",
                "1h",
                "--drain",
                "1s",
                "--quiet",
                "--out",
            ])
            .arg(&dir),
        Duration::from_secs(60),
    );
    let took = started.elapsed();
    assert!(took < Duration::from_secs(30), "took {took:?}");
    // Nothing got a response: inconclusive, never a pass.
    assert_eq!(code(&o), 3, "{:?}", text(&o));
    let r = report(&dir);
    assert_eq!(
        r["interrupted"], false,
        "a drain cut is not an interruption"
    );
    // The three users' requests were cut by the drain after the planned end: timeouts.
    assert_eq!(errors(&r, "timeout"), 3, "{}", r["errors_by_kind"]);
    assert_eq!(errors(&r, "cancelled"), 0, "{}", r["errors_by_kind"]);

    // A stop (Ctrl-C) drains for the same bound, and what it cuts stays `cancelled`.
    let dir = scratch("drain-stop");
    let child = spawn_run(
        &[
            "--url",
            &url,
            "-c",
            "3",
            "-z",
            "60s",
            "--timeout",
            "1h",
            "--drain",
            "1s",
            "--quiet",
        ],
        &dir,
    );
    std::thread::sleep(Duration::from_millis(1000));
    signal(&child, "-INT");
    let o = wait_with_limit(child, Duration::from_secs(30));
    assert_eq!(code(&o), 3, "{:?}", text(&o));
    let r = report(&dir);
    assert_eq!(r["interrupted"], true);
    assert_eq!(errors(&r, "cancelled"), 3, "{}", r["errors_by_kind"]);
    assert_eq!(errors(&r, "timeout"), 0, "{}", r["errors_by_kind"]);
    server.abort();
}

#[test]
fn a_timeout_beyond_the_run_bound_is_refused() {
    // On the command line: a usage error, before anything is sent.
    let o = run(
        bin().args(["run", "--url", "http://127.0.0.1:9/", "--timeout", "1000h"]),
        Duration::from_secs(30),
    );
    assert_eq!(code(&o), 1, "{:?}", text(&o));
    let (_, err) = text(&o);
    assert!(err.contains("--timeout") && err.contains("24h"), "{err}");
    let o = run(
        bin().args(["run", "--url", "http://127.0.0.1:9/", "--drain", "2h"]),
        Duration::from_secs(30),
    );
    assert_eq!(code(&o), 1, "{:?}", text(&o));

    // In a scenario: a located error (exit 2), for every key that sets a timeout, and the drain.
    let dir = scratch("timeout-bound");
    let file = write(
        &dir,
        "long.toml",
        r#"target = "http://127.0.0.1:9"
[defaults]
timeout = "25h"
[load]
rate = 1
duration = "1s"
timeout = "1000h"
drain = "90m"
[[requests]]
name = "a"
path = "/"
timeout = "48h"
"#,
    );
    let o = run(bin().arg("validate").arg(&file), Duration::from_secs(30));
    assert_eq!(code(&o), 2, "{:?}", text(&o));
    let (_, err) = text(&o);
    for line in [":3:11", ":7:11", ":8:9", ":12:11"] {
        assert!(err.contains(line), "no error at {line}:\n{err}");
    }
    assert!(err.contains("more than the maximum of 24h"), "{err}");
    let o = run(
        bin()
            .arg("run")
            .arg(&file)
            .arg("--out")
            .arg(dir.join("out")),
        Duration::from_secs(30),
    );
    assert_eq!(code(&o), 2, "{:?}", text(&o));
}

/// `loadproof ARGS` under the file-descriptor limits `ulimit_cmds` sets (`sh` builtins, so
/// the test needs no `prlimit`), with `--quiet --out OUT`.
fn run_under_ulimit(
    ulimit_cmds: &str,
    args: &[&str],
    out: &std::path::Path,
) -> std::process::Output {
    let mut cmd = std::process::Command::new("sh");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(std::process::Stdio::null())
        .arg("-c")
        .arg(format!("{ulimit_cmds}; exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_loadproof"))
        .arg("run")
        .args(args)
        .args(["--quiet", "--out"])
        .arg(out);
    run(&mut cmd, Duration::from_secs(60))
}

#[test]
fn a_low_soft_descriptor_limit_is_raised_to_what_the_run_needs() {
    let (rt, server) = reference(loadproof::reference::ReferenceConfig::default());
    let dir = scratch("fds-raised");
    let url = format!("{}/health", server.base_url());
    // 100 connections cannot fit in 64 descriptors; the hard limit leaves room to raise.
    let o = run_under_ulimit(
        "ulimit -Sn 64",
        &["--url", &url, "-c", "100", "-z", "1s"],
        &dir,
    );
    assert_eq!(code(&o), 0, "{:?}", text(&o));
    let r = report(&dir);
    assert_eq!(r["totals"]["request_errors"], 0, "{}", r["errors_by_kind"]);
    assert!(
        r["totals"]["responses"].as_u64().unwrap() >= 100,
        "{}",
        r["totals"]
    );
    rt.block_on(server.shutdown());
}

#[test]
fn a_run_the_hard_descriptor_limit_cannot_fit_is_refused_before_any_load() {
    let (rt, server) = reference(loadproof::reference::ReferenceConfig::default());
    let dir = scratch("fds-refused");
    let url = format!("{}/health", server.base_url());
    let o = run_under_ulimit(
        "ulimit -Sn 128; ulimit -Hn 128",
        &["--url", &url, "-c", "300", "-z", "2s"],
        &dir,
    );
    assert_eq!(code(&o), 3, "{:?}", text(&o));
    let (_, err) = text(&o);
    assert!(err.contains("hard limit is 128"), "{err}");
    // The need is named too: at least a descriptor per connection, more than the limit.
    let needed: u64 = err
        .split("needs about ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no needed figure in {err}"));
    assert!(needed >= 300, "{err}");
    assert!(err.contains("ulimit -Hn"), "{err}");
    // Refused before sending anything (the pre-flight is a bare TCP connect, no request).
    assert_eq!(server.stats().requests, 0);
    assert!(!dir.join("report.json").exists());
    rt.block_on(server.shutdown());
}

#[test]
fn closed_loop_users_back_off_from_a_target_that_went_away() {
    let rt = runtime();
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    // Answer for 700 ms, then drop the listener: the port refuses from then on.
    let task = rt.spawn(async move {
        let until = tokio::time::Instant::now() + Duration::from_millis(700);
        while let Ok(Ok((mut s, _))) = tokio::time::timeout_at(until, listener.accept()).await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                if matches!(s.read(&mut buf).await, Ok(n) if n > 0) {
                    let _ = s
                        .write_all(
                            b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
                        )
                        .await;
                }
            });
        }
    });
    let dir = scratch("backoff");
    let o = run(
        bin()
            .args([
                "run", "--url", &url, "-c", "2", "-z", "3s", "--quiet", "--out",
            ])
            .arg(&dir),
        Duration::from_secs(60),
    );
    let r = report(&dir);
    let refused = errors(&r, "connect");
    // Without back-off two users fail thousands of times in 2 s; with it (10 ms doubling to 1 s)
    // each fails about eight times.
    assert!(
        (1..=60).contains(&refused),
        "{} / {:?}",
        r["errors_by_kind"],
        text(&o)
    );
    let backoff = &r["backoff"];
    assert_eq!(backoff["count"].as_u64(), Some(refused), "{backoff}");
    assert!(backoff["total_s"].as_f64().unwrap() > 0.5, "{backoff}");
    task.abort();
}

/// An ad-hoc run of `requests` requests against `url` with extra `args`; returns the report.
fn adhoc_against(url: &str, name: &str, args: &[&str]) -> serde_json::Value {
    let dir = scratch(name);
    let o = run(
        bin()
            .args([
                "run",
                "--url",
                url,
                "-c",
                "2",
                "--requests",
                "10",
                "--timeout",
                "2s",
            ])
            .args(args)
            .args(["--quiet", "--out"])
            .arg(&dir),
        Duration::from_secs(60),
    );
    // No request got a response it could measure: inconclusive, never a pass.
    assert_eq!(code(&o), 3, "{:?}", text(&o));
    report(&dir)
}

#[test]
fn a_status_outside_100_to_599_is_a_protocol_error_on_both_http_paths() {
    let rt = runtime();
    // HTTP/1.1 (the lean path): a status line hyper parses (it accepts 100-999) but HTTP does
    // not define.
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let h1_url = format!("http://{}/", listener.local_addr().unwrap());
    let h1 = rt.spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                while matches!(s.read(&mut buf).await, Ok(n) if n > 0) {
                    let reply = b"HTTP/1.1 600 Beyond\r\nContent-Length: 2\r\n\r\nok";
                    if s.write_all(reply).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    let r = adhoc_against(&h1_url, "status-600-h1", &[]);
    assert_eq!(errors(&r, "protocol"), 10, "{}", r["errors_by_kind"]);
    assert_eq!(r["totals"]["responses"], 0, "{}", r["status_codes"]);
    assert!(r["status_classes"].as_array().unwrap().is_empty());

    // HTTP/2 cleartext (the reqwest path): `:status 999`.
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let h2_url = format!("http://{}/", listener.local_addr().unwrap());
    let h2 = rt.spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let Ok(mut conn) = h2::server::handshake(sock).await else {
                    return;
                };
                while let Some(Ok((_req, mut respond))) = conn.accept().await {
                    let head = axum::http::Response::builder()
                        .status(999)
                        .body(())
                        .unwrap();
                    let _ = respond.send_response(head, true);
                }
            });
        }
    });
    let r = adhoc_against(&h2_url, "status-999-h2c", &["--protocol", "h2c"]);
    assert_eq!(errors(&r, "protocol"), 10, "{}", r["errors_by_kind"]);
    assert_eq!(r["totals"]["responses"], 0, "{}", r["status_codes"]);
    h1.abort();
    h2.abort();
}

/// Wait (bounded) until `path` exists.
fn wait_for(path: &std::path::Path) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn two_runs_into_the_same_out_folder_the_second_refuses() {
    let (rt, server) = reference(loadproof::reference::ReferenceConfig::default());
    let url = format!("{}/health", server.base_url());
    let dir = scratch("out-lock");
    let lock = dir.join(".loadproof.lock");
    let first = spawn_run(
        &["--url", &url, "--rate", "20", "-z", "30s", "--quiet"],
        &dir,
    );
    wait_for(&lock);
    let o = run(
        bin()
            .args(["run", "--url", &url, "--requests", "5", "--quiet", "--out"])
            .arg(&dir),
        Duration::from_secs(30),
    );
    assert_eq!(code(&o), 3, "{:?}", text(&o));
    let (_, err) = text(&o);
    assert!(err.contains("in use by another loadproof run"), "{err}");
    assert!(err.contains(&format!("pid {}", first.id())), "{err}");
    signal(&first, "-INT");
    let o = wait_with_limit(first, Duration::from_secs(30));
    assert_eq!(code(&o), 3, "{:?}", text(&o));
    assert_eq!(
        report(&dir)["interrupted"],
        true,
        "the first run's reports are its own"
    );
    assert!(!lock.exists(), "the lock file is removed at the end");

    // A run killed outright leaves its lock file behind, but not its lock: the next run goes.
    let mut killed = spawn_run(
        &["--url", &url, "--rate", "20", "-z", "30s", "--quiet"],
        &dir,
    );
    wait_for(&lock);
    killed.kill().unwrap();
    let _ = killed.wait();
    assert!(lock.exists());
    let o = run(
        bin()
            .args(["run", "--url", &url, "--requests", "5", "--quiet", "--out"])
            .arg(&dir),
        Duration::from_secs(30),
    );
    assert_eq!(code(&o), 0, "{:?}", text(&o));
    assert!(!lock.exists());
    rt.block_on(server.shutdown());
}
