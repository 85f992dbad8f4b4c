//! The body rules of `[requests.expect]`: each entry of `json = [...]` (a pointer and one or
//! more rules: `exists`, `equals`, `matches`, `type`, `gt`/`ge`/`lt`/`le`, `len`, `one_of`) and
//! `schema` (a JSON Schema file, read and compiled here, at load time); and a request's
//! `remove_headers`. Everything a run would trip on (a bad regex, an unknown type name, an
//! unreadable schema) is a located error before anything is sent.

use super::Cx;
use super::cx::suggest;
use crate::scenario::model::*;
use crate::scenario::tree::{Entry, Kind, Node, get};

/// Every key of a json expectation; all but `pointer` are rules.
const JSON_KEYS: &[&str] = &[
    "pointer", "exists", "equals", "matches", "type", "gt", "ge", "lt", "le", "len", "one_of",
];
const BOUNDS: &[&str] = &["gt", "ge", "lt", "le"];
const EXAMPLE: &str = "e.g. { pointer = \"/status\", equals = \"pending\" } or { pointer = \"/total\", type = \"number\", gt = 0 }";

impl Cx<'_> {
    /// One entry of `json = [...]`: one expectation per rule it gives, all on its pointer (the
    /// bounds `gt`/`ge`/`lt`/`le` together are one rule).
    pub(super) fn json_expectations(&mut self, node: &Node) -> Option<Vec<JsonExpectation>> {
        let Some(t) = node.table() else {
            self.err_hint(
                node.span.clone(),
                format!(
                    "expected a table like {{ pointer = \"/id\", exists = true }}, found {}",
                    node.describe()
                ),
                "each json expectation has a `pointer` and one or more rules: `exists`, `equals`, `matches`, `type`, `gt`/`ge`/`lt`/`le`, `len`, `one_of`",
            );
            return None;
        };
        self.check_keys(t, JSON_KEYS, "a json expectation");
        let pointer = match get(t, "pointer") {
            Some(e) => self.pointer(e),
            None => {
                self.missing(
                    node.span.clone(),
                    "pointer",
                    "a json expectation",
                    "add e.g. `pointer = \"/id\"`",
                );
                None
            }
        };
        let mut ok = true;
        let mut rules = Vec::new();
        let mut push = |r: Option<JsonRule>| match r {
            Some(r) => rules.push(r),
            None => ok = false,
        };
        if let Some(x) = get(t, "exists") {
            push(match self.bool_of(x) {
                Some(true) => Some(JsonRule::Exists),
                Some(false) => {
                    self.err(
                        x.value.span.clone(),
                        "`exists = false` is not supported; use `exists = true`",
                    );
                    None
                }
                None => None,
            });
        }
        if let Some(q) = get(t, "equals") {
            // Expected values are literal: a `${...}` here is compared as text, never expanded,
            // which is surely not what was meant (`equals = "${flow.order_id}"`).
            if let Kind::String(text) = &q.value.kind
                && text.contains("${")
            {
                self.warn_hint(
                    q.value.span.clone(),
                    "`equals` compares with this literal text: placeholders are not expanded in expectations",
                    "to check a value's shape, use `matches` (a regex) or `type`; `exists = true` checks presence",
                );
            }
            push(self.json_value(&q.value).map(JsonRule::Equals));
        }
        if let Some(m) = get(t, "matches") {
            push(self.json_regex(m).map(JsonRule::Matches));
        }
        if let Some(ty) = get(t, "type") {
            push(
                self.choice(ty, JsonType::NAMES)
                    .and_then(|n| JsonType::parse(&n))
                    .map(JsonRule::Type),
            );
        }
        if BOUNDS.iter().any(|b| get(t, b).is_some()) {
            push(self.bounds(t, false).map(JsonRule::Range));
        }
        if let Some(l) = get(t, "len") {
            push(self.len_rule(l).map(JsonRule::Len));
        }
        if let Some(o) = get(t, "one_of") {
            push(self.one_of(o).map(JsonRule::OneOf));
        }
        // An unknown key (already reported, with its "did you mean") is likely the misspelt rule.
        let unknown = t.iter().any(|e| !JSON_KEYS.contains(&e.key.as_str()));
        if ok && rules.is_empty() && !unknown {
            self.err_hint(
                node.span.clone(),
                "a json expectation needs at least one rule besides `pointer`",
                EXAMPLE,
            );
            return None;
        }
        let pointer = pointer?;
        (ok && !rules.is_empty()).then(|| {
            rules
                .into_iter()
                .map(|rule| JsonExpectation {
                    pointer: pointer.clone(),
                    rule,
                })
                .collect()
        })
    }

    /// `matches = "regex"`, compiled here so a bad one is a located error.
    fn json_regex(&mut self, e: &Entry) -> Option<String> {
        let re = self.str_of(e)?;
        match regex::Regex::new(&re) {
            Ok(_) => Some(re),
            Err(err) => {
                let detail = err.to_string();
                let detail = detail.lines().last().unwrap_or("").trim();
                let detail = detail.strip_prefix("error: ").unwrap_or(detail).to_string();
                self.err_hint(
                    e.value.span.clone(),
                    format!("invalid regular expression for `matches`: {detail}"),
                    "the syntax is that of the Rust `regex` crate; escape special characters with `\\\\` in TOML basic strings",
                );
                None
            }
        }
    }

    /// The `gt`/`ge`/`lt`/`le` keys of `t` (of a json expectation, or of a `len` table, where
    /// `whole` asks for non-negative integers). Bounds that no value can meet are an error.
    fn bounds(&mut self, t: &[Entry], whole: bool) -> Option<Bounds> {
        let mut ok = true;
        let mut b = Bounds::default();
        for (key, slot) in [
            ("gt", &mut b.gt),
            ("ge", &mut b.ge),
            ("lt", &mut b.lt),
            ("le", &mut b.le),
        ] {
            let Some(e) = get(t, key) else { continue };
            let v = if whole {
                self.int_in(e, 0, i64::MAX).map(|i| i as f64)
            } else {
                self.number(e)
            };
            match v {
                Some(v) => *slot = Some(v),
                None => ok = false,
            }
        }
        if !ok {
            return None;
        }
        // Lengths are whole: `gt = 2, lt = 3` admits none, as `ge = 3, le = 2` would not.
        let (gt, lt) = if whole {
            (
                b.gt.map(|x| (x + 1.0, false)),
                b.lt.map(|x| (x - 1.0, false)),
            )
        } else {
            (b.gt.map(|x| (x, true)), b.lt.map(|x| (x, true)))
        };
        let low = gt.into_iter().chain(b.ge.map(|x| (x, false)));
        let high: Vec<(f64, bool)> = lt.into_iter().chain(b.le.map(|x| (x, false))).collect();
        let empty = low.into_iter().any(|(lo, lo_strict)| {
            high.iter()
                .any(|&(hi, hi_strict)| lo > hi || (lo == hi && (lo_strict || hi_strict)))
        });
        if empty {
            let at = BOUNDS
                .iter()
                .filter_map(|k| get(t, k))
                .max_by_key(|e| e.key_span.start)
                .map(|e| e.key_span.clone())
                .unwrap_or_default();
            self.err_hint(
                at,
                format!("no value can meet the bounds {}", b.describe()),
                "check the direction of each bound: `gt`/`ge` are lower bounds, `lt`/`le` upper bounds",
            );
            return None;
        }
        Some(b)
    }

    /// `len = 3` or `len = { ge = 1, le = 10 }`.
    fn len_rule(&mut self, e: &Entry) -> Option<Bounds> {
        match &e.value.kind {
            Kind::Integer(_) => {
                let n = self.int_in(e, 0, i64::MAX)? as f64;
                Some(Bounds {
                    ge: Some(n),
                    le: Some(n),
                    ..Bounds::default()
                })
            }
            Kind::Table(t) => {
                self.check_keys(t, BOUNDS, "a `len` table");
                if !BOUNDS.iter().any(|b| get(t, b).is_some()) {
                    self.err_hint(
                        e.value.span.clone(),
                        "`len` needs an exact length or at least one bound",
                        "write e.g. `len = 3` or `len = { ge = 1, le = 10 }`",
                    );
                    return None;
                }
                self.bounds(t, true)
            }
            _ => {
                self.type_err(e, "an integer or a table like { ge = 1, le = 10 }");
                None
            }
        }
    }

    /// `one_of = [values]`: a non-empty array of literal values.
    fn one_of(&mut self, e: &Entry) -> Option<Vec<serde_json::Value>> {
        match &e.value.kind {
            Kind::Array(items) if items.is_empty() => {
                self.err_hint(
                    e.value.span.clone(),
                    "`one_of` is empty: no value could match",
                    "list the accepted values, e.g. `one_of = [\"pending\", \"paid\"]`",
                );
                None
            }
            Kind::Array(items) => {
                let values: Vec<_> = items.iter().map(|n| self.json_value(n)).collect();
                values.into_iter().collect()
            }
            _ => {
                self.type_err(e, "an array of values, e.g. [\"pending\", \"paid\"]");
                None
            }
        }
    }

    /// `schema = "order.json"`: read and compiled now, relative to the scenario file.
    pub(super) fn body_schema(&mut self, e: &Entry) -> Option<BodySchema> {
        let path = self.str_of(e)?;
        let file = std::path::Path::new(&path);
        let resolved = match std::path::Path::new(self.origin).parent() {
            Some(dir) if file.is_relative() => dir.join(file),
            _ => file.to_path_buf(),
        };
        let resolved = resolved.display().to_string();
        match crate::scenario::schema_file::load_schema_file(&resolved, "response schema") {
            Ok(validator) => Some(BodySchema { path, validator }),
            Err(reason) => {
                self.err_hint(
                    e.value.span.clone(),
                    reason,
                    "`schema` names a JSON Schema file, relative to the scenario file",
                );
                None
            }
        }
    }

    /// `remove_headers = ["Authorization"]`: names of default headers not to send. A name that
    /// would remove nothing is an error: the header meant to be dropped would silently be sent.
    /// `Authorization` is always accepted: it may come from a target URL's `user:password@`,
    /// which `--target` can set at run time. A header the request sets itself (`own`) is sent
    /// whatever `remove_headers` says, so naming it is an error too.
    pub(super) fn remove_headers(
        &mut self,
        e: &Entry,
        place: &str,
        own: &[(String, Template)],
    ) -> Option<Vec<String>> {
        let Kind::Array(items) = &e.value.kind else {
            self.type_err(e, "an array of header names, e.g. [\"Authorization\"]");
            return None;
        };
        let defaults = self.default_headers.clone();
        let mut ok = true;
        let mut out = Vec::new();
        for node in items {
            let Kind::String(name) = &node.kind else {
                self.err(
                    node.span.clone(),
                    format!(
                        "each entry of `remove_headers` must be a header name, found {}",
                        node.describe()
                    ),
                );
                ok = false;
                continue;
            };
            if !self.header_name(name, node.span.clone()) {
                ok = false;
                continue;
            }
            if own.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
                self.err_hint(
                    node.span.clone(),
                    format!("{place} sets `{name}` in its own `headers` and also lists it in `remove_headers`"),
                    "`remove_headers` only drops defaults; remove the header from the request's `headers` instead",
                );
                ok = false;
                continue;
            }
            let known = name.eq_ignore_ascii_case("authorization")
                || defaults.iter().any(|d| d.eq_ignore_ascii_case(name));
            if !known {
                let candidates = defaults
                    .iter()
                    .map(String::as_str)
                    .chain(std::iter::once("Authorization"));
                let hint = match suggest(name, candidates) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "`remove_headers` drops headers from `[defaults] headers` (or the target URL's Authorization); list one of those".to_string(),
                };
                self.err_hint(
                    node.span.clone(),
                    format!("`remove_headers` of {place} names `{name}`, which is not a default header: nothing would be removed"),
                    hint,
                );
                ok = false;
                continue;
            }
            out.push(name.clone());
        }
        ok.then_some(out)
    }
}
