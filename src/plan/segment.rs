//! Execution segments (`--segment I/N`): instance I of N takes a deterministic share of the load,
//! so that N instances together offer exactly the unsegmented load.
//!
//! Every share is an interleaving by index, never a block: open-loop arrival *k* belongs to
//! segment `k mod N` (so each segment's arrivals stay evenly spread over the whole schedule,
//! ramps included), and counts (users per stage, connections, a request bound, `${seq}` values,
//! data rows) are dealt the same way: segment I gets the items whose index ≡ I (mod N). Which
//! instance runs each once-only check family is decided here too, so the rule lives in one place.

use std::fmt;

/// `--segment I/N`: this instance is I (0-based, as Kubernetes' `JOB_COMPLETION_INDEX`) of N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub index: u32,
    pub count: u32,
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The largest N: a segment is a machine's share, and a merge reads N report folders.
pub const MAX_SEGMENTS: u32 = 10_000;

impl Segment {
    /// The whole load: what a run without `--segment` is.
    pub const WHOLE: Segment = Segment { index: 0, count: 1 };

    /// Parse `I/N` with 0 ≤ I < N.
    pub fn parse(text: &str) -> Result<Segment, String> {
        let hint = "write --segment I/N with 0 <= I < N, e.g. --segment 0/4 (Kubernetes: --segment $(JOB_COMPLETION_INDEX)/4)";
        let (i, n) = text
            .split_once('/')
            .ok_or_else(|| format!("--segment {text:?} is not I/N\n  hint: {hint}"))?;
        let parse = |s: &str| s.trim().parse::<u32>().ok();
        match (parse(i), parse(n)) {
            (Some(index), Some(count)) if count >= 1 && index < count && count <= MAX_SEGMENTS => {
                Ok(Segment { index, count })
            }
            (Some(_), Some(count)) if count > MAX_SEGMENTS => Err(format!(
                "--segment {text:?}: at most {MAX_SEGMENTS} segments\n  hint: {hint}"
            )),
            (Some(index), Some(count)) => Err(format!(
                "--segment {text:?}: the index {index} is not below the count {count} (indexes start at 0)\n  hint: {hint}"
            )),
            _ => Err(format!(
                "--segment {text:?} is not two whole numbers\n  hint: {hint}"
            )),
        }
    }

    pub fn is_whole(self) -> bool {
        self.count == 1
    }

    /// This segment's share of `total` items dealt round-robin: the items i ≡ index (mod count).
    pub fn share(self, total: u64) -> u64 {
        let (i, n) = (u64::from(self.index), u64::from(self.count));
        total / n + u64::from(i < total % n)
    }

    /// The global index of this segment's `local`-th item.
    pub fn global(self, local: u64) -> u64 {
        local * u64::from(self.count) + u64::from(self.index)
    }

    /// How many of the global indices `0..global` are this segment's.
    pub fn local_before(self, global: u64) -> u64 {
        let (i, n) = (u64::from(self.index), u64::from(self.count));
        if global <= i {
            0
        } else {
            (global - i).div_ceil(n)
        }
    }

    /// Whether this segment runs the once-only check family at `position` in the run's list of
    /// active families: family k runs in segment k mod N, so N segments share the families out
    /// and every family runs exactly once.
    pub fn owns_family(self, position: usize) -> bool {
        position as u64 % u64::from(self.count) == u64::from(self.index)
    }

    /// The segment that runs the family at `position`.
    pub fn owner_of(self, position: usize) -> u32 {
        (position as u64 % u64::from(self.count)) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_i_of_n_with_located_reasons() {
        assert_eq!(Segment::parse("2/4"), Ok(Segment { index: 2, count: 4 }));
        assert_eq!(Segment::parse("0/1"), Ok(Segment::WHOLE));
        assert!(
            Segment::parse("4/4")
                .unwrap_err()
                .contains("not below the count")
        );
        assert!(Segment::parse("1/0").unwrap_err().contains("not below"));
        assert!(
            Segment::parse("a/4")
                .unwrap_err()
                .contains("not two whole numbers")
        );
        assert!(Segment::parse("3").unwrap_err().contains("is not I/N"));
        assert!(Segment::parse("0/10001").unwrap_err().contains("at most"));
    }

    #[test]
    fn shares_add_up_and_interleave() {
        for total in [0u64, 1, 3, 7, 100, 1001] {
            for n in 1..=6u32 {
                let segs: Vec<Segment> = (0..n).map(|index| Segment { index, count: n }).collect();
                assert_eq!(
                    segs.iter().map(|s| s.share(total)).sum::<u64>(),
                    total,
                    "{total}/{n}"
                );
                // Every global index belongs to exactly one segment.
                let mut seen = vec![0u32; total as usize];
                for s in &segs {
                    for local in 0..s.share(total) {
                        seen[s.global(local) as usize] += 1;
                    }
                    assert_eq!(s.local_before(total), s.share(total));
                }
                assert!(seen.iter().all(|&c| c == 1), "{total}/{n}: {seen:?}");
            }
        }
    }

    #[test]
    fn each_family_has_exactly_one_owner() {
        for n in 1..=5u32 {
            for position in 0..9 {
                let owners = (0..n)
                    .filter(|&index| Segment { index, count: n }.owns_family(position))
                    .count();
                assert_eq!(owners, 1);
            }
        }
    }
}
