//! A split run: 4 `--segment I/4` processes started together (`--start-at`) against one
//! reference API, merged with `loadproof merge`, against one unsegmented run of the same
//! scenario. The merged totals equal the split's sum and the server's own counters; the open-loop
//! schedule is offered exactly (due counts equal the unsegmented run's); each once-only check
//! family runs in exactly one segment; and merge refuses what does not fit.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use loadproof::reference::ReferenceConfig;

use crate::common::{bin, code, reference, report, run, scratch, text, write};

const SCENARIO: &str = r#"
target = "reference"
[load]
rate = 80
duration = "2s"
connections = 8
[[requests]]
name = "create"
method = "POST"
path = "/orders"
headers = { Idempotency-Key = "${uuid}" }
json = { customer = "c-${seq}", amount = 10, currency = "EUR" }
expect.status = [201]
[[requests]]
name = "list"
path = "/orders"
weight = 3
[checks.idempotency]
request = "create"
concurrency = 4
oracle = { kind = "get", path = "/orders/{id}" }
"#;

fn spawn_segment(file: &Path, base: &str, seg: &str, at: &str, out: &Path) -> std::process::Child {
    bin()
        .arg("run")
        .arg(file)
        .args([
            "--target",
            base,
            "--segment",
            seg,
            "--start-at",
            at,
            "--quiet",
            "--out",
        ])
        .arg(out)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn a segment")
}

#[test]
fn four_segments_merge_into_the_unsegmented_run() {
    let dir = scratch("segments");
    let file = write(&dir, "s.toml", SCENARIO);

    // The split: four processes, one reference API, one start time.
    let (rt, server) = reference(ReferenceConfig::default());
    let at =
        humantime::format_rfc3339_seconds(SystemTime::now() + Duration::from_secs(3)).to_string();
    let outs: Vec<PathBuf> = (0..4).map(|i| dir.join(format!("seg{i}"))).collect();
    let children: Vec<_> = outs
        .iter()
        .enumerate()
        .map(|(i, out)| spawn_segment(&file, &server.base_url(), &format!("{i}/4"), &at, out))
        .collect();
    for (i, child) in children.into_iter().enumerate() {
        let output = crate::common::wait_with_limit(child, Duration::from_secs(120));
        let (o, e) = text(&output);
        assert_eq!(code(&output), 0, "segment {i}\nstdout:\n{o}\nstderr:\n{e}");
    }
    let stats = server.stats();
    rt.block_on(server.shutdown());

    let merged = dir.join("merged");
    let output = run(
        bin().arg("merge").args(&outs).arg("--out").arg(&merged),
        Duration::from_secs(60),
    );
    let (o, e) = text(&output);
    assert_eq!(code(&output), 0, "merge\nstdout:\n{o}\nstderr:\n{e}");
    assert!(o.contains("Merged     4 segments"), "{o}");
    let m = report(&merged);
    let segs: Vec<serde_json::Value> = outs.iter().map(|d| report(d)).collect();
    for name in [
        "report.html",
        "summary.md",
        "report.junit.xml",
        "summary.csv",
        "latency.hgrm",
    ] {
        assert!(merged.join(name).exists(), "merge wrote no {name}");
    }

    // Counts: the sum of the segments, and what the server itself counted.
    let sum = |f: &dyn Fn(&serde_json::Value) -> u64| segs.iter().map(f).sum::<u64>();
    let total = m["totals"]["requests"].as_u64().unwrap();
    assert_eq!(total, sum(&|r| r["totals"]["requests"].as_u64().unwrap()));
    let by_route = |k: &str| stats.by_route.get(k).copied().unwrap_or(0);
    let creates = m["requests"][0]["responses"].as_u64().unwrap();
    // The idempotency probes also create orders and list them: the server saw the load's
    // requests plus the probes, and the load's share is exactly the merged count.
    assert!(by_route("POST /orders") >= creates, "{stats:?}");
    let load_status_201 = m["status_codes"]["201"].as_u64().unwrap_or(0);
    assert_eq!(load_status_201, creates);

    // The schedule was offered exactly: due counts add up to rate × duration.
    assert_eq!(m["open_loop"]["due"], 160, "{:#}", m["open_loop"]);
    assert_eq!(m["load"]["rate"].as_f64(), Some(80.0));
    for (i, r) in segs.iter().enumerate() {
        assert_eq!(r["segment"]["index"], i);
        assert_eq!(r["open_loop"]["due"], 40, "segment {i}: every 4th arrival");
        assert_eq!(
            r["planned_start_at"]
                .as_str()
                .map(|s| s.starts_with(&at[..19])),
            Some(true)
        );
    }
    assert!(
        m["merge"]["start_skew_ms"].as_f64().unwrap() < 1500.0,
        "{:#}",
        m["merge"]
    );

    // Once-only checks ran in exactly one segment; the merged report has their verdicts.
    let ran: Vec<usize> = segs
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r["checks"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["id"] == "IDEM-01" && c["status"] == "pass")
        })
        .map(|(i, _)| i)
        .collect();
    assert_eq!(ran, [0], "IDEM-* ran in segments {ran:?}");
    let idem01 = m["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "IDEM-01")
        .unwrap();
    assert_eq!(idem01["status"], "pass");
    assert!(
        !m["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == "IDEM-*")
    );

    // One unsegmented run of the same scenario: the same schedule, the same totals up to what
    // the split's rounding and the machine's timing allow.
    let (rt, server) = reference(ReferenceConfig::default());
    let whole = dir.join("whole");
    let output = run(
        bin()
            .arg("run")
            .arg(&file)
            .args(["--target", &server.base_url(), "--quiet", "--out"])
            .arg(&whole),
        Duration::from_secs(120),
    );
    rt.block_on(server.shutdown());
    assert_eq!(code(&output), 0);
    let w = report(&whole);
    assert_eq!(w["open_loop"]["due"], m["open_loop"]["due"]);
    let wt = w["totals"]["requests"].as_i64().unwrap();
    assert!((wt - total as i64).abs() <= 8, "whole {wt}, merged {total}");
}

#[test]
fn merge_refuses_what_does_not_fit_with_the_files_named() {
    let dir = scratch("segments-refuse");
    let file = write(
        &dir,
        "s.toml",
        "target = \"reference\"\n[load]\nrate = 20\nduration = \"300ms\"\n[[requests]]\nname = \"r\"\npath = \"/health\"\n",
    );
    let seg = |s: &str, name: &str| {
        let out = dir.join(name);
        let o = run(
            bin()
                .arg("run")
                .arg(&file)
                .args(["--segment", s, "--quiet", "--out"])
                .arg(&out),
            Duration::from_secs(60),
        );
        assert_eq!(code(&o), 0, "{:?}", text(&o));
        out
    };
    let (a, b, c) = (seg("0/3", "a"), seg("2/3", "b"), seg("2/3", "c"));
    let merge = |dirs: &[&Path]| {
        let o = run(
            bin()
                .arg("merge")
                .args(dirs)
                .arg("--out")
                .arg(dir.join("m")),
            Duration::from_secs(60),
        );
        (code(&o), text(&o).1)
    };
    let (exit, err) = merge(&[&a, &b]);
    assert_eq!(exit, 1);
    assert!(err.contains("missing segments: 1/3"), "{err}");
    let (exit, err) = merge(&[&a, &b, &c]);
    assert_eq!(exit, 1);
    assert!(
        err.contains("overlapping segments: segment 2/3 in")
            && err.contains("/b and ")
            && err.contains("/c"),
        "{err}"
    );
    let bad = run(
        bin().arg("run").arg(&file).args(["--segment", "3/3"]),
        Duration::from_secs(30),
    );
    assert_eq!(code(&bad), 1);
    assert!(
        text(&bad).1.contains("not below the count"),
        "{:?}",
        text(&bad)
    );
}

#[test]
fn merged_counts_equal_the_servers_own() {
    // No [checks] table: nothing but the load reaches the server, so its counters must equal
    // the merged report's, request for request.
    let dir = scratch("segments-counts");
    let file = write(
        &dir,
        "s.toml",
        "target = \"reference\"\n[load]\nrate = 60\nduration = \"1s\"\nconnections = 6\n\
         [[requests]]\nname = \"health\"\npath = \"/health\"\n[[requests]]\nname = \"list\"\npath = \"/orders\"\n",
    );
    let (rt, server) = reference(ReferenceConfig::default());
    let at =
        humantime::format_rfc3339_seconds(SystemTime::now() + Duration::from_secs(2)).to_string();
    let outs: Vec<PathBuf> = (0..3).map(|i| dir.join(format!("seg{i}"))).collect();
    let children: Vec<_> = outs
        .iter()
        .enumerate()
        .map(|(i, out)| spawn_segment(&file, &server.base_url(), &format!("{i}/3"), &at, out))
        .collect();
    for child in children {
        let output = crate::common::wait_with_limit(child, Duration::from_secs(120));
        assert_eq!(code(&output), 0, "{:?}", text(&output));
    }
    let stats = server.stats();
    rt.block_on(server.shutdown());
    let merged = dir.join("merged");
    let output = run(
        bin()
            .arg("merge")
            .args(&outs)
            .args(["--quiet", "--out"])
            .arg(&merged),
        Duration::from_secs(60),
    );
    assert_eq!(code(&output), 0, "{:?}", text(&output));
    let m = report(&merged);
    assert_eq!(
        m["totals"]["responses"].as_u64(),
        Some(stats.requests),
        "{stats:?}"
    );
    let route = |k: &str| stats.by_route.get(k).copied();
    let req = |name: &str| {
        m["requests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap()["responses"]
            .as_u64()
    };
    assert_eq!(req("health"), route("GET /health"));
    assert_eq!(req("list"), route("GET /orders"));
    assert_eq!(m["open_loop"]["due"], 60);
}

/// A family whose active part may run anywhere (`runs_once` false): registered only here.
struct Anywhere;

impl loadproof::checks::Family for Anywhere {
    fn key(&self) -> &'static str {
        "anywhere"
    }
    fn prefix(&self) -> &'static str {
        "ANY"
    }
    fn ids(&self) -> &'static [&'static str] {
        &["ANY-01"]
    }
    fn runs_once(&self) -> bool {
        false
    }
    fn enabled(&self, _: &loadproof::scenario::ChecksSpec) -> bool {
        true
    }
    fn active<'a>(
        &'a self,
        _: &'a loadproof::checks::CheckCtx<'_>,
    ) -> futures::future::LocalBoxFuture<'a, Vec<loadproof::verdict::CheckResult>> {
        Box::pin(async { vec![loadproof::verdict::pass("ANY-01", "ran")] })
    }
}

#[test]
fn only_once_only_families_are_dealt_out_the_others_run_in_every_segment() {
    let dir = scratch("segments-anywhere");
    let file = write(
        &dir,
        "s.toml",
        "target = \"reference\"\n[load]\nrate = 10\nduration = \"300ms\"\n[[requests]]\nname = \"r\"\npath = \"/orders\"\n\
         [[requests]]\nname = \"missing\"\npath = \"/orders/ord_0000000000000000\"\nweight = 0\n\
         [checks.error_format]\n[[checks.error_format.probes]]\nrequest = \"missing\"\nstatus = 404\n",
    );
    let mut families: Vec<&dyn loadproof::checks::Family> = loadproof::checks::FAMILIES.to_vec();
    families.push(&Anywhere);
    for index in 0..2 {
        let out = dir.join(format!("seg{index}"));
        let cli = <loadproof::cli::Cli as clap::Parser>::try_parse_from([
            "loadproof".as_ref(),
            "run".as_ref(),
            file.as_os_str(),
            "--segment".as_ref(),
            format!("{index}/2").as_ref(),
            "--quiet".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
        ])
        .unwrap();
        let loadproof::cli::Command::Run(args) = cli.command else {
            panic!("not a run");
        };
        crate::common::runtime()
            .block_on(loadproof::run_load_with(*args, &families))
            .unwrap();
        let r = report(&out);
        let status = |id: &str| {
            r["checks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["id"] == id)
                .map(|c| {
                    (
                        c["status"].as_str().unwrap().to_string(),
                        c["message"].as_str().unwrap().to_string(),
                    )
                })
        };
        // The family that may run anywhere ran in both segments.
        assert_eq!(
            status("ANY-01").map(|s| s.0).as_deref(),
            Some("pass"),
            "segment {index}"
        );
        // The once-only error-format family (the only one here) is segment 0's.
        if index == 0 {
            assert_eq!(status("ERR-08").map(|s| s.0).as_deref(), Some("pass"));
        } else {
            let (st, why) = status("ERR-*").expect("a skip row for ERR-*");
            assert_eq!((st.as_str(), why.as_str()), ("skip", "runs in segment 0/2"));
        }
    }
}
