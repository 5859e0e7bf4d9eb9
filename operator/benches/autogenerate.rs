//! Autogenerate at size: a declared schema of 500 tables with 10 columns,
//! 2 indexes and 1 foreign key each. Times parsing, introspection (SQLite
//! file, and PostgreSQL when `REVISOR_TEST_POSTGRES_URL` is set), diff and
//! render, and the end-to-end `check` of a database at that schema
//! (parse + introspect + diff + render). Goals (issue 10): under 1 s end to
//! end on SQLite, under 3 s on PostgreSQL. Also the live drift figures
//! (issue 14): introspection plus fingerprint, goal under 500 ms for 500
//! PostgreSQL tables, and the whole drift check of a recheck (introspect,
//! fingerprint, compare with the stored snapshot's).
//!
//! The drift check of one DatabaseSchema in a database shared by
//! `SHARED` of them (each with its version, history and snapshot tables)
//! is timed too, on every server configured: it is what each periodic
//! recheck costs the database at that scale.
//!
//! Issue 25's figure: the binary itself on a `pg_dump --schema-only` of
//! 1,000 tables with 3,000 indexes (`check --database`, goal 0.5 s;
//! `revision --autogenerate` from an empty set, goal 2 s).
//!
//! Run: `cargo bench --bench autogenerate` (best of `ROUNDS` per figure;
//! MariaDB with `REVISOR_TEST_MYSQL_URL`).

#[path = "../tests/support/databases.rs"]
mod databases;

use revisor::autogen;
use revisor::db::introspect::{Introspect, Options};
use revisor::db::{Backend, Database, Dialect};
use revisor::declared;
use revisor::schema::Schema;
use revisor::with_backend;
use std::time::{Duration, Instant};

const TABLES: usize = 500;
/// Tables of the pg_dump figure (issue 25), three indexes each.
const DUMP_TABLES: usize = 1000;
/// DatabaseSchemas sharing one database in the shared-database figure.
const SHARED: usize = 1000;
/// Rounds per figure; the best is printed (a shared 2-core machine).
const ROUNDS: usize = 3;

fn declared_sql() -> String {
    let mut s = String::new();
    for i in 0..TABLES {
        let fk = if i == 0 {
            "parent_id BIGINT".to_owned()
        } else {
            format!("parent_id BIGINT REFERENCES t{} (id)", i - 1)
        };
        s.push_str(&format!(
            "CREATE TABLE t{i} (\n  id BIGINT PRIMARY KEY,\n  {fk},\n  name VARCHAR(100) NOT NULL,\n  note TEXT,\n  qty INTEGER NOT NULL DEFAULT 0,\n  price NUMERIC(10, 2),\n  active BOOLEAN NOT NULL DEFAULT TRUE,\n  created TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,\n  code VARCHAR(20),\n  seen DATE\n);\n\
             CREATE INDEX ix_t{i}_name ON t{i} (name);\nCREATE INDEX ix_t{i}_qty ON t{i} (qty, code);\n"
        ));
    }
    s
}

fn best<T>(mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut out = None;
    let mut min = Duration::MAX;
    for _ in 0..ROUNDS {
        let t0 = Instant::now();
        let v = f();
        min = min.min(t0.elapsed());
        out = Some(v);
    }
    (min, out.expect("ROUNDS > 0"))
}

async fn create(url: &str, schema: &Schema, dialect: Dialect) -> Database {
    let mut db = Database::connect(url).await.unwrap();
    let m = autogen::migration(&Schema::default(), schema, dialect);
    with_backend!(&mut db, |b| {
        b.execute("BEGIN").await.unwrap();
        for s in &m.up {
            b.execute(s).await.unwrap();
        }
        b.execute("COMMIT").await.unwrap();
    });
    db
}

async fn measure(name: &str, dialect: Dialect, url: &str, sql: &str) {
    let files = [("schema.sql".to_owned(), sql.to_owned())];
    let (parse, declared) = best(|| declared::parse(&files, dialect).unwrap());
    let mut db = create(url, &declared, dialect).await;
    let mut introspect = Duration::MAX;
    let mut live = Schema::default();
    for _ in 0..ROUNDS {
        let t0 = Instant::now();
        live = with_backend!(&mut db, |b| b.introspect(&Options::default()).await).unwrap();
        introspect = introspect.min(t0.elapsed());
    }
    assert_eq!(live.tables.len(), TABLES);
    let (fingerprint, _) = best(|| live.fingerprint(dialect));
    let opts = revisor::executor::Options::default();
    databases::session(&mut db, &opts)
        .accept_drift()
        .await
        .unwrap();
    let mut drift_check = Duration::MAX;
    for _ in 0..ROUNDS {
        let t0 = Instant::now();
        let d = databases::session(&mut db, &opts)
            .check_drift(false)
            .await
            .unwrap();
        drift_check = drift_check.min(t0.elapsed());
        assert!(!d.drifted(), "{:?}", d.changes.first());
    }
    let (diff, m) = best(|| autogen::migration(&live, &declared, dialect));
    assert!(
        m.ops.is_empty(),
        "the database is at the declared schema: {:?}",
        m.ops.first()
    );
    let (render, created) = best(|| autogen::migration(&Schema::default(), &declared, dialect));
    let end_to_end = parse + introspect + diff;
    println!(
        "{name} ({TABLES} tables, 10 columns, 2 indexes, 1 foreign key each; best of {ROUNDS}):"
    );
    println!("  parse declared schema      {:>8.1} ms", ms(parse));
    println!("  introspect                 {:>8.1} ms", ms(introspect));
    println!(
        "  introspect + fingerprint   {:>8.1} ms (live drift)",
        ms(introspect + fingerprint)
    );
    println!(
        "  drift check (no drift)     {:>8.1} ms (introspect, fingerprint, snapshot lookup)",
        ms(drift_check)
    );
    println!("  diff (no change)           {:>8.1} ms", ms(diff));
    println!(
        "  diff + render everything   {:>8.1} ms ({} statements up, {} down)",
        ms(render),
        created.up.len(),
        created.down.len()
    );
    println!(
        "  check end to end           {:>8.1} ms (parse + introspect + diff)",
        ms(end_to_end)
    );
}

/// A database with 5 tables of its own and the bookkeeping tables of
/// `SHARED` version tables; prints the best drift check of one of them.
async fn shared(name: &str, dialect: Dialect, url: &str) {
    let mut db = Database::connect(url).await.unwrap();
    let opts = revisor::executor::Options {
        version_table: "vt_0".into(),
        ..revisor::executor::Options::default()
    };
    let t0 = Instant::now();
    with_backend!(&mut db, |b| {
        for i in 0..SHARED {
            revisor::db::tables::Tables::new(&format!("vt_{i}"), dialect)
                .unwrap()
                .ensure(b)
                .await
                .unwrap();
        }
        for i in 0..5 {
            b.execute(&format!(
                "CREATE TABLE own{i} (id BIGINT PRIMARY KEY, name VARCHAR(100) NOT NULL, qty INTEGER)"
            ))
            .await
            .unwrap();
            b.execute(&format!("CREATE INDEX ix_own{i}_name ON own{i} (name)"))
                .await
                .unwrap();
        }
        revisor::executor::Session::new(b, opts.clone())
            .unwrap()
            .accept_drift()
            .await
            .unwrap();
    });
    let setup = t0.elapsed();
    let (mut check, mut tables) = (Duration::MAX, 0);
    for _ in 0..ROUNDS {
        let t0 = Instant::now();
        let d = databases::session(&mut db, &opts)
            .check_drift(false)
            .await
            .unwrap();
        check = check.min(t0.elapsed());
        assert!(!d.drifted(), "{:?}", d.changes.first());
        let live = with_backend!(&mut db, |b| b.introspect(&Options::default()).await).unwrap();
        tables = live.tables.len();
    }
    assert_eq!(tables, 5, "bookkeeping tables are not part of the schema");
    println!(
        "{name}, one database shared by {SHARED} DatabaseSchemas ({} bookkeeping tables, 5 own; set up in {:.1} s):\n  drift check of one          {:>8.1} ms",
        3 * SHARED,
        setup.as_secs_f64(),
        ms(check)
    );
}

/// The DDL of issue 25's figure: 1,000 tables (a serial key, an enum
/// column, a check, a foreign key to the table before) and 3,000 indexes
/// (plain, partial and descending, expression).
fn dump_ddl() -> Vec<String> {
    let mut v = vec!["CREATE TYPE status AS ENUM ('new', 'paid', 'shipped')".to_owned()];
    for i in 0..DUMP_TABLES {
        let fk = if i == 0 {
            String::new()
        } else {
            format!(", parent_id bigint REFERENCES t{} (id)", i - 1)
        };
        v.push(format!(
            "CREATE TABLE t{i} (id serial PRIMARY KEY, name varchar(100) NOT NULL, note text, qty integer NOT NULL DEFAULT 0, price numeric(10,2) CHECK (price >= 0), st status DEFAULT 'new', created timestamptz NOT NULL DEFAULT now(){fk})"
        ));
        v.push(format!("CREATE INDEX ix_t{i}_name ON t{i} (name)"));
        v.push(format!(
            "CREATE INDEX ix_t{i}_qty ON t{i} (qty DESC, name) WHERE qty > 0"
        ));
        v.push(format!("CREATE INDEX ix_t{i}_lower ON t{i} (lower(name))"));
    }
    v
}

/// Issue 25's figure: the binary on a `pg_dump --schema-only` of
/// [`dump_ddl`]'s database, as a user runs it: `check --database` of the
/// database the dump came from (goal under 0.5 s) and `revision
/// --autogenerate` from an empty set with a dev database (goal under 2 s).
async fn real_dump(dev: &str) {
    let url = databases::fresh(Dialect::Postgres).await;
    let mut db = Database::connect(&url).await.unwrap();
    let t0 = Instant::now();
    with_backend!(&mut db, |b| {
        b.execute("BEGIN").await.unwrap();
        for s in dump_ddl() {
            b.execute(&s).await.unwrap();
        }
        b.execute("COMMIT").await.unwrap();
    });
    let built = t0.elapsed();
    let dump = std::process::Command::new("pg_dump")
        .args(["--schema-only", &url])
        .output()
        .expect("pg_dump on the PATH");
    assert!(
        dump.status.success(),
        "{}",
        String::from_utf8_lossy(&dump.stderr)
    );
    let dir = std::env::temp_dir().join(format!("revisor-bench-dump-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("schema.sql"), &dump.stdout).unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_revisor"))
            .current_dir(&dir)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let (check, said) = best(|| run(&["check", "--database", &url, "--dialect", "postgresql"]));
    assert!(
        said.contains("No new upgrade operations detected"),
        "{said}"
    );
    let (autogenerate, _) = best(|| {
        let _ = std::fs::remove_dir_all(dir.join("migrations"));
        std::fs::create_dir_all(dir.join("migrations")).unwrap();
        run(&[
            "revision",
            "--autogenerate",
            "-m",
            "init",
            "--dialect",
            "postgresql",
            "--dev-database",
            dev,
        ])
    });
    println!(
        "PostgreSQL, pg_dump of {DUMP_TABLES} tables and {} indexes ({} KB; built in {:.1} s), the binary end to end:",
        3 * DUMP_TABLES,
        dump.stdout.len() / 1024,
        built.as_secs_f64()
    );
    println!(
        "  check --database           {:>8.1} ms (goal 500)",
        ms(check)
    );
    println!(
        "  revision --autogenerate    {:>8.1} ms (from an empty set, with a dev database; goal 2000)",
        ms(autogenerate)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let sql = declared_sql();
        let url = databases::fresh(Dialect::Sqlite).await;
        measure("SQLite", Dialect::Sqlite, &url, &sql).await;
        shared(
            "SQLite",
            Dialect::Sqlite,
            &databases::fresh(Dialect::Sqlite).await,
        )
        .await;
        for (name, dialect, var) in [
            ("PostgreSQL", Dialect::Postgres, "REVISOR_TEST_POSTGRES_URL"),
            ("MariaDB", Dialect::MySql, "REVISOR_TEST_MYSQL_URL"),
        ] {
            if std::env::var(var).is_err() {
                println!("SKIPPED {name}: set {var} to a server");
                continue;
            }
            measure(name, dialect, &databases::fresh(dialect).await, &sql).await;
            shared(name, dialect, &databases::fresh(dialect).await).await;
        }
        if std::env::var("REVISOR_TEST_POSTGRES_URL").is_ok() {
            let dev = databases::server(Dialect::Postgres).expect("a server URL");
            real_dump(&dev).await;
        } else {
            println!("SKIPPED the pg_dump figure: set REVISOR_TEST_POSTGRES_URL to a server");
        }
    });
}
