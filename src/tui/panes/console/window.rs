//! The console's view: which lines show (the last ones while following, else from `top`), the
//! lines held (a bounded map around the view, so a console of millions of lines costs a few
//! screens), and what to read to fill it. Following is `tail -f`: new lines show as they come;
//! scrolling up pauses it (new lines are counted, not shown), `follow` resumes.
//!
//! Pure: methods return the range to read next; the pane asks for it.

use super::ConsolePane;
use crate::model::ConsoleLine;
use std::ops::Range;

/// Screens of lines held around the view at most (and never fewer than `MIN_KEEP` lines).
const KEEP_SCREENS: u32 = 4;
const MIN_KEEP: u32 = 256;

/// A live read starts this many lines before the end: a terminal may still redraw the lines on
/// its screen (a progress bar, a live table), and the stored line is rewritten when it does.
pub const REDRAW_TAIL: u32 = 32;

impl ConsolePane {
    /// The first line shown in a view `height` rows tall (a paused view never scrolls past a
    /// full screen of the end, so it stays full).
    pub fn view_top(&self, height: u32) -> u32 {
        let last_screen = self.total.saturating_sub(height);
        if self.follow {
            last_screen
        } else {
            self.top.min(last_screen)
        }
    }

    /// The lines a view `height` rows tall shows (wrapped lines may show fewer).
    pub fn view_range(&self, height: u32) -> Range<u32> {
        let top = self.view_top(height);
        top..top.saturating_add(height).min(self.total)
    }

    /// The range to read when the view shows lines that are not held.
    pub fn missing(&self, height: u32) -> Option<Range<u32>> {
        let view = self.view_range(height);
        if view.clone().all(|n| self.lines.contains_key(&n)) {
            return None;
        }
        let margin = height.max(1);
        Some(view.start.saturating_sub(margin)..view.end.saturating_add(margin).min(self.total))
    }

    /// Lines read (a window, the live tail, the lines around a failure) and the console's
    /// length then. A line read again replaces the one held (a terminal redrew it).
    pub fn apply_lines(&mut self, total: u32, lines: Vec<ConsoleLine>, height: u32) {
        self.total = self.total.max(total);
        for l in lines {
            self.lines.insert(l.line, l);
        }
        self.trim(height);
    }

    /// Drops lines far from the view.
    fn trim(&mut self, height: u32) {
        let keep = (height * KEEP_SCREENS).max(MIN_KEEP);
        let view = self.view_range(height);
        let lo = view.start.saturating_sub(keep / 2);
        let hi = view.end.saturating_add(keep / 2);
        self.lines.retain(|n, _| (lo..hi).contains(n));
    }

    /// Scrolls by `delta` lines; up pauses following.
    pub fn scroll(&mut self, delta: isize, height: u32) {
        if delta < 0 {
            self.pause(height);
        }
        if self.follow {
            return;
        }
        let max_top = i64::from(self.total.saturating_sub(height));
        self.top = (i64::from(self.top) + delta as i64).clamp(0, max_top.max(0)) as u32;
    }

    /// Stops following where the view is; lines from now on count as new.
    pub fn pause(&mut self, height: u32) {
        if self.follow {
            self.top = self.total.saturating_sub(height);
            self.follow = false;
            self.paused_at = Some(self.total);
        }
    }

    /// Follows the end again.
    pub fn resume(&mut self) {
        self.follow = true;
        self.paused_at = None;
        self.at_failure = None;
    }

    /// Lines that arrived since following stopped (the title's "N new").
    pub fn new_while_paused(&self) -> u32 {
        match (self.follow, self.paused_at) {
            (false, Some(at)) => self.total.saturating_sub(at),
            _ => 0,
        }
    }

    /// Shows `line`, paused, a third of the way down the view (a search match).
    pub fn show_line(&mut self, line: u32, height: u32) {
        self.pause(height);
        self.top = line
            .saturating_sub(height / 3)
            .min(self.total.saturating_sub(height));
    }

    /// Shows `line` as the view's last line, paused (the last line before a failure).
    pub fn show_line_at_bottom(&mut self, line: u32, height: u32) {
        self.pause(height);
        self.top = (line + 1).saturating_sub(height);
    }

    /// The widest line in view, in characters (how far horizontal scrolling may go).
    pub fn widest_in_view(&self, height: u32) -> usize {
        self.view_range(height)
            .filter_map(|n| self.lines.get(&n))
            .map(|l| crate::model::console_plain(&l.text).chars().count())
            .max()
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ConsoleStream, Timestamp};

    fn lines(r: Range<u32>) -> Vec<ConsoleLine> {
        r.map(|n| ConsoleLine {
            line: n,
            stream: ConsoleStream::Terminal,
            at: Timestamp(i64::from(n)),
            text: format!("line {n}"),
        })
        .collect()
    }

    #[test]
    fn follows_the_end_and_pauses_on_scroll_up() {
        let mut p = ConsolePane {
            follow: true,
            ..ConsolePane::default()
        };
        p.apply_lines(100, lines(80..100), 10);
        assert_eq!(p.view_range(10), 90..100);
        assert_eq!(p.missing(10), None);
        p.apply_lines(103, lines(100..103), 10);
        assert_eq!(p.view_range(10), 93..103);
        p.scroll(-5, 10);
        assert!(!p.follow);
        assert_eq!(p.view_range(10), 88..98);
        p.apply_lines(110, vec![], 10);
        assert_eq!(p.new_while_paused(), 7);
        assert_eq!(p.view_range(10), 88..98, "a paused view stays put");
        // Far up: the view needs lines it does not hold, with a screen of margin.
        p.scroll(-60, 10);
        assert_eq!(p.missing(10), Some(18..48));
        p.resume();
        assert_eq!(p.new_while_paused(), 0);
        assert_eq!(p.view_range(10), 100..110);
    }

    #[test]
    fn held_lines_stay_bounded() {
        let mut p = ConsolePane {
            follow: true,
            ..ConsolePane::default()
        };
        for chunk in 0..100 {
            p.apply_lines((chunk + 1) * 100, lines(chunk * 100..(chunk + 1) * 100), 20);
        }
        assert!(p.lines.len() <= 256, "{}", p.lines.len());
        assert!(p.lines.contains_key(&9_999));
    }
}
