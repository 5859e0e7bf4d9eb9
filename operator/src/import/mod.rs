//! Moving from other tools (SPEC: "Moving from other tools"): another
//! tool's migration directory read as that tool reads it, written as a
//! Revisor migration set, and the tool's own version table read to find
//! where a database stands. Pure: the caller reads and writes the files
//! and queries the table.
//!
//! Each tool's versions become one linear chain in the tool's order, the
//! ids the tool's versions (`1.1` becomes `1_1`); a version without a down
//! script is irreversible. An up script wrapped in its own `BEGIN;` ...
//! `COMMIT;` loses the wrapper: Revisor's step transaction takes its
//! place, and a `COMMIT` inside it would end that transaction early.

pub mod alembic;
mod tools;

pub use tools::{adopted, TableRow};

/// A tool Revisor imports from, by the name `revisor import` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Tool {
    /// Alembic: its Python revisions rendered by Alembic itself
    /// ([`alembic`]); its database needs no adoption (`--version-table
    /// alembic_version`).
    Alembic,
    /// Flyway: `V<version>__<description>.sql`, `U<version>__...` undo
    /// scripts, `<script>.sql.conf` settings; `R__` repeatables and Java
    /// migrations are refused.
    Flyway,
    /// golang-migrate: `<version>_<title>.up.sql` and `.down.sql`.
    #[value(name = "golang-migrate")]
    GolangMigrate,
    /// goose: `<version>_<name>.sql` with `-- +goose Up`/`Down`
    /// annotations; Go migrations are refused.
    Goose,
    /// dbmate: `<version>_<name>.sql` with `-- migrate:up`/`down` sections.
    Dbmate,
    /// sqlx: `<version>_<description>.sql` (simple, irreversible) or
    /// `.up.sql`/`.down.sql` (reversible).
    Sqlx,
}

impl Tool {
    /// The tool's name, as `revisor import` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Tool::Alembic => "alembic",
            Tool::Flyway => "flyway",
            Tool::GolangMigrate => "golang-migrate",
            Tool::Goose => "goose",
            Tool::Dbmate => "dbmate",
            Tool::Sqlx => "sqlx",
        }
    }

    /// The table the tool keeps its versions in.
    pub fn table(self) -> &'static str {
        match self {
            Tool::Alembic => "alembic_version",
            Tool::Flyway => "flyway_schema_history",
            Tool::GolangMigrate | Tool::Dbmate => "schema_migrations",
            Tool::Goose => "goose_db_version",
            Tool::Sqlx => "_sqlx_migrations",
        }
    }
}

/// One migration of another tool, as Revisor will hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The revision id (the tool's version, `.` as `_`).
    pub id: String,
    /// The tool's version as the tool writes it (`1.1`), for its table.
    pub version: String,
    /// The description, from the file name.
    pub message: String,
    /// The up script.
    pub up: String,
    /// The down script; `None`: irreversible.
    pub down: Option<String>,
    /// Whether the tool ran it in a transaction.
    pub transactional: bool,
    /// The file(s) it came from, for the revision's header comment.
    pub source: String,
}

/// A file or migration that cannot be carried over.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct ImportError {
    /// The file.
    pub file: String,
    /// What is wrong.
    pub message: String,
}

/// Reads `files` (`(name, contents)`, the names relative to the tool's
/// directory) as `tool` reads them: its migrations in its order.
///
/// # Errors
/// Every [`ImportError`]: a file the tool would refuse or run in a way
/// Revisor cannot keep (a repeatable, a Java or Go migration), a version
/// twice, a version Revisor's ids cannot hold.
pub fn read(tool: Tool, files: &[(String, String)]) -> Result<Vec<Imported>, Vec<ImportError>> {
    let mut v = tools::read(tool, files)?;
    v.sort_by(|a, b| version_order(&a.version, &b.version));
    let mut errors = Vec::new();
    for w in v.windows(2) {
        if version_order(&w[0].version, &w[1].version) == std::cmp::Ordering::Equal {
            errors.push(ImportError {
                file: w[1].source.clone(),
                message: format!("version {} is also {}", w[1].version, w[0].source),
            });
        }
    }
    for m in &v {
        if !crate::revision::is_valid_id(&m.id) {
            errors.push(ImportError {
                file: m.source.clone(),
                message: format!(
                    "version {} does not make a revision id (1 to 32 characters of [A-Za-z0-9_])",
                    m.version
                ),
            });
        }
    }
    if errors.is_empty() {
        Ok(v)
    } else {
        Err(errors)
    }
}

/// The order of two versions as the tools order them: part by part
/// (`.`/`_`-separated), numerically where both parts are numbers
/// (`1.10` after `1.9`; Flyway's rule; a plain number or timestamp is one
/// part).
pub fn version_order(a: &str, b: &str) -> std::cmp::Ordering {
    let parts = |s: &str| -> Vec<String> {
        s.split(['.', '_'])
            .map(|p| p.trim_start_matches('0').to_owned())
            .collect()
    };
    let (pa, pb) = (parts(a), parts(b));
    for (x, y) in pa.iter().zip(&pb) {
        let o = match (x.parse::<u128>(), y.parse::<u128>()) {
            (Ok(m), Ok(n)) => m.cmp(&n),
            _ => x.cmp(y),
        };
        if o != std::cmp::Ordering::Equal {
            return o;
        }
    }
    // Trailing zero parts mean nothing: `1` is `1.0`.
    let rest = |p: &[String]| p.iter().all(|x| x.is_empty());
    match pa.len().cmp(&pb.len()) {
        std::cmp::Ordering::Less if rest(&pb[pa.len()..]) => std::cmp::Ordering::Equal,
        std::cmp::Ordering::Greater if rest(&pa[pb.len()..]) => std::cmp::Ordering::Equal,
        o => o,
    }
}

/// `migrations` as Revisor revision files, `(file name, text)`: a linear
/// chain in their order, each on the one before.
pub fn revision_files(tool: Tool, migrations: &[Imported]) -> Vec<(String, String)> {
    let mut out = Vec::with_capacity(migrations.len());
    let mut parent: Option<&str> = None;
    for m in migrations {
        let mut text = format!(
            "-- revision: {}\n-- down_revision: {}\n",
            m.id,
            parent.unwrap_or("")
        );
        if !m.transactional {
            text.push_str("-- transactional: false\n");
        }
        let message = m.message.replace(['\n', '\r'], " ");
        text.push_str(&format!(
            "-- message: {message}\n-- Imported from {} ({}).\n\n-- migrate:up\n{}\n",
            tool.name(),
            m.source,
            m.up.trim_end()
        ));
        match &m.down {
            // A down script with nothing in it undoes nothing on purpose.
            Some(d) if d.trim().is_empty() => text.push_str(&format!(
                "\n-- migrate:down\n-- {} {}: its down script is empty\n",
                tool.name(),
                m.version
            )),
            Some(d) => text.push_str(&format!("\n-- migrate:down\n{}\n", d.trim_end())),
            None => {}
        }
        out.push((file_name(&m.id, &message), text));
        parent = Some(&m.id);
    }
    out
}

/// The query that reads `tool`'s table as [`TableRow`]s: version, kind,
/// and `1` for a clean row, in the table's order; `cast` turns a column
/// into text in the database's dialect.
pub fn table_query(tool: Tool, cast: impl Fn(&str) -> String) -> String {
    match tool {
        Tool::Alembic => "SELECT version_num, NULL, '1' FROM alembic_version".to_owned(),
        Tool::Flyway => "SELECT version, type, CASE WHEN success THEN '1' ELSE '0' END \
             FROM flyway_schema_history ORDER BY installed_rank"
            .to_owned(),
        Tool::GolangMigrate => format!(
            "SELECT {}, NULL, CASE WHEN dirty THEN '0' ELSE '1' END FROM schema_migrations",
            cast("version")
        ),
        Tool::Dbmate => {
            "SELECT version, NULL, '1' FROM schema_migrations ORDER BY version".to_owned()
        }
        Tool::Goose => format!(
            "SELECT {}, NULL, CASE WHEN is_applied THEN '1' ELSE '0' END FROM goose_db_version ORDER BY id",
            cast("version_id")
        ),
        Tool::Sqlx => format!(
            "SELECT {}, NULL, CASE WHEN success THEN '1' ELSE '0' END FROM _sqlx_migrations ORDER BY version",
            cast("version")
        ),
    }
}

/// The rows of [`table_query`] as [`TableRow`]s.
pub fn table_rows(rows: Vec<Vec<Option<String>>>) -> Vec<TableRow> {
    rows.into_iter()
        .map(|r| TableRow {
            version: r.first().cloned().flatten(),
            kind: r.get(1).cloned().flatten(),
            ok: r.get(2).cloned().flatten().as_deref() == Some("1"),
        })
        .collect()
}

/// An imported migration set as the tool's versions, in the tool's order
/// (`1_1` orders as `1.1`), for [`adopted`].
pub fn chain_of(graph: &crate::graph::RevisionGraph) -> Vec<Imported> {
    let mut chain: Vec<Imported> = graph
        .revisions()
        .iter()
        .map(|r| Imported {
            id: r.id.clone(),
            version: r.id.clone(),
            message: r.message.clone(),
            up: String::new(),
            down: None,
            transactional: true,
            source: r.file.clone(),
        })
        .collect();
    chain.sort_by(|a, b| version_order(&a.version, &b.version));
    chain
}

/// Whether the imported `written` files (`(name, text)`) make a valid
/// set once each `-- needs_sql:` line is gone: those lines are the
/// person's to remove, everything else must load.
///
/// # Errors
/// The set's errors, as [`crate::graph::RevisionGraph::from_files`] gives them.
pub fn check_set(
    written: &[(String, String)],
) -> Result<crate::graph::RevisionGraph, crate::graph::SetErrors> {
    let kept: Vec<(String, String)> = written
        .iter()
        .map(|(n, t)| {
            let lines: Vec<&str> = t
                .lines()
                .filter(|l| !l.starts_with("-- needs_sql:"))
                .collect();
            (n.clone(), lines.join("\n"))
        })
        .collect();
    let refs: Vec<(&str, &str)> = kept.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
    crate::graph::RevisionGraph::from_files(&refs)
}

/// An imported revision's file name: `<id>_<slug>.sql` (`<id>.sql` when
/// the message has no word), as `revisor revision` names files by default.
pub(crate) fn file_name(id: &str, message: &str) -> String {
    match crate::revision::slug(message, 40) {
        s if s.is_empty() => format!("{id}.sql"),
        s => format!("{id}_{s}.sql"),
    }
}

/// `sql` without a `BEGIN;`/`START TRANSACTION;` first statement and a
/// `COMMIT;` last one that wrap it whole (see the module docs).
pub(crate) fn unwrapped(sql: &str) -> String {
    let Ok(statements) = crate::sqltext::split_statements_with(sql, false) else {
        return sql.to_owned();
    };
    // The statement's words, its comment lines left out.
    let word = |s: &str| {
        s.lines()
            .filter(|l| !l.trim_start().starts_with("--"))
            .flat_map(str::split_whitespace)
            .collect::<Vec<_>>()
            .join(" ")
            .to_uppercase()
    };
    let (Some(first), Some(last)) = (statements.first(), statements.last()) else {
        return sql.to_owned();
    };
    let begins = matches!(
        word(first.sql).as_str(),
        "BEGIN" | "START TRANSACTION" | "BEGIN TRANSACTION"
    );
    if statements.len() < 2 || !begins || word(last.sql) != "COMMIT" {
        return sql.to_owned();
    }
    let start = first.sql.as_ptr() as usize - sql.as_ptr() as usize + first.sql.len();
    let end = last.sql.as_ptr() as usize - sql.as_ptr() as usize;
    sql[start..end]
        .trim_start_matches(';')
        .trim_matches('\n')
        .to_owned()
}

#[cfg(test)]
mod tests;
