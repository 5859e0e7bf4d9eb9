//! Prometheus metrics of the operator process, served on `/metrics`.
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `revisor_reconciles_total` | counter | `result`: ready, blocked, awaiting_approval, pending, failed, error (API failure) |
//! | `revisor_reconcile_duration_seconds` | histogram | |
//! | `revisor_steps_applied_total` | counter | `direction`: up, down |
//! | `revisor_step_duration_seconds` | histogram | |
//! | `revisor_failures_total` | counter | `reason`: the outcome's PascalCase reason ([`crate::outcome::Class`]), e.g. `DatabaseUnavailable`, `StepFailed`, `ApiError` |

use prometheus_client::encoding::{text::encode, EncodeLabelSet};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::time::Duration;

/// A `result` label.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResultLabel {
    /// ready, blocked, awaiting_approval, pending, failed or error.
    pub result: String,
}

/// A `direction` label.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DirectionLabel {
    /// up or down.
    pub direction: String,
}

/// A `reason` label.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabel {
    /// Why it failed.
    pub reason: String,
}

/// Labels of a per-resource gauge.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResourceLabel {
    /// The resource's namespace.
    pub namespace: String,
    /// The resource's name.
    pub name: String,
}

/// The operator's metrics and their registry.
pub struct Metrics {
    registry: Registry,
    reconciles: Family<ResultLabel, Counter>,
    reconcile_duration: Histogram,
    steps: Family<DirectionLabel, Counter>,
    step_duration: Histogram,
    failures: Family<ReasonLabel, Counter>,
    schema_drift: Family<ResourceLabel, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("revisor");
        let reconciles = Family::<ResultLabel, Counter>::default();
        // 10 ms to ~80 s in 14 doublings: an up-to-date check takes
        // milliseconds, a long plan minutes.
        let reconcile_duration = Histogram::new(exponential_buckets(0.01, 2.0, 14));
        let steps = Family::<DirectionLabel, Counter>::default();
        // 1 ms to ~65 s: trivial DDL to a large index build.
        let step_duration = Histogram::new(exponential_buckets(0.001, 2.0, 17));
        let failures = Family::<ReasonLabel, Counter>::default();
        registry.register("reconciles", "Reconciles by result", reconciles.clone());
        registry.register(
            "reconcile_duration_seconds",
            "Reconcile duration",
            reconcile_duration.clone(),
        );
        registry.register(
            "steps_applied",
            "Migration steps applied, by direction",
            steps.clone(),
        );
        registry.register(
            "step_duration_seconds",
            "Migration step duration",
            step_duration.clone(),
        );
        registry.register("failures", "Failed reconciles, by reason", failures.clone());
        let schema_drift = Family::<ResourceLabel, Gauge>::default();
        registry.register(
            "schema_drift",
            "1 while the live schema differs from the last snapshot",
            schema_drift.clone(),
        );
        Metrics {
            registry,
            reconciles,
            reconcile_duration,
            steps,
            step_duration,
            failures,
            schema_drift,
        }
    }
}

impl Metrics {
    /// Sets `revisor_schema_drift{namespace,name}` (1: drifted).
    pub fn schema_drift(&self, namespace: &str, name: &str, drifted: bool) {
        self.schema_drift
            .get_or_create(&ResourceLabel {
                namespace: namespace.to_owned(),
                name: name.to_owned(),
            })
            .set(i64::from(drifted));
    }

    /// Drops the series of a deleted DatabaseSchema (its
    /// `revisor_schema_drift`), so that churn does not grow `/metrics`.
    pub fn forget_resource(&self, namespace: &str, name: &str) {
        self.schema_drift.remove(&ResourceLabel {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
        });
    }

    /// Counts a reconcile that ended with `result` after `took`.
    pub fn reconciled(&self, result: &str, took: Duration) {
        self.reconciles
            .get_or_create(&ResultLabel {
                result: result.to_owned(),
            })
            .inc();
        self.reconcile_duration.observe(took.as_secs_f64());
    }

    /// Counts a step.
    pub fn step(&self, direction: &str, took: Duration) {
        self.steps
            .get_or_create(&DirectionLabel {
                direction: direction.to_owned(),
            })
            .inc();
        self.step_duration.observe(took.as_secs_f64());
    }

    /// Counts a failure.
    pub fn failed(&self, reason: &str) {
        self.failures
            .get_or_create(&ReasonLabel {
                reason: reason.to_owned(),
            })
            .inc();
    }

    /// The metrics in Prometheus' text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_and_histograms_render_in_text_format() {
        let m = Metrics::default();
        m.reconciled("ready", Duration::from_millis(20));
        m.reconciled("ready", Duration::from_millis(30));
        m.step("up", Duration::from_millis(5));
        m.failed("blocked");
        let text = m.render();
        assert!(
            text.contains("revisor_reconciles_total{result=\"ready\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("revisor_steps_applied_total{direction=\"up\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("revisor_failures_total{reason=\"blocked\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("revisor_reconcile_duration_seconds_count 2"),
            "{text}"
        );
        assert!(
            text.contains("revisor_step_duration_seconds_sum 0.005"),
            "{text}"
        );
    }

    #[test]
    fn a_deleted_resource_leaves_no_drift_series() {
        let m = Metrics::default();
        m.schema_drift("shop", "a", true);
        m.schema_drift("shop", "b", false);
        let text = m.render();
        assert!(
            text.contains("revisor_schema_drift{namespace=\"shop\",name=\"a\"} 1"),
            "{text}"
        );
        m.forget_resource("shop", "a");
        let text = m.render();
        assert!(!text.contains("name=\"a\""), "{text}");
        assert!(
            text.contains("revisor_schema_drift{namespace=\"shop\",name=\"b\"} 0"),
            "{text}"
        );
    }
}
