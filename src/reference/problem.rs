//! RFC 9457 problem details: the error type every handler returns, and its rendering.
//!
//! Handlers do not render problems themselves. They return a [`Problem`] whose `IntoResponse`
//! leaves the body empty and parks the problem in the response extensions; the envelope
//! middleware (`envelope.rs`) renders it once it knows the request id and the request path
//! (`instance`). Keeping rendering in one place is also what lets each `errors-*` fault break
//! exactly one aspect of every error response, including errors axum produces itself.

use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::fault::Fault;

/// Base URI of the problem `type` members; the slug is appended.
pub const PROBLEM_TYPE_BASE: &str = "https://loadproof.dev/problems/";

/// One problem. `title` is constant per `slug` (RFC 9457 §3.1.3); `detail` is specific.
#[derive(Debug, Clone)]
pub(crate) struct Problem {
    pub status: StatusCode,
    pub slug: &'static str,
    pub title: &'static str,
    pub detail: String,
    /// Extension members, e.g. `errors` or `violated-policies`.
    pub extensions: Map<String, Value>,
    /// Extra response headers, e.g. `Retry-After` (a Vec, not a HeaderMap, to keep `Problem`
    /// small enough to return by value in `Result`s).
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl Problem {
    pub fn new(
        status: StatusCode,
        slug: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Problem {
            status,
            slug,
            title,
            detail: detail.into(),
            extensions: Map::new(),
            headers: Vec::new(),
        }
    }

    pub fn with_extension(mut self, name: &str, value: Value) -> Self {
        self.extensions.insert(name.to_owned(), value);
        self
    }

    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not-found",
            "Resource not found",
            detail,
        )
    }

    pub fn order_not_found(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "order-not-found",
            "Order not found",
            format!("no order with id `{id}`"),
        )
    }

    pub fn malformed_json(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "malformed-json",
            "Malformed JSON body",
            detail,
        )
    }

    /// 400 with an `errors` extension of `{"pointer", "detail"}` members, one per bad field.
    pub fn validation(errors: Vec<(String, String)>) -> Self {
        let detail = errors
            .iter()
            .map(|(p, d)| format!("{p}: {d}"))
            .collect::<Vec<_>>()
            .join("; ");
        let list = errors
            .into_iter()
            .map(|(pointer, detail)| json!({ "pointer": pointer, "detail": detail }))
            .collect();
        Self::new(
            StatusCode::BAD_REQUEST,
            "validation-failed",
            "Request validation failed",
            detail,
        )
        .with_extension("errors", Value::Array(list))
    }

    /// 400 for a bad query parameter; `errors` names the parameter rather than a JSON pointer.
    pub fn invalid_parameter(name: &str, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid-parameter",
            "Invalid query parameter",
            format!("{name}: {detail}"),
        )
        .with_extension("errors", json!([{ "parameter": name, "detail": detail }]))
    }

    pub fn invalid_cursor(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid-cursor",
            "Invalid pagination cursor",
            detail,
        )
    }

    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal-error",
            "Internal server error",
            detail,
        )
    }

    /// A problem for an error response produced outside our handlers (axum's 405, 413, body
    /// rejections), so that *every* error on the wire is problem+json.
    pub fn from_status(status: StatusCode, detail: String) -> Self {
        let (slug, title) = match status {
            StatusCode::NOT_FOUND => ("not-found", "Resource not found"),
            StatusCode::METHOD_NOT_ALLOWED => ("method-not-allowed", "Method not allowed"),
            StatusCode::PAYLOAD_TOO_LARGE => ("payload-too-large", "Payload too large"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                ("unsupported-media-type", "Unsupported media type")
            }
            s if s.is_server_error() => ("internal-error", "Internal server error"),
            _ => ("bad-request", "Bad request"),
        };
        Self::new(status, slug, title, detail)
    }

    /// The problem+json document (before any fault is applied).
    fn document(&self, instance: &str, request_id: &str, status_member: u16) -> Value {
        let mut doc = Map::new();
        doc.insert(
            "type".into(),
            json!(format!("{PROBLEM_TYPE_BASE}{}", self.slug)),
        );
        doc.insert("title".into(), json!(self.title));
        doc.insert("status".into(), json!(status_member));
        doc.insert("detail".into(), json!(self.detail));
        doc.insert("instance".into(), json!(instance));
        doc.insert("request_id".into(), json!(request_id));
        for (k, v) in &self.extensions {
            doc.insert(k.clone(), v.clone());
        }
        Value::Object(doc)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut res = self.status.into_response();
        for (name, value) in &self.headers {
            res.headers_mut().insert(name.clone(), value.clone());
        }
        res.extensions_mut().insert(self);
        res
    }
}

/// A fabricated Python traceback: the kind of leak `errors-stack-trace` simulates.
const FAKE_TRACEBACK: &str = "Traceback (most recent call last):\n  \
File \"/srv/app/orders.py\", line 42, in create\n    \
order = repository.insert(payload)\n  \
File \"/srv/app/repository.py\", line 117, in insert\n    \
raise RequestError(message)\n\
app.errors.RequestError";

/// Renders `problem` to `(content type, body)`, applying whichever `errors-*` fault is active.
pub(crate) fn render(
    problem: &Problem,
    instance: &str,
    request_id: &str,
    faults: &[Fault],
) -> (&'static str, String) {
    if faults.contains(&Fault::ErrorsHtml) {
        let html = format!(
            "<!DOCTYPE html>\n<html><head><title>{code} {title}</title></head>\n\
             <body><h1>{code} {title}</h1><p>{detail}</p><hr><address>orders-api</address></body></html>\n",
            code = problem.status.as_u16(),
            title = html_escape(problem.title),
            detail = html_escape(&problem.detail),
        );
        return ("text/html; charset=utf-8", html);
    }
    let mut status_member = problem.status.as_u16();
    if faults.contains(&Fault::ErrorsStatusMismatch) {
        // Always disagree with the HTTP status, even when that status is itself a 500.
        status_member = if status_member == 500 { 400 } else { 500 };
    }
    let mut doc = problem.document(instance, request_id, status_member);
    if faults.contains(&Fault::ErrorsStackTrace) {
        doc["detail"] = json!(format!(
            "{}\n\n{FAKE_TRACEBACK}: {}",
            problem.detail, problem.detail
        ));
    }
    ("application/problem+json", doc.to_string())
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
