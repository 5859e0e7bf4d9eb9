//! The declared schema: `schema.sql`, or a `schema/` directory of `.sql`
//! files, read into the [`Schema`] model. Pure (the caller reads the files).
//!
//! Each file is split into statements by the migration splitter (which
//! knows strings, comments and dollar quotes, and gives line numbers), and
//! each statement is parsed by `sqlparser` in the target's dialect. Taken:
//! `CREATE TABLE` (columns, inline and table constraints), `CREATE [UNIQUE]
//! INDEX` (`indexes`), `ALTER TABLE ... ADD CONSTRAINT`, `ALTER TABLE ...
//! ALTER COLUMN ... SET DEFAULT | ADD GENERATED ... AS IDENTITY` and the
//! sequences of serial columns (`sequences`), PostgreSQL's `CREATE TYPE
//! ... AS ENUM` and `COMMENT ON TABLE|COLUMN`, `CREATE [OR REPLACE]
//! [MATERIALIZED] VIEW` (`views`), and `CREATE TRIGGER`, `CREATE
//! FUNCTION|PROCEDURE|AGGREGATE` (`routines`). Anything else is an error
//! naming the file and line, never silently dropped.

mod constraints;
mod domains;
mod indexes;
mod partitions;
mod routines;
mod sequences;
mod tables;
mod views;

use constraints::add_constraint;
pub use constraints::exclusion_definition;
use indexes::create_index;
pub use indexes::index_definition;
pub use views::resolve_reads;

use crate::dialect::Dialect;
use crate::schema::{IdentityKind, Schema};
use sequences::Sequences;
use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, CommentObject, GeneratedAs, Ident, ObjectName,
    Statement, UserDefinedTypeRepresentation,
};
use tables::create_table;

/// A declared-schema file that cannot be read into the model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct DeclaredError {
    /// The file.
    pub file: String,
    /// 1-based line of the statement.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Reads `files` (`(name, contents)`, in order) into one schema for `dialect`.
///
/// # Errors
/// Every [`DeclaredError`] found (all files are read): a statement that
/// does not parse, an unsupported statement or column option, a constraint
/// or index on a table not declared before it, a duplicate table.
pub fn parse(files: &[(String, String)], dialect: Dialect) -> Result<Schema, Vec<DeclaredError>> {
    parse_noting(files, dialect).map(|(schema, _)| schema)
}

/// What a dump holds besides the schema: session settings and client
/// directives that say nothing about the schema's state (SPEC: "session
/// noise ... is skipped with a note, not refused"). The kind, as the note
/// names it, or `None` for a statement to read.
fn noise(code: &str) -> Option<&'static str> {
    let upper: String = code
        .split_whitespace()
        .take(4)
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase();
    let starts = |p: &str| upper.starts_with(p);
    if code.trim().is_empty() {
        Some("comment-only statements (MySQL's /*!...*/ settings)")
    } else if starts("SET ") {
        Some("SET")
    } else if starts("SELECT PG_CATALOG.SET_CONFIG") {
        Some("SELECT pg_catalog.set_config")
    } else if starts("DROP TABLE IF EXISTS")
        || starts("DROP FUNCTION IF EXISTS")
        || starts("DROP PROCEDURE IF EXISTS")
        || starts("DROP TRIGGER IF EXISTS")
    {
        Some("DROP ... IF EXISTS before a CREATE")
    } else if starts("LOCK TABLES") || starts("UNLOCK TABLES") {
        Some("LOCK/UNLOCK TABLES")
    } else if starts("COMMENT ON EXTENSION") {
        Some("COMMENT ON EXTENSION (the extension sets its own)")
    } else if starts("COMMENT ON SCHEMA") {
        // pg_dump of PostgreSQL 14 and older writes `COMMENT ON SCHEMA
        // public IS 'standard public schema'`: the model is one schema's
        // contents, not the schema.
        Some("COMMENT ON SCHEMA (the model holds a schema's contents)")
    } else if starts("GRANT ") || starts("REVOKE ") {
        Some("GRANT/REVOKE")
    } else if starts("ALTER ") && upper_words_have(code, &["OWNER", "TO"]) {
        Some("OWNER TO")
    } else {
        None
    }
}

fn upper_words_have(code: &str, phrase: &[&str]) -> bool {
    let words: Vec<&str> = code.split_whitespace().collect();
    words
        .windows(phrase.len())
        .any(|w| w.iter().zip(phrase).all(|(a, b)| a.eq_ignore_ascii_case(b)))
}

/// `text` without its block comments, `--` comment lines and blank space:
/// what a statement says.
fn code_of(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("/*") {
        out.push_str(&rest[..i]);
        rest = rest[i + 2..].split_once("*/").map_or("", |(_, r)| r);
    }
    out.push_str(rest);
    out.lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// [`parse`], and the notes on what it skipped (one per kind of session
/// noise, with a count), for the command to print.
///
/// # Errors
/// As [`parse`].
pub fn parse_noting(
    files: &[(String, String)],
    dialect: Dialect,
) -> Result<(Schema, Vec<String>), Vec<DeclaredError>> {
    let mut schema = Schema::default();
    let mut errors = Vec::new();
    let mut skipped: std::collections::BTreeMap<&'static str, usize> = Default::default();
    let mut notes = Vec::new();
    let mut sequences = Sequences::default();
    for (file, text) in files {
        // psql's meta-commands (`\restrict KEY` in pg_dump 17.6+ output)
        // end at the line's end, not at a semicolon: blank them, keeping
        // the line numbers.
        let text: String = text
            .lines()
            .map(|l| if l.starts_with('\\') { "" } else { l })
            .collect::<Vec<_>>()
            .join("\n");
        // MySQL runs `/*!50001 ... */` (mysqldump's views are in them).
        let text = if dialect.sql().versioned_comments() {
            crate::sqltext::open_versioned_comments(&text)
        } else {
            text
        };
        let statements =
            match crate::sqltext::split_statements_with(&text, dialect.sql().backslash_escapes()) {
                Ok(s) => s,
                Err(e) => {
                    errors.push(DeclaredError {
                        file: file.clone(),
                        line: 1,
                        message: e.to_string(),
                    });
                    continue;
                }
            };
        for st in statements {
            // The line where the statement's code starts, not that of the
            // comment block before it.
            let leading = st
                .sql
                .lines()
                .take_while(|l| l.trim().is_empty() || l.trim_start().starts_with("--"))
                .count();
            let err = |message: String| DeclaredError {
                file: file.clone(),
                line: st.line + leading,
                message,
            };
            let code = code_of(st.sql);
            if let Some(kind) = noise(&code) {
                *skipped.entry(kind).or_default() += 1;
                continue;
            }
            // Tokenizing a statement is most of what reading costs: only
            // one that may be a routine or trigger is looked at so.
            let routine = routines::may_be(&code);
            if dialect.sql().triggers() && routine {
                if let Some(read) = routines::read(st.sql, dialect) {
                    match read {
                        Ok(t) if schema.triggers.contains_key(&t.key()) => errors.push(err(
                            format!("trigger {} on {} is declared twice", t.name, t.table),
                        )),
                        Ok(t) => {
                            schema.triggers.insert(t.key(), t);
                        }
                        Err(m) => errors.push(err(m)),
                    }
                    continue;
                }
            }
            if dialect.sql().routines() && routine {
                if let Some(read) = routines::read_function(st.sql, dialect) {
                    match read {
                        Ok(f) if schema.functions.contains_key(&f.key()) => errors.push(err(
                            format!("{} {} is declared twice", f.kind().to_lowercase(), f.key()),
                        )),
                        Ok(f) => {
                            schema.functions.insert(f.key(), f);
                        }
                        Err(m) => errors.push(err(m)),
                    }
                    continue;
                }
            }
            sequences.at = (file.clone(), st.line + leading);
            if let Some(done) = sequences.alter_sequence(&code, dialect) {
                if let Err(m) = done {
                    errors.push(err(m));
                }
                continue;
            }
            if dialect.sql().partitioned_tables() {
                if let Some(done) = partitions::attach_index(&code, &mut schema) {
                    if let Err(m) = done {
                        errors.push(err(m));
                    }
                    continue;
                }
            }
            let (rewritten, not_null) = match domains::without_unread_clauses(&code) {
                Some((text, not_null)) => (Some(text), not_null),
                None => (
                    views::without_data_clause(&code)
                        .or_else(|| sequences.without_sequence_name(&code, dialect))
                        .or_else(|| partitions::without_only(&code))
                        .or_else(|| indexes::fulltext_as_alter(&code)),
                    false,
                ),
            };
            let parsed = match parse_one(rewritten.as_deref().unwrap_or(st.sql), dialect) {
                Ok(p) => p,
                Err(m) => {
                    errors.push(err(
                        partitions::unread_partitioning(&code, dialect).unwrap_or(m)
                    ));
                    continue;
                }
            };
            let mut read = Read {
                schema: &mut schema,
                dialect,
                notes: &mut notes,
                sequences: &mut sequences,
                not_null,
            };
            if let Err(m) = read.apply(parsed) {
                errors.push(err(m));
            }
        }
    }
    for ((file, line), message) in sequences.resolve(&mut schema, dialect) {
        errors.push(DeclaredError {
            file,
            line,
            message,
        });
    }
    for message in partitions::resolve(&mut schema) {
        errors.push(DeclaredError {
            file: files.last().map(|f| f.0.clone()).unwrap_or_default(),
            line: 1,
            message,
        });
    }
    views::resolve_reads(&mut schema, dialect);
    if errors.is_empty() {
        // References in another case name the declared objects.
        let itself = schema.clone();
        let mut schema = schema.spelled_like(&itself, dialect.sql().name_case());
        if dialect.sql().indexes_foreign_keys() {
            for t in schema.tables.values_mut() {
                let fks = t.foreign_keys.clone();
                t.indexes.retain(|i| {
                    !fks.iter().any(|fk| {
                        fk.name.as_deref() == Some(i.name.as_str()) && fk.columns == i.columns
                    })
                });
            }
        }
        let skipped = skipped
            .into_iter()
            .map(|(kind, n)| format!("skipped {n} statement(s) of session noise: {kind}"));
        Ok((schema, skipped.chain(notes).collect()))
    } else {
        Err(errors)
    }
}

/// The key of table `name` in `schema`, matched case-insensitively where
/// the server compares table names so (SQLite; MySQL's are case-sensitive
/// on Linux).
fn table_key(schema: &Schema, name: &str, dialect: Dialect) -> String {
    if schema.tables.contains_key(name) || !dialect.sql().name_case().tables {
        return name.to_owned();
    }
    schema
        .tables
        .keys()
        .find(|k| k.eq_ignore_ascii_case(name))
        .cloned()
        .unwrap_or_else(|| name.to_owned())
}

fn parse_one(sql: &str, dialect: Dialect) -> Result<Statement, String> {
    let parsed = dialect.sql().parse(sql).map_err(|e| e.to_string())?;
    let mut it = parsed.into_iter();
    match (it.next(), it.next()) {
        (Some(s), None) => Ok(s),
        _ => Err("expected one statement".into()),
    }
}

fn ident(i: &Ident, dialect: Dialect) -> String {
    dialect.sql().fold_ident(&i.value, i.quote_style.is_some())
}

/// The last part of a possibly qualified name (`public.users` -> `users`).
fn object(name: &ObjectName, dialect: Dialect) -> Result<String, String> {
    name.0
        .last()
        .and_then(|p| p.as_ident())
        .map(|i| ident(i, dialect))
        .ok_or_else(|| format!("cannot read the name `{name}`"))
}

/// What one statement is read into: the schema, the notes for the
/// command to print, and the sequences resolved at the end.
struct Read<'a> {
    schema: &'a mut Schema,
    dialect: Dialect,
    notes: &'a mut Vec<String>,
    sequences: &'a mut Sequences,
    /// The `NOT NULL` taken out of a `CREATE DOMAIN` (see `domains`).
    not_null: bool,
}

impl Read<'_> {
    fn apply(&mut self, st: Statement) -> Result<(), String> {
        let dialect = self.dialect;
        match st {
            Statement::CreateTable(ct) => create_table(self.schema, &ct, dialect, self.notes),
            Statement::CreateIndex(ci) => create_index(self.schema, &ci, dialect),
            Statement::CreateSequence {
                name,
                sequence_options,
                temporary: false,
                ..
            } if dialect.sql().enum_types() => self
                .sequences
                .create(object(&name, dialect)?, &sequence_options),
            Statement::CreateSequence { name, .. } => Err(format!(
                "CREATE SEQUENCE {name}: sequences are in Revisor's model for PostgreSQL only"
            )),
            Statement::CreateType {
                name,
                representation: Some(UserDefinedTypeRepresentation::Enum { labels }),
            } if dialect.sql().enum_types() => {
                let name = object(&name, dialect)?;
                if self.schema.enums.contains_key(&name) {
                    return Err(format!("type {name} is declared twice"));
                }
                let labels = labels.into_iter().map(|l| l.value).collect();
                self.schema.enums.insert(name, labels);
                Ok(())
            }
            Statement::CreateDomain(cd) if dialect.sql().enum_types() => {
                let d = domains::domain(&cd, self.not_null, dialect)?;
                if self.schema.domains.contains_key(&d.name) {
                    return Err(format!("domain {} is declared twice", d.name));
                }
                self.schema.domains.insert(d.name.clone(), d);
                Ok(())
            }
            Statement::CreateView(cv) => views::create_view(self.schema, &cv, dialect),
            // mysqldump creates a placeholder view, drops it, then creates
            // the real one.
            Statement::Drop {
                object_type: sqlparser::ast::ObjectType::View,
                if_exists: true,
                names,
                ..
            } => {
                for n in &names {
                    self.schema.views.remove(&object(n, dialect)?);
                }
                Ok(())
            }
            Statement::CreateExtension(ce) if dialect.sql().enum_types() => {
                self.schema.extensions.insert(ident(&ce.name, dialect));
                Ok(())
            }
            Statement::AlterTable(at) => {
                let table = object(&at.name, dialect)?;
                let table = table_key(self.schema, &table, dialect);
                for op in at.operations {
                    self.alter_table(&table, op)?;
                }
                Ok(())
            }
            Statement::Comment {
                object_type,
                object_name,
                comment,
                ..
            } => {
                let parts: Vec<String> = object_name
                    .0
                    .iter()
                    .filter_map(|p| p.as_ident().map(|i| ident(i, dialect)))
                    .collect();
                match (object_type, parts.as_slice()) {
                    (CommentObject::Table, [.., t]) => {
                        let table = self.schema.tables.get_mut(t).ok_or_else(|| {
                            format!("COMMENT ON TABLE {t}: the table is not declared before it")
                        })?;
                        table.comment = comment;
                        Ok(())
                    }
                    (CommentObject::Column, [.., t, c]) => {
                        let col = self
                            .schema
                            .tables
                            .get_mut(t)
                            .and_then(|t| t.columns.iter_mut().find(|x| &x.name == c))
                            .ok_or_else(|| format!("COMMENT ON COLUMN {t}.{c}: no such declared column"))?;
                        col.comment = comment;
                        Ok(())
                    }
                    _ => Err("unsupported COMMENT: use COMMENT ON TABLE or COMMENT ON COLUMN".into()),
                }
            }
            other => Err(format!(
                "unsupported statement `{}`: a declared schema holds CREATE TABLE, CREATE [UNIQUE] INDEX, CREATE [MATERIALIZED] VIEW, CREATE TRIGGER, CREATE FUNCTION|PROCEDURE, ALTER TABLE ... ADD CONSTRAINT and COMMENT ON, and the sequences of serial columns",
                first_words(&other.to_string())
            )),
        }
    }

    /// One operation of `ALTER TABLE table`: what dumps write after the
    /// `CREATE TABLE` (constraints, serial defaults, identities).
    fn alter_table(&mut self, table: &str, op: AlterTableOperation) -> Result<(), String> {
        let dialect = self.dialect;
        if let AlterTableOperation::AttachPartitionOf {
            partition,
            for_values,
        } = &op
        {
            let child = table_key(self.schema, &object(partition, dialect)?, dialect);
            return partitions::attach(self.schema, table, &child, partitions::bound(for_values));
        }
        let t =
            self.schema.tables.get_mut(table).ok_or_else(|| {
                format!("ALTER TABLE {table}: the table is not declared before it")
            })?;
        match op {
            AlterTableOperation::AddConstraint {
                constraint,
                not_valid,
            } => {
                add_constraint(t, &constraint, not_valid, dialect)
            }
            AlterTableOperation::AlterColumn { column_name, op } => {
                let cname = ident(&column_name, dialect);
                let col = t
                    .columns
                    .iter_mut()
                    .find(|c| c.name == cname)
                    .ok_or_else(|| format!("ALTER TABLE {table}: no column {cname}"))?;
                match op {
                    AlterColumnOperation::SetDefault { value } => {
                        if !self.sequences.default_uses(table, &cname, &value, dialect) {
                            col.default = Some(value.to_string());
                        }
                        Ok(())
                    }
                    // What `schema dump` writes for a partition's column
                    // that differs from its parent's.
                    AlterColumnOperation::DropDefault => {
                        col.default = None;
                        Ok(())
                    }
                    AlterColumnOperation::SetNotNull => {
                        col.nullable = false;
                        Ok(())
                    }
                    AlterColumnOperation::DropNotNull => {
                        col.nullable = true;
                        Ok(())
                    }
                    AlterColumnOperation::AddGenerated {
                        generated_as,
                        sequence_options,
                    } => {
                        col.identity = true;
                        col.identity_kind = matches!(generated_as, Some(GeneratedAs::Always))
                            .then_some(IdentityKind::Always);
                        self.sequences.check_identity(
                            table,
                            &cname,
                            sequence_options.as_deref().unwrap_or_default(),
                        )
                    }
                    other => Err(format!(
                        "unsupported ALTER COLUMN operation `{other}`: a declared schema takes only SET/DROP DEFAULT, SET/DROP NOT NULL and ADD GENERATED ... AS IDENTITY there"
                    )),
                }
            }
            other => Err(format!(
                "unsupported ALTER TABLE operation `{other}`: a declared schema takes only ADD CONSTRAINT, ALTER COLUMN ... SET DEFAULT, ADD GENERATED ... AS IDENTITY and (PostgreSQL) ATTACH PARTITION"
            )),
        }
    }
}

/// Whether `code` starts with `words` (case-insensitive, any white space
/// between): the cheap test a reader makes before it tokenizes a
/// statement, since every statement of a dump comes past each reader.
fn starts_with_words(code: &str, words: &[&str]) -> bool {
    let mut have = code.split_whitespace();
    words
        .iter()
        .all(|w| have.next().is_some_and(|h| h.eq_ignore_ascii_case(w)))
}

/// Whether `code` holds `word` anywhere, ignoring ASCII case.
fn contains_word_ci(code: &str, word: &str) -> bool {
    code.as_bytes()
        .windows(word.len())
        .any(|w| w.eq_ignore_ascii_case(word.as_bytes()))
}

fn first_words(s: &str) -> String {
    s.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Action, Type};

    fn one(sql: &str, d: Dialect) -> Schema {
        parse(&[("schema.sql".into(), sql.into())], d).unwrap_or_else(|e| panic!("{e:?}"))
    }

    #[test]
    fn a_table_with_every_kind_of_constraint_reads_into_the_model() {
        let s = one(
            "CREATE TABLE customers (id BIGINT PRIMARY KEY);\n\
             CREATE TABLE orders (\n  id SERIAL PRIMARY KEY,\n  status VARCHAR(20) NOT NULL DEFAULT 'new',\n  customer_id BIGINT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,\n  total NUMERIC(10,2) CHECK (total >= 0),\n  code TEXT UNIQUE\n);\n\
             CREATE UNIQUE INDEX ix_orders_status ON orders (status) WHERE status <> 'done';\n\
             ALTER TABLE orders ADD CONSTRAINT uq_orders_pair UNIQUE (customer_id, status);\n\
             COMMENT ON TABLE orders IS 'what was bought';\n",
            Dialect::Postgres,
        );
        let o = &s.tables["orders"];
        assert_eq!(o.primary_key, ["id"]);
        let id = o.column("id").unwrap();
        assert!(id.identity && !id.nullable && id.ty == Type::Integer);
        let status = o.column("status").unwrap();
        assert_eq!(
            (
                status.ty.clone(),
                status.nullable,
                status.default.as_deref()
            ),
            (Type::Varchar(Some(20)), false, Some("'new'"))
        );
        assert_eq!(o.foreign_keys[0].ref_table, "customers");
        assert_eq!(o.foreign_keys[0].on_delete, Action::Cascade);
        assert_eq!(o.checks.len(), 1);
        assert_eq!(o.uniques.len(), 2);
        assert_eq!(o.indexes[0].predicate.as_deref(), Some("status <> 'done'"));
        assert_eq!(o.comment.as_deref(), Some("what was bought"));
    }

    #[test]
    fn an_unsupported_statement_names_file_and_line() {
        let err = parse(
            &[(
                "schema.sql".into(),
                "CREATE TABLE t (id INT);\n\nDROP TABLE t;\n".into(),
            )],
            Dialect::Sqlite,
        )
        .unwrap_err();
        assert_eq!(err.len(), 1);
        assert_eq!((err[0].file.as_str(), err[0].line), ("schema.sql", 3));
        assert!(
            err[0]
                .to_string()
                .starts_with("schema.sql:3: unsupported statement"),
            "{}",
            err[0]
        );
    }

    #[test]
    fn a_syntax_error_names_file_and_line_and_other_files_still_read() {
        let err = parse(
            &[
                (
                    "a.sql".into(),
                    "CREATE TABLE a (id INT);\nCREATE TABLE b (id INT,, x);\n".into(),
                ),
                ("b.sql".into(), "CREATE INDEX ix ON nowhere (x);\n".into()),
            ],
            Dialect::Postgres,
        )
        .unwrap_err();
        let at: Vec<(String, usize)> = err.iter().map(|e| (e.file.clone(), e.line)).collect();
        assert_eq!(at, [("a.sql".to_owned(), 2), ("b.sql".to_owned(), 1)]);
    }

    /// pg_dump's form (partitions created apart, attached, their copies of
    /// the parent's check, key and index left to the parent) and a
    /// user's (`PARTITION OF`, columns from the parent) read alike.
    #[test]
    fn partitions_read_in_pg_dump_form_and_as_written_alike() {
        let dumped = one(
            "CREATE TABLE public.p (id integer NOT NULL, at date NOT NULL, n integer DEFAULT 0, CONSTRAINT p_n_check CHECK ((n >= 0))) PARTITION BY RANGE (at);\n\
             CREATE TABLE public.p_2024 (id integer NOT NULL, at date NOT NULL, n integer DEFAULT 5, CONSTRAINT p_n_check CHECK ((n >= 0)));\n\
             ALTER TABLE ONLY public.p ATTACH PARTITION public.p_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\n\
             ALTER TABLE ONLY public.p ADD CONSTRAINT p_pkey PRIMARY KEY (at, id);\n\
             ALTER TABLE ONLY public.p_2024 ADD CONSTRAINT p_2024_pkey PRIMARY KEY (at, id);\n\
             CREATE INDEX p_n ON ONLY public.p USING btree (n);\n\
             CREATE INDEX p_2024_n_idx ON public.p_2024 USING btree (n);\n\
             CREATE INDEX p_2024_own ON public.p_2024 USING btree (id);\n\
             ALTER INDEX public.p_n ATTACH PARTITION public.p_2024_n_idx;\n\
             ALTER INDEX public.p_pkey ATTACH PARTITION public.p_2024_pkey;\n",
            Dialect::Postgres,
        );
        let written = one(
            "CREATE TABLE p (id integer NOT NULL, at date NOT NULL, n integer DEFAULT 0 CONSTRAINT p_n_check CHECK (n >= 0), PRIMARY KEY (at, id)) PARTITION BY RANGE (at);\n\
             CREATE INDEX p_n ON p (n);\n\
             CREATE TABLE p_2024 PARTITION OF p (n WITH OPTIONS DEFAULT 5) FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\n\
             CREATE INDEX p_2024_own ON p_2024 (id);\n",
            Dialect::Postgres,
        );
        for s in [&dumped, &written] {
            let t = &s.tables["p_2024"];
            assert_eq!(
                t.storage.partition_of,
                Some(crate::schema::PartitionOf {
                    parent: "p".into(),
                    bound: "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')".into()
                })
            );
            assert!(t.primary_key.is_empty() && t.checks.is_empty(), "{t:?}");
            assert_eq!(t.indexes.len(), 1, "{t:?}");
            assert_eq!(t.columns.len(), 3);
            assert!(!t.columns[0].nullable && !t.columns[1].nullable);
            assert_eq!(t.columns[2].default.as_deref(), Some("5"));
            assert_eq!(
                s.tables["p"].storage.partition_by.as_deref(),
                Some("RANGE (at)")
            );
        }
        let diff = crate::diff::diff(&dumped, &written, Dialect::Postgres);
        assert!(diff.is_empty(), "{diff:#?}");
        // A partition of a table not declared before it.
        let e = parse(
            &[(
                "s.sql".into(),
                "CREATE TABLE c PARTITION OF p DEFAULT;".into(),
            )],
            Dialect::Postgres,
        )
        .unwrap_err();
        assert!(e[0].message.contains("PARTITION OF p"), "{e:?}");
    }

    /// What `schema dump` writes for MySQL, which sqlparser does not read
    /// as it stands.
    #[test]
    fn create_fulltext_and_spatial_index_read_as_the_keys_they_make() {
        let s = one(
            "CREATE TABLE t (a text, p point NOT NULL) COMMENT='x';\nCREATE FULLTEXT INDEX ft ON t (a);\nCREATE SPATIAL INDEX sp ON `t`(p);\n",
            Dialect::MySql,
        );
        let t = &s.tables["t"];
        let methods: Vec<(&str, Option<&str>)> = t
            .indexes
            .iter()
            .map(|i| (i.name.as_str(), i.method.as_deref()))
            .collect();
        assert_eq!(methods, [("ft", Some("fulltext")), ("sp", Some("spatial"))]);
        assert_eq!(t.comment.as_deref(), Some("x"));
    }

    #[test]
    fn overloads_are_two_functions_and_one_signature_twice_is_refused() {
        let s = one(
            "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS $$ SELECT a $$;\nCREATE FUNCTION f(a text) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\n",
            Dialect::Postgres,
        );
        assert_eq!(
            s.functions.keys().collect::<Vec<_>>(),
            ["f(integer)", "f(text)"]
        );
        let e = parse(
            &[("s.sql".into(), "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS $$ SELECT a $$;\nCREATE FUNCTION f(b integer) RETURNS int LANGUAGE sql AS $$ SELECT b $$;\n".into())],
            Dialect::Postgres,
        )
        .unwrap_err();
        assert_eq!(e[0].line, 2);
        assert!(
            e[0].message.contains("f(integer) is declared twice"),
            "{e:?}"
        );
    }

    #[test]
    fn an_error_names_the_line_where_the_statement_starts_not_its_comments() {
        let sql = "CREATE TABLE a (id int);\n\n--\n-- Name: b; Type: TABLE\n--\n\nCREATE TABLE b (id int) INHERITS (a);\n";
        let e = parse(&[("s.sql".into(), sql.into())], Dialect::Postgres).unwrap_err();
        assert_eq!(e[0].line, 7, "{e:?}");
    }

    #[test]
    fn clauses_the_model_lacks_are_refused_and_table_options_noted() {
        for (sql, dialect) in [
            ("CREATE UNLOGGED TABLE t (a int);", Dialect::Sqlite),
            ("CREATE TABLE t PARTITION OF p DEFAULT;", Dialect::Sqlite),
            ("CREATE TABLE c (a int) INHERITS (p);", Dialect::Postgres),
            // mysqldump's, with the versioned comment opened.
            (
                "CREATE TABLE `t` (`id` int NOT NULL) ENGINE=InnoDB\n/*!50100 PARTITION BY RANGE (`id`)\n(PARTITION `p0` VALUES LESS THAN (10) ENGINE = InnoDB) */;",
                Dialect::MySql,
            ),
        ] {
            let e = parse(&[("s.sql".into(), sql.into())], dialect).unwrap_err();
            assert!(
                e[0].message.contains("not in Revisor's model"),
                "{sql}: {e:?}"
            );
        }
        let (s, notes) = parse_noting(
            &[("s.sql".into(), "SET NAMES utf8mb4;\nCREATE TABLE t (a int) ENGINE=InnoDB AUTO_INCREMENT=7 DEFAULT CHARSET=utf8mb4 ROW_FORMAT=DYNAMIC COMMENT='x';".into())],
            Dialect::MySql,
        )
        .unwrap();
        let t = &s.tables["t"];
        assert_eq!(t.comment.as_deref(), Some("x"));
        assert_eq!(t.options.engine.as_deref(), Some("InnoDB"));
        assert_eq!(t.options.charset.as_deref(), Some("utf8mb4"));
        assert!(notes.iter().any(|n| n.contains("ROW_FORMAT")), "{notes:?}");
        assert!(
            !notes.iter().any(|n| n.contains("AUTO_INCREMENT")),
            "{notes:?}"
        );
        assert!(notes.iter().any(|n| n.contains("SET")), "{notes:?}");
        // What pg_dump 14 writes about the schema itself, and extensions.
        let (_, notes) = parse_noting(
            &[("s.sql".into(), "COMMENT ON SCHEMA public IS 'standard public schema';\nCOMMENT ON EXTENSION pg_trgm IS 'x';\nCREATE TABLE t (a int);\n".into())],
            Dialect::Postgres,
        )
        .unwrap();
        assert!(
            notes.iter().any(|n| n.contains("COMMENT ON SCHEMA")),
            "{notes:?}"
        );
        assert!(
            notes.iter().any(|n| n.contains("COMMENT ON EXTENSION")),
            "{notes:?}"
        );
    }

    #[test]
    fn names_keep_their_case_where_the_dialect_keeps_it() {
        // MySQL's table names are case-sensitive (Linux), its column names
        // are not; SQLite's are neither.
        for (d, q, table) in [
            (Dialect::MySql, '`', "Users"),
            (Dialect::Sqlite, '"', "users"),
        ] {
            let s = one(
                &format!("CREATE TABLE Users (ID INT PRIMARY KEY, {q}Name{q} VARCHAR(50));\nCREATE INDEX ix ON {table} (name);"),
                d,
            );
            let u = &s.tables["Users"];
            assert!(u.column("ID").is_some(), "{d:?}");
            // Later statements may spell the names in another case.
            assert_eq!(u.indexes[0].columns, ["Name"], "{d:?}");
        }
        let s = one(
            "CREATE TABLE Users (ID INT PRIMARY KEY, \"Name\" VARCHAR(50));",
            Dialect::Postgres,
        );
        let u = &s.tables["users"];
        assert!(u.column("id").is_some() && u.column("Name").is_some());
    }

    /// pg_dump's serial form, three statements apart from the table.
    const SERIAL_DUMP: &str = "CREATE TABLE public.t (\n    id integer NOT NULL,\n    k integer NOT NULL\n);\n\
        CREATE SEQUENCE public.t_id_seq\n    AS integer\n    START WITH 1\n    INCREMENT BY 1\n    NO MINVALUE\n    NO MAXVALUE\n    CACHE 1;\n\
        ALTER SEQUENCE public.t_id_seq OWNED BY public.t.id;\n\
        ALTER TABLE ONLY public.t ALTER COLUMN id SET DEFAULT nextval('public.t_id_seq'::regclass);\n\
        ALTER TABLE public.t ALTER COLUMN k ADD GENERATED ALWAYS AS IDENTITY (\n    SEQUENCE NAME public.t_k_seq\n    START WITH 1\n    CACHE 1\n);\n";

    #[test]
    fn serial_and_identity_columns_read_as_pg_dump_writes_them() {
        let s = one(SERIAL_DUMP, Dialect::Postgres);
        let t = &s.tables["t"];
        let (id, k) = (t.column("id").unwrap(), t.column("k").unwrap());
        assert!(id.identity && id.default.is_none());
        assert_eq!(id.identity_kind, Some(IdentityKind::Serial));
        assert!(k.identity);
        assert_eq!(k.identity_kind, Some(IdentityKind::Always));
    }

    #[test]
    fn a_standalone_sequence_keeps_its_settings_and_the_default_that_draws_from_it() {
        let s = one(
            "CREATE SEQUENCE public.invoice_no\n    START WITH 1000\n    INCREMENT BY 10\n    NO MINVALUE\n    NO MAXVALUE\n    CACHE 5;\n\
             CREATE TABLE public.invoices (no bigint DEFAULT nextval('public.invoice_no'::regclass) NOT NULL);\n\
             CREATE SEQUENCE \"Tickets\" AS integer CYCLE;\n",
            Dialect::Postgres,
        );
        let q = &s.sequences["invoice_no"];
        assert_eq!(
            (q.start, q.increment, q.cache, q.max),
            (1000, 10, 5, i64::MAX)
        );
        assert_eq!(s.sequences["Tickets"].ty, "integer");
        assert!(s.sequences["Tickets"].cycle);
        let no = s.tables["invoices"].column("no").unwrap();
        assert_eq!(
            no.default.as_deref(),
            Some("nextval('invoice_no'::regclass)")
        );
        assert!(!no.identity);
        // Elsewhere than PostgreSQL, refused rather than dropped.
        let e = parse(
            &[("s.sql".into(), "CREATE SEQUENCE s;\n".into())],
            Dialect::MySql,
        )
        .unwrap_err();
        assert!(e[0].message.contains("PostgreSQL only"), "{:?}", e[0]);
    }

    #[test]
    fn sequences_the_model_cannot_hold_are_refused_at_their_line() {
        let refused = |sql: &str| {
            let e = parse(&[("s.sql".into(), sql.into())], Dialect::Postgres).unwrap_err();
            (e[0].line, e[0].message.clone())
        };
        // A sequence a column owns but does not draw from.
        let (line, m) = refused(
            "CREATE TABLE t (id int);\nCREATE SEQUENCE counter;\nALTER SEQUENCE counter OWNED BY t.id;\n",
        );
        assert_eq!(line, 2);
        assert!(
            m.contains("owned by a column whose default does not"),
            "{m}"
        );
        // A serial column's sequence with settings other than the defaults.
        let dump = SERIAL_DUMP.replace(
            "START WITH 1\n    INCREMENT",
            "START WITH 1000\n    INCREMENT",
        );
        let (line, m) = refused(&dump);
        assert_eq!(line, 5);
        assert!(m.contains("START WITH 1000"), "{m}");
        // A default drawing from another column's sequence.
        let dump = SERIAL_DUMP.replace("OWNED BY public.t.id", "OWNED BY public.t.k");
        let (line, m) = refused(&dump);
        assert_eq!(line, 13);
        assert!(m.contains("neither its own serial sequence"), "{m}");
        // An identity whose sequence has another name.
        let dump = SERIAL_DUMP.replace("public.t_k_seq", "public.k_numbers");
        let (_, m) = refused(&dump);
        assert!(m.contains("k_numbers"), "{m}");
    }

    #[test]
    fn enum_types_read_with_their_labels_and_qualified_column_types() {
        let s = one(
            "CREATE TYPE public.mpaa_rating AS ENUM (\n    'G',\n    'NC-17'\n);\n\
             CREATE TABLE public.film (rating public.mpaa_rating DEFAULT 'G'::public.mpaa_rating);\n",
            Dialect::Postgres,
        );
        assert_eq!(s.enums["mpaa_rating"], ["G", "NC-17"]);
        let c = s.tables["film"].column("rating").unwrap();
        assert_eq!(c.ty, Type::Other("mpaa_rating".into()));
        let n = s.normalized(Dialect::Postgres);
        assert_eq!(n.tables["film"].columns[0].default.as_deref(), Some("'G'"));
    }

    #[test]
    fn exclusion_constraints_read_in_the_words_the_catalog_is_read_in() {
        let s = one(
            "CREATE TABLE public.bookings (room integer, during tstzrange);\n\
             ALTER TABLE ONLY public.bookings\n    ADD CONSTRAINT no_overlap EXCLUDE USING gist (during WITH &&) WHERE ((room > 0));\n",
            Dialect::Postgres,
        );
        let x = &s.tables["bookings"].exclusions[0];
        assert_eq!(x.name, "no_overlap");
        // pg_get_constraintdef's text, read the same way, is the same.
        assert_eq!(
            exclusion_definition(
                "EXCLUDE USING gist (during WITH &&) WHERE ((room > 0))",
                Dialect::Postgres
            )
            .as_deref(),
            Some(x.definition.as_str())
        );
        let e = parse(
            &[(
                "s.sql".into(),
                "CREATE TABLE b (d tstzrange, EXCLUDE USING gist (d WITH &&));\n".into(),
            )],
            Dialect::Postgres,
        )
        .unwrap_err();
        assert!(e[0].message.contains("needs a name"), "{:?}", e[0]);
    }

    #[test]
    fn deferrable_keys_are_read_on_postgresql_and_refused_elsewhere() {
        let s = one(
            "CREATE TABLE t (a int, b int UNIQUE DEFERRABLE, CONSTRAINT k PRIMARY KEY (a) DEFERRABLE);\n\
             CREATE TABLE u (id int);\n\
             ALTER TABLE ONLY public.u ADD CONSTRAINT u_id UNIQUE (id) DEFERRABLE INITIALLY DEFERRED;\n",
            Dialect::Postgres,
        );
        let t = &s.tables["t"];
        assert!(t.primary_key_deferrable && !t.primary_key_initially_deferred);
        assert!(t.uniques[0].deferrable && !t.uniques[0].initially_deferred);
        let u = &s.tables["u"].uniques[0];
        assert!(u.deferrable && u.initially_deferred);
        let e = parse(
            &[(
                "s.sql".into(),
                "CREATE TABLE t (a int UNIQUE DEFERRABLE);\n".into(),
            )],
            Dialect::Sqlite,
        )
        .unwrap_err();
        assert!(e[0].message.contains("PostgreSQL's"), "{:?}", e[0]);
    }

    #[test]
    fn constraint_and_index_clauses_the_model_lacks_are_refused_not_dropped() {
        let refused = |sql: &str| {
            let e = parse(&[("s.sql".into(), sql.into())], Dialect::Postgres).unwrap_err();
            e[0].message.clone()
        };
        let t = "CREATE TABLE u (id int PRIMARY KEY);\n";
        for (sql, clause) in [
            (
                "CREATE TABLE t (a int REFERENCES u (id) MATCH FULL);",
                "MATCH FULL",
            ),
            (
                "CREATE TABLE t (a int);\nCREATE INDEX i ON t (a) WITH (fillfactor = 70);",
                "fillfactor",
            ),
        ] {
            let m = refused(&format!("{t}{sql}"));
            assert!(m.contains(clause), "{sql}: {m}");
        }
        // What the model holds is read, not dropped.
        let s = one(
            &format!("{t}CREATE TABLE t (a int, CONSTRAINT t_pk PRIMARY KEY (a));\n\
                 ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id) DEFERRABLE INITIALLY DEFERRED NOT VALID;\n\
                 ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;\n"),
            Dialect::Postgres,
        );
        let t = &s.tables["t"];
        assert_eq!(t.primary_key_name.as_deref(), Some("t_pk"));
        let f = &t.foreign_keys[0];
        assert!(f.deferrable && f.initially_deferred && f.not_valid);
        assert!(t.checks[0].not_valid);
    }

    #[test]
    fn domains_read_as_pg_dump_writes_them() {
        let s = one(
            "CREATE DOMAIN public.code AS character varying(20) COLLATE pg_catalog.\"C\" NOT NULL DEFAULT 'x'::character varying\n\
             \tCONSTRAINT code_check CHECK (((VALUE)::text <> ''::text));\n\
             CREATE DOMAIN public.note AS text DEFAULT NULL;\n\
             CREATE TABLE t (c public.code);\n",
            Dialect::Postgres,
        );
        let d = &s.domains["code"];
        assert_eq!(d.ty, Type::Varchar(Some(20)));
        assert!(d.not_null);
        assert_eq!(d.collation.as_deref(), Some("C"));
        assert_eq!(d.checks.len(), 1);
        assert!(!s.domains["note"].not_null);
        assert_eq!(s.tables["t"].columns[0].ty, Type::Other("code".into()));
    }

    #[test]
    fn a_column_collation_is_read_as_the_catalog_names_it() {
        let s = one(
            "CREATE TABLE t (a text COLLATE \"C\", b text COLLATE pg_catalog.\"POSIX\", c text COLLATE \"en-x-icu\");\n",
            Dialect::Postgres,
        );
        let collations: Vec<_> = s.tables["t"]
            .columns
            .iter()
            .map(|c| c.collation.as_deref().unwrap())
            .collect();
        assert_eq!(collations, ["C", "POSIX", "en-x-icu"]);
        let s = one(
            "CREATE TABLE t (a varchar(10) COLLATE utf8mb4_bin);\n",
            Dialect::MySql,
        );
        assert_eq!(
            s.tables["t"].columns[0].collation.as_deref(),
            Some("utf8mb4_bin")
        );
        // mysqldump's column in another character set: the collation
        // holds it; a character set alone is refused, naming the column.
        let s = one(
            "CREATE TABLE t (a varchar(10) CHARACTER SET latin1 COLLATE latin1_swedish_ci DEFAULT NULL);\n",
            Dialect::MySql,
        );
        assert_eq!(
            s.tables["t"].columns[0].collation.as_deref(),
            Some("latin1_swedish_ci")
        );
        let e = parse(
            &[(
                "schema.sql".into(),
                "CREATE TABLE t (a varchar(10) CHARACTER SET latin1);\n".into(),
            )],
            Dialect::MySql,
        )
        .unwrap_err();
        assert!(
            format!("{e:?}").contains("t.a: CHARACTER SET latin1 without COLLATE"),
            "{e:?}"
        );
    }
}
