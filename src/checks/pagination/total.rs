//! Total counts a listing states about itself, and their cross-check against the quiescent walk
//! (part of PAGE-02: a total is the API's own claim about the full listing). Pure: no I/O.
//!
//! Sources, in the order tried on each page:
//! 1. the scenario's `total` pointer (only that one when it is set);
//! 2. the `X-Total-Count` header (json-server, many REST stacks);
//! 3. a top-level integer `total`, `count`, `total_count` or `totalCount` member (Django REST
//!    framework's `count`, fastapi-pagination's `total`). Some APIs put the number of items *on
//!    the page* in such a member, so an auto-detected member counts as a total only when it is
//!    the same on every page of the walk;
//!
//! and, for the number of pages, the page number in the `Link rel="last"` target.

use std::collections::HashSet;

use reqwest::Url;
use serde_json::Value;

use super::judge::{End, WalkRec};

/// Top-level members taken as a total when the scenario names none.
const TOTAL_MEMBERS: &[&str] = &["total", "count", "total_count", "totalCount"];

/// A total count one page stated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Total {
    pub count: u64,
    /// Where it came from, for messages: "X-Total-Count", "/count", "the scenario's total (/meta/total)".
    pub source: String,
    /// From the scenario's `total` pointer or a header (not guessed from a member name).
    pub certain: bool,
}

fn as_count(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The total one page states, if any.
pub fn total_of(declared: Option<&str>, header: Option<&str>, body: &Value) -> Option<Total> {
    if let Some(p) = declared {
        return body.pointer(p).and_then(as_count).map(|count| Total {
            count,
            source: format!("the scenario's total ({p})"),
            certain: true,
        });
    }
    if let Some(count) = header.and_then(|h| h.trim().parse::<u64>().ok()) {
        return Some(Total {
            count,
            source: "X-Total-Count".into(),
            certain: true,
        });
    }
    let obj = body.as_object()?;
    TOTAL_MEMBERS.iter().find_map(|m| {
        obj.get(*m).and_then(Value::as_u64).map(|count| Total {
            count,
            source: format!("/{m}"),
            certain: false,
        })
    })
}

fn int_param(u: &Url, name: &str) -> Option<u64> {
    u.query_pairs()
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| v.parse().ok())
}

/// The names `last_page` needs: `page_param`, `offset_param`, `limit_param`, and the number
/// of the first page.
pub struct PageNames<'a> {
    pub page: &'a str,
    pub offset: &'a str,
    pub limit: &'a str,
    pub first_page: u32,
}

/// The page number in a `rel="last"` target: the value of `page_param`, else of the one
/// integer parameter that the `rel="next"` target of page 1 sets to page 2 (json-server's
/// `_page` when the scenario did not name it). An offset (`offset_param`, or a next value that
/// is not page 2) is not a page number.
pub fn last_page(last: &Url, next: Option<&Url>, names: &PageNames<'_>) -> Option<u64> {
    if let Some(n) = int_param(last, names.page) {
        return Some(n);
    }
    let next = next?;
    let second = u64::from(names.first_page) + 1;
    let mut found = last.query_pairs().filter_map(|(k, v)| {
        let n: u64 = v.parse().ok()?;
        let other = int_param(next, &k)?;
        (k != names.limit && k != names.offset && other == second && other != n).then_some(n)
    });
    let n = found.next()?;
    found.next().is_none().then_some(n)
}

/// The outcome of the cross-check: agreements for the pass message, disagreements that fail
/// PAGE-02 (each with the page to cite), and notes on what was not judged.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TotalCheck {
    pub agree: Vec<String>,
    pub disagree: Vec<(String, usize)>,
    pub notes: Vec<String>,
}

/// Cross-check the totals the pages stated against what the quiescent walk `w` saw.
/// `first_page` is the number of the first page (for `rel="last"`); `declared` the scenario's
/// `total` pointer.
pub fn crosscheck(w: &WalkRec, first_page: u32, declared: Option<&str>) -> TotalCheck {
    let mut out = TotalCheck::default();
    let Some(p0) = w.pages.first() else {
        return out;
    };
    if let (Some(p), None) = (declared, &p0.total) {
        out.notes.push(format!(
            "the scenario's total ({p}) is not an integer on page 1, so no total was cross-checked"
        ));
    }
    let stated = p0.total.is_some() || p0.last_page.is_some();
    if !stated {
        return out;
    }
    if matches!(w.end, End::Loop(_)) {
        out.notes
            .push("the stated total was not cross-checked: the walk was cut at a loop".into());
        return out;
    }
    let unique = w.ids().collect::<HashSet<_>>().len() as u64;
    if let Some(t) = &p0.total {
        let changed = w
            .pages
            .iter()
            .enumerate()
            .find(|(_, p)| p.total.as_ref().is_some_and(|o| o.count != t.count));
        // A guessed member equal to the number of items on every page is a per-page count.
        let per_page = !t.certain
            && w.pages.len() > 1
            && w.pages
                .iter()
                .all(|p| p.total.as_ref().map(|o| o.count) == Some(p.ids.len() as u64));
        match changed {
            _ if per_page => out.notes.push(format!(
                "{} equals the number of items on every page: taken as a per-page count, not a total",
                t.source
            )),
            Some((i, p)) if !t.certain => out.notes.push(format!(
                "{} changes from page to page ({} on page 1, {} on page {}): taken as a per-page count, not a total",
                t.source,
                t.count,
                p.total.as_ref().map_or(0, |o| o.count),
                i + 1
            )),
            Some((i, p)) => out.disagree.push((
                format!(
                    "the total ({}) changed with no writer active: {} on page 1, {} on page {}",
                    t.source,
                    t.count,
                    p.total.as_ref().map_or(0, |o| o.count),
                    i + 1
                ),
                i,
            )),
            None if t.count == unique => out.agree.push(format!(
                "the stated total ({}) is {}, as walked",
                t.source, t.count
            )),
            None => out.disagree.push((
                format!(
                    "the stated total ({}) is {} but the walk saw {unique} unique items",
                    t.source, t.count
                ),
                0,
            )),
        }
    }
    if let Some(last) = p0.last_page {
        let walked = w.pages.iter().filter(|p| !p.ids.is_empty()).count() as u64;
        let first = u64::from(first_page);
        match last.checked_sub(first).map(|d| d + 1) {
            Some(n) if n == walked || (n == 0 && walked == 0) => out.agree.push(format!(
                "Link rel=\"last\" names page {last}: {n} page(s), as walked"
            )),
            _ => out.disagree.push((
                format!(
                    "Link rel=\"last\" names page {last} (first page {first}), but the walk read {walked} non-empty page(s)"
                ),
                0,
            )),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::pagination::judge::PageRec;
    use serde_json::json;

    #[test]
    fn sources_in_order() {
        let body = json!({"count": 7, "results": []});
        let t = total_of(None, None, &body).unwrap();
        assert_eq!(
            (t.count, t.source.as_str(), t.certain),
            (7, "/count", false)
        );
        let t = total_of(None, Some(" 12 "), &body).unwrap();
        assert_eq!((t.count, t.source.as_str()), (12, "X-Total-Count"));
        let meta = json!({"meta": {"total": "31"}, "count": 2});
        let t = total_of(Some("/meta/total"), Some("12"), &meta).unwrap();
        assert_eq!(t.count, 31);
        assert!(t.source.contains("/meta/total") && t.certain);
        assert_eq!(total_of(Some("/nope"), None, &meta), None);
        // A bare array has no members; fastapi-pagination's `total`.
        assert_eq!(total_of(None, None, &json!([1, 2])), None);
        assert_eq!(
            total_of(None, None, &json!({"items": [], "total": 3, "page": 1}))
                .unwrap()
                .source,
            "/total"
        );
    }

    #[test]
    fn last_page_numbers() {
        let u = |s: &str| Url::parse(s).unwrap();
        let names = |page, limit| PageNames {
            page,
            offset: "offset",
            limit,
            first_page: 1,
        };
        let last = u("http://h/posts?_page=5&_limit=10");
        let next = u("http://h/posts?_page=2&_limit=10");
        assert_eq!(last_page(&last, None, &names("_page", "_limit")), Some(5));
        // Not named: inferred from the next link.
        assert_eq!(
            last_page(&last, Some(&next), &names("page", "_limit")),
            Some(5)
        );
        assert_eq!(last_page(&last, None, &names("page", "_limit")), None);
        let cursor = u("http://h/x?cursor=abc");
        assert_eq!(
            last_page(&cursor, Some(&next), &names("page", "limit")),
            None
        );
        // An offset in rel="last" is not a page number, named or not.
        let last = u("http://h/x?start=60&limit=10");
        let next = u("http://h/x?start=10&limit=10");
        assert_eq!(last_page(&last, Some(&next), &names("page", "limit")), None);
    }

    fn walk(pages: &[(&[&str], Option<u64>, Option<u64>)], end: End) -> WalkRec {
        WalkRec {
            pages: pages
                .iter()
                .map(|(ids, total, last)| PageRec {
                    ids: ids.iter().map(|s| s.to_string()).collect(),
                    total: total.map(|count| Total {
                        count,
                        source: "X-Total-Count".into(),
                        certain: true,
                    }),
                    last_page: *last,
                    ..PageRec::default()
                })
                .collect(),
            end,
            past_end: None,
        }
    }

    #[test]
    fn crosscheck_totals_and_last() {
        let ok = walk(
            &[(&["a", "b"], Some(3), Some(2)), (&["c"], Some(3), Some(2))],
            End::Signal,
        );
        let c = crosscheck(&ok, 1, None);
        assert!(c.disagree.is_empty(), "{c:?}");
        assert_eq!(c.agree.len(), 2);
        // Zero-based pages: rel=last names page 1 of pages 0 and 1.
        let zero = walk(
            &[(&["a"], None, Some(1)), (&["b"], None, None)],
            End::Signal,
        );
        assert!(crosscheck(&zero, 0, None).disagree.is_empty());
        assert_eq!(crosscheck(&zero, 1, None).disagree.len(), 1);

        let short = walk(
            &[(&["a", "b"], Some(5), None), (&["c"], Some(5), None)],
            End::Signal,
        );
        let c = crosscheck(&short, 1, None);
        assert!(c.disagree[0].0.contains("is 5 but the walk saw 3"), "{c:?}");

        let changed = walk(
            &[(&["a", "b"], Some(3), None), (&["c"], Some(4), None)],
            End::Signal,
        );
        assert!(
            crosscheck(&changed, 1, None).disagree[0]
                .0
                .contains("changed")
        );
        // A guessed member that varies is a per-page count: noted, not judged.
        let mut guessed = changed.clone();
        for p in &mut guessed.pages {
            if let Some(t) = &mut p.total {
                t.certain = false;
            }
        }
        let c = crosscheck(&guessed, 1, None);
        assert!(c.disagree.is_empty() && c.notes.len() == 1, "{c:?}");
        // A guessed `count` of 2 on two full pages of 2 is the page's count, not a total of 2.
        let mut full = walk(
            &[(&["a", "b"], Some(2), None), (&["c", "d"], Some(2), None)],
            End::Signal,
        );
        for p in &mut full.pages {
            if let Some(t) = &mut p.total {
                t.certain = false;
            }
        }
        let c = crosscheck(&full, 1, None);
        assert!(
            c.disagree.is_empty() && c.notes[0].contains("per-page"),
            "{c:?}"
        );

        let looped = walk(&[(&["a"], Some(9), None)], End::Loop("x".into()));
        let c = crosscheck(&looped, 1, None);
        assert!(c.disagree.is_empty() && c.notes[0].contains("loop"));
        let none = walk(&[(&["a"], None, None)], End::Signal);
        assert_eq!(crosscheck(&none, 1, None), TotalCheck::default());
        let c = crosscheck(&none, 1, Some("/meta/total"));
        assert!(c.notes[0].contains("/meta/total"), "{c:?}");
    }
}
