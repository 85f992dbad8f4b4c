//! The charts of `report.html`, each from the `Report` alone: the latency percentile
//! distribution (overall and per request, with the latency thresholds on it), latency over time,
//! throughput over time, and the open-loop schedule over time. Each is one `<figure
//! class="chart" id="chart-…">`; a chart with nothing to draw says why in a sentence instead.

use std::fmt::Write as _;

use super::esc;
use super::svg::{
    Bound, BoundState, Chart, Keep, Line, SHORT_HEIGHT, Style, XAxis, nice_max, percentile_x, thin,
};
use crate::metrics::LatencyHistogram;
use crate::metrics::series::{SeriesPoint, StatusClassCounts};
use crate::report::model::{Report, ThresholdResult};

/// Steps per halving of the distance to 100 % when walking a histogram (as `.hgrm` files do).
const QUANTILE_TICKS: u32 = 5;
/// The most points a line over time gets: past it, seconds are merged (rates by their mean,
/// latency, lateness and backlog by their worst second), as the caption then says.
const MAX_POINTS: usize = 600;
/// A threshold further above the data than this factor is drawn on the top edge rather than
/// squashing every curve to the bottom of the chart.
const BOUND_HEADROOM: f64 = 4.0;

/// The stable ids, in page order: the browser check looks for each.
pub const PERCENTILES: &str = "chart-percentiles";
pub const LATENCY_OVER_TIME: &str = "chart-latency-over-time";
pub const THROUGHPUT: &str = "chart-throughput";
pub const OPEN_LOOP: &str = "chart-open-loop";

/// A `<figure>` holding `content` (an `<svg>` or a no-data sentence).
fn figure(id: &str, heading: &str, caption: &str, content: Result<String, String>) -> String {
    let (class, body) = match content {
        Ok(svg) => ("chart", svg),
        Err(why) => (
            "chart nodata",
            format!(r#"<p class="nodata">{}</p>"#, esc(&why)),
        ),
    };
    format!(
        r#"<figure class="{class}" id="{id}"><figcaption><strong>{}</strong> {}</figcaption>{body}</figure>"#,
        esc(heading),
        esc(caption)
    )
}

/// The latency distribution of one histogram as plot points: x on the percentile axis, y in
/// ms. The maximum (quantile 1) goes where the last sample sits, 1 − 1/n, not at infinity.
pub fn distribution(h: &LatencyHistogram) -> Vec<(f64, f64)> {
    let n = h.count() as f64;
    let mut points: Vec<(f64, f64)> = Vec::new();
    for step in h.distribution(QUANTILE_TICKS) {
        let (q, ms) = (step.quantile, step.value_ms);
        let x = if q >= 1.0 {
            let last = points.last().map_or(0.0, |p| p.0);
            percentile_x(1.0 - 1.0 / n.max(1.0)).max(last)
        } else {
            percentile_x(q)
        };
        points.push((x, ms));
    }
    points
}

/// The percentile a latency threshold bounds, as a quantile; `None` for `max` and `mean`.
fn threshold_quantile(metric: &str) -> Option<f64> {
    let p: f64 = metric.strip_prefix('p')?.parse().ok()?;
    (p > 0.0 && p < 100.0).then_some(p / 100.0)
}

/// `p99 ≤ 500 ms (create_order)`: a bound as a chart label.
fn bound_label(t: &ThresholdResult) -> String {
    let op = match t.op.as_str() {
        "<=" => "≤",
        ">=" => "≥",
        other => other,
    };
    let scope = t.request.as_deref().unwrap_or("all");
    let mut s = format!(
        "{} {op} {} {} ({scope})",
        t.metric,
        super::svg::fmt_num(t.limit),
        t.unit
    );
    if t.note.is_some() {
        s.push_str(", no data");
    }
    s
}

pub fn percentiles(report: &Report) -> String {
    let heading = "Latency by percentile";
    let caption = "Overall and per request, on HdrHistogram's percentile axis (each step right \
                   is ten times rarer), with the latency thresholds.";
    figure(PERCENTILES, heading, caption, percentiles_svg(report))
}

fn percentiles_svg(report: &Report) -> Result<String, String> {
    let overall = LatencyHistogram::from_base64(&report.histograms.overall).map_err(|e| {
        format!("No latency distribution to draw: the report's histogram is unreadable ({e}).")
    })?;
    if overall.is_empty() {
        return Err(
            "No latency distribution to draw: no request got a response in the load phase.".into(),
        );
    }
    let mut lines = vec![Line {
        label: "all requests".into(),
        points: distribution(&overall),
        style: Style(0),
        main: true,
    }];
    // Requests with no response (those only the checks use, say) have no curve: named once
    // under the chart rather than each taking a legend entry.
    let mut undrawn = Vec::new();
    for r in &report.requests {
        let points = report
            .histograms
            .requests
            .get(&r.name)
            .and_then(|b| LatencyHistogram::from_base64(b).ok())
            .map(|h| distribution(&h))
            .unwrap_or_default();
        if points.is_empty() {
            undrawn.push(r.name.as_str());
            continue;
        }
        lines.push(Line {
            label: r.name.clone(),
            points,
            style: Style(lines.len()),
            main: false,
        });
    }
    let data_max = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.1))
        .fold(0.0, f64::max);
    let latency_bounds: Vec<&ThresholdResult> = report
        .thresholds
        .iter()
        .filter(|t| t.unit == "ms")
        .collect();
    // Bounds close above the data widen the axis; far ones sit on the top edge (marked ↑).
    let y_top = latency_bounds
        .iter()
        .map(|t| t.limit)
        .filter(|l| *l <= data_max * BOUND_HEADROOM)
        .fold(data_max, f64::max);
    let mut chart = Chart::new(&XAxis::Percentile, nice_max(y_top), "latency (ms)");
    for t in latency_bounds {
        // The curve the bound applies to, for where `max` ends.
        let curve = match &t.request {
            None => Some(&lines[0]),
            Some(name) => lines.iter().skip(1).find(|l| &l.label == name),
        };
        let x = match t.metric.as_str() {
            "mean" => None,
            "max" => Some(
                curve
                    .and_then(|c| c.points.last())
                    .map_or(super::svg::PERCENTILE_X_MAX, |p| p.0),
            ),
            m => match threshold_quantile(m) {
                Some(q) => Some(percentile_x(q)),
                None => continue,
            },
        };
        chart.bound(&Bound {
            label: bound_label(t),
            x,
            y: t.limit,
            state: if t.passed {
                BoundState::Pass
            } else {
                BoundState::Breach
            },
        });
    }
    for l in &lines {
        chart.line(l);
    }
    let mut html = chart.finish(
        PERCENTILES,
        "Latency by percentile",
        &format!(
            "Latency in milliseconds against percentile, from 0% to 99.999%, for all requests and for {} request name(s).",
            lines.len() - 1
        ),
    );
    if !undrawn.is_empty() {
        let _ = write!(
            html,
            r#"<p class="chart-note">Not drawn, no response in the load phase: {}.</p>"#,
            esc(&undrawn.join(", "))
        );
    }
    Ok(html)
}

/// Why a per-second chart has nothing to draw, or the x axis it uses.
fn time_axis(report: &Report) -> Result<XAxis, String> {
    let last = report.series.iter().map(|p| p.second).max();
    match last {
        None if report.totals.requests == 0 => Err(
            "No per-second series: the load phase sent no request, so there is nothing over time to draw."
                .into(),
        ),
        None => Err("No per-second series: the load phase completed no request.".into()),
        Some(last) => {
            let per = report.series.len().div_ceil(MAX_POINTS);
            Ok(XAxis::Linear {
                lo: 0.0,
                hi: (last + 1) as f64,
                title: if per > 1 {
                    format!(
                        "seconds since the load phase started (a point per {per} s: rates averaged, \
                         latency, late sends and backlog at their worst)"
                    )
                } else {
                    "seconds since the load phase started".into()
                },
            })
        }
    }
}

/// A second's point at its middle: second 3 covers [3 s, 4 s).
fn at(second: u64) -> f64 {
    second as f64 + 0.5
}

pub fn latency_over_time(report: &Report) -> String {
    figure(
        LATENCY_OVER_TIME,
        "Latency over time",
        "p50 and p99 of the responses completed in each second (a gap is a second with none).",
        latency_over_time_svg(report),
    )
}

fn latency_over_time_svg(report: &Report) -> Result<String, String> {
    let axis = time_axis(report)?;
    // A second without responses has no latency: a gap (NaN), not a zero.
    let pick = |f: fn(&SeriesPoint) -> f64| -> Vec<(f64, f64)> {
        report
            .series
            .iter()
            .map(|p| {
                let answered = p.count > p.request_errors || p.p99_ms > 0.0;
                (at(p.second), if answered { f(p) } else { f64::NAN })
            })
            .collect::<Vec<_>>()
    };
    let pick = |f: fn(&SeriesPoint) -> f64| thin(&pick(f), MAX_POINTS, Keep::Peak);
    let lines = [
        Line {
            label: "p99".into(),
            points: pick(|p| p.p99_ms),
            style: Style(0),
            main: true,
        },
        Line {
            label: "p50".into(),
            points: pick(|p| p.p50_ms),
            style: Style(1),
            main: false,
        },
    ];
    let data_max = lines[0]
        .points
        .iter()
        .map(|p| p.1)
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    if data_max <= 0.0 {
        return Err("No latency over time: no second of the load phase had a response.".into());
    }
    let mut chart = Chart::with_height(&axis, nice_max(data_max), "latency (ms)", SHORT_HEIGHT);
    for l in &lines {
        chart.line(l);
    }
    Ok(chart.finish(
        LATENCY_OVER_TIME,
        "Latency over time",
        "p50 and p99 latency in milliseconds for each second of the load phase.",
    ))
}

pub fn throughput(report: &Report) -> String {
    figure(
        THROUGHPUT,
        "Throughput and errors over time",
        "Responses completed in each second by status class, and request errors (completions \
         without a response).",
        throughput_svg(report),
    )
}

/// Per-second values of one counter, at the middle of each second.
fn per_second(report: &Report, keep: Keep, f: impl Fn(&SeriesPoint) -> u64) -> Vec<(f64, f64)> {
    let points: Vec<(f64, f64)> = report
        .series
        .iter()
        .map(|p| (at(p.second), f(p) as f64))
        .collect();
    thin(&points, MAX_POINTS, keep)
}

fn throughput_svg(report: &Report) -> Result<String, String> {
    let axis = time_axis(report)?;
    // One line per status class the run saw, then request errors: lines, not a stack, so each
    // class reads off the axis directly. Classes that never occur are left out.
    let mut lines = Vec::new();
    for class in 0..5 {
        let points = per_second(report, Keep::Mean, |p| p.status.by_name()[class].1);
        if points.iter().any(|p| p.1 > 0.0) {
            lines.push(Line {
                label: format!(
                    "{} responses",
                    StatusClassCounts::default().by_name()[class].0
                ),
                points,
                style: Style(lines.len()),
                main: lines.is_empty(),
            });
        }
    }
    let errors = per_second(report, Keep::Mean, |p| p.request_errors);
    let no_response = lines.is_empty();
    if no_response || errors.iter().any(|p| p.1 > 0.0) {
        lines.push(Line {
            label: "request errors".into(),
            points: errors,
            style: Style(lines.len()),
            main: no_response,
        });
    }
    let data_max = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.1))
        .fold(0.0, f64::max);
    let mut chart = Chart::with_height(&axis, nice_max(data_max), "per second", SHORT_HEIGHT);
    for l in &lines {
        chart.line(l);
    }
    Ok(chart.finish(
        THROUGHPUT,
        "Throughput and errors over time",
        "Responses per second by status class, and request errors per second, over the load phase.",
    ))
}

pub fn open_loop(report: &Report) -> String {
    figure(
        OPEN_LOOP,
        "Schedule over time (open loop)",
        "Requests the schedule made due and those sent in each second, those sent late, and the \
         backlog: requests due so far but not yet sent. A rising backlog is coordinated omission \
         made visible: load the test asked for and did not send.",
        open_loop_svg(report),
    )
}

fn open_loop_svg(report: &Report) -> Result<String, String> {
    if report.open_loop.is_none() {
        return Err(
            "A closed-loop run has no schedule: each user sends when its previous response \
             arrives, so no request falls due, is late or goes unsent."
                .into(),
        );
    }
    let axis = time_axis(report)?;
    if report.series.iter().all(|p| p.due.is_none()) {
        return Err(
            "This report has no per-second schedule (due, sent late, backlog): it was written \
             before loadproof recorded them."
                .into(),
        );
    }
    let lines = [
        Line {
            label: "due".into(),
            points: per_second(report, Keep::Mean, |p| p.due.unwrap_or(0)),
            style: Style(0),
            main: true,
        },
        Line {
            label: "sent".into(),
            points: per_second(report, Keep::Mean, |p| p.sent),
            style: Style(1),
            main: false,
        },
        Line {
            label: "sent late".into(),
            points: per_second(report, Keep::Peak, |p| p.sent_late.unwrap_or(0)),
            style: Style(2),
            main: false,
        },
        Line {
            label: "backlog (not sent)".into(),
            points: per_second(report, Keep::Peak, |p| p.backlog.unwrap_or(0)),
            style: Style(3),
            main: false,
        },
    ];
    let data_max = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.1))
        .fold(0.0, f64::max);
    let mut chart = Chart::with_height(&axis, nice_max(data_max), "requests", SHORT_HEIGHT);
    for l in &lines {
        chart.line(l);
    }
    Ok(chart.finish(
        OPEN_LOOP,
        "Schedule over time (open loop)",
        "Requests due, sent and sent late per second, and the backlog of requests due but not \
         sent at the end of each second.",
    ))
}
