//! The operations and their fields, as operation revisions spell them
//! (SPEC.md, "Operation revisions"). Data only.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A scalar value of a default or a row: null, boolean, number or string.
pub type Value = serde_yaml::Value;

/// The portable type words (SPEC.md); anything else needs a per-dialect map.
pub const PORTABLE_TYPES: [&str; 17] = [
    "integer",
    "bigint",
    "smallint",
    "boolean",
    "text",
    "varchar",
    "char",
    "numeric",
    "real",
    "double",
    "date",
    "time",
    "timestamp",
    "timestamptz",
    "json",
    "uuid",
    "bytes",
];

/// The dialect keys of per-dialect maps (SQLAlchemy's names).
pub const DIALECT_KEYS: [&str; 3] = ["postgresql", "mysql", "sqlite"];

/// A column type: a portable word (`varchar(255)`) or a map of per-dialect
/// types (`{postgresql: jsonb, mysql: json, sqlite: text}`), used as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TypeSpec {
    /// One of [`PORTABLE_TYPES`], with its arguments.
    Portable(String),
    /// The type per dialect, by [`DIALECT_KEYS`].
    PerDialect(BTreeMap<String, String>),
}

/// A list given as a YAML list or as one comma-separated string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum List {
    /// `a, b`.
    One(String),
    /// `[a, b]`.
    Many(Vec<String>),
}

impl List {
    pub(crate) fn items(&self) -> Vec<String> {
        match self {
            List::One(s) => s
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            List::Many(v) => v.iter().map(|s| s.trim().to_owned()).collect(),
        }
    }
}

/// A column of `create_table` or `add_column`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnSpec {
    /// Name.
    pub name: String,
    /// Type.
    #[serde(rename = "type")]
    pub ty: TypeSpec,
    /// Whether NULL is allowed (default `true`; `false` for a key column).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nullable: Option<bool>,
    /// A literal default, quoted by the renderer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    /// A SQL expression default, used as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_sql: Option<String>,
    /// Part of the primary key.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub primary_key: bool,
    /// Identity / auto-increment.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub autoincrement: bool,
    /// Column comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// The state of a column, as `drop_column`'s `definition` and
/// `alter_column`'s `from` give it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnState {
    /// Type.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub ty: Option<TypeSpec>,
    /// Whether NULL is allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nullable: Option<bool>,
    /// A literal default (absent: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    /// A SQL expression default (absent: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_sql: Option<String>,
    /// Identity / auto-increment.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub autoincrement: bool,
}

/// A referenced table and columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct References {
    /// Table.
    pub table: String,
    /// Columns.
    pub columns: Vec<String>,
}

/// A foreign key (in `create_table`, or `drop_constraint`'s definition).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForeignKeySpec {
    /// Name (server-chosen when absent inside `create_table`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Referencing columns.
    pub columns: Vec<String>,
    /// What they reference.
    pub references: References,
    /// `cascade`, `set_null`, `set_default`, `restrict` or `no_action`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_delete: Option<String>,
    /// As `on_delete`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_update: Option<String>,
}

/// A unique constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UniqueSpec {
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Columns.
    pub columns: Vec<String>,
}

/// A check constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSpec {
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The SQL expression.
    pub expression: String,
}

/// An index (in `create_table`, or `drop_index`'s definition).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexSpec {
    /// Name (required inside `create_table`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Columns.
    pub columns: Vec<String>,
    /// Unique index.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unique: bool,
    /// Partial-index predicate (PostgreSQL and SQLite).
    #[serde(rename = "where", default, skip_serializing_if = "Option::is_none")]
    pub predicate: Option<String>,
}

/// A table: `create_table`, or the `definition` of `drop_table`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableSpec {
    /// Name (required for `create_table`; `drop_table` names it itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Columns, in order.
    pub columns: Vec<ColumnSpec>,
    /// Composite primary key (instead of `primary_key: true` on columns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<Vec<String>>,
    /// Unique constraints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unique: Vec<UniqueSpec>,
    /// Foreign keys.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_keys: Vec<ForeignKeySpec>,
    /// Check constraints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<CheckSpec>,
    /// Indexes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<IndexSpec>,
    /// Table comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// `drop_table`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropTable {
    /// Table.
    pub name: String,
    /// What it was; makes the drop reversible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<TableSpec>,
}

/// `rename_table`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenameTable {
    /// Old name.
    pub from: String,
    /// New name.
    pub to: String,
}

/// `add_column`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddColumn {
    /// Table.
    pub table: String,
    /// The column.
    pub column: ColumnSpec,
}

/// `drop_column`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropColumn {
    /// Table.
    pub table: String,
    /// Column name.
    pub column: String,
    /// What it was (its `type` at least); makes the drop reversible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<ColumnState>,
}

/// `alter_column`: any of type, nullability, default, name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlterColumn {
    /// Table.
    pub table: String,
    /// Column (its name before a rename).
    pub column: String,
    /// New type.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub ty: Option<TypeSpec>,
    /// New nullability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nullable: Option<bool>,
    /// New literal default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    /// New SQL expression default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_sql: Option<String>,
    /// `true`: drop the default.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub drop_default: bool,
    /// New name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rename_to: Option<String>,
    /// The old state of what changes; makes the change reversible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<ColumnState>,
}

impl AlterColumn {
    pub(crate) fn changes_default(&self) -> bool {
        self.default.is_some() || self.default_sql.is_some() || self.drop_default
    }
}

/// `create_index`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateIndex {
    /// Index name.
    pub name: String,
    /// Table.
    pub table: String,
    /// Columns.
    pub columns: Vec<String>,
    /// Unique index.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unique: bool,
    /// Partial-index predicate.
    #[serde(rename = "where", default, skip_serializing_if = "Option::is_none")]
    pub predicate: Option<String>,
    /// `CREATE INDEX CONCURRENTLY` on PostgreSQL (a plain index elsewhere).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub concurrently: bool,
}

/// `drop_index`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropIndex {
    /// Index name.
    pub name: String,
    /// Table.
    pub table: String,
    /// What it was; makes the drop reversible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<IndexSpec>,
    /// `DROP INDEX CONCURRENTLY` on PostgreSQL.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub concurrently: bool,
}

/// `add_foreign_key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddForeignKey {
    /// Constraint name.
    pub name: String,
    /// Table.
    pub table: String,
    /// Referencing columns.
    pub columns: Vec<String>,
    /// What they reference.
    pub references: References,
    /// Action on delete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_delete: Option<String>,
    /// Action on update.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_update: Option<String>,
}

/// `add_unique`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddUnique {
    /// Constraint name.
    pub name: String,
    /// Table.
    pub table: String,
    /// Columns.
    pub columns: Vec<String>,
}

/// `add_check`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddCheck {
    /// Constraint name.
    pub name: String,
    /// Table.
    pub table: String,
    /// The SQL expression.
    pub expression: String,
}

/// What `drop_constraint` drops: exactly one of the three.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConstraintSpec {
    /// A foreign key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foreign_key: Option<ForeignKeySpec>,
    /// A unique constraint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique: Option<UniqueSpec>,
    /// A check constraint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<CheckSpec>,
}

/// `drop_constraint`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropConstraint {
    /// Constraint name.
    pub name: String,
    /// Table.
    pub table: String,
    /// What it was; makes the drop reversible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<ConstraintSpec>,
}

/// `bulk_insert` and `bulk_delete`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rows {
    /// Table.
    pub table: String,
    /// Rows: column name to scalar value.
    pub rows: Vec<BTreeMap<String, Value>>,
}

/// `execute`: raw SQL, for every dialect or per dialect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Execute {
    /// The same SQL everywhere.
    Sql(String),
    /// SQL by [`DIALECT_KEYS`].
    PerDialect(BTreeMap<String, String>),
}

/// One operation, externally tagged: `- add_column: {...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// Create a table.
    CreateTable(TableSpec),
    /// Drop a table.
    DropTable(DropTable),
    /// Rename a table.
    RenameTable(RenameTable),
    /// Add a column.
    AddColumn(AddColumn),
    /// Drop a column.
    DropColumn(DropColumn),
    /// Change a column.
    AlterColumn(AlterColumn),
    /// Create an index.
    CreateIndex(CreateIndex),
    /// Drop an index.
    DropIndex(DropIndex),
    /// Add a foreign key.
    AddForeignKey(AddForeignKey),
    /// Add a unique constraint.
    AddUnique(AddUnique),
    /// Add a check constraint.
    AddCheck(AddCheck),
    /// Drop a named constraint.
    DropConstraint(DropConstraint),
    /// Insert rows.
    BulkInsert(Rows),
    /// Delete rows (the reverse of `bulk_insert`).
    BulkDelete(Rows),
    /// Raw SQL.
    Execute(Execute),
}
