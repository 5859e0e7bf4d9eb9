//! Lint throughput: 2,000 revisions of 5 statements (10,000 statements),
//! every rule on (style included), PostgreSQL rules. Prints the whole
//! `revisor lint` process (the release binary on a directory: start, read,
//! parse, lint, print) and the in-process [`revisor::lint::Linter`] time,
//! each the best of `ROUNDS`. Issue 21's goal: the process at or under
//! 0.15 s.
//!
//! Run: `cargo bench --bench lint`.

use revisor::dialect::Dialect;
use revisor::graph::RevisionGraph;
use revisor::lint::{LintConfig, Linter, Settings};
use std::process::Command;
use std::time::{Duration, Instant};

const REVISIONS: usize = 2_000;
/// The best of these is printed (a shared 2-core machine).
const ROUNDS: usize = 5;

/// Revision `i`: a new table, then changes to the table of revision
/// `i - 1` (an existing table, so the locking rules have work to do).
fn revision(i: usize) -> String {
    let parent = if i == 0 {
        String::new()
    } else {
        format!("-- down_revision: r{}\n", i - 1)
    };
    let old = i.saturating_sub(1);
    format!(
        "-- revision: r{i}\n{parent}-- migrate:up\n\
         CREATE TABLE t{i} (id BIGINT PRIMARY KEY, name VARCHAR(100) NOT NULL, at timestamp);\n\
         ALTER TABLE t{old} ADD COLUMN note_{i} TEXT DEFAULT now();\n\
         CREATE INDEX ix_t{old}_{i} ON t{old} (name);\n\
         ALTER TABLE t{old} ALTER COLUMN name TYPE varchar(200);\n\
         UPDATE t{old} SET name = 'x', at = now() WHERE id < 10;\n\
         -- migrate:down\nDROP TABLE t{i};\n"
    )
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let files: Vec<(String, String)> = (0..REVISIONS)
        .map(|i| (format!("{i:05}.sql"), revision(i)))
        .collect();
    let graph = RevisionGraph::from_files(&files).unwrap();
    let settings = Settings {
        config: LintConfig {
            enable: vec!["all".into()],
            ..LintConfig::default()
        },
        ..Settings::for_dialect(Dialect::Postgres)
    };
    let mut best = Duration::MAX;
    let mut count = 0;
    for _ in 0..ROUNDS {
        let t0 = Instant::now();
        let mut linter = Linter::new(settings.clone());
        count = 0;
        for (name, text) in &files {
            let id = text
                .lines()
                .next()
                .unwrap()
                .trim_start_matches("-- revision: ");
            let rev = graph.rev(graph.index_of(id).unwrap());
            count += linter.revision(name, rev, false).len();
        }
        best = best.min(t0.elapsed());
    }
    println!(
        "in process: lint of {} statements (all rules): {:.1} ms (best of {ROUNDS}), {count} findings",
        REVISIONS * 5,
        best.as_secs_f64() * 1e3
    );

    // The whole process, as a user runs it.
    let dir = std::env::temp_dir().join(format!("revisor-bench-lint-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("migrations")).unwrap();
    for (name, text) in &files {
        std::fs::write(dir.join("migrations").join(name), text).unwrap();
    }
    std::fs::write(dir.join("revisor.toml"), "[lint]\nenable = [\"all\"]\n").unwrap();
    let mut best = Duration::MAX;
    let mut lines = 0;
    for _ in 0..ROUNDS {
        let t0 = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_revisor"))
            .current_dir(&dir)
            .args(["lint", "--dialect", "postgresql", "-o", "json"])
            .env_remove("REVISOR_DATABASE_URL")
            .output()
            .unwrap();
        best = best.min(t0.elapsed());
        lines = String::from_utf8_lossy(&out.stdout)
            .matches("\"code\"")
            .count();
    }
    println!(
        "whole process: revisor lint on {} statements (all rules, -o json): {:.1} ms (best of {ROUNDS}), {lines} findings",
        REVISIONS * 5,
        best.as_secs_f64() * 1e3
    );
    let _ = std::fs::remove_dir_all(&dir);
}
