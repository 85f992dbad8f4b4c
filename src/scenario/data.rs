//! Data files for `[[data]]` feeders: a CSV file (first row: the column names) or a JSON Lines
//! file (one JSON object per line), read once into a [`Table`].
//!
//! Parsing is a pure function of the text, so it is tested without files; the validator reads the
//! file and turns an error here into a located diagnostic on the scenario's `file` value (the
//! message names the data file's own line).

use serde_json::Value;

/// The longest cell a data file may hold: a feeder supplies field values, not documents, and
/// this keeps every request body's size bounded before anything is sent.
pub const MAX_CELL: usize = 64 * 1024;
/// The longest value a flow captures (an id, a token, an ETag, a Location); longer fails the
/// capture, so a later step's size stays bounded.
pub const MAX_CAPTURE: usize = 8 * 1024;

/// The rows of a data file. Every row has one cell per column. CSV cells are strings; JSON Lines
/// cells keep their JSON type, so `"${data.amount}"` alone in a JSON body sends a number.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }
}

/// How a data file is read, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    JsonLines,
}

impl Format {
    pub fn of(file: &str) -> Option<Format> {
        let lower = file.to_ascii_lowercase();
        if lower.ends_with(".csv") {
            Some(Format::Csv)
        } else if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
            Some(Format::JsonLines)
        } else {
            None
        }
    }
}

/// Why a data file could not be read: the message (naming the data file's line where there is
/// one) and a hint.
#[derive(Debug, Clone, PartialEq)]
pub struct DataError {
    pub message: String,
    pub hint: String,
}

fn fail(message: String, hint: &str) -> DataError {
    DataError {
        message,
        hint: hint.to_string(),
    }
}

/// Parse `text` (the contents of `file`, named in messages).
pub fn parse(file: &str, text: &str, format: Format) -> Result<Table, DataError> {
    let table = match format {
        Format::Csv => csv_table(file, text)?,
        Format::JsonLines => jsonl_table(file, text)?,
    };
    for (i, row) in table.rows.iter().enumerate() {
        if let Some(c) = row.iter().position(|v| cell_text(v).len() > MAX_CELL) {
            return Err(fail(
                format!(
                    "data file {file}: row {} column {:?} is longer than {} KiB",
                    i + 1,
                    table.columns[c],
                    MAX_CELL / 1024
                ),
                "a data cell is a field value; keep large documents out of data files",
            ));
        }
    }
    if table.rows.is_empty() {
        return Err(fail(
            format!("data file {file} has no rows"),
            "a feeder needs at least one row under the column names",
        ));
    }
    Ok(table)
}

fn csv_table(file: &str, text: &str) -> Result<Table, DataError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let columns: Vec<String> = reader
        .headers()
        .map_err(|e| {
            fail(
                format!("data file {file}: {e}"),
                "the first row names the columns",
            )
        })?
        .iter()
        .map(|c| c.trim().to_string())
        .collect();
    check_columns(
        file,
        &columns,
        "the first row of a CSV file names the columns",
    )?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            let message = match e.kind() {
                csv::ErrorKind::UnequalLengths {
                    expected_len, len, ..
                } => format!(
                    "data file {file}:{line}: the row has {len} field(s), the header has {expected_len}"
                ),
                _ => format!("data file {file}:{line}: {e}"),
            };
            fail(
                message,
                "every row has one field per column; quote a field that contains a comma",
            )
        })?;
        rows.push(
            record
                .iter()
                .map(|c| Value::String(c.to_string()))
                .collect(),
        );
    }
    Ok(Table { columns, rows })
}

fn jsonl_table(file: &str, text: &str) -> Result<Table, DataError> {
    let mut columns: Vec<String> = Vec::new();
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let value: Value = serde_json::from_str(line).map_err(|e| {
            fail(
                format!("data file {file}:{n}: not valid JSON: {e}"),
                "a JSON Lines file has one JSON object per line",
            )
        })?;
        let Value::Object(map) = value else {
            return Err(fail(
                format!("data file {file}:{n}: expected a JSON object, found {value}"),
                "a JSON Lines file has one JSON object per line, e.g. {\"email\": \"a@example.com\"}",
            ));
        };
        if columns.is_empty() {
            columns = map.keys().cloned().collect();
            check_columns(file, &columns, "the first object's keys name the columns")?;
        }
        let mut row = Vec::with_capacity(columns.len());
        for c in &columns {
            match map.get(c) {
                Some(v) => row.push(v.clone()),
                None => {
                    return Err(fail(
                        format!("data file {file}:{n}: the object has no key {c:?}"),
                        "every line has the keys of the first line (the columns)",
                    ));
                }
            }
        }
        if let Some(extra) = map.keys().find(|k| !columns.contains(k)) {
            return Err(fail(
                format!(
                    "data file {file}:{n}: key {extra:?} is not a column (the first line has {})",
                    columns.join(", ")
                ),
                "every line has the same keys as the first line",
            ));
        }
        rows.push(row);
    }
    Ok(Table { columns, rows })
}

fn check_columns(file: &str, columns: &[String], hint: &str) -> Result<(), DataError> {
    if columns.is_empty() || columns.iter().all(String::is_empty) {
        return Err(fail(format!("data file {file} names no columns"), hint));
    }
    if let Some(c) = columns.iter().find(|c| c.is_empty()) {
        let _ = c;
        return Err(fail(
            format!("data file {file}: a column has an empty name"),
            hint,
        ));
    }
    for (i, c) in columns.iter().enumerate() {
        if columns[..i].contains(c) {
            return Err(fail(
                format!("data file {file}: column {c:?} is named twice"),
                "column names must be unique",
            ));
        }
    }
    Ok(())
}

/// A cell as the text a template inserts: a string as-is, anything else as JSON.
pub fn cell_text(v: &Value) -> std::borrow::Cow<'_, str> {
    match v {
        Value::String(s) => std::borrow::Cow::Borrowed(s),
        other => std::borrow::Cow::Owned(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn csv_rows_are_strings_under_the_header() {
        let t = parse(
            "c.csv",
            "email,amount\na@x.test,10\n\"b,c@x.test\",20\n",
            Format::Csv,
        )
        .unwrap();
        assert_eq!(t.columns, ["email", "amount"]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[1][0], json!("b,c@x.test"));
        assert_eq!(t.rows[0][1], json!("10"));
        assert_eq!(t.column("amount"), Some(1));
    }

    #[test]
    fn a_short_csv_row_names_its_line() {
        let e = parse("c.csv", "a,b\n1,2\n3\n", Format::Csv).unwrap_err();
        assert!(e.message.contains("c.csv:3"), "{}", e.message);
        assert!(
            e.message.contains("1 field(s), the header has 2"),
            "{}",
            e.message
        );
    }

    #[test]
    fn json_lines_keep_types_and_every_line_has_the_columns() {
        let t = parse(
            "d.jsonl",
            "{\"sku\":\"A-1\",\"qty\":2}\n\n{\"sku\":\"B\",\"qty\":3.5}\n",
            Format::JsonLines,
        )
        .unwrap();
        let (sku, qty) = (t.column("sku").unwrap(), t.column("qty").unwrap());
        assert_eq!(t.rows.len(), 2);
        assert_eq!(
            (&t.rows[0][sku], &t.rows[0][qty]),
            (&json!("A-1"), &json!(2))
        );
        assert_eq!(
            (&t.rows[1][sku], &t.rows[1][qty]),
            (&json!("B"), &json!(3.5))
        );
        let missing = parse("d.jsonl", "{\"a\":1}\n{\"b\":2}\n", Format::JsonLines).unwrap_err();
        assert!(
            missing.message.starts_with("data file d.jsonl:2"),
            "{}",
            missing.message
        );
        let not_obj = parse("d.jsonl", "[1]\n", Format::JsonLines).unwrap_err();
        assert!(not_obj.message.contains("expected a JSON object"));
        let bad = parse("d.jsonl", "{\"a\":1}\n{oops\n", Format::JsonLines).unwrap_err();
        assert!(bad.message.contains("d.jsonl:2: not valid JSON"));
    }

    #[test]
    fn empty_or_badly_named_files_are_refused() {
        assert!(
            parse("e.csv", "a,b\n", Format::Csv)
                .unwrap_err()
                .message
                .contains("no rows")
        );
        assert!(
            parse("e.csv", "a,a\n1,2\n", Format::Csv)
                .unwrap_err()
                .message
                .contains("named twice")
        );
        assert!(
            parse("e.jsonl", "", Format::JsonLines)
                .unwrap_err()
                .message
                .contains("no rows")
        );
    }

    #[test]
    fn format_from_extension() {
        assert_eq!(Format::of("x/users.CSV"), Some(Format::Csv));
        assert_eq!(Format::of("a.ndjson"), Some(Format::JsonLines));
        assert_eq!(Format::of("a.json"), None);
    }
}
