//! PAGE-01..06 against page-number listings as third-party frameworks serve them, each an
//! in-process axum app on 127.0.0.1:0: json-server (`_page`/`_limit`, a bare array,
//! `X-Total-Count`, `Link` with `rel="last"`), fastapi-pagination-like (`{items, total, page,
//! size, pages}`, here by `p` from page 0, 404 past the end) and Django REST framework's
//! PageNumberPagination (`{count, next, previous, results}`, `next` a full URL).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use serde_json::{Value, json};

use crate::common::*;

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// `?_page=N&_limit=L`, first page 1, a bare array; an invalid page is page 1.
    JsonServer,
    /// `?p=N&size=L`, first page 0, `{items,total,page,size,pages}`, 404 past the end, 422 for
    /// an invalid page.
    Fastapi,
    /// `?page=N&limit=L`, first page 1, `{count,next,previous,results}`, 404 past the end or
    /// for an invalid page.
    Drf,
    /// DRF's CursorPagination: `?cursor=<base64 of "p=<last id>">`, `{next,previous,results}`,
    /// no count; 404 for an invalid cursor.
    DrfCursor,
    /// DRF's LimitOffsetPagination: `?limit=L&offset=O`, `{count,next,previous,results}`; an
    /// invalid offset is 0.
    DrfOffset,
}

struct App {
    kind: Kind,
    /// A negative `_limit` slices like Python: `items[:-1]`.
    slice_bug: bool,
    items: Mutex<(u64, Vec<u64>)>,
}

const DEFAULT_PAGE: i64 = 10;

fn param(q: &HashMap<String, String>, name: &str) -> Option<String> {
    q.get(name).cloned()
}

async fn list(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (page_param, limit_param, first) = match app.kind {
        Kind::JsonServer => ("_page", "_limit", 1),
        Kind::Fastapi => ("p", "size", 0),
        Kind::Drf => ("page", "limit", 1),
        Kind::DrfOffset => ("offset", "limit", 0),
        Kind::DrfCursor => ("cursor", "limit", 0),
    };
    let mut all = app.items.lock().unwrap().1.clone();
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_string();
    if app.kind == Kind::DrfCursor {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::URL_SAFE;
        let after = match param(&q, "cursor") {
            None => 0,
            Some(c) => match b64
                .decode(&c)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|t| t.strip_prefix("p=").and_then(|n| n.parse::<u64>().ok()))
            {
                Some(n) => n,
                None => {
                    return (
                        StatusCode::NOT_FOUND,
                        axum::Json(json!({"detail": "Invalid cursor"})),
                    )
                        .into_response();
                }
            },
        };
        all.retain(|id| *id > after);
        let page: Vec<u64> = all.iter().take(DEFAULT_PAGE as usize).copied().collect();
        let next = (all.len() > page.len()).then(|| {
            let c = b64.encode(format!("p={}", page.last().unwrap()));
            format!("http://{host}/posts?cursor={c}")
        });
        let results: Vec<Value> = page.iter().map(|id| json!({"id": id})).collect();
        return axum::Json(json!({"next": next, "previous": null, "results": results}))
            .into_response();
    }
    let raw_limit = param(&q, limit_param).and_then(|l| l.parse::<i64>().ok());
    if app.slice_bug && raw_limit.is_some_and(|l| l < 0) {
        let cut = all.len().saturating_sub(1);
        let body: Vec<Value> = all[..cut].iter().map(|id| json!({"id": id})).collect();
        return axum::Json(body).into_response();
    }
    let limit = match raw_limit {
        Some(l) if l >= 1 => l.min(100),
        _ => DEFAULT_PAGE,
    };
    let page = match param(&q, page_param).map(|p| p.parse::<i64>()) {
        None => first,
        Some(Ok(p)) if p >= first => p,
        Some(_) => match app.kind {
            Kind::JsonServer | Kind::DrfOffset | Kind::DrfCursor => first,
            Kind::Fastapi => {
                return (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    axum::Json(json!({"detail": "bad page"})),
                )
                    .into_response();
            }
            Kind::Drf => {
                return (
                    StatusCode::NOT_FOUND,
                    axum::Json(json!({"detail": "Invalid page."})),
                )
                    .into_response();
            }
        },
    };
    let start = if app.kind == Kind::DrfOffset {
        page as usize
    } else {
        ((page - first) * limit) as usize
    };
    let total = all.len();
    let pages = total.div_ceil(limit as usize).max(1) as i64;
    if start >= total && page > first && matches!(app.kind, Kind::Fastapi | Kind::Drf) {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"detail": "Invalid page."})),
        )
            .into_response();
    }
    let items: Vec<Value> = all
        .iter()
        .skip(start)
        .take(limit as usize)
        .map(|id| json!({"id": id}))
        .collect();
    let more = start + items.len() < total;
    match app.kind {
        Kind::DrfCursor => unreachable!("answered above"),
        Kind::JsonServer => {
            let link =
                |p: i64, rel: &str| format!("</posts?_page={p}&_limit={limit}>; rel=\"{rel}\"");
            let mut links = vec![link(1, "first")];
            if page > 1 {
                links.push(link(page - 1, "prev"));
            }
            if more {
                links.push(link(page + 1, "next"));
            }
            links.push(link(pages, "last"));
            (
                [
                    ("x-total-count", total.to_string()),
                    ("link", links.join(", ")),
                ],
                axum::Json(items),
            )
                .into_response()
        }
        Kind::Fastapi => axum::Json(json!({
            "items": items, "total": total, "page": page, "size": limit, "pages": pages
        }))
        .into_response(),
        Kind::DrfOffset => {
            let url = |o: usize| format!("http://{host}/posts?limit={limit}&offset={o}");
            axum::Json(json!({
                "count": total,
                "next": more.then(|| url(start + limit as usize)),
                "previous": (start > 0).then(|| url(start.saturating_sub(limit as usize))),
                "results": items,
            }))
            .into_response()
        }
        Kind::Drf => {
            let url = |p: i64| format!("http://{host}/posts?limit={limit}&page={p}");
            axum::Json(json!({
                "count": total,
                "next": more.then(|| url(page + 1)),
                "previous": (page > 1).then(|| url(page - 1)),
                "results": items,
            }))
            .into_response()
        }
    }
}

async fn create(State(app): State<Arc<App>>) -> Response {
    let mut g = app.items.lock().unwrap();
    g.0 += 1;
    let id = g.0;
    g.1.push(id);
    (StatusCode::CREATED, axum::Json(json!({"id": id}))).into_response()
}

async fn remove(State(app): State<Arc<App>>, Path(id): Path<u64>) -> StatusCode {
    let mut g = app.items.lock().unwrap();
    match g.1.iter().position(|x| *x == id) {
        Some(i) => {
            g.1.remove(i);
            StatusCode::NO_CONTENT
        }
        None => StatusCode::NOT_FOUND,
    }
}

/// Serve a listing of 25 items on 127.0.0.1:0; the base URL.
fn serve(rt: &tokio::runtime::Runtime, kind: Kind, slice_bug: bool) -> String {
    let app = Arc::new(App {
        kind,
        slice_bug,
        items: Mutex::new((25, (1..=25).collect())),
    });
    let router = Router::new()
        .route("/posts", get(list).post(create))
        .route("/posts/{id}", delete(remove))
        .with_state(app);
    serve_app(rt, router)
}

/// Run a scenario listing `/posts` with `settings` in `[checks.pagination]`; the PAGE verdicts.
fn run_listing(name: &str, kind: Kind, slice_bug: bool, settings: &str) -> Vec<Value> {
    let rt = runtime();
    let target = serve(&rt, kind, slice_bug);
    let dir = scratch(name);
    let scenario = format!(
        r#"name = "{name}"
target = "{target}"

[load]
rate = 5
duration = "1s"

[[requests]]
name = "list"
path = "/posts"

[[requests]]
name = "create"
method = "POST"
path = "/posts"
json = {{ title = "t" }}
weight = 0

[[requests]]
name = "delete"
method = "DELETE"
path = "/posts/{{id}}"
weight = 0

[checks]
passive = false

[checks.pagination]
request = "list"
{settings}
"#
    );
    let file = write(&dir, "scenario.toml", &scenario);
    let out = dir.join("out");
    let output = run(
        bin()
            .arg("run")
            .arg(&file)
            .args(["--duration", "1s", "--quiet", "--out"])
            .arg(&out),
        std::time::Duration::from_secs(120),
    );
    let (o, e) = text(&output);
    assert!(out.join("report.json").exists(), "no report\n{o}\n{e}");
    report(&out)["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["id"].as_str().unwrap().starts_with("PAGE-"))
        .cloned()
        .collect()
}

fn status<'a>(checks: &'a [Value], id: &str) -> (&'a str, &'a str) {
    let c = checks
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {checks:#?}"));
    (
        c["status"].as_str().unwrap(),
        c["message"].as_str().unwrap(),
    )
}

fn failing(checks: &[Value]) -> Vec<&str> {
    checks
        .iter()
        .filter(|c| c["status"] == "fail" || c["status"] == "error")
        .map(|c| c["id"].as_str().unwrap())
        .collect()
}

#[test]
fn json_server_listing_walks_without_false_failures() {
    let checks = run_listing(
        "page-json-server",
        Kind::JsonServer,
        false,
        "items = \"\"\nlimit_param = \"_limit\"\npage_param = \"_page\"\npage_size = 10\n\
         insert_request = \"create\"\ndelete_request = \"delete\"\nwriters = 0\n",
    );
    assert_eq!(failing(&checks), Vec::<&str>::new(), "{checks:#?}");
    let (s, m) = status(&checks, "PAGE-01");
    assert_eq!(s, "pass", "{m}");
    assert!(m.contains("auto-detected link"), "{m}");
    let (s, m) = status(&checks, "PAGE-02");
    assert_eq!(s, "pass", "{m}");
    assert!(
        m.contains("X-Total-Count") && m.contains("rel=\"last\""),
        "{m}"
    );
    // `_page=2` in a Link is a page number: warned about, not tampered with as a cursor (which
    // failed a "silent restart" before, since `_page=A` is page 1 to json-server).
    let (s, m) = status(&checks, "PAGE-05");
    assert_eq!(s, "warn", "{m}");
    assert!(m.contains("`_page` is a page number"), "{m}");
    assert!(!m.contains("tampered"), "{m}");
}

#[test]
fn page_parameter_by_another_name_from_page_zero() {
    for style in ["page", "auto"] {
        let checks = run_listing(
            &format!("page-named-p-{style}"),
            Kind::Fastapi,
            false,
            &format!(
                "style = \"{style}\"\nitems = \"/items\"\nlimit_param = \"size\"\npage_param = \"p\"\n\
         first_page = 0\npage_size = 10\nwriters = 0\n"
            ),
        );
        assert_eq!(failing(&checks), Vec::<&str>::new(), "{checks:#?}");
        let (s, m) = status(&checks, "PAGE-01");
        assert_eq!(s, "pass", "{m}");
        if style == "auto" {
            assert!(m.contains("auto-detected p"), "{m}");
        }
        assert!(m.contains("3 pages, 25 items"), "{m}");
        assert!(m.contains("answered 404: past the end"), "{m}");
        let (s, m) = status(&checks, "PAGE-02");
        assert_eq!(s, "pass", "{m}");
        assert!(m.contains("the stated total (/total) is 25"), "{m}");
        let (s, m) = status(&checks, "PAGE-05");
        assert_eq!(s, "warn", "{m}");
        assert!(m.contains("`p` is a page number"), "{m}");
    }
}

#[test]
fn drf_limit_offset_is_walkable_and_offset_unstable_under_writers() {
    for style in ["auto", "offset"] {
        let checks = run_listing(
            &format!("page-drf-offset-{style}"),
            Kind::DrfOffset,
            false,
            &format!(
                "style = \"{style}\"\nitems = \"/results\"\npage_size = 10\n\
                 insert_request = \"create\"\ndelete_request = \"delete\"\nwalkers = 1\nwriters = 1\n"
            ),
        );
        // The catalog's PAGE-03: an offset listing skips survivors after deletes before the
        // cursor.
        assert_eq!(failing(&checks), vec!["PAGE-03"], "{style}: {checks:#?}");
        let (_, m) = status(&checks, "PAGE-03");
        assert!(m.starts_with("offset-unstable"), "{style}: {m}");
        if style == "offset" {
            assert!(m.contains("page numbers and offsets are positions"), "{m}");
        }
        let (s, m) = status(&checks, "PAGE-02");
        assert_eq!(s, "pass", "{style}: {m}");
        assert!(m.contains("the stated total (/count)"), "{style}: {m}");
        let (s, m) = status(&checks, "PAGE-05");
        assert_eq!(s, "warn", "{style}: {m}");
        assert!(m.contains("`offset` is an offset"), "{style}: {m}");
    }
}

#[test]
fn auto_finds_pages_numbered_from_zero() {
    // `first_page` left at 1: `p=2` moves (it is the third page), but `p=0` is the first page.
    let checks = run_listing(
        "page-auto-zero",
        Kind::Fastapi,
        false,
        "items = \"/items\"\nlimit_param = \"size\"\npage_param = \"p\"\npage_size = 10\nwriters = 0\n",
    );
    assert_eq!(failing(&checks), Vec::<&str>::new(), "{checks:#?}");
    let (_, m) = status(&checks, "PAGE-01");
    assert!(
        m.contains("3 pages, 25 items") && m.contains("numbered from 0"),
        "{m}"
    );
    let (s, m) = status(&checks, "PAGE-02");
    assert_eq!(s, "pass", "{m}");
}

#[test]
fn a_page_parameter_the_api_ignores_loops_and_only_page01_says_so() {
    // `page=` is not this API's parameter (it pages by `p`): page 2 repeats page 1.
    let checks = run_listing(
        "page-wrong-name",
        Kind::Fastapi,
        false,
        "style = \"page\"\nitems = \"/items\"\nlimit_param = \"size\"\npage_size = 10\n\
         insert_request = \"create\"\ndelete_request = \"delete\"\nwalkers = 1\nwriters = 1\n",
    );
    assert_eq!(failing(&checks), vec!["PAGE-01"], "{checks:#?}");
    let (_, m) = status(&checks, "PAGE-01");
    assert!(m.contains("loops") && m.contains("page_param"), "{m}");
    // Judged up to the loop: the items never reached are not "missing".
    let (s, m) = status(&checks, "PAGE-02");
    assert_eq!(s, "pass", "{m}");
    assert!(m.contains("beyond it"), "{m}");
    let (_, m) = status(&checks, "PAGE-03");
    assert!(!m.contains("offset-unstable"), "{m}");
    let (s, m) = status(&checks, "PAGE-05");
    assert_eq!(s, "skip", "{m}");
    assert!(m.contains("looped before a second page"), "{m}");
}

#[test]
fn drf_page_numbers_walked_by_next_url_or_by_number() {
    for (name, style) in [("page-drf-auto", "auto"), ("page-drf-page", "page")] {
        let checks = run_listing(
            name,
            Kind::Drf,
            false,
            &format!("style = \"{style}\"\nitems = \"/results\"\npage_size = 10\nwriters = 0\n"),
        );
        assert_eq!(failing(&checks), Vec::<&str>::new(), "{style}: {checks:#?}");
        let (s, m) = status(&checks, "PAGE-02");
        assert_eq!(s, "pass", "{style}: {m}");
        assert!(
            m.contains("the stated total (/count) is 25"),
            "{style}: {m}"
        );
        let (s, m) = status(&checks, "PAGE-05");
        assert_eq!(s, "warn", "{style}: {m}");
        assert!(m.contains("`page` is a page number"), "{style}: {m}");
    }
}

#[test]
fn negative_limit_that_widens_the_page_fails_page04() {
    let checks = run_listing(
        "page-slice-bug",
        Kind::JsonServer,
        true,
        "items = \"\"\nlimit_param = \"_limit\"\npage_param = \"_page\"\nwriters = 0\n",
    );
    assert_eq!(failing(&checks), vec!["PAGE-04"], "{checks:#?}");
    let (_, m) = status(&checks, "PAGE-04");
    assert!(m.contains("_limit=-1 → 200 with 24 items"), "{m}");
}

#[test]
fn drf_cursor_pagination_is_walkable_and_cursor_stable() {
    let checks = run_listing(
        "page-drf-cursor",
        Kind::DrfCursor,
        false,
        "items = \"/results\"\npage_size = 10\ninsert_request = \"create\"\n\
         delete_request = \"delete\"\nwalkers = 1\nwriters = 1\n",
    );
    assert_eq!(failing(&checks), Vec::<&str>::new(), "{checks:#?}");
    let (_, m) = status(&checks, "PAGE-03");
    assert!(m.starts_with("cursor-stable"), "{m}");
    // A base64 text cursor: tampered with (404), and decodable (the catalog's warning).
    let (s, m) = status(&checks, "PAGE-05");
    assert_eq!(s, "warn", "{m}");
    assert!(
        m.contains("base64 of the text") && !m.contains("page number"),
        "{m}"
    );
}
