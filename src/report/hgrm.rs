//! `.hgrm` files: a latency histogram as HdrHistogram's percentile-distribution text, the format
//! its plotter (HistogramLogAnalyzer, the online plotFiles page) and `wrk2` users read. Values are
//! in milliseconds; the columns are value, percentile (0..1), count at or below it, and
//! 1/(1−percentile), the log axis that stretches the tail.

use std::fmt::Write as _;

use crate::metrics::LatencyHistogram;

/// Ticks per halving of the distance to 100%, as HdrHistogram's own output uses by default.
const TICKS_PER_HALF_DISTANCE: u32 = 5;

pub fn render(h: &LatencyHistogram) -> Vec<u8> {
    let mut out = String::new();
    let _ = write!(
        out,
        "{:>12} {:>14} {:>10} {:>14}\n\n",
        "Value", "Percentile", "TotalCount", "1/(1-Percentile)"
    );
    for step in h.distribution(TICKS_PER_HALF_DISTANCE) {
        if step.quantile < 1.0 {
            let _ = writeln!(
                out,
                "{:12.3} {:2.12} {:10} {:14.2}",
                step.value_ms,
                step.quantile,
                step.count_to,
                1.0 / (1.0 - step.quantile)
            );
        } else {
            // At 100% the last column would be infinite: HdrHistogram leaves it out.
            let _ = writeln!(
                out,
                "{:12.3} {:2.12} {:10}",
                step.value_ms, step.quantile, step.count_to
            );
        }
    }
    let (buckets, sub_buckets) = h.layout();
    let _ = writeln!(
        out,
        "#[Mean    = {:12.3}, StdDeviation   = {:12.3}]",
        h.mean_ms(),
        h.stdev_ms()
    );
    let _ = writeln!(
        out,
        "#[Max     = {:12.3}, Total count    = {:12}]",
        h.max_ms(),
        h.count()
    );
    let _ = writeln!(
        out,
        "#[Buckets = {buckets:12}, SubBuckets     = {sub_buckets:12}]"
    );
    out.into_bytes()
}

/// The file name for a request's histogram: `latency-<name>.hgrm`, with anything but ASCII
/// letters, digits, `-` and `_` replaced by `_` (a request name is free text; a file name must
/// not carry a path separator), and a numeric suffix when two names map to the same file.
pub fn file_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut taken: Vec<String> = vec!["latency.hgrm".into()];
    let mut out = Vec::new();
    for name in names {
        let safe: String = name
            .chars()
            .take(64)
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let mut file = format!("latency-{safe}.hgrm");
        let mut n = 2;
        while taken.contains(&file) {
            file = format!("latency-{safe}-{n}.hgrm");
            n += 1;
        }
        taken.push(file.clone());
        out.push(file);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_distribution_reads_like_hdrhistogram_output() {
        let mut h = LatencyHistogram::new();
        for ms in 1..=1000u64 {
            h.record(Duration::from_micros(ms * 100)); // 0.1 ms … 100 ms, uniform
        }
        let text = String::from_utf8(render(&h)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "       Value     Percentile TotalCount 1/(1-Percentile)"
        );
        assert_eq!(lines[1], "");
        assert_eq!(
            lines[2],
            "       0.100 0.000000000000          1           1.00"
        );
        // The median row: value 50 ms (3 significant digits), count 500, 1/(1-p) = 2.
        assert!(
            lines.contains(&"      50.015 0.500000000000        500           2.00"),
            "{text}"
        );
        // The last data row is the maximum at 100%, without the infinite column.
        let last = lines.iter().rev().find(|l| !l.starts_with('#')).unwrap();
        assert_eq!(*last, "     100.031 1.000000000000       1000");
        assert!(text.contains("#[Max     =      100.031, Total count    =         1000]"));
        assert!(text.contains("SubBuckets     =         2048]"));
        // Percentiles never decrease, and every value is within the recorded range.
        let rows: Vec<(f64, f64)> = lines[2..]
            .iter()
            .take_while(|l| !l.starts_with('#'))
            .map(|l| {
                let f: Vec<f64> = l.split_whitespace().map(|x| x.parse().unwrap()).collect();
                (f[0], f[1])
            })
            .collect();
        assert!(
            rows.windows(2)
                .all(|w| w[0].1 <= w[1].1 && w[0].0 <= w[1].0)
        );
        assert!(rows.len() > 40, "the tail gets its own points");
    }

    #[test]
    fn an_empty_histogram_is_a_header_and_a_footer() {
        let text = String::from_utf8(render(&LatencyHistogram::new())).unwrap();
        assert!(text.contains("Total count    =            0]"), "{text}");
        assert_eq!(text.lines().filter(|l| !l.starts_with('#')).count(), 2);
    }

    #[test]
    fn request_names_become_safe_distinct_file_names() {
        assert_eq!(
            file_names(["create order", "create/order", "../etc", "list"]),
            [
                "latency-create_order.hgrm",
                "latency-create_order-2.hgrm",
                "latency-___etc.hgrm",
                "latency-list.hgrm"
            ]
        );
    }
}
