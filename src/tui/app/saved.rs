//! Saved views: what the user set up and expects back next time in this workspace: the marks
//! (and so the compare baseline, the earliest marked run: the explorer has no other pinned
//! baseline), the tree's filter (query), and the layout (maximised pane, tree hidden, focus).
//! `saved_views.rs` keeps them in the user's state directory; here they are taken from the state and
//! put back, purely.
//!
//! Refs that no longer parse are dropped on restore; runs that no longer exist are dropped by
//! the tree when the run list arrives.

use super::AppState;
use crate::model::Ref;
use crate::tui::action::PaneId;
use serde::{Deserialize, Serialize};

/// The file's layout. Unknown fields are ignored and missing ones take their defaults, so an
/// older or newer file still restores what it can.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SavedView {
    pub version: u32,
    /// The workspace's canonical path (the file name is its hash: this tells a collision).
    pub workspace: String,
    pub marks: Vec<String>,
    pub tree_filter: String,
    pub layout: SavedLayout,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SavedLayout {
    pub maximized: bool,
    pub tree_hidden: bool,
    /// A pane's name (`tree`, `metrics`, …).
    pub focus: String,
    /// The right-hand pane of the narrow layout.
    pub main: String,
}

pub const SAVED_VIEW_VERSION: u32 = 1;

fn pane_named(name: &str) -> Option<PaneId> {
    PaneId::ALL.iter().copied().find(|p| p.name() == name)
}

impl AppState {
    /// The view as it stands, to save.
    pub fn saved_view(&self, workspace: &str) -> SavedView {
        let s = &self.shared;
        SavedView {
            version: SAVED_VIEW_VERSION,
            workspace: workspace.to_string(),
            marks: s.marks.iter().map(|r| r.as_str().to_string()).collect(),
            tree_filter: self.panes.tree.filter.clone(),
            layout: SavedLayout {
                maximized: s.maximized,
                tree_hidden: s.tree_hidden,
                focus: s.focus.name().to_string(),
                main: s.main.name().to_string(),
            },
        }
    }

    /// Puts a saved view back (at start, before anything is loaded).
    pub fn restore_view(&mut self, v: &SavedView) {
        let s = &mut self.shared;
        s.marks = v
            .marks
            .iter()
            .filter_map(|m| Ref::parse(m).ok())
            .filter(|r| r.kind() == "run")
            .collect();
        s.maximized = v.layout.maximized;
        s.tree_hidden = v.layout.tree_hidden;
        if let Some(p) = pane_named(&v.layout.focus) {
            s.focus = p;
        }
        // The main pane is never the tree (the tree has its own column).
        if let Some(p) = pane_named(&v.layout.main).filter(|p| *p != PaneId::Tree) {
            s.main = p;
        }
        self.panes.tree.restore_filter(&v.tree_filter);
    }
}
