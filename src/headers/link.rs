//! RFC 8288 `Link` header fields.
//!
//! ```text
//! Link       = #link-value
//! link-value = "<" URI-Reference ">" *( OWS ";" OWS link-param )
//! link-param = token BWS [ "=" BWS ( token / quoted-string ) ]
//! ```
//!
//! Several `Link` field lines are one list: join them with `", "` before parsing. Parameter names
//! are case-insensitive (lower-cased here); `rel` holds one or more space-separated relation
//! types, compared case-insensitively (RFC 8288 §2.1.1), and only its first occurrence counts
//! (§3.3). Targets are URI references, resolved against the request URL when one is given
//! (§3.1). Pure: no I/O, never panics (a fuzz loop in the tests holds it to that).

use reqwest::Url;

/// One link-value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The target as written between `<` and `>`.
    pub raw_target: String,
    /// The target resolved against the base URL; `None` without a base or if it cannot be
    /// resolved (then `raw_target` is all there is).
    pub target: Option<Url>,
    /// Relation types of the first `rel` parameter, lower-cased, in order.
    pub rels: Vec<String>,
    /// Every parameter in order, names lower-cased, quoted values unescaped. A parameter without
    /// a value has an empty value.
    pub params: Vec<(String, String)>,
}

impl Link {
    pub fn has_rel(&self, rel: &str) -> bool {
        self.rels.iter().any(|r| r.eq_ignore_ascii_case(rel))
    }

    /// The first parameter with this (case-insensitive) name.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The resolved target if there is one, else the raw target.
    pub fn href(&self) -> String {
        self.target
            .as_ref()
            .map_or_else(|| self.raw_target.clone(), |u| u.to_string())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("expected `<` to open a link target at byte {0}")]
    ExpectedTarget(usize),
    #[error("link target opened at byte {0} is never closed with `>`")]
    UnclosedTarget(usize),
    #[error("expected a parameter name at byte {0}")]
    ExpectedParamName(usize),
    #[error("quoted string opened at byte {0} is never closed")]
    UnclosedQuote(usize),
    #[error("expected `;` or `,` at byte {0}")]
    ExpectedSeparator(usize),
}

/// RFC 9110 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn skip_ows(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && (s[i] == b' ' || s[i] == b'\t') {
        i += 1;
    }
    i
}

/// Parse a whole `Link` field value (possibly several link-values). Empty list elements are
/// allowed (`#rule`). `base` resolves relative targets.
pub fn parse(value: &str, base: Option<&Url>) -> Result<Vec<Link>, LinkError> {
    let s = value.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        // Skip empty list elements and whitespace.
        while i < s.len() && (s[i] == b',' || s[i] == b' ' || s[i] == b'\t') {
            i += 1;
        }
        if i >= s.len() {
            return Ok(out);
        }
        if s[i] != b'<' {
            return Err(LinkError::ExpectedTarget(i));
        }
        let open = i;
        let close = s[i + 1..]
            .iter()
            .position(|&b| b == b'>')
            .map(|p| p + i + 1)
            .ok_or(LinkError::UnclosedTarget(open))?;
        // `<` and `>` are ASCII, so both slice ends are char boundaries.
        let raw_target = value[open + 1..close].trim().to_string();
        i = close + 1;
        let mut params: Vec<(String, String)> = Vec::new();
        loop {
            i = skip_ows(s, i);
            if i >= s.len() || s[i] == b',' {
                break;
            }
            if s[i] != b';' {
                return Err(LinkError::ExpectedSeparator(i));
            }
            i = skip_ows(s, i + 1);
            // A trailing `;` (or `;,`) is tolerated.
            if i >= s.len() || s[i] == b',' {
                break;
            }
            let start = i;
            while i < s.len() && is_tchar(s[i]) {
                i += 1;
            }
            if i == start {
                return Err(LinkError::ExpectedParamName(start));
            }
            let name = value[start..i].to_ascii_lowercase();
            i = skip_ows(s, i);
            let mut val = String::new();
            if i < s.len() && s[i] == b'=' {
                i = skip_ows(s, i + 1);
                if i < s.len() && s[i] == b'"' {
                    let qstart = i;
                    i += 1;
                    let mut buf: Vec<u8> = Vec::new();
                    let mut closed = false;
                    while i < s.len() {
                        match s[i] {
                            b'\\' if i + 1 < s.len() => {
                                buf.push(s[i + 1]);
                                i += 2;
                            }
                            b'"' => {
                                closed = true;
                                i += 1;
                                break;
                            }
                            b => {
                                buf.push(b);
                                i += 1;
                            }
                        }
                    }
                    if !closed {
                        return Err(LinkError::UnclosedQuote(qstart));
                    }
                    val = String::from_utf8_lossy(&buf).into_owned();
                } else {
                    let vstart = i;
                    while i < s.len() && is_tchar(s[i]) {
                        i += 1;
                    }
                    val = value[vstart..i].to_string();
                }
            }
            params.push((name, val));
        }
        let rels = params
            .iter()
            .find(|(k, _)| k == "rel")
            .map(|(_, v)| {
                v.split_ascii_whitespace()
                    .map(str::to_ascii_lowercase)
                    .collect()
            })
            .unwrap_or_default();
        let target = base.and_then(|b| b.join(&raw_target).ok());
        out.push(Link {
            raw_target,
            target,
            rels,
            params,
        });
    }
}

/// The first link with relation `rel` among `links`.
pub fn find_rel<'a>(links: &'a [Link], rel: &str) -> Option<&'a Link> {
    links.iter().find(|l| l.has_rel(rel))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};

    fn base() -> Url {
        Url::parse("https://api.example.com/v1/orders?limit=10").unwrap()
    }

    #[test]
    fn single_relative_link_resolves_against_the_request() {
        let l = parse(
            r#"</orders?limit=10&cursor=abc>; rel="next""#,
            Some(&base()),
        )
        .unwrap();
        assert_eq!(l.len(), 1);
        assert_eq!(l[0].raw_target, "/orders?limit=10&cursor=abc");
        assert_eq!(
            l[0].href(),
            "https://api.example.com/orders?limit=10&cursor=abc"
        );
        assert!(l[0].has_rel("next"));
        assert!(l[0].has_rel("NEXT"));
    }

    #[test]
    fn relative_path_and_query_only_references() {
        let l = parse("<page2>; rel=next, <?page=3>; rel=last", Some(&base())).unwrap();
        assert_eq!(l[0].href(), "https://api.example.com/v1/page2");
        assert_eq!(l[1].href(), "https://api.example.com/v1/orders?page=3");
        assert!(l[1].has_rel("last"));
    }

    #[test]
    fn github_style_multiple_links() {
        let v = r#"<https://api.github.com/repositories/1/issues?page=2>; rel="next", <https://api.github.com/repositories/1/issues?page=5>; rel="last""#;
        let l = parse(v, None).unwrap();
        assert_eq!(l.len(), 2);
        assert!(l[0].target.is_none());
        assert_eq!(
            find_rel(&l, "last").unwrap().raw_target,
            "https://api.github.com/repositories/1/issues?page=5"
        );
        assert_eq!(
            find_rel(&l, "next").unwrap().href(),
            "https://api.github.com/repositories/1/issues?page=2"
        );
        assert!(find_rel(&l, "prev").is_none());
    }

    #[test]
    fn several_rel_values_quoted_params_and_escapes() {
        let v = r##"<https://x.test/a>;REL="Next  last" ; title="a \"quoted\", title; ok"; anchor="#c"; crossorigin"##;
        let l = parse(v, None).unwrap();
        assert_eq!(l.len(), 1);
        assert_eq!(l[0].rels, vec!["next", "last"]);
        assert!(l[0].has_rel("last"));
        assert_eq!(l[0].param("title"), Some(r#"a "quoted", title; ok"#));
        assert_eq!(l[0].param("anchor"), Some("#c"));
        assert_eq!(l[0].param("crossorigin"), Some(""));
    }

    #[test]
    fn only_the_first_rel_counts() {
        let l = parse(r#"<x>; rel="prev"; rel="next""#, None).unwrap();
        assert!(l[0].has_rel("prev"));
        assert!(!l[0].has_rel("next"));
    }

    #[test]
    fn empty_elements_and_whitespace_are_tolerated() {
        assert_eq!(parse("", None).unwrap(), vec![]);
        assert_eq!(parse(" , ,", None).unwrap(), vec![]);
        let l = parse(" ,<a>;rel=next;, ,\t<b> ; rel = prev ;", None).unwrap();
        assert_eq!(l.len(), 2);
        assert!(l[0].has_rel("next"));
        assert!(l[1].has_rel("prev"));
    }

    #[test]
    fn star_parameters_keep_their_raw_value() {
        let l = parse("<a>; rel=next; title*=UTF-8'de'n%c3%a4chstes", None).unwrap();
        assert_eq!(l[0].param("title*"), Some("UTF-8'de'n%c3%a4chstes"));
    }

    #[test]
    fn malformed_values_are_errors() {
        assert_eq!(
            parse("a; rel=next", None),
            Err(LinkError::ExpectedTarget(0))
        );
        assert_eq!(
            parse("<a; rel=next", None),
            Err(LinkError::UnclosedTarget(0))
        );
        assert_eq!(
            parse(r#"<a>; rel="next"#, None),
            Err(LinkError::UnclosedQuote(9))
        );
        assert_eq!(
            parse("<a> rel=next", None),
            Err(LinkError::ExpectedSeparator(4))
        );
        assert_eq!(
            parse("<a>; =next", None),
            Err(LinkError::ExpectedParamName(5))
        );
        assert!(parse("<a>; rel=next <b>", None).is_err());
    }

    #[test]
    fn unresolvable_target_keeps_the_raw_text() {
        let l = parse("<http://[::1>; rel=next", Some(&base())).unwrap();
        assert!(l[0].target.is_none());
        assert_eq!(l[0].href(), "http://[::1");
    }

    /// Bounded fuzz: random strings over a Link-ish alphabet, and every truncation and one-byte
    /// corruption of valid values, must parse or fail, never panic.
    #[test]
    fn fuzz_never_panics() {
        let valid = [
            r#"</orders?limit=10&cursor=abc>; rel="next", </orders>; rel="first""#,
            r##"<https://x.test/a>;REL="Next  last" ; title="a \"q\", t; ok"; anchor="#c"; x"##,
            "<a>; rel=next; title*=UTF-8'de'n%c3%a4chstes, <ü>; rel=\"prév\"",
        ];
        let b = base();
        for v in valid {
            for cut in 0..=v.len() {
                if v.is_char_boundary(cut) {
                    let _ = parse(&v[..cut], Some(&b));
                    let _ = parse(&v[cut..], Some(&b));
                }
            }
        }
        let alphabet: Vec<char> = "<>;,=\"\\ \t/?&#:.-_relnxtRELNprev0123456789é∑\u{0}"
            .chars()
            .collect();
        let mut rng = SmallRng::seed_from_u64(0x114b);
        for _ in 0..20_000 {
            let len = rng.random_range(0..40);
            let s: String = (0..len)
                .map(|_| alphabet[rng.random_range(0..alphabet.len())])
                .collect();
            let _ = parse(&s, Some(&b));
            // Corrupt a valid value at one char.
            let v = valid[rng.random_range(0..valid.len())];
            let mut chars: Vec<char> = v.chars().collect();
            let at = rng.random_range(0..chars.len());
            chars[at] = alphabet[rng.random_range(0..alphabet.len())];
            let _ = parse(&chars.into_iter().collect::<String>(), Some(&b));
        }
    }
}
