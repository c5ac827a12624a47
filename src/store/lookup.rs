//! Whole-workspace reads and point lookups for recovery work: every run, deployment, artifact
//! and provenance record regardless of indexes, a record found by its ref token, and the counts
//! a backup manifest promises. Read-only, like the rest of `ReadSnapshot`.

use super::codec::decode;
use super::error::StoreError;
use super::read::{ReadSnapshot, open};
use super::tables::*;
use crate::model::*;
use redb::{ReadableTable, ReadableTableMetadata};

/// What a workspace holds, counted from the primary tables.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WorkspaceCounts {
    pub projects: u64,
    pub runs: u64,
    pub records: u64,
    pub artifacts: u64,
    pub relations: u64,
}

impl ReadSnapshot<'_> {
    /// Every run in the primary table (not through the run-list indexes), by ref.
    pub fn all_runs(&self) -> Result<Vec<Run>, StoreError> {
        let mut v: Vec<Run> = self.all(RUNS, "run")?;
        v.sort_by(|a, b| a.run_ref.cmp(&b.run_ref));
        Ok(v)
    }

    pub fn all_deployments(&self) -> Result<Vec<DeploymentExecution>, StoreError> {
        let mut v: Vec<DeploymentExecution> = self.all(DEPLOYMENTS, "deployment")?;
        v.sort_by(|a, b| a.deployment_execution_ref.cmp(&b.deployment_execution_ref));
        Ok(v)
    }

    pub fn all_artifacts(&self) -> Result<Vec<ArtifactManifest>, StoreError> {
        let mut v: Vec<ArtifactManifest> = self.all(ARTIFACTS, "artifact")?;
        v.sort_by(|a, b| a.artifact_ref.cmp(&b.artifact_ref));
        Ok(v)
    }

    /// Every provenance record, including any whose relation is gone.
    pub fn all_provenance(&self) -> Result<Vec<ProvenanceRecord>, StoreError> {
        let mut v: Vec<ProvenanceRecord> = self.all(PROVENANCE, "provenance")?;
        v.sort_by(|a, b| a.provenance_ref.cmp(&b.provenance_ref));
        Ok(v)
    }

    pub fn artifact(&self, r: &Ref) -> Result<Option<ArtifactManifest>, StoreError> {
        let Some(run) = r.run_ref() else {
            return Ok(None);
        };
        let (Some(rid), Some(aid)) = (self.id_of(run.as_str())?, self.id_of(r.as_str())?) else {
            return Ok(None);
        };
        let t = open(&self.txn, ARTIFACTS)?;
        t.get((rid, aid))?
            .map(|v| decode(v.value(), "artifact"))
            .transpose()
    }

    /// The seq of the first record of `run` whose ref ends in `token`. Refs we generated
    /// (`seq-<n>`) are not in the ref index; they are found at their seq.
    pub fn find_record(&self, run: &Ref, token: &str) -> Result<Option<u32>, StoreError> {
        let Some(rid) = self.id_of(run.as_str())? else {
            return Ok(None);
        };
        let refs = open(&self.txn, RECORD_REFS)?;
        let spans = self.ref_spans()?;
        if let Some(seq) = super::ref_index::lookup(&refs, spans.as_ref(), rid, token)? {
            return Ok(Some(seq));
        }
        let Some(seq) = token
            .strip_prefix("seq-")
            .and_then(|n| n.parse::<u32>().ok())
            .filter(|n| token == format!("seq-{n}"))
        else {
            return Ok(None);
        };
        let records = open(&self.txn, RECORDS)?;
        let mut generated = false;
        super::block::visit_records(&records, rid, seq, seq, false, |_, stored| {
            generated = stored.token.is_none();
            Ok(false)
        })?;
        Ok(generated.then_some(seq))
    }

    /// Records in the primary table: each row's count, read from its header.
    fn record_count(&self) -> Result<u64, StoreError> {
        let mut n = 0u64;
        for item in open(&self.txn, RECORDS)?.iter()? {
            n += u64::from(super::block::row_len(item?.1.value())?);
        }
        Ok(n)
    }

    pub fn counts(&self) -> Result<WorkspaceCounts, StoreError> {
        Ok(WorkspaceCounts {
            projects: open(&self.txn, PROJECTS)?.len()?,
            runs: open(&self.txn, RUNS)?.len()?,
            records: self.record_count()?,
            artifacts: open(&self.txn, ARTIFACTS)?.len()?,
            relations: open(&self.txn, RELATIONS)?.len()?,
        })
    }
}
