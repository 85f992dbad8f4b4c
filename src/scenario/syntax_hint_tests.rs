//! Hints follow the file's syntax: a broken JSON scenario gets JSON examples, the same
//! mistakes in TOML get the TOML ones, unchanged.

use super::*;

fn diags(src: &str, format: Format) -> Vec<Diagnostic> {
    let origin = match format {
        Format::Toml => "t.toml",
        Format::Json => "t.json",
    };
    load_str(src, origin, format, &|_| None).unwrap_err().items
}

fn hints(src: &str, format: Format) -> Vec<String> {
    diags(src, format)
        .into_iter()
        .filter_map(|d| d.hint)
        .collect()
}

/// Broken JSON scenarios that reach, between them, every hint and message with a TOML
/// snippet or a table name.
const BROKEN_JSON: &[&str] = &[
    r#"{"target": "http://127.0.0.1:9"}"#,
    r#"{"requests": [], "load": {"rate": 1, "duration": "1s"}}"#,
    r#"{"target": "${vars.x}", "requests": {"name": "a"}, "load": {"rate": 1}}"#,
    r#"{"target": "http://h", "requests": 3, "load": {"users": 2, "rate": 1, "duration": "1s"}}"#,
    r#"{"target": "http://h", "requests": [{"path": "/", "expect": {"json": {"a": 1}, "headers": {"X": 3}}}, {"name": "b", "timeout": 5}],
       "load": {"stages": [{"durration": "30s"}, 3], "users": 3, "mode": "open", "start_rate": 1},
       "thresholds": [{"metric": "p99"}, {"max": "1s"}], "defaults": {"bogus": 1}, "vars": {"1x": "a"}}"#,
    r#"{"target": "http://h", "requests": [{"name": "a", "path": "/", "expect": {"json": [3, {"equals": 1}]}}],
       "load": {"mode": "closed", "stages": [{"duration": "1s"}], "duration": "1s"},
       "checks": {"idempotency": {"oracle": 3}, "error_format": {"profile": "schema"}, "rate_limit": {"quota": 3},
                  "pagination": {"page_param": 3}, "bogus": {}}}"#,
    r#"{"target": "http://h", "requests": [{"name": "a", "path": "/", "method": "POST"}],
       "load": {"rate": 1, "duration": "1s"},
       "checks": {"idempotency": {"request": "a", "oracle": {"kind": "get"}, "second_credential": {}},
                  "error_format": {"schema": "x.json", "probes": 3}}}"#,
    r#"{"target": "http://h", "load": {"rate": 1, "duration": "1s"}, "data": [{"file": 3}, {"name": "d"}],
       "flows": [{"steps": {"name": "s"}}, {"name": "f"}, {"name": "g", "steps": [{"name": "a", "path": "/${flow.id}",
                  "capture": {"id": {"status": false}, "x": 3}}, {"name": "b", "path": "/${data.c}"}]}]}"#,
    r#"{"target": "http://h", "load": {"rate": 1, "duration": "1s"}, "data": 3, "flows": 3}"#,
    r#"{"target": "http://h", "load": {"rate": 1, "duration": "1s"}, "requests": [{"name": "a", "path": "/",
       "expect": {"json": [{"pointer": "/a", "len": "x"}, {"pointer": "/b", "exists": false}, {"pointer": "/c", "one_of": 3},
                           {"pointer": "/d"}, {"pointer": "/e", "type": "nmber"}, {"pointer": "/f", "gt": "x"}, 3]}}]}"#,
];

/// A TOML snippet or table name: `key = value`, `[load]`, `[[requests]]`, "table".
fn toml_ism(text: &str) -> Option<&'static str> {
    let unquoted: String = text.split('"').step_by(2).collect::<Vec<_>>().join("\"\"");
    if unquoted.contains(" = ") {
        return Some("` = `");
    }
    if unquoted.contains("[[") {
        return Some("[[");
    }
    if unquoted.contains("table") {
        return Some("table");
    }
    if unquoted.contains("brackets") {
        return Some("brackets");
    }
    let bytes = unquoted.as_bytes();
    for (i, _) in unquoted.match_indices('[') {
        let after_word = i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        let name: String = unquoted[i + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
            .collect();
        if !after_word && !name.is_empty() && unquoted[i + 1 + name.len()..].starts_with(']') {
            return Some("[table]");
        }
    }
    None
}

#[test]
fn json_scenarios_get_no_toml_in_their_diagnostics() {
    let mut seen = 0;
    for src in BROKEN_JSON {
        for d in diags(src, Format::Json) {
            seen += 1;
            for text in [Some(&d.message), d.hint.as_ref()].into_iter().flatten() {
                assert_eq!(
                    toml_ism(text),
                    None,
                    "TOML in a JSON diagnostic: {text}\n{src}"
                );
            }
        }
    }
    assert!(seen > 30, "the broken files must reach many hints: {seen}");
    // The check itself catches TOML.
    for t in [
        "add e.g. `rate = 50`",
        "add a [load] table",
        "unknown key in [[requests]]",
        "in [checks.pagination]",
    ] {
        assert!(toml_ism(t).is_some(), "{t}");
    }
    assert_eq!(toml_ism("p99[list_orders] and \"a = b\""), None);
}

#[test]
fn a_missing_request_list_is_shown_in_json() {
    let h = hints(
        r#"{"target": "http://h", "load": {"rate": 1, "duration": "1s"}}"#,
        Format::Json,
    );
    assert!(
        h.iter()
            .any(|h| h.contains(r#"`"requests": [{"name": "list_orders", "path": "/orders"}]`"#)),
        "{h:?}"
    );
    let h = hints(
        r#"{"target": "http://h", "requests": {"name": "a"}, "load": {"rate": 1, "duration": "1s"}}"#,
        Format::Json,
    );
    assert!(
        h.iter()
            .any(|h| h.contains(r#""requests": [{"name": "list_orders""#)),
        "{h:?}"
    );
    let h = hints(
        r#"{"target": "http://h", "requests": [], "load": {"rate": 1}}"#,
        Format::Json,
    );
    assert!(h.iter().any(|h| h.contains(r#""requests": [{"#)), "{h:?}");
    assert!(
        h.iter()
            .any(|h| h == r#"add e.g. `"duration": "30s"` or `"requests": 10000`"#),
        "{h:?}"
    );
}

#[test]
fn the_same_mistakes_in_toml_keep_the_toml_hints() {
    let h = hints(
        "target = \"http://h\"\n[load]\nrate = 1\nduration = \"1s\"\n",
        Format::Toml,
    );
    assert_eq!(
        h,
        ["add at least one [[requests]] table with a `name` and a `path`"]
    );
    let h = hints(
        "target = \"http://h\"\n[requests]\nname = \"a\"\n[load]\nrate = 1\n",
        Format::Toml,
    );
    assert_eq!(
        h,
        [
            "write each request under its own [[requests]] header (two brackets)",
            "add e.g. `duration = \"30s\"` or `requests = 10000`"
        ]
    );
    let h = hints("target = \"http://h\"\nrequests = []\n", Format::Toml);
    assert_eq!(
        h,
        [
            "add a [load] table, e.g. `rate = 50` and `duration = \"30s\"`",
            "add a [[requests]] table with at least `name` and `path`",
        ]
    );
}
