//! Imports point one way: no circle between the top-level modules of `src/`.
//!
//! A module's dependencies are the `crate::<module>` paths in its code (comments excluded), over
//! every file under it. A circle (checks → report → engine → checks, say) means no module on it
//! can be read, tested or reused without all the others; this test names the circle it finds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Graph = BTreeMap<String, BTreeSet<String>>;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// `crate::name` paths in `code`, comments and doc comments left out.
fn crate_paths(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in code.lines() {
        let line = line.split("//").next().unwrap_or("");
        let mut rest = line;
        while let Some(i) = rest.find("crate::") {
            let after = &rest[i + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            // `crate::{a, b}` imports
            if let Some(list) = after.strip_prefix('{') {
                let inner = list.split('}').next().unwrap_or("");
                for part in inner.split(',') {
                    let n: String = part
                        .trim()
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if !n.is_empty() {
                        out.insert(n);
                    }
                }
            } else if !name.is_empty() {
                out.insert(name);
            }
            rest = after;
        }
    }
    out
}

/// The top-level modules of `src/` and what each imports of the others.
fn graph(src: &Path) -> Graph {
    let mut modules = BTreeSet::new();
    for entry in std::fs::read_dir(src).unwrap().flatten() {
        let p = entry.path();
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        let is_module = p.is_dir() || p.extension().is_some_and(|e| e == "rs");
        if name != "lib" && name != "main" && is_module {
            modules.insert(name);
        }
    }
    let mut g = Graph::new();
    for m in &modules {
        let mut files = Vec::new();
        let dir = src.join(m);
        if dir.is_dir() {
            rust_files(&dir, &mut files);
        }
        let file = src.join(format!("{m}.rs"));
        if file.is_file() {
            files.push(file);
        }
        let deps = g.entry(m.clone()).or_default();
        for f in files {
            let code = std::fs::read_to_string(&f).unwrap();
            for d in crate_paths(&code) {
                if &d != m && modules.contains(&d) {
                    deps.insert(d);
                }
            }
        }
    }
    g
}

/// A circle in `g`, as the list of modules along it, if there is one.
fn find_cycle(g: &Graph) -> Option<Vec<String>> {
    fn visit(
        g: &Graph,
        node: &str,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == node) {
            let mut cycle = path[i..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in g.get(node).into_iter().flatten() {
            if let Some(c) = visit(g, next, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for node in g.keys() {
        if let Some(c) = visit(g, node, &mut Vec::new(), &mut done) {
            return Some(c);
        }
    }
    None
}

#[test]
fn no_import_circle_between_top_level_modules() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let g = graph(&src);
    assert!(g.len() >= 10, "expected the crate's modules, found {g:?}");
    if let Some(cycle) = find_cycle(&g) {
        let deps: Vec<String> = g
            .iter()
            .map(|(m, d)| {
                format!(
                    "  {m} → {}",
                    d.iter().cloned().collect::<Vec<_>>().join(", ")
                )
            })
            .collect();
        panic!(
            "import circle: {}\nthe module graph:\n{}",
            cycle.join(" → "),
            deps.join("\n")
        );
    }
}

#[test]
fn the_vocabulary_imports_nothing_above_it() {
    let g = graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    for (leaf, allowed) in [
        ("verdict", &["redact"][..]),
        ("observe", &[][..]),
        ("metrics", &["signals"][..]),
    ] {
        let extra: Vec<&String> = g[leaf]
            .iter()
            .filter(|d| !allowed.contains(&d.as_str()))
            .collect();
        assert!(extra.is_empty(), "{leaf} imports {extra:?}");
    }
    // Reports can be read, merged and compared without the engine or the checks.
    for m in ["engine", "checks"] {
        assert!(!g["report"].contains(m), "report imports {m}");
    }
}

#[test]
fn the_detector_finds_a_circle_and_accepts_a_layering() {
    let edges = |pairs: &[(&str, &str)]| {
        let mut g = Graph::new();
        for (a, b) in pairs {
            g.entry(a.to_string()).or_default().insert(b.to_string());
            g.entry(b.to_string()).or_default();
        }
        g
    };
    let circle = edges(&[
        ("checks", "report"),
        ("report", "engine"),
        ("engine", "checks"),
    ]);
    let found = find_cycle(&circle).expect("a circle");
    assert_eq!(found.first(), found.last());
    assert_eq!(found.len(), 4, "{found:?}");
    let layered = edges(&[
        ("checks", "engine"),
        ("report", "verdict"),
        ("checks", "verdict"),
    ]);
    assert_eq!(find_cycle(&layered), None);
    assert_eq!(
        crate_paths("use crate::{a, b::c};\n// crate::d\nlet x = crate::e::f; // crate::g"),
        ["a", "b", "e"].map(String::from).into_iter().collect()
    );
}
