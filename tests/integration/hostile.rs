//! Hostile and broken targets: each is a raw TCP server on 127.0.0.1:0 that misbehaves in one
//! way. For each, loadproof must keep running, count the error by kind, finish on time and write
//! a valid report — never panic, never hang.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::common::*;

/// Serve every connection with `handler` until the returned task is aborted.
fn serve_raw<F, Fut>(
    rt: &tokio::runtime::Runtime,
    handler: F,
) -> (String, tokio::task::JoinHandle<()>)
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let handler = std::sync::Arc::new(handler);
    let task = rt.spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let h = handler.clone();
            tokio::spawn(async move { h(sock).await });
        }
    });
    (url, task)
}

/// Read one request head (up to the blank line), bounded.
async fn read_head(sock: &mut TcpStream) -> bool {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 64 * 1024 {
        match sock.read(&mut byte).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => buf.extend_from_slice(&byte[..n]),
        }
    }
    true
}

/// How a hostile-target run must end: `Answered` when at least some requests got a response
/// (exit 0), `Unanswered` when none did: the run still ends on time with a valid report, but
/// it measured nothing, so it is `inconclusive` (exit 3), never a pass.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Ends {
    Answered,
    /// Answered at first, then mostly errors: the ad-hoc default `error_rate <= 0.5` fails it.
    Breached,
    Unanswered,
}

/// Whatever a target does, loadproof's memory stays bounded: bodies are drained, not kept, and
/// every record is a counter or a histogram. 100 MB is several times a normal run's peak
/// (~10 MB) and far below the 1 GB a kept body would take.
const PEAK_RSS_KB: u64 = 100 * 1024;

/// Run an ad-hoc load (closed loop, 2 users, `requests` requests, 1 s timeout), check it ended
/// as `ends` says and its memory stayed bounded, and return the schema-checked report and the
/// wall time.
fn run_against(url: &str, name: &str, requests: &str, ends: Ends) -> (serde_json::Value, Duration) {
    let dir = scratch(name);
    let started = Instant::now();
    let (o, peak_kb) = run_with_peak_rss(
        bin()
            .args([
                "run",
                "--url",
                url,
                "-c",
                "2",
                "--requests",
                requests,
                "--timeout",
                "1s",
                "--quiet",
                "--out",
            ])
            .arg(&dir),
        Duration::from_secs(60),
    );
    if let Some(kb) = peak_kb {
        assert!(kb < PEAK_RSS_KB, "{name}: peak RSS {kb} kB");
    }
    let r = report(&dir);
    match ends {
        Ends::Answered => assert_eq!(code(&o), 0, "{:?}", text(&o)),
        Ends::Breached => {
            assert_eq!(code(&o), 5, "{:?}", text(&o));
            let why = r["outcome_reason"].as_str().unwrap_or_default();
            assert!(why.contains("error_rate"), "{why}");
            let default = r["thresholds"]
                .as_array()
                .and_then(|t| t.iter().find(|t| t["metric"] == "error_rate"))
                .map(|t| t["source"].clone());
            assert_eq!(default, Some("default".into()), "{}", r["thresholds"]);
        }
        Ends::Unanswered => {
            assert_eq!(code(&o), 3, "{:?}", text(&o));
            assert_eq!(r["outcome"], "inconclusive");
            assert_eq!(r["totals"]["responses"], 0);
            let why = r["outcome_reason"].as_str().unwrap_or_default();
            assert!(why.contains("got a response"), "{why}");
        }
    }
    (r, started.elapsed())
}

fn errors(r: &serde_json::Value, kind: &str) -> u64 {
    r["errors_by_kind"][kind].as_u64().unwrap_or(0)
}

#[test]
fn reset_mid_headers_is_counted_as_reset() {
    let rt = runtime();
    let (url, task) = serve_raw(&rt, |mut s| async move {
        if read_head(&mut s).await {
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Le").await;
        }
    });
    let (r, _) = run_against(&url, "hostile-reset-headers", "10", Ends::Unanswered);
    assert_eq!(r["totals"]["requests"], 10);
    assert_eq!(errors(&r, "reset"), 10, "{}", r["errors_by_kind"]);
    task.abort();
}

#[test]
fn reset_mid_body_is_a_body_error() {
    let rt = runtime();
    let (url, task) = serve_raw(&rt, |mut s| async move {
        if read_head(&mut s).await {
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten..")
                .await;
        }
    });
    let (r, _) = run_against(&url, "hostile-reset-body", "10", Ends::Unanswered);
    let counted = errors(&r, "body_read") + errors(&r, "reset");
    assert_eq!(counted, 10, "{}", r["errors_by_kind"]);
    task.abort();
}

#[test]
fn silent_server_times_out_and_the_run_still_ends() {
    let rt = runtime();
    let (url, task) = serve_raw(&rt, |mut s| async move {
        let _ = read_head(&mut s).await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    });
    let (r, took) = run_against(&url, "hostile-silent", "4", Ends::Unanswered);
    assert_eq!(errors(&r, "timeout"), 4, "{}", r["errors_by_kind"]);
    // 4 requests over 2 users, 1 s timeout each: about 2 s, never the server's 30 s.
    assert!(took < Duration::from_secs(20), "took {took:?}");
    task.abort();
}

#[test]
fn trickling_body_hits_the_timeout() {
    let rt = runtime();
    let (url, task) = serve_raw(&rt, |mut s| async move {
        if read_head(&mut s).await {
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
                .await;
            for _ in 0..30 {
                if s.write_all(b"x").await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
        }
    });
    let (r, _) = run_against(&url, "hostile-trickle", "2", Ends::Unanswered);
    assert_eq!(errors(&r, "timeout"), 2, "{}", r["errors_by_kind"]);
    task.abort();
}

#[test]
fn malformed_status_line_and_header_flood_are_protocol_errors() {
    let rt = runtime();
    let (url, task) = serve_raw(&rt, |mut s| async move {
        if read_head(&mut s).await {
            let _ = s.write_all(b"HTTP/1.1 twohundred OK\r\n\r\n").await;
        }
    });
    let (r, _) = run_against(&url, "hostile-status", "5", Ends::Unanswered);
    assert_eq!(errors(&r, "protocol"), 5, "{}", r["errors_by_kind"]);
    task.abort();

    let (url, task) = serve_raw(&rt, |mut s| async move {
        if read_head(&mut s).await {
            let _ = s
                .write_all(
                    b"HTTP/1.1 200 OK\r\nthis line has no colon\r\nContent-Length: 0\r\n\r\n",
                )
                .await;
        }
    });
    let (r, _) = run_against(&url, "hostile-header-line", "5", Ends::Unanswered);
    assert_eq!(errors(&r, "protocol"), 5, "{}", r["errors_by_kind"]);
    task.abort();

    let (url, task) = serve_raw(&rt, |mut s| async move {
        if read_head(&mut s).await {
            let mut head = String::from("HTTP/1.1 200 OK\r\n");
            for i in 0..10_000 {
                head.push_str(&format!("X-Flood-{i}: {i}\r\n"));
            }
            head.push_str("Content-Length: 0\r\n\r\n");
            let _ = s.write_all(head.as_bytes()).await;
        }
    });
    let (r, _) = run_against(&url, "hostile-headers", "5", Ends::Unanswered);
    assert_eq!(errors(&r, "protocol"), 5, "{}", r["errors_by_kind"]);
    task.abort();
}

#[test]
fn endless_body_is_capped_and_reported() {
    let rt = runtime();
    let (url, task) = serve_raw(&rt, |mut s| async move {
        if read_head(&mut s).await {
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                .await;
            let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, "z".repeat(64 * 1024));
            // Bounded: 64 MiB at most, far past the 16 MiB cap.
            for _ in 0..1024 {
                if s.write_all(chunk.as_bytes()).await.is_err() {
                    break;
                }
            }
        }
    });
    let (r, _) = run_against(&url, "hostile-endless", "3", Ends::Answered);
    assert_eq!(r["totals"]["responses"], 3, "{}", r["errors_by_kind"]);
    assert_eq!(r["totals"]["bodies_truncated"], 3);
    task.abort();

    // A declared 1 GB body: the same cap, and (run_against checks it) no 1 GB of memory.
    let (url, task) = serve_raw(&rt, |mut s| async move {
        if read_head(&mut s).await {
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n")
                .await;
            let block = vec![b'g'; 64 * 1024];
            // Bounded: 64 MiB at most; the client hangs up at its 16 MiB cap.
            for _ in 0..1024 {
                if s.write_all(&block).await.is_err() {
                    break;
                }
            }
        }
    });
    let (r, _) = run_against(&url, "hostile-1gb", "3", Ends::Answered);
    assert_eq!(r["totals"]["responses"], 3, "{}", r["errors_by_kind"]);
    assert_eq!(r["totals"]["bodies_truncated"], 3);
    task.abort();
}

/// A target that disappears mid-run: after 10 connections its listener closes, so every new
/// connection is refused. The run goes on to its end, counting `connect` errors.
#[test]
fn target_going_away_mid_run_is_counted_as_connection_refused() {
    let rt = runtime();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let task = rt.spawn(async move {
        for _ in 0..10 {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                if read_head(&mut s).await {
                    let _ = s
                        .write_all(
                            b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
                        )
                        .await;
                }
            });
        }
        // The listener drops here: the port refuses from now on.
    });
    let (r, took) = run_against(&url, "hostile-gone", "40", Ends::Breached);
    let (responses, refused) = (
        r["totals"]["responses"].as_u64().unwrap(),
        errors(&r, "connect"),
    );
    assert!((1..=10).contains(&responses), "{}", r["totals"]);
    assert!(refused >= 25, "{}", r["errors_by_kind"]);
    assert_eq!(r["totals"]["requests"], 40);
    assert!(took < Duration::from_secs(30), "took {took:?}");
    task.abort();
}

#[test]
fn server_closing_every_connection_after_one_response_is_not_an_error() {
    let rt = runtime();
    let (url, task) = serve_raw(&rt, |mut s| async move {
        if read_head(&mut s).await {
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")
                .await;
        }
    });
    let (r, _) = run_against(&url, "hostile-close", "50", Ends::Answered);
    assert_eq!(r["totals"]["responses"], 50, "{}", r["errors_by_kind"]);
    assert_eq!(r["totals"]["request_errors"], 0);
    task.abort();
}

#[test]
fn non_utf8_header_values_and_redirect_loops_are_just_responses() {
    let rt = runtime();
    // A well-behaved keep-alive server apart from the odd bytes: it answers every request on a
    // connection (one that silently closed after one response would make some requests fail
    // for a reason this test is not about).
    let (url, task) = serve_raw(&rt, |mut s| async move {
        while read_head(&mut s).await {
            let head = b"HTTP/1.1 302 Found\r\nLocation: /\r\nX-Bin: \xff\xfe\r\nContent-Length: 0\r\n\r\n";
            if s.write_all(head).await.is_err() {
                break;
            }
        }
    });
    let (r, _) = run_against(&url, "hostile-redirect", "10", Ends::Answered);
    assert_eq!(
        r["status_codes"]["302"], 10,
        "redirects are not followed: {}",
        r["status_codes"]
    );
    task.abort();
}

/// A TLS server on 127.0.0.1:0 with a freshly generated self-signed certificate.
fn serve_self_signed(rt: &tokio::runtime::Runtime) -> (String, tokio::task::JoinHandle<()>) {
    use tokio_rustls::rustls;
    let cert =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let key = rustls::pki_types::PrivateKeyDer::try_from(cert.signing_key.serialize_der()).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert.cert.der().clone()], key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let url = format!("https://{}/", listener.local_addr().unwrap());
    let task = rt.spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(sock).await else {
                    return;
                };
                let mut buf = [0u8; 4096];
                // One response per read of a request head; enough for keep-alive GETs.
                while let Ok(n) = tls.read(&mut buf).await {
                    if n == 0
                        || tls
                            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                            .await
                            .is_err()
                    {
                        break;
                    }
                }
            });
        }
    });
    (url, task)
}

#[test]
fn untrusted_certificate_is_a_clear_error_unless_insecure() {
    let rt = runtime();
    let (url, task) = serve_self_signed(&rt);
    let dir = scratch("tls-bad-cert");
    let o = run(
        bin()
            .args(["run", "--url", &url, "--requests", "5", "--out"])
            .arg(&dir),
        Duration::from_secs(60),
    );
    assert_eq!(code(&o), 3, "{:?}", text(&o));
    let (_, err) = text(&o);
    assert!(
        err.contains("TLS handshake") && err.contains("--insecure"),
        "{err}"
    );

    let o = run(
        bin()
            .args([
                "run",
                "--url",
                &url,
                "--requests",
                "5",
                "--insecure",
                "--quiet",
                "--out",
            ])
            .arg(&dir),
        Duration::from_secs(60),
    );
    assert_eq!(code(&o), 0, "{:?}", text(&o));
    let r = report(&dir);
    assert_eq!(r["totals"]["responses"], 5, "{}", r["errors_by_kind"]);
    task.abort();
}

/// An h2c (prior knowledge) server whose every stream is handled by `on_stream`.
fn serve_h2c<F>(rt: &tokio::runtime::Runtime, on_stream: F) -> (String, tokio::task::JoinHandle<()>)
where
    F: Fn(h2::server::SendResponse<axum::body::Bytes>, u64) -> Outcome
        + Send
        + Sync
        + Copy
        + 'static,
{
    serve_raw(rt, move |sock| async move {
        let Ok(mut conn) = h2::server::handshake(sock).await else {
            return;
        };
        let mut n = 0u64;
        while let Some(Ok((_req, respond))) = conn.accept().await {
            n += 1;
            if on_stream(respond, n) == Outcome::GoAway {
                conn.graceful_shutdown();
            }
        }
    })
}

#[derive(PartialEq)]
enum Outcome {
    Continue,
    GoAway,
}

#[test]
fn http2_rst_stream_flood_is_counted_and_the_run_ends() {
    let rt = runtime();
    let (url, task) = serve_h2c(&rt, |mut respond, _| {
        respond.send_reset(h2::Reason::REFUSED_STREAM);
        Outcome::Continue
    });
    let dir = scratch("hostile-h2-rst");
    let started = Instant::now();
    let o = run(
        bin()
            .args([
                "run",
                "--url",
                &url,
                "--protocol",
                "h2c",
                "-c",
                "4",
                "--requests",
                "200",
                "--timeout",
                "1s",
                "--quiet",
                "--out",
            ])
            .arg(&dir),
        Duration::from_secs(60),
    );
    // Every stream refused: nothing measured, so inconclusive (exit 3), with a full report.
    assert_eq!(code(&o), 3, "{:?}", text(&o));
    let r = report(&dir);
    assert_eq!(r["outcome"], "inconclusive");
    assert_eq!(r["totals"]["requests"], 200);
    assert_eq!(
        r["totals"]["request_errors"], 200,
        "{}",
        r["errors_by_kind"]
    );
    assert_eq!(
        errors(&r, "reset"),
        200,
        "a refused stream is a reset: {}",
        r["errors_by_kind"]
    );
    assert!(started.elapsed() < Duration::from_secs(30));
    task.abort();
}

#[test]
fn http2_goaway_after_every_response_reconnects_without_losing_requests() {
    let rt = runtime();
    let (url, task) = serve_h2c(&rt, |mut respond, _| {
        let resp = axum::http::Response::builder()
            .status(200)
            .body(())
            .unwrap();
        if let Ok(mut body) = respond.send_response(resp, false) {
            let _ = body.send_data(axum::body::Bytes::from_static(b"ok"), true);
        }
        Outcome::GoAway
    });
    let dir = scratch("hostile-h2-goaway");
    let o = run(
        bin()
            .args([
                "run",
                "--url",
                &url,
                "--protocol",
                "h2c",
                "-c",
                "2",
                "--requests",
                "100",
                "--timeout",
                "2s",
                "--quiet",
                "--out",
            ])
            .arg(&dir),
        Duration::from_secs(60),
    );
    assert_eq!(code(&o), 0, "{:?}", text(&o));
    let r = report(&dir);
    assert_eq!(r["totals"]["requests"], 100);
    // A graceful GOAWAY names the last stream it will process: nothing in flight may be lost,
    // and requests after it go to a new connection.
    assert_eq!(
        r["totals"]["responses"].as_u64().unwrap()
            + r["totals"]["request_errors"].as_u64().unwrap(),
        100
    );
    assert!(
        r["totals"]["responses"].as_u64().unwrap() >= 90,
        "{}",
        r["errors_by_kind"]
    );
    task.abort();
}

/// A server that answers every other connection with `200` (then closes it) and resets the rest
/// before answering; `answer_none` resets them all.
fn half_answering(
    rt: &tokio::runtime::Runtime,
    answer_none: bool,
) -> (String, tokio::task::JoinHandle<()>) {
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    serve_raw(rt, move |mut s| {
        let n = seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        async move {
            if read_head(&mut s).await && !answer_none && n % 2 == 0 {
                let _ = s
                    .write_all(
                        b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
                    )
                    .await;
            }
        }
    })
}

/// A request expectation is judged on responses, and a request that got none is not counted as
/// meeting it: some unanswered → `warn` (a failure under `fail_on = "warn"`), none answered →
/// `error` and an inconclusive run. Never a plain pass.
#[test]
fn expectations_are_not_met_by_requests_that_got_no_response() {
    let rt = runtime();
    let scenario = |dir: &std::path::Path, url: &str, fail_on: &str| {
        write(
            dir,
            "expect.toml",
            &format!(
                "name = \"half\"\ntarget = \"{url}\"\n\n[load]\nmode = \"closed\"\nusers = 2\n\
                 requests = 20\ntimeout = \"1s\"\n\n[[requests]]\nname = \"get\"\npath = \"/\"\n\n\
                 [requests.expect]\nstatus = 200\n\n[checks]\nfail_on = \"{fail_on}\"\n"
            ),
        )
    };
    let run_it = |name: &str, url: &str, fail_on: &str| {
        let dir = scratch(name);
        let file = scenario(&dir, url, fail_on);
        let o = run(
            bin()
                .arg("run")
                .arg(&file)
                .args(["--quiet", "--out"])
                .arg(dir.join("out")),
            Duration::from_secs(60),
        );
        let r = report(&dir.join("out"));
        let expect = r["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "EXPECT-get")
            .cloned()
            .unwrap_or_else(|| panic!("no EXPECT-get in {}", r["checks"]));
        (code(&o), r, expect)
    };

    let (url, task) = half_answering(&rt, false);
    let (exit, r, expect) = run_it("expect-half", &url, "fail");
    assert!(
        r["totals"]["responses"].as_u64().unwrap() > 0,
        "{}",
        r["totals"]
    );
    assert!(
        r["totals"]["request_errors"].as_u64().unwrap() > 0,
        "{}",
        r["totals"]
    );
    assert_eq!(expect["status"], "warn", "{expect}");
    assert!(
        expect["message"]
            .as_str()
            .unwrap()
            .contains("got no response"),
        "{expect}"
    );
    assert_eq!(exit, 0, "a warning alone does not fail the run by default");
    let (exit, r, _) = run_it("expect-half-strict", &url, "warn");
    assert_eq!((exit, r["outcome"].as_str()), (4, Some("check_failed")));
    task.abort();

    let (url, task) = half_answering(&rt, true);
    let (exit, r, expect) = run_it("expect-none", &url, "fail");
    assert_eq!(expect["status"], "error", "{expect}");
    assert!(
        expect["message"]
            .as_str()
            .unwrap()
            .contains("none of 20 requests"),
        "{expect}"
    );
    assert_eq!((exit, r["outcome"].as_str()), (3, Some("inconclusive")));
    task.abort();
}

// The lean HTTP/1.1 client parses responses itself (httparse); these are the cases hyper used to
// handle for it.

#[test]
fn interim_responses_and_a_head_trickled_byte_by_byte_are_read_whole() {
    let rt = runtime();
    let (url, task) = serve_raw(&rt, |mut s| async move {
        while read_head(&mut s).await {
            let wire: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\n\
                Link: </style.css>\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
                4;note=x\r\nwiki\r\n5\r\npedia\r\n0\r\nX-Trailer: done\r\n\r\n";
            for b in wire {
                if s.write_all(&[*b]).await.is_err() {
                    return;
                }
                if *b == b'\n' {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
        }
    });
    let (r, _) = run_against(&url, "hostile-interim", "6", Ends::Answered);
    assert_eq!(r["status_codes"]["200"], 6, "{}", r["status_codes"]);
    assert_eq!(r["totals"]["request_errors"], 0, "{}", r["errors_by_kind"]);
    // The body bytes are the chunks' data only: 9 per response.
    assert_eq!(r["totals"]["bytes_received"], 6 * 9, "{}", r["totals"]);
    task.abort();
}

#[test]
fn a_server_closing_idle_keep_alive_connections_costs_no_errors() {
    let rt = runtime();
    // Keep-alive by HTTP/1.1's default (no `Connection: close`), then the connection is closed
    // at once: the client finds it closed when it next sends, or its GET meets the close and is
    // sent again on a new connection.
    let (url, task) = serve_raw(&rt, |mut s| async move {
        if read_head(&mut s).await {
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                .await;
        }
    });
    let (r, _) = run_against(&url, "hostile-idle-close", "60", Ends::Answered);
    assert_eq!(r["totals"]["responses"], 60, "{}", r["errors_by_kind"]);
    assert_eq!(r["totals"]["request_errors"], 0);
    task.abort();
}

#[test]
fn an_unasked_second_response_is_never_taken_for_the_next_requests() {
    let rt = runtime();
    // Each request is answered twice: a 200, then a 500 nobody asked for. Reading the 500 as
    // the next request's answer would misreport the target.
    let (url, task) = serve_raw(&rt, |mut s| async move {
        while read_head(&mut s).await {
            let wire = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok\
                HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n";
            if s.write_all(wire).await.is_err() {
                return;
            }
        }
    });
    let (r, _) = run_against(&url, "hostile-double", "40", Ends::Answered);
    assert_eq!(r["status_codes"]["200"], 40, "{}", r["status_codes"]);
    assert_eq!(r["totals"]["request_errors"], 0, "{}", r["errors_by_kind"]);
    task.abort();
}
