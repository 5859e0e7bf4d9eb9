//! What the API server would say about a DatabaseSchema: the CRD's
//! OpenAPI schema (as JSON Schema) and its CEL rules, evaluated locally.

#![allow(dead_code)]

use kube::CustomResourceExt;
use revisor::resource::{DatabaseSchema, DatabaseSchemaSpec, MigrationsSource};

/// The CRD's `openAPIV3Schema` as a JSON Schema validator.
pub fn schema() -> jsonschema::Validator {
    let crd = serde_json::to_value(DatabaseSchema::crd()).unwrap();
    let schema = &crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
    jsonschema::validator_for(schema).expect("the CRD schema is a valid JSON Schema")
}

/// What the API server would say about `manifest`: schema errors and CEL
/// rule failures, as text; empty when it is accepted.
pub fn api_server_errors(manifest: &serde_json::Value) -> Vec<String> {
    let mut errors: Vec<String> = schema()
        .iter_errors(manifest)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    let spec = &manifest["spec"];
    if let Err(e) = DatabaseSchemaSpec::validate_cel(spec, None) {
        errors.push(format!("{e:?}"));
    }
    if let Err(e) = MigrationsSource::validate_cel(&spec["migrations"], None) {
        errors.push(format!("{e:?}"));
    }
    errors
}

/// What the API server would say about a DatabaseSchemaSet manifest.
pub fn set_errors(manifest: &serde_json::Value) -> Vec<String> {
    use revisor::fleet::{DatabaseSchemaSet, DatabaseSelector};
    let crd = serde_json::to_value(DatabaseSchemaSet::crd()).unwrap();
    let schema = &crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
    let validator = jsonschema::validator_for(schema).expect("a valid JSON Schema");
    let mut errors: Vec<String> = validator
        .iter_errors(manifest)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    let spec = &manifest["spec"];
    if let Err(e) = DatabaseSelector::validate_cel(&spec["databases"], None) {
        errors.push(format!("{e:?}"));
    }
    let template = &spec["template"];
    if template.get("targetRevision").is_some() {
        if let Err(e) = DatabaseSchemaSpec::validate_cel(template, None) {
            errors.push(format!("{e:?}"));
        }
    }
    if template.get("migrations").is_some() {
        if let Err(e) = MigrationsSource::validate_cel(&template["migrations"], None) {
            errors.push(format!("{e:?}"));
        }
    }
    errors
}
