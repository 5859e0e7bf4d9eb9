//! The version table and its history table, for every dialect.
//!
//! The version table has Alembic's layout, so `alembic_version` can be
//! adopted as it is:
//!
//! ```sql
//! CREATE TABLE revisor_version (version_num VARCHAR(32) NOT NULL,
//!     CONSTRAINT revisor_version_pkc PRIMARY KEY (version_num))
//! ```
//!
//! `<table>_history` has one row per step (and per stamp):
//!
//! | column | meaning |
//! |---|---|
//! | `id` | increasing |
//! | `revision`, `direction` | the step (`up`, `down`, `stamp`) |
//! | `checksum` | SHA-256 of the revision's up section when it ran |
//! | `down_revisions`, `depends_on` | the revision's parents and dependencies, comma-separated |
//! | `down_sql`, `message` | for up steps, the down section and message, so a revision whose file is gone can still be unapplied |
//! | `started_at`, `finished_at` | RFC 3339 UTC with milliseconds |
//! | `duration_ms` | milliseconds |
//! | `success` | NULL while running, 1 done, 0 failed |
//! | `dirty` | 1 while a step that could not be rolled back is running or has failed; cleared by `revisor resolve` |
//! | `error` | the failure, redacted |
//! | `applied_by` | who ran it |
//!
//! Values are written as escaped literals (`'` doubled, and on MySQL `\`
//! too), which keeps one code path for three drivers.

mod snapshot;

use super::{Backend, DbError, Dialect};
use std::time::SystemTime;

/// One history row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryRow {
    /// Increasing id (0 before insert).
    pub id: i64,
    /// The revision.
    pub revision: String,
    /// `up`, `down` or `stamp`.
    pub direction: String,
    /// SHA-256 of the up section (hex).
    pub checksum: String,
    /// Parent ids.
    pub down_revisions: Vec<String>,
    /// Dependency ids.
    pub depends_on: Vec<String>,
    /// The down section, for up steps.
    pub down_sql: Option<String>,
    /// The revision's message.
    pub message: String,
    /// RFC 3339 UTC start time.
    pub started_at: String,
    /// RFC 3339 UTC end time, once finished.
    pub finished_at: Option<String>,
    /// Duration in milliseconds, once finished.
    pub duration_ms: Option<i64>,
    /// `None` while running; then whether it succeeded.
    pub success: Option<bool>,
    /// Whether the database may be half-changed by this step.
    pub dirty: bool,
    /// The failure, redacted.
    pub error: Option<String>,
    /// Who ran it.
    pub applied_by: String,
}

/// One schema snapshot (`<version>_snapshot`): the schema as Revisor left
/// it, for live drift detection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SnapshotRow {
    /// Increasing id (0 before insert).
    pub id: i64,
    /// RFC 3339 UTC.
    pub taken_at: String,
    /// The last history row of the run that took it (`None` for an
    /// adoption or an accepted drift).
    pub history_id: Option<i64>,
    /// `run`, `stamp`, `adopt` or `accept`.
    pub reason: String,
    /// The version-table rows then.
    pub heads: Vec<String>,
    /// [`crate::schema::Schema::fingerprint`] of the schema.
    pub fingerprint: String,
    /// The table globs left out of it.
    pub exclude: Vec<String>,
    /// The normalised schema as JSON (empty when not read).
    pub schema_json: String,
}

/// How many of the newest snapshots keep their schema JSON (the drift
/// check reads only the newest); older ones keep the rest of their row.
pub const SNAPSHOTS_WITH_SCHEMA: i64 = 10;

const SNAPSHOT_COLUMNS: &str =
    "id, taken_at, history_id, reason, heads, fingerprint, exclude_globs, schema_json";

/// The version and history tables of one database.
#[derive(Debug, Clone)]
pub struct Tables {
    /// The version table's name.
    pub version: String,
    /// The history table's name (`<version>_history`).
    pub history: String,
    /// The snapshot table's name (`<version>_snapshot`).
    pub snapshot: String,
    dialect: Dialect,
    /// Rows are written by a script that runs later ([`Tables::in_script`]).
    script: bool,
}

/// The id an offline script gets for a history row it inserts: the row is
/// then found by SQL instead (see [`Tables::finish_history`]).
pub const LAST_INSERTED: i64 = -1;

/// The current time as RFC 3339 UTC with milliseconds.
pub fn now() -> String {
    humantime::format_rfc3339_millis(SystemTime::now()).to_string()
}

const HISTORY_COLUMNS: &str = "id, revision, direction, checksum, down_revisions, depends_on, down_sql, message, started_at, finished_at, duration_ms, success, dirty, error, applied_by";

impl Tables {
    /// The tables for version table `name` in `dialect`.
    ///
    /// # Errors
    /// [`DbError::TableName`] unless `name` is 1 to 54 characters of
    /// `[A-Za-z0-9_]` not starting with a digit (54, so that `_history` fits
    /// PostgreSQL's 63-character identifiers).
    pub fn new(name: &str, dialect: Dialect) -> Result<Tables, DbError> {
        let ok = !name.is_empty()
            && name.len() <= 54
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !ok {
            return Err(DbError::TableName(name.to_owned()));
        }
        Ok(Tables {
            version: name.to_owned(),
            history: format!("{name}_history"),
            snapshot: format!("{name}_snapshot"),
            dialect,
            script: false,
        })
    }

    /// The same tables written by an offline script: a history row records
    /// when and by whom the script ran, in SQL the database evaluates then
    /// (its clock, its session user), not when it was rendered. Durations
    /// come from the database's clock where it can tell (PostgreSQL's
    /// transaction start; a row finished by an `UPDATE`), else NULL.
    pub fn in_script(mut self) -> Tables {
        self.script = true;
        self
    }

    /// `applied_by` of a script's rows: the session user and Revisor's
    /// version.
    fn script_user(&self) -> String {
        let sql = self.dialect.sql();
        sql.concat(
            sql.session_user(),
            &self.lit(&format!(
                " (revisor {}, offline script)",
                env!("CARGO_PKG_VERSION")
            )),
        )
    }

    /// An SQL literal for `s`.
    pub fn lit(&self, s: &str) -> String {
        let mut out = String::with_capacity(s.len() + 2);
        out.push('\'');
        for c in s.chars() {
            match c {
                '\'' => out.push_str("''"),
                '\\' if self.dialect.sql().backslash_escapes() => out.push_str("\\\\"),
                '\0' => {}
                c => out.push(c),
            }
        }
        out.push('\'');
        out
    }

    fn opt(&self, s: Option<&str>) -> String {
        s.map_or_else(|| "NULL".to_owned(), |s| self.lit(s))
    }

    fn text(&self, expr: &str) -> String {
        self.dialect.sql().cast_text(expr)
    }

    /// Whether `table` exists (in the current schema or search path).
    async fn exists<B: Backend>(&self, db: &mut B, table: &str) -> Result<bool, DbError> {
        let sql = self.dialect.sql().table_exists_query(&self.lit(table));
        let rows = db.query(&sql).await?;
        Ok(rows
            .first()
            .and_then(|r| r.first())
            .is_some_and(Option::is_some))
    }

    /// The id column and the long-text type of the bookkeeping tables.
    fn id_and_text(&self) -> (&'static str, &'static str) {
        self.dialect.sql().id_and_text()
    }

    /// [`DbError::Sql`] when the query fails.
    pub async fn last_history_id<B: Backend>(&self, db: &mut B) -> Result<Option<i64>, DbError> {
        let rows = db
            .query(&format!(
                "SELECT {} FROM {}",
                self.text(&format!("MAX({}.id)", self.history)),
                self.history
            ))
            .await?;
        Ok(rows
            .first()
            .and_then(|r| r.first().cloned().flatten())
            .and_then(|s| s.parse().ok()))
    }

    /// Creates the version and history tables when missing (the snapshot
    /// table comes with the first snapshot: none without drift detection).
    ///
    /// # Errors
    /// [`DbError::Sql`] when the database refuses.
    pub async fn ensure<B: Backend>(&self, db: &mut B) -> Result<(), DbError> {
        let v = &self.version;
        db.execute(&format!(
            "CREATE TABLE IF NOT EXISTS {v} (version_num VARCHAR(32) NOT NULL, CONSTRAINT {v}_pkc PRIMARY KEY (version_num))"
        ))
        .await?;
        let (id, text) = self.id_and_text();
        db.execute(&format!(
            "CREATE TABLE IF NOT EXISTS {h} ({id}, revision VARCHAR(32) NOT NULL, direction VARCHAR(5) NOT NULL, \
             checksum VARCHAR(64) NOT NULL, down_revisions VARCHAR(1024) NOT NULL, depends_on VARCHAR(1024) NOT NULL, \
             down_sql {text}, message {text}, started_at VARCHAR(40) NOT NULL, finished_at VARCHAR(40), duration_ms BIGINT, \
             success SMALLINT, dirty SMALLINT NOT NULL, error {text}, applied_by VARCHAR(255) NOT NULL)",
            h = self.history
        ))
        .await?;
        Ok(())
    }

    /// The version-table rows (empty when the table does not exist yet).
    ///
    /// # Errors
    /// [`DbError::Sql`], or [`DbError::Corrupt`] for a NULL row.
    pub async fn heads<B: Backend>(&self, db: &mut B) -> Result<Vec<String>, DbError> {
        if !self.exists(db, &self.version).await? {
            return Ok(Vec::new());
        }
        self.rows(db).await
    }

    /// The version-table rows in one query, for a table that exists (the
    /// periodic recheck's single read).
    ///
    /// # Errors
    /// [`DbError::Sql`] (also when the table is missing), or
    /// [`DbError::Corrupt`] for a NULL row.
    pub async fn rows<B: Backend>(&self, db: &mut B) -> Result<Vec<String>, DbError> {
        let rows = db
            .query(&format!(
                "SELECT {} FROM {}",
                self.text("version_num"),
                self.version
            ))
            .await?;
        rows.into_iter()
            .map(|r| {
                r.into_iter()
                    .next()
                    .flatten()
                    .ok_or_else(|| DbError::Corrupt {
                        table: self.version.clone(),
                        reason: "NULL version_num".into(),
                    })
            })
            .collect()
    }

    /// The statements that turn `removed` rows into `added` ones, and how
    /// many rows they must touch: one `UPDATE` when one row replaces
    /// another (as Alembic does), else `DELETE`s and `INSERT`s.
    fn row_change_sql(&self, removed: &[String], added: &[String]) -> Vec<(String, u64)> {
        let v = &self.version;
        if let ([from], [to]) = (removed, added) {
            return vec![(
                format!(
                    "UPDATE {v} SET version_num = {} WHERE version_num = {}",
                    self.lit(to),
                    self.lit(from)
                ),
                1,
            )];
        }
        let deletes = removed.iter().map(|r| {
            (
                format!("DELETE FROM {v} WHERE version_num = {}", self.lit(r)),
                1,
            )
        });
        let inserts = added.iter().map(|a| {
            (
                format!("INSERT INTO {v} (version_num) VALUES ({})", self.lit(a)),
                1,
            )
        });
        deletes.chain(inserts).collect()
    }

    /// Deletes `removed` rows and inserts `added` ones.
    ///
    /// # Errors
    /// [`DbError::Corrupt`] when a row to change is not there (someone else
    /// changed the table), [`DbError::Sql`] otherwise.
    pub async fn change_rows<B: Backend>(
        &self,
        db: &mut B,
        removed: &[String],
        added: &[String],
    ) -> Result<(), DbError> {
        for (sql, expected) in self.row_change_sql(removed, added) {
            let n = db.execute(&sql).await?;
            if n != expected {
                return Err(self.changed_behind_our_back(&sql, n));
            }
        }
        Ok(())
    }

    fn changed_behind_our_back(&self, sql: &str, n: u64) -> DbError {
        DbError::Corrupt {
            table: self.version.clone(),
            reason: format!("`{sql}` changed {n} row(s); someone else changed the version table"),
        }
    }

    /// A step's bookkeeping inside its transaction: the row changes and its
    /// history row, sent as one batch where the dialect takes several
    /// statements at once (one round trip per step instead of three).
    ///
    /// # Errors
    /// As [`Tables::change_rows`].
    pub async fn record_step<B: Backend>(
        &self,
        db: &mut B,
        removed: &[String],
        added: &[String],
        row: &HistoryRow,
    ) -> Result<(), DbError> {
        if !self.dialect.sql().batches_statements() {
            self.change_rows(db, removed, added).await?;
            return self.insert_history(db, row).await.map(|_| ());
        }
        let changes = self.row_change_sql(removed, added);
        let expected: u64 = changes.iter().map(|(_, n)| n).sum::<u64>() + 1;
        let mut batch: Vec<String> = changes.into_iter().map(|(sql, _)| sql).collect();
        batch.push(self.insert_history_sql(row));
        let batch = batch.join(";\n");
        let n = db.execute(&batch).await?;
        if n != expected {
            return Err(self.changed_behind_our_back(&batch, n));
        }
        Ok(())
    }

    /// Replaces all rows with `rows`.
    ///
    /// # Errors
    /// [`DbError::Sql`].
    pub async fn set_rows<B: Backend>(&self, db: &mut B, rows: &[String]) -> Result<(), DbError> {
        db.execute(&format!("DELETE FROM {}", self.version)).await?;
        self.change_rows(db, &[], rows).await
    }

    /// The `INSERT` of a history row.
    fn insert_history_sql(&self, row: &HistoryRow) -> String {
        let sql = self.dialect.sql();
        let (started, finished, duration, applied_by) = if self.script {
            let started = sql.transaction_start_text();
            (
                started.unwrap_or(sql.clock_text()).to_owned(),
                row.finished_at
                    .as_ref()
                    .map_or_else(|| "NULL".to_owned(), |_| sql.clock_text().to_owned()),
                match (row.duration_ms, started) {
                    (Some(_), Some(s)) => sql.millis_since(s),
                    _ => "NULL".to_owned(),
                },
                self.script_user(),
            )
        } else {
            (
                self.lit(&row.started_at),
                self.opt(row.finished_at.as_deref()),
                row.duration_ms
                    .map_or_else(|| "NULL".to_owned(), |d| d.to_string()),
                self.lit(&row.applied_by),
            )
        };
        let values = format!(
            "{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}",
            self.lit(&row.revision),
            self.lit(&row.direction),
            self.lit(&row.checksum),
            self.lit(&row.down_revisions.join(",")),
            self.lit(&row.depends_on.join(",")),
            self.opt(row.down_sql.as_deref()),
            self.lit(&row.message),
            started,
            finished,
            duration,
            row.success
                .map_or_else(|| "NULL".to_owned(), |s| i32::from(s).to_string()),
            i32::from(row.dirty),
            self.opt(row.error.as_deref()),
            applied_by,
        );
        format!(
            "INSERT INTO {} (revision, direction, checksum, down_revisions, depends_on, down_sql, message, started_at, \
             finished_at, duration_ms, success, dirty, error, applied_by) VALUES ({values})",
            self.history
        )
    }

    /// Inserts a history row and returns its id.
    ///
    /// # Errors
    /// [`DbError::Sql`].
    pub async fn insert_history<B: Backend>(
        &self,
        db: &mut B,
        row: &HistoryRow,
    ) -> Result<i64, DbError> {
        let insert = self.insert_history_sql(row);
        let id = match self.dialect.sql().last_insert_id() {
            Some(last) => {
                db.execute(&insert).await?;
                db.query(last).await?
            }
            None => {
                db.query(&format!("{insert} RETURNING CAST(id AS TEXT)"))
                    .await?
            }
        };
        let id = id
            .first()
            .and_then(|r| r.first().cloned().flatten())
            .and_then(|s| s.parse().ok());
        id.ok_or_else(|| DbError::Corrupt {
            table: self.history.clone(),
            reason: "no id for the inserted row".into(),
        })
    }

    /// Records the end of the step of history row `id`.
    ///
    /// # Errors
    /// [`DbError::Sql`].
    pub async fn finish_history<B: Backend>(
        &self,
        db: &mut B,
        id: i64,
        success: bool,
        dirty: bool,
        duration_ms: i64,
        error: Option<&str>,
    ) -> Result<(), DbError> {
        // Offline, the id is not known: the newest unfinished row is the
        // one (through a derived table, which MySQL needs to read the table
        // it updates).
        let target = if id == LAST_INSERTED {
            format!(
                "(SELECT x.id FROM (SELECT MAX(id) AS id FROM {} WHERE success IS NULL) x)",
                self.history
            )
        } else {
            id.to_string()
        };
        let (finished, duration) = if self.script {
            let sql = self.dialect.sql();
            (sql.clock_text().to_owned(), sql.millis_since("started_at"))
        } else {
            (self.lit(&now()), duration_ms.to_string())
        };
        db.execute(&format!(
            "UPDATE {} SET finished_at = {finished}, duration_ms = {duration}, success = {}, dirty = {}, error = {} WHERE id = {target}",
            self.history,
            i32::from(success),
            i32::from(dirty),
            self.opt(error)
        ))
        .await?;
        Ok(())
    }

    /// All history rows, oldest first (empty when the table does not exist).
    ///
    /// # Errors
    /// [`DbError::Sql`] or [`DbError::Corrupt`].
    pub async fn history<B: Backend>(&self, db: &mut B) -> Result<Vec<HistoryRow>, DbError> {
        if !self.exists(db, &self.history).await? {
            return Ok(Vec::new());
        }
        let cols: Vec<String> = HISTORY_COLUMNS.split(", ").map(|c| self.text(c)).collect();
        let rows = db
            // Qualified: a bare `id` would sort by the text cast (PostgreSQL
            // binds ORDER BY to output columns first).
            .query(&format!(
                "SELECT {} FROM {h} ORDER BY {h}.id",
                cols.join(", "),
                h = self.history
            ))
            .await?;
        let corrupt = |what: &str| DbError::Corrupt {
            table: self.history.clone(),
            reason: format!("bad {what}"),
        };
        rows.into_iter()
            .map(|r| {
                let get = |i: usize| r.get(i).cloned().flatten();
                let list = |i: usize| {
                    get(i)
                        .map(|s| {
                            s.split(',')
                                .filter(|x| !x.is_empty())
                                .map(str::to_owned)
                                .collect()
                        })
                        .unwrap_or_default()
                };
                Ok(HistoryRow {
                    id: get(0)
                        .and_then(|s| s.parse().ok())
                        .ok_or_else(|| corrupt("id"))?,
                    revision: get(1).ok_or_else(|| corrupt("revision"))?,
                    direction: get(2).unwrap_or_default(),
                    checksum: get(3).unwrap_or_default(),
                    down_revisions: list(4),
                    depends_on: list(5),
                    down_sql: get(6),
                    message: get(7).unwrap_or_default(),
                    started_at: get(8).unwrap_or_default(),
                    finished_at: get(9),
                    duration_ms: get(10).and_then(|s| s.parse().ok()),
                    success: get(11).map(|s| s == "1"),
                    dirty: get(12).as_deref() == Some("1"),
                    error: get(13),
                    applied_by: get(14).unwrap_or_default(),
                })
            })
            .collect()
    }

    /// Clears the dirty mark of every row; returns how many were dirty.
    ///
    /// # Errors
    /// [`DbError::Sql`].
    pub async fn resolve<B: Backend>(&self, db: &mut B) -> Result<u64, DbError> {
        if !self.exists(db, &self.history).await? {
            return Ok(0);
        }
        db.execute(&format!(
            "UPDATE {} SET dirty = 0 WHERE dirty = 1",
            self.history
        ))
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_are_plain_identifiers() {
        assert!(Tables::new("revisor_version", Dialect::Postgres).is_ok());
        assert!(Tables::new("alembic_version", Dialect::MySql).is_ok());
        for bad in ["", "1abc", "a-b", "a b", "x;DROP", &"t".repeat(55)] {
            assert!(
                matches!(
                    Tables::new(bad, Dialect::Sqlite),
                    Err(DbError::TableName(_))
                ),
                "{bad}"
            );
        }
        assert_eq!(
            Tables::new("v", Dialect::Sqlite).unwrap().history,
            "v_history"
        );
    }

    #[test]
    fn literals_escape_quotes_and_mysql_backslashes() {
        let pg = Tables::new("v", Dialect::Postgres).unwrap();
        let my = Tables::new("v", Dialect::MySql).unwrap();
        assert_eq!(pg.lit("it's a \\ path"), "'it''s a \\ path'");
        assert_eq!(my.lit("it's a \\ path"), "'it''s a \\\\ path'");
        assert_eq!(pg.lit("nul\0byte"), "'nulbyte'");
    }
}
