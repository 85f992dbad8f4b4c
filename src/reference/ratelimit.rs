//! Fixed-window rate limiting of the `/orders*` routes and of `GET /limited` (a route with its own,
//! deliberately small limiter for the rate-limit checks), advertised with
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

impl RateLimitConfig {
    /// The default for `GET /limited`: 20 requests per 1 s window, small enough that the
    /// rate-limit checks exhaust it in milliseconds and see several windows in a few seconds.
    pub fn limited_route() -> Self {
        RateLimitConfig {
            quota: 20,
            window: Duration::from_secs(1),
        }
    }
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

/// The limiter for a path: the orders collection and its items share one, `/limited` has its own,
/// nothing else is limited.
fn limiter_for<'s>(state: &'s AppState, path: &str) -> Option<&'s RateLimiter> {
    if path == "/orders" || path.starts_with("/orders/") {
        Some(&state.limiter)
    } else if path == "/limited" {
        Some(&state.limited_limiter)
    } else {
        None
    }
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

fn add_fields(
    headers: &mut HeaderMap,
    state: &AppState,
    limiter: &RateLimiter,
    remaining: u64,
    reset_secs: u64,
) {
    headers.insert("ratelimit-policy", policy_value(limiter));
    headers.insert(
        "ratelimit",
        ratelimit_value(remaining, reset_secs, state.has(Fault::RatelimitMalformed)),
    );
}

/// Middleware: limits `/orders*` and `/limited`, passes everything else through untouched.
pub(crate) async fn middleware(
    State(state): State<Arc<AppState>>,
    req: Request,
    next: Next,
) -> Response {
    let Some(limiter) = limiter_for(&state, req.uri().path()) else {
        return next.run(req).await;
    };
    let partition = credential::partition(req.headers());
    let quota = limiter.quota();
    let enforced = if state.has(Fault::RatelimitLying) {
        (quota / 2).max(1)
    } else {
        quota
    };
    match limiter.check(&partition, enforced) {
        Decision::Allowed {
            remaining,
            reset_secs,
        } => {
            let mut res = next.run(req).await;
            add_fields(res.headers_mut(), &state, limiter, remaining, reset_secs);
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
                    limiter.window_secs()
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
                add_fields(res.headers_mut(), &state, limiter, advertised, reset_secs);
                res.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(reset_secs));
            }
            res
        }
    }
}

#[cfg(test)]
mod limited_route_tests {
    use super::super::tests::{client, header, parse_ratelimit, start};
    use super::super::{Fault, RateLimitConfig, ReferenceConfig};
    use std::time::Duration;

    fn config(faults: Vec<Fault>) -> ReferenceConfig {
        ReferenceConfig {
            faults,
            // A long window so the test never straddles a reset.
            limited: RateLimitConfig {
                quota: 4,
                window: Duration::from_secs(60),
            },
            ..ReferenceConfig::default()
        }
    }

    #[tokio::test]
    async fn limited_route_has_its_own_small_limiter() {
        assert_eq!(ReferenceConfig::default().limited.quota, 20);
        let srv = start(config(vec![])).await;
        let (c, base) = (client(), srv.base_url());
        for expected in [3, 2, 1, 0] {
            let res = c.get(format!("{base}/limited")).send().await.unwrap();
            assert_eq!(res.status(), 200);
            assert_eq!(
                header(&res, "ratelimit-policy"),
                Some("\"default\";q=4;w=60")
            );
            assert_eq!(
                parse_ratelimit(header(&res, "ratelimit").unwrap()).0,
                expected
            );
        }
        let res = c.get(format!("{base}/limited")).send().await.unwrap();
        assert_eq!(res.status(), 429);
        assert!(header(&res, "retry-after").is_some());
        // The orders limiter is separate (and effectively unlimited by default).
        let res = c.get(format!("{base}/orders")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(srv.stats().by_route["GET /limited"], 5);
        srv.shutdown().await;
    }

    #[tokio::test]
    async fn ratelimit_faults_apply_to_limited() {
        let srv = start(config(vec![Fault::RatelimitLying])).await;
        let (c, base) = (client(), srv.base_url());
        for _ in 0..2 {
            assert_eq!(
                c.get(format!("{base}/limited"))
                    .send()
                    .await
                    .unwrap()
                    .status(),
                200
            );
        }
        let res = c.get(format!("{base}/limited")).send().await.unwrap();
        assert_eq!(res.status(), 429);
        assert_eq!(parse_ratelimit(header(&res, "ratelimit").unwrap()).0, 2);
        srv.shutdown().await;

        let srv = start(config(vec![Fault::RatelimitNoRetryAfter])).await;
        let base = srv.base_url();
        for _ in 0..4 {
            c.get(format!("{base}/limited")).send().await.unwrap();
        }
        let res = c.get(format!("{base}/limited")).send().await.unwrap();
        assert_eq!(res.status(), 429);
        assert!(header(&res, "retry-after").is_none() && header(&res, "ratelimit").is_none());
        srv.shutdown().await;

        let srv = start(config(vec![Fault::RatelimitMalformed])).await;
        let res = c
            .get(format!("{}/limited", srv.base_url()))
            .send()
            .await
            .unwrap();
        assert!(header(&res, "ratelimit").unwrap().ends_with("t="));
        srv.shutdown().await;
    }
}
