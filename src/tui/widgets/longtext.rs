//! Long text in a cell: cut or wrapped (the text functions live with the state they serve,
//! `tui::wrapping`, so the reducer can count wrapped lines too), and a title's badge saying
//! which.
//!
//! Pure functions of their inputs.

pub use crate::tui::wrapping::{cell, window, wrap};

/// A pane title's note on how long text shows: `↩ wrapped`, or `⇢ +24` when scrolled sideways.
pub fn badge(wrapped: bool, hscroll: usize) -> Option<String> {
    if wrapped {
        Some("↩ wrapped ".to_string())
    } else if hscroll > 0 {
        Some(format!("⇢ +{hscroll} "))
    } else {
        None
    }
}
