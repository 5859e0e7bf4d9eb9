//! Revisor against `psql` on the same 1,000 trivial migrations.
//!
//! Both start from an empty PostgreSQL database and do, per migration, one
//! transaction: the `CREATE TABLE` and a version-table update. Revisor also
//! takes its lock, checks the history, and writes a history row per step,
//! which is the bookkeeping it is being measured with. Goal (issue 3):
//! Revisor within 1.2x of psql.
//!
//! Run: `REVISOR_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1/postgres
//! cargo bench --bench psql_ratio`. Without a URL it says SKIPPED and why.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Migrations per run; the figure.
const STEPS: usize = 1_000;
/// Runs per tool; the best of them is reported, which filters out
/// one-off stalls of a shared 2-core machine.
const ROUNDS: usize = 3;

fn psql(url: &str, args: &[&str]) -> std::process::Output {
    let o = Command::new("psql")
        .arg(url)
        .args(["-v", "ON_ERROR_STOP=1", "-q"])
        .args(args)
        .output()
        .expect("psql runs");
    assert!(
        o.status.success(),
        "psql {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn fresh_db(admin: &str, name: &str) -> String {
    psql(
        admin,
        &[
            "-c",
            &format!("DROP DATABASE IF EXISTS {name}"),
            "-c",
            &format!("CREATE DATABASE {name}"),
        ],
    );
    let (prefix, _) = admin.rsplit_once('/').expect("URL with a database");
    format!("{prefix}/{name}")
}

fn time_revisor(admin: &str, dir: &Path) -> Duration {
    let url = fresh_db(admin, "revisor_bench_r");
    let t0 = Instant::now();
    let o = Command::new(env!("CARGO_BIN_EXE_revisor"))
        .args(["upgrade", "head", "--dir", dir.to_str().unwrap()])
        .env("REVISOR_DATABASE_URL", &url)
        .output()
        .expect("revisor runs");
    let elapsed = t0.elapsed();
    assert!(
        o.status.success(),
        "revisor: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    elapsed
}

fn time_psql(admin: &str, script: &Path) -> Duration {
    let url = fresh_db(admin, "revisor_bench_p");
    let t0 = Instant::now();
    psql(&url, &["-f", script.to_str().unwrap()]);
    t0.elapsed()
}

fn main() {
    let Ok(admin) = std::env::var("REVISOR_BENCH_POSTGRES_URL")
        .or_else(|_| std::env::var("REVISOR_TEST_POSTGRES_URL"))
    else {
        println!("SKIPPED psql_ratio: set REVISOR_BENCH_POSTGRES_URL (or REVISOR_TEST_POSTGRES_URL) to a PostgreSQL server");
        return;
    };
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("revisor-psql-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut script = String::from(
        "CREATE TABLE revisor_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT revisor_version_pkc PRIMARY KEY (version_num));\n",
    );
    for i in 0..STEPS {
        let parent = if i == 0 {
            String::new()
        } else {
            format!("r{:04}", i - 1)
        };
        std::fs::write(
            dir.join(format!("r{i:04}.sql")),
            format!("-- revision: r{i:04}\n-- down_revision: {parent}\n-- migrate:up\nCREATE TABLE t{i} (id INT);\n-- migrate:down\nDROP TABLE t{i};\n"),
        )
        .unwrap();
        let version = if i == 0 {
            format!("INSERT INTO revisor_version VALUES ('r{i:04}');")
        } else {
            format!("UPDATE revisor_version SET version_num = 'r{i:04}' WHERE version_num = '{parent}';")
        };
        script.push_str(&format!(
            "BEGIN;\nCREATE TABLE t{i} (id INT);\n{version}\nCOMMIT;\n"
        ));
    }
    // Outside the migration directory, where every *.sql file is a revision.
    let script_path = dir.with_extension("psql.sql");
    std::fs::write(&script_path, script).unwrap();

    let mut revisor = Vec::new();
    let mut psql_times = Vec::new();
    for _ in 0..ROUNDS {
        revisor.push(time_revisor(&admin, &dir));
        psql_times.push(time_psql(&admin, &script_path));
    }
    let best = |v: &[Duration]| v.iter().min().copied().unwrap_or_default();
    let (r, p) = (best(&revisor), best(&psql_times));
    println!("{STEPS} migrations on PostgreSQL, best of {ROUNDS}:");
    println!(
        "  revisor upgrade head: {:>8.1} ms  (all runs: {:?})",
        r.as_secs_f64() * 1e3,
        revisor
    );
    println!(
        "  psql -f (same DDL, one transaction each, version update): {:>8.1} ms  (all runs: {:?})",
        p.as_secs_f64() * 1e3,
        psql_times
    );
    println!(
        "  ratio revisor/psql: {:.2}x (goal: at most 1.20x)",
        r.as_secs_f64() / p.as_secs_f64()
    );
    psql(
        &admin,
        &[
            "-c",
            "DROP DATABASE IF EXISTS revisor_bench_r",
            "-c",
            "DROP DATABASE IF EXISTS revisor_bench_p",
        ],
    );
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(&script_path);
}
