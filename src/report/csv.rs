//! `summary.csv`: one row for the whole run (`all`, first, as in the text table) and one per
//! request name, for spreadsheets and plotting. A row with no response leaves its latency cells
//! empty: `0.000` would read as a measured latency of zero.

use super::model::Report;
use crate::metrics::LatencySummary;

pub const HEADER: [&str; 11] = [
    "name",
    "count",
    "responses",
    "errors",
    "rps",
    "p50_ms",
    "p90_ms",
    "p99_ms",
    "p99_9_ms",
    "max_ms",
    "mean_ms",
];

pub fn render(report: &Report) -> Vec<u8> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    // Writing to a Vec cannot fail; a failure would only drop rows, never panic.
    let _ = w.write_record(HEADER);
    let t = &report.totals;
    let _ = w.write_record(row(
        "all",
        (t.requests, t.responses, t.errors, t.rps),
        &report.latency_ms,
    ));
    for r in &report.requests {
        let _ = w.write_record(row(
            &r.name,
            (r.requests, r.responses, r.errors, r.rps),
            &r.latency_ms,
        ));
    }
    w.into_inner().unwrap_or_default()
}

fn row(
    name: &str,
    (count, responses, errors, rps): (u64, u64, u64, f64),
    l: &LatencySummary,
) -> [String; 11] {
    let ms = |v: f64| {
        if responses == 0 {
            String::new()
        } else {
            format!("{v:.3}")
        }
    };
    [
        name.to_string(),
        count.to_string(),
        responses.to_string(),
        errors.to_string(),
        format!("{rps:.3}"),
        ms(l.p50),
        ms(l.p90),
        ms(l.p99),
        ms(l.p99_9),
        ms(l.max),
        ms(l.mean),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_run_comes_first_and_no_response_means_no_latency() {
        let mut report = crate::report::fixtures::pass();
        report.requests[0].responses = 0;
        let text = String::from_utf8(render(&report)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], HEADER.join(","));
        assert!(lines[1].starts_with("all,"), "{text}");
        assert_eq!(lines.len(), 2 + report.requests.len(), "{text}");
        let first = lines[2];
        assert!(
            first.starts_with(&format!("{},", report.requests[0].name)),
            "{text}"
        );
        assert!(
            first.ends_with(",,,,,,"),
            "no latency cells for no response: {first}"
        );
    }
}
