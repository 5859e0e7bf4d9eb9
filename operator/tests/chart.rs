//! The Helm chart, rendered by a real helm: every template renders and
//! parses into Kubernetes' own types (k8s-openapi), with least-privilege
//! RBAC for both scopes, a locked-down Deployment, leader election when
//! replicas > 1, and the CRD in sync with crds/.
//!
//! helm comes from `REVISOR_HELM`, the PATH, or `target/tools/helm`, where
//! `.ci/run` installs it; without it these tests fail and say so.

mod support;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Service, ServiceAccount};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;
use support::cli::repo;

fn helm() -> PathBuf {
    if let Ok(h) = std::env::var("REVISOR_HELM") {
        return h.into();
    }
    if Command::new("helm")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return "helm".into();
    }
    let local = repo("target/tools/helm");
    assert!(local.exists(), "helm is not installed: run .ci/run (which installs it into target/tools/helm) or set REVISOR_HELM");
    local
}

/// `helm template` with `sets`, as JSON documents.
fn render(sets: &[&str]) -> Vec<Value> {
    let mut cmd = Command::new(helm());
    cmd.args([
        "template",
        "rel",
        repo("charts/revisor").to_str().unwrap(),
        "--namespace",
        "ops",
    ]);
    for s in sets {
        cmd.args(["--set", s]);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "helm template failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    use serde::Deserialize;
    serde_yaml::Deserializer::from_str(&String::from_utf8(out.stdout).unwrap())
        .map(|d| Value::deserialize(d).unwrap())
        .filter(|v| !v.is_null())
        .collect()
}

fn kinds(docs: &[Value]) -> Vec<String> {
    docs.iter()
        .map(|d| d["kind"].as_str().unwrap().to_owned())
        .collect()
}

fn one<T: serde::de::DeserializeOwned>(docs: &[Value], kind: &str) -> T {
    let doc = docs
        .iter()
        .find(|d| d["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind}"));
    serde_json::from_value(doc.clone())
        .unwrap_or_else(|e| panic!("{kind} is not a valid {kind}: {e}"))
}

fn args(docs: &[Value]) -> Vec<String> {
    let d: Deployment = one(docs, "Deployment");
    d.spec.unwrap().template.spec.unwrap().containers[0]
        .args
        .clone()
        .unwrap_or_default()
}

#[test]
fn chart_lints() {
    let out = Command::new(helm())
        .args(["lint", repo("charts/revisor").to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn defaults_render_a_cluster_wide_operator_as_kubernetes_objects() {
    let docs = render(&[]);
    assert_eq!(
        kinds(&docs),
        vec![
            "ServiceAccount",
            "ClusterRole",
            "ClusterRoleBinding",
            "Service",
            "Deployment"
        ]
    );
    let _: ServiceAccount = one(&docs, "ServiceAccount");
    let _: ClusterRoleBinding = one(&docs, "ClusterRoleBinding");
    let _: Service = one(&docs, "Service");
    let role: ClusterRole = one(&docs, "ClusterRole");
    let rules = role.rules.unwrap();
    // Least privilege: nothing writes ConfigMaps or Secrets; DatabaseSchemas
    // are created and patched (by their sets), never deleted or updated.
    for r in &rules {
        let verbs = r.verbs.join(",");
        let resources = r.resources.clone().unwrap_or_default().join(",");
        if resources.contains("secrets") || resources.contains("configmaps") {
            assert_eq!(verbs, "get,list,watch", "{resources}");
        }
        if resources == "databaseschemas" {
            assert!(
                verbs == "get,list,watch" || verbs == "create,patch",
                "{verbs}"
            );
        }
    }
    assert!(rules
        .iter()
        .any(|r| r.resources.as_deref() == Some(&["databaseschemasets/status".to_owned()][..])));
    // The sets themselves: read, and patched only for the `orphan`
    // finalizer (their spec is the user's).
    assert!(rules.iter().any(|r| r.resources.as_deref()
        == Some(&["databaseschemasets".to_owned()][..])
        && r.verbs.join(",") == "get,list,watch,patch"));
    // Without fleets, DatabaseSchemas are read-only and the sets unwatched.
    let docs_without = render(&["fleets.enabled=false"]);
    let role: ClusterRole = one(&docs_without, "ClusterRole");
    for r in role.rules.unwrap() {
        let resources = r.resources.clone().unwrap_or_default().join(",");
        assert!(!resources.contains("databaseschemasets"), "{resources}");
        if resources == "databaseschemas" {
            assert_eq!(r.verbs.join(","), "get,list,watch");
        }
    }
    let flags = args(&docs_without);
    assert!(flags.contains(&"--no-fleets".to_owned()), "{flags:?}");
    assert!(rules
        .iter()
        .any(|r| r.resources.as_deref() == Some(&["databaseschemas/status".to_owned()][..])));
    let d: Deployment = one(&docs, "Deployment");
    let spec = d.spec.unwrap();
    assert_eq!(spec.replicas, Some(1));
    let pod = spec.template.spec.unwrap();
    assert_eq!(
        pod.security_context.as_ref().unwrap().run_as_non_root,
        Some(true)
    );
    let c = &pod.containers[0];
    let sc = c.security_context.as_ref().unwrap();
    assert_eq!(
        (sc.read_only_root_filesystem, sc.allow_privilege_escalation),
        (Some(true), Some(false))
    );
    assert_eq!(
        sc.capabilities.as_ref().unwrap().drop.as_deref(),
        Some(&["ALL".to_owned()][..])
    );
    assert!(c.resources.as_ref().unwrap().requests.is_some());
    assert_eq!(
        c.liveness_probe
            .as_ref()
            .unwrap()
            .http_get
            .as_ref()
            .unwrap()
            .path
            .as_deref(),
        Some("/healthz")
    );
    assert_eq!(
        c.readiness_probe
            .as_ref()
            .unwrap()
            .http_get
            .as_ref()
            .unwrap()
            .path
            .as_deref(),
        Some("/readyz")
    );
    assert_eq!(
        args(&docs),
        vec![
            "run",
            "--log-format=json",
            "--metrics-addr=0.0.0.0:8080",
            "--max-concurrent-reconciles=10",
            "--max-db-connections=20",
            "--recheck-interval=5m"
        ]
    );
}

#[test]
fn several_replicas_turn_on_leader_election_with_one_lease_role() {
    let docs = render(&["replicaCount=2"]);
    assert!(args(&docs).contains(&"--leader-election".to_owned()));
    let roles: Vec<Role> = docs
        .iter()
        .filter(|d| d["kind"] == "Role")
        .map(|d| serde_json::from_value(d.clone()).unwrap())
        .collect();
    assert_eq!(roles.len(), 1);
    let rule = &roles[0].rules.as_ref().unwrap()[0];
    assert_eq!(rule.resources.as_deref(), Some(&["leases".to_owned()][..]));
    assert_eq!(roles[0].metadata.namespace.as_deref(), Some("ops"));
}

#[test]
fn one_watched_namespace_gets_a_role_there_instead_of_a_cluster_role() {
    let docs = render(&["watchNamespace=shop"]);
    assert!(!kinds(&docs).iter().any(|k| k.starts_with("Cluster")));
    let role: Role = one(&docs, "Role");
    assert_eq!(role.metadata.namespace.as_deref(), Some("shop"));
    let binding: RoleBinding = one(&docs, "RoleBinding");
    assert_eq!(
        binding.subjects.unwrap()[0].namespace.as_deref(),
        Some("ops")
    );
    assert!(args(&docs).contains(&"--namespace=shop".to_owned()));
}

#[test]
fn the_service_monitor_is_optional() {
    assert!(!kinds(&render(&[])).contains(&"ServiceMonitor".to_owned()));
    let docs = render(&[
        "metrics.serviceMonitor.enabled=true",
        "metrics.serviceMonitor.labels.release=prom",
    ]);
    let sm = docs.iter().find(|d| d["kind"] == "ServiceMonitor").unwrap();
    assert_eq!(sm["metadata"]["labels"]["release"], "prom");
    assert_eq!(sm["spec"]["endpoints"][0]["path"], "/metrics");
}

#[test]
fn the_chart_ships_the_generated_crds() {
    for file in [
        "databaseschemas.revisor.dev.yaml",
        "databaseschemasets.revisor.dev.yaml",
    ] {
        let chart = std::fs::read_to_string(repo(&format!("charts/revisor/crds/{file}"))).unwrap();
        let generated = std::fs::read_to_string(repo(&format!("crds/{file}"))).unwrap();
        assert!(
            chart == generated,
            "charts/revisor/crds is out of date: cp crds/{file} charts/revisor/crds/"
        );
    }
}

fn pod_spec(docs: &[Value]) -> k8s_openapi::api::core::v1::PodSpec {
    let d: Deployment = one(docs, "Deployment");
    d.spec.unwrap().template.spec.unwrap()
}

/// With hostNetwork, a surging new pod could never bind the port its
/// predecessor holds on the same node, and the rollout would hang while
/// `helm upgrade` reports success: the chart makes the old pod go first.
#[test]
fn host_network_with_one_replica_renders_a_rollout_that_cannot_deadlock() {
    use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
    let docs = render(&["hostNetwork=true"]);
    let spec = pod_spec(&docs);
    assert_eq!(spec.host_network, Some(true));
    assert_eq!(spec.dns_policy.as_deref(), Some("ClusterFirstWithHostNet"));
    let d: Deployment = one(&docs, "Deployment");
    let strategy = d.spec.unwrap().strategy.unwrap();
    let rolling = strategy.rolling_update.unwrap();
    assert_eq!(rolling.max_surge, Some(IntOrString::Int(0)));
    assert_eq!(rolling.max_unavailable, Some(IntOrString::Int(1)));
    // A strategy given explicitly wins; without hostNetwork none is set.
    let docs = render(&["hostNetwork=true", "strategy.type=Recreate"]);
    let d: Deployment = one(&docs, "Deployment");
    assert_eq!(
        d.spec.unwrap().strategy.unwrap().type_.as_deref(),
        Some("Recreate")
    );
    let d: Deployment = one(&render(&[]), "Deployment");
    assert!(d.spec.unwrap().strategy.is_none());
    let spec = pod_spec(&render(&["dnsPolicy=None"]));
    assert_eq!(
        (spec.host_network, spec.dns_policy.as_deref()),
        (None, Some("None"))
    );
}

#[test]
fn extra_env_args_labels_priority_and_spread_reach_the_pod() {
    let docs = render(&[
        "extraEnv[0].name=HTTPS_PROXY",
        "extraEnv[0].value=http://proxy:3128",
        "extraArgs[0]=--recheck-interval=1m",
        "podLabels.team=data",
        "priorityClassName=system-cluster-critical",
        "topologySpreadConstraints[0].maxSkew=1",
        "topologySpreadConstraints[0].topologyKey=kubernetes.io/hostname",
        "topologySpreadConstraints[0].whenUnsatisfiable=ScheduleAnyway",
    ]);
    let spec = pod_spec(&docs);
    let c = &spec.containers[0];
    assert!(c
        .env
        .as_ref()
        .unwrap()
        .iter()
        .any(|e| e.name == "HTTPS_PROXY" && e.value.as_deref() == Some("http://proxy:3128")));
    assert_eq!(
        args(&docs).last().map(String::as_str),
        Some("--recheck-interval=1m")
    );
    assert_eq!(
        spec.priority_class_name.as_deref(),
        Some("system-cluster-critical")
    );
    assert_eq!(
        spec.topology_spread_constraints.unwrap()[0].topology_key,
        "kubernetes.io/hostname"
    );
    let d: Deployment = one(&docs, "Deployment");
    let spec = d.spec.unwrap();
    let labels = spec.template.metadata.unwrap().labels.unwrap();
    assert_eq!(labels.get("team").map(String::as_str), Some("data"));
    // The selector stays the chart's: a pod label never breaks an upgrade.
    assert!(!spec.selector.match_labels.unwrap().contains_key("team"));
}

#[test]
fn a_disruption_budget_comes_with_several_replicas_only() {
    use k8s_openapi::api::policy::v1::PodDisruptionBudget;
    assert!(!kinds(&render(&[])).contains(&"PodDisruptionBudget".to_owned()));
    let docs = render(&["replicaCount=2"]);
    let pdb: PodDisruptionBudget = one(&docs, "PodDisruptionBudget");
    let spec = pdb.spec.unwrap();
    assert_eq!(
        spec.min_available,
        Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(1))
    );
    let d: Deployment = one(&docs, "Deployment");
    assert_eq!(spec.selector, Some(d.spec.unwrap().selector));
    assert!(!kinds(&render(&[
        "replicaCount=2",
        "podDisruptionBudget.enabled=false"
    ]))
    .contains(&"PodDisruptionBudget".to_owned()));
}

#[test]
fn the_network_policy_is_optional_and_opens_only_what_the_operator_uses() {
    use k8s_openapi::api::networking::v1::NetworkPolicy;
    use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
    assert!(!kinds(&render(&[])).contains(&"NetworkPolicy".to_owned()));
    let docs = render(&["networkPolicy.enabled=true"]);
    let np: NetworkPolicy = one(&docs, "NetworkPolicy");
    let spec = np.spec.unwrap();
    let ports = |rules: Vec<Vec<k8s_openapi::api::networking::v1::NetworkPolicyPort>>| -> Vec<i32> {
        let mut v: Vec<i32> = rules
            .into_iter()
            .flatten()
            .filter_map(|p| match p.port {
                Some(IntOrString::Int(n)) => Some(n),
                _ => None,
            })
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let ingress = spec.ingress.unwrap();
    assert_eq!(
        ports(ingress.into_iter().map(|r| r.ports.unwrap()).collect()),
        vec![8080]
    );
    let egress = spec.egress.unwrap();
    assert_eq!(
        ports(egress.into_iter().map(|r| r.ports.unwrap()).collect()),
        vec![53, 443, 3306, 5432, 6443]
    );
    assert_eq!(spec.policy_types.unwrap(), vec!["Ingress", "Egress"]);
}
