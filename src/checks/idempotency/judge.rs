//! Pure decision functions of the idempotency checks: exchanges (and what the side-effect oracle
//! measured) in, one [`CheckResult`] out. No network here, so unit tests drive every branch
//! with hand-built exchanges.

use serde_json::Value;

use crate::checks::probe::Exchange;
use crate::checks::verdict;
use crate::redact::Redactor;
use crate::scenario::IdemProfile;
use crate::verdict::{CheckResult, CheckStatus, Evidence};

/// What the judge needs besides the exchanges.
pub struct Judge<'a> {
    pub profile: IdemProfile,
    /// JSON pointer to the created resource's id in a response body.
    pub id_pointer: &'a str,
    pub redactor: &'a Redactor,
}

/// What the side-effect oracle measured around one action.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// A count oracle (a count or an array length, read before and after): how many resources
    /// the action created (negative: removed).
    Count(i64),
    /// A probe oracle whose value is not a count: whether it changed.
    Changed(bool),
    /// Nothing measured before/after (the `get` oracle): the ids in the responses and a GET of
    /// the resource are the evidence.
    NotMeasured,
    /// The oracle request failed; the reason.
    Unavailable(String),
}

impl Effect {
    /// A description when the oracle saw a side effect, `None` when it saw none (or cannot say).
    fn side_effect(&self) -> Option<String> {
        match self {
            Effect::Count(n) if *n != 0 => Some(format!("the oracle counted {n:+} resource(s)")),
            Effect::Changed(true) => Some("the oracle's value changed".into()),
            _ => None,
        }
    }

    fn note(&self) -> Option<String> {
        match self {
            Effect::Unavailable(why) => Some(format!("oracle unavailable: {why}")),
            _ => None,
        }
    }
}

/// The id of the resource a response names: the JSON at `pointer` in its body (a string or a
/// number), else the last path segment of its `Location` header.
pub fn created_id(ex: &Exchange, pointer: &str) -> Option<String> {
    if let Some(v) = ex.json().as_ref().and_then(|j| j.pointer(pointer)) {
        match v {
            Value::String(s) if !s.is_empty() => return Some(s.clone()),
            Value::Number(n) => return Some(n.to_string()),
            _ => {}
        }
    }
    let loc = ex.header("location")?;
    let path = loc.split(['?', '#']).next().unwrap_or("");
    path.rsplit('/')
        .find(|s| !s.is_empty())
        .map(|s| s.to_string())
}

/// Leaf JSON pointers whose values differ between `a` and `b` (present in either).
pub fn differing_pointers(a: &Value, b: &Value) -> Vec<String> {
    fn walk(a: Option<&Value>, b: Option<&Value>, at: String, out: &mut Vec<String>) {
        match (a, b) {
            (Some(Value::Object(x)), Some(Value::Object(y))) => {
                let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
                keys.sort();
                keys.dedup();
                for k in keys {
                    let esc = k.replace('~', "~0").replace('/', "~1");
                    walk(x.get(k), y.get(k), format!("{at}/{esc}"), out);
                }
            }
            (Some(Value::Array(x)), Some(Value::Array(y))) if x.len() == y.len() => {
                for (i, (p, q)) in x.iter().zip(y).enumerate() {
                    walk(Some(p), Some(q), format!("{at}/{i}"), out);
                }
            }
            (x, y) if x != y => out.push(at),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(Some(a), Some(b), String::new(), &mut out);
    out
}

/// Whether a resource representation carries `body`'s values at `pointers`: `None` when none of
/// the pointers is present in both (the representation does not echo those fields).
pub fn state_matches(resource: &Value, body: &Value, pointers: &[String]) -> Option<bool> {
    let mut compared = false;
    for p in pointers {
        if let (Some(r), Some(b)) = (resource.pointer(p), body.pointer(p)) {
            compared = true;
            if r != b {
                return Some(false);
            }
        }
    }
    compared.then_some(true)
}

/// The first leaf of `body` a deterministic mutation can change while keeping it plausible: the
/// first number (depth first, keys in sorted order) gets `+ i`, else the first string gets
/// `-i` appended. Returns the mutated body and the pointer changed; `i = 0` is the identity.
pub fn mutate(body: &Value, i: u64) -> Option<(Value, String)> {
    fn find(v: &Value, at: &str, want_number: bool) -> Option<String> {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                keys.into_iter().find_map(|k| {
                    let esc = k.replace('~', "~0").replace('/', "~1");
                    find(&m[k], &format!("{at}/{esc}"), want_number)
                })
            }
            Value::Array(a) => a
                .iter()
                .enumerate()
                .find_map(|(n, x)| find(x, &format!("{at}/{n}"), want_number)),
            Value::Number(_) if want_number => Some(at.to_string()),
            Value::String(_) if !want_number => Some(at.to_string()),
            _ => None,
        }
    }
    let pointer = find(body, "", true).or_else(|| find(body, "", false))?;
    let mut out = body.clone();
    let leaf = out.pointer_mut(&pointer)?;
    *leaf = match &*leaf {
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                Value::from(u.saturating_add(i))
            } else if let Some(s) = n.as_i64() {
                Value::from(s.saturating_add(i as i64))
            } else {
                Value::from(n.as_f64().unwrap_or(0.0) + i as f64)
            }
        }
        Value::String(s) if i > 0 => Value::String(format!("{s}-{i}")),
        other => other.clone(),
    };
    Some((out, pointer))
}

fn status_text(ex: &Exchange) -> String {
    match (ex.status, &ex.error) {
        (Some(s), _) => s.to_string(),
        (None, Some(e)) => format!("no response ({e})"),
        (None, None) => "no response".into(),
    }
}

fn is_5xx(ex: &Exchange) -> bool {
    ex.status.is_some_and(|s| s >= 500)
}

fn is_4xx(ex: &Exchange) -> bool {
    ex.status.is_some_and(|s| (400..500).contains(&s))
}

fn same_json(a: &Exchange, b: &Exchange) -> bool {
    match (a.json(), b.json()) {
        (Some(x), Some(y)) => x == y,
        _ => a.body == b.body,
    }
}

/// Collects findings for one check and turns them into its verdict.
struct Findings<'a> {
    id: &'static str,
    expected: String,
    fails: Vec<String>,
    warns: Vec<String>,
    notes: Vec<String>,
    evidence: Vec<Evidence>,
    /// The evidence that decides the verdict, when it is not the last shown, and whether a
    /// failure (not a warning) marked it.
    decisive: Option<(usize, bool)>,
    redactor: &'a Redactor,
}

impl<'a> Findings<'a> {
    fn new(id: &'static str, expected: impl Into<String>, redactor: &'a Redactor) -> Self {
        Findings {
            id,
            expected: expected.into(),
            fails: Vec::new(),
            warns: Vec::new(),
            notes: Vec::new(),
            evidence: Vec::new(),
            decisive: None,
            redactor,
        }
    }

    /// Evidence `i` shows the finding just recorded. The first failure's evidence decides the
    /// verdict; a warning's only while no failure has been shown.
    fn decide(&mut self, i: usize) {
        let failing = !self.fails.is_empty();
        match self.decisive {
            Some((_, true)) => {}
            Some((_, false)) if !failing => {}
            _ => self.decisive = Some((i, failing)),
        }
    }

    fn fail(&mut self, s: impl Into<String>) {
        self.fails.push(s.into());
    }

    fn warn(&mut self, s: impl Into<String>) {
        self.warns.push(s.into());
    }

    fn note(&mut self, s: impl Into<String>) {
        self.notes.push(s.into());
    }

    fn show(&mut self, ex: &Exchange, note: impl Into<String>) {
        self.evidence.push(ex.evidence(self.redactor, note));
    }

    /// `seen` describes what was observed when nothing is wrong.
    fn finish(self, seen: impl Into<String>) -> CheckResult {
        let (status, mut parts) = if !self.fails.is_empty() {
            let mut p = self.fails;
            p.extend(self.warns);
            (CheckStatus::Fail, p)
        } else if !self.warns.is_empty() {
            (CheckStatus::Warn, self.warns)
        } else {
            (CheckStatus::Pass, vec![seen.into()])
        };
        parts.extend(self.notes);
        let message = format!("expected {}; saw {}", self.expected, parts.join("; "));
        // Evidence is for findings; a pass stays small.
        let evidence = if status == CheckStatus::Pass {
            Vec::new()
        } else {
            self.evidence
        };
        let r = verdict(self.id, status, message, evidence);
        match self.decisive {
            Some((i, _)) => r.decided_by(i),
            None => r,
        }
    }
}

/// A setup step failed: the check could not gather what it needs.
fn setup_error(id: &str, what: &str, ex: &Exchange, r: &Redactor) -> CheckResult {
    verdict(
        id,
        CheckStatus::Error,
        format!(
            "could not run: {what} got {}, expected 2xx",
            status_text(ex)
        ),
        vec![ex.evidence(r, what)],
    )
}

/// A pass that counted nothing is no pass: when no created id could be read (from the body at
/// `id_pointer` or from `Location`) and the oracle measured nothing, the check cannot tell
/// whether a second resource was created, so it skips and says what to configure.
fn require_evidence(
    r: CheckResult,
    have_ids: bool,
    effect: &Effect,
    id_pointer: &str,
) -> CheckResult {
    let measured = matches!(effect, Effect::Count(_) | Effect::Changed(_));
    if r.status != crate::verdict::CheckStatus::Pass || have_ids || measured {
        return r;
    }
    CheckResult {
        status: crate::verdict::CheckStatus::Skip,
        message: format!(
            "cannot tell how many resources were created: no id at {id_pointer} or in Location, and \
             the oracle measured nothing; set `id_pointer`, or an oracle of kind \"count\" or \"probe\""
        ),
        ..r
    }
}

// ---------------------------------------------------------------------------------------------
// ---------------------------------------------------------------------------------------------
// IDEM-01 replay

/// IDEM-01: `first` and `second` carry the same key and body, sent one after the other;
/// `effect` is what the oracle saw around `second` alone.
pub fn judge_replay(
    j: &Judge<'_>,
    first: &Exchange,
    second: &Exchange,
    effect: &Effect,
) -> CheckResult {
    const ID: &str = "IDEM-01";
    if !first.is_success() {
        return setup_error(ID, "the first request", first, j.redactor);
    }
    let expected = match j.profile {
        IdemProfile::Ietf => {
            "the retry replays the first response (same status, same id, same body)"
        }
        IdemProfile::Stripe => {
            "the retry replays the first response (same status, id and body) with Idempotent-Replayed: true"
        }
    };
    let mut f = Findings::new(ID, expected, j.redactor);
    f.show(first, "first request");
    f.show(second, "retry with the same key and body");
    let (id1, id2) = (
        created_id(first, j.id_pointer),
        created_id(second, j.id_pointer),
    );
    if second.status.is_none() || is_5xx(second) {
        f.fail(format!("the retry got {}", status_text(second)));
    } else if second.is_success() {
        match (&id1, &id2) {
            (Some(a), Some(b)) if a != b => f.fail(format!(
                "the retry created a second resource ({a} then {b})"
            )),
            (Some(_), Some(_)) => {}
            _ if !same_json(first, second) => f.warn(format!(
                "no id at {} or Location to compare, and the bodies differ",
                j.id_pointer
            )),
            _ => {}
        }
    }
    if let Some(e) = effect.side_effect() {
        f.fail(format!("the retry had a side effect: {e}"));
    }
    if second.status != first.status && !is_5xx(second) && second.status.is_some() {
        f.warn(format!(
            "status {} on the retry after {}",
            status_text(second),
            status_text(first)
        ));
    }
    if second.is_success() && id1 == id2 && !same_json(first, second) {
        f.warn("the replayed body differs from the first");
    }
    if j.profile == IdemProfile::Stripe && second.is_success() {
        let replayed = second.header("idempotent-replayed").map(str::trim);
        if !replayed.is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            f.warn(format!(
                "Idempotent-Replayed is {}",
                replayed.map_or("absent".to_string(), |v| format!("{v:?}"))
            ));
        }
    }
    if let Some(n) = effect.note() {
        f.note(n);
    }
    let have_ids = id1.is_some() && id2.is_some();
    let id = id1.unwrap_or_else(|| "?".into());
    let r = f.finish(format!(
        "{} twice with the same resource {id}",
        status_text(first)
    ));
    require_evidence(r, have_ids, effect, j.id_pointer)
}

// ---------------------------------------------------------------------------------------------
// IDEM-02 error replay

/// IDEM-02: `first` is `error_request` (named `error_request`) sent with a fresh key, meant to
/// fail after execution began; `retry` the creating request with the same key and body;
/// `effect` what the oracle saw around `retry` alone.
pub fn judge_error_replay(
    j: &Judge<'_>,
    error_request: &str,
    first: &Exchange,
    retry: &Exchange,
    effect: &Effect,
) -> CheckResult {
    const ID: &str = "IDEM-02";
    let Some(failed) = first.status else {
        return verdict(
            ID,
            CheckStatus::Error,
            format!(
                "could not run: the error request {error_request:?} got {}",
                status_text(first)
            ),
            vec![first.evidence(j.redactor, "the error request")],
        );
    };
    if failed < 400 {
        return verdict(
            ID,
            CheckStatus::Skip,
            format!(
                "the error request did not fail: {error_request:?} got {failed}; it must make the \
                 API fail after execution began"
            ),
            vec![],
        );
    }
    let mut f = Findings::new(
        ID,
        format!("the retry with the same key and body to get the same error back ({failed})"),
        j.redactor,
    );
    f.show(
        first,
        format!("{error_request} (fails after execution began)"),
    );
    f.show(retry, "retry with the same key and body");
    if retry.status.is_none() {
        return verdict(
            ID,
            CheckStatus::Error,
            format!("could not run: the retry got {}", status_text(retry)),
            f.evidence,
        );
    }
    if retry.is_success() {
        let id = created_id(retry, j.id_pointer)
            .map(|id| format!(" (resource {id})"))
            .unwrap_or_default();
        f.fail(format!(
            "the retry executed: {}{id} instead of the stored {failed}",
            status_text(retry)
        ));
    } else if retry.status != first.status {
        f.warn(format!(
            "{} on the retry after {failed}",
            status_text(retry)
        ));
    } else if !same_json(first, retry) {
        f.warn("the replayed error body differs from the first");
    }
    if let Some(e) = effect.side_effect() {
        f.fail(format!("the retry had a side effect: {e}"));
    }
    if j.profile == IdemProfile::Stripe && !retry.is_success() && retry.status == first.status {
        let replayed = retry.header("idempotent-replayed").map(str::trim);
        if !replayed.is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            f.warn(format!(
                "Idempotent-Replayed is {}",
                replayed.map_or("absent".to_string(), |v| format!("{v:?}"))
            ));
        }
    }
    if let Some(n) = effect.note() {
        f.note(n);
    }
    f.finish(format!("{failed} twice with the same body"))
}

// ---------------------------------------------------------------------------------------------
// IDEM-03 payload mismatch

/// The status a payload mismatch must get under a profile.
pub fn mismatch_status(profile: IdemProfile) -> u16 {
    match profile {
        IdemProfile::Ietf => 422,
        IdemProfile::Stripe => 400,
    }
}

/// IDEM-03: `first` (key K, body A) succeeded; `second` (key K, body B) must be rejected.
/// `control` sends body B with a fresh key: it shows B is a valid request, so a rejection of
/// `second` is about the key, not about B. `state` is a GET of the first resource after
/// `second` (`get` oracle); `varied` the pointers where A and B differ; `effect` what the
/// oracle saw around `second`.
pub fn judge_mismatch(
    j: &Judge<'_>,
    first: &Exchange,
    second: &Exchange,
    control: &Exchange,
    state: Option<&Exchange>,
    varied: &[String],
    effect: &Effect,
) -> CheckResult {
    const ID: &str = "IDEM-03";
    if !first.is_success() {
        return setup_error(ID, "the first request", first, j.redactor);
    }
    let want = mismatch_status(j.profile);
    let mut f = Findings::new(
        ID,
        format!("{want} for a reused key with a different body"),
        j.redactor,
    );
    f.show(first, "first request (key K, body A)");
    f.show(second, "same key K, different body B");
    let id1 = created_id(first, j.id_pointer);
    if second.is_success() {
        let id2 = created_id(second, j.id_pointer);
        let what = match (&id1, &id2) {
            (Some(a), Some(b)) if a != b => format!(" (a second resource, {b})"),
            (Some(_), Some(_)) if same_json(first, second) => {
                " (the first response replayed)".into()
            }
            _ => String::new(),
        };
        f.fail(format!("{}{what}", status_text(second)));
        f.decide(1);
    } else if second.status.is_none() || is_5xx(second) {
        f.fail(status_text(second));
        f.decide(1);
    }
    if let Some(e) = effect.side_effect() {
        f.fail(format!("body B took effect: {e}"));
        f.decide(1);
    }
    if let Some(st) = state {
        f.show(st, "the first resource after the mismatched request");
        if let (true, Some(res), Some(a), Some(b)) = (
            st.is_success(),
            st.json(),
            first.probe.json(),
            second.probe.json(),
        ) {
            if state_matches(&res, &b, varied) == Some(true)
                && state_matches(&res, &a, varied) == Some(false)
            {
                f.fail(format!(
                    "body B took effect: the resource now carries B's values at {}",
                    varied.join(", ")
                ));
                f.decide(2);
            }
        }
    }
    if f.fails.is_empty() && second.status != Some(want) {
        f.decide(1);
        if control.is_success() {
            f.warn(format!(
                "{} (body B alone is valid: {} with a fresh key)",
                status_text(second),
                status_text(control)
            ));
        } else {
            return skip_unprovable(second, control);
        }
    }
    if f.fails.is_empty() && f.warns.is_empty() && !control.is_success() {
        return skip_unprovable(second, control);
    }
    if let Some(n) = effect.note() {
        f.note(n);
    }
    f.finish(format!(
        "{} (body B alone is valid: {} with a fresh key)",
        status_text(second),
        status_text(control)
    ))
}

fn skip_unprovable(second: &Exchange, control: &Exchange) -> CheckResult {
    verdict(
        "IDEM-03",
        CheckStatus::Skip,
        format!(
            "inconclusive: the different body is rejected even with a fresh key ({}), so the {} \
             cannot be told from a validation error; set mismatch_request to a valid request with \
             a different body",
            status_text(control),
            status_text(second)
        ),
        vec![],
    )
}

// ---------------------------------------------------------------------------------------------
// IDEM-04 missing key

/// IDEM-04: the request without the key, where the scenario says the key is required.
pub fn judge_missing_key(j: &Judge<'_>, header: &str, ex: &Exchange) -> CheckResult {
    const ID: &str = "IDEM-04";
    let mut f = Findings::new(ID, format!("400 without {header}"), j.redactor);
    f.show(ex, format!("request without {header}"));
    match ex.status {
        Some(400) => {}
        Some(s) if (200..300).contains(&s) => {
            f.fail(format!("{s}: the request was accepted without the key"))
        }
        Some(s) => f.warn(s.to_string()),
        None => {
            return verdict(
                ID,
                CheckStatus::Error,
                format!("could not run: {}", status_text(ex)),
                f.evidence,
            );
        }
    }
    f.finish("400")
}

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
