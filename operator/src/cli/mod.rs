//! The `revisor` command line: clap commands and their output.
//!
//! Exit codes (SPEC.md, "The CLI"): 0 success, 1 a runtime failure, 2 bad
//! input (unknown target, invalid migration set, bad flags), with the reason
//! on stderr.

mod apply;
mod args;
mod autogen;
mod browse;
pub mod cluster;
mod command;
mod dbcmd;
pub mod dialect;
mod draw;
mod error;
mod init;
mod lint;
mod migrate;
mod new;
mod offline;
pub mod project;
mod run;

pub use args::{DbArgs, GraphFormat, OfflineArgs, Output, ReadDbArgs, RunArgs, SetArgs, TxMode};
pub use command::{Command, SchemaCommand};
pub use error::CliError;
pub use run::DEFAULT_MAX_CONCURRENT_RECONCILES;

use error::runtime;
use migrate::{migrate, parse_current, print_heads};

use crate::plan::Mode;
use crate::source;
use clap::Parser;
use std::io::Write;
use std::path::PathBuf;

/// Revisor: Alembic-compatible schema migrations, for GitOps.
#[derive(Debug, Parser)]
#[command(name = "revisor", version, about, propagate_version = true)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Runs one command, writing its output to `out`.
///
/// # Errors
/// [`CliError`], whose [`CliError::exit_code`] the binary exits with.
pub async fn run(cli: Cli, out: &mut dyn Write) -> Result<(), CliError> {
    match cli.command {
        Command::Validate { set } => {
            let g = source::load_dir(&set.dir)?;
            writeln!(
                out,
                "{}: {} revisions, {} heads, valid",
                set.dir.display(),
                g.len(),
                g.heads().len()
            )
            .map_err(runtime)
        }
        Command::Heads {
            set,
            resolve_dependencies,
            verbose,
            output,
        } => {
            let g = source::load_dir(&set.dir)?;
            let heads = if resolve_dependencies {
                g.real_heads()
            } else {
                g.heads()
            };
            if verbose && output == Output::Text {
                for &h in heads {
                    writeln!(out, "{}", browse::verbose(&g, &set.dir, h)).map_err(runtime)?;
                }
                return Ok(());
            }
            print_heads(&g, heads, output, out).map_err(runtime)
        }
        Command::Plan {
            set,
            target,
            current,
            read,
            upgrade,
            downgrade,
            sql,
            dialect,
            output,
        } => {
            migrate::plan(
                set, target, current, read, upgrade, downgrade, sql, dialect, output, out,
            )
            .await
        }
        Command::Upgrade {
            set,
            db,
            run,
            offline,
            output,
            target,
        } => {
            migrate(
                &set,
                &db,
                &run,
                &offline,
                output,
                &target,
                Mode::Upgrade,
                out,
            )
            .await
        }
        Command::Downgrade {
            set,
            db,
            run,
            offline,
            output,
            target,
        } => {
            migrate(
                &set,
                &db,
                &run,
                &offline,
                output,
                &target,
                Mode::Downgrade,
                out,
            )
            .await
        }
        Command::Stamp {
            set,
            db,
            offline,
            output,
            target,
            purge,
        } => {
            let g = source::load_dir(&set.dir)?;
            if offline.sql {
                let (from, target) = offline::range(&target);
                let start = offline::start(&g, &db, &offline, from).await?;
                let opts = dbcmd::options(&db, None);
                return offline::stamp(&g, &start, target, purge, &opts, output, out).await;
            }
            dbcmd::stamp(&g, &db, &target, purge, out).await
        }
        Command::Current { set, db, verbose } => {
            let g = source::load_dir(&set.dir).ok();
            if verbose {
                let rows = dbcmd::heads(&db).await?;
                for r in rows {
                    match g.as_ref().and_then(|g| g.index_of(&r).map(|i| (g, i))) {
                        Some((g, i)) => writeln!(out, "{}", browse::verbose(g, &set.dir, i)),
                        None => writeln!(out, "Rev: {r} (not in the migration set)\n"),
                    }
                    .map_err(runtime)?;
                }
                return Ok(());
            }
            dbcmd::current(g.as_ref(), &db, out).await
        }
        Command::History { db, output } => dbcmd::history(&db, output, out).await,
        Command::Run(opts) => run::run(opts).await,
        Command::Crd => out
            .write_all(crate::resource::crd_yaml().as_bytes())
            .map_err(runtime),
        Command::Wait {
            db,
            revision,
            timeout,
            dir,
        } => {
            let g = match dir {
                Some(d) => Some(source::load_dir(&d)?),
                None => None,
            };
            dbcmd::wait(g.as_ref(), &db, &revision, timeout, out).await
        }
        Command::Apply {
            file,
            dir,
            database,
            approve,
            sql,
            current,
            dialect,
        } => {
            apply::apply(
                &file,
                apply::ApplyArgs {
                    dir: dir.as_deref(),
                    database,
                    approve,
                    offline: sql.then_some(OfflineArgs {
                        sql,
                        current,
                        dialect,
                    }),
                },
                out,
            )
            .await
        }
        Command::Resolve { db } => dbcmd::resolve(&db, out).await,
        Command::Drift { db, accept, output } => dbcmd::drift(&db, accept, output, out).await,
        Command::Graph { set, format, read } => {
            let g = source::load_dir(&set.dir)?;
            let applied = match read.db() {
                Some(db) => dbcmd::applied_for_graph(&g, &db).await?,
                None => Vec::new(),
            };
            let text = match format {
                GraphFormat::Dot => draw::dot(&g, &applied),
                GraphFormat::Mermaid => draw::mermaid(&g, &applied),
            };
            out.write_all(text.as_bytes()).map_err(runtime)
        }
        Command::Revision {
            set,
            message,
            head,
            branch_label,
            depends_on,
            rev_id,
            splice,
            autogenerate,
            format,
            auto,
        } => {
            let opts = new::NewRevision {
                message,
                head,
                branch_label,
                depends_on,
                rev_id,
                splice,
                ops: (format == "ops").then(String::new),
                ..Default::default()
            };
            if autogenerate {
                return autogen::revision(&set.dir, opts, &auto, out).await;
            }
            let path = new::write(&set.dir, &opts)?;
            writeln!(out, "{}", path.display()).map_err(runtime)
        }
        Command::Check { set, auto } => autogen::check(&set.dir, &auto, out).await,
        Command::Merge {
            set,
            revisions,
            message,
            branch_label,
            rev_id,
        } => {
            let g = source::load_dir(&set.dir)?;
            let parents = browse::merge_parents(&g, &revisions)?;
            let opts = new::NewRevision {
                message,
                head: Some(parents),
                branch_label,
                rev_id,
                splice: true,
                ..Default::default()
            };
            let path = new::write(&set.dir, &opts)?;
            writeln!(out, "{}", path.display()).map_err(runtime)
        }
        Command::Show { set, revision } => {
            let g = source::load_dir(&set.dir)?;
            browse::show(&g, &set.dir, &revision, out)
        }
        Command::Branches { set } => browse::branches(&source::load_dir(&set.dir)?, out),
        Command::Log {
            set,
            range,
            indicate_current,
            read,
            output,
        } => {
            let g = source::load_dir(&set.dir)?;
            let current = match (indicate_current, read.db()) {
                (false, _) => Vec::new(),
                (true, Some(db)) => dbcmd::heads(&db).await?,
                (true, None) => {
                    return Err(CliError::Input(
                        "--indicate-current needs --database (or REVISOR_DATABASE_URL)".into(),
                    ))
                }
            };
            browse::log(&g, range.as_deref(), &current, output, out)
        }
        Command::Edit { set, revision } => {
            browse::edit(&source::load_dir(&set.dir)?, &set.dir, &revision)
        }
        Command::Init {
            dir,
            template,
            force,
        } => init::init(&dir, &template, force, out),
        Command::ListTemplates => init::list(out),
        Command::Lint {
            set,
            since,
            current,
            database,
            version_table,
            target,
            dialect,
            output,
            large_table_rows,
        } => {
            let dialect = dialect::resolve(
                dialect,
                &[database.as_deref()],
                dialect::Fallback::Use(crate::dialect::Dialect::default()),
            )?;
            let db = database.map(|d| DbArgs {
                database: Some(d),
                version_table,
                lock_timeout: 0,
                drift_exclude: Vec::new(),
                no_snapshot: false,
            });
            let scope = lint::Scope {
                since: since.as_deref(),
                current: current.as_deref(),
                db: db.as_ref(),
                target: &target,
                large_table_rows,
            };
            lint::run(&set.dir, dialect, scope, output, out).await
        }
        Command::Approve {
            name,
            namespace,
            yes,
        } => {
            let client = cluster::client().await?;
            let stdin = std::io::stdin();
            cluster::approve(
                &client,
                namespace.as_deref(),
                &name,
                yes,
                &mut stdin.lock(),
                out,
            )
            .await
        }
        Command::Status {
            namespace,
            all_namespaces,
        } => {
            let client = cluster::client().await?;
            cluster::status(&client, namespace.as_deref(), all_namespaces, out).await
        }
        Command::Completion { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "revisor", out);
            Ok(())
        }
        Command::Schema { command } => match command {
            SchemaCommand::Dump { auto } => {
                let url = auto
                    .database
                    .clone()
                    .or_else(|| std::env::var("REVISOR_DATABASE_URL").ok())
                    .ok_or_else(|| {
                        CliError::Input(
                            "schema dump needs --database URL (or REVISOR_DATABASE_URL)".into(),
                        )
                    })?;
                autogen::dump(&url, &auto, out).await
            }
            SchemaCommand::Diff {
                set,
                from,
                to,
                auto,
                output,
            } => autogen::diff(&set.dir, &from, &to, &auto, output, out).await,
        },
    }
}
