//! Reading a response body: the sink the load phase's two transports and the probes read into.
//!
//! A body is always read to its end (so a keep-alive connection stays usable) up to a drain cap,
//! past which the rest is dropped with the connection and the truncation counted; a prefix of it
//! is kept only when someone asked for it (an expectation, a passive check, a probe's judge).

/// What a body read has gathered so far.
#[derive(Debug)]
pub struct BodySink {
    kept: Option<Vec<u8>>,
    keep_cap: usize,
    drain_cap: u64,
    /// Bytes received.
    pub bytes: u64,
    /// The drain cap was passed: the rest of the body was not read.
    pub truncated: bool,
}

impl BodySink {
    /// `keep`: how many bytes to keep, if any are wanted.
    pub fn new(keep: Option<usize>, drain_cap: u64) -> BodySink {
        BodySink {
            kept: keep.map(|_| Vec::new()),
            keep_cap: keep.unwrap_or(0),
            drain_cap,
            bytes: 0,
            truncated: false,
        }
    }

    /// Take one chunk; `false` once the drain cap is passed (stop reading).
    pub fn push(&mut self, chunk: &[u8]) -> bool {
        self.bytes += chunk.len() as u64;
        if let Some(k) = self.kept.as_mut() {
            let room = self.keep_cap.saturating_sub(k.len());
            k.extend_from_slice(&chunk[..chunk.len().min(room)]);
        }
        if self.bytes > self.drain_cap {
            self.truncated = true;
        }
        !self.truncated
    }

    pub fn kept(&self) -> Option<&[u8]> {
        self.kept.as_deref()
    }

    pub fn into_kept(self) -> Option<Vec<u8>> {
        self.kept
    }

    /// Whether what was kept is less than the whole body: shorter than what was received, or
    /// reading stopped at the drain cap (then everything received may be kept, and still the
    /// body went on).
    pub fn kept_truncated(&self) -> bool {
        self.kept
            .as_ref()
            .is_some_and(|k| (k.len() as u64) < self.bytes || self.truncated)
    }
}

/// Read a reqwest response's body into `sink`.
pub async fn read_reqwest(
    resp: &mut reqwest::Response,
    sink: &mut BodySink,
) -> Result<(), reqwest::Error> {
    while let Some(chunk) = resp.chunk().await? {
        if !sink.push(&chunk) {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_a_prefix_and_stops_past_the_drain_cap() {
        let mut s = BodySink::new(Some(4), 10);
        assert!(s.push(b"abc"));
        assert!(s.push(b"defgh"));
        assert_eq!(s.kept(), Some(&b"abcd"[..]));
        assert!(s.kept_truncated());
        assert!(!s.push(b"ijk"), "11 bytes pass the drain cap of 10");
        assert!(s.truncated);
        assert_eq!(s.bytes, 11);
        // Keeping more than the drain cap: all 11 bytes received are kept, and still the body
        // was cut (reading stopped), so what was kept is not the whole body.
        let mut big = BodySink::new(Some(100), 10);
        assert!(!big.push(b"abcdefghijk"));
        assert_eq!(big.kept().map(<[u8]>::len), Some(11));
        assert!(big.kept_truncated());
        let mut none = BodySink::new(None, 10);
        assert!(none.push(b"abc"));
        assert_eq!(none.kept(), None);
        assert!(!none.kept_truncated());
    }
}
