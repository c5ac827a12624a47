//! Record blocks: consecutive records of one run in one `RECORDS` row, keyed by the seq of the
//! first. A record costs a B-tree entry of its own otherwise (key, offset, page space: about 14
//! bytes, and most of the insert time); in a block it costs only its own bytes, and those are
//! few because each record is written against the one before it: the ref token as a shared
//! prefix plus suffix, times and steps as deltas, producer, stage, context and value type only
//! when they change. A metric point with a numbered ref takes about 17 bytes, 8 of them its
//! value.
//!
//! Schema 1 stored one postcard `StoredRecord` per row. Such a row starts with 0 or 1 (its
//! `Option` token); a block starts with `BLOCK_TAG`, so one reader takes both, row by row, and
//! a schema-1 workspace is read as it is and appended to in blocks.

use super::codec::{MetricRest, StoredBody, StoredContext, StoredRecord, decode, encode};
use super::error::StoreError;
use redb::ReadableTable;

/// First byte of a block row (a schema-1 row starts with 0 or 1).
pub(crate) const BLOCK_TAG: u8 = 2;
/// A block is closed once it holds this many records or bytes; the open block of a run is
/// rewritten at each commit that appends to it, so it stays small.
pub(crate) const BLOCK_RECORDS: u32 = 64;
pub(crate) const BLOCK_BYTES: usize = 1024;

// Flag bits of a record. The first seven are the ones a typical record sets (one flag byte);
// the "changed" bits are mostly clear.
const TYPE_MASK: u64 = 0b11;
const HAS_TOKEN: u64 = 1 << 2;
const HAS_STEP: u64 = 1 << 3;
const HAS_REST: u64 = 1 << 4;
const INTEGRAL: u64 = 1 << 5;
const RECORDED_LATER: u64 = 1 << 6;
const NEW_PRODUCER: u64 = 1 << 7;
const NEW_STAGE: u64 = 1 << 8;
const NEW_CONTEXT: u64 = 1 << 9;
const NEW_VALUE_TYPE: u64 = 1 << 10;
const KNOWN_FLAGS: u64 = (1 << 11) - 1;

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("record block: {what}"))
}

pub(crate) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// Why a row does not decode. Small on purpose: the reader's results stay in registers
/// (a `StoreError` is large), and the message becomes a `StoreError` only on the way out.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Bad(&'static str);

impl From<Bad> for StoreError {
    fn from(b: Bad) -> StoreError {
        corrupt(b.0)
    }
}

/// A cursor over the bytes of a row; every read is bounds-checked (a damaged row is an error,
/// never a panic). Varints are LEB128, as postcard writes them.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, pos: 0 }
    }

    #[inline]
    pub fn varint(&mut self) -> Result<u64, Bad> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = *self.bytes.get(self.pos).ok_or(Bad("truncated"))?;
            self.pos += 1;
            if shift == 63 && b > 1 {
                return Err(Bad("varint past 64 bits"));
            }
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err(Bad("varint too long"))
    }

    #[inline]
    pub fn signed(&mut self) -> Result<i64, Bad> {
        Ok(unzigzag(self.varint()?))
    }

    #[inline]
    pub fn byte(&mut self) -> Result<u8, Bad> {
        Ok(self.take(1)?[0])
    }

    #[inline]
    pub fn str(&mut self) -> Result<&'a str, Bad> {
        std::str::from_utf8(self.sized()?).map_err(|_| Bad("text is not UTF-8"))
    }

    #[inline]
    pub fn u32(&mut self) -> Result<u32, Bad> {
        u32::try_from(self.varint()?).map_err(|_| Bad("id out of range"))
    }

    #[inline]
    fn take(&mut self, n: u64) -> Result<&'a [u8], Bad> {
        let n = usize::try_from(n).map_err(|_| Bad("length out of range"))?;
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.bytes.len())
            .ok_or(Bad("truncated"))?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    #[inline]
    fn sized(&mut self) -> Result<&'a [u8], Bad> {
        let n = self.varint()?;
        self.take(n)
    }
}

/// What the next record of a block is written against.
#[derive(Clone, Debug, Default, PartialEq)]
struct Prev {
    token: String,
    observed: i64,
    producer: Option<u32>,
    stage: Option<u32>,
    context: Option<Box<StoredContext>>,
    value_type: Option<u32>,
    step: i64,
}

fn shared_prefix(a: &str, b: &str) -> usize {
    let mut n = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    while !b.is_char_boundary(n) {
        n -= 1;
    }
    n
}

/// The block being filled for one run inside a write transaction.
#[derive(Clone, Debug)]
pub(crate) struct BlockWriter {
    /// seq of the block's first record: the row's key.
    pub first_seq: u32,
    count: u32,
    body: Vec<u8>,
    prev: Prev,
}

impl BlockWriter {
    pub fn new(first_seq: u32) -> Self {
        BlockWriter {
            first_seq,
            count: 0,
            body: Vec::with_capacity(BLOCK_BYTES + 256),
            prev: Prev::default(),
        }
    }

    /// Continues the stored block `bytes` whose first record has seq `first_seq`, or `None`
    /// when it is full or is a schema-1 row (those are never rewritten).
    pub fn resume(first_seq: u32, bytes: &[u8]) -> Result<Option<Self>, StoreError> {
        if bytes.first() != Some(&BLOCK_TAG) {
            return Ok(None);
        }
        let mut d = BlockDecoder::new(bytes)?;
        while d.next_record()?.is_some() {}
        let w = BlockWriter {
            first_seq,
            count: d.count,
            body: bytes[d.body_start..].to_vec(),
            prev: d.prev,
        };
        Ok((!w.is_full()).then_some(w))
    }

    pub fn is_full(&self) -> bool {
        self.count >= BLOCK_RECORDS || self.body.len() >= BLOCK_BYTES
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// seq of the record the next `push` stores.
    pub fn next_seq(&self) -> u32 {
        self.first_seq + self.count
    }

    pub fn push(&mut self, r: &StoredRecord) -> Result<(), StoreError> {
        let p = &mut self.prev;
        let out = &mut self.body;
        let mut flags = match &r.body {
            StoredBody::Metric { .. } => 0,
            StoredBody::Event(_) => 1,
            StoredBody::Span(_) => 2,
            StoredBody::Degraded(_) => 3,
        };
        if r.token.is_some() {
            flags |= HAS_TOKEN;
        }
        if r.recorded_delta != 0 {
            flags |= RECORDED_LATER;
        }
        if p.producer != Some(r.producer) {
            flags |= NEW_PRODUCER;
        }
        if p.stage != r.stage {
            flags |= NEW_STAGE;
        }
        if p.context != r.context {
            flags |= NEW_CONTEXT;
        }
        if let StoredBody::Metric {
            integral,
            value_type,
            step,
            rest,
            ..
        } = &r.body
        {
            if step.is_some() {
                flags |= HAS_STEP;
            }
            if rest.is_some() {
                flags |= HAS_REST;
            }
            if *integral {
                flags |= INTEGRAL;
            }
            if p.value_type != Some(*value_type) {
                flags |= NEW_VALUE_TYPE;
            }
        }
        put_varint(out, flags);
        if let Some(tok) = &r.token {
            let shared = shared_prefix(&p.token, tok);
            put_varint(out, shared as u64);
            put_varint(out, (tok.len() - shared) as u64);
            out.extend_from_slice(&tok.as_bytes()[shared..]);
            p.token.truncate(shared);
            p.token.push_str(&tok[shared..]);
        }
        put_varint(out, zigzag(r.observed.wrapping_sub(p.observed)));
        p.observed = r.observed;
        if flags & RECORDED_LATER != 0 {
            put_varint(out, r.recorded_delta);
        }
        if flags & NEW_PRODUCER != 0 {
            put_varint(out, u64::from(r.producer));
            p.producer = Some(r.producer);
        }
        if flags & NEW_STAGE != 0 {
            put_varint(out, r.stage.map_or(0, |s| u64::from(s) + 1));
            p.stage = r.stage;
        }
        if flags & NEW_CONTEXT != 0 {
            match &r.context {
                Some(c) => {
                    let bytes = encode(c)?;
                    put_varint(out, bytes.len() as u64 + 1);
                    out.extend_from_slice(&bytes);
                }
                None => put_varint(out, 0),
            }
            p.context = r.context.clone();
        }
        match &r.body {
            StoredBody::Metric {
                key,
                value,
                value_type,
                step,
                rest,
                ..
            } => {
                put_varint(out, u64::from(*key));
                if flags & NEW_VALUE_TYPE != 0 {
                    put_varint(out, u64::from(*value_type));
                    p.value_type = Some(*value_type);
                }
                out.extend_from_slice(&value.to_le_bytes());
                if let Some(s) = step {
                    put_varint(out, zigzag(s.wrapping_sub(p.step)));
                    p.step = *s;
                }
                if let Some(rest) = rest {
                    let bytes = encode(rest)?;
                    put_varint(out, bytes.len() as u64);
                    out.extend_from_slice(&bytes);
                }
            }
            StoredBody::Event(e) => put_sized(out, &encode(e)?),
            StoredBody::Span(s) => put_sized(out, &encode(s)?),
            StoredBody::Degraded(d) => put_sized(out, &encode(d)?),
        }
        self.count += 1;
        Ok(())
    }

    /// The row value: tag, record count, records.
    pub fn bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.body.len() + 6);
        v.push(BLOCK_TAG);
        put_varint(&mut v, u64::from(self.count));
        v.extend_from_slice(&self.body);
        v
    }
}

fn put_sized(out: &mut Vec<u8>, bytes: &[u8]) {
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

struct BlockDecoder<'a> {
    r: Reader<'a>,
    count: u32,
    done: u32,
    body_start: usize,
    prev: Prev,
}

impl<'a> BlockDecoder<'a> {
    fn new(bytes: &'a [u8]) -> Result<Self, StoreError> {
        let mut r = Reader { bytes, pos: 1 };
        let count = r.u32()?;
        if count == 0 {
            return Err(corrupt("empty block"));
        }
        let body_start = r.pos;
        Ok(BlockDecoder {
            r,
            count,
            done: 0,
            body_start,
            prev: Prev::default(),
        })
    }

    fn next_record(&mut self) -> Result<Option<StoredRecord>, StoreError> {
        if self.done == self.count {
            if self.r.pos != self.r.bytes.len() {
                return Err(corrupt("bytes after the last record"));
            }
            return Ok(None);
        }
        let r = &mut self.r;
        let p = &mut self.prev;
        let flags = r.varint()?;
        if flags & !KNOWN_FLAGS != 0 {
            return Err(corrupt("unknown flags"));
        }
        let token = if flags & HAS_TOKEN != 0 {
            let shared = usize::try_from(r.varint()?).map_err(|_| corrupt("token"))?;
            if shared > p.token.len() || !p.token.is_char_boundary(shared) {
                return Err(corrupt("token prefix"));
            }
            let suffix = r.sized()?;
            let suffix = std::str::from_utf8(suffix).map_err(|_| corrupt("token is not UTF-8"))?;
            p.token.truncate(shared);
            p.token.push_str(suffix);
            Some(p.token.clone())
        } else {
            None
        };
        p.observed = p.observed.wrapping_add(unzigzag(r.varint()?));
        let recorded_delta = if flags & RECORDED_LATER != 0 {
            r.varint()?
        } else {
            0
        };
        if flags & NEW_PRODUCER != 0 {
            p.producer = Some(r.u32()?);
        }
        let producer = p.producer.ok_or_else(|| corrupt("no producer"))?;
        if flags & NEW_STAGE != 0 {
            p.stage = match r.varint()? {
                0 => None,
                n => Some(u32::try_from(n - 1).map_err(|_| corrupt("stage id"))?),
            };
        }
        if flags & NEW_CONTEXT != 0 {
            p.context = match r.varint()? {
                0 => None,
                n => Some(Box::new(decode(r.take(n - 1)?, "record context")?)),
            };
        }
        let body = match flags & TYPE_MASK {
            0 => {
                let key = r.u32()?;
                if flags & NEW_VALUE_TYPE != 0 {
                    p.value_type = Some(r.u32()?);
                }
                let value_type = p.value_type.ok_or_else(|| corrupt("no value type"))?;
                let raw = r.take(8)?;
                let mut b = [0u8; 8];
                b.copy_from_slice(raw);
                let value = f64::from_le_bytes(b);
                let step = if flags & HAS_STEP != 0 {
                    p.step = p.step.wrapping_add(unzigzag(r.varint()?));
                    Some(p.step)
                } else {
                    None
                };
                let rest = if flags & HAS_REST != 0 {
                    Some(Box::new(decode::<MetricRest>(r.sized()?, "metric fields")?))
                } else {
                    None
                };
                StoredBody::Metric {
                    key,
                    value,
                    integral: flags & INTEGRAL != 0,
                    value_type,
                    step,
                    rest,
                }
            }
            1 => StoredBody::Event(Box::new(decode(r.sized()?, "event payload")?)),
            2 => StoredBody::Span(Box::new(decode(r.sized()?, "span payload")?)),
            _ => StoredBody::Degraded(Box::new(decode(r.sized()?, "degraded payload")?)),
        };
        self.done += 1;
        Ok(Some(StoredRecord {
            token,
            observed: p.observed,
            recorded_delta,
            producer,
            stage: p.stage,
            context: p.context.clone(),
            body,
        }))
    }
}

/// The records of one `RECORDS` row, a block or a schema-1 single record, in seq order.
pub(crate) fn decode_row(bytes: &[u8]) -> Result<Vec<StoredRecord>, StoreError> {
    if bytes.first() != Some(&BLOCK_TAG) {
        return Ok(vec![decode(bytes, "record")?]);
    }
    let mut d = BlockDecoder::new(bytes)?;
    // A damaged count must not reserve gigabytes: a record takes at least two bytes.
    let mut out = Vec::with_capacity((d.count as usize).min(bytes.len() / 2));
    while let Some(r) = d.next_record()? {
        out.push(r);
    }
    Ok(out)
}

/// How many records a row holds, read from its header alone.
pub(crate) fn row_len(bytes: &[u8]) -> Result<u32, StoreError> {
    if bytes.first() != Some(&BLOCK_TAG) {
        return Ok(1);
    }
    Ok(BlockDecoder::new(bytes)?.count)
}

/// Calls `f(seq, record)` for the records of `run` with seq in `lo..=hi`, ascending or
/// descending, until it returns false. Only the rows that hold such records are decoded.
pub(crate) fn visit_records(
    t: &impl ReadableTable<(u32, u32), &'static [u8]>,
    run: u32,
    lo: u32,
    hi: u32,
    descending: bool,
    mut f: impl FnMut(u32, StoredRecord) -> Result<bool, StoreError>,
) -> Result<(), StoreError> {
    if lo > hi {
        return Ok(());
    }
    let seq_of = |first: u32, i: usize| -> Result<u32, StoreError> {
        u32::try_from(i)
            .ok()
            .and_then(|i| first.checked_add(i))
            .ok_or_else(|| corrupt("seq past u32"))
    };
    if descending {
        for item in t.range((run, 0)..=(run, hi))?.rev() {
            let (k, v) = item?;
            let first = k.value().1;
            let records = decode_row(v.value())?;
            for (i, rec) in records.into_iter().enumerate().rev() {
                let seq = seq_of(first, i)?;
                if seq > hi {
                    continue;
                }
                if seq < lo || !f(seq, rec)? {
                    return Ok(());
                }
            }
            if first <= lo {
                break;
            }
        }
    } else {
        // The row holding `lo` starts at or before it.
        let start = match t.range((run, 0)..=(run, lo))?.next_back() {
            Some(item) => item?.0.value().1,
            None => lo,
        };
        for item in t.range((run, start)..=(run, hi))? {
            let (k, v) = item?;
            let first = k.value().1;
            for (i, rec) in decode_row(v.value())?.into_iter().enumerate() {
                let seq = seq_of(first, i)?;
                if seq < lo {
                    continue;
                }
                if seq > hi || !f(seq, rec)? {
                    return Ok(());
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;
    use proptest::prelude::*;

    fn metric(i: u32) -> StoredRecord {
        StoredRecord {
            token: Some(format!("r{:05}", i + 1)),
            observed: i64::from(i) * 1_000_123,
            recorded_delta: 0,
            producer: 3,
            stage: Some(9),
            context: None,
            body: StoredBody::Metric {
                key: 10 + i % 20,
                value: (f64::from(i) * 0.1).sin(),
                integral: false,
                value_type: 4,
                step: Some(i64::from(i / 20)),
                rest: None,
            },
        }
    }

    fn block_of(records: &[StoredRecord]) -> Vec<u8> {
        let mut w = BlockWriter::new(1);
        for r in records {
            w.push(r).unwrap();
        }
        w.bytes()
    }

    #[test]
    fn a_numbered_metric_point_takes_under_eighteen_bytes() {
        let recs: Vec<_> = (0..64).map(metric).collect();
        let bytes = block_of(&recs);
        assert_eq!(decode_row(&bytes).unwrap(), recs);
        assert!(bytes.len() <= 64 * 18, "{} bytes", bytes.len());
        assert_eq!(row_len(&bytes).unwrap(), 64);
    }

    #[test]
    fn a_schema_1_row_reads_as_one_record() {
        let r = metric(7);
        let row = encode(&r).unwrap();
        assert!(row[0] <= 1, "a schema-1 row starts with its Option tag");
        assert_eq!(decode_row(&row).unwrap(), vec![r]);
        assert_eq!(row_len(&row).unwrap(), 1);
        assert!(BlockWriter::resume(1, &row).unwrap().is_none());
    }

    #[test]
    fn a_resumed_block_continues_where_it_stopped() {
        let recs: Vec<_> = (0..30).map(metric).collect();
        let mut w = BlockWriter::new(5);
        for r in &recs[..10] {
            w.push(r).unwrap();
        }
        let mut w = BlockWriter::resume(5, &w.bytes()).unwrap().unwrap();
        assert_eq!(w.next_seq(), 15);
        for r in &recs[10..] {
            w.push(r).unwrap();
        }
        assert_eq!(w.bytes(), block_of(&recs));
        let full: Vec<_> = (0..BLOCK_RECORDS).map(metric).collect();
        assert!(BlockWriter::resume(1, &block_of(&full)).unwrap().is_none());
    }

    #[test]
    fn damaged_blocks_are_errors_not_panics() {
        let bytes = block_of(&(0..20).map(metric).collect::<Vec<_>>());
        for cut in 1..bytes.len() {
            assert!(decode_row(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut extra = bytes.clone();
        extra.push(0);
        assert!(decode_row(&extra).is_err());
        assert!(decode_row(&[BLOCK_TAG, 0]).is_err());
    }

    fn context() -> impl Strategy<Value = Option<Box<StoredContext>>> {
        proptest::option::of((proptest::option::of(1u32..50), "[a-z]{0,6}").prop_map(
            |(batch, trace)| {
                Box::new(StoredContext {
                    batch,
                    correlation: CorrelationRefs {
                        trace_id: (!trace.is_empty()).then_some(trace),
                        session_id: None,
                    },
                    ..Default::default()
                })
            },
        ))
    }

    fn body() -> impl Strategy<Value = StoredBody> {
        prop_oneof![
            (
                1u32..40,
                proptest::num::f64::ANY,
                proptest::bool::ANY,
                1u32..4,
                proptest::option::of(proptest::num::i64::ANY),
                proptest::option::of(proptest::collection::vec((1u32..9, 1u32..9), 0..3)),
            )
                .prop_map(|(key, value, integral, value_type, step, tags)| {
                    StoredBody::Metric {
                        key,
                        value,
                        integral,
                        value_type,
                        step,
                        rest: tags.map(|tags| {
                            Box::new(MetricRest {
                                tags,
                                ..Default::default()
                            })
                        }),
                    }
                }),
            ("[a-z]{1,8}", "\\PC{0,30}").prop_map(|(k, msg)| {
                StoredBody::Event(Box::new(EventPayload {
                    event_key: k,
                    level: Level::Info,
                    message: msg,
                    subject_ref: None,
                    attributes: JsonMap::default(),
                    origin_marker: CaptureOrigin::ExplicitCapture,
                }))
            }),
        ]
    }

    fn record() -> impl Strategy<Value = StoredRecord> {
        (
            proptest::option::of("[a-z0-9-]{0,12}|\\PC{0,6}"),
            proptest::num::i64::ANY,
            prop_oneof![Just(0u64), proptest::num::u64::ANY],
            1u32..4,
            proptest::option::of(1u32..4),
            context(),
            body(),
        )
            .prop_map(
                |(token, observed, recorded_delta, producer, stage, context, body)| StoredRecord {
                    token,
                    observed,
                    recorded_delta,
                    producer,
                    stage,
                    context,
                    body,
                },
            )
    }

    /// Records with each metric value as its bits (NaN != NaN as a float).
    fn canon(v: &[StoredRecord]) -> Vec<(StoredRecord, u64)> {
        v.iter()
            .cloned()
            .map(|mut r| {
                let mut bits = 0;
                if let StoredBody::Metric { value, .. } = &mut r.body {
                    bits = value.to_bits();
                    *value = 0.0;
                }
                (r, bits)
            })
            .collect()
    }

    proptest! {
        #[test]
        fn any_records_round_trip(recs in proptest::collection::vec(record(), 1..80)) {
            let bytes = block_of(&recs);
            let back = decode_row(&bytes).unwrap();
            prop_assert_eq!(canon(&back), canon(&recs));
            prop_assert_eq!(row_len(&bytes).unwrap() as usize, recs.len());
            // Resuming after any prefix gives the same bytes as writing in one go.
            let cut = recs.len() / 2;
            if cut > 0 {
                let mut w = BlockWriter::new(1);
                for r in &recs[..cut] {
                    w.push(r).unwrap();
                }
                if let Some(mut w) = BlockWriter::resume(1, &w.bytes()).unwrap() {
                    for r in &recs[cut..] {
                        w.push(r).unwrap();
                    }
                    prop_assert_eq!(w.bytes(), bytes);
                }
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let mut b = bytes;
            if !b.is_empty() {
                b[0] = BLOCK_TAG;
            }
            let _ = decode_row(&b);
            let _ = row_len(&b);
        }
    }
}
