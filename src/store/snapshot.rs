//! Consistent copies of the database for backups. A raw file copy taken while writers commit is
//! not consistent, so the copy is made through one redb read transaction: every table is read
//! from that single snapshot and written into a fresh database file. Writers keep writing the
//! whole time (a read transaction never blocks them). This module never touches artifact files
//! and never writes to the source workspace.

use super::error::StoreError;
use super::tables::*;
use super::workspace::{Access, Workspace, builder};
use redb::{
    Database, Key, ReadTransaction, ReadableTable, ReadableTableMetadata, TableDefinition,
    TableHandle, Value,
};
use std::collections::BTreeSet;
use std::path::Path;

/// Rows per destination commit: keeps each write transaction's dirty pages bounded.
const ROWS_PER_COMMIT: u64 = 500_000;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct SnapshotInfo {
    /// The workspace generation the copy was taken at.
    pub generation: u64,
    pub tables: usize,
    pub rows: u64,
}

struct Copier<'a> {
    src: &'a ReadTransaction,
    dst: &'a Database,
    done: u64,
    total: u64,
    copied: BTreeSet<String>,
    progress: &'a mut dyn FnMut(u64, u64),
}

impl Copier<'_> {
    fn copy<K: Key + 'static, V: Value + 'static>(
        &mut self,
        def: TableDefinition<K, V>,
    ) -> Result<(), StoreError> {
        self.copied.insert(def.name().to_string());
        let src = match self.src.open_table(def) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        let mut iter = src.iter()?;
        loop {
            let txn = self.dst.begin_write()?;
            let mut n = 0u64;
            let mut finished = false;
            {
                let mut t = txn.open_table(def)?;
                while n < ROWS_PER_COMMIT {
                    let Some(item) = iter.next() else {
                        finished = true;
                        break;
                    };
                    let (k, v) = item?;
                    t.insert(k.value(), v.value())?;
                    n += 1;
                }
            }
            txn.commit()?;
            self.done += n;
            (self.progress)(self.done, self.total);
            if finished {
                return Ok(());
            }
        }
    }
}

fn table_len<K: Key + 'static, V: Value + 'static>(
    txn: &ReadTransaction,
    def: TableDefinition<K, V>,
) -> Result<u64, StoreError> {
    match txn.open_table(def) {
        Ok(t) => Ok(t.len()?),
        Err(redb::TableError::TableDoesNotExist(_)) => Ok(0),
        Err(e) => Err(e.into()),
    }
}

/// Calls `$f!(DEF)` for every table of the workspace.
macro_rules! each_table {
    ($m:ident) => {
        $m!(META);
        $m!(NAMES);
        $m!(NAME_IDS);
        $m!(PROJECTS);
        $m!(RUNS);
        $m!(RUNS_BY_PROJECT);
        $m!(RUNS_BY_START);
        $m!(RUN_STATS);
        $m!(STAGES);
        $m!(BATCHES);
        $m!(SAMPLES);
        $m!(OPERATIONS);
        $m!(ENVIRONMENTS);
        $m!(ARTIFACTS);
        $m!(DEPLOYMENTS);
        $m!(RELATIONS);
        $m!(RELATIONS_OUT);
        $m!(RELATIONS_IN);
        $m!(PROVENANCE);
        $m!(PROVENANCE_BY_RELATION);
        $m!(RECORDS);
        $m!(STAGE_SPANS);
        $m!(TYPE_SPANS);
        $m!(SERIES);
        $m!(METRIC_KEYS);
        $m!(RECORD_REFS);
        $m!(RECORD_REF_SPANS);
        $m!(DUPLICATES);
    };
}

impl Workspace {
    /// Writes a consistent copy of the database to `dest` (a new file; an existing one is
    /// refused). `progress(rows_done, rows_total)` is called after each chunk.
    pub fn snapshot_to(
        &self,
        dest: &Path,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<SnapshotInfo, StoreError> {
        if dest.exists() {
            return Err(StoreError::Invalid(format!(
                "{} already exists; a snapshot is only written to a new file",
                dest.display()
            )));
        }
        let src = self.begin_read()?;
        let mut total = 0u64;
        macro_rules! count {
            ($d:ident) => {
                total += table_len(&src, $d)?;
            };
        }
        each_table!(count);
        let generation = src
            .open_table(META)?
            .get("generation")?
            .map(|v| v.value())
            .unwrap_or(0);
        let dst = builder(Access::Write)
            .create(dest)
            .map_err(|e| StoreError::Corrupt(format!("{}: {e}", dest.display())))?;
        let mut c = Copier {
            src: &src,
            dst: &dst,
            done: 0,
            total,
            copied: BTreeSet::new(),
            progress,
        };
        macro_rules! copy {
            ($d:ident) => {
                c.copy($d)?;
            };
        }
        each_table!(copy);
        // A table this build does not know would be silently dropped: refuse instead.
        for t in src.list_tables()? {
            if !c.copied.contains(t.name()) {
                return Err(StoreError::Invalid(format!(
                    "table `{}` is unknown to this build; refusing an incomplete snapshot",
                    t.name()
                )));
            }
        }
        Ok(SnapshotInfo {
            generation,
            tables: c.copied.len(),
            rows: c.done,
        })
    }
}
