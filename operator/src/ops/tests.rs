use super::render::{render, Model};
use super::*;
use crate::dialect::Dialect;
use crate::revision::{ParseErrorKind, Revision};

const SPEC_EXAMPLE: &str = "revision: 1975ea83b712
down_revision: 27c6a30d7c24
message: add email column to users
upgrade:
  - add_column:
      table: users
      column: {name: email, type: varchar(255), nullable: true}
  - create_index: {name: ix_users_email, table: users, columns: [email], unique: true}
";

fn errors(file: &str, text: &str) -> Vec<(usize, String)> {
    Revision::parse(file, text)
        .unwrap_err()
        .into_iter()
        .map(|e| (e.line, e.kind.to_string()))
        .collect()
}

fn sql(text: &str, d: Dialect) -> Vec<String> {
    let rev = Revision::parse("x.yaml", text).unwrap();
    let body = rev.ops.unwrap();
    render(&body.upgrade, d, &mut Model::default()).unwrap()
}

#[test]
fn parses_the_spec_example_with_a_derived_downgrade() {
    let rev = Revision::parse("0002_email.yaml", SPEC_EXAMPLE).unwrap();
    assert_eq!(rev.id, "1975ea83b712");
    assert_eq!(rev.down_revisions, vec!["27c6a30d7c24"]);
    assert_eq!(rev.message, "add email column to users");
    assert!(rev.transactional);
    assert!(rev.is_reversible());
    let body = rev.ops.unwrap();
    assert_eq!(body.upgrade_lines, vec![5, 8]);
    let down: Vec<&str> = body
        .downgrade
        .as_ref()
        .unwrap()
        .iter()
        .map(Operation::name)
        .collect();
    assert_eq!(down, vec!["drop_index", "drop_column"]);
}

#[test]
fn ids_keep_their_leading_zeros_and_lists_take_both_forms() {
    let rev = Revision::parse(
        "m.yaml",
        "revision: 0003\ndown_revision: [0001, 0002]\nbranch_labels: shop, billing\nupgrade: []\n",
    )
    .unwrap();
    assert_eq!(rev.id, "0003");
    assert_eq!(rev.down_revisions, vec!["0001", "0002"]);
    assert_eq!(rev.branch_labels, vec!["shop", "billing"]);
}

#[test]
fn renders_per_dialect() {
    assert_eq!(
        sql(SPEC_EXAMPLE, Dialect::Postgres),
        vec![
            "ALTER TABLE users ADD COLUMN email VARCHAR(255)",
            "CREATE UNIQUE INDEX ix_users_email ON users (email)"
        ]
    );
    assert_eq!(
        sql(SPEC_EXAMPLE, Dialect::MySql)[1],
        "CREATE UNIQUE INDEX ix_users_email ON users (email)"
    );
}

#[test]
fn a_concurrent_index_is_concurrent_on_postgres_only_and_not_transactional() {
    let text = "revision: a\nupgrade:\n  - create_index: {name: ix, table: t, columns: [c], concurrently: true}\n";
    let rev = Revision::parse("a.yaml", text).unwrap();
    assert!(!rev.transactional);
    assert_eq!(
        sql(text, Dialect::Postgres),
        vec!["CREATE INDEX CONCURRENTLY ix ON t (c)"]
    );
    assert_eq!(sql(text, Dialect::Sqlite), vec!["CREATE INDEX ix ON t (c)"]);
    let down = rev.ops.unwrap().downgrade.clone().unwrap();
    assert_eq!(
        render(&down, Dialect::Postgres, &mut Model::default()).unwrap(),
        vec!["DROP INDEX CONCURRENTLY ix"]
    );
}

#[test]
fn the_checksum_is_over_the_operations_not_their_layout() {
    let a = Revision::parse("a.yaml", SPEC_EXAMPLE).unwrap();
    let reflowed = SPEC_EXAMPLE.replace(
        "  - add_column:\n      table: users\n      column: {name: email, type: varchar(255), nullable: true}\n",
        "  - add_column: {column: {nullable: true, type: varchar(255), name: email}, table: users}  # same\n",
    );
    let b = Revision::parse("a.yaml", &reflowed).unwrap();
    assert_eq!(a.checksum, b.checksum);
    let edited = SPEC_EXAMPLE.replace("varchar(255)", "varchar(200)");
    let c = Revision::parse("a.yaml", &edited).unwrap();
    assert_ne!(a.checksum, c.checksum);
    assert_ne!(a.down_checksum, c.down_checksum);
}

#[test]
fn errors_name_the_line_and_the_operation() {
    let text = "revision: a\nupgrade:\n  - add_column:\n      table: t\n      column: {name: c, type: strin}\n";
    let got = errors("0001_a.yaml", text);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, 3);
    assert!(
        got[0]
            .1
            .starts_with("upgrade[0] add_column: column c: unknown type `strin`"),
        "{}",
        got[0].1
    );
    let unknown = errors(
        "a.yaml",
        "revision: a\nupgrade:\n  - add_colum: {table: t}\n",
    );
    assert_eq!(unknown[0].0, 3, "{unknown:?}");
    assert!(
        unknown[0].1.contains("unknown variant `add_colum`"),
        "{unknown:?}"
    );
    let missing = errors(
        "a.yaml",
        "revision: a\nupgrade:\n  - drop_column: {table: t}\n",
    );
    assert!(
        missing[0].1.contains("missing field `column`"),
        "{missing:?}"
    );
    let header = errors("a.yaml", "revision: a\nparent: b\nupgrade: []\n");
    assert!(header[0].1.contains("unknown field `parent`"), "{header:?}");
    let bad_id = errors("a.yaml", "message: x\nrevision: bad-id\nupgrade: []\n");
    assert_eq!(bad_id[0].0, 2);
    assert!(matches!(
        Revision::parse("a.yaml", "revision: a\n").unwrap_err()[0].kind,
        ParseErrorKind::Yaml(_)
    ));
}

#[test]
fn drops_without_definitions_make_the_revision_irreversible() {
    let rev = Revision::parse(
        "a.yaml",
        "revision: a\nupgrade:\n  - drop_column: {table: t, column: c}\n",
    )
    .unwrap();
    assert!(!rev.is_reversible());
    let rev = Revision::parse(
        "a.yaml",
        "revision: a\nupgrade:\n  - drop_column: {table: t, column: c, definition: {type: text}}\n",
    )
    .unwrap();
    assert!(rev.is_reversible());
    let exec = Revision::parse("a.yaml", "revision: a\nupgrade:\n  - execute: SELECT 1\n").unwrap();
    assert!(!exec.is_reversible());
    let written = Revision::parse(
        "a.yaml",
        "revision: a\nupgrade:\n  - execute: SELECT 1\ndowngrade:\n  - execute: SELECT 2\n",
    )
    .unwrap();
    assert!(written.is_reversible());
}

#[test]
fn derived_downgrade_reverses_an_alter_column_with_its_old_state() {
    let text = "revision: a\nupgrade:\n  - alter_column: {table: t, column: status, type: varchar(40), nullable: true, default: open, rename_to: state,\n                   from: {type: varchar(20), nullable: false, default: new}}\n";
    let rev = Revision::parse("a.yaml", text).unwrap();
    let down = rev.ops.unwrap().downgrade.clone().unwrap();
    let Operation::AlterColumn(a) = &down[0] else {
        panic!("{down:?}")
    };
    assert_eq!(a.column, "state");
    assert_eq!(a.rename_to.as_deref(), Some("status"));
    assert_eq!(a.ty, Some(TypeSpec::Portable("varchar(20)".into())));
    assert_eq!(a.nullable, Some(false));
    assert_eq!(a.default, Some(Value::String("new".into())));
    // Without the old state it cannot be undone.
    let rev = Revision::parse(
        "a.yaml",
        "revision: a\nupgrade:\n  - alter_column: {table: t, column: c, type: text}\n",
    )
    .unwrap();
    assert!(!rev.is_reversible());
}

#[test]
fn sqlite_rebuilds_need_the_table_offline_and_use_the_model() {
    let text = "revision: a\nupgrade:\n  - alter_column: {table: t, column: c, nullable: false, from: {type: text, nullable: true}}\n";
    let rev = Revision::parse("a.yaml", text).unwrap();
    let body = rev.ops.unwrap();
    let (i, msg) = render(&body.upgrade, Dialect::Sqlite, &mut Model::default()).unwrap_err();
    assert_eq!(i, 0);
    assert!(
        msg.to_string().contains("current definition of table t"),
        "{msg}"
    );
    assert!(matches!(msg, OpsError::NeedsDefinition(_)), "{msg:?}");
    let create = Revision::parse(
        "c.yaml",
        "revision: c\nupgrade:\n  - create_table: {name: t, columns: [{name: id, type: integer, primary_key: true}, {name: c, type: text}]}\n",
    )
    .unwrap();
    let mut model = Model::default();
    render(&create.ops.unwrap().upgrade, Dialect::Sqlite, &mut model).unwrap();
    let stmts = render(&body.upgrade, Dialect::Sqlite, &mut model).unwrap();
    assert!(
        stmts[0].contains("CREATE TABLE _revisor_new_t"),
        "{stmts:?}"
    );
    assert!(stmts[0].contains("c TEXT NOT NULL"), "{stmts:?}");
    assert!(!model.schema.tables["t"].columns[1].nullable);
}

#[test]
fn mysql_alter_column_restates_the_column() {
    let text = "revision: a\nupgrade:\n  - alter_column: {table: t, column: c, nullable: false, from: {type: varchar(20), nullable: true}}\n";
    assert_eq!(
        sql(text, Dialect::MySql),
        vec!["ALTER TABLE t MODIFY COLUMN c VARCHAR(20) NOT NULL"]
    );
    assert_eq!(
        sql(text, Dialect::Postgres),
        vec!["ALTER TABLE t ALTER COLUMN c SET NOT NULL"]
    );
}

#[test]
fn per_dialect_types_and_execute() {
    let text = "revision: a\nupgrade:\n  - add_column: {table: t, column: {name: doc, type: {postgresql: jsonb, mysql: json, sqlite: text}}}\n  - execute: {postgresql: SELECT 1, sqlite: SELECT 2;}\n";
    assert_eq!(
        sql(text, Dialect::Postgres),
        vec!["ALTER TABLE t ADD COLUMN doc JSONB", "SELECT 1"]
    );
    assert_eq!(sql(text, Dialect::Sqlite)[1], "SELECT 2");
    let rev = Revision::parse("x.yaml", text).unwrap();
    let err = render(
        &rev.ops.unwrap().upgrade,
        Dialect::MySql,
        &mut Model::default(),
    )
    .unwrap_err();
    assert_eq!(err.0, 1);
    assert!(err.1.to_string().contains("no SQL for `mysql`"), "{err:?}");
}

#[test]
fn bulk_insert_quotes_values_and_is_undone_by_key() {
    let text = "revision: a\nupgrade:\n  - create_table: {name: t, columns: [{name: id, type: integer, primary_key: true}, {name: s, type: text}]}\n  - bulk_insert: {table: t, rows: [{id: 1, s: \"it's\"}, {id: 2, s: null}]}\n";
    let rev = Revision::parse("x.yaml", text).unwrap();
    let body = rev.ops.unwrap();
    let mut model = Model::default();
    let up = render(&body.upgrade, Dialect::Postgres, &mut model).unwrap();
    assert_eq!(
        up[1],
        "INSERT INTO t (id, s) VALUES (1, 'it''s'), (2, NULL)"
    );
    let down = render(
        body.downgrade.as_ref().unwrap(),
        Dialect::Postgres,
        &mut model,
    )
    .unwrap();
    assert_eq!(
        down,
        vec![
            "DELETE FROM t WHERE id = 1",
            "DELETE FROM t WHERE id = 2",
            "-- DESTRUCTIVE: drops table t and its rows\nDROP TABLE t"
        ]
    );
}

#[test]
fn manifests_beside_the_revisions_are_not_revisions() {
    let g = crate::graph::RevisionGraph::from_files(&[
        ("0001_a.yaml", "revision: a\nupgrade: []\n"),
        (
            "databaseschema.yaml",
            "apiVersion: revisor.dev/v1alpha1\nkind: DatabaseSchema\n",
        ),
        ("kustomization.yaml", "resources: [a.yaml]\n"),
    ])
    .unwrap();
    assert_eq!(g.len(), 1);
    // Any other YAML file must be a revision.
    assert!(crate::graph::RevisionGraph::from_files(&[("x.yaml", "revison: a\n")]).is_err());
}

#[test]
fn lint_reads_the_rendered_operations_at_their_lines() {
    let text = "revision: a\nupgrade:\n  - create_index: {name: ix, table: t, columns: [c]}\n  - drop_column: {table: t, column: c}\n";
    let rev = Revision::parse("0002_a.yaml", text).unwrap();
    let findings = crate::lint::lint(
        "0002_a.yaml",
        &rev,
        Dialect::Postgres,
        &mut Default::default(),
    );
    let at = |line: usize| {
        findings
            .iter()
            .filter(|f| f.line == line)
            .map(|f| f.code)
            .collect::<Vec<_>>()
    };
    // A plain index on PostgreSQL blocks writes; a dropped column loses data.
    assert!(!at(3).is_empty(), "{findings:#?}");
    assert!(!at(4).is_empty(), "{findings:#?}");
    assert!(findings.iter().any(|f| f.code == "RV501"), "{findings:#?}");
}
