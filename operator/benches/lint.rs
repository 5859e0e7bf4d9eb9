//! Lint throughput: 10,000 revisions of 5 statements each (issue 13's
//! goal: under 1 s). Times `lint::lint` over the whole set, best of
//! `ROUNDS`, in release.
//!
//! Run: `cargo bench --bench lint`.

use revisor::dialect::Dialect;
use revisor::graph::RevisionGraph;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

const REVISIONS: usize = 10_000;
/// The best of these is printed (a shared 2-core machine).
const ROUNDS: usize = 3;

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let files: Vec<(String, String)> = (0..REVISIONS)
        .map(|i| {
            let parent = if i == 0 { String::new() } else { format!("-- down_revision: r{}\n", i - 1) };
            (
                format!("{i:05}.sql"),
                format!(
                    "-- revision: r{i}\n{parent}-- migrate:up\nCREATE TABLE t{i} (id BIGINT PRIMARY KEY, name VARCHAR(100) NOT NULL);\n\
                     ALTER TABLE t{i} ADD COLUMN note TEXT;\nCREATE INDEX ix_t{i} ON t{i} (name);\n\
                     UPDATE t{i} SET note = 'x' WHERE id < 10;\nALTER TABLE t{i} ALTER COLUMN name SET NOT NULL;\n\
                     -- migrate:down\nDROP TABLE t{i};\n"
                ),
            )
        })
        .collect();
    let graph = RevisionGraph::from_files(&files).unwrap();
    let mut best = Duration::MAX;
    let mut count = 0;
    for _ in 0..ROUNDS {
        let t0 = Instant::now();
        let mut earlier = BTreeSet::new();
        count = 0;
        for (name, text) in &files {
            let rev = graph.rev(graph.index_of(&rev_id(text)).unwrap());
            earlier.clear();
            count += revisor::lint::lint(name, rev, Dialect::Postgres, &mut earlier).len();
        }
        best = best.min(t0.elapsed());
    }
    println!(
        "lint of {REVISIONS} revisions x 5 statements (PostgreSQL rules): {:.1} ms (best of {ROUNDS}), {count} findings",
        best.as_secs_f64() * 1e3
    );
}

fn rev_id(text: &str) -> String {
    text.lines()
        .next()
        .unwrap()
        .trim_start_matches("-- revision: ")
        .to_owned()
}
