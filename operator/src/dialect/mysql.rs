//! MySQL and MariaDB: what differs from the shared SQL of [`SqlDialect`]'s
//! provided methods.

use super::{Dialect, OnlineDdl, SqlDialect};
use crate::schema::{Column, ForeignKey, IdentityKind, Table, TableOptions, Type};
use std::time::Duration;

/// MySQL's and MariaDB's [`SqlDialect`].
#[derive(Debug, Clone, Copy)]
pub struct MySql;

impl SqlDialect for MySql {
    /// MySQL's `CREATE OR REPLACE VIEW` takes any query.
    fn view_replaceable(&self, _old: &[String], _new: &[String]) -> bool {
        true
    }

    fn name_case(&self) -> crate::schema::NameCase {
        crate::schema::NameCase {
            tables: false,
            columns: true,
        }
    }

    fn indexes_foreign_keys(&self) -> bool {
        true
    }

    fn online_ddl(&self) -> OnlineDdl {
        OnlineDdl::Algorithms
    }

    fn identifier_limit(&self) -> Option<(usize, bool)> {
        Some((64, false))
    }

    fn dialect(&self) -> Dialect {
        Dialect::MySql
    }

    fn quote_always(&self, name: &str) -> String {
        format!("`{}`", name.replace('`', "``"))
    }

    /// A backslash escapes in MySQL's strings, so it is doubled too.
    fn string_literal(&self, s: &str) -> String {
        format!("'{}'", s.replace('\'', "''").replace('\\', "\\\\"))
    }

    fn backslash_escapes(&self) -> bool {
        true
    }

    fn triggers(&self) -> bool {
        true
    }

    fn versioned_comments(&self) -> bool {
        true
    }

    fn tokens(&self, sql: &str) -> Option<Vec<sqlparser::tokenizer::Token>> {
        super::significant_tokens(&sqlparser::dialect::MySqlDialect {}, sql)
    }

    fn routines(&self) -> bool {
        true
    }

    fn drop_routine(&self, name: &str, _arguments: &str, kind: &str) -> String {
        format!("DROP {kind} {}", self.quote(name))
    }

    fn parse(
        &self,
        sql: &str,
    ) -> Result<Vec<sqlparser::ast::Statement>, sqlparser::parser::ParserError> {
        sqlparser::parser::Parser::parse_sql(&sqlparser::dialect::MySqlDialect {}, sql)
    }

    /// `TIMESTAMP` is not `DATETIME` here (it is stored in UTC, has a
    /// narrower range and its own default rules): a declared `TIMESTAMP`
    /// stays one, while the portable `timestamp` is `DATETIME`.
    fn read_type(&self, raw: &str) -> Type {
        match Type::parse(raw) {
            Type::Timestamp(p) if raw.trim().to_lowercase().starts_with("timestamp") => {
                Type::Other(p.map_or_else(|| "timestamp".to_owned(), |p| format!("timestamp({p})")))
            }
            t => t,
        }
    }

    /// No time-zone timestamp (`datetime`), no uuid (`char(36)`), and a
    /// `varchar` needs a length (255 when none is given); a time type's
    /// precision 0 is its default (`DATETIME(0)` is `DATETIME`).
    fn storage_type(&self, ty: &Type) -> Type {
        let p = |p: &Option<u32>| p.filter(|p| *p > 0);
        match ty {
            Type::TimestampTz(x) | Type::Timestamp(x) => Type::Timestamp(p(x)),
            Type::Time(x) => Type::Time(p(x)),
            Type::Uuid => Type::Char(Some(36)),
            Type::Varchar(None) => Type::Varchar(Some(255)),
            _ => ty.clone(),
        }
    }

    fn type_name(&self, ty: &Type) -> String {
        match ty {
            Type::Integer => "INT".into(),
            Type::Real => "FLOAT".into(),
            Type::Timestamp(p) => super::ddl::precision("DATETIME", *p),
            _ => super::ddl::standard_type_name(ty),
        }
    }

    /// Explicit `uq_`/`fk_`/`ck_` names: MySQL's own (`t_ibfk_1`) cannot be
    /// known in advance.
    fn constraint_name(&self, kind: &str, table: &str, columns: &[String]) -> String {
        let cols = columns.join("_");
        let name = match kind {
            "key" => format!("uq_{table}_{cols}"),
            "fkey" => format!("fk_{table}_{cols}"),
            _ => format!("ck_{table}_{cols}"),
        };
        name.chars().take(63).collect()
    }

    /// `<table>_ibfk_<n>` for foreign keys, the first column's name for
    /// unique keys.
    fn server_named(&self, name: &str, table: &str, columns: &[String], kind: &str) -> bool {
        name.strip_prefix(&format!("{table}_ibfk_"))
            .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()))
            || (kind == "key" && columns.first().is_some_and(|c| c == name))
    }

    /// MariaDB's `CONSTRAINT_<n>`, MySQL's `<table>_chk_<n>`.
    fn server_named_check(&self, name: &str, table: &str) -> bool {
        name.starts_with("CONSTRAINT_") || name.starts_with(&format!("{table}_chk_"))
    }

    fn unique_index_is_constraint(&self) -> bool {
        true
    }

    fn restrict_is_no_action(&self) -> bool {
        true
    }

    fn identity_clause(&self, _kind: Option<IdentityKind>) -> &'static str {
        " AUTO_INCREMENT"
    }

    fn inline_column_comment(&self) -> bool {
        true
    }

    fn deferrable_foreign_keys(&self) -> bool {
        false
    }

    fn table_options(&self) -> bool {
        true
    }

    /// Engine, character set, collation and the comment, as mysqldump
    /// writes them (a declared schema reads them back there).
    fn table_options_clause(&self, t: &Table) -> String {
        let o = &t.options;
        let mut s = String::new();
        if let Some(e) = &o.engine {
            s.push_str(&format!(" ENGINE={e}"));
        }
        if let Some(c) = &o.charset {
            s.push_str(&format!(" DEFAULT CHARSET={c}"));
        }
        if let Some(c) = &o.collation {
            s.push_str(&format!(" COLLATE={c}"));
        }
        if let Some(c) = &t.comment {
            s.push_str(&format!(" COMMENT={}", self.string_literal(c)));
        }
        s
    }

    /// A new engine rebuilds the table; a new character set or collation
    /// converts every text column (`CONVERT TO`), as a dump's changed
    /// `DEFAULT CHARSET` means.
    fn alter_table_options(
        &self,
        table: &str,
        from: &TableOptions,
        to: &TableOptions,
    ) -> Vec<String> {
        let alter = format!("ALTER TABLE {}", self.quote(table));
        let mut v = Vec::new();
        if to.engine.is_some() && to.engine != from.engine {
            v.push(format!(
                "{alter} ENGINE={}",
                to.engine.as_deref().unwrap_or_default()
            ));
        }
        if (to.charset.is_some() && to.charset != from.charset)
            || (to.collation.is_some() && to.collation != from.collation)
        {
            let charset = to
                .charset
                .as_deref()
                .or(from.charset.as_deref())
                .unwrap_or("utf8mb4");
            let collate = to
                .collation
                .as_deref()
                .map(|c| format!(" COLLATE {c}"))
                .unwrap_or_default();
            v.push(format!(
                "{alter} CONVERT TO CHARACTER SET {charset}{collate}"
            ));
        }
        v
    }

    fn primary_key_name(&self, _name: &str, _table: &str) -> Option<String> {
        None
    }

    /// InnoDB builds every index as a B-tree (`USING HASH` included);
    /// `FULLTEXT` and `SPATIAL` are the kinds it keeps apart.
    fn normal_index_method(&self, method: &str) -> Option<String> {
        let m = method.to_lowercase();
        matches!(m.as_str(), "fulltext" | "spatial").then_some(m)
    }

    fn index_method(&self, method: Option<&str>) -> (String, String) {
        (
            method
                .map(|m| format!("{} ", m.to_uppercase()))
                .unwrap_or_default(),
            String::new(),
        )
    }

    fn index_predicate(&self, create: String, predicate: &str) -> String {
        format!("-- MySQL has no partial indexes: WHERE {predicate} is left out\n{create}")
    }

    fn drop_index(&self, index: &str, table: &str) -> String {
        format!("DROP INDEX {} ON {}", self.quote(index), self.quote(table))
    }

    fn set_table_comment(&self, table: &str, to: Option<&str>) -> Vec<String> {
        vec![format!(
            "ALTER TABLE {} COMMENT = {}",
            self.quote(table),
            self.string_literal(to.unwrap_or(""))
        )]
    }

    fn drop_primary_key(&self, table: &str, _name: Option<&str>) -> String {
        format!("ALTER TABLE {} DROP PRIMARY KEY", self.quote(table))
    }

    fn drop_unique(&self, table: &str, name: &str) -> String {
        format!(
            "ALTER TABLE {} DROP INDEX {}",
            self.quote(table),
            self.quote(name)
        )
    }

    /// MySQL created an index named as the key when no index started with
    /// its columns; it outlives the key, so it is dropped too.
    fn drop_foreign_key(
        &self,
        table: &str,
        name: &str,
        fk: &ForeignKey,
        before: Option<&Table>,
    ) -> Vec<String> {
        let alter = format!("ALTER TABLE {}", self.quote(table));
        let mut v = vec![format!("{alter} DROP FOREIGN KEY {}", self.quote(name))];
        let covered = before.is_some_and(|t| {
            let starts = |cols: &[String]| cols.starts_with(&fk.columns);
            starts(&t.primary_key)
                || t.uniques.iter().any(|u| starts(&u.columns))
                || t.indexes.iter().any(|i| starts(&i.columns))
        });
        if !covered {
            v.push(format!("{alter} DROP INDEX {}", self.quote(name)));
        }
        v
    }

    /// One `MODIFY COLUMN` with the whole new definition.
    fn alter_column(&self, table: &str, _from: &Column, to: &Column) -> Vec<String> {
        vec![format!(
            "ALTER TABLE {} MODIFY COLUMN {}",
            self.quote(table),
            self.column_def(to, false)
        )]
    }

    fn alter_restates_column(&self) -> bool {
        true
    }

    fn transactional_ddl(&self) -> bool {
        false
    }

    /// MariaDB's `max_statement_time`; MySQL's `max_execution_time` limits
    /// only SELECT, so MySQL is refused.
    fn statement_timeout(&self, t: Duration, mariadb: bool) -> Result<String, &'static str> {
        if mariadb {
            Ok(format!(
                "SET SESSION max_statement_time = {}",
                t.as_secs_f64()
            ))
        } else {
            Err("a statement timeout: MySQL's max_execution_time limits only SELECT; use it on PostgreSQL or MariaDB")
        }
    }

    fn asks_server_flavour(&self) -> bool {
        true
    }

    fn cast_text(&self, expr: &str) -> String {
        format!("CAST({expr} AS CHAR)")
    }

    fn table_exists_query(&self, table: &str) -> String {
        format!("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {table}")
    }

    /// The connection does not take several statements at once.
    fn batches_statements(&self) -> bool {
        false
    }

    fn last_insert_id(&self) -> Option<&'static str> {
        Some("SELECT CAST(LAST_INSERT_ID() AS CHAR)")
    }

    fn clock_text(&self) -> &'static str {
        "DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%fZ')"
    }

    fn millis_since(&self, expr: &str) -> String {
        format!("TIMESTAMPDIFF(MICROSECOND, STR_TO_DATE({expr}, '%Y-%m-%dT%H:%i:%s.%fZ'), UTC_TIMESTAMP(6)) DIV 1000")
    }

    fn session_user(&self) -> &'static str {
        "CURRENT_USER()"
    }

    fn concat(&self, a: &str, b: &str) -> String {
        format!("CONCAT({a}, {b})")
    }

    fn id_and_text(&self) -> (&'static str, &'static str) {
        ("id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY", "LONGTEXT")
    }
}
