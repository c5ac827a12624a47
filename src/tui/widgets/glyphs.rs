//! Glyphs shared by several views, with the theme role that colours them.

use crate::model::Status;
use crate::tui::theme::Role;

/// A run's or stage's status: ● running, ✓ completed, ✗ failed, ⊘ cancelled.
pub fn status_glyph(status: Status) -> (&'static str, Role) {
    match status {
        Status::Open => ("●", Role::RunOpen),
        Status::Completed => ("✓", Role::RunCompleted),
        Status::Failed => ("✗", Role::RunFailed),
        Status::Cancelled => ("⊘", Role::RunCancelled),
    }
}

/// A marker in the run tree: its glyph, its role, and what it means (long and short).
pub struct Marker {
    pub glyph: &'static str,
    pub role: Role,
    pub meaning: &'static str,
    pub short: &'static str,
}

const fn marker(
    glyph: &'static str,
    role: Role,
    meaning: &'static str,
    short: &'static str,
) -> Marker {
    Marker {
        glyph,
        role,
        meaning,
        short,
    }
}

/// Every marker a run row can carry, in the order the legend lists them.
pub const MARKERS: &[Marker] = &[
    marker(
        "*",
        Role::Mark,
        "a marked run (compare, chart overlay), in the run's own colour",
        "marked",
    ),
    marker(
        "▲",
        Role::SevError,
        "a run with an error finding (6: diagnostics)",
        "error",
    ),
    marker(
        "△",
        Role::SevWarning,
        "a run with a warning finding",
        "warning",
    ),
    marker(
        "~",
        Role::Anomaly,
        "a run whose metric is anomalous against its project",
        "anomaly",
    ),
    marker(
        "◔",
        Role::SevWarning,
        "a run whose GPU sat idle (under 5 % for a minute) or whose memory came within 10 % of its limit (0: system)",
        "machine",
    ),
    marker(
        "!",
        Role::Degraded,
        "a run with degraded records (capture trouble)",
        "degraded",
    ),
    marker(
        "•",
        Role::Changed,
        "a run with records you have not seen",
        "new",
    ),
    marker("●", Role::RunOpen, "running (a run or stage)", "running"),
    marker("✓", Role::RunCompleted, "completed", "done"),
    marker("✗", Role::RunFailed, "failed", "failed"),
    marker("⊘", Role::RunCancelled, "cancelled", "cancelled"),
];

/// Markers drawn elsewhere, for the help overlay.
pub const OTHER_MARKERS: &[(&str, &str)] = &[
    ("◆", "metrics: a key pinned to the full-size chart (Space)"),
    (
        "│",
        "metrics: the chart cursor; the row under the chart reads out step, time, values",
    ),
    ("▶", "overview: the artifact a finding pointed at"),
    ("‖", "records: paused (F follows the newest again)"),
    ("▸ ▾", "tree: a collapsed / expanded node"),
];
