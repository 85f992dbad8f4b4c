//! The state shared by every handler and middleware of one server instance.

use std::sync::Arc;
use std::time::Duration;

use super::ReferenceConfig;
use super::cursor::CursorKey;
use super::fault::Fault;
use super::idempotency;
use super::orders::OrderStore;
use super::ratelimit::RateLimiter;
use super::stats::Stats;

pub(crate) struct AppState {
    /// Active faults; a handful at most, so a linear `contains` beats hashing.
    pub faults: Vec<Fault>,
    pub max_delay: Duration,
    pub create_delay: Duration,
    pub stats: Stats,
    pub orders: OrderStore,
    pub idempotency: Arc<idempotency::Store>,
    pub limiter: RateLimiter,
    /// The limiter of `GET /limited`.
    pub limited_limiter: RateLimiter,
    pub cursor_key: CursorKey,
}

impl AppState {
    pub(crate) fn new(config: &ReferenceConfig) -> Self {
        AppState {
            faults: config.faults.clone(),
            max_delay: config.max_delay,
            create_delay: config.create_delay,
            stats: Stats::default(),
            orders: OrderStore::default(),
            idempotency: Arc::new(idempotency::Store::new(
                config.idempotency_ttl,
                config.idempotency_capacity,
            )),
            limiter: RateLimiter::new(&config.rate_limit),
            limited_limiter: RateLimiter::new(&config.limited),
            cursor_key: CursorKey::new(),
        }
    }

    pub(crate) fn has(&self, fault: Fault) -> bool {
        self.faults.contains(&fault)
    }
}
