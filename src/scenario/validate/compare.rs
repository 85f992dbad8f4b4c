//! `[compare]`: the regression budget applied by `loadproof compare --scenario` and
//! `run --baseline` (see `scenario::compare` for the vocabulary).

use super::Cx;
use crate::scenario::compare::{BudgetMetric, CompareSpec};
use crate::scenario::tree::{Entry, Kind};

impl Cx<'_> {
    pub(super) fn compare(&mut self, e: &Entry) -> Option<CompareSpec> {
        let table = self.table_of(e)?;
        let keys = CompareSpec::keys();
        self.check_keys(table, &keys, "[compare]");
        let mut spec = CompareSpec::default();
        let mut ok = true;
        for entry in table {
            let Some(metric) = BudgetMetric::ALL.into_iter().find(|m| m.key() == entry.key) else {
                continue; // reported by check_keys
            };
            let parsed = match &entry.value.kind {
                Kind::String(s) => metric.parse_limit(s),
                Kind::Integer(i) => metric.number(*i as f64).map(Some),
                Kind::Float(x) => metric.number(*x).map(Some),
                _ => {
                    self.type_err(entry, metric.expected());
                    ok = false;
                    continue;
                }
            };
            match parsed {
                Ok(limit) => spec.limits.push((metric, limit)),
                Err(message) => {
                    self.err_hint(
                        entry.value.span.clone(),
                        message,
                        format!("write e.g. `{} = {}`", metric.key(), metric.example()),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(spec)
    }
}
