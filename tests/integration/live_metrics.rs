//! `run --metrics-listen`: a real run against the in-process reference API, scraped over HTTP
//! while it goes; the last scrape agrees with report.json. And the flag's usage errors.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::{bin, code, report, run, scratch, text, wait_with_limit, write};

const SCENARIO: &str = r#"
name = "live \"metrics\""
target = "reference"

[load]
rate = 150
duration = "3s"
warmup = "1s"
connections = 10

[[requests]]
name = "list.orders-v2"
path = "/orders"
weight = 3
  [requests.expect]
  status = [200]

[[requests]]
name = "slow"
path = "/delay"
query = { ms = "5" }
weight = 1
"#;

/// One GET /metrics; `None` once nothing listens there any more.
fn scrape(addr: &str) -> Option<String> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let req = format!("GET /metrics HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    let (head, body) = out.split_once("\r\n\r\n")?;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: text/plain; version=0.0.4"),
        "{head}"
    );
    Some(body.to_string())
}

/// The samples of one scrape, by `name{labels}` as written.
fn samples(body: &str) -> BTreeMap<String, f64> {
    body.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (k, v) = l.rsplit_once(' ').expect("name value");
            (k.to_string(), v.parse().expect("a number"))
        })
        .collect()
}

fn sum(s: &BTreeMap<String, f64>, prefix: &str) -> f64 {
    s.iter()
        .filter(|(k, _)| k.starts_with(prefix))
        .map(|(_, v)| v)
        .sum()
}

fn phase(s: &BTreeMap<String, f64>) -> String {
    let on: Vec<&String> = s
        .iter()
        .filter(|(k, v)| k.starts_with("loadproof_phase{") && **v == 1.0)
        .map(|(k, _)| k)
        .collect();
    assert_eq!(on.len(), 1, "{on:?}");
    on[0]
        .trim_start_matches("loadproof_phase{phase=\"")
        .trim_end_matches("\"}")
        .to_string()
}

#[test]
fn scrapes_grow_during_the_run_and_end_at_the_reports_totals() {
    let dir = scratch("live-metrics");
    let scenario = write(&dir, "live.toml", SCENARIO);
    let out = dir.join("out");
    let mut child = bin()
        .args(["run", scenario.to_str().unwrap(), "--progress", "none"])
        .args(["--metrics-listen", "127.0.0.1:0", "--metrics-hold", "2s"])
        .arg("--out")
        .arg(&out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn loadproof");
    // The bound address is the first thing on stderr; the rest is drained so the child never
    // blocks on a full pipe.
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let addr = line
        .trim()
        .strip_prefix("metrics: listening on http://")
        .and_then(|a| a.strip_suffix("/metrics"))
        .unwrap_or_else(|| panic!("no address on stderr: {line:?}"))
        .to_string();
    let rest = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });

    let deadline = Instant::now() + Duration::from_secs(60);
    let mut scrapes = Vec::new();
    while let Some(body) = scrape(&addr) {
        assert!(Instant::now() < deadline, "still serving after 60 s");
        scrapes.push(samples(&body));
        std::thread::sleep(Duration::from_millis(100));
    }
    let output = wait_with_limit(child, Duration::from_secs(30));
    let stderr = rest.join().unwrap();
    assert_eq!(code(&output), 0, "{}\n{stderr}", text(&output).0);

    let phases: Vec<String> = scrapes.iter().map(phase).collect();
    assert!(phases.iter().any(|p| p == "warmup"), "{phases:?}");
    assert_eq!(
        phases.last().map(String::as_str),
        Some("done"),
        "{phases:?}"
    );
    let totals: Vec<f64> = scrapes
        .iter()
        .map(|s| sum(s, "loadproof_requests_total{"))
        .collect();
    // Counters only grow, and they grow during the load phase.
    assert!(totals.windows(2).all(|w| w[0] <= w[1]), "{totals:?}");
    let during_load: Vec<f64> = phases
        .iter()
        .zip(&totals)
        .filter(|(p, _)| *p == "load")
        .map(|(_, t)| *t)
        .collect();
    assert!(during_load.len() >= 5, "{phases:?}");
    assert!(during_load.first() < during_load.last(), "{during_load:?}");
    // The warm-up is not counted: nothing before the load phase.
    for (p, t) in phases.iter().zip(&totals) {
        if p == "warmup" {
            assert_eq!(*t, 0.0, "{phases:?} {totals:?}");
        }
    }

    let last = scrapes.last().unwrap();
    let r = report(&out);
    let requests = r["totals"]["requests"].as_f64().unwrap();
    assert!(requests > 300.0, "{requests}");
    assert_eq!(totals.last().copied(), Some(requests));
    assert_eq!(
        sum(last, "loadproof_responses_total{"),
        r["totals"]["responses"].as_f64().unwrap()
    );
    assert_eq!(
        sum(last, "loadproof_request_errors_total{"),
        r["totals"]["request_errors"].as_f64().unwrap()
    );
    assert_eq!(last["loadproof_in_flight"], 0.0);
    let open = &r["open_loop"];
    assert_eq!(last["loadproof_due_total"], open["due"].as_f64().unwrap());
    assert_eq!(
        last["loadproof_not_sent"],
        open["not_sent"].as_f64().unwrap()
    );
    assert_eq!(
        last["loadproof_sent_late_total"],
        open["sent_late"].as_f64().unwrap()
    );
    // Each request's histogram ends at its count.
    let name = "request=\"list.orders-v2\"";
    let count = last[&format!("loadproof_latency_seconds_count{{{name}}}")];
    assert!(count > 0.0);
    assert_eq!(
        last[&format!("loadproof_latency_seconds_bucket{{{name},le=\"+Inf\"}}")],
        count
    );
    // The scenario's name is user text with quotes: it comes back escaped.
    assert_eq!(
        last["loadproof_info{scenario=\"live \\\"metrics\\\"\",version=\"0.1.0\",segment=\"\"}"],
        1.0
    );
}

#[test]
fn an_address_in_use_is_a_usage_error_before_any_load() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = scratch("live-metrics-taken");
    let scenario = write(&dir, "live.toml", SCENARIO);
    let out = dir.join("out");
    let o = run(
        bin()
            .args(["run", scenario.to_str().unwrap(), "--metrics-listen", &addr])
            .arg("--out")
            .arg(&out),
        Duration::from_secs(30),
    );
    let (_, stderr) = text(&o);
    assert_eq!(code(&o), 1, "{stderr}");
    assert!(
        stderr.contains(&format!("--metrics-listen {addr}: cannot listen")),
        "{stderr}"
    );
    assert!(stderr.contains("hint: "), "{stderr}");
    assert!(!out.join("report.json").exists());
}

#[test]
fn a_host_name_or_a_hold_without_listen_is_refused() {
    let o = run(
        bin().args([
            "run",
            "--url",
            "http://127.0.0.1:9/",
            "--metrics-listen",
            "localhost:9464",
        ]),
        Duration::from_secs(30),
    );
    let (_, stderr) = text(&o);
    assert_eq!(code(&o), 1, "{stderr}");
    assert!(stderr.contains("expected IP:PORT"), "{stderr}");
    let o = run(
        bin().args([
            "run",
            "--url",
            "http://127.0.0.1:9/",
            "--metrics-hold",
            "5s",
        ]),
        Duration::from_secs(30),
    );
    let (_, stderr) = text(&o);
    assert_eq!(code(&o), 1, "{stderr}");
    assert!(stderr.contains("--metrics-listen"), "{stderr}");
}
