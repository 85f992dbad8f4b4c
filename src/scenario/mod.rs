//! Scenario files: the model, loading from TOML/JSON, validation and located diagnostics.
//!
//! [`load`] reads a file and [`load_str`] parses a string; both return a fully validated
//! [`Scenario`] or every problem found, each located at `file:line:col` (see [`Diagnostics`]).
//! The file format is documented in `docs/scenario-format.md`.

pub mod compare;
pub mod data;
pub mod model;
pub mod schema_file;
pub mod thresholds;
pub use model::*;

mod body_size;
mod diag;
mod json_src;
mod path_dots;
mod template;
mod toml_src;
mod tree;
mod validate;

#[cfg(test)]
mod compare_tests;
#[cfg(test)]
mod env_check_tests;
#[cfg(test)]
mod expect_tests;
#[cfg(test)]
mod flow_tests;
#[cfg(test)]
mod input_tests;
#[cfg(test)]
mod max_body_tests;
#[cfg(test)]
mod syntax_hint_tests;
#[cfg(test)]
mod tests;

#[cfg(feature = "fuzzing")]
pub(crate) use diag::mask_url_passwords;
pub use diag::{Diagnostic, Diagnostics, Severity};
pub use validate::{CHECK_IDS, FAMILY_SECTIONS};

use std::path::{Path, PathBuf};

/// Source format of a scenario file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Toml,
    Json,
}

impl Format {
    /// `.json` (any case) is JSON; everything else is TOML.
    pub fn from_path(path: &Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("json") => Format::Json,
            _ => Format::Toml,
        }
    }
}

/// Why a scenario file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read scenario file {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "cannot read scenario file {}: it is larger than the {} MiB limit (a scenario file is \
         text; was a device or a data file given?)",
        path.display(),
        limit >> 20
    )]
    TooLarge { path: PathBuf, limit: u64 },
    #[error("{0}")]
    Invalid(Diagnostics),
}

/// The largest scenario file `load` reads. Read through a bounded reader, not from the file's
/// metadata: `/dev/zero` and FIFOs report a size of 0 and never end.
pub const MAX_FILE_BYTES: u64 = 16 << 20;

/// Read at most `limit` bytes of `path`: the bytes, or `TooLarge` when there are more.
fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, LoadError> {
    use std::io::Read as _;
    let io = |source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(LoadError::TooLarge {
            path: path.to_path_buf(),
            limit,
        });
    }
    Ok(bytes)
}

/// Read a scenario file as text: its origin (the path as given, for `file:line:col`) and
/// contents, or a located diagnostic when it is not UTF-8.
fn read_source(path: &Path) -> Result<(String, String), LoadError> {
    let bytes = read_bounded(path, MAX_FILE_BYTES)?;
    let origin = path.display().to_string();
    match String::from_utf8(bytes) {
        Ok(s) => Ok((origin, s)),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            // Locate the error in the lossy text: same prefix, so the same byte offset.
            let d = diag::make(
                &origin,
                &text,
                at..at + 1,
                "the file is not valid UTF-8".to_string(),
                Some("save the scenario file as UTF-8".to_string()),
            );
            Err(LoadError::Invalid(Diagnostics::new(
                &origin,
                &text,
                vec![d],
            )))
        }
    }
}

/// Read and validate a scenario file. The format is chosen by extension (see [`Format`]) and
/// `${env.NAME}` placeholders are resolved from the process environment.
pub fn load(path: &Path) -> Result<Scenario, LoadError> {
    let (origin, source) = read_source(path)?;
    let env = |name: &str| std::env::var(name).ok();
    load_str(&source, &origin, Format::from_path(path), &env).map_err(LoadError::Invalid)
}

/// What [`check`] does with `${env.NAME}` whose variable is unset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvValues {
    /// An error, as for `run` (`loadproof validate FILE`).
    Required,
    /// Not an error (`loadproof validate FILE --no-env`, a CI lint step without the secrets):
    /// the placeholder must still be well-formed and allowed where it is; its value is not
    /// checked.
    NotChecked,
}

/// What `validate` reports about a valid file. It deliberately holds no [`Scenario`]: with
/// [`EnvValues::NotChecked`] the scenario was built with stand-ins (empty values) for the unset
/// variables, and such a scenario must never be run; only [`load`] gives one.
#[derive(Debug)]
pub struct Checked {
    /// What it sends: "3 requests", "1 request, 1 flow of 3 steps, 1 data file".
    pub contents: String,
    /// The target; `Target::Unset` when it names an unset variable.
    pub target: Target,
    /// Secret values (resolved `${env.*}`, `[secrets]`, URL passwords), for redacting output.
    pub secrets: Vec<String>,
    pub warnings: Option<Diagnostics>,
    /// The unset variables of the `${env.NAME}` placeholders that were not checked: one entry
    /// per placeholder, in file order (empty with [`EnvValues::Required`]).
    pub unchecked_env: Vec<String>,
}

/// Read and validate a scenario file for `validate`, treating unset `${env.NAME}` as `env`
/// says.
pub fn check(path: &Path, env: EnvValues) -> Result<Checked, LoadError> {
    let (origin, source) = read_source(path)?;
    let lookup = |name: &str| std::env::var(name).ok();
    let unchecked = std::cell::RefCell::new(Vec::new());
    let mode = match env {
        EnvValues::Required => validate::EnvMode::Required,
        EnvValues::NotChecked => validate::EnvMode::Unchecked(&unchecked),
    };
    let scenario = load_in(&source, &origin, Format::from_path(path), &lookup, mode)
        .map_err(LoadError::Invalid)?;
    Ok(Checked {
        contents: contents(&scenario),
        target: scenario.target,
        secrets: scenario.secrets,
        warnings: scenario.warnings,
        unchecked_env: unchecked.into_inner(),
    })
}

/// What a valid scenario sends, for `validate`: "3 requests", "1 request, 1 flow of 3 steps,
/// 1 data file".
fn contents(s: &Scenario) -> String {
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let steps: usize = s.flows.iter().map(|f| f.steps.len()).sum();
    let single = s.requests.len() - steps;
    let mut parts = Vec::new();
    if single > 0 || s.flows.is_empty() {
        parts.push(plural(single, "request", "requests"));
    }
    if !s.flows.is_empty() {
        parts.push(format!(
            "{} of {}",
            plural(s.flows.len(), "flow", "flows"),
            plural(steps, "step", "steps")
        ));
    }
    if !s.data.is_empty() {
        parts.push(plural(s.data.len(), "data file", "data files"));
    }
    parts.join(", ")
}

/// Parse and validate a scenario from a string.
///
/// `origin` is the path as the user typed it (used in `file:line:col` and for the default
/// `name`); `env` resolves `${env.NAME}` placeholders.
pub fn load_str(
    source: &str,
    origin: &str,
    format: Format,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Scenario, Diagnostics> {
    load_in(source, origin, format, env, validate::EnvMode::Required)
}

fn load_in(
    source: &str,
    origin: &str,
    format: Format,
    env: &dyn Fn(&str) -> Option<String>,
    mode: validate::EnvMode<'_>,
) -> Result<Scenario, Diagnostics> {
    let (root, syntax) = match format {
        Format::Toml => toml_src::parse(source),
        Format::Json => json_src::parse(source),
    };
    if !syntax.is_empty() {
        let items = syntax
            .into_iter()
            .map(|(span, message)| diag::make(origin, source, span, message, None))
            .collect();
        return Err(Diagnostics::new(origin, source, items));
    }
    validate::Cx::new(origin, source, env)
        .with_env_mode(mode)
        .with_syntax(format)
        .scenario(&root)
        .map_err(|items| Diagnostics::new(origin, source, items))
}
