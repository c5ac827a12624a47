//! A run's console lines, in their own table: `(run, chunk) → 64 consecutive lines`.
//!
//! Not records: a console is bulk text (a chatty job prints millions of lines) whose lines are
//! rewritten in place while a terminal redraws them, and it is not part of the reference's
//! record contract. Chunks keep a million lines to ~16,000 small table entries; a line written
//! again (a progress bar's latest state) replaces its slot in its chunk. The table is additive:
//! a workspace written before it existed simply has no console.

use super::codec::{decode, encode};
use super::error::StoreError;
use super::read::ReadSnapshot;
use super::tables::CONSOLE;
use crate::model::{ConsoleLine, ConsoleStream, Timestamp};
use redb::{ReadableTable, Table};
use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// Lines per stored chunk.
pub(crate) const CONSOLE_CHUNK: u32 = 64;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct StoredChunk {
    /// Time base (µs) of the chunk's first line; each line keeps a delta to it.
    base: i64,
    lines: Vec<(ConsoleStream, i64, String)>,
}

/// The chunk each run is writing in this transaction. Lines come in order, so a chunk is written
/// to the table as soon as a run's lines move past it, and a transaction holds one chunk a run
/// instead of every chunk it touched (a wrapped command's burst commits 65,000 lines at once).
/// A line redrawn in a chunk already written reads it back from the transaction.
#[derive(Default)]
pub(crate) struct ConsoleWrites {
    open: HashMap<u32, (u32, StoredChunk)>,
}

type WriteTable<'t> = Table<'t, (u32, u32), &'static [u8]>;

impl ConsoleWrites {
    pub fn put(
        &mut self,
        table: &mut WriteTable<'_>,
        run: u32,
        line: &ConsoleLine,
    ) -> Result<(), StoreError> {
        let no = line.line / CONSOLE_CHUNK;
        let chunk = match self.open.remove(&run) {
            Some((open_no, chunk)) if open_no == no => chunk,
            other => {
                if let Some((open_no, chunk)) = other {
                    table.insert((run, open_no), encode(&chunk)?.as_slice())?;
                }
                match table.get((run, no))? {
                    Some(bytes) => decode(bytes.value(), "console chunk")?,
                    None => StoredChunk {
                        base: line.at.0,
                        lines: Vec::with_capacity(CONSOLE_CHUNK as usize),
                    },
                }
            }
        };
        let (_, chunk) = self.open.entry(run).or_insert((no, chunk));
        let slot = (line.line % CONSOLE_CHUNK) as usize;
        let entry = (line.stream, line.at.0 - chunk.base, line.text.clone());
        if slot < chunk.lines.len() {
            chunk.lines[slot] = entry;
        } else {
            // Lines arrive in order; a gap (never expected) is kept as empty lines.
            while chunk.lines.len() < slot {
                chunk
                    .lines
                    .push((line.stream, line.at.0 - chunk.base, String::new()));
            }
            chunk.lines.push(entry);
        }
        Ok(())
    }

    pub fn finish(self, table: &mut WriteTable<'_>) -> Result<(), StoreError> {
        for (run, (no, chunk)) in self.open {
            table.insert((run, no), encode(&chunk)?.as_slice())?;
        }
        Ok(())
    }
}

type ConsoleTable = redb::ReadOnlyTable<(u32, u32), &'static [u8]>;

impl ReadSnapshot<'_> {
    fn console_table(&self) -> Result<Option<ConsoleTable>, StoreError> {
        match self.txn.open_table(CONSOLE) {
            Ok(t) => Ok(Some(t)),
            Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// How many console lines the run has (0 when it has none).
    pub fn console_len(&self, run: &crate::model::Ref) -> Result<u32, StoreError> {
        let (Some(id), Some(t)) = (self.id_of(run.as_str())?, self.console_table()?) else {
            return Ok(0);
        };
        let last = t.range((id, 0)..=(id, u32::MAX))?.next_back();
        match last {
            Some(item) => {
                let (k, v) = item?;
                let chunk: StoredChunk = decode(v.value(), "console chunk")?;
                Ok(k.value().1 * CONSOLE_CHUNK + chunk.lines.len() as u32)
            }
            None => Ok(0),
        }
    }

    /// The run's console lines numbered in `range` (fewer at the end of the console).
    pub fn console_lines(
        &self,
        run: &crate::model::Ref,
        range: Range<u32>,
    ) -> Result<Vec<ConsoleLine>, StoreError> {
        let mut out = Vec::new();
        if range.is_empty() {
            return Ok(out);
        }
        let (Some(id), Some(t)) = (self.id_of(run.as_str())?, self.console_table()?) else {
            return Ok(out);
        };
        let first = range.start / CONSOLE_CHUNK;
        let last = (range.end - 1) / CONSOLE_CHUNK;
        for item in t.range((id, first)..=(id, last))? {
            let (k, v) = item?;
            let chunk_no = k.value().1;
            let chunk: StoredChunk = decode(v.value(), "console chunk")?;
            for (i, (stream, delta, text)) in chunk.lines.into_iter().enumerate() {
                let line = chunk_no * CONSOLE_CHUNK + i as u32;
                if range.contains(&line) {
                    out.push(ConsoleLine {
                        line,
                        stream,
                        at: Timestamp(chunk.base + delta),
                        text,
                    });
                }
            }
        }
        Ok(out)
    }

    /// Calls `f` with each console line of the run from `from` on, chunk by chunk, until it
    /// returns false: a scan (search) that never holds the whole console in memory.
    pub fn console_scan(
        &self,
        run: &crate::model::Ref,
        from: u32,
        mut f: impl FnMut(ConsoleLine) -> bool,
    ) -> Result<(), StoreError> {
        let (Some(id), Some(t)) = (self.id_of(run.as_str())?, self.console_table()?) else {
            return Ok(());
        };
        for item in t.range((id, from / CONSOLE_CHUNK)..=(id, u32::MAX))? {
            let (k, v) = item?;
            let chunk_no = k.value().1;
            let chunk: StoredChunk = decode(v.value(), "console chunk")?;
            for (i, (stream, delta, text)) in chunk.lines.into_iter().enumerate() {
                let line = chunk_no * CONSOLE_CHUNK + i as u32;
                if line >= from
                    && !f(ConsoleLine {
                        line,
                        stream,
                        at: Timestamp(chunk.base + delta),
                        text,
                    })
                {
                    return Ok(());
                }
            }
        }
        Ok(())
    }
}
