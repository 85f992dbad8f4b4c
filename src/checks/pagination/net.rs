//! The network side of the pagination checks: reading a page (items, ids, next signals), walking
//! a listing step by step, and the writers' inserts and deletes. Decisions live in `judge`.

use std::time::Instant;

use reqwest::Url;
use serde_json::Value;

use super::judge::{self, End, PageRec, WalkRec};
use super::total;
use crate::checks::CheckCtx;
use crate::checks::probe::{Exchange, Probe, ProbeClient, send};
use crate::headers::link;
use crate::scenario::{PageStyle, PaginationSpec};

/// Where bodies commonly carry the next page (a URL or a token), in the order tried.
pub const BODY_NEXT: &[&str] = &[
    "/next",
    "/links/next",
    "/response_metadata/next_cursor",
    "/next_page_token",
    "/next_cursor",
    "/pagination/next",
    "/paging/next",
];
const BODY_PREV: &[&str] = &[
    "/prev",
    "/previous",
    "/links/prev",
    "/links/previous",
    "/prev_page_token",
    "/paging/previous",
];

#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Link,
    /// A next URL or token at a JSON pointer.
    Body(String),
    Stripe,
    Offset,
    Page,
    /// No continuation at all (auto found one short page and no signal).
    Single,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Style {
    pub mode: Mode,
    /// The query parameter a body token goes into (`cursor`, or `page_token` for AIP-158).
    pub token_param: String,
    /// Signals present on the first page, cross-checked on every page.
    pub link_used: bool,
    pub body_used: Option<String>,
    pub has_more_used: bool,
    /// The number of the first page when `auto` found it differs from the scenario's
    /// `first_page` (an API numbered from 0).
    pub first_page: Option<u32>,
    /// What was declared or detected, for messages.
    pub note: String,
}

/// Every next/prev signal of one response.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Signals {
    pub link_next: Option<String>,
    /// `Link rel="last"` (json-server, GitHub), for the page count it names.
    pub link_last: Option<String>,
    pub link_prev: bool,
    /// Pointers present in the body and their value (`None`: null or empty).
    pub body: Vec<(String, Option<String>)>,
    pub has_more: Option<bool>,
    pub body_prev: bool,
    /// Pointers of `body` whose value is a JSON number (json-server 1.x: `"next": 2`).
    pub body_numbers: Vec<String>,
}

impl Signals {
    fn body_value(&self, pointer: &str) -> Option<Option<&str>> {
        self.body
            .iter()
            .find(|(p, _)| p == pointer)
            .map(|(_, v)| v.as_deref())
    }
}

fn str_value(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        // json-server 1.x: `"next": 2`, the next page's number.
        Value::Number(n) => Some(n.to_string()),
        Value::Object(o) => o.get("href").and_then(|h| h.as_str()).map(str::to_string),
        _ => None,
    }
}

pub fn signals(url: &Url, link_header: Option<&str>, body: &Value) -> Signals {
    let links = link_header
        .and_then(|h| link::parse(h, Some(url)).ok())
        .unwrap_or_default();
    Signals {
        link_next: link::find_rel(&links, "next").map(|l| l.href()),
        link_last: link::find_rel(&links, "last").map(|l| l.href()),
        link_prev: link::find_rel(&links, "prev")
            .or_else(|| link::find_rel(&links, "previous"))
            .is_some(),
        body: BODY_NEXT
            .iter()
            .filter_map(|p| body.pointer(p).map(|v| (p.to_string(), str_value(v))))
            .collect(),
        has_more: body.pointer("/has_more").and_then(Value::as_bool),
        body_prev: BODY_PREV
            .iter()
            .any(|p| body.pointer(p).and_then(str_value).is_some()),
        body_numbers: BODY_NEXT
            .iter()
            .filter(|p| body.pointer(p).is_some_and(Value::is_number))
            .map(|p| p.to_string())
            .collect(),
    }
}

fn token_param_for(pointer: &str) -> String {
    if pointer.contains("page_token") {
        "page_token".into()
    } else {
        "cursor".into()
    }
}

/// The style to walk with, given the declared one and the first page's signals. `None` for
/// `auto` with a full first page and no signal: the caller probes offset/page parameters.
pub fn choose_style(
    declared: PageStyle,
    sig: &Signals,
    first_items: usize,
    limit: usize,
) -> Option<Style> {
    let body_ptr = sig
        .body
        .iter()
        .find(|(_, v)| v.is_some())
        .map(|(p, _)| p.clone());
    // A body `next` that is a bare number is a page number, not a URL or a cursor: `auto`
    // detects the page parameter instead (and still cross-checks the member as a signal).
    let auto_body = body_ptr.clone().filter(|p| !sig.body_numbers.contains(p));
    let body_used = sig.body.first().map(|(p, _)| p.clone());
    let mut s = Style {
        mode: Mode::Single,
        token_param: body_ptr
            .as_deref()
            .or(body_used.as_deref())
            .map_or_else(|| "cursor".into(), token_param_for),
        link_used: sig.link_next.is_some(),
        body_used: body_used.clone(),
        has_more_used: sig.has_more.is_some(),
        first_page: None,
        note: String::new(),
    };
    let (mode, note) = match declared {
        PageStyle::Link => (Mode::Link, "style link".to_string()),
        PageStyle::BodyNext | PageStyle::Cursor => {
            let p = body_ptr
                .or(body_used)
                .unwrap_or_else(|| "/next".to_string());
            let what = if declared == PageStyle::Cursor {
                "cursor"
            } else {
                "body_next"
            };
            (Mode::Body(p.clone()), format!("style {what} ({p})"))
        }
        PageStyle::Stripe => (Mode::Stripe, "style stripe".into()),
        PageStyle::Offset => (Mode::Offset, "style offset".into()),
        PageStyle::Page => (Mode::Page, "style page".into()),
        PageStyle::Auto => {
            if sig.link_next.is_some() {
                (
                    Mode::Link,
                    "auto-detected link (Link rel=\"next\")".to_string(),
                )
            } else if let Some(p) = auto_body {
                (
                    Mode::Body(p.clone()),
                    format!("auto-detected body_next ({p})"),
                )
            } else if sig.has_more.is_some() {
                (
                    Mode::Stripe,
                    "auto-detected stripe (has_more + starting_after)".into(),
                )
            } else if first_items < limit {
                (
                    Mode::Single,
                    "auto: a single short page and no next signal".into(),
                )
            } else {
                return None;
            }
        }
    };
    s.mode = mode;
    s.note = note;
    Some(s)
}

/// `url` with query parameter `name` set to `value` (other parameters kept).
pub fn set_query(url: &Url, name: &str, value: &str) -> Url {
    let mut u = url.clone();
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != name)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    u.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair(name, value);
    u
}

/// `url` without query parameter `name`.
pub fn remove_query(url: &Url, name: &str) -> Url {
    let mut u = url.clone();
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != name)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        u.set_query(None);
    } else {
        u.query_pairs_mut().clear().extend_pairs(kept);
    }
    u
}

pub fn query_value(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Ids (and sort keys) of the items in `body`.
pub fn items(
    spec: &PaginationSpec,
    body: &Value,
) -> Result<(Vec<String>, Vec<Option<Value>>), String> {
    // `items = ""` is the body itself; a bare-array body is also taken when `items` is left at
    // its default (json-server and many small APIs answer with the array alone).
    let arr = body
        .pointer(&spec.items)
        .and_then(Value::as_array)
        .or_else(|| body.as_array().filter(|_| spec.items == "/data"))
        .ok_or_else(|| {
            if spec.items.is_empty() {
                "the body is not an array (items = \"\": a bare-array body)".to_string()
            } else {
                format!("no item array at {}", spec.items)
            }
        })?;
    let mut ids = Vec::with_capacity(arr.len());
    let mut keys = Vec::new();
    for (i, item) in arr.iter().enumerate() {
        ids.push(
            item.pointer(&spec.id)
                .and_then(id_text)
                .ok_or_else(|| format!("item {i} has no id at {}", spec.id))?,
        );
        if let Some(k) = &spec.sort_key {
            keys.push(item.pointer(k).cloned());
        }
    }
    Ok((ids, keys))
}

/// The headers of a page that `read_page` uses.
#[derive(Debug, Clone, Copy, Default)]
pub struct PageHeaders<'a> {
    pub link: Option<&'a str>,
    pub total_count: Option<&'a str>,
}

/// Read one page: its record and the URL of the next page (`None` at the end).
pub fn read_page(
    spec: &PaginationSpec,
    style: &Style,
    url: &Url,
    headers: PageHeaders<'_>,
    body: &Value,
    limit: usize,
) -> Result<(PageRec, Option<Url>), String> {
    let (ids, keys) = items(spec, body)?;
    let sig = signals(url, headers.link, body);
    let total = total::total_of(spec.total.as_deref(), headers.total_count, body);
    let next_link = sig.link_next.as_deref().and_then(|h| url.join(h).ok());
    let last_page = sig
        .link_last
        .as_deref()
        .and_then(|h| url.join(h).ok())
        .and_then(|last| {
            let names = total::PageNames {
                page: &spec.page_param,
                offset: &spec.offset_param,
                limit: &spec.limit_param,
                first_page: spec.first_page,
            };
            total::last_page(&last, next_link.as_ref(), &names)
        });
    let mut contradiction = None;
    let next: Option<Url> = match &style.mode {
        Mode::Link => sig.link_next.as_deref().and_then(|h| url.join(h).ok()),
        Mode::Body(p) => match sig.body_value(p).flatten() {
            None => None,
            Some(v)
                if v.starts_with("http://")
                    || v.starts_with("https://")
                    || v.starts_with('/')
                    || v.starts_with('?') =>
            {
                url.join(v).ok()
            }
            Some(token) => Some(set_query(url, &style.token_param, token)),
        },
        Mode::Stripe => match (sig.has_more, ids.last()) {
            (Some(true), Some(last)) => Some(set_query(url, "starting_after", last)),
            (Some(true), None) => {
                contradiction = Some("has_more is true on a page with no items".into());
                None
            }
            _ => None,
        },
        Mode::Offset => (!ids.is_empty()).then(|| {
            let at = query_value(url, &spec.offset_param)
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
            set_query(
                url,
                &spec.offset_param,
                &(at + ids.len() as u64).to_string(),
            )
        }),
        Mode::Page => (!ids.is_empty()).then(|| {
            let at = query_value(url, &spec.page_param)
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(u64::from(style.first_page.unwrap_or(spec.first_page)));
            set_query(url, &spec.page_param, &(at + 1).to_string())
        }),
        Mode::Single => None,
    };
    // Cross-check the signals the API uses: they must agree on "more" vs "end".
    let mut votes: Vec<(String, bool)> = Vec::new();
    if style.link_used {
        votes.push(("Link rel=\"next\"".into(), sig.link_next.is_some()));
    }
    if let Some(p) = &style.body_used {
        if let Some(v) = sig.body_value(p) {
            votes.push((p.clone(), v.is_some()));
        }
    }
    if style.has_more_used {
        if let Some(h) = sig.has_more {
            votes.push(("has_more".into(), h));
        }
    }
    // Page numbers and offsets end at an empty page, or where the API's own signals (a next
    // link, `next: null`, `has_more: false`) say the page is the last.
    let next = match (&style.mode, next) {
        (Mode::Offset | Mode::Page, Some(_))
            if !votes.is_empty() && votes.iter().all(|(_, m)| !m) =>
        {
            None
        }
        (_, n) => n,
    };
    if contradiction.is_none() {
        if let (Some(more), Some(end)) = (
            votes.iter().find(|(_, m)| *m),
            votes.iter().find(|(_, m)| !*m),
        ) {
            contradiction = Some(format!(
                "{} says there is a next page, {} says this is the last",
                more.0, end.0
            ));
        }
    }
    let rec = PageRec {
        url: url.to_string(),
        ids,
        keys,
        next: next.as_ref().map(Url::to_string),
        has_prev: sig.link_prev || sig.body_prev,
        contradiction,
        limit,
        total,
        last_page,
    };
    Ok((rec, next))
}

/// The link header(s) of an exchange as one list.
pub fn link_header(ex: &Exchange) -> Option<String> {
    let parts: Vec<&str> = ex
        .headers
        .get_all("link")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// What every walk needs.
pub struct Env<'a> {
    pub ctx: &'a CheckCtx<'a>,
    pub spec: &'a PaginationSpec,
    /// The listing request as rendered.
    pub base: Probe,
    pub origin: Instant,
}

impl Env<'_> {
    /// The first page's URL at page size `limit`.
    pub fn first_url(&self, limit: &str) -> Url {
        set_query(&self.base.url, &self.spec.limit_param, limit)
    }

    pub fn probe(&self, url: Url) -> Probe {
        let mut p = self.base.clone();
        p.url = url;
        p
    }

    pub async fn get(&self, client: &ProbeClient, url: Url, conn: usize) -> Exchange {
        send(client, &self.probe(url), self.origin, conn).await
    }
}

/// A walk in progress, one page per `step`.
pub struct Stepper {
    pub rec: WalkRec,
    /// One per page, then possibly the looping or failing request.
    pub exchanges: Vec<Exchange>,
    pending: Option<Url>,
    limit: usize,
    cap: usize,
    conn: usize,
    client: ProbeClient,
}

impl Stepper {
    pub fn new(first: Url, limit: usize, cap: u32, client: ProbeClient, conn: usize) -> Self {
        Stepper {
            rec: WalkRec {
                pages: vec![],
                end: End::Signal,
                past_end: None,
            },
            exchanges: vec![],
            pending: Some(first),
            limit,
            cap: cap as usize,
            conn,
            client,
        }
    }

    /// Fetch the next page; `false` once the walk has ended (see `rec.end`).
    pub async fn step(&mut self, env: &Env<'_>, style: &Style) -> bool {
        let Some(url) = self.pending.take() else {
            return false;
        };
        if self.rec.pages.len() >= self.cap {
            self.rec.end = End::Cap(self.rec.pages.len());
            return false;
        }
        let ex = env.get(&self.client, url.clone(), self.conn).await;
        let fail = |why: String, me: &mut Stepper, ex: Exchange| {
            me.rec.end = End::Failed(why);
            me.exchanges.push(ex);
            false
        };
        // Page numbers and offsets: a 404 for the page after the last is the end (Django REST
        // framework answers a page past the end so).
        if ex.status == Some(404)
            && !self.rec.pages.is_empty()
            && matches!(style.mode, Mode::Page | Mode::Offset)
        {
            self.rec.past_end = Some(404);
            self.rec.end = End::Signal;
            self.exchanges.push(ex);
            return false;
        }
        if !ex.is_success() {
            let why = match ex.status {
                Some(s) => format!("HTTP {s}"),
                None => ex.error.clone().unwrap_or_else(|| "no response".into()),
            };
            return fail(why, self, ex);
        }
        if ex.body_truncated {
            self.rec.end = End::Unreadable(too_large());
            self.exchanges.push(ex);
            return false;
        }
        let Some(body) = ex.json() else {
            return fail("the body is not JSON".into(), self, ex);
        };
        let link = link_header(&ex);
        let headers = PageHeaders {
            link: link.as_deref(),
            total_count: ex.header("x-total-count"),
        };
        let (page, next) = match read_page(env.spec, style, &url, headers, &body, self.limit) {
            Ok(x) => x,
            Err(e) => return fail(e, self, ex),
        };
        if let Some(why) = judge::repeats(&self.rec.pages, &page) {
            self.rec.end = End::Loop(why);
            self.exchanges.push(ex);
            return false;
        }
        self.rec.pages.push(page);
        self.exchanges.push(ex);
        match next {
            None => {
                self.rec.end = End::Signal;
                false
            }
            Some(n) => {
                if let Some(why) = judge::revisits(&self.rec.pages, n.as_str()) {
                    self.rec.end = End::Loop(why);
                    return false;
                }
                self.pending = Some(n);
                true
            }
        }
    }
}

/// Walk a whole listing with no interleaved work.
pub async fn walk(env: &Env<'_>, style: &Style, limit: usize, client: ProbeClient) -> Stepper {
    let mut s = Stepper::new(
        env.first_url(&limit.to_string()),
        limit,
        env.spec.max_pages,
        client,
        0,
    );
    while s.step(env, style).await {}
    s
}

/// Create one item with the insert request; its id.
pub async fn insert(
    env: &Env<'_>,
    client: &ProbeClient,
    conn: usize,
) -> Result<(String, Exchange), String> {
    let name = env
        .spec
        .insert_request
        .as_deref()
        .ok_or("no insert_request")?;
    let spec = env
        .ctx
        .request(name)
        .ok_or_else(|| format!("no request named {name}"))?;
    let probe = Probe::from_spec(env.ctx, spec)?;
    let ex = send(client, &probe, env.origin, conn).await;
    if !ex.is_success() {
        return Err(format!(
            "insert_request `{name}` got {}",
            ex.status
                .map_or_else(|| ex.error.clone().unwrap_or_default(), |s| s.to_string())
        ));
    }
    let from_body = ex
        .json()
        .and_then(|b| b.pointer(&env.spec.id).and_then(id_text));
    let from_location = ex.header("location").and_then(|l| {
        l.trim_end_matches('/')
            .rsplit('/')
            .next()
            .map(str::to_string)
    });
    match from_body.or(from_location) {
        Some(id) => Ok((id, ex)),
        None => Err(format!(
            "insert_request `{name}`: no id at {} in the body and no Location",
            env.spec.id
        )),
    }
}

/// The delete request's URL with `{id}` replaced.
pub fn delete_url(url: &Url, id: &str) -> Option<Url> {
    let enc = crate::checks::probe::path_segment(id);
    let path = url.path();
    let replaced = ["%7Bid%7D", "%7bid%7d", "{id}"]
        .iter()
        .find(|p| path.contains(*p))
        .map(|p| path.replace(p, &enc))?;
    let mut u = url.clone();
    u.set_path(&replaced);
    Some(u)
}

/// Delete one item; `Ok(true)` on 2xx, `Ok(false)` on 404/410.
pub async fn delete(
    env: &Env<'_>,
    client: &ProbeClient,
    id: &str,
    conn: usize,
) -> Result<bool, String> {
    let name = env
        .spec
        .delete_request
        .as_deref()
        .ok_or("no delete_request")?;
    let spec = env
        .ctx
        .request(name)
        .ok_or_else(|| format!("no request named {name}"))?;
    let mut probe = Probe::from_spec(env.ctx, spec)?;
    probe.url = delete_url(&probe.url, id)
        .ok_or_else(|| format!("delete_request `{name}` has no {{id}} in its path"))?;
    let ex = send(client, &probe, env.origin, conn).await;
    match ex.status {
        Some(s) if (200..300).contains(&s) => Ok(true),
        Some(404 | 410) => Ok(false),
        Some(s) => Err(format!("delete_request `{name}` got {s}")),
        None => Err(ex.error.unwrap_or_default()),
    }
}

/// Why a page loadproof cut at the probes' body cap is not judged.
pub fn too_large() -> String {
    format!(
        "the page is longer than the {} loadproof keeps of a probe's body, so its JSON cannot be \
         read whole (not a finding about the server; a smaller `page_size` avoids it)",
        crate::size::show(crate::checks::probe::BODY_CAP as u64)
    )
}

#[cfg(test)]
#[path = "net_tests.rs"]
mod tests;
