//! ERR-05: what leaks from an error — stack traces, SQL errors, file paths — and server
//! headers that disclose a version. One `RegexSet` pass over a text for the common clean case.

use std::sync::OnceLock;

use regex::{Regex, RegexSet};

use super::short;

/// The leakage patterns, by name. `goroutine ` is matched as `goroutine <n>` (the header of a Go
/// stack dump) so that prose mentioning goroutines is not a finding; absolute paths are those
/// under a system root (`/home`, `/usr`, `/srv`, `/var`, `/opt`, `/etc`, `/tmp`, `/root`,
/// `/Users`) or ending in a source-file extension, and Windows `C:\…` paths — not URL paths.
pub const LEAK_PATTERNS: &[(&str, &str)] = &[
    ("Python traceback", r"Traceback \(most recent call last\)"),
    ("Java stack frame", r"\bat java\."),
    ("uncaught Java exception", r"Exception in thread"),
    ("Go panic", r"panic:"),
    ("Go goroutine dump", r"\bgoroutine \d+"),
    ("Go source location", r"\.go:\d+"),
    ("Python source location", r#"\.py", line \d+"#),
    ("SQLSTATE code", r"SQLSTATE"),
    ("Oracle error code", r"ORA-\d{5}"),
    (
        "MySQL syntax error",
        r"You have an error in your SQL syntax",
    ),
    (
        "absolute file path",
        r#"(?:^|[\s"'(\[=,;])(?:/(?:home|usr|srv|var|opt|etc|tmp|root|Users)(?:/[\w.@+-]+)+|(?:/[\w.@+-]+)+\.(?:py|rb|go|java|js|mjs|ts|php|cs|rs|c|cc|cpp|h|hpp|scala|kt|exs?|erl|pl|jar|class|so|dll|jsp|aspx)\b|[A-Za-z]:\\[\w .\\-]+)"#,
    ),
];

struct Leaks {
    set: RegexSet,
    each: Vec<Regex>,
    version: Regex,
}

fn leaks() -> &'static Leaks {
    static L: OnceLock<Leaks> = OnceLock::new();
    L.get_or_init(|| Leaks {
        set: RegexSet::new(LEAK_PATTERNS.iter().map(|(_, p)| p)).expect("leak patterns compile"),
        each: LEAK_PATTERNS
            .iter()
            .map(|(_, p)| Regex::new(p).expect("leak pattern compiles"))
            .collect(),
        version: Regex::new(r"\d+\.\d+|/v?\d").expect("version regex"),
    })
}

/// A leak found in a text: which pattern, and the matched excerpt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leak {
    pub pattern: &'static str,
    pub excerpt: String,
}

/// The first leakage pattern (in [`LEAK_PATTERNS`] order) that matches `text`. One pass over the
/// text for the common clean case.
pub fn find_leak(text: &str) -> Option<Leak> {
    let l = leaks();
    // Most texts are clean: `is_match` may stop early and skips the overlapping search that
    // `matches` runs to the end of the text (every error response's headers pass through here).
    if !l.set.is_match(text) {
        return None;
    }
    let hit = l.set.matches(text).into_iter().next()?;
    let m = l.each[hit].find(text)?;
    Some(Leak {
        pattern: LEAK_PATTERNS[hit].0,
        excerpt: short(m.as_str().trim()),
    })
}

/// Whether any leakage pattern matches `text`: one pass, no excerpt.
///
/// A sound prefilter for several texts at once, each on a line of its own (joined by `\n`):
/// every pattern that matches inside one of them matches the joined text too. The patterns are
/// literals, `\b` (a newline is a non-word character, as a text's edge is) and a path that
/// starts at `^` or after whitespace (the newline before a text is whitespace); none looks past a
/// text's end or uses `\A`/`\z`. The joined text may match where no single one does (across a
/// newline): the caller then asks [`find_leak`] of each, which decides.
pub fn may_leak(text: &str) -> bool {
    leaks().set.is_match(text)
}

/// `Server` / `X-Powered-By` values that disclose a version (`nginx/1.25.3`, `PHP/8.1`, `Express
/// 4.18`).
pub fn discloses_version(value: &str) -> bool {
    leaks().version.is_match(value)
}
