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
