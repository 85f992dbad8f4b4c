//! The body rules of `[requests.expect]` (`json` rules, `schema`) and `remove_headers`: what
//! they parse to, in TOML and JSON, and the located errors of each mistake.

use super::*;

fn no_env(_: &str) -> Option<String> {
    None
}

/// A scenario with one request whose `[requests.expect]` table is `expect` (TOML lines).
fn with_expect(expect: &str) -> String {
    format!(
        "target = \"reference\"\n[[requests]]\nname = \"get\"\npath = \"/orders/1\"\n\
         [requests.expect]\n{expect}\n[load]\nrate = 1\nduration = \"1s\"\n"
    )
}

fn load_at(src: &str, origin: &str) -> Result<Scenario, Diagnostics> {
    load_str(src, origin, Format::Toml, &no_env)
}

fn rules(src: &str) -> Vec<(String, JsonRule)> {
    match load_at(src, "t.toml") {
        Ok(s) => s.requests[0]
            .expect
            .json
            .iter()
            .map(|j| (j.pointer.clone(), j.rule.clone()))
            .collect(),
        Err(d) => panic!("expected a valid scenario, got:\n{d}"),
    }
}

/// The one diagnostic of `src`: `(line, col, message, hint)`.
fn one_error(src: &str) -> (usize, usize, String, Option<String>) {
    let d = load_at(src, "t.toml").expect_err("expected an error");
    assert_eq!(d.items.len(), 1, "{d}");
    let i = &d.items[0];
    (i.line, i.col, i.message.clone(), i.hint.clone())
}

#[test]
fn each_rule_parses_and_rules_on_one_pointer_combine() {
    let got = rules(&with_expect(
        r#"json = [
  { pointer = "/id", type = "string", matches = "^[0-9a-f-]{36}$" },
  { pointer = "/amount", type = "integer", gt = 0, le = 1000 },
  { pointer = "/items", len = { ge = 1, le = 10 } },
  { pointer = "/tags", len = 2 },
  { pointer = "/status", one_of = ["pending", "paid"] },
  { pointer = "/ok", exists = true, equals = true },
]"#,
    ));
    let b = |gt, ge, lt, le| Bounds { gt, ge, lt, le };
    assert_eq!(
        got,
        [
            ("/id".into(), JsonRule::Matches("^[0-9a-f-]{36}$".into())),
            ("/id".into(), JsonRule::Type(JsonType::String)),
            ("/amount".into(), JsonRule::Type(JsonType::Integer)),
            (
                "/amount".into(),
                JsonRule::Range(b(Some(0.0), None, None, Some(1000.0)))
            ),
            (
                "/items".into(),
                JsonRule::Len(b(None, Some(1.0), None, Some(10.0)))
            ),
            (
                "/tags".into(),
                JsonRule::Len(b(None, Some(2.0), None, Some(2.0)))
            ),
            (
                "/status".into(),
                JsonRule::OneOf(vec!["pending".into(), "paid".into()])
            ),
            ("/ok".into(), JsonRule::Exists),
            ("/ok".into(), JsonRule::Equals(true.into())),
        ]
    );
}

#[test]
fn the_rules_work_in_a_json_scenario_too() {
    let src = r#"{"target": "reference",
      "requests": [{"name": "get", "path": "/orders/1", "expect": {"json": [
        {"pointer": "/id", "type": "string", "matches": "^o"},
        {"pointer": "/n", "ge": 1.5, "lt": 2},
        {"pointer": "/items", "len": {"gt": 0}},
        {"pointer": "/s", "one_of": [1, null]}]}}],
      "load": {"rate": 1, "duration": "1s"}}"#;
    let s = load_str(src, "t.json", Format::Json, &no_env).unwrap();
    assert_eq!(s.requests[0].expect.json.len(), 5);
    assert_eq!(
        s.requests[0].expect.json[2].rule,
        JsonRule::Range(Bounds {
            ge: Some(1.5),
            lt: Some(2.0),
            ..Bounds::default()
        })
    );
}

#[test]
fn a_bad_regex_is_located_on_its_value() {
    let (line, col, msg, hint) = one_error(&with_expect(
        r#"json = [{ pointer = "/id", matches = "([a-z]" }]"#,
    ));
    assert_eq!((line, col), (6, 38), "{msg}");
    assert!(
        msg.starts_with("invalid regular expression for `matches`"),
        "{msg}"
    );
    assert!(hint.unwrap().contains("regex"));
}

#[test]
fn an_unknown_type_name_suggests_the_nearest() {
    let (line, col, msg, hint) = one_error(&with_expect(
        r#"json = [{ pointer = "/id", type = "strng" }]"#,
    ));
    assert_eq!((line, col), (6, 35), "{msg}");
    assert!(msg.contains("invalid value \"strng\" for `type`"), "{msg}");
    assert_eq!(hint.as_deref(), Some("did you mean \"string\"?"));
    // An unknown key keeps its "did you mean".
    let (_, _, msg, hint) = one_error(&with_expect(r#"json = [{ pointer = "/id", lenght = 3 }]"#));
    assert!(msg.contains("unknown key `lenght`"), "{msg}");
    assert_eq!(hint.as_deref(), Some("did you mean `len`?"));
}

#[test]
fn mistakes_in_bounds_len_and_one_of_are_located() {
    for (expect, needle) in [
        (
            r#"json = [{ pointer = "/n", gt = 10, lt = 5 }]"#,
            "no value can meet the bounds > 10, < 5",
        ),
        (
            r#"json = [{ pointer = "/n", ge = 3, lt = 3 }]"#,
            "no value can meet",
        ),
        (
            r#"json = [{ pointer = "/n", gt = "1" }]"#,
            "wrong type for `gt`: expected a number",
        ),
        (
            r#"json = [{ pointer = "/n", len = -1 }]"#,
            "`len` must be at least 0",
        ),
        (
            r#"json = [{ pointer = "/n", len = { gt = 2, lt = 3 } }]"#,
            "no value can meet the bounds > 2, < 3",
        ),
        (
            r#"json = [{ pointer = "/n", len = { ge = 1.5 } }]"#,
            "wrong type for `ge`",
        ),
        (
            r#"json = [{ pointer = "/n", len = {} }]"#,
            "`len` needs an exact length or at least one bound",
        ),
        (
            r#"json = [{ pointer = "/n", len = { min = 1 } }]"#,
            "unknown key `min` in a `len` table",
        ),
        (
            r#"json = [{ pointer = "/n", one_of = [] }]"#,
            "`one_of` is empty",
        ),
        (
            r#"json = [{ pointer = "/n", one_of = "a" }]"#,
            "wrong type for `one_of`",
        ),
        (
            r#"json = [{ pointer = "/n" }]"#,
            "needs at least one rule besides `pointer`",
        ),
        (
            r#"json = [{ pointer = "/n", exists = false }]"#,
            "`exists = false` is not supported",
        ),
    ] {
        let d = load_at(&with_expect(expect), "t.toml").expect_err(expect);
        assert!(
            d.items
                .iter()
                .any(|i| i.message.contains(needle) && i.line == 6),
            "{expect}: wanted {needle:?} on line 6, got:\n{d}"
        );
    }
}

#[test]
fn schema_is_read_and_compiled_at_load_relative_to_the_scenario() {
    let dir = std::env::temp_dir().join(format!("loadproof-expect-schema-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("order.json"),
        r#"{"type": "object", "required": ["id"]}"#,
    )
    .unwrap();
    std::fs::write(dir.join("broken.json"), "{ not json").unwrap();
    std::fs::write(dir.join("invalid.json"), r#"{"type": 12}"#).unwrap();
    let origin = dir.join("s.toml").display().to_string();
    let s = load_at(&with_expect(r#"schema = "order.json""#), &origin).unwrap();
    let schema = s.requests[0].expect.schema.as_ref().expect("a schema");
    assert_eq!(schema.path, "order.json");
    assert!(schema.validator.is_valid(&serde_json::json!({"id": 1})));
    assert!(!schema.validator.is_valid(&serde_json::json!({})));
    for (file, needle) in [
        ("missing.json", "cannot read the response schema"),
        ("broken.json", "is not JSON"),
        ("invalid.json", "is not a valid JSON Schema"),
    ] {
        let d = load_at(&with_expect(&format!("schema = {file:?}")), &origin).unwrap_err();
        assert_eq!(d.items.len(), 1, "{d}");
        let i = &d.items[0];
        assert_eq!((i.line, i.col), (6, 10), "{d}");
        assert!(
            i.message.contains(needle) && i.message.contains(file),
            "{d}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A scenario with `[defaults] headers` and one request with `remove_headers = <remove>`.
fn with_defaults(remove: &str) -> String {
    format!(
        "target = \"reference\"\n[defaults]\nheaders = {{ X-Tenant = \"t1\", Accept-Language = \"fr\" }}\n\
         [[requests]]\nname = \"anon\"\npath = \"/orders\"\nremove_headers = {remove}\n\
         [[requests]]\nname = \"other\"\npath = \"/orders\"\n\
         [load]\nrate = 1\nduration = \"1s\"\n"
    )
}

#[test]
fn remove_headers_names_default_headers_or_authorization() {
    let s = load_at(&with_defaults(r#"["x-tenant", "Authorization"]"#), "t.toml").unwrap();
    assert_eq!(s.requests[0].remove_headers, ["x-tenant", "Authorization"]);
    assert!(s.requests[0].removes("X-TENANT") && s.requests[0].removes("authorization"));
    assert!(!s.requests[1].removes("X-Tenant"));
    // The plan leaves the removed defaults out of that request only.
    let plan = crate::plan::RunPlan::resolve(crate::cli::RunArgs::default(), Some(s)).unwrap();
    let names = |i: usize| -> Vec<String> {
        plan.requests[i]
            .headers
            .iter()
            .map(|(n, _)| n.clone())
            .collect()
    };
    assert_eq!(names(0), ["Accept-Language"]);
    assert_eq!(names(1), ["X-Tenant", "Accept-Language"]);

    let (line, col, msg, hint) = one_error(&with_defaults(r#"["X-Tenat"]"#));
    assert_eq!((line, col), (7, 19), "{msg}");
    assert!(
        msg.contains("names `X-Tenat`, which is not a default header"),
        "{msg}"
    );
    assert_eq!(hint.as_deref(), Some("did you mean `X-Tenant`?"));
    let (_, _, msg, _) = one_error(&with_defaults(r#""Authorization""#));
    assert!(msg.contains("wrong type for `remove_headers`"), "{msg}");
    let (_, _, msg, _) = one_error(&with_defaults(r#"["bad name"]"#));
    assert!(msg.contains("invalid header name"), "{msg}");
    // The request's own header is sent whatever `remove_headers` says.
    let own = with_defaults(r#"["Authorization"]"#).replace(
        "path = \"/orders\"\nremove_headers",
        "path = \"/orders\"\nheaders = { Authorization = \"Bearer x\" }\nremove_headers",
    );
    let (line, _, msg, hint) = one_error(&own);
    assert_eq!(line, 8, "{msg}");
    assert!(
        msg.contains("request `anon` sets `Authorization` in its own `headers`"),
        "{msg}"
    );
    assert!(hint.unwrap().contains("only drops defaults"));
}

#[test]
fn a_flow_step_takes_remove_headers_and_the_new_rules() {
    let src = r#"target = "reference"
[defaults]
headers = { X-Tenant = "t1" }
[load]
users = 1
duration = "1s"
[[flows]]
name = "lifecycle"
  [[flows.steps]]
  name = "read"
  path = "/orders"
  remove_headers = ["X-Tenant"]
  expect = { json = [{ pointer = "/data", type = "array", len = { le = 5 } }] }
"#;
    let s = load_at(src, "t.toml").unwrap_or_else(|d| panic!("{d}"));
    let step = &s.requests[s.flows[0].steps[0].request];
    assert_eq!(step.name, "lifecycle.read");
    assert_eq!(step.remove_headers, ["X-Tenant"]);
    assert_eq!(step.expect.json.len(), 2);
}
