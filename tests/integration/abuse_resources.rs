//! The run's own resources under abuse: how long it may last after its plan (the drain), the
//! file descriptors it needs, the output folder it writes to (room, one run at a time), how it
//! treats a failing target (back-off) and statuses no HTTP server may send.

use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;
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
