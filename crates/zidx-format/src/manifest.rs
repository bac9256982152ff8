//! The manifest of an index set (format-spec/SETS.md): N shard files and
//! the rule that routes each key to one of them. [`Manifest::decode`] holds
//! every check of SETS.md §2 in one place and never trusts a length it has
//! not checked.

use zerocopy::little_endian::{U16, U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::checksum::checksum;
use crate::error::FormatError;
use crate::hash::key_hash;

/// The manifest's magic bytes.
pub const SET_MAGIC: [u8; 8] = *b"ZIDX-SET";
/// The manifest major version this crate reads and writes.
pub const SET_VERSION_MAJOR: u16 = 1;
/// The manifest minor version this crate writes.
pub const SET_VERSION_MINOR: u16 = 0;
/// The one routing function (SETS.md §1).
pub const ROUTING_XXH3_MULTIPLY: u32 = 1;
/// The most shards a set may have.
pub const MAX_SHARDS: u32 = 65_536;
/// The longest shard file name, in bytes.
pub const MAX_SHARD_NAME_LEN: usize = 255;
/// Bytes of the manifest header.
pub const SET_HEADER_SIZE: usize = 64;
/// Bytes of one shard entry.
pub const SHARD_ENTRY_SIZE: usize = 48;
/// The longest manifest: every field at its limit. A reader refuses a
/// longer file before reading it.
pub const MAX_MANIFEST_LEN: u64 = SET_HEADER_SIZE as u64
    + MAX_SHARDS as u64 * (SHARD_ENTRY_SIZE as u64 + MAX_SHARD_NAME_LEN as u64);
/// Offset of the checksum field in the manifest header.
const CHECKSUM_OFFSET: usize = 56;

/// The manifest header (SETS.md §2).
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct SetHeader {
    /// [`SET_MAGIC`].
    pub magic: [u8; 8],
    /// [`SET_VERSION_MAJOR`].
    pub version_major: U16,
    /// The minor version.
    pub version_minor: U16,
    /// N.
    pub shard_count: U32,
    /// [`ROUTING_XXH3_MULTIPLY`].
    pub routing: U32,
    /// Zero.
    pub reserved0: U32,
    /// The routing seed.
    pub routing_seed: U64,
    /// The generation (SETS.md §3).
    pub generation: U64,
    /// The sum of the shards' record counts.
    pub record_count: U64,
    /// Bytes of the name pool.
    pub names_len: U32,
    /// Zero.
    pub reserved1: U32,
    /// Checksum of the file with this field zero.
    pub checksum: U64,
}

/// One shard's entry (SETS.md §2).
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct ShardEntry {
    /// Where its name starts in the pool.
    pub name_offset: U32,
    /// Its name's length.
    pub name_len: U16,
    /// Zero.
    pub reserved0: U16,
    /// The shard file's length.
    pub file_len: U64,
    /// The shard's record count.
    pub record_count: U64,
    /// The shard's header checksum field.
    pub header_checksum: U64,
    /// Zero.
    pub reserved1: [u8; 16],
}

const _: () = {
    use core::mem::{offset_of, size_of};
    assert!(size_of::<SetHeader>() == SET_HEADER_SIZE);
    assert!(offset_of!(SetHeader, shard_count) == 12);
    assert!(offset_of!(SetHeader, routing_seed) == 24);
    assert!(offset_of!(SetHeader, generation) == 32);
    assert!(offset_of!(SetHeader, record_count) == 40);
    assert!(offset_of!(SetHeader, names_len) == 48);
    assert!(offset_of!(SetHeader, checksum) == CHECKSUM_OFFSET);
    assert!(size_of::<ShardEntry>() == SHARD_ENTRY_SIZE);
    assert!(offset_of!(ShardEntry, file_len) == 8);
    assert!(offset_of!(ShardEntry, record_count) == 16);
    assert!(offset_of!(ShardEntry, header_checksum) == 24);
};

/// The shard of `key` in a set of `shard_count` shards routed with
/// `routing_seed` (SETS.md §1). `shard_count` must be at least 1.
///
/// ```
/// use zidx_format::manifest::route;
/// assert!(route(b"apple", 0, 4) < 4);
/// assert_eq!(route(b"apple", 0, 1), 0);
/// ```
pub fn route(key: &[u8], routing_seed: u64, shard_count: u32) -> u32 {
    let h = u128::from(key_hash(key, routing_seed));
    // h × N < 2^64 × N, so the high half is below N ≤ u32::MAX.
    u32::try_from((h * u128::from(shard_count)) >> 64).unwrap_or(u32::MAX)
}

/// What the manifest says about one shard.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShardInfo {
    /// Its file name, in the manifest's directory.
    pub name: String,
    /// Its file length.
    pub file_len: u64,
    /// Its record count.
    pub record_count: u64,
    /// Its header checksum field.
    pub header_checksum: u64,
}

impl ShardInfo {
    /// A shard's description.
    pub fn new(
        name: impl Into<String>,
        file_len: u64,
        record_count: u64,
        header_checksum: u64,
    ) -> ShardInfo {
        ShardInfo {
            name: name.into(),
            file_len,
            record_count,
            header_checksum,
        }
    }
}

/// A checked manifest: valid by construction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    routing_seed: u64,
    generation: u64,
    record_count: u64,
    shards: Vec<ShardInfo>,
}

impl Manifest {
    /// The manifest of `shards` (shard 0 first) routed with
    /// `routing_seed`; the generation is derived (SETS.md §3). Refuses an
    /// empty or too long list, bad or repeated names, and record counts
    /// whose sum overflows.
    pub fn new(routing_seed: u64, shards: Vec<ShardInfo>) -> Result<Manifest, FormatError> {
        let bad = |problem: String| FormatError::InvalidManifest { offset: 0, problem };
        let n = u32::try_from(shards.len())
            .ok()
            .filter(|&n| (1..=MAX_SHARDS).contains(&n))
            .ok_or_else(|| {
                bad(format!(
                    "{} shards; a set has 1 to {MAX_SHARDS}",
                    shards.len()
                ))
            })?;
        let mut record_count = 0u64;
        let mut names = std::collections::HashSet::new();
        for (i, s) in shards.iter().enumerate() {
            check_name(&s.name).map_err(|p| bad(format!("shard {i}: {p}")))?;
            if !names.insert(s.name.as_str()) {
                return Err(bad(format!("shard {i}: name {:?} appears twice", s.name)));
            }
            record_count = record_count
                .checked_add(s.record_count)
                .ok_or_else(|| bad("the record counts overflow u64".to_string()))?;
        }
        let mut id = Vec::with_capacity(12 + 24 * shards.len());
        id.extend_from_slice(&routing_seed.to_le_bytes());
        id.extend_from_slice(&n.to_le_bytes());
        for s in &shards {
            id.extend_from_slice(&s.file_len.to_le_bytes());
            id.extend_from_slice(&s.record_count.to_le_bytes());
            id.extend_from_slice(&s.header_checksum.to_le_bytes());
        }
        Ok(Manifest {
            routing_seed,
            generation: checksum(&id),
            record_count,
            shards,
        })
    }

    /// The routing seed.
    pub fn routing_seed(&self) -> u64 {
        self.routing_seed
    }

    /// The generation (SETS.md §3).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The sum of the shards' record counts.
    pub fn record_count(&self) -> u64 {
        self.record_count
    }

    /// The shards, shard 0 first.
    pub fn shards(&self) -> &[ShardInfo] {
        &self.shards
    }

    /// N.
    pub fn shard_count(&self) -> u32 {
        // At most MAX_SHARDS, checked by every constructor.
        u32::try_from(self.shards.len()).unwrap_or(MAX_SHARDS)
    }

    /// The shard `key` belongs to.
    pub fn shard_of(&self, key: &[u8]) -> u32 {
        route(key, self.routing_seed, self.shard_count())
    }

    /// The reference name of shard `i` of a set whose manifest is
    /// `stem`.zidxset (SETS.md §3): `STEM-GENERATION-IIIII-of-NNNNN.zidx`.
    pub fn shard_file_name(stem: &str, generation: u64, i: u32, shard_count: u32) -> String {
        format!("{stem}-{generation:016x}-{i:05}-of-{shard_count:05}.zidx")
    }

    /// The manifest's bytes (SETS.md §2).
    pub fn encode(&self) -> Vec<u8> {
        let names_len: usize = self.shards.iter().map(|s| s.name.len()).sum();
        let mut out =
            Vec::with_capacity(SET_HEADER_SIZE + SHARD_ENTRY_SIZE * self.shards.len() + names_len);
        let header = SetHeader {
            magic: SET_MAGIC,
            version_major: SET_VERSION_MAJOR.into(),
            version_minor: SET_VERSION_MINOR.into(),
            shard_count: self.shard_count().into(),
            routing: ROUTING_XXH3_MULTIPLY.into(),
            reserved0: 0.into(),
            routing_seed: self.routing_seed.into(),
            generation: self.generation.into(),
            record_count: self.record_count.into(),
            // Names are at most 255 bytes each and N ≤ 65,536.
            names_len: u32::try_from(names_len).unwrap_or(u32::MAX).into(),
            reserved1: 0.into(),
            checksum: 0.into(),
        };
        out.extend_from_slice(header.as_bytes());
        let mut at = 0u32;
        for s in &self.shards {
            let len = u16::try_from(s.name.len()).unwrap_or(u16::MAX);
            let entry = ShardEntry {
                name_offset: at.into(),
                name_len: len.into(),
                reserved0: 0.into(),
                file_len: s.file_len.into(),
                record_count: s.record_count.into(),
                header_checksum: s.header_checksum.into(),
                reserved1: [0; 16],
            };
            out.extend_from_slice(entry.as_bytes());
            at += u32::from(len);
        }
        for s in &self.shards {
            out.extend_from_slice(s.name.as_bytes());
        }
        let sum = checksum(&out);
        out[CHECKSUM_OFFSET..CHECKSUM_OFFSET + 8].copy_from_slice(&sum.to_le_bytes());
        out
    }

    /// Reads and checks a manifest (every rule of SETS.md §2).
    pub fn decode(bytes: &[u8]) -> Result<Manifest, FormatError> {
        let bad = |offset: usize, problem: String| FormatError::InvalidManifest {
            offset: offset as u64,
            problem,
        };
        let (header, _) = SetHeader::ref_from_prefix(bytes).map_err(|_| {
            bad(
                0,
                format!(
                    "{} bytes; a manifest has at least {SET_HEADER_SIZE}",
                    bytes.len()
                ),
            )
        })?;
        if header.magic != SET_MAGIC {
            return Err(bad(0, "no ZIDX-SET magic: not a set manifest".to_string()));
        }
        let major = header.version_major.get();
        if major != SET_VERSION_MAJOR {
            return Err(bad(
                8,
                format!(
                    "manifest version {major}.{}; this reader reads 1.x",
                    header.version_minor.get()
                ),
            ));
        }
        let n = header.shard_count.get();
        if !(1..=MAX_SHARDS).contains(&n) {
            return Err(bad(
                12,
                format!("shard count {n}; a set has 1 to {MAX_SHARDS}"),
            ));
        }
        if header.routing.get() != ROUTING_XXH3_MULTIPLY {
            return Err(bad(
                16,
                format!(
                    "routing function {}; this reader knows 1",
                    header.routing.get()
                ),
            ));
        }
        if header.reserved0.get() != 0 || header.reserved1.get() != 0 {
            return Err(bad(20, "reserved header bytes are not zero".to_string()));
        }
        let names_len = u64::from(header.names_len.get());
        let entries_end = SET_HEADER_SIZE as u64 + SHARD_ENTRY_SIZE as u64 * u64::from(n);
        let expected = entries_end + names_len;
        if bytes.len() as u64 != expected {
            return Err(bad(
                48,
                format!(
                    "{} bytes; {n} shards and a {names_len}-byte name pool make {expected}",
                    bytes.len()
                ),
            ));
        }
        let mut zeroed = bytes.to_vec();
        zeroed[CHECKSUM_OFFSET..CHECKSUM_OFFSET + 8].fill(0);
        let sum = checksum(&zeroed);
        if sum != header.checksum.get() {
            return Err(bad(
                CHECKSUM_OFFSET,
                format!(
                    "checksum {:#018x}, but the bytes give {sum:#018x}: the manifest is damaged",
                    header.checksum.get()
                ),
            ));
        }
        // The length check above makes both in range.
        let entries_end = usize::try_from(entries_end).unwrap_or(bytes.len());
        let pool = bytes.get(entries_end..).unwrap_or_default();
        let entries = <[ShardEntry]>::ref_from_bytes(
            bytes.get(SET_HEADER_SIZE..entries_end).unwrap_or_default(),
        )
        .map_err(|_| bad(SET_HEADER_SIZE, "shard entries do not fit".to_string()))?;
        let mut shards = Vec::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            let at = SET_HEADER_SIZE + i * SHARD_ENTRY_SIZE;
            if e.reserved0.get() != 0 || e.reserved1 != [0; 16] {
                return Err(bad(at, format!("shard {i}: reserved bytes are not zero")));
            }
            let start = e.name_offset.get() as usize;
            let len = usize::from(e.name_len.get());
            let name = pool.get(start..start.saturating_add(len)).ok_or_else(|| {
                bad(
                    at,
                    format!(
                        "shard {i}: name range {start}+{len} is outside the {names_len}-byte pool"
                    ),
                )
            })?;
            let name = std::str::from_utf8(name)
                .map_err(|_| bad(at, format!("shard {i}: name is not UTF-8")))?;
            shards.push(ShardInfo::new(
                name,
                e.file_len.get(),
                e.record_count.get(),
                e.header_checksum.get(),
            ));
        }
        let manifest = Manifest::new(header.routing_seed.get(), shards).map_err(|e| match e {
            FormatError::InvalidManifest { problem, .. } => bad(SET_HEADER_SIZE, problem),
            other => other,
        })?;
        if manifest.record_count != header.record_count.get() {
            return Err(bad(
                40,
                format!(
                    "record count {}, but the shards hold {}",
                    header.record_count.get(),
                    manifest.record_count
                ),
            ));
        }
        if manifest.generation != header.generation.get() {
            return Err(bad(
                32,
                format!(
                    "generation {:#018x}, but the shards' entries give {:#018x}",
                    header.generation.get(),
                    manifest.generation
                ),
            ));
        }
        Ok(manifest)
    }
}

/// Whether `name` may name a shard (SETS.md §2).
fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > MAX_SHARD_NAME_LEN {
        return Err(format!(
            "name of {} bytes; 1 to {MAX_SHARD_NAME_LEN} allowed",
            name.len()
        ));
    }
    if name == "." || name == ".." || name.contains(['/', '\\', '\0']) {
        return Err(format!(
            "{name:?} is not a file name in the manifest's directory"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Manifest {
        Manifest::new(
            7,
            vec![
                ShardInfo::new("a-0.zidx", 100, 3, 0xabc),
                ShardInfo::new("a-1.zidx", 200, 4, 0xdef),
            ],
        )
        .unwrap()
    }

    #[test]
    fn round_trip() {
        let m = sample();
        let bytes = m.encode();
        assert_eq!(bytes.len(), 64 + 2 * 48 + 16);
        assert_eq!(&bytes[..8], b"ZIDX-SET");
        assert_eq!(Manifest::decode(&bytes).unwrap(), m);
        assert_eq!(m.record_count(), 7);
    }

    #[test]
    fn routing_is_in_range_and_spreads() {
        let mut counts = [0u32; 4];
        for i in 0..4000u32 {
            counts[route(&i.to_le_bytes(), 0, 4) as usize] += 1;
        }
        assert!(
            counts.iter().all(|&c| (850..1150).contains(&c)),
            "{counts:?}"
        );
        assert_eq!(route(b"x", 9, 1), 0);
        assert!(route(b"x", 9, MAX_SHARDS) < MAX_SHARDS);
    }

    #[test]
    fn every_byte_change_is_refused() {
        let bytes = sample().encode();
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x01;
            assert!(Manifest::decode(&b).is_err(), "byte {i}");
        }
        for len in 0..bytes.len() {
            assert!(Manifest::decode(&bytes[..len]).is_err(), "length {len}");
        }
    }

    /// Forged manifests with a valid checksum still meet every check.
    #[test]
    fn forged_fields_are_refused() {
        let reseal = |mut b: Vec<u8>| {
            b[CHECKSUM_OFFSET..CHECKSUM_OFFSET + 8].fill(0);
            let sum = checksum(&b);
            b[CHECKSUM_OFFSET..CHECKSUM_OFFSET + 8].copy_from_slice(&sum.to_le_bytes());
            b
        };
        let good = sample().encode();
        let forge = |at: usize, with: &[u8]| {
            let mut b = good.clone();
            b[at..at + with.len()].copy_from_slice(with);
            Manifest::decode(&reseal(b)).unwrap_err().to_string()
        };
        assert!(forge(12, &0u32.to_le_bytes()).contains("shard count 0"));
        assert!(forge(12, &u32::MAX.to_le_bytes()).contains("shard count"));
        assert!(forge(16, &2u32.to_le_bytes()).contains("routing function 2"));
        assert!(forge(40, &8u64.to_le_bytes()).contains("record count 8"));
        assert!(forge(32, &1u64.to_le_bytes()).contains("generation"));
        assert!(forge(48, &u32::MAX.to_le_bytes()).contains("bytes;"));
        // Shard 1's name range outside the pool, and a name with a slash.
        assert!(forge(64 + 48, &100u32.to_le_bytes()).contains("outside"));
        assert!(forge(64 + 96, b"a/0").contains("not a file name"));
        // Both shards named alike.
        assert!(forge(64 + 96 + 8 + 2, b"0").contains("appears twice"));
        assert!(forge(0, b"ZIDX-SEX").contains("magic"));
        assert!(forge(8, &2u16.to_le_bytes()).contains("version 2"));
    }

    #[test]
    fn names_are_checked() {
        for name in ["", ".", "..", "a/b", "a\\b", "a\0b", &"x".repeat(256)] {
            assert!(
                Manifest::new(0, vec![ShardInfo::new(name, 1, 1, 1)]).is_err(),
                "{name:?}"
            );
        }
        assert!(Manifest::new(0, Vec::new()).is_err());
        assert_eq!(
            Manifest::shard_file_name("words", 0xab, 2, 16),
            "words-00000000000000ab-00002-of-00016.zidx"
        );
    }
}
