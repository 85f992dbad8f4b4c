//! The largest a request body can render to, known before anything is sent: every placeholder
//! has a bounded rendering (`${uuid}` 36 bytes, `${seq}` and `${rand.int}` at most 20), so the
//! loader refuses a body that could exceed [`MAX_BODY_BYTES`] (a located error), and the
//! engine's memory stays bounded whatever the scenario says.

use super::model::{Body, JsonTemplate, Part, Template};

/// The largest request body a scenario may describe: 16 MiB.
pub const MAX_BODY_BYTES: u64 = 16 << 20;

/// Most bytes one part renders to (raw, before any JSON escaping).
fn part_max(p: &Part) -> u64 {
    match p {
        Part::Lit(s) | Part::Secret(s) => s.len() as u64,
        Part::Uuid => 36,
        // u64::MAX and i64::MIN are 20 characters.
        Part::Seq | Part::RandInt { .. } => 20,
        // Escaping can multiply a value by 6 (`\u0001`); a bound, not an estimate.
        Part::Flow { .. } => 6 * crate::scenario::data::MAX_CAPTURE as u64,
        Part::Data { .. } => 6 * crate::scenario::data::MAX_CELL as u64,
    }
}

fn template_max(t: &Template) -> u64 {
    t.parts.iter().map(part_max).fold(0, u64::saturating_add)
}

/// Bytes of `s` once escaped as a JSON string body (without the quotes), as serde_json writes it.
fn json_escaped(s: &str) -> u64 {
    s.chars()
        .map(|c| match c {
            '"' | '\\' | '\u{8}' | '\u{c}' | '\n' | '\r' | '\t' => 2,
            c if (c as u32) < 0x20 => 6,
            c => c.len_utf8() as u64,
        })
        .fold(0, u64::saturating_add)
}

fn json_string_max(t: &Template) -> u64 {
    let inner = t
        .parts
        .iter()
        .map(|p| match p {
            Part::Lit(s) | Part::Secret(s) => json_escaped(s),
            other => part_max(other),
        })
        .fold(0, u64::saturating_add);
    inner.saturating_add(2)
}

fn json_max(j: &JsonTemplate) -> u64 {
    match j {
        JsonTemplate::Null => 4,
        JsonTemplate::Bool(_) => 5,
        JsonTemplate::Number(n) => n.to_string().len() as u64,
        JsonTemplate::String(t) => json_string_max(t),
        // Brackets, and a comma between items.
        JsonTemplate::Array(items) => items
            .iter()
            .map(|i| json_max(i).saturating_add(1))
            .fold(2, u64::saturating_add),
        // Braces; per field a quoted key, a colon and a comma.
        JsonTemplate::Object(fields) => fields
            .iter()
            .map(|(k, v)| {
                json_escaped(k)
                    .saturating_add(4)
                    .saturating_add(json_max(v))
            })
            .fold(2, u64::saturating_add),
    }
}

/// An upper bound of the bytes `body` renders to (exact for a body without placeholders, up
/// to the separators).
pub(crate) fn max_len(body: &Body) -> u64 {
    match body {
        Body::None => 0,
        Body::Raw(t) => template_max(t),
        Body::Json(j) => json_max(j),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> Part {
        Part::Lit(s.to_string())
    }

    #[test]
    fn bound_is_at_least_the_rendered_size() {
        let t = Template {
            parts: vec![lit("id-\"\n\u{1}é"), Part::Uuid, Part::Seq],
        };
        let j = JsonTemplate::Object(vec![
            ("a\"".into(), JsonTemplate::String(t.clone())),
            (
                "n".into(),
                JsonTemplate::Array(vec![JsonTemplate::Null, JsonTemplate::Bool(false)]),
            ),
        ]);
        let rendered = serde_json::json!({
            "a\"": format!("id-\"\n\u{1}é{}{}", uuid::Uuid::new_v4(), u64::MAX),
            "n": [null, false],
        });
        let actual = serde_json::to_vec(&rendered).unwrap().len() as u64;
        let bound = max_len(&Body::Json(j));
        assert!(bound >= actual, "bound {bound} < actual {actual}");
        assert!(
            bound <= actual + 8,
            "bound {bound} far above actual {actual}"
        );
        assert_eq!(
            max_len(&Body::Raw(t)),
            "id-\"\n\u{1}é".len() as u64 + 36 + 20
        );
        assert_eq!(max_len(&Body::None), 0);
    }
}
