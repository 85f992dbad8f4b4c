//! `[[flows]]` with steps and captures, `[[data]]` feeders, and the `${flow.*}` / `${data.*}`
//! placeholders: what loads, and the located error of each mistake.

use super::*;

fn no_env(_: &str) -> Option<String> {
    None
}

/// A scratch folder holding `files`; the scenario is loaded as if it were `DIR/s.toml`.
fn with_files(tag: &str, files: &[(&str, &str)]) -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("loadproof-flow-tests-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, content) in files {
        std::fs::write(dir.join(name), content).unwrap();
    }
    dir
}

fn load_in(dir: &std::path::Path, src: &str) -> Result<Scenario, Diagnostics> {
    let origin = dir.join("s.toml").display().to_string();
    load_str(src, &origin, Format::Toml, &no_env)
}

const HEAD: &str = "target = \"reference\"\n[load]\nusers = 1\nduration = \"1s\"\n";

const FLOW: &str = r#"
[[data]]
file = "people.csv"
order = "unique"

[[flows]]
name = "life"
weight = 2

  [[flows.steps]]
  name = "create"
  method = "POST"
  path = "/orders"
  json = { customer = "${data.customer}", n = "${data.n}" }
  capture.id = { json = "/id" }
  capture.where = { header = "Location" }

  [[flows.steps]]
  name = "read"
  path = "/orders/${flow.id}"
  capture.code = { status = true }

  [[flows.steps]]
  name = "delete"
  method = "DELETE"
  path = "/orders/${flow.where}"
"#;

#[test]
fn a_flow_loads_as_steps_named_flow_dot_step_with_captures_and_data() {
    let dir = with_files("ok", &[("people.csv", "customer,n\nada,1\ngrace,2\n")]);
    let s = load_in(&dir, &format!("{HEAD}{FLOW}")).unwrap();
    // No [[requests]]: a scenario of flows only is valid.
    let names: Vec<&str> = s.requests.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["life.create", "life.read", "life.delete"]);
    assert!(
        s.requests.iter().all(|r| r.weight == 0),
        "steps are sent by their flow only"
    );
    assert_eq!(s.flows.len(), 1);
    let f = &s.flows[0];
    assert_eq!((f.name.as_str(), f.weight), ("life", 2));
    assert_eq!(f.vars, ["id", "where", "code"]);
    assert_eq!(
        f.steps[0].captures,
        vec![
            Capture {
                var: "id".into(),
                slot: 0,
                from: CaptureFrom::Json("/id".into())
            },
            Capture {
                var: "where".into(),
                slot: 1,
                from: CaptureFrom::Header("Location".into())
            },
        ]
    );
    assert_eq!(f.steps[1].captures[0].from, CaptureFrom::Status);
    assert_eq!(s.requests[1].path.parts[1], Part::Flow { slot: 0 });
    assert_eq!(s.requests[2].path.parts[1], Part::Flow { slot: 1 });
    assert_eq!(s.data.len(), 1);
    assert_eq!(
        (s.data[0].name.as_str(), s.data[0].order),
        ("people", DataOrder::Unique)
    );
    assert_eq!(s.data[0].table.rows.len(), 2);
    let Body::Json(JsonTemplate::Object(fields)) = &s.requests[0].body else {
        panic!("a JSON body");
    };
    assert_eq!(
        fields[0].1,
        JsonTemplate::String(Template {
            parts: vec![Part::Data {
                feeder: 0,
                column: 0
            }]
        })
    );
}

/// Every diagnostic as `line: message | hint`.
fn errors(dir: &std::path::Path, src: &str) -> Vec<String> {
    let d = load_in(dir, src).unwrap_err();
    d.items
        .iter()
        .map(|i| {
            format!(
                "{}: {} | {}",
                i.line,
                i.message,
                i.hint.as_deref().unwrap_or("")
            )
        })
        .collect()
}

#[test]
fn flow_variables_must_be_captured_by_an_earlier_step() {
    let dir = with_files("vars", &[]);
    let src = format!(
        "{HEAD}[[flows]]\nname = \"f\"\n[[flows.steps]]\nname = \"a\"\npath = \"/x/${{flow.id}}\"\n\
         [[flows.steps]]\nname = \"b\"\npath = \"/o\"\ncapture.id = {{ json = \"/id\" }}\n\
         [[flows.steps]]\nname = \"c\"\npath = \"/y/${{flow.idd}}\"\n\
         [[requests]]\nname = \"r\"\npath = \"/${{flow.id}}\"\n"
    );
    let e = errors(&dir, &src);
    assert_eq!(e.len(), 3, "{e:#?}");
    assert!(
        e.iter()
            .any(|m| m.starts_with("9: `${flow.id}` is used before it is captured in flow `f`")),
        "{e:#?}"
    );
    assert!(
        e.iter().any(
            |m| m.starts_with("16: no earlier step of flow `f` captures `idd`")
                && m.contains("did you mean `${flow.id}`?")
        ),
        "{e:#?}"
    );
    assert!(
        e.iter()
            .any(|m| m
                .starts_with("19: `${flow.id}` is only defined in the steps of a [[flows]] entry")),
        "{e:#?}"
    );
}

#[test]
fn capture_and_step_mistakes_are_located() {
    let dir = with_files("caps", &[]);
    let src = format!(
        "{HEAD}[[flows]]\nname = \"f\"\n[[flows.steps]]\nname = \"a\"\npath = \"/x\"\nweight = 3\n\
         capture.id = {{ json = \"id\" }}\ncapture.both = {{ json = \"/a\", header = \"B\" }}\n\
         capture.st = {{ stauts = true }}\n"
    );
    let e = errors(&dir, &src);
    let has = |line: usize, text: &str| {
        e.iter()
            .any(|m| m.starts_with(&format!("{line}: ")) && m.contains(text))
    };
    assert!(
        has(10, "unknown key `weight` in step `a` of flow `f`"),
        "{e:#?}"
    );
    assert!(has(11, "invalid JSON pointer \"id\""), "{e:#?}");
    assert!(
        has(12, "must take exactly one of `json`, `header` or `status`"),
        "{e:#?}"
    );
    assert!(
        has(13, "unknown key `stauts`") && has(13, "did you mean `status`?"),
        "{e:#?}"
    );
    assert_eq!(e.len(), 4, "one error per mistake: {e:#?}");
    let twice = format!(
        "{HEAD}[[flows]]\nname = \"f\"\n[[flows.steps]]\nname = \"a\"\npath = \"/x\"\n\
         [[flows.steps]]\nname = \"a\"\npath = \"/y\"\n[[requests]]\nname = \"f.b\"\npath = \"/\"\n\
         [[flows]]\nname = \"f\"\n[[flows.steps]]\nname = \"b\"\npath = \"/z\"\n"
    );
    let e = errors(&dir, &twice);
    assert_eq!(
        e,
        [
            "11: flow `f` has two steps named `a` | step names must be unique within a flow",
            "19: step `b` of flow `f` is reported as `f.b`, which is already a request name (line 14) | rename the step or the request",
        ]
    );
    let two_flows = format!(
        "{HEAD}[[flows]]\nname = \"f\"\n[[flows.steps]]\nname = \"a\"\npath = \"/x\"\n\
         [[flows]]\nname = \"f\"\n[[flows.steps]]\nname = \"b\"\npath = \"/z\"\n"
    );
    assert_eq!(
        errors(&dir, &two_flows),
        ["11: two flows are named `f` | flow names must be unique"]
    );
}

#[test]
fn data_files_are_read_once_with_located_errors() {
    let dir = with_files(
        "data",
        &[
            ("a.csv", "email,plan\nx@t,pro\n"),
            ("b.jsonl", "{\"email\":\"y@t\",\"n\":1}\n"),
            ("bad.csv", "a,b\n1\n"),
        ],
    );
    let req = |path: &str| format!("[[requests]]\nname = \"r\"\npath = \"{path}\"\n");
    // A missing file, a bad row, an unknown extension: each on its `file` value.
    let src = format!(
        "{HEAD}[[data]]\nfile = \"missing.csv\"\n[[data]]\nfile = \"bad.csv\"\n[[data]]\nfile = \"x.txt\"\n{}",
        req("/")
    );
    let e = errors(&dir, &src);
    assert!(
        e.iter().any(|m| m.starts_with("6: cannot read data file")
            && m.contains("relative to the scenario file")),
        "{e:#?}"
    );
    assert!(
        e.iter()
            .any(|m| m
                .starts_with("8: data file bad.csv:2: the row has 1 field(s), the header has 2")),
        "{e:#?}"
    );
    assert!(
        e.iter()
            .any(|m| m.starts_with("10: cannot tell the format")),
        "{e:#?}"
    );
    // A column in two files is ambiguous; a misspelt one gets a suggestion; a named one works.
    let two = format!("{HEAD}[[data]]\nfile = \"a.csv\"\n[[data]]\nfile = \"b.jsonl\"\n");
    let e = errors(&dir, &format!("{two}{}", req("/${data.email}")));
    assert!(
        e[0].contains("is ambiguous: column `email` is in a and b")
            && e[0].contains("${data.a.email}"),
        "{e:#?}"
    );
    let e = errors(&dir, &format!("{two}{}", req("/${data.plna}")));
    assert!(
        e[0].contains("unknown data column") && e[0].contains("did you mean `${data.plan}`?"),
        "{e:#?}"
    );
    let s = load_in(&dir, &format!("{two}{}", req("/${data.b.email}/${data.n}"))).unwrap();
    assert_eq!(
        s.requests[0].path.parts[1],
        Part::Data {
            feeder: 1,
            column: s.data[1].table.column("email").unwrap()
        }
    );
    // Without any [[data]], and in [vars], `${data.*}` is refused with its reason.
    let e = errors(&dir, &format!("{HEAD}{}", req("/${data.email}")));
    assert!(e[0].contains("no [[data]] file is declared"), "{e:#?}");
    let e = errors(
        &dir,
        &format!("{two}[vars]\nx = \"${{data.plan}}\"\n{}", req("/")),
    );
    assert!(e[0].contains("not allowed in [vars]"), "{e:#?}");
}

#[test]
fn a_data_value_a_header_cannot_carry_is_refused_with_its_row() {
    let dir = with_files(
        "hdr",
        &[("t.jsonl", "{\"tok\":\"ok\"}\n{\"tok\":\"bad\\nline\"}\n")],
    );
    let src = format!(
        "{HEAD}[[data]]\nfile = \"t.jsonl\"\n[[requests]]\nname = \"r\"\npath = \"/\"\nheaders = {{ X-Tok = \"${{data.tok}}\" }}\n"
    );
    let e = errors(&dir, &src);
    assert!(
        e[0].contains("row 2 of t.jsonl contains a line feed (LF)"),
        "{e:#?}"
    );
    // The same column in a body is fine.
    let ok = src.replace("headers = { X-Tok", "json = { tok");
    assert!(load_in(&dir, &ok).is_ok());
}

#[test]
fn a_scenario_with_neither_requests_nor_flows_says_so_and_flows_count_as_something_to_send() {
    let dir = with_files("none", &[]);
    let e = errors(&dir, HEAD);
    assert!(
        e.iter()
            .any(|m| m.contains("missing required key `requests`")),
        "{e:#?}"
    );
    let zero = format!(
        "{HEAD}[[requests]]\nname = \"r\"\npath = \"/\"\nweight = 0\n[[flows]]\nname = \"f\"\n[[flows.steps]]\nname = \"a\"\npath = \"/\"\n"
    );
    assert!(
        load_in(&dir, &zero).is_ok(),
        "a flow with weight is something to send"
    );
}

#[test]
fn a_check_cannot_send_a_step_that_needs_a_captured_value() {
    let dir = with_files("checkref", &[]);
    let src = format!(
        "{HEAD}[[flows]]\nname = \"f\"\n[[flows.steps]]\nname = \"a\"\nmethod = \"POST\"\npath = \"/orders\"\n\
         capture.id = {{ json = \"/id\" }}\n[[flows.steps]]\nname = \"b\"\npath = \"/orders/${{flow.id}}\"\n\
         [checks.pagination]\nrequest = \"f.b\"\n[[thresholds]]\nmetric = \"p99\"\nrequest = \"f.b\"\nmax = \"1s\"\n"
    );
    let e = errors(&dir, &src);
    assert_eq!(
        e.len(),
        1,
        "thresholds may name a step; a check may not send one that reads ${{flow.*}}: {e:#?}"
    );
    assert!(
        e[0].starts_with("16: `f.b` is a flow step that uses `${flow.*}`"),
        "{e:#?}"
    );
    // A step without `${flow.*}` is a request like any other for a check.
    assert!(
        load_in(
            &dir,
            &src.replace("request = \"f.b\"\n[[thr", "request = \"f.a\"\n[[thr")
        )
        .is_ok()
    );
}

#[test]
fn a_placeholder_in_an_expected_value_is_a_warning_it_is_compared_literally() {
    let dir = with_files("equals", &[]);
    let src = format!(
        "{HEAD}[[flows]]\nname = \"f\"\n[[flows.steps]]\nname = \"a\"\nmethod = \"POST\"\npath = \"/orders\"\n\
         capture.id = {{ json = \"/id\" }}\n[[flows.steps]]\nname = \"b\"\npath = \"/orders/${{flow.id}}\"\n\
         expect.json = [{{ pointer = \"/id\", equals = \"${{flow.id}}\" }}]\n"
    );
    let s = load_in(&dir, &src).expect("a warning, not an error");
    let w = s.warnings.expect("a warning");
    let text = w.to_string();
    assert!(
        text.contains("placeholders are not expanded in expectations"),
        "{text}"
    );
    assert!(text.contains(":15:"), "located on the value: {text}");
}

#[test]
fn one_pass_reports_the_steps_of_a_badly_named_flow_and_nothing_twice() {
    // A data file that does not load and a bad flow name: each is one error, the steps are
    // still checked, and `${data.*}` does not add "unknown column" for the file that failed.
    let dir = with_files("onepass", &[("bad.csv", "a,b\n1,2,3\n")]);
    let src = format!(
        "{HEAD}[[data]]\nfile = \"bad.csv\"\n[[flows]]\nname = \"f.x\"\n[[flows.steps]]\n\
         path = \"/orders/${{flow.id}}\"\ncapture.id = {{ jsn = \"/id\" }}\n\
         [[flows.steps]]\nname = \"b\"\npath = \"/${{data.nope}}\"\n"
    );
    let e = errors(&dir, &src);
    let lines: Vec<&str> = e.iter().map(|m| m.split(" | ").next().unwrap()).collect();
    assert_eq!(
        lines,
        [
            "6: data file bad.csv:2: the row has 3 field(s), the header has 2",
            "8: invalid flow name \"f.x\"",
            "9: missing required key `name` in [[flows.steps]]",
            "10: `${flow.id}` is used before it is captured in flow `f.x`",
            "11: unknown key `jsn` in capture `id`",
        ],
        "{e:#?}"
    );
}
