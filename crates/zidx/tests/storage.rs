//! Reading through a [`Storage`] that is not a buffer in memory: the parse
//! and probe code reads by offset and length, and opening a file touches
//! only its first page.

use std::cell::RefCell;

use zidx::{Error, Index, Storage};

/// A storage backend that copies every read out of a buffer, as a remote
/// backend would, and logs each read's range.
struct Logged {
    bytes: Vec<u8>,
    reads: RefCell<Vec<(u64, u64)>>,
}

impl Logged {
    fn new(bytes: Vec<u8>) -> Logged {
        Logged {
            bytes,
            reads: RefCell::new(Vec::new()),
        }
    }

    fn take_reads(&self) -> Vec<(u64, u64)> {
        std::mem::take(&mut self.reads.borrow_mut())
    }
}

impl Storage for Logged {
    type Bytes<'a> = Vec<u8>;

    fn file_len(&self) -> u64 {
        self.bytes.len() as u64
    }

    fn read_at(&self, offset: u64, len: u64) -> Result<Vec<u8>, Error> {
        self.reads.borrow_mut().push((offset, len));
        let slice: &[u8] = self.bytes.as_ref();
        slice.read_at(offset, len).map(<[u8]>::to_vec)
    }
}

fn sample() -> Vec<u8> {
    let mut w = zidx_writer::Writer::memory(Default::default());
    for i in 0..2000u32 {
        w.insert(format!("key{i}").as_bytes(), format!("value{i}").as_bytes())
            .unwrap();
    }
    w.finish().unwrap()
}

#[test]
fn open_reads_only_the_first_page() {
    let storage = Logged::new(sample());
    let index = Index::from_storage(storage).unwrap();
    let reads = index.storage().take_reads();
    assert_eq!(reads.len(), 3, "header, section table, hash parameters");
    for (offset, len) in reads {
        assert!(
            offset + len <= 4096,
            "read {offset}+{len} past the first page"
        );
    }
}

#[test]
fn lookups_through_storage_match_the_buffer() {
    let bytes = sample();
    let resident = Index::from_bytes(&bytes[..]).unwrap();
    let remote = Index::from_storage(Logged::new(bytes.clone())).unwrap();
    remote.storage().take_reads();
    for i in (0..2000u32).step_by(7) {
        let key = format!("key{i}");
        let got = remote.get(key.as_bytes()).unwrap();
        assert_eq!(got.as_deref(), resident.get(key.as_bytes()).unwrap());
        // One run of slots, then the record's header, key and value.
        let reads = remote.storage().take_reads();
        assert!(reads.len() <= 4 + 3, "{} reads for one hit", reads.len());
    }
    assert_eq!(remote.get(b"absent").unwrap(), None);
    let listed: Vec<(Vec<u8>, Vec<u8>)> = remote.iter().map(|r| r.unwrap()).collect();
    assert_eq!(listed.len(), 2000);
    assert_eq!(listed[5], (b"key5".to_vec(), b"value5".to_vec()));
    let keys: Vec<String> = (0..50).map(|i| format!("key{}", i * 37)).collect();
    let mut out = Vec::new();
    remote.get_many(&keys, &mut out);
    for (key, got) in keys.iter().zip(out) {
        assert_eq!(
            got.unwrap().as_deref(),
            resident.get(key.as_bytes()).unwrap()
        );
    }
    remote.verify().unwrap();
    assert_eq!(remote.hash_stats().unwrap(), resident.hash_stats().unwrap());
}

#[test]
fn get_many_reports_a_corrupt_record_for_its_key_only() {
    let mut bytes = sample();
    let index = Index::from_bytes(&bytes[..]).unwrap();
    let records = usize::try_from(index.layout().records().offset).unwrap();
    // Find "key7"'s record and give it a key length that runs past the end.
    let at = bytes[records..]
        .windows(4)
        .position(|w| w == b"key7")
        .unwrap()
        + records
        - 6;
    bytes[at..at + 2].copy_from_slice(&u16::MAX.to_le_bytes());
    bytes[at + 2..at + 6].copy_from_slice(&u32::MAX.to_le_bytes());
    let index = Index::from_bytes(&bytes[..]).unwrap();
    assert!(index.get(b"key7").is_err());
    let mut out = Vec::new();
    index.get_many(&[&b"key1"[..], b"key7", b"key9", b"nope"], &mut out);
    assert_eq!(out.len(), 4);
    assert_eq!(out[0].as_ref().unwrap(), &Some(&b"value1"[..]));
    assert!(out[1].is_err());
    assert_eq!(out[2].as_ref().unwrap(), &Some(&b"value9"[..]));
    assert_eq!(out[3].as_ref().unwrap(), &None);
    assert!(index.verify().is_err());
}

#[test]
fn a_memory_build_equals_a_file_build() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.zidx");
    let mut w = zidx_writer::Writer::create(&path, Default::default()).unwrap();
    for i in 0..2000u32 {
        w.insert(format!("key{i}").as_bytes(), format!("value{i}").as_bytes())
            .unwrap();
    }
    w.finish().unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), sample());
}
