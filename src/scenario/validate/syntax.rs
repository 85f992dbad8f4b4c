//! Messages and hints in the syntax of the file being validated.
//!
//! The validator's texts are written once, in TOML, with their examples as TOML snippets:
//! `` `rate = 50` ``, `{ duration = "30s", rate = 100 }`, `[{ pointer = "/id", exists = true }]`,
//! table names `[load]`, `[[requests]]`. For a JSON scenario, [`render`] rewrites each of those
//! into JSON (`"rate": 50`, `{"duration": "30s", "rate": 100}`, `"load"`, ...) as the diagnostic
//! is made ([`super::Cx::err_hint`] and friends), so that every section's hints follow without
//! knowing the syntax. The few hints that are prose about TOML itself (a `[[requests]]` header,
//! "two brackets") choose their text with [`super::Cx::by_syntax`].
//!
//! A TOML file's texts are never changed. In a JSON file, text in double quotes (a value the
//! user wrote, shown with `{:?}`) is left alone; a snippet that does not parse as TOML is too.

use crate::scenario::Format;
use crate::scenario::toml_src;
use crate::scenario::tree::{Kind, Node};

/// A JSON scenario's minimal `requests`, for the hints that TOML gives as a `[[requests]]`
/// header.
pub(super) const JSON_REQUESTS: &str =
    "`\"requests\": [{\"name\": \"list_orders\", \"path\": \"/orders\"}]`";

impl super::Cx<'_> {
    /// The text for this file's syntax: for hints that are prose about the syntax itself.
    pub(super) fn by_syntax<'t>(&self, toml: &'t str, json: &'t str) -> &'t str {
        match self.syntax {
            Format::Toml => toml,
            Format::Json => json,
        }
    }
}

/// `text` with its TOML snippets and table names written in `syntax`.
pub(super) fn render(syntax: Format, text: &str) -> String {
    if syntax == Format::Toml {
        return text.to_string();
    }
    rewrite(text)
}

/// TOML's words for structure, and JSON's.
const NOUNS: &[(&str, &str)] = &[
    ("array of tables", "array of objects"),
    ("a table like", "an object like"),
    ("expected a table", "expected an object"),
    ("an inline table", "an object"),
    ("found a table", "found an object"),
    ("found a single table", "found a single object"),
];

fn rewrite(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        match c {
            '`' => match rest[1..].find('`') {
                Some(end) => {
                    let inner = &rest[1..1 + end];
                    out.push('`');
                    out.push_str(&snippet(inner).unwrap_or_else(|| inner.to_string()));
                    out.push('`');
                    rest = &rest[end + 2..];
                }
                None => {
                    out.push_str(rest);
                    break;
                }
            },
            '"' => {
                // A quoted value (Rust `{:?}`): kept as written.
                let end = quoted_end(rest).unwrap_or(rest.len());
                out.push_str(&rest[..end]);
                rest = &rest[end..];
            }
            '[' | '{' if !out.ends_with(|p: char| p.is_alphanumeric() || p == '_') => {
                // (Not after a word: `p99[list_orders]` is a threshold scope.)
                if let Some((len, shown)) = table_name(rest).or_else(|| inline_value(rest)) {
                    out.push_str(&shown);
                    rest = &rest[len..];
                } else {
                    out.push(c);
                    rest = &rest[1..];
                }
            }
            _ => {
                if let Some((from, to)) = NOUNS.iter().find(|(from, _)| rest.starts_with(from)) {
                    out.push_str(to);
                    rest = &rest[from.len()..];
                } else {
                    out.push(c);
                    rest = &rest[c.len_utf8()..];
                }
            }
        }
    }
    out
}

/// Byte length of the `"..."` at the start of `s` (with `\"` escapes), closing quote included.
fn quoted_end(s: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices().skip(1) {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return Some(i + 1),
            _ => escaped = false,
        }
    }
    None
}

/// A table name at the start of `s` (`[load]`, `[[requests]]`, `[checks.pagination]`): its
/// length and its JSON form, `"load"`, `"requests"`, `"checks"."pagination"`, with the noun
/// after it ("table", "tables", "header") made JSON's.
fn table_name(s: &str) -> Option<(usize, String)> {
    if !s.starts_with('[') {
        return None;
    }
    let double = s.starts_with("[[");
    let open = if double { 2 } else { 1 };
    let close = if double { "]]" } else { "]" };
    let end = s[open..].find(close)? + open;
    let name = &s[open..end];
    let ident = |p: &str| {
        !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') && {
            let first = p.as_bytes()[0];
            first.is_ascii_alphabetic() || first == b'_'
        }
    };
    if !name.split('.').all(ident) {
        return None;
    }
    let mut len = end + close.len();
    let quoted = name
        .split('.')
        .map(|p| format!("\"{p}\""))
        .collect::<Vec<_>>()
        .join(".");
    let after = &s[len..];
    let shown = if double && after.starts_with(" tables") {
        len += " tables".len();
        format!("objects in {quoted}")
    } else if double && (after.starts_with(" table") || after.starts_with(" header")) {
        len += if after.starts_with(" table") {
            " table".len()
        } else {
            " header".len()
        };
        format!("object in {quoted}")
    } else if !double && after.starts_with(" table") {
        len += " table".len();
        format!("{quoted} object")
    } else {
        quoted
    };
    Some((len, shown))
}

/// An inline TOML table or array of tables at the start of `s` (`{ rate = 100 }`,
/// `[{ pointer = "/id" }]`), outside backticks: its length and its JSON form.
fn inline_value(s: &str) -> Option<(usize, String)> {
    if !(s.starts_with("{ ") || s.starts_with("[{")) {
        return None;
    }
    let len = balanced_end(s)?;
    Some((len, value_snippet(&s[..len])?))
}

/// Length of the bracketed text at the start of `s`, up to its matching close, skipping
/// quoted strings.
fn balanced_end(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_str = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if in_str {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => in_str = false,
                _ => escaped = false,
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '{' | '[' => depth += 1,
            '}' | ']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// A backticked snippet in JSON: `key = value` becomes `"key": value`; an inline table or
/// array becomes its JSON; a table name becomes `"name"`; anything else is `None` (unchanged).
fn snippet(inner: &str) -> Option<String> {
    if let Some((len, shown)) = table_name(inner) {
        if len == inner.len() {
            return Some(shown);
        }
    }
    if inner.starts_with('{') || inner.starts_with('[') {
        return value_snippet(inner);
    }
    let (key, value) = inner.split_once(" = ")?;
    let bare = |k: &str| {
        !k.is_empty()
            && k.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    };
    // A dotted key (`capture.NAME = { json = "/id" }`) nests: `"capture": {"NAME": {...}}`.
    let first = key.split('.').next().unwrap_or(key);
    if !key.split('.').all(bare) {
        return None;
    }
    let (root, errors) = toml_src::parse(inner);
    match root.table() {
        Some([e]) if errors.is_empty() && e.key == first => {
            Some(format!("{}: {}", json_string(&e.key), json(&e.value)))
        }
        // A value that is itself a stand-in (`equals = <value>`): only the key changes.
        _ if !key.contains('.') => Some(format!("{}: {value}", json_string(key))),
        _ => None,
    }
}

/// A TOML inline value (table or array) as JSON.
fn value_snippet(value: &str) -> Option<String> {
    let (root, errors) = toml_src::parse(&format!("v = {value}"));
    if !errors.is_empty() {
        return None;
    }
    let e = root.table()?.first()?;
    Some(json(&e.value))
}

fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// One-line JSON with a space after `:` and `,`, keys in the snippet's order.
fn json(node: &Node) -> String {
    match &node.kind {
        Kind::Table(entries) => format!(
            "{{{}}}",
            entries
                .iter()
                .map(|e| format!("{}: {}", json_string(&e.key), json(&e.value)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Kind::Array(items) => format!(
            "[{}]",
            items.iter().map(json).collect::<Vec<_>>().join(", ")
        ),
        Kind::String(s) | Kind::Datetime(s) => json_string(s),
        Kind::Integer(i) => i.to_string(),
        Kind::Float(x) => x.to_string(),
        Kind::Bool(b) => b.to_string(),
        Kind::Null => "null".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(text: &str) -> String {
        render(Format::Json, text)
    }

    #[test]
    fn toml_text_is_never_changed() {
        for t in [
            "add a [load] table, e.g. `rate = 50` and `duration = \"30s\"`",
            "write e.g. { duration = \"30s\", rate = 100 }",
            "an array of tables like [{ pointer = \"/id\", exists = true }]",
        ] {
            assert_eq!(render(Format::Toml, t), t);
        }
    }

    #[test]
    fn snippets_become_json() {
        assert_eq!(
            j("add a [load] table, e.g. `rate = 50` and `duration = \"30s\"`"),
            "add a \"load\" object, e.g. `\"rate\": 50` and `\"duration\": \"30s\"`"
        );
        assert_eq!(
            j("write e.g. { duration = \"30s\", rate = 100 }"),
            "write e.g. {\"duration\": \"30s\", \"rate\": 100}"
        );
        assert_eq!(
            j("an array of tables like [{ pointer = \"/id\", exists = true }]"),
            "an array of objects like [{\"pointer\": \"/id\", \"exists\": true}]"
        );
        assert_eq!(
            j("set it explicitly, e.g. `oracle = { kind = \"get\", path = \"/orders/{id}\" }`"),
            "set it explicitly, e.g. `\"oracle\": {\"kind\": \"get\", \"path\": \"/orders/{id}\"}`"
        );
        assert_eq!(
            j("write e.g. `Location = { present = true }`, `{ absent = true }`"),
            "write e.g. `\"Location\": {\"present\": true}`, `{\"absent\": true}`"
        );
        assert_eq!(
            j("waive the check: `skip = [\"ERR-06\"]` in [checks]"),
            "waive the check: `\"skip\": [\"ERR-06\"]` in \"checks\""
        );
        assert_eq!(
            j("either `exists = true` or `equals = <value>`"),
            "either `\"exists\": true` or `\"equals\": <value>`"
        );
        assert_eq!(
            j("add `capture.NAME = { json = \"/id\" }` under its own [[flows.steps]] header"),
            "add `\"capture\": {\"NAME\": {\"json\": \"/id\"}}` under its own object in \"flows\".\"steps\""
        );
        assert_eq!(
            j("unknown key `x` in [checks.pagination]"),
            "unknown key `x` in \"checks\".\"pagination\""
        );
        assert_eq!(
            j("add [[load.stages]] tables, or remove `stages`"),
            "add objects in \"load\".\"stages\", or remove `stages`"
        );
        assert_eq!(
            j("expected a table like { pointer = \"/id\", exists = true }, found a table"),
            "expected an object like {\"pointer\": \"/id\", \"exists\": true}, found an object"
        );
    }

    #[test]
    fn what_is_not_a_snippet_stays() {
        for t in [
            "did you mean `${vars.token}`?",
            "use the placeholder `${rand.int(LO, HI)}`",
            "invalid HTTP method \"GE [x] { a = 1 } a table like\"",
            "known placeholders: ${env.NAME}, ${vars.NAME}",
            "the path is appended to `target`; write e.g. \"/orders\"",
            "`name` must not be empty",
            "p99[list_orders]",
            // Found by the fuzzer: not ASCII right after a backtick or a bracket.
            "unknown key `\u{fffd}\u{fffd}faults` in the top level",
            "`\u{e9}t\u{e9} = 1` [\u{e9}] {\u{e9}} {load}",
        ] {
            assert_eq!(j(t), t);
        }
    }
}
