//! `max_body` in `[defaults]` and in a request: sizes parsed, bounds located. (The precedence,
//! `--max-body` > request > `[defaults]` > 1 MiB, is resolved and tested in `plan`.)

use super::*;

fn no_env(_: &str) -> Option<String> {
    None
}

fn scenario(defaults: &str, request: &str) -> String {
    format!(
        "target = \"reference\"\n[defaults]\n{defaults}\n[[requests]]\nname = \"big\"\npath = \
         \"/big\"\n{request}\n[[requests]]\nname = \"small\"\npath = \"/small\"\n[load]\nrate = \
         1\nduration = \"1s\"\n"
    )
}

fn load(src: &str) -> Result<Scenario, Diagnostics> {
    load_str(src, "t.toml", Format::Toml, &no_env)
}

#[test]
fn max_body_takes_sizes_and_byte_counts() {
    let s = load(&scenario("max_body = \"4MiB\"", "max_body = 2048")).unwrap();
    assert_eq!(s.defaults.max_body, Some(4 * 1024 * 1024));
    assert_eq!(s.requests[0].max_body, Some(2048));
    assert_eq!(s.requests[1].max_body, None);
    let json = r#"{"target": "reference", "defaults": {"max_body": "512KiB"},
        "requests": [{"name": "a", "path": "/a", "max_body": "1.5MiB"}],
        "load": {"rate": 1, "duration": "1s"}}"#;
    let s = load_str(json, "t.json", Format::Json, &no_env).unwrap();
    assert_eq!(s.defaults.max_body, Some(512 * 1024));
    assert_eq!(s.requests[0].max_body, Some(3 * 512 * 1024));
}

#[test]
fn a_bad_max_body_is_a_located_error_with_a_hint() {
    let src = scenario("max_body = \"300MiB\"", "max_body = \"4 parsecs\"");
    let d = load(&src).unwrap_err();
    let found: Vec<(usize, usize, &str, Option<&str>)> = d
        .items
        .iter()
        .map(|i| (i.line, i.col, i.message.as_str(), i.hint.as_deref()))
        .collect();
    assert_eq!(found.len(), 2, "{d}");
    // Line 3 `max_body = "300MiB"`: the value starts at column 12.
    assert_eq!((found[0].0, found[0].1), (3, 12), "{d}");
    assert!(
        found[0]
            .2
            .contains("300 MiB is more than the maximum of 256 MiB"),
        "{d}"
    );
    assert!(found[0].3.is_some_and(|h| h.contains("4MiB")), "{d}");
    assert_eq!((found[1].0, found[1].1), (7, 12), "{d}");
    assert!(found[1].2.contains("unknown unit \"parsecs\""), "{d}");
    for bad in ["max_body = 0", "max_body = -5", "max_body = true"] {
        let d = load(&scenario(bad, "")).unwrap_err();
        assert_eq!(d.items.len(), 1, "{bad}: {d}");
        assert_eq!(d.items[0].line, 3, "{bad}: {d}");
    }
    // A misspelled key gets the usual suggestion.
    let d = load(&scenario("max_bdy = \"4MiB\"", "")).unwrap_err();
    assert!(
        d.items[0].hint.as_deref() == Some("did you mean `max_body`?"),
        "{d}"
    );
}
