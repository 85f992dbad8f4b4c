//! ERR-05: what leaks from an error — stack traces, SQL errors, file paths — and server
//! headers that disclose a version. A literal search ([`may_leak`]) rules out the common clean
//! text; only a text it lets through meets the `RegexSet`.

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

/// Literals every match of a [`LEAK_PATTERNS`] entry contains at least one of (the patterns'
/// order): each pattern's own literal (the Go and Python source locations are covered by their
/// extensions, further down); for an absolute path, a system root between slashes (`/home/`),
/// a dot and the start of a source-file extension (`.c` stands for `.c`, `.cc`, `.cpp`, `.cs`
/// and `.class`, `.h` for `.h` and `.hpp`, `.ja` for `.java` and `.jar`, `.js` for `.js` and
/// `.jsp`, `.ex` for `.ex` and `.exs`), or a drive's `:\`. A match is found by `is_match` over these in
/// a fraction of the time the patterns' automaton takes per byte, so most error responses never
/// reach it. Whoever edits a pattern edits this list: a test generates strings from every
/// pattern and requires each to contain one of these.
const NEEDLES: &[&str] = &[
    "Traceback (most recent call last)",
    "at java.",
    "Exception in thread",
    "panic:",
    "goroutine ",
    "SQLSTATE",
    "ORA-",
    "You have an error in your SQL syntax",
    "/home/",
    "/usr/",
    "/srv/",
    "/var/",
    "/opt/",
    "/etc/",
    "/tmp/",
    "/root/",
    "/Users/",
    ".py",
    ".rb",
    ".go",
    ".ja",
    ".js",
    ".mjs",
    ".ts",
    ".php",
    ".c",
    ".rs",
    ".h",
    ".scala",
    ".kt",
    ".ex",
    ".erl",
    ".pl",
    ".so",
    ".dll",
    ".aspx",
    ":\\",
];

struct Leaks {
    needles: regex::bytes::Regex,
    set: RegexSet,
    each: Vec<Regex>,
    version: Regex,
}

fn leaks() -> &'static Leaks {
    static L: OnceLock<Leaks> = OnceLock::new();
    L.get_or_init(|| Leaks {
        needles: regex::bytes::Regex::new(
            &NEEDLES
                .iter()
                .map(|n| regex::escape(n))
                .collect::<Vec<_>>()
                .join("|"),
        )
        .expect("literals compile"),
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
    if !may_leak(text.as_bytes()) || !l.set.is_match(text) {
        return None;
    }
    let hit = l.set.matches(text).into_iter().next()?;
    let m = l.each[hit].find(text)?;
    Some(Leak {
        pattern: LEAK_PATTERNS[hit].0,
        excerpt: short(m.as_str().trim()),
    })
}

/// Whether `text` may leak: `false` means [`find_leak`] finds nothing in it (it holds none of
/// [`NEEDLES`]), `true` only that it might. Bytes, so that a body is not converted to text
/// unless it might leak: the literals are ASCII, and a lossy conversion only ever replaces
/// non-ASCII bytes, so it neither makes nor breaks a literal.
pub fn may_leak(text: &[u8]) -> bool {
    leaks().needles.is_match(text)
}

/// `Server` / `X-Powered-By` values that disclose a version (`nginx/1.25.3`, `PHP/8.1`, `Express
/// 4.18`).
pub fn discloses_version(value: &str) -> bool {
    leaks().version.is_match(value)
}

/// `may_leak` is a sound prefilter: a text it clears matches no pattern.
#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    /// Strings generated from each pattern itself (its `^` and `\b` dropped: they narrow where a
    /// match may sit, never what it holds) each contain a needle. This is what fails when a
    /// pattern changes and [`NEEDLES`] does not.
    #[test]
    fn every_string_a_pattern_matches_holds_a_needle() {
        for (name, pattern) in LEAK_PATTERNS {
            let bare = pattern.replace(r"\b", "").replace("(?:^|", "(?:");
            let strings = proptest::string::string_regex(&bare).expect("generator");
            let mut runner = TestRunner::new(Config {
                cases: 1024,
                failure_persistence: None,
                ..Config::default()
            });
            runner
                .run(&strings, |s| {
                    prop_assert!(may_leak(s.as_bytes()), "{}: {:?}", name, s);
                    Ok(())
                })
                .unwrap();
        }
    }

    const PIECES: &[&str] = &[
        "Traceback (most recent call last)",
        "at java.lang.Thread.run",
        "Exception in thread \"main\"",
        "panic: boom",
        "goroutine 7",
        "main.go:12",
        "app.py\", line 4",
        "SQLSTATE",
        "ORA-00942",
        "You have an error in your SQL syntax",
        "/var/lib/app.db",
        "/x/handler.php",
        "C:\\inetpub\\app.dll",
        "=/usr/lib",
        "req_4f1c",
        "application/problem+json",
        "\"default\";r=5;t=8",
        "Tue, 01 Dec 2026 11:53:20 GMT",
        " ",
        "",
        "/orders/ord_1",
        "ORA-",
        "00942",
        "goroutine",
        "java.",
        "at ",
        "panic",
        ":",
        "x",
    ];

    /// Texts of leaky and clean pieces, in bytes that are not always UTF-8.
    fn bytes() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(
            prop_oneof![
                4 => prop::sample::select(PIECES).prop_map(|p| p.as_bytes().to_vec()),
                1 => prop::sample::select(vec![vec![0xff], vec![0xc3], vec![0xe2, 0x82], "é".as_bytes().to_vec()]),
            ],
            0..5,
        )
        .prop_map(|p| p.concat())
    }

    proptest! {
        #[test]
        fn whatever_a_pattern_matches_gets_through(b in bytes()) {
            let text = String::from_utf8_lossy(&b);
            if leaks().set.is_match(&text) {
                prop_assert!(may_leak(&b), "{:?}", text);
            }
        }
    }

    #[test]
    fn clean_error_bodies_stop_at_the_needles() {
        assert!(!may_leak(
            br#"{"title":"Order not found","instance":"/orders/ord_1","request_id":"req_4f1c"}"#
        ));
        assert!(!may_leak(b"application/problem+json"));
        for leaky in PIECES.iter().filter(|p| leaks().set.is_match(p)) {
            assert!(may_leak(leaky.as_bytes()), "{leaky}");
        }
    }
}
