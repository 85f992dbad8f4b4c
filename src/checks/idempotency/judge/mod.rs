//! Pure decision functions of the idempotency checks: exchanges (and what the side-effect oracle
//! measured) in, one [`CheckResult`] out. No network here, so unit tests drive every branch
//! with hand-built exchanges. IDEM-01 to IDEM-04 and what every check shares are here; the
//! races are in `race.rs`, key scope and other methods in `scope.rs`.

mod race;
mod scope;

pub use race::*;
pub use scope::*;

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
