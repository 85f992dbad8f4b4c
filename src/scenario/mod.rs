//! Scenario files: the model, loading from TOML/JSON, validation and located diagnostics.
pub mod model;
pub use model::*;
