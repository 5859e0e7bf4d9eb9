//! `revisor approve`: its flags and what it runs.

use crate::cli::*;
use clap::Args;
use std::io::Write;

/// The flags of `revisor approve` (the command's help is on
/// [`crate::cli::Command::Approve`]).
#[derive(Debug, Args)]
pub struct ApproveArgs {
    /// The DatabaseSchema.
    pub name: String,
    /// Its namespace (default: the kubeconfig context's).
    #[arg(short, long)]
    pub namespace: Option<String>,
    /// Approve without asking.
    #[arg(short, long)]
    pub yes: bool,
}

/// Runs `revisor approve`.
///
/// # Errors
/// [`CliError`], whose exit code the binary exits with.
pub async fn run(args: ApproveArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let ApproveArgs {
        name,
        namespace,
        yes,
    } = args;
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
