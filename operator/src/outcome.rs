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

/// Why a run did not reach its target: one stable PascalCase word per
/// cause, the same in the resource's conditions, its events, the metric
/// labels and the CLI (SPEC.md: "Phases mean one thing each"). Each reason
/// has exactly one [`Disposition`], so the phase and exit code follow from
/// it; no reason is ever compared as a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reason {
    /// The database URL does not parse or names an unknown scheme.
    InvalidDatabaseUrl,
    /// The version table name is not a plain identifier.
    InvalidVersionTable,
    /// The version, history or snapshot table holds what Revisor cannot read.
    VersionTableCorrupt,
    /// The target does not resolve against the migration set.
    InvalidTarget,
    /// The migration set does not load (a file, a header, the graph).
    InvalidMigrationSet,
    /// Other bad input: a declared schema, a flag, a referenced object's content.
    InvalidInput,
    /// A referenced ConfigMap or Secret (or key) does not exist.
    InputNotFound,
    /// An option this database cannot honour.
    Unsupported,
    /// A version-table row that neither the set nor the history knows.
    UnknownRevision,
    /// An empty migration set with a target other than `base`.
    EmptyMigrationSet,
    /// A step could not be rolled back and waits for a person (`revisor resolve`).
    Dirty,
    /// An applied revision's file no longer matches its recorded checksum.
    ChecksumMismatch,
    /// The live schema left the snapshot and `spec.drift.policy` is `Block`.
    SchemaDrift,
    /// The plan would apply a revision whose file is gone.
    RevisionFileGone,
    /// A declarative plan that unapplies revisions without `allowDowngrade`.
    DowngradeNotAllowed,
    /// The plan would downgrade through a revision with no down section.
    IrreversibleStep,
    /// `transactionMode: All` where it cannot hold.
    TransactionModeRefused,
    /// Lint findings that `spec.policy` blocks.
    PolicyBlocked,
    /// Replaying the migration set into a scratch database failed.
    ReplayFailed,
    /// Manual approval: the plan waits for its hash in the annotation.
    AwaitingApproval,
    /// Lint findings that `spec.policy` holds for approval.
    FindingsNeedApproval,
    /// The database is unreachable, refused the connection, or went away.
    DatabaseUnavailable,
    /// Every connection slot of `--max-db-connections` stayed taken.
    ConnectionsExhausted,
    /// Another process holds the migration lock.
    LockHeld,
    /// A shutdown stopped the run between steps; the next run resumes.
    Interrupted,
    /// The Kubernetes API server failed or refused a request.
    ApiError,
    /// A step ran and the database rejected it.
    StepFailed,
    /// A statement outside any step failed.
    DatabaseError,
}

impl Reason {
    /// The disposition every failure of this reason has.
    pub const fn disposition(self) -> Disposition {
        match self {
            Reason::InvalidDatabaseUrl
            | Reason::InvalidVersionTable
            | Reason::VersionTableCorrupt
            | Reason::InvalidTarget
            | Reason::InvalidMigrationSet
            | Reason::InvalidInput
            | Reason::InputNotFound
            | Reason::Unsupported
            | Reason::UnknownRevision
            | Reason::EmptyMigrationSet
            | Reason::Dirty
            | Reason::ChecksumMismatch
            | Reason::SchemaDrift
            | Reason::RevisionFileGone
            | Reason::DowngradeNotAllowed
            | Reason::IrreversibleStep
            | Reason::TransactionModeRefused
            | Reason::PolicyBlocked
            | Reason::ReplayFailed => Disposition::Blocked,
            Reason::AwaitingApproval | Reason::FindingsNeedApproval => {
                Disposition::AwaitingApproval
            }
            Reason::DatabaseUnavailable
            | Reason::ConnectionsExhausted
            | Reason::LockHeld
            | Reason::Interrupted
            | Reason::ApiError => Disposition::Pending,
            Reason::StepFailed | Reason::DatabaseError => Disposition::Failed,
        }
    }

    /// The PascalCase word for conditions, events and metric labels.
    pub const fn as_str(self) -> &'static str {
        match self {
            Reason::InvalidDatabaseUrl => "InvalidDatabaseUrl",
            Reason::InvalidVersionTable => "InvalidVersionTable",
            Reason::VersionTableCorrupt => "VersionTableCorrupt",
            Reason::InvalidTarget => "InvalidTarget",
            Reason::InvalidMigrationSet => "InvalidMigrationSet",
            Reason::InvalidInput => "InvalidInput",
            Reason::InputNotFound => "InputNotFound",
            Reason::Unsupported => "Unsupported",
            Reason::UnknownRevision => "UnknownRevision",
            Reason::EmptyMigrationSet => "EmptyMigrationSet",
            Reason::Dirty => "Dirty",
            Reason::ChecksumMismatch => "ChecksumMismatch",
            Reason::SchemaDrift => "SchemaDrift",
            Reason::RevisionFileGone => "RevisionFileGone",
            Reason::DowngradeNotAllowed => "DowngradeNotAllowed",
            Reason::IrreversibleStep => "IrreversibleStep",
            Reason::TransactionModeRefused => "TransactionModeRefused",
            Reason::PolicyBlocked => "PolicyBlocked",
            Reason::ReplayFailed => "ReplayFailed",
            Reason::AwaitingApproval => "AwaitingApproval",
            Reason::FindingsNeedApproval => "FindingsNeedApproval",
            Reason::DatabaseUnavailable => "DatabaseUnavailable",
            Reason::ConnectionsExhausted => "ConnectionsExhausted",
            Reason::LockHeld => "LockHeld",
            Reason::Interrupted => "Interrupted",
            Reason::ApiError => "ApiError",
            Reason::StepFailed => "StepFailed",
            Reason::DatabaseError => "DatabaseError",
        }
    }

    /// The [`Class`] of a failure of this reason.
    pub const fn class(self) -> Class {
        Class {
            disposition: self.disposition(),
            reason: self,
        }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Tests and logs compare a reason with its word.
impl PartialEq<&str> for Reason {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// An error's meaning: its disposition and its [`Reason`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Class {
    /// Phase and exit code.
    pub disposition: Disposition,
    /// Why, as a type; [`Reason::as_str`] gives the word.
    pub reason: Reason,
}

impl Class {
    /// The reason of the Kubernetes event a reconcile that ended so
    /// records (its note carries [`Class::reason`]): `DowngradeBlocked`
    /// for a refused downgrade, `StepFailed` for a failed step, else the
    /// disposition (`Blocked`, `Pending`, `Failed`, `AwaitingApproval`).
    pub fn event_reason(&self) -> &'static str {
        match (self.reason, self.disposition) {
            (Reason::DowngradeNotAllowed, _) => "DowngradeBlocked",
            (Reason::StepFailed, _) => "StepFailed",
            (_, Disposition::AwaitingApproval) => "AwaitingApproval",
            (_, Disposition::Blocked) => "Blocked",
            (_, Disposition::Pending) => "Pending",
            (_, Disposition::Failed) => "Failed",
        }
    }

    /// Whether its event is a Warning (anything but waiting for approval).
    pub fn warns(&self) -> bool {
        self.disposition != Disposition::AwaitingApproval
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
    fn each_reason_has_its_word_and_one_disposition() {
        assert_eq!(Reason::StepFailed.as_str(), "StepFailed");
        assert_eq!(Reason::LockHeld.class().disposition, Disposition::Pending);
        assert_eq!(
            Reason::DowngradeNotAllowed.class().disposition.exit_code(),
            2
        );
        assert_eq!(
            Reason::FindingsNeedApproval.disposition(),
            Disposition::AwaitingApproval
        );
        assert!(Reason::SchemaDrift == "SchemaDrift");
    }

    #[test]
    fn event_reasons_name_the_downgrade_and_the_failed_step() {
        assert_eq!(
            Reason::DowngradeNotAllowed.class().event_reason(),
            "DowngradeBlocked"
        );
        assert_eq!(Reason::StepFailed.class().event_reason(), "StepFailed");
        assert_eq!(Reason::DatabaseError.class().event_reason(), "Failed");
        assert_eq!(Reason::LockHeld.class().event_reason(), "Pending");
        assert!(!Reason::AwaitingApproval.class().warns());
    }

    #[test]
    fn exit_codes_follow_the_spec() {
        assert_eq!(Disposition::Blocked.exit_code(), 2);
        assert_eq!(Disposition::AwaitingApproval.exit_code(), 0);
        assert_eq!(Disposition::Pending.exit_code(), 1);
        assert_eq!(Disposition::Failed.exit_code(), 1);
    }
}
