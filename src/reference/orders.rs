//! The orders resource: the in-memory store and the `/orders` handlers (create with
//! idempotency, get, delete, keyset-paginated list).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};

use super::credential;
use super::cursor::{CursorError, Position};
use super::envelope::RequestId;
use super::fault::Fault;
use super::idempotency::{self, Begin, KeyError, Lookup, StoredResponse};
use super::problem::Problem;
use super::state::AppState;

/// Page size when `limit` is absent, and the largest accepted.
pub const DEFAULT_LIMIT: u64 = 10;
pub const MAX_LIMIT: u64 = 100;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub(crate) struct Order {
    pub id: String,
    pub customer: String,
    pub amount: u64,
    pub currency: String,
    pub status: &'static str,
    /// The creation sequence number: monotonic, and the sort key behind `id`.
    pub created_at: u64,
}

/// Ids are `ord_` plus the zero-padded sequence number, so lexicographic order of ids is
/// creation order, which keyset pagination relies on.
fn order_id(seq: u64) -> String {
    format!("ord_{seq:016}")
}

fn parse_order_id(id: &str) -> Option<u64> {
    let digits = id.strip_prefix("ord_")?;
    if digits.len() != 16 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// A validated create request.
#[derive(Debug, Clone)]
pub(crate) struct NewOrder {
    pub customer: String,
    pub amount: u64,
    pub currency: String,
}

#[derive(Default)]
struct Orders {
    last_seq: u64,
    by_seq: BTreeMap<u64, Order>,
}

/// All orders, keyed by sequence number. One mutex, held only for map operations.
#[derive(Default)]
pub(crate) struct OrderStore {
    inner: Mutex<Orders>,
}

impl OrderStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, Orders> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn create(&self, new: NewOrder) -> Order {
        let mut o = self.lock();
        o.last_seq += 1;
        let seq = o.last_seq;
        let order = Order {
            id: order_id(seq),
            customer: new.customer,
            amount: new.amount,
            currency: new.currency,
            status: "pending",
            created_at: seq,
        };
        o.by_seq.insert(seq, order.clone());
        order
    }

    pub(crate) fn get(&self, seq: u64) -> Option<Order> {
        self.lock().by_seq.get(&seq).cloned()
    }

    pub(crate) fn delete(&self, seq: u64) -> bool {
        self.lock().by_seq.remove(&seq).is_some()
    }

    /// Orders created so far (sequence numbers are never reused).
    pub(crate) fn created(&self) -> u64 {
        self.lock().last_seq
    }

    pub(crate) fn live(&self) -> u64 {
        self.lock().by_seq.len() as u64
    }

    /// Up to `take` matching orders from `position`, ascending by id.
    fn page(&self, position: Position, customer: Option<&str>, take: usize) -> Vec<Order> {
        let o = self.lock();
        let matches = |ord: &&Order| customer.is_none_or(|c| ord.customer == c);
        match position {
            Position::After(last) => o
                .by_seq
                .range(last.saturating_add(1)..)
                .map(|(_, ord)| ord)
                .filter(matches)
                .take(take)
                .cloned()
                .collect(),
            Position::Offset(skip) => o
                .by_seq
                .values()
                .filter(matches)
                .skip(usize::try_from(skip).unwrap_or(usize::MAX))
                .take(take)
                .cloned()
                .collect(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// POST /orders

fn is_json_media_type(headers: &HeaderMap) -> bool {
    let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Field-level validation; every bad field is reported, each with its JSON pointer.
fn validate(body: &Value) -> Result<NewOrder, Problem> {
    let Some(obj) = body.as_object() else {
        return Err(Problem::validation(vec![(
            String::new(),
            "the body must be a JSON object".into(),
        )]));
    };
    let mut errors = Vec::new();
    let customer = match obj.get("customer") {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        Some(Value::String(_)) => {
            errors.push(("/customer".into(), "must not be empty".into()));
            None
        }
        Some(_) => {
            errors.push(("/customer".into(), "must be a string".into()));
            None
        }
        None => {
            errors.push(("/customer".into(), "is required".into()));
            None
        }
    };
    let amount = match obj.get("amount") {
        Some(v) => match v.as_u64() {
            Some(n) if n > 0 => Some(n),
            _ => {
                errors.push(("/amount".into(), "must be an integer greater than 0".into()));
                None
            }
        },
        None => {
            errors.push(("/amount".into(), "is required".into()));
            None
        }
    };
    let currency = match obj.get("currency") {
        None | Some(Value::Null) => Some("EUR".to_owned()),
        Some(Value::String(s)) if s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase()) => {
            Some(s.clone())
        }
        Some(_) => {
            errors.push((
                "/currency".into(),
                "must be a 3-letter upper-case ISO 4217 code such as \"EUR\"".into(),
            ));
            None
        }
    };
    match (customer, amount, currency) {
        (Some(customer), Some(amount), Some(currency)) if errors.is_empty() => Ok(NewOrder {
            customer,
            amount,
            currency,
        }),
        _ => Err(Problem::validation(errors)),
    }
}

fn key_problem(err: KeyError) -> Problem {
    match err {
        KeyError::Missing => Problem::new(
            StatusCode::BAD_REQUEST,
            "idempotency-key-missing",
            "Idempotency-Key header missing",
            "POST /orders requires an Idempotency-Key header, e.g. Idempotency-Key: \"8e03978e-40d5-43e8-bc93-6894a57f9324\"",
        ),
        KeyError::Invalid(why) => Problem::new(
            StatusCode::BAD_REQUEST,
            "idempotency-key-invalid",
            "Idempotency-Key header invalid",
            why,
        ),
    }
}

fn in_flight_problem() -> Response {
    Problem::new(
        StatusCode::CONFLICT,
        "idempotency-key-in-flight",
        "Request with this Idempotency-Key in progress",
        "a request with the same Idempotency-Key is still being processed; retry later",
    )
    .with_header(header::RETRY_AFTER, HeaderValue::from_static("1"))
    .into_response()
}

fn mismatch_problem() -> Response {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency-key-mismatch",
        "Idempotency-Key reused with a different request",
        "this Idempotency-Key was already used with a different request body",
    )
    .into_response()
}

/// Failure injection for IDEM-02: with this request header set to `1`, `POST /orders` creates
/// the order and then answers 500, as if the server crashed after committing. It is a header,
/// not part of the body, so it does not enter the request fingerprint: a retry without it is
/// the same request.
pub const FAIL_AFTER_EXECUTION: &str = "x-fail-after-execution";

fn wants_failure(headers: &HeaderMap) -> bool {
    headers
        .get(FAIL_AFTER_EXECUTION)
        .is_some_and(|v| v.as_bytes().trim_ascii() == b"1")
}

/// The 500 of an injected failure after execution, rendered now (with this request's id and
/// the active `errors-*` faults) so that it can be stored and replayed byte for byte.
fn failure_after_execution(state: &AppState, request_id: &str) -> Arc<StoredResponse> {
    let problem = Problem::internal(
        "the order was created, but the server failed before responding \
         (injected by X-Fail-After-Execution)",
    );
    let (content_type, body) =
        super::problem::render(&problem, "/orders", request_id, &state.faults);
    Arc::new(StoredResponse {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        content_type: HeaderValue::from_static(content_type),
        location: None,
        body: Bytes::from(body),
    })
}

/// Executes the create: the order is created, then (when `fail` is set) the response is the
/// injected 500 instead of the 201. Either is what the key stores.
async fn execute(state: &AppState, new: NewOrder, fail: Option<&str>) -> Arc<StoredResponse> {
    let created = perform_create(state, new).await;
    match fail {
        Some(request_id) => failure_after_execution(state, request_id),
        None => created,
    }
}

/// Performs the creation and builds the response that replays will reproduce byte for byte.
async fn perform_create(state: &AppState, new: NewOrder) -> Arc<StoredResponse> {
    // Simulated work: makes the in-flight window observable in tests.
    if !state.create_delay.is_zero() {
        tokio::time::sleep(state.create_delay).await;
    }
    let order = state.orders.create(new);
    let body = serde_json::to_vec(&order).expect("order serialises");
    Arc::new(StoredResponse {
        status: StatusCode::CREATED,
        content_type: HeaderValue::from_static("application/json"),
        location: HeaderValue::from_str(&format!("/orders/{}", order.id)).ok(),
        body: Bytes::from(body),
    })
}

pub(crate) async fn create(
    State(state): State<Arc<AppState>>,
    request_id: Option<Extension<RequestId>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // Order of checks: header-level (key) first, then media type, then body; invalid requests
    // never touch the idempotency store, so a client can fix the body and retry the same key.
    let key = match idempotency::parse_key(&headers) {
        Ok(k) => k,
        Err(e) => return key_problem(e).into_response(),
    };
    if !is_json_media_type(&headers) {
        return Problem::from_status(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "the body must be sent as Content-Type: application/json".into(),
        )
        .into_response();
    }
    let value: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return Problem::malformed_json(format!("invalid JSON: {e}")).into_response(),
    };
    let new = match validate(&value) {
        Ok(n) => n,
        Err(p) => return p.into_response(),
    };

    let request_id = request_id
        .as_ref()
        .and_then(|Extension(RequestId(v))| v.to_str().ok())
        .unwrap_or("");
    let fail = wants_failure(&headers).then_some(request_id);
    // Broken on purpose (`idempotency-error-not-stored`): a failed execution leaves no trace
    // under the key, so the retry executes again.
    let store_errors = !state.has(Fault::IdempotencyErrorNotStored);

    if state.has(Fault::IdempotencyNoReplay) {
        return execute(&state, new, fail).await.to_response(false);
    }

    // Broken on purpose (`idempotency-global-keys`): one key space for every caller.
    let partition = if state.has(Fault::IdempotencyGlobalKeys) {
        String::new()
    } else {
        credential::partition(&headers)
    };
    let scope = (partition, key);
    let fp = idempotency::fingerprint("POST", "/orders", &value);
    let ignore_mismatch = state.has(Fault::IdempotencyIgnoreMismatch);

    let guard = if state.has(Fault::IdempotencyRace) {
        // Broken on purpose: the lookup's lock is released before the key is marked, and the
        // work happens in between, so concurrent duplicates all see "absent".
        match state.idempotency.lookup(&scope, fp, ignore_mismatch) {
            Lookup::Found(found) => return respond(found),
            Lookup::Absent => {}
        }
        // Real check-then-insert bugs live in the round trip to the store between the check and
        // the insert; model one (independent of `create_delay`), so duplicates released together
        // reliably slip into the gap instead of depending on how the scheduler interleaves.
        tokio::time::sleep(RACE_WINDOW).await;
        let response = execute(&state, new, fail).await;
        let guard = state.idempotency.force_begin(scope, fp);
        guard.complete(response.clone());
        return response.to_response(false);
    } else {
        match state.idempotency.begin(scope, fp, ignore_mismatch) {
            Begin::Proceed(guard) => guard,
            other => return respond(other),
        }
    };
    let response = execute(&state, new, fail).await;
    if fail.is_some() && !store_errors {
        // Dropping the guard uncompleted frees the key, as for an abandoned request.
        drop(guard);
    } else {
        // Success or failure after execution began, the outcome is stored and replayed.
        guard.complete(response.clone());
    }
    response.to_response(false)
}

/// The simulated store round trip of the `idempotency-race` fault.
const RACE_WINDOW: std::time::Duration = std::time::Duration::from_millis(25);

fn respond(found: Begin) -> Response {
    match found {
        Begin::Replay(stored) => stored.to_response(true),
        Begin::InFlight => in_flight_problem(),
        Begin::Mismatch => mismatch_problem(),
        Begin::Proceed(_) => unreachable!("handled by the caller"),
    }
}

// ---------------------------------------------------------------------------------------------
// GET / DELETE /orders/{id}

pub(crate) async fn get_one(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Response {
    match parse_order_id(&id).and_then(|seq| state.orders.get(seq)) {
        Some(order) => axum::Json(order).into_response(),
        None => Problem::order_not_found(&id).into_response(),
    }
}

pub(crate) async fn delete_one(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Response {
    match parse_order_id(&id) {
        Some(seq) if state.orders.delete(seq) => StatusCode::NO_CONTENT.into_response(),
        _ => Problem::order_not_found(&id).into_response(),
    }
}

// ---------------------------------------------------------------------------------------------
// GET /orders

fn parse_limit(raw: Option<&str>) -> Result<u64, Problem> {
    let Some(raw) = raw else {
        return Ok(DEFAULT_LIMIT);
    };
    match raw.parse::<i64>() {
        Ok(n) if n >= 1 && (n as u64) <= MAX_LIMIT => Ok(n as u64),
        Ok(n) if n > 0 => Err(Problem::invalid_parameter(
            "limit",
            format!("must be at most {MAX_LIMIT}, got {n}"),
        )),
        _ => Err(Problem::invalid_parameter(
            "limit",
            format!("must be an integer between 1 and {MAX_LIMIT}"),
        )),
    }
}

/// Percent-encodes a query value (everything but RFC 3986 unreserved characters).
fn encode_query_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn page_link(limit: u64, customer: Option<&str>, cursor: &str) -> String {
    let mut link = format!("/orders?limit={limit}");
    if let Some(c) = customer {
        link.push_str("&customer=");
        link.push_str(&encode_query_value(c));
    }
    link.push_str("&cursor=");
    link.push_str(cursor);
    link
}

fn cursor_problem(state: &AppState, err: CursorError) -> Problem {
    if state.has(Fault::PaginationCursor500) {
        // Broken on purpose: a client error surfaced as a server crash.
        return Problem::internal(format!("failed to decode cursor: {err}"));
    }
    Problem::invalid_cursor(format!("{err}; start again from /orders without a cursor"))
}

pub(crate) async fn list(
    State(state): State<Arc<AppState>>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let Ok(Query(params)) = query else {
        return Problem::invalid_parameter("query", "the query string is not valid")
            .into_response();
    };
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let limit = match parse_limit(param("limit")) {
        Ok(l) => l,
        Err(p) => return p.into_response(),
    };
    let customer = param("customer");
    let offset_mode = state.has(Fault::PaginationOffset);
    let position = match param("cursor") {
        None => {
            if offset_mode {
                Position::Offset(0)
            } else {
                Position::After(0)
            }
        }
        Some(c) => match state.cursor_key.decode(c, customer) {
            Ok(p) => p,
            Err(e) => return cursor_problem(&state, e).into_response(),
        },
    };

    // Fetch one extra to learn whether a next page exists without an empty trailing page.
    let mut data = state.orders.page(position, customer, limit as usize + 1);
    let has_more = data.len() > limit as usize;
    data.truncate(limit as usize);

    let next_position = if has_more {
        match position {
            Position::After(_) => data.last().map(|o| Position::After(o.created_at)),
            Position::Offset(skip) => Some(Position::Offset(skip + data.len() as u64)),
        }
    } else if state.has(Fault::PaginationLoop) {
        // Broken on purpose: the last page points back at the start of the collection.
        Some(if offset_mode {
            Position::Offset(0)
        } else {
            Position::After(0)
        })
    } else {
        None
    };
    let next =
        next_position.map(|p| page_link(limit, customer, &state.cursor_key.encode(p, customer)));

    let body = json!({ "data": data, "next": next });
    let mut res = axum::Json(body).into_response();
    if let Some(link) = &next {
        if let Ok(v) = HeaderValue::from_str(&format!("<{link}>; rel=\"next\"")) {
            res.headers_mut().insert(header::LINK, v);
        }
    }
    res
}
