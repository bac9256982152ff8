//! Behaviour of the writer: duplicates, determinism, limits, hash flooding,
//! and leaving the target alone on failure.

use std::path::Path;

use zidx::Index;
use zidx_writer::{FormatVersion, OnDuplicate, Options, Replace, WriteError, Writer};

type HashFunction = fn(&[u8], u64) -> u64;

fn build(
    path: &Path,
    options: Options,
    records: &[(&[u8], &[u8])],
) -> Result<zidx_writer::Summary, WriteError> {
    let mut w = Writer::create(path, options)?;
    for (k, v) in records {
        w.insert(k, v)?;
    }
    w.finish()
}

/// A format 1.0 build whose hash function is replaced (the `test-hooks`
/// feature): these tests are about 1.0's reseeding.
fn build_hashed(
    path: &Path,
    options: Options,
    hash: HashFunction,
    records: &[(&[u8], &[u8])],
) -> Result<zidx_writer::Summary, WriteError> {
    let options = options.with_format_version(FormatVersion::V1_0);
    let mut w = Writer::create(path, options)?.with_hash_function(hash);
    for (k, v) in records {
        w.insert(k, v)?;
    }
    w.finish()
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

const DUPS: &[(&[u8], &[u8])] = &[
    (b"a", b"1"),
    (b"b", b"2"),
    (b"a", b"3"),
    (b"c", b"4"),
    (b"a", b"5"),
];

#[test]
fn duplicates_are_an_error_naming_both_records() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.zidx");
    std::fs::write(&path, b"old contents").unwrap();
    match build(&path, Options::default().with_replace(Replace::Any), DUPS) {
        Err(WriteError::DuplicateKey { key, first, second }) => {
            assert_eq!(key, b"a");
            assert_eq!((first, second), (0, 2));
        }
        other => panic!("expected a duplicate-key error, got {other:?}"),
    }
    assert_eq!(std::fs::read(&path).unwrap(), b"old contents");
    assert_eq!(entries(dir.path()), ["d.zidx"]);
}

#[test]
fn duplicates_first_and_last() {
    let dir = tempfile::tempdir().unwrap();
    for (policy, a, order) in [
        (OnDuplicate::First, &b"1"[..], vec![&b"a"[..], b"b", b"c"]),
        (OnDuplicate::Last, &b"5"[..], vec![&b"b"[..], b"c", b"a"]),
    ] {
        let path = dir.path().join(format!("{policy:?}.zidx"));
        let summary = build(&path, Options::default().with_on_duplicate(policy), DUPS).unwrap();
        assert_eq!((summary.records, summary.inserted), (3, 5));
        let index = Index::open(&path).unwrap();
        index.verify().unwrap();
        assert_eq!(index.get(b"a").unwrap(), Some(a));
        assert_eq!(index.get(b"b").unwrap(), Some(&b"2"[..]));
        assert_eq!(index.get(b"c").unwrap(), Some(&b"4"[..]));
        let keys: Vec<&[u8]> = index.iter().map(|r| r.unwrap().0).collect();
        assert_eq!(keys, order);
    }
}

#[test]
fn builds_are_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let records: Vec<(Vec<u8>, Vec<u8>)> = (0..5000u32)
        .map(|i| {
            // Values repeat the low byte of `i`: the truncation is intended.
            #[allow(clippy::cast_possible_truncation)]
            let byte = i as u8;
            (i.to_le_bytes().to_vec(), vec![byte; (i % 50) as usize])
        })
        .collect();
    let refs: Vec<(&[u8], &[u8])> = records
        .iter()
        .map(|(k, v)| (k.as_slice(), v.as_slice()))
        .collect();
    build(&dir.path().join("1"), Options::default(), &refs).unwrap();
    build(&dir.path().join("2"), Options::default(), &refs).unwrap();
    assert_eq!(
        std::fs::read(dir.path().join("1")).unwrap(),
        std::fs::read(dir.path().join("2")).unwrap()
    );
}

#[test]
fn over_long_keys_are_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.zidx");
    let mut w = Writer::create(&path, Options::default()).unwrap();
    w.insert(b"ok", b"").unwrap();
    let long = vec![b'k'; 65_536];
    match w.insert(&long, b"v") {
        Err(WriteError::KeyTooLong {
            record: 1,
            len: 65_536,
            max: 65_535,
        }) => {}
        other => panic!("{other:?}"),
    }
    drop(w);
    assert!(
        entries(dir.path()).is_empty(),
        "temp file left behind: {:?}",
        entries(dir.path())
    );
    // The longest allowed key works.
    build(&path, Options::default(), &[(&long[..65_535], b"v")]).unwrap();
    assert_eq!(
        Index::open(&path).unwrap().get(&long[..65_535]).unwrap(),
        Some(&b"v"[..])
    );
}

fn constant_hash(_key: &[u8], _seed: u64) -> u64 {
    0x1234_5678_9abc_def0
}

/// Every key collides under seed 0 only; later seeds use the real hash.
fn colliding_under_seed_zero(key: &[u8], seed: u64) -> u64 {
    if seed == 0 {
        42
    } else {
        zidx_format::key_hash(key, seed)
    }
}

#[test]
fn hash_flooding_is_refused_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.zidx");
    let keys: Vec<Vec<u8>> = (0..20_000u32).map(|i| i.to_be_bytes().to_vec()).collect();
    let refs: Vec<(&[u8], &[u8])> = keys.iter().map(|k| (k.as_slice(), &b"v"[..])).collect();
    let (options, hash): (_, HashFunction) = (Options::default(), constant_hash);
    // A quadratic build would compare 2*10^8 key pairs per seed; the bound
    // on distinct keys per hash stops each attempt after 256 keys.
    match build_hashed(&path, options, hash, &refs) {
        Err(WriteError::HashFlooding { seeds: 8, detail }) => {
            assert!(detail.contains("share the hash"), "{detail}")
        }
        other => panic!("expected hash flooding, got {other:?}"),
    }
    assert!(entries(dir.path()).is_empty());
}

#[test]
fn collisions_under_one_seed_reseed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.zidx");
    let keys: Vec<Vec<u8>> = (0..3000u32).map(|i| i.to_be_bytes().to_vec()).collect();
    let refs: Vec<(&[u8], &[u8])> = keys.iter().map(|k| (k.as_slice(), k.as_slice())).collect();
    let (options, hash): (_, HashFunction) = (Options::default(), colliding_under_seed_zero);
    let summary = build_hashed(&path, options, hash, &refs).unwrap();
    assert_eq!(summary.seed, 1);
    let index = Index::open(&path).unwrap();
    index.verify().unwrap();
    for k in &keys {
        assert_eq!(index.get(k).unwrap(), Some(k.as_slice()));
    }
}

#[test]
fn duplicates_with_reseeding() {
    // Duplicates found under seed 0, then the table is laid out under seed 1.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rd.zidx");
    let mut records: Vec<(Vec<u8>, Vec<u8>)> = (0..400u32)
        .map(|i| (i.to_be_bytes().to_vec(), b"x".to_vec()))
        .collect();
    records.push((5u32.to_be_bytes().to_vec(), b"last".to_vec()));
    let refs: Vec<(&[u8], &[u8])> = records
        .iter()
        .map(|(k, v)| (k.as_slice(), v.as_slice()))
        .collect();
    let (options, hash): (_, HashFunction) = (
        Options::default().with_on_duplicate(OnDuplicate::Last),
        colliding_under_seed_zero,
    );
    // 400 distinct keys share one hash under seed 0: more than 255, so the
    // writer moves to seed 1 before deduplicating.
    let summary = build_hashed(&path, options, hash, &refs).unwrap();
    assert_eq!((summary.seed, summary.records), (1, 400));
    let index = Index::open(&path).unwrap();
    index.verify().unwrap();
    assert_eq!(index.get(&5u32.to_be_bytes()).unwrap(), Some(&b"last"[..]));
}

/// 1.0 replaced any file at the output path: `-o notes.txt` destroyed notes.
#[test]
fn a_file_that_is_not_an_index_is_not_replaced_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, b"my notes").unwrap();
    let err = build(&path, Options::default(), &[(b"k", b"v")]).unwrap_err();
    assert!(
        matches!(&err, WriteError::TargetInUse { problem, .. } if problem.contains("not a zidx index")),
        "{err}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), b"my notes");
    assert_eq!(entries(dir.path()), ["notes.txt"]);
    // Replacing it on purpose works.
    build(
        &path,
        Options::default().with_replace(Replace::Any),
        &[(b"k", b"v")],
    )
    .unwrap();
    assert!(Index::open(&path).is_ok());
    // A directory is never replaced.
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    let err = build(
        &sub,
        Options::default().with_replace(Replace::Any),
        &[(b"k", b"v")],
    )
    .unwrap_err();
    assert!(matches!(err, WriteError::TargetInUse { .. }), "{err}");
}

/// 1.0 gave a rebuilt index mode 0644 whatever the old one had, and
/// replaced a 0444 index silently.
#[cfg(unix)]
#[test]
fn a_rebuild_keeps_the_mode_and_refuses_a_read_only_index() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secret.zidx");
    build(&path, Options::default(), &[(b"k", b"1")]).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    build(&path, Options::default(), &[(b"k", b"2")]).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert_eq!(
        Index::open(&path).unwrap().get(b"k").unwrap(),
        Some(&b"2"[..])
    );

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    let err = build(&path, Options::default(), &[(b"k", b"3")]).unwrap_err();
    assert!(err.to_string().contains("read-only"), "{err}");
    assert_eq!(
        Index::open(&path).unwrap().get(b"k").unwrap(),
        Some(&b"2"[..])
    );
    build(
        &path,
        Options::default().with_replace(Replace::Any),
        &[(b"k", b"3")],
    )
    .unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o444);
}

/// A symbolic link at the output path is followed: the index it points to
/// is rebuilt and the link stays (1.0 replaced the link with a file).
#[cfg(unix)]
#[test]
fn a_symbolic_link_is_followed() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("v1.zidx");
    let link = dir.path().join("current.zidx");
    build(&real, Options::default(), &[(b"k", b"1")]).unwrap();
    std::os::unix::fs::symlink("v1.zidx", &link).unwrap();
    build(&link, Options::default(), &[(b"k", b"2")]).unwrap();
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        Index::open(&real).unwrap().get(b"k").unwrap(),
        Some(&b"2"[..])
    );
    assert_eq!(entries(dir.path()), ["current.zidx", "v1.zidx"]);
}

/// The temporary file is private while the build runs, even for a target
/// that will be world-readable; a very long target name still fits.
#[cfg(unix)]
#[test]
fn the_temporary_file_is_private_and_its_name_fits() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let name = format!("{}.zidx", "n".repeat(250));
    let path = dir.path().join(&name);
    let mut w = Writer::create(&path, Options::default()).unwrap();
    let temp = w.sink().temp_path().to_path_buf();
    assert!(temp.file_name().unwrap().len() <= 255);
    let mode = std::fs::metadata(&temp).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    w.insert(b"k", b"v").unwrap();
    w.finish().unwrap();
    assert_eq!(entries(dir.path()), [name]);
}

/// Temporary files of a killed build (its process gone, over an hour old)
/// are removed by the next build of the same target; others are left.
#[cfg(target_os = "linux")]
#[test]
fn stale_temporary_files_of_dead_builds_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.zidx");
    // PID 0x7fff_fffe exists nowhere.
    let stale = dir.path().join(".t.zidx.2147483646.abc123.zidx-tmp");
    let young = dir.path().join(".t.zidx.2147483646.def456.zidx-tmp");
    let other = dir.path().join(".u.zidx.2147483646.abc123.zidx-tmp");
    for p in [&stale, &young, &other] {
        std::fs::write(p, b"partial").unwrap();
    }
    let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    for p in [&stale, &other] {
        std::fs::File::options()
            .write(true)
            .open(p)
            .unwrap()
            .set_modified(two_hours_ago)
            .unwrap();
    }
    build(&path, Options::default(), &[(b"k", b"v")]).unwrap();
    assert_eq!(
        entries(dir.path()),
        [
            ".t.zidx.2147483646.def456.zidx-tmp",
            ".u.zidx.2147483646.abc123.zidx-tmp",
            "t.zidx"
        ]
    );
}

/// Ordered builds (SPEC.md §12.1): duplicates are found in the sorted
/// stream and reported with their insertion indices; `first`, `last` and
/// `keep` keep the records the policy says, in key order.
#[test]
fn ordered_builds_apply_every_duplicate_policy() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("o.zidx");
    match build(&path, Options::default().with_ordered(true), DUPS) {
        Err(WriteError::DuplicateKey { key, first, second }) => {
            assert_eq!((key.as_slice(), first, second), (&b"a"[..], 0, 2));
        }
        other => panic!("expected a duplicate-key error, got {other:?}"),
    }
    assert!(!path.exists());
    for (policy, expected) in [
        (OnDuplicate::First, vec![("a", "1"), ("b", "2"), ("c", "4")]),
        (OnDuplicate::Last, vec![("a", "5"), ("b", "2"), ("c", "4")]),
        (
            OnDuplicate::Keep,
            vec![("a", "1"), ("a", "3"), ("a", "5"), ("b", "2"), ("c", "4")],
        ),
    ] {
        let options = Options::default()
            .with_ordered(true)
            .with_on_duplicate(policy);
        let summary = build(&path, options, DUPS).unwrap();
        assert_eq!(summary.records, expected.len() as u64);
        assert_eq!(summary.distinct_keys, 3);
        let index = Index::open(&path).unwrap();
        index.verify().unwrap();
        let got: Vec<(&[u8], &[u8])> = index.iter().map(|r| r.unwrap()).collect();
        let want: Vec<(&[u8], &[u8])> = expected
            .iter()
            .map(|(k, v)| (k.as_bytes(), v.as_bytes()))
            .collect();
        assert_eq!(got, want, "{policy:?}");
    }
}

/// A sort that spills to temporary files gives the same file, byte for
/// byte, as one in memory; and the summary says it spilled.
#[test]
fn spilled_sorts_give_the_same_file() {
    let dir = tempfile::tempdir().unwrap();
    let records: Vec<(Vec<u8>, Vec<u8>)> = (0..3000u32)
        .map(|i| {
            (
                format!("{}", i * 7919 % 3001).into_bytes(),
                vec![b'x'; (i % 40) as usize],
            )
        })
        .collect();
    let refs: Vec<(&[u8], &[u8])> = records.iter().map(|(k, v)| (&k[..], &v[..])).collect();
    let options = Options::default()
        .with_on_duplicate(OnDuplicate::Keep)
        .with_record_checksums(true);
    let memory = build(&dir.path().join("m"), options.clone(), &refs).unwrap();
    let spilled = build(&dir.path().join("s"), options.with_sort_buffer(4096), &refs).unwrap();
    assert_eq!(memory.sort_runs, 0);
    assert!(spilled.sort_runs > 10, "{}", spilled.sort_runs);
    assert_eq!(
        std::fs::read(dir.path().join("m")).unwrap(),
        std::fs::read(dir.path().join("s")).unwrap()
    );
}

/// Features a format version's readers cannot read are refused when the
/// build starts, and nothing is written.
#[test]
fn features_need_a_format_that_carries_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.zidx");
    for version in [FormatVersion::V1_0, FormatVersion::V1_1] {
        for options in [
            Options::default().with_on_duplicate(OnDuplicate::Keep),
            Options::default().with_record_checksums(true),
        ] {
            let err =
                Writer::create(&path, options.clone().with_format_version(version)).unwrap_err();
            assert!(
                matches!(err, WriteError::NeedsNewerFormat { .. }),
                "{err:?}"
            );
            assert!(err.to_string().contains("needs format 1.2"), "{err}");
            let mut memory = Writer::memory(options.with_format_version(version));
            assert!(memory.insert(b"k", b"v").is_err());
        }
        let typed =
            Options::default().with_value_schema(zidx_format::ValueSchema::parse("a:u32").unwrap());
        for version in [version, FormatVersion::V1_2] {
            let err =
                Writer::create(&path, typed.clone().with_format_version(version)).unwrap_err();
            assert!(
                err.to_string().contains("--schema needs format 1.3"),
                "{err}"
            );
        }
        // Ordered keys are a compatible feature: allowed.
        build(
            &path,
            Options::default()
                .with_ordered(true)
                .with_format_version(version),
            DUPS[..2].as_ref(),
        )
        .unwrap();
        let index = Index::open(&path).unwrap();
        assert_eq!(index.layout().incompat_features() & !1, 0);
    }
    assert_eq!(entries(dir.path()), ["f.zidx"]);
}
