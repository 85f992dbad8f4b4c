//! Walks the span tree against the scenario schema, collecting every problem.
//!
//! [`Cx`] is the validator context: the source (to locate diagnostics), the environment, what
//! has been learnt so far (variables, secrets, request names) and every diagnostic. Its methods
//! are spread over one file per section of the scenario file, each an `impl Cx` block:
//!
//! - this file: the top level (`name`, `description`, `target`) and [`Cx::scenario`], which walks
//!   the sections in dependency order;
//! - `cx`: the context, its reporting (`err`, `err_hint`, `check_keys`, ...) and the typed getters
//!   shared by every section (`str_of`, `int_in`, `choice`, `duration`, `pointer`, `request_ref`,
//!   `status_list`, ...), plus [`suggest`] for "did you mean" hints;
//! - `templates`: `${...}` placeholders and template compiling, `[vars]` and `[secrets]`, JSON
//!   body templates;
//! - `requests`: `[defaults]`, `[[requests]]` and their `expect` tables (status, header rules,
//!   json expectations);
//! - `load`: `[load]` and `[[load.stages]]`;
//! - `thresholds`: `[[thresholds]]`;
//! - and, until they get their own file, the sections below.

mod cx;
mod load;
mod requests;
mod templates;
mod thresholds;

use std::ops::Range;

use super::diag::Diagnostic;
use super::model::*;
use super::tree::{Entry, Kind, Node, get};

pub(crate) use cx::{Cx, suggest};
use templates::TplScope;

const TOP_KEYS: &[&str] = &[
    "name",
    "description",
    "target",
    "vars",
    "secrets",
    "defaults",
    "requests",
    "load",
    "thresholds",
    "checks",
];

impl Cx<'_> {
    pub(in crate::scenario) fn scenario(
        mut self,
        root: &Node,
    ) -> Result<Scenario, Vec<Diagnostic>> {
        let Some(top) = root.table() else {
            self.err(
                root.span.clone(),
                format!(
                    "a scenario must be a table/object, found {}",
                    root.describe()
                ),
            );
            return Err(self.diags);
        };
        self.check_keys(top, TOP_KEYS, "the top level");
        let root_span = root.span.clone();

        let name = match get(top, "name") {
            Some(e) => match self.str_of(e) {
                Some(s) if s.trim().is_empty() => {
                    self.err(e.value.span.clone(), "`name` must not be empty");
                    None
                }
                other => other,
            },
            None => Some(
                std::path::Path::new(self.origin)
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| "scenario".to_string()),
            ),
        };
        let description = get(top, "description").and_then(|e| self.str_of(e));
        let target = match get(top, "target") {
            Some(e) => self.target(e),
            None => {
                self.missing(
                    root_span.clone(),
                    "target",
                    "the top level",
                    "add `target = \"https://api.example.com\"` (or `target = \"reference\"` for the built-in API)",
                );
                None
            }
        };

        if let Some(e) = get(top, "vars") {
            self.variables(e, TplScope::Vars);
        }
        if let Some(e) = get(top, "secrets") {
            self.variables(e, TplScope::Secrets);
        }
        let defaults = match get(top, "defaults") {
            Some(e) => self.defaults(e),
            None => Some(Defaults::default()),
        };

        // Requests: collect names first so that every reference can be checked.
        let request_nodes = match get(top, "requests") {
            Some(e) => self.request_nodes(e),
            None => {
                self.missing(
                    root_span.clone(),
                    "requests",
                    "the top level",
                    "add at least one [[requests]] table with a `name` and a `path`",
                );
                None
            }
        };
        let mut requests = Vec::new();
        let mut requests_ok = request_nodes.is_some();
        let mut weights = Vec::new();
        if let Some(nodes) = request_nodes {
            self.collect_request_names(nodes);
            for node in nodes.iter() {
                let parsed = self.request(node);
                weights.push((parsed.weight, parsed.weight_entry.clone()));
                match parsed.spec {
                    Some(spec) => requests.push(spec),
                    None => requests_ok = false,
                }
            }
            // Cross check: something must be sent.
            if !nodes.is_empty() && weights.iter().all(|(w, _)| *w == Some(0)) {
                let span = weights
                    .iter()
                    .find_map(|(_, s)| s.clone())
                    .unwrap_or_else(|| nodes[0].span.clone());
                self.err_hint(
                    span,
                    "all requests have weight 0: nothing to send",
                    "give at least one request a positive `weight` (the default is 1)",
                );
            }
        }

        let load = match get(top, "load") {
            Some(e) => self.load(e),
            None => {
                self.missing(
                    root_span.clone(),
                    "load",
                    "the top level",
                    "add a [load] table, e.g. `rate = 50` and `duration = \"30s\"`",
                );
                None
            }
        };

        let thresholds = match get(top, "thresholds") {
            Some(e) => self.thresholds(e),
            None => Some(Vec::new()),
        };
        let checks = match get(top, "checks") {
            Some(e) => self.checks(e, &requests),
            None => Some(ChecksSpec {
                fail_on_warn: false,
                passive: true,
                ..ChecksSpec::default()
            }),
        };

        if !self.diags.is_empty() || !requests_ok {
            return Err(self.diags);
        }
        match (name, target, defaults, load, thresholds, checks) {
            (
                Some(name),
                Some(target),
                Some(defaults),
                Some(load),
                Some(thresholds),
                Some(checks),
            ) => {
                let scenario = Scenario {
                    name,
                    description,
                    target,
                    defaults,
                    requests,
                    load,
                    thresholds,
                    checks,
                    secrets: self.secrets,
                };
                Ok(scenario)
            }
            _ => {
                // Every `None` above comes with a diagnostic; this is a safety net.
                self.err(root_span, "the scenario is invalid");
                Err(self.diags)
            }
        }
    }

    fn target(&mut self, e: &Entry) -> Option<Target> {
        let s = self.str_of(e)?;
        if s == "reference" {
            return Some(Target::Reference);
        }
        let hint = "use \"reference\" for the built-in reference API, or a base URL such as \"https://api.example.com\" or \"http://127.0.0.1:8080/v1\"";
        let lower = s.to_ascii_lowercase();
        let rest = lower
            .strip_prefix("http://")
            .or_else(|| lower.strip_prefix("https://"));
        let problem = match rest {
            None if s.contains("${") => {
                Some("placeholders are not allowed in `target`".to_string())
            }
            None => Some("it must start with http:// or https://".to_string()),
            Some(rest) => {
                let host = rest.split(['/']).next().unwrap_or("");
                if host.is_empty() {
                    Some("the URL has no host".to_string())
                } else if s.chars().any(|c| c.is_whitespace()) {
                    Some("the URL contains whitespace".to_string())
                } else if s.contains('?') || s.contains('#') {
                    Some("a base URL cannot have a query or fragment (put query parameters in each request's `query`)".to_string())
                } else {
                    None
                }
            }
        };
        match problem {
            None => Some(Target::Url(s)),
            Some(p) => {
                self.err_hint(
                    e.value.span.clone(),
                    format!("invalid target {s:?}: {p}"),
                    hint,
                );
                None
            }
        }
    }

    fn checks(&mut self, e: &Entry, requests: &[RequestSpec]) -> Option<ChecksSpec> {
        let t = self.table_of(e)?;
        self.check_keys(
            t,
            &[
                "fail_on",
                "passive",
                "idempotency",
                "rate_limit",
                "pagination",
                "error_format",
            ],
            "[checks]",
        );
        let before = self.diags.len();
        let fail_on_warn = get(t, "fail_on")
            .and_then(|f| self.choice(f, &["fail", "warn"]))
            .is_some_and(|v| v == "warn");
        let passive = get(t, "passive")
            .and_then(|p| self.bool_of(p))
            .unwrap_or(true);
        let idempotency = get(t, "idempotency").and_then(|i| self.idempotency(i, requests));
        let rate_limit = get(t, "rate_limit").and_then(|r| self.rate_limit(r));
        let pagination = get(t, "pagination").and_then(|p| self.pagination(p));
        let error_format = get(t, "error_format").and_then(|x| self.error_format(x));
        if self.diags.len() != before {
            return None;
        }
        Some(ChecksSpec {
            fail_on_warn,
            passive,
            idempotency,
            rate_limit,
            pagination,
            error_format,
        })
    }

    fn required_request(
        &mut self,
        t: &[Entry],
        span: &Range<usize>,
        place: &str,
    ) -> Option<String> {
        match get(t, "request") {
            Some(r) => self.request_ref(r),
            None => {
                self.missing(
                    span.clone(),
                    "request",
                    place,
                    "name one of the [[requests]], e.g. `request = \"create_order\"`",
                );
                None
            }
        }
    }

    fn string_or(&mut self, t: &[Entry], key: &str, default: &str) -> String {
        get(t, key)
            .and_then(|e| self.str_of(e))
            .unwrap_or_else(|| default.to_string())
    }

    fn pointer_or(&mut self, t: &[Entry], key: &str, default: &str) -> String {
        get(t, key)
            .and_then(|e| self.pointer(e))
            .unwrap_or_else(|| default.to_string())
    }

    fn idempotency(&mut self, e: &Entry, requests: &[RequestSpec]) -> Option<IdempotencySpec> {
        let t = self.table_of(e)?;
        let place = "[checks.idempotency]";
        self.check_keys(
            t,
            &[
                "request",
                "header",
                "profile",
                "concurrency",
                "required",
                "id_pointer",
                "mismatch_request",
                "error_request",
                "second_credential",
                "oracle",
            ],
            place,
        );
        let request = self.required_request(t, &e.value.span, place);
        let header = match get(t, "header") {
            Some(h) => self
                .str_of(h)
                .filter(|s| self.header_name(s, h.value.span.clone())),
            None => Some("Idempotency-Key".to_string()),
        };
        let profile = match get(t, "profile") {
            Some(p) => match self.choice(p, &["ietf", "stripe"])?.as_str() {
                "ietf" => IdemProfile::Ietf,
                _ => IdemProfile::Stripe,
            },
            None => IdemProfile::Ietf,
        };
        let concurrency = get(t, "concurrency").map_or(Some(20), |c| self.u32_in(c, 2, 1000));
        let required = get(t, "required").map_or(Some(true), |r| self.bool_of(r));
        let id_pointer = self.pointer_or(t, "id_pointer", "/id");
        let mismatch_request = match get(t, "mismatch_request") {
            Some(m) => Some(self.request_ref(m)?),
            None => None,
        };
        // A bad value is reported (and fails the whole load); carry on to report the rest.
        let error_request = get(t, "error_request").and_then(|m| self.request_ref(m));
        let second_credential = get(t, "second_credential")
            .and_then(|c| self.credential(c, "the idempotency `second_credential`"));
        let oracle = match get(t, "oracle") {
            Some(o) => self.oracle(o, request.as_deref(), requests),
            None => request
                .as_deref()
                .and_then(|r| self.default_oracle(r, requests, &e.value.span)),
        };
        Some(IdempotencySpec {
            request: request?,
            header: header?,
            profile,
            concurrency: concurrency?,
            required: required?,
            id_pointer,
            oracle: oracle?,
            mismatch_request,
            error_request,
            second_credential,
        })
    }

    fn default_oracle(
        &mut self,
        request: &str,
        requests: &[RequestSpec],
        span: &Range<usize>,
    ) -> Option<Oracle> {
        let spec = requests.iter().find(|r| r.name == request)?;
        let mut path = String::new();
        for part in &spec.path.parts {
            match part {
                Part::Lit(s) => path.push_str(s),
                _ => {
                    self.err_hint(
                        span.clone(),
                        format!("cannot derive the idempotency oracle: the path of `{request}` contains placeholders"),
                        "set it explicitly, e.g. `oracle = { kind = \"get\", path = \"/orders/{id}\" }`",
                    );
                    return None;
                }
            }
        }
        let path = format!("{}/{{id}}", path.trim_end_matches('/'));
        Some(Oracle::Get { path })
    }

    fn oracle(
        &mut self,
        e: &Entry,
        request: Option<&str>,
        requests: &[RequestSpec],
    ) -> Option<Oracle> {
        let t = self.table_of(e)?;
        let place = "the idempotency `oracle`";
        let kind = match get(t, "kind") {
            Some(k) => self.choice(k, &["get", "count", "probe"])?,
            None => {
                self.missing(
                    e.value.span.clone(),
                    "kind",
                    place,
                    "write e.g. `oracle = { kind = \"get\", path = \"/orders/{id}\" }`",
                );
                return None;
            }
        };
        if kind == "get" {
            self.check_keys(t, &["kind", "path"], place);
            match get(t, "path") {
                Some(p) => {
                    let path = self.str_of(p)?;
                    if !path.starts_with('/') || !path.contains("{id}") {
                        self.err_hint(
                            p.value.span.clone(),
                            format!("invalid oracle path {path:?}: it must start with `/` and contain `{{id}}`"),
                            "`{id}` is replaced by the id of the created resource, e.g. \"/orders/{id}\"",
                        );
                        return None;
                    }
                    Some(Oracle::Get { path })
                }
                None => self.default_oracle(request?, requests, &e.value.span),
            }
        } else {
            self.check_keys(t, &["kind", "request", "pointer"], place);
            let req = self.required_request(t, &e.value.span, place);
            let pointer = match get(t, "pointer") {
                Some(p) => self.pointer(p),
                None => {
                    self.missing(
                        e.value.span.clone(),
                        "pointer",
                        place,
                        "add e.g. `pointer = \"/data\"`",
                    );
                    None
                }
            };
            let (request, pointer) = (req?, pointer?);
            Some(if kind == "count" {
                Oracle::Count { request, pointer }
            } else {
                Oracle::Probe { request, pointer }
            })
        }
    }

    /// A second client's credential, `{ header = "X-Api-Key", value = "${secrets.other}" }`:
    /// a header name and a request-scope value template (`partition` in [checks.rate_limit],
    /// `second_credential` in [checks.idempotency]).
    fn credential(&mut self, e: &Entry, place: &str) -> Option<(String, Template)> {
        let pt = self.table_of(e)?;
        self.check_keys(pt, &["header", "value"], place);
        let header = match get(pt, "header") {
            Some(h) => self
                .str_of(h)
                .filter(|s| self.header_name(s, h.value.span.clone())),
            None => {
                self.missing(
                    e.value.span.clone(),
                    "header",
                    place,
                    "e.g. `header = \"X-Api-Key\"`",
                );
                None
            }
        };
        let value = match get(pt, "value") {
            Some(v) => self.template_of(v, TplScope::Request),
            None => {
                self.missing(
                    e.value.span.clone(),
                    "value",
                    place,
                    "e.g. `value = \"${env.SECOND_API_KEY}\"`",
                );
                None
            }
        };
        Some((header?, value?))
    }

    fn rate_limit(&mut self, e: &Entry) -> Option<RateLimitSpec> {
        let t = self.table_of(e)?;
        let place = "[checks.rate_limit]";
        self.check_keys(t, &["request", "tolerance", "honesty", "partition"], place);
        let request = self.required_request(t, &e.value.span, place);
        let tolerance = match get(t, "tolerance") {
            Some(x) => {
                let v = self.number(x)?;
                if !(0.0..1.0).contains(&v) {
                    self.err(
                        x.value.span.clone(),
                        format!("`tolerance` must be at least 0 and below 1, found {v}"),
                    );
                    return None;
                }
                v
            }
            None => 0.1,
        };
        let honesty = get(t, "honesty").map_or(Some(true), |h| self.bool_of(h));
        let partition = match get(t, "partition") {
            Some(p) => Some(self.credential(p, "the rate_limit `partition`")?),
            None => None,
        };
        Some(RateLimitSpec {
            request: request?,
            tolerance,
            honesty: honesty?,
            partition,
        })
    }

    fn pagination(&mut self, e: &Entry) -> Option<PaginationSpec> {
        let t = self.table_of(e)?;
        let place = "[checks.pagination]";
        self.check_keys(
            t,
            &[
                "request",
                "style",
                "items",
                "id",
                "sort_key",
                "limit_param",
                "page_size",
                "max_pages",
                "walkers",
                "writers",
                "insert_request",
                "delete_request",
            ],
            place,
        );
        let request = self.required_request(t, &e.value.span, place);
        let style = match get(t, "style") {
            Some(s) => {
                match self
                    .choice(
                        s,
                        &[
                            "auto",
                            "link",
                            "body_next",
                            "cursor",
                            "stripe",
                            "offset",
                            "page",
                        ],
                    )?
                    .as_str()
                {
                    "auto" => PageStyle::Auto,
                    "link" => PageStyle::Link,
                    "body_next" => PageStyle::BodyNext,
                    "cursor" => PageStyle::Cursor,
                    "stripe" => PageStyle::Stripe,
                    "offset" => PageStyle::Offset,
                    _ => PageStyle::Page,
                }
            }
            None => PageStyle::Auto,
        };
        let items = self.pointer_or(t, "items", "/data");
        let id = self.pointer_or(t, "id", "/id");
        let sort_key = get(t, "sort_key").and_then(|s| self.pointer(s));
        let limit_param = self.string_or(t, "limit_param", "limit");
        let page_size = get(t, "page_size").map_or(Some(10), |x| self.u32_in(x, 1, u32::MAX));
        let max_pages = get(t, "max_pages").map_or(Some(1000), |x| self.u32_in(x, 1, u32::MAX));
        let walkers = get(t, "walkers").map_or(Some(2), |x| self.u32_in(x, 1, 1000));
        let writers = get(t, "writers").map_or(Some(2), |x| self.u32_in(x, 0, 1000));
        let insert_request = match get(t, "insert_request") {
            Some(r) => Some(self.request_ref(r)?),
            None => None,
        };
        let delete_request = match get(t, "delete_request") {
            Some(r) => Some(self.request_ref(r)?),
            None => None,
        };
        Some(PaginationSpec {
            request: request?,
            style,
            items,
            id,
            sort_key,
            limit_param,
            page_size: page_size?,
            max_pages: max_pages?,
            walkers: walkers?,
            writers: writers?,
            insert_request,
            delete_request,
        })
    }

    fn error_format(&mut self, e: &Entry) -> Option<ErrorFormatSpec> {
        let t = self.table_of(e)?;
        let place = "[checks.error_format]";
        self.check_keys(
            t,
            &[
                "profile",
                "schema",
                "request_id_headers",
                "request_id_on",
                "echo_request_id",
                "probes",
            ],
            place,
        );
        let profile = match get(t, "profile") {
            Some(p) => match self
                .choice(
                    p,
                    &["problem+json", "google", "stripe", "jsonapi", "schema"],
                )?
                .as_str()
            {
                "problem+json" => ErrorProfile::ProblemJson,
                "google" => ErrorProfile::Google,
                "stripe" => ErrorProfile::Stripe,
                "jsonapi" => ErrorProfile::JsonApi,
                _ => ErrorProfile::Schema,
            },
            None => ErrorProfile::ProblemJson,
        };
        let schema = match get(t, "schema") {
            Some(s) => {
                let v = self.str_of(s)?;
                if profile != ErrorProfile::Schema {
                    self.err_hint(
                        s.key_span.clone(),
                        "`schema` is only used with `profile = \"schema\"`",
                        "set `profile = \"schema\"`, or remove `schema`",
                    );
                    return None;
                }
                Some(v)
            }
            None => {
                if profile == ErrorProfile::Schema {
                    self.missing(
                        e.value.span.clone(),
                        "schema",
                        place,
                        "`profile = \"schema\"` needs the path of a JSON Schema file, e.g. `schema = \"error.schema.json\"`",
                    );
                    return None;
                }
                None
            }
        };
        let request_id_headers = match get(t, "request_id_headers") {
            Some(h) => match &h.value.kind {
                Kind::Array(items) => {
                    let mut out = Vec::new();
                    for node in items {
                        match &node.kind {
                            Kind::String(s) if self.header_name(s, node.span.clone()) => {
                                out.push(s.clone())
                            }
                            Kind::String(_) => {}
                            _ => self.err(
                                node.span.clone(),
                                format!(
                                    "expected a header name (string), found {}",
                                    node.describe()
                                ),
                            ),
                        }
                    }
                    out
                }
                _ => {
                    self.type_err(h, "an array of header names");
                    return None;
                }
            },
            None => vec![
                "X-Request-Id".into(),
                "Request-Id".into(),
                "X-Correlation-Id".into(),
            ],
        };
        let mut probes = Vec::new();
        if let Some(p) = get(t, "probes") {
            match &p.value.kind {
                Kind::Array(items) => {
                    for node in items {
                        let Some(pt) = node.table() else {
                            self.err(
                                node.span.clone(),
                                format!("each probe must be a table, found {}", node.describe()),
                            );
                            continue;
                        };
                        self.check_keys(
                            pt,
                            &["request", "status"],
                            "[[checks.error_format.probes]]",
                        );
                        let request =
                            self.required_request(pt, &node.span, "[[checks.error_format.probes]]");
                        let status = match get(pt, "status") {
                            Some(s) => self.status_list(s),
                            None => {
                                self.missing(
                                    node.span.clone(),
                                    "status",
                                    "[[checks.error_format.probes]]",
                                    "the status the probe must get, e.g. `status = 404` or `status = [400, 422]`",
                                );
                                None
                            }
                        };
                        if let (Some(request), Some(status)) = (request, status) {
                            probes.push(ErrorProbe { request, status });
                        }
                    }
                }
                _ => self.type_err(p, "an array of tables ([[checks.error_format.probes]])"),
            }
        }
        let request_id_on = match get(t, "request_id_on") {
            Some(s) => match self.choice(s, &["errors", "every_response"])?.as_str() {
                "errors" => RequestIdScope::Errors,
                _ => RequestIdScope::EveryResponse,
            },
            None => RequestIdScope::Errors,
        };
        let echo_request_id = match get(t, "echo_request_id") {
            Some(b) => self.bool_of(b)?,
            None => false,
        };
        Some(ErrorFormatSpec {
            profile,
            schema,
            request_id_headers,
            probes,
            request_id_on,
            echo_request_id,
        })
    }
}
