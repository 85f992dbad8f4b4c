//! cargo-fuzz target `retry_after`: the invariants are in `loadproof::fuzzing::retry_after`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| loadproof::fuzzing::retry_after(data));
