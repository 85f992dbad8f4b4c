//! `Retry-After` (RFC 9110 §10.2.3): `delay-seconds` (`1*DIGIT`) or an HTTP-date, which is
//! resolved against the response's own `Date` (falling back to the caller's clock).

use std::time::{Duration, SystemTime};

/// A parsed `Retry-After` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// `Retry-After: 120`.
    Delay(Duration),
    /// `Retry-After: Fri, 31 Dec 1999 23:59:59 GMT`.
    Date(SystemTime),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RetryAfterError {
    #[error("empty value")]
    Empty,
    #[error("{0:?} is negative; delay-seconds is 1*DIGIT")]
    Negative(String),
    #[error("{0:?} is a fraction; delay-seconds is 1*DIGIT")]
    Fraction(String),
    #[error("{0:?} is out of range")]
    TooLarge(String),
    #[error("{0:?} is neither delay-seconds nor an HTTP-date")]
    Invalid(String),
}

/// Parse a `Retry-After` value. Surrounding whitespace is allowed (it is not part of the field
/// value); anything else that is not `1*DIGIT` or an IMF-fixdate/obsolete HTTP-date is an error.
pub fn parse(value: &str) -> Result<RetryAfter, RetryAfterError> {
    let v = value.trim_matches([' ', '\t']);
    if v.is_empty() {
        return Err(RetryAfterError::Empty);
    }
    if v.bytes().all(|b| b.is_ascii_digit()) {
        return v
            .parse::<u64>()
            .map(|s| RetryAfter::Delay(Duration::from_secs(s)))
            .map_err(|_| RetryAfterError::TooLarge(v.to_string()));
    }
    if let Some(rest) = v.strip_prefix('-') {
        if !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return Err(RetryAfterError::Negative(v.to_string()));
        }
    }
    if v.bytes().all(|b| b.is_ascii_digit() || b == b'.') && v.bytes().any(|b| b.is_ascii_digit()) {
        return Err(RetryAfterError::Fraction(v.to_string()));
    }
    httpdate::parse_http_date(v)
        .map(RetryAfter::Date)
        .map_err(|_| RetryAfterError::Invalid(v.to_string()))
}

impl RetryAfter {
    /// The wait this value asks for. A date is resolved against `date` (the response's `Date`
    /// field, when it has one) or else `now`; a date in the past means "now" (zero).
    pub fn delay(&self, date: Option<SystemTime>, now: SystemTime) -> Duration {
        match *self {
            RetryAfter::Delay(d) => d,
            RetryAfter::Date(at) => at
                .duration_since(date.unwrap_or(now))
                .unwrap_or(Duration::ZERO),
        }
    }

    /// Delay seconds or HTTP-date, as a short label for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            RetryAfter::Delay(_) => "delay-seconds",
            RetryAfter::Date(_) => "HTTP-date",
        }
    }
}

/// The `Date` field of a response, if present and valid.
pub fn response_date(value: Option<&str>) -> Option<SystemTime> {
    httpdate::parse_http_date(value?.trim()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn delay_seconds() {
        assert_eq!(parse("0"), Ok(RetryAfter::Delay(Duration::ZERO)));
        assert_eq!(
            parse(" 120 "),
            Ok(RetryAfter::Delay(Duration::from_secs(120)))
        );
    }

    #[test]
    fn http_date_resolved_against_date() {
        let ra = parse("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        let date = response_date(Some("Sun, 06 Nov 1994 08:49:07 GMT"));
        assert_eq!(ra.kind(), "HTTP-date");
        assert_eq!(
            ra.delay(date, SystemTime::now()),
            Duration::from_secs(30),
            "resolved against the response Date, not the local clock"
        );
        // No Date: the caller's clock; a past date means now.
        assert_eq!(ra.delay(None, SystemTime::now()), Duration::ZERO);
        // The obsolete formats are HTTP-dates too.
        assert!(matches!(
            parse("Sunday, 06-Nov-94 08:49:37 GMT"),
            Ok(RetryAfter::Date(_))
        ));
    }

    #[test]
    fn malformed() {
        assert_eq!(parse(""), Err(RetryAfterError::Empty));
        assert_eq!(parse("  "), Err(RetryAfterError::Empty));
        assert!(matches!(parse("-5"), Err(RetryAfterError::Negative(_))));
        assert!(matches!(parse("1.5"), Err(RetryAfterError::Fraction(_))));
        assert!(matches!(
            parse("99999999999999999999999"),
            Err(RetryAfterError::TooLarge(_))
        ));
        assert!(matches!(parse("soon"), Err(RetryAfterError::Invalid(_))));
        assert!(matches!(parse("5s"), Err(RetryAfterError::Invalid(_))));
        assert!(matches!(
            parse("2024-01-01T00:00:00Z"),
            Err(RetryAfterError::Invalid(_))
        ));
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let _ = parse(&s);
        }

        #[test]
        fn seconds_round_trip(n in 0u64..=u64::MAX) {
            prop_assert_eq!(parse(&n.to_string()), Ok(RetryAfter::Delay(Duration::from_secs(n))));
        }

        #[test]
        fn dates_round_trip(secs in 0u64..253_402_300_799) {
            let t = SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
            let text = httpdate::fmt_http_date(t);
            prop_assert_eq!(parse(&text), Ok(RetryAfter::Date(t)));
        }
    }
}
