//! The network part of RL-03..09: gathers exchanges against `spec.request` and hands them to
//! the decision functions. Order: drive past the limit (RL-03/04/05/08), wait and retry (RL-07),
//! drain one client and probe the other (RL-09), then three open-loop phases (RL-06).

use std::time::{Duration, Instant};

use rand::Rng;

use super::judge::{self, Decision, Obs, Phase};
use crate::checks::probe::{Exchange, Probe, ProbeClient, send};
use crate::checks::{CheckCtx, skip};
use crate::scenario::{RateLimitSpec, RequestSpec};
use crate::verdict::{CheckResult, CheckStatus};

/// Quotas above this are not driven past (too many requests for a conformance check).
const MAX_DRIVE: u64 = 400;
/// Sequential requests sent when the first response advertises no quota.
const BLIND_DRIVE: usize = 60;
/// Longest advertised wait RL-07 honours.
const MAX_WAIT_S: f64 = 8.0;
/// RL-06 runs only for windows this short (its phases last four windows)…
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

const ACTIVE: [&str; 7] = [
    "RL-03", "RL-04", "RL-05", "RL-06", "RL-07", "RL-08", "RL-09",
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
    let mut out = Vec::new();

    // 1. Drive past the limit, sequentially.
    let first_probe = d.probe()?;
    let first = d.send(&first_probe).await;
    if d.obs[first].status.is_none() {
        let e = d.ex[first].error.clone().unwrap_or_default();
        return Err(e);
    }
    let quota = d.obs[first].snap.as_ref().and_then(|s| s.quota);
    let cap = match quota {
        Some(q) if q > MAX_DRIVE => {
            let reason = format!(
                "the advertised quota of {q} is too large to drive past here (at most {MAX_DRIVE})"
            );
            let mut v = skip_ids(
                &["RL-03", "RL-04", "RL-06", "RL-07", "RL-08", "RL-09"],
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
    if !advertised && limited.is_none() {
        return Ok(skip_ids(
            &ACTIVE,
            &format!(
                "`{name}` advertises no rate limit: no rate-limit fields and no 429 in {} requests",
                drive.len()
            ),
        ));
    }
    let snap = drive.iter().find_map(|&i| d.obs[i].snap.clone());
    let quota = snap.as_ref().and_then(|s| s.quota);
    let window = drive
        .iter()
        .find_map(|&i| d.obs[i].snap.as_ref().and_then(|s| s.window));
    let mut sequences = vec![drive.clone()];

    // 2. RL-07: wait as told, then ask again.
    match limited {
        None => out.push(skip("RL-07", "no 429 to recover from")),
        Some(l) => {
            let (wait, guessed) = match d.advertised_wait(l, window) {
                Some(w) => (w, false),
                None => (1.0, true),
            };
            if wait > MAX_WAIT_S {
                out.push(skip(
                    "RL-07",
                    format!("the advertised wait of {wait:.0} s is longer than this check waits ({MAX_WAIT_S:.0} s)"),
                ));
            } else {
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
                out.push(d.result("RL-07", dec));
            }
        }
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
                let value = {
                    let shared = crate::engine::request::RenderShared::default();
                    let mut rng = <rand::rngs::SmallRng as rand::SeedableRng>::from_os_rng();
                    let mut out = String::new();
                    crate::engine::request::render(
                        template,
                        &mut crate::engine::request::RenderCtx::new(&shared, &mut rng),
                        &mut out,
                    );
                    out
                };
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

    // 4. RL-06: open loop at 0.5×, 1×, 2× the advertised quota.
    let honesty = honesty(d, spec, quota, window, cap).await?;
    out.push(honesty);

    // Judged over everything sent.
    out.push(d.result("RL-03", judge::shape(&d.obs, quota, drive.len())));
    out.push(d.result("RL-04", judge::retry_vs_reset(&d.obs)));
    out.push(d.result("RL-05", judge::monotone(&d.obs, &sequences)));
    let first_429 = (0..d.obs.len()).find(|&i| d.obs[i].throttled());
    out.push(d.result("RL-08", judge::body(&d.obs, first_429)));
    Ok(out)
}

async fn honesty(
    d: &mut Driver<'_, '_>,
    spec: &RateLimitSpec,
    quota: Option<u64>,
    window: Option<u64>,
    cap: usize,
) -> Result<CheckResult, String> {
    if !spec.honesty {
        return Ok(skip("RL-06", "disabled (`honesty = false`)"));
    }
    let (Some(q), Some(w)) = (quota, window) else {
        return Ok(skip(
            "RL-06",
            "no advertised quota and window (RateLimit-Policy `q` and `w`) to hold the server to",
        ));
    };
    if q == 0 {
        return Ok(skip("RL-06", "the advertised quota is 0"));
    }
    if w > MAX_HONESTY_WINDOW_S {
        return Ok(skip(
            "RL-06",
            format!(
                "the advertised window of {w} s is too long for this check (it needs 4 windows; at most {MAX_HONESTY_WINDOW_S} s)"
            ),
        ));
    }
    if 2.0 * q as f64 / w as f64 > MAX_HONESTY_RPS {
        return Ok(skip(
            "RL-06",
            format!("2× the advertised quota ({q} per {w} s) exceeds {MAX_HONESTY_RPS} requests/s"),
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
    Ok(d.result(
        "RL-06",
        judge::honesty(&d.obs, &phases, q, w, spec.tolerance),
    ))
}
