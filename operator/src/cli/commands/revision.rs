//! `revisor revision`: its flags and what it runs.

use crate::cli::*;
use clap::Args;
use std::io::Write;

/// The flags of `revisor revision` (the command's help is on
/// [`crate::cli::Command::Revision`]).
#[derive(Debug, Args)]
pub struct RevisionArgs {
    /// Where the migration set is.
    #[command(flatten)]
    pub set: SetArgs,
    /// The revision's message; also names the file.
    #[arg(short, long)]
    pub message: String,
    /// Parent revision(s) instead of the single head: an expression such
    /// as `shop@head`, several joined by commas (a merge), or `base` for
    /// a new root.
    #[arg(long, value_name = "TARGET")]
    pub head: Option<String>,
    /// Branch label(s) for the new revision, comma-separated.
    #[arg(long)]
    pub branch_label: Option<String>,
    /// Revisions or labels the new revision depends on, comma-separated.
    #[arg(long)]
    pub depends_on: Option<String>,
    /// The revision id instead of a random 12-digit hex one.
    #[arg(long)]
    pub rev_id: Option<String>,
    /// Allow --head to name a revision that is not a head, starting a
    /// new branch from it (as Alembic's --splice).
    #[arg(long)]
    pub splice: bool,
    /// Write the sections from the difference between the migration
    /// set's heads (or --database) and the declared schema.
    #[arg(long)]
    pub autogenerate: bool,
    /// The file to write: `sql` (a `.sql` revision) or `ops` (a `.yaml`
    /// operation revision, rendered per dialect when it runs, its
    /// downgrade derived).
    #[arg(long, value_name = "FORMAT", value_parser = ["sql", "ops"], default_value = "sql")]
    pub format: String,
    /// Where the schemas come from (with --autogenerate).
    #[command(flatten)]
    pub auto: autogen::AutogenArgs,
}

/// Runs `revisor revision`.
///
/// # Errors
/// [`CliError`], whose exit code the binary exits with.
pub async fn run(args: RevisionArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let RevisionArgs {
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
    } = args;
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
