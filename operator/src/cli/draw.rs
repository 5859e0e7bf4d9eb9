//! Drawings of the revision graph: Graphviz dot and Mermaid. Pure.
//!
//! Edges point from a revision to its parent (solid) and to its
//! dependencies (dashed); heads are drawn bold (dot) or with a thick
//! border (Mermaid); revisions applied in a database (`graph --database`)
//! are filled green. Nodes are listed in load order.

use crate::graph::RevisionGraph;
use std::fmt::Write;

/// Fill colour of applied revisions (a light green).
const APPLIED_FILL: &str = "#c8e6c9";

/// The graph in Graphviz dot; `applied` revisions are filled.
pub fn dot(g: &RevisionGraph, applied: &[String]) -> String {
    let mut s = String::from("digraph revisions {\n  rankdir=BT;\n  node [shape=box];\n");
    for (i, r) in g.revisions().iter().enumerate() {
        let mut label = r.id.clone();
        if !r.branch_labels.is_empty() {
            let _ = write!(label, " ({})", r.branch_labels.join(", "));
        }
        if !r.message.is_empty() {
            let _ = write!(label, "\\n{}", dot_escape(&r.message));
        }
        let style = match (g.heads().contains(&i), applied.contains(&r.id)) {
            (false, false) => String::new(),
            (true, false) => ", style=bold".to_owned(),
            (false, true) => format!(", style=filled, fillcolor=\"{APPLIED_FILL}\""),
            (true, true) => format!(", style=\"bold,filled\", fillcolor=\"{APPLIED_FILL}\""),
        };
        let _ = writeln!(s, "  \"{}\" [label=\"{}\"{}];", r.id, label, style);
    }
    for i in 0..g.len() {
        for &p in g.parents(i) {
            let _ = writeln!(s, "  \"{}\" -> \"{}\";", g.rev(i).id, g.rev(p).id);
        }
        for &d in g.dependencies(i) {
            let _ = writeln!(
                s,
                "  \"{}\" -> \"{}\" [style=dashed];",
                g.rev(i).id,
                g.rev(d).id
            );
        }
    }
    s.push_str("}\n");
    s
}

/// The graph as a Mermaid flowchart; `applied` revisions are filled.
pub fn mermaid(g: &RevisionGraph, applied: &[String]) -> String {
    let mut s = String::from("flowchart BT\n");
    for r in g.revisions() {
        let mut label = r.id.clone();
        if !r.branch_labels.is_empty() {
            let _ = write!(label, " ({})", r.branch_labels.join(", "));
        }
        if !r.message.is_empty() {
            let _ = write!(label, ": {}", mermaid_escape(&r.message));
        }
        let _ = writeln!(s, "  {}[\"{}\"]", r.id, label);
    }
    for i in 0..g.len() {
        for &p in g.parents(i) {
            let _ = writeln!(s, "  {} --> {}", g.rev(i).id, g.rev(p).id);
        }
        for &d in g.dependencies(i) {
            let _ = writeln!(s, "  {} -.-> {}", g.rev(i).id, g.rev(d).id);
        }
    }
    if !g.heads().is_empty() {
        let _ = writeln!(s, "  classDef head stroke-width:3px");
        let _ = writeln!(
            s,
            "  class {} head",
            g.ids(g.heads().iter().copied()).join(",")
        );
    }
    let applied: Vec<&str> = g
        .revisions()
        .iter()
        .map(|r| r.id.as_str())
        .filter(|id| applied.iter().any(|a| a == id))
        .collect();
    if !applied.is_empty() {
        let _ = writeln!(s, "  classDef applied fill:{APPLIED_FILL}");
        let _ = writeln!(s, "  class {} applied", applied.join(","));
    }
    s
}

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn mermaid_escape(s: &str) -> String {
    s.replace('"', "#quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::tests::graph;

    #[test]
    fn dot_has_parent_and_dependency_edges_and_bold_heads() {
        let g = graph(&["a", "b<-a", "x", "y<-x dep=b"]);
        let d = dot(&g, &[]);
        assert!(d.starts_with("digraph revisions {"));
        assert!(d.contains("\"b\" -> \"a\";"));
        assert!(d.contains("\"y\" -> \"b\" [style=dashed];"));
        assert!(d.contains("\"y\" [label=\"y\", style=bold];"));
        assert!(d.contains("\"a\" [label=\"a\"];"));
    }

    #[test]
    fn mermaid_has_edges_and_marks_heads() {
        let g = graph(&["a", "b<-a", "c<-a"]);
        let m = mermaid(&g, &[]);
        assert!(m.starts_with("flowchart BT\n"));
        assert!(m.contains("  b --> a\n"));
        assert!(m.contains("  class b,c head\n"));
    }

    #[test]
    fn applied_revisions_are_filled() {
        let g = graph(&["a", "b<-a", "c<-b"]);
        let applied = vec!["a".to_owned(), "b".to_owned()];
        let d = dot(&g, &applied);
        assert!(
            d.contains("\"a\" [label=\"a\", style=filled, fillcolor=\"#c8e6c9\"];"),
            "{d}"
        );
        assert!(d.contains("\"c\" [label=\"c\", style=bold];"), "{d}");
        assert!(mermaid(&g, &applied).contains("  class a,b applied\n"));
    }

    #[test]
    fn quotes_in_messages_are_escaped() {
        let files = vec![(
            "a.sql",
            "-- revision: a\n-- message: say \"hi\"\n-- migrate:up\n",
        )];
        let g = RevisionGraph::from_files(&files).unwrap();
        assert!(
            dot(&g, &[]).contains("\\n say \\\"hi\\\"")
                || dot(&g, &[]).contains("\\nsay \\\"hi\\\"")
        );
        assert!(mermaid(&g, &[]).contains("say #quot;hi#quot;"));
    }
}
