//! A fleet at scale, with no cluster: one DatabaseSchemaSet over 1,000
//! databases (each a schema of one real PostgreSQL database, reached by its
//! URL's `search_path`), rolled out by the real set reconcile (stateful
//! mocked API server, tests/support/fleet_api.rs) and the real
//! DatabaseSchema reconcile of each child (mocked API server, one shared
//! connection pool as `revisor run` has), while a monitor samples
//! `pg_stat_activity`. The set is reconciled again whenever a child
//! finishes, as the child's status change triggers it in the operator.
//!
//! Prints the time to all Ready, the set reconciles and their cost, the
//! peak of connections and the resident memory; asserts the connection
//! bound, the wave bound and that a settled fleet writes nothing.
//! `REVISOR_LOAD_RESOURCES` changes the count (default 1,000).

mod support;

use futures::stream::{FuturesUnordered, StreamExt};
use revisor::db::pool::{PoolConfig, Pools, DEFAULT_MAX_PER_SERVER};
use revisor::db::{Backend, Database};
use revisor::fleet::SetPhase;
use revisor::with_backend;
use serde_json::json;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::fleet_api::{chain_with, set, Fleet};
use support::mock_api::{postgres_url, run_with, with_last_status, Cluster};
use support::pg_monitor::{monitor, rss};

/// Three revisions, each creating a table.
fn files() -> std::collections::BTreeMap<String, String> {
    chain_with(
        3,
        |i| format!("CREATE TABLE t{i} (id INT PRIMARY KEY, note TEXT);"),
        |i| format!("DROP TABLE t{i};"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_set_over_a_thousand_databases_rolls_out_in_bounded_waves() {
    let n: usize = std::env::var("REVISOR_LOAD_RESOURCES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let max_parallel = 10;
    let url = postgres_url("fleet").await;
    let mut admin = Database::connect(&url).await.unwrap();
    let create: String = (0..n)
        .map(|i| format!("CREATE SCHEMA tenant_{i:02};"))
        .collect();
    with_backend!(&mut admin, |b| b.execute(&create).await).unwrap();
    drop(admin);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let db = url.rsplit('/').next().unwrap().to_owned();
    let (stop, peak, others) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
    );
    let watcher = tokio::spawn(monitor(db, stop.clone(), peak.clone(), others.clone()));

    let files = files();
    let mut fleet = Fleet::new(
        set(
            "head",
            json!({"canary": 1, "maxParallel": max_parallel, "failurePolicy": "Halt"}),
        ),
        files.clone(),
        n,
    );
    let files: Vec<(String, String)> = files.into_iter().collect();
    let pools = Arc::new(Pools::new(PoolConfig::default()));
    let url_of = |child: &revisor::resource::DatabaseSchema| {
        let secret = &child.spec.database.url_secret_ref.name;
        let schema = secret.replace('-', "_");
        format!("{url}?options=-c%20search_path%3D{schema}")
    };
    let t0 = Instant::now();
    let (mut set_reconciles, mut set_time) = (0u32, Duration::ZERO);
    let mut most_running = 0usize;
    let mut running = FuturesUnordered::new();
    loop {
        fleet.reconcile().await;
        set_time += fleet.reconcile_time;
        set_reconciles += 1;
        for name in fleet.applied() {
            let child = fleet.child(&name);
            let cluster = Cluster {
                files: files.clone(),
                url: url_of(&child),
            };
            let pools = pools.clone();
            // A task of its own: children migrate while the set reconciles.
            running.push(tokio::spawn(async move {
                let (result, requests) = run_with(child.clone(), cluster, &pools).await;
                (name, child, result, requests)
            }));
        }
        most_running = most_running.max(running.len());
        assert!(
            running.len() <= max_parallel,
            "{} children migrating at once",
            running.len()
        );
        if fleet.status().phase == SetPhase::Ready && running.is_empty() {
            break;
        }
        assert_ne!(
            fleet.status().phase,
            SetPhase::Halted,
            "{}",
            fleet.status().message
        );
        let Some(finished) = running.next().await else {
            panic!(
                "nothing runs and the set is {:?}: {}",
                fleet.status().phase,
                fleet.status().message
            );
        };
        let (name, child, result, requests) = finished.unwrap();
        result.unwrap_or_else(|e| panic!("{name}: {e}"));
        let done = with_last_status(child, &requests);
        fleet.set_child_status(&name, done.status.unwrap());
    }
    let took = t0.elapsed();
    let status = fleet.status();
    assert_eq!(status.summary, format!("{n}/{n}"));
    println!("fleet: {n} databases Ready in {took:?} (canary 1, maxParallel {max_parallel})");
    println!(
        "fleet: {set_reconciles} set reconciles, {:?} each on average over {n} children, mocked API server included ({} build)",
        set_time / set_reconciles,
        if cfg!(debug_assertions) { "debug" } else { "release" }
    );
    assert_eq!(
        most_running, max_parallel,
        "waves filled the bound and never passed it"
    );

    // Settled: the set's recheck writes nothing and reads no file.
    let reads = fleet.configmap_reads();
    fleet.reconcile().await;
    assert!(
        fleet.last().iter().all(|r| r.method == "GET"),
        "{:?}",
        fleet.last()
    );
    assert_eq!(fleet.configmap_reads(), reads);
    stop.store(true, Ordering::SeqCst);
    watcher.await.unwrap();
    let peak = peak.load(Ordering::SeqCst);
    let recheck_minutes = revisor::k8s::reconcile::RECHECK.as_secs_f64() / 60.0;
    println!(
        "fleet: idle, {:.0} child rechecks and {:.1} set rechecks a minute (one per recheck interval each; a recheck that changes nothing triggers no set reconcile)",
        n as f64 / recheck_minutes,
        1.0 / recheck_minutes
    );
    println!(
        "fleet: peak client connections {peak} (bound {DEFAULT_MAX_PER_SERVER}); other backends at most {}; connections closed by the pool {}, its own queries {}; resident memory of the test process {}",
        others.load(Ordering::SeqCst),
        pools.closed(),
        pools.own_queries(),
        rss()
    );
    assert!(peak > 0, "the monitor saw the children's connections");
    // As the server counts, a URL per database included (the pool's
    // ghosts: a closed connection holds its slot until its session ends).
    assert!(
        peak <= DEFAULT_MAX_PER_SERVER,
        "peak {peak} over the bound {DEFAULT_MAX_PER_SERVER}"
    );
}
