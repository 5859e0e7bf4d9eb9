//! `revisor approve`: its flags and what it runs.

use crate::cli::*;
use clap::Args;
use std::io::Write;

/// The flags of `revisor approve` (the command's help is on
/// [`crate::cli::Command::Approve`]).
#[derive(Debug, Args)]
pub struct ApproveArgs {
    /// The DatabaseSchema.
    #[arg(required_unless_present = "set", conflicts_with = "set")]
    pub name: Option<String>,
    /// A DatabaseSchemaSet: approve every child awaiting approval of the
    /// canary's plan (same plan hash); children on another plan are listed
    /// and left alone.
    #[arg(long, value_name = "SET")]
    pub set: Option<String>,
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
        set,
        namespace,
        yes,
    } = args;
    let client = cluster::client().await?;
    let stdin = std::io::stdin();
    match (name, set) {
        (_, Some(set)) => {
            cluster::approve_set(
                &client,
                namespace.as_deref(),
                &set,
                yes,
                &mut stdin.lock(),
                out,
            )
            .await
        }
        (Some(name), None) => {
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
        (None, None) => Err(CliError::Input("name a DatabaseSchema or --set".into())),
    }
}
