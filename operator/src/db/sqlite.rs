//! SQLite: the lock is an OS file lock on `<database file>.revisor-lock`
//! (released by the OS when the process ends); an in-memory database is
//! private to its connection and needs none. The pool's "server" is the file.

use super::pool::{Pooled, Pools};
use super::{poll_until, url_key, Backend, DbError, Dialect};
use crate::redact::redact;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::ConnectOptions;
use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// A SQLite database: one pooled connection and, for a file, a lock file.
#[derive(Debug)]
pub struct LiteBackend {
    conn: Pooled<SqliteConnection>,
    path: Option<PathBuf>,
    lock_file: Option<File>,
}

impl LiteBackend {
    /// Opens the database, creating the file when missing.
    ///
    /// # Errors
    /// [`DbError::Url`] or [`DbError::Connect`].
    pub async fn open(pools: &Arc<Pools>, url: &str) -> Result<LiteBackend, DbError> {
        let describe = redact(url);
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| DbError::Url {
                url: describe.clone(),
                reason: e.to_string(),
            })?
            .create_if_missing(true)
            .disable_statement_logging();
        let name = options.get_filename().to_path_buf();
        let in_memory = url.contains(":memory:")
            || name.as_os_str().is_empty()
            || name.to_string_lossy().contains(":memory:");
        let server = format!("sqlite:{}", name.display());
        let conn = pools
            .acquire::<SqliteConnection>(&server, &url_key(url), &options, &describe)
            .await?;
        Ok(LiteBackend {
            conn,
            path: (!in_memory).then_some(name),
            lock_file: None,
        })
    }
}

super::boxed_io!(SqliteConnection);

impl Backend for LiteBackend {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    super::backend_io!();

    async fn lock(&mut self, name: &str, timeout: Duration) -> Result<(), DbError> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let lock_path = PathBuf::from(format!("{}.{name}.revisor-lock", path.display()));
        let io =
            |e: std::io::Error| DbError::Sql(format!("lock file {}: {e}", lock_path.display()));
        let mut file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(io)?;
        let got = poll_until(timeout, || {
            let r = match file.try_lock() {
                Ok(()) => Ok(true),
                Err(std::fs::TryLockError::WouldBlock) => Ok(false),
                Err(std::fs::TryLockError::Error(e)) => Err(io(e)),
            };
            std::future::ready(r)
        })
        .await?;
        if !got {
            let mut pid = String::new();
            let _ = file.read_to_string(&mut pid);
            let holder = (!pid.trim().is_empty())
                .then(|| format!("process {} ({})", pid.trim(), lock_path.display()));
            return Err(DbError::LockTimeout {
                seconds: timeout.as_secs(),
                holder,
            });
        }
        // Say who holds it, for the next one who waits.
        let _ = file
            .set_len(0)
            .and_then(|_| file.rewind())
            .and_then(|_| write!(file, "{}", std::process::id()));
        self.lock_file = Some(file);
        Ok(())
    }

    async fn unlock(&mut self) -> Result<(), DbError> {
        if let Some(file) = self.lock_file.take() {
            let _ = file.set_len(0);
            file.unlock()
                .map_err(|e| DbError::Sql(format!("releasing the lock file: {e}")))?;
        }
        Ok(())
    }

    async fn reset_session(&mut self) {
        // PRAGMAs and temporary tables stay with a connection; a new one to
        // a file costs microseconds.
        self.conn.discard();
    }
}
