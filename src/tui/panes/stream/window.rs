//! The record stream's window: a bounded run of one run's records (oldest first) read a page
//! at a time through anchors, so a run of millions of records costs one screen of reads.
//! Follow mode keeps the newest record selected as live tails arrive (like `less +F`); moving up
//! pauses it, `follow` resumes. The selection is a record seq (identity), never a row number.
//!
//! Pure: methods return the anchor of the page to read next; the pane asks for it.

use super::StreamPane;
use crate::model::{Ref, Timestamp};
use crate::query::RecordRow;
use crate::query::{Anchor, RecordPage};
use crate::tui::context::Load;
use crate::tui::panes::clamp_offset;

/// How long new rows stay highlighted.
pub const FRESH_MICROS: i64 = 2_000_000;

pub struct PageSize {
    /// Rows visible at once.
    pub height: usize,
}

impl PageSize {
    pub fn limit(&self) -> usize {
        self.height.max(10)
    }
    /// How many rows the window keeps at most.
    pub fn cap(&self) -> usize {
        (self.height * 4).max(200)
    }
}

impl StreamPane {
    /// Starts over on `run` (or a new filter): the tail, following.
    pub fn reset(&mut self, run: Option<Ref>) {
        let (filter, text) = (self.filter.clone(), self.filter_text.clone());
        *self = StreamPane {
            run,
            filter,
            filter_text: text,
            // Wrapping is the user's choice, kept from run to run.
            view: self.view,
            follow: true,
            load: Load::Loading,
            paging: true,
            ..StreamPane::default()
        };
    }

    pub fn selected_index(&self) -> Option<usize> {
        let sel = self.selected?;
        self.rows.iter().position(|r| r.seq == sel)
    }

    pub fn selected_row(&self) -> Option<&RecordRow> {
        self.selected_index().map(|i| &self.rows[i])
    }

    fn first_seq(&self) -> u32 {
        self.rows.front().map_or(0, |r| r.seq)
    }

    fn last_seq(&self) -> u32 {
        self.rows.back().map_or(0, |r| r.seq)
    }

    /// Applies a loaded page; `now` stamps live rows. Returns a follow-up page to fetch when a
    /// live burst was larger than one page.
    pub fn apply_page(
        &mut self,
        anchor: Anchor,
        page: RecordPage,
        size: &PageSize,
        now: Timestamp,
    ) -> Option<Anchor> {
        self.paging = false;
        self.load = Load::Ready;
        self.total = page.total;
        self.newest = self.newest.max(page.last_seq);
        if !self.follow && self.paused_at.is_none() {
            self.paused_at = Some(self.newest);
        }
        let mut follow_up = None;
        match anchor {
            Anchor::Tail => {
                self.rows = page.rows.into();
                self.more_before = page.more_before;
                self.more_after = false;
                self.cursor = page.last_seq;
                self.fresh.clear();
                if self.follow || self.selected_index().is_none() {
                    self.selected = self.rows.back().map(|r| r.seq);
                }
            }
            Anchor::Head => {
                self.rows = page.rows.into();
                self.more_before = false;
                self.more_after = page.more_after;
                if !page.more_after {
                    self.cursor = page.last_seq;
                }
                self.selected = self.rows.front().map(|r| r.seq);
            }
            Anchor::After(_) => {
                let live = !self.more_after;
                let last = self.last_seq();
                for row in page.rows.into_iter().filter(|r| r.seq > last) {
                    if live {
                        self.fresh.insert(row.seq, Timestamp(now.0 + FRESH_MICROS));
                    }
                    self.rows.push_back(row);
                }
                self.more_after = page.more_after;
                if !page.more_after {
                    self.cursor = page.last_seq;
                } else if self.follow {
                    follow_up = Some(Anchor::After(self.last_seq()));
                }
                while self.rows.len() > size.cap() {
                    if let Some(r) = self.rows.pop_front() {
                        self.fresh.remove(&r.seq);
                    }
                    self.more_before = true;
                    self.offset = self.offset.saturating_sub(1);
                }
                if self.follow {
                    self.selected = self.rows.back().map(|r| r.seq);
                }
            }
            Anchor::Before(_) => {
                let first = self.first_seq();
                let mut added = 0;
                for row in page.rows.into_iter().rev().filter(|r| r.seq < first) {
                    self.rows.push_front(row);
                    added += 1;
                }
                self.offset += added;
                self.more_before = page.more_before;
                while self.rows.len() > size.cap() {
                    if let Some(r) = self.rows.pop_back() {
                        self.fresh.remove(&r.seq);
                    }
                    self.more_after = true;
                }
            }
        }
        if self.selected_index().is_none() {
            self.selected = self.rows.back().map(|r| r.seq);
        }
        self.clamp_view(size.height);
        if follow_up.is_none() && std::mem::take(&mut self.live_pending) {
            follow_up = self.live_anchor();
        }
        if follow_up.is_some() {
            self.paging = true;
        }
        follow_up
    }

    /// Moves the selection by `delta` rows; returns a page to prefetch near either end.
    pub fn move_window(&mut self, delta: isize, size: &PageSize) -> Option<Anchor> {
        if self.rows.is_empty() {
            return None;
        }
        if delta < 0 {
            self.pause();
        }
        let idx = self.selected_index().unwrap_or(self.rows.len() - 1) as isize;
        let new = (idx + delta).clamp(0, self.rows.len() as isize - 1) as usize;
        self.selected = Some(self.rows[new].seq);
        self.clamp_view(size.height);
        self.prefetch(new, size)
    }

    fn prefetch(&mut self, idx: usize, size: &PageSize) -> Option<Anchor> {
        if self.paging {
            return None;
        }
        let margin = size.height.max(5);
        let anchor = if idx < margin && self.more_before {
            Anchor::Before(self.first_seq())
        } else if idx + margin >= self.rows.len() && self.more_after {
            Anchor::After(self.last_seq())
        } else {
            return None;
        };
        self.paging = true;
        Some(anchor)
    }

    /// The page to read when the window holds fewer rows than `height` shows.
    pub fn fill(&mut self, height: usize) -> Option<Anchor> {
        if self.paging || self.rows.len() >= height || !self.more_before || self.rows.is_empty() {
            return None;
        }
        self.paging = true;
        Some(Anchor::Before(self.first_seq()))
    }

    /// Jump to the oldest record (paused).
    pub fn first(&mut self) -> Anchor {
        self.pause();
        self.paging = true;
        Anchor::Head
    }

    /// Resume following: re-read the tail.
    pub fn resume(&mut self) -> Anchor {
        self.follow = true;
        self.paging = true;
        self.paused_at = None;
        Anchor::Tail
    }

    /// Stops following: records from now on count as new until `follow` resumes.
    fn pause(&mut self) {
        if self.follow {
            self.follow = false;
            self.paused_at = Some(self.newest);
        }
    }

    /// The live tail to read after a workspace change, if the window reaches the end (past a
    /// window that does not, the run list's counters tell how many arrived).
    pub fn live_anchor(&mut self) -> Option<Anchor> {
        self.run.as_ref()?;
        if self.paging {
            self.live_pending = true;
            return None;
        }
        if self.more_after {
            return None;
        }
        Some(Anchor::After(self.cursor))
    }

    pub fn clamp_view(&mut self, height: usize) {
        let len = self.rows.len();
        let idx = self.selected_index().unwrap_or(len.saturating_sub(1));
        self.offset = if self.follow {
            len.saturating_sub(height)
        } else {
            clamp_offset(self.offset, idx, len, height)
        };
    }

    pub fn expire(&mut self, now: Timestamp) {
        self.fresh.retain(|_, until| *until > now);
    }
}
