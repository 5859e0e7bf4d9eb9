//! `revisor import` and `revisor adopt` against real databases, for each
//! tool Revisor imports from (issue 24). A fixture directory in the tool's
//! own naming (three versions: a table, a column, a row with a quote; the
//! last without a down script), then on each dialect:
//! - `upgrade head` of the imported set gives the catalog and rows that
//!   running the tool's up scripts in order gives;
//! - `downgrade base` through the irreversible version is refused and
//!   leaves the database as it was;
//! - `adopt` on a database the tool took to its second version (its table
//!   written row by row in the tool's layout) stamps that version, and
//!   `upgrade head` then runs only the third;
//! - the same through the engine with `spec.adoptFrom` (`revisor apply`);
//! - a failed or dirty row in the tool's table is refused, nothing
//!   stamped (`adopt` exits 2; `spec.adoptFrom` is Blocked).

#[macro_use]
mod support;

use revisor::db::introspect::{Introspect, Options};
use revisor::db::{Backend, Database, Dialect};
use revisor::with_backend;
use std::path::Path;
use support::cli::{bin, ok, scratch, text};
use support::databases::fresh;

const UP: [&str; 3] = [
    "CREATE TABLE users (id int PRIMARY KEY, name varchar(50));",
    "ALTER TABLE users ADD COLUMN email varchar(100);",
    "INSERT INTO users (id, name) VALUES (1, 'O''Brien');",
];
const DOWN: [&str; 2] = ["DROP TABLE users;", "ALTER TABLE users DROP COLUMN email;"];
const TOOLS: [&str; 5] = ["flyway", "golang-migrate", "goose", "dbmate", "sqlx"];

/// The tool's migration files for [`UP`] and [`DOWN`], and its versions.
fn fixture(tool: &str) -> (Vec<(String, String)>, [&'static str; 3]) {
    let names = ["create_users", "add_email", "seed"];
    let mut files = Vec::new();
    let versions: [&str; 3] = match tool {
        "flyway" => ["1", "1.1", "2"],
        "golang-migrate" => ["1", "2", "3"],
        "goose" => ["00001", "00002", "00003"],
        _ => ["20240101000001", "20240101000002", "20240101000003"],
    };
    for i in 0..3 {
        let (v, n, up, down) = (versions[i], names[i], UP[i], DOWN.get(i));
        match tool {
            "flyway" => {
                let fv = v.replace('.', "_");
                files.push((format!("V{fv}__{n}.sql"), up.to_owned()));
                if let Some(d) = down {
                    files.push((format!("U{fv}__{n}.sql"), (*d).to_owned()));
                }
            }
            "golang-migrate" | "sqlx" => {
                let simple = tool == "sqlx" && down.is_none();
                let up_name = if simple {
                    format!("{v}_{n}.sql")
                } else {
                    format!("{v}_{n}.up.sql")
                };
                files.push((up_name, up.to_owned()));
                if let Some(d) = down {
                    files.push((format!("{v}_{n}.down.sql"), (*d).to_owned()));
                }
            }
            "goose" => {
                let down = down.map_or(String::new(), |d| format!("-- +goose Down\n{d}\n"));
                files.push((
                    format!("{v}_{n}.sql"),
                    format!("-- +goose Up\n{up}\n{down}"),
                ));
            }
            _ => {
                let down = down.map_or(String::new(), |d| format!("\n-- migrate:down\n{d}\n"));
                files.push((
                    format!("{v}_{n}.sql"),
                    format!("-- migrate:up\n{up}\n{down}"),
                ));
            }
        }
    }
    (files, versions)
}

/// The tool's own table, as the tool creates it, with rows for the
/// first `applied` versions; the last of them `ok` or failed/dirty.
fn tool_table(tool: &str, versions: &[&str], applied: usize, ok: bool) -> Vec<String> {
    let b = |x: bool| if x { "TRUE" } else { "FALSE" };
    let mut v = Vec::new();
    match tool {
        "flyway" => {
            v.push("CREATE TABLE flyway_schema_history (installed_rank int PRIMARY KEY, version varchar(50), description varchar(200), type varchar(20), script varchar(1000), checksum int, installed_by varchar(100), installed_on timestamp, execution_time int, success boolean)".to_owned());
            for (i, ver) in versions.iter().take(applied).enumerate() {
                let good = ok || i + 1 < applied;
                v.push(format!("INSERT INTO flyway_schema_history VALUES ({}, '{ver}', 'x', 'SQL', 'V{ver}__x.sql', 0, 'me', CURRENT_TIMESTAMP, 1, {})", i + 1, b(good)));
            }
        }
        "golang-migrate" => {
            v.push("CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)".to_owned());
            v.push(format!(
                "INSERT INTO schema_migrations VALUES ({}, {})",
                versions[applied - 1],
                b(!ok)
            ));
        }
        "dbmate" => {
            v.push("CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY)".to_owned());
            for ver in versions.iter().take(applied) {
                v.push(format!("INSERT INTO schema_migrations VALUES ('{ver}')"));
            }
        }
        "goose" => {
            v.push("CREATE TABLE goose_db_version (id int PRIMARY KEY, version_id bigint NOT NULL, is_applied boolean NOT NULL, tstamp timestamp)".to_owned());
            v.push(
                "INSERT INTO goose_db_version VALUES (1, 0, TRUE, CURRENT_TIMESTAMP)".to_owned(),
            );
            for (i, ver) in versions.iter().take(applied).enumerate() {
                v.push(format!(
                    "INSERT INTO goose_db_version VALUES ({}, {}, TRUE, CURRENT_TIMESTAMP)",
                    i + 2,
                    ver.trim_start_matches('0')
                ));
            }
        }
        _ => {
            v.push("CREATE TABLE _sqlx_migrations (version bigint PRIMARY KEY, description varchar(200) NOT NULL, installed_on timestamp, success boolean NOT NULL, checksum varchar(100), execution_time bigint)".to_owned());
            for (i, ver) in versions.iter().take(applied).enumerate() {
                let good = ok || i + 1 < applied;
                v.push(format!("INSERT INTO _sqlx_migrations VALUES ({ver}, 'x', CURRENT_TIMESTAMP, {}, 'c', 1)", b(good)));
            }
        }
    }
    v
}

async fn exec(url: &str, statements: &[String]) {
    let mut db = Database::connect(url).await.unwrap();
    for s in statements {
        with_backend!(&mut db, |b| b.execute(s).await).unwrap_or_else(|e| panic!("{s}: {e}"));
    }
}

/// The catalog (Revisor's and the tool's bookkeeping left out) and the
/// rows of `users`.
async fn state(url: &str) -> (revisor::schema::Schema, Vec<Vec<Option<String>>>) {
    let mut db = Database::connect(url).await.unwrap();
    let opts = Options {
        exclude: vec![
            "flyway_schema_history".into(),
            "schema_migrations".into(),
            "goose_db_version".into(),
            "_sqlx_migrations".into(),
        ],
        ..Options::default()
    };
    let schema = with_backend!(&mut db, |b| b.introspect(&opts).await).unwrap();
    let rows = if schema.tables.contains_key("users") {
        db.query("SELECT name FROM users ORDER BY id")
            .await
            .unwrap()
    } else {
        Vec::new()
    };
    (schema, rows)
}

/// A fresh database the tool took to its second version: the first two
/// up scripts run, and the tool's table written with `ok` (or a failed or
/// dirty) last row.
async fn taken_by_tool(dialect: Dialect, tool: &str, versions: &[&str], ok: bool) -> String {
    let url = fresh(dialect).await;
    let mut setup: Vec<String> = UP[..2]
        .iter()
        .map(|s| s.trim_end_matches(';').to_owned())
        .collect();
    setup.extend(tool_table(tool, versions, 2, ok));
    exec(&url, &setup).await;
    url
}

/// `revisor apply` of the test's manifest (`spec.adoptFrom`) on `url`.
fn apply(dir: &Path, url: &str) -> std::process::Output {
    revisor(
        dir,
        &[
            "apply",
            "-f",
            "databaseschema.yaml",
            "--dir",
            "migrations",
            "--database",
            url,
        ],
    )
}

fn revisor(dir: &Path, args: &[&str]) -> std::process::Output {
    bin().current_dir(dir).args(args).output().unwrap()
}

async fn tool_moves_to_revisor(dialect: Dialect) {
    for tool in TOOLS {
        let dir = scratch(&format!("import-{tool}-{}", dialect.name()));
        let src = dir.join("src");
        std::fs::create_dir_all(&src).unwrap();
        let (files, versions) = fixture(tool);
        for (n, t) in &files {
            std::fs::write(src.join(n), t).unwrap();
        }
        let said = ok(revisor(
            &dir,
            &["import", tool, "src", "--out", "migrations"],
        ));
        assert!(said.contains("Imported 3"), "{tool}: {said}");
        // The imported set against the tool's up scripts run in order.
        let (by_revisor, by_tool) = (fresh(dialect).await, fresh(dialect).await);
        ok(revisor(
            &dir,
            &["upgrade", "head", "--database", &by_revisor],
        ));
        exec(&by_tool, &UP.map(|s| s.trim_end_matches(';').to_owned())).await;
        let (a, b) = (state(&by_revisor).await, state(&by_tool).await);
        let left = revisor::autogen::migration(&a.0, &b.0, dialect).ops;
        assert!(left.is_empty(), "{tool} on {dialect:?}: {left:#?}");
        assert_eq!(a.1, b.1, "{tool}");
        assert_eq!(
            a.1,
            [[Some("O'Brien".to_owned())]],
            "{tool}: the quote survives"
        );
        // Down through the seed, which has no down script: refused, and
        // nothing changed.
        let down = revisor(&dir, &["downgrade", "base", "--database", &by_revisor]);
        assert_eq!(down.status.code(), Some(2), "{tool}: {}", text(&down));
        assert_eq!(
            state(&by_revisor).await,
            a,
            "{tool}: a refusal changes nothing"
        );
        // Adopt a database the tool took to its second version.
        let taken = taken_by_tool(dialect, tool, &versions, true).await;
        let adopted = ok(revisor(&dir, &["adopt", tool, "--database", &taken]));
        assert!(adopted.contains("Adopted"), "{tool}: {adopted}");
        ok(revisor(&dir, &["upgrade", "head", "--database", &taken]));
        assert_eq!(
            state(&taken).await.1,
            a.1,
            "{tool}: only the third version ran"
        );
        // The operator's way: `spec.adoptFrom`, through the engine
        // (`revisor apply` runs one reconcile with no cluster).
        let by_operator = taken_by_tool(dialect, tool, &versions, true).await;
        let manifest = dir.join("databaseschema.yaml");
        std::fs::write(
            &manifest,
            format!(
                "apiVersion: revisor.dev/v1alpha1\nkind: DatabaseSchema\nmetadata: {{name: shop}}\nspec:\n  targetRevision: head\n  database: {{urlSecretRef: {{name: db, key: url}}}}\n  migrations: {{configMapRef: {{name: m}}}}\n  adoptFrom: {tool}\n"
            ),
        )
        .unwrap();
        let applied = apply(&dir, &by_operator);
        assert!(applied.status.success(), "{tool}: {}", text(&applied));
        assert_eq!(
            state(&by_operator).await.1,
            a.1,
            "{tool}: adoptFrom, then only the third ran"
        );
        // A failed or dirty row is refused, and nothing is stamped.
        if tool != "dbmate" && tool != "goose" {
            let dirty = taken_by_tool(dialect, tool, &versions, false).await;
            let refused = revisor(&dir, &["adopt", tool, "--database", &dirty]);
            assert_eq!(refused.status.code(), Some(2), "{tool}: {}", text(&refused));
            assert!(
                text(&refused).contains("failed or dirty"),
                "{tool}: {}",
                text(&refused)
            );
            let current = ok(revisor(&dir, &["current", "--database", &dirty]));
            assert!(
                current.contains("base"),
                "{tool}: nothing stamped: {current}"
            );
            let blocked = apply(&dir, &dirty);
            assert_eq!(blocked.status.code(), Some(2), "{tool}: {}", text(&blocked));
            assert!(
                text(&blocked).contains("spec.adoptFrom"),
                "{tool}: {}",
                text(&blocked)
            );
        }
    }
}

each_dialect!(
    each_tool_moves_to_revisor_with_its_history,
    tool_moves_to_revisor
);
