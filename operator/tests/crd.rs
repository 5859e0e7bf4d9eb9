//! The CRD: the checked-in YAML matches the Rust types, and the API
//! server's validation (the OpenAPI schema and the CEL rules) accepts the
//! example manifests and rejects bad specs, checked here without a cluster.

mod support;

use support::cli::repo;

use revisor::resource::{crd_yaml, DatabaseSchema};
use support::crd_check::{api_server_errors, set_errors};

#[test]
fn checked_in_crds_match_the_rust_types() {
    for (file, kind, yaml) in [
        (
            "crds/databaseschemas.revisor.dev.yaml",
            "DatabaseSchema",
            crd_yaml(),
        ),
        (
            "crds/databaseschemasets.revisor.dev.yaml",
            "DatabaseSchemaSet",
            revisor::fleet::crd_yaml(),
        ),
    ] {
        let path = repo(file);
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            on_disk == yaml,
            "{} is out of date with the Rust types; regenerate it with\n  cargo run -q -- crd --kind {kind} > {file}",
            path.display()
        );
    }
}

fn yaml_file(path: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(repo(path)).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

#[test]
fn example_manifests_are_accepted() {
    // The GitOps example is checked, after kustomize builds it, in tests/gitops.rs.
    let manifest = yaml_file("examples/quickstart/databaseschema.yaml");
    assert_eq!(api_server_errors(&manifest), Vec::<String>::new());
    let typed: DatabaseSchema = serde_json::from_value(manifest).unwrap();
    assert_eq!(typed.spec.target_revision, "head");
}

fn with(spec_change: impl FnOnce(&mut serde_json::Value)) -> serde_json::Value {
    let mut m = yaml_file("examples/quickstart/databaseschema.yaml");
    spec_change(&mut m["spec"]);
    m
}

#[test]
fn bad_specs_are_rejected() {
    let cases: Vec<(&str, serde_json::Value)> = vec![
        (
            "two migration sources",
            with(|s| s["migrations"]["inline"] = serde_json::json!({"files": {}})),
        ),
        (
            "no migration source",
            with(|s| s["migrations"] = serde_json::json!({})),
        ),
        (
            "relative target",
            with(|s| s["targetRevision"] = "+1".into()),
        ),
        (
            "relative target on a label",
            with(|s| s["targetRevision"] = "shop@-2".into()),
        ),
        ("empty target", with(|s| s["targetRevision"] = "".into())),
        (
            "zero lock timeout",
            with(|s| s["lockTimeoutSeconds"] = 0.into()),
        ),
        (
            "bad version table",
            with(|s| s["versionTable"] = "drop table;".into()),
        ),
        (
            "unknown approval",
            with(|s| s["approval"] = "Sometimes".into()),
        ),
        (
            "missing database",
            with(|s| {
                s.as_object_mut()
                    .unwrap()
                    .remove("database")
                    .map(|_| ())
                    .unwrap()
            }),
        ),
    ];
    for (what, manifest) in cases {
        assert!(
            !api_server_errors(&manifest).is_empty(),
            "{what} was accepted"
        );
    }
}

#[test]
fn absolute_targets_are_accepted() {
    for target in [
        "head",
        "heads",
        "base",
        "1975ea83b712",
        "shop@head",
        "a1@head,b2@head",
        "0003_orders",
    ] {
        let m = with(|s| s["targetRevision"] = target.into());
        assert_eq!(api_server_errors(&m), Vec::<String>::new(), "{target}");
    }
}

fn set_with(change: impl FnOnce(&mut serde_json::Value)) -> serde_json::Value {
    let mut m = yaml_file("examples/fleet/base/databaseschemaset.yaml");
    change(&mut m["spec"]);
    m
}

#[test]
fn the_set_example_is_accepted_and_bad_sets_are_rejected() {
    let example = yaml_file("examples/fleet/base/databaseschemaset.yaml");
    assert_eq!(set_errors(&example), Vec::<String>::new());
    let typed: revisor::fleet::DatabaseSchemaSet = serde_json::from_value(example).unwrap();
    assert_eq!(typed.spec.rollout.max_parallel, 5);
    let cases: Vec<(&str, serde_json::Value)> = vec![
        (
            "an empty selector",
            set_with(|s| s["databases"]["secretSelector"]["matchLabels"] = serde_json::json!({})),
        ),
        (
            "zero parallel",
            set_with(|s| s["rollout"]["maxParallel"] = 0.into()),
        ),
        (
            "negative canary",
            set_with(|s| s["rollout"]["canary"] = (-1).into()),
        ),
        (
            "unknown failure policy",
            set_with(|s| s["rollout"]["failurePolicy"] = "Retry".into()),
        ),
        (
            "a relative target in the template",
            set_with(|s| s["template"]["targetRevision"] = "+1".into()),
        ),
        (
            "two migration sources in the template",
            set_with(|s| s["template"]["migrations"]["inline"] = serde_json::json!({"files": {}})),
        ),
        (
            "a template without migrations",
            set_with(|s| {
                s["template"].as_object_mut().unwrap().remove("migrations");
            }),
        ),
    ];
    for (what, manifest) in cases {
        assert!(!set_errors(&manifest).is_empty(), "{what} was accepted");
    }
}
