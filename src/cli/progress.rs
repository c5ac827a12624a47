//! Progress bars for long commands: drawn on stderr only when it is a terminal and `--quiet`
//! is off, so pipes and logs stay clean.

use crate::recovery::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

pub struct Bar {
    bar: Option<ProgressBar>,
    phase: &'static str,
}

impl Bar {
    pub fn new(quiet: bool) -> Bar {
        let show = !quiet && std::io::stderr().is_terminal();
        let bar = show.then(|| {
            let b = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            if let Ok(style) =
                ProgressStyle::with_template("{msg:>9} [{bar:30}] {percent:>3}%  eta {eta}")
            {
                b.set_style(style.progress_chars("=> "));
            }
            b
        });
        Bar { bar, phase: "" }
    }

    pub fn update(&mut self, p: &Progress) {
        let Some(b) = &self.bar else { return };
        if p.phase != self.phase {
            self.phase = p.phase;
            b.set_message(p.phase);
            b.reset();
        }
        b.set_length(p.total);
        b.set_position(p.done);
    }

    pub fn clear(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
