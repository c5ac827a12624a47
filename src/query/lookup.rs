//! Finding things by ref for jumps: the seq of a record in its run (the explorer scrolls the
//! record stream to it). Generated refs (`record:<run>.seq-<n>`) carry their seq; others are
//! looked up in the store's record-ref index.
//!
//! Read-only; never scans a run's records (artifact search reads each run's manifests).

use super::resolve::QueryError;
use crate::model::Ref;
use crate::store::Workspace;

/// The run and seq of a record ref, or `None` when the run has no such record.
pub fn record_seq(ws: &Workspace, record: &Ref) -> Result<Option<(Ref, u32)>, QueryError> {
    let Some(run) = record.run_ref() else {
        return Err(QueryError::Invalid(format!("{record} is not a record ref")));
    };
    let token = record.last();
    if let Some(n) = token
        .strip_prefix("seq-")
        .and_then(|n| n.parse::<u32>().ok())
    {
        let snap = ws.read()?;
        return Ok(snap.record(&run, n)?.map(|_| (run, n)));
    }
    let snap = ws.read()?;
    Ok(snap.record_seq(&run, token)?.map(|seq| (run, seq)))
}

/// Runs (newest first) with an artifact whose ref, kind or location contains `text` (case
/// insensitive), at most `limit`.
pub fn runs_with_artifact(
    ws: &Workspace,
    text: &str,
    limit: usize,
) -> Result<Vec<Ref>, QueryError> {
    let needle = text.to_lowercase();
    let snap = ws.read()?;
    let mut out = Vec::new();
    for row in snap.run_rows(true)? {
        let hit = snap.artifacts(&row.run_ref)?.iter().any(|a| {
            a.artifact_ref.as_str().to_lowercase().contains(&needle)
                || a.artifact_kind.to_lowercase().contains(&needle)
                || a.location_ref.to_lowercase().contains(&needle)
        });
        if hit {
            out.push(row.run_ref);
            if out.len() >= limit {
                break;
            }
        }
    }
    Ok(out)
}
