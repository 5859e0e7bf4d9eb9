//! The snapshot table: the schema as Revisor left it after each run and
//! stamp (live drift), with only the newest keeping their whole model.

use super::{SnapshotRow, Tables, SNAPSHOTS_WITH_SCHEMA, SNAPSHOT_COLUMNS};
use crate::db::{Backend, DbError};

impl Tables {
    /// Creates the snapshot table when missing.
    ///
    /// # Errors
    /// [`DbError::Sql`] when the database refuses.
    pub async fn ensure_snapshot<B: Backend>(&self, db: &mut B) -> Result<(), DbError> {
        let (id, text) = self.id_and_text();
        db.execute(&format!(
            "CREATE TABLE IF NOT EXISTS {s} ({id}, taken_at VARCHAR(40) NOT NULL, history_id BIGINT, \
             reason VARCHAR(10) NOT NULL, heads VARCHAR(1024) NOT NULL, fingerprint VARCHAR(64) NOT NULL, \
             exclude_globs {text}, schema_json {text} NOT NULL)",
            s = self.snapshot
        ))
        .await?;
        Ok(())
    }

    /// The snapshot columns as text, the schema JSON only `with_schema`
    /// (NULL otherwise: it is the large one).
    fn snapshot_columns(&self, with_schema: bool) -> String {
        SNAPSHOT_COLUMNS
            .split(", ")
            .map(|c| {
                if c == "schema_json" && !with_schema {
                    "NULL".to_owned()
                } else {
                    self.text(&format!("{}.{c}", self.snapshot))
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Stores a snapshot (the table is created when missing), and empties
    /// the schema of all but the newest [`SNAPSHOTS_WITH_SCHEMA`].
    ///
    /// # Errors
    /// [`DbError::Sql`] when the database refuses.
    pub async fn insert_snapshot<B: Backend>(
        &self,
        db: &mut B,
        row: &SnapshotRow,
    ) -> Result<(), DbError> {
        self.ensure_snapshot(db).await?;
        db.execute(&format!(
            "INSERT INTO {} (taken_at, history_id, reason, heads, fingerprint, exclude_globs, schema_json) \
             VALUES ({}, {}, {}, {}, {}, {}, {})",
            self.snapshot,
            self.lit(&row.taken_at),
            row.history_id.map_or("NULL".to_owned(), |i| i.to_string()),
            self.lit(&row.reason),
            self.lit(&row.heads.join(",")),
            self.lit(&row.fingerprint),
            self.lit(&row.exclude.join(",")),
            self.lit(&row.schema_json),
        ))
        .await?;
        // Older snapshots keep their fingerprint, heads and reason (what
        // `history` shows) but not their schema: one per run would grow
        // without bound. (MySQL reads the table it updates only through a
        // derived table.)
        db.execute(&format!(
            "UPDATE {s} SET schema_json = '' WHERE schema_json <> '' \
             AND id <= (SELECT x.id FROM (SELECT MAX(id) - {SNAPSHOTS_WITH_SCHEMA} AS id FROM {s}) x)",
            s = self.snapshot
        ))
        .await?;
        Ok(())
    }

    /// The latest snapshot, its schema JSON only `with_schema`; `None` when
    /// there is none (or no snapshot table).
    ///
    /// # Errors
    /// [`DbError::Sql`] when the query fails.
    pub async fn latest_snapshot<B: Backend>(
        &self,
        db: &mut B,
        with_schema: bool,
    ) -> Result<Option<SnapshotRow>, DbError> {
        let sql = format!(
            "SELECT {} FROM {s} ORDER BY {s}.id DESC LIMIT 1",
            self.snapshot_columns(with_schema),
            s = self.snapshot
        );
        // No snapshot table yet: a database migrated before snapshots.
        if !self.exists(db, &self.snapshot).await? {
            return Ok(None);
        }
        let rows = db.query(&sql).await?;
        Ok(rows.first().map(|r| snapshot_row(r)))
    }

    /// The id of the latest history row, if any.
    ///
    /// # Errors
    /// Every snapshot, oldest first, without the schema JSON.
    ///
    /// # Errors
    /// [`DbError::Sql`] when the query fails.
    pub async fn snapshots<B: Backend>(&self, db: &mut B) -> Result<Vec<SnapshotRow>, DbError> {
        if !self.exists(db, &self.snapshot).await? {
            return Ok(Vec::new());
        }
        let rows = db
            .query(&format!(
                "SELECT {} FROM {s} ORDER BY {s}.id",
                self.snapshot_columns(false),
                s = self.snapshot
            ))
            .await?;
        Ok(rows.iter().map(|r| snapshot_row(r)).collect())
    }
}

fn snapshot_row(r: &[Option<String>]) -> SnapshotRow {
    let get = |i: usize| r.get(i).cloned().flatten();
    let list = |s: Option<String>| {
        s.map(|s| {
            s.split(',')
                .filter(|x| !x.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
    };
    SnapshotRow {
        id: get(0).and_then(|s| s.parse().ok()).unwrap_or(0),
        taken_at: get(1).unwrap_or_default(),
        history_id: get(2).and_then(|s| s.parse().ok()),
        reason: get(3).unwrap_or_default(),
        heads: list(get(4)),
        fingerprint: get(5).unwrap_or_default(),
        exclude: list(get(6)),
        schema_json: get(7).unwrap_or_default(),
    }
}
