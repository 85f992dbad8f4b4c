//! Reading a JSON Schema file a scenario names (`[requests.expect] schema`, `[checks.error_format]
//! schema`): read, parse, compile, with an error that says which step failed. It lives with the
//! scenario because the scenario names the file; the checks that judge with it import it here.

use std::sync::Arc;

/// Read and compile a JSON Schema file; the error says which step failed, naming the file as
/// `what` (also used for `[requests.expect] schema`).
pub fn load_schema_file(path: &str, what: &str) -> Result<Arc<jsonschema::Validator>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the {what} {path:?}: {e}"))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("the {what} {path:?} is not JSON: {e}"))?;
    jsonschema::validator_for(&value)
        .map(Arc::new)
        .map_err(|e| format!("the {what} {path:?} is not a valid JSON Schema: {e}"))
}
