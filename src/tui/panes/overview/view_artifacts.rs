//! The overview's artifact list: one row per artifact with its kind, verification state
//! (`ok`, `missing`, `changed`, `no body`, `error`, or `checking` until the worker answers),
//! location and size.
//!
//! Reads the detail and the cached verdicts only; hashing happens on the worker.

use super::Verdict;
use crate::model::{ArtifactManifest, Ref};
use crate::recovery::verify::ArtifactState;
use crate::tui::theme::Role;
use crate::tui::view::RenderCtx;
use crate::tui::widgets::text::{clean, pad};
use ratatui::text::{Line, Span};
use std::collections::BTreeMap;

/// Bytes as a short human size (`812 B`, `12.3 KiB`, `4.0 MiB`).
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut v = bytes as f64 / 1024.0;
    let mut unit = UNITS[0];
    for u in &UNITS[1..] {
        if v < 1024.0 {
            break;
        }
        v /= 1024.0;
        unit = u;
    }
    format!("{v:.1} {unit}")
}

fn verdict(v: Option<&Verdict>) -> (&'static str, Role) {
    match v {
        None => ("checking", Role::Loading),
        Some(Ok(ArtifactState::Ok)) => ("ok", Role::Better),
        Some(Ok(ArtifactState::Missing)) => ("missing", Role::Worse),
        Some(Ok(ArtifactState::Changed)) => ("changed", Role::Worse),
        Some(Ok(ArtifactState::NoBody)) => ("no body", Role::Dim),
        Some(Err(_)) => ("error", Role::Worse),
    }
}

/// The rows, and the index (among them) of the highlighted artifact's row, if any.
pub fn rows(
    artifacts: &[ArtifactManifest],
    verified: Option<&BTreeMap<Ref, Verdict>>,
    highlight: Option<&Ref>,
    ctx: &RenderCtx<'_>,
) -> (Vec<Line<'static>>, Option<usize>) {
    let t = ctx.theme;
    let mut out = Vec::new();
    let mut hl = None;
    let state_of = |a: &ArtifactManifest| verdict(verified.and_then(|v| v.get(&a.artifact_ref)));
    // Columns as wide as their widest cell, so the location and size fit a narrow pane.
    let kind_w = artifacts
        .iter()
        .map(|a| clean(&a.artifact_kind).chars().count())
        .max()
        .unwrap_or(0)
        .min(16);
    let state_w = artifacts
        .iter()
        .map(|a| state_of(a).0.chars().count())
        .max()
        .unwrap_or(0);
    for a in artifacts {
        let on = highlight == Some(&a.artifact_ref);
        let (state, role) = state_of(a);
        let line = Line::from(vec![
            Span::styled(
                format!(
                    "{} {} ",
                    if on { "▶" } else { " " },
                    pad(&clean(&a.artifact_kind), kind_w)
                ),
                t.get(Role::Key),
            ),
            Span::styled(format!("{} ", pad(state, state_w)), t.get(role)),
            Span::styled(format!("{} ", clean(&a.location_ref)), t.get(Role::Value)),
            Span::styled(a.size_bytes.map(size).unwrap_or_default(), t.get(Role::Dim)),
        ]);
        if on {
            hl = Some(out.len());
            out.push(line.style(t.get(Role::SelectedUnfocused)));
        } else {
            out.push(line);
        }
    }
    if artifacts.is_empty() {
        out.push(Line::from(Span::styled("  none", t.get(Role::Empty))));
    }
    (out, hl)
}

#[cfg(test)]
mod tests {
    use super::size;

    #[test]
    fn sizes_are_short_and_human() {
        assert_eq!(size(812), "812 B");
        assert_eq!(size(12_595), "12.3 KiB");
        assert_eq!(size(4 << 20), "4.0 MiB");
    }
}
