//! Benchmarks of the pure core: loading and validating a migration set,
//! and planning base to head.
//!
//! Goals (issue 2): planning under 5 ms and load + validate under 200 ms for
//! 10,000 revisions on a 2-core machine. Run: `cargo bench --bench graph`.

// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion};
use revisor::graph::RevisionGraph;
use revisor::plan::{plan, Mode};

/// A revision file with a realistic body: a table, an index, and its undo.
fn file(i: usize, parents: &[usize], dep: Option<usize>) -> (String, String) {
    let parents: Vec<String> = parents.iter().map(|p| format!("r{p:05}")).collect();
    let mut text = format!(
        "-- revision: r{i:05}\n-- down_revision: {}\n-- message: revision number {i}\n",
        parents.join(", ")
    );
    if let Some(d) = dep {
        text.push_str(&format!("-- depends_on: r{d:05}\n"));
    }
    text.push_str(&format!(
        "\n-- migrate:up\nCREATE TABLE t{i} (id BIGINT PRIMARY KEY, name TEXT NOT NULL DEFAULT 'x;y', created_at TIMESTAMP);\nCREATE INDEX t{i}_name ON t{i} (name);\n-- a comment; with a semicolon\n\n-- migrate:down\nDROP TABLE t{i};\n"
    ));
    (format!("r{i:05}_revision_{i}.sql"), text)
}

fn chain(n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|i| {
            if i == 0 {
                file(0, &[], None)
            } else {
                file(i, &[i - 1], None)
            }
        })
        .collect()
}

/// A graph with many branches and merges: each revision extends a random
/// open head (often the newest), one in five starts a branch from an older
/// revision, one in six merges two heads, one in ten depends on an older
/// revision. A fixed linear congruential generator keeps it the same on every run.
fn branchy(n: usize) -> Vec<(String, String)> {
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut rnd = move |m: usize| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((seed >> 33) as usize) % m
    };
    let mut heads: Vec<usize> = Vec::new();
    let mut files = Vec::with_capacity(n);
    for i in 0..n {
        let parents: Vec<usize> = if i == 0 {
            vec![]
        } else if heads.len() >= 2 && rnd(6) == 0 {
            let a = heads.swap_remove(rnd(heads.len()));
            let b = heads.swap_remove(rnd(heads.len()));
            vec![a, b]
        } else if rnd(5) == 0 {
            vec![i - 1 - rnd(i.min(50))]
        } else {
            let k = if rnd(2) == 0 {
                heads.len() - 1
            } else {
                rnd(heads.len())
            };
            vec![heads.swap_remove(k)]
        };
        heads.retain(|h| !parents.contains(h));
        heads.push(i);
        let dep = (i > 10 && rnd(10) == 0).then(|| rnd(i - 10));
        files.push(file(i, &parents, dep));
    }
    files
}

fn bench(c: &mut Criterion) {
    let files = chain(10_000);
    c.bench_function("load+validate 10,000 files (in memory)", |b| {
        b.iter(|| RevisionGraph::from_files(black_box(&files)).unwrap())
    });

    let dir = std::env::temp_dir().join(format!("revisor-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in &files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    c.bench_function("load+validate 10,000 files (from disk)", |b| {
        b.iter(|| revisor::source::load_dir(black_box(&dir)).unwrap())
    });
    std::fs::remove_dir_all(&dir).unwrap();

    let g = RevisionGraph::from_files(&files).unwrap();
    c.bench_function("plan base->head, 10,000 linear (upgrade)", |b| {
        b.iter(|| plan(&g, &[], "head", Mode::Upgrade).unwrap())
    });
    c.bench_function("plan base->head, 10,000 linear (declarative)", |b| {
        b.iter(|| plan(&g, &[], "head", Mode::Declarative).unwrap())
    });
    let all: Vec<String> = g.ids(g.heads().iter().copied());
    c.bench_function("plan head->base, 10,000 linear (downgrade)", |b| {
        b.iter(|| plan(&g, &all, "base", Mode::Downgrade).unwrap())
    });

    let bfiles = branchy(5_000);
    let bg = RevisionGraph::from_files(&bfiles).unwrap();
    eprintln!(
        "branchy graph: {} revisions, {} heads, {} merges",
        bg.len(),
        bg.heads().len(),
        (0..bg.len()).filter(|&i| bg.parents(i).len() > 1).count()
    );
    c.bench_function("plan base->heads, 5,000 branchy (upgrade)", |b| {
        b.iter(|| plan(&bg, &[], "heads", Mode::Upgrade).unwrap())
    });
    c.bench_function("plan base->heads, 5,000 branchy (declarative)", |b| {
        b.iter(|| plan(&bg, &[], "heads", Mode::Declarative).unwrap())
    });
    c.bench_function("load+validate 5,000 branchy (in memory)", |b| {
        b.iter_batched(
            || bfiles.clone(),
            |f| RevisionGraph::from_files(&f).unwrap(),
            BatchSize::LargeInput,
        )
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(4));
    targets = bench
}
criterion_main!(benches);
