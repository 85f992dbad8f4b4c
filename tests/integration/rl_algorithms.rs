//! RL-06 (long-window mode), RL-07 and RL-10 against four limiter algorithms written here, each
//! advertising only `X-RateLimit-Limit/-Remaining/-Reset` (delta seconds) and `Retry-After`, as
//! most middleware does: no `RateLimit-Policy`, so the window is declared by the scenario (or, for
//! the fixed window, read off the longest reset seen). Windows are 4 s, so RL-06 cannot use
//! its open-loop phases and judges the burst from a fresh window instead. Each target runs on
//! 127.0.0.1:0 in this process.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::routing::get;
use serde_json::Value;

use crate::common::*;

const QUOTA: u32 = 4;
const WINDOW: Duration = Duration::from_secs(4);

#[derive(Clone, Copy)]
enum Algo {
    /// A window opened by the first request after the last one expired (Python `limits`).
    FixedFirstHit,
    SlidingLog,
    TokenBucket,
    /// Windows on a clock grid; the previous window's count weighs in linearly.
    SlidingCounter,
}

struct Limiter {
    algo: Algo,
    epoch: Instant,
    window_start: Option<Instant>,
    count: u32,
    log: VecDeque<Instant>,
    tokens: f64,
    last: Instant,
    grid: (u64, u32, u32),
}

impl Limiter {
    fn new(algo: Algo) -> Self {
        let now = Instant::now();
        Limiter {
            algo,
            epoch: now,
            window_start: None,
            count: 0,
            log: VecDeque::new(),
            tokens: f64::from(QUOTA),
            last: now,
            grid: (0, 0, 0),
        }
    }

    /// (accepted, remaining, seconds until the advertised reset, seconds until more quota).
    fn hit(&mut self) -> (bool, u32, f64, f64) {
        let now = Instant::now();
        let q = QUOTA;
        let w = WINDOW.as_secs_f64();
        match self.algo {
            Algo::FixedFirstHit => {
                if self
                    .window_start
                    .is_none_or(|s| now.duration_since(s) >= WINDOW)
                {
                    self.window_start = Some(now);
                    self.count = 0;
                }
                let left = w - now.duration_since(self.window_start.unwrap()).as_secs_f64();
                if self.count < q {
                    self.count += 1;
                    (true, q - self.count, left, left)
                } else {
                    (false, 0, left, left)
                }
            }
            Algo::SlidingLog => {
                while self
                    .log
                    .front()
                    .is_some_and(|&t| now.duration_since(t) >= WINDOW)
                {
                    self.log.pop_front();
                }
                let ok = (self.log.len() as u32) < q;
                if ok {
                    self.log.push_back(now);
                }
                let left = self
                    .log
                    .front()
                    .map_or(w, |&t| w - now.duration_since(t).as_secs_f64());
                (ok, q - self.log.len() as u32, left, left)
            }
            Algo::TokenBucket => {
                let rate = f64::from(q) / w;
                self.tokens = (self.tokens + now.duration_since(self.last).as_secs_f64() * rate)
                    .min(f64::from(q));
                self.last = now;
                let ok = self.tokens >= 1.0;
                if ok {
                    self.tokens -= 1.0;
                }
                let left = ((1.0 - self.tokens).max(0.0)) / rate;
                (ok, self.tokens.floor() as u32, left, left)
            }
            Algo::SlidingCounter => {
                let t = now.duration_since(self.epoch).as_secs_f64();
                let idx = (t / w) as u64;
                let (gi, prev, curr) = &mut self.grid;
                if idx != *gi {
                    *prev = if idx == *gi + 1 { *curr } else { 0 };
                    *curr = 0;
                    *gi = idx;
                }
                let e = t - idx as f64 * w;
                let est = |e: f64, prev: u32, curr: u32| {
                    f64::from(prev) * (1.0 - e / w) + f64::from(curr)
                };
                let ok = est(e, *prev, *curr) + 1.0 <= f64::from(q);
                if ok {
                    *curr += 1;
                }
                let now_est = est(e, *prev, *curr);
                let remaining = (f64::from(q) - now_est).floor().max(0.0) as u32;
                // Time until one more request fits: step forward in 10 ms.
                let mut left = 0.0;
                let (mut p2, mut c2, mut e2) = (*prev, *curr, e);
                while est(e2, p2, c2) + 1.0 > f64::from(q) && left < 2.0 * w {
                    left += 0.01;
                    e2 += 0.01;
                    if e2 >= w {
                        e2 -= w;
                        p2 = c2;
                        c2 = 0;
                    }
                }
                // The reset field names the next window edge, as grid limiters do.
                (ok, remaining, w - e, left)
            }
        }
    }
}

async fn limited(State(l): State<Arc<Mutex<Limiter>>>) -> (StatusCode, HeaderMap, &'static str) {
    let (ok, remaining, reset, left) = l.lock().unwrap().hit();
    let mut h = HeaderMap::new();
    let n = |v: u64| HeaderValue::from_str(&v.to_string()).unwrap();
    h.insert("x-ratelimit-limit", n(u64::from(QUOTA)));
    h.insert("x-ratelimit-remaining", n(u64::from(remaining)));
    h.insert("x-ratelimit-reset", n(reset.ceil().max(1.0) as u64));
    h.insert(
        "content-type",
        HeaderValue::from_static("application/problem+json"),
    );
    if ok {
        (StatusCode::OK, h, r#"{"ok":true}"#)
    } else {
        h.insert("retry-after", n(left.ceil().max(1.0) as u64));
        (
            StatusCode::TOO_MANY_REQUESTS,
            h,
            r#"{"type":"about:blank","title":"Too Many Requests","status":429}"#,
        )
    }
}

fn serve(rt: &tokio::runtime::Runtime, algo: Algo) -> String {
    let app = Router::new()
        .route("/limited", get(limited))
        .route("/", get(|| async { "ok" }))
        .with_state(Arc::new(Mutex::new(Limiter::new(algo))));
    serve_app(rt, app)
}

/// Run the family against `algo`; the RL checks by ID.
fn judge(name: &str, algo: Algo, extra: &str) -> Vec<Value> {
    let rt = runtime();
    let url = serve(&rt, algo);
    let dir = scratch(name);
    let scenario = format!(
        r#"name = "{name}"
target = "{url}"

[load]
rate = 5
duration = "1s"

[[requests]]
name = "home"
path = "/"

[[requests]]
name = "limited"
path = "/limited"
weight = 0

[checks.rate_limit]
request = "limited"
{extra}
"#
    );
    let file = write(&dir, "scenario.toml", &scenario);
    let out = dir.join("out");
    let output = run(
        bin()
            .arg("run")
            .arg(&file)
            .args(["--quiet", "--out"])
            .arg(&out),
        Duration::from_secs(120),
    );
    let (stdout, stderr) = text(&output);
    assert!(out.join("report.json").exists(), "{stdout}\n{stderr}");
    let checks = report(&out)["checks"].as_array().cloned().unwrap();
    checks
        .into_iter()
        .filter(|c| c["id"].as_str().unwrap_or("").starts_with("RL-"))
        .collect()
}

fn get_check<'a>(checks: &'a [Value], id: &str) -> (&'a str, &'a str) {
    let c = checks
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {checks:#?}"));
    (
        c["status"].as_str().unwrap_or(""),
        c["message"].as_str().unwrap_or(""),
    )
}

fn assert_class(checks: &[Value], class: &str) {
    let (status, msg) = get_check(checks, "RL-10");
    assert_eq!(status, "pass", "RL-10: {msg}\n{checks:#?}");
    assert!(msg.starts_with(class), "RL-10 should say {class}: {msg}");
    let (status, msg) = get_check(checks, "RL-06");
    assert_eq!(status, "pass", "RL-06: {msg}");
    assert!(msg.contains("first 429 at request"), "RL-06: {msg}");
    let (status, msg) = get_check(checks, "RL-07");
    assert_eq!(status, "pass", "RL-07: {msg}");
    let failed: Vec<String> = checks
        .iter()
        .filter(|c| c["status"] == "fail")
        .map(|c| format!("{} {}", c["id"], c["message"]))
        .collect();
    assert!(
        failed.is_empty(),
        "a conforming limiter failed: {failed:#?}"
    );
}

#[test]
fn a_fixed_window_opened_by_the_first_request_is_classified_with_its_boundary_burst() {
    // No declared window: it is read off the longest reset seen.
    let checks = judge("rl-algo-fixed", Algo::FixedFirstHit, "");
    assert_class(&checks, "fixed window");
    let (_, msg) = get_check(&checks, "RL-10");
    assert!(msg.contains("window read off the longest reset"), "{msg}");
    // The quota came back at the edge while the burst was in the same window-long interval.
    assert!(
        msg.contains("boundary-burst factor 1.75") || msg.contains("boundary-burst factor 2.00"),
        "{msg}"
    );
}

#[test]
fn a_fixed_window_breaks_max_burst_one() {
    let checks = judge(
        "rl-algo-fixed-max-burst",
        Algo::FixedFirstHit,
        "max_burst = 1.0",
    );
    let (status, msg) = get_check(&checks, "RL-10");
    assert_eq!(status, "fail", "{msg}");
    assert!(msg.contains("exceeds max_burst 1.00"), "{msg}");
}

#[test]
fn a_sliding_log_is_classified_and_never_bursts() {
    let checks = judge(
        "rl-algo-log",
        Algo::SlidingLog,
        "window = \"4s\"\nmax_burst = 1.0",
    );
    assert_class(&checks, "sliding window (log)");
    let (_, msg) = get_check(&checks, "RL-10");
    assert!(msg.contains("boundary-burst factor 1.00"), "{msg}");
}

#[test]
fn a_token_bucket_is_classified() {
    let checks = judge("rl-algo-bucket", Algo::TokenBucket, "window = \"4s\"");
    assert_class(&checks, "token or leaky bucket");
}

#[test]
fn a_sliding_window_counter_is_classified() {
    let checks = judge("rl-algo-counter", Algo::SlidingCounter, "window = \"4s\"");
    assert_class(&checks, "sliding window (counter)");
}
