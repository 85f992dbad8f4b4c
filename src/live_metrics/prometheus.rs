//! The Prometheus text exposition (format 0.0.4) of one [`Scrape`]: a pure function, so the
//! format, the escaping and the buckets are tested without a network.
//!
//! Every series is written even at zero (each error kind, each status class, each bucket), so
//! a `rate()` over the first scrapes starts from 0 rather than from a missing series.

use std::fmt::Write as _;

use super::board::{Phase, Scrape};
use crate::metrics::ErrorKind;

/// The content type of the 0.0.4 text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Upper bounds of the latency buckets, in seconds: 1 ms to 30 s, then `+Inf`.
pub const BUCKETS_S: [f64; 15] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0,
];

const CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/// A label value as the exposition format wants it: `\`, `"` and line feeds escaped. Request
/// names are user text, so anything else passes through as is (the format is UTF-8).
pub fn escape_label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// A float as the format writes it (`+Inf` for infinity; Rust's shortest round-trip otherwise).
fn float(v: f64) -> String {
    if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.to_string()
    } else if v.is_nan() {
        "NaN".to_string()
    } else {
        format!("{v}")
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Render `scrape` in the text format.
pub fn render(scrape: &Scrape) -> String {
    let mut out = String::new();
    let names: Vec<String> = scrape
        .requests
        .iter()
        .map(|(n, _)| escape_label(n))
        .collect();
    let per_request =
        |out: &mut String, name: &str, kind: &str, help: &str, f: &dyn Fn(usize) -> u64| {
            header(out, name, kind, help);
            for (i, n) in names.iter().enumerate() {
                let _ = writeln!(out, "{name}{{request=\"{n}\"}} {}", f(i));
            }
        };
    let req = |i: usize| &scrape.requests[i].1;

    header(
        &mut out,
        "loadproof_info",
        "gauge",
        "The run: its scenario, the loadproof version and the --segment it runs (empty when unsegmented).",
    );
    let _ = writeln!(
        out,
        "loadproof_info{{scenario=\"{}\",version=\"{}\",segment=\"{}\"}} 1",
        escape_label(&scrape.scenario),
        escape_label(&scrape.version),
        escape_label(&scrape.segment)
    );
    header(
        &mut out,
        "loadproof_phase",
        "gauge",
        "1 for the phase the run is in, 0 for the others.",
    );
    for p in Phase::ALL {
        let _ = writeln!(
            out,
            "loadproof_phase{{phase=\"{}\"}} {}",
            p.name(),
            u8::from(p == scrape.phase)
        );
    }
    per_request(
        &mut out,
        "loadproof_requests_total",
        "counter",
        "Requests sent (or attempted) in the load phase; the warm-up is not counted.",
        &|i| req(i).sent,
    );
    header(
        &mut out,
        "loadproof_responses_total",
        "counter",
        "Responses received in the load phase, by status class.",
    );
    for (i, n) in names.iter().enumerate() {
        for (c, class) in CLASSES.iter().enumerate() {
            let _ = writeln!(
                out,
                "loadproof_responses_total{{request=\"{n}\",class=\"{class}\"}} {}",
                req(i).classes[c]
            );
        }
    }
    header(
        &mut out,
        "loadproof_request_errors_total",
        "counter",
        "Requests that got no usable response, by kind (the report's kinds).",
    );
    for (i, n) in names.iter().enumerate() {
        for k in ErrorKind::ALL {
            let _ = writeln!(
                out,
                "loadproof_request_errors_total{{request=\"{n}\",kind=\"{}\"}} {}",
                k.name(),
                req(i).errors[k.index()]
            );
        }
    }
    per_request(
        &mut out,
        "loadproof_expectation_failures_total",
        "counter",
        "Responses that missed the request's expectations.",
        &|i| req(i).expectation_failures,
    );
    header(
        &mut out,
        "loadproof_in_flight",
        "gauge",
        "Requests sent and not yet answered.",
    );
    let in_flight: u64 = scrape.requests.iter().map(|(_, r)| r.in_flight).sum();
    let _ = writeln!(out, "loadproof_in_flight {in_flight}");
    if let Some(o) = &scrape.open_loop {
        header(
            &mut out,
            "loadproof_due_total",
            "counter",
            "Open loop: requests whose due time has come.",
        );
        let _ = writeln!(out, "loadproof_due_total {}", o.due);
        header(
            &mut out,
            "loadproof_sent_late_total",
            "counter",
            "Open loop: requests sent more than 5 ms after their due time.",
        );
        let _ = writeln!(out, "loadproof_sent_late_total {}", o.sent_late);
        header(
            &mut out,
            "loadproof_not_sent",
            "gauge",
            "Open loop: requests due and not sent yet (the backlog).",
        );
        let _ = writeln!(out, "loadproof_not_sent {}", o.not_sent);
    }
    header(
        &mut out,
        "loadproof_latency_seconds",
        "histogram",
        "Latency of the load phase's responses (open loop: from the due time); _sum is the HDR histogram's mean times the count.",
    );
    for (i, n) in names.iter().enumerate() {
        let h = &req(i).latency;
        let recorded = h.buckets_ms();
        let mut values = recorded.iter().peekable();
        let mut cumulative = 0u64;
        for le in BUCKETS_S {
            while let Some((_, count)) = values.next_if(|(ms, _)| ms / 1000.0 <= le) {
                cumulative += count;
            }
            let _ = writeln!(
                out,
                "loadproof_latency_seconds_bucket{{request=\"{n}\",le=\"{}\"}} {cumulative}",
                float(le)
            );
        }
        let count = h.count();
        let _ = writeln!(
            out,
            "loadproof_latency_seconds_bucket{{request=\"{n}\",le=\"+Inf\"}} {count}"
        );
        let sum = h.mean_ms() * count as f64 / 1000.0;
        let _ = writeln!(
            out,
            "loadproof_latency_seconds_sum{{request=\"{n}\"}} {}",
            float(sum)
        );
        let _ = writeln!(
            out,
            "loadproof_latency_seconds_count{{request=\"{n}\"}} {count}"
        );
    }
    out
}

#[cfg(test)]
#[path = "prometheus_tests.rs"]
mod tests;
