//! The GitOps examples: the kustomize base builds with `kubectl kustomize`,
//! its ConfigMap holds exactly the quickstart migrations, its
//! DatabaseSchema passes the CRD's validation, and the Argo CD and Flux
//! objects point at it. Needs kubectl (installed on this project's machines).

mod support;

use support::cli::repo;

use k8s_openapi::api::core::v1::ConfigMap;
use revisor::graph::RevisionGraph;
use revisor::k8s::dereference::files_from_configmaps;
use serde_json::Value;
use std::process::Command;
use support::crd_check::api_server_errors;

fn docs(yaml: &str) -> Vec<Value> {
    use serde::Deserialize;
    serde_yaml::Deserializer::from_str(yaml)
        .map(|d| Value::deserialize(d).unwrap())
        .filter(|v| !v.is_null())
        .collect()
}

fn built_base() -> Vec<Value> {
    let out = Command::new("kubectl")
        .args(["kustomize", repo("examples/gitops/base").to_str().unwrap()])
        .output()
        .expect("kubectl is not installed: it is needed to build the kustomize examples");
    assert!(
        out.status.success(),
        "kubectl kustomize failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    docs(&String::from_utf8(out.stdout).unwrap())
}

#[test]
fn the_base_builds_into_a_configmap_and_a_valid_databaseschema() {
    let objects = built_base();
    let kinds: Vec<&str> = objects
        .iter()
        .map(|o| o["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["ConfigMap", "DatabaseSchema"]);
    let cm: ConfigMap = serde_json::from_value(objects[0].clone()).expect("a Kubernetes ConfigMap");
    assert_eq!(
        (
            cm.metadata.name.as_deref(),
            cm.metadata.namespace.as_deref()
        ),
        (Some("shop-migrations"), Some("shop"))
    );
    let schema = &objects[1];
    assert_eq!(schema["metadata"]["namespace"], "shop");
    assert_eq!(
        schema["spec"]["migrations"]["configMapRef"]["name"], "shop-migrations",
        "refers to the generated ConfigMap"
    );
    assert_eq!(api_server_errors(schema), Vec::<String>::new());

    // The same files as the quickstart, and a valid set whose target resolves.
    let files = files_from_configmaps(&[cm]).unwrap();
    let quickstart = revisor::source::read_dir(&repo("examples/quickstart/migrations")).unwrap();
    assert_eq!(
        files, quickstart,
        "examples/gitops/base/migrations drifted from examples/quickstart/migrations"
    );
    let graph = RevisionGraph::from_files(&files).unwrap();
    let target = schema["spec"]["targetRevision"].as_str().unwrap();
    assert_eq!(
        graph.ids(graph.resolve_targets(target).unwrap()),
        vec![target]
    );
}

#[test]
fn argo_cd_and_flux_point_at_the_base_and_flux_waits_for_ready() {
    let app =
        &docs(&std::fs::read_to_string(repo("examples/gitops/argocd/application.yaml")).unwrap())
            [0];
    assert_eq!(
        (app["apiVersion"].as_str(), app["kind"].as_str()),
        (Some("argoproj.io/v1alpha1"), Some("Application"))
    );
    let path = app["spec"]["source"]["path"].as_str().unwrap();
    assert!(repo(path).join("kustomization.yaml").exists(), "{path}");
    let flux =
        &docs(&std::fs::read_to_string(repo("examples/gitops/flux/kustomization.yaml")).unwrap())
            [0];
    assert_eq!(flux["kind"], "Kustomization");
    let path = flux["spec"]["path"]
        .as_str()
        .unwrap()
        .trim_start_matches("./");
    assert!(repo(path).join("kustomization.yaml").exists(), "{path}");
    let check = &flux["spec"]["healthChecks"][0];
    assert_eq!(
        (check["kind"].as_str(), check["name"].as_str()),
        (Some("DatabaseSchema"), Some("shop"))
    );
    let source =
        &docs(&std::fs::read_to_string(repo("examples/gitops/flux/gitrepository.yaml")).unwrap())
            [0];
    assert_eq!(
        source["metadata"]["name"],
        flux["spec"]["sourceRef"]["name"]
    );
}

#[test]
fn the_fleet_flux_example_waits_for_the_set_it_applies() {
    let flux =
        &docs(&std::fs::read_to_string(repo("examples/fleet/flux/kustomization.yaml")).unwrap())[0];
    let path = flux["spec"]["path"]
        .as_str()
        .unwrap()
        .trim_start_matches("./");
    let set =
        &docs(&std::fs::read_to_string(repo(path).join("databaseschemaset.yaml")).unwrap())[0];
    let check = &flux["spec"]["healthChecks"][0];
    assert_eq!(
        (check["kind"].as_str(), check["name"].as_str()),
        (Some("DatabaseSchemaSet"), set["metadata"]["name"].as_str())
    );
    assert_eq!(check["namespace"], flux["spec"]["targetNamespace"]);
}
