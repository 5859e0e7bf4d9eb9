//! One run of one DatabaseSchema: the engine behind both `revisor apply`
//! and the operator's reconcile, which are thin adapters around it (one
//! prints, the other patches). I/O.
//!
//! ```text
//! spec, migration files, old status, database URL
//!   -> validate (pure: graph, target)
//!   -> recheck shortcut: at the target with unchanged inputs? one read of
//!      the version table, nothing else (no lock, no DDL, no history)
//!   -> Session::run (declarative plan, refusal rules, lock, steps)
//!   -> Report -> status::compute (pure)
//! ```

use crate::db::pool::Pools;
use crate::db::DbError;
use crate::executor::{Event, ExecError, Options, Session, TransactionMode};
use crate::graph::{RevisionGraph, SetErrors, TargetError};
use crate::outcome::{Class, Classify};
use crate::plan::{Mode, Plan};
use crate::redact::redact;
use crate::resource::{
    Approval, DatabaseSchemaSpec, DatabaseSchemaStatus, DriftPolicy, LastApplied, Phase,
    TransactionModeSpec,
};
use crate::status::{self, Observed, Outcome};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

/// What one run needs.
#[derive(Debug, Clone)]
pub struct Input<'a> {
    /// The resource's spec.
    pub spec: &'a DatabaseSchemaSpec,
    /// Migration files, `(name, contents)`.
    pub files: &'a [(String, String)],
    /// The status before this run.
    pub old: &'a DatabaseSchemaStatus,
    /// `metadata.generation`.
    pub generation: Option<i64>,
    /// The database URL (a secret: it never reaches a message).
    pub url: &'a str,
    /// Under `approval: Manual`, the approved plan hash (the annotation, or
    /// `apply --approve`).
    pub approved_plan: Option<String>,
    /// The `revisor.dev/retry` annotation's value, if set.
    pub retry: Option<String>,
    /// Who runs it, for the history.
    pub applied_by: String,
    /// Set on shutdown: stop after the running step.
    pub stop: Option<Arc<AtomicBool>>,
    /// The `revisor.dev/accept-drift` annotation's value, if set: the live
    /// schema fingerprint to accept as the new snapshot.
    pub accept_drift: Option<String>,
}

/// Why a run stopped short. Each kind owns its meaning ([`Classify`]).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The migration set does not load.
    #[error("invalid migration set:\n{0}")]
    InvalidSet(SetErrors),
    /// `spec.targetRevision` does not resolve.
    #[error("spec.targetRevision: {0}")]
    Target(TargetError),
    /// The executor stopped (refusal, database, step).
    #[error(transparent)]
    Exec(#[from] ExecError),
    /// `spec.drift.policy: Block` and the live schema left the snapshot.
    #[error("{0}; the plan does not run (spec.drift.policy: Block) until the change is reverted or accepted")]
    SchemaDrift(String),
    /// `spec.adoptFrom`: the tool's table shows what cannot be adopted.
    #[error("spec.adoptFrom: {0}")]
    Adoption(String),
}

impl Classify for EngineError {
    fn class(&self) -> Class {
        match self {
            EngineError::InvalidSet(_) => crate::outcome::Reason::InvalidMigrationSet.class(),
            EngineError::Target(_) => crate::outcome::Reason::InvalidTarget.class(),
            EngineError::Exec(e) => e.class(),
            EngineError::SchemaDrift(_) => crate::outcome::Reason::SchemaDrift.class(),
            EngineError::Adoption(_) => crate::outcome::Reason::InvalidInput.class(),
        }
    }
}

impl From<DbError> for EngineError {
    fn from(e: DbError) -> Self {
        EngineError::Exec(ExecError::Db(e))
    }
}

/// How a run ended, when it reached its goal.
#[derive(Debug, Clone)]
pub enum Done {
    /// `spec.suspend`: nothing looked at.
    Suspended,
    /// The recheck shortcut: one read, at the target, inputs unchanged.
    UpToDate,
    /// The plan that ran (possibly empty).
    Ran(Plan),
}

/// Everything a run learned: the result, and the facts the status needs
/// whichever way it ended.
#[derive(Debug)]
pub struct Report {
    /// The result, with the typed error.
    pub result: Result<Done, EngineError>,
    /// The target resolved to full ids (empty when it did not resolve).
    pub targets: Vec<String>,
    /// The plan announced before its first step, if one started.
    pub planned: Option<Plan>,
    /// Steps of it that finished.
    pub completed: usize,
    /// The last step that finished.
    pub last_applied: Option<LastApplied>,
    /// Digest of the inputs ([`DatabaseSchemaStatus::source_digest`]).
    pub digest: String,
    /// The retry annotation value this run acted on.
    pub retried: Option<String>,
    /// What the live drift check found (`None`: not checked, or it failed).
    pub drift: Option<crate::drift::DriftCheck>,
    /// `spec.drift.policy: Off`: drift is not watched at all.
    pub drift_off: bool,
}

impl Report {
    /// The pure outcome the status is computed from (messages redacted).
    pub fn outcome(&self) -> Outcome {
        match &self.result {
            Ok(Done::Suspended) => Outcome::Suspended,
            Ok(Done::UpToDate) => Outcome::UpToDate,
            Ok(Done::Ran(p)) => Outcome::Reached {
                plan: p.clone(),
                targets: self.targets.clone(),
                last_applied: self.last_applied.clone(),
            },
            Err(e) => {
                let refused = match e {
                    EngineError::Exec(ExecError::Refused(r)) => r.plan().cloned(),
                    _ => None,
                };
                let plan = refused.clone().or_else(|| self.planned.clone());
                // Where the rows stand: a refused plan starts from them; a
                // started plan left them after its last finished step.
                let current = match (&refused, &self.planned) {
                    (Some(p), _) => Some(p.from_heads.clone()),
                    (None, Some(p)) => Some(p.rows_after(self.completed)),
                    _ => None,
                };
                Outcome::Stopped {
                    class: e.class(),
                    message: redact(&e.to_string()),
                    targets: (!self.targets.is_empty()).then(|| self.targets.clone()),
                    current,
                    plan,
                    completed: if refused.is_some() { 0 } else { self.completed },
                    last_applied: self.last_applied.clone(),
                    findings: match e {
                        EngineError::Exec(ExecError::Refused(r)) => r.findings().to_vec(),
                        _ => Vec::new(),
                    },
                }
            }
        }
    }

    /// The class of the result, `None` when it reached its goal.
    pub fn class(&self) -> Option<Class> {
        self.result.as_ref().err().map(Classify::class)
    }

    /// The new status from `old` (see [`status::compute`]).
    pub fn status(
        &self,
        old: &DatabaseSchemaStatus,
        generation: Option<i64>,
        now: k8s_openapi::apimachinery::pkg::apis::meta::v1::Time,
    ) -> DatabaseSchemaStatus {
        let observed = Observed {
            generation,
            source_digest: Some(self.digest.clone()),
            retry: self.retried.clone(),
            drift: self.drift.clone(),
            drift_off: self.drift_off,
        };
        status::compute(old, &self.outcome(), &observed, now)
    }

    /// Whether the run changed the database.
    pub fn changed_database(&self) -> bool {
        self.completed > 0
    }
}

/// SHA-256 of what decides the result besides the spec (whose changes the
/// generation covers): the target, the version table, the database URL and
/// every file. Only the digest is kept, never the URL.
pub fn digest(spec: &DatabaseSchemaSpec, files: &[(String, String)], url: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for part in [
        spec.target_revision.as_str(),
        spec.version_table.as_str(),
        url,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    for (name, text) in files {
        h.update((name.len() as u64).to_be_bytes());
        h.update(name.as_bytes());
        h.update((text.len() as u64).to_be_bytes());
        h.update(text.as_bytes());
    }
    crate::sqltext::hex(&h.finalize())
}

/// The run options a spec sets, written once for the reconciler, `apply`
/// and `apply --sql`. Under `approval: Manual` nothing is approved until
/// [`Options::approved`] says which plan.
impl From<&DatabaseSchemaSpec> for Options {
    fn from(spec: &DatabaseSchemaSpec) -> Options {
        Options {
            version_table: spec.version_table.clone(),
            transaction_mode: match spec.transaction_mode {
                TransactionModeSpec::PerMigration => TransactionMode::PerMigration,
                TransactionModeSpec::All => TransactionMode::All,
            },
            lock_timeout: Duration::from_secs(spec.lock_timeout_seconds),
            allow_downgrade: spec.allow_downgrade,
            approved_plan: match spec.approval {
                Approval::Automatic => None,
                Approval::Manual => Some(String::new()),
            },
            destructive: spec.policy.destructive.into(),
            locking: spec.policy.locking_risk.into(),
            drift_exclude: spec.drift.exclude.clone(),
            snapshot: spec.drift.policy != DriftPolicy::Off,
            ..Options::default()
        }
    }
}

impl Options {
    /// These options with `hash` as the approved plan: the
    /// `revisor.dev/approved-plan` annotation (or `apply --approve`). Under
    /// manual approval it is the plan that may run; under either mode it
    /// releases a plan the policy held for its findings.
    pub fn approved(mut self, hash: Option<String>) -> Options {
        if self.approved_plan.is_some() {
            self.approved_plan = Some(hash.clone().unwrap_or_default());
        }
        self.annotated_hash = hash;
        self
    }
}

/// Runs one DatabaseSchema: see the module docs. Progress goes to
/// `on_event` as owned events, while the run goes on.
pub async fn run<F: FnMut(Event)>(pools: &Arc<Pools>, input: Input<'_>, mut on_event: F) -> Report {
    let digest = digest(input.spec, input.files, input.url);
    let mut report = Report {
        result: Ok(Done::Suspended),
        targets: Vec::new(),
        planned: None,
        completed: 0,
        last_applied: None,
        digest,
        retried: None,
        drift: None,
        drift_off: input.spec.drift.policy == DriftPolicy::Off,
    };
    if input.spec.suspend {
        return report;
    }
    // Validate (pure).
    let graph = match RevisionGraph::from_files(input.files) {
        Ok(g) => g,
        Err(e) => {
            report.result = Err(EngineError::InvalidSet(e));
            return report;
        }
    };
    // An empty target is refused, not read as `base` (the CRD's minLength
    // says the same; `apply` reads manifests the API server never saw).
    if input.spec.target_revision.trim().is_empty() {
        report.result = Err(EngineError::Target(TargetError::Invalid {
            expression: input.spec.target_revision.clone(),
            reason: "empty: name a revision, a branch label, `head`, `heads` or `base`",
        }));
        return report;
    }
    let targets = match graph.resolve_targets(&input.spec.target_revision) {
        Ok(t) => t,
        Err(e) => {
            report.result = Err(EngineError::Target(e));
            return report;
        }
    };
    report.targets = graph.ids(targets.iter().copied());
    let retry = input
        .retry
        .clone()
        .filter(|r| input.old.last_retry.as_ref() != Some(r));

    let opts = Options {
        applied_by: input.applied_by.clone(),
        stop: input.stop.clone(),
        clear_dirty: retry.is_some(),
        ..Options::from(input.spec).approved(input.approved_plan.clone())
    };
    let mut session = match Session::open(pools, input.url, opts).await {
        Ok(s) => s,
        Err(e) => {
            report.result = Err(e.into());
            return report;
        }
    };
    // `spec.adoptFrom`: where the other tool left the database, stamped
    // once, while the version table is empty, before drift and any plan.
    if let Some(from) = input.spec.adopt_from {
        if let Err(e) = adopt_from(&mut session, &graph, from.tool()).await {
            report.result = Err(e);
            return report;
        }
    }
    // Live drift, before the recheck shortcut and before any plan (none
    // at all under `spec.drift.policy: Off`).
    if input.spec.drift.policy != DriftPolicy::Off {
        report.drift = drift(&mut session, input.accept_drift.as_deref()).await;
    }
    if let Some(d) = report.drift.as_ref().filter(|d| d.drifted()) {
        if input.spec.drift.policy == DriftPolicy::Block {
            report.result = Err(EngineError::SchemaDrift(d.message()));
            return report;
        }
    }
    // The recheck shortcut: one read of the version table.
    let unchanged = input.old.phase == Phase::Ready
        && input.old.observed_generation == input.generation
        && input.old.source_digest.as_deref() == Some(report.digest.as_str())
        && retry.is_none();
    if unchanged {
        let expected = graph.ids(graph.heads_of(&graph.closure(targets.iter().copied())));
        if session.rows().await.is_ok_and(|r| same_set(&r, &expected)) {
            report.result = Ok(Done::UpToDate);
            adopt(&mut session, &mut report).await;
            return report;
        }
    }

    let (mut planned, mut completed, mut last) = (None, 0, None);
    let mut track = |e: Event| {
        match &e {
            Event::Planned(p) => planned = Some(p.clone()),
            Event::StepFinished { step, duration, .. } => {
                completed += 1;
                last = Some(LastApplied::finished(
                    &step.revision,
                    step.direction,
                    *duration,
                ));
            }
            Event::StepStarted { .. } | Event::LockWaiting { .. } => {}
        }
        on_event(e);
    };
    let result = session
        .run(
            &graph,
            &input.spec.target_revision,
            Mode::Declarative,
            &mut track,
        )
        .await;
    report.planned = planned;
    report.completed = completed;
    report.last_applied = last;
    // A retry was acted on once the rules saw it (a transient failure before
    // that leaves it for the next attempt).
    let acted = match &result {
        Ok(_) => true,
        Err(e) => !e
            .class()
            .disposition
            .eq(&crate::outcome::Disposition::Pending),
    };
    if acted {
        report.retried = retry;
    }
    if report.completed > 0 {
        // The run took a new snapshot: what was drift before is now the
        // schema Revisor left (Report policy; Block never gets here).
        report.drift = Some(crate::drift::DriftCheck::default());
    }
    report.result = result.map(Done::Ran).map_err(EngineError::from);
    if report.result.is_ok() && report.completed == 0 {
        adopt(&mut session, &mut report).await;
    }
    report
}

/// Stamps the version `tool`'s table shows ([`crate::import::adopted`]),
/// when the version table is empty and that table exists; nothing
/// otherwise (a database the tool never touched gets its plan).
///
/// # Errors
/// [`EngineError::Adoption`] naming the row that cannot be adopted (a
/// failed or dirty migration, a version the set lacks, a gap); nothing is
/// written then.
async fn adopt_from(
    session: &mut Session,
    graph: &RevisionGraph,
    tool: crate::import::Tool,
) -> Result<(), EngineError> {
    use crate::db::Backend;
    use crate::import;
    if !session.heads().await?.is_empty() {
        return Ok(());
    }
    let dialect = session.dialect();
    let exists = session
        .backend()
        .query(
            &dialect
                .sql()
                .table_exists_query(&crate::render::literal(tool.table(), dialect)),
        )
        .await?;
    if exists.is_empty() {
        return Ok(());
    }
    let query = import::table_query(tool, |e| dialect.sql().cast_text(e));
    let rows = session.backend().query(&query).await.map_err(|e| {
        EngineError::Adoption(format!(
            "cannot read {}'s table {}: {e}",
            tool.name(),
            tool.table()
        ))
    })?;
    let at = import::adopted(tool, &import::table_rows(rows), &import::chain_of(graph))
        .map_err(EngineError::Adoption)?;
    if let Some(id) = at {
        session.stamp(graph, &id, false).await?;
    }
    Ok(())
}

/// Adopts the live schema as the first (or a fresh) snapshot when the
/// drift check found it missing or stale, now that the run reached its
/// target without a step: a refused run never gets here, so it writes
/// nothing (a run with steps takes its own snapshot). Best effort.
async fn adopt(session: &mut Session, report: &mut Report) {
    let Some(d) = report.drift.as_mut().filter(|d| d.adoptable) else {
        return;
    };
    match session.adopt_snapshot().await {
        Ok(true) => {
            d.snapshot_fingerprint = Some(d.live_fingerprint.clone());
            d.adoptable = false;
        }
        Ok(false) => {}
        Err(e) => tracing::warn!(error = %redact(&e.to_string()), "no schema snapshot adopted"),
    }
}

/// The drift check of one run: the live schema against the last snapshot
/// (a managed database without one, or with a stale one, is adopted after
/// the run: [`adopt`]), and `revisor.dev/accept-drift` honoured, under the
/// lock, when it names the live fingerprint. A check that fails is logged and left out: drift
/// never stops a run that could otherwise go on.
async fn drift(session: &mut Session, accept: Option<&str>) -> Option<crate::drift::DriftCheck> {
    let checked = async {
        let mut d = session.check_drift_before_run().await?;
        if d.drifted() && accept == Some(d.live_fingerprint.as_str()) {
            session.accept_drift().await?;
            d.snapshot_fingerprint = Some(d.live_fingerprint.clone());
            d.changes.clear();
        }
        Ok::<_, DbError>(d)
    }
    .await;
    match checked {
        Ok(d) => Some(d),
        Err(e) => {
            tracing::warn!(error = %redact(&e.to_string()), "live drift check failed");
            None
        }
    }
}

fn same_set(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.contains(x))
}
