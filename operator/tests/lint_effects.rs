//! Lint's claims checked against real servers: what it says rewrites a
//! PostgreSQL table does (the table's `relfilenode` changes) and what it
//! says does not, does not; the algorithm it claims for a MySQL/MariaDB
//! `ALTER` is the one the server accepts (`ALGORITHM=` clauses).

mod support;

use revisor::db::introspect::Introspect;
use revisor::db::{Backend, Database, Dialect};
use revisor::lint::{LintConfig, Linter, ServerVersion, Settings};
use revisor::revision::Revision;
use revisor::with_backend;

async fn exec(db: &mut Database, sql: &str) -> Result<(), String> {
    with_backend!(db, |b| b.execute(sql).await)
        .map(drop)
        .map_err(|e| e.to_string())
}

async fn one(db: &mut Database, sql: &str) -> String {
    let rows = with_backend!(db, |b| b.query(sql).await).unwrap();
    rows[0][0].clone().unwrap_or_default()
}

/// The codes lint gives `statement` run after a revision of `setup`, with
/// every rule on and the live server's version.
fn codes(dialect: Dialect, server: &str, setup: &str, statement: &str) -> Vec<&'static str> {
    let rev = |id: &str, up: &str| {
        Revision::parse(
            &format!("{id}.sql"),
            &format!("-- revision: {id}\n-- migrate:up\n{up}\n-- migrate:down\nSELECT 1;\n"),
        )
        .unwrap()
    };
    let mut linter = Linter::new(Settings {
        dialect,
        server: Some(ServerVersion::parse(server).unwrap()),
        config: LintConfig::default(),
        functions: Default::default(),
    });
    linter.revision("r0.sql", &rev("r0", setup), false);
    linter
        .revision("r1.sql", &rev("r1", statement), false)
        .into_iter()
        .map(|f| f.code)
        .collect()
}

const PG_TABLE: &str =
    "CREATE TABLE t (id int PRIMARY KEY, name varchar(20), amount numeric(10,2), n int, ip cidr);";

/// (statement, whether PostgreSQL rewrites the table).
const PG_CASES: &[(&str, bool)] = &[
    ("ALTER TABLE t ADD COLUMN c text;", false),
    (
        "ALTER TABLE t ADD COLUMN c timestamptz DEFAULT now();",
        false,
    ),
    (
        "ALTER TABLE t ADD COLUMN c timestamptz DEFAULT CURRENT_TIMESTAMP;",
        false,
    ),
    ("ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT 5;", false),
    ("ALTER TABLE t ADD COLUMN c text DEFAULT lower('X');", false),
    ("ALTER TABLE t ADD COLUMN c float8 DEFAULT random();", true),
    (
        "ALTER TABLE t ADD COLUMN c uuid DEFAULT gen_random_uuid();",
        true,
    ),
    (
        "ALTER TABLE t ADD COLUMN c timestamptz DEFAULT clock_timestamp();",
        true,
    ),
    ("ALTER TABLE t ADD COLUMN c serial;", true),
    (
        "ALTER TABLE t ADD COLUMN c bigint GENERATED ALWAYS AS IDENTITY;",
        true,
    ),
    (
        "ALTER TABLE t ADD COLUMN c int GENERATED ALWAYS AS (n * 2) STORED;",
        true,
    ),
    ("ALTER TABLE t ALTER COLUMN name TYPE varchar(40);", false),
    ("ALTER TABLE t ALTER COLUMN name TYPE varchar;", false),
    ("ALTER TABLE t ALTER COLUMN name TYPE text;", false),
    ("ALTER TABLE t ALTER COLUMN name TYPE varchar(10);", true),
    (
        "ALTER TABLE t ALTER COLUMN amount TYPE numeric(12,2);",
        false,
    ),
    ("ALTER TABLE t ALTER COLUMN amount TYPE numeric;", false),
    (
        "ALTER TABLE t ALTER COLUMN amount TYPE numeric(10,4);",
        true,
    ),
    ("ALTER TABLE t ALTER COLUMN ip TYPE inet;", false),
    ("ALTER TABLE t ALTER COLUMN n TYPE bigint;", true),
    ("ALTER TABLE t ALTER COLUMN n TYPE text;", true),
];

#[tokio::test]
async fn rewrite_claims_match_the_relfilenode_on_postgresql() {
    let url = support::databases::fresh(Dialect::Postgres).await;
    let mut db = Database::connect(&url).await.unwrap();
    let server = db.lint_facts().await.unwrap().server_version;
    let relfilenode = "SELECT relfilenode::text FROM pg_class WHERE relname = 't'";
    for (statement, rewrites) in PG_CASES {
        exec(&mut db, "DROP TABLE IF EXISTS t").await.unwrap();
        exec(&mut db, PG_TABLE).await.unwrap();
        exec(
            &mut db,
            "INSERT INTO t VALUES (1, 'a', 1.5, 1, '10.0.0.0/8')",
        )
        .await
        .unwrap();
        let before = one(&mut db, relfilenode).await;
        exec(&mut db, statement).await.unwrap();
        let after = one(&mut db, relfilenode).await;
        assert_eq!(
            before != after,
            *rewrites,
            "the server disagrees with the case table on {statement}"
        );
        let found = codes(Dialect::Postgres, &server, PG_TABLE, statement);
        let claimed = found
            .iter()
            .any(|c| ["RV302", "RV303", "RV308"].contains(c));
        assert_eq!(claimed, *rewrites, "lint on {statement}: {found:?}");
    }
}

const MY_TABLES: &str = "CREATE TABLE u (id int PRIMARY KEY);\nCREATE TABLE t (id int PRIMARY KEY, a int, b varchar(20), d int NOT NULL DEFAULT 0, e enum('x','y'), f text, k int, INDEX ix (k));";

/// `ALTER TABLE t` operations, each on a fresh table.
const MY_OPS: &[&str] = &[
    "ADD COLUMN z int",
    "ADD COLUMN z int FIRST",
    "ADD COLUMN z int NOT NULL DEFAULT 5",
    "ADD COLUMN z int AS (a * 2) STORED",
    "ADD COLUMN z int AS (a * 2) VIRTUAL",
    "ADD COLUMN z int AUTO_INCREMENT UNIQUE",
    "DROP COLUMN a",
    "RENAME COLUMN a TO a2",
    "MODIFY a bigint",
    "MODIFY b varchar(40)",
    "MODIFY b varchar(10)",
    "MODIFY a int NOT NULL",
    "MODIFY e enum('x','y','z')",
    "MODIFY e enum('z','x','y')",
    "ALTER COLUMN a SET DEFAULT 3",
    "ADD INDEX ix2 (a)",
    "ADD UNIQUE INDEX ux (a)",
    "ADD FULLTEXT INDEX ft (f)",
    "DROP INDEX ix",
    "DROP PRIMARY KEY",
    "DROP PRIMARY KEY, ADD PRIMARY KEY (id, a)",
    "ADD CONSTRAINT ck CHECK (a > 0)",
    "ADD CONSTRAINT fk FOREIGN KEY (k) REFERENCES u (id)",
    "ENGINE=InnoDB",
    "COMMENT = 'x'",
];

#[tokio::test]
async fn algorithm_claims_hold_on_the_mysql_family_server() {
    let url = support::databases::fresh(Dialect::MySql).await;
    let mut db = Database::connect(&url).await.unwrap();
    let server = db.lint_facts().await.unwrap().server_version;
    let mariadb = ServerVersion::parse(&server).unwrap().is_mariadb();
    // Whether `ALTER TABLE t <op>, ALGORITHM=<alg>` is accepted on a fresh t.
    let mut accepts = async |op: &str, alg: &str| {
        exec(&mut db, "DROP TABLE IF EXISTS t, u").await.unwrap();
        for s in MY_TABLES.lines() {
            exec(&mut db, s).await.unwrap();
        }
        exec(&mut db, "INSERT INTO u VALUES (1)").await.unwrap();
        exec(&mut db, "INSERT INTO t VALUES (1, 1, 'b', 0, 'x', 'f', 1)")
            .await
            .unwrap();
        exec(&mut db, &format!("ALTER TABLE t {op}, ALGORITHM={alg}"))
            .await
            .is_ok()
    };
    let mut checked = 0;
    for op in MY_OPS {
        let found = codes(
            Dialect::MySql,
            &server,
            MY_TABLES,
            &format!("ALTER TABLE t {op};"),
        );
        let copy = found.contains(&"RV311");
        let rebuild = found.contains(&"RV312");
        // COPY: the server refuses INPLACE. Otherwise it takes INPLACE
        // (MySQL's INSTANT operations take it too).
        assert_eq!(
            accepts(op, "INPLACE").await,
            !copy,
            "lint says {} for {op} ({found:?}) on {server}",
            if copy { "COPY" } else { "not COPY" }
        );
        if mariadb && !copy {
            // MariaDB's NOCOPY: in place without a rebuild.
            assert_eq!(
                accepts(op, "NOCOPY").await,
                !rebuild,
                "lint says {} for {op} ({found:?}) on {server}",
                if rebuild { "a rebuild" } else { "no rebuild" }
            );
        }
        checked += 1;
    }
    assert_eq!(checked, MY_OPS.len());
}

/// Lints `dump` as the up section of one revision; `(code, line text)`.
fn lint_dump(dialect: Dialect, server: &str, dump: &str) -> Vec<(&'static str, String)> {
    let text = format!("-- revision: a1\n-- migrate:up\n{dump}\n-- migrate:down\nSELECT 1;\n");
    let rev = Revision::parse("a1.sql", &text).unwrap();
    let mut linter = Linter::new(Settings {
        dialect,
        server: Some(ServerVersion::parse(server).unwrap()),
        config: LintConfig::default(),
        functions: Default::default(),
    });
    let lines: Vec<&str> = text.lines().collect();
    linter
        .revision("a1.sql", &rev, false)
        .into_iter()
        .map(|f| (f.code, lines.get(f.line - 1).unwrap_or(&"").to_string()))
        .collect()
}

/// A schema with most of what PostgreSQL applications hold.
const PG_SAMPLE: &[&str] = &[
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')",
    "CREATE DOMAIN positive AS integer CHECK (VALUE > 0)",
    "CREATE SEQUENCE order_seq START 100",
    "CREATE TABLE customers (id bigserial PRIMARY KEY, email text NOT NULL UNIQUE, name varchar(100), mood mood DEFAULT 'ok', created_at timestamptz NOT NULL DEFAULT now(), score positive, doc jsonb, CONSTRAINT name_len CHECK (length(name) > 0))",
    "CREATE TABLE orders (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, customer_id bigint REFERENCES customers(id) ON DELETE CASCADE, total numeric(10,2) DEFAULT 0, placed tsrange, seq int DEFAULT nextval('order_seq'), EXCLUDE USING gist (customer_id WITH =, placed WITH &&))",
    "CREATE TABLE events (id bigint, at timestamptz NOT NULL, payload text) PARTITION BY RANGE (at)",
    "CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
    "CREATE UNLOGGED TABLE scratch (k text)",
    "CREATE INDEX orders_total ON orders (total DESC NULLS LAST) INCLUDE (customer_id) WHERE total > 0",
    "CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100",
    "CREATE MATERIALIZED VIEW order_totals AS SELECT customer_id, sum(total) AS s FROM orders GROUP BY customer_id",
    "CREATE UNIQUE INDEX order_totals_c ON order_totals (customer_id)",
    "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.created_at := now(); RETURN NEW; END $$",
    "CREATE TRIGGER customers_touch BEFORE UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION touch()",
    "COMMENT ON TABLE customers IS 'people who buy'",
    "COMMENT ON COLUMN customers.email IS 'login'",
    "ALTER TABLE customers ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY own ON customers USING (true)",
    "CREATE STATISTICS st ON name, email FROM customers",
];

#[tokio::test]
async fn a_real_pg_dump_raises_only_what_is_true_of_it() {
    let url = support::databases::fresh(Dialect::Postgres).await;
    let mut db = Database::connect(&url).await.unwrap();
    let server = db.lint_facts().await.unwrap().server_version;
    for s in PG_SAMPLE {
        exec(&mut db, s).await.unwrap();
    }
    let out = std::process::Command::new(support::cli::client_tool(&["pg_dump"]))
        .args(["--schema-only", &url])
        .output()
        .expect("pg_dump");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dump = String::from_utf8(out.stdout).unwrap();
    for (code, line) in lint_dump(Dialect::Postgres, &server, &dump) {
        let fine = match code {
            // psql meta-commands (`\restrict`) are not SQL: Revisor cannot run them.
            "RV002" => line.starts_with('\\'),
            // The domain's CHECK, and tables the down section keeps: true.
            "RV316" | "RV502" => true,
            _ => false,
        };
        assert!(
            fine,
            "a false alarm on pg_dump's output: {code} at `{line}`"
        );
    }
}

#[tokio::test]
async fn a_real_mysqldump_raises_only_what_is_true_of_it() {
    let url = support::databases::fresh(Dialect::MySql).await;
    let mut db = Database::connect(&url).await.unwrap();
    let server = db.lint_facts().await.unwrap().server_version;
    for s in MY_TABLES.lines() {
        exec(&mut db, s).await.unwrap();
    }
    exec(&mut db, "CREATE TABLE Album (AlbumId INT NOT NULL AUTO_INCREMENT, Title VARCHAR(160) NOT NULL, rating ENUM('G','PG','R') DEFAULT 'G', special SET('Trailers','Deleted Scenes'), last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, price DECIMAL(4,2) UNSIGNED, PRIMARY KEY (AlbumId), FULLTEXT KEY ft_title (Title), KEY idx_prefix (Title(10))) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='albums'").await.unwrap();
    exec(
        &mut db,
        "CREATE VIEW v_album AS SELECT AlbumId, Title FROM Album",
    )
    .await
    .unwrap();
    let (rest, name) = url.rsplit_once('/').unwrap();
    let hostport = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    let (host, port) = hostport.rsplit_once(':').unwrap_or((hostport, "3306"));
    let dumper = ["mariadb-dump", "mysqldump"]
        .into_iter()
        .find(|t| {
            std::process::Command::new(t)
                .arg("--version")
                .output()
                .is_ok()
        })
        .expect("mariadb-dump or mysqldump on the PATH");
    let out = std::process::Command::new(dumper)
        .args(["--no-data", "-uroot", "-h", host, "-P", port, name])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dump = String::from_utf8(out.stdout).unwrap();
    for (code, line) in lint_dump(Dialect::MySql, &server, &dump) {
        // mysqldump drops each table before creating it: true.
        let fine = matches!(code, "RV101" | "RV502");
        assert!(
            fine,
            "a false alarm on {dumper}'s output: {code} at `{line}`"
        );
    }
}
