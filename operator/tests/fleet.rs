//! The DatabaseSchemaSet controller against a stateful mocked API server
//! (kube-rs's `tower_test` approach; tests/support/fleet_api.rs): every
//! request the set reconcile makes is recorded and applied to a fake
//! cluster, and the tests assert on what the API server then holds (the
//! children's specs, the set's status) and on the requests themselves.
//! The children's own reconciles are played by the test (`report`); the
//! real ones run against PostgreSQL in tests/fleet_load.rs.

mod support;

use revisor::resource::Phase;
use serde_json::json;
use support::fleet_api::{chain, set, tenant, Fleet, SET_UID};

fn child(i: usize) -> String {
    format!("tenants-{}", tenant(i))
}

/// A set with `canary` and `maxParallel` over `databases` Secrets, its
/// ConfigMap holding `revisions` revisions, head its target.
fn fleet(canary: u32, max_parallel: u32, revisions: usize, databases: usize) -> Fleet {
    Fleet::new(
        set(
            "head",
            json!({"canary": canary, "maxParallel": max_parallel}),
        ),
        chain(revisions),
        databases,
    )
}

#[tokio::test]
async fn the_canary_goes_first_alone_with_the_resolved_ids() {
    let mut f = fleet(1, 3, 2, 5);
    f.reconcile().await;
    assert_eq!(f.applied(), [child(0)]);
    let targets = f.targets();
    assert_eq!(targets[&child(0)], "r2", "head resolved to an id");
    let c = f.child(&child(0));
    let owner = &c.metadata.owner_references.as_ref().unwrap()[0];
    assert_eq!(
        (owner.kind.as_str(), owner.uid.as_str(), owner.controller),
        ("DatabaseSchemaSet", SET_UID, Some(true))
    );
    assert_eq!(c.spec.database.url_secret_ref.name, tenant(0));
    assert_eq!(c.spec.database.url_secret_ref.key, "url");
    assert_eq!(
        c.metadata.labels.as_ref().unwrap()["revisor.dev/set"],
        "tenants"
    );
    let status = f.status();
    assert_eq!(status.summary, "0/5");
    assert_eq!(status.target_revisions, ["r2"]);
    assert_eq!(status.databases.waiting, 4);
    assert_eq!(f.events(), ["WaveStarted"]);
    // While the canary runs, nothing else starts.
    f.reconcile().await;
    assert!(f.applied().is_empty());
    f.report(&child(0), Phase::Migrating, "applying r1");
    f.reconcile().await;
    assert!(f.applied().is_empty());
    f.report(&child(0), Phase::Ready, "at r2");
    f.reconcile().await;
    assert_eq!(f.applied(), [child(1), child(2), child(3)]);
}

#[tokio::test]
async fn waves_keep_at_most_max_parallel_children_running() {
    let mut f = fleet(1, 2, 1, 7);
    let mut order = Vec::new();
    for _ in 0..40 {
        f.reconcile().await;
        order.extend(f.applied());
        let running = f.running();
        assert!(running.len() <= 2, "running at once: {running:?}");
        if f.status().phase == revisor::fleet::SetPhase::Ready {
            break;
        }
        // One running child finishes per round: waves refill slot by slot.
        if let Some(first) = running.first() {
            f.report(first, Phase::Ready, "at r1");
        }
    }
    let expected: Vec<String> = (0..7).map(child).collect();
    assert_eq!(order, expected, "each database once, in Secret-name order");
    assert_eq!(f.status().summary, "7/7");
    assert_eq!(f.events(), ["RolloutCompleted"]);
}

#[tokio::test]
async fn a_failure_halts_the_set_and_a_retry_resumes_it() {
    let mut f = fleet(1, 2, 1, 6);
    f.reconcile().await;
    f.settle_all();
    f.reconcile().await;
    assert_eq!(f.applied(), [child(1), child(2)]);
    f.report(
        &child(1),
        Phase::Failed,
        "step up r1 failed: relation \"x\" does not exist",
    );
    f.report(&child(2), Phase::Ready, "at r1");
    f.reconcile().await;
    assert!(
        f.applied().is_empty(),
        "no new database starts after a failure"
    );
    let status = f.status();
    assert_eq!(status.phase, revisor::fleet::SetPhase::Halted);
    assert_eq!(status.failures.len(), 1);
    assert_eq!(status.failures[0].database, tenant(1));
    assert!(status.failures[0].message.contains("does not exist"));
    assert_eq!(f.events(), ["Halted"]);
    // Halted stays halted.
    f.reconcile().await;
    assert!(f.applied().is_empty());
    // The retry annotation resumes it past the failure it saw.
    f.state
        .lock()
        .unwrap()
        .set
        .metadata
        .annotations
        .get_or_insert_with(Default::default)
        .insert("revisor.dev/retry".into(), "1".into());
    f.reconcile().await;
    assert_eq!(f.applied(), [child(3), child(4)]);
    let status = f.status();
    assert_eq!(status.phase, revisor::fleet::SetPhase::Progressing);
    assert_eq!(status.resumed, [tenant(1)]);
}

#[tokio::test]
async fn a_new_revision_mid_rollout_restarts_from_the_canary() {
    let mut f = fleet(1, 2, 1, 5);
    f.reconcile().await;
    f.settle_all();
    f.reconcile().await;
    assert_eq!(f.applied(), [child(1), child(2)]);
    // r2 lands in the ConfigMap while tenants 1 and 2 migrate to r1.
    {
        let mut s = f.state.lock().unwrap();
        s.files = chain(2);
        s.cm_version += 1;
    }
    f.reconcile().await;
    assert!(
        f.applied().is_empty(),
        "two children still run toward r1: no slot is free"
    );
    f.report(&child(1), Phase::Ready, "at r1");
    f.reconcile().await;
    assert_eq!(
        f.applied(),
        [child(0)],
        "the canary first with the new head"
    );
    let targets = f.targets();
    assert_eq!(targets[&child(0)], "r2");
    assert_eq!(
        targets[&child(1)],
        "r1",
        "children reached keep their target"
    );
    assert!(
        !targets.contains_key(&child(3)),
        "children not reached wait"
    );
    assert_eq!(f.status().target_revisions, ["r2"]);
    // The canary is Ready at r2; tenant 2 still runs toward r1 and holds
    // one slot, and gets the new target without taking another.
    f.report(&child(0), Phase::Ready, "at r2");
    f.reconcile().await;
    assert_eq!(f.applied(), [child(1), child(2)]);
    f.settle_all();
    f.reconcile().await;
    assert_eq!(f.applied(), [child(3), child(4)]);
}

#[tokio::test]
async fn secrets_join_and_leave_by_their_labels() {
    let mut f = fleet(0, 10, 1, 3);
    f.reconcile().await;
    f.settle_all();
    f.reconcile().await;
    assert_eq!(f.status().summary, "3/3");
    // A new labelled Secret is a new database.
    f.state.lock().unwrap().secrets.insert(
        tenant(7),
        [("revisor.dev/fleet".to_owned(), "tenants".to_owned())].into(),
    );
    f.reconcile().await;
    assert_eq!(f.applied(), [child(7)]);
    assert_eq!(f.status().summary, "3/4");
    // A Secret that loses the label leaves its DatabaseSchema orphaned.
    f.state
        .lock()
        .unwrap()
        .secrets
        .get_mut(&tenant(0))
        .unwrap()
        .clear();
    f.reconcile().await;
    let released: Vec<_> = f
        .last()
        .into_iter()
        .filter(|r| r.method == "PATCH" && r.path.ends_with(&child(0)))
        .collect();
    assert_eq!(released.len(), 1, "one patch lets go of the child");
    let orphan = f.child(&child(0));
    assert!(orphan
        .metadata
        .owner_references
        .as_ref()
        .unwrap()
        .is_empty());
    assert!(!orphan
        .metadata
        .labels
        .as_ref()
        .unwrap()
        .contains_key("revisor.dev/set"));
    assert!(
        !f.last().iter().any(|r| r.method == "DELETE"),
        "nothing is deleted"
    );
    assert_eq!(f.status().databases.total, 3);
}

#[tokio::test]
async fn a_settled_set_writes_nothing_and_reads_the_migration_set_once() {
    let mut f = Fleet::new(set("head", json!({})), chain(3), 4);
    for _ in 0..6 {
        f.reconcile().await;
        f.settle_all();
    }
    assert_eq!(f.status().phase, revisor::fleet::SetPhase::Ready);
    f.reconcile().await;
    let writes: Vec<_> = f.last().into_iter().filter(|r| r.method != "GET").collect();
    assert!(
        writes.is_empty(),
        "a settled set writes nothing: {writes:?}"
    );
    assert_eq!(
        f.configmap_reads(),
        1,
        "the files are read again only when the ConfigMap changes"
    );
}

#[tokio::test]
async fn a_bad_template_or_target_blocks_the_set_and_touches_no_database() {
    let mut f = Fleet::new(set("nope", json!({})), chain(1), 2);
    f.reconcile().await;
    assert!(f.applied().is_empty());
    let status = f.status();
    assert_eq!(status.phase, revisor::fleet::SetPhase::Blocked);
    assert!(
        status.message.starts_with("spec.template.targetRevision"),
        "{}",
        status.message
    );
    assert_eq!(f.events(), ["Blocked"]);
    // The same again is no new write.
    f.reconcile().await;
    assert!(f.last().iter().all(|r| r.method == "GET"));
    // A template field a DatabaseSchema does not have names it.
    f.state
        .lock()
        .unwrap()
        .set
        .spec
        .template
        .0
        .insert("targetRevison".into(), json!("head"));
    f.reconcile().await;
    assert!(f.status().message.contains("targetRevison"));
    assert!(f.applied().is_empty());
}

#[tokio::test]
async fn the_set_carries_kubernetes_orphan_finalizer_so_deleting_it_keeps_its_children() {
    let mut f = Fleet::new(set("head", json!({})), chain(1), 2);
    f.reconcile().await;
    let finalizer: Vec<_> = f
        .last()
        .into_iter()
        .filter(|r| {
            r.method == "PATCH"
                && r.path == "/apis/revisor.dev/v1alpha1/namespaces/saas/databaseschemasets/tenants"
        })
        .collect();
    assert_eq!(finalizer.len(), 1, "{:?}", f.last());
    assert_eq!(
        finalizer[0].body["metadata"]["finalizers"],
        json!(["orphan"]),
        "only Kubernetes' own orphan finalizer, applied as one member of the set"
    );
    assert!(
        finalizer[0]
            .query
            .contains("fieldManager=revisor-set-finalizer"),
        "{}",
        finalizer[0].query
    );
    // Once there, never written again.
    f.reconcile().await;
    assert!(
        !f.last()
            .iter()
            .any(|r| r.method == "PATCH" && r.path.ends_with("/databaseschemasets/tenants")),
        "{:?}",
        f.last()
    );
    // A set being deleted is left to the garbage collector: no writes.
    f.state.lock().unwrap().set.metadata.deletion_timestamp = Some(
        k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(k8s_openapi::jiff::Timestamp::now()),
    );
    f.reconcile().await;
    let writes: Vec<_> = f.last().into_iter().filter(|r| r.method != "GET").collect();
    assert!(writes.is_empty(), "{writes:?}");
}
