//! The run tree: projects → runs → stages → batches/operations. A run row reads
//! `*● name ▲~! • 1.2k  12m05s`: mark, status glyph (● running, ✓ completed, ✗ failed,
//! ⊘ cancelled), name, worst finding (`▲` error, `△` warning) and anomaly `~` or machine `◔`
//! (an idle GPU or memory near its limit, when no metric is anomalous; computed lazily
//! by the worker, blank until then), degraded `!`, changed-since-seen `•`, record count,
//! duration. A narrow tree drops the duration, then the count, before it cuts a name, and a
//! cut name keeps its end (`…-13-18-58`), where runs named alike differ. The last row is a
//! legend of the markers in the tree (all of them are in `?`).
//! Rows changed by a live refresh are highlighted for two seconds.
//!
//! Reads the pane and the shared run list, selection and marks only.

use super::{Row, RowKind, TreePane, TreeSort, list_rows, selected_index};
use crate::analysis::diagnostics::FindingSeverity;
use crate::model::{Timestamp, format_duration};
use crate::tui::context::Shared;
use crate::tui::theme::Role;
use crate::tui::view::{PaneView, RenderCtx, frame, not_ready, title_span};
use crate::tui::widgets::glyphs::{MARKERS, status_glyph};
use crate::tui::widgets::text::{clean, count, fit, pad, pad_end, pad_left};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

fn duration(start: Timestamp, end: Option<Timestamp>, last_seen: i64) -> String {
    format_duration(crate::model::took(start, end, last_seen))
}

/// ` 1.2k  12m05s`, ` 1.2k` below 36 columns, nothing below 28 (names come first).
fn stats_column(records: u64, took: &str, width: usize) -> String {
    if width >= 36 {
        format!(" {} {}", pad_left(&count(records), 5), pad_left(took, 6))
    } else if width >= 28 {
        format!(" {}", pad_left(&count(records), 5))
    } else {
        String::new()
    }
}

impl PaneView for TreePane {
    fn render(
        &self,
        shared: &Shared,
        focused: bool,
        ctx: &RenderCtx<'_>,
        area: Rect,
        buf: &mut Buffer,
    ) {
        let state = self;
        let mut title = vec![title_span("Runs", focused, ctx)];
        let sort = match state.sort {
            TreeSort::Start => "newest",
            TreeSort::Name => "name",
        };
        title.push(Span::styled(format!("{sort} "), ctx.theme.get(Role::Dim)));
        if !state.filter.is_empty() {
            title.push(Span::styled(
                format!("/{} ", clean(&fit(&state.filter, 16))),
                ctx.theme.get(Role::Key),
            ));
        }
        if !shared.marks.is_empty() {
            title.push(Span::styled(
                format!("{} marked ", shared.marks.len()),
                ctx.theme.get(Role::Mark),
            ));
        }
        let inner = frame(title, focused, ctx, area, buf);
        if inner.width == 0 || inner.height == 0 {
            return;
        }
        let rows = state.rows(&shared.catalog);
        let empty = if shared.catalog.projects.is_empty() {
            Some("no projects yet: runs appear here as soon as something writes to the workspace".into())
        } else if let Err(e) = &state.query {
            Some(format!("query: {e} (Esc clears it)"))
        } else if rows.is_empty() && state.awaiting_metrics() {
            Some("reading the runs' metrics…".into())
        } else if rows.is_empty() {
            Some(format!("no matches for {} (Esc clears it)", state.filter))
        } else {
            None
        };
        // The filter is user text: cleaned before it reaches the terminal.
        let empty = empty.map(|t: String| clean(&t));
        if not_ready(&state.load, empty.as_deref(), ctx, inner, buf) {
            return;
        }
        let selected = selected_index(&rows, shared.selected.as_ref());
        let list_h = list_rows(inner.height as usize);
        if list_h < inner.height as usize {
            let y = inner.y + inner.height - 1;
            legend(state, shared, &rows, inner.width as usize, ctx)
                .render(Rect::new(inner.x, y, inner.width, 1), buf);
        }
        for (i, row) in rows.iter().enumerate().skip(state.offset).take(list_h) {
            let y = inner.y + (i - state.offset) as u16;
            let line = row_line(state, shared, row, inner.width as usize, ctx);
            let line_area = Rect::new(inner.x, y, inner.width, 1);
            let mut st = Style::default();
            if state.fresh.get(&row.node).is_some_and(|t| *t > ctx.now) {
                st = ctx.theme.get(Role::Fresh);
            }
            if Some(i) == selected {
                st = st.patch(ctx.theme.selection(focused));
            }
            buf.set_style(line_area, st);
            line.style(st).render(line_area, buf);
        }
    }
}

/// The markers that appear in `rows`, each with a short meaning, as many as fit `width`.
fn legend(
    state: &TreePane,
    shared: &Shared,
    rows: &[Row],
    width: usize,
    ctx: &RenderCtx<'_>,
) -> Line<'static> {
    let mut present: Vec<&str> = Vec::new();
    for row in rows.iter().filter(|r| r.kind == RowKind::Run) {
        let Some(info) = shared.catalog.run_info(&row.node) else {
            continue;
        };
        let flags = state.flags.get(&row.node);
        let finding = flags.and_then(|f| f.worst);
        for (glyph, on) in [
            ("*", shared.marks.contains(&row.node)),
            ("▲", finding == Some(FindingSeverity::Error)),
            ("△", finding == Some(FindingSeverity::Warning)),
            ("~", flags.is_some_and(|f| !f.anomalies.is_empty())),
            (
                "◔",
                flags.is_some_and(|f| f.anomalies.is_empty() && !f.resources.is_empty()),
            ),
            ("!", info.stats.degraded > 0),
            ("•", state.changed_since_seen(info)),
            (status_glyph(info.run.status).0, true),
        ] {
            if on && !present.contains(&glyph) {
                present.push(glyph);
            }
        }
    }
    let t = ctx.theme;
    let mut spans = Vec::new();
    let mut used = 0;
    for m in MARKERS.iter().filter(|m| present.contains(&m.glyph)) {
        let w = m.glyph.chars().count() + 1 + m.short.chars().count() + 2;
        if used + w > width + 2 {
            break;
        }
        used += w;
        spans.push(Span::styled(m.glyph.to_string(), t.get(m.role)));
        spans.push(Span::styled(format!(" {}  ", m.short), t.get(Role::Dim)));
    }
    Line::from(spans)
}

/// The run's worst finding (`▲` error, `△` warning) and anomaly (`~`) glyphs, once computed.
fn flag_glyphs(
    state: &TreePane,
    run: &crate::model::Ref,
    ctx: &RenderCtx<'_>,
) -> (Span<'static>, Span<'static>) {
    let t_role = |r: Role| ctx.theme.get(r);
    let Some(f) = state.flags.get(run) else {
        return (Span::raw(" "), Span::raw(" "));
    };
    let finding = match f.worst {
        Some(FindingSeverity::Error) => Span::styled("▲", t_role(Role::SevError)),
        Some(FindingSeverity::Warning) => Span::styled("△", t_role(Role::SevWarning)),
        _ => Span::raw(" "),
    };
    // One column for both: an anomalous metric, else the machine (idle GPU, memory near its
    // limit); the diagnostics pane lists every finding.
    let anomaly = if !f.anomalies.is_empty() {
        Span::styled("~", t_role(Role::Anomaly))
    } else if !f.resources.is_empty() {
        Span::styled("◔", t_role(Role::SevWarning))
    } else {
        Span::raw(" ")
    };
    (finding, anomaly)
}

fn row_line(
    state: &TreePane,
    shared: &Shared,
    row: &Row,
    width: usize,
    ctx: &RenderCtx<'_>,
) -> Line<'static> {
    let t = ctx.theme;
    let indent = "  ".repeat(row.depth as usize);
    match row.kind {
        RowKind::Project => {
            let p = shared
                .catalog
                .projects
                .iter()
                .find(|p| p.project.project_ref == row.node);
            let (name, runs) = p.map_or((row.node.value().to_string(), 0), |p| {
                (p.project.name.clone(), p.runs.len())
            });
            let arrow = if state.collapsed.contains(&row.node) {
                "▸"
            } else {
                "▾"
            };
            let tail = format!(" {runs}");
            let name_w = width.saturating_sub(2 + tail.chars().count());
            Line::from(vec![
                Span::styled(format!("{arrow} "), t.get(Role::Dim)),
                Span::styled(pad(&clean(&name), name_w), t.get(Role::Project)),
                Span::styled(tail, t.get(Role::Count)),
            ])
        }
        RowKind::Run => {
            let Some(info) = shared.catalog.run_info(&row.node) else {
                return Line::from(clean(row.node.as_str()));
            };
            let (glyph, role) = status_glyph(info.run.status);
            // A marked run's `*` is in the run's own colour, as in the charts and compare.
            let marked = shared.marks.contains(&row.node);
            let mark = if marked { "*" } else { " " };
            let mark_style = if marked {
                t.run(shared.run_colour(&row.node))
            } else {
                t.get(Role::Mark)
            };
            let degraded = if info.stats.degraded > 0 { "!" } else { " " };
            let changed = if state.changed_since_seen(info) {
                "•"
            } else {
                " "
            };
            let took = duration(
                info.run.started_at,
                info.run.ended_at,
                info.stats.last_observed,
            );
            // Narrow trees keep the name readable: the duration goes first, then the count.
            let stats = stats_column(info.stats.total(), &took, width);
            let (finding, anomaly) = flag_glyphs(state, &row.node, ctx);
            // A narrow tree has one flag column: the finding wins over the anomaly.
            let (finding, anomaly) = match (width >= 36, finding.content.trim().is_empty()) {
                (true, _) => (finding, anomaly),
                (false, true) => (anomaly, Span::raw("")),
                (false, false) => (finding, Span::raw("")),
            };
            let flag_w = if width >= 36 { 2 } else { 1 };
            // indent, mark, glyph, space, name, flags, degraded, changed, stats.
            let fixed = indent.len() + 3 + flag_w + 2 + stats.chars().count();
            let name_w = width.saturating_sub(fixed);
            Line::from(vec![
                Span::raw(indent),
                Span::styled(mark.to_string(), mark_style),
                Span::styled(glyph.to_string(), t.get(role)),
                Span::raw(" "),
                Span::styled(pad_end(&clean(&info.run.name), name_w), t.get(Role::Text)),
                finding,
                anomaly,
                Span::styled(degraded.to_string(), t.get(Role::Degraded)),
                Span::styled(changed.to_string(), t.get(Role::Changed)),
                Span::styled(stats, t.get(Role::Count)),
            ])
        }
        RowKind::Stage => {
            let run = row.node.run_ref();
            let stage = run
                .as_ref()
                .and_then(|r| state.outlines.get(r))
                .and_then(|o| {
                    o.stages
                        .iter()
                        .find(|s| s.stage.stage_execution_ref == row.node)
                });
            let Some(s) = stage else {
                return Line::from(clean(row.node.last()));
            };
            let run_last = run
                .as_ref()
                .and_then(|r| shared.catalog.run_info(r))
                .map_or(s.stage.started_at.0, |i| i.stats.last_observed);
            let (glyph, role) = status_glyph(s.stage.status);
            let arrow = if s.batches.is_empty() && s.operations.is_empty() {
                " "
            } else if state.expanded.contains(&row.node) {
                "▾"
            } else {
                "▸"
            };
            let took = duration(s.stage.started_at, s.stage.ended_at, run_last);
            let stats = stats_column(s.records, &took, width);
            let fixed = indent.len() + 3 + stats.chars().count();
            let name_w = width.saturating_sub(fixed);
            Line::from(vec![
                Span::raw(indent),
                Span::styled(arrow.to_string(), t.get(Role::Dim)),
                Span::styled(glyph.to_string(), t.get(role)),
                Span::raw(" "),
                Span::styled(pad_end(&clean(&s.stage.stage_name), name_w), t.get(Role::Stage)),
                Span::styled(stats, t.get(Role::Count)),
            ])
        }
        RowKind::Batch | RowKind::Operation => {
            let label = clean(row.node.last());
            let status = row
                .node
                .run_ref()
                .and_then(|r| state.outlines.get(&r))
                .and_then(|o| {
                    o.stages
                        .iter()
                        .flat_map(|s| s.batches.iter())
                        .find(|b| b.batch_execution_ref == row.node)
                })
                .map(|b| b.status);
            let (glyph, role) = match status {
                Some(s) => status_glyph(s),
                None => ("◦", Role::Dim),
            };
            Line::from(vec![
                Span::raw(indent),
                Span::styled(glyph.to_string(), t.get(role)),
                Span::raw(" "),
                Span::styled(
                    fit(&label, width.saturating_sub(row.depth as usize * 2 + 2)),
                    t.get(Role::Dim),
                ),
            ])
        }
    }
}
