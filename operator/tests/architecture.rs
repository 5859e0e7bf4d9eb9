//! The architecture, checked on the source (README, "Architecture"):
//! dialects are named only in `dialect/` and `db/`; pure modules import no
//! I/O crate; the top-level modules import each other without circles;
//! no source file is over 700 lines, test modules aside.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");

/// Longest source file, in lines before its test module: a file a reader
/// can hold in mind (issue 20; the four files over 1,000 lines were split).
const MAX_LINES: usize = 700;

/// Modules with no I/O: they import no sqlx, tokio or kube client (the
/// CRD types use kube's derive, which is no client).
const PURE: &[&str] = &[
    "sqltext", "defaults", "dialect", "schema", "declared", "diff", "render", "ops", "revision",
    "graph", "plan", "lint", "status", "outcome", "drift", "resource", "redact", "par", "import",
    "fleet",
];

/// What an I/O import looks like.
const IO: &[&str] = &[
    "sqlx::",
    "tokio::",
    "kube::Client",
    "kube::Api",
    "kube::api",
    "kube::client",
    "kube::runtime",
];

/// Every `.rs` file under `dir`.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// The file's code before its test module (`#[cfg(test)]`), or nothing
/// for a file that is a test module (`tests.rs`).
fn code(path: &Path) -> String {
    if path.file_name().is_some_and(|n| n == "tests.rs") {
        return String::new();
    }
    let text = std::fs::read_to_string(path).unwrap();
    let end = text.find("#[cfg(test)]").unwrap_or(text.len());
    text[..end].to_owned()
}

/// The top-level module a file belongs to (`db` for `src/db/pool.rs`,
/// `engine` for `src/engine.rs`).
fn module(path: &Path) -> String {
    let rel = path.strip_prefix(SRC).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_owned()
}

/// Lines of `text` that are code, comments left out.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
}

#[test]
fn dialects_are_named_only_in_dialect_and_db() {
    let mut found = Vec::new();
    for f in files(Path::new(SRC)) {
        if matches!(module(&f).as_str(), "dialect" | "db") {
            continue;
        }
        let text = code(&f);
        for (n, l) in code_lines(&text) {
            if ["Dialect::Postgres", "Dialect::MySql", "Dialect::Sqlite"]
                .iter()
                .any(|d| l.contains(d))
            {
                found.push(format!("{}:{n}: {}", f.display(), l.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "ask the dialect (Dialect::sql) instead:\n{}",
        found.join("\n")
    );
}

#[test]
fn no_source_file_is_over_700_lines() {
    let long: Vec<String> = files(Path::new(SRC))
        .iter()
        .map(|f| (f, code(f).lines().count()))
        .filter(|(_, n)| *n > MAX_LINES)
        .map(|(f, n)| format!("{} has {n} lines", f.display()))
        .collect();
    assert!(long.is_empty(), "{}", long.join("\n"));
}

#[test]
fn pure_modules_import_no_io_crate() {
    let mut found = Vec::new();
    for f in files(Path::new(SRC)) {
        if !PURE.contains(&module(&f).as_str()) {
            continue;
        }
        let text = code(&f);
        for (n, l) in code_lines(&text) {
            if IO.iter().any(|c| l.contains(c)) {
                found.push(format!("{}:{n}: {}", f.display(), l.trim()));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// `crate::X` and `super::X` (from a top-level file) references, by module.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let all: BTreeSet<String> = files(Path::new(SRC)).iter().map(|f| module(f)).collect();
    for f in files(Path::new(SRC)) {
        let from = module(&f);
        let text = code(&f);
        let to = graph.entry(from.clone()).or_default();
        for (_, l) in code_lines(&text) {
            for (i, _) in l.match_indices("crate::") {
                let rest = &l[i + "crate::".len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if all.contains(&name) && name != from {
                    to.insert(name);
                }
            }
            // `use crate::{a, b::c}` groups.
            if let Some(rest) = l.trim_start().strip_prefix("use crate::{") {
                for part in rest.split(',') {
                    let name: String = part
                        .trim()
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if all.contains(&name) && name != from {
                        to.insert(name);
                    }
                }
            }
        }
    }
    graph
}

#[test]
fn top_level_modules_import_each_other_without_circles() {
    let graph = imports();
    // Depth-first search for a back edge; report the circle it closes.
    fn visit(
        m: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        circles: &mut Vec<String>,
    ) {
        if done.contains(m) {
            return;
        }
        if let Some(at) = path.iter().position(|p| p == m) {
            let mut c = path[at..].to_vec();
            c.push(m.to_owned());
            circles.push(c.join(" -> "));
            return;
        }
        path.push(m.to_owned());
        for n in graph.get(m).into_iter().flatten() {
            visit(n, graph, path, done, circles);
        }
        path.pop();
        done.insert(m.to_owned());
    }
    let mut circles = Vec::new();
    let mut done = BTreeSet::new();
    for m in graph.keys() {
        visit(m, &graph, &mut Vec::new(), &mut done, &mut circles);
    }
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}
