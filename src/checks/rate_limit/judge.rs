//! Pure decision functions of the active rate-limit checks (RL-03…09). They take the summarized
//! exchanges ([`Obs`]) the network part gathered and return a [`Decision`]; no I/O, no clock, so
//! unit tests feed them hand-made observations.

use std::time::SystemTime;

use crate::checks::probe::Exchange;
use crate::headers::ratelimit::{Fields, Snapshot, parse_fields};
use crate::headers::retry_after;
use crate::verdict::CheckStatus;

/// What a decision function needs from one exchange.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Obs {
    /// Milliseconds since the start of the family.
    pub sent_ms: f64,
    pub done_ms: f64,
    /// `None`: the request failed.
    pub status: Option<u16>,
    /// The newest-generation rate-limit snapshot, if any field parsed.
    pub snap: Option<Snapshot>,
    /// Seconds until the advertised reset, resolved (epoch values against `Date`).
    pub reset_in: Option<f64>,
    /// `Retry-After`: seconds (resolved), or the parse error.
    pub retry_after: Option<Result<f64, String>>,
    pub body: BodyKind,
}

/// What kind of body a 429 carried.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum BodyKind {
    #[default]
    Empty,
    /// `application/problem+json` with a JSON object body; `type` if present.
    Problem(Option<String>),
    /// `application/problem+json` whose body is not a JSON object.
    BadProblem,
    /// Longer than a probe keeps: cut, so not judged (a cut JSON body never parses, and that
    /// is not the API's doing).
    TooLarge,
    Json,
    Html,
    /// Something else: the content type.
    Other(String),
    /// Judged against the scenario's declared error format (a profile other than
    /// problem+json): its name, and the first way the body misses it (`None`: it conforms).
    Declared {
        profile: String,
        miss: Option<String>,
    },
}

/// Judge an error body against the scenario's declared error format: its media type, members
/// and shape, as ERR-01..03 would.
pub fn classify_declared(
    cfg: &crate::checks::error_format::judge::Config,
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: &[u8],
) -> BodyKind {
    let headers = crate::observe::Headers::Map(headers);
    let j = crate::checks::error_format::judge::judge(cfg, status, headers, body, false);
    let miss = j
        .media
        .iter()
        .chain(j.members.iter().flatten())
        .chain(j.shape.iter().flatten())
        .next()
        .map(|i| i.message.clone());
    BodyKind::Declared {
        profile: crate::headers::problem::profile_name(cfg.profile).to_string(),
        miss,
    }
}

/// What kind of body an error response carried; a body cut at the probes' cap is
/// [`BodyKind::TooLarge`], never parsed cut.
pub fn body_kind(
    e: &Exchange,
    declared: Option<&crate::checks::error_format::judge::Config>,
) -> BodyKind {
    match (e.status, declared) {
        (Some(s), _) if s >= 400 && e.body_truncated => BodyKind::TooLarge,
        (Some(s), Some(cfg)) if s >= 400 => classify_declared(cfg, s, &e.headers, &e.body),
        (Some(s), None) if s >= 400 => classify_body(e.header("content-type"), &e.body),
        _ => BodyKind::Empty,
    }
}

fn seconds_apart(a: SystemTime, b: SystemTime) -> f64 {
    match a.duration_since(b) {
        Ok(d) => d.as_secs_f64(),
        Err(e) => e.duration().as_secs_f64(),
    }
}

impl Obs {
    /// `declared`: the scenario's error format, when it is not problem+json (RL-08 then judges
    /// the body against it).
    pub fn from_exchange(
        e: &Exchange,
        declared: Option<&crate::checks::error_format::judge::Config>,
    ) -> Obs {
        let f = Fields::of(crate::observe::Headers::Map(&e.headers));
        let parsed = parse_fields(&f);
        let date = retry_after::response_date(e.header("date"));
        // Epoch resets are resolved against the server's clock (`Date`), which has whole seconds
        // only: a reset read against it is up to a second long, enough to misjudge a 10 s
        // window as 11 s. When the two clocks agree to within 2 s, the client's is the same
        // clock with the fractions kept.
        let client = SystemTime::now();
        let now = match date {
            Some(d) if seconds_apart(d, client) < 2.0 => client,
            Some(d) => d,
            None => client,
        };
        let now_s = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        let snap = parsed.snapshot().cloned();
        let reset_in = snap
            .as_ref()
            .and_then(|s| s.reset)
            .map(|r| r.seconds_until(now_s));
        let retry_after = e.header("retry-after").map(|v| {
            retry_after::parse(v)
                .map(|ra| ra.delay(date, now).as_secs_f64())
                .map_err(|err| format!("Retry-After {v:?}: {err}"))
        });
        let body = body_kind(e, declared);
        Obs {
            sent_ms: e.timeline.sent_ms,
            done_ms: e.timeline.done_ms,
            status: e.status,
            snap,
            reset_in,
            retry_after,
            body,
        }
    }

    pub fn throttled(&self) -> bool {
        self.status == Some(429)
    }

    /// Served: not throttled, not an error.
    pub fn accepted(&self) -> bool {
        self.status.is_some_and(|s| (200..400).contains(&s))
    }

    pub fn remaining(&self) -> Option<u64> {
        self.snap.as_ref().and_then(|s| s.remaining)
    }

    fn retry_after_ok(&self) -> Option<f64> {
        self.retry_after
            .as_ref()
            .and_then(|r| r.as_ref().ok().copied())
    }
}

pub fn classify_body(content_type: Option<&str>, body: &[u8]) -> BodyKind {
    let ct = content_type
        .map(|c| {
            c.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    if body.iter().all(u8::is_ascii_whitespace) {
        return BodyKind::Empty;
    }
    let json = serde_json::from_slice::<serde_json::Value>(body).ok();
    if ct == "application/problem+json" {
        return match json {
            Some(serde_json::Value::Object(m)) => {
                BodyKind::Problem(m.get("type").and_then(|t| t.as_str()).map(str::to_string))
            }
            _ => BodyKind::BadProblem,
        };
    }
    if ct == "text/html" || ct == "application/xhtml+xml" {
        return BodyKind::Html;
    }
    if json.is_some() && (ct.is_empty() || ct == "application/json" || ct.ends_with("+json")) {
        return BodyKind::Json;
    }
    let head = String::from_utf8_lossy(&body[..body.len().min(256)]).to_ascii_lowercase();
    if head.trim_start().starts_with("<!doctype html") || head.trim_start().starts_with("<html") {
        return BodyKind::Html;
    }
    BodyKind::Other(if ct.is_empty() {
        "no content type".into()
    } else {
        ct
    })
}

/// A verdict citing its evidence as indices into the drive's exchanges.
pub type Decision = crate::verdict::Decision<usize>;

fn secs(x: f64) -> String {
    format!("{x:.1} s")
}

/// RL-03: every 429 carries `Retry-After` and/or fields showing 0 remaining; a malformed
/// `Retry-After` fails. `sent_past` says whether more requests than the advertised quota were
/// sent in a row (so a missing 429 is notable).
pub fn shape(obs: &[Obs], quota: Option<u64>, drive_len: usize) -> Decision {
    let throttled: Vec<usize> = (0..obs.len()).filter(|&i| obs[i].throttled()).collect();
    let Some(&first) = throttled.first() else {
        return match quota {
            Some(q) if drive_len as u64 > q => Decision::new(
                CheckStatus::Warn,
                format!(
                    "never throttled: {drive_len} requests in a row against an advertised quota of {q}"
                ),
            ),
            _ => Decision::new(
                CheckStatus::Skip,
                format!("no 429 seen in {drive_len} requests, so no 429 to inspect"),
            ),
        };
    };
    if let Some(&bad) = throttled
        .iter()
        .find(|&&i| matches!(obs[i].retry_after, Some(Err(_))))
    {
        let Some(Err(e)) = &obs[bad].retry_after else {
            unreachable!()
        };
        return Decision::new(CheckStatus::Fail, format!("429 with a malformed {e}"))
            .with(bad, "malformed Retry-After");
    }
    let bare: Vec<usize> = throttled
        .iter()
        .copied()
        .filter(|&i| obs[i].retry_after.is_none() && obs[i].remaining() != Some(0))
        .collect();
    if let Some(&b) = bare.first() {
        return Decision::new(
            CheckStatus::Fail,
            format!(
                "{} of {} 429 responses carry neither Retry-After nor rate-limit fields showing 0 remaining",
                bare.len(),
                throttled.len()
            ),
        )
        .with(b, "429 without Retry-After or remaining=0");
    }
    let with_ra = throttled
        .iter()
        .filter(|&&i| obs[i].retry_after.is_some())
        .count();
    Decision::new(
        CheckStatus::Pass,
        format!(
            "{} 429 responses: {with_ra} with Retry-After, the rest with remaining=0",
            throttled.len()
        ),
    )
    .with(first, "first 429")
}

/// The advertised reset for observation `i`: its own, else the latest accepted response before it
/// minus the time elapsed since (an under-estimate if a window rolled in between, so never a
/// false failure).
fn reset_for(obs: &[Obs], i: usize) -> Option<f64> {
    if let Some(r) = obs[i].reset_in {
        return Some(r);
    }
    obs.iter()
        .filter(|o| o.accepted() && o.done_ms <= obs[i].sent_ms && o.reset_in.is_some())
        .max_by(|a, b| a.done_ms.total_cmp(&b.done_ms))
        .and_then(|p| {
            p.reset_in
                .map(|r| r - (obs[i].sent_ms - p.done_ms).max(0.0) / 1000.0)
        })
}

/// RL-04: Retry-After is not earlier than the advertised reset (1 s of rounding slack: both are
/// whole seconds). A sliding limiter's quota comes back bit by bit before its window resets
/// (draft-ietf-httpapi-ratelimit-headers-10: `t` is when *more* quota comes, and a vendor reset
/// is often the whole window's): an earlier Retry-After that the server then honoured — a request
/// sent after it and before the reset was served — is not a lie.
pub fn retry_vs_reset(obs: &[Obs]) -> Decision {
    let mut compared = 0;
    let mut honoured = 0;
    let mut unhonoured = 0;
    let mut worst: Option<(usize, f64, f64)> = None;
    for i in (0..obs.len()).filter(|&i| obs[i].throttled()) {
        let (Some(ra), Some(reset)) = (obs[i].retry_after_ok(), reset_for(obs, i)) else {
            continue;
        };
        compared += 1;
        // Both are whole seconds (1 s of rounding); an epoch reset is resolved against the
        // `Date` field, itself whole seconds (one more).
        let epoch = obs[..=i]
            .iter()
            .rev()
            .find_map(|o| o.snap.as_ref().and_then(|s| s.reset))
            .is_some_and(|r| r.unit.is_epoch());
        let slack = if epoch { 2.0 } else { 1.0 };
        if ra + slack >= reset {
            continue;
        }
        let from = obs[i].done_ms + ra * 1000.0;
        let until = obs[i].done_ms + (reset - 1.0) * 1000.0;
        if obs
            .iter()
            .any(|o| o.accepted() && o.sent_ms >= from && o.sent_ms < until)
        {
            honoured += 1;
            continue;
        }
        unhonoured += 1;
        if worst.is_none_or(|(_, r, t)| reset - ra > t - r) {
            worst = Some((i, ra, reset));
        }
    }
    if compared == 0 {
        let any_ra = obs.iter().any(|o| o.throttled() && o.retry_after.is_some());
        return Decision::new(
            CheckStatus::Skip,
            if any_ra {
                "no advertised reset to compare Retry-After with"
            } else {
                "no 429 carried a valid Retry-After (see RL-03)"
            },
        );
    }
    // Once the server has honoured one early Retry-After, its reset field is shown not to be
    // when quota comes back (a sliding limiter): the other early ones are not lies either.
    if honoured > 0 {
        let early = honoured + unhonoured;
        return Decision::new(
            CheckStatus::Pass,
            format!(
                "Retry-After was earlier than the advertised reset on {early} of {compared} comparable 429 responses, and a request sent after such a Retry-After was served before the reset: quota comes back before the reset (a sliding limiter), so an earlier Retry-After is not a lie"
            ),
        );
    }
    match worst {
        Some((i, ra, reset)) => Decision::new(
            CheckStatus::Fail,
            format!(
                "Retry-After {} is earlier than the advertised reset {}",
                secs(ra),
                secs(reset)
            ),
        )
        .with(i, "Retry-After earlier than reset"),
        None => Decision::new(
            CheckStatus::Pass,
            format!("Retry-After ≥ advertised reset on all {compared} comparable 429 responses"),
        ),
    }
}

/// RL-05: within each sequential run, remaining never rises before the advertised reset. A rise
/// is a reset when the time since the earlier response reaches its advertised `t` (minus 1 s of
/// rounding); without a reset value a rise cannot be judged.
pub fn monotone(obs: &[Obs], sequences: &[Vec<usize>]) -> Decision {
    let mut pairs = 0;
    let mut rises = Vec::new();
    let mut unjudged = 0;
    let mut big_drops = 0;
    for seq in sequences {
        let with_r: Vec<usize> = seq
            .iter()
            .copied()
            .filter(|&i| obs[i].remaining().is_some())
            .collect();
        for w in with_r.windows(2) {
            let (a, b) = (&obs[w[0]], &obs[w[1]]);
            let (ra, rb) = (a.remaining().unwrap_or(0), b.remaining().unwrap_or(0));
            pairs += 1;
            if rb > ra {
                match a.reset_in {
                    Some(t) if (b.sent_ms - a.done_ms) / 1000.0 < t - 1.0 => rises.push(w[1]),
                    Some(_) => {}
                    None => unjudged += 1,
                }
            } else if b.accepted() && ra - rb > 1 {
                big_drops += 1;
            }
        }
    }
    if pairs == 0 {
        return Decision::new(
            CheckStatus::Skip,
            "fewer than two sequential responses advertised a remaining quota",
        );
    }
    let extra = if big_drops > 0 {
        format!(
            "; remaining fell by more than one per request {big_drops} times (allowed: other clients or costs)"
        )
    } else {
        String::new()
    };
    if let Some(&i) = rises.first() {
        return Decision::new(
            CheckStatus::Warn,
            format!(
                "remaining rose {} times before the advertised reset in {pairs} sequential pairs{extra}",
                rises.len()
            ),
        )
        .with(i, "remaining rose before the advertised reset");
    }
    let note = if unjudged > 0 {
        format!("; {unjudged} rises without a reset value were not judged")
    } else {
        String::new()
    };
    Decision::new(
        CheckStatus::Pass,
        format!("remaining never rose before a reset in {pairs} sequential pairs{note}{extra}"),
    )
}

/// RL-07: after waiting the advertised time (plus jitter), requests are served again. `attempts`
/// are observation indices in order; `wait_s` is the advertised wait after the 429 at `limited`.
pub fn recovery(obs: &[Obs], limited: usize, wait_s: f64, attempts: &[usize]) -> Decision {
    let Some(&first) = attempts.first() else {
        return Decision::new(CheckStatus::Skip, "no request was sent after the wait");
    };
    let after = |i: usize| (obs[i].sent_ms - obs[limited].done_ms) / 1000.0;
    if let Some(&ok) = attempts.iter().find(|&&i| obs[i].accepted()) {
        let msg = if ok == first {
            format!(
                "served again {} after the 429 (advertised wait {})",
                secs(after(ok)),
                secs(wait_s)
            )
        } else {
            format!(
                "served again only {} after the 429, later than the advertised wait {} (within 2×)",
                secs(after(ok)),
                secs(wait_s)
            )
        };
        return Decision::new(CheckStatus::Pass, msg);
    }
    let last = *attempts.last().unwrap_or(&first);
    if attempts.iter().all(|&i| obs[i].throttled()) && after(last) >= 2.0 * wait_s {
        return Decision::new(
            CheckStatus::Fail,
            format!(
                "still 429 {} after the 429, twice the advertised wait of {} ({} attempts)",
                secs(after(last)),
                secs(wait_s),
                attempts.len()
            ),
        )
        .with(limited, "the 429 that set the wait")
        .with(last, "still throttled after 2× the wait");
    }
    Decision::new(
        CheckStatus::Skip,
        format!(
            "inconclusive: {} attempts after the wait failed without a 429",
            attempts.len()
        ),
    )
    .with(last, "last attempt")
}

/// RL-08: the 429 body is in the scenario's error format: problem+json by default (ideally
/// `type` …quota-exceeded), or the profile `[checks.error_format]` declares.
pub fn body(obs: &[Obs], limited: Option<usize>) -> Decision {
    let Some(i) = limited else {
        return Decision::new(CheckStatus::Skip, "no 429 seen, so no body to inspect");
    };
    match &obs[i].body {
        BodyKind::Problem(t) => {
            let t = t.as_deref().unwrap_or("about:blank");
            let hint = if t.contains("quota") || t.contains("rate") {
                String::new()
            } else {
                " (a `type` naming the quota, e.g. …#quota-exceeded, would be clearer)".to_string()
            };
            Decision::new(
                CheckStatus::Pass,
                format!("429 body is application/problem+json, type {t}{hint}"),
            )
        }
        BodyKind::TooLarge => Decision::new(
            CheckStatus::Skip,
            format!(
                "the 429 body is longer than the {} loadproof keeps of a probe's body: not judged",
                crate::size::show(crate::checks::probe::BODY_CAP as u64)
            ),
        ),
        BodyKind::BadProblem => Decision::new(
            CheckStatus::Warn,
            "429 says application/problem+json but the body is not a JSON object",
        )
        .with(i, "invalid problem body"),
        BodyKind::Json => Decision::new(
            CheckStatus::Warn,
            "429 body is JSON but not application/problem+json (RFC 9457)",
        )
        .with(i, "not problem+json"),
        BodyKind::Html => {
            Decision::new(CheckStatus::Warn, "429 body is an HTML page").with(i, "HTML body")
        }
        BodyKind::Empty => {
            Decision::new(CheckStatus::Warn, "429 body is empty").with(i, "empty body")
        }
        BodyKind::Other(ct) => Decision::new(
            CheckStatus::Warn,
            format!("429 body is {ct}, not application/problem+json"),
        )
        .with(i, "not problem+json"),
        BodyKind::Declared {
            profile,
            miss: None,
        } => Decision::new(
            CheckStatus::Pass,
            format!("429 body is in the scenario's error format ({profile})"),
        ),
        BodyKind::Declared {
            profile,
            miss: Some(why),
        } => Decision::new(
            CheckStatus::Warn,
            format!("429 body is not in the scenario's error format ({profile}): {why}"),
        )
        .with(i, format!("not {profile}")),
    }
}

/// RL-09: after A's budget is drained (`a_last` a 429), B's request (`b`) is served, and A is
/// still throttled right after (`a_after`; if not, the window rolled and the probe says nothing).
pub fn partition(obs: &[Obs], a_last: usize, b: usize, a_after: usize, header: &str) -> Decision {
    if !obs[a_last].throttled() {
        return Decision::new(
            CheckStatus::Skip,
            "could not drain the first client's budget",
        );
    }
    if obs[b].throttled() {
        return Decision::new(
            CheckStatus::Fail,
            format!(
                "the second client (its own `{header}`) got 429 while only the first client had used the quota: budgets are shared, not per key"
            ),
        )
        .with(a_last, "first client drained")
        .with(b, "second client throttled");
    }
    if !obs[b].accepted() {
        return Decision::new(
            CheckStatus::Skip,
            format!(
                "the second client's request failed ({}), not a rate-limit answer",
                obs[b]
                    .status
                    .map_or("no response".to_string(), |s| s.to_string())
            ),
        )
        .with(b, "second client");
    }
    if !obs[a_after].throttled() {
        return Decision::new(
            CheckStatus::Skip,
            "inconclusive: the window reset between the two clients' requests",
        );
    }
    let r = obs[b]
        .remaining()
        .map_or(String::new(), |r| format!(" with {r} remaining"));
    Decision::new(
        CheckStatus::Pass,
        format!(
            "independent budgets: the second client was served{r} while the first was throttled"
        ),
    )
}

/// One open-loop phase of RL-06.
#[derive(Debug, Clone, PartialEq)]
pub struct Phase {
    /// Offered load as a multiple of the advertised quota per window.
    pub factor: f64,
    /// Whole windows the phase lasts.
    pub windows: u32,
    /// Observation indices, in due order.
    pub idx: Vec<usize>,
}

/// For a 429 at `i`: the advertised remaining it contradicts, net of requests that may have been
/// counted in between. Its own fields win; else the latest served response finished before it
/// was sent, less every other request in flight or finished since then.
fn unexplained_remaining(obs: &[Obs], phase: &[usize], i: usize) -> Option<(i64, Option<usize>)> {
    if let Some(r) = obs[i].remaining() {
        return Some((r as i64, None));
    }
    let prior = phase
        .iter()
        .copied()
        .filter(|&j| j != i && obs[j].accepted() && obs[j].done_ms <= obs[i].sent_ms)
        .filter(|&j| obs[j].remaining().is_some())
        .max_by(|&a, &b| obs[a].done_ms.total_cmp(&obs[b].done_ms))?;
    let between = phase
        .iter()
        .filter(|&&j| {
            j != i
                && j != prior
                && obs[j].sent_ms < obs[i].sent_ms
                && obs[j].done_ms > obs[prior].done_ms
        })
        .count() as i64;
    Some((obs[prior].remaining()? as i64 - between, Some(prior)))
}

/// RL-06: per phase, accepted ≤ quota × windows × (1 + tolerance) + one window of slack; and no
/// 429 while the advertised remaining (net of in-flight requests) exceeds a margin of
/// max(2, tolerance × quota). At least two early 429s are needed to fail (timing noise).
pub fn honesty(
    obs: &[Obs],
    phases: &[Phase],
    quota: u64,
    window_s: u64,
    tolerance: f64,
) -> Decision {
    let q = quota as f64;
    let margin = (tolerance * q).ceil().max(2.0) as i64;
    let mut parts = Vec::new();
    let mut over: Option<(f64, usize, f64, usize)> = None;
    let mut early: Vec<(usize, i64)> = Vec::new();
    let mut onset: Option<i64> = None;
    let mut ratio = None;
    for p in phases {
        let accepted = p.idx.iter().filter(|&&i| obs[i].accepted()).count();
        let throttled: Vec<usize> = p
            .idx
            .iter()
            .copied()
            .filter(|&i| obs[i].throttled())
            .collect();
        let windows = f64::from(p.windows);
        let allowed = q * windows * (1.0 + tolerance) + q;
        let r = accepted as f64 / (q * windows);
        if accepted as f64 > allowed && over.is_none() {
            over = Some((p.factor, accepted, allowed, p.idx.len()));
        }
        if p.factor >= 2.0 {
            ratio = Some(r);
        }
        for &i in &throttled {
            if let Some((rem, _)) = unexplained_remaining(obs, &p.idx, i) {
                if onset.is_none() && p.factor >= 2.0 {
                    onset = Some(rem.max(0));
                }
                if rem > margin {
                    early.push((i, rem));
                }
            }
        }
        parts.push(format!(
            "{}×: {accepted}/{} served, {} throttled",
            p.factor,
            p.idx.len(),
            throttled.len()
        ));
    }
    let ratio_text = ratio.map_or(String::new(), |r| {
        format!("; accepted/advertised at 2× = {r:.2}")
    });
    let onset_text = match onset {
        Some(rem) => format!(
            "; throttle onset error {:+.0}% ({rem} of {quota} advertised remaining at the first 429)",
            // `+ 0.0` turns -0 into 0.
            -(rem as f64) / q * 100.0 + 0.0
        ),
        None => String::new(),
    };
    let summary = format!(
        "quota {quota} per {window_s} s, tolerance {:.0}%: {}{ratio_text}{onset_text}",
        tolerance * 100.0,
        parts.join(", ")
    );
    if let Some((factor, accepted, allowed, sent)) = over {
        let mut d = Decision::new(
            CheckStatus::Fail,
            format!(
                "more accepted than advertised: {accepted} of {sent} served at {factor}× (at most {allowed:.0} allowed incl. one window of slack); {summary}"
            ),
        );
        if let Some(p) = phases.iter().find(|p| p.factor == factor) {
            if let Some(&i) = p.idx.iter().rev().find(|&&i| obs[i].accepted()) {
                d = d.with(i, "last served request of the phase");
            }
        }
        return d;
    }
    if early.len() >= 2 {
        let (i, rem) = early[0];
        return Decision::new(
            CheckStatus::Fail,
            format!(
                "throttled while quota remained: {} 429s with more than {margin} advertised remaining (first: {rem}); {summary}",
                early.len()
            ),
        )
        .with(i, format!("429 with {rem} advertised remaining"));
    }
    let noise = if early.len() == 1 {
        " (one early 429 within timing noise)"
    } else {
        ""
    };
    Decision::new(CheckStatus::Pass, format!("{summary}{noise}"))
}
