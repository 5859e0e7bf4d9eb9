//! Reconcile time of an already up-to-date DatabaseSchema, its database
//! round trips, and memory.
//!
//! The reconciler runs against the mocked API server of the tests and a
//! real PostgreSQL database that is already at the target, as most
//! reconciles of a running operator are (the periodic recheck), with the
//! status of the previous run in the object and a shared connection pool,
//! as in `revisor run`. Figures: wall time per reconcile (min, median, p95
//! of `ROUNDS`; it includes the mocked API server's ConfigMap and Secret
//! reads), database round trips per reconcile (goal: 1), and this process's
//! resident memory (VmRSS) before and after, as an estimate of the
//! operator's idle footprint without its watch caches.
//!
//! Run: `REVISOR_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1/postgres
//! cargo bench --bench reconcile`. Without a URL it says SKIPPED and why.

#[path = "../tests/support/mod.rs"]
mod support;

use revisor::db::pool::{PoolConfig, Pools};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::mock_api::{cluster, postgres_url, run_with, schema, with_last_status};

/// Reconciles measured; enough for a stable median on a shared machine.
const ROUNDS: usize = 200;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    if std::env::var("REVISOR_TEST_POSTGRES_URL").is_err() {
        println!("SKIPPED reconcile: set REVISOR_TEST_POSTGRES_URL to a PostgreSQL server");
        return;
    }
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let before = rss_kib();
        let url = postgres_url("bench").await;
        let pools = Arc::new(Pools::new(PoolConfig::default()));
        let (first, requests) = run_with(schema("head", serde_json::json!({})), cluster(&url), &pools).await;
        first.expect("first reconcile migrates");
        let ready = with_last_status(schema("head", serde_json::json!({})), &requests);
        let mut times: Vec<Duration> = Vec::with_capacity(ROUNDS);
        let trips_before = pools.round_trips();
        for _ in 0..ROUNDS {
            let t0 = Instant::now();
            let (result, requests) = run_with(ready.clone(), cluster(&url), &pools).await;
            result.expect("up-to-date reconcile");
            times.push(t0.elapsed());
            assert!(requests.iter().all(|r| r.method == "GET"), "a no-op writes nothing");
        }
        let trips = (pools.round_trips() - trips_before) as f64 / ROUNDS as f64;
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!("no-op reconcile of an up-to-date DatabaseSchema (PostgreSQL, pooled connection, mocked API server), {ROUNDS} rounds:");
        println!("  database round trips per reconcile: {trips:.2}");
        println!("  min {:.2} ms, median {:.2} ms, p95 {:.2} ms", ms(times[0]), ms(times[ROUNDS / 2]), ms(times[ROUNDS * 95 / 100]));
        println!("  resident memory: {} KiB at start, {} KiB after {ROUNDS} reconciles", before, rss_kib());
    });
}
