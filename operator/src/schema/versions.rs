//! Versions of the model, for snapshots taken by an older Revisor. Pure.
//!
//! A drift snapshot stores the schema as the model of its day saw it. When
//! the model learns more (identity kinds, enum types, index methods...), a
//! live schema read by the new model differs from an old snapshot in what
//! the old one could not see, which is no drift. [`Schema::as_of`] projects
//! a schema onto an older model, so both sides compare in its terms.

use super::Schema;

/// The model version this Revisor writes into snapshots (`"model"` in
/// `schema_json`; a snapshot without it is version 1).
///
/// - 1: tables, columns, keys, indexes (name, columns, unique, predicate),
///   foreign keys, checks, comments, `ON UPDATE`.
/// - 2: identity kinds, enum types, domains, extensions, primary-key
///   names, index methods, column options, `INCLUDE`, `NULLS NOT
///   DISTINCT`, deferrable and `NOT VALID` constraints, MySQL table
///   options (issue 25).
/// - 3: views, triggers and functions (issue 26).
/// - 4: triggers keyed by table and name ([`super::Trigger::key`]; by
///   name before, so same-named triggers of two tables collided).
/// - 5: standalone sequences ([`super::Sequence`]).
/// - 6: deferrable primary keys and unique constraints.
/// - 7: exclusion constraints ([`super::Exclusion`]).
/// - 8: partitioned tables, partitions and unlogged tables
///   ([`super::Storage`]); a partition holds only its own keys,
///   constraints and indexes (before, it held its copies of its parent's
///   too, and its parent was a plain table).
/// - 9: functions keyed by name and argument types
///   ([`super::Function::key`]; by name before, so overloads collided).
pub const MODEL_VERSION: u64 = 9;

impl Schema {
    /// This schema as model `version` sees it: what later versions added
    /// left out. The schema itself for the current version or later.
    pub fn as_of(&self, version: u64) -> Schema {
        if version >= MODEL_VERSION {
            return self.clone();
        }
        let mut s = self.clone();
        s.functions = std::mem::take(&mut s.functions)
            .into_values()
            .map(|f| (f.name.clone(), f))
            .collect();
        if version == 8 {
            return s;
        }
        // Before 8 a partition's copies of its parent's keys, constraints
        // and indexes were read as its own (the names of the indexes as
        // the server gives them: `Table::with_parent_objects`; triggers
        // cloned to partitions are not brought back, and show once).
        let parents = s.clone();
        for t in s.tables.values_mut() {
            let parent = t
                .storage
                .partition_of
                .as_ref()
                .and_then(|p| parents.tables.get(&p.parent));
            if let Some(parent) = parent {
                *t = t.with_parent_objects(&ancestors_merged(parent, &parents));
            }
            t.storage = Default::default();
        }
        if version == 7 {
            return s;
        }
        for t in s.tables.values_mut() {
            t.exclusions.clear();
        }
        if version == 6 {
            return s;
        }
        for t in s.tables.values_mut() {
            t.primary_key_deferrable = false;
            t.primary_key_initially_deferred = false;
            for u in &mut t.uniques {
                u.deferrable = false;
                u.initially_deferred = false;
            }
        }
        if version == 5 {
            return s;
        }
        s.sequences.clear();
        // Before 5, any column whose default drew from a sequence was read
        // as a serial column.
        for t in s.tables.values_mut() {
            for c in &mut t.columns {
                if !c.identity
                    && c.default
                        .as_deref()
                        .is_some_and(|d| d.starts_with("nextval("))
                {
                    c.identity = true;
                    c.identity_kind = Some(super::IdentityKind::Serial);
                    c.default = None;
                }
            }
        }
        if version == 4 {
            return s;
        }
        if version == 3 {
            s.triggers = std::mem::take(&mut s.triggers)
                .into_values()
                .map(|t| (t.name.clone(), t))
                .collect();
            return s;
        }
        s.views.clear();
        s.triggers.clear();
        s.functions.clear();
        if version >= 2 {
            return s;
        }
        let mut s = Schema {
            tables: s.tables,
            ..Schema::default()
        };
        for t in s.tables.values_mut() {
            t.primary_key_name = None;
            t.options = Default::default();
            for c in &mut t.columns {
                c.identity_kind = None;
            }
            for i in &mut t.indexes {
                i.method = None;
                i.column_options.clear();
                i.include.clear();
                i.nulls_not_distinct = false;
            }
            for f in &mut t.foreign_keys {
                f.deferrable = false;
                f.initially_deferred = false;
                f.not_valid = false;
            }
            for c in &mut t.checks {
                c.not_valid = false;
            }
        }
        s
    }

    /// The model version of a stored snapshot's `schema_json` (1 when it
    /// names none).
    pub fn model_of(json: &str) -> u64 {
        serde_json::from_str::<serde_json::Value>(json)
            .ok()
            .and_then(|v| v.get("model").and_then(serde_json::Value::as_u64))
            .unwrap_or(1)
    }

    /// The schema as a snapshot stores it: its JSON with the model version
    /// (`"model"`).
    pub fn snapshot_json(&self) -> String {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.insert("model".into(), MODEL_VERSION.into());
        }
        v.to_string()
    }
}

/// `t` with the keys, constraints and indexes of the tables it is a
/// partition of, up the chain, as a partition of it holds them.
fn ancestors_merged(t: &super::Table, schema: &Schema) -> super::Table {
    match t
        .storage
        .partition_of
        .as_ref()
        .and_then(|p| schema.tables.get(&p.parent))
    {
        Some(parent) => t.with_parent_objects(&ancestors_merged(parent, schema)),
        None => t.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Column, IdentityKind, Table, Type};

    #[test]
    fn an_old_snapshot_compares_in_its_own_model() {
        let mut t = Table {
            name: "t".into(),
            primary_key: vec!["id".into()],
            ..Table::default()
        };
        t.columns.push(Column {
            identity: true,
            identity_kind: Some(IdentityKind::Serial),
            ..Column::new("id", Type::Integer)
        });
        let mut new = Schema::default();
        new.tables.insert("t".into(), t);
        new.enums.insert("mood".into(), vec!["ok".into()]);
        let json = new.snapshot_json();
        assert_eq!(Schema::model_of(&json), MODEL_VERSION);
        assert_eq!(Schema::model_of(r#"{"tables":{}}"#), 1);
        let stored: Schema = serde_json::from_str(&json).unwrap();
        assert_eq!(stored, new, "the version key reads back as nothing");
        let old = new.as_of(1);
        assert!(old.enums.is_empty());
        assert_eq!(old.tables["t"].columns[0].identity_kind, None);
        assert!(old.tables["t"].columns[0].identity, "what v1 saw stays");
        assert_eq!(new.as_of(MODEL_VERSION), new);
        // A version-2 snapshot saw enums but no views.
        new.views.insert(
            "v".into(),
            crate::schema::View {
                name: "v".into(),
                definition: "SELECT 1".into(),
                materialized: false,
                indexes: Vec::new(),
                reads: Default::default(),
                columns: Vec::new(),
            },
        );
        let v2 = new.as_of(2);
        assert!(v2.views.is_empty());
        assert_eq!(v2.enums.len(), 1);
    }

    #[test]
    fn a_version_4_snapshot_saw_no_standalone_sequence_and_took_its_users_for_serial() {
        let mut live = Schema::default();
        let mut t = Table {
            name: "invoices".into(),
            ..Table::default()
        };
        t.columns.push(Column {
            default: Some("nextval('invoice_no'::regclass)".into()),
            ..Column::new("no", Type::BigInt)
        });
        live.tables.insert("invoices".into(), t);
        live.sequences.insert(
            "invoice_no".into(),
            crate::schema::Sequence::with_defaults("invoice_no", &Default::default()).unwrap(),
        );
        // What Revisor 4 stored for the same database.
        let mut stored = live.clone();
        stored.sequences.clear();
        let c = &mut stored.tables.get_mut("invoices").unwrap().columns[0];
        (c.identity, c.identity_kind, c.default) = (true, Some(IdentityKind::Serial), None);
        assert_eq!(live.as_of(4), stored.as_of(4));
        assert_ne!(live.as_of(MODEL_VERSION), stored);
    }

    #[test]
    fn a_version_7_snapshot_held_a_partitions_copies_of_its_parents_objects() {
        let parent = Table {
            name: "p".into(),
            columns: vec![
                Column::new("id", Type::Integer),
                Column::new("n", Type::Integer),
            ],
            primary_key: vec!["id".into()],
            indexes: vec![crate::schema::Index {
                name: "p_n".into(),
                columns: vec!["n".into()],
                ..Default::default()
            }],
            storage: crate::schema::Storage {
                partition_by: Some("RANGE (id)".into()),
                ..Default::default()
            },
            ..Table::default()
        };
        let child = Table {
            name: "p_1".into(),
            columns: parent.columns.clone(),
            storage: crate::schema::Storage {
                partition_of: Some(crate::schema::PartitionOf {
                    parent: "p".into(),
                    bound: "DEFAULT".into(),
                }),
                ..Default::default()
            },
            ..Table::default()
        };
        let mut live = Schema::default();
        live.tables.insert("p".into(), parent.clone());
        live.tables.insert("p_1".into(), child.clone());
        // What Revisor 7 read from the same database.
        let mut stored = Schema::default();
        stored.tables.insert(
            "p".into(),
            Table {
                storage: Default::default(),
                ..parent
            },
        );
        let mut old_child = Table {
            storage: Default::default(),
            ..child
        };
        old_child.primary_key = vec!["id".into()];
        old_child.primary_key_name = Some("p_1_pkey".into());
        old_child.indexes.push(crate::schema::Index {
            name: "p_1_n_idx".into(),
            columns: vec!["n".into()],
            ..Default::default()
        });
        stored.tables.insert("p_1".into(), old_child);
        assert_eq!(live.as_of(7), stored);
        assert_ne!(live.as_of(MODEL_VERSION), stored);
    }

    #[test]
    fn a_version_8_snapshot_keyed_its_functions_by_name() {
        let f = crate::schema::Function {
            name: "twice".into(),
            procedure: false,
            aggregate: false,
            arguments: "x integer".into(),
            definition: "CREATE OR REPLACE FUNCTION twice(x integer) ...".into(),
            reads: Default::default(),
        };
        let mut live = Schema::default();
        live.functions.insert(f.key(), f.clone());
        assert_eq!(f.key(), "twice(integer)");
        let mut stored = Schema::default();
        stored.functions.insert("twice".into(), f);
        assert_eq!(live.as_of(8), stored);
        assert_ne!(live.as_of(MODEL_VERSION), stored);
    }

    #[test]
    fn a_version_3_snapshot_keyed_its_triggers_by_name() {
        let trigger = crate::schema::Trigger {
            name: "last_updated".into(),
            table: "actor".into(),
            definition: "CREATE TRIGGER last_updated ...".into(),
            reads: Default::default(),
        };
        let mut live = Schema::default();
        live.triggers.insert(trigger.key(), trigger.clone());
        assert_eq!(trigger.key(), "actor.last_updated");
        // What Revisor 3 stored, read back.
        let mut stored = Schema::default();
        stored.triggers.insert("last_updated".into(), trigger);
        assert_ne!(stored, live);
        assert_eq!(
            stored.as_of(3),
            live.as_of(3),
            "in the model the snapshot was taken in, nothing changed"
        );
    }
}
