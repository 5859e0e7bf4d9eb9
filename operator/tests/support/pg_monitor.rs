//! What a load test watches on the PostgreSQL server and in itself: the
//! peak of connections to one database (`pg_stat_activity`) and the
//! process's resident memory.

#![allow(dead_code)]

use revisor::db::{Backend, Database};
use revisor::with_backend;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Samples the connections to `db` until `stop`: the peak of client
/// backends (what `max_connections` counts) into `peak`, and of other
/// backends on the database (autovacuum workers, which have their own
/// slots) into `others`.
pub async fn monitor(
    db: String,
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicUsize>,
    others: Arc<AtomicUsize>,
) {
    let base = std::env::var("REVISOR_TEST_POSTGRES_URL").unwrap();
    let mut admin = Database::connect(&base).await.unwrap();
    let sql = format!(
        "SELECT CAST(count(*) FILTER (WHERE backend_type = 'client backend') AS TEXT), \
         CAST(count(*) FILTER (WHERE backend_type <> 'client backend') AS TEXT) \
         FROM pg_stat_activity WHERE datname = '{db}' AND pid <> pg_backend_pid()"
    );
    while !stop.load(Ordering::SeqCst) {
        let rows = with_backend!(&mut admin, |b| b.query(&sql).await).unwrap();
        let n = |i: usize| -> usize { rows[0][i].as_deref().unwrap_or("0").parse().unwrap() };
        peak.fetch_max(n(0), Ordering::SeqCst);
        others.fetch_max(n(1), Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The resident memory of this process (`VmRSS` of /proc/self/status),
/// as the kernel prints it (`123456 kB`).
pub fn rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(|l| l.trim_start_matches("VmRSS:").trim().to_owned())
        })
        .unwrap_or_default()
}
