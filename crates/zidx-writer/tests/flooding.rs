//! Hash flooding (SPEC.md §6.3): keys chosen before a build must not make it
//! fail or make probes long. Format 1.0 (XXH3-64 with the fixed seeds 0 to
//! 7) falls to each attack below; format 1.1 (SipHash-1-3 keyed by a seed
//! derived from the records) does not.

use zidx::Index;
use zidx_format::placement::home_slots_for;
use zidx_format::{home_slot, key_hash};
use zidx_writer::{FormatVersion, Options, WriteError, Writer};

/// The first 8 bytes of XXH3's default secret, little-endian.
const XXH3_SECRET_0: u64 = 0xbe4b_a423_396c_feb8;

/// 32-byte keys that all have one XXH3-64 hash under `seed`: for 17 to 128
/// bytes, XXH3 multiplies `bytes[0..8] ^ (secret[0..8] + seed)` by a
/// function of bytes 8..16, so making the first factor 0 frees bytes 8..16.
fn zero_product_keys(seed: u64, count: u64) -> Vec<Vec<u8>> {
    (0..count)
        .map(|i| {
            let mut key = Vec::with_capacity(32);
            key.extend_from_slice(&XXH3_SECRET_0.wrapping_add(seed).to_le_bytes());
            key.extend_from_slice(&i.wrapping_mul(0x9e37_79b9_7f4a_7c15).to_le_bytes());
            key.extend_from_slice(b"same-last-sixteen-bytes!"[..16].as_ref());
            key
        })
        .collect()
}

/// Random-looking keys of `len` bytes from a counter.
fn plain_keys(count: u64, len: usize, salt: u64) -> Vec<Vec<u8>> {
    (0..count)
        .map(|i| {
            let mut x = i ^ salt.rotate_left(17);
            (0..len)
                .map(|_| {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    x.to_le_bytes()[7]
                })
                .collect()
        })
        .collect()
}

/// `count` keys of `len` bytes whose 1.0 home slot (seed 0, table for
/// `records` records) is slot 0: found by brute force, as an attacker who
/// knows the seed would.
fn brute_forced_cluster(count: usize, len: usize, records: u64) -> Vec<Vec<u8>> {
    let slots = home_slots_for(records);
    let mut found = Vec::with_capacity(count);
    let mut i = 0u64;
    while found.len() < count {
        let key = plain_keys(1, len, i ^ 0x5eed).remove(0);
        if home_slot(key_hash(&key, 0), slots) == 0 {
            found.push(key);
        }
        i += 1;
    }
    found
}

fn build(keys: &[Vec<u8>], version: FormatVersion) -> Result<Vec<u8>, WriteError> {
    let mut w = Writer::memory(Options::default().with_format_version(version));
    for (i, k) in keys.iter().enumerate() {
        w.insert(k, &(i as u64).to_le_bytes())?;
    }
    w.finish()
}

/// Every key answers, `verify` passes, and no probe is long.
fn check_1_1(keys: &[Vec<u8>]) {
    let bytes = build(keys, FormatVersion::V1_1).expect("a 1.1 build never refuses");
    let index = Index::from_bytes(&bytes[..]).unwrap();
    index.verify().unwrap();
    for (i, k) in keys.iter().enumerate() {
        assert_eq!(index.get(k).unwrap(), Some(&(i as u64).to_le_bytes()[..]));
    }
    let max = index.layout().max_displacement();
    assert!(max < 40, "max displacement {max} for {} keys", keys.len());
    let mean = index.hash_stats().unwrap().mean_probe_length;
    assert!(mean < 6.0, "mean probe {mean}");
}

#[test]
fn the_zero_product_attack_fails_every_1_0_build_and_no_1_1_build() {
    // 256 colliding keys for each of the eight seeds 1.0 tries.
    let mut keys = plain_keys(5000, 12, 1);
    for seed in 0..8 {
        let crafted = zero_product_keys(seed, 256);
        let h = key_hash(&crafted[0], seed);
        assert!(
            crafted.iter().all(|k| key_hash(k, seed) == h),
            "the attack works on XXH3"
        );
        keys.extend(crafted);
    }
    match build(&keys, FormatVersion::V1_0) {
        Err(WriteError::HashFlooding { .. }) => {}
        other => panic!(
            "1.0 should refuse the crafted keys, got {:?}",
            other.map(|b| b.len())
        ),
    }
    check_1_1(&keys);
}

#[test]
fn a_few_hundred_crafted_keys_make_1_0_probes_long_but_not_1_1_probes() {
    // 200 keys with one hash under seed 0: 1.0 builds and verifies, with a
    // probe of 200 slots for any of them (and for a crafted miss).
    let mut keys = plain_keys(5000, 12, 2);
    keys.extend(zero_product_keys(0, 200));
    let bytes = build(&keys, FormatVersion::V1_0).unwrap();
    let index = Index::from_bytes(&bytes[..]).unwrap();
    index.verify().unwrap();
    assert!(index.layout().max_displacement() >= 199);
    check_1_1(&keys);
}

#[test]
fn brute_forced_clusters_of_short_and_long_keys() {
    // Long keys (over 240 bytes) take XXH3's other code path.
    for len in [16, 300] {
        let mut keys = plain_keys(4000, len, 3);
        keys.extend(brute_forced_cluster(250, len, 4250));
        let bytes = build(&keys, FormatVersion::V1_0).unwrap();
        let index = Index::from_bytes(&bytes[..]).unwrap();
        assert!(
            index.layout().max_displacement() >= 240,
            "1.0 with {len}-byte keys: {}",
            index.layout().max_displacement()
        );
        check_1_1(&keys);
    }
}

#[test]
fn builds_stay_deterministic() {
    let mut keys = plain_keys(3000, 20, 4);
    keys.extend(zero_product_keys(0, 300));
    assert_eq!(
        build(&keys, FormatVersion::V1_1).unwrap(),
        build(&keys, FormatVersion::V1_1).unwrap()
    );
}
