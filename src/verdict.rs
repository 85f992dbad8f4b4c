//! The verdict vocabulary: what a check concludes and the evidence it shows.
//!
//! This module sits below everything that speaks of verdicts: the check families produce these
//! values, the report carries them into every writer, and future readers of reports (merge,
//! compare, an HTML writer) read them without pulling in the engine or the checks. It depends on
//! nothing of loadproof's but [`crate::redact`], for the one `curl` builder every evidence uses.
//!
//! The serialized shape is part of `report.json` (schema in `schema/report.schema.json`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::redact::Redactor;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Pass,
    Warn,
    Fail,
    Skip,
    /// The check could not gather its evidence (the reason is in the message).
    Error,
}

impl CheckStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Pass => "pass",
            CheckStatus::Warn => "warn",
            CheckStatus::Fail => "fail",
            CheckStatus::Skip => "skip",
            CheckStatus::Error => "error",
        }
    }
}

/// One check verdict. Identical findings are grouped: `count` says how many times it was seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    pub id: String,
    pub status: CheckStatus,
    /// One line: what was expected and what was seen.
    pub message: String,
    pub count: u64,
    pub evidence: Vec<Evidence>,
}

/// A request/response pair (bodies truncated, secrets redacted) and how to reproduce it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Evidence {
    pub method: Option<String>,
    pub url: Option<String>,
    pub status: Option<u16>,
    pub request_headers: BTreeMap<String, String>,
    pub request_body: Option<String>,
    pub response_headers: BTreeMap<String, String>,
    pub response_body: Option<String>,
    pub curl: Option<String>,
    pub note: Option<String>,
    /// For concurrent checks: when this request was sent, got its first byte and finished.
    pub timeline: Option<Timeline>,
    /// The scenario request that produced it, for evidence from the load phase (its `curl`
    /// is rebuilt from the scenario). Added in 1.1.0.
    #[serde(default)]
    pub request: Option<String>,
    /// The exchange that decides the verdict, marked by the family when it is not the last of
    /// the chain (see [`CheckResult::decisive`]). Added in 1.2.0.
    #[serde(default, skip_serializing_if = "is_false")]
    pub decisive: bool,
    /// Every expectation this response missed (`EXPECT-*` evidence; capped, with a last
    /// "… and N more"). Added in 1.6.0.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub misses: Vec<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl CheckResult {
    /// The exchange a person acts on: the evidence its family marked decisive, else the last
    /// step of the chain (a chain leads up to its finding: IDEM-03's harmless first 201, then
    /// the reuse of its key that the API failed to reject).
    pub fn decisive(&self) -> Option<&Evidence> {
        self.evidence
            .iter()
            .find(|e| e.decisive)
            .or_else(|| self.evidence.last())
    }

    /// Mark evidence `i` as the decisive exchange (the others stay, as the chain leading to
    /// it or following it). Out of range: nothing is marked, and the last stays decisive.
    pub fn decided_by(mut self, i: usize) -> CheckResult {
        for (k, e) in self.evidence.iter_mut().enumerate() {
            e.decisive = k == i;
        }
        self
    }

    /// Whether its evidence is a race (requests released together on separate connections):
    /// only then is its timeline worth drawing.
    pub fn is_race(&self) -> bool {
        self.evidence
            .iter()
            .filter(|e| e.timeline.as_ref().is_some_and(|t| t.race))
            .count()
            >= 2
    }
}

/// Milliseconds from the check's origin (a race's release, or the check's start).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Timeline {
    pub sent_ms: f64,
    pub first_byte_ms: Option<f64>,
    pub done_ms: f64,
    /// Which connection (client) carried the request.
    pub connection: usize,
    /// Whether the request was one of a race, released with the others by a barrier. Added in
    /// 1.2.0.
    #[serde(default, skip_serializing_if = "is_false")]
    pub race: bool,
}

pub fn verdict(
    id: &str,
    status: CheckStatus,
    message: impl Into<String>,
    evidence: Vec<Evidence>,
) -> CheckResult {
    CheckResult {
        id: id.to_string(),
        status,
        message: message.into(),
        count: 1,
        evidence,
    }
}

pub fn pass(id: &str, message: impl Into<String>) -> CheckResult {
    verdict(id, CheckStatus::Pass, message, vec![])
}

pub fn fail(id: &str, message: impl Into<String>, evidence: Vec<Evidence>) -> CheckResult {
    verdict(id, CheckStatus::Fail, message, evidence)
}

pub fn warn(id: &str, message: impl Into<String>, evidence: Vec<Evidence>) -> CheckResult {
    verdict(id, CheckStatus::Warn, message, evidence)
}

pub fn skip(id: &str, reason: impl Into<String>) -> CheckResult {
    verdict(id, CheckStatus::Skip, reason, vec![])
}

pub fn error(id: &str, reason: impl Into<String>) -> CheckResult {
    verdict(id, CheckStatus::Error, reason, vec![])
}

/// What a pure decision function concludes, citing its evidence by reference (`C`: an index into
/// a drive's exchanges, a page of a walk) rather than by value: the decision stays testable
/// without a network, and the network part, which holds the exchanges, turns it into a
/// [`CheckResult`] with [`Decision::resolve`]. Families that judge whole exchanges they already
/// hold (idempotency) build `CheckResult`s directly.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision<C> {
    pub status: CheckStatus,
    pub message: String,
    /// What to show, with a note each. The last one is the decisive exchange unless the
    /// resolved verdict marks another ([`CheckResult::decided_by`]).
    pub evidence: Vec<(C, String)>,
}

impl<C> Decision<C> {
    pub fn new(status: CheckStatus, message: impl Into<String>) -> Decision<C> {
        Decision {
            status,
            message: message.into(),
            evidence: Vec::new(),
        }
    }

    /// Cite `what` as evidence, with a note.
    pub fn with(mut self, what: C, note: impl Into<String>) -> Decision<C> {
        self.evidence.push((what, note.into()));
        self
    }

    /// The verdict `id`, each citation turned into evidence by `show` (citations it cannot
    /// show are left out).
    pub fn resolve(
        self,
        id: &str,
        mut show: impl FnMut(&C, &str) -> Option<Evidence>,
    ) -> CheckResult {
        let evidence = self
            .evidence
            .iter()
            .filter_map(|(c, note)| show(c, note))
            .collect();
        verdict(id, self.status, self.message, evidence)
    }
}

/// A shell-safe `curl` command that reproduces a request, secrets redacted: the one builder
/// behind every evidence's `curl` line, whether the request was a probe (its exact headers and
/// body) or a load-phase request rebuilt from the scenario (placeholders shown as `<uuid>`).
/// `-i` shows the response head, which is where most findings are.
pub fn curl<'h>(
    method: &str,
    url: &str,
    headers: impl IntoIterator<Item = (&'h str, String)>,
    body: Option<&str>,
    r: &Redactor,
) -> String {
    let q = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let mut cmd = format!("curl -sS -i -X {method} {}", q(&r.text(url)));
    for (name, value) in headers {
        let shown = r.header_value(name, &value);
        cmd.push_str(&format!(" -H {}", q(&format!("{name}: {shown}"))));
    }
    if let Some(b) = body {
        cmd.push_str(&format!(" --data-binary {}", q(&r.text(b))));
    }
    cmd
}

/// How a `curl` line of a run against `target = "reference"` names the reference API: that
/// server ran in-process on a random port and is gone after the run, so its URL would not
/// reproduce anything. The line reads `curl … "$REFERENCE"'/orders'` instead, with
/// [`REFERENCE_NOTE`] saying how to get one.
pub const REFERENCE_VAR: &str = "$REFERENCE";

/// Printed with the `curl` lines that use [`REFERENCE_VAR`].
pub const REFERENCE_NOTE: &str = "$REFERENCE is the built-in reference API, which this run started in-process and stopped: \
     start one with `loadproof serve-reference --port 8080` and `export REFERENCE=http://127.0.0.1:8080` \
     (a fresh one: what the run created is gone)";

/// `curl` with the reference API's base URL (`http://127.0.0.1:PORT`, as [`curl`] quoted it)
/// replaced by `"$REFERENCE"`. A URL that is not under `base` is left as it is.
pub fn curl_for_reference(curl: &str, base: &str) -> String {
    let quoted = format!(" '{}", base.trim_end_matches('/'));
    let Some(at) = curl.find(&quoted) else {
        return curl.to_string();
    };
    let after = &curl[at + quoted.len()..];
    // `…:8080` must not match `…:80801`: the base ends where the path, query or quote starts.
    if !after.starts_with(['/', '?', '\'']) {
        return curl.to_string();
    }
    format!("{} \"{REFERENCE_VAR}\"'{after}", &curl[..at])
}

/// The note a `curl` line needs, if it uses [`REFERENCE_VAR`].
pub fn reproduce_note(curl: &str) -> Option<&'static str> {
    curl.contains(&format!("\"{REFERENCE_VAR}\"'"))
        .then_some(REFERENCE_NOTE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_run_curl_names_reference_not_its_gone_port() {
        let r = Redactor::new(vec![]);
        let base = "http://127.0.0.1:43511";
        let line = curl("GET", "http://127.0.0.1:43511/orders?limit=2", [], None, &r);
        let rewritten = curl_for_reference(&line, base);
        assert_eq!(
            rewritten,
            "curl -sS -i -X GET \"$REFERENCE\"'/orders?limit=2'"
        );
        assert_eq!(reproduce_note(&rewritten), Some(REFERENCE_NOTE));
        assert_eq!(reproduce_note(&line), None);
        // The bare base, and a URL elsewhere (or on a longer port) stay as they are.
        let bare = curl("GET", base, [], None, &r);
        assert_eq!(
            curl_for_reference(&bare, base),
            "curl -sS -i -X GET \"$REFERENCE\"''"
        );
        let other = curl("GET", "http://127.0.0.1:435119/x", [], None, &r);
        assert_eq!(curl_for_reference(&other, base), other);
        // A body or header mentioning the base is not rewritten, only the URL.
        let post = curl(
            "POST",
            "http://127.0.0.1:43511/orders",
            [("x-from", "http://127.0.0.1:43511/a".to_string())],
            Some("{}"),
            &r,
        );
        let rewritten = curl_for_reference(&post, base);
        assert!(
            rewritten.starts_with(
                "curl -sS -i -X POST \"$REFERENCE\"'/orders' -H 'x-from: http://127.0.0.1:43511/a'"
            ),
            "{rewritten}"
        );
    }

    #[test]
    fn curl_quotes_and_redacts_every_part() {
        let r = Redactor::new(vec!["s3cret".into()]);
        let cmd = curl(
            "POST",
            "http://127.0.0.1:1/x?token=s3cret",
            [
                ("authorization", "Bearer abc".to_string()),
                ("x-note", "it's".to_string()),
            ],
            Some(r#"{"k":"s3cret"}"#),
            &r,
        );
        assert!(!cmd.contains("s3cret"), "{cmd}");
        assert!(!cmd.contains("Bearer abc"), "{cmd}");
        assert!(
            cmd.starts_with("curl -sS -i -X POST 'http://127.0.0.1:1/x?token="),
            "{cmd}"
        );
        assert!(cmd.contains(r"-H 'x-note: it'\''s'"), "{cmd}");
        assert!(cmd.contains("--data-binary '{\"k\":"), "{cmd}");
    }

    #[test]
    fn the_decisive_exchange_is_the_marked_one_else_the_last() {
        let step = |n: &str| Evidence {
            note: Some(n.into()),
            ..Evidence::default()
        };
        let r = fail(
            "IDEM-03",
            "x",
            vec![step("201"), step("rejection"), step("state")],
        );
        assert_eq!(r.decisive().unwrap().note.as_deref(), Some("state"));
        let r = r.decided_by(1);
        assert_eq!(r.decisive().unwrap().note.as_deref(), Some("rejection"));
        assert_eq!(r.evidence.iter().filter(|e| e.decisive).count(), 1);
        assert!(fail("X-1", "x", vec![]).decisive().is_none());
        // Only a marked exchange carries the member: older reports read the same.
        let json = serde_json::to_string(&r.evidence[0]).unwrap();
        assert!(!json.contains("decisive"), "{json}");
        let json = serde_json::to_string(&r.evidence[1]).unwrap();
        assert!(json.contains(r#""decisive":true"#), "{json}");
    }

    #[test]
    fn only_race_timelines_make_a_race() {
        let timed = |race: bool| Evidence {
            timeline: Some(Timeline {
                race,
                ..Timeline::default()
            }),
            ..Evidence::default()
        };
        assert!(fail("IDEM-05", "x", vec![timed(true), timed(true)]).is_race());
        assert!(!fail("IDEM-01", "x", vec![timed(false), timed(false)]).is_race());
        assert!(!fail("IDEM-05", "x", vec![timed(true)]).is_race());
    }
}
