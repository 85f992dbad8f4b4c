//! The worker side of the engine: one thread's tasks, the open-loop and closed-loop worker
//! loops, and one exchange (send, read the body, judge expectations, show the observer, record).
//! Everything here runs on one thread's current-thread runtime: the bookkeeping is `RefCell`s.
//! `pick.rs` is what one pick of the mix sends: a request, or a flow's steps in turn.

use std::borrow::Cow;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use rand::SeedableRng;
use rand::rngs::SmallRng;
use tokio::sync::{Semaphore, watch};
use tokio::time::Instant;

use super::backoff::Backoff;
use super::body::{self, BodySink};
use super::client::{self, ErrorKind};
use super::expect::response_sample;
use super::expect::{Judgement, SeenBody};
use super::flow::capture_all;
use super::h1;
use super::precise::PreciseTimer;
use super::request::{Bindings, RenderCtx};
use super::stats::{LATE_AFTER, Sample, status_class};
use super::{
    BODY_DRAIN_CAP, Lane, LaneSpec, OBSERVED_BODY_CAP, ThreadCtx, ThreadResult, Transport,
};
use crate::metrics::series::Completion;
use crate::metrics::stats::{RESPONSE_SAMPLE_BODY, ResponseSample};
use crate::observe::{Headers, Observation, Observer};
use crate::plan::{LoadMode, UserStage};
use crate::scenario::Protocol;

mod pick;

use pick::{Pick, run_pick};

pub(super) async fn thread_main<O: Observer + 'static>(
    warm: Option<Rc<ThreadCtx<O>>>,
    ctx: Rc<ThreadCtx<O>>,
    clients: Vec<LaneSpec>,
    worker_ids: Vec<usize>,
    protocol: Protocol,
) -> ThreadResult<O> {
    // Each worker runs the phases in order on the same lane, so the load phase inherits the
    // connections the warm-up opened.
    let phases: Rc<[Rc<ThreadCtx<O>>]> = warm.iter().cloned().chain([ctx.clone()]).collect();
    let mut set = tokio::task::JoinSet::new();
    match &ctx.mode {
        LoadMode::Open(_) => {
            // One worker per lane: in open loop each connection carries one request at a time.
            for (lane, spec) in clients.into_iter().enumerate() {
                let id = worker_ids.get(lane).copied().unwrap_or(lane);
                let lane = Lane {
                    transport: spec.into_transport(),
                    gate: None,
                };
                let phases = phases.clone();
                set.spawn_local(async move {
                    for phase in phases.iter() {
                        open_worker(phase, &lane, id).await;
                    }
                });
            }
        }
        LoadMode::Closed { .. } => {
            let shared_lanes = worker_ids.len() > clients.len();
            let lanes: Vec<Rc<Lane>> = clients
                .into_iter()
                .map(|spec| {
                    let gate = (shared_lanes && protocol == Protocol::Http1)
                        .then(|| Rc::new(Semaphore::new(1)));
                    Rc::new(Lane {
                        transport: spec.into_transport(),
                        gate,
                    })
                })
                .collect();
            for (j, &user) in worker_ids.iter().enumerate() {
                if lanes.is_empty() {
                    break;
                }
                let (lane, phases) = (lanes[j % lanes.len()].clone(), phases.clone());
                set.spawn_local(async move {
                    for phase in phases.iter() {
                        closed_user(phase, &lane, user).await;
                    }
                });
            }
        }
    }
    let ticker_ctx = ctx.clone();
    let ticker = tokio::task::spawn_local(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(250)).await;
            let second = Instant::now()
                .saturating_duration_since(ticker_ctx.start)
                .as_secs();
            let mut stats = ticker_ctx.stats.borrow_mut();
            stats.series.advance(second);
            if let Some(slot) = &ticker_ctx.slot {
                stats.publish(slot);
            }
        }
    });
    let all_done = async { while set.join_next().await.is_some() {} };
    let mut stop = ctx.stop.clone();
    let drain = ctx.drain;
    let stopped_then_drained = async move {
        if stop.wait_for(|s| *s).await.is_ok() {
            tokio::time::sleep(drain).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    let cut = tokio::select! {
        _ = all_done => ErrorKind::Cancelled,
        _ = stopped_then_drained => ErrorKind::Cancelled,
        _ = tokio::time::sleep_until(ctx.hard_end) => {
            // The drain after the planned end ran out: whatever is still in flight took longer
            // than the run allows, which is a timeout. A stop that came first keeps its kind.
            if *ctx.stop.borrow() { ErrorKind::Cancelled } else { ErrorKind::Timeout }
        }
    };
    set.abort_all();
    ticker.abort();

    // Requests still in flight were abandoned: they count as cut (see above), not as lost.
    for phase in phases.iter() {
        let mut stats = phase.stats.borrow_mut();
        let in_flight = std::mem::take(&mut stats.in_flight);
        for (r, n) in stats.requests.iter_mut().zip(in_flight) {
            r.errors[cut.index()] += n;
        }
    }
    let warmup = warm.map(|w| std::mem::take(&mut w.stats.borrow_mut().requests));
    let mut stats = ctx.stats.borrow_mut();
    if let Some(slot) = &ctx.slot {
        // The thread's final figures, cut requests included: what the report will say.
        stats.publish(slot);
    }
    stats.series.flush();
    let observer = ctx.observer.borrow_mut().take();
    ThreadResult {
        warmup,
        observer,
        requests: std::mem::take(&mut stats.requests),
        by_class: std::mem::take(&mut stats.by_class),
        sent_on_time: stats.sent_on_time,
        sent_late: stats.sent_late,
        send_delay: std::mem::take(&mut stats.send_delay),
        backoff: stats.backoff,
        flows: std::mem::take(&mut stats.flows),
        picks: stats.picks,
    }
}

/// Resolves when a stop has been requested (never, if the sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    if stop.wait_for(|s| *s).await.is_err() {
        std::future::pending::<()>().await;
    }
}

async fn open_worker<O: Observer>(ctx: &ThreadCtx<O>, lane: &Lane, id: usize) {
    let LoadMode::Open(schedule) = &ctx.mode else {
        return;
    };
    let mut rng =
        SmallRng::seed_from_u64(ctx.shared.render.seed ^ 0x9e37_79b9_7f4a_7c15 ^ id as u64);
    let mut stop = ctx.stop.clone();
    let mut timer = PreciseTimer::new();
    let mut pick = Pick::new(ctx);
    loop {
        if *stop.borrow() {
            break;
        }
        let i = ctx.shared.next_index.fetch_add(1, Ordering::Relaxed);
        if i >= ctx.open_limit {
            break;
        }
        let Some(offset) = schedule.due(i) else { break };
        let due = ctx.start + offset;
        if due > Instant::now() {
            tokio::select! {
                _ = timer.wake_at(due) => {}
                _ = stopped(&mut stop) => break,
            }
        }
        let now = Instant::now();
        if now >= ctx.end {
            // The load phase is over: this due request is part of the backlog, not sent.
            break;
        }
        // Picked before it counts as sent: a unique feeder out of rows sends nothing more.
        if !pick.draw(ctx, &mut rng) {
            break;
        }
        // The send delay (the tool's own precision, shown in the report) and the late count
        // read the same instant: when the worker was ready to send this request.
        let delay = now.saturating_duration_since(due);
        let late = delay > LATE_AFTER;
        {
            let mut s = ctx.stats.borrow_mut();
            s.send_delay.record(delay);
            s.series
                .dispatched(now.saturating_duration_since(ctx.start).as_secs(), late);
            if late {
                s.sent_late += 1;
            } else {
                s.sent_on_time += 1;
            }
        }
        let tried = run_pick(ctx, &lane.transport, &mut pick, &mut rng, Some(due)).await;
        if tried.nothing_sent {
            // The client could not even open a socket: nothing was sent, on time or not, so
            // this due request is part of the "not sent" backlog.
            let mut s = ctx.stats.borrow_mut();
            s.series.undispatched(late);
            if late {
                s.sent_late -= 1;
            } else {
                s.sent_on_time -= 1;
            }
        }
        if tried.failed.is_some() {
            // A failure that returned without waiting (a refused or impossible connect) must
            // not let this worker spin past the others on the thread.
            tokio::task::yield_now().await;
        }
    }
}

fn users_at(stages: &[UserStage], elapsed: Duration) -> (u32, Option<Duration>) {
    stages
        .iter()
        .find(|s| elapsed < s.until)
        .map_or((0, None), |s| (s.users, Some(s.until)))
}

async fn closed_user<O: Observer>(ctx: &ThreadCtx<O>, lane: &Lane, user: usize) {
    let LoadMode::Closed { stages, think_time } = &ctx.mode else {
        return;
    };
    let mut rng =
        SmallRng::seed_from_u64(ctx.shared.render.seed ^ 0x2545_f491_4f6c_dd1d ^ user as u64);
    let mut stop = ctx.stop.clone();
    let mut backoff = Backoff::default();
    let mut pick = Pick::new(ctx);
    // Every user starts at the common start instant, so the load phase's clock (elapsed time,
    // rates, the per-second series) covers all of its requests.
    tokio::select! {
        _ = tokio::time::sleep_until(ctx.start) => {}
        _ = stopped(&mut stop) => return,
    }
    loop {
        let now = Instant::now();
        if now >= ctx.end || *stop.borrow() {
            break;
        }
        let (active, stage_end) = users_at(stages, now.saturating_duration_since(ctx.start));
        if (user as u32) >= active {
            let Some(until) = stage_end else { break };
            tokio::select! {
                _ = tokio::time::sleep_until((ctx.start + until).min(ctx.end)) => continue,
                _ = stopped(&mut stop) => break,
            }
        }
        if let Some(max) = ctx.max_requests
            && ctx.shared.issued.fetch_add(1, Ordering::Relaxed) >= max
        {
            break;
        }
        let permit = match &lane.gate {
            Some(g) => match g.acquire().await {
                Ok(p) => Some(p),
                Err(_) => break,
            },
            None => None,
        };
        if !pick.draw(ctx, &mut rng) {
            break;
        }
        let failed = run_pick(ctx, &lane.transport, &mut pick, &mut rng, None)
            .await
            .failed;
        drop(permit);
        match failed {
            None => backoff.reset(),
            Some(ErrorKind::Connect | ErrorKind::Local) => {
                // Retrying at once would measure the client's retry speed, not the target.
                let wake = (Instant::now() + backoff.next_wait()).min(ctx.end);
                let waited = wake.saturating_duration_since(Instant::now());
                {
                    let mut s = ctx.stats.borrow_mut();
                    s.backoff.count += 1;
                    s.backoff.total += waited;
                }
                tokio::select! {
                    _ = tokio::time::sleep_until(wake) => {}
                    _ = stopped(&mut stop) => break,
                }
                continue;
            }
            // Any other failure still yields, so a failure that returns at once cannot spin.
            Some(_) => tokio::task::yield_now().await,
        }
        if let Some(think) = think_time {
            let wake = (Instant::now() + *think).min(ctx.end);
            tokio::select! {
                _ = tokio::time::sleep_until(wake) => {}
                _ = stopped(&mut stop) => break,
            }
        }
    }
}

/// What one request of a pick came to, for a flow.
enum Step {
    /// A response; the values its captures took, by slot.
    Responded(Vec<(usize, serde_json::Value)>),
    /// A response a capture could not take its value from.
    CaptureFailed { var: String, message: String },
    /// No response.
    Failed(ErrorKind, String),
}

impl Step {
    fn failed(&self) -> Option<ErrorKind> {
        match self {
            Step::Failed(kind, _) => Some(*kind),
            _ => None,
        }
    }
}

enum Outcome {
    Response {
        status: u16,
        bytes: u64,
        truncated: bool,
        verdict: Judgement,
        /// The expectations needed the body and it was longer than `max_body`.
        kept_cut: bool,
        /// What the request's captures took (`Ok(vec![])` when it has none).
        captured: Result<Vec<(usize, serde_json::Value)>, (String, String)>,
        /// The response as evidence: only on the first miss of this request on this thread.
        evidence: Option<Box<ResponseSample>>,
    },
    Failed(ErrorKind, String),
}

/// Send one request and record it. Latency runs from `due` (open loop) or from the send.
async fn execute<O: Observer>(
    ctx: &ThreadCtx<O>,
    transport: &Transport,
    which: usize,
    rng: &mut SmallRng,
    due: Option<Instant>,
    bind: Bindings<'_>,
) -> Step {
    let prepared = &ctx.requests[which];
    let method = prepared.method.as_str();
    let mut rctx = RenderCtx::new(&ctx.shared.render, rng).with(bind);
    let (url, outcome): (Cow<'_, str>, Outcome);
    let sent_at;
    match transport {
        Transport::H1(lane) => {
            let mut rendered_url = None;
            let mut wire = lane.take_wire();
            let req = prepared.h1_wire(&mut rctx, &mut rendered_url, &mut wire);
            sent_at = begin(ctx, which);
            url = match rendered_url {
                Some(u) => Cow::Owned(u),
                None => Cow::Borrowed(prepared.static_url().unwrap_or("")),
            };
            outcome = match req {
                Err(msg) => Outcome::Failed(ErrorKind::Request, msg),
                Ok(()) => h1_exchange(ctx, which, lane, &wire, method, &url, sent_at).await,
            };
            lane.put_wire(wire);
        }
        Transport::Reqwest(client) => {
            let rendered = prepared.render(&mut rctx);
            sent_at = begin(ctx, which);
            (url, outcome) = match rendered {
                Err(msg) => (Cow::Borrowed(""), Outcome::Failed(ErrorKind::Request, msg)),
                Ok(r) => {
                    let url = r.url.to_string();
                    let mut rb = client
                        .request(r.method, r.url)
                        .headers(r.headers)
                        .timeout(prepared.timeout);
                    if let Some(b) = r.body {
                        rb = rb.body(b);
                    }
                    let outcome = send_and_read(ctx, which, rb, method, &url, sent_at).await;
                    (Cow::Owned(url), outcome)
                }
            };
        }
    }
    let done = Instant::now();
    let latency = done.saturating_duration_since(due.unwrap_or(sent_at));
    let second = done.saturating_duration_since(ctx.start).as_secs();
    let mut s = ctx.stats.borrow_mut();
    s.in_flight[which] = s.in_flight[which].saturating_sub(1);
    let step;
    let (failed, measured, completion) = match outcome {
        Outcome::Response {
            status,
            bytes,
            truncated,
            verdict,
            kept_cut,
            captured,
            evidence,
        } => {
            step = match captured {
                Ok(values) => Step::Responded(values),
                Err((var, message)) => Step::CaptureFailed { var, message },
            };
            s.by_class[status_class(status)].record(latency);
            let r = &mut s.requests[which];
            r.responses += 1;
            r.hist.record(latency);
            *r.status.entry(status).or_default() += 1;
            r.bytes_received += bytes;
            r.body_truncated += u64::from(truncated);
            r.kept_bodies_truncated += u64::from(kept_cut);
            let failed = match verdict {
                Judgement::Met => false,
                // Neither met nor missed: not an error of the target (issue 12).
                Judgement::Unjudged(_) => {
                    r.expectation_unjudged += 1;
                    false
                }
                Judgement::Missed(misses) => {
                    r.expectation_failures += 1;
                    if r.expectation_sample.is_none() {
                        r.expectation_sample = Some(Sample {
                            message: super::expect::summary(&misses),
                            url: url.into_owned(),
                            method: method.to_string(),
                            status: Some(status),
                            response: evidence,
                        });
                    }
                    true
                }
            };
            let completion = Completion::Response {
                class: status_class(status),
                missed: failed,
            };
            (failed, Some(latency), completion)
        }
        Outcome::Failed(kind, message) => {
            let r = &mut s.requests[which];
            r.errors[kind.index()] += 1;
            r.error_samples.entry(kind).or_insert_with(|| Sample {
                message: message.clone(),
                url: url.into_owned(),
                method: method.to_string(),
                status: None,
                response: None,
            });
            step = Step::Failed(kind, message);
            (true, None, Completion::RequestError)
        }
    };
    s.series.record(second, measured, completion);
    drop(s);
    ctx.shared.live.completed.fetch_add(1, Ordering::Relaxed);
    if failed {
        ctx.shared.live.errors.fetch_add(1, Ordering::Relaxed);
    }
    step
}

/// Count a request as sent and in flight; returns the send instant.
fn begin<O>(ctx: &ThreadCtx<O>, which: usize) -> Instant {
    let sent_at = Instant::now();
    let mut s = ctx.stats.borrow_mut();
    s.in_flight[which] += 1;
    s.requests[which].sent += 1;
    s.series
        .sent(sent_at.saturating_duration_since(ctx.start).as_secs());
    sent_at
}

/// Whether the body must be kept (and up to how much) for this response: for the body rules
/// and captures, for the observer, or as the evidence of a response whose head already missed
/// (only while this request has no evidence yet).
fn body_keep<O: Observer>(
    ctx: &ThreadCtx<O>,
    which: usize,
    status: u16,
    headers: Headers<'_>,
) -> Option<usize> {
    let expect = &ctx.expectations[which];
    if let Some(keep) = expect.body_keep().max(ctx.units.capture_keep[which]) {
        Some(keep)
    } else if no_sample_yet(ctx, which) && expect.head_misses(status, headers) {
        Some(RESPONSE_SAMPLE_BODY)
    } else if ctx
        .observer
        .borrow()
        .as_ref()
        .is_some_and(|o| o.wants_body(ctx.source, status))
    {
        Some(OBSERVED_BODY_CAP)
    } else {
        None
    }
}

/// Whether request `which` has no miss on this thread yet: only then is a response kept as
/// evidence.
fn no_sample_yet<O>(ctx: &ThreadCtx<O>, which: usize) -> bool {
    ctx.stats.borrow().requests[which]
        .expectation_sample
        .is_none()
}

/// How far to read a body that keeps `keep` bytes: at least the drain cap, and past a larger
/// `max_body`, or a body the expectations need whole would be cut below the limit they asked for.
fn drain_cap(keep: Option<usize>) -> u64 {
    keep.map_or(BODY_DRAIN_CAP, |k| BODY_DRAIN_CAP.max(k as u64))
}

/// Judge a complete response, take its captures and show it to the observer; also says whether
/// the expectations needed the body and got only a prefix of it. A failed capture is a missed
/// expectation of the request too: the response lacked what the flow needs from it. On the first
/// miss of this request, the response is kept as evidence.
#[allow(clippy::too_many_arguments)]
fn conclude<O: Observer>(
    ctx: &ThreadCtx<O>,
    which: usize,
    status: u16,
    headers: Headers<'_>,
    body: &BodySink,
    method: &str,
    url: &str,
    sent_at: Instant,
) -> Concluded {
    let kept = body.kept();
    let expect = &ctx.expectations[which];
    let cut = body.kept_truncated();
    let seen = SeenBody::of(kept, cut);
    let mut verdict = expect.evaluate(status, headers, seen);
    let kept_cut = cut && expect.body_keep().is_some();
    let captures = &ctx.units.captures[which];
    let captured = if captures.is_empty() {
        Ok(Vec::new())
    } else {
        capture_all(captures, status, headers, seen)
    };
    if let (Err((_, why)), Judgement::Met) = (&captured, &verdict) {
        verdict = Judgement::Missed(vec![why.clone()]);
    }
    // The cold path: the response is copied only for the first miss of this request.
    let evidence = match &verdict {
        Judgement::Missed(misses) if no_sample_yet(ctx, which) => {
            Some(Box::new(response_sample(headers, kept, cut, misses)))
        }
        _ => None,
    };
    if let Some(observer) = ctx.observer.borrow_mut().as_mut() {
        observer.observe(&Observation {
            source: ctx.source,
            request: Some(&ctx.requests[which].name),
            method,
            url,
            sent: None,
            status,
            headers,
            body: kept,
            body_truncated: body.kept_truncated(),
            at: sent_at.saturating_duration_since(ctx.start),
            received: None,
        });
    }
    Concluded {
        verdict,
        kept_cut,
        captured,
        evidence,
    }
}

/// What [`conclude`] found.
struct Concluded {
    verdict: Judgement,
    kept_cut: bool,
    captured: Result<Vec<(usize, serde_json::Value)>, (String, String)>,
    evidence: Option<Box<ResponseSample>>,
}

/// One exchange on the lean HTTP/1.1 path, with the same caps and error kinds as
/// [`send_and_read`]. The response's header map is built only when something reads it: the
/// expectations' header or body rules (a body miss shows the headers as evidence), a capture, the
/// passive checks, or a status that misses and may become this request's evidence.
async fn h1_exchange<O: Observer>(
    ctx: &ThreadCtx<O>,
    which: usize,
    lane: &h1::Lane,
    wire: &[u8],
    method: &str,
    url: &str,
    sent_at: Instant,
) -> Outcome {
    let prepared = &ctx.requests[which];
    let expect = &ctx.expectations[which];
    let always = ctx.headers_always[which];
    let want_headers = |status| always || (!expect.status_ok(status) && no_sample_yet(ctx, which));
    let make_sink = |status, headers: Headers<'_>| {
        let keep = body_keep(ctx, which, status, headers);
        BodySink::new(keep, drain_cap(keep))
    };
    let m = h1::Method::of(&prepared.method);
    match lane
        .exchange(wire, prepared.timeout, m, want_headers, make_sink)
        .await
    {
        Err((kind, message)) => Outcome::Failed(kind, message),
        Ok(resp) => {
            let headers = resp.headers.as_ref().map_or(Headers::none(), Headers::Raw);
            let sink = &resp.sink;
            let c = conclude(ctx, which, resp.status, headers, sink, method, url, sent_at);
            Outcome::Response {
                status: resp.status,
                verdict: c.verdict,
                kept_cut: c.kept_cut,
                captured: c.captured,
                evidence: c.evidence,
                bytes: sink.bytes,
                truncated: sink.truncated,
            }
        }
    }
}

async fn send_and_read<O: Observer>(
    ctx: &ThreadCtx<O>,
    which: usize,
    rb: reqwest::RequestBuilder,
    method: &str,
    url: &str,
    sent_at: Instant,
) -> Outcome {
    let mut resp = match rb.send().await {
        Ok(r) => r,
        Err(e) => return Outcome::Failed(client::classify(&e), client::chain_text(&e)),
    };
    let status = resp.status().as_u16();
    if let Err((kind, message)) = client::check_status(status) {
        return Outcome::Failed(kind, message);
    }
    let keep = body_keep(ctx, which, status, Headers::Map(resp.headers()));
    let mut sink = BodySink::new(keep, drain_cap(keep));
    if let Err(e) = body::read_reqwest(&mut resp, &mut sink).await {
        // Failing mid-body: a timeout or a reset keeps its kind; anything else is a body-read
        // error (the status line and headers were fine).
        let kind = match client::classify(&e) {
            k @ (ErrorKind::Timeout | ErrorKind::Reset) => k,
            _ => ErrorKind::BodyRead,
        };
        return Outcome::Failed(kind, client::chain_text(&e));
    }
    let c = conclude(
        ctx,
        which,
        status,
        Headers::Map(resp.headers()),
        &sink,
        method,
        url,
        sent_at,
    );
    Outcome::Response {
        status,
        bytes: sink.bytes,
        truncated: sink.truncated,
        verdict: c.verdict,
        kept_cut: c.kept_cut,
        captured: c.captured,
        evidence: c.evidence,
    }
}
