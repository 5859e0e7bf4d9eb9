//! One migration file becomes one [`Revision`]: header, up and down sections,
//! checksum. Pure: no I/O.
//!
//! The format is SPEC.md's "Migration files":
//!
//! ```sql
//! -- revision: 1975ea83b712
//! -- down_revision: 27c6a30d7c24
//! -- message: add email column to users
//!
//! -- migrate:up
//! ALTER TABLE users ADD COLUMN email TEXT;
//!
//! -- migrate:down
//! ALTER TABLE users DROP COLUMN email;
//! ```
//!
//! Decisions where SPEC.md is silent (also in the README):
//! - Header lines are `-- key: value`; blank lines and `--` comments that do
//!   not have the `word:` shape are allowed in the header. Any SQL before the
//!   first `-- migrate:` marker is an error, so a statement can never be
//!   silently ignored.
//! - Markers are exactly `-- migrate:up` and `-- migrate:down` (trailing
//!   white space allowed), each at most once, in any order.
//! - A down section that is missing or holds only white space makes the
//!   revision irreversible. One that holds only comments is a deliberate
//!   no-op (a merge revision's "nothing to undo") and stays reversible.

pub mod yaml;

pub use crate::sqltext::{
    checksum, split_statements, split_statements_with, SplitError, Statement,
};

/// Longest revision id, in characters: the width of Alembic's
/// `alembic_version.version_num VARCHAR(32)` column, so every id fits.
pub const MAX_ID_LEN: usize = 32;

/// One revision: a parsed migration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    /// The revision id (`revision:`), 1 to [`MAX_ID_LEN`] of `[A-Za-z0-9_]`.
    pub id: String,
    /// Parent revision ids (`down_revision:`), in file order; empty for a base,
    /// two or more for a merge revision.
    pub down_revisions: Vec<String>,
    /// Branch labels this revision declares (`branch_labels:`).
    pub branch_labels: Vec<String>,
    /// Revision ids or branch labels that must be applied first without being
    /// parents (`depends_on:`), as written.
    pub depends_on: Vec<String>,
    /// Whether the steps run inside a transaction (`transactional:`, default
    /// `true`); `false` for `CREATE INDEX CONCURRENTLY` and friends.
    pub transactional: bool,
    /// Free text (`message:`), empty when absent.
    pub message: String,
    /// The SQL of the up section, exactly as written (line endings included).
    pub up_sql: String,
    /// The SQL of the down section; `None` when the marker is missing or the
    /// section is only white space, which makes the revision irreversible.
    pub down_sql: Option<String>,
    /// SHA-256 of `up_sql` with CRLF normalised to LF, lowercase hex (64
    /// chars): SPEC.md's checksum, compared with the history for drift.
    pub checksum: String,
    /// The same digest of `down_sql` (of the empty string when there is
    /// none), so that a plan hash covers the SQL of its down steps too.
    pub down_checksum: String,
    /// Where this revision came from: the file name (or ConfigMap key).
    pub file: String,
    /// 1-based line numbers of header keys, for errors found later (an unknown
    /// parent names the line of its `down_revision:`).
    pub lines: HeaderLines,
    /// `lint_allow:` header values (`CODE[,CODE] reason`), with their lines.
    pub lint_allow: Vec<(usize, String)>,
    /// The operations of an operation revision (`*.yaml`, [`crate::ops`]),
    /// rendered for the dialect when a step runs; `None` for a SQL file.
    pub ops: Option<std::sync::Arc<crate::ops::Body>>,
}

/// 1-based line numbers of header keys in the file; 0 when the key is absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderLines {
    /// Line of `revision:`.
    pub revision: usize,
    /// Line of `down_revision:`.
    pub down_revision: usize,
    /// Line of `branch_labels:`.
    pub branch_labels: usize,
    /// Line of `depends_on:`.
    pub depends_on: usize,
    /// Line of `-- migrate:up` (0 when missing).
    pub up: usize,
    /// Line of `-- migrate:down` (0 when missing).
    pub down: usize,
}

impl Revision {
    /// Whether the revision can be downgraded (it has a non-empty down section).
    pub fn is_reversible(&self) -> bool {
        self.down_sql.is_some()
    }

    /// Parses one migration file. `file` is only used in errors and kept in
    /// [`Revision::file`].
    ///
    /// # Errors
    /// Every problem in the file, each with the file name and 1-based line:
    /// unknown or duplicate header keys, a missing or malformed `revision`,
    /// invalid ids or labels, a bad `transactional` value, SQL before the
    /// first marker, a duplicate or unknown marker, a missing
    /// `-- migrate:up`, and unterminated quotes or comments in a section.
    pub fn parse(file: &str, contents: &str) -> Result<Revision, Vec<ParseError>> {
        if yaml::is_ops_file(file) {
            return yaml::parse(file, contents);
        }
        Parser::new(file).parse(contents)
    }
}

/// A problem in one migration file, with its location.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {kind}")]
pub struct ParseError {
    /// The file name (or ConfigMap key).
    pub file: String,
    /// 1-based line number; 1 for problems of the whole file.
    pub line: usize,
    /// What is wrong.
    pub kind: ParseErrorKind,
}

/// What is wrong in a migration file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseErrorKind {
    /// A header key that the format does not know.
    #[error("unknown header key `{0}` (known: revision, down_revision, branch_labels, depends_on, transactional, message, lint_allow)")]
    UnknownKey(String),
    /// `-- needs_sql: why`: an imported revision whose SQL a person must
    /// write (its code needed a live connection); an error until the line
    /// is removed.
    #[error("this revision needs its SQL written by a person ({0}): write the up and down sections, then delete the `needs_sql` line")]
    NeedsSql(String),
    /// The same header key twice.
    #[error("duplicate header key `{key}` (first on line {first_line})")]
    DuplicateKey {
        /// The key.
        key: String,
        /// Where it was first given.
        first_line: usize,
    },
    /// No `revision:` line.
    #[error("missing `-- revision:` header")]
    MissingRevision,
    /// An id that is empty, too long or has other characters than `[A-Za-z0-9_]`.
    #[error("invalid {what} `{value}`: use 1 to 32 characters of [A-Za-z0-9_]")]
    InvalidId {
        /// Which field: "revision id", "down_revision", "depends_on", "branch label".
        what: &'static str,
        /// The value as written.
        value: String,
    },
    /// A branch label that is a reserved word of target expressions.
    #[error("branch label `{0}` is reserved (head, heads, base)")]
    ReservedLabel(String),
    /// A revision id that is a reserved word of target expressions: `base`
    /// would make `upgrade base` mean nothing (SPEC.md, migration files).
    #[error("revision id `{0}` is reserved (base, head, heads are target words)")]
    ReservedId(String),
    /// `transactional:` is not `true` or `false`.
    #[error("`transactional` must be `true` or `false`, not `{0}`")]
    InvalidTransactional(String),
    /// SQL text before the first marker.
    #[error(
        "SQL before `-- migrate:up`; the header may only hold `-- key: value` lines and comments"
    )]
    SqlBeforeMarker,
    /// A `-- migrate:` marker that is not `up` or `down`.
    #[error("unknown marker `{0}` (use `-- migrate:up` or `-- migrate:down`)")]
    UnknownMarker(String),
    /// A marker given twice.
    #[error("duplicate `-- migrate:{marker}` marker (first on line {first_line})")]
    DuplicateMarker {
        /// `up` or `down`.
        marker: &'static str,
        /// Where it was first given.
        first_line: usize,
    },
    /// No `-- migrate:up` marker.
    #[error("missing `-- migrate:up` marker")]
    MissingUp,
    /// An operation revision that is not valid YAML or does not have the
    /// format's shape (unknown key or operation, missing field).
    #[error("{0}")]
    Yaml(String),
    /// An operation that is not valid (unknown type, empty name, ...).
    #[error("{section}[{index}] {op}: {message}")]
    Operation {
        /// `upgrade` or `downgrade`.
        section: &'static str,
        /// 0-based position in the list.
        index: usize,
        /// The operation's key (`add_column`).
        op: String,
        /// What is wrong.
        message: String,
    },
    /// The SQL of a section cannot be split into statements.
    #[error("{section} section: {source}")]
    Sql {
        /// `up` or `down`.
        section: &'static str,
        /// What the splitter found.
        source: SplitError,
    },
}

/// The `revision:` value of a file's header, if it has a valid one, even
/// when the rest of the file does not parse.
pub fn peek_id(contents: &str) -> Option<String> {
    contents
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("-- migrate:") && !l.starts_with("--migrate:"))
        .filter_map(|l| header_pair(l.strip_prefix("--").unwrap_or(l).trim_start()))
        .find(|(k, _)| *k == "revision")
        .map(|(_, v)| v.to_owned())
        .filter(|v| is_valid_id(v))
}

/// Whether a file name is a migration file: `*.sql`, or an operation
/// revision (`*.yaml`, `*.yml`).
pub fn is_migration_file(name: &str) -> bool {
    name.ends_with(".sql") || yaml::is_ops_file(name)
}

/// The slug of `message`: lower case, runs of other characters than
/// `[a-z0-9]` as `_`, cut at `len` characters (Alembic's `truncate_slug_length`).
pub fn slug(message: &str, len: usize) -> String {
    let mut s = String::new();
    for c in message.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            s.push(c);
        } else if !s.ends_with('_') && !s.is_empty() {
            s.push('_');
        }
    }
    let mut s: String = s.chars().take(len).collect();
    while s.ends_with('_') {
        s.pop();
    }
    s
}

/// Checks a revision id or branch label: 1 to [`MAX_ID_LEN`] of `[A-Za-z0-9_]`.
pub fn is_valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_ID_LEN
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Splits a comma-separated header value into trimmed, non-empty items.
fn list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

const KNOWN_KEYS: [&str; 8] = [
    "revision",
    "down_revision",
    "branch_labels",
    "depends_on",
    "transactional",
    "message",
    // Read by `revisor lint` (suppressions for the whole revision).
    "lint_allow",
    // Written by `revisor import` where a person must write the SQL: an
    // error until they do (`validate`, `lint`, every command that loads
    // the set).
    "needs_sql",
];
const RESERVED: [&str; 3] = ["head", "heads", "base"];

struct Parser<'f> {
    file: &'f str,
    errors: Vec<ParseError>,
}

/// Where a section starts and ends, as byte offsets into the file, and the
/// 1-based line of its marker.
#[derive(Clone, Copy)]
struct Section {
    marker_line: usize,
    start: usize,
    end: usize,
}

impl<'f> Parser<'f> {
    fn new(file: &'f str) -> Self {
        Parser {
            file,
            errors: Vec::new(),
        }
    }

    fn err(&mut self, line: usize, kind: ParseErrorKind) {
        self.errors.push(ParseError {
            file: self.file.to_owned(),
            line,
            kind,
        });
    }

    fn parse(mut self, contents: &str) -> Result<Revision, Vec<ParseError>> {
        let mut header: Vec<(usize, &str, &str)> = Vec::new();
        let mut up: Option<Section> = None;
        let mut down: Option<Section> = None;
        // The section whose body the current line belongs to.
        let mut open: Option<&'static str> = None;
        let mut offset = 0;
        for (idx, raw) in contents.split_inclusive('\n').enumerate() {
            let line_no = idx + 1;
            let line_start = offset;
            offset += raw.len();
            let line = raw.trim_end_matches(['\n', '\r']);
            let trimmed = line.trim();
            if let Some(rest) = trimmed.strip_prefix("--").map(str::trim_start) {
                if let Some(marker) = rest.strip_prefix("migrate:") {
                    let marker = marker.trim();
                    let (name, slot): (&'static str, &mut Option<Section>) = match marker {
                        "up" => ("up", &mut up),
                        "down" => ("down", &mut down),
                        other => {
                            let other = other.to_owned();
                            self.err(line_no, ParseErrorKind::UnknownMarker(other));
                            continue;
                        }
                    };
                    if let Some(first) = slot {
                        let first_line = first.marker_line;
                        self.err(
                            line_no,
                            ParseErrorKind::DuplicateMarker {
                                marker: name,
                                first_line,
                            },
                        );
                        continue;
                    }
                    // Close the section that was open.
                    for s in [&mut up, &mut down].into_iter().flatten() {
                        if s.end == usize::MAX {
                            s.end = line_start;
                        }
                    }
                    let section = Section {
                        marker_line: line_no,
                        start: offset,
                        end: usize::MAX,
                    };
                    match name {
                        "up" => up = Some(section),
                        _ => down = Some(section),
                    }
                    open = Some(name);
                    continue;
                }
                if open.is_none() {
                    if let Some((key, value)) = header_pair(rest) {
                        header.push((line_no, key, value));
                    }
                }
                continue;
            }
            if open.is_none() && !trimmed.is_empty() {
                self.err(line_no, ParseErrorKind::SqlBeforeMarker);
            }
        }
        for s in [&mut up, &mut down].into_iter().flatten() {
            if s.end == usize::MAX {
                s.end = contents.len();
            }
        }
        let mut rev = self.header(&header);
        rev.lines.up = up.map_or(0, |s| s.marker_line);
        rev.lines.down = down.map_or(0, |s| s.marker_line);
        if up.is_none() {
            self.err(1, ParseErrorKind::MissingUp);
        }
        let up_sql = up.map(|s| &contents[s.start..s.end]).unwrap_or("");
        let down_sql = down.map(|s| &contents[s.start..s.end]);
        if let Some(s) = up {
            if let Err(source) = split_statements(up_sql) {
                self.err(
                    s.marker_line + source.line(),
                    ParseErrorKind::Sql {
                        section: "up",
                        source,
                    },
                );
            }
        }
        let mut down_kept = None;
        if let (Some(s), Some(sql)) = (down, down_sql) {
            match split_statements(sql) {
                Ok(_) if sql.trim().is_empty() => {}
                Ok(_) => down_kept = Some(sql.to_owned()),
                Err(source) => {
                    self.err(
                        s.marker_line + source.line(),
                        ParseErrorKind::Sql {
                            section: "down",
                            source,
                        },
                    );
                }
            }
        }
        if !self.errors.is_empty() {
            self.errors.sort_by_key(|e| e.line);
            return Err(self.errors);
        }
        rev.up_sql = up_sql.to_owned();
        rev.checksum = checksum(up_sql);
        rev.down_checksum = checksum(down_kept.as_deref().unwrap_or(""));
        rev.down_sql = down_kept;
        Ok(rev)
    }

    /// Interprets the header pairs; reports problems into `self.errors`.
    fn header(&mut self, pairs: &[(usize, &str, &str)]) -> Revision {
        let mut rev = Revision {
            id: String::new(),
            down_revisions: Vec::new(),
            branch_labels: Vec::new(),
            depends_on: Vec::new(),
            transactional: true,
            message: String::new(),
            up_sql: String::new(),
            down_sql: None,
            checksum: String::new(),
            down_checksum: String::new(),
            file: self.file.to_owned(),
            lines: HeaderLines::default(),
            lint_allow: Vec::new(),
            ops: None,
        };
        let mut seen: Vec<(&str, usize)> = Vec::new();
        for &(line, key, value) in pairs {
            if !KNOWN_KEYS.contains(&key) {
                self.err(line, ParseErrorKind::UnknownKey(key.to_owned()));
                continue;
            }
            if let Some(&(_, first_line)) = seen.iter().find(|(k, _)| *k == key) {
                self.err(
                    line,
                    ParseErrorKind::DuplicateKey {
                        key: key.to_owned(),
                        first_line,
                    },
                );
                continue;
            }
            seen.push((key, line));
            match key {
                "revision" => {
                    rev.lines.revision = line;
                    if RESERVED.contains(&value) {
                        self.err(line, ParseErrorKind::ReservedId(value.to_owned()));
                    } else if is_valid_id(value) {
                        rev.id = value.to_owned();
                    } else {
                        self.err(
                            line,
                            ParseErrorKind::InvalidId {
                                what: "revision id",
                                value: value.to_owned(),
                            },
                        );
                    }
                }
                "down_revision" => {
                    rev.lines.down_revision = line;
                    rev.down_revisions = self.ids(line, value, "down_revision");
                }
                "depends_on" => {
                    rev.lines.depends_on = line;
                    rev.depends_on = self.ids(line, value, "depends_on");
                }
                "branch_labels" => {
                    rev.lines.branch_labels = line;
                    rev.branch_labels = self.ids(line, value, "branch label");
                    for label in &rev.branch_labels {
                        if RESERVED.contains(&label.as_str()) {
                            self.err(line, ParseErrorKind::ReservedLabel(label.clone()));
                        }
                    }
                }
                "transactional" => match value.to_ascii_lowercase().as_str() {
                    "true" => rev.transactional = true,
                    "false" => rev.transactional = false,
                    _ => self.err(line, ParseErrorKind::InvalidTransactional(value.to_owned())),
                },
                "lint_allow" => rev.lint_allow.push((line, value.to_owned())),
                "needs_sql" => self.err(line, ParseErrorKind::NeedsSql(value.to_owned())),
                _ => rev.message = value.to_owned(),
            }
        }
        if rev.lines.revision == 0 {
            self.err(1, ParseErrorKind::MissingRevision);
        }
        rev
    }

    fn ids(&mut self, line: usize, value: &str, what: &'static str) -> Vec<String> {
        let items = list(value);
        for item in &items {
            if !is_valid_id(item) {
                self.err(
                    line,
                    ParseErrorKind::InvalidId {
                        what,
                        value: item.clone(),
                    },
                );
            }
        }
        let mut unique: Vec<String> = Vec::with_capacity(items.len());
        for item in items {
            if !unique.contains(&item) {
                unique.push(item);
            }
        }
        unique
    }
}

/// `key: value` from the text after `--`, when the text has that shape
/// (a word of `[A-Za-z0-9_]` right before the colon).
fn header_pair(rest: &str) -> Option<(&str, &str)> {
    let (key, value) = rest.split_once(':')?;
    let key = key.trim_end();
    if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return None;
    }
    Some((key, value.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "-- revision: 1975ea83b712\n-- down_revision: 27c6a30d7c24\n-- message: add email column to users\n\n-- migrate:up\nALTER TABLE users ADD COLUMN email TEXT;\n\n-- migrate:down\nALTER TABLE users DROP COLUMN email;\n";

    fn kinds(file: &str, contents: &str) -> Vec<(usize, ParseErrorKind)> {
        Revision::parse(file, contents)
            .unwrap_err()
            .into_iter()
            .map(|e| (e.line, e.kind))
            .collect()
    }

    #[test]
    fn parses_the_spec_example() {
        let rev = Revision::parse("1975_add_email.sql", GOOD).unwrap();
        assert_eq!(rev.id, "1975ea83b712");
        assert_eq!(rev.down_revisions, vec!["27c6a30d7c24"]);
        assert_eq!(rev.message, "add email column to users");
        assert!(rev.transactional);
        assert_eq!(rev.up_sql, "ALTER TABLE users ADD COLUMN email TEXT;\n\n");
        assert_eq!(
            rev.down_sql.as_deref(),
            Some("ALTER TABLE users DROP COLUMN email;\n")
        );
        assert_eq!(rev.lines.down_revision, 2);
        assert!(rev.is_reversible());
    }

    #[test]
    fn checksum_is_sha256_of_up_section_with_crlf_normalised() {
        let rev = Revision::parse("a.sql", GOOD).unwrap();
        let crlf = Revision::parse("a.sql", &GOOD.replace('\n', "\r\n")).unwrap();
        assert_eq!(rev.checksum, crlf.checksum);
        // sha256("ALTER TABLE users ADD COLUMN email TEXT;\n\n") computed independently with sha256sum.
        assert_eq!(
            rev.checksum,
            checksum("ALTER TABLE users ADD COLUMN email TEXT;\n\n")
        );
        assert_eq!(
            checksum(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_ne!(
            rev.checksum,
            checksum("ALTER TABLE users ADD COLUMN email TEXT;\n")
        );
    }

    #[test]
    fn lists_merge_parents_labels_and_dependencies() {
        let src = "-- revision: m1\n-- down_revision: a1, b2\n-- branch_labels: shop,billing\n-- depends_on: c3\n-- transactional: false\n-- migrate:up\nSELECT 1;\n";
        let rev = Revision::parse("m.sql", src).unwrap();
        assert_eq!(rev.down_revisions, vec!["a1", "b2"]);
        assert_eq!(rev.branch_labels, vec!["shop", "billing"]);
        assert_eq!(rev.depends_on, vec!["c3"]);
        assert!(!rev.transactional);
    }

    #[test]
    fn empty_down_revision_is_a_base() {
        let rev = Revision::parse(
            "a.sql",
            "-- revision: a\n-- down_revision:\n-- migrate:up\nSELECT 1;\n",
        )
        .unwrap();
        assert!(rev.down_revisions.is_empty());
    }

    #[test]
    fn missing_or_blank_down_section_is_irreversible_but_comments_are_a_no_op() {
        let none = Revision::parse("a.sql", "-- revision: a\n-- migrate:up\nSELECT 1;\n").unwrap();
        assert!(!none.is_reversible());
        let blank = Revision::parse(
            "a.sql",
            "-- revision: a\n-- migrate:up\nSELECT 1;\n-- migrate:down\n  \n\n",
        )
        .unwrap();
        assert!(!blank.is_reversible());
        let noop = Revision::parse(
            "a.sql",
            "-- revision: a\n-- migrate:up\n-- merge\n-- migrate:down\n-- nothing to undo\n",
        )
        .unwrap();
        assert!(noop.is_reversible());
    }

    #[test]
    fn free_comments_are_allowed_in_the_header() {
        let rev = Revision::parse(
            "a.sql",
            "-- Adds the users table.\n\n-- revision: a\n-- migrate:up\nSELECT 1;\n",
        )
        .unwrap();
        assert_eq!(rev.id, "a");
    }

    #[test]
    fn unknown_key_names_file_and_line() {
        let errs = Revision::parse(
            "0002_x.sql",
            "-- revision: a\n-- parent: b\n-- migrate:up\nSELECT 1;\n",
        )
        .unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].to_string(), "0002_x.sql:2: unknown header key `parent` (known: revision, down_revision, branch_labels, depends_on, transactional, message, lint_allow)");
    }

    #[test]
    fn duplicate_key_points_at_both_lines() {
        let got = kinds(
            "a.sql",
            "-- revision: a\n-- message: x\n-- message: y\n-- migrate:up\nSELECT 1;\n",
        );
        assert_eq!(
            got,
            vec![(
                3,
                ParseErrorKind::DuplicateKey {
                    key: "message".into(),
                    first_line: 2
                }
            )]
        );
    }

    #[test]
    fn missing_up_marker_and_revision_are_errors() {
        let got = kinds("a.sql", "-- message: x\n");
        assert_eq!(
            got,
            vec![
                (1, ParseErrorKind::MissingRevision),
                (1, ParseErrorKind::MissingUp)
            ]
        );
    }

    #[test]
    fn target_words_are_not_revision_ids() {
        for word in ["base", "head", "heads"] {
            let got = kinds(
                "0001_x.sql",
                &format!("-- message: x\n-- revision: {word}\n-- migrate:up\n"),
            );
            assert_eq!(got, vec![(2, ParseErrorKind::ReservedId(word.into()))]);
        }
        let yaml = Revision::parse("0001_x.yaml", "revision: base\nupgrade: []\n").unwrap_err();
        assert_eq!(yaml[0].line, 1);
        assert!(
            yaml[0]
                .to_string()
                .contains("revision id `base` is reserved"),
            "{}",
            yaml[0]
        );
    }

    #[test]
    fn invalid_ids_are_errors() {
        let long = "x".repeat(33);
        let got = kinds(
            "a.sql",
            &format!("-- revision: {long}\n-- down_revision: ok, bad-id\n-- migrate:up\n"),
        );
        assert_eq!(
            got,
            vec![
                (
                    1,
                    ParseErrorKind::InvalidId {
                        what: "revision id",
                        value: long
                    }
                ),
                (
                    2,
                    ParseErrorKind::InvalidId {
                        what: "down_revision",
                        value: "bad-id".into()
                    }
                ),
            ]
        );
    }

    #[test]
    fn reserved_labels_and_bad_transactional_are_errors() {
        let got = kinds(
            "a.sql",
            "-- revision: a\n-- branch_labels: head\n-- transactional: maybe\n-- migrate:up\n",
        );
        assert_eq!(
            got,
            vec![
                (2, ParseErrorKind::ReservedLabel("head".into())),
                (3, ParseErrorKind::InvalidTransactional("maybe".into()))
            ]
        );
    }

    #[test]
    fn sql_before_marker_and_marker_problems_are_errors() {
        let got = kinds(
            "a.sql",
            "-- revision: a\nCREATE TABLE t (id int);\n-- migrate:up\nSELECT 1;\n-- migrate:up\n-- migrate:sideways\n",
        );
        assert_eq!(
            got,
            vec![
                (2, ParseErrorKind::SqlBeforeMarker),
                (
                    5,
                    ParseErrorKind::DuplicateMarker {
                        marker: "up",
                        first_line: 3
                    }
                ),
                (6, ParseErrorKind::UnknownMarker("sideways".into())),
            ]
        );
    }

    #[test]
    fn unterminated_string_names_the_line() {
        let errs = Revision::parse(
            "a.sql",
            "-- revision: a\n-- migrate:up\nSELECT 1;\nSELECT 'oops;\n",
        )
        .unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].line, 4);
        assert!(errs[0].to_string().contains("unterminated"), "{}", errs[0]);
    }

    #[test]
    fn down_before_up_is_accepted() {
        let rev = Revision::parse("a.sql", "-- revision: a\n-- migrate:down\nDROP TABLE t;\n-- migrate:up\nCREATE TABLE t (id int);\n").unwrap();
        assert_eq!(rev.up_sql, "CREATE TABLE t (id int);\n");
        assert_eq!(rev.down_sql.as_deref(), Some("DROP TABLE t;\n"));
    }
}
