//! The rules for one parsed statement.

use super::algorithms::{self, Algorithm, AlterOp};
use super::column::{column_facts, def_facts, long_identifiers, style, ColumnFacts};
use super::state::{Facts, Model, Seen};
use super::types::{self, SqlType};
use super::volatility::calls_volatile;
use super::Hit;
use crate::dialect::OnlineDdl;
use sqlparser::ast::{
    AlterColumnOperation, AlterTable, AlterTableAlgorithm, AlterTableOperation, AlterTypeOperation,
    AssignmentTarget, ColumnOption, CreateIndex, DataType, DetachPartitionMode, ObjectName,
    ObjectType, Statement, TableConstraint,
};
use std::collections::BTreeSet;

/// The last part of a name, lower-cased unless quoted.
pub(super) fn last(name: &ObjectName) -> String {
    name.0
        .last()
        .and_then(|p| p.as_ident())
        .map(|i| {
            if i.quote_style.is_some() {
                i.value.clone()
            } else {
                i.value.to_lowercase()
            }
        })
        .unwrap_or_default()
}

pub(super) fn ident(i: &sqlparser::ast::Ident) -> String {
    if i.quote_style.is_some() {
        i.value.clone()
    } else {
        i.value.to_lowercase()
    }
}

/// The checker of one revision's statements.
pub(super) struct Checker<'a> {
    /// Facts from outside the revision.
    pub facts: &'a Facts<'a>,
    /// Earlier revisions' model.
    pub model: &'a mut Model,
    /// This revision so far.
    pub seen: &'a mut Seen,
}

impl Checker<'_> {
    fn pg(&self) -> bool {
        self.facts.family == OnlineDdl::LockLevels
    }

    fn is_new(&self, table: &str) -> bool {
        self.seen.is_new(self.model, table)
    }

    /// The hits of one parsed statement.
    pub(super) fn statement(&mut self, s: &Statement, sql: &str) -> Vec<Hit> {
        let mut hits = Vec::new();
        let ddl = !matches!(
            s,
            Statement::Query(_)
                | Statement::Insert(_)
                | Statement::Update(_)
                | Statement::Delete(_)
                | Statement::Set(_)
        );
        if ddl {
            if let Some(limit) = self.facts.identifier_limit {
                if let Some(long) = long_identifiers(sql, limit) {
                    hits.push(Hit::detail("RV603", format!(" (`{long}`)")));
                }
            }
        }
        // A label added in this transaction, used by a later statement.
        if self.facts.in_transaction && !self.seen.new_labels.is_empty() && !ddl {
            if let Some(l) = self
                .seen
                .new_labels
                .iter()
                .find(|l| sql.contains(&format!("'{l}'")))
            {
                hits.push(Hit::detail("RV404", format!(" ('{l}')")));
            }
        }
        match s {
            Statement::CreateTable(ct) => {
                self.seen.ddl = true;
                let t = last(&ct.name);
                let mut names = BTreeSet::new();
                for c in &ct.columns {
                    let name = ident(&c.name);
                    if !names.insert(name.clone()) {
                        hits.push(Hit::detail("RV604", format!(" (`{name}`)")));
                    }
                    let f = def_facts(c);
                    if self.pg() {
                        style(&f.ty, f.serial, &mut hits, &t);
                    }
                    self.remember_column(&t, &name, &f);
                    self.seen.created_columns.insert((t.clone(), name));
                }
                self.seen.created_tables.insert(t);
            }
            Statement::Drop {
                object_type, names, ..
            } => {
                self.seen.ddl = true;
                match object_type {
                    ObjectType::Table => {
                        if names.iter().any(|n| !self.is_new(&last(n))) {
                            hits.push(Hit::new("RV101"));
                        }
                        // A table created and dropped again in this revision
                        // is gone after it: no down section needs to drop it.
                        for n in names {
                            self.seen.created_tables.remove(&last(n));
                        }
                    }
                    ObjectType::Schema | ObjectType::Database => hits.push(Hit::new("RV103")),
                    // Named, so that a view created again later in the
                    // revision (autogenerate's drop-and-create) is exempt.
                    ObjectType::View | ObjectType::MaterializedView => {
                        hits.extend(names.iter().map(|n| Hit::on("RV103", &last(n))));
                    }
                    ObjectType::Index if self.pg() => {
                        let fresh = names
                            .iter()
                            .all(|n| self.seen.created_indexes.contains(&last(n)));
                        if !fresh {
                            hits.push(Hit::new("RV313"));
                        }
                    }
                    _ => {}
                }
            }
            Statement::Truncate(_) => hits.push(Hit::new("RV104")),
            Statement::Delete(d) => {
                self.seen.dml = true;
                if d.selection.is_none() {
                    hits.push(Hit::new("RV105"));
                }
            }
            Statement::Update(u) => {
                self.seen.dml = true;
                if u.selection.is_none() {
                    hits.push(Hit::new("RV105"));
                }
                let mut targets = BTreeSet::new();
                for a in &u.assignments {
                    let names: Vec<String> = match &a.target {
                        AssignmentTarget::ColumnName(n) => vec![last(n)],
                        AssignmentTarget::Tuple(ns) => ns.iter().map(last).collect(),
                    };
                    for n in names {
                        if !targets.insert(n.clone()) {
                            hits.push(Hit::detail("RV604", format!(" (`{n}`)")));
                        }
                    }
                }
            }
            Statement::Insert(i) => {
                self.seen.dml = true;
                let mut cols = BTreeSet::new();
                for c in &i.columns {
                    if !cols.insert(last(c)) {
                        hits.push(Hit::detail("RV604", format!(" (`{}`)", last(c))));
                    }
                }
            }
            Statement::CreateIndex(ci) => self.create_index(ci, &mut hits),
            Statement::AlterTable(at) => self.alter_table(at, &mut hits),
            Statement::AlterType(at) if self.pg() => {
                self.seen.ddl = true;
                match &at.operation {
                    AlterTypeOperation::Rename(_) | AlterTypeOperation::RenameValue(_) => {
                        hits.push(Hit::new("RV201"))
                    }
                    AlterTypeOperation::AddValue(add) => {
                        // In a transaction only since PostgreSQL 12.
                        if self.facts.in_transaction && !self.facts.server.at_least(12, 0, 0) {
                            hits.push(Hit::detail(
                                "RV401",
                                format!(" (PostgreSQL {})", self.facts.server),
                            ));
                        }
                        if add.position.is_none() {
                            hits.push(Hit::new("RV205"));
                        }
                        self.seen.new_labels.insert(add.value.value.clone());
                    }
                }
            }
            Statement::AlterSchema(a) => {
                self.seen.ddl = true;
                if a.operations
                    .iter()
                    .any(|o| matches!(o, sqlparser::ast::AlterSchemaOperation::Rename { .. }))
                {
                    hits.push(Hit::new("RV201"));
                }
            }
            Statement::AlterView(v) => {
                self.seen.ddl = true;
                if v.operation
                    .to_string()
                    .to_uppercase()
                    .starts_with("RENAME TO")
                {
                    hits.push(Hit::new("RV201"));
                }
            }
            Statement::AlterFunction(f) => {
                self.seen.ddl = true;
                if f.to_string().to_uppercase().contains(" RENAME TO ") {
                    hits.push(Hit::new("RV201"));
                }
            }
            Statement::RenameTable(_) => {
                self.seen.ddl = true;
                hits.push(Hit::new("RV201"));
            }
            Statement::CreateDomain(d) if self.pg() => {
                self.seen.ddl = true;
                if d.constraints
                    .iter()
                    .any(|c| matches!(c, TableConstraint::Check(_)))
                {
                    hits.push(Hit::new("RV316"));
                }
            }
            Statement::Vacuum(v) if self.pg() => {
                if self.facts.in_transaction {
                    hits.push(Hit::new("RV401"));
                }
                if v.full {
                    hits.push(Hit::new("RV306"));
                }
            }
            Statement::Lock(_) if self.pg() => hits.push(Hit::new("RV306")),
            Statement::CreateView(v) => {
                self.seen.ddl = true;
                // A view born here has no readers to block.
                self.seen.created_other.insert(last(&v.name));
            }
            Statement::DropFunction(d) => {
                self.seen.ddl = true;
                hits.extend(d.func_desc.iter().map(|f| Hit::on("RV103", &last(&f.name))));
            }
            Statement::CreateFunction(f) => {
                self.seen.ddl = true;
                self.seen.created_other.insert(last(&f.name));
            }
            Statement::CreateSequence { name, .. } => {
                self.seen.ddl = true;
                self.seen.created_other.insert(last(name));
            }
            Statement::Set(_) => {}
            _ => self.seen.ddl |= ddl,
        }
        hits
    }

    fn remember_column(&mut self, table: &str, column: &str, f: &ColumnFacts) {
        let key = (table.to_owned(), column.to_owned());
        self.model.types.insert(key.clone(), f.ty.clone());
        if f.not_null || f.key {
            self.model.not_null.insert(key);
        } else {
            self.model.not_null.remove(&key);
        }
    }

    fn create_index(&mut self, ci: &CreateIndex, hits: &mut Vec<Hit>) {
        self.seen.ddl = true;
        let t = last(&ci.table_name);
        if let Some(n) = &ci.name {
            self.seen.created_indexes.insert(last(n));
        }
        if !self.pg() {
            if self.facts.family == OnlineDdl::Algorithms && !self.is_new(&t) {
                self.algorithm(&t, &[AlterOp::AddIndex], None, hits);
            }
            return;
        }
        if ci.concurrently {
            if self.facts.in_transaction {
                hits.push(Hit::on("RV401", &t));
            } else if !ci.if_not_exists {
                hits.push(Hit::on("RV405", &t));
            }
        } else if !self.is_new(&t) {
            hits.push(Hit::on("RV301", &t));
        }
    }

    fn alter_table(&mut self, at: &AlterTable, hits: &mut Vec<Hit>) {
        self.seen.ddl = true;
        let t = last(&at.name);
        let new_table = self.is_new(&t);
        let pg = self.pg();
        let mut ops: Vec<AlterOp> = Vec::new();
        let mut stated: Option<AlterTableAlgorithm> = None;
        let mut added = BTreeSet::new();
        for op in &at.operations {
            match op {
                AlterTableOperation::Algorithm { algorithm, .. } => stated = Some(*algorithm),
                AlterTableOperation::DropColumn { column_names, .. } => {
                    ops.push(AlterOp::DropColumn);
                    for c in column_names {
                        let key = (t.clone(), ident(c));
                        if !self.seen.created_columns.contains(&key) && !new_table {
                            self.seen.dropped_columns += 1;
                            hits.push(Hit::on("RV102", &t));
                        }
                        self.model.types.remove(&key);
                    }
                }
                AlterTableOperation::RenameColumn { .. }
                | AlterTableOperation::RenameTable { .. } => {
                    if !new_table {
                        hits.push(Hit::on("RV201", &t));
                    }
                    ops.push(if matches!(op, AlterTableOperation::RenameTable { .. }) {
                        AlterOp::Metadata
                    } else {
                        AlterOp::RenameColumn
                    });
                }
                AlterTableOperation::ChangeColumn {
                    old_name,
                    new_name,
                    data_type,
                    options,
                    ..
                } => {
                    if old_name.value != new_name.value && !new_table {
                        hits.push(Hit::on("RV201", &t));
                    }
                    ops.push(self.mysql_change(&t, old_name, data_type, options));
                }
                AlterTableOperation::ModifyColumn {
                    col_name,
                    data_type,
                    options,
                    ..
                } => ops.push(self.mysql_change(&t, col_name, data_type, options)),
                AlterTableOperation::AddColumn {
                    column_def,
                    column_position,
                    ..
                } => {
                    let name = ident(&column_def.name);
                    if !added.insert(name.clone()) {
                        hits.push(Hit::detail("RV604", format!(" (`{name}`)")));
                    }
                    let f = def_facts(column_def);
                    self.add_column(&t, &name, &f, new_table, hits);
                    ops.push(AlterOp::AddColumn {
                        positioned: column_position.is_some(),
                        stored_generated: f.stored_generated,
                        auto_increment: f.auto_increment,
                    });
                    if f.key {
                        ops.push(AlterOp::AddIndex);
                    }
                }
                AlterTableOperation::AlterColumn { column_name, op } => {
                    let c = ident(column_name);
                    ops.push(AlterOp::Metadata);
                    self.alter_column(&t, &c, op, new_table, hits);
                }
                AlterTableOperation::AddConstraint {
                    constraint,
                    not_valid,
                } => {
                    ops.push(self.add_constraint(&t, constraint, *not_valid, new_table, hits));
                }
                AlterTableOperation::ValidateConstraint { name } => {
                    let n = ident(name);
                    if self.seen.not_valid.contains(&n) && self.facts.in_transaction {
                        hits.push(Hit::on("RV310", &t));
                    }
                    if let Some((_, valid)) = self.model.not_null_checks.get_mut(&n) {
                        *valid = true;
                    }
                }
                AlterTableOperation::DetachPartitionOf { mode, .. } if pg => match mode {
                    Some(DetachPartitionMode::Concurrently) if self.facts.in_transaction => {
                        hits.push(Hit::on("RV401", &t))
                    }
                    Some(_) => {}
                    None => hits.push(Hit::on("RV315", &t)),
                },
                AlterTableOperation::DropPrimaryKey { .. } => ops.push(AlterOp::DropPrimaryKey),
                AlterTableOperation::DropIndex { .. }
                | AlterTableOperation::DropForeignKey { .. }
                | AlterTableOperation::DropConstraint { .. } => ops.push(AlterOp::DropIndex),
                _ => ops.push(AlterOp::Metadata),
            }
        }
        if self.facts.family == OnlineDdl::Algorithms && !new_table {
            // DROP PRIMARY KEY with a new one in the same statement rebuilds.
            if ops.iter().any(|o| matches!(o, AlterOp::AddPrimaryKey)) {
                ops.retain(|o| !matches!(o, AlterOp::DropPrimaryKey));
            }
            self.algorithm(&t, &ops, stated, hits);
        }
        if self.facts.family == OnlineDdl::Rebuilds && !new_table && !ops.is_empty() {
            let rebuilds = ops.iter().any(|o| {
                !matches!(
                    o,
                    AlterOp::AddColumn { .. } | AlterOp::RenameColumn | AlterOp::Metadata
                )
            });
            if rebuilds {
                hits.push(Hit::on("RV317", &t));
            }
        }
    }

    /// RV311/RV312 for an `ALTER TABLE` of `ops` on MySQL/MariaDB, unless
    /// the statement states `ALGORITHM=INSTANT` or `INPLACE`.
    pub(super) fn algorithm(
        &self,
        table: &str,
        ops: &[AlterOp],
        stated: Option<AlterTableAlgorithm>,
        hits: &mut Vec<Hit>,
    ) {
        let server = self.facts.server;
        let Some((alg, why)) = ops
            .iter()
            .map(|o| algorithms::algorithm(o, server))
            .max_by_key(|(a, _)| *a)
        else {
            return;
        };
        // A stated algorithm other than COPY makes the server refuse
        // instead of copying: the hazard cannot happen.
        if matches!(
            stated,
            Some(AlterTableAlgorithm::Instant | AlterTableAlgorithm::Inplace)
        ) {
            return;
        }
        let flavour = if server.is_mariadb() {
            "MariaDB"
        } else {
            "MySQL"
        };
        let detail = format!(" ({why}: ALGORITHM={} on {flavour} {server})", alg.clause());
        match alg {
            Algorithm::Copy => hits.push(Hit::on("RV311", table).with(detail)),
            Algorithm::Rebuild => hits.push(Hit::on("RV312", table).with(detail)),
            Algorithm::Instant | Algorithm::InPlace => {}
        }
    }

    fn mysql_change(
        &mut self,
        table: &str,
        column: &sqlparser::ast::Ident,
        data_type: &DataType,
        options: &[ColumnOption],
    ) -> AlterOp {
        let key = (table.to_owned(), ident(column));
        let f = column_facts(data_type, options.iter());
        let from = self.model.types.get(&key).cloned();
        let was_not_null = self.model.not_null.contains(&key);
        let nullability = from.is_some() && was_not_null != (f.not_null || f.key);
        self.remember_column(table, &key.1, &f);
        AlterOp::ChangeType {
            from,
            to: f.ty,
            nullability,
        }
    }

    fn add_column(
        &mut self,
        t: &str,
        name: &str,
        f: &ColumnFacts,
        new_table: bool,
        hits: &mut Vec<Hit>,
    ) {
        self.seen
            .created_columns
            .insert((t.to_owned(), name.to_owned()));
        self.remember_column(t, name, f);
        let pg = self.pg();
        if pg {
            style(&f.ty, f.serial, hits, t);
        }
        if new_table {
            return;
        }
        self.seen.added_columns += 1;
        let generated = f.serial || f.identity || f.stored_generated || f.auto_increment;
        if f.not_null && f.default.is_none() && !generated {
            hits.push(Hit::on("RV202", t));
        }
        if f.ty.base() == "json" {
            hits.push(Hit::on("RV206", t));
        }
        if !pg {
            return;
        }
        if generated {
            hits.push(Hit::on("RV308", t));
        }
        if let Some(d) = &f.default {
            let fast_defaults = self.facts.server.at_least(11, 0, 0);
            let is_null = d.eq_ignore_ascii_case("null");
            if !is_null && (!fast_defaults || calls_volatile(d, self.facts.functions)) {
                let why = if fast_defaults {
                    " (a volatile function)".to_owned()
                } else {
                    format!(" (PostgreSQL {} has no fast defaults)", self.facts.server)
                };
                hits.push(Hit::on("RV302", t).with(why));
            }
        }
        if f.references || f.check {
            hits.push(Hit::on("RV305", t));
        }
        if f.key {
            hits.push(Hit::on("RV307", t));
        }
    }

    fn alter_column(
        &mut self,
        t: &str,
        c: &str,
        op: &AlterColumnOperation,
        new_table: bool,
        hits: &mut Vec<Hit>,
    ) {
        let key = (t.to_owned(), c.to_owned());
        let fresh = new_table || self.seen.created_columns.contains(&key);
        match op {
            AlterColumnOperation::SetDataType { data_type, .. } => {
                let to = SqlType::parse(&data_type.to_string());
                let from = self.model.types.get(&key).cloned();
                if !fresh {
                    let (rewrites, narrows, note) = match &from {
                        Some(from) => {
                            let ch = types::change(from, &to);
                            (ch.rewrites, ch.narrows, format!(" (from {})", from.base()))
                        }
                        // Unknown old type: a string or unconstrained
                        // target takes every value and is, from the
                        // string types it usually comes from, coercible.
                        None => (
                            !to.holds_anything(),
                            to.is_bounded(),
                            " (the old type is not known to lint)".to_owned(),
                        ),
                    };
                    if narrows {
                        hits.push(Hit::on("RV106", t).with(note.clone()));
                    }
                    if rewrites && self.pg() {
                        hits.push(Hit::on("RV303", t).with(note));
                    }
                }
                self.model.types.insert(key, to);
            }
            AlterColumnOperation::SetNotNull => {
                let checked = self.facts.server.at_least(12, 0, 0)
                    && self
                        .model
                        .not_null_checks
                        .values()
                        .any(|(k, valid)| *k == key && *valid);
                if self.pg() && !fresh && !checked {
                    hits.push(Hit::on("RV304", t));
                }
                self.model.not_null.insert(key);
            }
            AlterColumnOperation::DropNotNull => {
                if !fresh {
                    hits.push(Hit::on("RV204", t));
                }
                self.model.not_null.remove(&key);
            }
            AlterColumnOperation::DropDefault if !fresh => hits.push(Hit::on("RV107", t)),
            AlterColumnOperation::AddGenerated { .. } => {}
            _ => {}
        }
    }

    fn add_constraint(
        &mut self,
        t: &str,
        constraint: &TableConstraint,
        not_valid: bool,
        new_table: bool,
        hits: &mut Vec<Hit>,
    ) -> AlterOp {
        let pg = self.pg();
        let name = match constraint {
            TableConstraint::Check(c) => c.name.as_ref(),
            TableConstraint::ForeignKey(c) => c.name.as_ref(),
            TableConstraint::Unique(c) => c.name.as_ref(),
            TableConstraint::PrimaryKey(c) => c.name.as_ref(),
            _ => None,
        }
        .map(ident);
        if not_valid {
            if let Some(n) = &name {
                self.seen.not_valid.insert(n.clone());
            }
        }
        let op = match constraint {
            TableConstraint::ForeignKey(_) => AlterOp::AddForeignKey {
                checks_off: self.seen.foreign_key_checks_off,
            },
            TableConstraint::Check(c) => {
                // CHECK (col IS NOT NULL): remembered for SET NOT NULL.
                if let (Some(n), sqlparser::ast::Expr::IsNotNull(e)) = (&name, c.expr.as_ref()) {
                    if let sqlparser::ast::Expr::Identifier(col) = e.as_ref() {
                        self.model
                            .not_null_checks
                            .insert(n.clone(), ((t.to_owned(), ident(col)), !not_valid));
                    }
                }
                AlterOp::AddCheck
            }
            TableConstraint::PrimaryKey(_) => AlterOp::AddPrimaryKey,
            TableConstraint::Unique(_) | TableConstraint::Index(_) => AlterOp::AddIndex,
            TableConstraint::FulltextOrSpatial(_) => AlterOp::AddFulltext,
            _ => AlterOp::Metadata,
        };
        if new_table || !pg {
            return op;
        }
        match constraint {
            TableConstraint::ForeignKey(_) | TableConstraint::Check(_) if !not_valid => {
                hits.push(Hit::on("RV305", t))
            }
            TableConstraint::PrimaryKey(_) | TableConstraint::Unique(_) => {
                hits.push(Hit::on("RV307", t))
            }
            TableConstraint::Exclude(_) => hits.push(Hit::on("RV309", t)),
            _ => {}
        }
        op
    }
}
