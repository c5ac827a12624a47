//! How a pane shows text longer than its width: cut with an ellipsis and scrolled sideways
//! (`<`/`>`, and ←/→ where those keys are free), or wrapped (`w`). The record stream,
//! diagnostics, the lineage and the detail overlay each keep one; `widgets::longtext` draws it.
//!
//! Pure state: no widths (a view knows its width when it draws, and clamps there).

/// Columns one press of `<`/`>` moves the text.
pub const HSCROLL_STEP: usize = 8;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TextView {
    /// Long text wraps onto more lines instead of being cut.
    pub wrap: bool,
    /// Columns scrolled past the start of cut text (unused while wrapping).
    pub hscroll: usize,
}

impl TextView {
    /// Wrapping on: the detail overlay's default (it exists to show every field in full).
    pub fn wrapped() -> TextView {
        TextView {
            wrap: true,
            hscroll: 0,
        }
    }

    /// `w`: wrap, or cut again (scrolled back to the start).
    pub fn toggle_wrap(&mut self) {
        self.wrap = !self.wrap;
        self.hscroll = 0;
    }

    /// `<`/`>`: scroll cut text sideways. False while wrapping (there is nothing to scroll).
    pub fn scroll(&mut self, right: bool) -> bool {
        if self.wrap {
            return false;
        }
        self.hscroll = if right {
            self.hscroll.saturating_add(HSCROLL_STEP)
        } else {
            self.hscroll.saturating_sub(HSCROLL_STEP)
        };
        true
    }
}

/// What the status line says when `<`/`>` is pressed while wrapping.
pub const SCROLL_WHILE_WRAPPED: &str = "scroll: lines are wrapped (w cuts them again)";
