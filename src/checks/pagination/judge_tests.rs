//! Unit tests of the pure PAGE decisions: walks built by hand, no network.

use super::*;
use crate::checks::pagination::stability::{Class, Counts};
use serde_json::json;
use std::collections::HashMap;

fn page(ids: &[&str], limit: usize, next: Option<&str>) -> PageRec {
    PageRec {
        url: format!("u{}", ids.first().unwrap_or(&"end")),
        ids: ids.iter().map(|s| s.to_string()).collect(),
        next: next.map(str::to_string),
        limit,
        ..PageRec::default()
    }
}

fn walk(pages: &[&[&str]], end: End) -> WalkRec {
    let n = pages.len();
    WalkRec {
        pages: pages
            .iter()
            .enumerate()
            .map(|(i, ids)| page(ids, 2, (i + 1 < n).then_some("next")))
            .collect(),
        end,
        past_end: None,
    }
}

fn none() -> super::super::total::TotalCheck {
    super::super::total::TotalCheck::default()
}

fn ids(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn snap(v: &[&str]) -> Snapshot {
    Snapshot {
        ids: ids(v),
        keys: HashMap::new(),
    }
}

#[test]
fn loop_detection() {
    let pages = vec![page(&["a", "b"], 2, Some("u2")), page(&["c", "d"], 2, None)];
    assert!(repeats(&pages, &page(&["e"], 2, None)).is_none());
    assert!(repeats(&pages, &page(&[], 2, None)).is_none());
    assert!(
        repeats(&pages, &page(&["c", "d"], 2, None))
            .unwrap()
            .contains("page 2")
    );
    assert!(
        repeats(&pages, &page(&["a", "x"], 2, None))
            .unwrap()
            .contains("first item")
    );
    assert!(revisits(&pages, "ua").is_some());
    assert!(revisits(&pages, "zz").is_none());
}

#[test]
fn page01_verdicts() {
    let ok = walk(&[&["a", "b"], &["c"]], End::Signal);
    assert_eq!(
        walk_and_terminate(&ok, "link", 10).status,
        CheckStatus::Pass
    );
    let lp = walk(&[&["a", "b"], &["c"]], End::Loop("back to 1".into()));
    let j = walk_and_terminate(&lp, "link", 10);
    assert_eq!(j.status, CheckStatus::Fail);
    assert!(j.message.contains("loops"));
    assert_eq!(j.evidence.len(), 2);
    let cap = walk(&[&["a", "b"], &["c", "d"]], End::Cap(2));
    assert_eq!(
        walk_and_terminate(&cap, "link", 2).status,
        CheckStatus::Fail
    );
    let broke = walk(&[&["a", "b"]], End::Failed("HTTP 500".into()));
    assert_eq!(
        walk_and_terminate(&broke, "link", 2).status,
        CheckStatus::Fail
    );
    // A page too large for loadproof to read whole is not the server's failure.
    let unreadable = walk(&[&["a", "b"]], End::Unreadable("too large".into()));
    let j = walk_and_terminate(&unreadable, "link", 2);
    assert_eq!(j.status, CheckStatus::Error, "{}", j.message);
    assert!(j.message.contains("could not read page 2"), "{}", j.message);
    assert_eq!(
        quiescent_completeness(&unreadable, None, &[], &none()).status,
        CheckStatus::Skip
    );
    let mut contra = ok.clone();
    contra.pages[1].contradiction = Some("has_more is true but next is null".into());
    assert_eq!(
        walk_and_terminate(&contra, "link", 9).status,
        CheckStatus::Fail
    );
    let mut prev = ok.clone();
    prev.pages[0].has_prev = true;
    assert_eq!(
        walk_and_terminate(&prev, "link", 9).status,
        CheckStatus::Warn
    );
}

#[test]
fn page02_complete_and_not() {
    let w = walk(&[&["a", "b"], &["c", "d"], &["e"]], End::Signal);
    let reference = Listing {
        ids: ids(&["a", "b", "c", "d", "e"]),
        how: "one page at limit=100".into(),
    };
    let j = quiescent_completeness(&w, Some(&reference), &ids(&["d", "e"]), &none());
    assert_eq!(j.status, CheckStatus::Pass, "{}", j.message);

    // Skip: c missing.
    let skip = walk(&[&["a", "b"], &["d", "e"]], End::Signal);
    let j = quiescent_completeness(&skip, Some(&reference), &[], &none());
    assert_eq!(j.status, CheckStatus::Fail);
    assert!(j.message.contains("missing: c"), "{}", j.message);

    // Duplicate.
    let dup = walk(&[&["a", "b"], &["b", "c"], &["d", "e"]], End::Signal);
    let j = quiescent_completeness(&dup, Some(&reference), &[], &none());
    assert_eq!(j.status, CheckStatus::Fail);
    assert!(j.message.contains("duplicated: b"), "{}", j.message);
    assert_eq!(j.evidence.len(), 2);

    // A known item missing, no reference listing.
    let j = quiescent_completeness(&skip, None, &ids(&["c"]), &none());
    assert_eq!(j.status, CheckStatus::Fail);

    // Phantom (not in the reference).
    let extra = walk(&[&["a", "b"], &["c", "d"], &["e", "zz"]], End::Signal);
    assert_eq!(
        quiescent_completeness(&extra, Some(&reference), &[], &none()).status,
        CheckStatus::Fail
    );

    // A loop cut at the repeat is judged up to there; a capped walk is not judged.
    let cut = walk(&[&["a", "b"], &["c", "d"], &["e"]], End::Loop("x".into()));
    let j = quiescent_completeness(&cut, Some(&reference), &[], &none());
    assert_eq!(j.status, CheckStatus::Pass);
    assert!(j.message.contains("PAGE-01"));
    let capped = walk(&[&["a", "b"]], End::Cap(1));
    assert_eq!(
        quiescent_completeness(&capped, Some(&reference), &[], &none()).status,
        CheckStatus::Skip
    );
}

fn writes(inserted: &[&str]) -> Writes {
    Writes {
        inserts: inserted.len(),
        inserted: inserted.iter().map(|s| s.to_string()).collect(),
        ..Writes::default()
    }
}

#[test]
fn page03_cursor_stable_walk() {
    // S0 = a..f; during the walk b (passed) and c (the cursor item) are deleted and g is
    // inserted at the end; a keyset walk sees a b c d e f g.
    let s0 = snap(&["a", "b", "c", "d", "e", "f"]);
    let s1 = snap(&["a", "d", "e", "f", "g"]);
    let w = walk(&[&["a", "b", "c"], &["d", "e", "f"], &["g"]], End::Signal);
    let (j, class, c) = stability(&[w], &s0, &s1, &writes(&["g"]), true);
    assert_eq!(j.status, CheckStatus::Pass, "{}", j.message);
    assert_eq!(class, Class::CursorStable);
    assert_eq!(c, Counts::default());
    assert!(j.message.starts_with("cursor-stable"));
}

#[test]
fn page03_offset_skip_and_duplicate() {
    let s0 = snap(&["a", "b", "c", "d", "e", "f"]);
    // The cursor item c was deleted after page 1: offset 3 now starts at e, d is skipped.
    let s1 = snap(&["a", "b", "d", "e", "f"]);
    let w = walk(&[&["a", "b", "c"], &["e", "f"]], End::Signal);
    let (j, class, c) = stability(&[w], &s0, &s1, &Writes::default(), true);
    assert_eq!(j.status, CheckStatus::Fail);
    assert_eq!(class, Class::OffsetUnstable);
    assert_eq!(c.skips, 1);
    assert!(j.message.contains("offset-unstable"), "{}", j.message);
    assert!(
        j.message.contains("skipped 1 survivor(s) d"),
        "{}",
        j.message
    );
    assert_eq!(j.evidence[0].0, Cite::Page { walk: 0, page: 1 });

    // An insert before the cursor (newest-first listing): c is read twice.
    let s0 = snap(&["f", "e", "d", "c", "b", "a"]);
    let s1 = snap(&["g", "f", "e", "d", "c", "b", "a"]);
    let w = walk(&[&["f", "e", "d"], &["d", "c", "b"], &["a"]], End::Signal);
    let (j, class, c) = stability(&[w], &s0, &s1, &writes(&["g"]), true);
    assert_eq!(j.status, CheckStatus::Fail);
    assert_eq!(class, Class::OffsetUnstable);
    assert_eq!(c.duplicates, 1);
    assert_eq!(c.order, 0, "a re-read is a duplicate, not an inversion");
}

#[test]
fn page03_phantom_and_order() {
    let s0 = snap(&["a", "b", "c", "d"]);
    let s1 = s0.clone();
    let w = walk(&[&["a", "b"], &["c", "zz"], &["d"]], End::Signal);
    let (j, class, c) = stability(&[w], &s0, &s1, &Writes::default(), true);
    assert_eq!(j.status, CheckStatus::Fail);
    assert_eq!(class, Class::Unclassified);
    assert_eq!(c.phantoms, 1);

    let w = walk(&[&["a", "c"], &["b", "d"]], End::Signal);
    let (j, _, c) = stability(&[w], &s0, &s1, &Writes::default(), true);
    assert_eq!(j.status, CheckStatus::Fail);
    assert_eq!(c.order, 2, "against S0 and against S1");

    // Sort key order: keys descend while the walk direction was ascending.
    let mut w = walk(&[&["a", "b"], &["c", "d"]], End::Signal);
    w.pages[0].keys = vec![Some(json!(1)), Some(json!(2))];
    w.pages[1].keys = vec![Some(json!(3)), Some(json!(0))];
    let empty = Snapshot::default();
    let (_, _, c) = stability(&[w], &empty, &empty, &Writes::default(), true);
    assert_eq!(c.order, 1);
}

#[test]
fn page03_snapshot_and_termination() {
    // Every walk is exactly S0 although g, inserted at the end, survived: snapshot.
    let s0 = snap(&["a", "b", "c"]);
    let s1 = snap(&["a", "b", "c", "g"]);
    let w = walk(&[&["a", "b"], &["c"]], End::Signal);
    let (j, class, _) = stability(&[w.clone(), w], &s0, &s1, &writes(&["g"]), true);
    assert_eq!(j.status, CheckStatus::Pass);
    assert_eq!(class, Class::SnapshotConsistent);

    // A loop under writes fails PAGE-03 only when the quiescent walk terminated.
    let lp = walk(&[&["a", "b"], &["c"]], End::Loop("x".into()));
    let (j, _, c) = stability(
        std::slice::from_ref(&lp),
        &s0,
        &s0,
        &Writes::default(),
        true,
    );
    assert_eq!(j.status, CheckStatus::Fail);
    assert_eq!(c.unterminated, 1);
    let (j, class, _) = stability(&[lp], &s0, &s0, &Writes::default(), false);
    assert_eq!(j.status, CheckStatus::Pass, "{}", j.message);
    assert_eq!(class, Class::CursorStable);
    assert!(j.message.contains("PAGE-01"));
}

#[test]
fn page03_changed_sort_key_is_not_a_survivor() {
    let mut s0 = snap(&["a", "b", "c"]);
    let mut s1 = s0.clone();
    s0.keys.insert("b".into(), json!(1));
    s1.keys.insert("b".into(), json!(9));
    let w = walk(&[&["a", "c"]], End::Signal);
    let (j, _, c) = stability(&[w], &s0, &s1, &Writes::default(), true);
    assert_eq!(c.skips, 0, "{}", j.message);
}

fn lp(sent: i64, status: u16, items: Option<usize>, adv: Option<u64>) -> LimitProbe {
    LimitProbe {
        sent,
        status: Some(status),
        items,
        advertised_max: adv,
        error: None,
        too_large: false,
    }
}

#[test]
fn page04_limits() {
    let ok = [
        lp(0, 400, None, None),
        lp(-1, 400, None, None),
        lp(1000, 400, None, Some(100)),
        lp(100000, 400, None, Some(100)),
    ];
    let j = limits(&ok, "limit", None);
    assert_eq!(j.status, CheckStatus::Pass, "{}", j.message);
    assert!(j.message.contains("maximum of 100"));

    let coerced = [lp(0, 200, Some(10), None), lp(1000, 200, Some(100), None)];
    assert_eq!(limits(&coerced, "limit", None).status, CheckStatus::Pass);

    let five = [lp(0, 500, None, None), lp(1000, 400, None, None)];
    assert_eq!(limits(&five, "limit", None).status, CheckStatus::Fail);

    // Advertises 100 but serves 1000.
    let over = [
        lp(1000, 200, Some(1000), None),
        lp(100000, 400, None, Some(100)),
    ];
    assert_eq!(limits(&over, "limit", None).status, CheckStatus::Fail);
    // Enforces < 1000 (rejects it) but serves 5000 items for 100000.
    let inconsistent = [lp(1000, 400, None, None), lp(100000, 200, Some(5000), None)];
    assert_eq!(
        limits(&inconsistent, "limit", None).status,
        CheckStatus::Fail
    );

    let nothing = [LimitProbe {
        sent: 0,
        status: None,
        items: None,
        advertised_max: None,
        error: Some("timeout".into()),
        too_large: false,
    }];
    assert_eq!(limits(&nothing, "limit", None).status, CheckStatus::Fail);
    // A page too large for a probe to keep is not "without an item array".
    let mut big = lp(1000, 200, None, None);
    big.too_large = true;
    let j = limits(&[lp(10, 200, Some(10), None), big], "limit", Some(10));
    assert_eq!(j.status, CheckStatus::Pass, "{}", j.message);
    assert!(j.message.contains("too large to count"), "{}", j.message);
}

#[test]
fn advertised_max_text() {
    assert_eq!(
        advertised_max("limit: must be at most 100, got 1000"),
        Some(100)
    );
    assert_eq!(
        advertised_max("must be an integer between 1 and 100"),
        Some(100)
    );
    assert_eq!(advertised_max("per_page maximum is 50"), Some(50));
    assert_eq!(advertised_max("bad request"), None);
    assert_eq!(
        advertised_max(r#"{"detail":[{"msg":"Input should be less than or equal to 100"}]}"#),
        Some(100)
    );
}

fn tp(kind: &str, status: u16, ids: Option<&[&str]>) -> TokenProbe {
    TokenProbe {
        kind: kind.into(),
        status: Some(status),
        ids: ids.map(|v| v.iter().map(|s| s.to_string()).collect()),
        error: None,
    }
}

#[test]
fn page05_tokens() {
    let page1 = ids(&["a", "b"]);
    let good = [tp("tampered", 400, None), tp("random", 400, None)];
    let j = token_hygiene(&good, &page1, None, &["no filter".into()], false);
    assert_eq!(j.status, CheckStatus::Pass);
    assert!(j.message.contains("no filter"));

    let five = [tp("tampered", 500, None), tp("random", 400, None)];
    let j = token_hygiene(&five, &page1, None, &[], false);
    assert_eq!(j.status, CheckStatus::Fail);
    assert_eq!(
        j.evidence,
        vec![(Cite::Probe(0), "tampered cursor: server error".into())]
    );

    let restart = [tp("random", 200, Some(&["a", "b"]))];
    assert_eq!(
        token_hygiene(&restart, &page1, None, &[], false).status,
        CheckStatus::Fail
    );
    let accepted = [tp("random", 200, Some(&[]))];
    assert_eq!(
        token_hygiene(&accepted, &page1, None, &[], false).status,
        CheckStatus::Warn
    );
    assert_eq!(
        token_hygiene(&good, &page1, Some("a plain integer"), &[], false).status,
        CheckStatus::Warn
    );
    assert_eq!(
        token_hygiene(&[], &page1, None, &[], false).status,
        CheckStatus::Skip
    );
}

#[test]
fn cursor_decodability() {
    assert!(decodable("40").unwrap().contains("integer"));
    // base64 of {"offset":20}, padded and not, url-safe and standard.
    assert!(decodable("eyJvZmZzZXQiOjIwfQ==").unwrap().contains("JSON"));
    assert!(decodable("eyJvZmZzZXQiOjIwfQ").unwrap().contains("JSON"));
    assert!(decodable("b2Zmc2V0OjIw").unwrap().contains("offset:20"));
    assert!(decodable(r#"{"after":"x"}"#).is_some());
    // An opaque binary token (like the reference API's HMAC'd cursor).
    assert_eq!(decodable("AWsAAAAAAAAAKtE8Xq2Zbc7uf3x2S9oYEUk"), None);
    assert_eq!(decodable(""), None);
}

#[test]
fn page06_short_pages() {
    let full = walk(&[&["a", "b"], &["c"]], End::Signal);
    let j = short_pages(&full);
    assert_eq!(j.status, CheckStatus::Pass);
    assert!(j.message.contains("full"));
    let short = walk(&[&["a"], &["b", "c"], &["d"]], End::Signal);
    let j = short_pages(&short);
    assert!(j.message.contains("page 1 (1 of 2)"), "{}", j.message);
    let none = WalkRec {
        pages: vec![],
        end: End::Signal,
        past_end: None,
    };
    assert_eq!(short_pages(&none).status, CheckStatus::Skip);
}

#[test]
fn page02_after_a_loop_judges_only_up_to_it() {
    // Page 2 repeated page 1 (a page parameter the API ignores): the walk is page 1 only.
    let cut = walk(&[&["a", "b"]], End::Loop("page 2 repeats page 1".into()));
    let reference = Listing {
        ids: ids(&["a", "b", "c", "d", "e"]),
        how: "one page at the largest size".into(),
    };
    let j = quiescent_completeness(&cut, Some(&reference), &ids(&["b", "e"]), &none());
    assert_eq!(j.status, CheckStatus::Pass, "{}", j.message);
    assert!(
        j.message
            .contains("3 item(s) of the reference listing lie beyond it"),
        "{}",
        j.message
    );
    assert!(
        j.message.contains("1 of the 2 items created"),
        "{}",
        j.message
    );
    // A skip before the loop is still a skip.
    let holed = walk(&[&["a", "c"]], End::Loop("x".into()));
    let j = quiescent_completeness(&holed, Some(&reference), &[], &none());
    assert_eq!(j.status, CheckStatus::Fail);
    assert!(j.message.contains("missing: b"), "{}", j.message);
}

#[test]
fn page02_carries_the_total_crosscheck() {
    use super::super::total::TotalCheck;
    let w = walk(&[&["a", "b"], &["c"]], End::Signal);
    let bad = TotalCheck {
        disagree: vec![(
            "the stated total (X-Total-Count) is 4 but the walk saw 3 unique items".into(),
            0,
        )],
        ..TotalCheck::default()
    };
    let j = quiescent_completeness(&w, None, &[], &bad);
    assert_eq!(j.status, CheckStatus::Fail);
    assert!(j.message.contains("X-Total-Count"), "{}", j.message);
    assert_eq!(j.evidence[0].0, Cite::Page { walk: 0, page: 0 });
    // With nothing else to compare with, an agreeing total is enough to judge.
    let good = TotalCheck {
        agree: vec!["the stated total (/count) is 3, as walked".into()],
        ..TotalCheck::default()
    };
    let j = quiescent_completeness(&w, None, &[], &good);
    assert_eq!(j.status, CheckStatus::Pass, "{}", j.message);
    assert!(j.message.contains("/count"));
}

#[test]
fn page03_after_a_loop_counts_no_unreached_survivor() {
    // Every walk looped after page 1: c..f were never reached, not skipped.
    let s0 = snap(&["a", "b", "c", "d", "e", "f"]);
    let s1 = s0.clone();
    let lp = walk(&[&["a", "b"]], End::Loop("x".into()));
    let (j, class, c) = stability(&[lp], &s0, &s1, &Writes::default(), false);
    assert_eq!(c.skips, 0, "{}", j.message);
    assert_ne!(class, Class::OffsetUnstable);
    assert_eq!(j.status, CheckStatus::Pass, "{}", j.message);
    // A survivor skipped before the loop still counts.
    let holed = walk(&[&["a", "c"]], End::Loop("x".into()));
    let (_, class, c) = stability(&[holed], &s0, &s1, &Writes::default(), false);
    assert_eq!((c.skips, class), (1, Class::OffsetUnstable));
}

#[test]
fn page04_zero_or_negative_limit_must_give_the_default_page() {
    // limit=-1 → all but one of 25 items (Python's items[:-1]); the default page is 10.
    let sliced = [lp(0, 200, Some(10), None), lp(-1, 200, Some(24), None)];
    let j = limits(&sliced, "limit", Some(10));
    assert_eq!(j.status, CheckStatus::Fail, "{}", j.message);
    assert!(j.message.contains("limit=-1"), "{}", j.message);
    assert!(
        j.message.contains("neither the default page (10"),
        "{}",
        j.message
    );
    // Without knowing the default page it passed before; it still does.
    assert_eq!(limits(&sliced, "limit", None).status, CheckStatus::Pass);
    // The default page, or a 4xx: pass.
    let ok = [lp(0, 200, Some(10), None), lp(-1, 400, None, None)];
    let j = limits(&ok, "limit", Some(10));
    assert_eq!(j.status, CheckStatus::Pass, "{}", j.message);
    assert!(j.message.contains("the default page"), "{}", j.message);
    // Fewer items than the default page (an empty page for 0): a warning.
    let empty = [lp(0, 200, Some(0), None)];
    assert_eq!(limits(&empty, "limit", Some(10)).status, CheckStatus::Warn);
}

#[test]
fn page05_positions_are_not_opaque_cursors() {
    assert!(
        positional("page", "2", ("page", "offset"), 1, 10)
            .unwrap()
            .contains("a page number")
    );
    assert!(
        positional("_page", "2", ("page", "offset"), 1, 10)
            .unwrap()
            .contains("a page number")
    );
    assert!(
        positional("start", "10", ("page", "offset"), 1, 10)
            .unwrap()
            .contains("an offset")
    );
    assert!(
        positional("p", "1", ("p", "offset"), 0, 10)
            .unwrap()
            .contains("a page number")
    );
    assert_eq!(
        positional("cursor", "AWsAAAAA", ("page", "offset"), 1, 10),
        None
    );
    // Page 1 for `page=abc` is lenient parsing of a page number: a warning, not a silent
    // restart of a cursor walk.
    let page1 = ids(&["a", "b"]);
    let lenient = [
        tp("non-numeric", 200, Some(&["a", "b"])),
        tp("negative", 404, None),
    ];
    let j = token_hygiene(&lenient, &page1, Some("`page` is a page number"), &[], true);
    assert_eq!(j.status, CheckStatus::Warn, "{}", j.message);
    assert!(
        j.message
            .contains("non-numeric value accepted (200) and answered with page 1")
    );
    assert_eq!(
        token_hygiene(&lenient, &page1, None, &[], false).status,
        CheckStatus::Fail
    );
    let five = [tp("negative", 500, None)];
    assert_eq!(
        token_hygiene(&five, &page1, Some("page number"), &[], true).status,
        CheckStatus::Fail
    );
}
