//! Pure decisions of PAGE-03 (stability under writes): walks made while writers changed the
//! collection, judged against the catalog's invariants 1–5, and the API's class. No I/O.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::judge::{Cite, Decision, End, WalkRec, dups, list, reach};
use crate::verdict::CheckStatus;

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
        // A walk cut at a loop is judged up to where it got in S0: survivors beyond it were
        // never reached (termination is judged below, or by PAGE-01), not skipped.
        let horizon = match w.end {
            End::Signal => Some(usize::MAX),
            End::Loop(_) => Some(reach(&seen, &s0.ids)),
            End::Cap(_) | End::Failed(_) | End::Unreadable(_) => None,
        };
        let skipped: Vec<&str> = match horizon {
            Some(h) => survivors
                .iter()
                .copied()
                .filter(|id| in0[id] < h && !seen.contains(id))
                .collect(),
            None => vec![],
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
            // Not the server's doing: a page too large for loadproof to read whole.
            End::Unreadable(_) => None,
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
