//! ERR-01..06, the passive part: every 4xx/5xx loadproof receives (load phase and every family's
//! probes) is judged into tallies (counters and capped samples, never a list of responses);
//! `verdicts` emits one verdict per ID over them and what the active part contributed.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
use std::sync::Arc;

use super::judge::{self, Config, Reading, Sample, Seen, Tally};
use super::{
    CORREL, ID_WINDOW, IDS, LEAK, LOCAL, MAX_TYPES, MEDIA, MEMBERS, SHAPE, STABLE, STATUS,
};
use crate::checks::{Observation, PassivePart, error};
use crate::headers::problem::Issue;
use crate::observe::{Headers, Source};
use crate::redact::Redactor;
use crate::scenario::{ErrorFormatSpec, ErrorProfile, RequestIdScope};
use crate::verdict::CheckResult;

/// The most recent request ids (as 64-bit hashes), bounded.
#[derive(Debug, Default, Clone)]
struct IdWindow {
    set: HashSet<u64, BuildHasherDefault<Prehashed>>,
    order: VecDeque<u64>,
}

/// The set's keys are already SipHash outputs: hashing them again (every error response inserts
/// one and evicts one) would only cost time. Uniform 64-bit keys are what a hash table wants.
#[derive(Debug, Default, Clone, Copy)]
struct Prehashed(u64);

impl std::hash::Hasher for Prehashed {
    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` keys reach here (`write_u64`); anything else still hashes, just not well.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

impl IdWindow {
    fn hash(id: &str) -> u64 {
        BuildHasherDefault::<DefaultHasher>::default().hash_one(id)
    }

    /// Remember `h`; false if it was already there.
    fn insert(&mut self, h: u64) -> bool {
        if !self.set.insert(h) {
            return false;
        }
        self.order.push_back(h);
        if self.order.len() > ID_WINDOW
            && let Some(old) = self.order.pop_front()
        {
            self.set.remove(&old);
        }
        true
    }
}

/// The error-format state of one worker thread (or of the probes): counters and capped samples,
/// never a list of responses.
#[derive(Debug)]
pub struct Passive {
    spec: ErrorFormatSpec,
    pub(super) cfg: Arc<Config>,
    pub(super) tallies: [Tally; 8],
    ids: IdWindow,
    titles: BTreeMap<String, String>,
    load_errors: u64,
    /// Successful responses judged for their request id (`every_response` only).
    load_successes: u64,
    probe_successes: u64,
    probe_errors: u64,
    /// Why the probes could not run, if they could not.
    pub(super) active_error: Option<String>,
    /// Whether the probes ran at all.
    pub(super) active_ran: bool,
    /// Why ERR-07 had nothing to judge although a one-bad-field probe exists.
    pub(super) local_note: Option<String>,
    /// No format declared ([`Passive::tableless`]): ERR-01 expects any JSON media type.
    any_json: bool,
}

impl Default for Passive {
    fn default() -> Passive {
        Passive::new(&ErrorFormatSpec {
            profile: ErrorProfile::ProblemJson,
            schema: None,
            request_id_headers: vec!["X-Request-Id".into()],
            probes: vec![],
            request_id_on: RequestIdScope::Errors,
            echo_request_id: false,
        })
    }
}

fn load_schema(path: &str) -> Result<Arc<jsonschema::Validator>, String> {
    load_schema_file(path, "error schema")
}

pub(crate) use crate::scenario::schema_file::load_schema_file;

/// Schemas compiled once per process (every worker thread shares the validator).
fn schema_for(path: &str) -> Result<Arc<jsonschema::Validator>, String> {
    type Cache = std::sync::Mutex<BTreeMap<String, Result<Arc<jsonschema::Validator>, String>>>;
    static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    let mut cache = CACHE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    cache
        .entry(path.to_string())
        .or_insert_with(|| load_schema(path))
        .clone()
}

/// The judge's configuration for a scenario's `[checks.error_format]` (its schema compiled
/// once). Other families judge error bodies with it too (RL-08 for a 429's body).
pub fn config_for(spec: &ErrorFormatSpec) -> Arc<Config> {
    let schema = match (spec.profile, &spec.schema) {
        (ErrorProfile::Schema, Some(path)) => Some(schema_for(path)),
        (ErrorProfile::Schema, None) => Some(Err("`profile = \"schema\"` without `schema`".into())),
        _ => None,
    };
    Arc::new(Config {
        profile: spec.profile,
        request_id_headers: spec.request_id_headers.clone(),
        schema,
    })
}

impl Passive {
    /// The part for a scenario without `[checks.error_format]`: no format is declared, so any
    /// JSON media type is what ERR-01 expects (the `schema` profile's media rule; its shape
    /// check, ERR-03, is not reported without the table), and an HTML or text error page fails.
    pub fn tableless() -> Passive {
        let mut p = Passive::new(&ErrorFormatSpec {
            profile: ErrorProfile::Schema,
            ..Passive::default().spec
        });
        p.any_json = true;
        p
    }

    pub fn new(spec: &ErrorFormatSpec) -> Passive {
        Passive {
            spec: spec.clone(),
            cfg: config_for(spec),
            tallies: Default::default(),
            ids: IdWindow::default(),
            titles: BTreeMap::new(),
            load_errors: 0,
            load_successes: 0,
            probe_successes: 0,
            probe_errors: 0,
            active_error: None,
            active_ran: false,
            local_note: None,
            any_json: false,
        }
    }

    /// Fold one judged error response into the tallies.
    fn absorb(
        &mut self,
        j: Reading,
        status: u16,
        replayed: bool,
        sample: &mut dyn FnMut(&Issue) -> Sample,
    ) {
        self.tallies[MEDIA].record(&j.media, sample);
        if let Some(m) = &j.members {
            self.tallies[MEMBERS].record(m, sample);
        }
        if let Some(s) = &j.shape {
            self.tallies[SHAPE].record(s, sample);
        }
        if let (Some(code), Some(title)) = (&j.code, &j.title) {
            let key = judge::title_key(self.cfg.profile, code, status);
            let issue = match self.titles.get(&key) {
                Some(known) => judge::decide_title(&key, known, title),
                None => {
                    if self.titles.len() < MAX_TYPES {
                        self.titles.insert(key, title.clone());
                    }
                    None
                }
            };
            self.tallies[STABLE].record(issue.as_slice(), sample);
        }
        self.tallies[LEAK].record(&j.leak, sample);
        self.record_id(&j.request_id, replayed, sample);
    }

    /// ERR-06: a response's id (or its absence), and whether an earlier response had it too.
    /// A replay (`Idempotent-Replayed: true`) repeats a stored response, its id included, so it is
    /// only asked to carry one.
    fn record_id(
        &mut self,
        id: &Result<String, Issue>,
        replayed: bool,
        sample: &mut dyn FnMut(&Issue) -> Sample,
    ) {
        match id {
            Err(issue) => self.tallies[CORREL].record(std::slice::from_ref(issue), sample),
            Ok(_) if replayed => self.tallies[CORREL].record(&[], sample),
            Ok(id) => {
                if self.ids.insert(IdWindow::hash(id)) {
                    self.tallies[CORREL].record(&[], sample);
                } else {
                    let issue = Issue::fail(
                        "duplicate-id",
                        format!("request id {id:?} was carried by more than one response"),
                    );
                    self.tallies[CORREL].record(&[issue], sample);
                }
            }
        }
    }
}

/// Is this a replay of a stored response (draft-ietf-httpapi-idempotency-key-header, Stripe)?
fn is_replay(headers: Headers<'_>) -> bool {
    headers
        .get_str("idempotent-replayed")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

impl PassivePart for Passive {
    fn wants_body(&self, _source: Source, status: u16) -> bool {
        status >= 400
    }

    fn observe(&mut self, o: &Observation<'_>) {
        let probe = o.source.is_probe();
        let body = o.body.unwrap_or(&[]);
        let mut sample = |_: &Issue| Sample::Seen(Box::new(Seen::of(o)));
        if o.status < 400 {
            // Only the request id is judged on a success, and only when the scenario asks for
            // one on every response.
            if self.spec.request_id_on == RequestIdScope::EveryResponse {
                if probe {
                    self.probe_successes += 1;
                } else {
                    self.load_successes += 1;
                }
                let id = judge::request_id_of(&self.cfg, o.headers);
                self.record_id(&id, is_replay(o.headers), &mut sample);
            }
            return;
        }
        if probe {
            self.probe_errors += 1;
        } else {
            self.load_errors += 1;
        }
        let j = judge::judge(&self.cfg, o.status, o.headers, body, o.body_truncated);
        self.absorb(j, o.status, is_replay(o.headers), &mut sample);
    }

    fn merge(&mut self, other: Passive) {
        let Passive {
            tallies,
            ids,
            titles,
            load_errors,
            load_successes,
            probe_successes,
            probe_errors,
            active_error,
            active_ran,
            local_note,
            ..
        } = other;
        for (mine, theirs) in self.tallies.iter_mut().zip(tallies) {
            mine.merge(theirs);
        }
        let mut dups = 0;
        for h in ids.order {
            if !self.ids.insert(h) {
                dups += 1;
            }
        }
        if dups > 0 {
            self.tallies[CORREL].add_unsampled(
                &Issue::fail(
                    "duplicate-id",
                    "a request id was carried by more than one response",
                ),
                dups,
            );
        }
        for (code, title) in titles {
            match self.titles.get(&code) {
                Some(known) => {
                    if let Some(i) = judge::decide_title(&code, known, &title) {
                        self.tallies[STABLE].add_unsampled(&i, 1);
                    }
                }
                None if self.titles.len() < MAX_TYPES => {
                    self.titles.insert(code, title);
                }
                None => {}
            }
        }
        self.load_errors += load_errors;
        self.load_successes += load_successes;
        self.probe_successes += probe_successes;
        self.probe_errors += probe_errors;
        self.active_error = self.active_error.take().or(active_error);
        self.active_ran |= active_ran;
        self.local_note = self.local_note.take().or(local_note);
    }

    /// One verdict per ERR ID over every error response seen: the load phase's and the probes'
    /// (which `run` merges into the same collector).
    fn verdicts(self, r: &Redactor) -> Vec<CheckResult> {
        let seen = self.load_errors + self.probe_errors;
        let sources = format!(
            "{} from probes, {} from the load phase",
            self.probe_errors, self.load_errors
        );
        let none = if self.active_ran || self.spec.probes.is_empty() {
            "no error responses were seen (no probe got one and the load phase had no 4xx/5xx)"
                .to_string()
        } else {
            "no error responses were seen (the load phase had no 4xx/5xx and the probes did not run)"
                .to_string()
        };
        let na = |what: &str| {
            if seen == 0 {
                none.clone()
            } else {
                format!("not applicable: none of the {seen} error responses {what}")
            }
        };
        let want = if self.any_json {
            "a JSON media type"
        } else {
            judge_media(self.cfg.profile)
        };
        let [media, members, shape, stable, leak, correl, local, status] = self.tallies;
        let noun = format!("error responses ({sources})");
        let mut out = vec![
            media.verdict(
                IDS[MEDIA],
                &noun,
                &none,
                &format!("every error response is {want}"),
                r,
            ),
            members.verdict(
                IDS[MEMBERS],
                &noun,
                &na("had a JSON media type (see ERR-01)"),
                "members are consistent with the response",
                r,
            ),
        ];
        out.push(match &self.cfg.schema {
            Some(Err(e)) => error(IDS[SHAPE], e.clone()),
            _ => shape.verdict(
                IDS[SHAPE],
                &noun,
                &na("had a JSON object body (see ERR-01/ERR-02)"),
                "bodies have the profile's shape",
                r,
            ),
        });
        out.push(stable.verdict(
            IDS[STABLE],
            "comparisons (repeated probes and titles per type)",
            &na("could be compared (no repeated JSON probe, no titled type)"),
            "the same error gave the same code, and titles are constant per type",
            r,
        ));
        out.push(leak.verdict(IDS[LEAK], &noun, &none, "no stack traces or internals", r));
        // With `request_id_on = "every_response"` ERR-06 judged the successes too: say so.
        let (correl_noun, correl_pass) = match self.spec.request_id_on {
            RequestIdScope::Errors => (
                noun.clone(),
                "every error response carries a unique request id",
            ),
            RequestIdScope::EveryResponse => (
                format!(
                    "responses (error responses: {sources}; successful responses: {} from probes, {} from the load phase)",
                    self.probe_successes, self.load_successes
                ),
                "every response carries a unique request id",
            ),
        };
        out.push(correl.verdict(IDS[CORREL], &correl_noun, &none, correl_pass, r));
        let probe_skip = |what: &str| match &self.active_error {
            Some(e) => format!("the probes could not run: {e}"),
            None if self.spec.probes.is_empty() => "no error probes are declared".to_string(),
            None if !self.active_ran => "the probes did not run".to_string(),
            None => what.to_string(),
        };
        out.push(local.verdict(
            IDS[LOCAL],
            "probes with one bad field",
            &self.local_note.clone().unwrap_or_else(|| {
                probe_skip(
                    "no declared 400/422 probe sends one identifiable bad field in a JSON body \
                     (name it `invalid_<field>`, or derive it from a request with the same method and path)",
                )
            }),
            "the error names the bad field",
            r,
        ));
        out.push(status.verdict(
            IDS[STATUS],
            "probe responses",
            &probe_skip("no probe got a response"),
            "every probe got its declared status",
            r,
        ));
        out
    }
}

fn judge_media(profile: ErrorProfile) -> &'static str {
    crate::headers::problem::expected_media_type(profile)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::CheckStatus;
    use reqwest::header::{HeaderMap, HeaderValue};

    #[test]
    fn id_window_finds_repeats_and_forgets_the_oldest_beyond_its_size() {
        let mut w = IdWindow::default();
        let first = IdWindow::hash("req_first");
        assert!(w.insert(first));
        assert!(!w.insert(first), "a repeat is found");
        for i in 0..ID_WINDOW {
            assert!(w.insert(IdWindow::hash(&format!("req_{i}"))));
        }
        assert_eq!((w.set.len(), w.order.len()), (ID_WINDOW, ID_WINDOW));
        assert!(
            !w.insert(IdWindow::hash("req_7")),
            "a recent id is still known"
        );
        assert!(w.insert(first), "the oldest was forgotten");
    }

    fn spec(id_header: &str) -> ErrorFormatSpec {
        ErrorFormatSpec {
            profile: ErrorProfile::ProblemJson,
            schema: None,
            request_id_headers: vec![id_header.to_string()],
            probes: vec![],
            request_id_on: RequestIdScope::Errors,
            echo_request_id: false,
        }
    }

    fn observe(p: &mut Passive, status: u16, rid: &str) {
        let body = format!(r#"{{"type":"https://x/p/a","title":"A","status":{status}}}"#);
        observe_with_id(p, status, rid, &body);
    }

    /// An error response with its own request id (`id-N`, N = errors seen so far).
    fn observe_body(p: &mut Passive, status: u16, body: &str) {
        let rid = format!("id-{}", p.load_errors);
        observe_with_id(p, status, &rid, body);
    }

    fn observe_with_id(p: &mut Passive, status: u16, rid: &str, body: &str) {
        let mut h = HeaderMap::new();
        h.insert(
            "content-type",
            HeaderValue::from_static("application/problem+json"),
        );
        h.insert("x-test-id", HeaderValue::from_str(rid).unwrap());
        p.observe(&Observation {
            source: Source::Load,
            request: Some("r"),
            method: "GET",
            url: "http://127.0.0.1/x",
            sent: None,
            status,
            headers: crate::observe::Headers::Map(&h),
            body: Some(body.as_bytes()),
            body_truncated: false,
            at: std::time::Duration::ZERO,
            received: None,
        });
    }

    /// RFC 9457 §4.2.1: `about:blank` (written or implied) with the status phrase as title is
    /// conformant across statuses (a false ERR-04 failure before); a title that drifts for one
    /// status is not.
    #[test]
    fn err04_keys_about_blank_on_the_status() {
        let err04 = |p: Passive| {
            p.verdicts(&Redactor::default())
                .into_iter()
                .find(|c| c.id == "ERR-04")
                .unwrap()
        };
        let mut p = Passive::new(&spec("X-Test-Id"));
        observe_body(
            &mut p,
            400,
            r#"{"type":"about:blank","title":"Bad Request","status":400}"#,
        );
        observe_body(
            &mut p,
            404,
            r#"{"type":"about:blank","title":"Not Found","status":404}"#,
        );
        observe_body(&mut p, 404, r#"{"title":"Not Found","status":404}"#);
        let v = err04(p);
        assert_eq!(v.status, CheckStatus::Pass, "{v:?}");

        let mut p = Passive::new(&spec("X-Test-Id"));
        observe_body(
            &mut p,
            404,
            r#"{"type":"about:blank","title":"Not Found","status":404}"#,
        );
        observe_body(
            &mut p,
            404,
            r#"{"type":"about:blank","title":"No such order","status":404}"#,
        );
        let v = err04(p);
        assert_eq!(v.status, CheckStatus::Fail, "{v:?}");
        assert!(v.message.contains("about:blank (404)"), "{}", v.message);
    }

    #[test]
    fn passive_ignores_successes_and_catches_duplicate_ids_across_threads() {
        let s = spec("X-Test-Id");
        let mut a = Passive::new(&s);
        let mut b = Passive::new(&s);
        observe(&mut a, 200, "ok");
        observe(&mut a, 404, "id-1");
        observe(&mut a, 503, "id-2");
        observe(&mut b, 429, "id-1");
        a.merge(b);
        let v = a.verdicts(&Redactor::default());
        let ids: Vec<&str> = v.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, IDS);
        let by = |id: &str| v.iter().find(|c| c.id == id).unwrap();
        assert_eq!(by("ERR-01").status, CheckStatus::Pass);
        assert_eq!(by("ERR-01").count, 3);
        assert_eq!(by("ERR-06").status, CheckStatus::Fail, "{:?}", by("ERR-06"));
        assert_eq!(by("ERR-08").status, CheckStatus::Skip);
    }

    /// `request_id_on = "every_response"`: a success without an id fails ERR-06, and only
    /// ERR-06 (the body of a success is nobody's business here); by default it is not judged.
    #[test]
    fn every_response_scope_judges_the_ids_of_successes_too() {
        let success_without_id = |p: &mut Passive| {
            p.observe(&Observation {
                source: Source::Load,
                request: Some("r"),
                method: "GET",
                url: "http://127.0.0.1/ok",
                sent: None,
                status: 200,
                headers: crate::observe::Headers::none(),
                body: None,
                body_truncated: false,
                at: std::time::Duration::ZERO,
                received: None,
            })
        };
        let mut every = spec("X-Test-Id");
        every.request_id_on = RequestIdScope::EveryResponse;
        let mut p = Passive::new(&every);
        observe(&mut p, 404, "id-1");
        success_without_id(&mut p);
        let v = p.verdicts(&Redactor::default());
        let failing: Vec<&str> = v
            .iter()
            .filter(|c| c.status == CheckStatus::Fail)
            .map(|c| c.id.as_str())
            .collect();
        assert_eq!(failing, ["ERR-06"], "{v:#?}");

        let mut p = Passive::new(&spec("X-Test-Id"));
        observe(&mut p, 404, "id-1");
        success_without_id(&mut p);
        let v = p.verdicts(&Redactor::default());
        assert!(v.iter().all(|c| c.status != CheckStatus::Fail), "{v:#?}");

        // Conforming: the verdict says what it judged, successes included.
        let mut p = Passive::new(&every);
        observe(&mut p, 404, "id-1");
        observe(&mut p, 200, "id-2");
        let err06 = p
            .verdicts(&Redactor::default())
            .into_iter()
            .find(|c| c.id == "ERR-06")
            .unwrap();
        assert_eq!(err06.status, CheckStatus::Pass, "{err06:?}");
        assert!(
            err06
                .message
                .starts_with("every response carries a unique request id: 2 responses")
                && err06
                    .message
                    .contains("successful responses: 0 from probes, 1 from the load phase"),
            "{}",
            err06.message
        );
    }

    #[test]
    fn no_errors_means_skip_with_a_reason() {
        let v = Passive::new(&spec("X-Test-Id")).verdicts(&Redactor::default());
        assert_eq!(v.len(), 8);
        assert!(
            v.iter()
                .all(|c| c.status == CheckStatus::Skip && !c.message.is_empty())
        );
        assert!(
            v[0].message.contains("no error responses were seen"),
            "{}",
            v[0].message
        );
    }

    #[test]
    fn probe_results_merged_into_the_passive_collector_give_one_verdict_per_id() {
        let s = spec("X-Merge-Test");
        let mut passive = Passive::new(&s);
        let mut other_thread = Passive::new(&s);
        observe(&mut other_thread, 404, "x");
        passive.merge(other_thread);
        let mut acc = Passive::new(&s);
        acc.active_ran = true;
        acc.tallies[STATUS].record(&[], &mut |_| Sample::Evidence(Box::default()));
        passive.merge(acc);
        let v = passive.verdicts(&Redactor::default());
        assert_eq!(v.len(), 8);
        assert_eq!(v[7].status, CheckStatus::Pass, "{:?}", v[7]);
    }
}
