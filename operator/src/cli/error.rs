//! A command's failure and its exit code.

use crate::plan;
use crate::source::SourceError;

/// A command's failure, sorted by exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A failure the engine classified; it keeps its [`crate::outcome::Class`] (reason and
    /// disposition), so the exit code and any machine-readable report come
    /// from the same place as the operator's phase and condition reason.
    #[error("{message}")]
    Classified {
        /// Why, as the engine said.
        class: crate::outcome::Class,
        /// The message, redacted.
        message: String,
    },
    /// Bad input the command itself found (flags, files): exit code 2.
    #[error("{0}")]
    Input(String),
    /// A runtime failure of the command itself (output, a timeout): exit
    /// code 1.
    #[error("{0}")]
    Runtime(String),
}

impl CliError {
    /// The error for a failure of `class` (the message is redacted).
    pub fn classified(class: crate::outcome::Class, message: String) -> CliError {
        CliError::Classified {
            class,
            message: crate::redact::redact(&message),
        }
    }

    /// The reason, for a failure the engine classified.
    pub fn reason(&self) -> Option<crate::outcome::Reason> {
        match self {
            CliError::Classified { class, .. } => Some(class.reason),
            _ => None,
        }
    }

    /// The process exit code (SPEC.md, "The CLI"): 2 for bad input
    /// (Blocked), 1 for runtime failures (Pending, Failed, and a plan
    /// left waiting for approval by a command that cannot wait).
    pub fn exit_code(&self) -> u8 {
        use crate::outcome::Disposition;
        match self {
            CliError::Classified { class, .. } => match class.disposition {
                Disposition::Blocked => 2,
                Disposition::AwaitingApproval | Disposition::Pending | Disposition::Failed => 1,
            },
            CliError::Input(_) => 2,
            CliError::Runtime(_) => 1,
        }
    }
}

impl From<SourceError> for CliError {
    fn from(e: SourceError) -> Self {
        CliError::classified(
            crate::outcome::Reason::InvalidMigrationSet.class(),
            e.to_string(),
        )
    }
}

impl From<plan::PlanError> for CliError {
    fn from(e: plan::PlanError) -> Self {
        CliError::classified(crate::outcome::Reason::InvalidTarget.class(), e.to_string())
    }
}

pub(super) fn runtime(e: std::io::Error) -> CliError {
    CliError::Runtime(e.to_string())
}
