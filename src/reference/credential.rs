//! The caller partition: which credential a request belongs to.
//!
//! Idempotency keys and rate-limit quotas are both scoped per credential (two clients choosing
//! the same `Idempotency-Key` must not see each other's responses, and one noisy client must
//! not exhaust another's quota). The reference API does not authenticate; the raw value of
//! `Authorization`, else `X-Api-Key`, is the partition, and "no credential" is one shared
//! anonymous partition.

use axum::http::HeaderMap;

/// The partition name. Prefixed by its source so `Authorization: x` and `X-Api-Key: x` differ.
pub(crate) fn partition(headers: &HeaderMap) -> String {
    if let Some(v) = headers.get(axum::http::header::AUTHORIZATION) {
        return format!("authorization:{}", String::from_utf8_lossy(v.as_bytes()));
    }
    if let Some(v) = headers.get("x-api-key") {
        return format!("x-api-key:{}", String::from_utf8_lossy(v.as_bytes()));
    }
    String::new()
}
