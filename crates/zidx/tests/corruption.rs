//! Exhaustive corruption tests on the golden files: a changed byte in the
//! header, section table or hash parameters makes open fail; a flipped bit
//! anywhere makes verify fail; a truncated file never opens; and no
//! operation panics on any of these files. Files whose checksums were
//! recomputed after the damage (a deliberate forgery) reach the structural
//! checks and must not panic either.

use std::path::PathBuf;

use zerocopy::FromBytes;
use zidx::Index;
use zidx_format::{checksum, Header, SectionEntry, SECTION_ENTRY_SIZE};

fn golden(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(name);
    std::fs::read(path).unwrap()
}

/// The key of every record of an intact file.
fn keys_of(bytes: &[u8]) -> Vec<Vec<u8>> {
    Index::from_bytes(bytes)
        .unwrap()
        .iter()
        .map(|r| r.unwrap().0.to_vec())
        .collect()
}

/// Runs every read operation; returns whether verify passed. Panics only if
/// the reader does (which is the failure these tests look for) or if a
/// verified file answers inconsistently.
fn exercise(bytes: &[u8], keys: &[Vec<u8>]) -> bool {
    let Ok(index) = Index::from_bytes(bytes) else {
        return false;
    };
    let _ = index.hash_stats();
    let listed: Vec<_> = index.iter().collect();
    let answers: Vec<_> = keys
        .iter()
        .map(|k| index.get(k).map(|v| v.map(<[u8]>::to_vec)))
        .collect();
    let mut batch = Vec::new();
    index.get_many(keys, &mut batch);
    let _ = index.get(b"surely absent \xff\x00");
    let verified = index.verify().is_ok();
    if verified {
        // A file that verifies answers every lookup from its own records.
        assert_eq!(listed.len() as u64, index.len());
        for record in listed {
            let (k, v) = record.unwrap();
            assert_eq!(index.get(k).unwrap(), Some(v));
        }
        assert!(answers.iter().all(Result::is_ok));
    }
    verified
}

const NAMES: [&str; 3] = ["spec-example.zidx", "empty.zidx", "unicode-data.zidx"];

/// Header (128) + section table (3 x 64) + hash parameters (32).
const OPEN_CHECKED: usize = 352;

#[test]
fn every_byte_change_in_header_table_and_params_fails_open() {
    for name in NAMES {
        let original = golden(name);
        let mut bytes = original.clone();
        for pos in 0..OPEN_CHECKED {
            for value in 0..=255u8 {
                if value == original[pos] {
                    continue;
                }
                bytes[pos] = value;
                assert!(
                    Index::from_bytes(&bytes[..]).is_err(),
                    "{name}: byte {pos} set to {value:#04x} still opens"
                );
            }
            bytes[pos] = original[pos];
        }
    }
}

#[test]
fn every_bit_flip_fails_verify_and_nothing_panics() {
    for name in ["spec-example.zidx", "empty.zidx"] {
        let original = golden(name);
        let keys = keys_of(&original);
        let mut bytes = original.clone();
        for bit in 0..original.len() * 8 {
            bytes[bit / 8] ^= 1 << (bit % 8);
            assert!(
                !exercise(&bytes, &keys),
                "{name}: flipping bit {bit} still verifies"
            );
            bytes[bit / 8] = original[bit / 8];
        }
    }
}

/// The 2.4 MB golden file has 19.5 million bits, too many to verify one by
/// one in a test: every bit of its first 352 bytes and of its last 512
/// bytes (slots), and one bit in every 1,021 elsewhere, is flipped (about
/// 26,000 files).
#[test]
fn sampled_bit_flips_fail_verify_on_the_large_golden_file() {
    let original = golden("unicode-data.zidx");
    let keys = keys_of(&original);
    let total = original.len() * 8;
    let tail = total - 512 * 8;
    let bits = (0..OPEN_CHECKED * 8)
        .chain((OPEN_CHECKED * 8..tail).step_by(1021))
        .chain(tail..total);
    let mut bytes = original.clone();
    for (n, bit) in bits.enumerate() {
        bytes[bit / 8] ^= 1 << (bit % 8);
        let index = Index::from_bytes(&bytes[..]);
        assert!(
            index.as_ref().map_or(true, |i| i.verify().is_err()),
            "flipping bit {bit} still verifies"
        );
        // The full set of operations on every 500th damaged file.
        if n % 500 == 0 {
            assert!(!exercise(&bytes, &keys));
        }
        bytes[bit / 8] = original[bit / 8];
    }
}

#[test]
fn truncation_at_every_length_fails_open() {
    for name in NAMES {
        let bytes = golden(name);
        for len in 0..bytes.len() {
            assert!(
                Index::from_bytes(&bytes[..len]).is_err(),
                "{name} truncated to {len} bytes still opens"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(
            Index::from_bytes(&longer[..]).is_err(),
            "{name} with a byte appended still opens"
        );
    }
}

/// Recomputes every checksum so that damage reaches the structural checks.
fn reseal(bytes: &mut [u8]) {
    // The forged header may point anywhere: recompute what can be found.
    let (header, _) = Header::ref_from_prefix(&bytes[..]).unwrap();
    // An offset or length beyond the address space becomes usize::MAX, which
    // the bounds checks below then reject like any other out-of-range one.
    let table_offset = usize::try_from(header.section_table_offset.get()).unwrap_or(usize::MAX);
    let count = header.section_count.get() as usize;
    let table_end = count
        .checked_mul(SECTION_ENTRY_SIZE)
        .and_then(|n| n.checked_add(table_offset));
    if let Some(table_end) = table_end.filter(|&end| end <= bytes.len()) {
        for i in 0..count {
            let at = table_offset + i * SECTION_ENTRY_SIZE;
            let entry = SectionEntry::read_from_bytes(&bytes[at..at + SECTION_ENTRY_SIZE]).unwrap();
            let (start, len) = (
                usize::try_from(entry.offset.get()).unwrap_or(usize::MAX),
                usize::try_from(entry.length.get()).unwrap_or(usize::MAX),
            );
            let Some(body) = bytes.get(start..start.saturating_add(len)) else {
                continue;
            };
            let sum = checksum(body);
            let (entry, _) =
                SectionEntry::mut_from_prefix(&mut bytes[at..at + SECTION_ENTRY_SIZE]).unwrap();
            entry.checksum.set(sum);
        }
        let table = checksum(&bytes[table_offset..table_end]);
        let (header, _) = Header::mut_from_prefix(&mut bytes[..]).unwrap();
        header.section_table_checksum.set(table);
    }
    let (header, _) = Header::mut_from_prefix(&mut bytes[..]).unwrap();
    header.seal();
}

/// Forged files: every byte of the hash parameters, records and slots of
/// the spec example set to several values, checksums recomputed. Nothing
/// panics, and whatever still verifies still answers consistently.
#[test]
fn forged_files_with_valid_checksums_never_panic() {
    let original = golden("spec-example.zidx");
    let keys = keys_of(&original);
    let mut still_valid = 0;
    for pos in 320..original.len() {
        for value in [
            0x00,
            0xFF,
            0x01,
            0x80,
            original[pos] ^ 1,
            original[pos] ^ 0x40,
            original[pos].wrapping_add(8),
        ] {
            let mut bytes = original.clone();
            bytes[pos] = value;
            reseal(&mut bytes);
            if exercise(&bytes, &keys) {
                still_valid += 1;
            }
        }
    }
    // Changing a value byte leaves a valid (different) file; most other
    // changes must be caught.
    assert!(
        still_valid > 0 && still_valid < 500,
        "{still_valid} forged files verified"
    );
}

/// Forged headers and section tables: every byte of the first 352 bytes set
/// to every value, checksums recomputed, so the structural checks of open
/// are exercised one by one.
#[test]
fn forged_headers_and_tables_never_panic() {
    for name in ["spec-example.zidx", "empty.zidx"] {
        let original = golden(name);
        let keys = keys_of(&original);
        for pos in 0..OPEN_CHECKED {
            if (56..64).contains(&pos) || (120..128).contains(&pos) {
                continue; // the checksums themselves
            }
            for value in 0..=255u8 {
                let mut bytes = original.clone();
                bytes[pos] = value;
                reseal(&mut bytes);
                exercise(&bytes, &keys);
            }
        }
    }
}

#[test]
fn known_sections_must_be_marked_required() {
    let mut bytes = golden("spec-example.zidx");
    bytes[0xC4] = 0; // flags of the records section's entry
    reseal(&mut bytes);
    let err = Index::from_bytes(&bytes[..]).unwrap_err().to_string();
    assert!(
        err.contains("section[1].flags") && err.contains("REQUIRED"),
        "{err}"
    );
}

#[test]
fn section_count_is_bounded() {
    let mut bytes = golden("spec-example.zidx");
    bytes[48..52].copy_from_slice(&257u32.to_le_bytes());
    reseal(&mut bytes);
    let err = Index::from_bytes(&bytes[..]).unwrap_err().to_string();
    assert!(
        err.contains("header.section_count") && err.contains("at most 256"),
        "{err}"
    );
}

mod typed {
    #![allow(dead_code)]
    include!("../../../testdata/typed_golden.rs");
}

/// [`exercise`], plus the typed view of a format 1.3 file: whatever the
/// damage, nothing panics; a file that opens as `TypedIndex<Fruit>` has
/// exactly `Fruit`'s schema; a file that verifies answers consistently.
fn exercise_typed(bytes: &[u8], keys: &[Vec<u8>]) -> bool {
    let verified = exercise(bytes, keys);
    // A buffer at an 8-aligned address, as the typed view needs.
    let mut aligned: Vec<u64> = vec![0; bytes.len().div_ceil(8)];
    zerocopy::IntoBytes::as_mut_bytes(aligned.as_mut_slice())[..bytes.len()].copy_from_slice(bytes);
    let buf = &zerocopy::IntoBytes::as_bytes(aligned.as_slice())[..bytes.len()];
    let Ok(index) = Index::from_bytes(buf) else {
        return verified;
    };
    if let Ok(typed) = zidx::TypedIndex::<typed::Fruit, _>::new(index) {
        use zidx::Schema;
        assert_eq!(
            typed.index().layout().value_schema(),
            Some(&typed::Fruit::value_schema().unwrap())
        );
        for k in keys {
            let _ = typed.get(k);
            let _ = typed.get_all(k).map(|v| v.count());
        }
        let _ = typed.iter().count();
        let mut out = Vec::new();
        typed.get_many(keys, &mut out);
    }
    verified
}

/// Every bit flip of the typed golden files fails verify, and nothing
/// panics, typed or not.
#[test]
fn every_bit_flip_of_a_typed_file_fails_verify() {
    for name in [
        "v1.3/spec-example.typed.zidx",
        "v1.3/spec-example.typed-ordered-checked.zidx",
        "v1.3/empty.typed.zidx",
    ] {
        let original = golden(name);
        let keys = keys_of(&original);
        assert!(exercise_typed(&original, &keys));
        let mut bytes = original.clone();
        for bit in 0..original.len() * 8 {
            bytes[bit / 8] ^= 1 << (bit % 8);
            assert!(
                !exercise_typed(&bytes, &keys),
                "{name}: flipping bit {bit} still verifies"
            );
            bytes[bit / 8] = original[bit / 8];
        }
    }
}

/// Forged typed files: every byte set to several values, checksums
/// recomputed. A schema that lies (sizes, offsets, types, alignment) is
/// refused at open or by the typed view; padding that is not zero fails
/// verify; nothing panics.
#[test]
fn forged_typed_files_never_panic_and_lying_schemas_are_refused() {
    let original = golden("v1.3/spec-example.typed.zidx");
    let keys = keys_of(&original);
    let index = Index::from_bytes(&original[..]).unwrap();
    let schema = index.layout().section(zidx::SectionId(5)).unwrap().range();
    let records = index.layout().records().range();
    let mut still_valid = 0;
    for pos in 128..original.len() {
        for value in [
            0x00,
            0xFF,
            0x01,
            0x80,
            original[pos] ^ 1,
            original[pos] ^ 0x40,
        ] {
            if value == original[pos] {
                continue;
            }
            let mut bytes = original.clone();
            bytes[pos] = value;
            reseal(&mut bytes);
            if bytes == original {
                continue; // a checksum, recomputed
            }
            let verified = exercise_typed(&bytes, &keys);
            if schema.contains(&(pos as u64)) {
                // A changed schema section never passes for Fruit's.
                let opened = Index::from_bytes(&bytes[..])
                    .ok()
                    .map(|i| i.layout().value_schema().cloned());
                use zidx::Schema;
                assert_ne!(
                    opened,
                    Some(Some(typed::Fruit::value_schema().unwrap())),
                    "schema byte {pos} set to {value:#04x}"
                );
            }
            if verified {
                still_valid += 1;
                // Only record bytes, and the section flags' reserved bits
                // (which readers ignore: SPEC.md §4), may change and verify.
                let flags =
                    (128..128 + 4 * 64).contains(&pos) && (4..8).contains(&((pos - 128) % 64));
                assert!(
                    records.contains(&(pos as u64)) || flags,
                    "byte {pos} = {value:#04x}"
                );
            }
        }
    }
    assert!(still_valid > 0, "changed values must still verify");
}

/// A typed value that breaks its schema's rules, in a file whose checksums
/// were recomputed (the writer refuses to write one): the file opens, since
/// values are not read at open, but verify names the problem.
#[test]
fn verify_checks_values_against_the_schema() {
    let schema = zidx::ValueSchema::parse("a:u8,b:u32,ok:bool,s:str[3]").unwrap();
    let legal = [0x5a, 0, 0, 0, 0xfe, 0xca, 0xad, 0x0b, 1, b'a', b'b', 0];
    for (value, problem) in [
        (
            [0x5a, 1, 0, 0, 0xfe, 0xca, 0xad, 0x0b, 1, b'a', b'b', 0],
            "padding bytes 1..4",
        ),
        (
            [0x5a, 0, 0, 0, 0xfe, 0xca, 0xad, 0x0b, 2, b'a', b'b', 0],
            "bool byte 2",
        ),
        (
            [0x5a, 0, 0, 0, 0xfe, 0xca, 0xad, 0x0b, 1, 0xff, b'b', 0],
            "UTF-8",
        ),
        (
            [0x5a, 0, 0, 0, 0xfe, 0xca, 0xad, 0x0b, 1, b'a', 0, b'b'],
            "after its NUL",
        ),
    ] {
        let mut w = zidx_writer::Writer::memory(
            zidx_writer::Options::default().with_value_schema(schema.clone()),
        );
        w.insert(b"k", &legal).unwrap();
        let mut bytes = w.finish().unwrap();
        let at = bytes
            .windows(legal.len())
            .position(|w| w == legal)
            .expect("the value is in the file");
        bytes[at..at + legal.len()].copy_from_slice(&value);
        reseal(&mut bytes);
        let index = Index::from_bytes(&bytes[..]).unwrap();
        let err = index.verify().unwrap_err().to_string();
        assert!(err.contains(problem), "{problem}: {err}");
    }
}
