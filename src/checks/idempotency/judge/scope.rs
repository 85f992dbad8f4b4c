//! IDEM-07 and IDEM-08: the key's scope (no client gets another's cached response) and the
//! methods beyond POST (DELETE and PUT under a repeated key).

use super::*;

// ---------------------------------------------------------------------------------------------
// IDEM-07 key scope

/// What IDEM-07 gathered: one key and body sent by client A, then by client B (the second
/// credential), then by A again; `effect` is what the oracle saw around B's request.
pub struct KeyScopeRun {
    pub a: Exchange,
    pub b: Exchange,
    pub a_again: Exchange,
    pub effect: Effect,
}

fn marked_replayed(ex: &Exchange) -> bool {
    ex.header("idempotent-replayed")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// IDEM-07: neither client may get the other's cached response. `header` is the second
/// credential's header name.
pub fn judge_key_scope(j: &Judge<'_>, header: &str, run: &KeyScopeRun) -> CheckResult {
    const ID: &str = "IDEM-07";
    let (a, b) = (&run.a, &run.b);
    if !a.is_success() {
        return setup_error(ID, "client A's request", a, j.redactor);
    }
    let mut f = Findings::new(
        ID,
        format!(
            "client B (another {header}) with client A's key to get its own outcome, not A's response"
        ),
        j.redactor,
    );
    f.show(a, "client A");
    f.show(b, format!("client B: same key and body, another {header}"));
    f.show(&run.a_again, "client A again");
    match b.status {
        None => {
            return verdict(
                ID,
                CheckStatus::Error,
                format!("could not run: client B's request got {}", status_text(b)),
                f.evidence,
            );
        }
        Some(s @ (401 | 403)) => {
            return verdict(
                ID,
                CheckStatus::Error,
                format!(
                    "could not run: client B's request got {s}; check second_credential ({header})"
                ),
                f.evidence,
            );
        }
        _ => {}
    }
    let (id_a, id_b) = (created_id(a, j.id_pointer), created_id(b, j.id_pointer));
    // Client B's exchange decides what it finds; A's retry (the last) decides its own finding.
    if b.is_success() {
        match (&id_a, &id_b) {
            (Some(x), Some(y)) if x == y => f.fail(format!(
                "client B received client A's response (resource {x})"
            )),
            (Some(_), Some(_)) => {}
            _ if same_json(a, b) => f.fail("client B received a body identical to client A's"),
            _ => f.note(format!(
                "no id at {} or Location to compare; the bodies differ",
                j.id_pointer
            )),
        }
        if marked_replayed(b) && f.fails.is_empty() {
            f.fail("client B's response is marked Idempotent-Replayed: true, though B never sent the key");
        }
        if matches!(run.effect, Effect::Count(0)) {
            f.fail("client B got 2xx but the oracle counted no new resource: its request did not execute");
        }
    } else if is_5xx(b) {
        f.fail(format!("client B got {}", status_text(b)));
    } else {
        f.warn(format!(
            "client B got {}: the key seems shared across credentials (no body leaked)",
            status_text(b)
        ));
    }
    if !f.fails.is_empty() || !f.warns.is_empty() {
        f.decide(1);
    }
    // The other direction: A's retry must still be A's response, not B's.
    let id_again = created_id(&run.a_again, j.id_pointer);
    if run.a_again.is_success() && id_again.is_some() && id_again == id_b && id_b != id_a {
        f.fail(format!(
            "client A's retry received client B's response (resource {})",
            id_b.as_deref().unwrap_or("?")
        ));
    }
    if let Some(n) = run.effect.note() {
        f.note(n);
    }
    f.finish(format!(
        "client A {} ({}), client B {} ({}) without Idempotent-Replayed",
        status_text(a),
        id_a.as_deref().unwrap_or("?"),
        status_text(b),
        id_b.as_deref().unwrap_or("?")
    ))
}

// ---------------------------------------------------------------------------------------------
// IDEM-08 method idempotency

/// What IDEM-08 gathered for DELETE: two DELETEs of a freshly created resource, a GET after,
/// and what the oracle saw around the second DELETE.
pub struct DeleteRun {
    pub first: Exchange,
    pub second: Exchange,
    pub after: Option<Exchange>,
    pub effect: Effect,
}

/// What IDEM-08 gathered for PUT: the same representation PUT several times, and a GET of the
/// resource after each (when the oracle can read it).
pub struct PutRun {
    pub puts: Vec<Exchange>,
    pub states: Vec<Exchange>,
}

/// IDEM-08. `put` is `Err(note)` when PUT was not tested (the note says why).
pub fn judge_methods(j: &Judge<'_>, del: &DeleteRun, put: Result<&PutRun, &str>) -> CheckResult {
    const ID: &str = "IDEM-08";
    let mut f = Findings::new(
        ID,
        "a repeated DELETE to get 2xx or 404/410 without state drift, and repeated PUTs to leave one state",
        j.redactor,
    );
    f.show(&del.first, "first DELETE");
    f.show(&del.second, "second DELETE");
    match del.first.status {
        Some(405 | 501) => {
            return verdict(
                ID,
                CheckStatus::Skip,
                format!(
                    "the API does not allow DELETE on the created resource ({}); IDEM-08 needs a DELETE request with {{id}} in its path",
                    status_text(&del.first)
                ),
                vec![],
            );
        }
        _ if is_5xx(&del.first) || del.first.status.is_none() => {
            f.fail(format!("first DELETE got {}", status_text(&del.first)));
            f.decide(0);
        }
        _ if !del.first.is_success() => {
            f.warn(format!(
                "first DELETE of a freshly created resource got {}",
                status_text(&del.first)
            ));
            f.decide(0);
        }
        _ => {}
    }
    match del.second.status {
        Some(404 | 410) => {}
        Some(s) if (200..300).contains(&s) => {}
        Some(s) if s >= 500 => {
            f.fail(format!("repeated DELETE got {s}"));
            f.decide(1);
        }
        _ => {
            f.warn(format!("repeated DELETE got {}", status_text(&del.second)));
            f.decide(1);
        }
    }
    if let Some(e) = del.effect.side_effect() {
        f.fail(format!("state drift on the repeated DELETE: {e}"));
        f.decide(1);
    }
    if let Some(n) = del.effect.note() {
        f.note(n);
    }
    if let Some(after) = &del.after {
        f.show(after, "GET after both DELETEs");
        let before = (f.fails.len(), f.warns.len());
        match after.status {
            Some(404 | 410) => {}
            Some(s) if (200..300).contains(&s) => {
                if del.first.status == Some(202) {
                    f.warn("the resource is still readable after an accepted (202) DELETE");
                } else if del.first.is_success() {
                    f.fail(format!(
                        "state drift: the resource is still readable ({s}) after DELETE"
                    ));
                }
            }
            Some(s) if s >= 500 => f.fail(format!("GET after DELETE got {s}")),
            _ => f.warn(format!("GET after DELETE got {}", status_text(after))),
        }
        if (f.fails.len(), f.warns.len()) != before {
            f.decide(2);
        }
    }
    let put_seen = match put {
        Err(note) => note.to_string(),
        Ok(run) => {
            let puts_at = f.evidence.len();
            let states_at = puts_at + run.puts.len();
            for (i, p) in run.puts.iter().enumerate() {
                f.show(p, format!("PUT #{}", i + 1));
            }
            for (i, s) in run.states.iter().enumerate() {
                f.show(s, format!("GET after PUT #{}", i + 1));
            }
            if let Some(i) = run
                .puts
                .iter()
                .position(|p| is_5xx(p) || p.status.is_none())
            {
                f.fail(format!("PUT got {}", status_text(&run.puts[i])));
                f.decide(puts_at + i);
            }
            let first_status = run.puts.first().and_then(|p| p.status);
            if let Some(i) = run.puts.iter().position(|p| p.status != first_status) {
                f.decide(puts_at + i);
                f.warn(format!(
                    "repeated PUTs got different statuses ({})",
                    run.puts
                        .iter()
                        .map(status_text)
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            // States after each PUT must be identical; without a GET, the PUT responses are.
            let views: &[Exchange] = if run.states.is_empty() {
                &run.puts
            } else {
                &run.states
            };
            if let Some(first) = views.first() {
                if let Some(i) = views.iter().position(|v| !same_json(first, v)) {
                    f.fail("state drift: the resource differs between identical PUTs");
                    let at = if run.states.is_empty() {
                        puts_at
                    } else {
                        states_at
                    };
                    f.decide(at + i);
                }
            }
            format!("PUT ×{}: one state", run.puts.len())
        }
    };
    f.finish(format!(
        "DELETE {} then {}{}; {put_seen}",
        status_text(&del.first),
        status_text(&del.second),
        del.after
            .as_ref()
            .map(|a| format!(", GET after {}", status_text(a)))
            .unwrap_or_default()
    ))
}
