//! The outermost middleware: what every response gets regardless of route — the request id,
//! problem+json rendering of errors (including axum's own 404/405/413), and the stats count.
//!
//! Counting here, after the inner service produced the response, is what makes "one request,
//! counted exactly once, when its response is produced" hold for every route and status. A
//! request whose handler is cancelled (client went away) produced no response and is not
//! counted.

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use super::fault::Fault;
use super::problem::{self, Problem};
use super::state::AppState;
use super::stats::route_key;

const REQUEST_ID: &str = "x-request-id";

/// The request id, in the request's extensions for handlers that render an error body
/// themselves (a stored idempotent response must carry the id of the request that produced it).
#[derive(Debug, Clone)]
pub(crate) struct RequestId(pub HeaderValue);

/// In a response's extensions: the body is final (a stored response, replayed byte for byte),
/// so an error status must not be re-rendered here.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rendered;
const MAX_REQUEST_ID_LEN: usize = 200;

/// An inbound id is echoed only if it is a sane token, so clients can correlate their logs
/// with ours, but cannot inject arbitrary bytes into our responses and logs.
fn inbound_request_id(headers: &HeaderMap) -> Option<HeaderValue> {
    let v = headers.get(REQUEST_ID)?;
    let s = v.to_str().ok()?;
    let sane = !s.is_empty()
        && s.len() <= MAX_REQUEST_ID_LEN
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=@".contains(&b));
    sane.then(|| v.clone())
}

fn generate_request_id() -> HeaderValue {
    HeaderValue::from_str(&format!("req_{}", uuid::Uuid::new_v4().simple())).expect("ascii")
}

pub(crate) async fn middleware(
    State(state): State<Arc<AppState>>,
    req: Request,
    next: Next,
) -> Response {
    let route = route_key(req.method().as_str(), req.uri().path());
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    let inbound = if state.has(Fault::RequestIdNotEchoed) {
        None
    } else {
        inbound_request_id(req.headers())
    };
    let request_id = inbound.unwrap_or_else(generate_request_id);
    let mut req = req;
    req.extensions_mut().insert(RequestId(request_id.clone()));

    let mut res = next.run(req).await;
    let status = res.status();
    let is_error = status.is_client_error() || status.is_server_error();

    if is_error {
        let problem = match res.extensions_mut().remove::<Problem>() {
            Some(p) => Some(p),
            // An error axum produced itself (405 from a method router, 413, a body rejection):
            // give it the same problem+json shape as ours.
            None => {
                let is_problem = res
                    .headers()
                    .get(header::CONTENT_TYPE)
                    .is_some_and(|ct| ct.as_bytes().starts_with(b"application/problem+json"));
                if is_problem || res.extensions().get::<Rendered>().is_some() {
                    None
                } else {
                    let (parts, body) = std::mem::take(&mut res).into_parts();
                    let text = to_bytes(body, 16 * 1024).await.unwrap_or_default();
                    let mut detail = String::from_utf8_lossy(&text).trim().to_owned();
                    if status == axum::http::StatusCode::METHOD_NOT_ALLOWED {
                        let allow = parts
                            .headers
                            .get(header::ALLOW)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("");
                        detail = format!("{method} is not allowed on {path}; allowed: {allow}");
                    } else if detail.is_empty() {
                        detail = status.canonical_reason().unwrap_or("error").to_owned();
                    }
                    res = Response::from_parts(parts, Body::empty());
                    Some(Problem::from_status(status, detail))
                }
            }
        };
        if let Some(problem) = problem {
            let rid = request_id.to_str().unwrap_or("");
            let (content_type, body) = problem::render(&problem, &path, rid, &state.faults);
            let (mut parts, _) = res.into_parts();
            parts.headers.remove(header::CONTENT_LENGTH);
            parts
                .headers
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            res = Response::from_parts(parts, Body::from(body));
        }
    }

    let omit_id = if is_error {
        state.has(Fault::ErrorsNoRequestId)
    } else {
        state.has(Fault::SuccessNoRequestId)
    };
    if !omit_id {
        res.headers_mut().insert(REQUEST_ID, request_id);
    }
    // /_stats observes the counters; counting it would make every observation change them.
    if path != "/_stats" {
        state.stats.record(&route, status.as_u16());
    }
    res
}
