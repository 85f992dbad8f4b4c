//! `[defaults]` merged into each request by the plan: `remove_headers` leaves the named
//! defaults out of that request only.

use crate::scenario::{Format, load_str};

#[test]
fn remove_headers_leaves_the_defaults_out_of_that_request_only() {
    let src = "target = \"reference\"\n[defaults]\nheaders = { X-Tenant = \"t1\", Accept-Language = \"fr\" }\n\
               [[requests]]\nname = \"anon\"\npath = \"/orders\"\nremove_headers = [\"x-tenant\"]\n\
               [[requests]]\nname = \"other\"\npath = \"/orders\"\n[load]\nrate = 1\nduration = \"1s\"\n";
    let s = load_str(src, "t.toml", Format::Toml, &|_| None).unwrap();
    let plan = super::RunPlan::resolve(crate::cli::RunArgs::default(), Some(s)).unwrap();
    let names = |i: usize| -> Vec<String> {
        plan.requests[i]
            .headers
            .iter()
            .map(|(n, _)| n.clone())
            .collect()
    };
    assert_eq!(names(0), ["Accept-Language"]);
    assert_eq!(names(1), ["X-Tenant", "Accept-Language"]);
}
