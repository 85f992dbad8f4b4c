//! Named faults: the catalogue of single-convention breakages the reference API can be started
//! with, and their stable kebab-case names (used on the command line and in scenario files).

use std::fmt;
use std::str::FromStr;

/// One deliberately broken convention. Each variant breaks exactly one thing and leaves every
/// other behaviour correct, so a check that fails against it is attributable to that fault alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fault {
    /// Idempotency check and insert are not atomic: concurrent duplicates each create an order.
    IdempotencyRace,
    /// `Idempotency-Key` is required but ignored: every request creates a new order.
    IdempotencyNoReplay,
    /// A reused key with a different body replays the first response instead of 422.
    IdempotencyIgnoreMismatch,
    /// A request that fails after execution began (500) is not stored under its key, so a retry
    /// executes again instead of getting the same error.
    IdempotencyErrorNotStored,
    /// Keys are not scoped per credential: a second client reusing a key gets the first
    /// client's response.
    IdempotencyGlobalKeys,
    /// Advertises quota q but enforces q/2.
    RatelimitLying,
    /// 429 without `Retry-After` and without `RateLimit`/`RateLimit-Policy` fields.
    RatelimitNoRetryAfter,
    /// The `RateLimit` field is not a valid RFC 9651 structured field.
    RatelimitMalformed,
    /// The cursor secretly encodes an offset (positional paging).
    PaginationOffset,
    /// The last page links back to the first page instead of `next: null`.
    PaginationLoop,
    /// A tampered or undecodable cursor yields 500 instead of 400.
    PaginationCursor500,
    /// Error responses are `text/html` pages instead of problem+json.
    ErrorsHtml,
    /// problem+json `detail` carries a stack trace.
    ErrorsStackTrace,
    /// The problem body's `status` differs from the HTTP status.
    ErrorsStatusMismatch,
    /// Error responses carry no `X-Request-Id`.
    ErrorsNoRequestId,
    /// Successful responses carry no `X-Request-Id` (error responses still do).
    SuccessNoRequestId,
    /// An inbound `X-Request-Id` is ignored: every response gets a fresh id.
    RequestIdNotEchoed,
}

impl Fault {
    /// Every fault, in declaration order (the order `--help` and error messages list them in).
    pub const ALL: &[Fault] = &[
        Fault::IdempotencyRace,
        Fault::IdempotencyNoReplay,
        Fault::IdempotencyIgnoreMismatch,
        Fault::IdempotencyErrorNotStored,
        Fault::IdempotencyGlobalKeys,
        Fault::RatelimitLying,
        Fault::RatelimitNoRetryAfter,
        Fault::RatelimitMalformed,
        Fault::PaginationOffset,
        Fault::PaginationLoop,
        Fault::PaginationCursor500,
        Fault::ErrorsHtml,
        Fault::ErrorsStackTrace,
        Fault::ErrorsStatusMismatch,
        Fault::ErrorsNoRequestId,
        Fault::SuccessNoRequestId,
        Fault::RequestIdNotEchoed,
    ];

    /// The stable kebab-case name, the inverse of [`FromStr`].
    pub fn name(&self) -> &'static str {
        match self {
            Fault::IdempotencyRace => "idempotency-race",
            Fault::IdempotencyNoReplay => "idempotency-no-replay",
            Fault::IdempotencyIgnoreMismatch => "idempotency-ignore-mismatch",
            Fault::IdempotencyErrorNotStored => "idempotency-error-not-stored",
            Fault::IdempotencyGlobalKeys => "idempotency-global-keys",
            Fault::RatelimitLying => "ratelimit-lying",
            Fault::RatelimitNoRetryAfter => "ratelimit-no-retry-after",
            Fault::RatelimitMalformed => "ratelimit-malformed",
            Fault::PaginationOffset => "pagination-offset",
            Fault::PaginationLoop => "pagination-loop",
            Fault::PaginationCursor500 => "pagination-cursor-500",
            Fault::ErrorsHtml => "errors-html",
            Fault::ErrorsStackTrace => "errors-stack-trace",
            Fault::ErrorsStatusMismatch => "errors-status-mismatch",
            Fault::ErrorsNoRequestId => "errors-no-request-id",
            Fault::SuccessNoRequestId => "success-no-request-id",
            Fault::RequestIdNotEchoed => "request-id-not-echoed",
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown fault name; the message lists every valid name so a typo is fixable from it alone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown fault `{name}`; valid faults: {}", valid_names())]
pub struct UnknownFault {
    pub name: String,
}

fn valid_names() -> String {
    Fault::ALL
        .iter()
        .map(Fault::name)
        .collect::<Vec<_>>()
        .join(", ")
}

impl FromStr for Fault {
    type Err = UnknownFault;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Fault::ALL
            .iter()
            .copied()
            .find(|f| f.name() == s)
            .ok_or_else(|| UnknownFault { name: s.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_lists_valid_names() {
        for f in Fault::ALL {
            assert_eq!(f.name().parse::<Fault>().unwrap(), *f);
        }
        let err = "idempotency-racy".parse::<Fault>().unwrap_err().to_string();
        assert!(err.contains("idempotency-racy"), "{err}");
        for f in Fault::ALL {
            assert!(err.contains(f.name()), "{err}");
        }
    }
}
