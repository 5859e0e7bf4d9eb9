//! MySQL and MariaDB: the lock is `GET_LOCK(name, seconds)` on a second
//! pooled connection, which waits by itself and is released with its
//! session. DDL commits implicitly here, so steps cannot be rolled back (see
//! [`crate::executor`] for how a failure is recorded as dirty).

use super::pool::{Pooled, Pools};
use super::{url_key, Backend, DbError, Dialect};
use crate::redact::redact;
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection};
use sqlx::ConnectOptions;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// A MySQL or MariaDB database: a migration connection and, while locked,
/// a lock connection, both from [`Pools`].
pub struct MyBackend {
    conn: Pooled<MySqlConnection>,
    lock: Option<(Pooled<MySqlConnection>, String)>,
    options: MySqlConnectOptions,
    pools: Arc<Pools>,
    server: String,
    url_key: String,
    describe: String,
}

impl std::fmt::Debug for MyBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MyBackend")
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

impl MyBackend {
    /// Opens `url` with a migration connection from `pools` (the lock
    /// connection comes on first [`Backend::lock`]).
    ///
    /// # Errors
    /// [`DbError::Url`], [`DbError::Connect`] or [`DbError::PoolTimeout`],
    /// the URL redacted.
    pub async fn open(pools: &Arc<Pools>, url: &str) -> Result<MyBackend, DbError> {
        let describe = redact(url);
        let url_mysql = url
            .strip_prefix("mariadb://")
            .map(|r| format!("mysql://{r}"))
            .unwrap_or_else(|| url.to_owned());
        let options = MySqlConnectOptions::from_str(&url_mysql)
            .map_err(|e| DbError::Url {
                url: describe.clone(),
                reason: redact(&e.to_string()),
            })?
            .disable_statement_logging();
        let server = format!("mysql://{}:{}", options.get_host(), options.get_port());
        let url_key = url_key(url);
        let conn = pools
            .acquire::<MySqlConnection>(&server, &url_key, &options, &describe)
            .await?;
        Ok(MyBackend {
            conn,
            lock: None,
            options,
            pools: pools.clone(),
            server,
            url_key,
            describe,
        })
    }

    /// `Ok(Ok(name))` when locked, `Ok(Err(timeout))` when not in time.
    async fn get_lock(
        conn: &mut Pooled<MySqlConnection>,
        name: &str,
        timeout: Duration,
    ) -> Result<Result<String, DbError>, DbError> {
        let first = |rows: Vec<Vec<Option<String>>>| {
            rows.into_iter()
                .next()
                .and_then(|r| r.into_iter().next())
                .flatten()
        };
        let schema = first(query(conn.conn(), "SELECT DATABASE()").await?);
        let lock = lock_name(name, schema.as_deref().unwrap_or(""));
        // GET_LOCK waits in whole seconds; at least one so a zero timeout still tries once.
        let seconds = timeout.as_secs().max(1);
        let sql = format!("SELECT CAST(GET_LOCK('{lock}', {seconds}) AS CHAR)");
        if first(query(conn.conn(), &sql).await?).as_deref() == Some("1") {
            return Ok(Ok(lock));
        }
        let who = format!(
            "SELECT CAST(p.ID AS CHAR), p.USER, p.HOST FROM information_schema.PROCESSLIST p WHERE p.ID = IS_USED_LOCK('{lock}')"
        );
        let holder = query(conn.conn(), &who)
            .await
            .ok()
            .and_then(|rows| rows.into_iter().next())
            .map(|row| {
                let get = |i: usize| row.get(i).cloned().flatten().unwrap_or_default();
                format!(
                    "MySQL connection {}, user {} from {}",
                    get(0),
                    get(1),
                    get(2)
                )
            });
        Ok(Err(DbError::LockTimeout { seconds, holder }))
    }
}

super::boxed_io!(MySqlConnection);

/// A `GET_LOCK` name: at most 64 characters, so long names are hashed.
fn lock_name(name: &str, schema: &str) -> String {
    let full = format!("revisor:{schema}.{name}");
    if full.len() <= 64 {
        return full;
    }
    use sha2::{Digest, Sha256};
    format!(
        "revisor:{}",
        crate::sqltext::hex(&Sha256::digest(full.as_bytes()))[..48].to_owned()
    )
}

impl Backend for MyBackend {
    fn dialect(&self) -> Dialect {
        Dialect::MySql
    }

    super::backend_io!();

    async fn reconnect(&mut self) -> Result<(), DbError> {
        self.conn = self
            .pools
            .acquire::<MySqlConnection>(&self.server, &self.url_key, &self.options, &self.describe)
            .await?;
        Ok(())
    }

    async fn lock(&mut self, name: &str, timeout: Duration) -> Result<(), DbError> {
        let mut conn = self
            .pools
            .acquire::<MySqlConnection>(&self.server, &self.url_key, &self.options, &self.describe)
            .await?;
        match Self::get_lock(&mut conn, name, timeout).await {
            Ok(Ok(lock)) => {
                self.lock = Some((conn, lock));
                Ok(())
            }
            Ok(Err(timeout)) => Err(timeout),
            Err(e) => {
                conn.discard();
                Err(e)
            }
        }
    }

    async fn unlock(&mut self) -> Result<(), DbError> {
        if let Some((mut conn, lock)) = self.lock.take() {
            let sql = format!("SELECT RELEASE_LOCK('{lock}')");
            if let Err(e) = exec(conn.conn(), &sql).await {
                conn.discard();
                return Err(e);
            }
        }
        Ok(())
    }

    async fn reset_session(&mut self) {
        // MySQL has no statement that resets a session (only the protocol's
        // COM_RESET_CONNECTION, which sqlx does not expose): close it.
        self.conn.discard();
    }
}

super::drop_releases_lock!(MyBackend);

#[cfg(test)]
mod tests {
    #[test]
    fn lock_names_fit_mysql_limit() {
        assert_eq!(
            super::lock_name("revisor_version", "shop"),
            "revisor:shop.revisor_version"
        );
        let long = super::lock_name(&"t".repeat(54), &"s".repeat(64));
        assert!(long.len() <= 64, "{long}");
    }
}
