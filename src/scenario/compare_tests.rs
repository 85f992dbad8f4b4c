//! The `[compare]` table: limits parsed per metric, located errors, "did you mean", TOML and
//! JSON alike.

use super::compare::{BudgetMetric, Limit};
use super::*;

fn no_env(_: &str) -> Option<String> {
    None
}

const TAIL: &str = r#"
target = "reference"

[[requests]]
name = "health"
path = "/health"

[load]
rate = 10
duration = "10s"
"#;

fn load_toml(compare: &str) -> Result<Scenario, Diagnostics> {
    load_str(
        &format!("{TAIL}\n{compare}"),
        "s.toml",
        Format::Toml,
        &no_env,
    )
}

#[test]
fn a_compare_table_sets_limits_per_metric() {
    let s = load_toml(
        "[compare]\nmax_p99_increase = \"15%\"\nmax_p50_increase = \"2ms\"\n\
         max_error_rate_increase = 0.02\nmax_rps_decrease = 50\nmax_max_increase = \"off\"\n",
    )
    .unwrap();
    assert_eq!(
        s.compare.get(BudgetMetric::P99),
        Some(Some(Limit::Percent(15.0)))
    );
    assert_eq!(
        s.compare.get(BudgetMetric::P50),
        Some(Some(Limit::Millis(2.0)))
    );
    assert_eq!(
        s.compare.get(BudgetMetric::ErrorRate),
        Some(Some(Limit::Ratio(0.02)))
    );
    assert_eq!(
        s.compare.get(BudgetMetric::Rps),
        Some(Some(Limit::Rps(50.0)))
    );
    assert_eq!(s.compare.get(BudgetMetric::Max), Some(None));
    assert_eq!(s.compare.get(BudgetMetric::P90), None);
    assert!(load_toml("").unwrap().compare.limits.is_empty());
}

#[test]
fn bad_limits_are_located_with_a_hint() {
    let d = load_toml("[compare]\nmax_p99_increase = 10\nmax_error_rate_increase = \"1%\"\n")
        .unwrap_err();
    let items: Vec<_> = d
        .items
        .iter()
        .map(|i| (i.line, i.message.clone()))
        .collect();
    let line = TAIL.lines().count() + 2;
    assert!(
        items
            .iter()
            .any(|(l, m)| *l == line + 1 && m.contains("needs a unit: write \"10%\"")),
        "{items:?}"
    );
    assert!(
        items
            .iter()
            .any(|(l, m)| *l == line + 2 && m.contains("percentage point")),
        "{items:?}"
    );
    let text = d.to_string();
    assert!(text.contains("s.toml:"), "{text}");
}

#[test]
fn an_unknown_key_gets_did_you_mean() {
    let d = load_toml("[compare]\nmax_p99_increse = \"10%\"\n").unwrap_err();
    let text = d.to_string();
    assert!(
        text.contains("unknown key `max_p99_increse` in [compare]"),
        "{text}"
    );
    assert!(text.contains("did you mean `max_p99_increase`?"), "{text}");
    let d = load_toml("[compar]\nmax_p99_increase = \"10%\"\n").unwrap_err();
    assert!(d.to_string().contains("did you mean `compare`?"), "{d}");
}

#[test]
fn json_scenarios_take_the_same_table() {
    let src = r#"{"target": "reference", "requests": [{"name": "h", "path": "/h"}],
        "load": {"rate": 10, "duration": "10s"},
        "compare": {"max_p90_increase": "20%", "max_rps_decrease": "5%"}}"#;
    let s = load_str(src, "s.json", Format::Json, &no_env).unwrap();
    assert_eq!(
        s.compare.get(BudgetMetric::P90),
        Some(Some(Limit::Percent(20.0)))
    );
    assert_eq!(
        s.compare.get(BudgetMetric::Rps),
        Some(Some(Limit::Percent(5.0)))
    );
    let bad = r#"{"target": "reference", "requests": [{"name": "h", "path": "/h"}],
        "load": {"rate": 10, "duration": "10s"}, "compare": {"max_rps_decrease": "150%"}}"#;
    let d = load_str(bad, "s.json", Format::Json, &no_env).unwrap_err();
    assert!(d.to_string().contains("s.json:2:82"), "{d}");
}
