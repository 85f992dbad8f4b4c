//! Pagination checks PAGE-01..06 (RFC 8288 Link, JSON:API cursor profile, AIP-158, Stripe).
//!
//! Order of work (every request is sequential unless said otherwise):
//! 1. PAGE-04: the first page at limit 0, -1, 1000 and 100000, and without the limit (the
//!    default page); this also learns the largest size;
//! 2. seed items with `insert_request` (the "known set" of PAGE-02 and the only items PAGE-03's
//!    lock-step writers delete), then detect the style from the first page;
//! 3. a quiescent walk at `page_size` (PAGE-01, PAGE-06) and a listing at the largest size
//!    (PAGE-02's reference, and S0 of PAGE-03);
//! 4. PAGE-05: a real cursor from the walk, tampered, random, truncated, with changed filters
//!    (a page number or an offset: non-numeric and negative);
//! 5. PAGE-03: walkers with lock-step writers plus free-running writers, then S1;
//! 6. clean-up: delete every item the checks created.
//!
//! Decisions are pure: `judge` (PAGE-01/02/04/05/06), `stability` (PAGE-03), `total` (the
//! total-count cross-check of PAGE-02); the network side is `net` (pages, walks, writes),
//! `tokens` (PAGE-05's probes) and this file (the order of work, PAGE-03's writers).

mod judge;
mod net;
mod stability;
mod tokens;
mod total;

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use futures::future::join_all;

use super::probe::{Exchange, Probe, ProbeClient};
use futures::future::LocalBoxFuture;

use super::{CheckCtx, Family, error, skip, verdict};
use crate::scenario::{ChecksSpec, PaginationSpec};
use crate::verdict::{CheckResult, CheckStatus};
use judge::{Cite, Decision, End, LimitProbe, Listing, Snapshot, WalkRec, Writes};
use net::{Env, Mode, Stepper, Style};

/// Limits PAGE-04 sends.
const LIMIT_PROBES: [i64; 4] = [0, -1, 1000, 100_000];
/// Seeds: this many pages' worth of items, at most `MAX_SEEDS`.
const SEED_PAGES: u32 = 4;
const MAX_SEEDS: u32 = 200;
/// Mutations per walker's lock-step writer, and per free-running writer.
const LOCKSTEP_BUDGET: usize = 6;
const FREE_WRITER_BUDGET: usize = 12;

const IDS: [&str; 6] = [
    "PAGE-01", "PAGE-02", "PAGE-03", "PAGE-04", "PAGE-05", "PAGE-06",
];

/// The pagination family: PAGE-01..06, active only.
pub struct Pagination;

impl Family for Pagination {
    fn key(&self) -> &'static str {
        "pagination"
    }
    fn prefix(&self) -> &'static str {
        "PAGE"
    }
    fn ids(&self) -> &'static [&'static str] {
        &IDS
    }
    fn enabled(&self, checks: &ChecksSpec) -> bool {
        checks.pagination.is_some()
    }
    fn active<'a>(&'a self, ctx: &'a CheckCtx<'_>) -> LocalBoxFuture<'a, Vec<CheckResult>> {
        Box::pin(async move {
            match &ctx.checks.pagination {
                Some(spec) => run(ctx, spec).await,
                None => Vec::new(),
            }
        })
    }
}

fn all(status: CheckStatus, why: &str) -> Vec<CheckResult> {
    IDS.iter()
        .map(|id| verdict(id, status, why, vec![]))
        .collect()
}

pub async fn run(ctx: &CheckCtx<'_>, spec: &PaginationSpec) -> Vec<CheckResult> {
    let Some(list) = ctx.request(&spec.request) else {
        return all(
            CheckStatus::Skip,
            &format!("no request named `{}`", spec.request),
        );
    };
    let base = match Probe::from_spec(ctx, list) {
        Ok(p) => p,
        Err(e) => {
            return all(
                CheckStatus::Error,
                &format!("cannot render the listing: {e}"),
            );
        }
    };
    let client = match ctx.client() {
        Ok(c) => c,
        Err(e) => return all(CheckStatus::Error, &e),
    };
    let env = Env {
        ctx,
        spec,
        base,
        origin: Instant::now(),
    };
    let r = ctx.redactor;
    let page_size = spec.page_size.max(1) as usize;
    let mut out: Vec<CheckResult> = Vec::new();

    // 1. PAGE-04.
    let mut limit_ex = Vec::new();
    let mut limit_probes = Vec::new();
    for n in LIMIT_PROBES {
        let ex = env.get(&client, env.first_url(&n.to_string()), 0).await;
        let items = ex
            .json()
            .filter(|_| ex.is_success())
            .and_then(|b| net::items(spec, &b).ok())
            .map(|(ids, _)| ids.len());
        limit_probes.push(LimitProbe {
            sent: n,
            status: ex.status,
            items,
            advertised_max: (!ex.is_success())
                .then(|| judge::advertised_max(&String::from_utf8_lossy(&ex.body)))
                .flatten(),
            error: ex.error.clone(),
            too_large: ex.body_truncated,
        });
        limit_ex.push(ex);
    }
    // The default page: the listing without the limit parameter (a zero or negative limit must
    // yield it, or a 4xx).
    let ex = env
        .get(
            &client,
            net::remove_query(&env.base.url, &spec.limit_param),
            0,
        )
        .await;
    let default_items = ex
        .json()
        .filter(|_| ex.is_success())
        .and_then(|b| net::items(spec, &b).ok())
        .map(|(ids, _)| ids.len());
    limit_ex.push(ex);
    let j04 = judge::limits(&limit_probes, &spec.limit_param, default_items);
    let advertised = limit_probes.iter().filter_map(|p| p.advertised_max).min();
    // The largest page size to list with: an accepted oversize request, else the advertised
    // maximum, else 100.
    let big = limit_probes
        .iter()
        .filter(|p| p.sent >= 1000 && p.items.is_some())
        .map(|p| p.sent as usize)
        .min()
        .or(advertised.map(|a| a.min(10_000) as usize))
        .unwrap_or(100)
        .max(page_size);
    let page04 = cited("PAGE-04", j04, r, |c| match c {
        Cite::Probe(i) => limit_ex.get(i),
        Cite::Page { .. } => None,
    });

    // 2. Seeds, then the style.
    let mut own: Vec<String> = Vec::new();
    let mut seed_error = None;
    if spec.insert_request.is_some() {
        let n = (spec.page_size * SEED_PAGES).min(MAX_SEEDS);
        for _ in 0..n {
            match net::insert(&env, &client, 0).await {
                Ok((id, _)) => own.push(id),
                Err(e) => {
                    seed_error = Some(e);
                    break;
                }
            }
        }
    }
    let seeds = own.clone();
    let style = match detect(&env, &client, page_size).await {
        Ok(s) => s,
        Err((status, why, ex)) => {
            let mut v = vec![verdict(
                "PAGE-01",
                status,
                format!("the first page could not be read: {why}"),
                ex.iter().map(|e| e.evidence(r, "the first page")).collect(),
            )];
            v.push(skip(
                "PAGE-02",
                "the first page could not be read (PAGE-01)",
            ));
            v.push(skip(
                "PAGE-03",
                "the first page could not be read (PAGE-01)",
            ));
            v.push(page04);
            v.push(skip(
                "PAGE-05",
                "the first page could not be read (PAGE-01)",
            ));
            v.push(skip(
                "PAGE-06",
                "the first page could not be read (PAGE-01)",
            ));
            cleanup(&env, &client, &own).await;
            return v;
        }
    };

    // 3. Quiescent walk, reference listing.
    let q = net::walk(&env, &style, page_size, client.clone()).await;
    let quiet_ok = q.rec.end == End::Signal;
    let mut j01 = judge::walk_and_terminate(&q.rec, &style.note, spec.max_pages);
    if matches!(q.rec.end, End::Loop(_))
        && q.rec.pages.len() == 1
        && matches!(style.mode, Mode::Page | Mode::Offset)
    {
        let name = if style.mode == Mode::Page {
            &spec.page_param
        } else {
            &spec.offset_param
        };
        j01.message.push_str(&format!(
            " (page 2 repeats page 1: if the API pages by another parameter than `{name}`, name it with {})",
            if style.mode == Mode::Page { "page_param" } else { "offset_param" }
        ));
    }
    out.push(cited("PAGE-01", j01, r, |c| walk_cite(c, &[&q])));
    let s0_walk = net::walk(&env, &style, big, client.clone()).await;
    let reference = listing_of(&s0_walk, big);
    let totals = total::crosscheck(
        &q.rec,
        style.first_page.unwrap_or(spec.first_page),
        spec.total.as_deref(),
    );
    let mut j02 = judge::quiescent_completeness(&q.rec, reference.as_ref(), &seeds, &totals);
    if let Some(e) = &seed_error {
        j02.message
            .push_str(&format!(" (seeding stopped early: {e})"));
    }
    out.push(cited("PAGE-02", j02, r, |c| walk_cite(c, &[&q])));

    // 4. PAGE-05.
    let (j05, token_ex) = tokens::token_hygiene(&env, &client, &style, &q).await;
    let page05 = cited("PAGE-05", j05, r, |c| match c {
        Cite::Probe(i) => token_ex.get(i),
        Cite::Page { .. } => None,
    });

    // 5. PAGE-03.
    let page03 = if spec.walkers == 0 || spec.writers == 0 {
        skip("PAGE-03", "walkers or writers is 0")
    } else if spec.insert_request.is_none() {
        skip(
            "PAGE-03",
            "needs insert_request: the writers only delete items the check created",
        )
    } else if seeds.is_empty() {
        skip(
            "PAGE-03",
            format!(
                "could not create items to write with: {}",
                seed_error.as_deref().unwrap_or("?")
            ),
        )
    } else if matches!(q.rec.end, End::Failed(_) | End::Unreadable(_) | End::Cap(_)) {
        skip(
            "PAGE-03",
            "the quiescent walk did not complete (PAGE-01); stability under writes not judged",
        )
    } else if style.mode == Mode::Single {
        skip(
            "PAGE-03",
            "the listing is a single page: nothing to paginate under writes",
        )
    } else if let Some(s0) = reference.as_ref().map(|l| snapshot(&s0_walk, &l.ids)) {
        let (res, live) = stability(&env, &style, page_size, big, s0, quiet_ok, &own).await;
        own = live;
        res
    } else {
        skip(
            "PAGE-03",
            "no listing at walk start (S0) could be taken at the largest page size",
        )
    };
    out.push(page03);
    out.push(page04);
    out.push(page05);
    out.push(cited("PAGE-06", judge::short_pages(&q.rec), r, |c| {
        walk_cite(c, &[&q])
    }));

    // 6. Clean-up.
    cleanup(&env, &client, &own).await;
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

/// A decision as a check result, its citations resolved to evidence (only a failure or a
/// warning shows any).
fn cited<'e>(
    id: &str,
    d: Decision,
    r: &crate::redact::Redactor,
    resolve: impl Fn(Cite) -> Option<&'e Exchange>,
) -> CheckResult {
    let shown = matches!(d.status, CheckStatus::Fail | CheckStatus::Warn);
    d.resolve(id, |c, note| {
        shown
            .then(|| resolve(*c).map(|ex| ex.evidence(r, note)))
            .flatten()
    })
}

fn walk_cite<'e>(c: Cite, walks: &[&'e Stepper]) -> Option<&'e Exchange> {
    match c {
        Cite::Page { walk, page } => walks.get(walk)?.exchanges.get(page),
        Cite::Probe(_) => None,
    }
}

fn listing_of(s: &Stepper, big: usize) -> Option<Listing> {
    if matches!(s.rec.end, End::Failed(_) | End::Unreadable(_) | End::Cap(_))
        || s.rec.pages.is_empty()
    {
        return None;
    }
    let how = if s.rec.pages.len() == 1 {
        format!("one page at the largest size ({big})")
    } else {
        format!(
            "a walk at the largest size ({big}, {} pages)",
            s.rec.pages.len()
        )
    };
    Some(Listing {
        ids: s.rec.ids().map(str::to_string).collect(),
        how,
    })
}

fn snapshot(s: &Stepper, ids: &[String]) -> Snapshot {
    let keys = s
        .rec
        .pages
        .iter()
        .flat_map(|p| p.ids.iter().zip(p.keys.iter()))
        .filter_map(|(id, k)| k.clone().map(|k| (id.clone(), k)))
        .collect();
    Snapshot {
        ids: ids.to_vec(),
        keys,
    }
}

/// Read the first page and pick the style; `auto` with a full page and no signal probes
/// `offset=` and `page=`.
async fn detect(
    env: &Env<'_>,
    client: &ProbeClient,
    page_size: usize,
) -> Result<Style, (CheckStatus, String, Option<Exchange>)> {
    let url = env.first_url(&page_size.to_string());
    let ex = env.get(client, url.clone(), 0).await;
    if !ex.is_success() {
        let why = ex.status.map_or_else(
            || ex.error.clone().unwrap_or_default(),
            |s| format!("HTTP {s}"),
        );
        return Err((CheckStatus::Fail, why, Some(ex)));
    }
    if ex.body_truncated {
        return Err((CheckStatus::Error, net::too_large(), Some(ex)));
    }
    let Some(body) = ex.json() else {
        return Err((CheckStatus::Fail, "the body is not JSON".into(), Some(ex)));
    };
    let (ids, _) =
        net::items(env.spec, &body).map_err(|e| (CheckStatus::Fail, e, Some(ex.clone())))?;
    let sig = net::signals(&url, net::link_header(&ex).as_deref(), &body);
    if let Some(s) = net::choose_style(env.spec.style, &sig, ids.len(), page_size) {
        return Ok(s);
    }
    // Full first page, no signal: does the offset or the page parameter (by the scenario's
    // names) move?
    let first: HashSet<&String> = ids.iter().collect();
    let spec = env.spec;
    for (param, value, mode) in [
        (&spec.offset_param, ids.len().to_string(), Mode::Offset),
        (
            &spec.page_param,
            (spec.first_page + 1).to_string(),
            Mode::Page,
        ),
    ] {
        let ex2 = env
            .get(client, net::set_query(&url, param, &value), 0)
            .await;
        let moved = ex2
            .json()
            .filter(|_| ex2.is_success())
            .and_then(|b| net::items(env.spec, &b).ok())
            .is_some_and(|(ids2, _)| !ids2.is_empty() && ids2.iter().all(|i| !first.contains(i)));
        if moved {
            let mut s = net::choose_style(crate::scenario::PageStyle::Offset, &sig, 0, 1)
                .expect("declared styles always resolve");
            s.mode = mode.clone();
            s.note = format!("auto-detected {param} (no next signal; `{param}=` moves the window)");
            // Is the unnumbered first page `first_page`? If `page=1` is not page 1 but `page=0`
            // is, the API numbers its pages from 0 (and page=2 was its third page).
            if mode == Mode::Page && spec.first_page == 1 {
                let same = async |n: &str| {
                    let ex = env.get(client, net::set_query(&url, param, n), 0).await;
                    ex.json()
                        .filter(|_| ex.is_success())
                        .and_then(|b| net::items(env.spec, &b).ok())
                        .is_some_and(|(ids2, _)| ids2 == ids)
                };
                if !same("1").await && same("0").await {
                    s.first_page = Some(0);
                    s.note.push_str(", numbered from 0");
                }
            }
            return Ok(s);
        }
    }
    let mut s = net::choose_style(crate::scenario::PageStyle::Offset, &sig, 0, 1)
        .expect("declared styles always resolve");
    s.mode = Mode::Single;
    s.note = format!(
        "auto: a full first page but no next signal, and neither {}= nor {}= moves; treated as a single page",
        spec.offset_param, spec.page_param
    );
    Ok(s)
}

/// Items this check created and has not deleted, and what the writers did.
#[derive(Default)]
struct Shared {
    live: Vec<String>,
    writes: Writes,
    errors: Vec<String>,
}

#[derive(Clone, Copy)]
enum Action {
    DeleteCursor,
    Insert,
    DeleteBefore,
}

const SCHEDULE: [Action; 3] = [Action::DeleteCursor, Action::Insert, Action::DeleteBefore];

/// PAGE-03. Returns the verdict and the ids created that are still live (for the clean-up).
async fn stability(
    env: &Env<'_>,
    style: &Style,
    page_size: usize,
    big: usize,
    s0: Snapshot,
    quiet_ok: bool,
    seeds: &[String],
) -> (CheckResult, Vec<String>) {
    let spec = env.spec;
    let r = env.ctx.redactor;
    let can_delete = spec.delete_request.is_some();
    let shared = Mutex::new(Shared {
        live: seeds.to_vec(),
        ..Shared::default()
    });
    let lock = || shared.lock().unwrap_or_else(|e| e.into_inner());
    let done = AtomicBool::new(false);

    let walker = async |k: usize| -> Result<Stepper, String> {
        let client = env.ctx.client()?;
        let mut s = Stepper::new(
            env.first_url(&page_size.to_string()),
            page_size,
            spec.max_pages,
            client.clone(),
            k + 1,
        );
        let mut acted = 0usize;
        while s.step(env, style).await {
            if acted >= LOCKSTEP_BUDGET {
                continue;
            }
            let Some(page) = s.rec.pages.last() else {
                continue;
            };
            let cursor_item = page.ids.last().cloned();
            let passed: HashSet<&str> = s.rec.ids().collect();
            // Act only once the walk has passed items of ours: the writer changes what lies
            // before the cursor, and the cursor item itself.
            let target = {
                let mut sh = lock();
                if !sh.live.iter().any(|id| passed.contains(id.as_str())) {
                    continue;
                }
                let mut action = SCHEDULE[acted % SCHEDULE.len()];
                if !can_delete {
                    action = Action::Insert;
                }
                let pick = |sh: &mut Shared, id: &str| {
                    let i = sh.live.iter().position(|x| x == id)?;
                    Some(sh.live.remove(i))
                };
                match action {
                    Action::Insert => None,
                    Action::DeleteCursor | Action::DeleteBefore => {
                        let on_cursor = matches!(action, Action::DeleteCursor)
                            .then(|| cursor_item.as_deref().and_then(|c| pick(&mut sh, c)))
                            .flatten();
                        match on_cursor {
                            Some(id) => Some((id, true)),
                            None => {
                                let before = sh
                                    .live
                                    .iter()
                                    .find(|id| {
                                        passed.contains(id.as_str())
                                            && Some(id.as_str()) != cursor_item.as_deref()
                                    })
                                    .cloned();
                                before
                                    .and_then(|id| pick(&mut sh, &id))
                                    .map(|id| (id, false))
                            }
                        }
                    }
                }
            };
            match target {
                None => match net::insert(env, &client, k + 1).await {
                    Ok((id, _)) => {
                        let mut sh = lock();
                        sh.live.push(id.clone());
                        sh.writes.inserted.insert(id);
                        sh.writes.inserts += 1;
                    }
                    Err(e) => lock().errors.push(e),
                },
                Some((id, on_cursor)) => match net::delete(env, &client, &id, k + 1).await {
                    Ok(true) => {
                        let mut sh = lock();
                        if on_cursor {
                            sh.writes.deletes_of_cursor_item += 1;
                        } else {
                            sh.writes.deletes_before_cursor += 1;
                        }
                    }
                    Ok(false) => {}
                    Err(e) => lock().errors.push(e),
                },
            }
            acted += 1;
        }
        Ok(s)
    };
    let writer = async |w: usize| {
        let Ok(client) = env.ctx.client() else {
            return;
        };
        let conn = 100 + w;
        let mut mine: Vec<String> = Vec::new();
        for op in 0..FREE_WRITER_BUDGET {
            if done.load(Ordering::Relaxed) {
                break;
            }
            if op % 3 == 2 && can_delete && !mine.is_empty() {
                let id = mine.remove(0);
                let claimed = {
                    let mut sh = lock();
                    sh.live
                        .iter()
                        .position(|x| *x == id)
                        .map(|i| sh.live.remove(i))
                };
                if let Some(id) = claimed {
                    match net::delete(env, &client, &id, conn).await {
                        Ok(true) => lock().writes.other_deletes += 1,
                        Ok(false) => {}
                        Err(e) => lock().errors.push(e),
                    }
                }
            } else {
                match net::insert(env, &client, conn).await {
                    Ok((id, _)) => {
                        mine.push(id.clone());
                        let mut sh = lock();
                        sh.live.push(id.clone());
                        sh.writes.inserted.insert(id);
                        sh.writes.inserts += 1;
                    }
                    Err(e) => lock().errors.push(e),
                }
            }
        }
    };
    let walkers = async {
        let res = join_all((0..spec.walkers as usize).map(walker)).await;
        done.store(true, Ordering::Relaxed);
        res
    };
    let writers = join_all((0..spec.writers as usize).map(writer));
    let (walks, _) = futures::join!(walkers, writers);

    let live = lock().live.clone();
    let mut steppers = Vec::new();
    for w in walks {
        match w {
            Ok(s) => steppers.push(s),
            Err(e) => return (error("PAGE-03", e), live),
        }
    }
    let Ok(client) = env.ctx.client() else {
        return (error("PAGE-03", "cannot build an HTTP client"), live);
    };
    let s1_walk = net::walk(env, style, big, client).await;
    let Some(s1_list) = listing_of(&s1_walk, big) else {
        return (
            skip(
                "PAGE-03",
                "no listing at walk end (S1) could be taken at the largest page size",
            ),
            live,
        );
    };
    let s1 = snapshot(&s1_walk, &s1_list.ids);
    let recs: Vec<WalkRec> = steppers.iter().map(|s| s.rec.clone()).collect();
    let sh = lock();
    let (mut j, class, _counts) = judge::stability(&recs, &s0, &s1, &sh.writes, quiet_ok);
    if class == stability::Class::OffsetUnstable && matches!(style.mode, Mode::Page | Mode::Offset)
    {
        j.message.push_str(
            " (page numbers and offsets are positions: a delete before the position shifts later items back, so the next page skips one; keyset cursors do not)",
        );
    }
    j.message = format!(
        "{} [{} walker(s) at {page_size} per page, each with a lock-step writer, + {} free-running writer(s); {}]",
        j.message, spec.walkers, spec.writers, style.note
    );
    if !can_delete {
        j.message.push_str(
            " (no delete_request: deletes not exercised, so an offset-based API may go unnoticed)",
        );
    }
    if !sh.errors.is_empty() {
        j.message.push_str(&format!(
            " ({} writer request(s) failed, first: {})",
            sh.errors.len(),
            sh.errors[0]
        ));
    }
    let refs: Vec<&Stepper> = steppers.iter().collect();
    let res = cited("PAGE-03", j, r, |c| walk_cite(c, &refs));
    (res, live)
}

/// Delete what the checks created, a few at a time.
async fn cleanup(env: &Env<'_>, client: &ProbeClient, ids: &[String]) {
    if env.spec.delete_request.is_none() {
        return;
    }
    for chunk in ids.chunks(8) {
        join_all(chunk.iter().map(|id| net::delete(env, client, id, 0))).await;
    }
}
