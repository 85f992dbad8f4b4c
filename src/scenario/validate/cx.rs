//! The validator context [`Cx`], its reporting (`err`, `err_hint`, `check_keys`, `type_err`,
//! `missing`) and the typed getters every section uses (`str_of`, `bool_of`, `int_in`, `choice`,
//! `duration`, `max_body`, `pointer`, `header_name`, `request_ref`, `status_list`, ...), plus [`suggest`].

use std::ops::Range;
use std::time::Duration;

use crate::scenario::diag::{self, Diagnostic};
use crate::scenario::model::*;
use crate::scenario::tree::{Entry, Kind, Node};

/// The validator context: what every section's parser reads (the source, to locate
/// diagnostics; the environment) and what the walk has learnt so far, plus every diagnostic.
pub(crate) struct Cx<'a> {
    pub(super) origin: &'a str,
    pub(super) src: &'a str,
    pub(super) env: &'a dyn Fn(&str) -> Option<String>,
    pub(super) diags: Vec<Diagnostic>,
    pub(super) secrets: Vec<String>,
    pub(super) vars: Vec<(String, Vec<Part>)>,
    pub(super) secret_vars: Vec<(String, String)>,
    /// `vars.NAME` / `secrets.NAME` whose value had errors (already reported): references to
    /// them fail silently instead of cascading into "unknown variable".
    pub(super) broken_vars: Vec<String>,
    /// Request names, in file order, with the span of the name value.
    pub(super) request_names: Vec<(String, Range<usize>)>,
    /// The scenario's `target` when it is a valid URL: request paths are checked against its
    /// base path (a `..` that climbs out of it is a warning).
    pub(super) target_url: Option<String>,
    /// The names of `[defaults] headers`, for `remove_headers`.
    pub(super) default_headers: Vec<String>,
    /// `[[data]]` feeders parsed so far: `${data.COLUMN}` resolves against them.
    pub(super) data: Vec<DataSpec>,
    /// A `[[data]]` entry failed to load (already reported).
    pub(super) data_broken: bool,
    /// While a flow's steps are compiled: the flow and the variables its earlier steps capture.
    pub(super) flow: Option<super::flows::FlowScope>,
    /// Flow steps (`FLOW.STEP`) whose templates read `${flow.*}`: only their flow can send them.
    pub(super) chained_steps: Vec<String>,
    /// What an unset `${env.NAME}` is: an error, or (validate --no-env) a recorded name.
    pub(super) env_mode: EnvMode<'a>,
    /// The syntax of the file, in which hints write their examples (see `syntax.rs`).
    pub(super) syntax: crate::scenario::Format,
}

/// The stand-in value of an unset `${env.NAME}` under `validate --no-env`. Not empty (an empty
/// part vanishes from a template, and `path = "${env.P}"` would then pass as a path), free of
/// the characters a header or a path refuses, and with spaces, so that it can never be part of
/// a valid target URL that the secrets list (which may hold it) redacts.
pub(in crate::scenario) const UNCHECKED_ENV: &str = "<env not checked>";

/// How the validator treats `${env.NAME}` whose variable is unset (see
/// [`crate::scenario::EnvValues`]).
#[derive(Clone, Copy)]
pub(in crate::scenario) enum EnvMode<'a> {
    /// A located error: the value is needed (every load that can lead to a run).
    Required,
    /// Not checked (`validate --no-env`): each occurrence's name is recorded here and stands
    /// for [`UNCHECKED_ENV`], in a scenario that `scenario::check` never hands out.
    Unchecked(&'a std::cell::RefCell<Vec<String>>),
}

/// Best "did you mean" candidate for `word`, if one is close enough.
pub(crate) fn suggest<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let lower = word.to_ascii_lowercase();
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        if c == word {
            continue;
        }
        let score = if c.eq_ignore_ascii_case(word) {
            1.0
        } else {
            let jw = strsim::jaro_winkler(&lower, &c.to_ascii_lowercase());
            let edits = strsim::damerau_levenshtein(&lower, &c.to_ascii_lowercase());
            // Jaro-Winkler is noisy on short words: also accept one edit (or a transposition),
            // and two edits on longer words.
            if edits <= 1 && c.len() >= 3 {
                jw.max(0.85)
            } else if edits == 2 && c.len() >= 7 {
                jw.max(0.83)
            } else {
                jw
            }
        };
        if score >= 0.82 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

pub(super) fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn is_pointer(s: &str) -> bool {
    s.is_empty() || s.starts_with('/')
}

fn quote_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|s| format!("\"{s}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

impl<'a> Cx<'a> {
    pub(in crate::scenario) fn new(
        origin: &'a str,
        src: &'a str,
        env: &'a dyn Fn(&str) -> Option<String>,
    ) -> Self {
        Self {
            origin,
            src,
            env,
            diags: Vec::new(),
            secrets: Vec::new(),
            vars: Vec::new(),
            secret_vars: Vec::new(),
            broken_vars: Vec::new(),
            request_names: Vec::new(),
            target_url: None,
            default_headers: Vec::new(),
            data: Vec::new(),
            data_broken: false,
            flow: None,
            chained_steps: Vec::new(),
            env_mode: EnvMode::Required,
            syntax: crate::scenario::Format::Toml,
        }
    }

    pub(in crate::scenario) fn with_env_mode(mut self, mode: EnvMode<'a>) -> Self {
        self.env_mode = mode;
        self
    }

    pub(in crate::scenario) fn with_syntax(mut self, syntax: crate::scenario::Format) -> Self {
        self.syntax = syntax;
        self
    }

    /// For `${env.NAME}` with `NAME` unset: whether that is accepted unchecked (validate
    /// --no-env), recording the name; `false` means it is an error.
    pub(super) fn env_unchecked(&self, name: &str) -> bool {
        match self.env_mode {
            EnvMode::Required => false,
            EnvMode::Unchecked(names) => {
                names.borrow_mut().push(name.to_string());
                true
            }
        }
    }

    // ----- reporting -------------------------------------------------------------------------

    pub(super) fn err(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.diags.push(diag::make(
            self.origin,
            self.src,
            span,
            self.in_syntax(message.into()),
            None,
        ));
    }

    /// A message or hint with its examples in the file's syntax (see `syntax.rs`).
    fn in_syntax(&self, text: String) -> String {
        match self.syntax {
            crate::scenario::Format::Toml => text,
            json => super::syntax::render(json, &text),
        }
    }

    pub(super) fn err_hint(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.diags.push(diag::make(
            self.origin,
            self.src,
            span,
            self.in_syntax(message.into()),
            Some(self.in_syntax(hint.into())),
        ));
    }

    /// A located warning: shown by `validate` and `run`, the scenario stays valid.
    pub(super) fn warn_hint(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        let mut d = diag::make(
            self.origin,
            self.src,
            span,
            self.in_syntax(message.into()),
            Some(self.in_syntax(hint.into())),
        );
        d.severity = diag::Severity::Warning;
        self.diags.push(d);
    }

    pub(super) fn check_keys(&mut self, entries: &[Entry], known: &[&str], place: &str) {
        for e in entries {
            if known.contains(&e.key.as_str()) {
                continue;
            }
            let message = format!("unknown key `{}` in {place}", e.key);
            match suggest(&e.key, known.iter().copied()) {
                Some(s) => {
                    self.err_hint(e.key_span.clone(), message, format!("did you mean `{s}`?"))
                }
                None => self.err_hint(
                    e.key_span.clone(),
                    message,
                    format!("expected one of: {}", known.join(", ")),
                ),
            }
        }
    }

    pub(super) fn type_err(&mut self, e: &Entry, expected: &str) {
        let message = format!(
            "wrong type for `{}`: expected {expected}, found {}",
            e.key,
            e.value.describe()
        );
        self.err(e.value.span.clone(), message);
    }

    pub(super) fn missing(&mut self, span: Range<usize>, key: &str, place: &str, hint: &str) {
        self.err_hint(
            span,
            format!("missing required key `{key}` in {place}"),
            hint,
        );
    }

    // ----- typed getters ---------------------------------------------------------------------

    pub(super) fn str_of(&mut self, e: &Entry) -> Option<String> {
        match &e.value.kind {
            Kind::String(s) => Some(s.clone()),
            _ => {
                self.type_err(e, "a string");
                None
            }
        }
    }

    pub(super) fn bool_of(&mut self, e: &Entry) -> Option<bool> {
        match e.value.kind {
            Kind::Bool(b) => Some(b),
            _ => {
                self.type_err(e, "a boolean (true or false)");
                None
            }
        }
    }

    pub(super) fn table_of<'t>(&mut self, e: &'t Entry) -> Option<&'t [Entry]> {
        match &e.value.kind {
            Kind::Table(t) => Some(t),
            _ => {
                self.type_err(e, "a table");
                None
            }
        }
    }

    pub(super) fn int_in(&mut self, e: &Entry, lo: i64, hi: i64) -> Option<i64> {
        match e.value.kind {
            Kind::Integer(i) if i >= lo && i <= hi => Some(i),
            Kind::Integer(i) => {
                let range = if hi == i64::MAX || hi == i64::from(u32::MAX) {
                    format!("at least {lo}")
                } else {
                    format!("between {lo} and {hi}")
                };
                self.err(
                    e.value.span.clone(),
                    format!("`{}` must be {range}, found {i}", e.key),
                );
                None
            }
            _ => {
                self.type_err(e, "an integer");
                None
            }
        }
    }

    pub(super) fn u32_in(&mut self, e: &Entry, lo: u32, hi: u32) -> Option<u32> {
        self.int_in(e, i64::from(lo), i64::from(hi))
            .and_then(|v| u32::try_from(v).ok())
    }

    /// A finite number (integer or float).
    pub(super) fn number(&mut self, e: &Entry) -> Option<f64> {
        match e.value.kind {
            Kind::Integer(i) => Some(i as f64),
            Kind::Float(x) if x.is_finite() => Some(x),
            Kind::Float(_) => {
                self.err(
                    e.value.span.clone(),
                    format!("`{}` must be a finite number", e.key),
                );
                None
            }
            _ => {
                self.type_err(e, "a number");
                None
            }
        }
    }

    pub(super) fn choice(&mut self, e: &Entry, options: &[&str]) -> Option<String> {
        let s = self.str_of(e)?;
        if options.contains(&s.as_str()) {
            return Some(s);
        }
        let message = format!(
            "invalid value {s:?} for `{}`: expected one of {}",
            e.key,
            quote_list(options)
        );
        match suggest(&s, options.iter().copied()) {
            Some(c) => self.err_hint(
                e.value.span.clone(),
                message,
                format!("did you mean \"{c}\"?"),
            ),
            None => self.err(e.value.span.clone(), message),
        }
        None
    }

    /// A duration string (`"30s"`), optionally required to be non-zero.
    pub(super) fn duration(&mut self, e: &Entry, nonzero: bool) -> Option<Duration> {
        let text = match &e.value.kind {
            Kind::String(s) => s,
            Kind::Integer(i) => {
                let message = format!(
                    "wrong type for `{}`: expected a duration string like \"30s\", found integer {i}",
                    e.key
                );
                self.err_hint(
                    e.value.span.clone(),
                    message,
                    format!(
                        "durations are strings with a unit: write `{} = \"{i}s\"` (or \"{i}ms\")",
                        e.key
                    ),
                );
                return None;
            }
            _ => {
                let message = format!(
                    "wrong type for `{}`: expected a duration string like \"30s\", found {}",
                    e.key,
                    e.value.describe()
                );
                self.err_hint(
                    e.value.span.clone(),
                    message,
                    "durations are strings such as \"250ms\", \"30s\" or \"1m30s\"",
                );
                return None;
            }
        };
        match humantime::parse_duration(text.trim()) {
            Ok(d) if nonzero && d.is_zero() => {
                self.err(
                    e.value.span.clone(),
                    format!("`{}` must be greater than zero", e.key),
                );
                None
            }
            Ok(d) => Some(d),
            Err(err) => {
                self.err_hint(
                    e.value.span.clone(),
                    format!("invalid duration {text:?} for `{}`: {err}", e.key),
                    "use a number with a unit, such as \"250ms\", \"30s\", \"5m\" or \"1m30s\"",
                );
                None
            }
        }
    }

    /// A duration greater than zero and at most `max` (a timeout or a drain: a larger one
    /// would outlast the run's own bound); `hint` says why, past it.
    pub(super) fn duration_at_most(
        &mut self,
        e: &Entry,
        max: Duration,
        hint: &str,
    ) -> Option<Duration> {
        let d = self.duration(e, true)?;
        if d > max {
            let message = format!(
                "`{}` is {}, more than the maximum of {}",
                e.key,
                long_duration_text(d),
                long_duration_text(max)
            );
            self.err_hint(e.value.span.clone(), message, hint);
            return None;
        }
        Some(d)
    }

    /// `max_body`: a size string (`"4MiB"`) or a byte count, 1 byte ..= 256 MiB.
    pub(super) fn max_body(&mut self, e: &Entry) -> Option<u64> {
        let parsed = match &e.value.kind {
            Kind::String(s) => crate::size::parse_max_body(s),
            Kind::Integer(i) => u64::try_from(*i)
                .map_err(|_| "must be greater than zero".to_string())
                .and_then(crate::size::check_max_body),
            _ => {
                self.type_err(e, "a size string like \"4MiB\"");
                return None;
            }
        };
        parsed
            .map_err(|why| {
                self.err_hint(
                    e.value.span.clone(),
                    format!("invalid `{}`: {why}", e.key),
                    format!(
                        "a size between 1 byte and {}, such as \"4MiB\" or \"512KiB\"",
                        crate::size::show(crate::size::MAX_MAX_BODY)
                    ),
                )
            })
            .ok()
    }

    pub(super) fn pointer(&mut self, e: &Entry) -> Option<String> {
        let s = self.str_of(e)?;
        if is_pointer(&s) {
            Some(s)
        } else {
            self.err_hint(
                e.value.span.clone(),
                format!("invalid JSON pointer {s:?} for `{}`", e.key),
                format!(
                    "a JSON pointer is \"\" (the whole document) or starts with `/`, e.g. \"/{s}\""
                ),
            );
            None
        }
    }

    pub(super) fn header_name(&mut self, name: &str, span: Range<usize>) -> bool {
        if is_token(name) {
            true
        } else {
            self.err_hint(
                span,
                format!("invalid header name {name:?}"),
                "header names are HTTP tokens: letters, digits and !#$%&'*+-.^_`|~ (no spaces or colons)",
            );
            false
        }
    }

    /// A `request = "name"` reference, which must name an existing request.
    pub(super) fn request_ref(&mut self, e: &Entry) -> Option<String> {
        let s = self.str_of(e)?;
        if self.request_names.iter().any(|(n, _)| *n == s) {
            return Some(s);
        }
        let names: Vec<String> = self.request_names.iter().map(|(n, _)| n.clone()).collect();
        let message = format!("unknown request `{s}` in `{}`", e.key);
        let hint = match suggest(&s, names.iter().map(String::as_str)) {
            Some(c) => format!("did you mean `{c}`?"),
            None if names.is_empty() => "no requests are defined".to_string(),
            None => format!("defined requests: {}", names.join(", ")),
        };
        self.err_hint(e.value.span.clone(), message, hint);
        None
    }

    /// A request a check sends on its own: any request, or a flow step that reads no
    /// `${flow.*}` (a check sends outside any iteration, so it would have no captured value).
    pub(super) fn check_request_ref(&mut self, e: &Entry) -> Option<String> {
        let name = self.request_ref(e)?;
        if self.chained_steps.contains(&name) {
            self.err_hint(
                e.value.span.clone(),
                format!("`{name}` is a flow step that uses `${{flow.*}}`: a check sends its request outside any flow, with nothing captured"),
                "give the check a [[requests]] entry of its own (weight = 0 keeps it out of the load)",
            );
            return None;
        }
        Some(name)
    }

    pub(super) fn status_list(&mut self, e: &Entry) -> Option<Vec<u16>> {
        let mut out = Vec::new();
        let mut ok = true;
        let items: Vec<&Node> = match &e.value.kind {
            Kind::Integer(_) => vec![&e.value],
            Kind::Array(items) => {
                if items.is_empty() {
                    self.err_hint(
                        e.value.span.clone(),
                        format!("`{}` is an empty list", e.key),
                        "list at least one status code, e.g. [200, 201]",
                    );
                    return None;
                }
                items.iter().collect()
            }
            _ => {
                self.type_err(
                    e,
                    "a status code or an array of status codes, like 200 or [200, 201]",
                );
                return None;
            }
        };
        for node in items {
            match node.kind {
                Kind::Integer(i) if (100..=599).contains(&i) => {
                    let code = i as u16;
                    if !out.contains(&code) {
                        out.push(code);
                    }
                }
                Kind::Integer(i) => {
                    self.err(
                        node.span.clone(),
                        format!("invalid HTTP status {i}: must be between 100 and 599"),
                    );
                    ok = false;
                }
                _ => {
                    self.err(
                        node.span.clone(),
                        format!(
                            "expected an HTTP status code (integer), found {}",
                            node.describe()
                        ),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }
}
