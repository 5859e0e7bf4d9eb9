//! Views in the diff: which are dropped before the other operations and
//! created after them, in what order. Pure.
//!
//! A view whose query alone changed is replaced in place (`CREATE OR
//! REPLACE VIEW`: its grants and the views that read it stay) where the
//! server allows it both ways ([`SqlDialect::view_replaceable`]: on
//! PostgreSQL, the same columns). Otherwise it is dropped and created
//! again, and so is every view around any change to a table, type or
//! view it reads, directly or through other views: PostgreSQL refuses to
//! drop or retype a column a view uses, and SQLite's table rebuilds (and
//! `ALTER TABLE ... RENAME`) fail while a view names the table. Views
//! that depend on others are dropped first and created last.
//!
//! [`SqlDialect::view_replaceable`]: crate::dialect::SqlDialect::view_replaceable

use super::Op;
use crate::dialect::Dialect;
use crate::schema::{Function, Schema, Trigger, View};
use std::collections::BTreeSet;

/// `(drops, creates)`: the view operations that go before the others
/// (dependents first) and after them (dependencies first). `touched` are
/// the names of the tables, types and extensions the other operations
/// change.
pub(super) fn view_changes(
    from: &Schema,
    to: &Schema,
    touched: &BTreeSet<String>,
    dialect: Dialect,
) -> (Vec<Op>, Vec<Op>) {
    let changed = |v: &View| !to.views.get(&v.name).is_some_and(|n| n.same_as(v));
    // Replaced in place: a plain view whose query alone changed, where
    // the server allows it and it reads nothing the revision touches.
    let replaceable = |v: &View| {
        to.views.get(&v.name).is_some_and(|n| {
            !v.materialized
                && !n.materialized
                && dialect.sql().view_replaceable(&v.columns, &n.columns)
        })
    };
    // Views that go or change, then everything that reads them or a
    // touched object, to a fixpoint.
    let mut redo: BTreeSet<&str> = from
        .views
        .values()
        .filter(|v| changed(v) && !replaceable(v))
        .map(|v| v.name.as_str())
        .collect();
    loop {
        let more: Vec<&str> = from
            .views
            .values()
            .filter(|v| !redo.contains(v.name.as_str()))
            .filter(|v| {
                v.reads
                    .iter()
                    .any(|r| touched.contains(r) || redo.contains(r.as_str()))
            })
            .map(|v| v.name.as_str())
            .collect();
        if more.is_empty() {
            break;
        }
        redo.extend(more);
    }
    let dropped: Vec<&View> = from
        .views
        .values()
        .filter(|v| redo.contains(v.name.as_str()))
        .collect();
    let drops = order(&dropped)
        .into_iter()
        .rev()
        .map(|v| Op::View {
            name: v.name.clone(),
            from: Some(v.clone()),
            to: None,
        })
        .collect();
    let created: Vec<&View> = to
        .views
        .values()
        .filter(|v| {
            !from.views.contains_key(&v.name)
                || redo.contains(v.name.as_str())
                || from.views.get(&v.name).is_some_and(changed)
        })
        .collect();
    let creates = order(&created)
        .into_iter()
        .map(|v| Op::View {
            name: v.name.clone(),
            // Changed and not dropped: replaced.
            from: from
                .views
                .get(&v.name)
                .filter(|old| !redo.contains(old.name.as_str()))
                .cloned(),
            to: Some(v.clone()),
        })
        .collect();
    (drops, creates)
}

/// `(drops, creates)` of triggers: a trigger is dropped and created again
/// when it changed, and around any change to the table or view it fires
/// on (`touched`: SQLite's table rebuild drops a table's triggers with it).
pub(super) fn trigger_changes(
    from: &Schema,
    to: &Schema,
    touched: &BTreeSet<String>,
) -> (Vec<Op>, Vec<Op>) {
    let redo = |t: &Trigger| {
        to.triggers.get(&t.key()) != Some(t)
            || touched.contains(&t.table)
            || t.reads.iter().any(|r| touched.contains(r))
    };
    let drops = from
        .triggers
        .values()
        .filter(|t| redo(t))
        .map(|t| Op::Trigger {
            name: t.key(),
            from: Some(t.clone()),
            to: None,
        })
        .collect();
    let creates = to
        .triggers
        .values()
        .filter(|t| from.triggers.get(&t.key()).is_none_or(&redo))
        .map(|t| Op::Trigger {
            name: t.key(),
            from: None,
            to: Some(t.clone()),
        })
        .collect();
    (drops, creates)
}

/// `(drops, creates)` of functions: one that goes or changes is dropped
/// (after the views and triggers that use it), one that comes or changes
/// is created (before them).
pub(super) fn function_changes(from: &Schema, to: &Schema) -> (Vec<Op>, Vec<Op>) {
    // A function whose body alone changed is replaced in place: its oid,
    // grants and dependants stay.
    let replaced = |f: &Function| {
        to.functions
            .get(&f.key())
            .is_some_and(|t| t != f && replaceable(f, t))
    };
    let dropped: Vec<&Function> = from
        .functions
        .values()
        .filter(|f| to.functions.get(&f.key()) != Some(*f) && !replaced(f))
        .collect();
    // An aggregate comes after the functions it names, and goes before.
    let drops = order_functions(&dropped)
        .into_iter()
        .rev()
        .map(|f| Op::Function {
            name: f.key(),
            from: Some(f.clone()),
            to: None,
        })
        .collect();
    let created: Vec<&Function> = to
        .functions
        .values()
        .filter(|f| from.functions.get(&f.key()) != Some(*f))
        .collect();
    let creates = order_functions(&created)
        .into_iter()
        .map(|f| Op::Function {
            name: f.key(),
            from: from
                .functions
                .get(&f.key())
                .filter(|old| replaced(old))
                .cloned(),
            to: Some(f.clone()),
        })
        .collect();
    (drops, creates)
}

/// Whether `new` can replace `old` in place (`CREATE OR REPLACE`): both in
/// the server's words (PostgreSQL's `pg_get_functiondef`, which says `OR
/// REPLACE`), of one kind, with the same arguments and return type, so
/// only the body or attributes differ.
fn replaceable(old: &Function, new: &Function) -> bool {
    let server = |f: &Function| {
        f.definition.starts_with("CREATE OR REPLACE FUNCTION")
            || f.definition.starts_with("CREATE OR REPLACE PROCEDURE")
    };
    server(old)
        && server(new)
        && old.kind() == new.kind()
        && old.arguments == new.arguments
        && returns(&old.definition) == returns(&new.definition)
}

/// The return type in a normalised `CREATE OR REPLACE FUNCTION`: what
/// follows ` RETURNS ` up to ` LANGUAGE ` or ` AS `.
fn returns(definition: &str) -> Option<&str> {
    let rest = &definition[definition.find(" RETURNS ")? + 9..];
    let end = [" LANGUAGE ", " AS "]
        .iter()
        .filter_map(|k| rest.find(k))
        .min()
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

/// `functions` ordered so that one comes after those it names (every
/// overload of a name it names).
fn order_functions<'a>(functions: &[&'a Function]) -> Vec<&'a Function> {
    struct Keyed<'a> {
        key: String,
        needs: Vec<String>,
        f: &'a Function,
    }
    let keyed: Vec<Keyed> = functions
        .iter()
        .map(|f| Keyed {
            key: f.key(),
            needs: functions
                .iter()
                .filter(|g| f.reads.contains(&g.name))
                .map(|g| g.key())
                .collect(),
            f,
        })
        .collect();
    let refs: Vec<&Keyed> = keyed.iter().collect();
    super::topological(
        &refs,
        |k| k.key.as_str(),
        |k| k.needs.iter().map(String::as_str),
    )
    .into_iter()
    .map(|k| k.f)
    .collect()
}

/// `views` ordered so that a view comes after the views it reads (within
/// `views`); ties by name.
fn order<'a>(views: &[&'a View]) -> Vec<&'a View> {
    super::topological(
        views,
        |v| v.name.as_str(),
        |v| v.reads.iter().map(String::as_str),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::Dialect;
    use crate::schema::Table;

    fn function(name: &str, args: &str, returns: &str, body: &str) -> Function {
        Function {
            name: name.into(),
            procedure: false,
            aggregate: false,
            arguments: args.into(),
            definition: format!(
                "CREATE OR REPLACE FUNCTION {name}({args}) RETURNS {returns} LANGUAGE plpgsql AS $function$ {body} $function$"
            ),
            reads: Default::default(),
        }
    }

    fn schema(f: Function) -> Schema {
        let mut s = Schema::default();
        s.tables.insert(
            "t".into(),
            Table {
                name: "t".into(),
                ..Table::default()
            },
        );
        s.triggers.insert(
            "t.t_touch".into(),
            Trigger {
                name: "t_touch".into(),
                table: "t".into(),
                definition: format!(
                    "CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION {}()",
                    f.name
                ),
                reads: [f.name.clone(), "t".to_owned()].into(),
            },
        );
        s.functions.insert(f.key(), f);
        s
    }

    #[test]
    fn a_body_change_replaces_the_function_and_leaves_its_trigger() {
        let old = schema(function("touch", "", "trigger", "BEGIN RETURN NEW; END"));
        let new = schema(function(
            "touch",
            "",
            "trigger",
            "BEGIN NEW.a := 1; RETURN NEW; END",
        ));
        let ops = super::super::diff(&old, &new, Dialect::Postgres);
        assert_eq!(ops.len(), 1, "{ops:#?}");
        assert!(matches!(
            &ops[0],
            Op::Function {
                from: Some(_),
                to: Some(_),
                ..
            }
        ));
        // A new return type cannot be replaced: dropped and created, and
        // the trigger that runs it with it.
        let retyped = schema(function("touch", "", "integer", "BEGIN RETURN 1; END"));
        let ops = super::super::diff(&old, &retyped, Dialect::Postgres);
        let kinds: Vec<String> = ops.iter().map(|o| o.describe()).collect();
        assert_eq!(
            kinds,
            [
                "remove trigger t.t_touch",
                "remove function touch()",
                "add function touch()",
                "add trigger t.t_touch"
            ]
        );
    }
}
