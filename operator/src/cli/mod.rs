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
pub mod commands;
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
        Command::Validate(args) => commands::validate::run(args, out).await,
        Command::Heads(args) => commands::heads::run(args, out).await,
        Command::Plan(args) => commands::plan::run(args, out).await,
        Command::Upgrade(args) => commands::upgrade::run(args, out).await,
        Command::Downgrade(args) => commands::downgrade::run(args, out).await,
        Command::Stamp(args) => commands::stamp::run(args, out).await,
        Command::Current(args) => commands::current::run(args, out).await,
        Command::Import(args) => commands::import::run_import(args, out).await,
        Command::Adopt(args) => commands::import::run_adopt(args, out).await,
        Command::Apply(args) => commands::apply::run(args, out).await,
        Command::Wait(args) => commands::wait::run(args, out).await,
        Command::History(args) => commands::history::run(args, out).await,
        Command::Drift(args) => commands::drift::run(args, out).await,
        Command::Resolve(args) => commands::resolve::run(args, out).await,
        Command::Crd(args) => out.write_all(args.yaml().as_bytes()).map_err(runtime),
        Command::Run(opts) => run::run(opts).await,
        Command::Graph(args) => commands::graph::run(args, out).await,
        Command::Revision(args) => commands::revision::run(args, out).await,
        Command::Check(args) => commands::check::run(args, out).await,
        Command::Merge(args) => commands::merge::run(args, out).await,
        Command::Show(args) => commands::show::run(args, out).await,
        Command::Branches(args) => commands::branches::run(args, out).await,
        Command::Log(args) => commands::log::run(args, out).await,
        Command::Edit(args) => commands::edit::run(args, out).await,
        Command::Init(args) => commands::init::run(args, out).await,
        Command::ListTemplates => init::list(out),
        Command::Approve(args) => commands::approve::run(args, out).await,
        Command::Status(args) => commands::status::run(args, out).await,
        Command::Completion(args) => commands::completion::run(args, out).await,
        Command::Lint(args) => commands::lint::run(args, out).await,
        Command::Schema(args) => commands::schema::run(args, out).await,
    }
}
