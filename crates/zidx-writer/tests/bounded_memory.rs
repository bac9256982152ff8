//! Builds in bounded memory (`Options::memory`): the hash entries of a build
//! whose budget they exceed are sorted in runs spilled to temporary files
//! and merged. Whatever the budget, the bytes of the index are the same,
//! and the runs leave nothing behind.
//!
//! A budget of 1 byte gives the smallest run the writer allows (64 KiB, so
//! 4,096 entries of 16 bytes), which makes spilling happen at small sizes.

use std::path::Path;

use proptest::prelude::*;
use zidx::Index;
use zidx_writer::{FormatVersion, OnDuplicate, Options, Summary, WriteError, Writer};

/// Entries per run under the smallest budget (`spill_sort::MIN_BUDGET` / 16).
const SMALLEST_RUN: usize = 4096;

fn build_memory(
    options: Options,
    records: &[(Vec<u8>, Vec<u8>)],
) -> Result<(Summary, Vec<u8>), String> {
    let mut w = Writer::memory(options);
    for (k, v) in records {
        w.insert(k, v).map_err(|e| e.to_string())?;
    }
    w.finish_into().map_err(|e| e.to_string())
}

fn build_file(
    path: &Path,
    options: Options,
    records: &[(Vec<u8>, Vec<u8>)],
) -> Result<Summary, WriteError> {
    let mut w = Writer::create(path, options)?;
    for (k, v) in records {
        w.insert(k, v)?;
    }
    w.finish()
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// `n` records with distinct keys.
fn unique(n: u32) -> Vec<(Vec<u8>, Vec<u8>)> {
    (0..n)
        .map(|i| {
            (
                format!("key-{i}").into_bytes(),
                format!("value {}", i.wrapping_mul(7)).into_bytes(),
            )
        })
        .collect()
}

/// The option sets a build can take that change how the entries are sorted,
/// deduplicated and compacted.
fn configurations() -> Vec<(&'static str, Options, bool)> {
    let base = Options::default();
    // (name, options, whether duplicate keys are allowed)
    vec![
        ("1.1 error", base.clone(), false),
        (
            "1.1 first",
            base.clone().with_on_duplicate(OnDuplicate::First),
            true,
        ),
        (
            "1.1 last",
            base.clone().with_on_duplicate(OnDuplicate::Last),
            true,
        ),
        (
            "keep",
            base.clone().with_on_duplicate(OnDuplicate::Keep),
            true,
        ),
        (
            "ordered checked last",
            base.clone()
                .with_ordered(true)
                .with_record_checksums(true)
                .with_on_duplicate(OnDuplicate::Last),
            true,
        ),
        (
            "1.0 error",
            base.clone().with_format_version(FormatVersion::V1_0),
            false,
        ),
        (
            "1.0 last",
            base.clone()
                .with_format_version(FormatVersion::V1_0)
                .with_on_duplicate(OnDuplicate::Last),
            true,
        ),
    ]
}

/// Records whose keys repeat: `distinct` keys, `n` records.
fn with_repeats(n: usize, distinct: u32, seed: u32) -> Vec<(Vec<u8>, Vec<u8>)> {
    (0..n)
        .map(|i| {
            let i = u32::try_from(i).unwrap();
            let k = i.wrapping_mul(2_654_435_761).wrapping_add(seed) % distinct.max(1);
            (format!("k{k}").into_bytes(), format!("{i}").into_bytes())
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// The smallest budget and the default give the same bytes (or the
    /// same error), for every duplicate policy and layout.
    #[test]
    fn the_budget_does_not_change_the_bytes(
        n in 0usize..14_000,
        distinct in 1u32..20_000,
        seed in any::<u32>(),
    ) {
        for (name, options, duplicates_allowed) in configurations() {
            let records = if duplicates_allowed {
                with_repeats(n, distinct, seed)
            } else {
                unique(u32::try_from(n).unwrap())
            };
            let distinct_keys = records.iter().map(|(k, _)| k).collect::<std::collections::HashSet<_>>().len();
            let roomy = build_memory(options.clone(), &records);
            let tight = build_memory(options.with_memory(1), &records);
            match (&roomy, &tight) {
                (Ok((roomy_summary, roomy_bytes)), Ok((tight_summary, tight_bytes))) => {
                    prop_assert!(roomy_bytes == tight_bytes, "{name}: {n} records, bytes differ");
                    prop_assert_eq!(roomy_summary.hash_runs, 0, "{}", name);
                    prop_assert_eq!(roomy_summary.records, tight_summary.records, "{}", name);
                    // Every layout has at least one hash entry per distinct key.
                    if distinct_keys > SMALLEST_RUN {
                        prop_assert!(tight_summary.hash_runs >= 2, "{name}: {distinct_keys} keys, {} runs", tight_summary.hash_runs);
                        prop_assert!(tight_summary.spilled_bytes >= 16 * distinct_keys as u64, "{}", name);
                    }
                    let index = Index::from_bytes(tight_bytes.as_slice()).unwrap();
                    index.verify().unwrap();
                }
                (Err(a), Err(b)) => prop_assert_eq!(a, b, "{}", name),
                _ => prop_assert!(false, "{name}: {roomy:?} / {tight:?}", roomy = roomy.as_ref().map(|_| ()), tight = tight.as_ref().map(|_| ())),
            }
        }
    }
}

#[test]
fn a_duplicate_found_after_spilling_is_the_same_error() {
    let mut records = unique(20_000);
    records.push((b"key-12345".to_vec(), b"again".to_vec()));
    let roomy = build_memory(Options::default(), &records).unwrap_err();
    let tight = build_memory(Options::default().with_memory(1), &records).unwrap_err();
    assert_eq!(roomy, tight);
    assert!(tight.contains("key-12345"), "{tight}");
}

/// More runs than one merge reads at once (64): the runs are merged in
/// groups first.
#[test]
fn more_runs_than_one_merge_takes() {
    let records = unique(300_000);
    let (roomy_summary, roomy) = build_memory(Options::default(), &records).unwrap();
    let (tight_summary, tight) = build_memory(Options::default().with_memory(1), &records).unwrap();
    assert!(roomy == tight, "bytes differ");
    assert_eq!(roomy_summary.hash_runs, 0);
    // Two sorts of 300,000 entries in runs of 4,096 (74 runs each), plus
    // the runs the group merges wrote.
    assert!(tight_summary.hash_runs > 2 * 64, "{tight_summary:?}");
    let index = Index::from_bytes(tight.as_slice()).unwrap();
    for (k, v) in records.iter().step_by(997) {
        assert_eq!(index.get(k).unwrap(), Some(v.as_slice()));
    }
    assert_eq!(index.get(b"key-300000").unwrap(), None);
}

/// A 1.0 build reseeds when its hash collides within a record's keys; the
/// retry must sort the spilled entries again from the records, not from
/// what the first attempt left.
#[test]
fn a_format_1_0_reseed_after_spilling_gives_the_same_bytes() {
    // A hash of 12 bits for seed 0, so that the first attempt collides;
    // other seeds mix the whole key.
    fn weak(key: &[u8], seed: u64) -> u64 {
        let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed;
        for &b in key {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        if seed == 0 {
            return h & 0xfff;
        }
        // splitmix64's finalizer, so that every bit depends on the key.
        h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        h ^ (h >> 31)
    }
    let records = unique(10_000);
    let build = |options: Options| {
        let mut w = Writer::memory(options.with_format_version(FormatVersion::V1_0))
            .with_hash_function(weak);
        for (k, v) in &records {
            w.insert(k, v).unwrap();
        }
        w.finish_into().unwrap()
    };
    let (roomy_summary, roomy) = build(Options::default());
    let (tight_summary, tight) = build(Options::default().with_memory(1));
    assert_ne!(roomy_summary.seed, 0, "the weak hash must force a reseed");
    assert_eq!(roomy_summary.seed, tight_summary.seed);
    assert!(tight_summary.hash_runs > 0);
    assert!(roomy == tight, "bytes differ");
}

/// The runs are unnamed temporary files beside the output: after a build,
/// whether it succeeded or failed, the directory holds the output alone,
/// and a failed build leaves the old index as it was.
#[test]
fn spilled_runs_leave_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.zidx");
    let tight = Options::default().with_memory(1);

    let summary = build_file(&path, tight.clone(), &unique(20_000)).unwrap();
    assert!(summary.hash_runs >= 2, "{summary:?}");
    assert_eq!(names(dir.path()), ["big.zidx"]);
    let old = std::fs::read(&path).unwrap();

    // A duplicate found after the entries were spilled.
    let mut records = unique(20_000);
    records.push((b"key-7".to_vec(), b"x".to_vec()));
    let err = build_file(&path, tight.clone(), &records).unwrap_err();
    assert!(matches!(err, WriteError::DuplicateKey { .. }), "{err}");
    assert_eq!(names(dir.path()), ["big.zidx"]);
    assert_eq!(std::fs::read(&path).unwrap(), old);

    // A writer dropped after spilling, without finishing.
    let mut w = Writer::create(&path, tight).unwrap();
    for (k, v) in unique(20_000) {
        w.insert(&k, &v).unwrap();
    }
    drop(w);
    assert_eq!(names(dir.path()), ["big.zidx"]);
    assert_eq!(std::fs::read(&path).unwrap(), old);
}
