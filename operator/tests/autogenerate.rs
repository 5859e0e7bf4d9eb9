//! Autogenerate against real databases: Alembic's walkthrough through the
//! binary on SQLite, PostgreSQL and MariaDB, and the SQLite table rebuild
//! with rows in the tables.

#[macro_use]
mod support;

use revisor::autogen;
use revisor::db::introspect::{Introspect, Options as IntrospectOptions};
use revisor::db::{Backend, Database, Dialect};
use revisor::declared;
use revisor::with_backend;
use std::path::{Path, PathBuf};
use std::process::Output;
use support::cli::{bin, ok, scratch};
use support::databases::{fresh, server};

/// A project directory: schema.sql and migrations/.
fn project(name: &str) -> PathBuf {
    scratch(&format!("autogen-{name}"))
}

/// Runs the binary in `dir` against `url`, with the dev database of `dialect`.
fn revisor(dir: &Path, dialect: Dialect, url: &str, args: &[&str]) -> Output {
    let mut cmd = bin();
    cmd.current_dir(dir)
        .args(args)
        .env("REVISOR_DATABASE_URL", url);
    if let Some(dev) = server(dialect) {
        cmd.env("REVISOR_DEV_DATABASE_URL", dev);
    }
    cmd.output().unwrap()
}

/// The introspected schema of `db`, bookkeeping left out.
async fn live_schema(db: &mut Database) -> revisor::schema::Schema {
    with_backend!(db, |b| b.introspect(&IntrospectOptions::default()).await).unwrap()
}

const USERS: &str =
    "CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  name VARCHAR(50) NOT NULL\n);\n";
const USERS_EMAIL: &str = "CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  name VARCHAR(50) NOT NULL,\n  email VARCHAR(255)\n);\nCREATE UNIQUE INDEX ix_users_email ON users (email);\n";

async fn walkthrough(dialect: Dialect) {
    let url = fresh(dialect).await;
    let dir = project(dialect.name());
    let d = ["--dialect", dialect.name()];
    // 1-3: declare users(id, name), autogenerate, upgrade.
    std::fs::write(dir.join("schema.sql"), USERS).unwrap();
    let first = ok(revisor(
        &dir,
        dialect,
        &url,
        &[
            &[
                "revision",
                "--autogenerate",
                "-m",
                "Initial migration",
                "--rev-id",
                "r1",
            ][..],
            &d,
        ]
        .concat(),
    ));
    assert!(first.contains("Detected add table users"), "{first}");
    ok(revisor(&dir, dialect, &url, &["upgrade", "head"]));
    let clean = ok(revisor(&dir, dialect, &url, &[&["check"][..], &d].concat()));
    assert!(
        clean.contains("No new upgrade operations detected"),
        "{clean}"
    );
    ok(revisor(&dir, dialect, &url, &["check", "--database", &url]));
    // Nothing differs: nothing is written.
    let nothing = ok(revisor(
        &dir,
        dialect,
        &url,
        &[&["revision", "--autogenerate", "-m", "noop"][..], &d].concat(),
    ));
    assert!(nothing.contains("nothing written"), "{nothing}");
    assert_eq!(
        std::fs::read_dir(dir.join("migrations")).unwrap().count(),
        1
    );
    // 4: add email; check now exits 1 naming the change.
    std::fs::write(dir.join("schema.sql"), USERS_EMAIL).unwrap();
    let ahead = revisor(&dir, dialect, &url, &[&["check"][..], &d].concat());
    assert_eq!(ahead.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&ahead.stderr).contains("add column users.email"));
    // 5-6: autogenerate and upgrade.
    let second = ok(revisor(
        &dir,
        dialect,
        &url,
        &[
            &[
                "revision",
                "--autogenerate",
                "-m",
                "Add email column",
                "--rev-id",
                "r2",
            ][..],
            &d,
        ]
        .concat(),
    ));
    assert!(
        second.contains("Detected add column users.email"),
        "{second}"
    );
    let file = std::fs::read_to_string(dir.join("migrations/r2_add_email_column.sql")).unwrap();
    assert!(file.contains("-- down_revision: r1"), "{file}");
    assert!(
        file.contains("-- DESTRUCTIVE: drops column users.email"),
        "{file}"
    );
    ok(revisor(&dir, dialect, &url, &["upgrade", "head"]));
    ok(revisor(&dir, dialect, &url, &[&["check"][..], &d].concat()));
    ok(revisor(&dir, dialect, &url, &["check", "--database", &url]));
    // downgrade -1: the live schema is the first declared one again.
    ok(revisor(&dir, dialect, &url, &["downgrade", "--", "-1"]));
    let mut db = Database::connect(&url).await.unwrap();
    let live = live_schema(&mut db).await;
    let first_declared = declared::parse(&[("schema.sql".into(), USERS.into())], dialect).unwrap();
    let m = autogen::migration(&live, &first_declared, dialect);
    assert!(m.ops.is_empty(), "{:?}", m.ops);
    // and the declared schema is ahead of the database again.
    let behind = revisor(&dir, dialect, &url, &["check", "--database", &url]);
    assert_eq!(behind.status.code(), Some(1));
}

each_dialect!(the_alembic_walkthrough, walkthrough);

#[test]
fn an_unsupported_declared_statement_is_bad_input_naming_file_and_line() {
    let dir = project("bad");
    std::fs::write(
        dir.join("schema.sql"),
        "CREATE TABLE t (id INT);\nDROP TABLE t;\n",
    )
    .unwrap();
    let out = revisor(&dir, Dialect::Sqlite, "sqlite::memory:", &["check"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("schema.sql:2: unsupported statement"), "{err}");
}

#[tokio::test]
async fn the_sqlite_rebuild_keeps_rows_indexes_and_foreign_keys() {
    let url = fresh(Dialect::Sqlite).await;
    let d = Dialect::Sqlite;
    let before = declared::parse(
        &[("s.sql".into(), "CREATE TABLE parent (id INTEGER PRIMARY KEY, name VARCHAR(40));\nCREATE INDEX ix_parent_name ON parent (name);\nCREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent (id));".into())],
        d,
    )
    .unwrap();
    let after = declared::parse(
        &[("s.sql".into(), "CREATE TABLE parent (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL DEFAULT 'x', score INTEGER NOT NULL DEFAULT 0);\nCREATE INDEX ix_parent_name ON parent (name);\nCREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent (id));".into())],
        d,
    )
    .unwrap();
    let create = autogen::migration(&Default::default(), &before, d);
    let change = autogen::migration(&before, &after, d);
    assert!(
        change.up.iter().any(|s| s.contains("_revisor_new_parent")),
        "{:#?}",
        change.up
    );
    let dir = project("rebuild");
    std::fs::create_dir_all(dir.join("migrations")).unwrap();
    std::fs::write(
        dir.join("migrations/1.sql"),
        format!(
            "-- revision: a\n-- migrate:up\n{}\n-- migrate:down\n{}\n",
            autogen::section(&create.up),
            autogen::section(&create.down)
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("migrations/2.sql"),
        "-- revision: b\n-- down_revision: a\n-- migrate:up\nINSERT INTO parent (id, name) VALUES (1, 'p1'), (2, 'p2');\nINSERT INTO child (id, parent_id) VALUES (10, 1), (11, 2);\n-- migrate:down\nDELETE FROM child;\nDELETE FROM parent;\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("migrations/3.sql"),
        format!(
            "-- revision: c\n-- down_revision: b\n-- migrate:up\n{}\n-- migrate:down\n{}\n",
            autogen::section(&change.up),
            autogen::section(&change.down)
        ),
    )
    .unwrap();
    ok(revisor(&dir, d, &url, &["upgrade", "head"]));
    let mut db = Database::connect(&url).await.unwrap();
    let rows = with_backend!(&mut db, |b| b.query("SELECT CAST(id AS TEXT) || ':' || name || ':' || CAST(score AS TEXT) FROM parent ORDER BY id").await).unwrap();
    assert_eq!(
        rows,
        vec![vec![Some("1:p1:0".into())], vec![Some("2:p2:0".into())]],
        "rows survive the rebuild"
    );
    let live = live_schema(&mut db).await;
    assert!(
        autogen::migration(&live, &after, d).ops.is_empty(),
        "the rebuilt table is the declared one, index included"
    );
    // The foreign key still holds: a child of a missing parent is refused.
    let orphan = with_backend!(&mut db, |b| b
        .execute("INSERT INTO child (id, parent_id) VALUES (12, 99)")
        .await);
    assert!(
        orphan.is_err(),
        "foreign keys are enforced again after the step"
    );
    // And back down: the rebuild in reverse keeps the rows too.
    ok(revisor(&dir, d, &url, &["downgrade", "b"]));
    let live = live_schema(&mut db).await;
    assert!(autogen::migration(&live, &before, d).ops.is_empty());
    let n = with_backend!(&mut db, |b| b
        .query("SELECT CAST(count(*) AS TEXT) FROM child")
        .await)
    .unwrap();
    assert_eq!(n[0][0].as_deref(), Some("2"));
}

/// A schema written one way, created on the server, compared with the same
/// schema written another way: no change, on each dialect.
async fn equivalent_spellings(dialect: Dialect, written: &str, respelled: &str) {
    let url = fresh(dialect).await;
    let a = declared::parse(&[("a.sql".into(), written.into())], dialect).unwrap();
    let b = declared::parse(&[("b.sql".into(), respelled.into())], dialect).unwrap();
    assert!(
        autogen::migration(&a, &b, dialect).ops.is_empty(),
        "the two spellings read alike"
    );
    let mut db = Database::connect(&url).await.unwrap();
    for s in autogen::migration(&Default::default(), &a, dialect).up {
        with_backend!(&mut db, |x| x.execute(&s).await).unwrap();
    }
    let live = live_schema(&mut db).await;
    let left = autogen::migration(&live, &b, dialect).ops;
    assert!(left.is_empty(), "{dialect:?}: {left:#?}");
}

#[tokio::test]
async fn equivalent_spellings_produce_no_change_on_postgres() {
    equivalent_spellings(
        Dialect::Postgres,
        "CREATE TABLE t (id SERIAL PRIMARY KEY, n INT4 DEFAULT '0', b BOOL NOT NULL DEFAULT 't', s CHARACTER VARYING(20) DEFAULT 'x'::character varying, at TIMESTAMP WITH TIME ZONE DEFAULT now(), r FLOAT8, CONSTRAINT t_n_check CHECK (n >= 0));",
        "CREATE TABLE T (ID SERIAL4 PRIMARY KEY, N INTEGER DEFAULT 0, B BOOLEAN NOT NULL DEFAULT TRUE, S VARCHAR(20) DEFAULT 'x', AT TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP, R DOUBLE PRECISION, CHECK ((n >= 0)));",
    )
    .await;
}

#[tokio::test]
async fn equivalent_spellings_produce_no_change_on_mariadb() {
    equivalent_spellings(
        Dialect::MySql,
        "CREATE TABLE t (id INT(11) AUTO_INCREMENT PRIMARY KEY, n INTEGER DEFAULT '0', b TINYINT(1) NOT NULL DEFAULT 1, s VARCHAR(20) DEFAULT 'x', at DATETIME DEFAULT current_timestamp(), u CHAR(36));",
        // Table names are case-sensitive on MariaDB (lower_case_table_names
        // 0, Linux's default); column names are not.
        "CREATE TABLE t (ID INTEGER AUTO_INCREMENT PRIMARY KEY, N INT DEFAULT 0, B BOOLEAN NOT NULL DEFAULT TRUE, S VARCHAR(20) DEFAULT 'x', AT DATETIME DEFAULT CURRENT_TIMESTAMP, U UUID);",
    )
    .await;
}

#[tokio::test]
async fn equivalent_spellings_produce_no_change_on_sqlite() {
    equivalent_spellings(
        Dialect::Sqlite,
        "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, n INT DEFAULT (0), b BOOLEAN NOT NULL DEFAULT 1, s VARCHAR(20) DEFAULT 'x', at TIMESTAMP DEFAULT CURRENT_TIMESTAMP);",
        "CREATE TABLE T (ID INTEGER PRIMARY KEY, N INTEGER DEFAULT 0, B BOOL NOT NULL DEFAULT TRUE, S VARCHAR(20) DEFAULT 'x', AT TIMESTAMP DEFAULT now());",
    )
    .await;
}

/// A declared schema with what autogenerate detects: keys, a unique
/// constraint, an index, a foreign key with an action, a check, defaults.
const SHOP: &str = "CREATE TABLE customers (\n  id INTEGER PRIMARY KEY,\n  email VARCHAR(100) NOT NULL,\n  CONSTRAINT uq_customers_email UNIQUE (email)\n);\nCREATE TABLE orders (\n  id INTEGER PRIMARY KEY,\n  customer_id INTEGER NOT NULL,\n  status VARCHAR(20) NOT NULL DEFAULT 'new',\n  total NUMERIC(10, 2) DEFAULT 0,\n  CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE,\n  CONSTRAINT ck_orders_total CHECK (total >= 0)\n);\nCREATE INDEX ix_orders_status ON orders (status);\n";
const SHOP_V2: &str = "CREATE TABLE customers (\n  id INTEGER PRIMARY KEY,\n  email VARCHAR(100) NOT NULL,\n  name VARCHAR(80)\n);\nCREATE TABLE orders (\n  id INTEGER PRIMARY KEY,\n  customer_id INTEGER NOT NULL,\n  status VARCHAR(40),\n  total NUMERIC(10, 2) DEFAULT 0,\n  CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE,\n  CONSTRAINT ck_orders_total CHECK (total >= 0)\n);\n";

/// `revision --autogenerate --format ops` writes operation revisions that
/// reach the declared schema (check is clean afterwards) and whose derived
/// downgrade returns to the previous one.
async fn autogenerate_writes_operations(dialect: Dialect) {
    let url = fresh(dialect).await;
    let dir = project(&format!("ops-{}", dialect.name()));
    let d = ["--dialect", dialect.name()];
    for (rev, schema) in [("r1", SHOP), ("r2", SHOP_V2)] {
        std::fs::write(dir.join("schema.sql"), schema).unwrap();
        ok(revisor(
            &dir,
            dialect,
            &url,
            &[
                &[
                    "revision",
                    "--autogenerate",
                    "--format",
                    "ops",
                    "-m",
                    rev,
                    "--rev-id",
                    rev,
                ][..],
                &d,
            ]
            .concat(),
        ));
        let file = dir.join(format!("migrations/{rev}_{rev}.yaml"));
        assert!(file.exists(), "{}", file.display());
        ok(revisor(&dir, dialect, &url, &["upgrade", "head"]));
        // The live database is the declared schema: nothing to generate.
        ok(revisor(&dir, dialect, &url, &["check", "--database", &url]));
    }
    ok(revisor(&dir, dialect, &url, &["downgrade", "--", "-1"]));
    let mut db = Database::connect(&url).await.unwrap();
    let live = live_schema(&mut db).await;
    let first = declared::parse(&[("schema.sql".into(), SHOP.into())], dialect).unwrap();
    let m = autogen::migration(&live, &first, dialect);
    assert!(m.ops.is_empty(), "{dialect:?}: {:?}", m.ops);
}

each_dialect!(
    autogenerate_writes_operations,
    autogenerate_writes_operations
);

/// MariaDB names checks per table: two tables each with a column check on
/// `n`, a table check `CONSTRAINT_1` and a JSON column `doc` (MariaDB's
/// `json_valid(doc)` check) keep their own. Another DatabaseSchema's
/// bookkeeping tables are not read, and a table whose name has capitals is.
#[tokio::test]
async fn checks_of_the_same_name_on_two_tables_stay_apart_on_mariadb() {
    let url = fresh(Dialect::MySql).await;
    let mut db = Database::connect(&url).await.unwrap();
    for sql in [
        "CREATE TABLE a (n INT CHECK (n > 0), m INT, doc JSON, CHECK (m < 5))",
        "CREATE TABLE b (n INT CHECK (n > 1), m INT, doc JSON, CHECK (m < 9))",
        "CREATE TABLE MixedCase (id INT PRIMARY KEY, n INT, CONSTRAINT ck_mixed CHECK (n <> 3))",
        "CREATE TABLE other_vt (version_num VARCHAR(32) NOT NULL PRIMARY KEY)",
        "CREATE TABLE other_vt_history (id BIGINT PRIMARY KEY, revision VARCHAR(32), direction VARCHAR(5), checksum VARCHAR(64))",
    ] {
        with_backend!(&mut db, |b| b.execute(sql).await).unwrap();
    }
    let live = live_schema(&mut db).await;
    assert_eq!(
        live.tables.keys().collect::<Vec<_>>(),
        ["MixedCase", "a", "b"]
    );
    for (table, n, m) in [("a", "0", "5"), ("b", "1", "9")] {
        let t = &live.tables[table];
        let doc = t.columns.iter().find(|c| c.name == "doc").unwrap();
        assert_eq!(doc.ty, revisor::schema::Type::Json, "{table}");
        let mut checks: Vec<String> = t
            .checks
            .iter()
            .map(|c| revisor::schema::normalize_expr(&c.expression))
            .collect();
        checks.sort();
        assert_eq!(checks, [format!("m<{m}"), format!("n>{n}")], "{table}");
    }
    let mixed = &live.tables["MixedCase"];
    assert_eq!(mixed.primary_key, ["id"]);
    assert_eq!(mixed.checks.len(), 1, "{:?}", mixed.checks);
}

/// Checks, defaults and index expressions the server rewrites (PostgreSQL
/// stores `IN (...)` as `= ANY (ARRAY[...])` and `BETWEEN` as two
/// comparisons) compare equal to what was declared: the declared schema is
/// read back through the dev database. Before, `check` never came clean.
async fn server_rewritten_expressions(dialect: Dialect) {
    let url = fresh(dialect).await;
    let dir = project(&format!("normal-{}", dialect.name()));
    // MariaDB has no expression indexes (it refuses the declared schema,
    // naming the statement, as its upgrade would fail).
    let index = if dialect == Dialect::MySql {
        "status"
    } else {
        "lower(status)"
    };
    std::fs::write(
        dir.join("schema.sql"),
        format!("CREATE TABLE orders (\n  id INTEGER PRIMARY KEY,\n  status VARCHAR(10) NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'paid')),\n  total NUMERIC(10, 2) CHECK (total BETWEEN 0 AND 1000)\n);\nCREATE INDEX ix_orders_status ON orders ({index});\n"),
    )
    .unwrap();
    let d = ["--dialect", dialect.name()];
    let run = |args: &[&str]| revisor(&dir, dialect, &url, &[args, &d[..]].concat());
    ok(run(&["revision", "--autogenerate", "-m", "init"]));
    ok(revisor(&dir, dialect, &url, &["upgrade", "head"]));
    let clean = ok(run(&["check"]));
    assert!(
        clean.contains("No new upgrade operations detected"),
        "{clean}"
    );
    ok(run(&["check", "--database", &url]));
    let again = ok(run(&["revision", "--autogenerate", "-m", "again"]));
    assert!(again.contains("nothing written"), "{again}");
}

each_dialect!(
    expressions_the_server_rewrites_compare_equal_to_the_declared_ones,
    server_rewritten_expressions
);
