//! Offline SQL for a long chain of operation revisions (issue 11): the
//! whole `revisor upgrade base:head --sql --dialect postgresql` run by the
//! binary (start, read and parse 10,000 `.yaml` files, plan, render every
//! operation, print), as Alembic's offline `upgrade head --sql` is timed
//! (about 0.38 s for 1,000 revisions on these machines). Goal: under 0.5 s
//! for 10,000. Prints the median and the fastest of the runs.
//!
//! Run: `cargo bench --bench offline` (`REVISOR_BENCH_REVISIONS`, default
//! 10000; `REVISOR_BENCH_RUNS`, default 7). With `REVISOR_BENCH_ALEMBIC`
//! naming an `alembic` executable (a virtualenv's, with SQLAlchemy), the
//! same chain is also written as Alembic revisions (`op.create_table`,
//! `op.create_index`, `op.add_column`) and `alembic upgrade head --sql`
//! is timed the same way.

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
    time_runs(
        "revisor",
        Command::new(env!("CARGO_BIN_EXE_revisor"))
            .current_dir(&dir)
            .args(["upgrade", "base:head", "--sql", "--dialect", "postgresql"]),
        n,
        runs,
    );
    if let Ok(alembic) = std::env::var("REVISOR_BENCH_ALEMBIC") {
        let project = dir.join("alembic");
        write_alembic(&project, n);
        time_runs(
            "alembic",
            Command::new(alembic)
                .current_dir(&project)
                .args(["upgrade", "head", "--sql"]),
            n,
            runs,
        );
    }
    std::fs::remove_dir_all(Path::new(&dir)).ok();
}

/// Runs `cmd` `runs` times, checks each script, prints the median and the
/// fastest.
fn time_runs(tool: &str, cmd: &mut Command, n: usize, runs: usize) {
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    let mut bytes = 0;
    for _ in 0..runs {
        let t0 = Instant::now();
        let out = cmd.output().unwrap();
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
        "{tool}: offline SQL, {n} revisions, postgresql: median {:.3} s, fastest {:.3} s over {runs} runs ({:.1} MiB of SQL)",
        times[runs / 2].as_secs_f64(),
        times[0].as_secs_f64(),
        bytes as f64 / 1048576.0
    );
}

/// The same chain as Alembic revisions, with an offline-only `env.py`.
fn write_alembic(project: &Path, n: usize) {
    let versions = project.join("versions");
    std::fs::create_dir_all(&versions).unwrap();
    std::fs::write(
        project.join("alembic.ini"),
        format!(
            "[alembic]\nscript_location = {}\nsqlalchemy.url = postgresql://bench@localhost/bench\n",
            project.display()
        ),
    )
    .unwrap();
    std::fs::write(
        project.join("env.py"),
        "from alembic import context\n\
         context.configure(url=context.config.get_main_option('sqlalchemy.url'), literal_binds=True)\n\
         with context.begin_transaction():\n    context.run_migrations()\n",
    )
    .unwrap();
    for i in 0..n {
        let parent = if i == 0 {
            "None".to_owned()
        } else {
            format!("'r{:05}'", i - 1)
        };
        let add = if i > 0 {
            format!(
                "    op.add_column('t{}', sa.Column('note', sa.Text()))\n",
                i - 1
            )
        } else {
            String::new()
        };
        std::fs::write(
            versions.join(format!("r{i:05}_revision_{i}.py")),
            format!(
                "\"\"\"revision number {i}\"\"\"\nfrom alembic import op\nimport sqlalchemy as sa\n\
                 revision = 'r{i:05}'\ndown_revision = {parent}\n\n\
                 def upgrade():\n    op.create_table('t{i}', sa.Column('id', sa.BigInteger(), primary_key=True), \
                 sa.Column('name', sa.String(100), nullable=False, server_default='x'), \
                 sa.Column('created_at', sa.DateTime()))\n    \
                 op.create_index('ix_t{i}_name', 't{i}', ['name'])\n{add}\n\
                 def downgrade():\n    pass\n"
            ),
        )
        .unwrap();
    }
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
