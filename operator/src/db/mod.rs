//! Databases: one [`Backend`] trait, one file per dialect, and the version
//! and history tables written once for all of them ([`tables`]). I/O.
//!
//! A backend holds two connections: one that runs migrations and one that
//! only holds the migration lock, as a session lock (PostgreSQL advisory
//! lock, MySQL `GET_LOCK`) or an OS file lock beside a SQLite file. The lock
//! never keeps a transaction open, so `CREATE INDEX CONCURRENTLY` can run
//! while it is held, and it dies with its connection or process, so a
//! crashed run never leaves it behind.

pub mod introspect;
pub mod mysql;
pub mod pool;
pub mod postgres;
pub mod sqlite;
pub mod tables;

use crate::outcome::{Class, Classify};
use crate::redact::redact;
use pool::Pools;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

pub use crate::dialect::Dialect;

impl From<crate::dialect::UnknownScheme> for DbError {
    fn from(e: crate::dialect::UnknownScheme) -> Self {
        DbError::Scheme(e.0)
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
    /// No connection (refused, unreachable, too many clients, rejected).
    #[error("cannot connect to {url}: {reason}")]
    Connect {
        /// The URL, redacted.
        url: String,
        /// The driver's message, redacted.
        reason: String,
    },
    /// Every connection slot for the server stayed taken.
    #[error("no database connection free within {seconds}s (at most {max} per server, --max-db-connections)")]
    PoolTimeout {
        /// How long it waited.
        seconds: u64,
        /// The cap.
        max: usize,
    },
    /// The lock was not free within the timeout.
    #[error("timed out after {seconds}s waiting for the migration lock{}", .holder.as_deref().map(|h| format!(" (held by {h})")).unwrap_or_default())]
    LockTimeout {
        /// The timeout.
        seconds: u64,
        /// Who holds it, where the database can tell.
        holder: Option<String>,
    },
    /// The connection broke or the server is shutting down or out of
    /// connections: worth a retry.
    #[error("database unavailable: {0}")]
    Unavailable(String),
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

impl DbError {
    /// A failed connect to `describe` (a redacted URL).
    pub fn connect(describe: &str, e: &sqlx::Error) -> DbError {
        DbError::Connect {
            url: describe.to_owned(),
            reason: redact(&e.to_string()),
        }
    }

    /// Whether a retry may succeed without any change (see [`Classify`]).
    pub fn is_transient(&self) -> bool {
        self.class().disposition == crate::outcome::Disposition::Pending
    }
}

impl Classify for DbError {
    fn class(&self) -> Class {
        match self {
            DbError::Scheme(_) | DbError::Url { .. } => {
                crate::outcome::Reason::InvalidDatabaseUrl.class()
            }
            DbError::TableName(_) => crate::outcome::Reason::InvalidVersionTable.class(),
            DbError::Corrupt { .. } => crate::outcome::Reason::VersionTableCorrupt.class(),
            DbError::Connect { .. } | DbError::Unavailable(_) => {
                crate::outcome::Reason::DatabaseUnavailable.class()
            }
            DbError::PoolTimeout { .. } => crate::outcome::Reason::ConnectionsExhausted.class(),
            DbError::LockTimeout { .. } => crate::outcome::Reason::LockHeld.class(),
            DbError::Sql(_) => crate::outcome::Reason::DatabaseError.class(),
        }
    }
}

/// SQLSTATEs (and SQLite result codes) that a retry can outlive: class 08
/// connection exceptions, PostgreSQL's too_many_connections (53300) and
/// shutdown/startup states (57P01 to 57P03), and SQLite's BUSY and LOCKED.
fn transient_code(code: &str) -> bool {
    code.starts_with("08")
        || matches!(code, "53300" | "57P01" | "57P02" | "57P03")
        || matches!(code, "5" | "6" | "261" | "517" | "262")
}

impl From<sqlx::Error> for DbError {
    fn from(e: sqlx::Error) -> Self {
        let transient = match &e {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => true,
            sqlx::Error::Database(d) => d.code().is_some_and(|c| transient_code(&c)),
            _ => false,
        };
        let msg = redact(&e.to_string());
        if transient {
            DbError::Unavailable(msg)
        } else {
            DbError::Sql(msg)
        }
    }
}

/// One dialect's connections: raw SQL in, text out, and the migration lock.
///
/// Everything else (tables, plans, history) is written once on top of this.
/// Every future is `Send`, so a run can move between the operator's worker
/// threads.
pub trait Backend: Send {
    /// The dialect.
    fn dialect(&self) -> Dialect;

    /// Runs one statement (or a transaction-control command) as written,
    /// unprepared, on the migration connection; returns the rows affected.
    fn execute(&mut self, sql: &str) -> impl Future<Output = Result<u64, DbError>> + Send;

    /// Runs a query on the migration connection; every column must be text
    /// (cast it in SQL) and comes back as `None` for NULL.
    fn query(
        &mut self,
        sql: &str,
    ) -> impl Future<Output = Result<Vec<Vec<Option<String>>>, DbError>> + Send;

    /// Takes the migration lock for `name` on a connection of its own
    /// (from the same pool, counted against the same cap), waiting at most
    /// `timeout`.
    ///
    /// # Errors
    /// [`DbError::LockTimeout`] naming the holder where the database can tell.
    fn lock(
        &mut self,
        name: &str,
        timeout: Duration,
    ) -> impl Future<Output = Result<(), DbError>> + Send;

    /// Releases the migration lock (also released when the backend is
    /// dropped or the process dies).
    fn unlock(&mut self) -> impl Future<Output = Result<(), DbError>> + Send;

    /// Forgets the session state that migration SQL may have set (`SET`,
    /// temporary tables, a statement timeout) before the migration
    /// connection goes back to the pool; where that cannot be done
    /// reliably, the connection is closed instead.
    fn reset_session(&mut self) -> impl Future<Output = ()> + Send;

    /// The schema an operation revision's step is rendered against
    /// ([`crate::ops::render`]): a live database introspects itself (a
    /// complete model, Revisor's tables under `version_table` left out);
    /// an offline recorder returns what earlier steps of the run created.
    ///
    /// # Errors
    /// [`DbError`] when a catalog query fails.
    fn render_model(
        &mut self,
        version_table: &str,
    ) -> impl Future<Output = Result<crate::ops::render::Model, DbError>> + Send {
        let opts = introspect::Options {
            version_table: version_table.to_owned(),
            ..introspect::Options::default()
        };
        async move {
            Ok(match self.live_schema(&opts).await? {
                Some(schema) => crate::ops::render::Model {
                    schema,
                    complete: true,
                },
                None => crate::ops::render::Model::default(),
            })
        }
    }

    /// The live schema for a snapshot or a drift check (Revisor's and
    /// Alembic's bookkeeping tables left out); `None` offline, where there
    /// is no database to read.
    ///
    /// # Errors
    /// [`DbError`] when a catalog query fails.
    fn live_schema(
        &mut self,
        opts: &introspect::Options,
    ) -> impl Future<Output = Result<Option<crate::schema::Schema>, DbError>> + Send;

    /// Replaces a migration connection that broke (the server restarted,
    /// an administrator terminated it) with a new one from the pool, so
    /// that the run can record what happened; where the connection cannot
    /// break that way (SQLite, a recorder) it does nothing.
    ///
    /// # Errors
    /// [`DbError`] when no connection can be had.
    fn reconnect(&mut self) -> impl Future<Output = Result<(), DbError>> + Send {
        std::future::ready(Ok(()))
    }

    /// Keeps the model as a step's operations left it, for the next step
    /// (offline); a live database is introspected again instead.
    fn keep_model(&mut self, _model: crate::ops::render::Model) {}

    /// Whether this backend records a script instead of running it.
    fn offline(&self) -> bool {
        false
    }
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
    /// Opens `url` with a migration connection from `pools`, choosing the
    /// dialect by its scheme. SQLite files are created when missing.
    ///
    /// # Errors
    /// [`DbError::Scheme`], [`DbError::Url`], [`DbError::Connect`] or
    /// [`DbError::PoolTimeout`], all with the URL redacted.
    pub async fn open(pools: &Arc<Pools>, url: &str) -> Result<Database, DbError> {
        Ok(match Dialect::from_url(url)? {
            Dialect::Postgres => Database::Postgres(postgres::PgBackend::open(pools, url).await?),
            Dialect::MySql => Database::MySql(mysql::MyBackend::open(pools, url).await?),
            Dialect::Sqlite => Database::Sqlite(sqlite::LiteBackend::open(pools, url).await?),
        })
    }

    /// Opens `url` on pools of its own (for a one-off command): see
    /// [`Database::open`].
    ///
    /// # Errors
    /// As [`Database::open`].
    pub async fn connect(url: &str) -> Result<Database, DbError> {
        Database::open(&Arc::new(Pools::new(pool::PoolConfig::default())), url).await
    }
}

/// The one place a [`Database`] dispatches to its dialect's backend: code
/// above `db` is written once against [`Backend`] and never matches on the
/// dialect. The dispatch costs a branch per call, against a round trip.
impl Backend for Database {
    fn dialect(&self) -> Dialect {
        crate::with_backend!(self, |b| b.dialect())
    }

    async fn execute(&mut self, sql: &str) -> Result<u64, DbError> {
        crate::with_backend!(self, |b| b.execute(sql).await)
    }

    async fn query(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, DbError> {
        crate::with_backend!(self, |b| b.query(sql).await)
    }

    async fn lock(&mut self, name: &str, timeout: Duration) -> Result<(), DbError> {
        crate::with_backend!(self, |b| b.lock(name, timeout).await)
    }

    async fn unlock(&mut self) -> Result<(), DbError> {
        crate::with_backend!(self, |b| b.unlock().await)
    }

    async fn reset_session(&mut self) {
        crate::with_backend!(self, |b| b.reset_session().await)
    }

    async fn reconnect(&mut self) -> Result<(), DbError> {
        crate::with_backend!(self, |b| b.reconnect().await)
    }

    async fn live_schema(
        &mut self,
        opts: &introspect::Options,
    ) -> Result<Option<crate::schema::Schema>, DbError> {
        crate::with_backend!(self, |b| b.live_schema(opts).await)
    }
}

/// A borrowed backend is a backend: a [`crate::executor::Session`] can
/// work on a database its caller keeps (tests, a command that reads
/// before it runs).
impl<B: Backend> Backend for &mut B {
    fn dialect(&self) -> Dialect {
        (**self).dialect()
    }

    fn execute(&mut self, sql: &str) -> impl Future<Output = Result<u64, DbError>> + Send {
        (**self).execute(sql)
    }

    fn query(
        &mut self,
        sql: &str,
    ) -> impl Future<Output = Result<Vec<Vec<Option<String>>>, DbError>> + Send {
        (**self).query(sql)
    }

    fn lock(
        &mut self,
        name: &str,
        timeout: Duration,
    ) -> impl Future<Output = Result<(), DbError>> + Send {
        (**self).lock(name, timeout)
    }

    fn unlock(&mut self) -> impl Future<Output = Result<(), DbError>> + Send {
        (**self).unlock()
    }

    fn reset_session(&mut self) -> impl Future<Output = ()> + Send {
        (**self).reset_session()
    }

    fn reconnect(&mut self) -> impl Future<Output = Result<(), DbError>> + Send {
        (**self).reconnect()
    }

    fn render_model(
        &mut self,
        version_table: &str,
    ) -> impl Future<Output = Result<crate::ops::render::Model, DbError>> + Send {
        (**self).render_model(version_table)
    }

    fn live_schema(
        &mut self,
        opts: &introspect::Options,
    ) -> impl Future<Output = Result<Option<crate::schema::Schema>, DbError>> + Send {
        (**self).live_schema(opts)
    }

    fn keep_model(&mut self, model: crate::ops::render::Model) {
        (**self).keep_model(model);
    }

    fn offline(&self) -> bool {
        (**self).offline()
    }
}

impl introspect::Introspect for Database {
    async fn introspect(
        &mut self,
        opts: &introspect::Options,
    ) -> Result<crate::schema::Schema, DbError> {
        crate::with_backend!(self, |b| introspect::Introspect::introspect(b, opts).await)
    }

    async fn row_estimates(
        &mut self,
        tables: &std::collections::BTreeSet<String>,
    ) -> Result<introspect::RowEstimates, DbError> {
        crate::with_backend!(self, |b| introspect::Introspect::row_estimates(b, tables)
            .await)
    }

    async fn lint_facts(&mut self) -> Result<introspect::LintFacts, DbError> {
        crate::with_backend!(self, |b| introspect::Introspect::lint_facts(b).await)
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

/// Defines `exec` and `query` on one dialect's connection type, returning
/// boxed `Send` futures. sqlx's executor futures are `Send`, but rustc cannot
/// prove it for an `async fn` that borrows the connection (higher-ranked
/// lifetimes, rust-lang/rust#110338); boxing them at a concrete lifetime
/// settles it. One macro, because sqlx 0.8 has no trait common to the
/// dialects' `rows_affected`.
macro_rules! boxed_io {
    ($conn:ty) => {
        type BoxFut<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

        /// Runs `sql` unprepared; the rows affected.
        fn exec<'a>(conn: &'a mut $conn, sql: &'a str) -> BoxFut<'a, Result<u64, DbError>> {
            // Executor's own methods return BoxFutures that are Send by type.
            let fut = sqlx::Executor::execute(conn, sqlx::raw_sql(sql));
            Box::pin(async move { Ok(fut.await?.rows_affected()) })
        }

        /// Runs `sql` unprepared; every column as text.
        fn query<'a>(
            conn: &'a mut $conn,
            sql: &'a str,
        ) -> BoxFut<'a, Result<Vec<Vec<Option<String>>>, DbError>> {
            let fut = sqlx::Executor::fetch_all(conn, sqlx::raw_sql(sql));
            Box::pin(async move { super::text_rows(fut.await?) })
        }
    };
}
pub(crate) use boxed_io;

/// The [`Backend`] methods every connection-backed dialect writes the same
/// way, on top of [`boxed_io!`]'s `exec` and `query` and the backend's
/// `conn` (a pooled connection that classifies errors): run, query, and
/// the live schema by its own introspection.
macro_rules! backend_io {
    () => {
        async fn execute(&mut self, sql: &str) -> Result<u64, DbError> {
            let r = exec(self.conn.conn(), sql).await;
            self.conn.check(r)
        }

        async fn query(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, DbError> {
            let r = query(self.conn.conn(), sql).await;
            self.conn.check(r)
        }

        async fn live_schema(
            &mut self,
            opts: &super::introspect::Options,
        ) -> Result<Option<crate::schema::Schema>, DbError> {
            super::introspect::Introspect::introspect(self, opts)
                .await
                .map(Some)
        }
    };
}
pub(crate) use backend_io;

/// A backend dropped while it holds the lock (a run cancelled mid-way)
/// closes the lock's connection instead of pooling it: closing the
/// session releases the lock.
macro_rules! drop_releases_lock {
    ($backend:ty) => {
        impl Drop for $backend {
            fn drop(&mut self) {
                if let Some((conn, _)) = self.lock.as_mut() {
                    conn.discard();
                }
            }
        }
    };
}
pub(crate) use drop_releases_lock;

/// The key of a URL's idle list: its SHA-256, so that the pools never
/// keep a password in a map key.
pub(crate) fn url_key(url: &str) -> String {
    use sha2::{Digest, Sha256};
    crate::sqltext::hex(&Sha256::digest(url.as_bytes()))
}

/// Every column of `rows` as text (`None` for NULL): the shared body of
/// each dialect's [`Backend::query`].
pub(crate) fn text_rows<R: sqlx::Row>(rows: Vec<R>) -> Result<Vec<Vec<Option<String>>>, DbError>
where
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    usize: sqlx::ColumnIndex<R>,
{
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
            matches!(Dialect::from_url("oracle://h"), Err(crate::dialect::UnknownScheme(s)) if s == "oracle")
        );
    }
}
