//! PostgreSQL: the lock is a session-level advisory lock on a second
//! pooled connection (`pg_try_advisory_lock`, polled until the timeout),
//! keyed by the version table's name.

use super::pool::{Pooled, Pools};
use super::{url_key, Backend, DbError, Dialect, LOCK_POLL};
use crate::redact::redact;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::ConnectOptions;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// A PostgreSQL database: a migration connection and, while locked, a lock
/// connection, both from [`Pools`].
pub struct PgBackend {
    conn: Pooled<PgConnection>,
    lock: Option<(Pooled<PgConnection>, i64)>,
    options: PgConnectOptions,
    pools: Arc<Pools>,
    server: String,
    url_key: String,
    describe: String,
}

impl std::fmt::Debug for PgBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgBackend")
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

/// What session state migration SQL can leave behind, undone: role,
/// settings (`statement_timeout` included; `application_name` returns to
/// the connection's own), cursors, listens, temporary tables and sequences.
/// Not `DISCARD ALL`, which would also drop the driver's prepared statements.
const RESET_SESSION: &str = "SET SESSION AUTHORIZATION DEFAULT; RESET ALL; CLOSE ALL; UNLISTEN *; DISCARD TEMP; DISCARD SEQUENCES";

impl PgBackend {
    /// Opens `url` with a migration connection from `pools` (the lock
    /// connection comes on first [`Backend::lock`]).
    ///
    /// # Errors
    /// [`DbError::Url`], [`DbError::Connect`] or [`DbError::PoolTimeout`],
    /// the URL redacted.
    pub async fn open(pools: &Arc<Pools>, url: &str) -> Result<PgBackend, DbError> {
        let describe = redact(url);
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| DbError::Url {
                url: describe.clone(),
                reason: redact(&e.to_string()),
            })?
            .application_name("revisor")
            .disable_statement_logging();
        let server = format!("postgres://{}:{}", options.get_host(), options.get_port());
        let url_key = url_key(url);
        let conn = pools
            .acquire::<PgConnection>(&server, &url_key, &options, &describe)
            .await?;
        Ok(PgBackend {
            conn,
            lock: None,
            options,
            pools: pools.clone(),
            server,
            url_key,
            describe,
        })
    }

    /// Who holds advisory lock `key`: pid, application and client address.
    async fn holder(conn: &mut PgConnection, key: i64) -> Option<String> {
        let sql = format!(
            "SELECT a.pid::text, coalesce(a.application_name, ''), coalesce(a.client_addr::text, 'local') \
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 \
             AND ((l.classid::bigint << 32) | l.objid::bigint) = {key}"
        );
        let rows = query(conn, &sql).await.ok()?;
        let row = rows.first()?;
        let get = |i: usize| row.get(i).cloned().flatten();
        let (pid, app, addr) = (get(0)?, get(1)?, get(2)?);
        Some(format!(
            "PostgreSQL backend pid {pid}, application `{app}`, client {addr}"
        ))
    }

    async fn try_lock(
        conn: &mut Pooled<PgConnection>,
        key: i64,
        timeout: Duration,
    ) -> Result<bool, DbError> {
        let sql = format!("SELECT pg_try_advisory_lock({key})::text");
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let rows = query(conn.conn(), &sql).await?;
            if rows
                .first()
                .and_then(|r| r.first())
                .cloned()
                .flatten()
                .as_deref()
                == Some("true")
            {
                return Ok(true);
            }
            if tokio::time::Instant::now() >= deadline {
                return Ok(false);
            }
            tokio::time::sleep(LOCK_POLL).await;
        }
    }
}

super::boxed_io!(PgConnection);

/// The advisory lock key of the version table `name` in `schema` (the
/// connection's `current_schema()`). Advisory locks are per database, so
/// DatabaseSchemas that share one through their own schemas (`search_path`)
/// must not share a key: `public` keeps the key of the name alone (what
/// earlier versions took), any other schema is part of the key.
fn schema_lock_key(schema: &str, name: &str) -> i64 {
    if schema == "public" {
        lock_key(name)
    } else {
        lock_key(&format!("{schema}.{name}"))
    }
}

/// The advisory lock key for a lock name: the first 8 bytes of its SHA-256.
fn lock_key(name: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("revisor:{name}").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

impl Backend for PgBackend {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    super::backend_io!();

    async fn reconnect(&mut self) -> Result<(), DbError> {
        self.conn = self
            .pools
            .acquire::<PgConnection>(&self.server, &self.url_key, &self.options, &self.describe)
            .await?;
        Ok(())
    }

    async fn lock(&mut self, name: &str, timeout: Duration) -> Result<(), DbError> {
        let mut conn = self
            .pools
            .acquire::<PgConnection>(&self.server, &self.url_key, &self.options, &self.describe)
            .await?;
        let schema = match query(conn.conn(), "SELECT current_schema()").await {
            Ok(rows) => rows
                .into_iter()
                .next()
                .and_then(|r| r.into_iter().next())
                .flatten()
                .unwrap_or_else(|| "public".to_owned()),
            Err(e) => {
                conn.discard();
                return Err(e);
            }
        };
        let key = schema_lock_key(&schema, name);
        match Self::try_lock(&mut conn, key, timeout).await {
            Ok(true) => {
                self.lock = Some((conn, key));
                Ok(())
            }
            Ok(false) => {
                let holder = Self::holder(conn.conn(), key).await;
                Err(DbError::LockTimeout {
                    seconds: timeout.as_secs(),
                    holder,
                })
            }
            Err(e) => {
                conn.discard();
                Err(e)
            }
        }
    }

    async fn unlock(&mut self) -> Result<(), DbError> {
        if let Some((mut conn, key)) = self.lock.take() {
            let sql = format!("SELECT pg_advisory_unlock({key})");
            if let Err(e) = exec(conn.conn(), &sql).await {
                // Closing the session releases the lock.
                conn.discard();
                return Err(e);
            }
        }
        Ok(())
    }

    async fn reset_session(&mut self) {
        if exec(self.conn.conn(), RESET_SESSION).await.is_err() {
            self.conn.discard();
        }
    }
}

super::drop_releases_lock!(PgBackend);

#[cfg(test)]
mod tests {
    #[test]
    fn lock_keys_differ_per_schema_and_public_keeps_the_old_key() {
        assert_eq!(
            super::schema_lock_key("public", "revisor_version"),
            super::lock_key("revisor_version")
        );
        assert_ne!(
            super::schema_lock_key("tenant_a", "revisor_version"),
            super::schema_lock_key("tenant_b", "revisor_version")
        );
        assert_ne!(
            super::schema_lock_key("tenant_a", "revisor_version"),
            super::lock_key("revisor_version")
        );
    }

    #[test]
    fn lock_keys_differ_per_table_and_are_stable() {
        assert_eq!(
            super::lock_key("revisor_version"),
            super::lock_key("revisor_version")
        );
        assert_ne!(
            super::lock_key("revisor_version"),
            super::lock_key("alembic_version")
        );
    }
}
