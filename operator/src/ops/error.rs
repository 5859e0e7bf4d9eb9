//! Why an operation is refused: one enum for the ops layer.

/// Why an operation cannot be checked, lowered, rendered or reversed. The
/// message names the field or object; the variant says what kind of
/// problem it is. Displayed as the message alone (callers add the file,
/// line and operation).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpsError {
    /// A field the format does not allow: an empty name, an unknown type,
    /// action or dialect, a value of the wrong kind, a missing part.
    #[error("{0}")]
    Invalid(String),
    /// Rendering needs a table's current definition, which the model does
    /// not have (offline, and the table was not created in this run).
    #[error("{0}")]
    NeedsDefinition(String),
    /// The database (a complete model) lacks what the operation names.
    #[error("{0}")]
    Missing(String),
    /// The operation cannot be undone without the old state it lacks.
    #[error("{0}")]
    Irreversible(String),
    /// A per-dialect map (`execute`, a type) has no entry for the dialect.
    #[error("{0}")]
    NotForDialect(String),
}

impl OpsError {
    /// The same error with `context` before its message (`column x: ...`).
    pub fn within(self, context: &str) -> OpsError {
        let put = |m: String| format!("{context}: {m}");
        match self {
            OpsError::Invalid(m) => OpsError::Invalid(put(m)),
            OpsError::NeedsDefinition(m) => OpsError::NeedsDefinition(put(m)),
            OpsError::Missing(m) => OpsError::Missing(put(m)),
            OpsError::Irreversible(m) => OpsError::Irreversible(put(m)),
            OpsError::NotForDialect(m) => OpsError::NotForDialect(put(m)),
        }
    }
}
