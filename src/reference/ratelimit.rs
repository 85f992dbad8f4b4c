//! Fixed-window rate limiting of the `/orders*` routes, advertised with
//! draft-ietf-httpapi-ratelimit-headers-10 fields (`RateLimit-Policy`, `RateLimit`).
//!
//! Windows are aligned to the server's start (window n covers `[start + n*w, start + (n+1)*w)`),
//! one counter per credential partition. The check-and-increment happens under one lock, so the
//! advertised `remaining` is exact and monotone (non-increasing) within a window even under
//! concurrency. A 429 does not consume quota: a client that is told to wait and retries
//! promptly after the reset must get its full quota.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::credential;
use super::fault::Fault;
use super::problem::Problem;
use super::state::AppState;

/// Quota per credential per fixed window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitConfig {
    pub quota: u64,
    pub window: Duration,
}

impl Default for RateLimitConfig {
    /// One million requests per minute: effectively unlimited, so load tests against the correct
    /// server measure the server, while the headers are still present to be verified.
    fn default() -> Self {
        RateLimitConfig {
            quota: 1_000_000,
            window: Duration::from_secs(60),
        }
    }
}

/// Partitions beyond this count trigger a sweep of partitions from past windows.
const MAX_PARTITIONS: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    Allowed { remaining: u64, reset_secs: u64 },
    Limited { remaining: u64, reset_secs: u64 },
}

pub(crate) struct RateLimiter {
    quota: u64,
    window: Duration,
    epoch: Instant,
    /// partition → (window index, requests counted in that window).
    counters: Mutex<HashMap<String, (u64, u64)>>,
}

impl RateLimiter {
    pub(crate) fn new(config: &RateLimitConfig) -> Self {
        RateLimiter {
            quota: config.quota,
            // A zero window would divide by zero; one millisecond is the smallest honest window.
            window: config.window.max(Duration::from_millis(1)),
            epoch: Instant::now(),
            counters: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn quota(&self) -> u64 {
        self.quota
    }

    /// Window length in whole seconds as advertised (`w`), rounded up, at least 1.
    pub(crate) fn window_secs(&self) -> u64 {
        ceil_secs(self.window)
    }

    /// Counts one request against `partition` unless it would exceed `enforced` (which differs
    /// from the advertised quota only under `ratelimit-lying`). `remaining` is always computed
    /// from the *advertised* quota.
    pub(crate) fn check(&self, partition: &str, enforced: u64) -> Decision {
        let now = Instant::now();
        let elapsed = now.duration_since(self.epoch).as_nanos();
        let window_nanos = self.window.as_nanos();
        let index = (elapsed / window_nanos) as u64;
        let end_nanos = window_nanos * (u128::from(index) + 1);
        let reset = Duration::from_nanos((end_nanos - elapsed).min(u64::MAX as u128) as u64);
        // Clients must not retry before the reset, so round up; never advertise 0 seconds.
        let reset_secs = ceil_secs(reset);

        let mut counters = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        if counters.len() >= MAX_PARTITIONS && !counters.contains_key(partition) {
            counters.retain(|_, (i, _)| *i == index);
        }
        let slot = counters.entry(partition.to_owned()).or_insert((index, 0));
        if slot.0 != index {
            *slot = (index, 0);
        }
        if slot.1 >= enforced {
            Decision::Limited {
                remaining: self.quota.saturating_sub(slot.1),
                reset_secs,
            }
        } else {
            slot.1 += 1;
            Decision::Allowed {
                remaining: self.quota.saturating_sub(slot.1),
                reset_secs,
            }
        }
    }
}

fn ceil_secs(d: Duration) -> u64 {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    secs.max(1)
}

/// Whether a path is rate limited: the orders collection and its items, nothing else.
fn is_limited(path: &str) -> bool {
    path == "/orders" || path.starts_with("/orders/")
}

fn policy_value(limiter: &RateLimiter) -> HeaderValue {
    let v = format!(
        "\"default\";q={};w={}",
        limiter.quota(),
        limiter.window_secs()
    );
    HeaderValue::from_str(&v).expect("ascii")
}

fn ratelimit_value(remaining: u64, reset_secs: u64, malformed: bool) -> HeaderValue {
    let v = if malformed {
        // `t=` with no value is a syntax error in RFC 9651, so strict parsers reject the field.
        format!("\"default\";r={remaining};t=")
    } else {
        format!("\"default\";r={remaining};t={reset_secs}")
    };
    HeaderValue::from_str(&v).expect("ascii")
}

fn add_fields(headers: &mut HeaderMap, state: &AppState, remaining: u64, reset_secs: u64) {
    headers.insert("ratelimit-policy", policy_value(&state.limiter));
    headers.insert(
        "ratelimit",
        ratelimit_value(remaining, reset_secs, state.has(Fault::RatelimitMalformed)),
    );
}

/// Middleware: limits `/orders*`, passes everything else through untouched.
pub(crate) async fn middleware(
    State(state): State<Arc<AppState>>,
    req: Request,
    next: Next,
) -> Response {
    if !is_limited(req.uri().path()) {
        return next.run(req).await;
    }
    let partition = credential::partition(req.headers());
    let quota = state.limiter.quota();
    let enforced = if state.has(Fault::RatelimitLying) {
        (quota / 2).max(1)
    } else {
        quota
    };
    match state.limiter.check(&partition, enforced) {
        Decision::Allowed {
            remaining,
            reset_secs,
        } => {
            let mut res = next.run(req).await;
            add_fields(res.headers_mut(), &state, remaining, reset_secs);
            res
        }
        Decision::Limited {
            remaining,
            reset_secs,
        } => {
            let problem = Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "quota-exceeded",
                "Request quota exceeded",
                format!(
                    "the quota of {quota} requests per {} s is exhausted; retry in {reset_secs} s",
                    state.limiter.window_secs()
                ),
            )
            .with_extension("violated-policies", json!(["default"]));
            let mut res = problem.into_response();
            if !state.has(Fault::RatelimitNoRetryAfter) {
                // Correct servers say r=0 here; the lying one keeps advertising what it promised.
                let advertised = if state.has(Fault::RatelimitLying) {
                    remaining
                } else {
                    0
                };
                add_fields(res.headers_mut(), &state, advertised, reset_secs);
                res.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(reset_secs));
            }
            res
        }
    }
}
