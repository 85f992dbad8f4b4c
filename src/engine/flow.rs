//! User flows at run time: what a flow iteration is made of ([`FlowPlan`]), taking captures out
//! of a step's response ([`capture`], a pure function tested without a network), and the
//! per-flow counters (`metrics::flow::FlowStats`).
//!
//! The loop that sends a flow's steps lives with the other worker loops in `worker.rs`.

use serde_json::Value;

use super::expect::SeenBody;
pub use crate::metrics::flow::FlowStats;
use crate::observe::Headers;
use crate::scenario::data::MAX_CAPTURE;
use crate::scenario::{Capture, CaptureFrom, FlowSpec};

/// A flow as the workers run it.
#[derive(Debug, Clone)]
pub struct FlowPlan {
    /// Each step's request index (into the run's requests).
    pub steps: Vec<usize>,
    /// How many variables an iteration holds.
    pub vars: usize,
    /// The feeders any step reads: one row of each is drawn per iteration.
    pub feeders: Vec<usize>,
}

impl FlowPlan {
    pub fn new(spec: &FlowSpec, requests: &[crate::scenario::RequestSpec]) -> FlowPlan {
        let mut feeders = Vec::new();
        for s in &spec.steps {
            super::feed::used_by(&requests[s.request], &mut feeders);
        }
        // `used_by` adds each feeder once, whichever step reads it: one row per iteration.
        FlowPlan {
            steps: spec.steps.iter().map(|s| s.request).collect(),
            vars: spec.vars.len(),
            feeders,
        }
    }
}

/// Take every capture of a step out of its response: the values by slot, or the first capture
/// that failed and why.
pub fn capture_all(
    captures: &[Capture],
    status: u16,
    headers: Headers<'_>,
    body: SeenBody<'_>,
) -> Result<Vec<(usize, Value)>, (String, String)> {
    // The body is parsed once for all the JSON captures.
    let mut doc: Option<Result<Value, String>> = None;
    let mut out = Vec::with_capacity(captures.len());
    for c in captures {
        let value = match &c.from {
            CaptureFrom::Status => Ok(Value::from(status)),
            CaptureFrom::Header(name) => match headers.get(name.as_str()) {
                Some(v) => Ok(Value::String(String::from_utf8_lossy(v).into_owned())),
                None => Err(format!(
                    "no {name} header in the response (status {status})"
                )),
            },
            CaptureFrom::Json(pointer) => {
                let doc = doc.get_or_insert_with(|| parse(body));
                match doc {
                    Err(why) => Err(why.clone()),
                    Ok(d) => match d.pointer(pointer) {
                        None => Err(format!(
                            "nothing at {pointer:?} in the body (status {status})"
                        )),
                        Some(Value::Null) => Err(format!("{pointer:?} is null (status {status})")),
                        Some(v) => Ok(v.clone()),
                    },
                }
            }
        };
        let value = value.and_then(|v| {
            let len = crate::scenario::data::cell_text(&v).len();
            if len > MAX_CAPTURE {
                Err(format!(
                    "the value is {len} bytes, more than the {} KiB a capture holds",
                    MAX_CAPTURE / 1024
                ))
            } else {
                Ok(v)
            }
        });
        match value {
            Ok(v) => out.push((c.slot, v)),
            Err(why) => return Err((c.var.clone(), format!("capture `{}`: {why}", c.var))),
        }
    }
    Ok(out)
}

fn parse(body: SeenBody<'_>) -> Result<Value, String> {
    match body {
        SeenBody::None => Err("the response has no body".into()),
        SeenBody::Cut(_) => Err(
            "the body is longer than the step's max_body, so it was not kept whole (raise max_body)".into(),
        ),
        SeenBody::Whole(b) => serde_json::from_slice(b).map_err(|e| format!("the body is not JSON: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderMap;
    use serde_json::json;

    #[test]
    fn a_feeder_read_by_several_steps_is_drawn_once_per_iteration() {
        use crate::scenario::{Part, RequestSpec, StepSpec, Template};
        let reads = |parts: Vec<Part>| RequestSpec {
            name: "f.s".into(),
            method: "GET".into(),
            path: Template { parts },
            query: vec![],
            headers: vec![],
            body: Default::default(),
            weight: 0,
            timeout: None,
            max_body: None,
            expect: Default::default(),
            remove_headers: vec![],
        };
        let data = |feeder, column| Part::Data { feeder, column };
        let requests = [
            reads(vec![Part::Lit("/".into()), data(1, 0)]),
            reads(vec![Part::Lit("/".into()), data(1, 1), data(0, 0)]),
        ];
        let spec = FlowSpec {
            name: "f".into(),
            weight: 1,
            steps: (0..2)
                .map(|request| StepSpec {
                    name: format!("s{request}"),
                    request,
                    captures: vec![],
                })
                .collect(),
            vars: vec![],
        };
        let plan = FlowPlan::new(&spec, &requests);
        assert_eq!(plan.feeders, [0, 1]);
        assert_eq!(plan.steps, [0, 1]);
    }

    fn cap(var: &str, slot: usize, from: CaptureFrom) -> Capture {
        Capture {
            var: var.into(),
            slot,
            from,
        }
    }

    #[test]
    fn captures_from_json_header_and_status() {
        let mut h = HeaderMap::new();
        h.insert("location", "/orders/7".parse().unwrap());
        let caps = [
            cap("id", 0, CaptureFrom::Json("/id".into())),
            cap("loc", 1, CaptureFrom::Header("Location".into())),
            cap("code", 2, CaptureFrom::Status),
            cap("n", 3, CaptureFrom::Json("/items/1".into())),
        ];
        let body = br#"{"id":"o-1","items":[1,2]}"#;
        let got = capture_all(&caps, 201, Headers::Map(&h), SeenBody::Whole(body)).unwrap();
        assert_eq!(
            got,
            vec![
                (0, json!("o-1")),
                (1, json!("/orders/7")),
                (2, json!(201)),
                (3, json!(2))
            ]
        );
    }

    #[test]
    fn a_failed_capture_names_itself_and_why() {
        let h = HeaderMap::new();
        let id = [cap("order_id", 0, CaptureFrom::Json("/id".into()))];
        let e = capture_all(
            &id,
            500,
            Headers::Map(&h),
            SeenBody::Whole(br#"{"error":"x"}"#),
        )
        .unwrap_err()
        .1;
        assert_eq!(
            e,
            "capture `order_id`: nothing at \"/id\" in the body (status 500)"
        );
        let e = capture_all(
            &id,
            200,
            Headers::Map(&h),
            SeenBody::Whole(br#"{"id":null}"#),
        )
        .unwrap_err()
        .1;
        assert!(e.contains("is null"), "{e}");
        let e = capture_all(&id, 200, Headers::Map(&h), SeenBody::Whole(b"<html>"))
            .unwrap_err()
            .1;
        assert!(e.contains("not JSON"), "{e}");
        let e = capture_all(&id, 200, Headers::Map(&h), SeenBody::Cut(b"{\"id\""))
            .unwrap_err()
            .1;
        assert!(e.contains("max_body"), "{e}");
        let e = capture_all(&id, 204, Headers::Map(&h), SeenBody::None)
            .unwrap_err()
            .1;
        assert!(e.contains("no body"), "{e}");
        let etag = [cap("etag", 0, CaptureFrom::Header("ETag".into()))];
        let e = capture_all(&etag, 200, Headers::Map(&h), SeenBody::None)
            .unwrap_err()
            .1;
        assert_eq!(
            e,
            "capture `etag`: no ETag header in the response (status 200)"
        );
        let big = format!("{{\"id\":\"{}\"}}", "x".repeat(MAX_CAPTURE + 1));
        let e = capture_all(&id, 200, Headers::Map(&h), SeenBody::Whole(big.as_bytes()))
            .unwrap_err()
            .1;
        assert!(e.contains("more than the 8 KiB"), "{e}");
    }
}
