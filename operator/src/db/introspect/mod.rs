//! Introspection: a live database's schema read into the [`Schema`] model.
//! I/O. One trait, one file per dialect, and one query per catalog view
//! (never one per table), so that a 500-table schema costs a handful of
//! round trips.
//!
//! - PostgreSQL: `pg_catalog` for one schema (default `public`).
//! - MySQL/MariaDB: `information_schema` for the current database.
//! - SQLite: `sqlite_schema`. SQLite keeps each table's and index's DDL as
//!   written (its `ALTER TABLE` edits that text), and CHECK constraints and
//!   constraint names exist nowhere else, so the DDL is read with the
//!   declared-schema parser.
//!
//! Revisor's own version and history tables, and SQLite's internal ones,
//! are always left out; [`Options::exclude`] globs leave out more, as
//! Alembic's `include_object` does.

mod mysql;
mod postgres;
mod sqlite;

use super::{Backend, DbError};
use crate::schema::Schema;

/// What to read.
#[derive(Debug, Clone)]
pub struct Options {
    /// PostgreSQL schema (namespace); when `None`, the connection's
    /// `current_schema()` (the first schema of its `search_path` that
    /// exists, `public` by default), where unqualified names go.
    pub schema: Option<String>,
    /// Revisor's version table (it and `<it>_history` are left out).
    pub version_table: String,
    /// Table-name globs to leave out.
    pub exclude: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            schema: None,
            version_table: crate::defaults::DEFAULT_VERSION_TABLE.to_owned(),
            exclude: Vec::new(),
        }
    }
}

impl Options {
    fn skip(&self, table: &str) -> bool {
        table == self.version_table
            || table == format!("{}_history", self.version_table)
            || table == format!("{}_snapshot", self.version_table)
            || table.starts_with("_revisor_new_")
            || table.starts_with("sqlite_")
            || self
                .exclude
                .iter()
                .any(|g| crate::schema::glob_match(g, table))
    }
}

/// A database whose schema can be read.
pub trait Introspect: Backend {
    /// The schema of the database (see the module docs).
    ///
    /// # Errors
    /// [`DbError`] when a catalog query fails or returns what cannot be read.
    fn introspect(
        &mut self,
        opts: &Options,
    ) -> impl std::future::Future<Output = Result<Schema, DbError>> + Send;

    /// Row estimates of `tables` (lower case) from the catalog, by lower-
    /// case table name: PostgreSQL's `pg_class.reltuples` (tables never
    /// analyzed have none), MySQL's `information_schema.TABLES.TABLE_ROWS`,
    /// SQLite's `count(*)` (its files are small enough to count). For
    /// lint's live risk.
    ///
    /// # Errors
    /// [`DbError`] when the catalog query fails.
    fn row_estimates(
        &mut self,
        tables: &std::collections::BTreeSet<String>,
    ) -> impl std::future::Future<Output = Result<RowEstimates, DbError>> + Send;

    /// The server version and, on PostgreSQL, the volatility of the
    /// functions outside `pg_catalog` ([`LintFacts`]).
    ///
    /// # Errors
    /// [`DbError`] when the query fails.
    fn lint_facts(
        &mut self,
    ) -> impl std::future::Future<Output = Result<LintFacts, DbError>> + Send;
}

/// What lint reads from a live server (`revisor lint --database`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LintFacts {
    /// The server's version text (`15.4`, `10.11.6-MariaDB-...`, `3.45.1`).
    pub server_version: String,
    /// Functions outside the built-ins, by lower-case name: `true` when any
    /// overload is volatile (PostgreSQL's `pg_proc.provolatile = 'v'`).
    pub functions: std::collections::BTreeMap<String, bool>,
}

/// Row estimates by lower-case table name.
pub type RowEstimates = std::collections::BTreeMap<String, u64>;

/// The first column of the first row, or "".
fn first_text(rows: &[Vec<Option<String>>]) -> String {
    rows.first()
        .and_then(|r| r.first())
        .cloned()
        .flatten()
        .unwrap_or_default()
}

/// `(name, count)` catalog rows as [`RowEstimates`].
fn estimates(rows: Vec<Vec<Option<String>>>) -> RowEstimates {
    rows.into_iter()
        .filter_map(|r| {
            let name = r.first().cloned().flatten()?.to_lowercase();
            let n = r.get(1).cloned().flatten()?.parse().ok()?;
            Some((name, n))
        })
        .collect()
}

/// `schema` without bookkeeping tables of any version table name: every
/// table whose only column is `version_num` (Revisor's and Alembic's
/// version tables), and `*_history` and `*_snapshot` tables with Revisor's
/// columns. Many DatabaseSchemas may share one database, each with its own
/// version table; none of them is part of another's schema.
pub fn without_bookkeeping(mut schema: Schema) -> Schema {
    schema.tables.retain(|name, t| {
        let cols: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
        let version = cols == ["version_num"];
        let history = name.ends_with("_history")
            && cols.starts_with(&["id", "revision", "direction", "checksum"]);
        let snapshot = name.ends_with("_snapshot")
            && cols.starts_with(&["id", "taken_at", "history_id", "reason"]);
        !(version || history || snapshot)
    });
    schema
}

/// Column `i` of a catalog row, `""` for NULL.
fn col(row: &[Option<String>], i: usize) -> String {
    row.get(i).cloned().flatten().unwrap_or_default()
}

/// Column `i` of a catalog row.
fn opt(row: &[Option<String>], i: usize) -> Option<String> {
    row.get(i).cloned().flatten()
}

/// Splits a list that a catalog query joined with the unit separator.
fn split_list(s: &str) -> Vec<String> {
    if s.is_empty() {
        Vec::new()
    } else {
        s.split('\u{1f}').map(str::to_owned).collect()
    }
}

/// An error about what a catalog returned.
fn unreadable(what: impl std::fmt::Display) -> DbError {
    DbError::Corrupt {
        table: "catalog".into(),
        reason: what.to_string(),
    }
}
