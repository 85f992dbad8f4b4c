//! Requests prepared for the hot path: templates compiled into the cheapest form that can render
//! them (static parts built once), the weighted traffic mix, and rendering per request.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use rand::Rng;
use rand::rngs::SmallRng;
use reqwest::header::{
    ACCEPT, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HOST, HeaderMap, HeaderName, HeaderValue,
    USER_AGENT,
};
use reqwest::{Method, Url};

use crate::scenario::{Body, JsonTemplate, Part, RequestSpec, Template};

/// Values shared by every render in one run.
#[derive(Debug)]
pub struct RenderShared {
    /// `${seq}`: one number per request that uses it, unique across all workers.
    pub seq: AtomicU64,
    /// `--segment I/N`: this instance's `${seq}` values are `n·N + I`, so the N segments of a
    /// split run never send the same number.
    pub slice: crate::plan::Segment,
    /// Seeds the workers' generators, fresh per run: `${uuid}` values (idempotency keys!) must
    /// differ between two runs, and between the segments of a split run, against one API.
    pub seed: u64,
}

impl Default for RenderShared {
    fn default() -> Self {
        RenderShared::for_segment(crate::plan::Segment::WHOLE)
    }
}

impl RenderShared {
    pub fn for_segment(slice: crate::plan::Segment) -> Self {
        RenderShared {
            seq: AtomicU64::new(0),
            slice,
            seed: rand::random(),
        }
    }
}

/// Per-request render state: the sequence number is drawn lazily, at most once per request, so
/// every `${seq}` in one request (path, header, body) sees the same value.
pub struct RenderCtx<'a> {
    pub shared: &'a RenderShared,
    pub rng: &'a mut SmallRng,
    seq: Option<u64>,
    bind: Bindings<'a>,
}

/// What `${flow.*}` and `${data.*}` read: the flow iteration's captured values (by slot) and the
/// row drawn from each feeder ([`super::feed::NO_ROW`] when none was).
#[derive(Clone, Copy, Default)]
pub struct Bindings<'a> {
    pub vars: &'a [Option<serde_json::Value>],
    pub feeders: &'a [super::feed::Feeder],
    pub rows: &'a [usize],
}

impl<'a> Bindings<'a> {
    /// The value a `${flow.*}` or `${data.*}` part stands for (`None`: nothing captured).
    fn value(&self, p: &Part) -> Option<&'a serde_json::Value> {
        match p {
            Part::Flow { slot } => self.vars.get(*slot).and_then(Option::as_ref),
            Part::Data { feeder, column } => {
                let f = self.feeders.get(*feeder)?;
                let row = self
                    .rows
                    .get(*feeder)
                    .copied()
                    .unwrap_or(super::feed::NO_ROW);
                Some(f.cell(row, *column))
            }
            _ => None,
        }
    }
}

impl<'a> RenderCtx<'a> {
    pub fn new(shared: &'a RenderShared, rng: &'a mut SmallRng) -> Self {
        RenderCtx {
            shared,
            rng,
            seq: None,
            bind: Bindings::default(),
        }
    }

    /// With what this request's `${flow.*}` and `${data.*}` read.
    pub fn with(mut self, bind: Bindings<'a>) -> Self {
        self.bind = bind;
        self
    }

    fn seq(&mut self) -> u64 {
        *self.seq.get_or_insert_with(|| {
            let n = self.shared.seq.fetch_add(1, Ordering::Relaxed);
            self.shared.slice.global(n)
        })
    }
}

/// Render a template to text.
pub fn render(t: &Template, ctx: &mut RenderCtx<'_>, out: &mut String) {
    use std::fmt::Write as _;
    for p in &t.parts {
        match p {
            Part::Lit(s) | Part::Secret(s) => out.push_str(s),
            Part::Uuid => {
                let u = uuid::Builder::from_random_bytes(ctx.rng.random()).into_uuid();
                let _ = write!(out, "{u}");
            }
            Part::Seq => {
                let n = ctx.seq();
                let _ = write!(out, "{n}");
            }
            Part::RandInt { lo, hi } => {
                let n = ctx.rng.random_range(*lo..=*hi);
                let _ = write!(out, "{n}");
            }
            Part::Flow { .. } | Part::Data { .. } => {
                if let Some(v) = ctx.bind.value(p) {
                    out.push_str(&crate::scenario::data::cell_text(v));
                }
            }
        }
    }
}

/// Render a template that has no per-request parts (see [`is_static`]) once, at preparation.
fn render_static(t: &Template) -> String {
    let shared = RenderShared::default();
    let mut rng = rand::SeedableRng::seed_from_u64(0);
    let mut text = String::new();
    render(t, &mut RenderCtx::new(&shared, &mut rng), &mut text);
    text
}

/// True when the template renders the same text every time.
pub fn is_static(t: &Template) -> bool {
    t.parts
        .iter()
        .all(|p| matches!(p, Part::Lit(_) | Part::Secret(_)))
}

fn render_json(t: &JsonTemplate, ctx: &mut RenderCtx<'_>) -> serde_json::Value {
    use serde_json::Value;
    match t {
        JsonTemplate::Null => Value::Null,
        JsonTemplate::Bool(b) => Value::Bool(*b),
        JsonTemplate::Number(n) => Value::Number(n.clone()),
        JsonTemplate::String(s) => {
            // A string that is exactly one numeric placeholder becomes a JSON number, so
            // `amount = "${rand.int(1, 500)}"` sends 17, not "17".
            if let [p @ (Part::Seq | Part::RandInt { .. })] = s.parts.as_slice() {
                let n = match p {
                    Part::Seq => ctx.seq() as i64,
                    Part::RandInt { lo, hi } => ctx.rng.random_range(*lo..=*hi),
                    _ => unreachable!("matched above"),
                };
                return Value::Number(n.into());
            }
            // Exactly one captured value or data cell keeps its JSON type: a numeric id stays a
            // number, a JSON Lines `true` stays a boolean (a CSV cell is always a string).
            if let [p @ (Part::Flow { .. } | Part::Data { .. })] = s.parts.as_slice()
                && let Some(v) = ctx.bind.value(p)
            {
                return v.clone();
            }
            let mut out = String::new();
            render(s, ctx, &mut out);
            Value::String(out)
        }
        JsonTemplate::Array(items) => {
            Value::Array(items.iter().map(|i| render_json(i, ctx)).collect())
        }
        JsonTemplate::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| (k.clone(), render_json(v, ctx)))
                .collect(),
        ),
    }
}

fn json_is_static(t: &JsonTemplate) -> bool {
    match t {
        JsonTemplate::String(s) => is_static(s),
        JsonTemplate::Array(items) => items.iter().all(json_is_static),
        JsonTemplate::Object(fields) => fields.iter().all(|(_, v)| json_is_static(v)),
        _ => true,
    }
}

#[derive(Debug, Clone)]
enum UrlPlan {
    Static(Url),
    Dynamic {
        base: String,
        path: Template,
        query: Vec<(String, Template)>,
    },
}

#[derive(Debug, Clone)]
enum BodyPlan {
    None,
    /// Rendered once; `Bytes` so that each request clones a pointer, not the bytes.
    Static(Bytes),
    Json(JsonTemplate),
    Raw(Template),
}

/// One request of the mix, bound to a base URL.
#[derive(Debug, Clone)]
pub struct PreparedRequest {
    pub name: String,
    pub method: Method,
    url: UrlPlan,
    static_headers: HeaderMap,
    dynamic_headers: Vec<(HeaderName, Template)>,
    body: BodyPlan,
    pub timeout: Duration,
    /// The `Host` header of the HTTP/1.1 path (the base URL's authority).
    host: HeaderValue,
    /// A static request's HTTP/1.1 head (URL and headers fixed), built once.
    h1_head: Option<H1Head>,
    /// Whether the target URL's credentials are sent: not under
    /// `remove_headers = ["Authorization"]`.
    url_authorization: bool,
}

/// What the HTTP/1.1 path sends for a request whose URL and headers never change: the whole
/// request on the wire (head with the defaults, `Host` and `Content-Length`, and a static body),
/// copied per request instead of being built again.
#[derive(Debug, Clone)]
struct H1Head {
    url_text: String,
    target: String,
    headers: HeaderMap,
    /// The head and the static body; `None` when the body is rendered per request.
    wire: Option<Vec<u8>>,
}

impl H1Head {
    /// Build the wire form again (after a header was added).
    fn rebuild(&mut self, method: &Method, body: &BodyPlan) {
        self.wire = match body {
            BodyPlan::None => {
                let mut w = Vec::new();
                write_h1(&mut w, method, &self.target, &self.headers, None);
                Some(w)
            }
            BodyPlan::Static(b) => {
                let mut w = Vec::new();
                write_h1(&mut w, method, &self.target, &self.headers, Some(b));
                Some(w)
            }
            _ => None,
        };
    }
}

/// Write an HTTP/1.1 request: request line, `headers`, a `Content-Length` for `body` (or `0`
/// for a bodiless POST, PUT or PATCH, which servers may refuse without one), and the body.
fn write_h1(
    out: &mut Vec<u8>,
    method: &Method,
    target: &str,
    headers: &HeaderMap,
    body: Option<&[u8]>,
) {
    out.extend_from_slice(method.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(target.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\n");
    for (name, value) in headers {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    let len = match body {
        Some(b) => Some(b.len()),
        None if matches!(*method, Method::POST | Method::PUT | Method::PATCH) => Some(0),
        None => None,
    };
    if let Some(len) = len
        && !headers.contains_key(CONTENT_LENGTH)
    {
        use std::io::Write as _;
        let _ = write!(out, "content-length: {len}\r\n");
    }
    out.extend_from_slice(b"\r\n");
    if let Some(b) = body {
        out.extend_from_slice(b);
    }
}

/// The headers reqwest adds by default, so both paths send the same request.
fn add_default_headers(headers: &mut HeaderMap, host: &HeaderValue) {
    if !headers.contains_key(HOST) {
        headers.insert(HOST, host.clone());
    }
    if !headers.contains_key(USER_AGENT) {
        headers.insert(
            USER_AGENT,
            HeaderValue::from_static(concat!("loadproof/", env!("CARGO_PKG_VERSION"))),
        );
    }
    if !headers.contains_key(ACCEPT) {
        headers.insert(ACCEPT, HeaderValue::from_static("*/*"));
    }
}

/// The origin-form request target (path and query) of `url`.
fn origin_form(url: &Url) -> Result<String, String> {
    let mut pq = String::with_capacity(url.path().len() + url.query().map_or(0, |q| q.len() + 1));
    pq.push_str(url.path());
    if let Some(q) = url.query() {
        pq.push('?');
        pq.push_str(q);
    }
    // A parsed URL percent-encodes what a request line cannot carry; this is a guard.
    if pq.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(format!("URL {url} has no valid request target"));
    }
    Ok(pq)
}

/// A fully rendered request, ready to hand to a client.
pub struct Rendered {
    pub method: Method,
    pub url: Url,
    pub headers: HeaderMap,
    pub body: Option<Vec<u8>>,
}

#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    #[error("request `{name}`: {message}")]
    Invalid { name: String, message: String },
}

impl PreparedRequest {
    pub fn prepare(
        spec: &RequestSpec,
        base: &str,
        default_timeout: Duration,
    ) -> Result<Self, PrepareError> {
        let invalid = |message: String| PrepareError::Invalid {
            name: spec.name.clone(),
            message,
        };
        let method = Method::from_bytes(spec.method.as_bytes())
            .map_err(|_| invalid(format!("{:?} is not a valid HTTP method", spec.method)))?;
        let base = base.trim_end_matches('/').to_string();
        let host = Url::parse(&base)
            .ok()
            .and_then(|u| {
                let h = u.host_str()?;
                let text = match u.port() {
                    Some(p) => format!("{h}:{p}"),
                    None => h.to_string(),
                };
                HeaderValue::from_str(&text).ok()
            })
            .unwrap_or_else(|| HeaderValue::from_static("localhost"));
        let url = if is_static(&spec.path) && spec.query.iter().all(|(_, v)| is_static(v)) {
            // Static parts never consult the context, so a throwaway one is enough.
            let shared = RenderShared::default();
            let mut rng = rand::SeedableRng::seed_from_u64(0);
            let mut ctx = RenderCtx::new(&shared, &mut rng);
            UrlPlan::Static(build_url(&base, &spec.path, &spec.query, &mut ctx).map_err(invalid)?)
        } else {
            UrlPlan::Dynamic {
                base,
                path: spec.path.clone(),
                query: spec.query.clone(),
            }
        };
        let mut static_headers = HeaderMap::new();
        let mut dynamic_headers = Vec::new();
        for (name, value) in &spec.headers {
            let hn = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| invalid(format!("{name:?} is not a valid header name")))?;
            if is_static(value) {
                let hv = HeaderValue::from_str(&render_static(value)).map_err(|_| {
                    invalid(format!(
                        "the value of header {name:?} is not a valid header value"
                    ))
                })?;
                static_headers.append(hn, hv);
            } else {
                dynamic_headers.push((hn, value.clone()));
            }
        }
        let body = match &spec.body {
            Body::None => BodyPlan::None,
            Body::Json(j) => {
                if !static_headers.contains_key(CONTENT_TYPE)
                    && !dynamic_headers.iter().any(|(n, _)| n == CONTENT_TYPE)
                {
                    static_headers
                        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                }
                if json_is_static(j) {
                    let shared = RenderShared::default();
                    let mut rng = rand::SeedableRng::seed_from_u64(0);
                    let v = render_json(j, &mut RenderCtx::new(&shared, &mut rng));
                    BodyPlan::Static(serde_json::to_vec(&v).unwrap_or_default().into())
                } else {
                    BodyPlan::Json(j.clone())
                }
            }
            Body::Raw(t) if is_static(t) => BodyPlan::Static(render_static(t).into_bytes().into()),
            Body::Raw(t) => BodyPlan::Raw(t.clone()),
        };
        let h1_head = match (&url, dynamic_headers.is_empty()) {
            (UrlPlan::Static(u), true) => {
                let mut headers = static_headers.clone();
                add_default_headers(&mut headers, &host);
                let mut head = H1Head {
                    url_text: u.to_string(),
                    target: origin_form(u).map_err(invalid)?,
                    headers,
                    wire: None,
                };
                head.rebuild(&method, &body);
                Some(head)
            }
            _ => None,
        };
        Ok(PreparedRequest {
            name: spec.name.clone(),
            method,
            url,
            static_headers,
            dynamic_headers,
            body,
            timeout: spec.timeout.unwrap_or(default_timeout),
            host,
            h1_head,
            url_authorization: !spec.removes("authorization"),
        })
    }

    /// Send `value` as `Authorization` (the target URL's `user:password@`, as Basic auth) unless
    /// the request sets its own or removes it (`remove_headers`). Both paths (reqwest and the lean HTTP/1.1 one) send the header
    /// map built here.
    pub fn with_authorization(mut self, value: Option<&str>) -> Result<Self, PrepareError> {
        let Some(value) = value.filter(|_| self.url_authorization) else {
            return Ok(self);
        };
        let own = self.static_headers.contains_key(AUTHORIZATION)
            || self.dynamic_headers.iter().any(|(n, _)| n == AUTHORIZATION);
        if own {
            return Ok(self);
        }
        // The user name is the user's text: it may hold a byte a header cannot (never shown).
        let mut v = HeaderValue::from_str(value).map_err(|_| PrepareError::Invalid {
            name: self.name.clone(),
            message: "the target URL's user name cannot be sent in a Basic Authorization header"
                .into(),
        })?;
        v.set_sensitive(true);
        self.static_headers.insert(AUTHORIZATION, v.clone());
        if let Some(head) = &mut self.h1_head {
            head.headers.insert(AUTHORIZATION, v);
            head.rebuild(&self.method, &self.body);
        }
        Ok(self)
    }

    /// Write one request for the HTTP/1.1 path into `out`: a static request copies its
    /// pre-built bytes; anything else is rendered as for reqwest, then written. `url` is set to
    /// the rendered URL when there is one (see [`Self::static_url`] otherwise).
    pub fn h1_wire(
        &self,
        ctx: &mut RenderCtx<'_>,
        url: &mut Option<String>,
        out: &mut Vec<u8>,
    ) -> Result<(), String> {
        if let Some(head) = &self.h1_head {
            if let Some(wire) = &head.wire {
                out.extend_from_slice(wire);
                return Ok(());
            }
            // Only the body changes: the URL and headers are the head's.
            let body = self.render_body(ctx);
            write_h1(
                out,
                &self.method,
                &head.target,
                &head.headers,
                body.as_deref(),
            );
            return Ok(());
        }
        let r = self.render(ctx)?;
        let target = origin_form(&r.url)?;
        let mut headers = r.headers;
        add_default_headers(&mut headers, &self.host);
        *url = Some(r.url.to_string());
        write_h1(out, &self.method, &target, &headers, r.body.as_deref());
        Ok(())
    }

    /// The URL of a request whose URL never changes.
    pub fn static_url(&self) -> Option<&str> {
        self.h1_head.as_ref().map(|h| h.url_text.as_str())
    }

    /// Render one concrete request. Dynamic parts that render to something invalid (a header
    /// value with a newline, say) are an error for this request only.
    pub fn render(&self, ctx: &mut RenderCtx<'_>) -> Result<Rendered, String> {
        let url = match &self.url {
            UrlPlan::Static(u) => u.clone(),
            UrlPlan::Dynamic { base, path, query } => build_url(base, path, query, ctx)?,
        };
        let mut headers = self.static_headers.clone();
        let mut text = String::new();
        for (name, t) in &self.dynamic_headers {
            text.clear();
            render(t, ctx, &mut text);
            let v = HeaderValue::from_str(&text)
                .map_err(|_| format!("header {name} rendered to an invalid value"))?;
            headers.append(name.clone(), v);
        }
        let body = self.render_body(ctx);
        Ok(Rendered {
            method: self.method.clone(),
            url,
            headers,
            body,
        })
    }

    /// Render the body alone.
    fn render_body(&self, ctx: &mut RenderCtx<'_>) -> Option<Vec<u8>> {
        match &self.body {
            BodyPlan::None => None,
            BodyPlan::Static(b) => Some(b.to_vec()),
            BodyPlan::Json(j) => Some(serde_json::to_vec(&render_json(j, ctx)).unwrap_or_default()),
            BodyPlan::Raw(t) => {
                let mut s = String::new();
                render(t, ctx, &mut s);
                Some(s.into_bytes())
            }
        }
    }
}

fn build_url(
    base: &str,
    path: &Template,
    query: &[(String, Template)],
    ctx: &mut RenderCtx<'_>,
) -> Result<Url, String> {
    let mut text = String::with_capacity(base.len() + 32);
    text.push_str(base);
    render(path, ctx, &mut text);
    let mut url = Url::parse(&text).map_err(|e| format!("URL {text:?} is invalid: {e}"))?;
    if !query.is_empty() {
        let mut pairs = url.query_pairs_mut();
        let mut value = String::new();
        for (k, v) in query {
            value.clear();
            render(v, ctx, &mut value);
            pairs.append_pair(k, &value);
        }
    }
    Ok(url)
}

/// Picks requests by weight. Cumulative weights make a pick one random number and a binary search.
#[derive(Debug, Clone)]
pub struct Mix {
    cumulative: Vec<u64>,
}

impl Mix {
    pub fn new(weights: &[u32]) -> Mix {
        let mut total = 0u64;
        let cumulative = weights
            .iter()
            .map(|w| {
                total += u64::from(*w);
                total
            })
            .collect();
        Mix { cumulative }
    }

    /// Index of the chosen request. Weights were validated: at least one is positive.
    pub fn pick(&self, rng: &mut SmallRng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0);
        if total == 0 || self.cumulative.len() == 1 {
            return 0;
        }
        let x = rng.random_range(0..total);
        self.cumulative.partition_point(|&c| c <= x)
    }
}

/// Shared by all worker threads of a run.
pub type Requests = Arc<Vec<PreparedRequest>>;

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn tpl(parts: Vec<Part>) -> Template {
        Template { parts }
    }

    /// A request named `r` with this method, path and body, and nothing else.
    fn spec(method: &str, path: Vec<Part>, body: Body) -> RequestSpec {
        RequestSpec {
            name: "r".into(),
            method: method.into(),
            path: tpl(path),
            query: vec![],
            headers: vec![],
            body,
            weight: 1,
            timeout: None,
            max_body: None,
            expect: Default::default(),
            remove_headers: vec![],
        }
    }

    #[test]
    fn mix_respects_weights_and_skips_zero() {
        let mix = Mix::new(&[0, 3, 1]);
        let mut rng = SmallRng::seed_from_u64(7);
        let mut counts = [0u32; 3];
        for _ in 0..40_000 {
            counts[mix.pick(&mut rng)] += 1;
        }
        assert_eq!(counts[0], 0);
        let ratio = f64::from(counts[1]) / f64::from(counts[2]);
        assert!((2.7..3.3).contains(&ratio), "ratio {ratio}");
    }

    #[test]
    fn seq_is_shared_within_a_request_and_numeric_placeholders_become_numbers() {
        let spec = RequestSpec {
            query: vec![("q".into(), tpl(vec![Part::Lit("a b".into())]))],
            headers: vec![("X-Seq".into(), tpl(vec![Part::Seq]))],
            ..spec(
                "POST",
                vec![Part::Lit("/orders/".into()), Part::Seq],
                Body::Json(JsonTemplate::Object(vec![
                    ("n".into(), JsonTemplate::String(tpl(vec![Part::Seq]))),
                    (
                        "amount".into(),
                        JsonTemplate::String(tpl(vec![Part::RandInt { lo: 5, hi: 5 }])),
                    ),
                    (
                        "id".into(),
                        JsonTemplate::String(tpl(vec![Part::Lit("o-".into()), Part::Uuid])),
                    ),
                ])),
            )
        };
        let p =
            PreparedRequest::prepare(&spec, "http://127.0.0.1:1/", Duration::from_secs(1)).unwrap();
        let shared = RenderShared::default();
        let mut rng = SmallRng::seed_from_u64(1);
        let first = p.render(&mut RenderCtx::new(&shared, &mut rng)).unwrap();
        let second = p.render(&mut RenderCtx::new(&shared, &mut rng)).unwrap();
        assert_eq!(first.url.as_str(), "http://127.0.0.1:1/orders/0?q=a+b");
        assert_eq!(second.url.as_str(), "http://127.0.0.1:1/orders/1?q=a+b");
        assert_eq!(first.headers["x-seq"], "0");
        assert_eq!(first.headers[CONTENT_TYPE], "application/json");
        let body: serde_json::Value = serde_json::from_slice(&first.body.unwrap()).unwrap();
        assert_eq!(body["n"], 0);
        assert_eq!(body["amount"], 5);
        assert!(body["id"].as_str().unwrap().starts_with("o-"));
        assert_eq!(body["id"].as_str().unwrap().len(), 2 + 36);
    }

    #[test]
    fn a_fixed_head_with_a_rendered_body_is_written_whole_per_request() {
        let spec = spec(
            "POST",
            vec![Part::Lit("/orders".into())],
            Body::Json(JsonTemplate::Object(vec![(
                "n".into(),
                JsonTemplate::String(tpl(vec![Part::Seq])),
            )])),
        );
        let p =
            PreparedRequest::prepare(&spec, "http://127.0.0.1:1/", Duration::from_secs(1)).unwrap();
        let shared = RenderShared::default();
        let mut rng = SmallRng::seed_from_u64(1);
        for n in 0..2 {
            let (mut url, mut wire) = (None, Vec::new());
            p.h1_wire(&mut RenderCtx::new(&shared, &mut rng), &mut url, &mut wire)
                .unwrap();
            assert_eq!(url, None, "the URL is the head's");
            let mut fields = [httparse::EMPTY_HEADER; 16];
            let mut parsed = httparse::Request::new(&mut fields);
            let httparse::Status::Complete(head) = parsed.parse(&wire).unwrap() else {
                panic!("incomplete head");
            };
            assert_eq!(parsed.path, Some("/orders"));
            let body = format!("{{\"n\":{n}}}");
            assert_eq!(&wire[head..], body.as_bytes());
            let len = parsed
                .headers
                .iter()
                .find(|h| h.name == "content-length")
                .unwrap();
            assert_eq!(len.value, body.len().to_string().as_bytes());
            assert!(parsed.headers.iter().any(|h| h.name == "content-type"));
        }
    }

    #[test]
    fn remove_headers_drops_the_url_authorization_on_both_paths() {
        let removing = |remove: &[&str]| RequestSpec {
            remove_headers: remove.iter().map(|s| s.to_string()).collect(),
            ..spec("GET", vec![Part::Lit("/orders".into())], Body::None)
        };
        let sent = |remove: &[&str]| {
            let p = PreparedRequest::prepare(
                &removing(remove),
                "http://127.0.0.1:1/",
                Duration::from_secs(1),
            )
            .unwrap()
            .with_authorization(Some("Basic dTpw"))
            .unwrap();
            let shared = RenderShared::default();
            let mut rng = SmallRng::seed_from_u64(1);
            let reqwest_path = p.render(&mut RenderCtx::new(&shared, &mut rng)).unwrap();
            let (mut url, mut wire) = (None, Vec::new());
            p.h1_wire(&mut RenderCtx::new(&shared, &mut rng), &mut url, &mut wire)
                .unwrap();
            let mut fields = [httparse::EMPTY_HEADER; 16];
            let mut parsed = httparse::Request::new(&mut fields);
            assert!(parsed.parse(&wire).unwrap().is_complete());
            let h1 = parsed
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("authorization"))
                .map(|h| HeaderValue::from_bytes(h.value).unwrap());
            (reqwest_path.headers.get(AUTHORIZATION).cloned(), h1)
        };
        let (a, b) = sent(&[]);
        assert_eq!(a.unwrap(), "Basic dTpw");
        assert_eq!(b.unwrap(), "Basic dTpw");
        // Case-insensitive, on the reqwest and the lean HTTP/1.1 path alike.
        assert_eq!(sent(&["authorization"]), (None, None));
        assert_eq!(sent(&["AUTHORIZATION"]), (None, None));
    }
}
