//! SQLite introspection: the DDL in `sqlite_schema`, read with the
//! declared-schema parser (see the module docs of [`super`]).

use super::{col, unreadable, Introspect, Options};
use crate::db::sqlite::LiteBackend;
use crate::db::{Backend, DbError};
use crate::declared;
use crate::dialect::Dialect;
use crate::schema::Schema;

impl Introspect for LiteBackend {
    async fn lint_facts(&mut self) -> Result<super::LintFacts, DbError> {
        let version = self.query("SELECT sqlite_version()").await?;
        Ok(super::LintFacts {
            server_version: super::first_text(&version),
            functions: Default::default(),
        })
    }

    async fn row_estimates(
        &mut self,
        tables: &std::collections::BTreeSet<String>,
    ) -> Result<super::RowEstimates, DbError> {
        let mut out = Vec::new();
        for t in tables {
            let q = format!(
                "SELECT CAST(count(*) AS TEXT) FROM {}",
                crate::render::quote(t, self.dialect())
            );
            if let Ok(r) = self.query(&q).await {
                out.push(vec![
                    Some(t.clone()),
                    r.first().and_then(|x| x.first()).cloned().flatten(),
                ]);
            }
        }
        Ok(super::estimates(out))
    }

    async fn introspect(&mut self, opts: &Options) -> Result<Schema, DbError> {
        // Tables, then indexes, views and triggers, each in creation order.
        let rows = self
            .query(
                "SELECT type, name, tbl_name, sql FROM sqlite_schema \
                 WHERE type IN ('table', 'index', 'view', 'trigger') AND sql IS NOT NULL \
                 ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'view' THEN 2 ELSE 3 END, rowid",
            )
            .await?;
        // Bookkeeping tables (see `without_bookkeeping`) are recognised by
        // the DDL Revisor and Alembic write, before anything is parsed.
        let bookkeeping: std::collections::HashSet<String> = rows
            .iter()
            .filter(|r| col(r, 0) == "table")
            .filter(|r| {
                let (name, sql) = (col(r, 1), col(r, 3));
                let cols = sql.split_once('(').map_or("", |(_, c)| c);
                cols.trim_start().starts_with("version_num ") && !cols.contains(',')
                    || cols.contains("CONSTRAINT")
                        && cols.trim_start().starts_with("version_num ")
                        && cols.matches(',').count() == 1
                    || name.ends_with("_history") && sql.contains("checksum VARCHAR(64)")
                    || name.ends_with("_snapshot") && sql.contains("schema_json")
            })
            .map(|r| col(r, 1))
            .collect();
        let files: Vec<(String, String)> = rows
            .iter()
            .filter(|r| !opts.skip(&col(r, 2)) && !bookkeeping.contains(&col(r, 2)))
            .map(|r| {
                (
                    format!("sqlite_schema:{}", col(r, 1)),
                    format!("{};", col(r, 3)),
                )
            })
            .collect();
        let schema = declared::parse(&files, Dialect::Sqlite).map_err(|errors| {
            unreadable(
                errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })?;
        Ok(super::without_bookkeeping(schema.without(&opts.exclude)))
    }
}
