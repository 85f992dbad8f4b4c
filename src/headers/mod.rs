//! Pure parsers for the header fields and bodies the conformance checks read: rate-limit fields
//! of every generation, `Retry-After`, `Link` (RFC 8288) and problem details (RFC 9457). No I/O;
//! every parser takes text and returns a value or a typed error, so each is unit- and
//! property-tested on its own.

pub mod link;
pub mod problem;
pub mod ratelimit;
pub mod retry_after;
