//! `series.csv`: the per-second series, one row per second of the load phase, for plotting in a
//! spreadsheet or gnuplot. The open-loop columns (`due`, `sent_late`, `backlog`) are empty for a
//! closed-loop run.

use super::model::Report;

pub const HEADER: [&str; 15] = [
    "second",
    "sent",
    "completed",
    "errors",
    "request_errors",
    "status_1xx",
    "status_2xx",
    "status_3xx",
    "status_4xx",
    "status_5xx",
    "p50_ms",
    "p99_ms",
    "due",
    "sent_late",
    "backlog",
];

pub fn render(report: &Report) -> Vec<u8> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(HEADER);
    let opt = |v: Option<u64>| v.map(|n| n.to_string()).unwrap_or_default();
    for p in &report.series {
        let s = &p.status;
        let _ = w.write_record([
            p.second.to_string(),
            p.sent.to_string(),
            p.count.to_string(),
            p.errors.to_string(),
            p.request_errors.to_string(),
            s.c1xx.to_string(),
            s.c2xx.to_string(),
            s.c3xx.to_string(),
            s.c4xx.to_string(),
            s.c5xx.to_string(),
            format!("{:.3}", p.p50_ms),
            format!("{:.3}", p.p99_ms),
            opt(p.due),
            opt(p.sent_late),
            opt(p.backlog),
        ]);
    }
    w.into_inner().unwrap_or_default()
}
