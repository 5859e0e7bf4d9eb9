//! A DatabaseSchema's status as a pure function of the old status and the
//! outcome of a run, and the kstatus conditions. Pure.
//!
//! `revisor apply` prints what [`compute`] returns; the reconciler patches
//! it, and only when [`differs`] says it changed (timestamps aside), so a
//! no-op reconcile never writes and never triggers another watch event.
//!
//! Decisions (README, "The operator"):
//! - Progress keeps the last run's figures (`3/3`) until a new plan starts:
//!   a run with nothing to do keeps the plan, progress, last applied step
//!   and message of the run before it.
//! - A refusal that carries a plan (downgrade without permission, awaiting
//!   approval) shows that plan with progress `0/N`; a transient stop
//!   without one (lock held, database unreachable) keeps the old plan.

use crate::outcome::Class;
use crate::plan::Plan;
use crate::resource::{DatabaseSchemaStatus, LastApplied, Phase, PlanStatus, Progress};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};

/// Steps of a plan whose progress is written, and whose `StepApplied`
/// event is sent, one by one.
pub const STEP_BY_STEP: usize = 20;

/// After [`STEP_BY_STEP`] steps, the least time between two progress
/// writes (and `StepApplied` events). A plan of 10,000 fast steps would
/// otherwise send 10,000 status writes, each a watch event for every
/// watcher, and 10,000 events; client-go's event correlator makes the same
/// call for repeated events.
pub const PROGRESS_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

/// Whether the step at `index` (0-based) that just finished is reported
/// (status written, event sent), `since` the last report.
pub fn progress_due(index: usize, since: std::time::Duration) -> bool {
    index < STEP_BY_STEP || since >= PROGRESS_INTERVAL
}

/// What a run came to, as the status needs it.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// `spec.suspend`: nothing was looked at.
    Suspended,
    /// The database is at the target; `plan` ran (it may have no step).
    Reached {
        /// The plan that ran.
        plan: Plan,
        /// The target, resolved to full ids.
        targets: Vec<String>,
        /// The last step that finished, if any ran.
        last_applied: Option<LastApplied>,
    },
    /// The periodic recheck found the version table at the target and the
    /// inputs unchanged: the status stays as it is.
    UpToDate,
    /// The run stopped short of the target.
    Stopped {
        /// What it means.
        class: Class,
        /// What happened and what to do, redacted.
        message: String,
        /// The target, resolved, when it resolved.
        targets: Option<Vec<String>>,
        /// The version-table rows when it stopped, when known.
        current: Option<Vec<String>>,
        /// The plan that was refused or started, if any.
        plan: Option<Plan>,
        /// Steps of `plan` that finished.
        completed: usize,
        /// The last step that finished, if any ran.
        last_applied: Option<LastApplied>,
        /// Lint findings the policy held or blocked the plan for.
        findings: Vec<crate::lint::Finding>,
    },
}

impl Outcome {
    /// Stopped before any plan: only what it means and what to do.
    pub fn stopped(class: Class, message: String) -> Outcome {
        Outcome::Stopped {
            class,
            message,
            targets: None,
            current: None,
            plan: None,
            completed: 0,
            last_applied: None,
            findings: Vec::new(),
        }
    }
}

/// What the status records of the inputs it was computed from.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// `metadata.generation`.
    pub generation: Option<i64>,
    /// Digest of the inputs (see [`DatabaseSchemaStatus::source_digest`]).
    pub source_digest: Option<String>,
    /// The retry annotation value acted on, if the run acted on one.
    pub retry: Option<String>,
    /// The live drift check of the run (`None`: not checked; the
    /// `SchemaDrift` condition stays as it was).
    pub drift: Option<crate::drift::DriftCheck>,
    /// `spec.drift.policy: Off`: no `SchemaDrift` condition at all.
    pub drift_off: bool,
}

/// The new status after `outcome`, from `old`. Conditions keep their
/// `lastTransitionTime` where their status did not change; `now` stamps
/// the others.
pub fn compute(
    old: &DatabaseSchemaStatus,
    outcome: &Outcome,
    observed: &Observed,
    now: Time,
) -> DatabaseSchemaStatus {
    let mut s = old.clone();
    match outcome {
        Outcome::Suspended => {
            s.message = "suspended: spec.suspend is true".into();
        }
        Outcome::UpToDate => {}
        Outcome::Reached {
            plan,
            targets,
            last_applied,
        } => {
            s.phase = Phase::Ready;
            s.current_revisions = plan.final_heads.clone();
            s.target_revisions = targets.clone();
            s.source_digest = observed.source_digest.clone();
            if plan.steps.is_empty() {
                let finished = old.phase == Phase::Ready
                    || old
                        .progress
                        .as_ref()
                        .is_some_and(|p| p.completed == p.total && p.total > 0);
                if !finished {
                    s.plan = Some(PlanStatus::of(plan));
                    s.progress = Some(Progress::new(0, 0));
                    s.message = "at the target revision".into();
                } else if old.phase != Phase::Ready {
                    s.message = "at the target revision".into();
                }
            } else {
                s.plan = Some(PlanStatus::of(plan));
                s.progress = Some(Progress::new(plan.steps.len(), plan.steps.len()));
                s.last_applied = last_applied.clone().or(s.last_applied);
                s.message = format!("applied {} step(s)", plan.steps.len());
            }
        }
        Outcome::Stopped {
            class,
            message,
            targets,
            current,
            plan,
            completed,
            last_applied,
            findings,
        } => {
            s.phase = class.disposition.into();
            s.message = message.clone();
            if let Some(t) = targets {
                s.target_revisions = t.clone();
            }
            if let Some(c) = current {
                s.current_revisions = c.clone();
            }
            if let Some(p) = plan {
                s.plan = Some(PlanStatus::with_findings(p, findings));
                s.progress = Some(Progress::new(*completed, p.steps.len()));
            }
            if last_applied.is_some() {
                s.last_applied = last_applied.clone();
            }
        }
    }
    s.current_revision = s.current_revisions.join(", ");
    s.observed_generation = observed.generation;
    if observed.retry.is_some() {
        s.last_retry = observed.retry.clone();
    }
    let reason = match outcome {
        Outcome::Stopped { class, .. } => class.reason.as_str(),
        _ => "",
    };
    s.conditions = conditions(
        s.phase,
        reason,
        &s.message,
        observed.generation,
        &old.conditions,
        now.clone(),
    );
    let drift = match &observed.drift {
        _ if observed.drift_off => None,
        Some(d) => Some(drift_condition(
            d,
            observed.generation,
            &old.conditions,
            now,
        )),
        None => old
            .conditions
            .iter()
            .find(|c| c.type_ == SCHEMA_DRIFT)
            .cloned(),
    };
    s.conditions.extend(drift);
    s
}

/// The condition type of live schema drift.
pub const SCHEMA_DRIFT: &str = "SchemaDrift";

/// `SchemaDrift`: True with the changes and the fingerprint that accepts
/// them, or False.
pub fn drift_condition(
    d: &crate::drift::DriftCheck,
    generation: Option<i64>,
    old: &[Condition],
    now: Time,
) -> Condition {
    let (status, reason, message) = if d.drifted() {
        (
            "True",
            "SchemaChanged",
            format!(
                "{}; accept with {}={}",
                d.message(),
                crate::resource::ACCEPT_DRIFT_ANNOTATION,
                d.live_fingerprint
            ),
        )
    } else {
        (
            "False",
            "NoDrift",
            "the live schema is the last snapshot".to_owned(),
        )
    };
    let last = old
        .iter()
        .find(|c| c.type_ == SCHEMA_DRIFT && c.status == status)
        .map(|c| c.last_transition_time.clone());
    Condition {
        type_: SCHEMA_DRIFT.to_owned(),
        status: status.to_owned(),
        reason: reason.to_owned(),
        message,
        observed_generation: generation,
        last_transition_time: last.unwrap_or(now),
    }
}

/// The status while a plan runs: `completed` of its steps done.
pub fn migrating(
    old: &DatabaseSchemaStatus,
    p: &Plan,
    targets: &[String],
    completed: usize,
    last_applied: Option<LastApplied>,
    generation: Option<i64>,
    now: Time,
) -> DatabaseSchemaStatus {
    let mut s = old.clone();
    s.phase = Phase::Migrating;
    s.current_revisions = p.rows_after(completed);
    s.current_revision = s.current_revisions.join(", ");
    s.target_revisions = targets.to_vec();
    s.plan = Some(PlanStatus::of(p));
    s.progress = Some(Progress::new(completed, p.steps.len()));
    if last_applied.is_some() {
        s.last_applied = last_applied;
    }
    s.message = format!(
        "applying step {} of {}",
        (completed + 1).min(p.steps.len()),
        p.steps.len()
    );
    s.observed_generation = generation;
    s.conditions = conditions(s.phase, "", &s.message, generation, &old.conditions, now);
    s
}

/// The status while a run waits for the migration lock another process
/// holds: Pending, saying so and who (SPEC.md).
pub fn waiting(
    old: &DatabaseSchemaStatus,
    message: &str,
    generation: Option<i64>,
    now: Time,
) -> DatabaseSchemaStatus {
    let mut s = old.clone();
    s.phase = Phase::Pending;
    s.message = message.to_owned();
    s.observed_generation = generation;
    s.conditions = conditions(
        s.phase,
        "LockHeld",
        &s.message,
        generation,
        &old.conditions,
        now,
    );
    s
}

/// Whether `new` says anything `old` does not, ignoring the conditions'
/// `lastTransitionTime` (SPEC.md: "The status is patched only when it
/// changed (timestamps aside)").
pub fn differs(old: &DatabaseSchemaStatus, new: &DatabaseSchemaStatus) -> bool {
    differs_but_in_time(old, new, |s| &mut s.conditions)
}

/// Whether `new` differs from `old` once the transition times of the
/// conditions `conditions` finds are set aside: the churn check of every
/// status this operator writes (DatabaseSchema and DatabaseSchemaSet).
pub fn differs_but_in_time<T: Clone + PartialEq>(
    old: &T,
    new: &T,
    conditions: fn(&mut T) -> &mut Vec<Condition>,
) -> bool {
    let strip = |s: &T| {
        let mut s = s.clone();
        for c in conditions(&mut s) {
            c.last_transition_time = Time(k8s_openapi::jiff::Timestamp::UNIX_EPOCH);
        }
        s
    };
    strip(old) != strip(new)
}

/// The three kstatus conditions (Ready, Reconciling, Stalled) for `phase`
/// at `generation`, keeping the transition times of `old` conditions whose
/// status is unchanged. `reason` is the class's PascalCase reason for
/// phases that stopped short; Flux health checks and `kubectl wait
/// --for=condition=Ready` read these.
pub fn conditions(
    phase: Phase,
    reason: &str,
    message: &str,
    generation: Option<i64>,
    old: &[Condition],
    now: Time,
) -> Vec<Condition> {
    let (ready, reconciling, stalled, default_reason) = match phase {
        Phase::Ready => (true, false, false, "Ready"),
        Phase::Pending | Phase::Planning | Phase::Migrating => (false, true, false, "Progressing"),
        Phase::AwaitingApproval => (false, false, false, "AwaitingApproval"),
        Phase::Blocked => (false, false, true, "Blocked"),
        Phase::Failed => (false, true, false, "Failed"),
    };
    let reason = if reason.is_empty() || phase == Phase::Ready {
        default_reason
    } else {
        reason
    };
    [
        ("Ready", ready),
        ("Reconciling", reconciling),
        ("Stalled", stalled),
    ]
    .into_iter()
    .map(|(type_, on)| {
        let status = if on { "True" } else { "False" }.to_owned();
        let last = old
            .iter()
            .find(|c| c.type_ == type_ && c.status == status)
            .map(|c| c.last_transition_time.clone());
        Condition {
            type_: type_.to_owned(),
            status,
            reason: reason.to_owned(),
            message: message.to_owned(),
            observed_generation: generation,
            last_transition_time: last.unwrap_or_else(|| now.clone()),
        }
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::RevisionGraph;
    use crate::plan::{plan, Mode};

    fn t(s: i64) -> Time {
        Time(k8s_openapi::jiff::Timestamp::from_second(s).unwrap())
    }

    fn graph() -> RevisionGraph {
        RevisionGraph::from_files(&[
            ("1.sql", "-- revision: a\n-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n"),
            ("2.sql", "-- revision: b\n-- down_revision: a\n-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n"),
            ("3.sql", "-- revision: c\n-- down_revision: b\n-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n"),
        ])
        .unwrap()
    }

    fn observed() -> Observed {
        Observed {
            generation: Some(2),
            source_digest: Some("d1".into()),
            retry: None,
            drift: None,
            drift_off: false,
        }
    }

    fn reached(from: &[&str], to: &str) -> Outcome {
        let g = graph();
        let cur: Vec<String> = from.iter().map(|s| s.to_string()).collect();
        Outcome::Reached {
            plan: plan(&g, &cur, to, Mode::Declarative).unwrap(),
            targets: vec![to.into()],
            last_applied: None,
        }
    }

    #[test]
    fn the_first_steps_are_reported_one_by_one_then_at_most_once_per_interval() {
        use std::time::Duration;
        let quick = Duration::from_millis(5);
        assert!((0..STEP_BY_STEP).all(|i| progress_due(i, quick)));
        assert!(!progress_due(STEP_BY_STEP, quick));
        assert!(!progress_due(5_000, PROGRESS_INTERVAL - quick));
        assert!(progress_due(5_000, PROGRESS_INTERVAL));
    }

    #[test]
    fn a_long_plan_lists_its_first_steps_and_counts_the_rest() {
        let mut p = plan(&graph(), &[], "c", Mode::Declarative).unwrap();
        let step = p.steps[0].clone();
        p.steps = (0..250)
            .map(|i| crate::plan::Step {
                revision: format!("r{i}"),
                ..step.clone()
            })
            .collect();
        let shown = PlanStatus::of(&p);
        assert_eq!(shown.steps.len(), crate::resource::PLAN_STEPS_SHOWN);
        assert_eq!(shown.omitted_steps, 250 - crate::resource::PLAN_STEPS_SHOWN);
        assert_eq!(shown.steps[0].revision, "r0");
        assert_eq!(shown.hash, p.hash);
        let json = serde_json::to_value(&shown).unwrap();
        assert_eq!(json["omittedSteps"], 150);
        // A short plan says nothing of omitted steps.
        let short = serde_json::to_value(PlanStatus::of(
            &plan(&graph(), &[], "c", Mode::Declarative).unwrap(),
        ))
        .unwrap();
        assert!(short.get("omittedSteps").is_none(), "{short}");
    }

    #[test]
    fn a_run_of_three_steps_shows_three_of_three_and_the_text_current_revision() {
        let s = compute(
            &DatabaseSchemaStatus::default(),
            &reached(&[], "c"),
            &observed(),
            t(10),
        );
        assert_eq!(s.phase, Phase::Ready);
        assert_eq!(s.progress, Some(Progress::new(3, 3)));
        assert_eq!(s.current_revision, "c");
        assert_eq!(s.observed_generation, Some(2));
        assert_eq!(s.source_digest.as_deref(), Some("d1"));
        assert_eq!(s.message, "applied 3 step(s)");
    }

    #[test]
    fn progress_persists_after_ready_and_a_no_op_changes_nothing() {
        let first = compute(
            &DatabaseSchemaStatus::default(),
            &reached(&[], "c"),
            &observed(),
            t(10),
        );
        let again = compute(&first, &reached(&["c"], "c"), &observed(), t(20));
        assert_eq!(again.progress, Some(Progress::new(3, 3)));
        assert_eq!(again.message, "applied 3 step(s)");
        assert!(!differs(&first, &again), "{first:?}\n{again:?}");
        let up_to_date = compute(&first, &Outcome::UpToDate, &observed(), t(30));
        assert!(!differs(&first, &up_to_date));
    }

    #[test]
    fn several_heads_read_as_a_comma_list() {
        let old = DatabaseSchemaStatus {
            current_revisions: vec!["a".into(), "b".into()],
            ..Default::default()
        };
        let s = compute(
            &old,
            &Outcome::stopped(crate::outcome::Reason::LockHeld.class(), "lock".into()),
            &observed(),
            t(1),
        );
        assert_eq!(s.current_revision, "a, b");
        assert_eq!(s.phase, Phase::Pending);
        assert!(s.conditions.iter().all(|c| c.reason == "LockHeld"));
    }

    #[test]
    fn a_failed_step_shows_how_far_it_got() {
        let g = graph();
        let p = plan(&g, &[], "c", Mode::Declarative).unwrap();
        let s = compute(
            &DatabaseSchemaStatus::default(),
            &Outcome::Stopped {
                class: crate::outcome::Reason::StepFailed.class(),
                message: "step up c failed".into(),
                targets: Some(vec!["c".into()]),
                current: Some(p.rows_after(2)),
                plan: Some(p),
                completed: 2,
                last_applied: None,
                findings: Vec::new(),
            },
            &observed(),
            t(1),
        );
        assert_eq!(s.phase, Phase::Failed);
        assert_eq!(s.progress, Some(Progress::new(2, 3)));
        assert_eq!(s.current_revision, "b");
    }

    #[test]
    fn only_timestamps_changing_is_no_difference() {
        let a = compute(
            &DatabaseSchemaStatus::default(),
            &reached(&[], "c"),
            &observed(),
            t(10),
        );
        let mut b = a.clone();
        for c in &mut b.conditions {
            c.last_transition_time = t(99);
        }
        assert!(!differs(&a, &b));
        b.message = "other".into();
        assert!(differs(&a, &b));
    }

    #[test]
    fn ready_sets_ready_true_and_the_others_false() {
        let c = conditions(Phase::Ready, "", "at target", Some(3), &[], t(10));
        let pairs: Vec<(&str, &str)> = c
            .iter()
            .map(|c| (c.type_.as_str(), c.status.as_str()))
            .collect();
        assert_eq!(
            pairs,
            vec![
                ("Ready", "True"),
                ("Reconciling", "False"),
                ("Stalled", "False")
            ]
        );
        assert!(c.iter().all(|c| c.observed_generation == Some(3)));
    }

    #[test]
    fn blocked_is_stalled_with_the_class_reason() {
        let c = conditions(
            Phase::Blocked,
            "DowngradeNotAllowed",
            "downgrade",
            Some(1),
            &[],
            t(10),
        );
        assert_eq!(c[2].status, "True");
        assert_eq!(c[0].status, "False");
        assert_eq!(c[2].reason, "DowngradeNotAllowed");
    }

    #[test]
    fn unchanged_conditions_keep_their_transition_time() {
        let first = conditions(Phase::Migrating, "", "", Some(1), &[], t(10));
        let second = conditions(Phase::Ready, "", "", Some(1), &first, t(20));
        // Ready flipped: new time. Stalled stayed False: old time.
        assert_eq!(second[0].last_transition_time, t(20));
        assert_eq!(second[2].last_transition_time, t(10));
    }
}
