//! `report.json`: the report value, pretty-printed. Its schema is `schema/report.schema.json`.

use super::model::Report;

pub fn render(report: &Report) -> Vec<u8> {
    // The model holds only strings, numbers, maps and vectors: serialization cannot fail.
    let mut out = serde_json::to_vec_pretty(report).unwrap_or_default();
    out.push(b'\n');
    out
}
