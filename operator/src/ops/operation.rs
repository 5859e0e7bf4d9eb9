//! What an operation knows of itself: its name, the tables it touches,
//! its reverse; and an operation revision's body.

use super::OpsError;
use super::*;
use crate::sqltext::checksum;

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
    pub fn reverse(&self) -> Result<Operation, OpsError> {
        let missing = |what: &str| {
            Err(OpsError::Irreversible(format!(
                "irreversible: {} without {what}",
                self.name()
            )))
        };
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
pub fn derive_downgrade(upgrade: &[Operation]) -> Result<Vec<Operation>, (usize, OpsError)> {
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
