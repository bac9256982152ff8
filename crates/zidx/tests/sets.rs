//! Index sets (format-spec/SETS.md): a set answers every key exactly as
//! the single index built from the same records does, and every bad set (a
//! missing shard, a shard of another generation, wrong counts, a damaged or
//! forged manifest, shards in the wrong order) is an error naming what is
//! wrong, never a wrong answer.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use zidx::{Error, Index, IndexSet};
use zidx_format::manifest::{Manifest, ShardInfo};
use zidx_writer::{OnDuplicate, Options, Replace, SetWriter, WriteError, Writer};

type Record = (Vec<u8>, Vec<u8>);

/// Builds `records` as a set of `n` shards at `dir/name.zidxset` and as a
/// single index at `dir/name.zidx`.
fn build_both(
    dir: &Path,
    name: &str,
    n: u32,
    records: &[Record],
    options: &Options,
) -> (PathBuf, PathBuf) {
    let manifest = dir.join(format!("{name}.zidxset"));
    let single = dir.join(format!("{name}.zidx"));
    let mut set = SetWriter::create(&manifest, n, options.clone()).unwrap();
    let mut one = Writer::create(&single, options.clone()).unwrap();
    for (k, v) in records {
        set.insert(k, v).unwrap();
        one.insert(k, v).unwrap();
    }
    set.finish().unwrap();
    one.finish().unwrap();
    (manifest, single)
}

/// `count` records with distinct keys.
fn records(count: u32, tag: &str) -> Vec<Record> {
    (0..count)
        .map(|i| {
            (
                format!("key-{i}").into_bytes(),
                format!("{tag}-{i}").into_bytes(),
            )
        })
        .collect()
}

fn same_answers(set: &IndexSet, single: &Index<zidx::FileBytes>, probes: &[Vec<u8>]) {
    assert_eq!(set.len(), single.len());
    for key in probes {
        assert_eq!(set.get(key).unwrap(), single.get(key).unwrap(), "{key:?}");
        let all: Vec<_> = set.get_all(key).unwrap().map(Result::unwrap).collect();
        let one: Vec<_> = single.get_all(key).unwrap().map(Result::unwrap).collect();
        assert_eq!(all, one);
    }
    let mut out = Vec::new();
    set.get_many(probes, &mut out);
    assert_eq!(out.len(), probes.len());
    for (key, answer) in probes.iter().zip(&out) {
        assert_eq!(*answer.as_ref().unwrap(), single.get(key).unwrap());
    }
    let mut from_set: Vec<Record> = set
        .iter()
        .map(|r| r.map(|(k, v)| (k.to_vec(), v.to_vec())).unwrap())
        .collect();
    let mut from_single: Vec<Record> = single
        .iter()
        .map(|r| r.map(|(k, v)| (k.to_vec(), v.to_vec())).unwrap())
        .collect();
    from_set.sort();
    from_single.sort();
    assert_eq!(from_set, from_single);
    set.verify().unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// A set of 4 shards (and of 1, 2, 7) answers every key, present or
    /// absent, exactly as the single index does, under every duplicate
    /// policy and with ordered keys.
    #[test]
    fn a_set_answers_as_the_single_index(
        records in prop::collection::vec(
            (prop::collection::vec(any::<u8>(), 0..6), prop::collection::vec(any::<u8>(), 0..10)),
            0..150,
        ),
        absent in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..6), 0..20),
        n in prop::sample::select(vec![1u32, 2, 4, 7]),
        policy in prop::sample::select(vec![OnDuplicate::First, OnDuplicate::Last, OnDuplicate::Keep]),
        ordered in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let options = Options::default().with_on_duplicate(policy).with_ordered(ordered);
        let (manifest, single) = build_both(dir.path(), "t", n, &records, &options);
        let set = IndexSet::open(&manifest).unwrap();
        let single = Index::open(&single).unwrap();
        let mut probes: Vec<Vec<u8>> = records.iter().map(|(k, _)| k.clone()).collect();
        probes.extend(absent);
        same_answers(&set, &single, &probes);
        let read = IndexSet::read(&manifest).unwrap();
        same_answers(&read, &single, &probes);
        prop_assert_eq!(set.manifest().shard_count(), n);
    }
}

#[test]
fn four_shards_answer_as_one_index() {
    let dir = tempfile::tempdir().unwrap();
    let recs = records(5000, "v");
    let (manifest, single) = build_both(dir.path(), "big", 4, &recs, &Options::default());
    let set = IndexSet::open(&manifest).unwrap();
    let single = Index::open(&single).unwrap();
    let mut probes: Vec<Vec<u8>> = recs.iter().map(|(k, _)| k.clone()).collect();
    probes.extend((0..500).map(|i| format!("absent-{i}").into_bytes()));
    same_answers(&set, &single, &probes);
    // Every shard took a fair share.
    for shard in set.shards() {
        assert!((1000..1500).contains(&shard.len()), "{}", shard.len());
    }
}

fn shard_path(manifest: &Path, i: usize) -> PathBuf {
    let set = IndexSet::open(manifest).unwrap();
    manifest
        .parent()
        .unwrap()
        .join(&set.manifest().shards()[i].name)
}

fn open_error(manifest: &Path) -> String {
    IndexSet::open(manifest).unwrap_err().to_string()
}

#[test]
fn a_missing_shard_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let (manifest, _) = build_both(dir.path(), "m", 3, &records(100, "v"), &Options::default());
    let lost = shard_path(&manifest, 1);
    std::fs::remove_file(&lost).unwrap();
    let e = open_error(&manifest);
    assert!(e.contains("shard 1 ("), "{e}");
    assert!(e.contains("missing"), "{e}");
    assert!(matches!(
        IndexSet::read(&manifest),
        Err(Error::Shard { shard: 1, .. })
    ));
}

/// A shard file of another generation put in place of this one's (same
/// name), or any other index there, is refused: its length, header checksum
/// or record count differ from the manifest's.
#[test]
fn a_shard_of_another_generation_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let old_dir = dir.path().join("old");
    std::fs::create_dir(&old_dir).unwrap();
    let (old, _) = build_both(&old_dir, "g", 2, &records(100, "old"), &Options::default());
    let (new, _) = build_both(
        dir.path(),
        "g",
        2,
        &records(100, "new"),
        &Options::default(),
    );
    let old_names = IndexSet::open(&old).unwrap().manifest().clone();
    let new_names = IndexSet::open(&new).unwrap().manifest().clone();
    assert_ne!(old_names.generation(), new_names.generation());
    // Same record counts and lengths ("old-" and "new-" values): only the
    // header checksum tells them apart.
    let new_shards = [shard_path(&new, 0), shard_path(&new, 1)];
    std::fs::copy(shard_path(&old, 0), &new_shards[0]).unwrap();
    let e = open_error(&new);
    assert!(
        e.contains("shard 0 (") && e.contains("not the shard this manifest names"),
        "{e}"
    );
    // An index of another size.
    let other = dir.path().join("other.zidx");
    let mut w = Writer::create(&other, Options::default()).unwrap();
    w.insert(b"x", b"y").unwrap();
    w.finish().unwrap();
    std::fs::copy(&other, &new_shards[1]).unwrap();
    assert!(open_error(&new).contains("shard"));
    // Not an index at all.
    std::fs::write(&new_shards[1], b"hello").unwrap();
    assert!(open_error(&new).contains("shard"));
}

/// Rewrites `manifest` with `edit` applied to its shard list, keeping its
/// checksum valid, as a buggy or malicious tool might.
fn forge(manifest: &Path, edit: impl FnOnce(&mut Vec<ShardInfo>)) {
    let old = Manifest::decode(&std::fs::read(manifest).unwrap()).unwrap();
    let mut shards = old.shards().to_vec();
    edit(&mut shards);
    let forged = Manifest::new(old.routing_seed(), shards).unwrap();
    std::fs::write(manifest, forged.encode()).unwrap();
}

#[test]
fn wrong_counts_and_lengths_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (manifest, _) = build_both(dir.path(), "c", 2, &records(100, "v"), &Options::default());
    let pristine = std::fs::read(&manifest).unwrap();
    forge(&manifest, |s| s[1].record_count += 1);
    assert!(open_error(&manifest).contains("shard 1 ("));
    std::fs::write(&manifest, &pristine).unwrap();
    forge(&manifest, |s| s[0].file_len -= 8);
    assert!(open_error(&manifest).contains("shard 0 ("));
    // A record count in the header that is not the shards' sum.
    let mut bytes = pristine.clone();
    bytes[40] ^= 1;
    let sum = zidx_format::checksum(&{
        let mut z = bytes.clone();
        z[56..64].fill(0);
        z
    });
    bytes[56..64].copy_from_slice(&sum.to_le_bytes());
    std::fs::write(&manifest, &bytes).unwrap();
    assert!(
        open_error(&manifest).contains("record count"),
        "{}",
        open_error(&manifest)
    );
}

#[test]
fn damaged_or_foreign_manifests_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (manifest, single) = build_both(dir.path(), "d", 2, &records(50, "v"), &Options::default());
    let pristine = std::fs::read(&manifest).unwrap();
    for i in 0..pristine.len() {
        let mut b = pristine.clone();
        b[i] ^= 0x40;
        std::fs::write(&manifest, &b).unwrap();
        assert!(
            matches!(IndexSet::open(&manifest), Err(Error::Manifest { .. })),
            "byte {i}"
        );
    }
    std::fs::write(&manifest, &pristine[..pristine.len() - 1]).unwrap();
    assert!(open_error(&manifest).contains("bytes"));
    // An index is not a manifest, and a manifest is not an index.
    assert!(open_error(&single).contains("not a set manifest"));
    std::fs::write(&manifest, &pristine).unwrap();
    assert!(Index::open(&manifest).is_err());
    assert!(zidx::is_manifest(&manifest) && !zidx::is_manifest(&single));
    // A huge file is refused before it is read.
    let huge = dir.path().join("huge.zidxset");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    assert!(open_error(&huge).contains("at most"));
    // A directory, not a file.
    assert!(matches!(
        IndexSet::open(dir.path()),
        Err(Error::NotAFile { .. })
    ));
}

/// Shards listed in the wrong order open (each is the file its entry
/// names) but every key is then routed to the wrong shard: lookups miss,
/// and verify names the shard holding foreign keys.
#[test]
fn shards_in_the_wrong_order_fail_verify() {
    let dir = tempfile::tempdir().unwrap();
    let (manifest, _) = build_both(dir.path(), "o", 2, &records(100, "v"), &Options::default());
    forge(&manifest, |s| s.swap(0, 1));
    let set = IndexSet::open(&manifest).unwrap();
    let e = set.verify().unwrap_err().to_string();
    assert!(
        e.contains("shard 0 (") && e.contains("which routes to shard 1"),
        "{e}"
    );
}

/// A rebuild publishes a new generation: the old shards are removed, a
/// reader that opened the old set keeps answering from it, and a reader
/// opening the manifest now sees only the new one.
#[test]
fn a_rebuild_replaces_the_set_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let (manifest, _) = build_both(
        dir.path(),
        "r",
        3,
        &records(100, "old"),
        &Options::default(),
    );
    let before = IndexSet::open(&manifest).unwrap();
    let old_shards: Vec<PathBuf> = (0..3).map(|i| shard_path(&manifest, i)).collect();
    build_both(
        dir.path(),
        "r",
        3,
        &records(100, "new"),
        &Options::default(),
    );
    for old in &old_shards {
        assert!(!old.exists(), "{} kept", old.display());
    }
    assert_eq!(before.get(b"key-7").unwrap(), Some(&b"old-7"[..]));
    let after = IndexSet::open(&manifest).unwrap();
    assert_eq!(after.get(b"key-7").unwrap(), Some(&b"new-7"[..]));
    // Only the manifest and its shards (and the single index) are left.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names.len(), 5, "{names:?}");
    assert!(names.iter().all(|n| n.starts_with("r")), "{names:?}");
}

/// The same records give the same set, byte for byte.
#[test]
fn set_builds_are_deterministic() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let (ma, _) = build_both(a.path(), "s", 4, &records(300, "v"), &Options::default());
    let (mb, _) = build_both(b.path(), "s", 4, &records(300, "v"), &Options::default());
    assert_eq!(std::fs::read(&ma).unwrap(), std::fs::read(&mb).unwrap());
    for i in 0..4 {
        assert_eq!(
            std::fs::read(shard_path(&ma, i)).unwrap(),
            std::fs::read(shard_path(&mb, i)).unwrap()
        );
    }
}

#[test]
fn the_manifest_target_is_protected() {
    let dir = tempfile::tempdir().unwrap();
    let precious = dir.path().join("notes.zidxset");
    std::fs::write(&precious, b"my notes").unwrap();
    let err = SetWriter::create(&precious, 2, Options::default()).unwrap_err();
    assert!(matches!(err, WriteError::TargetInUse { .. }), "{err}");
    assert_eq!(std::fs::read(&precious).unwrap(), b"my notes");
    let mut w =
        SetWriter::create(&precious, 2, Options::default().with_replace(Replace::Any)).unwrap();
    w.insert(b"a", b"1").unwrap();
    w.finish().unwrap();
    assert!(zidx::is_manifest(&precious));
    assert!(matches!(
        SetWriter::create(&precious, 0, Options::default()),
        Err(WriteError::Set { .. })
    ));
    // A failed set build leaves no file behind and the old set in place.
    let before = std::fs::read(&precious).unwrap();
    let mut w = SetWriter::create(&precious, 2, Options::default()).unwrap();
    w.insert(b"a", b"1").unwrap();
    w.insert(b"a", b"2").unwrap();
    assert!(matches!(w.finish(), Err(WriteError::DuplicateKey { .. })));
    assert_eq!(std::fs::read(&precious).unwrap(), before);
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 3, "the manifest and its 2 shards only");
}

fn testdata(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(name)
}

/// The golden set of SETS.md §6: every field of its manifest as the spec
/// lists it, its answers, and a rebuild from testdata/fruit.tsv gives the
/// same files, byte for byte.
#[test]
fn golden_set() {
    let path = testdata("sets/fruit.zidxset");
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes.len(), 244);
    let m = Manifest::decode(&bytes).unwrap();
    assert_eq!(
        (m.shard_count(), m.routing_seed(), m.record_count()),
        (2, 2, 3)
    );
    assert_eq!(m.generation(), 0xbfe3_7ab3_c214_942d);
    assert_eq!(&bytes[56..64], &0x4c67_0882_efd2_f05b_u64.to_le_bytes());
    let expect = [
        (
            "fruit-bfe37ab3c214942d-00000-of-00002.zidx",
            408,
            2,
            0xbb93_5e4c_7a35_57b6_u64,
        ),
        (
            "fruit-bfe37ab3c214942d-00001-of-00002.zidx",
            392,
            1,
            0x3bc7_3785_085c_dd96,
        ),
    ];
    for (shard, (name, len, records, sum)) in m.shards().iter().zip(expect) {
        assert_eq!(*shard, ShardInfo::new(name, len, records, sum));
    }
    for set in [
        IndexSet::open(&path).unwrap(),
        IndexSet::read(&path).unwrap(),
    ] {
        set.verify().unwrap();
        assert_eq!(set.get("apple").unwrap(), Some(&b"red"[..]));
        assert_eq!(set.get("banana").unwrap(), Some(&b"yellow"[..]));
        assert_eq!(set.get("cherry").unwrap(), Some(&b"dark red"[..]));
        assert_eq!(set.get("kiwi").unwrap(), None);
        assert_eq!(set.shards()[0].len(), 2);
        assert!(set.shards()[1].get(b"cherry").unwrap().is_some());
    }
    // Rebuilt from its source with the spec's options.
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("fruit.zidxset");
    let options = Options::default()
        .with_on_duplicate(OnDuplicate::First)
        .with_format_version(zidx_writer::FormatVersion::V1_1);
    let mut w = SetWriter::create_with_seed(&manifest, 2, 2, options).unwrap();
    for line in std::fs::read_to_string(testdata("fruit.tsv"))
        .unwrap()
        .lines()
    {
        let (k, v) = line.split_once('\t').unwrap();
        w.insert(k.as_bytes(), v.as_bytes()).unwrap();
    }
    w.finish().unwrap();
    assert_eq!(std::fs::read(&manifest).unwrap(), bytes);
    for (name, ..) in expect {
        assert_eq!(
            std::fs::read(dir.path().join(name)).unwrap(),
            std::fs::read(testdata(&format!("sets/{name}"))).unwrap()
        );
    }
}
