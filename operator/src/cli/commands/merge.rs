//! `revisor merge`: its flags and what it runs.

use crate::cli::*;
use clap::Args;
use std::io::Write;

/// The flags of `revisor merge` (the command's help is on
/// [`crate::cli::Command::Merge`]).
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Where the migration set is.
    #[command(flatten)]
    pub set: SetArgs,
    /// The revisions to merge (two or more; expressions such as `heads`).
    #[arg(required = true)]
    pub revisions: Vec<String>,
    /// The merge revision's message.
    #[arg(short, long)]
    pub message: String,
    /// Branch label(s) for the merge revision.
    #[arg(long)]
    pub branch_label: Option<String>,
    /// The revision id instead of a random one.
    #[arg(long)]
    pub rev_id: Option<String>,
}

/// Runs `revisor merge`.
///
/// # Errors
/// [`CliError`], whose exit code the binary exits with.
pub async fn run(args: MergeArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let MergeArgs {
        set,
        revisions,
        message,
        branch_label,
        rev_id,
    } = args;
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
