//! The active part of ERR-*: the declared probes (each sent [`REPEATS`] times), the ERR-06 echo
//! and `traceparent` probes. The probe client shows every response to the passive part; what
//! only this part can judge (ERR-04 across repeats, ERR-07, ERR-08, the echo) goes into a fresh
//! `Passive` that the family contributes to the run's.

use std::time::Instant;

use super::judge::{self, Sample};
use super::{CORREL, LOCAL, REPEATS, STABLE, STATUS, passive::Passive};
use crate::checks::CheckCtx;
use crate::checks::probe::{Exchange, Probe, send};
use crate::headers::problem::Issue;
use crate::redact::Redactor;
use crate::scenario::{Body, ErrorFormatSpec, RequestSpec};

fn evidence_sample(ex: &Exchange, r: &Redactor) -> impl FnMut(&Issue) -> Sample {
    move |i: &Issue| Sample::Evidence(Box::new(ex.evidence(r, &i.message)))
}

/// Send the declared probes (each [`REPEATS`] times) and the ERR-06 echo and `traceparent`
/// probes; return the judged tallies. Takes a few milliseconds against a local server.
pub(super) async fn active(ctx: &CheckCtx<'_>, spec: &ErrorFormatSpec) -> Passive {
    let mut acc = Passive::new(spec);
    acc.active_ran = true;
    if spec.probes.is_empty() {
        return acc;
    }
    let client = match ctx.client() {
        Ok(c) => c,
        Err(e) => {
            acc.active_error = Some(e);
            return acc;
        }
    };
    let origin = Instant::now();
    let r = ctx.redactor;
    let mut first: Option<&RequestSpec> = None;
    for declared in &spec.probes {
        let Some(req) = ctx.request(&declared.request) else {
            acc.active_error = Some(format!("no request named `{}`", declared.request));
            continue;
        };
        first.get_or_insert(req);
        let mut codes = Vec::new();
        let mut exchanges = Vec::new();
        for _ in 0..REPEATS {
            let probe = match Probe::from_spec(ctx, req) {
                Ok(p) => p,
                Err(e) => {
                    acc.active_error = Some(format!("request `{}`: {e}", req.name));
                    break;
                }
            };
            let ex = send(&client, &probe, origin, 0).await;
            let Some(status) = ex.status else {
                let issue = Issue::fail(
                    "no-response",
                    format!(
                        "`{}` got no response: {}",
                        req.name,
                        ex.error.as_deref().unwrap_or("unknown error")
                    ),
                );
                acc.tallies[STATUS].record(&[issue], &mut evidence_sample(&ex, r));
                continue;
            };
            let issues =
                judge::decide_status(&declared.status, status, ex.headers.contains_key("allow"));
            acc.tallies[STATUS].record(&issues, &mut evidence_sample(&ex, r));
            if status >= 400 {
                // The probe client showed the response to the passive part already; ERR-04
                // only needs its code here.
                codes.push(acc.code_of(&ex));
            }
            exchanges.push(ex);
        }
        if let Some(issues) = judge::decide_stability(&codes)
            && let Some(ex) = exchanges.first()
        {
            acc.tallies[STABLE].record(&issues, &mut evidence_sample(ex, r));
        }
        // ERR-07: the first response to a one-bad-field probe.
        if (declared.status.contains(&400) || declared.status.contains(&422))
            && let Some(ex) = exchanges.iter().find(|e| e.status.is_some())
            && let Some(field) = bad_field(ctx, req, &ex.probe)
        {
            let media_ok =
                crate::headers::problem::classify_media(spec.profile, ex.header("content-type"))
                    .is_json();
            let body = if media_ok { ex.json() } else { None };
            match judge::decide_locality(&field, ex.status.unwrap_or(0), body.as_ref()) {
                Some(issues) => acc.tallies[LOCAL].record(&issues, &mut evidence_sample(ex, r)),
                None => {
                    acc.local_note = Some(format!(
                        "not applicable: the response to `{}` (bad field `{field}`) was not a 400/422 JSON error (see ERR-01/ERR-08)",
                        req.name
                    ))
                }
            }
        }
    }
    // ERR-06: an inbound id is echoed; a malformed traceparent is not a server error.
    if let Some(req) = first {
        let id_header = spec
            .request_id_headers
            .iter()
            .find(|h| !h.eq_ignore_ascii_case("traceparent"));
        if let Some(h) = id_header
            && let Ok(p) = Probe::from_spec(ctx, req)
        {
            let sent = format!("loadproof-{}", uuid::Uuid::new_v4().simple());
            let ex = send(&client, &p.with_header(h, &sent), origin, 0).await;
            for i in judge::decide_echo(h, &sent, ex.header(h), spec.echo_request_id) {
                acc.tallies[CORREL].add(&i, &mut evidence_sample(&ex, r));
            }
        }
        if let Ok(p) = Probe::from_spec(ctx, req) {
            let ex = send(
                &client,
                &p.with_header("traceparent", "00-not-a-trace-id-at-all-01"),
                origin,
                0,
            )
            .await;
            for i in judge::decide_traceparent(ex.status) {
                acc.tallies[CORREL].add(&i, &mut evidence_sample(&ex, r));
            }
        }
    }
    acc
}

impl Passive {
    /// The ERR-04 code of a probe's error response.
    fn code_of(&self, ex: &Exchange) -> Option<String> {
        judge::judge(
            &self.cfg,
            ex.status.unwrap_or(0),
            crate::observe::Headers::Map(&ex.headers),
            &ex.body,
            ex.body_truncated,
        )
        .code
    }
}

/// The one bad field of a probe: by name (`invalid_amount` → `amount`), or by comparison with a
/// request of the same method and path that has a JSON body.
fn bad_field(ctx: &CheckCtx<'_>, req: &RequestSpec, probe: &Probe) -> Option<String> {
    let body = probe.json()?;
    if let Some(f) = judge::field_from_name(&req.name, &body) {
        return Some(f);
    }
    ctx.requests
        .iter()
        .filter(|s| {
            s.name != req.name
                && s.method.eq_ignore_ascii_case(&req.method)
                && s.path == req.path
                && matches!(s.body, Body::Json(_))
        })
        .find_map(|s| {
            let sibling = Probe::from_spec(ctx, s).ok()?.json()?;
            judge::differing_field(&body, &sibling)
        })
}
