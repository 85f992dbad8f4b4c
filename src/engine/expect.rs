//! Per-request expectations (`[requests.expect]`), compiled once and evaluated per response.
//!
//! `evaluate` is a pure function of the response parts, so it is unit-tested without a network.
//! A response that misses an expectation is a finding (check `EXPECT-<request>`), never an abort.

use reqwest::header::HeaderMap;

use crate::scenario::{Expectations, HeaderRule, JsonRule};

#[derive(Debug, Clone)]
pub struct CompiledExpectations {
    status: Vec<u16>,
    headers: Vec<(String, CompiledRule)>,
    json: Vec<(String, JsonRule)>,
}

#[derive(Debug, Clone)]
enum CompiledRule {
    Present,
    Absent,
    Equals(String),
    Matches(regex::Regex),
}

impl CompiledExpectations {
    pub fn compile(e: &Expectations) -> Result<Self, String> {
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
        })
    }

    /// Whether the body must be kept for evaluation (only JSON expectations need it).
    pub fn needs_body(&self) -> bool {
        !self.json.is_empty()
    }

    /// `Ok` when the response meets every expectation, else a one-line "expected …, got …".
    pub fn evaluate(
        &self,
        status: u16,
        headers: &HeaderMap,
        body: Option<&[u8]>,
    ) -> Result<(), String> {
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
            return Err(format!("expected {wanted}, got {status}"));
        }
        for (name, rule) in &self.headers {
            let value = headers
                .get(name.as_str())
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
            match (rule, value) {
                (CompiledRule::Present, None) => {
                    return Err(format!("expected header {name}, it is absent"));
                }
                (CompiledRule::Absent, Some(v)) => {
                    return Err(format!("expected no header {name}, got {name}: {v}"));
                }
                (CompiledRule::Equals(want), got) if got.as_deref() != Some(want.as_str()) => {
                    return Err(format!("expected {name}: {want}, got {}", show(got)));
                }
                (CompiledRule::Matches(re), got)
                    if !got.as_deref().is_some_and(|g| re.is_match(g)) =>
                {
                    return Err(format!(
                        "expected {name} matching /{re}/, got {}",
                        show(got)
                    ));
                }
                _ => {}
            }
        }
        if self.json.is_empty() {
            return Ok(());
        }
        let doc: serde_json::Value = match body.map(serde_json::from_slice) {
            Some(Ok(v)) => v,
            Some(Err(e)) => return Err(format!("expected a JSON body, it does not parse: {e}")),
            None => return Err("expected a JSON body, got none".into()),
        };
        for (pointer, rule) in &self.json {
            let found = doc.pointer(pointer);
            match (rule, found) {
                (JsonRule::Exists, None) => {
                    return Err(format!("expected JSON at {pointer:?}, nothing there"));
                }
                (JsonRule::Equals(want), got) if got != Some(want) => {
                    let got = got.map_or("nothing".to_string(), |g| truncate(&g.to_string(), 80));
                    return Err(format!("expected {pointer:?} = {want}, got {got}"));
                }
                _ => {}
            }
        }
        Ok(())
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
        CompiledExpectations::compile(&Expectations {
            status: status.to_vec(),
            headers,
            json,
        })
        .unwrap()
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
        assert!(e.evaluate(204, &HeaderMap::new(), None).is_ok());
        assert!(e.evaluate(302, &HeaderMap::new(), None).is_ok());
        assert_eq!(
            e.evaluate(500, &HeaderMap::new(), None).unwrap_err(),
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
        assert!(e.evaluate(201, &ok, None).is_ok());
        let missing = hm(&[("content-type", "application/json")]);
        assert_eq!(
            e.evaluate(201, &missing, None).unwrap_err(),
            "expected header Location, it is absent"
        );
        let wrong = hm(&[("location", "/x"), ("content-type", "text/html")]);
        assert!(
            e.evaluate(201, &wrong, None)
                .unwrap_err()
                .contains("matching")
        );
        let extra = hm(&[
            ("location", "/x"),
            ("content-type", "application/json"),
            ("x-debug", "1"),
        ]);
        assert!(
            e.evaluate(201, &extra, None)
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
        assert!(e.needs_body());
        let h = HeaderMap::new();
        assert!(
            e.evaluate(200, &h, Some(br#"{"id":"o1","status":"pending"}"#))
                .is_ok()
        );
        assert!(
            e.evaluate(200, &h, Some(br#"{"status":"pending"}"#))
                .unwrap_err()
                .contains("\"/id\"")
        );
        assert!(
            e.evaluate(200, &h, Some(br#"{"id":1,"status":"paid"}"#))
                .unwrap_err()
                .contains("got \"paid\"")
        );
        assert!(
            e.evaluate(200, &h, Some(b"<html>"))
                .unwrap_err()
                .contains("does not parse")
        );
    }
}
