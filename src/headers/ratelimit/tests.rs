use super::*;
use proptest::prelude::*;

fn fields<'a>(pairs: &[(&str, &'a str)]) -> Fields<'a> {
    let mut f = Fields::default();
    for (n, v) in pairs {
        f.set(n, v);
    }
    f
}

fn err_of(pairs: &[(&str, &str)]) -> Vec<String> {
    parse_fields(&fields(pairs))
        .errors
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn draft10_policy_and_limit() {
    let ps = parse_policy(r#""burst";q=100;w=60, "daily";q=1000;w=86400;qu="requests";pk=:YWJj:"#)
        .unwrap();
    assert_eq!(ps.len(), 2);
    assert_eq!(ps[0].name.as_deref(), Some("burst"));
    assert_eq!((ps[0].quota, ps[0].window), (100, Some(60)));
    assert_eq!(ps[1].unit.as_deref(), Some("requests"));
    assert_eq!(ps[1].partition_key.as_deref(), Some(&b"abc"[..]));
    let rl = parse_ratelimit(r#""burst";r=42;t=30"#).unwrap();
    assert_eq!(
        rl,
        RateLimitField::List(vec![Limit {
            policy: "burst".into(),
            remaining: 42,
            reset: Some(30),
            partition_key: None
        }])
    );
    let p = parse_fields(&fields(&[
        (
            "RateLimit-Policy",
            r#""burst";q=100;w=60, "daily";q=1000;w=86400"#,
        ),
        ("RateLimit", r#""burst";r=42;t=30, "daily";r=7;t=3000"#),
    ]));
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let s = p.snapshot().unwrap();
    assert_eq!(s.generation, Generation::Draft10);
    // The most constraining policy wins.
    assert_eq!(s.policy.as_deref(), Some("daily"));
    assert_eq!(
        (s.quota, s.window, s.remaining),
        (Some(1000), Some(86400), Some(7))
    );
    assert_eq!(s.reset, Some(Reset::delta(3000.0)));
}

#[test]
fn draft10_errors() {
    assert_eq!(parse_policy(r#""a";w=60"#), Err(RlError::Missing("q")));
    assert_eq!(parse_ratelimit(r#""a";t=6"#), Err(RlError::Missing("r")));
    assert!(matches!(
        parse_policy(r#""a";q=-1"#),
        Err(RlError::Negative { value: -1, .. })
    ));
    assert!(matches!(
        parse_ratelimit(r#""a";r=-3"#),
        Err(RlError::Negative { .. })
    ));
    assert!(matches!(
        parse_policy(r#""a";q="100""#),
        Err(RlError::WrongType {
            found: "a string",
            ..
        })
    ));
    assert!(matches!(
        parse_policy(r#""a";q=1.5"#),
        Err(RlError::WrongType {
            found: "a decimal",
            ..
        })
    ));
    assert!(matches!(
        parse_policy(r#""a";q=1;qu=requests"#),
        Err(RlError::WrongType { .. })
    ));
    assert!(matches!(
        parse_policy(r#""a";q=1;pk="x""#),
        Err(RlError::WrongType { .. })
    ));
    assert_eq!(parse_policy(r#""a";q=10;w=0"#), Err(RlError::ZeroWindow));
    assert!(matches!(
        parse_ratelimit(r#""a";r=1;t="#),
        Err(RlError::Syntax(_))
    ));
    assert!(matches!(
        parse_ratelimit(r#""a;r=1"#),
        Err(RlError::Syntax(_))
    ));
    assert_eq!(parse_policy(r#"("a" "b");q=1"#), Err(RlError::InnerList));
    assert!(matches!(
        parse_policy("burst;q=1"),
        Err(RlError::WrongType {
            found: "a token",
            ..
        })
    ));
    assert!(matches!(
        parse_policy(r#""a";q=1, 100;w=1"#),
        Err(RlError::Mixed(_))
    ));
    assert_eq!(parse_policy(""), Err(RlError::Empty));
    assert_eq!(parse_ratelimit("  "), Err(RlError::Empty));
    let e = err_of(&[
        ("RateLimit-Policy", r#""burst";q=100;w=60"#),
        ("RateLimit", r#""daily";r=1;t=1"#),
    ]);
    assert_eq!(
        e,
        vec![
            r#"RateLimit: `RateLimit` names policy "daily", which `RateLimit-Policy` does not declare"#
        ]
    );
    // The reference's `ratelimit-malformed` fault.
    let p = parse_fields(&fields(&[
        ("ratelimit-policy", r#""default";q=20;w=1"#),
        ("ratelimit", r#""default";r=3;t="#),
    ]));
    assert_eq!(p.errors.len(), 1);
    assert_eq!(p.errors[0].field, "RateLimit");
    // The policy alone still advertises the quota.
    assert_eq!(p.snapshot().unwrap().quota, Some(20));
}

#[test]
fn draft07_dictionary() {
    let p = parse_fields(&fields(&[
        ("RateLimit", "limit=100, remaining=50, reset=5"),
        ("RateLimit-Policy", "100;w=10"),
    ]));
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let s = p.snapshot().unwrap();
    assert_eq!(s.generation, Generation::Draft07);
    assert_eq!(
        (s.quota, s.window, s.remaining),
        (Some(100), Some(10), Some(50))
    );
    assert_eq!(s.reset, Some(Reset::delta(5.0)));
    assert_eq!(
        parse_ratelimit("limit=100, reset=5"),
        Err(RlError::Missing("remaining"))
    );
    assert!(matches!(
        parse_ratelimit("limit=100, remaining=-1, reset=5"),
        Err(RlError::Negative { .. })
    ));
    assert!(matches!(
        parse_ratelimit("limit=100, remaining=?1, reset=5"),
        Err(RlError::WrongType {
            found: "a boolean",
            ..
        })
    ));
    assert!(matches!(
        parse_ratelimit("limit=100, remaining=(1 2), reset=5"),
        Err(RlError::InnerList)
    ));
    assert!(matches!(
        parse_ratelimit("Limit=1"),
        Err(RlError::Syntax(_))
    ));
    // A draft-08 named policy next to a draft-07 dictionary is mixing generations.
    let e = err_of(&[
        ("RateLimit", "limit=100, remaining=50, reset=5"),
        ("RateLimit-Policy", r#""a";q=100"#),
    ]);
    assert_eq!(e.len(), 1, "{e:?}");
    let e = err_of(&[
        ("RateLimit", r#""a";r=1"#),
        ("RateLimit-Policy", "100;w=10"),
    ]);
    assert_eq!(e.len(), 1, "{e:?}");
}

#[test]
fn draft00_fields() {
    let p = parse_fields(&fields(&[
        ("RateLimit-Limit", "10, 10;w=1, 50;w=60"),
        ("RateLimit-Remaining", "4"),
        ("RateLimit-Reset", "7"),
    ]));
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let s = p.snapshot().unwrap();
    assert_eq!(s.generation, Generation::Draft00);
    assert_eq!((s.quota, s.remaining), (Some(10), Some(4)));
    assert_eq!(s.reset, Some(Reset::delta(7.0)));
    // Optional policy supplies the window.
    let p = parse_fields(&fields(&[
        ("RateLimit-Limit", "100"),
        ("RateLimit-Remaining", "4"),
        ("RateLimit-Reset", "7"),
        ("RateLimit-Policy", "100;w=60"),
    ]));
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let s = p.snapshot().unwrap();
    assert_eq!((s.generation, s.window), (Generation::Draft00, Some(60)));
    assert_eq!(parse_draft_limit("10;window=5"), Ok((10, Some(5))));
    assert!(matches!(
        parse_draft_integer("-1", "remaining"),
        Err(RlError::Negative { .. })
    ));
    assert!(matches!(
        parse_draft_integer("1.5", "reset"),
        Err(RlError::WrongType { .. })
    ));
    assert!(matches!(
        parse_draft_integer("abc def", "reset"),
        Err(RlError::Syntax(_))
    ));
    assert_eq!(parse_draft_limit("10, 5;w=0"), Err(RlError::ZeroWindow));
    assert_eq!(err_of(&[("RateLimit-Remaining", "x y")]).len(), 1);
}

#[test]
fn vendor_fields_and_units() {
    let p = parse_fields(&fields(&[
        ("X-RateLimit-Limit", "5000"),
        ("X-RateLimit-Remaining", "4999"),
        ("X-RateLimit-Reset", "1372700873"),
        ("X-RateLimit-Used", "1"),
    ]));
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let s = p.snapshot().unwrap();
    assert_eq!(s.generation, Generation::XRateLimit);
    assert_eq!(s.reset.unwrap().unit, ResetUnit::EpochSeconds);
    assert_eq!(
        p.reset_units,
        vec![("X-RateLimit-Reset", ResetUnit::EpochSeconds)]
    );
    assert_eq!(s.reset.unwrap().seconds_until(1372700870.0), 3.0);
    assert_eq!(
        parse_vendor_reset("30").unwrap().unit,
        ResetUnit::DeltaSeconds
    );
    assert_eq!(parse_vendor_reset("0.5").unwrap().value, 0.5);
    let ms = parse_vendor_reset("1372700873000").unwrap();
    assert_eq!(ms.unit, ResetUnit::EpochMillis);
    assert_eq!(ms.seconds_until(1372700870.0), 3.0);
    assert_eq!(
        parse_vendor_reset("1m30s").unwrap().unit,
        ResetUnit::Duration
    );
    assert!(matches!(
        parse_vendor_reset("-5"),
        Err(RlError::NotNumber(_))
    ));
    assert!(matches!(
        parse_vendor_reset("1.2.3"),
        Err(RlError::NotNumber(_))
    ));
    assert!(matches!(
        parse_vendor_reset("soon"),
        Err(RlError::BadDuration(_))
    ));
    assert!(matches!(
        parse_vendor_int("-1"),
        Err(RlError::NotInteger(_))
    ));
    assert!(matches!(
        parse_vendor_int("1e3"),
        Err(RlError::NotInteger(_))
    ));
    assert_eq!(parse_vendor_int(" 60 "), Ok(60));

    let p = parse_fields(&fields(&[
        ("x-rate-limit-limit", "900"),
        ("x-rate-limit-remaining", "899"),
        ("x-rate-limit-reset", "1700000000"),
    ]));
    assert_eq!(p.snapshot().unwrap().generation, Generation::XRateLimitDash);

    let p = parse_fields(&fields(&[
        ("x-ratelimit-limit-requests", "60"),
        ("x-ratelimit-remaining-requests", "59"),
        ("x-ratelimit-reset-requests", "6m0s"),
        ("x-ratelimit-reset-tokens", "20ms"),
    ]));
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let s = p.snapshot().unwrap();
    assert_eq!(s.generation, Generation::OpenAi);
    assert_eq!(s.reset.unwrap().value, 360.0);
    assert_eq!(s.reset.unwrap().unit, ResetUnit::Duration);
    assert_eq!(
        err_of(&[("x-ratelimit-reset-requests", "6 minutes")]).len(),
        1
    );
    assert_eq!(err_of(&[("X-RateLimit-Used", "many")]).len(), 1);
}

#[test]
fn durations() {
    assert_eq!(parse_duration("6m0s"), Ok(Duration::from_secs(360)));
    assert_eq!(
        parse_duration("1h2m3.5s"),
        Ok(Duration::from_secs_f64(3723.5))
    );
    assert_eq!(parse_duration("20ms"), Ok(Duration::from_millis(20)));
    assert_eq!(parse_duration("7µs"), Ok(Duration::from_micros(7)));
    for bad in ["", "5", "s", "5x", "1.2.3s", "-1s", "5 s"] {
        assert!(parse_duration(bad).is_err(), "{bad}");
    }
}

#[test]
fn newest_generation_wins_and_names_are_case_insensitive() {
    let p = parse_fields(&fields(&[
        ("X-RateLimit-Remaining", "3"),
        ("RATELIMIT", r#""p";r=9;t=1"#),
        ("RateLimit-Policy", r#""p";q=10;w=1"#),
    ]));
    assert!(p.errors.is_empty());
    assert_eq!(p.snapshot().unwrap().remaining, Some(9));
    assert!(!fields(&[("content-type", "x")]).any());
    assert!(fields(&[("x-ratelimit-used", "1")]).any());
}

/// Each of the sixteen names lands in its own field, in any case; a name one byte off (longer,
/// shorter, another ending) lands nowhere.
#[test]
fn every_field_name_finds_its_own_slot_in_any_case() {
    let all = Fields {
        policy: Some("1"),
        ratelimit: Some("2"),
        draft_limit: Some("3"),
        draft_remaining: Some("4"),
        draft_reset: Some("5"),
        x_limit: Some("6"),
        x_remaining: Some("7"),
        x_reset: Some("8"),
        x_used: Some("9"),
        xd_limit: Some("10"),
        xd_remaining: Some("11"),
        xd_reset: Some("12"),
        oa_limit: Some("13"),
        oa_remaining: Some("14"),
        oa_reset: Some("15"),
        oa_reset_tokens: Some("16"),
    }
    .present();
    assert_eq!(all.len(), 16);
    for &(name, value) in &all {
        let mixed: String = name
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if i % 2 == 0 {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect();
        for n in [name.to_string(), name.to_ascii_uppercase(), mixed] {
            let mut f = Fields::default();
            f.set(&n, value);
            assert_eq!(f.present(), vec![(name, value)], "{n}");
        }
        for n in [
            format!("{name}s"),
            format!("x{name}"),
            name[..name.len() - 1].to_string(),
        ] {
            let mut f = Fields::default();
            f.set(&n, value);
            assert!(!f.any(), "{n} is none of them");
        }
    }
    for n in [
        "x-ratelimit-",
        "x-rate-limit-",
        "ratelimit-",
        "x-ratelimit",
        "ratelimi",
        "",
    ] {
        let mut f = Fields::default();
        f.set(n, "1");
        assert!(!f.any(), "{n:?} is none of them");
    }
}

fn policy_strategy() -> impl Strategy<Value = (String, u64, Option<u64>)> {
    (
        "[a-z][a-z0-9_-]{0,10}",
        0u64..999_999_999_999_999,
        prop::option::of(1u64..1_000_000),
    )
}

/// `RateLimit` lists as they were parsed before the visitor: sfv's `List`, walked member by
/// member. The oracle the visiting parser is held to.
fn ratelimit_list_via_sfv_list(value: &str) -> Result<RateLimitField, RlError> {
    let list = parse_list(value)?;
    let mut out = Vec::new();
    for entry in &list {
        let ListEntry::Item(item) = entry else {
            return Err(RlError::InnerList);
        };
        let BareItem::String(name) = &item.bare_item else {
            return Err(RlError::WrongType {
                param: "policy".into(),
                expected: "a string (policy name)",
                found: type_name(&item.bare_item),
            });
        };
        let p = &item.params;
        out.push(Limit {
            policy: name.as_str().to_string(),
            remaining: param_u64(p, "r")?.ok_or(RlError::Missing("r"))?,
            reset: param_u64(p, "t")?,
            partition_key: param_bytes(p, "pk")?,
        });
    }
    Ok(RateLimitField::List(out))
}

#[test]
fn visited_ratelimit_lists_read_as_sfv_lists_do() {
    for v in [
        r#""default";r=50;t=30"#,
        r#""a";r=1;t=2, "b";r=0"#,
        r#""a";r=1;r=7;pk=:AQI=:"#,
        r#""a";t=3"#,
        r#""a";r=-1"#,
        r#""a";r=1.5"#,
        r#""a";r=1;pk="x""#,
        r#""a";r=1, ("b" "c");r=2"#,
        r#""a";r=1, 7;r=2"#,
        r#""a";r=1, tok;r=2"#,
        r#""a";r=1,"#,
        r#""a";R=1"#,
        r#""a";r=1;x=?0;y=@1;z=%"d""#,
    ] {
        assert_eq!(parse_ratelimit(v), ratelimit_list_via_sfv_list(v), "{v}");
    }
}

/// The scan without `sfv` takes the shape servers send, and leaves everything else to `sfv`.
#[test]
fn plain_limits_take_the_common_shape_and_leave_the_rest() {
    let limit = |p: &str, r, t| Limit {
        policy: p.into(),
        remaining: r,
        reset: t,
        partition_key: None,
    };
    for (v, want) in [
        (
            r#""default";r=50;t=30"#,
            vec![limit("default", 50, Some(30))],
        ),
        (r#""a";t=2;r=1"#, vec![limit("a", 1, Some(2))]),
        (r#""a";r=1;r=7"#, vec![limit("a", 7, None)]),
        (r#""a b";r=-0;x=-3"#, vec![limit("a b", 0, None)]),
        (
            "\"a\";r=1,\t\"b\";r=0;t=9 \t",
            vec![limit("a", 1, None), limit("b", 0, Some(9))],
        ),
        (r#""";r=000000000000007"#, vec![limit("", 7, None)]),
    ] {
        assert_eq!(members::plain_limits(v), Some(want), "{v}");
        assert_eq!(parse_ratelimit(v), ratelimit_list_via_sfv_list(v), "{v}");
    }
    for v in [
        r#""a";t=3"#,
        r#""a";r=-1"#,
        r#""a";r=1.5"#,
        r#""a";r=1000000000000000"#,
        r#""a";r=1;pk=:AQI=:"#,
        r#""a";r=1;x"#,
        r#""a";r=1;x=?1"#,
        r#""a";R=1"#,
        r#""a\"b";r=1"#,
        r#""a";r=1,"#,
        r#""a";r=1, 7;r=2"#,
        r#""a";r=1 ;t=2"#,
        "\"caf\u{e9}\";r=1",
        r#""a";r=1x"#,
    ] {
        assert_eq!(members::plain_limits(v), None, "{v}");
    }
}

proptest! {
    #[test]
    fn parsers_never_panic(s in "\\PC{0,60}") {
        let _ = parse_policy(&s);
        let _ = parse_ratelimit(&s);
        let _ = parse_draft_limit(&s);
        let _ = parse_draft_integer(&s, "x");
        let _ = parse_vendor_int(&s);
        let _ = parse_vendor_reset(&s);
        let _ = parse_duration(&s);
        let f = fields(&[("ratelimit", &s), ("ratelimit-policy", &s), ("x-ratelimit-reset", &s)]);
        let _ = parse_fields(&f);
    }

    #[test]
    fn sf_shaped_input_never_panics(s in r#"("[a-z]{1,3}"|[0-9]{1,3}|-?[0-9]{1,20})(;[a-z]{1,2}(=(-?[0-9]{1,20}|"[a-z]*"|\?[01]|:[A-Za-z0-9+/=]*:|[0-9]\.[0-9]))?){0,4}(, ?"[a-z]"(;[a-z]=[0-9]{0,3})*)?"#) {
        let _ = parse_fields(&fields(&[("ratelimit", &s), ("ratelimit-policy", &s)]));
    }

    /// A memo and a `Parsed` carried across responses (the passive observer's) never change a
    /// result: policies repeat, change, turn invalid and come back, beside changing `RateLimit`
    /// values.
    #[test]
    fn policy_memo_gives_what_a_fresh_parse_gives(
        seq in prop::collection::vec((0usize..5, 0u64..20, any::<bool>()), 1..30)
    ) {
        let policies = [
            r#""default";q=100;w=60"#,
            r#""default";q=100;w=60, "burst";q=10;w=1"#,
            r#""default";q=-1"#,
            "100;w=60",
            "",
        ];
        let mut memo = PolicyMemo::default();
        let (mut memo_into, mut reused) = (PolicyMemo::default(), Parsed::default());
        for (p, r, with_limit) in seq {
            let limit = format!("\"default\";r={r};t=30");
            let mut pairs = vec![("ratelimit-policy", policies[p])];
            if with_limit {
                pairs.push(("ratelimit", limit.as_str()));
            }
            let f = fields(&pairs);
            prop_assert_eq!(parse_fields_with(&f, &mut memo), parse_fields(&f));
            // A `Parsed` reused from the response before holds nothing of it.
            parse_fields_into(&f, &mut memo_into, &mut reused);
            prop_assert_eq!(&reused, &parse_fields(&f));
        }
    }

    /// A `RateLimit` list in the common shape is summed up without being built (the scan's
    /// members, the least remaining and the first undeclared name); the same list with a token
    /// parameter on every member (which RL ignores, and the scan leaves to `sfv`) is built and
    /// summed up from the list. Both must give the same snapshots and errors, whatever the
    /// policies: equal remainders (the first wins), undeclared names, unnamed policies, none.
    #[test]
    fn a_list_summed_up_without_building_it_reads_as_one_built(
        members in prop::collection::vec(("[abc]", 0u64..4, prop::option::of(0u64..90)), 1..4),
        policy in prop::option::of(prop_oneof![
            Just(r#""a";q=10;w=60, "b";q=20;w=1"#),
            Just(r#""c";q=5"#),
            Just("100;w=60"),
            Just(r#""a";q=-1"#),
        ]),
    ) {
        let list = |extra: &str| {
            members
                .iter()
                .map(|(n, r, t)| match t {
                    Some(t) => format!("\"{n}\";r={r};t={t}{extra}"),
                    None => format!("\"{n}\";r={r}{extra}"),
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let (plain, built) = (list(""), list(";x=tok"));
        prop_assert!(members::plain_limits(&plain).is_some());
        prop_assert!(members::plain_limits(&built).is_none());
        let parse = |v: &str| {
            let mut pairs = vec![("ratelimit", v)];
            pairs.extend(policy.map(|p| ("ratelimit-policy", p)));
            parse_fields(&fields(&pairs))
        };
        let got = parse(&plain);
        prop_assert_eq!(&got, &parse(&built));
        // And both are what the list means: the least remaining (the first of equals) ...
        let (name, r, t) = members.iter().min_by_key(|m| m.1).unwrap();
        let s = got.snapshot().unwrap();
        prop_assert_eq!(s.policy.as_deref(), Some(name.as_str()));
        prop_assert_eq!((s.remaining, s.reset), (Some(*r), t.map(|t| Reset::delta(t as f64))));
        // ... and the first member whose policy named policies do not declare.
        let declared: &[&str] = match policy {
            Some(p) if p.starts_with("\"a\"") && p.contains("q=10") => &["a", "b"],
            Some(p) if p.starts_with("\"c\"") => &["c"],
            _ => return Ok(()),
        };
        let undeclared = members.iter().find(|m| !declared.contains(&m.0.as_str()));
        let named = got.errors.iter().find_map(|e| match &e.error {
            RlError::UndeclaredPolicy(n) => Some(n.clone()),
            _ => None,
        });
        prop_assert_eq!(named, undeclared.map(|m| m.0.clone()));
    }

    /// The visiting `RateLimit` parser agrees with sfv's `List` on sf-shaped input: members,
    /// repeated, missing and mistyped parameters, inner lists, non-string items, bad syntax.
    #[test]
    fn visited_ratelimit_agrees_with_sfv_lists(s in r#""[a-z]{1,3}"(;(r|t|pk|x)(=(-?[0-9]{1,16}|"[a-z]*"|\?[01]|:[A-Za-z0-9+/=]{0,8}:|[0-9]\.[0-9]|tok))?){0,4}(, ?("[a-z]"|[0-9]|tok|\("a" 1\))(;(r|t|pk)=-?[0-9]{0,3})*){0,3},?"#) {
        prop_assert_eq!(parse_ratelimit(&s), ratelimit_list_via_sfv_list(&s));
    }

    /// Every answer the scan without `sfv` gives is what `sfv` gives (both the visiting parser
    /// and sfv's own `List`): names with spaces, escapes and non-ASCII, parameters of every type,
    /// keys sfv refuses, 15 and 16 digits, whitespace around commas and after `;`, trailing
    /// commas and whitespace.
    #[test]
    fn plain_limits_agree_with_sfv(
        members in prop::collection::vec(
            (
                prop_oneof![
                    6 => r#""[a-z0-9 !#]{0,4}""#,
                    1 => r#""(a\\"b|a\\\\b|é|a\tb)""#,
                ],
                prop::collection::vec(
                    prop_oneof![
                        4 => ";r=-?[0-9]{1,3}",
                        3 => ";t=[0-9]{1,3}",
                        2 => "; {1,2}(r|t|x)=[0-9]{15,16}",
                        1 => "[ \t]?;[ \t]?(r|t)=[0-9]",
                        2 => r#"; {0,2}(r|t|pk|x|R|1|\*a)(=(-?[0-9]{1,3}|[0-9]{1,3}\.[0-9]|\?[01]|"[a-z]*"|tok|:AQI=:))?"#,
                    ],
                    0..4,
                ),
            ),
            1..4,
        ),
        seps in prop::collection::vec(
            prop_oneof![6 => "[ \t]{0,2},[ \t]{0,2}", 1 => "(;| |, ,|,,)"],
            3,
        ),
        tail in prop_oneof![6 => "[ \t]{0,2}", 1 => "(,| ,|x|;)"],
    ) {
        let mut s = String::new();
        for (i, (name, params)) in members.iter().enumerate() {
            if i > 0 {
                s.push_str(&seps[i - 1]);
            }
            s.push_str(name);
            for p in params {
                s.push_str(p);
            }
        }
        s.push_str(&tail);
        if let Some(limits) = members::plain_limits(&s) {
            let fast = Ok(RateLimitField::List(limits));
            prop_assert_eq!(&fast, &ratelimit_list(&s), "{}", s);
            prop_assert_eq!(&fast, &ratelimit_list_via_sfv_list(&s), "{}", s);
        }
    }

    #[test]
    fn policy_round_trip(ps in prop::collection::vec(policy_strategy(), 1..4)) {
        let text = ps
            .iter()
            .map(|(n, q, w)| match w {
                Some(w) => format!("\"{n}\";q={q};w={w}"),
                None => format!("\"{n}\";q={q}"),
            })
            .collect::<Vec<_>>()
            .join(", ");
        let parsed = parse_policy(&text).unwrap();
        let back: Vec<_> = parsed.into_iter().map(|p| (p.name.unwrap(), p.quota, p.window)).collect();
        prop_assert_eq!(back, ps);
    }

    #[test]
    fn ratelimit_round_trip(name in "[a-z][a-z0-9]{0,8}", r in 0u64..999_999_999_999_999, t in prop::option::of(0u64..1_000_000)) {
        let text = match t {
            Some(t) => format!("\"{name}\";r={r};t={t}"),
            None => format!("\"{name}\";r={r}"),
        };
        let parsed = parse_ratelimit(&text).unwrap();
        prop_assert_eq!(parsed, RateLimitField::List(vec![Limit { policy: name, remaining: r, reset: t, partition_key: None }]));
    }

    #[test]
    fn dictionary_round_trip(l in 0u64..1_000_000_000, r in 0u64..1_000_000_000, t in 0u64..1_000_000) {
        let parsed = parse_ratelimit(&format!("limit={l}, remaining={r}, reset={t}")).unwrap();
        prop_assert_eq!(parsed, RateLimitField::Dict { limit: l, remaining: r, reset: t });
    }

    #[test]
    fn duration_round_trip(h in 0u64..100, m in 0u64..60, s in 0u64..60, ms in 0u64..1000) {
        let d = parse_duration(&format!("{h}h{m}m{s}s{ms}ms")).unwrap();
        prop_assert_eq!(d.as_millis(), u128::from(((h * 60 + m) * 60 + s) * 1000 + ms));
    }

    #[test]
    fn vendor_reset_units(v in 0u64..10_000_000_000_000) {
        let r = parse_vendor_reset(&v.to_string()).unwrap();
        prop_assert_eq!(r.unit, infer_unit(v as f64));
    }
}

/// `Fields::of` a response's headers: names in any case, the first textual value of a name (one
/// that is not visible ASCII is passed over for a later one), other fields ignored — the same
/// from a header map and from raw fields.
#[test]
fn fields_of_headers_take_the_first_textual_value_of_each_name() {
    use crate::observe::{Headers, RawHeaders};
    use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
    let head: &[u8] = b"HTTP/1.1 200 OK\r\nRATELIMIT-POLICY: \"a\";q=10\r\nRateLimit: caf\xc3\xa9\r\nratelimit: \"a\";r=3\r\nRateLimit: \"a\";r=9\r\nX-Other: 1\r\nx-ratelimit-remaining: 4\r\n\r\n";
    let mut parsed = [httparse::EMPTY_HEADER; 8];
    let mut resp = httparse::Response::new(&mut parsed);
    resp.parse(head).unwrap();
    let raw = RawHeaders::from_parsed(head, resp.headers);
    let mut map = HeaderMap::new();
    for h in resp.headers.iter() {
        map.append(
            HeaderName::from_bytes(h.name.as_bytes()).unwrap(),
            HeaderValue::from_bytes(h.value).unwrap(),
        );
    }
    for f in [
        Fields::of(Headers::Raw(&raw)),
        Fields::of(Headers::Map(&map)),
    ] {
        assert_eq!(f.policy, Some("\"a\";q=10"));
        assert_eq!(
            f.ratelimit,
            Some("\"a\";r=3"),
            "obs-text passed over, then first wins"
        );
        assert_eq!(f.x_remaining, Some("4"));
        assert_eq!(f.present().len(), 3, "{f:?}");
    }
}
