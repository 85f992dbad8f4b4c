//! Precise open-loop wake-ups: a worker sleeps until a request's due time and must wake within
//! microseconds of it, because open-loop latency counts from the due time and every microsecond
//! the worker oversleeps is added to the request's latency.
//!
//! Tokio's timer cannot do this: its wheel has millisecond slots and its driver waits for I/O with
//! a millisecond timeout, so a `sleep_until` wakes up to ~1 ms late (measured: open-loop p50 0.9 ms
//! against a target whose closed-loop p50 is 0.05 ms). Spinning to the due time would be precise,
//! but would burn a core at any rate.
//!
//! Instead, on Linux, each open-loop worker owns a `timerfd` armed for the due time. A timerfd is a
//! kernel high-resolution timer that becomes readable when it expires; Tokio's reactor sees it in
//! the same `epoll_wait` that watches the sockets, so no CPU is spent while the worker waits. What
//! remains is the kernel waking an idle thread, which on a virtual machine takes ~0.1 ms (measured
//! by `bench/run.sh precision`). So the timer is armed a little *before* the due time, by a lead
//! learnt from this worker's own wake-ups (their mean lateness plus two deviations), and the
//! worker covers the rest with a cooperative spin (`yield_now`, which lets the thread's other
//! tasks and sockets run meanwhile). The spin lasts about as long as the wake-ups vary, tens of
//! microseconds, and a thread never spins more than 5% of its time (`SPIN_SHARE`), whatever the
//! rate or the machine's noise. The delay that remains is measured per request (the send-delay
//! histogram in every open-loop report), not assumed.
//!
//! Elsewhere, or when a timerfd cannot be had (out of file descriptors), the worker falls back to
//! Tokio's timer: still correct, just coarser, and the send-delay histogram shows by how much.

use std::time::Duration;

use tokio::time::Instant;

/// How far before the due time the timer may be armed at most (a machine so loaded that its
/// wake-ups are later than this is late whatever we do, and the spin must stay bounded).
const MAX_LEAD: Duration = Duration::from_millis(1);
/// The least lead, and the margin added to the learnt one.
const MIN_LEAD: Duration = Duration::from_micros(20);

/// The most of its wall time a thread may spend spinning ahead of due times. Past it, workers
/// sleep to the due time itself (precise to the wake-up, ~0.1 ms) until the share is back under:
/// a machine too noisy for short leads never turns loadproof into a busy loop that takes CPU
/// from a target on the same host.
const SPIN_SHARE: f64 = 0.05;

thread_local! {
    /// This thread's spin account: since when, and how long spent spinning.
    static SPIN: std::cell::Cell<Option<(Instant, Duration)>> = const { std::cell::Cell::new(None) };
}

fn spin_budget_left() -> bool {
    let now = Instant::now();
    let (since, spent) = SPIN.with(|s| s.get()).unwrap_or((now, Duration::ZERO));
    // A millisecond of grace lets the first wake-ups spin before any time has passed.
    spent.as_secs_f64() <= SPIN_SHARE * now.saturating_duration_since(since).as_secs_f64() + 0.001
}

fn spin_spent(d: Duration) {
    SPIN.with(|s| {
        let now = Instant::now();
        let (since, spent) = s
            .get()
            .unwrap_or((now.checked_sub(d).unwrap_or(now), Duration::ZERO));
        s.set(Some((since, spent + d)));
    });
}

/// The lead learnt from a worker's wake-ups: exponentially weighted mean and mean deviation of
/// how late the kernel woke it (in µs), as TCP estimates its retransmission timeout.
#[derive(Debug, Clone, Copy)]
struct Lead {
    mean_us: f64,
    dev_us: f64,
}

impl Lead {
    fn new() -> Self {
        // A first guess near a virtual machine's idle wake-up; a few wake-ups correct it.
        Lead {
            mean_us: 100.0,
            dev_us: 50.0,
        }
    }

    fn get(&self) -> Duration {
        let us = self.mean_us + 2.0 * self.dev_us;
        (Duration::from_micros(us as u64) + MIN_LEAD).min(MAX_LEAD)
    }

    /// Learn from one wake-up that came `late` after the instant the timer was armed for.
    fn learn(&mut self, late: Duration) {
        let x = (late.as_micros() as f64).min(MAX_LEAD.as_micros() as f64 * 4.0);
        let err = x - self.mean_us;
        self.mean_us += err / 8.0;
        self.dev_us += (err.abs() - self.dev_us) / 4.0;
    }
}

/// One worker's precise sleeper; create it once per worker and reuse it for every request.
pub struct PreciseTimer {
    #[cfg(target_os = "linux")]
    fd: Option<tokio::io::unix::AsyncFd<std::os::fd::OwnedFd>>,
    lead: Lead,
}

impl PreciseTimer {
    /// A timer for the calling thread's runtime (must be called inside it).
    pub fn new() -> Self {
        PreciseTimer {
            #[cfg(target_os = "linux")]
            fd: linux::timerfd(),
            lead: Lead::new(),
        }
    }

    /// Wake at `due`, precisely: sleep (no CPU) until shortly before it, then spin cooperatively
    /// the last stretch. Never returns before `due`.
    pub async fn wake_at(&mut self, due: Instant) {
        if !self.is_precise() {
            // Tokio's timer wakes up to a millisecond late; spinning ahead of it would be a
            // millisecond of busy loop per request.
            return self.sleep_until(due).await;
        }
        let lead = if spin_budget_left() {
            self.lead.get()
        } else {
            Duration::ZERO
        };
        let early = due.checked_sub(lead).unwrap_or(due);
        if early > Instant::now() {
            self.sleep_until(early).await;
            self.lead
                .learn(Instant::now().saturating_duration_since(early));
        }
        let spin_from = Instant::now();
        while Instant::now() < due {
            tokio::task::yield_now().await;
        }
        spin_spent(spin_from.elapsed());
    }

    /// Whether wake-ups are precise (a timerfd) rather than Tokio's millisecond timer.
    pub fn is_precise(&self) -> bool {
        #[cfg(target_os = "linux")]
        {
            self.fd.is_some()
        }
        #[cfg(not(target_os = "linux"))]
        {
            false
        }
    }

    /// Sleep until `due` (returns at once if it has passed). Never returns before `due`.
    pub async fn sleep_until(&mut self, due: Instant) {
        #[cfg(target_os = "linux")]
        if let Some(fd) = &self.fd {
            if linux::sleep_until(fd, due).await.is_ok() {
                return;
            }
            // A failed timerfd (it never does in practice) must not stop the run: fall through
            // to Tokio's timer, and stop trying the timerfd.
            self.fd = None;
        }
        tokio::time::sleep_until(due).await;
    }
}

impl Default for PreciseTimer {
    fn default() -> Self {
        Self::new()
    }
}

/// Ask the kernel to expire this thread's timers without slack (the default is 50 µs, which
/// `epoll_wait` timeouts are rounded by). Called once on each engine thread; best effort.
pub fn tighten_thread_timer_slack() {
    #[cfg(target_os = "linux")]
    {
        let _ = rustix::thread::set_current_timer_slack(std::num::NonZeroU64::new(1));
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use std::io;
    use std::os::fd::OwnedFd;

    use rustix::time::{
        Itimerspec, TimerfdClockId, TimerfdFlags, TimerfdTimerFlags, Timespec, timerfd_create,
        timerfd_settime,
    };
    use tokio::io::Interest;
    use tokio::io::unix::AsyncFd;
    use tokio::time::Instant;

    pub(super) fn timerfd() -> Option<AsyncFd<OwnedFd>> {
        let fd = timerfd_create(
            TimerfdClockId::Monotonic,
            TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC,
        )
        .ok()?;
        // Tokio deprecated the safe constructors (tokio#8587) because a borrowed descriptor
        // could be closed or replaced while registered. This one is an `OwnedFd` moved into the
        // `AsyncFd` and never handed out mutably, so it lives exactly as long as the
        // registration: the safe constructor is sound here, and `unsafe` stays forbidden.
        #[allow(deprecated)]
        let registered = AsyncFd::with_interest(fd, Interest::READABLE);
        registered.ok()
    }

    pub(super) async fn sleep_until(fd: &AsyncFd<OwnedFd>, due: Instant) -> io::Result<()> {
        // Relative arming: `std::time::Instant` is CLOCK_MONOTONIC on Linux but does not expose
        // its raw value, and the nanoseconds between reading `now` and arming are far below
        // what is measured.
        let wait = due.saturating_duration_since(Instant::now());
        if wait.is_zero() {
            return Ok(());
        }
        let spec = Itimerspec {
            it_interval: Timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: Timespec {
                tv_sec: wait.as_secs() as _,
                tv_nsec: wait.subsec_nanos() as _,
            },
        };
        timerfd_settime(fd.get_ref(), TimerfdTimerFlags::empty(), &spec)?;
        loop {
            let mut guard = fd.readable().await?;
            // Reading the expiry count resets readiness; `WouldBlock` means a stale wake-up
            // (readiness left from an earlier, already-consumed expiry).
            let mut count = [0u8; 8];
            match rustix::io::read(fd.get_ref(), &mut count) {
                Ok(_) => return Ok(()),
                Err(rustix::io::Errno::AGAIN) => guard.clear_ready(),
                Err(e) => return Err(e.into()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// The contract the open loop relies on: never wake before the due time. (How *soon* after
    /// it is measured by `bench/run.sh precision`, not asserted here: this machine is shared.)
    #[tokio::test(flavor = "current_thread")]
    async fn never_wakes_before_the_due_time_and_is_reusable() {
        let mut t = PreciseTimer::new();
        #[cfg(target_os = "linux")]
        assert!(t.is_precise(), "a timerfd should be available on Linux");
        for ms in [3u64, 1, 0, 7, 2] {
            let due = Instant::now() + Duration::from_millis(ms);
            t.sleep_until(due).await;
            assert!(Instant::now() >= due, "woke before the due time ({ms} ms)");
        }
        // A due time in the past returns at once.
        let before = Instant::now();
        t.sleep_until(before - Duration::from_millis(5)).await;
        assert!(before.elapsed() < Duration::from_secs(1));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn wake_at_never_wakes_early() {
        let mut t = PreciseTimer::new();
        for us in [2_000u64, 300, 0, 5_000, 50] {
            let due = Instant::now() + Duration::from_micros(us);
            t.wake_at(due).await;
            assert!(Instant::now() >= due, "woke before the due time ({us} µs)");
        }
    }

    #[test]
    fn the_lead_follows_the_wake_ups_and_stays_bounded() {
        let mut lead = Lead::new();
        for _ in 0..200 {
            lead.learn(Duration::from_micros(30));
        }
        // Steady 30 µs wake-ups: a lead of about 30 µs plus the margin, not the first guess.
        let settled = lead.get();
        assert!(
            settled >= Duration::from_micros(40) && settled <= Duration::from_micros(70),
            "{settled:?}"
        );
        // Wake-ups that vary widen it; a huge one never pushes it past the bound.
        lead.learn(Duration::from_secs(2));
        assert_eq!(lead.get(), MAX_LEAD);
        for _ in 0..200 {
            lead.learn(Duration::from_micros(30));
        }
        assert!(lead.get() < Duration::from_micros(100), "{:?}", lead.get());
    }

    /// A re-armed timer replaces the previous expiry: a sleep cancelled mid-way (the worker's
    /// `select!` against a stop) leaves no expiry behind that would end the next sleep early.
    #[tokio::test(flavor = "current_thread")]
    async fn a_cancelled_sleep_does_not_cut_the_next_one_short() {
        let mut t = PreciseTimer::new();
        let far = Instant::now() + Duration::from_millis(20);
        let _ = tokio::time::timeout(Duration::from_millis(1), t.sleep_until(far)).await;
        tokio::time::sleep(Duration::from_millis(30)).await; // the old expiry passes unread
        let due = Instant::now() + Duration::from_millis(10);
        t.sleep_until(due).await;
        assert!(
            Instant::now() >= due,
            "a stale expiry ended the sleep early"
        );
    }
}
