//! `RunPlan::resolve`: precedence (flags > scenario > defaults), load shapes, bounds and the
//! usage errors of the command line.

use super::*;

fn adhoc(extra: impl FnOnce(&mut RunArgs)) -> Result<RunPlan, UsageError> {
    let mut a = RunArgs {
        url: Some("http://127.0.0.1:9/x?y=1".into()),
        ..RunArgs::default()
    };
    extra(&mut a);
    RunPlan::resolve(a, None)
}

#[test]
fn adhoc_defaults_to_a_bounded_closed_loop() {
    let p = adhoc(|_| {}).unwrap();
    assert_eq!(p.load.duration, DEFAULT_DURATION);
    assert_eq!(p.load.connections, DEFAULT_ADHOC_USERS);
    assert!(matches!(p.load.mode, LoadMode::Closed { .. }));
    assert_eq!(p.target, Target::Url("http://127.0.0.1:9".into()));
    assert_eq!(p.requests[0].path, literal("/x?y=1"));
}

#[test]
fn rate_makes_an_open_loop_with_the_requested_schedule() {
    let p = adhoc(|a| {
        a.rate = Some(100.0);
        a.duration = Some(Duration::from_secs(3));
    })
    .unwrap();
    match &p.load.mode {
        LoadMode::Open(s) => assert_eq!(s.total(), Some(300)),
        other => panic!("expected open loop, got {other:?}"),
    }
    assert_eq!(p.load.connections, DEFAULT_OPEN_CONNECTIONS);
}

#[test]
fn request_count_alone_bounds_the_run() {
    let p = adhoc(|a| {
        a.rate = Some(10.0);
        a.requests = Some(25);
    })
    .unwrap();
    assert_eq!(p.load.max_requests, Some(25));
    assert_eq!(p.load.duration, MAX_DURATION);
}

#[test]
fn bad_flags_are_usage_errors() {
    assert!(adhoc(|a| a.rate = Some(0.0)).is_err());
    assert!(adhoc(|a| a.headers = vec!["NoColon".into()]).is_err());
    assert!(adhoc(|a| a.url = Some("ftp://x".into())).is_err());
    assert!(adhoc(|a| a.duration = Some(Duration::from_secs(90_000))).is_err());
    let timeout = adhoc(|a| a.timeout = Some(Duration::from_secs(1000 * 3600))).unwrap_err();
    assert!(timeout.0.contains("--timeout 1000h"), "{}", timeout.0);
    assert!(adhoc(|a| a.timeout = Some(MAX_TIMEOUT)).is_ok());
    assert!(adhoc(|a| a.drain = Some(Duration::from_secs(7200))).is_err());
    let long = adhoc(|a| a.warmup = Some(Duration::from_secs(7200))).unwrap_err();
    assert!(long.0.contains("warm-up"), "{}", long.0);
}

#[test]
fn warmup_holds_the_loads_opening_shape() {
    let open = adhoc(|a| {
        a.rate = Some(40.0);
        a.warmup = Some(Duration::from_secs(2));
    })
    .unwrap();
    let w = open.load.warmup.unwrap();
    assert_eq!(w.duration, Duration::from_secs(2));
    let LoadMode::Open(s) = &w.mode else {
        panic!("open load, open warm-up")
    };
    assert_eq!(s.due_before(Duration::from_secs(2)), 80);
    let closed = adhoc(|a| {
        a.concurrency = Some(7);
        a.warmup = Some(Duration::from_secs(1));
    })
    .unwrap();
    assert_eq!(closed.load.warmup.unwrap().mode.max_users(), 7);
    assert!(adhoc(|_| {}).unwrap().load.warmup.is_none());
}

#[test]
fn drain_comes_from_the_flag_then_the_scenario_then_the_default() {
    assert_eq!(adhoc(|_| {}).unwrap().load.drain, DRAIN);
    let flag = adhoc(|a| a.drain = Some(Duration::from_millis(300))).unwrap();
    assert_eq!(flag.load.drain, Duration::from_millis(300));
    let src = "target = \"reference\"\n[load]\nrate = 1\nduration = \"1s\"\ndrain = \"2s\"\n\
               [[requests]]\nname = \"a\"\npath = \"/\"\n";
    let scenario =
        crate::scenario::load_str(src, "x.toml", crate::scenario::Format::Toml, &|_| None).unwrap();
    let plan = RunPlan::resolve(RunArgs::default(), Some(scenario)).unwrap();
    assert_eq!(plan.load.drain, Duration::from_secs(2));
}

#[test]
fn error_schema_path_is_relative_to_the_scenario_file() {
    let src = r#"
target = "reference"
[load]
rate = 1
requests = 1
[[requests]]
name = "a"
path = "/"
[checks.error_format]
profile = "schema"
schema = "schemas/error.json"
"#;
    let scenario =
        crate::scenario::load_str(src, "x.toml", crate::scenario::Format::Toml, &|_| None).unwrap();
    let args = RunArgs {
        scenario: Some(PathBuf::from("suite/api/x.toml")),
        ..RunArgs::default()
    };
    let plan = RunPlan::resolve(args, Some(scenario)).unwrap();
    let schema = plan.checks.error_format.unwrap().schema.unwrap();
    assert_eq!(
        PathBuf::from(schema),
        PathBuf::from("suite/api/schemas/error.json")
    );
}

#[test]
fn a_line_break_in_a_header_value_is_a_usage_error() {
    for h in ["X-A: a\rb", "X-A: a\nInjected: 1", "X-A: a\u{0}b"] {
        let e = adhoc(|a| a.headers = vec![h.into()]).unwrap_err();
        assert!(e.0.contains("header cannot carry"), "{}", e.0);
        assert!(
            !e.0.contains("Injected"),
            "the value is not echoed: {}",
            e.0
        );
    }
    assert!(adhoc(|a| a.headers = vec!["X-A: a\tb".into()]).is_ok());
}

#[test]
fn url_userinfo_is_taken_off_the_target_and_kept_as_credentials() {
    let p = adhoc(|a| a.url = Some("http://ann:s3cret@127.0.0.1:9/x".into())).unwrap();
    assert_eq!(p.target, Target::Url("http://127.0.0.1:9".into()));
    let c = p.credentials.clone().unwrap();
    assert_eq!((c.user.as_str(), c.password.as_str()), ("ann", "s3cret"));
    assert_eq!(p.redactor.text("x s3cret y"), "x [REDACTED] y");
    let args = RunArgs {
        scenario: Some(PathBuf::from("s.toml")),
        target: Some("http://bob:hunter22@127.0.0.1:9/api".into()),
        ..RunArgs::default()
    };
    let src = "target = \"reference\"\n[load]\nrate = 1\nrequests = 1\n[[requests]]\nname = \"a\"\npath = \"/\"\n";
    let s =
        crate::scenario::load_str(src, "s.toml", crate::scenario::Format::Toml, &|_| None).unwrap();
    let p = RunPlan::resolve(args, Some(s)).unwrap();
    assert_eq!(p.target, Target::Url("http://127.0.0.1:9/api".into()));
    assert_eq!(p.credentials.unwrap().password, "hunter22");
    assert!(!format!("{:?}", p.target).contains("hunter22"));
    let bad = adhoc(|a| a.url = Some("http://ann:s3cret@".into())).unwrap_err();
    assert!(!bad.0.contains("s3cret"), "{}", bad.0);
}

#[test]
fn max_body_the_command_line_wins_then_the_request_then_the_defaults() {
    let resolve = |defaults: &str, request: &str, flag: Option<u64>| {
        let s = crate::scenario::load_str(
            &format!(
                "target = \"reference\"\n[defaults]\n{defaults}\n[[requests]]\nname = \"big\"\n\
                 path = \"/big\"\n{request}\n[[requests]]\nname = \"small\"\npath = \"/s\"\n\
                 [load]\nrate = 1\nduration = \"1s\"\n"
            ),
            "t.toml",
            crate::scenario::Format::Toml,
            &|_| None,
        )
        .unwrap();
        let args = RunArgs {
            max_body: flag,
            ..RunArgs::default()
        };
        let plan = RunPlan::resolve(args, Some(s)).unwrap();
        (plan.requests[0].max_body, plan.requests[1].max_body)
    };
    const MIB: u64 = 1024 * 1024;
    assert_eq!(resolve("", "", None), (Some(MIB), Some(MIB)));
    assert_eq!(
        resolve("max_body = \"2MiB\"", "max_body = \"8MiB\"", None),
        (Some(8 * MIB), Some(2 * MIB))
    );
    assert_eq!(
        resolve("max_body = \"2MiB\"", "max_body = \"8MiB\"", Some(16 * MIB)),
        (Some(16 * MIB), Some(16 * MIB))
    );
}

/// `[defaults] timeout` is the run's timeout unless `[load]` or `--timeout` says otherwise:
/// the report's `timeout_s` is the one requests actually get.
#[test]
fn the_defaults_timeout_is_the_runs_when_load_sets_none() {
    let resolve = |load_extra: &str, flag: Option<Duration>| {
        let s = crate::scenario::load_str(
            &format!(
                "target = \"reference\"\n[defaults]\ntimeout = \"1s\"\n[[requests]]\n\
                 name = \"a\"\npath = \"/a\"\n[load]\nrate = 1\nduration = \"1s\"\n{load_extra}\n"
            ),
            "t.toml",
            crate::scenario::Format::Toml,
            &|_| None,
        )
        .unwrap();
        let args = RunArgs {
            timeout: flag,
            ..RunArgs::default()
        };
        RunPlan::resolve(args, Some(s)).unwrap().load.timeout
    };
    assert_eq!(resolve("", None), Duration::from_secs(1));
    assert_eq!(resolve("timeout = \"3s\"", None), Duration::from_secs(3));
    assert_eq!(
        resolve("", Some(Duration::from_secs(7))),
        Duration::from_secs(7)
    );
}
