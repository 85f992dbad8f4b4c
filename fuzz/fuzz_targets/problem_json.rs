//! cargo-fuzz target `problem_json`: the invariants are in `loadproof::fuzzing::problem_json`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| loadproof::fuzzing::problem_json(data));
