//! One reconcile of a DatabaseSchema: the same engine as `revisor apply`,
//! with inputs from the cluster and status, events and conditions written
//! back.
//!
//! ```text
//! dereference (client) -> validate (pure) -> apply (database, executor)
//!     -> status (pure: resource::ready / from_error + conditions)
//!     -> patch status (client, server-side apply) + events (client)
//! ```
//!
//! Requeue policy: Ready is re-checked every [`RECHECK`] (a database changed
//! behind the operator's back is noticed); Blocked and AwaitingApproval wait
//! for a change to the resource or its inputs; a held lock is retried after
//! [`LOCK_RETRY`]; Failed goes to the error policy's backoff.

use super::conditions::conditions;
use super::dereference::{dereference, DereferenceError};
use crate::db::Database;
use crate::executor::{self, Event, ExecError, Options};
use crate::graph::RevisionGraph;
use crate::plan::{Mode, Plan, StepDirection};
use crate::redact::redact;
use crate::resource::{
    self, Approval, DatabaseSchema, DatabaseSchemaStatus, LastApplied, Phase, Progress,
};
use crate::with_backend;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::api::{Api, Patch, PatchParams};
use kube::runtime::controller::Action;
use kube::runtime::events::{Event as KubeEvent, EventType, Recorder};
use kube::{Client, Resource, ResourceExt};
use std::sync::Arc;
use std::time::Duration;

/// How often a Ready resource is checked again: often enough to notice a
/// database changed by hand within minutes, rarely enough that a thousand
/// resources cost a few queries a second.
pub const RECHECK: Duration = Duration::from_secs(300);

/// How soon a run that found the lock held tries again: another run holds
/// it, and most runs finish within seconds.
pub const LOCK_RETRY: Duration = Duration::from_secs(10);

/// The field manager of status patches.
pub const FIELD_MANAGER: &str = "revisor";

/// What every reconcile shares.
pub struct Context {
    /// The API client.
    pub client: Client,
    /// Publishes events.
    pub recorder: Recorder,
    /// Who applies steps, for the history.
    pub applied_by: String,
    /// The process's metrics.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Failed attempts per `namespace/name`, for the backoff.
    pub attempts: std::sync::Mutex<std::collections::HashMap<String, u32>>,
    /// Set on SIGTERM: running plans stop after their current step.
    pub shutdown: Arc<std::sync::atomic::AtomicBool>,
}

impl Context {
    /// A context with fresh metrics, no attempts and no shutdown.
    pub fn new(client: Client, recorder: Recorder, applied_by: String) -> Context {
        Context {
            client,
            recorder,
            applied_by,
            metrics: Arc::default(),
            attempts: std::sync::Mutex::default(),
            shutdown: Arc::default(),
        }
    }
}

/// Why a reconcile must be retried (the error policy backs off).
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    /// The API server failed.
    #[error("Kubernetes API: {0}")]
    Kube(#[from] kube::Error),
    /// The database or a step failed; the status says which.
    #[error("{0}")]
    Failed(String),
}

/// Progress messages from the executor's callback to the status writer.
enum Progressed {
    Planned(Plan),
    Step {
        completed: usize,
        revision: String,
        direction: StepDirection,
        duration: Duration,
    },
}

/// Reconciles one DatabaseSchema.
///
/// # Errors
/// [`ReconcileError`] when the API server or the database failed; the
/// status has been written where the API allowed it.
pub async fn reconcile(
    obj: Arc<DatabaseSchema>,
    ctx: Arc<Context>,
) -> Result<Action, ReconcileError> {
    let ns = obj.namespace().unwrap_or_else(|| "default".into());
    let api: Api<DatabaseSchema> = Api::namespaced(ctx.client.clone(), &ns);
    let writer = StatusWriter {
        api: &api,
        obj: &obj,
        ctx: &ctx,
    };
    let old = obj.status.clone().unwrap_or_default();
    if obj.spec.suspend {
        let status = DatabaseSchemaStatus {
            message: "suspended: spec.suspend is true".into(),
            ..old
        };
        writer.write(status).await?;
        return Ok(Action::await_change());
    }

    // 1. dereference (client)
    let inputs = match dereference(&ctx.client, &obj).await {
        Ok(i) => i,
        Err(DereferenceError::Api(e)) => return Err(e.into()),
        Err(e) => return writer.blocked(&old, e.to_string()).await,
    };
    // 2. validate (pure)
    let graph = match RevisionGraph::from_files(&inputs.files) {
        Ok(g) => g,
        Err(e) => {
            return writer
                .blocked(&old, format!("invalid migration set:\n{e}"))
                .await
        }
    };
    let targets = match graph.resolve_targets(&obj.spec.target_revision) {
        Ok(t) => graph.ids(t),
        Err(e) => {
            return writer
                .blocked(&old, format!("spec.targetRevision: {e}"))
                .await
        }
    };
    // 3. apply (database), reporting progress as steps finish
    let approved = match obj.spec.approval {
        Approval::Automatic => None,
        Approval::Manual => Some(
            obj.annotations()
                .get(resource::APPROVED_PLAN_ANNOTATION)
                .cloned()
                .unwrap_or_default(),
        ),
    };
    let opts = Options {
        version_table: obj.spec.version_table.clone(),
        transaction_mode: obj.spec.transaction_mode.into(),
        lock_timeout: Duration::from_secs(obj.spec.lock_timeout_seconds),
        allow_downgrade: obj.spec.allow_downgrade,
        approved_plan: approved,
        applied_by: ctx.applied_by.clone(),
        stop: Some(ctx.shutdown.clone()),
        ..Options::default()
    };
    let mut db = match Database::connect(&inputs.url).await {
        Ok(db) => db,
        Err(e) => {
            let e = ExecError::Db(e);
            let status = resource::from_error(
                &e,
                old.current_revisions.clone(),
                targets,
                None,
                0,
                old.last_applied.clone(),
            );
            writer.write(status).await?;
            return Err(ReconcileError::Failed(redact(&e.to_string())));
        }
    };
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let target = obj.spec.target_revision.clone();
    let run = async move {
        let mut completed = 0;
        let mut on_event = |e: Event<'_>| {
            let msg = match e {
                Event::Planned(p) => Progressed::Planned(p.clone()),
                Event::StepStarted { .. } => return,
                Event::StepFinished { step, duration, .. } => {
                    completed += 1;
                    Progressed::Step {
                        completed,
                        revision: step.revision.clone(),
                        direction: step.direction,
                        duration,
                    }
                }
            };
            let _ = tx.send(msg);
        };
        with_backend!(&mut db, |b| executor::run(
            b,
            &graph,
            &target,
            Mode::Declarative,
            &opts,
            &mut on_event
        )
        .await)
    };
    let mut planned: Option<Plan> = None;
    let mut completed = 0;
    let mut last = old.last_applied.clone();
    let progress = async {
        while let Some(msg) = rx.recv().await {
            let status = match msg {
                Progressed::Planned(p) => {
                    if !p.steps.is_empty() {
                        writer
                            .event(
                                EventType::Normal,
                                "PlanComputed",
                                "Plan",
                                format!("{} step(s), plan {}", p.steps.len(), p.hash),
                            )
                            .await;
                    }
                    let status = migrating(&p, &targets, 0, last.clone());
                    planned = Some(p);
                    status
                }
                Progressed::Step {
                    completed: n,
                    revision,
                    direction,
                    duration,
                } => {
                    let dir = direction.as_str();
                    writer
                        .event(
                            EventType::Normal,
                            "StepApplied",
                            &format!("{dir} {revision}"),
                            format!("{dir} {revision} ({} ms)", duration.as_millis()),
                        )
                        .await;
                    completed = n;
                    last = Some(LastApplied::finished(&revision, direction, duration));
                    match &planned {
                        Some(p) => migrating(p, &targets, n, last.clone()),
                        None => continue,
                    }
                }
            };
            if let Some(p) = &planned {
                if !p.steps.is_empty() {
                    // Progress is best effort: the final status is written below.
                    let _ = writer.write(status).await;
                }
            }
        }
    };
    let (result, ()) = tokio::join!(run, progress);

    // 4. status (pure) and 5. write it (client)
    match result {
        Ok(p) => {
            writer.write(resource::ready(&p, targets, last)).await?;
            Ok(Action::requeue(RECHECK))
        }
        Err(e) => {
            let current = planned.as_ref().map_or_else(
                || old.current_revisions.clone(),
                |p| p.rows_after(completed),
            );
            let status =
                resource::from_error(&e, current, targets, planned.as_ref(), completed, last);
            let (kind, reason) = match (&e, status.phase) {
                (ExecError::DowngradeNotAllowed(_), _) => (EventType::Warning, "DowngradeBlocked"),
                (ExecError::Step { .. }, _) => (EventType::Warning, "StepFailed"),
                (_, Phase::Blocked) => (EventType::Warning, "Blocked"),
                (_, Phase::AwaitingApproval) => (EventType::Normal, "AwaitingApproval"),
                _ => (EventType::Warning, "Failed"),
            };
            writer
                .event(kind, reason, "Reconcile", status.message.clone())
                .await;
            let phase = status.phase;
            writer.write(status).await?;
            match phase {
                Phase::Blocked | Phase::AwaitingApproval => Ok(Action::await_change()),
                Phase::Pending => Ok(Action::requeue(LOCK_RETRY)),
                _ => Err(ReconcileError::Failed(redact(&e.to_string()))),
            }
        }
    }
}

/// The status while a plan runs: `completed` of its steps done.
fn migrating(
    p: &Plan,
    targets: &[String],
    completed: usize,
    last: Option<LastApplied>,
) -> DatabaseSchemaStatus {
    let current = p.rows_after(completed);
    DatabaseSchemaStatus {
        phase: if p.steps.is_empty() {
            Phase::Planning
        } else {
            Phase::Migrating
        },
        current_revisions: current,
        target_revisions: targets.to_vec(),
        plan: Some(resource::PlanStatus::of(p)),
        progress: Some(Progress::new(completed, p.steps.len())),
        last_applied: last,
        message: format!(
            "applying step {} of {}",
            (completed + 1).min(p.steps.len()),
            p.steps.len()
        ),
        ..Default::default()
    }
}

/// Writes status and events for one object.
struct StatusWriter<'a> {
    api: &'a Api<DatabaseSchema>,
    obj: &'a DatabaseSchema,
    ctx: &'a Context,
}

impl StatusWriter<'_> {
    /// Completes `status` (observedGeneration, conditions that keep their
    /// transition times) and writes it with server-side apply.
    async fn write(&self, mut status: DatabaseSchemaStatus) -> Result<(), kube::Error> {
        let old = self
            .obj
            .status
            .as_ref()
            .map(|s| s.conditions.as_slice())
            .unwrap_or(&[]);
        let now = Time(k8s_openapi::jiff::Timestamp::now());
        status.observed_generation = self.obj.metadata.generation;
        status.conditions = conditions(
            status.phase,
            &status.message,
            self.obj.metadata.generation,
            old,
            now,
        );
        let patch = serde_json::json!({
            "apiVersion": resource::API_VERSION,
            "kind": resource::KIND,
            "status": status,
        });
        let pp = PatchParams::apply(FIELD_MANAGER).force();
        self.api
            .patch_status(&self.obj.name_any(), &pp, &Patch::Apply(&patch))
            .await?;
        Ok(())
    }

    /// Writes a Blocked status and event; the reconcile then waits for a change.
    async fn blocked(
        &self,
        old: &DatabaseSchemaStatus,
        message: String,
    ) -> Result<Action, ReconcileError> {
        let message = redact(&message);
        self.event(EventType::Warning, "Blocked", "Reconcile", message.clone())
            .await;
        let status = DatabaseSchemaStatus {
            phase: Phase::Blocked,
            message,
            ..old.clone()
        };
        self.write(status).await?;
        Ok(Action::await_change())
    }

    /// Publishes an event about the object (best effort: an event that
    /// cannot be written must not fail the reconcile). Events with the same
    /// type, reason and `action` are aggregated into one series by the
    /// recorder, so a step's event names the step in its action.
    async fn event(&self, type_: EventType, reason: &str, action: &str, note: String) {
        let ev = KubeEvent {
            type_,
            reason: reason.into(),
            note: Some(redact(&note)),
            action: action.into(),
            secondary: None,
        };
        let _ = self
            .ctx
            .recorder
            .publish(&ev, &self.obj.object_ref(&()))
            .await;
    }
}

/// The error policy: a transient failure is retried with capped
/// exponential backoff (per attempt count kept by the caller); nothing is
/// ever turned into success.
pub fn backoff(attempt: u32) -> Duration {
    // 5 s doubling to a 5-minute cap: quick recovery from a restarted
    // database, and no more than one retry per RECHECK for a broken one.
    let secs = 5u64.saturating_mul(1u64 << attempt.min(6));
    Duration::from_secs(secs.min(300))
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_doubles_and_is_capped() {
        let b: Vec<u64> = (0..9).map(|a| super::backoff(a).as_secs()).collect();
        assert_eq!(b, vec![5, 10, 20, 40, 80, 160, 300, 300, 300]);
    }
}
