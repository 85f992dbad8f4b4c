//! Closed-loop back-off from a target that refuses connections.
//!
//! Without it, a user whose connect fails retries at once, so the error count measures how
//! fast the client can fail, not anything about the target, and a worker thread spins. A user
//! waits 10 ms after the first failed connect, doubling up to 1 s, and starts over after any
//! response. Open loop has no back-off: its due times are the load being asked for.

use std::time::Duration;

pub const FIRST: Duration = Duration::from_millis(10);
pub const MAX: Duration = Duration::from_secs(1);

/// One user's back-off state.
#[derive(Debug, Default)]
pub struct Backoff {
    next: Option<Duration>,
}

impl Backoff {
    /// The wait after one more failed connect.
    pub fn next_wait(&mut self) -> Duration {
        let wait = self.next.unwrap_or(FIRST);
        self.next = Some((wait * 2).min(MAX));
        wait
    }

    /// A response came back: the next failure starts from the first wait again.
    pub fn reset(&mut self) {
        self.next = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_the_cap_and_a_response_resets_them() {
        let mut b = Backoff::default();
        let waits: Vec<u64> = (0..9).map(|_| b.next_wait().as_millis() as u64).collect();
        assert_eq!(waits, [10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
        b.reset();
        assert_eq!(b.next_wait(), FIRST);
    }
}
