//! The per-second series: count, errors, p50 and p99 for every second of the load phase.
//!
//! Workers never share a lock for this. Each worker thread accumulates the current second in a
//! small coarse histogram and, when the second rolls over, sends it to the [`SeriesAggregator`]
//! (off the hot path). The aggregator merges the threads' pieces of a second and keeps only four
//! numbers per finished second, so memory grows with the run's *duration* (a few dozen bytes a
//! second), never with its request count.

use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, Sender};

use super::LatencyHistogram;

/// What a worker thread sends when a second is complete (or at the end of the run).
#[derive(Debug)]
pub struct SecondFlush {
    pub thread: usize,
    pub second: u64,
    pub count: u64,
    pub errors: u64,
    pub hist: LatencyHistogram,
}

/// One finished second of the series.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SeriesPoint {
    pub second: u64,
    pub count: u64,
    pub errors: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

/// The worker-side accumulator for the current second.
#[derive(Debug)]
pub struct SecondAccumulator {
    thread: usize,
    second: u64,
    count: u64,
    errors: u64,
    hist: LatencyHistogram,
    tx: Sender<SecondFlush>,
}

impl SecondAccumulator {
    pub fn new(thread: usize, tx: Sender<SecondFlush>) -> Self {
        SecondAccumulator {
            thread,
            second: 0,
            count: 0,
            errors: 0,
            hist: LatencyHistogram::with_sigfigs(2),
            tx,
        }
    }

    /// Record one completed request in second `second` (since the start of the load phase).
    pub fn record(&mut self, second: u64, latency: Option<std::time::Duration>, error: bool) {
        self.advance(second);
        self.count += 1;
        if error {
            self.errors += 1;
        }
        if let Some(l) = latency {
            self.hist.record(l);
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
            count: std::mem::take(&mut self.count),
            errors: std::mem::take(&mut self.errors),
            hist,
        });
    }
}

/// Merges the threads' flushes into finished seconds.
#[derive(Debug)]
pub struct SeriesAggregator {
    threads: usize,
    rx: Receiver<SecondFlush>,
    /// The latest second each thread has flushed past (it will send nothing earlier).
    watermark: Vec<u64>,
    pending: BTreeMap<u64, (u64, u64, LatencyHistogram)>,
    done: Vec<SeriesPoint>,
}

impl SeriesAggregator {
    pub fn new(threads: usize, rx: Receiver<SecondFlush>) -> Self {
        SeriesAggregator {
            threads,
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
            if let Some((second, (count, errors, hist))) = self.pending.pop_first() {
                self.finish(second, count, errors, &hist);
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
            .or_insert_with(|| (0, 0, LatencyHistogram::with_sigfigs(2)));
        entry.0 += f.count;
        entry.1 += f.errors;
        entry.2.merge(&f.hist);
    }

    fn finish(&mut self, second: u64, count: u64, errors: u64, hist: &LatencyHistogram) {
        // Seconds in which nothing completed are still points (count 0), so the series has no
        // holes a reader must interpret.
        let next = self.done.last().map_or(0, |p| p.second + 1);
        for gap in next..second {
            self.done.push(SeriesPoint {
                second: gap,
                count: 0,
                errors: 0,
                p50_ms: 0.0,
                p99_ms: 0.0,
            });
        }
        self.done.push(SeriesPoint {
            second,
            count,
            errors,
            p50_ms: hist.percentile_ms(50.0),
            p99_ms: hist.percentile_ms(99.0),
        });
    }

    /// The p99 of the most recent finished second, for the progress display.
    pub fn latest(&self) -> Option<SeriesPoint> {
        self.done.last().copied()
    }

    /// Finish everything (all senders are expected to be dropped) and return the series.
    pub fn finish_all(mut self) -> Vec<SeriesPoint> {
        while let Ok(f) = self.rx.try_recv() {
            self.accept(f);
        }
        let _ = self.threads;
        while let Some((second, (count, errors, hist))) = self.pending.pop_first() {
            self.finish(second, count, errors, &hist);
        }
        self.done
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn seconds_are_finished_only_when_every_thread_moved_past_them() {
        let (tx, rx) = std::sync::mpsc::channel();
        let mut a = SecondAccumulator::new(0, tx.clone());
        let mut b = SecondAccumulator::new(1, tx);
        let mut agg = SeriesAggregator::new(2, rx);
        a.record(0, Some(Duration::from_millis(1)), false);
        b.record(0, Some(Duration::from_millis(3)), true);
        a.advance(1);
        agg.poll();
        assert!(
            agg.latest().is_none(),
            "thread 1 has not moved past second 0 yet"
        );
        b.record(2, Some(Duration::from_millis(5)), false);
        agg.poll();
        let p = agg.latest().unwrap();
        assert_eq!((p.second, p.count, p.errors), (0, 2, 1));
        a.flush();
        b.flush();
        drop((a, b));
        let series = agg.finish_all();
        // Second 1 had no completions: it is present with a zero count.
        assert_eq!(
            series.iter().map(|p| p.count).collect::<Vec<_>>(),
            vec![2, 0, 1]
        );
    }
}
