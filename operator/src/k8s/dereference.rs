//! Step 1 of a reconcile, with a client: read what a DatabaseSchema refers
//! to (its migration files and its database URL), always in its own
//! namespace, so another namespace's Secret can never be read.

use crate::resource::{DatabaseSchema, MigrationsSource};
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::api::{Api, ListParams};
use kube::Client;
use std::collections::BTreeMap;

/// What a reconcile needs from the cluster.
#[derive(Debug)]
pub struct Inputs {
    /// Migration files, `(name, contents)`.
    pub files: Vec<(String, String)>,
    /// The database URL (a secret: never log or report it).
    pub url: String,
}

/// Why the inputs could not be read. `Missing` and `Invalid` need a change
/// to the cluster (Blocked); `Api` is transient (retried).
#[derive(Debug, thiserror::Error)]
pub enum DereferenceError {
    /// A referenced object or key does not exist.
    #[error("{0}")]
    Missing(String),
    /// A referenced object holds something unusable.
    #[error("{0}")]
    Invalid(String),
    /// The API server failed.
    #[error("Kubernetes API: {0}")]
    Api(#[from] kube::Error),
}

impl crate::outcome::Classify for DereferenceError {
    fn class(&self) -> crate::outcome::Class {
        match self {
            DereferenceError::Missing(_) => crate::outcome::Reason::InputNotFound.class(),
            DereferenceError::Invalid(_) => crate::outcome::Reason::InvalidInput.class(),
            DereferenceError::Api(_) => crate::outcome::Reason::ApiError.class(),
        }
    }
}

/// Reads the migration files and the database URL of `obj`.
///
/// # Errors
/// [`DereferenceError`]: a missing ConfigMap, Secret or key, a key that
/// is not UTF-8, the same file in two ConfigMaps, or an API failure.
pub async fn dereference(
    client: &Client,
    obj: &DatabaseSchema,
) -> Result<Inputs, DereferenceError> {
    let ns = obj.metadata.namespace.as_deref().unwrap_or("default");
    let files = migration_files(client, ns, &obj.spec.migrations).await?;
    let r = &obj.spec.database.url_secret_ref;
    let secrets: Api<Secret> = Api::namespaced(client.clone(), ns);
    let secret = secrets.get_opt(&r.name).await?.ok_or_else(|| {
        DereferenceError::Missing(format!(
            "Secret {ns}/{} (spec.database.urlSecretRef) not found",
            r.name
        ))
    })?;
    let url = secret_value(&secret, &r.key).ok_or_else(|| {
        DereferenceError::Missing(format!("Secret {ns}/{} has no key {}", r.name, r.key))
    })?;
    Ok(Inputs { files, url })
}

/// The migration files `sources` names in namespace `ns`, `(name,
/// contents)`: a ConfigMap, the ConfigMaps a selector matches, or inline.
/// The DatabaseSchema reconcile and the set controller (for its template)
/// read them alike.
///
/// # Errors
/// As [`dereference`], for the files.
pub async fn migration_files(
    client: &Client,
    ns: &str,
    sources: &MigrationsSource,
) -> Result<Vec<(String, String)>, DereferenceError> {
    let configmaps: Api<ConfigMap> = Api::namespaced(client.clone(), ns);
    let files = if let Some(r) = &sources.config_map_ref {
        let cm = configmaps.get_opt(&r.name).await?.ok_or_else(|| {
            DereferenceError::Missing(format!(
                "ConfigMap {ns}/{} (spec.migrations.configMapRef) not found",
                r.name
            ))
        })?;
        files_from_configmaps(&[cm])?
    } else if let Some(sel) = &sources.config_map_selector {
        let selector = sel.to_query();
        let list = configmaps
            .list(&ListParams::default().labels(&selector))
            .await?;
        if list.items.is_empty() {
            return Err(DereferenceError::Missing(format!(
                "no ConfigMap in {ns} matches spec.migrations.configMapSelector {selector}"
            )));
        }
        files_from_configmaps(&list.items)?
    } else if let Some(inline) = &sources.inline {
        inline
            .files
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    } else {
        return Err(DereferenceError::Invalid(
            "spec.migrations names no source".into(),
        ));
    };
    Ok(files)
}

/// The `*.sql` and `*.yaml` (operation revision) keys of the ConfigMaps as
/// files. Pure.
///
/// # Errors
/// [`DereferenceError::Invalid`] when two ConfigMaps hold the same file
/// name, or a migration key is in `binaryData`.
pub fn files_from_configmaps(cms: &[ConfigMap]) -> Result<Vec<(String, String)>, DereferenceError> {
    let mut files: BTreeMap<String, (String, String)> = BTreeMap::new();
    for cm in cms {
        let name = cm.metadata.name.clone().unwrap_or_default();
        if let Some(binary) = &cm.binary_data {
            if let Some(key) = binary
                .keys()
                .find(|k| crate::revision::is_migration_file(k))
            {
                return Err(DereferenceError::Invalid(format!(
                    "ConfigMap {name}: {key} is in binaryData; migration files must be text (data)"
                )));
            }
        }
        for (key, text) in cm
            .data
            .iter()
            .flatten()
            .filter(|(k, _)| crate::revision::is_migration_file(k))
        {
            if let Some((other, _)) = files.get(key) {
                return Err(DereferenceError::Invalid(format!(
                    "{key} is in both ConfigMap {other} and ConfigMap {name}"
                )));
            }
            files.insert(key.clone(), (name.clone(), text.clone()));
        }
    }
    Ok(files.into_iter().map(|(k, (_, text))| (k, text)).collect())
}

/// A Secret's value for `key`, from `data` (or `stringData`, for objects
/// not yet stored).
fn secret_value(secret: &Secret, key: &str) -> Option<String> {
    if let Some(v) = secret.data.as_ref().and_then(|d| d.get(key)) {
        return String::from_utf8(v.0.clone()).ok();
    }
    secret
        .string_data
        .as_ref()
        .and_then(|d| d.get(key))
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    fn cm(name: &str, data: &[(&str, &str)]) -> ConfigMap {
        ConfigMap {
            metadata: ObjectMeta {
                name: Some(name.into()),
                ..Default::default()
            },
            data: Some(
                data.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
            ..Default::default()
        }
    }

    #[test]
    fn sql_keys_of_several_configmaps_become_files() {
        let files = files_from_configmaps(&[
            cm("a", &[("1.sql", "x"), ("README", "y")]),
            cm("b", &[("2.sql", "z"), ("3.yaml", "ops")]),
        ])
        .unwrap();
        assert_eq!(
            files,
            vec![
                ("1.sql".to_string(), "x".to_string()),
                ("2.sql".to_string(), "z".to_string()),
                ("3.yaml".to_string(), "ops".to_string())
            ]
        );
    }

    #[test]
    fn the_same_file_in_two_configmaps_is_refused() {
        let err = files_from_configmaps(&[cm("a", &[("1.sql", "x")]), cm("b", &[("1.sql", "z")])])
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "1.sql is in both ConfigMap a and ConfigMap b"
        );
    }
}
