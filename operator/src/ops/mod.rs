//! Operation revisions: a `*.yaml` migration file whose `upgrade:` is a list
//! of portable operations (Alembic's `op.add_column(...)` one-liners),
//! rendered for the database's dialect when a step runs ([`render`]).
//! Pure: no I/O.
//!
//! The format is SPEC.md's "Operation revisions". Decisions where SPEC.md
//! is silent (also in the README):
//! - Header keys are the SQL format's (`revision`, `down_revision`,
//!   `branch_labels`, `depends_on`, `transactional`, `message`,
//!   `lint_allow`); list values may be a YAML list or a comma-separated
//!   string. Ids are read as written: `revision: 0001` stays `0001`.
//! - `add_foreign_key`, `add_unique` and `add_check` need a `name`, so that
//!   the derived downgrade can drop the constraint by name on every dialect.
//! - A revision with a `create_index`/`drop_index` marked `concurrently:
//!   true` runs outside a transaction on every dialect (as
//!   `transactional: false`), so its identity and plan do not depend on
//!   the dialect.
//! - `bulk_delete` (the reverse of `bulk_insert`) is an operation too:
//!   it deletes each row by the table's primary key when the key is known,
//!   else by every value the row gives.
//! - The checksum is SHA-256 of the canonical JSON of the `upgrade:` list
//!   (keys in a fixed order, absent fields left out), so re-indenting the
//!   file or reordering keys is not drift, and a revision has one identity
//!   on every dialect. The down checksum covers the effective downgrade
//!   (written or derived).

mod apply;
mod check;
mod error;
pub mod from_diff;
mod lower;
mod operation;
pub mod render;
mod rows;
mod types;

pub use error::OpsError;
pub use operation::{derive_downgrade, ops_checksum, Body};
pub use types::*;

/// `ops` as the block-style YAML list an operation revision holds under
/// `upgrade:`/`downgrade:` (`- add_column: ...`), not indented.
pub fn to_yaml(ops: &[Operation]) -> String {
    let mut buf = Vec::new();
    let mut ser = serde_yaml::Serializer::new(&mut buf);
    // Serialising plain data to a Vec cannot fail.
    let _ = serde_yaml::with::singleton_map_recursive::serialize(&ops, &mut ser);
    String::from_utf8(buf).unwrap_or_default()
}

#[cfg(test)]
mod tests;
