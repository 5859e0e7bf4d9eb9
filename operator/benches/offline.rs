//! Offline SQL for a long chain of operation revisions (issue 11): the
//! whole `revisor upgrade base:head --sql --dialect postgresql` run by the
//! binary (start, read and parse 10,000 `.yaml` files, plan, render every
//! operation, print), as Alembic's offline `upgrade head --sql` is timed
//! (about 0.38 s for 1,000 revisions on these machines). Goal: under 0.5 s
//! for 10,000. Prints the median and the fastest of the runs.
//!
//! Run: `cargo bench --bench offline` (`REVISOR_BENCH_REVISIONS`, default
//! 10000; `REVISOR_BENCH_RUNS`, default 7).

#![allow(missing_docs)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Revision `i`: a table with a key, a text column and a default, an
/// index, and a column added to the previous revision's table.
fn revision(i: usize) -> String {
    let parent = if i == 0 {
        "null".to_owned()
    } else {
        format!("r{:05}", i - 1)
    };
    let mut s = format!(
        "revision: r{i:05}\ndown_revision: {parent}\nmessage: revision number {i}\nupgrade:\n  - create_table:\n      name: t{i}\n      columns:\n        - {{name: id, type: bigint, primary_key: true}}\n        - {{name: name, type: varchar(100), nullable: false, default: x}}\n        - {{name: created_at, type: timestamp}}\n  - create_index: {{name: ix_t{i}_name, table: t{i}, columns: [name]}}\n"
    );
    if i > 0 {
        s.push_str(&format!(
            "  - add_column: {{table: t{}, column: {{name: note, type: text}}}}\n",
            i - 1
        ));
    }
    s
}

fn main() {
    let n: usize = std::env::var("REVISOR_BENCH_REVISIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let runs: usize = std::env::var("REVISOR_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    let dir = std::env::temp_dir().join(format!("revisor-bench-offline-{}", std::process::id()));
    let migrations = dir.join("migrations");
    std::fs::create_dir_all(&migrations).unwrap();
    for i in 0..n {
        std::fs::write(
            migrations.join(format!("r{i:05}_revision_{i}.yaml")),
            revision(i),
        )
        .unwrap();
    }
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    let mut bytes = 0;
    for _ in 0..runs {
        let t0 = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_revisor"))
            .current_dir(&dir)
            .args(["upgrade", "base:head", "--sql", "--dialect", "postgresql"])
            .output()
            .unwrap();
        times.push(t0.elapsed());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        bytes = out.stdout.len();
        check_script(&out.stdout, n);
    }
    times.sort();
    println!(
        "offline SQL, {n} operation revisions, postgresql: median {:.3} s, fastest {:.3} s over {runs} runs ({:.1} MiB of SQL)",
        times[runs / 2].as_secs_f64(),
        times[0].as_secs_f64(),
        bytes as f64 / 1048576.0
    );
    std::fs::remove_dir_all(Path::new(&dir)).ok();
}

/// The script has every revision's table and version-table write.
fn check_script(out: &[u8], n: usize) {
    let text = String::from_utf8_lossy(out);
    let last = n - 1;
    assert!(
        text.contains(&format!("CREATE TABLE t{last} (")),
        "no table t{last}"
    );
    assert!(
        text.contains(&format!("'r{last:05}'")),
        "no version row for r{last:05}"
    );
}
