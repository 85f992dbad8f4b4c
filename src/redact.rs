//! Secret redaction: the one place that decides what must never reach an output.
//!
//! Every writer (text, JSON, CSV, curl reproductions, error samples) passes user-visible strings
//! through a [`Redactor`]. It knows two things: header names whose values are always secret, and
//! the literal secret values of this run (resolved `${env.*}` and `[secrets]` values), which are
//! replaced wherever they appear, e.g. inside a URL in an error message.

/// Header names whose values are never shown (compared case-insensitively).
pub const SENSITIVE_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
];

pub const MASK: &str = "[REDACTED]";

#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Longest first, so that a secret containing another is replaced whole.
    secrets: Vec<String>,
}

impl Redactor {
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Self {
        // Very short values (one or two characters) would shred unrelated text; they are still
        // redacted when they are a whole header value, but not as substrings.
        let mut secrets: Vec<String> = secrets.into_iter().filter(|s| s.len() >= 3).collect();
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Redactor { secrets }
    }

    pub fn is_sensitive_header(name: &str) -> bool {
        SENSITIVE_HEADERS
            .iter()
            .any(|h| h.eq_ignore_ascii_case(name))
            || name.to_ascii_lowercase().contains("secret")
            || name.to_ascii_lowercase().contains("token")
    }

    /// Redact secret values appearing anywhere in `text`.
    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), MASK);
            }
        }
        out
    }

    /// The value to show for a header.
    pub fn header_value(&self, name: &str, value: &str) -> String {
        if Redactor::is_sensitive_header(name) {
            MASK.to_string()
        } else {
            self.text(value)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_inside_other_text() {
        let r = Redactor::new(["s3cr3t-token".to_string(), "s3cr3t".to_string()]);
        assert_eq!(
            r.text("GET http://h/?key=s3cr3t-token&b=s3cr3t failed"),
            "GET http://h/?key=[REDACTED]&b=[REDACTED] failed"
        );
    }

    #[test]
    fn sensitive_headers_are_masked_whatever_their_value() {
        let r = Redactor::new([]);
        assert_eq!(r.header_value("Authorization", "Bearer x"), MASK);
        assert_eq!(r.header_value("x-api-key", "k"), MASK);
        assert_eq!(
            r.header_value("Accept", "application/json"),
            "application/json"
        );
    }
}
