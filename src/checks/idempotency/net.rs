//! The network part of IDEM-*: sends the probes, asks the side-effect oracle, and hands the
//! exchanges to the pure decision functions in [`super::judge`].

use std::time::Instant;

use serde_json::Value;

use super::IDS;
use super::judge::{self, DeleteRun, Effect, Judge, PutRun};
use crate::checks::probe::{self, Exchange, Probe, ProbeClient};
use crate::checks::{CheckCtx, error, skip};
use crate::scenario::{IdemProfile, IdempotencySpec, Oracle, Part, RequestSpec};
use crate::verdict::CheckResult;

/// IDEM-05 repeats its race up to this many times (fresh key each round) and reports the first
/// round that is not a pass: a non-atomic check-then-insert does not lose every race. Against
/// the reference API's `idempotency-race` fault (a window of one task yield) one round catches
/// the race about 75% of the time; eight rounds miss it with odds well under 1 in 10 000.
/// (Last-byte-synchronised releases were measured too and caught it less often: with the
/// request head already parsed the server's remaining work is too short for arrivals to batch.)
const RACE_ROUNDS: usize = 8;
/// How many identical PUTs IDEM-08 sends.
const PUTS: usize = 3;

pub async fn run(ctx: &CheckCtx<'_>, spec: &IdempotencySpec) -> Vec<CheckResult> {
    let Some(request) = ctx.request(&spec.request) else {
        return IDS
            .iter()
            .map(|id| {
                error(
                    id,
                    format!("could not run: no request named {:?}", spec.request),
                )
            })
            .collect();
    };
    let client = match ctx.client() {
        Ok(c) => c,
        Err(e) => {
            return IDS
                .iter()
                .map(|id| error(id, format!("could not run: {e}")))
                .collect();
        }
    };
    let env = Env {
        ctx,
        spec,
        request,
        client,
        judge: Judge {
            profile: spec.profile,
            id_pointer: &spec.id_pointer,
            redactor: ctx.redactor,
        },
    };
    vec![
        or_error("IDEM-01", env.replay().await),
        or_error("IDEM-02", env.error_replay().await),
        or_error("IDEM-03", env.mismatch().await),
        or_error("IDEM-04", env.missing_key().await),
        or_error("IDEM-05", env.race().await),
        or_error("IDEM-06", env.concurrent_mismatch().await),
        or_error("IDEM-07", env.key_scope().await),
        or_error("IDEM-08", env.methods().await),
    ]
}

/// A check that could not gather its evidence is an `error` with the reason, never a pass.
fn or_error(id: &str, r: Result<CheckResult, String>) -> CheckResult {
    r.unwrap_or_else(|e| error(id, format!("could not run: {e}")))
}

/// A fresh random key in the profile's syntax: an sf-string for `ietf`, a bare token for
/// `stripe`.
pub fn fresh_key(profile: IdemProfile) -> String {
    let k = format!("loadproof-{}", uuid::Uuid::new_v4().simple());
    match profile {
        IdemProfile::Ietf => format!("\"{k}\""),
        IdemProfile::Stripe => k,
    }
}

/// The literal text of a path template, `None` when it has placeholders other than `{id}`.
fn literal_path(r: &RequestSpec) -> Option<String> {
    r.path
        .parts
        .iter()
        .map(|p| match p {
            Part::Lit(s) => Some(s.as_str()),
            _ => None,
        })
        .collect()
}

/// Replace `{id}` in a rendered URL (the URL parser percent-encodes the braces).
pub(super) fn with_id(mut p: Probe, id: &str) -> Result<Probe, String> {
    let enc = crate::checks::probe::path_segment(id);
    let text = p
        .url
        .as_str()
        .replace("%7Bid%7D", &enc)
        .replace("{id}", &enc);
    p.url = reqwest::Url::parse(&text).map_err(|e| format!("URL {text:?} is invalid: {e}"))?;
    Ok(p)
}

struct Env<'a> {
    ctx: &'a CheckCtx<'a>,
    spec: &'a IdempotencySpec,
    request: &'a RequestSpec,
    client: ProbeClient,
    judge: Judge<'a>,
}

impl Env<'_> {
    /// The creating request, freshly rendered, with `key` (or without the header).
    fn create(&self, key: Option<&str>) -> Result<Probe, String> {
        let p = Probe::from_spec(self.ctx, self.request)?;
        Ok(match key {
            Some(k) => p.with_header(&self.spec.header, k),
            None => p.without_header(&self.spec.header),
        })
    }

    async fn send(&self, p: &Probe, origin: Instant) -> Exchange {
        probe::send(&self.client, p, origin, 0).await
    }

    /// A request on the created resource `id` with `method`: a scenario request with that method
    /// and `{id}` in its path (so it carries the scenario's headers), else the `get` oracle's
    /// path with the creating request's headers (minus the key and body headers).
    fn on_resource(&self, method: &str, id: &str) -> Result<Option<Probe>, String> {
        let oracle_path = match &self.spec.oracle {
            Oracle::Get { path } => Some(path.as_str()),
            _ => None,
        };
        let declared = self.ctx.requests.iter().find(|r| {
            r.method.eq_ignore_ascii_case(method)
                && literal_path(r)
                    .is_some_and(|p| oracle_path.map_or(p.contains("{id}"), |o| p == o))
        });
        if let Some(r) = declared {
            return with_id(Probe::from_spec(self.ctx, r)?, id).map(Some);
        }
        // Without a declared request, only GET and DELETE are derived from the oracle path: a
        // PUT needs a representation the scenario must give.
        let Some(path) = oracle_path.filter(|_| method != "PUT") else {
            return Ok(None);
        };
        let mut p = with_id(Probe::get(self.ctx, path)?, id)?;
        p.method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
        let base = self.create(None)?;
        for (k, v) in &base.headers {
            if k != reqwest::header::CONTENT_TYPE && k != reqwest::header::CONTENT_LENGTH {
                p.headers.insert(k.clone(), v.clone());
            }
        }
        Ok(Some(p))
    }

    /// A GET of the created resource (`get` oracle, or a declared GET request with `{id}`).
    async fn read(&self, id: Option<&str>, origin: Instant) -> Result<Option<Exchange>, String> {
        let Some(id) = id else { return Ok(None) };
        if !matches!(self.spec.oracle, Oracle::Get { .. }) {
            return Ok(None);
        }
        match self.on_resource("GET", id)? {
            Some(p) => Ok(Some(self.send(&p, origin).await)),
            None => Ok(None),
        }
    }

    /// A count or probe oracle reading; `None` for the `get` oracle.
    async fn oracle_value(&self) -> Option<Result<Value, String>> {
        let (request, pointer) = match &self.spec.oracle {
            Oracle::Get { .. } => return None,
            Oracle::Count { request, pointer } | Oracle::Probe { request, pointer } => {
                (request, pointer)
            }
        };
        let r = async {
            let spec = self
                .ctx
                .request(request)
                .ok_or_else(|| format!("no request named {request:?}"))?;
            let ex = self
                .send(&Probe::from_spec(self.ctx, spec)?, Instant::now())
                .await;
            if !ex.is_success() {
                return Err(format!(
                    "oracle request {request:?} got {}",
                    ex.status
                        .map_or_else(|| "no response".into(), |s| s.to_string())
                ));
            }
            let json = ex
                .json()
                .ok_or_else(|| format!("oracle request {request:?} did not return JSON"))?;
            let v = json
                .pointer(pointer)
                .ok_or_else(|| format!("oracle request {request:?} has nothing at {pointer}"))?;
            Ok(match (&self.spec.oracle, v) {
                (_, Value::Array(a)) => Value::from(a.len()),
                (Oracle::Count { .. }, Value::Number(_)) => v.clone(),
                (Oracle::Count { .. }, _) => {
                    return Err(format!(
                        "oracle {pointer} of {request:?} is neither a count nor an array"
                    ));
                }
                _ => v.clone(),
            })
        };
        Some(r.await)
    }

    /// Run `action` between two oracle readings.
    async fn measured<T>(&self, action: impl std::future::Future<Output = T>) -> (T, Effect) {
        let before = self.oracle_value().await;
        let out = action.await;
        let after = self.oracle_value().await;
        (out, effect(before, after))
    }

    // -----------------------------------------------------------------------------------------

    async fn replay(&self) -> Result<CheckResult, String> {
        let origin = Instant::now();
        let p = self.create(Some(&fresh_key(self.spec.profile)))?;
        let first = self.send(&p, origin).await;
        let (second, eff) = self.measured(self.send(&p, origin)).await;
        Ok(judge::judge_replay(&self.judge, &first, &second, &eff))
    }

    /// IDEM-02: `error_request` with a fresh key (the API fails after execution began), then
    /// the creating request with the same key and the same body.
    async fn error_replay(&self) -> Result<CheckResult, String> {
        const ID: &str = "IDEM-02";
        let Some(name) = &self.spec.error_request else {
            return Ok(skip(
                ID,
                "needs a request that makes the API fail after it began executing; set \
                 error_request in [checks.idempotency] to the create plus whatever the API offers \
                 to inject that failure",
            ));
        };
        let spec = self
            .ctx
            .request(name)
            .ok_or_else(|| format!("no request named {name:?}"))?;
        let key = fresh_key(self.spec.profile);
        let failing = Probe::from_spec(self.ctx, spec)?.with_header(&self.spec.header, &key);
        let origin = Instant::now();
        let first = self.send(&failing, origin).await;
        // The same body byte for byte: each rendering of a template draws fresh `${uuid}`s and
        // `${rand.*}`s, so the retry takes the failed attempt's body.
        let mut retry = self.create(Some(&key))?;
        retry.body = failing.body.clone();
        let (second, eff) = self.measured(self.send(&retry, origin)).await;
        Ok(judge::judge_error_replay(
            &self.judge,
            name,
            &first,
            &second,
            &eff,
        ))
    }

    /// IDEM-07: one key and body from client A (the request as defined), then from client B
    /// (`second_credential` set), then from A again.
    async fn key_scope(&self) -> Result<CheckResult, String> {
        const ID: &str = "IDEM-07";
        let Some((header, template)) = &self.spec.second_credential else {
            return Ok(skip(
                ID,
                "needs the same key sent from two credentials; set second_credential = { header = \
                 \"…\", value = \"…\" } in [checks.idempotency] to a second client's credential",
            ));
        };
        let a = self.create(Some(&fresh_key(self.spec.profile)))?;
        let value = probe::render_template(template);
        if a.headers.get(header.as_str()).and_then(|v| v.to_str().ok()) == Some(value.as_str()) {
            return Ok(skip(
                ID,
                format!(
                    "second_credential sets {header} to the value the request already sends, so \
                     both clients are the same; give a different credential"
                ),
            ));
        }
        let b = a.clone().with_header(header, &value);
        let origin = Instant::now();
        let first = self.send(&a, origin).await;
        let (second, eff) = self.measured(self.send(&b, origin)).await;
        let again = self.send(&a, origin).await;
        Ok(judge::judge_key_scope(
            &self.judge,
            header,
            &judge::KeyScopeRun {
                a: first,
                b: second,
                a_again: again,
                effect: eff,
            },
        ))
    }

    /// Body A (the request) and body B for the mismatch checks: `mismatch_request` if set, else
    /// body A mutated deterministically. `Err` with a skip reason when neither is possible.
    fn variants(&self, n: usize) -> Result<Result<Vec<Probe>, String>, String> {
        let key = fresh_key(self.spec.profile);
        let base = self.create(Some(&key))?;
        if let Some(name) = &self.spec.mismatch_request {
            let other = self
                .ctx
                .request(name)
                .ok_or_else(|| format!("no request named {name:?}"))?;
            let b = Probe::from_spec(self.ctx, other)?.with_header(&self.spec.header, &key);
            return Ok(Ok((0..n)
                .map(|i| if i % 2 == 0 { base.clone() } else { b.clone() })
                .collect()));
        }
        let Some(json) = base.json() else {
            return Ok(Err(
                "the request body is not JSON, so it cannot be varied; set mismatch_request to a \
                 request with a different body"
                    .into(),
            ));
        };
        let mut out = vec![base.clone()];
        for i in 1..n as u64 {
            let Some((body, _)) = judge::mutate(&json, i) else {
                return Ok(Err(
                    "the request body has no number or string to vary; set mismatch_request to a \
                     request with a different body"
                        .into(),
                ));
            };
            out.push(base.clone().with_body(body.to_string()));
        }
        Ok(Ok(out))
    }

    async fn mismatch(&self) -> Result<CheckResult, String> {
        const ID: &str = "IDEM-03";
        let pair = match self.variants(2)? {
            Ok(v) => v,
            Err(reason) => return Ok(skip(ID, reason)),
        };
        let (a, b) = (&pair[0], &pair[1]);
        let varied = match (a.json(), b.json()) {
            (Some(x), Some(y)) => judge::differing_pointers(&x, &y),
            _ => Vec::new(),
        };
        let origin = Instant::now();
        let first = self.send(a, origin).await;
        let (second, eff) = self.measured(self.send(b, origin)).await;
        let state = self
            .read(
                judge::created_id(&first, &self.spec.id_pointer).as_deref(),
                origin,
            )
            .await?;
        // Body B with a fresh key: proves B is valid, so a rejection above is about the key.
        let control = b
            .clone()
            .with_header(&self.spec.header, &fresh_key(self.spec.profile));
        let control = self.send(&control, origin).await;
        Ok(judge::judge_mismatch(
            &self.judge,
            &first,
            &second,
            &control,
            state.as_ref(),
            &varied,
            &eff,
        ))
    }

    async fn missing_key(&self) -> Result<CheckResult, String> {
        if !self.spec.required {
            return Ok(skip(
                "IDEM-04",
                "the scenario does not say the key is required; set required = true in \
                 [checks.idempotency] if the API demands it",
            ));
        }
        let p = self.create(None)?;
        let ex = self.send(&p, Instant::now()).await;
        Ok(judge::judge_missing_key(
            &self.judge,
            &self.spec.header,
            &ex,
        ))
    }

    async fn race(&self) -> Result<CheckResult, String> {
        let n = self.spec.concurrency.max(2) as usize;
        let mut last = None;
        for round in 1..=RACE_ROUNDS {
            let p = self.create(Some(&fresh_key(self.spec.profile)))?;
            let (racers, eff) = self.measured(probe::race(self.ctx, vec![p; n])).await;
            let mut verdict = judge::judge_race(&self.judge, &racers?, &eff);
            if verdict.status != crate::verdict::CheckStatus::Pass {
                verdict
                    .message
                    .push_str(&format!(" (race {round} of {RACE_ROUNDS})"));
                return Ok(verdict);
            }
            last = Some(verdict);
        }
        let mut v = last.expect("at least one round");
        v.message
            .push_str(&format!(" (each of {RACE_ROUNDS} rounds)"));
        Ok(v)
    }

    async fn concurrent_mismatch(&self) -> Result<CheckResult, String> {
        const ID: &str = "IDEM-06";
        let n = self.spec.concurrency.max(2) as usize;
        let probes = match self.variants(n)? {
            Ok(v) => v,
            Err(reason) => return Ok(skip(ID, reason)),
        };
        let bodies: Vec<Value> = probes.iter().filter_map(Probe::json).collect();
        let mut varied: Vec<String> = bodies
            .iter()
            .skip(1)
            .flat_map(|b| judge::differing_pointers(&bodies[0], b))
            .collect();
        varied.sort();
        varied.dedup();
        let (racers, eff) = self.measured(probe::race(self.ctx, probes)).await;
        let racers = racers?;
        let winner = racers
            .iter()
            .filter(|e| e.is_success())
            .find_map(|e| judge::created_id(e, &self.spec.id_pointer));
        let state = self.read(winner.as_deref(), Instant::now()).await?;
        Ok(judge::judge_concurrent_mismatch(
            &self.judge,
            &racers,
            state.as_ref(),
            &varied,
            &eff,
        ))
    }

    async fn methods(&self) -> Result<CheckResult, String> {
        const ID: &str = "IDEM-08";
        let origin = Instant::now();
        let created = self
            .send(&self.create(Some(&fresh_key(self.spec.profile)))?, origin)
            .await;
        if !created.is_success() {
            return Ok(error(
                ID,
                format!(
                    "could not run: creating a resource to DELETE got {}",
                    created
                        .status
                        .map_or_else(|| "no response".into(), |s| s.to_string())
                ),
            ));
        }
        let Some(id) = judge::created_id(&created, &self.spec.id_pointer) else {
            return Ok(skip(
                ID,
                format!(
                    "the created resource's id is neither at {} in the body nor in Location; set \
                     id_pointer",
                    self.spec.id_pointer
                ),
            ));
        };
        let Some(delete) = self.on_resource("DELETE", &id)? else {
            return Ok(skip(
                ID,
                "needs a DELETE on the created resource: a DELETE request with {id} in its path, \
                 or oracle = { kind = \"get\", path = \"…/{id}\" }",
            ));
        };
        // PUT first, while the resource exists.
        let put = match self.on_resource("PUT", &id)? {
            None => Err("PUT not tested: the scenario has no PUT request with {id} in its path"),
            Some(p) => {
                let mut run = PutRun {
                    puts: Vec::new(),
                    states: Vec::new(),
                };
                for _ in 0..PUTS {
                    run.puts.push(self.send(&p, origin).await);
                    if let Some(s) = self.read(Some(&id), origin).await? {
                        run.states.push(s);
                    }
                }
                Ok(run)
            }
        };
        let first = self.send(&delete, origin).await;
        let (second, eff) = self.measured(self.send(&delete, origin)).await;
        let after = self.read(Some(&id), origin).await?;
        let del = DeleteRun {
            first,
            second,
            after,
            effect: eff,
        };
        Ok(judge::judge_methods(
            &self.judge,
            &del,
            put.as_ref().map_err(|s| *s),
        ))
    }
}

/// What two oracle readings say: a count difference, or whether a non-count value changed.
pub(super) fn effect(
    before: Option<Result<Value, String>>,
    after: Option<Result<Value, String>>,
) -> Effect {
    match (before, after) {
        (None, _) | (_, None) => Effect::NotMeasured,
        (Some(Err(e)), _) | (_, Some(Err(e))) => Effect::Unavailable(e),
        (Some(Ok(b)), Some(Ok(a))) => match (b.as_f64(), a.as_f64()) {
            (Some(x), Some(y)) => Effect::Count((y - x).round() as i64),
            _ => Effect::Changed(a != b),
        },
    }
}
