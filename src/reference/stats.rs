//! Request and order counters, and the [`StatsSnapshot`] served at `/_stats`.
//!
//! Tests compare the load tool's request count with `requests` and expect equality, so counting
//! is exact: one short-held mutex guards all per-request counters, which keeps `requests`,
//! `by_route` and `by_status` mutually consistent in every snapshot (sums always agree). Order
//! counts are read from the order store when the snapshot is taken, not tracked twice.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// A point-in-time copy of the counters.
#[derive(Debug, Clone, Default, serde::Serialize, PartialEq)]
pub struct StatsSnapshot {
    /// Every request whose response was produced, any route, excluding `/_stats`.
    pub requests: u64,
    /// Keyed like `"POST /orders"`, `"GET /orders/{id}"`; unknown paths as `"GET <unmatched>"`.
    pub by_route: BTreeMap<String, u64>,
    pub by_status: BTreeMap<u16, u64>,
    pub orders_created: u64,
    pub orders_live: u64,
}

#[derive(Default)]
struct Counters {
    requests: u64,
    by_route: BTreeMap<String, u64>,
    by_status: BTreeMap<u16, u64>,
}

/// The live counters. Held for a few map operations per request, never across an await.
#[derive(Default)]
pub(crate) struct Stats {
    inner: Mutex<Counters>,
}

impl Stats {
    /// Records one produced response.
    pub(crate) fn record(&self, route: &str, status: u16) {
        let mut c = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        c.requests += 1;
        // Avoid allocating the key on the hot path once the route has been seen.
        match c.by_route.get_mut(route) {
            Some(n) => *n += 1,
            None => {
                c.by_route.insert(route.to_owned(), 1);
            }
        }
        *c.by_status.entry(status).or_insert(0) += 1;
    }

    pub(crate) fn snapshot(&self, orders_created: u64, orders_live: u64) -> StatsSnapshot {
        let c = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        StatsSnapshot {
            requests: c.requests,
            by_route: c.by_route.clone(),
            by_status: c.by_status.clone(),
            orders_created,
            orders_live,
        }
    }
}

/// The stats key for a request. Axum's `matched-path` feature is off in this crate, so the route
/// templates are classified here; this must mirror the router in `routes.rs`.
pub(crate) fn route_key(method: &str, path: &str) -> String {
    let template = match path {
        "/orders" => "/orders",
        "/health" => "/health",
        "/delay" => "/delay",
        "/limited" => "/limited",
        "/_stats" => "/_stats",
        p => match p.strip_prefix("/orders/") {
            Some(rest) if !rest.is_empty() && !rest.contains('/') => "/orders/{id}",
            _ => "<unmatched>",
        },
    };
    format!("{method} {template}")
}
