use super::*;

fn t() -> Time {
    Time(k8s_openapi::jiff::Timestamp::UNIX_EPOCH)
}

fn dbs(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("db{i:02}")).collect()
}

const T1: &str = "r1";
const T2: &str = "r2";

/// A child of `secret` that is `updated` (or not) and reports `phase` at
/// its generation, with `at` as its status' target.
fn child(secret: &str, updated: bool, phase: Phase, at: &str) -> Child {
    Child {
        name: format!("set-{secret}"),
        secret: secret.into(),
        updated,
        generation: Some(2),
        status: Some(ChildStatus {
            phase,
            observed_generation: Some(2),
            target_revisions: vec![at.into()],
            message: format!("{phase:?}"),
        }),
    }
}

/// A child just given a new spec: its status is for an older generation.
fn just_started(secret: &str) -> Child {
    let mut c = child(secret, true, Phase::Ready, T1);
    c.generation = Some(3);
    c
}

struct World {
    rollout: Rollout,
    databases: Vec<String>,
    children: Vec<Child>,
    old: DatabaseSchemaSetStatus,
    retry: Option<String>,
}

impl World {
    fn new(n: usize, canary: u32, max_parallel: u32) -> World {
        World {
            rollout: Rollout {
                canary,
                max_parallel,
                failure_policy: FailurePolicy::Halt,
            },
            databases: dbs(n),
            children: Vec::new(),
            old: DatabaseSchemaSetStatus::default(),
            retry: None,
        }
    }

    fn decide(&self, target: &str) -> Decision {
        decide(
            &Input {
                rollout: &self.rollout,
                target: &[target.to_owned()],
                databases: &self.databases,
                children: &self.children,
                old: &self.old,
                retry: self.retry.as_deref(),
                generation: Some(1),
            },
            t(),
        )
    }

    fn set(&mut self, c: Child) {
        self.children.retain(|x| x.secret != c.secret);
        self.children.push(c);
    }

    /// Every database Ready at `target` with the desired spec.
    fn all_at(&mut self, target: &str) {
        for d in self.databases.clone() {
            self.set(child(&d, true, Phase::Ready, target));
        }
    }

    /// The databases started become Ready at `target`; others stay.
    fn finish(&mut self, started: &[String], target: &str) {
        for d in started {
            self.set(child(d, true, Phase::Ready, target));
        }
    }
}

#[test]
fn a_new_set_starts_with_the_canary_alone() {
    let w = World::new(5, 1, 2);
    let d = w.decide(T1);
    assert_eq!(d.start, ["db00"]);
    assert!(d.canary);
    assert_eq!(d.status.phase, SetPhase::Progressing);
    assert_eq!(d.status.databases.waiting, 4);
    assert_eq!(d.status.databases.progressing, 1);
    assert_eq!(d.status.summary, "0/5");
}

#[test]
fn the_canary_must_be_ready_before_any_wave() {
    let mut w = World::new(5, 1, 2);
    w.set(just_started("db00"));
    let d = w.decide(T1);
    assert!(d.start.is_empty(), "{:?}", d.start);
    w.set(child("db00", true, Phase::Migrating, T1));
    assert!(w.decide(T1).start.is_empty());
    w.set(child("db00", true, Phase::AwaitingApproval, T1));
    let d = w.decide(T1);
    assert!(d.start.is_empty());
    assert_eq!(d.status.databases.awaiting_approval, 1);
    w.set(child("db00", true, Phase::Ready, T1));
    let d = w.decide(T1);
    assert_eq!(d.start, ["db01", "db02"]);
    assert!(!d.canary);
}

#[test]
fn waves_never_exceed_max_parallel_running_children() {
    let mut w = World::new(10, 1, 3);
    w.finish(&["db00".into()], T1);
    let mut waves = Vec::new();
    loop {
        let d = w.decide(T1);
        if d.status.phase == SetPhase::Ready {
            break;
        }
        assert!(d.start.len() <= 3);
        // Half of each wave finishes before the next decision; the other
        // half is still migrating and holds its slot.
        let (done, running) = d.start.split_at(d.start.len().div_ceil(2));
        w.finish(done, T1);
        for r in running {
            w.set(child(r, true, Phase::Migrating, T1));
        }
        let busy = w
            .children
            .iter()
            .filter(|c| c.status.as_ref().unwrap().phase == Phase::Migrating)
            .count();
        assert!(busy <= 3, "{busy} running");
        waves.push(d.start.clone());
        if d.start.is_empty() {
            let running: Vec<String> = w
                .children
                .iter()
                .filter(|c| c.status.as_ref().unwrap().phase == Phase::Migrating)
                .map(|c| c.secret.clone())
                .collect();
            w.finish(&running, T1);
        }
        assert!(waves.len() < 50, "no progress: {waves:?}");
    }
    let started: Vec<String> = waves.concat();
    let mut expected = dbs(10);
    expected.remove(0);
    assert_eq!(started, expected, "in Secret-name order, each once");
}

#[test]
fn a_failure_halts_and_a_retry_resumes_past_it() {
    let mut w = World::new(6, 1, 2);
    w.all_at(T1);
    w.set(child("db00", true, Phase::Ready, T2));
    // db00 is the canary, Ready at T2 with the new spec; the others are at T1.
    for d in dbs(6).into_iter().skip(1) {
        w.set(child(&d, false, Phase::Ready, T1));
    }
    assert_eq!(w.decide(T2).start, ["db01", "db02"]);
    w.set(child("db01", true, Phase::Failed, T1));
    w.set(child("db02", true, Phase::Ready, T2));
    let d = w.decide(T2);
    assert_eq!(d.status.phase, SetPhase::Halted);
    assert!(d.start.is_empty());
    assert!(d.status.message.contains("db01"), "{}", d.status.message);
    assert_eq!(d.status.failures.len(), 1);
    assert_eq!(d.status.failures[0].database_schema, "set-db01");
    assert_eq!(d.status.databases.failed, 1);
    let stalled = d.status.conditions.iter().find(|c| c.type_ == "Stalled");
    assert_eq!(stalled.map(|c| c.status.as_str()), Some("True"));
    // The same retry value twice is one retry.
    w.old = d.status;
    w.retry = Some("1".into());
    let d = w.decide(T2);
    assert_eq!(d.status.phase, SetPhase::Progressing);
    assert_eq!(d.start, ["db03", "db04"]);
    assert_eq!(d.status.resumed, ["db01"]);
    assert_eq!(d.status.last_retry.as_deref(), Some("1"));
    // A second failure halts again: the retry passed db01 only.
    w.old = d.status;
    w.set(child("db03", true, Phase::Blocked, T1));
    let d = w.decide(T2);
    assert_eq!(d.status.phase, SetPhase::Halted);
    assert!(
        d.status.message.starts_with("halted: db03 failed"),
        "{}",
        d.status.message
    );
}

#[test]
fn continue_goes_on_around_failures_but_a_failed_canary_halts() {
    let mut w = World::new(4, 1, 1);
    w.rollout.failure_policy = FailurePolicy::Continue;
    w.set(child("db00", true, Phase::Ready, T1));
    w.set(child("db01", true, Phase::Failed, T1));
    let d = w.decide(T1);
    assert_eq!(d.start, ["db02"]);
    assert_eq!(d.status.phase, SetPhase::Progressing);
    w.set(child("db00", true, Phase::Failed, T1));
    let d = w.decide(T1);
    assert_eq!(d.status.phase, SetPhase::Halted, "{}", d.status.message);
    assert!(d.start.is_empty());
}

#[test]
fn a_template_change_mid_rollout_restarts_from_the_canary() {
    let mut w = World::new(5, 1, 2);
    // Rolling out T1: canary and db01 done, db02 migrating, db03/db04 not reached.
    w.set(child("db00", true, Phase::Ready, T1));
    w.set(child("db01", true, Phase::Ready, T1));
    w.set(child("db02", true, Phase::Migrating, T1));
    w.old.target_revisions = vec![T1.into()];
    // The template now says T2: no child has the new spec.
    for c in &mut w.children {
        c.updated = false;
    }
    let d = w.decide(T2);
    assert_eq!(d.start, ["db00"], "the canary first, alone");
    assert!(d.canary);
    assert_eq!(d.status.target_revisions, [T2]);
    assert_eq!(d.status.databases.waiting, 3, "db01, db03, db04");
    assert_eq!(
        d.status.databases.progressing, 2,
        "db00 started, db02 still running"
    );
}

#[test]
fn a_secret_that_stops_matching_is_released_and_no_longer_counted() {
    let mut w = World::new(3, 1, 2);
    w.all_at(T1);
    w.databases.retain(|d| d != "db02");
    let d = w.decide(T1);
    assert_eq!(d.release, ["set-db02"]);
    assert_eq!(d.status.databases.total, 2);
    assert_eq!(d.status.phase, SetPhase::Ready);
    // A new Secret is a new database: it waits for its turn like any other.
    w.databases.push("db09".into());
    let d = w.decide(T1);
    assert_eq!(d.start, ["db09"]);
    assert_eq!(d.status.summary, "2/3");
}

#[test]
fn a_settled_set_decides_nothing_new() {
    let mut w = World::new(3, 1, 2);
    w.all_at(T1);
    let first = w.decide(T1);
    assert_eq!(first.status.phase, SetPhase::Ready);
    assert!(first.start.is_empty() && first.release.is_empty());
    w.old = first.status.clone();
    let again = w.decide(T1);
    assert!(!differs(&first.status, &again.status));
    let ready = again.status.conditions.iter().find(|c| c.type_ == "Ready");
    assert_eq!(ready.map(|c| c.status.as_str()), Some("True"));
}

#[test]
fn no_databases_is_ready_at_zero_of_zero() {
    let w = World::new(0, 1, 2);
    let d = w.decide(T1);
    assert_eq!(d.status.phase, SetPhase::Ready);
    assert_eq!(d.status.summary, "0/0");
}

#[test]
fn failures_are_capped_and_carry_no_secrets() {
    let mut w = World::new(30, 0, 30);
    w.rollout.failure_policy = FailurePolicy::Continue;
    for d in dbs(30) {
        let mut c = child(&d, true, Phase::Failed, T1);
        c.status.as_mut().unwrap().message = "cannot connect to postgres://app:hunter2@db/x".into();
        w.set(c);
    }
    let d = w.decide(T1);
    assert_eq!(d.status.failures.len(), FAILURES_SHOWN);
    assert_eq!(d.status.databases.failed, 30);
    assert!(d
        .status
        .failures
        .iter()
        .all(|f| !f.message.contains("hunter2")));
}
