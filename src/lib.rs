//! loadproof: load-test HTTP APIs and verify their conventions under concurrency.
pub mod reference;
pub mod scenario;
