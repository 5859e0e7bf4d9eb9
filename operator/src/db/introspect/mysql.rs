//! MySQL and MariaDB introspection from `information_schema`, for the
//! current database: one query each for tables, columns, key constraints,
//! foreign-key actions, checks and indexes.
//!
//! What the servers add and the model leaves out: the index MySQL creates
//! for a foreign key (named as the key), the indexes behind PRIMARY KEY and
//! UNIQUE constraints, and on MariaDB the `json_valid(col)` check of a JSON
//! column (whose type it reports as `longtext`; read back as JSON).

use super::{col, opt, Introspect, Options};
use crate::db::mysql::MyBackend;
use crate::db::{Backend, DbError};
use crate::schema::{Action, Check, Column, ForeignKey, Index, Schema, Table, Type, Unique};
use std::collections::{BTreeMap, BTreeSet};

impl Introspect for MyBackend {
    async fn introspect(&mut self, opts: &Options) -> Result<Schema, DbError> {
        let mut schema = Schema::default();
        let mut table_collation: BTreeMap<String, String> = BTreeMap::new();
        let tables = self
            .query(
                "SELECT TABLE_NAME, TABLE_COMMENT, TABLE_COLLATION FROM information_schema.TABLES \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
            )
            .await?;
        for r in &tables {
            let name = col(r, 0).to_lowercase();
            if opts.skip(&name) {
                continue;
            }
            table_collation.insert(name.clone(), col(r, 2));
            schema.tables.insert(
                name.clone(),
                Table {
                    name,
                    comment: opt(r, 1).filter(|c| !c.is_empty()),
                    ..Table::default()
                },
            );
        }
        let columns = self
            .query(
                "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, \
                 COLLATION_NAME, COLUMN_COMMENT FROM information_schema.COLUMNS \
                 WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION",
            )
            .await?;
        for r in &columns {
            let table = col(r, 0).to_lowercase();
            let Some(t) = schema.tables.get_mut(&table) else {
                continue;
            };
            let ty = Type::parse(&col(r, 2));
            let extra = col(r, 5).to_lowercase();
            let mut default = opt(r, 4);
            // MySQL 8 reports a string literal default unquoted; MariaDB quotes it.
            if let Some(d) = &default {
                let stringy = matches!(ty, Type::Text | Type::Varchar(_) | Type::Char(_));
                if stringy
                    && !extra.contains("default_generated")
                    && !d.starts_with('\'')
                    && d != "NULL"
                {
                    default = Some(crate::render::literal(d, crate::dialect::Dialect::MySql));
                }
            }
            let collation = opt(r, 6).filter(|c| table_collation.get(&table) != Some(c));
            t.columns.push(Column {
                name: col(r, 1).to_lowercase(),
                ty,
                nullable: col(r, 3) == "YES",
                default,
                identity: extra.contains("auto_increment"),
                collation,
                comment: opt(r, 7).filter(|c| !c.is_empty()),
            });
        }
        let keys = self
            .query(
                "SELECT tc.TABLE_NAME, tc.CONSTRAINT_NAME, tc.CONSTRAINT_TYPE, k.COLUMN_NAME, \
                 k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME \
                 FROM information_schema.TABLE_CONSTRAINTS tc \
                 JOIN information_schema.KEY_COLUMN_USAGE k ON k.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA \
                   AND k.TABLE_NAME = tc.TABLE_NAME AND k.CONSTRAINT_NAME = tc.CONSTRAINT_NAME \
                 WHERE tc.CONSTRAINT_SCHEMA = DATABASE() \
                   AND tc.CONSTRAINT_TYPE IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY') \
                 ORDER BY tc.TABLE_NAME, tc.CONSTRAINT_NAME, k.ORDINAL_POSITION",
            )
            .await?;
        let actions = self
            .query(
                "SELECT TABLE_NAME, CONSTRAINT_NAME, DELETE_RULE, UPDATE_RULE \
                 FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()",
            )
            .await?;
        let action_of: BTreeMap<(String, String), (Action, Action)> = actions
            .iter()
            .map(|r| {
                (
                    (col(r, 0).to_lowercase(), col(r, 1)),
                    (Action::parse(&col(r, 2)), Action::parse(&col(r, 3))),
                )
            })
            .collect();
        // Constraint names that own an index (so the index is not reported twice).
        let mut constraint_indexes: BTreeSet<(String, String)> = BTreeSet::new();
        for r in &keys {
            let table = col(r, 0).to_lowercase();
            let name = col(r, 1);
            constraint_indexes.insert((table.clone(), name.clone()));
            let Some(t) = schema.tables.get_mut(&table) else {
                continue;
            };
            let column = col(r, 3).to_lowercase();
            match col(r, 2).as_str() {
                "PRIMARY KEY" => t.primary_key.push(column),
                "UNIQUE" => match t
                    .uniques
                    .iter_mut()
                    .find(|u| u.name.as_deref() == Some(&name))
                {
                    Some(u) => u.columns.push(column),
                    None => t.uniques.push(Unique {
                        name: Some(name),
                        columns: vec![column],
                    }),
                },
                _ => {
                    let ref_column = col(r, 5).to_lowercase();
                    match t
                        .foreign_keys
                        .iter_mut()
                        .find(|f| f.name.as_deref() == Some(&name))
                    {
                        Some(f) => {
                            f.columns.push(column);
                            f.ref_columns.push(ref_column);
                        }
                        None => {
                            let (on_delete, on_update) = action_of
                                .get(&(table.clone(), name.clone()))
                                .copied()
                                .unwrap_or_default();
                            t.foreign_keys.push(ForeignKey {
                                name: Some(name),
                                columns: vec![column],
                                ref_table: col(r, 4).to_lowercase(),
                                ref_columns: vec![ref_column],
                                on_delete,
                                on_update,
                            });
                        }
                    }
                }
            }
        }
        let checks = self
            .query(
                "SELECT tc.TABLE_NAME, cc.CONSTRAINT_NAME, cc.CHECK_CLAUSE \
                 FROM information_schema.CHECK_CONSTRAINTS cc \
                 JOIN information_schema.TABLE_CONSTRAINTS tc ON tc.CONSTRAINT_SCHEMA = cc.CONSTRAINT_SCHEMA \
                   AND tc.CONSTRAINT_NAME = cc.CONSTRAINT_NAME AND tc.CONSTRAINT_TYPE = 'CHECK' \
                 WHERE cc.CONSTRAINT_SCHEMA = DATABASE() ORDER BY tc.TABLE_NAME, cc.CONSTRAINT_NAME",
            )
            .await?;
        for r in &checks {
            let Some(t) = schema.tables.get_mut(&col(r, 0).to_lowercase()) else {
                continue;
            };
            // MySQL's LENGTH is an alias of OCTET_LENGTH, which MariaDB
            // writes back; read it as the shorter name users write.
            let expression = col(r, 2).replace("octet_length(", "length(");
            // MariaDB's JSON type: longtext plus json_valid(col).
            let squashed = crate::schema::normalize_expr(&expression);
            if let Some(c) = t.columns.iter_mut().find(|c| {
                c.ty == Type::Other("longtext".into())
                    && squashed == format!("json_valid{}", c.name)
            }) {
                c.ty = Type::Json;
                continue;
            }
            t.checks.push(Check {
                name: Some(col(r, 1)),
                expression,
            });
        }
        let indexes = self
            .query(
                "SELECT TABLE_NAME, INDEX_NAME, CAST(NON_UNIQUE AS CHAR), COLUMN_NAME FROM information_schema.STATISTICS \
                 WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
            )
            .await?;
        for r in &indexes {
            let table = col(r, 0).to_lowercase();
            let name = col(r, 1);
            if name == "PRIMARY" || constraint_indexes.contains(&(table.clone(), name.clone())) {
                continue;
            }
            let Some(t) = schema.tables.get_mut(&table) else {
                continue;
            };
            let column = col(r, 3).to_lowercase();
            match t.indexes.iter_mut().find(|i| i.name == name) {
                Some(i) => i.columns.push(column),
                None => t.indexes.push(Index {
                    name,
                    columns: vec![column],
                    unique: col(r, 2) == "0",
                    predicate: None,
                }),
            }
        }
        Ok(super::without_bookkeeping(schema))
    }
}
