//! The network part of RL-03..10: gathers exchanges against `spec.request` and hands them to
//! the decision functions. Order: drive past the limit (RL-03/04/05/08), wait and retry when the
//! wait is short (RL-07), drain one client and probe the other (RL-09), then RL-06: three
//! open-loop phases for windows of at most 2 s; for longer windows, and for RL-10, the refill
//! experiment of `refill` (a burst from a fresh window, then a paced watch), all within the time
//! budget `max_wait`.

use std::time::{Duration, Instant};

use rand::Rng;

use super::advert::{self, Advert};
use super::judge::{self, Decision, Obs, Phase};
use super::refill::{self, Experiment, Fresh};
use crate::checks::probe::{Exchange, Probe, ProbeClient, send};
use crate::checks::{CheckCtx, skip};
use crate::scenario::{RateLimitSpec, RequestSpec};
use crate::verdict::{CheckResult, CheckStatus};

/// Quotas above this are not driven past (too many requests for a conformance check).
const MAX_DRIVE: u64 = 400;
/// Sequential requests sent when the first response advertises no quota.
const BLIND_DRIVE: usize = 60;
/// Advertised waits up to this are judged right after the drive; longer ones inside the refill
/// experiment, which waits anyway.
const SHORT_WAIT_S: f64 = 8.0;
/// Paced probes of one refill experiment, at most.
const MAX_PROBES: usize = 2000;
/// RL-06 uses open-loop phases only for windows this short (they last four windows)…
const MAX_HONESTY_WINDOW_S: u64 = 2;
/// …and offered rates up to this.
const MAX_HONESTY_RPS: f64 = 500.0;
/// Polling interval while waiting for a window boundary.
const POLL: Duration = Duration::from_millis(20);
/// RL-06 phases: load factor and whole windows.
const PHASES: [(f64, u32); 3] = [(0.5, 1), (1.0, 1), (2.0, 2)];

struct Driver<'c, 'a> {
    ctx: &'c CheckCtx<'a>,
    req: &'a RequestSpec,
    client: ProbeClient,
    origin: Instant,
    ex: Vec<Exchange>,
    obs: Vec<Obs>,
    /// The scenario's error format when it is not problem+json (RL-08 judges 429s by it).
    declared: Option<std::sync::Arc<crate::checks::error_format::judge::Config>>,
}

impl Driver<'_, '_> {
    fn probe(&self) -> Result<Probe, String> {
        Probe::from_spec(self.ctx, self.req)
    }

    fn record(&mut self, e: Exchange) -> usize {
        self.obs
            .push(Obs::from_exchange(&e, self.declared.as_deref()));
        self.ex.push(e);
        self.obs.len() - 1
    }

    async fn send(&mut self, probe: &Probe) -> usize {
        let e = send(&self.client, probe, self.origin, 0).await;
        self.record(e)
    }

    /// Send sequentially until a 429 (or `cap` requests); returns the indices.
    async fn drain(&mut self, cap: usize) -> Result<Vec<usize>, String> {
        let mut seq = Vec::new();
        while seq.len() < cap {
            let p = self.probe()?;
            let i = self.send(&p).await;
            seq.push(i);
            if self.obs[i].throttled() || self.obs[i].status.is_none() {
                break;
            }
        }
        Ok(seq)
    }

    fn result(&self, id: &str, d: Decision) -> CheckResult {
        d.resolve(id, |&i, note| {
            self.ex.get(i).map(|e| e.evidence(self.ctx.redactor, note))
        })
    }

    /// Seconds the 429 at `i` asks the client to wait: Retry-After, else its reset, else the
    /// reset of the latest served response, else the window.
    fn advertised_wait(&self, i: usize, window: Option<u64>) -> Option<f64> {
        let o = &self.obs[i];
        if let Some(Ok(ra)) = &o.retry_after {
            return Some(*ra);
        }
        if let Some(r) = o.reset_in {
            return Some(r.max(0.0));
        }
        let prior = self.obs[..i]
            .iter()
            .rev()
            .find(|p| p.accepted() && p.reset_in.is_some());
        if let Some(p) = prior {
            let r = p.reset_in.unwrap_or(0.0) - (o.sent_ms - p.done_ms).max(0.0) / 1000.0;
            return Some(r.max(0.0));
        }
        window.map(|w| w as f64)
    }
}

fn skip_ids(ids: &[&str], reason: &str) -> Vec<CheckResult> {
    ids.iter().map(|id| skip(id, reason)).collect()
}

const ACTIVE: [&str; 8] = [
    "RL-03", "RL-04", "RL-05", "RL-06", "RL-07", "RL-08", "RL-09", "RL-10",
];

pub(super) async fn run(ctx: &CheckCtx<'_>, spec: &RateLimitSpec) -> Vec<CheckResult> {
    let Some(req) = ctx.request(&spec.request) else {
        return skip_ids(
            &ACTIVE,
            &format!("request `{}` is not in the scenario", spec.request),
        );
    };
    let client = match ctx.client() {
        Ok(c) => c,
        Err(e) => return skip_ids(&ACTIVE, &e),
    };
    let mut d = Driver {
        ctx,
        req,
        client,
        origin: Instant::now(),
        declared: ctx
            .error_format
            .filter(|s| s.profile != crate::scenario::ErrorProfile::ProblemJson)
            .map(crate::checks::error_format::config_for),
        ex: Vec::new(),
        obs: Vec::new(),
    };
    match run_all(&mut d, spec).await {
        Ok(v) => v,
        Err(e) => skip_ids(&ACTIVE, &format!("could not send `{}`: {e}", spec.request)),
    }
}

async fn run_all(d: &mut Driver<'_, '_>, spec: &RateLimitSpec) -> Result<Vec<CheckResult>, String> {
    let name = &spec.request;
    let deadline = d.origin + spec.max_wait;
    let mut out = Vec::new();

    // 1. Drive past the limit, sequentially.
    let first_probe = d.probe()?;
    let first = d.send(&first_probe).await;
    if d.obs[first].status.is_none() {
        let e = d.ex[first].error.clone().unwrap_or_default();
        return Err(e);
    }
    let quota = d.obs[first]
        .snap
        .as_ref()
        .and_then(|s| s.quota)
        .or(spec.quota);
    let cap = match quota {
        Some(q) if q > MAX_DRIVE => {
            let reason =
                format!("the quota of {q} is too large to drive past here (at most {MAX_DRIVE})");
            let mut v = skip_ids(
                &[
                    "RL-03", "RL-04", "RL-06", "RL-07", "RL-08", "RL-09", "RL-10",
                ],
                &reason,
            );
            v.push(d.result("RL-05", judge::monotone(&d.obs, &[vec![first]])));
            return Ok(v);
        }
        Some(q) => q as usize + 5,
        None => BLIND_DRIVE,
    };
    let mut drive = vec![first];
    if !d.obs[first].throttled() {
        drive.extend(d.drain(cap - 1).await?);
    }
    let advertised = drive.iter().any(|&i| d.obs[i].snap.is_some());
    let limited = drive.iter().copied().find(|&i| d.obs[i].throttled());
    if !advertised && limited.is_none() && spec.quota.is_none() {
        return Ok(skip_ids(
            &ACTIVE,
            &format!(
                "`{name}` advertises no rate limit: no rate-limit fields and no 429 in {} requests",
                drive.len()
            ),
        ));
    }
    let mut ad = advert::resolve(&d.obs, spec.quota, spec.window);
    let window = ad.as_ref().and_then(|a| a.window_s);
    let mut sequences = vec![drive.clone()];

    // 2. RL-07 now when the wait is short; a long wait is judged inside the refill experiment,
    // whose watch covers it (waiting twice would spend the budget twice).
    let short = window.is_some_and(|w| w <= MAX_HONESTY_WINDOW_S as f64);
    let experiment_planned =
        ad.is_some() && window.is_some() && (spec.algorithm || (spec.honesty && !short));
    let mut rl07 = None;
    match limited {
        None => rl07 = Some(skip("RL-07", "no 429 to recover from")),
        Some(l) => {
            let (wait, guessed) = match d.advertised_wait(l, window.map(|w| w.ceil() as u64)) {
                Some(w) => (w, false),
                None => (1.0, true),
            };
            let left = deadline
                .saturating_duration_since(Instant::now())
                .as_secs_f64();
            if wait <= SHORT_WAIT_S || (!experiment_planned && 2.0 * wait <= left) {
                rl07 = Some(recover(d, l, wait, guessed).await?);
            } else if !experiment_planned {
                rl07 = Some(skip(
                    "RL-07",
                    format!(
                        "the advertised wait of {wait:.0} s does not fit in the time budget (`max_wait`, {left:.0} s left)"
                    ),
                ));
            }
        }
    }
    // A recovery response may be the first of a fresh window: it can tell the window.
    if ad.as_ref().is_some_and(|a| a.window_s.is_none()) {
        ad = advert::resolve(&d.obs, spec.quota, spec.window);
    }

    // 3. RL-09: drain A, then B must be served while A is still throttled.
    match &spec.partition {
        None => out.push(skip(
            "RL-09",
            "no second credential: set `partition` in [checks.rate_limit]",
        )),
        Some((header, template)) => {
            let mut dec = None;
            for _ in 0..2 {
                let seq = d.drain(cap).await?;
                let a_last = *seq.last().unwrap_or(&first);
                sequences.push(seq);
                let value = render_credential(template);
                let pb = d.probe()?.with_header(header, &value);
                let b = d.send(&pb).await;
                let pa = d.probe()?;
                let a_after = d.send(&pa).await;
                let this = judge::partition(&d.obs, a_last, b, a_after, header);
                let retry = this.status == CheckStatus::Skip && d.obs[a_last].throttled();
                dec = Some(this);
                if !retry {
                    break;
                }
            }
            if let Some(dec) = dec {
                out.push(d.result("RL-09", dec));
            }
        }
    }

    // 4. RL-06 and RL-10.
    let window = ad.as_ref().and_then(|a| a.window_s);
    let short = window.is_some_and(|w| w <= MAX_HONESTY_WINDOW_S as f64);
    let no_quota = || {
        "no quota and window to hold the server to: it advertises none (RateLimit-Policy, RateLimit-Limit, X-RateLimit-Limit) and the scenario declares none (`quota`, `window`)".to_string()
    };
    let no_window = |a: &Advert| {
        format!(
            "quota {} is advertised but no window: it is not advertised, no response was seen at a fresh window, and the scenario declares none (`window`)",
            a.quota
        )
    };
    let mut rl06 = None;
    if !spec.honesty {
        rl06 = Some(skip("RL-06", "disabled (`honesty = false`)"));
    } else if short {
        if let Some(a) = &ad {
            rl06 = Some(honesty_open_loop(d, spec, a, cap).await?);
        }
    }
    let mut rl10 = (!spec.algorithm).then(|| skip("RL-10", "disabled (`algorithm = false`)"));
    let wants_experiment = rl10.is_none() || rl06.is_none();
    match (&ad, window) {
        (None, _) => {
            rl06.get_or_insert_with(|| skip("RL-06", no_quota()));
            rl10.get_or_insert_with(|| skip("RL-10", no_quota()));
        }
        (Some(a), None) => {
            rl06.get_or_insert_with(|| skip("RL-06", no_window(a)));
            rl10.get_or_insert_with(|| skip("RL-10", no_window(a)));
        }
        (Some(a), Some(w)) if wants_experiment => {
            match experiment(d, a, w, deadline, cap).await? {
                Planned::Ran(exp) => {
                    if rl06.is_none() {
                        rl06 = Some(
                            d.result("RL-06", refill::exhaustion(&d.obs, &exp, a, spec.tolerance)),
                        );
                    }
                    if rl10.is_none() {
                        rl10 = Some(d.result(
                            "RL-10",
                            refill::algorithm(&d.obs, &exp, a, w, spec.max_burst),
                        ));
                    }
                    if rl07.is_none() {
                        rl07 = Some(recovery_in(d, &exp, w));
                    }
                    sequences.push(exp.burst.clone());
                    sequences.extend(exp.refills.iter().cloned());
                }
                Planned::DoesNotFit(why) => {
                    // Judge what fits: the drive itself, from wherever the window stood.
                    if rl06.is_none() {
                        let exp = Experiment {
                            opener: None,
                            burst: drive.clone(),
                            fresh: Fresh::Unknown,
                            probes: Vec::new(),
                            refills: Vec::new(),
                            end_ms: d.obs.last().map_or(0.0, |o| o.done_ms),
                            pace_ms: 0.0,
                            cut: true,
                        };
                        let mut dec = refill::exhaustion(&d.obs, &exp, a, spec.tolerance);
                        dec.message
                            .push_str(&format!("; judged on the drive only: {why}"));
                        rl06 = Some(d.result("RL-06", dec));
                    }
                    rl10.get_or_insert_with(|| skip("RL-10", why.clone()));
                }
            }
        }
        _ => {}
    }
    if rl07.is_none() {
        rl07 = Some(skip(
            "RL-07",
            "the advertised wait was not judged: no window to plan the watch",
        ));
    }
    out.extend(rl06);
    out.extend(rl07);
    out.extend(rl10);

    // Judged over everything sent.
    out.push(d.result("RL-03", judge::shape(&d.obs, quota, drive.len())));
    out.push(d.result("RL-04", judge::retry_vs_reset(&d.obs)));
    out.push(d.result("RL-05", judge::monotone(&d.obs, &sequences)));
    let first_429 = (0..d.obs.len()).find(|&i| d.obs[i].throttled());
    out.push(d.result("RL-08", judge::body(&d.obs, first_429)));
    Ok(out)
}

fn render_credential(template: &crate::scenario::Template) -> String {
    let shared = crate::engine::request::RenderShared::default();
    let mut rng = <rand::rngs::SmallRng as rand::SeedableRng>::from_os_rng();
    let mut out = String::new();
    crate::engine::request::render(
        template,
        &mut crate::engine::request::RenderCtx::new(&shared, &mut rng),
        &mut out,
    );
    out
}

/// RL-07 on its own: wait as told after the 429 at `l`, then ask again until served or twice
/// the wait has passed.
async fn recover(
    d: &mut Driver<'_, '_>,
    l: usize,
    wait: f64,
    guessed: bool,
) -> Result<CheckResult, String> {
    let jitter = rand::rng().random_range(0.10..0.25);
    let limited_done = d.origin + Duration::from_secs_f64(d.obs[l].done_ms / 1000.0);
    let first_at = limited_done + Duration::from_secs_f64(wait + jitter);
    let give_up = limited_done + Duration::from_secs_f64(2.0 * wait.max(0.5) + jitter);
    tokio::time::sleep_until(first_at.into()).await;
    let mut attempts = Vec::new();
    loop {
        let p = d.probe()?;
        let i = d.send(&p).await;
        attempts.push(i);
        if d.obs[i].accepted() || Instant::now() >= give_up || attempts.len() >= 20 {
            break;
        }
        let pause = Duration::from_secs_f64((wait / 4.0).clamp(0.1, 1.0));
        tokio::time::sleep_until((Instant::now() + pause).min(give_up).into()).await;
    }
    let mut dec = judge::recovery(&d.obs, l, wait, &attempts);
    if guessed {
        dec.message.push_str(" (no wait advertised: assumed 1 s)");
    }
    Ok(d.result("RL-07", dec))
}

/// RL-07 from the refill experiment: the probes sent after the burst's 429 once its advertised
/// wait had passed.
fn recovery_in(d: &Driver<'_, '_>, exp: &Experiment, window_s: f64) -> CheckResult {
    let Some(l) = exp.burst.iter().copied().find(|&i| d.obs[i].throttled()) else {
        return skip("RL-07", "the burst from a fresh window was never throttled");
    };
    let wait = d
        .advertised_wait(l, Some(window_s.ceil() as u64))
        .unwrap_or(window_s);
    let due = d.obs[l].done_ms + wait * 1000.0;
    let attempts: Vec<usize> = exp
        .probes
        .iter()
        .copied()
        .filter(|&i| d.obs[i].sent_ms >= due)
        .collect();
    if attempts.is_empty() {
        // Served again before the advertised wait was up: it would be served at it too.
        let early = exp
            .refills
            .iter()
            .filter_map(|r| r.first().copied())
            .find(|&i| d.obs[i].sent_ms > d.obs[l].done_ms);
        if let Some(i) = early {
            return d.result("RL-07", judge::recovery(&d.obs, l, wait, &[i]));
        }
        return skip(
            "RL-07",
            format!(
                "the advertised wait of {wait:.0} s ends after the watch (time budget `max_wait`)"
            ),
        );
    }
    d.result("RL-07", judge::recovery(&d.obs, l, wait, &attempts))
}

enum Planned {
    Ran(Experiment),
    DoesNotFit(String),
}

/// The refill experiment (see `refill`): wait for a fresh window, send the opener, burst half a
/// window later until the first 429, then probe at a steady pace and drain whatever comes back,
/// within the time budget.
async fn experiment(
    d: &mut Driver<'_, '_>,
    ad: &Advert,
    window_s: f64,
    deadline: Instant,
    cap: usize,
) -> Result<Planned, String> {
    let q = ad.quota.max(1) as f64;
    let w_ms = window_s * 1000.0;
    let elapsed = |d: &Driver<'_, '_>| d.origin.elapsed().as_secs_f64() * 1000.0;
    // Fresh: a full window after the last accepted request (fixed windows, logs and buckets have
    // all forgotten it by then).
    let last_ok = d
        .obs
        .iter()
        .filter(|o| o.accepted())
        .map(|o| o.done_ms)
        .fold(0.0, f64::max);
    // Two windows when the budget allows: a sliding-window counter still weighs the window
    // before the current one.
    let budget_ms = deadline.duration_since(d.origin).as_secs_f64() * 1000.0;
    let quiet = if last_ok + 2.0 * w_ms + 1.75 * w_ms + 2000.0 <= budget_ms {
        2.0 * w_ms
    } else {
        w_ms
    };
    let mut opener_at = (last_ok + quiet + 250.0).max(elapsed(d));
    // The burst mid-window when a reset told where window edges fall: a sliding counter's refill
    // then waits for an edge, a bucket's does not, and the two differ by a quarter window.
    if let Some(edge) = grid_edge(&d.obs) {
        let offset = (opener_at + 0.5 * w_ms - edge).rem_euclid(w_ms);
        if !(0.25 * w_ms..=0.75 * w_ms).contains(&offset) {
            opener_at += (0.5 * w_ms - offset).rem_euclid(w_ms);
        }
    }
    // At quota 1 an opener would leave the burst nothing: the burst opens the window itself.
    let with_opener = ad.quota >= 2;
    let burst_at = if with_opener {
        opener_at + 0.5 * w_ms
    } else {
        opener_at
    };
    if burst_at + 2000.0 > budget_ms {
        return Ok(Planned::DoesNotFit(format!(
            "the experiment would start {} from now, beyond the time budget (`max_wait` = {}); the window is {}",
            refill_secs((opener_at - elapsed(d)) / 1000.0),
            refill_secs(budget_ms / 1000.0),
            advert::secs(window_s)
        )));
    }
    let origin = d.origin;
    let at = move |ms: f64| origin + Duration::from_secs_f64(ms / 1000.0);
    let opener = if with_opener {
        tokio::time::sleep_until(at(opener_at).into()).await;
        let p = d.probe()?;
        Some(d.send(&p).await)
    } else {
        None
    };
    tokio::time::sleep_until(at(burst_at).into()).await;
    let burst = d.drain(cap).await?;
    let first = opener.or(burst.first().copied());
    let fresh = match first {
        Some(f) => match d.obs[f].remaining() {
            Some(r) if d.obs[f].accepted() && r + 1 == ad.quota => Fresh::Verified,
            Some(_) => Fresh::Unknown,
            None if d.obs[f].accepted() => Fresh::Waited,
            None => Fresh::Unknown,
        },
        None => Fresh::Unknown,
    };
    let mut exp = Experiment {
        opener,
        burst,
        fresh,
        probes: Vec::new(),
        refills: Vec::new(),
        end_ms: 0.0,
        pace_ms: (w_ms / (8.0 * q)).clamp(50.0, (w_ms / 8.0).max(50.0)),
        cut: false,
    };
    let limited = exp.burst.iter().copied().find(|&i| d.obs[i].throttled());
    let Some(l) = limited else {
        exp.end_ms = elapsed(d);
        return Ok(Planned::Ran(exp));
    };
    let p_ms = d.obs[exp.burst[0]].sent_ms;
    let wanted_until = p_ms + 1.25 * w_ms + exp.pace_ms;
    let watch_until = wanted_until.min(budget_ms);
    // RL-07's probe, exactly at the advertised wait plus jitter.
    let jitter = rand::rng().random_range(100.0..250.0);
    let mut recovery_at = d
        .advertised_wait(l, Some(window_s.ceil() as u64))
        .map(|w| d.obs[l].done_ms + w * 1000.0 + jitter)
        .filter(|&t| t <= watch_until);
    let mut next = d.obs[l].done_ms + exp.pace_ms;
    let big = (q / 2.0).ceil().max(2.0).min(q);
    let mut sent = 0usize;
    while next <= watch_until && sent < MAX_PROBES {
        let when = match recovery_at {
            Some(r) if r <= next => {
                recovery_at = None;
                r
            }
            _ => {
                let t = next;
                next += exp.pace_ms;
                t
            }
        };
        tokio::time::sleep_until(at(when).into()).await;
        let pr = d.probe()?;
        let i = d.send(&pr).await;
        sent += 1;
        exp.probes.push(i);
        if d.obs[i].accepted() {
            let mut run = vec![i];
            run.extend(d.drain(cap).await?);
            sent += run.len();
            let k = run.iter().filter(|&&j| d.obs[j].accepted()).count() as f64;
            exp.refills.push(run);
            // Most of the quota at once: the class is clear. Steady: a few refills show the rate.
            if k >= big || exp.refills.len() >= 5 {
                break;
            }
            next = next.max(elapsed(d) + exp.pace_ms);
        }
    }
    exp.end_ms = elapsed(d);
    exp.cut = watch_until < wanted_until && exp.refills.is_empty();
    Ok(Planned::Ran(exp))
}

/// A window edge (ms since the family's origin), from the latest response that advertised its
/// reset.
fn grid_edge(obs: &[Obs]) -> Option<f64> {
    obs.iter()
        .rev()
        .find(|o| o.reset_in.is_some_and(|r| r > 0.0))
        .and_then(|o| o.reset_in.map(|r| o.done_ms + r * 1000.0))
}

fn refill_secs(s: f64) -> String {
    format!("{s:.0} s")
}

/// RL-06 for short windows: open-loop traffic at 0.5×, 1× and 2× the quota.
async fn honesty_open_loop(
    d: &mut Driver<'_, '_>,
    spec: &RateLimitSpec,
    ad: &Advert,
    cap: usize,
) -> Result<CheckResult, String> {
    let q = ad.quota;
    let w = ad.window_s.unwrap_or(1.0).ceil().max(1.0) as u64;
    if q == 0 {
        return Ok(skip("RL-06", "the advertised quota is 0"));
    }
    if 2.0 * q as f64 / w as f64 > MAX_HONESTY_RPS {
        return Ok(skip(
            "RL-06",
            format!("2× the quota ({q} per {w} s) exceeds {MAX_HONESTY_RPS} requests/s"),
        ));
    }
    // Align to a window boundary: drain, then poll until served again.
    let seq = d.drain(cap).await?;
    if seq.last().is_some_and(|&i| d.obs[i].throttled()) {
        let deadline = Instant::now() + Duration::from_secs(2 * w + 1);
        while Instant::now() < deadline {
            tokio::time::sleep(POLL).await;
            let p = d.probe()?;
            let i = d.send(&p).await;
            if !d.obs[i].throttled() {
                break;
            }
        }
    }
    let start = Instant::now() + Duration::from_millis(5);
    let window_d = Duration::from_secs(w);
    let mut tasks = Vec::new();
    let mut offset = Duration::ZERO;
    for (k, (factor, windows)) in PHASES.iter().enumerate() {
        let n = ((factor * q as f64 * f64::from(*windows)).round() as u32).max(1);
        let span = window_d * *windows;
        let interval = span / n;
        for j in 0..n {
            let due = start + offset + interval * j;
            let probe = d.probe()?;
            let client = d.client.clone();
            let origin = d.origin;
            tasks.push((
                k,
                tokio::spawn(async move {
                    tokio::time::sleep_until(due.into()).await;
                    send(&client, &probe, origin, k + 1).await
                }),
            ));
        }
        offset += span;
    }
    let mut phases: Vec<Phase> = PHASES
        .iter()
        .map(|(factor, windows)| Phase {
            factor: *factor,
            windows: *windows,
            idx: Vec::new(),
        })
        .collect();
    for (k, t) in tasks {
        let e = t
            .await
            .map_err(|e| format!("an open-loop request failed to run: {e}"))?;
        let i = d.record(e);
        phases[k].idx.push(i);
    }
    let mut dec = judge::honesty(&d.obs, &phases, q, w, spec.tolerance);
    dec.message.push_str(&format!("; source: {}", ad.source));
    Ok(d.result("RL-06", dec))
}
