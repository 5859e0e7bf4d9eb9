//! The Kubernetes side: reading a DatabaseSchema's inputs from the cluster,
//! reconciling it through the executor, and writing status, conditions and
//! events back. I/O, except the pure trigger and index
//! logic in [`controller`].
//!
//! [`controller`] runs it all for `revisor run`.

pub mod controller;
pub mod dereference;
pub mod fleet;
pub mod fleet_controller;
pub mod reconcile;
