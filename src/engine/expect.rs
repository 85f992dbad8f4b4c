//! Per-request expectations (`[requests.expect]`), compiled once and evaluated per response.
//!
//! `evaluate` is a pure function of the response parts, so it is unit-tested without a network.
//! A response that misses an expectation is a finding (check `EXPECT-<request>`), never an abort.
//! A body cut at the keep limit (`max_body`) is never judged as if it were whole: the JSON rules
//! of that response are not judged ([`Judgement::Unjudged`]), rather than blaming the server for
//! "invalid JSON" that is only the cut.

use reqwest::header::HeaderMap;

use crate::scenario::{Expectations, HeaderRule, JsonRule};

#[derive(Debug, Clone)]
pub struct CompiledExpectations {
    status: Vec<u16>,
    headers: Vec<(String, CompiledRule)>,
    json: Vec<(String, JsonRule)>,
    /// How much of a body is kept for the JSON rules.
    max_body: usize,
}

/// The body as the expectations see it.
#[derive(Debug, Clone, Copy)]
pub enum SeenBody<'a> {
    /// Not kept (nothing asked for it) or no body at all.
    None,
    /// The whole body.
    Whole(&'a [u8]),
    /// Only a prefix: the body was longer than what was kept.
    Cut(&'a [u8]),
}

impl<'a> SeenBody<'a> {
    /// What a body read kept: `kept` and whether it is shorter than the body.
    pub fn of(kept: Option<&'a [u8]>, cut: bool) -> SeenBody<'a> {
        match kept {
            None => SeenBody::None,
            Some(b) if cut => SeenBody::Cut(b),
            Some(b) => SeenBody::Whole(b),
        }
    }
}

/// What the expectations concluded about one response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Judgement {
    Met,
    /// A one-line "expected …, got …".
    Missed(String),
    /// Neither met nor missed: what would decide it could not be seen.
    Unjudged(Unjudged),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unjudged {
    /// The body the JSON rules read was longer than `max_body` (this many bytes).
    BodyTooLarge { max_body: usize },
}

#[derive(Debug, Clone)]
enum CompiledRule {
    Present,
    Absent,
    Equals(String),
    Matches(regex::Regex),
}

impl CompiledExpectations {
    /// `max_body`: how much of a body to keep for the JSON rules.
    pub fn compile(e: &Expectations, max_body: usize) -> Result<Self, String> {
        let headers = e
            .headers
            .iter()
            .map(|h| {
                let rule = match &h.rule {
                    HeaderRule::Present => CompiledRule::Present,
                    HeaderRule::Absent => CompiledRule::Absent,
                    HeaderRule::Equals(v) => CompiledRule::Equals(v.clone()),
                    HeaderRule::Matches(re) => CompiledRule::Matches(
                        regex::Regex::new(re).map_err(|err| format!("header {}: {err}", h.name))?,
                    ),
                };
                Ok((h.name.clone(), rule))
            })
            .collect::<Result<_, String>>()?;
        Ok(CompiledExpectations {
            status: e.status.clone(),
            headers,
            json: e
                .json
                .iter()
                .map(|j| (j.pointer.clone(), j.rule.clone()))
                .collect(),
            max_body,
        })
    }

    /// How much of the body to keep for evaluation, if any (only JSON expectations read it).
    pub fn body_keep(&self) -> Option<usize> {
        (!self.json.is_empty()).then_some(self.max_body)
    }

    /// `Met` when the response meets every expectation. Status and headers are judged first (a
    /// cut body does not hide a wrong status); the JSON rules only on a whole body.
    pub fn evaluate(&self, status: u16, headers: &HeaderMap, body: SeenBody<'_>) -> Judgement {
        match self.check(status, headers, body) {
            Ok(()) => Judgement::Met,
            Err(Verdict::Missed(m)) => Judgement::Missed(m),
            Err(Verdict::Unjudged(u)) => Judgement::Unjudged(u),
        }
    }

    fn check(&self, status: u16, headers: &HeaderMap, body: SeenBody<'_>) -> Result<(), Verdict> {
        let status_ok = if self.status.is_empty() {
            (200..400).contains(&status)
        } else {
            self.status.contains(&status)
        };
        if !status_ok {
            let wanted = if self.status.is_empty() {
                "a 2xx or 3xx status".to_string()
            } else {
                format!("status in {:?}", self.status)
            };
            return Err(format!("expected {wanted}, got {status}").into());
        }
        for (name, rule) in &self.headers {
            let value = headers
                .get(name.as_str())
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
            match (rule, value) {
                (CompiledRule::Present, None) => {
                    return Err(format!("expected header {name}, it is absent").into());
                }
                (CompiledRule::Absent, Some(v)) => {
                    return Err(format!("expected no header {name}, got {name}: {v}").into());
                }
                (CompiledRule::Equals(want), got) if got.as_deref() != Some(want.as_str()) => {
                    return Err(format!("expected {name}: {want}, got {}", show(got)).into());
                }
                (CompiledRule::Matches(re), got)
                    if !got.as_deref().is_some_and(|g| re.is_match(g)) =>
                {
                    return Err(
                        format!("expected {name} matching /{re}/, got {}", show(got)).into(),
                    );
                }
                _ => {}
            }
        }
        if self.json.is_empty() {
            return Ok(());
        }
        let body = match body {
            SeenBody::Whole(b) => b,
            SeenBody::Cut(_) => {
                return Err(Verdict::Unjudged(Unjudged::BodyTooLarge {
                    max_body: self.max_body,
                }));
            }
            SeenBody::None => return Err("expected a JSON body, got none".to_string().into()),
        };
        let doc: serde_json::Value = match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => {
                return Err(format!("expected a JSON body, it does not parse: {e}").into());
            }
        };
        for (pointer, rule) in &self.json {
            let found = doc.pointer(pointer);
            match (rule, found) {
                (JsonRule::Exists, None) => {
                    return Err(format!("expected JSON at {pointer:?}, nothing there").into());
                }
                (JsonRule::Equals(want), got) if got != Some(want) => {
                    let got = got.map_or("nothing".to_string(), |g| truncate(&g.to_string(), 80));
                    return Err(format!("expected {pointer:?} = {want}, got {got}").into());
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// Why `check` did not find the response conforming.
enum Verdict {
    Missed(String),
    Unjudged(Unjudged),
}

impl From<String> for Verdict {
    fn from(m: String) -> Verdict {
        Verdict::Missed(m)
    }
}

fn show(v: Option<String>) -> String {
    v.map_or_else(|| "no such header".to_string(), |v| format!("{v:?}"))
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{HeaderExpectation, JsonExpectation};

    fn expect(
        status: &[u16],
        headers: Vec<HeaderExpectation>,
        json: Vec<JsonExpectation>,
    ) -> CompiledExpectations {
        CompiledExpectations::compile(
            &Expectations {
                status: status.to_vec(),
                headers,
                json,
            },
            16,
        )
        .unwrap()
    }

    /// `evaluate` on a whole body (or none), as a `Result` of the one-line finding.
    fn ev(
        e: &CompiledExpectations,
        status: u16,
        h: &HeaderMap,
        body: Option<&[u8]>,
    ) -> Result<(), String> {
        match e.evaluate(status, h, SeenBody::of(body, false)) {
            Judgement::Met => Ok(()),
            Judgement::Missed(m) => Err(m),
            Judgement::Unjudged(u) => panic!("a whole body was not judged: {u:?}"),
        }
    }

    fn json_exists(pointer: &str) -> Vec<JsonExpectation> {
        vec![JsonExpectation {
            pointer: pointer.into(),
            rule: JsonRule::Exists,
        }]
    }

    fn hm(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn default_status_is_2xx_or_3xx() {
        let e = expect(&[], vec![], vec![]);
        assert!(ev(&e, 204, &HeaderMap::new(), None).is_ok());
        assert!(ev(&e, 302, &HeaderMap::new(), None).is_ok());
        assert_eq!(
            ev(&e, 500, &HeaderMap::new(), None).unwrap_err(),
            "expected a 2xx or 3xx status, got 500"
        );
    }

    #[test]
    fn header_rules() {
        let e = expect(
            &[201],
            vec![
                HeaderExpectation {
                    name: "Location".into(),
                    rule: HeaderRule::Present,
                },
                HeaderExpectation {
                    name: "Content-Type".into(),
                    rule: HeaderRule::Matches("^application/json".into()),
                },
                HeaderExpectation {
                    name: "X-Debug".into(),
                    rule: HeaderRule::Absent,
                },
            ],
            vec![],
        );
        let ok = hm(&[
            ("location", "/orders/1"),
            ("content-type", "application/json"),
        ]);
        assert!(ev(&e, 201, &ok, None).is_ok());
        let missing = hm(&[("content-type", "application/json")]);
        assert_eq!(
            ev(&e, 201, &missing, None).unwrap_err(),
            "expected header Location, it is absent"
        );
        let wrong = hm(&[("location", "/x"), ("content-type", "text/html")]);
        assert!(ev(&e, 201, &wrong, None).unwrap_err().contains("matching"));
        let extra = hm(&[
            ("location", "/x"),
            ("content-type", "application/json"),
            ("x-debug", "1"),
        ]);
        assert!(
            ev(&e, 201, &extra, None)
                .unwrap_err()
                .contains("no header X-Debug")
        );
    }

    #[test]
    fn json_rules() {
        let e = expect(
            &[200],
            vec![],
            vec![
                JsonExpectation {
                    pointer: "/id".into(),
                    rule: JsonRule::Exists,
                },
                JsonExpectation {
                    pointer: "/status".into(),
                    rule: JsonRule::Equals(serde_json::json!("pending")),
                },
            ],
        );
        assert_eq!(e.body_keep(), Some(16));
        let h = HeaderMap::new();
        assert!(ev(&e, 200, &h, Some(br#"{"id":"o1","status":"pending"}"#)).is_ok());
        assert!(
            ev(&e, 200, &h, Some(br#"{"status":"pending"}"#))
                .unwrap_err()
                .contains("\"/id\"")
        );
        assert!(
            ev(&e, 200, &h, Some(br#"{"id":1,"status":"paid"}"#))
                .unwrap_err()
                .contains("got \"paid\"")
        );
        assert!(
            ev(&e, 200, &h, Some(b"<html>"))
                .unwrap_err()
                .contains("does not parse")
        );
    }

    #[test]
    fn a_cut_body_is_not_judged_by_the_json_rules() {
        // Valid JSON, cut at the keep limit: the cut is not the server's fault (issue 12).
        let e = expect(&[200], vec![], json_exists("/id"));
        let h = HeaderMap::new();
        let whole = br#"{"id":"o1","pad":"xxxxxxxxxxxxxxxxxxxxxxxx"}"#;
        assert_eq!(
            e.evaluate(200, &h, SeenBody::Cut(&whole[..16])),
            Judgement::Unjudged(Unjudged::BodyTooLarge { max_body: 16 })
        );
        assert_eq!(e.evaluate(200, &h, SeenBody::Whole(whole)), Judgement::Met);
        // What the cut body cannot hide is still judged: a wrong status is a miss.
        assert_eq!(
            e.evaluate(500, &h, SeenBody::Cut(&whole[..16])),
            Judgement::Missed("expected status in [200], got 500".into())
        );
    }

    #[test]
    fn without_json_rules_nothing_is_kept_and_a_cut_body_does_not_matter() {
        let e = expect(&[200], vec![], vec![]);
        assert_eq!(e.body_keep(), None);
        assert_eq!(
            e.evaluate(200, &HeaderMap::new(), SeenBody::Cut(b"{")),
            Judgement::Met
        );
    }
}
