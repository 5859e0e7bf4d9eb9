//! Databases: one [`Backend`] trait, one file per dialect, and the version
//! and history tables written once for all of them ([`tables`]). I/O.
//!
//! A backend holds two connections: one that runs migrations and one that
//! only holds the migration lock, as a session lock (PostgreSQL advisory
//! lock, MySQL `GET_LOCK`) or an OS file lock beside a SQLite file. The lock
//! never keeps a transaction open, so `CREATE INDEX CONCURRENTLY` can run
//! while it is held, and it dies with its connection or process, so a
//! crashed run never leaves it behind.

pub mod mysql;
pub mod postgres;
pub mod sqlite;
pub mod tables;

use crate::redact::redact;
use std::time::Duration;

/// Which SQL dialect a database speaks, from its URL scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// `postgres://` or `postgresql://`.
    Postgres,
    /// `mysql://` or `mariadb://` (MySQL and MariaDB).
    MySql,
    /// `sqlite://` (a file, or `sqlite::memory:`).
    Sqlite,
}

impl Dialect {
    /// The dialect of `url`, by its scheme.
    ///
    /// # Errors
    /// [`DbError::Scheme`] for any other scheme.
    pub fn from_url(url: &str) -> Result<Dialect, DbError> {
        let scheme = url.split(':').next().unwrap_or("");
        match scheme {
            "postgres" | "postgresql" => Ok(Dialect::Postgres),
            "mysql" | "mariadb" => Ok(Dialect::MySql),
            "sqlite" => Ok(Dialect::Sqlite),
            _ => Err(DbError::Scheme(scheme.to_owned())),
        }
    }

    /// Whether DDL runs inside transactions (MySQL commits implicitly).
    pub fn transactional_ddl(self) -> bool {
        self != Dialect::MySql
    }
}

/// A database failure. Messages never carry a password: URLs and driver
/// messages pass through [`redact`].
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// A URL scheme that is not postgres, mysql or sqlite.
    #[error("unsupported database URL scheme `{0}`: use postgres://, mysql:// or sqlite://")]
    Scheme(String),
    /// The URL does not parse.
    #[error("invalid database URL {url}: {reason}")]
    Url {
        /// The URL, redacted.
        url: String,
        /// Why.
        reason: String,
    },
    /// No connection.
    #[error("cannot connect to {url}: {reason}")]
    Connect {
        /// The URL, redacted.
        url: String,
        /// The driver's message, redacted.
        reason: String,
    },
    /// The lock was not free within the timeout.
    #[error("timed out after {seconds}s waiting for the migration lock{}", .holder.as_deref().map(|h| format!(" (held by {h})")).unwrap_or_default())]
    LockTimeout {
        /// The timeout.
        seconds: u64,
        /// Who holds it, where the database can tell.
        holder: Option<String>,
    },
    /// A statement failed.
    #[error("{0}")]
    Sql(String),
    /// A version table name that is not a plain identifier.
    #[error("invalid version table name `{0}`: use 1 to 54 characters of [A-Za-z0-9_], not starting with a digit")]
    TableName(String),
    /// The database holds something Revisor cannot read.
    #[error("unexpected content in {table}: {reason}")]
    Corrupt {
        /// The table.
        table: String,
        /// What is wrong.
        reason: String,
    },
}

impl From<sqlx::Error> for DbError {
    fn from(e: sqlx::Error) -> Self {
        DbError::Sql(redact(&e.to_string()))
    }
}

/// One dialect's connections: raw SQL in, text out, and the migration lock.
///
/// Everything else (tables, plans, history) is written once on top of this.
#[allow(async_fn_in_trait)]
pub trait Backend {
    /// The dialect.
    fn dialect(&self) -> Dialect;

    /// Runs one statement (or a transaction-control command) as written,
    /// unprepared, on the migration connection; returns the rows affected.
    async fn execute(&mut self, sql: &str) -> Result<u64, DbError>;

    /// Runs a query on the migration connection; every column must be text
    /// (cast it in SQL) and comes back as `None` for NULL.
    async fn query(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, DbError>;

    /// Takes the migration lock for `name` on the lock connection, waiting
    /// at most `timeout`.
    ///
    /// # Errors
    /// [`DbError::LockTimeout`] naming the holder where the database can tell.
    async fn lock(&mut self, name: &str, timeout: Duration) -> Result<(), DbError>;

    /// Releases the migration lock (also released when the backend is
    /// dropped or the process dies).
    async fn unlock(&mut self) -> Result<(), DbError>;
}

/// An open database of any dialect. Use [`with_backend!`](crate::with_backend)
/// to run code generic over [`Backend`] on it.
#[derive(Debug)]
pub enum Database {
    /// PostgreSQL.
    Postgres(postgres::PgBackend),
    /// MySQL or MariaDB.
    MySql(mysql::MyBackend),
    /// SQLite.
    Sqlite(sqlite::LiteBackend),
}

impl Database {
    /// Connects to `url`, choosing the dialect by its scheme. SQLite files
    /// are created when missing.
    ///
    /// # Errors
    /// [`DbError::Scheme`], [`DbError::Url`] or [`DbError::Connect`], all
    /// with the URL redacted.
    pub async fn connect(url: &str) -> Result<Database, DbError> {
        Ok(match Dialect::from_url(url)? {
            Dialect::Postgres => Database::Postgres(postgres::PgBackend::connect(url).await?),
            Dialect::MySql => Database::MySql(mysql::MyBackend::connect(url).await?),
            Dialect::Sqlite => Database::Sqlite(sqlite::LiteBackend::connect(url).await?),
        })
    }
}

/// Runs `$body` with `$b` bound to the [`Backend`] inside a [`Database`].
#[macro_export]
macro_rules! with_backend {
    ($db:expr, |$b:ident| $body:expr) => {
        match $db {
            $crate::db::Database::Postgres($b) => $body,
            $crate::db::Database::MySql($b) => $body,
            $crate::db::Database::Sqlite($b) => $body,
        }
    };
}

/// Runs `sql` unprepared and returns every column as text (`None` for
/// NULL): the shared body of each dialect's [`Backend::query`].
pub(crate) async fn query_text<'c, DB, E>(
    conn: E,
    sql: &'c str,
) -> Result<Vec<Vec<Option<String>>>, DbError>
where
    DB: sqlx::Database,
    E: sqlx::Executor<'c, Database = DB>,
    for<'r> Option<String>: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
{
    use sqlx::Row;
    let rows = sqlx::raw_sql(sql).fetch_all(conn).await?;
    rows.iter()
        .map(|r| {
            (0..r.len())
                .map(|i| r.try_get::<Option<String>, _>(i).map_err(DbError::from))
                .collect()
        })
        .collect()
}

/// Polls `attempt` until it returns `true` or `timeout` passes, sleeping
/// [`LOCK_POLL`] between tries; the lock primitives that cannot wait by
/// themselves use it.
pub(crate) async fn poll_until<F, Fut>(timeout: Duration, mut attempt: F) -> Result<bool, DbError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<bool, DbError>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if attempt().await? {
            return Ok(true);
        }
        if tokio::time::Instant::now() >= deadline {
            return Ok(false);
        }
        tokio::time::sleep(LOCK_POLL).await;
    }
}

/// How often a waiting run asks for the lock again: short enough that a
/// queue of runs moves on within a tenth of a second of a release, long
/// enough to cost the database nothing measurable.
pub const LOCK_POLL: Duration = Duration::from_millis(100);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialect_comes_from_the_scheme() {
        assert_eq!(
            Dialect::from_url("postgres://h/db").unwrap(),
            Dialect::Postgres
        );
        assert_eq!(
            Dialect::from_url("postgresql://h/db").unwrap(),
            Dialect::Postgres
        );
        assert_eq!(Dialect::from_url("mysql://h/db").unwrap(), Dialect::MySql);
        assert_eq!(Dialect::from_url("mariadb://h/db").unwrap(), Dialect::MySql);
        assert_eq!(Dialect::from_url("sqlite://x.db").unwrap(), Dialect::Sqlite);
        assert_eq!(
            Dialect::from_url("sqlite::memory:").unwrap(),
            Dialect::Sqlite
        );
        assert!(
            matches!(Dialect::from_url("oracle://h"), Err(DbError::Scheme(s)) if s == "oracle")
        );
    }
}
