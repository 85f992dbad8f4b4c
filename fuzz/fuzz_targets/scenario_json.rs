//! cargo-fuzz target `scenario_json`: the invariants are in `loadproof::fuzzing::scenario_json`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| loadproof::fuzzing::scenario_json(data));
