//! cargo-fuzz target `link_header`: the invariants are in `loadproof::fuzzing::link_header`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| loadproof::fuzzing::link_header(data));
