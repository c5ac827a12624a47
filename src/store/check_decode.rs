//! Part of `ReadSnapshot::check`: every stored value decodes. A row whose bytes passed redb's
//! page checksums can still hold what no reader can decode (a writer bug, or damage copied
//! into a fresh file with fresh checksums); each one is an error finding naming its table and
//! key, found here rather than by the first `export` or query that trips on it.
//! Records are decoded by `derive_run` and runs by `check` itself, which report them.

use super::check::{FindingSeverity::Error, Names, Out, name_of};
use super::codec::*;
use super::error::StoreError;
use super::read::{ReadSnapshot, open};
use super::tables::*;
use crate::model::*;
use redb::{ReadableTable, TableDefinition, TableHandle};
use serde::de::DeserializeOwned;

type Bytes = &'static [u8];

fn bad(out: &mut Out, table: &str, key: String, e: StoreError) {
    let detail = match e {
        StoreError::Corrupt(m) => m,
        other => other.to_string(),
    };
    out.push(
        "value_unreadable",
        Error,
        &format!("{table} {key}"),
        format!("the stored value does not decode: {detail}"),
        false,
    );
}

/// Whether redb's string decoding of `f` panics (it unwraps UTF-8), without letting it end
/// the check.
fn utf8_ok(f: impl FnOnce()) -> bool {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).is_ok()
}

impl ReadSnapshot<'_> {
    pub(super) fn check_decodes(&self, out: &mut Out, names: &Names) -> Result<(), StoreError> {
        let n = |id: u32| name_of(names, id);
        self.walk_u32::<Project>(out, PROJECTS, "project", &n)?;
        self.walk_u32::<RunStats>(out, RUN_STATS, "run stats", &n)?;
        self.walk_u32::<Relation>(out, RELATIONS, "relation", &n)?;
        self.walk_u32::<ProvenanceRecord>(out, PROVENANCE, "provenance", &n)?;
        self.walk_pair::<StageExecution>(out, STAGES, "stage", &n)?;
        self.walk_pair::<BatchExecution>(out, BATCHES, "batch", &n)?;
        self.walk_pair::<SampleObservation>(out, SAMPLES, "sample", &n)?;
        self.walk_pair::<OperationContext>(out, OPERATIONS, "operation", &n)?;
        self.walk_pair::<EnvironmentSnapshot>(out, ENVIRONMENTS, "environment", &n)?;
        self.walk_pair::<ArtifactManifest>(out, ARTIFACTS, "artifact", &n)?;
        self.walk_pair::<DeploymentExecution>(out, DEPLOYMENTS, "deployment", &n)?;
        self.walk_pair::<MetricSummary>(out, METRIC_KEYS, "metric summary", &n)?;
        let t = open(&self.txn, RUNS_BY_START)?;
        for item in t.iter()? {
            let (k, v) = item?;
            let (at, run) = k.value();
            if let Err(e) = decode::<RunRow>(v.value(), "run list row") {
                bad(out, RUNS_BY_START.name(), format!("({at}, {})", n(run)), e);
            }
        }
        let t = open(&self.txn, SERIES)?;
        for item in t.iter()? {
            let (k, v) = item?;
            let (run, key, chunk) = k.value();
            if let Err(e) = decode_chunk(v.value(), 0, &mut Vec::new()) {
                let key = format!("({}, {}, chunk {chunk})", n(run), n(key));
                bad(out, SERIES.name(), key, e);
            }
        }
        // Console chunks (`contexta run`): the table exists only in workspaces that captured one.
        if let Ok(t) = self.txn.open_table(CONSOLE) {
            for item in t.iter()? {
                let (k, v) = item?;
                let (run, chunk) = k.value();
                if let Err(e) = decode::<super::console::StoredChunk>(v.value(), "console chunk") {
                    let key = format!("({}, chunk {chunk})", n(run));
                    bad(out, CONSOLE.name(), key, e);
                }
            }
        }
        self.check_strings(out)
    }

    fn walk_u32<T: DeserializeOwned>(
        &self,
        out: &mut Out,
        def: TableDefinition<u32, Bytes>,
        what: &str,
        n: &dyn Fn(u32) -> String,
    ) -> Result<(), StoreError> {
        for item in open(&self.txn, def)?.iter()? {
            let (k, v) = item?;
            if let Err(e) = decode::<T>(v.value(), what) {
                bad(out, def.name(), n(k.value()), e);
            }
        }
        Ok(())
    }

    fn walk_pair<T: DeserializeOwned>(
        &self,
        out: &mut Out,
        def: TableDefinition<(u32, u32), Bytes>,
        what: &str,
        n: &dyn Fn(u32) -> String,
    ) -> Result<(), StoreError> {
        for item in open(&self.txn, def)?.iter()? {
            let (k, v) = item?;
            let (a, b) = k.value();
            if let Err(e) = decode::<T>(v.value(), what) {
                bad(out, def.name(), format!("({}, {})", n(a), n(b)), e);
            }
        }
        Ok(())
    }

    /// The interned names and record tokens are redb strings: each must be UTF-8.
    fn check_strings(&self, out: &mut Out) -> Result<(), StoreError> {
        let utf8 = || StoreError::Corrupt("invalid UTF-8".into());
        for item in open(&self.txn, NAMES)?.iter()? {
            let (k, v) = item?;
            if !utf8_ok(|| {
                v.value();
            }) {
                bad(out, NAMES.name(), format!("#{}", k.value()), utf8());
            }
        }
        for (i, item) in open(&self.txn, NAME_IDS)?.iter()?.enumerate() {
            let (k, v) = item?;
            if !utf8_ok(|| {
                k.value();
            }) {
                let key = format!("row {i} (id #{})", v.value());
                bad(out, NAME_IDS.name(), key, utf8());
            }
        }
        for (i, item) in open(&self.txn, RECORD_REFS)?.iter()?.enumerate() {
            let (k, v) = item?;
            if !utf8_ok(|| {
                k.value();
            }) {
                let key = format!("row {i} (first seq {})", v.value());
                bad(out, RECORD_REFS.name(), key, utf8());
            }
        }
        Ok(())
    }
}
