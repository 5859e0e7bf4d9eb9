//! Offline SQL (`--sql`): the script of a 7-revision plan, run with psql,
//! mariadb and sqlite3 on empty databases, leaves what `revisor upgrade`
//! leaves (introspected schema, version rows, a history `revisor current`
//! and `history` read); and the starting points and forms of `--sql`.

mod support;

use revisor::autogen;
use revisor::db::introspect::Options as IntrospectOptions;
use revisor::db::Dialect;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use support::cli::{bin, ok};
use support::databases::{fresh, server};

/// The quickstart's seven revisions: six SQL files and an operation
/// revision (a concurrent index on PostgreSQL, a plain one elsewhere).
fn set() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "revisor-offline-{}-{}",
        std::process::id(),
        fastrand::u32(..)
    ));
    let m = dir.join("migrations");
    std::fs::create_dir_all(&m).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/quickstart/migrations");
    for e in std::fs::read_dir(&src).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_str().unwrap().to_owned();
        std::fs::copy(&p, m.join(&name)).unwrap();
    }
    dir
}

fn revisor(dir: &Path, args: &[&str], url: Option<&str>) -> Output {
    let mut cmd = bin();
    cmd.current_dir(dir).args(args);
    if let Some(u) = url {
        cmd.env("REVISOR_DATABASE_URL", u);
    }
    cmd.output().unwrap()
}

/// Runs `script` with the dialect's own client on the database at `url`.
fn run_client(dialect: Dialect, url: &str, script: &str) {
    let (cmd, args): (&str, Vec<String>) = match dialect {
        Dialect::Sqlite => (
            "sqlite3",
            vec![url.trim_start_matches("sqlite://").to_owned()],
        ),
        Dialect::Postgres => (
            "psql",
            vec![
                "-v".into(),
                "ON_ERROR_STOP=1".into(),
                "-q".into(),
                "-o".into(),
                "/dev/null".into(),
                url.to_owned(),
            ],
        ),
        Dialect::MySql => {
            // mysql://user@host:port/db
            let rest = url.trim_start_matches("mysql://");
            let (user, rest) = rest.split_once('@').unwrap();
            let (hostport, db) = rest.split_once('/').unwrap();
            let (host, port) = hostport.split_once(':').unwrap_or((hostport, "3306"));
            (
                "mariadb",
                vec![
                    "--protocol=TCP".into(),
                    "-h".into(),
                    host.into(),
                    "-P".into(),
                    port.into(),
                    "-u".into(),
                    user.into(),
                    db.into(),
                ],
            )
        }
    };
    let mut child = Command::new(cmd)
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{cmd} is needed for this test: {e}"));
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{cmd}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn the_script_does_what_upgrade_does(dialect: Dialect) {
    let dir = set();
    let (by_script, by_run) = (fresh(dialect).await, fresh(dialect).await);
    let script = ok(revisor(
        &dir,
        &[
            "upgrade",
            "head",
            "--sql",
            "--current",
            "base",
            "--dialect",
            dialect.name(),
        ],
        None,
    ));
    assert!(
        script.contains("BEGIN;") || dialect == Dialect::MySql,
        "{script}"
    );
    assert_eq!(
        script.matches("\n-- up ").count(),
        7,
        "seven steps: {script}"
    );
    // The script runs well after it was rendered: its history rows must
    // carry the time it ran and the database's user, not the rendering's.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let second = |t: std::time::SystemTime| {
        humantime::format_rfc3339_seconds(t).to_string()[..19].to_owned()
    };
    let ran_from = second(std::time::SystemTime::now());
    run_client(dialect, &by_script, &script);
    let ran_to = second(std::time::SystemTime::now() + std::time::Duration::from_secs(1));
    ok(revisor(&dir, &["upgrade", "head"], Some(&by_run)));
    let a = autogen::live(&by_script, &IntrospectOptions::default())
        .await
        .unwrap();
    let b = autogen::live(&by_run, &IntrospectOptions::default())
        .await
        .unwrap();
    let left = autogen::migration(&a, &b, dialect).ops;
    assert!(left.is_empty(), "{dialect:?}: {left:#?}");
    assert_eq!(a.tables.len(), b.tables.len());
    // revisor reads a database migrated by the script.
    let current = ok(revisor(&dir, &["current"], Some(&by_script)));
    assert_eq!(current, ok(revisor(&dir, &["current"], Some(&by_run))));
    assert!(current.starts_with("0007_status_idx (head)"), "{current}");
    let history = ok(revisor(&dir, &["history", "-o", "json"], Some(&by_script)));
    let rows: Vec<serde_json::Value> = serde_json::from_str(&history).unwrap();
    assert_eq!(rows.len(), 7);
    assert!(
        rows.iter()
            .all(|r| r["success"] == true && r["dirty"] == false),
        "{history}"
    );
    let user = match dialect {
        Dialect::Postgres => "postgres (revisor",
        Dialect::MySql => "root@",
        Dialect::Sqlite => "sqlite3 (revisor",
    };
    for r in &rows {
        let at = |k: &str| {
            r[k].as_str()
                .unwrap_or_default()
                .get(..19)
                .unwrap_or_default()
                .to_owned()
        };
        for k in ["started_at", "finished_at"] {
            assert!(
                ran_from <= at(k) && at(k) <= ran_to,
                "{dialect:?}: {k} {} is not when the script ran ({ran_from} to {ran_to})",
                at(k)
            );
        }
        let by = r["applied_by"].as_str().unwrap();
        assert!(
            by.starts_with(user) && by.ends_with("offline script)"),
            "{dialect:?}: {by}"
        );
    }
    // And a later upgrade has nothing to do: the script's bookkeeping is real.
    assert!(ok(revisor(&dir, &["upgrade", "head"], Some(&by_script))).contains("Nothing to do"));
}

#[tokio::test]
async fn the_sqlite_script_does_what_upgrade_does() {
    the_script_does_what_upgrade_does(Dialect::Sqlite).await;
}

#[tokio::test]
async fn the_postgres_script_does_what_upgrade_does() {
    the_script_does_what_upgrade_does(Dialect::Postgres).await;
}

#[tokio::test]
async fn the_mariadb_script_does_what_upgrade_does() {
    the_script_does_what_upgrade_does(Dialect::MySql).await;
}

#[test]
fn a_range_or_current_needs_no_connection_and_json_lists_each_steps_statements() {
    let dir = set();
    // Nothing listens on port 1: no connection may be made.
    let nowhere = Some("postgres://app@127.0.0.1:1/none");
    let ranged = ok(revisor(
        &dir,
        &["upgrade", "0003_orders:0006_merge", "--sql"],
        nowhere,
    ));
    assert!(
        ranged.contains("from [0003_orders] to [0006_merge]"),
        "{ranged}"
    );
    assert!(!ranged.contains("-- up 0001_customers"));
    let json = ok(revisor(
        &dir,
        &[
            "upgrade",
            "head",
            "--sql",
            "--current",
            "0005_status,0004_loyalty",
            "--dialect",
            "postgresql",
            "-o",
            "json",
        ],
        None,
    ));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let steps: Vec<&str> = v["parts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["revision"].as_str())
        .collect();
    assert_eq!(steps, ["0006_merge", "0007_status_idx"]);
    assert!(
        v["parts"][2]["statements"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status)"),
        "{json}"
    );
    // Downgrades, stamps, plans and apply take --sql too.
    let down = ok(revisor(
        &dir,
        &[
            "downgrade",
            "0006_merge:0003_orders",
            "--sql",
            "--dialect",
            "sqlite",
        ],
        None,
    ));
    assert!(
        down.contains("-- down 0006_merge")
            && down.contains("ALTER TABLE customers DROP COLUMN points"),
        "{down}"
    );
    let stamp = ok(revisor(
        &dir,
        &[
            "stamp",
            "head",
            "--sql",
            "--current",
            "base",
            "--dialect",
            "mysql",
        ],
        None,
    ));
    assert!(
        stamp.contains("INSERT INTO revisor_version (version_num) VALUES ('0007_status_idx')"),
        "{stamp}"
    );
    let plan = ok(revisor(
        &dir,
        &[
            "plan",
            "0002_products",
            "--current",
            "base",
            "--sql",
            "--dialect",
            "sqlite",
        ],
        None,
    ));
    assert!(plan.contains("CREATE TABLE products"), "{plan}");
    // No --dialect and no database: bad input.
    let o = revisor(
        &dir,
        &["upgrade", "head", "--sql", "--current", "base"],
        None,
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[tokio::test]
async fn the_starting_rows_can_come_from_the_database_and_refusals_hold() {
    let dir = set();
    let url = fresh(Dialect::Sqlite).await;
    ok(revisor(&dir, &["upgrade", "0003_orders"], Some(&url)));
    let script = ok(revisor(&dir, &["upgrade", "head", "--sql"], Some(&url)));
    assert!(
        script.contains("from [0003_orders]") && !script.contains("-- up 0003_orders"),
        "{script}"
    );
    assert!(
        !script.contains("CREATE TABLE IF NOT EXISTS revisor_version (")
            || script.contains("bookkeeping")
    );
    // A manifest plan that downgrades without permission is refused offline too.
    let manifest = dir.join("db.yaml");
    std::fs::write(&manifest, "apiVersion: revisor.dev/v1alpha1\nkind: DatabaseSchema\nmetadata: {name: x}\nspec:\n  targetRevision: 0002_products\n  database: {urlSecretRef: {name: s, key: url}}\n  migrations: {inline: {files: {}}}\n").unwrap();
    let o = revisor(
        &dir,
        &[
            "apply",
            "-f",
            manifest.to_str().unwrap(),
            "--dir",
            "migrations",
            "--sql",
        ],
        Some(&url),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("allowDowngrade"));
    let _ = server;
}

/// With no `--current`, range or database, `upgrade head --sql` starts
/// from base, as Alembic's offline mode does, and the header says so; the
/// script is otherwise the one `--current base` gives.
#[test]
fn an_upgrade_script_with_no_start_starts_from_base() {
    let dir = set();
    let assumed = ok(revisor(
        &dir,
        &["upgrade", "head", "--sql", "--dialect", "postgresql"],
        None,
    ));
    let from_base = ok(revisor(
        &dir,
        &[
            "upgrade",
            "head",
            "--sql",
            "--current",
            "base",
            "--dialect",
            "postgresql",
        ],
        None,
    ));
    assert!(
        assumed.contains("the script starts from base (an empty database)"),
        "{assumed}"
    );
    assert_eq!(
        assumed.replace(revisor::offline::FROM_BASE_NOTE, ""),
        from_base
    );
}
