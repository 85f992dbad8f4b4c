//! `[defaults]` and `[[requests]]`: request names, methods, paths, bodies, weights and the
//! `expect` table (status, header rules, json expectations).

use std::ops::Range;

use super::Cx;
use super::cx::is_token;
use super::syntax::JSON_REQUESTS;
use super::templates::TplScope;
use crate::scenario::diag;
use crate::scenario::model::*;
use crate::scenario::tree::{Entry, Kind, Node, get};

pub(super) fn is_request_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
}

/// One `[[requests]]` entry: its spec when valid, and its weight (with where it was written)
/// for the top level's all-weights-zero check.
pub(super) struct ParsedRequest {
    pub(super) spec: Option<RequestSpec>,
    pub(super) weight_entry: Option<Range<usize>>,
    pub(super) weight: Option<u32>,
}

impl Cx<'_> {
    pub(super) fn defaults(&mut self, e: &Entry) -> Option<Defaults> {
        let t = self.table_of(e)?;
        self.check_keys(t, &["headers", "timeout", "max_body"], "[defaults]");
        let headers: Vec<(String, Template)> = get(t, "headers")
            .map(|h| self.template_table(h, true, false))
            .unwrap_or_default();
        self.default_headers = headers.iter().map(|(n, _)| n.clone()).collect();
        let timeout =
            get(t, "timeout").and_then(|d| self.duration_at_most(d, MAX_TIMEOUT, TIMEOUT_HINT));
        let max_body = get(t, "max_body").and_then(|e| self.max_body(e));
        Some(Defaults {
            headers,
            timeout,
            max_body,
        })
    }

    pub(super) fn request_nodes<'t>(&mut self, e: &'t Entry) -> Option<&'t [Node]> {
        match &e.value.kind {
            Kind::Array(items) if items.is_empty() => {
                self.err_hint(
                    e.value.span.clone(),
                    "`requests` is empty: a scenario needs at least one request",
                    self.by_syntax(
                        "add a [[requests]] table with at least `name` and `path`",
                        &format!(
                            "add a request with at least `name` and `path`, e.g. {JSON_REQUESTS}"
                        ),
                    ),
                );
                None
            }
            Kind::Array(items) => Some(items),
            Kind::Table(_) => {
                self.err_hint(
                    e.value.span.clone(),
                    "`requests` must be an array of tables, found a single table",
                    self.by_syntax(
                        "write each request under its own [[requests]] header (two brackets)",
                        &format!("write the requests as an array of objects, e.g. {JSON_REQUESTS}"),
                    ),
                );
                None
            }
            _ => {
                self.type_err(e, "an array of tables ([[requests]])");
                None
            }
        }
    }

    pub(super) fn collect_request_names(&mut self, nodes: &[Node]) {
        for node in nodes {
            let Some(t) = node.table() else {
                continue;
            };
            let Some(e) = get(t, "name") else {
                continue;
            };
            let Kind::String(name) = &e.value.kind else {
                continue;
            };
            if let Some((_, first)) = self.request_names.iter().find(|(n, _)| n == name) {
                let (line, _) = diag::line_col(self.src, first.start);
                self.err_hint(
                    e.value.span.clone(),
                    format!("duplicate request name `{name}` (first defined on line {line})"),
                    "request names must be unique; rename one of them",
                );
            } else {
                self.request_names
                    .push((name.clone(), e.value.span.clone()));
            }
        }
    }

    /// One request: a `[[requests]]` entry, or (with `step_of`) a step of that flow, which takes
    /// the same keys but `capture` instead of `weight` and is named `FLOW.STEP`.
    pub(super) fn request(&mut self, node: &Node, step_of: Option<&str>) -> ParsedRequest {
        let mut out = ParsedRequest {
            spec: None,
            weight_entry: None,
            weight: None,
        };
        let Some(t) = node.table() else {
            self.err(
                node.span.clone(),
                format!(
                    "each entry of `requests` must be a table, found {}",
                    node.describe()
                ),
            );
            return out;
        };
        const KEYS: &[&str] = &[
            "name",
            "method",
            "path",
            "query",
            "headers",
            "json",
            "body",
            "weight",
            "timeout",
            "max_body",
            "expect",
            "remove_headers",
        ];
        const STEP_KEYS: &[&str] = &[
            "name",
            "method",
            "path",
            "query",
            "headers",
            "json",
            "body",
            "capture",
            "timeout",
            "max_body",
            "expect",
            "remove_headers",
        ];
        let table_name = match step_of {
            Some(_) => "[[flows.steps]]",
            None => "[[requests]]",
        };
        let name = match get(t, "name") {
            Some(e) => self.str_of(e).and_then(|n| {
                if is_request_name(&n) {
                    Some(n)
                } else {
                    self.err_hint(
                        e.value.span.clone(),
                        format!("invalid request name {n:?}"),
                        "request names use letters, digits, `_`, `.` and `-`, e.g. \"create_order\"",
                    );
                    None
                }
            }),
            None => {
                self.missing(
                    node.span.clone(),
                    "name",
                    table_name,
                    match step_of {
                        Some(_) => "give the step a name unique in its flow, e.g. `name = \"create\"`",
                        None => "give the request a unique name, e.g. `name = \"list_orders\"`",
                    },
                );
                None
            }
        };
        let place = match (&name, step_of) {
            (Some(n), Some(flow)) => format!("step `{n}` of flow `{flow}`"),
            (Some(n), None) => format!("request `{n}`"),
            (None, _) => table_name.to_string(),
        };
        self.check_keys(t, if step_of.is_some() { STEP_KEYS } else { KEYS }, &place);

        let method = match get(t, "method") {
            Some(e) => self.str_of(e).and_then(|m| {
                let upper = m.to_ascii_uppercase();
                if is_token(&upper) {
                    Some(upper)
                } else {
                    self.err_hint(
                        e.value.span.clone(),
                        format!("invalid HTTP method {m:?}"),
                        "use a method such as \"GET\", \"POST\", \"PUT\", \"PATCH\" or \"DELETE\"",
                    );
                    None
                }
            }),
            None => Some("GET".to_string()),
        };
        let path = match get(t, "path") {
            Some(e) => {
                self.template_of(e, TplScope::Path)
                    .and_then(|tpl| match tpl.parts.first() {
                        Some(Part::Lit(s)) if s.starts_with('/') => {
                            self.climbs_out(e, &tpl);
                            Some(tpl)
                        }
                        _ => {
                            let shown = match &e.value.kind {
                                Kind::String(s) => s.clone(),
                                _ => String::new(),
                            };
                            self.err_hint(
                                e.value.span.clone(),
                                format!("`path` must start with `/`, found {shown:?}"),
                                "the path is appended to `target`; write e.g. \"/orders\"",
                            );
                            None
                        }
                    })
            }
            None => {
                self.missing(
                    node.span.clone(),
                    "path",
                    &place,
                    "add the request path, e.g. `path = \"/orders\"`",
                );
                None
            }
        };
        let query = get(t, "query")
            .map(|e| self.template_table(e, false, true))
            .unwrap_or_default();
        let headers = get(t, "headers")
            .map(|e| self.template_table(e, true, false))
            .unwrap_or_default();
        let json = get(t, "json");
        let raw = get(t, "body");
        let mut body_ok = true;
        let body = match (json, raw) {
            (Some(j), Some(b)) => {
                let (second, first) = if b.key_span.start > j.key_span.start {
                    (b, j)
                } else {
                    (j, b)
                };
                self.err_hint(
                    second.key_span.clone(),
                    format!("`json` and `body` cannot both be set ({place})"),
                    format!(
                        "use `json` for a JSON body or `body` for raw text; remove `{}` or `{}`",
                        first.key, second.key
                    ),
                );
                body_ok = false;
                Body::None
            }
            (Some(j), None) => match self.json_template(&j.value) {
                Some(v) => Body::Json(v),
                None => {
                    body_ok = false;
                    Body::None
                }
            },
            (None, Some(b)) => match self.template_of(b, TplScope::Request) {
                Some(v) => Body::Raw(v),
                None => {
                    body_ok = false;
                    Body::None
                }
            },
            (None, None) => Body::None,
        };
        // Memory stays bounded whatever the scenario says: a body that could render past the
        // cap is refused here, with its place, rather than built per request at run time.
        let max = crate::scenario::body_size::max_len(&body);
        if max > crate::scenario::body_size::MAX_BODY_BYTES
            && let Some(e) = json.or(raw)
        {
            self.err_hint(
                e.key_span.clone(),
                format!(
                    "the body of {place} can render to {} bytes, more than the {} MiB limit",
                    max,
                    crate::scenario::body_size::MAX_BODY_BYTES >> 20
                ),
                "send a smaller body (a `${vars.*}` repeated many times multiplies its size)",
            );
            body_ok = false;
        }
        let weight = match get(t, "weight") {
            // A step is sent by its flow only; the flow has the weight.
            _ if step_of.is_some() => Some(0),
            Some(e) => {
                out.weight_entry = Some(e.key_span.start..e.value.span.end);
                self.u32_in(e, 0, u32::MAX)
            }
            None => Some(1),
        };
        out.weight = weight;
        let timeout =
            get(t, "timeout").map(|e| self.duration_at_most(e, MAX_TIMEOUT, TIMEOUT_HINT));
        let max_body = get(t, "max_body").map(|e| self.max_body(e));
        let expect = match get(t, "expect") {
            Some(e) => self.expect(e, &place),
            None => Some(Expectations::default()),
        };
        let remove_headers =
            get(t, "remove_headers").map(|e| self.remove_headers(e, &place, &headers));

        if let (Some(name), Some(method), Some(path), true, Some(weight), Some(expect)) =
            (name, method, path, body_ok, weight, expect)
        {
            let timeout = match timeout {
                Some(None) => return out,
                Some(Some(d)) => Some(d),
                None => None,
            };
            let max_body = match max_body {
                Some(None) => return out,
                Some(Some(n)) => Some(n),
                None => None,
            };
            let remove_headers = match remove_headers {
                Some(None) => return out,
                Some(Some(r)) => r,
                None => Vec::new(),
            };
            let name = match step_of {
                Some(flow) => format!("{flow}.{name}"),
                None => name,
            };
            out.spec = Some(RequestSpec {
                name,
                method,
                path,
                query,
                headers,
                body,
                weight,
                timeout,
                max_body,
                expect,
                remove_headers,
            });
        }
        out
    }

    /// Warn when the `..` segments of a path climb above the target's base path: URLs are
    /// normalized, so `target = "http://h/api/v1"` with `path = "/../../admin"` requests
    /// `http://h/admin`, outside the API under test. Only the literal start of the path is
    /// judged (a placeholder's value is not known yet).
    fn climbs_out(&mut self, e: &Entry, tpl: &Template) {
        let Some(Part::Lit(lead)) = tpl.parts.first() else {
            return;
        };
        let Some(at) = crate::scenario::path_dots::first_escape(lead, tpl.parts.len() == 1) else {
            return;
        };
        let base = self
            .target_url
            .as_deref()
            .map(|u| crate::redact::split_userinfo(u).0);
        let base_path = base
            .as_deref()
            .and_then(|u| u.find("://").map(|i| &u[i + 3..]))
            .and_then(|rest| rest.find('/').map(|i| &rest[i..]))
            .unwrap_or("/");
        let resolved = match (&base, tpl.parts.len()) {
            (Some(b), 1) => reqwest::Url::parse(&format!("{}{lead}", b.trim_end_matches('/')))
                .ok()
                .map(|u| format!(": it requests {}", u.path())),
            _ => None,
        };
        let span = match &e.value.kind {
            Kind::String(s) => self.locate(&e.value, s, at..at + 2),
            _ => e.value.span.clone(),
        };
        self.warn_hint(
            span,
            format!(
                "`..` in `path` climbs out of the target's base path `{base_path}`{}",
                resolved.unwrap_or_default()
            ),
            "URLs are normalized before they are sent; write the path from the base path down, or change `target`",
        );
    }

    fn expect(&mut self, e: &Entry, place: &str) -> Option<Expectations> {
        let t = self.table_of(e)?;
        let place = format!("the `expect` table of {place}");
        self.check_keys(t, &["status", "headers", "json", "schema"], &place);
        let mut ok = true;
        let mut out = Expectations::default();
        if let Some(s) = get(t, "status") {
            match self.status_list(s) {
                Some(v) => out.status = v,
                None => ok = false,
            }
        }
        if let Some(h) = get(t, "headers") {
            match self.table_of(h) {
                Some(items) => {
                    for item in items {
                        match self.header_rule(item) {
                            Some(rule) => out.headers.push(HeaderExpectation {
                                name: item.key.clone(),
                                rule,
                            }),
                            None => ok = false,
                        }
                    }
                }
                None => ok = false,
            }
        }
        if let Some(j) = get(t, "json") {
            match &j.value.kind {
                Kind::Array(items) => {
                    for node in items {
                        match self.json_expectations(node) {
                            Some(x) => out.json.extend(x),
                            None => ok = false,
                        }
                    }
                }
                _ => {
                    self.type_err(
                        j,
                        "an array of tables like [{ pointer = \"/id\", exists = true }]",
                    );
                    ok = false;
                }
            }
        }
        if let Some(s) = get(t, "schema") {
            match self.body_schema(s) {
                Some(schema) => out.schema = Some(schema),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn header_rule(&mut self, item: &Entry) -> Option<HeaderRule> {
        if !self.header_name(&item.key, item.key_span.clone()) {
            return None;
        }
        let example = "write e.g. `Location = { present = true }`, `{ absent = true }`, `{ equals = \"v\" }` or `{ matches = \"^v\" }`";
        let Kind::Table(t) = &item.value.kind else {
            let message = format!(
                "wrong type for header expectation `{}`: expected an inline table, found {}",
                item.key,
                item.value.describe()
            );
            let hint = match &item.value.kind {
                Kind::String(s) => {
                    format!("to require this exact value write `{{ equals = {s:?} }}`")
                }
                _ => example.to_string(),
            };
            self.err_hint(item.value.span.clone(), message, hint);
            return None;
        };
        const KEYS: &[&str] = &["present", "absent", "equals", "matches"];
        let place = format!("the expectation for header `{}`", item.key);
        self.check_keys(t, KEYS, &place);
        let given: Vec<&Entry> = t
            .iter()
            .filter(|e| KEYS.contains(&e.key.as_str()))
            .collect();
        match given.as_slice() {
            [] => {
                self.err_hint(
                    item.value.span.clone(),
                    format!("header expectation `{}` needs one of `present`, `absent`, `equals`, `matches`", item.key),
                    example,
                );
                None
            }
            [one] => match one.key.as_str() {
                "present" | "absent" => match self.bool_of(one)? {
                    true if one.key == "present" => Some(HeaderRule::Present),
                    true => Some(HeaderRule::Absent),
                    false => {
                        let other = if one.key == "present" {
                            "absent"
                        } else {
                            "present"
                        };
                        self.err_hint(
                            one.value.span.clone(),
                            format!("`{} = false` is not supported", one.key),
                            format!("write `{other} = true` instead"),
                        );
                        None
                    }
                },
                "equals" => self.str_of(one).map(HeaderRule::Equals),
                _ => {
                    let re = self.str_of(one)?;
                    match regex::Regex::new(&re) {
                        Ok(_) => Some(HeaderRule::Matches(re)),
                        Err(err) => {
                            let detail = err.to_string();
                            let detail = detail.lines().last().unwrap_or("").trim();
                            let detail =
                                detail.strip_prefix("error: ").unwrap_or(detail).to_string();
                            self.err_hint(
                                one.value.span.clone(),
                                format!("invalid regular expression for header `{}`: {detail}", item.key),
                                "the syntax is that of the Rust `regex` crate; escape special characters with `\\\\` in TOML basic strings",
                            );
                            None
                        }
                    }
                }
            },
            [_, second, ..] => {
                self.err_hint(
                    second.key_span.clone(),
                    format!("header expectation `{}` has more than one rule", item.key),
                    "use exactly one of `present`, `absent`, `equals`, `matches` per header",
                );
                None
            }
        }
    }
}
