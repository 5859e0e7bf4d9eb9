//! Where migration sets come from. I/O.
//!
//! A directory holds one revision per `*.sql` file or `*.yaml`/`*.yml`
//! operation revision, flat (subdirectories and other files are ignored). The files go to
//! [`RevisionGraph::from_files`] as `(file name, contents)` pairs, the same
//! shape ConfigMap keys and inline manifests will use.

use crate::graph::{RevisionGraph, SetErrors};
use std::path::{Path, PathBuf};

/// Why a migration set could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The directory or a file cannot be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A file that is not UTF-8.
    #[error("{0}: not valid UTF-8")]
    NotUtf8(PathBuf),
    /// The files do not form a valid set.
    #[error("{0}")]
    Invalid(#[from] SetErrors),
}

/// Reads every migration file (`*.sql`, `*.yaml`, `*.yml`) directly in `dir` as `(file name, contents)`,
/// in file-name order (bytewise).
///
/// # Errors
/// [`SourceError::Io`] when the directory or a file cannot be read,
/// [`SourceError::NotUtf8`] for a file that is not UTF-8.
pub fn read_dir(dir: &Path) -> Result<Vec<(String, String)>, SourceError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| SourceError::Io { path, source }
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let entry = entry.map_err(io(dir))?;
        let path = entry.path();
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        if !crate::revision::is_migration_file(&name)
            || !entry.file_type().map_err(io(&path))?.is_file()
        {
            continue;
        }
        files.push((name, path));
    }
    files.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    // A large set (10,000 files) is read on the machine's cores.
    crate::par::map(&files, 256, |(name, path)| {
        let bytes = std::fs::read(path).map_err(io(path))?;
        let text = String::from_utf8(bytes).map_err(|_| SourceError::NotUtf8(path.clone()))?;
        Ok((name.clone(), text))
    })
    .into_iter()
    .collect()
}

/// Reads and validates the migration set in `dir`.
///
/// # Errors
/// As [`read_dir`], and [`SourceError::Invalid`] with every problem of the set.
pub fn load_dir(dir: &Path) -> Result<RevisionGraph, SourceError> {
    let files = read_dir(dir)?;
    Ok(RevisionGraph::from_files(&files)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_only_sql_files_in_name_order() {
        let dir = std::env::temp_dir().join(format!("revisor-src-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(
            dir.join("b.sql"),
            "-- revision: b\n-- down_revision: a\n-- migrate:up\n",
        )
        .unwrap();
        std::fs::write(dir.join("a.sql"), "-- revision: a\n-- migrate:up\n").unwrap();
        std::fs::write(dir.join("README.md"), "not a migration").unwrap();
        std::fs::write(dir.join("sub/c.sql"), "ignored").unwrap();
        let files = read_dir(&dir).unwrap();
        assert_eq!(
            files.iter().map(|f| f.0.as_str()).collect::<Vec<_>>(),
            vec!["a.sql", "b.sql"]
        );
        let g = load_dir(&dir).unwrap();
        assert_eq!(g.len(), 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missing_directory_names_the_path() {
        let err = read_dir(Path::new("/nonexistent/revisor")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cannot read /nonexistent/revisor"),
            "{err}"
        );
    }
}
