//! cargo-fuzz target `scenario_toml`: the invariants are in `loadproof::fuzzing::scenario_toml`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| loadproof::fuzzing::scenario_toml(data));
