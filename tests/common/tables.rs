//! Direct redb access for tests that must put a workspace in a state contexta never writes
//! (damaged indexes, a newer schema). The table definitions match `src/store/tables.rs`; the
//! library keeps them private, so a test names the few it touches here.
#![allow(dead_code)]

use contexta::store::{DB_FILE, RunStats};
use redb::{Builder, ConcurrencyMode, Database, ReadableTable, TableDefinition};
use std::path::Path;

const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
const RUNS_BY_START: TableDefinition<(i64, u32), &[u8]> = TableDefinition::new("runs_by_start");
const RUN_STATS: TableDefinition<u32, &[u8]> = TableDefinition::new("run_stats");
const RELATIONS_IN: TableDefinition<(u32, u32), ()> = TableDefinition::new("relations_in");
const STAGE_SPANS: TableDefinition<(u32, u32, u32), u32> = TableDefinition::new("stage_spans");
const SERIES: TableDefinition<(u32, u32, u32), &[u8]> = TableDefinition::new("series");
const RECORD_REFS: TableDefinition<(u32, &str), u32> = TableDefinition::new("record_refs");
const RECORDS: TableDefinition<(u32, u32), &[u8]> = TableDefinition::new("records");
const SERIES_SUMMARIES: TableDefinition<(u32, u32, u32, u32), &[u8]> =
    TableDefinition::new("series_summaries");
type RefSpanKey = (u32, &'static str, u32, u64);
const RECORD_REF_SPANS: TableDefinition<RefSpanKey, (u32, u32, u32)> =
    TableDefinition::new("record_ref_spans");

/// The workspace database opened as contexta opens it (multi-writer mode), so the lock
/// protocol matches.
fn open(root: &Path) -> Database {
    let mut b = Builder::new();
    b.set_concurrency_mode(ConcurrencyMode::MultiWriter);
    b.open(root.join(DB_FILE)).unwrap()
}

/// Stores `version` as the workspace's schema version, as a future contexta would.
pub fn set_schema_version(root: &Path, version: u64) {
    let db = open(root);
    let txn = db.begin_write().unwrap();
    txn.open_table(META)
        .unwrap()
        .insert("schema_version", version)
        .unwrap();
    txn.commit().unwrap();
}

/// Empties one derived table (or, for `run_stats_first`, inflates the first run's metric
/// count by 7) so a test can watch `check` find it and `repair` rebuild it.
pub fn damage(root: &Path, what: &str) {
    let db = open(root);
    let txn = db.begin_write().unwrap();
    macro_rules! empty {
        ($t:expr) => {{
            txn.delete_table($t).unwrap();
            txn.open_table($t).unwrap();
        }};
    }
    match what {
        "stage_spans" => empty!(STAGE_SPANS),
        "series" => empty!(SERIES),
        "runs_by_start" => empty!(RUNS_BY_START),
        "record_refs" => empty!(RECORD_REFS),
        "record_ref_spans" => empty!(RECORD_REF_SPANS),
        "relations_in" => empty!(RELATIONS_IN),
        // As a workspace written before chunk summaries existed.
        "series_summaries_gone" => {
            txn.delete_table(SERIES_SUMMARIES).unwrap();
        }
        // The first chunk's summary claims a maximum its points do not hold.
        "series_summary_lies" => {
            let mut t = txn.open_table(SERIES_SUMMARIES).unwrap();
            let first = t
                .iter()
                .unwrap()
                .next()
                .transpose()
                .unwrap()
                .map(|(k, v)| (k.value(), v.value().to_vec()));
            let (k, v) = first.expect("a summary to damage");
            let mut s: contexta::store::SpanSummary = postcard::from_bytes(&v).unwrap();
            s.max += 1000.0;
            t.insert(k, postcard::to_stdvec(&s).unwrap().as_slice())
                .unwrap();
        }
        "run_stats_first" => {
            let mut t = txn.open_table(RUN_STATS).unwrap();
            let first = t
                .iter()
                .unwrap()
                .next()
                .transpose()
                .unwrap()
                .map(|(k, v)| (k.value(), v.value().to_vec()));
            if let Some((k, v)) = first {
                let mut s: RunStats = postcard::from_bytes(&v).unwrap();
                s.by_type[1] += 7;
                t.insert(k, postcard::to_stdvec(&s).unwrap().as_slice())
                    .unwrap();
            }
        }
        // Cuts the first records row (a block) in half: its records no longer decode.
        "records_first_row" => {
            let mut t = txn.open_table(RECORDS).unwrap();
            let first = t
                .iter()
                .unwrap()
                .next()
                .transpose()
                .unwrap()
                .map(|(k, v)| (k.value(), v.value().to_vec()));
            if let Some((k, v)) = first {
                t.insert(k, &v[..v.len() / 2]).unwrap();
            }
        }
        other => panic!("unknown damage {other}"),
    }
    txn.commit().unwrap();
}

const CONSOLE: TableDefinition<(u32, u32), &[u8]> = TableDefinition::new("console");

/// Overwrites every console chunk with bytes no chunk decodes from (a truncated value).
pub fn garble_console(root: &Path) -> usize {
    let db = open(root);
    let txn = db.begin_write().unwrap();
    let mut n = 0;
    {
        let mut t = txn.open_table(CONSOLE).unwrap();
        let keys: Vec<(u32, u32)> = t.iter().unwrap().map(|i| i.unwrap().0.value()).collect();
        for k in keys {
            t.insert(k, [0xffu8, 0xff].as_slice()).unwrap();
            n += 1;
        }
    }
    txn.commit().unwrap();
    n
}
