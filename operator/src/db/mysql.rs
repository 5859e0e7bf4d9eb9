//! MySQL and MariaDB: the lock is `GET_LOCK(name, seconds)` on a second
//! connection, which waits by itself and is released with its session. DDL
//! commits implicitly here, so steps cannot be rolled back (see
//! [`crate::executor`] for how a failure is recorded as dirty).

use super::{Backend, DbError, Dialect};
use crate::redact::redact;
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection};
use sqlx::{ConnectOptions, Row};
use std::str::FromStr;
use std::time::Duration;

/// A MySQL or MariaDB database: a migration connection and a lock connection.
#[derive(Debug)]
pub struct MyBackend {
    conn: MySqlConnection,
    lock_conn: Option<MySqlConnection>,
    options: MySqlConnectOptions,
    lock_name: Option<String>,
}

impl MyBackend {
    /// Connects (the lock connection opens on first [`Backend::lock`]).
    ///
    /// # Errors
    /// [`DbError::Url`] or [`DbError::Connect`], the URL redacted.
    pub async fn connect(url: &str) -> Result<MyBackend, DbError> {
        let url_mysql = url
            .strip_prefix("mariadb://")
            .map(|r| format!("mysql://{r}"))
            .unwrap_or_else(|| url.to_owned());
        let options = MySqlConnectOptions::from_str(&url_mysql)
            .map_err(|e| DbError::Url {
                url: redact(url),
                reason: redact(&e.to_string()),
            })?
            .disable_statement_logging();
        let conn = options.connect().await.map_err(|e| DbError::Connect {
            url: redact(url),
            reason: redact(&e.to_string()),
        })?;
        Ok(MyBackend {
            conn,
            lock_conn: None,
            options,
            lock_name: None,
        })
    }
}

/// A `GET_LOCK` name: at most 64 characters, so long names are hashed.
fn lock_name(name: &str, schema: &str) -> String {
    let full = format!("revisor:{schema}.{name}");
    if full.len() <= 64 {
        return full;
    }
    use sha2::{Digest, Sha256};
    format!(
        "revisor:{}",
        crate::revision::hex(&Sha256::digest(full.as_bytes()))[..48].to_owned()
    )
}

impl Backend for MyBackend {
    fn dialect(&self) -> Dialect {
        Dialect::MySql
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
        let conn = self.lock_conn.as_mut().expect("lock connection is open");
        let schema: Option<String> = sqlx::raw_sql("SELECT DATABASE()")
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?;
        let lock = lock_name(name, schema.as_deref().unwrap_or(""));
        // GET_LOCK waits in whole seconds; at least one so a zero timeout still tries once.
        let seconds = timeout.as_secs().max(1);
        let sql = format!("SELECT CAST(GET_LOCK('{lock}', {seconds}) AS CHAR)");
        let got: Option<String> = sqlx::raw_sql(&sql)
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?;
        if got.as_deref() != Some("1") {
            let who = format!(
                "SELECT CAST(p.ID AS CHAR), p.USER, p.HOST FROM information_schema.PROCESSLIST p WHERE p.ID = IS_USED_LOCK('{lock}')"
            );
            let holder = match sqlx::raw_sql(&who)
                .fetch_all(&mut *conn)
                .await
                .ok()
                .and_then(|rows| rows.into_iter().next())
            {
                Some(row) => {
                    let id: String = row.try_get(0).unwrap_or_default();
                    let user: String = row.try_get(1).unwrap_or_default();
                    let host: String = row.try_get(2).unwrap_or_default();
                    Some(format!("MySQL connection {id}, user {user} from {host}"))
                }
                _ => None,
            };
            return Err(DbError::LockTimeout { seconds, holder });
        }
        self.lock_name = Some(lock);
        Ok(())
    }

    async fn unlock(&mut self) -> Result<(), DbError> {
        if let (Some(lock), Some(conn)) = (self.lock_name.take(), self.lock_conn.as_mut()) {
            sqlx::raw_sql(&format!("SELECT RELEASE_LOCK('{lock}')"))
                .execute(conn)
                .await?;
        }
        Ok(())
    }
}

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
