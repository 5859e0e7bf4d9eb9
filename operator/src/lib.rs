//! Revisor: GitOps schema migrations with an Alembic-compatible revision graph.
//!
//! The crate is both the library behind the `revisor` binary (CLI and
//! Kubernetes operator) and its building blocks:
//!
//! Modules form layers, bottom-up; the pure ones import no I/O crate
//! (README, "Architecture"; `tests/architecture.rs` checks it):
//!
//! | module | kind | what |
//! |---|---|---|
//! | [`sqltext`] | pure | the statement splitter; hex and checksums |
//! | [`defaults`] | pure | defaults several layers share |
//! | [`schema`] | pure | the schema model |
//! | [`dialect`] | pure | [`dialect::SqlDialect`]: everything that differs per dialect, one file each; normal forms |
//! | [`declared`] | pure | the declared schema (sqlparser) |
//! | [`diff`] | pure | `(schema, schema) -> ordered operations`, each reversible |
//! | [`render`] | pure | operations -> SQL per dialect (SQLite batch rebuilds) |
//! | [`ops`] | pure | operation revisions: types, check, lowering, rendering |
//! | [`revision`] | pure | one migration file -> one [`revision::Revision`] |
//! | [`graph`] | pure | the revision graph: heads, bases, closure, validation, target expressions |
//! | [`plan`] | pure | `(graph, applied heads, target, mode) -> Plan`; the refusal rules |
//! | [`lint`] | pure | every statement classified: destructive, incompatible, locking, transaction, irreversible |
//! | [`outcome`] | pure | [`outcome::Reason`]: what each failure means (phase, exit code, condition, event, metric) |
//! | [`status`] | pure | status = f(old status, outcome); conditions; churn check |
//! | [`resource`] | pure | the `DatabaseSchema` spec and status types |
//! | [`source`] | I/O | migration files from a directory |
//! | [`db`] | I/O | one [`db::Backend`] per dialect; version, history and snapshot tables; introspection |
//! | [`executor`] | I/O | [`executor::Session`], the one way into a database about revisions |
//! | [`offline`] | I/O-free | offline SQL: a session's statements recorded instead of run |
//! | [`engine`] | I/O | one run of one DatabaseSchema, shared by `apply` and the reconciler |
//! | [`k8s`] | I/O | dereference, reconcile adapter, controller (watches, triggers) |
//! | [`autogen`] | I/O | schemas from the declared files, a live database or a replayed revision; the revision between them |
//! | [`cli`] | I/O | the `revisor` commands |
//!
//! `../shared/SPEC.md` is the product contract; the README lists where
//! Revisor deliberately differs from Alembic.

pub mod autogen;
pub mod cli;
pub mod db;
pub mod declared;
pub mod defaults;
pub mod dialect;
pub mod diff;
pub mod drift;
pub mod engine;
pub mod executor;
pub mod fleet;
pub mod graph;
pub mod http;
pub mod import;
pub mod k8s;
pub mod lint;
pub mod metrics;
pub mod offline;
pub mod ops;
pub mod outcome;
pub mod par;
pub mod plan;
pub mod redact;
pub mod render;
pub mod resource;
pub mod revision;
pub mod schema;
pub mod source;
pub mod sqltext;
pub mod status;
