//! Target expressions, resolved as Alembic 1.20 resolves them
//! (`RevisionMap._resolve_revision_number`, `_revision_for_ident`, `_walk`,
//! `_parse_upgrade_target`, `_parse_downgrade_target`).
//!
//! | expression | means |
//! |---|---|
//! | `1975ea83b712` | that revision |
//! | `1975ea` | the revision or branch label this unique prefix names (only names longer than 3 characters match a prefix, as in Alembic) |
//! | `shop` | the revision that declares branch label `shop` |
//! | `head` | the one head; an error listing the heads if there are several |
//! | `heads` | all real heads (nothing names them as parent or dependency) |
//! | `base` | nothing applied |
//! | `shop@head`, `1975ea@head` | the one head that shares lineage with the label's (or id's) revision |
//! | `shop@heads` | every head on that lineage |
//! | `shop@1975ea` | a revision that must be on that lineage |
//! | `+N`, `-N`, `<id>+N`, `<id>-N`, `<label>@+N` | relative, for directional runs only |
//!
//! Revisor extension: several expressions joined by commas pin several
//! targets at once (`shop@head,billing@head`).

use super::{RevIdx, RevisionGraph};

/// Why a target expression does not resolve. Messages follow Alembic's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// Nothing has this id, label or prefix.
    #[error("no such revision or branch `{0}`{hint}", hint = if .0.len() < 4 { "; a partial revision id needs at least four characters" } else { "" })]
    NoSuchRevision(String),
    /// A prefix that matches several ids or labels.
    #[error("ambiguous prefix `{prefix}`: matches {}", .candidates.join(", "))]
    Ambiguous {
        /// The prefix.
        prefix: String,
        /// Every id and label it matches.
        candidates: Vec<String>,
    },
    /// The part before `@` names no branch label or revision.
    #[error("no such branch: `{0}`")]
    NoSuchBranch(String),
    /// `label@id` where the revision is not on that label's lineage.
    #[error("revision {revision} is not a member of branch `{label}`")]
    NotOnBranch {
        /// The revision.
        revision: String,
        /// The label.
        label: String,
    },
    /// `head` (or `label@head`, or a single-revision position) with several heads.
    #[error("multiple heads are present for `{expression}`: {}; name one, or use `heads`", .heads.join(", "))]
    MultipleHeads {
        /// The expression.
        expression: String,
        /// The candidate heads.
        heads: Vec<String>,
    },
    /// Upgrade targets of which one is an ancestor of another.
    #[error("requested revision {revision} overlaps with other requested revision {other}")]
    Overlap {
        /// One target.
        revision: String,
        /// A target it is an ancestor or descendant of.
        other: String,
    },
    /// A relative move that runs off the graph or the current state.
    #[error("relative revision `{0}` does not lead to a revision from here")]
    RelativeOutOfRange(String),
    /// A relative move that meets a branch point or merge on the way.
    #[error("relative revision `{0}` is ambiguous here: the walk meets a branch point or merge; name a revision or a branch label")]
    AmbiguousWalk(String),
    /// `-N` with several current heads and no branch label (Alembic warns
    /// and walks from the first row the database returns; Revisor refuses).
    #[error("ambiguous downgrade `{0}` from multiple current heads; use `<label>@-N` or `<id>-N`")]
    AmbiguousDowngrade(String),
    /// `+N` with several current heads and no branch label.
    #[error("ambiguous upgrade `{0}` from multiple current heads; use `<label>@+N` or `<id>+N`")]
    AmbiguousUpgrade(String),
    /// A relative expression where only absolute ones are allowed.
    #[error("relative target `{0}` is only for `upgrade` and `downgrade` (or `plan --upgrade/--downgrade`)")]
    RelativeNotAllowed(String),
    /// An expression that cannot be used in this position.
    #[error("invalid target `{expression}`: {reason}")]
    Invalid {
        /// The expression.
        expression: String,
        /// Why.
        reason: &'static str,
    },
}

/// A resolved downgrade destination: the revision to keep (`None` for
/// `base`) and the branch label that narrows what is unapplied, as in
/// Alembic's `_parse_downgrade_target`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The branch label (or revision id used as one), if any.
    pub branch: Option<String>,
    /// The destination; `None` is `base`.
    pub revision: Option<RevIdx>,
}

/// A position while walking: below every base, nothing yet (walking up
/// starts at the bases), or a revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pos {
    /// Alembic's `"base"` string: below the bases.
    Base,
    /// Alembic's `None`: start of an upward walk.
    Start,
    /// A revision.
    Rev(RevIdx),
}

/// A relative expression: `[label@][symbol](+|-)N`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Relative<'a> {
    pub label: Option<&'a str>,
    pub symbol: Option<&'a str>,
    pub steps: i64,
}

/// Parses a relative expression as Alembic's
/// `(?:(.+?)@)?(\w+)?((?:\+|-)\d+)` does, except that trailing text after
/// the number is refused rather than ignored.
pub(crate) fn parse_relative(expr: &str) -> Option<Relative<'_>> {
    fn rest(s: &str) -> Option<(Option<&str>, i64)> {
        let w = s
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
        let (sym, num) = s.split_at(w);
        let digits = num.get(1..)?;
        if !(num.starts_with('+') || num.starts_with('-'))
            || digits.is_empty()
            || !digits.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let n: i64 = digits.parse().ok()?;
        Some((
            (!sym.is_empty()).then_some(sym),
            if num.starts_with('-') { -n } else { n },
        ))
    }
    for (at, _) in expr.match_indices('@') {
        if at == 0 {
            continue;
        }
        if let Some((symbol, steps)) = rest(&expr[at + 1..]) {
            return Some(Relative {
                label: Some(&expr[..at]),
                symbol,
                steps,
            });
        }
    }
    rest(expr).map(|(symbol, steps)| Relative {
        label: None,
        symbol,
        steps,
    })
}

impl RevisionGraph {
    /// Resolves absolute target expressions, comma-separated, to revisions
    /// in the order given (Alembic's `get_revisions` for each). `base`
    /// contributes nothing, so the result may be empty.
    ///
    /// # Errors
    /// [`TargetError`] for unknown names, ambiguous prefixes, `head` with
    /// several heads, and relative expressions.
    pub fn resolve_targets(&self, exprs: &str) -> Result<Vec<RevIdx>, TargetError> {
        let mut out = Vec::new();
        for expr in split_targets(exprs)? {
            if parse_relative(expr).is_some() {
                return Err(TargetError::RelativeNotAllowed(expr.to_owned()));
            }
            for r in self.get_revisions(expr)? {
                if !out.contains(&r) {
                    out.push(r);
                }
            }
        }
        Ok(out)
    }

    /// Resolves the target of a directional upgrade from the `current` heads,
    /// relative expressions included (Alembic's `_parse_upgrade_target`),
    /// and checks that no target is an ancestor of another (Alembic's
    /// overlap check).
    ///
    /// # Errors
    /// As [`RevisionGraph::resolve_targets`], plus relative moves that run
    /// off the graph or meet a fork, and overlapping targets.
    pub fn resolve_upgrade_targets(
        &self,
        exprs: &str,
        current: &[RevIdx],
    ) -> Result<Vec<RevIdx>, TargetError> {
        let mut out = Vec::new();
        for expr in split_targets(exprs)? {
            let revs = match parse_relative(expr) {
                Some(rel) => vec![self.upgrade_relative(expr, &rel, current)?],
                None => self.get_revisions(expr)?,
            };
            out.extend(revs);
        }
        self.check_overlap(&out)?;
        Ok(out)
    }

    /// Resolves the destination of a directional downgrade from the
    /// `current` heads (Alembic's `_parse_downgrade_target`). A single
    /// expression only: Alembic has no multi-target downgrade.
    ///
    /// # Errors
    /// As [`RevisionGraph::resolve_upgrade_targets`]; several expressions are
    /// [`TargetError::Invalid`].
    pub fn resolve_downgrade_target(
        &self,
        expr: &str,
        current: &[RevIdx],
    ) -> Result<Resolved, TargetError> {
        let parts = split_targets(expr)?;
        if parts.len() != 1 {
            return Err(TargetError::Invalid {
                expression: expr.to_owned(),
                reason: "a downgrade takes one target",
            });
        }
        let expr = parts[0];
        let Some(rel) = parse_relative(expr) else {
            // Absolute: the label (before the last `@`) only narrows what is unapplied.
            let (branch, symbol) = match expr.rsplit_once('@') {
                Some((b, s)) if !b.is_empty() => (Some(b.to_owned()), s),
                Some((_, s)) => (None, s),
                None => (None, expr),
            };
            return Ok(Resolved {
                branch,
                revision: self.get_revision(symbol)?,
            });
        };
        let out_of_range = || TargetError::RelativeOutOfRange(expr.to_owned());
        if rel.steps >= 0 {
            let Some(symbol) = rel.symbol else {
                return Err(out_of_range());
            };
            let start = self.get_revision(symbol)?.map_or(Pos::Start, Pos::Rev);
            return match self.walk(start, rel.steps, rel.label, expr)? {
                Some(Pos::Rev(r)) => Ok(Resolved {
                    branch: rel.label.map(str::to_owned),
                    revision: Some(r),
                }),
                Some(Pos::Base) => Ok(Resolved {
                    branch: rel.label.map(str::to_owned),
                    revision: None,
                }),
                _ => Err(out_of_range()),
            };
        }
        let (branch, start_symbol) = match (rel.symbol, rel.label) {
            (Some(sym), label) => (label.map(str::to_owned), sym.to_owned()),
            (None, Some(label)) => {
                let on_branch = self.filter_for_lineage(current, label)?;
                let candidates = if on_branch.is_empty() {
                    // Alembic's `_get_all_current`: the branch tips of
                    // everything applied, then those on the label's lineage.
                    let applied = self.closure(current.iter().copied());
                    let tips: Vec<RevIdx> = applied
                        .ones()
                        .filter(|&r| !self.children[r].iter().any(|&c| applied.contains(c)))
                        .collect();
                    self.filter_for_lineage(&tips, label)?
                } else {
                    on_branch
                };
                if candidates.len() != 1 {
                    return Err(TargetError::AmbiguousWalk(expr.to_owned()));
                }
                (Some(label.to_owned()), self.revs[candidates[0]].id.clone())
            }
            (None, None) => {
                // Alembic walks down from the first version-table row, in
                // whatever order the database returns rows, and warns that
                // this "will be disallowed". Revisor refuses it outright.
                if current.len() > 1 {
                    return Err(TargetError::AmbiguousDowngrade(expr.to_owned()));
                }
                let Some(&first) = current.first() else {
                    return Err(out_of_range());
                };
                let id = self.revs[first].id.clone();
                (Some(id.clone()), id)
            }
        };
        let start = match &branch {
            Some(b) => self.get_revision(&format!("{b}@{start_symbol}"))?,
            None => self.get_revision(&start_symbol)?,
        };
        let start = start.map_or(Pos::Start, Pos::Rev);
        match self.walk(start, rel.steps, None, expr)? {
            Some(Pos::Rev(r)) => Ok(Resolved {
                branch,
                revision: Some(r),
            }),
            Some(Pos::Base) => Ok(Resolved {
                branch,
                revision: None,
            }),
            _ => Err(out_of_range()),
        }
    }

    fn upgrade_relative(
        &self,
        expr: &str,
        rel: &Relative<'_>,
        current: &[RevIdx],
    ) -> Result<RevIdx, TargetError> {
        let out_of_range = || TargetError::RelativeOutOfRange(expr.to_owned());
        let end = if rel.steps > 0 {
            let start = match rel.symbol {
                Some(sym) => self.get_revision(sym)?.map_or(Pos::Start, Pos::Rev),
                None => {
                    let mut starts: Vec<Pos> = current.iter().map(|&r| Pos::Rev(r)).collect();
                    if let Some(label) = rel.label {
                        let on_branch = self.filter_for_lineage(current, label)?;
                        starts = if on_branch.is_empty() {
                            // The branch is not a current head: start from the
                            // tips of what is applied on it, or from nothing.
                            let applied = self.closure(current.iter().copied());
                            let active: Vec<RevIdx> = self
                                .filter_for_lineage(&applied.ones().collect::<Vec<_>>(), label)?;
                            let tips: Vec<Pos> = active
                                .iter()
                                .copied()
                                .filter(|&r| {
                                    !active.iter().any(|&o| self.norm_down[o].contains(&r))
                                })
                                .map(Pos::Rev)
                                .collect();
                            if tips.is_empty() {
                                vec![Pos::Start]
                            } else {
                                tips
                            }
                        } else {
                            on_branch.into_iter().map(Pos::Rev).collect()
                        };
                    }
                    if starts.is_empty() {
                        starts.push(Pos::Start);
                    }
                    if starts.len() > 1 {
                        return Err(TargetError::AmbiguousUpgrade(expr.to_owned()));
                    }
                    starts[0]
                }
            };
            self.walk(start, rel.steps, rel.label, expr)?
        } else {
            let Some(sym) = rel.symbol else {
                return Err(out_of_range());
            };
            let start = match rel.label {
                Some(label) => self.get_revision(&format!("{label}@{sym}"))?,
                None => self.get_revision(sym)?,
            };
            self.walk(start.map_or(Pos::Start, Pos::Rev), rel.steps, None, expr)?
        };
        match end {
            Some(Pos::Rev(r)) => Ok(r),
            Some(Pos::Base) => Err(TargetError::Invalid {
                expression: expr.to_owned(),
                reason: "upgrading to base is a downgrade",
            }),
            _ => Err(out_of_range()),
        }
    }

    /// Alembic's `_walk` with `no_overwalk=True`: `steps` up (children,
    /// filtered to the label's lineage) or down (`down_revision` only).
    /// `None` when the walk runs off the graph.
    fn walk(
        &self,
        mut pos: Pos,
        steps: i64,
        label: Option<&str>,
        expr: &str,
    ) -> Result<Option<Pos>, TargetError> {
        for _ in 0..steps.unsigned_abs() {
            let next: Vec<Pos> = if steps > 0 {
                let up: Vec<RevIdx> = match pos {
                    Pos::Base => return Err(TargetError::RelativeOutOfRange(expr.to_owned())),
                    Pos::Start => self.bases.clone(),
                    Pos::Rev(r) => self.children[r].clone(),
                };
                let up = match label {
                    Some(l) => self.filter_for_lineage(&up, l)?,
                    None => up,
                };
                up.into_iter().map(Pos::Rev).collect()
            } else {
                match pos {
                    Pos::Base => Vec::new(),
                    Pos::Start => self.heads.iter().map(|&h| Pos::Rev(h)).collect(),
                    Pos::Rev(r) if self.parents[r].is_empty() => vec![Pos::Base],
                    Pos::Rev(r) => self.parents[r].iter().map(|&p| Pos::Rev(p)).collect(),
                }
            };
            match next.as_slice() {
                [] => return Ok(None),
                [one] => pos = *one,
                _ => return Err(TargetError::AmbiguousWalk(expr.to_owned())),
            }
        }
        Ok(Some(pos))
    }

    /// Alembic's `get_revision`: at most one revision (`None` is base).
    fn get_revision(&self, expr: &str) -> Result<Option<RevIdx>, TargetError> {
        let revs = self.get_revisions(expr)?;
        if revs.len() > 1 {
            return Err(TargetError::MultipleHeads {
                expression: expr.to_owned(),
                heads: self.ids(revs),
            });
        }
        Ok(revs.first().copied())
    }

    /// Alembic's `get_revisions` for one absolute expression.
    fn get_revisions(&self, expr: &str) -> Result<Vec<RevIdx>, TargetError> {
        let (label, id) = match expr.split_once('@') {
            Some((l, i)) => (Some(l), i),
            None => (None, expr),
        };
        let ids: Vec<RevIdx> = match id {
            "heads" => match label {
                Some(l) => self.filter_for_lineage(&self.heads, l)?,
                None => self.real_heads.clone(),
            },
            "head" => {
                let heads = match label {
                    Some(l) => self.filter_for_lineage(&self.heads, l)?,
                    None => self.heads.clone(),
                };
                if heads.len() > 1 {
                    let expression =
                        label.map_or_else(|| "head".to_owned(), |l| format!("{l}@head"));
                    return Err(TargetError::MultipleHeads {
                        expression,
                        heads: self.ids(heads),
                    });
                }
                heads
            }
            "base" | "" => Vec::new(),
            other => return Ok(vec![self.revision_for_ident(other, label)?]),
        };
        // Alembic re-checks each resolved id against the branch.
        if let Some(l) = label {
            for &r in &ids {
                self.revision_for_ident(&self.revs[r].id, Some(l))?;
            }
        }
        Ok(ids)
    }

    /// Alembic's `_revision_for_ident`: an exact id or label, else a unique
    /// prefix of ids and labels longer than three characters; with a branch,
    /// the revision must share its lineage.
    fn revision_for_ident(&self, ident: &str, branch: Option<&str>) -> Result<RevIdx, TargetError> {
        let branch_rev = match branch {
            Some(b) => Some(self.resolve_branch(b)?),
            None => None,
        };
        let rev = match self.exact(ident) {
            Some(r) => r,
            None => {
                let mut matches: Vec<(&str, RevIdx)> = self
                    .by_id
                    .iter()
                    .chain(self.by_label.iter())
                    .filter(|(k, _)| k.len() > 3 && k.starts_with(ident))
                    .map(|(k, &v)| (k.as_str(), v))
                    .collect();
                if let Some(br) = branch_rev {
                    matches.retain(|&(_, r)| self.shares_lineage(r, br));
                }
                matches.sort_unstable();
                match matches.as_slice() {
                    [] => return Err(TargetError::NoSuchRevision(ident.to_owned())),
                    [(_, r)] => *r,
                    _ => {
                        return Err(TargetError::Ambiguous {
                            prefix: ident.to_owned(),
                            candidates: matches.iter().map(|(k, _)| (*k).to_owned()).collect(),
                        })
                    }
                }
            }
        };
        if let (Some(br), Some(label)) = (branch_rev, branch) {
            if !self.shares_lineage(rev, br) {
                return Err(TargetError::NotOnBranch {
                    revision: self.revs[rev].id.clone(),
                    label: label.to_owned(),
                });
            }
        }
        Ok(rev)
    }

    fn exact(&self, ident: &str) -> Option<RevIdx> {
        self.by_id
            .get(ident)
            .or_else(|| self.by_label.get(ident))
            .copied()
    }

    /// Alembic's `_resolve_branch`: a label or id exactly, else a prefix.
    fn resolve_branch(&self, branch: &str) -> Result<RevIdx, TargetError> {
        match self.exact(branch) {
            Some(r) => Ok(r),
            None => self.revision_for_ident(branch, None).map_err(|e| match e {
                TargetError::NoSuchRevision(_) => TargetError::NoSuchBranch(branch.to_owned()),
                other => other,
            }),
        }
    }

    /// Alembic's `filter_for_lineage` without dependencies: the members of
    /// `revs` that are ancestors or descendants (through `down_revision`) of
    /// the revision `check` names.
    fn filter_for_lineage(&self, revs: &[RevIdx], check: &str) -> Result<Vec<RevIdx>, TargetError> {
        let (label, id) = match check.split_once('@') {
            Some((l, i)) => (Some(l), Some(i)),
            None => (None, Some(check)),
        };
        let mut against = Vec::new();
        if let Some(l) = label {
            against.push(self.revision_for_ident(l, None)?);
        }
        if let Some(i) = id {
            against.extend(self.get_revisions(i)?);
        }
        if against.is_empty() {
            return Ok(revs.to_vec());
        }
        Ok(revs
            .iter()
            .copied()
            .filter(|&r| against.iter().any(|&a| self.shares_lineage(r, a)))
            .collect())
    }

    /// Whether `a` is an ancestor or descendant of `b` (or `b` itself)
    /// through `down_revision` only.
    fn shares_lineage(&self, a: RevIdx, b: RevIdx) -> bool {
        self.ancestors([a], false).contains(b) || self.descendants([a], false).contains(b)
    }

    fn check_overlap(&self, targets: &[RevIdx]) -> Result<(), TargetError> {
        for (i, &t) in targets.iter().enumerate() {
            let anc = self.ancestors([t], true);
            for (j, &o) in targets.iter().enumerate() {
                if i != j && o != t && anc.contains(o) {
                    return Err(TargetError::Overlap {
                        revision: self.revs[t].id.clone(),
                        other: self.revs[o].id.clone(),
                    });
                }
            }
        }
        Ok(())
    }
}

fn split_targets(exprs: &str) -> Result<Vec<&str>, TargetError> {
    let parts: Vec<&str> = exprs.split(',').map(str::trim).collect();
    if parts.iter().any(|p| p.is_empty()) && parts.len() > 1 {
        return Err(TargetError::Invalid {
            expression: exprs.to_owned(),
            reason: "empty item in a comma-separated list",
        });
    }
    Ok(parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>())
    .map(|v| if v.is_empty() { vec!["base"] } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::tests::graph;

    fn g() -> RevisionGraph {
        // a1b2c3d4 -> b5e6f7a8 (label shop) -> c9d0e1f2
        //         \-> d3e4f5a6 (label billing)
        graph(&[
            "a1b2c3d4",
            "b5e6f7a8<-a1b2c3d4 label=shop",
            "c9d0e1f2<-b5e6f7a8",
            "d3e4f5a6<-a1b2c3d4 label=billing",
        ])
    }

    fn ids(g: &RevisionGraph, r: Result<Vec<RevIdx>, TargetError>) -> Vec<String> {
        g.ids(r.unwrap_or_else(|e| panic!("{e}")))
    }

    #[test]
    fn exact_ids_prefixes_and_labels() {
        let g = g();
        assert_eq!(ids(&g, g.resolve_targets("c9d0e1f2")), vec!["c9d0e1f2"]);
        assert_eq!(ids(&g, g.resolve_targets("c9d0")), vec!["c9d0e1f2"]);
        assert_eq!(ids(&g, g.resolve_targets("shop")), vec!["b5e6f7a8"]);
        assert_eq!(ids(&g, g.resolve_targets("bill")), vec!["d3e4f5a6"]);
    }

    #[test]
    fn short_or_unknown_prefixes_are_errors() {
        let g = g();
        // As Alembic: ids and labels longer than three characters match any
        // prefix; the hint about four characters comes with a miss.
        assert_eq!(ids(&g, g.resolve_targets("c9d")), vec!["c9d0e1f2"]);
        assert_eq!(
            g.resolve_targets("zz"),
            Err(TargetError::NoSuchRevision("zz".into()))
        );
        assert!(g
            .resolve_targets("zz")
            .unwrap_err()
            .to_string()
            .contains("at least four characters"));
        assert_eq!(
            g.resolve_targets("ffff"),
            Err(TargetError::NoSuchRevision("ffff".into()))
        );
    }

    #[test]
    fn ambiguous_prefix_lists_candidates() {
        let g = graph(&["abcd1111", "abcd2222<-abcd1111"]);
        assert_eq!(
            g.resolve_targets("abcd"),
            Err(TargetError::Ambiguous {
                prefix: "abcd".into(),
                candidates: vec!["abcd1111".into(), "abcd2222".into()]
            })
        );
    }

    #[test]
    fn head_heads_and_base() {
        let g = g();
        assert_eq!(
            g.resolve_targets("head"),
            Err(TargetError::MultipleHeads {
                expression: "head".into(),
                heads: vec!["c9d0e1f2".into(), "d3e4f5a6".into()]
            })
        );
        assert_eq!(
            ids(&g, g.resolve_targets("heads")),
            vec!["c9d0e1f2", "d3e4f5a6"]
        );
        assert!(g.resolve_targets("base").unwrap().is_empty());
        assert_eq!(ids(&g, g.resolve_targets("shop@head")), vec!["c9d0e1f2"]);
        assert_eq!(ids(&g, g.resolve_targets("billing@head")), vec!["d3e4f5a6"]);
        assert_eq!(
            ids(&g, g.resolve_targets("b5e6f7a8@head")),
            vec!["c9d0e1f2"]
        );
    }

    #[test]
    fn comma_separated_targets_pin_several_heads() {
        let g = g();
        assert_eq!(
            ids(&g, g.resolve_targets("shop@head, billing@head")),
            vec!["c9d0e1f2", "d3e4f5a6"]
        );
    }

    #[test]
    fn label_and_revision_must_share_lineage() {
        let g = g();
        assert_eq!(
            g.resolve_targets("billing@c9d0e1f2"),
            Err(TargetError::NotOnBranch {
                revision: "c9d0e1f2".into(),
                label: "billing".into()
            })
        );
        assert_eq!(
            g.resolve_targets("nope@head"),
            Err(TargetError::NoSuchRevision("nope".into()))
        );
    }

    #[test]
    fn relative_targets_are_refused_for_declarative_use() {
        let g = g();
        assert_eq!(
            g.resolve_targets("+1"),
            Err(TargetError::RelativeNotAllowed("+1".into()))
        );
    }

    #[test]
    fn parses_relative_expressions_like_alembic() {
        assert_eq!(
            parse_relative("+2"),
            Some(Relative {
                label: None,
                symbol: None,
                steps: 2
            })
        );
        assert_eq!(
            parse_relative("ae10-1"),
            Some(Relative {
                label: None,
                symbol: Some("ae10"),
                steps: -1
            })
        );
        assert_eq!(
            parse_relative("shop@+1"),
            Some(Relative {
                label: Some("shop"),
                symbol: None,
                steps: 1
            })
        );
        assert_eq!(
            parse_relative("shop@ae10+3"),
            Some(Relative {
                label: Some("shop"),
                symbol: Some("ae10"),
                steps: 3
            })
        );
        assert_eq!(parse_relative("ae10"), None);
        assert_eq!(parse_relative("shop@head"), None);
    }

    #[test]
    fn upgrade_relative_walks_up_from_current() {
        let g = g();
        let a = g.index_of("a1b2c3d4").unwrap();
        let b = g.index_of("b5e6f7a8").unwrap();
        assert_eq!(
            ids(&g, g.resolve_upgrade_targets("+1", &[])),
            vec!["a1b2c3d4"]
        );
        assert_eq!(
            ids(&g, g.resolve_upgrade_targets("+1", &[b])),
            vec!["c9d0e1f2"]
        );
        assert_eq!(
            g.resolve_upgrade_targets("+1", &[a]),
            Err(TargetError::AmbiguousWalk("+1".into()))
        );
        assert_eq!(
            ids(&g, g.resolve_upgrade_targets("shop@+1", &[a])),
            vec!["b5e6f7a8"]
        );
        assert_eq!(
            g.resolve_upgrade_targets("a1b2c3d4+2", &[]),
            Err(TargetError::AmbiguousWalk("a1b2c3d4+2".into()))
        );
        assert_eq!(
            ids(&g, g.resolve_upgrade_targets("b5e6f7a8+1", &[])),
            vec!["c9d0e1f2"]
        );
        assert_eq!(
            g.resolve_upgrade_targets("c9d0e1f2+1", &[]),
            Err(TargetError::RelativeOutOfRange("c9d0e1f2+1".into()))
        );
        assert_eq!(
            ids(&g, g.resolve_upgrade_targets("c9d0e1f2-1", &[])),
            vec!["b5e6f7a8"]
        );
        assert_eq!(
            g.resolve_upgrade_targets("-1", &[b]),
            Err(TargetError::RelativeOutOfRange("-1".into()))
        );
    }

    #[test]
    fn upgrade_targets_may_not_overlap() {
        let g = g();
        assert_eq!(
            g.resolve_upgrade_targets("a1b2c3d4,c9d0e1f2", &[]),
            Err(TargetError::Overlap {
                revision: "c9d0e1f2".into(),
                other: "a1b2c3d4".into()
            })
        );
    }

    #[test]
    fn downgrade_targets_relative_and_absolute() {
        let g = g();
        let c = g.index_of("c9d0e1f2").unwrap();
        let d = g.index_of("d3e4f5a6").unwrap();
        let b = g.index_of("b5e6f7a8").unwrap();
        assert_eq!(
            g.resolve_downgrade_target("-1", &[c]).unwrap(),
            Resolved {
                branch: Some("c9d0e1f2".into()),
                revision: Some(b)
            }
        );
        assert_eq!(
            g.resolve_downgrade_target("-1", &[c, d]),
            Err(TargetError::AmbiguousDowngrade("-1".into()))
        );
        assert_eq!(
            g.resolve_downgrade_target("billing@-1", &[c, d])
                .unwrap()
                .revision,
            g.index_of("a1b2c3d4")
        );
        assert_eq!(
            g.resolve_downgrade_target("base", &[c]).unwrap(),
            Resolved {
                branch: None,
                revision: None
            }
        );
        assert_eq!(
            g.resolve_downgrade_target("shop@b5e6", &[c]).unwrap(),
            Resolved {
                branch: Some("shop".into()),
                revision: Some(b)
            }
        );
        assert_eq!(
            g.resolve_downgrade_target("a1b2c3d4-1", &[c])
                .unwrap()
                .revision,
            None
        );
        assert!(matches!(
            g.resolve_downgrade_target("a1b2c3d4,b5e6f7a8", &[c]),
            Err(TargetError::Invalid { .. })
        ));
        assert_eq!(
            g.resolve_downgrade_target("-1", &[]),
            Err(TargetError::RelativeOutOfRange("-1".into()))
        );
    }
}
