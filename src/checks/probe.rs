//! Probes: concrete requests the active checks send, the client that sends them and shows every
//! exchange to the passive parts, and how an observation becomes evidence (redacted, bodies
//! truncated, with a `curl` line and, for probes, a timeline).

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::SeedableRng;
use rand::rngs::SmallRng;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use super::{CheckCtx, Hub};
use crate::engine::body::{self, BodySink};
use crate::engine::feed::Feeder;
use crate::engine::request::{Bindings, PreparedRequest, RenderCtx, RenderShared};
use crate::observe::{Headers, Observation, Observer as _, Sent, Source};
use crate::redact::Redactor;
use crate::scenario::{RequestSpec, Template};
use crate::verdict::{Evidence, Timeline};

/// Bodies kept in an exchange (and so available to decision functions).
pub const BODY_CAP: usize = 256 * 1024;
/// Bodies shown in evidence.
pub const EVIDENCE_BODY_CAP: usize = 2048;

/// A concrete request: what will be sent, byte for byte.
#[derive(Debug, Clone)]
pub struct Probe {
    pub method: reqwest::Method,
    pub url: reqwest::Url,
    pub headers: HeaderMap,
    pub body: Option<Vec<u8>>,
    pub timeout: Duration,
}

impl Probe {
    /// Render a scenario request (its templates filled in: a fresh `${uuid}` each call).
    pub fn from_spec(ctx: &CheckCtx<'_>, spec: &RequestSpec) -> Result<Probe, String> {
        let prepared =
            PreparedRequest::prepare(spec, ctx.base_url, ctx.timeout).map_err(|e| e.to_string())?;
        let shared = render_shared();
        let mut rng = SmallRng::from_os_rng();
        // A probe is sent outside any iteration: `${data.*}` reads each file's first row.
        let feeders: Vec<Feeder> = ctx
            .data
            .iter()
            .map(|d| Feeder::new(d, crate::plan::Segment::WHOLE))
            .collect();
        let bind = Bindings {
            vars: &[],
            feeders: &feeders,
            rows: &[],
        };
        let r = prepared.render(&mut RenderCtx::new(&shared, &mut rng).with(bind))?;
        Ok(Probe {
            method: r.method,
            url: r.url,
            headers: r.headers,
            body: r.body,
            timeout: prepared.timeout,
        })
    }

    /// A request to `path` (joined to the target base URL) with no headers and no body.
    pub fn get(ctx: &CheckCtx<'_>, path: &str) -> Result<Probe, String> {
        let text = format!("{}{}", ctx.base_url.trim_end_matches('/'), path);
        let url =
            reqwest::Url::parse(&text).map_err(|e| format!("URL {text:?} is invalid: {e}"))?;
        Ok(Probe {
            method: reqwest::Method::GET,
            url,
            headers: HeaderMap::new(),
            body: None,
            timeout: ctx.timeout,
        })
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Probe {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            self.headers.insert(n, v);
        }
        self
    }

    pub fn without_header(mut self, name: &str) -> Probe {
        self.headers.remove(name);
        self
    }

    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Probe {
        self.body = Some(body.into());
        self
    }

    pub fn with_method(mut self, method: reqwest::Method) -> Probe {
        self.method = method;
        self
    }

    /// Replace (or add) one query parameter, keeping the others.
    pub fn with_query(mut self, name: &str, value: &str) -> Probe {
        let kept: Vec<(String, String)> = self
            .url
            .query_pairs()
            .filter(|(k, _)| k != name)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        self.url
            .query_pairs_mut()
            .clear()
            .extend_pairs(kept)
            .append_pair(name, value);
        self
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(self.body.as_deref()?).ok()
    }
}

/// A template (e.g. a second credential's value) rendered once, like a request's header value.
pub fn render_template(t: &Template) -> String {
    let shared = render_shared();
    let mut rng = SmallRng::from_os_rng();
    let mut out = String::new();
    crate::engine::request::render(t, &mut RenderCtx::new(&shared, &mut rng), &mut out);
    out
}

/// `${seq}` in probes counts separately from the load phase; uniqueness is what matters there.
fn render_shared() -> Arc<RenderShared> {
    static SHARED: std::sync::OnceLock<Arc<RenderShared>> = std::sync::OnceLock::new();
    SHARED
        .get_or_init(|| Arc::new(RenderShared::default()))
        .clone()
}

/// A probe and what came back.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub probe: Probe,
    /// `None` when the request failed (see `error`).
    pub status: Option<u16>,
    pub headers: HeaderMap,
    /// The body, up to [`BODY_CAP`].
    pub body: Vec<u8>,
    /// Whether the body was longer than [`BODY_CAP`].
    pub body_truncated: bool,
    pub error: Option<String>,
    pub timeline: Timeline,
}

impl Exchange {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    pub fn is_success(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }

    /// The exchange as the passive parts see it (`None` when no response came back).
    pub fn observation(&self, source: Source) -> Option<Observation<'_>> {
        Some(Observation {
            source,
            request: None,
            method: self.probe.method.as_str(),
            url: self.probe.url.as_str(),
            sent: Some(Sent {
                headers: &self.probe.headers,
                body: self.probe.body.as_deref(),
            }),
            status: self.status?,
            headers: Headers::Map(&self.headers),
            body: Some(&self.body),
            body_truncated: self.body_truncated,
            at: Duration::from_secs_f64(self.timeline.sent_ms.max(0.0) / 1000.0),
            received: None,
        })
    }

    /// Evidence for a report: secrets redacted, bodies truncated, a `curl` reproduction.
    pub fn evidence(&self, r: &Redactor, note: impl Into<String>) -> Evidence {
        let shown = |h: &HeaderMap| {
            h.iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_string(),
                        r.header_value(k.as_str(), &String::from_utf8_lossy(v.as_bytes())),
                    )
                })
                .collect()
        };
        let p = &self.probe;
        Evidence {
            method: Some(p.method.to_string()),
            url: Some(r.text(p.url.as_str())),
            status: self.status,
            request_headers: shown(&p.headers),
            request_body: p.body.as_deref().map(|b| r.text(&truncate(b))),
            response_headers: shown(&self.headers),
            response_body: (!self.body.is_empty()).then(|| r.text(&truncate(&self.body))),
            curl: Some(curl(p, r)),
            note: Some(r.text(&note.into())),
            timeline: Some(self.timeline.clone()),
            // A probe is not a scenario request: its curl comes from the probe itself.
            request: None,
            decisive: false,
            misses: vec![],
        }
    }
}

fn truncate(b: &[u8]) -> String {
    let text = String::from_utf8_lossy(&b[..b.len().min(EVIDENCE_BODY_CAP)]).into_owned();
    if b.len() > EVIDENCE_BODY_CAP {
        format!("{text}… ({} bytes in all)", b.len())
    } else {
        text
    }
}

/// A shell-safe `curl` command for the probe, secrets redacted (the one builder in
/// [`crate::verdict::curl`]).
fn curl(p: &Probe, r: &Redactor) -> String {
    crate::verdict::curl(
        p.method.as_str(),
        p.url.as_str(),
        p.headers.iter().map(|(k, v)| {
            (
                k.as_str(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        }),
        p.body.as_deref().map(String::from_utf8_lossy).as_deref(),
        r,
    )
}

/// `id` percent-encoded as one URL path segment (unreserved characters kept), for filling a
/// `{id}` placeholder into a rendered URL.
pub fn path_segment(id: &str) -> String {
    id.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The HTTP client of the active checks: every exchange it makes is shown to every passive part
/// (through the checks phase's hub), tagged with the family that sent it.
#[derive(Clone)]
pub struct ProbeClient {
    http: reqwest::Client,
    hub: Hub,
    source: Source,
    /// Sent as `Authorization` by every probe that sets none (the target URL's userinfo).
    authorization: Option<HeaderValue>,
}

impl ProbeClient {
    pub(super) fn new(
        http: reqwest::Client,
        hub: Hub,
        source: Source,
        authorization: Option<HeaderValue>,
    ) -> ProbeClient {
        ProbeClient {
            http,
            hub,
            source,
            authorization,
        }
    }

    fn record(&self, ex: &Exchange) {
        if let Some(o) = ex.observation(self.source) {
            self.hub
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .observe(&o);
        }
    }
}

/// Send one probe on `client` and show the exchange to the passive parts. `origin` is the
/// instant the timeline is measured from (the start of the check, or the release of a race);
/// `connection` labels the client in the timeline.
pub async fn send(
    client: &ProbeClient,
    probe: &Probe,
    origin: Instant,
    connection: usize,
) -> Exchange {
    let mut ex = send_unobserved(client, probe, origin, connection).await;
    if stale_connection(&ex) && probe.method.is_idempotent() {
        // A server may close a keep-alive connection right after a response without saying
        // so (uvicorn after an unhandled 500): the next request on it meets a reset before any
        // byte of an answer. That is the pool's artefact, not the target's answer; an
        // idempotent request is sent again, once, on a fresh connection.
        ex = send_unobserved(client, probe, origin, connection).await;
    }
    client.record(&ex);
    ex
}

/// No response, and the connection was reset or closed under the request (not a timeout, not
/// a refused connect).
fn stale_connection(ex: &Exchange) -> bool {
    ex.status.is_none()
        && ex.error.as_deref().is_some_and(|e| {
            let e = e.to_ascii_lowercase();
            (e.contains("connection reset")
                || e.contains("connection closed before message completed")
                || e.contains("broken pipe"))
                && !e.contains("timed out")
        })
}

/// Send one probe without showing it to anyone: only for requests that are not part of a check
/// (opening a connection before a race).
async fn send_unobserved(
    client: &ProbeClient,
    probe: &Probe,
    origin: Instant,
    connection: usize,
) -> Exchange {
    let ms = |t: Instant| t.saturating_duration_since(origin).as_secs_f64() * 1000.0;
    let mut headers = probe.headers.clone();
    if let Some(auth) = &client.authorization
        && !headers.contains_key(reqwest::header::AUTHORIZATION)
    {
        headers.insert(reqwest::header::AUTHORIZATION, auth.clone());
    }
    let sent = Instant::now();
    let mut rb = client
        .http
        .request(probe.method.clone(), probe.url.clone())
        .headers(headers)
        .timeout(probe.timeout);
    if let Some(b) = &probe.body {
        rb = rb.body(b.clone());
    }
    let mut timeline = Timeline {
        sent_ms: ms(sent),
        first_byte_ms: None,
        done_ms: 0.0,
        connection,
        race: false,
    };
    match rb.send().await {
        Err(e) => {
            timeline.done_ms = ms(Instant::now());
            Exchange {
                probe: probe.clone(),
                status: None,
                headers: HeaderMap::new(),
                body: Vec::new(),
                body_truncated: false,
                error: Some(crate::engine::client::chain_text(&e)),
                timeline,
            }
        }
        Ok(mut resp) => {
            timeline.first_byte_ms = Some(ms(Instant::now()));
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            // Read no further than what is kept: a probe's judge needs the start of a body.
            let mut sink = BodySink::new(Some(BODY_CAP), BODY_CAP as u64);
            let error = body::read_reqwest(&mut resp, &mut sink)
                .await
                .err()
                .map(|e| crate::engine::client::chain_text(&e));
            let body_truncated = sink.truncated;
            timeline.done_ms = ms(Instant::now());
            Exchange {
                probe: probe.clone(),
                status: Some(status),
                headers,
                body: sink.into_kept().unwrap_or_default(),
                body_truncated,
                error,
                timeline,
            }
        }
    }
}

/// Send `probes` at once, each on its own client (its own connection), released together by a
/// barrier after every connection is open. Exchanges come back in the order of `probes`.
pub async fn race(ctx: &CheckCtx<'_>, probes: Vec<Probe>) -> Result<Vec<Exchange>, String> {
    let n = probes.len();
    let mut clients = Vec::with_capacity(n);
    for _ in 0..n {
        let c = ctx.client()?;
        // Open the connection before the release: a GET on the base URL (any status will do), so
        // connect time does not stagger the racers.
        let warm = Probe::get(ctx, "/")?;
        let _ = send_unobserved(&c, &warm, Instant::now(), 0).await;
        clients.push(c);
    }
    let barrier = Arc::new(tokio::sync::Barrier::new(n));
    let origin = Arc::new(std::sync::OnceLock::<Instant>::new());
    let tasks: Vec<_> = probes
        .into_iter()
        .zip(clients)
        .enumerate()
        .map(|(i, (probe, client))| {
            let (barrier, origin) = (barrier.clone(), origin.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let start = *origin.get_or_init(Instant::now);
                let mut ex = send(&client, &probe, start, i).await;
                ex.timeline.race = true;
                ex
            })
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    for t in tasks {
        out.push(
            t.await
                .map_err(|e| format!("a racing request failed to run: {e}"))?,
        );
    }
    Ok(out)
}
