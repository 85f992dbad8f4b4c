//! `validate --no-env` in the validator: unset `${env.NAME}` recorded instead of rejected,
//! everything else checked as with the values.

use std::cell::RefCell;

use super::*;

const SRC: &str = r#"target = "${env.BASE_URL}"
[vars]
v = "${env.A}"
[secrets]
token = "${env.TOKEN}"
[defaults]
headers = { Authorization = "Bearer ${secrets.token}" }
[[requests]]
name = "r"
path = "/orders/${env.ID}/${vars.v}"
query = { k = "${env.A}" }
[load]
rate = 1
duration = "1s"
"#;

fn unchecked(
    src: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> (Result<Scenario, Diagnostics>, Vec<String>) {
    let names = RefCell::new(Vec::new());
    let r = load_in(
        src,
        "t.toml",
        Format::Toml,
        env,
        validate::EnvMode::Unchecked(&names),
    );
    (r, names.into_inner())
}

#[test]
fn unset_variables_are_recorded_once_per_placeholder() {
    let (r, names) = unchecked(SRC, &|_| None);
    let s = r.unwrap();
    assert_eq!(names, ["BASE_URL", "A", "TOKEN", "ID", "A"]);
    assert!(matches!(s.target, Target::Unset { ref var, .. } if var == "BASE_URL"));
    // The stand-in is a secret like the value it stands for; it cannot occur in a valid URL.
    assert_eq!(s.secrets, [validate::UNCHECKED_ENV]);
    // The same file is an error for each of them when the values are required.
    let e = load_str(SRC, "t.toml", Format::Toml, &|_| None).unwrap_err();
    assert_eq!(e.items.len(), 4, "{e}");
}

#[test]
fn set_variables_are_still_checked() {
    let env = |n: &str| (n == "TOKEN").then(|| "abc\n".to_string());
    let (r, names) = unchecked(SRC, &env);
    let e = r.unwrap_err().to_string();
    assert!(e.contains("t.toml:7:37") && e.contains("line feed"), "{e}");
    assert!(!names.contains(&"TOKEN".to_string()), "{names:?}");
}

#[test]
fn malformed_placeholders_are_errors_without_values() {
    for (bad, what) in [
        ("${env.}", "invalid environment variable name \"\""),
        ("${env.1X}", "invalid environment variable name \"1X\""),
        ("${env.ID", "unclosed"),
    ] {
        let src = SRC.replace("${env.ID}/${vars.v}", bad);
        let (r, _) = unchecked(&src, &|_| None);
        let e = r.unwrap_err().to_string();
        assert!(e.contains("t.toml:10:17"), "{bad}: {e}");
        assert!(e.contains(what), "{bad}: {e}");
    }
    // A path that starts with a placeholder is refused whatever its value would be.
    let src = SRC.replace("/orders/${env.ID}", "${env.ID}");
    let (r, _) = unchecked(&src, &|_| None);
    assert!(r.unwrap_err().to_string().contains("must start with `/`"));
}
