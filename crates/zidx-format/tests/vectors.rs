//! The test vectors of format-spec/SPEC.md §8.

use zidx_format::{checksum, fingerprint, home_slot, key_hash};

#[test]
fn hash_vectors_match_the_spec() {
    let all_bytes: Vec<u8> = (0..=255).collect();
    let rows: [(&[u8], u64, u64, u64, u8); 10] = [
        (b"", 0, 0x2d06800538d394c2, 0, 0xc2),
        (b"a", 0, 0xe6c632b61e964e1f, 3, 0x1f),
        (b"abc", 0, 0x78af5f94892f3950, 1, 0x50),
        (b"abc", 1, 0x6b4467b443c76228, 1, 0x28),
        (b"abc", u64::MAX, 0x291c3db09146c9c9, 0, 0xc9),
        (&all_bytes, 0, 0x9408a4433b952d71, 2, 0x71),
        (&all_bytes, 7, 0xbdc8572069c5da9d, 2, 0x9d),
        (b"apple", 0, 0x517a430dcf1f8a00, 1, 0x00),
        (b"banana", 0, 0x669f075767da524c, 1, 0x4c),
        (b"cherry", 0, 0x0c6c9927eea53ebf, 0, 0xbf),
    ];
    for (key, seed, hash, home, fp) in rows {
        let h = key_hash(key, seed);
        assert_eq!(h, hash, "hash of {key:?} with seed {seed}");
        assert_eq!(home_slot(h, 4), home, "home of {key:?}");
        assert_eq!(fingerprint(h), fp, "fingerprint of {key:?}");
    }
}

#[test]
fn checksum_vectors_match_the_spec() {
    assert_eq!(checksum(b""), 0x2d06800538d394c2);
    assert_eq!(checksum(b"abc"), 0x78af5f94892f3950);
}

#[test]
fn keyed_hash_vectors_match_the_spec() {
    use zidx_format::{KeyHasher, HASH_FUNCTION_SIPHASH13, KEY_HALF};
    assert_eq!(KEY_HALF, 0x79656b2e7864697a);
    let all_bytes: Vec<u8> = (0..=255).collect();
    let rows: [(&[u8], u64, u64, u64, u8); 5] = [
        (b"", 0, 0xf8bf6347866b3a9c, 3, 0x9c),
        (b"abc", 0, 0xa83507ca6d3fdcc3, 2, 0xc3),
        (b"abc", 1, 0x5701795b0e67be65, 1, 0x65),
        (b"abc", u64::MAX, 0x808f90daf6949ee9, 2, 0xe9),
        (&all_bytes, 7, 0xbb78a248b8276acd, 2, 0xcd),
    ];
    for (key, seed, hash, home, fp) in rows {
        let h = KeyHasher::new(HASH_FUNCTION_SIPHASH13, seed)
            .unwrap()
            .hash(key);
        assert_eq!(h, hash, "hash of {key:?} with seed {seed}");
        assert_eq!(home_slot(h, 4), home, "home of {key:?}");
        assert_eq!(fingerprint(h), fp, "fingerprint of {key:?}");
    }
}

#[test]
fn seed_derivation_vectors_match_the_spec() {
    use zidx_format::{key_digest, SeedDeriver, DIGEST_KEY, SEED_KEY};
    assert_eq!(DIGEST_KEY, (0x6769642e7864697a, 0x312e31762e747365));
    assert_eq!(SEED_KEY, (0x6565732e7864697a, 0x2e2e312e31762e64));
    assert_eq!(key_digest(b""), 0xecf3131ff793b917);
    assert_eq!(key_digest(b"abc"), 0x394bbc0aa8f58c08);
    let mut two = SeedDeriver::new();
    two.add(1);
    two.add(2);
    assert_eq!(two.seed(3), 0x794a85ae1eb05612);
    assert_eq!(SeedDeriver::new().seed(0), 0x578524e8ab0ca4f9);
    // The stream is SipHash-2-4 of the concatenated little-endian words.
    let bytes: Vec<u8> = [1u64, 2, 2, 3]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    let one_shot = siphasher::sip::SipHasher24::new_with_keys(SEED_KEY.0, SEED_KEY.1).hash(&bytes);
    assert_eq!(one_shot, two.seed(3));
    // The worked example of SPEC.md §11.1.
    let digests = [b"apple".as_slice(), b"banana", b"cherry"].map(key_digest);
    assert_eq!(
        digests,
        [0x4dbfddf4877d6e3a, 0x524a0c8e90f8676e, 0x9fa5631742c3b5c5]
    );
    let mut seeds = SeedDeriver::new();
    for d in digests {
        seeds.add(d);
    }
    assert_eq!(seeds.seed(0), 0x93283f64a9498bd9);
}
