//! Property tests ("fuzzing" that runs in CI, bounded in cases): the scenario loader must never
//! panic, and every rejection must be a located diagnostic that points inside the file. Inputs
//! are the shipped scenarios mutated byte by byte, spliced with fragments that commonly break
//! parsers, and the same scenarios converted to JSON and mutated.

use loadproof::scenario::{Format, load_str};
use proptest::prelude::*;

const SEEDS: [&str; 3] = [
    include_str!("../../scenarios/quickstart.toml"),
    include_str!("../../scenarios/examples/ecommerce-checkout.toml"),
    include_str!("../../scenarios/examples/ramp-and-thresholds.toml"),
];

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

fn env(name: &str) -> Option<String> {
    (name.starts_with("SHOP_") || name.starts_with("LP_")).then(|| "value".to_string())
}

/// Load and check the invariants; the panic message names the input so a failure reproduces.
fn check(source: &str, format: Format) {
    let lines = source.split('\n').count();
    let result = std::panic::catch_unwind(|| load_str(source, "fuzz.toml", format, &env));
    let Ok(result) = result else {
        panic!("the loader panicked on:\n{source:?}");
    };
    if let Err(diags) = result {
        assert!(
            !diags.items.is_empty(),
            "a rejection without a diagnostic for:\n{source:?}"
        );
        for d in &diags.items {
            assert!(
                d.line >= 1 && d.line <= lines + 1,
                "line {} out of range in:\n{source:?}",
                d.line
            );
            assert!(d.col >= 1, "col {} in:\n{source:?}", d.col);
            assert!(
                d.span.start <= source.len() && d.span.end <= source.len(),
                "span {:?}",
                d.span
            );
            assert!(!d.message.is_empty());
        }
        // Rendering (the text users see) must not panic either.
        let _ = diags.to_string();
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

fn apply(seed: &str, edits: &[Edit]) -> String {
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
    // The loader takes text; invalid UTF-8 is the file reader's concern (tested elsewhere).
    String::from_utf8_lossy(&bytes).into_owned()
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
        check(&apply(SEEDS[which], &e), Format::Toml);
    }

    #[test]
    fn mutated_json_scenarios_never_panic_and_errors_are_located(which in 0..SEEDS.len(), e in edits()) {
        check(&apply(&as_json(SEEDS[which]), &e), Format::Json);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        check(&text, Format::Toml);
        check(&text, Format::Json);
    }
}

#[test]
fn the_unmutated_seeds_load() {
    for seed in SEEDS {
        assert!(load_str(seed, "seed.toml", Format::Toml, &env).is_ok());
        assert!(
            load_str(&as_json(seed), "seed.json", Format::Json, &env).is_ok(),
            "JSON form of a seed"
        );
    }
}
