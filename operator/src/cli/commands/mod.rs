//! One file per subcommand: its flags (a clap `Args` derive) and its
//! run function; [`crate::cli::run`] only dispatches.

pub mod apply;
pub mod approve;
pub mod branches;
pub mod check;
pub mod completion;
pub mod current;
pub mod downgrade;
pub mod drift;
pub mod edit;
pub mod graph;
pub mod heads;
pub mod history;
pub mod import;
pub mod init;
pub mod lint;
pub mod log;
pub mod merge;
pub mod plan;
pub mod resolve;
pub mod revision;
pub mod schema;
pub mod show;
pub mod stamp;
pub mod status;
pub mod upgrade;
pub mod validate;
pub mod wait;
