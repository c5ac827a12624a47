//! A run's console (the lines a command wrapped by `contexta run -- CMD` printed): windows of
//! it for a pane or `contexta console`, its tail, text search, and the line on screen at a
//! moment (to jump from a failure to the lines printed just before it).
//! `since` is what a live view reads after each workspace change: only the lines that are new
//! (and the few a terminal may still redraw), never the whole console.

use super::resolve::QueryError;
use crate::model::{ConsoleLine, Ref, Timestamp, console_plain};
use crate::store::Workspace;
use std::ops::Range;

/// A window of the console and how long the whole console is (it grows while the run lives).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConsoleView {
    pub total: u32,
    pub lines: Vec<ConsoleLine>,
}

/// Lines numbered in `range`, with the console's current length, from one snapshot.
pub fn lines(ws: &Workspace, run: &Ref, range: Range<u32>) -> Result<ConsoleView, QueryError> {
    let snap = ws.read()?;
    let total = snap.console_len(run)?;
    let end = range.end.min(total);
    let lines = snap.console_lines(run, range.start.min(end)..end)?;
    Ok(ConsoleView { total, lines })
}

/// The last `n` lines.
pub fn tail(ws: &Workspace, run: &Ref, n: u32) -> Result<ConsoleView, QueryError> {
    let snap = ws.read()?;
    let total = snap.console_len(run)?;
    let lines = snap.console_lines(run, total.saturating_sub(n)..total)?;
    Ok(ConsoleView { total, lines })
}

/// The lines from `from` to the end, or only the last `max` of them when more arrived (a live
/// view that fell behind a burst needs the tail, not everything in between).
pub fn since(ws: &Workspace, run: &Ref, from: u32, max: u32) -> Result<ConsoleView, QueryError> {
    let snap = ws.read()?;
    let total = snap.console_len(run)?;
    let start = from.max(total.saturating_sub(max)).min(total);
    let lines = snap.console_lines(run, start..total)?;
    Ok(ConsoleView { total, lines })
}

/// Where "the last lines before the failure" are in a run's console.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FailurePoint {
    /// The last line that had appeared at the moment of the failure (the console's last line
    /// when the console ended there, or when nothing tells the moment).
    pub line: u32,
    /// The console's length now.
    pub total: u32,
}

/// The console line to show for a failure: the moment is the record's (a finding's evidence)
/// when given and found, else the run's end when it ended; `None` when the run has no console.
pub fn failure_point(
    ws: &Workspace,
    run: &Ref,
    record: Option<&Ref>,
) -> Result<Option<FailurePoint>, QueryError> {
    let snap = ws.read()?;
    let total = snap.console_len(run)?;
    if total == 0 {
        return Ok(None);
    }
    let mut at = None;
    if let Some(record) = record
        && let Some((rrun, seq)) = super::record_seq(ws, record)?
        && &rrun == run
    {
        at = snap
            .record(run, seq)?
            .map(|r| r.record.envelope.observed_at);
    }
    if at.is_none() {
        at = snap.run(run)?.and_then(|info| info.run.ended_at);
    }
    let line = match at {
        Some(at) => line_at(ws, run, at)?.unwrap_or(0),
        None => total - 1,
    };
    Ok(Some(FailurePoint {
        line: line.min(total - 1),
        total,
    }))
}

/// Numbers of the lines (from `from` on) whose visible text contains `needle`, ignoring case;
/// at most `limit` of them.
pub fn search(
    ws: &Workspace,
    run: &Ref,
    needle: &str,
    from: u32,
    limit: usize,
) -> Result<Vec<u32>, QueryError> {
    let needle = needle.to_lowercase();
    let mut hits = Vec::new();
    if limit == 0 {
        return Ok(hits);
    }
    ws.read()?.console_scan(run, from, |l| {
        if console_plain(&l.text).to_lowercase().contains(&needle) {
            hits.push(l.line);
        }
        hits.len() < limit
    })?;
    Ok(hits)
}

/// The last line that had appeared by `at` (lines are numbered in the order they appeared),
/// or `None` if the console was still empty then.
pub fn line_at(ws: &Workspace, run: &Ref, at: Timestamp) -> Result<Option<u32>, QueryError> {
    let snap = ws.read()?;
    let total = snap.console_len(run)?;
    let first_at = |n: u32| -> Result<Option<Timestamp>, QueryError> {
        Ok(snap.console_lines(run, n..n + 1)?.first().map(|l| l.at))
    };
    // Binary search for the first line that appeared after `at`.
    let (mut lo, mut hi) = (0u32, total);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if first_at(mid)?.is_some_and(|t| t <= at) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    Ok(lo.checked_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ConsoleBatch, ConsoleStream};
    use crate::store::{Access, WriteOp};

    fn line(n: u32, at: i64, text: &str) -> ConsoleLine {
        ConsoleLine {
            line: n,
            stream: if n.is_multiple_of(2) {
                ConsoleStream::Stdout
            } else {
                ConsoleStream::Stderr
            },
            at: Timestamp(at),
            text: text.into(),
        }
    }

    fn workspace_with_console(n: u32) -> (tempfile::TempDir, Workspace, Ref) {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::open(&dir.path().join(".contexta"), Access::Write).unwrap();
        let run = Ref::parse("run:p.r").unwrap();
        // Written in uneven batches, across chunk boundaries, as a capture would.
        let all: Vec<ConsoleLine> = (0..n)
            .map(|i| line(i, 1_000 + i as i64 * 10, &format!("line {i}")))
            .collect();
        for part in all.chunks(37) {
            ws.write(&[WriteOp::Console(ConsoleBatch {
                run_ref: run.clone(),
                lines: part.to_vec(),
            })])
            .unwrap();
        }
        (dir, ws, run)
    }

    #[test]
    fn windows_and_tail_read_across_chunks() {
        let (_d, ws, run) = workspace_with_console(150);
        let v = lines(&ws, &run, 60..70).unwrap();
        assert_eq!(v.total, 150);
        let texts: Vec<_> = v.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            texts,
            (60..70).map(|i| format!("line {i}")).collect::<Vec<_>>()
        );
        assert_eq!(v.lines[0].at, Timestamp(1_600));
        assert_eq!(v.lines[1].stream, ConsoleStream::Stderr);
        let t = tail(&ws, &run, 3).unwrap();
        assert_eq!(
            t.lines.iter().map(|l| l.line).collect::<Vec<_>>(),
            [147, 148, 149]
        );
        assert!(lines(&ws, &run, 140..500).unwrap().lines.len() == 10);
        assert!(lines(&ws, &run, 500..600).unwrap().lines.is_empty());
    }

    #[test]
    fn a_redrawn_line_replaces_its_slot() {
        let (_d, ws, run) = workspace_with_console(70);
        ws.write(&[WriteOp::Console(ConsoleBatch {
            run_ref: run.clone(),
            lines: vec![line(65, 1_650, "epoch 3: 100%")],
        })])
        .unwrap();
        let v = lines(&ws, &run, 64..70).unwrap();
        assert_eq!(v.total, 70);
        assert_eq!(v.lines[1].text, "epoch 3: 100%");
        assert_eq!(v.lines[2].text, "line 66");
    }

    #[test]
    fn search_and_line_at() {
        let (_d, ws, run) = workspace_with_console(200);
        assert_eq!(
            search(&ws, &run, "LINE 19", 0, 100).unwrap(),
            [19, 190, 191, 192, 193, 194, 195, 196, 197, 198, 199]
        );
        assert_eq!(search(&ws, &run, "line 19", 100, 2).unwrap(), [190, 191]);
        assert_eq!(line_at(&ws, &run, Timestamp(999)).unwrap(), None);
        assert_eq!(line_at(&ws, &run, Timestamp(1_000)).unwrap(), Some(0));
        assert_eq!(line_at(&ws, &run, Timestamp(1_555)).unwrap(), Some(55));
        assert_eq!(line_at(&ws, &run, Timestamp(99_999)).unwrap(), Some(199));
    }

    #[test]
    fn since_reads_only_the_new_lines_or_the_tail_of_a_burst() {
        let (_d, ws, run) = workspace_with_console(300);
        let v = since(&ws, &run, 295, 100).unwrap();
        assert_eq!(v.total, 300);
        assert_eq!(
            v.lines.iter().map(|l| l.line).collect::<Vec<_>>(),
            [295, 296, 297, 298, 299]
        );
        // Fell behind by more than `max`: only the last `max` lines.
        let v = since(&ws, &run, 10, 20).unwrap();
        assert_eq!(v.lines.first().unwrap().line, 280);
        assert_eq!(v.lines.len(), 20);
        assert!(since(&ws, &run, 300, 20).unwrap().lines.is_empty());
        assert!(since(&ws, &run, 900, 20).unwrap().lines.is_empty());
    }

    #[test]
    fn failure_point_is_the_end_or_the_line_at_the_run_end() {
        use crate::model::{Run, Status};
        let (_d, ws, run) = workspace_with_console(200);
        let mut entity = Run::new(run.clone(), "r", Timestamp(900));
        ws.write(&[WriteOp::Run(entity.clone())]).unwrap();
        // Open, so no end time: the console's last line.
        assert_eq!(
            failure_point(&ws, &run, None).unwrap(),
            Some(FailurePoint {
                line: 199,
                total: 200
            })
        );
        // It failed at 1,555 µs and the console went on (a resumed run): the line then.
        entity.status = Status::Failed;
        entity.ended_at = Some(Timestamp(1_555));
        ws.write(&[WriteOp::Run(entity)]).unwrap();
        assert_eq!(
            failure_point(&ws, &run, None).unwrap(),
            Some(FailurePoint {
                line: 55,
                total: 200
            })
        );
        let other = Ref::parse("run:p.other").unwrap();
        assert_eq!(failure_point(&ws, &other, None).unwrap(), None);
    }

    #[test]
    fn a_run_without_console_reads_empty() {
        let (_d, ws, _) = workspace_with_console(1);
        let other = Ref::parse("run:p.other").unwrap();
        assert_eq!(tail(&ws, &other, 10).unwrap(), ConsoleView::default());
        assert!(search(&ws, &other, "x", 0, 5).unwrap().is_empty());
    }
}
