//! Stored value formats. Entities are postcard-encoded model structs. Records use a compact form
//! with interned ids and times relative to the run's time base, because records are the bulk of
//! a workspace; metric points are also kept column-wise and delta-encoded in `SERIES` chunks.

use super::error::StoreError;
use crate::model::{
    AggregationScope, Completeness, CorrelationRefs, Degradation, DegradedPayload, EventPayload,
    Extension, SpanPayload,
};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

pub(crate) fn encode<T: Serialize>(v: &T) -> Result<Vec<u8>, StoreError> {
    postcard::to_stdvec(v).map_err(|e| StoreError::Codec(e.to_string()))
}

pub(crate) fn decode<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, StoreError> {
    postcard::from_bytes(bytes).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

/// Envelope fields that most records leave at their defaults; boxed so the common case costs
/// one byte.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredContext {
    pub deployment: Option<u32>,
    pub batch: Option<u32>,
    pub sample: Option<u32>,
    pub operation: Option<u32>,
    pub correlation: CorrelationRefs,
    pub completeness: Completeness,
    pub degradation: Degradation,
    pub extensions: Vec<Extension>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct MetricRest {
    pub unit: Option<u32>,
    pub scope: AggregationScope,
    pub subject: Option<String>,
    pub slice: Option<String>,
    /// Tags except a canonical integer `step` (kept in `step`).
    pub tags: Vec<(u32, u32)>,
    pub summary_basis: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) enum StoredBody {
    Metric {
        key: u32,
        value: f64,
        integral: bool,
        value_type: u32,
        /// From `tags.step` when it is a canonical integer.
        step: Option<i64>,
        rest: Option<Box<MetricRest>>,
    },
    Event(Box<EventPayload>),
    Span(Box<SpanPayload>),
    Degraded(Box<DegradedPayload>),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredRecord {
    /// The record ref's last component; `None` when we generated it (`seq-<n>`).
    pub token: Option<String>,
    /// observed_at − run time base, µs.
    pub observed: i64,
    /// recorded_at − observed_at, µs.
    pub recorded_delta: u64,
    pub producer: u32,
    pub stage: Option<u32>,
    pub context: Option<Box<StoredContext>>,
    pub body: StoredBody,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunStats {
    /// µs; record times are stored relative to it. Fixed by the first record.
    pub time_base: i64,
    pub last_seq: u32,
    pub by_type: [u64; 4],
    pub duplicates: u32,
    /// observed_at of the newest record, µs.
    pub last_observed: i64,
    /// Wall clock of the last commit that touched this run, µs.
    pub last_commit: i64,
    /// Degraded records plus records carrying a degradation marker.
    pub degraded: u64,
    /// seq of the newest record of type error/critical event or degraded record (0 = none).
    pub last_problem_seq: u32,
    pub non_finite: u64,
}

impl RunStats {
    pub fn total(&self) -> u64 {
        self.by_type.iter().sum()
    }
}

/// What a run list shows, stored beside the start-time index so listing 10,000 runs is one
/// range read instead of two lookups per run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRow {
    pub run_ref: crate::model::Ref,
    pub project_ref: crate::model::Ref,
    pub name: String,
    pub status: crate::model::Status,
    pub started_at: crate::model::Timestamp,
    pub ended_at: Option<crate::model::Timestamp>,
    pub inferred: bool,
    pub stats: RunStats,
}

impl RunRow {
    /// A stored run-list row. The run list decodes ten thousand of these, so the postcard
    /// layout of `RunRow` is read here directly; anything unexpected is left to postcard,
    /// which then reads it or names the error (a property test holds the two together).
    pub(crate) fn decode(bytes: &[u8]) -> Result<RunRow, StoreError> {
        match Self::read_postcard_layout(bytes) {
            Ok(Some(row)) => Ok(row),
            _ => decode(bytes, "run row"),
        }
    }

    fn read_postcard_layout(bytes: &[u8]) -> Result<Option<RunRow>, StoreError> {
        use crate::model::{Ref, Status, Timestamp};
        let mut r = super::block::Reader::new(bytes);
        let (Ok(run_ref), Ok(project_ref)) = (Ref::parse(r.str()?), Ref::parse(r.str()?)) else {
            return Ok(None);
        };
        let name = r.str()?.to_string();
        let status = match r.varint()? {
            0 => Status::Open,
            1 => Status::Completed,
            2 => Status::Failed,
            3 => Status::Cancelled,
            _ => return Ok(None),
        };
        let started_at = Timestamp(r.signed()?);
        let ended_at = match r.byte()? {
            0 => None,
            1 => Some(Timestamp(r.signed()?)),
            _ => return Ok(None),
        };
        let inferred = match r.byte()? {
            0 => false,
            1 => true,
            _ => return Ok(None),
        };
        let stats = RunStats {
            time_base: r.signed()?,
            last_seq: r.u32()?,
            by_type: [r.varint()?, r.varint()?, r.varint()?, r.varint()?],
            duplicates: r.u32()?,
            last_observed: r.signed()?,
            last_commit: r.signed()?,
            degraded: r.varint()?,
            last_problem_seq: r.u32()?,
            non_finite: r.varint()?,
        };
        Ok(Some(RunRow {
            run_ref,
            project_ref,
            name,
            status,
            started_at,
            ended_at,
            inferred,
            stats,
        }))
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricSummary {
    pub count: u64,
    pub first_step: i64,
    pub last_step: i64,
    pub last: f64,
    pub min: f64,
    pub max: f64,
    /// seq of the first and last point, and observed_at (µs) of the last.
    pub first_seq: u32,
    pub last_seq: u32,
    pub last_at: i64,
    /// Number of the chunk that takes the next point, and how many points it holds.
    pub(crate) open_chunk: u32,
    pub(crate) open_len: u32,
}

/// One point of a metric series.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub step: i64,
    pub value: f64,
    pub seq: u32,
    /// observed_at, µs since the epoch.
    pub at: i64,
}

/// Column-wise, delta-encoded points: small varints for steps, seqs and times.
#[derive(Serialize, Deserialize, Default)]
struct ChunkColumns {
    steps: Vec<i64>,
    seqs: Vec<u32>,
    ats: Vec<i64>,
    values: Vec<f64>,
}

pub(crate) const CHUNK_POINTS: u32 = 1024;

pub(crate) fn encode_chunk(points: &[Point], time_base: i64) -> Result<Vec<u8>, StoreError> {
    let mut c = ChunkColumns::default();
    let (mut ps, mut pq, mut pa) = (0i64, 0u32, time_base);
    for p in points {
        c.steps.push(p.step.wrapping_sub(ps));
        c.seqs.push(p.seq.wrapping_sub(pq));
        c.ats.push(p.at.wrapping_sub(pa));
        c.values.push(p.value);
        (ps, pq, pa) = (p.step, p.seq, p.at);
    }
    encode(&c)
}

pub(crate) fn decode_chunk(
    bytes: &[u8],
    time_base: i64,
    out: &mut Vec<Point>,
) -> Result<(), StoreError> {
    let c: ChunkColumns = decode(bytes, "series chunk")?;
    let n = c.values.len();
    if c.steps.len() != n || c.seqs.len() != n || c.ats.len() != n {
        return Err(StoreError::Corrupt(
            "series chunk columns differ in length".into(),
        ));
    }
    let (mut ps, mut pq, mut pa) = (0i64, 0u32, time_base);
    for i in 0..n {
        ps = ps.wrapping_add(c.steps[i]);
        pq = pq.wrapping_add(c.seqs[i]);
        pa = pa.wrapping_add(c.ats[i]);
        out.push(Point {
            step: ps,
            value: c.values[i],
            seq: pq,
            at: pa,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn run_rows_read_directly_as_postcard_reads_them(
            run in "[a-z0-9]{1,8}\\.[a-z0-9-]{1,20}",
            name in "\\PC{0,30}",
            status in 0usize..4,
            times in proptest::array::uniform4(proptest::num::i64::ANY),
            ended in proptest::bool::ANY,
            counts in proptest::array::uniform4(proptest::num::u64::ANY),
            small in proptest::array::uniform3(proptest::num::u32::ANY),
            cut in 0usize..200,
        ) {
            use crate::model::{Ref, Status, Timestamp};
            let Ok(run_ref) = Ref::parse(&format!("run:{run}")) else {
                return Ok(());
            };
            let row = RunRow {
                project_ref: run_ref.project_ref().unwrap(),
                run_ref,
                name,
                status: [Status::Open, Status::Completed, Status::Failed, Status::Cancelled][status],
                started_at: Timestamp(times[0]),
                ended_at: ended.then_some(Timestamp(times[1])),
                inferred: ended,
                stats: RunStats {
                    time_base: times[2],
                    last_seq: small[0],
                    by_type: counts,
                    duplicates: small[1],
                    last_observed: times[3],
                    last_commit: times[0] / 3,
                    degraded: counts[0] / 7,
                    last_problem_seq: small[2],
                    non_finite: counts[1] / 5,
                },
            };
            let bytes = encode(&row).unwrap();
            prop_assert_eq!(RunRow::read_postcard_layout(&bytes).unwrap(), Some(row.clone()));
            prop_assert_eq!(RunRow::decode(&bytes).unwrap(), row);
            // A damaged row: whatever the direct reader accepts, postcard reads the same.
            let mut bad = bytes.clone();
            bad.truncate(cut.min(bad.len()));
            if let Ok(Some(r)) = RunRow::read_postcard_layout(&bad) {
                prop_assert_eq!(Some(r), decode::<RunRow>(&bad, "run row").ok());
            }
        }
    }

    #[test]
    fn chunk_round_trip() {
        let pts: Vec<Point> = (0..100)
            .map(|i| Point {
                step: i * 10,
                value: (i as f64).sin(),
                seq: (i as u32) * 3 + 1,
                at: 1_700_000_000_000_000 + i * 1000,
            })
            .collect();
        let bytes = encode_chunk(&pts, 1_700_000_000_000_000).unwrap();
        assert!(bytes.len() <= 100 * 13, "{} bytes", bytes.len());
        let mut back = vec![];
        decode_chunk(&bytes, 1_700_000_000_000_000, &mut back).unwrap();
        assert_eq!(back, pts);
    }
}
