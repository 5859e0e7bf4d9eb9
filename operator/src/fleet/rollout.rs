//! The rollout rule of a `DatabaseSchemaSet`: from the selected databases,
//! the children as they are, the resolved target and the last status, which
//! children get the desired spec now and what the set's status says. Pure
//! and stateless: every reconcile decides afresh from what it sees, so a
//! restarted operator, a changed template and a relist all land in the
//! same place.
//!
//! The rule (SPEC.md, "Fleets"):
//! - databases are taken in Secret-name order; the first `canary` are the
//!   canary;
//! - a child is *updated* when its spec is the set's desired spec (template,
//!   resolved target, its Secret); a database without a child is not;
//! - while a canary is not Ready at the target, only canaries start;
//! - after that, databases start in order while fewer than `maxParallel`
//!   of the set's children are unsettled (no status for their generation
//!   yet, Pending, Planning, Migrating or AwaitingApproval), whatever
//!   target they are moving to; the bound holds for the canary too (a
//!   child already running takes no second slot when it gets a newer
//!   spec);
//! - a child Failed or Blocked at the target halts the rollout under
//!   `failurePolicy: Halt`, and a failed canary under either policy; a new
//!   `revisor.dev/retry` value lets the rollout pass the failures it sees
//!   (listed in `status.resumed` until the target changes);
//! - a changed template is a new desired spec: the canary goes first again,
//!   and databases not yet reached keep what they have.

use super::{
    DatabaseCounts, DatabaseFailure, DatabaseSchemaSetStatus, FailurePolicy, Rollout, SetPhase,
    FAILURES_SHOWN,
};
use crate::resource::Phase;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use std::collections::{BTreeSet, HashMap};

/// A child as the rule needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Child {
    /// The DatabaseSchema's name.
    pub name: String,
    /// The Secret its database URL is in.
    pub secret: String,
    /// Whether its spec is the set's desired spec for that Secret.
    pub updated: bool,
    /// `metadata.generation`.
    pub generation: Option<i64>,
    /// Its status, if it has one.
    pub status: Option<ChildStatus>,
}

/// The part of a child's status the rule reads.
#[derive(Debug, Clone, PartialEq)]
pub struct ChildStatus {
    /// `status.phase`.
    pub phase: Phase,
    /// `status.observedGeneration`.
    pub observed_generation: Option<i64>,
    /// `status.targetRevisions`.
    pub target_revisions: Vec<String>,
    /// `status.message`.
    pub message: String,
}

/// What a child is doing, as the rule sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Ready at the set's target with the desired spec.
    Done,
    /// Not settled: no status for its generation yet, Pending, Planning,
    /// Migrating, or AwaitingApproval (counted apart).
    Running { awaiting_approval: bool },
    /// Settled and not updated (Ready at an older spec), or no child.
    Idle,
    /// Failed or Blocked.
    Failing { blocked: bool },
}

fn state(child: Option<&Child>, target: &[String]) -> State {
    let Some(c) = child else {
        return State::Idle;
    };
    let Some(s) = &c.status else {
        return State::Running {
            awaiting_approval: false,
        };
    };
    if s.observed_generation < c.generation {
        return State::Running {
            awaiting_approval: false,
        };
    }
    match s.phase {
        Phase::Ready if c.updated && same_ids(&s.target_revisions, target) => State::Done,
        Phase::Ready => State::Idle,
        Phase::Failed => State::Failing { blocked: false },
        Phase::Blocked => State::Failing { blocked: true },
        Phase::AwaitingApproval => State::Running {
            awaiting_approval: true,
        },
        Phase::Pending | Phase::Planning | Phase::Migrating => State::Running {
            awaiting_approval: false,
        },
    }
}

fn same_ids(a: &[String], b: &[String]) -> bool {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort();
    b.sort();
    a == b
}

/// Everything one decision reads.
#[derive(Debug)]
pub struct Input<'a> {
    /// `spec.rollout`.
    pub rollout: &'a Rollout,
    /// The template's target resolved to revision ids.
    pub target: &'a [String],
    /// The selected databases (matching Secrets' names), in any order.
    pub databases: &'a [String],
    /// The set's children, selected or not.
    pub children: &'a [Child],
    /// The status the set has now.
    pub old: &'a DatabaseSchemaSetStatus,
    /// The `revisor.dev/retry` annotation's value.
    pub retry: Option<&'a str>,
    /// The set's `metadata.generation`.
    pub generation: Option<i64>,
}

/// What to do.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Secrets whose child is created or given the desired spec now, in
    /// order.
    pub start: Vec<String>,
    /// Whether `start` is the canary.
    pub canary: bool,
    /// Children whose Secret no longer matches: the set lets go of them
    /// (orphaned, never deleted).
    pub release: Vec<String>,
    /// The set's new status.
    pub status: DatabaseSchemaSetStatus,
}

/// Decides one step of the rollout at time `now` (for condition
/// transition times).
pub fn decide(input: &Input<'_>, now: Time) -> Decision {
    let mut databases: Vec<&String> = input.databases.iter().collect();
    databases.sort();
    databases.dedup();
    let selected: BTreeSet<&str> = databases.iter().map(|s| s.as_str()).collect();
    let by_secret: HashMap<&str, &Child> = input
        .children
        .iter()
        .map(|c| (c.secret.as_str(), c))
        .collect();
    let release: Vec<String> = input
        .children
        .iter()
        .filter(|c| !selected.contains(c.secret.as_str()))
        .map(|c| c.name.clone())
        .collect();
    let same_target = same_ids(&input.old.target_revisions, input.target);
    let mut resumed: BTreeSet<String> = if same_target {
        input.old.resumed.iter().cloned().collect()
    } else {
        BTreeSet::new()
    };
    let retried = input
        .retry
        .filter(|r| input.old.last_retry.as_deref() != Some(*r));

    let states: Vec<(&str, State, bool)> = databases
        .iter()
        .map(|d| {
            let child = by_secret.get(d.as_str()).copied();
            let updated = child.is_some_and(|c| c.updated);
            (d.as_str(), state(child, input.target), updated)
        })
        .collect();
    if retried.is_some() {
        for (d, s, updated) in &states {
            if *updated && matches!(s, State::Failing { .. }) {
                resumed.insert((*d).to_owned());
            }
        }
    }
    let canaries = (input.rollout.canary as usize).min(states.len());
    let failing_at_target: Vec<(usize, &str)> = states
        .iter()
        .enumerate()
        .filter(|(_, (d, s, updated))| {
            *updated && matches!(s, State::Failing { .. }) && !resumed.contains(*d)
        })
        .map(|(i, (d, _, _))| (i, *d))
        .collect();
    let halted = failing_at_target
        .iter()
        .any(|(i, _)| input.rollout.failure_policy == FailurePolicy::Halt || *i < canaries);
    let running = states
        .iter()
        .filter(|(_, s, _)| matches!(s, State::Running { .. }))
        .count();
    let mut slots = (input.rollout.max_parallel as usize).saturating_sub(running);
    let canary_done = states[..canaries].iter().all(|(d, s, updated)| {
        *updated
            && (*s == State::Done || (matches!(s, State::Failing { .. }) && resumed.contains(*d)))
    });
    let candidates = if canary_done {
        &states[canaries..]
    } else {
        &states[..canaries]
    };
    let mut start = Vec::new();
    if !halted {
        for (d, s, updated) in candidates {
            if *updated {
                continue;
            }
            // A child already running (toward an older spec) takes no new slot.
            if !matches!(s, State::Running { .. }) {
                if slots == 0 {
                    break;
                }
                slots -= 1;
            }
            start.push((*d).to_owned());
        }
    }

    let mut counts = DatabaseCounts {
        total: states.len(),
        ..Default::default()
    };
    let mut failures = Vec::new();
    for (d, s, updated) in &states {
        let started = *updated || start.iter().any(|x| x == d);
        match s {
            State::Done => counts.ready += 1,
            State::Failing { blocked } => {
                if *blocked {
                    counts.blocked += 1
                } else {
                    counts.failed += 1
                }
                if failures.len() < FAILURES_SHOWN {
                    let c = by_secret[d];
                    let status = c.status.as_ref();
                    failures.push(DatabaseFailure {
                        database: (*d).to_owned(),
                        database_schema: c.name.clone(),
                        phase: if *blocked { "Blocked" } else { "Failed" }.into(),
                        message: crate::redact::redact(status.map_or("", |s| &s.message)),
                    });
                }
            }
            State::Idle if !started => counts.waiting += 1,
            State::Running {
                awaiting_approval: true,
            } => counts.awaiting_approval += 1,
            State::Running { .. } | State::Idle => counts.progressing += 1,
        }
    }
    let target_text = if input.target.is_empty() {
        "base".to_owned()
    } else {
        input.target.join(", ")
    };
    let all_done = counts.ready == counts.total;
    let (phase, message) = if halted {
        let names: Vec<&str> = failing_at_target.iter().take(5).map(|(_, d)| *d).collect();
        let more = failing_at_target.len().saturating_sub(names.len());
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        (
            SetPhase::Halted,
            format!(
                "halted: {}{more} failed at {target_text} (see status.failures); fix the cause and annotate revisor.dev/retry, or change the set",
                names.join(", ")
            ),
        )
    } else if all_done {
        (
            SetPhase::Ready,
            format!("{} database(s) at {target_text}", counts.total),
        )
    } else {
        let stage = if canary_done { "waves" } else { "canary" };
        (
            SetPhase::Progressing,
            format!(
                "rolling out {target_text} ({stage}): {} ready, {} migrating, {} awaiting approval, {} waiting, {} failed",
                counts.ready,
                counts.progressing,
                counts.awaiting_approval,
                counts.waiting,
                counts.failed + counts.blocked
            ),
        )
    };
    let status = DatabaseSchemaSetStatus {
        observed_generation: input.generation,
        phase,
        target_revisions: input.target.to_vec(),
        summary: format!("{}/{}", counts.ready, counts.total),
        databases: counts,
        failures,
        conditions: conditions(phase, &message, input.generation, input.old, now),
        message,
        last_retry: input
            .retry
            .map(str::to_owned)
            .or_else(|| input.old.last_retry.clone()),
        resumed: resumed.into_iter().collect(),
    };
    Decision {
        canary: !canary_done && !start.is_empty(),
        start,
        release,
        status,
    }
}

/// The status of a set that cannot roll out (its template, migration set
/// or target): phase Blocked with `message`, counts and target kept as
/// they were.
pub fn blocked(
    old: &DatabaseSchemaSetStatus,
    message: String,
    generation: Option<i64>,
    now: Time,
) -> DatabaseSchemaSetStatus {
    DatabaseSchemaSetStatus {
        observed_generation: generation,
        phase: SetPhase::Blocked,
        conditions: conditions(SetPhase::Blocked, &message, generation, old, now),
        message,
        ..old.clone()
    }
}

/// kstatus conditions of a set, as a DatabaseSchema's
/// ([`crate::status::conditions`]): Ready when Ready; Reconciling while
/// Progressing; Stalled when Halted or Blocked.
fn conditions(
    phase: SetPhase,
    message: &str,
    generation: Option<i64>,
    old: &DatabaseSchemaSetStatus,
    now: Time,
) -> Vec<k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition> {
    let (as_schema, reason) = match phase {
        SetPhase::Ready => (Phase::Ready, ""),
        SetPhase::Progressing => (Phase::Migrating, "Progressing"),
        SetPhase::Halted => (Phase::Blocked, "Halted"),
        SetPhase::Blocked => (Phase::Blocked, "Blocked"),
    };
    crate::status::conditions(as_schema, reason, message, generation, &old.conditions, now)
}

/// Whether `new` says anything `old` does not, transition times aside.
pub fn differs(old: &DatabaseSchemaSetStatus, new: &DatabaseSchemaSetStatus) -> bool {
    crate::status::differs_but_in_time(old, new, |s| &mut s.conditions)
}

#[cfg(test)]
mod tests;
