//! Runs plans against a database: the one engine behind the CLI and the
//! operator. I/O.
//!
//! [`run`] is the generic algorithm, the same for every dialect:
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

use crate::db::tables::{now, HistoryRow, Tables};
use crate::db::{Backend, DbError, Dialect};
use crate::graph::RevisionGraph;
use crate::outcome::{Class, Classify};
use crate::plan::policy::{self, DirtyStep, Facts, Policy, Refusal};
use crate::plan::{plan, Mode, Plan, PlanError, Step, StepDirection};
use crate::redact::redact;
use crate::revision::split_statements_with;
use std::time::{Duration, Instant};

pub use crate::plan::policy::Drift;

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
    pub allow_drift: bool,
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
            allow_drift: false,
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

/// SPEC.md's default version table.
pub const DEFAULT_VERSION_TABLE: &str = "revisor_version";

/// SPEC.md's default `lockTimeoutSeconds`: a minute outlasts any ordinary
/// migration run of another replica, yet a stuck lock surfaces within a
/// reconcile or two.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(60);

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
            allow_drift: self.allow_drift,
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
            ExecError::Plan(_) => Class::blocked("InvalidTarget"),
            ExecError::Refused(r) => r.class(),
            ExecError::Interrupted { .. } => Class::pending("Interrupted"),
            ExecError::Unsupported(_) => Class::blocked("Unsupported"),
            ExecError::Unknown(_) => Class::blocked("UnknownRevision"),
            ExecError::Step { .. } => Class::failed("StepFailed"),
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

/// Plans from the database's rows to `target` and runs the plan under the
/// lock; a plan that is empty or refused takes no lock and writes nothing.
///
/// `on_event` sees the plan (when it has steps) and every step as it
/// starts and finishes. Returns the plan that ran.
///
/// # Errors
/// [`ExecError`]; on a failed step, the steps before it stay applied in
/// `PerMigration` mode and nothing stays applied in `All` mode.
pub async fn run<B: Backend, F: FnMut(Event)>(
    db: &mut B,
    graph: &RevisionGraph,
    target: &str,
    mode: Mode,
    opts: &Options,
    on_event: &mut F,
) -> Result<Plan, ExecError> {
    let tables = Tables::new(&opts.version_table, db.dialect())?;
    let policy = opts.policy(mode, target, db.dialect());
    // 1-2: read, plan and check without the lock. A dirty step that has not
    // finished may be running in another process right now: the lock
    // decides (under it, an unfinished step is one whose process died).
    let mut state = read_state(db, &tables, graph).await?;
    let in_flight = state.facts.dirty.as_ref().is_some_and(|d| d.unfinished);
    if in_flight {
        state.facts.dirty = None;
    }
    let p = check_plan(&state, graph, target, mode, &policy)?;
    let dirty_to_clear = opts.clear_dirty && state.facts.dirty.is_some();
    if p.steps.is_empty() && !dirty_to_clear && !in_flight {
        return Ok(p);
    }
    // 3-5: under the lock.
    lock(db, &tables, opts, on_event).await?;
    let result = run_locked(db, &tables, graph, target, mode, opts, &policy, on_event).await;
    let unlocked = db.unlock().await;
    let plan = result?;
    unlocked?;
    Ok(plan)
}

/// What a run waiting for the lock says: for status, events and the CLI.
pub fn waiting_message(holder: Option<&str>, timeout: Duration) -> String {
    format!(
        "waiting up to {}s for the migration lock{}",
        timeout.as_secs(),
        holder.map(|h| format!(", held by {h}")).unwrap_or_default()
    )
}

/// A first, short try for the lock: long enough for a free lock, short
/// enough that a held one is reported (and the holder named) at once.
const LOCK_FIRST_TRY: Duration = Duration::from_secs(1);

/// Takes the migration lock; when the first short try finds it held,
/// reports [`Event::LockWaiting`] and waits for the rest of the timeout.
async fn lock<B: Backend, F: FnMut(Event)>(
    db: &mut B,
    tables: &Tables,
    opts: &Options,
    on_event: &mut F,
) -> Result<(), DbError> {
    if opts.lock_timeout <= LOCK_FIRST_TRY {
        return db.lock(&tables.version, opts.lock_timeout).await;
    }
    match db.lock(&tables.version, LOCK_FIRST_TRY).await {
        Err(DbError::LockTimeout { holder, .. }) => {
            on_event(Event::LockWaiting {
                holder,
                timeout: opts.lock_timeout,
            });
            db.lock(&tables.version, opts.lock_timeout - LOCK_FIRST_TRY)
                .await
                .map_err(|e| match e {
                    DbError::LockTimeout { holder, .. } => DbError::LockTimeout {
                        seconds: opts.lock_timeout.as_secs(),
                        holder,
                    },
                    other => other,
                })
        }
        other => other,
    }
}

/// Plans from `state` and applies the refusal rules.
fn check_plan(
    state: &State,
    graph: &RevisionGraph,
    target: &str,
    mode: Mode,
    policy: &Policy,
) -> Result<Plan, ExecError> {
    policy::check_dirty(&state.facts, policy)?;
    let g = state.graph(graph);
    let p = plan(g, &state.heads, target, mode)?;
    policy::check(g, &p, &state.facts, policy)?;
    Ok(p)
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

/// Reads the rows and the history (neither table need exist), and rebuilds
/// every applied revision whose file is gone (and its missing ancestors)
/// from its last successful up or stamp history row: parents, dependencies,
/// checksum and down section.
///
/// # Errors
/// [`ExecError::Unknown`] for a row the history cannot explain, and
/// [`ExecError::Db`].
pub async fn read_state<B: Backend>(
    db: &mut B,
    tables: &Tables,
    files: &RevisionGraph,
) -> Result<State, ExecError> {
    let heads = tables.heads(db).await?;
    let history = tables.history(db).await?;
    let mut facts = Facts {
        dirty: history.iter().rev().find(|h| h.dirty).map(|h| DirtyStep {
            revision: h.revision.clone(),
            direction: h.direction.clone(),
            error: h.error.clone(),
            unfinished: h.success.is_none(),
        }),
        ..Facts::default()
    };
    // The last successful up or stamp of each revision; a stamp records no
    // checksum to hold the file to.
    for h in history
        .iter()
        .filter(|h| h.success == Some(true) && h.direction != "down")
    {
        if h.direction == "up" {
            facts
                .applied_checksums
                .insert(h.revision.clone(), h.checksum.clone());
        } else {
            facts.applied_checksums.remove(&h.revision);
        }
    }
    let mut todo: Vec<String> = heads
        .iter()
        .filter(|h| files.index_of(h).is_none())
        .cloned()
        .collect();
    let mut orphans: Vec<crate::revision::Revision> = Vec::new();
    while let Some(id) = todo.pop() {
        if orphans.iter().any(|o| o.id == id) {
            continue;
        }
        let row = history
            .iter()
            .rev()
            .find(|h| {
                h.revision == id
                    && h.success == Some(true)
                    && (h.direction == "up" || h.direction == "stamp")
            })
            .ok_or_else(|| ExecError::Unknown(id.clone()))?;
        for p in row.down_revisions.iter().chain(&row.depends_on) {
            if files.index_of(p).is_none() {
                todo.push(p.clone());
            }
        }
        orphans.push(crate::revision::Revision {
            id: id.clone(),
            down_revisions: row.down_revisions.clone(),
            branch_labels: Vec::new(),
            depends_on: row.depends_on.clone(),
            transactional: true,
            message: format!("{} (file gone; down section from the history)", row.message),
            up_sql: String::new(),
            down_checksum: crate::revision::checksum(row.down_sql.as_deref().unwrap_or("")),
            down_sql: row.down_sql.clone(),
            checksum: row.checksum.clone(),
            file: format!("{} history row {}", tables.history, row.id),
            lines: Default::default(),
            lint_allow: Vec::new(),
            ops: None,
        });
    }
    if orphans.is_empty() {
        return Ok(State {
            heads,
            facts,
            graph: None,
        });
    }
    orphans.sort_by(|a, b| a.id.cmp(&b.id));
    facts.orphans = orphans.iter().map(|o| o.id.clone()).collect();
    let graph = files.with_extra(orphans).map_err(|e| {
        ExecError::Db(DbError::Corrupt {
            table: tables.history.clone(),
            reason: e.to_string(),
        })
    })?;
    Ok(State {
        heads,
        facts,
        graph: Some(graph),
    })
}

#[allow(clippy::too_many_arguments)]
async fn run_locked<B: Backend, F: FnMut(Event)>(
    db: &mut B,
    tables: &Tables,
    graph: &RevisionGraph,
    target: &str,
    mode: Mode,
    opts: &Options,
    policy: &Policy,
    on_event: &mut F,
) -> Result<Plan, ExecError> {
    // Another run may have moved the database since the unlocked read.
    let state = read_state(db, tables, graph).await?;
    let p = check_plan(&state, graph, target, mode, policy)?;
    if opts.clear_dirty && state.facts.dirty.is_some() {
        tables.resolve(db).await?;
    }
    if p.steps.is_empty() {
        return Ok(p);
    }
    tables.ensure(db).await?;
    let graph = state.graph(graph);
    let mut session_changed = false;
    if let Some(t) = opts.statement_timeout {
        session_changed = true;
        if let Err(e) = set_statement_timeout(db, t).await {
            db.reset_session().await;
            return Err(e);
        }
    }
    on_event(Event::Planned(p.clone()));
    let result = run_steps(db, tables, graph, &p, opts, on_event, &mut session_changed).await;
    if opts.snapshot && !snapshot_in_last_step(&result, &p, db.dialect()) {
        // Whatever the steps did (a failed one was rolled back, or is
        // dirty), the schema is now Revisor's doing. Best effort: a run
        // that migrated does not fail for want of a snapshot.
        if let Err(e) = take_snapshot(db, tables, opts, "run").await {
            tracing::warn!(error = %redact(&e.to_string()), "no schema snapshot after the run");
        }
    }
    if session_changed {
        db.reset_session().await;
    }
    result.map(|()| p)
}

/// The introspection options of snapshots and drift checks.
fn drift_options(opts: &Options) -> crate::db::introspect::Options {
    crate::db::introspect::Options {
        schema: None,
        version_table: opts.version_table.clone(),
        exclude: opts.drift_exclude.clone(),
    }
}

/// Introspects the database and stores the schema as the new snapshot
/// (`reason`: `run`, `stamp`, `adopt` or `accept`), tied to the latest
/// history row. Returns it; `None` offline.
///
/// # Errors
/// [`DbError`] when introspection or the insert fails.
pub async fn take_snapshot<B: Backend>(
    db: &mut B,
    tables: &Tables,
    opts: &Options,
    reason: &str,
) -> Result<Option<crate::db::tables::SnapshotRow>, DbError> {
    let Some(live) = db.live_schema(&drift_options(opts)).await? else {
        return Ok(None);
    };
    let dialect = db.dialect();
    let normal = live.normalized(dialect);
    let history_id = match reason {
        "run" | "stamp" => tables.last_history_id(db).await?,
        _ => None,
    };
    let row = crate::db::tables::SnapshotRow {
        id: 0,
        taken_at: now(),
        history_id,
        reason: reason.to_owned(),
        heads: tables.heads(db).await?,
        fingerprint: normal.fingerprint(dialect),
        exclude: opts.drift_exclude.clone(),
        schema_json: serde_json::to_string(&normal).unwrap_or_default(),
    };
    tables.insert_snapshot(db, &row).await?;
    Ok(Some(row))
}

/// Compares the live schema with the last snapshot: fingerprints first,
/// the full diff only when they differ. With no snapshot yet (a database
/// migrated before snapshots, or by an offline script) the live schema is
/// adopted as the first one when `adopt`, and there is no drift.
///
/// # Errors
/// [`DbError`] when introspection or a bookkeeping query fails, or a
/// stored snapshot cannot be read back.
pub async fn check_drift<B: Backend>(
    db: &mut B,
    opts: &Options,
    adopt: bool,
) -> Result<crate::drift::DriftCheck, DbError> {
    let tables = Tables::new(&opts.version_table, db.dialect())?;
    let dialect = db.dialect();
    let Some(live) = db.live_schema(&drift_options(opts)).await? else {
        return Ok(crate::drift::DriftCheck::default());
    };
    let live = live.normalized(dialect);
    let live_fingerprint = live.fingerprint(dialect);
    let Some(snap) = tables.latest_snapshot(db, false).await? else {
        // Only a managed database (version rows) is adopted: a fresh one
        // gets its first snapshot from its first run.
        let adopt = adopt && !tables.heads(db).await?.is_empty();
        if adopt {
            take_snapshot(db, &tables, opts, "adopt").await?;
        }
        return Ok(crate::drift::DriftCheck {
            snapshot_fingerprint: adopt.then(|| live_fingerprint.clone()),
            live_fingerprint,
            changes: Vec::new(),
        });
    };
    if snap.fingerprint != live_fingerprint && adopt {
        // The version rows moved since the snapshot: a run ended between
        // its last step and its snapshot (a crash, a kill), or a Revisor
        // without snapshots ran. The schema is Revisor's doing, not drift.
        let mut rows = tables.rows(db).await.unwrap_or_default();
        let mut then = snap.heads.clone();
        rows.sort();
        then.sort();
        if rows != then {
            take_snapshot(db, &tables, opts, "adopt").await?;
            return Ok(crate::drift::DriftCheck {
                snapshot_fingerprint: Some(live_fingerprint.clone()),
                live_fingerprint,
                changes: Vec::new(),
            });
        }
    }
    if snap.fingerprint == live_fingerprint {
        return Ok(crate::drift::DriftCheck {
            live_fingerprint,
            snapshot_fingerprint: Some(snap.fingerprint),
            changes: Vec::new(),
        });
    }
    let full = tables.latest_snapshot(db, true).await?.unwrap_or_default();
    let stored: crate::schema::Schema =
        serde_json::from_str(&full.schema_json).map_err(|e| DbError::Corrupt {
            table: tables.snapshot.clone(),
            reason: format!("snapshot {} does not read back: {e}", full.id),
        })?;
    let mut changes = crate::drift::compare(&stored, &live, dialect);
    if changes.is_empty() {
        // Same schema, another fingerprint (an older normal form): say so
        // rather than report nothing.
        changes.push(format!(
            "fingerprint {} differs from the snapshot's {} with no difference in the schema model",
            &live_fingerprint[..12],
            &snap.fingerprint[..snap.fingerprint.len().min(12)]
        ));
    }
    Ok(crate::drift::DriftCheck {
        live_fingerprint,
        snapshot_fingerprint: Some(snap.fingerprint),
        changes,
    })
}

pub(crate) async fn run_steps<B: Backend, F: FnMut(Event)>(
    db: &mut B,
    tables: &Tables,
    graph: &RevisionGraph,
    p: &Plan,
    opts: &Options,
    on_event: &mut F,
    session_changed: &mut bool,
) -> Result<(), ExecError> {
    let was_enforcing = sqlite_foreign_keys(db, false).await?;
    let result = run_steps_inner(db, tables, graph, p, opts, on_event, session_changed).await;
    if was_enforcing {
        sqlite_foreign_keys(db, true).await?;
    }
    result
}

/// SQLite only: turns foreign-key enforcement on or off (outside any
/// transaction, where the pragma works); turning it off returns whether it
/// was on. Steps run with it off, because a table rebuild drops and
/// recreates a table others reference, and [`run_sql`] checks every
/// foreign key before the step commits instead.
async fn sqlite_foreign_keys<B: Backend>(db: &mut B, on: bool) -> Result<bool, DbError> {
    if db.dialect() != Dialect::Sqlite {
        return Ok(false);
    }
    if on {
        db.execute("PRAGMA foreign_keys = ON").await?;
        return Ok(true);
    }
    let rows = db
        .query("SELECT CAST(foreign_keys AS TEXT) FROM pragma_foreign_keys()")
        .await?;
    let was_on = rows
        .first()
        .and_then(|r| r.first())
        .cloned()
        .flatten()
        .as_deref()
        == Some("1");
    if was_on {
        db.execute("PRAGMA foreign_keys = OFF").await?;
    }
    Ok(was_on)
}

async fn run_steps_inner<B: Backend, F: FnMut(Event)>(
    db: &mut B,
    tables: &Tables,
    graph: &RevisionGraph,
    p: &Plan,
    opts: &Options,
    on_event: &mut F,
    session_changed: &mut bool,
) -> Result<(), ExecError> {
    let total = p.steps.len();
    match opts.transaction_mode {
        TransactionMode::PerMigration => {
            for (index, step) in p.steps.iter().enumerate() {
                if opts
                    .stop
                    .as_ref()
                    .is_some_and(|s| s.load(std::sync::atomic::Ordering::SeqCst))
                {
                    return Err(ExecError::Interrupted { completed: index });
                }
                on_event(Event::StepStarted {
                    index,
                    total,
                    step: step.clone(),
                });
                let t0 = Instant::now();
                *session_changed = true;
                run_step(db, tables, graph, step, opts, index, index + 1 == total).await?;
                on_event(Event::StepFinished {
                    index,
                    total,
                    step: step.clone(),
                    duration: t0.elapsed(),
                });
            }
        }
        TransactionMode::All => {
            db.execute("BEGIN").await?;
            for (index, step) in p.steps.iter().enumerate() {
                on_event(Event::StepStarted {
                    index,
                    total,
                    step: step.clone(),
                });
                let t0 = Instant::now();
                let started = now();
                *session_changed = true;
                let outcome =
                    step_in_transaction(db, tables, graph, step, opts, &started, t0).await;
                if let Err(e) = outcome {
                    let _ = db.execute("ROLLBACK").await;
                    return Err(record_failure(
                        db, tables, graph, step, &started, opts, t0, e, false, 0,
                    )
                    .await);
                }
                on_event(Event::StepFinished {
                    index,
                    total,
                    step: step.clone(),
                    duration: t0.elapsed(),
                });
            }
            snapshot_in_transaction(db, tables, opts).await;
            db.execute("COMMIT").await?;
        }
    }
    Ok(())
}

/// Whether the snapshot of a run that ends with `result` was written in its
/// last step's transaction ([`snapshot_in_transaction`]): the run
/// succeeded, on a dialect whose DDL is transactional, and its last step
/// ran in a transaction (in `All` mode every step does). Otherwise the run
/// takes it after its steps.
fn snapshot_in_last_step(result: &Result<(), ExecError>, p: &Plan, dialect: Dialect) -> bool {
    result.is_ok() && dialect.transactional_ddl() && p.steps.last().is_some_and(|s| s.transactional)
}

/// Takes the run's snapshot inside the open transaction of its last step,
/// so that the step, its bookkeeping and the snapshot commit together;
/// behind a savepoint, so that a snapshot that fails (logged) never rolls
/// the step back. Not offline: a script takes no snapshot.
async fn snapshot_in_transaction<B: Backend>(db: &mut B, tables: &Tables, opts: &Options) {
    if !opts.snapshot || db.offline() || !db.dialect().transactional_ddl() {
        return;
    }
    if db.execute("SAVEPOINT revisor_snapshot").await.is_err() {
        return;
    }
    match take_snapshot(db, tables, opts, "run").await {
        Ok(_) => {
            let _ = db.execute("RELEASE SAVEPOINT revisor_snapshot").await;
        }
        Err(e) => {
            let _ = db.execute("ROLLBACK TO SAVEPOINT revisor_snapshot").await;
            tracing::warn!(error = %redact(&e.to_string()), "no schema snapshot after the run");
        }
    }
}

/// Limits how long each migration statement may run, on the migration
/// connection only (the bookkeeping and the lock are not limited).
async fn set_statement_timeout<B: Backend>(db: &mut B, t: Duration) -> Result<(), ExecError> {
    let ms = t.as_millis().max(1);
    match db.dialect() {
        Dialect::Postgres => {
            db.execute(&format!("SET statement_timeout = {ms}")).await?;
        }
        Dialect::MySql => {
            let version = db.query("SELECT VERSION()").await?;
            let mariadb = version
                .first()
                .and_then(|r| r.first().cloned().flatten())
                .is_some_and(|v| v.contains("MariaDB"));
            if !mariadb {
                return Err(ExecError::Unsupported(
                    "a statement timeout: MySQL's max_execution_time limits only SELECT; use it on PostgreSQL or MariaDB".into(),
                ));
            }
            db.execute(&format!(
                "SET SESSION max_statement_time = {}",
                t.as_secs_f64()
            ))
            .await?;
        }
        Dialect::Sqlite => {
            return Err(ExecError::Unsupported(
                "a statement timeout: SQLite has none".into(),
            ));
        }
    }
    Ok(())
}

/// One step in `PerMigration` mode.
async fn run_step<B: Backend>(
    db: &mut B,
    tables: &Tables,
    graph: &RevisionGraph,
    step: &Step,
    opts: &Options,
    completed: usize,
    last: bool,
) -> Result<(), ExecError> {
    let started = now();
    let t0 = Instant::now();
    if step.transactional && db.dialect().transactional_ddl() {
        db.execute("BEGIN").await?;
        let mut outcome = step_in_transaction(db, tables, graph, step, opts, &started, t0).await;
        if outcome.is_ok() && last {
            snapshot_in_transaction(db, tables, opts).await;
        }
        if outcome.is_ok() {
            outcome = db.execute("COMMIT").await.map(|_| ());
        }
        if let Err(e) = outcome {
            let _ = db.execute("ROLLBACK").await;
            return Err(record_failure(
                db, tables, graph, step, &started, opts, t0, e, false, completed,
            )
            .await);
        }
        return Ok(());
    }
    // Cannot be rolled back: mark it dirty first, so a crash stays visible.
    let sql = match step_sql(db, graph, step, opts).await {
        Ok(sql) => sql,
        Err(e) => {
            return Err(ExecError::Step {
                revision: step.revision.clone(),
                direction: step.direction.as_str(),
                error: redact(&e.to_string()),
                dirty: false,
                completed,
            })
        }
    };
    let mut pending = history_row(graph, step, &started, opts, None, true, None, None);
    pending.down_sql = sql.down_sql;
    let id = tables.insert_history(db, &pending).await?;
    if let Err(e) = run_sql(db, step, &sql.sql).await {
        let error = redact(&e.to_string());
        let _ = tables
            .finish_history(db, id, false, true, millis(t0.elapsed()), Some(&error))
            .await;
        return Err(ExecError::Step {
            revision: step.revision.clone(),
            direction: step.direction.as_str(),
            error,
            dirty: true,
            completed,
        });
    }
    // The SQL ran; record it. If the bookkeeping fails, the pending row
    // stays dirty: the schema changed but the version table does not say so.
    db.execute("BEGIN").await?;
    let mut done = tables
        .change_rows(db, &step.heads_removed, &step.heads_added)
        .await;
    if done.is_ok() {
        done = tables
            .finish_history(db, id, true, false, millis(t0.elapsed()), None)
            .await;
    }
    if done.is_ok() {
        done = db.execute("COMMIT").await.map(|_| ());
    }
    if let Err(e) = done {
        let _ = db.execute("ROLLBACK").await;
        return Err(e.into());
    }
    Ok(())
}

/// A step inside the caller's transaction: its SQL, then its version-row
/// changes and its success history row (one round trip; see
/// [`Tables::record_step`]).
async fn step_in_transaction<B: Backend>(
    db: &mut B,
    tables: &Tables,
    graph: &RevisionGraph,
    step: &Step,
    opts: &Options,
    started: &str,
    t0: Instant,
) -> Result<(), DbError> {
    let sql = step_sql(db, graph, step, opts).await?;
    run_sql(db, step, &sql.sql).await?;
    let mut row = history_row(
        graph,
        step,
        started,
        opts,
        Some(true),
        false,
        Some(t0.elapsed()),
        None,
    );
    row.down_sql = sql.down_sql;
    tables
        .record_step(db, &step.heads_removed, &step.heads_added, &row)
        .await
}

/// What a step runs, and for an up step the down SQL its history row keeps
/// (so that a revision whose file is gone can still be downgraded).
struct StepSql {
    sql: String,
    down_sql: Option<String>,
}

/// The SQL of a step: a SQL revision's section as written, or an operation
/// revision's operations rendered now for this database's dialect (against
/// its introspected schema when the operations need the current tables;
/// offline, against what earlier steps created). An up step's down SQL is
/// rendered against the schema as the up operations leave it.
async fn step_sql<B: Backend>(
    db: &mut B,
    graph: &RevisionGraph,
    step: &Step,
    opts: &Options,
) -> Result<StepSql, DbError> {
    let Some(r) = graph.index_of(&step.revision).map(|i| graph.rev(i)) else {
        return Err(DbError::Sql(format!(
            "revision {} is not in the migration set",
            step.revision
        )));
    };
    let up = step.direction == StepDirection::Up;
    let Some(body) = &r.ops else {
        return Ok(if up {
            StepSql {
                sql: r.up_sql.clone(),
                down_sql: r.down_sql.clone(),
            }
        } else {
            StepSql {
                sql: r.down_sql.clone().unwrap_or_default(),
                down_sql: None,
            }
        });
    };
    use crate::ops::render::{needs_state, render, Model};
    let d = db.dialect();
    let Some((ops, lines)) = body.section(up) else {
        return Err(DbError::Sql(format!(
            "{}: irreversible (an operation cannot be undone and no `downgrade:` is written)",
            r.file
        )));
    };
    let down = if up { body.downgrade.as_deref() } else { None };
    let need = needs_state(ops, d) || down.is_some_and(|o| needs_state(o, d));
    let mut model = if need || db.offline() {
        db.render_model(&opts.version_table).await?
    } else {
        Model::default()
    };
    let section = if up { "upgrade" } else { "downgrade" };
    let located =
        |(i, m): (usize, String), lines: &[usize], section: &str, ops: &[crate::ops::Operation]| {
            let line = lines.get(i).copied().filter(|l| *l > 0);
            DbError::Sql(format!(
                "{}{}: {section}[{i}] {}: {m}",
                r.file,
                line.map(|l| format!(":{l}")).unwrap_or_default(),
                ops.get(i).map_or("", |o| o.name())
            ))
        };
    let rendered = render(ops, d, &mut model);
    let stmts = match rendered {
        Ok(s) => s,
        Err(e) => {
            db.keep_model(model);
            return Err(located(e, lines, section, ops));
        }
    };
    let down_sql = match down {
        Some(down_ops) => {
            // Only the tables the downgrade touches, so a long offline run
            // does not copy its whole model per step.
            let mut m = Model {
                complete: model.complete,
                ..Model::default()
            };
            for t in down_ops.iter().flat_map(crate::ops::Operation::tables) {
                if let Some(x) = model.schema.tables.get(t) {
                    m.schema.tables.insert(t.to_owned(), x.clone());
                }
            }
            let down_lines = body.section(false).map_or(&[][..], |(_, l)| l);
            Some(
                render(down_ops, d, &mut m)
                    .map(|s| join_statements(&s))
                    .map_err(|e| located(e, down_lines, "downgrade", down_ops))?,
            )
        }
        None => None,
    };
    db.keep_model(model);
    Ok(StepSql {
        sql: join_statements(&stmts),
        down_sql,
    })
}

/// Rendered statements as one section of SQL.
fn join_statements(stmts: &[String]) -> String {
    let mut s = String::new();
    for x in stmts {
        s.push_str(x);
        s.push_str(";\n");
    }
    s
}

/// Runs the step's SQL statement by statement.
async fn run_sql<B: Backend>(db: &mut B, step: &Step, sql: &str) -> Result<(), DbError> {
    let statements = split_statements_with(sql, db.dialect() == Dialect::MySql)
        .map_err(|e| DbError::Sql(e.to_string()))?;
    for s in statements {
        db.execute(s.sql).await.map_err(|e| {
            DbError::Sql(format!(
                "{e} (statement at line {} of the {} section)",
                s.line,
                step.direction.as_str()
            ))
        })?;
    }
    if db.dialect() == Dialect::Sqlite {
        // Enforcement is off during the step: check what it would have.
        let broken = db
            .query("SELECT \"table\" || ' row ' || CAST(rowid AS TEXT) || ' references a missing row of ' || parent FROM pragma_foreign_key_check()")
            .await?;
        if let Some(first) = broken.first().and_then(|r| r.first()).cloned().flatten() {
            return Err(DbError::Sql(format!(
                "foreign key violated after the {} section: {first}{}",
                step.direction.as_str(),
                if broken.len() > 1 {
                    format!(" (and {} more)", broken.len() - 1)
                } else {
                    String::new()
                }
            )));
        }
    }
    Ok(())
}

/// Writes the failed history row of a rolled-back step (best effort) and
/// returns the error to report.
#[allow(clippy::too_many_arguments)]
async fn record_failure<B: Backend>(
    db: &mut B,
    tables: &Tables,
    graph: &RevisionGraph,
    step: &Step,
    started: &str,
    opts: &Options,
    t0: Instant,
    e: DbError,
    dirty: bool,
    completed: usize,
) -> ExecError {
    let error = redact(&e.to_string());
    let row = history_row(
        graph,
        step,
        started,
        opts,
        Some(false),
        dirty,
        Some(t0.elapsed()),
        Some(&error),
    );
    let _ = tables.insert_history(db, &row).await;
    ExecError::Step {
        revision: step.revision.clone(),
        direction: step.direction.as_str(),
        error,
        dirty,
        completed,
    }
}

#[allow(clippy::too_many_arguments)]
fn history_row(
    graph: &RevisionGraph,
    step: &Step,
    started: &str,
    opts: &Options,
    success: Option<bool>,
    dirty: bool,
    duration: Option<Duration>,
    error: Option<&str>,
) -> HistoryRow {
    let rev = graph.index_of(&step.revision).map(|i| (i, graph.rev(i)));
    let (parents, deps) = rev.map_or((Vec::new(), Vec::new()), |(i, _)| {
        (
            graph.ids(graph.parents(i).iter().copied()),
            graph.ids(graph.dependencies(i).iter().copied()),
        )
    });
    HistoryRow {
        id: 0,
        revision: step.revision.clone(),
        direction: step.direction.as_str().to_owned(),
        checksum: rev.map(|(_, r)| r.checksum.clone()).unwrap_or_default(),
        down_revisions: parents,
        depends_on: deps,
        down_sql: match step.direction {
            StepDirection::Up => rev.and_then(|(_, r)| r.down_sql.clone()),
            StepDirection::Down => None,
        },
        message: step.message.clone(),
        started_at: started.to_owned(),
        finished_at: duration.map(|_| now()),
        duration_ms: duration.map(millis),
        success,
        dirty,
        error: error.map(str::to_owned),
        applied_by: opts.applied_by.clone(),
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Writes the version table so that `target` is current, running no SQL,
/// as `alembic stamp` does: rows on other lineages stay, rows on the
/// target's lineage are replaced (all rows with `purge`). Each stamped
/// revision gets a `stamp` history row. Returns the new rows.
///
/// # Errors
/// [`ExecError::Plan`] for a bad target, [`ExecError::Db`] otherwise.
pub async fn stamp<B: Backend>(
    db: &mut B,
    graph: &RevisionGraph,
    target: &str,
    purge: bool,
    opts: &Options,
) -> Result<Vec<String>, ExecError> {
    let tables = Tables::new(&opts.version_table, db.dialect())?;
    // A target that does not resolve is refused before anything is written.
    let targets = graph.resolve_targets(target).map_err(PlanError::from)?;
    db.lock(&tables.version, opts.lock_timeout).await?;
    let result = async {
        tables.ensure(db).await?;
        let heads = tables.heads(db).await?;
        let rows = stamp_rows(db, &tables, graph, &targets, &heads, purge, opts).await?;
        if opts.snapshot {
            // Stamping adopts a database (an Alembic one, say) as it is.
            if let Err(e) = take_snapshot(db, &tables, opts, "stamp").await {
                tracing::warn!(error = %redact(&e.to_string()), "no schema snapshot after the stamp");
            }
        }
        Ok::<_, ExecError>(rows)
    }
    .await;
    let unlocked = db.unlock().await;
    let rows = result?;
    unlocked?;
    Ok(rows)
}

/// The rows a stamp of `targets` writes over `heads` (rows on other
/// lineages stay unless `purge`), written in one transaction with a
/// `stamp` history row per target.
pub(crate) async fn stamp_rows<B: Backend>(
    db: &mut B,
    tables: &Tables,
    graph: &RevisionGraph,
    targets: &[usize],
    heads: &[String],
    purge: bool,
    opts: &Options,
) -> Result<Vec<String>, ExecError> {
    let lineage = graph
        .ancestors(targets.iter().copied(), true)
        .union(&graph.descendants(targets.iter().copied(), true))
        .collect::<Vec<_>>();
    let keep: Vec<usize> = if purge || targets.is_empty() {
        Vec::new()
    } else {
        heads
            .iter()
            .filter_map(|h| graph.index_of(h))
            .filter(|h| !lineage.contains(h))
            .collect()
    };
    let applied = graph.closure(keep.iter().chain(targets.iter()).copied());
    let rows = graph.ids(graph.heads_of(&applied));
    db.execute("BEGIN").await?;
    tables.set_rows(db, &rows).await?;
    for &t in targets {
        let r = graph.rev(t);
        let row = HistoryRow {
            revision: r.id.clone(),
            direction: "stamp".into(),
            checksum: r.checksum.clone(),
            down_revisions: graph.ids(graph.parents(t).iter().copied()),
            depends_on: graph.ids(graph.dependencies(t).iter().copied()),
            down_sql: r.down_sql.clone(),
            message: r.message.clone(),
            started_at: now(),
            finished_at: Some(now()),
            duration_ms: Some(0),
            success: Some(true),
            applied_by: opts.applied_by.clone(),
            ..HistoryRow::default()
        };
        tables.insert_history(db, &row).await?;
    }
    db.execute("COMMIT").await?;
    Ok(rows)
}

/// Clears the dirty mark after a person has repaired the database; returns
/// how many steps were dirty.
///
/// # Errors
/// [`ExecError::Db`].
pub async fn resolve<B: Backend>(db: &mut B, opts: &Options) -> Result<u64, ExecError> {
    let tables = Tables::new(&opts.version_table, db.dialect())?;
    db.lock(&tables.version, opts.lock_timeout).await?;
    let result = tables.resolve(db).await;
    let unlocked = db.unlock().await;
    let n = result?;
    unlocked?;
    Ok(n)
}
