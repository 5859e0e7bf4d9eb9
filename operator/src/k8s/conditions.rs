//! kstatus conditions (Ready, Reconciling, Stalled) from a status. Pure.
//!
//! Flux health checks and `kubectl wait --for=condition=Ready` read these.
//! A condition whose status did not change keeps its `lastTransitionTime`,
//! so an unchanged status never causes a write.

use crate::resource::Phase;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};

/// The three conditions for `phase` at `generation`, keeping the
/// transition times of `old` conditions whose status is unchanged.
pub fn conditions(
    phase: Phase,
    message: &str,
    generation: Option<i64>,
    old: &[Condition],
    now: Time,
) -> Vec<Condition> {
    let (ready, reconciling, stalled, reason) = match phase {
        Phase::Ready => (true, false, false, "Ready"),
        Phase::Pending | Phase::Planning | Phase::Migrating => (false, true, false, "Progressing"),
        Phase::AwaitingApproval => (false, false, false, "AwaitingApproval"),
        Phase::Blocked => (false, false, true, "Blocked"),
        Phase::Failed => (false, true, false, "Failed"),
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

    fn t(s: i64) -> Time {
        Time(k8s_openapi::jiff::Timestamp::from_second(s).unwrap())
    }

    #[test]
    fn ready_sets_ready_true_and_the_others_false() {
        let c = conditions(Phase::Ready, "at target", Some(3), &[], t(10));
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
    fn blocked_is_stalled() {
        let c = conditions(Phase::Blocked, "downgrade", Some(1), &[], t(10));
        assert_eq!(c[2].status, "True");
        assert_eq!(c[0].status, "False");
    }

    #[test]
    fn unchanged_conditions_keep_their_transition_time() {
        let first = conditions(Phase::Migrating, "", Some(1), &[], t(10));
        let second = conditions(Phase::Ready, "", Some(1), &first, t(20));
        // Ready flipped: new time. Stalled stayed False: old time.
        assert_eq!(second[0].last_transition_time, t(20));
        assert_eq!(second[2].last_transition_time, t(10));
    }
}
