//! The executor against real PostgreSQL, MariaDB and SQLite.
//!
//! Every test runs once per dialect in a fresh database. The servers come
//! from `REVISOR_TEST_POSTGRES_URL` and `REVISOR_TEST_MYSQL_URL`, which
//! `scripts/test.sh` sets (starting throwaway servers when none is
//! reachable). A missing URL fails the test: a database that CI promised
//! must not be skipped silently.

use revisor::db::{Backend, Database, Dialect};
use revisor::executor::{self, ExecError, Options, TransactionMode};
use revisor::graph::RevisionGraph;
use revisor::plan::policy::Refusal;
use revisor::plan::Mode;
use revisor::with_backend;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use support::databases::session;

static NEXT: AtomicUsize = AtomicUsize::new(0);

#[macro_use]
mod support;
use support::databases::fresh;

/// A migration set from `(file name, contents)` pairs.
fn set(files: &[(&str, &str)]) -> RevisionGraph {
    RevisionGraph::from_files(files).unwrap_or_else(|e| panic!("{e}"))
}

/// a -> b -> c, each creating a table; c's second statement fails when
/// `broken`. `-- migrate:down` drops the table.
fn abc(broken: bool) -> RevisionGraph {
    let c_up = if broken {
        "CREATE TABLE t_c (id INT);\nINSERT INTO no_such_table VALUES (1);\n"
    } else {
        "CREATE TABLE t_c (id INT);\n"
    };
    let c = format!("-- revision: c\n-- down_revision: b\n-- migrate:up\n{c_up}-- migrate:down\nDROP TABLE t_c;\n");
    set(&[
        ("1_a.sql", "-- revision: a\n-- message: create a\n-- migrate:up\nCREATE TABLE t_a (id INT, note VARCHAR(20));\nINSERT INTO t_a VALUES (1, 'x;y');\n-- migrate:down\nDROP TABLE t_a;\n"),
        ("2_b.sql", "-- revision: b\n-- down_revision: a\n-- migrate:up\nCREATE TABLE t_b (id INT);\n-- migrate:down\nDROP TABLE t_b;\n"),
        ("3_c.sql", &c),
    ])
}

async fn connect(url: &str) -> Database {
    Database::connect(url)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

async fn run(
    db: &mut Database,
    g: &RevisionGraph,
    target: &str,
    mode: Mode,
    opts: &Options,
) -> Result<Vec<String>, ExecError> {
    let p = session(db, opts).run(g, target, mode, &mut |_| {}).await?;
    Ok(p.final_heads)
}

async fn rows(db: &mut Database) -> Vec<String> {
    let mut r = session(db, &Options::default()).heads().await.unwrap();
    r.sort();
    r
}

async fn history(db: &mut Database) -> Vec<revisor::db::tables::HistoryRow> {
    session(db, &Options::default()).history().await.unwrap()
}

async fn table_exists(db: &mut Database, table: &str) -> bool {
    with_backend!(db, |b| b
        .query(&format!("SELECT CAST(COUNT(*) AS CHAR(10)) FROM {table}"))
        .await
        .is_ok())
}

each_dialect!(
    upgrade_downgrade_and_stamp_move_schema_and_rows,
    |dialect| {
        let url = fresh(dialect).await;
        let mut db = connect(&url).await;
        let g = abc(false);
        let opts = Options::default();
        assert_eq!(
            run(&mut db, &g, "b", Mode::Upgrade, &opts).await.unwrap(),
            vec!["b"]
        );
        assert_eq!(rows(&mut db).await, vec!["b"]);
        assert!(table_exists(&mut db, "t_a").await && table_exists(&mut db, "t_b").await);
        assert!(!table_exists(&mut db, "t_c").await);
        assert_eq!(
            run(&mut db, &g, "head", Mode::Upgrade, &opts)
                .await
                .unwrap(),
            vec!["c"]
        );
        assert_eq!(
            run(&mut db, &g, "a", Mode::Downgrade, &opts).await.unwrap(),
            vec!["a"]
        );
        assert!(!table_exists(&mut db, "t_b").await && !table_exists(&mut db, "t_c").await);
        assert!(table_exists(&mut db, "t_a").await);
        let h = history(&mut db).await;
        let steps: Vec<(&str, &str)> = h
            .iter()
            .map(|r| (r.direction.as_str(), r.revision.as_str()))
            .collect();
        assert_eq!(
            steps,
            vec![
                ("up", "a"),
                ("up", "b"),
                ("up", "c"),
                ("down", "c"),
                ("down", "b")
            ]
        );
        assert!(h
            .iter()
            .all(|r| r.success == Some(true) && !r.dirty && r.finished_at.is_some()));
        // Up rows keep what a later downgrade needs without the file.
        assert_eq!(h[1].down_revisions, vec!["a"]);
        assert_eq!(h[1].down_sql.as_deref(), Some("DROP TABLE t_b;\n"));
        assert_eq!(h[0].checksum, g.rev(0).checksum);
        // A stamp writes rows and runs no SQL.
        let rows_after = session(&mut db, &opts).stamp(&g, "c", false).await.unwrap();
        assert_eq!(rows_after, vec!["c"]);
        assert_eq!(rows(&mut db).await, vec!["c"]);
        assert!(!table_exists(&mut db, "t_c").await);
        assert_eq!(
            history(&mut db).await.last().map(|r| r.direction.clone()),
            Some("stamp".into())
        );
    }
);

each_dialect!(
    a_failing_step_keeps_earlier_steps_and_leaves_a_failed_row,
    |dialect| {
        let url = fresh(dialect).await;
        let mut db = connect(&url).await;
        let g = abc(true);
        let opts = Options::default();
        let err = run(&mut db, &g, "c", Mode::Upgrade, &opts)
            .await
            .unwrap_err();
        let ExecError::Step {
            revision,
            dirty,
            completed,
            ..
        } = &err
        else {
            panic!("{err}")
        };
        assert_eq!((revision.as_str(), *completed), ("c", 2));
        // a and b stay committed; the version table is consistent.
        assert_eq!(rows(&mut db).await, vec!["b"]);
        assert!(table_exists(&mut db, "t_b").await);
        let last = history(&mut db).await.pop().unwrap();
        assert_eq!((last.revision.as_str(), last.success), ("c", Some(false)));
        assert!(
            last.error
                .as_deref()
                .unwrap_or("")
                .contains("no_such_table"),
            "{last:?}"
        );
        if dialect == Dialect::MySql {
            // DDL committed implicitly: t_c exists, the step is dirty, and
            // nothing runs until someone resolves it.
            assert!(*dirty && last.dirty);
            assert!(table_exists(&mut db, "t_c").await);
            let again = run(&mut db, &g, "c", Mode::Upgrade, &opts)
                .await
                .unwrap_err();
            assert!(
                matches!(again, ExecError::Refused(Refusal::Dirty(ref d)) if d.revision == "c"),
                "{again}"
            );
            let n = session(&mut db, &opts).resolve().await.unwrap();
            assert_eq!(n, 1);
            with_backend!(&mut db, |b| b.execute("DROP TABLE t_c").await).unwrap();
        } else {
            // The failed step left no trace but its history row.
            assert!(!*dirty && !last.dirty);
            assert!(!table_exists(&mut db, "t_c").await);
        }
        // Fixed file: the next run finishes.
        assert_eq!(
            run(&mut db, &abc(false), "c", Mode::Upgrade, &opts)
                .await
                .unwrap(),
            vec!["c"]
        );
    }
);

each_dialect!(all_mode_applies_nothing_when_a_step_fails, |dialect| {
    let url = fresh(dialect).await;
    let mut db = connect(&url).await;
    let opts = Options {
        transaction_mode: TransactionMode::All,
        ..Options::default()
    };
    let err = run(&mut db, &abc(true), "c", Mode::Upgrade, &opts)
        .await
        .unwrap_err();
    if dialect == Dialect::MySql {
        assert!(
            matches!(err, ExecError::Refused(Refusal::AllRefused(_))),
            "{err}"
        );
        assert!(!table_exists(&mut db, "t_a").await);
        return;
    }
    assert!(
        matches!(err, ExecError::Step { ref revision, .. } if revision == "c"),
        "{err}"
    );
    assert!(rows(&mut db).await.is_empty());
    assert!(!table_exists(&mut db, "t_a").await && !table_exists(&mut db, "t_b").await);
    assert_eq!(
        run(&mut db, &abc(false), "c", Mode::Upgrade, &opts)
            .await
            .unwrap(),
        vec!["c"]
    );
});

each_dialect!(
    downgrading_an_irreversible_revision_is_refused_before_anything_runs,
    |dialect| {
        let url = fresh(dialect).await;
        let mut db = connect(&url).await;
        let g = set(&[
        ("1.sql", "-- revision: a\n-- migrate:up\nCREATE TABLE t_a (id INT);\n"),
        ("2.sql", "-- revision: b\n-- down_revision: a\n-- migrate:up\nCREATE TABLE t_b (id INT);\n-- migrate:down\nDROP TABLE t_b;\n"),
    ]);
        let opts = Options::default();
        run(&mut db, &g, "b", Mode::Upgrade, &opts).await.unwrap();
        let err = run(&mut db, &g, "base", Mode::Downgrade, &opts)
            .await
            .unwrap_err();
        assert!(
            matches!(err, ExecError::Refused(Refusal::Irreversible(ref r)) if r == &["a"]),
            "{err}"
        );
        assert_eq!(rows(&mut db).await, vec!["b"]);
        assert!(table_exists(&mut db, "t_b").await, "b was not unapplied");
    }
);

each_dialect!(a_changed_applied_revision_is_drift, |dialect| {
    let url = fresh(dialect).await;
    let mut db = connect(&url).await;
    let opts = Options::default();
    run(&mut db, &abc(false), "b", Mode::Upgrade, &opts)
        .await
        .unwrap();
    let edited = set(&[
        ("1_a.sql", "-- revision: a\n-- migrate:up\nCREATE TABLE t_a (id BIGINT);\n-- migrate:down\nDROP TABLE t_a;\n"),
        ("2_b.sql", "-- revision: b\n-- down_revision: a\n-- migrate:up\nCREATE TABLE t_b (id INT);\n-- migrate:down\nDROP TABLE t_b;\n"),
        ("3_c.sql", "-- revision: c\n-- down_revision: b\n-- migrate:up\nCREATE TABLE t_c (id INT);\n-- migrate:down\nDROP TABLE t_c;\n"),
    ]);
    let err = run(&mut db, &edited, "c", Mode::Upgrade, &opts)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ExecError::Refused(Refusal::ChecksumMismatch(ref d)) if d.len() == 1 && d[0].revision == "a"),
        "{err}"
    );
    assert!(err.is_input());
    assert_eq!(rows(&mut db).await, vec!["b"]);
    let allow = Options {
        allow_checksum_mismatch: true,
        ..Options::default()
    };
    assert_eq!(
        run(&mut db, &edited, "c", Mode::Upgrade, &allow)
            .await
            .unwrap(),
        vec!["c"]
    );
});

each_dialect!(branches_and_merges_keep_alembic_rows, |dialect| {
    let url = fresh(dialect).await;
    let mut db = connect(&url).await;
    let g = set(&[
        ("1.sql", "-- revision: a\n-- migrate:up\nCREATE TABLE t_a (id INT);\n-- migrate:down\nDROP TABLE t_a;\n"),
        ("2.sql", "-- revision: b\n-- down_revision: a\n-- migrate:up\nCREATE TABLE t_b (id INT);\n-- migrate:down\nDROP TABLE t_b;\n"),
        ("3.sql", "-- revision: c\n-- down_revision: a\n-- migrate:up\nCREATE TABLE t_c (id INT);\n-- migrate:down\nDROP TABLE t_c;\n"),
        ("4.sql", "-- revision: m\n-- down_revision: b, c\n-- migrate:up\n-- merge\n-- migrate:down\n-- nothing\n"),
    ]);
    let opts = Options::default();
    run(&mut db, &g, "b", Mode::Upgrade, &opts).await.unwrap();
    run(&mut db, &g, "c", Mode::Upgrade, &opts).await.unwrap();
    assert_eq!(rows(&mut db).await, vec!["b", "c"]);
    run(&mut db, &g, "m", Mode::Upgrade, &opts).await.unwrap();
    assert_eq!(rows(&mut db).await, vec!["m"]);
    // Declaratively back to c alone: the merge and b are unapplied.
    assert_eq!(
        run(&mut db, &g, "c", Mode::Declarative, &opts)
            .await
            .unwrap(),
        vec!["c"]
    );
    assert_eq!(rows(&mut db).await, vec!["c"]);
    assert!(!table_exists(&mut db, "t_b").await && table_exists(&mut db, "t_c").await);
});

/// `CREATE INDEX CONCURRENTLY` waits for every open transaction; the lock
/// must not hold one, or the run would wait for itself forever.
#[tokio::test]
async fn create_index_concurrently_runs_under_the_lock_on_postgres() {
    let url = fresh(Dialect::Postgres).await;
    let mut db = connect(&url).await;
    let g = set(&[
        ("1.sql", "-- revision: a\n-- migrate:up\nCREATE TABLE orders (id INT, status TEXT);\nINSERT INTO orders SELECT g, 'new' FROM generate_series(1, 1000) g;\n-- migrate:down\nDROP TABLE orders;\n"),
        ("2.sql", "-- revision: b\n-- down_revision: a\n-- transactional: false\n-- migrate:up\nCREATE INDEX CONCURRENTLY orders_status ON orders (status);\n-- migrate:down\nDROP INDEX CONCURRENTLY orders_status;\n"),
    ]);
    let opts = Options {
        lock_timeout: Duration::from_secs(5),
        ..Options::default()
    };
    let done = tokio::time::timeout(
        Duration::from_secs(60),
        run(&mut db, &g, "b", Mode::Upgrade, &opts),
    )
    .await;
    assert_eq!(
        done.expect("CREATE INDEX CONCURRENTLY hung under the lock")
            .unwrap(),
        vec!["b"]
    );
    let valid = with_backend!(&mut db, |b| b
        .query("SELECT CAST(i.indisvalid AS TEXT) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'orders_status'")
        .await)
    .unwrap();
    assert_eq!(valid, vec![vec![Some("true".to_owned())]]);
    let down = tokio::time::timeout(
        Duration::from_secs(60),
        run(&mut db, &g, "a", Mode::Downgrade, &opts),
    )
    .await;
    assert_eq!(
        down.expect("DROP INDEX CONCURRENTLY hung").unwrap(),
        vec!["a"]
    );
    let h = history(&mut db).await;
    assert!(
        h.iter().all(|r| !r.dirty && r.success == Some(true)),
        "{h:?}"
    );
}

/// A migration directory whose middle step takes about `seconds`, in the
/// dialect's own way of waiting (SQLite: a recursive count, about 3 million
/// rows a second in a debug build).
fn slow_set(dialect: Dialect, seconds: u32) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "revisor-race-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let sleep = match dialect {
        Dialect::Postgres => format!("SELECT pg_sleep({seconds});"),
        Dialect::MySql => format!("DO SLEEP({seconds});"),
        Dialect::Sqlite => format!(
            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < {}) SELECT count(*) FROM n;",
            seconds * 3_000_000
        ),
    };
    let files = [
        ("1.sql", "-- revision: a\n-- migrate:up\nCREATE TABLE t_a (id INT);\n-- migrate:down\nDROP TABLE t_a;\n".to_owned()),
        ("2.sql", format!("-- revision: b\n-- down_revision: a\n-- migrate:up\n{sleep}\nCREATE TABLE t_b (id INT);\n-- migrate:down\nDROP TABLE t_b;\n")),
        ("3.sql", "-- revision: c\n-- down_revision: b\n-- migrate:up\nCREATE TABLE t_c (id INT);\n-- migrate:down\nDROP TABLE t_c;\n".to_owned()),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir
}

fn upgrade_process(dir: &std::path::Path, url: &str, lock_timeout: &str) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_revisor"))
        .args([
            "upgrade",
            "head",
            "--dir",
            dir.to_str().unwrap(),
            "--lock-timeout",
            lock_timeout,
        ])
        .env("REVISOR_DATABASE_URL", url)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("revisor starts")
}

each_dialect!(two_processes_racing_apply_every_step_once, |dialect| {
    let url = fresh(dialect).await;
    let dir = slow_set(dialect, 1);
    let first = upgrade_process(&dir, &url, "60");
    let second = upgrade_process(&dir, &url, "60");
    let (first, second) = (
        first.wait_with_output().unwrap(),
        second.wait_with_output().unwrap(),
    );
    for o in [&first, &second] {
        assert!(
            o.status.success(),
            "stderr: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let mut db = connect(&url).await;
    let ups: Vec<String> = history(&mut db)
        .await
        .into_iter()
        .map(|r| format!("{} {}", r.direction, r.revision))
        .collect();
    assert_eq!(ups, vec!["up a", "up b", "up c"], "each step exactly once");
    assert_eq!(rows(&mut db).await, vec!["c"]);
    // The loser waited for the lock and then had nothing to do.
    let outputs = [
        String::from_utf8_lossy(&first.stdout),
        String::from_utf8_lossy(&second.stdout),
    ];
    assert_eq!(
        outputs
            .iter()
            .filter(|o| o.contains("Nothing to do"))
            .count(),
        1,
        "{outputs:?}"
    );
});

each_dialect!(a_held_lock_times_out_naming_the_holder, |dialect| {
    let url = fresh(dialect).await;
    let dir = slow_set(dialect, 4);
    let holder = upgrade_process(&dir, &url, "60");
    // Let the first process take the lock and reach the slow step.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let waiter = upgrade_process(&dir, &url, "1").wait_with_output().unwrap();
    let holder = holder.wait_with_output().unwrap();
    assert!(
        holder.status.success(),
        "{}",
        String::from_utf8_lossy(&holder.stderr)
    );
    assert_eq!(
        waiter.status.code(),
        Some(1),
        "the waiter must fail as a runtime error"
    );
    let err = String::from_utf8_lossy(&waiter.stderr);
    assert!(
        err.contains("timed out after 1s waiting for the migration lock"),
        "{err}"
    );
    assert!(err.contains("held by"), "{err}");
});

each_dialect!(
    a_reverted_revision_is_unapplied_with_its_stored_down_section,
    |dialect| {
        let url = fresh(dialect).await;
        let mut db = connect(&url).await;
        let opts = Options::default();
        run(&mut db, &abc(false), "c", Mode::Upgrade, &opts)
            .await
            .unwrap();
        // A Git revert removes c's file; the target goes back to b.
        let reverted = set(&[
        ("1_a.sql", "-- revision: a\n-- message: create a\n-- migrate:up\nCREATE TABLE t_a (id INT, note VARCHAR(20));\nINSERT INTO t_a VALUES (1, 'x;y');\n-- migrate:down\nDROP TABLE t_a;\n"),
        ("2_b.sql", "-- revision: b\n-- down_revision: a\n-- migrate:up\nCREATE TABLE t_b (id INT);\n-- migrate:down\nDROP TABLE t_b;\n"),
    ]);
        // The orphan is still applied and known from the history: targeting
        // it changes nothing.
        assert_eq!(
            run(&mut db, &reverted, "c", Mode::Declarative, &opts)
                .await
                .unwrap(),
            vec!["c"]
        );
        assert!(table_exists(&mut db, "t_c").await);
        assert_eq!(
            run(&mut db, &reverted, "b", Mode::Declarative, &opts)
                .await
                .unwrap(),
            vec!["b"]
        );
        assert_eq!(rows(&mut db).await, vec!["b"]);
        assert!(
            !table_exists(&mut db, "t_c").await,
            "c's stored down section ran"
        );
        assert!(table_exists(&mut db, "t_b").await);
        let last = history(&mut db).await.pop().unwrap();
        assert_eq!(
            (
                last.direction.as_str(),
                last.revision.as_str(),
                last.success
            ),
            ("down", "c", Some(true))
        );
    }
);

each_dialect!(a_row_nobody_knows_is_reported, |dialect| {
    let url = fresh(dialect).await;
    let mut db = connect(&url).await;
    let opts = Options::default();
    run(&mut db, &abc(false), "a", Mode::Upgrade, &opts)
        .await
        .unwrap();
    with_backend!(&mut db, |b| b
        .execute("INSERT INTO revisor_version (version_num) VALUES ('zz9')")
        .await)
    .unwrap();
    let err = run(&mut db, &abc(false), "c", Mode::Upgrade, &opts)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ExecError::Unknown(ref r) if r == "zz9"),
        "{err}"
    );
});

each_dialect!(
    a_statement_timeout_cancels_a_long_statement_where_supported,
    |dialect| {
        let url = fresh(dialect).await;
        let mut db = connect(&url).await;
        let slow = match dialect {
            Dialect::Postgres => "SELECT pg_sleep(5);",
            Dialect::MySql => "SELECT SLEEP(5) FROM t_a;",
            Dialect::Sqlite => "SELECT 1;",
        };
        let g = set(&[
        ("1.sql", "-- revision: a\n-- migrate:up\nCREATE TABLE t_a (id INT);\nINSERT INTO t_a VALUES (1);\n-- migrate:down\nDROP TABLE t_a;\n"),
        ("2.sql", &format!("-- revision: b\n-- down_revision: a\n-- migrate:up\n{slow}\n-- migrate:down\nSELECT 1;\n")),
    ]);
        let opts = Options {
            statement_timeout: Some(Duration::from_secs(1)),
            ..Options::default()
        };
        let t0 = std::time::Instant::now();
        let err = run(&mut db, &g, "b", Mode::Upgrade, &opts)
            .await
            .unwrap_err();
        match dialect {
            Dialect::Sqlite => assert!(matches!(err, ExecError::Unsupported(_)), "{err}"),
            _ => {
                assert!(
                    matches!(err, ExecError::Step { ref revision, .. } if revision == "b"),
                    "{err}"
                );
                assert!(
                    t0.elapsed() < Duration::from_secs(4),
                    "the statement ran its full 5 s: {:?}",
                    t0.elapsed()
                );
                assert_eq!(rows(&mut db).await, vec!["a"]);
            }
        }
    }
);

/// Runs the `revisor` binary with `REVISOR_DATABASE_URL` set, asserts it
/// succeeds, and returns its stdout.
fn cli(url: &str, args: &[&str]) -> String {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_revisor"))
        .args(args)
        .env("REVISOR_DATABASE_URL", url)
        .output()
        .expect("revisor runs");
    let (out, err) = (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    );
    assert!(o.status.success(), "revisor {args:?} failed: {err}{out}");
    out
}

each_dialect!(every_database_command_works_through_the_binary, |dialect| {
    let url = fresh(dialect).await;
    let qs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/quickstart");
    let dir = qs.join("migrations");
    let dir = dir.to_str().unwrap();
    // The concurrent index is an operation revision: `head` runs everywhere.
    let top = "0007_status_idx";
    assert!(cli(&url, &["upgrade", top, "--dir", dir]).contains(&format!("At [{top}]")));
    assert!(cli(&url, &["current", "--dir", dir]).starts_with(top));
    let history = cli(&url, &["history"]);
    assert!(
        history.contains("0001_customers") && history.contains(top),
        "{history}"
    );
    assert!(cli(
        &url,
        &["plan", "0003_orders", "--dir", dir, "--database", &url]
    )
    .contains(&format!("from [{top}] to [0003_orders]")));
    assert!(cli(&url, &["graph", "--dir", dir, "--database", &url])
        .contains("\"0001_customers\" [label=\"0001_customers\\ncreate customers\", style=filled"));
    assert!(cli(
        &url,
        &["wait", "--revision", "0003_orders", "--timeout", "5"]
    )
    .contains("0003_orders applied"));
    assert!(cli(&url, &["downgrade", "0003_orders", "--dir", dir]).contains("At [0003_orders]"));
    let manifest = qs.join("databaseschema.yaml");
    let status = cli(
        &url,
        &[
            "apply",
            "-f",
            manifest.to_str().unwrap(),
            "--dir",
            dir,
            "--database",
            &url,
        ],
    );
    assert!(
        status.contains("phase: Ready") && status.contains("- 0007_status_idx"),
        "{status}"
    );
    assert!(cli(&url, &["stamp", "0007_status_idx", "--dir", dir]).contains("[0007_status_idx]"));
    assert!(cli(&url, &["resolve"]).contains("0 dirty step(s)"));
    cli(&url, &["downgrade", "base", "--dir", dir]);
    assert!(cli(&url, &["current", "--dir", dir]).starts_with("base"));
    let mut db = connect(&url).await;
    assert!(
        !table_exists(&mut db, "customers").await,
        "everything was unapplied"
    );
});

each_dialect!(
    a_shutdown_stops_a_plan_between_steps_and_releases_the_lock,
    |dialect| {
        let url = fresh(dialect).await;
        let mut db = connect(&url).await;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let opts = Options {
            stop: Some(stop.clone()),
            ..Options::default()
        };
        let g = abc(false);
        // The signal arrives while the first step runs.
        let mut on_event = |e: executor::Event| {
            if let executor::Event::StepFinished { .. } = e {
                stop.store(true, Ordering::SeqCst);
            }
        };
        let err = session(&mut db, &opts)
            .run(&g, "c", Mode::Upgrade, &mut on_event)
            .await
            .unwrap_err();
        assert!(
            matches!(err, ExecError::Interrupted { completed: 1 }),
            "{err}"
        );
        assert_eq!(
            rows(&mut db).await,
            vec!["a"],
            "the running step finished, no later one started"
        );
        // The lock was released: another run takes it at once and resumes.
        let quick = Options {
            lock_timeout: Duration::from_secs(1),
            ..Options::default()
        };
        assert_eq!(
            run(&mut connect(&url).await, &g, "c", Mode::Upgrade, &quick)
                .await
                .unwrap(),
            vec!["c"]
        );
    }
);

each_dialect!(a_refused_run_leaves_the_database_as_it_was, |dialect| {
    let url = fresh(dialect).await;
    let mut db = connect(&url).await;
    let g = abc(false);
    let manual = Options {
        approved_plan: Some(String::new()),
        ..Options::default()
    };
    let refusals = [
        (
            run(&mut db, &g, "nope", Mode::Declarative, &Options::default()).await,
            "InvalidTarget",
        ),
        (
            run(&mut db, &g, "c", Mode::Declarative, &manual).await,
            "AwaitingApproval",
        ),
        (
            run(
                &mut db,
                &set(&[]),
                "head",
                Mode::Declarative,
                &Options::default(),
            )
            .await,
            "EmptyMigrationSet",
        ),
    ];
    for (result, reason) in refusals {
        use revisor::outcome::Classify;
        let e = result.unwrap_err();
        assert_eq!(e.class().reason, reason, "{e}");
    }
    let stamp = session(&mut db, &Options::default())
        .stamp(&g, "nope", false)
        .await;
    assert!(stamp.is_err());
    let resolved = session(&mut db, &Options::default()).resolve().await;
    assert_eq!(resolved.unwrap(), 0);
    // Through the binary too: each command refuses and writes nothing.
    let dir = std::env::temp_dir().join(format!(
        "revisor-refused-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("1_a.sql"), "-- revision: a\n-- migrate:up\nCREATE TABLE t_a (id INT);\n-- migrate:down\nDROP TABLE t_a;\n").unwrap();
    let d = dir.to_str().unwrap();
    for args in [
        vec!["upgrade", "nope", "--dir", d],
        vec!["stamp", "nope", "--dir", d],
        vec!["downgrade", "nope", "--dir", d],
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_revisor"))
            .args(&args)
            .env("REVISOR_DATABASE_URL", &url)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let manifest = dir.join("manual.yaml");
    std::fs::write(&manifest, "apiVersion: revisor.dev/v1alpha1\nkind: DatabaseSchema\nmetadata: {name: m}\nspec:\n  targetRevision: head\n  approval: Manual\n  database: {urlSecretRef: {name: s, key: url}}\n  migrations: {inline: {files: {}}}\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_revisor"))
        .args(["apply", "-f", manifest.to_str().unwrap(), "--dir", d])
        .env("REVISOR_DATABASE_URL", &url)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("phase: AwaitingApproval"));
    assert!(
        !table_exists(&mut db, "revisor_version").await,
        "no version table"
    );
    assert!(
        !table_exists(&mut db, "revisor_version_history").await,
        "no history table"
    );
    assert!(!table_exists(&mut db, "t_a").await);
});

/// Advisory locks are per database: DatabaseSchemas sharing one through
/// their own schemas (`search_path` in the URL) each lock their own version
/// table, while two runs in one schema still exclude each other.
#[tokio::test]
async fn version_tables_in_two_schemas_lock_apart_on_postgres() {
    let url = fresh(Dialect::Postgres).await;
    let mut admin = connect(&url).await;
    with_backend!(&mut admin, |b| b
        .execute("CREATE SCHEMA tenant_a; CREATE SCHEMA tenant_b")
        .await)
    .unwrap();
    let at = |schema: &str| format!("{url}?options=-c%20search_path%3D{schema}");
    let mut a = connect(&at("tenant_a")).await;
    let mut b = connect(&at("tenant_b")).await;
    let mut a2 = connect(&at("tenant_a")).await;
    let hold = Duration::from_secs(1);
    with_backend!(&mut a, |x| x.lock("revisor_version", hold).await).unwrap();
    with_backend!(&mut b, |x| x.lock("revisor_version", hold).await)
        .expect("another schema's version table is another lock");
    let second = with_backend!(&mut a2, |x| x.lock("revisor_version", hold).await);
    assert!(
        matches!(second, Err(revisor::db::DbError::LockTimeout { .. })),
        "{second:?}"
    );
    with_backend!(&mut a, |x| x.unlock().await).unwrap();
    with_backend!(&mut a2, |x| x.lock("revisor_version", hold).await).unwrap();
}
