//! A periodic stall: the whole server freezes for `duration` at the start of every `every`
//! period (requests arriving during a freeze are answered when it ends). This is the target of
//! the coordinated-omission benchmark and test: under an open-loop rate, a fraction
//! `duration / every` of requests is delayed uniformly on (0, duration], which gives an analytic
//! latency distribution to compare any load tool against.

use std::time::Duration;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use tokio::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stall {
    pub every: Duration,
    pub duration: Duration,
}

impl Stall {
    /// How long a request arriving `since_start` after the server started must wait.
    pub fn wait_at(&self, since_start: Duration) -> Duration {
        if self.every.is_zero() {
            return Duration::ZERO;
        }
        let phase = Duration::from_nanos((since_start.as_nanos() % self.every.as_nanos()) as u64);
        self.duration.saturating_sub(phase)
    }
}

pub(crate) async fn middleware(
    stall: Stall,
    started: Instant,
    req: Request,
    next: Next,
) -> Response {
    let wait = stall.wait_at(started.elapsed());
    if !wait.is_zero() {
        tokio::time::sleep(wait).await;
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_only_inside_the_freeze_window() {
        let s = Stall {
            every: Duration::from_secs(5),
            duration: Duration::from_secs(1),
        };
        assert_eq!(s.wait_at(Duration::ZERO), Duration::from_secs(1));
        assert_eq!(
            s.wait_at(Duration::from_millis(5_250)),
            Duration::from_millis(750)
        );
        assert_eq!(s.wait_at(Duration::from_millis(1_000)), Duration::ZERO);
        assert_eq!(s.wait_at(Duration::from_millis(4_999)), Duration::ZERO);
    }
}
