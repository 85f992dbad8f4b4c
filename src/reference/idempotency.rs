//! Idempotency keys (draft-ietf-httpapi-idempotency-key-header, with Stripe's semantics):
//! header parsing, request fingerprints and the key store.
//!
//! The store maps (credential partition, key) to the request fingerprint and either "in
//! flight" or the completed response. The one property everything rests on: deciding "is this
//! key new?" and marking it in flight happen under a single lock acquisition ([`Store::begin`]).
//! If the lookup and the insert were separate critical sections, two concurrent requests could
//! both observe "absent" in between and both create an order — exactly the bug the
//! `idempotency-race` fault reintroduces through [`Store::lookup`] + [`Store::force_begin`].

use std::collections::{HashMap, VecDeque};
use std::hash::{DefaultHasher, Hasher};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::Value;

/// Longest accepted key; the draft leaves it open, Stripe uses 255.
const MAX_KEY_LEN: usize = 255;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeyError {
    Missing,
    Invalid(&'static str),
}

/// Parses `Idempotency-Key`. The draft defines it as an sf-string (`"abc"`), but many clients
/// send a bare token or UUID (which is not even a valid sf-token when it starts with a digit),
/// so both are accepted; the key is the unquoted value either way.
pub(crate) fn parse_key(headers: &HeaderMap) -> Result<String, KeyError> {
    let raw = headers
        .get("idempotency-key")
        .ok_or(KeyError::Missing)?
        .to_str()
        .map_err(|_| KeyError::Invalid("the key must be printable ASCII"))?
        .trim();
    let key = if let Some(inner) = raw.strip_prefix('"') {
        parse_sf_string(inner)?
    } else {
        if !raw.bytes().all(is_bare_key_byte) {
            return Err(KeyError::Invalid(
                "a bare key may only contain token characters; quote it as an sf-string",
            ));
        }
        raw.to_owned()
    };
    if key.is_empty() {
        return Err(KeyError::Invalid("the key must not be empty"));
    }
    if key.len() > MAX_KEY_LEN {
        return Err(KeyError::Invalid("the key must be at most 255 characters"));
    }
    Ok(key)
}

/// RFC 9651 §4.2.5 string body after the opening quote: `\"` and `\\` escapes, printable ASCII,
/// closing quote last.
fn parse_sf_string(s: &str) -> Result<String, KeyError> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(e @ ('"' | '\\')) => out.push(e),
                _ => return Err(KeyError::Invalid("invalid escape in quoted key")),
            },
            '"' => {
                return if chars.next().is_none() {
                    Ok(out)
                } else {
                    Err(KeyError::Invalid(
                        "unexpected characters after the quoted key",
                    ))
                };
            }
            ' '..='~' => out.push(c),
            _ => return Err(KeyError::Invalid("the key must be printable ASCII")),
        }
    }
    Err(KeyError::Invalid("unterminated quoted key"))
}

/// RFC 9110 tchar plus `:` and `/` (the extra characters sf-token allows).
fn is_bare_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~:/".contains(&b)
}

/// The request fingerprint: a hash of method, path and the canonical JSON body, so that
/// semantically equal bodies (key order, whitespace) are the same request.
pub(crate) fn fingerprint(method: &str, path: &str, body: &Value) -> u64 {
    let mut canonical = String::new();
    write_canonical(body, &mut canonical);
    // Fixed-key SipHash: fingerprints only need to be stable within the process.
    let mut h = DefaultHasher::new();
    h.write(method.as_bytes());
    h.write_u8(0);
    h.write(path.as_bytes());
    h.write_u8(0);
    h.write(canonical.as_bytes());
    h.finish()
}

/// JSON with object members sorted by key and no insignificant whitespace.
fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut members: Vec<_> = map.iter().collect();
            members.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(v, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// A completed response, kept so that replays are byte-identical.
#[derive(Debug, Clone)]
pub(crate) struct StoredResponse {
    pub status: StatusCode,
    pub content_type: HeaderValue,
    pub location: Option<HeaderValue>,
    pub body: Bytes,
}

impl StoredResponse {
    pub(crate) fn to_response(&self, replayed: bool) -> Response {
        let mut res = Response::new(Body::from(self.body.clone()));
        *res.status_mut() = self.status;
        // A stored error body was rendered when it was produced; it is sent as is.
        res.extensions_mut().insert(super::envelope::Rendered);
        res.headers_mut()
            .insert(header::CONTENT_TYPE, self.content_type.clone());
        if let Some(loc) = &self.location {
            res.headers_mut().insert(header::LOCATION, loc.clone());
        }
        if replayed {
            res.headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
        }
        res
    }
}

type Scope = (String, String);

enum State {
    InFlight,
    Done(Arc<StoredResponse>),
}

struct Entry {
    fingerprint: u64,
    /// Distinguishes this entry from a later one under the same scope (after expiry, eviction
    /// or an abandoned request), so stale guards and queue records never touch the new one.
    generation: u64,
    created: Instant,
    state: State,
}

/// The outcome of looking a key up.
pub(crate) enum Begin {
    /// The key is new: this request owns it and must complete (or drop) the guard.
    Proceed(InFlightGuard),
    /// Completed earlier with the same fingerprint (or any, under `ignore_mismatch`).
    Replay(Arc<StoredResponse>),
    /// Another request with this key has not finished yet.
    InFlight,
    /// The key was used with a different request.
    Mismatch,
}

/// Lookup result without marking (only used by the `idempotency-race` fault).
pub(crate) enum Lookup {
    Absent,
    Found(Begin),
}

struct Inner {
    entries: HashMap<Scope, Entry>,
    /// Insertion order for expiry and capacity eviction; may hold stale records, which are
    /// recognised by their generation.
    order: VecDeque<(Scope, u64)>,
    next_generation: u64,
}

pub(crate) struct Store {
    ttl: Duration,
    capacity: usize,
    inner: Mutex<Inner>,
}

impl Store {
    pub(crate) fn new(ttl: Duration, capacity: usize) -> Self {
        Store {
            ttl,
            capacity: capacity.max(1),
            inner: Mutex::new(Inner {
                entries: HashMap::new(),
                order: VecDeque::new(),
                next_generation: 0,
            }),
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().entries.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The correct path: classify and, if new, mark in flight — atomically, under one lock.
    pub(crate) fn begin(
        self: &Arc<Self>,
        scope: Scope,
        fingerprint: u64,
        ignore_mismatch: bool,
    ) -> Begin {
        let mut inner = self.lock();
        let now = Instant::now();
        if let Some(found) = self.classify(&mut inner, &scope, fingerprint, ignore_mismatch, now) {
            return found;
        }
        self.insert(&mut inner, scope, fingerprint, now)
    }

    /// Classification alone, lock released on return (`idempotency-race` only).
    pub(crate) fn lookup(&self, scope: &Scope, fingerprint: u64, ignore_mismatch: bool) -> Lookup {
        let mut inner = self.lock();
        match self.classify(
            &mut inner,
            scope,
            fingerprint,
            ignore_mismatch,
            Instant::now(),
        ) {
            Some(found) => Lookup::Found(found),
            None => Lookup::Absent,
        }
    }

    /// Marks in flight unconditionally, overwriting whatever another request stored meanwhile
    /// (`idempotency-race` only).
    pub(crate) fn force_begin(self: &Arc<Self>, scope: Scope, fingerprint: u64) -> InFlightGuard {
        let mut inner = self.lock();
        match self.insert(&mut inner, scope, fingerprint, Instant::now()) {
            Begin::Proceed(guard) => guard,
            _ => unreachable!("insert always proceeds"),
        }
    }

    fn classify(
        &self,
        inner: &mut Inner,
        scope: &Scope,
        fingerprint: u64,
        ignore_mismatch: bool,
        now: Instant,
    ) -> Option<Begin> {
        let entry = inner.entries.get(scope)?;
        if now.duration_since(entry.created) >= self.ttl {
            // Lazily expired: the key is free again.
            inner.entries.remove(scope);
            return None;
        }
        if entry.fingerprint != fingerprint && !ignore_mismatch {
            return Some(Begin::Mismatch);
        }
        Some(match &entry.state {
            State::InFlight => Begin::InFlight,
            State::Done(stored) => Begin::Replay(stored.clone()),
        })
    }

    fn insert(
        self: &Arc<Self>,
        inner: &mut Inner,
        scope: Scope,
        fingerprint: u64,
        now: Instant,
    ) -> Begin {
        let generation = inner.next_generation;
        inner.next_generation += 1;
        inner.entries.insert(
            scope.clone(),
            Entry {
                fingerprint,
                generation,
                created: now,
                state: State::InFlight,
            },
        );
        inner.order.push_back((scope.clone(), generation));
        self.evict(inner, now);
        Begin::Proceed(InFlightGuard {
            store: self.clone(),
            scope,
            generation,
            completed: false,
        })
    }

    /// Drops expired entries from the front and the oldest entries beyond capacity.
    fn evict(&self, inner: &mut Inner, now: Instant) {
        while let Some((scope, generation)) = inner.order.front() {
            let live = inner
                .entries
                .get(scope)
                .filter(|e| e.generation == *generation);
            let remove = match live {
                None => true, // stale record
                Some(e) => {
                    inner.entries.len() > self.capacity || now.duration_since(e.created) >= self.ttl
                }
            };
            if !remove {
                break;
            }
            let (scope, generation) = inner.order.pop_front().expect("front exists");
            if inner
                .entries
                .get(&scope)
                .is_some_and(|e| e.generation == generation)
            {
                inner.entries.remove(&scope);
            }
        }
    }

    fn complete(&self, scope: &Scope, generation: u64, response: Arc<StoredResponse>) {
        let mut inner = self.lock();
        if let Some(e) = inner.entries.get_mut(scope) {
            if e.generation == generation {
                e.state = State::Done(response);
            }
        }
    }

    fn abandon(&self, scope: &Scope, generation: u64) {
        let mut inner = self.lock();
        if inner
            .entries
            .get(scope)
            .is_some_and(|e| e.generation == generation && matches!(e.state, State::InFlight))
        {
            inner.entries.remove(scope);
        }
    }
}

/// Ownership of an in-flight key. If the handler is cancelled (client disconnect) before it
/// completes, dropping the guard frees the key; otherwise every retry would get 409 for 24 h.
pub(crate) struct InFlightGuard {
    store: Arc<Store>,
    scope: Scope,
    generation: u64,
    completed: bool,
}

impl InFlightGuard {
    pub(crate) fn complete(mut self, response: Arc<StoredResponse>) {
        self.store.complete(&self.scope, self.generation, response);
        self.completed = true;
    }
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        if !self.completed {
            self.store.abandon(&self.scope, self.generation);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn headers(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("idempotency-key", HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn key_parsing() {
        assert_eq!(parse_key(&headers("\"abc\"")), Ok("abc".into()));
        assert_eq!(parse_key(&headers("abc-123")), Ok("abc-123".into()));
        assert_eq!(
            parse_key(&headers("8e03978e-40d5-43e8-bc93-6894a57f9324")),
            Ok("8e03978e-40d5-43e8-bc93-6894a57f9324".into())
        );
        assert_eq!(parse_key(&headers(r#""a\"b""#)), Ok("a\"b".into()));
        assert_eq!(parse_key(&HeaderMap::new()), Err(KeyError::Missing));
        assert!(parse_key(&headers("\"\"")).is_err());
        assert!(parse_key(&headers("\"abc")).is_err());
        assert!(parse_key(&headers("a b")).is_err());
        assert!(parse_key(&headers(&"x".repeat(256))).is_err());
    }

    #[test]
    fn fingerprint_is_canonical() {
        let a = fingerprint(
            "POST",
            "/orders",
            &json!({"a": 1, "b": [1, {"y": 2, "x": 1}]}),
        );
        let b = fingerprint(
            "POST",
            "/orders",
            &json!({"b": [1, {"x": 1, "y": 2}], "a": 1}),
        );
        let c = fingerprint(
            "POST",
            "/orders",
            &json!({"a": 2, "b": [1, {"x": 1, "y": 2}]}),
        );
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn capacity_evicts_oldest_and_dropped_guard_frees_key() {
        let store = Arc::new(Store::new(Duration::from_secs(60), 2));
        let scope = |k: &str| (String::new(), k.to_owned());
        let done = Arc::new(StoredResponse {
            status: StatusCode::CREATED,
            content_type: HeaderValue::from_static("application/json"),
            location: None,
            body: Bytes::from_static(b"{}"),
        });
        for k in ["a", "b", "c"] {
            match store.begin(scope(k), 1, false) {
                Begin::Proceed(g) => g.complete(done.clone()),
                _ => panic!("new key"),
            }
        }
        assert_eq!(store.len(), 2);
        assert!(matches!(
            store.begin(scope("a"), 1, false),
            Begin::Proceed(_)
        ));
        // The guard above was dropped without completing, so "a" is free again.
        assert!(matches!(
            store.lookup(&scope("a"), 1, false),
            Lookup::Absent
        ));
        assert!(matches!(
            store.begin(scope("c"), 1, false),
            Begin::Replay(_)
        ));
        assert!(matches!(store.begin(scope("c"), 2, false), Begin::Mismatch));
        assert!(matches!(store.begin(scope("c"), 2, true), Begin::Replay(_)));
    }
}
