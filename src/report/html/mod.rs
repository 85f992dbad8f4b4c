//! `report.html`: the run as one self-contained page, rendered from the `Report` value alone.
//!
//! Inline CSS and inline SVG only: no script, no font, image or URL from the network, so it opens
//! from `file://`, in a mail attachment, or printed. The verdict comes first, then the charts
//! (`charts.rs`, drawn with the primitives of `svg.rs`), then the tables (`sections.rs`). Series
//! are told apart by dash pattern, marker and direct label, never by colour alone. Every text
//! from the report is HTML-escaped here ([`esc`]): names, messages and evidence are the target's
//! words, and secrets were redacted before the `Report` was built.

mod charts;
mod sections;
pub mod svg;

#[cfg(test)]
mod tests;

use std::fmt::Write as _;

use super::model::Report;

/// The ids of the charts, in page order (the browser check looks for each one).
pub const CHART_IDS: [&str; 4] = [
    charts::PERCENTILES,
    charts::LATENCY_OVER_TIME,
    charts::THROUGHPUT,
    charts::OPEN_LOOP,
];

/// Escape text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// The page. `comparison` is the hook for `run --baseline` / `compare`: HTML already rendered
/// (and escaped) by the comparison's own writer, shown as "Compared with baseline" right after
/// the verdict; `None` leaves the section out.
pub fn render(report: &Report, comparison: Option<&str>) -> Vec<u8> {
    let mut o = String::new();
    let title = format!(
        "loadproof · {} · {}",
        report.scenario.name,
        report.outcome.as_str()
    );
    let _ = write!(
        o,
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light"><title>{}</title><style>{CSS}</style></head><body><main>"#,
        esc(&title)
    );
    let _ = write!(
        o,
        r#"<header><h1>{} <span class="sub">load test report</span></h1><p class="meta"><code>{}</code> · {} loop · {} · loadproof {}</p></header>"#,
        esc(&report.scenario.name),
        esc(&report.scenario.target),
        esc(&report.load.mode),
        esc(&report.started_at),
        esc(&report.tool.version)
    );
    o.push_str(&sections::verdict(report));
    if let Some(html) = comparison {
        let _ = write!(
            o,
            r#"<section id="comparison"><h2>Compared with baseline</h2>{html}</section>"#
        );
    }
    o.push_str(r#"<section id="charts"><h2>Charts</h2>"#);
    o.push_str(&charts::percentiles(report));
    o.push_str(&charts::latency_over_time(report));
    o.push_str(&charts::throughput(report));
    o.push_str(&charts::open_loop(report));
    o.push_str("</section>");
    o.push_str(&sections::requests(report));
    o.push_str(&sections::checks(report));
    o.push_str(&sections::parameters(report));
    o.push_str("</main></body></html>\n");
    o.into_bytes()
}

/// The page's only style sheet. Colours help but never carry meaning alone: verdicts are words,
/// series have dash patterns and markers. Print drops backgrounds and keeps figures whole.
const CSS: &str = r#"
:root{--fg:#1b1f24;--muted:#5b6570;--line:#d8dde3;--bg:#fff;--soft:#f5f7f9;--pass:#1e7d32;--fail:#b3261e;--open:#8a5a00}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1120px;margin:0 auto;padding:24px 28px 48px}
h1{font-size:26px;margin:0 0 4px}h1 .sub{font-weight:400;color:var(--muted);font-size:18px}
h2{font-size:20px;margin:32px 0 12px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{font-size:16px;margin:18px 0 8px}
.meta{color:var(--muted);margin:0 0 16px}
code,pre{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace}
pre{white-space:pre-wrap;word-break:break-all;background:var(--soft);border:1px solid var(--line);border-radius:4px;padding:8px 10px;margin:4px 0 8px;max-height:28em;overflow:auto}
.verdict{border:2px solid var(--line);border-left-width:10px;border-radius:6px;padding:10px 18px 12px;margin:8px 0 8px}
.verdict h2{border:0;margin:4px 0 4px;font-size:24px}
.verdict.pass{border-color:var(--pass)}.verdict.fail{border-color:var(--fail)}.verdict.open{border-color:var(--open)}
.verdict.pass .outcome{color:var(--pass)}.verdict.fail .outcome{color:var(--fail)}.verdict.open .outcome{color:var(--open)}
.exit{font-weight:400;color:var(--muted);font-size:16px;margin-left:8px}
.reason{font-weight:600;margin:4px 0}
.figures{margin:6px 0 2px}.judged{margin:2px 0;color:var(--muted)}
ul.failed,ul.breached{margin:4px 0 6px;padding-left:20px}
.st{display:inline-block;min-width:3.4em;text-align:center;font-size:12px;font-weight:700;text-transform:uppercase;border:1px solid currentColor;border-radius:3px;padding:0 4px}
.st.pass{color:var(--pass)}.st.fail,.st.error{color:var(--fail)}.st.warn{color:var(--open)}.st.skip{color:var(--muted)}
figure.chart{margin:0 0 22px;padding:10px 12px 6px;border:1px solid var(--line);border-radius:6px;break-inside:avoid;page-break-inside:avoid}
figure.chart figcaption{margin:0 0 6px;color:var(--muted)}figure.chart figcaption strong{color:var(--fg);margin-right:6px}
figure.chart svg{display:block;width:100%;height:auto}
.nodata{color:var(--muted);font-style:italic;margin:8px 0}
.chart-note{color:var(--muted);font-size:13px;margin:0 0 4px}
svg text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;font-size:12px;fill:var(--fg)}
svg .grid line{stroke:#e6e9ed;stroke-width:1}svg .tick{fill:var(--muted);font-size:11px}
svg .axis line{stroke:#7a848e;stroke-width:1.2}svg .axis-title{fill:var(--muted);font-size:12px}
svg path.series{stroke-width:1.8;stroke-linejoin:round;stroke-linecap:round}svg path.series.main{stroke-width:2.8}
svg .mk{stroke-width:1.3}svg .mk.open{fill:#fff}
svg .direct{font-size:12px;font-weight:600}
svg .bound line{stroke-width:1.4}svg .bound .bar{stroke-width:3}svg .bound text{font-size:11.5px;font-weight:600}
svg .bound.pass line{stroke:var(--pass)}svg .bound.pass text{fill:var(--pass)}
svg .bound.breach line{stroke:var(--fail)}svg .bound.breach text{fill:var(--fail)}
.s0{stroke:#1f4e9c;fill:#1f4e9c}.s1{stroke:#c0392b;fill:#c0392b}.s2{stroke:#2e7d32;fill:#2e7d32}.s3{stroke:#7b3fa0;fill:#7b3fa0}
.s4{stroke:#a86b00;fill:#a86b00}.s5{stroke:#00838f;fill:#00838f}.s6{stroke:#6d4c41;fill:#6d4c41}.s7{stroke:#455a64;fill:#455a64}
svg path.series{fill:none}svg text.direct.s0,svg text.direct.s1,svg text.direct.s2,svg text.direct.s3,svg text.direct.s4,svg text.direct.s5,svg text.direct.s6,svg text.direct.s7{stroke:none}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;margin:4px 0 12px;font-size:14px}
th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
thead th{font-size:12px;text-transform:uppercase;letter-spacing:.03em;color:var(--muted);border-bottom:2px solid var(--line)}
tfoot th,tfoot td{font-weight:700;border-top:2px solid var(--line)}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.method{font-weight:400;color:var(--muted);font-size:12px}
table.params th{width:13em;color:var(--muted);font-weight:600}
table.checks th{white-space:nowrap}
.evlink{font-size:12px;white-space:nowrap}
article.evidence{border:1px solid var(--line);border-radius:6px;padding:4px 14px 8px;margin:12px 0;break-inside:avoid-page}
article.evidence.fail,article.evidence.error{border-left:6px solid var(--fail)}article.evidence.warn{border-left:6px solid var(--open)}
.exchange{margin:10px 0;padding-top:6px;border-top:1px dashed var(--line)}.exchange.decisive .n{font-weight:700}
.exchange .line{margin:2px 0}.exchange .n{display:inline-block;min-width:2em;color:var(--muted)}
.note{margin:2px 0;color:var(--muted)}.misses{margin:2px 0;padding-left:1.4em}.from{color:var(--muted)}
.msg .label{font-size:11px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
pre.curl{background:#eef3fb}
table.timeline{width:auto}
a{color:#1f4e9c}
@media (max-width:700px){main{padding:12px}}
@media print{
 body{font-size:11pt}main{max-width:none;padding:0}
 pre{max-height:none;overflow:visible;background:none}pre.curl{background:none}
 .verdict{border-left-width:6px}
 figure.chart,article.evidence,tr{break-inside:avoid;page-break-inside:avoid}
 h2{break-after:avoid;page-break-after:avoid}
 a{color:inherit;text-decoration:none}
 .scroll{overflow:visible}
}
"#;
