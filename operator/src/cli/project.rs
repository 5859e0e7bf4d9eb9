//! `revisor.toml`, the project file, found in the current directory or a
//! parent, as Alembic's `alembic.ini`.
//!
//! ```toml
//! migrations = "migrations"            # the migration set
//! schema = "schema.sql"                # the declared schema
//! database_url = "sqlite://app.db"     # or, to keep it out of the file:
//! # database_url_env = "DATABASE_URL"  # the variable that holds it
//! dev_database_url = "postgres://localhost/postgres"
//! version_table = "revisor_version"
//! dialect = "sqlite"                   # postgresql, mysql or sqlite
//! file_template = "%(rev)s_%(slug)s"   # Alembic's file_template
//! truncate_slug_length = 40
//! post_write_hooks = ["sqlfluff fix --dialect sqlite {file}"]
//!
//! [lint]                               # see crate::lint::LintConfig
//! enable = ["style"]
//! disable = ["RV602"]
//! server_version = "15"
//! ```
//!
//! Precedence: flags, then environment, then the file, then defaults. The
//! file's values are exported as the `REVISOR_*` variables that are not set
//! already, before the command line is parsed, so every flag that has a
//! variable takes them as its default. Relative paths are relative to the
//! file's directory. An unknown key is an error naming the file and line.

use super::CliError;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The file name.
pub const FILE: &str = "revisor.toml";

/// What `revisor.toml` may say.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    /// The migrations directory.
    pub migrations: Option<PathBuf>,
    /// The declared schema (file or directory).
    pub schema: Option<PathBuf>,
    /// The database URL (prefer `database_url_env` for a URL with a password).
    pub database_url: Option<String>,
    /// The name of the environment variable that holds the database URL.
    pub database_url_env: Option<String>,
    /// A server for scratch databases (autogenerate on PostgreSQL and MySQL).
    pub dev_database_url: Option<String>,
    /// The version table.
    pub version_table: Option<String>,
    /// The dialect (`postgresql`, `mysql`, `sqlite`).
    pub dialect: Option<String>,
    /// New revision file names: `%(rev)s` and `%(slug)s` (Alembic's `file_template`).
    pub file_template: Option<String>,
    /// Longest slug in a file name (Alembic's `truncate_slug_length`, 40).
    pub truncate_slug_length: Option<usize>,
    /// Commands run on each new revision file, `{file}` replaced by its path
    /// (Alembic's `post_write_hooks`).
    #[serde(default)]
    pub post_write_hooks: Vec<String>,
    /// `[lint]`: rules on and off, severities, the server version.
    #[serde(default)]
    pub lint: crate::lint::LintConfig,
    /// Where the file is (not a key).
    #[serde(skip)]
    pub path: PathBuf,
}

/// `revisor.toml` in `start` or the nearest parent, if any.
pub fn find(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|d| d.join(FILE))
        .find(|p| p.is_file())
}

/// Reads `path`.
///
/// # Errors
/// [`CliError::Input`] naming the file, line and column of a syntax error or
/// an unknown key.
pub fn read(path: &Path) -> Result<Project, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Input(format!("cannot read {}: {e}", path.display())))?;
    let mut p: Project = toml::from_str(&text).map_err(|e| {
        let at = e
            .span()
            .map(|s| {
                let line = text[..s.start.min(text.len())].matches('\n').count() + 1;
                format!(":{line}")
            })
            .unwrap_or_default();
        CliError::Input(format!("{}{at}: {}", path.display(), e.message()))
    })?;
    if let Some(d) = &p.dialect {
        crate::dialect::Dialect::from_name(d)
            .map_err(|e| CliError::Input(format!("{}: dialect: {e}", path.display())))?;
    }
    p.lint
        .validate()
        .map_err(|e| CliError::Input(format!("{}: {e}", path.display())))?;
    p.path = path.to_path_buf();
    Ok(p)
}

impl Project {
    fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    fn resolve(&self, p: &Path) -> String {
        self.dir().join(p).display().to_string()
    }

    /// A relative SQLite file in the file's URL is relative to the file,
    /// like its other paths.
    fn sqlite_relative_to_file(&self, url: String) -> String {
        match url.strip_prefix("sqlite://") {
            Some(path)
                if !path.starts_with('/') && !path.contains(":memory:") && !path.is_empty() =>
            {
                format!("sqlite://{}", self.resolve(Path::new(path)))
            }
            _ => url,
        }
    }

    /// The `REVISOR_*` variables the file provides, as `(name, value)`.
    pub fn variables(&self) -> Vec<(&'static str, String)> {
        let mut v = Vec::new();
        if let Some(m) = &self.migrations {
            v.push(("REVISOR_MIGRATIONS_DIR", self.resolve(m)));
        }
        if let Some(s) = &self.schema {
            v.push(("REVISOR_SCHEMA", self.resolve(s)));
        }
        let url = self
            .database_url_env
            .as_ref()
            .and_then(|name| std::env::var(name).ok())
            .or_else(|| self.database_url.clone());
        if let Some(u) = url {
            v.push(("REVISOR_DATABASE_URL", self.sqlite_relative_to_file(u)));
        }
        if let Some(u) = &self.dev_database_url {
            v.push(("REVISOR_DEV_DATABASE_URL", u.clone()));
        }
        if let Some(t) = &self.version_table {
            v.push(("REVISOR_VERSION_TABLE", t.clone()));
        }
        if let Some(d) = &self.dialect {
            v.push(("REVISOR_DIALECT", d.clone()));
        }
        v
    }
}

/// Finds and reads the project file from the current directory up, and
/// exports its values as defaults (see the module docs). Returns it.
///
/// # Errors
/// As [`read`].
pub fn load_and_export() -> Result<Option<Project>, CliError> {
    let Some(path) = std::env::current_dir().ok().and_then(|d| find(&d)) else {
        return Ok(None);
    };
    let project = read(&path)?;
    for (name, value) in project.variables() {
        if std::env::var_os(name).is_none() {
            std::env::set_var(name, value);
        }
    }
    let _ = LOADED.set(project.clone());
    Ok(Some(project))
}

static LOADED: std::sync::OnceLock<Project> = std::sync::OnceLock::new();

/// The project file this process loaded, if any.
pub fn loaded() -> Option<&'static Project> {
    LOADED.get()
}

/// A new revision's file name from `template` (Alembic's `%(rev)s`,
/// `%(slug)s`), with `.sql` added.
pub fn file_name(template: &str, rev: &str, slug: &str) -> String {
    format!(
        "{}.sql",
        template.replace("%(rev)s", rev).replace("%(slug)s", slug)
    )
}

/// Runs each post-write hook on `file` (`{file}` replaced by its path) in
/// a shell.
///
/// # Errors
/// [`CliError::Runtime`] naming the hook that failed.
pub fn run_hooks(hooks: &[String], file: &Path) -> Result<(), CliError> {
    for hook in hooks {
        let cmd = hook.replace("{file}", &file.display().to_string());
        let status = std::process::Command::new("sh")
            .args(["-c", &cmd])
            .status()
            .map_err(|e| CliError::Runtime(format!("post-write hook `{cmd}`: {e}")))?;
        if !status.success() {
            return Err(CliError::Runtime(format!(
                "post-write hook `{cmd}` failed ({status})"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("revisor-toml-{}", fastrand::u64(..)));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(FILE);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn an_unknown_key_names_file_and_line() {
        let p = write("migrations = \"m\"\n\nversion_tabel = \"x\"\n");
        let e = read(&p).unwrap_err().to_string();
        assert!(e.contains("revisor.toml:3"), "{e}");
        assert!(e.contains("version_tabel"), "{e}");
    }

    #[test]
    fn paths_are_relative_to_the_file_and_the_url_can_come_from_a_variable() {
        let p = write("migrations = \"db/migrations\"\ndatabase_url_env = \"REVISOR_TEST_PROJECT_URL_X\"\ndatabase_url = \"sqlite://fallback.db\"\n");
        let project = read(&p).unwrap();
        let vars = project.variables();
        let dir = p
            .parent()
            .unwrap()
            .join("db/migrations")
            .display()
            .to_string();
        assert!(vars.contains(&("REVISOR_MIGRATIONS_DIR", dir)));
        let db = p
            .parent()
            .unwrap()
            .join("fallback.db")
            .display()
            .to_string();
        assert!(vars.contains(&("REVISOR_DATABASE_URL", format!("sqlite://{db}"))));
    }

    #[test]
    fn the_file_template_names_files_as_alembic() {
        assert_eq!(
            file_name("%(rev)s_%(slug)s", "ab12", "add_users"),
            "ab12_add_users.sql"
        );
        assert_eq!(file_name("%(slug)s-%(rev)s", "ab12", "x"), "x-ab12.sql");
    }

    #[test]
    fn a_bad_dialect_is_refused() {
        let p = write("dialect = \"oracle\"\n");
        assert!(read(&p).unwrap_err().to_string().contains("dialect"));
    }
}
