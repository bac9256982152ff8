//! Fault injection: the Nth write, read, sync, rename or create of a build
//! fails. Whatever N, the target afterwards holds the complete old index or
//! the complete new one, and no temporary file is left behind.

use std::path::Path;

use zidx::Index;
use zidx_writer::{Fault, OnDuplicate, Op, Options, WriteError, Writer};

fn records(generation: u8) -> Vec<(Vec<u8>, Vec<u8>)> {
    // About 3 MB, so the 1 MiB write buffer is flushed several times, with a
    // duplicate so that the build also compacts (positional reads and
    // writes of the records after the dropped one).
    let mut v: Vec<(Vec<u8>, Vec<u8>)> = (0..300u32)
        .map(|i| {
            // Only the low byte of `i` varies the value: the truncation is
            // intended (the bytes wrap anyway).
            #[allow(clippy::cast_possible_truncation)]
            let low = i as u8;
            (
                format!("key{i}").into_bytes(),
                vec![generation.wrapping_add(low); 10_000],
            )
        })
        .collect();
    v.push((b"key290".to_vec(), vec![generation; 10]));
    v
}

fn options() -> Options {
    Options::default().with_on_duplicate(OnDuplicate::Last)
}

fn build(path: &Path, generation: u8, fault: Option<Fault>) -> Result<(), WriteError> {
    let mut w = Writer::create_with_fault(path, options(), fault)?;
    for (k, v) in records(generation) {
        w.insert(&k, &v)?;
    }
    w.finish().map(drop)
}

/// A directory on tmpfs where there is one: the test syncs hundreds of
/// files, which is slow on a real disk and proves nothing more.
fn scratch_dir() -> tempfile::TempDir {
    match std::fs::metadata("/dev/shm") {
        Ok(m) if m.is_dir() => tempfile::tempdir_in("/dev/shm").unwrap(),
        _ => tempfile::tempdir().unwrap(),
    }
}

fn dir_entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn every_failing_operation_leaves_old_or_new_index() {
    let dir = scratch_dir();
    let expected_new = dir.path().join("expected-new.zidx");
    build(&expected_new, 2, None).unwrap();
    let new_bytes = std::fs::read(&expected_new).unwrap();
    std::fs::remove_file(&expected_new).unwrap();

    let work = scratch_dir();
    let target = work.path().join("live.zidx");
    let mut injected = 0;
    // `None` fails the Nth operation of any kind, so it reaches every
    // operation of the build in turn; the others double-check the rare kinds.
    for op in [None, Some(Op::Sync), Some(Op::Rename)] {
        for nth in 1.. {
            build(&target, 1, None).unwrap();
            let old_bytes = std::fs::read(&target).unwrap();
            let result = build(&target, 2, Some(Fault { op, nth }));
            let now = std::fs::read(&target).unwrap();
            assert!(
                now == old_bytes || now == new_bytes,
                "{op:?} #{nth}: target is neither the old nor the new index"
            );
            Index::from_bytes(&now[..]).unwrap().verify().unwrap();
            assert_eq!(
                dir_entries(work.path()),
                ["live.zidx"],
                "{op:?} #{nth}: temporary file left behind"
            );
            match result {
                Ok(()) => {
                    assert!(now == new_bytes);
                    break; // the build has fewer than nth such operations
                }
                Err(e) => {
                    injected += 1;
                    assert!(
                        e.to_string().contains("injected fault"),
                        "{op:?} #{nth}: {e}"
                    );
                    // Only a failed sync of the directory, after the rename,
                    // reports an error with the new file in place.
                    if now == new_bytes {
                        assert_eq!(
                            op.unwrap_or(Op::Sync),
                            Op::Sync,
                            "{op:?} #{nth}: new file published by a failed build"
                        );
                    }
                }
            }
        }
    }
    assert!(injected > 20, "only {injected} faults were injected");
}

#[test]
fn a_failed_fsync_fails_the_build() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("t.zidx");
    let err = build(
        &target,
        1,
        Some(Fault {
            op: Some(Op::Sync),
            nth: 1,
        }),
    )
    .unwrap_err();
    assert!(matches!(err, WriteError::Io { op: "sync", .. }), "{err:?}");
    assert!(dir_entries(dir.path()).is_empty());
}

#[test]
fn a_failed_write_stops_the_build_for_good() {
    let dir = scratch_dir();
    let target = dir.path().join("t.zidx");
    // The header write is the first write; the 2 MiB value goes straight
    // through the buffer as the second.
    let mut w = Writer::create_with_fault(
        &target,
        options(),
        Some(Fault {
            op: Some(Op::Write),
            nth: 2,
        }),
    )
    .unwrap();
    assert!(w.insert(b"big", &vec![7u8; 2 << 20]).is_err());
    let again = w.insert(b"small", b"v").unwrap_err().to_string();
    assert!(again.contains("earlier write"), "{again}");
    assert!(w
        .finish()
        .unwrap_err()
        .to_string()
        .contains("earlier write"));
    assert!(dir_entries(dir.path()).is_empty());
}
