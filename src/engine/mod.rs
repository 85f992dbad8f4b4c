//! The load engine: turns a `RunPlan` into an `Observed` value.
//!
//! Threading model: `threads` OS threads, each running a current-thread Tokio runtime that owns
//! its share of the connection lanes and workers. A worker never crosses threads, so the
//! per-request bookkeeping is an `Rc<RefCell<ThreadStats>>` with no lock and no atomic; the only
//! cross-thread traffic on the hot path is one `fetch_add` to claim the next open-loop index and
//! two relaxed counters for the progress display. Threads are merged once, at the end.
//!
//! Open loop: worker *k* repeatedly claims the next request index *i*, sleeps until its due time
//! `start + schedule.due(i)` (never before), sends, and records latency from the *due* time. A
//! worker that falls behind sends at once and is counted late; due requests never claimed before
//! the load phase ends are counted as not sent. Closed loop: each user sends, waits, thinks,
//! repeats, and latency is measured from the actual send.

pub mod body;
pub mod client;
pub mod expect;
pub mod h1;
pub mod request;
pub mod stats;

use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use rand::SeedableRng;
use rand::rngs::SmallRng;
use tokio::sync::{Semaphore, watch};
use tokio::time::Instant;

use crate::metrics::OpenLoopCounts;
use crate::metrics::series::{SecondAccumulator, SeriesAggregator};
use crate::observe::{Observation, Observer, Source};
use crate::plan::{LoadMode, RunPlan, UserStage};
use crate::printer::Progress;
use crate::scenario::Protocol;
use crate::signals::Phase;
use body::BodySink;
use client::ErrorKind;
use expect::CompiledExpectations;
use request::{Mix, PreparedRequest, RenderCtx, RenderShared};
use stats::{LATE_AFTER, Observed, RequestStats, Sample, ThreadStats, status_class};

/// Bodies are read (so keep-alive connections stay usable) up to this many bytes; past it the
/// response is dropped, which closes the connection, and the truncation is counted.
pub const BODY_DRAIN_CAP: u64 = 16 * 1024 * 1024;
/// Bodies needed by expectations are kept up to this size.
pub const BODY_KEEP_CAP: usize = 1024 * 1024;
/// Bodies an observer asked for are kept up to this size (judging an error body needs its
/// start, not megabytes of it).
pub const OBSERVED_BODY_CAP: usize = 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Prepare(#[from] request::PrepareError),
    #[error("invalid expectation: {0}")]
    Expectation(String),
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
    #[error("a worker thread failed: {0}")]
    Thread(String),
}

/// Counters the progress display reads while the run goes on.
#[derive(Debug, Default)]
pub struct Live {
    pub completed: AtomicU64,
    pub errors: AtomicU64,
}

/// State shared by every thread during one phase (warm-up or load).
struct Shared {
    /// Template state (`${seq}`, …) runs on across phases, so values stay unique.
    render: Arc<RenderShared>,
    /// Next open-loop index to claim.
    next_index: AtomicU64,
    /// Closed-loop requests issued so far (for the `requests` bound).
    issued: AtomicU64,
    live: Arc<Live>,
}

/// What one thread needs for one phase; built once per thread and phase, shared by its workers
/// through an `Rc`. The warm-up and the load phase each have their own stats, so nothing the
/// warm-up records can reach the load phase's figures; they share the thread's observer, which
/// tells their exchanges apart by [`Source`].
struct ThreadCtx<O> {
    requests: Arc<Vec<PreparedRequest>>,
    expectations: Arc<Vec<CompiledExpectations>>,
    mix: Mix,
    mode: LoadMode,
    /// Index bound for open loop: min(schedule total, max requests).
    open_limit: u64,
    max_requests: Option<u64>,
    shared: Arc<Shared>,
    start: Instant,
    end: Instant,
    hard_end: Instant,
    drain: Duration,
    stop: watch::Receiver<bool>,
    stats: RefCell<ThreadStats>,
    source: Source,
    /// The thread's observer (`None` only once the thread has handed it back).
    observer: Rc<RefCell<Option<O>>>,
}

struct Lane {
    transport: Transport,
    /// HTTP/1.1 lanes shared by several users carry one request at a time, so `connections`
    /// stays the number of connections; HTTP/2 lanes multiplex and need no gate.
    gate: Option<Rc<Semaphore>>,
}

/// How a lane sends: the lean HTTP/1.1 path for plain `http://` targets with `protocol = http1`,
/// reqwest for everything else (TLS, HTTP/2, h2c).
enum Transport {
    Reqwest(reqwest::Client),
    H1(h1::Lane),
}

/// A lane as built on the main thread; an HTTP/1.1 lane gets its connection slot on its worker
/// thread, because its connection task lives there.
enum LaneSpec {
    Reqwest(reqwest::Client),
    H1(h1::Target),
}

impl LaneSpec {
    fn into_transport(self) -> Transport {
        match self {
            LaneSpec::Reqwest(c) => Transport::Reqwest(c),
            LaneSpec::H1(t) => Transport::H1(h1::Lane::new(t)),
        }
    }
}

/// What each thread hands back.
struct ThreadResult<O> {
    /// The warm-up's per-request counts (no latency is kept from it).
    warmup: Option<Vec<RequestStats>>,
    observer: Option<O>,
    requests: Vec<RequestStats>,
    by_class: [crate::metrics::LatencyHistogram; 5],
    sent_on_time: u64,
    sent_late: u64,
}

/// Run the load phase against `base_url`. Each worker thread gets its own observer from
/// `observer` and shows it every response of the warm-up and of the load; the threads' observers
/// are merged into the one returned beside the measurements.
pub async fn run<O, F>(
    plan: &RunPlan,
    base_url: &str,
    stop: watch::Receiver<bool>,
    progress: &Progress,
    observer: F,
) -> Result<(Observed, O), EngineError>
where
    O: Observer + Send + 'static,
    F: Fn() -> O,
{
    let load = &plan.load;
    let requests: Vec<PreparedRequest> = plan
        .requests
        .iter()
        .map(|r| PreparedRequest::prepare(r, base_url, load.timeout))
        .collect::<Result<_, _>>()?;
    let expectations: Vec<CompiledExpectations> = plan
        .requests
        .iter()
        .map(|r| CompiledExpectations::compile(&r.expect).map_err(EngineError::Expectation))
        .collect::<Result<_, _>>()?;
    let max_timeout = requests
        .iter()
        .map(|r| r.timeout)
        .max()
        .unwrap_or(load.timeout);
    let mix = Mix::new(&plan.requests.iter().map(|r| r.weight).collect::<Vec<_>>());

    let workers = match &load.mode {
        LoadMode::Open(_) => load.connections as usize,
        LoadMode::Closed { .. } => load.mode.max_users() as usize,
    }
    .max(1);
    let lanes_total = match &load.mode {
        LoadMode::Open(_) => workers,
        LoadMode::Closed { .. } => (load.connections as usize).clamp(1, workers),
    };
    let threads = load.threads.clamp(1, workers);
    let https = base_url.starts_with("https:");
    let h1_target = (load.protocol == Protocol::Http1)
        .then(|| h1::Target::of(base_url))
        .flatten();
    let mut clients_per_thread: Vec<Vec<LaneSpec>> = (0..threads).map(|_| Vec::new()).collect();
    for l in 0..lanes_total {
        let lane = match &h1_target {
            Some(t) => LaneSpec::H1(t.clone()),
            None => LaneSpec::Reqwest(
                client::build(load.protocol, plan.insecure, https)
                    .map_err(|e| EngineError::Client(e.to_string()))?,
            ),
        };
        clients_per_thread[l % threads].push(lane);
    }

    let open_limit = match &load.mode {
        LoadMode::Open(s) => {
            let within = s.due_before(load.duration);
            load.max_requests.map_or(within, |m| m.min(within))
        }
        LoadMode::Closed { .. } => 0,
    };
    let live = Arc::new(Live::default());
    let render = Arc::new(RenderShared::default());
    let shared = Arc::new(Shared {
        render: render.clone(),
        next_index: AtomicU64::new(0),
        issued: AtomicU64::new(0),
        live: live.clone(),
    });
    // The warm-up's own counters: its requests are not progress of the measured load.
    let warm_shared = Arc::new(Shared {
        render,
        next_index: AtomicU64::new(0),
        issued: AtomicU64::new(0),
        live: Arc::new(Live::default()),
    });
    let requests = Arc::new(requests);
    let expectations = Arc::new(expectations);
    let (series_tx, series_rx) = std::sync::mpsc::channel();
    let mut aggregator = SeriesAggregator::new(threads, series_rx);

    // A short lead time so every thread is parked on its first due time before it arrives.
    let lead = Duration::from_millis(20);
    let warmup = load.warmup.as_ref().map(|w| {
        let limit = match &w.mode {
            LoadMode::Open(s) => s.due_before(w.duration),
            LoadMode::Closed { .. } => 0,
        };
        (w.clone(), Instant::now() + lead, limit)
    });
    // The load phase starts where the warm-up ends, on the same connections.
    let after_warmup = load.warmup.as_ref().map_or(Duration::ZERO, |w| w.duration);
    let start = Instant::now() + lead + after_warmup;
    let started_at = SystemTime::now() + lead + after_warmup;
    let end = start + load.duration;
    let hard_end = end + max_timeout + load.drain;
    let mut handles = Vec::with_capacity(threads);
    for (t, clients) in clients_per_thread.into_iter().enumerate() {
        let worker_ids: Vec<usize> = (t..workers).step_by(threads).collect();
        let series = SecondAccumulator::new(t, series_tx.clone());
        let (requests, expectations, mix, mode, shared, stop) = (
            requests.clone(),
            expectations.clone(),
            mix.clone(),
            load.mode.clone(),
            shared.clone(),
            stop.clone(),
        );
        let (warmup, warm_shared) = (warmup.clone(), warm_shared.clone());
        let (drain, max_requests, protocol) = (load.drain, load.max_requests, load.protocol);
        let n_requests = requests.len();
        let observer = observer();
        let handle = std::thread::Builder::new()
            .name(format!("loadproof-worker-{t}"))
            .spawn(move || -> Result<ThreadResult<O>, String> {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| format!("cannot start a worker runtime: {e}"))?;
                // The warm-up records into its own stats, with a series nobody reads: none of
                // it may reach a measured figure. Its exchanges reach the observer marked as
                // warm-up, and the observer decides what they are worth.
                let observer = Rc::new(RefCell::new(Some(observer)));
                let warm = warmup.map(|(w, warm_start, warm_limit)| {
                    let (unread, _) = std::sync::mpsc::channel();
                    Rc::new(ThreadCtx {
                        requests: requests.clone(),
                        expectations: expectations.clone(),
                        mix: mix.clone(),
                        mode: w.mode,
                        open_limit: warm_limit,
                        max_requests: None,
                        shared: warm_shared,
                        start: warm_start,
                        end: warm_start + w.duration,
                        hard_end,
                        drain,
                        stop: stop.clone(),
                        stats: RefCell::new(ThreadStats::new(
                            n_requests,
                            SecondAccumulator::new(t, unread),
                        )),
                        source: Source::Warmup,
                        observer: observer.clone(),
                    })
                });
                let ctx = Rc::new(ThreadCtx {
                    requests,
                    expectations,
                    mix,
                    mode,
                    open_limit,
                    max_requests,
                    shared,
                    start,
                    end,
                    hard_end,
                    drain,
                    stop,
                    stats: RefCell::new(ThreadStats::new(n_requests, series)),
                    source: Source::Load,
                    observer,
                });
                let local = tokio::task::LocalSet::new();
                Ok(local.block_on(&rt, thread_main(warm, ctx, clients, worker_ids, protocol)))
            })
            .map_err(|e| EngineError::Thread(e.to_string()))?;
        handles.push(handle);
    }
    drop(series_tx);

    // Remember when a stop was requested: the open-loop "due" count ends there.
    let mut stop_watch = stop.clone();
    let stop_at = Arc::new(std::sync::Mutex::new(None::<Instant>));
    let stop_at_w = stop_at.clone();
    let stop_task = tokio::spawn(async move {
        if stop_watch.wait_for(|s| *s).await.is_ok() {
            // A poisoned lock only means another writer panicked; the value is still usable.
            *stop_at_w.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
        }
    });

    let joined = tokio::task::spawn_blocking(move || {
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .map_err(|_| "a worker thread panicked".to_string())
                    .and_then(|r| r)
            })
            .collect::<Result<Vec<_>, String>>()
    });
    tokio::pin!(joined);
    let mut results = loop {
        tokio::select! {
            r = &mut joined => break r.map_err(|e| EngineError::Thread(e.to_string()))?.map_err(EngineError::Thread)?,
            _ = tokio::time::sleep(Duration::from_millis(250)) => {
                aggregator.poll();
                let elapsed = Instant::now().saturating_duration_since(start);
                progress.update(
                    elapsed,
                    live.completed.load(Ordering::Relaxed),
                    live.errors.load(Ordering::Relaxed),
                    aggregator.latest().map(|p| p.p99_ms),
                );
            }
        }
    };
    stop_task.abort();
    let finished = Instant::now();
    let stopped_at = *stop_at.lock().unwrap_or_else(|p| p.into_inner());
    let interrupted = match stopped_at {
        Some(t) if t < start => Some(Phase::Warmup),
        Some(_) => Some(Phase::Load),
        // A stop the watcher missed (sent before it started) still counts.
        None if *stop.borrow() => Some(if load.warmup.is_some() {
            Phase::Warmup
        } else {
            Phase::Load
        }),
        None => None,
    };
    let warmup_counts = load.warmup.as_ref().map(|_| {
        let mut all = RequestStats::default();
        for r in &results {
            for s in r.warmup.iter().flatten() {
                all.merge(s);
            }
        }
        all
    });

    let mut merged = vec![RequestStats::default(); requests.len()];
    let mut by_class: [crate::metrics::LatencyHistogram; 5] = Default::default();
    let (mut on_time, mut late) = (0, 0);
    let mut observers = results.iter_mut().map(|r| r.observer.take());
    let mut observer = observers.next().flatten().unwrap_or_else(&observer);
    for o in observers.flatten() {
        observer.merge(o);
    }
    for r in &results {
        for (m, s) in merged.iter_mut().zip(&r.requests) {
            m.merge(s);
        }
        for (m, h) in by_class.iter_mut().zip(&r.by_class) {
            m.merge(h);
        }
        on_time += r.sent_on_time;
        late += r.sent_late;
    }
    let open_loop = match &load.mode {
        LoadMode::Open(s) => {
            let cutoff = stopped_at.map_or(load.duration, |t| {
                t.saturating_duration_since(start).min(load.duration)
            });
            let due = s.due_before(cutoff).min(open_limit);
            let sent = on_time + late;
            Some(OpenLoopCounts {
                due: due.max(sent),
                sent_on_time: on_time,
                sent_late: late,
                not_sent: due.saturating_sub(sent),
            })
        }
        LoadMode::Closed { .. } => None,
    };
    let observed = Observed {
        base_url: base_url.to_string(),
        started_at,
        elapsed: finished.saturating_duration_since(start),
        interrupted,
        warmup: warmup_counts,
        requests: merged,
        by_class,
        open_loop,
        series: aggregator.finish_all(),
    };
    Ok((observed, observer))
}

async fn thread_main<O: Observer + 'static>(
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
            ticker_ctx.stats.borrow_mut().series.advance(second);
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
    tokio::select! {
        _ = all_done => {}
        _ = stopped_then_drained => {}
        _ = tokio::time::sleep_until(ctx.hard_end) => {}
    }
    set.abort_all();
    ticker.abort();

    // Requests still in flight were abandoned: they count as cancelled, not as lost.
    for phase in phases.iter() {
        let mut stats = phase.stats.borrow_mut();
        let in_flight = std::mem::take(&mut stats.in_flight);
        for (r, n) in stats.requests.iter_mut().zip(in_flight) {
            r.errors[ErrorKind::Cancelled.index()] += n;
        }
    }
    let warmup = warm.map(|w| std::mem::take(&mut w.stats.borrow_mut().requests));
    let mut stats = ctx.stats.borrow_mut();
    stats.series.flush();
    let observer = ctx.observer.borrow_mut().take();
    ThreadResult {
        warmup,
        observer,
        requests: std::mem::take(&mut stats.requests),
        by_class: std::mem::take(&mut stats.by_class),
        sent_on_time: stats.sent_on_time,
        sent_late: stats.sent_late,
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
    let mut rng = SmallRng::seed_from_u64(0x9e37_79b9_7f4a_7c15 ^ id as u64);
    let mut stop = ctx.stop.clone();
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
                _ = tokio::time::sleep_until(due) => {}
                _ = stopped(&mut stop) => break,
            }
        }
        let now = Instant::now();
        if now >= ctx.end {
            // The load phase is over: this due request is part of the backlog, not sent.
            break;
        }
        {
            let mut s = ctx.stats.borrow_mut();
            if now.saturating_duration_since(due) > LATE_AFTER {
                s.sent_late += 1;
            } else {
                s.sent_on_time += 1;
            }
        }
        let which = ctx.mix.pick(&mut rng);
        execute(ctx, &lane.transport, which, &mut rng, Some(due)).await;
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
    let mut rng = SmallRng::seed_from_u64(0x2545_f491_4f6c_dd1d ^ user as u64);
    let mut stop = ctx.stop.clone();
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
        let which = ctx.mix.pick(&mut rng);
        execute(ctx, &lane.transport, which, &mut rng, None).await;
        drop(permit);
        if let Some(think) = think_time {
            let wake = (Instant::now() + *think).min(ctx.end);
            tokio::select! {
                _ = tokio::time::sleep_until(wake) => {}
                _ = stopped(&mut stop) => break,
            }
        }
    }
}

enum Outcome {
    Response {
        status: u16,
        bytes: u64,
        truncated: bool,
        verdict: Result<(), String>,
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
) {
    let prepared = &ctx.requests[which];
    let method = prepared.method.as_str();
    let mut rctx = RenderCtx::new(&ctx.shared.render, rng);
    let (url, outcome): (Cow<'_, str>, Outcome);
    let sent_at;
    match transport {
        Transport::H1(lane) => {
            let mut rendered_url = None;
            let req = prepared.h1_request(&mut rctx, &mut rendered_url);
            sent_at = begin(ctx, which);
            url = match rendered_url {
                Some(u) => Cow::Owned(u),
                None => Cow::Borrowed(prepared.static_url().unwrap_or("")),
            };
            outcome = match req {
                Err(msg) => Outcome::Failed(ErrorKind::Request, msg),
                Ok(req) => h1_exchange(ctx, which, lane, req, method, &url, sent_at).await,
            };
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
    let (failed, measured) = match outcome {
        Outcome::Response {
            status,
            bytes,
            truncated,
            verdict,
        } => {
            s.by_class[status_class(status)].record(latency);
            let r = &mut s.requests[which];
            r.responses += 1;
            r.hist.record(latency);
            *r.status.entry(status).or_default() += 1;
            r.bytes_received += bytes;
            r.body_truncated += u64::from(truncated);
            let failed = match verdict {
                Ok(()) => false,
                Err(message) => {
                    r.expectation_failures += 1;
                    if r.expectation_sample.is_none() {
                        r.expectation_sample = Some(Sample {
                            message,
                            url: url.into_owned(),
                            method: method.to_string(),
                            status: Some(status),
                        });
                    }
                    true
                }
            };
            (failed, Some(latency))
        }
        Outcome::Failed(kind, message) => {
            let r = &mut s.requests[which];
            r.errors[kind.index()] += 1;
            r.error_samples.entry(kind).or_insert_with(|| Sample {
                message,
                url: url.into_owned(),
                method: method.to_string(),
                status: None,
            });
            (true, None)
        }
    };
    s.series.record(second, measured, failed);
    drop(s);
    ctx.shared.live.completed.fetch_add(1, Ordering::Relaxed);
    if failed {
        ctx.shared.live.errors.fetch_add(1, Ordering::Relaxed);
    }
}

/// Count a request as sent and in flight; returns the send instant.
fn begin<O>(ctx: &ThreadCtx<O>, which: usize) -> Instant {
    let sent_at = Instant::now();
    let mut s = ctx.stats.borrow_mut();
    s.in_flight[which] += 1;
    s.requests[which].sent += 1;
    sent_at
}

/// Whether the body must be kept (and up to how much) for this response.
fn body_keep<O: Observer>(
    ctx: &ThreadCtx<O>,
    expect: &CompiledExpectations,
    status: u16,
) -> Option<usize> {
    if expect.needs_body() {
        Some(BODY_KEEP_CAP)
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

/// Judge a complete response and show it to the observer.
#[allow(clippy::too_many_arguments)]
fn conclude<O: Observer>(
    ctx: &ThreadCtx<O>,
    which: usize,
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: &BodySink,
    method: &str,
    url: &str,
    sent_at: Instant,
) -> Result<(), String> {
    let kept = body.kept();
    let verdict = ctx.expectations[which].evaluate(status, headers, kept);
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
        });
    }
    verdict
}

/// One exchange on the lean HTTP/1.1 path: send, read the body under the request's timeout, with
/// the same caps and error kinds as [`send_and_read`].
async fn h1_exchange<O: Observer>(
    ctx: &ThreadCtx<O>,
    which: usize,
    lane: &h1::Lane,
    req: hyper::Request<h1::Body>,
    method: &str,
    url: &str,
    sent_at: Instant,
) -> Outcome {
    let timeout = ctx.requests[which].timeout;
    let exchange = async {
        let (resp, conn) = match lane.send(req).await {
            Ok(x) => x,
            Err((kind, message)) => return Err(Outcome::Failed(kind, message)),
        };
        let (head, mut body) = resp.into_parts();
        let status = head.status.as_u16();
        let keep = body_keep(ctx, &ctx.expectations[which], status);
        let mut sink = BodySink::new(keep, BODY_DRAIN_CAP);
        if let Err(e) = body::read_hyper(&mut body, &mut sink).await {
            let kind = match h1::classify(&e) {
                k @ (ErrorKind::Timeout | ErrorKind::Reset) => k,
                _ => ErrorKind::BodyRead,
            };
            return Err(Outcome::Failed(kind, client::chain_text(&e)));
        }
        drop(body);
        // A truncated body leaves the connection mid-response: dropping it closes it.
        if !sink.truncated {
            lane.put_back(conn);
        }
        Ok((status, head.headers, sink))
    };
    match tokio::time::timeout(timeout, exchange).await {
        Err(_) => Outcome::Failed(
            ErrorKind::Timeout,
            format!("no complete response within {timeout:?}"),
        ),
        Ok(Err(failed)) => failed,
        Ok(Ok((status, headers, sink))) => Outcome::Response {
            status,
            verdict: conclude(ctx, which, status, &headers, &sink, method, url, sent_at),
            bytes: sink.bytes,
            truncated: sink.truncated,
        },
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
    let keep = body_keep(ctx, &ctx.expectations[which], status);
    let mut sink = BodySink::new(keep, BODY_DRAIN_CAP);
    if let Err(e) = body::read_reqwest(&mut resp, &mut sink).await {
        // Failing mid-body: a timeout or a reset keeps its kind; anything else is a body-read
        // error (the status line and headers were fine).
        let kind = match client::classify(&e) {
            k @ (ErrorKind::Timeout | ErrorKind::Reset) => k,
            _ => ErrorKind::BodyRead,
        };
        return Outcome::Failed(kind, client::chain_text(&e));
    }
    let verdict = conclude(
        ctx,
        which,
        status,
        resp.headers(),
        &sink,
        method,
        url,
        sent_at,
    );
    Outcome::Response {
        status,
        bytes: sink.bytes,
        truncated: sink.truncated,
        verdict,
    }
}
