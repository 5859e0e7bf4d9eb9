//! Runs plans against a database: the one engine behind the CLI and the
//! operator. I/O.
//!
//! [`Session`] is the one way in; behind it, one generic algorithm for
//! every dialect, in four rooms: `run` (plan, refuse, lock, re-plan),
//! `step` (one step's SQL and bookkeeping), `stamp` (stamp and
//! resolve) and `snapshot` (schema snapshots and the drift check).
//!
//! A run:
//!
//! 1. read the version rows and the history, without the lock, and plan;
//! 2. apply the refusal rules ([`crate::plan::policy`]); a refused or empty
//!    plan ends here, having written nothing (no lock, no table);
//! 3. take the migration lock (with a timeout; released on every path),
//!    read again and plan again (another run may have moved the database),
//!    and check the rules again;
//! 4. create the version and history tables when missing;
//! 5. run the steps.
//!
//! In [`TransactionMode::PerMigration`] a transactional step's SQL, its
//! version-row changes and its history row commit together or not at all;
//! a failed one leaves only a failed history row. A step that cannot be
//! rolled back (any step on MySQL, whose DDL commits implicitly, and
//! `transactional: false` steps) first writes a history row marked dirty;
//! if it fails, or the process dies, that row stays dirty and nothing more
//! runs until a person looks (`revisor resolve`). In
//! [`TransactionMode::All`] the whole plan is one transaction.

mod run;
mod session;
mod snapshot;
mod stamp;
mod step;

use crate::db::{DbError, Dialect};
use crate::graph::RevisionGraph;
use crate::outcome::{Class, Classify};
use crate::plan::policy::{Facts, Policy, Refusal};
use crate::plan::{Mode, Plan, PlanError, Step};
use std::time::Duration;

pub use crate::defaults::{DEFAULT_LOCK_TIMEOUT, DEFAULT_VERSION_TABLE};
pub use crate::plan::policy::ChecksumMismatch;
pub use session::Session;

/// How steps are grouped into transactions (the resource's `transactionMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TransactionMode {
    /// Each step in its own transaction (default).
    #[default]
    PerMigration,
    /// The whole plan in one transaction (PostgreSQL and SQLite only).
    All,
}

/// What a run needs besides the graph and the target.
#[derive(Debug, Clone)]
pub struct Options {
    /// The version table (`revisor_version`; `alembic_version` adopts an
    /// Alembic-managed database).
    pub version_table: String,
    /// Transaction grouping.
    pub transaction_mode: TransactionMode,
    /// How long to wait for the migration lock.
    pub lock_timeout: Duration,
    /// Who runs it, for the history.
    pub applied_by: String,
    /// Run even when applied revisions have drifted.
    pub allow_checksum_mismatch: bool,
    /// Whether a declarative plan may unapply revisions (the resource's
    /// `allowDowngrade`). Directional downgrades ignore it: asking for one
    /// is the permission.
    pub allow_downgrade: bool,
    /// `Some(hash)` for manual approval: only the plan with this hash runs;
    /// `Some("")` approves nothing. `None`: automatic.
    pub approved_plan: Option<String>,
    /// Longest a single migration statement may run: PostgreSQL's
    /// `statement_timeout`, MariaDB's `max_statement_time`. Refused on
    /// MySQL (whose `max_execution_time` covers only SELECT) and SQLite.
    pub statement_timeout: Option<Duration>,
    /// When set (by a shutdown), the run stops before its next step, after
    /// the running one has finished; the lock is released as usual.
    pub stop: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
    /// Clear a dirty mark before planning: a person repaired the database
    /// (the `revisor.dev/retry` annotation; `revisor resolve` on the CLI).
    pub clear_dirty: bool,
    /// `spec.policy.destructive` (the CLI's directional commands allow).
    pub destructive: crate::plan::policy::Gate,
    /// `spec.policy.lockingRisk`.
    pub locking: crate::plan::policy::Gate,
    /// The hash in `revisor.dev/approved-plan`, whatever the approval mode:
    /// it releases a plan the policy held for findings.
    pub annotated_hash: Option<String>,
    /// Take a schema snapshot after a run that changed the database, and
    /// after a stamp (live drift detection; default on).
    pub snapshot: bool,
    /// Table globs left out of snapshots and drift checks
    /// (`spec.drift.exclude`, `--exclude`).
    pub drift_exclude: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            version_table: DEFAULT_VERSION_TABLE.to_owned(),
            transaction_mode: TransactionMode::PerMigration,
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
            applied_by: applied_by(),
            allow_checksum_mismatch: false,
            allow_downgrade: true,
            approved_plan: None,
            statement_timeout: None,
            stop: None,
            clear_dirty: false,
            destructive: crate::plan::policy::Gate::Allow,
            locking: crate::plan::policy::Gate::Allow,
            annotated_hash: None,
            snapshot: true,
            drift_exclude: Vec::new(),
        }
    }
}

/// `user@host (revisor VERSION)`, for the history's `applied_by`.
pub fn applied_by() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into());
    format!("{user}@{host} (revisor {})", env!("CARGO_PKG_VERSION"))
}

impl Options {
    /// The refusal policy these options set for a plan of `mode` to `target`
    /// on `dialect`.
    pub fn policy(&self, mode: Mode, target: &str, dialect: Dialect) -> Policy {
        Policy {
            mode: Some(mode),
            target: target.to_owned(),
            // Directional downgrades ignore it: asking for one is the permission.
            allow_downgrade: self.allow_downgrade || mode != Mode::Declarative,
            allow_checksum_mismatch: self.allow_checksum_mismatch,
            ignore_dirty: self.clear_dirty,
            approved_plan: self.approved_plan.clone(),
            all_in_one_transaction: self.transaction_mode == TransactionMode::All,
            transactional_ddl: dialect.transactional_ddl(),
            dialect: Some(dialect),
            destructive: self.destructive,
            locking: self.locking,
            annotated_hash: self.annotated_hash.clone(),
        }
    }
}

/// Progress of a run, as it happens. Owned, so that it can cross a channel
/// to whoever reports it.
#[derive(Debug, Clone)]
pub enum Event {
    /// The migration lock is held elsewhere; the run waits for the rest of
    /// its lock timeout (SPEC.md: "while another process holds the database
    /// lock, status says so, and who").
    LockWaiting {
        /// Who holds it, where the database can tell.
        holder: Option<String>,
        /// How long the run waits in all.
        timeout: Duration,
    },
    /// The plan about to run (only plans with steps are announced).
    Planned(Plan),
    /// Step `index` (0-based) of `total` starts.
    StepStarted {
        /// 0-based position.
        index: usize,
        /// Number of steps.
        total: usize,
        /// The step.
        step: Step,
    },
    /// Step `index` finished.
    StepFinished {
        /// 0-based position.
        index: usize,
        /// Number of steps.
        total: usize,
        /// The step.
        step: Step,
        /// How long it took.
        duration: Duration,
    },
}

/// Why a run did not finish. Nothing in any message carries a password.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// The database failed outside any step (connect, lock, tables).
    #[error(transparent)]
    Db(#[from] DbError),
    /// No plan can be made.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The refusal rules said no; nothing was written.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// Stopped between steps by a shutdown; the next run resumes.
    #[error("interrupted by shutdown after {completed} step(s); the next run resumes from there")]
    Interrupted {
        /// Steps that completed.
        completed: usize,
    },
    /// An option this database cannot honour.
    #[error("not supported on this database: {0}")]
    Unsupported(String),
    /// A version-table row that neither the migration set nor the history knows.
    #[error("revision {0} is in the version table but neither in the migration set nor in the history table; restore its file or stamp the database")]
    Unknown(String),
    /// A step's connection died (the server restarted or was shut down,
    /// the network broke, an administrator terminated it) and nothing of
    /// the step stayed applied: transient, so the run is retried.
    #[error("step {direction} {revision} lost its connection: {error}; nothing of it stayed applied, and it is retried")]
    ConnectionLost {
        /// The revision.
        revision: String,
        /// `up` or `down`.
        direction: &'static str,
        /// The database's message, redacted.
        error: String,
        /// Steps that completed before it.
        completed: usize,
    },
    /// A step failed.
    #[error("step {direction} {revision} failed: {error}{}", if *.dirty { "; it could not be rolled back, so the database is marked dirty (see `revisor resolve`)" } else { "; it was rolled back" })]
    Step {
        /// The revision.
        revision: String,
        /// `up` or `down`.
        direction: &'static str,
        /// The database's message, redacted.
        error: String,
        /// Whether the database may be half-changed.
        dirty: bool,
        /// Steps that completed before it.
        completed: usize,
    },
}

impl Classify for ExecError {
    fn class(&self) -> Class {
        match self {
            ExecError::Db(e) => e.class(),
            ExecError::Plan(_) => crate::outcome::Reason::InvalidTarget.class(),
            ExecError::Refused(r) => r.class(),
            ExecError::Interrupted { .. } => crate::outcome::Reason::Interrupted.class(),
            ExecError::Unsupported(_) => crate::outcome::Reason::Unsupported.class(),
            ExecError::Unknown(_) => crate::outcome::Reason::UnknownRevision.class(),
            ExecError::Step { .. } => crate::outcome::Reason::StepFailed.class(),
            ExecError::ConnectionLost { .. } => crate::outcome::Reason::DatabaseUnavailable.class(),
        }
    }
}

impl ExecError {
    /// Whether the failure is bad input (exit code 2) rather than a runtime
    /// failure (exit code 1).
    pub fn is_input(&self) -> bool {
        self.class().disposition == crate::outcome::Disposition::Blocked
    }
}

/// What a run waiting for the lock says: for status, events and the CLI.
pub fn waiting_message(holder: Option<&str>, timeout: Duration) -> String {
    format!(
        "waiting up to {}s for the migration lock{}",
        timeout.as_secs(),
        holder.map(|h| format!(", held by {h}")).unwrap_or_default()
    )
}

/// What a database holds, read before planning: the version-table rows,
/// the facts the refusal rules need, and the migration set extended with
/// orphaned revisions.
#[derive(Debug)]
pub struct State {
    /// The version-table rows.
    pub heads: Vec<String>,
    /// Dirty mark, checksums of applied revisions, orphans.
    pub facts: Facts,
    /// The migration set plus orphaned revisions, when there are any.
    pub graph: Option<RevisionGraph>,
}

impl State {
    /// The graph to plan with: the migration set, or it plus the orphans.
    pub fn graph<'g>(&'g self, files: &'g RevisionGraph) -> &'g RevisionGraph {
        self.graph.as_ref().unwrap_or(files)
    }
}
