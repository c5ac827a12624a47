//! The lineage navigator pane: the graph around the focused entity, which side (upstream on
//! the left, downstream on the right) and which neighbour is selected, and the tree selection
//! it was opened from (so focusing it again re-centres only when that changed). `Enter`
//! re-centres on a neighbour, `o` goes to its own view, `d` shows the node in full, `y` copies
//! its ref; `w` wraps long refs and `<`/`>` scroll them (h/l and ←/→ pick the side here).
//!
//! Pure: returns queries through `Cx`; the worker builds graphs (`fetch.rs`), `view.rs` draws.

mod fetch;
mod view;

use super::{Info, Pane, PaneKind, Place};
use crate::analysis::lineage::{Edge, LineageGraph};
use crate::model::Ref;
use crate::tui::action::{Action, PaneId};
use crate::tui::context::{Cx, Detail, FlashLevel, Intent, Load, Overlay};
use crate::tui::wrapping::{SCROLL_WHILE_WRAPPED, TextView};
use crate::tui::effect::{Lane, Priority};

/// Hops read around the focus: neighbours, and theirs shown dimmed.
pub const DEPTH: usize = 2;

#[derive(Clone, Debug, PartialEq)]
pub enum Query {
    /// The lineage neighbourhood (both directions, `depth` hops) of a ref as typed.
    Graph { root: String, depth: usize },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Loaded {
    Graph(Box<LineageGraph>),
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Side {
    #[default]
    Up,
    Down,
}

#[derive(Clone, Debug, Default)]
pub struct LineagePane {
    /// The focus as asked (a ref, or text for the worker to resolve).
    pub root: Option<String>,
    /// The tree selection the navigator was opened from.
    pub origin: Option<Ref>,
    pub load: Load,
    pub graph: Option<Box<LineageGraph>>,
    pub side: Side,
    pub selected: usize,
    /// Long refs cut (and scrolled sideways) or wrapped.
    pub view: TextView,
}

impl LineagePane {
    fn start(&mut self, root: String, origin: Option<Ref>) {
        self.root = Some(root);
        self.origin = origin;
        self.load = Load::Loading;
        self.selected = 0;
    }

    /// (edges into the focus, edges out of it).
    pub fn sides(&self) -> (Vec<&Edge>, Vec<&Edge>) {
        match &self.graph {
            Some(g) => g.neighbours(&g.root),
            None => (vec![], vec![]),
        }
    }

    fn side_len(&self, side: Side) -> usize {
        let (up, down) = self.sides();
        match side {
            Side::Up => up.len(),
            Side::Down => down.len(),
        }
    }

    /// Puts the selection on a side that has neighbours (the upstream one first).
    pub fn settle(&mut self) {
        if self.side_len(self.side) == 0 {
            self.side = match self.side {
                Side::Up => Side::Down,
                Side::Down => Side::Up,
            };
        }
        self.selected = self
            .selected
            .min(self.side_len(self.side).saturating_sub(1));
    }

    fn move_neighbour(&mut self, delta: isize) {
        let n = self.side_len(self.side);
        if n == 0 {
            return;
        }
        let cur = self.selected as isize;
        self.selected = cur.saturating_add(delta).clamp(0, n as isize - 1) as usize;
    }

    /// Switches side when the other one has neighbours.
    fn move_side(&mut self, right: bool) {
        let want = if right { Side::Down } else { Side::Up };
        if want != self.side && self.side_len(want) > 0 {
            self.side = want;
            self.selected = self.selected.min(self.side_len(want) - 1);
        }
    }

    /// The selected neighbour's ref.
    pub fn selected_ref(&self) -> Option<String> {
        let (up, down) = self.sides();
        match self.side {
            Side::Up => up.get(self.selected).map(|e| e.from.clone()),
            Side::Down => down.get(self.selected).map(|e| e.to.clone()),
        }
    }
}

impl LineagePane {
    /// Opens the navigator on `text`, or on the tree selection (the shown run when none).
    fn open(&mut self, text: Option<String>, cx: &mut Cx<'_>) {
        let origin = cx.shared.selected.clone().or_else(|| cx.shared.run.clone());
        let Some(root) = text.or_else(|| origin.as_ref().map(|r| r.to_string())) else {
            cx.flash(FlashLevel::Warn, "lineage: select something in the tree");
            return;
        };
        self.start(root.clone(), origin);
        cx.ask(Query::Graph { root, depth: DEPTH });
        cx.intent(Intent::Show(PaneId::Lineage));
    }

    /// `Enter`: the selected neighbour becomes the focus.
    fn recentre(&mut self, cx: &mut Cx<'_>) {
        let Some(next) = self.selected_ref() else {
            cx.flash(FlashLevel::Warn, "lineage: no neighbour selected");
            return;
        };
        let origin = self.origin.clone();
        self.start(next.clone(), origin);
        cx.ask(Query::Graph {
            root: next,
            depth: DEPTH,
        });
    }

    /// `o`: the selected neighbour's (or the focus's) own view. A deployment opens the run
    /// that made it (from the graph's run → deployment edge).
    fn jump(&mut self, cx: &mut Cx<'_>) {
        let Some(g) = &self.graph else {
            return;
        };
        let text = self.selected_ref().unwrap_or_else(|| g.root.clone());
        let Ok(target) = Ref::parse(&text) else {
            return;
        };
        let target = match target.kind() {
            "deployment" => g
                .edges
                .iter()
                .filter(|e| e.to == text)
                .find_map(|e| Ref::parse(&e.from).ok().filter(|r| r.kind() == "run"))
                .unwrap_or(target),
            _ => target,
        };
        let exists = g
            .nodes
            .iter()
            .any(|n| n.node_ref == target.as_str() && n.exists);
        if exists {
            cx.intent(Intent::JumpTo(target));
        } else {
            cx.flash(FlashLevel::Warn, format!("jump: {target} does not exist"));
        }
    }
}

impl LineagePane {
    /// The node `d` and `y` are about: the selected neighbour, else the focus.
    fn current(&self) -> Option<String> {
        let g = self.graph.as_ref()?;
        Some(self.selected_ref().unwrap_or_else(|| g.root.clone()))
    }

    /// `d`: the node in full: its ref, kind, whether it exists, and every edge in and out.
    fn detail(&self, cx: &mut Cx<'_>) {
        let (Some(g), Some(node)) = (&self.graph, self.current()) else {
            cx.flash(FlashLevel::Warn, "detail: the lineage has not loaded");
            return;
        };
        let found = g.nodes.iter().find(|n| n.node_ref == node);
        let mut lines = vec![
            format!("ref       {node}"),
            format!("kind      {}", found.map_or("?", |n| n.kind.as_str())),
            format!(
                "exists    {}",
                if found.is_none_or(|n| n.exists) { "yes" } else { "no (dangling)" }
            ),
        ];
        let (ins, outs) = g.neighbours(&node);
        let edge = |dir: &str, e: &Edge, other: &str| {
            let via = e
                .relation_ref
                .as_ref()
                .map_or(String::new(), |r| format!("  (via {r})"));
            format!("  {dir} {} {other}{via}", e.relation)
        };
        lines.push(String::new());
        lines.push(format!("upstream ({})", ins.len()));
        lines.extend(ins.iter().map(|e| edge("←", e, &e.from)));
        lines.push(String::new());
        lines.push(format!("downstream ({})", outs.len()));
        lines.extend(outs.iter().map(|e| edge("→", e, &e.to)));
        let json = serde_json::json!({
            "ref": node,
            "kind": found.map(|n| n.kind.clone()),
            "exists": found.is_none_or(|n| n.exists),
            "upstream": ins,
            "downstream": outs,
        });
        let json = serde_json::to_string_pretty(&json).unwrap_or_else(|e| e.to_string());
        cx.intent(Intent::Overlay(Overlay::Detail(Detail::new(
            format!("lineage node {node}"),
            lines,
            "node JSON",
            json,
        ))));
    }

    /// `y`: the selected neighbour's ref (else the focus's).
    fn copy(&self, cx: &mut Cx<'_>) {
        match self.current() {
            Some(text) => cx.intent(Intent::Copy { what: "ref", text }),
            None => cx.flash(FlashLevel::Warn, "copy: the lineage has not loaded"),
        }
    }
}

impl Pane for LineagePane {
    fn refresh(&mut self, cx: &mut Cx<'_>) {
        if cx.shared.visible(PaneId::Lineage)
            && let Some(root) = self.root.clone()
        {
            cx.ask(Query::Graph { root, depth: DEPTH });
        }
    }

    /// Focusing the navigator re-centres it when the tree selection moved since it was opened.
    fn on_focus(&mut self, cx: &mut Cx<'_>) {
        let origin = cx.shared.selected.clone().or_else(|| cx.shared.run.clone());
        if self.root.is_none() || self.origin != origin {
            self.open(None, cx);
        }
    }

    fn on_action(&mut self, action: &Action, focused: bool, cx: &mut Cx<'_>) -> bool {
        match action {
            Action::Lineage(text) => self.open(text.clone(), cx),
            Action::Open if focused => self.recentre(cx),
            Action::Column(right) if focused => self.move_side(*right),
            Action::Jump if focused => self.jump(cx),
            Action::Detail if focused => self.detail(cx),
            Action::Copy if focused => self.copy(cx),
            Action::ToggleWrap if focused => self.view.toggle_wrap(),
            Action::HScroll(right) if focused => {
                if !self.view.scroll(*right) {
                    cx.flash(FlashLevel::Warn, SCROLL_WHILE_WRAPPED);
                }
            }
            _ => return false,
        }
        true
    }

    fn move_by(&mut self, delta: isize, _cx: &mut Cx<'_>) {
        self.move_neighbour(delta);
    }

    fn on_failed(&mut self, _lane: &'static str, message: &str) {
        self.load = Load::Failed(message.to_string());
    }
}

impl PaneKind for LineagePane {
    const INFO: Info = Info {
        name: "lineage",
        aliases: &[],
        title: "Lineage",
        help: "Lineage",
        place: Place::Investigation,
    };
    type Query = Query;
    type Loaded = Loaded;

    fn lane(_q: &Query) -> Lane {
        Lane::new(Priority::Investigate, "graph")
    }

    fn on_loaded(&mut self, loaded: Loaded, _cx: &mut Cx<'_>) {
        let Loaded::Graph(g) = loaded;
        self.root = Some(g.root.clone());
        self.graph = Some(g);
        self.load = Load::Ready;
        self.settle();
    }
}
