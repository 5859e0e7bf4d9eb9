//! `revisor approve` (one DatabaseSchema, or a set's children) and
//! `revisor status`: the cluster side of the CLI,
//! with the user's kubeconfig. Installed as `kubectl-revisor`, the same
//! binary is the kubectl plugin: `kubectl revisor approve shop`.

use super::{runtime, CliError};
use crate::fleet::{self, approval::Waiting, DatabaseSchemaSet};
use crate::resource::{DatabaseSchema, Phase, APPROVED_PLAN_ANNOTATION};
use kube::api::{Api, ListParams, Patch, PatchParams};
use kube::{Client, ResourceExt};
use std::io::{BufRead, Write};

/// A client from the user's kubeconfig (`KUBECONFIG`, `~/.kube/config`) or
/// the pod's service account.
///
/// # Errors
/// [`CliError::Runtime`] when there is no configuration.
pub async fn client() -> Result<Client, CliError> {
    Client::try_default()
        .await
        .map_err(|e| CliError::Runtime(format!("no Kubernetes configuration: {e}")))
}

/// The API of a namespaced kind in `namespace` (default: the kubeconfig
/// context's).
fn api<K>(client: &Client, namespace: Option<&str>) -> Api<K>
where
    K: kube::Resource<Scope = kube::core::NamespaceResourceScope>,
    <K as kube::Resource>::DynamicType: Default,
{
    match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::default_namespaced(client.clone()),
    }
}

/// Asks `question [y/N]` and reads the answer.
///
/// # Errors
/// [`CliError::Input`] `not approved` unless it is yes.
fn ask(question: &str, confirm: &mut dyn BufRead, out: &mut dyn Write) -> Result<(), CliError> {
    write!(out, "{question} [y/N] ").map_err(runtime)?;
    out.flush().map_err(runtime)?;
    let mut answer = String::new();
    confirm.read_line(&mut answer).map_err(runtime)?;
    if matches!(answer.trim(), "y" | "Y" | "yes") {
        Ok(())
    } else {
        Err(CliError::Input("not approved".into()))
    }
}

fn kube_error(e: kube::Error) -> CliError {
    match &e {
        kube::Error::Api(s) if s.code == 404 => {
            CliError::Input(format!("not found: {}", s.message))
        }
        kube::Error::Api(s) if s.code == 409 => CliError::Runtime(format!(
            "the resource changed while you approved (its plan may be new): run approve again ({})",
            s.message
        )),
        _ => CliError::Runtime(format!("Kubernetes API: {e}")),
    }
}

/// `approve NAME`: prints the plan the operator is waiting on and, once
/// confirmed (`yes`, or `y` on `confirm`), sets `revisor.dev/approved-plan`
/// to its hash with a merge patch of that one annotation.
///
/// # Errors
/// [`CliError::Input`] when the resource is not AwaitingApproval or its
/// status has no plan, or the answer is not yes; [`CliError::Runtime`] for
/// the API.
pub async fn approve(
    client: &Client,
    namespace: Option<&str>,
    name: &str,
    yes: bool,
    confirm: &mut dyn BufRead,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let api: Api<DatabaseSchema> = api(client, namespace);
    let obj = api.get(name).await.map_err(kube_error)?;
    let status = obj.status.clone().unwrap_or_default();
    if status.phase != Phase::AwaitingApproval {
        return Err(CliError::Input(format!(
            "{name} is {:?}, not AwaitingApproval: there is no plan to approve ({})",
            status.phase, status.message
        )));
    }
    let plan = status
        .plan
        .filter(|p| !p.hash.is_empty())
        .ok_or_else(|| CliError::Input(format!("{name} has no plan in its status to approve")))?;
    writeln!(
        out,
        "Plan {} for {}/{}:",
        plan.hash,
        obj.namespace().unwrap_or_default(),
        name
    )
    .map_err(runtime)?;
    for (i, s) in plan.steps.iter().enumerate() {
        writeln!(
            out,
            "  {:>3}. {:<4} {}  {}",
            i + 1,
            s.direction,
            s.revision,
            s.message
        )
        .map_err(runtime)?;
    }
    if plan.omitted_steps > 0 {
        writeln!(
            out,
            "  ... and {} more step(s) (`revisor plan` with the migration set prints them all)",
            plan.omitted_steps
        )
        .map_err(runtime)?;
    }
    if !yes {
        ask("Approve this plan?", confirm, out)?;
    }
    // With the resourceVersion read, the API server refuses (409) the patch
    // if the resource changed meanwhile: a new plan is never approved blind.
    let patch = serde_json::json!({"metadata": {
        "resourceVersion": obj.resource_version(),
        "annotations": {APPROVED_PLAN_ANNOTATION: plan.hash},
    }});
    api.patch(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .map_err(kube_error)?;
    writeln!(out, "Approved: {APPROVED_PLAN_ANNOTATION}={}", plan.hash).map_err(runtime)
}

/// `approve --set SET`: prints the canary's plan hash and the children
/// that wait on it ([`fleet::approval::children_to_approve`]) and, once
/// confirmed, sets `revisor.dev/approved-plan` on each with a merge patch
/// that carries the resourceVersion listed (a child whose plan changed
/// meanwhile is refused by the API server and reported, never approved
/// blind).
///
/// # Errors
/// [`CliError::Input`] when the set has no canary or no plan to go by, or
/// the answer is not yes; [`CliError::Runtime`] for the API, or when some
/// patches were refused (the others stay approved).
pub async fn approve_set(
    client: &Client,
    namespace: Option<&str>,
    set: &str,
    yes: bool,
    confirm: &mut dyn BufRead,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let the_set = api::<DatabaseSchemaSet>(client, namespace)
        .get(set)
        .await
        .map_err(kube_error)?;
    let api: Api<DatabaseSchema> = api(client, namespace);
    let children = api
        .list(&ListParams::default().labels(&format!("{}={set}", fleet::SET_LABEL)))
        .await
        .map_err(kube_error)?
        .items;
    let waiting: Vec<Waiting> = children
        .iter()
        .map(|c| {
            let status = c.status.clone().unwrap_or_default();
            Waiting {
                name: c.name_any(),
                secret: c
                    .labels()
                    .get(fleet::SECRET_LABEL)
                    .cloned()
                    .unwrap_or_default(),
                phase: status.phase,
                plan: status.plan.map(|p| p.hash).filter(|h| !h.is_empty()),
                approved: c.annotations().get(APPROVED_PLAN_ANNOTATION).cloned(),
            }
        })
        .collect();
    let decided = fleet::approval::children_to_approve(the_set.spec.rollout.canary, &waiting)
        .map_err(|e| CliError::Input(format!("{set}: {e}")))?;
    writeln!(
        out,
        "Plan {} of the canary {} for set {set}:",
        decided.hash, decided.canary
    )
    .map_err(runtime)?;
    for name in &decided.approve {
        writeln!(out, "  approve  {name}").map_err(runtime)?;
    }
    for name in &decided.differing {
        writeln!(
            out,
            "  skip     {name} (awaits another plan: `revisor approve {name}`)"
        )
        .map_err(runtime)?;
    }
    if decided.approve.is_empty() {
        writeln!(out, "No child waits on this plan.").map_err(runtime)?;
        return Ok(());
    }
    if !yes {
        let question = format!("Approve {} child(ren)?", decided.approve.len());
        ask(&question, confirm, out)?;
    }
    let mut refused = Vec::new();
    for name in &decided.approve {
        let Some(child) = children.iter().find(|c| &c.name_any() == name) else {
            continue;
        };
        let patch = serde_json::json!({"metadata": {
            "resourceVersion": child.resource_version(),
            "annotations": {APPROVED_PLAN_ANNOTATION: decided.hash},
        }});
        match api
            .patch(name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
        {
            Ok(_) => writeln!(out, "Approved: {name}").map_err(runtime)?,
            Err(e) => refused.push(format!("{name}: {}", kube_error(e))),
        }
    }
    if refused.is_empty() {
        Ok(())
    } else {
        Err(CliError::Runtime(format!(
            "{} child(ren) not approved: {}",
            refused.len(),
            refused.join("; ")
        )))
    }
}

/// `status [-n NS | -A]`: every DatabaseSchema's target, current revision,
/// phase, progress and message.
///
/// # Errors
/// [`CliError::Runtime`] for the API.
pub async fn status(
    client: &Client,
    namespace: Option<&str>,
    all: bool,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let api: Api<DatabaseSchema> = if all {
        Api::all(client.clone())
    } else {
        api(client, namespace)
    };
    let list = api.list(&ListParams::default()).await.map_err(kube_error)?;
    writeln!(
        out,
        "{:<20} {:<24} {:<16} {:<20} {:<16} {:<8} MESSAGE",
        "NAMESPACE", "NAME", "TARGET", "CURRENT", "PHASE", "PROGRESS"
    )
    .map_err(runtime)?;
    for o in list.items {
        let s = o.status.clone().unwrap_or_default();
        writeln!(
            out,
            "{:<20} {:<24} {:<16} {:<20} {:<16} {:<8} {}",
            o.namespace().unwrap_or_default(),
            o.name_any(),
            o.spec.target_revision,
            s.current_revision,
            format!("{:?}", s.phase),
            s.progress.map(|p| p.summary).unwrap_or_default(),
            s.message.lines().next().unwrap_or("")
        )
        .map_err(runtime)?;
    }
    Ok(())
}
