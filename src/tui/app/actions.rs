//! Routing of `Action`s: global ones here, pane-specific ones to the focused pane's state. An
//! action that does not apply says why in the status line (a disabled action is never silent).
//!
//! Pure: returns effects.

use super::cmdline::{Prompt, PromptKind};
use super::filter::parse_record_filter;
use super::metrics::ZOOMS;
use super::tree::{RowKind, TreeSort};
use super::{AppState, FlashLevel, Overlay, WsState};
use crate::sanitize::sanitize;
use crate::tui::action::{Action, Focus, Motion, PaneId, SortKey, Zoom};
use crate::tui::effect::{Effect, Query};

impl AppState {
    pub fn apply(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Quit if self.hold_quit_for_job() => vec![],
            Action::Quit => {
                self.quit = true;
                vec![Effect::Quit]
            }
            Action::Refresh => match self.ws {
                WsState::Ready => self.refresh_all(),
                _ => vec![Effect::Open],
            },
            Action::Help => {
                self.overlay = match self.overlay {
                    Some(Overlay::Help { .. }) => None,
                    _ => Some(Overlay::Help { scroll: 0 }),
                };
                vec![]
            }
            Action::Back => self.back(),
            Action::Command => {
                self.prompt = Some(Prompt::new(PromptKind::Command, ""));
                vec![]
            }
            Action::Focus(f) => self.focus_to(f),
            Action::Select(m) => self.select(m),
            Action::Open => self.open(),
            Action::Expand => self.expand(true),
            Action::Collapse => self.expand(false),
            Action::Mark => self.mark(),
            Action::ClearMarks => {
                self.tree.marks.clear();
                self.load_metric_series()
            }
            Action::Sort(SortKey::Column) => {
                if !self.compare.sort_column() {
                    self.flash(
                        FlashLevel::Warn,
                        "sort column: only in a compare table of 3+ runs",
                    );
                }
                vec![]
            }
            Action::Sort(k) => {
                self.tree.sort = match (k, self.tree.sort) {
                    (SortKey::Start, _) | (SortKey::Toggle, TreeSort::Name) => TreeSort::Start,
                    (SortKey::Name | SortKey::Column, _) | (SortKey::Toggle, TreeSort::Start) => {
                        TreeSort::Name
                    }
                };
                self.clamp_views();
                vec![]
            }
            Action::Filter(None) => {
                let text = match self.focus {
                    PaneId::Tree => self.tree.filter.clone(),
                    PaneId::Stream => self.stream.filter_text.clone(),
                    PaneId::Metrics => self.metrics.filter.clone(),
                    other => {
                        self.flash(
                            FlashLevel::Warn,
                            format!("filter: the {} pane has nothing to filter", other.name()),
                        );
                        return vec![];
                    }
                };
                self.prompt = Some(Prompt::new(PromptKind::Filter(self.focus), &text));
                vec![]
            }
            Action::Filter(Some(text)) => self.set_filter(self.focus, &text, true),
            Action::GotoRun(text) => vec![self.requests.issue(Query::Resolve { text })],
            Action::Follow => {
                let anchor = self.stream.resume();
                let limit = self.page_size().limit();
                self.records(anchor, limit)
            }
            Action::Chart => {
                self.metrics.toggle_pin();
                self.load_metric_series()
            }
            Action::Smooth => {
                self.metrics.smoothing = self.metrics.smoothing.next();
                vec![]
            }
            Action::LogScale => {
                self.metrics.log_y = !self.metrics.log_y;
                vec![]
            }
            Action::XAxis => {
                self.metrics.x_axis = match self.metrics.x_axis {
                    super::metrics::XAxis::Step => super::metrics::XAxis::Time,
                    super::metrics::XAxis::Time => super::metrics::XAxis::Step,
                };
                vec![]
            }
            Action::Zoom(z) => {
                self.metrics.zoom = match z {
                    Zoom::In => (self.metrics.zoom + 1).min(ZOOMS.len() - 1),
                    Zoom::Out => self.metrics.zoom.saturating_sub(1),
                    Zoom::Reset => 0,
                };
                self.load_metric_series()
            }
            Action::Compare(refs) => self.compare(refs),
            Action::Lineage(text) => self.open_lineage(text),
            Action::Column(right) => match self.focus {
                PaneId::Lineage => {
                    self.lineage.move_side(right);
                    vec![]
                }
                PaneId::Compare if self.compare.move_column(right) => vec![],
                _ => {
                    self.flash(
                        FlashLevel::Warn,
                        "column: only in the lineage or a compare table of 3+ runs",
                    );
                    vec![]
                }
            },
            Action::Jump => match self.focus {
                PaneId::Lineage => self.lineage_jump(),
                PaneId::Diagnostics => self.open_evidence(),
                _ => {
                    self.flash(FlashLevel::Warn, "jump: only in the lineage or diagnostics");
                    vec![]
                }
            },
            Action::Report { render, path } => self.report(render, path),
            Action::Export(path) => self.export(path),
            Action::Backup(path) => self.backup(path),
            Action::Nop => vec![],
        }
    }

    fn back(&mut self) -> Vec<Effect> {
        if self.overlay.take().is_some() {
            return vec![];
        }
        let has_filter = match self.focus {
            PaneId::Tree => !self.tree.filter.is_empty(),
            PaneId::Stream => !self.stream.filter_text.is_empty(),
            PaneId::Metrics => !self.metrics.filter.is_empty(),
            _ => false,
        };
        if has_filter {
            return self.set_filter(self.focus, "", true);
        }
        if self.focus != PaneId::Tree {
            return self.focus_to(Focus::Pane(PaneId::Tree));
        }
        vec![]
    }

    fn focus_to(&mut self, f: Focus) -> Vec<Effect> {
        let all = PaneId::CYCLE;
        let idx = all.iter().position(|p| *p == self.focus).unwrap_or(0);
        self.focus = match f {
            Focus::Next => all[(idx + 1) % all.len()],
            Focus::Prev => all[(idx + all.len() - 1) % all.len()],
            Focus::Pane(p) => p,
        };
        if self.focus != PaneId::Tree {
            self.main = self.focus;
        }
        self.clamp_views();
        match self.focus {
            PaneId::Lineage => {
                let mut fx = self.lineage_on_focus();
                fx.extend(self.load_panes(false));
                fx
            }
            PaneId::Compare if self.compare.runs.is_empty() => {
                if self.tree.marks.len() >= 2 {
                    self.compare(vec![])
                } else {
                    self.flash(
                        FlashLevel::Info,
                        "compare: mark runs with Space in the tree, then press c",
                    );
                    self.load_panes(false)
                }
            }
            _ => self.load_panes(false),
        }
    }

    fn select(&mut self, m: Motion) -> Vec<Effect> {
        if let Some(overlay) = &mut self.overlay {
            let scroll = match overlay {
                Overlay::Help { scroll } | Overlay::Record { scroll, .. } => scroll,
            };
            *scroll = match m {
                Motion::Next => *scroll + 1,
                Motion::Prev => scroll.saturating_sub(1),
                Motion::PageDown => *scroll + 10,
                Motion::PageUp => scroll.saturating_sub(10),
                Motion::First => 0,
                Motion::Last => usize::MAX / 2,
            };
            return vec![];
        }
        let page = self.pane_height(self.focus).max(1) as isize;
        match m {
            Motion::Next => self.move_selection(1),
            Motion::Prev => self.move_selection(-1),
            Motion::PageDown => self.move_selection(page),
            Motion::PageUp => self.move_selection(-page),
            Motion::First => match self.focus {
                PaneId::Stream => {
                    let anchor = self.stream.first();
                    let limit = self.page_size().limit();
                    self.records(anchor, limit)
                }
                _ => self.move_selection(-(isize::MAX / 2)),
            },
            Motion::Last => match self.focus {
                PaneId::Stream => self.apply(Action::Follow),
                _ => self.move_selection(isize::MAX / 2),
            },
        }
    }

    fn open(&mut self) -> Vec<Effect> {
        match self.focus {
            PaneId::Tree => self.toggle_node(),
            PaneId::Stream => {
                let Some(row) = self.stream.selected_row() else {
                    self.flash(FlashLevel::Warn, "open: no record selected");
                    return vec![];
                };
                let json = serde_json::to_string_pretty(&row.record.to_json())
                    .unwrap_or_else(|e| format!("cannot show record: {e}"));
                let title = format!(
                    "{} · seq {}",
                    sanitize(row.record.envelope.record_ref.as_str()),
                    row.seq
                );
                self.overlay = Some(Overlay::Record {
                    title,
                    lines: json.lines().map(str::to_string).collect(),
                    scroll: 0,
                });
                vec![]
            }
            PaneId::Metrics => self.apply(Action::Chart),
            PaneId::Diagnostics => self.open_evidence(),
            PaneId::Lineage => self.lineage_recentre(),
            PaneId::Overview | PaneId::Compare | PaneId::Project => vec![],
        }
    }

    fn toggle_node(&mut self) -> Vec<Effect> {
        let Some(kind) = self.tree.selected_kind() else {
            return vec![];
        };
        let Some(node) = self.tree.selected.clone() else {
            return vec![];
        };
        let open = match kind {
            RowKind::Project => self.tree.collapsed.contains(&node),
            RowKind::Run | RowKind::Stage => !self.tree.expanded.contains(&node),
            RowKind::Batch | RowKind::Operation => return vec![],
        };
        self.expand(open)
    }

    fn expand(&mut self, open: bool) -> Vec<Effect> {
        if self.focus != PaneId::Tree {
            self.flash(FlashLevel::Warn, "expand/collapse: only in the run tree");
            return vec![];
        }
        let (Some(kind), Some(node)) = (self.tree.selected_kind(), self.tree.selected.clone())
        else {
            return vec![];
        };
        let mut fx = Vec::new();
        match (kind, open) {
            (RowKind::Project, true) => {
                self.tree.collapsed.remove(&node);
            }
            (RowKind::Project, false) => {
                self.tree.collapsed.insert(node);
            }
            (RowKind::Run | RowKind::Stage, true) => {
                if kind == RowKind::Run && !self.tree.outlines.contains_key(&node) {
                    fx.push(self.requests.issue(Query::Outline { run: node.clone() }));
                }
                self.tree.expanded.insert(node);
            }
            (_, false) if self.tree.expanded.contains(&node) => {
                self.tree.expanded.remove(&node);
            }
            (_, false) => {
                // Collapsing a leaf moves to its parent, as in a file tree.
                let parent = match kind {
                    RowKind::Run => node.project_ref(),
                    RowKind::Stage => node.run_ref(),
                    _ => node.stage_ref(),
                };
                if let Some(p) = parent {
                    self.tree.selected = Some(p);
                }
            }
            _ => {}
        }
        self.clamp_views();
        fx
    }

    fn mark(&mut self) -> Vec<Effect> {
        let run = match (self.tree.selected_kind(), &self.tree.selected) {
            (Some(RowKind::Run), Some(r)) => r.clone(),
            _ => {
                self.flash(FlashLevel::Warn, "mark: select a run in the tree first");
                return vec![];
            }
        };
        if !self.tree.marks.remove(&run) {
            self.tree.marks.insert(run);
        }
        self.load_metric_series()
    }

    pub(super) fn set_filter(&mut self, pane: PaneId, text: &str, submitted: bool) -> Vec<Effect> {
        match pane {
            PaneId::Tree => {
                self.tree.filter = text.to_string();
                self.tree.keep_selection_visible();
                self.clamp_views();
                let mut fx = self.search_artifacts(text);
                fx.extend(self.tree_selection_changed());
                fx
            }
            PaneId::Stream => match parse_record_filter(text, self.run.as_ref()) {
                Ok(f) => {
                    if f == self.stream.filter && text == self.stream.filter_text {
                        return vec![];
                    }
                    self.stream.filter = f;
                    self.stream.filter_text = text.to_string();
                    let run = self.stream.run.clone();
                    self.stream.reset(run);
                    let limit = self.page_size().limit();
                    self.records(crate::query::Anchor::Tail, limit)
                }
                Err(e) => {
                    if submitted {
                        self.flash(FlashLevel::Error, format!("filter: {e}"));
                    }
                    vec![]
                }
            },
            PaneId::Metrics => {
                self.metrics.filter = text.to_string();
                if self.metrics.selected_index().is_none() {
                    self.metrics.selected =
                        self.metrics.visible_keys().first().map(|k| k.key.clone());
                    return self.load_metric_series();
                }
                vec![]
            }
            _ => vec![],
        }
    }
}
