//! The built-in reference API: a small, correct "orders" service on 127.0.0.1 that the
//! quickstart and the tests load-test, optionally started with named [`Fault`]s that each break
//! exactly one convention.
//!
//! Module map: `server` (binding, h2c + HTTP/1.1, shutdown), `routes` (router and small
//! endpoints), `envelope` (request id, problem rendering, stats counting), `problem` (RFC 9457),
//! `ratelimit`, `idempotency`, `cursor`, `orders`, `credential`, `stats`, `fault`, `state`.

use std::time::Duration;

mod credential;
mod cursor;
mod envelope;
mod fault;
mod idempotency;
mod orders;
mod problem;
mod ratelimit;
mod routes;
mod server;
mod stall;
mod state;
mod stats;

#[cfg(test)]
mod fault_tests;
#[cfg(test)]
mod tests;

pub use fault::{Fault, UnknownFault};
pub use orders::{DEFAULT_LIMIT, MAX_LIMIT};
pub use problem::PROBLEM_TYPE_BASE;
pub use ratelimit::RateLimitConfig;
pub use server::ReferenceServer;
pub use stall::Stall;
pub use stats::StatsSnapshot;

/// How the reference API behaves. `Default` is the correct server.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferenceConfig {
    /// Conventions to break; empty for the correct server.
    pub faults: Vec<Fault>,
    /// The limiter of `/orders*`. Default: effectively unlimited (headers only).
    pub rate_limit: RateLimitConfig,
    /// The separate limiter of `GET /limited`. Default: 20 requests per 1 s window.
    pub limited: RateLimitConfig,
    /// Cap for `GET /delay?ms=`; larger values are a 400. Default 10 s.
    pub max_delay: Duration,
    /// Simulated work per order creation. Default 0; tests raise it so the idempotency
    /// in-flight window (and the `idempotency-race` fault) is observable.
    pub create_delay: Duration,
    /// How long an idempotency key is remembered. Default 24 h.
    pub idempotency_ttl: Duration,
    /// Most idempotency keys remembered at once; the oldest are evicted first. Default 100 000.
    pub idempotency_capacity: usize,
    /// Freeze the whole server periodically (the coordinated-omission target). Default none.
    pub stall: Option<Stall>,
    /// Added to every response (`serve-reference --delay`): a planted regression for
    /// `loadproof compare`. Default 0.
    pub response_delay: Duration,
}

impl Default for ReferenceConfig {
    fn default() -> Self {
        ReferenceConfig {
            faults: Vec::new(),
            rate_limit: RateLimitConfig::default(),
            limited: RateLimitConfig::limited_route(),
            max_delay: Duration::from_secs(10),
            create_delay: Duration::ZERO,
            idempotency_ttl: Duration::from_secs(24 * 60 * 60),
            idempotency_capacity: 100_000,
            stall: None,
            response_delay: Duration::ZERO,
        }
    }
}

impl ReferenceConfig {
    /// The correct server with `faults` enabled.
    pub fn with_faults(faults: impl IntoIterator<Item = Fault>) -> Self {
        ReferenceConfig {
            faults: faults.into_iter().collect(),
            ..ReferenceConfig::default()
        }
    }
}
