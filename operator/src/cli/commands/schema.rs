//! `revisor schema`: its flags and what it runs.

use crate::cli::*;
use clap::Args;
use std::io::Write;

/// The flags of `revisor schema` (the command's help is on
/// [`crate::cli::Command::Schema`]).
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: SchemaCommand,
}

/// Runs `revisor schema`.
///
/// # Errors
/// [`CliError`], whose exit code the binary exits with.
pub async fn run(args: SchemaArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let SchemaArgs { command } = args;
    match command {
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
    }
}
