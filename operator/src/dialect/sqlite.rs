//! SQLite: what differs from the shared SQL of [`SqlDialect`]'s provided
//! methods.

use super::shared::ForeignKeySwitch;
use super::{Dialect, OnlineDdl, SqlDialect};
use std::time::Duration;

/// SQLite's [`SqlDialect`].
#[derive(Debug, Clone, Copy)]
pub struct Sqlite;

impl SqlDialect for Sqlite {
    fn name_case(&self) -> crate::schema::NameCase {
        crate::schema::NameCase {
            tables: true,
            columns: true,
        }
    }

    fn online_ddl(&self) -> OnlineDdl {
        OnlineDdl::Rebuilds
    }

    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn triggers(&self) -> bool {
        true
    }

    fn tokens(&self, sql: &str) -> Option<Vec<sqlparser::tokenizer::Token>> {
        super::significant_tokens(&sqlparser::dialect::SQLiteDialect {}, sql)
    }

    fn parse(
        &self,
        sql: &str,
    ) -> Result<Vec<sqlparser::ast::Statement>, sqlparser::parser::ParserError> {
        sqlparser::parser::Parser::parse_sql(&sqlparser::dialect::SQLiteDialect {}, sql)
    }

    /// `sqlite_autoindex_<table>_<n>`.
    fn server_named(&self, name: &str, _table: &str, _columns: &[String], _kind: &str) -> bool {
        name.starts_with("sqlite_autoindex_")
    }

    /// SQLite keeps a check's name only where one was written.
    fn server_named_check(&self, _name: &str, _table: &str) -> bool {
        false
    }

    fn keeps_comments(&self) -> bool {
        false
    }

    fn rowid_alias(&self) -> bool {
        true
    }

    fn column_collation(&self) -> bool {
        false
    }

    fn rebuilds_tables(&self) -> bool {
        true
    }

    /// SQLite has one kind of index.
    fn normal_index_method(&self, _method: &str) -> Option<String> {
        None
    }

    fn statement_timeout(&self, _t: Duration, _mariadb: bool) -> Result<String, &'static str> {
        Err("a statement timeout: SQLite has none")
    }

    /// A table rebuild drops and recreates tables others reference, so a
    /// step runs with enforcement off and checks every reference before it
    /// commits.
    fn foreign_key_switch(&self) -> Option<ForeignKeySwitch> {
        Some(ForeignKeySwitch {
            query: "SELECT CAST(foreign_keys AS TEXT) FROM pragma_foreign_keys()",
            on: "PRAGMA foreign_keys = ON",
            off: "PRAGMA foreign_keys = OFF",
            violations: "SELECT \"table\" || ' row ' || CAST(rowid AS TEXT) || ' references a missing row of ' || parent FROM pragma_foreign_key_check()",
        })
    }

    fn table_exists_query(&self, table: &str) -> String {
        format!("SELECT name FROM sqlite_master WHERE type = 'table' AND name = {table}")
    }

    fn clock_text(&self) -> &'static str {
        "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
    }

    fn millis_since(&self, expr: &str) -> String {
        format!("CAST(ROUND((julianday('now') - julianday({expr})) * 86400000) AS INTEGER)")
    }

    /// SQLite has no users: the script says it was run by hand.
    fn session_user(&self) -> &'static str {
        "'sqlite3'"
    }

    fn id_and_text(&self) -> (&'static str, &'static str) {
        ("id INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT")
    }

    fn scratch_url(&self) -> Option<&'static str> {
        Some("sqlite::memory:")
    }
}
