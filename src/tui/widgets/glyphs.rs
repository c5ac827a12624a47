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
