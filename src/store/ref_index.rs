//! The record-ref index: which seq of a run first carried a given ref token, so a repeated
//! record is told apart (`DUPLICATES`) and `records RUN.TOKEN` finds its record.
//!
//! Writers mostly number their records (`r00001`, `step-17`, …). Indexing such tokens one row
//! each cost more than the record itself (36 bytes a record, half of it page space, since
//! `r10` sorts before `r9`). A numbered token is split into a prefix, a zero-padding width and a
//! number, and consecutive numbers whose seqs advance by a fixed stride share one row of
//! `RECORD_REF_SPANS`: (run, prefix, width, first number) → (first seq, count, stride). Other
//! tokens keep one `RECORD_REFS` row each, as do the numbered tokens a schema-1 build indexed.
//! Spans never overlap, so the span to look in is the one with the greatest first number not
//! above the token's.

use super::error::StoreError;
use super::tables::{
    RECORD_REF_SPANS, RECORD_REFS, RefSpanKey as SpanKey, RefSpanValue as SpanValue,
};
use redb::{ReadableTable, Table};
use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeMap;

/// Longest digit run taken as a number (u64 holds 19 digits; one spare keeps `n + count` safe).
const MAX_DIGITS: usize = 18;

/// A token read as `prefix` followed by a decimal number: zero-padded to `width` digits, or
/// written plainly (`width` 0). Splitting and `text` are exact inverses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Numbered<'a> {
    pub prefix: &'a str,
    pub width: u32,
    pub n: u64,
}

impl<'a> Numbered<'a> {
    pub fn split(token: &'a str) -> Option<Numbered<'a>> {
        let digits = token
            .bytes()
            .rev()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits == 0 || digits > MAX_DIGITS {
            return None;
        }
        let (prefix, num) = token.split_at(token.len() - digits);
        let n = num.parse().ok()?;
        let width = if digits > 1 && num.starts_with('0') {
            digits as u32
        } else {
            0
        };
        Some(Numbered { prefix, width, n })
    }

    pub fn text(prefix: &str, width: u32, n: u64) -> String {
        format!("{prefix}{n:0width$}", width = width as usize)
    }
}

/// Consecutive numbers `first_n..first_n + count` at seqs `first_seq`, `+ stride`, …
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    pub first_n: u64,
    pub first_seq: u32,
    pub count: u32,
    pub stride: u32,
}

impl Span {
    fn from_row(first_n: u64, (first_seq, count, stride): SpanValue) -> Span {
        Span {
            first_n,
            first_seq,
            count,
            stride,
        }
    }

    fn value(&self) -> SpanValue {
        (self.first_seq, self.count, self.stride)
    }

    fn covers(&self, n: u64) -> bool {
        n >= self.first_n && n - self.first_n < u64::from(self.count)
    }

    fn seq_of(&self, n: u64) -> Option<u32> {
        let k = n.checked_sub(self.first_n)?;
        u32::try_from(u64::from(self.first_seq) + k * u64::from(self.stride)).ok()
    }

    fn next_n(&self) -> u64 {
        self.first_n + u64::from(self.count)
    }

    /// Takes number `next_n()` at `seq` when that keeps the stride; a one-entry span takes any
    /// later seq and so fixes its stride.
    fn try_extend(&mut self, seq: u32) -> bool {
        if self.count == u32::MAX {
            return false;
        }
        let Some(last) = self.seq_of(self.next_n() - 1) else {
            return false;
        };
        let ok = if self.count == 1 {
            seq > last
        } else {
            self.stride > 0 && last.checked_add(self.stride) == Some(seq)
        };
        if ok {
            if self.count == 1 {
                self.stride = seq - last;
            }
            self.count += 1;
        }
        ok
    }
}

/// The stored span of (run, prefix, width) with the greatest first number ≤ `n`.
fn span_at(
    spans: &impl ReadableTable<SpanKey, SpanValue>,
    run: u32,
    num: &Numbered<'_>,
    n: u64,
) -> Result<Option<Span>, StoreError> {
    let (p, w) = (num.prefix, num.width);
    match spans.range((run, p, w, 0)..=(run, p, w, n))?.next_back() {
        Some(item) => {
            let (k, v) = item?;
            Ok(Some(Span::from_row(k.value().3, v.value())))
        }
        None => Ok(None),
    }
}

/// First number of the stored span of (run, prefix, width) that starts above `n` (or MAX).
fn next_start(
    spans: &impl ReadableTable<SpanKey, SpanValue>,
    run: u32,
    num: &Numbered<'_>,
    n: u64,
) -> Result<u64, StoreError> {
    let (p, w) = (num.prefix, num.width);
    if n == u64::MAX {
        return Ok(u64::MAX);
    }
    match spans
        .range((run, p, w, n + 1)..=(run, p, w, u64::MAX))?
        .next()
    {
        Some(item) => Ok(item?.0.value().3),
        None => Ok(u64::MAX),
    }
}

/// The first seq of `run` whose record carried `token`.
pub(crate) fn lookup(
    refs: &impl ReadableTable<(u32, &'static str), u32>,
    spans: Option<&impl ReadableTable<SpanKey, SpanValue>>,
    run: u32,
    token: &str,
) -> Result<Option<u32>, StoreError> {
    if let Some(v) = refs.get((run, token))? {
        return Ok(Some(v.value()));
    }
    let (Some(spans), Some(num)) = (spans, Numbered::split(token)) else {
        return Ok(None);
    };
    Ok(span_at(spans, run, &num, num.n)?
        .filter(|s| s.covers(num.n))
        .and_then(|s| s.seq_of(num.n)))
}

/// Every indexed token of `run` with its first seq, spans spelled out (for `check`).
pub(crate) fn stored_tokens(
    refs: &impl ReadableTable<(u32, &'static str), u32>,
    spans: Option<&impl ReadableTable<SpanKey, SpanValue>>,
    run: u32,
) -> Result<BTreeMap<String, u32>, StoreError> {
    let mut out = BTreeMap::new();
    for item in refs.range((run, "")..)? {
        let (k, v) = item?;
        let (r, tok) = k.value();
        if r != run {
            break;
        }
        out.insert(tok.to_string(), v.value());
    }
    if let Some(spans) = spans {
        for item in spans.range((run, "", 0, 0)..)? {
            let (k, v) = item?;
            let (r, prefix, width, first_n) = k.value();
            if r != run {
                break;
            }
            let s = Span::from_row(first_n, v.value());
            for n in s.first_n..s.next_n() {
                let seq = s
                    .seq_of(n)
                    .ok_or_else(|| StoreError::Corrupt("record-ref span past u32".into()))?;
                out.insert(Numbered::text(prefix, width, n), seq);
            }
        }
    }
    Ok(out)
}

/// A span being extended in this transaction, and the first number of the next stored span
/// above it (extending up to there cannot overlap anything).
struct OpenSpan {
    prefix: String,
    span: Span,
    dirty: bool,
    limit: u64,
}

/// The index inside one write transaction; open spans reach the table at `flush`.
pub(crate) struct RefIndexWriter<'t> {
    pub refs: Table<'t, (u32, &'static str), u32>,
    pub spans: Table<'t, SpanKey, SpanValue>,
    /// (run, width) → open spans, one per prefix.
    open: HashMap<(u32, u32), Vec<OpenSpan>>,
}

impl<'t> RefIndexWriter<'t> {
    pub fn new(txn: &'t redb::WriteTransaction) -> Result<Self, StoreError> {
        Ok(RefIndexWriter {
            refs: txn.open_table(RECORD_REFS)?,
            spans: txn.open_table(RECORD_REF_SPANS)?,
            open: HashMap::default(),
        })
    }

    /// Records that `run`'s record `seq` carries `token`. Returns the first seq that carried
    /// it before, if any (then the index is left as it is: it names first occurrences).
    pub fn first_or_insert(
        &mut self,
        run: u32,
        token: &str,
        seq: u32,
    ) -> Result<Option<u32>, StoreError> {
        if let Some(v) = self.refs.get((run, token))? {
            return Ok(Some(v.value()));
        }
        let Some(num) = Numbered::split(token) else {
            self.refs.insert((run, token), seq)?;
            return Ok(None);
        };
        let n = num.n;
        let slot = self.open.entry((run, num.width)).or_default();
        let open = slot.iter_mut().position(|o| o.prefix == num.prefix);
        if let Some(i) = open {
            let o = &mut slot[i];
            if o.span.covers(n) {
                return Ok(o.span.seq_of(n));
            }
            if n == o.span.next_n() && n < o.limit && o.span.try_extend(seq) {
                o.dirty = true;
                return Ok(None);
            }
        }
        let stored = span_at(&self.spans, run, &num, n)?;
        let open_first = open.map(|i| slot[i].span.first_n);
        // A stored span with the open span's first number is an older copy of it.
        let stored = stored.filter(|s| Some(s.first_n) != open_first);
        if let Some(s) = stored
            && s.covers(n)
        {
            return Ok(s.seq_of(n));
        }
        if let Some(i) = open {
            let o = slot.swap_remove(i);
            if o.dirty {
                self.spans
                    .insert((run, num.prefix, num.width, o.span.first_n), o.span.value())?;
            }
        }
        let extended = stored.and_then(|mut s| (s.next_n() == n && s.try_extend(seq)).then_some(s));
        let span = extended.unwrap_or(Span {
            first_n: n,
            first_seq: seq,
            count: 1,
            stride: 0,
        });
        let limit = next_start(&self.spans, run, &num, span.first_n)?;
        slot.push(OpenSpan {
            prefix: num.prefix.to_string(),
            span,
            dirty: true,
            limit,
        });
        Ok(None)
    }

    /// Writes the open spans.
    pub fn flush(&mut self) -> Result<(), StoreError> {
        for ((run, width), spans) in std::mem::take(&mut self.open) {
            for o in spans {
                if o.dirty {
                    self.spans.insert(
                        (run, o.prefix.as_str(), width, o.span.first_n),
                        o.span.value(),
                    )?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use redb::ReadableDatabase;

    #[test]
    fn numbered_tokens_split_and_join_exactly() {
        for (tok, want) in [
            ("r00001", Some(("r", 5, 1))),
            ("r1", Some(("r", 0, 1))),
            ("r10", Some(("r", 0, 10))),
            ("r0", Some(("r", 0, 0))),
            ("00", Some(("", 2, 0))),
            ("step-17", Some(("step-", 0, 17))),
            ("a1b", None),
            ("plain", None),
            ("x1234567890123456789", None),
        ] {
            let got = Numbered::split(tok);
            assert_eq!(got.map(|g| (g.prefix, g.width, g.n)), want, "{tok}");
            if let Some(g) = got {
                assert_eq!(Numbered::text(g.prefix, g.width, g.n), tok);
            }
        }
    }

    fn db() -> (tempfile::TempDir, redb::Database) {
        let d = tempfile::tempdir().unwrap();
        let db = redb::Database::create(d.path().join("t.redb")).unwrap();
        (d, db)
    }

    /// Feeds `tokens` (seq = position + 1) through the writer, one transaction per `batch`
    /// tokens; returns what `first_or_insert` answered and the index read back.
    fn run_index(
        tokens: &[String],
        batch: usize,
    ) -> (Vec<Option<u32>>, BTreeMap<String, u32>, usize) {
        let (_d, db) = db();
        let mut answers = Vec::new();
        for (c, chunk) in tokens.chunks(batch.max(1)).enumerate() {
            let txn = db.begin_write().unwrap();
            {
                let mut w = RefIndexWriter::new(&txn).unwrap();
                for (i, t) in chunk.iter().enumerate() {
                    let seq = (c * batch.max(1) + i + 1) as u32;
                    answers.push(w.first_or_insert(7, t, seq).unwrap());
                }
                w.flush().unwrap();
            }
            txn.commit().unwrap();
        }
        let txn = db.begin_read().unwrap();
        let refs = txn.open_table(RECORD_REFS).ok();
        let spans = txn.open_table(RECORD_REF_SPANS).ok();
        let rows = spans.as_ref().map_or(0, |s| s.len().unwrap_or(0) as usize)
            + refs.as_ref().map_or(0, |r| r.len().unwrap_or(0) as usize);
        let stored = match &refs {
            Some(r) => stored_tokens(r, spans.as_ref(), 7).unwrap(),
            None => BTreeMap::new(),
        };
        // Every lookup agrees with the index spelled out.
        if let Some(r) = &refs {
            for (t, seq) in &stored {
                assert_eq!(lookup(r, spans.as_ref(), 7, t).unwrap(), Some(*seq), "{t}");
            }
            assert_eq!(lookup(r, spans.as_ref(), 7, "r999999999").unwrap(), None);
        }
        (answers, stored, rows)
    }

    /// What the index must hold: each token's first seq; and what each insert must answer.
    fn expected(tokens: &[String]) -> (Vec<Option<u32>>, BTreeMap<String, u32>) {
        let mut first = BTreeMap::new();
        let mut answers = Vec::new();
        for (i, t) in tokens.iter().enumerate() {
            answers.push(first.get(t).copied());
            first.entry(t.clone()).or_insert(i as u32 + 1);
        }
        (answers, first)
    }

    use redb::ReadableTableMetadata;

    #[test]
    fn a_numbered_run_of_records_takes_one_row() {
        let tokens: Vec<String> = (1..=5000).map(|i| format!("r{i:05}")).collect();
        let (answers, stored, rows) = run_index(&tokens, 700);
        let (want_answers, want) = expected(&tokens);
        assert_eq!(answers, want_answers);
        assert_eq!(stored, want);
        assert_eq!(rows, 1);
        // Unpadded numbers (`r9` < `r10` as text) and a per-key stride: still one row each.
        let tokens: Vec<String> = (1..=3000)
            .map(|i| {
                if i % 2 == 0 {
                    format!("loss-{}", i / 2)
                } else {
                    format!("acc-{}", i / 2)
                }
            })
            .collect();
        let (answers, stored, rows) = run_index(&tokens, 1000);
        assert_eq!((answers, stored), expected(&tokens));
        assert_eq!(rows, 2);
    }

    fn token() -> impl Strategy<Value = String> {
        prop_oneof![
            (0u64..40).prop_map(|n| format!("r{n}")),
            (0u64..40).prop_map(|n| format!("r{n:03}")),
            (0u64..10).prop_map(|n| format!("s-{n}")),
            "[a-c]{1,3}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn the_index_names_each_first_occurrence(
            tokens in proptest::collection::vec(token(), 1..120),
            batch in 1usize..50,
        ) {
            let (answers, stored, _) = run_index(&tokens, batch);
            let (want_answers, want) = expected(&tokens);
            prop_assert_eq!(answers, want_answers);
            prop_assert_eq!(stored, want);
        }

        #[test]
        fn sequential_numbers_in_any_batches_take_one_row(n in 1u64..400, batch in 1usize..90) {
            let tokens: Vec<String> = (0..n).map(|i| format!("r{i}")).collect();
            let (_, stored, rows) = run_index(&tokens, batch);
            prop_assert_eq!(stored.len() as u64, n);
            prop_assert_eq!(rows, 1);
        }
    }
}
