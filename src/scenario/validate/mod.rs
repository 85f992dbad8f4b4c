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
//! - `expect`: the rules of one `json` expectation, the `expect.schema` file and
//!   `remove_headers`;
//! - `load`: `[load]` and `[[load.stages]]`;
//! - `thresholds`: `[[thresholds]]`;
//! - `compare`: the `[compare]` regression budget;
//! - `syntax`: messages and hints rewritten in the syntax of the file (TOML or JSON);
//! - `checks`: the `[checks]` table, with one file per check family (`idempotency`,
//!   `rate_limit`, `pagination`, `error_format`).

mod checks;
mod compare;
mod cx;
mod expect;
mod flows;
mod load;
mod requests;
mod syntax;
mod templates;
mod thresholds;

use super::diag::Diagnostic;
use super::model::*;
use super::tree::{Entry, Node, get};

pub use checks::{CHECK_IDS, FAMILY_SECTIONS};
pub(in crate::scenario) use cx::EnvMode;
#[cfg(test)]
pub(in crate::scenario) use cx::UNCHECKED_ENV;
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
    "flows",
    "data",
    "load",
    "thresholds",
    "checks",
    "compare",
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

        if let Some(Target::Url(u)) = &target {
            self.target_url = Some(u.clone());
        }
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

        // Data files before anything that may use `${data.*}`.
        if let Some(e) = get(top, "data") {
            self.data_sections(e);
        }
        // Requests: collect names first so that every reference can be checked.
        let flows_entry = get(top, "flows");
        let request_nodes = match get(top, "requests") {
            Some(e) => self.request_nodes(e),
            // A scenario of flows only needs no single request.
            None if flows_entry.is_some() => Some(&[][..]),
            None => {
                self.missing(
                    root_span.clone(),
                    "requests",
                    "the top level",
                    self.by_syntax(
                        "add at least one [[requests]] table with a `name` and a `path`",
                        &format!(
                            "add `requests` with at least one request, e.g. {}",
                            syntax::JSON_REQUESTS
                        ),
                    ),
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
                let parsed = self.request(node, None);
                weights.push((parsed.weight, parsed.weight_entry.clone()));
                match parsed.spec {
                    Some(spec) => requests.push(spec),
                    None => requests_ok = false,
                }
            }
        }
        let flows = match flows_entry {
            Some(e) => self.flows(e, &mut requests),
            None => Some(Vec::new()),
        };
        if let Some(nodes) = request_nodes {
            // Cross check: something must be sent.
            let flow_sends = flows
                .as_ref()
                .is_none_or(|f| f.iter().any(|f| f.weight > 0));
            if !nodes.is_empty() && weights.iter().all(|(w, _)| *w == Some(0)) && !flow_sends {
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

        let compare = match get(top, "compare") {
            Some(e) => self.compare(e),
            None => Some(super::compare::CompareSpec::default()),
        };

        let has_errors = self
            .diags
            .iter()
            .any(|d| d.severity == super::diag::Severity::Error);
        if has_errors || !requests_ok {
            return Err(self.diags);
        }
        match (
            name, target, defaults, load, thresholds, checks, compare, flows,
        ) {
            (
                Some(name),
                Some(target),
                Some(defaults),
                Some(load),
                Some(thresholds),
                Some(checks),
                Some(compare),
                Some(flows),
            ) => {
                let scenario = Scenario {
                    name,
                    description,
                    target,
                    defaults,
                    requests,
                    flows,
                    data: self.data,
                    load,
                    thresholds,
                    checks,
                    compare,
                    secrets: self.secrets,
                    warnings: (!self.diags.is_empty())
                        .then(|| super::Diagnostics::new(self.origin, self.src, self.diags)),
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
        // `${env.NAME}` is how CI passes the base URL (as k6 users write `__ENV.BASE_URL`).
        // Nothing else may be a placeholder here: the target is fixed before any request.
        let s = if s.contains("${") {
            match expand_env(&s, self.env) {
                Ok(v) => v,
                Err(EnvTarget::Unset(vars)) => {
                    for var in &vars {
                        self.env_unchecked(var);
                    }
                    let (line, col) = crate::scenario::diag::line_col(self.src, e.value.span.start);
                    return Some(Target::Unset {
                        var: vars[0].clone(),
                        at: format!("{}:{line}:{col}", self.origin),
                    });
                }
                Err(EnvTarget::Bad(what)) => {
                    self.err_hint(
                        e.value.span.clone(),
                        format!("invalid target: {what}"),
                        "only `${env.NAME}` may be used in `target` (e.g. `target = \"${env.BASE_URL}\"`); or give the URL on the command line with --target URL",
                    );
                    return None;
                }
            }
        } else {
            s
        };
        if s == "reference" {
            return Some(Target::Reference);
        }
        let hint = "use \"reference\" for the built-in reference API, or a base URL such as \"https://api.example.com\" or \"http://127.0.0.1:8080/v1\"";
        let lower = s.to_ascii_lowercase();
        let rest = lower
            .strip_prefix("http://")
            .or_else(|| lower.strip_prefix("https://"));
        let problem = match rest {
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
        // A password in the URL (`user:pass@`) is sent as Basic auth and is a secret: the
        // redactor masks it, and messages show the URL without it.
        let (shown, userinfo) = crate::redact::split_userinfo(&s);
        if let Some((creds, written)) = userinfo {
            for secret in creds.secrets(&written) {
                if !self.secrets.contains(&secret) {
                    self.secrets.push(secret);
                }
            }
        }
        match problem {
            None => Some(Target::Url(s)),
            Some(p) => {
                self.err_hint(
                    e.value.span.clone(),
                    format!("invalid target {shown:?}: {p}"),
                    hint,
                );
                None
            }
        }
    }
}

/// Why a `target` with placeholders has no value.
#[derive(Debug, PartialEq)]
enum EnvTarget {
    /// `${env.NAME}` with `NAME` unset: every such name, in order (never empty).
    Unset(Vec<String>),
    /// Another placeholder, or a malformed one: a located error.
    Bad(String),
}

/// Expand the `${env.NAME}` placeholders of a target (`$${` is a literal `${`). The whole text
/// is read even after an unset variable, so that a malformed placeholder further on is still an
/// error (`validate --no-env` relies on it).
fn expand_env(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<String, EnvTarget> {
    let mut out = String::new();
    let mut unset = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        if rest[..i].ends_with('$') {
            out.push_str(&rest[..i - 1]);
            out.push_str("${");
            rest = &rest[i + 2..];
            continue;
        }
        out.push_str(&rest[..i]);
        let Some(end) = rest[i..].find('}') else {
            return Err(EnvTarget::Bad("unclosed `${`".into()));
        };
        let body = &rest[i + 2..i + end];
        match body.strip_prefix("env.") {
            Some(name) if crate::scenario::template::is_ident(name) => match env(name) {
                Some(v) => out.push_str(v.trim_end_matches('/')),
                None => unset.push(name.to_string()),
            },
            _ => {
                return Err(EnvTarget::Bad(format!(
                    "`${{{body}}}` is not allowed in `target`"
                )));
            }
        }
        rest = &rest[i + end + 1..];
    }
    out.push_str(rest);
    if unset.is_empty() {
        Ok(out)
    } else {
        Err(EnvTarget::Unset(unset))
    }
}

#[cfg(test)]
mod target_env_tests {
    use super::*;

    #[test]
    fn a_target_takes_env_placeholders_and_nothing_else() {
        let env = |n: &str| (n == "BASE_URL").then(|| "http://127.0.0.1:8080/".to_string());
        assert_eq!(
            expand_env("${env.BASE_URL}", &env),
            Ok("http://127.0.0.1:8080".into())
        );
        assert_eq!(
            expand_env("${env.BASE_URL}/v1", &env),
            Ok("http://127.0.0.1:8080/v1".into())
        );
        assert_eq!(
            expand_env("${env.API_URL}", &env),
            Err(EnvTarget::Unset(vec!["API_URL".into()]))
        );
        // Every unset name is listed, and a malformed placeholder after one is still caught.
        assert_eq!(
            expand_env("${env.A}/${env.BASE_URL}/${env.B}", &env),
            Err(EnvTarget::Unset(vec!["A".into(), "B".into()]))
        );
        assert!(matches!(
            expand_env("${env.A}/${env.1X}", &env),
            Err(EnvTarget::Bad(_))
        ));
        assert!(matches!(
            expand_env("${vars.x}", &env),
            Err(EnvTarget::Bad(_))
        ));
        assert!(matches!(
            expand_env("${env.BASE_URL", &env),
            Err(EnvTarget::Bad(_))
        ));
    }
}
