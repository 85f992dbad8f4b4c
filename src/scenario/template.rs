//! Splitting template strings into literal text and `${...}` placeholders.
//!
//! Resolution of the placeholders (env, vars, secrets, ...) happens in the validator, which
//! knows the variables and reports located errors.

use std::ops::Range;

use super::model::{Part, Template};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Piece {
    Lit(String),
    /// `${body}`; `range` is the byte range of the whole placeholder in the decoded string.
    Ph {
        body: String,
        range: Range<usize>,
    },
}

/// Split `text` into pieces. `$${` is a literal `${`. On an unclosed `${` the error carries the
/// range of the `${` in `text`; the pieces before it are still returned.
pub(crate) fn split(text: &str) -> (Vec<Piece>, Option<(Range<usize>, String)>) {
    let mut pieces = Vec::new();
    let mut lit = String::new();
    let mut rest_start = 0;
    let mut i = 0;
    let bytes = text.as_bytes();
    while i < bytes.len() {
        if bytes[i..].starts_with(b"$${") {
            lit.push_str(&text[rest_start..i]);
            lit.push_str("${");
            i += 3;
            rest_start = i;
        } else if bytes[i..].starts_with(b"${") {
            lit.push_str(&text[rest_start..i]);
            let Some(close) = text[i + 2..].find('}') else {
                if !lit.is_empty() {
                    pieces.push(Piece::Lit(std::mem::take(&mut lit)));
                }
                return (
                    pieces,
                    Some((
                        i..i + 2,
                        "unclosed placeholder: `${` without a matching `}`".to_string(),
                    )),
                );
            };
            if !lit.is_empty() {
                pieces.push(Piece::Lit(std::mem::take(&mut lit)));
            }
            let end = i + 2 + close + 1;
            pieces.push(Piece::Ph {
                body: text[i + 2..end - 1].to_string(),
                range: i..end,
            });
            i = end;
            rest_start = i;
        } else {
            i += 1;
        }
    }
    lit.push_str(&text[rest_start..]);
    if !lit.is_empty() {
        pieces.push(Piece::Lit(lit));
    }
    (pieces, None)
}

/// Append a part to a template, merging adjacent literals and dropping empty ones.
pub(crate) fn push_part(t: &mut Template, part: Part) {
    match part {
        Part::Lit(s) => {
            if s.is_empty() {
                return;
            }
            if let Some(Part::Lit(prev)) = t.parts.last_mut() {
                prev.push_str(&s);
            } else {
                t.parts.push(Part::Lit(s));
            }
        }
        Part::Secret(s) if s.is_empty() => {}
        other => t.parts.push(other),
    }
}

/// `rand.int(LO, HI)` arguments, or an error message.
pub(crate) fn parse_rand_int(body: &str) -> Option<Result<(i64, i64), String>> {
    let args = body.strip_prefix("rand.int")?.trim_start();
    let Some(args) = args.strip_prefix('(').and_then(|a| a.strip_suffix(')')) else {
        return Some(Err(
            "malformed `rand.int`: write `${rand.int(LO, HI)}`, e.g. `${rand.int(1, 100)}`"
                .to_string(),
        ));
    };
    let parts: Vec<&str> = args.split(',').map(str::trim).collect();
    if parts.len() != 2 {
        return Some(Err(format!(
            "`rand.int` takes two integers (LO, HI), found {} argument(s)",
            parts.len()
        )));
    }
    let lo = parts[0].parse::<i64>();
    let hi = parts[1].parse::<i64>();
    Some(match (lo, hi) {
        (Ok(lo), Ok(hi)) if lo <= hi => Ok((lo, hi)),
        (Ok(lo), Ok(hi)) => Err(format!("`rand.int({lo}, {hi})`: LO must not exceed HI")),
        (Err(_), _) => Err(format!("`rand.int`: `{}` is not an integer", parts[0])),
        (_, Err(_)) => Err(format!("`rand.int`: `{}` is not an integer", parts[1])),
    })
}

/// Whether `s` is a valid variable / environment variable name.
pub(crate) fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
