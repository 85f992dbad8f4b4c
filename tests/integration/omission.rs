//! Coordinated omission: a target that freezes for F out of every T seconds, driven open-loop at a
//! fixed rate. The honest answer is analytic: a fraction q = F/T of requests is delayed, uniformly
//! on (0, F]; so for a percentile P above 1 − q the latency is F·(P − (1 − q))/q, and the mean is
//! about q·F/2. A tool that measures from the actual send reports a p99 of a few milliseconds.
//! Bounds are generous (a shared 2-core machine); the precise comparison is the benchmark's job.

use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;

use crate::common::*;

const FREEZE: Duration = Duration::from_millis(500);
const PERIOD: Duration = Duration::from_secs(2);

/// Requests that arrive inside a freeze window are answered when it ends.
async fn freezing_server() -> (String, tokio::task::JoinHandle<()>) {
    let t0 = Instant::now();
    let app = Router::new().route(
        "/",
        get(move || async move {
            let phase = Duration::from_nanos((t0.elapsed().as_nanos() % PERIOD.as_nanos()) as u64);
            if phase < FREEZE {
                tokio::time::sleep(FREEZE - phase).await;
            }
            "ok"
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, task)
}

#[test]
fn open_loop_latency_includes_the_stall() {
    let rt = runtime();
    let (url, task) = rt.block_on(freezing_server());
    let dir = scratch("omission");
    let rate = 200.0;
    let secs = 6.0;
    let o = run(
        bin()
            .args([
                "run",
                "--url",
                &url,
                "--rate",
                "200",
                "--duration",
                "6s",
                "--connections",
                "20",
                "--quiet",
                "--out",
            ])
            .arg(&dir),
        Duration::from_secs(60),
    );
    assert_eq!(code(&o), 0, "{:?}", text(&o));
    let r = report(&dir);
    task.abort();

    let sent = r["totals"]["requests"].as_u64().unwrap();
    assert_eq!(sent, (rate * secs) as u64, "every due request must be sent");
    assert_eq!(r["open_loop"]["not_sent"], 0);
    assert!(
        r["open_loop"]["sent_late"].as_u64().unwrap() > 0,
        "the stall must make sends late"
    );

    let q = FREEZE.as_secs_f64() / PERIOD.as_secs_f64();
    let f_ms = FREEZE.as_secs_f64() * 1000.0;
    let analytic = |p: f64| f_ms * (p - (1.0 - q)) / q;
    let l = &r["latency_ms"];
    let get = |k: &str| l[k].as_f64().unwrap();
    assert!(
        get("p50") < 50.0,
        "p50 {} should be the unfrozen latency",
        get("p50")
    );
    for (key, p) in [("p90", 0.90), ("p99", 0.99)] {
        let want = analytic(p);
        let got = get(key);
        assert!(
            (got - want).abs() <= want * 0.2,
            "{key}: got {got:.1} ms, analytic {want:.1} ms"
        );
    }
    let mean_want = q * f_ms / 2.0;
    assert!(
        (get("mean") - mean_want).abs() <= mean_want * 0.25,
        "mean {} vs {mean_want}",
        get("mean")
    );
}
