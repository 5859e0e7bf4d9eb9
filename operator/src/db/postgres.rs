//! PostgreSQL: the lock is a session-level advisory lock on a second
//! connection (`pg_try_advisory_lock`, polled until the timeout), keyed by
//! the version table's name.

use super::{Backend, DbError, Dialect, LOCK_POLL};
use crate::redact::redact;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Row};
use std::str::FromStr;
use std::time::Duration;

/// A PostgreSQL database: a migration connection and a lock connection.
#[derive(Debug)]
pub struct PgBackend {
    conn: PgConnection,
    lock_conn: Option<PgConnection>,
    options: PgConnectOptions,
    lock_key: Option<i64>,
}

impl PgBackend {
    /// Connects (the lock connection opens on first [`Backend::lock`]).
    ///
    /// # Errors
    /// [`DbError::Url`] or [`DbError::Connect`], the URL redacted.
    pub async fn connect(url: &str) -> Result<PgBackend, DbError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| DbError::Url {
                url: redact(url),
                reason: redact(&e.to_string()),
            })?
            .application_name("revisor")
            .disable_statement_logging();
        let conn = options.connect().await.map_err(|e| DbError::Connect {
            url: redact(url),
            reason: redact(&e.to_string()),
        })?;
        Ok(PgBackend {
            conn,
            lock_conn: None,
            options,
            lock_key: None,
        })
    }

    /// Who holds advisory lock `key`: pid, application and client address.
    async fn holder(&mut self, key: i64) -> Option<String> {
        let conn = self.lock_conn.as_mut()?;
        let sql = format!(
            "SELECT a.pid::text, coalesce(a.application_name, ''), coalesce(a.client_addr::text, 'local') \
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 \
             AND ((l.classid::bigint << 32) | l.objid::bigint) = {key}"
        );
        let rows = sqlx::raw_sql(&sql).fetch_all(conn).await.ok()?;
        let row = rows.first()?;
        let pid: String = row.try_get(0).ok()?;
        let app: String = row.try_get(1).ok()?;
        let addr: String = row.try_get(2).ok()?;
        Some(format!(
            "PostgreSQL backend pid {pid}, application `{app}`, client {addr}"
        ))
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

    async fn execute(&mut self, sql: &str) -> Result<u64, DbError> {
        Ok(sqlx::raw_sql(sql)
            .execute(&mut self.conn)
            .await?
            .rows_affected())
    }

    async fn query(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, DbError> {
        super::query_text(&mut self.conn, sql).await
    }

    async fn lock(&mut self, name: &str, timeout: Duration) -> Result<(), DbError> {
        if self.lock_conn.is_none() {
            self.lock_conn = Some(self.options.connect().await?);
        }
        let key = lock_key(name);
        let sql = format!("SELECT pg_try_advisory_lock({key})::text");
        let deadline = tokio::time::Instant::now() + timeout;
        let got = loop {
            let conn = self.lock_conn.as_mut().expect("lock connection is open");
            let row = sqlx::raw_sql(&sql).fetch_one(conn).await?;
            if row.try_get::<String, _>(0)? == "true" {
                break true;
            }
            if tokio::time::Instant::now() >= deadline {
                break false;
            }
            tokio::time::sleep(LOCK_POLL).await;
        };
        if !got {
            let holder = self.holder(key).await;
            return Err(DbError::LockTimeout {
                seconds: timeout.as_secs(),
                holder,
            });
        }
        self.lock_key = Some(key);
        Ok(())
    }

    async fn unlock(&mut self) -> Result<(), DbError> {
        if let (Some(key), Some(conn)) = (self.lock_key.take(), self.lock_conn.as_mut()) {
            sqlx::raw_sql(&format!("SELECT pg_advisory_unlock({key})"))
                .execute(conn)
                .await?;
        }
        Ok(())
    }
}

impl Drop for PgBackend {
    fn drop(&mut self) {
        // Dropping the lock connection closes its socket, and PostgreSQL
        // releases session advisory locks with the session.
        let _ = self.lock_conn.take();
    }
}

#[cfg(test)]
mod tests {
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
