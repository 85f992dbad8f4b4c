//! Friction items of issue 14 seen from the binary: a reference run's curl lines, JSON hints.

use crate::common::*;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(60);

/// A run against `target = "reference"`: the in-process API's port is gone after the run, so
/// every curl line names `"$REFERENCE"` and the reports say how to start one.
#[test]
fn a_reference_run_reproduces_against_reference_not_its_gone_port() {
    let dir = scratch("reference-curl");
    let file = dir.join("ref.toml");
    std::fs::write(
        &file,
        "target = \"reference\"\n[[requests]]\nname = \"list_orders\"\npath = \"/orders?limit=2\"\n\
         expect = { status = [201] }\n[load]\nrate = 50\nrequests = 10\n",
    )
    .unwrap();
    let out = dir.join("out");
    let o = run(
        bin()
            .arg("run")
            .arg(&file)
            .args(["--progress", "none", "--out"])
            .arg(&out),
        LIMIT,
    );
    let (stdout, stderr) = text(&o);
    assert_eq!(code(&o), 4, "{stdout}{stderr}");
    let r = report(&out);
    let port = r["scenario"]["target"]
        .as_str()
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap()
        .to_string();
    let curls: Vec<&str> = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["evidence"].as_array().into_iter().flatten())
        .filter_map(|e| e["curl"].as_str())
        .collect();
    assert!(!curls.is_empty(), "{r}");
    for c in &curls {
        assert_eq!(*c, "curl -sS -i -X GET \"$REFERENCE\"'/orders?limit=2'");
        assert!(!c.contains(&port), "{c}");
    }
    let note = "start one with `loadproof serve-reference --port 8080` and `export REFERENCE=http://127.0.0.1:8080`";
    assert!(
        stdout.contains("reproduce: curl -sS -i -X GET \"$REFERENCE\"'/orders?limit=2'"),
        "{stdout}"
    );
    assert_eq!(stdout.matches(note).count(), 1, "{stdout}");
    for f in ["report.junit.xml", "report.html"] {
        let t = std::fs::read_to_string(out.join(f)).unwrap();
        assert!(t.contains(note), "{f}");
        let escaped = "curl -sS -i -X GET &quot;$REFERENCE&quot;";
        assert!(t.contains(escaped), "{f}");
    }
}

/// A JSON scenario's hints are JSON; the same mistake in TOML keeps its TOML hint.
#[test]
fn validate_hints_follow_the_file_syntax() {
    let dir = scratch("json-hints");
    let json = dir.join("s.json");
    std::fs::write(
        &json,
        r#"{"target": "http://127.0.0.1:9", "requests": {"name": "a"}, "load": {"rate": 1}}"#,
    )
    .unwrap();
    let o = run(bin().current_dir(&dir).args(["validate", "s.json"]), LIMIT);
    let (_, err) = text(&o);
    assert_eq!(code(&o), 2, "{err}");
    // docs/scenario-format.md shows this output (without the count line).
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/scenario-format.md"),
    )
    .unwrap();
    let shown = err.trim_end().rsplit_once("\n\n").unwrap().0;
    assert!(doc.contains(shown), "update the docs example to:\n{shown}");
    assert!(
        err.contains(r#"help: write the requests as an array of objects, e.g. `"requests": [{"name": "list_orders", "path": "/orders"}]`"#),
        "{err}"
    );
    assert!(
        err.contains(r#"help: add e.g. `"duration": "30s"` or `"requests": 10000`"#),
        "{err}"
    );
    assert!(
        !err.contains("[[requests]]") && !err.contains("duration = "),
        "{err}"
    );

    let toml = dir.join("s.toml");
    std::fs::write(
        &toml,
        "target = \"http://127.0.0.1:9\"\n[requests]\nname = \"a\"\n[load]\nrate = 1\n",
    )
    .unwrap();
    let o = run(bin().arg("validate").arg(&toml), LIMIT);
    let (_, err) = text(&o);
    assert!(
        err.contains("help: write each request under its own [[requests]] header (two brackets)"),
        "{err}"
    );
    assert!(
        err.contains("help: add e.g. `duration = \"30s\"` or `requests = 10000`"),
        "{err}"
    );
}
