//! The run overview: status and timing, record counts, a stage timeline (one bar per stage on
//! one time axis), params, provenance from the environment snapshot (including the
//! `contexta.provenance` extension: host, user, git commit and dirty flag, command), artifacts
//! (kind, verification state, size, location: `artifacts.rs`), and the last problem (error event, failing span or degraded record).
//!
//! Reads the pane only; every workspace string goes through `clean`.

use super::{OverviewPane, Verdict};
use crate::model::{Payload, Timestamp, format_duration};
use crate::query::RunDetail;
use crate::tui::context::{Load, Shared};
use crate::tui::theme::Role;
use crate::tui::view::{PaneView, RenderCtx, frame, not_ready, title_span};
use crate::tui::widgets::glyphs::status_glyph;
use crate::analysis::resources::headline;
use crate::tui::widgets::text::{clean, count, date_time, fit_end, pad, reading};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

impl PaneView for OverviewPane {
    fn render(
        &self,
        _shared: &Shared,
        focused: bool,
        ctx: &RenderCtx<'_>,
        area: Rect,
        buf: &mut Buffer,
    ) {
        let state = self;
        let mut title = vec![title_span("Overview", focused, ctx)];
        if let Some(d) = &state.detail {
            title.push(Span::styled(
                format!("{} ", clean(&fit_end(d.info.run.run_ref.value(), 40))),
                ctx.theme.get(Role::Dim),
            ));
        }
        let inner = frame(title, focused, ctx, area, buf);
        if inner.width == 0 || inner.height == 0 {
            return;
        }
        let Some(d) = &state.detail else {
            let load = match &state.load {
                Load::Ready => Load::Loading,
                other => other.clone(),
            };
            not_ready(&load, None, ctx, inner, buf);
            return;
        };
        if let Load::Failed(_) = state.load {
            not_ready(&state.load, None, ctx, inner, buf);
            return;
        }
        if inner.height <= HEADER_ROWS {
            header(d, ctx).render(inner, buf);
            return;
        }
        let verified = state.verified.get(&d.info.run.run_ref);
        let (lines, hl) = lines(
            d,
            verified,
            state.highlight.as_ref(),
            inner.width as usize,
            ctx,
        );
        let mut scroll = state.scroll.min(lines.len().saturating_sub(1));
        // A highlighted artifact (a jump from a finding) is scrolled into view.
        if let Some(i) = hl
            && i >= scroll + inner.height as usize
        {
            scroll = i + 1 - inner.height as usize;
        }
        let scroll = scroll as u16;
        Paragraph::new(lines).scroll((scroll, 0)).render(inner, buf);
    }
}

/// An overview this short (the stacked layout's header) is one line about the run.
const HEADER_ROWS: u16 = 2;

/// The run in one line: status, name, project, duration, records, degraded, the last problem.
fn header(d: &RunDetail, ctx: &RenderCtx<'_>) -> Line<'static> {
    let t = ctx.theme;
    let run = &d.info.run;
    let stats = &d.info.stats;
    let (glyph, role) = status_glyph(run.status);
    let status = match run.status {
        crate::model::Status::Open => "running",
        s => s.as_str(),
    };
    let took = format_duration(crate::model::took(
        run.started_at,
        run.ended_at,
        stats.last_observed,
    ));
    let mut spans = vec![
        Span::styled(format!("{glyph} {status}  "), t.get(role)),
        Span::styled(clean(&run.name), t.get(Role::Value)),
        Span::styled(
            format!("  {} · took {took} · {} records", clean(run.project_ref.value()), count(stats.total())),
            t.get(Role::Dim),
        ),
    ];
    if stats.degraded > 0 {
        spans.push(Span::styled(
            format!(" · ! {} degraded", stats.degraded),
            t.get(Role::Degraded),
        ));
    }
    if let Some(p) = &d.last_problem {
        let key = match &p.record.payload {
            Payload::Event(e) => e.event_key.clone(),
            Payload::Span(s) => s.span_name.clone(),
            Payload::Degraded(g) => g.issue_key.clone(),
            Payload::Metric(m) => m.metric_key.clone(),
        };
        spans.push(Span::styled(" · last problem ", t.get(Role::Dim)));
        spans.push(Span::styled(clean(&key), t.get(Role::LevelError)));
    }
    Line::from(spans)
}

/// The latest machine readings of a run `contexta run` sampled, in one line: CPU % and RSS of
/// its process tree, each GPU's utilization and memory (the system pane charts them all).
fn system_line(d: &RunDetail, ctx: &RenderCtx<'_>) -> Option<Line<'static>> {
    let readings = headline(d.metrics.iter().map(|m| (m.key.as_str(), m.last)));
    if readings.is_empty() {
        return None;
    }
    let mut spans = Vec::new();
    for (label, value, unit) in readings {
        spans.extend(kv(&label, reading(value, unit), ctx));
    }
    Some(Line::from(spans))
}

fn section(name: &str, ctx: &RenderCtx<'_>) -> Line<'static> {
    Line::from(Span::styled(name.to_string(), ctx.theme.get(Role::Label)))
}

fn kv(k: &str, v: String, ctx: &RenderCtx<'_>) -> Vec<Span<'static>> {
    vec![
        Span::styled(format!("{k} "), ctx.theme.get(Role::Dim)),
        Span::styled(v, ctx.theme.get(Role::Value)),
        Span::raw("  "),
    ]
}

/// The right end of the stage timeline's axis: the run's end (or newest record) or a later
/// stage end, so every bar fits.
fn run_end(d: &RunDetail) -> Timestamp {
    let stage_end = d
        .stages
        .iter()
        .map(|s| s.ended_at.unwrap_or(s.started_at))
        .max()
        .unwrap_or(d.info.run.started_at);
    d.info
        .run
        .ended_at
        .unwrap_or(Timestamp(d.info.stats.last_observed))
        .max(stage_end)
}

/// The overview's lines and the index of the highlighted artifact's line, if any.
fn lines(
    d: &RunDetail,
    verified: Option<&std::collections::BTreeMap<crate::model::Ref, Verdict>>,
    highlight: Option<&crate::model::Ref>,
    width: usize,
    ctx: &RenderCtx<'_>,
) -> (Vec<Line<'static>>, Option<usize>) {
    let t = ctx.theme;
    let run = &d.info.run;
    let stats = &d.info.stats;
    let mut out = Vec::new();
    let (glyph, role) = status_glyph(run.status);
    let status = match run.status {
        crate::model::Status::Open => "running",
        s => s.as_str(),
    };
    out.push(Line::from(vec![
        Span::styled(format!("{glyph} {status}  "), t.get(role)),
        Span::styled(clean(&run.name), t.get(Role::Value)),
        Span::styled(
            format!("  {}", clean(run.project_ref.value())),
            t.get(Role::Dim),
        ),
    ]));
    let mut timing = kv("started", date_time(run.started_at), ctx);
    timing.extend(kv(
        "took",
        format_duration(crate::model::took(
            run.started_at,
            run.ended_at,
            stats.last_observed,
        )),
        ctx,
    ));
    out.push(Line::from(timing));
    let mut counts = kv("records", count(stats.total()), ctx);
    for (i, name) in ["events", "metrics", "spans", "degraded"]
        .iter()
        .enumerate()
    {
        if stats.by_type[i] > 0 {
            counts.extend(kv(name, count(stats.by_type[i]), ctx));
        }
    }
    out.push(Line::from(counts));
    if let Some(line) = system_line(d, ctx) {
        out.push(line);
    }
    if stats.degraded > 0 || run.status == crate::model::Status::Failed {
        let mut spans = Vec::new();
        if stats.degraded > 0 {
            spans.push(Span::styled(
                format!("! degraded: {} record(s)  ", stats.degraded),
                t.get(Role::Degraded),
            ));
        }
        if run.status == crate::model::Status::Failed {
            spans.push(Span::styled("✗ run failed", t.get(Role::RunFailed)));
        }
        out.push(Line::from(spans));
    }
    if let Some(p) = &d.last_problem {
        let (key, text) = match &p.record.payload {
            Payload::Event(e) => (e.event_key.clone(), e.message.clone()),
            Payload::Span(s) => (s.span_name.clone(), format!("span {:?}", s.status)),
            Payload::Degraded(g) => (g.issue_key.clone(), g.summary.clone()),
            Payload::Metric(m) => (m.metric_key.clone(), m.value.to_string()),
        };
        out.push(Line::from(vec![
            Span::styled("last problem ", t.get(Role::Dim)),
            Span::styled(clean(&key), t.get(Role::LevelError)),
            Span::raw(" "),
            Span::styled(clean(&text), t.get(Role::Text)),
        ]));
    }
    out.push(Line::raw(""));
    out.push(section("Stages", ctx));
    out.extend(timeline(d, width, ctx));
    if !run.params.is_empty() {
        out.push(Line::raw(""));
        out.push(section("Params", ctx));
        let mut spans = Vec::new();
        for (k, v) in &run.params {
            spans.extend(kv(&clean(k), clean(v), ctx));
        }
        out.push(Line::from(spans));
    }
    out.push(Line::raw(""));
    out.push(section("Provenance", ctx));
    out.extend(provenance(d, ctx));
    out.push(Line::raw(""));
    out.push(section(&format!("Artifacts ({})", d.artifacts.len()), ctx));
    let (rows, hl) = super::view_artifacts::rows(&d.artifacts, verified, highlight, ctx);
    let hl = hl.map(|i| i + out.len());
    out.extend(rows);
    (out, hl)
}

fn timeline(d: &RunDetail, width: usize, ctx: &RenderCtx<'_>) -> Vec<Line<'static>> {
    let t = ctx.theme;
    if d.stages.is_empty() {
        return vec![Line::from(Span::styled("  no stages", t.get(Role::Empty)))];
    }
    let start = d.info.run.started_at;
    let end = run_end(d);
    let span = (end.0 - start.0).max(1) as f64;
    let name_w = d
        .stages
        .iter()
        .map(|s| s.stage_name.chars().count())
        .max()
        .unwrap_or(5)
        .min(14);
    let bar_w = width.saturating_sub(name_w + 12).max(4);
    let mut stages = d.stages.clone();
    stages.sort_by_key(|s| (s.order_index, s.started_at));
    stages
        .iter()
        .map(|s| {
            let s_end = s.ended_at.unwrap_or(end);
            let a = (((s.started_at.0 - start.0) as f64 / span) * bar_w as f64).floor() as usize;
            let b = (((s_end.0 - start.0) as f64 / span) * bar_w as f64).ceil() as usize;
            let a = a.min(bar_w.saturating_sub(1));
            let len = b.saturating_sub(a).max(1).min(bar_w - a);
            let (glyph, role) = status_glyph(s.status);
            let bar_role = match s.status {
                crate::model::Status::Open => Role::BarOpen,
                crate::model::Status::Failed => Role::BarFailed,
                _ => Role::Bar,
            };
            Line::from(vec![
                Span::styled(format!("{glyph} "), t.get(role)),
                Span::styled(pad(&clean(&s.stage_name), name_w), t.get(Role::Stage)),
                Span::raw(" "),
                Span::styled("·".repeat(a), t.get(Role::Axis)),
                Span::styled("█".repeat(len), t.get(bar_role)),
                Span::styled("·".repeat(bar_w - a - len), t.get(Role::Axis)),
                Span::styled(
                    format!(
                        " {}",
                        format_duration(crate::model::took(
                            s.started_at,
                            s.ended_at,
                            d.info.stats.last_observed
                        ))
                    ),
                    t.get(Role::Dim),
                ),
            ])
        })
        .collect()
}

fn provenance(d: &RunDetail, ctx: &RenderCtx<'_>) -> Vec<Line<'static>> {
    let Some(env) = d.environments.first() else {
        return vec![Line::from(Span::styled(
            "  no environment snapshot",
            ctx.theme.get(Role::Empty),
        ))];
    };
    let ext = env
        .extensions
        .iter()
        .find(|e| e.namespace == "contexta.provenance");
    let field = |k: &str| -> Option<String> {
        ext.and_then(|e| e.fields.0.get(k)).map(|v| match v {
            serde_json::Value::String(s) => clean(s),
            other => clean(&other.to_string()),
        })
    };
    let mut out = Vec::new();
    let mut l1 = kv("python", clean(&env.python_version), ctx);
    l1.extend(kv("platform", clean(&env.platform), ctx));
    for pkg in ["torch", "tensorflow", "jax", "scikit-learn"] {
        if let Some(v) = env.packages.get(pkg) {
            l1.extend(kv(pkg, clean(v), ctx));
        }
    }
    out.push(Line::from(l1));
    let mut l2 = Vec::new();
    for k in ["host", "user"] {
        if let Some(v) = field(k) {
            l2.extend(kv(k, v, ctx));
        }
    }
    if let Some(c) = field("git_commit") {
        let dirty = field("git_dirty").is_some_and(|d| d == "true");
        let short: String = c.chars().take(10).collect();
        l2.extend(kv(
            "git",
            format!("{short}{}", if dirty { " (dirty)" } else { "" }),
            ctx,
        ));
    }
    if !l2.is_empty() {
        out.push(Line::from(l2));
    }
    if let Some(cmd) = field("command") {
        out.push(Line::from(kv("command", cmd, ctx)));
    }
    if !env.environment_variables.is_empty() {
        let mut l = vec![Span::styled("env ", ctx.theme.get(Role::Dim))];
        for (k, v) in &env.environment_variables {
            l.push(Span::styled(
                format!("{}={} ", clean(k), clean(v)),
                ctx.theme.get(Role::Value),
            ));
        }
        out.push(Line::from(l));
    }
    out
}
