//! The record stream pane: one run's records, oldest at the top, read a page at a time
//! (`window.rs`), following the live tail until the user scrolls up; the `/` filter
//! (`filter.rs`); `Enter`/`d` shows a record's every field in the detail view, `y` copies its
//! ref, `o` pages its JSON, `w` wraps long messages and `<`/`>` scroll them. The selection is a
//! record seq.
//!
//! Pure: returns queries through `Cx`; the worker reads pages (`fetch.rs`), `view.rs` draws.

mod fetch;
mod filter;
mod view;
mod window;

pub use filter::parse_record_filter;
pub use window::{FRESH_MICROS, PageSize};

use super::{Info, Pane, PaneKind, Place, motion_delta};
use crate::model::{Ref, Timestamp};
use crate::query::{Anchor, RecordFilter, RecordPage, RecordRow};
use crate::sanitize::sanitize;
use crate::tui::action::{Action, Motion, PaneId};
use crate::tui::context::{Cx, Detail, External, FlashLevel, Intent, Load, Overlay, Shared};
use crate::tui::drawn_rows::DrawnRows;
use crate::tui::wrapping::{SCROLL_WHILE_WRAPPED, TextView};
use crate::tui::effect::{Lane, Priority};
use std::collections::{BTreeMap, VecDeque};

#[derive(Clone, Debug, Default)]
pub struct StreamPane {
    pub run: Option<Ref>,
    pub load: Load,
    pub filter_text: String,
    pub filter: RecordFilter,
    pub rows: VecDeque<RecordRow>,
    pub more_before: bool,
    pub more_after: bool,
    /// The run's newest seq as of the last read that reached the end: the live tail's cursor.
    pub cursor: u32,
    /// Records in the run (all types) at the last read.
    pub total: u64,
    pub follow: bool,
    pub selected: Option<u32>,
    pub offset: usize,
    /// Rows that arrived live, highlighted until the instant given.
    pub fresh: BTreeMap<u32, Timestamp>,
    /// The run's newest seq as last known (from pages read and the run list).
    pub newest: u32,
    /// The run's newest seq when following stopped (scrolling up, `g g`, a jump to a record);
    /// `None` while following, or until the first page of a jump says where the run ends.
    pub paused_at: Option<u32>,
    /// A page request is in flight (so prefetching does not repeat it).
    pub paging: bool,
    /// The workspace changed while a page was in flight: read the tail when it lands (asking
    /// now would replace that request in its slot).
    pub live_pending: bool,
    /// Long messages cut (and scrolled sideways) or wrapped.
    pub view: TextView,
    /// The record (seq) each line of the last frame showed (mouse clicks).
    pub drawn: DrawnRows,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Query {
    Records {
        run: Ref,
        filter: RecordFilter,
        anchor: Anchor,
        limit: usize,
    },
    /// Where a record is (its run and seq), for a jump from a finding.
    Locate { record: Ref },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Loaded {
    Records { anchor: Anchor, page: RecordPage },
    Located(Ref, u32),
}

impl StreamPane {
    /// Records that arrived since following stopped (the title's "N new").
    pub fn new_while_paused(&self) -> u64 {
        match (self.follow, self.paused_at) {
            (false, Some(at)) => u64::from(self.newest.saturating_sub(at)),
            _ => 0,
        }
    }

    fn page_size(shared: &Shared) -> PageSize {
        PageSize {
            height: shared.pane_height(PaneId::Stream),
        }
    }

    fn records(&mut self, anchor: Anchor, limit: usize, cx: &mut Cx<'_>) {
        if let Some(run) = self.run.clone() {
            cx.ask(Query::Records {
                run,
                filter: self.filter.clone(),
                anchor,
                limit,
            });
        }
    }

    fn follow(&mut self, cx: &mut Cx<'_>) {
        let anchor = self.resume();
        let limit = Self::page_size(cx.shared).limit();
        self.records(anchor, limit, cx);
    }

    /// The record stream of `run`, paused, scrolled to and selecting `seq`.
    pub fn show_record(&mut self, run: Ref, seq: u32, cx: &mut Cx<'_>) {
        self.filter = RecordFilter::default();
        self.filter_text.clear();
        self.reset(Some(run));
        self.follow = false;
        // Where the run ends is known when the first page lands: records after that are new.
        self.paused_at = None;
        self.selected = Some(seq);
        // Read from the record on; earlier rows are fetched to fill the pane (`fill`).
        self.more_before = seq > 1;
        self.more_after = true;
        let limit = Self::page_size(cx.shared).limit();
        self.records(Anchor::After(seq.saturating_sub(1)), limit, cx);
    }

    /// The selected record as pretty JSON: every field of its envelope and payload.
    fn record_json(&self, verb: &str, cx: &mut Cx<'_>) -> Option<(&RecordRow, String)> {
        let Some(row) = self.selected_row() else {
            cx.flash(FlashLevel::Warn, format!("{verb}: no record selected"));
            return None;
        };
        let json = serde_json::to_string_pretty(&row.record.to_json())
            .unwrap_or_else(|e| format!("cannot show record: {e}"));
        Some((row, json))
    }

    /// `Enter`/`d`: the selected record in the detail view.
    fn open_record(&mut self, cx: &mut Cx<'_>) {
        let Some((row, json)) = self.record_json("detail", cx) else {
            return;
        };
        let title = format!(
            "{} · seq {}",
            sanitize(row.record.envelope.record_ref.as_str()),
            row.seq
        );
        let lines = json.lines().map(str::to_string).collect();
        let detail = Detail::new(title, lines, "record JSON", json);
        cx.intent(Intent::Overlay(Overlay::Detail(detail)));
    }

    /// `y`: the selected record's ref.
    fn copy_ref(&self, cx: &mut Cx<'_>) {
        match self.selected_row() {
            Some(row) => cx.intent(Intent::Copy {
                what: "record ref",
                text: row.record.envelope.record_ref.to_string(),
            }),
            None => cx.flash(FlashLevel::Warn, "copy: no record selected"),
        }
    }

    /// `o`: the selected record's JSON in `$PAGER`.
    fn page_record(&self, cx: &mut Cx<'_>) {
        if let Some((_, json)) = self.record_json("open", cx) {
            cx.intent(Intent::External(External::Pager { text: json + "\n" }));
        }
    }
}

impl Pane for StreamPane {
    fn sync(&mut self, cx: &mut Cx<'_>, force: bool) {
        let run = cx.shared.run.clone();
        if !cx.shared.visible(PaneId::Stream) || !(force || self.run != run) {
            return;
        }
        let none = run.is_none();
        self.reset(run);
        if none {
            self.load = Load::Idle;
        }
        let limit = Self::page_size(cx.shared).limit();
        self.records(Anchor::Tail, limit, cx);
    }

    fn on_changed(&mut self, cx: &mut Cx<'_>) {
        if cx.shared.run.is_none()
            || !cx.shared.visible(PaneId::Stream)
            || self.run != cx.shared.run
        {
            return;
        }
        // The tree's counters are not read yet: ask from the cursor; an empty page is cheap.
        if let Some(anchor) = self.live_anchor() {
            let limit = Self::page_size(cx.shared).cap();
            self.records(anchor, limit, cx);
        }
    }

    fn on_catalog(&mut self, cx: &mut Cx<'_>) {
        // The run list's counters say how far the run got, also past a window that does not
        // reach its end (no page is read for those records while paused).
        if let Some(run) = &self.run
            && let Some(info) = cx.shared.catalog.run_info(run)
        {
            self.newest = self.newest.max(info.stats.last_seq);
        }
    }

    fn on_resize(&mut self, cx: &mut Cx<'_>) {
        // A taller pane may show more than the window holds.
        let height = cx.shared.pane_height(PaneId::Stream);
        if let Some(anchor) = self.fill(height) {
            self.records(anchor, height.max(10), cx);
        }
    }

    fn on_action(&mut self, action: &Action, focused: bool, cx: &mut Cx<'_>) -> bool {
        match action {
            Action::Follow => self.follow(cx),
            Action::Open | Action::Detail if focused => self.open_record(cx),
            Action::Copy if focused => self.copy_ref(cx),
            Action::OpenExternal if focused => self.page_record(cx),
            Action::ToggleWrap if focused => self.view.toggle_wrap(),
            Action::HScroll(right) if focused => {
                if !self.view.scroll(*right) {
                    cx.flash(FlashLevel::Warn, SCROLL_WHILE_WRAPPED);
                }
            }
            _ => return false,
        }
        true
    }

    fn select(&mut self, motion: Motion, cx: &mut Cx<'_>) {
        match motion {
            Motion::First => {
                let anchor = self.first();
                let limit = Self::page_size(cx.shared).limit();
                self.records(anchor, limit, cx);
            }
            Motion::Last => self.follow(cx),
            m => {
                let page = cx.shared.pane_height(PaneId::Stream);
                self.move_by(motion_delta(m, page), cx);
            }
        }
    }

    fn move_by(&mut self, delta: isize, cx: &mut Cx<'_>) {
        let size = Self::page_size(cx.shared);
        if let Some(anchor) = self.move_window(delta, &size) {
            self.records(anchor, size.limit(), cx);
        }
    }

    fn click(&mut self, row: usize, cx: &mut Cx<'_>) {
        let idx = self.selected_index().unwrap_or(0);
        // By seq: pages that arrived since the frame may have shifted the rows.
        let Some(target) = self
            .drawn
            .item_at(row)
            .and_then(|seq| self.rows.iter().position(|r| r.seq as usize == seq))
        else {
            return;
        };
        if target != idx {
            self.move_by(target as isize - idx as isize, cx);
        }
    }

    fn clamp(&mut self, shared: &Shared) {
        self.clamp_view(shared.pane_height(PaneId::Stream));
    }

    fn filter(&self) -> Option<&str> {
        Some(&self.filter_text)
    }

    fn set_filter(&mut self, text: &str, submitted: bool, cx: &mut Cx<'_>) {
        match parse_record_filter(text, cx.shared.run.as_ref()) {
            Ok(f) => {
                if f == self.filter && text == self.filter_text {
                    return;
                }
                self.filter = f;
                self.filter_text = text.to_string();
                let run = self.run.clone();
                self.reset(run);
                let limit = Self::page_size(cx.shared).limit();
                self.records(Anchor::Tail, limit, cx);
            }
            Err(e) => {
                if submitted {
                    cx.flash(FlashLevel::Error, format!("filter: {e}"));
                }
            }
        }
    }

    fn on_clock(&mut self, now: Timestamp) {
        self.expire(now);
    }

    fn next_wake(&self) -> Option<Timestamp> {
        self.fresh.values().min().copied()
    }

    fn on_failed(&mut self, lane: &'static str, message: &str) {
        if lane == "records" {
            self.load = Load::Failed(message.to_string());
            self.paging = false;
        }
    }
}

impl PaneKind for StreamPane {
    const INFO: Info = Info {
        name: "stream",
        aliases: &["records"],
        title: "Records",
        help: "Records",
        place: Place::Records,
    };
    type Query = Query;
    type Loaded = Loaded;

    fn lane(q: &Query) -> Lane {
        match q {
            Query::Records { .. } => Lane::new(Priority::View, "records"),
            Query::Locate { .. } => Lane::new(Priority::Investigate, "locate"),
        }
    }

    fn on_loaded(&mut self, loaded: Loaded, cx: &mut Cx<'_>) {
        match loaded {
            Loaded::Records { anchor, page } => {
                let size = Self::page_size(cx.shared);
                if let Some(next) = self.apply_page(anchor, page, &size, cx.shared.now) {
                    self.records(next, size.cap(), cx);
                }
            }
            Loaded::Located(run, seq) => cx.intent(Intent::ShowRecord(run, seq)),
        }
    }
}
