//! Defaults that several layers share, kept in the lowest one. Pure.

use std::time::Duration;

/// SPEC.md's default version table (Alembic's `alembic_version` layout).
pub const DEFAULT_VERSION_TABLE: &str = "revisor_version";

/// SPEC.md's default `lockTimeoutSeconds`: a minute outlasts any ordinary
/// migration run of another replica, yet a stuck lock surfaces within a
/// reconcile or two.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(60);
