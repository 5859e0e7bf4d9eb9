//! `revisor approve --set NAME`: which of a set's children to approve.
//! Pure.
//!
//! With `approval: Manual` in a set's template, every child waits for its
//! own approval (SPEC.md, "Fleets"). The canary's plan is the one a person
//! reviews; approving the set approves every other child waiting on the
//! same plan (equal plan hash: the same steps from the same revisions), and
//! no child whose plan differs (a database that drifted, or is at another
//! revision), which still needs `revisor approve CHILD`.

use crate::resource::Phase;

/// A child as the rule reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Waiting {
    /// The DatabaseSchema's name.
    pub name: String,
    /// Its Secret (label `revisor.dev/secret`): the rollout's order.
    pub secret: String,
    /// `status.phase`.
    pub phase: Phase,
    /// `status.plan.hash`, if the status has a plan.
    pub plan: Option<String>,
    /// The `revisor.dev/approved-plan` annotation.
    pub approved: Option<String>,
}

/// What `approve --set` does: the canary's plan hash and the children to
/// approve with it, in rollout order.
#[derive(Debug, Clone, PartialEq)]
pub struct SetApproval {
    /// The canary's plan hash.
    pub hash: String,
    /// The canary child it was read from.
    pub canary: String,
    /// The children AwaitingApproval on that plan and not yet approved.
    pub approve: Vec<String>,
    /// The children AwaitingApproval on another plan (left alone).
    pub differing: Vec<String>,
}

/// The children to approve, given the set's `canary` count.
///
/// The canary is the first child in Secret-name order (the rollout's);
/// its plan is the one it awaits approval for, or, once it has run, the
/// one its `revisor.dev/approved-plan` annotation names.
///
/// # Errors
/// A message when the set has no canary (`canary: 0`: approve children one
/// by one), no children, or a canary with no plan to go by.
pub fn children_to_approve(canary: u32, children: &[Waiting]) -> Result<SetApproval, String> {
    if canary == 0 {
        return Err(
            "the set has no canary (rollout.canary: 0), so no plan to go by: approve its children one by one"
                .into(),
        );
    }
    let mut ordered: Vec<&Waiting> = children.iter().collect();
    ordered.sort_by(|a, b| a.secret.cmp(&b.secret).then(a.name.cmp(&b.name)));
    let first = ordered
        .first()
        .ok_or_else(|| "the set has no children yet".to_owned())?;
    let hash = match first.phase {
        Phase::AwaitingApproval => first.plan.clone(),
        _ => first.approved.clone(),
    }
    .filter(|h| !h.is_empty())
    .ok_or_else(|| {
        format!(
            "the canary {} is {:?} with no plan awaiting approval and none approved: nothing to go by",
            first.name, first.phase
        )
    })?;
    let waiting = ordered
        .iter()
        .filter(|c| c.phase == Phase::AwaitingApproval && c.plan.is_some());
    let (same, other): (Vec<&&Waiting>, Vec<&&Waiting>) =
        waiting.partition(|c| c.plan.as_deref() == Some(hash.as_str()));
    Ok(SetApproval {
        canary: first.name.clone(),
        approve: same
            .into_iter()
            .filter(|c| c.approved.as_deref() != Some(hash.as_str()))
            .map(|c| c.name.clone())
            .collect(),
        differing: other.into_iter().map(|c| c.name.clone()).collect(),
        hash,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn child(name: &str, phase: Phase, plan: Option<&str>, approved: Option<&str>) -> Waiting {
        Waiting {
            name: format!("set-{name}"),
            secret: name.into(),
            phase,
            plan: plan.map(Into::into),
            approved: approved.map(Into::into),
        }
    }

    #[test]
    fn a_ready_canary_lends_its_approved_plan_to_the_children_waiting_on_it() {
        let children = [
            child("t3", Phase::AwaitingApproval, Some("h1"), None),
            child("t1", Phase::Ready, Some("h1"), Some("h1")),
            child("t2", Phase::AwaitingApproval, Some("h1"), None),
            child("t4", Phase::AwaitingApproval, Some("h2"), None),
            child("t5", Phase::Pending, None, None),
        ];
        let a = children_to_approve(1, &children).unwrap();
        assert_eq!(a.hash, "h1");
        assert_eq!(a.canary, "set-t1");
        assert_eq!(a.approve, ["set-t2", "set-t3"]);
        assert_eq!(a.differing, ["set-t4"]);
    }

    #[test]
    fn a_waiting_canary_is_approved_with_its_own_plan() {
        let children = [
            child("a", Phase::AwaitingApproval, Some("h"), None),
            child("b", Phase::Ready, Some("old"), Some("old")),
        ];
        let a = children_to_approve(1, &children).unwrap();
        assert_eq!(
            (a.hash.as_str(), a.approve),
            ("h", vec!["set-a".to_owned()])
        );
    }

    #[test]
    fn children_already_approved_are_left_alone() {
        let children = [
            child("a", Phase::Ready, None, Some("h")),
            child("b", Phase::AwaitingApproval, Some("h"), Some("h")),
        ];
        assert!(children_to_approve(1, &children)
            .unwrap()
            .approve
            .is_empty());
    }

    #[test]
    fn no_canary_or_no_plan_is_refused() {
        let children = [child("a", Phase::AwaitingApproval, Some("h"), None)];
        assert!(children_to_approve(0, &children)
            .unwrap_err()
            .contains("no canary"));
        assert!(children_to_approve(1, &[])
            .unwrap_err()
            .contains("no children"));
        let pending = [child("a", Phase::Pending, None, None)];
        assert!(children_to_approve(1, &pending)
            .unwrap_err()
            .contains("nothing to go by"));
    }
}
