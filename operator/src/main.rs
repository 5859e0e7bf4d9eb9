//! The `revisor` binary: parse the command line, run, map errors to exit
//! codes 0 (success), 1 (runtime failure) and 2 (bad input).

use clap::Parser;
use revisor::cli::{self, Cli};
use std::process::ExitCode;

fn main() -> ExitCode {
    // revisor.toml's values become the defaults of the flags (flags, then
    // environment, then the file).
    if let Err(e) = cli::project::load_and_export() {
        eprintln!("error: {e}");
        return ExitCode::from(e.exit_code());
    }
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    // The operator reconciles on every core; a CLI command is one run.
    let runtime = match cli.command {
        cli::Command::Run(_) => tokio::runtime::Builder::new_multi_thread(),
        _ => tokio::runtime::Builder::new_current_thread(),
    }
    .enable_all()
    .build();
    let runtime = match runtime {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(cli::run(cli, &mut out)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
