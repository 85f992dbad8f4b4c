//! The refill experiment: RL-06 (long windows) and RL-10, decided from observations (no
//! network).

use super::super::advert::{self, Advert};
use super::super::judge::Obs;
use super::super::refill::{self, Experiment, Fresh};
use crate::headers::ratelimit::{Generation, Reset, Snapshot};
use crate::verdict::CheckStatus;

const Q: u64 = 4;
const W: f64 = 4.0;

fn acc(at: f64, remaining: Option<u64>) -> Obs {
    Obs {
        sent_ms: at,
        done_ms: at + 1.0,
        status: Some(200),
        snap: remaining.map(|r| Snapshot {
            generation: Generation::XRateLimit,
            policy: None,
            quota: Some(Q),
            window: None,
            remaining: Some(r),
            reset: Some(Reset::delta(W)),
        }),
        reset_in: remaining.map(|_| W),
        ..Obs::default()
    }
}

fn thr(at: f64) -> Obs {
    Obs {
        sent_ms: at,
        done_ms: at + 1.0,
        status: Some(429),
        retry_after: Some(Ok(1.0)),
        ..Obs::default()
    }
}

fn ad(declared: bool) -> Advert {
    Advert {
        quota: Q,
        window_s: Some(W),
        declared,
        source: "test".into(),
    }
}

/// Builds an experiment from a script: the opener at 0, a burst at 2000 ms, then paced probes
/// every 250 ms from 2250 ms; `refills` are (time, how many accepted) runs.
fn script(burst_ok: usize, refills: &[(f64, usize)], end: f64) -> (Vec<Obs>, Experiment) {
    let mut obs = vec![acc(0.0, Some(Q - 1))];
    let mut burst = Vec::new();
    for k in 0..burst_ok {
        burst.push(obs.len());
        obs.push(acc(
            2000.0 + k as f64 * 2.0,
            Some((Q - 1).saturating_sub(k as u64 + 1)),
        ));
    }
    burst.push(obs.len());
    obs.push(thr(2000.0 + burst_ok as f64 * 2.0));
    let mut probes = Vec::new();
    let mut runs = Vec::new();
    let mut t = 2250.0;
    let mut pending = refills.iter().peekable();
    while t < end {
        if let Some(&&(at, n)) = pending.peek() {
            if at <= t {
                pending.next();
                let mut run = Vec::new();
                for k in 0..n {
                    run.push(obs.len());
                    if k == 0 {
                        probes.push(obs.len());
                    }
                    obs.push(acc(t + k as f64 * 2.0, None));
                }
                run.push(obs.len());
                obs.push(thr(t + n as f64 * 2.0));
                runs.push(run);
                t += 250.0;
                continue;
            }
        }
        probes.push(obs.len());
        obs.push(thr(t));
        t += 250.0;
    }
    let exp = Experiment {
        opener: Some(0),
        burst,
        fresh: Fresh::Verified,
        probes,
        refills: runs,
        end_ms: end,
        pace_ms: 250.0,
        cut: false,
    };
    (obs, exp)
}

fn class_of(burst_ok: usize, refills: &[(f64, usize)], end: f64) -> String {
    let (obs, exp) = script(burst_ok, refills, end);
    let d = refill::algorithm(&obs, &exp, &ad(false), W, None);
    assert_eq!(d.status, CheckStatus::Pass, "{}", d.message);
    d.message
}

#[test]
fn a_fixed_window_refills_at_an_edge_and_bursts() {
    // The opener opened the window at 0; it ends at 4000: everything back at once.
    let m = class_of(3, &[(4000.0, 4)], 4300.0);
    assert!(m.starts_with("fixed window"), "{m}");
    assert!(m.contains("boundary-burst factor 1.75"), "{m}");
    let (obs, exp) = script(3, &[(4000.0, 4)], 4300.0);
    let d = refill::algorithm(&obs, &exp, &ad(false), W, Some(1.0));
    assert_eq!(d.status, CheckStatus::Fail, "{}", d.message);
    assert!(
        d.message.contains("exceeds max_burst 1.00"),
        "{}",
        d.message
    );
    assert!(
        d.message.contains("behaves as a fixed window"),
        "{}",
        d.message
    );
}

#[test]
fn a_sliding_log_gives_back_the_opener_then_the_burst() {
    let m = class_of(3, &[(4000.0, 1), (6000.0, 3)], 6300.0);
    assert!(m.starts_with("sliding window (log)"), "{m}");
    assert!(m.contains("boundary-burst factor 1.00"), "{m}");
    let (obs, exp) = script(3, &[(4000.0, 1), (6000.0, 3)], 6300.0);
    let d = refill::algorithm(&obs, &exp, &ad(false), W, Some(1.0));
    assert_eq!(d.status, CheckStatus::Pass, "{}", d.message);
}

#[test]
fn a_bucket_refills_one_at_a_time_right_after_the_burst() {
    let m = class_of(4, &[(3000.0, 1), (4000.0, 1), (5000.0, 1)], 5300.0);
    assert!(m.starts_with("token or leaky bucket"), "{m}");
}

#[test]
fn a_sliding_counter_waits_for_an_edge_then_refills_one_at_a_time() {
    let m = class_of(3, &[(5000.0, 1), (6000.0, 1), (7000.0, 1)], 7300.0);
    assert!(m.starts_with("sliding window (counter)"), "{m}");
}

#[test]
fn no_refill_within_the_budget_is_a_skip_that_says_so() {
    let (obs, mut exp) = script(3, &[], 3000.0);
    exp.cut = true;
    let d = refill::algorithm(&obs, &exp, &ad(false), W, None);
    assert_eq!(d.status, CheckStatus::Skip, "{}", d.message);
    assert!(
        d.message.contains("within the time budget"),
        "{}",
        d.message
    );
}

#[test]
fn exhaustion_is_exact_or_a_finding() {
    // The burst's first response advertises 2 remaining: 3 accepted, then a 429, is exact.
    let (obs, exp) = script(3, &[], 2300.0);
    let d = refill::exhaustion(&obs, &exp, &ad(false), 0.1);
    assert_eq!(d.status, CheckStatus::Pass, "{}", d.message);
    assert!(
        d.message.contains("first 429 at request 4"),
        "{}",
        d.message
    );
    assert!(d.message.contains("(exact)"), "{}", d.message);
    // Three more accepted than advertised.
    let (mut obs, exp) = script(6, &[], 2300.0);
    for &i in &exp.burst[1..6] {
        obs[i].snap = None;
    }
    obs[exp.burst[0]].snap.as_mut().unwrap().remaining = Some(2);
    let d = refill::exhaustion(&obs, &exp, &ad(false), 0.1);
    assert_eq!(d.status, CheckStatus::Fail, "{}", d.message);
    assert!(
        d.message.starts_with("more accepted than advertised"),
        "{}",
        d.message
    );
    // Throttled with quota left: 2 advertised remaining, then a 429 at the second request.
    let (mut obs, exp) = script(1, &[], 2300.0);
    obs[exp.burst[0]].snap.as_mut().unwrap().remaining = Some(3);
    let d = refill::exhaustion(&obs, &exp, &ad(false), 0.1);
    assert_eq!(d.status, CheckStatus::Fail, "{}", d.message);
    assert!(
        d.message.starts_with("throttled while quota remained"),
        "{}",
        d.message
    );
    // Against a quota the scenario declares, not one the server advertises: a warning.
    let d = refill::exhaustion(&obs, &exp, &ad(true), 0.1);
    assert_eq!(d.status, CheckStatus::Warn, "{}", d.message);
}

#[test]
fn the_window_comes_from_the_policy_the_scenario_or_a_fresh_reset() {
    let fresh = vec![acc(0.0, Some(Q - 1))];
    let a = advert::resolve(&fresh, None, None).unwrap();
    assert_eq!(a.window_s, Some(W));
    assert!(a.source.contains("longest reset"), "{}", a.source);
    // The scenario's window wins over the inference (a bucket's reset is its next token).
    let a = advert::resolve(&fresh, None, Some(std::time::Duration::from_secs(60))).unwrap();
    assert_eq!(a.window_s, Some(60.0));
    assert!(a.source.contains("declared"), "{}", a.source);
    // An epoch reset rounded up by the server reads a 10 s window as 11 s: snapped to 10.
    let mut ceiled = acc(0.0, Some(Q - 1));
    ceiled.reset_in = Some(10.8);
    assert_eq!(
        advert::resolve(&[ceiled], None, None).unwrap().window_s,
        Some(10.0)
    );
    // The longest reset seen, not the latest.
    let mut later = acc(0.0, Some(1));
    later.reset_in = Some(1.2);
    let two = vec![later, acc(0.0, Some(Q - 1))];
    assert_eq!(advert::resolve(&two, None, None).unwrap().window_s, Some(W));
    // No reset at all and nothing declared: no window.
    let mut bare_ok = acc(0.0, Some(1));
    bare_ok.reset_in = None;
    assert_eq!(
        advert::resolve(&[bare_ok], None, None).unwrap().window_s,
        None
    );
    // Nothing advertised: the declaration, marked as such.
    let bare = vec![thr(0.0)];
    assert!(advert::resolve(&bare, None, None).is_none());
    let a = advert::resolve(&bare, Some(5), Some(std::time::Duration::from_secs(10))).unwrap();
    assert!(a.declared && a.quota == 5 && a.window_s == Some(10.0));
}
