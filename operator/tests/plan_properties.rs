//! Property tests of the planner over random revision graphs with
//! branches, merges, several bases and `depends_on`.
//!
//! Each property replays a plan step by step on an applied set and checks
//! it against facts recomputed from scratch with the graph alone. Run more
//! cases with `PROPTEST_CASES=5000 cargo test --test plan_properties`.

use proptest::prelude::*;
use proptest::sample::Index;
use revisor::graph::{RevIdx, RevSet, RevisionGraph};
use revisor::plan::{plan, Mode, Plan, StepDirection};

/// One revision of a random graph: how to pick parents and a dependency
/// among the revisions before it, and whether it gets a branch label.
#[derive(Debug, Clone)]
struct Node {
    kind: u8,
    parents: Vec<Index>,
    dependency: Option<Index>,
    label: bool,
}

fn node() -> impl Strategy<Value = Node> {
    (
        any::<u8>(),
        prop::collection::vec(any::<Index>(), 1..4),
        prop::option::weighted(0.25, any::<Index>()),
        prop::bool::weighted(0.15),
    )
        .prop_map(|(kind, parents, dependency, label)| Node {
            kind,
            parents,
            dependency,
            label,
        })
}

/// The files of a random graph, printed one revision per line when a case fails.
#[derive(Clone)]
struct Files(Vec<(String, String)>);

impl std::fmt::Debug for Files {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f)?;
        for (name, text) in &self.0 {
            let header: Vec<&str> = text
                .lines()
                .take_while(|l| !l.starts_with("-- migrate:"))
                .map(|l| l.trim_start_matches("-- "))
                .collect();
            writeln!(f, "  {name}: {}", header.join("; "))?;
        }
        Ok(())
    }
}

/// A random graph of 1 to 40 revisions. File names are a random
/// permutation so that load order differs from creation order.
fn files() -> impl Strategy<Value = Files> {
    prop::collection::vec(node(), 1..40)
        .prop_flat_map(|nodes| {
            let n = nodes.len();
            (Just(nodes), Just((0..n).collect::<Vec<_>>()).prop_shuffle())
        })
        .prop_map(|(nodes, order)| {
            Files(
                nodes
                    .iter()
                    .enumerate()
                    .map(|(i, node)| {
                        let mut parents: Vec<usize> = Vec::new();
                        // One in eight revisions after the first starts a new base.
                        if i > 0 && node.kind % 8 != 0 {
                            // Mostly one parent; sometimes a merge of two or three.
                            let k = match node.kind % 10 {
                                0 | 1 => 2,
                                2 => 3,
                                _ => 1,
                            };
                            for p in node.parents.iter().take(k) {
                                let p = p.index(i);
                                if !parents.contains(&p) {
                                    parents.push(p);
                                }
                            }
                        }
                        let mut text = format!(
                            "-- revision: r{i}\n-- down_revision: {}\n",
                            parents
                                .iter()
                                .map(|p| format!("r{p}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        );
                        if let (Some(d), true) = (&node.dependency, i > 0) {
                            let d = d.index(i);
                            // Sometimes through the dependency's branch label.
                            let by_label = nodes[d].label && node.kind % 2 == 0;
                            let dep = if by_label {
                                format!("l{d}")
                            } else {
                                format!("r{d}")
                            };
                            text.push_str(&format!("-- depends_on: {dep}\n"));
                        }
                        if node.label {
                            text.push_str(&format!("-- branch_labels: l{i}\n"));
                        }
                        text.push_str("-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n");
                        (format!("f{:03}.sql", order[i]), text)
                    })
                    .collect(),
            )
        })
}

/// A graph's files, a start state (the heads of the closure of random
/// revisions) and a target revision (`None`: base).
fn case() -> impl Strategy<Value = (Files, Vec<String>, Option<RevIdx>)> {
    files()
        .prop_flat_map(|f| {
            let n = f.0.len();
            (
                Just(f),
                prop::collection::vec(0..n, 0..3),
                prop::option::weighted(0.9, 0..n),
            )
        })
        .prop_map(|(f, picks, target)| {
            let g = load(&f);
            let applied = g.closure(picks);
            let heads = g.ids(g.heads_of(&applied));
            (f, heads, target)
        })
}

fn load(f: &Files) -> RevisionGraph {
    RevisionGraph::from_files(&f.0).expect("generated graphs are valid")
}

fn applied_of(g: &RevisionGraph, heads: &[String]) -> RevSet {
    g.closure(heads.iter().map(|h| g.index_of(h).expect("known head")))
}

fn target_expr(g: &RevisionGraph, target: Option<RevIdx>) -> String {
    target.map_or_else(|| "base".to_owned(), |t| g.rev(t).id.clone())
}

/// Replays `p` on `applied`, checking order and rows at each step; returns
/// the final applied set.
fn replay(g: &RevisionGraph, mut applied: RevSet, p: &Plan) -> Result<RevSet, TestCaseError> {
    let mut rows: Vec<String> = g.ids(g.heads_of(&applied));
    for step in &p.steps {
        let r = g
            .index_of(&step.revision)
            .expect("plan names known revisions");
        match step.direction {
            StepDirection::Up => {
                prop_assert!(!applied.contains(r), "{} applied twice", step.revision);
                for &need in g.parents(r).iter().chain(g.dependencies(r)) {
                    prop_assert!(
                        applied.contains(need),
                        "{} applied before {}",
                        step.revision,
                        g.rev(need).id
                    );
                }
                applied.insert(r);
            }
            StepDirection::Down => {
                prop_assert!(
                    applied.contains(r),
                    "{} unapplied while not applied",
                    step.revision
                );
                for &child in g.all_children(r) {
                    prop_assert!(
                        !applied.contains(child),
                        "{} unapplied before {}",
                        step.revision,
                        g.rev(child).id
                    );
                }
                applied.set(r, false);
            }
        }
        for r in &step.heads_removed {
            prop_assert!(
                rows.contains(r),
                "{} deletes row {} that is not there",
                &step.revision,
                r
            );
        }
        rows.retain(|r| !step.heads_removed.contains(r));
        for r in &step.heads_added {
            prop_assert!(
                !rows.contains(r),
                "{} inserts row {} twice",
                &step.revision,
                r
            );
            rows.push(r.clone());
        }
        rows.sort();
        let mut expected = g.ids(g.heads_of(&applied));
        expected.sort();
        prop_assert_eq!(
            &rows,
            &expected,
            "rows after {} differ from the heads recomputed from scratch",
            &step.revision
        );
    }
    Ok(applied)
}

proptest! {
    #[test]
    fn upgrade_applies_parents_and_dependencies_first((f, start, target) in case()) {
        let g = load(&f);
        let expr = target_expr(&g, target);
        let p = plan(&g, &start, &expr, Mode::Upgrade).expect("an absolute upgrade always plans");
        prop_assert!(p.steps.iter().all(|s| s.direction == StepDirection::Up));
        let end = replay(&g, applied_of(&g, &start), &p)?;
        let mut expected = applied_of(&g, &start);
        expected.union_with(&g.closure(target));
        prop_assert_eq!(end, expected);
    }

    #[test]
    fn declarative_plan_reaches_exactly_the_closure_of_the_target((f, start, target) in case()) {
        let g = load(&f);
        let expr = target_expr(&g, target);
        let p = plan(&g, &start, &expr, Mode::Declarative).expect("a declarative plan always plans");
        // Down steps all come before up steps.
        let first_up = p.steps.iter().position(|s| s.direction == StepDirection::Up).unwrap_or(p.steps.len());
        prop_assert!(p.steps[first_up..].iter().all(|s| s.direction == StepDirection::Up));
        let end = replay(&g, applied_of(&g, &start), &p)?;
        prop_assert_eq!(end, g.closure(target));
        let mut final_heads = p.final_heads.clone();
        final_heads.sort();
        let mut expected = g.ids(g.heads_of(&g.closure(target)));
        expected.sort();
        prop_assert_eq!(final_heads, expected);
    }

    #[test]
    fn downgrade_then_upgrade_returns_to_the_start((f, start, target) in case()) {
        let g = load(&f);
        let expr = target_expr(&g, target);
        // Destinations that are not applied are refused, as by Alembic.
        let Ok(down) = plan(&g, &start, &expr, Mode::Downgrade) else { return Ok(()) };
        prop_assert!(down.steps.iter().all(|s| s.direction == StepDirection::Down));
        let middle = replay(&g, applied_of(&g, &start), &down)?;
        let back_to = if start.is_empty() { "base".to_owned() } else { start.join(",") };
        let up = plan(&g, &down.final_heads, &back_to, Mode::Upgrade).expect("upgrade back plans");
        let end = replay(&g, middle, &up)?;
        prop_assert_eq!(end, applied_of(&g, &start));
    }

    #[test]
    fn plans_are_deterministic((f, start, target) in case()) {
        let g = load(&f);
        let expr = target_expr(&g, target);
        let a = plan(&g, &start, &expr, Mode::Declarative).expect("plans");
        let b = plan(&g, &start, &expr, Mode::Declarative).expect("plans");
        prop_assert_eq!(a, b);
    }
}
