//! Plans: `(graph, applied heads, target, mode) -> Plan`. Pure: no I/O.
//!
//! Three modes (SPEC.md, "Revision graph semantics"):
//! - [`Mode::Upgrade`], as `alembic upgrade`: applies, parents first, every
//!   revision the target needs that is not applied; never unapplies.
//! - [`Mode::Downgrade`], as `alembic downgrade`: unapplies, children first,
//!   the applied revisions that descend from the target; never applies.
//! - [`Mode::Declarative`], for the operator and `revisor apply`: the desired
//!   applied set is the closure of the target; unapply what is applied but
//!   not desired (children first), then apply what is desired but not
//!   applied (parents first).
//!
//! The order of steps is Alembic's `RevisionMap._topological_sort`: a
//! depth-first walk down from the heads (the targets when applying, the
//! current heads when unapplying), taken in load order, that switches to
//! another head whenever that head still needs the candidate. Applying
//! emits the walk reversed. After each step the version-table rows are
//! the heads of the applied set, as Alembic's `HeadMaintainer` leaves them:
//! a merge collapses rows and a branch point adds one.
//!
//! Where Revisor differs from Alembic on purpose (listed in the README):
//! - several normalized dependencies of one revision are taken in their
//!   declared order (Alembic keeps them in a Python `set`, whose order
//!   changes from run to run);
//! - the rows are always the heads of the applied set; Alembic sometimes
//!   keeps a row that another row depends on (and then refuses its own next
//!   upgrade), or fails with a `KeyError` on a merge whose parent is already
//!   covered by a dependency descending from it.

pub mod policy;

use crate::graph::{RevIdx, RevSet, RevisionGraph, TargetError};
use crate::sqltext::hex;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Which kind of plan to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Alembic's `upgrade`: apply only.
    Upgrade,
    /// Alembic's `downgrade`: unapply only.
    Downgrade,
    /// Reach exactly the closure of the target.
    Declarative,
}

/// Whether a step applies or unapplies its revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepDirection {
    /// Run the up section.
    Up,
    /// Run the down section.
    Down,
}

impl StepDirection {
    /// `up` or `down`, as history rows, status and events spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            StepDirection::Up => "up",
            StepDirection::Down => "down",
        }
    }
}

/// The overall direction of a plan, as `plan -o json` prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Only up steps.
    Upgrade,
    /// Only down steps.
    Downgrade,
    /// Down steps, then up steps.
    Mixed,
    /// No step.
    None,
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// The revision id.
    pub revision: String,
    /// Up or down.
    pub direction: StepDirection,
    /// The revision's message.
    pub message: String,
    /// Version-table rows this step deletes, in load order (the revision
    /// itself when unapplying; the parents and dependencies it covers when
    /// applying).
    pub heads_removed: Vec<String>,
    /// Version-table rows this step inserts, in load order (the revision
    /// itself when applying; its parents and dependencies that no other row
    /// needs any more when unapplying).
    pub heads_added: Vec<String>,
    /// Whether the step runs in a transaction (`transactional:` header).
    pub transactional: bool,
    /// `false` for a down step of a revision without a down section; such a
    /// plan is refused before anything runs.
    pub reversible: bool,
}

/// A plan: the steps from `from_heads` to `final_heads`. Serialises to the
/// JSON of SPEC.md's `plan -o json`, with extra fields per step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// Upgrade, downgrade, mixed or none.
    pub direction: Direction,
    /// The version-table rows before the plan, in load order.
    pub from_heads: Vec<String>,
    /// The version-table rows after the plan, in load order.
    pub final_heads: Vec<String>,
    /// The steps, in the order they run.
    pub steps: Vec<Step>,
    /// SHA-256 (lowercase hex, 64 characters) of the steps, each with the
    /// checksum of the SQL it runs, and of the heads before and after: two
    /// plans with the same hash run the same SQL from the same state. Manual
    /// approval pins it.
    pub hash: String,
}

/// Why no plan can be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The target does not resolve.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// A current head that the migration set does not have.
    #[error("current revision `{0}` is not in the migration set")]
    UnknownCurrent(String),
    /// Current heads of which one is an ancestor of another (Alembic refuses
    /// to upgrade from such rows).
    #[error("current heads overlap: {revision} is an ancestor of {other}")]
    OverlappingCurrent {
        /// The ancestor.
        revision: String,
        /// The descendant.
        other: String,
    },
    /// A downgrade destination that is neither applied nor below anything applied.
    #[error("destination {0} is not a valid downgrade target from the current heads")]
    NotDowngradeTarget(String),
}

impl Plan {
    /// Revisions that the plan would downgrade but cannot (no down section).
    pub fn irreversible_steps(&self) -> Vec<&str> {
        self.steps
            .iter()
            .filter(|s| !s.reversible)
            .map(|s| s.revision.as_str())
            .collect()
    }

    /// The version-table rows after each step: `from_heads` with each
    /// step's `heads_removed` and `heads_added` replayed (rows in the order
    /// they were inserted).
    pub fn heads_after(&self) -> Vec<Vec<String>> {
        let mut rows = self.from_heads.clone();
        self.steps
            .iter()
            .map(|s| {
                rows.retain(|r| !s.heads_removed.contains(r));
                rows.extend(s.heads_added.iter().cloned());
                rows.clone()
            })
            .collect()
    }

    /// The version-table rows once the first `completed` steps have run
    /// (`from_heads` for 0): where a run that stopped left the database.
    pub fn rows_after(&self, completed: usize) -> Vec<String> {
        match completed.checked_sub(1) {
            None => self.from_heads.clone(),
            Some(i) => self
                .heads_after()
                .into_iter()
                .nth(i)
                .unwrap_or_else(|| self.final_heads.clone()),
        }
    }

    /// Whether the plan has any down step (and so, declaratively, needs
    /// `allowDowngrade`).
    pub fn has_down_steps(&self) -> bool {
        self.steps
            .iter()
            .any(|s| s.direction == StepDirection::Down)
    }
}

/// Computes a plan from the `current` version-table rows (revision ids) to
/// `target` (a target expression; relative ones only in directional modes).
///
/// # Errors
/// [`PlanError`]: an unresolvable target, an unknown current revision,
/// overlapping current heads on upgrade, or an invalid downgrade destination.
pub fn plan(
    graph: &RevisionGraph,
    current: &[String],
    target: &str,
    mode: Mode,
) -> Result<Plan, PlanError> {
    let mut cur: Vec<RevIdx> = Vec::with_capacity(current.len());
    for id in current {
        let idx = graph
            .index_of(id)
            .ok_or_else(|| PlanError::UnknownCurrent(id.clone()))?;
        if !cur.contains(&idx) {
            cur.push(idx);
        }
    }
    let anc = Ancestry::new(graph);
    let steps: Vec<(RevIdx, StepDirection)> = match mode {
        Mode::Upgrade => {
            let targets = graph.resolve_upgrade_targets(target, &cur)?;
            check_current_overlap(graph, &anc, &cur)?;
            let mut needs = graph.closure(targets.iter().copied());
            needs.difference_with(&graph.closure(cur.iter().copied()));
            let mut order = topological_sort(graph, &anc, needs, &targets);
            order.reverse();
            order.into_iter().map(|r| (r, StepDirection::Up)).collect()
        }
        Mode::Downgrade => {
            let dest = graph.resolve_downgrade_target(target, &cur)?;
            let drop = downgrade_set(graph, &cur, dest.revision, dest.branch.as_deref())?;
            topological_sort(graph, &anc, drop, &cur)
                .into_iter()
                .map(|r| (r, StepDirection::Down))
                .collect()
        }
        Mode::Declarative => {
            let targets = graph.resolve_targets(target)?;
            let desired = graph.closure(targets.iter().copied());
            let applied = graph.closure(cur.iter().copied());
            let mut unapply = applied.clone();
            unapply.difference_with(&desired);
            let mut apply = desired;
            apply.difference_with(&applied);
            let mut steps: Vec<_> = topological_sort(graph, &anc, unapply, &cur)
                .into_iter()
                .map(|r| (r, StepDirection::Down))
                .collect();
            let mut up = topological_sort(graph, &anc, apply, &targets);
            up.reverse();
            steps.extend(up.into_iter().map(|r| (r, StepDirection::Up)));
            steps
        }
    };
    Ok(build(graph, &cur, steps))
}

/// Alembic's `_collect_downgrade_revisions` (not inclusive, no implicit base):
/// the applied descendants of the destination's children (of every base for
/// `base`), narrowed to the branch's ancestors when a label is given and
/// several children qualify.
fn downgrade_set(
    graph: &RevisionGraph,
    cur: &[RevIdx],
    dest: Option<RevIdx>,
    branch: Option<&str>,
) -> Result<RevSet, PlanError> {
    let mut roots: Vec<RevIdx> = match dest {
        None => graph.bases().to_vec(),
        Some(d) => graph.children(d).to_vec(),
    };
    if let (Some(label), true) = (branch, roots.len() > 1) {
        let owner = graph
            .index_of(label)
            .or_else(|| graph.label_owner(label))
            .map(Ok)
            .unwrap_or_else(|| {
                graph.resolve_targets(label).and_then(|v| {
                    v.first()
                        .copied()
                        .ok_or(TargetError::NoSuchBranch(label.to_owned()))
                })
            })?;
        let on_branch = graph.ancestors([owner], false);
        roots.retain(|&r| on_branch.contains(r));
        if roots.is_empty() {
            return Err(PlanError::NotDowngradeTarget(
                graph.rev(dest.unwrap_or(owner)).id.clone(),
            ));
        }
    }
    let mut drop = graph.descendants(roots, true);
    drop.intersect_with(&graph.closure(cur.iter().copied()));
    if let Some(d) = dest {
        if drop.is_clear() && !cur.contains(&d) {
            return Err(PlanError::NotDowngradeTarget(graph.rev(d).id.clone()));
        }
    }
    Ok(drop)
}

fn check_current_overlap(
    graph: &RevisionGraph,
    anc: &Ancestry<'_>,
    cur: &[RevIdx],
) -> Result<(), PlanError> {
    for &a in cur {
        for &b in cur {
            if a != b && anc.is_ancestor(a, b) {
                return Err(PlanError::OverlappingCurrent {
                    revision: graph.rev(a).id.clone(),
                    other: graph.rev(b).id.clone(),
                });
            }
        }
    }
    Ok(())
}

/// Alembic's `RevisionMap._topological_sort`: the members of `todo` from the
/// top down (children before parents), walking from `heads` in load order.
fn topological_sort(
    graph: &RevisionGraph,
    anc: &Ancestry<'_>,
    mut todo: RevSet,
    heads: &[RevIdx],
) -> Vec<RevIdx> {
    let mut current: Vec<RevIdx> = heads
        .iter()
        .copied()
        .filter(|&h| todo.contains(h))
        .collect();
    current.sort_unstable();
    current.dedup();
    // The same heads as a set, for the common question "does any other head
    // still need the candidate?" in one pass over the candidate's descendants.
    let mut current_set = graph.empty_set();
    current_set.extend(current.iter().copied());
    let mut out = Vec::with_capacity(todo.count_ones(..));
    let mut add: Vec<RevIdx> = Vec::new();
    let mut ci = 0;
    while !current.is_empty() {
        let cand = current[ci];
        // Another head that still needs the candidate goes first: the first
        // such head in `current` order, as Alembic scans its list.
        if current.len() > 1 && anc.needed_by_another(cand, &mut current_set) {
            if let Some(j) =
                (0..current.len()).find(|&j| j != ci && anc.is_ancestor(cand, current[j]))
            {
                ci = j;
                continue;
            }
        }
        out.push(cand);
        todo.set(cand, false);
        add.clear();
        add.extend(
            graph
                .down_revisions(cand)
                .iter()
                .copied()
                .filter(|&r| todo.contains(r) && !current_set.contains(r)),
        );
        current_set.set(cand, false);
        match add.split_first() {
            None => {
                current.remove(ci);
                ci = ci.saturating_sub(1);
            }
            Some((&first, rest)) => {
                current[ci] = first;
                current.extend_from_slice(rest);
                current_set.extend(add.iter().copied());
            }
        }
    }
    debug_assert!(todo.is_clear(), "topological sort left revisions behind");
    out
}

/// Turns ordered steps into a [`Plan`], keeping the version-table rows as
/// the heads of the applied set after every step.
///
/// The rows are the applied set's maximal revisions: the only set of rows
/// that covers exactly the applied set with no row needed by another. Alembic's
/// `HeadMaintainer` reaches the same rows wherever its own are free of
/// redundancy (a merge collapses rows, a branch point adds one); where it
/// leaves a row that another row needs, or fails on a merge, Revisor writes
/// the reduced rows (README, "Divergences from Alembic").
fn build(graph: &RevisionGraph, cur: &[RevIdx], steps: Vec<(RevIdx, StepDirection)>) -> Plan {
    let mut applied = graph.closure(cur.iter().copied());
    let mut heads = graph.heads_of(&applied);
    let mut out = Vec::with_capacity(steps.len());
    let mut hasher = Sha256::new();
    hasher.update(b"revisor-plan-v1\nfrom");
    for id in sorted_ids(graph, cur) {
        hasher.update(b" ");
        hasher.update(id.as_bytes());
    }
    hasher.update(b"\n");
    for (rev, dir) in steps {
        let needs = || {
            graph
                .parents(rev)
                .iter()
                .chain(graph.dependencies(rev))
                .copied()
        };
        let (mut removed, mut added) = (Vec::new(), Vec::new());
        match dir {
            StepDirection::Up => {
                debug_assert!(
                    needs().all(|d| applied.contains(d)),
                    "applied before its needs"
                );
                applied.insert(rev);
                heads.retain(|&h| {
                    let covered = needs().any(|d| d == h);
                    if covered {
                        removed.push(h);
                    }
                    !covered
                });
                heads.push(rev);
                added.push(rev);
            }
            StepDirection::Down => {
                debug_assert!(heads.contains(&rev), "unapplied while still needed");
                applied.set(rev, false);
                heads.retain(|&h| h != rev);
                removed.push(rev);
                for d in needs() {
                    let uncovered = !graph.all_children(d).iter().any(|&c| applied.contains(c));
                    if applied.contains(d) && uncovered && !heads.contains(&d) {
                        heads.push(d);
                        added.push(d);
                    }
                }
            }
        }
        let r = graph.rev(rev);
        let (word, sql_sum): (&[u8], &str) = match dir {
            StepDirection::Up => (b"up ", &r.checksum),
            StepDirection::Down => (b"down ", &r.down_checksum),
        };
        for part in [word, r.id.as_bytes(), b" ", sql_sum.as_bytes(), b"\n"] {
            hasher.update(part);
        }
        out.push(Step {
            revision: r.id.clone(),
            direction: dir,
            message: r.message.clone(),
            heads_removed: sorted_ids(graph, &removed),
            heads_added: sorted_ids(graph, &added),
            transactional: r.transactional,
            reversible: dir == StepDirection::Up || r.is_reversible(),
        });
    }
    let final_heads = sorted_ids(graph, &heads);
    hasher.update(format!("final {}\n", final_heads.join(" ")).as_bytes());
    let ups = out.iter().any(|s| s.direction == StepDirection::Up);
    let downs = out.iter().any(|s| s.direction == StepDirection::Down);
    let direction = match (downs, ups) {
        (false, false) => Direction::None,
        (false, true) => Direction::Upgrade,
        (true, false) => Direction::Downgrade,
        (true, true) => Direction::Mixed,
    };
    Plan {
        direction,
        from_heads: graph.ids(cur.iter().copied()),
        final_heads,
        steps: out,
        hash: hex(&hasher.finalize()),
    }
}

fn sorted_ids(graph: &RevisionGraph, set: &[RevIdx]) -> Vec<String> {
    let mut v = set.to_vec();
    v.sort_unstable();
    graph.ids(v)
}

/// Answers "is `a` an ancestor of (or equal to) `b`", through
/// `down_revision` and `depends_on`. Up to [`Ancestry::TABLE_LIMIT`]
/// revisions it builds, on first use, one descendant bit set per revision
/// (n^2/8 bytes: 3 MB for 5,000 revisions, 12.5 MB for 10,000); above that
/// it walks the graph per question.
struct Ancestry<'g> {
    graph: &'g RevisionGraph,
    table: std::cell::OnceCell<Vec<RevSet>>,
}

impl<'g> Ancestry<'g> {
    /// 20,000 revisions make a 50 MB table, as much memory as an operator
    /// pod should spend on one plan; bigger sets walk instead.
    const TABLE_LIMIT: usize = 20_000;

    fn new(graph: &'g RevisionGraph) -> Self {
        Ancestry {
            graph,
            table: std::cell::OnceCell::new(),
        }
    }

    fn is_ancestor(&self, a: RevIdx, b: RevIdx) -> bool {
        if a == b {
            return true;
        }
        match self.table() {
            Some(t) => t[a].contains(b),
            None => self.graph.descendants([a], true).contains(b),
        }
    }

    /// Whether a member of `heads` other than `a` (which must be in it)
    /// descends from `a`.
    fn needed_by_another(&self, a: RevIdx, heads: &mut RevSet) -> bool {
        heads.set(a, false);
        let found = match self.table() {
            Some(t) => !t[a].is_disjoint(heads),
            None => !self.graph.descendants([a], true).is_disjoint(heads),
        };
        heads.insert(a);
        found
    }

    fn table(&self) -> Option<&[RevSet]> {
        (self.graph.len() <= Self::TABLE_LIMIT)
            .then(|| self.table.get_or_init(|| self.build()).as_slice())
    }

    /// Descendant sets, children filled before parents (iterative post-order
    /// over the child edges).
    fn build(&self) -> Vec<RevSet> {
        let g = self.graph;
        let n = g.len();
        let mut table: Vec<RevSet> = vec![RevSet::new(); n];
        let mut done = RevSet::with_capacity(n);
        let mut stack: Vec<(RevIdx, bool)> = Vec::new();
        for root in 0..n {
            if done.contains(root) {
                continue;
            }
            stack.push((root, false));
            while let Some((v, expanded)) = stack.pop() {
                if done.contains(v) {
                    continue;
                }
                if !expanded {
                    stack.push((v, true));
                    stack.extend(
                        g.all_children(v)
                            .iter()
                            .filter(|&&c| !done.contains(c))
                            .map(|&c| (c, false)),
                    );
                    continue;
                }
                let mut set = RevSet::with_capacity(n);
                set.insert(v);
                for &c in g.all_children(v) {
                    set.union_with(&table[c]);
                }
                table[v] = set;
                done.insert(v);
            }
        }
        table
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::tests::graph;

    fn steps(p: &Plan) -> Vec<String> {
        p.steps
            .iter()
            .map(|s| {
                format!(
                    "{}{}",
                    if s.direction == StepDirection::Up {
                        "+"
                    } else {
                        "-"
                    },
                    s.revision
                )
            })
            .collect()
    }

    /// The rows after each step, sorted.
    fn rows_after(p: &Plan) -> Vec<Vec<String>> {
        p.heads_after()
            .into_iter()
            .map(|mut rows| {
                rows.sort();
                rows
            })
            .collect()
    }

    fn cur(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    fn diamond() -> RevisionGraph {
        graph(&["a", "b<-a", "c<-a", "d<-b,c", "e<-d"])
    }

    #[test]
    fn upgrade_from_base_applies_parents_first() {
        let g = diamond();
        let p = plan(&g, &[], "head", Mode::Upgrade).unwrap();
        assert_eq!(steps(&p), vec!["+a", "+c", "+b", "+d", "+e"]);
        assert_eq!(p.direction, Direction::Upgrade);
        assert_eq!(p.final_heads, vec!["e"]);
    }

    #[test]
    fn branch_point_adds_a_row_and_merge_collapses_rows() {
        let g = diamond();
        let p = plan(&g, &[], "d", Mode::Upgrade).unwrap();
        assert_eq!(
            rows_after(&p),
            vec![vec!["a"], vec!["c"], vec!["b", "c"], vec!["d"]]
        );
        assert_eq!(p.steps[3].heads_removed, vec!["b", "c"]);
        assert_eq!(p.steps[3].heads_added, vec!["d"]);
    }

    #[test]
    fn downgrade_unapplies_children_first_and_unmerges() {
        let g = diamond();
        let p = plan(&g, &cur(&["e"]), "a", Mode::Downgrade).unwrap();
        assert_eq!(steps(&p), vec!["-e", "-d", "-b", "-c"]);
        assert_eq!(
            rows_after(&p),
            vec![vec!["d"], vec!["b", "c"], vec!["c"], vec!["a"]]
        );
        assert_eq!(p.direction, Direction::Downgrade);
    }

    #[test]
    fn downgrade_to_base_removes_every_row() {
        let g = diamond();
        let p = plan(&g, &cur(&["e"]), "base", Mode::Downgrade).unwrap();
        assert_eq!(p.steps.len(), 5);
        assert!(p.final_heads.is_empty());
    }

    #[test]
    fn upgrade_never_unapplies_and_downgrade_never_applies() {
        let g = graph(&["a", "b<-a", "c<-a"]);
        let up = plan(&g, &cur(&["b"]), "c", Mode::Upgrade).unwrap();
        assert_eq!(steps(&up), vec!["+c"]);
        assert_eq!(up.final_heads, vec!["b", "c"]);
        let down = plan(&g, &cur(&["b", "c"]), "a", Mode::Downgrade).unwrap();
        assert_eq!(steps(&down), vec!["-b", "-c"]);
    }

    #[test]
    fn declarative_plan_unapplies_then_applies() {
        let g = graph(&["a", "b<-a", "c<-a"]);
        let p = plan(&g, &cur(&["b"]), "c", Mode::Declarative).unwrap();
        assert_eq!(steps(&p), vec!["-b", "+c"]);
        assert_eq!(p.direction, Direction::Mixed);
        assert_eq!(p.final_heads, vec!["c"]);
        assert!(p.has_down_steps());
    }

    #[test]
    fn declarative_plan_at_target_is_empty() {
        let g = diamond();
        let p = plan(&g, &cur(&["e"]), "e", Mode::Declarative).unwrap();
        assert!(p.steps.is_empty());
        assert_eq!(p.direction, Direction::None);
        assert_eq!(p.final_heads, vec!["e"]);
    }

    #[test]
    fn depends_on_is_applied_first_and_leaves_its_own_row() {
        let g = graph(&["a", "b<-a", "x", "y<-x dep=b"]);
        let p = plan(&g, &[], "y", Mode::Upgrade).unwrap();
        assert_eq!(steps(&p), vec!["+a", "+b", "+x", "+y"]);
        assert_eq!(p.final_heads, vec!["y"]);
    }

    #[test]
    fn downgrade_to_an_unapplied_revision_is_refused() {
        let g = graph(&["a", "b<-a", "c<-a"]);
        assert_eq!(
            plan(&g, &cur(&["b"]), "c", Mode::Downgrade),
            Err(PlanError::NotDowngradeTarget("c".into()))
        );
    }

    #[test]
    fn unknown_current_revision_is_refused() {
        let g = diamond();
        assert_eq!(
            plan(&g, &cur(&["zz"]), "e", Mode::Upgrade),
            Err(PlanError::UnknownCurrent("zz".into()))
        );
    }

    #[test]
    fn overlapping_current_heads_are_refused_on_upgrade() {
        let g = diamond();
        assert!(matches!(
            plan(&g, &cur(&["a", "b"]), "e", Mode::Upgrade),
            Err(PlanError::OverlappingCurrent { .. })
        ));
    }

    #[test]
    fn irreversible_down_steps_are_marked() {
        let files = vec![
            ("1.sql".to_string(), "-- revision: a\n-- migrate:up\nSELECT 1;\n".to_string()),
            ("2.sql".to_string(), "-- revision: b\n-- down_revision: a\n-- migrate:up\nSELECT 2;\n-- migrate:down\nSELECT 3;\n".to_string()),
        ];
        let g = RevisionGraph::from_files(&files).unwrap();
        let p = plan(&g, &cur(&["b"]), "base", Mode::Declarative).unwrap();
        assert_eq!(p.irreversible_steps(), vec!["a"]);
        let ok = plan(&g, &cur(&["b"]), "a", Mode::Declarative).unwrap();
        assert!(ok.irreversible_steps().is_empty());
    }

    #[test]
    fn hash_is_stable_and_changes_with_the_sql() {
        let g = diamond();
        let p1 = plan(&g, &[], "e", Mode::Declarative).unwrap();
        let p2 = plan(&g, &[], "e", Mode::Declarative).unwrap();
        assert_eq!(p1.hash, p2.hash);
        assert_eq!(p1.hash.len(), 64);
        let mut files: Vec<(String, String)> = ["a", "b<-a", "c<-a", "d<-b,c", "e<-d"]
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let (n, t) = crate::graph::tests::file(s);
                (format!("{i:04}_{n}"), t)
            })
            .collect();
        files[4].1 = files[4].1.replace("SELECT 'e up'", "SELECT 'e changed'");
        let g2 = RevisionGraph::from_files(&files).unwrap();
        let p3 = plan(&g2, &[], "e", Mode::Declarative).unwrap();
        assert_eq!(steps(&p1), steps(&p3));
        assert_ne!(p1.hash, p3.hash);
    }

    #[test]
    fn json_has_the_spec_shape() {
        let g = graph(&["a1", "b2<-a1", "c3<-b2"]);
        let p = plan(&g, &cur(&["a1"]), "c3", Mode::Upgrade).unwrap();
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["direction"], "upgrade");
        assert_eq!(v["from_heads"], serde_json::json!(["a1"]));
        assert_eq!(v["final_heads"], serde_json::json!(["c3"]));
        assert_eq!(v["steps"][0]["revision"], "b2");
        assert_eq!(v["steps"][0]["direction"], "up");
        assert_eq!(v["steps"][1]["revision"], "c3");
        assert!(v["hash"].is_string());
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 5);
    }
}
