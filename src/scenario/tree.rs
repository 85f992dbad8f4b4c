//! A small span-carrying document tree shared by the TOML and JSON front ends.

use std::ops::Range;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    /// Byte range of the value in the source (for a `[table]`/`[[array]]`: its header).
    pub span: Range<usize>,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Table(Vec<Entry>),
    Array(Vec<Node>),
    String(String),
    Integer(i64),
    Float(f64),
    Bool(bool),
    /// JSON `null` (TOML has none).
    Null,
    /// TOML datetime, kept as its text.
    Datetime(String),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub key: String,
    pub key_span: Range<usize>,
    pub value: Node,
}

impl Node {
    pub fn table(&self) -> Option<&[Entry]> {
        match &self.kind {
            Kind::Table(t) => Some(t),
            _ => None,
        }
    }

    /// Human description of what was found, for "expected X, found Y" messages.
    pub fn describe(&self) -> String {
        match &self.kind {
            Kind::Table(_) => "a table".to_string(),
            Kind::Array(_) => "an array".to_string(),
            Kind::String(s) => {
                let mut short: String = s.chars().take(40).collect();
                if short.len() < s.len() {
                    short.push_str("...");
                }
                format!("string {short:?}")
            }
            Kind::Integer(i) => format!("integer {i}"),
            Kind::Float(x) => format!("float {x}"),
            Kind::Bool(b) => format!("boolean {b}"),
            Kind::Null => "null".to_string(),
            Kind::Datetime(d) => format!("datetime {d}"),
        }
    }
}

/// Look up a key in a table's entries.
pub(crate) fn get<'a>(entries: &'a [Entry], key: &str) -> Option<&'a Entry> {
    entries.iter().find(|e| e.key == key)
}
