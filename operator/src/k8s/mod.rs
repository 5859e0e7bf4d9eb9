//! The Kubernetes side: reading a DatabaseSchema's inputs from the cluster,
//! reconciling it through the executor, and writing status, conditions and
//! events back. I/O, except [`conditions`].
//!
//! Not here yet (issue 4): the `Controller` wiring with watches on
//! ConfigMaps and Secrets, leader election, metrics and health endpoints,
//! and `revisor run`.

pub mod conditions;
pub mod dereference;
pub mod reconcile;
