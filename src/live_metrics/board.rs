//! The board the scrape handler reads: one slot per worker thread, into which that thread's
//! ticker copies its cumulative figures every 250 ms, plus what the pipeline knows (the phase,
//! the scenario, the open-loop schedule).
//!
//! Nothing here is touched per request. A worker thread records into its own `RefCell` as
//! always; only its ticker (four times a second) locks its slot and overwrites the copy, and a
//! scrape locks each slot in turn to merge the copies. A slot's lock is therefore contended at
//! most by one ticker and one scrape.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::metrics::LatencyHistogram;
use crate::metrics::stats::{ErrorKind, RequestStats, status_class};

/// Where the run stands; the `loadproof_phase` gauge shows it one-hot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Before the engine starts (the target is being started or checked).
    Starting,
    Warmup,
    Load,
    /// The active checks' probes (their requests are not in the load's counters).
    Checks,
    /// The reports are being written, or are written.
    Done,
}

impl Phase {
    pub const ALL: [Phase; 5] = [
        Phase::Starting,
        Phase::Warmup,
        Phase::Load,
        Phase::Checks,
        Phase::Done,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Phase::Starting => "starting",
            Phase::Warmup => "warmup",
            Phase::Load => "load",
            Phase::Checks => "checks",
            Phase::Done => "done",
        }
    }
}

/// One request's cumulative figures on one thread (or merged over threads).
#[derive(Debug, Clone, Default)]
pub struct RequestSnapshot {
    pub sent: u64,
    pub responses: u64,
    /// Responses by status class 1xx..5xx (index 0..5).
    pub classes: [u64; 5],
    pub errors: [u64; ErrorKind::ALL.len()],
    pub expectation_failures: u64,
    pub in_flight: u64,
    pub latency: LatencyHistogram,
}

impl RequestSnapshot {
    /// Overwrite with `stats` (reusing the allocations where it can).
    fn copy_from(&mut self, stats: &RequestStats, in_flight: u64) {
        self.sent = stats.sent;
        self.responses = stats.responses;
        self.classes = [0; 5];
        for (status, n) in &stats.status {
            self.classes[status_class(*status)] += n;
        }
        self.errors = stats.errors;
        self.expectation_failures = stats.expectation_failures;
        self.in_flight = in_flight;
        // A histogram only ever gains values, so the same count means the same histogram: an
        // idle request costs no copy.
        if self.latency.count() != stats.hist.count() {
            self.latency.clone_from(&stats.hist);
        }
    }

    pub fn merge(&mut self, o: &RequestSnapshot) {
        self.sent += o.sent;
        self.responses += o.responses;
        for (a, b) in self.classes.iter_mut().zip(o.classes) {
            *a += b;
        }
        for (a, b) in self.errors.iter_mut().zip(o.errors) {
            *a += b;
        }
        self.expectation_failures += o.expectation_failures;
        self.in_flight += o.in_flight;
        self.latency.merge(&o.latency);
    }
}

/// One thread's cumulative figures for the load phase, as of its last tick.
#[derive(Debug, Clone, Default)]
pub struct ThreadSnapshot {
    /// Aligned with the plan's requests.
    pub requests: Vec<RequestSnapshot>,
    pub sent_on_time: u64,
    pub sent_late: u64,
}

/// A worker thread's slot; the thread's ticker is its only writer.
#[derive(Debug, Clone, Default)]
pub struct Slot(Arc<Mutex<ThreadSnapshot>>);

impl Slot {
    /// Copy a thread's cumulative counters into the slot (called by its ticker, never per
    /// request).
    pub fn publish(
        &self,
        requests: &[RequestStats],
        in_flight: &[u64],
        sent_on_time: u64,
        sent_late: u64,
    ) {
        let mut s = lock(&self.0);
        s.requests.resize_with(requests.len(), Default::default);
        for (i, (into, r)) in s.requests.iter_mut().zip(requests).enumerate() {
            into.copy_from(r, in_flight.get(i).copied().unwrap_or(0));
        }
        s.sent_on_time = sent_on_time;
        s.sent_late = sent_late;
    }
}

/// How many open-loop requests have fallen due after a time into the load phase.
pub type DueFn = Box<dyn Fn(Duration) -> u64 + Send + Sync>;

/// The open loop's schedule, as the engine registers it when the load phase's clock is set.
struct OpenLoop {
    start: Instant,
    due: DueFn,
    /// The highest due count a scrape has shown: a counter never goes back, even when a stop
    /// ends the schedule early and the final count is below what the clock said before.
    shown: u64,
    /// Set when the load phase is over: the due count it ended with (the report's).
    final_due: Option<u64>,
}

#[derive(Default)]
struct State {
    phase: Option<Phase>,
    slots: Vec<Slot>,
    open_loop: Option<OpenLoop>,
    /// The load phase's start, when a warm-up comes first: before it, the phase is the warm-up.
    load_start: Option<Instant>,
}

/// What the scrape handler reads, shared by the pipeline, the engine and the server.
pub struct Board {
    /// The plan's request names, in the plan's order.
    pub requests: Vec<String>,
    pub scenario: String,
    /// The `--segment` this instance runs (`i/n`), empty when the run is not segmented.
    pub segment: String,
    state: Mutex<State>,
}

/// Everything one scrape shows: the threads' slots merged, with the phase and the open loop.
#[derive(Debug, Clone)]
pub struct Scrape {
    pub requests: Vec<(String, RequestSnapshot)>,
    pub scenario: String,
    pub version: String,
    pub segment: String,
    pub phase: Phase,
    /// Open loop only.
    pub open_loop: Option<OpenLoopScrape>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenLoopScrape {
    pub due: u64,
    pub sent_late: u64,
    /// Due and not sent: the backlog (a gauge, it falls as a late worker catches up).
    pub not_sent: u64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned lock only means a writer panicked mid-copy; the figures are still counts.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Board {
    pub fn new(scenario: &str, segment: Option<&str>, requests: Vec<String>) -> Arc<Board> {
        Arc::new(Board {
            requests,
            scenario: scenario.to_string(),
            segment: segment.unwrap_or_default().to_string(),
            state: Mutex::new(State {
                phase: Some(Phase::Starting),
                ..State::default()
            }),
        })
    }

    pub fn set_phase(&self, phase: Phase) {
        lock(&self.state).phase = Some(phase);
    }

    /// A new slot for one worker thread of the load phase.
    pub fn slot(&self) -> Slot {
        let slot = Slot::default();
        lock(&self.state).slots.push(slot.clone());
        slot
    }

    /// The load phase's clock: it starts at `start` (a warm-up, if any, runs before it).
    pub fn load_starts_at(&self, start: Instant, warmup: bool) {
        lock(&self.state).load_start = warmup.then_some(start);
    }

    /// Open loop: how many requests are due `t` into the load phase.
    pub fn open_loop(&self, start: Instant, due: DueFn) {
        lock(&self.state).open_loop = Some(OpenLoop {
            start,
            due,
            shown: 0,
            final_due: None,
        });
    }

    /// The load phase is over: from now on the due count is the one it ended with.
    pub fn load_ended(&self, due: Option<u64>) {
        let mut s = lock(&self.state);
        if let (Some(o), Some(d)) = (&mut s.open_loop, due) {
            o.final_due = Some(d);
        }
    }

    /// Merge the slots as of `now`.
    pub fn scrape(&self, now: Instant) -> Scrape {
        let (slots, phase, due) = {
            let mut s = lock(&self.state);
            let mut phase = s.phase.unwrap_or(Phase::Starting);
            if phase == Phase::Load && s.load_start.is_some_and(|start| now < start) {
                phase = Phase::Warmup;
            }
            let due = s.open_loop.as_mut().map(|o| {
                let due = o
                    .final_due
                    .unwrap_or_else(|| (o.due)(now.saturating_duration_since(o.start)));
                o.shown = o.shown.max(due);
                o.shown
            });
            (s.slots.clone(), phase, due)
        };
        let mut requests: Vec<(String, RequestSnapshot)> = self
            .requests
            .iter()
            .map(|n| (n.clone(), RequestSnapshot::default()))
            .collect();
        let (mut on_time, mut late) = (0, 0);
        for slot in &slots {
            let t = lock(&slot.0);
            for ((_, into), r) in requests.iter_mut().zip(&t.requests) {
                into.merge(r);
            }
            on_time += t.sent_on_time;
            late += t.sent_late;
        }
        let open_loop = due.map(|due| {
            // A slot's copy is up to a tick old while the schedule is read now, so the backlog
            // can be overstated by one tick's worth of sends; it is never negative.
            let sent = on_time + late;
            OpenLoopScrape {
                due: due.max(sent),
                sent_late: late,
                not_sent: due.saturating_sub(sent),
            }
        });
        Scrape {
            requests,
            scenario: self.scenario.clone(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            segment: self.segment.clone(),
            phase,
            open_loop,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(sent: u64, statuses: &[(u16, u64)], ms: &[u64]) -> RequestStats {
        let mut r = RequestStats {
            sent,
            responses: statuses.iter().map(|(_, n)| n).sum(),
            ..RequestStats::default()
        };
        for (s, n) in statuses {
            r.status.insert(*s, *n);
        }
        for m in ms {
            r.hist.record(Duration::from_millis(*m));
        }
        r
    }

    #[test]
    fn a_scrape_merges_every_threads_last_copy() {
        let board = Board::new("s", None, vec!["a".into(), "b".into()]);
        let (t0, t1) = (board.slot(), board.slot());
        t0.publish(
            &[stats(3, &[(200, 2)], &[5, 7]), stats(1, &[], &[])],
            &[1, 1],
            0,
            0,
        );
        t1.publish(
            &[
                stats(2, &[(503, 1), (201, 1)], &[9, 11]),
                stats(0, &[], &[]),
            ],
            &[0, 0],
            0,
            0,
        );
        // A later tick replaces the thread's copy, it does not add to it.
        t0.publish(
            &[stats(4, &[(200, 3)], &[5, 7, 8]), stats(1, &[], &[])],
            &[1, 0],
            0,
            0,
        );
        let s = board.scrape(Instant::now());
        let a = &s.requests[0].1;
        assert_eq!((a.sent, a.responses, a.in_flight), (6, 5, 1));
        assert_eq!(a.classes, [0, 4, 0, 0, 1]);
        assert_eq!(a.latency.count(), 5);
        assert_eq!(s.requests[1].1.sent, 1);
        assert_eq!(s.phase, Phase::Starting);
        assert!(s.open_loop.is_none());
    }

    #[test]
    fn the_phase_is_the_warmup_until_the_load_starts() {
        let board = Board::new("s", Some("1/4"), vec![]);
        let now = Instant::now();
        board.set_phase(Phase::Load);
        board.load_starts_at(now + Duration::from_secs(5), true);
        assert_eq!(board.scrape(now).phase, Phase::Warmup);
        assert_eq!(
            board.scrape(now + Duration::from_secs(6)).phase,
            Phase::Load
        );
        assert_eq!(board.scrape(now).segment, "1/4");
    }

    #[test]
    fn open_loop_due_follows_the_schedule_then_freezes_at_the_end() {
        let board = Board::new("s", None, vec!["a".into()]);
        let slot = board.slot();
        let start = Instant::now();
        // 100 requests per second.
        board.open_loop(start, Box::new(|t| (t.as_secs_f64() * 100.0) as u64));
        slot.publish(&[stats(150, &[], &[])], &[0], 140, 10);
        let s = board
            .scrape(start + Duration::from_secs(2))
            .open_loop
            .unwrap();
        assert_eq!(
            s,
            OpenLoopScrape {
                due: 200,
                sent_late: 10,
                not_sent: 50
            }
        );
        board.load_ended(Some(230));
        let s = board
            .scrape(start + Duration::from_secs(9))
            .open_loop
            .unwrap();
        assert_eq!((s.due, s.not_sent), (230, 80));
    }

    #[test]
    fn the_due_counter_never_goes_back() {
        // A stop ends the schedule early: the final count can be below what a scrape showed.
        let board = Board::new("s", None, vec!["a".into()]);
        let start = Instant::now();
        board.open_loop(start, Box::new(|t| (t.as_secs_f64() * 100.0) as u64));
        assert_eq!(
            board
                .scrape(start + Duration::from_secs(3))
                .open_loop
                .unwrap()
                .due,
            300
        );
        board.load_ended(Some(250));
        assert_eq!(
            board
                .scrape(start + Duration::from_secs(4))
                .open_loop
                .unwrap()
                .due,
            300
        );
    }
}
