//! Every shipped scenario (everything under `scenarios/`, .toml and .json, recursively) runs
//! clean against the reference API (exit 0, every check pass or skip), or exits with the code
//! the file says it demonstrates.
//!
//! A file steers its own test with comment lines (TOML only: JSON has no comments, so a JSON
//! file runs with the defaults), documented in docs/scenario-format.md, "Shipped examples":
//! - `# expect-exit: N`: the exit code the file demonstrates (default 0);
//! - `# test-args: ...`: the arguments that make the run short (default `--duration 2s`), for a
//!   file whose load shape `--duration` cannot shorten (stages);
//! - `# test-env: NAME=VALUE`: the value of `${env.NAME}` in the test instead of the placeholder
//!   (repeatable); `{target}` in it is the reference API's base URL, for a file whose
//!   `target = "${env.NAME}"` must hold a URL to load.
//!
//! Every other `${env.NAME}` the file reads is set to a placeholder, so files that need secrets
//! load.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use loadproof::reference::ReferenceConfig;

use crate::common::{bin, code, reference, report, run, scratch, text};

/// The shortening used when a file declares no `# test-args:`.
const DEFAULT_ARGS: &[&str] = &["--duration", "2s"];

/// What the file's comment lines ask of its test.
#[derive(Debug, PartialEq)]
struct Directives {
    expect_exit: i32,
    args: Vec<String>,
    env: Vec<String>,
    /// `# test-env:` values, by name (`{target}` not yet replaced).
    env_values: Vec<(String, String)>,
}

fn directives(content: &str) -> Result<Directives, String> {
    let mut d = Directives {
        expect_exit: 0,
        args: DEFAULT_ARGS.iter().map(|s| s.to_string()).collect(),
        env: Vec::new(),
        env_values: Vec::new(),
    };
    for line in content.lines() {
        let line = line.trim();
        if let Some(v) = line.strip_prefix("# expect-exit:") {
            d.expect_exit = v
                .trim()
                .parse()
                .map_err(|_| format!("`{line}`: the exit code is not a number"))?;
        } else if let Some(v) = line.strip_prefix("# test-args:") {
            d.args = v.split_whitespace().map(str::to_owned).collect();
        } else if let Some(v) = line.strip_prefix("# test-env:") {
            let (name, value) = v
                .trim()
                .split_once('=')
                .ok_or_else(|| format!("`{line}`: expected NAME=VALUE"))?;
            d.env_values.push((name.to_owned(), value.to_owned()));
        }
    }
    // `${env.NAME}`: every variable the file reads.
    let mut rest = content;
    while let Some(at) = rest.find("${env.") {
        rest = &rest[at + "${env.".len()..];
        let end = rest.find('}').ok_or("an unclosed ${env.")?;
        let name = rest[..end].to_owned();
        if !d.env.contains(&name) {
            d.env.push(name);
        }
    }
    Ok(d)
}

fn scenario_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read scenarios/") {
        let path = entry.unwrap().path();
        if path.is_dir() {
            scenario_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "toml" || e == "json") {
            out.push(path);
        }
    }
}

#[test]
fn directives_are_read_from_comment_lines() {
    let d = directives(
        "# expect-exit: 4\n# test-args: --rate 50 --duration 3s\nx = \"${env.A}\"\ny = \"${env.B}${env.A}\"\n",
    )
    .unwrap();
    assert_eq!(
        d,
        Directives {
            expect_exit: 4,
            args: vec![
                "--rate".into(),
                "50".into(),
                "--duration".into(),
                "3s".into()
            ],
            env: vec!["A".into(), "B".into()],
            env_values: Vec::new(),
        }
    );
    let d = directives("# test-env: BASE={target}/v1\ntarget = \"${env.BASE}\"\n").unwrap();
    assert_eq!(
        (d.env, d.env_values),
        (
            vec!["BASE".to_owned()],
            vec![("BASE".to_owned(), "{target}/v1".to_owned())]
        )
    );
    assert!(directives("# test-env: NO_EQUALS\n").is_err());
    let d = directives("name = \"x\"\n").unwrap();
    assert_eq!(
        (d.expect_exit, d.args.as_slice()),
        (0, &["--duration".to_owned(), "2s".to_owned()][..])
    );
    assert!(directives("# expect-exit: four\n").is_err());
}

#[test]
fn every_shipped_scenario_runs_clean_against_the_reference_api() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files = Vec::new();
    scenario_files(&root, &mut files);
    files.sort();
    assert!(files.len() >= 3, "scenarios/ lists {files:?}");
    let mut failures = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&root).unwrap().display().to_string();
        let content = std::fs::read_to_string(file).unwrap();
        let d = match directives(&content) {
            Ok(d) => d,
            Err(e) => {
                failures.push(format!("{rel}: {e}"));
                continue;
            }
        };
        // A fresh reference API per file: one example's orders must not shape another's run.
        let (rt, server) = reference(ReferenceConfig::default());
        let dir = scratch(&format!("examples-{}", rel.replace(['/', '.'], "-")));
        let mut cmd = bin();
        cmd.arg("run")
            .arg(file)
            .args(["--target", &server.base_url()])
            .args(&d.args)
            .arg("--out")
            .arg(&dir);
        for name in &d.env {
            let value = match d.env_values.iter().find(|(n, _)| n == name) {
                Some((_, v)) => v.replace("{target}", &server.base_url()),
                None => format!("examples-test-{}", name.to_lowercase()),
            };
            cmd.env(name, value);
        }
        let started = Instant::now();
        let output = run(&mut cmd, Duration::from_secs(120));
        let elapsed = started.elapsed();
        rt.block_on(server.shutdown());
        let got = code(&output);
        if got != d.expect_exit {
            let (out, err) = text(&output);
            failures.push(format!(
                "{rel}: exit {got}, expected {} (after {elapsed:?})\nstdout:\n{out}\nstderr:\n{err}",
                d.expect_exit
            ));
            continue;
        }
        // A run that gets as far as the load phase writes a report; it must match the schema.
        if dir.join("report.json").exists() {
            let r = report(&dir);
            assert_eq!(
                r["exit_code"], d.expect_exit,
                "{rel}: report.json exit_code"
            );
            // Clean means no warning either: `fail_on = "fail"` lets a warning exit 0, and a
            // warning on the reference API is a defect of the example, the check or the API
            // (e.g. IDEM-06 once warned on ecommerce-checkout for racers owed the replay).
            if d.expect_exit == 0 {
                for c in r["checks"].as_array().into_iter().flatten() {
                    let status = c["status"].as_str().unwrap_or("?");
                    if status != "pass" && status != "skip" {
                        failures.push(format!("{rel}: {} {status}: {}", c["id"], c["message"]));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
