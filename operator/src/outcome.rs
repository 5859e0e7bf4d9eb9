//! What a failure means, in one place. Pure.
//!
//! Every error type of the run path ([`crate::db::DbError`],
//! [`crate::executor::ExecError`], [`crate::engine::EngineError`]) maps to a
//! [`Class`]: a [`Disposition`] (which gives the resource's phase and the
//! CLI's exit code) and a PascalCase reason that conditions, events and
//! metric labels all use (SPEC.md, "The DatabaseSchema resource": "Phases
//! mean one thing each").

/// How a run that did not reach its target ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Disposition {
    /// Bad input or a gate: nothing runs until the resource or its inputs
    /// change (or a person acts). Exit code 2.
    Blocked,
    /// Manual approval: waits for the plan hash in the annotation. Exit code 0.
    AwaitingApproval,
    /// Transient (database unreachable or out of connections, lock held
    /// elsewhere, API conflict): retried with backoff. Exit code 1.
    Pending,
    /// A step ran and failed. Exit code 1.
    Failed,
}

impl Disposition {
    /// The CLI's exit code (SPEC.md, "The CLI": 1 runtime failure, 2 bad input).
    pub fn exit_code(self) -> u8 {
        match self {
            Disposition::Blocked => 2,
            Disposition::AwaitingApproval => 0,
            Disposition::Pending | Disposition::Failed => 1,
        }
    }

    /// The lowercase label of `revisor_reconciles_total{result}`.
    pub fn metric_label(self) -> &'static str {
        match self {
            Disposition::Blocked => "blocked",
            Disposition::AwaitingApproval => "awaiting_approval",
            Disposition::Pending => "pending",
            Disposition::Failed => "failed",
        }
    }
}

/// An error's meaning: its disposition and a stable PascalCase reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Class {
    /// Phase and exit code.
    pub disposition: Disposition,
    /// PascalCase reason for conditions, events and metrics (for example
    /// `DowngradeNotAllowed`, `DatabaseUnavailable`, `StepFailed`).
    pub reason: &'static str,
}

impl Class {
    /// Blocked with `reason`.
    pub const fn blocked(reason: &'static str) -> Class {
        Class {
            disposition: Disposition::Blocked,
            reason,
        }
    }

    /// Pending (transient) with `reason`.
    pub const fn pending(reason: &'static str) -> Class {
        Class {
            disposition: Disposition::Pending,
            reason,
        }
    }

    /// Failed with `reason`.
    pub const fn failed(reason: &'static str) -> Class {
        Class {
            disposition: Disposition::Failed,
            reason,
        }
    }
}

/// An error that knows its meaning.
pub trait Classify {
    /// Its [`Class`].
    fn class(&self) -> Class;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_spec() {
        assert_eq!(Disposition::Blocked.exit_code(), 2);
        assert_eq!(Disposition::AwaitingApproval.exit_code(), 0);
        assert_eq!(Disposition::Pending.exit_code(), 1);
        assert_eq!(Disposition::Failed.exit_code(), 1);
    }
}
