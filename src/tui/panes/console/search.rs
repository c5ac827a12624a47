//! The console's `/` search: the text as typed is highlighted in the lines on screen at once;
//! Enter finds every matching line of the whole console on the worker (the first
//! `SEARCH_LIMIT`), goes to the first match from the view down, and `n`/`N` step through them,
//! wrapping at either end.
//!
//! Pure: the pane asks for the search and moves the view.

/// Matching lines found at most (the title says when there may be more).
pub const SEARCH_LIMIT: usize = 10_000;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Search {
    /// As typed (highlighted live).
    pub text: String,
    /// What `matches` were found for, once the search answered.
    pub searched: Option<String>,
    /// Numbers of the matching lines, in order.
    pub matches: Vec<u32>,
    /// The match shown (index into `matches`).
    pub current: Option<usize>,
}

/// Where a step through the matches went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    pub line: u32,
    /// It went past the last match to the first (or the first to the last).
    pub wrapped: bool,
}

impl Search {
    /// Whether a search answered and found nothing.
    pub fn no_matches(&self) -> bool {
        self.searched.is_some() && self.matches.is_empty()
    }

    /// The search answered: the first match at or after `from` (else the first).
    pub fn found(&mut self, matches: Vec<u32>, from: u32) -> Option<u32> {
        self.searched = Some(self.text.clone());
        self.matches = matches;
        let i = self
            .matches
            .iter()
            .position(|l| *l >= from)
            .unwrap_or(0);
        self.current = (!self.matches.is_empty()).then_some(i);
        self.current.map(|i| self.matches[i])
    }

    /// The next (or previous) match after the current one; from `view_top` when none is
    /// current yet.
    pub fn step(&mut self, forward: bool, view_top: u32) -> Option<Step> {
        let n = self.matches.len();
        if n == 0 {
            return None;
        }
        let (i, wrapped) = match (self.current, forward) {
            (Some(c), true) => ((c + 1) % n, c + 1 == n),
            (Some(c), false) => ((c + n - 1) % n, c == 0),
            (None, true) => match self.matches.iter().position(|l| *l >= view_top) {
                Some(i) => (i, false),
                None => (0, true),
            },
            (None, false) => match self.matches.iter().rposition(|l| *l < view_top) {
                Some(i) => (i, false),
                None => (n - 1, true),
            },
        };
        self.current = Some(i);
        Some(Step {
            line: self.matches[i],
            wrapped,
        })
    }

    pub fn current_line(&self) -> Option<u32> {
        self.current.and_then(|i| self.matches.get(i).copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_through_matches_and_wraps() {
        let mut s = Search {
            text: "err".into(),
            ..Search::default()
        };
        assert_eq!(s.found(vec![3, 10, 42], 5), Some(10));
        assert_eq!(
            s.step(true, 0),
            Some(Step {
                line: 42,
                wrapped: false
            })
        );
        assert_eq!(
            s.step(true, 0),
            Some(Step {
                line: 3,
                wrapped: true
            })
        );
        assert_eq!(
            s.step(false, 0),
            Some(Step {
                line: 42,
                wrapped: true
            })
        );
        assert!(!s.no_matches());
        assert_eq!(s.found(vec![], 0), None);
        assert!(s.no_matches());
        assert_eq!(s.step(true, 0), None);
    }
}
