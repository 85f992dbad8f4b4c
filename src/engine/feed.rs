//! Data feeders at run time: which row of a `[[data]]` table the next request or flow iteration
//! gets, in the feeder's order, shared by every worker thread.
//!
//! Sequential and unique feeders share one atomic cursor (one `fetch_add` per draw, as the
//! open-loop index does); a random feeder draws from the worker's own generator and only counts.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use rand::Rng;
use rand::rngs::SmallRng;

use crate::scenario::data::Table;
use crate::scenario::{DataOrder, DataSpec, Part, RequestSpec};

#[derive(Debug)]
pub struct Feeder {
    pub name: String,
    pub order: DataOrder,
    pub table: Arc<Table>,
    /// Draws so far (for unique: the next row to hand out).
    draws: AtomicU64,
    /// A unique feeder was asked for a row after its last one.
    exhausted: AtomicBool,
    /// `--segment I/N`: this instance's rows are those whose index ≡ I (mod N), so a unique
    /// file stays unique across the segments of a split run.
    slice: crate::plan::Segment,
    /// How many rows are this segment's.
    mine: usize,
}

/// No row drawn for this feeder: templates read the first row (the checks' requests, which are
/// sent outside any iteration, see a deterministic value).
pub const NO_ROW: usize = usize::MAX;

impl Feeder {
    pub fn new(spec: &DataSpec, slice: crate::plan::Segment) -> Feeder {
        Feeder {
            name: spec.name.clone(),
            order: spec.order,
            table: spec.table.clone(),
            draws: AtomicU64::new(0),
            exhausted: AtomicBool::new(false),
            slice,
            mine: slice.share(spec.table.rows.len() as u64) as usize,
        }
    }

    /// The next row's index, or `None` when a unique feeder has no row left (or this segment
    /// has no row at all).
    pub fn draw(&self, rng: &mut SmallRng) -> Option<usize> {
        let rows = self.mine;
        let n = self.draws.fetch_add(1, Ordering::Relaxed);
        let local = match self.order {
            _ if rows == 0 => None,
            DataOrder::Sequential => Some(n % rows as u64),
            DataOrder::Random => Some(rng.random_range(0..rows) as u64),
            DataOrder::Unique if n < rows as u64 => Some(n),
            DataOrder::Unique => None,
        };
        if local.is_none() {
            self.exhausted.store(true, Ordering::Relaxed);
        }
        local.map(|l| self.slice.global(l) as usize)
    }

    /// How many rows were handed out (at most this segment's row count for a unique feeder).
    pub fn used(&self) -> u64 {
        let n = self.draws.load(Ordering::Relaxed);
        match self.order {
            DataOrder::Unique => n.min(self.mine as u64),
            _ => n,
        }
    }

    /// The rows this instance may hand out (all of them without `--segment`).
    pub fn rows(&self) -> u64 {
        self.mine as u64
    }

    pub fn exhausted(&self) -> bool {
        self.exhausted.load(Ordering::Relaxed)
    }

    /// The cell `column` of `row` (the first row for [`NO_ROW`]).
    pub fn cell(&self, row: usize, column: usize) -> &serde_json::Value {
        let row = if row == NO_ROW { 0 } else { row };
        &self.table.rows[row][column]
    }
}

/// Draw one row from each feeder in `uses` into `rows` (indexed by feeder). `false` when a unique
/// feeder ran out: nothing may be sent with a row it does not have.
pub fn draw_rows(
    feeders: &[Feeder],
    uses: &[usize],
    rows: &mut [usize],
    rng: &mut SmallRng,
) -> bool {
    for &f in uses {
        match feeders[f].draw(rng) {
            Some(r) => rows[f] = r,
            None => return false,
        }
    }
    true
}

/// The feeders a request's templates read, in index order, without repeats.
pub fn used_by(spec: &RequestSpec, out: &mut Vec<usize>) {
    spec.each_part(&mut |p| {
        if let Part::Data { feeder, .. } = p
            && !out.contains(feeder)
        {
            out.push(*feeder);
        }
    });
    out.sort_unstable();
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use serde_json::json;

    fn feeder(order: DataOrder, rows: usize) -> Feeder {
        sliced(order, rows, crate::plan::Segment::WHOLE)
    }

    fn sliced(order: DataOrder, rows: usize, slice: crate::plan::Segment) -> Feeder {
        Feeder::new(
            &DataSpec {
                name: "d".into(),
                file: "d.csv".into(),
                order,
                table: Arc::new(Table {
                    columns: vec!["n".into()],
                    rows: (0..rows).map(|i| vec![json!(i.to_string())]).collect(),
                }),
            },
            slice,
        )
    }

    #[test]
    fn segments_deal_the_rows_out_so_unique_stays_unique() {
        let mut rng = SmallRng::seed_from_u64(3);
        let mut all = Vec::new();
        for index in 0..3 {
            let f = sliced(
                DataOrder::Unique,
                7,
                crate::plan::Segment { index, count: 3 },
            );
            while let Some(r) = f.draw(&mut rng) {
                all.push(r);
            }
            assert!(f.exhausted());
        }
        all.sort();
        assert_eq!(all, (0..7).collect::<Vec<_>>());
        // A segment beyond the row count has none: it is out of data from the start.
        let none = sliced(
            DataOrder::Sequential,
            2,
            crate::plan::Segment { index: 2, count: 3 },
        );
        assert_eq!(none.draw(&mut rng), None);
        assert!(none.exhausted());
    }

    #[test]
    fn sequential_wraps_unique_runs_out_random_stays_in_range() {
        let mut rng = SmallRng::seed_from_u64(1);
        let s = feeder(DataOrder::Sequential, 3);
        let seq: Vec<_> = (0..7).map(|_| s.draw(&mut rng).unwrap()).collect();
        assert_eq!(seq, [0, 1, 2, 0, 1, 2, 0]);
        assert!(!s.exhausted());

        let u = feeder(DataOrder::Unique, 2);
        assert_eq!(u.draw(&mut rng), Some(0));
        assert_eq!(u.draw(&mut rng), Some(1));
        assert!(!u.exhausted());
        assert_eq!(u.draw(&mut rng), None);
        assert!(u.exhausted());
        assert_eq!(u.used(), 2);

        let r = feeder(DataOrder::Random, 5);
        let mut seen = [false; 5];
        for _ in 0..200 {
            seen[r.draw(&mut rng).unwrap()] = true;
        }
        assert!(
            seen.iter().all(|s| *s),
            "200 random draws of 5 rows missed one: {seen:?}"
        );
        assert_eq!(r.used(), 200);
    }

    #[test]
    fn a_row_is_drawn_per_used_feeder_and_running_out_is_reported() {
        let mut rng = SmallRng::seed_from_u64(2);
        let feeders = [
            feeder(DataOrder::Sequential, 3),
            feeder(DataOrder::Unique, 1),
        ];
        let mut rows = [NO_ROW; 2];
        assert!(draw_rows(&feeders, &[0, 1], &mut rows, &mut rng));
        assert_eq!(rows, [0, 0]);
        assert!(!draw_rows(&feeders, &[1], &mut rows, &mut rng));
        assert_eq!(feeders[0].cell(NO_ROW, 0), &json!("0"));
    }
}
