//! `[checks.idempotency]` and its `oracle`.

use std::ops::Range;

use super::Cx;
use crate::scenario::model::*;
use crate::scenario::tree::{Entry, get};

impl Cx<'_> {
    pub(super) fn idempotency(
        &mut self,
        e: &Entry,
        requests: &[RequestSpec],
    ) -> Option<IdempotencySpec> {
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
            Some(m) => Some(self.check_request_ref(m)?),
            None => None,
        };
        // A bad value is reported (and fails the whole load); carry on to report the rest.
        let error_request = get(t, "error_request").and_then(|m| self.check_request_ref(m));
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
}
