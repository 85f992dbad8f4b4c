//! The router (which path and method goes where, and the middleware order) and the small
//! non-order endpoints: `/health`, `/delay`, `/limited`, `/_stats` and the 404 fallback.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::Uri;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use super::envelope;
use super::orders;
use super::problem::Problem;
use super::ratelimit;
use super::state::AppState;

/// Keep `stats::route_key` in step with the routes declared here.
pub(crate) fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/orders", get(orders::list).post(orders::create))
        .route(
            "/orders/{id}",
            get(orders::get_one).delete(orders::delete_one),
        )
        .route("/health", get(health))
        .route("/delay", get(delay))
        .route("/limited", get(limited))
        .route("/_stats", get(stats))
        .fallback(not_found)
        // Layers run outside-in in reverse order of declaration: the envelope wraps the rate
        // limiter so that 429s also get a request id, problem rendering and a stats count.
        .layer(from_fn_with_state(state.clone(), ratelimit::middleware))
        .layer(from_fn_with_state(state.clone(), envelope::middleware))
        .with_state(state)
}

async fn health() -> Response {
    axum::Json(json!({ "status": "ok" })).into_response()
}

/// `GET /limited`: a trivial resource behind its own small rate limiter (see `ratelimit`).
async fn limited() -> Response {
    axum::Json(json!({ "status": "ok" })).into_response()
}

async fn delay(
    State(state): State<Arc<AppState>>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let cap = state.max_delay.as_millis();
    let ms = query.ok().and_then(|Query(params)| {
        params
            .into_iter()
            .find(|(k, _)| k == "ms")
            .map(|(_, v)| v.parse::<u64>())
    });
    match ms {
        Some(Ok(ms)) if u128::from(ms) <= cap => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            axum::Json(json!({ "delayed_ms": ms })).into_response()
        }
        _ => Problem::invalid_parameter(
            "ms",
            format!("required, an integer number of milliseconds between 0 and {cap}"),
        )
        .into_response(),
    }
}

async fn stats(State(state): State<Arc<AppState>>) -> Response {
    axum::Json(snapshot(&state)).into_response()
}

pub(crate) fn snapshot(state: &AppState) -> super::StatsSnapshot {
    state
        .stats
        .snapshot(state.orders.created(), state.orders.live())
}

async fn not_found(uri: Uri) -> Response {
    Problem::not_found(format!("no resource at {}", uri.path())).into_response()
}
