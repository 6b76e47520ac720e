//! The crates' modules form layers: no import cycle between two modules of a crate (a
//! module's own files, `scenario/` and `scenario/chaos.rs` say, may use each other, and a
//! module's unit tests may use any module). Read
//! from the source: every `crate::` path outside comments (and `super::` at the top level)
//! is an edge from the top-level module that holds it to the top-level module it names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Top-level module → the top-level modules it uses.
type Graph = BTreeMap<String, BTreeSet<String>>;

/// The source without `//` comments (doc links name modules without importing them).
fn code(text: &str) -> String {
    text.lines()
        .map(|l| l.split_once("//").map_or(l, |(c, _)| c))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Identifiers following each occurrence of `prefix` in `code`.
fn paths_after<'a>(code: &'a str, prefix: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find(prefix) {
        let before = rest[..i].chars().next_back();
        rest = &rest[i + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        out.push(&rest[..end]);
    }
    out
}

fn graph(src: &Path) -> Graph {
    let mut files = Vec::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).expect("read source directory") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files.push(p);
            }
        }
    }
    let mut modules = BTreeSet::new();
    for f in &files {
        let rel = f.strip_prefix(src).expect("under src");
        let first = rel.components().next().expect("a component");
        let name = first
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if name != "lib" && name != "main" {
            modules.insert(name);
        }
    }
    let mut g = Graph::new();
    for f in &files {
        let rel = f.strip_prefix(src).expect("under src");
        let parts: Vec<String> = rel
            .components()
            .map(|c| {
                c.as_os_str()
                    .to_string_lossy()
                    .trim_end_matches(".rs")
                    .to_string()
            })
            .collect();
        let top = parts[0].clone();
        if top == "lib" || top == "main" {
            continue;
        }
        let source = std::fs::read_to_string(f).expect("read source");
        // Unit tests are not part of the layers: a module's tests may use a higher module.
        let library = source
            .find("#[cfg(test)]\nmod tests")
            .map_or(source.as_str(), |i| &source[..i]);
        let text = code(library);
        let mut uses: BTreeSet<String> = paths_after(&text, "crate::")
            .into_iter()
            .filter(|m| modules.contains(*m))
            .map(str::to_string)
            .collect();
        // In `a.rs` or `a/mod.rs`, `super::` is the crate's root.
        if parts.len() == 1 || (parts.len() == 2 && parts[1] == "mod") {
            uses.extend(
                paths_after(&text, "super::")
                    .into_iter()
                    .filter(|m| modules.contains(*m))
                    .map(str::to_string),
            );
        }
        uses.remove(&top);
        g.entry(top).or_default().extend(uses);
    }
    g
}

/// The strongly connected components with more than one module.
fn cycles(g: &Graph) -> Vec<Vec<String>> {
    // Reachability by depth-first search from every module: small graphs, plain code.
    let reach = |from: &str| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.to_string()];
        while let Some(m) = stack.pop() {
            for n in g.get(&m).into_iter().flatten() {
                if seen.insert(n.clone()) {
                    stack.push(n.clone());
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<&String, BTreeSet<String>> = g.keys().map(|m| (m, reach(m))).collect();
    let mut done = BTreeSet::new();
    let mut out = Vec::new();
    for (m, r) in &reaches {
        if done.contains(*m) || !r.contains(*m) {
            continue;
        }
        let scc: Vec<String> = r
            .iter()
            .filter(|n| reaches.get(n).is_some_and(|rn| rn.contains(*m)))
            .cloned()
            .collect();
        done.extend(scc.iter().cloned());
        out.push(scc);
    }
    out
}

fn assert_layered(krate: &str) {
    let g = graph(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(krate)
            .join("src"),
    );
    assert!(g.len() > 3, "{krate}: read {} modules only", g.len());
    let found = cycles(&g);
    let described: Vec<String> = found
        .iter()
        .map(|c| {
            let edges: Vec<String> = c
                .iter()
                .map(|m| {
                    let inside: Vec<&String> = g[m].iter().filter(|n| c.contains(n)).collect();
                    format!("{m} → {inside:?}")
                })
                .collect();
            edges.join("; ")
        })
        .collect();
    assert!(
        found.is_empty(),
        "{krate}: import cycles between modules: {}",
        described.join(" | ")
    );
}

#[test]
fn the_detector_finds_a_cycle() {
    let mut g = Graph::new();
    g.entry("a".into()).or_default().insert("b".into());
    g.entry("b".into()).or_default().insert("c".into());
    g.entry("c".into()).or_default().insert("a".into());
    g.entry("d".into()).or_default().insert("a".into());
    assert_eq!(cycles(&g), vec![vec!["a", "b", "c"]]);
    g.get_mut("c").expect("c").clear();
    assert!(cycles(&g).is_empty());
    assert_eq!(
        paths_after("use crate::plan::X; my_crate::no; crate::run", "crate::"),
        vec!["plan", "run"]
    );
}

#[test]
fn models_modules_have_no_import_cycle() {
    assert_layered("models");
}

#[test]
fn reports_modules_have_no_import_cycle() {
    assert_layered("reports");
}

#[test]
fn engine_checker_lab_and_cli_modules_have_no_import_cycle() {
    assert_layered("sim-core");
    assert_layered("checker");
    assert_layered("lab");
    assert_layered(".");
}

#[test]
fn reports_depend_only_on_the_results_contract() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(root.join("reports/Cargo.toml")).expect("manifest");
    let deps: Vec<&str> = manifest
        .split("\n[dependencies]\n")
        .nth(1)
        .expect("a [dependencies] section")
        .split("\n[")
        .next()
        .unwrap_or("")
        .lines()
        .filter_map(|l| l.split_once(['.', ' ', '=']).map(|(name, _)| name.trim()))
        .filter(|name| !name.is_empty() && !name.starts_with('#') && !name.starts_with('"'))
        .collect();
    assert!(deps.contains(&"results"), "{deps:?}");
    for simulator in ["models", "checker", "lab"] {
        assert!(
            !deps.contains(&simulator),
            "reports depend on {simulator}: {deps:?}"
        );
    }
    let mut stack = vec![root.join("reports/src")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("read source directory") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let code = code(&std::fs::read_to_string(&p).expect("source"));
                assert!(!code.contains("models::"), "{} names models", p.display());
            }
        }
    }
}
