//! [`Op`]: one schema change, with the full old and new state it needs to
//! be rendered and [reversed](Op::reverse). Pure.

use crate::schema::{Check, Column, ForeignKey, Index, Table, Unique};

/// One schema change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Create a table (with the foreign keys in it).
    CreateTable(Table),
    /// Drop a table (its definition, to recreate it).
    DropTable(Table),
    /// Add a column.
    AddColumn {
        /// Table.
        table: String,
        /// The column.
        column: Column,
    },
    /// Drop a column.
    DropColumn {
        /// Table.
        table: String,
        /// The column as it was.
        column: Column,
    },
    /// Change a column's type, nullability, default, collation, identity or comment.
    AlterColumn {
        /// Table.
        table: String,
        /// Before.
        from: Column,
        /// After.
        to: Column,
    },
    /// Change the primary key.
    SetPrimaryKey {
        /// Table.
        table: String,
        /// Columns before (empty: none).
        from: Vec<String>,
        /// Columns after (empty: none).
        to: Vec<String>,
    },
    /// Add a unique constraint.
    AddUnique {
        /// Table.
        table: String,
        /// The constraint.
        unique: Unique,
    },
    /// Drop a unique constraint.
    DropUnique {
        /// Table.
        table: String,
        /// The constraint as it was.
        unique: Unique,
    },
    /// Create an index.
    CreateIndex {
        /// Table.
        table: String,
        /// The index.
        index: Index,
    },
    /// Drop an index.
    DropIndex {
        /// Table.
        table: String,
        /// The index as it was.
        index: Index,
    },
    /// Add a foreign key.
    AddForeignKey {
        /// Table.
        table: String,
        /// The key.
        fk: ForeignKey,
    },
    /// Drop a foreign key.
    DropForeignKey {
        /// Table.
        table: String,
        /// The key as it was.
        fk: ForeignKey,
    },
    /// Add an exclusion constraint (PostgreSQL).
    AddExclusion {
        /// Table.
        table: String,
        /// The constraint.
        exclusion: crate::schema::Exclusion,
    },
    /// Drop an exclusion constraint (PostgreSQL).
    DropExclusion {
        /// Table.
        table: String,
        /// The constraint.
        exclusion: crate::schema::Exclusion,
    },
    /// Add a check constraint.
    AddCheck {
        /// Table.
        table: String,
        /// The check.
        check: Check,
    },
    /// Drop a check constraint.
    DropCheck {
        /// Table.
        table: String,
        /// The check as it was.
        check: Check,
    },
    /// Create, drop or relabel an enum type (PostgreSQL). Labels only
    /// added become `ADD VALUE`s; any other change recreates the type and
    /// converts `columns` through text.
    Enum {
        /// The type's name.
        name: String,
        /// Labels before (`None`: the type is created).
        from: Option<Vec<String>>,
        /// Labels after (`None`: the type is dropped).
        to: Option<Vec<String>>,
        /// `(table, column, default)` of the columns of the type where the
        /// change runs, for a recreation.
        columns: Vec<(String, String, Option<String>)>,
    },
    /// Create, drop or change a domain (PostgreSQL). A changed default,
    /// `NOT NULL` or check is altered in place; a changed base type or
    /// collation recreates the domain and converts `columns`.
    Domain {
        /// The domain's name.
        name: String,
        /// Before (`None`: the domain is created).
        from: Option<crate::schema::Domain>,
        /// After (`None`: the domain is dropped).
        to: Option<crate::schema::Domain>,
        /// `(table, column, default)` of the columns of the domain where
        /// the change runs, for a recreation.
        columns: Vec<(String, String, Option<String>)>,
    },
    /// Create, change (`ALTER SEQUENCE`, every setting) or drop a
    /// standalone sequence (PostgreSQL).
    Sequence {
        /// The sequence's name.
        name: String,
        /// Before (`None`: the sequence is created).
        from: Option<crate::schema::Sequence>,
        /// After (`None`: the sequence is dropped).
        to: Option<crate::schema::Sequence>,
    },
    /// Install (`create`) or remove an extension (PostgreSQL).
    Extension {
        /// The extension's name.
        name: String,
        /// `true`: `CREATE EXTENSION`; `false`: `DROP EXTENSION`.
        create: bool,
    },
    /// Change a table's options (MySQL's engine, character set,
    /// collation).
    SetTableOptions {
        /// Table.
        table: String,
        /// Before.
        from: crate::schema::TableOptions,
        /// After (only what it states is changed).
        to: crate::schema::TableOptions,
    },
    /// Attach a table to a partitioned table or detach it, or make it
    /// `UNLOGGED` or logged again (PostgreSQL; a changed partition key is
    /// a drop and create instead).
    SetStorage {
        /// Table.
        table: String,
        /// Before.
        from: crate::schema::Storage,
        /// After.
        to: crate::schema::Storage,
    },
    /// Create or drop a view (a changed one is dropped and created; see
    /// `views.rs`).
    View {
        /// The view's name.
        name: String,
        /// Before (`None`: the view is created).
        from: Option<crate::schema::View>,
        /// After (`None`: the view is dropped).
        to: Option<crate::schema::View>,
    },
    /// Create or drop a function or procedure (a changed one is dropped
    /// and created).
    Function {
        /// The function's name.
        name: String,
        /// Before (`None`: the function is created).
        from: Option<crate::schema::Function>,
        /// After (`None`: the function is dropped).
        to: Option<crate::schema::Function>,
    },
    /// Create or drop a trigger (a changed one is dropped and created).
    Trigger {
        /// The trigger's key in [`crate::schema::Schema::triggers`]
        /// (`table.name`).
        name: String,
        /// Before (`None`: the trigger is created).
        from: Option<crate::schema::Trigger>,
        /// After (`None`: the trigger is dropped).
        to: Option<crate::schema::Trigger>,
    },
    /// Set or clear a table comment.
    SetTableComment {
        /// Table.
        table: String,
        /// Before.
        from: Option<String>,
        /// After.
        to: Option<String>,
    },
}

impl Op {
    /// The table the operation changes.
    pub fn table(&self) -> &str {
        match self {
            Op::CreateTable(t) | Op::DropTable(t) => &t.name,
            Op::AddColumn { table, .. }
            | Op::DropColumn { table, .. }
            | Op::AlterColumn { table, .. }
            | Op::SetPrimaryKey { table, .. }
            | Op::AddUnique { table, .. }
            | Op::DropUnique { table, .. }
            | Op::CreateIndex { table, .. }
            | Op::DropIndex { table, .. }
            | Op::AddForeignKey { table, .. }
            | Op::DropForeignKey { table, .. }
            | Op::AddCheck { table, .. }
            | Op::AddExclusion { table, .. }
            | Op::DropExclusion { table, .. }
            | Op::DropCheck { table, .. }
            | Op::SetTableComment { table, .. }
            | Op::SetTableOptions { table, .. }
            | Op::SetStorage { table, .. } => table,
            Op::Enum { name, .. }
            | Op::Extension { name, .. }
            | Op::Domain { name, .. }
            | Op::Sequence { name, .. }
            | Op::View { name, .. }
            | Op::Trigger { name, .. }
            | Op::Function { name, .. } => name,
        }
    }

    /// The operation that undoes this one.
    pub fn reverse(&self) -> Op {
        let t = |s: &String| s.clone();
        match self {
            Op::CreateTable(x) => Op::DropTable(x.clone()),
            Op::DropTable(x) => Op::CreateTable(x.clone()),
            Op::AddColumn { table, column } => Op::DropColumn {
                table: t(table),
                column: column.clone(),
            },
            Op::DropColumn { table, column } => Op::AddColumn {
                table: t(table),
                column: column.clone(),
            },
            Op::AlterColumn { table, from, to } => Op::AlterColumn {
                table: t(table),
                from: to.clone(),
                to: from.clone(),
            },
            Op::SetPrimaryKey { table, from, to } => Op::SetPrimaryKey {
                table: t(table),
                from: to.clone(),
                to: from.clone(),
            },
            Op::AddUnique { table, unique } => Op::DropUnique {
                table: t(table),
                unique: unique.clone(),
            },
            Op::DropUnique { table, unique } => Op::AddUnique {
                table: t(table),
                unique: unique.clone(),
            },
            Op::CreateIndex { table, index } => Op::DropIndex {
                table: t(table),
                index: index.clone(),
            },
            Op::DropIndex { table, index } => Op::CreateIndex {
                table: t(table),
                index: index.clone(),
            },
            Op::AddForeignKey { table, fk } => Op::DropForeignKey {
                table: t(table),
                fk: fk.clone(),
            },
            Op::DropForeignKey { table, fk } => Op::AddForeignKey {
                table: t(table),
                fk: fk.clone(),
            },
            Op::AddExclusion { table, exclusion } => Op::DropExclusion {
                table: t(table),
                exclusion: exclusion.clone(),
            },
            Op::DropExclusion { table, exclusion } => Op::AddExclusion {
                table: t(table),
                exclusion: exclusion.clone(),
            },
            Op::AddCheck { table, check } => Op::DropCheck {
                table: t(table),
                check: check.clone(),
            },
            Op::DropCheck { table, check } => Op::AddCheck {
                table: t(table),
                check: check.clone(),
            },
            Op::SetTableOptions { table, from, to } => Op::SetTableOptions {
                table: t(table),
                from: to.clone(),
                to: from.clone(),
            },
            Op::SetStorage { table, from, to } => Op::SetStorage {
                table: t(table),
                from: to.clone(),
                to: from.clone(),
            },
            Op::SetTableComment { table, from, to } => Op::SetTableComment {
                table: t(table),
                from: to.clone(),
                to: from.clone(),
            },
            Op::Domain {
                name,
                from,
                to,
                columns,
            } => Op::Domain {
                name: t(name),
                from: to.clone(),
                to: from.clone(),
                columns: columns.clone(),
            },
            Op::Sequence { name, from, to } => Op::Sequence {
                name: t(name),
                from: to.clone(),
                to: from.clone(),
            },
            Op::Extension { name, create } => Op::Extension {
                name: t(name),
                create: !create,
            },
            Op::View { name, from, to } => Op::View {
                name: t(name),
                from: to.clone(),
                to: from.clone(),
            },
            Op::Trigger { name, from, to } => Op::Trigger {
                name: t(name),
                from: to.clone(),
                to: from.clone(),
            },
            Op::Function { name, from, to } => Op::Function {
                name: t(name),
                from: to.clone(),
                to: from.clone(),
            },
            Op::Enum {
                name,
                from,
                to,
                columns,
            } => Op::Enum {
                name: t(name),
                from: to.clone(),
                to: from.clone(),
                columns: columns.clone(),
            },
        }
    }
}
