//! `revisor heads`: its flags and what it runs.

use crate::cli::*;
use clap::Args;
use std::io::Write;

/// The flags of `revisor heads` (the command's help is on
/// [`crate::cli::Command::Heads`]).
#[derive(Debug, Args)]
pub struct HeadsArgs {
    /// Where the migration set is.
    #[command(flatten)]
    pub set: SetArgs,
    /// Print only real heads: those no revision depends on either.
    #[arg(long)]
    pub resolve_dependencies: bool,
    /// Print each head in full (parent, labels, path, message).
    #[arg(short, long)]
    pub verbose: bool,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

/// Runs `revisor heads`.
///
/// # Errors
/// [`CliError`], whose exit code the binary exits with.
pub async fn run(args: HeadsArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let HeadsArgs {
        set,
        resolve_dependencies,
        verbose,
        output,
    } = args;
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
