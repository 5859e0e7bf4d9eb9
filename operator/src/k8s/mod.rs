//! The Kubernetes side: reading a DatabaseSchema's inputs from the cluster,
//! reconciling it through the executor, and writing status, conditions and
//! events back. I/O, except [`conditions`].
//!
//! [`controller`] runs it all for `revisor run`.

pub mod conditions;
pub mod controller;
pub mod dereference;
pub mod reconcile;
