//! The revision graph of a migration set: heads, bases, ancestors and
//! descendants through `down_revision` and `depends_on`, branch labels,
//! validation and target expressions. Pure: no I/O.
//!
//! The model is Alembic's `RevisionMap` (alembic/script/revision.py, 1.20):
//! - *versioned* edges are `down_revision`; *dependency* edges are
//!   `depends_on`, resolved through branch labels to revision ids;
//! - a dependency that a (versioned) ancestor already depends on is dropped
//!   from the revision's *normalized* dependencies, as Alembic's
//!   `_normalize_depends_on` does; normalized down revisions are
//!   `down_revision` followed by the normalized dependencies;
//! - heads are revisions no other revision names as `down_revision`
//!   (`RevisionMap.heads`); *real* heads are revisions nothing names at all,
//!   not even in `depends_on` (`_real_heads`, what the target `heads` means);
//! - bases have no `down_revision` (they may still have dependencies).
//!
//! Revisions are indexed by load order: file-name order, bytewise, as Alembic
//! reads its versions directory. That order breaks ties wherever the graph
//! leaves the order of steps open.

mod target;

pub use target::{Resolved, TargetError};

use crate::revision::{ParseError, Revision};
use fixedbitset::FixedBitSet;
use std::collections::HashMap;
use std::fmt;

/// Index of a revision in a [`RevisionGraph`], in load order.
pub type RevIdx = usize;

/// A set of revisions, by index.
pub type RevSet = FixedBitSet;

/// A validated migration set and its revision graph.
#[derive(Debug, Clone)]
pub struct RevisionGraph {
    revs: Vec<Revision>,
    by_id: HashMap<String, RevIdx>,
    /// Branch label -> the revision that declares it.
    by_label: HashMap<String, RevIdx>,
    parents: Vec<Vec<RevIdx>>,
    deps: Vec<Vec<RevIdx>>,
    norm_deps: Vec<Vec<RevIdx>>,
    norm_down: Vec<Vec<RevIdx>>,
    children: Vec<Vec<RevIdx>>,
    all_children: Vec<Vec<RevIdx>>,
    heads: Vec<RevIdx>,
    real_heads: Vec<RevIdx>,
    bases: Vec<RevIdx>,
}

/// One problem in a migration set. [`SetErrors`] holds all of them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetError {
    /// A file that does not parse.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// The same revision id in two files (Alembic only warns; we refuse).
    #[error("{file}:{line}: duplicate revision id `{id}` (also in {other_file})")]
    DuplicateId {
        /// The id.
        id: String,
        /// The later file.
        file: String,
        /// Line of its `revision:`.
        line: usize,
        /// The earlier file.
        other_file: String,
    },
    /// A branch label declared twice, or equal to a revision id.
    #[error("{file}:{line}: branch label `{label}` of revision {revision} is already used by revision {other}")]
    DuplicateLabel {
        /// The label.
        label: String,
        /// The revision declaring it again.
        revision: String,
        /// Its file.
        file: String,
        /// Line of its `branch_labels:`.
        line: usize,
        /// The revision that has it first (as a label or as its id).
        other: String,
    },
    /// A `down_revision` naming no revision of the set.
    #[error("{file}:{line}: revision {revision} names unknown down_revision `{parent}`")]
    UnknownParent {
        /// The revision.
        revision: String,
        /// The unknown parent.
        parent: String,
        /// Its file.
        file: String,
        /// Line of its `down_revision:`.
        line: usize,
    },
    /// A `depends_on` naming no revision or branch label of the set.
    #[error("{file}:{line}: revision {revision} depends_on unknown revision or branch label `{dependency}`")]
    UnknownDependency {
        /// The revision.
        revision: String,
        /// The unknown reference.
        dependency: String,
        /// Its file.
        file: String,
        /// Line of its `depends_on:`.
        line: usize,
    },
    /// A cycle through `down_revision` and `depends_on` edges; the revisions
    /// are listed in order, each naming the next as parent or dependency.
    #[error("cycle in the revision graph: {}", cycle_text(.revisions))]
    Cycle {
        /// The revisions on the cycle, each followed by (a parent of it).
        revisions: Vec<String>,
        /// Their files, in the same order.
        files: Vec<String>,
    },
}

fn cycle_text(revs: &[String]) -> String {
    let mut s = revs.join(" -> ");
    if let Some(first) = revs.first() {
        s.push_str(" -> ");
        s.push_str(first);
    }
    s
}

/// Every problem found in a migration set, in file order. Displayed one per line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SetErrors(pub Vec<SetError>);

impl fmt::Display for SetErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl RevisionGraph {
    /// Parses and validates a migration set from `(file name, contents)` pairs,
    /// in any order: they are sorted by file name, bytewise, which becomes the
    /// load order.
    ///
    /// # Errors
    /// [`SetErrors`] with every problem: each file's parse errors, duplicate
    /// ids and branch labels, unknown `down_revision` or `depends_on`
    /// references, and cycles.
    pub fn from_files<N: AsRef<str> + Sync, C: AsRef<str> + Sync>(
        files: &[(N, C)],
    ) -> Result<RevisionGraph, SetErrors> {
        // Manifests beside the revisions are not revisions.
        let mut order: Vec<usize> = (0..files.len())
            .filter(|&i| {
                !crate::revision::yaml::is_manifest(files[i].0.as_ref(), files[i].1.as_ref())
            })
            .collect();
        order.sort_by(|&a, &b| {
            files[a]
                .0
                .as_ref()
                .as_bytes()
                .cmp(files[b].0.as_ref().as_bytes())
        });
        let mut errors = Vec::new();
        let mut revs = Vec::with_capacity(files.len());
        // Ids of files that do not parse: references to them are not
        // reported again as unknown.
        let mut unparsed: Vec<String> = Vec::new();
        // Files parse independently: large sets (YAML operation revisions
        // above all) are parsed on the machine's cores, in file order.
        let parsed = crate::par::map(&order, 256, |i| {
            Revision::parse(files[*i].0.as_ref(), files[*i].1.as_ref())
        });
        for (i, result) in order.into_iter().zip(parsed) {
            match result {
                Ok(rev) => revs.push(rev),
                Err(errs) => {
                    errors.extend(errs.into_iter().map(SetError::Parse));
                    unparsed.extend(crate::revision::peek_id(files[i].1.as_ref()));
                }
            }
        }
        match Self::from_revisions(revs) {
            Ok(graph) if errors.is_empty() => Ok(graph),
            Ok(_) => Err(SetErrors(errors)),
            Err(SetErrors(more)) => {
                errors.extend(more.into_iter().filter(|e| match e {
                    SetError::UnknownParent { parent: name, .. }
                    | SetError::UnknownDependency {
                        dependency: name, ..
                    } => !unparsed.contains(name),
                    _ => true,
                }));
                Err(SetErrors(errors))
            }
        }
    }

    /// Builds and validates the graph of parsed revisions, taken in load order.
    ///
    /// # Errors
    /// As [`RevisionGraph::from_files`], less the parse errors.
    pub fn from_revisions(revs: Vec<Revision>) -> Result<RevisionGraph, SetErrors> {
        let n = revs.len();
        let mut errors = Vec::new();
        let mut by_id: HashMap<String, RevIdx> = HashMap::with_capacity(n);
        for (i, rev) in revs.iter().enumerate() {
            if let Some(&first) = by_id.get(&rev.id) {
                errors.push(SetError::DuplicateId {
                    id: rev.id.clone(),
                    file: rev.file.clone(),
                    line: rev.lines.revision,
                    other_file: revs[first].file.clone(),
                });
            } else {
                by_id.insert(rev.id.clone(), i);
            }
        }
        let mut by_label: HashMap<String, RevIdx> = HashMap::new();
        for (i, rev) in revs.iter().enumerate() {
            for label in &rev.branch_labels {
                let other = by_label.get(label).or_else(|| by_id.get(label));
                if let Some(&other) = other {
                    errors.push(SetError::DuplicateLabel {
                        label: label.clone(),
                        revision: rev.id.clone(),
                        file: rev.file.clone(),
                        line: rev.lines.branch_labels,
                        other: revs[other].id.clone(),
                    });
                } else {
                    by_label.insert(label.clone(), i);
                }
            }
        }
        let mut parents = vec![Vec::new(); n];
        let mut deps = vec![Vec::new(); n];
        for (i, rev) in revs.iter().enumerate() {
            for p in &rev.down_revisions {
                match by_id.get(p) {
                    Some(&j) => parents[i].push(j),
                    None => errors.push(SetError::UnknownParent {
                        revision: rev.id.clone(),
                        parent: p.clone(),
                        file: rev.file.clone(),
                        line: rev.lines.down_revision,
                    }),
                }
            }
            for d in &rev.depends_on {
                match by_id.get(d).or_else(|| by_label.get(d)) {
                    Some(&j) if !deps[i].contains(&j) => deps[i].push(j),
                    Some(_) => {}
                    None => errors.push(SetError::UnknownDependency {
                        revision: rev.id.clone(),
                        dependency: d.clone(),
                        file: rev.file.clone(),
                        line: rev.lines.depends_on,
                    }),
                }
            }
        }
        if !errors.is_empty() {
            return Err(SetErrors(errors));
        }
        let cycles = find_cycles(&parents, &deps);
        if !cycles.is_empty() {
            return Err(SetErrors(
                cycles
                    .into_iter()
                    .map(|c| SetError::Cycle {
                        revisions: c.iter().map(|&i| revs[i].id.clone()).collect(),
                        files: c.iter().map(|&i| revs[i].file.clone()).collect(),
                    })
                    .collect(),
            ));
        }
        let mut children = vec![Vec::new(); n];
        let mut all_children = vec![Vec::new(); n];
        for i in 0..n {
            for &p in &parents[i] {
                children[p].push(i);
                all_children[p].push(i);
            }
            for &d in &deps[i] {
                if !all_children[d].contains(&i) {
                    all_children[d].push(i);
                }
            }
        }
        let norm_deps = normalize_deps(&parents, &deps);
        let norm_down = (0..n)
            .map(|i| {
                let mut v = parents[i].clone();
                for &d in &norm_deps[i] {
                    if !v.contains(&d) {
                        v.push(d);
                    }
                }
                v
            })
            .collect();
        let heads = (0..n).filter(|&i| children[i].is_empty()).collect();
        let real_heads = (0..n).filter(|&i| all_children[i].is_empty()).collect();
        let bases = (0..n).filter(|&i| parents[i].is_empty()).collect();
        Ok(RevisionGraph {
            revs,
            by_id,
            by_label,
            parents,
            deps,
            norm_deps,
            norm_down,
            children,
            all_children,
            heads,
            real_heads,
            bases,
        })
    }

    /// This graph with `extra` revisions added after the files in load order
    /// (orphaned revisions rebuilt from the history table).
    ///
    /// # Errors
    /// As [`RevisionGraph::from_revisions`].
    pub fn with_extra(&self, extra: Vec<Revision>) -> Result<RevisionGraph, SetErrors> {
        let mut revs = self.revs.clone();
        revs.extend(extra);
        RevisionGraph::from_revisions(revs)
    }

    /// Number of revisions.
    pub fn len(&self) -> usize {
        self.revs.len()
    }

    /// Whether the set has no revision.
    pub fn is_empty(&self) -> bool {
        self.revs.is_empty()
    }

    /// The revision at `idx`.
    ///
    /// # Panics
    /// When `idx` is out of range.
    pub fn rev(&self, idx: RevIdx) -> &Revision {
        &self.revs[idx]
    }

    /// All revisions in load order.
    pub fn revisions(&self) -> &[Revision] {
        &self.revs
    }

    /// The index of the revision with exactly this id.
    pub fn index_of(&self, id: &str) -> Option<RevIdx> {
        self.by_id.get(id).copied()
    }

    /// The revision that declares branch label `label`.
    pub fn label_owner(&self, label: &str) -> Option<RevIdx> {
        self.by_label.get(label).copied()
    }

    /// Ids of the given indices, in the given order.
    pub fn ids(&self, idxs: impl IntoIterator<Item = RevIdx>) -> Vec<String> {
        idxs.into_iter().map(|i| self.revs[i].id.clone()).collect()
    }

    /// Heads: revisions that no revision names as `down_revision`, in load
    /// order (Alembic's `RevisionMap.heads`).
    pub fn heads(&self) -> &[RevIdx] {
        &self.heads
    }

    /// Real heads: revisions that no revision names as `down_revision` or in
    /// `depends_on` (Alembic's `_real_heads`; what the target `heads` means).
    pub fn real_heads(&self) -> &[RevIdx] {
        &self.real_heads
    }

    /// Bases: revisions without `down_revision`, in load order.
    pub fn bases(&self) -> &[RevIdx] {
        &self.bases
    }

    /// Parents through `down_revision`, in declared order.
    pub fn parents(&self, idx: RevIdx) -> &[RevIdx] {
        &self.parents[idx]
    }

    /// Dependencies through `depends_on`, resolved to revisions, in declared order.
    pub fn dependencies(&self, idx: RevIdx) -> &[RevIdx] {
        &self.deps[idx]
    }

    /// Dependencies that no versioned ancestor already depends on
    /// (Alembic's `_normalized_resolved_dependencies`).
    pub fn normalized_dependencies(&self, idx: RevIdx) -> &[RevIdx] {
        &self.norm_deps[idx]
    }

    /// Parents followed by normalized dependencies, without repeats
    /// (Alembic's `_normalized_down_revisions`): what the version table moves
    /// between when this revision is applied or unapplied.
    pub fn down_revisions(&self, idx: RevIdx) -> &[RevIdx] {
        &self.norm_down[idx]
    }

    /// Children through `down_revision` (Alembic's `nextrev`).
    pub fn children(&self, idx: RevIdx) -> &[RevIdx] {
        &self.children[idx]
    }

    /// Children through `down_revision` or `depends_on` (Alembic's `_all_nextrev`).
    pub fn all_children(&self, idx: RevIdx) -> &[RevIdx] {
        &self.all_children[idx]
    }

    /// An empty set sized for this graph.
    pub fn empty_set(&self) -> RevSet {
        RevSet::with_capacity(self.len())
    }

    /// `starts` and all their ancestors, through `down_revision` and, with
    /// `with_deps`, `depends_on` too.
    pub fn ancestors(&self, starts: impl IntoIterator<Item = RevIdx>, with_deps: bool) -> RevSet {
        let edges = if with_deps {
            &self.norm_down
        } else {
            &self.parents
        };
        self.reach(starts, edges)
    }

    /// `starts` and all their descendants, through `down_revision` and, with
    /// `with_deps`, `depends_on` too.
    pub fn descendants(&self, starts: impl IntoIterator<Item = RevIdx>, with_deps: bool) -> RevSet {
        let edges = if with_deps {
            &self.all_children
        } else {
            &self.children
        };
        self.reach(starts, edges)
    }

    /// The closure of `targets`: the targets and everything they need,
    /// through `down_revision` and `depends_on`. For the version-table heads
    /// of a database this is its applied set.
    pub fn closure(&self, targets: impl IntoIterator<Item = RevIdx>) -> RevSet {
        self.ancestors(targets, true)
    }

    /// The heads of an applied set, recomputed from scratch: the members no
    /// other member needs (through `down_revision` or `depends_on`), in load
    /// order.
    pub fn heads_of(&self, applied: &RevSet) -> Vec<RevIdx> {
        applied
            .ones()
            .filter(|&i| !self.all_children[i].iter().any(|&c| applied.contains(c)))
            .collect()
    }

    fn reach(&self, starts: impl IntoIterator<Item = RevIdx>, edges: &[Vec<RevIdx>]) -> RevSet {
        let mut seen = self.empty_set();
        let mut todo: Vec<RevIdx> = starts.into_iter().collect();
        while let Some(i) = todo.pop() {
            if seen.put(i) {
                continue;
            }
            todo.extend(edges[i].iter().copied().filter(|&j| !seen.contains(j)));
        }
        seen
    }
}

/// Alembic's `_normalize_depends_on`: drop from each revision's dependencies
/// those that one of its strict versioned ancestors already depends on.
fn normalize_deps(parents: &[Vec<RevIdx>], deps: &[Vec<RevIdx>]) -> Vec<Vec<RevIdx>> {
    let n = parents.len();
    // How many revisions depend on each revision: a dependency with a single
    // dependent cannot be inherited, which spares the ancestor walk.
    let mut dependents = vec![0u32; n];
    for ds in deps {
        for &d in ds {
            dependents[d] += 1;
        }
    }
    let mut seen = FixedBitSet::with_capacity(n);
    let mut todo = Vec::new();
    (0..n)
        .map(|i| {
            if deps[i].iter().all(|&d| dependents[d] < 2) {
                return deps[i].clone();
            }
            // Union of the dependencies of strict versioned ancestors.
            seen.clear();
            todo.clear();
            todo.extend_from_slice(&parents[i]);
            let mut inherited = Vec::new();
            while let Some(a) = todo.pop() {
                if seen.put(a) {
                    continue;
                }
                inherited.extend_from_slice(&deps[a]);
                todo.extend_from_slice(&parents[a]);
            }
            deps[i]
                .iter()
                .copied()
                .filter(|d| !inherited.contains(d))
                .collect()
        })
        .collect()
}

/// Cycles through parent and dependency edges; each cycle once, as indices in
/// order (each followed by one of its parents or dependencies), starting at
/// its lowest index.
fn find_cycles(parents: &[Vec<RevIdx>], deps: &[Vec<RevIdx>]) -> Vec<Vec<RevIdx>> {
    let n = parents.len();
    let edges = |i: RevIdx| parents[i].iter().chain(deps[i].iter()).copied();
    // Kahn's algorithm on "i needs j" edges peels off everything that is not
    // on or above a cycle.
    let mut needed_by = vec![Vec::new(); n];
    let mut pending: Vec<usize> = (0..n).map(|i| edges(i).count()).collect();
    for i in 0..n {
        for j in edges(i) {
            needed_by[j].push(i);
        }
    }
    let mut ready: Vec<RevIdx> = (0..n).filter(|&i| pending[i] == 0).collect();
    let mut done = FixedBitSet::with_capacity(n);
    while let Some(j) = ready.pop() {
        done.insert(j);
        for &i in &needed_by[j] {
            pending[i] -= 1;
            if pending[i] == 0 {
                ready.push(i);
            }
        }
    }
    let mut cycles: Vec<Vec<RevIdx>> = Vec::new();
    let mut on_cycle = FixedBitSet::with_capacity(n);
    for start in 0..n {
        if done.contains(start) || on_cycle.contains(start) {
            continue;
        }
        // Follow edges that stay among the unresolved revisions until one repeats.
        let mut path = vec![start];
        let mut pos: HashMap<RevIdx, usize> = HashMap::from([(start, 0)]);
        let mut cur = start;
        let cycle = loop {
            let Some(next) = edges(cur).find(|&j| !done.contains(j)) else {
                break None;
            };
            if let Some(&p) = pos.get(&next) {
                break Some(path[p..].to_vec());
            }
            pos.insert(next, path.len());
            path.push(next);
            cur = next;
        };
        let Some(mut cycle) = cycle else { continue };
        if cycle.iter().any(|&i| on_cycle.contains(i)) {
            continue;
        }
        for &i in &cycle {
            on_cycle.insert(i);
        }
        let min = cycle
            .iter()
            .enumerate()
            .min_by_key(|(_, &v)| v)
            .map(|(k, _)| k)
            .unwrap_or(0);
        cycle.rotate_left(min);
        cycles.push(cycle);
    }
    cycles
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A migration file for tests: `spec` is `id<-parent,parent` with optional
    /// ` dep=a,b` and ` label=x`.
    pub(crate) fn file(spec: &str) -> (String, String) {
        let mut parts = spec.split_whitespace();
        let head = parts.next().unwrap();
        let (id, parents) = head.split_once("<-").unwrap_or((head, ""));
        let mut text = format!("-- revision: {id}\n-- down_revision: {parents}\n");
        for p in parts {
            let (k, v) = p.split_once('=').unwrap();
            let key = match k {
                "dep" => "depends_on",
                "label" => "branch_labels",
                other => other,
            };
            text.push_str(&format!("-- {key}: {v}\n"));
        }
        text.push_str(&format!(
            "-- migrate:up\nSELECT '{id} up';\n-- migrate:down\nSELECT '{id} down';\n"
        ));
        (format!("{id}.sql"), text)
    }

    /// A graph of test files, loaded in the order given (file names are
    /// prefixed to keep that order).
    pub(crate) fn graph(specs: &[&str]) -> RevisionGraph {
        let files: Vec<(String, String)> = specs
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let (name, text) = file(s);
                (format!("{i:04}_{name}"), text)
            })
            .collect();
        RevisionGraph::from_files(&files).unwrap_or_else(|e| panic!("{e}"))
    }

    fn errors(specs: &[&str]) -> Vec<SetError> {
        let files: Vec<_> = specs.iter().map(|s| file(s)).collect();
        RevisionGraph::from_files(&files).unwrap_err().0
    }

    fn ids(g: &RevisionGraph, set: &[RevIdx]) -> Vec<String> {
        g.ids(set.iter().copied())
    }

    #[test]
    fn heads_bases_and_merges() {
        let g = graph(&["a", "b<-a", "c<-a", "d<-b,c", "e<-d", "x"]);
        assert_eq!(ids(&g, g.heads()), vec!["e", "x"]);
        assert_eq!(ids(&g, g.bases()), vec!["a", "x"]);
        assert_eq!(ids(&g, g.children(0)), vec!["b", "c"]);
        let anc = g.ancestors([g.index_of("d").unwrap()], false);
        assert_eq!(g.ids(anc.ones()), vec!["a", "b", "c", "d"]);
        let desc = g.descendants([g.index_of("c").unwrap()], false);
        assert_eq!(g.ids(desc.ones()), vec!["c", "d", "e"]);
    }

    #[test]
    fn depends_on_does_not_end_a_head_but_ends_a_real_head() {
        let g = graph(&["a", "b<-a", "x", "y<-x dep=b"]);
        assert_eq!(ids(&g, g.heads()), vec!["b", "y"]);
        assert_eq!(ids(&g, g.real_heads()), vec!["y"]);
        let closure = g.closure([g.index_of("y").unwrap()]);
        assert_eq!(g.ids(closure.ones()), vec!["a", "b", "x", "y"]);
    }

    #[test]
    fn depends_on_resolves_branch_labels() {
        let g = graph(&["a label=core", "x", "y<-x dep=core"]);
        assert_eq!(ids(&g, g.dependencies(2)), vec!["a"]);
    }

    #[test]
    fn dependencies_inherited_from_ancestors_are_normalized_away() {
        // As Alembic's _normalize_depends_on: c's dependency on d is already
        // b's, so c's down revisions are only its parent.
        let g = graph(&["d", "a", "b<-a dep=d", "c<-b dep=d"]);
        let c = g.index_of("c").unwrap();
        assert_eq!(ids(&g, g.dependencies(c)), vec!["d"]);
        assert!(g.normalized_dependencies(c).is_empty());
        assert_eq!(ids(&g, g.down_revisions(c)), vec!["b"]);
        let b = g.index_of("b").unwrap();
        assert_eq!(ids(&g, g.down_revisions(b)), vec!["a", "d"]);
    }

    #[test]
    fn load_order_is_file_name_order() {
        let files = vec![file("b<-a"), file("a")];
        let g = RevisionGraph::from_files(&files).unwrap();
        assert_eq!(g.rev(0).id, "a");
    }

    #[test]
    fn heads_of_recomputes_from_an_applied_set() {
        let g = graph(&["a", "b<-a", "c<-a", "d<-b,c"]);
        let applied = g.closure([1, 2]);
        assert_eq!(ids(&g, &g.heads_of(&applied)), vec!["b", "c"]);
    }

    #[test]
    fn unknown_parent_names_file_line_and_revision() {
        let errs = errors(&["a", "b<-zz"]);
        assert_eq!(errs.len(), 1);
        assert_eq!(
            errs[0].to_string(),
            "b.sql:2: revision b names unknown down_revision `zz`"
        );
    }

    #[test]
    fn unknown_dependency_is_an_error() {
        let errs = errors(&["a", "b<-a dep=nope"]);
        assert_eq!(
            errs[0].to_string(),
            "b.sql:3: revision b depends_on unknown revision or branch label `nope`"
        );
    }

    #[test]
    fn duplicate_ids_are_refused_naming_both_files() {
        let files = vec![
            ("1_a.sql".to_string(), file("a").1),
            ("2_a.sql".to_string(), file("a").1),
        ];
        let errs = RevisionGraph::from_files(&files).unwrap_err().0;
        assert_eq!(
            errs,
            vec![SetError::DuplicateId {
                id: "a".into(),
                file: "2_a.sql".into(),
                line: 1,
                other_file: "1_a.sql".into()
            }]
        );
    }

    #[test]
    fn duplicate_labels_and_labels_equal_to_ids_are_refused() {
        let errs = errors(&["a label=x", "b<-a label=x", "c<-b label=a"]);
        let text: Vec<String> = errs.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            vec![
                "b.sql:3: branch label `x` of revision b is already used by revision a",
                "c.sql:3: branch label `a` of revision c is already used by revision a",
            ]
        );
    }

    #[test]
    fn cycles_are_listed() {
        let errs = errors(&["a<-c", "b<-a", "c<-b", "d"]);
        assert_eq!(errs.len(), 1);
        assert_eq!(
            errs[0].to_string(),
            "cycle in the revision graph: a -> c -> b -> a"
        );
    }

    #[test]
    fn dependency_cycles_and_self_loops_are_cycles() {
        let errs = errors(&["a dep=b", "b<-a"]);
        assert_eq!(
            errs[0].to_string(),
            "cycle in the revision graph: a -> b -> a"
        );
        let errs = errors(&["a<-a"]);
        assert_eq!(errs[0].to_string(), "cycle in the revision graph: a -> a");
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let files = vec![
            (
                "1.sql".to_string(),
                "-- revision: a\n-- bogus: 1\n-- migrate:up\n".to_string(),
            ),
            ("2.sql".to_string(), "-- revision: b\n".to_string()),
            file("c<-nope"),
        ];
        let errs = RevisionGraph::from_files(&files).unwrap_err();
        let text = errs.to_string();
        assert_eq!(text.lines().count(), 3, "{text}");
        assert!(
            text.contains("1.sql:2: unknown header key `bogus`"),
            "{text}"
        );
        assert!(
            text.contains("2.sql:1: missing `-- migrate:up` marker"),
            "{text}"
        );
        assert!(
            text.contains("c.sql:2: revision c names unknown down_revision `nope`"),
            "{text}"
        );
    }
}
