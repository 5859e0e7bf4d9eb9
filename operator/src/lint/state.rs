//! What lint remembers: across revisions ([`Model`]) and within one
//! ([`Seen`]), so rules judge a statement by what came before it.

use super::config::ServerVersion;
use super::types::SqlType;
use crate::dialect::OnlineDdl;
use std::collections::{BTreeMap, BTreeSet};

/// What the revisions linted so far built, as far as the rules need it.
#[derive(Debug, Default)]
pub(super) struct Model {
    /// Tables created earlier in the same plan: new and empty when a later
    /// revision of the plan runs, so locking on them is harmless.
    pub new_tables: BTreeSet<String>,
    /// Column types, `(table, column)`, from every earlier revision.
    pub types: BTreeMap<(String, String), SqlType>,
    /// Columns declared NOT NULL by earlier revisions.
    pub not_null: BTreeSet<(String, String)>,
    /// Constraint name to the `(table, column)` of a `CHECK (col IS NOT
    /// NULL)`, and whether it is validated (PostgreSQL 12+ then skips the
    /// scan of SET NOT NULL).
    pub not_null_checks: BTreeMap<String, ((String, String), bool)>,
}

/// The facts rules read that do not come from the statement.
pub(super) struct Facts<'a> {
    /// The dialect's online-DDL family.
    pub family: OnlineDdl,
    /// The server version the rules assume.
    pub server: ServerVersion,
    /// Whether the statement runs inside a transaction (the revision is
    /// transactional and the dialect's DDL is).
    pub in_transaction: bool,
    /// Function volatility from the live catalog (name to volatile).
    pub functions: &'a BTreeMap<String, bool>,
    /// The dialect's identifier limit: length, and whether in bytes.
    pub identifier_limit: Option<(usize, bool)>,
}

/// What one revision's statements did so far.
#[derive(Debug, Default)]
pub(super) struct Seen {
    /// Tables created in this revision.
    pub created_tables: BTreeSet<String>,
    /// Other relations created in this revision (materialized views,
    /// sequences): new, but not tables a down section must drop.
    pub created_other: BTreeSet<String>,
    /// Columns created in this revision (with their tables or added).
    pub created_columns: BTreeSet<(String, String)>,
    /// Indexes created in this revision.
    pub created_indexes: BTreeSet<String>,
    /// Constraints added `NOT VALID` in this revision.
    pub not_valid: BTreeSet<String>,
    /// Enum labels added in this revision (`ALTER TYPE ... ADD VALUE`).
    pub new_labels: BTreeSet<String>,
    /// Columns added to tables that existed before the revision.
    pub added_columns: usize,
    /// Columns dropped that existed before the revision.
    pub dropped_columns: usize,
    /// Whether it holds DDL, and data changes.
    pub ddl: bool,
    /// Whether it holds INSERT, UPDATE or DELETE.
    pub dml: bool,
    /// `SET lock_timeout` seen.
    pub lock_timeout: bool,
    /// `SET statement_timeout` seen.
    pub statement_timeout: bool,
    /// `SET foreign_key_checks = 0` seen (MySQL then adds foreign keys in
    /// place).
    pub foreign_key_checks_off: bool,
    /// Statements so far.
    pub statements: usize,
}

impl Seen {
    /// Whether `table` is new here (created in this revision, or earlier
    /// in the plan): nothing uses it and it holds no rows.
    pub fn is_new(&self, model: &Model, table: &str) -> bool {
        self.created_tables.contains(table)
            || self.created_other.contains(table)
            || model.new_tables.contains(table)
    }
}
