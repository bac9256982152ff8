//! Shared by the fuzz targets and replayed by `cargo test` on the committed
//! regression inputs (crates/zidx/tests/fuzz_regressions.rs includes it).
//!
//! [`exercise`] runs every read operation on a buffer: open, get, get_many,
//! get_all, iteration, hash statistics, verify, and the ordered queries of
//! format 1.2 (range forwards and backwards, consumed from both ends,
//! prefix, first, last, rank). What must hold on any input:
//!
//! - no panic, and every iterator ends: none yields more than the record
//!   count, which itself is bounded by the file's length;
//! - the file read in place and the same file read through a storage that
//!   copies every read (the general, non-resident paths) give the same
//!   answers, errors included;
//! - `get_many` answers each key as `get` does, `get_all` starts with
//!   `get`'s value;
//! - a range never yields a key outside its bounds (nor a prefix query a key
//!   without the prefix), yields exactly the length it announces unless it
//!   fails, and nothing after an error; a file without ordered keys refuses
//!   every ordered query;
//! - every key and value returned lies in a record of the records section
//!   whose header gives these lengths, and, in a file with record checks
//!   and a build that enforces checksums, whose check matches (a damaged
//!   record is an error, never a value).
//!
//! When the file verifies, the answers must also equal a model built from
//! its iterated records: lookups, every value of a key, and, with ordered
//! keys, key order, ranges, prefixes, first, last and rank.

use std::ops::Bound;

use zidx::{Error, FileLayout, Index, Storage};

/// A result reduced to owned, comparable data: `Err` holds the message.
pub type Item = Result<(Vec<u8>, Vec<u8>), String>;
/// A key and a value, owned.
pub type Pair = (Vec<u8>, Vec<u8>);
/// A key's values, owned, or the error that ended them.
pub type OwnedValues = Vec<Result<Vec<u8>, String>>;
/// A record's bytes without its check, and its check.
pub type RecordBytes<'a> = (&'a [u8], &'a [u8]);
/// Told each pair a query returned, with its record's bytes when the file
/// has checks.
pub type PairObserver<'o> = &'o mut dyn FnMut(&[u8], &[u8], Option<RecordBytes<'_>>);
/// A range's next item, as the index gives it.
type RangeItem<'a, S> =
    Option<Result<(<S as Storage>::Bytes<'a>, <S as Storage>::Bytes<'a>), Error>>;

/// How a range is consumed: `front` items from the front, then `back` from
/// the back, then the rest from the front (or from the back when `rev`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Consume {
    pub front: usize,
    pub back: usize,
    pub rev: bool,
}

/// An ordered query.
#[derive(Debug, Clone)]
pub enum Query {
    Range(Bound<Vec<u8>>, Bound<Vec<u8>>, Consume),
    Prefix(Vec<u8>, Consume),
    First,
    Last,
    Rank(Vec<u8>),
    GetAll(Vec<u8>),
}

/// What one query gave, in owned form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The range could not be made.
    Refused(String),
    /// A range: its announced length and the items, reassembled into key
    /// order (front items, then the rest, then the back items).
    Items {
        len: usize,
        items: Vec<Item>,
    },
    Pair(Result<Option<Pair>, String>),
    Rank(Result<u64, String>),
    Values(Result<OwnedValues, String>),
}

/// Reads by copying and does not offer the file as one slice, so that every
/// lookup takes the general path (the resident fast path is not used).
pub struct OnDemand<'a>(pub &'a [u8]);

impl Storage for OnDemand<'_> {
    type Bytes<'b>
        = Vec<u8>
    where
        Self: 'b;
    fn file_len(&self) -> u64 {
        self.0.len() as u64
    }
    fn read_at(&self, offset: u64, len: u64) -> Result<Vec<u8>, Error> {
        self.0.read_at(offset, len).map(<[u8]>::to_vec)
    }
}

/// Something told every `(key, value)` pair a query returned, as borrowed
/// from the file (only for the index read in place).
pub type Observer<'o> = &'o mut dyn FnMut(&FileLayout, &[u8], &[u8]);

fn bound_ref(b: &Bound<Vec<u8>>) -> Bound<&[u8]> {
    match b {
        Bound::Included(k) => Bound::Included(k.as_slice()),
        Bound::Excluded(k) => Bound::Excluded(k.as_slice()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

/// Whether `key` lies within `(start, end)`.
pub fn in_bounds(key: &[u8], start: &Bound<Vec<u8>>, end: &Bound<Vec<u8>>) -> bool {
    let after = match start {
        Bound::Included(b) => key >= b.as_slice(),
        Bound::Excluded(b) => key > b.as_slice(),
        Bound::Unbounded => true,
    };
    let before = match end {
        Bound::Included(b) => key <= b.as_slice(),
        Bound::Excluded(b) => key < b.as_slice(),
        Bound::Unbounded => true,
    };
    after && before
}

/// Index whose records the iteration bound allows: the record count plus
/// one, so that one item too many is seen (and reported), never an endless
/// loop.
fn bound_of<S: Storage>(index: &Index<S>) -> usize {
    usize::try_from(index.len()).unwrap_or(usize::MAX - 1) + 1
}

/// Runs `query`, checking what holds on any file, and returns its answer.
pub fn run_query<S: Storage>(
    index: &Index<S>,
    query: &Query,
    observe: &mut Option<Observer<'_>>,
) -> Answer {
    let n = index.len();
    let limit = bound_of(index);
    let ordered = index.layout().key_fences().is_some();
    let mut see = |k: &[u8], v: &[u8]| {
        if let Some(o) = observe.as_mut() {
            o(index.layout(), k, v);
        }
    };
    let (range, bounds, consume) = match query {
        Query::Range(start, end, consume) => (
            index.range::<[u8], _>((bound_ref(start), bound_ref(end))),
            (start.clone(), end.clone()),
            *consume,
        ),
        Query::Prefix(p, consume) => (
            index.prefix(p),
            (Bound::Included(p.clone()), Bound::Unbounded),
            *consume,
        ),
        Query::First => {
            let r = index.first();
            assert!(
                ordered || r.is_err(),
                "first() on a file without ordered keys"
            );
            let r = r.map(|o| {
                o.map(|(k, v)| {
                    see(k.as_ref(), v.as_ref());
                    (k.as_ref().to_vec(), v.as_ref().to_vec())
                })
            });
            return Answer::Pair(r.map_err(|e| e.to_string()));
        }
        Query::Last => {
            let r = index.last();
            assert!(
                ordered || r.is_err(),
                "last() on a file without ordered keys"
            );
            let r = r.map(|o| {
                o.map(|(k, v)| {
                    see(k.as_ref(), v.as_ref());
                    (k.as_ref().to_vec(), v.as_ref().to_vec())
                })
            });
            return Answer::Pair(r.map_err(|e| e.to_string()));
        }
        Query::Rank(k) => {
            let r = index.rank(k);
            assert!(
                ordered || r.is_err(),
                "rank() on a file without ordered keys"
            );
            if let Ok(rank) = r {
                assert!(rank <= n, "rank {rank} past the record count {n}");
            }
            return Answer::Rank(r.map_err(|e| e.to_string()));
        }
        Query::GetAll(k) => {
            let r = index.get_all(k).map(|values| {
                let mut out = Vec::new();
                let mut failed = false;
                for v in values.take(limit) {
                    assert!(!failed, "get_all yielded after an error");
                    match v {
                        Ok(v) => {
                            see(k, v.as_ref());
                            out.push(Ok(v.as_ref().to_vec()));
                        }
                        Err(e) => {
                            failed = true;
                            out.push(Err(e.to_string()));
                        }
                    }
                }
                assert!(
                    out.len() as u64 <= n,
                    "get_all yielded more values than records"
                );
                out
            });
            return Answer::Values(r.map_err(|e| e.to_string()));
        }
    };
    let mut range = match range {
        Ok(r) => r,
        Err(e) => return Answer::Refused(e.to_string()),
    };
    assert!(ordered, "a range on a file without ordered keys");
    let len = range.len();
    assert!(len as u64 <= n, "a range of {len} records in a file of {n}");
    let mut failed = false;
    let mut take = |item: RangeItem<'_, S>, out: &mut Vec<Item>| -> bool {
        let Some(item) = item else { return false };
        assert!(!failed, "a range yielded after an error");
        match item {
            Ok((k, v)) => {
                let (k, v) = (k.as_ref(), v.as_ref());
                see(k, v);
                out.push(Ok((k.to_vec(), v.to_vec())));
            }
            Err(e) => {
                failed = true;
                out.push(Err(e.to_string()));
            }
        }
        true
    };
    let mut front = Vec::new();
    let mut back = Vec::new();
    let mut rest = Vec::new();
    for _ in 0..consume.front {
        if !take(range.next(), &mut front) {
            break;
        }
    }
    for _ in 0..consume.back {
        if !take(range.next_back(), &mut back) {
            break;
        }
    }
    for _ in 0..limit {
        let item = if consume.rev {
            range.next_back()
        } else {
            range.next()
        };
        if !take(item, &mut rest) {
            break;
        }
    }
    assert_eq!(range.len(), 0, "a consumed range still announces records");
    let total = front.len() + back.len() + rest.len();
    assert!(total <= len, "a range of {len} yielded {total} items");
    if !failed {
        assert_eq!(total, len, "a range yielded fewer records than announced");
    }
    if consume.rev {
        rest.reverse();
    }
    back.reverse();
    front.extend(rest);
    front.extend(back);
    // A range compares its first and last records with its bounds (the
    // ones between are in key order in any file that is not damaged), so
    // damaged fences cannot widen it: when every record was yielded, both
    // ends are inside the bounds.
    if !failed {
        // Without a failure every item is a record.
        for (k, _) in [front.first(), front.last()]
            .into_iter()
            .flatten()
            .flatten()
        {
            assert!(
                in_bounds(k, &bounds.0, &bounds.1),
                "a range yielded key {k:?} outside its bounds {bounds:?}"
            );
            if let Query::Prefix(p, _) = query {
                assert!(k.starts_with(p), "prefix {p:?} yielded key {k:?}");
            }
        }
    }
    Answer::Items { len, items: front }
}

/// The answer the model gives: `records` are the file's records in key
/// order.
pub fn model_answer(records: &[(Vec<u8>, Vec<u8>)], query: &Query) -> Answer {
    let pick = |start: &Bound<Vec<u8>>, end: &Bound<Vec<u8>>| -> Vec<Item> {
        records
            .iter()
            .filter(|(k, _)| in_bounds(k, start, end))
            .map(|(k, v)| Ok((k.clone(), v.clone())))
            .collect()
    };
    match query {
        Query::Range(start, end, _) => {
            let items = pick(start, end);
            Answer::Items {
                len: items.len(),
                items,
            }
        }
        Query::Prefix(p, _) => {
            let items: Vec<Item> = records
                .iter()
                .filter(|(k, _)| k.starts_with(p))
                .map(|(k, v)| Ok((k.clone(), v.clone())))
                .collect();
            Answer::Items {
                len: items.len(),
                items,
            }
        }
        Query::First => Answer::Pair(Ok(records.first().cloned())),
        Query::Last => Answer::Pair(Ok(records.last().cloned())),
        Query::Rank(k) => Answer::Rank(Ok(records
            .iter()
            .filter(|(r, _)| r.as_slice() < k.as_slice())
            .count() as u64)),
        Query::GetAll(k) => Answer::Values(Ok(records
            .iter()
            .filter(|(r, _)| r == k)
            .map(|(_, v)| Ok(v.clone()))
            .collect())),
    }
}

/// Checks that `value` (and `key`) returned by a query on `data` opened in
/// place lie in a record of the records section whose header gives their
/// lengths; that the key stored there is `key`; and, when the file has
/// record checks and checksums are enforced, that its check matches.
/// Returns the record's bytes without the check, and its check, when the
/// file has checks.
pub fn check_returned<'d>(
    data: &'d [u8],
    layout: &FileLayout,
    key: &[u8],
    value: &[u8],
) -> Option<RecordBytes<'d>> {
    let base = data.as_ptr() as usize;
    let at = (value.as_ptr() as usize).wrapping_sub(base);
    assert!(
        at <= data.len() && value.len() <= data.len() - at,
        "a returned value does not lie in the file"
    );
    let section = layout.records();
    let (start, end) = (
        usize::try_from(section.offset).expect("in memory"),
        usize::try_from(section.offset + section.length).expect("in memory"),
    );
    let codec = layout.record_codec();
    let spans = codec.spans(key.len() as u64, value.len() as u64);
    let value_start = usize::try_from(spans.value_start).expect("in memory");
    let head = at
        .checked_sub(value_start)
        .expect("a returned value starts too early for its record header");
    assert!(
        head >= start && at + value.len() <= end,
        "a returned record lies outside the records section"
    );
    assert_eq!(
        &data[head..head + 2],
        &u16::try_from(key.len()).expect("key length").to_le_bytes(),
        "a returned key's length is not its record's key_len"
    );
    match codec.typed() {
        None => assert_eq!(
            &data[head + 2..head + 6],
            &u32::try_from(value.len())
                .expect("value length")
                .to_le_bytes(),
            "a returned value's length is not its record's value_len"
        ),
        Some(layout) => assert_eq!(
            value.len(),
            layout.size() as usize,
            "a typed value is not the schema's size"
        ),
    }
    let key_at = head + codec.head_len();
    assert_eq!(
        &data[key_at..key_at + key.len()],
        key,
        "a returned value's record has another key"
    );
    if !layout.record_codec().checked() {
        return None;
    }
    let covered_end = at + value.len();
    assert!(
        covered_end + 4 <= end,
        "a checked record's check lies past the section"
    );
    let covered = &data[head..covered_end];
    let check = &data[covered_end..covered_end + 4];
    if zidx_format::CHECKSUMS_ENFORCED {
        let stored = u32::from_le_bytes(check.try_into().expect("4 bytes"));
        assert_eq!(
            stored,
            zidx_format::record_check(covered),
            "a record whose check does not match was returned as data"
        );
    }
    Some((covered, check))
}

/// The probes and queries `exercise` runs on `data`: the keys of the
/// listed records (and neighbours of them) and bytes of the input.
fn queries_for(keys: &[&[u8]], data: &[u8]) -> (Vec<Vec<u8>>, Vec<Query>) {
    let mut probes: Vec<Vec<u8>> = keys.iter().take(64).map(|k| k.to_vec()).collect();
    probes.extend(data.chunks(7).take(16).map(<[u8]>::to_vec));
    probes.push(Vec::new());
    let mut queries = vec![Query::First, Query::Last];
    let consume = |i: usize| Consume {
        front: i % 3,
        back: (i / 3) % 3,
        rev: i % 2 == 1,
    };
    let mut near = Vec::new();
    for (i, k) in keys.iter().take(6).enumerate() {
        let mut longer = k.to_vec();
        longer.push(0);
        let shorter = k[..k.len() / 2].to_vec();
        near.push(longer.clone());
        near.push(shorter.clone());
        queries.push(Query::Range(
            Bound::Included(k.to_vec()),
            Bound::Excluded(longer),
            consume(i),
        ));
        queries.push(Query::Prefix(shorter, consume(i + 1)));
    }
    probes.extend(near);
    let at = |i: usize| probes[i % probes.len()].clone();
    for i in 0..8 {
        let a = at(i * 5);
        let b = at(i * 5 + 3);
        let (start, end) = match i % 4 {
            0 => (Bound::Included(a), Bound::Excluded(b)),
            1 => (Bound::Excluded(a), Bound::Included(b)),
            2 => (Bound::Unbounded, Bound::Included(b)),
            _ => (Bound::Excluded(a), Bound::Unbounded),
        };
        queries.push(Query::Range(start, end, consume(i)));
    }
    queries.push(Query::Range(Bound::Unbounded, Bound::Unbounded, consume(4)));
    queries.push(Query::Range(Bound::Unbounded, Bound::Unbounded, consume(1)));
    for i in 0..4 {
        queries.push(Query::Prefix(at(i * 7 + 1), consume(i + 2)));
        queries.push(Query::Prefix(
            at(i * 7 + 1)[..at(i * 7 + 1).len().min(1)].to_vec(),
            consume(i),
        ));
    }
    for p in probes.iter().take(12) {
        queries.push(Query::Rank(p.clone()));
        queries.push(Query::GetAll(p.clone()));
    }
    (probes, queries)
}

/// Everything `get`, `get_many`, iteration and `queries` answer, checking
/// what holds on any file.
fn transcript<S: Storage>(
    index: &Index<S>,
    probes: &[Vec<u8>],
    queries: &[Query],
    mut observe: Option<Observer<'_>>,
) -> Vec<Answer> {
    let mut answers = Vec::new();
    let n = index.len();
    // Iteration, bounded.
    let mut listed = Vec::new();
    let mut failed = false;
    for r in index.iter().take(bound_of(index)) {
        assert!(!failed, "iteration yielded after an error");
        match r {
            Ok((k, v)) => {
                if let Some(o) = observe.as_mut() {
                    o(index.layout(), k.as_ref(), v.as_ref());
                }
                listed.push(Ok((k.as_ref().to_vec(), v.as_ref().to_vec())));
            }
            Err(e) => {
                failed = true;
                listed.push(Err(e.to_string()));
            }
        }
    }
    assert!(
        listed.len() as u64 <= n,
        "iteration yielded more than the record count"
    );
    answers.push(Answer::Items {
        len: listed.len(),
        items: listed,
    });
    // Lookups, one by one and in a batch.
    let single: Vec<_> = probes.iter().map(|k| index.get(k)).collect();
    let mut batch = Vec::new();
    index.get_many(probes, &mut batch);
    assert_eq!(batch.len(), probes.len(), "get_many gave a result per key");
    for ((k, s), b) in probes.iter().zip(&single).zip(&batch) {
        // Per key, get_many gives exactly get's answer, or an error where
        // get gives one.
        let s = s.as_ref().map(|o| o.as_ref().map(|v| v.as_ref()));
        let b = b.as_ref().map(|o| o.as_ref().map(|v| v.as_ref()));
        assert_eq!(
            b.as_ref().ok(),
            s.as_ref().ok(),
            "get_many disagrees with get"
        );
        assert_eq!(b.is_err(), s.is_err(), "get_many disagrees with get");
        if let (Ok(Some(v)), Some(o)) = (s, observe.as_mut()) {
            o(index.layout(), k, v);
        }
        answers.push(Answer::Pair(
            s.map(|o| o.map(|v| (k.clone(), v.to_vec())))
                .map_err(|e| e.to_string()),
        ));
    }
    for q in queries {
        let a = run_query(index, q, &mut observe);
        if let (Query::GetAll(k), Answer::Values(Ok(values))) = (q, &a) {
            // The first value of a key is get's.
            let got = index.get(k);
            if let (Ok(got), Some(Ok(first))) = (&got, values.first()) {
                assert_eq!(
                    got.as_ref().map(|v| v.as_ref()),
                    Some(first.as_slice()),
                    "get_all's first value is not get's"
                );
            }
            if let Ok(None) = got {
                assert!(
                    values.is_empty(),
                    "get_all found values of a key get does not find"
                );
            }
        }
        answers.push(a);
    }
    answers
}

/// Runs every read operation on `data`. Returns the records of the index
/// when it opens and verifies. Panics only on a reader bug: a verified index
/// must answer every lookup and ordered query from its own records.
#[allow(dead_code)]
pub fn exercise(data: &[u8]) -> Option<Vec<(Vec<u8>, Vec<u8>)>> {
    exercise_with(data, &mut |_, _, _| {})
}

/// [`exercise`], telling `observe` every `(key, value)` pair returned by
/// the index read in place (after [`check_returned`] has checked it),
/// with the bytes of its record and its check when the file has checks.
pub fn exercise_with(data: &[u8], observe: PairObserver<'_>) -> Option<Vec<Pair>> {
    let opened = Index::from_bytes(data);
    let general = Index::from_storage(OnDemand(data));
    assert_eq!(
        opened.as_ref().err().map(|e| e.to_string()),
        general.as_ref().err().map(|e| e.to_string()),
        "opening in place and through copies disagree"
    );
    let index = opened.ok()?;
    let general = general.ok()?;
    let n = index.len();
    let overhead = index.layout().record_codec().min_record_len();
    assert!(
        n <= data.len() as u64 / overhead,
        "{n} records in a file of {} bytes",
        data.len()
    );
    let hash_stats = index.hash_stats().map_err(|e| e.to_string());
    assert_eq!(
        hash_stats.as_ref().err(),
        general
            .hash_stats()
            .map_err(|e| e.to_string())
            .as_ref()
            .err(),
        "hash statistics disagree"
    );
    // Probe keys: the records' own keys (when readable) and bytes of the input.
    let keys: Vec<&[u8]> = index
        .iter()
        .take(bound_of(&index))
        .filter_map(|r| r.ok().map(|(k, _)| k))
        .take(64)
        .collect();
    let (probes, queries) = queries_for(&keys, data);
    exercise_typed(data, &probes);
    let mut in_place = |layout: &FileLayout, k: &[u8], v: &[u8]| {
        let record = check_returned(data, layout, k, v);
        observe(k, v, record);
    };
    let answers = transcript(&index, &probes, &queries, Some(&mut in_place));
    let copied = transcript(&general, &probes, &queries, None);
    for (a, b) in answers.iter().zip(&copied) {
        assert_eq!(
            a, b,
            "the file read in place and through copies answer differently"
        );
    }
    assert_eq!(answers.len(), copied.len());

    let verified = index.verify();
    // Both find a problem or neither does (they may name different ones).
    assert_eq!(
        verified.is_ok(),
        general.verify().is_ok(),
        "verify in place and through copies disagree"
    );
    verified.ok()?;

    // A verified file: every answer follows from its records.
    let listed: Vec<_> = index.iter().take(bound_of(&index)).collect();
    assert_eq!(
        listed.len() as u64,
        n,
        "iteration length differs from len()"
    );
    let mut records = Vec::with_capacity(listed.len());
    for r in listed {
        let (k, v) = r.expect("a verified index failed to iterate");
        records.push((k.to_vec(), v.to_vec()));
    }
    let multi = index.layout().multi_value();
    let ordered = index.layout().key_fences().is_some();
    let mut seen = std::collections::HashSet::new();
    for (k, v) in &records {
        // The first value of a key is the one get finds.
        let first = seen.insert(k.as_slice());
        assert!(
            first || multi,
            "a verified file without several values per key repeats a key"
        );
        if first {
            assert_eq!(
                index.get(k).expect("a verified index failed a lookup"),
                Some(&v[..]),
                "lookup disagrees with iteration"
            );
        }
    }
    if ordered {
        for w in records.windows(2) {
            assert!(
                w[0].0 < w[1].0 || (multi && w[0].0 == w[1].0),
                "a verified ordered file stores keys out of order"
            );
        }
        for (q, a) in queries.iter().zip(&answers[1 + probes.len()..]) {
            assert_eq!(
                a,
                &model_answer(&records, q),
                "{q:?} disagrees with the records"
            );
        }
    } else {
        for (q, a) in queries.iter().zip(&answers[1 + probes.len()..]) {
            match (q, a) {
                (Query::GetAll(_), a) => {
                    assert_eq!(
                        a,
                        &model_answer(&records, q),
                        "{q:?} disagrees with the records"
                    )
                }
                (_, Answer::Refused(_)) => {}
                (_, Answer::Pair(Err(_)) | Answer::Rank(Err(_))) => {}
                _ => panic!("{q:?} answered on a file without ordered keys"),
            }
        }
    }
    Some(records)
}

/// The typed values of the format 1.3 golden files, which seed the corpus.
#[allow(dead_code, clippy::all)]
mod typed_values {
    include!("../../testdata/typed_golden.rs");
}

/// The typed view (`TypedIndex<Fruit>`) of a file whose schema is the
/// golden files' `Fruit`, over an aligned copy of `data`: every typed
/// answer is the untyped answer's bytes, as a `&Fruit` in place, and
/// errors agree. A file with another schema, or none, is refused.
fn exercise_typed(data: &[u8], probes: &[Vec<u8>]) {
    use typed_values::Fruit;
    use zerocopy::IntoBytes;
    let mut aligned = vec![0u64; data.len().div_ceil(8)];
    aligned.as_mut_bytes()[..data.len()].copy_from_slice(data);
    let bytes = &aligned.as_bytes()[..data.len()];
    let Ok(index) = Index::from_bytes(bytes) else {
        return;
    };
    let fruit = <Fruit as zidx::Schema>::value_schema().expect("Fruit's schema");
    let matches = index.layout().value_schema() == Some(&fruit);
    let typed = match zidx::TypedIndex::<Fruit, _>::new(index) {
        Ok(typed) => typed,
        Err(e) => {
            assert!(!matches, "a file with Fruit's schema was refused: {e}");
            return;
        }
    };
    assert!(matches, "a typed view opened on another schema");
    let as_bytes = |v: &Fruit| v.as_bytes().to_vec();
    for key in probes {
        let typed_answer = typed
            .get(key)
            .map(|v| v.map(as_bytes))
            .map_err(|e| e.to_string());
        let plain = typed
            .index()
            .get(key)
            .map(|v| v.map(<[u8]>::to_vec))
            .map_err(|e| e.to_string());
        assert_eq!(
            typed_answer.is_err(),
            plain.is_err(),
            "typed and untyped get disagree"
        );
        if let (Ok(t), Ok(p)) = (&typed_answer, &plain) {
            assert_eq!(t, p, "typed and untyped get disagree");
        }
        if let Ok(values) = typed.get_all(key) {
            for value in values.take(bound_of(typed.index())) {
                let _ = value;
            }
        }
    }
    let mut out = Vec::new();
    typed.get_many(probes, &mut out);
    for (key, answer) in probes.iter().zip(&out) {
        let single = typed
            .get(key)
            .map(|v| v.map(as_bytes))
            .map_err(|e| e.to_string());
        let batch = answer
            .as_ref()
            .map(|v| v.map(as_bytes))
            .map_err(|e| e.to_string());
        assert_eq!(
            single.is_ok(),
            batch.is_ok(),
            "typed get_many disagrees with get"
        );
        if let (Ok(a), Ok(b)) = (single, batch) {
            assert_eq!(a, b, "typed get_many disagrees with get");
        }
    }
    for (typed_record, plain_record) in typed
        .iter()
        .zip(typed.index().iter())
        .take(bound_of(typed.index()))
    {
        match (typed_record, plain_record) {
            (Ok((k, v)), Ok((pk, pv))) => assert_eq!((k, v.as_bytes()), (pk, pv)),
            (Err(_), _) | (_, Err(_)) => break,
        }
    }
}
