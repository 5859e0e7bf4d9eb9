//! Normal forms: a schema, a table and a type as a dialect stores them,
//! so that equivalent spellings compare equal and fingerprint alike. The
//! rules that differ come from the dialect's [`SqlDialect`]; the model
//! itself ([`crate::schema`]) knows no dialect.

use super::Dialect;
use crate::schema::{
    normalize_default, Action, Check, Column, Domain, ForeignKey, Index, Schema, Table,
    TableOptions, Type, Unique,
};

impl Schema {
    /// The schema in normal form for `dialect` (see the module docs):
    /// tables sorted by name; within a table, constraints sorted and
    /// server-chosen names dropped; types and defaults normalised.
    pub fn normalized(&self, dialect: Dialect) -> Schema {
        Schema {
            tables: self
                .tables
                .values()
                .map(|t| (t.name.clone(), t.normalized(dialect)))
                .collect(),
            enums: if dialect.sql().enum_types() {
                self.enums.clone()
            } else {
                Default::default()
            },
            extensions: if dialect.sql().enum_types() {
                self.extensions.clone()
            } else {
                Default::default()
            },
            domains: if dialect.sql().enum_types() {
                self.domains
                    .values()
                    .map(|d| (d.name.clone(), d.normalized(dialect)))
                    .collect()
            } else {
                Default::default()
            },
            // PostgreSQL's alone (the types' flag: the dialect of schema
            // objects beyond tables).
            sequences: if dialect.sql().enum_types() {
                self.sequences.clone()
            } else {
                Default::default()
            },
            views: self
                .views
                .values()
                .map(|v| {
                    // A materialized view's indexes in a table's normal form.
                    let as_table = Table {
                        name: v.name.clone(),
                        indexes: v.indexes.clone(),
                        ..Table::default()
                    };
                    let mut v = v.clone();
                    v.indexes = as_table.normalized(dialect).indexes;
                    (v.name.clone(), v)
                })
                .collect(),
            triggers: self.triggers.clone(),
            functions: if dialect.sql().routines() {
                self.functions.clone()
            } else {
                Default::default()
            },
        }
    }

    /// SHA-256 (hex) of the normalised schema: equal for equivalent schemas.
    pub fn fingerprint(&self, dialect: Dialect) -> String {
        use sha2::{Digest, Sha256};
        let json = serde_json::to_vec(&self.normalized(dialect)).unwrap_or_default();
        crate::sqltext::hex(&Sha256::digest(&json))
    }
}

impl Table {
    pub(crate) fn normalized(&self, dialect: Dialect) -> Table {
        let sql = dialect.sql();
        let t = &self.name;
        let sole_integer_key = self.primary_key.len() == 1;
        let columns = self
            .columns
            .iter()
            .map(|c| {
                let ty = c.ty.normalized(dialect);
                let in_key = self.primary_key.contains(&c.name);
                // SQLite: an INTEGER PRIMARY KEY is the rowid, assigned
                // automatically, whatever else was written.
                let identity = c.identity
                    || (sql.rowid_alias() && sole_integer_key && in_key && ty == Type::Integer);
                let on_update = c
                    .on_update
                    .as_deref()
                    .and_then(|d| normalize_default(d, &ty));
                Column {
                    name: c.name.clone(),
                    default: if identity {
                        None
                    } else {
                        c.default.as_deref().and_then(|d| normalize_default(d, &ty))
                    },
                    // A key column is NOT NULL whatever was written
                    // (SQLite's catalog reports otherwise for rowid keys).
                    // PostgreSQL makes serial and identity columns NOT NULL.
                    nullable: c.nullable && !in_key && !(identity && sql.identity_not_null()),
                    identity,
                    identity_kind: c.identity_kind.filter(|_| identity && sql.identity_kinds()),
                    ty,
                    collation: c.collation.clone(),
                    comment: c.comment.clone().filter(|_| sql.keeps_comments()),
                    on_update,
                }
            })
            .collect();
        // On MySQL a unique index is a unique constraint (its catalog lists
        // both alike), as Alembic's MySQL comparison also treats them.
        let (unique_indexes, plain_indexes): (Vec<&Index>, Vec<&Index>) =
            self.indexes.iter().partition(|i| {
                sql.unique_index_is_constraint()
                    && i.unique
                    && i.predicate.is_none()
                    && i.columns.iter().all(|c| !c.starts_with('('))
                    && i.column_options.iter().all(String::is_empty)
            });
        let mut uniques: Vec<Unique> = self
            .uniques
            .iter()
            .cloned()
            .chain(unique_indexes.iter().map(|i| Unique {
                name: Some(i.name.clone()),
                columns: i.columns.clone(),
                ..Unique::default()
            }))
            .map(|u| Unique {
                name: u
                    .name
                    .clone()
                    .filter(|n| !sql.server_named(n, t, &u.columns, "key")),
                columns: u.columns.clone(),
                deferrable: u.deferrable && sql.deferrable_keys(),
                initially_deferred: u.initially_deferred && sql.deferrable_keys(),
            })
            // A unique constraint on exactly the primary key adds nothing.
            .filter(|u| u.columns != self.primary_key)
            .collect();
        uniques.sort_by(|a, b| a.columns.cmp(&b.columns));
        uniques.dedup_by(|a, b| a.columns == b.columns);
        let mut indexes: Vec<Index> = plain_indexes
            .into_iter()
            .map(|i| {
                let method = i.method.as_deref().and_then(|m| sql.normal_index_method(m));
                // MariaDB reports a SPATIAL key part's length (32), which
                // cannot be declared.
                let spatial = method.as_deref() == Some("spatial");
                let column_options: Vec<String> = (0..i.columns.len())
                    .map(|k| column_option(i.column_option(k)))
                    .map(|o| if spatial { String::new() } else { o })
                    .collect();
                Index {
                    name: i.name.clone(),
                    columns: i.columns.clone(),
                    unique: i.unique,
                    predicate: i.predicate.as_deref().map(|p| p.trim().to_owned()),
                    method,
                    column_options: if column_options.iter().all(String::is_empty) {
                        Vec::new()
                    } else {
                        column_options
                    },
                    include: i.include.clone(),
                    nulls_not_distinct: i.nulls_not_distinct,
                }
            })
            .collect();
        indexes.sort_by(|a, b| a.name.cmp(&b.name));
        let mut foreign_keys: Vec<ForeignKey> = self
            .foreign_keys
            .iter()
            .map(|f| {
                // InnoDB's RESTRICT is NO ACTION (both check at once), and it
                // reports an unspecified action as RESTRICT.
                let innodb = |a: Action| {
                    if sql.restrict_is_no_action() && a == Action::Restrict {
                        Action::NoAction
                    } else {
                        a
                    }
                };
                ForeignKey {
                    name: f
                        .name
                        .clone()
                        .filter(|n| !sql.server_named(n, t, &f.columns, "fkey")),
                    on_delete: innodb(f.on_delete),
                    on_update: innodb(f.on_update),
                    deferrable: f.deferrable && sql.deferrable_foreign_keys(),
                    initially_deferred: f.initially_deferred && sql.deferrable_foreign_keys(),
                    not_valid: f.not_valid && sql.not_valid_constraints(),
                    ..f.clone()
                }
            })
            .collect();
        foreign_keys.sort_by(|a, b| {
            (&a.columns, &a.ref_table, &a.ref_columns).cmp(&(
                &b.columns,
                &b.ref_table,
                &b.ref_columns,
            ))
        });
        let mut checks: Vec<Check> = self
            .checks
            .iter()
            .map(|c| Check {
                name: c.name.clone().filter(|n| !sql.server_named_check(n, t)),
                expression: c.expression.trim().to_owned(),
                not_valid: c.not_valid && sql.not_valid_constraints(),
            })
            .collect();
        checks.sort_by_key(Check::key);
        Table {
            name: t.clone(),
            columns,
            primary_key: self.primary_key.clone(),
            primary_key_name: self
                .primary_key_name
                .as_deref()
                .filter(|_| !self.primary_key.is_empty())
                .and_then(|n| sql.primary_key_name(n, t)),
            primary_key_deferrable: self.primary_key_deferrable && sql.deferrable_keys(),
            primary_key_initially_deferred: self.primary_key_initially_deferred
                && sql.deferrable_keys(),
            uniques,
            indexes,
            foreign_keys,
            checks,
            exclusions: if sql.exclusion_constraints() {
                let mut x = self.exclusions.clone();
                x.sort_by(|a, b| a.definition.cmp(&b.definition));
                x
            } else {
                Vec::new()
            },
            comment: self.comment.clone().filter(|_| sql.keeps_comments()),
            options: if sql.table_options() {
                table_options(&self.options)
            } else {
                Default::default()
            },
            storage: if sql.partitioned_tables() {
                let mut s = self.storage.clone();
                s.partition_by = s
                    .partition_by
                    .as_deref()
                    .map(crate::sqltext::normalize_space);
                s
            } else {
                Default::default()
            },
        }
    }
}

impl Domain {
    /// The domain in normal form: base type and default as a column's,
    /// collation without schema or quotes, checks sorted, the name the
    /// server gives an unnamed check (`<domain>_check`) dropped.
    fn normalized(&self, dialect: Dialect) -> Domain {
        let ty = self.ty.normalized(dialect);
        let mut checks: Vec<Check> = self
            .checks
            .iter()
            .map(|c| Check {
                name: c
                    .name
                    .clone()
                    .filter(|n| *n != format!("{}_check", self.name)),
                expression: c.expression.trim().to_owned(),
                not_valid: false,
            })
            .collect();
        checks.sort_by_key(Check::key);
        Domain {
            name: self.name.clone(),
            default: self
                .default
                .as_deref()
                .and_then(|d| normalize_default(d, &ty)),
            collation: self.collation.as_deref().map(|c| {
                c.rsplit('.')
                    .next()
                    .unwrap_or(c)
                    .trim_matches('"')
                    .to_owned()
            }),
            checks,
            not_null: self.not_null,
            ty,
        }
    }
}

impl Type {
    /// The type as `dialect` can keep it apart ([`SqlDialect::storage_type`]).
    ///
    /// [`SqlDialect::storage_type`]: super::SqlDialect::storage_type
    pub fn normalized(&self, dialect: Dialect) -> Type {
        dialect.sql().storage_type(self)
    }

    /// The type in `dialect`'s DDL.
    pub fn sql(&self, dialect: Dialect) -> String {
        let sql = dialect.sql();
        sql.type_name(&sql.storage_type(self))
    }
}

/// MySQL's table options in normal form: lower case, `utf8` as the
/// `utf8mb3` it stands for, the character set read off a collation that
/// names it (`utf8mb4_bin` is `utf8mb4`'s).
fn table_options(o: &TableOptions) -> TableOptions {
    let utf8 = |s: String| match s.strip_prefix("utf8") {
        Some(rest) if rest.is_empty() || rest.starts_with('_') => format!("utf8mb3{rest}"),
        _ => s,
    };
    let collation = o.collation.as_deref().map(|c| utf8(c.to_lowercase()));
    let charset = o
        .charset
        .as_deref()
        .map(|c| utf8(c.to_lowercase()))
        .or_else(|| {
            collation
                .as_deref()
                .and_then(|c| c.split('_').next())
                .map(str::to_owned)
        });
    TableOptions {
        engine: o.engine.as_deref().map(str::to_lowercase),
        charset,
        collation,
    }
}

/// What follows an index column in normal form: the operator class
/// without its schema, lower case; `DESC`; the `NULLS` placement only
/// where it is not the default for the order (`NULLS LAST` ascending,
/// `NULLS FIRST` descending, PostgreSQL's rule); a prefix length as is.
fn column_option(raw: &str) -> String {
    let words: Vec<String> = raw.split_whitespace().map(str::to_uppercase).collect();
    let desc = words.iter().any(|w| w == "DESC");
    let nulls = words
        .windows(2)
        .find(|w| w[0] == "NULLS")
        .map(|w| w[1].clone());
    let mut out: Vec<String> = raw
        .split_whitespace()
        .filter(|w| {
            !matches!(
                w.to_uppercase().as_str(),
                "ASC" | "DESC" | "NULLS" | "FIRST" | "LAST"
            )
        })
        .map(|w| {
            if w.starts_with('(') {
                w.to_owned()
            } else {
                w.rsplit('.')
                    .next()
                    .unwrap_or(w)
                    .trim_matches('"')
                    .to_lowercase()
            }
        })
        .collect();
    if desc {
        out.push("DESC".into());
    }
    match (nulls.as_deref(), desc) {
        (Some("FIRST"), false) => out.push("NULLS FIRST".into()),
        (Some("LAST"), true) => out.push("NULLS LAST".into()),
        _ => {}
    }
    out.join(" ")
}
