//! Chart primitives for `report.html`: scales, "nice" ticks, axes, polylines with dash patterns
//! and markers, direct labels, a legend, and bound markers. Pure string building, no state
//! beyond one [`Chart`]: the page (`charts.rs`) decides what to plot, this file how.
//!
//! Every series is told apart without colour: each style has its own dash pattern *and* marker
//! shape, its label is written at the end of its line, and the legend repeats both. Colour (set
//! by CSS classes `s0`…`s7`, so print and dark-on-light stay the page's business) only helps.

use std::fmt::Write as _;

use super::esc;

/// Chart size in SVG user units; the page scales it to its column with `viewBox`.
pub const WIDTH: f64 = 960.0;
pub const HEIGHT: f64 = 340.0;
/// The shorter charts over time: their story is a level and its changes, not a shape.
pub const SHORT_HEIGHT: f64 = 250.0;
const LEFT: f64 = 64.0;
/// Room on the right for the direct labels at the ends of the lines.
const RIGHT: f64 = 170.0;
const TOP: f64 = 18.0;
const BOTTOM: f64 = 44.0;
/// Direct labels closer than this (vertically) are pushed apart.
const LABEL_GAP: f64 = 13.0;

/// The number of distinct styles before they repeat.
pub const STYLES: usize = 8;

/// The last percentile the distribution axis shows: 99.999 % (x = 5).
pub const PERCENTILE_X_MAX: f64 = 5.0;

/// HdrHistogram's plotter axis: x = log10(1 / (1 − q)), so 90 % is 1, 99 % is 2, 99.9 % is 3.
/// Quantiles past 99.999 % (and q = 1, the maximum) are placed at the axis's right end.
pub fn percentile_x(q: f64) -> f64 {
    if !q.is_finite() || q <= 0.0 {
        return 0.0;
    }
    if q >= 1.0 {
        return PERCENTILE_X_MAX;
    }
    (1.0 / (1.0 - q)).log10().clamp(0.0, PERCENTILE_X_MAX)
}

/// The labels of the distribution axis, at x = 0…5.
pub const PERCENTILE_TICKS: [(f64, &str); 6] = [
    (0.0, "0%"),
    (1.0, "90%"),
    (2.0, "99%"),
    (3.0, "99.9%"),
    (4.0, "99.99%"),
    (5.0, "99.999%"),
];

/// Evenly spaced round tick values covering `[lo, hi]` (about `target` of them): steps of 1, 2,
/// 2.5 or 5 times a power of ten. An empty or inverted range gives the one value `lo`.
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    // Written so that NaN bounds take this branch too.
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater)
        || !lo.is_finite()
        || !hi.is_finite()
    {
        return vec![if lo.is_finite() { lo } else { 0.0 }];
    }
    let raw = (hi - lo) / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() * step;
    // Bounded: (hi − lo) / step ≤ target + 1, plus rounding slack.
    (0..=target + 2)
        .map(|i| first + i as f64 * step)
        .take_while(|v| *v <= hi + step * 1e-9)
        .collect()
}

/// The upper end of a value axis: a little above the data, rounded up to a tick.
pub fn nice_max(data_max: f64) -> f64 {
    if data_max.is_nan() || data_max <= 0.0 || !data_max.is_finite() {
        return 1.0;
    }
    let want = data_max * 1.08;
    let ticks = nice_ticks(0.0, want, 5);
    let top = ticks.last().copied().unwrap_or(0.0);
    let step = match ticks.as_slice() {
        [a, b, ..] => b - a,
        _ => want,
    };
    if top >= want { top } else { top + step }
}

/// A tick label: as few decimals as the step needs.
pub fn fmt_num(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        trim(format!("{v:.1}"))
    } else if a >= 1.0 {
        trim(format!("{v:.2}"))
    } else {
        trim(format!("{v:.3}"))
    }
}

fn trim(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// How [`thin`] sums up the seconds it merges into one point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// The worst second (latency, backlog): a spike must stay visible.
    Peak,
    /// The mean over the merged seconds (rates): the level, without aliasing.
    Mean,
}

/// At most `max_points` points, merging runs of consecutive points (a 24-hour run has 86,400
/// seconds; a chart is about 700 px wide). Non-finite values (gaps) are skipped within a run; a
/// run of gaps stays a gap. Fewer points than `max_points` come back unchanged.
pub fn thin(points: &[(f64, f64)], max_points: usize, keep: Keep) -> Vec<(f64, f64)> {
    if points.len() <= max_points.max(1) {
        return points.to_vec();
    }
    let per = points.len().div_ceil(max_points.max(1));
    points
        .chunks(per)
        .map(|run| {
            let x = run.iter().map(|p| p.0).sum::<f64>() / run.len() as f64;
            let ys = run.iter().map(|p| p.1).filter(|y| y.is_finite());
            let (n, sum, peak) = ys.fold((0usize, 0.0, f64::NEG_INFINITY), |(n, s, m), y| {
                (n + 1, s + y, m.max(y))
            });
            let y = match (n, keep) {
                (0, _) => f64::NAN,
                (_, Keep::Peak) => peak,
                (_, Keep::Mean) => sum / n as f64,
            };
            (x, y)
        })
        .collect()
}

/// A linear map from a data interval to a pixel interval.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub lo: f64,
    pub hi: f64,
    pub px_lo: f64,
    pub px_hi: f64,
}

impl Scale {
    pub fn map(&self, v: f64) -> f64 {
        let span = self.hi - self.lo;
        let t = if span > 0.0 {
            (v - self.lo) / span
        } else {
            0.0
        };
        self.px_lo + t.clamp(-0.05, 1.05) * (self.px_hi - self.px_lo)
    }
}

/// How one series is drawn: style `i` has its own dash pattern, marker and colour class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style(pub usize);

impl Style {
    fn dash(self) -> &'static str {
        // Solid first: the first series of each chart (overall, p99, 2xx, due) is the main one.
        [
            "", "8 4", "2 3", "10 3 2 3", "14 5", "4 2 4 6", "1 5", "6 6",
        ][self.0 % STYLES]
    }

    pub fn class(self) -> String {
        format!("s{}", self.0 % STYLES)
    }

    /// The marker's SVG at (x, y): shapes differ per style so a grey print still tells lines apart.
    fn marker(self, x: f64, y: f64) -> String {
        let c = self.class();
        let r = 3.6;
        match self.0 % STYLES {
            0 => format!(r#"<circle class="mk {c}" cx="{x:.1}" cy="{y:.1}" r="{r}"/>"#),
            1 => format!(
                r#"<rect class="mk {c}" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}"/>"#,
                x - r,
                y - r,
                2.0 * r,
                2.0 * r
            ),
            2 => format!(
                r#"<path class="mk {c}" d="M{x:.1} {:.1}L{:.1} {:.1}L{:.1} {:.1}Z"/>"#,
                y - r - 0.8,
                x + r + 0.6,
                y + r,
                x - r - 0.6,
                y + r
            ),
            3 => format!(
                r#"<path class="mk {c}" d="M{x:.1} {:.1}L{:.1} {y:.1}L{x:.1} {:.1}L{:.1} {y:.1}Z"/>"#,
                y - r - 1.0,
                x + r + 1.0,
                y + r + 1.0,
                x - r - 1.0
            ),
            4 => format!(
                r#"<path class="mk open {c}" d="M{:.1} {:.1}L{:.1} {:.1}M{:.1} {:.1}L{:.1} {:.1}"/>"#,
                x - r,
                y - r,
                x + r,
                y + r,
                x - r,
                y + r,
                x + r,
                y - r
            ),
            5 => format!(r#"<circle class="mk open {c}" cx="{x:.1}" cy="{y:.1}" r="{r}"/>"#),
            6 => format!(
                r#"<rect class="mk open {c}" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}"/>"#,
                x - r,
                y - r,
                2.0 * r,
                2.0 * r
            ),
            _ => format!(
                r#"<path class="mk open {c}" d="M{:.1} {y:.1}L{:.1} {y:.1}M{x:.1} {:.1}L{x:.1} {:.1}"/>"#,
                x - r - 1.0,
                x + r + 1.0,
                y - r - 1.0,
                y + r + 1.0
            ),
        }
    }
}

/// One plotted line.
#[derive(Debug, Clone)]
pub struct Line {
    pub label: String,
    pub points: Vec<(f64, f64)>,
    pub style: Style,
    /// Drawn thicker: the line the chart is about (overall, p99).
    pub main: bool,
}

/// How a bound was judged, for a [`Bound`] marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoundState {
    Pass,
    Breach,
}

/// A threshold drawn on a chart: a dashed rule at `y` from the left edge to `x` (or across the
/// whole chart when `x` is `None`), a bar at its end, and its label with the verdict in words.
#[derive(Debug, Clone)]
pub struct Bound {
    pub label: String,
    pub x: Option<f64>,
    pub y: f64,
    pub state: BoundState,
}

/// How the x axis is labelled.
#[derive(Debug, Clone)]
pub enum XAxis {
    /// The fixed percentile labels of [`PERCENTILE_TICKS`] over `[0, 5]`.
    Percentile,
    /// Linear ticks, with the axis title.
    Linear { lo: f64, hi: f64, title: String },
}

/// A chart in progress: axes, then lines and bounds, then `finish`.
pub struct Chart {
    height: f64,
    x: Scale,
    y: Scale,
    body: String,
    labels: Vec<(f64, String, Style)>,
    legend: Vec<(String, Style, bool)>,
}

impl Chart {
    /// Axes and grid for `x_axis` against a value axis `0..=y_max` titled `y_title`.
    pub fn new(x_axis: &XAxis, y_max: f64, y_title: &str) -> Chart {
        Chart::with_height(x_axis, y_max, y_title, HEIGHT)
    }

    /// As [`Chart::new`], `height` units tall (plot and axes, without the legend).
    pub fn with_height(x_axis: &XAxis, y_max: f64, y_title: &str, height: f64) -> Chart {
        let (xlo, xhi) = match x_axis {
            XAxis::Percentile => (0.0, PERCENTILE_X_MAX),
            XAxis::Linear { lo, hi, .. } => (*lo, if hi > lo { *hi } else { lo + 1.0 }),
        };
        let x = Scale {
            lo: xlo,
            hi: xhi,
            px_lo: LEFT,
            px_hi: WIDTH - RIGHT,
        };
        let y = Scale {
            lo: 0.0,
            hi: if y_max > 0.0 { y_max } else { 1.0 },
            px_lo: height - BOTTOM,
            px_hi: TOP,
        };
        let mut body = String::new();
        let (x0, x1, y0, y1) = (x.px_lo, x.px_hi, y.px_lo, y.px_hi);
        body.push_str(r#"<g class="grid">"#);
        for v in nice_ticks(0.0, y.hi, 5) {
            let py = y.map(v);
            let _ = write!(
                body,
                r#"<line x1="{x0:.1}" y1="{py:.1}" x2="{x1:.1}" y2="{py:.1}"/><text class="tick" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
                x0 - 6.0,
                py + 4.0,
                fmt_num(v)
            );
        }
        let xticks: Vec<(f64, String)> = match x_axis {
            XAxis::Percentile => PERCENTILE_TICKS
                .iter()
                .map(|(v, l)| (*v, l.to_string()))
                .collect(),
            XAxis::Linear { .. } => nice_ticks(xlo, xhi, 8)
                .into_iter()
                .map(|v| (v, fmt_num(v)))
                .collect(),
        };
        for (v, l) in xticks {
            let px = x.map(v);
            let _ = write!(
                body,
                r#"<line x1="{px:.1}" y1="{y0:.1}" x2="{px:.1}" y2="{y1:.1}"/><text class="tick" x="{px:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                y0 + 16.0,
                esc(&l)
            );
        }
        body.push_str("</g>");
        let x_title = match x_axis {
            XAxis::Percentile => "percentile (log scale: 1 / (1 − p))".to_string(),
            XAxis::Linear { title, .. } => title.clone(),
        };
        let _ = write!(
            body,
            r#"<g class="axis"><line x1="{x0:.1}" y1="{y0:.1}" x2="{x1:.1}" y2="{y0:.1}"/><line x1="{x0:.1}" y1="{y0:.1}" x2="{x0:.1}" y2="{y1:.1}"/><text class="axis-title" x="{:.1}" y="{:.1}" text-anchor="middle">{}</text><text class="axis-title" transform="translate(14 {:.1}) rotate(-90)" text-anchor="middle">{}</text></g>"#,
            (x0 + x1) / 2.0,
            height - 6.0,
            esc(&x_title),
            (y0 + y1) / 2.0,
            esc(y_title)
        );
        Chart {
            height,
            x,
            y,
            body,
            labels: Vec::new(),
            legend: Vec::new(),
        }
    }

    /// Plot `line` as one `<path class="series …">`, with about a dozen markers along it and
    /// its label at its last point. A line with no point draws nothing (the legend says so).
    pub fn line(&mut self, line: &Line) {
        // A non-finite y is a gap (a second with no response): the path lifts the pen there.
        let finite = |p: &&(f64, f64)| p.0.is_finite() && p.1.is_finite();
        let Some(&(_, ly)) = line.points.iter().rev().find(finite) else {
            self.legend
                .push((format!("{} (no data)", line.label), line.style, line.main));
            return;
        };
        let mut d = String::new();
        let mut pen_down = false;
        let mut drawn = 0usize;
        for (x, y) in &line.points {
            if !(x.is_finite() && y.is_finite()) {
                pen_down = false;
                continue;
            }
            let _ = write!(
                d,
                "{}{:.1} {:.1}",
                if pen_down { 'L' } else { 'M' },
                self.x.map(*x),
                self.y.map(*y)
            );
            pen_down = true;
            drawn += 1;
        }
        // A single point still draws: a short stub, so the path has a visible extent.
        if drawn == 1 {
            d.push_str("h2");
        }
        let dash = line.style.dash();
        let _ = write!(
            self.body,
            r#"<path class="series {}{}" d="{d}" fill="none"{}><title>{}</title></path>"#,
            line.style.class(),
            if line.main { " main" } else { "" },
            if dash.is_empty() {
                String::new()
            } else {
                format!(r#" stroke-dasharray="{dash}""#)
            },
            esc(&line.label)
        );
        // About a dozen markers per line, offset per style so lines on top of each other still
        // show every marker shape.
        let points: Vec<&(f64, f64)> = line.points.iter().filter(finite).collect();
        let every = (points.len() / 12).max(1);
        let offset = line.style.0 % every;
        for (i, (x, y)) in points.iter().enumerate() {
            if i % every == offset || i + 1 == points.len() {
                self.body
                    .push_str(&line.style.marker(self.x.map(*x), self.y.map(*y)));
            }
        }
        self.labels
            .push((self.y.map(ly), line.label.clone(), line.style));
        self.legend
            .push((line.label.clone(), line.style, line.main));
    }

    /// Draw a threshold. Beyond the value axis it sits on the top edge with an arrow.
    pub fn bound(&mut self, b: &Bound) {
        let above = b.y > self.y.hi;
        let py = if above { self.y.px_hi } else { self.y.map(b.y) };
        let x0 = self.x.px_lo;
        let x1 = b.x.map_or(self.x.px_hi, |x| self.x.map(x));
        let (state, word) = match b.state {
            BoundState::Pass => ("pass", "met"),
            BoundState::Breach => ("breach", "BREACHED"),
        };
        let label = format!("{}{} · {word}", if above { "↑ " } else { "" }, b.label);
        // Labels go left of a bar near the right edge, right of it otherwise.
        let (tx, anchor) = if x1 > self.x.px_hi - 200.0 {
            (x1 - 6.0, "end")
        } else {
            (x1 + 6.0, "start")
        };
        let _ = write!(
            self.body,
            r#"<g class="bound {state}"><line x1="{x0:.1}" y1="{py:.1}" x2="{x1:.1}" y2="{py:.1}" stroke-dasharray="3 3"/><line class="bar" x1="{x1:.1}" y1="{:.1}" x2="{x1:.1}" y2="{:.1}"/><text x="{tx:.1}" y="{:.1}" text-anchor="{anchor}">{}</text></g>"#,
            py - 7.0,
            py + 7.0,
            py + if above { 14.0 } else { -5.0 },
            esc(&label)
        );
    }

    /// The whole `<svg>`: plot, direct labels (pushed apart so none overlap), legend.
    pub fn finish(mut self, id: &str, title: &str, desc: &str) -> String {
        // Direct labels: sorted by height, each at least LABEL_GAP below the one above it.
        self.labels
            .sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal));
        let mut last = f64::NEG_INFINITY;
        let lx = self.x.px_hi + 8.0;
        for (y, label, style) in &self.labels {
            let y = y.max(last + LABEL_GAP);
            last = y;
            let _ = write!(
                self.body,
                r#"<text class="direct {}" x="{lx:.1}" y="{:.1}">{}</text>"#,
                style.class(),
                y + 4.0,
                esc(&shorten(label, 26))
            );
        }
        let legend_rows = self.legend.len().div_ceil(3);
        let height = self.height + 20.0 * legend_rows as f64;
        let mut legend = String::new();
        for (i, (label, style, main)) in self.legend.iter().enumerate() {
            let (col, row) = (i % 3, i / 3);
            let x = LEFT + col as f64 * 290.0;
            let y = self.height + 8.0 + row as f64 * 20.0;
            let dash = style.dash();
            let _ = write!(
                legend,
                r#"<path class="series {}{}" d="M{x:.1} {y:.1}h34" fill="none"{}/>{}<text x="{:.1}" y="{:.1}">{}</text>"#,
                style.class(),
                if *main { " main" } else { "" },
                if dash.is_empty() {
                    String::new()
                } else {
                    format!(r#" stroke-dasharray="{dash}""#)
                },
                style.marker(x + 17.0, y),
                x + 42.0,
                y + 4.0,
                esc(&shorten(label, 40))
            );
        }
        format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{id}-title {id}-desc"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>{}<g class="legend">{legend}</g></svg>"#,
            esc(title),
            esc(desc),
            self.body
        )
    }
}

/// Cut a label to `max` characters with an ellipsis (the full text is in the path's `<title>`).
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}
