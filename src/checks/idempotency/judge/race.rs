//! IDEM-05 and IDEM-06: the races. One key sent at once by many clients, with the same body
//! (exactly one effect, every racer the winner's answer or a conflict) and with different bodies
//! (one body wins; no racer is told another body was applied).

use super::*;

// ---------------------------------------------------------------------------------------------
// IDEM-05 concurrent duplicates

/// IDEM-05: `racers` sent the same key and body at once, each on its own connection; `effect`
/// is what the oracle saw around the whole race.
pub fn judge_race(j: &Judge<'_>, racers: &[Exchange], effect: &Effect) -> CheckResult {
    const ID: &str = "IDEM-05";
    let n = racers.len();
    let mut f = Findings::new(
        ID,
        format!(
            "{n} identical concurrent requests to create one resource; losers 409 or the replay"
        ),
        j.redactor,
    );
    for (i, ex) in racers.iter().enumerate() {
        f.show(ex, format!("racer {i}"));
    }
    let ok: Vec<&Exchange> = racers.iter().filter(|e| e.is_success()).collect();
    let mut ids: Vec<String> = ok
        .iter()
        .filter_map(|e| created_id(e, j.id_pointer))
        .collect();
    ids.sort();
    ids.dedup();
    // The decisive racer: the first whose outcome shows the worst finding.
    let first_where = |p: &dyn Fn(&Exchange) -> bool| racers.iter().position(p);
    if ids.len() > 1 {
        f.fail(format!(
            "{} racers got 2xx with {} different ids ({})",
            ok.len(),
            ids.len(),
            abbreviate(&ids)
        ));
        // The first 2xx whose id is not the first winner's: the duplicate creation.
        let winner = ok.iter().find_map(|e| created_id(e, j.id_pointer));
        if let Some(i) = first_where(&|e: &Exchange| {
            e.is_success() && created_id(e, j.id_pointer).is_some_and(|id| Some(id) != winner)
        }) {
            f.decide(i);
        }
    }
    if let Some(e) = effect
        .side_effect()
        .filter(|_| !matches!(effect, Effect::Count(1)))
    {
        f.fail(format!("more than one side effect: {e}"));
    }
    if matches!(effect, Effect::Count(0)) && !ok.is_empty() {
        f.warn("the oracle counted no new resource although a racer got 2xx");
    }
    let server_errors = racers.iter().filter(|e| is_5xx(e)).count();
    if server_errors > 0 {
        f.fail(format!("{server_errors} racer(s) got 5xx"));
        if let Some(i) = first_where(&|e: &Exchange| is_5xx(e)) {
            f.decide(i);
        }
    }
    let no_response = racers.iter().filter(|e| e.status.is_none()).count();
    if no_response > 0 {
        f.warn(format!("{no_response} racer(s) got no response"));
        if let Some(i) = first_where(&|e: &Exchange| e.status.is_none()) {
            f.decide(i);
        }
    }
    if ok.is_empty() {
        f.warn("no racer got 2xx, so there is no winner to compare with");
    }
    let odd = racers
        .iter()
        .filter(|e| is_4xx(e) && e.status != Some(409))
        .count();
    if odd > 0 {
        f.warn(format!(
            "{odd} loser(s) got a 4xx other than 409 ({})",
            statuses(racers.iter().filter(|e| is_4xx(e) && e.status != Some(409)))
        ));
        if let Some(i) = first_where(&|e: &Exchange| is_4xx(e) && e.status != Some(409)) {
            f.decide(i);
        }
    }
    if ids.len() == 1 {
        let first = ok[0];
        let differing = ok.iter().filter(|e| !same_json(first, e)).count();
        if differing > 0 {
            f.warn(format!(
                "{differing} 2xx replay(s) differ from the winner's body"
            ));
            if let Some(i) = first_where(&|e: &Exchange| e.is_success() && !same_json(first, e)) {
                f.decide(i);
            }
        }
    }
    if let Some(n) = effect.note() {
        f.note(n);
    }
    let conflicts = racers.iter().filter(|e| e.status == Some(409)).count();
    let r = f.finish(format!(
        "one resource ({}); {} racer(s) 2xx with that id, {conflicts} 409",
        ids.first().map_or("?", String::as_str),
        ok.len()
    ));
    require_evidence(r, !ids.is_empty(), effect, j.id_pointer)
}

fn abbreviate(ids: &[String]) -> String {
    let mut s = ids.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
    if ids.len() > 3 {
        s.push_str(&format!(", … {} more", ids.len() - 3));
    }
    s
}

/// `201 ×3, 409 ×2` for a set of exchanges.
fn statuses<'e>(it: impl Iterator<Item = &'e Exchange>) -> String {
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for e in it {
        *counts.entry(status_text(e)).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|(s, n)| format!("{s} ×{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

// ---------------------------------------------------------------------------------------------
// IDEM-06 concurrent mismatch

/// IDEM-06: `racers` sent one key with different bodies at once. `state` is a GET of the
/// winner's resource afterwards (`get` oracle); `varied` the pointers where the bodies differ;
/// `effect` what the oracle saw around the race.
pub fn judge_concurrent_mismatch(
    j: &Judge<'_>,
    racers: &[Exchange],
    state: Option<&Exchange>,
    varied: &[String],
    effect: &Effect,
) -> CheckResult {
    const ID: &str = "IDEM-06";
    let n = racers.len();
    let mut f = Findings::new(
        ID,
        format!(
            "one winner among {n} concurrent requests with one key and different bodies, the rest 4xx, final state = the winner's"
        ),
        j.redactor,
    );
    for (i, ex) in racers.iter().enumerate() {
        f.show(ex, format!("racer {i}"));
    }
    let ok: Vec<&Exchange> = racers.iter().filter(|e| e.is_success()).collect();
    let mut ids: Vec<String> = ok
        .iter()
        .filter_map(|e| created_id(e, j.id_pointer))
        .collect();
    ids.sort();
    ids.dedup();
    if ids.len() > 1 {
        f.fail(format!(
            "mixed state: {} racers got 2xx with {} different ids ({})",
            ok.len(),
            ids.len(),
            abbreviate(&ids)
        ));
        let winner = ok.iter().find_map(|e| created_id(e, j.id_pointer));
        if let Some(i) = racers.iter().position(|e| {
            e.is_success() && created_id(e, j.id_pointer).is_some_and(|id| Some(id) != winner)
        }) {
            f.decide(i);
        }
    }
    if let Some(e) = effect
        .side_effect()
        .filter(|_| !matches!(effect, Effect::Count(1)))
    {
        f.fail(format!("more than one side effect: {e}"));
    }
    let server_errors = racers.iter().filter(|e| is_5xx(e)).count();
    if server_errors > 0 {
        f.fail(format!("{server_errors} racer(s) got 5xx"));
        if let Some(i) = racers.iter().position(is_5xx) {
            f.decide(i);
        }
    }
    let no_response = racers.iter().filter(|e| e.status.is_none()).count();
    if no_response > 0 {
        f.warn(format!("{no_response} racer(s) got no response"));
    }
    if ok.is_empty() {
        f.warn("no racer got 2xx, so there is no winner");
    }
    // Racers whose own body matches the final state: exactly the winners may.
    if let Some(st) = state {
        f.show(st, "the winner's resource after the race");
        let state_at = racers.len();
        if let (true, Some(res)) = (st.is_success(), st.json()) {
            let matching: Vec<usize> = racers
                .iter()
                .enumerate()
                .filter(|(_, e)| {
                    e.probe
                        .json()
                        .is_some_and(|b| state_matches(&res, &b, varied) == Some(true))
                })
                .map(|(i, _)| i)
                .collect();
            let comparable = racers
                .iter()
                .filter_map(|e| e.probe.json())
                .any(|b| state_matches(&res, &b, varied).is_some());
            if comparable {
                if matching.is_empty() {
                    f.fail("mixed state: the final resource matches none of the bodies sent");
                    f.decide(state_at);
                } else if !matching.iter().any(|&i| racers[i].is_success()) {
                    f.fail(format!(
                        "mixed state: the final resource carries the body of racer {}, which got {}",
                        matching[0],
                        status_text(&racers[matching[0]])
                    ));
                    f.decide(state_at);
                }
            } else {
                f.note(format!(
                    "final state not compared: the resource does not echo {}",
                    varied.join(", ")
                ));
            }
        } else {
            f.warn(format!(
                "the winner's resource could not be read ({})",
                status_text(st)
            ));
        }
    }
    // A racer that sent the winner's very body is owed the replay; only a 2xx to a *different*
    // body is the payload-mismatch rule broken. The winner's body: the one the final state
    // carries, else the first 2xx racer's.
    let winner_body = state
        .and_then(|st| st.json().filter(|_| st.is_success()))
        .and_then(|res| {
            racers
                .iter()
                .filter(|e| e.is_success())
                .filter_map(|e| e.probe.json())
                .find(|b| state_matches(&res, b, varied) == Some(true))
        })
        .or_else(|| {
            racers
                .iter()
                .find(|e| e.is_success())
                .and_then(|e| e.probe.json())
        });
    let differing: Vec<usize> = racers
        .iter()
        .enumerate()
        .filter(|(_, e)| e.is_success() && e.probe.json() != winner_body)
        .map(|(i, _)| i)
        .collect();
    if ids.len() <= 1 && !differing.is_empty() {
        f.warn(format!(
            "{} racers with a different body got 2xx (the winner's replay) instead of 4xx; the payload-mismatch rule is IDEM-03's",
            differing.len()
        ));
        f.decide(differing[0]);
    }
    let odd = racers
        .iter()
        .filter(|e| {
            e.status
                .is_some_and(|s| !(200..300).contains(&s) && !(400..500).contains(&s))
                && !is_5xx(e)
        })
        .count();
    if odd > 0 {
        f.warn(format!("{odd} loser(s) got neither 2xx nor 4xx"));
    }
    if let Some(n) = effect.note() {
        f.note(n);
    }
    let r = f.finish(format!(
        "one winner ({}); losers {}",
        ids.first().map_or("?", String::as_str),
        statuses(racers.iter().filter(|e| !e.is_success()))
    ));
    require_evidence(r, !ids.is_empty(), effect, j.id_pointer)
}
