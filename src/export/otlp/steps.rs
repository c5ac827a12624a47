//! The step of each exported metric point, by our step rule: `tags.step` when it is an integer,
//! else the point's index in its series (what `trend --run` and the charts show). The index
//! is a count of the key's earlier points, so it is learned once per key from the stored
//! series (the points before the first one exported) and then counted forward page by page;
//! counts move only when the page was acknowledged.

use super::error::OtlpError;
use crate::model::{Payload, Ref};
use crate::query::{self, RecordRow, Workspace};
use std::collections::HashMap;

/// Points counted per key, to keep once their page is acknowledged.
pub type Counts = HashMap<String, i64>;

#[derive(Default)]
pub struct StepCounter {
    /// Points of each key with a seq below the next one to be exported.
    seen: HashMap<String, i64>,
}

impl StepCounter {
    /// Steps for `rows` (None for non-metric rows), and the counts to keep once acknowledged.
    pub fn steps(
        &self,
        ws: &Workspace,
        run: &Ref,
        rows: &[RecordRow],
    ) -> Result<(Vec<Option<i64>>, Counts), OtlpError> {
        let mut seen = HashMap::new();
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let Payload::Metric(m) = &row.record.payload else {
                out.push(None);
                continue;
            };
            let n = match seen
                .get(&m.metric_key)
                .or_else(|| self.seen.get(&m.metric_key))
            {
                Some(n) => *n,
                None => query::series(ws, run, &m.metric_key)?
                    .iter()
                    .filter(|p| p.seq < row.seq)
                    .count() as i64,
            };
            out.push(Some(m.tagged_step().unwrap_or(n)));
            seen.insert(m.metric_key.clone(), n + 1);
        }
        Ok((out, seen))
    }

    pub fn commit(&mut self, counts: Counts) {
        self.seen.extend(counts);
    }
}
