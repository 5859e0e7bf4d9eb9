//! Fresh databases on the test servers (`REVISOR_TEST_POSTGRES_URL`,
//! `REVISOR_TEST_MYSQL_URL`, which `scripts/test.sh` provides) and SQLite
//! files. A missing URL fails the test: a database CI promised is never
//! skipped silently.

#![allow(dead_code)]

use revisor::db::{Backend, Database, Dialect};
use revisor::with_backend;
use std::sync::atomic::{AtomicUsize, Ordering};

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// The server URL of `dialect` (its admin database); SQLite has none.
pub fn server(dialect: Dialect) -> Option<String> {
    let var = match dialect {
        Dialect::Sqlite => return None,
        Dialect::Postgres => "REVISOR_TEST_POSTGRES_URL",
        Dialect::MySql => "REVISOR_TEST_MYSQL_URL",
    };
    Some(std::env::var(var).unwrap_or_else(|_| {
        panic!("{var} is not set: run `bash scripts/test.sh`, which starts throwaway servers, or point {var} at a server")
    }))
}

/// A fresh, empty database of `dialect`; returns its URL.
pub async fn fresh(dialect: Dialect) -> String {
    let name = format!(
        "revisor_t_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let Some(base) = server(dialect) else {
        let dir = std::env::temp_dir().join("revisor-db-tests");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.db"));
        let _ = std::fs::remove_file(&path);
        return format!("sqlite://{}", path.display());
    };
    let mut admin = Database::connect(&base)
        .await
        .unwrap_or_else(|e| panic!("{base}: {e}"));
    with_backend!(&mut admin, |b| b
        .execute(&format!("CREATE DATABASE {name}"))
        .await)
    .unwrap();
    let (prefix, _) = base.rsplit_once('/').expect("URL with a database path");
    format!("{prefix}/{name}")
}

/// A session on `db` with `opts`: the engine's one way in, on a database
/// the test keeps.
pub fn session<'a>(
    db: &'a mut Database,
    opts: &revisor::executor::Options,
) -> revisor::executor::Session<&'a mut Database> {
    revisor::executor::Session::new(db, opts.clone()).expect("a valid version table")
}
