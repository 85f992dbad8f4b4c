//! Pure decision functions for PAGE-01..06: walk records in, judgements out. No I/O; the unit
//! tests below build walks by hand.

use std::collections::{HashMap, HashSet};
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
}

#[derive(Debug, Clone, PartialEq)]
pub struct WalkRec {
    pub pages: Vec<PageRec>,
    pub end: End,
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
    fn page_of(&self, id: &str) -> Option<usize> {
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

fn list<T: std::fmt::Display>(items: &[T], max: usize) -> String {
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

fn dups<'a>(ids: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
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
                "{} pages, {} items, ended by the end signal ({style})",
                w.pages.len(),
                w.item_count()
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

pub fn quiescent_completeness(
    w: &WalkRec,
    reference: Option<&Listing>,
    known: &[String],
) -> Decision {
    match &w.end {
        End::Cap(n) => {
            return Decision::new(
                CheckStatus::Skip,
                format!("the walk hit the page cap after {n} pages; completeness not judged"),
            );
        }
        End::Failed(d) => {
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
    let missing_known: Vec<&str> = known
        .iter()
        .map(String::as_str)
        .filter(|k| !seen.contains(k))
        .collect();
    let (missing, extra, ref_dups) = match reference {
        Some(r) => {
            let rs: HashSet<&str> = r.ids.iter().map(String::as_str).collect();
            (
                r.ids
                    .iter()
                    .map(String::as_str)
                    .filter(|i| !seen.contains(i))
                    .collect::<Vec<_>>(),
                w.ids().filter(|i| !rs.contains(i)).collect::<Vec<_>>(),
                dups(r.ids.iter().map(String::as_str)),
            )
        }
        None => (vec![], vec![], vec![]),
    };
    let mut problems = Vec::new();
    let mut cite = Vec::new();
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
    let tail = if truncated {
        " (the walk was cut where it started to loop; see PAGE-01)"
    } else {
        ""
    };
    if problems.is_empty() {
        let mut j = Decision::new(
            CheckStatus::Pass,
            format!(
                "{} items in {} pages, no duplicates; equal to {against}; all {} items created for the check present{tail}",
                w.item_count(),
                w.pages.len(),
                known.len()
            ),
        );
        if reference.is_none() && known.is_empty() {
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
// PAGE-03

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    OffsetUnstable,
    CursorStable,
    SnapshotConsistent,
    Unclassified,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::OffsetUnstable => "offset-unstable",
            Class::CursorStable => "cursor-stable",
            Class::SnapshotConsistent => "snapshot-consistent",
            Class::Unclassified => "unclassified",
        }
    }
}

/// What the writers did, for the message.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Writes {
    pub inserts: usize,
    pub deletes_before_cursor: usize,
    pub deletes_of_cursor_item: usize,
    pub other_deletes: usize,
    /// Ids created during the walks (they may or may not appear).
    pub inserted: HashSet<String>,
}

/// One listing taken with no writer active: ids in listing order, and sort keys if declared.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub ids: Vec<String>,
    pub keys: HashMap<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    pub duplicates: usize,
    pub skips: usize,
    pub phantoms: usize,
    pub order: usize,
    pub unterminated: usize,
}

fn cmp_keys(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// Number of adjacent inversions in `ranks` (first occurrences only).
fn inversions(ranks: impl Iterator<Item = usize>) -> usize {
    let mut prev: Option<usize> = None;
    let mut n = 0;
    for r in ranks {
        if prev.is_some_and(|p| r < p) {
            n += 1;
        }
        prev = Some(r);
    }
    n
}

/// Judge the walks made under writes against invariants 1–5. `quiescent_terminates` is whether
/// the PAGE-01 walk ended by its end signal: if not, non-termination here is PAGE-01's finding.
pub fn stability(
    walks: &[WalkRec],
    s0: &Snapshot,
    s1: &Snapshot,
    writes: &Writes,
    quiescent_terminates: bool,
) -> (Decision, Class, Counts) {
    let in0: HashMap<&str, usize> = s0
        .ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let in1: HashMap<&str, usize> = s1
        .ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    // Survivors: in both listings, sort key unchanged.
    let survivors: Vec<&str> = s0
        .ids
        .iter()
        .map(String::as_str)
        .filter(|id| in1.contains_key(id))
        .filter(|id| s0.keys.get(*id) == s1.keys.get(*id))
        .collect();
    let mut c = Counts::default();
    let mut findings: Vec<String> = Vec::new();
    let mut cite = Vec::new();
    let mut snapshot_like = !walks.is_empty();
    for (wi, w) in walks.iter().enumerate() {
        let seen: HashSet<&str> = w.ids().collect();
        let d = dups(w.ids());
        if !d.is_empty() {
            c.duplicates += d.len();
            findings.push(format!("walk {}: duplicated {}", wi + 1, list(&d, 3)));
            if let Some(p) = w
                .pages
                .iter()
                .rposition(|p| p.ids.iter().any(|i| i == d[0]))
            {
                cite.push((
                    Cite::Page { walk: wi, page: p },
                    format!("walk {}: {} seen a second time", wi + 1, d[0]),
                ));
            }
        }
        let skipped: Vec<&str> = if matches!(w.end, End::Signal | End::Loop(_)) {
            survivors
                .iter()
                .copied()
                .filter(|id| !seen.contains(id))
                .collect()
        } else {
            vec![]
        };
        if !skipped.is_empty() {
            c.skips += skipped.len();
            findings.push(format!(
                "walk {}: skipped {} survivor(s) {}",
                wi + 1,
                skipped.len(),
                list(&skipped, 3)
            ));
            // The page that should have held the first skipped item: the one holding the next
            // item of S0 that the walk did see.
            let at = in0[skipped[0]];
            let next_seen = s0.ids[at..].iter().find(|i| seen.contains(i.as_str()));
            if let Some(p) = next_seen.and_then(|n| w.page_of(n)) {
                cite.push((
                    Cite::Page { walk: wi, page: p },
                    format!(
                        "walk {}: {} (present before and after the walk) should precede {}",
                        wi + 1,
                        skipped[0],
                        next_seen.map(String::as_str).unwrap_or_default()
                    ),
                ));
            }
        }
        let phantoms: Vec<&str> = seen
            .iter()
            .copied()
            .filter(|id| {
                !in0.contains_key(id) && !in1.contains_key(id) && !writes.inserted.contains(*id)
            })
            .collect();
        if !phantoms.is_empty() {
            c.phantoms += phantoms.len();
            findings.push(format!(
                "walk {}: {} phantom(s) {}",
                wi + 1,
                phantoms.len(),
                list(&phantoms, 3)
            ));
            if let Some(p) = w.page_of(phantoms[0]) {
                cite.push((
                    Cite::Page { walk: wi, page: p },
                    format!(
                        "walk {}: {} never existed during the walk",
                        wi + 1,
                        phantoms[0]
                    ),
                ));
            }
        }
        // Order: relative to S0 and S1 (first occurrences), and by the declared sort key.
        let mut first_seen = HashSet::new();
        let firsts: Vec<(usize, usize)> = w
            .pages
            .iter()
            .enumerate()
            .flat_map(|(pi, p)| p.ids.iter().enumerate().map(move |(ii, _)| (pi, ii)))
            .filter(|&(pi, ii)| first_seen.insert(w.pages[pi].ids[ii].as_str()))
            .collect();
        let id_at = |&(pi, ii): &(usize, usize)| w.pages[pi].ids[ii].as_str();
        let mut order = inversions(firsts.iter().filter_map(|x| in0.get(id_at(x)).copied()))
            + inversions(firsts.iter().filter_map(|x| in1.get(id_at(x)).copied()));
        let keys: Vec<&Value> = firsts
            .iter()
            .filter_map(|&(pi, ii)| w.pages[pi].keys.get(ii).and_then(|k| k.as_ref()))
            .collect();
        let mut dir = None;
        for pair in keys.windows(2) {
            match (cmp_keys(pair[0], pair[1]), dir) {
                (Some(std::cmp::Ordering::Equal) | None, _) => {}
                (Some(o), None) => dir = Some(o),
                (Some(o), Some(d)) if o != d => order += 1,
                _ => {}
            }
        }
        if order > 0 {
            c.order += order;
            findings.push(format!(
                "walk {}: {order} order inversion(s) against the listings before/after or the sort key",
                wi + 1
            ));
        }
        let stopped = match &w.end {
            End::Signal => None,
            End::Loop(d) | End::Failed(d) => Some(d.clone()),
            End::Cap(n) => Some(format!("no end signal within {n} pages")),
        };
        if let Some(why) = stopped.filter(|_| quiescent_terminates) {
            c.unterminated += 1;
            findings.push(format!("walk {}: did not terminate: {why}", wi + 1));
            cite.push((
                Cite::Page {
                    walk: wi,
                    page: w.pages.len(),
                },
                format!("walk {}: where it stopped", wi + 1),
            ));
        }
        // Snapshot-like: exactly S0, although a surviving insert landed after the walk's start.
        let first_in1 = w.ids().find_map(|id| in1.get(id).copied());
        let ignored_insert = s1.ids.iter().enumerate().any(|(r, id)| {
            !in0.contains_key(id.as_str())
                && !seen.contains(id.as_str())
                && first_in1.is_some_and(|f| r > f)
        });
        let exact = seen.len() == s0.ids.len() && s0.ids.iter().all(|i| seen.contains(i.as_str()));
        snapshot_like &= exact && ignored_insert;
    }
    let class = if c.duplicates + c.skips > 0 {
        Class::OffsetUnstable
    } else if c.phantoms + c.order + c.unterminated > 0 {
        Class::Unclassified
    } else if snapshot_like {
        Class::SnapshotConsistent
    } else {
        Class::CursorStable
    };
    let summary = format!(
        "{}: {} walk(s), {} duplicate(s), {} skipped survivor(s), {} phantom(s), {} order inversion(s); writers: {} insert(s), {} delete(s) before the cursor, {} of the cursor item, {} other; {} items before, {} after",
        class.as_str(),
        walks.len(),
        c.duplicates,
        c.skips,
        c.phantoms,
        c.order,
        writes.inserts,
        writes.deletes_before_cursor,
        writes.deletes_of_cursor_item,
        writes.other_deletes,
        s0.ids.len(),
        s1.ids.len()
    );
    let mut j = if findings.is_empty() {
        Decision::new(CheckStatus::Pass, summary)
    } else {
        Decision {
            status: CheckStatus::Fail,
            message: format!("{summary} — {}", findings.join("; ")),
            evidence: cite,
        }
    };
    if !quiescent_terminates && walks.iter().any(|w| w.end != End::Signal) {
        j.message.push_str(
            " (the walks were cut where they looped or stopped; termination is PAGE-01's finding)",
        );
    }
    (j, class, c)
}

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
}

pub fn limits(probes: &[LimitProbe], limit_param: &str) -> Decision {
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
            (Some(s), Some(n)) if (200..300).contains(&s) => {
                if let Some(c) = cap.filter(|&c| n as u64 > c) {
                    fails.push(format!(
                        "{what} → {s} with {n} items, more than the maximum of {c} the API advertises or enforces"
                    ));
                    cite.push((Cite::Probe(i), format!("{what}: {n} items")));
                } else {
                    parts.push(format!("{what} → {s} ({n} items)"));
                }
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
/// "between 1 and 100".
pub fn advertised_max(text: &str) -> Option<u64> {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(
            r"(?i)(?:at most|maximum(?: (?:of|is))?|max(?:imum)?\s*[:=]?|<=|not exceed|between \d+ and|up to)\s*(\d{1,12})",
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
pub fn token_hygiene(
    probes: &[TokenProbe],
    page1: &[String],
    decodable: Option<&str>,
    notes: &[String],
) -> Decision {
    let mut fails = Vec::new();
    let mut warns = Vec::new();
    let mut parts = Vec::new();
    let mut cite = Vec::new();
    for (i, p) in probes.iter().enumerate() {
        match p.status {
            None => {
                fails.push(format!(
                    "{} cursor: no response ({})",
                    p.kind,
                    p.error.as_deref().unwrap_or("?")
                ));
                cite.push((Cite::Probe(i), format!("{} cursor", p.kind)));
            }
            Some(s) if s >= 500 => {
                fails.push(format!("{} cursor → {s}", p.kind));
                cite.push((Cite::Probe(i), format!("{} cursor: server error", p.kind)));
            }
            Some(s) if (200..300).contains(&s) => {
                let ids = p.ids.as_deref().unwrap_or_default();
                if !ids.is_empty() && ids == page1 {
                    fails.push(format!(
                        "{} cursor → {s} with page 1 (silently restarted)",
                        p.kind
                    ));
                    cite.push((Cite::Probe(i), format!("{} cursor: page 1 again", p.kind)));
                } else {
                    warns.push(format!(
                        "{} cursor accepted ({s}, {} items)",
                        p.kind,
                        ids.len()
                    ));
                    cite.push((Cite::Probe(i), format!("{} cursor accepted", p.kind)));
                }
            }
            Some(s) => parts.push(format!("{} → {s}", p.kind)),
        }
    }
    if let Some(d) = decodable {
        warns.push(format!("the cursor is trivially decodable: {d}"));
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
            format!("invalid cursors rejected: {}", parts.join(", ")),
        )
    };
    Decision {
        status,
        message: format!("{body}{tail}"),
        evidence: cite.into_iter().take(3).collect(),
    }
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
mod tests {
    use super::*;
    use serde_json::json;

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
        }
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
        let j = quiescent_completeness(&w, Some(&reference), &ids(&["d", "e"]));
        assert_eq!(j.status, CheckStatus::Pass, "{}", j.message);

        // Skip: c missing.
        let skip = walk(&[&["a", "b"], &["d", "e"]], End::Signal);
        let j = quiescent_completeness(&skip, Some(&reference), &[]);
        assert_eq!(j.status, CheckStatus::Fail);
        assert!(j.message.contains("missing: c"), "{}", j.message);

        // Duplicate.
        let dup = walk(&[&["a", "b"], &["b", "c"], &["d", "e"]], End::Signal);
        let j = quiescent_completeness(&dup, Some(&reference), &[]);
        assert_eq!(j.status, CheckStatus::Fail);
        assert!(j.message.contains("duplicated: b"), "{}", j.message);
        assert_eq!(j.evidence.len(), 2);

        // A known item missing, no reference listing.
        let j = quiescent_completeness(&skip, None, &ids(&["c"]));
        assert_eq!(j.status, CheckStatus::Fail);

        // Phantom (not in the reference).
        let extra = walk(&[&["a", "b"], &["c", "d"], &["e", "zz"]], End::Signal);
        assert_eq!(
            quiescent_completeness(&extra, Some(&reference), &[]).status,
            CheckStatus::Fail
        );

        // A loop cut at the repeat is judged up to there; a capped walk is not judged.
        let cut = walk(&[&["a", "b"], &["c", "d"], &["e"]], End::Loop("x".into()));
        let j = quiescent_completeness(&cut, Some(&reference), &[]);
        assert_eq!(j.status, CheckStatus::Pass);
        assert!(j.message.contains("PAGE-01"));
        let capped = walk(&[&["a", "b"]], End::Cap(1));
        assert_eq!(
            quiescent_completeness(&capped, Some(&reference), &[]).status,
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
        let j = limits(&ok, "limit");
        assert_eq!(j.status, CheckStatus::Pass, "{}", j.message);
        assert!(j.message.contains("maximum of 100"));

        let coerced = [lp(0, 200, Some(10), None), lp(1000, 200, Some(100), None)];
        assert_eq!(limits(&coerced, "limit").status, CheckStatus::Pass);

        let five = [lp(0, 500, None, None), lp(1000, 400, None, None)];
        assert_eq!(limits(&five, "limit").status, CheckStatus::Fail);

        // Advertises 100 but serves 1000.
        let over = [
            lp(1000, 200, Some(1000), None),
            lp(100000, 400, None, Some(100)),
        ];
        assert_eq!(limits(&over, "limit").status, CheckStatus::Fail);
        // Enforces < 1000 (rejects it) but serves 5000 items for 100000.
        let inconsistent = [lp(1000, 400, None, None), lp(100000, 200, Some(5000), None)];
        assert_eq!(limits(&inconsistent, "limit").status, CheckStatus::Fail);

        let nothing = [LimitProbe {
            sent: 0,
            status: None,
            items: None,
            advertised_max: None,
            error: Some("timeout".into()),
        }];
        assert_eq!(limits(&nothing, "limit").status, CheckStatus::Fail);
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
        let j = token_hygiene(&good, &page1, None, &["no filter".into()]);
        assert_eq!(j.status, CheckStatus::Pass);
        assert!(j.message.contains("no filter"));

        let five = [tp("tampered", 500, None), tp("random", 400, None)];
        let j = token_hygiene(&five, &page1, None, &[]);
        assert_eq!(j.status, CheckStatus::Fail);
        assert_eq!(
            j.evidence,
            vec![(Cite::Probe(0), "tampered cursor: server error".into())]
        );

        let restart = [tp("random", 200, Some(&["a", "b"]))];
        assert_eq!(
            token_hygiene(&restart, &page1, None, &[]).status,
            CheckStatus::Fail
        );
        let accepted = [tp("random", 200, Some(&[]))];
        assert_eq!(
            token_hygiene(&accepted, &page1, None, &[]).status,
            CheckStatus::Warn
        );
        assert_eq!(
            token_hygiene(&good, &page1, Some("a plain integer"), &[]).status,
            CheckStatus::Warn
        );
        assert_eq!(
            token_hygiene(&[], &page1, None, &[]).status,
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
        };
        assert_eq!(short_pages(&none).status, CheckStatus::Skip);
    }
}
