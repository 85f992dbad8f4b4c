//! cargo-fuzz target `ratelimit_headers`: the invariants are in `loadproof::fuzzing::ratelimit_headers`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| loadproof::fuzzing::ratelimit_headers(data));
