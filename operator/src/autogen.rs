//! Autogenerate: where the schemas come from, and the revision between
//! them. I/O (the pure parts are [`crate::schema`], [`crate::diff`] and
//! [`crate::render`]).
//!
//! A schema comes from one of three places:
//! - the declared schema: `schema.sql` or a `schema/` directory of `.sql`
//!   files (read in file-name order);
//! - a live database, by introspection;
//! - a revision of the migration set: the set replayed up to it into a
//!   scratch database and introspected there. For SQLite the scratch
//!   database is an in-memory one; for PostgreSQL and MySQL, a throwaway
//!   database `revisor_scratch_<hex>` that Revisor creates on the server of
//!   `--dev-database` and drops afterwards, whatever happened.

use crate::db::introspect::{self, Introspect};
use crate::db::{Backend, Database, DbError};
use crate::declared;
use crate::dialect::Dialect;
use crate::diff::{self, Op};
use crate::executor::{ExecError, Options, Session};
use crate::graph::RevisionGraph;
use crate::outcome::{Class, Classify};
use crate::plan::Mode;
use crate::render;
use crate::schema::Schema;
use std::path::Path;

/// Why a schema could not be had.
#[derive(Debug, thiserror::Error)]
pub enum AutogenError {
    /// The declared schema cannot be read (every problem, with file and line).
    #[error("{0}")]
    Declared(String),
    /// A side of the comparison that names nothing usable.
    #[error("{0}")]
    Input(String),
    /// Replaying the migration set into the scratch database failed.
    #[error("replaying the migration set into a scratch database failed: {0}")]
    Replay(ExecError),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl Classify for AutogenError {
    fn class(&self) -> Class {
        match self {
            AutogenError::Declared(_) | AutogenError::Input(_) => {
                crate::outcome::Reason::InvalidInput.class()
            }
            AutogenError::Replay(e) => match e.class().disposition {
                crate::outcome::Disposition::Pending => e.class(),
                _ => crate::outcome::Reason::ReplayFailed.class(),
            },
            AutogenError::Db(e) => e.class(),
        }
    }
}

/// Reads the declared schema at `path`: a `.sql` file, or a directory
/// whose `.sql` files are read in file-name order.
///
/// # Errors
/// [`AutogenError::Declared`] listing every problem with file and line, or
/// [`AutogenError::Input`] when `path` cannot be read.
pub fn read_declared(path: &Path, dialect: Dialect) -> Result<Schema, AutogenError> {
    let read = |p: &Path| {
        std::fs::read_to_string(p)
            .map_err(|e| AutogenError::Input(format!("cannot read {}: {e}", p.display())))
    };
    let files: Vec<(String, String)> = if path.is_dir() {
        let mut names: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| AutogenError::Input(format!("cannot read {}: {e}", path.display())))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "sql"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| Ok((p.display().to_string(), read(p)?)))
            .collect::<Result<_, AutogenError>>()?
    } else {
        vec![(path.display().to_string(), read(path)?)]
    };
    let (schema, notes) = declared::parse_noting(&files, dialect).map_err(|errors| {
        AutogenError::Declared(
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })?;
    for n in notes {
        eprintln!("note: {}: {n}", path.display());
    }
    Ok(schema)
}

/// The default declared-schema path in `dir`: `schema.sql`, else `schema/`.
pub fn default_schema_path(dir: &Path) -> std::path::PathBuf {
    let file = dir.join("schema.sql");
    if file.exists() || !dir.join("schema").is_dir() {
        file
    } else {
        dir.join("schema")
    }
}

/// The live schema of the database at `url`.
///
/// # Errors
/// [`AutogenError::Db`].
pub async fn live(url: &str, opts: &introspect::Options) -> Result<Schema, AutogenError> {
    Ok(Database::connect(url).await?.introspect(opts).await?)
}

/// The schema the migration set produces at `target` (`heads` for every
/// head), replayed into a scratch database of `dialect` (see the module
/// docs; `dev_url` names the server for PostgreSQL and MySQL).
///
/// # Errors
/// [`AutogenError::Input`] without a dev database where one is needed,
/// [`AutogenError::Replay`] naming the revision and statement that failed.
pub async fn at_revision(
    graph: &RevisionGraph,
    target: &str,
    dialect: Dialect,
    dev_url: Option<&str>,
    opts: &introspect::Options,
) -> Result<Schema, AutogenError> {
    if graph.is_empty() || target == "base" {
        return Ok(Schema::default());
    }
    if let Some(scratch) = dialect.sql().scratch_url() {
        return replay(graph, target, scratch, opts).await;
    }
    let dev = dev_url.ok_or_else(|| {
        AutogenError::Input(format!(
            "the schema of the migration set on {} needs a scratch database: pass --dev-database URL (a server where Revisor may create and drop a database), or --database to compare with a live one",
            dialect.name()
        ))
    })?;
    if Dialect::from_url(dev).ok() != Some(dialect) {
        return Err(AutogenError::Input(format!(
            "--dev-database is not a {} URL",
            dialect.name()
        )));
    }
    let name = format!(
        "revisor_scratch_{:012x}",
        fastrand::u64(..) & 0xffff_ffff_ffff
    );
    let mut admin = Database::connect(dev).await?;
    admin.execute(&format!("CREATE DATABASE {name}")).await?;
    let result = replay(graph, target, &with_database(dev, &name), opts).await;
    let dropped = admin.execute(&dialect.sql().drop_database(&name)).await;
    let schema = result?;
    dropped?;
    Ok(schema)
}

/// The declared schema in the server's own words where it differs from
/// `current` (SPEC: "where only the database knows its normal form ...
/// the declared object is normalised through the dev database"): the
/// tables the diff from `current` touches are created, without their
/// foreign keys, in a scratch database on `server` (`--dev-database`,
/// else `--database`'s server) with every enum, domain and extension, in
/// one transaction where DDL has them, and read back, so `CHECK (s IN
/// ('a', 'b'))` compares equal to PostgreSQL's stored `(s)::text = ANY
/// (ARRAY[...])`, and defaults and index expressions likewise. A table
/// that already compares equal as written needs no server: a `check` of a
/// database at the declared schema creates nothing. SQLite keeps what was
/// written, so it is returned as it is; so is a schema without a server to
/// normalise on (the second value then says so, for a note).
///
/// # Errors
/// [`AutogenError::Input`] naming the statement the server refused (the
/// declared schema would fail at upgrade the same way); [`AutogenError::Db`]
/// when the scratch database cannot be created.
pub async fn normalized(
    declared: Schema,
    current: &Schema,
    dialect: Dialect,
    server: Option<&str>,
    opts: &introspect::Options,
) -> Result<(Schema, Option<String>), AutogenError> {
    // SQLite keeps what was written. (A schema without tables, of views
    // and functions alone, is normalised too.)
    if dialect.sql().scratch_url().is_some() {
        return Ok((declared, None));
    }
    // Only what exists on both sides and differs as written can be the
    // server's rewriting; a new table is created as declared.
    let ops = diff::diff(current, &declared, dialect);
    let mut touched: std::collections::BTreeSet<&str> = ops
        .iter()
        .map(Op::table)
        .filter(|t| current.tables.contains_key(*t) && declared.tables.contains_key(*t))
        .collect();
    // A partition is created with its partitioned table.
    while let Some(parent) = touched
        .iter()
        .filter_map(|t| declared.tables.get(*t)?.storage.partition_of.as_ref())
        .map(|p| p.parent.as_str())
        .find(|p| !touched.contains(p) && declared.tables.contains_key(*p))
    {
        touched.insert(parent);
    }
    let types_differ = ops.iter().any(|o| {
        matches!(
            o,
            Op::Enum {
                from: Some(_),
                to: Some(_),
                ..
            } | Op::Domain {
                from: Some(_),
                to: Some(_),
                ..
            }
        )
    });
    // The views, functions and triggers on both sides whose text differs
    // as written: the server rewrites them (pg_get_viewdef,
    // pg_get_functiondef, pg_get_triggerdef), so compare its words.
    // Each map is keyed alike on both sides (name, `Function::key`,
    // `Trigger::key`).
    fn differ<T>(
        kind: &str,
        declared: &std::collections::BTreeMap<String, T>,
        current: &std::collections::BTreeMap<String, T>,
        definition: impl Fn(&T) -> &str,
    ) -> Vec<String> {
        declared
            .iter()
            .filter(|(k, d)| {
                current
                    .get(*k)
                    .is_some_and(|c| definition(c) != definition(d))
            })
            .map(|(k, _)| format!("{kind} {k}"))
            .collect()
    }
    let mut rewritten = differ("view", &declared.views, &current.views, |v| &v.definition);
    rewritten.extend(differ(
        "function",
        &declared.functions,
        &current.functions,
        |f| &f.definition,
    ));
    rewritten.extend(differ(
        "trigger",
        &declared.triggers,
        &current.triggers,
        |t| &t.definition,
    ));
    let server_words_differ = !rewritten.is_empty();
    if touched.is_empty() && !types_differ && !server_words_differ {
        return Ok((declared, None));
    }
    // The part to normalise: the touched tables, without foreign keys
    // (which hold no expression and may point at tables left out); every
    // table and view when views are normalised (a view reads any of them).
    let part = Schema {
        tables: declared
            .tables
            .iter()
            .filter(|(name, _)| server_words_differ || touched.contains(name.as_str()))
            .map(|(name, t)| {
                let mut t = t.clone();
                t.foreign_keys.clear();
                (name.clone(), t)
            })
            .collect(),
        views: if server_words_differ {
            declared.views.clone()
        } else {
            Default::default()
        },
        functions: if server_words_differ {
            declared.functions.clone()
        } else {
            Default::default()
        },
        triggers: if server_words_differ {
            declared.triggers.clone()
        } else {
            Default::default()
        },
        ..declared.clone()
    };
    let Some(server) = server.filter(|s| Dialect::from_url(s).ok() == Some(dialect)) else {
        // Name what could not be normalised.
        let mut names: Vec<String> = touched.iter().map(|t| format!("table {t}")).collect();
        names.extend(rewritten);
        if types_differ {
            names.push("enum and domain types".into());
        }
        let note = format!(
            "compared as written, not in the server's own words (pass --dev-database for that): {}",
            names.join(", ")
        );
        return Ok((declared, Some(note)));
    };
    let name = format!(
        "revisor_scratch_{:012x}",
        fastrand::u64(..) & 0xffff_ffff_ffff
    );
    let mut admin = Database::connect(server).await?;
    admin.execute(&format!("CREATE DATABASE {name}")).await?;
    let result = async {
        let mut db = Database::connect(&with_database(server, &name)).await?;
        let transaction = dialect.transactional_ddl();
        if transaction {
            db.execute("BEGIN").await?;
        }
        for statement in migration(&Schema::default(), &part, dialect).up {
            db.execute(&statement).await.map_err(|e| {
                AutogenError::Input(format!(
                    "the declared schema does not run on the dev database: {e}\n  in: {statement}"
                ))
            })?;
        }
        if transaction {
            db.execute("COMMIT").await?;
        }
        Ok::<_, AutogenError>(db.introspect(opts).await?)
    }
    .await;
    let dropped = admin.execute(&dialect.sql().drop_database(&name)).await;
    let read = result?;
    dropped?;
    // The server's words for the part, the declared foreign keys back.
    let mut schema = Schema {
        tables: declared.tables.clone(),
        views: if server_words_differ {
            read.views.clone()
        } else {
            declared.views.clone()
        },
        functions: if server_words_differ {
            read.functions.clone()
        } else {
            declared.functions.clone()
        },
        triggers: if server_words_differ {
            read.triggers.clone()
        } else {
            declared.triggers.clone()
        },
        ..read.clone()
    };
    for (name, mut t) in read.tables {
        if let Some(d) = declared.tables.get(&name) {
            t.foreign_keys = d.foreign_keys.clone();
        }
        schema.tables.insert(name, t);
    }
    Ok((schema, None))
}

/// `url` with its database (the path) replaced by `name`, query kept.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[after_scheme..]
        .find('/')
        .map_or(base.len(), |i| after_scheme + i);
    format!("{}/{name}{query}", &base[..host_end])
}

async fn replay(
    graph: &RevisionGraph,
    target: &str,
    url: &str,
    opts: &introspect::Options,
) -> Result<Schema, AutogenError> {
    let run_opts = Options {
        version_table: opts.version_table.clone(),
        ..Options::default()
    };
    let mut session = Session::connect(url, run_opts).await?;
    session
        .run(graph, target, Mode::Upgrade, &mut |_| {})
        .await
        .map_err(AutogenError::Replay)?;
    Ok(session.backend().introspect(opts).await?)
}

/// A revision's worth of change: the operations and both sections.
#[derive(Debug, Clone)]
pub struct Migration {
    /// The operations, in order.
    pub ops: Vec<Op>,
    /// The up section's statements.
    pub up: Vec<String>,
    /// The down section's statements.
    pub down: Vec<String>,
}

/// The migration from `from` to `to` in `dialect`: the diff, rendered up,
/// and its reverse rendered down.
pub fn migration(from: &Schema, to: &Schema, dialect: Dialect) -> Migration {
    let ops = diff::diff(from, to, dialect);
    let reverse: Vec<Op> = ops.iter().rev().map(Op::reverse).collect();
    Migration {
        up: render::render(&ops, dialect, from, to),
        down: render::render(&reverse, dialect, to, from),
        ops,
    }
}

/// The migration from `from` to `to` as the revisions to write, in order:
/// one, or two when the change adds enum labels and also uses them.
/// PostgreSQL refuses a label in the transaction that added it ("unsafe
/// use of new value"), so the `ADD VALUE`s go first in a revision of their
/// own, which commits before the next one runs (`PerMigration`, the
/// default transaction mode; under `All` the plan still fails).
pub fn revisions(from: &Schema, to: &Schema, dialect: Dialect) -> Vec<Migration> {
    let ops = diff::diff(from, to, dialect);
    let mut mid = from.normalized(dialect);
    for op in &ops {
        if let Op::Enum {
            name,
            from: Some(a),
            to: Some(b),
            ..
        } = op
        {
            if diff::labels_only_added(a, b) {
                mid.enums.insert(name.clone(), b.clone());
            }
        }
    }
    let rest = migration(&mid, to, dialect);
    let added: Vec<String> = mid
        .enums
        .iter()
        .flat_map(|(name, labels)| {
            let before = from.enums.get(name).cloned().unwrap_or_default();
            labels
                .iter()
                .filter(move |l| !before.contains(l))
                .map(|l| render::literal(l, dialect))
                .collect::<Vec<_>>()
        })
        .collect();
    let used = rest
        .up
        .iter()
        .any(|s| added.iter().any(|l| s.contains(l.as_str())));
    if used {
        vec![migration(from, &mid, dialect), rest]
    } else {
        vec![migration(from, to, dialect)]
    }
}

/// Statements as a section body: each ends with `;`, a blank line between.
pub fn section(statements: &[String]) -> String {
    statements
        .iter()
        .map(|s| format!("{s};"))
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scratch_database_replaces_only_the_path() {
        assert_eq!(
            with_database("postgres://u:p@h:5432/postgres?sslmode=disable", "x"),
            "postgres://u:p@h:5432/x?sslmode=disable"
        );
        assert_eq!(
            with_database("mysql://root@127.0.0.1:3306", "x"),
            "mysql://root@127.0.0.1:3306/x"
        );
    }
}
