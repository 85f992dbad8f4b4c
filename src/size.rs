//! Byte sizes as people write them (`"4MiB"`, `"512 KiB"`, `"2MB"`, `1048576`) and as loadproof
//! shows them, plus the bounds of `max_body`. Pure: the scenario validator and the command line
//! both parse with [`parse`], so the two accept exactly the same spellings.

/// How much of a response body is kept for the expectations that read it, unless `max_body`
/// says otherwise.
pub const DEFAULT_MAX_BODY: u64 = 1024 * 1024;
/// The largest `max_body`: a body kept whole per in-flight request must not be able to exhaust
/// the machine's memory (50 connections × 256 MiB is already 12.5 GiB at worst).
pub const MAX_MAX_BODY: u64 = 256 * 1024 * 1024;

const UNITS: &[(&str, u64)] = &[
    ("b", 1),
    ("kb", 1000),
    ("kib", 1024),
    ("mb", 1000 * 1000),
    ("mib", 1024 * 1024),
    ("gb", 1000 * 1000 * 1000),
    ("gib", 1024 * 1024 * 1024),
];

/// A size such as `4MiB`, `1.5 MiB`, `512KiB`, `2MB` or `1048576` (bytes), units
/// case-insensitive. Errors say what was expected.
pub fn parse(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = (&t[..split], t[split..].trim());
    let expected = "expected a size like \"4MiB\", \"512KiB\" or \"2MB\"";
    let n: f64 = number
        .parse()
        .map_err(|_| format!("invalid size {text:?}: {expected}"))?;
    let factor = if unit.is_empty() {
        1
    } else {
        UNITS
            .iter()
            .find(|(u, _)| u.eq_ignore_ascii_case(unit))
            .map(|(_, f)| *f)
            .ok_or_else(|| format!("invalid size {text:?}: unknown unit {unit:?} ({expected})"))?
    };
    let bytes = n * factor as f64;
    if !bytes.is_finite() || bytes > u64::MAX as f64 {
        return Err(format!("invalid size {text:?}: too large"));
    }
    Ok(bytes.round() as u64)
}

/// `parse`, then bounded to 1 byte ..= [`MAX_MAX_BODY`], for `max_body` and `--max-body`.
pub fn parse_max_body(text: &str) -> Result<u64, String> {
    check_max_body(parse(text)?)
}

/// The bounds of `max_body`, with a hint when it is out of them.
pub fn check_max_body(bytes: u64) -> Result<u64, String> {
    if bytes == 0 {
        Err("must be greater than zero".into())
    } else if bytes > MAX_MAX_BODY {
        Err(format!(
            "{} is more than the maximum of {} (each in-flight response may keep that much)",
            show(bytes),
            show(MAX_MAX_BODY)
        ))
    } else {
        Ok(bytes)
    }
}

/// `1 MiB`, `64 KiB`, `1.5 MiB`, `1000 bytes`.
pub fn show(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    const GIB: u64 = 1024 * 1024 * 1024;
    let scaled = |unit: u64, name: &str| {
        let v = bytes as f64 / unit as f64;
        if bytes % unit == 0 {
            format!("{} {name}", bytes / unit)
        } else {
            format!("{v:.1} {name}")
        }
    };
    if bytes >= GIB {
        scaled(GIB, "GiB")
    } else if bytes >= MIB {
        scaled(MIB, "MiB")
    } else if bytes >= KIB && bytes % KIB == 0 {
        scaled(KIB, "KiB")
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sizes_with_and_without_units() {
        assert_eq!(parse("4MiB"), Ok(4 * 1024 * 1024));
        assert_eq!(parse("4 mib"), Ok(4 * 1024 * 1024));
        assert_eq!(parse("512KiB"), Ok(512 * 1024));
        assert_eq!(parse("2MB"), Ok(2_000_000));
        assert_eq!(parse("1.5MiB"), Ok(1024 * 1024 * 3 / 2));
        assert_eq!(parse("1048576"), Ok(1024 * 1024));
        assert_eq!(parse("10b"), Ok(10));
        assert!(parse("4 parsecs").unwrap_err().contains("unknown unit"));
        assert!(parse("MiB").unwrap_err().contains("expected a size"));
        assert!(parse("").is_err());
        assert!(parse("1.2.3MiB").is_err());
    }

    #[test]
    fn max_body_is_bounded() {
        assert_eq!(parse_max_body("256MiB"), Ok(MAX_MAX_BODY));
        let over = parse_max_body("257MiB").unwrap_err();
        assert!(
            over.contains("257 MiB") && over.contains("256 MiB"),
            "{over}"
        );
        assert!(
            parse_max_body("0")
                .unwrap_err()
                .contains("greater than zero")
        );
        assert!(parse_max_body("1GiB").is_err());
    }

    #[test]
    fn shows_sizes_in_the_largest_fitting_unit() {
        assert_eq!(show(DEFAULT_MAX_BODY), "1 MiB");
        assert_eq!(show(64 * 1024), "64 KiB");
        assert_eq!(show(1024 * 1024 * 3 / 2), "1.5 MiB");
        assert_eq!(show(1000), "1000 bytes");
        assert_eq!(show(MAX_MAX_BODY), "256 MiB");
    }
}
