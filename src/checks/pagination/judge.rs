//! Pure decision functions for PAGE-01..06: walk records in, judgements out. No I/O; the unit
//! tests below build walks by hand.

use std::collections::HashSet;
use std::fmt::Write as _;

use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::Value;

use crate::verdict::CheckStatus;

/// What one page told the walker.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageRec {
    /// The request URL of this page.
    pub url: String,
    pub ids: Vec<String>,
    /// Sort-key values, parallel to `ids`; empty when the scenario declares no sort key.
    pub keys: Vec<Option<Value>>,
    /// The continuation the walker followed from this page (the next request URL); `None` when
    /// the page carried the end signal.
    pub next: Option<String>,
    /// The page advertised a previous page (`Link rel="prev"`, a non-null `/prev`…).
    pub has_prev: bool,
    /// The page's own signals disagree about whether it is the last one.
    pub contradiction: Option<String>,
    /// The page size requested.
    pub limit: usize,
    /// The total count the page stated (`X-Total-Count`, a `total`-like member).
    pub total: Option<super::total::Total>,
    /// The page number of `Link rel="last"`, when it names one.
    pub last_page: Option<u64>,
}

/// How a walk ended.
#[derive(Debug, Clone, PartialEq)]
pub enum End {
    /// The protocol's end signal.
    Signal,
    /// Following `next` would revisit the listing; the repeating page (if fetched) is not in
    /// `pages` but its exchange is kept after them.
    Loop(String),
    /// More than the page cap.
    Cap(usize),
    /// A request failed or a page could not be read; its exchange follows the pages.
    Failed(String),
    /// A page longer than what loadproof keeps of a probe's body: its JSON cannot be read
    /// whole, which says nothing about the server; its exchange follows the pages.
    Unreadable(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct WalkRec {
    pub pages: Vec<PageRec>,
    pub end: End,
    /// Page-number and offset styles: the page after the last answered this status (404, as
    /// Django REST framework does), which is taken as the end signal.
    pub past_end: Option<u16>,
}

impl WalkRec {
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.pages
            .iter()
            .flat_map(|p| p.ids.iter().map(String::as_str))
    }

    pub fn item_count(&self) -> usize {
        self.pages.iter().map(|p| p.ids.len()).sum()
    }

    /// The page index that holds each item (first occurrence).
    pub(super) fn page_of(&self, id: &str) -> Option<usize> {
        self.pages
            .iter()
            .position(|p| p.ids.iter().any(|i| i == id))
    }
}

/// Something to cite as evidence: a page of walk `walk` (`page == pages.len()` is the extra
/// exchange after the pages: the looping or failing request), or probe `n` of the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cite {
    Page { walk: usize, page: usize },
    Probe(usize),
}

/// A verdict citing its evidence as pages of walks or probes.
pub type Decision = crate::verdict::Decision<Cite>;

pub(super) fn list<T: std::fmt::Display>(items: &[T], max: usize) -> String {
    let mut s = items
        .iter()
        .take(max)
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > max {
        let _ = write!(s, ", … ({} in all)", items.len());
    }
    s
}

pub(super) fn dups<'a>(ids: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for id in ids {
        if !seen.insert(id) && !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Loop detection (used while walking)

/// After fetching `new`: does it repeat the walk (the same items as an earlier page, or the
/// first item of the walk again)?
pub fn repeats(pages: &[PageRec], new: &PageRec) -> Option<String> {
    if new.ids.is_empty() {
        return None;
    }
    if let Some(j) = pages.iter().position(|p| p.ids == new.ids) {
        return Some(format!(
            "page {} returned exactly the items of page {} ({} items)",
            pages.len() + 1,
            j + 1,
            new.ids.len()
        ));
    }
    let first = pages.first().and_then(|p| p.ids.first())?;
    (new.ids.first() == Some(first)).then(|| {
        format!(
            "page {} starts again with the first item of page 1 ({first})",
            pages.len() + 1
        )
    })
}

/// Before following `next`: was that request already made?
pub fn revisits(pages: &[PageRec], next: &str) -> Option<String> {
    let j = pages.iter().position(|p| p.url == next)?;
    Some(format!(
        "the next link of page {} repeats the request of page {}: {next}",
        pages.len(),
        j + 1
    ))
}

// ---------------------------------------------------------------------------------------------
// PAGE-01

pub fn walk_and_terminate(w: &WalkRec, style: &str, cap: u32) -> Decision {
    let last = w.pages.len().saturating_sub(1);
    let mut j = match &w.end {
        End::Loop(detail) => {
            let mut j = Decision::new(
                CheckStatus::Fail,
                format!("the listing loops ({style}): {detail}"),
            );
            j.evidence.push((
                Cite::Page {
                    walk: 0,
                    page: last,
                },
                "the page whose next link loops".into(),
            ));
            j.evidence.push((
                Cite::Page {
                    walk: 0,
                    page: w.pages.len(),
                },
                "the request that revisits the listing".into(),
            ));
            return j;
        }
        End::Cap(n) => {
            let mut j = Decision::new(
                CheckStatus::Fail,
                format!("no end signal after {n} pages (the page cap, max_pages = {cap}; {style})"),
            );
            j.evidence.push((
                Cite::Page {
                    walk: 0,
                    page: last,
                },
                "the last page read".into(),
            ));
            return j;
        }
        End::Unreadable(detail) => {
            let mut j = Decision::new(
                CheckStatus::Error,
                format!(
                    "the walk could not read page {}: {detail} ({style})",
                    w.pages.len() + 1
                ),
            );
            j.evidence.push((
                Cite::Page {
                    walk: 0,
                    page: w.pages.len(),
                },
                "the page too large to read".into(),
            ));
            return j;
        }
        End::Failed(detail) => {
            let mut j = Decision::new(
                CheckStatus::Fail,
                format!(
                    "the walk broke off at page {}: {detail} ({style})",
                    w.pages.len() + 1
                ),
            );
            j.evidence.push((
                Cite::Page {
                    walk: 0,
                    page: w.pages.len(),
                },
                "the failing page request".into(),
            ));
            return j;
        }
        End::Signal => Decision::new(
            CheckStatus::Pass,
            format!(
                "{} pages, {} items, ended by the end signal{} ({style})",
                w.pages.len(),
                w.item_count(),
                w.past_end
                    .map(|s| format!(" (the page after the last answered {s}: past the end)"))
                    .unwrap_or_default()
            ),
        ),
    };
    if let Some((i, p)) = w
        .pages
        .iter()
        .enumerate()
        .find(|(_, p)| p.contradiction.is_some())
    {
        j.status = CheckStatus::Fail;
        j.message = format!(
            "page {}: the end signal is contradicted: {} ({style})",
            i + 1,
            p.contradiction.as_deref().unwrap_or_default()
        );
        j.evidence.push((
            Cite::Page { walk: 0, page: i },
            "contradictory end signals".into(),
        ));
        return j;
    }
    if w.pages.first().is_some_and(|p| p.has_prev) {
        j.status = CheckStatus::Warn;
        j.message
            .push_str("; the first page advertises a previous page (prev should be absent)");
        j.evidence.push((
            Cite::Page { walk: 0, page: 0 },
            "prev on the first page".into(),
        ));
    }
    j
}

// ---------------------------------------------------------------------------------------------
// PAGE-02

/// An independently established listing to compare a walk with.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    pub ids: Vec<String>,
    /// How it was made, for the message ("one page at limit=100").
    pub how: String,
}

/// How far into `reference` a walk cut at a loop got: the index after the furthest reference
/// item it saw (items beyond it were never reached, which is PAGE-01's loop, not a skip).
pub fn reach(seen: &HashSet<&str>, reference: &[String]) -> usize {
    reference
        .iter()
        .rposition(|i| seen.contains(i.as_str()))
        .map_or(0, |i| i + 1)
}

/// `totals`: the cross-check of the totals the pages stated (see `total::crosscheck`).
pub fn quiescent_completeness(
    w: &WalkRec,
    reference: Option<&Listing>,
    known: &[String],
    totals: &super::total::TotalCheck,
) -> Decision {
    match &w.end {
        End::Cap(n) => {
            return Decision::new(
                CheckStatus::Skip,
                format!("the walk hit the page cap after {n} pages; completeness not judged"),
            );
        }
        End::Failed(d) | End::Unreadable(d) => {
            return Decision::new(
                CheckStatus::Skip,
                format!("the walk broke off ({d}); see PAGE-01"),
            );
        }
        _ => {}
    }
    let truncated = matches!(w.end, End::Loop(_));
    let seen: HashSet<&str> = w.ids().collect();
    let d = dups(w.ids());
    // After a loop, only the part of the reference listing the walk reached is judged.
    let judged: Option<&[String]> = reference.map(|r| {
        if truncated {
            &r.ids[..reach(&seen, &r.ids)]
        } else {
            &r.ids[..]
        }
    });
    let unreached = match (reference, judged) {
        (Some(r), Some(j)) => r.ids.len() - j.len(),
        _ => 0,
    };
    let missing_known: Vec<&str> = known
        .iter()
        .map(String::as_str)
        .filter(|k| !seen.contains(k))
        .filter(|k| {
            // Beyond the loop (or, without a reference, anywhere after it): not reached.
            !truncated || judged.is_some_and(|j| j.iter().any(|i| i == k))
        })
        .collect();
    let (missing, extra, ref_dups) = match (reference, judged) {
        (Some(r), Some(judged)) => {
            let rs: HashSet<&str> = r.ids.iter().map(String::as_str).collect();
            (
                judged
                    .iter()
                    .map(String::as_str)
                    .filter(|i| !seen.contains(i))
                    .collect::<Vec<_>>(),
                w.ids().filter(|i| !rs.contains(i)).collect::<Vec<_>>(),
                dups(r.ids.iter().map(String::as_str)),
            )
        }
        _ => (vec![], vec![], vec![]),
    };
    let mut problems = Vec::new();
    let mut cite = Vec::new();
    for (p, page) in &totals.disagree {
        problems.push(p.clone());
        cite.push((
            Cite::Page {
                walk: 0,
                page: *page,
            },
            "the stated total".to_string(),
        ));
    }
    if !d.is_empty() {
        problems.push(format!("{} duplicated: {}", d.len(), list(&d, 5)));
        for id in d.iter().take(2) {
            let pages: Vec<usize> = w
                .pages
                .iter()
                .enumerate()
                .filter(|(_, p)| p.ids.iter().any(|i| i == id))
                .map(|(i, _)| i)
                .collect();
            for p in pages.into_iter().take(2) {
                cite.push((
                    Cite::Page { walk: 0, page: p },
                    format!("{id} appears on this page"),
                ));
            }
        }
    }
    if !missing_known.is_empty() {
        problems.push(format!(
            "{} of the {} items created for this check missing: {}",
            missing_known.len(),
            known.len(),
            list(&missing_known, 5)
        ));
    }
    if !missing.is_empty() {
        problems.push(format!(
            "{} items of the reference listing missing: {}",
            missing.len(),
            list(&missing, 5)
        ));
    }
    if !extra.is_empty() {
        problems.push(format!(
            "{} items not in the reference listing: {}",
            extra.len(),
            list(&extra, 5)
        ));
    }
    if !ref_dups.is_empty() {
        problems.push(format!(
            "the reference listing itself repeats {}",
            list(&ref_dups, 5)
        ));
    }
    let against = match reference {
        Some(r) => format!("{} ({} items)", r.how, r.ids.len()),
        None => "no independent listing (could not establish one)".into(),
    };
    let mut tail = String::new();
    if truncated {
        tail.push_str(" (judged up to the loop, where the walk was cut; see PAGE-01");
        if unreached > 0 {
            let _ = write!(
                tail,
                "; {unreached} item(s) of the reference listing lie beyond it, not reached"
            );
        }
        tail.push(')');
    }
    for n in &totals.notes {
        let _ = write!(tail, " ({n})");
    }
    if problems.is_empty() {
        let equal = if truncated {
            format!("matches {against} as far as it got")
        } else {
            format!("equal to {against}")
        };
        let totals_ok = if totals.agree.is_empty() {
            String::new()
        } else {
            format!("; {}", totals.agree.join("; "))
        };
        let present = known.iter().filter(|k| seen.contains(k.as_str())).count();
        let created = if known.is_empty() {
            String::new()
        } else if present == known.len() {
            format!("; all {} items created for the check present", known.len())
        } else {
            format!(
                "; {present} of the {} items created for the check present (the rest lie beyond the loop)",
                known.len()
            )
        };
        let mut j = Decision::new(
            CheckStatus::Pass,
            format!(
                "{} items in {} pages, no duplicates; {equal}{created}{totals_ok}{tail}",
                w.item_count(),
                w.pages.len(),
            ),
        );
        if reference.is_none() && known.is_empty() && totals.agree.is_empty() {
            j.status = CheckStatus::Skip;
            j.message = format!(
                "nothing to compare the walk with: no independent listing and no insert_request; {} items, no duplicates",
                w.item_count()
            );
        }
        j
    } else {
        Decision {
            status: CheckStatus::Fail,
            message: format!("quiescent walk vs {against}: {}{tail}", problems.join("; ")),
            evidence: cite,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// PAGE-03: see `stability` (re-exported here)

pub use super::stability::{Snapshot, Writes, stability};

// ---------------------------------------------------------------------------------------------
// PAGE-04

#[derive(Debug, Clone, PartialEq)]
pub struct LimitProbe {
    /// The value sent for the limit parameter.
    pub sent: i64,
    pub status: Option<u16>,
    /// Items returned on 2xx.
    pub items: Option<usize>,
    /// A maximum the response states ("must be at most 100").
    pub advertised_max: Option<u64>,
    pub error: Option<String>,
    /// The body was longer than a probe keeps: its items could not be counted.
    pub too_large: bool,
}

/// `default`: the number of items on the first page requested without the limit parameter (the
/// default page), when that request returned one. A zero or negative limit must yield that page
/// or a 4xx: more items than the default page fails (the limit widened the page, e.g. Python's
/// `items[:-1]`), fewer warns.
pub fn limits(probes: &[LimitProbe], limit_param: &str, default: Option<usize>) -> Decision {
    let advertised = probes.iter().filter_map(|p| p.advertised_max).min();
    let rejected = probes
        .iter()
        .filter(|p| p.sent > 0 && p.status.is_some_and(|s| (400..500).contains(&s)))
        .map(|p| p.sent as u64)
        .min();
    let cap = match (advertised, rejected) {
        (Some(a), Some(r)) => Some(a.min(r - 1)),
        (a, r) => a.or(r.map(|r| r - 1)),
    };
    let mut parts = Vec::new();
    let mut fails = Vec::new();
    let mut warns = Vec::new();
    let mut cite = Vec::new();
    for (i, p) in probes.iter().enumerate() {
        let what = format!("{limit_param}={}", p.sent);
        match (p.status, p.items) {
            (None, _) => {
                fails.push(format!(
                    "{what}: no response ({})",
                    p.error.as_deref().unwrap_or("?")
                ));
                cite.push((Cite::Probe(i), format!("{what}: no response")));
            }
            (Some(s), _) if s >= 500 => {
                fails.push(format!("{what} → {s}"));
                cite.push((Cite::Probe(i), format!("{what}: server error")));
            }
            (Some(s), Some(n))
                if (200..300).contains(&s) && p.sent <= 0 && default.is_some_and(|d| d != n) =>
            {
                let d = default.unwrap_or_default();
                let msg = format!(
                    "{what} → {s} with {n} items: neither the default page ({d} items without {limit_param}) nor a 4xx"
                );
                if n > d {
                    fails.push(msg);
                } else {
                    warns.push(msg);
                }
                cite.push((Cite::Probe(i), format!("{what}: {n} items")));
            }
            (Some(s), Some(n)) if (200..300).contains(&s) => {
                if let Some(c) = cap.filter(|&c| n as u64 > c) {
                    fails.push(format!(
                        "{what} → {s} with {n} items, more than the maximum of {c} the API advertises or enforces"
                    ));
                    cite.push((Cite::Probe(i), format!("{what}: {n} items")));
                } else if p.sent <= 0 && default.is_some() {
                    parts.push(format!("{what} → {s} (the default page, {n} items)"));
                } else {
                    parts.push(format!("{what} → {s} ({n} items)"));
                }
            }
            // Cut at the probes' body cap: no item array to count, through no fault of the API.
            (Some(s), None) if (200..300).contains(&s) && p.too_large => {
                parts.push(format!("{what} → {s} (a page too large to count)"));
            }
            (Some(s), None) if (200..300).contains(&s) => {
                warns.push(format!("{what} → {s} without an item array"));
                cite.push((Cite::Probe(i), format!("{what}: no item array")));
            }
            (Some(s), _) => {
                parts.push(format!("{what} → {s}"));
                if !(400..500).contains(&s) {
                    warns.push(format!("{what} → {s} (expected 400 or a coerced page)"));
                    cite.push((Cite::Probe(i), format!("{what}: unexpected status")));
                }
            }
        }
    }
    let max_note = match (advertised, cap) {
        (Some(a), _) => format!("; the API advertises a maximum of {a}"),
        (None, Some(c)) => format!("; the API enforces a maximum of at most {c}"),
        (None, None) => "; no maximum advertised or enforced".into(),
    };
    if !fails.is_empty() {
        Decision {
            status: CheckStatus::Fail,
            message: format!("{}{max_note}", fails.join("; ")),
            evidence: cite.into_iter().take(3).collect(),
        }
    } else if !warns.is_empty() {
        Decision {
            status: CheckStatus::Warn,
            message: format!("{}{max_note}", warns.join("; ")),
            evidence: cite.into_iter().take(3).collect(),
        }
    } else {
        Decision::new(CheckStatus::Pass, format!("{}{max_note}", parts.join(", ")))
    }
}

/// A maximum stated in an error body: "at most 100", "maximum of 100", "max 100", "<= 100",
/// "between 1 and 100", "less than or equal to 100" (pydantic, so FastAPI).
pub fn advertised_max(text: &str) -> Option<u64> {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(
            r"(?i)(?:at most|maximum(?: (?:of|is))?|max(?:imum)?\s*[:=]?|<=|not exceed|between \d+ and|up to|less than or equal to)\s*(\d{1,12})",
        )
        .expect("regex compiles")
    });
    re.captures_iter(text)
        .filter_map(|c| c[1].parse().ok())
        .min()
}

// ---------------------------------------------------------------------------------------------
// PAGE-05

#[derive(Debug, Clone, PartialEq)]
pub struct TokenProbe {
    /// "tampered", "random", "truncated", "changed filter", …
    pub kind: String,
    pub status: Option<u16>,
    /// Ids returned on 2xx.
    pub ids: Option<Vec<String>>,
    pub error: Option<String>,
}

/// `page1`: the ids of the first page at the same size (to recognise "silently page 1").
/// `decodable`: what the cursor trivially decodes to, if anything. `notes`: what was not tested.
/// `positional`: the position is a page number or an offset, not a cursor: an invalid value
/// answered with page 1 is lenient parsing (a warning), not a silent restart of a walk.
pub fn token_hygiene(
    probes: &[TokenProbe],
    page1: &[String],
    decodable: Option<&str>,
    notes: &[String],
    positional: bool,
) -> Decision {
    let noun = if positional { "value" } else { "cursor" };
    let mut fails = Vec::new();
    let mut warns = Vec::new();
    let mut parts = Vec::new();
    let mut cite = Vec::new();
    for (i, p) in probes.iter().enumerate() {
        match p.status {
            None => {
                fails.push(format!(
                    "{} {noun}: no response ({})",
                    p.kind,
                    p.error.as_deref().unwrap_or("?")
                ));
                cite.push((Cite::Probe(i), format!("{} {noun}", p.kind)));
            }
            Some(s) if s >= 500 => {
                fails.push(format!("{} {noun} → {s}", p.kind));
                cite.push((Cite::Probe(i), format!("{} {noun}: server error", p.kind)));
            }
            Some(s) if (200..300).contains(&s) => {
                let ids = p.ids.as_deref().unwrap_or_default();
                if !ids.is_empty() && ids == page1 && positional {
                    warns.push(format!(
                        "{} {noun} accepted ({s}) and answered with page 1",
                        p.kind
                    ));
                    cite.push((Cite::Probe(i), format!("{} {noun}: page 1", p.kind)));
                } else if !ids.is_empty() && ids == page1 {
                    fails.push(format!(
                        "{} cursor → {s} with page 1 (silently restarted)",
                        p.kind
                    ));
                    cite.push((Cite::Probe(i), format!("{} cursor: page 1 again", p.kind)));
                } else {
                    warns.push(format!(
                        "{} {noun} accepted ({s}, {} items)",
                        p.kind,
                        ids.len()
                    ));
                    cite.push((Cite::Probe(i), format!("{} {noun} accepted", p.kind)));
                }
            }
            Some(s) => parts.push(format!("{} → {s}", p.kind)),
        }
    }
    if let Some(d) = decodable {
        if positional {
            warns.push(d.to_string());
        } else {
            warns.push(format!("the cursor is trivially decodable: {d}"));
        }
    }
    let tail = if notes.is_empty() {
        String::new()
    } else {
        format!(" ({})", notes.join("; "))
    };
    let (status, body) = if !fails.is_empty() {
        (CheckStatus::Fail, fails.join("; "))
    } else if !warns.is_empty() {
        (CheckStatus::Warn, warns.join("; "))
    } else if parts.is_empty() {
        (CheckStatus::Skip, "no cursor to test".to_string())
    } else {
        (
            CheckStatus::Pass,
            format!("invalid {noun}s rejected: {}", parts.join(", ")),
        )
    };
    Decision {
        status,
        message: format!("{body}{tail}"),
        evidence: cite.into_iter().take(3).collect(),
    }
}

/// Whether the position parameter `param`, whose value on page 2 is `value`, is a page number
/// or an offset rather than a cursor: any plain integer is (the catalog's "trivially decodable"
/// case). The description names which, for the message.
pub fn positional(
    param: &str,
    value: &str,
    names: (&str, &str),
    first_page: u32,
    page1_items: usize,
) -> Option<String> {
    let n: i64 = value.trim().parse().ok()?;
    let (page_param, offset_param) = names;
    let what = if param == offset_param || (param != page_param && n == page1_items as i64) {
        "an offset"
    } else if param == page_param || n == i64::from(first_page) + 1 {
        "a page number"
    } else {
        "a plain integer"
    };
    Some(format!(
        "`{param}` is {what} ({param}={value} on page 2), not an opaque cursor: trivially decodable, so clients can compute any position (and an offset moves under writes)"
    ))
}

/// What a cursor trivially decodes to: a plain integer, JSON, or base64 of JSON or of plain text.
pub fn decodable(token: &str) -> Option<String> {
    let t = token.trim();
    if t.is_empty() {
        return None;
    }
    if t.parse::<i128>().is_ok() {
        return Some(format!("a plain integer ({t})"));
    }
    if let Ok(v) = serde_json::from_str::<Value>(t) {
        if v.is_object() || v.is_array() {
            return Some(format!("plain JSON ({})", clip(t)));
        }
    }
    let cfg = GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    for alpha in [&alphabet::URL_SAFE, &alphabet::STANDARD] {
        let Ok(bytes) = GeneralPurpose::new(alpha, cfg).decode(t) else {
            continue;
        };
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        if let Ok(v) = serde_json::from_str::<Value>(text) {
            if !v.is_string() {
                return Some(format!("base64 of JSON {}", clip(text)));
            }
        }
        if text.len() >= 2 && text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            return Some(format!("base64 of the text {:?}", clip(text)));
        }
    }
    None
}

fn clip(s: &str) -> String {
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s.to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// PAGE-06

pub fn short_pages(w: &WalkRec) -> Decision {
    if w.pages.is_empty() {
        return Decision::new(CheckStatus::Skip, "no page was read");
    }
    let n = w.pages.len();
    let short: Vec<String> = w.pages[..n - 1]
        .iter()
        .enumerate()
        .filter(|(_, p)| p.ids.len() < p.limit)
        .map(|(i, p)| format!("page {} ({} of {})", i + 1, p.ids.len(), p.limit))
        .collect();
    if short.is_empty() {
        Decision::new(
            CheckStatus::Pass,
            format!("informational: every page before the last was full ({n} pages)"),
        )
    } else {
        Decision::new(
            CheckStatus::Pass,
            format!(
                "informational: {} page(s) shorter than the limit before the end: {} (allowed by AIP-158 and Slack; clients must follow next, not count items)",
                short.len(),
                list(&short, 5)
            ),
        )
    }
}

#[cfg(test)]
#[path = "judge_tests.rs"]
mod tests;
