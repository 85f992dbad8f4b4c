//! Opaque, tamper-evident pagination cursors.
//!
//! A cursor is `base64url(payload || tag)` where the payload is
//! `[version][mode][position: u64 BE][filter: u64 BE]` and the tag is a keyed SipHash of the
//! payload under a random per-server key. Clients cannot forge or edit a cursor, so any
//! tampered, truncated or made-up cursor is detected and answered with 400 — never silently
//! treated as "page 1" and never a 500.
//!
//! The correct server uses keyset positions ("the last id returned"): the next page is the
//! orders with an id strictly greater, which is what keeps a walk free of duplicates and skips
//! while other clients insert and delete. `pagination-offset` encodes a row offset instead, in
//! the same opaque wrapping, so only behaviour under concurrent writes gives it away.
//!
//! The filter word binds the `customer=` filter into the cursor, so a cursor cannot be replayed
//! against a different filtered collection.

use std::hash::{BuildHasher, Hasher, RandomState};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

const VERSION: u8 = 1;
const MODE_KEYSET: u8 = b'k';
const MODE_OFFSET: u8 = b'o';
const PAYLOAD_LEN: usize = 1 + 1 + 8 + 8;
const TAG_LEN: usize = 8;

/// Where the next page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Position {
    /// Keyset: orders with sequence number strictly greater than this.
    After(u64),
    /// Positional (`pagination-offset` only): skip this many matching orders.
    Offset(u64),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum CursorError {
    #[error("the cursor is not valid base64url or has the wrong length")]
    Malformed,
    #[error("the cursor was not issued by this server or has been modified")]
    Tampered,
    #[error("the cursor was issued for a different `customer` filter")]
    FilterMismatch,
}

/// The per-server signing key. Random per process start, so cursors do not outlive the server
/// (the data they point into does not either).
pub(crate) struct CursorKey {
    key: RandomState,
}

impl CursorKey {
    pub(crate) fn new() -> Self {
        CursorKey {
            key: RandomState::new(),
        }
    }

    fn tag(&self, payload: &[u8]) -> [u8; TAG_LEN] {
        let mut h = self.key.build_hasher();
        h.write(payload);
        h.finish().to_be_bytes()
    }

    /// A keyed digest of the filter; `None` and every `Some` are distinct.
    fn filter_word(&self, customer: Option<&str>) -> u64 {
        let mut h = self.key.build_hasher();
        match customer {
            None => h.write_u8(0),
            Some(c) => {
                h.write_u8(1);
                h.write(c.as_bytes());
            }
        }
        h.finish()
    }

    pub(crate) fn encode(&self, position: Position, customer: Option<&str>) -> String {
        let (mode, value) = match position {
            Position::After(v) => (MODE_KEYSET, v),
            Position::Offset(v) => (MODE_OFFSET, v),
        };
        let mut buf = Vec::with_capacity(PAYLOAD_LEN + TAG_LEN);
        buf.push(VERSION);
        buf.push(mode);
        buf.extend_from_slice(&value.to_be_bytes());
        buf.extend_from_slice(&self.filter_word(customer).to_be_bytes());
        let tag = self.tag(&buf);
        buf.extend_from_slice(&tag);
        URL_SAFE_NO_PAD.encode(buf)
    }

    pub(crate) fn decode(
        &self,
        cursor: &str,
        customer: Option<&str>,
    ) -> Result<Position, CursorError> {
        let raw = URL_SAFE_NO_PAD
            .decode(cursor)
            .map_err(|_| CursorError::Malformed)?;
        if raw.len() != PAYLOAD_LEN + TAG_LEN {
            return Err(CursorError::Malformed);
        }
        let (payload, tag) = raw.split_at(PAYLOAD_LEN);
        // Check the tag before interpreting anything, so no field of a forged cursor is trusted.
        if self.tag(payload) != tag {
            return Err(CursorError::Tampered);
        }
        let value = u64::from_be_bytes(payload[2..10].try_into().expect("8 bytes"));
        let filter = u64::from_be_bytes(payload[10..18].try_into().expect("8 bytes"));
        if filter != self.filter_word(customer) {
            return Err(CursorError::FilterMismatch);
        }
        match (payload[0], payload[1]) {
            (VERSION, MODE_KEYSET) => Ok(Position::After(value)),
            (VERSION, MODE_OFFSET) => Ok(Position::Offset(value)),
            _ => Err(CursorError::Tampered),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejections() {
        let k = CursorKey::new();
        let c = k.encode(Position::After(42), None);
        assert_eq!(k.decode(&c, None), Ok(Position::After(42)));
        assert_eq!(
            k.decode(&c, Some("alice")),
            Err(CursorError::FilterMismatch)
        );
        let f = k.encode(Position::Offset(7), Some("alice"));
        assert_eq!(k.decode(&f, Some("alice")), Ok(Position::Offset(7)));

        // Flip one character, truncate, garbage, another server's key.
        let mut chars: Vec<char> = c.chars().collect();
        chars[3] = if chars[3] == 'A' { 'B' } else { 'A' };
        let flipped: String = chars.into_iter().collect();
        assert!(k.decode(&flipped, None).is_err());
        assert_eq!(
            k.decode(&c[..c.len() - 2], None),
            Err(CursorError::Malformed)
        );
        assert_eq!(k.decode("not a cursor!", None), Err(CursorError::Malformed));
        assert_eq!(
            CursorKey::new().decode(&c, None),
            Err(CursorError::Tampered)
        );
    }
}
