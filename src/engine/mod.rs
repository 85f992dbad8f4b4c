//! The load engine: turns a `RunPlan` into an `Observed` value, showing every response to an
//! [`Observer`] it knows only by that trait.
//!
//! This file is the orchestration, and [`run`] reads as its steps: prepare the requests, shape
//! the load into workers, lanes and threads, set the clock, start the threads, join them while
//! drawing progress, merge. `worker.rs` is what runs on each thread (the worker loops and one
//! exchange); `body.rs` reads bodies; `stats.rs` is a thread's bookkeeping.
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

mod backoff;
pub mod body;
pub mod client;
pub mod expect;
pub mod fds;
pub mod feed;
pub mod flow;
pub mod h1;
pub mod precise;
mod prepared;
pub mod request;
pub mod stats;
mod worker;

use prepared::{Prepared, Units};

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use tokio::sync::{Semaphore, watch};
use tokio::time::Instant;

use crate::metrics::OpenLoopCounts;
use crate::metrics::series::{self, SecondAccumulator, SeriesAggregator};
use crate::metrics::stats::{PhaseEnd, load_phase_length};
use crate::observe::{Observer, Source};
use crate::plan::{LoadMode, RunPlan};
use crate::printer::{Progress, Snapshot, Stage};
use crate::scenario::Protocol;
use crate::signals::Phase;
use expect::CompiledExpectations;
use request::{Mix, PreparedRequest, RenderShared};
use stats::{Observed, RequestStats, ThreadStats};
use worker::thread_main;

/// Bodies are read (so keep-alive connections stay usable) up to this many bytes, or a larger
/// `max_body`; past it the response is dropped, which closes the connection, and the truncation
/// is counted. (Bodies the expectations need are kept up to the request's `max_body`, default
/// [`crate::size::DEFAULT_MAX_BODY`].)
pub const BODY_DRAIN_CAP: u64 = 16 * 1024 * 1024;
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
    units: Arc<Units>,
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
    /// Per request: whether every response's header fields are kept (header or body
    /// expectations, captures, a passive part). Fixed for the run, so decided once per thread.
    headers_always: Rc<[bool]>,
    /// `--metrics-listen`: where the thread's ticker copies the load phase's figures.
    slot: Option<crate::live_metrics::Slot>,
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
    send_delay: crate::metrics::LatencyHistogram,
    backoff: stats::BackoffCounts,
    flows: Vec<flow::FlowStats>,
    picks: u64,
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
    live: Option<&Arc<crate::live_metrics::Board>>,
) -> Result<(Observed, O), EngineError>
where
    O: Observer + Send + 'static,
    F: Fn() -> O,
{
    let load = &plan.load;
    let prepared = Prepared::new(plan, base_url)?;
    let shape = Shape::of(load);
    let lanes = build_lanes(plan, base_url, &shape)?;
    let clock = Clock::new(load);
    if let Some(board) = live {
        publish_clock(board, load, &clock, shape.open_limit);
    }
    let slots: Vec<_> = (0..shape.threads).map(|_| live.map(|b| b.slot())).collect();
    let live_board = live;
    let live = Arc::new(Live::default());
    let warm_live = Arc::new(Live::default());
    let (series_tx, series_rx) = std::sync::mpsc::channel();
    let mut aggregator = SeriesAggregator::new(shape.threads, series_rx);
    let threads = ThreadPlan {
        load,
        prepared: &prepared,
        shape: &shape,
        clock: &clock,
        live: &live,
        warm_live: &warm_live,
        stop: &stop,
        segment: plan.segment,
    };
    let handles = threads.spawn(lanes, slots, series_tx, &observer)?;
    let stop_watch = StopWatch::start(stop.clone());
    let lives = PhaseLives {
        warm: &warm_live,
        load: &live,
    };
    let results = join_with_progress(handles, &mut aggregator, lives, progress, &clock).await?;
    let finished = Instant::now();
    let stopped_at = stop_watch.finish();
    let interrupted = interrupted_phase(stopped_at, &stop, &clock);
    let merged = Merged::of(results, prepared.requests.len(), observer);
    let open_loop = open_loop_counts(load, &clock, stopped_at, &merged);
    if let Some(board) = live_board {
        board.load_ended(open_loop.map(|o| o.due));
    }
    let seconds = aggregator.finish_all();
    let series = match &load.mode {
        LoadMode::Open(schedule) => {
            let (cutoff, open_limit) = (due_cutoff(load, &clock, stopped_at), shape.open_limit);
            let due_before = |second: u64| {
                schedule
                    .due_before(Duration::from_secs(second).min(cutoff))
                    .min(open_limit)
            };
            series::points(&seconds, Some(&due_before))
        }
        LoadMode::Closed { .. } => series::points(&seconds, None),
    };
    let elapsed = finished.saturating_duration_since(clock.start);
    let end = phase_end(
        load,
        &clock,
        interrupted.map(|_| stopped_at.unwrap_or(finished)),
        &merged,
        prepared.units.feeders.iter().any(|f| f.exhausted()),
    );
    let observed = Observed {
        base_url: base_url.to_string(),
        started_at: clock.started_at,
        elapsed,
        load_phase: load_phase_length(load.duration, end, elapsed),
        interrupted,
        warmup: load.warmup.as_ref().map(|_| merged.warmup),
        requests: merged.requests,
        by_class: merged.by_class,
        send_delay: open_loop.map(|_| merged.send_delay),
        open_loop,
        backoff: matches!(load.mode, LoadMode::Closed { .. }).then_some(merged.backoff),
        series,
        flows: merged.flows,
        data: prepared
            .units
            .feeders
            .iter()
            .map(|f| crate::metrics::stats::DataUse {
                name: f.name.clone(),
                order: f.order.as_str(),
                rows: f.rows(),
                used: f.used(),
                exhausted: f.exhausted(),
            })
            .collect(),
    };
    Ok((observed, merged.observer))
}

/// How the load is spread: workers (open-loop connections or closed-loop users), connection
/// lanes, and threads.
struct Shape {
    workers: usize,
    lanes: usize,
    threads: usize,
    /// Index bound for open loop: min(schedule total, max requests).
    open_limit: u64,
}

impl Shape {
    fn of(load: &crate::plan::LoadPlan) -> Shape {
        let workers = match &load.mode {
            LoadMode::Open(_) => load.connections as usize,
            LoadMode::Closed { .. } => load.mode.max_users() as usize,
        }
        .max(1);
        let lanes = match &load.mode {
            LoadMode::Open(_) => workers,
            LoadMode::Closed { .. } => (load.connections as usize).clamp(1, workers),
        };
        let open_limit = match &load.mode {
            LoadMode::Open(s) => {
                let within = s.due_before(load.duration);
                load.max_requests.map_or(within, |m| m.min(within))
            }
            LoadMode::Closed { .. } => 0,
        };
        Shape {
            workers,
            lanes,
            threads: load.threads.clamp(1, workers),
            open_limit,
        }
    }
}

/// The lanes of each thread, dealt round-robin.
fn build_lanes(
    plan: &RunPlan,
    base_url: &str,
    shape: &Shape,
) -> Result<Vec<Vec<LaneSpec>>, EngineError> {
    let load = &plan.load;
    let https = base_url.starts_with("https:");
    let h1_target = (load.protocol == Protocol::Http1)
        .then(|| h1::Target::of(base_url))
        .flatten();
    let mut per_thread: Vec<Vec<LaneSpec>> = (0..shape.threads).map(|_| Vec::new()).collect();
    for l in 0..shape.lanes {
        let lane = match &h1_target {
            Some(t) => LaneSpec::H1(t.clone()),
            None => LaneSpec::Reqwest(
                client::build(load.protocol, plan.insecure, https)
                    .map_err(|e| EngineError::Client(e.to_string()))?,
            ),
        };
        per_thread[l % shape.threads].push(lane);
    }
    Ok(per_thread)
}

/// When each phase starts and ends.
struct Clock {
    /// The warm-up: its plan, start and open-loop index bound.
    warmup: Option<(crate::plan::Warmup, Instant, u64)>,
    /// The load phase starts where the warm-up ends, on the same connections.
    start: Instant,
    started_at: SystemTime,
    end: Instant,
    /// No request may be in flight past this: the end and the drain. The request timeout has
    /// no say here: a long one must not make the run outlive its plan.
    hard_end: Instant,
}

impl Clock {
    fn new(load: &crate::plan::LoadPlan) -> Clock {
        // A short lead time so every thread is parked on its first due time before it arrives.
        let lead = Duration::from_millis(20);
        let warmup = load.warmup.as_ref().map(|w| {
            let limit = match &w.mode {
                LoadMode::Open(s) => s.due_before(w.duration),
                LoadMode::Closed { .. } => 0,
            };
            (w.clone(), Instant::now() + lead, limit)
        });
        let after_warmup = load.warmup.as_ref().map_or(Duration::ZERO, |w| w.duration);
        let start = Instant::now() + lead + after_warmup;
        let end = start + load.duration;
        Clock {
            warmup,
            start,
            started_at: SystemTime::now() + lead + after_warmup,
            end,
            hard_end: end + load.drain,
        }
    }
}

/// What every worker thread is started from.
struct ThreadPlan<'a> {
    load: &'a crate::plan::LoadPlan,
    prepared: &'a Prepared,
    shape: &'a Shape,
    clock: &'a Clock,
    live: &'a Arc<Live>,
    /// The warm-up's own counters: its requests are not progress of the measured load.
    warm_live: &'a Arc<Live>,
    stop: &'a watch::Receiver<bool>,
    segment: crate::plan::Segment,
}

type ThreadHandle<O> = std::thread::JoinHandle<Result<ThreadResult<O>, String>>;

impl ThreadPlan<'_> {
    /// Start one OS thread per lane group, each with a current-thread runtime that runs the
    /// warm-up (if any) and then the load on the same lanes.
    fn spawn<O, F>(
        &self,
        lanes: Vec<Vec<LaneSpec>>,
        slots: Vec<Option<crate::live_metrics::Slot>>,
        series_tx: std::sync::mpsc::Sender<crate::metrics::series::SecondFlush>,
        observer: &F,
    ) -> Result<Vec<ThreadHandle<O>>, EngineError>
    where
        O: Observer + Send + 'static,
        F: Fn() -> O,
    {
        let (load, prepared, clock) = (self.load, self.prepared, self.clock);
        let render = Arc::new(RenderShared::for_segment(self.segment));
        let shared = Arc::new(Shared {
            render: render.clone(),
            next_index: AtomicU64::new(0),
            issued: AtomicU64::new(0),
            live: self.live.clone(),
        });
        let warm_shared = Arc::new(Shared {
            render,
            next_index: AtomicU64::new(0),
            issued: AtomicU64::new(0),
            live: self.warm_live.clone(),
        });
        let mut handles = Vec::with_capacity(self.shape.threads);
        for ((t, clients), slot) in lanes.into_iter().enumerate().zip(slots) {
            let worker_ids: Vec<usize> = (t..self.shape.workers)
                .step_by(self.shape.threads)
                .collect();
            let series = SecondAccumulator::new(t, series_tx.clone());
            let units = prepared.units.clone();
            let n_flows = units.flows.len();
            let (requests, expectations, mix, mode, shared, stop) = (
                prepared.requests.clone(),
                prepared.expectations.clone(),
                prepared.mix.clone(),
                load.mode.clone(),
                shared.clone(),
                self.stop.clone(),
            );
            let (warmup, warm_shared) = (clock.warmup.clone(), warm_shared.clone());
            let (drain, max_requests, protocol) = (load.drain, load.max_requests, load.protocol);
            let (open_limit, start, end, hard_end) = (
                self.shape.open_limit,
                clock.start,
                clock.end,
                clock.hard_end,
            );
            let n_requests = requests.len();
            let observer = observer();
            let handle = std::thread::Builder::new()
                .name(format!("loadproof-worker-{t}"))
                .spawn(move || -> Result<ThreadResult<O>, String> {
                    precise::tighten_thread_timer_slack();
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .map_err(|e| format!("cannot start a worker runtime: {e}"))?;
                    // The warm-up records into its own stats, with a series nobody reads: none
                    // of it may reach a measured figure. Its exchanges reach the observer marked
                    // as warm-up, and the observer decides what they are worth.
                    let headers_always: Rc<[bool]> = (0..n_requests)
                        .map(|i| {
                            expectations[i].reads_more_than_status()
                                || !units.captures[i].is_empty()
                                || !observer.is_idle()
                        })
                        .collect();
                    let observer = Rc::new(RefCell::new(Some(observer)));
                    let warm = warmup.map(|(w, warm_start, warm_limit)| {
                        let (unread, _) = std::sync::mpsc::channel();
                        Rc::new(ThreadCtx {
                            requests: requests.clone(),
                            expectations: expectations.clone(),
                            mix: mix.clone(),
                            units: units.clone(),
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
                                n_flows,
                                SecondAccumulator::new(t, unread),
                            )),
                            source: Source::Warmup,
                            observer: observer.clone(),
                            headers_always: headers_always.clone(),
                            slot: None,
                        })
                    });
                    let ctx = Rc::new(ThreadCtx {
                        requests,
                        expectations,
                        mix,
                        units,
                        mode,
                        open_limit,
                        max_requests,
                        shared,
                        start,
                        end,
                        hard_end,
                        drain,
                        stop,
                        stats: RefCell::new(ThreadStats::new(n_requests, n_flows, series)),
                        source: Source::Load,
                        observer,
                        headers_always,
                        slot,
                    });
                    let local = tokio::task::LocalSet::new();
                    Ok(local.block_on(&rt, thread_main(warm, ctx, clients, worker_ids, protocol)))
                })
                .map_err(|e| EngineError::Thread(e.to_string()))?;
            handles.push(handle);
        }
        Ok(handles)
    }
}

/// `--metrics-listen`: tell the board when the load phase starts and, in open loop, how many
/// requests are due at each instant (bounded as the report's due count is).
fn publish_clock(
    board: &crate::live_metrics::Board,
    load: &crate::plan::LoadPlan,
    clock: &Clock,
    open_limit: u64,
) {
    board.load_starts_at(clock.start.into_std(), clock.warmup.is_some());
    if let LoadMode::Open(schedule) = &load.mode {
        let (schedule, duration) = (schedule.clone(), load.duration);
        let due = move |t: Duration| schedule.due_before(t.min(duration)).min(open_limit);
        board.open_loop(clock.start.into_std(), Box::new(due));
    }
}

/// Remembers when a stop was requested: the open-loop "due" count ends there.
struct StopWatch {
    at: Arc<std::sync::Mutex<Option<Instant>>>,
    task: tokio::task::JoinHandle<()>,
}

impl StopWatch {
    fn start(mut stop: watch::Receiver<bool>) -> StopWatch {
        let at = Arc::new(std::sync::Mutex::new(None::<Instant>));
        let writer = at.clone();
        let task = tokio::spawn(async move {
            if stop.wait_for(|s| *s).await.is_ok() {
                // A poisoned lock only means another writer panicked; the value is still usable.
                *writer.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
            }
        });
        StopWatch { at, task }
    }

    fn finish(self) -> Option<Instant> {
        self.task.abort();
        *self.at.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The progress counters of the warm-up and of the load phase.
#[derive(Clone, Copy)]
struct PhaseLives<'a> {
    warm: &'a Live,
    load: &'a Live,
}

impl PhaseLives<'_> {
    /// Where the run stands at `now`: the warm-up until the load phase starts, then the load.
    fn snapshot(&self, clock: &Clock, now: Instant, aggregator: &SeriesAggregator) -> Snapshot {
        match &clock.warmup {
            Some((w, warm_start, _)) if now < clock.start => Snapshot {
                stage: Stage::Warmup,
                elapsed: now.saturating_duration_since(*warm_start),
                planned: w.duration,
                completed: self.warm.completed.load(Ordering::Relaxed),
                errors: self.warm.errors.load(Ordering::Relaxed),
                p99_ms: None,
            },
            _ => Snapshot {
                stage: Stage::Load,
                elapsed: now.saturating_duration_since(clock.start),
                planned: clock.end.saturating_duration_since(clock.start),
                completed: self.load.completed.load(Ordering::Relaxed),
                errors: self.load.errors.load(Ordering::Relaxed),
                p99_ms: aggregator.latest().map(|p| p.p99_ms),
            },
        }
    }
}

/// Wait for every thread off the async workers, drawing the progress meanwhile.
async fn join_with_progress<O: Send + 'static>(
    handles: Vec<ThreadHandle<O>>,
    aggregator: &mut SeriesAggregator,
    lives: PhaseLives<'_>,
    progress: &Progress,
    clock: &Clock,
) -> Result<Vec<ThreadResult<O>>, EngineError> {
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
    loop {
        tokio::select! {
            r = &mut joined => {
                // The final figures, so the display's last word on the phase is its end.
                aggregator.poll();
                progress.update(lives.snapshot(clock, Instant::now(), aggregator));
                return r
                    .map_err(|e| EngineError::Thread(e.to_string()))?
                    .map_err(EngineError::Thread);
            }
            _ = tokio::time::sleep(Duration::from_millis(250)) => {
                aggregator.poll();
                progress.update(lives.snapshot(clock, Instant::now(), aggregator));
            }
        }
    }
}

/// The phase a stop arrived in, if one did.
fn interrupted_phase(
    stopped_at: Option<Instant>,
    stop: &watch::Receiver<bool>,
    clock: &Clock,
) -> Option<Phase> {
    match stopped_at {
        Some(t) if t < clock.start => Some(Phase::Warmup),
        Some(_) => Some(Phase::Load),
        // A stop the watcher missed (sent before it started) still counts.
        None if *stop.borrow() => Some(if clock.warmup.is_some() {
            Phase::Warmup
        } else {
            Phase::Load
        }),
        None => None,
    }
}

/// Every thread's figures and observer, merged.
struct Merged<O> {
    warmup: RequestStats,
    requests: Vec<RequestStats>,
    by_class: [crate::metrics::LatencyHistogram; 5],
    sent_on_time: u64,
    sent_late: u64,
    send_delay: crate::metrics::LatencyHistogram,
    backoff: stats::BackoffCounts,
    flows: Vec<flow::FlowStats>,
    /// Picks of the mix (a flow iteration counts once): what `requests = N` bounds.
    picks: u64,
    observer: O,
}

impl<O: Observer> Merged<O> {
    fn of(mut results: Vec<ThreadResult<O>>, n_requests: usize, fresh: impl Fn() -> O) -> Self {
        let mut observers = results.iter_mut().map(|r| r.observer.take());
        let mut observer = observers.next().flatten().unwrap_or_else(&fresh);
        for o in observers.flatten() {
            observer.merge(o);
        }
        let mut m = Merged {
            warmup: RequestStats::default(),
            requests: vec![RequestStats::default(); n_requests],
            by_class: Default::default(),
            sent_on_time: 0,
            sent_late: 0,
            send_delay: Default::default(),
            backoff: stats::BackoffCounts::default(),
            flows: Vec::new(),
            picks: 0,
            observer,
        };
        for r in &results {
            for s in r.warmup.iter().flatten() {
                m.warmup.merge(s);
            }
            for (into, s) in m.requests.iter_mut().zip(&r.requests) {
                into.merge(s);
            }
            for (into, h) in m.by_class.iter_mut().zip(&r.by_class) {
                into.merge(h);
            }
            m.sent_on_time += r.sent_on_time;
            m.sent_late += r.sent_late;
            m.send_delay.merge(&r.send_delay);
            m.backoff.count += r.backoff.count;
            m.backoff.total += r.backoff.total;
            m.picks += r.picks;
            m.flows
                .resize_with(r.flows.len().max(m.flows.len()), Default::default);
            for (into, f) in m.flows.iter_mut().zip(&r.flows) {
                into.merge(f);
            }
        }
        m
    }
}

/// How the load phase ended: stopped (at `stopped`, relative to its start), at its request
/// bound, or at its planned end.
fn phase_end<O>(
    load: &crate::plan::LoadPlan,
    clock: &Clock,
    stopped: Option<Instant>,
    merged: &Merged<O>,
    data_ran_out: bool,
) -> PhaseEnd {
    match (stopped, load.max_requests) {
        (Some(t), _) => PhaseEnd::Stopped(t.saturating_duration_since(clock.start)),
        (None, Some(max)) if merged.picks >= max => PhaseEnd::RequestBound,
        // A unique feeder that ran out ended the phase before its planned end, as a bound does.
        (None, _) if data_ran_out => PhaseEnd::RequestBound,
        _ => PhaseEnd::Planned,
    }
}

/// Requests fall due until the planned end of the load phase, or until a stop.
fn due_cutoff(
    load: &crate::plan::LoadPlan,
    clock: &Clock,
    stopped_at: Option<Instant>,
) -> Duration {
    stopped_at.map_or(load.duration, |t| {
        t.saturating_duration_since(clock.start).min(load.duration)
    })
}

/// LOAD-01: due, sent on time, sent late and not sent, up to the stop if there was one.
fn open_loop_counts<O>(
    load: &crate::plan::LoadPlan,
    clock: &Clock,
    stopped_at: Option<Instant>,
    merged: &Merged<O>,
) -> Option<OpenLoopCounts> {
    let LoadMode::Open(s) = &load.mode else {
        return None;
    };
    let cutoff = due_cutoff(load, clock, stopped_at);
    let open_limit = Shape::of(load).open_limit;
    let due = s.due_before(cutoff).min(open_limit);
    let sent = merged.sent_on_time + merged.sent_late;
    Some(OpenLoopCounts {
        due: due.max(sent),
        sent_on_time: merged.sent_on_time,
        sent_late: merged.sent_late,
        not_sent: due.saturating_sub(sent),
    })
}
