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
    });
}
