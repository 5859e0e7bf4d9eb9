//! What tunes lint: `revisor.toml`'s `[lint]` table and the server version
//! the version-dependent rules assume.

use super::rules::{rule_of, Rule, Severity, RULES};
use crate::dialect::OnlineDdl;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

/// `revisor.toml`'s `[lint]` table:
///
/// ```toml
/// [lint]
/// enable = ["style"]             # codes, or category names (style, hygiene, ...)
/// disable = ["RV601", "RV602"]
/// server_version = "15"          # as --server-version
/// [lint.severity]
/// RV301 = "error"
/// ```
///
/// `disable` beats `enable`; style rules run only when enabled.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LintConfig {
    /// Rules (or categories) to run that are off by default.
    #[serde(default)]
    pub enable: Vec<String>,
    /// Rules (or categories) not to run.
    #[serde(default)]
    pub disable: Vec<String>,
    /// Severity by rule code.
    #[serde(default)]
    pub severity: BTreeMap<String, Severity>,
    /// The server version the rules assume (`--server-version` beats it).
    pub server_version: Option<String>,
}

impl LintConfig {
    /// Checks that every code names a rule and every category exists.
    ///
    /// # Errors
    /// The first unknown name, as `[lint] disable: no rule or category RV999`.
    pub fn validate(&self) -> Result<(), String> {
        let known = |s: &str| {
            rule_of(s).is_some() || s == "all" || RULES.iter().any(|r| r.category.name() == s)
        };
        for (key, list) in [("enable", &self.enable), ("disable", &self.disable)] {
            if let Some(bad) = list.iter().find(|s| !known(s)) {
                return Err(format!("[lint] {key}: no rule or category {bad}"));
            }
        }
        if let Some(bad) = self.severity.keys().find(|c| rule_of(c).is_none()) {
            return Err(format!("[lint.severity]: no rule {bad}"));
        }
        if let Some(v) = &self.server_version {
            ServerVersion::parse(v).map_err(|e| format!("[lint] server_version: {e}"))?;
        }
        Ok(())
    }

    fn names(list: &[String], rule: &Rule) -> bool {
        list.iter()
            .any(|s| s == rule.code || s == "all" || s == rule.category.name())
    }

    /// Whether `rule` runs.
    pub fn is_on(&self, rule: &Rule) -> bool {
        !Self::names(&self.disable, rule) && (rule.default_on || Self::names(&self.enable, rule))
    }

    /// `rule`'s severity here.
    pub fn severity(&self, rule: &Rule) -> Severity {
        self.severity
            .get(rule.code)
            .copied()
            .unwrap_or(rule.severity)
    }
}

/// A server version: `15`, `15.4`, `8.0.36`, `10.11.6-MariaDB`,
/// `mariadb-10.11`, or PostgreSQL's `server_version` text
/// (`15.20 (Debian 15.20-0+deb12u1)`). A MySQL-family version of major 10
/// or more is MariaDB (MySQL went from 5.7 to 8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ServerVersion {
    /// Major version.
    pub major: u32,
    /// Minor version (0 when not given).
    pub minor: u32,
    /// Patch version (0 when not given).
    pub patch: u32,
    /// Whether the text said MariaDB.
    pub mariadb: bool,
}

impl ServerVersion {
    /// Reads `text`.
    ///
    /// # Errors
    /// A message naming the text when it does not start with a number.
    pub fn parse(text: &str) -> Result<ServerVersion, String> {
        let lower = text.trim().to_ascii_lowercase();
        let mariadb = lower.contains("mariadb");
        let digits = lower
            .trim_start_matches("mariadb")
            .trim_start_matches("mysql")
            .trim_start_matches("postgresql")
            .trim_start_matches("postgres")
            .trim_start_matches(['-', ':', ' ', 'v']);
        let numbers: Vec<u32> = digits
            .split(|c: char| !c.is_ascii_digit())
            .take_while(|s| !s.is_empty())
            .take(3)
            .map(|s| s.parse().unwrap_or(0))
            .collect();
        let Some(&major) = numbers.first() else {
            return Err(format!(
                "`{text}` is not a version (15, 15.4, 8.0.36, mariadb-10.11)"
            ));
        };
        Ok(ServerVersion {
            major,
            minor: numbers.get(1).copied().unwrap_or(0),
            patch: numbers.get(2).copied().unwrap_or(0),
            mariadb,
        })
    }

    /// The version lint assumes when none is given: PostgreSQL 14 (the
    /// oldest major most hosted services still run), MySQL 8.4 (its
    /// long-term release), SQLite 3.35 (the first with DROP COLUMN).
    pub fn assumed(family: OnlineDdl) -> ServerVersion {
        let (major, minor) = match family {
            OnlineDdl::LockLevels => (14, 0),
            OnlineDdl::Algorithms => (8, 4),
            OnlineDdl::Rebuilds => (3, 35),
        };
        ServerVersion {
            major,
            minor,
            patch: 0,
            mariadb: false,
        }
    }

    /// Whether this is MariaDB (said so, or a MySQL-family major >= 10).
    pub fn is_mariadb(self) -> bool {
        self.mariadb || self.major >= 10
    }

    /// Whether this is at least `major.minor.patch`.
    pub fn at_least(self, major: u32, minor: u32, patch: u32) -> bool {
        (self.major, self.minor, self.patch) >= (major, minor, patch)
    }
}

impl fmt::Display for ServerVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)?;
        if self.patch > 0 {
            write!(f, ".{}", self.patch)?;
        }
        if self.mariadb {
            write!(f, "-MariaDB")?;
        }
        Ok(())
    }
}
