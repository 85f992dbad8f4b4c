//! `validate --no-env`: a CI lint step without the secrets' values. Unset variables are listed
//! as not checked; malformed placeholders are still located errors; `run` has no such flag.

use crate::common::*;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(30);

const VARS: [&str; 3] = ["LP_NOENV_BASE_URL", "LP_NOENV_TOKEN", "LP_NOENV_ORDER"];

const SCENARIO: &str = r#"target = "${env.LP_NOENV_BASE_URL}"

[secrets]
token = "${env.LP_NOENV_TOKEN}"

[defaults]
headers = { Authorization = "Bearer ${secrets.token}", X-Key = "${env.LP_NOENV_TOKEN}" }

[[requests]]
name = "one_order"
path = "/orders/${env.LP_NOENV_ORDER}"

[load]
rate = 1
duration = "1s"
"#;

fn validate(file: &std::path::Path, extra: &[&str]) -> std::process::Output {
    let mut cmd = bin();
    cmd.arg("validate").arg(file).args(extra);
    for v in VARS {
        cmd.env_remove(v);
    }
    run(&mut cmd, LIMIT)
}

#[test]
fn no_env_accepts_unset_variables_and_names_them() {
    let dir = scratch("no-env");
    let file = dir.join("lint.toml");
    std::fs::write(&file, SCENARIO).unwrap();

    // Without the flag, each unset variable outside `target` is a located error.
    let o = validate(&file, &[]);
    let (_, err) = text(&o);
    assert_eq!(code(&o), 2, "{err}");
    assert!(err.contains("lint.toml:4:10"), "{err}");
    assert!(err.contains("`LP_NOENV_ORDER` is not set"), "{err}");

    let o = validate(&file, &["--no-env"]);
    let (out, err) = text(&o);
    assert_eq!(code(&o), 0, "{out}{err}");
    assert!(
        out.contains("target ${env.LP_NOENV_BASE_URL}, not checked"),
        "{out}"
    );
    assert!(
        out.contains(
            "4 `${env.*}` values not checked (--no-env): LP_NOENV_BASE_URL, LP_NOENV_ORDER, LP_NOENV_TOKEN"
        ),
        "{out}"
    );

    // A variable that is set is checked as usual: its value cannot carry a newline into a
    // header, and it is not listed.
    let o = run(
        bin()
            .arg("validate")
            .arg(&file)
            .arg("--no-env")
            .env_remove("LP_NOENV_BASE_URL")
            .env_remove("LP_NOENV_ORDER")
            .env("LP_NOENV_TOKEN", "s3cret\n"),
        LIMIT,
    );
    let (out, err) = text(&o);
    assert_eq!(code(&o), 2, "{out}{err}");
    assert!(
        err.contains("`LP_NOENV_TOKEN`") && err.contains("line feed"),
        "{err}"
    );
    assert!(
        !err.contains("s3cret") && !out.contains("s3cret"),
        "{out}{err}"
    );
}

#[test]
fn no_env_still_locates_malformed_placeholders() {
    let dir = scratch("no-env-bad");
    for (bad, line_col, what) in [
        ("${env.}", "11:17", "invalid environment variable name \"\""),
        (
            "${env.1X}",
            "11:17",
            "invalid environment variable name \"1X\"",
        ),
        ("${env.LP_NOENV_ORDER", "11:17", "unclosed"),
        ("${envs.LP_NOENV_ORDER}", "11:17", "unknown placeholder"),
    ] {
        let file = dir.join("bad.toml");
        std::fs::write(&file, SCENARIO.replace("${env.LP_NOENV_ORDER}", bad)).unwrap();
        let o = validate(&file, &["--no-env"]);
        let (out, err) = text(&o);
        assert_eq!(code(&o), 2, "{bad}: {out}{err}");
        assert!(
            err.contains(&format!("bad.toml:{line_col}")),
            "{bad}: {err}"
        );
        assert!(err.contains(what), "{bad}: {err}");
        assert!(!out.contains("ok:"), "{bad}: {out}");
    }
    // In `target`, only `${env.NAME}` is allowed, unset or not.
    let file = dir.join("target.toml");
    std::fs::write(
        &file,
        SCENARIO.replace(
            "${env.LP_NOENV_BASE_URL}",
            "${env.LP_NOENV_BASE_URL}/${vars.v}",
        ),
    )
    .unwrap();
    let o = validate(&file, &["--no-env"]);
    let (_, err) = text(&o);
    assert_eq!(code(&o), 2, "{err}");
    assert!(
        err.contains("target.toml:1:10") && err.contains("invalid target"),
        "{err}"
    );
}

#[test]
fn no_env_works_on_json_scenarios() {
    let dir = scratch("no-env-json");
    let file = dir.join("lint.json");
    std::fs::write(
        &file,
        r#"{"target": "http://127.0.0.1:9/",
 "requests": [{"name": "a", "path": "/a", "headers": {"Authorization": "Bearer ${env.LP_NOENV_TOKEN}"}}],
 "load": {"rate": 1, "duration": "1s"}}"#,
    )
    .unwrap();
    let o = validate(&file, &["--no-env"]);
    let (out, err) = text(&o);
    assert_eq!(code(&o), 0, "{out}{err}");
    assert!(
        out.contains("1 `${env.*}` value not checked (--no-env): LP_NOENV_TOKEN"),
        "{out}"
    );
}

#[test]
fn run_has_no_no_env_flag() {
    let o = run(
        bin().args(["run", "scenarios/quickstart.toml", "--no-env"]),
        LIMIT,
    );
    let (out, err) = text(&o);
    assert_eq!(code(&o), 1, "{out}{err}");
    assert!(err.contains("unexpected argument '--no-env'"), "{err}");
}

/// The example in docs/scenario-format.md is the real output.
#[test]
fn the_docs_example_is_real_output() {
    let file = "scenarios/examples/ecommerce-checkout.toml";
    let o = run(
        bin()
            .args(["validate", file, "--no-env"])
            .env_remove("SHOP_API_KEY"),
        LIMIT,
    );
    let (out, err) = text(&o);
    assert_eq!(code(&o), 0, "{out}{err}");
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/scenario-format.md"),
    )
    .unwrap();
    let shown = format!("$ loadproof validate {file} --no-env\n{out}```");
    assert!(doc.contains(&shown), "update the docs example to:\n{shown}");
}
