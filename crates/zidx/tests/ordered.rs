//! Ordered keys, several values per key and checked records (SPEC.md §12),
//! against a model: a sorted list of the records the options keep.
// Test files are a few KiB: every offset fits in usize.
#![allow(clippy::cast_possible_truncation)]

use std::ops::Bound;

use proptest::prelude::*;
use zidx::{Error, FormatError, Index};
use zidx_writer::{OnDuplicate, Options, Writer};

type Record = (Vec<u8>, Vec<u8>);

/// The records a build with `policy` keeps, in key order (stable).
fn model(records: &[Record], policy: OnDuplicate) -> Vec<Record> {
    let mut sorted: Vec<(usize, Record)> = records.iter().cloned().enumerate().collect();
    sorted.sort_by(|a, b| a.1 .0.cmp(&b.1 .0).then(a.0.cmp(&b.0)));
    let mut out: Vec<Record> = Vec::new();
    for (_, (k, v)) in sorted {
        match (policy, out.last()) {
            (OnDuplicate::First, Some((last, _))) if *last == k => {}
            (OnDuplicate::Last, Some((last, _))) if *last == k => {
                let n = out.len();
                out[n - 1] = (k, v);
            }
            _ => out.push((k, v)),
        }
    }
    out
}

fn build(records: &[Record], options: Options) -> Vec<u8> {
    let mut w = Writer::memory(options);
    for (k, v) in records {
        w.insert(k, v).unwrap();
    }
    w.finish().unwrap()
}

fn pairs<'a>(it: impl Iterator<Item = Result<(&'a [u8], &'a [u8]), Error>>) -> Vec<Record> {
    it.map(|r| {
        let (k, v) = r.unwrap();
        (k.to_vec(), v.to_vec())
    })
    .collect()
}

fn key_strategy() -> impl Strategy<Value = Vec<u8>> {
    // A small alphabet, so that keys share prefixes and repeat.
    proptest::collection::vec(
        prop_oneof![Just(b'a'), Just(b'b'), Just(0xFFu8), Just(0u8)],
        0..5,
    )
}

fn bound(b: (u8, Vec<u8>)) -> Bound<Vec<u8>> {
    match b.0 % 3 {
        0 => Bound::Unbounded,
        1 => Bound::Included(b.1),
        _ => Bound::Excluded(b.1),
    }
}

fn in_range(k: &[u8], lo: &Bound<Vec<u8>>, hi: &Bound<Vec<u8>>) -> bool {
    let after_lo = match lo {
        Bound::Unbounded => true,
        Bound::Included(b) => k >= b.as_slice(),
        Bound::Excluded(b) => k > b.as_slice(),
    };
    let before_hi = match hi {
        Bound::Unbounded => true,
        Bound::Included(b) => k <= b.as_slice(),
        Bound::Excluded(b) => k < b.as_slice(),
    };
    after_lo && before_hi
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Every ordered query answers as the model does, for every duplicate
    /// policy, with and without record checks, sorted in memory or in
    /// spilled runs; and the file verifies.
    #[test]
    fn ordered_queries_match_the_model(
        records in proptest::collection::vec(
            (key_strategy(), proptest::collection::vec(any::<u8>(), 0..12)),
            0..120,
        ),
        policy in prop_oneof![Just(OnDuplicate::First), Just(OnDuplicate::Last), Just(OnDuplicate::Keep)],
        checked in any::<bool>(),
        sort_buffer in prop_oneof![Just(64usize), Just(1 << 20)],
        queries in proptest::collection::vec(((any::<u8>(), key_strategy()), (any::<u8>(), key_strategy())), 1..8),
    ) {
        let options = Options::default()
            .with_ordered(true)
            .with_on_duplicate(policy)
            .with_record_checksums(checked)
            .with_sort_buffer(sort_buffer);
        let bytes = build(&records, options);
        let index = Index::from_bytes(&bytes[..]).unwrap();
        index.verify().unwrap();
        let expected = model(&records, policy);
        prop_assert_eq!(index.len(), expected.len() as u64);
        prop_assert_eq!(pairs(index.iter()), expected.clone());
        prop_assert_eq!(pairs(index.range::<[u8], _>(..).unwrap()), expected.clone());
        let mut reversed = expected.clone();
        reversed.reverse();
        prop_assert_eq!(pairs(index.range::<[u8], _>(..).unwrap().rev()), reversed);
        prop_assert_eq!(
            index.first().unwrap().map(|(k, v)| (k.to_vec(), v.to_vec())),
            expected.first().cloned()
        );
        prop_assert_eq!(
            index.last().unwrap().map(|(k, v)| (k.to_vec(), v.to_vec())),
            expected.last().cloned()
        );
        for (lo, hi) in queries {
            let (lo_key, hi_key) = (lo.1.clone(), hi.1.clone());
            let (lo, hi) = (bound(lo), bound(hi));
            let want: Vec<Record> = expected
                .iter()
                .filter(|(k, _)| in_range(k, &lo, &hi))
                .cloned()
                .collect();
            let range = index.range::<Vec<u8>, _>((lo.clone(), hi.clone())).unwrap();
            prop_assert_eq!(range.len(), want.len());
            prop_assert_eq!(pairs(range), want.clone());
            let mut back = want.clone();
            back.reverse();
            let range = index.range::<Vec<u8>, _>((lo, hi)).unwrap();
            prop_assert_eq!(pairs(range.rev()), back);
            // Rank, prefix, every value and the first value of a key.
            let rank = expected.iter().filter(|(k, _)| *k < lo_key).count() as u64;
            prop_assert_eq!(index.rank(&lo_key).unwrap(), rank);
            let with_prefix: Vec<Record> = expected
                .iter()
                .filter(|(k, _)| k.starts_with(&hi_key))
                .cloned()
                .collect();
            prop_assert_eq!(pairs(index.prefix(&hi_key).unwrap()), with_prefix);
            let values: Vec<Vec<u8>> = expected
                .iter()
                .filter(|(k, _)| *k == lo_key)
                .map(|(_, v)| v.clone())
                .collect();
            let got: Vec<Vec<u8>> = index
                .get_all(&lo_key)
                .unwrap()
                .map(|v| v.unwrap().to_vec())
                .collect();
            prop_assert_eq!(&got, &values);
            prop_assert_eq!(
                index.get(&lo_key).unwrap().map(<[u8]>::to_vec),
                values.first().cloned()
            );
        }
    }

    /// In a file with record checks, no overwritten byte of a record ever
    /// comes back as data: every read path either returns the original
    /// records or an error.
    #[test]
    fn damaged_records_are_errors_never_values(
        n in 1usize..60,
        at in any::<proptest::sample::Index>(),
        xor in 1u8..=255,
        ordered in any::<bool>(),
    ) {
        let records: Vec<Record> = (0..n)
            .map(|i| (format!("key{i:03}").into_bytes(), format!("value-{i}").into_bytes()))
            .collect();
        let options = Options::default().with_ordered(ordered).with_record_checksums(true);
        let mut bytes = build(&records, options);
        let clean = Index::from_bytes(bytes.clone()).unwrap();
        let section = clean.layout().records().clone();
        let i = section.offset as usize + at.index(section.length as usize);
        bytes[i] ^= xor;
        let index = Index::from_bytes(&bytes[..]).unwrap();
        let original: std::collections::HashMap<Vec<u8>, Vec<u8>> = records.iter().cloned().collect();
        for (k, _) in &records {
            if let Ok(Some(v)) = index.get(k) {
                prop_assert_eq!(Some(&v.to_vec()), original.get(k));
            }
            if let Ok(values) = index.get_all(k) {
                for v in values.flatten() {
                    prop_assert_eq!(Some(&v.to_vec()), original.get(k));
                }
            }
        }
        let mut out = Vec::new();
        let keys: Vec<&[u8]> = records.iter().map(|(k, _)| &k[..]).collect();
        index.get_many(&keys, &mut out);
        for (k, r) in keys.iter().zip(out) {
            if let Ok(Some(v)) = r {
                prop_assert_eq!(Some(&v.to_vec()), original.get(*k));
            }
        }
        let mut errors = 0;
        for r in index.iter() {
            match r {
                Ok((k, v)) => prop_assert_eq!(Some(&v.to_vec()), original.get(k)),
                Err(_) => errors += 1,
            }
        }
        prop_assert_eq!(errors, 1, "iteration must stop at the damaged record");
        if ordered {
            if let Ok(range) = index.range::<[u8], _>(..) {
                for (k, v) in range.flatten() {
                    prop_assert_eq!(Some(&v.to_vec()), original.get(k));
                }
            }
        }
        prop_assert!(index.verify().is_err());
    }
}

#[test]
fn ordered_queries_need_an_ordered_file() {
    let bytes = build(&[(b"a".to_vec(), b"1".to_vec())], Options::default());
    let index = Index::from_bytes(&bytes[..]).unwrap();
    let err = index.range::<[u8], _>(..).unwrap_err();
    assert!(matches!(err, Error::Format(FormatError::NotOrdered { .. })));
    assert!(err.to_string().contains("zidx build --ordered"), "{err}");
    // get_all works on any file: at most one value.
    let values: Vec<_> = index.get_all(b"a").unwrap().collect();
    assert_eq!(values.len(), 1);
}

#[test]
fn a_key_with_100_000_values_builds_and_answers() {
    let mut w = Writer::memory(Options::default().with_on_duplicate(OnDuplicate::Keep));
    for i in 0..100_000u32 {
        w.insert(b"hot", &i.to_le_bytes()).unwrap();
        if i % 10 == 0 {
            w.insert(format!("other{i}").as_bytes(), b"x").unwrap();
        }
    }
    let bytes = w.finish().unwrap();
    let index = Index::from_bytes(&bytes[..]).unwrap();
    index.verify().unwrap();
    assert_eq!(index.get(b"hot").unwrap(), Some(&0u32.to_le_bytes()[..]));
    let values: Vec<u32> = index
        .get_all(b"hot")
        .unwrap()
        .map(|v| u32::from_le_bytes(v.unwrap().try_into().unwrap()))
        .collect();
    assert_eq!(values, (0..100_000).collect::<Vec<_>>());
    assert_eq!(index.len(), 110_000);
    assert_eq!(index.prefix(b"hot").unwrap().len(), 100_000);
    assert_eq!(index.rank(b"other").unwrap(), 100_000);
}

#[test]
fn builds_without_new_options_are_unchanged_and_ordered_ones_carry_their_bits() {
    let records: Vec<Record> = (0..50u32)
        .map(|i| (format!("k{}", 50 - i).into_bytes(), vec![1; 3]))
        .collect();
    let plain = Index::from_bytes(build(&records, Options::default())).unwrap();
    assert_eq!(plain.layout().version(), (1, 1));
    assert_eq!(plain.layout().compat_features(), 0);
    let ordered =
        Index::from_bytes(build(&records, Options::default().with_ordered(true))).unwrap();
    assert_eq!(ordered.layout().version(), (1, 2));
    assert!(ordered.layout().ordered_keys());
    assert_eq!(ordered.layout().incompat_features(), 1);
    let fences = ordered.layout().key_fences().unwrap();
    assert_eq!(fences.offset % 4096, 0);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Overwritten bytes anywhere past the first page (records, slots,
    /// fence blocks, top level, trailer) never make an ordered query panic
    /// or run without bound: every iterator ends within the record count,
    /// and what opens still opens.
    #[test]
    fn damaged_fences_are_bounded(
        n in 0usize..400,
        flips in proptest::collection::vec((any::<proptest::sample::Index>(), any::<u8>()), 1..8),
        in_fences in any::<bool>(),
        probe in key_strategy(),
    ) {
        let records: Vec<Record> = (0..n)
            .map(|i| (format!("k{:05}", i * 7 % 1000).into_bytes(), vec![b'v'; i % 9]))
            .collect();
        let options = Options::default()
            .with_on_duplicate(OnDuplicate::Keep)
            .with_record_checksums(n % 2 == 0);
        let mut bytes = build(&records, options);
        let clean = Index::from_bytes(bytes.clone()).unwrap();
        let fences = clean.layout().key_fences().unwrap().range();
        let (lo, hi) = if in_fences {
            (fences.start as usize, fences.end as usize)
        } else {
            (512, bytes.len())
        };
        for (at, byte) in flips {
            let i = lo + at.index(hi - lo);
            bytes[i] = byte;
        }
        let Ok(index) = Index::from_bytes(&bytes[..]) else { return Ok(()) };
        let limit = index.len() as usize + 1;
        if let Ok(range) = index.range::<[u8], _>(..) {
            prop_assert!(range.len() < limit);
            prop_assert!(range.take(limit).count() < limit);
        }
        if let Ok(range) = index.range::<Vec<u8>, _>(probe.clone()..) {
            prop_assert!(range.rev().take(limit).count() < limit);
        }
        if let Ok(range) = index.prefix(&probe) {
            prop_assert!(range.take(limit).count() < limit);
        }
        let _ = index.rank(&probe);
        let _ = index.first();
        let _ = index.last();
        if let Ok(values) = index.get_all(&probe) {
            prop_assert!(values.take(limit).count() < limit);
        }
        if let Ok(values) = index.get_all(b"k00007") {
            prop_assert!(values.take(limit).count() < limit);
        }
        let _ = index.verify();
    }
}

/// An ordered file of 200 records (13 runs of 16, one fence block), its
/// bytes, and the file offset of fence `j`'s `record_offset`.
fn two_hundred() -> (Vec<u8>, impl Fn(&[u8], usize) -> usize) {
    let records: Vec<Record> = (0..200u32)
        .map(|i| {
            (
                format!("key{i:04}").into_bytes(),
                format!("v{i}").into_bytes(),
            )
        })
        .collect();
    let bytes = build(
        &records,
        Options::default()
            .with_ordered(true)
            .with_record_checksums(true),
    );
    let fence_at = |bytes: &[u8], j: usize| {
        let index = Index::from_bytes(bytes).unwrap();
        let block = index.layout().key_fences().unwrap().offset as usize;
        let at = usize::from(u16::from_le_bytes([
            bytes[block + 2 + 2 * j],
            bytes[block + 3 + 2 * j],
        ]));
        block + at
    };
    (bytes, fence_at)
}

/// A fence pointing at another run's records makes a backward walk an
/// error, not a walk that repeats some records and skips others.
#[test]
fn a_damaged_fence_is_an_error_for_reverse_walks() {
    let (mut bytes, fence_at) = two_hundred();
    let (five, six) = (fence_at(&bytes, 5), fence_at(&bytes, 6));
    let six_offset: [u8; 8] = bytes[six..six + 8].try_into().unwrap();
    bytes[five..five + 8].copy_from_slice(&six_offset);
    let index = Index::from_bytes(&bytes[..]).unwrap();
    let results: Vec<_> = index.range::<[u8], _>(..).unwrap().rev().collect();
    let ok = results.iter().take_while(|r| r.is_ok()).count();
    assert!(
        ok < 200 && results[ok].is_err(),
        "{ok} records, then {:?}",
        results.get(ok)
    );
    let err = results[ok].as_ref().unwrap_err().to_string();
    assert!(err.contains("key_fences"), "{err}");
    // Forward from the start reads the records in stored order, unharmed.
    assert_eq!(index.range::<[u8], _>(..).unwrap().count(), 200);
    assert!(index.verify().is_err());
}

/// `key_fences` marked required would make older readers refuse the file:
/// it is refused at open.
#[test]
fn a_required_key_fences_section_is_refused() {
    use zerocopy::{FromBytes, IntoBytes};
    use zidx_format::{checksum, SectionEntry};
    let (mut bytes, _) = two_hundred();
    let index = Index::from_bytes(&bytes[..]).unwrap();
    let entry = index.layout().key_fences().unwrap().entry as usize;
    let table = index.layout().section_table_offset() as usize;
    let count = index.layout().sections().len();
    drop(index);
    let at = table + 64 * entry;
    let mut e = SectionEntry::read_from_bytes(&bytes[at..at + 64]).unwrap();
    e.flags = 1.into();
    bytes[at..at + 64].copy_from_slice(e.as_bytes());
    // Reseal the table and header checksums, as a forger would.
    let sum = checksum(&bytes[table..table + 64 * count]);
    bytes[56..64].copy_from_slice(&sum.to_le_bytes());
    let sum = checksum(&bytes[..120]);
    bytes[120..128].copy_from_slice(&sum.to_le_bytes());
    let err = Index::from_bytes(&bytes[..]).unwrap_err().to_string();
    assert!(err.contains("key_fences is optional"), "{err}");
}

/// A 1.2 feature in a file that claims minor version 1 fails verify.
#[test]
fn verify_wants_the_minor_version_of_the_features_used() {
    let (mut bytes, _) = two_hundred();
    bytes[10] = 1;
    let sum = zidx_format::checksum(&bytes[..120]);
    bytes[120..128].copy_from_slice(&sum.to_le_bytes());
    let index = Index::from_bytes(&bytes[..]).unwrap();
    let err = index.verify().unwrap_err().to_string();
    assert!(err.contains("version_minor"), "{err}");
}

/// Storage that counts the bytes read and fails the first `fail` reads.
struct Counting {
    bytes: Vec<u8>,
    read: std::cell::Cell<u64>,
    fail: std::cell::Cell<u32>,
}

impl zidx::Storage for Counting {
    type Bytes<'a> = Vec<u8>;
    fn file_len(&self) -> u64 {
        self.bytes.len() as u64
    }
    fn read_at(&self, offset: u64, len: u64) -> Result<Vec<u8>, Error> {
        if self.fail.get() > 0 {
            self.fail.set(self.fail.get() - 1);
            return Err(Error::ShortRead {
                offset,
                expected: len,
                found: 0,
            });
        }
        self.read.set(self.read.get() + len);
        self.bytes
            .as_slice()
            .read_at(offset, len)
            .map(<[u8]>::to_vec)
    }
}

/// A storage error on the first ordered query is not kept: the next query
/// reads the fences again.
#[test]
fn a_failed_read_of_the_fences_is_retried() {
    let (bytes, _) = two_hundred();
    let index = Index::from_storage(Counting {
        bytes,
        read: 0.into(),
        fail: 0.into(),
    })
    .unwrap();
    index.storage().fail.set(1);
    assert!(index.rank(b"key0100").is_err());
    assert_eq!(index.rank(b"key0100").unwrap(), 100);
}

/// However far apart a forged top level puts two blocks, a seek reads at
/// most one 4 KiB block of fences (and a run of records).
#[test]
fn a_seek_reads_one_block_whatever_the_top_level_says() {
    let records: Vec<Record> = (0..20_000u32)
        .map(|i| (format!("key{i:06}").into_bytes(), vec![b'v'; 10]))
        .collect();
    let bytes = build(&records, Options::default().with_ordered(true));
    let index = Index::from_storage(Counting {
        bytes,
        read: 0.into(),
        fail: 0.into(),
    })
    .unwrap();
    index.rank(b"key000000").unwrap();
    let before = index.storage().read.get();
    for i in 0..100u32 {
        assert_eq!(
            index.rank(format!("key{:06}", i * 199)).unwrap(),
            u64::from(i * 199)
        );
    }
    let per_seek = (index.storage().read.get() - before) / 100;
    // One block of at most 4096 bytes, and at most 16 records of 22 bytes
    // read as headers, keys and values.
    assert!(per_seek <= 4096 + 16 * 64, "{per_seek} bytes per seek");
}

/// Every ordered answer of `index`, errors included, as text.
fn ordered_answers<S: zidx::Storage>(index: &Index<S>, probes: &[Vec<u8>]) -> Vec<String> {
    fn show<B: AsRef<[u8]>>(r: Result<(B, B), Error>) -> String {
        match r {
            Ok((k, v)) => format!("{:?}={:?}", k.as_ref(), v.as_ref()),
            Err(e) => format!("error: {e}"),
        }
    }
    let mut out = Vec::new();
    for p in probes {
        match index.range::<Vec<u8>, _>(p.clone()..) {
            Ok(r) => out.extend(r.take(40).map(show)),
            Err(e) => out.push(format!("error: {e}")),
        }
        match index.range::<Vec<u8>, _>(..=p.clone()) {
            Ok(r) => out.extend(r.rev().take(40).map(show)),
            Err(e) => out.push(format!("error: {e}")),
        }
        out.push(format!("{:?}", index.rank(p).map_err(|e| e.to_string())));
        match index.get_all(p) {
            Ok(values) => out.extend(values.map(|v| {
                format!(
                    "{:?}",
                    v.map(|v| v.as_ref().to_vec()).map_err(|e| e.to_string())
                )
            })),
            Err(e) => out.push(format!("error: {e}")),
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    /// Ordered queries over the file in memory (which read the slices
    /// directly) answer exactly as over storage that reads on demand, on
    /// valid files and on files with overwritten bytes.
    #[test]
    fn in_memory_and_on_demand_storage_answer_alike(
        n in 1usize..300,
        flips in proptest::collection::vec((any::<proptest::sample::Index>(), any::<u8>()), 0..5),
        checked in any::<bool>(),
        probes in proptest::collection::vec(key_strategy(), 1..6),
    ) {
        let records: Vec<Record> = (0..n)
            .map(|i| (vec![b'a' + (i % 3) as u8, b'a' + (i % 7) as u8, (i % 11) as u8], vec![b'v'; i % 13]))
            .collect();
        let options = Options::default()
            .with_on_duplicate(OnDuplicate::Keep)
            .with_record_checksums(checked);
        let mut bytes = build(&records, options);
        for (at, byte) in flips {
            let i = 512 + at.index(bytes.len() - 512);
            bytes[i] = byte;
        }
        let (Ok(memory), Ok(on_demand)) = (
            Index::from_bytes(bytes.clone()),
            Index::from_storage(Counting { bytes, read: 0.into(), fail: 0.into() }),
        ) else {
            return Ok(());
        };
        prop_assert_eq!(ordered_answers(&memory, &probes), ordered_answers(&on_demand, &probes));
    }
}
