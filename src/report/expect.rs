//! The `EXPECT-<request>` checks: one verdict per request that asserts something, from what the
//! load phase counted for it. Pure (plan and counts in, a [`CheckResult`] out), so every case is
//! unit-tested without a run.
//!
//! "Nothing is a pass it did not earn": a request never sent is `skip` with the reason; requests
//! that got no response, and responses whose body was too large to judge, are neither met nor
//! missed, so they turn a pass into a `warn`, and into an `error` when nothing at all was judged.

use super::model::{CheckResult, CheckStatus, Evidence};
use super::{curl, errors_by_kind, kinds_text};
use crate::metrics::stats::{RequestStats, ResponseSample};
use crate::plan::RunPlan;
use crate::redact::Redactor;
use crate::scenario::{Expectations, RequestSpec};

/// The `EXPECT-*` row of `spec`, or `None` when it asserts nothing: ad-hoc mode accepts any
/// response, and a weight-0 request without its own `expect` table is only a template for the
/// checks. `run_sent` is how many requests the whole load phase sent.
pub(super) fn check(
    plan: &RunPlan,
    spec: &RequestSpec,
    s: &RequestStats,
    run_sent: u64,
) -> Option<CheckResult> {
    // A flow's step has weight 0 too, but its flow sends it: it is judged like any request.
    let flow = plan.flows.iter().find(|f| {
        f.steps.iter().any(|s| {
            plan.requests
                .get(s.request)
                .is_some_and(|r| r.name == spec.name)
        })
    });
    if spec.expect.accepts_anything()
        || (spec.weight == 0 && flow.is_none() && spec.expect == Expectations::default())
    {
        return None;
    }
    let id = format!("EXPECT-{}", spec.name);
    let row = |status, message: String, count| CheckResult {
        id: id.clone(),
        status,
        message,
        count,
        evidence: vec![],
    };
    if s.sent == 0 {
        let why = match flow {
            Some(f) => format!(
                "never sent: no iteration of flow `{}` reached this step (see the report's flows)",
                f.name
            ),
            None => never_sent(spec, run_sent),
        };
        return Some(row(CheckStatus::Skip, why, 0));
    }
    let r = &plan.redactor;
    let no_answer = s.error_total();
    let unjudged = s.expectation_unjudged;
    let judged = s.responses.saturating_sub(unjudged);
    // What kept some requests from being judged, as clauses of one sentence.
    let mut not_judged = Vec::new();
    if no_answer > 0 {
        not_judged.push(format!(
            "{no_answer} of {} requests got no response ({})",
            s.sent,
            kinds_text(&errors_by_kind(s))
        ));
    }
    if unjudged > 0 {
        not_judged.push(too_large(spec, unjudged, s.responses));
    }
    let not_judged = not_judged.join("; ");
    Some(match &s.expectation_sample {
        Some(sample) => {
            let mut message = format!(
                "{} of {} responses missed the expectations; first: {}",
                s.expectation_failures,
                s.responses,
                r.text(&sample.message)
            );
            if unjudged > 0 {
                message.push_str(&format!(" ({})", too_large(spec, unjudged, s.responses)));
            }
            CheckResult {
                id,
                status: CheckStatus::Fail,
                message,
                count: s.expectation_failures,
                evidence: vec![response_evidence(
                    Evidence {
                        method: Some(sample.method.clone()),
                        url: Some(r.text(&sample.url)),
                        status: sample.status,
                        curl: Some(curl(plan, spec, &sample.method, &sample.url)),
                        note: Some(r.text(&sample.message)),
                        request: Some(spec.name.clone()),
                        ..Evidence::default()
                    },
                    sample.response.as_deref(),
                    r,
                )],
            }
        }
        // Nothing was judged: the expectation is neither met nor missed.
        None if s.responses == 0 => row(
            CheckStatus::Error,
            format!(
                "none of {} requests got a response to judge ({not_judged})",
                s.sent
            ),
            no_answer,
        ),
        None if judged == 0 && no_answer == 0 => row(
            CheckStatus::Error,
            format!(
                "none of the {} responses could be judged: {}",
                s.responses,
                too_large_reason(spec)
            ),
            unjudged,
        ),
        None if judged == 0 => row(
            CheckStatus::Error,
            format!("no response could be judged: {not_judged}"),
            unjudged + no_answer,
        ),
        // Every judged answer conformed, but not every request was judged.
        None if !not_judged.is_empty() => row(
            CheckStatus::Warn,
            format!("all {judged} judged responses met the expectations, but {not_judged}"),
            no_answer + unjudged,
        ),
        None => row(
            CheckStatus::Pass,
            format!("all {} responses met the expectations", s.responses),
            s.responses,
        ),
    })
}

/// `e` with the response that missed: its headers and body (the start of it, lossy UTF-8),
/// redacted, and every miss.
fn response_evidence(mut e: Evidence, response: Option<&ResponseSample>, r: &Redactor) -> Evidence {
    let Some(resp) = response else {
        return e;
    };
    e.response_headers = resp
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), r.header_value(k, v)))
        .collect();
    e.response_body = resp.body.as_deref().map(|b| {
        let mut text = r.text(&String::from_utf8_lossy(b));
        if resp.body_cut {
            text.push_str(&format!("… (only the first {} bytes are kept)", b.len()));
        }
        text
    });
    e.misses = resp.misses.iter().map(|m| r.text(m)).collect();
    e
}

/// Why a request was never sent.
fn never_sent(spec: &RequestSpec, run_sent: u64) -> String {
    if spec.weight == 0 {
        "never sent: weight 0, so the load mix never picks it".into()
    } else if run_sent == 0 {
        "never sent: the load phase sent no request at all".into()
    } else {
        format!("never sent: 0 of the load phase's {run_sent} requests picked this one")
    }
}

/// "`n` of `responses` responses could not be judged: …".
fn too_large(spec: &RequestSpec, n: u64, responses: u64) -> String {
    format!(
        "{n} of {responses} responses could not be judged: {}",
        too_large_reason(spec)
    )
}

/// The reason, with the limit and how to raise it.
fn too_large_reason(spec: &RequestSpec) -> String {
    let limit = crate::size::show(spec.max_body.unwrap_or(crate::size::DEFAULT_MAX_BODY));
    format!(
        "body too large to judge (longer than the {limit} kept; raise `max_body` in the \
         scenario or pass --max-body)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::RunArgs;
    use crate::metrics::stats::{ErrorKind, Sample};

    fn plan() -> RunPlan {
        let args = RunArgs {
            url: Some("http://127.0.0.1:9/x".into()),
            ..RunArgs::default()
        };
        RunPlan::resolve(args, None).unwrap()
    }

    /// A request expecting a 200 with an `/id`, as the plan resolves it (`max_body` set).
    fn spec(weight: u32) -> RequestSpec {
        let mut spec = plan().requests[0].clone();
        spec.name = "get".into();
        spec.weight = weight;
        spec.expect = Expectations {
            status: vec![200],
            ..Expectations::default()
        };
        spec.max_body = Some(crate::size::DEFAULT_MAX_BODY);
        spec
    }

    fn stats(sent: u64, responses: u64, unjudged: u64) -> RequestStats {
        let mut s = RequestStats {
            sent,
            responses,
            expectation_unjudged: unjudged,
            kept_bodies_truncated: unjudged,
            ..RequestStats::default()
        };
        s.errors[ErrorKind::Timeout.index()] = sent - responses;
        s
    }

    fn row(spec: &RequestSpec, s: &RequestStats, run_sent: u64) -> CheckResult {
        check(&plan(), spec, s, run_sent).expect("a row")
    }

    #[test]
    fn a_request_never_sent_is_skipped_with_the_reason() {
        let c = row(&spec(1), &stats(0, 0, 0), 7);
        assert_eq!((c.id.as_str(), c.status), ("EXPECT-get", CheckStatus::Skip));
        assert_eq!(
            c.message,
            "never sent: 0 of the load phase's 7 requests picked this one"
        );
        let c = row(&spec(1), &stats(0, 0, 0), 0);
        assert_eq!(c.status, CheckStatus::Skip);
        assert!(
            c.message.contains("sent no request at all"),
            "{}",
            c.message
        );
        // weight 0 with its own expectations: the mix never picks it, and the row says so.
        let c = row(&spec(0), &stats(0, 0, 0), 7);
        assert_eq!(c.status, CheckStatus::Skip);
        assert!(c.message.contains("weight 0"), "{}", c.message);
    }

    #[test]
    fn requests_that_assert_nothing_have_no_row() {
        // A weight-0 request without an `expect` table is a template for the checks.
        let mut template = spec(0);
        template.expect = Expectations::default();
        assert!(check(&plan(), &template, &stats(0, 0, 0), 7).is_none());
        // Ad-hoc mode accepts any response.
        let adhoc = plan().requests[0].clone();
        assert!(check(&plan(), &adhoc, &stats(5, 5, 0), 5).is_none());
    }

    #[test]
    fn bodies_too_large_to_judge_are_neither_met_nor_missed() {
        // None judged: an error (inconclusive), naming the limit and how to raise it.
        let c = row(&spec(1), &stats(3, 3, 3), 3);
        assert_eq!(c.status, CheckStatus::Error);
        assert!(
            c.message
                .starts_with("none of the 3 responses could be judged: body too large")
                && c.message.contains("body too large to judge")
                && c.message.contains("1 MiB")
                && c.message.contains("--max-body"),
            "{}",
            c.message
        );
        // None judged, some not even answered: both reasons.
        let c = row(&spec(1), &stats(4, 3, 3), 4);
        assert_eq!(c.status, CheckStatus::Error);
        assert!(
            c.message
                .starts_with("no response could be judged: 1 of 4 requests got no response")
                && c.message.contains("3 of 3 responses could not be judged"),
            "{}",
            c.message
        );
        // Some judged: a warning, never a pass.
        let c = row(&spec(1), &stats(5, 5, 2), 5);
        assert_eq!(c.status, CheckStatus::Warn);
        assert!(
            c.message
                .starts_with("all 3 judged responses met the expectations, but 2 of 5"),
            "{}",
            c.message
        );
        // With no answers too, both reasons.
        let c = row(&spec(1), &stats(6, 5, 2), 6);
        assert_eq!(c.status, CheckStatus::Warn);
        assert!(
            c.message
                .contains("1 of 6 requests got no response (timeout ×1)")
                && c.message.contains("2 of 5 responses could not be judged"),
            "{}",
            c.message
        );
    }

    #[test]
    fn a_miss_is_a_failure_and_still_says_what_was_not_judged() {
        let mut s = stats(4, 4, 1);
        s.expectation_failures = 1;
        s.expectation_sample = Some(Sample {
            message: "expected status in [200], got 500".into(),
            url: "http://127.0.0.1:9/x".into(),
            method: "GET".into(),
            status: Some(500),
            response: None,
        });
        let c = row(&spec(1), &s, 4);
        assert_eq!(c.status, CheckStatus::Fail);
        assert!(
            c.message.contains("got 500") && c.message.contains("1 of 4 responses could not be"),
            "{}",
            c.message
        );
        assert_eq!(c.evidence.len(), 1);
        // Everything judged and met: a pass.
        let c = row(&spec(1), &stats(4, 4, 0), 4);
        assert_eq!(c.status, CheckStatus::Pass);
        assert_eq!(c.message, "all 4 responses met the expectations");
    }

    #[test]
    fn the_evidence_shows_the_response_redacted_and_every_miss() {
        let mut s = stats(2, 2, 0);
        s.expectation_failures = 2;
        s.expectation_sample = Some(Sample {
            message: "expected status in [200], got 500 (+1 more)".into(),
            url: "http://127.0.0.1:9/x".into(),
            method: "GET".into(),
            status: Some(500),
            response: Some(Box::new(ResponseSample {
                headers: vec![
                    ("content-type".into(), "application/json".into()),
                    ("set-cookie".into(), "session=abc123".into()),
                    ("x-echo".into(), "token s3cr3t-value".into()),
                ],
                body: Some(br#"{"error":"s3cr3t-value","n":1}"#.to_vec()),
                body_cut: true,
                misses: vec![
                    "expected status in [200], got 500".into(),
                    r#"expected "/n" > 1, got 1"#.into(),
                ],
            })),
        });
        let mut plan = plan();
        plan.redactor = Redactor::new(["s3cr3t-value".to_string()]);
        let c = check(&plan, &spec(1), &s, 2).expect("a row");
        assert_eq!(c.status, CheckStatus::Fail);
        let e = &c.evidence[0];
        assert_eq!(e.status, Some(500));
        assert_eq!(e.response_headers["content-type"], "application/json");
        assert_eq!(e.response_headers["set-cookie"], crate::redact::MASK);
        assert_eq!(e.response_headers["x-echo"], "token [REDACTED]");
        let body = e.response_body.as_deref().unwrap();
        assert!(
            body.starts_with(r#"{"error":"[REDACTED]","n":1}"#) && body.contains("only the first"),
            "{body}"
        );
        assert_eq!(e.misses.len(), 2);
        assert!(e.misses[1].contains("/n"));
        let json = serde_json::to_string(&c).unwrap();
        assert!(
            !json.contains("s3cr3t") && !json.contains("abc123"),
            "{json}"
        );
    }
}
