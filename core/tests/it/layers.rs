//! The core's layers (issue 13): every module of `core/src` has one layer, declared in [`LAYERS`]
//! (mirrored by the table in `docs/architecture.md`), and imports point only down. The test reads
//! every file under `core/src` and refuses, naming the file, the import and both layers:
//!
//! - a `crate::…` path (in a `use` or in code) or a `super::…` path reaching out of a module's
//!   directory that names a module of a higher layer (a `crate::Name` re-exported by `lib.rs`
//!   counts as the top layer);
//! - a cycle between modules of the same layer;
//! - a file whose module is not in the table.
//!
//! Comments and doc comments are not read (intra-doc links create no dependency).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, lowest first, and the modules of each (a module is a file of `core/src` or a
/// directory with its `mod.rs`; a submodule takes its module's layer unless listed itself).
const LAYERS: &[(&str, &[&str])] = &[
    ("leaves", &["ids", "kind", "hash", "time", "limits", "columns"]),
    (
        "domain",
        &[
            "account",
            "catalog",
            "event",
            "connection",
            "command",
            "directory",
            "directory::error",
            "lifecycle",
            "governance::model",
        ],
    ),
    ("store", &["log", "chain", "state", "governance::fold"]),
    ("engine", &["engine"]),
    ("features", &["access", "activity", "ingest", "insights", "notify", "marketplace", "governance"]),
    ("io", &["snapshot", "import"]),
    ("views", &["views", "report::error"]),
    ("top", &["lib", "error", "account_engine", "report"]),
];

/// Modules that are one unit for the cycle check: the log's hash chain (`chain.rs`) is the log's
/// (`log.rs`) in a file of its own; each uses the other.
const SAME_UNIT: &[(&str, &str)] = &[("chain", "log")];

/// The table entry (a module path such as `insights` or `notify::delivery`) that `path` falls in:
/// the longest listed prefix.
fn unit(path: &[String]) -> Option<(String, usize)> {
    (1..=path.len())
        .rev()
        .find_map(|n| {
            let key = path.get(..n)?.join("::");
            LAYERS
                .iter()
                .enumerate()
                .find_map(|(rank, (_, mods))| mods.contains(&key.as_str()).then(|| (key.clone(), rank)))
        })
        .map(|(key, rank)| {
            let key = SAME_UNIT.iter().find(|(m, _)| *m == key).map_or(key, |(_, unit)| (*unit).to_string());
            (key, rank)
        })
}

fn layer_name(rank: usize) -> &'static str {
    LAYERS.get(rank).map_or("?", |(name, _)| name)
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file: `insights/records.rs` → `insights::records`, `notify/mod.rs` →
/// `notify`, `lib.rs` → `lib`.
fn module_of(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src_dir()).unwrap();
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string()).collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The identifiers of a path after `at`: `a::b::C` → [a, b, C]; a `{a::x, b}` group gives the
/// first segment of each member.
fn segments(text: &str) -> Vec<Vec<String>> {
    if let Some(group) = text.strip_prefix('{') {
        let mut out = Vec::new();
        let (mut depth, mut start) = (0usize, true);
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => start = true,
                c if start && is_ident(c) => {
                    start = false;
                    out.extend(segments(group.get(i..).unwrap_or("")));
                }
                _ => {}
            }
        }
        return out;
    }
    let mut path = Vec::new();
    let mut rest = text;
    loop {
        let end = rest.find(|c: char| !is_ident(c)).unwrap_or(rest.len());
        let ident = &rest[..end];
        if ident.is_empty() {
            break;
        }
        path.push(ident.to_string());
        match rest[end..].strip_prefix("::") {
            Some(next) if next.starts_with(is_ident) => rest = next,
            _ => break,
        }
    }
    vec![path]
}

struct Import {
    file: String,
    line: usize,
    text: String,
    from: (String, usize),
    to: (String, usize),
}

/// Every module-to-module import of the crate.
fn imports() -> Vec<Import> {
    let mut files = Vec::new();
    rust_files(&src_dir(), &mut files);
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let module = module_of(&file);
        let name = file.strip_prefix(src_dir()).unwrap().display().to_string();
        let from =
            unit(&module).unwrap_or_else(|| panic!("{name}: module {} has no layer in LAYERS", module.join("::")));
        let source = std::fs::read_to_string(&file).unwrap();
        // Inline modules (`mod tests {`) deepen what `super::` starts from.
        let mut inline: Vec<i64> = Vec::new();
        let mut depth = 0i64;
        for (n, raw) in source.lines().enumerate() {
            let line = raw.trim_start();
            if line.starts_with("//") {
                continue;
            }
            let line = line.split(" // ").next().unwrap_or(line);
            let code = line.trim_start_matches("pub ").trim_start_matches("pub(crate) ");
            if code.starts_with("mod ") && code.trim_end().ends_with('{') {
                inline.push(depth);
            }
            let mut targets: Vec<Vec<String>> = Vec::new();
            for (i, _) in line.match_indices("crate::") {
                if line[..i].ends_with('$') || line[..i].ends_with(|c: char| is_ident(c)) {
                    continue;
                }
                targets.extend(segments(&line[i + "crate::".len()..]));
            }
            for (i, _) in line.match_indices("super::") {
                if line[..i].ends_with("super::") || line[..i].ends_with(|c: char| is_ident(c)) {
                    continue;
                }
                let mut base: Vec<String> = module.clone();
                base.extend((0..inline.len()).map(|k| format!("<inline {k}>")));
                let mut rest = &line[i..];
                while let Some(next) = rest.strip_prefix("super::") {
                    base.pop();
                    rest = next;
                }
                base.retain(|p| !p.starts_with("<inline"));
                for seg in segments(rest) {
                    let mut path = base.clone();
                    path.extend(seg);
                    targets.push(path);
                }
            }
            for path in targets {
                let Some(first) = path.first() else { continue };
                let to = if first.starts_with(char::is_uppercase) || first == "*" {
                    if path.len() == 1 && module.is_empty() { continue } else { ("lib".to_string(), LAYERS.len() - 1) }
                } else {
                    match unit(&path) {
                        Some(to) => to,
                        // A lowercase name that is no module: an item re-exported by `lib.rs`.
                        None => ("lib".to_string(), LAYERS.len() - 1),
                    }
                };
                if to.0 != from.0 {
                    out.push(Import {
                        file: name.clone(),
                        line: n + 1,
                        text: line.trim().to_string(),
                        from: from.clone(),
                        to,
                    });
                }
            }
            depth +=
                i64::try_from(line.matches('{').count()).unwrap() - i64::try_from(line.matches('}').count()).unwrap();
            while inline.last().is_some_and(|&d| depth <= d) {
                inline.pop();
            }
        }
    }
    out
}

#[test]
fn every_module_of_core_src_has_a_layer_and_each_table_entry_is_used_once() {
    let mut seen = BTreeSet::new();
    for (_, mods) in LAYERS {
        for m in *mods {
            assert!(seen.insert(*m), "module {m} is listed twice in LAYERS");
        }
    }
    let mut files = Vec::new();
    rust_files(&src_dir(), &mut files);
    for file in files {
        let module = module_of(&file);
        assert!(unit(&module).is_some(), "{}: module {} has no layer in LAYERS", file.display(), module.join("::"));
    }
}

#[test]
fn imports_point_only_down() {
    let up: Vec<String> = imports()
        .into_iter()
        .filter(|i| i.to.1 > i.from.1)
        .map(|i| {
            format!(
                "{}:{}: `{}` imports {} (layer {}) from {} (layer {})",
                i.file,
                i.line,
                i.text,
                i.to.0,
                layer_name(i.to.1),
                i.from.0,
                layer_name(i.from.1)
            )
        })
        .collect();
    assert!(up.is_empty(), "{} imports point up:\n{}", up.len(), up.join("\n"));
}

#[test]
fn modules_of_one_layer_form_no_cycle() {
    let mut edges: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for i in imports().into_iter().filter(|i| i.to.1 == i.from.1) {
        edges.entry(i.from.0).or_default().entry(i.to.0).or_insert(format!("{}:{}", i.file, i.line));
    }
    // Depth-first search for a back edge; the cycle is named with one import per step.
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeMap<String, String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(pos) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[pos..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if !done.insert(node.to_string()) {
            return None;
        }
        stack.push(node.to_string());
        for next in edges.get(node).into_iter().flat_map(BTreeMap::keys) {
            if let Some(cycle) = visit(next, edges, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        None
    }
    let mut done = BTreeSet::new();
    for node in edges.keys() {
        if let Some(cycle) = visit(node, &edges, &mut Vec::new(), &mut done) {
            let steps: Vec<String> =
                cycle.windows(2).map(|w| format!("{} -> {} ({})", w[0], w[1], edges[&w[0]][&w[1]])).collect();
            panic!("modules of one layer import each other in a cycle:\n{}", steps.join("\n"));
        }
    }
}
