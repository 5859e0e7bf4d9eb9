//! `revisor new`: write a new revision file, as `alembic revision` does.
//!
//! The parent is the single head (an error listing the heads when there are
//! several), or what `--head` names. The file is `<id>_<slug>.sql`, where
//! the slug is the message in lowercase with runs of other characters than
//! `[a-z0-9]` turned into `_`, cut at 40 characters (Alembic's
//! `truncate_slug_length` default). The set is validated again with the new
//! file before it is written, so `new` never leaves an invalid set behind.

use super::CliError;
use crate::graph::RevisionGraph;
use crate::revision::is_valid_id;
use crate::source;
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};

/// Alembic's default `truncate_slug_length`.
const SLUG_LEN: usize = 40;

/// What `revisor new` was asked for.
#[derive(Debug, Clone, Default)]
pub struct NewRevision {
    /// The message.
    pub message: String,
    /// Parent expression instead of the single head.
    pub head: Option<String>,
    /// Branch labels, comma-separated.
    pub branch_label: Option<String>,
    /// Dependencies, comma-separated.
    pub depends_on: Option<String>,
    /// The id instead of a random one.
    pub rev_id: Option<String>,
    /// Whether `head` may name a revision that is not a head.
    pub splice: bool,
    /// The up section's body (empty: to be written by hand).
    pub up: String,
    /// The down section's body.
    pub down: String,
    /// `Some`: write an operation revision (`<id>_<slug>.yaml`) whose
    /// `upgrade:` is this YAML list (empty: `[]`); its downgrade is derived.
    pub ops: Option<String>,
}

/// Writes the new revision file into `dir` (created if missing) and
/// returns its path.
///
/// # Errors
/// [`CliError::Input`] for an invalid existing set, several heads without
/// `--head`, an unresolvable `--head`, a bad or taken id, or a resulting set
/// that does not validate; [`CliError::Runtime`] when the file cannot be written.
pub fn write(dir: &Path, opts: &NewRevision) -> Result<PathBuf, CliError> {
    let mut files = if dir.exists() {
        source::read_dir(dir)?
    } else {
        Vec::new()
    };
    let graph = RevisionGraph::from_files(&files).map_err(|e| CliError::Input(e.to_string()))?;
    let parents: Vec<String> = match &opts.head {
        Some(expr) => {
            let parents = graph
                .resolve_targets(expr)
                .map_err(|e| CliError::Input(format!("--head: {e}")))?;
            // As Alembic: a new revision on a non-head starts a branch, which
            // must be asked for.
            if let Some(&p) = parents.iter().find(|p| !graph.heads().contains(p)) {
                if !opts.splice {
                    return Err(CliError::Input(format!(
                        "--head: revision {} is not a head; pass --splice to start a new branch from it",
                        graph.rev(p).id
                    )));
                }
            }
            graph.ids(parents)
        }
        None => match graph.heads() {
            [] => Vec::new(),
            [one] => vec![graph.rev(*one).id.clone()],
            many => {
                return Err(CliError::Input(format!(
                    "multiple heads ({}); pass --head to choose the parent (or several, comma-separated, to merge)",
                    graph.ids(many.iter().copied()).join(", ")
                )))
            }
        },
    };
    let id = match &opts.rev_id {
        Some(id) if !is_valid_id(id) => {
            return Err(CliError::Input(format!(
                "--rev-id `{id}`: use 1 to 32 characters of [A-Za-z0-9_]"
            )))
        }
        Some(id) => id.clone(),
        None => random_id(),
    };
    let message = opts.message.replace(['\n', '\r'], " ");
    let text = match &opts.ops {
        Some(ops) => ops_text(&id, &parents, opts, &message, ops),
        None => sql_text(&id, &parents, opts, &message),
    };
    let project = super::project::loaded();
    let template = project
        .and_then(|p| p.file_template.as_deref())
        .unwrap_or("%(rev)s_%(slug)s");
    let slug_len = project
        .and_then(|p| p.truncate_slug_length)
        .unwrap_or(SLUG_LEN);
    let mut name = super::project::file_name(template, &id, &slug_with(&message, slug_len));
    if opts.ops.is_some() {
        name = format!("{}.yaml", name.trim_end_matches(".sql"));
    }
    let path = dir.join(&name);
    if path.exists() {
        return Err(CliError::Input(format!(
            "{} already exists",
            path.display()
        )));
    }
    files.push((name, text.clone()));
    RevisionGraph::from_files(&files).map_err(|e| {
        CliError::Input(format!("the new revision would make the set invalid:\n{e}"))
    })?;
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::Runtime(format!("cannot create {}: {e}", dir.display())))?;
    std::fs::write(&path, text)
        .map_err(|e| CliError::Runtime(format!("cannot write {}: {e}", path.display())))?;
    if let Some(p) = project {
        super::project::run_hooks(&p.post_write_hooks, &path)?;
    }
    Ok(path)
}

/// A SQL revision file.
fn sql_text(id: &str, parents: &[String], opts: &NewRevision, message: &str) -> String {
    let mut text = format!(
        "-- revision: {id}\n-- down_revision: {}\n",
        parents.join(", ")
    );
    if let Some(labels) = &opts.branch_label {
        text.push_str(&format!("-- branch_labels: {labels}\n"));
    }
    if let Some(deps) = &opts.depends_on {
        text.push_str(&format!("-- depends_on: {deps}\n"));
    }
    text.push_str(&format!(
        "-- message: {message}\n\n-- migrate:up\n{}\n\n-- migrate:down\n{}\n",
        opts.up, opts.down
    ));
    text
}

/// An operation revision file: the same header as YAML keys, `upgrade:`
/// from `ops`, no `downgrade:` (derived).
fn ops_text(id: &str, parents: &[String], opts: &NewRevision, message: &str, ops: &str) -> String {
    // JSON strings are YAML double-quoted scalars: any message is safe.
    let quoted = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let mut text = format!("revision: {}\n", quoted(id));
    match parents {
        [] => text.push_str("down_revision: null\n"),
        _ => text.push_str(&format!("down_revision: {}\n", quoted(&parents.join(", ")))),
    }
    if let Some(labels) = &opts.branch_label {
        text.push_str(&format!("branch_labels: {}\n", quoted(labels)));
    }
    if let Some(deps) = &opts.depends_on {
        text.push_str(&format!("depends_on: {}\n", quoted(deps)));
    }
    text.push_str(&format!("message: {}\n", quoted(message)));
    if ops.trim().is_empty() || ops.trim() == "[]" {
        text.push_str("upgrade: []\n");
    } else {
        text.push_str(&format!("upgrade:\n{}", ops));
    }
    text.push_str("# downgrade: derived by reversing each operation (write it out to override)\n");
    text
}

/// The slug of `message` (see [`crate::revision::slug`]).
pub fn slug_with(message: &str, len: usize) -> String {
    crate::revision::slug(message, len)
}

/// A random 12-digit hex id, as Alembic's `uuid4().hex[-12:]`: from the
/// process's randomly keyed SipHash over the current time.
pub(crate) fn random_id() -> String {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    h.write_u128(now);
    h.write_u32(std::process::id());
    format!("{:012x}", h.finish() & 0xffff_ffff_ffff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slug_is_lowercase_underscored_and_cut() {
        assert_eq!(
            slug_with("Add email column to Users!", SLUG_LEN),
            "add_email_column_to_users"
        );
        assert_eq!(slug_with("  --weird--  ", SLUG_LEN), "weird");
        assert_eq!(slug_with(&"x".repeat(50), SLUG_LEN).len(), 40);
    }

    #[test]
    fn random_ids_are_valid_and_differ() {
        let a = random_id();
        let b = random_id();
        assert!(is_valid_id(&a) && a.len() == 12);
        assert_ne!(a, b);
    }
}
