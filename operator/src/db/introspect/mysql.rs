//! MySQL and MariaDB introspection from `information_schema`, for the
//! current database: one query each for tables, columns, key constraints,
//! their columns, foreign-key actions, checks and indexes.
//!
//! Scale: a database shared by 1,000 DatabaseSchemas holds 3,000
//! bookkeeping tables. The first query leaves them out (see
//! [`super::without_bookkeeping`]), and every later one reads only the
//! tables it kept (`TABLE_NAME IN (...)`, which the servers answer by
//! opening just those tables). No query joins two `information_schema`
//! views: MariaDB evaluates such a join by re-reading one view per row of
//! the other (1 s at 3,000 tables); the rows are joined here instead.
//!
//! What the servers add and the model leaves out: the index MySQL creates
//! for a foreign key (named as the key), the indexes behind PRIMARY KEY and
//! UNIQUE constraints, and on MariaDB the `json_valid(col)` check of a JSON
//! column (whose type it reports as `longtext`; read back as JSON). MariaDB
//! names checks per table (two tables may each have a `CONSTRAINT_1`), so
//! its checks are read with their `TABLE_NAME`; MySQL names them per
//! database and has no such column.

use super::{col, opt, Introspect, Options};
use crate::db::mysql::MyBackend;
use crate::db::{Backend, DbError};
use crate::schema::{Action, Check, Column, ForeignKey, Index, Schema, Table, TableOptions, Type};
use std::collections::{BTreeMap, BTreeSet};

/// The tables of the current database that are not bookkeeping: a version
/// table's only column is `version_num`; `*_history` and `*_snapshot`
/// tables have Revisor's `checksum` and `schema_json` columns. Asked on its
/// own: MariaDB answers it in 46 ms at 3,000 bookkeeping tables, but as a
/// subquery of the `TABLES` query it costs 70 ms.
const NOT_BOOKKEEPING: &str = "SELECT TABLE_NAME FROM information_schema.COLUMNS \
     WHERE TABLE_SCHEMA = DATABASE() GROUP BY TABLE_NAME HAVING NOT (SUM(COLUMN_NAME <> 'version_num') = 0 \
     OR (TABLE_NAME LIKE '%\\_history' AND SUM(COLUMN_NAME = 'checksum') > 0) \
     OR (TABLE_NAME LIKE '%\\_snapshot' AND SUM(COLUMN_NAME = 'schema_json') > 0))";

impl MyBackend {
    /// Stored functions and procedures, each as the `CREATE` statement
    /// that makes it (no DEFINER), from `information_schema.ROUTINES` and
    /// `PARAMETERS`, asked apart (MariaDB is slow to join them).
    async fn routines(&mut self, schema: &mut Schema) -> Result<(), DbError> {
        let routines = self
            .query(
                "SELECT ROUTINE_NAME, ROUTINE_TYPE, DTD_IDENTIFIER, IS_DETERMINISTIC, SQL_DATA_ACCESS, \
                 SECURITY_TYPE, ROUTINE_DEFINITION FROM information_schema.ROUTINES \
                 WHERE ROUTINE_SCHEMA = DATABASE() ORDER BY ROUTINE_NAME",
            )
            .await?;
        if routines.is_empty() {
            return Ok(());
        }
        let parameters = self
            .query(
                "SELECT SPECIFIC_NAME, PARAMETER_MODE, PARAMETER_NAME, DTD_IDENTIFIER FROM information_schema.PARAMETERS \
                 WHERE SPECIFIC_SCHEMA = DATABASE() AND ORDINAL_POSITION > 0 ORDER BY SPECIFIC_NAME, ORDINAL_POSITION",
            )
            .await?;
        let quote = |s: &str| crate::render::quote(s, crate::dialect::Dialect::MySql);
        for r in &routines {
            let name = col(r, 0);
            let procedure = col(r, 1) == "PROCEDURE";
            let arguments = parameters
                .iter()
                .filter(|p| col(p, 0) == name)
                .map(|p| {
                    let mode = if procedure {
                        format!("{} ", col(p, 1))
                    } else {
                        String::new()
                    };
                    format!("{mode}{} {}", quote(&col(p, 2)), col(p, 3))
                })
                .collect::<Vec<_>>()
                .join(", ");
            let returns = if procedure {
                String::new()
            } else {
                format!(" RETURNS {}", col(r, 2))
            };
            let deterministic = if col(r, 3) == "YES" {
                "DETERMINISTIC"
            } else {
                "NOT DETERMINISTIC"
            };
            let definition = format!(
                "CREATE {} {}({arguments}){returns} {deterministic} {} SQL SECURITY {} {}",
                if procedure { "PROCEDURE" } else { "FUNCTION" },
                quote(&name),
                col(r, 4),
                col(r, 5),
                col(r, 6)
            );
            let f = crate::schema::Function {
                name,
                procedure,
                aggregate: false,
                reads: Default::default(),
                arguments,
                definition: crate::sqltext::normalize_space(&definition),
            };
            schema.functions.insert(f.key(), f);
        }
        Ok(())
    }
}

impl Introspect for MyBackend {
    async fn lint_facts(&mut self) -> Result<super::LintFacts, DbError> {
        let version = self.query("SELECT VERSION()").await?;
        Ok(super::LintFacts {
            server_version: super::first_text(&version),
            functions: Default::default(),
        })
    }

    async fn row_estimates(
        &mut self,
        _tables: &std::collections::BTreeSet<String>,
    ) -> Result<super::RowEstimates, DbError> {
        let rows = self
            .query(
                "SELECT TABLE_NAME, CAST(TABLE_ROWS AS CHAR) FROM information_schema.TABLES \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_ROWS IS NOT NULL",
            )
            .await?;
        Ok(super::estimates(rows))
    }

    async fn introspect(&mut self, opts: &Options) -> Result<Schema, DbError> {
        let mut schema = Schema::default();
        let mut table_collation: BTreeMap<String, String> = BTreeMap::new();
        // The kept tables as the server spells them, for the later queries.
        let mut kept: Vec<String> = Vec::new();
        for r in self.query(NOT_BOOKKEEPING).await? {
            if !opts.skip(&col(&r, 0).to_lowercase()) {
                kept.push(crate::render::literal(
                    &col(&r, 0),
                    crate::dialect::Dialect::MySql,
                ));
            }
        }
        if kept.is_empty() {
            return Ok(schema);
        }
        let kept = format!("TABLE_NAME IN ({})", kept.join(", "));
        let tables = self
            .query(&format!(
                "SELECT TABLE_NAME, TABLE_COMMENT, TABLE_COLLATION, ENGINE FROM information_schema.TABLES \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' AND {kept} \
                 ORDER BY TABLE_NAME"
            ))
            .await?;
        for r in &tables {
            let name = col(r, 0);
            table_collation.insert(name.clone(), col(r, 2));
            schema.tables.insert(
                name.clone(),
                Table {
                    name,
                    comment: opt(r, 1).filter(|c| !c.is_empty()),
                    options: TableOptions {
                        engine: opt(r, 3),
                        charset: None,
                        collation: opt(r, 2),
                    },
                    ..Table::default()
                },
            );
        }
        let columns = self
            .query(&format!(
                "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, \
                 COLLATION_NAME, COLUMN_COMMENT FROM information_schema.COLUMNS \
                 WHERE TABLE_SCHEMA = DATABASE() AND {kept} ORDER BY TABLE_NAME, ORDINAL_POSITION"
            ))
            .await?;
        for r in &columns {
            let table = col(r, 0);
            let Some(t) = schema.tables.get_mut(&table) else {
                continue;
            };
            let ty = crate::dialect::Dialect::MySql.sql().read_type(&col(r, 2));
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
                name: col(r, 1),
                ty,
                nullable: col(r, 3) == "YES",
                default,
                identity: extra.contains("auto_increment"),
                identity_kind: None,
                collation,
                comment: opt(r, 7).filter(|c| !c.is_empty()),
                // EXTRA: MariaDB's `on update current_timestamp()`, MySQL's
                // `DEFAULT_GENERATED on update CURRENT_TIMESTAMP`.
                on_update: extra
                    .split_once("on update ")
                    .map(|(_, v)| v.split_whitespace().next().unwrap_or(v).to_owned()),
            });
        }
        // Constraint kinds by (table, name); their columns come separately.
        let constraints = self
            .query(&format!(
                "SELECT TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE FROM information_schema.TABLE_CONSTRAINTS \
                 WHERE CONSTRAINT_SCHEMA = DATABASE() AND {kept}"
            ))
            .await?;
        let kind_of: BTreeMap<(String, String), String> = constraints
            .iter()
            .map(|r| ((col(r, 0), col(r, 1)), col(r, 2)))
            .collect();
        let keys = self
            .query(&format!(
                "SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME \
                 FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() AND {kept} \
                 ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION"
            ))
            .await?;
        let actions = self
            .query(
                &format!("SELECT TABLE_NAME, CONSTRAINT_NAME, DELETE_RULE, UPDATE_RULE \
                 FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND {kept}"),
            )
            .await?;
        let action_of: BTreeMap<(String, String), (Action, Action)> = actions
            .iter()
            .map(|r| {
                (
                    (col(r, 0), col(r, 1)),
                    (Action::parse(&col(r, 2)), Action::parse(&col(r, 3))),
                )
            })
            .collect();
        // Constraint names that own an index (so the index is not reported twice).
        let mut constraint_indexes: BTreeSet<(String, String)> = BTreeSet::new();
        for r in &keys {
            let table = col(r, 0);
            let name = col(r, 1);
            // A unique constraint is a unique index on MySQL: read with the
            // indexes below (prefix lengths and order included), and
            // counted as a constraint in normal form.
            let Some(kind) = kind_of
                .get(&(table.clone(), name.clone()))
                .filter(|k| *k != "UNIQUE")
            else {
                continue;
            };
            constraint_indexes.insert((table.clone(), name.clone()));
            let Some(t) = schema.tables.get_mut(&table) else {
                continue;
            };
            let column = col(r, 2);
            match kind.as_str() {
                "PRIMARY KEY" => t.primary_key.push(column),
                "FOREIGN KEY" => {
                    let ref_column = col(r, 4);
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
                                ref_table: col(r, 3),
                                ref_columns: vec![ref_column],
                                on_delete,
                                on_update,
                                ..ForeignKey::default()
                            });
                        }
                    }
                }
                _ => {}
            }
        }
        let checks = self.checks(&kept, &kind_of).await?;
        for r in &checks {
            let Some(t) = schema.tables.get_mut(&col(r, 0)) else {
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
                not_valid: false,
            });
        }
        let indexes = self
            .query(&format!(
                "SELECT TABLE_NAME, INDEX_NAME, CAST(NON_UNIQUE AS CHAR), COLUMN_NAME, CAST(SUB_PART AS CHAR), COLLATION, INDEX_TYPE \
                 FROM information_schema.STATISTICS \
                 WHERE TABLE_SCHEMA = DATABASE() AND {kept} ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX"
            ))
            .await?;
        for r in &indexes {
            let table = col(r, 0);
            let name = col(r, 1);
            if name == "PRIMARY" || constraint_indexes.contains(&(table.clone(), name.clone())) {
                continue;
            }
            let Some(t) = schema.tables.get_mut(&table) else {
                continue;
            };
            let column = col(r, 3);
            // A prefix length and a descending order follow the column.
            let option = [
                opt(r, 4).map(|n| format!("({n})")),
                (col(r, 5) == "D").then(|| "DESC".to_owned()),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
            let k = match t.indexes.iter().position(|i| i.name == name) {
                Some(k) => k,
                None => {
                    t.indexes.push(Index {
                        name,
                        unique: col(r, 2) == "0",
                        method: Some(col(r, 6).to_lowercase()),
                        ..Index::default()
                    });
                    t.indexes.len() - 1
                }
            };
            t.indexes[k].columns.push(column);
            t.indexes[k].column_options.push(option);
        }
        // Views: the server's text, its own database's name taken out of
        // the qualified names it writes (`db`.`t`.`a` -> `t`.`a`).
        let views = self
            .query(
                "SELECT TABLE_NAME, VIEW_DEFINITION, DATABASE() FROM information_schema.VIEWS \
                 WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME",
            )
            .await?;
        for r in &views {
            let name = col(r, 0);
            if opts.skip(&name) {
                continue;
            }
            let qualifier = format!("`{}`.", col(r, 2).replace('`', "``"));
            schema.views.insert(
                name.clone(),
                crate::schema::View {
                    name,
                    definition: col(r, 1).replace(&qualifier, ""),
                    materialized: false,
                    indexes: Vec::new(),
                    reads: Default::default(),
                    columns: Vec::new(),
                },
            );
        }
        // Triggers, as the statement that makes each (no DEFINER: who it
        // runs as is not what it is).
        let triggers = self
            .query(
                "SELECT TRIGGER_NAME, ACTION_TIMING, EVENT_MANIPULATION, EVENT_OBJECT_TABLE, ACTION_STATEMENT \
                 FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() ORDER BY TRIGGER_NAME",
            )
            .await?;
        let quote = |s: &str| crate::render::quote(s, crate::dialect::Dialect::MySql);
        for r in &triggers {
            let (name, table) = (col(r, 0), col(r, 3));
            if opts.skip(&table) {
                continue;
            }
            let definition = format!(
                "CREATE TRIGGER {} {} {} ON {} FOR EACH ROW {}",
                quote(&name),
                col(r, 1),
                col(r, 2),
                quote(&table),
                col(r, 4)
            );
            let trigger = crate::schema::Trigger {
                name,
                table,
                definition: crate::sqltext::normalize_space(&definition),
                reads: Default::default(),
            };
            schema.triggers.insert(trigger.key(), trigger);
        }
        self.routines(&mut schema).await?;
        crate::declared::resolve_reads(&mut schema, crate::dialect::Dialect::MySql);
        Ok(super::without_bookkeeping(schema))
    }
}

impl MyBackend {
    /// The check constraints of the kept tables as `[table, name, clause]`
    /// rows: by `TABLE_NAME` on MariaDB (names are per table there); on
    /// MySQL by the names `TABLE_CONSTRAINTS` gave (names are per database).
    async fn checks(
        &mut self,
        kept: &str,
        kind_of: &BTreeMap<(String, String), String>,
    ) -> Result<Vec<Vec<Option<String>>>, DbError> {
        let version = self.query("SELECT VERSION()").await?;
        if version
            .first()
            .is_some_and(|r| col(r, 0).contains("MariaDB"))
        {
            return self
                .query(&format!(
                    "SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS \
                     WHERE CONSTRAINT_SCHEMA = DATABASE() AND {kept} ORDER BY TABLE_NAME, CONSTRAINT_NAME"
                ))
                .await;
        }
        let table_of: BTreeMap<&str, &str> = kind_of
            .iter()
            .filter(|(_, kind)| kind.as_str() == "CHECK")
            .map(|((table, name), _)| (name.as_str(), table.as_str()))
            .collect();
        if table_of.is_empty() {
            return Ok(Vec::new());
        }
        let names: Vec<String> = table_of
            .keys()
            .map(|n| crate::render::literal(n, crate::dialect::Dialect::MySql))
            .collect();
        let rows = self
            .query(&format!(
                "SELECT CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS \
                 WHERE CONSTRAINT_SCHEMA = DATABASE() AND CONSTRAINT_NAME IN ({}) ORDER BY CONSTRAINT_NAME",
                names.join(", ")
            ))
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                let table = table_of.get(col(&r, 0).as_str())?.to_string();
                Some(vec![Some(table), opt(&r, 0), opt(&r, 1)])
            })
            .collect())
    }
}
