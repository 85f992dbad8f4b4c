//! Structural tests of `report.html`: what the page must hold (and must never hold) for a given
//! `Report`, without a browser. The browser check (`.ci/browser-check.sh`) renders a real run.

use std::time::Duration;

use super::svg::{self, percentile_x};
use super::{CHART_IDS, esc, render};
use crate::metrics::LatencyHistogram;
use crate::metrics::series::{SeriesPoint, StatusClassCounts};
use crate::report::fixtures;
use crate::report::model::{CheckStatus, Evidence, Report};

fn page(report: &Report) -> String {
    String::from_utf8(render(report, None)).expect("the page is UTF-8")
}

/// A histogram of `n` latencies spread from `lo_ms` up to `hi_ms`, as the report encodes it.
fn hist_b64(n: u64, lo_ms: f64, hi_ms: f64) -> String {
    let mut h = LatencyHistogram::new();
    for i in 0..n {
        let t = i as f64 / n as f64;
        // Most samples near `lo`, a long tail to `hi`: the shape the percentile axis is for.
        let ms = lo_ms + (hi_ms - lo_ms) * t.powi(8);
        h.record(Duration::from_secs_f64(ms / 1000.0));
    }
    h.to_base64()
}

fn series(seconds: u64, per_second: u64, open: bool) -> Vec<SeriesPoint> {
    (0..seconds)
        .map(|s| SeriesPoint {
            second: s,
            count: per_second,
            errors: s % 2,
            p50_ms: 1.5 + s as f64 * 0.1,
            p99_ms: 8.0 + s as f64,
            sent: per_second,
            status: StatusClassCounts {
                c2xx: per_second - s % 2 - 3,
                c4xx: 3,
                ..StatusClassCounts::default()
            },
            request_errors: s % 2,
            due: open.then_some(per_second + 1),
            sent_late: open.then_some(s % 3),
            backlog: open.then_some(s / 10),
        })
        .collect()
}

/// The open-loop golden case with real histograms and a series: what a normal run writes.
fn normal() -> Report {
    let mut r = fixtures::open_loop();
    r.histograms.overall = hist_b64(5_963, 2.0, 131.7);
    r.histograms.requests = r
        .requests
        .iter()
        .map(|q| {
            let b = if q.requests == 0 {
                LatencyHistogram::new().to_base64()
            } else {
                hist_b64(q.requests, 2.0, q.latency_ms.max)
            };
            (q.name.clone(), b)
        })
        .collect();
    r.series = series(30, 199, true);
    r
}

/// The `<figure>` with `id`, up to its end.
fn figure<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html
        .find(&format!(r#"id="{id}""#))
        .unwrap_or_else(|| panic!("no element with id {id}"));
    let start = html[..at].rfind("<figure").expect("inside a figure");
    let end = at + html[at..].find("</figure>").expect("figure closed");
    &html[start..end]
}

/// The `d` attributes of the plotted series paths in `fragment`.
fn series_paths(fragment: &str) -> Vec<&str> {
    fragment
        .split(r#"<path class="series"#)
        .skip(1)
        .filter_map(|p| {
            let d = p.split(r#" d=""#).nth(1)?;
            d.split('"').next()
        })
        .collect()
}

#[test]
fn the_percentile_axis_is_hdrhistograms_log_axis() {
    let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
    assert!(close(percentile_x(0.0), 0.0));
    assert!(close(percentile_x(0.5), 2f64.log10()));
    assert!(close(percentile_x(0.9), 1.0));
    assert!(close(percentile_x(0.99), 2.0));
    assert!(close(percentile_x(0.999), 3.0));
    assert!(close(percentile_x(0.99999), 5.0));
    // Past the last label, and the maximum itself (q = 1), sit on the right edge, not at ∞.
    assert!(close(percentile_x(0.9999999), svg::PERCENTILE_X_MAX));
    assert!(close(percentile_x(1.0), svg::PERCENTILE_X_MAX));
    assert!(close(percentile_x(f64::NAN), 0.0));
    let labels: Vec<&str> = svg::PERCENTILE_TICKS.iter().map(|t| t.1).collect();
    assert_eq!(labels, ["0%", "90%", "99%", "99.9%", "99.99%", "99.999%"]);
}

#[test]
fn ticks_are_round_and_cover_the_range() {
    assert_eq!(
        svg::nice_ticks(0.0, 10.0, 5),
        [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
    );
    assert_eq!(svg::nice_ticks(0.0, 0.9, 3), [0.0, 0.5]);
    assert_eq!(svg::nice_ticks(3.0, 3.0, 5), [3.0]);
    assert!(svg::nice_max(22.03) >= 22.03 * 1.08);
    assert_eq!(svg::nice_max(0.0), 1.0);
    assert_eq!(svg::fmt_num(2.50), "2.5");
    assert_eq!(svg::fmt_num(150.0), "150");
}

#[test]
fn the_distribution_walks_the_histogram_to_its_maximum() {
    let mut h = LatencyHistogram::new();
    for ms in 1..=1000u64 {
        h.record(Duration::from_millis(ms));
    }
    let points = super::charts::distribution(&h);
    assert!(points.len() > 20, "too few points: {}", points.len());
    assert!(
        points
            .windows(2)
            .all(|w| w[0].0 <= w[1].0 && w[0].1 <= w[1].1),
        "{points:?}"
    );
    let (x_last, y_last) = *points.last().unwrap();
    // The maximum sits where the last of 1000 samples does (99.9 %, x = 3), or just right of
    // the walk's last step: never at the axis's far end.
    assert!((3.0..3.1).contains(&x_last), "{x_last}");
    assert!((y_last - 1000.0).abs() <= 1.0, "{y_last}");
    let p50 = points.iter().find(|p| p.0 >= percentile_x(0.5)).unwrap();
    assert!((p50.1 - 500.0).abs() <= 1.0, "{p50:?}");
}

#[test]
fn a_normal_report_has_every_chart_with_plotted_paths() {
    let html = page(&normal());
    assert!(html.starts_with("<!DOCTYPE html>"));
    for id in CHART_IDS {
        let fig = figure(&html, id);
        assert!(fig.contains(r#"class="chart""#), "{id}: {fig}");
        assert!(fig.contains("<svg") && fig.contains("<title id="), "{id}");
        let paths = series_paths(fig);
        assert!(!paths.is_empty(), "{id}: no plotted series");
        assert!(
            paths.iter().any(|d| d.matches('L').count() >= 5),
            "{id}: no series with a real line: {paths:?}"
        );
    }
    // Overall plus one curve per request that got responses; the one that sent nothing says so.
    let pct = figure(&html, "chart-percentiles");
    for name in ["all requests", "create_order", "search_orders_by_customer"] {
        assert!(pct.contains(&format!("<title>{name}</title>")), "{name}");
    }
    assert!(pct.contains("Not drawn, no response in the load phase: cleanup."));
    for label in ["0%", "90%", "99%", "99.9%", "99.99%", "99.999%"] {
        assert!(
            pct.contains(&format!(">{label}</text>")),
            "axis label {label}"
        );
    }
    // Throughput by the status classes the run saw (no 5xx here), and request errors.
    let tp = figure(&html, "chart-throughput");
    for name in ["2xx responses", "4xx responses", "request errors"] {
        assert!(tp.contains(&format!("<title>{name}</title>")), "{name}");
    }
    assert!(!tp.contains("5xx responses") && !tp.contains("1xx responses"));
    // The schedule: due, sent, late and the backlog, each a line.
    let ol = figure(&html, "chart-open-loop");
    for name in ["due", "sent", "sent late", "backlog (not sent)"] {
        assert!(ol.contains(&format!("<title>{name}</title>")), "{name}");
    }
}

#[test]
fn an_open_loop_report_without_the_schedule_says_so() {
    let mut r = normal();
    for p in &mut r.series {
        (p.due, p.sent_late, p.backlog) = (None, None, None);
    }
    let html = page(&r);
    let ol = figure(&html, "chart-open-loop");
    assert!(
        ol.contains("no per-second schedule") && !ol.contains("<svg"),
        "{ol}"
    );
}

#[test]
fn the_page_is_self_contained_and_in_order() {
    let html = page(&normal());
    for banned in ["<script", "src=", "href=\"http", "url(", "@import", "<link"] {
        assert!(!html.contains(banned), "the page holds {banned}");
    }
    // SVG namespace is an identifier, not a fetch; nothing else names a scheme.
    assert_eq!(
        html.matches("http://").count(),
        html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
            + html.matches("http://127.0.0.1").count()
    );
    let at = |needle: &str| html.find(needle).unwrap_or_else(|| panic!("no {needle}"));
    assert!(at(r#"id="verdict""#) < at(r#"id="chart-percentiles""#));
    assert!(at(r#"id="chart-open-loop""#) < at(r#"id="requests""#));
    assert!(at(r#"id="requests""#) < at(r#"id="checks""#));
    assert!(at(r#"id="checks""#) < at(r#"id="parameters""#));
    assert!(html.contains("@media print"));
}

#[test]
fn hostile_text_from_the_report_is_escaped_everywhere() {
    let evil = r#"<script>alert("x&y")</script><img src=x onerror='1'>"#;
    let mut r = normal();
    r.scenario.name = evil.into();
    r.scenario.target = format!("http://127.0.0.1:1/{evil}");
    r.outcome_reason = Some(evil.into());
    let name = r.requests[0].name.clone();
    let hist = r.histograms.requests.remove(&name).unwrap();
    r.requests[0].name = evil.into();
    r.histograms.requests.insert(evil.into(), hist);
    r.requests[0].status_codes.insert(evil.into(), 1);
    r.thresholds[1].request = Some(evil.into());
    r.checks[0].id = evil.into();
    r.checks[0].status = CheckStatus::Fail;
    r.checks[0].message = evil.into();
    r.checks[0].evidence = vec![Evidence {
        method: Some(evil.into()),
        url: Some(evil.into()),
        status: Some(500),
        request_headers: [(evil.to_string(), evil.to_string())].into(),
        request_body: Some(evil.into()),
        response_headers: [("x".to_string(), evil.to_string())].into(),
        response_body: Some(evil.into()),
        curl: Some(format!("curl '{evil}'")),
        note: Some(evil.into()),
        ..Evidence::default()
    }];
    let html = page(&r);
    assert!(!html.contains("<script"), "unescaped script tag");
    assert!(!html.contains("<img"), "unescaped img tag");
    assert!(!html.contains("onerror='"), "unescaped attribute quote");
    assert!(html.contains(&esc(evil)));
    assert!(esc(evil).contains("&lt;script&gt;alert(&quot;x&amp;y&quot;)"));
}

#[test]
fn charts_with_nothing_to_draw_say_why() {
    // A closed-loop run has no schedule to draw.
    let html = page(&normal_closed());
    let ol = figure(&html, "chart-open-loop");
    assert!(ol.contains("nodata") && ol.contains("closed-loop run has no schedule"));
    assert!(series_paths(ol).is_empty() && !ol.contains("<svg"));

    // A run that sent nothing: every chart says so instead of an empty box.
    let mut r = fixtures::pass();
    r.totals.requests = 0;
    r.totals.responses = 0;
    r.histograms.overall = LatencyHistogram::new().to_base64();
    r.series.clear();
    let html = page(&r);
    let pct = figure(&html, "chart-percentiles");
    assert!(pct.contains("no request got a response"), "{pct}");
    for id in ["chart-latency-over-time", "chart-throughput"] {
        let fig = figure(&html, id);
        assert!(fig.contains("sent no request"), "{id}: {fig}");
        assert!(!fig.contains("<svg"), "{id} drew an empty box");
    }
    // An unreadable histogram is a sentence too, never a panic.
    r.histograms.overall = "not base64!".into();
    assert!(figure(&page(&r), "chart-percentiles").contains("unreadable"));
}

fn normal_closed() -> Report {
    let mut r = fixtures::pass();
    r.histograms.overall = hist_b64(1_203, 1.0, 4.38);
    r.series = series(10, 120, false);
    r
}

#[test]
fn latency_thresholds_are_drawn_on_their_curve_with_their_state() {
    let mut r = normal();
    // p99.9 ≤ 250 (all): far above the data? No: within the headroom, drawn at its height.
    // p99 ≤ 100 (search): met. Add a breached max bound on the overall curve.
    let mut max = r.thresholds[0].clone();
    max.metric = "max".into();
    max.limit = 100.0;
    max.actual = 131.7;
    max.passed = false;
    r.thresholds.push(max);
    // A bound far above every latency sits on the top edge, marked, rather than squashing it.
    let mut far = r.thresholds[0].clone();
    far.metric = "p50".into();
    far.limit = 5_000.0;
    r.thresholds.push(far);
    let html = page(&r);
    let pct = figure(&html, "chart-percentiles");
    let bounds: Vec<&str> = pct.split(r#"<g class="bound "#).skip(1).collect();
    // Latency bounds only: rps and not_sent_rate are not on a latency chart.
    assert_eq!(bounds.len(), 4, "{pct}");
    assert!(pct.contains("p99.9 ≤ 250 ms (all) · met"));
    assert!(pct.contains("p99 ≤ 100 ms (search_orders_by_customer) · met"));
    assert!(pct.contains("max ≤ 100 ms (all) · BREACHED"));
    assert!(pct.contains("↑ p50 ≤ 5000 ms (all) · met"));
    assert!(bounds.iter().any(|b| b.starts_with("breach")));
    // The p99 bar stands at x = 2 on the axis (99 %), the p99.9 one at x = 3.
    let bar_x = |label: &str| -> f64 {
        let b = bounds.iter().find(|b| b.contains(label)).unwrap();
        let bar = b.split(r#"class="bar" x1=""#).nth(1).unwrap();
        bar.split('"').next().unwrap().parse().unwrap()
    };
    let (x99, x999) = (bar_x("p99 ≤"), bar_x("p99.9 ≤"));
    let unit = x999 - x99;
    assert!(unit > 50.0, "one decade is {unit} px");
    let x0 = x99 - 2.0 * unit;
    assert!((x0 - 64.0).abs() < 0.5, "the 0% origin is at {x0}");
}

#[test]
fn the_verdict_comes_first_with_what_failed() {
    let r = fixtures::failed();
    let html = page(&r);
    let verdict =
        &html[html.find(r#"id="verdict""#).unwrap()..html.find(r#"id="charts""#).unwrap()];
    assert!(verdict.contains("CHECK FAILED") && verdict.contains("exit 4"));
    assert!(verdict.contains(&esc(r.outcome_reason.as_deref().unwrap())));
    assert!(verdict.contains(">IDEM-05</a>"), "{verdict}");
    assert!(verdict.contains("Thresholds breached") && verdict.contains("error_rate"));
    assert!(
        !verdict.contains(">IDEM-01</a>"),
        "a passed check listed as failed"
    );
    // Evidence with its curl line, as the JSON has it.
    let curl = r
        .checks
        .iter()
        .flat_map(|c| &c.evidence)
        .find_map(|e| e.curl.clone())
        .unwrap();
    assert!(html.contains(&format!(r#"<pre class="curl">{}</pre>"#, esc(&curl))));
    assert!(html.contains(r#"<table class="timeline">"#));
}

#[test]
fn a_comparison_is_shown_after_the_verdict_when_given() {
    let r = normal();
    let without = page(&r);
    assert!(!without.contains(r#"id="comparison""#));
    let with = String::from_utf8(render(&r, Some("<p>p99 +3%: noise</p>"))).unwrap();
    let at = |n: &str| with.find(n).unwrap();
    assert!(at(r#"id="verdict""#) < at(r#"id="comparison""#));
    assert!(at("<p>p99 +3%: noise</p>") < at(r#"id="charts""#));
}

#[test]
fn long_runs_are_thinned_keeping_spikes_and_levels() {
    let points: Vec<(f64, f64)> = (0..10).map(|i| (i as f64, i as f64)).collect();
    assert_eq!(svg::thin(&points, 20, svg::Keep::Peak), points);
    let peak = svg::thin(&points, 5, svg::Keep::Peak);
    assert_eq!(
        peak,
        [(0.5, 1.0), (2.5, 3.0), (4.5, 5.0), (6.5, 7.0), (8.5, 9.0)]
    );
    let mean = svg::thin(&points, 5, svg::Keep::Mean);
    assert_eq!(mean[0], (0.5, 0.5));
    // A gap inside a run is skipped; a run of gaps stays a gap.
    let gappy = [
        (0.0, f64::NAN),
        (1.0, 4.0),
        (2.0, f64::NAN),
        (3.0, f64::NAN),
    ];
    let t = svg::thin(&gappy, 2, svg::Keep::Peak);
    assert_eq!(t[0], (0.5, 4.0));
    assert!(t[1].1.is_nan());

    // A day-long run: every line stays at most 600 points, the spike survives.
    let mut r = normal();
    r.series = series(86_400, 100, true);
    for p in &mut r.series {
        p.p99_ms = 10.0;
    }
    r.series[50_000].p99_ms = 9_999.0;
    let html = page(&r);
    for id in CHART_IDS.iter().skip(1) {
        for d in series_paths(figure(&html, id)) {
            assert!(d.matches(['M', 'L']).count() <= 600, "{id}: {}", d.len());
        }
    }
    let lat = figure(&html, "chart-latency-over-time");
    assert!(lat.contains("a point per 144 s"), "axis title");
    // The spike keeps its height: the p99 line reaches near the top of the plot (18 px; its
    // mean over 144 s would sit near the bottom, 206 px).
    let p99 = series_paths(lat)[0];
    let top = p99
        .split(['M', 'L'])
        .filter_map(|xy| xy.split(' ').nth(1)?.parse::<f64>().ok())
        .fold(f64::INFINITY, f64::min);
    assert!(
        top < 70.0,
        "the spike was averaged away: highest point at y = {top}"
    );
}

#[test]
fn no_response_has_no_latency_figures() {
    let mut r = fixtures::pass();
    r.latency_ms = Default::default();
    let html = page(&r);
    assert!(
        html.contains("p50 <b>-</b> ms · p99 <b>-</b> ms · max <b>-</b> ms"),
        "the figures line shows 0.00 for a run with no response"
    );
    let html = page(&fixtures::pass());
    assert!(!html.contains("p50 <b>-</b> ms"));
}
