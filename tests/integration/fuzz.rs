//! Fuzzing that runs in CI on stable, bounded in cases and in wall time. The invariants are not
//! here: they are `loadproof::fuzzing::*`, the same functions the cargo-fuzz targets in `fuzz/`
//! call (the scenario loader never panics and every rejection is located; the header and
//! problem-details parsers never panic and what they accept round-trips). They exist only under
//! loadproof's `fuzzing` feature, which the dev-dependency of the package on itself turns on for
//! every `cargo test`, with no flag. This file feeds them:
//! - every file of the committed corpus, `fuzz/corpus/<target>/` (the seeds, the inputs
//!   coverage-guided fuzzing found interesting, and any crash kept as a regression seed);
//! - that corpus mutated byte by byte and spliced, from a fixed seed, for each target;
//! - proptest: the shipped scenarios edited with fragments that commonly break parsers (TOML, and
//!   the same scenarios as JSON), and arbitrary text, shrunk to a minimal input on failure.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use loadproof::fuzzing;
use loadproof::scenario::{Format, load_str};
use proptest::prelude::*;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

type Target = fn(&[u8]);

/// Every fuzz target: the `fuzz/fuzz_targets/<name>.rs` name and its entry point.
const TARGETS: [(&str, Target); 6] = [
    ("scenario_toml", fuzzing::scenario_toml),
    ("scenario_json", fuzzing::scenario_json),
    ("ratelimit_headers", fuzzing::ratelimit_headers),
    ("link_header", fuzzing::link_header),
    ("retry_after", fuzzing::retry_after),
    ("problem_json", fuzzing::problem_json),
];

/// Mutated inputs per target, and the wall-time cap on them: whichever comes first. In a release
/// build every target reaches the case count in well under a second on 2 cores; the cap bounds
/// debug builds and slow machines.
const MUTATION_CASES: usize = 20_000;
const MUTATION_TIME: Duration = Duration::from_secs(4);

const SEEDS: [&str; 3] = [
    include_str!("../../scenarios/quickstart.toml"),
    include_str!("../../scenarios/examples/ecommerce-checkout.toml"),
    include_str!("../../scenarios/examples/ramp-and-thresholds.toml"),
];

/// Fragments that commonly break scenario parsers: placeholders, quotes, table headers, odd
/// whitespace and characters, numbers out of range.
const FRAGMENTS: [&str; 16] = [
    "${",
    "}",
    "${env.",
    "${rand.int(",
    "\"",
    "'''",
    "[[",
    "]]",
    "=",
    "\n[load]\n",
    "\r\n",
    "\t",
    "é€𝄞",
    "\u{0}",
    "9999999999999999999999",
    "-1",
];

/// The same for header fields and JSON bodies: structured-field syntax, Link and date pieces,
/// problem-details members.
const HEADER_FRAGMENTS: [&str; 28] = [
    ";q=",
    ";r=",
    ";w=",
    ";t=",
    ";pk=:",
    ";qu=",
    ", ",
    "?1",
    "@",
    "%\"",
    "\"",
    "\\",
    "(",
    ")",
    "999999999999999",
    "1e12",
    ".5",
    "ms",
    "µs",
    "6m0s",
    "<",
    ">; rel=",
    " GMT",
    ", 24 Nov ",
    "\"status\":",
    "\"type\":",
    "\"errors\":[{\"pointer\":\"/",
    "{\"error\":{",
];

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target)
}

/// The committed corpus of one target, in file-name order.
fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = corpus_dir(target);
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("a directory entry").path();
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (path.display().to_string(), bytes)
        })
        .collect();
    files.sort();
    files
}

/// Run one input; on a violation, fail naming the target and the input so it can be replayed
/// (and added to the corpus as a regression seed).
fn run(name: &str, target: Target, input: &[u8], origin: &str) {
    if catch_unwind(AssertUnwindSafe(|| target(input))).is_err() {
        panic!(
            "fuzz target {name} failed on {origin}; the input, to save under fuzz/corpus/{name}/:\n{:?}",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn every_target_has_a_corpus_and_every_corpus_file_passes() {
    for (name, target) in TARGETS {
        let files = corpus(name);
        assert!(
            files.len() >= 5,
            "fuzz/corpus/{name} has {} files",
            files.len()
        );
        for (path, bytes) in files {
            run(name, target, &bytes, &path);
        }
    }
}

/// One random edit of `bytes`: flip a bit, set a byte, insert a fragment, delete, duplicate or
/// truncate a range, or splice in the tail of another corpus file.
fn mutate(
    rng: &mut SmallRng,
    bytes: &mut Vec<u8>,
    fragments: &[&str],
    corpus: &[(String, Vec<u8>)],
) {
    let len = bytes.len();
    let at = rng.random_range(0..=len);
    match rng.random_range(0..7) {
        0 if len > 0 => bytes[at.min(len - 1)] ^= 1 << rng.random_range(0..8),
        1 if len > 0 => {
            bytes[at.min(len - 1)] = *b"\"\\\n\r\t{}[]<>;,=:09-.$ \x00\xff\xc3"
                .get(rng.random_range(0..24))
                .unwrap_or(&b'x')
        }
        2 => {
            let f = fragments[rng.random_range(0..fragments.len())];
            bytes.splice(at..at, f.bytes());
        }
        3 => {
            let end = (at + rng.random_range(1..32)).min(len);
            bytes.drain(at..end);
        }
        4 => {
            let end = (at + rng.random_range(1..32)).min(len);
            let copy = bytes[at..end].to_vec();
            let to = rng.random_range(0..=len);
            bytes.splice(to..to, copy);
        }
        5 => {
            let other = &corpus[rng.random_range(0..corpus.len())].1;
            let from = rng.random_range(0..=other.len());
            bytes.truncate(at);
            bytes.extend_from_slice(&other[from..]);
        }
        _ => bytes.truncate(at),
    }
}

/// A bounded, seeded mutation fuzz of every target from its corpus. Deterministic by default;
/// `LOADPROOF_FUZZ_SEED=<n>` explores other inputs locally.
#[test]
fn mutated_corpus_never_breaks_an_invariant() {
    let seed: u64 = std::env::var("LOADPROOF_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x10ad_9f00f);
    for (i, (name, target)) in TARGETS.into_iter().enumerate() {
        let files = corpus(name);
        let fragments: &[&str] = if name.starts_with("scenario") {
            &FRAGMENTS
        } else {
            &HEADER_FRAGMENTS
        };
        let mut rng = SmallRng::seed_from_u64(seed ^ i as u64);
        let started = Instant::now();
        let mut cases = 0;
        while cases < MUTATION_CASES && started.elapsed() < MUTATION_TIME {
            let (path, seed_bytes) = &files[rng.random_range(0..files.len())];
            let mut bytes = seed_bytes.clone();
            for _ in 0..rng.random_range(1..=4) {
                mutate(&mut rng, &mut bytes, fragments, &files);
            }
            run(name, target, &bytes, &format!("a mutation of {path}"));
            cases += 1;
        }
        // Guards the bound itself: a target so slow that it ran almost nothing is a regression.
        assert!(
            cases >= 200,
            "{name}: only {cases} mutated inputs in {MUTATION_TIME:?}"
        );
    }
}

#[derive(Debug, Clone)]
enum Edit {
    Delete(usize, usize),
    Insert(usize, usize),
    Replace(usize, u8),
    Truncate(usize),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let edit = prop_oneof![
        (any::<usize>(), 1usize..40).prop_map(|(at, n)| Edit::Delete(at, n)),
        (any::<usize>(), 0..FRAGMENTS.len()).prop_map(|(at, f)| Edit::Insert(at, f)),
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Edit::Replace(at, b)),
        any::<usize>().prop_map(Edit::Truncate),
    ];
    prop::collection::vec(edit, 1..6)
}

fn apply(seed: &str, edits: &[Edit]) -> Vec<u8> {
    let mut bytes = seed.as_bytes().to_vec();
    for e in edits {
        let len = bytes.len().max(1);
        match *e {
            Edit::Delete(at, n) => {
                let at = at % len;
                let end = (at + n).min(bytes.len());
                bytes.drain(at.min(end)..end);
            }
            Edit::Insert(at, f) => {
                let at = at % (bytes.len() + 1);
                bytes.splice(at..at, FRAGMENTS[f].bytes());
            }
            Edit::Replace(at, b) => {
                if !bytes.is_empty() {
                    let at = at % bytes.len();
                    bytes[at] = b;
                }
            }
            Edit::Truncate(at) => bytes.truncate(at % len),
        }
    }
    bytes
}

/// The seed as JSON, through the TOML parser and serde_json (same schema, other syntax).
fn as_json(seed: &str) -> String {
    let value: toml::Value = toml::from_str(seed).expect("seeds are valid TOML");
    serde_json::to_string_pretty(&value).expect("TOML values are JSON-representable")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_toml_scenarios_never_panic_and_errors_are_located(which in 0..SEEDS.len(), e in edits()) {
        fuzzing::scenario_toml(&apply(SEEDS[which], &e));
    }

    #[test]
    fn mutated_json_scenarios_never_panic_and_errors_are_located(which in 0..SEEDS.len(), e in edits()) {
        fuzzing::scenario_json(&apply(&as_json(SEEDS[which]), &e));
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        for (_, target) in TARGETS {
            target(text.as_bytes());
        }
    }
}

#[test]
fn the_unmutated_seeds_load() {
    let env = |name: &str| Some(format!("value-of-{name}"));
    for seed in SEEDS {
        assert!(load_str(seed, "seed.toml", Format::Toml, &env).is_ok());
        assert!(
            load_str(&as_json(seed), "seed.json", Format::Json, &env).is_ok(),
            "JSON form of a seed"
        );
    }
}

/// The located-error check on a known rejection: rendered with the source line and a caret under
/// the right column; and it rejects a diagnostic that points at the wrong column.
#[test]
fn the_located_error_check_sees_the_line_and_the_caret() {
    let source = "[load]\nrate = 10\n\tdurration = \"30s\"\n";
    let env = |_: &str| None;
    let diags = load_str(source, "bad.toml", Format::Toml, &env).expect_err("an unknown key");
    fuzzing::assert_located(source, "bad.toml", &diags);
    let text = diags.to_string();
    assert!(text.contains("--> bad.toml:3:2"), "{text}");
    assert!(text.contains("3 |     durration = \"30s\""), "{text}");
    assert!(text.contains(" |     ^^^^^^^^^"), "{text}");
    // A diagnostic whose column disagrees with its span is caught.
    let mut wrong = diags.clone();
    wrong.items[0].col += 1;
    let caught = catch_unwind(|| fuzzing::assert_located(source, "bad.toml", &wrong));
    assert!(caught.is_err(), "a misplaced column passed the check");
}
