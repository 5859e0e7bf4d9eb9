//! The declared schema: `schema.sql`, or a `schema/` directory of `.sql`
//! files, read into the [`Schema`] model. Pure (the caller reads the files).
//!
//! Each file is split into statements by the migration splitter (which
//! knows strings, comments and dollar quotes, and gives line numbers), and
//! each statement is parsed by `sqlparser` in the target's dialect. Taken:
//! `CREATE TABLE` (columns, inline and table constraints), `CREATE [UNIQUE]
//! INDEX` (with a `WHERE` predicate), `ALTER TABLE ... ADD CONSTRAINT`, and
//! PostgreSQL's `COMMENT ON TABLE|COLUMN`. Anything else is an error naming
//! the file and line, never silently dropped.

use crate::dialect::Dialect;
use crate::schema::{Action, Check, Column, ForeignKey, Index, Schema, Table, Type, Unique};
use sqlparser::ast::{
    AlterTableOperation, ColumnOption, CommentObject, CreateIndex, CreateTable, Expr,
    ForeignKeyConstraint, GeneratedAs, Ident, IndexColumn, ObjectName, ReferentialAction,
    Statement, TableConstraint,
};

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
    } else if starts("DROP TABLE IF EXISTS") || starts("DROP VIEW IF EXISTS") {
        Some("DROP ... IF EXISTS before a CREATE")
    } else if starts("LOCK TABLES") || starts("UNLOCK TABLES") {
        Some("LOCK/UNLOCK TABLES")
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
    for (file, text) in files {
        // psql's meta-commands (`\restrict KEY` in pg_dump 17.6+ output)
        // end at the line's end, not at a semicolon: blank them, keeping
        // the line numbers.
        let text: String = text
            .lines()
            .map(|l| if l.starts_with('\\') { "" } else { l })
            .collect::<Vec<_>>()
            .join("\n");
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
            if let Some(kind) = noise(&code_of(st.sql)) {
                *skipped.entry(kind).or_default() += 1;
                continue;
            }
            let parsed = match parse_one(st.sql, dialect) {
                Ok(p) => p,
                Err(m) => {
                    errors.push(err(m));
                    continue;
                }
            };
            if let Err(m) = apply(&mut schema, parsed, dialect, &mut notes) {
                errors.push(err(m));
            }
        }
    }
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

fn action(a: Option<ReferentialAction>) -> Action {
    match a {
        Some(ReferentialAction::Cascade) => Action::Cascade,
        Some(ReferentialAction::Restrict) => Action::Restrict,
        Some(ReferentialAction::SetNull) => Action::SetNull,
        Some(ReferentialAction::SetDefault) => Action::SetDefault,
        Some(ReferentialAction::NoAction) | None => Action::NoAction,
    }
}

/// The columns of a key, refusing what the model cannot hold yet: MySQL's
/// prefix lengths (`name(10)`), which would otherwise read as an
/// expression and render as `((name(10)))`.
fn key_columns(cols: &[IndexColumn], table: &str, dialect: Dialect) -> Result<Vec<String>, String> {
    cols.iter()
        .map(|c| match &c.column.expr {
            Expr::Function(f) if !dialect.sql().folds_unquoted() => Err(format!(
                "table {table}: key part `{f}` has a prefix length, which Revisor cannot declare yet; index the whole column or leave the index out of the declared schema"
            )),
            _ => Ok(index_column(c, dialect)),
        })
        .collect()
}

/// An index column: a plain column name, or an expression in parentheses.
fn index_column(c: &IndexColumn, dialect: Dialect) -> String {
    match &c.column.expr {
        Expr::Identifier(i) => ident(i, dialect),
        e => format!("({e})"),
    }
}

fn apply(
    schema: &mut Schema,
    st: Statement,
    dialect: Dialect,
    notes: &mut Vec<String>,
) -> Result<(), String> {
    match st {
        Statement::CreateTable(ct) => create_table(schema, &ct, dialect, notes),
        Statement::CreateIndex(ci) => create_index(schema, &ci, dialect),
        Statement::AlterTable(at) => {
            let table = object(&at.name, dialect)?;
            let table = table_key(schema, &table, dialect);
            for op in at.operations {
                match op {
                    AlterTableOperation::AddConstraint { constraint, .. } => {
                        let t = schema
                            .tables
                            .get_mut(&table)
                            .ok_or_else(|| format!("ALTER TABLE {table}: the table is not declared before it"))?;
                        add_constraint(t, &constraint, dialect)?;
                    }
                    other => {
                        return Err(format!(
                            "unsupported ALTER TABLE operation `{other}`: a declared schema takes only ADD CONSTRAINT"
                        ))
                    }
                }
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
                    let table = schema
                        .tables
                        .get_mut(t)
                        .ok_or_else(|| format!("COMMENT ON TABLE {t}: the table is not declared before it"))?;
                    table.comment = comment;
                    Ok(())
                }
                (CommentObject::Column, [.., t, c]) => {
                    let col = schema
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
            "unsupported statement `{}`: a declared schema holds CREATE TABLE, CREATE [UNIQUE] INDEX, ALTER TABLE ... ADD CONSTRAINT and COMMENT ON",
            first_words(&other.to_string())
        )),
    }
}

fn first_words(s: &str) -> String {
    s.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

/// Clauses of CREATE TABLE that change what the table is, which the model
/// cannot hold yet: refused, never dropped (SPEC: "nothing is dropped
/// silently").
fn unmodelled_clause(ct: &CreateTable) -> Option<&'static str> {
    [
        (ct.unlogged, "UNLOGGED"),
        (ct.temporary, "TEMPORARY"),
        (ct.partition_by.is_some(), "PARTITION BY"),
        (ct.partition_of.is_some(), "PARTITION OF"),
        (ct.inherits.is_some(), "INHERITS"),
        (ct.like.is_some(), "LIKE"),
        (ct.query.is_some(), "AS SELECT"),
    ]
    .into_iter()
    .find_map(|(present, clause)| present.then_some(clause))
}

/// The table's comment (MySQL's `COMMENT='...'`, which its catalog keeps
/// as the table's comment), and the other table options as written
/// (`ENGINE=InnoDB`, `DEFAULT CHARSET=utf8mb4`), which are not compared.
fn table_options(ct: &CreateTable) -> (Option<String>, Vec<String>) {
    use sqlparser::ast::{CommentDef, CreateTableOptions, SqlOption};
    let text = |c: &CommentDef| match c {
        CommentDef::WithEq(s) | CommentDef::WithoutEq(s) => s.clone(),
    };
    let mut comment = ct.comment.as_ref().map(text);
    let mut others = Vec::new();
    let options = match &ct.table_options {
        CreateTableOptions::None => &[][..],
        CreateTableOptions::With(o)
        | CreateTableOptions::Options(o)
        | CreateTableOptions::Plain(o)
        | CreateTableOptions::TableProperties(o) => o,
    };
    for o in options {
        match o {
            SqlOption::Comment(c) => comment = Some(text(c)),
            other => others.push(other.to_string()),
        }
    }
    (comment, others)
}

fn create_table(
    schema: &mut Schema,
    ct: &CreateTable,
    dialect: Dialect,
    notes: &mut Vec<String>,
) -> Result<(), String> {
    let name = object(&ct.name, dialect)?;
    if schema.tables.contains_key(&name) {
        return Err(format!("table {name} is declared twice"));
    }
    if let Some(clause) = unmodelled_clause(ct) {
        return Err(format!(
            "table {name}: `{clause}` is not in Revisor's model yet; the table cannot be declared with it (and without it would mean another table)"
        ));
    }
    let (comment, others) = table_options(ct);
    if !others.is_empty() {
        notes.push(format!(
            "table {name}: table options not compared: {}",
            others.join(", ")
        ));
    }
    let mut t = Table {
        name: name.clone(),
        comment,
        ..Table::default()
    };
    for cd in &ct.columns {
        let cname = ident(&cd.name, dialect);
        let raw_type = cd.data_type.to_string();
        let mut col = Column::new(&cname, dialect.sql().read_type(&raw_type));
        col.identity = Type::is_serial(&raw_type);
        for opt in &cd.options {
            let constraint_name = opt.name.as_ref().map(|n| ident(n, dialect));
            match &opt.option {
                ColumnOption::Null => col.nullable = true,
                ColumnOption::NotNull => col.nullable = false,
                ColumnOption::Default(e) => col.default = Some(e.to_string()),
                ColumnOption::PrimaryKey(_) => {
                    t.primary_key = vec![cname.clone()];
                    col.nullable = false;
                }
                ColumnOption::Unique(_) => t.uniques.push(Unique {
                    name: constraint_name,
                    columns: vec![cname.clone()],
                }),
                ColumnOption::ForeignKey(fk) => t.foreign_keys.push(foreign_key(
                    constraint_name,
                    vec![cname.clone()],
                    fk,
                    dialect,
                )?),
                ColumnOption::Check(c) => t.checks.push(Check {
                    name: constraint_name.or_else(|| c.name.as_ref().map(|n| ident(n, dialect))),
                    expression: c.expr.to_string(),
                }),
                ColumnOption::Collation(c) => col.collation = Some(c.to_string()),
                ColumnOption::Comment(c) => col.comment = Some(c.clone()),
                ColumnOption::OnUpdate(e) => col.on_update = Some(e.to_string()),
                ColumnOption::Generated {
                    generated_as: GeneratedAs::Always | GeneratedAs::ByDefault,
                    generation_expr: None,
                    ..
                } => col.identity = true,
                ColumnOption::DialectSpecific(tokens)
                    if tokens.iter().any(|t| {
                        let w = t.to_string().to_uppercase();
                        w == "AUTO_INCREMENT" || w == "AUTOINCREMENT"
                    }) =>
                {
                    col.identity = true
                }
                other => {
                    return Err(format!(
                        "column {name}.{cname}: unsupported column option `{other}`"
                    ))
                }
            }
        }
        t.columns.push(col);
    }
    for c in &ct.constraints {
        add_constraint(&mut t, c, dialect)?;
    }
    for pk in t.primary_key.clone() {
        if let Some(c) = t.columns.iter_mut().find(|c| c.name == pk) {
            c.nullable = false;
        }
    }
    schema.tables.insert(name, t);
    Ok(())
}

fn add_constraint(t: &mut Table, c: &TableConstraint, dialect: Dialect) -> Result<(), String> {
    let name = |n: &Option<Ident>| n.as_ref().map(|n| ident(n, dialect));
    match c {
        TableConstraint::PrimaryKey(pk) => {
            t.primary_key = pk
                .columns
                .iter()
                .map(|c| index_column(c, dialect))
                .collect();
        }
        // MySQL's `UNIQUE KEY u (a)` names the index, which is the
        // constraint's name there.
        TableConstraint::Unique(u) => t.uniques.push(Unique {
            name: name(&u.name).or_else(|| name(&u.index_name)),
            columns: key_columns(&u.columns, &t.name, dialect)?,
        }),
        // MySQL's inline `KEY`/`INDEX`: an index of the table, named after
        // its first column when unnamed (as MySQL names it).
        TableConstraint::Index(ix) => {
            let columns = key_columns(&ix.columns, &t.name, dialect)?;
            let name = name(&ix.name).unwrap_or_else(|| columns[0].clone());
            t.indexes.push(Index {
                name,
                columns,
                unique: false,
                predicate: None,
            });
        }
        TableConstraint::ForeignKey(fk) => t.foreign_keys.push(foreign_key(
            name(&fk.name),
            fk.columns.iter().map(|c| ident(c, dialect)).collect(),
            fk,
            dialect,
        )?),
        TableConstraint::Check(ch) => t.checks.push(Check {
            name: name(&ch.name),
            expression: ch.expr.to_string(),
        }),
        other => {
            return Err(format!(
                "table {}: unsupported constraint `{other}`",
                t.name
            ))
        }
    }
    Ok(())
}

/// A foreign key on `columns` as `fk` declares it (inline or table-level).
fn foreign_key(
    name: Option<String>,
    columns: Vec<String>,
    fk: &ForeignKeyConstraint,
    dialect: Dialect,
) -> Result<ForeignKey, String> {
    Ok(ForeignKey {
        name,
        columns,
        ref_table: object(&fk.foreign_table, dialect)?,
        ref_columns: fk
            .referred_columns
            .iter()
            .map(|c| ident(c, dialect))
            .collect(),
        on_delete: action(fk.on_delete),
        on_update: action(fk.on_update),
    })
}

fn create_index(schema: &mut Schema, ci: &CreateIndex, dialect: Dialect) -> Result<(), String> {
    let table = table_key(schema, &object(&ci.table_name, dialect)?, dialect);
    let name = ci
        .name
        .as_ref()
        .map(|n| object(n, dialect))
        .transpose()?
        .ok_or_else(|| format!("CREATE INDEX on {table}: name the index"))?;
    let t = schema
        .tables
        .get_mut(&table)
        .ok_or_else(|| format!("CREATE INDEX {name}: table {table} is not declared before it"))?;
    t.indexes.push(Index {
        name,
        columns: ci
            .columns
            .iter()
            .map(|c| index_column(c, dialect))
            .collect(),
        unique: ci.unique,
        predicate: ci.predicate.as_ref().map(|p| p.to_string()),
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
                "CREATE TABLE t (id INT);\n\nCREATE VIEW v AS SELECT 1;\n".into(),
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

    #[test]
    fn an_error_names_the_line_where_the_statement_starts_not_its_comments() {
        let sql = "CREATE TABLE a (id int);\n\n--\n-- Name: b; Type: TABLE\n--\n\nCREATE UNLOGGED TABLE b (id int);\n";
        let e = parse(&[("s.sql".into(), sql.into())], Dialect::Postgres).unwrap_err();
        assert_eq!(e[0].line, 7, "{e:?}");
    }

    #[test]
    fn clauses_the_model_lacks_are_refused_and_table_options_noted() {
        for sql in [
            "CREATE UNLOGGED TABLE t (a int);",
            "CREATE TABLE t (a int) PARTITION BY RANGE (a);",
            "CREATE TABLE c (a int) INHERITS (p);",
        ] {
            let e = parse(&[("s.sql".into(), sql.into())], Dialect::Postgres).unwrap_err();
            assert!(
                e[0].message.contains("not in Revisor's model"),
                "{sql}: {e:?}"
            );
        }
        let (s, notes) = parse_noting(
            &[("s.sql".into(), "SET NAMES utf8mb4;\nCREATE TABLE t (a int) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='x';".into())],
            Dialect::MySql,
        )
        .unwrap();
        assert_eq!(s.tables["t"].comment.as_deref(), Some("x"));
        assert!(notes.iter().any(|n| n.contains("ENGINE")), "{notes:?}");
        assert!(notes.iter().any(|n| n.contains("SET")), "{notes:?}");
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
}
