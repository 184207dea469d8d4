//! The layers of `src/` (see `src/lib.rs`): every module imports only from the layers below its
//! own, or from its own folder, and no two modules import each other, directly or in a circle.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "a test: a panic is how it fails"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The layer of a module, lowest first: leaves, the error type, HTTP, auth and the cache, AEM,
/// the binding.
fn layer(module: &str) -> usize {
    const LEAVES: [&str; 6] = [
        "secret",
        "http::tls",
        "http::url",
        "http::headers",
        "http::redact",
        "http::failure",
    ];
    if LEAVES.contains(&module) {
        return 0;
    }
    match module.split("::").next().unwrap_or_default() {
        "error" => 1,
        "http" => 2,
        "auth" | "cache" => 3,
        "aem" => 4,
        "binding" => 5,
        "test_keys" => 0,
        other => panic!("module {other} has no layer: give it one in tests/layers.rs"),
    }
}

/// Every `.rs` file below `dir`, as module paths (`http::send`, `http` for `http/mod.rs`).
fn modules(dir: &Path, prefix: &str, found: &mut BTreeMap<String, String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let join = |name: &str| {
            if prefix.is_empty() {
                name.to_owned()
            } else {
                format!("{prefix}::{name}")
            }
        };
        if path.is_dir() {
            modules(&path, &join(&name), found);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            let module = match name.as_str() {
                "lib" => continue,
                "mod" => prefix.to_owned(),
                _ => join(&name),
            };
            found.insert(module, std::fs::read_to_string(&path).unwrap());
        }
    }
}

/// The modules `text` (the source of `module`) names: `crate::a::b` paths and `super::x` paths,
/// resolved to the longest known module.
fn imports(module: &str, text: &str, known: &BTreeSet<String>) -> BTreeSet<String> {
    let parent = module.rsplit_once("::").map_or("", |(parent, _)| parent);
    let mut found = BTreeSet::new();
    let code: String = text
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    for (marker, base) in [("crate::", ""), ("super::", parent)] {
        for (at, _) in code.match_indices(marker) {
            let path: String = code[at + marker.len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let mut candidate = if base.is_empty() {
                String::new()
            } else {
                base.to_owned()
            };
            let mut best = None;
            for segment in path.split("::").filter(|s| !s.is_empty()) {
                candidate = if candidate.is_empty() {
                    segment.to_owned()
                } else {
                    format!("{candidate}::{segment}")
                };
                if known.contains(&candidate) {
                    best = Some(candidate.clone());
                }
            }
            // `super::*` in a file's own test module names the file itself.
            if let Some(best) = best.filter(|best| best != module) {
                found.insert(best);
            }
        }
    }
    found
}

#[test]
fn imports_only_go_down_and_never_in_a_circle() {
    let mut sources = BTreeMap::new();
    modules(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        "",
        &mut sources,
    );
    let known: BTreeSet<String> = sources.keys().cloned().collect();
    let graph: BTreeMap<String, BTreeSet<String>> = sources
        .iter()
        .map(|(module, text)| (module.clone(), imports(module, text, &known)))
        .collect();
    let folder = |module: &str| module.split("::").next().unwrap_or_default().to_owned();
    let mut upward = Vec::new();
    for (module, used) in &graph {
        for each in used {
            // A folder's `mod.rs` declares its modules; it imports nothing.
            if module.starts_with(&format!("{each}::")) || each.starts_with(&format!("{module}::"))
            {
                continue;
            }
            let ok = layer(each) < layer(module)
                || (layer(each) == layer(module) && folder(each) == folder(module));
            if !ok {
                upward.push(format!("{module} -> {each}"));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports that go up or across: {upward:#?}"
    );
    // No circle: taking away every module that imports nothing left, and every one that nothing
    // left imports, leaves nothing; what is left is the circle.
    let mut remaining = graph.clone();
    loop {
        let outside: Vec<String> = remaining
            .iter()
            .filter(|(module, used)| {
                used.iter().all(|each| !remaining.contains_key(each))
                    || !remaining.values().any(|others| others.contains(*module))
            })
            .map(|(module, _)| module.clone())
            .collect();
        if outside.is_empty() {
            break;
        }
        for module in outside {
            remaining.remove(&module);
        }
    }
    assert!(
        remaining.is_empty(),
        "an import circle: {:?}",
        remaining.keys()
    );
    assert!(graph.len() > 30, "the scan found the modules: {graph:?}");
}
