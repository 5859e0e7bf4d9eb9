//! One reconcile of a DatabaseSchema: an adapter that feeds the engine
//! ([`crate::engine`], the same as `revisor apply`) from the cluster and
//! writes status, events and metrics back.
//!
//! ```text
//! dereference (client: ConfigMaps, Secret)
//!   -> engine::run (database; progress events arrive on a channel and are
//!      patched into status step by step)
//!   -> status::compute (pure)
//!   -> patch status only if it differs, timestamps aside (client)
//!   -> events, metrics, one log line, the next Action
//! ```
//!
//! Requeue: Ready is re-checked every [`Context::recheck`] (default
//! [`RECHECK`]) with ±10 % jitter so a thousand resources spread out;
//! Blocked and AwaitingApproval wait for a change to the resource or its
//! inputs; Pending retries with [`backoff`]; Failed goes to the error
//! policy, which uses the same backoff.

use super::dereference::{dereference, DereferenceError};
use crate::db::pool::Pools;
use crate::engine::{self, Done, EngineError, Input, Report};
use crate::executor::Event;
use crate::outcome::{Class, Classify, Disposition, Reason};
use crate::plan::Plan;
use crate::redact::redact;
use crate::resource::{self, DatabaseSchema, DatabaseSchemaStatus, LastApplied};
use crate::status::{self, Observed, Outcome};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::api::{Api, Patch, PatchParams};
use kube::runtime::controller::Action;
use kube::runtime::events::{Event as KubeEvent, EventType, Recorder};
use kube::{Client, Resource, ResourceExt};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How often a Ready resource is checked again by default: often enough to
/// notice a database changed by hand within minutes, rarely enough that a
/// thousand resources cost about three one-row reads a second.
pub const RECHECK: Duration = Duration::from_secs(300);

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
    /// The database connections, bounded per server.
    pub pools: Arc<Pools>,
    /// Failed or pending attempts per `namespace/name`, for the backoff.
    pub attempts: Mutex<std::collections::HashMap<String, u32>>,
    /// Set on SIGTERM: running plans stop after their current step.
    pub shutdown: Arc<AtomicBool>,
    /// How often a Ready resource is checked again.
    pub recheck: Duration,
}

impl Context {
    /// A context with fresh metrics, no attempts, no shutdown and the
    /// default recheck interval.
    pub fn new(
        client: Client,
        recorder: Recorder,
        applied_by: String,
        pools: Arc<Pools>,
    ) -> Context {
        Context {
            client,
            recorder,
            applied_by,
            metrics: Arc::default(),
            pools,
            attempts: Mutex::default(),
            shutdown: Arc::default(),
            recheck: RECHECK,
        }
    }

    /// Counts one more attempt of `key`; returns how many came before.
    pub fn next_attempt(&self, key: &str) -> u32 {
        let mut a = self.attempts.lock().unwrap_or_else(|p| p.into_inner());
        let n = a.entry(key.to_owned()).or_insert(0);
        *n += 1;
        *n - 1
    }

    /// Forgets what the process keeps for a deleted DatabaseSchema: its
    /// backoff count and its metric series. Called from the watch, so that
    /// 1,000 resources created and deleted over and over keep nothing.
    pub fn forget(&self, namespace: &str, name: &str) {
        self.reset_attempts(&format!("{namespace}/{name}"));
        self.metrics.forget_resource(namespace, name);
    }

    fn reset_attempts(&self, key: &str) {
        self.attempts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
    }
}

/// Why a reconcile returned an error (the error policy backs off).
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    /// The API server failed (reading inputs or writing status).
    #[error("Kubernetes API: {0}")]
    Kube(#[from] kube::Error),
    /// A step ran and failed; the status says which.
    #[error("{}", redact(&.0.to_string()))]
    Run(#[from] EngineError),
}

/// Reconciles one DatabaseSchema.
///
/// # Errors
/// [`ReconcileError::Kube`] when the API server failed, and
/// [`ReconcileError::Run`] when a step failed (status Failed, written).
/// Blocked, AwaitingApproval and Pending are not errors: they are written
/// to status and answered with an [`Action`].
pub async fn reconcile(
    obj: Arc<DatabaseSchema>,
    ctx: Arc<Context>,
) -> Result<Action, ReconcileError> {
    let t0 = Instant::now();
    let ns = obj.namespace().unwrap_or_else(|| "default".into());
    let key = format!("{ns}/{}", obj.name_any());
    let api: Api<DatabaseSchema> = Api::namespaced(ctx.client.clone(), &ns);
    let old = obj.status.clone().unwrap_or_default();
    let mut writer = StatusWriter {
        api: &api,
        obj: &obj,
        ctx: &ctx,
        last: old.clone(),
    };
    let generation = obj.metadata.generation;

    if obj.spec.suspend {
        let status = status::compute(
            &old,
            &Outcome::Suspended,
            &observed(generation, None),
            now(),
        );
        writer.write_if_changed(status).await?;
        return Ok(Action::await_change());
    }
    // 1. dereference (client)
    let inputs = match dereference(&ctx.client, &obj).await {
        Ok(i) => i,
        Err(DereferenceError::Api(e)) => {
            ctx.metrics.reconciled("error", t0.elapsed());
            return Err(e.into());
        }
        Err(e) => {
            let outcome = Outcome::stopped(e.class(), redact(&e.to_string()));
            let status = status::compute(&old, &outcome, &observed(generation, None), now());
            let changed = writer.write_if_changed(status).await?;
            return finish(&ctx, &writer, &key, t0, Some(e.class()), changed, None).await;
        }
    };
    // 2. the engine (database), progress patched as steps finish
    let annotations = obj.annotations();
    let input = Input {
        spec: &obj.spec,
        files: &inputs.files,
        old: &old,
        generation,
        url: &inputs.url,
        approved_plan: annotations.get(resource::APPROVED_PLAN_ANNOTATION).cloned(),
        retry: annotations.get(resource::RETRY_ANNOTATION).cloned(),
        applied_by: ctx.applied_by.clone(),
        stop: Some(ctx.shutdown.clone()),
        accept_drift: annotations.get(resource::ACCEPT_DRIFT_ANNOTATION).cloned(),
    };
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let run = engine::run(&ctx.pools, input, move |e| {
        let _ = tx.send(e);
    });
    let progress = async {
        let mut planned: Option<Plan> = None;
        // Long plans are reported at most once per status::PROGRESS_INTERVAL.
        let mut reported = std::time::Instant::now();
        let mut unreported = 0usize;
        while let Some(e) = rx.recv().await {
            match e {
                Event::Planned(p) => {
                    writer
                        .event(
                            EventType::Normal,
                            "PlanComputed",
                            "Plan",
                            format!("{} step(s), plan {}", p.steps.len(), p.hash),
                        )
                        .await;
                    let s = status::migrating(
                        &writer.last,
                        &p,
                        &p.final_heads,
                        0,
                        None,
                        generation,
                        now(),
                    );
                    // Progress is best effort: the final status is written below.
                    let _ = writer.write_if_changed(s).await;
                    planned = Some(p);
                }
                Event::StepStarted { .. } => {}
                Event::LockWaiting { holder, timeout } => {
                    let message = crate::executor::waiting_message(holder.as_deref(), timeout);
                    let s = status::waiting(&writer.last, &message, generation, now());
                    // Best effort, as progress: the final status is written below.
                    let _ = writer.write_if_changed(s).await;
                }
                Event::StepFinished {
                    index,
                    step,
                    duration,
                    ..
                } => {
                    let dir = step.direction.as_str();
                    ctx.metrics.step(dir, duration);
                    if !status::progress_due(index, reported.elapsed()) {
                        unreported += 1;
                        continue;
                    }
                    let earlier = match unreported {
                        0 => String::new(),
                        n => format!("; {n} step(s) before it since the last event"),
                    };
                    reported = std::time::Instant::now();
                    unreported = 0;
                    writer
                        .event(
                            EventType::Normal,
                            "StepApplied",
                            &format!("{dir} {}", step.revision),
                            format!(
                                "{dir} {} ({} ms{earlier})",
                                step.revision,
                                duration.as_millis()
                            ),
                        )
                        .await;
                    let last = LastApplied::finished(&step.revision, step.direction, duration);
                    if let Some(p) = &planned {
                        let s = status::migrating(
                            &writer.last,
                            p,
                            &p.final_heads,
                            index + 1,
                            Some(last),
                            generation,
                            now(),
                        );
                        let _ = writer.write_if_changed(s).await;
                    }
                }
            }
        }
    };
    let (report, ()) = tokio::join!(run, progress);

    // 3. status (pure), 4. written only when it changed (client)
    let drifted_before = drift_true(&writer.last);
    let status = report.status(&writer.last, generation, now());
    if let Some(d) = &report.drift {
        let (ns, name) = (obj.namespace().unwrap_or_default(), obj.name_any());
        ctx.metrics.schema_drift(&ns, &name, d.drifted());
        if d.drifted() && !drifted_before {
            writer
                .event(
                    EventType::Warning,
                    status::SCHEMA_DRIFT,
                    "DriftCheck",
                    d.message(),
                )
                .await;
        }
    }
    let changed = writer.write_if_changed(status).await?;
    let class = report.class();
    let action = finish(&ctx, &writer, &key, t0, class, changed, Some(&report)).await?;
    match report.result {
        Err(e) if class.is_some_and(|c| c.disposition == Disposition::Failed) => {
            Err(ReconcileError::Run(e))
        }
        _ => Ok(action),
    }
}

/// Whether a status says the live schema drifted.
fn drift_true(s: &DatabaseSchemaStatus) -> bool {
    s.conditions
        .iter()
        .any(|c| c.type_ == status::SCHEMA_DRIFT && c.status == "True")
}

/// Events, metrics, the log line and the next action, from how it ended.
async fn finish(
    ctx: &Context,
    writer: &StatusWriter<'_>,
    key: &str,
    t0: Instant,
    class: Option<Class>,
    changed: bool,
    report: Option<&Report>,
) -> Result<Action, ReconcileError> {
    let status = &writer.last;
    let steps = report.map_or(0, |r| r.completed);
    let summary = report
        .and_then(|r| r.planned.as_ref())
        .map(plan_summary)
        .unwrap_or_default();
    if changed || steps > 0 {
        // The log line describes this run: the status message of a run
        // that ran nothing can still tell of the last one that did.
        let message = match report.map(|r| &r.result) {
            Some(Ok(_)) if steps == 0 => "no step ran: the database is at the target",
            _ => status.message.as_str(),
        };
        tracing::info!(
            resource = %key,
            phase = ?status.phase,
            plan = %summary,
            steps,
            duration_ms = u64::try_from(t0.elapsed().as_millis()).unwrap_or(u64::MAX),
            message = %message,
            "reconciled"
        );
    } else {
        tracing::debug!(resource = %key, phase = ?status.phase, "reconciled: nothing to do");
    }
    let Some(class) = class else {
        ctx.reset_attempts(key);
        ctx.metrics.reconciled("ready", t0.elapsed());
        let suspended = matches!(report.map(|r| &r.result), Some(Ok(Done::Suspended)));
        return Ok(if suspended {
            Action::await_change()
        } else {
            Action::requeue(jittered(ctx.recheck))
        });
    };
    ctx.metrics
        .reconciled(class.disposition.metric_label(), t0.elapsed());
    if class.disposition != Disposition::AwaitingApproval {
        ctx.metrics.failed(class.reason.as_str());
    }
    if changed {
        let kind = if class.warns() {
            EventType::Warning
        } else {
            EventType::Normal
        };
        let reason = class.event_reason();
        writer
            .event(kind, reason, class.reason.as_str(), status.message.clone())
            .await;
    }
    match class.disposition {
        // Reverting a change by hand is no watch event: a resource blocked
        // by live drift keeps its periodic recheck, so the revert unblocks it.
        Disposition::Blocked if class.reason == Reason::SchemaDrift => {
            ctx.reset_attempts(key);
            Ok(Action::requeue(jittered(ctx.recheck)))
        }
        Disposition::Blocked | Disposition::AwaitingApproval => {
            ctx.reset_attempts(key);
            Ok(Action::await_change())
        }
        Disposition::Pending => Ok(Action::requeue(backoff(ctx.next_attempt(key)))),
        // The caller returns the typed error; the error policy backs off.
        Disposition::Failed => Ok(Action::await_change()),
    }
}

/// `up a, up b, down c` (the first few steps, then how many more).
fn plan_summary(p: &Plan) -> String {
    const SHOWN: usize = 5;
    let mut parts: Vec<String> = p
        .steps
        .iter()
        .take(SHOWN)
        .map(|s| format!("{} {}", s.direction.as_str(), s.revision))
        .collect();
    if p.steps.len() > SHOWN {
        parts.push(format!("+{} more", p.steps.len() - SHOWN));
    }
    parts.join(", ")
}

fn observed(generation: Option<i64>, digest: Option<String>) -> Observed {
    Observed {
        generation,
        source_digest: digest,
        retry: None,
        drift: None,
        drift_off: false,
    }
}

fn now() -> Time {
    Time(k8s_openapi::jiff::Timestamp::now())
}

/// Writes status and events for one object, remembering what it wrote.
struct StatusWriter<'a> {
    api: &'a Api<DatabaseSchema>,
    obj: &'a DatabaseSchema,
    ctx: &'a Context,
    /// The status as the API server has it (as far as this reconcile knows).
    last: DatabaseSchemaStatus,
}

impl StatusWriter<'_> {
    /// Writes `status` with server-side apply when it differs from the last
    /// one (timestamps aside); returns whether it wrote.
    async fn write_if_changed(
        &mut self,
        status: DatabaseSchemaStatus,
    ) -> Result<bool, kube::Error> {
        if !status::differs(&self.last, &status) {
            return Ok(false);
        }
        let patch = serde_json::json!({
            "apiVersion": resource::API_VERSION,
            "kind": resource::KIND,
            "status": status,
        });
        let pp = PatchParams::apply(FIELD_MANAGER).force();
        self.api
            .patch_status(&self.obj.name_any(), &pp, &Patch::Apply(&patch))
            .await?;
        self.last = status;
        Ok(true)
    }

    /// Publishes an event about the object (best effort: an event that
    /// cannot be written must not fail the reconcile). Events with the same
    /// type, reason and `action` are aggregated into one series by the
    /// recorder, so a step's event names the step in its action.
    async fn event(&self, type_: EventType, reason: &str, action: &str, note: String) {
        publish(
            &self.ctx.recorder,
            &self.obj.object_ref(&()),
            type_,
            reason,
            action,
            &note,
        )
        .await;
    }
}

/// Publishes an event about `regarding` with `note` redacted, best effort:
/// an event that cannot be written never fails a reconcile.
pub async fn publish(
    recorder: &Recorder,
    regarding: &k8s_openapi::api::core::v1::ObjectReference,
    type_: EventType,
    reason: &str,
    action: &str,
    note: &str,
) {
    let ev = KubeEvent {
        type_,
        reason: reason.into(),
        note: Some(redact(note)),
        action: action.into(),
        secondary: None,
    };
    let _ = recorder.publish(&ev, regarding).await;
}

/// 5 s doubling to a 5-minute cap: quick recovery from a restarted
/// database, and no more than one retry per recheck for a broken one.
const BACKOFF_BASE: Duration = Duration::from_secs(5);
const BACKOFF_CAP: Duration = Duration::from_secs(300);

/// The delay before retry number `attempt` (0-based) of a transient or
/// failed reconcile: capped exponential backoff with ±20 % jitter, so that
/// resources that failed together do not retry together.
pub fn backoff(attempt: u32) -> Duration {
    let base = BACKOFF_BASE.saturating_mul(1u32 << attempt.min(6));
    jitter(base.min(BACKOFF_CAP), 0.2)
}

/// `interval` with ±10 % jitter: a thousand Ready resources re-checked
/// every interval spread over it instead of arriving together.
pub fn jittered(interval: Duration) -> Duration {
    jitter(interval, 0.1)
}

fn jitter(d: Duration, spread: f64) -> Duration {
    d.mul_f64(1.0 - spread + 2.0 * spread * fastrand::f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped_within_its_jitter() {
        for (attempt, secs) in [
            (0, 5.0),
            (1, 10.0),
            (2, 20.0),
            (5, 160.0),
            (6, 300.0),
            (9, 300.0),
        ] {
            for _ in 0..50 {
                let d = backoff(attempt).as_secs_f64();
                assert!(
                    d >= secs * 0.8 - 1e-9 && d <= secs * 1.2 + 1e-9,
                    "attempt {attempt}: {d}s"
                );
            }
        }
    }

    #[test]
    fn rechecks_spread_around_the_interval() {
        let samples: Vec<f64> = (0..200).map(|_| jittered(RECHECK).as_secs_f64()).collect();
        assert!(samples.iter().all(|s| (270.0..=330.0).contains(s)));
        let min = samples.iter().cloned().fold(f64::MAX, f64::min);
        let max = samples.iter().cloned().fold(f64::MIN, f64::max);
        assert!(max - min > 10.0, "jitter spreads: {min}..{max}");
    }

    #[test]
    fn the_reconcile_future_is_send() {
        // Compile-time: Controller::run needs it, and so does a
        // multi-threaded runtime.
        fn is_send<T: Send>(_: &T) {}
        let _ = |obj: Arc<DatabaseSchema>, ctx: Arc<Context>| {
            let fut = reconcile(obj, ctx);
            is_send(&fut);
        };
    }
}
