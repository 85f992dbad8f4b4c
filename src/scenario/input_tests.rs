//! Unit tests for hostile scenario input: huge lines, control characters in paths and headers,
//! `..` in paths, oversized bodies and files. No network.

use super::*;

fn env(name: &str) -> Option<String> {
    match name {
        "CRLF_TOKEN" => Some("abc\r\nX-Injected: 1".to_string()),
        "TAB_PATH" => Some("a\tb".to_string()),
        "PLAIN" => Some("plain-value".to_string()),
        _ => None,
    }
}

fn load(src: &str) -> Result<Scenario, Diagnostics> {
    load_str(src, "t.toml", Format::Toml, &env)
}

fn scenario(target: &str, request: &str) -> String {
    format!(
        "target = \"{target}\"\n[load]\nrate = 1\nrequests = 1\n[[requests]]\nname = \"r\"\n{request}\n"
    )
}

#[test]
fn a_diagnostic_past_column_65535_renders_a_window_of_the_line() {
    // One generated line of JSON with a typo at its end.
    let pad = "x".repeat(70_000);
    let src = format!(
        "{{\"description\": \"{pad}\", \"target\": \"reference\", \"load\": {{\"rate\": 1, \"requests\": 1}}, \"requests\": [{{\"name\": \"r\", \"path\": \"/\"}}], \"lod\": 1}}"
    );
    let d = load_str(&src, "big.json", Format::Json, &env).unwrap_err();
    let item = d
        .items
        .iter()
        .find(|i| i.message.contains("`lod`"))
        .unwrap();
    assert!(item.col > 65_535, "col {}", item.col);
    let text = d.to_string();
    assert!(text.contains(&format!("big.json:1:{}", item.col)), "{text}");
    assert!(
        text.len() < 2_000,
        "a window, not the whole line: {} bytes",
        text.len()
    );
    // The caret sits under the typo in the window.
    let lines: Vec<&str> = text.lines().collect();
    let at = lines.iter().position(|l| l.starts_with("1 | ")).unwrap();
    let caret = lines[at + 1].chars().position(|c| c == '^').unwrap();
    let shown: String = lines[at].chars().skip(caret).take(5).collect();
    assert_eq!(shown, "\"lod\"", "{text}");
    assert!(lines[at].contains('…'), "{text}");
}

#[test]
fn a_short_line_is_shown_whole() {
    let src = "name = 1\n";
    let d = load(src).unwrap_err();
    let text = d.to_string();
    assert!(text.contains("1 | name = 1\n"), "{text}");
    assert!(!text.contains('…'), "{text}");
}

#[test]
fn a_tab_cr_or_lf_in_a_path_is_a_located_error() {
    for (path, what) in [
        ("/orders\\tx", "a tab"),
        ("/a\\r\\nb", "carriage return"),
        ("/a\\nb", "line feed"),
    ] {
        let d = load(&scenario("reference", &format!("path = \"{path}\""))).unwrap_err();
        let item = d
            .items
            .iter()
            .find(|i| i.message.contains("`path` contains"));
        let item = item.unwrap_or_else(|| panic!("{path}: {d}"));
        assert!(item.message.contains(what), "{}", item.message);
        assert_eq!(item.line, 7, "{d}");
    }
    let d = load(&scenario("reference", "path = \"/x/${env.TAB_PATH}\"")).unwrap_err();
    assert!(
        d.items
            .iter()
            .any(|i| i.message.contains("`TAB_PATH`") && i.col == 12),
        "{d}"
    );
}

#[test]
fn a_line_break_from_the_environment_in_a_header_is_located_and_named_not_shown() {
    let src = scenario(
        "reference",
        "path = \"/\"\nheaders = { Authorization = \"Bearer ${env.CRLF_TOKEN}\" }",
    );
    let d = load(&src).unwrap_err();
    let text = d.to_string();
    let item = d
        .items
        .iter()
        .find(|i| i.message.contains("CRLF_TOKEN"))
        .unwrap();
    assert_eq!((item.line, item.col), (8, 37), "{text}");
    assert!(item.message.contains("header"), "{text}");
    assert!(
        !text.contains("X-Injected"),
        "the value is never shown: {text}"
    );
    // Through [secrets] and [defaults] too.
    let src = format!(
        "[secrets]\ntok = \"${{env.CRLF_TOKEN}}\"\n[defaults]\nheaders = {{ X-Key = \"${{secrets.tok}}\" }}\n{}",
        scenario("reference", "path = \"/\"")
    );
    let d = load(&src).unwrap_err();
    assert!(
        d.items.iter().any(|i| i.message.contains("secrets.tok")),
        "{d}"
    );
    assert!(!d.to_string().contains("X-Injected"), "{d}");
    // A literal escape in the file is caught as well; a body may hold line breaks.
    let d = load(&scenario(
        "reference",
        "path = \"/\"\nheaders = { X-A = \"a\\nb\" }",
    ))
    .unwrap_err();
    assert!(
        d.items
            .iter()
            .any(|i| i.message.contains("header value contains a line feed")),
        "{d}"
    );
    assert!(
        load(&scenario(
            "reference",
            "path = \"/\"\nbody = \"${env.CRLF_TOKEN}\""
        ))
        .is_ok()
    );
}

#[test]
fn dot_dot_out_of_the_base_path_is_a_located_warning() {
    let s = load(&scenario(
        "http://127.0.0.1:8080/api/v1",
        "path = \"/../../admin\"",
    ))
    .unwrap();
    let w = s.warnings.expect("a warning");
    assert_eq!(w.errors(), 0);
    let item = &w.items[0];
    assert_eq!(item.severity, Severity::Warning);
    assert_eq!((item.line, item.col), (7, 10), "{w}");
    assert!(item.message.contains("`/api/v1`"), "{w}");
    assert!(item.message.contains("it requests /admin"), "{w}");
    let text = w.to_string();
    assert!(text.starts_with("warning: "), "{text}");
    assert!(text.ends_with("warning: 1 warning in t.toml"), "{text}");
    // Inside the base path, or no `..` at all: no warning.
    for path in ["/a/../b", "/orders", "/x/..y"] {
        let s = load(&scenario(
            "http://127.0.0.1:8080/api",
            &format!("path = \"{path}\""),
        ))
        .unwrap();
        assert!(s.warnings.is_none(), "{path}");
    }
    // A warning does not hide errors: with an error too, the scenario is invalid.
    let d = load(&scenario("reference", "path = \"/../x\"\nweight = -1")).unwrap_err();
    assert_eq!(d.errors(), 1, "{d}");
}

#[test]
fn a_body_that_could_render_past_16_mib_is_a_located_error() {
    let big = "y".repeat(1 << 20);
    let with_body = |body: &str| {
        format!(
            "target = \"reference\"\n[vars]\nbig = \"{big}\"\n[load]\nrate = 1\nrequests = 1\n[[requests]]\nname = \"r\"\npath = \"/\"\n{body}\n"
        )
    };
    let d = load(&with_body(&format!(
        "body = \"{}\"",
        "${vars.big}".repeat(17)
    )))
    .unwrap_err();
    let item = d
        .items
        .iter()
        .find(|i| i.message.contains("16 MiB"))
        .unwrap();
    assert_eq!((item.line, item.col), (10, 1), "{}", item.message);
    assert_eq!(d.errors(), 1, "{}", item.message);
    let fits = with_body(&format!(
        "json = {{ a = \"{}\" }}",
        "${vars.big}".repeat(15)
    ));
    if let Err(d) = load(&fits) {
        panic!("{}", d.items[0].message);
    }
}

#[test]
fn the_scenario_file_is_read_through_a_bounded_reader() {
    let dir = std::env::temp_dir().join(format!("loadproof-size-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("huge.toml");
    std::fs::write(&path, vec![b'#'; (MAX_FILE_BYTES + 1) as usize]).unwrap();
    let e = super::load(&path).unwrap_err();
    assert!(matches!(e, LoadError::TooLarge { .. }), "{e}");
    let text = e.to_string();
    assert!(
        text.contains("huge.toml") && text.contains("16 MiB"),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
    // A device that never ends: read up to the limit, then refused.
    if std::path::Path::new("/dev/zero").exists() {
        let e = super::load(std::path::Path::new("/dev/zero")).unwrap_err();
        assert!(matches!(e, LoadError::TooLarge { .. }), "{e}");
    }
}

#[test]
fn a_password_in_the_target_is_a_secret() {
    let s = load(&scenario(
        "http://ann:pa55word@127.0.0.1:9/api",
        "path = \"/\"",
    ))
    .unwrap();
    assert!(s.secrets.iter().any(|v| v == "pa55word"), "{:?}", s.secrets);
    let d = load(&scenario(
        "http://ann:pa55word@127.0.0.1:9/api?x=1",
        "path = \"/\"",
    ))
    .unwrap_err();
    let item = d
        .items
        .iter()
        .find(|i| i.message.contains("invalid target"))
        .unwrap();
    assert!(!item.message.contains("pa55word"), "{}", item.message);
    let text = d.to_string();
    assert!(text.contains("http://ann:********@127.0.0.1"), "{text}");
    assert!(!text.contains("pa55word"), "{text}");
}
