//! Unit tests of reading pages and choosing styles: bodies and headers built by hand.

use super::*;
use serde_json::json;

fn spec() -> PaginationSpec {
    PaginationSpec {
        request: "list".into(),
        style: PageStyle::Auto,
        items: "/data".into(),
        id: "/id".into(),
        sort_key: None,
        limit_param: "limit".into(),
        page_param: "page".into(),
        offset_param: "offset".into(),
        first_page: 1,
        total: None,
        page_size: 2,
        max_pages: 10,
        walkers: 1,
        writers: 1,
        insert_request: None,
        delete_request: None,
    }
}

fn hd(link: Option<&str>) -> PageHeaders<'_> {
    PageHeaders {
        link,
        total_count: None,
    }
}

fn url() -> Url {
    Url::parse("http://h/orders?limit=2").unwrap()
}

#[test]
fn detects_and_reads_link_style() {
    let body = json!({"data": [{"id": "a"}, {"id": "b"}], "next": "/orders?limit=2&cursor=X"});
    let link = r#"</orders?limit=2&cursor=X>; rel="next""#;
    let sig = signals(&url(), Some(link), &body);
    let style = choose_style(PageStyle::Auto, &sig, 2, 2).unwrap();
    assert_eq!(style.mode, Mode::Link);
    assert!(style.note.contains("link"));
    let (rec, next) = read_page(&spec(), &style, &url(), hd(Some(link)), &body, 2).unwrap();
    assert_eq!(rec.ids, vec!["a", "b"]);
    assert_eq!(next.unwrap().as_str(), "http://h/orders?limit=2&cursor=X");
    assert!(rec.contradiction.is_none());
    // Last page: Link absent, next null.
    let last = json!({"data": [{"id": "c"}], "next": null});
    let (rec, next) = read_page(&spec(), &style, &url(), hd(None), &last, 2).unwrap();
    assert!(next.is_none() && rec.contradiction.is_none());
    // Link says more, body says end: contradiction.
    let (rec, _) = read_page(&spec(), &style, &url(), hd(Some(link)), &last, 2).unwrap();
    assert!(rec.contradiction.is_some());
}

#[test]
fn body_tokens_stripe_and_offset() {
    let slack =
        json!({"data": [{"id": 1}], "response_metadata": {"next_cursor": "dXNlcjpXMDdRQ1JQQTQ="}});
    let sig = signals(&url(), None, &slack);
    let style = choose_style(PageStyle::Auto, &sig, 1, 2).unwrap();
    assert_eq!(
        style.mode,
        Mode::Body("/response_metadata/next_cursor".into())
    );
    let (rec, next) = read_page(&spec(), &style, &url(), hd(None), &slack, 2).unwrap();
    assert_eq!(rec.ids, vec!["1"]);
    assert_eq!(
        query_value(&next.unwrap(), "cursor").unwrap(),
        "dXNlcjpXMDdRQ1JQQTQ="
    );

    let aip = json!({"data": [], "next_page_token": "t"});
    let style = choose_style(PageStyle::Auto, &signals(&url(), None, &aip), 0, 2).unwrap();
    assert_eq!(style.token_param, "page_token");

    let stripe = json!({"data": [{"id": "x"}, {"id": "y"}], "has_more": true});
    let style = choose_style(PageStyle::Auto, &signals(&url(), None, &stripe), 2, 2).unwrap();
    assert_eq!(style.mode, Mode::Stripe);
    let (_, next) = read_page(&spec(), &style, &url(), hd(None), &stripe, 2).unwrap();
    assert_eq!(query_value(&next.unwrap(), "starting_after").unwrap(), "y");
    let empty_more = json!({"data": [], "has_more": true});
    let (rec, next) = read_page(&spec(), &style, &url(), hd(None), &empty_more, 2).unwrap();
    assert!(next.is_none() && rec.contradiction.is_some());

    // Auto with a full page and no signal: the caller must probe.
    let bare = json!({"data": [{"id": 1}, {"id": 2}]});
    assert!(choose_style(PageStyle::Auto, &signals(&url(), None, &bare), 2, 2).is_none());
    let style = choose_style(PageStyle::Offset, &signals(&url(), None, &bare), 2, 2).unwrap();
    let (_, next) = read_page(&spec(), &style, &url(), hd(None), &bare, 2).unwrap();
    assert_eq!(query_value(&next.unwrap(), "offset").unwrap(), "2");
    assert!(
        read_page(&spec(), &style, &url(), hd(None), &json!({"items": []}), 2).is_err(),
        "no item array"
    );
}

#[test]
fn delete_url_replaces_the_placeholder() {
    let u = Url::parse("http://h/orders/%7Bid%7D").unwrap();
    assert_eq!(
        delete_url(&u, "ord_1").unwrap().as_str(),
        "http://h/orders/ord_1"
    );
    assert!(delete_url(&Url::parse("http://h/orders").unwrap(), "x").is_none());
}

#[test]
fn page_and_offset_use_the_apis_own_names() {
    let mut spec = spec();
    spec.page_param = "p".into();
    spec.offset_param = "start".into();
    spec.first_page = 0;
    let body = json!({"data": [{"id": 1}, {"id": 2}]});
    let sig = signals(&url(), None, &body);
    let page = choose_style(PageStyle::Page, &sig, 2, 2).unwrap();
    // No `p` on the first request: page 0 is the first, so the next is p=1.
    let (_, next) = read_page(&spec, &page, &url(), hd(None), &body, 2).unwrap();
    let next = next.unwrap();
    assert_eq!(query_value(&next, "p").as_deref(), Some("1"));
    assert_eq!(query_value(&next, "page"), None);
    let (_, next) = read_page(&spec, &page, &next, hd(None), &body, 2).unwrap();
    assert_eq!(query_value(&next.unwrap(), "p").as_deref(), Some("2"));
    let offset = choose_style(PageStyle::Offset, &sig, 2, 2).unwrap();
    let (_, next) = read_page(&spec, &offset, &url(), hd(None), &body, 2).unwrap();
    let next = next.unwrap();
    assert_eq!(query_value(&next, "start").as_deref(), Some("2"));
    assert_eq!(query_value(&next, "offset"), None);
    // Default first page 1: the page after the unnumbered first one is 2.
    let (_, next) = read_page(&self::spec(), &page, &url(), hd(None), &body, 2).unwrap();
    assert_eq!(query_value(&next.unwrap(), "page").as_deref(), Some("2"));
}

#[test]
fn page_numbers_end_where_the_apis_own_signal_says() {
    // Django REST framework's PageNumberPagination walked as `style = "page"`.
    let first = json!({"count": 3, "next": "http://h/orders?limit=2&page=2", "previous": null, "results": [{"id": 1}, {"id": 2}]});
    let last = json!({"count": 3, "next": null, "previous": "http://h/orders?limit=2", "results": [{"id": 3}]});
    let mut spec = spec();
    spec.items = "/results".into();
    let style = choose_style(PageStyle::Page, &signals(&url(), None, &first), 2, 2).unwrap();
    let (rec, next) = read_page(&spec, &style, &url(), hd(None), &first, 2).unwrap();
    assert!(next.is_some());
    assert_eq!(rec.total.unwrap().count, 3);
    let (rec, next) = read_page(&spec, &style, &url(), hd(None), &last, 2).unwrap();
    assert!(next.is_none() && rec.contradiction.is_none());
}

#[test]
fn bare_array_bodies() {
    let body = json!([{"id": "a"}, {"id": "b"}]);
    let mut bare = spec();
    bare.items = String::new();
    assert_eq!(items(&bare, &body).unwrap().0, vec!["a", "b"]);
    // Left at its default, `items` also takes a bare array.
    assert_eq!(items(&spec(), &body).unwrap().0, vec!["a", "b"]);
    let err = items(&bare, &json!({"data": []})).unwrap_err();
    assert!(err.contains("not an array"), "{err}");
    // json-server: bare array, Link with next and last, X-Total-Count.
    let link = r#"</posts?_page=2&_limit=2>; rel="next", </posts?_page=3&_limit=2>; rel="last""#;
    let u = Url::parse("http://h/posts?_limit=2").unwrap();
    let sig = signals(&u, Some(link), &body);
    let style = choose_style(PageStyle::Auto, &sig, 2, 2).unwrap();
    assert_eq!(style.mode, Mode::Link);
    let mut js = bare.clone();
    js.limit_param = "_limit".into();
    let headers = PageHeaders {
        link: Some(link),
        total_count: Some("5"),
    };
    let (rec, next) = read_page(&js, &style, &u, headers, &body, 2).unwrap();
    assert_eq!(query_value(&next.unwrap(), "_page").as_deref(), Some("2"));
    assert_eq!(rec.total.unwrap().source, "X-Total-Count");
    assert_eq!(
        rec.last_page,
        Some(3),
        "inferred `_page` from the next link"
    );
}

#[test]
fn remove_query_keeps_the_rest() {
    let u = Url::parse("http://h/o?limit=2&customer=x").unwrap();
    assert_eq!(remove_query(&u, "limit").as_str(), "http://h/o?customer=x");
    let u = Url::parse("http://h/o?limit=2").unwrap();
    assert_eq!(remove_query(&u, "limit").as_str(), "http://h/o");
}

#[test]
fn a_numeric_body_next_is_a_page_number() {
    // json-server 1.x: {"first": 1, "prev": null, "next": 2, "last": 3, "data": [...]}.
    let body =
        json!({"first": 1, "prev": null, "next": 2, "last": 3, "data": [{"id": 1}, {"id": 2}]});
    let sig = signals(&url(), None, &body);
    assert!(
        choose_style(PageStyle::Auto, &sig, 2, 2).is_none(),
        "auto must probe the page parameter, not send cursor=2"
    );
    // A token that only looks like a number is still a token.
    let slack = json!({"data": [{"id": 1}, {"id": 2}], "response_metadata": {"next_cursor": "20"}});
    let style = choose_style(PageStyle::Auto, &signals(&url(), None, &slack), 2, 2).unwrap();
    assert_eq!(
        style.mode,
        Mode::Body("/response_metadata/next_cursor".into())
    );
    let mut style = choose_style(PageStyle::Page, &sig, 2, 2).unwrap();
    style.mode = Mode::Page;
    let (_, next) = read_page(&spec(), &style, &url(), hd(None), &body, 2).unwrap();
    assert!(next.is_some());
    let last = json!({"first": 1, "prev": 2, "next": null, "last": 3, "data": [{"id": 5}]});
    let (rec, next) = read_page(&spec(), &style, &url(), hd(None), &last, 2).unwrap();
    assert!(next.is_none() && rec.contradiction.is_none());
}
