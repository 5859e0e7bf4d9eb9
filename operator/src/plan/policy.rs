//! The refusal rules: whether a plan may run on a database in its current
//! state, under a policy. Pure.
//!
//! One function, [`check`], serves the executor (before it takes the lock,
//! and again under it) and `revisor plan --database`, so a printed plan is
//! exactly what would run. The rules, in the order they are checked:
//!
//! 1. an empty migration set with any target but `base` (SPEC.md: "an empty
//!    migration set with target `head`" is refused);
//! 2. a dirty database: a step that could not be rolled back failed or was
//!    interrupted (until `revisor resolve` or the `revisor.dev/retry`
//!    annotation);
//! 3. drift: an applied revision whose up section changed since it ran;
//! 4. a plan that would apply a revision known only from the history;
//! 5. a declarative plan with down steps without `allowDowngrade`;
//! 6. manual approval, and the plan's hash is not the approved one;
//! 7. lint findings in the plan's up steps that `spec.policy` gates
//!    (destructive and backward-incompatible ones by `destructive`, locking
//!    ones by `lockingRisk`): `Block` refuses the plan, `RequireApproval`
//!    waits for its hash in the approval annotation (which then covers the
//!    findings shown with it);
//! 8. down steps of irreversible revisions;
//! 9. `All` transaction mode on MySQL or with a `transactional: false` step.

use super::{Mode, Plan, StepDirection};
use crate::dialect::Dialect;
use crate::graph::RevisionGraph;
use crate::lint::{self, Finding};
use crate::outcome::{Class, Classify};
use std::collections::BTreeMap;

/// What a plan with findings of one kind needs (`spec.policy`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Gate {
    /// Runs as any plan.
    #[default]
    Allow,
    /// Waits for the plan's hash in `revisor.dev/approved-plan`.
    RequireApproval,
    /// Refused.
    Block,
}

/// A revision whose up section changed after it was applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChecksumMismatch {
    /// The revision.
    pub revision: String,
    /// Checksum recorded when it was applied.
    pub applied: String,
    /// Checksum of the file now.
    pub now: String,
}

/// A step that failed (or died) where it could not be rolled back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirtyStep {
    /// The revision.
    pub revision: String,
    /// `up` or `down`.
    pub direction: String,
    /// Its error, if it got that far.
    pub error: Option<String>,
    /// Whether it has not finished: running in another process (read
    /// without the lock), or dead with its process (read under the lock).
    pub unfinished: bool,
}

/// What the database holds that the rules look at (read by the executor).
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The last dirty step, if any.
    pub dirty: Option<DirtyStep>,
    /// For each revision, the checksum its last successful up step recorded
    /// (revisions stamped or applied by Alembic have none and are not checked).
    pub applied_checksums: BTreeMap<String, String>,
    /// Revisions applied whose files are gone (known from the history).
    pub orphans: Vec<String>,
}

/// What the caller allows.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// The kind of plan (declarative plans need `allow_downgrade` for down steps).
    pub mode: Option<Mode>,
    /// The target expression the plan was made for.
    pub target: String,
    /// Whether a declarative plan may unapply revisions.
    pub allow_downgrade: bool,
    /// Run although applied revisions drifted.
    pub allow_checksum_mismatch: bool,
    /// Ignore a dirty mark: the person says it is repaired (the
    /// `revisor.dev/retry` annotation).
    pub ignore_dirty: bool,
    /// `Some(hash)`: manual approval, only this plan hash runs (`Some("")`
    /// approves nothing). `None`: automatic.
    pub approved_plan: Option<String>,
    /// The whole plan in one transaction.
    pub all_in_one_transaction: bool,
    /// Whether the dialect rolls back DDL (false on MySQL).
    pub transactional_ddl: bool,
    /// The dialect whose lint rules apply (PostgreSQL when unknown).
    pub dialect: Option<Dialect>,
    /// Gate of destructive and backward-incompatible findings.
    pub destructive: Gate,
    /// Gate of locking findings.
    pub locking: Gate,
    /// The hash in the approval annotation, whatever `approval` says: it
    /// releases a plan held for findings.
    pub annotated_hash: Option<String>,
}

/// Why a plan must not run. Each variant names what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// No revisions, and a target that needs one.
    #[error("the migration set is empty, so target `{0}` names no revision; add revision files (or target `base`)")]
    EmptySet(String),
    /// A step failed earlier where it could not be rolled back.
    #[error("the database is dirty: step {} {} failed or was interrupted and may be half-applied{}; fix the database by hand, then run `revisor resolve` (or set the revisor.dev/retry annotation)", .0.direction, .0.revision, .0.error.as_deref().map(|e| format!(" ({e})")).unwrap_or_default())]
    Dirty(DirtyStep),
    /// Applied revisions whose files changed.
    #[error("checksum mismatch: applied revision(s) changed since they were applied: {}; restore the files, or pass --allow-checksum-mismatch", .0.iter().map(|d| d.revision.as_str()).collect::<Vec<_>>().join(", "))]
    ChecksumMismatch(Vec<ChecksumMismatch>),
    /// A plan that would apply a revision whose file is gone.
    #[error("revision {0} is applied from the history only (its file is gone), so it cannot be applied again; restore its file")]
    OrphanUp(String),
    /// A declarative plan with down steps while downgrades are not allowed.
    #[error("the plan unapplies revision(s) {}, which needs allowDowngrade: true", down_ids(.0))]
    DowngradeNotAllowed(Box<Plan>),
    /// Manual approval, and this plan's hash is not the approved one.
    #[error("plan {} awaits approval: approve exactly this hash to run it", .0.hash)]
    AwaitingApproval(Box<Plan>),
    /// A plan that downgrades revisions without down sections.
    #[error("plan refused: it downgrades irreversible revision(s) {} (no `-- migrate:down` section)", .0.join(", "))]
    Irreversible(Vec<String>),
    /// `All` mode where it cannot hold.
    #[error("transaction mode All refused: {0}")]
    AllRefused(String),
    /// Lint findings that `spec.policy` gates.
    #[error("plan {} has {} finding(s) that spec.policy {}: {}", .plan.hash, .findings.len(), if *.block { "blocks" } else { "holds for approval (approve exactly this hash to run it)" }, summary(.findings))]
    Gated {
        /// The plan.
        plan: Box<Plan>,
        /// The findings, in step order.
        findings: Vec<Finding>,
        /// Blocked, rather than awaiting approval.
        block: bool,
    },
}

/// `RV102 r2 line 7 (ALTER TABLE ...); ...`, at most five.
fn summary(findings: &[Finding]) -> String {
    let mut parts: Vec<String> = findings
        .iter()
        .take(5)
        .map(|f| {
            format!(
                "{} in {} line {} ({})",
                f.code, f.revision, f.line, f.statement
            )
        })
        .collect();
    if findings.len() > 5 {
        parts.push(format!("and {} more", findings.len() - 5));
    }
    parts.join("; ")
}

impl Refusal {
    /// The refused plan, for the refusals that carry one.
    pub fn plan(&self) -> Option<&Plan> {
        match self {
            Refusal::DowngradeNotAllowed(p) | Refusal::AwaitingApproval(p) => Some(p),
            Refusal::Gated { plan, .. } => Some(plan),
            _ => None,
        }
    }

    /// The findings a gated plan was held or blocked for.
    pub fn findings(&self) -> &[Finding] {
        match self {
            Refusal::Gated { findings, .. } => findings,
            _ => &[],
        }
    }
}

impl Classify for Refusal {
    fn class(&self) -> Class {
        match self {
            Refusal::EmptySet(_) => crate::outcome::Reason::EmptyMigrationSet.class(),
            Refusal::Dirty(_) => crate::outcome::Reason::Dirty.class(),
            Refusal::ChecksumMismatch(_) => crate::outcome::Reason::ChecksumMismatch.class(),
            Refusal::OrphanUp(_) => crate::outcome::Reason::RevisionFileGone.class(),
            Refusal::DowngradeNotAllowed(_) => crate::outcome::Reason::DowngradeNotAllowed.class(),
            Refusal::AwaitingApproval(_) => crate::outcome::Reason::AwaitingApproval.class(),
            Refusal::Irreversible(_) => crate::outcome::Reason::IrreversibleStep.class(),
            Refusal::AllRefused(_) => crate::outcome::Reason::TransactionModeRefused.class(),
            Refusal::Gated { block: true, .. } => crate::outcome::Reason::PolicyBlocked.class(),
            Refusal::Gated { block: false, .. } => {
                crate::outcome::Reason::FindingsNeedApproval.class()
            }
        }
    }
}

fn down_ids(p: &Plan) -> String {
    let ids: Vec<&str> = p
        .steps
        .iter()
        .filter(|s| s.direction == StepDirection::Down)
        .map(|s| s.revision.as_str())
        .collect();
    ids.join(", ")
}

/// Applied revisions whose checksum differs from the one recorded by their
/// last successful up step.
pub fn checksum_mismatches(
    graph: &RevisionGraph,
    p: &Plan,
    facts: &Facts,
) -> Vec<ChecksumMismatch> {
    let applied = graph.closure(p.from_heads.iter().filter_map(|h| graph.index_of(h)));
    applied
        .ones()
        .filter_map(|i| {
            let rev = graph.rev(i);
            let recorded = facts.applied_checksums.get(&rev.id)?;
            (recorded != &rev.checksum).then(|| ChecksumMismatch {
                revision: rev.id.clone(),
                applied: recorded.clone(),
                now: rev.checksum.clone(),
            })
        })
        .collect()
}

/// Whether the dirty mark alone refuses any run (checked before planning:
/// a dirty database may not even have consistent rows).
///
/// # Errors
/// [`Refusal::Dirty`].
pub fn check_dirty(facts: &Facts, policy: &Policy) -> Result<(), Refusal> {
    match &facts.dirty {
        Some(d) if !policy.ignore_dirty => Err(Refusal::Dirty(d.clone())),
        _ => Ok(()),
    }
}

/// Applies the rules to `p`, planned on `graph` from the database `facts`
/// describe.
///
/// # Errors
/// The first [`Refusal`] in the order of the module docs.
pub fn check(
    graph: &RevisionGraph,
    p: &Plan,
    facts: &Facts,
    policy: &Policy,
) -> Result<(), Refusal> {
    if graph.is_empty() && policy.target.trim() != "base" {
        return Err(Refusal::EmptySet(policy.target.clone()));
    }
    check_dirty(facts, policy)?;
    if !policy.allow_checksum_mismatch {
        let d = checksum_mismatches(graph, p, facts);
        if !d.is_empty() {
            return Err(Refusal::ChecksumMismatch(d));
        }
    }
    if let Some(s) = p
        .steps
        .iter()
        .find(|s| s.direction == StepDirection::Up && facts.orphans.contains(&s.revision))
    {
        return Err(Refusal::OrphanUp(s.revision.clone()));
    }
    if policy.mode == Some(Mode::Declarative) && !policy.allow_downgrade && p.has_down_steps() {
        return Err(Refusal::DowngradeNotAllowed(Box::new(p.clone())));
    }
    if let Some(approved) = &policy.approved_plan {
        if !p.steps.is_empty() && approved != &p.hash {
            return Err(Refusal::AwaitingApproval(Box::new(p.clone())));
        }
    }
    gate(graph, p, policy)?;
    let irreversible = p.irreversible_steps();
    if !irreversible.is_empty() {
        return Err(Refusal::Irreversible(
            irreversible.into_iter().map(str::to_owned).collect(),
        ));
    }
    if policy.all_in_one_transaction {
        if !policy.transactional_ddl {
            return Err(Refusal::AllRefused(
                "MySQL commits DDL implicitly, so a plan cannot be one transaction".into(),
            ));
        }
        if let Some(s) = p.steps.iter().find(|s| !s.transactional) {
            return Err(Refusal::AllRefused(format!(
                "step {} is `transactional: false`",
                s.revision
            )));
        }
    }
    Ok(())
}

/// Lints the plan's up steps (as one plan: tables it creates are new) and
/// applies `spec.policy`'s gates (rule 7 of the module docs).
fn gate(graph: &RevisionGraph, p: &Plan, policy: &Policy) -> Result<(), Refusal> {
    if policy.destructive == Gate::Allow && policy.locking == Gate::Allow {
        return Ok(());
    }
    let dialect = policy.dialect.unwrap_or_default();
    let mut linter = lint::Linter::new(lint::Settings::for_dialect(dialect));
    let mut held = Vec::new();
    let mut block = false;
    for s in p.steps.iter().filter(|s| s.direction == StepDirection::Up) {
        let Some(i) = graph.index_of(&s.revision) else {
            continue;
        };
        let rev = graph.rev(i);
        for f in linter.revision(&rev.file, rev, true) {
            let gate = match f.category() {
                lint::Category::Destructive | lint::Category::Incompatible => policy.destructive,
                lint::Category::Locking => policy.locking,
                _ => Gate::Allow,
            };
            if gate != Gate::Allow {
                block |= gate == Gate::Block;
                held.push(f);
            }
        }
    }
    let approved = policy.annotated_hash.as_deref() == Some(p.hash.as_str())
        || policy.approved_plan.as_deref() == Some(p.hash.as_str());
    if held.is_empty() || (!block && approved) {
        return Ok(());
    }
    Err(Refusal::Gated {
        plan: Box::new(p.clone()),
        findings: held,
        block,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Disposition;
    use crate::plan::plan;

    fn abc() -> RevisionGraph {
        RevisionGraph::from_files(&[
            ("1.sql", "-- revision: a\n-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n"),
            ("2.sql", "-- revision: b\n-- down_revision: a\n-- migrate:up\nSELECT 2;\n"),
            ("3.sql", "-- revision: c\n-- down_revision: b\n-- transactional: false\n-- migrate:up\nSELECT 3;\n-- migrate:down\nSELECT 3;\n"),
        ])
        .unwrap()
    }

    fn declarative(target: &str) -> Policy {
        Policy {
            mode: Some(Mode::Declarative),
            target: target.into(),
            transactional_ddl: true,
            ..Policy::default()
        }
    }

    #[test]
    fn an_empty_set_refuses_head_but_not_base() {
        let g = RevisionGraph::from_files::<&str, &str>(&[]).unwrap();
        let p = plan(&g, &[], "base", Mode::Declarative).unwrap();
        assert_eq!(
            check(&g, &p, &Facts::default(), &declarative("base")),
            Ok(())
        );
        assert!(matches!(
            check(&g, &p, &Facts::default(), &declarative("head")),
            Err(Refusal::EmptySet(t)) if t == "head"
        ));
    }

    #[test]
    fn a_declarative_downgrade_needs_permission() {
        let g = abc();
        let p = plan(&g, &["b".into()], "a", Mode::Declarative).unwrap();
        let refused = check(&g, &p, &Facts::default(), &declarative("a")).unwrap_err();
        assert_eq!(refused.class().reason, "DowngradeNotAllowed");
        let allowed = Policy {
            allow_downgrade: true,
            ..declarative("a")
        };
        // b has no down section: allowed to downgrade, still irreversible.
        assert_eq!(
            check(&g, &p, &Facts::default(), &allowed),
            Err(Refusal::Irreversible(vec!["b".into()]))
        );
    }

    #[test]
    fn approval_pins_the_hash_and_an_empty_plan_needs_none() {
        let g = abc();
        let p = plan(&g, &[], "b", Mode::Declarative).unwrap();
        let manual = |h: &str| Policy {
            approved_plan: Some(h.into()),
            ..declarative("b")
        };
        assert_eq!(
            check(&g, &p, &Facts::default(), &manual("nope"))
                .unwrap_err()
                .class()
                .disposition,
            Disposition::AwaitingApproval
        );
        assert_eq!(check(&g, &p, &Facts::default(), &manual(&p.hash)), Ok(()));
        let none = plan(&g, &["b".into()], "b", Mode::Declarative).unwrap();
        assert_eq!(check(&g, &none, &Facts::default(), &manual("")), Ok(()));
    }

    #[test]
    fn drift_and_dirty_are_refused_unless_allowed() {
        let g = abc();
        let p = plan(&g, &["a".into()], "b", Mode::Declarative).unwrap();
        let facts = Facts {
            applied_checksums: [("a".to_owned(), "old".to_owned())].into(),
            ..Facts::default()
        };
        assert!(
            matches!(check(&g, &p, &facts, &declarative("b")), Err(Refusal::ChecksumMismatch(d)) if d[0].revision == "a")
        );
        let lenient = Policy {
            allow_checksum_mismatch: true,
            ..declarative("b")
        };
        assert_eq!(check(&g, &p, &facts, &lenient), Ok(()));
        let dirty = Facts {
            dirty: Some(DirtyStep {
                revision: "a".into(),
                direction: "up".into(),
                error: None,
                unfinished: false,
            }),
            ..Facts::default()
        };
        assert_eq!(
            check(&g, &p, &dirty, &declarative("b"))
                .unwrap_err()
                .class()
                .reason,
            "Dirty"
        );
        let retry = Policy {
            ignore_dirty: true,
            ..declarative("b")
        };
        assert_eq!(check(&g, &p, &dirty, &retry), Ok(()));
    }

    #[test]
    fn all_mode_is_refused_on_mysql_and_with_a_non_transactional_step() {
        let g = abc();
        let p = plan(&g, &[], "c", Mode::Declarative).unwrap();
        let all = Policy {
            all_in_one_transaction: true,
            ..declarative("c")
        };
        assert!(
            matches!(check(&g, &p, &Facts::default(), &all), Err(Refusal::AllRefused(m)) if m.contains("step c"))
        );
        let mysql = Policy {
            transactional_ddl: false,
            ..all
        };
        let p = plan(&g, &[], "b", Mode::Declarative).unwrap();
        assert!(
            matches!(check(&g, &p, &Facts::default(), &mysql), Err(Refusal::AllRefused(m)) if m.contains("MySQL"))
        );
    }
}

#[cfg(test)]
mod gate_tests {
    use super::*;
    use crate::outcome::Disposition;
    use crate::plan::plan;

    fn set() -> RevisionGraph {
        RevisionGraph::from_files(&[
            ("1.sql", "-- revision: a\n-- migrate:up\nCREATE TABLE t (id INT, note TEXT);\n-- migrate:down\nDROP TABLE t;\n"),
            ("2.sql", "-- revision: b\n-- down_revision: a\n-- migrate:up\nALTER TABLE t DROP COLUMN note;\n-- migrate:down\nALTER TABLE t ADD COLUMN note TEXT;\n"),
        ])
        .unwrap()
    }

    fn with(destructive: Gate, approved: Option<String>) -> Policy {
        Policy {
            mode: Some(Mode::Declarative),
            target: "b".into(),
            transactional_ddl: true,
            destructive,
            approved_plan: approved,
            ..Policy::default()
        }
    }

    #[test]
    fn a_destructive_plan_waits_for_approval_is_blocked_or_runs_as_the_policy_says() {
        let g = set();
        let p = plan(&g, &["a".into()], "b", Mode::Declarative).unwrap();
        let held = check(
            &g,
            &p,
            &Facts::default(),
            &with(Gate::RequireApproval, None),
        )
        .unwrap_err();
        assert_eq!(held.class().disposition, Disposition::AwaitingApproval);
        assert_eq!(held.findings()[0].code, "RV102");
        assert!(held.to_string().contains("RV102 in b"), "{held}");
        assert_eq!(
            check(
                &g,
                &p,
                &Facts::default(),
                &with(Gate::RequireApproval, Some(p.hash.clone()))
            ),
            Ok(())
        );
        let blocked = check(
            &g,
            &p,
            &Facts::default(),
            &with(Gate::Block, Some(p.hash.clone())),
        )
        .unwrap_err();
        assert_eq!(blocked.class().reason, "PolicyBlocked");
        assert_eq!(
            check(&g, &p, &Facts::default(), &with(Gate::Allow, None)),
            Ok(())
        );
        // A plan that also creates the table has nothing to drop from users' data.
        let fresh = plan(&g, &[], "b", Mode::Declarative).unwrap();
        assert_eq!(
            check(&g, &fresh, &Facts::default(), &with(Gate::Block, None)),
            Ok(())
        );
    }
}
