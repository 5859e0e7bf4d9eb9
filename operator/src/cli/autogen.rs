//! `revision --autogenerate`, `check`, `schema dump` and `schema diff`:
//! adapters around [`crate::autogen`] that print, or write a revision file.

use super::{new, runtime, CliError, Output};
use crate::autogen::{self, AutogenError, Migration};
use crate::db::introspect;
use crate::dialect::Dialect;
use crate::graph::RevisionGraph;
use crate::outcome::Classify;
use crate::schema::Schema;
use clap::Args;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where autogenerate's two schemas come from.
#[derive(Debug, Args, Clone)]
pub struct AutogenArgs {
    /// The declared schema: a .sql file or a directory of them (default:
    /// schema.sql, else schema/, in the current directory).
    #[arg(long, value_name = "PATH", env = "REVISOR_SCHEMA")]
    pub schema: Option<PathBuf>,
    /// Compare with this live database instead of the migration set's
    /// heads (never taken from REVISOR_DATABASE_URL: say it explicitly).
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
    /// A PostgreSQL or MySQL server where a scratch database may be created
    /// and dropped, to replay the migration set into (SQLite needs none).
    #[arg(
        long,
        value_name = "URL",
        env = "REVISOR_DEV_DATABASE_URL",
        hide_env_values = true
    )]
    pub dev_database: Option<String>,
    /// The dialect: postgresql, mysql or sqlite (default: from the URL
    /// given, else sqlite).
    #[arg(long, value_name = "DIALECT", env = "REVISOR_DIALECT", value_enum)]
    pub dialect: Option<super::dialect::DialectName>,
    /// Leave out tables matching this glob (repeatable), as Alembic's
    /// include_object.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// PostgreSQL schema (namespace) to read from a live database (default: public).
    #[arg(long, value_name = "NAME")]
    pub db_schema: Option<String>,
    /// The version table, left out of every comparison.
    #[arg(long, value_name = "NAME", default_value = crate::executor::DEFAULT_VERSION_TABLE, env = "REVISOR_VERSION_TABLE")]
    pub version_table: String,
}

impl From<AutogenError> for CliError {
    fn from(e: AutogenError) -> Self {
        CliError::classified(e.class(), e.to_string())
    }
}

impl AutogenArgs {
    fn dialect(&self, urls: &[&str]) -> Result<Dialect, CliError> {
        // Only URLs count: a side of `schema diff` may be a file.
        let given: Vec<Option<&str>> = urls
            .iter()
            .copied()
            .chain(self.database.as_deref())
            .chain(self.dev_database.as_deref())
            .filter(|u| Dialect::from_url(u).is_ok())
            .map(Some)
            .collect();
        super::dialect::resolve(
            self.dialect,
            &given,
            super::dialect::Fallback::Use(super::dialect::serverless()),
        )
    }

    fn introspect(&self) -> introspect::Options {
        introspect::Options {
            schema: self.db_schema.clone(),
            version_table: self.version_table.clone(),
            exclude: self.exclude.clone(),
        }
    }

    /// The declared schema's path, which must exist.
    fn schema_path(&self) -> Result<PathBuf, CliError> {
        let path = self
            .schema
            .clone()
            .unwrap_or_else(|| autogen::default_schema_path(Path::new(".")));
        if !path.exists() {
            return Err(CliError::Input(format!(
                "no declared schema at {}: write schema.sql (CREATE TABLE ...) or pass --schema",
                path.display()
            )));
        }
        Ok(path)
    }

    /// The declared schema, read on a blocking thread (a 1,000-table dump
    /// takes a quarter of a second to parse, in parallel with reading the
    /// database).
    async fn declared(&self, dialect: Dialect) -> Result<Schema, CliError> {
        let path = self.schema_path()?;
        let exclude = self.exclude.clone();
        tokio::task::spawn_blocking(move || {
            autogen::read_declared(&path, dialect).map(|s| s.without(&exclude))
        })
        .await
        .map_err(|e| CliError::Runtime(format!("reading the declared schema: {e}")))?
        .map_err(Into::into)
    }

    /// The migration from the database (live, or the set's heads
    /// replayed) to the declared schema.
    async fn migration(&self, graph: &RevisionGraph) -> Result<(Migration, Dialect), CliError> {
        let (current, declared, dialect) = self.schemas(graph).await?;
        Ok((autogen::migration(&current, &declared, dialect), dialect))
    }

    /// The database's schema (live, or the set's heads replayed) and the
    /// declared one, normalised, and the dialect they are in.
    async fn schemas(&self, graph: &RevisionGraph) -> Result<(Schema, Schema, Dialect), CliError> {
        let dialect = self.dialect(&[])?;
        let server = self.dev_database.as_deref().or(self.database.as_deref());
        let (declared, current) = tokio::join!(self.declared(dialect), async {
            match &self.database {
                Some(url) => autogen::live(url, &self.introspect()).await,
                None => {
                    autogen::at_revision(
                        graph,
                        "heads",
                        dialect,
                        self.dev_database.as_deref(),
                        &self.introspect(),
                    )
                    .await
                }
            }
        });
        let (declared, current) = (declared?, current?);
        let (declared, note) =
            autogen::normalized(declared, &current, dialect, server, &self.introspect()).await?;
        if let Some(note) = note {
            eprintln!("note: {note}");
        }
        Ok((current, declared, dialect))
    }
}

/// `revision --autogenerate`: writes the revision, or says there is nothing to write.
pub async fn revision(
    dir: &Path,
    opts: new::NewRevision,
    auto: &AutogenArgs,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let graph = load(dir)?;
    let (current, declared, dialect) = auto.schemas(&graph).await?;
    let mut revisions = autogen::revisions(&current, &declared, dialect);
    let m = revisions
        .pop()
        .unwrap_or_else(|| autogen::migration(&current, &declared, dialect));
    if m.ops.is_empty() && revisions.is_empty() {
        return writeln!(out, "No changes in schema detected; nothing written.").map_err(runtime);
    }
    for op in revisions.iter().chain([&m]).flat_map(|r| &r.ops) {
        writeln!(out, "Detected {}", op.describe()).map_err(runtime)?;
    }
    let mut opts = opts;
    if let (Some(first), None) = (revisions.first(), &opts.ops) {
        // Enum labels the revision uses, in a revision of their own that
        // commits first (see `autogen::revisions`); it takes the place in
        // the graph the user asked for, and the main revision follows it.
        let id = super::new::random_id();
        let path = new::write(
            dir,
            &new::NewRevision {
                message: format!("{} (enum labels first)", opts.message),
                rev_id: Some(id.clone()),
                up: format!(
                    "-- autogenerated for {}: enum labels the next revision uses, committed before it\n{}",
                    dialect.name(),
                    autogen::section(&first.up)
                ),
                down: autogen::section(&first.down),
                ..opts.clone()
            },
        )?;
        writeln!(out, "{}", path.display()).map_err(runtime)?;
        opts = new::NewRevision {
            head: Some(id),
            splice: false,
            branch_label: None,
            depends_on: None,
            ..opts
        };
    }
    if opts.ops.is_some() {
        let all: Vec<_> = revisions
            .iter()
            .chain([&m])
            .flat_map(|r| r.ops.clone())
            .collect();
        let ops = crate::ops::from_diff::operations(&all, dialect)
            .map_err(|e| CliError::Input(e.to_string()))?;
        let path = new::write(
            dir,
            &new::NewRevision {
                ops: Some(crate::ops::to_yaml(&ops)),
                ..opts
            },
        )?;
        return writeln!(out, "{}", path.display()).map_err(runtime);
    }
    let path = new::write(
        dir,
        &new::NewRevision {
            up: format!(
                "-- autogenerated for {}\n{}",
                dialect.name(),
                autogen::section(&m.up)
            ),
            down: autogen::section(&m.down),
            ..opts
        },
    )?;
    writeln!(out, "{}", path.display()).map_err(runtime)
}

/// `check`: exit 0 when autogenerate would write nothing, 1 with the
/// differences otherwise (Alembic's `check`).
pub async fn check(dir: &Path, auto: &AutogenArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let graph = load(dir)?;
    let (m, _) = auto.migration(&graph).await?;
    if m.ops.is_empty() {
        return writeln!(out, "No new upgrade operations detected.").map_err(runtime);
    }
    let against = if auto.database.is_some() {
        "the database"
    } else {
        "the migration set's heads"
    };
    let list: Vec<String> = m
        .ops
        .iter()
        .map(|o| format!("  {}", o.describe()))
        .collect();
    Err(CliError::Runtime(format!(
        "the declared schema differs from {against} ({} change(s)):\n{}",
        m.ops.len(),
        list.join("\n")
    )))
}

/// `schema dump`: a live schema as declared-schema DDL.
pub async fn dump(url: &str, auto: &AutogenArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let dialect = auto.dialect(&[url])?;
    let live = autogen::live(url, &auto.introspect()).await?;
    let m = autogen::migration(&Schema::default(), &live, dialect);
    writeln!(out, "{}", autogen::section(&m.up)).map_err(runtime)
}

/// `schema diff FROM TO`: each side a schema file or directory, a database
/// URL, or a revision of the set (replayed).
pub async fn diff(
    dir: &Path,
    from: &str,
    to: &str,
    auto: &AutogenArgs,
    output: Output,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let dialect = auto.dialect(&[from, to])?;
    let mut graph: Option<RevisionGraph> = None;
    let mut side = |s: &str| -> Result<Side, CliError> {
        if Dialect::from_url(s).is_ok() {
            return Ok(Side::Url(s.to_owned()));
        }
        if Path::new(s).exists() {
            return Ok(Side::Declared(PathBuf::from(s)));
        }
        if graph.is_none() {
            graph = Some(load(dir)?);
        }
        Ok(Side::Revision(s.to_owned()))
    };
    let (a, b) = (side(from)?, side(to)?);
    let graph = match graph {
        Some(g) => g,
        None => empty()?,
    };
    let read = |s: Side| {
        let graph = &graph;
        async move {
            match s {
                Side::Url(u) => autogen::live(&u, &auto.introspect())
                    .await
                    .map_err(CliError::from),
                Side::Declared(p) => {
                    Ok(autogen::read_declared(&p, dialect)?.without(&auto.exclude))
                }
                Side::Revision(r) => Ok(autogen::at_revision(
                    graph,
                    &r,
                    dialect,
                    auto.dev_database.as_deref(),
                    &auto.introspect(),
                )
                .await?),
            }
        }
    };
    let (a, b) = (read(a).await?, read(b).await?);
    let m = autogen::migration(&a, &b, dialect);
    match output {
        Output::Text => {
            if m.up.is_empty() {
                writeln!(out, "-- no differences").map_err(runtime)
            } else {
                writeln!(out, "{}", autogen::section(&m.up)).map_err(runtime)
            }
        }
        Output::Json => {
            let v = serde_json::json!({
                "dialect": dialect.name(),
                "operations": m.ops.iter().map(|o| o.describe()).collect::<Vec<_>>(),
                "up": m.up,
                "down": m.down,
            });
            serde_json::to_writer_pretty(&mut *out, &v)
                .map_err(|e| CliError::Runtime(e.to_string()))?;
            writeln!(out).map_err(runtime)
        }
    }
}

enum Side {
    Url(String),
    Declared(PathBuf),
    Revision(String),
}

fn load(dir: &Path) -> Result<RevisionGraph, CliError> {
    if dir.exists() {
        Ok(crate::source::load_dir(dir)?)
    } else {
        empty()
    }
}

fn empty() -> Result<RevisionGraph, CliError> {
    RevisionGraph::from_files::<&str, &str>(&[]).map_err(|e| CliError::Input(e.to_string()))
}
