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

/// A chunk summary is derived from its chunk, so a wrong one is rebuilt by `--repair`.
fn summary_wrong(out: &mut Out, key: String, why: &str) {
    out.push(
        "series_summary_mismatch",
        Error,
        &format!("{} {key}", SERIES_SUMMARIES.name()),
        format!("a series chunk summary is wrong: {why}"),
        true,
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
        // Summaries of sealed chunks (tables written before they existed have none): each
        // must decode, and a chunk's must say what its points say, or charts would draw a lie.
        if let Ok(sums) = self.txn.open_table(SERIES_SUMMARIES) {
            for item in sums.iter()? {
                let (k, v) = item?;
                let (run, key, level, index) = k.value();
                let name = || format!("({}, {}, level {level}, {index})", n(run), n(key));
                let s =
                    match decode::<super::series_summary::SpanSummary>(v.value(), "series summary")
                    {
                        Ok(s) => s,
                        Err(e) => {
                            summary_wrong(out, name(), &e.to_string());
                            continue;
                        }
                    };
                if level != 0 {
                    continue;
                }
                let mut pts = Vec::new();
                let chunk = t.get((run, key, index))?;
                let told = chunk
                    .map(|c| decode_chunk(c.value(), 0, &mut pts))
                    .transpose()
                    .ok()
                    .flatten()
                    .and_then(|_| super::series_summary::SpanSummary::of(&pts));
                // Times were decoded against base 0: compare what does not depend on it.
                let same = told.is_some_and(|c| {
                    (
                        c.count,
                        c.finite,
                        c.first_step,
                        c.last_step,
                        c.min_step,
                        c.max_step,
                    ) == (
                        s.count,
                        s.finite,
                        s.first_step,
                        s.last_step,
                        s.min_step,
                        s.max_step,
                    ) && c.min.to_bits() == s.min.to_bits()
                        && c.max.to_bits() == s.max.to_bits()
                });
                if !same {
                    summary_wrong(out, name(), "it does not match its chunk");
                }
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
