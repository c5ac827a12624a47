//! The lineage graph around one entity, built with petgraph from the edges the query layer
//! walked: nodes with their kind, edges with their relation, cycles and dangling refs reported
//! (never looped on), and text and DOT renderings.

use crate::model::{EdgeFact, Ref};
use petgraph::graph::{DiGraph, NodeIndex};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Flow {
    Upstream,
    Downstream,
    Both,
}

impl Flow {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "upstream" | "inbound" => Flow::Upstream,
            "downstream" | "outbound" => Flow::Downstream,
            "both" => Flow::Both,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Node {
    #[serde(rename = "ref")]
    pub node_ref: String,
    pub kind: String,
    /// False when something points at it but it does not exist.
    pub exists: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub relation: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relation_ref: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LineageGraph {
    pub root: String,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    /// Each cycle's refs (a strongly connected component with more than one node).
    pub cycles: Vec<Vec<String>>,
    pub dangling: Vec<String>,
}

pub fn build(root: &Ref, edges: &[EdgeFact], missing: &BTreeSet<Ref>) -> LineageGraph {
    let mut g: DiGraph<Ref, String> = DiGraph::new();
    let mut idx: BTreeMap<Ref, NodeIndex> = BTreeMap::new();
    let mut node = |g: &mut DiGraph<Ref, String>, r: &Ref| -> NodeIndex {
        *idx.entry(r.clone())
            .or_insert_with(|| g.add_node(r.clone()))
    };
    node(&mut g, root);
    let mut uniq: BTreeSet<&EdgeFact> = BTreeSet::new();
    for e in edges {
        if uniq.insert(e) {
            let (a, b) = (node(&mut g, &e.from), node(&mut g, &e.to));
            g.add_edge(a, b, e.relation.clone());
        }
    }
    let cycles: Vec<Vec<String>> = petgraph::algo::tarjan_scc(&g)
        .into_iter()
        .filter(|c| c.len() > 1)
        .map(|c| {
            let mut v: Vec<String> = c.iter().map(|i| g[*i].to_string()).collect();
            v.sort();
            v
        })
        .collect();
    let mut nodes: Vec<Node> = g
        .node_indices()
        .map(|i| Node {
            node_ref: g[i].to_string(),
            kind: g[i].kind().to_string(),
            exists: !missing.contains(&g[i]),
        })
        .collect();
    nodes.sort_by(|a, b| {
        (a.node_ref != root.as_str(), &a.node_ref).cmp(&(b.node_ref != root.as_str(), &b.node_ref))
    });
    let mut out_edges: Vec<Edge> = uniq
        .iter()
        .map(|e| Edge {
            from: e.from.to_string(),
            to: e.to.to_string(),
            relation: e.relation.clone(),
            relation_ref: e.relation_ref.as_ref().map(|r| r.to_string()),
        })
        .collect();
    out_edges.sort_by(|a, b| (&a.from, &a.to, &a.relation).cmp(&(&b.from, &b.to, &b.relation)));
    LineageGraph {
        root: root.to_string(),
        nodes,
        edges: out_edges,
        cycles,
        dangling: missing.iter().map(|r| r.to_string()).collect(),
    }
}

impl LineageGraph {
    /// Graphviz DOT: nodes labelled by ref, edges by relation; missing nodes dashed.
    pub fn to_dot(&self) -> String {
        let q = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
        let mut out = String::from("digraph lineage {\n  rankdir=LR;\n  node [shape=box];\n");
        for n in &self.nodes {
            let mut attrs = vec![format!("label={}", q(&n.node_ref))];
            if n.node_ref == self.root {
                attrs.push("style=bold".into());
            }
            if !n.exists {
                attrs.push("style=dashed".into());
            }
            out.push_str(&format!("  {} [{}];\n", q(&n.node_ref), attrs.join(", ")));
        }
        for e in &self.edges {
            out.push_str(&format!(
                "  {} -> {} [label={}];\n",
                q(&e.from),
                q(&e.to),
                q(&e.relation)
            ));
        }
        out.push_str("}\n");
        out
    }

    /// Upstream (edges into) and downstream (edges out of) neighbours of `r`.
    pub fn neighbours(&self, r: &str) -> (Vec<&Edge>, Vec<&Edge>) {
        let up = self.edges.iter().filter(|e| e.to == r).collect();
        let down = self.edges.iter().filter(|e| e.from == r).collect();
        (up, down)
    }

    /// A readable outline: the root, then what feeds it and what it feeds, depth by depth.
    pub fn to_text(&self) -> Vec<String> {
        let mut lines = vec![self.root.clone()];
        let walk = |upstream: bool, lines: &mut Vec<String>| {
            let mut seen: BTreeSet<String> = BTreeSet::from([self.root.clone()]);
            let mut frontier = vec![(self.root.clone(), 1usize)];
            while let Some((at, depth)) = frontier.pop() {
                let (up, down) = self.neighbours(&at);
                let next = if upstream { up } else { down };
                for e in next.into_iter().rev() {
                    let other = if upstream { &e.from } else { &e.to };
                    let arrow = if upstream { "<-" } else { "->" };
                    let again = !seen.insert(other.clone());
                    lines.push(format!(
                        "{}{arrow} [{}] {}{}",
                        "  ".repeat(depth),
                        e.relation,
                        other,
                        if again { " (seen)" } else { "" }
                    ));
                    if !again {
                        frontier.push((other.clone(), depth + 1));
                    }
                }
            }
        };
        walk(true, &mut lines);
        walk(false, &mut lines);
        for c in &self.cycles {
            lines.push(format!("cycle: {}", c.join(" -> ")));
        }
        for d in &self.dangling {
            lines.push(format!("dangling: {d} (referenced, does not exist)"));
        }
        lines
    }
}
