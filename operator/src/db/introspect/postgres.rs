//! PostgreSQL introspection from `pg_catalog`: four queries (tables,
//! columns, constraints, indexes) for one schema, whatever its size.

use super::{col, opt, split_list, Introspect, Options};
use crate::db::postgres::PgBackend;
use crate::db::{Backend, DbError};
use crate::dialect::Dialect;
use crate::schema::{
    Action, Check, Column, Domain, ForeignKey, IdentityKind, Index, Schema, Table, Type, Unique,
};

/// The unit separator joins lists inside one catalog value.
const SEP: &str = "chr(31)";

fn action(code: &str) -> Action {
    match code {
        "r" => Action::Restrict,
        "c" => Action::Cascade,
        "n" => Action::SetNull,
        "d" => Action::SetDefault,
        _ => Action::NoAction,
    }
}

/// A condition on the table `c`: it is a `*_history` / `*_snapshot` table
/// with Revisor's columns, or a version table (its only column is
/// `version_num`). Cheapest first: the name patterns, then one index probe
/// of `pg_attribute`; `relnatts = 1` spares the probe for tables with more
/// columns (one with dropped columns is caught by `without_bookkeeping`).
/// The probes are scalar subqueries, evaluated per candidate table:
/// PostgreSQL may plan an `EXISTS` there as a hash of every such column in
/// the database.
const BOOKKEEPING: &str = "((c.relname LIKE '%\\_history' \
     AND (SELECT true FROM pg_attribute b WHERE b.attrelid = c.oid AND b.attname = 'checksum') IS NOT NULL) \
     OR (c.relname LIKE '%\\_snapshot' \
     AND (SELECT true FROM pg_attribute b WHERE b.attrelid = c.oid AND b.attname = 'schema_json') IS NOT NULL) \
     OR (c.relnatts = 1 AND NOT EXISTS (SELECT 1 FROM pg_attribute b WHERE b.attrelid = c.oid AND b.attnum > 0 \
     AND NOT b.attisdropped AND b.attname <> 'version_num')))";

impl Introspect for PgBackend {
    async fn row_estimates(
        &mut self,
        _tables: &std::collections::BTreeSet<String>,
    ) -> Result<super::RowEstimates, DbError> {
        let rows = self
            .query(
                "SELECT c.relname::text, CAST(c.reltuples::bigint AS TEXT) FROM pg_class c \
                 WHERE c.relkind IN ('r', 'p') AND c.reltuples >= 0 \
                 AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())",
            )
            .await?;
        Ok(super::estimates(rows))
    }

    async fn lint_facts(&mut self) -> Result<super::LintFacts, DbError> {
        let version = self
            .query("SELECT current_setting('server_version')")
            .await?;
        let functions = self
            .query(
                "SELECT lower(p.proname::text), CASE WHEN bool_or(p.provolatile = 'v') THEN 'v' ELSE 's' END \
                 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
                 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') GROUP BY 1",
            )
            .await?;
        Ok(super::LintFacts {
            server_version: super::first_text(&version),
            functions: functions
                .into_iter()
                .filter_map(|r| {
                    let name = r.first().cloned().flatten()?;
                    Some((name, r.get(1).cloned().flatten()? == "v"))
                })
                .collect(),
        })
    }

    async fn introspect(&mut self, opts: &Options) -> Result<Schema, DbError> {
        // Without a schema named: where the connection's unqualified names
        // go (the first schema of its search_path that exists), as the
        // version table and every migration's tables.
        let ns = opts.schema.as_deref().map_or_else(
            || "current_schema()".to_owned(),
            |s| crate::render::literal(s, crate::dialect::Dialect::Postgres),
        );
        // The schema's objects are found through their dependency on it
        // (`pg_depend`'s reference index): the catalogs have no index by
        // schema, so filtering them by schema scans all of them. With
        // 1,000 tenants' schemas in one database that scan (planned from
        // stale catalog statistics) took 66 ms per recheck of each tenant;
        // this way 0.4 ms. Every object of a schema records the dependency
        // (only `pg_catalog`'s are pinned instead). Bookkeeping tables of
        // every version table ([`BOOKKEEPING`], `without_bookkeeping`) are
        // left out in the query itself: a database shared by 1,000
        // DatabaseSchemas holds 3,000 of them (there this query takes
        // 17 ms, 19 ms the old way).
        let mut schema = Schema::default();
        // Tables, enum types, extensions and domains in one round trip (a
        // drift recheck of 1,000 resources pays each one 1,000 times): rows
        // of kind `t` (name, comment, oid), `e` (type, label; labels in
        // order), `x` (extension), `v` (view, definition, materialized),
        // `f` (function, pg_get_functiondef, schema, prokind, identity
        // arguments), `g` (trigger, pg_get_triggerdef, table), `d` (domain, base type, collation set
        // on it, NOT NULL, default) and `k` (domain, check name, check).
        let rows = self
            .query(&format!(
                "WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname = {ns}), \
                 objs AS (SELECT d.classid, d.objid FROM pg_depend d \
                 WHERE d.refclassid = 'pg_namespace'::regclass AND d.refobjid = (SELECT oid FROM ns) AND d.refobjsubid = 0), \
                 rels AS (SELECT c.* FROM objs JOIN pg_class c ON c.oid = objs.objid WHERE objs.classid = 'pg_class'::regclass), \
                 types AS (SELECT t.* FROM objs JOIN pg_type t ON t.oid = objs.objid WHERE objs.classid = 'pg_type'::regclass), \
                 procs AS (SELECT p.* FROM objs JOIN pg_proc p ON p.oid = objs.objid WHERE objs.classid = 'pg_proc'::regclass \
                 AND NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.classid = 'pg_proc'::regclass AND dep.objid = p.oid AND dep.deptype = 'e')) \
                 SELECT kind, name, extra, oid, extra2, extra3 FROM ( \
                 SELECT 't' AS kind, c.relname::text AS name, obj_description(c.oid, 'pg_class') AS extra, \
                 c.oid::text AS oid, 0::float4 AS ord, \
                 CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS extra2, \
                 concat_ws({SEP}, c.relpersistence, CASE WHEN c.relispartition THEN (SELECT p.relname::text \
                 FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent WHERE i.inhrelid = c.oid) END, \
                 CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END) AS extra3 FROM rels c \
                 WHERE c.relkind IN ('r', 'p') AND NOT {BOOKKEEPING} \
                 UNION ALL \
                 SELECT 'd', t.typname::text, format_type(t.typbasetype, t.typtypmod), \
                 CASE WHEN t.typcollation <> b.typcollation THEN co.collname::text END, 0, \
                 CASE WHEN t.typnotnull THEN '1' ELSE '0' END, t.typdefault \
                 FROM types t JOIN pg_type b ON b.oid = t.typbasetype LEFT JOIN pg_collation co ON co.oid = t.typcollation \
                 WHERE t.typtype = 'd' \
                 UNION ALL \
                 SELECT 'k', t.typname::text, con.conname::text, NULL, 0, pg_get_constraintdef(con.oid), NULL \
                 FROM types t JOIN pg_constraint con ON con.contypid = t.oid \
                 WHERE t.typtype = 'd' AND con.contype = 'c' \
                 UNION ALL \
                 SELECT 'e', t.typname::text, e.enumlabel::text, NULL, e.enumsortorder, NULL, NULL \
                 FROM types t JOIN pg_enum e ON e.enumtypid = t.oid \
                 UNION ALL \
                 SELECT 'v', c.relname::text, pg_get_viewdef(c.oid, true), c.oid::text, 0, \
                 CASE WHEN c.relkind = 'm' THEN '1' ELSE '0' END, NULL FROM rels c \
                 WHERE c.relkind IN ('v', 'm') \
                 UNION ALL \
                 SELECT 'f', p.proname::text, pg_get_functiondef(p.oid), n.nspname::text, 0, p.prokind::text, \
                 pg_get_function_identity_arguments(p.oid) FROM procs p JOIN pg_namespace n ON n.oid = p.pronamespace \
                 WHERE p.prokind IN ('f', 'p') \
                 UNION ALL \
                 SELECT 'f', p.proname::text, format('CREATE AGGREGATE %I(%s) (SFUNC = %s, STYPE = %s%s)', p.proname, \
                 pg_get_function_identity_arguments(p.oid), ag.aggtransfn::regproc, format_type(ag.aggtranstype, NULL), concat( \
                 CASE WHEN ag.aggtransspace <> 0 THEN ', SSPACE = ' || ag.aggtransspace END, \
                 CASE WHEN ag.aggfinalfn <> 0 THEN ', FINALFUNC = ' || ag.aggfinalfn::regproc::text END, \
                 CASE WHEN ag.aggfinalextra THEN ', FINALFUNC_EXTRA' END, \
                 CASE WHEN ag.aggfinalmodify <> CASE WHEN ag.aggkind = 'n' THEN 'r' ELSE 'w' END \
                 THEN ', FINALFUNC_MODIFY = ' || CASE ag.aggfinalmodify WHEN 'r' THEN 'READ_ONLY' WHEN 's' THEN 'SHAREABLE' ELSE 'READ_WRITE' END END, \
                 CASE WHEN ag.aggcombinefn <> 0 THEN ', COMBINEFUNC = ' || ag.aggcombinefn::regproc::text END, \
                 CASE WHEN ag.aggserialfn <> 0 THEN ', SERIALFUNC = ' || ag.aggserialfn::regproc::text END, \
                 CASE WHEN ag.aggdeserialfn <> 0 THEN ', DESERIALFUNC = ' || ag.aggdeserialfn::regproc::text END, \
                 CASE WHEN ag.agginitval IS NOT NULL THEN ', INITCOND = ' || quote_literal(ag.agginitval) END, \
                 CASE WHEN ag.aggmtransfn <> 0 THEN ', MSFUNC = ' || ag.aggmtransfn::regproc::text \
                 || ', MINVFUNC = ' || ag.aggminvtransfn::regproc::text || ', MSTYPE = ' || format_type(ag.aggmtranstype, NULL) END, \
                 CASE WHEN ag.aggmtransspace <> 0 THEN ', MSSPACE = ' || ag.aggmtransspace END, \
                 CASE WHEN ag.aggmfinalfn <> 0 THEN ', MFINALFUNC = ' || ag.aggmfinalfn::regproc::text END, \
                 CASE WHEN ag.aggmfinalextra THEN ', MFINALFUNC_EXTRA' END, \
                 CASE WHEN ag.aggmtransfn <> 0 AND ag.aggmfinalmodify <> CASE WHEN ag.aggkind = 'n' THEN 'r' ELSE 'w' END \
                 THEN ', MFINALFUNC_MODIFY = ' || CASE ag.aggmfinalmodify WHEN 'r' THEN 'READ_ONLY' WHEN 's' THEN 'SHAREABLE' ELSE 'READ_WRITE' END END, \
                 CASE WHEN ag.aggminitval IS NOT NULL THEN ', MINITCOND = ' || quote_literal(ag.aggminitval) END, \
                 CASE WHEN ag.aggsortop <> 0 THEN ', SORTOP = ' || ag.aggsortop::regoper::text END, \
                 CASE WHEN p.proparallel = 's' THEN ', PARALLEL = SAFE' WHEN p.proparallel = 'r' THEN ', PARALLEL = RESTRICTED' END, \
                 CASE WHEN ag.aggkind = 'h' THEN ', HYPOTHETICAL' END)), \
                 n.nspname::text, 0, 'a', pg_get_function_identity_arguments(p.oid) \
                 FROM procs p JOIN pg_aggregate ag ON ag.aggfnoid = p.oid JOIN pg_namespace n ON n.oid = p.pronamespace \
                 WHERE p.prokind = 'a' \
                 UNION ALL \
                 SELECT 'g', tg.tgname::text, pg_get_triggerdef(tg.oid), c.relname::text, 0, NULL, NULL \
                 FROM rels c JOIN pg_trigger tg ON tg.tgrelid = c.oid \
                 WHERE NOT tg.tgisinternal AND NOT EXISTS (SELECT 1 FROM pg_depend dep \
                 WHERE dep.classid = 'pg_trigger'::regclass AND dep.objid = tg.oid AND dep.deptype = 'P') \
                 UNION ALL \
                 SELECT 'x', extname::text, NULL, NULL, 0, NULL, NULL FROM pg_extension \
                 WHERE extnamespace = (SELECT oid FROM ns) \
                 UNION ALL \
                 SELECT 's', c.relname::text, format_type(q.seqtypid, NULL), NULL, 0, \
                 concat_ws(',', q.seqstart, q.seqincrement, q.seqmin, q.seqmax, q.seqcache, \
                 CASE WHEN q.seqcycle THEN 1 ELSE 0 END), NULL \
                 FROM rels c JOIN pg_sequence q ON q.seqrelid = c.oid WHERE c.relkind = 'S' \
                 AND NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.classid = 'pg_class'::regclass \
                 AND dep.objid = c.oid AND dep.deptype IN ('a', 'i', 'e'))) x \
                 ORDER BY kind, name, ord, extra"
            ))
            .await?;
        let mut oids: Vec<String> = Vec::new();
        // Materialized views, whose indexes are read with the tables'.
        let mut view_oids: Vec<String> = Vec::new();
        // Views, whose columns are read with the tables'.
        let mut plain_view_oids: Vec<String> = Vec::new();
        for r in &rows {
            let name = col(r, 1);
            match col(r, 0).as_str() {
                "e" => {
                    schema.enums.entry(name).or_default().push(col(r, 2));
                    continue;
                }
                "x" => {
                    schema.extensions.insert(name);
                    continue;
                }
                "s" => {
                    // A sequence no column owns (a serial or identity
                    // column's is the column's) nor an extension.
                    let n: Vec<i64> = col(r, 4)
                        .split(',')
                        .filter_map(|v| v.parse().ok())
                        .collect();
                    if let [start, increment, min, max, cache, cycle] = n[..] {
                        schema.sequences.insert(
                            name.clone(),
                            crate::schema::Sequence {
                                name,
                                ty: col(r, 2),
                                start,
                                increment,
                                min,
                                max,
                                cache,
                                cycle: cycle == 1,
                            },
                        );
                    }
                    continue;
                }
                "f" => {
                    // pg_get_functiondef names the schema: not part of
                    // what the function is.
                    let schema_prefix = format!("{}.", col(r, 3));
                    let definition = col(r, 2).replacen(&schema_prefix, "", 1);
                    let f = crate::schema::Function {
                        name,
                        procedure: col(r, 4) == "p",
                        aggregate: col(r, 4) == "a",
                        reads: Default::default(),
                        arguments: col(r, 5),
                        definition: crate::sqltext::normalize_space(&definition),
                    };
                    schema.functions.insert(f.key(), f);
                    continue;
                }
                "g" => {
                    let table = col(r, 3);
                    if !opts.skip(&table) {
                        let trigger = crate::schema::Trigger {
                            name,
                            table,
                            definition: crate::sqltext::normalize_space(&col(r, 2)),
                            reads: Default::default(),
                        };
                        schema.triggers.insert(trigger.key(), trigger);
                    }
                    continue;
                }
                "v" => {
                    if !opts.skip(&name) {
                        if col(r, 4) == "1" {
                            view_oids.push(col(r, 3));
                        } else {
                            plain_view_oids.push(col(r, 3));
                        }
                        let definition = col(r, 2);
                        let definition = definition.trim().trim_end_matches(';').trim_end();
                        schema.views.insert(
                            name.clone(),
                            crate::schema::View {
                                name,
                                definition: definition.to_owned(),
                                materialized: col(r, 4) == "1",
                                indexes: Vec::new(),
                                reads: Default::default(),
                                columns: Vec::new(),
                            },
                        );
                    }
                    continue;
                }
                "d" => {
                    let domain = Domain {
                        ty: Type::parse(&col(r, 2)),
                        collation: opt(r, 3),
                        not_null: col(r, 4) == "1",
                        default: opt(r, 5),
                        checks: Vec::new(),
                        name: name.clone(),
                    };
                    schema.domains.insert(name, domain);
                    continue;
                }
                "k" => {
                    if let Some(d) = schema.domains.get_mut(&name) {
                        let def = col(r, 4);
                        d.checks.push(Check {
                            name: opt(r, 2),
                            expression: def.strip_prefix("CHECK ").unwrap_or(&def).to_owned(),
                            not_valid: false,
                        });
                    }
                    continue;
                }
                _ => {}
            }
            if opts.skip(&name) {
                continue;
            }
            oids.push(col(r, 3));
            // Persistence, then a partition's table and bound.
            let layout = split_list(&col(r, 5));
            let storage = crate::schema::Storage {
                partition_by: opt(r, 4),
                partition_of: match layout.as_slice() {
                    [_, parent, bound] => Some(crate::schema::PartitionOf {
                        parent: parent.clone(),
                        bound: bound.clone(),
                    }),
                    _ => None,
                },
                unlogged: layout.first().is_some_and(|p| p == "u"),
            };
            schema.tables.insert(
                name.clone(),
                Table {
                    name,
                    comment: opt(r, 2),
                    storage,
                    ..Table::default()
                },
            );
        }
        if oids.is_empty() {
            crate::declared::resolve_reads(&mut schema, Dialect::Postgres);
            return Ok(schema);
        }
        // The other queries read only these tables, by oid (an index scan,
        // however many other tables the database holds).
        let in_schema = format!("c.oid = ANY('{{{}}}'::oid[])", oids.join(","));
        let with_views = format!(
            "c.oid = ANY('{{{}}}'::oid[])",
            oids.iter()
                .chain(&plain_view_oids)
                .cloned()
                .collect::<Vec<_>>()
                .join(",")
        );
        // A default holds no column reference (a generated column's
        // expression does): deparsed without its table, since
        // `pg_get_expr` with one opens and locks the table each time, which
        // was most of this query's time on 1,000 tables (180 -> 113 ms).
        let columns = self
            .query(&format!(
                "SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod), \
                 CASE WHEN a.attnotnull THEN '1' ELSE '0' END, \
                 pg_get_expr(d.adbin, CASE WHEN a.attgenerated = '' THEN 0 ELSE d.adrelid END), \
                 a.attidentity::text, \
                 CASE WHEN a.attcollation <> t.typcollation THEN co.collname::text END, \
                 cd.description, \
                 CASE WHEN d.adbin IS NOT NULL \
                 AND EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.refclassid = 'pg_class'::regclass \
                 AND dep.refobjid = c.oid AND dep.refobjsubid = a.attnum AND dep.classid = 'pg_class'::regclass \
                 AND dep.deptype = 'a') THEN '1' ELSE '0' END \
                 FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
                 JOIN pg_type t ON t.oid = a.atttypid \
                 LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
                 LEFT JOIN pg_collation co ON co.oid = a.attcollation \
                 LEFT JOIN pg_description cd ON cd.objoid = c.oid AND cd.classoid = 'pg_class'::regclass \
                 AND cd.objsubid = a.attnum \
                 WHERE {with_views} AND c.relkind IN ('r', 'p', 'v') AND a.attnum > 0 AND NOT a.attisdropped \
                 ORDER BY c.relname, a.attnum"
            ))
            .await?;
        for r in &columns {
            let Some(t) = schema.tables.get_mut(&col(r, 0)) else {
                // A view's: what decides whether it can be replaced in place.
                if let Some(v) = schema.views.get_mut(&col(r, 0)) {
                    v.columns.push(format!("{} {}", col(r, 1), col(r, 2)));
                }
                continue;
            };
            let default = opt(r, 4);
            // `serial` is a column whose default draws from a sequence it
            // owns (pg_dump's three statements); the model holds it by the
            // sequence's standard name only (`schema::sequence_name`). A
            // default that draws from a standalone sequence stays one.
            let serial = col(r, 8) == "1"
                && default
                    .as_deref()
                    .is_some_and(|d| d.starts_with("nextval("));
            let (identity, identity_kind) = match col(r, 5).as_str() {
                "a" => (true, Some(IdentityKind::Always)),
                "d" => (true, None),
                _ if serial => (true, Some(IdentityKind::Serial)),
                _ => (false, None),
            };
            t.columns.push(Column {
                name: col(r, 1),
                ty: Type::parse(&col(r, 2)),
                nullable: col(r, 3) == "0",
                default: if identity { None } else { default },
                identity,
                identity_kind,
                collation: opt(r, 6),
                comment: opt(r, 7),
                on_update: None,
            });
        }
        let constraints = self
            .query(&format!(
                "SELECT c.relname::text, con.conname::text, con.contype::text, \
                 array_to_string(ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, o) \
                   JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.o), {SEP}), \
                 r.relname::text, \
                 array_to_string(ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, o) \
                   JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.o), {SEP}), \
                 con.confdeltype::text, con.confupdtype::text, pg_get_expr(con.conbin, con.conrelid), \
                 CASE WHEN con.condeferrable THEN '1' ELSE '0' END, CASE WHEN con.condeferred THEN '1' ELSE '0' END, \
                 CASE WHEN con.convalidated THEN '1' ELSE '0' END, \
                 CASE WHEN con.contype = 'x' THEN pg_get_constraintdef(con.oid) END \
                 FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid \
                 LEFT JOIN pg_class r ON r.oid = con.confrelid \
                 WHERE {in_schema} AND con.contype IN ('p', 'u', 'f', 'c', 'x') AND con.conparentid = 0 \
                 AND NOT (c.relispartition AND con.contype = 'c' AND con.coninhcount > 0) \
                 ORDER BY c.relname, con.conname"
            ))
            .await?;
        for r in &constraints {
            let Some(t) = schema.tables.get_mut(&col(r, 0)) else {
                continue;
            };
            let name = Some(col(r, 1));
            let columns = split_list(&col(r, 3));
            let not_valid = col(r, 11) == "0";
            match col(r, 2).as_str() {
                "p" => {
                    t.primary_key = columns;
                    t.primary_key_name = name;
                    t.primary_key_deferrable = col(r, 9) == "1";
                    t.primary_key_initially_deferred = col(r, 10) == "1";
                }
                "x" => {
                    // In the declared side's words (read through sqlparser);
                    // as the catalog prints it when sqlparser cannot read it.
                    let def = col(r, 12);
                    t.exclusions.push(crate::schema::Exclusion {
                        name: col(r, 1),
                        definition: crate::declared::exclusion_definition(&def, Dialect::Postgres)
                            .unwrap_or(def),
                    })
                }
                "u" => t.uniques.push(Unique {
                    name,
                    columns,
                    deferrable: col(r, 9) == "1",
                    initially_deferred: col(r, 10) == "1",
                }),
                "f" => t.foreign_keys.push(ForeignKey {
                    name,
                    columns,
                    ref_table: col(r, 4),
                    ref_columns: split_list(&col(r, 5)),
                    on_delete: action(&col(r, 6)),
                    on_update: action(&col(r, 7)),
                    deferrable: col(r, 9) == "1",
                    initially_deferred: col(r, 10) == "1",
                    not_valid,
                }),
                _ => t.checks.push(Check {
                    name,
                    expression: col(r, 8),
                    not_valid,
                }),
            }
        }
        // Indexes that back no constraint. Key columns come from
        // `unnest(indkey) WITH ORDINALITY`: `generate_series` made the
        // planner guess 1,000 rows per index, which crossed
        // `jit_above_cost`, and compiling the query took 0.3 s of 0.46 on
        // 3,000 indexes. One with anything beyond plain
        // columns (a method, operator classes, order, INCLUDE, NULLS NOT
        // DISTINCT) is read from the server's own definition
        // (`pg_get_indexdef`) by the declared-schema reader, so it comes
        // out as a declared index does; a plain one (most of them, and
        // parsing costs) from the catalog: expressions in parentheses,
        // plain columns by their name (unquoted), as for a definition the
        // reader refuses.
        let indexes = self
            .query(&format!(
                "SELECT c.relname::text, i.relname::text, CASE WHEN ix.indisunique THEN '1' ELSE '0' END, \
                 pg_get_expr(ix.indpred, ix.indrelid), \
                 array_to_string(ARRAY(SELECT CASE WHEN k.attnum = 0 THEN '(' || pg_get_indexdef(ix.indexrelid, k.n::int, true) || ')' \
                   ELSE (SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = ix.indrelid AND a.attnum = k.attnum) END \
                   FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(attnum, n) WHERE k.n <= ix.indnkeyatts ORDER BY k.n), {SEP}), \
                 CASE WHEN am.amname = 'btree' AND NOT ix.indisunique AND ix.indnkeyatts = ix.indnatts \
                   AND NOT EXISTS (SELECT 1 FROM unnest(ix.indoption::int2[]) o WHERE o <> 0) \
                   AND NOT EXISTS (SELECT 1 FROM pg_opclass oc WHERE oc.oid = ANY(ix.indclass::oid[]) AND NOT oc.opcdefault) \
                 THEN NULL ELSE pg_get_indexdef(ix.indexrelid) END \
                 FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class c ON c.oid = ix.indrelid \
                 JOIN pg_am am ON am.oid = i.relam \
                 WHERE c.oid = ANY('{{{}}}'::oid[]) AND NOT i.relispartition AND NOT EXISTS (SELECT 1 FROM pg_constraint pc \
                 WHERE pc.conrelid = ix.indrelid AND pc.conindid = ix.indexrelid AND pc.contype IN ('p', 'u', 'x')) \
                 ORDER BY c.relname, i.relname",
                oids.iter().chain(&view_oids).cloned().collect::<Vec<_>>().join(",")
            ))
            .await?;
        for r in &indexes {
            let target = match schema.tables.get_mut(&col(r, 0)) {
                Some(t) => &mut t.indexes,
                None => match schema.views.get_mut(&col(r, 0)) {
                    Some(v) => &mut v.indexes,
                    None => continue,
                },
            };
            // A plain btree index (default operator classes, ascending,
            // no INCLUDE, not unique) is read from the catalog alone; any
            // other from its definition.
            let read = opt(r, 5)
                .ok_or_else(String::new)
                .and_then(|d| crate::declared::index_definition(&d, Dialect::Postgres));
            target.push(match read {
                Ok((_, index)) => index,
                Err(_) => Index {
                    name: col(r, 1),
                    columns: split_list(&col(r, 4)),
                    unique: col(r, 2) == "1",
                    predicate: opt(r, 3),
                    ..Index::default()
                },
            });
        }
        crate::declared::resolve_reads(&mut schema, Dialect::Postgres);
        Ok(super::without_bookkeeping(schema))
    }
}
