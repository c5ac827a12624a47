//! Comparing runs: the one recipe behind `compare`, `compare-multi`, `export csv compare`, the
//! explorer's compare pane and the comparison report. Each run's facts feed
//! `analysis::compare`.

use super::investigate::{FactsOptions, run_facts};
use super::resolve::QueryError;
use crate::analysis::compare::{Comparison, MultiComparison, compare, compare_many};
use crate::model::{Ref, RunFacts};
use crate::store::Workspace;

/// Two runs side by side, with both runs' facts (a report charts their points, an export
/// reads their statuses).
pub struct PairComparison {
    pub left: RunFacts,
    pub right: RunFacts,
    pub comparison: Comparison,
}

/// `left` against `right`, their facts read with `facts`.
pub fn compare_two_runs(
    ws: &Workspace,
    left: &Ref,
    right: &Ref,
    facts: FactsOptions,
) -> Result<PairComparison, QueryError> {
    let left = run_facts(ws, left, facts)?;
    let right = run_facts(ws, right, facts)?;
    let comparison = compare(&left, &right);
    Ok(PairComparison {
        left,
        right,
        comparison,
    })
}

/// Many runs in one table, in the order given.
pub fn compare_runs(ws: &Workspace, runs: &[Ref]) -> Result<MultiComparison, QueryError> {
    let facts = runs
        .iter()
        .map(|r| run_facts(ws, r, FactsOptions::default()))
        .collect::<Result<Vec<RunFacts>, QueryError>>()?;
    Ok(compare_many(&facts))
}
