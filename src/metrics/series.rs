//! The per-second series: for every second of the load phase, what was sent, what completed
//! (by status class, with p50 and p99), and for an open loop what fell due and how far the
//! sending fell behind (the backlog: coordinated omission over time).
//!
//! Workers never share a lock for this. Each worker thread accumulates the current second in a
//! few counters and a small coarse histogram and, when the second rolls over, sends them to the
//! [`SeriesAggregator`] (off the hot path). The aggregator merges the threads' pieces of a second
//! and keeps only counters per finished second, so memory grows with the run's *duration* (a
//! few dozen bytes a second), never with its request count. [`points`] turns the finished
//! seconds into the report's [`SeriesPoint`]s once the schedule's due counts are known.

use std::collections::BTreeMap;
use std::ops::AddAssign;
use std::sync::mpsc::{Receiver, Sender};

use serde::{Deserialize, Serialize};

use super::LatencyHistogram;

/// The counters of one second (one thread's share of it, or all threads merged).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SecondCounts {
    /// Requests that completed (a response or a request error).
    pub completed: u64,
    /// Completions that failed: a request error, or a response that missed an expectation.
    pub errors: u64,
    /// Completions without a response (a request error of any kind).
    pub request_errors: u64,
    /// Responses by status class, 1xx..5xx at index 0..5.
    pub status: [u64; 5],
    /// Requests sent or attempted (what `totals.requests` counts).
    pub sent: u64,
    /// Open loop: requests that left on their schedule (on time or late); a send the client
    /// could not even attempt (a local resource failure) is taken back out.
    pub dispatched: u64,
    /// Open loop: of those, sent later than `LATE_AFTER` after their due time.
    pub late: u64,
}

impl AddAssign for SecondCounts {
    fn add_assign(&mut self, o: SecondCounts) {
        self.completed += o.completed;
        self.errors += o.errors;
        self.request_errors += o.request_errors;
        for (a, b) in self.status.iter_mut().zip(o.status) {
            *a += b;
        }
        self.sent += o.sent;
        self.dispatched += o.dispatched;
        self.late += o.late;
    }
}

/// How one request completed, for the series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completion {
    /// A response with this status class index (0 = 1xx … 4 = 5xx); `missed` when it failed an
    /// expectation.
    Response { class: usize, missed: bool },
    /// No response: a request error of some kind.
    RequestError,
}

/// What a worker thread sends when a second is complete (or at the end of the run).
#[derive(Debug)]
pub struct SecondFlush {
    pub thread: usize,
    pub second: u64,
    pub counts: SecondCounts,
    pub hist: LatencyHistogram,
}

/// Responses completed in one second, by status class. Serialized as `{"1xx": n, …, "5xx": n}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusClassCounts {
    #[serde(rename = "1xx")]
    pub c1xx: u64,
    #[serde(rename = "2xx")]
    pub c2xx: u64,
    #[serde(rename = "3xx")]
    pub c3xx: u64,
    #[serde(rename = "4xx")]
    pub c4xx: u64,
    #[serde(rename = "5xx")]
    pub c5xx: u64,
}

impl From<[u64; 5]> for StatusClassCounts {
    fn from(c: [u64; 5]) -> Self {
        StatusClassCounts {
            c1xx: c[0],
            c2xx: c[1],
            c3xx: c[2],
            c4xx: c[3],
            c5xx: c[4],
        }
    }
}

impl StatusClassCounts {
    /// `("1xx", n)` … `("5xx", n)`, in order.
    pub fn by_name(&self) -> [(&'static str, u64); 5] {
        [
            ("1xx", self.c1xx),
            ("2xx", self.c2xx),
            ("3xx", self.c3xx),
            ("4xx", self.c4xx),
            ("5xx", self.c5xx),
        ]
    }
}

/// One second of the series, as the report shows it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SeriesPoint {
    /// Seconds since the start of the load phase: this point covers [second, second + 1).
    pub second: u64,
    /// Requests completed in this second (a response or a request error).
    pub count: u64,
    /// Completions that failed: request errors plus responses that missed an expectation.
    pub errors: u64,
    /// Latency of this second's responses; 0 when none completed.
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Requests sent (or attempted) in this second. Added in 1.4.0.
    #[serde(default)]
    pub sent: u64,
    /// Responses completed in this second by status class. Added in 1.4.0.
    #[serde(default)]
    pub status: StatusClassCounts,
    /// Completions without a response. Added in 1.4.0.
    #[serde(default)]
    pub request_errors: u64,
    /// Open loop only: requests the schedule made due in this second. Added in 1.4.0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<u64>,
    /// Open loop only: requests sent in this second more than `late_after_ms` after their due
    /// time. Added in 1.4.0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_late: Option<u64>,
    /// Open loop only: requests due so far but not sent, at the end of this second (due − sent,
    /// cumulative). It grows while the client or the target falls behind; its last value is
    /// `open_loop.not_sent`. Added in 1.4.0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backlog: Option<u64>,
}

impl SeriesPoint {
    /// A second with nothing in it; `open_loop` gives it the open-loop fields (at 0).
    pub fn empty(second: u64, open_loop: bool) -> SeriesPoint {
        let zero = open_loop.then_some(0);
        SeriesPoint {
            second,
            count: 0,
            errors: 0,
            p50_ms: 0.0,
            p99_ms: 0.0,
            sent: 0,
            status: StatusClassCounts::default(),
            request_errors: 0,
            due: zero,
            sent_late: zero,
            backlog: zero,
        }
    }

    /// Add `other`'s counts to this second (a merge of two runs' same second). Percentiles
    /// cannot be added: the higher of the two is kept, an upper bound of the merged one.
    pub fn absorb(&mut self, other: &SeriesPoint) {
        self.count += other.count;
        self.errors += other.errors;
        self.p50_ms = self.p50_ms.max(other.p50_ms);
        self.p99_ms = self.p99_ms.max(other.p99_ms);
        self.sent += other.sent;
        self.status.c1xx += other.status.c1xx;
        self.status.c2xx += other.status.c2xx;
        self.status.c3xx += other.status.c3xx;
        self.status.c4xx += other.status.c4xx;
        self.status.c5xx += other.status.c5xx;
        self.request_errors += other.request_errors;
        let add = |a: Option<u64>, b: Option<u64>| match (a, b) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
        };
        self.due = add(self.due, other.due);
        self.sent_late = add(self.sent_late, other.sent_late);
        self.backlog = add(self.backlog, other.backlog);
    }
}

/// A finished second as the aggregator keeps it: counters and two percentiles.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SecondTotals {
    pub second: u64,
    pub counts: SecondCounts,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

/// The worker-side accumulator for the current second.
#[derive(Debug)]
pub struct SecondAccumulator {
    thread: usize,
    second: u64,
    counts: SecondCounts,
    hist: LatencyHistogram,
    tx: Sender<SecondFlush>,
}

impl SecondAccumulator {
    pub fn new(thread: usize, tx: Sender<SecondFlush>) -> Self {
        SecondAccumulator {
            thread,
            second: 0,
            counts: SecondCounts::default(),
            hist: LatencyHistogram::with_sigfigs(2),
            tx,
        }
    }

    /// Record one completed request in second `second` (since the start of the load phase).
    pub fn record(
        &mut self,
        second: u64,
        latency: Option<std::time::Duration>,
        completion: Completion,
    ) {
        self.advance(second);
        let c = &mut self.counts;
        c.completed += 1;
        match completion {
            Completion::Response { class, missed } => {
                c.status[class.min(4)] += 1;
                c.errors += u64::from(missed);
            }
            Completion::RequestError => {
                c.request_errors += 1;
                c.errors += 1;
            }
        }
        if let Some(l) = latency {
            self.hist.record(l);
        }
    }

    /// Count a request sent (or attempted) in second `second`.
    pub fn sent(&mut self, second: u64) {
        self.advance(second);
        self.counts.sent += 1;
    }

    /// Open loop: a due request left in second `second`, late or not.
    pub fn dispatched(&mut self, second: u64, late: bool) {
        self.advance(second);
        self.counts.dispatched += 1;
        self.counts.late += u64::from(late);
    }

    /// Open loop: take back a dispatch the client could not even attempt (a local resource
    /// failure returns at once, so it is still the current second).
    pub fn undispatched(&mut self, late: bool) {
        let c = &mut self.counts;
        c.dispatched = c.dispatched.saturating_sub(1);
        if late {
            c.late = c.late.saturating_sub(1);
        }
    }

    /// Move to `second`, flushing the finished one. Also called by a ticker so that an idle
    /// thread still tells the aggregator that time has passed.
    pub fn advance(&mut self, second: u64) {
        if second > self.second {
            self.flush();
            self.second = second;
        }
    }

    /// Send what has been accumulated for the current second. The receiver may be gone at
    /// shutdown; losing a flush then is harmless because the run's totals come from elsewhere.
    pub fn flush(&mut self) {
        let hist = std::mem::replace(&mut self.hist, LatencyHistogram::with_sigfigs(2));
        let _ = self.tx.send(SecondFlush {
            thread: self.thread,
            second: self.second,
            counts: std::mem::take(&mut self.counts),
            hist,
        });
    }
}

/// Merges the threads' flushes into finished seconds.
#[derive(Debug)]
pub struct SeriesAggregator {
    rx: Receiver<SecondFlush>,
    /// The latest second each thread has flushed past (it will send nothing earlier).
    watermark: Vec<u64>,
    pending: BTreeMap<u64, (SecondCounts, LatencyHistogram)>,
    done: Vec<SecondTotals>,
}

impl SeriesAggregator {
    pub fn new(threads: usize, rx: Receiver<SecondFlush>) -> Self {
        SeriesAggregator {
            rx,
            watermark: vec![0; threads],
            pending: BTreeMap::new(),
            done: Vec::new(),
        }
    }

    /// Take whatever has arrived and finish every second that all threads have moved past.
    pub fn poll(&mut self) {
        while let Ok(f) = self.rx.try_recv() {
            self.accept(f);
        }
        let settled = self.watermark.iter().copied().min().unwrap_or(0);
        while let Some((&second, _)) = self.pending.first_key_value() {
            if second >= settled {
                break;
            }
            if let Some((second, (counts, hist))) = self.pending.pop_first() {
                self.finish(second, counts, &hist);
            }
        }
    }

    fn accept(&mut self, f: SecondFlush) {
        if let Some(w) = self.watermark.get_mut(f.thread) {
            *w = (*w).max(f.second + 1);
        }
        let entry = self
            .pending
            .entry(f.second)
            .or_insert_with(|| (SecondCounts::default(), LatencyHistogram::with_sigfigs(2)));
        entry.0 += f.counts;
        entry.1.merge(&f.hist);
    }

    fn finish(&mut self, second: u64, counts: SecondCounts, hist: &LatencyHistogram) {
        // Seconds in which nothing happened are still points (zero counts), so the series has
        // no holes a reader must interpret.
        let next = self.done.last().map_or(0, |p| p.second + 1);
        for gap in next..second {
            self.done.push(SecondTotals {
                second: gap,
                counts: SecondCounts::default(),
                p50_ms: 0.0,
                p99_ms: 0.0,
            });
        }
        self.done.push(SecondTotals {
            second,
            counts,
            p50_ms: hist.percentile_ms(50.0),
            p99_ms: hist.percentile_ms(99.0),
        });
    }

    /// The most recent finished second, for the progress display.
    pub fn latest(&self) -> Option<SecondTotals> {
        self.done.last().copied()
    }

    /// Finish everything (all senders are expected to be dropped) and return the seconds.
    pub fn finish_all(mut self) -> Vec<SecondTotals> {
        while let Ok(f) = self.rx.try_recv() {
            self.accept(f);
        }
        while let Some((second, (counts, hist))) = self.pending.pop_first() {
            self.finish(second, counts, &hist);
        }
        self.done
    }
}

/// The report's points from the finished seconds. For an open loop, `due_before(s)` is how many
/// requests the schedule made due before second `s` (capped as the run's due count is): each
/// point then carries its due count, its late sends and the backlog at its end. Seconds past
/// the last one anything happened in are not added, but a backlog still growing at the end of
/// the load phase appears in the last point's figure.
pub fn points(
    seconds: &[SecondTotals],
    due_before: Option<&dyn Fn(u64) -> u64>,
) -> Vec<SeriesPoint> {
    let mut dispatched_so_far = 0u64;
    seconds
        .iter()
        .map(|t| {
            let c = &t.counts;
            dispatched_so_far += c.dispatched;
            let open = due_before.map(|due_before| {
                let due_by_end = due_before(t.second + 1);
                (
                    due_by_end.saturating_sub(due_before(t.second)),
                    c.late,
                    due_by_end.saturating_sub(dispatched_so_far),
                )
            });
            SeriesPoint {
                second: t.second,
                count: c.completed,
                errors: c.errors,
                p50_ms: t.p50_ms,
                p99_ms: t.p99_ms,
                sent: c.sent,
                status: c.status.into(),
                request_errors: c.request_errors,
                due: open.map(|o| o.0),
                sent_late: open.map(|o| o.1),
                backlog: open.map(|o| o.2),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const OK: Completion = Completion::Response {
        class: 1,
        missed: false,
    };

    #[test]
    fn seconds_are_finished_only_when_every_thread_moved_past_them() {
        let (tx, rx) = std::sync::mpsc::channel();
        let mut a = SecondAccumulator::new(0, tx.clone());
        let mut b = SecondAccumulator::new(1, tx);
        let mut agg = SeriesAggregator::new(2, rx);
        a.record(0, Some(Duration::from_millis(1)), OK);
        b.record(0, None, Completion::RequestError);
        a.advance(1);
        agg.poll();
        assert!(
            agg.latest().is_none(),
            "thread 1 has not moved past second 0 yet"
        );
        b.record(2, Some(Duration::from_millis(5)), OK);
        agg.poll();
        let p = agg.latest().unwrap();
        assert_eq!((p.second, p.counts.completed, p.counts.errors), (0, 2, 1));
        assert_eq!(
            (p.counts.request_errors, p.counts.status),
            (1, [0, 1, 0, 0, 0])
        );
        a.flush();
        b.flush();
        drop((a, b));
        let series = agg.finish_all();
        // Second 1 had no completions: it is present with a zero count.
        assert_eq!(
            series
                .iter()
                .map(|p| p.counts.completed)
                .collect::<Vec<_>>(),
            vec![2, 0, 1]
        );
    }

    #[test]
    fn responses_are_counted_by_class_and_a_missed_expectation_is_an_error() {
        let (tx, rx) = std::sync::mpsc::channel();
        let mut a = SecondAccumulator::new(0, tx);
        for class in [0, 1, 1, 3, 4, 4, 4] {
            a.record(
                0,
                Some(Duration::from_millis(2)),
                Completion::Response {
                    class,
                    missed: class == 3,
                },
            );
        }
        a.flush();
        drop(a);
        let s = SeriesAggregator::new(1, rx).finish_all();
        let p = points(&s, None);
        assert_eq!(
            p[0].status,
            StatusClassCounts {
                c1xx: 1,
                c2xx: 2,
                c3xx: 0,
                c4xx: 1,
                c5xx: 3
            }
        );
        assert_eq!((p[0].count, p[0].errors, p[0].request_errors), (7, 1, 0));
        assert_eq!((p[0].due, p[0].sent_late, p[0].backlog), (None, None, None));
    }

    /// A stall: 10 due a second, nothing leaves in seconds 1 and 2, then the backlog drains
    /// late. The backlog grows 10 a second and its last value is what was never sent.
    #[test]
    fn the_backlog_is_due_so_far_minus_sent_so_far() {
        let (tx, rx) = std::sync::mpsc::channel();
        let mut a = SecondAccumulator::new(0, tx);
        for _ in 0..10 {
            a.sent(0);
            a.dispatched(0, false);
        }
        for _ in 0..25 {
            a.sent(3);
            a.dispatched(3, true);
        }
        // A local failure is attempted (sent) but never left: it stays in the backlog.
        a.sent(3);
        a.dispatched(3, false);
        a.undispatched(false);
        a.flush();
        drop(a);
        let s = SeriesAggregator::new(1, rx).finish_all();
        let due_before = |second: u64| (second * 10).min(40);
        let p = points(&s, Some(&due_before));
        let col = |f: fn(&SeriesPoint) -> Option<u64>| p.iter().map(f).collect::<Vec<_>>();
        assert_eq!(col(|p| p.due), [Some(10), Some(10), Some(10), Some(10)]);
        assert_eq!(col(|p| p.backlog), [Some(0), Some(10), Some(20), Some(5)]);
        assert_eq!(col(|p| p.sent_late), [Some(0), Some(0), Some(0), Some(25)]);
        assert_eq!(p.iter().map(|p| p.sent).collect::<Vec<_>>(), [10, 0, 0, 26]);
    }

    #[test]
    fn a_report_without_the_1_4_fields_still_reads() {
        let old = r#"{"second":3,"count":5,"errors":1,"p50_ms":1.5,"p99_ms":9.0}"#;
        let p: SeriesPoint = serde_json::from_str(old).unwrap();
        assert_eq!(
            (p.second, p.sent, p.status, p.due),
            (3, 0, StatusClassCounts::default(), None)
        );
        let json = serde_json::to_value(p).unwrap();
        assert_eq!(json["status"]["2xx"], 0);
        assert!(
            json.get("backlog").is_none(),
            "closed-loop points have no open-loop fields"
        );
    }
}
