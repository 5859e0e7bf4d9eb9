//! `revisor status`: its flags and what it runs.

use crate::cli::*;
use clap::Args;
use std::io::Write;

/// The flags of `revisor status` (the command's help is on
/// [`crate::cli::Command::Status`]).
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Only this namespace (default: the kubeconfig context's).
    #[arg(short, long, conflicts_with = "all_namespaces")]
    pub namespace: Option<String>,
    /// All namespaces.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
}

/// Runs `revisor status`.
///
/// # Errors
/// [`CliError`], whose exit code the binary exits with.
pub async fn run(args: StatusArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let StatusArgs {
        namespace,
        all_namespaces,
    } = args;
    let client = cluster::client().await?;
    cluster::status(&client, namespace.as_deref(), all_namespaces, out).await
}
