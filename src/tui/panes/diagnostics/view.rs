//! The diagnostics pane: the current run's findings, worst first as the analysis orders them,
//! one per row: severity, code, summary, subject. `Enter` jumps to the selected finding's
//! evidence (the app does that; this only draws).
//! ```text
//! ┌ Diagnostics wide-resnet 2 errors 3 warnings ─────────────┐
//! │error   failed_batch      batch epoch-4 failed   epoch-4 │
//! └─────────────────────────────────────────────────────────┘
//! ```
//! Reads the pane only; severities are drawn through theme roles.

use super::DiagnosticsPane;
use crate::analysis::diagnostics::FindingSeverity;
use crate::tui::context::Shared;
use crate::tui::theme::Role;
use crate::tui::view::{PaneView, RenderCtx, draw_row, frame, not_ready, title_span};
use crate::tui::widgets::longtext::{badge, cell};
use crate::tui::widgets::text::{clean, fit, pad, short_ref};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

pub fn severity_role(s: FindingSeverity) -> Role {
    match s {
        FindingSeverity::Info => Role::SevInfo,
        FindingSeverity::Warning => Role::SevWarning,
        FindingSeverity::Error => Role::SevError,
    }
}

impl PaneView for DiagnosticsPane {
    fn render(
        &self,
        _shared: &Shared,
        focused: bool,
        ctx: &RenderCtx<'_>,
        area: Rect,
        buf: &mut Buffer,
    ) {
        let state = self;
        let t = ctx.theme;
        let mut title = vec![title_span("Diagnostics", focused, ctx)];
        if let Some(r) = &state.run {
            title.push(Span::styled(
                format!("{} ", clean(r.last())),
                t.get(Role::Dim),
            ));
        }
        for sev in [
            FindingSeverity::Error,
            FindingSeverity::Warning,
            FindingSeverity::Info,
        ] {
            let n = state.findings.iter().filter(|f| f.severity == sev).count();
            if n > 0 {
                title.push(Span::styled(
                    format!("{n} {} ", sev.as_str()),
                    t.get(severity_role(sev)),
                ));
            }
        }
        if let Some(b) = badge(state.view.wrap, state.view.hscroll) {
            title.push(Span::styled(b, t.get(Role::Key)));
        }
        state.drawn.clear();
        let inner = frame(title, focused, ctx, area, buf);
        if inner.width == 0 || inner.height == 0 {
            return;
        }
        let empty = state
            .findings
            .is_empty()
            .then_some("no findings: nothing wrong with this run that the rules can see");
        if not_ready(&state.load, empty, ctx, inner, buf) {
            return;
        }
        let w = inner.width as usize;
        let code_w = 20.min(w / 4);
        let subject_w = if w >= 90 { 28 } else { 0 };
        let summary_w = w.saturating_sub(8 + code_w + subject_w + 2);
        let shown = |f: &crate::analysis::diagnostics::Finding| {
            cell(&clean(&f.summary), state.view.wrap, state.view.hscroll, summary_w)
        };
        // Wrapped findings take several lines: start late enough that the selection shows whole.
        let height = inner.height as usize;
        let mut start = state.offset.min(state.selected);
        if state.view.wrap {
            while start < state.selected
                && state.findings[start..=state.selected]
                    .iter()
                    .map(|f| shown(f).len())
                    .sum::<usize>()
                    > height
            {
                start += 1;
            }
        }
        let mut y = inner.y;
        let bottom = inner.y + inner.height;
        for (i, f) in state.findings.iter().enumerate().skip(start) {
            if y >= bottom {
                break;
            }
            for (n, summary) in shown(f).into_iter().enumerate() {
                if y >= bottom {
                    break;
                }
                let r = Rect::new(inner.x, y, inner.width, 1);
                let first = n == 0;
                let mut spans = vec![
                    Span::styled(
                        pad(if first { f.severity.as_str() } else { "" }, 8),
                        t.get(severity_role(f.severity)),
                    ),
                    Span::styled(
                        pad(&clean(if first { &f.code } else { "" }), code_w),
                        t.get(Role::Key),
                    ),
                    Span::raw(" "),
                    Span::styled(pad(&summary, summary_w), t.get(Role::Text)),
                ];
                if subject_w > 0 && first {
                    spans.push(Span::raw(" "));
                    spans.push(Span::styled(
                        fit(&short_ref(&f.subject_ref), subject_w),
                        t.get(Role::Dim),
                    ));
                }
                draw_row(Line::from(spans), i == state.selected, focused, t, r, buf);
                state.drawn.push(i);
                y += 1;
            }
        }
    }
}
