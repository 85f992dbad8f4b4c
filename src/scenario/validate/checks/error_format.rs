//! `[checks.error_format]` and its `[[checks.error_format.probes]]`.

use super::Cx;
use crate::scenario::model::*;
use crate::scenario::tree::{Entry, Kind, get};

impl Cx<'_> {
    pub(super) fn error_format(&mut self, e: &Entry) -> Option<ErrorFormatSpec> {
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
                // No header to look in would make every response fail ERR-06 ("no request
                // id"): an API without request ids waives the check instead.
                Kind::Array(items) if items.is_empty() => {
                    self.err_hint(
                        h.value.span.clone(),
                        "`request_id_headers` is an empty list",
                        "list the headers that carry a request id, or, if the API sends none, \
                         waive the check: `skip = [\"ERR-06\"]` in [checks]",
                    );
                    return None;
                }
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
