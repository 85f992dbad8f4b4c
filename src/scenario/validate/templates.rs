//! Templates: compiling strings with `${...}` placeholders, the `[vars]` and `[secrets]` tables,
//! header/query template tables, JSON body templates and literal JSON values.

use std::ops::Range;

use super::cx::UNCHECKED_ENV;
use super::{Cx, suggest};
use crate::scenario::model::*;
use crate::scenario::template::{self, Piece};
use crate::scenario::tree::{Entry, Kind, Node};

/// Where a template is being compiled: variables may only use `${env.*}`; a header value and a
/// path cannot carry some characters, whether written or brought in by a placeholder.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum TplScope {
    Vars,
    Secrets,
    /// A query value or a body: any text.
    Request,
    /// A header value: one line of visible text (tabs allowed).
    Header,
    /// A request path: no tab, CR or LF (a URL parser would silently drop them).
    Path,
}

impl TplScope {
    pub(super) fn in_vars(self) -> bool {
        matches!(self, TplScope::Vars | TplScope::Secrets)
    }

    /// The first character of `text` this scope cannot carry.
    pub(super) fn forbidden(self, text: &str) -> Option<char> {
        text.chars().find(|&c| match self {
            TplScope::Header => (c.is_ascii_control() && c != '\t') || c == '\u{7f}',
            TplScope::Path => matches!(c, '\t' | '\r' | '\n'),
            _ => false,
        })
    }

    /// What the text is, for messages: "a header value", "`path`".
    pub(super) fn what(self) -> &'static str {
        match self {
            TplScope::Header => "a header value",
            TplScope::Path => "`path`",
            _ => "a value",
        }
    }
}

/// A forbidden character, named for a message (never the text around it: it may be secret).
pub(super) fn describe_char(c: char) -> String {
    match c {
        '\t' => "a tab".to_string(),
        '\r' => "a carriage return (CR)".to_string(),
        '\n' => "a line feed (LF)".to_string(),
        c => format!("the control character U+{:04X}", c as u32),
    }
}

impl Cx<'_> {
    /// Map a byte range inside the decoded string value of `node` back to the source, by finding
    /// the same occurrence of that text in the raw source of the value. Falls back to the span of
    /// the whole value when the raw text differs (escapes).
    pub(super) fn locate(&self, node: &Node, decoded: &str, range: Range<usize>) -> Range<usize> {
        let Some(raw) = self.src.get(node.span.clone()) else {
            return node.span.clone();
        };
        let Some(needle) = decoded.get(range.clone()) else {
            return node.span.clone();
        };
        if needle.is_empty() {
            return node.span.clone();
        }
        let k = decoded[..range.start].match_indices(needle).count();
        match raw.match_indices(needle).nth(k) {
            Some((i, _)) => node.span.start + i..node.span.start + i + needle.len(),
            None => node.span.clone(),
        }
    }

    fn add_secret(&mut self, value: &str) {
        if !value.is_empty() && !self.secrets.iter().any(|s| s == value) {
            self.secrets.push(value.to_string());
        }
    }

    /// Compile a template string held by `node` (a string node).
    fn compile(&mut self, node: &Node, text: &str, scope: TplScope) -> Option<Template> {
        let (pieces, unclosed) = template::split(text);
        let mut ok = true;
        let mut t = Template::default();
        for piece in pieces {
            match piece {
                Piece::Lit(s) => {
                    if let Some(c) = scope.forbidden(&s) {
                        let at = text.find(c).unwrap_or(0);
                        let span = self.locate(node, text, at..at + c.len_utf8());
                        let hint = match scope {
                            TplScope::Path => {
                                "remove it, or percent-encode it (%09 for a tab, %0D for CR, %0A for LF)"
                            }
                            _ => "a header value is one line of text: remove it",
                        };
                        self.err_hint(
                            span,
                            format!("{} contains {}", scope.what(), describe_char(c)),
                            hint,
                        );
                        ok = false;
                    }
                    template::push_part(&mut t, Part::Lit(s))
                }
                Piece::Ph { body, range } => {
                    let span = self.locate(node, text, range);
                    match self.placeholder(body.trim(), span, scope) {
                        Some(parts) => {
                            for p in parts {
                                template::push_part(&mut t, p);
                            }
                        }
                        None => ok = false,
                    }
                }
            }
        }
        if let Some((range, message)) = unclosed {
            let span = self.locate(node, text, range);
            self.err_hint(
                span,
                message,
                "close it with `}`, or write `$${` for a literal `${`",
            );
            ok = false;
        }
        ok.then_some(t)
    }

    /// Compile a template from an entry whose value must be a string.
    pub(super) fn template_of(&mut self, e: &Entry, scope: TplScope) -> Option<Template> {
        let text = self.str_of(e)?;
        self.compile(&e.value, &text, scope)
    }

    fn placeholder(
        &mut self,
        body: &str,
        span: Range<usize>,
        scope: TplScope,
    ) -> Option<Vec<Part>> {
        let in_vars = scope.in_vars();
        let scope_name = if scope == TplScope::Secrets {
            "[secrets]"
        } else {
            "[vars]"
        };
        if let Some(name) = body.strip_prefix("env.") {
            if !template::is_ident(name) {
                self.err(
                    span,
                    format!("invalid environment variable name {name:?} in `${{{body}}}`"),
                );
                return None;
            }
            return match (self.env)(name) {
                Some(v) => {
                    self.add_secret(&v);
                    if let Some(c) = scope.forbidden(&v) {
                        // Named, never shown: the value is a secret.
                        self.err_hint(
                            span,
                            format!(
                                "environment variable `{name}` (used by `${{env.{name}}}` in {}) contains {}",
                                scope.what(),
                                describe_char(c)
                            ),
                            format!(
                                "remove it from {name} (a trailing newline, as from `$(cat file)`?)"
                            ),
                        );
                        return None;
                    }
                    Some(vec![Part::Secret(v)])
                }
                // validate --no-env: the name is well-formed; its value is not checked.
                None if self.env_unchecked(name) => Some(vec![Part::Secret(UNCHECKED_ENV.into())]),
                None => {
                    self.err_hint(
                        span,
                        format!(
                            "environment variable `{name}` is not set (used by `${{env.{name}}}`)"
                        ),
                        format!("set {name} in the environment"),
                    );
                    None
                }
            };
        }
        let dynamic = body == "uuid" || body == "seq" || body.starts_with("rand.int");
        if dynamic && in_vars {
            self.err_hint(
                span,
                format!(
                    "`${{{body}}}` is not allowed in {scope_name}: variables are per-run constants"
                ),
                "use the placeholder directly in the request template instead",
            );
            return None;
        }
        if body == "uuid" {
            return Some(vec![Part::Uuid]);
        }
        if body == "seq" {
            return Some(vec![Part::Seq]);
        }
        if let Some(r) = template::parse_rand_int(body) {
            return match r {
                Ok((lo, hi)) => Some(vec![Part::RandInt { lo, hi }]),
                Err(message) => {
                    self.err(span, message);
                    None
                }
            };
        }
        if let Some(rest) = body.strip_prefix("data.") {
            return self.data_ref(rest, body, span, scope);
        }
        if let Some(name) = body.strip_prefix("flow.") {
            if in_vars {
                self.err_hint(
                    span,
                    format!("`${{{body}}}` is not allowed in {scope_name}: variables are per-run constants"),
                    "use the placeholder in a later step of the flow instead",
                );
                return None;
            }
            return self.flow_ref(name, body, span);
        }
        let var_ref = body
            .strip_prefix("vars.")
            .map(|n| (n, true))
            .or_else(|| body.strip_prefix("secrets.").map(|n| (n, false)));
        if let Some((name, is_var)) = var_ref {
            if in_vars {
                self.err(
                    span,
                    format!("`${{{body}}}`: variables cannot reference other variables"),
                );
                return None;
            }
            if self.broken_vars.iter().any(|b| b == body) {
                return None;
            }
            let found = if is_var {
                self.vars
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, parts)| parts.clone())
            } else {
                self.secret_vars
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| vec![Part::Secret(v.clone())])
            };
            if let Some(parts) = found {
                let text: String = parts
                    .iter()
                    .map(|p| match p {
                        Part::Lit(s) | Part::Secret(s) => s.as_str(),
                        _ => "",
                    })
                    .collect();
                if let Some(c) = scope.forbidden(&text) {
                    self.err_hint(
                        span,
                        format!(
                            "`${{{body}}}` cannot be used in {}: its value contains {}",
                            scope.what(),
                            describe_char(c)
                        ),
                        format!("remove it from the value of `{name}`"),
                    );
                    return None;
                }
                return Some(parts);
            }
            let (table, other_table, other_prefix) = if is_var {
                (
                    "[vars]",
                    &self
                        .secret_vars
                        .iter()
                        .map(|(n, _)| n.clone())
                        .collect::<Vec<_>>(),
                    "secrets",
                )
            } else {
                (
                    "[secrets]",
                    &self.vars.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(),
                    "vars",
                )
            };
            let own: Vec<String> = if is_var {
                self.vars.iter().map(|(n, _)| n.clone()).collect()
            } else {
                self.secret_vars.iter().map(|(n, _)| n.clone()).collect()
            };
            let prefix = if is_var { "vars" } else { "secrets" };
            let message =
                format!("unknown variable `{name}` in `${{{body}}}`: not declared in {table}");
            let hint = if other_table.iter().any(|n| n == name) {
                format!(
                    "`{name}` is declared in [{other_prefix}]; write `${{{other_prefix}.{name}}}`"
                )
            } else if let Some(c) = suggest(name, own.iter().map(String::as_str)) {
                format!("did you mean `${{{prefix}.{c}}}`?")
            } else {
                format!("declare it in {table}")
            };
            self.err_hint(span, message, hint);
            return None;
        }
        // Unknown placeholder: suggest the closest known form.
        let mut candidates: Vec<String> = vec!["uuid".into(), "seq".into()];
        candidates.extend(self.vars.iter().map(|(n, _)| format!("vars.{n}")));
        candidates.extend(self.secret_vars.iter().map(|(n, _)| format!("secrets.{n}")));
        let mut hint = suggest(body, candidates.iter().map(String::as_str))
            .map(|c| format!("did you mean `${{{c}}}`?"));
        if hint.is_none() {
            if let Some((prefix, rest)) = body.split_once('.') {
                if let Some(p) = suggest(prefix, ["env", "vars", "secrets", "rand", "data", "flow"])
                {
                    hint = Some(format!("did you mean `${{{p}.{rest}}}`?"));
                }
            } else if suggest(body, ["rand", "rand.int"]).is_some() || body.starts_with("rand") {
                hint = Some("did you mean `${rand.int(LO, HI)}`?".to_string());
            }
        }
        let hint = hint.unwrap_or_else(|| {
            "known placeholders: ${env.NAME}, ${vars.NAME}, ${secrets.NAME}, ${data.COLUMN}, ${flow.NAME}, ${uuid}, ${seq}, ${rand.int(LO, HI)}; write $${ for a literal ${".to_string()
        });
        self.err_hint(span, format!("unknown placeholder `${{{body}}}`"), hint);
        None
    }

    /// A table of name -> template (headers, query, defaults.headers).
    pub(super) fn template_table(
        &mut self,
        e: &Entry,
        headers: bool,
        allow_scalars: bool,
    ) -> Vec<(String, Template)> {
        let mut out = Vec::new();
        let Some(t) = self.table_of(e) else {
            return out;
        };
        for item in t {
            if headers && !self.header_name(&item.key, item.key_span.clone()) {
                continue;
            }
            let one = |cx: &mut Self, node: &Node| -> Option<Template> {
                match &node.kind {
                    Kind::String(s) => {
                        let scope = if headers {
                            TplScope::Header
                        } else {
                            TplScope::Request
                        };
                        cx.compile(node, s, scope)
                    }
                    Kind::Integer(i) if allow_scalars => Some(Template {
                        parts: vec![Part::Lit(i.to_string())],
                    }),
                    Kind::Float(x) if allow_scalars && x.is_finite() => Some(Template {
                        parts: vec![Part::Lit(x.to_string())],
                    }),
                    Kind::Bool(b) if allow_scalars => Some(Template {
                        parts: vec![Part::Lit(b.to_string())],
                    }),
                    _ => {
                        let expected = if allow_scalars {
                            "a string, number or boolean (or an array of them)"
                        } else {
                            "a string"
                        };
                        cx.err(
                            node.span.clone(),
                            format!(
                                "wrong type for `{}`: expected {expected}, found {}",
                                item.key,
                                node.describe()
                            ),
                        );
                        None
                    }
                }
            };
            match &item.value.kind {
                Kind::Array(items) if allow_scalars => {
                    for node in items {
                        if let Some(t) = one(self, node) {
                            out.push((item.key.clone(), t));
                        }
                    }
                }
                _ => {
                    if let Some(t) = one(self, &item.value) {
                        out.push((item.key.clone(), t));
                    }
                }
            }
        }
        out
    }

    pub(super) fn json_template(&mut self, node: &Node) -> Option<JsonTemplate> {
        Some(match &node.kind {
            Kind::Null => JsonTemplate::Null,
            Kind::Bool(b) => JsonTemplate::Bool(*b),
            Kind::Integer(i) => JsonTemplate::Number((*i).into()),
            Kind::Float(x) => match serde_json::Number::from_f64(*x) {
                Some(n) => JsonTemplate::Number(n),
                None => {
                    self.err(node.span.clone(), "JSON cannot represent NaN or infinity");
                    return None;
                }
            },
            Kind::String(s) => JsonTemplate::String(self.compile(node, s, TplScope::Request)?),
            Kind::Datetime(d) => {
                self.err_hint(
                    node.span.clone(),
                    format!("a TOML datetime ({d}) has no JSON equivalent"),
                    format!("quote it as a string: \"{d}\""),
                );
                return None;
            }
            Kind::Array(items) => {
                let mut out = Vec::new();
                let mut ok = true;
                for item in items {
                    match self.json_template(item) {
                        Some(v) => out.push(v),
                        None => ok = false,
                    }
                }
                if !ok {
                    return None;
                }
                JsonTemplate::Array(out)
            }
            Kind::Table(entries) => {
                let mut out = Vec::new();
                let mut ok = true;
                for e in entries {
                    match self.json_template(&e.value) {
                        Some(v) => out.push((e.key.clone(), v)),
                        None => ok = false,
                    }
                }
                if !ok {
                    return None;
                }
                JsonTemplate::Object(out)
            }
        })
    }

    pub(super) fn json_value(&mut self, node: &Node) -> Option<serde_json::Value> {
        use serde_json::Value;
        Some(match &node.kind {
            Kind::Null => Value::Null,
            Kind::Bool(b) => Value::Bool(*b),
            Kind::Integer(i) => Value::Number((*i).into()),
            Kind::Float(x) => match serde_json::Number::from_f64(*x) {
                Some(n) => Value::Number(n),
                None => {
                    self.err(node.span.clone(), "JSON cannot represent NaN or infinity");
                    return None;
                }
            },
            Kind::String(s) => Value::String(s.clone()),
            Kind::Datetime(d) => {
                self.err_hint(
                    node.span.clone(),
                    format!("a TOML datetime ({d}) has no JSON equivalent"),
                    format!("quote it as a string: \"{d}\""),
                );
                return None;
            }
            Kind::Array(items) => {
                let values: Vec<Option<Value>> = items.iter().map(|n| self.json_value(n)).collect();
                Value::Array(values.into_iter().collect::<Option<Vec<_>>>()?)
            }
            Kind::Table(entries) => {
                let mut map = serde_json::Map::new();
                let mut ok = true;
                for e in entries {
                    match self.json_value(&e.value) {
                        Some(v) => {
                            map.insert(e.key.clone(), v);
                        }
                        None => ok = false,
                    }
                }
                if !ok {
                    return None;
                }
                Value::Object(map)
            }
        })
    }

    pub(super) fn variables(&mut self, e: &Entry, scope: TplScope) {
        let Some(t) = self.table_of(e) else {
            return;
        };
        let table = if scope == TplScope::Secrets {
            "[secrets]"
        } else {
            "[vars]"
        };
        for item in t {
            if !template::is_ident(&item.key) {
                self.err_hint(
                    item.key_span.clone(),
                    format!("invalid variable name `{}` in {table}", item.key),
                    "variable names use letters, digits and `_`, and do not start with a digit",
                );
                continue;
            }
            let Some(tpl) = self.template_of(item, scope) else {
                let prefix = if scope == TplScope::Secrets {
                    "secrets"
                } else {
                    "vars"
                };
                self.broken_vars.push(format!("{prefix}.{}", item.key));
                continue;
            };
            if scope == TplScope::Vars {
                self.vars.push((item.key.clone(), tpl.parts));
            } else {
                let value: String = tpl
                    .parts
                    .iter()
                    .map(|p| match p {
                        Part::Lit(s) | Part::Secret(s) => s.as_str(),
                        _ => "",
                    })
                    .collect();
                self.add_secret(&value);
                self.secret_vars.push((item.key.clone(), value));
            }
        }
    }
}
