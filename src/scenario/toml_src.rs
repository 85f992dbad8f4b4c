//! TOML front end: `toml::de::DeTable::parse_recoverable` into the span tree.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::tree::{Entry, Kind, Node};

/// A syntax error: span and message.
pub(crate) type SyntaxError = (Range<usize>, String);

/// Parse TOML; returns the tree and every syntax error found.
pub(crate) fn parse(source: &str) -> (Node, Vec<SyntaxError>) {
    let (root, errors) = DeTable::parse_recoverable(source);
    let errors = errors
        .into_iter()
        .map(|e| {
            let span = e.span().unwrap_or(source.len()..source.len());
            let message = e.message().trim().replace('\n', "; ");
            (span, message)
        })
        .collect();
    let node = Node {
        span: 0..0,
        kind: Kind::Table(table(root.get_ref())),
    };
    (node, errors)
}

fn table(t: &DeTable<'_>) -> Vec<Entry> {
    let mut entries: Vec<Entry> = t
        .iter()
        .map(|(k, v)| Entry {
            key: k.get_ref().to_string(),
            key_span: k.span(),
            value: value(v),
        })
        .collect();
    // The map is ordered by key; restore file order from the spans.
    entries.sort_by_key(|e| e.key_span.start);
    entries
}

fn value(v: &Spanned<DeValue<'_>>) -> Node {
    let span = v.span();
    let kind = match v.get_ref() {
        DeValue::String(s) => Kind::String(s.to_string()),
        DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) => Kind::Integer(n),
            // Out of i64 range: keep it as a float so it is reported as out of range later.
            Err(_) => Kind::Float(i.as_str().parse().unwrap_or(f64::INFINITY)),
        },
        DeValue::Float(x) => Kind::Float(x.as_str().parse().unwrap_or(f64::NAN)),
        DeValue::Boolean(b) => Kind::Bool(*b),
        DeValue::Datetime(d) => Kind::Datetime(d.to_string()),
        DeValue::Array(a) => Kind::Array(a.iter().map(value).collect()),
        DeValue::Table(t) => Kind::Table(table(t)),
    };
    Node { span, kind }
}
