//! `summary.csv`: one row per request name, for spreadsheets and plotting.

use super::model::Report;

pub const HEADER: [&str; 10] = [
    "name", "count", "errors", "rps", "p50_ms", "p90_ms", "p99_ms", "p99_9_ms", "max_ms", "mean_ms",
];

pub fn render(report: &Report) -> Vec<u8> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    // Writing to a Vec cannot fail; a failure would only drop rows, never panic.
    let _ = w.write_record(HEADER);
    for r in &report.requests {
        let l = &r.latency_ms;
        let _ = w.write_record([
            r.name.clone(),
            r.requests.to_string(),
            r.errors.to_string(),
            format!("{:.3}", r.rps),
            format!("{:.3}", l.p50),
            format!("{:.3}", l.p90),
            format!("{:.3}", l.p99),
            format!("{:.3}", l.p99_9),
            format!("{:.3}", l.max),
            format!("{:.3}", l.mean),
        ]);
    }
    w.into_inner().unwrap_or_default()
}
