//! Files an attacker (or an accident) puts where an index should be: each
//! is refused or answered in bounded time and memory. Each test failed on
//! zidx 1.0 (commit 64a6207).

use std::path::Path;

use zerocopy::IntoBytes;
use zidx::{Error, Index};
use zidx_format::{
    checksum, HashParams, Header, KeyHasher, SectionEntry, HASH_PARAMS, HASH_SLOTS, HEADER_SIZE,
    RECORDS, SECTION_ENTRY_SIZE, SLOT_SIZE,
};

fn small_index(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("small.zidx");
    let mut w = zidx_writer::Writer::create(&path, Default::default()).unwrap();
    w.insert(b"k", b"v").unwrap();
    w.finish().unwrap();
    path
}

/// 1.0: `Index::read` sized its buffer by the file length and aborted the
/// process ("memory allocation of 1099511627776 bytes failed").
#[test]
fn read_refuses_a_sparse_terabyte_without_allocating_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = small_index(dir.path());
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.set_len(1 << 40).unwrap();
    let err = Index::read(&path).unwrap_err();
    assert!(err.to_string().contains("file_len"), "{err}");
    assert!(Index::open(&path).is_err());
}

/// 1.0: `/dev/zero` and FIFOs were read without limit.
#[cfg(unix)]
#[test]
fn devices_fifos_and_directories_are_not_indexes() {
    let dir = tempfile::tempdir().unwrap();
    for path in [Path::new("/dev/zero"), dir.path()] {
        for result in [Index::open(path), Index::read(path)] {
            assert!(
                matches!(result, Err(Error::NotAFile { .. })),
                "{path:?}: {result:?}"
            );
        }
    }
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        // Opening a FIFO for reading would block until a writer came.
        let err = Index::open(&fifo).unwrap_err();
        assert!(err.to_string().contains("FIFO"), "{err}");
    }
}

/// A forged file whose slot table is 8 GiB of sparse zeros opens instantly,
/// as in 1.0; its hash statistics (`zidx inspect`) read a bounded sample
/// instead of every slot (1.0: 2.2 s and 2.1 GB RSS on such a file).
#[test]
fn hash_stats_of_a_huge_sparse_table_read_a_bounded_sample() {
    const SLOTS: u64 = 1 << 30;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sparse.zidx");
    let table_offset = HEADER_SIZE as u64;
    let params_offset = table_offset + 3 * SECTION_ENTRY_SIZE as u64;
    let records_offset = params_offset + 32;
    // One record, "k" -> "v": a 6-byte header and two bytes.
    let record = [&[1u8, 0, 1, 0, 0, 0][..], b"k", b"v"].concat();
    let slots_offset = records_offset + record.len() as u64;
    let slots_len = SLOTS * SLOT_SIZE as u64;
    let file_len = slots_offset + slots_len;
    let params = HashParams::new(KeyHasher::xxh3(0), SLOTS, 0);
    let table = [
        SectionEntry::new(
            HASH_PARAMS,
            params_offset,
            32,
            1,
            checksum(params.as_bytes()),
        ),
        SectionEntry::new(RECORDS, records_offset, 8, 1, checksum(&record)),
        // The slots' checksum is only checked by verify: any value opens.
        SectionEntry::new(HASH_SLOTS, slots_offset, slots_len, SLOTS, 0),
    ];
    let header = Header::new(
        0,
        0,
        0,
        file_len,
        table_offset,
        3,
        checksum(table.as_bytes()),
    );
    let mut head = header.as_bytes().to_vec();
    head.extend_from_slice(table.as_bytes());
    head.extend_from_slice(params.as_bytes());
    head.extend_from_slice(&record);
    std::fs::write(&path, &head).unwrap();
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.set_len(file_len).unwrap();

    let index = Index::open(&path).unwrap();
    assert_eq!(index.get(b"anything").unwrap(), None);
    let stats = index.hash_stats().unwrap();
    assert!(
        stats.slots_read <= 1 << 20,
        "{} slots read",
        stats.slots_read
    );
    assert_eq!(stats.table_slots, SLOTS);
}
