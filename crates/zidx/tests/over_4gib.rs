//! A file whose records run past 4 GiB: every offset the writer stores and
//! the reader follows must be 64-bit. A `u32` anywhere on the path would
//! wrap the records stored past 2^32 bytes onto the file's first 4 GiB,
//! where their keys and values differ, so those records are the ones looked
//! up and checked here.
//!
//! The file is 4.1 GiB, so the test is ignored by a plain `cargo test`;
//! CI runs it with
//! `cargo test --release -p zidx --test over_4gib -- --ignored`.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use zidx::{Error, Index, Storage};
use zidx_writer::{Options, Writer};

/// 2^32: the first offset a `u32` cannot hold.
const FOUR_GIB: u64 = 1 << 32;
/// Large values: enough bytes to push the records past 4 GiB with few
/// records, so the build is bound by the disk, not by per-record work.
const BIG_LEN: usize = 1 << 20;
/// 4,200 MiB of large values: 104 MiB past 4 GiB.
const BIG_COUNT: u32 = 4_200;
/// Small records inserted last, so that all of them lie past 4 GiB.
const SMALL_COUNT: u32 = 1_000;

fn big_key(i: u32) -> Vec<u8> {
    format!("big-{i:05}").into_bytes()
}

/// Every 8-byte word differs from every other word of every big value
/// (the product of an injective `(i, word)` and an odd constant is
/// injective), so a value read from the wrong record, or from the wrong
/// place in the right one, never compares equal.
fn fill_big_value(i: u32, buf: &mut [u8]) {
    for (word, chunk) in (0u64..).zip(buf.chunks_exact_mut(8)) {
        let tag = (u64::from(i) << 32 | word).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        chunk.copy_from_slice(&tag.to_le_bytes());
    }
}

fn small_key(i: u32) -> Vec<u8> {
    format!("small-{i:04}").into_bytes()
}

/// Lengths vary with `i`, so record boundaries past 4 GiB are not
/// regularly spaced.
fn small_value(i: u32) -> Vec<u8> {
    let mut v = format!("value of small record {i}:").into_bytes();
    v.resize(
        v.len() + usize::try_from(i % 37).unwrap(),
        b'a' + u8::try_from(i % 26).unwrap(),
    );
    v
}

/// Keys never inserted: some close to real ones, one empty.
const ABSENT: [&[u8]; 5] = [b"big-04200", b"small-1000", b"small-", b"", b"big-4095"];

#[test]
#[ignore = "writes a 4.1 GiB file; CI runs it with --ignored"]
fn records_past_4_gib() {
    // The build disk, not /tmp, which may be a small tmpfs.
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let path = dir.path().join("over-4gib.zidx");

    let mut w = Writer::create(&path, Options::default()).unwrap();
    let mut buf = vec![0u8; BIG_LEN];
    for i in 0..BIG_COUNT {
        fill_big_value(i, &mut buf);
        w.insert(&big_key(i), &buf).unwrap();
    }
    for i in 0..SMALL_COUNT {
        w.insert(&small_key(i), &small_value(i)).unwrap();
    }
    let summary = w.finish().unwrap();
    let records = u64::from(BIG_COUNT + SMALL_COUNT);
    assert_eq!(summary.records, records);
    let file_len = std::fs::metadata(&path).unwrap().len();
    assert_eq!(file_len, summary.file_len);
    assert!(
        file_len > FOUR_GIB + (100 << 20),
        "file is {file_len} bytes"
    );

    // One at a time: `read` holds the whole file in memory.
    {
        let index = Index::open(&path).unwrap();
        assert!(index.storage().is_mapped());
        check(&index, &mut buf);
    }
    {
        let index = Index::read(&path).unwrap();
        assert!(!index.storage().is_mapped());
        check(&index, &mut buf);
    }
    let index = Index::from_storage(Positional::open(&path)).unwrap();
    check(&index, &mut buf);
    drop(index);
    dir.close().unwrap();
}

/// Reads by offset with `pread` and holds nothing, as a remote backend
/// would. The mapped and read files take the in-memory lookup path
/// (`resident.rs`); this one takes the general one (`probe.rs`,
/// `record_access.rs`), and `get_many` its staged loop, so a truncated
/// offset in either is caught too.
struct Positional {
    file: File,
    len: u64,
    path: PathBuf,
}

impl Positional {
    fn open(path: &Path) -> Positional {
        let file = File::open(path).unwrap();
        let len = file.metadata().unwrap().len();
        Positional {
            file,
            len,
            path: path.to_path_buf(),
        }
    }
}

impl Storage for Positional {
    type Bytes<'a> = Vec<u8>;

    fn file_len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, len: u64) -> Result<Vec<u8>, Error> {
        let io = |source| Error::Io {
            path: self.path.clone(),
            source,
        };
        let mut buf = vec![0; usize::try_from(len).map_err(|e| io(std::io::Error::other(e)))?];
        self.file.read_exact_at(&mut buf, offset).map_err(io)?;
        Ok(buf)
    }
}

fn check<S: Storage>(index: &Index<S>, buf: &mut [u8]) {
    let records = u64::from(BIG_COUNT + SMALL_COUNT);
    assert_eq!(index.len(), records);
    let section = index.layout().records();
    assert_eq!(section.item_count, records);
    assert!(section.offset + section.length > FOUR_GIB + (100 << 20));

    // Stored order is insertion order (an unordered build appends each
    // record as it is inserted), so the file offset of the first big
    // record past 4 GiB, and of every small record, is known from the
    // iteration. Big values are only measured on the way: from a mapped
    // or read file a value is a slice, so this reads none of its bytes.
    let mut records_iter = index.iter();
    let mut first_past = None;
    for ordinal in 0..records {
        let at = section.offset + records_iter.position();
        let (key, value) = records_iter.next().unwrap().unwrap();
        let (key, value) = (key.as_ref(), value.as_ref());
        let i = u32::try_from(ordinal).unwrap();
        if let Some(small) = i.checked_sub(BIG_COUNT) {
            assert_eq!(key, small_key(small));
            assert_eq!(value, small_value(small));
            assert!(at > FOUR_GIB, "small record {small} at {at}");
        } else {
            assert_eq!(key, big_key(i));
            assert_eq!(value.len(), BIG_LEN);
            if at > FOUR_GIB && first_past.is_none() {
                first_past = Some(i);
            }
        }
    }
    assert!(records_iter.next().is_none());
    let first_past = first_past.expect("no big record starts past 4 GiB");
    // The one straddling 2^32, the first wholly past it, and the last.
    let bigs = [
        0,
        1,
        first_past - 1,
        first_past,
        first_past + 7,
        BIG_COUNT - 1,
    ];

    // The tail, with full values: the last big records and the small ones.
    let tail = index.iter().skip(usize::try_from(first_past).unwrap());
    let mut n = first_past;
    for record in tail {
        let (key, value) = record.unwrap();
        let (key, value) = (key.as_ref(), value.as_ref());
        if let Some(small) = n.checked_sub(BIG_COUNT) {
            assert_eq!(
                (key, value),
                (&small_key(small)[..], &small_value(small)[..])
            );
        } else {
            assert_eq!(key, big_key(n));
            fill_big_value(n, buf);
            assert!(value == &buf[..], "value of big record {n} differs");
        }
        n += 1;
    }
    assert_eq!(n, BIG_COUNT + SMALL_COUNT);

    for i in [0, 1, 2, 499, 500, 998, SMALL_COUNT - 1] {
        assert_eq!(
            index
                .get(&small_key(i))
                .unwrap()
                .as_ref()
                .map(AsRef::as_ref),
            Some(&small_value(i)[..]),
            "small record {i}"
        );
    }
    for i in bigs {
        let value = index.get(&big_key(i)).unwrap().unwrap();
        fill_big_value(i, buf);
        assert!(
            value.as_ref() == &buf[..],
            "value of big record {i} differs"
        );
    }
    for key in ABSENT {
        assert!(index.get(key).unwrap().is_none(), "{key:?}");
    }

    // A batch large enough for the batched path's groups of 32: every
    // small key, the chosen big ones, the absent ones, interleaved.
    let mut keys: Vec<Vec<u8>> = Vec::new();
    let mut want: Vec<Option<u32>> = Vec::new();
    for i in 0..SMALL_COUNT {
        keys.push(small_key(i));
        want.push(None);
        if i % 100 == 0 {
            let big = bigs[usize::try_from(i / 100).unwrap() % bigs.len()];
            keys.push(big_key(big));
            want.push(Some(big));
            keys.push(ABSENT[usize::try_from(i / 100).unwrap() % ABSENT.len()].to_vec());
            want.push(Some(u32::MAX));
        }
    }
    let mut out = Vec::new();
    index.get_many(&keys, &mut out);
    assert_eq!(out.len(), keys.len());
    let mut small = 0;
    for ((key, got), want) in keys.iter().zip(out).zip(want) {
        let got = got.unwrap();
        let got = got.as_ref().map(AsRef::as_ref);
        match want {
            Some(u32::MAX) => assert_eq!(got, None, "{key:?}"),
            Some(big) => {
                fill_big_value(big, buf);
                assert!(got == Some(&buf[..]), "value of big record {big} differs");
            }
            None => {
                assert_eq!(got, Some(&small_value(small)[..]), "small record {small}");
                small += 1;
            }
        }
    }
    assert_eq!(small, SMALL_COUNT);

    index.verify().unwrap();
}
