use std::collections::BTreeMap;
use std::time::Duration;

use super::*;
use crate::live_metrics::board::{OpenLoopScrape, RequestSnapshot};

fn request(sent: u64, latencies_ms: &[f64]) -> RequestSnapshot {
    let mut r = RequestSnapshot {
        sent,
        responses: latencies_ms.len() as u64,
        ..RequestSnapshot::default()
    };
    r.classes[1] = r.responses;
    for ms in latencies_ms {
        r.latency.record(Duration::from_secs_f64(ms / 1000.0));
    }
    r
}

fn scrape(requests: Vec<(&str, RequestSnapshot)>, open_loop: Option<OpenLoopScrape>) -> Scrape {
    Scrape {
        requests: requests
            .into_iter()
            .map(|(n, r)| (n.to_string(), r))
            .collect(),
        scenario: "orders \"smoke\"".into(),
        version: "0.1.0".into(),
        segment: String::new(),
        phase: Phase::Load,
        open_loop,
    }
}

/// One sample line parsed by the format's grammar: name, labels (unescaped), value.
fn parse_sample(line: &str) -> (String, BTreeMap<String, String>, f64) {
    let name_end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(line.len());
    let name = line[..name_end].to_string();
    assert!(!name.is_empty(), "no metric name in {line:?}");
    let mut rest = &line[name_end..];
    let mut labels = BTreeMap::new();
    if let Some(r) = rest.strip_prefix('{') {
        rest = r;
        loop {
            if let Some(r) = rest.strip_prefix('}') {
                rest = r;
                break;
            }
            let eq = rest.find('=').expect("label =");
            let key = rest[..eq].to_string();
            assert!(
                key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                "{line:?}"
            );
            let mut chars = rest[eq + 1..].char_indices();
            assert_eq!(chars.next().map(|(_, c)| c), Some('"'), "{line:?}");
            let mut value = String::new();
            let end = loop {
                let (i, c) = chars.next().expect("unterminated label value");
                match c {
                    '"' => break i,
                    '\\' => match chars.next().expect("escape").1 {
                        '\\' => value.push('\\'),
                        '"' => value.push('"'),
                        'n' => value.push('\n'),
                        other => panic!("bad escape \\{other} in {line:?}"),
                    },
                    '\n' => panic!("raw line feed in {line:?}"),
                    c => value.push(c),
                }
            };
            rest = &rest[eq + 1 + end + 1..];
            labels.insert(key, value);
            rest = rest.strip_prefix(',').unwrap_or(rest);
        }
    }
    let value = rest.strip_prefix(' ').expect("space before the value");
    let value = match value {
        "+Inf" => f64::INFINITY,
        v => v
            .parse()
            .unwrap_or_else(|_| panic!("bad value in {line:?}")),
    };
    (name, labels, value)
}

fn samples(text: &str) -> Vec<(String, BTreeMap<String, String>, f64)> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(parse_sample)
        .collect()
}

fn value(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    let want: BTreeMap<String, String> = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let found: Vec<f64> = samples(text)
        .into_iter()
        .filter(|(n, l, _)| n == name && *l == want)
        .map(|(_, _, v)| v)
        .collect();
    assert_eq!(found.len(), 1, "{name} {labels:?} in\n{text}");
    found[0]
}

#[test]
fn label_values_are_escaped() {
    assert_eq!(escape_label("plain"), "plain");
    assert_eq!(escape_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    assert_eq!(escape_label("commandes — été"), "commandes — été");
}

#[test]
fn hostile_request_names_round_trip_through_the_format() {
    let name = "get \"x\"\\n\nline, {le=\"1\"}";
    let text = render(&scrape(vec![(name, request(3, &[2.0]))], None));
    assert_eq!(
        value(&text, "loadproof_requests_total", &[("request", name)]),
        3.0
    );
    assert_eq!(
        value(
            &text,
            "loadproof_info",
            &[
                ("scenario", "orders \"smoke\""),
                ("version", "0.1.0"),
                ("segment", "")
            ]
        ),
        1.0
    );
    // Every line parses and none is cut by a raw line feed.
    assert!(text.ends_with('\n'));
    for line in text.lines() {
        if !line.starts_with('#') {
            parse_sample(line);
        }
    }
}

#[test]
fn each_family_is_declared_once_before_its_samples() {
    let text = render(&scrape(
        vec![("a", request(1, &[1.0])), ("b", request(2, &[]))],
        Some(OpenLoopScrape {
            due: 5,
            sent_late: 1,
            not_sent: 2,
        }),
    ));
    let mut declared = BTreeMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut parts = rest.split(' ');
            let (name, kind) = (parts.next().unwrap(), parts.next().unwrap());
            assert!(["counter", "gauge", "histogram"].contains(&kind), "{line}");
            assert!(
                declared
                    .insert(name.to_string(), kind.to_string())
                    .is_none(),
                "{name} twice"
            );
        } else if !line.starts_with('#') {
            let (name, _, _) = parse_sample(line);
            let family = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| {
                    name.strip_suffix(s)
                        .filter(|f| declared.get(*f).is_some_and(|k| k == "histogram"))
                })
                .unwrap_or(&name);
            assert!(declared.contains_key(family), "{name} before its TYPE");
        }
    }
    for family in [
        "loadproof_info",
        "loadproof_phase",
        "loadproof_requests_total",
        "loadproof_responses_total",
        "loadproof_request_errors_total",
        "loadproof_expectation_failures_total",
        "loadproof_in_flight",
        "loadproof_due_total",
        "loadproof_sent_late_total",
        "loadproof_not_sent",
        "loadproof_latency_seconds",
    ] {
        assert!(declared.contains_key(family), "{family} missing");
    }
    assert_eq!(value(&text, "loadproof_due_total", &[]), 5.0);
    assert_eq!(value(&text, "loadproof_not_sent", &[]), 2.0);
    assert_eq!(
        value(
            &text,
            "loadproof_request_errors_total",
            &[("request", "b"), ("kind", "timeout")]
        ),
        0.0
    );
    assert_eq!(
        value(
            &text,
            "loadproof_responses_total",
            &[("request", "a"), ("class", "2xx")]
        ),
        1.0
    );
}

#[test]
fn the_phase_is_one_hot_and_closed_loop_has_no_schedule_series() {
    let text = render(&scrape(vec![], None));
    let phases: Vec<(String, f64)> = samples(&text)
        .into_iter()
        .filter(|(n, _, _)| n == "loadproof_phase")
        .map(|(_, l, v)| (l["phase"].clone(), v))
        .collect();
    assert_eq!(phases.len(), Phase::ALL.len());
    assert_eq!(phases.iter().filter(|(_, v)| *v == 1.0).count(), 1);
    assert!(phases.contains(&("load".to_string(), 1.0)));
    assert!(!text.contains("loadproof_due_total"));
    assert!(!text.contains("loadproof_not_sent"));
}

#[test]
fn buckets_are_cumulative_and_end_at_the_count() {
    let text = render(&scrape(
        vec![("a", request(5, &[0.5, 3.0, 40.0, 2000.0, 45_000.0]))],
        None,
    ));
    let bucket = |le: &str| {
        value(
            &text,
            "loadproof_latency_seconds_bucket",
            &[("request", "a"), ("le", le)],
        )
    };
    assert_eq!(bucket("0.001"), 1.0);
    assert_eq!(bucket("0.0025"), 1.0);
    assert_eq!(bucket("0.005"), 2.0);
    assert_eq!(bucket("0.025"), 2.0);
    assert_eq!(bucket("0.05"), 3.0);
    assert_eq!(bucket("2.5"), 4.0);
    assert_eq!(bucket("30"), 4.0);
    assert_eq!(bucket("+Inf"), 5.0);
    let les: Vec<f64> = samples(&text)
        .into_iter()
        .filter(|(n, _, _)| n == "loadproof_latency_seconds_bucket")
        .map(|(_, l, v)| {
            let le = if l["le"] == "+Inf" {
                f64::INFINITY
            } else {
                l["le"].parse().unwrap()
            };
            (le, v)
        })
        .map(|(_, v)| v)
        .collect();
    assert_eq!(les.len(), BUCKETS_S.len() + 1);
    assert!(les.windows(2).all(|w| w[0] <= w[1]), "{les:?}");
    assert_eq!(
        value(
            &text,
            "loadproof_latency_seconds_count",
            &[("request", "a")]
        ),
        5.0
    );
    let sum = value(&text, "loadproof_latency_seconds_sum", &[("request", "a")]);
    let exact = (0.5 + 3.0 + 40.0 + 2000.0 + 45_000.0) / 1000.0;
    // The HDR histogram keeps 3 significant figures.
    assert!((sum - exact).abs() / exact < 0.001, "{sum} vs {exact}");
}

#[test]
fn an_empty_histogram_has_zero_buckets() {
    let text = render(&scrape(vec![("a", request(0, &[]))], None));
    assert_eq!(
        value(
            &text,
            "loadproof_latency_seconds_bucket",
            &[("request", "a"), ("le", "+Inf")]
        ),
        0.0
    );
    assert_eq!(
        value(&text, "loadproof_latency_seconds_sum", &[("request", "a")]),
        0.0
    );
}
