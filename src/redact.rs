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

/// Credentials written into a target URL (`http://user:pass@host/`): they are sent as
/// `Authorization: Basic …` (as curl does) and never shown. The URL every output shows is the
/// one without them (see [`split_userinfo`]).
#[derive(Clone, PartialEq, Eq)]
pub struct UrlCredentials {
    pub user: String,
    pub password: String,
}

// Hand-written so that a `{:?}` of a plan can never print the password.
impl std::fmt::Debug for UrlCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "UrlCredentials {{ user: {:?}, password: {MASK} }}",
            self.user
        )
    }
}

impl UrlCredentials {
    /// The `Authorization` header value: `Basic base64(user:password)`.
    pub fn basic(&self) -> String {
        use base64::Engine as _;
        let token = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", self.user, self.password));
        format!("Basic {token}")
    }

    /// What the redactor must mask wherever it appears: the password as decoded and as written
    /// (percent-encoded) in the URL, and the Basic token.
    pub fn secrets(&self, written: &str) -> Vec<String> {
        let mut out = vec![self.password.clone(), self.basic()];
        if !written.is_empty() {
            out.push(written.to_string());
        }
        if let Some(token) = self.basic().strip_prefix("Basic ") {
            out.push(token.to_string());
        }
        out.retain(|s| !s.is_empty());
        out
    }
}

/// Split the userinfo (`user:password@`) off an http(s) URL: the URL without it (otherwise
/// unchanged, byte for byte) and the decoded credentials, with the password as written. A URL
/// without userinfo comes back as it is.
pub fn split_userinfo(url: &str) -> (String, Option<(UrlCredentials, String)>) {
    let Some(scheme_end) = url.find("://") else {
        return (url.to_string(), None);
    };
    let auth_start = scheme_end + 3;
    let auth_end = url[auth_start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| auth_start + i);
    let authority = &url[auth_start..auth_end];
    let Some(at) = authority.rfind('@') else {
        return (url.to_string(), None);
    };
    let userinfo = &authority[..at];
    let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let stripped = format!("{}{}", &url[..auth_start], &url[auth_start + at + 1..]);
    let creds = UrlCredentials {
        user: percent_decode(user),
        password: percent_decode(password),
    };
    (stripped, Some((creds, password.to_string())))
}

/// `%XX` sequences decoded (as curl does for URL userinfo); anything else kept as it is.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_is_split_off_the_url_and_decoded() {
        let (url, creds) = split_userinfo("http://al%40ice:p%3Ass@127.0.0.1:8080/api?x=a@b");
        assert_eq!(url, "http://127.0.0.1:8080/api?x=a@b");
        let (c, written) = creds.unwrap();
        assert_eq!((c.user.as_str(), c.password.as_str()), ("al@ice", "p:ss"));
        assert_eq!(written, "p%3Ass");
        // base64("al@ice:p:ss")
        assert_eq!(c.basic(), "Basic YWxAaWNlOnA6c3M=");
        assert!(!format!("{c:?}").contains("p:ss"));
        let s = c.secrets(&written);
        assert!(s.contains(&"p:ss".to_string()) && s.contains(&"p%3Ass".to_string()));
        assert_eq!(split_userinfo("http://h/a@b").0, "http://h/a@b");
        assert!(split_userinfo("http://h/a@b").1.is_none());
        assert_eq!(split_userinfo("https://u@h").0, "https://h");
    }

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
