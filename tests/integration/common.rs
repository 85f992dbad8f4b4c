//! Shared helpers: running the binary with a time limit, reading and schema-checking reports,
//! and in-process targets.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_loadproof"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c.env_remove("CI");
    // A test run inside GitHub Actions must not append to the job's own summary.
    c.env_remove("GITHUB_STEP_SUMMARY");
    c.stdin(Stdio::null());
    c
}

/// Run to completion, killing the child (by PID, via `Child::kill`) if it overruns `limit`.
pub fn run(cmd: &mut Command, limit: Duration) -> Output {
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn loadproof");
    wait_with_limit(child, limit)
}

pub fn wait_with_limit(mut child: Child, limit: Duration) -> Output {
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait().expect("wait") {
            Some(_) => return child.wait_with_output().expect("output"),
            None if Instant::now() > deadline => {
                let _ = child.kill();
                let out = child.wait_with_output().expect("output");
                panic!(
                    "loadproof overran {limit:?}\nstdout:\n{}\nstderr:\n{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

pub fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// A fresh, empty directory under the target dir (kept after the test for inspection).
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn schema() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/report.schema.json"),
        )
        .expect("schema file");
        let schema: serde_json::Value = serde_json::from_str(&text).expect("schema is JSON");
        jsonschema::validator_for(&schema).expect("schema compiles")
    })
}

/// Read `report.json` from `dir` and validate it against the checked-in schema.
pub fn report(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("report.json")).expect("report.json exists");
    let value: serde_json::Value = serde_json::from_str(&text).expect("report.json is JSON");
    let errors: Vec<String> = schema()
        .iter_errors(&value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "report.json violates the schema:\n{}",
        errors.join("\n")
    );
    value
}

/// The reference API with `config`, started on 127.0.0.1:0 in a runtime of its own (returned
/// with it: the server lives as long as the runtime).
pub fn reference(
    config: loadproof::reference::ReferenceConfig,
) -> (
    tokio::runtime::Runtime,
    loadproof::reference::ReferenceServer,
) {
    let rt = runtime();
    let server = rt
        .block_on(loadproof::reference::ReferenceServer::start(
            config,
            ([127, 0, 0, 1], 0).into(),
        ))
        .expect("the reference API binds 127.0.0.1:0");
    (rt, server)
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

pub fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

/// What one scenario run against an in-process reference API produced.
pub struct ScenarioRun {
    pub output: Output,
    pub checks: Vec<serde_json::Value>,
    pub dir: PathBuf,
    pub elapsed: Duration,
}

impl ScenarioRun {
    pub fn code(&self) -> i32 {
        code(&self.output)
    }
}

/// Start the reference API with `config` on 127.0.0.1:0, run `scenario` against it with a 1 s
/// load phase, stop the server, and return the schema-checked report. Every check-family test
/// goes through here, so they all run the same command the README documents.
pub fn run_scenario_against(
    config: loadproof::reference::ReferenceConfig,
    scenario: &Path,
    name: &str,
) -> ScenarioRun {
    let (rt, server) = reference(config);
    let dir = scratch(name);
    let started = Instant::now();
    let output = run(
        bin()
            .arg("run")
            .arg(scenario)
            .args([
                "--target",
                &server.base_url(),
                "--duration",
                "1s",
                "--quiet",
                "--out",
            ])
            .arg(&dir),
        Duration::from_secs(120),
    );
    let elapsed = started.elapsed();
    rt.block_on(server.shutdown());
    let (out, err) = text(&output);
    assert!(
        dir.join("report.json").exists(),
        "no report\nstdout:\n{out}\nstderr:\n{err}"
    );
    let checks = report(&dir)["checks"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    ScenarioRun {
        output,
        checks,
        dir,
        elapsed,
    }
}

/// [`run_scenario_against`] with `scenarios/quickstart.toml`.
pub fn quickstart_against(
    config: loadproof::reference::ReferenceConfig,
    name: &str,
) -> ScenarioRun {
    run_scenario_against(config, Path::new("scenarios/quickstart.toml"), name)
}

/// Send `sig` (`-INT`, `-TERM`) to a child this test started, by its PID.
pub fn signal(child: &Child, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(ok.success(), "kill {sig} {}", child.id());
}

/// A `kB` field of a running child's `/proc/<pid>/status` (`VmRSS`, `VmHWM`); `None` once it
/// has exited, or off Linux.
pub fn proc_status_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// [`run`], also sampling the child's peak resident memory (`VmHWM`, in kB) until it exits.
/// The high-water mark only rises, so the last sample before exit holds the run's peak, give or
/// take the final few milliseconds. `None` off Linux.
pub fn run_with_peak_rss(cmd: &mut Command, limit: Duration) -> (Output, Option<u64>) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn loadproof");
    let (pid, deadline) = (child.id(), Instant::now() + limit);
    let mut peak = None;
    while child.try_wait().expect("wait").is_none() {
        if let Some(kb) = proc_status_kb(pid, "VmHWM") {
            peak = Some(kb);
        }
        if Instant::now() > deadline {
            return (wait_with_limit(child, Duration::ZERO), peak);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    (child.wait_with_output().expect("output"), peak)
}

/// Start `loadproof run ARGS --out OUT` as a child with piped output, for tests that signal it
/// (stop it with [`signal`] and collect it with [`wait_with_limit`]).
pub fn spawn_run(args: &[&str], out: &Path) -> Child {
    bin()
        .arg("run")
        .args(args)
        .arg("--out")
        .arg(out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn loadproof")
}

/// Serve an axum `app` on 127.0.0.1:0 on `rt`; returns the base URL (no trailing slash).
pub fn serve_app(rt: &tokio::runtime::Runtime, app: axum::Router) -> String {
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    rt.spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}
