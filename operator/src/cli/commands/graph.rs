//! `revisor graph`: its flags and what it runs.

use crate::cli::*;
use clap::Args;
use std::io::Write;

/// The flags of `revisor graph` (the command's help is on
/// [`crate::cli::Command::Graph`]).
#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Where the migration set is.
    #[command(flatten)]
    pub set: SetArgs,
    /// Drawing format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
    /// The database (read without the lock).
    #[command(flatten)]
    pub read: ReadDbArgs,
}

/// Runs `revisor graph`.
///
/// # Errors
/// [`CliError`], whose exit code the binary exits with.
pub async fn run(args: GraphArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let GraphArgs { set, format, read } = args;
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
