//! Operation revisions: a `*.yaml` migration file whose `upgrade:` is a list
//! of portable operations (Alembic's `op.add_column(...)` one-liners),
//! rendered for the database's dialect when a step runs ([`render`]).
//! Pure: no I/O.
//!
//! The format is SPEC.md's "Operation revisions". Decisions where SPEC.md
//! is silent (also in the README):
//! - Header keys are the SQL format's (`revision`, `down_revision`,
//!   `branch_labels`, `depends_on`, `transactional`, `message`,
//!   `lint_allow`); list values may be a YAML list or a comma-separated
//!   string. Ids are read as written: `revision: 0001` stays `0001`.
//! - `add_foreign_key`, `add_unique` and `add_check` need a `name`, so that
//!   the derived downgrade can drop the constraint by name on every dialect.
//! - A revision with a `create_index`/`drop_index` marked `concurrently:
//!   true` runs outside a transaction on every dialect (as
//!   `transactional: false`), so its identity and plan do not depend on
//!   the dialect.
//! - `bulk_delete` (the reverse of `bulk_insert`) is an operation too:
//!   it deletes each row by the table's primary key when the key is known,
//!   else by every value the row gives.
//! - The checksum is SHA-256 of the canonical JSON of the `upgrade:` list
//!   (keys in a fixed order, absent fields left out), so re-indenting the
//!   file or reordering keys is not drift, and a revision has one identity
//!   on every dialect. The down checksum covers the effective downgrade
//!   (written or derived).

pub mod from_diff;
pub mod render;

use crate::revision::{checksum, ParseError, ParseErrorKind, Revision};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

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
    fn items(&self) -> Vec<String> {
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
    fn changes_default(&self) -> bool {
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

impl Operation {
    /// The operation's key in the file (`add_column`).
    pub fn name(&self) -> &'static str {
        match self {
            Operation::CreateTable(_) => "create_table",
            Operation::DropTable(_) => "drop_table",
            Operation::RenameTable(_) => "rename_table",
            Operation::AddColumn(_) => "add_column",
            Operation::DropColumn(_) => "drop_column",
            Operation::AlterColumn(_) => "alter_column",
            Operation::CreateIndex(_) => "create_index",
            Operation::DropIndex(_) => "drop_index",
            Operation::AddForeignKey(_) => "add_foreign_key",
            Operation::AddUnique(_) => "add_unique",
            Operation::AddCheck(_) => "add_check",
            Operation::DropConstraint(_) => "drop_constraint",
            Operation::BulkInsert(_) => "bulk_insert",
            Operation::BulkDelete(_) => "bulk_delete",
            Operation::Execute(_) => "execute",
        }
    }

    /// The tables it names (a rename names both).
    pub fn tables(&self) -> Vec<&str> {
        match self {
            Operation::CreateTable(t) => vec![t.name.as_deref().unwrap_or("")],
            Operation::DropTable(x) => vec![x.name.as_str()],
            Operation::RenameTable(r) => vec![r.from.as_str(), r.to.as_str()],
            Operation::AddColumn(x) => vec![x.table.as_str()],
            Operation::DropColumn(x) => vec![x.table.as_str()],
            Operation::AlterColumn(x) => vec![x.table.as_str()],
            Operation::CreateIndex(x) => vec![x.table.as_str()],
            Operation::DropIndex(x) => vec![x.table.as_str()],
            Operation::AddForeignKey(x) => vec![x.table.as_str()],
            Operation::AddUnique(x) => vec![x.table.as_str()],
            Operation::AddCheck(x) => vec![x.table.as_str()],
            Operation::DropConstraint(x) => vec![x.table.as_str()],
            Operation::BulkInsert(x) | Operation::BulkDelete(x) => vec![x.table.as_str()],
            Operation::Execute(_) => Vec::new(),
        }
    }

    /// Whether it asks for a concurrent index build or drop.
    pub fn concurrently(&self) -> bool {
        matches!(
            self,
            Operation::CreateIndex(CreateIndex {
                concurrently: true,
                ..
            }) | Operation::DropIndex(DropIndex {
                concurrently: true,
                ..
            })
        )
    }

    /// The operation that undoes this one, or why there is none (a drop
    /// that does not say what it drops, raw SQL).
    pub fn reverse(&self) -> Result<Operation, String> {
        let missing = |what: &str| Err(format!("irreversible: {} without {what}", self.name()));
        Ok(match self {
            Operation::CreateTable(t) => Operation::DropTable(DropTable {
                name: t.name.clone().unwrap_or_default(),
                definition: Some(TableSpec {
                    name: None,
                    ..t.clone()
                }),
            }),
            Operation::DropTable(d) => match &d.definition {
                Some(def) => Operation::CreateTable(TableSpec {
                    name: Some(d.name.clone()),
                    ..def.clone()
                }),
                None => return missing("`definition`"),
            },
            Operation::RenameTable(r) => Operation::RenameTable(RenameTable {
                from: r.to.clone(),
                to: r.from.clone(),
            }),
            Operation::AddColumn(a) => Operation::DropColumn(DropColumn {
                table: a.table.clone(),
                column: a.column.name.clone(),
                definition: Some(ColumnState {
                    ty: Some(a.column.ty.clone()),
                    nullable: Some(a.column.nullable.unwrap_or(!a.column.primary_key)),
                    default: a.column.default.clone(),
                    default_sql: a.column.default_sql.clone(),
                    autoincrement: a.column.autoincrement,
                }),
            }),
            Operation::DropColumn(d) => match &d.definition {
                Some(def) if def.ty.is_some() => Operation::AddColumn(AddColumn {
                    table: d.table.clone(),
                    column: ColumnSpec {
                        name: d.column.clone(),
                        ty: def.ty.clone().unwrap_or(TypeSpec::Portable(String::new())),
                        nullable: def.nullable,
                        default: def.default.clone(),
                        default_sql: def.default_sql.clone(),
                        primary_key: false,
                        autoincrement: def.autoincrement,
                        comment: None,
                    },
                }),
                _ => return missing("`definition: {type: ...}`"),
            },
            Operation::AlterColumn(a) => {
                let from = a.from.clone().unwrap_or_default();
                if a.ty.is_some() && from.ty.is_none() {
                    return missing("`from: {type: ...}`");
                }
                if a.nullable.is_some() && from.nullable.is_none() {
                    return missing("`from: {nullable: ...}`");
                }
                let had_default = from.default.is_some() || from.default_sql.is_some();
                if a.changes_default() && a.from.is_none() {
                    return missing("`from:` (the old default, or none)");
                }
                Operation::AlterColumn(AlterColumn {
                    table: a.table.clone(),
                    column: a.rename_to.clone().unwrap_or_else(|| a.column.clone()),
                    ty: a.ty.as_ref().and(from.ty.clone()),
                    nullable: a.nullable.and(from.nullable),
                    default: if a.changes_default() {
                        from.default.clone()
                    } else {
                        None
                    },
                    default_sql: if a.changes_default() {
                        from.default_sql.clone()
                    } else {
                        None
                    },
                    drop_default: a.changes_default() && !had_default,
                    rename_to: a.rename_to.as_ref().map(|_| a.column.clone()),
                    from: Some(ColumnState {
                        ty: a.ty.clone(),
                        nullable: a.nullable,
                        default: a.default.clone(),
                        default_sql: a.default_sql.clone(),
                        autoincrement: false,
                    })
                    .filter(|_| a.ty.is_some() || a.nullable.is_some() || a.changes_default()),
                })
            }
            Operation::CreateIndex(c) => Operation::DropIndex(DropIndex {
                name: c.name.clone(),
                table: c.table.clone(),
                definition: Some(IndexSpec {
                    name: None,
                    columns: c.columns.clone(),
                    unique: c.unique,
                    predicate: c.predicate.clone(),
                }),
                concurrently: c.concurrently,
            }),
            Operation::DropIndex(d) => match &d.definition {
                Some(def) => Operation::CreateIndex(CreateIndex {
                    name: d.name.clone(),
                    table: d.table.clone(),
                    columns: def.columns.clone(),
                    unique: def.unique,
                    predicate: def.predicate.clone(),
                    concurrently: d.concurrently,
                }),
                None => return missing("`definition`"),
            },
            Operation::AddForeignKey(f) => Operation::DropConstraint(DropConstraint {
                name: f.name.clone(),
                table: f.table.clone(),
                definition: Some(ConstraintSpec {
                    foreign_key: Some(ForeignKeySpec {
                        name: None,
                        columns: f.columns.clone(),
                        references: f.references.clone(),
                        on_delete: f.on_delete.clone(),
                        on_update: f.on_update.clone(),
                    }),
                    unique: None,
                    check: None,
                }),
            }),
            Operation::AddUnique(u) => Operation::DropConstraint(DropConstraint {
                name: u.name.clone(),
                table: u.table.clone(),
                definition: Some(ConstraintSpec {
                    foreign_key: None,
                    unique: Some(UniqueSpec {
                        name: None,
                        columns: u.columns.clone(),
                    }),
                    check: None,
                }),
            }),
            Operation::AddCheck(c) => Operation::DropConstraint(DropConstraint {
                name: c.name.clone(),
                table: c.table.clone(),
                definition: Some(ConstraintSpec {
                    foreign_key: None,
                    unique: None,
                    check: Some(CheckSpec {
                        name: None,
                        expression: c.expression.clone(),
                    }),
                }),
            }),
            Operation::DropConstraint(d) => {
                let Some(def) = &d.definition else {
                    return missing("`definition`");
                };
                let (name, table) = (d.name.clone(), d.table.clone());
                match (&def.foreign_key, &def.unique, &def.check) {
                    (Some(f), None, None) => Operation::AddForeignKey(AddForeignKey {
                        name,
                        table,
                        columns: f.columns.clone(),
                        references: f.references.clone(),
                        on_delete: f.on_delete.clone(),
                        on_update: f.on_update.clone(),
                    }),
                    (None, Some(u), None) => Operation::AddUnique(AddUnique {
                        name,
                        table,
                        columns: u.columns.clone(),
                    }),
                    (None, None, Some(c)) => Operation::AddCheck(AddCheck {
                        name,
                        table,
                        expression: c.expression.clone(),
                    }),
                    _ => return missing("exactly one of foreign_key, unique, check"),
                }
            }
            Operation::BulkInsert(r) => Operation::BulkDelete(r.clone()),
            Operation::BulkDelete(r) => Operation::BulkInsert(r.clone()),
            Operation::Execute(_) => return missing("a written `downgrade:`"),
        })
    }
}

/// The operations of an operation revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    /// `upgrade:`, in order.
    pub upgrade: Vec<Operation>,
    /// `downgrade:` as written, else derived ([`derive_downgrade`]); `None`
    /// when it cannot be derived (the revision is irreversible).
    pub downgrade: Option<Vec<Operation>>,
    /// Whether `downgrade:` was written.
    pub downgrade_written: bool,
    /// 1-based line of each `upgrade:` item (0 when unknown).
    pub upgrade_lines: Vec<usize>,
    /// 1-based line of each written `downgrade:` item.
    pub downgrade_lines: Vec<usize>,
}

impl Body {
    /// The operations of one direction (`up`: upgrade), with their lines;
    /// `None` for the down direction of an irreversible revision.
    pub fn section(&self, up: bool) -> Option<(&[Operation], &[usize])> {
        if up {
            Some((&self.upgrade, &self.upgrade_lines))
        } else {
            let lines: &[usize] = if self.downgrade_written {
                &self.downgrade_lines
            } else {
                &[]
            };
            self.downgrade.as_deref().map(|ops| (ops, lines))
        }
    }
}

/// The downgrade of `upgrade`: each operation reversed, in reverse order;
/// `Err` names the first operation that cannot be reversed.
///
/// # Errors
/// The reason of [`Operation::reverse`], with the operation's index.
pub fn derive_downgrade(upgrade: &[Operation]) -> Result<Vec<Operation>, (usize, String)> {
    upgrade
        .iter()
        .enumerate()
        .rev()
        .map(|(i, op)| op.reverse().map_err(|e| (i, e)))
        .collect()
}

/// SHA-256 of the canonical JSON of `ops` (see the module docs).
pub fn ops_checksum(ops: &[Operation]) -> String {
    checksum(&serde_json::to_string(ops).unwrap_or_default())
}

/// The header and body of an operation revision file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    revision: Option<String>,
    #[serde(default)]
    down_revision: Option<List>,
    #[serde(default)]
    branch_labels: Option<List>,
    #[serde(default)]
    depends_on: Option<List>,
    #[serde(default)]
    transactional: Option<bool>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    lint_allow: Option<List>,
    // serde_yaml 0.9 reads enums from `!tag`s; the format's
    // `- add_column: {...}` is a single-key map.
    #[serde(default, with = "serde_yaml::with::singleton_map_recursive")]
    upgrade: Option<Vec<Operation>>,
    #[serde(default, with = "serde_yaml::with::singleton_map_recursive")]
    downgrade: Option<Vec<Operation>>,
}

/// Whether a file name is an operation revision (`*.yaml` or `*.yml`).
pub fn is_ops_file(name: &str) -> bool {
    name.ends_with(".yaml") || name.ends_with(".yml")
}

/// Whether a `*.yaml` file is a Kubernetes or kustomize manifest rather
/// than an operation revision (a top-level `apiVersion:` or `kind:` key, or
/// the name `kustomization.yaml`), so that a migrations directory or
/// ConfigMap can sit beside its manifests: those are skipped, as other
/// files are, while any other YAML file must be a valid revision.
pub fn is_manifest(name: &str, contents: &str) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name);
    is_ops_file(name)
        && (base.starts_with("kustomization.")
            || contents
                .lines()
                .any(|l| l.starts_with("apiVersion:") || l.starts_with("kind:")))
}

/// Parses an operation revision file into a [`Revision`] whose
/// [`Revision::ops`] holds the operations; `up_sql` is empty and
/// `down_sql` a placeholder comment when there is a downgrade (so that
/// [`Revision::is_reversible`] holds), since SQL exists only once a dialect
/// is known.
///
/// # Errors
/// Every problem, with the file and 1-based line: YAML syntax, unknown
/// keys or operations, missing fields, invalid ids, unknown types, empty
/// names.
pub fn parse(file: &str, contents: &str) -> Result<Revision, Vec<ParseError>> {
    let err = |line: usize, kind: ParseErrorKind| ParseError {
        file: file.to_owned(),
        line: line.max(1),
        kind,
    };
    let parsed: File = match serde_yaml::from_str(contents) {
        Ok(f) => f,
        Err(e) => {
            let line = e.location().map_or(1, |l| l.line());
            let msg = e.to_string();
            let msg = msg
                .rsplit_once(" at line ")
                .map_or(msg.as_str(), |(m, _)| m)
                .to_owned();
            let hint = if msg.contains("unknown field") && msg.contains(")`") {
                " (inside `{...}` a comma separates fields: quote a type such as \"numeric(10,2)\")"
            } else {
                ""
            };
            return Err(vec![err(
                line,
                ParseErrorKind::Yaml(format!("{msg}{hint}")),
            )]);
        }
    };
    let key_line = |key: &str| {
        contents
            .lines()
            .position(|l| l.strip_prefix(key).is_some_and(|r| r.starts_with(':')))
            .map_or(0, |i| i + 1)
    };
    // The header goes through the SQL format's rules, as `-- key: value` lines.
    let mut header = String::new();
    let pad_to = |line: usize, text: String, header: &mut String| {
        let have = header.matches('\n').count() + 1;
        for _ in have..line.max(1) {
            header.push('\n');
        }
        header.push_str(&text);
        header.push('\n');
    };
    let joined = |l: &Option<List>| l.as_ref().map(|l| l.items().join(", "));
    let mut fields: Vec<(&str, Option<String>)> = vec![
        ("revision", parsed.revision.clone()),
        ("down_revision", joined(&parsed.down_revision)),
        ("branch_labels", joined(&parsed.branch_labels)),
        ("depends_on", joined(&parsed.depends_on)),
        ("transactional", parsed.transactional.map(|b| b.to_string())),
        ("message", parsed.message.clone()),
    ];
    if let Some(l) = &parsed.lint_allow {
        for item in l.items() {
            fields.push(("lint_allow", Some(item)));
        }
    }
    let mut placed: Vec<(usize, String)> = fields
        .into_iter()
        .filter_map(|(k, v)| Some((key_line(k), format!("-- {k}: {}", v?))))
        .collect();
    placed.sort_by_key(|(l, _)| *l);
    for (line, text) in placed {
        pad_to(line, text, &mut header);
    }
    header.push_str("-- migrate:up\n");
    let mut rev = Revision::parse(&format!("{file}#header"), &header).map_err(|errs| {
        errs.into_iter()
            .map(|e| err(e.line, e.kind))
            .collect::<Vec<_>>()
    })?;
    rev.file = file.to_owned();
    // No `-- migrate:` markers in this format: lines are the operations' own.
    rev.lines.up = 0;
    rev.lines.down = 0;

    let mut errors = Vec::new();
    let Some(upgrade) = parsed.upgrade else {
        return Err(vec![err(
            1,
            ParseErrorKind::Yaml("missing `upgrade:` (a list of operations)".into()),
        )]);
    };
    let upgrade_lines = item_lines(contents, "upgrade", upgrade.len());
    let downgrade_lines = item_lines(
        contents,
        "downgrade",
        parsed.downgrade.as_ref().map_or(0, Vec::len),
    );
    for (section, ops, lines) in [
        ("upgrade", Some(&upgrade), &upgrade_lines),
        ("downgrade", parsed.downgrade.as_ref(), &downgrade_lines),
    ] {
        for (i, op) in ops.into_iter().flatten().enumerate() {
            if let Err(message) = render::check(op) {
                errors.push(err(
                    lines[i],
                    ParseErrorKind::Operation {
                        section,
                        index: i,
                        op: op.name().to_owned(),
                        message,
                    },
                ));
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let downgrade_written = parsed.downgrade.is_some();
    let downgrade = match parsed.downgrade {
        Some(d) => Some(d),
        None => derive_downgrade(&upgrade).ok(),
    };
    rev.checksum = ops_checksum(&upgrade);
    rev.down_checksum = match &downgrade {
        Some(d) => ops_checksum(d),
        None => checksum(""),
    };
    rev.up_sql = String::new();
    rev.down_sql = downgrade
        .as_ref()
        .map(|_| "-- operations: rendered for the database's dialect when the step runs\n".into());
    if upgrade
        .iter()
        .chain(downgrade.iter().flatten())
        .any(Operation::concurrently)
    {
        rev.transactional = false;
    }
    rev.ops = Some(Arc::new(Body {
        upgrade,
        downgrade,
        downgrade_written,
        upgrade_lines,
        downgrade_lines,
    }));
    Ok(rev)
}

/// `ops` as the block-style YAML list an operation revision holds under
/// `upgrade:`/`downgrade:` (`- add_column: ...`), not indented.
pub fn to_yaml(ops: &[Operation]) -> String {
    let mut buf = Vec::new();
    let mut ser = serde_yaml::Serializer::new(&mut buf);
    // Serialising plain data to a Vec cannot fail.
    let _ = serde_yaml::with::singleton_map_recursive::serialize(&ops, &mut ser);
    String::from_utf8(buf).unwrap_or_default()
}

/// `rev` with `up_sql` and `down_sql` holding its operations rendered for
/// `dialect` as far as that is possible without a database, for lint and
/// `show`: each operation's statements start on the operation's own line
/// of the file, and an operation that needs the live schema (a SQLite
/// rebuild of an existing table, say) becomes a comment that says so. A
/// SQL revision comes back unchanged.
pub fn preview(rev: &Revision, dialect: crate::dialect::Dialect) -> Revision {
    let mut out = rev.clone();
    let Some(body) = &rev.ops else {
        return out;
    };
    let mut model = render::Model::default();
    let text = |ops: &[Operation], lines: &[usize], model: &mut render::Model| {
        let mut sql = String::new();
        let mut line = 1;
        for (i, op) in ops.iter().enumerate() {
            let want = lines.get(i).copied().unwrap_or(0);
            while line < want {
                sql.push('\n');
                line += 1;
            }
            let stmts = match render::render(std::slice::from_ref(op), dialect, model) {
                Ok(stmts) => stmts,
                Err((_, why)) => vec![format!(
                    "-- {}: rendered when the step runs ({})",
                    op.name(),
                    why.lines().next().unwrap_or("")
                )],
            };
            for s in stmts {
                // The renderer's notes (`-- DESTRUCTIVE: ...`) would move the
                // statement off the operation's line; lint finds those itself.
                let s = match s.lines().position(|l| !l.trim_start().starts_with("--")) {
                    Some(i) if i > 0 => s.lines().skip(i).collect::<Vec<_>>().join("\n"),
                    _ => s,
                };
                let s = if s.trim_start().starts_with("--") && !s.contains('\n') {
                    format!("{s}\n")
                } else {
                    format!("{s};\n")
                };
                line += s.matches('\n').count();
                sql.push_str(&s);
            }
        }
        sql
    };
    out.up_sql = text(&body.upgrade, &body.upgrade_lines, &mut model);
    out.down_sql = body
        .section(false)
        .map(|(ops, lines)| text(ops, lines, &mut model));
    out
}

/// 1-based lines of the first `count` items of the top-level list `key:`
/// (block style); 0 for items not found (flow style).
fn item_lines(contents: &str, key: &str, count: usize) -> Vec<usize> {
    let mut out = Vec::with_capacity(count);
    let mut lines = contents.lines().enumerate();
    let start = format!("{key}:");
    if lines.by_ref().any(|(_, l)| l.starts_with(&start)) {
        let mut indent = None;
        for (i, l) in lines {
            let t = l.trim_start();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            let n = l.len() - t.len();
            if n == 0 && !t.starts_with('-') {
                break;
            }
            if t.starts_with("- ") || t == "-" {
                let want = *indent.get_or_insert(n);
                if n == want {
                    out.push(i + 1);
                    if out.len() == count {
                        break;
                    }
                }
            }
        }
    }
    out.resize(count, 0);
    out
}

#[cfg(test)]
mod tests;
