//! The Argo CD health check (charts/revisor/argocd/health.lua) run by a
//! real Lua interpreter against sample DatabaseSchema objects.
//!
//! Needs `lua5.4` (or `lua`) on the PATH; `.ci/run` installs Debian's
//! lua5.4. Without it the test fails and says so.

use serde_json::{json, Value};
use std::io::Write;
use std::process::{Command, Stdio};

/// A JSON value as a Lua table constructor.
fn lua(v: &Value) -> String {
    match v {
        Value::Null => "nil".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("{s:?}"),
        Value::Array(a) => format!("{{{}}}", a.iter().map(lua).collect::<Vec<_>>().join(", ")),
        Value::Object(o) => format!(
            "{{{}}}",
            o.iter()
                .map(|(k, v)| format!("[{k:?}] = {}", lua(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn interpreter() -> &'static str {
    for name in ["lua5.4", "lua"] {
        if Command::new(name)
            .arg("-v")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return name;
        }
    }
    panic!("no Lua interpreter (lua5.4) on the PATH: run `bash scripts/test.sh` via .ci/run, which installs Debian's lua5.4");
}

/// Runs the health check on `obj`; returns (status, message).
fn health(obj: Value) -> (String, String) {
    let script = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../charts/revisor/argocd/health.lua"
    ))
    .unwrap();
    let program = format!(
        "local function check(obj)\n{script}\nend\nlocal hs = check({})\nio.write(hs.status, \"\\t\", hs.message or \"\")\n",
        lua(&obj)
    );
    let mut child = Command::new(interpreter())
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(program.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "lua failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let (status, message) = text.split_once('\t').unwrap();
    (status.to_owned(), message.to_owned())
}

fn obj(generation: i64, spec: Value, status: Value) -> Value {
    json!({"apiVersion": "revisor.dev/v1alpha1", "kind": "DatabaseSchema", "metadata": {"name": "shop", "generation": generation}, "spec": spec, "status": status})
}

fn with_phase(phase: &str) -> Value {
    obj(
        2,
        json!({"targetRevision": "head"}),
        json!({"observedGeneration": 2, "phase": phase, "message": "m", "progress": {"completed": 1, "total": 3, "summary": "1/3"}, "plan": {"hash": "abc123"}}),
    )
}

#[test]
fn phases_map_to_argo_health() {
    assert_eq!(health(with_phase("Ready")).0, "Healthy");
    for p in ["Pending", "Planning", "Migrating"] {
        assert_eq!(health(with_phase(p)).0, "Progressing", "{p}");
    }
    for p in ["Blocked", "Failed"] {
        assert_eq!(
            health(with_phase(p)),
            ("Degraded".to_owned(), "m".to_owned()),
            "{p}"
        );
    }
    let (status, message) = health(with_phase("AwaitingApproval"));
    assert_eq!(status, "Suspended");
    assert!(
        message.contains("revisor.dev/approved-plan=abc123"),
        "{message}"
    );
    assert_eq!(health(with_phase("Migrating")).1, "Migrating 1/3: m");
}

#[test]
fn a_plan_held_for_lint_findings_names_them_in_argo() {
    let held = obj(
        2,
        json!({"targetRevision": "head"}),
        json!({"observedGeneration": 2, "phase": "AwaitingApproval", "message": "m",
               "plan": {"hash": "abc123", "steps": [{"revision": "r2", "direction": "up",
                 "findings": [{"code": "RV102", "severity": "error", "line": 4,
                               "statement": "ALTER TABLE users DROP COLUMN email", "message": "drops"}]}]}}),
    );
    let (status, message) = health(held);
    assert_eq!(status, "Suspended");
    assert!(
        message.contains("findings: RV102 in r2 (ALTER TABLE users DROP COLUMN email)"),
        "{message}"
    );
}

#[test]
fn no_status_or_a_stale_one_is_progressing() {
    assert_eq!(
        health(obj(1, json!({"targetRevision": "head"}), Value::Null)).0,
        "Progressing"
    );
    let stale = obj(
        3,
        json!({"targetRevision": "head"}),
        json!({"observedGeneration": 2, "phase": "Ready"}),
    );
    let (status, message) = health(stale);
    assert_eq!(
        status, "Progressing",
        "a Ready status for an older spec is not healthy"
    );
    assert!(message.contains("generation 3"), "{message}");
}

#[test]
fn suspend_wins() {
    let suspended = obj(
        2,
        json!({"targetRevision": "head", "suspend": true}),
        json!({"observedGeneration": 2, "phase": "Failed"}),
    );
    assert_eq!(health(suspended).0, "Suspended");
}

fn set(generation: i64, status: Value) -> Value {
    json!({"apiVersion": "revisor.dev/v1alpha1", "kind": "DatabaseSchemaSet", "metadata": {"name": "tenants", "generation": generation}, "spec": {"template": {"targetRevision": "head"}}, "status": status})
}

#[test]
fn a_set_is_healthy_only_when_every_database_is_ready() {
    let with = |phase: &str, summary: &str| {
        set(
            2,
            json!({"observedGeneration": 2, "phase": phase, "summary": summary, "message": "m"}),
        )
    };
    assert_eq!(health(with("Ready", "10/10")).0, "Healthy");
    assert_eq!(
        health(with("Progressing", "3/10")),
        ("Progressing".to_owned(), "Progressing 3/10: m".to_owned())
    );
    assert_eq!(health(with("Halted", "3/10")).0, "Degraded");
    assert_eq!(health(with("Blocked", "0/10")).0, "Degraded");
    assert_eq!(health(set(1, Value::Null)).0, "Progressing");
    let stale = set(
        3,
        json!({"observedGeneration": 2, "phase": "Ready", "summary": "10/10"}),
    );
    assert_eq!(health(stale).0, "Progressing", "Ready for an older spec");
}
