//! Command-line behaviour: exit codes, usage errors, validate.

use std::time::Duration;

use crate::common::*;

const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn help_and_version_exit_zero_and_document_exit_codes() {
    let help = run(bin().arg("--help"), LIMIT);
    assert_eq!(code(&help), 0);
    let (out, _) = text(&help);
    assert!(
        out.contains("Exit codes:") && out.contains("5  a threshold was breached"),
        "{out}"
    );
    assert_eq!(code(&run(bin().arg("--version"), LIMIT)), 0);
    assert_eq!(code(&run(bin().args(["run", "--help"]), LIMIT)), 0);
}

#[test]
fn usage_errors_exit_one() {
    for args in [
        vec!["run", "--no-such-flag"],
        vec!["run"],
        vec!["frobnicate"],
        vec![],
        vec!["run", "--url", "http://127.0.0.1:9/", "--rate", "0"],
        vec![
            "run",
            "--url",
            "http://127.0.0.1:9/",
            "--rate",
            "10",
            "--concurrency",
            "2",
        ],
        vec!["run", "--url", "not a url"],
        vec!["run", "--url", "http://127.0.0.1:9/", "-H", "no colon here"],
        vec!["run", "--url", "http://127.0.0.1:9/", "--duration", "soon"],
        vec!["serve-reference", "--fault", "no-such-fault"],
        vec!["run", "--url", "http://127.0.0.1:9/", "--warmup", "0s"],
        vec!["run", "--url", "http://127.0.0.1:9/", "--warmup", "2h"],
        vec!["run", "--url", "http://127.0.0.1:9/", "--connections", "0"],
        vec!["run", "--url", "http://127.0.0.1:9/", "--requests", "0"],
        vec!["run", "--url", "http://127.0.0.1:9/", "--threads", "0"],
        vec!["run", "--url", "http://127.0.0.1:9/", "-c", "0"],
        vec!["run", "--url", "http://127.0.0.1:9/", "--timeout", "0s"],
        vec!["run", "--url", "http://127.0.0.1:9/", "--duration", "25h"],
        vec!["run", "--url", "http://127.0.0.1:9/", "--rate", "NaN"],
        vec!["run", "--url", "http://127.0.0.1:9/", "--protocol", "h3"],
        vec!["run", "--url", "http://127.0.0.1:9/", "-m", "BAD METHOD"],
        vec!["run", "--url", "http://127.0.0.1:9/", "--out"],
        vec!["run", "--url", "ftp://127.0.0.1/"],
        vec![
            "run",
            "--url",
            "http://127.0.0.1:9/",
            "--target",
            "http://127.0.0.1:9/",
        ],
        vec![
            "run",
            "scenarios/quickstart.toml",
            "--url",
            "http://127.0.0.1:9/",
        ],
        vec!["run", "scenarios/quickstart.toml", "--target", "ftp://x"],
        vec![
            "run",
            "scenarios/examples/ramp-and-thresholds.toml",
            "--duration",
            "5s",
        ],
        vec!["validate"],
        vec!["serve-reference", "--stall-every", "1s"],
        vec!["serve-reference", "--port", "99999"],
    ] {
        let o = run(bin().args(&args), LIMIT);
        assert_eq!(code(&o), 1, "args {args:?}: {:?}", text(&o));
        // One error line (clap may add a usage line and a tip after it), nothing on stdout.
        let (out, err) = text(&o);
        let error_lines = err.lines().filter(|l| l.starts_with("error:")).count();
        if !args.is_empty() {
            assert_eq!(error_lines, 1, "args {args:?}: {err}");
        }
        assert!(!err.contains("panicked"), "args {args:?}: {err}");
        assert!(out.is_empty(), "args {args:?}: {out}");
    }
}

/// `target = "${env.BASE_URL}"`: taken from the environment, `--target` overrides it when it is
/// unset, and a run without either names the variable, located, with both fixes.
#[test]
fn a_target_from_the_environment() {
    let dir = scratch("env-target");
    let file = dir.join("env-target.toml");
    std::fs::write(
        &file,
        "name = \"env-target\"\ntarget = \"${env.LP_TEST_BASE_URL}\"\n[load]\nrate = 50\nduration = \"1s\"\n\n[[requests]]\nname = \"health\"\npath = \"/health\"\n",
    )
    .unwrap();
    let o = run(
        bin().arg("run").arg(&file).env_remove("LP_TEST_BASE_URL"),
        LIMIT,
    );
    let (_, err) = text(&o);
    assert_eq!(code(&o), 1, "{err}");
    assert!(
        err.contains("env-target.toml:2:10: the target is ${env.LP_TEST_BASE_URL}"),
        "{err}"
    );
    assert!(err.contains("--target URL"), "{err}");
    let o = run(
        bin()
            .arg("validate")
            .arg(&file)
            .env_remove("LP_TEST_BASE_URL"),
        LIMIT,
    );
    assert_eq!(code(&o), 0, "{:?}", text(&o));
    assert!(
        text(&o).0.contains("${env.LP_TEST_BASE_URL}, unset"),
        "{:?}",
        text(&o)
    );
    // Set, it is the target; unset with --target, the flag is.
    let (rt, server) = reference(loadproof::reference::ReferenceConfig::default());
    for with_env in [true, false] {
        let out = dir.join(format!("out-{with_env}"));
        let mut cmd = bin();
        cmd.arg("run")
            .arg(&file)
            .args(["--quiet", "--out"])
            .arg(&out);
        if with_env {
            cmd.env("LP_TEST_BASE_URL", server.base_url());
        } else {
            cmd.env_remove("LP_TEST_BASE_URL")
                .args(["--target", &server.base_url()]);
        }
        let o = run(&mut cmd, LIMIT);
        assert_eq!(code(&o), 0, "{:?}", text(&o));
        assert_eq!(report(&out)["scenario"]["target"], server.base_url());
    }
    rt.block_on(server.shutdown());
}

#[test]
fn unreachable_target_is_a_runtime_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dir = scratch("unreachable");
    let o = run(
        bin()
            .args([
                "run",
                "--url",
                &format!("http://127.0.0.1:{port}/"),
                "--requests",
                "5",
                "--out",
            ])
            .arg(&dir),
        LIMIT,
    );
    assert_eq!(code(&o), 3, "{:?}", text(&o));
    assert!(text(&o).1.contains("target unreachable"), "{:?}", text(&o));
}

#[test]
fn validate_reports_every_mistake_located() {
    let dir = scratch("validate");
    let bad = write(
        &dir,
        "bad.toml",
        r#"target = "reference"

[load]
rate = 10
durration = "5s"

[[requests]]
name = "get"
path = "/health"
wieght = 2

[[thresholds]]
metric = "p99"
request = "gett"
max = "100ms"
"#,
    );
    let o = run(bin().arg("validate").arg(&bad), LIMIT);
    assert_eq!(code(&o), 2, "{:?}", text(&o));
    let (_, err) = text(&o);
    for (line, what) in [(5, "durration"), (10, "wieght"), (14, "gett")] {
        assert!(
            err.contains(&format!("bad.toml:{line}:")),
            "missing location for line {line}:\n{err}"
        );
        assert!(err.contains(what), "missing {what}:\n{err}");
    }
    assert!(err.contains("did you mean"), "{err}");
    assert!(err.contains('^'), "{err}");

    // `run` on the same file: exit 2 and the same located diagnostics, each `error:` once.
    let o = run(bin().arg("run").arg(&bad), LIMIT);
    assert_eq!(code(&o), 2, "{:?}", text(&o));
    let (_, run_err) = text(&o);
    assert!(
        run_err.contains("bad.toml:5:") && !run_err.contains("error: error:"),
        "{run_err}"
    );

    let ok = run(bin().args(["validate", "scenarios/quickstart.toml"]), LIMIT);
    assert_eq!(code(&ok), 0, "{:?}", text(&ok));
}

#[test]
fn every_shipped_scenario_validates() {
    let mut files = vec![];
    for dir in ["scenarios", "scenarios/examples"] {
        for e in
            std::fs::read_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)).unwrap()
        {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "toml" || x == "json") {
                files.push(p);
            }
        }
    }
    assert!(
        files.len() >= 3,
        "quickstart and two examples expected, found {files:?}"
    );
    let o = run(
        bin()
            .arg("validate")
            .args(&files)
            .env("SHOP_API_KEY", "test-key"),
        LIMIT,
    );
    assert_eq!(code(&o), 0, "{:?}", text(&o));
}

/// Safe by default: `serve-reference` without `--host` listens on loopback only, and stops
/// cleanly (exit 0) on Ctrl-C.
#[test]
fn reference_api_binds_loopback_by_default_and_stops_on_ctrl_c() {
    use std::io::BufRead as _;
    let mut child = bin()
        .args(["serve-reference", "--port", "0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let read = stdout.read_line(&mut first);
    signal(&child, "-INT");
    let o = wait_with_limit(child, Duration::from_secs(20));
    read.unwrap();
    assert!(
        first.starts_with("reference API listening on http://127.0.0.1:"),
        "{first:?}"
    );
    assert_eq!(code(&o), 0, "{:?}", text(&o));
    assert!(
        text(&o).1.is_empty(),
        "no warning on loopback: {:?}",
        text(&o)
    );
}

/// `--skip-check` takes a catalog ID or `FAM-*`; anything else is a usage error (exit 1) with a
/// hint, before anything is sent.
#[test]
fn an_unknown_skip_check_is_a_usage_error_with_a_hint() {
    for (arg, hint) in [
        ("ERR-6", "did you mean `ERR-06`?"),
        ("rl-*", "did you mean `RL-*`?"),
        ("NOPE", "RL-*"),
    ] {
        let o = run(
            bin().args(["run", "scenarios/quickstart.toml", "--skip-check", arg]),
            LIMIT,
        );
        let (out, err) = text(&o);
        assert_eq!(code(&o), 1, "{arg}: {err}");
        assert!(
            err.contains(&format!("unknown check `{arg}`")),
            "{arg}: {err}"
        );
        assert!(err.contains(hint), "{arg}: {err}");
        assert!(out.is_empty(), "{arg}: {out}");
    }
}

/// `loadproof run http://…` (a URL where the scenario file goes) is a usage error (exit 1) that
/// points at `--url`, not "cannot read scenario file"; credentials in the URL are not echoed.
#[test]
fn a_url_given_as_the_scenario_is_a_usage_error_pointing_at_url() {
    let o = run(bin().args(["run", "http://127.0.0.1:9/orders"]), LIMIT);
    let (out, err) = text(&o);
    assert_eq!(code(&o), 1, "{err}");
    assert!(
        err.contains("hint: use --url http://127.0.0.1:9/orders for an ad-hoc run"),
        "{err}"
    );
    assert!(!err.contains("cannot read scenario file"), "{err}");
    assert!(out.is_empty(), "{out}");

    let o = run(bin().args(["run", "https://u:s3cret@[::1]:9/"]), LIMIT);
    let (_, err) = text(&o);
    assert_eq!(code(&o), 1, "{err}");
    assert!(err.contains("use --url https://[::1]:9/"), "{err}");
    assert!(!err.contains("s3cret"), "{err}");
}

/// `loadproof completions SHELL` and `loadproof man` print generated files to stdout; `man
/// --out DIR` writes one page per subcommand; an unknown shell is a usage error.
#[test]
fn completions_and_man_pages_are_printed() {
    let o = run(bin().args(["completions", "bash"]), LIMIT);
    assert_eq!(code(&o), 0, "{:?}", text(&o));
    let (script, _) = text(&o);
    for word in ["run", "compare", "--rate"] {
        assert!(script.contains(word), "bash completions lack {word}");
    }
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let o = run(bin().args(["completions", shell]), LIMIT);
        assert_eq!(code(&o), 0, "{shell}: {:?}", text(&o));
        assert!(text(&o).0.contains("loadproof"), "{shell}");
    }
    assert_eq!(code(&run(bin().args(["completions", "tcsh"]), LIMIT)), 1);

    let o = run(bin().arg("man"), LIMIT);
    assert_eq!(code(&o), 0, "{:?}", text(&o));
    let (page, _) = text(&o);
    assert!(page.contains(".TH loadproof 1"), "{page}");
    // roff escapes hyphens in names.
    for sub in [
        "run",
        "validate",
        "serve\\-reference",
        "compare",
        "completions",
        "man",
    ] {
        let name = format!("loadproof\\-{sub}(1)");
        assert!(page.contains(&name), "man page lacks {name}");
    }

    let dir = scratch("man-pages").join("man1");
    let o = run(bin().arg("man").arg("--out").arg(&dir), LIMIT);
    assert_eq!(code(&o), 0, "{:?}", text(&o));
    for file in ["loadproof.1", "loadproof-run.1", "loadproof-compare.1"] {
        let page = std::fs::read_to_string(dir.join(file)).unwrap_or_default();
        assert!(page.contains(".TH "), "{file}: {page}");
    }
}
